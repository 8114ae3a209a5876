"""Fixtures of the signing tests (their helpers are in :mod:`tests.helpers.signing`)."""

from __future__ import annotations

from pathlib import Path

import pyhanko.sign.ades.cades_asn1  # noqa: F401 - see below
import pytest

# pyHanko adds CAdES attribute names (content_time_stamp, ...) to asn1crypto's tables when
# pyhanko.sign.ades.cades_asn1 is imported, but asn1crypto builds its name->OID table once, at
# first use: the in-process TSA (certomancer) must not be the first to use it.


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    from tests.pdf_samples import write_simple_pdf

    return write_simple_pdf(tmp_path / "sample.pdf")

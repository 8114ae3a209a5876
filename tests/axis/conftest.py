"""Fixtures for the axis tests: the published edXML conformance samples and the
organization's envelope signer from the development PKI."""

from __future__ import annotations

from pathlib import Path

import pytest

from axis import edxml
from signing import devpki
from tests.helpers.edxml import find_samples


@pytest.fixture(scope="session")
def samples() -> Path:
    return find_samples()


@pytest.fixture(scope="session")
def org_signer(dev_pki: devpki.DevPki) -> edxml.EnvelopeSigner:
    """Signs envelopes as Ủy ban nhân dân tỉnh Mẫu (org-h41, 000.00.00.H41); the issuing CA
    travels with the certificate, so gov-root alone is enough to trust it."""
    return edxml.EnvelopeSigner(dev_pki.key("org-h41").read_bytes(),
                                dev_pki.cert("org-h41").read_bytes()
                                + dev_pki.cert("gov-ca").read_bytes())

# The reference axis server (SQLite, then PostgreSQL), one per session for all axis tests.
from tests.axis.axis_harness import axis_server  # noqa: E402, F401

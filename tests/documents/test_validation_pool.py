"""The receiving hub's pooled validator: worker processes share a large batch, and the verdicts
come back in the order of the files, as the one-process validator gives them."""

from __future__ import annotations

import asyncio

from documents.adapters import PadesDocumentValidator, PooledValidator
from edochub.samples import simple_pdf
from signing.validation import ValidationSettings


def test_a_large_batch_is_shared_with_workers_and_keeps_its_order(dev_pki):
    settings = ValidationSettings.from_paths(dev_pki.trust_roots)
    files = [(f"file-{index}.pdf", simple_pdf(f"file {index}")) for index in range(60)]
    pooled = PooledValidator(settings, workers=1).start(wait=True)
    try:
        verdicts = asyncio.run(pooled.validate(files))
        small = asyncio.run(pooled.validate(files[:3]))  # below the threshold: here alone
    finally:
        pooled.close()
    alone = asyncio.run(PadesDocumentValidator(settings).validate(files))
    assert pooled.chunks_in_workers >= 1
    assert [v.path for v in verdicts] == [name for name, _ in files]
    assert [(v.path, v.bottom_line, v.error) for v in verdicts] == \
        [(v.path, v.bottom_line, v.error) for v in alone]
    assert [v.path for v in small] == ["file-0.pdf", "file-1.pdf", "file-2.pdf"]


def test_without_workers_it_is_the_one_process_validator(dev_pki):
    settings = ValidationSettings.from_paths(dev_pki.trust_roots)
    files = [(f"file-{index}.pdf", simple_pdf(f"file {index}")) for index in range(60)]
    pooled = PooledValidator(settings, workers=0)
    verdicts = asyncio.run(pooled.validate(files))
    pooled.close()
    assert pooled.chunks_in_workers == 0
    assert [v.path for v in verdicts] == [name for name, _ in files]

"""A validator that runs for months keeps nothing of the files it validated: no pyHanko reader
(with its thousands of PDF objects) outlives its validation."""

from __future__ import annotations

import asyncio
import gc

from pyhanko.pdf_utils.reader import PdfFileReader

from edochub.samples import simple_pdf
from signing.validation.validator import ValidationSettings, Validator
from tests.signing import attack_corpus


def _readers_alive() -> int:
    gc.collect()
    return sum(isinstance(o, PdfFileReader) for o in gc.get_objects())


def test_validated_files_are_not_kept(pki_services):
    settings = ValidationSettings.from_paths(pki_services.trust_roots)
    files = [(f"{i}.pdf", attack_corpus.sign(pki_services, simple_pdf(f"So {i}/QD-UBND")))
             for i in range(4)]

    async def validate_all() -> None:
        async with Validator(settings) as validator:
            for name, data in files:
                assert (await validator.async_validate_bytes(data, name=name)).bottom_line
            before = _readers_alive()
            for name, data in files:  # the same validator, as a hub's kept one
                await validator.async_validate_bytes(data, name=name)
            assert _readers_alive() == before

    asyncio.run(validate_all())

"""A validator kept across calls (signing.validation.kept): one Validator for calls made from
different event loops while it is fresh, a fresh one after ``fresh_for`` seconds, the same
verdicts as a Validator of its own, and a revoked signer refused every time."""

from __future__ import annotations

import asyncio

from edochub.samples import simple_pdf
from signing.validation import KeptValidator
from signing.validation.validator import ValidationSettings, Validator
from tests.signing import attack_corpus


def _alone(settings: ValidationSettings, files: list[tuple[str, bytes]]):
    async def run():
        async with Validator(settings) as validator:
            return [await validator.async_validate_bytes(data, name=name)
                    for name, data in files]
    return asyncio.run(run())


def test_one_validator_for_calls_from_several_event_loops(pki_services, validators_opened):
    settings = ValidationSettings.from_paths(pki_services.trust_roots)
    files = [(f"{i}.pdf", attack_corpus.sign(pki_services, simple_pdf(f"So {i}/QD-UBND")))
             for i in range(2)]
    revoked = ("thu-hoi.pdf", attack_corpus.sign(pki_services, attack_corpus.base_document(),
                                                 label="official-revoked"))
    kept = KeptValidator(settings, fresh_for=300)
    try:
        first = asyncio.run(kept.validate(files))  # each call in an event loop of its own
        second = asyncio.run(kept.validate(files + [revoked]))
        third = asyncio.run(kept.validate([revoked]))
    finally:
        kept.close()
    assert len(validators_opened) == 1
    alone = _alone(settings, files + [revoked])
    assert first == alone[:2] and second == alone and third == alone[2:]
    assert not alone[2].bottom_line


def test_a_fresh_validator_after_the_reuse_window(pki_services, validators_opened):
    settings = ValidationSettings.from_paths(pki_services.trust_roots)
    files = [("a.pdf", attack_corpus.sign(pki_services, attack_corpus.base_document()))]
    kept = KeptValidator(settings, fresh_for=0)
    try:
        results = [asyncio.run(kept.validate(files)) for _ in range(2)]
    finally:
        kept.close()
    assert len(validators_opened) == 2
    assert all(r[0].bottom_line for r in results)


def test_a_failed_fetch_is_not_kept(pki_services, validators_opened, monkeypatch):
    settings = ValidationSettings.from_paths(pki_services.trust_roots)
    files = [("a.pdf", attack_corpus.sign(pki_services, attack_corpus.base_document()))]
    calls = iter(range(1000))  # every look at the count sees one more failure
    monkeypatch.setattr(Validator, "fetch_failures_since",
                        lambda self, count: (next(calls), []))
    kept = KeptValidator(settings, fresh_for=300)
    try:
        for _ in range(2):
            asyncio.run(kept.validate(files))
    finally:
        kept.close()
    assert len(validators_opened) == 2  # the second call asked the services again

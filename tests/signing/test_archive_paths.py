"""Validated certificate paths are reused across a batch (signing.validation.cache), in
``require`` and ``soft`` revocation mode, and the reuse never changes a verdict: a revoked or
expired signer, an attacked file and another validation time still get the verdict they get
alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from edochub.samples import simple_pdf
from signing.validation.results import Indication, SubIndication
from signing.validation.validator import ValidationSettings, Validator, validate_paths
from tests.helpers.signing import force_sign
from tests.signing import attack_corpus


@pytest.fixture(scope="module", params=["require", "soft"])
def settings(pki_services, request) -> ValidationSettings:
    return ValidationSettings.from_paths(pki_services.trust_roots, revocation=request.param)


def _batch(settings: ValidationSettings, paths: list[Path]):
    """Results of one Validator over ``paths``, and its validated-path cache."""
    async def run():
        async with Validator(settings) as validator:
            results = [await validator.async_validate_file(path) for path in paths]
            return results, validator.paths
    return asyncio.run(run())


def _verdicts(result) -> list[tuple[Indication, SubIndication | None]]:
    return [(s.indication, s.sub_indication) for s in result.signatures]


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_one_path_validation_per_signer_for_a_batch(pki_services, settings, tmp_path):
    files = [_write(tmp_path, f"an-{i}.pdf", attack_corpus.sign(
        pki_services, simple_pdf(f"Quyet dinh so {i}/QD-UBND"))) for i in range(4)]
    files += [_write(tmp_path, f"binh-{i}.pdf", attack_corpus.sign(
        pki_services, attack_corpus.base_document(), label="leader-binh")) for i in range(2)]

    results, paths = _batch(settings, files)

    assert all(r.bottom_line for r in results), [r.signatures for r in results]
    assert (paths.recorded, paths.reused, paths.rechecked) == (2, 4, 0)


def test_reuse_does_not_hide_a_revoked_or_expired_signer(pki_services, settings, tmp_path):
    good = attack_corpus.sign(pki_services, attack_corpus.base_document())
    revoked = _write(tmp_path, "thu-hoi.pdf", attack_corpus.sign(
        pki_services, attack_corpus.base_document(), label="official-revoked"))
    expired = _write(tmp_path, "het-han.pdf", force_sign(
        pki_services, "official-expired", attack_corpus.base_document()))
    # the same issuing CA as the valid signer, whose path is remembered first
    files = [_write(tmp_path, "a.pdf", good), revoked, _write(tmp_path, "b.pdf", good),
             expired, _write(tmp_path, "c.pdf", good), revoked]

    results, paths = _batch(settings, files)

    alone = {path: validate_paths([path], settings)[0] for path in (revoked, expired)}
    assert _verdicts(alone[revoked]) == [(Indication.INDETERMINATE,
                                          SubIndication.REVOKED_NO_POE)]
    assert _verdicts(alone[expired])[0][0] is not Indication.TOTAL_PASSED
    for path, result in zip(files, results, strict=True):
        if path in alone:
            assert _verdicts(result) == _verdicts(alone[path]), path
        else:
            assert result.bottom_line, result.signatures
    assert (paths.recorded, paths.reused) == (1, 2)


def test_attack_corpus_after_a_remembered_path_keeps_its_verdicts(pki_services, settings,
                                                                  tmp_path):
    valid = _write(tmp_path, "0-valid.pdf",
                   attack_corpus.sign(pki_services, attack_corpus.base_document()))
    cases = attack_corpus.CASES
    files = [valid] + [_write(tmp_path, f"{c.name}.pdf", c.build(pki_services)) for c in cases]

    results, paths = _batch(settings, files)

    assert results[0].bottom_line
    for case, result in zip(cases, results[1:], strict=True):
        assert _verdicts(result) == [case.expected], case.name
    assert paths.reused > 0  # attacked files signed by the same chain did reuse its path


def test_nothing_is_remembered_at_a_past_time_or_without_fetched_revocation(pki_services):
    at = ValidationSettings.from_paths(pki_services.trust_roots,
                                       at=datetime(2026, 1, 1, tzinfo=UTC))
    offline = ValidationSettings.from_paths(pki_services.trust_roots, revocation="offline")
    for settings in (at, offline):
        _, paths = _batch(settings, [])
        assert paths is None


def test_a_path_that_met_a_failed_fetch_is_not_remembered(pki_services, tmp_path, monkeypatch):
    from signing.validation.cache import SharedFetcherBackend

    calls = iter(range(1000))  # every look at the count sees one more failure
    monkeypatch.setattr(SharedFetcherBackend, "failure_count", lambda self: next(calls))
    soft = ValidationSettings.from_paths(pki_services.trust_roots, revocation="soft")
    files = [_write(tmp_path, f"an-{i}.pdf", attack_corpus.sign(
        pki_services, simple_pdf(f"Quyet dinh so {i}/QD-UBND"))) for i in range(2)]

    results, paths = _batch(soft, files)

    assert all(r.bottom_line for r in results)
    assert (paths.recorded, paths.reused) == (0, 0)

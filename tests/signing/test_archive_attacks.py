"""No false passes: every file of the attack corpus gets its expected ETSI verdict, and none is
TOTAL-PASSED, through the validation API and through ``edochub verify``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from signing.validation.results import Indication, ModificationLevel
from signing.validation.validator import ValidationSettings, validate_paths
from tests.signing import attack_corpus


@pytest.fixture(scope="module")
def corpus(pki_services, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("attack-corpus")
    files = {}
    for case in attack_corpus.CASES:
        files[case.name] = folder / f"{case.name}.pdf"
        files[case.name].write_bytes(case.build(pki_services))
    return files


@pytest.fixture(scope="module")
def settings(pki_services) -> ValidationSettings:
    return ValidationSettings.from_paths(pki_services.trust_roots)


def test_the_untouched_signed_document_passes(pki_services, settings, tmp_path):
    """The corpus' starting point is valid, so each failure below is the attack's doing."""
    for document in (attack_corpus.base_document(),
                     attack_corpus.base_document(overlay=True),
                     attack_corpus.base_document(text_field=attack_corpus.BENIGN),
                     attack_corpus.base_document(hidden_stream=True)):
        path = tmp_path / "signed.pdf"
        path.write_bytes(attack_corpus.sign(pki_services, document))
        (result,) = validate_paths([path], settings)
        assert [s.indication for s in result.signatures] == [Indication.TOTAL_PASSED]


def test_filling_an_empty_field_after_signing_stays_allowed(pki_services, settings, tmp_path):
    """The "replace" defence locks fields that had a value when signed, not form filling."""
    signed = attack_corpus.sign(pki_services, attack_corpus.base_document(text_field=b""))
    path = tmp_path / "filled.pdf"
    path.write_bytes(attack_corpus.fill_text_field(signed, attack_corpus.BENIGN))
    (result,) = validate_paths([path], settings)
    (signature,) = result.signatures
    assert signature.indication is Indication.TOTAL_PASSED, signature.problems
    assert signature.modification_level is ModificationLevel.FORM_FILLING


@pytest.mark.parametrize("case", attack_corpus.CASES, ids=lambda c: c.name)
def test_attack_gets_expected_verdict(case, corpus, settings):
    (result,) = validate_paths([corpus[case.name]], settings)
    assert result.error is None, result.error
    assert not result.bottom_line
    assert result.signatures, "the forged signature must be reported, not ignored"
    verdicts = [(s.indication, s.sub_indication) for s in result.signatures]
    assert all(indication is not Indication.TOTAL_PASSED for indication, _ in verdicts)
    assert verdicts == [case.expected], [s.problems for s in result.signatures]


def test_verify_command_passes_none_of_the_corpus(corpus, pki_services, cli):
    folder = next(iter(corpus.values())).parent
    trust = [arg for root in pki_services.trust_roots for arg in ("--trust", root)]
    run = cli("verify", folder, "--json", *trust)
    assert run.returncode == 1, run.stderr
    files = json.loads(run.stdout)["files"]
    assert len(files) == len(attack_corpus.CASES)
    for entry in files:
        assert entry["signatures"], entry
        assert all(s["indication"] != "TOTAL-PASSED" for s in entry["signatures"]), entry

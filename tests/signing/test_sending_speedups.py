"""The sending chain's speed-ups (issue 16) keep its rules: issuing, which makes the seal while
the leader's signature is checked (signing.stamping.issuance.async_issue), still refuses with
the check's own error and returns nothing when the check fails."""

from __future__ import annotations

import asyncio
import io
from datetime import date

import pytest

from signing.stamping.issuance import Issuance, IssuanceError
from signing.stamping.specimens import LEADER_NAME, draft_decision_pdf, seal_png, signature_png
from tests.pdf_samples import rewrite_page_content


@pytest.fixture(scope="module")
def signing_setup(pki_services):
    from signing.pades import Pkcs12Source, SignatureOptions, open_key
    from signing.stamping import Profile, async_sign_profile, prepare
    from signing.validation import (
        PadesLevel,
        SignatureRole,
        ValidationSettings,
        load_certificates,
    )

    settings = ValidationSettings.from_paths(pki_services.trust_roots)
    options = SignatureOptions(level=PadesLevel.B_T, tsa_url=pki_services.tsa_url,
                               trust_roots=load_certificates(list(pki_services.trust_roots)))
    prepared = prepare(draft_decision_pdf())
    with open_key(Pkcs12Source(pki_services.p12("leader-an"))) as leader, \
            open_key(Pkcs12Source(pki_services.p12("org-h41"))) as organization:
        signed = asyncio.run(async_sign_profile(
            leader, options, Profile(SignatureRole.LEADER, image_png=signature_png(),
                                     signer_name=LEADER_NAME), prepared))
        yield {"options": options, "settings": settings, "prepared": prepared,
               "signed": signed, "key": organization}


def _issue(setup: dict, pdf: bytes) -> bytes:
    from signing.stamping import async_issue

    return asyncio.run(async_issue(pdf, setup["key"], setup["options"], setup["settings"],
                                   Issuance(seal_png(), 7, "QĐ-UBND", "Hà Nội",
                                            date(2026, 12, 2))))


def test_issue_refuses_with_the_checks_error_when_the_seal_fails_too(signing_setup):
    # no leader signature: the seal has nothing to be placed over either, but the refusal is
    # the check's
    with pytest.raises(IssuanceError, match="organization signs only what the competent"):
        _issue(signing_setup, signing_setup["prepared"])


def test_issue_refuses_a_changed_leader_signature_though_the_seal_was_made(signing_setup):
    with pytest.raises(IssuanceError, match="is not valid"):
        _issue(signing_setup, rewrite_page_content(signing_setup["signed"]))


def test_issue_of_a_signed_document_gives_the_sealed_document(signing_setup):
    from pyhanko.pdf_utils.reader import PdfFileReader

    issued = _issue(signing_setup, signing_setup["signed"])
    assert len(PdfFileReader(io.BytesIO(issued)).embedded_signatures) == 2


def test_a_draft_is_prepared_once_and_hostile_ones_are_refused_as_before():
    from signing.errors import BadInputError
    from signing.pades.signer import open_writer
    from signing.stamping import prepared_draft
    from signing.stamping.issuance import DATE_FIELD, NUMBER_FIELD, _fields_by_name
    from tests import pdf_bombs

    prepared = prepared_draft(draft_decision_pdf())
    assert {NUMBER_FIELD, DATE_FIELD} <= set(_fields_by_name(open_writer(prepared)))
    assert prepared_draft(prepared) is prepared
    for hostile, refusal in ((pdf_bombs.reference_loop(), "loop of references"),
                             (pdf_bombs.nested_arrays(), "nested too deeply"),
                             (pdf_bombs.decode_bomb(), "inflates to more than")):
        with pytest.raises(BadInputError, match=refusal):
            prepared_draft(hostile)


def test_the_leader_check_runs_while_the_seal_waits_for_its_token(signing_setup, monkeypatch):
    import threading

    from asn1crypto import tsp

    from signing.services import TimeStamper
    from signing.stamping import issuance

    asked, started = threading.Event(), threading.Event()
    check = issuance.async_require_leader_signature

    async def after_the_request(*args: object, **kwargs: object) -> object:
        assert asked.wait(10), "the check ran before the seal asked for its time-stamp token"
        started.set()
        return await check(*args, **kwargs)

    answer = TimeStamper._request

    def once_the_check_started(self: TimeStamper, req: tsp.TimeStampReq) -> object:
        asked.set()
        assert started.wait(10), "the check waited for the seal's time-stamp token"
        return answer(self, req)

    monkeypatch.setattr(issuance, "async_require_leader_signature", after_the_request)
    monkeypatch.setattr(TimeStamper, "_request", once_the_check_started)
    assert _issue(signing_setup, signing_setup["signed"])

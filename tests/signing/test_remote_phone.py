"""Remote signing through a service that has the official confirm each signature on their
phone and is polled (``signing.pades.remote.PolledSource``).

No such vendor service is reachable from here: ``tests.remote_services.phone_service`` is a
**stand-in** written for these tests, answering pending, then signed, refused or expired as
the test says the official did (it signs with the development PKI's keys). Each outcome has
its own one-line message; a request left unanswered is withdrawn at the time limit."""

from __future__ import annotations

import asyncio

import pytest

from signing.errors import RemoteSigningError
from signing.pades import PolledSource, async_open_key
from signing.pades.signer import SignatureOptions
from signing.stamping.role_signing import Profile, async_sign_profile
from signing.stamping.specimens import draft_decision_pdf, signature_png
from signing.validation.results import Indication, PadesLevel, SignatureRole
from signing.validation.validator import ValidationSettings, Validator, load_certificates
from tests.remote_services import Phone, credential, phone_service

#: short, so that an unanswered request reaches its limit quickly (nothing here times the code)
LIMIT, INTERVAL = 1.0, 0.05


def sign_by_phone(pki, url: str, level: PadesLevel = PadesLevel.B_B) -> bytes:
    source = PolledSource(url, credential("leader-an"), time_limit=LIMIT,
                          poll_interval=INTERVAL)
    options = SignatureOptions(level=level, tsa_url=pki.tsa_url,
                               trust_roots=tuple(load_certificates(pki.trust_roots)))
    profile = Profile(SignatureRole.LEADER, image_png=signature_png())

    async def run() -> bytes:
        async with async_open_key(source) as key:
            return await async_sign_profile(key, options, profile, draft_decision_pdf())

    return asyncio.run(run())


def validate(pki, pdf: bytes):
    async def run():
        async with Validator(ValidationSettings.from_paths(pki.trust_roots)) as validator:
            return await validator.async_validate_bytes(pdf, "signed.pdf")

    return asyncio.run(run())


def test_confirmed_on_the_phone_after_pending_polls(pki_services):
    phone = Phone(answer="confirm", pending_polls=3)
    with phone_service(pki_services, phone) as url:
        signed = sign_by_phone(pki_services, url, PadesLevel.B_T)
    [signature] = validate(pki_services, signed).signatures
    assert signature.indication is Indication.TOTAL_PASSED
    assert (signature.role, signature.level) == (SignatureRole.LEADER, PadesLevel.B_T)
    assert phone.requests == 1 and phone.withdrawn == []


@pytest.mark.parametrize(("answer", "words"), [
    ("refuse", "the official refused the signing request on their phone; nothing was signed"),
    ("expire", "the signing request expired at the service before the official confirmed it"),
    ("ignore", f"no confirmation from the official's phone within {LIMIT:g} s; "
               "the request was withdrawn"),
])
def test_each_unsigned_outcome_says_what_happened(pki_services, answer, words):
    phone = Phone(answer=answer, pending_polls=1)
    with phone_service(pki_services, phone) as url, \
            pytest.raises(RemoteSigningError) as refused:
        sign_by_phone(pki_services, url)
    message = str(refused.value)
    assert words in message and "\n" not in message
    assert message.startswith("credential 'edochub-dev/leader-an' at http://127.0.0.1:")
    # only the request left pending is withdrawn
    assert len(phone.withdrawn) == (1 if answer == "ignore" else 0)


def test_unknown_credential_and_unreachable_service(pki_services):
    from tests.helpers.net import free_port

    with phone_service(pki_services, Phone()) as url:
        source = PolledSource(url, credential("no-such-official"))

        async def open_it() -> None:
            async with async_open_key(source):
                pass

        with pytest.raises(RemoteSigningError, match="has no credential .*HTTP 404"):
            asyncio.run(open_it())
    source = PolledSource(f"http://127.0.0.1:{free_port()}", credential("leader-an"))
    with pytest.raises(RemoteSigningError, match="cannot reach the remote-signing service"):
        asyncio.run(open_it())

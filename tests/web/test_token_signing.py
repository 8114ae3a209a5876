"""A leader signs from the page with the token on their own PC: the hub prepares, the local
``edochub sign-agent`` (SoftHSM2 standing in for the USB token) signs, the hub embeds. The agent
serves only the hub's origin."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from documents.adapters import db
from documents.adapters.models import OutgoingDocument
from tests.conftest import free_port
from tests.web.pages import login, off_the_loop, outgoing_document, shot


def _start_agent(token, hub_origin: str, key_label: str) -> tuple[subprocess.Popen, str]:  # noqa: ANN001
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "edochub", "sign-agent", "--hub-origin", hub_origin,
         "--port", str(port), *token.key_args(key_label)],
        env={**os.environ, "SOFTHSM2_CONF": str(token.conf)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"sign-agent exited: {process.stderr.read().decode()}")
        try:
            httpx.get(f"{url}/certificate", headers={"Origin": hub_origin}, timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("sign-agent did not start")


@pytest.fixture()
def trusting_the_token(hubs, pki_services) -> Iterator[None]:
    """H41's hub configured to trust the test token's PKI (and restored after): the token's
    certificates carry the demo leader's name but come from the tests' PKI, which a hub
    refuses unless its trust anchors name it. Instead of the demo's own PKI, not beside it:
    both PKIs give their CAs the same names, which a validator cannot tell apart."""
    from documents.adapters.signing import PadesDocumentSigner, PadesDocumentValidator
    from signing.validation.validator import load_certificates

    hub = hubs[0].hub
    signer, validator = hub.signer, hub.validator
    roots = tuple(load_certificates(pki_services.trust_roots))
    hub.signer = PadesDocumentSigner(signer.keys, replace(signer.options, trust_roots=roots),
                                     replace(signer.settings, trust_roots=roots))
    hub.validator = PadesDocumentValidator(replace(validator.settings, trust_roots=roots))
    try:
        yield
    finally:
        hub.signer, hub.validator = signer, validator


@pytest.fixture()
def agent(hubs, softhsm_token) -> Iterator[str]:
    h41, _ = hubs
    process, url = _start_agent(softhsm_token, h41.url, "leader-an")
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_leader_signs_with_token_through_the_sign_agent(browser, hubs, agent, trusting_the_token,
                                                        pki_services, screenshots):
    from signing.validation.results import SignatureRole
    from signing.validation.validator import ValidationSettings, Validator

    h41, _ = hubs
    document_id = outgoing_document(h41.hub, "V/v góp ý dự thảo quy chế tiếp công dân")
    an = login(browser, h41, "leader")
    an.goto(f"/ui/outgoing/{document_id}")
    an.get_by_label("Địa chỉ sign-agent").fill(agent)
    an.get_by_role("button", name="Ký bằng USB token (sign-agent)").click()
    an.wait_for_url(f"**/ui/outgoing/{document_id}?done=sign_split")
    assert an.get_by_test_id("state").inner_text() == "Lãnh đạo đã ký"
    assert "Ký duyệt bằng USB token" in an.get_by_test_id("done").inner_text()
    # the hub trusts the token's PKI, so its page gives the full verdict
    assert "Nguyễn Văn An" in an.get_by_test_id("signatures").inner_text()
    assert "HỢP LỆ (TOTAL-PASSED)" in an.get_by_test_id("signatures").inner_text()
    assert "Ký duyệt bằng USB token" in an.get_by_test_id("history").inner_text()
    shot(an, screenshots, "06-signed-with-token")

    with db.transaction(h41.hub.sessions) as session:
        document = session.get(OutgoingDocument, document_id)
        assert document.signer_name == "Nguyễn Văn An"
        signed = h41.hub.store.get(next(f for f in document.files if f.is_main).blob_hash)

    async def validate():  # noqa: ANN202
        async with Validator(ValidationSettings.from_paths(pki_services.trust_roots)) as validator:
            return await validator.async_validate_bytes(signed, "signed.pdf")

    result = off_the_loop(asyncio.run, validate())
    [signature] = result.signatures
    assert result.bottom_line, result.to_json()
    assert signature.signer.common_name == "Nguyễn Văn An"
    # the same Decree 30 appearance and signed role as a leader's server-held key gives
    assert signature.role is SignatureRole.LEADER, result.to_json()


def test_sign_agent_serves_only_the_hub(hubs, agent):
    h41, _ = hubs
    assert httpx.get(f"{agent}/certificate", headers={"Origin": h41.url}).status_code == 200
    for origin in ("http://evil.example", "null", ""):
        headers = {"Origin": origin} if origin else {}
        answer = httpx.post(f"{agent}/sign", content='{"request": "{}"}', headers={
            **headers, "Content-Type": "text/plain"})
        assert answer.status_code == 403, (origin, answer.text)
        assert "Access-Control-Allow-Origin" not in answer.headers
    preflight = httpx.options(f"{agent}/sign", headers={
        "Origin": h41.url, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Private-Network": "true"})
    assert preflight.headers["Access-Control-Allow-Origin"] == h41.url
    assert preflight.headers["Access-Control-Allow-Private-Network"] == "true"
    not_json = httpx.post(f"{agent}/sign", content="{}", headers={
        "Origin": h41.url, "Content-Type": "text/plain"})
    assert not_json.status_code == 415
    garbage = httpx.post(f"{agent}/sign", json={"request": "{\"format\": \"other\"}"},
                         headers={"Origin": h41.url})
    assert garbage.status_code == 422 and "signing request" in garbage.json()["detail"]


def test_a_token_of_someone_else_is_refused(browser, hubs, softhsm_token, screenshots):
    """Trần Thị Bình's token cannot sign for Nguyễn Văn An: the hub refuses before preparing."""
    h41, _ = hubs
    process, url = _start_agent(softhsm_token, h41.url, "leader-binh")
    try:
        document_id = outgoing_document(h41.hub, "V/v góp ý dự thảo quy chế tiếp công dân")
        an = login(browser, h41, "leader")
        an.goto(f"/ui/outgoing/{document_id}")
        an.get_by_label("Địa chỉ sign-agent").fill(url)
        an.get_by_role("button", name="Ký bằng USB token (sign-agent)").click()
        status = an.locator(".token-status")
        status.filter(has_text="Trần Thị Bình").wait_for()
        assert "Nguyễn Văn An" in status.inner_text()
        an.reload()
        assert an.get_by_test_id("state").inner_text() == "Chờ ký duyệt"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_sign_agent_refuses_to_start_without_the_hubs_origin_or_a_key(cli, monkeypatch):
    monkeypatch.delenv("EDOCHUB_HUB_ORIGIN", raising=False)
    no_origin = cli("sign-agent", "--p12", "missing.p12")
    assert no_origin.returncode == 2
    assert no_origin.stderr.strip() == (
        "edochub: give the hub's origin: --hub-origin, [sign_agent] hub_origin in "
        "edochub.toml or EDOCHUB_HUB_ORIGIN")
    no_key = cli("sign-agent", "--hub-origin", "http://127.0.0.1:8000")
    assert no_key.returncode == 2 and len(no_key.stderr.strip().splitlines()) == 1
    assert "no key" in no_key.stderr

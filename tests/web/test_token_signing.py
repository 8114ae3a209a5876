"""A leader signs from the page with the token on their own PC: the hub prepares, the local
``edochub sign-agent`` (SoftHSM2 standing in for the USB token) shows the document on its own
page and signs once the leader confirms there with the PIN, the hub embeds. A script on the
hub's origin (issue 13, item 1: an attachment that ran script there) gets no signature."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from documents.adapters import db
from documents.adapters.models import OutgoingDocument, PendingTokenSignature
from tests.helpers.net import free_port
from tests.web.pages import login, off_the_loop, outgoing_document, shot

SUBJECT = "V/v góp ý dự thảo quy chế tiếp công dân"


def _start_agent(token, hub_origin: str, key_label: str,  # noqa: ANN001
                 pin_in_environment: bool = True) -> tuple[subprocess.Popen, str]:
    """The sign-agent for ``key_label`` on the test token; without ``pin_in_environment`` the
    PIN must be typed on its confirmation page, as on a leader's PC."""
    port = free_port()
    env = {**os.environ, "SOFTHSM2_CONF": str(token.conf)}
    if not pin_in_environment:
        env.pop(token.pin_env, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "edochub", "sign-agent", "--hub-origin", hub_origin,
         "--port", str(port), *token.key_args(key_label)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
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


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)


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
    """The leader's sign-agent as on their PC: the PIN is typed on its own page."""
    h41, _ = hubs
    process, url = _start_agent(softhsm_token, h41.url, "leader-an", pin_in_environment=False)
    yield url
    _stop(process)


@pytest.fixture()
def agent_with_pin(hubs, softhsm_token) -> Iterator[str]:
    """The worst case for an attacker's script: the agent was given the PIN in its
    environment, so only the person's confirmation stands between the script and the key."""
    h41, _ = hubs
    process, url = _start_agent(softhsm_token, h41.url, "leader-an")
    yield url
    _stop(process)


def test_leader_signs_with_token_through_the_sign_agent(browser, hubs, agent, trusting_the_token,
                                                        pki_services, softhsm_token,
                                                        screenshots):
    from signing.validation.results import SignatureRole
    from signing.validation.validator import ValidationSettings, Validator

    h41, _ = hubs
    document_id = outgoing_document(h41.hub, SUBJECT)
    an = login(browser, h41, "leader")
    an.goto(f"/ui/outgoing/{document_id}")
    an.get_by_label("Địa chỉ sign-agent").fill(agent)
    an.get_by_role("button", name="Ký bằng USB token (sign-agent)").click()
    link = an.get_by_role("link", name="Mở trang xác nhận của sign-agent")
    with an.expect_popup() as opened:
        link.click()
    confirm = opened.value
    confirm.wait_for_load_state()
    assert confirm.url.startswith(agent + "/confirm/")
    # the agent's own page shows what will be signed: the document and its digest
    assert confirm.get_by_test_id("organization").inner_text() == "Ủy ban nhân dân tỉnh Mẫu"
    assert confirm.get_by_test_id("subject").inner_text() == SUBJECT
    with db.transaction(h41.hub.sessions) as session:
        [pending] = session.query(PendingTokenSignature).filter_by(
            document_id=document_id).all()
        prepared = h41.hub.store.get(pending.prepared_hash)
    assert confirm.get_by_test_id("sha256").inner_text() == hashlib.sha256(prepared).hexdigest()
    assert confirm.locator("img").evaluate("image => image.naturalWidth") > 300
    shot(confirm, screenshots, "06-sign-agent-confirmation")
    confirm.get_by_label("PIN").fill("000000")  # a wrong PIN signs nothing
    confirm.get_by_role("button", name="Xác nhận và ký").click()
    assert "wrong PIN" in confirm.get_by_role("alert").inner_text()
    assert an.get_by_test_id("state").inner_text() == "Chờ ký duyệt"
    confirm.get_by_label("PIN").fill(softhsm_token.pin)
    confirm.get_by_role("button", name="Xác nhận và ký").click()
    assert "Đã ký" in confirm.locator("h1").inner_text()
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
        _stop(process)


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


ATTACK = """async ([agent, prepareUrl]) => {
  // what the attachment's script did on the hub's origin, and what it could try now
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const out = {};
  const certificate = await (await fetch(agent + "/certificate")).json();
  const prepared = await (await fetch(prepareUrl, {method: "POST", headers: {
    "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf},
    body: JSON.stringify(certificate)})).json();
  out.prepared = prepared;
  const direct = await fetch(agent + "/sign", {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(prepared)});
  out.direct = [direct.status, await direct.text()];
  const asked = await (await fetch(agent + "/requests", {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(prepared)})).json();
  out.asked = asked;
  // confirm in the person's place, as a form posted from this origin would
  await fetch(asked.confirm, {method: "POST", mode: "no-cors",
    body: new URLSearchParams({decision: "sign", form: "guessed", pin: ""})});
  // read the confirmation page for its form's secret
  try { await fetch(asked.confirm); out.read = "read"; } catch (e) { out.read = "blocked"; }
  const answer = await (await fetch(agent + "/requests/" + asked.id,
                                    {headers: {"X-Pairing": asked.pairing}})).json();
  out.answer = answer;
  return out;
}"""


def test_a_script_on_the_hubs_origin_gets_no_signature(browser, hubs, agent_with_pin,
                                                        trusting_the_token):
    """The attack replayed: a script on the hub's page (the leader logged in, the agent
    running, even with its PIN in the environment) prepares the document and asks the agent
    in every way it can; no signature comes out, and the document is not signed."""
    agent = agent_with_pin
    h41, _ = hubs
    document_id = outgoing_document(h41.hub, "V/v kế hoạch kiểm tra công vụ năm 2027")
    an = login(browser, h41, "leader")
    an.goto(f"/ui/outgoing/{document_id}")
    out = an.evaluate(ATTACK, [agent, f"/ui/outgoing/{document_id}/token-sign/prepare"])

    assert out["direct"][0] == 403 and "not a sign-agent request" in out["direct"][1]
    assert set(out["asked"]) == {"id", "pairing", "confirm"}  # a request, not a signature
    assert out["read"] == "blocked"  # another origin, no CORS: the form's secret stays there
    assert out["answer"] == {"state": "waiting"}
    asked, prepared = out["asked"], out["prepared"]

    # the same from outside a browser: every other door is shut too
    hub_origin = {"Origin": h41.url}
    confirm = asked["confirm"]
    host = agent.removeprefix("http://")
    rebound = httpx.get(f"{agent}/certificate", headers={**hub_origin,
                                                         "Host": f"evil.example:{host[-5:]}"})
    assert rebound.status_code == 403 and "loopback" in rebound.json()["detail"]
    foreign = httpx.post(f"{agent}/requests", json=prepared, headers={"Origin": "http://evil"})
    assert foreign.status_code == 403 and "Access-Control-Allow-Origin" not in foreign.headers
    as_hub = httpx.post(confirm, data={"decision": "sign", "form": "x"}, headers=hub_origin)
    assert as_hub.status_code == 403
    wrong_secret = httpx.post(confirm, data={"decision": "sign", "form": "x"},
                              headers={"Origin": agent})
    assert wrong_secret.status_code == 403 and "secret" in wrong_secret.json()["detail"]
    unpaired = httpx.get(f"{agent}/requests/{asked['id']}", headers=hub_origin)
    assert unpaired.status_code == 403
    page = httpx.get(confirm)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "<script" not in page.text
    # data to be signed for another PDF than the one shown is refused before it is shown
    pdf = bytearray(base64.b64decode(prepared["pdf"]))
    pdf[20:21] = b"X" if pdf[20:21] != b"X" else b"Y"
    swapped = httpx.post(f"{agent}/requests", headers=hub_origin, timeout=60, json={
        **prepared, "pdf": base64.b64encode(bytes(pdf)).decode()})
    assert swapped.status_code == 422 and "does not match" in swapped.json()["detail"]
    paired = httpx.get(f"{agent}/requests/{asked['id']}",
                       headers={**hub_origin, "X-Pairing": asked["pairing"]})
    assert paired.json() == {"state": "waiting"}

    an.reload()
    assert an.get_by_test_id("state").inner_text() == "Chờ ký duyệt"
    with db.transaction(h41.hub.sessions) as session:
        document = session.get(OutgoingDocument, document_id)
        assert not document.signer_name and document.state == "submitted"

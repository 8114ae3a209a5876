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
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from documents import db, outgoing
from documents.models import OutgoingDocument, User
from documents.ports import Party
from edochub.samples import simple_pdf
from tests.conftest import free_port
from tests.web.pages import login, shot


def _submitted_draft(hub) -> int:  # noqa: ANN001
    """A draft submitted by the specialist, through the register's services."""
    with db.transaction(hub.sessions) as session:
        duc = session.query(User).filter_by(username="duc").one()
        document = outgoing.create_draft(
            session, hub, duc,
            outgoing.Draft("Công văn", "V/v góp ý dự thảo quy chế tiếp công dân",
                           (Party("000.00.00.G09", "Bộ Mẫu"),), unit="VP"),
            simple_pdf("Cong van gop y"))
        outgoing.submit(session, hub, duc, document.id)
        return document.id


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
def agent(hubs, softhsm_token) -> Iterator[str]:
    h41, _ = hubs
    process, url = _start_agent(softhsm_token, h41.url, "leader-an")
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_leader_signs_with_token_through_the_sign_agent(browser, hubs, agent, dev_pki,
                                                        pki_services, screenshots):
    from signing.validation import ValidationSettings, Validator

    h41, _ = hubs
    document_id = _submitted_draft(h41.hub)
    an = login(browser, h41.url, "an")
    an.goto(f"/ui/outgoing/{document_id}")
    an.get_by_label("Địa chỉ sign-agent").fill(agent)
    an.get_by_role("button", name="Ký bằng USB token (sign-agent)").click()
    an.wait_for_url(f"**/ui/outgoing/{document_id}?done=sign_split")
    assert an.get_by_test_id("state").inner_text() == "Lãnh đạo đã ký"
    assert "Ký duyệt bằng USB token" in an.get_by_test_id("done").inner_text()
    shot(an, screenshots, "06-signed-with-token")

    with db.transaction(h41.hub.sessions) as session:
        document = session.get(OutgoingDocument, document_id)
        assert document.signer_name == "Nguyễn Văn An"
        signed = h41.hub.store.get(next(f for f in document.files if f.is_main).blob_hash)

    async def validate():  # noqa: ANN202
        async with Validator(ValidationSettings.from_paths(dev_pki.trust_roots)) as validator:
            return await validator.async_validate_bytes(signed, "signed.pdf")

    # Playwright's sync API keeps an event loop on this thread: validate on another one
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(asyncio.run, validate()).result()
    [signature] = result.signatures
    assert result.bottom_line, result.to_json()
    assert signature.signer.common_name == "Nguyễn Văn An"


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
        document_id = _submitted_draft(h41.hub)
        an = login(browser, h41.url, "an")
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

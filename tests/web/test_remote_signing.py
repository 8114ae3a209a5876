"""A leader whose account is configured for remote signing (ký số từ xa) signs from the
document page in Chromium: they type the PIN of their remote-signing account and the hub has
the service sign. The CSC service is ``certomancer-csc-dummy`` over the demo world's own
development PKI (PIN-checking, see ``tests.remote_services``); the phone-confirmed service is
the loopback stand-in of the same module (no vendor service is reachable here)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from documents.adapters import db
from documents.adapters.models import AuditEntry, OutgoingDocument
from signing import devpki
from signing.pades import CscSource, PolledSource
from tests.remote_services import Phone, credential, csc_service, phone_service
from tests.web.pages import login, outgoing_document, shot

PIN = "pin-web-4321"  # test-only
SUBJECT = "V/v kế hoạch chuyển đổi số năm 2026"


@pytest.fixture()
def demo_pki(hubs) -> devpki.DevPki:
    """The demo world's development PKI (H41's seal key lives in it)."""
    return devpki.DevPki.load(hubs[0].hub.signer.keys.organization.parent.parent)


@pytest.fixture()
def remote_leader(hubs) -> Iterator:
    """``configure(source)``: H41's leader signs with ``source`` until the test ends."""
    hub = hubs[0].hub
    keys = hub.signer.keys

    def configure(source) -> None:  # noqa: ANN001 - a CscSource or PolledSource
        hub.signer.keys = replace(keys, remote={"leader": source})

    yield configure
    hub.signer.keys = keys


def state_of(hub, document_id: int) -> tuple[str, str, int]:  # noqa: ANN001
    with db.transaction(hub.sessions) as session:
        document = session.get(OutgoingDocument, document_id)
        main = next(f for f in document.files if f.is_main)
        signs = session.query(AuditEntry).filter_by(action="sign",
                                                    entity_id=str(document_id)).count()
        return document.state, main.blob_hash, signs


def test_leader_authorises_with_pin_on_the_page(browser, hubs, demo_pki, remote_leader,
                                                screenshots):
    h41, _ = hubs
    with csc_service(demo_pki, {credential("leader-an"): PIN}) as url:
        remote_leader(CscSource(url, credential("leader-an")))
        document_id = outgoing_document(h41.hub, SUBJECT)
        before = state_of(h41.hub, document_id)
        an = login(browser, h41, "leader")
        an.goto(f"/ui/outgoing/{document_id}")
        # the server-held key's button gives way to the remote-signing form
        assert an.get_by_role("button", name="Ký duyệt (khóa trên máy chủ)").count() == 0
        an.get_by_label("Mã PIN").fill("0000")
        an.get_by_role("button", name="Ký số từ xa").click()
        status = an.locator(".remote-status")
        status.filter(has_text="Invalid PIN").wait_for()
        assert "the authorisation was refused" in status.inner_text()
        assert an.get_by_label("Mã PIN").input_value() == ""
        shot(an, screenshots, "07-remote-sign-refused")
        assert state_of(h41.hub, document_id) == before
        an.reload()
        assert an.get_by_test_id("state").inner_text() == "Chờ ký duyệt"

        an.get_by_label("Mã PIN").fill(PIN)
        an.get_by_role("button", name="Ký số từ xa").click()
        an.wait_for_url(f"**/ui/outgoing/{document_id}?done=sign_remote")
    assert an.get_by_test_id("state").inner_text() == "Lãnh đạo đã ký"
    assert "Ký số từ xa" in an.get_by_test_id("done").inner_text()
    signatures = an.get_by_test_id("signatures").inner_text()
    assert "Nguyễn Văn An" in signatures and "HỢP LỆ (TOTAL-PASSED)" in signatures
    assert PIN not in an.content()
    shot(an, screenshots, "08-signed-remotely")
    state, _, signs = state_of(h41.hub, document_id)
    assert (state, signs) == ("leader_signed", 1)


def test_the_form_works_without_scripts(browser, hubs, demo_pki, remote_leader):
    h41, _ = hubs
    with csc_service(demo_pki, {credential("leader-an"): PIN}) as url:
        remote_leader(CscSource(url, credential("leader-an")))
        document_id = outgoing_document(h41.hub, SUBJECT)
        an = login(browser, h41, "leader", java_script_enabled=False)
        an.goto(f"/ui/outgoing/{document_id}")
        an.get_by_label("Mã PIN").fill("0000")
        an.get_by_role("button", name="Ký số từ xa").click()
        problem = an.get_by_test_id("problem")
        assert "Invalid PIN" in problem.inner_text()
        assert "Ký số từ xa" in problem.inner_text()
        assert an.get_by_test_id("state").inner_text() == "Chờ ký duyệt"
        assert an.get_by_label("Mã PIN").input_value() == ""
        an.get_by_label("Mã PIN").fill(PIN)
        an.get_by_role("button", name="Ký số từ xa").click()
        an.wait_for_url(f"**/ui/outgoing/{document_id}?done=sign_remote")
    assert an.get_by_test_id("state").inner_text() == "Lãnh đạo đã ký"


def test_leader_confirms_on_the_phone(browser, hubs, demo_pki, remote_leader):
    h41, _ = hubs
    phone = Phone(answer="ignore")  # the leader has not looked at their phone yet
    with phone_service(demo_pki, phone) as url:
        remote_leader(PolledSource(url, credential("leader-an"), time_limit=60,
                                   poll_interval=0.2))
        document_id = outgoing_document(h41.hub, SUBJECT)
        an = login(browser, h41, "leader")
        an.goto(f"/ui/outgoing/{document_id}")
        assert an.get_by_label("Mã PIN").count() == 0  # nothing to type: the phone asks
        an.get_by_role("button", name="Ký số từ xa").click()
        an.locator(".remote-status").filter(
            has_text="Đang chờ bạn xác nhận trên điện thoại").wait_for()
        assert an.get_by_role("button", name="Ký số từ xa").is_disabled()
        phone.answer = "confirm"  # now they confirm
        an.wait_for_url(f"**/ui/outgoing/{document_id}?done=sign_remote")
    assert an.get_by_test_id("state").inner_text() == "Lãnh đạo đã ký"
    assert phone.requests == 1

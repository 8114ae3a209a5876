"""A user without the role for an action does not see it, and a forged request is refused
(403) without changing anything; forms without the session's CSRF token are refused too."""

from __future__ import annotations

from documents.adapters import db
from documents.adapters.models import IncomingDocument, OutgoingDocument
from tests.web.pages import arrived, csrf_of, deliver, login, outgoing_document, shot


def _state(hub, model, ident: int) -> str:  # noqa: ANN001
    with db.transaction(hub.sessions) as session:
        return session.get(model, ident).state


def test_outgoing_actions_are_shown_and_allowed_by_role_only(browser, any_hubs, screenshots):
    h41, _ = any_hubs
    document_id = outgoing_document(h41.hub, "Quyết định phê duyệt kế hoạch cải cách hành chính")
    url = f"/ui/outgoing/{document_id}"
    sign_button = "Ký duyệt (khóa trên máy chủ)"

    for username in ("specialist", "clerk", "archivist"):
        page = login(browser, h41, username)
        page.goto(url)
        assert page.get_by_role("button", name=sign_button).count() == 0
        assert page.get_by_role("button", name="Ký bằng USB token (sign-agent)").count() == 0
        assert "Bạn không có thao tác nào" in page.get_by_test_id("actions").inner_text()
        forged = page.request.post(f"{url}/sign", form={"csrf": csrf_of(page)})
        assert forged.status == 403, (username, forged.text())
        assert "may not" in forged.text()
        assert _state(h41.hub, OutgoingDocument, document_id) == "submitted"
    shot(page, screenshots, "07-archivist-sees-no-action")

    leader = login(browser, h41, "leader")
    leader.goto(url)
    assert leader.get_by_role("button", name=sign_button).count() == 1
    no_token = leader.request.post(f"{url}/sign", form={})
    wrong_token = leader.request.post(f"{url}/sign", form={"csrf": "0" * 64})
    assert (no_token.status, wrong_token.status) == (403, 403)
    assert "CSRF" in wrong_token.text()
    assert _state(h41.hub, OutgoingDocument, document_id) == "submitted"
    signed = leader.request.post(f"{url}/sign", form={"csrf": csrf_of(leader)},
                                 max_redirects=0)
    assert signed.status == 303
    assert _state(h41.hub, OutgoingDocument, document_id) == "leader_signed"


def test_incoming_actions_are_shown_and_allowed_by_role_only(browser, any_hubs):
    h41, g09 = any_hubs
    subject = "Công văn đề nghị phối hợp kiểm tra quyền"
    outgoing_document(h41.hub, subject, state="sent")
    deliver(h41.hub, g09.hub)
    incoming_id = arrived(g09.hub, subject)
    url = f"/ui/incoming/{incoming_id}"

    for username in ("specialist", "leader", "archivist"):
        page = login(browser, g09, username)
        page.goto(url)
        assert page.get_by_role("button", name="Vào sổ").count() == 0
        assert page.get_by_role("button", name="Từ chối").count() == 0
        forged = page.request.post(f"{url}/register", form={
            "csrf": csrf_of(page), "receiving_unit": "Văn phòng"})
        assert forged.status == 403, (username, forged.text())
    assert _state(g09.hub, IncomingDocument, incoming_id) == "received"

    clerk = login(browser, g09, "clerk")
    clerk.goto(url)
    assert clerk.get_by_role("button", name="Vào sổ").count() == 1
    assert clerk.get_by_role("button", name="Phân công xử lý").count() == 0
    forged_assign = clerk.request.post(f"{url}/assign", form={
        "csrf": csrf_of(clerk), "main_handler": "specialist"})
    assert forged_assign.status == 403
    unauthenticated = browser.new_context(base_url=g09.url).request.post(
        f"{url}/register", form={"receiving_unit": "x"}, max_redirects=0)
    # refused before its body is read: the pages send a caller without a session to the login
    # form (documents/http/limits.py)
    assert unauthenticated.status == 303
    assert unauthenticated.headers["location"].endswith("/ui/login")
    assert _state(g09.hub, IncomingDocument, incoming_id) == "received"


def test_login_needs_its_form_token_and_logout_ends_the_session(browser, any_hubs):
    h41, _ = any_hubs
    context = browser.new_context(base_url=h41.url)
    forged = context.request.post("/ui/login", form={
        "username": "clerk", "password": h41.passwords["clerk"]}, max_redirects=0)
    assert forged.status == 403
    assert "edochub_session" not in {c["name"] for c in context.cookies()}

    page = login(browser, h41, "clerk")
    [session] = [c for c in page.context.cookies() if c["name"] == "edochub_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/ui/login")
    page.goto("/ui/incoming")
    assert page.url.endswith("/ui/login?next=/ui/incoming")

    # an expired or stale session cookie does not stand in the way of logging in again
    page.context.add_cookies([{"name": "edochub_session", "value": "stale.session.token",
                               "url": h41.url}])
    page.goto("/ui/login?next=/ui/outgoing")
    page.get_by_label("Tên đăng nhập").fill("clerk")
    page.get_by_label("Mật khẩu").fill(h41.passwords["clerk"])
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    assert page.url.endswith("/ui/outgoing")

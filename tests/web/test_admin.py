"""Quản trị người dùng: the administrator creates an account with its role (errors beside the
fields, the password never shown back), changes the role, resets the password and deactivates
the account; the user's logins follow each change. Other roles do not see the pages and are
refused when they forge the forms."""

from __future__ import annotations

from dataclasses import replace

from documents.adapters import db
from documents.adapters.models import User
from tests.web.pages import csrf_of, login, shot

FIRST = "mật-khẩu-đầu-tiên"  # test-only
SECOND = "mật-khẩu-thứ-hai"  # test-only


def _account(hub, username: str) -> User | None:  # noqa: ANN001
    with db.transaction(hub.sessions) as session:
        return session.query(User).filter_by(username=username).one_or_none()


def _press(page, name: str) -> None:  # noqa: ANN001
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def _login_fails(browser, hub, username: str, password: str) -> bool:  # noqa: ANN001
    page = browser.new_context(base_url=hub.url).new_page()
    page.goto("/ui/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    _press(page, "Đăng nhập")
    return page.url.endswith("/ui/login") and "Sai tên đăng nhập hoặc mật khẩu." in (
        page.content())


def test_admin_manages_accounts_and_logins_follow(browser, hubs, screenshots):
    h41, _ = hubs
    admin = login(browser, h41, "admin")
    admin.get_by_role("link", name="Quản trị người dùng").click()
    admin.wait_for_url("**/ui/admin/users")

    # refused input: each error beside its field, what was typed kept, the password not
    admin.get_by_label("Tên đăng nhập").fill("Nguyễn Lan")
    admin.get_by_label("Họ và tên").fill("Nguyễn Thị Lan")
    admin.get_by_label("Mật khẩu ban đầu").fill("ngắn")
    _press(admin, "Tạo tài khoản")
    assert admin.locator("#username-note").inner_text().startswith("Tên đăng nhập chỉ gồm")
    assert admin.locator("#role-note").inner_text() == "Vui lòng chọn một vai trò."
    assert admin.locator("#password-note").inner_text() == "Mật khẩu cần ít nhất 8 ký tự."
    assert admin.get_by_label("Họ và tên").input_value() == "Nguyễn Thị Lan"
    assert admin.get_by_label("Mật khẩu ban đầu").input_value() == ""
    assert "ngắn" not in admin.content()
    shot(admin, screenshots, "17-admin-users-errors")
    assert _account(h41.hub, "nguyễn lan") is None

    admin.get_by_label("Tên đăng nhập").fill("lan")
    admin.get_by_label("Vai trò").select_option("specialist")
    admin.get_by_label("Chức vụ").fill("Chuyên viên Phòng Nội vụ")
    admin.get_by_label("Mật khẩu ban đầu").fill(FIRST)
    _press(admin, "Tạo tài khoản")
    assert admin.get_by_test_id("role").inner_text() == "Chuyên viên"
    assert FIRST not in admin.content()
    user_url = admin.url.split("?")[0]
    lan_hub = replace(h41, passwords={"lan": FIRST})
    lan = login(browser, lan_hub, "lan")
    assert lan.get_by_test_id("who").inner_text() == "Nguyễn Thị Lan (Chuyên viên)"

    admin.goto("/ui/admin/users")
    admin.get_by_label("Tên đăng nhập").fill("lan")
    admin.get_by_label("Họ và tên").fill("Người trùng tên")
    admin.get_by_label("Vai trò").select_option("clerk")
    admin.get_by_label("Mật khẩu ban đầu").fill(SECOND)
    _press(admin, "Tạo tài khoản")
    assert admin.locator("#username-note").inner_text() == "Tên đăng nhập này đã có."
    assert _account(h41.hub, "lan").full_name == "Nguyễn Thị Lan"
    cells = admin.locator('[data-username="lan"] td')
    assert [cells.nth(1).inner_text(), cells.nth(2).inner_text()] == [
        "Nguyễn Thị Lan", "Chuyên viên"]

    # a new role, then a new password
    admin.goto(user_url)
    admin.get_by_label("Vai trò mới").select_option("clerk")
    _press(admin, "Đổi vai trò")
    assert admin.get_by_test_id("role").inner_text() == "Văn thư"
    lan.reload()
    assert lan.get_by_test_id("who").inner_text() == "Nguyễn Thị Lan (Văn thư)"

    admin.get_by_label("Mật khẩu mới").fill("1234567")
    _press(admin, "Đặt lại mật khẩu")
    assert admin.locator("#reset_password-password-note").inner_text() == (
        "Mật khẩu cần ít nhất 8 ký tự.")
    admin.get_by_label("Mật khẩu mới").fill(SECOND)
    _press(admin, "Đặt lại mật khẩu")
    assert SECOND not in admin.content()
    assert _login_fails(browser, h41, "lan", FIRST)
    lan.goto("/ui/incoming")  # the session opened with the old password has ended
    assert "/ui/login" in lan.url
    lan = login(browser, replace(h41, passwords={"lan": SECOND}), "lan")

    # deactivated: the open session ends and logging in is refused
    _press(admin, "Khóa tài khoản")
    assert admin.get_by_test_id("active").inner_text() == "Đã khóa"
    shot(admin, screenshots, "18-admin-user-deactivated")
    lan.goto("/ui/incoming")
    assert "/ui/login" in lan.url
    assert _login_fails(browser, h41, "lan", SECOND)
    history = " ".join(admin.get_by_test_id("history").inner_text().split())
    for step in ("Tạo tài khoản — admin : Chuyên viên", "Đổi vai trò — admin : Văn thư",
                 "Đặt lại mật khẩu — admin", "Khóa tài khoản — admin"):
        assert step in history, history

    # an administrator cannot lock themself out
    with db.transaction(h41.hub.sessions) as session:
        admin_id = session.query(User).filter_by(username="admin").one().id
    admin.goto(f"/ui/admin/users/{admin_id}")
    _press(admin, "Khóa tài khoản")
    assert "cannot deactivate your own account" in admin.get_by_test_id("problem").inner_text()
    assert _account(h41.hub, "admin").active


def test_user_administration_is_the_admins_only(browser, hubs):
    h41, _ = hubs
    with db.transaction(h41.hub.sessions) as session:
        specialist_id = session.query(User).filter_by(username="specialist").one().id
    for username in ("clerk", "leader", "archivist"):
        page = login(browser, h41, username)
        assert page.get_by_role("link", name="Quản trị người dùng").count() == 0
        assert page.request.get("/ui/admin/users").status == 403
        forged = page.request.post("/ui/admin/users", form={
            "csrf": csrf_of(page), "username": f"forged-{username}", "full_name": "Giả mạo",
            "role": "admin", "password": "mật-khẩu-giả-mạo"})
        assert forged.status == 403, (username, forged.text())
        for action, form in (("change_role", {"role": "admin"}), ("deactivate", {}),
                             ("reset_password", {"password": "mật-khẩu-giả-mạo"})):
            refused = page.request.post(f"/ui/admin/users/{specialist_id}/{action}",
                                        form={"csrf": csrf_of(page), **form})
            assert refused.status == 403, (username, action)
        assert _account(h41.hub, f"forged-{username}") is None
    specialist = _account(h41.hub, "specialist")
    assert (specialist.role, specialist.active) == ("specialist", True)

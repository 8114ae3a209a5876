"""Steps the browser tests repeat: log in as someone, take an action, save a screenshot."""

from __future__ import annotations

from pathlib import Path

from tests.web.conftest import PASSWORD


def login(browser, base_url: str, username: str, password: str = PASSWORD):  # noqa: ANN001, ANN201
    """A fresh browser context (its own cookies) logged in as ``username``; the page."""
    context = browser.new_context(base_url=base_url, locale="vi-VN")
    page = context.new_page()
    page.goto("/ui/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/ui/incoming")
    return page


def shot(page, folder: Path, name: str) -> Path:  # noqa: ANN001
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def act(page, name: str) -> None:  # noqa: ANN001
    """Press the action button ``name`` and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()

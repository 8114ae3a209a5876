"""How the pages fit officials' habits: keyboard use (skip link, focus order, labels), errors
beside the field, dd/mm/yyyy dates, Vietnamese first with English available, accent-insensitive
search and Vietnamese alphabetical sorting, and the overdue list."""

from __future__ import annotations

import re
from datetime import timedelta

from documents.adapters import db
from documents.adapters.models import utcnow
from documents.domain.workflow import Assignment
from documents.services import incoming
from tests.web.pages import arrived, deliver, login, outgoing_document, shot, user


def _focused(page) -> str:  # noqa: ANN001
    return page.evaluate("document.activeElement.id || document.activeElement.textContent")


def test_keyboard_only_login_skip_link_and_focus_order(browser, hubs):
    h41, _ = hubs
    page = browser.new_context(base_url=h41.url).new_page()
    page.goto("/ui/login")
    assert _focused(page) == "username"  # the first field has the focus
    page.keyboard.type("clerk")
    page.keyboard.press("Tab")
    assert _focused(page) == "password"
    page.keyboard.type(h41.passwords["clerk"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/ui/incoming")

    page.keyboard.press("Tab")
    assert _focused(page) == "Bỏ qua, tới nội dung chính"
    page.keyboard.press("Enter")
    assert _focused(page) == "main"
    page.keyboard.press("Tab")
    assert _focused(page) == "number"  # the first filter: the main content comes first
    for field in ("number", "subject", "sender", "date_from", "date_to", "status", "sort"):
        label = page.locator(f'label[for="{field}"]')
        assert label.count() == 1 and label.inner_text()


def test_errors_are_shown_beside_their_field(browser, hubs, screenshots):
    h41, _ = hubs
    page = browser.new_context(base_url=h41.url).new_page()
    page.goto("/ui/login")
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    assert page.locator("#username-note").inner_text() == "Vui lòng nhập trường này."
    assert page.get_by_label("Tên đăng nhập").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Tên đăng nhập").get_attribute("aria-describedby") == "username-note"
    page.get_by_label("Tên đăng nhập").fill("clerk")
    page.get_by_label("Mật khẩu").fill("sai-mật-khẩu")
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập").click()
    assert page.locator("#password-note").inner_text() == "Sai tên đăng nhập hoặc mật khẩu."
    assert page.get_by_label("Tên đăng nhập").input_value() == "clerk"

    duc = login(browser, h41, "specialist")
    duc.goto("/ui/outgoing?date_from=31/02/2026")
    assert duc.locator("#date_from-note").inner_text().startswith("Ngày phải có dạng dd/mm/yyyy")
    duc.goto("/ui/outgoing/new")
    duc.get_by_label("Trích yếu").fill("Tờ trình về việc thành lập tổ công tác")
    duc.get_by_label("Nơi nhận").fill("G09, Bộ Mẫu")
    with duc.expect_navigation():
        duc.get_by_role("button", name="Tạo dự thảo").click()
    assert duc.locator("#recipients-note").inner_text() == (
        "Dòng 1: mã định danh phải có dạng 000.00.00.G09.")
    assert duc.locator("#doc_type-note").inner_text() == "Vui lòng nhập trường này."
    assert duc.locator("#document-note").inner_text() == "Vui lòng chọn tệp PDF."
    assert duc.get_by_label("Trích yếu").input_value() == "Tờ trình về việc thành lập tổ công tác"
    shot(duc, screenshots, "10-draft-errors")


def test_language_switch_and_dates(browser, hubs):
    h41, g09 = hubs
    outgoing_document(h41.hub, "Thông báo lịch tiếp công dân tháng 12", state="sent")
    deliver(h41.hub, g09.hub)
    page = login(browser, g09, "clerk")
    assert page.locator("html").get_attribute("lang") == "vi"
    received = page.get_by_test_id("book").locator("tbody tr td").nth(1).inner_text()
    assert received == g09.hub.today().strftime("%d/%m/%Y")
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", received)
    page.get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Incoming documents"
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto("/ui/outgoing")  # the choice is kept
    assert page.get_by_role("heading", level=1).inner_text() == "Outgoing documents"
    page.get_by_role("link", name="Tiếng Việt").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Văn bản đi"


def test_search_without_accents_and_vietnamese_sorting(browser, hubs, screenshots):
    h41, _ = hubs
    subjects = ["Văn bản hướng dẫn thi đua đợt bảy", "Ấn định thời hạn nộp báo cáo đợt bảy",
                "Ủy quyền ký văn bản đợt bảy", "Báo cáo tổng kết công tác khen thưởng đợt bảy"]
    for subject in subjects:
        outgoing_document(h41.hub, subject, state="draft")
    page = login(browser, h41, "clerk")
    page.goto("/ui/outgoing")
    page.get_by_label("Trích yếu").fill("khen thuong dot bay")
    with page.expect_navigation():
        page.get_by_role("button", name="Tìm kiếm").click()
    found = page.get_by_test_id("book").locator("tbody tr td:nth-child(4)").all_inner_texts()
    assert found == ["Báo cáo tổng kết công tác khen thưởng đợt bảy"]

    page.get_by_label("Trích yếu").fill("dot bay")
    page.get_by_label("Sắp xếp").select_option("subject")
    with page.expect_navigation():
        page.get_by_role("button", name="Tìm kiếm").click()
    ordered = page.get_by_test_id("book").locator("tbody tr td:nth-child(4)").all_inner_texts()
    assert ordered == ["Ấn định thời hạn nộp báo cáo đợt bảy",
                       "Báo cáo tổng kết công tác khen thưởng đợt bảy",
                       "Ủy quyền ký văn bản đợt bảy", "Văn bản hướng dẫn thi đua đợt bảy"]
    shot(page, screenshots, "11-outgoing-book-sorted")


def test_overdue_documents_are_listed(browser, hubs, screenshots):
    h41, g09 = hubs
    subject = "Kế hoạch kiểm tra công tác văn thư, lưu trữ"
    outgoing_document(h41.hub, subject, state="sent")
    deliver(h41.hub, g09.hub)
    hub = g09.hub
    document_id = arrived(hub, subject)
    with db.transaction(hub.sessions) as session:
        incoming.register(session, hub, user(session, "clerk"), document_id, "Văn phòng")
        incoming.assign(session, hub, user(session, "leader"), document_id, Assignment(
            "yen", due_date=hub.today() + timedelta(days=1)))
    page = login(browser, g09, "leader")
    page.get_by_role("link", name="Văn bản quá hạn").click()
    assert subject not in page.get_by_test_id("overdue").inner_text()

    real_clock = hub.clock
    hub.clock = lambda: utcnow() + timedelta(days=4)  # three days past the due date
    try:
        page.reload()
        row = page.get_by_test_id("overdue").locator("tbody tr").filter(has_text=subject)
        assert row.count() == 1
        cells = row.locator("td").all_inner_texts()
        assert cells[3] == "Vũ Hải Yến"
        assert cells[4].endswith("(3)")
        shot(page, screenshots, "12-overdue")
    finally:
        hub.clock = real_clock

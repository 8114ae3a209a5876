"""One document from draft to done across two hubs, driven in Chromium by each role in turn;
screenshots of the main pages; Vietnamese text read back from the pages."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.web.pages import act, draft_pdf, login, shot

SUBJECT = "Quyết định về việc khen thưởng tập thể Phòng Văn hóa – Xã hội năm 2026"


def _exchange(page) -> None:  # noqa: ANN001
    """The clerk's "send/receive now" button; the page reloads with the result."""
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi/nhận qua trục").click()


def test_one_document_from_draft_to_done_across_two_hubs(browser, any_hubs, screenshots,
                                                        tmp_path):
    h41, g09 = any_hubs
    pdf = tmp_path / "qd.pdf"
    pdf.write_bytes(draft_pdf())

    # chuyên viên (H41) drafts and submits
    duc = login(browser, h41, "specialist")
    duc.get_by_role("link", name="Soạn dự thảo").click()
    duc.get_by_label("Loại văn bản").select_option("Quyết định")
    duc.get_by_label("Trích yếu").fill(SUBJECT)
    duc.get_by_label("Nơi nhận").fill("000.00.00.G09, Bộ Mẫu")
    duc.get_by_label("Chức vụ người ký").fill("Phó Chủ tịch")
    duc.get_by_label("Tệp văn bản (PDF)").set_input_files(str(pdf))
    shot(duc, screenshots, "01-draft-form")
    with duc.expect_navigation():
        duc.get_by_role("button", name="Tạo dự thảo").click()
    document_url = duc.url.split("?")[0]
    assert re.search(r"/ui/outgoing/\d+$", document_url)
    assert duc.get_by_test_id("state").inner_text() == "Dự thảo"
    act(duc, "Trình ký")
    assert duc.get_by_test_id("state").inner_text() == "Chờ ký duyệt"
    assert duc.get_by_role("button", name="Ký duyệt (khóa trên máy chủ)").count() == 0

    # lãnh đạo signs with the key the hub holds for him
    an = login(browser, h41, "leader")
    an.goto(document_url)
    act(an, "Ký duyệt (khóa trên máy chủ)")
    assert an.get_by_test_id("state").inner_text() == "Lãnh đạo đã ký"

    # văn thư issues (number, seal) and sends
    cuc = login(browser, h41, "clerk")
    cuc.goto(document_url)
    act(cuc, "Ban hành (cấp số, đóng dấu)")
    number = cuc.get_by_test_id("number").inner_text()
    assert re.fullmatch(r"\d\d/QĐ-UBND", number), number
    act(cuc, "Gửi qua trục")
    assert cuc.locator(".progress-box .progress-text").inner_text() == (
        "Đã chuyển lên trục 0/1 nơi nhận")
    _exchange(cuc)
    cuc.goto(document_url)
    assert cuc.locator("#send-progress").get_attribute("value") == "1"
    shot(cuc, screenshots, "02-outgoing-sent")
    embedded = cuc.request.get(cuc.locator("iframe.pdf").get_attribute("src"))
    assert embedded.headers["content-type"] == "application/pdf"
    assert embedded.body().startswith(b"%PDF-")

    # Bộ Mẫu (G09): the clerk receives and registers
    g_cuc = login(browser, g09, "clerk")
    _exchange(g_cuc)
    g_cuc.goto("/ui/incoming")
    shot(g_cuc, screenshots, "03-incoming-book")
    g_cuc.get_by_role("link", name=SUBJECT).click()
    incoming_url = g_cuc.url
    assert g_cuc.get_by_test_id("code").inner_text() == number
    g_cuc.get_by_label("Đơn vị nhận").fill("Văn phòng Bộ")
    act(g_cuc, "Vào sổ")
    assert g_cuc.get_by_test_id("incoming-number").inner_text().isdigit()

    # the leader directs and assigns, with a due date
    g_an = login(browser, g09, "leader")
    g_an.goto(incoming_url)
    due = g09.hub.today() + timedelta(days=3)
    g_an.get_by_label("Người chủ trì xử lý").select_option("specialist")
    g_an.get_by_label("Hạn xử lý").fill(due.strftime("%d/%m/%Y"))
    g_an.get_by_label("Ý kiến chỉ đạo (bút phê)").fill(
        "Giao Phòng Tổ chức chủ trì, báo cáo kết quả.")
    act(g_an, "Phân công xử lý")
    assert g_an.get_by_test_id("state").inner_text() == "Đã phân công"

    # the specialist handles it: processing, then done
    g_duc = login(browser, g09, "specialist")
    g_duc.goto(incoming_url)
    act(g_duc, "Bắt đầu xử lý")
    shot(g_duc, screenshots, "04-incoming-document")
    g_duc.get_by_label("Ghi chú").fill("Đã trình Bộ trưởng ký khen thưởng.")
    act(g_duc, "Hoàn thành")
    assert g_duc.get_by_test_id("state").inner_text() == "Hoàn thành"

    # statuses travel back; the sender's book shows "done" for Bộ Mẫu
    g_cuc.reload()
    _exchange(g_cuc)
    cuc.reload()
    _exchange(cuc)
    cuc.goto(document_url)
    status = cuc.locator('[data-organ="000.00.00.G09"]').inner_text()
    assert status.startswith("06 · Hoàn thành"), status
    history = cuc.get_by_test_id("history").inner_text()
    for step in ("Tạo dự thảo", "Trình ký", "Ban hành", "Gửi qua trục", "Nhận trạng thái"):
        assert step in history
    shot(cuc, screenshots, "05-outgoing-done")

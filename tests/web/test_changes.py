"""Thu hồi, cập nhật, thay thế: the clerk of the sending hub changes a document already sent,
from its page, with a reason (errors beside the field); the receiving clerk sees the request on
the incoming document's page and answers 15 or 16; both sides show the statuses. Other roles do
not see these actions and are refused when they forge them."""

from __future__ import annotations

from documents.adapters import db
from documents.adapters.models import IncomingDocument, OutgoingDocument
from tests.web.pages import arrived, csrf_of, deliver, login, outgoing_document, shot

UPDATED = "Công văn về việc tổ chức hội nghị tổng kết (sửa trích yếu)"
RECALLED = "Công văn về việc mời họp giao ban quý IV"
REPLACED = "Quyết định về việc cử cán bộ đi công tác (bản cũ)"
REPLACEMENT = "Quyết định về việc cử cán bộ đi công tác (bản thay thế)"


def _row(hub, model, ident: int):  # noqa: ANN001, ANN202
    with db.transaction(hub.sessions) as session:
        row = session.get(model, ident)
        return row.state, row.subject, getattr(row, "pending_change", None)


def _status(page, organ: str = "000.00.00.G09") -> str:  # noqa: ANN001
    return page.locator(f'[data-organ="{organ}"]').inner_text()


def _press(page, name: str) -> None:  # noqa: ANN001
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def test_sender_changes_a_sent_document_and_the_receiver_answers(browser, any_hubs,
                                                                 screenshots):
    h41, g09 = any_hubs
    update_id = outgoing_document(h41.hub, "Công văn về việc tổ chức hội nghị tổng kết",
                                  state="sent")
    recall_id = outgoing_document(h41.hub, RECALLED, state="sent")
    replaced_id = outgoing_document(h41.hub, REPLACED, state="sent")
    replacement_id = outgoing_document(h41.hub, REPLACEMENT, state="issued")
    deliver(h41.hub, g09.hub)
    deliver(g09.hub, h41.hub)  # the 01 "arrived" answers come back first

    # the actions are the clerk's: others neither see them nor get them through forged
    for username in ("specialist", "leader"):
        page = login(browser, h41, username)
        page.goto(f"/ui/outgoing/{recall_id}")
        for button in ("Thu hồi", "Cập nhật", "Thay thế"):
            assert page.get_by_role("button", name=button, exact=True).count() == 0
        forged = page.request.post(f"/ui/outgoing/{recall_id}/recall",
                                   form={"csrf": csrf_of(page), "reason": "giả mạo"})
        assert forged.status == 403, (username, forged.text())
    assert _row(h41.hub, OutgoingDocument, recall_id)[0] == "sent"

    cuc = login(browser, h41, "clerk")
    # update: the reason is required, and the error stands beside its field
    cuc.goto(f"/ui/outgoing/{update_id}")
    cuc.locator("#update-subject").fill(UPDATED)
    _press(cuc, "Cập nhật")
    assert cuc.locator("#update-reason-note").inner_text() == "Vui lòng nhập trường này."
    assert cuc.locator("#update-reason").get_attribute("aria-invalid") == "true"
    assert cuc.locator("#update-subject").input_value() == UPDATED  # kept as typed
    assert _row(h41.hub, OutgoingDocument, update_id)[:2] == (
        "sent", "Công văn về việc tổ chức hội nghị tổng kết")
    cuc.locator("#update-reason").fill("Sửa lỗi chính tả ở trích yếu")
    _press(cuc, "Cập nhật")
    assert cuc.get_by_role("heading", level=1).inner_text().endswith(UPDATED)
    assert _status(cuc).startswith("13 · Đã đề nghị thu hồi/cập nhật — Sửa lỗi chính tả")

    cuc.goto(f"/ui/outgoing/{recall_id}")
    cuc.locator("#recall-reason").fill("Văn bản ban hành nhầm đối tượng")
    _press(cuc, "Thu hồi")
    assert cuc.get_by_test_id("state").inner_text() == "Đã thu hồi"
    assert cuc.get_by_role("button", name="Thu hồi", exact=True).count() == 0

    cuc.goto(f"/ui/outgoing/{replaced_id}")
    cuc.locator("#replace-reason").fill("Thay đổi thành phần đoàn công tác")
    _press(cuc, "Thay thế")
    assert cuc.locator("#replace-replacement_id-note").inner_text() == (
        "Vui lòng chọn văn bản thay thế.")
    assert cuc.locator("#replace-reason").input_value() == "Thay đổi thành phần đoàn công tác"
    cuc.locator("#replace-replacement_id").select_option(str(replacement_id))
    _press(cuc, "Thay thế")
    assert cuc.get_by_test_id("state").inner_text() == "Đã thay thế"
    assert cuc.get_by_test_id("replaced-by").inner_text() == REPLACEMENT
    shot(cuc, screenshots, "13-outgoing-replaced")
    assert _row(h41.hub, OutgoingDocument, replacement_id)[0] == "sent"

    deliver(h41.hub, g09.hub)
    incoming = {name: arrived(g09.hub, subject) for name, subject in (
        ("update", "Công văn về việc tổ chức hội nghị tổng kết"), ("recall", RECALLED),
        ("replace", REPLACED))}

    # the receiving leader sees the request but the answer is the clerk's
    g_an = login(browser, g09, "leader")
    g_an.goto(f"/ui/incoming/{incoming['recall']}")
    assert g_an.get_by_test_id("pending-change").get_by_role("heading").inner_text() == (
        "Nơi gửi đề nghị thu hồi văn bản")
    assert g_an.get_by_role("button", name="Đồng ý (15)").count() == 0
    forged = g_an.request.post(f"/ui/incoming/{incoming['recall']}/answer_change",
                               form={"csrf": csrf_of(g_an), "agree": "yes"})
    assert forged.status == 403
    assert _row(g09.hub, IncomingDocument, incoming["recall"])[2] is not None

    g_cuc = login(browser, g09, "clerk")
    g_cuc.goto(f"/ui/incoming/{incoming['update']}")
    assert g_cuc.get_by_test_id("new-subject").inner_text() == UPDATED
    shot(g_cuc, screenshots, "14-incoming-update-asked")
    _press(g_cuc, "Đồng ý (15)")
    assert g_cuc.get_by_role("heading", level=1).inner_text().endswith(UPDATED)
    assert g_cuc.get_by_test_id("pending-change").count() == 0
    assert "15 · Đồng ý thu hồi/cập nhật" in g_cuc.get_by_test_id("history").inner_text()

    g_cuc.goto(f"/ui/incoming/{incoming['recall']}")
    _press(g_cuc, "Từ chối (16)")
    assert g_cuc.locator("#answer_change-reason-note").inner_text() == (
        "Vui lòng ghi lý do từ chối.")
    assert _row(g09.hub, IncomingDocument, incoming["recall"])[2] is not None
    g_cuc.locator("#answer_change-reason").fill("Văn bản đã được triển khai thực hiện")
    _press(g_cuc, "Từ chối (16)")
    assert g_cuc.get_by_test_id("state").inner_text() == "Mới đến"
    assert "16 · Từ chối thu hồi/cập nhật" in g_cuc.get_by_test_id("history").inner_text()

    g_cuc.goto(f"/ui/incoming/{incoming['replace']}")
    link = g_cuc.get_by_test_id("replacement")
    assert link.inner_text() == REPLACEMENT
    assert link.get_attribute("href") == f"/ui/incoming/{arrived(g09.hub, REPLACEMENT)}"
    _press(g_cuc, "Đồng ý (15)")
    assert g_cuc.get_by_test_id("state").inner_text() == "Đã thu hồi"
    shot(g_cuc, screenshots, "15-incoming-replaced-answered")

    # the answers travel back: the sender's page shows 15 / 16 per document
    deliver(g09.hub, h41.hub)
    for document_id, expected in ((update_id, "15 · Đồng ý"), (recall_id, "16 · Từ chối"),
                                  (replaced_id, "15 · Đồng ý")):
        cuc.goto(f"/ui/outgoing/{document_id}")
        assert _status(cuc).startswith(expected), (document_id, _status(cuc))
    cuc.goto(f"/ui/outgoing/{recall_id}")
    # refused by its only recipient: the recall happened nowhere, the document is in force
    assert cuc.get_by_test_id("state").inner_text() == "Đã gửi"
    shot(cuc, screenshots, "16-outgoing-recall-refused")

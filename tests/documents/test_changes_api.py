"""Update (business type 2) and replace (type 3) of a sent document, end to end through both
hubs' HTTP APIs and the axis: what the receiving register shows, and the statuses the sender
sees (13 asked, 15 agreed, 16 refused). Signature marks stand in for PAdES here (what a
signature means is tested in test_api.py). SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import httpx
from sqlalchemy import select

from documents.adapters import edxml_codec
from documents.adapters.models import OutboxMessage, OutgoingDocument
from tests.helpers.api import ok, post_draft


def _issued(h41, subject: str, **metadata) -> int:
    document = ok(post_draft(h41("specialist"), subject=subject, **metadata), 201)
    ok(h41("specialist").post(f"/outgoing/{document['id']}/submit"))
    ok(h41("leader").post(f"/outgoing/{document['id']}/sign"))
    ok(h41("clerk").post(f"/outgoing/{document['id']}/issue"))
    return document["id"]


def _exchange(client: httpx.Client) -> dict:
    return ok(client.post("/exchange/run"))


def _sent_and_registered(h41, g09, subject: str) -> tuple[int, int]:
    """An issued document sent to G09, which registers it; H41 has seen 01 and 03."""
    document_id = _issued(h41, subject)
    ok(h41("clerk").post(f"/outgoing/{document_id}/send"))
    assert _exchange(h41("clerk"))["sent"] == 1
    assert _exchange(g09("clerk"))["received_documents"] == 1
    [arrived] = [d for d in ok(g09("clerk").get("/incoming")) if d["subject"] == subject]
    ok(g09("clerk").post(f"/incoming/{arrived['id']}/register",
                         json={"receiving_unit": "Văn phòng"}))
    _exchange(g09("clerk"))
    _exchange(h41("clerk"))
    assert _recipient(h41, document_id)["status"] == "03"
    return document_id, arrived["id"]


def _recipient(h41, document_id: int) -> dict:
    [recipient] = ok(h41("clerk").get(f"/outgoing/{document_id}"))["recipients"]
    return recipient


def _round_trip(h41, g09) -> None:
    """H41 sends what it queued, G09 takes it in; G09 sends its answers, H41 takes them in."""
    _exchange(h41("clerk"))
    _exchange(g09("clerk"))


def _answers_back(h41, g09) -> None:
    _exchange(g09("clerk"))
    _exchange(h41("clerk"))


def test_update_is_agreed_then_a_second_one_refused(api):
    h41, g09 = api
    old, corrected = "Quyết định khen thưởng năm 2026", "Quyết định khen thưởng tập thể năm 2026"
    document_id, incoming_id = _sent_and_registered(h41, g09, old)

    changed = ok(h41("clerk").post(f"/outgoing/{document_id}/change", json={
        "action": "update", "reason": "Sửa trích yếu", "subject": corrected}))
    assert (changed["state"], changed["subject"]) == ("sent", corrected)
    assert _recipient(h41, document_id)["status"] == "13"
    _round_trip(h41, g09)
    shown = ok(g09("clerk").get(f"/incoming/{incoming_id}"))
    # the receiver's book keeps the registered subject until its clerk agrees
    assert (shown["subject"], shown["state"]) == (old, "registered")
    assert (shown["pending_change"]["business"], shown["pending_change"]["subject"]) == (
        2, corrected)
    assert len(ok(g09("clerk").get("/incoming"))) == 1  # an update is not a new document

    agreed = ok(g09("clerk").post(f"/incoming/{incoming_id}/answer-change",
                                  json={"agree": True, "reason": "Đã cập nhật"}))
    assert (agreed["subject"], agreed["state"], agreed["pending_change"]) == (
        corrected, "registered", None)
    assert agreed["incoming_number"] == shown["incoming_number"]
    _answers_back(h41, g09)
    assert _recipient(h41, document_id) | {"organ_name": ""} == {
        "organ_id": "000.00.00.G09", "organ_name": "", "status": "15",
        "status_note": "Đã cập nhật"}

    # a second update of the same document is a new request, not a re-delivery of the first
    again = "Quyết định khen thưởng tập thể, cá nhân năm 2026"
    ok(h41("clerk").post(f"/outgoing/{document_id}/change", json={
        "action": "update", "reason": "Sửa lần hai", "subject": again}))
    _round_trip(h41, g09)
    assert ok(g09("clerk").get(f"/incoming/{incoming_id}"))["pending_change"]["subject"] == again
    refused = ok(g09("clerk").post(f"/incoming/{incoming_id}/answer-change",
                                   json={"agree": False, "reason": "Không đúng thẩm quyền"}))
    assert (refused["subject"], refused["pending_change"]) == (corrected, None)
    _answers_back(h41, g09)
    assert (_recipient(h41, document_id)["status"],
            _recipient(h41, document_id)["status_note"]) == ("16", "Không đúng thẩm quyền")


def test_replace_brings_the_new_document_and_takes_the_old_one_back(api):
    h41, g09 = api
    old_subject = "Quyết định phê duyệt kế hoạch năm 2026"
    old_id, old_incoming = _sent_and_registered(h41, g09, old_subject)
    new_subject = "Quyết định phê duyệt kế hoạch năm 2026 (thay thế)"
    new_id = _issued(h41, new_subject)

    answer = h41("clerk").post(f"/outgoing/{old_id}/change", json={
        "action": "replace", "reason": "Thay thế do sai số liệu", "replacement_id": old_id})
    assert answer.status_code == 422 and "replacement" in answer.json()["detail"]
    replaced = ok(h41("clerk").post(f"/outgoing/{old_id}/change", json={
        "action": "replace", "reason": "Thay thế do sai số liệu", "replacement_id": new_id}))
    assert replaced["state"] == "replaced" and _recipient(h41, old_id)["status"] == "13"
    newer = ok(h41("clerk").get(f"/outgoing/{new_id}"))
    assert (newer["state"], newer["number"]) == ("sent", 2)

    _round_trip(h41, g09)
    books = {d["subject"]: d for d in ok(g09("clerk").get("/incoming"))}
    assert set(books) == {old_subject, new_subject}
    arrived, earlier = books[new_subject], books[old_subject]
    # the replacement arrives as a document of its own, verified, waiting to be registered
    assert (arrived["state"], arrived["code_number"], arrived["signatures_valid"],
            arrived["sender_matches"]) == ("received", "02", True, True)
    assert earlier["state"] == "registered"
    assert (earlier["pending_change"]["business"],
            earlier["pending_change"]["document_id"]) == (3, newer["document_id"])

    agreed = ok(g09("clerk").post(f"/incoming/{old_incoming}/answer-change",
                                  json={"agree": True, "reason": "Đồng ý thay thế"}))
    assert (agreed["state"], agreed["pending_change"]) == ("recalled", None)
    registered = ok(g09("clerk").post(f"/incoming/{arrived['id']}/register",
                                      json={"receiving_unit": "Văn phòng"}))
    assert registered["incoming_number"] == earlier["incoming_number"] + 1
    _answers_back(h41, g09)
    assert _recipient(h41, old_id)["status"] == "15"
    assert _recipient(h41, new_id)["status"] == "03"  # 01 then 03 for the replacement
    assert ok(h41("clerk").get(f"/outgoing/{old_id}"))["state"] == "replaced"


def test_a_refused_replacement_leaves_the_old_document_in_force(api, hub):
    h41, g09 = api
    old_id, old_incoming = _sent_and_registered(h41, g09, "Quyết định về lịch họp quý I")
    elsewhere = _issued(h41, "Quyết định về lịch họp quý I (thay thế)", recipients=[
        {"organ_id": "000.00.00.G09"}, {"organ_id": "000.00.00.H42"}])
    answer = h41("clerk").post(f"/outgoing/{old_id}/change", json={
        "action": "replace", "reason": "Đổi lịch", "replacement_id": elsewhere})
    assert answer.status_code == 422, answer.text
    assert "recipients of the document it replaces (000.00.00.G09)" in answer.json()["detail"]
    assert _recipient(h41, old_id)["status"] == "03"
    assert ok(h41("clerk").get(f"/outgoing/{elsewhere}"))["state"] == "issued"
    new_id = _issued(h41, "Quyết định về lịch họp quý I (thay thế)")
    ok(h41("clerk").post(f"/outgoing/{old_id}/change", json={
        "action": "replace", "reason": "Đổi lịch", "replacement_id": new_id}))
    _round_trip(h41, g09)
    refused = ok(g09("clerk").post(f"/incoming/{old_incoming}/answer-change",
                                   json={"agree": False, "reason": "Đã triển khai"}))
    assert (refused["state"], refused["pending_change"]) == ("registered", None)
    _answers_back(h41, g09)
    assert _recipient(h41, old_id)["status"] == "16"
    assert _recipient(h41, new_id)["status"] == "01"
    # refused by its only recipient: not replaced anywhere, the old document is in force
    assert ok(h41("clerk").get(f"/outgoing/{old_id}"))["state"] == "sent"
    # the newer one arrived as a document of its own, and no longer replaces the old one
    assert ok(h41("clerk").get(f"/outgoing/{new_id}"))["state"] == "sent"
    with hub.sessions() as session:
        assert session.get(OutgoingDocument, new_id).replaces_id is None


def test_a_refused_recall_leaves_the_document_sent_and_late_statuses_do_not_undo_it(api):
    """G09 refuses to give the document back (16): H41's document is in force again (sent)
    and may be recalled again; G09's later progress (04) does not overwrite the 16."""
    h41, g09 = api
    document_id, incoming_id = _sent_and_registered(h41, g09, "Kế hoạch kiểm tra năm 2027")
    recalled = ok(h41("clerk").post(f"/outgoing/{document_id}/change", json={
        "action": "recall", "reason": "Ban hành nhầm"}))
    assert recalled["state"] == "recalled" and _recipient(h41, document_id)["status"] == "13"
    _round_trip(h41, g09)
    ok(g09("clerk").post(f"/incoming/{incoming_id}/answer-change",
                         json={"agree": False, "reason": "Đã triển khai thực hiện"}))
    ok(g09("leader").post(f"/incoming/{incoming_id}/assign",
                          json={"main_handler": "specialist", "due_date": "2099-01-31"}))
    _answers_back(h41, g09)  # 16 then 04, in the order G09 sent them
    assert (_recipient(h41, document_id)["status"],
            _recipient(h41, document_id)["status_note"]) == ("16", "Đã triển khai thực hiện")
    shown = ok(h41("clerk").get(f"/outgoing/{document_id}"))
    assert shown["state"] == "sent"
    assert ok(g09("clerk").get(f"/incoming/{incoming_id}"))["state"] == "assigned"

    # in force again, so it may be recalled again
    again = ok(h41("clerk").post(f"/outgoing/{document_id}/change", json={
        "action": "recall", "reason": "Ban hành nhầm (lần hai)"}))
    assert again["state"] == "recalled" and _recipient(h41, document_id)["status"] == "13"


def test_a_second_recall_within_the_same_second_is_a_request_of_its_own(api, hub, monkeypatch):
    """Two recalls of one document made within one second are byte for byte the same envelope
    (the edXML trace header has whole seconds; the clock is held still here to make them so):
    the receiver still takes the second as a request of its own, and a retry of it once."""
    h41, g09 = api
    monkeypatch.setattr(edxml_codec, "_now_vietnam", lambda: datetime(2026, 11, 22, 9, 0, 0))
    document_id, incoming_id = _sent_and_registered(h41, g09, "Thông báo lịch tiếp công dân")
    ok(h41("clerk").post(f"/outgoing/{document_id}/change", json={
        "action": "recall", "reason": "Ban hành nhầm"}))
    _round_trip(h41, g09)
    ok(g09("clerk").post(f"/incoming/{incoming_id}/answer-change",
                         json={"agree": False, "reason": "Đã triển khai"}))
    _answers_back(h41, g09)
    assert ok(h41("clerk").get(f"/outgoing/{document_id}"))["state"] == "sent"

    ok(h41("clerk").post(f"/outgoing/{document_id}/change", json={
        "action": "recall", "reason": "Ban hành nhầm (lần hai)"}))
    with hub.sessions() as session:
        first, second = session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "edoc").order_by(OutboxMessage.id)).all()[-2:]
        assert first.payload_hash == second.payload_hash  # the same bytes, two messages
        payload, message_id = hub.store.get(second.payload_hash), second.message_id
    _round_trip(h41, g09)
    shown = ok(g09("clerk").get(f"/incoming/{incoming_id}"))
    assert shown["pending_change"] is not None and shown["pending_change"]["business"] == 1
    agreed = ok(g09("clerk").post(f"/incoming/{incoming_id}/answer-change",
                                  json={"agree": True, "reason": "Đã thu hồi"}))
    assert (agreed["state"], agreed["pending_change"]) == ("recalled", None)
    _answers_back(h41, g09)
    assert _recipient(h41, document_id)["status"] == "15"
    assert ok(h41("clerk").get(f"/outgoing/{document_id}"))["state"] == "recalled"

    # a retry of the second request (its one message id) is not a third request
    hub.axis.send(payload, "edoc", message_id)
    assert _exchange(g09("clerk"))["received_documents"] == 0
    assert ok(g09("clerk").get(f"/incoming/{incoming_id}"))["pending_change"] is None

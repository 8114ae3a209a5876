"""The register's HTTP API served by uvicorn on loopback: the whole story between two hubs,
role limits, clear 4xx answers, search and the audit check (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx

from tests.helpers.api import ok, post_draft
from tests.helpers.register import PDF, decree30_draft, with_real_signing


def test_the_whole_story_through_the_api(api, hub, peer, real_signing):
    """Real PAdES signatures (development PKI) and the real edXML codec and axis core."""
    with_real_signing(hub, real_signing, "org-h41")
    with_real_signing(peer, real_signing, "org-g09")
    h41, g09 = api
    specialist, leader, clerk = h41("specialist"), h41("leader"), h41("clerk")
    doc = ok(post_draft(specialist, decree30_draft()), 201)
    assert doc["state"] == "draft" and len(doc["files"]) == 2
    ok(specialist.post(f"/outgoing/{doc['id']}/submit"))
    ok(leader.post(f"/outgoing/{doc['id']}/sign"))
    issued = ok(clerk.post(f"/outgoing/{doc['id']}/issue"))
    assert (issued["number"], issued["notation"]) == (1, "QĐ-UBND")
    ok(clerk.post(f"/outgoing/{doc['id']}/send"))
    assert ok(clerk.post("/exchange/run"))["sent"] == 1

    g_clerk, g_leader, g_specialist = g09("clerk"), g09("leader"), g09("specialist")
    arrived = ok(g_clerk.post("/exchange/run"))
    assert (arrived["received_documents"], arrived["verified"]) == (1, 1)
    [incoming] = ok(g_clerk.get("/incoming"))
    assert incoming["signatures_valid"] and incoming["sender_matches"]
    assert incoming["code_notation"] == "QĐ-UBND" and incoming["code_number"] == "01"
    again = ok(g09("archivist").post(f"/incoming/{incoming['id']}/validate"))
    assert again["signatures_valid"] and again["sender_matches"]
    signatures = again["verification"]["files"][0]["signatures"]
    assert [s["indication"] for s in signatures] == ["TOTAL-PASSED", "TOTAL-PASSED"]
    assert [s["role"] for s in signatures] == ["leader", "organization"]
    # the number and date were filled in after the leader signed, as form filling
    assert signatures[0]["modification_level"] == "FORM_FILLING"
    annex = again["verification"]["files"][1]["signatures"]
    assert [s["role"] for s in annex] == ["attachment"]
    assert g_specialist.post(f"/incoming/{incoming['id']}/validate").status_code == 403
    registered = ok(g_clerk.post(f"/incoming/{incoming['id']}/register",
                                 json={"receiving_unit": "Văn phòng"}))
    assert registered["incoming_number"] == 1
    ok(g_leader.post(f"/incoming/{incoming['id']}/assign",
                     json={"main_handler": "specialist", "for_information": ["archivist"],
                           "due_date": "2099-01-31", "direction": "Đề nghị xử lý"}))
    ok(g_specialist.post(f"/incoming/{incoming['id']}/start", json={}))
    done = ok(g_specialist.post(f"/incoming/{incoming['id']}/finish", json={"note": "Xong"}))
    assert done["state"] == "done"
    assert ok(g_clerk.post("/exchange/run"))["sent"] == 5

    assert ok(clerk.post("/exchange/run"))["statuses"] == 5
    recipient = ok(clerk.get(f"/outgoing/{doc['id']}"))["recipients"][0]
    assert recipient["status"] == "06"
    assert ok(h41("archivist").get("/audit/verify"))["intact"]
    assert ok(g09("archivist").get("/audit/verify"))["entries"] >= 5


def test_roles_are_enforced(api):
    h41, _ = api
    doc = ok(post_draft(h41("specialist")), 201)
    ok(h41("specialist").post(f"/outgoing/{doc['id']}/submit"))
    for role, method, path in [
        ("specialist", "post", f"/outgoing/{doc['id']}/sign"),
        ("clerk", "post", f"/outgoing/{doc['id']}/sign"),
        ("leader", "post", f"/outgoing/{doc['id']}/issue"),
        ("archivist", "post", "/exchange/run"),
        ("specialist", "get", "/audit/verify"),
        ("clerk", "post", "/users"),
        ("admin", "post", f"/outgoing/{doc['id']}/sign"),
        ("admin", "post", f"/outgoing/{doc['id']}/issue"),
    ]:
        answer = h41(role).request(method.upper(), path,
                                   json={} if method == "post" else None)
        assert answer.status_code == 403, (role, path, answer.text)
        assert role in answer.json()["detail"]
    assert post_draft(h41("clerk")).status_code == 403
    anonymous = h41(None)
    for path in ("/outgoing", "/incoming", "/search", "/users/me"):
        assert anonymous.get(path).status_code == 401
    forged = httpx.get(str(anonymous.base_url) + "/users/me",
                       headers={"Authorization": "Bearer not.a.token"})
    assert forged.status_code == 401 and forged.json()["detail"] == "the token is not valid"
    assert ok(h41("leader").get(f"/outgoing/{doc['id']}"))["state"] == "submitted"


def test_bad_input_gets_a_clear_4xx_and_changes_nothing(api):
    h41, _ = api
    specialist, admin = h41("specialist"), h41("admin")
    answer = post_draft(specialist, doc_type="Thư tay")
    assert answer.status_code == 422 and "unknown document type" in answer.json()["detail"]
    answer = post_draft(specialist, recipients=[{"organ_id": "H41"}])
    assert answer.status_code == 422 and "organ_id" in answer.json()["detail"]
    answer = specialist.post("/outgoing", data={"metadata": "{not json"},
                             files=[("document", ("a.pdf", PDF, "application/pdf"))])
    assert answer.status_code == 422 and answer.json()["detail"].startswith("metadata")
    answer = specialist.post(
        "/outgoing", data={"metadata": json.dumps({"doc_type": "Báo cáo", "subject": "x",
                                                   "recipients": [{"organ_id":
                                                                   "000.00.00.G09"}]})},
        files=[("document", ("a.pdf", b"<html>hello</html>", "application/pdf"))])
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("the document: not a PDF file")
    assert ok(specialist.get("/outgoing")) == []
    assert specialist.get("/outgoing/999").status_code == 404
    assert specialist.post("/outgoing/999/submit").status_code == 404
    doc = ok(post_draft(specialist), 201)
    again = h41("clerk").post(f"/outgoing/{doc['id']}/issue")
    assert again.status_code == 409 and "draft" in again.json()["detail"]
    bad_login = httpx.post(f"{specialist.base_url}/auth/token",
                           data={"username": "specialist", "password": "wrong"})
    assert bad_login.status_code == 401
    assert ok(admin.post("/users", json={"username": "binh", "full_name": "Trần Thị Bình",
                                         "role": "leader", "password": "mat-khau-dai"}),
              201)["role"] == "leader"
    duplicate = admin.post("/users", json={"username": "binh", "full_name": "B",
                                           "role": "leader", "password": "mat-khau-dai"})
    assert duplicate.status_code == 409
    weak = admin.post("/users", json={"username": "c", "full_name": "C", "role": "pope",
                                      "password": "x"})
    assert weak.status_code == 422


def test_a_draft_not_in_decree30_layout_is_refused_in_the_apis_words(api, hub, real_signing):
    """The signing package's message, without the command line's option names."""
    with_real_signing(hub, real_signing, "org-h41")
    h41, _ = api
    doc = ok(post_draft(h41("specialist")), 201)  # a plain PDF: no "Số:" line, no date line
    answer = h41("specialist").post(f"/outgoing/{doc['id']}/submit")
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] == ("the draft has no \"Số:\" line on page 1 to place the "
                                       "number at (Decree 30 layout)")
    assert ok(h41("specialist").get(f"/outgoing/{doc['id']}"))["state"] == "draft"


def test_admin_changes_role_password_and_deactivates(api):
    h41, _ = api
    admin = h41("admin")
    created = ok(admin.post("/users", json={"username": "lan", "full_name": "Nguyễn Thị Lan",
                                            "role": "specialist", "password": "mat-khau-1"}),
                 201)
    assert "password" not in json.dumps(created) and created["active"] is True
    base = str(admin.base_url)

    def token(password: str) -> int:
        return httpx.post(f"{base}/auth/token",
                          data={"username": "lan", "password": password}).status_code

    assert ok(admin.post(f"/users/{created['id']}/role", json={"role": "clerk"}))["role"] == (
        "clerk")
    assert admin.post(f"/users/{created['id']}/role", json={"role": "pope"}).status_code == 422
    assert admin.post(f"/users/{created['id']}/password",
                      json={"password": "short"}).status_code == 422
    ok(admin.post(f"/users/{created['id']}/password", json={"password": "mat-khau-2"}))
    assert (token("mat-khau-1"), token("mat-khau-2")) == (401, 200)
    assert ok(admin.post(f"/users/{created['id']}/deactivate"))["active"] is False
    assert token("mat-khau-2") == 401
    assert ok(admin.post(f"/users/{created['id']}/activate"))["active"] is True
    assert admin.post("/users/999999/deactivate").status_code == 404

    me = ok(admin.get("/users/me"))
    own = admin.post(f"/users/{me['id']}/deactivate")
    assert own.status_code == 422 and "your own account" in own.json()["detail"]
    assert admin.post(f"/users/{me['id']}/role", json={"role": "clerk"}).status_code == 422
    assert ok(admin.get("/users/me"))["role"] == "admin"
    for role in ("specialist", "leader", "clerk", "archivist"):
        refused = h41(role).post(f"/users/{created['id']}/deactivate")
        assert refused.status_code == 403, role
    assert ok(admin.get("/users"))[-1]["active"] is True


def test_password_reset_and_deactivation_end_earlier_tokens(api):
    """A token issued before a password reset or a deactivation is refused (401, one line)
    from the next request on, even after the account is reactivated; a fresh one works."""
    h41, _ = api
    admin = h41("admin")
    created = ok(admin.post("/users", json={"username": "minh", "full_name": "Lê Văn Minh",
                                            "role": "clerk", "password": "mat-khau-1"}), 201)
    base = str(admin.base_url)

    def client(password: str) -> httpx.Client:
        answer = httpx.post(f"{base}/auth/token",
                            data={"username": "minh", "password": password})
        assert answer.status_code == 200, answer.text
        return httpx.Client(base_url=base, headers={
            "Authorization": f"Bearer {answer.json()['access_token']}"})

    def refused(old: httpx.Client, words: str = "log in again") -> None:
        answer = old.get("/users/me")
        assert answer.status_code == 401, answer.text
        detail = answer.json()["detail"]
        assert words in detail and "\n" not in detail, detail

    with client("mat-khau-1") as before:
        assert ok(before.get("/users/me"))["username"] == "minh"
        ok(admin.post(f"/users/{created['id']}/password", json={"password": "mat-khau-2"}))
        refused(before)
    with client("mat-khau-2") as fresh:
        assert ok(fresh.get("/users/me"))["username"] == "minh"
        ok(admin.post(f"/users/{created['id']}/deactivate"))
        refused(fresh, "disabled")
        ok(admin.post(f"/users/{created['id']}/activate"))
        refused(fresh)  # reactivating does not bring the old session back
    with client("mat-khau-2") as again:
        assert ok(again.get("/users/me"))["username"] == "minh"
    assert ok(admin.get("/users/me"))["username"] == "admin"  # others' tokens are untouched


def test_search_and_overdue(api, hub):
    h41, g09 = api
    specialist, leader, clerk = h41("specialist"), h41("leader"), h41("clerk")
    for subject in ("Quyết định về Đề án chuyển đổi số", "Quyết định khen thưởng"):
        doc = ok(post_draft(specialist, subject=subject), 201)
        ok(specialist.post(f"/outgoing/{doc['id']}/submit"))
        ok(leader.post(f"/outgoing/{doc['id']}/sign"))
        ok(clerk.post(f"/outgoing/{doc['id']}/issue"))
        ok(clerk.post(f"/outgoing/{doc['id']}/send"))
    ok(clerk.post("/exchange/run"))
    g_clerk = g09("clerk")
    ok(g_clerk.post("/exchange/run"))

    def found(client, **params):
        return [d["subject"] for d in ok(client.get("/search", params=params))]

    assert found(g_clerk, subject="de an chuyen doi so") == ["Quyết định về Đề án chuyển đổi số"]
    assert found(g_clerk, subject="DE AN") == ["Quyết định về Đề án chuyển đổi số"]
    assert found(g_clerk, number="02/QĐ-UBND") == ["Quyết định khen thưởng"]
    assert len(found(g_clerk, sender="000.00.00.H41")) == 2
    assert found(g_clerk, sender="000.00.00.Z99") == []
    assert len(found(g_clerk, status="received")) == 2
    today = hub.today()
    assert len(found(g_clerk, date_from=str(today - timedelta(days=1)),
                     date_to=str(today + timedelta(days=1)))) == 2
    assert found(g_clerk, date_from=str(today + timedelta(days=2))) == []
    assert found(clerk, direction="outgoing", number="01/QĐ-UBND") == [
        "Quyết định về Đề án chuyển đổi số"]
    assert g_clerk.get("/search", params={"number": "x/y"}).status_code == 422
    assert g_clerk.get("/search", params={"direction": "sideways"}).status_code == 422

    [first, _] = sorted(ok(g_clerk.get("/incoming")), key=lambda d: d["id"])
    ok(g_clerk.post(f"/incoming/{first['id']}/register", json={"receiving_unit": "VP"}))
    ok(g09("leader").post(f"/incoming/{first['id']}/assign",
                          json={"main_handler": "specialist", "due_date": str(today)}))
    assert ok(g_clerk.get("/incoming/overdue")) == []


def test_openapi_is_published(api):
    h41, _ = api
    schema = ok(h41(None).get("/openapi.json"))
    assert "/outgoing/{document_id}/issue" in schema["paths"]
    assert "/incoming/{document_id}/assign" in schema["paths"]

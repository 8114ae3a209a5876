"""The archivist uploads PDFs and a ZIP archive, watches the progress and reads the verdicts
and the human validation report (signing.reports); other roles are refused."""

from __future__ import annotations

import re
import zipfile

from edochub.samples import simple_pdf
from tests.web.pages import csrf_of, login, outgoing_document, shot


def _signed_pdf(hub) -> bytes:  # noqa: ANN001
    """An issued document's main file, signed by the hub's signer."""
    from documents.adapters import db
    from documents.adapters.models import OutgoingDocument

    document_id = outgoing_document(hub, "Quyết định lưu trữ hồ sơ", state="issued")
    with db.transaction(hub.sessions) as session:
        document = session.get(OutgoingDocument, document_id)
        return hub.store.get(next(f for f in document.files if f.is_main).blob_hash)


def test_archivist_validates_pdfs_and_a_zip_with_progress_and_reports(browser, hubs, tmp_path,
                                                                      screenshots):
    h41, _ = hubs
    signed = tmp_path / "quyet-dinh-da-ky.pdf"
    signed.write_bytes(_signed_pdf(h41.hub))
    unsigned = tmp_path / "chua-ky.pdf"
    unsigned.write_bytes(simple_pdf("not signed"))
    bundle = tmp_path / "ho-so-2026.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for index in range(10):  # enough work to watch the progress
            archive.writestr(f"ho-so/van-ban-{index:02d}.pdf", signed.read_bytes())
        archive.writestr("ho-so/ghi-chu.txt", "không phải PDF")
        archive.writestr("../ngoai-thu-muc.pdf", signed.read_bytes())

    ha = login(browser, h41, "archivist")
    ha.get_by_role("link", name="Kiểm tra chữ ký (lưu trữ)").click()
    with ha.expect_navigation():
        ha.get_by_role("button", name="Kiểm tra", exact=True).click()
    assert ha.locator("#files-note").inner_text() == "Hãy chọn ít nhất một tệp PDF hoặc ZIP."
    ha.get_by_label("Tệp PDF hoặc ZIP cần kiểm tra").set_input_files(
        [str(signed), str(unsigned), str(bundle)])
    with ha.expect_navigation():
        ha.get_by_role("button", name="Kiểm tra", exact=True).click()
    bar = ha.get_by_label("Tiến độ")  # the <progress> while the job runs
    assert bar.count() == 1 and bar.evaluate("e => e.tagName") == "PROGRESS"
    assert re.fullmatch(r"Đã kiểm tra \d+/\d+ tệp", ha.locator(".progress-text").inner_text())
    ha.get_by_test_id("job-done").wait_for(timeout=120_000)
    assert ha.get_by_test_id("job-done").inner_text() == "Đã kiểm tra 13/13 tệp"
    rows = ha.get_by_test_id("results").locator("tbody tr")
    verdicts = {rows.nth(i).locator("td").nth(0).inner_text():
                rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())}
    assert verdicts["quyet-dinh-da-ky.pdf"] == "HỢP LỆ (TOTAL-PASSED)"
    assert verdicts["chua-ky.pdf"] == "Tệp không có chữ ký số nào."
    assert verdicts["ho-so-2026.zip!ho-so/van-ban-09.pdf"] == "HỢP LỆ (TOTAL-PASSED)"
    assert "unsafe path" in verdicts["ho-so-2026.zip!../ngoai-thu-muc.pdf"]
    shot(ha, screenshots, "08-archive-results")
    progress = ha.request.get(ha.url + "/progress").json()
    assert (progress["state"], progress["done"], progress["total"]) == ("done", 13, 13)

    with ha.expect_navigation():
        ha.get_by_role("link", name="Báo cáo (quyet-dinh-da-ky.pdf)").click()
    assert "Báo cáo kiểm tra chữ ký số" in ha.content()
    shot(ha, screenshots, "09-validation-report")

    clerk = login(browser, h41, "clerk")
    assert clerk.get_by_role("link", name="Kiểm tra chữ ký (lưu trữ)").count() == 0
    refused = clerk.request.post("/ui/archive", multipart={
        "csrf": csrf_of(clerk),
        "files": {"name": "a.pdf", "mimeType": "application/pdf", "buffer": signed.read_bytes()}})
    assert refused.status == 403
    assert clerk.request.get(ha.url).status == 403


def test_jobs_and_reports_survive_a_restart_and_stay_their_owners(browser, hubs, tmp_path,
                                                                  screenshots):
    from documents.adapters import db
    from documents.adapters.models import User
    from documents.http.app import create_app
    from documents.http.pages.archive_jobs import JobStore
    from documents.http.server import serving
    from documents.services import users
    from edochub import bootstrap as runtime
    from tests.helpers.net import free_port
    from tests.web.pages import RunningHub

    h41, _ = hubs
    other_password = "mật-khẩu-lưu-trữ-2"  # test-only
    with db.transaction(h41.hub.sessions) as session:
        users.create_user(session, "setup", "luu2", "Trịnh Văn Lưu", "archivist",
                          other_password)
        owner_id = session.query(User).filter_by(username="archivist").one().id
    signed = tmp_path / "quyet-dinh-luu-tru.pdf"
    signed.write_bytes(_signed_pdf(h41.hub))

    ha = login(browser, h41, "archivist")
    ha.goto("/ui/archive")
    ha.get_by_label("Tệp PDF hoặc ZIP cần kiểm tra").set_input_files(str(signed))
    with ha.expect_navigation():
        ha.get_by_role("button", name="Kiểm tra", exact=True).click()
    ha.get_by_test_id("job-done").wait_for(timeout=120_000)
    job_path = ha.url.removeprefix(h41.url)

    # what a crash mid-job leaves behind: a manifest saying "running", no runner holding it
    store = JobStore(h41.hub.settings.local_data_dir())
    cut = store.create(owner_id, ["ho-so-dang-do.zip"])
    cut.total = 3
    store.save(cut)

    # the hub restarts: a new hub and app on the same configuration and data directory
    restarted = runtime.build_hub(h41.hub.settings)
    with serving(create_app(restarted), "127.0.0.1", free_port()) as url:
        again = RunningHub(restarted, url, {**h41.passwords, "luu2": other_password})
        ha = login(browser, again, "archivist")
        ha.goto("/ui/archive")
        listed = ha.locator("main ul").inner_text()
        assert "quyet-dinh-luu-tru.pdf (1/1)" in listed
        assert "ho-so-dang-do.zip (0/3) — bị gián đoạn" in listed
        ha.goto(job_path)
        assert ha.get_by_test_id("job-done").inner_text() == "Đã kiểm tra 1/1 tệp"
        verdict = ha.get_by_test_id("results").locator("tbody tr td").nth(1).inner_text()
        assert verdict == "HỢP LỆ (TOTAL-PASSED)"
        report = ha.request.get(f"{job_path}/report/0")
        assert report.status == 200 and "Báo cáo kiểm tra chữ ký số" in report.text()
        assert "quyet-dinh-luu-tru.pdf" in report.text()
        ha.goto(f"/ui/archive/{cut.id}")
        assert ha.get_by_test_id("job-interrupted").inner_text().startswith(
            "Việc kiểm tra bị gián đoạn (máy chủ đã khởi động lại) sau 0/3 tệp.")
        assert ha.request.get(f"/ui/archive/{cut.id}/progress").json()["state"] == (
            "interrupted")
        shot(ha, screenshots, "19-archive-job-interrupted")

        other = login(browser, again, "luu2")
        other.goto("/ui/archive")
        assert "quyet-dinh-luu-tru.pdf" not in other.locator("main").inner_text()
        for path in (job_path, f"{job_path}/report/0", f"{job_path}/progress"):
            assert other.request.get(path).status == 404, path


def test_uploads_of_the_same_name_are_all_checked(browser, hubs, tmp_path):
    """Two files both named ``to-trinh.pdf`` (from two folders of the archivist's PC), one
    signed and one not: both are kept and checked, the second under a numbered name."""
    h41, _ = hubs
    first, second = tmp_path / "a" / "to-trinh.pdf", tmp_path / "b" / "to-trinh.pdf"
    for path, data in ((first, _signed_pdf(h41.hub)), (second, simple_pdf("not signed"))):
        path.parent.mkdir()
        path.write_bytes(data)
    ha = login(browser, h41, "archivist")
    ha.goto("/ui/archive")
    ha.get_by_label("Tệp PDF hoặc ZIP cần kiểm tra").set_input_files([str(first), str(second)])
    with ha.expect_navigation():
        ha.get_by_role("button", name="Kiểm tra", exact=True).click()
    ha.get_by_test_id("job-done").wait_for(timeout=120_000)
    assert ha.get_by_test_id("job-done").inner_text() == "Đã kiểm tra 2/2 tệp"
    rows = ha.get_by_test_id("results").locator("tbody tr")
    verdicts = {rows.nth(i).locator("td").nth(0).inner_text():
                rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())}
    assert verdicts == {"to-trinh.pdf": "HỢP LỆ (TOTAL-PASSED)",
                        "to-trinh (2).pdf": "Tệp không có chữ ký số nào."}


def test_unique_names_number_the_repeats():
    from documents.http.pages.archive_jobs import unique_names

    assert unique_names(["a.pdf", "b.pdf", "a.pdf", "A.PDF", "a (2).pdf", "README", "README",
                         "ho-so.tar.zip", "ho-so.tar.zip"]) == [
        "a.pdf", "b.pdf", "a (2).pdf", "A (3).PDF", "a (2) (2).pdf", "README", "README (2)",
        "ho-so.tar.zip", "ho-so.tar (2).zip"]

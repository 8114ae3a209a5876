"""The hub's API when the time-stamping service is stopped or answers 404: the leader's
signature and the issuing answer 503 with one line naming the service, and the document's state
does not change (served by uvicorn on loopback; real PAdES signing on the development PKI)."""

from __future__ import annotations

import contextlib
import json

from documents.adapters.signing import KeyFiles, PadesDocumentSigner
from signing.pades.signer import SignatureOptions
from signing.stamping import specimens
from signing.validation.results import PadesLevel
from signing.validation.validator import ValidationSettings, load_certificates
from tests.helpers.net import free_port
from tests.helpers.register import ANNEX, decree30_draft, with_real_signing
from tests.signing.service_doubles import misbehaving_service


def _signer_with_tsa(pki, tsa_url: str) -> PadesDocumentSigner:
    keys = KeyFiles(pki.p12("org-h41"), {"leader": pki.p12("leader-an")},
                    specimens.seal_png(), {"leader": specimens.signature_png()})
    options = SignatureOptions(level=PadesLevel.B_T, tsa_url=tsa_url,
                               trust_roots=load_certificates(pki.trust_roots))
    return PadesDocumentSigner(keys, options, ValidationSettings.from_paths(pki.trust_roots))


def _replace_signer(hub, signer: PadesDocumentSigner) -> None:
    hub.signer.close()
    hub.signer = signer


def _submitted(h41) -> dict:
    body = {"doc_type": "Quyết định", "subject": "Quyết định về việc thử dịch vụ",
            "recipients": [{"organ_id": "000.00.00.G09", "name": "Bộ Mẫu"}],
            "signer_position": "Phó Chủ tịch"}
    doc = h41("specialist").post(
        "/outgoing", data={"metadata": json.dumps(body)},
        files=[("document", ("qd.pdf", decree30_draft(), "application/pdf")),
               ("attachments", ("phu-luc.pdf", ANNEX, "application/pdf"))]).json()
    assert h41("specialist").post(f"/outgoing/{doc['id']}/submit").status_code == 200
    return doc


def test_stopped_and_404_tsa_answer_503_and_change_nothing(api, hub, real_signing):
    with_real_signing(hub, real_signing, "org-h41")
    h41, _ = api
    doc = _submitted(h41)
    url = f"http://127.0.0.1:{free_port()}/tsa"
    _replace_signer(hub, _signer_with_tsa(real_signing.pki, url))
    answer = h41("leader").post(f"/outgoing/{doc['id']}/sign")
    assert answer.status_code == 503, answer.text
    assert answer.json()["detail"] == (f"time-stamping service {url} is unreachable "
                                       "(connection refused)")
    before = h41("leader").get(f"/outgoing/{doc['id']}").json()
    assert before["state"] == "submitted"

    # the leader signs with a working set-up; then issuing meets a TSA answering 404
    _replace_signer(hub, real_signing.signer("org-h41"))
    assert h41("leader").post(f"/outgoing/{doc['id']}/sign").status_code == 200
    with misbehaving_service(404) as base:
        _replace_signer(hub, _signer_with_tsa(real_signing.pki, base))
        answer = h41("clerk").post(f"/outgoing/{doc['id']}/issue")
    _replace_signer(hub, real_signing.signer("org-h41"))
    assert answer.status_code == 503, answer.text
    assert answer.json()["detail"] == f"time-stamping service {base} answered HTTP 404 Not Found"
    after = h41("clerk").get(f"/outgoing/{doc['id']}").json()
    assert after["state"] == "leader_signed" and after["number"] is None


def test_a_full_file_store_answers_503_and_creates_nothing(api, hub, small_disk):
    """The hub's disk is full when a specialist uploads a draft: one line, 503, no document;
    once there is room the same upload is taken."""
    from documents.adapters.storage import LocalStore

    h41, _ = api
    roomy = hub.store
    hub.store = LocalStore(small_disk / "files")
    body = {"doc_type": "Công văn", "subject": "Công văn khi đĩa đầy", "unit": "VP",
            "recipients": [{"organ_id": "000.00.00.G09", "name": "Bộ Mẫu"}]}
    files = [("document", ("cv.pdf", decree30_draft(), "application/pdf")),
             ("attachments", ("phu-luc.pdf", ANNEX, "application/pdf"))]
    filler = small_disk / "other-data"
    with open(filler, "wb", buffering=0) as out, contextlib.suppress(OSError):
        while out.write(b"\0" * 4096):  # up to the last block
            pass
    before = h41("specialist").get("/outgoing").json()
    answer = h41("specialist").post("/outgoing", data={"metadata": json.dumps(body)},
                                    files=files)
    assert answer.status_code == 503, answer.text
    assert answer.json() == {
        "detail": "the file store could not keep a file: No space left on device"}
    assert h41("specialist").get("/outgoing").json() == before

    hub.store = roomy
    answer = h41("specialist").post("/outgoing", data={"metadata": json.dumps(body)},
                                    files=files)
    assert answer.status_code in (200, 201), answer.text

"""Split signing with SoftHSM2 standing in for the leader's USB token: the hub prepares
(``sign --prepare``), the token's machine signs (``sign --complete``), the hub embeds and
validates (``sign --embed``); then the clerk issues the document as usual."""

from __future__ import annotations

import json

import pytest

from signing.stamping.specimens import draft_decision_pdf, seal_png, signature_png
from tests.signing import decree30_support as support


@pytest.fixture()
def hub(tmp_path, dev_pki):
    """The hub's files: the prepared draft, the images and the leader's certificate chain
    (what the hub knows of the leader: certificate, then issuer)."""
    from tests.helpers.cli import run_cli

    (tmp_path / "draft.pdf").write_bytes(draft_decision_pdf())
    done = run_cli("prepare", tmp_path / "draft.pdf", "-o", tmp_path / "prepared.pdf")
    assert done.returncode == 0, done.stderr
    (tmp_path / "sig.png").write_bytes(signature_png())
    (tmp_path / "seal.png").write_bytes(seal_png())
    (tmp_path / "leader-chain.pem").write_bytes(
        dev_pki.cert("leader-an").read_bytes() + dev_pki.cert("gov-ca").read_bytes())
    return tmp_path


def trust(pki) -> list:
    return [arg for root in pki.trust_roots for arg in ("--trust", root)]


def prepare(cli, pki, hub):
    done = cli("sign", hub / "prepared.pdf", "-o", hub / "pending.pdf", "--prepare",
               "--cert", hub / "leader-chain.pem", "--profile", "leader",
               "--image", hub / "sig.png", *trust(pki))
    assert done.returncode == 0, done.stderr
    return hub / "pending.pdf", hub / "pending.pdf.request.json"


def test_prepare_complete_embed_with_token_then_issue(cli, pki_services, softhsm_token, hub):
    pending, request = prepare(cli, pki_services, hub)
    data = json.loads(request.read_text())
    assert data["role"] == "leader" and data["signed_attributes"]

    # on the leader's PC: only the request and the token are needed
    done = cli("sign", request, "-o", hub / "leader.p7s", "--complete",
               *softhsm_token.key_args("leader-an"))
    assert done.returncode == 0, done.stderr

    done = cli("sign", pending, "-o", hub / "leader.pdf", "--embed", hub / "leader.p7s",
               *trust(pki_services))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "TOTAL-PASSED" in done.stdout
    [leader] = support.verify_json(cli, hub / "leader.pdf", pki_services.trust_roots)
    assert leader["role"] == "leader" and leader["indication"] == "TOTAL-PASSED"
    assert leader["signer"]["common_name"] == "Nguyễn Văn An"
    assert support.pixels_box(support.render(hub / "leader.pdf"), support.is_blue) is not None

    # the organization key is on the token as well (an HSM in the clerk's office)
    done = cli("issue", hub / "leader.pdf", "-o", hub / "issued.pdf",
               *softhsm_token.key_args("org-h41"), "--seal", hub / "seal.png",
               "--number", "7", "--notation", "QĐ-UBND", "--place", "Hà Nội",
               "--date", "2026-02-03", *trust(pki_services))
    assert done.returncode == 0, done.stderr
    leader, organization = support.verify_json(cli, hub / "issued.pdf", pki_services.trust_roots)
    assert (leader["indication"], leader["modification_level"]) == ("TOTAL-PASSED",
                                                                     "FORM_FILLING")
    assert (organization["role"], organization["coverage"]) == ("organization", "ENTIRE_FILE")
    assert "Hà Nội, ngày 03 tháng 02 năm 2026" in support.pdftotext(hub / "issued.pdf")


def test_complete_refuses_another_key(cli, pki_services, softhsm_token, hub):
    _, request = prepare(cli, pki_services, hub)
    done = cli("sign", request, "-o", hub / "wrong.p7s", "--complete",
               *softhsm_token.key_args("leader-binh"))
    assert done.returncode == 2
    assert "not the one the document was prepared for" in done.stderr
    assert not (hub / "wrong.p7s").exists()


def test_embed_refuses_a_signature_for_another_request(cli, pki_services, softhsm_token, hub):
    pending, request = prepare(cli, pki_services, hub)
    first_request = hub / "first.request.json"
    request.replace(first_request)
    done = cli("sign", first_request, "-o", hub / "first.p7s", "--complete",
               *softhsm_token.key_args("leader-an"))
    assert done.returncode == 0, done.stderr
    # the hub prepares again (new time, new digest): the first signature does not fit
    pending, request = prepare(cli, pki_services, hub)
    done = cli("sign", pending, "-o", hub / "out.pdf", "--embed", hub / "first.p7s",
               *trust(pki_services))
    assert done.returncode == 2
    assert "does not answer this signing request" in done.stderr
    assert not (hub / "out.pdf").exists()


def test_embed_refuses_a_changed_prepared_pdf(cli, pki_services, softhsm_token, hub):
    pending, request = prepare(cli, pki_services, hub)
    done = cli("sign", request, "-o", hub / "sig.p7s", "--complete",
               *softhsm_token.key_args("leader-an"))
    assert done.returncode == 0, done.stderr
    data = bytearray(pending.read_bytes())
    data[200] ^= 1  # inside the range the signature covers
    pending.write_bytes(bytes(data))
    done = cli("sign", pending, "-o", hub / "out.pdf", "--embed", hub / "sig.p7s",
               *trust(pki_services))
    assert done.returncode == 2 and "changed after the request" in done.stderr


def test_malformed_request_is_one_line_error(cli, softhsm_token, tmp_path):
    request = tmp_path / "bad.json"
    request.write_text(json.dumps({"format": "edochub-signing-request/1", "role": "leader"}))
    done = cli("sign", request, "-o", tmp_path / "sig.p7s", "--complete",
               *softhsm_token.key_args("leader-an"))
    assert done.returncode == 2 and "malformed signing request" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_embed_extends_to_long_term_level(cli, pki_services, softhsm_token, hub, level):
    """The token's machine time-stamps (B-T); the hub embeds and extends the signature to
    B-LT/B-LTA with the preservation code, then validates it at that level."""
    pending, request = prepare(cli, pki_services, hub)
    done = cli("sign", request, "-o", hub / "leader.p7s", "--complete",
               "--tsa", pki_services.tsa_url, *softhsm_token.key_args("leader-an"))
    assert done.returncode == 0, done.stderr

    done = cli("sign", pending, "-o", hub / "leader.pdf", "--embed", hub / "leader.p7s",
               "--level", level, "--tsa", pki_services.tsa_url, *trust(pki_services))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"TOTAL-PASSED, level {level}" in done.stdout
    [leader] = support.verify_json(cli, hub / "leader.pdf", pki_services.trust_roots)
    assert (leader["role"], leader["indication"], leader["level"]) == \
        ("leader", "TOTAL-PASSED", level)


def test_embed_extends_a_b_b_signature_only_through_a_document_timestamp(
        cli, pki_services, softhsm_token, hub):
    """A B-B completion has no proof of existence of its own: without a time-stamping service
    it cannot be extended (one line, nothing written); with one, a document time-stamp gives
    that proof and the signature reaches B-LT."""
    pending, request = prepare(cli, pki_services, hub)
    done = cli("sign", request, "-o", hub / "leader.p7s", "--complete",
               *softhsm_token.key_args("leader-an"))
    assert done.returncode == 0, done.stderr
    done = cli("sign", pending, "-o", hub / "leader.pdf", "--embed", hub / "leader.p7s",
               "--level", "B-LT", *trust(pki_services))
    assert done.returncode == 2
    assert "B-B (no time-stamp)" in done.stderr and len(done.stderr.splitlines()) == 1
    assert not (hub / "leader.pdf").exists()
    done = cli("sign", pending, "-o", hub / "leader.pdf", "--embed", hub / "leader.p7s",
               "--level", "B-LT", "--tsa", pki_services.tsa_url, *trust(pki_services))
    assert done.returncode == 0, done.stderr
    assert "TOTAL-PASSED, level B-LT" in done.stdout

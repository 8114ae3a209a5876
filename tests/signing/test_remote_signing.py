"""Remote signing on ``edochub sign`` (``--csc-url``/``--csc-credential``/``--csc-auth-env``)
against ``certomancer-csc-dummy`` serving the development PKI on loopback (``csc_server``):
every Decree 30 profile and the levels B-B, B-T and B-LTA validate TOTAL-PASSED; a wrong
credential, a wrong PIN or a missing one is one line, exit 2, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edochub.cli import main
from signing.stamping.specimens import draft_decision_pdf, seal_png, signature_png
from tests.pdf_samples import write_simple_pdf
from tests.remote_services import credential, csc_service

PIN_ENV = "EDOCHUB_TEST_CSC_PIN"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("remote")
    paths = {"draft": folder / "du-thao.pdf", "signature": folder / "chu-ky.png",
             "seal": folder / "con-dau.png"}
    paths["draft"].write_bytes(draft_decision_pdf())
    paths["signature"].write_bytes(signature_png())
    paths["seal"].write_bytes(seal_png())
    return paths


@pytest.fixture()
def remote_args(csc_server, monkeypatch):
    """``remote_args(label, pin=None)``: the key options for credential ``label``, its PIN
    (or ``pin``) put in :data:`PIN_ENV` for this test."""
    def args(label: str, pin: str | None = None) -> list[str]:
        monkeypatch.setenv(PIN_ENV, csc_server.pins.get(credential(label), "") if pin is None
                           else pin)
        return ["--csc-url", csc_server.url, "--csc-credential", credential(label),
                "--csc-auth-env", PIN_ENV]
    return args


def level_args(pki, level: str) -> list[str]:
    args = ["--level", level]
    if level != "B-B":
        args += ["--tsa", pki.tsa_url]
    for root in pki.trust_roots:
        args += ["--trust", str(root)]
    return args


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def signatures(capsys, pki, pdf: Path) -> list[dict]:
    code, out, err = run(capsys, "verify", pdf, "--json",
                         *[a for r in pki.trust_roots for a in ("--trust", r)])
    assert out, err
    return json.loads(out)["files"][0]["signatures"]


def signature_algorithm(pdf: Path) -> str:
    """The newest signature's algorithm as its CMS SignerInfo names it."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    with pdf.open("rb") as stream:
        embedded = PdfFileReader(stream).embedded_regular_signatures[-1]
        return embedded.signer_info["signature_algorithm"]["algorithm"].native


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LTA"])
def test_leader_signs_remotely_at_each_level(capsys, remote_args, pki_services, files,
                                             tmp_path, level):
    signed = tmp_path / "leader.pdf"
    code, out, err = run(capsys, "sign", files["draft"], "-o", signed,
                         *remote_args("leader-an"), *level_args(pki_services, level),
                         "--profile", "leader", "--image", files["signature"])
    assert code == 0, err
    [leader] = signatures(capsys, pki_services, signed)
    assert (leader["indication"], leader["role"], leader["level"]) == \
        ("TOTAL-PASSED", "leader", level)
    assert leader["signer"]["common_name"] == "Nguyễn Văn An"
    # the service offers RSASSA-PSS for the RSA key: the signature uses it
    assert signature_algorithm(signed) == "rsassa_pss"


def test_organization_seals_a_remotely_signed_leader_signature(capsys, remote_args,
                                                               pki_services, files, tmp_path):
    leader = tmp_path / "leader.pdf"
    code, _, err = run(capsys, "sign", files["draft"], "-o", leader,
                       *remote_args("leader-an"), *level_args(pki_services, "B-B"),
                       "--profile", "leader", "--image", files["signature"])
    assert code == 0, err
    sealed = tmp_path / "sealed.pdf"
    code, _, err = run(capsys, "sign", leader, "-o", sealed,
                       *remote_args("org-h41"), *level_args(pki_services, "B-T"),
                       "--profile", "organization", "--image", files["seal"])
    assert code == 0, err
    first, second = signatures(capsys, pki_services, sealed)
    assert (first["role"], first["indication"]) == ("leader", "TOTAL-PASSED")
    assert (second["role"], second["indication"], second["level"]) == \
        ("organization", "TOTAL-PASSED", "B-T")
    assert second["signer"]["organization_identifier"] == "000.00.00.H41"


def test_pkcs1v15_on_request_with_a_remote_key(capsys, remote_args, pki_services, files,
                                               tmp_path):
    """``--rsa-padding pkcs1v15`` holds for a remote key too, though the service offers PSS."""
    signed = tmp_path / "v15.pdf"
    code, _, err = run(capsys, "sign", files["draft"], "-o", signed,
                       *remote_args("leader-an"), *level_args(pki_services, "B-B"),
                       "--rsa-padding", "pkcs1v15")
    assert code == 0, err
    assert signature_algorithm(signed) == "sha256_rsa"  # CMS names PKCS#1 v1.5 so
    [signature] = signatures(capsys, pki_services, signed)
    assert signature["indication"] == "TOTAL-PASSED"
    assert [f["code"] for f in signature["findings"]] == ["rsa-pkcs1v15"]


@pytest.mark.parametrize(("profile", "options"), [
    ("attachment", ("--number-notation", "05/QĐ-UBND")),
    ("copy", ("--copy-form", "SAO Y")),
])
def test_attachment_and_copy_sign_remotely(capsys, remote_args, pki_services, tmp_path,
                                           profile, options):
    source = write_simple_pdf(tmp_path / "in.pdf", pages=1)
    signed = tmp_path / "out.pdf"
    code, _, err = run(capsys, "sign", source, "-o", signed,
                       *remote_args("org-h41"), *level_args(pki_services, "B-B"),
                       "--profile", profile, *options)
    assert code == 0, err
    [signature] = signatures(capsys, pki_services, signed)
    assert (signature["indication"], signature["role"]) == ("TOTAL-PASSED", profile)


def test_ecdsa_credential_without_profile(capsys, remote_args, pki_services, files, tmp_path):
    signed = tmp_path / "binh.pdf"
    code, _, err = run(capsys, "sign", files["draft"], "-o", signed,
                       *remote_args("leader-binh"), *level_args(pki_services, "B-T"))
    assert code == 0, err
    [signature] = signatures(capsys, pki_services, signed)
    assert (signature["indication"], signature["level"]) == ("TOTAL-PASSED", "B-T")
    assert signature_algorithm(signed) == "sha256_ecdsa"


def test_issue_seals_with_a_remote_organization_key(capsys, remote_args, pki_services, files,
                                                    tmp_path):
    prepared, leader, issued = (tmp_path / n for n in ("prepared.pdf", "leader.pdf",
                                                       "issued.pdf"))
    assert run(capsys, "prepare", files["draft"], "-o", prepared)[0] == 0
    code, _, err = run(capsys, "sign", prepared, "-o", leader,
                       *remote_args("leader-an"), *level_args(pki_services, "B-B"),
                       "--profile", "leader", "--image", files["signature"])
    assert code == 0, err
    code, out, err = run(capsys, "issue", leader, "-o", issued,
                         *remote_args("org-h41"), *level_args(pki_services, "B-T"),
                         "--seal", files["seal"], "--number", "7", "--notation", "QĐ-UBND",
                         "--place", "Hà Nội", "--date", "2026-01-05")
    assert code == 0, err
    first, second = signatures(capsys, pki_services, issued)
    assert (first["indication"], first["modification_level"]) == ("TOTAL-PASSED",
                                                                   "FORM_FILLING")
    assert (second["role"], second["indication"]) == ("organization", "TOTAL-PASSED")


@pytest.mark.parametrize(("label", "pin", "words"), [
    ("leader-an", "0000", "the authorisation was refused (Invalid PIN)"),
    ("no-such-official", "0000", "has no credential 'edochub-dev/no-such-official'"),
])
def test_refused_remote_signing_writes_nothing(capsys, remote_args, pki_services, files,
                                               tmp_path, label, pin, words):
    signed = tmp_path / "out.pdf"
    code, out, err = run(capsys, "sign", files["draft"], "-o", signed, *remote_args(label, pin),
                         *level_args(pki_services, "B-T"), "--profile", "leader",
                         "--image", files["signature"])
    assert code == 2
    assert words in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert pin not in err
    assert not list(tmp_path.iterdir())


def test_unset_pin_variable_and_unreachable_service(capsys, csc_server, files, tmp_path):
    signed = tmp_path / "out.pdf"
    code, _, err = run(capsys, "sign", files["draft"], "-o", signed, "--csc-url",
                       csc_server.url, "--csc-credential", credential("leader-an"),
                       "--csc-auth-env", "EDOCHUB_TEST_NO_SUCH_VARIABLE")
    assert code == 2 and "EDOCHUB_TEST_NO_SUCH_VARIABLE" in err and err.count("\n") == 1
    from tests.helpers.net import free_port

    code, _, err = run(capsys, "sign", files["draft"], "-o", signed, "--csc-url",
                       f"http://127.0.0.1:{free_port()}", "--csc-credential",
                       credential("leader-an"))
    assert code == 2 and "cannot reach the remote-signing service" in err, err
    assert err.count("\n") == 1
    code, _, err = run(capsys, "sign", files["draft"], "-o", signed, "--csc-url",
                       csc_server.url)
    assert code == 2 and "--csc-credential" in err
    assert not signed.exists()


def test_service_asking_for_an_access_token(capsys, pki_services, files, tmp_path,
                                            monkeypatch):
    """A CSC service protected by OAuth2: the token comes from ``--csc-token-env``."""
    pins = {credential("leader-an"): "pin-an-2468"}
    monkeypatch.setenv(PIN_ENV, "pin-an-2468")
    monkeypatch.setenv("EDOCHUB_TEST_CSC_TOKEN", "access-token-of-the-test")
    signed = tmp_path / "out.pdf"
    with csc_service(pki_services, pins, access_token="access-token-of-the-test") as url:
        key = ["--csc-url", url, "--csc-credential", credential("leader-an"),
               "--csc-auth-env", PIN_ENV]
        code, _, err = run(capsys, "sign", files["draft"], "-o", signed, *key,
                           *level_args(pki_services, "B-B"))
        assert code == 2 and "refused access (HTTP 401): check the access token" in err
        assert err.count("\n") == 1 and not signed.exists()
        code, _, err = run(capsys, "sign", files["draft"], "-o", signed, *key,
                           "--csc-token-env", "EDOCHUB_TEST_CSC_TOKEN",
                           *level_args(pki_services, "B-B"))
    assert code == 0, err
    [signature] = signatures(capsys, pki_services, signed)
    assert signature["indication"] == "TOTAL-PASSED"

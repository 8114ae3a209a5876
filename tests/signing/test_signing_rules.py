"""Signing under the 2025 rules (Circular 15/2025/TT-BKHCN): RSASSA-PSS by default for every
signature edochub makes (plain, Decree 30 profiles, issue, split, batch, PKCS#11), PKCS#1 v1.5
on request; keys and digests under the rules refused before signing and flagged when validated.

Witnesses outside edochub: asn1crypto reads each /Contents directly
(:func:`tests.signing.weak_keys.cms_algorithms`) and poppler's ``pdfsig`` checks every
signature value.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest

from edochub.cli import main
from signing.stamping.specimens import draft_decision_pdf, seal_png, signature_png
from tests.helpers.signing import trust_args
from tests.pdf_samples import write_simple_pdf
from tests.signing.weak_keys import WEAK_NAME, cms_algorithms, pyhanko_sign, weak_p12


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def pdfsig_verdicts(pdf: Path) -> list[str]:
    """poppler's "Signature Validation" line per signature; document time-stamps (which
    pdfsig reads as "Signature Type: unknown" and cannot check) left out."""
    done = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True, check=False)
    blocks = done.stdout.split("Signature #")[1:]
    return [line.split(":", 1)[1].strip() for block in blocks
            if "Signature Type: ETSI.CAdES.detached" in block
            for line in block.splitlines() if "Signature Validation:" in line]


def assert_pss_and_valid(pdf: Path, count: int) -> None:
    algorithms = cms_algorithms(pdf.read_bytes())
    assert [name for name, _ in algorithms] == ["rsassa_pss"] * count, algorithms
    assert pdfsig_verdicts(pdf) == ["Signature is Valid."] * count


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("images")
    (folder / "draft.pdf").write_bytes(draft_decision_pdf())
    (folder / "chu-ky.png").write_bytes(signature_png())
    (folder / "con-dau.png").write_bytes(seal_png())
    return {"draft": folder / "draft.pdf", "signature": folder / "chu-ky.png",
            "seal": folder / "con-dau.png"}


def test_every_profile_signs_rsassa_pss_and_pdfsig_accepts_it(capsys, pki_services, images,
                                                              tmp_path):
    pki = pki_services
    p12 = lambda label: ["--p12", pki.p12(label)]  # noqa: E731
    prepared, leader, issued = (tmp_path / n for n in ("p.pdf", "l.pdf", "i.pdf"))
    assert run(capsys, "prepare", images["draft"], "-o", prepared)[0] == 0
    assert run(capsys, "sign", prepared, "-o", leader, *p12("leader-an"), "--profile", "leader",
               "--image", images["signature"])[0] == 0
    assert_pss_and_valid(leader, 1)
    code, _, err = run(capsys, "issue", leader, "-o", issued, *p12("org-h41"), "--seal",
                       images["seal"], "--number", "7", "--notation", "QĐ-UBND", "--place",
                       "Hà Nội", *trust_args(pki))
    assert code == 0, err
    assert_pss_and_valid(issued, 2)

    plain = write_simple_pdf(tmp_path / "plain.pdf")
    for profile, extra in (("attachment", ["--number-notation", "07/QĐ-UBND"]),
                           ("copy", ["--copy-form", "SAO Y"])):
        target = tmp_path / f"{profile}.pdf"
        code, _, err = run(capsys, "sign", plain, "-o", target, *p12("org-h41"), "--profile",
                           profile, *extra, "--level", "B-LTA", "--tsa", pki.tsa_url,
                           *trust_args(pki))
        assert code == 0, err
        assert_pss_and_valid(target, 1)


def test_split_and_batch_signatures_are_rsassa_pss(capsys, pki_services, tmp_path):
    pki = pki_services
    plain = write_simple_pdf(tmp_path / "plain.pdf")
    prepared, signature, signed = (tmp_path / n for n in ("p.pdf", "sig.der", "s.pdf"))
    chain = tmp_path / "chain.pem"
    chain.write_bytes(pki.cert("leader-an").read_bytes() + pki.cert("gov-ca").read_bytes())
    code, _, err = run(capsys, "sign", plain, "-o", prepared, "--prepare", "--cert", chain,
                       *trust_args(pki))
    assert code == 0, err
    assert run(capsys, "sign", tmp_path / "p.pdf.request.json", "-o", signature, "--complete",
               "--p12", pki.p12("leader-an"))[0] == 0
    code, out, err = run(capsys, "sign", prepared, "-o", signed, "--embed", signature,
                         *trust_args(pki))
    assert code == 0, out + err
    assert_pss_and_valid(signed, 1)

    batch_in, batch_out = tmp_path / "in", tmp_path / "out"
    batch_in.mkdir()
    for name in ("a.pdf", "b.pdf"):
        write_simple_pdf(batch_in / name)
    assert run(capsys, "sign-batch", batch_in, batch_out, "--p12", pki.p12("org-h41"))[0] == 0
    for name in ("a.pdf", "b.pdf"):
        assert_pss_and_valid(batch_out / name, 1)


def test_pkcs1v15_on_request_validates_with_a_finding(capsys, pki_services, tmp_path):
    pki = pki_services
    target = tmp_path / "v15.pdf"
    code, _, err = run(capsys, "sign", write_simple_pdf(tmp_path / "in.pdf"), "-o", target,
                       "--p12", pki.p12("leader-an"), "--rsa-padding", "pkcs1v15")
    assert code == 0, err
    assert cms_algorithms(target.read_bytes()) == [("sha256_rsa", "sha256")]
    assert pdfsig_verdicts(target) == ["Signature is Valid."]
    code, out, _ = run(capsys, "verify", target, "--json", *trust_args(pki))
    [signature] = json.loads(out)["files"][0]["signatures"]
    assert code == 0 and signature["indication"] == "TOTAL-PASSED"
    assert signature["signature_algorithm"] == "rsassa_pkcs1v15"
    assert [f["code"] for f in signature["findings"]] == ["rsa-pkcs1v15"]


def test_token_signs_pss_with_its_own_mechanism(capsys, pki_services, softhsm_token, tmp_path):
    target = tmp_path / "token.pdf"
    code, _, err = run(capsys, "sign", write_simple_pdf(tmp_path / "in.pdf"), "-o", target,
                       *softhsm_token.key_args("org-h41"))
    assert code == 0, err
    assert err == ""  # SoftHSM2 has CKM_SHA256_RSA_PKCS_PSS: no fallback notice
    assert_pss_and_valid(target, 1)


def test_token_without_pss_falls_back_to_v15_and_says_so(pki_services, softhsm_token, tmp_path,
                                                         caplog):
    """SoftHSM2 does have PSS: the token's mechanism list is narrowed to stand for a token
    that lacks it; the key, the session and the signature are the real token's."""
    from signing.pades.keys import Pkcs11Source, open_key
    from signing.pades.signer import PadesSigner, SignatureOptions

    source = Pkcs11Source(softhsm_token.module, softhsm_token.token_label, "org-h41",
                          softhsm_token.pin_env)
    target = tmp_path / "v15.pdf"
    with open_key(source) as key:
        assert "sha256" in key.pss_digests
        older = dataclasses.replace(key, pss_digests=frozenset())
        with caplog.at_level("WARNING", logger="edochub.notices"):
            PadesSigner(older, SignatureOptions()).sign_file(
                write_simple_pdf(tmp_path / "in.pdf"), target)
    assert [r.getMessage() for r in caplog.records] == [
        "the token or signing service has no RSASSA-PSS mechanism: signing with PKCS#1 v1.5 "
        "padding instead (validators will note it)"]
    assert cms_algorithms(target.read_bytes()) == [("sha256_rsa", "sha256")]
    assert pdfsig_verdicts(target) == ["Signature is Valid."]


def test_weak_key_and_sha1_are_refused_before_signing(capsys, pki_services, tmp_path):
    source, target = write_simple_pdf(tmp_path / "in.pdf"), tmp_path / "out.pdf"
    weak = weak_p12(pki_services, tmp_path)
    code, out, err = run(capsys, "sign", source, "-o", target, "--p12", weak)
    assert (code, out) == (2, "")
    assert err == (f"edochub: refusing to sign with the key of {WEAK_NAME}: the RSA key has "
                   "1024 bits, under the 2048 the rules require (Circular 15/2025/TT-BKHCN)\n")
    code, out, err = run(capsys, "sign", source, "-o", target, "--p12",
                         pki_services.p12("leader-an"), "--digest", "sha1")
    assert (code, out) == (2, "")
    assert err == ("edochub: refusing to sign: the SHA-1 digest is no longer allowed (SHA-256 "
                   "or stronger) (Circular 15/2025/TT-BKHCN)\n")
    assert not target.exists()


def test_small_ecdsa_key_is_refused(capsys, pki_services, tmp_path):
    p192 = weak_p12(pki_services, tmp_path, curve="secp192r1")
    code, _, err = run(capsys, "sign", write_simple_pdf(tmp_path / "in.pdf"), "-o",
                       tmp_path / "out.pdf", "--p12", p192)
    assert code == 2
    assert "the ECDSA key has 192 bits, under the 256 the rules require" in err
    assert len(err.splitlines()) == 1


def test_weak_signatures_made_elsewhere_are_flagged(capsys, pki_services, tmp_path):
    pki = pki_services
    data = write_simple_pdf(tmp_path / "in.pdf").read_bytes()
    files = {"weak-key": pyhanko_sign(weak_p12(pki, tmp_path), data),
             "weak-digest": pyhanko_sign(pki.p12("leader-an"), data, digest="sha1"),
             "pss": pyhanko_sign(pki.p12("leader-an"), data, pss=True),
             "v15": pyhanko_sign(pki.p12("leader-an"), data)}
    for name, signed in files.items():
        (tmp_path / f"{name}.pdf").write_bytes(signed)
    code, out, _ = run(capsys, "verify", *(tmp_path / f"{n}.pdf" for n in files), "--json",
                       *trust_args(pki), "--report", tmp_path / "reports")
    assert code == 3
    results = {Path(f["path"]).stem: f["signatures"][0] for f in json.loads(out)["files"]}
    weak_key, weak_digest, pss, v15 = (results[n] for n in ("weak-key", "weak-digest", "pss",
                                                            "v15"))
    for weak, code_ in ((weak_key, "weak-key"), (weak_digest, "weak-digest")):
        assert weak["indication"] == "INDETERMINATE"
        assert weak["sub_indication"].startswith("CRYPTO_CONSTRAINTS_FAILURE")
        assert code_ in [f["code"] for f in weak["findings"]]
    assert weak_key["key"] == {"type": "rsa", "size": 1024}
    assert weak_digest["digest_algorithm"] == "sha1"
    assert (pss["indication"], pss["signature_algorithm"], pss["key"], pss["findings"]) == (
        "TOTAL-PASSED", "rsassa_pss", {"type": "rsa", "size": 2048}, [])
    # PKCS#1 v1.5 from plain pyHanko (as tokens in service make them): valid, with a finding
    assert (v15["indication"], v15["signature_algorithm"]) == ("TOTAL-PASSED", "rsassa_pkcs1v15")
    assert [f["code"] for f in v15["findings"]] == ["rsa-pkcs1v15"]
    assert v15["problems"] == ["the RSA signature uses PKCS#1 v1.5 padding (still accepted); "
                               "the rules in force (Circular 15/2025/TT-BKHCN) want RSASSA-PSS"]
    v15_report = (tmp_path / "reports" / "v15.report.html").read_text()
    assert "Chữ ký RSA dùng lược đồ PKCS#1 v1.5 (vẫn được chấp nhận)" in v15_report
    # the report speaks Vietnamese by default
    report = (tmp_path / "reports" / "weak-key.report.html").read_text()
    assert "Khóa RSA của người ký chỉ dài 1024 bit" in report
    assert "Thông tư 15/2025/TT-BKHCN" in report
    assert "RSA PKCS#1 v1.5, SHA256, khóa RSA 1024 bit" in report

"""Each PAdES level signs and validates, with RSA and ECDSA keys, from a PKCS#12 file and from a
PKCS#11 token; poppler's pdfsig is the outside witness of every produced signature."""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers.signing import p12_args, sign_args, verify_json

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


def pdfsig(path) -> str:
    # -nocert: pdfsig checks the signature itself; trust is our validator's job (pdfsig would
    # need the roots in an NSS database)
    result = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True)
    return result.stdout


def assert_pdfsig_witness(path, level: str) -> None:
    report = pdfsig(path)
    first = report.split("Signature #2")[0]
    assert "Signature #1" in first, report
    assert "Signature Type: ETSI.CAdES.detached" in first
    assert "Signature Validation: Signature is Valid." in first
    if level == "B-LTA":
        # the signature's revision is followed by the document time-stamp, which covers the
        # whole file (pdfsig cannot check RFC 3161 document time-stamps themselves)
        assert "Signature #2" in report
        assert "Total document signed" in report.split("Signature #2")[1]
    else:
        assert "Total document signed" in first


@pytest.mark.parametrize("level", LEVELS)
def test_each_level_signs_and_validates(cli, pki_services, sample, tmp_path, level):
    pki = pki_services
    out = tmp_path / f"signed-{level}.pdf"
    result = cli("sign", sample, "-o", out, *p12_args(pki, "org-h41"), *sign_args(pki, level))
    assert result.returncode == 0, result.stderr
    code, report = verify_json(cli, pki, out)
    assert code == 0, report
    [file] = report["files"]
    [sig] = file["signatures"]
    assert sig["indication"] == "TOTAL-PASSED"
    assert sig["sub_indication"] is None
    assert sig["level"] == level
    assert sig["signer"]["organization_identifier"] == "000.00.00.H41"
    assert sig["trust_anchor"] == "DEV ONLY Vietnam Government Root CA"
    assert (sig["timestamp_time"] is None) == (level == "B-B")
    assert sig["signing_time"] is not None
    if level == "B-LTA":
        assert (sig["coverage"], sig["modification_level"]) == ("ENTIRE_REVISION", "LTA_UPDATES")
    else:
        assert (sig["coverage"], sig["modification_level"]) == ("ENTIRE_FILE", "NONE")
    assert_pdfsig_witness(out, level)


@pytest.mark.parametrize("level", ["B-B", "B-LTA"])
def test_ecdsa_key(cli, pki_services, sample, tmp_path, level):
    pki = pki_services
    out = tmp_path / "ecdsa.pdf"
    result = cli("sign", sample, "-o", out, *p12_args(pki, "leader-binh"), *sign_args(pki, level))
    assert result.returncode == 0, result.stderr
    code, report = verify_json(cli, pki, out)
    sig = report["files"][0]["signatures"][0]
    assert (code, sig["indication"], sig["level"]) == (0, "TOTAL-PASSED", level)
    assert sig["signer"]["common_name"] == "Trần Thị Bình"
    assert_pdfsig_witness(out, level)


@pytest.mark.parametrize("label", ["leader-an", "leader-binh"])
def test_pkcs11_token_signs(cli, pki_services, softhsm_token, sample, tmp_path, label):
    pki = pki_services
    out = tmp_path / "token.pdf"
    result = cli("sign", sample, "-o", out, *softhsm_token.key_args(label),
                 *sign_args(pki, "B-T"), "--field", "ChuKyLanhDao",
                 env={"SOFTHSM2_CONF": str(softhsm_token.conf)})
    assert result.returncode == 0, result.stderr
    code, report = verify_json(cli, pki, out)
    sig = report["files"][0]["signatures"][0]
    assert (code, sig["indication"], sig["level"], sig["field"]) == (
        0, "TOTAL-PASSED", "B-T", "ChuKyLanhDao")
    assert_pdfsig_witness(out, "B-T")


def test_second_signature_is_form_filling_for_the_first(cli, pki_services, sample, tmp_path):
    """Leader signs, then the organization seals: the leader's signature sees the seal as an
    allowed change (FORM_FILLING) and both pass."""
    pki = pki_services
    leader = tmp_path / "leader.pdf"
    sealed = tmp_path / "sealed.pdf"
    assert cli("sign", sample, "-o", leader, *p12_args(pki, "leader-an"),
               *sign_args(pki, "B-T")).returncode == 0
    result = cli("sign", leader, "-o", sealed, *p12_args(pki, "org-h41"), *sign_args(pki, "B-T"))
    assert result.returncode == 0, result.stderr
    code, report = verify_json(cli, pki, sealed)
    first, second = report["files"][0]["signatures"]
    assert code == 0
    assert (first["field"], first["modification_level"]) == ("Signature1", "FORM_FILLING")
    assert (second["field"], second["modification_level"]) == ("Signature2", "NONE")

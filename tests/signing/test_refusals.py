"""A revoked or expired signer is refused when signing, with a one-line reason; a file signed
with such a certificate anyway (by pyHanko directly) gets the ETSI indication it deserves."""

from __future__ import annotations

import pytest

from tests.helpers.signing import force_sign, p12_args, verify_json
from tests.pdf_samples import simple_pdf


@pytest.mark.parametrize(("label", "reason"), [
    ("official-revoked", "revoked"),
    ("official-expired", "expired on 2023-01-01"),
])
def test_signing_is_refused(cli, pki_services, sample, tmp_path, label, reason):
    out = tmp_path / "refused.pdf"
    result = cli("sign", sample, "-o", out, *p12_args(pki_services, label))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert reason in line and "Traceback" not in result.stderr
    assert not out.exists()


def test_batch_signing_is_refused_before_writing(cli, pki_services, tmp_path):
    indir = tmp_path / "in"
    indir.mkdir()
    (indir / "a.pdf").write_bytes(simple_pdf())
    result = cli("sign-batch", indir, tmp_path / "out", *p12_args(pki_services,
                                                                  "official-revoked"))
    assert result.returncode == 2
    assert "revoked" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "out" / "a.pdf").exists()


# (signer, signature time-stamp, content time-stamp) -> (indication, sub-indication).
# ETSI EN 319 102-1: only a content time-stamp proves the signature was made after the
# revocation (TOTAL-FAILED/REVOKED) or expiry; otherwise no proof of existence can tell.
CASES = [
    ("official-revoked", False, False, "INDETERMINATE", "REVOKED_NO_POE"),
    ("official-revoked", True, False, "INDETERMINATE", "REVOKED_NO_POE"),
    ("official-revoked", True, True, "TOTAL-FAILED", "REVOKED"),
    ("official-expired", False, False, "INDETERMINATE", "OUT_OF_BOUNDS_NO_POE"),
    ("official-expired", True, False, "INDETERMINATE", "OUT_OF_BOUNDS_NO_POE"),
    ("official-expired", True, True, "INDETERMINATE", "EXPIRED"),
]


@pytest.mark.parametrize(("label", "sig_ts", "content_ts", "indication", "sub"), CASES)
def test_forced_signature_gets_the_right_indication(cli, pki_services, tmp_path, label, sig_ts,
                                                    content_ts, indication, sub):
    path = tmp_path / "forced.pdf"
    path.write_bytes(force_sign(pki_services, label, simple_pdf(), signature_timestamp=sig_ts,
                                content_timestamp=content_ts))
    code, report = verify_json(cli, pki_services, path)
    sig = report["files"][0]["signatures"][0]
    assert (sig["indication"], sig["sub_indication"]) == (indication, sub)
    assert code == (1 if indication == "TOTAL-FAILED" else 3)
    assert sig["problems"], "the reason is stated in plain words"

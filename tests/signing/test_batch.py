"""``edochub sign-batch``: every PDF under a folder, failures reported, the rest signed."""

from __future__ import annotations

import pytest

from tests.helpers.signing import p12_args, verify_json
from tests.pdf_samples import simple_pdf


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_signs_all_and_reports_failures(cli, pki_services, tmp_path, workers):
    indir, outdir = tmp_path / "in", tmp_path / "out"
    (indir / "phu-luc").mkdir(parents=True)
    for n in range(3):
        (indir / f"van-ban-{n}.pdf").write_bytes(simple_pdf(f"document {n}"))
    (indir / "phu-luc" / "attachment.pdf").write_bytes(simple_pdf("attachment"))
    (indir / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not really a PDF")
    (indir / "notes.txt").write_text("ignored")

    result = cli("sign-batch", indir, outdir, *p12_args(pki_services, "org-h41"),
                 "--workers", str(workers))
    assert result.returncode == 1
    failures = [line for line in result.stderr.splitlines() if line.startswith("edochub:")]
    assert len(failures) == 1 and "broken.pdf" in failures[0] and "truncated" in failures[0]
    assert "Traceback" not in result.stderr
    signed = sorted(p.relative_to(outdir).as_posix() for p in outdir.rglob("*.pdf"))
    assert signed == ["phu-luc/attachment.pdf", "van-ban-0.pdf", "van-ban-1.pdf",
                      "van-ban-2.pdf"]
    code, report = verify_json(cli, pki_services, outdir)
    assert code == 0
    assert all(f["signatures"][0]["signer"]["organization_identifier"] == "000.00.00.H41"
               for f in report["files"])


def test_batch_all_good_exit_0_with_token(cli, pki_services, softhsm_token, tmp_path):
    indir = tmp_path / "in"
    indir.mkdir()
    for n in range(2):
        (indir / f"{n}.pdf").write_bytes(simple_pdf(f"sealed {n}"))
    result = cli("sign-batch", indir, tmp_path / "out", *softhsm_token.key_args("org-h41"),
                 "--level", "B-T", "--tsa", pki_services.tsa_url,
                 env={"SOFTHSM2_CONF": str(softhsm_token.conf)})
    assert result.returncode == 0, result.stderr
    assert "signed 2 of 2" in result.stdout
    code, report = verify_json(cli, pki_services, tmp_path / "out")
    assert code == 0 and {f["signatures"][0]["level"] for f in report["files"]} == {"B-T"}


def test_batch_input_must_be_a_folder(cli, pki_services, tmp_path):
    result = cli("sign-batch", tmp_path / "absent", tmp_path / "out",
                 *p12_args(pki_services, "org-h41"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"edochub: not a directory: {tmp_path / 'absent'}"

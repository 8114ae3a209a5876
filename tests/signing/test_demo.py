"""``edochub demo`` runs the sign-and-verify walk-through on a development PKI."""

from __future__ import annotations

from tests.conftest import free_port


def test_demo_signs_and_verifies(cli, tmp_path):
    pki_dir = tmp_path / "pki"
    built = cli("dev-pki", "build", "--dir", pki_dir,
                "--url-prefix", f"http://127.0.0.1:{free_port()}")
    assert built.returncode == 0, built.stderr
    result = cli("demo", "--pki-dir", pki_dir, "--dir", tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "TOTAL-PASSED" in result.stdout
    assert "level: B-LTA" in result.stdout
    assert "000.00.00.H41" in result.stdout
    assert (tmp_path / "out" / "cong-van-mau.signed.pdf").stat().st_size > 0

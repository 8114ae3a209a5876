"""Outside services failing while signing: a time-stamping service stopped (a closed loopback
port), answering 404 or too slow, and OCSP/CRL services answering errors. Each gives one line on
stderr naming the service and what happened, exit 2 and nothing written; ``--revocation soft``
signs when only the signer's revocation status is missing, and says so in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from edochub.cli import main
from signing import devpki
from signing.stamping.specimens import draft_decision_pdf, seal_png, signature_png
from tests.helpers.net import free_port
from tests.helpers.signing import trust_args
from tests.pdf_samples import write_simple_pdf
from tests.signing.service_doubles import misbehaving_service


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_failure(result: tuple[int, str, str], expected: str) -> None:
    code, out, err = result
    assert (code, out) == (2, ""), err
    assert err == f"edochub: {expected}\n"


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    return write_simple_pdf(tmp_path / "in.pdf")


def test_stopped_tsa(capsys, pki_services, sample, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/tsa"
    target = tmp_path / "out.pdf"
    assert_one_line_failure(
        run(capsys, "sign", sample, "-o", target, "--p12", pki_services.p12("leader-an"),
            "--level", "B-T", "--tsa", url),
        f"time-stamping service {url} is unreachable (connection refused)")
    assert not target.exists()


def test_tsa_answering_404(capsys, pki_services, sample, tmp_path):
    target = tmp_path / "out.pdf"
    with misbehaving_service(404) as base:
        url = f"{base}/tsa"
        assert_one_line_failure(
            run(capsys, "sign", sample, "-o", target, "--p12", pki_services.p12("leader-an"),
                "--level", "B-LTA", "--tsa", url, *trust_args(pki_services)),
            f"time-stamping service {url} answered HTTP 404 Not Found")
    assert not target.exists()


def test_slow_tsa_hits_the_time_limit(capsys, pki_services, sample, tmp_path):
    target = tmp_path / "out.pdf"
    with misbehaving_service(200, delay=3) as base:
        assert_one_line_failure(
            run(capsys, "sign", sample, "-o", target, "--p12", pki_services.p12("leader-an"),
                "--level", "B-T", "--tsa", base, "--service-timeout", "0.5"),
            f"time-stamping service {base} did not answer within 0.5 s")
    assert not target.exists()


def _prepared_draft(capsys, tmp_path: Path) -> tuple[Path, Path, Path]:  # noqa: ANN001
    """The Decree 30 draft prepared (``p.pdf``), with ``sig.png`` and ``seal.png`` beside it;
    the paths for the prepared draft, the leader's signature and the issued document."""
    (tmp_path / "d.pdf").write_bytes(draft_decision_pdf())
    (tmp_path / "sig.png").write_bytes(signature_png())
    (tmp_path / "seal.png").write_bytes(seal_png())
    prepared, leader, issued = (tmp_path / n for n in ("p.pdf", "l.pdf", "i.pdf"))
    assert run(capsys, "prepare", tmp_path / "d.pdf", "-o", prepared)[0] == 0
    return prepared, leader, issued


def test_issue_and_augment_with_a_broken_tsa_write_nothing(capsys, pki_services, tmp_path):
    pki = pki_services
    prepared, leader, issued = _prepared_draft(capsys, tmp_path)
    assert run(capsys, "sign", prepared, "-o", leader, "--p12", pki.p12("leader-an"),
               "--profile", "leader", "--image", tmp_path / "sig.png")[0] == 0
    with misbehaving_service(404) as base:
        assert_one_line_failure(
            run(capsys, "issue", leader, "-o", issued, "--p12", pki.p12("org-h41"), "--seal",
                tmp_path / "seal.png", "--number", "3", "--notation", "QĐ-UBND", "--place",
                "Hà Nội", "--level", "B-T", "--tsa", base, *trust_args(pki)),
            f"time-stamping service {base} answered HTTP 404 Not Found")
    assert not issued.exists()

    before = leader.read_bytes()
    url = f"http://127.0.0.1:{free_port()}/tsa"
    assert_one_line_failure(
        run(capsys, "augment", leader, "--to", "B-LTA", "--tsa", url, *trust_args(pki)),
        f"{leader}: time-stamping service {url} is unreachable (connection refused)")
    assert leader.read_bytes() == before


@pytest.fixture(scope="module")
def broken_revocation(tmp_path_factory) -> devpki.DevPki:
    """A PKI of its own whose certificates name OCSP/CRL services at a loopback address
    where a service answers 404 to everything (started by the tests)."""
    port = free_port()
    return devpki.build(tmp_path_factory.mktemp("pki-404"), f"http://127.0.0.1:{port}")


def test_revocation_services_answering_errors(capsys, broken_revocation, sample, tmp_path):
    pki = broken_revocation
    target = tmp_path / "out.pdf"
    with misbehaving_service(404, port=pki.host_port[1]):
        code, out, err = run(capsys, "sign", sample, "-o", target, "--p12", pki.p12("leader-an"))
        assert (code, out) == (2, "")
        assert err.startswith("edochub: cannot check the revocation status of Nguyễn Văn An's "
                              "certificate: ")
        assert "answered HTTP 404 Not Found" in err and len(err.splitlines()) == 1
        assert "/crls/" in err or "/ocsp/" in err
        assert not target.exists()

        code, out, err = run(capsys, "sign", sample, "-o", target, "--p12", pki.p12("leader-an"),
                             "--revocation", "soft")
        assert code == 0, err
        assert err.startswith("edochub: signing without the revocation status of Nguyễn Văn "
                              "An's certificate: ")
        assert len(err.splitlines()) == 1 and "answered HTTP 404" in err
        assert target.exists()


def test_slow_revocation_services_hit_the_time_limit(capsys, broken_revocation, sample,
                                                     tmp_path):
    pki = broken_revocation
    target = tmp_path / "out.pdf"
    with misbehaving_service(200, delay=3, port=pki.host_port[1]):
        code, out, err = run(capsys, "sign", sample, "-o", target, "--p12", pki.p12("leader-an"),
                             "--service-timeout", "0.5")
    assert (code, out) == (2, "")
    assert err.startswith("edochub: cannot check the revocation status of Nguyễn Văn An's "
                          "certificate: ")
    assert err.rstrip().endswith("did not answer within 0.5 s") and len(err.splitlines()) == 1
    assert not target.exists()


def test_issue_names_the_failing_revocation_service(capsys, broken_revocation, tmp_path):
    """The leader's signature cannot be checked: that is the service's fault, said as such."""
    pki = broken_revocation
    prepared, leader, issued = _prepared_draft(capsys, tmp_path)
    with misbehaving_service(404, port=pki.host_port[1]):
        assert run(capsys, "sign", prepared, "-o", leader, "--p12", pki.p12("leader-an"),
                   "--profile", "leader", "--image", tmp_path / "sig.png", "--revocation",
                   "soft")[0] == 0
        code, out, err = run(capsys, "issue", leader, "-o", issued, "--p12", pki.p12("org-h41"),
                             "--seal", tmp_path / "seal.png", "--number", "3", "--notation",
                             "QĐ-UBND", "--place", "Hà Nội", *trust_args(pki))
    assert (code, out) == (2, "")
    assert err.startswith("edochub: cannot check the revocation status of the signatures: ")
    assert "answered HTTP 404 Not Found" in err and len(err.splitlines()) == 1
    assert not issued.exists()


def test_time_stamp_requests_follow_the_environments_proxy_settings(pki_services, monkeypatch):
    """The client reads the proxy settings once per session, not on every request: a proxy
    named in the environment is still used (here one that is down: the token cannot be had),
    and a TSA listed in NO_PROXY is still reached directly."""
    import asyncio
    import hashlib

    from signing.errors import ServiceError
    from signing.services import TimeStamper

    digest = hashlib.sha256(b"edochub").digest()
    proxy = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(ServiceError, match="unreachable"):
        asyncio.run(TimeStamper(pki_services.tsa_url).async_timestamp(digest, "sha256"))

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    token = asyncio.run(TimeStamper(pki_services.tsa_url).async_timestamp(digest, "sha256"))
    assert token["content"]["encap_content_info"]["content"].parsed[
        "message_imprint"]["hashed_message"].native == digest

"""The development PKI: built by the command, served on loopback, loaded on a real token."""

from __future__ import annotations

import dataclasses
import socket
import urllib.request

import pytest
from asn1crypto import crl, ocsp, pem, x509

from signing import devpki
from tests.helpers.net import free_port


def _cert(path) -> x509.Certificate:
    _, _, der = pem.unarmor(path.read_bytes())
    return x509.Certificate.load(der)


def test_build_command_writes_marked_material(cli, tmp_path):
    result = cli("dev-pki", "build", "--dir", tmp_path / "pki",
                 "--url-prefix", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 0, result.stderr
    assert "DEV-ONLY" in result.stdout
    pki = devpki.DevPki.load(tmp_path / "pki")
    assert "NEVER" in (tmp_path / "pki" / "README-DEV-ONLY.txt").read_text()
    for label in devpki.SIGNERS:
        assert pki.p12(label).stat().st_size > 0
        subject = _cert(pki.cert(label)).subject.native
        assert "DEVELOPMENT ONLY" in subject["organizational_unit_name"]


def test_hierarchies_and_agency_codes(dev_pki):
    org = _cert(dev_pki.cert("org-h41"))
    assert org.subject.native["organization_identifier"] == "000.00.00.H41"
    assert _cert(dev_pki.cert("org-g09")).subject.native["organization_identifier"] == (
        "000.00.00.G09"
    )
    gov_ca = _cert(dev_pki.cert("gov-ca"))
    assert org.issuer == gov_ca.subject
    assert gov_ca.issuer == _cert(dev_pki.cert("gov-root")).subject
    pub_root = _cert(dev_pki.cert("pub-root")).subject
    assert _cert(dev_pki.cert("pub-tsa")).issuer == pub_root
    assert _cert(dev_pki.cert("pub-ocsp")).issuer == pub_root
    assert _cert(dev_pki.cert("leader-binh")).public_key.algorithm == "ec"
    assert _cert(dev_pki.cert("leader-an")).public_key.algorithm == "rsa"
    expired = _cert(dev_pki.cert("official-expired"))
    assert expired.not_valid_after.year == 2023


def test_services_report_revocation(pki_services):
    pki = pki_services
    with urllib.request.urlopen(f"{pki.url_prefix}/edochub-dev/crls/gov-ca/latest.crl") as resp:
        revoked = crl.CertificateList.load(resp.read())["tbs_cert_list"]["revoked_certificates"]
    serials = {entry["user_certificate"].native for entry in revoked}
    assert _cert(pki.cert("official-revoked")).serial_number in serials
    assert _cert(pki.cert("leader-an")).serial_number not in serials

    issuer = _cert(pki.cert("gov-ca"))
    for label, expected in (("official-revoked", "revoked"), ("leader-an", "good")):
        cert = _cert(pki.cert(label))
        req = ocsp.OCSPRequest({"tbs_request": {"request_list": [{"req_cert": {
            "hash_algorithm": {"algorithm": "sha256"},
            "issuer_name_hash": issuer.subject.sha256,
            "issuer_key_hash": issuer.public_key.sha256,
            "serial_number": cert.serial_number}}]}})
        http = urllib.request.Request(
            f"{pki.url_prefix}/edochub-dev/ocsp/gov-ca", data=req.dump(),
            headers={"Content-Type": "application/ocsp-request"})
        with urllib.request.urlopen(http) as resp:
            answer = ocsp.OCSPResponse.load(resp.read())
        single = answer.basic_ocsp_response["tbs_response_data"]["responses"][0]
        assert single["cert_status"].name == expected


def test_a_port_in_use_is_a_clear_error(dev_pki):
    """werkzeug answers a port in use with sys.exit; the PKI's own bind says what is wrong."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        elsewhere = dataclasses.replace(dev_pki, url_prefix=f"http://127.0.0.1:{port}")
        with pytest.raises(devpki.DevPkiError, match=f"cannot listen on 127.0.0.1:{port}"), \
                devpki.serving(elsewhere):
            pass


def test_token_holds_keys(softhsm_token):
    import pkcs11

    lib = pkcs11.lib(softhsm_token.module)
    token = lib.get_token(token_label=softhsm_token.token_label)
    with token.open(user_pin=softhsm_token.pin) as session:
        labels = {k.label for k in session.get_objects({
            pkcs11.Attribute.CLASS: pkcs11.ObjectClass.PRIVATE_KEY})}
    assert {"leader-an", "leader-binh", "org-h41"} <= labels

"""Key sources: PKCS#12 files and a PKCS#11 token; every failure is one line, exit 2."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    load_pem_private_key,
    pkcs12,
)
from cryptography.x509 import load_pem_x509_certificate

from signing.errors import KeySourceError
from signing.pades.keys import Pkcs11Source, Pkcs12Source, open_key


@pytest.fixture()
def encrypted_p12(dev_pki, tmp_path):
    """leader-an's key in a PKCS#12 protected by a password (held in an env var by tests)."""
    key = load_pem_private_key(dev_pki.key("leader-an").read_bytes(), None)
    cert = load_pem_x509_certificate(dev_pki.cert("leader-an").read_bytes())
    chain = [load_pem_x509_certificate(dev_pki.cert(label).read_bytes())
             for label in ("gov-ca", "gov-root")]
    path = tmp_path / "leader-an.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"leader-an", key, cert, chain, BestAvailableEncryption(b"correct horse")))
    return path


def test_pkcs12_with_password_from_env(encrypted_p12, monkeypatch):
    monkeypatch.setenv("EDOCHUB_TEST_P12_PW", "correct horse")
    with open_key(Pkcs12Source(encrypted_p12, "EDOCHUB_TEST_P12_PW")) as key:
        assert key.certificate.subject.native["common_name"] == "Nguyễn Văn An"
        assert [c.subject.native["common_name"] for c in key.chain] == [
            "DEV ONLY Government Issuing CA", "DEV ONLY Vietnam Government Root CA"]
        assert key.key_algorithm == "rsa"


def test_pkcs12_ecdsa(dev_pki):
    with open_key(Pkcs12Source(dev_pki.p12("leader-binh"))) as key:
        assert key.key_algorithm == "ec"


@pytest.mark.parametrize(("env", "password_env", "message"), [
    ({"EDOCHUB_TEST_P12_PW": "wrong"}, "EDOCHUB_TEST_P12_PW", "wrong password"),
    ({}, "EDOCHUB_TEST_UNSET_PW", "EDOCHUB_TEST_UNSET_PW"),
    ({}, None, "encrypted"),
])
def test_pkcs12_failures_on_the_command_line(cli, dev_pki, encrypted_p12, tmp_path, env,
                                             password_env, message):
    args = ["sign", dev_pki.directory / "README-DEV-ONLY.txt", "-o", tmp_path / "out.pdf",
            "--p12", encrypted_p12]
    if password_env:
        args += ["--p12-password-env", password_env]
    result = cli(*args, env=env)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert message in line and "Traceback" not in result.stderr


def test_missing_p12_file(cli, tmp_path):
    result = cli("sign", tmp_path / "in.pdf", "-o", tmp_path / "out.pdf",
                 "--p12", tmp_path / "nowhere.p12")
    assert result.returncode == 2
    assert result.stderr.strip() == f"edochub: PKCS#12 file not found: {tmp_path / 'nowhere.p12'}"


def test_pkcs11_token_key(softhsm_token):
    source = Pkcs11Source(softhsm_token.module, softhsm_token.token_label, "org-h41",
                          softhsm_token.pin_env)
    with open_key(source) as key:
        assert key.certificate.subject.native["organization_identifier"] == "000.00.00.H41"
        assert len(key.chain) == 2


@pytest.mark.parametrize(("change", "message"), [
    ({"token_label": "no-such-token"}, "no PKCS#11 token labelled 'no-such-token'"),
    ({"key_label": "no-such-key"}, "no private key labelled 'no-such-key'"),
    ({"module": "/nonexistent/libpkcs11.so"}, "PKCS#11 module not found"),
    ({"pin_env": "EDOCHUB_TEST_WRONG_PIN"}, "wrong PIN"),
])
def test_pkcs11_failures(softhsm_token, monkeypatch, change, message):
    monkeypatch.setenv("EDOCHUB_TEST_WRONG_PIN", "000000")
    fields = {"module": softhsm_token.module, "token_label": softhsm_token.token_label,
              "key_label": "leader-an", "pin_env": softhsm_token.pin_env, **change}
    with pytest.raises(KeySourceError, match=message), open_key(Pkcs11Source(**fields)):
        pass


def test_missing_token_on_the_command_line(cli, softhsm_token, tmp_path):
    args = softhsm_token.key_args("leader-an")
    args[args.index(softhsm_token.token_label)] = "absent-token"
    result = cli("sign", tmp_path / "in.pdf", "-o", tmp_path / "out.pdf", *args,
                 env={"SOFTHSM2_CONF": str(softhsm_token.conf)})
    assert result.returncode == 2
    assert result.stderr.strip() == "edochub: no PKCS#11 token labelled 'absent-token'"

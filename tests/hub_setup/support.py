"""Helpers of the setup tests: a hub folder written by ``edochub init`` and filled in as an IT
officer would (keys of the development PKI, trust anchors, TSA, axis), and certificates made
wrong on purpose."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from signing import devpki
from signing.stamping import specimens
from tests.helpers.net import free_port

H41 = ("000.00.00.H41", "Ủy ban nhân dân tỉnh Mẫu", "UBND")
G09 = ("000.00.00.G09", "Bộ Mẫu", "BM")
P12_PASSWORD_ENV = "EDOCHUB_TEST_P12_PASSWORD"
P12_PASSWORD = "mat-khau-p12-thu"  # DEV-ONLY test value
ADMIN_PASSWORD = "mat-khau-quan-tri"  # DEV-ONLY test value


def toml_text(value: object) -> str:
    from edochub.config_file import toml_value

    return toml_value(value)


def set_settings(config_file: Path, settings: dict[str, dict[str, object]]) -> None:
    """Set ``settings`` ({section: {key: value}}) in the file ``edochub init`` wrote: each value
    goes right under its section's header (replacing a value set before), as an officer edits
    the file."""
    out: list[str] = []
    section = None
    for line in config_file.read_text(encoding="utf-8").splitlines():
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            section = header.group(1)
            out.append(line)
            out.extend(f"{key} = {toml_text(value)}"
                       for key, value in settings.get(section, {}).items())
            continue
        key = line.partition(" = ")[0]
        if section in settings and key in settings[section]:
            continue  # the value set before
        out.append(line)
    config_file.write_text("\n".join(out) + "\n", encoding="utf-8")


def encrypted_p12(source: Path, destination: Path, password: str = P12_PASSWORD) -> Path:
    """A copy of a development PKCS#12 protected by ``password``."""
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    bundle = pkcs12.load_pkcs12(source.read_bytes(), None)
    destination.write_bytes(pkcs12.serialize_key_and_certificates(
        b"key", bundle.key, bundle.cert.certificate,
        [c.certificate for c in bundle.additional_certs],
        BestAvailableEncryption(password.encode())))
    return destination


def expired_seal_p12(pki: devpki.DevPki, destination: Path,
                     password: str = P12_PASSWORD) -> Path:
    """The H41 seal's key with a certificate from the same issuing CA that expired in 2023."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    def load_key(label: str):  # noqa: ANN202
        return serialization.load_pem_private_key(pki.key(label).read_bytes(), None)

    def load_cert(label: str) -> x509.Certificate:
        return x509.load_pem_x509_certificate(pki.cert(label).read_bytes())

    seal, issuer = load_cert("org-h41"), load_cert("gov-ca")
    certificate = (x509.CertificateBuilder()
                   .subject_name(seal.subject).issuer_name(issuer.subject)
                   .public_key(seal.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
                   .not_valid_after(dt.datetime(2023, 1, 1, tzinfo=dt.UTC))
                   .sign(load_key("gov-ca"), hashes.SHA256()))
    destination.write_bytes(pkcs12.serialize_key_and_certificates(
        b"key", load_key("org-h41"), certificate, [issuer],
        BestAvailableEncryption(password.encode())))
    return destination


@dataclass(frozen=True)
class HubFolder:
    directory: Path

    @property
    def config(self) -> Path:
        return self.directory / "edochub.toml"


def fill_in(hub: HubFolder, pki: devpki.DevPki, seal_label: str, leader_label: str,
            axis_url: str, axis_secret_env: str) -> None:
    """What README's section has the officer do after ``edochub init``: keys (password-
    protected copies), images, trust anchors, TSA and axis into the configuration."""
    keys = hub.directory / "keys"
    keys.mkdir(exist_ok=True)
    encrypted_p12(pki.p12(seal_label), keys / "seal.p12")
    encrypted_p12(pki.p12(leader_label), keys / "leader.p12")
    (keys / "seal.png").write_bytes(specimens.seal_png())
    (keys / "leader.png").write_bytes(specimens.signature_png())
    set_settings(hub.config, {
        "keys": {"organization": "keys/seal.p12", "seal_image": "keys/seal.png",
                 "password_env": P12_PASSWORD_ENV, "leaders": {"leader": "keys/leader.p12"},
                 "leader_signatures": {"leader": "keys/leader.png"}},
        "trust": {"anchors": [str(p) for p in pki.trust_roots]},
        "tsa": {"url": pki.tsa_url},
        "axis": {"url": axis_url},
        "secrets": {"axis_secret_env": axis_secret_env},
    })


@contextmanager
def reference_axis(directory: Path) -> Iterator[tuple[str, object]]:
    """The reference axis on loopback (in this process); yields its URL and its core."""
    from axis.server.app import ServerConfig, create_app
    from documents.http.server import serving

    app = create_app(ServerConfig(data_dir=directory))
    with serving(app, "127.0.0.1", free_port()) as url:
        yield url, app.state.core


def dead_url() -> str:
    """A loopback address nothing listens on."""
    return f"http://127.0.0.1:{free_port()}/tsa"

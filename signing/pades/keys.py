"""Key sources (nguồn khóa ký): a PKCS#12 file, a PKCS#11 token or a remote-signing service
(CSC API, or a service that confirms on the official's phone), opened into a ready signer.

API::

    source = Pkcs12Source(Path("org.p12"), password_env="ORG_P12_PASSWORD")
    source = Pkcs11Source(module="/usr/lib/softhsm/libsofthsm2.so", token_label="VT",
                          key_label="org-h41", pin_env="EDOCHUB_PKCS11_PIN")
    with open_key(source) as key:          # SigningKey
        key.signer        # pyHanko Signer, loaded once, reused for every document
        key.certificate   # the signer's asn1crypto certificate
        key.chain         # issuer certificates found with the key (PKCS#12 bag / token)

    # remote signing (signing.pades.remote), and any other source in async code
    # (signing.pades.opening): the HTTP session lives on the running event loop
    source = CscSource("https://csc.example.vn", "credential-id")
    async with async_open_key(source, Authorisation(pin=pin)) as key:
        ...

    # split signing: the key is elsewhere (the leader's USB token); the hub prepares the
    # document and its digest with the certificate only, then completes the PDF
    key = external_key(certificate, chain)

Secrets never come from the command line: the password or PIN is read from the environment
variable the user names. Every failure (missing file, wrong password, no such token or key,
unloadable module) becomes a one-line :class:`signing.errors.KeySourceError`.

The signers come from :mod:`signing.pades.signers`: they pay once per key, not once per
document, what pyHanko's stock signers pay at every signature.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import x509

from signing.errors import KeySourceError

DEFAULT_PKCS11_PIN_ENV = "EDOCHUB_PKCS11_PIN"


@dataclass(frozen=True)
class Pkcs12Source:
    path: Path
    #: name of the environment variable holding the password; None = unencrypted file
    password_env: str | None = None

    def describe(self) -> str:
        return f"PKCS#12 file {self.path}"


@dataclass(frozen=True)
class Pkcs11Source:
    module: str
    token_label: str
    key_label: str
    pin_env: str = DEFAULT_PKCS11_PIN_ENV

    def describe(self) -> str:
        return f"key {self.key_label!r} on token {self.token_label!r}"


@dataclass(frozen=True)
class CscSource:
    """A credential of a remote-signing service speaking the CSC API v1 (``url`` is the part
    before ``/csc/v1/...``)."""

    url: str
    credential_id: str

    def describe(self) -> str:
        return f"credential {self.credential_id!r} at {self.url}"


@dataclass(frozen=True)
class PolledSource:
    """A credential of a service that has the official confirm each signature on their phone
    and is polled for the answer (protocol in :mod:`signing.pades.remote`)."""

    url: str
    credential_id: str
    #: seconds the official has to confirm before the request is withdrawn
    time_limit: float = 120.0
    poll_interval: float = 2.0

    def describe(self) -> str:
        return f"credential {self.credential_id!r} at {self.url}"


@dataclass(frozen=True)
class Authorisation:
    """What the official gives to authorise one remote signature: PIN and/or one-time code
    (CSC ``credentials/authorize``), and the service's OAuth bearer token if it needs one.
    Never shown by ``repr``."""

    pin: str | None = field(default=None, repr=False)
    otp: str | None = field(default=None, repr=False)
    bearer_token: str | None = field(default=None, repr=False)


KeySource = Pkcs12Source | Pkcs11Source | CscSource | PolledSource


@dataclass(frozen=True)
class SigningKey:
    """An opened key: the pyHanko signer plus the certificates that came with it."""

    signer: object  # pyhanko.sign.signers.Signer (kept untyped so importing this is cheap)
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    #: where the key is; None for an :func:`external_key`
    source: KeySource | None
    #: foreign exceptions the key's backend may raise while signing (translated by callers)
    backend_errors: tuple[type[Exception], ...] = ()
    #: digests for which the key can sign RSASSA-PSS (a token's PSS mechanisms); None: all
    pss_digests: frozenset[str] | None = None

    @property
    def subject(self) -> str:
        return self.certificate.subject.human_friendly

    @property
    def key_algorithm(self) -> str:
        return self.certificate.public_key.algorithm


@contextmanager
def open_key(source: KeySource, secret: str | None = None) -> Iterator[SigningKey]:
    """Open ``source``; the PKCS#11 session (if any) stays open for the ``with`` block.
    ``secret`` (the PIN or PKCS#12 password a person typed) wins over the environment."""
    if isinstance(source, Pkcs12Source):
        yield _open_pkcs12(source, secret)
    elif isinstance(source, Pkcs11Source):
        with _open_pkcs11(source, secret) as key:
            yield key
    else:
        raise KeySourceError(f"{source.describe()} is a remote-signing service: it is opened "
                             "with signing.pades.opening.async_open_key")


def read_certificates(source: KeySource) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
    """The key's certificate and its issuers, without the PIN: a token's certificates are
    public objects (a PKCS#12 file is opened as :func:`open_key` would)."""
    if isinstance(source, Pkcs12Source):
        key = _open_pkcs12(source)
        return key.certificate, key.chain
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    try:
        session = _token(source).open()
    except pkcs11.PKCS11Error as exc:
        raise KeySourceError(
            f"cannot open token {source.token_label!r}: {type(exc).__name__}") from None
    with session:
        certificate = _certificate_for_key(session, source)
        certs = [x509.Certificate.load(obj[Attribute.VALUE]) for obj in
                 session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})]
    return certificate, _chain_for(certificate, certs)


def external_key(certificate: x509.Certificate, chain: tuple[x509.Certificate, ...] = (),
                 signature_value: bytes | None = None) -> SigningKey:
    """A key held elsewhere, known by its certificate, for pyHanko's interrupted signing: the
    hub prepares with ``signature_value=None`` (placeholders, for sizing), then completes the
    CMS with a second one carrying the signature value the key holder returned."""
    from pyhanko.sign.signers import ExternalSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    registry = SimpleCertificateStore()
    registry.register_multiple(chain)
    if signature_value is None:
        bits = certificate.public_key.bit_size
        # an RSA signature is as long as the modulus; a DER ECDSA one at most 2 ints + header
        size = bits // 8 if certificate.public_key.algorithm == "rsa" else 2 * bits // 8 + 9
        signature_value = bytes(size)
    signer = ExternalSigner(certificate, registry, signature_value=signature_value)
    return SigningKey(signer=signer, certificate=certificate, chain=chain, source=None)


def _secret_from_env(name: str | None, what: str) -> str | None:
    if name is None:
        return None
    value = os.environ.get(name)
    if value is None:
        raise KeySourceError(f"environment variable {name} (the {what}) is not set")
    return value


def _open_pkcs12(source: Pkcs12Source, secret: str | None = None) -> SigningKey:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import pkcs12

    password = secret if secret else _secret_from_env(source.password_env,
                                                      "PKCS#12 password")
    try:
        data = source.path.read_bytes()
    except FileNotFoundError:
        raise KeySourceError(f"PKCS#12 file not found: {source.path}") from None
    except OSError as exc:
        raise KeySourceError(f"cannot read PKCS#12 file {source.path}: {exc.strerror}") from None
    try:
        bundle = pkcs12.load_pkcs12(data, password.encode() if password is not None else None)
    except ValueError:
        reason = "wrong password" if password is not None else "encrypted (give its password " \
            "with --p12-password-env) or not a PKCS#12 file"
        raise KeySourceError(f"cannot open {source.path}: {reason}") from None
    if bundle.key is None or bundle.cert is None:
        raise KeySourceError(f"{source.path} holds no private key with its certificate")
    if not isinstance(bundle.key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeySourceError(f"{source.path}: only RSA and ECDSA keys are supported")
    from signing.pades.signers import LoadedKeySigner

    certificate = _to_asn1(bundle.cert.certificate)
    chain = tuple(_to_asn1(c.certificate) for c in bundle.additional_certs)
    return SigningKey(signer=LoadedKeySigner(bundle.key, certificate, chain),
                      certificate=certificate, chain=chain, source=source)


def _to_asn1(pyca_cert) -> x509.Certificate:
    from cryptography.hazmat.primitives.serialization import Encoding

    return x509.Certificate.load(pyca_cert.public_bytes(Encoding.DER))


def _token(source: Pkcs11Source) -> Any:  # a pkcs11.Token
    import pkcs11

    if not os.path.isfile(source.module):
        raise KeySourceError(f"PKCS#11 module not found: {source.module}")
    try:
        lib = pkcs11.lib(source.module)
    except Exception as exc:  # python-pkcs11 raises bare RuntimeError/OSError types here
        raise KeySourceError(f"cannot load PKCS#11 module {source.module}: {exc}") from None
    try:
        return lib.get_token(token_label=source.token_label)
    except pkcs11.NoSuchToken:
        raise KeySourceError(f"no PKCS#11 token labelled {source.token_label!r}") from None
    except pkcs11.MultipleTokensReturned:
        raise KeySourceError(
            f"several PKCS#11 tokens are labelled {source.token_label!r}") from None


@contextmanager
def _open_pkcs11(source: Pkcs11Source, secret: str | None = None) -> Iterator[SigningKey]:
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    from signing.pades.signers import TokenSigner

    pin = secret if secret else _secret_from_env(source.pin_env, "token PIN")
    token = _token(source)
    try:
        session = token.open(user_pin=pin)
    except pkcs11.PinIncorrect:
        raise KeySourceError(f"wrong PIN for token {source.token_label!r}") from None
    except pkcs11.PKCS11Error as exc:
        raise KeySourceError(
            f"cannot open token {source.token_label!r}: {type(exc).__name__}") from None
    try:
        keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                         Attribute.LABEL: source.key_label}))
        if not keys:
            raise KeySourceError(
                f"no private key labelled {source.key_label!r} on token {source.token_label!r}")
        certs = [x509.Certificate.load(obj[Attribute.VALUE]) for obj in
                 session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})]
        certificate = _certificate_for_key(session, source)
        chain = _chain_for(certificate, certs)
        # tokens (SoftHSM among them) often lack the hash-and-sign ECDSA mechanisms: hash here
        signer = TokenSigner(session, key_label=source.key_label, signing_cert=certificate,
                              ca_chain=chain, other_certs_to_pull=(),
                              use_raw_mechanism=certificate.public_key.algorithm == "ec")
        yield SigningKey(signer=signer, certificate=certificate, chain=chain, source=source,
                         backend_errors=(pkcs11.PKCS11Error,),
                         pss_digests=_pss_digests(token))
    finally:
        session.close()


def _pss_digests(token) -> frozenset[str]:
    """Digests for which the token offers hash-and-sign RSASSA-PSS (CKM_SHA*_RSA_PKCS_PSS)."""
    from pkcs11 import Mechanism, PKCS11Error

    try:
        mechanisms = set(token.slot.get_mechanisms())
    except PKCS11Error:
        return frozenset()
    wanted = {"sha256": Mechanism.SHA256_RSA_PKCS_PSS, "sha384": Mechanism.SHA384_RSA_PKCS_PSS,
              "sha512": Mechanism.SHA512_RSA_PKCS_PSS}
    return frozenset(digest for digest, mechanism in wanted.items() if mechanism in mechanisms)


def _certificate_for_key(session, source: Pkcs11Source) -> x509.Certificate:
    from pkcs11 import Attribute, ObjectClass

    labelled = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE,
                                         Attribute.LABEL: source.key_label}))
    if not labelled:
        raise KeySourceError(
            f"no certificate labelled {source.key_label!r} on token {source.token_label!r}")
    return x509.Certificate.load(labelled[0][Attribute.VALUE])


def _chain_for(certificate: x509.Certificate,
               candidates: list[x509.Certificate]) -> tuple[x509.Certificate, ...]:
    """Issuer certificates of ``certificate`` among ``candidates``, nearest first."""
    by_subject = {c.subject.dump(): c for c in candidates}
    chain: list[x509.Certificate] = []
    current = certificate
    while current.self_signed == "no" and current.issuer.dump() in by_subject:
        current = by_subject[current.issuer.dump()]
        if current in chain:
            break
        chain.append(current)
    return tuple(chain)

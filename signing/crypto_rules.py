"""Cryptographic rules for signatures (Circular 15/2025/TT-BKHCN, in force from 15 August
2025; DOMAIN.md §2): RSA signatures use RSASSA-PSS (PKCS#1 v2.1) with keys of at least 2048
bits, ECDSA keys at least 256 bits, digests SHA-2 or SHA-3.

Signing (:mod:`signing.pades.signer`) refuses a key or digest under the rules before anything
is signed (:func:`check_signing_algorithms`) and makes RSA signatures with RSASSA-PSS unless
``RsaPadding.PKCS1V15`` is asked for (:func:`use_rsa_padding`). Validation
(:mod:`signing.validation.pyhanko_bridge`) describes what a signature used
(:func:`describe_signature`) and judges it with :func:`weaknesses`.

pyHanko-free: asn1crypto values only.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from asn1crypto import algos, keys, x509

from signing.errors import CryptoRuleError

#: Circular 15/2025/TT-BKHCN takes effect on 15 August 2025 (00:00 Vietnam time)
RULES_EFFECTIVE = datetime(2025, 8, 14, 17, 0, tzinfo=UTC)
RULES_EFFECTIVE_DAY = "2025-08-15"
RULES_NAME = "Circular 15/2025/TT-BKHCN"
MIN_KEY_BITS = {"rsa": 2048, "ec": 256}
#: digests the rules allow (asn1crypto names); SHA-1 and MD5 are refused
ALLOWED_DIGESTS = frozenset({"sha256", "sha384", "sha512", "sha512_224", "sha512_256",
                             "sha3_256", "sha3_384", "sha3_512"})
#: digests one may ask for when signing (the --digest option)
SIGNING_DIGESTS = ("sha256", "sha384", "sha512")


class RsaPadding(StrEnum):
    #: RSASSA-PSS (PKCS#1 v2.1), the default
    PSS = "pss"
    #: RSASSA-PKCS1-v1_5, for relying parties that still need it
    PKCS1V15 = "pkcs1v15"


@dataclass(frozen=True)
class KeyInfo:
    type: str  # "rsa", "ec", ...
    size: int  # bits

    def to_json(self) -> dict[str, object]:
        return {"type": self.type, "size": self.size}


@dataclass(frozen=True)
class SignatureAlgorithm:
    """What a signature was made with: ``rsassa_pss``, ``rsassa_pkcs1v15``, ``ecdsa``, ... and
    the message digest (asn1crypto names)."""

    name: str
    digest: str


def key_info(public_key: keys.PublicKeyInfo) -> KeyInfo:
    return KeyInfo(public_key.algorithm, public_key.bit_size)


def key_weakness(info: KeyInfo) -> str | None:
    """Why a key is under the rules, in English, or None."""
    minimum = MIN_KEY_BITS.get(info.type)
    if minimum is None:
        return f"{info.type.upper()} keys are not among the allowed algorithms (RSA, ECDSA)"
    if info.size < minimum:
        kind = "RSA" if info.type == "rsa" else "ECDSA"
        return f"the {kind} key has {info.size} bits, under the {minimum} the rules require"
    return None


def digest_weakness(digest: str) -> str | None:
    if digest in ALLOWED_DIGESTS:
        return None
    return f"the {_digest_label(digest)} digest is no longer allowed (SHA-256 or stronger)"


def check_signing_algorithms(certificate: x509.Certificate, digest: str) -> None:
    """Refuse, before signing, a key or digest under the rules (one line, naming the rule)."""
    who = certificate.subject.native.get("common_name") or certificate.subject.human_friendly
    reason = key_weakness(key_info(certificate.public_key))
    if reason is not None:
        raise CryptoRuleError(f"refusing to sign with the key of {who}: {reason} "
                              f"({RULES_NAME})")
    reason = digest_weakness(digest)
    if reason is not None:
        raise CryptoRuleError(f"refusing to sign: {reason} ({RULES_NAME})")


def use_rsa_padding(signer, padding: RsaPadding, digest: str,
                    pss_digests: frozenset[str] | None = None) -> str | None:
    """Make the pyHanko ``signer`` sign RSA with ``padding``. ``pss_digests``: the digests the
    key's token or remote-signing service can sign RSASSA-PSS with (None: any). Returns a
    one-line notice when PSS was asked for but the key lacks it (PKCS#1 v1.5 then), else
    None."""
    if signer.signing_cert is None or signer.signing_cert.public_key.algorithm != "rsa":
        return None
    notice = None
    if padding is RsaPadding.PSS and pss_digests is not None and digest not in pss_digests:
        padding = RsaPadding.PKCS1V15
        notice = ("the token or signing service has no RSASSA-PSS mechanism: signing with "
                  "PKCS#1 v1.5 padding instead (validators will note it)")
    signer.prefer_pss = padding is RsaPadding.PSS
    return notice


def describe_signature(signer_info, certificate: x509.Certificate | None,
                       ) -> tuple[SignatureAlgorithm | None, KeyInfo | None]:
    """The algorithm of a CMS ``SignerInfo`` and the signer's key, when they can be read."""
    algorithm = None
    try:
        digest = signer_info["digest_algorithm"]["algorithm"].native
        mechanism: algos.SignedDigestAlgorithm = signer_info["signature_algorithm"]
        name = mechanism.signature_algo
        if name == "rsassa_pss":
            digest = mechanism["parameters"]["hash_algorithm"]["algorithm"].native
        algorithm = SignatureAlgorithm(name, digest)
    except (ValueError, KeyError, TypeError):
        pass
    info = None
    if certificate is not None:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            info = key_info(certificate.public_key)
    return algorithm, info


def weaknesses(algorithm: SignatureAlgorithm | None, info: KeyInfo | None,
               ) -> tuple[list[tuple[str, dict[str, str]]], bool]:
    """Findings about ``algorithm`` and ``info`` as (kind, parameters), and whether one of them
    is under the rules (weak key or digest) rather than only worth noting (PKCS#1 v1.5).
    Kinds: ``rsa-pkcs1v15``, ``weak-key``, ``weak-digest``."""
    findings: list[tuple[str, dict[str, str]]] = []
    weak = False
    if algorithm is not None and algorithm.name == "rsassa_pkcs1v15":
        findings.append(("rsa-pkcs1v15", {}))
    if info is not None and key_weakness(info) is not None:
        findings.append(("weak-key", {"type": "RSA" if info.type == "rsa" else
                                      "ECDSA" if info.type == "ec" else info.type.upper(),
                                      "size": str(info.size),
                                      "minimum": str(MIN_KEY_BITS.get(info.type, 0))}))
        weak = True
    if algorithm is not None and digest_weakness(algorithm.digest) is not None:
        findings.append(("weak-digest", {"digest": _digest_label(algorithm.digest)}))
        weak = True
    return findings, weak


def _digest_label(digest: str) -> str:
    return {"sha1": "SHA-1", "md5": "MD5"}.get(digest, digest.upper().replace("_", "-"))

"""pyHanko signers tuned for signing many documents with one key (imported lazily: it loads
pyHanko). Used by :mod:`signing.pades.keys`; nothing else needs to know these classes.

Two costs of pyHanko's stock signers are paid once per key here instead of once per document:
``SimpleSigner`` re-parses and re-checks the private key at every signature (the RSA
consistency check dominates the default way of signing), and every signer rebuilds the
signing-certificate-v2 attribute, whose ASN.1 re-encoding is the dearest part of a CMS
signature, although it depends only on the certificate. And the signed attributes are encoded
once per signature instead of at every use: asn1crypto re-encodes a value built from Python
objects each time it is dumped (it never forgets that it was built), and pyHanko dumps them
to sign, then again inside the SignerInfo and the SignedData around it; the signature
mechanism (PSS parameters), rebuilt twice per signature, is built once per digest.

These override pyHanko internals (``Signer._signed_attr_provider_spec``,
``async_sign_prescribed_attributes``, ``get_signature_mechanism_for_digest``) and could be
offered upstream: pyHanko's ``Signer`` could keep what depends only on its certificate.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from asn1crypto import algos, cms, x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
from pyhanko.sign.attributes import (
    CMSAttributeProvider,
    SignedAttributeProviderSpec,
    SigningCertificateV2Provider,
)
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params


class _PrebuiltAttribute(CMSAttributeProvider):
    attribute_type = "signing_certificate_v2"

    def __init__(self, attribute: cms.CMSAttribute) -> None:
        self.attribute = attribute

    async def get_attribute(self, dry_run: bool = False) -> cms.CMSAttribute:
        return self.attribute


class _WithPrebuiltSigningCertificate(SignedAttributeProviderSpec):
    """pyHanko's own attribute set, with its signing-certificate-v2 provider swapped for the
    prebuilt equivalent."""

    def __init__(self, inner: SignedAttributeProviderSpec, prebuilt: _PrebuiltAttribute):
        self.inner = inner
        self.prebuilt = prebuilt

    def signed_attr_providers(self, data_digest: bytes,
                              digest_algorithm: str) -> Iterator[CMSAttributeProvider]:
        for provider in self.inner.signed_attr_providers(data_digest, digest_algorithm):
            yield self.prebuilt if isinstance(provider, SigningCertificateV2Provider) \
                else provider


class _EncodedOnceMixin(Signer):
    def get_signature_mechanism_for_digest(
            self, digest_algorithm: str | None) -> algos.SignedDigestAlgorithm:
        # built by pyHanko at every signature (twice: to sign and for the SignerInfo), from
        # what does not change for one key: built once per digest and padding, and encoded
        if self.signature_mechanism is not None:
            return self.signature_mechanism
        kept: dict = self.__dict__.setdefault("_mechanisms", {})
        key = (digest_algorithm, self.prefer_pss)
        if key not in kept:
            built = super().get_signature_mechanism_for_digest(digest_algorithm)
            kept[key] = algos.SignedDigestAlgorithm.load(built.dump())
        return kept[key]

    async def async_sign_prescribed_attributes(self, digest_algorithm: str,
                                               signed_attrs: cms.CMSAttributes,
                                               *args: Any, **kwargs: Any) -> cms.ContentInfo:
        # the same attributes read back from their DER encoding: the same bytes signed and
        # embedded, encoded once (see the module docstring)
        encoded = cms.CMSAttributes.load(signed_attrs.dump())
        return await super().async_sign_prescribed_attributes(digest_algorithm, encoded,
                                                              *args, **kwargs)


class _PrebuiltAttributesMixin(_EncodedOnceMixin):
    _prebuilt: _PrebuiltAttribute | None = None

    def _signed_attr_provider_spec(self, *args: Any,
                                   **kwargs: Any) -> SignedAttributeProviderSpec:
        spec = super()._signed_attr_provider_spec(*args, **kwargs)
        if self._prebuilt is None:
            attribute = simple_cms_attribute(
                "signing_certificate_v2", as_signing_certificate_v2(self.signing_cert))
            self._prebuilt = _PrebuiltAttribute(cms.CMSAttribute.load(attribute.dump()))
        return _WithPrebuiltSigningCertificate(spec, self._prebuilt)


class LoadedKeySigner(_PrebuiltAttributesMixin, SimpleSigner):
    """A ``SimpleSigner`` that keeps the parsed private key instead of reloading it."""

    def __init__(self, private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
                 certificate: x509.Certificate, chain: tuple[x509.Certificate, ...]) -> None:
        registry = SimpleCertificateStore()
        registry.register_multiple(chain)
        super().__init__(signing_key=translate_pyca_cryptography_key_to_asn1(private_key),
                         signing_cert=certificate, cert_registry=registry)
        self._private_key = private_key

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._private_key, rsa.RSAPrivateKey):
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if mechanism["algorithm"].native == "rsassa_pss":
                pss, pss_hash = process_pss_params(mechanism["parameters"])
                return self._private_key.sign(data, pss, pss_hash)
            return self._private_key.sign(data, padding.PKCS1v15(), hash_algo)
        return self._private_key.sign(data, ec.ECDSA(hash_algo))


class TokenSigner(_PrebuiltAttributesMixin, PKCS11Signer):
    """pyHanko's PKCS#11 signer with the prebuilt signing-certificate attribute."""

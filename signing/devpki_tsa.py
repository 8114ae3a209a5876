"""The development PKI's time-stamping service encodes its certificates once.

certomancer (0.16) builds each time-stamp token from parsed certificates: asn1crypto copies the
TSA certificate (and those it embeds) to give them the SignedData's implicit tag, then encodes
every copy field by field again: about 8 of its 9 ms of CPU per token, on the same process
that also answers OCSP and the axis. A real TSA sends the same certificate bytes every time, so
the development one does too: :class:`EncodedOnceTimeStamper` makes the same token (same
fields, same order, same signature algorithm, the certificates in the same set), only its
constant parts are encoded once per TSA. :func:`keep_encoded_tsa_parts` puts it in place of
certomancer's class in the process that serves the development PKI (it is what
:func:`signing.devpki.make_animator` summons per request). An upstream offer for certomancer.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime

from asn1crypto import cms, core, tsp, x509
from certomancer import services
from certomancer.crypto_utils import generic_sign

__all__ = ["EncodedOnceTimeStamper", "keep_encoded_tsa_parts"]


# keyed by the certificate objects themselves: certomancer hands every TSA the same objects
# (which it built, so that each ``dump()`` encodes them again: 1.3 ms for the TSA's own)
@functools.lru_cache(maxsize=8)
def _constant_parts(tsa: x509.Certificate, embedded: tuple[x509.Certificate, ...]
                    ) -> tuple[x509.GeneralName, cms.SignerIdentifier, tsp.SigningCertificate,
                               cms.CertificateSet]:
    """What every token of one TSA repeats, encoded once: its name as a GeneralName, its
    signer identifier, the signing-certificate attribute value and the certificate set
    (already carrying SignedData's implicit tag, so that nothing is copied or re-encoded)."""
    tsa_cert = tsa.dump()
    cert = x509.Certificate.load(tsa_cert)
    name = x509.GeneralName(name="directory_name", value=cert.subject)
    name.dump()
    sid = cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber(
        {"issuer": cert.issuer, "serial_number": cert.serial_number})})
    sid.dump()
    sha1 = hashlib.sha1(tsa_cert).digest()  # noqa: S324 - ESSCertID (RFC 2634) is SHA-1
    signing_cert = tsp.SigningCertificate({"certs": [tsp.ESSCertID({"cert_hash": sha1})]})
    signing_cert.dump()
    # certomancer passes a set: the same certificates, TSA's own included once
    certs = cms.SignedData({"certificates": [x509.Certificate.load(der) for der in
                                              dict.fromkeys((*(c.dump() for c in embedded),
                                                             tsa_cert))]})
    encoded_certs = certs["certificates"].dump()
    return (name, sid, signing_cert,
            cms.CertificateSet.load(encoded_certs, implicit=0))


class EncodedOnceTimeStamper(services.TimeStamper):
    """certomancer's TimeStamper whose tokens reuse the encoded certificates and names."""

    def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        name, sid, signing_cert, certificates = _constant_parts(
            self.tsa_cert, tuple(self.certs_to_embed))
        at = self.fixed_dt or datetime.now(tz=UTC)
        digest_algorithm = cms.DigestAlgorithm({"algorithm": self.md_algorithm})
        tst_info = {"version": "v1", "policy": self.policy,
                    "message_imprint": req["message_imprint"],
                    "serial_number": services.get_nonce(), "gen_time": at, "tsa": name}
        if isinstance(req["nonce"], core.Integer):
            tst_info["nonce"] = req["nonce"]
        tst_info_data = tsp.TSTInfo(tst_info).dump()
        signed_attrs = cms.CMSAttributes([
            services.simple_cms_attribute("content_type", "tst_info"),
            services.simple_cms_attribute("signing_time", cms.Time({"utc_time": at})),
            services.simple_cms_attribute("signing_certificate", signing_cert),
            services.simple_cms_attribute(
                "message_digest", hashlib.new(self.md_algorithm, tst_info_data).digest()),
        ])
        signature = generic_sign(self.tsa_key, signed_attrs.dump(), self.signature_algo)
        signer_info = cms.SignerInfo({
            "version": "v1", "sid": sid, "digest_algorithm": digest_algorithm,
            "signature_algorithm": self.signature_algo, "signed_attrs": signed_attrs,
            "signature": signature})
        signed_data = cms.SignedData({
            "version": "v3", "digest_algorithms": [digest_algorithm],
            "encap_content_info": {"content_type": "tst_info",
                                   "content": cms.ParsableOctetString(tst_info_data)},
            "certificates": certificates, "signer_infos": [signer_info]})
        return tsp.TimeStampResp({
            "status": {"status": "granted"},
            "time_stamp_token": {"content_type": "signed_data", "content": signed_data}})


def keep_encoded_tsa_parts() -> None:
    """Make this process's development TSA summon :class:`EncodedOnceTimeStamper`."""
    from certomancer.registry import pki_arch

    pki_arch.TimeStamper = EncodedOnceTimeStamper  # type: ignore[misc]

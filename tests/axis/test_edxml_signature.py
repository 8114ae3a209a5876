"""Envelope signature with the organization's certificate (dev PKI org-h41): valid only when
intact, from the sender's organization and chaining to a trust anchor the caller names;
untrusted when intact but not established as trusted; invalid otherwise; the samples'
placeholder is unsigned."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, datetime

import pytest

from axis import edxml
from axis.errors import EnvelopeSignatureError, StrictModeError
from tests.helpers.cli import run_cli
from tests.helpers.edxml import minted_signer

H41 = "000.00.00.H41"


@pytest.fixture()
def status_from_h41(samples) -> edxml.StatusMessage:
    message = edxml.parse(samples / "status_acceptance_03.edxml")
    assert message.sender.organ_id == H41
    return message


@pytest.fixture(scope="module")
def gov_trust(dev_pki) -> edxml.EnvelopeTrust:
    return edxml.EnvelopeTrust.from_paths([dev_pki.cert("gov-root")], revocation="offline")


def signed(message: edxml.Message, signer: edxml.EnvelopeSigner) -> bytes:
    out = io.BytesIO()
    edxml.write(message, out, signer=signer)
    return out.getvalue()


def test_signed_envelope_verifies(status_from_h41, org_signer, gov_trust):
    data = signed(status_from_h41, org_signer)
    message = edxml.parse(data, trust=gov_trust)
    assert (message.signature, message.warnings) == ("valid", ())
    assert dataclasses.replace(message, signature="absent") == status_from_h41
    assert b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">' in data
    assert data.index(b"<ds:Signature") < data.index(b"</edXML:edXMLHeader>")
    assert data.count(b"<ds:X509Certificate>") == 2  # org-h41 and gov-ca
    # RSA PKCS#1 v1.5 is deterministic: signing again gives the same bytes.
    assert signed(message, org_signer) == data


def test_revocation_is_checked_online(status_from_h41, org_signer, pki_services):
    trust = edxml.EnvelopeTrust.from_paths([pki_services.cert("gov-root")],
                                           revocation="require")
    assert edxml.parse(signed(status_from_h41, org_signer), trust=trust).signature == "valid"


def test_without_trust_anchors_a_good_signature_is_untrusted(status_from_h41, org_signer):
    message = edxml.parse(signed(status_from_h41, org_signer))
    assert message.signature == "untrusted"
    assert message.warnings == ("envelope signature is intact but not trusted: no trust"
                                " anchors were given to check its certificate",)
    with pytest.raises(StrictModeError, match="no trust anchors were given"):
        edxml.parse(signed(status_from_h41, org_signer), strict=True)


def test_self_signed_certificate_naming_the_sender_is_untrusted(status_from_h41, dev_pki,
                                                                gov_trust):
    forged = signed(status_from_h41, minted_signer(dev_pki, H41, issuer=None))
    message = edxml.parse(forged, trust=gov_trust)
    assert message.signature == "untrusted"  # intact, names H41, but chains to no anchor
    assert message.warnings[0].startswith("envelope signature is intact but not trusted:"
                                          " The X.509 certificate provided is self-signed")


def test_certificate_of_another_agency_is_invalid_even_if_trusted(status_from_h41, dev_pki,
                                                                  gov_trust):
    g09 = edxml.EnvelopeSigner(dev_pki.key("org-g09").read_bytes(),
                               dev_pki.cert("org-g09").read_bytes()
                               + dev_pki.cert("gov-ca").read_bytes())
    message = edxml.parse(signed(status_from_h41, g09), trust=gov_trust)
    assert message.signature == "invalid"
    assert message.warnings == ("envelope signed with the certificate of 000.00.00.G09,"
                                " but From is 000.00.00.H41",)


def test_certificate_naming_no_agency_is_invalid(status_from_h41, dev_pki, gov_trust):
    """An official's certificate (Bộ Mẫu's leader, no organizationIdentifier) cannot sign
    for the agency H41, even though gov-root trusts it."""
    binh = edxml.EnvelopeSigner(dev_pki.key("leader-binh").read_bytes(),
                                dev_pki.cert("leader-binh").read_bytes())
    message = edxml.parse(signed(status_from_h41, binh), trust=gov_trust)
    assert message.signature == "invalid"
    assert message.warnings == ("envelope signed with a certificate that names no agency"
                                " (organizationIdentifier), so not by 000.00.00.H41",)


def test_expired_certificate_is_not_valid(status_from_h41, dev_pki, gov_trust):
    expired = minted_signer(dev_pki, H41, not_after=datetime(2023, 1, 1, tzinfo=UTC))
    message = edxml.parse(signed(status_from_h41, expired), trust=gov_trust)
    assert message.signature == "untrusted", message.warnings
    assert "expired" in message.warnings[0]
    # The dev PKI's expired official (no agency named either) is not valid.
    official = edxml.EnvelopeSigner(dev_pki.key("official-expired").read_bytes(),
                                    dev_pki.cert("official-expired").read_bytes())
    assert edxml.parse(signed(status_from_h41, official), trust=gov_trust).signature != "valid"


def test_trust_anchors_from_a_directory_and_bad_paths(status_from_h41, org_signer, dev_pki,
                                                      tmp_path):
    (tmp_path / "gov-root.pem").write_bytes(dev_pki.cert("gov-root").read_bytes())
    trust = edxml.EnvelopeTrust.from_paths([tmp_path], revocation="offline")
    assert edxml.parse(signed(status_from_h41, org_signer), trust=trust).signature == "valid"
    # pub-root is a root, but not of the government CA.
    other = edxml.EnvelopeTrust.from_paths([dev_pki.cert("pub-root")], revocation="offline")
    assert edxml.parse(signed(status_from_h41, org_signer), trust=other).signature \
        == "untrusted"
    with pytest.raises(EnvelopeSignatureError, match="trust anchor not found"):
        edxml.EnvelopeTrust.from_paths([tmp_path / "missing.pem"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(EnvelopeSignatureError, match="no certificate in"):
        edxml.EnvelopeTrust.from_paths([tmp_path / "empty"])
    (tmp_path / "junk.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n")
    with pytest.raises(EnvelopeSignatureError, match="not a certificate file"):
        edxml.EnvelopeTrust.from_paths([tmp_path / "junk.pem"])


def test_signed_document_with_attachment_verifies(samples, org_signer, gov_trust, tmp_path):
    message = edxml.parse(samples / "edoc_update.edxml", attachments_dir=tmp_path)
    from_h41 = dataclasses.replace(message, sender=edxml.Organization(H41))
    assert edxml.parse(signed(from_h41, org_signer), trust=gov_trust).signature == "valid"


def test_tampered_envelope_is_invalid(status_from_h41, org_signer):
    data = signed(status_from_h41, org_signer).replace(b"<edXML:StatusCode>03<",
                                                       b"<edXML:StatusCode>02<")
    message = edxml.parse(data)
    assert message.signature == "invalid"
    assert message.warnings == ("envelope signature is invalid: Digest mismatch for"
                                " reference 0 ()",)
    with pytest.raises(StrictModeError, match="envelope signature is invalid"):
        edxml.parse(data, strict=True)


def test_signature_by_another_organization_is_invalid(samples, dev_pki):
    message = edxml.parse(samples / "status_cancellation_13.edxml")  # From 000.00.00.G22
    data = signed(message, edxml.EnvelopeSigner.from_files(dev_pki.key("org-g09"),
                                                           dev_pki.cert("org-g09")))
    parsed = edxml.parse(data)
    assert parsed.signature == "invalid"
    assert parsed.warnings == ("envelope signed with the certificate of 000.00.00.G09,"
                               " but From is 000.00.00.G22",)


def test_ecdsa_key_signs_too(status_from_h41, dev_pki, gov_trust):
    signer = minted_signer(dev_pki, H41, ec_key=True)
    assert edxml.parse(signed(status_from_h41, signer), trust=gov_trust).signature == "valid"


def test_placeholder_and_absent(samples):
    assert edxml.parse(samples / "edoc_revocation.edxml").signature == "placeholder"
    assert edxml.parse(samples / "status_finish_06.edxml").signature == "absent"


def test_placeholder_in_xmldsig_namespace_with_truncated_certificate(samples):
    data = (samples / "status_inbox_01.edxml").read_bytes().replace(
        b"</edXML:MessageHeader>",
        b'</edXML:MessageHeader><Signature xmlns="http://www.w3.org/2000/09/xmldsig#">'
        b"<SignedInfo/><SignatureValue>AAAA</SignatureValue><KeyInfo><X509Data>"
        b"<X509Certificate>MIIFqTCCBJG</X509Certificate></X509Data></KeyInfo></Signature>")
    message = edxml.parse(data)
    assert message.signature == "placeholder"
    assert message.warnings == ("placeholder signature block (unreadable certificate):"
                                " the envelope is treated as unsigned",)


def test_unusable_key_is_a_clear_error(status_from_h41, dev_pki, tmp_path):
    bad_key = tmp_path / "bad.pem"
    bad_key.write_bytes(b"not a key")
    with pytest.raises(EnvelopeSignatureError, match="cannot use the signing key"):
        signed(status_from_h41, edxml.EnvelopeSigner.from_files(bad_key,
                                                                dev_pki.cert("org-h41")))


def test_cli_build_signs_and_parse_checks_trust(samples, dev_pki, tmp_path):
    spec = tmp_path / "spec.json"
    done = run_cli("edxml", "parse", "--json", samples / "status_acceptance_03.edxml")
    spec.write_text(done.stdout)
    out = tmp_path / "signed.edxml"
    chain = tmp_path / "org-h41-chain.pem"
    chain.write_bytes(dev_pki.cert("org-h41").read_bytes() + dev_pki.cert("gov-ca").read_bytes())
    done = run_cli("edxml", "build", spec, "-o", out, "--sign-key", dev_pki.key("org-h41"),
                   "--sign-cert", chain)
    assert done.returncode == 0, done.stderr
    parsed = json.loads(run_cli("edxml", "parse", "--json", out, "--trust",
                                dev_pki.cert("gov-root"), "--revocation", "offline").stdout)
    assert (parsed["signature"], parsed["warnings"]) == ("valid", [])
    done = run_cli("edxml", "parse", "--json", out)
    assert json.loads(done.stdout)["signature"] == "untrusted"
    done = run_cli("edxml", "parse", "--strict", out)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("edochub: strict reading refuses: envelope signature is intact but"
                           " not trusted: no trust anchors were given to check its"
                           " certificate\n")
    done = run_cli("edxml", "parse", "--strict", out, "--trust", dev_pki.cert("pub-root"),
                   "--revocation", "offline")
    assert (done.returncode, done.stderr.count("\n")) == (2, 1)
    assert "does not chain to a trusted root" in done.stderr
    done = run_cli("edxml", "parse", out, "--trust", tmp_path / "nowhere")
    assert (done.returncode, done.stderr) == (2, "edochub: trust anchor not found:"
                                                 f" {tmp_path / 'nowhere'}\n")
    done = run_cli("edxml", "build", spec, "-o", out, "--sign-key", dev_pki.key("org-h41"))
    assert (done.returncode, done.stderr) == (2, "edochub: --sign-key and --sign-cert go"
                                                 " together\n")

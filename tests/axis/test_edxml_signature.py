"""Envelope signature with the organization's certificate (dev PKI org-h41): valid when intact
and from the sender's organization, invalid otherwise; the samples' placeholder is unsigned."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from axis import edxml
from axis.errors import EnvelopeSignatureError, StrictModeError
from tests.conftest import run_cli


@pytest.fixture()
def status_from_h41(samples) -> edxml.StatusMessage:
    message = edxml.parse(samples / "status_acceptance_03.edxml")
    assert message.sender.organ_id == "000.00.00.H41"
    return message


def signed(message: edxml.Message, signer: edxml.EnvelopeSigner) -> bytes:
    out = io.BytesIO()
    edxml.write(message, out, signer=signer)
    return out.getvalue()


def test_signed_envelope_verifies(status_from_h41, org_signer):
    data = signed(status_from_h41, org_signer)
    message = edxml.parse(data)
    assert (message.signature, message.warnings) == ("valid", ())
    assert dataclasses.replace(message, signature="absent") == status_from_h41
    assert b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">' in data
    assert data.index(b"<ds:Signature") < data.index(b"</edXML:edXMLHeader>")
    # RSA PKCS#1 v1.5 is deterministic: signing again gives the same bytes.
    assert signed(message, org_signer) == data


def test_signed_document_with_attachment_verifies(samples, org_signer, tmp_path):
    message = edxml.parse(samples / "edoc_update.edxml", attachments_dir=tmp_path)
    from_h41 = dataclasses.replace(message, sender=edxml.Organization("000.00.00.H41"))
    assert edxml.parse(signed(from_h41, org_signer)).signature == "valid"


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


def test_ecdsa_key_signs_too(status_from_h41, dev_pki):
    signer = edxml.EnvelopeSigner.from_files(dev_pki.key("leader-binh"),
                                             dev_pki.cert("leader-binh"))
    assert edxml.parse(signed(status_from_h41, signer)).signature == "valid"


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


def test_cli_build_signs(samples, dev_pki, tmp_path):
    spec = tmp_path / "spec.json"
    done = run_cli("edxml", "parse", "--json", samples / "status_acceptance_03.edxml")
    spec.write_text(done.stdout)
    out = tmp_path / "signed.edxml"
    done = run_cli("edxml", "build", spec, "-o", out, "--sign-key", dev_pki.key("org-h41"),
                   "--sign-cert", dev_pki.cert("org-h41"))
    assert done.returncode == 0, done.stderr
    parsed = json.loads(run_cli("edxml", "parse", "--json", out).stdout)
    assert parsed["signature"] == "valid"
    done = run_cli("edxml", "build", spec, "-o", out, "--sign-key", dev_pki.key("org-h41"))
    assert (done.returncode, done.stderr) == (2, "edochub: --sign-key and --sign-cert go"
                                                 " together\n")

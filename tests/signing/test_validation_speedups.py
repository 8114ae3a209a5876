"""The validation speed-ups of issue 16 give pyHanko's and asn1crypto's answers: certificates
extracted without copies and once per signature (signing.validation.upstream_cms), name
hashables remembered (signing.validation.upstream_names), and the signer-certificate check
handed a known outcome only inside its scope (signing.validation.upstream_paths)."""

from __future__ import annotations

import asyncio
import io

import pytest
from asn1crypto import cms, x509
from pyhanko.sign.general import extract_certificate_info as pyhanko_extract
from pyhanko.sign.validation import generic_cms

from signing.validation import upstream_cms, upstream_names, upstream_paths, upstream_tokens
from signing.validation.pyhanko_bridge import open_reader, regular_signatures
from tests.signing import attack_corpus


def _signed_data(pki_services) -> cms.SignedData:
    data = attack_corpus.sign(pki_services, attack_corpus.base_document())
    (embedded,) = regular_signatures(open_reader(data))
    return embedded.signed_data


def test_certificates_extracted_as_pyhanko_extracts_them(pki_services):
    upstream_cms.install()
    signed_data = _signed_data(pki_services)
    ours, theirs = upstream_cms.extract_certificate_info(signed_data), pyhanko_extract(signed_data)
    assert ours.signer_cert.dump() == theirs.signer_cert.dump()
    assert [c.dump() for c in ours.other_certs] == [c.dump() for c in theirs.other_certs]
    assert ours.attribute_certs == theirs.attribute_certs == []
    # the signature's own objects, not copies
    carried = [choice.chosen for choice in signed_data["certificates"]]
    assert any(ours.signer_cert is cert for cert in carried)
    assert generic_cms.extract_certs_for_validation(signed_data) is \
        generic_cms.extract_certs_for_validation(signed_data)


def test_name_hashables_as_asn1crypto_makes_them():
    upstream_names.install()
    built = x509.Name.build({"common_name": "Nguyễn  Văn An", "country_name": "VN"})
    for _ in range(2):
        upstream_names.uninstall()
        theirs = built.hashable
        upstream_names.install()
        assert built.hashable == theirs
        assert x509.Name.load(built.dump()).hashable == theirs


def test_known_outcome_used_only_inside_its_scope_and_for_its_signer(pki_services):
    upstream_paths.install()
    signed_data = _signed_data(pki_services)
    cert, other = (lambda info: (info.signer_cert, info.other_certs[0]))(
        upstream_cms.extract_certificate_info(signed_data))
    calls = []
    trust = object()

    async def original(*args):
        calls.append(args[0])
        return "checked"

    class Builder:
        trust_manager = trust

    class Context:
        moment = cert.not_valid_before
        fetching_allowed, ocsps, crls = False, [], []
        path_builder = Builder()

    def slot(usable_from) -> upstream_paths.Slot:
        known = upstream_paths.Check(cert.sha256, "ku", trust, "known")  # type: ignore[arg-type]
        return upstream_paths.Slot(known=[known], usable_from=usable_from,
                                   usable_until=cert.not_valid_after)

    upstream_paths._original, saved = original, upstream_paths._original
    try:
        async def check(certificate: x509.Certificate, key_usage: str = "ku") -> object:
            return await upstream_paths.validate_cert_usage(certificate, Context(), key_usage,
                                                            None)

        assert asyncio.run(check(cert)) == "checked"  # outside the scope: pyHanko's
        in_time = slot(cert.not_valid_before)
        with upstream_paths.scoped(in_time):
            assert asyncio.run(check(cert)) == "known"
            assert asyncio.run(check(other)) == "checked"  # another certificate
            assert asyncio.run(check(cert, "other")) == "checked"  # other key-usage rules
        assert in_time.reused == 1 and len(in_time.seen) == 2
        late = slot(cert.not_valid_after)
        with upstream_paths.scoped(late):  # the validation time before its window
            assert asyncio.run(check(cert)) == "checked"
        assert not late.reused and late.seen[0].outcome == "checked" \
            and late.seen_without_revinfo
        assert len(calls) == 4
    finally:
        upstream_paths._original = saved


@pytest.mark.parametrize("source", [
    b"/Type/Sig", b"Type /Sig", b"123 0 R", b"true]", b"abc", b"", b"/", b"a%comment",
    b"x" * 300 + b"(", b"x" * 300, b"Na#20me>>", b"\x80\xff ", b"a\x00b", b"{q}",
])
def test_tokens_read_as_pyhanko_reads_them(source):
    from pyhanko.pdf_utils.misc import read_until_delimiter as pyhanko_read

    for offset in range(min(len(source), 3)):
        ours, theirs = io.BytesIO(source), io.BytesIO(source)
        ours.seek(offset)
        theirs.seek(offset)
        assert upstream_tokens.read_until_delimiter(ours) == pyhanko_read(theirs)
        assert ours.tell() == theirs.tell()


@pytest.mark.parametrize("name", [
    b"Type", b"Sig", b"A#20B", b"a#2", b"a#zz", b"Nguy\xe1\xbb\x85n", b"\xff", b"", b"a(b",
    b"~!", b"a b",
])
def test_names_decoded_as_pyhanko_decodes_them(name):
    upstream_tokens.install()
    outcomes = []
    for decode in (upstream_tokens._decode_name, upstream_tokens._ORIGINAL_NAME):
        try:
            outcomes.append(("value", decode(name), type(decode(name))))
        except Exception as exc:  # noqa: BLE001 - the same error is what is compared
            outcomes.append(("error", type(exc), str(exc)))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("source", [
    b"  /Type", b"x", b"\n\r\t\f\x00 1 0 R", b"% comment\n  7", b"   ", b"", b" " * 80 + b"z",
    b" %", b"%\n", b"(", b" \x80", b" \n%c\n x",
])
@pytest.mark.parametrize("seek_back", [False, True])
@pytest.mark.parametrize("allow_eof", [False, True])
def test_white_space_skipped_as_pyhanko_skips_it(source, seek_back, allow_eof):
    upstream_tokens.install()
    outcomes = []
    for skip in (upstream_tokens.read_non_whitespace, upstream_tokens._ORIGINAL_SPACE):
        stream = io.BytesIO(source)
        try:
            outcomes.append(("value", skip(stream, seek_back=seek_back, allow_eof=allow_eof),
                             stream.tell()))
        except Exception as exc:  # noqa: BLE001 - the same error is what is compared
            outcomes.append(("error", type(exc), str(exc)))
    assert outcomes[0] == outcomes[1]


def test_a_signature_verification_is_remembered_only_once_it_succeeded(pki_services):
    from cryptography.exceptions import InvalidSignature
    from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator

    upstream_cms.install()
    info = upstream_cms.extract_certificate_info(_signed_data(pki_services))
    issuer = next(c for c in info.other_certs if c.subject == info.signer_cert.issuer)
    cert, validator = info.signer_cert, DefaultSignatureValidator()
    signature, tbs = cert["signature_value"].native, cert["tbs_certificate"].dump()
    for _ in range(2):  # the second time from memory
        validator.validate_signature(signature, tbs, issuer.public_key,
                                     cert["signature_algorithm"])
    for _ in range(2):  # a wrong signature is refused every time
        with pytest.raises(InvalidSignature):
            validator.validate_signature(signature, tbs + b"\x00", issuer.public_key,
                                         cert["signature_algorithm"])


def test_validation_objects_gathered_when_read_inside_the_scope(pki_services):
    from pyhanko.sign.validation import ades

    upstream_paths.install()
    cert = upstream_cms.extract_certificate_info(_signed_data(pki_services)).signer_cert
    objects = [ades.ValidationObject(ades.ValidationObjectType.CERTIFICATE, cert)]
    read = []

    def gathered():
        read.append(True)
        yield from objects

    eager = ades.ValidationObjectSet(iter(objects))
    with upstream_paths.scoped(upstream_paths.Slot()):
        lazy = ades.ValidationObjectSet(gathered())
    assert not read  # not gathered until read
    assert list(lazy) == list(eager) == objects and read == [True]
    assert list(lazy) == objects and read == [True]  # gathered once

"""The API supports split signing (the hub prepares the PDF and digest with the certificate
only, the key signs elsewhere, the hub completes the file) through pyHanko's interrupted
signing on :meth:`PadesSigner.pdf_signer`."""

from __future__ import annotations

import asyncio

from signing.pades.keys import Pkcs12Source, external_key, open_key
from signing.pades.signer import PadesSigner, SignatureOptions, open_writer
from signing.validation.results import PadesLevel
from signing.validation.validator import ValidationSettings, Validator
from tests.pdf_samples import simple_pdf


def test_interrupted_signing_with_external_key(pki_services):
    from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

    pki = pki_services

    async def run() -> bytes:
        with open_key(Pkcs12Source(pki.p12("leader-an"))) as real:  # stands for the token
            hub = PadesSigner(external_key(real.certificate, real.chain),
                              SignatureOptions(level=PadesLevel.B_T, tsa_url=pki.tsa_url))
            await hub.async_check_certificate()
            pdf_signer = hub.pdf_signer(field_name="ChuKyLanhDao")
            prepared, tbs, output = await pdf_signer.async_digest_doc_for_signing(
                open_writer(simple_pdf("split signing")))
            instructions = tbs.post_sign_instructions
            # on the signer's machine: signed attributes over the digest, raw signature
            attrs = await real.signer.signed_attrs(prepared.document_digest, "sha256",
                                                   use_pades=True)
            raw = await real.signer.async_sign_raw(attrs.dump(), "sha256")
            # back on the hub: the CMS with the returned signature, then the PDF
            returned = external_key(real.certificate, real.chain, signature_value=raw)
            cms = await returned.signer.async_sign_prescribed_attributes(
                "sha256", signed_attrs=attrs, timestamper=hub.timestamper)
            await PdfTBSDocument.async_finish_signing(output, prepared, cms,
                                                      post_sign_instr=instructions)
            await hub.aclose()
            return output.getvalue()

    signed = asyncio.run(run())

    async def validate():
        async with Validator(ValidationSettings.from_paths(pki.trust_roots)) as validator:
            return await validator.async_validate_bytes(signed, "split.pdf")

    result = asyncio.run(validate())
    [sig] = result.signatures
    assert (sig.field, sig.indication.value, sig.level) == ("ChuKyLanhDao", "TOTAL-PASSED",
                                                           PadesLevel.B_T)

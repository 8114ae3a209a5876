"""The ``edochub`` command's key and trust arguments on the development PKI, verification
through the real command, and signatures made with pyHanko directly (for signers edochub
refuses, so that validation of such files can be tested)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from signing import devpki


def p12_args(pki: devpki.DevPki, label: str) -> list[str]:
    return ["--p12", str(pki.p12(label))]


def trust_args(pki: devpki.DevPki) -> list[str]:
    return [arg for root in pki.trust_roots for arg in ("--trust", str(root))]


def sign_args(pki: devpki.DevPki, level: str) -> list[str]:
    """``--level``/``--tsa``/``--trust`` for ``edochub sign`` at ``level``."""
    args = ["--level", level]
    if level != "B-B":
        args += ["--tsa", pki.tsa_url, *trust_args(pki)]
    return args


def verify_json(cli, pki: devpki.DevPki, *paths: Path, extra: tuple[str, ...] = ()):
    """Run ``edochub verify --json`` trusting the dev roots; (exit code, parsed document)."""
    result = cli("verify", *paths, "--json", *trust_args(pki), *extra)
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def force_sign(pki: devpki.DevPki, label: str, data: bytes, *, signature_timestamp: bool = False,
               content_timestamp: bool = False) -> bytes:
    """Sign with pyHanko directly, skipping every check edochub makes before signing."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.ades.api import CAdESSignedAttrSpec
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    timestamper = RequestsHTTPTimeStamper(pki.tsa_url)
    meta = signers.PdfSignatureMetadata(
        field_name="Forced", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        cades_signed_attr_spec=CAdESSignedAttrSpec(timestamp_content=True)
        if content_timestamp else None,
    )
    signer = signers.SimpleSigner.load_pkcs12(str(pki.p12(label)))
    pdf_signer = signers.PdfSigner(
        meta, signer,
        timestamper=timestamper if signature_timestamp or content_timestamp else None)
    out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)))
    return out.getvalue()

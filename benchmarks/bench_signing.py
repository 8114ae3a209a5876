"""Signing and validation speed, measured in one run against pyHanko used the documented
default way (baseline), on the same 1-page PDF and RSA-2048 key of the development PKI.

    PYTHONPATH=. python benchmarks/bench_signing.py [--docs N]

Signing (PAdES B-B, files in and out):
  baseline  per document: SimpleSigner.load_pkcs12 + a new PdfSigner + sign_pdf
  edochub   per document: signing.pades.batch.sign_batch over a folder (key loaded and checked once,
            container sized once)                                  target: <= 1/10 of baseline
Validation (the files just signed, dev roots trusted, revocation checked online):
  baseline  per document: a new ValidationContext + validate_pdf_signature per file
  edochub   per document: signing.validation.validator.validate_paths over the folder (one
  Validator,
            shared OCSP/CRL caches)                                target: <= 1/3 of baseline

The development PKI is built in a temporary folder and its OCSP/CRL/TSA served on loopback.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from edochub.samples import simple_pdf  # noqa: E402
from signing import devpki  # noqa: E402

SIGNER = "org-h41"  # RSA-2048


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def baseline_sign(pki: devpki.DevPki, sources: list[Path], outdir: Path) -> float:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    outdir.mkdir()
    start = time.perf_counter()
    for source in sources:
        signer = signers.SimpleSigner.load_pkcs12(str(pki.p12(SIGNER)))
        meta = signers.PdfSignatureMetadata(
            field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256")
        with source.open("rb") as inf:
            writer = IncrementalPdfFileWriter(inf)
            with (outdir / source.name).open("wb") as outf:
                signers.PdfSigner(meta, signer).sign_pdf(writer, output=outf)
    return (time.perf_counter() - start) / len(sources)


def edochub_sign(pki: devpki.DevPki, indir: Path, outdir: Path, count: int) -> float:
    from signing.pades import Pkcs12Source, SignatureOptions, sign_batch

    start = time.perf_counter()
    outcomes = sign_batch(indir, outdir, Pkcs12Source(pki.p12(SIGNER)), SignatureOptions())
    elapsed = time.perf_counter() - start
    assert len(outcomes) == count and not any(o.error for o in outcomes)
    return elapsed / count


def baseline_validate(pki: devpki.DevPki, files: list[Path]) -> float:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from signing.validation import load_certificates

    roots = load_certificates(pki.trust_roots)
    start = time.perf_counter()
    for path in files:
        with path.open("rb") as inf:
            reader = PdfFileReader(inf)
            vc = ValidationContext(trust_roots=list(roots), allow_fetching=True)
            status = validate_pdf_signature(reader.embedded_signatures[0], vc)
            assert status.bottom_line, status.pretty_print_details()
    return (time.perf_counter() - start) / len(files)


def edochub_validate(pki: devpki.DevPki, files: list[Path]) -> float:
    from signing.validation import ValidationSettings, validate_paths

    start = time.perf_counter()
    settings = ValidationSettings.from_paths(pki.trust_roots)
    results = validate_paths(files, settings)
    elapsed = time.perf_counter() - start
    assert all(r.bottom_line for r in results), [r.to_json() for r in results if not
                                                 r.bottom_line][:1]
    return elapsed / len(files)


def report(what: str, baseline: float, ours: float, target: float) -> bool:
    ratio = ours / baseline
    ok = ratio <= target
    print(f"{what:<11} baseline {baseline * 1000:8.1f} ms/doc   edochub {ours * 1000:8.1f} ms/doc"
          f"   ratio {ratio:.3f} (target <= {target:.3f}) {'OK' if ok else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100,
                        help="documents per run (default 100: a clerk seals hundreds at once)")
    args = parser.parse_args()
    for name in ("werkzeug", "pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    with tempfile.TemporaryDirectory(prefix="edochub-bench-") as tmp:
        root = Path(tmp)
        pki = devpki.build(root / "pki", f"http://127.0.0.1:{free_port()}")
        indir = root / "in"
        indir.mkdir()
        data = simple_pdf("benchmark document")
        sources = []
        for n in range(args.docs):
            sources.append(indir / f"doc-{n:04d}.pdf")
            sources[-1].write_bytes(data)
        print(f"{args.docs} copies of a {len(data)}-byte 1-page PDF, key {SIGNER} (RSA-2048), "
              "PAdES B-B")
        with devpki.serving(pki):
            sign_base = baseline_sign(pki, sources, root / "out-baseline")
            sign_ours = edochub_sign(pki, indir, root / "out-edochub", args.docs)
            signed = sorted((root / "out-edochub").glob("*.pdf"))
            validate_base = baseline_validate(pki, signed)
            validate_ours = edochub_validate(pki, signed)
        ok = report("signing", sign_base, sign_ours, 1 / 10)
        ok = report("validation", validate_base, validate_ours, 1 / 3) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

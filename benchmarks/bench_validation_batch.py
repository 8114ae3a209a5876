"""Batch validation speed: ``edochub verify``'s batch path (signing.validation.batch, two worker
processes, per-worker OCSP/CRL/certificate caches and validated certificate paths) against
pyHanko's default ``validate_pdf_signature`` used one file at a time (a fresh ValidationContext
with fetching per file, as a script would), on the same signed one-page PDFs in the same run.

Prints the per-document cost of both and their ratio (issue 4 target: at most 1/5).

    PYTHONPATH=. python benchmarks/bench_validation_batch.py [--files 1000] [--baseline 100]

The baseline is timed on the first ``--baseline`` files (its per-document cost does not depend
on how many files follow); the batch runs over all ``--files``. Everything runs on loopback
against the development PKI (OCSP, CRL served by certomancer in this process).
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

from signing import devpki  # noqa: E402
from signing.validation import BatchSettings, verify_batch  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _signed_documents(pki: devpki.DevPki, folder: Path, count: int) -> list[Path]:
    """``count`` different one-page PDFs signed (PAdES B-B) by the hub's signer as leader-an."""
    import asyncio

    from edochub.samples import simple_pdf
    from signing.pades import PadesSigner, Pkcs12Source, SignatureOptions, open_key

    async def sign_all() -> list[Path]:
        paths = []
        with open_key(Pkcs12Source(pki.p12("leader-an"))) as key:
            signer = PadesSigner(key, SignatureOptions())
            try:
                for index in range(count):
                    document = simple_pdf(f"Quyet dinh so {index + 1}/QD-UBND")
                    path = folder / f"doc-{index:05d}.pdf"
                    path.write_bytes(await signer.async_sign_bytes(document))
                    paths.append(path)
            finally:
                await signer.aclose()
        return paths

    return asyncio.run(sign_all())


def _baseline(pki: devpki.DevPki, paths: list[Path]) -> float:
    """Seconds per document with pyHanko's defaults, one file at a time."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = [load_cert_from_pemder(str(p)) for p in pki.trust_roots]
    started = time.perf_counter()
    for path in paths:
        with path.open("rb") as handle:
            reader = PdfFileReader(handle)
            context = ValidationContext(trust_roots=roots, allow_fetching=True)
            status = validate_pdf_signature(reader.embedded_signatures[0], context)
            assert status.bottom_line, path
    return (time.perf_counter() - started) / len(paths)


def _batch(pki: devpki.DevPki, paths: list[Path], workers: int) -> float:
    settings = BatchSettings(trust=tuple(pki.trust_roots), timestamp_trust=None,
                             revocation="require", at=None)
    started = time.perf_counter()
    results = verify_batch(paths, settings, workers=workers)
    elapsed = time.perf_counter() - started
    assert all(r.bottom_line for r in results), [r for r in results if not r.bottom_line][:1]
    return elapsed / len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=100,
                        help="files timed with the baseline (default 100)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for name in ("pyhanko", "pyhanko_certvalidator", "werkzeug"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    with tempfile.TemporaryDirectory(prefix="bench-validation-") as scratch:
        root = Path(scratch)
        pki = devpki.build(root / "pki", f"http://127.0.0.1:{_free_port()}")
        with devpki.serving(pki):
            print(f"signing {args.files} one-page PDFs...", file=sys.stderr)
            paths = _signed_documents(pki, root, args.files)
            baseline = _baseline(pki, paths[:args.baseline])
            batch = _batch(pki, paths, args.workers)
    print(f"pyHanko validate_pdf_signature, one file at a time ({args.baseline} files): "
          f"{baseline * 1000:8.1f} ms/document")
    print(f"edochub batch verify, {args.workers} workers ({args.files} files):"
          f"{' ' * max(1, 17 - len(str(args.files)))}{batch * 1000:8.1f} ms/document")
    print(f"ratio batch/baseline: {batch / baseline:.3f} (target <= 0.200)")


if __name__ == "__main__":
    main()

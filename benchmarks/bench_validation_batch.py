"""Validation speed per document: ``edochub verify``'s batch path (signing.validation.batch: one
process, and ``--workers N`` processes, each with one long-lived Validator) against plain
pyHanko ``validate_pdf_signature`` used one file at a time (a fresh ValidationContext per file,
as a script would), on the same signed one-page PDFs, in each revocation mode, in one run.

For each mode it prints both per-document times and the ratio pyHanko/ours (issue 16 target:
at least 5). The comparison is of the CPU path: plain pyHanko is given the revocation answers
(OCSP responses and CRLs, fetched once beforehand) in its ValidationContext, so neither side
waits on the network per file; its revocation mode is ``soft-fail`` for ``soft``, ``require``
for ``require``, and ``hard-fail`` with no answers for ``offline`` (both sides then judge by the
file's own validation data, which a B-B file lacks: not passed on both sides). Each side's
verdicts are printed and must agree.

    PYTHONPATH=. python benchmarks/bench_validation_batch.py [--files 400] [--baseline 100]
        [--revocation soft|require|offline|all] [--workers 2]

The baseline is timed on the first ``--baseline`` files (its per-document cost does not depend
on how many files follow); ours runs over all ``--files``, first in this process, then with
``--workers`` processes (their start-up included). Everything runs on loopback against the
development PKI (OCSP, CRL served by certomancer in this process).
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from signing import devpki  # noqa: E402
from signing.validation import BatchSettings, verify_batch  # noqa: E402

MODES = ("soft", "require", "offline")
#: plain pyHanko's revocation mode for each of ours
_PLAIN = {"soft": "soft-fail", "require": "require", "offline": "hard-fail"}


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


def _baseline(pki: devpki.DevPki, paths: list[Path], mode: str) -> tuple[float, Counter]:
    """Seconds per document with plain pyHanko, one file at a time, and its verdicts."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = [load_cert_from_pemder(str(p)) for p in pki.trust_roots]
    revinfo = {"crls": [], "ocsps": []}
    if mode != "offline":  # the revocation answers, fetched once, handed to every file
        fetching = ValidationContext(trust_roots=roots, allow_fetching=True,
                                     revocation_mode="require")
        with paths[0].open("rb") as handle:
            validate_pdf_signature(PdfFileReader(handle).embedded_signatures[0], fetching)
        revinfo = {"crls": list(fetching.crls), "ocsps": list(fetching.ocsps)}
    revocation = _PLAIN[mode]
    verdicts: Counter = Counter()
    started = time.perf_counter()
    for path in paths:
        with path.open("rb") as handle:
            reader = PdfFileReader(handle)
            context = ValidationContext(trust_roots=roots, revocation_mode=revocation, **revinfo)
            status = validate_pdf_signature(reader.embedded_signatures[0], context)
            verdicts["passed" if status.bottom_line else "not passed"] += 1
    return (time.perf_counter() - started) / len(paths), verdicts


def _ours(pki: devpki.DevPki, paths: list[Path], mode: str, workers: int,
          ) -> tuple[float, Counter]:
    settings = BatchSettings(trust=tuple(pki.trust_roots), timestamp_trust=None,
                             revocation=mode, at=None)
    started = time.perf_counter()
    results = verify_batch(paths, settings, workers=workers)
    elapsed = time.perf_counter() - started
    return elapsed / len(paths), Counter("passed" if r.bottom_line else "not passed"
                                         for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--baseline", type=int, default=100,
                        help="files timed with plain pyHanko (default 100)")
    parser.add_argument("--revocation", choices=(*MODES, "all"), default="all")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for name in ("pyhanko", "pyhanko_certvalidator", "werkzeug"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    modes = MODES if args.revocation == "all" else (args.revocation,)

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-validation-") as scratch:
        root = Path(scratch)
        pki = devpki.build(root / "pki", f"http://127.0.0.1:{_free_port()}")
        with devpki.serving(pki):
            print(f"signing {args.files} one-page PDFs...", file=sys.stderr)
            paths = _signed_documents(pki, root, args.files)
            for mode in modes:
                print(f"--revocation {mode}...", file=sys.stderr)
                plain, plain_verdicts = _baseline(pki, paths[:args.baseline], mode)
                for workers in (1, args.workers):
                    ours, verdicts = _ours(pki, paths, mode, workers)
                    if set(verdicts) != set(plain_verdicts):
                        raise SystemExit(f"verdicts differ in {mode} mode: ours {verdicts}, "
                                         f"pyHanko {plain_verdicts}")
                    rows.append((mode, workers, plain, ours, verdicts))
                    print(f"  {workers} process(es): pyHanko {plain * 1000:.2f} ms, ours "
                          f"{ours * 1000:.2f} ms", file=sys.stderr)
    print(f"{len(paths)} one-page PAdES B-B files (plain pyHanko timed on {args.baseline}); "
          "ms per document")
    print(f"{'revocation':<10} {'processes':>9} {'pyHanko':>9} {'ours':>8} {'ratio':>7}  verdicts")
    for mode, workers, plain, ours, verdicts in rows:
        print(f"{mode:<10} {workers:>9} {plain * 1000:9.2f} {ours * 1000:8.2f} "
              f"{plain / ours:6.1f}x  {dict(verdicts)} (target >= 5x)")


if __name__ == "__main__":
    main()

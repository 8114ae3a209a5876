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

Ours in one process and plain pyHanko take turns file by file (the first ``--baseline``
files), so both see the same load on a shared machine; their CPU time (this process only:
the loopback OCSP/CRL server runs in it too, and is counted) is the steadier figure, wall time
is printed too. Then ours runs over all ``--files`` with ``--workers`` processes (their
start-up included), against plain pyHanko's wall time per file. Everything runs on loopback
against the development PKI (OCSP, CRL served by certomancer in this process).
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


class _Plain:
    """Plain pyHanko, one file at a time, a fresh ValidationContext per file (its async
    ``validate_pdf_signature``, so that it can take turns with ours in one event loop)."""

    def __init__(self, pki: devpki.DevPki, mode: str) -> None:
        from pyhanko.keys import load_cert_from_pemder

        self.roots = [load_cert_from_pemder(str(p)) for p in pki.trust_roots]
        self.revinfo: dict = {"crls": [], "ocsps": []}
        self.mode = mode

    async def fetch_answers(self, first: Path) -> None:
        """The revocation answers, fetched once, handed to every file (not in offline mode)."""
        from pyhanko_certvalidator import ValidationContext

        if self.mode != "offline":
            fetching = ValidationContext(trust_roots=self.roots, allow_fetching=True,
                                         revocation_mode="require")
            try:
                await self._validate(first, fetching)
            finally:
                await fetching.aclose()  # its HTTP session
            self.revinfo = {"crls": list(fetching.crls), "ocsps": list(fetching.ocsps)}

    async def __call__(self, path: Path) -> bool:
        from pyhanko_certvalidator import ValidationContext

        from signing.validation import upstream

        # plain: without the changes ours puts into pyHanko and asn1crypto (it puts them
        # back on its next file)
        upstream.uninstall_speedups()
        return await self._validate(path, ValidationContext(
            trust_roots=self.roots, revocation_mode=_PLAIN[self.mode], **self.revinfo))

    @staticmethod
    async def _validate(path: Path, context) -> bool:  # noqa: ANN001
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import async_validate_pdf_signature

        with path.open("rb") as handle:
            signature = PdfFileReader(handle).embedded_signatures[0]
            return (await async_validate_pdf_signature(signature, context)).bottom_line


def _one_process(pki: devpki.DevPki, paths: list[Path], mode: str, baseline: int) -> dict:
    """Plain pyHanko and our Validator (one, for the whole batch, as ``edochub verify`` keeps
    it) taking turns file by file, so both see the same machine load: CPU and wall seconds per
    document of each, and the verdicts."""
    import asyncio

    from signing.validation import ValidationSettings, Validator

    plain = _Plain(pki, mode)
    settings = ValidationSettings.from_paths(pki.trust_roots, revocation=mode)
    spent = {"plain": [0.0, 0.0], "ours": [0.0, 0.0]}
    verdicts: dict[str, Counter] = {"plain": Counter(), "ours": Counter()}

    async def timed(side: str, validation) -> None:  # noqa: ANN001 - an awaitable
        cpu, wall = time.process_time(), time.perf_counter()
        passed = await validation
        spent[side][0] += time.process_time() - cpu
        spent[side][1] += time.perf_counter() - wall
        verdicts[side]["passed" if passed else "not passed"] += 1

    async def ours(validator, path: Path) -> bool:  # noqa: ANN001
        return (await validator.async_validate_file(path)).bottom_line

    async def run() -> None:
        await plain.fetch_answers(paths[0])
        async with Validator(settings) as validator:
            for index, path in enumerate(paths):
                if index < baseline:
                    await timed("plain", plain(path))
                await timed("ours", ours(validator, path))

    asyncio.run(run())
    counts = {"plain": baseline, "ours": len(paths)}
    return {side: (spent[side][0] / counts[side], spent[side][1] / counts[side],
                   verdicts[side]) for side in spent}


def _workers(pki: devpki.DevPki, paths: list[Path], mode: str, workers: int,
             ) -> tuple[float, Counter]:
    """Wall seconds per document of ``verify_batch`` with ``workers`` processes."""
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
                        help="files also validated with plain pyHanko (default 100)")
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
                sides = _one_process(pki, paths, mode, min(args.baseline, len(paths)))
                (plain_cpu, plain_wall, plain_verdicts), (cpu, wall, verdicts) = \
                    sides["plain"], sides["ours"]
                pool_wall, pool_verdicts = _workers(pki, paths, mode, args.workers)
                for found in (verdicts, pool_verdicts):
                    if set(found) != set(plain_verdicts):
                        raise SystemExit(f"verdicts differ in {mode} mode: ours {found}, "
                                         f"pyHanko {plain_verdicts}")
                rows.append((mode, "1, CPU", plain_cpu, cpu, verdicts))
                rows.append((mode, "1, wall", plain_wall, wall, verdicts))
                rows.append((mode, f"{args.workers}, wall", plain_wall, pool_wall,
                             pool_verdicts))
                print(f"  pyHanko {plain_cpu * 1000:.2f} ms CPU, ours {cpu * 1000:.2f} ms CPU; "
                      f"{args.workers} workers {pool_wall * 1000:.2f} ms wall", file=sys.stderr)
    print(f"{len(paths)} one-page PAdES B-B files (plain pyHanko on the first "
          f"{min(args.baseline, len(paths))}, taking turns with ours); ms per document")
    print(f"{'revocation':<10} {'processes':>10} {'pyHanko':>9} {'ours':>8} {'ratio':>7}  "
          "verdicts (target >= 5x)")
    for mode, processes, plain, ours, verdicts in rows:
        print(f"{mode:<10} {processes:>10} {plain * 1000:9.2f} {ours * 1000:8.2f} "
              f"{plain / ours:6.1f}x  {dict(verdicts)}")


if __name__ == "__main__":
    main()

"""Decree 30 signing speed per document, in one process: the hub's signer
(documents.adapters.signing.PadesDocumentSigner, as ``edochub serve`` builds it: PAdES B-T,
time-stamped by the development TSA) doing the four steps of a document, against plain pyHanko
signing the same files with the same keys and TSA (``sign_pdf`` into a new visible field with
pyHanko's default text stamp, one fresh signer per step, as a script would).

Steps: ``prepare`` (number and date fields added to the draft: no pyHanko counterpart),
``leader`` (the leader's signature with the handwritten-signature image), ``issue`` (the
leader's signature checked, number and date filled, the seal applied) and ``attachment``
(the annex's top-right text signature). Issue 16 targets: issue <= 200 ms and leader <= 100 ms
of work per document beyond start-up (the first document, which prepares fonts and opens keys,
is timed apart).

    PYTHONPATH=. python benchmarks/bench_decree30.py [--documents 100]
"""

from __future__ import annotations

import argparse
import io
import logging
import socket
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STEPS = ("prepare", "leader", "issue", "attachment")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _drafts(draft: bytes, count: int) -> list[bytes]:
    """``count`` different files of the specimen draft (an incremental update numbering each),
    so that nothing is reused across documents merely because their bytes are the same."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    drafts = []
    for index in range(count):
        writer = IncrementalPdfFileWriter(io.BytesIO(draft))
        writer.root["/EdochubBenchmarkCopy"] = generic.NumberObject(index)
        writer.update_root()
        out = io.BytesIO()
        writer.write(out)
        drafts.append(out.getvalue())
    return drafts


def _ours(signer, leader, drafts: list[bytes], annex: bytes,
          ) -> tuple[dict[str, float], dict[str, float], list[bytes]]:
    """Seconds for the first document per step, then per document for the others; and the
    signed documents (kept for the check)."""
    count = len(drafts)
    first: dict[str, float] = {}
    totals = dict.fromkeys(STEPS, 0.0)
    signed = []
    for index, draft in enumerate(drafts):
        spent = {}
        started = time.perf_counter()
        prepared = signer.prepare(draft)
        spent["prepare"] = time.perf_counter() - started
        started = time.perf_counter()
        by_leader = signer.sign_as_leader(prepared, leader)
        spent["leader"] = time.perf_counter() - started
        started = time.perf_counter()
        issued = signer.issue(by_leader, index + 1, "UBND-VP", "Hà Nội", date(2026, 12, 2))
        spent["issue"] = time.perf_counter() - started
        started = time.perf_counter()
        sealed = signer.seal_attachment(annex, f"{index + 1:02d}/UBND-VP")
        spent["attachment"] = time.perf_counter() - started
        signed += [issued, sealed]
        if index == 0:
            first = spent
        else:
            for step in STEPS:
                totals[step] += spent[step]
    return first, {s: totals[s] / max(1, count - 1) for s in STEPS}, signed


def _plain(pki, draft: bytes, annex: bytes, count: int) -> dict[str, float]:
    """Seconds per document per step with plain pyHanko (no ``prepare``)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    def sign(p12: Path, pdf: bytes, name: str, box: tuple[int, int, int, int]) -> bytes:
        signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=None)
        out = signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
            signers.PdfSignatureMetadata(field_name=name, md_algorithm="sha256",
                                         subfilter=fields.SigSeedSubFilter.PADES),
            signer=signer, timestamper=HTTPTimeStamper(pki.tsa_url),
            new_field_spec=fields.SigFieldSpec(name, on_page=0, box=box))
        return out.getvalue()

    totals = dict.fromkeys(STEPS, 0.0)
    for _ in range(count):
        started = time.perf_counter()
        leader = sign(pki.p12("leader-an"), draft, "Leader", (350, 150, 500, 220))
        totals["leader"] += time.perf_counter() - started
        started = time.perf_counter()
        sign(pki.p12("org-h41"), leader, "Seal", (300, 140, 400, 240))
        totals["issue"] += time.perf_counter() - started
        started = time.perf_counter()
        sign(pki.p12("org-h41"), annex, "Annex", (400, 760, 575, 820))
        totals["attachment"] += time.perf_counter() - started
    return {s: totals[s] / count for s in STEPS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--baseline", type=int, default=20,
                        help="documents signed with plain pyHanko (default 20)")
    args = parser.parse_args()
    for name in ("pyhanko", "pyhanko_certvalidator", "werkzeug", "fontTools"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    from documents.adapters import KeyFiles
    from documents.domain import LeaderKey
    from edochub.bootstrap import signer_for
    from edochub.samples import simple_pdf
    from signing import devpki
    from signing.stamping import specimens
    from signing.validation import ValidationSettings, validate_paths

    draft, annex = specimens.draft_decision_pdf(), simple_pdf("Phu luc")
    with tempfile.TemporaryDirectory(prefix="bench-decree30-") as scratch:
        pki = devpki.build(Path(scratch) / "pki", f"http://127.0.0.1:{_free_port()}")
        with devpki.serving(pki):
            keys = KeyFiles(pki.p12("org-h41"), {"leader": pki.p12("leader-an")},
                            specimens.seal_png(), {"leader": specimens.signature_png()})
            signer = signer_for(keys, pki.trust_roots, pki.tsa_url)
            leader = LeaderKey("leader", specimens.LEADER_NAME, "Chủ tịch")
            try:
                print(f"signing {args.documents} documents...", file=sys.stderr)
                first, ours, signed = _ours(signer, leader, _drafts(draft, args.documents),
                                            annex)
            finally:
                signer.close()
            print(f"plain pyHanko on {args.baseline}...", file=sys.stderr)
            plain = _plain(pki, draft, annex, args.baseline)
            # the check: the last document and its annex validate
            folder = Path(scratch) / "out"
            folder.mkdir()
            for number, data in enumerate(signed[-2:]):
                (folder / f"{number}.pdf").write_bytes(data)
            results = validate_paths([folder], ValidationSettings.from_paths(pki.trust_roots))
            if not all(r.bottom_line for r in results) or \
                    sum(len(r.signatures) for r in results) != 3:
                raise SystemExit(f"benchmark run wrong, no figures: {results}")
    print(f"{args.documents} Decree 30 documents (one attachment each), PAdES B-T with the dev "
          f"TSA; ms per document (plain pyHanko on {args.baseline})")
    print(f"{'step':<11} {'first doc':>9} {'ours':>8} {'pyHanko':>8}  target")
    targets = {"leader": "<= 100", "issue": "<= 200"}
    for step in STEPS:
        base = f"{plain[step] * 1000:8.1f}" if step != "prepare" else f"{'-':>8}"
        print(f"{step:<11} {first[step] * 1000:9.1f} {ours[step] * 1000:8.1f} {base}  "
              f"{targets.get(step, '')}")
    total = sum(ours.values())
    print(f"{'all steps':<11} {sum(first.values()) * 1000:9.1f} {total * 1000:8.1f} "
          f"{sum(plain.values()) * 1000:8.1f}")


if __name__ == "__main__":
    main()

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
is timed apart). Wall and CPU time are printed: on a machine shared with other jobs the CPU time
(of this process, where the TSA and OCSP services run too, for both sides) is the work done.

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


class _Clock:
    """Wall and CPU seconds (this process: the TSA and OCSP services run in it too, for
    both sides) spent per step."""

    def __init__(self) -> None:
        self.wall = dict.fromkeys(STEPS, 0.0)
        self.cpu = dict.fromkeys(STEPS, 0.0)

    def run(self, step: str, work):  # noqa: ANN001, ANN201
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        self.wall[step] += time.perf_counter() - wall
        self.cpu[step] += time.process_time() - cpu
        return result

    def per_document(self, count: int) -> tuple[dict[str, float], dict[str, float]]:
        return ({s: v / max(1, count) for s, v in self.wall.items()},
                {s: v / max(1, count) for s, v in self.cpu.items()})


def _ours(signer, leader, drafts: list[bytes], annex: bytes,  # noqa: ANN001
          ) -> tuple[_Clock, _Clock, list[bytes]]:
    """The first document's clock, the others' clock, and the signed documents (for the
    check)."""
    first, rest = _Clock(), _Clock()
    signed = []
    for index, draft in enumerate(drafts):
        clock = first if index == 0 else rest
        prepared = clock.run("prepare", lambda: signer.prepare(draft))  # noqa: B023
        by_leader = clock.run("leader", lambda: signer.sign_as_leader(  # noqa: B023
            prepared, leader))  # noqa: B023
        issued = clock.run("issue", lambda: signer.issue(  # noqa: B023
            by_leader, index + 1, "UBND-VP", "Hà Nội", date(2026, 12, 2)))  # noqa: B023
        sealed = clock.run("attachment", lambda: signer.seal_attachment(  # noqa: B023
            annex, f"{index + 1:02d}/UBND-VP"))  # noqa: B023
        signed += [issued, sealed]
    return first, rest, signed


def _plain(pki, draft: bytes, annex: bytes, count: int) -> _Clock:  # noqa: ANN001
    """Plain pyHanko's clock over ``count`` documents (no ``prepare``)."""
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

    clock = _Clock()
    for _ in range(count):
        leader = clock.run("leader", lambda: sign(pki.p12("leader-an"), draft, "Leader",
                                                  (350, 150, 500, 220)))
        clock.run("issue", lambda: sign(pki.p12("org-h41"), leader, "Seal",  # noqa: B023
                                        (300, 140, 400, 240)))
        clock.run("attachment", lambda: sign(pki.p12("org-h41"), annex, "Annex",
                                             (400, 760, 575, 820)))
    return clock


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
                first, rest, signed = _ours(signer, leader, _drafts(draft, args.documents),
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
    first_wall, _ = first.per_document(1)
    wall, cpu = rest.per_document(args.documents - 1)
    plain_wall, plain_cpu = plain.per_document(args.baseline)
    print(f"{args.documents} Decree 30 documents (one attachment each), PAdES B-T with the dev "
          f"TSA; ms per document, after the first (plain pyHanko on {args.baseline})")
    print(f"{'step':<11} {'first doc':>9} {'ours wall':>10} {'ours CPU':>9} "
          f"{'pyHanko wall':>13} {'pyHanko CPU':>12}  target")
    targets = {"leader": "<= 100", "issue": "<= 200"}
    rows = [(step, first_wall[step], wall[step], cpu[step], plain_wall[step], plain_cpu[step])
            for step in STEPS]
    rows.append(("all steps", *(sum(column) for column in list(zip(*rows, strict=True))[1:])))
    for step, first_ms, ours_wall, ours_cpu, base_wall, base_cpu in rows:
        base = (f"{base_wall * 1000:13.1f} {base_cpu * 1000:12.1f}" if step != "prepare"
                else f"{'-':>13} {'-':>12}")
        print(f"{step:<11} {first_ms * 1000:9.1f} {ours_wall * 1000:10.1f} "
              f"{ours_cpu * 1000:9.1f} {base}  {targets.get(step, '')}")

if __name__ == "__main__":
    main()

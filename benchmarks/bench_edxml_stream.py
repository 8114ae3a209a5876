"""Peak memory growth of writing and reading back an edXML envelope with a large attachment
(default 200 MB), next to the 64 MB budget and to a naive in-memory baseline (whole file read,
base64 built as one string, lxml tree parsed whole).

Each step runs in a fresh interpreter; growth = peak RSS (VmHWM) at the end minus RSS
(VmRSS) once the libraries are imported.

    python benchmarks/bench_edxml_stream.py [--size-mb 200] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BUDGET_MB = 64
ROOT = Path(__file__).resolve().parent.parent


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _child(step: str, attachment: Path, envelope: Path, out_dir: Path) -> dict:
    import base64

    from lxml import etree

    from axis import edxml

    baseline = _status_kb("VmRSS")
    if step == "write":
        message = edxml.DocumentMessage(
            sender=edxml.Organization("000.00.00.H41", organ_name="UBND tỉnh Mẫu"),
            to=(edxml.Organization("000.00.00.G09", organ_name="Bộ Mẫu"),),
            document_id="000.00.00.H41,2026/11/20,125/UBND-VP", subject="Benchmark",
            trace=(edxml.TraceHeader("000.00.00.H41", dt.datetime(2026, 11, 20, 8, 0)),),
            business=edxml.Business(edxml.BusinessDocType.NEW),
            attachments=(edxml.Attachment("cid:1", "big.bin", "application/octet-stream",
                                          path=attachment),),
            manifest=(edxml.ManifestReference("cid:1", "application/octet-stream", None,
                                              "big.bin"),),
        )
        edxml.write(message, envelope)
        result = {}
    elif step == "read":
        message = edxml.parse(envelope, attachments_dir=out_dir)
        result = {"sha256": message.attachments[0].sha256}
    else:  # naive: everything in memory at once
        content = attachment.read_bytes()
        root = etree.Element(f"{{{edxml.NAMESPACE}}}edXML")
        etree.SubElement(root, "ContentTransferEncoded").text = base64.b64encode(content)
        data = etree.tostring(root)
        del root, content
        parsed = etree.fromstring(data, etree.XMLParser(huge_tree=True))
        decoded = base64.b64decode(parsed[0].text)
        result = {"sha256": hashlib.sha256(decoded).hexdigest()}
    result["growth_mb"] = (_status_kb("VmHWM") - baseline) / 1024
    return result


def _run_child(step: str, attachment: Path, envelope: Path, out_dir: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(
        [sys.executable, __file__, "--child", step, "--attachment", str(attachment),
         "--envelope", str(envelope), "--out-dir", str(out_dir)],
        capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


def _make_attachment(path: Path, size_mb: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with path.open("wb") as handle:
        for index in range(size_mb):
            chunk = block[index % 97:] + block[:index % 97]  # not constant, cheap to make
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def run(size_mb: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-edxml-") as tmp:
        tmp_path = Path(tmp)
        attachment = tmp_path / "big.bin"
        expected = _make_attachment(attachment, size_mb)
        envelope = tmp_path / "big.edxml"
        out_dir = tmp_path / "out"
        write = _run_child("write", attachment, envelope, out_dir)
        read = _run_child("read", attachment, envelope, out_dir)
        naive = _run_child("naive", attachment, envelope, out_dir)
        return {
            "size_mb": size_mb, "budget_mb": BUDGET_MB,
            "write_growth_mb": round(write["growth_mb"], 1),
            "read_growth_mb": round(read["growth_mb"], 1),
            "naive_growth_mb": round(naive["growth_mb"], 1),
            "envelope_mb": round(envelope.stat().st_size / 2**20, 1) if envelope.exists() else None,
            "read_back_identical": read["sha256"] == expected,
            "naive_identical": naive["sha256"] == expected,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=("write", "read", "naive"))
    parser.add_argument("--attachment", type=Path)
    parser.add_argument("--envelope", type=Path)
    parser.add_argument("--out-dir", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.attachment, args.envelope, args.out_dir)))
        return
    figures = run(args.size_mb)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"edXML streaming, {figures['size_mb']} MB attachment"
          f" (envelope {figures['envelope_mb']} MB), peak memory growth:")
    print(f"  write      {figures['write_growth_mb']:8.1f} MB   budget {BUDGET_MB} MB"
          f"   naive in-memory baseline {figures['naive_growth_mb']:.1f} MB")
    print(f"  read back  {figures['read_growth_mb']:8.1f} MB   budget {BUDGET_MB} MB"
          f"   naive in-memory baseline {figures['naive_growth_mb']:.1f} MB")
    print(f"  content read back identical: {figures['read_back_identical']}")


if __name__ == "__main__":
    main()

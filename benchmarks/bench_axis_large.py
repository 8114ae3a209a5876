"""Peak memory of a large envelope going through the reference axis, next to its size.

Runs a real axis (``edochub axis serve``) and the real ``edochub axis send`` / ``receive``
commands as child processes; reads each one's peak resident memory (``wait4`` for the clients,
``VmHWM`` for the server) after the 368 KB sample envelope (the baseline of the processes
themselves) and after the same envelope padded to the large size. Streaming holds memory flat
whatever the size.

    python benchmarks/bench_axis_large.py [--size-mb 200] [--protocol http|soap]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this tree's code, for us and (below) for the children

from tests.axis.conftest import find_samples  # noqa: E402

SAMPLES = find_samples()
SAMPLE = SAMPLES / "edoc_new.edxml"
SENDER = "002.00.20.H13"  # From of the sample
#: the sample's To (28.22.H17) predates the four-level codes the axis now requires, so the
#: benchmark registers a valid recipient and names it with --to
RECIPIENT = "000.00.00.G09"
MB = 1 << 20
OPEN_CONTENT = re.compile(rb"<edXML:ContentTransferEncoded[^>]*>")


def make_envelope(path: Path, size: int) -> None:
    """A real sample whose first attachment is padded with base64 up to ``size`` bytes,
    written in pieces (never whole in memory)."""
    sample = SAMPLE.read_bytes()
    cut = OPEN_CONTENT.search(sample).end()
    filler = base64.b64encode(os.urandom(3 * MB // 4 * 4))[: MB]
    remaining = (size - len(sample)) // 4 * 4
    with open(path, "wb") as out:
        out.write(sample[:cut])
        while remaining > 0:
            piece = filler[: min(remaining, len(filler))]
            out.write(piece)
            remaining -= len(piece)
        out.write(sample[cut:])


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(MB):
            digest.update(chunk)
    return digest.hexdigest()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def edochub(*args: str | Path, env: dict[str, str]) -> tuple[float, float]:
    """Run ``edochub ARGS``; return (peak RSS in MB, seconds)."""
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "edochub", *map(str, args)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    out, err = child.stdout.read(), child.stderr.read()
    if child.returncode != 0:
        raise SystemExit(f"edochub {' '.join(map(str, args))} failed: {err.decode()}{out.decode()}")
    return usage.ru_maxrss / 1024, time.monotonic() - started  # ru_maxrss is in KiB on Linux


def server_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM for the server")


def run(size: int, protocol: str, workdir: Path) -> dict:
    python_path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": python_path, "BENCH_A": "secret-a", "BENCH_B": "secret-b"}
    storage = ["--data-dir", str(workdir / "axis")]
    for code, secret_env in ((SENDER, "BENCH_A"), (RECIPIENT, "BENCH_B")):
        edochub("axis", "agency", "add", code, "--name", code, "--secret-env", secret_env,
                *storage, env=env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "edochub", "axis", "serve", "--port", str(port), *storage,
         "--max-message-mb", str(size // MB + 16), "--soap-max-mb", str(size * 4 // 3 // MB + 16)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/soap?wsdl", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        sender = ["--axis", base, "--protocol", protocol, "--as", SENDER,
                  "--secret-env", "BENCH_A"]
        receiver = ["--axis", base, "--protocol", protocol, "--as", RECIPIENT,
                    "--secret-env", "BENCH_B"]
        figures: dict = {"protocol": protocol, "envelope_mb": size / MB}
        small = SAMPLE
        large = workdir / "large.edxml"
        make_envelope(large, size)
        for label, envelope in (("baseline", small), ("large", large)):
            inbox = workdir / f"inbox-{label}"
            send_mb, send_s = edochub("axis", "send", envelope, *sender, "--to", RECIPIENT,
                                      env=env)
            receive_mb, receive_s = edochub("axis", "receive", *receiver, "-o", inbox, env=env)
            (got,) = inbox.iterdir()
            figures[label] = {
                "sender_peak_mb": send_mb, "receiver_peak_mb": receive_mb,
                "server_peak_mb": server_peak_mb(server.pid),
                "send_seconds": send_s, "receive_seconds": receive_s,
                "identical": sha256_of(got) == sha256_of(envelope),
            }
            got.unlink()
        return figures
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200)
    parser.add_argument("--protocol", choices=("http", "soap"), default="http")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-axis-") as workdir:
        figures = run(int(args.size_mb * MB), args.protocol, Path(workdir))
    base, large = figures["baseline"], figures["large"]
    print(f"axis transfer over {args.protocol}: envelope {figures['envelope_mb']:.1f} MB "
          f"(baseline: the same processes moving the {SAMPLE.stat().st_size // 1024} KB sample)")
    print(f"{'peak resident memory':<22}{'sample':>16}{'large envelope':>16}")
    for role in ("sender", "receiver", "server"):
        key = f"{role}_peak_mb"
        print(f"{role:<22}{base[key]:>13.1f} MB{large[key]:>13.1f} MB")
    print(f"send {large['send_seconds']:.1f} s, receive {large['receive_seconds']:.1f} s; "
          f"byte-identical end to end: {'yes' if large['identical'] else 'NO'}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()

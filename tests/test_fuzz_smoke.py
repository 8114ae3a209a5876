"""A short atheris run of every fuzz target (``fuzz/``; ``make fuzz`` runs them for minutes):
the PDF validator, the edXML reader, and the reference axis's SOAP and national-protocol
handlers must survive a few hundred mutated inputs without a crash or a server error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("target", ["pdf", "edxml", "soap", "vxp"])
def test_fuzz_target_survives_a_smoke_run(target):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run([sys.executable, "-m", "fuzz.run", target, "-runs=200", "-seed=1"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Done 200 runs" in done.stderr

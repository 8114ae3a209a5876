"""``python -m fuzz.run TARGET [libFuzzer options]``: fuzz one target with atheris, starting
from its seeds (``fuzz.targets.seeds``) written to a corpus folder."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main() -> None:
    import atheris

    with atheris.instrument_imports():
        from fuzz import targets

    name, options = sys.argv[1], sys.argv[2:]
    target = targets.TARGETS[name]
    corpus = Path(tempfile.mkdtemp(prefix=f"edochub-fuzz-{name}-"))
    for index, seed in enumerate(targets.seeds(name)):
        (corpus / f"seed-{index}").write_bytes(seed)
    atheris.Setup([sys.argv[0], *options, str(corpus)], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

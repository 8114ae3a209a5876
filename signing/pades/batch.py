"""Batch signing (ký hàng loạt): every PDF under a folder, with one key, reporting failures per
file and carrying on.

API::

    outcomes = sign_batch(Path("in"), Path("out"), Pkcs12Source(p12), SignatureOptions(),
                          workers=2, on_done=lambda outcome: ...)
    failed = [o for o in outcomes if o.error]

The key is opened and its certificate checked once per worker (a refused certificate stops the
batch before any file is written: :class:`signing.errors.CertificateNotUsableError`). Each
worker reuses one :class:`signing.pades.signer.PadesSigner`, so the private key is parsed once and
the signature container is sized once. ``workers > 1`` runs worker processes (each opens the
key itself; PKCS#11 sessions cannot cross processes).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from signing.errors import CertificateNotUsableError, KeySourceError, SigningError
from signing.pades.keys import KeySource, open_key
from signing.pades.signer import PadesSigner, SignatureOptions


@dataclass(frozen=True)
class BatchOutcome:
    source: Path
    target: Path
    error: str | None = None


def plan(source_dir: Path, target_dir: Path) -> list[tuple[Path, Path]]:
    """(input, output) pairs: every ``*.pdf`` under ``source_dir``, mirrored under
    ``target_dir``."""
    if not source_dir.is_dir():
        raise SigningError(f"not a directory: {source_dir}")
    sources = sorted(p for p in source_dir.rglob("*")
                     if p.is_file() and p.suffix.lower() == ".pdf")
    return [(p, target_dir / p.relative_to(source_dir)) for p in sources]


def sign_batch(source_dir: Path, target_dir: Path, key_source: KeySource,
               options: SignatureOptions, workers: int = 1,
               on_done: Callable[[BatchOutcome], None] | None = None) -> list[BatchOutcome]:
    jobs = plan(source_dir, target_dir)
    if not jobs:
        return []
    if workers <= 1 or len(jobs) == 1:
        return asyncio.run(_sign_in_process(jobs, key_source, options, on_done))
    return _sign_in_pool(jobs, key_source, options, workers, on_done)


async def _sign_in_process(jobs, key_source, options, on_done) -> list[BatchOutcome]:
    outcomes = []
    with open_key(key_source) as key:
        signer = PadesSigner(key, options)
        try:
            await signer.async_check_certificate()
            for source, target in jobs:
                outcome = await _sign_one(signer, source, target)
                outcomes.append(outcome)
                if on_done is not None:
                    on_done(outcome)
        finally:
            await signer.aclose()
    return outcomes


async def _sign_one(signer: PadesSigner, source: Path, target: Path) -> BatchOutcome:
    try:
        await signer.async_sign_file(source, target)
    except (CertificateNotUsableError, KeySourceError):
        raise  # the key itself is unusable: no point in trying the other files
    except SigningError as exc:
        return BatchOutcome(source, target, str(exc))
    except OSError as exc:
        return BatchOutcome(source, target, f"cannot write: {exc.strerror}")
    return BatchOutcome(source, target)


# -- worker processes ------------------------------------------------------------------------

_worker: tuple[asyncio.AbstractEventLoop, PadesSigner, object] | None = None


def _start_worker(key_source: KeySource, options: SignatureOptions) -> None:
    global _worker
    loop = asyncio.new_event_loop()
    opened = open_key(key_source)
    signer = PadesSigner(opened.__enter__(), options)  # closed when the process ends
    loop.run_until_complete(signer.async_check_certificate())
    _worker = (loop, signer, opened)


def _worker_sign(source: Path, target: Path) -> BatchOutcome:
    assert _worker is not None
    loop, signer, _ = _worker
    return loop.run_until_complete(_sign_one(signer, source, target))


def _sign_in_pool(jobs, key_source, options, workers, on_done) -> list[BatchOutcome]:
    # Check the key here first, so a refused certificate is one clear error, not N.
    asyncio.run(_check_only(key_source, options))
    # "spawn": a PKCS#11 module initialised in this process must not be inherited by fork
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_start_worker, initargs=(key_source, options)) as pool:
        futures = {pool.submit(_worker_sign, source, target): index
                   for index, (source, target) in enumerate(jobs)}
        outcomes: list[BatchOutcome | None] = [None] * len(jobs)
        for future in as_completed(futures):
            outcome = future.result()
            outcomes[futures[future]] = outcome
            if on_done is not None:
                on_done(outcome)
    return [o for o in outcomes if o is not None]


async def _check_only(key_source: KeySource, options: SignatureOptions) -> None:
    with open_key(key_source) as key:
        signer = PadesSigner(key, options)
        try:
            await signer.async_check_certificate()
        finally:
            await signer.aclose()

"""The development PKI's services sign with keys loaded once.

certomancer (0.16) loads its signing key from DER again for every time-stamp token, OCSP
answer and CRL it makes, and the ``cryptography`` package checks an RSA key on each load: about
40 of its 51 ms of CPU per time-stamp token. A real TSA or OCSP responder keeps its key, so the
development services do too: :func:`keep_loaded_keys` remembers each key by its DER bytes. It
changes nothing signed (the same key signs). Called by :func:`signing.devpki.make_animator`,
i.e. in whatever process serves the development PKI (the demo's services process, the tests',
the benchmarks'); certomancer could keep loaded keys itself (an upstream offer).
"""

from __future__ import annotations

import functools
from typing import Any

_KEPT = 16  # keys kept: the development PKI has a handful of issuers, TSA and responders


def keep_loaded_keys() -> None:
    """Make this process's ``load_der_private_key`` remember unencrypted keys."""
    from cryptography.hazmat.primitives import serialization

    load = serialization.load_der_private_key
    if getattr(load, "_edochub_kept", False):
        return
    kept = functools.lru_cache(maxsize=_KEPT)(lambda data: load(data, None))

    def loading(data: bytes, password: bytes | None = None, *args: Any, **kwargs: Any) -> Any:
        if password is None and not args and not kwargs:
            return kept(bytes(data))
        return load(data, password, *args, **kwargs)

    loading._edochub_kept = True  # type: ignore[attr-defined]
    serialization.load_der_private_key = loading  # type: ignore[assignment]

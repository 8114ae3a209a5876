"""Opening any key source from async code: a PKCS#12 file or a PKCS#11 token
(:func:`signing.pades.keys.open_key`) or a remote-signing service (:mod:`signing.pades.remote`,
whose HTTP session lives on the running event loop). The command line and the hub open keys
this way, so one code path serves every kind of key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from signing.pades.keys import (
    Authorisation,
    CscSource,
    KeySource,
    PolledSource,
    SigningKey,
    open_key,
)


@asynccontextmanager
async def async_open_key(source: KeySource, authorisation: Authorisation | None = None
                         ) -> AsyncIterator[SigningKey]:
    """``source`` opened for the ``async with`` block; ``authorisation`` (PIN, one-time code)
    is for remote-signing services only."""
    if isinstance(source, CscSource | PolledSource):
        from signing.pades.remote import open_remote_key

        async with open_remote_key(source, authorisation) as key:
            yield key
    else:
        with open_key(source) as key:
            yield key

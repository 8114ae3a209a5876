"""RFC 3161 time-stamps over a bare digest (not a PDF): ask a time-stamping authority for one,
and check one later against the TSA's trust anchors. The register anchors the head of its audit
log with these (``documents.services.audit``)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from asn1crypto import cms, x509

from signing.errors import SigningError


def request_timestamp(tsa_url: str, digest: bytes, timeout: float = 10) -> bytes:
    """The DER time-stamp token (CMS ContentInfo) the TSA at ``tsa_url`` gives for the SHA-256
    ``digest``."""
    import aiohttp
    from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError

    async def ask() -> bytes:
        async with aiohttp.ClientSession() as session:
            stamper = HTTPTimeStamper(tsa_url, timeout=timeout, session=session)
            token = await stamper.async_timestamp(digest, "sha256")
        return token.dump()

    try:
        return asyncio.run(ask())
    except (TimeoutError, TimestampRequestError, aiohttp.ClientError, OSError) as exc:
        raise SigningError(f"time-stamping authority {tsa_url} did not answer: {exc}") from None


def check_timestamp(token: bytes, digest: bytes,
                    trust_roots: Sequence[x509.Certificate]) -> datetime:
    """The time ``token`` attests for the SHA-256 ``digest``; :class:`SigningError` when the
    token is broken, covers another digest or does not chain to ``trust_roots``."""
    from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
    from pyhanko_certvalidator import ValidationContext

    try:
        signed_data = cms.ContentInfo.load(token)["content"]
        context = ValidationContext(trust_roots=list(trust_roots), allow_fetching=False,
                                    revocation_mode="soft-fail")
        status = asyncio.run(validate_tst_signed_data(signed_data, context, lambda _: digest))
    except (ValueError, TypeError, KeyError) as exc:
        raise SigningError(f"unreadable time-stamp token: {exc}") from None
    if not status["intact"]:
        raise SigningError("the time-stamp covers other data")
    if not status["valid"] or status.get("trust_problem_indic") is not None:
        raise SigningError("the time-stamp's signature is not valid or not from a trusted "
                           "time-stamping authority")
    return status["timestamp"]

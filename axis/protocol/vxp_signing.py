"""The national axis protocol's signing rules (DOMAIN.md §4), shared by the client and the server.

Every parameter ``k`` travels as header ``XroadVnpt-k``; ``XroadVnpt-sign-header`` is the
compact JSON of those prefixed headers, ``XroadVnpt-hash-header`` its HMAC-SHA256 (lowercase
hex) keyed by the agency's secret. ``hash-file`` is SHA-256 in hex *without* zero padding per
byte, exactly as the published SDK writes it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime

PREFIX = "XroadVnpt-"
VERSION = "3.0.201608"
SIGN_HEADER = PREFIX + "sign-header"
SIGN_HEADER_KEY = PREFIX + "sign-header-key"
HASH_HEADER = PREFIX + "hash-header"
VERSION_HEADER = PREFIX + "version"


def hash_file_hex(digest: bytes) -> str:
    """The SDK's hex of a digest: each byte as ``%x``, so ``0x0a`` is ``a``, not ``0a``."""
    return "".join(f"{byte:x}" for byte in digest)


def sdk_timestamp(moment: datetime) -> str:
    """``ddMMyyyy'T'HHmmss+SSSS`` (``SSSS`` = milliseconds, four digits), the SDK's form."""
    return moment.strftime("%d%m%YT%H%M%S") + f"+{moment.microsecond // 1000:04d}"


def hmac_hex(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def signed_headers(params: Mapping[str, str], secret: str) -> dict[str, str]:
    """The headers that carry ``params`` (``systemid``, ``timestamp``, ``Content-Type``... all
    included by the caller) and their signature."""
    prefixed = {PREFIX + name: value for name, value in params.items()}
    sign_header = json.dumps(prefixed, separators=(",", ":"))
    # A ``version`` parameter (getSynchronizeUnit's) shares its header with the protocol
    # version; the signed parameter wins.
    return {
        VERSION_HEADER: VERSION,
        **prefixed,
        SIGN_HEADER_KEY: ";".join(prefixed),
        SIGN_HEADER: sign_header,
        HASH_HEADER: hmac_hex(secret, sign_header),
    }

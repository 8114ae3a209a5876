"""Agency secrets sealed at rest: AES-256-GCM under a key-encryption key (KEK) that comes from
the environment (``EDOCHUB_AXIS_KEK``, or the file named by ``EDOCHUB_AXIS_KEK_FILE``: a random
string of at least 32 characters, e.g. ``openssl rand -hex 32``; the AES key is its SHA-256),
never from the database. The agency code is the associated data, so a
sealed secret copied onto another agency's row does not open.

The axis must be able to use a secret (HMAC and WS-Security digests are keyed by it), so it is
encrypted, not hashed: whoever has the database alone learns no secret; whoever also has the
KEK does. A row written without a KEK (a library user's core) stays readable as it was."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from axis.errors import ExchangeError

PREFIX = "aesgcm:"
KEK_ENV = "EDOCHUB_AXIS_KEK"
MIN_KEK_CHARACTERS = 32


class SealingError(ExchangeError):
    code = "CONFIGURATION"


def new_kek() -> str:
    """A fresh KEK, as the environment carries it."""
    return secrets.token_hex(32)


def kek_from_env(environ: dict[str, str] | None = None) -> bytes:
    """The KEK from ``EDOCHUB_AXIS_KEK`` or ``EDOCHUB_AXIS_KEK_FILE``."""
    env = os.environ if environ is None else environ
    text = env.get(KEK_ENV, "")
    if not text and env.get(f"{KEK_ENV}_FILE"):
        text = Path(env[f"{KEK_ENV}_FILE"]).read_text().strip()
    if not text:
        raise SealingError(f"{KEK_ENV} (or {KEK_ENV}_FILE) is not set: the key that encrypts "
                           "agency secrets at rest (create one with: openssl rand -hex 32)")
    if len(text) < MIN_KEK_CHARACTERS:
        raise SealingError(f"{KEK_ENV} is too short: give a random string of at least "
                           f"{MIN_KEK_CHARACTERS} characters (openssl rand -hex 32)")
    return hashlib.sha256(text.encode()).digest()


def seal(kek: bytes | None, code: str, secret: str) -> str:
    if kek is None:
        return secret
    nonce = os.urandom(12)
    sealed = AESGCM(kek).encrypt(nonce, secret.encode(), code.encode())
    return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def unseal(kek: bytes | None, code: str, stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written without a KEK
    if kek is None:
        raise SealingError("agency secrets are encrypted and no key-encryption key is set "
                           f"({KEK_ENV})")
    raw = base64.b64decode(stored[len(PREFIX):])
    try:
        return AESGCM(kek).decrypt(raw[:12], raw[12:], code.encode()).decode()
    except Exception:  # InvalidTag: another KEK, or a row moved
        raise SealingError(f"the secret of agency {code} does not open with this "
                           f"{KEK_ENV}") from None

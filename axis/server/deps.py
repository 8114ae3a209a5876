"""FastAPI dependencies of the reference axis: the core, and the caller of a national-protocol
request authenticated by its HMAC (checked before any body is read)."""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from axis.errors import AuthenticationFailed, NotPermitted
from axis.protocol.vxp_signing import HASH_HEADER, PREFIX, SIGN_HEADER, hmac_hex
from axis.server.core import AxisCore


def get_core(request: Request) -> AxisCore:
    return request.app.state.core


CoreDep = Annotated[AxisCore, Depends(get_core)]


@dataclass(frozen=True)
class VxpCaller:
    """An authenticated agency and the parameters it signed (names without the prefix,
    lower case)."""

    agency: str
    params: dict[str, str]

    def param(self, name: str, default: str = "") -> str:
        return self.params.get(name.lower(), default)


def vxp_caller(request: Request, core: CoreDep) -> VxpCaller:
    """Check the HMAC over ``XroadVnpt-sign-header`` exactly as received, then that every
    header it names carries the signed value; the agency is its ``systemid``."""
    sign_header = request.headers.get(SIGN_HEADER)
    signature = request.headers.get(HASH_HEADER, "")
    if not sign_header:
        raise AuthenticationFailed(f"unsigned request: header {SIGN_HEADER} is missing")
    try:
        signed = json.loads(sign_header)
    except ValueError:
        signed = None
    if not isinstance(signed, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in signed.items()):
        raise AuthenticationFailed(f"{SIGN_HEADER} is not a JSON object of header values")
    params = {k[len(PREFIX):].lower(): v for k, v in signed.items()
              if k.lower().startswith(PREFIX.lower())}
    agency = params.get("systemid", "")
    if not agency:
        raise AuthenticationFailed(f"the signed headers carry no {PREFIX}systemid")
    # an unknown agency is checked against a throwaway secret and refused in the same words
    # as a wrong signature: the answer does not tell which agencies exist
    secret = core.secret_of(agency)
    expected = hmac_hex(secret or secrets.token_urlsafe(32), sign_header)
    if not hmac.compare_digest(expected, signature.lower()) or secret is None:
        raise AuthenticationFailed(f"authentication failed for agency {agency[:64]}: "
                                   f"{HASH_HEADER} does not match")
    for name, value in signed.items():
        if request.headers.get(name) != value:
            raise AuthenticationFailed(f"header {name} does not carry the value that was signed")
    plain_from = request.headers.get("from")
    if plain_from is not None and plain_from != params.get("from", agency):
        raise NotPermitted(f"header from={plain_from} differs from the signed sender")
    return VxpCaller(agency, params)


VxpCallerDep = Annotated[VxpCaller, Depends(vxp_caller)]

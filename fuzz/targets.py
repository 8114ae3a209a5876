"""Fuzz targets: each takes arbitrary bytes and must end in the boundary's documented refusal,
never in another exception (a crash) or, over HTTP, a 500 that is not a SOAP fault.

- ``pdf``: the validator's reader (``signing.validation``): a result or ``SigningError``;
- ``edxml``: the edXML reader: a message or ``EdxmlError``;
- ``soap``: a request to the reference axis's SOAP face: an answer or a SOAP fault;
- ``vxp``: a national-protocol request (the bytes pick the operation, headers and body): a JSON
  answer with status below 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path


def pdf(data: bytes) -> None:
    from signing.errors import SigningError
    from signing.validation import Validator

    async def run() -> None:
        async with Validator(_settings()) as validator:
            result = await validator.async_validate_bytes(data, "fuzz.pdf")
        assert result.error is not None or isinstance(result.signatures, tuple)

    with contextlib.suppress(SigningError):
        asyncio.run(run())


@cache
def _settings():  # noqa: ANN202 - ValidationSettings, offline, on a throwaway dev PKI
    import tempfile

    from signing import devpki
    from signing.validation import ValidationSettings

    pki = devpki.build(Path(tempfile.mkdtemp(prefix="edochub-fuzz-pki-")), "http://127.0.0.1:9")
    return ValidationSettings.from_paths(pki.trust_roots, revocation="offline")


def edxml(data: bytes) -> None:
    from axis import edxml as reader
    from axis.errors import EdxmlError

    with contextlib.suppress(EdxmlError):
        reader.parse(data)


@cache
def _axis():  # noqa: ANN202 - a TestClient on a reference axis with one agency
    import tempfile

    from fastapi.testclient import TestClient

    from axis.server import ServerConfig, create_app

    folder = Path(tempfile.mkdtemp(prefix="edochub-fuzz-axis-"))
    app = create_app(ServerConfig(data_dir=folder, db_url="sqlite://"))
    app.state.core.add_agency("000.00.00.H41", "Fuzz", "fuzz-secret")
    return TestClient(app, raise_server_exceptions=True)


def soap(data: bytes) -> None:
    answer = _axis().post("/soap", content=data, headers={"Content-Type": "text/xml"})
    if answer.status_code >= 500:
        assert b"<faultcode>axis:" in answer.content, answer.content[:300]


OPERATIONS = ("sendEdoc", "getReceivedEdocList", "getEdoc", "updateStatus", "getSentEdocList",
              "getAgenciesList", "registerAgency")


def vxp(data: bytes) -> None:
    """First byte: the operation; then a JSON object of headers (if it parses) and a body."""
    if not data:
        return
    operation = OPERATIONS[data[0] % len(OPERATIONS)]
    head, _, body = data[1:].partition(b"\n")
    try:
        headers = json.loads(head)
    except ValueError:
        headers = {}
    if not isinstance(headers, dict):
        headers = {}
    headers = {str(k)[:100]: str(v)[:1000] for k, v in headers.items()
               if str(k).isascii() and str(v).isascii() and "\n" not in str(k) + str(v)}
    try:
        answer = _axis().post(f"/vxp/{operation}", content=body, headers=headers)
    except UnicodeEncodeError:
        return  # not sendable as HTTP headers
    assert answer.status_code < 500, answer.content[:300]


TARGETS: dict[str, Callable[[bytes], None]] = {"pdf": pdf, "edxml": edxml, "soap": soap,
                                               "vxp": vxp}


def seeds(target: str) -> list[bytes]:
    """A few valid inputs to start from."""
    from edochub.samples import simple_pdf

    samples = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "edxml-sdk-samples"
    if not samples.is_dir():
        samples = Path(__file__).resolve().parents[3] / "shared" / "conformance" / \
            "edxml-sdk-samples"
    envelopes = [p.read_bytes() for p in sorted(samples.glob("*.edxml"))[:3]]
    return {
        "pdf": [simple_pdf("fuzz")],
        "edxml": envelopes,
        "soap": [b'<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/'
                 b'envelope/"><s:Header/><s:Body/></s:Envelope>'],
        "vxp": [b"\x00" + json.dumps({"XroadVnpt-systemid": "000.00.00.H41"}).encode()
                + b"\n" + (envelopes[0] if envelopes else b"")],
    }[target]

"""Ways to reach the axis, interchangeable behind ``base.AxisTransport``: ``soap`` (zeep),
``vxp`` (the national HTTP protocol, httpx) and ``local`` (in-process, for tests)."""

from __future__ import annotations

from axis.transports.base import AxisClient, AxisTransport, Retrying
from axis.transports.vxp import VxpTransport

PROTOCOLS = ("soap", "http")


def connect(base_url: str, protocol: str, agency: str, secret: str, *, timeout: float = 60.0,
            attempts: int = 4, backoff: float = 0.5) -> AxisClient:
    """A client of the axis at ``base_url`` speaking ``protocol`` as ``agency``, with finite
    retries."""
    transport: AxisTransport
    if protocol == "soap":
        from axis.transports.soap import SoapTransport

        transport = SoapTransport(base_url, agency, secret, timeout=timeout)
    elif protocol == "http":
        from axis.transports.vxp import VxpTransport

        transport = VxpTransport(base_url, agency, secret, timeout=timeout)
    else:
        raise ValueError(f"unknown protocol {protocol!r}")
    return AxisClient(Retrying(transport, attempts=attempts, backoff=backoff))

__all__ = [
    "AxisClient",
    "Retrying",
    "VxpTransport",
    "connect",
]

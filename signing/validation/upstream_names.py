"""Certificate-name comparison remembered: a change that could go upstream to asn1crypto
(``asn1crypto.x509.Name.__eq__``, ``Name.hashable`` and ``NameTypeAndValue._ldap_string_prep``).

RFC 5280 compares names after RFC 4518 string preparation (mapping, NFKC, prohibited and
bidirectional checks). asn1crypto redoes it for every freshly parsed certificate, and
validating one signature compares the same few names dozens of times (issuer/serial matches,
path building, OCSP and CRL issuer checks): about a tenth of a validation. Both the prepared
form of a string and the outcome of comparing two encoded names are pure functions of their
input, so they are kept in bounded caches:

- ``_ldap_string_prep(string)`` by the string (only ``str`` values, as asn1crypto prepares);
- ``Name == Name`` by the encodings of the two RDN sequences: equal encodings give equal
  parsed names, so the cached answer is the one asn1crypto computed the first time;
- ``Name.hashable`` (the prepared form pyHanko's certificate registry files names under, asked
  for every certificate of every signature) by the encoding of the RDN sequence, likewise.

An input that makes asn1crypto raise (a prohibited character) is not cached: it raises again,
the same way, every time. :func:`install` is idempotent; :func:`uninstall` undoes it.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

_CACHE_SIZE = 4096
#: asn1crypto's own (string preparation, name equality) while installed
_originals: tuple | None = None

if TYPE_CHECKING:
    from asn1crypto import x509
#: outcomes of comparing two names, by the encodings of their RDN sequences
_outcomes: dict[tuple[bytes, bytes], bool] = {}
#: prepared forms of names, by the encodings of their RDN sequences
_hashables: dict[bytes, str] = {}


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _prepared(string: str) -> str:
    return _asn1crypto_prep()(None, string)


def _asn1crypto_prep():
    from asn1crypto import x509

    return _originals[0] if _originals is not None else \
        x509.NameTypeAndValue._ldap_string_prep


def _ldap_string_prep(self, string):
    if type(string) is not str:
        return _asn1crypto_prep()(self, string)
    return _prepared(string)


def _equal(self: x509.Name, other: object) -> bool:
    from asn1crypto import x509

    if not isinstance(other, x509.Name):
        return False
    # the RDN sequences' encodings (a Name may sit in an explicitly tagged GeneralName)
    key = (self.chosen.dump(), other.chosen.dump())
    outcome = _outcomes.get(key)
    if outcome is None:
        outcome = (_originals[1] if _originals is not None else x509.Name.__eq__)(self, other)
        if len(_outcomes) >= _CACHE_SIZE:
            _outcomes.clear()
        _outcomes[key] = outcome
    return outcome


def _hashable(self: x509.Name) -> str:
    key = self.chosen.dump()
    found = _hashables.get(key)
    if found is None:
        assert _originals is not None
        found = _originals[2].fget(self)
        if len(_hashables) >= _CACHE_SIZE:
            _hashables.clear()
        _hashables[key] = found
    return found


def install() -> None:
    """Put the cached comparisons in place of asn1crypto's."""
    global _originals
    from asn1crypto import x509

    if _originals is not None:
        return
    _originals = (x509.NameTypeAndValue._ldap_string_prep, x509.Name.__eq__,
                  x509.Name.hashable)
    x509.NameTypeAndValue._ldap_string_prep = _ldap_string_prep
    x509.Name.__eq__ = _equal
    x509.Name.hashable = property(_hashable)


def uninstall() -> None:
    """Put asn1crypto's own comparisons back (benchmarks compare against them in one
    process)."""
    global _originals
    from asn1crypto import x509

    if _originals is not None:
        (x509.NameTypeAndValue._ldap_string_prep, x509.Name.__eq__,
         x509.Name.hashable) = _originals
        _originals = None

"""Certificate-name comparison remembered: a change that could go upstream to asn1crypto
(``asn1crypto.x509.Name.__eq__`` and ``NameTypeAndValue._ldap_string_prep``).

RFC 5280 compares names after RFC 4518 string preparation (mapping, NFKC, prohibited and
bidirectional checks). asn1crypto redoes it for every freshly parsed certificate, and
validating one signature compares the same few names dozens of times (issuer/serial matches,
path building, OCSP and CRL issuer checks): about a tenth of a validation. Both the prepared
form of a string and the outcome of comparing two encoded names are pure functions of their
input, so they are kept in bounded caches:

- ``_ldap_string_prep(string)`` by the string (only ``str`` values, as asn1crypto prepares);
- ``Name == Name`` by the encodings of the two RDN sequences: equal encodings give equal
  parsed names, so the cached answer is the one asn1crypto computed the first time.

An input that makes asn1crypto raise (a prohibited character) is not cached: it raises again,
the same way, every time. :func:`install` is idempotent.
"""

from __future__ import annotations

import functools

_CACHE_SIZE = 4096
_installed = False


def install() -> None:
    """Put the cached comparisons in place of asn1crypto's."""
    global _installed
    if _installed:
        return
    from asn1crypto import x509

    prep = x509.NameTypeAndValue._ldap_string_prep
    name_eq = x509.Name.__eq__

    @functools.lru_cache(maxsize=_CACHE_SIZE)
    def prepared(string: str) -> str:
        return prep(None, string)

    def ldap_string_prep(self, string):
        if type(string) is not str:
            return prep(self, string)
        return prepared(string)

    outcomes: dict[tuple[bytes, bytes], bool] = {}

    def equal(self, other) -> bool:
        if not isinstance(other, x509.Name):
            return False
        # the RDN sequences' encodings (a Name may sit in an explicitly tagged GeneralName)
        key = (self.chosen.dump(), other.chosen.dump())
        outcome = outcomes.get(key)
        if outcome is None:
            outcome = name_eq(self, other)
            if len(outcomes) >= _CACHE_SIZE:
                outcomes.clear()
            outcomes[key] = outcome
        return outcome

    x509.NameTypeAndValue._ldap_string_prep = ldap_string_prep
    x509.Name.__eq__ = equal
    _installed = True

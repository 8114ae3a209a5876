"""asn1crypto's name → OID tables made whole again after pyHanko extends them.

asn1crypto builds an OID type's reverse table (readable name → dotted OID) once, the first
time the type is used. Modules imported later add names to the forward table only: pyHanko's
CAdES attributes (``commitment_type``, which carries the Decree 30 role, ``signature_policy_
identifier``...), asn1crypto's own ``tsp`` (``signing_certificate_v2``). A process that read
any CMS structure before importing them (the hub checking a token's signature, ``verify``
before ``sign``) then failed to sign: ``invalid literal for int() with base 10:
'signing_certificate_v2'``. :func:`complete_name_tables` adds the missing names; signing calls
it before building signed attributes (tests/signing/test_import_order.py performs the case).

Could be offered upstream: pyHanko's ``asn1_util.register_cms_attribute`` (and asn1crypto's own
late registrations) could update ``_reverse_map`` when it already exists.
"""

from __future__ import annotations

from asn1crypto import core


def complete_name_tables() -> None:
    """Every readable name in an OID type's forward table present in its reverse table (for
    types already used: the others build theirs whole when first used). Cheap; idempotent."""
    import asn1crypto.tsp  # noqa: F401 - registers signing_certificate_v2
    import pyhanko.sign.ades.cades_asn1  # noqa: F401 - registers the CAdES attributes

    pending = [core.ObjectIdentifier]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        forward, reverse = cls.__dict__.get("_map"), cls.__dict__.get("_reverse_map")
        if forward is None or reverse is None:
            continue
        for dotted, name in forward.items():
            reverse.setdefault(name, dotted)

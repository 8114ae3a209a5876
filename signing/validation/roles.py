"""The Decree 30 role a signature was made in, recorded inside the signature.

The role travels in the CMS signed attributes as a commitment-type indication (ETSI EN 319
122-1; allowed in PAdES baseline signatures, which then carry no ``/Reason``), so it is covered
by the signature itself rather than guessed from a field name. Our commitment types live under a
UUID-based OID arc (ITU-T X.667: no registration needed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signing.validation.results import SignatureRole

if TYPE_CHECKING:
    from asn1crypto import cms
    from pyhanko.sign.ades.api import CAdESSignedAttrSpec

_ROLE_ARC = "2.25.255649132144370450853045180436830028143.1"
ROLE_OIDS = {
    SignatureRole.LEADER: f"{_ROLE_ARC}.1",
    SignatureRole.ORGANIZATION: f"{_ROLE_ARC}.2",
    SignatureRole.ATTACHMENT: f"{_ROLE_ARC}.3",
    SignatureRole.COPY: f"{_ROLE_ARC}.4",
}


def commitment_type_spec(role: SignatureRole) -> CAdESSignedAttrSpec:
    """pyHanko ``CAdESSignedAttrSpec`` recording ``role`` as a commitment-type indication."""
    from pyhanko.sign.ades.api import CAdESSignedAttrSpec
    from pyhanko.sign.ades.cades_asn1 import CommitmentTypeIndication

    from signing.upstream_asn1 import complete_name_tables

    complete_name_tables()
    return CAdESSignedAttrSpec(commitment_type=CommitmentTypeIndication(
        {"commitment_type_id": ROLE_OIDS[role]}))


def role_of(signer_info: cms.SignerInfo) -> SignatureRole | None:
    """The role recorded in a CMS ``SignerInfo``'s signed attributes, or ``None`` (not made by
    the hub, or made without a role)."""
    from pyhanko.sign.general import NonexistentAttributeError, find_unique_cms_attribute

    try:
        indication = find_unique_cms_attribute(signer_info["signed_attrs"], "commitment_type")
    except (NonexistentAttributeError, ValueError, KeyError, TypeError):
        return None
    oid = indication["commitment_type_id"].dotted
    return next((role for role, role_oid in ROLE_OIDS.items() if role_oid == oid), None)

"""Decree 30 signatures on the page (Appendix I): appearances, where they go, signing in a
role (leader, organization, attachment, copy), issuance (number, date, seal), split signing
with the key on the signer's machine, and specimen assets."""

from signing.stamping import specimens, split
from signing.stamping.appearance import CopyForm
from signing.stamping.issuance import (
    Issuance,
    async_issue,
    async_require_leader_signature,
    prepare,
    prepared_draft,
)
from signing.stamping.placement import PlacementError, Rect, parse_box
from signing.stamping.role_signing import Profile, RoleSigners, async_sign_profile
from signing.stamping.specimens import draft_decision_pdf, write_specimens
from signing.stamping.split import SigningRequest, async_prepare, embed

__all__ = [
    "CopyForm",
    "Issuance",
    "PlacementError",
    "Profile",
    "Rect",
    "RoleSigners",
    "SigningRequest",
    "async_issue",
    "async_prepare",
    "async_require_leader_signature",
    "async_sign_profile",
    "draft_decision_pdf",
    "embed",
    "parse_box",
    "prepare",
    "prepared_draft",
    "specimens",
    "split",
    "write_specimens",
]

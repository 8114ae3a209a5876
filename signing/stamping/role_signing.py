"""Signing in a Decree 30 role: where the signature goes, what it shows, and the role recorded
in it. Builds on :class:`signing.pades.signer.PadesSigner` (the signing core); this module only
decides
the field, the appearance and the extra signed attributes.

API::

    profile = Profile(SignatureRole.LEADER, image_png=png, signer_name="Nguyễn Văn An")
    signer = RoleSigner(key, options, profile)
    signed = await signer.async_sign_profile(pdf_bytes)              # one-shot
    plan = plan_signature(pdf_bytes, profile, key.certificate)       # placement only
    signers = RoleSigners()                  # many documents: certificate checked once
    signed = await async_sign_profile(key, options, profile, pdf_bytes, signers=signers)
    await signers.aclose()

Placement, in order: an existing signature field (``field_name``), an explicit box
(``box``: page index + rectangle in visual space), or automatic — leader by the printed name,
organization over the leader's signature, attachment and copy at the top right of page 1.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from asn1crypto import x509

from decree30 import vietnam_time
from signing.errors import Missing, SigningError
from signing.pades.signer import PadesSigner, SignatureOptions, open_writer
from signing.stamping import placement
from signing.stamping.appearance import (
    CopyForm,
    Decree30StampStyle,
    check_png,
    image_size_pt,
    text_block_size,
    text_lines,
)
from signing.stamping.placement import PageGeometry, PlacementError, Rect
from signing.validation.results import SignatureRole
from signing.validation.roles import commitment_type_spec, role_of

if TYPE_CHECKING:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.rw_common import PdfHandler
    from pyhanko.pdf_utils.writer import BasePdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec
    from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
    from pyhanko.sign.signers.pdf_signer import PdfSigningSession
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    from signing.pades.keys import SigningKey

FIELD_PREFIX = {
    SignatureRole.LEADER: "ChuKyLanhDao",
    SignatureRole.ORGANIZATION: "ChuKyCoQuan",
    SignatureRole.ATTACHMENT: "ChuKyPhuLuc",
    SignatureRole.COPY: "ChuKyBanSao",
}


@dataclass(frozen=True)
class Profile:
    """A Decree 30 signing profile (``--profile``) and its parameters."""

    role: SignatureRole
    #: leader: handwritten signature; organization: the seal (PNG, transparent background)
    image_png: bytes | None = None
    #: leader: printed full name to place the signature by (default: certificate CN)
    signer_name: str | None = None
    number_notation: str | None = None
    copy_form: CopyForm | None = None
    #: organization name shown/recorded (default: certificate O)
    organization: str | None = None
    field_name: str | None = None
    box: tuple[int, Rect] | None = None

    def __post_init__(self) -> None:
        needs_image = self.role in (SignatureRole.LEADER, SignatureRole.ORGANIZATION)
        if needs_image and self.image_png is None:
            what = "signature image (--image)" if self.role is SignatureRole.LEADER \
                else "seal image (--seal)"
            raise SigningError(f"the {self.role.value} profile needs the {what}")
        if not needs_image and self.image_png is not None:
            raise SigningError(f"the {self.role.value} profile shows no image")
        if self.image_png is not None:
            check_png(self.image_png, "signature image" if self.role is SignatureRole.LEADER
                      else "seal image")


@dataclass(frozen=True)
class SignaturePlan:
    """Where and how one signature is drawn."""

    field_name: str
    #: None when filling an existing field
    page_index: int | None
    user_rect: Rect | None
    style: Decree30StampStyle
    #: the signature dictionary's /Name (organization name for organization-type roles)
    name: str | None


def plan_signature(pdf: bytes, profile: Profile, certificate: x509.Certificate,
                   reader: PdfFileReader | None = None) -> SignaturePlan:
    """Decide field, box and appearance for ``profile`` on ``pdf`` (``reader``: one already
    open on ``pdf``, e.g. the writer's that will sign it)."""
    if reader is None:
        reader = open_writer(pdf).prev  # refuses unusable input with a one-line error
    subject = certificate.subject.native
    organization = profile.organization or subject.get("organization_name")
    lines = text_lines(profile.role, number_notation=profile.number_notation,
                       copy_form=profile.copy_form, organization=organization)
    name = None if profile.role is SignatureRole.LEADER else organization

    if profile.field_name is not None and profile.box is None:
        page_index, _ = _existing_field(reader, profile.field_name)
        geometry = placement.page_geometry(pdf, page_index)
        style = _style(profile, lines, geometry.rotation)
        return SignaturePlan(profile.field_name, None, None, style, name)

    if profile.box is not None:
        page_index, visual = profile.box
        geometry = placement.page_geometry(pdf, page_index)
    else:
        geometry, visual = _automatic_box(pdf, reader, profile, lines, subject)
    field_name = profile.field_name or free_field_name(reader, FIELD_PREFIX[profile.role])
    return SignaturePlan(field_name, geometry.index, geometry.to_user(visual),
                         _style(profile, lines, geometry.rotation), name)


class RoleSigner(PadesSigner):
    """A :class:`PadesSigner` whose signatures record ``role`` (commitment type) and carry the
    organization's name in ``/Name`` for the organization-type roles."""

    def __init__(self, key: SigningKey, options: SignatureOptions, role: SignatureRole,
                 name: str | None = None) -> None:
        super().__init__(key, options)
        self.role = role
        self.name = name

    def signature_metadata(self, field_name: str | None = None) -> PdfSignatureMetadata:
        return replace(super().signature_metadata(field_name),
                       cades_signed_attr_spec=commitment_type_spec(self.role), name=self.name)

    def pdf_signer(self, **kwargs: Any) -> PdfSigner:
        """The core's ``PdfSigner``, signing in Vietnam time: ``/M`` and the time shown carry
        +07:00 whatever the server's time zone (Decree 30 wants the time in Vietnam time)."""
        from pyhanko.sign.signers import PdfSigner

        class VietnamTimePdfSigner(PdfSigner):
            def init_signing_session(self, pdf_out: BasePdfFileWriter,
                                     existing_fields_only: bool = False) -> PdfSigningSession:
                session = super().init_signing_session(pdf_out, existing_fields_only)
                session.system_time = vietnam_time.now()
                return session

        core = super().pdf_signer(**kwargs)
        return VietnamTimePdfSigner(
            core.signature_meta, core.signer, timestamper=core.default_timestamper,
            stamp_style=core.stamp_style, new_field_spec=core.new_field_spec)


def field_spec(plan: SignaturePlan) -> SigFieldSpec | None:
    """pyHanko ``SigFieldSpec`` for a new field, or None to fill an existing one."""
    from pyhanko.sign.fields import SigFieldSpec

    if plan.user_rect is None or plan.page_index is None:  # both None: an existing field
        return None
    box = tuple(round(v, 2) for v in plan.user_rect)
    # pyHanko types the box as ints; a PDF rectangle takes any number (rounded to 0.01 pt)
    return SigFieldSpec(plan.field_name, on_page=plan.page_index, box=box)  # type: ignore[arg-type]


class RoleSigners:
    """:class:`RoleSigner` objects kept across documents, one per (key, options, role, name):
    a run of documents signed with one key pays the signer's certificate check (OCSP/CRL),
    the container-size estimate and the time-stamp client once instead of per document.

    The certificate check is *not* repeated while a signer is kept: the owner decides how long
    that may be (the register's hub renews them after a few minutes) and calls :meth:`aclose`.
    Bound to one event loop, not thread-safe (like the signers it holds)."""

    def __init__(self) -> None:
        # keyed by identity; the key and options are kept with the signer so ids stay unique
        self._signers: dict[tuple[int, int, SignatureRole, str | None], RoleSigner] = {}

    def get(self, key: SigningKey, options: SignatureOptions, role: SignatureRole,
            name: str | None) -> RoleSigner:
        ident = (id(key), id(options), role, name)
        if ident not in self._signers:
            self._signers[ident] = RoleSigner(key, options, role, name)
        return self._signers[ident]

    async def aclose(self) -> None:
        signers, self._signers = list(self._signers.values()), {}
        for signer in signers:
            await signer.aclose()


async def async_sign_profile(key: SigningKey, options: SignatureOptions, profile: Profile,
                             pdf: bytes,
                             prepare_writer: Any = None,
                             signers: RoleSigners | None = None) -> bytes:
    """Sign ``pdf`` in ``profile``'s role. ``prepare_writer(writer)``, if given, makes further
    changes (form filling) that land in the same incremental update as the signature.
    With ``signers`` the signer is taken from (and left in) that cache; otherwise a fresh one
    checks the certificate and is closed afterwards."""
    # one reading of the file: planning reads the writer's own reader (before any change)
    writer = open_writer(pdf)
    plan = plan_signature(pdf, profile, key.certificate, writer.prev)
    if signers is not None:
        signer = signers.get(key, options, profile.role, plan.name)
        return await _sign_planned(signer, plan, pdf, writer, prepare_writer)
    signer = RoleSigner(key, options, profile.role, plan.name)
    try:
        return await _sign_planned(signer, plan, pdf, writer, prepare_writer)
    finally:
        await signer.aclose()


async def _sign_planned(signer: RoleSigner, plan: SignaturePlan, pdf: bytes,
                        writer: IncrementalPdfFileWriter, prepare_writer: Any) -> bytes:
    if prepare_writer is not None:
        prepare_writer(writer)
    out = await signer.async_sign_writer(
        writer, field_name=plan.field_name, stamp_style=plan.style,
        field_spec=field_spec(plan))
    # without an ``output`` stream pyHanko writes into a fresh BytesIO
    signed = cast(io.BytesIO, out).getvalue()
    # a signature (and filled fields) only: the next step (issuing) reads the same pages
    placement.carry_over(pdf, signed)
    return signed


def signatures_by_role(reader: PdfFileReader,
                       ) -> list[tuple[EmbeddedPdfSignature, SignatureRole | None]]:
    """Every embedded regular signature with the role recorded in it."""
    return [(sig, role_of(sig.signer_info)) for sig in reader.embedded_regular_signatures]


def widget_location(reader: PdfHandler, field_dict: generic.DictionaryObject,
                    ) -> tuple[int, Rect]:
    """(page index, user-space /Rect) of a field's (first) widget annotation."""
    widget = field_dict
    if "/Rect" not in field_dict:
        kids = field_dict.get("/Kids")
        if not kids:
            raise PlacementError("the field has no widget on any page")
        widget = kids[0].get_object()
    rect = tuple(float(v) for v in widget["/Rect"])
    rect = (min(rect[0], rect[2]), min(rect[1], rect[3]),
            max(rect[0], rect[2]), max(rect[1], rect[3]))
    for index in range(reader.root["/Pages"]["/Count"]):
        page = reader.find_page_for_modification(index)[0].get_object()
        for annot in page.get("/Annots", ()):
            if annot.get_object() is widget:
                return index, rect
    raise PlacementError("the field's widget is not on any page")


def _style(profile: Profile, lines: tuple[str, ...], rotation: int) -> Decree30StampStyle:
    return Decree30StampStyle(image_png=profile.image_png, lines=lines, rotation=rotation)


def _automatic_box(pdf: bytes, reader: PdfFileReader, profile: Profile, lines: tuple[str, ...],
                   subject: dict) -> tuple[PageGeometry, Rect]:
    role = profile.role
    if role in (SignatureRole.ATTACHMENT, SignatureRole.COPY):
        geometry = placement.page_geometry(pdf, 0)
        return geometry, placement.top_right_box(geometry, text_block_size(lines))
    if profile.image_png is None:  # Profile refuses this for the leader and organization
        raise SigningError(f"the {role.value} profile needs an image")
    width, height = image_size_pt(profile.image_png)
    if role is SignatureRole.LEADER:
        name = profile.signer_name or subject.get("common_name")
        if not name:
            raise PlacementError("no printed name to place the signature by",
                                 missing=Missing.SIGNER_NAME_OR_BOX)
        for page_index in range(reader.root["/Pages"]["/Count"] - 1, -1, -1):
            text = placement.page_text(pdf, page_index)
            if text.find(name) is not None:
                return text.geometry, placement.leader_box(text, name, width / height)
        raise PlacementError(f"the printed name {name!r} is not in the document",
                             missing=Missing.BOX)
    # organization: over the left third of the leader's signature image
    leaders = [sig for sig, found in signatures_by_role(reader)
               if found is SignatureRole.LEADER]
    if not leaders:
        raise PlacementError("no leader signature to place the seal over",
                             missing=Missing.BOX)
    page_index, user_rect = widget_location(reader, leaders[-1].sig_field)
    geometry = placement.page_geometry(pdf, page_index)
    return geometry, placement.seal_box(geometry.to_visual(user_rect), (width, height))


def _existing_field(reader: PdfFileReader, field_name: str) -> tuple[int, Rect]:
    from pyhanko.sign.fields import enumerate_sig_fields

    for name, value, field_ref in enumerate_sig_fields(reader):
        if name == field_name:
            if value is not None:
                raise SigningError(f"the signature field {field_name!r} is already signed")
            return widget_location(reader, field_ref.get_object())
    raise PlacementError(f"no signature field named {field_name!r}")


def free_field_name(reader: PdfHandler, prefix: str) -> str:
    from pyhanko.sign.fields import enumerate_sig_fields

    taken = {name for name, _, _ in enumerate_sig_fields(reader)}
    return next(f"{prefix}{n}" for n in range(1, len(taken) + 2)
                if f"{prefix}{n}" not in taken)

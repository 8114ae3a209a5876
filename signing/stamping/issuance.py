"""Issuance (ban hành) of a signed document: the records clerk writes the number and the
place/date line and applies the organization's signature, after the leader has signed.

The number and date must not invalidate the leader's signature, so the draft gets two text form
fields *before* the leader signs (:func:`prepare`); issuing fills them (``/V`` and an appearance
stream, no page content touched) in the same incremental update as the organization signature
(:func:`async_issue`). A validator then reports the leader's signature with modification level
FORM_FILLING.

API::

    prepared = prepare(draft_pdf)                     # before the leader signs
    issued = await async_issue(leader_signed_pdf, key, options, settings,
                               Issuance(seal_png, 5, "QĐ-UBND", "Hà Nội", date(2026, 1, 5)))
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from decree30 import numbering
from signing.errors import Missing, ServiceError, SigningError
from signing.stamping import placement
from signing.stamping.appearance import (
    SERIF_ITALIC,
    SERIF_REGULAR,
    check_png,
    rotation_matrix,
    text_commands,
)
from signing.stamping.placement import PlacementError, Rect
from signing.validation.results import FileResult, Indication, SignatureRole

if TYPE_CHECKING:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.rw_common import PdfHandler
    from pyhanko.pdf_utils.writer import BasePdfFileWriter

    from signing.pades.keys import SigningKey
    from signing.pades.signer import SignatureOptions
    from signing.stamping.role_signing import RoleSigners
    from signing.validation.validator import ValidationSettings, Validator

NUMBER_FIELD = "SoKyHieu"
DATE_FIELD = "DiaDanhNgayThang"
#: font size of the number and date lines (Decree 30 Appendix I: 13 pt)
LINE_SIZE = 13
#: what a draft has where the day, month or number will go: blanks, dots, ellipses,
#: underscores, dashes, digits, or a placeholder ("xx", "dd", "[ngày]", "{...}", "<...>")
_BLANK = (r"(?:\s|[.…_\-–—/:*·•]|\d|x{1,4}|dd|mm|\[[^\]]{0,20}\]|\{[^}]{0,20}\}"
          r"|<[^>]{0,20}>|\([^)]{0,20}\)|«[^»]{0,20}»)*")
_DATE_LINE = re.compile(placement.folded("ngày") + _BLANK + placement.folded("tháng") + _BLANK
                        + placement.folded("năm"))
#: "Số:" (or "Số :") starting a word
_NUMBER_LABEL = re.compile(r"(?<!\w)" + placement.folded("số") + r"\s?:")
_NOTATION = re.compile(r"^[0-9A-Za-zÀ-ỹĐđ]+(?:-[0-9A-Za-zÀ-ỹĐđ]+)*$")


class IssuanceError(SigningError):
    """The document cannot be issued: no valid leader signature, no fields, bad number."""


@dataclass(frozen=True)
class Issuance:
    """What the clerk writes when issuing (ban hành)."""

    seal_png: bytes
    number: int
    notation: str
    place: str
    day: date

    def __post_init__(self) -> None:
        check_png(self.seal_png, "seal image")
        if self.number < 1:
            raise IssuanceError("the number (số) starts from 1")
        if not _NOTATION.match(self.notation):
            raise IssuanceError(f"bad notation {self.notation!r}: expected e.g. QĐ-UBND")
        if not self.place.strip():
            raise IssuanceError("the place name (địa danh) is empty")

    @property
    def number_notation(self) -> str:
        """``05/QĐ-UBND`` (:func:`decree30.numbering.number_and_notation`)."""
        return numbering.number_and_notation(self.number, self.notation)

    @property
    def date_line(self) -> str:
        """``Hà Nội, ngày 05 tháng 01 năm 2026`` (:func:`decree30.numbering.date_line`)."""
        return numbering.date_line(self.place.strip(), self.day)


def prepared_draft(pdf: bytes) -> bytes:
    """A draft as the hub takes it at submission: checked against hostile structures
    (:mod:`signing.pdf_input`), then given the number and date fields (:func:`prepare`) unless
    it has both already. One reader for all of it: the objects the reference check reads are
    those the fields are added with."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    from signing.pades.signer import open_writer
    from signing.pdf_input import check_inflation, check_reference_loops, readable

    check_inflation(pdf)
    with readable("the document"):
        try:
            reader: PdfFileReader | None = PdfFileReader(io.BytesIO(pdf), strict=False)
        except (PdfError, ValueError, KeyError, IndexError, TypeError):
            reader = None  # the check reads what it can; open_writer says why it cannot
        check_reference_loops(pdf, reader)
        writer = open_writer(pdf, reader)
        existing = _fields_by_name(writer)
        if NUMBER_FIELD in existing and DATE_FIELD in existing:
            return pdf
        return _with_fields(pdf, writer, None, None)


def prepare(pdf: bytes, number_box: tuple[int, Rect] | None = None,
            date_box: tuple[int, Rect] | None = None) -> bytes:
    """Add the number and the place/date form fields to a draft, found at its "Số:" and
    "ngày ... tháng ... năm" text on page 1 or given as (page index, visual box)."""
    from signing.pades.signer import open_writer

    return _with_fields(pdf, open_writer(pdf), number_box, date_box)


def _with_fields(pdf: bytes, writer: IncrementalPdfFileWriter,
                 number_box: tuple[int, Rect] | None,
                 date_box: tuple[int, Rect] | None) -> bytes:
    if writer.prev.embedded_signatures:
        raise IssuanceError("the document is already signed: add the fields to the draft, "
                            "before the leader signs")
    existing = _fields_by_name(writer)
    if NUMBER_FIELD in existing or DATE_FIELD in existing:
        raise IssuanceError("the document already has the number and date fields")
    if number_box is None or date_box is None:
        text = placement.page_text(pdf, 0)
        number_box = number_box or (0, _number_box(text))
        date_box = date_box or (0, _date_box(text))
    for name, tooltip, (page_index, visual) in (
            (NUMBER_FIELD, "Số, ký hiệu văn bản", number_box),
            (DATE_FIELD, "Địa danh và thời gian ban hành", date_box)):
        geometry = placement.page_geometry(pdf, page_index)
        _add_text_field(writer, name, tooltip, page_index, geometry.to_user(visual))
    out = io.BytesIO()
    writer.write(out)
    prepared = out.getvalue()
    placement.carry_over(pdf, prepared)  # fields only: the leader's step reads the same pages
    return prepared


def fill_fields(pdf: bytes,
                issuance: Issuance) -> Callable[[IncrementalPdfFileWriter], None]:
    """A callback writing number and date into the prepared fields of an open incremental
    writer on ``pdf`` (values and appearance streams only)."""

    def fill(writer: IncrementalPdfFileWriter) -> None:
        from pyhanko.pdf_utils import generic

        fields = _fields_by_name(writer)
        missing = [n for n in (NUMBER_FIELD, DATE_FIELD) if n not in fields]
        if missing:
            raise IssuanceError("the document has no number/date fields; run `edochub "
                                "prepare` on the draft before the leader signs")
        for name, value, font, centred in (
                (NUMBER_FIELD, issuance.number_notation, SERIF_REGULAR, False),
                (DATE_FIELD, issuance.date_line, SERIF_ITALIC, True)):
            field = fields[name]
            if str(field.get("/V", "")):
                raise IssuanceError(f"the document is already issued ({name} is filled)")
            field["/V"] = generic.TextStringObject(value)
            page_index, rect = _widget_page(writer, field)
            rotation = placement.page_geometry(pdf, page_index).rotation
            field["/AP"] = generic.DictionaryObject({
                generic.NameObject("/N"): _text_appearance(writer, value, font, rect,
                                                           rotation, centred)})
            writer.update_container(field)

    return fill


async def async_require_leader_signature(pdf: bytes, settings: ValidationSettings,
                                         validator: Validator | None = None) -> FileResult:
    """Validate ``pdf`` and refuse (:class:`IssuanceError`) unless it carries a leader
    signature that validates TOTAL-PASSED and every signature in it passes. ``validator``: an
    open :class:`signing.validation.validator.Validator` to reuse (its OCSP/CRL answers) across
    documents; by default one is opened for this document."""
    from signing.validation.validator import Validator

    if validator is not None:
        result, failed = await _validate(validator, pdf)
    else:
        async with Validator(settings) as validator:
            result, failed = await _validate(validator, pdf)
    if result.error is not None:
        raise IssuanceError(f"cannot validate the document: {result.error}")
    leaders = [s for s in result.signatures if s.role is SignatureRole.LEADER]
    if not leaders:
        raise IssuanceError("the document has no leader signature: the organization signs "
                            "only what the competent person has signed")
    for signature in result.signatures:
        if signature.indication is not Indication.TOTAL_PASSED:
            if failed and signature.indication is Indication.INDETERMINATE:
                # not the signature's fault: a revocation service failed
                raise ServiceError("cannot check the revocation status of the signatures: "
                                   + "; ".join(dict.fromkeys(failed)))
            detail = "; ".join(signature.problems) or (signature.sub_indication or "")
            raise IssuanceError(f"signature {signature.field!r} is not valid "
                                f"({signature.indication.value}: {detail})")
    return result


async def _validate(validator: Validator, pdf: bytes) -> tuple[FileResult, list[str]]:
    """The validation result and the OCSP/CRL fetches that failed while making it."""
    before, _ = validator.fetch_failures_since(0)
    result = await validator.async_validate_bytes(pdf, name="document")
    return result, validator.fetch_failures_since(before)[1]


async def async_issue(pdf: bytes, key: SigningKey, options: SignatureOptions,
                      settings: ValidationSettings, issuance: Issuance, *,
                      validator: Validator | None = None,
                      signers: RoleSigners | None = None,
                      checked_elsewhere: Awaitable[object] | None = None) -> bytes:
    """Check the leader's signature, fill number and date and apply the organization's
    signature (seal) in one incremental update. ``validator`` (an open Validator) and
    ``signers`` (:class:`signing.stamping.role_signing.RoleSigners`) are reused if given.
    ``checked_elsewhere``: the same check of this ``pdf`` (:func:`async_require_leader_signature`)
    already running in another process; it is awaited instead, with the same precedence: its
    refusal comes first, and the seal is returned only once it passed."""
    from signing.services import TOKEN_REQUESTED
    from signing.stamping.role_signing import Profile, async_sign_profile

    profile = Profile(SignatureRole.ORGANIZATION, image_png=issuance.seal_png)
    # the seal is made while the leader's signature is checked: here, the check runs once the
    # seal waits for its time-stamp token, and fills that wait. The seal is returned only when
    # the check passed, and its error (no leader signature to place it over...) only then: the
    # check's refusal comes first, as when the two ran one after the other
    requested = asyncio.Event()
    context = contextvars.copy_context()
    context.run(TOKEN_REQUESTED.set, requested)
    sealing = asyncio.get_running_loop().create_task(async_sign_profile(
        key, options, profile, pdf, prepare_writer=fill_fields(pdf, issuance),
        signers=signers), context=context)
    waiting = asyncio.ensure_future(requested.wait())
    try:
        if checked_elsewhere is not None:
            await checked_elsewhere
        else:
            # until the token is asked for (or the seal is done or failed: B-B, no token)
            await asyncio.wait({sealing, waiting}, return_when=asyncio.FIRST_COMPLETED)
            await async_require_leader_signature(pdf, settings, validator)
    except BaseException:
        sealing.cancel()
        await asyncio.gather(sealing, return_exceptions=True)  # none left running
        raise
    finally:
        waiting.cancel()
    return await sealing


def _number_box(text: placement.PageText) -> Rect:
    found = text.search(_NUMBER_LABEL)
    if found is None:
        raise PlacementError("the draft has no \"Số:\" line on page 1 to place the number "
                             "at (Decree 30 layout)",
                             missing=Missing.NUMBER_BOX)
    line, label = found
    end = max(line.box[2], label[2] + 90)
    return (label[2] + 1, line.box[1] - 2, end + 12, line.box[3] + 2)


def _date_box(text: placement.PageText) -> Rect:
    found = text.search(_DATE_LINE)
    if found is None:
        raise PlacementError("the draft has no \"ngày ... tháng ... năm\" line on page 1 to "
                             "place the date at (Decree 30 layout)",
                             missing=Missing.DATE_BOX)
    x0, y0, x1, y1 = found[0].box
    width = max(x1 - x0 + 12, 250)
    centre = (x0 + x1) / 2
    page_width = text.geometry.visual_size[0]
    left = max(2.0, min(centre - width / 2, page_width - 2 - width))
    return (left, y0 - 2, left + width, y1 + 2)


def _fields_by_name(writer: PdfHandler) -> dict[str, generic.DictionaryObject]:
    try:
        fields = writer.root["/AcroForm"]["/Fields"]
    except KeyError:
        return {}
    found = {}
    for ref in fields:
        field = ref.get_object()
        name = field.get("/T")
        if name is not None:
            found[str(name)] = field
    return found


def _add_text_field(writer: IncrementalPdfFileWriter, name: str, tooltip: str,
                    page_index: int, rect: Rect) -> None:
    """A single-widget text field (printable, initially empty, showing the draft beneath)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.generic import pdf_name

    page_ref = writer.find_page_for_modification(page_index)[0]
    page = page_ref.get_object()
    field = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"),
        pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/FT"): pdf_name("/Tx"),
        pdf_name("/T"): generic.TextStringObject(name),
        pdf_name("/TU"): generic.TextStringObject(tooltip),
        pdf_name("/F"): generic.NumberObject(4),  # Print
        pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(round(v, 2)) for v in rect),
        pdf_name("/P"): page_ref,
        pdf_name("/DA"): generic.TextStringObject(f"/Helv {LINE_SIZE} Tf 0 g"),
    })
    field_ref = writer.add_object(field)
    annots = page.get("/Annots")
    if annots is None:
        page["/Annots"] = generic.ArrayObject([field_ref])
        writer.update_container(page)
    else:
        annots = annots.get_object()
        annots.append(field_ref)
        writer.update_container(annots)
    root = writer.root
    if "/AcroForm" not in root:
        helvetica = writer.add_object(generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
            pdf_name("/BaseFont"): pdf_name("/Helvetica")}))
        root["/AcroForm"] = writer.add_object(generic.DictionaryObject({
            pdf_name("/Fields"): generic.ArrayObject(),
            pdf_name("/DR"): generic.DictionaryObject({pdf_name("/Font"): generic.DictionaryObject(
                {pdf_name("/Helv"): helvetica})}),
        }))
        writer.update_root()
    fields = root["/AcroForm"]["/Fields"]
    fields.append(field_ref)
    writer.update_container(fields)


def _widget_page(writer: IncrementalPdfFileWriter,
                 field: generic.DictionaryObject) -> tuple[int, Rect]:
    from signing.stamping.role_signing import widget_location

    return widget_location(writer, field)


def _text_appearance(writer: BasePdfFileWriter, value: str, font: str, rect: Rect,
                     rotation: int, centred: bool) -> generic.IndirectObject:
    """Form XObject showing ``value`` on white (covering the draft's dotted placeholder)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.content import PdfContent
    from pyhanko.pdf_utils.writer import init_xobject_dictionary

    width, height = rect[2] - rect[0], rect[3] - rect[1]
    if rotation in (90, 270):
        width, height = height, width
    content = PdfContent(writer=writer)
    size = min(LINE_SIZE, int(height - 3))
    commands = text_commands(content, [value], font, size, width, height, centred=centred,
                             white_background=True)
    xobject = init_xobject_dictionary(command_stream=commands, box_width=width,
                                      box_height=height,
                                      resources=content.resources.as_pdf_object())
    xobject["/Matrix"] = generic.ArrayObject(
        generic.NumberObject(v) for v in rotation_matrix(rotation))
    return writer.add_object(xobject)

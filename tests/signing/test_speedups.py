"""The speed-ups of issue 16 give the answers of the code they stand in for: the one-piece hex
string reader (signing.validation.upstream_hex), the remembered name comparisons
(signing.validation.upstream_names), the prepared fonts and kept font subsets
(signing.stamping.fonts), the font parsed once (signing.stamping.font_engine), the page text read
once per page (signing.stamping.placement), the images encoded once (signing.stamping.images)
and the CMS values encoded once (signing.pades.signers)."""

from __future__ import annotations

import io

import pytest
from asn1crypto import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.misc import PdfStreamError
from pyhanko.pdf_utils.writer import PdfFileWriter

from signing.stamping import fonts, placement
from signing.stamping.appearance import SERIF_ITALIC, SERIF_REGULAR, text_commands
from signing.validation import upstream_hex, upstream_names


@pytest.mark.parametrize("source", [
    b"<48656c6c6f>", b"<48656C6C6F>rest", b"<4865 6c6c\n6f>", b"<486>", b"<>",
    b"<48%comment >\n65>", b"<48" + b"00" * 20000 + b">", b"<48\x0065>",
])
def test_hex_strings_read_as_pyhanko_reads_them(source):
    upstream_hex.install()
    ours, theirs = io.BytesIO(source), io.BytesIO(source)
    assert upstream_hex.read_hex_string_from_stream(ours) == \
        upstream_hex._ORIGINAL(theirs)
    assert ours.tell() == theirs.tell()


@pytest.mark.parametrize("source", [b"<48zz>", b"<4865", b"<"])
def test_broken_hex_strings_fail_as_in_pyhanko(source):
    upstream_hex.install()
    with pytest.raises(PdfStreamError):
        upstream_hex._ORIGINAL(io.BytesIO(source))
    with pytest.raises(PdfStreamError):
        upstream_hex.read_hex_string_from_stream(io.BytesIO(source))


def test_pyhanko_reads_objects_through_the_fast_reader():
    upstream_hex.install()
    stream = io.BytesIO(b"<00ff10> 1")
    assert generic.read_object(stream, None).original_bytes == b"\x00\xff\x10"
    assert stream.read() == b" 1"


def _name(**values) -> x509.Name:
    return x509.Name.build(values)


def test_name_comparison_as_rfc_5280_after_install():
    upstream_names.install()
    for _ in range(2):  # the second time from the caches
        assert _name(common_name="Nguyễn  Văn An", country_name="VN") == \
            _name(common_name="nguyễn văn an", country_name="VN")
        assert _name(common_name="Nguyễn Văn An") != _name(common_name="Nguyễn Văn Bình")
        assert _name(common_name="A") != "A"
    tagged = x509.GeneralName(name="directory_name", value=_name(common_name="Sở Nội vụ"))
    reloaded = x509.GeneralName.load(tagged.dump())
    assert reloaded.chosen == _name(common_name="sở nội vụ")


def test_a_name_asn1crypto_refuses_is_refused_every_time():
    upstream_names.install()
    bad = x509.Name.build({"common_name": "A\ufffdB"})
    for _ in range(2):
        with pytest.raises(ValueError):
            bad == _name(common_name="AB")  # noqa: B015 - the comparison is what raises


def test_fonts_prepared_once_on_disk_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    fonts._prepared.cache_clear()
    try:
        vietnamese = fonts.font_bytes(SERIF_REGULAR, "Hà Nội, ngày 05 tháng 01 năm 2026")
        whole = fonts.font_bytes(SERIF_REGULAR, "Москва")  # outside the cut-down copy
        stored = sorted(p.name for p in (tmp_path / "edochub" / "fonts").iterdir())
    finally:
        fonts._prepared.cache_clear()
    assert len(vietnamese) < len(whole)
    assert [name.split("-")[2] for name in stored] == ["vietnamese", "whole"]


@pytest.mark.parametrize("font", [SERIF_REGULAR, SERIF_ITALIC])
def test_cut_down_font_draws_the_same_text(font, monkeypatch):
    def drawn(variant: str, text: str) -> tuple[bytes, object]:
        monkeypatch.setattr(fonts, "font_bytes", lambda path, _: fonts._prepared(path, variant))
        writer = PdfFileWriter()
        content = PdfContent(writer=writer)
        commands = text_commands(content, [text], font, 13, 300, 20)
        font_refs = content.resources.as_pdf_object()["/Font"]
        writer.write(io.BytesIO())
        type0 = next(iter(font_refs.values())).get_object()
        return commands, type0["/DescendantFonts"][0].get_object()["/W"]

    for text in ("05/QĐ-UBND", "Hà Nội, ngày 05 tháng 01 năm 2026", "2026-12-31T23:59:59+07:00"):
        assert drawn("vietnamese", text) == drawn("whole", text)
        assert drawn("vietnamese", text) == drawn("vietnamese", text)  # kept subset


def test_page_text_is_read_once_for_the_same_page(monkeypatch):
    from signing.stamping import specimens

    draft = specimens.draft_decision_pdf()
    first = placement.page_text(draft, 0)
    from signing.stamping.issuance import prepare

    prepared = prepare(draft)  # fields added: the page reads the same
    calls = []
    monkeypatch.setattr(placement, "_walk", lambda *a: calls.append(a) or iter(()))
    again = placement.page_text(prepared, 0)
    assert again == first and not calls
    assert placement.page_geometry(prepared, 0) == first.geometry


def test_kept_image_is_pyhankos_image_object():
    from PIL import Image
    from pyhanko.pdf_utils.images import PdfImage

    from signing.stamping import specimens
    from signing.stamping.images import KeptImage

    png = specimens.seal_png()

    def objects(make) -> tuple:  # noqa: ANN001
        writer = PdfFileWriter()
        image = make(writer)
        image.render()
        stream = image.image_ref.get_object()
        mask = stream["/SMask"].get_object()
        assert image.image_ref.get_pdf_handler() is writer
        return ({k: v for k, v in stream.items() if k != "/SMask"}, stream.data, dict(mask),
                mask.data)

    theirs = objects(lambda writer: PdfImage(Image.open(io.BytesIO(png)), writer=writer))
    assert objects(lambda writer: KeptImage(png, writer)) == theirs
    assert objects(lambda writer: KeptImage(png, writer)) == theirs  # from the template


def test_page_text_of_another_file_with_the_same_page_is_not_laid_out_again(monkeypatch):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from signing.stamping import specimens

    draft = specimens.draft_decision_pdf()
    placement._page_text._answers.clear()  # read (and laid out) here
    first = placement.page_text(draft, 0)
    writer = IncrementalPdfFileWriter(io.BytesIO(draft))  # not ours: nothing carried over
    writer.root["/EdochubTestCopy"] = generic.NumberObject(1)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    calls = []
    monkeypatch.setattr(placement, "_walk", lambda *a: calls.append(a) or iter(()))
    assert placement.page_text(out.getvalue(), 0) == first and not calls


def test_what_prepare_read_of_a_page_is_what_reading_its_output_gives():
    from signing.stamping import specimens
    from signing.stamping.issuance import prepare

    draft = specimens.draft_decision_pdf()
    prepared = prepare(draft)  # carries the draft's page text over to its output
    carried = placement.page_text(prepared, 0)
    placement._page_text._answers.clear()
    placement._page_geometry._answers.clear()
    placement._TEXT_BY_PAGE.clear()
    assert placement.page_text(prepared, 0) == carried
    assert placement.page_geometry(prepared, 0) == carried.geometry


def _embedded(text: str, font: str, engine) -> tuple:  # noqa: ANN001
    from signing.stamping import font_engine

    writer = PdfFileWriter()
    content = PdfContent(writer=writer)
    saved = font_engine.font_engine
    font_engine.font_engine = engine
    try:
        commands = text_commands(content, [text], font, 13, 300, 20)
    finally:
        font_engine.font_engine = saved
    font_refs = content.resources.as_pdf_object()["/Font"]
    writer.write(io.BytesIO())
    type0 = next(iter(font_refs.values())).get_object()
    cid_font = type0["/DescendantFonts"][0].get_object()
    descriptor = cid_font["/FontDescriptor"].get_object()
    return (commands, type0["/ToUnicode"].get_object().data, cid_font["/W"],
            descriptor["/FontFile2"].get_object().data,
            {k: v for k, v in descriptor.items() if k not in ("/FontName", "/FontFile2")})


class _WithAllDigits(GlyphAccumulator):
    """pyHanko's accumulator subsetting what it was fed plus, when that has a digit, the other
    nine (what signing.stamping.font_engine embeds, so that numbers share their subset)."""

    def _extract_subset(self, options=None) -> None:  # noqa: ANN001
        cmap = self.tt.getBestCmap()
        digits = {self.tt.getGlyphID(cmap[ord(d)]) for d in "0123456789"}
        used = self._glyphs
        if digits & set(used):
            self._glyphs = dict.fromkeys(digits, (0, 0)) | used
        try:
            super()._extract_subset(options)
        finally:
            self._glyphs = used


@pytest.mark.parametrize("font", [SERIF_REGULAR, SERIF_ITALIC])
@pytest.mark.parametrize("text", ["05/QĐ-UBND", "Hà Nội, ngày 05 tháng 01 năm 2026",
                                  "2026-12-31T23:59:59+07:00", "Москва, g̈ e\u0301",
                                  "Văn phòng"])
def test_shared_font_embeds_what_pyhankos_accumulator_embeds(font, text, monkeypatch):
    from fontTools.ttLib.tables import _h_e_a_d

    from signing.stamping import font_engine

    monkeypatch.setattr(_h_e_a_d, "timestampNow", lambda: 0)  # the subset's head.modified

    def pyhanko_engine(writer, data, size, obj_stream=None):  # noqa: ANN001, ANN202
        return _WithAllDigits(writer, io.BytesIO(data), size, obj_stream=obj_stream)

    theirs = _embedded(text, font, pyhanko_engine)
    font_engine._SUBSETS.clear()
    assert _embedded(text, font, font_engine.font_engine) == theirs  # subset made
    assert _embedded(text, font, font_engine.font_engine) == theirs  # subset kept


def test_numbers_share_one_subset_and_draw_only_their_digits(monkeypatch):
    from fontTools.ttLib.tables import _h_e_a_d

    from signing.stamping import font_engine

    monkeypatch.setattr(_h_e_a_d, "timestampNow", lambda: 0)
    font_engine._SUBSETS.clear()
    first = _embedded("Số: 17/QĐ-UBND", SERIF_REGULAR, font_engine.font_engine)
    second = _embedded("Số: 20/QĐ-UBND", SERIF_REGULAR, font_engine.font_engine)
    assert len(font_engine._SUBSETS) == 1
    assert first[3] == second[3]  # one font program
    # the widths and the ToUnicode map are those of the digits drawn, as pyHanko writes them
    theirs = _embedded("Số: 20/QĐ-UBND", SERIF_REGULAR, lambda writer, data, size, obj_stream=None:
                       GlyphAccumulator(writer, io.BytesIO(data), size, obj_stream=obj_stream))
    assert second[:3] == theirs[:3] and first[1:3] != second[1:3]


def test_the_shared_font_is_never_subset():
    from signing.stamping import font_engine

    data = fonts.font_bytes(SERIF_REGULAR, "x")
    shared = font_engine.parsed_font(data)
    assert shared is not None
    order, tables = list(shared.tt.getGlyphOrder()), sorted(shared.tt.keys())
    font_engine._SUBSETS.clear()
    _embedded("Số 05/QĐ-UBND", SERIF_REGULAR, font_engine.font_engine)
    assert font_engine.parsed_font(data) is shared
    assert shared.tt.getGlyphOrder() == order and sorted(shared.tt.keys()) == tables
    assert len(shared.tt["glyf"].glyphs) == len(order)


@pytest.mark.parametrize(("label", "pss"), [("leader-an", True), ("leader-an", False),
                                          ("leader-binh", False)])
def test_signer_gives_pyhankos_mechanism_and_signs_the_encoded_attributes(dev_pki, label, pss):
    import asyncio
    import hashlib

    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from pyhanko.sign.signers.pdf_cms import Signer
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

    from signing.pades.keys import Pkcs12Source, open_key

    with open_key(Pkcs12Source(dev_pki.p12(label))) as key:
        signer = key.signer
        signer.prefer_pss = pss
        for _ in range(2):  # built, then kept
            assert signer.get_signature_mechanism_for_digest("sha256").dump() == \
                Signer.get_signature_mechanism_for_digest(signer, "sha256").dump()
        content = asyncio.run(signer.async_sign(hashlib.sha256(b"x").digest(), "sha256",
                                                use_pades=True))
        info = content["content"]["signer_infos"][0]
        signed = info["signed_attrs"].untag().dump()
        public = signer._private_key.public_key()
        digest = get_pyca_cryptography_hash("sha256")
        algorithm = info["signature_algorithm"]["algorithm"].native
        if algorithm == "rsassa_pss":
            assert pss
            public.verify(info["signature"].native, signed,
                          *process_pss_params(info["signature_algorithm"]["parameters"]))
        elif label == "leader-an":
            assert not pss
            public.verify(info["signature"].native, signed, padding.PKCS1v15(), digest)
        else:
            public.verify(info["signature"].native, signed, ec.ECDSA(digest))


def test_a_png_that_passed_passes_and_a_bad_one_is_still_refused():
    from signing.errors import SigningError
    from signing.stamping import specimens
    from signing.stamping.appearance import check_png

    png = specimens.seal_png()
    check_png(png, "seal image")
    check_png(png, "seal image")
    with pytest.raises(SigningError, match="not a readable image"):
        check_png(png[:100], "seal image")


def test_a_pdf_that_passed_the_hostile_checks_is_not_read_again_one_that_failed_is(
        monkeypatch):
    from signing import pdf_input
    from signing.errors import BadInputError
    from tests import pdf_bombs

    looping, plain = pdf_bombs.reference_loop(), pdf_bombs.plain()
    reads = []
    aliases = pdf_input._aliases
    monkeypatch.setattr(pdf_input, "_aliases",
                        lambda pdf, reader: reads.append(pdf) or aliases(pdf, reader))
    for _ in range(2):
        with pytest.raises(BadInputError, match="loop of references"):
            pdf_input.check_reference_loops(looping)
        pdf_input.check_reference_loops(plain)
    assert reads == [looping, plain, looping]
    reads.clear()
    inflating = pdf_bombs.decode_bomb(1 << 20)  # a megabyte: harmless within the defaults
    for _ in range(2):
        with pytest.raises(BadInputError, match="inflates"):
            pdf_input.check_inflation(inflating, per_stream=1000)
        pdf_input.check_inflation(inflating)
    monkeypatch.setattr(pdf_input, "_inflated_size", None)  # passed: not inflated again
    pdf_input.check_inflation(inflating)

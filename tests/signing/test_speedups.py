"""The speed-ups of issue 16 give the answers of the code they stand in for: the one-piece hex
string reader (signing.validation.upstream_hex), the remembered name comparisons
(signing.validation.upstream_names), the prepared fonts and kept font subsets
(signing.stamping.fonts), the page text read once per page (signing.stamping.placement) and the
images encoded once (signing.stamping.images)."""

from __future__ import annotations

import io

import pytest
from asn1crypto import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import PdfContent
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

"""Drafts as clerks type them, for tests: a Quyết định in Decree 30 layout written as a flat
OpenDocument text (.fodt) and turned into PDF by LibreOffice (``soffice --headless
--convert-to pdf``), with the number and date lines left blank in the ways people leave them:
spaces, dots, ellipses, underscores, placeholders."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

LEADER = "Nguyễn Văn An"

_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:styles>
 <style:default-style style:family="paragraph">
  <style:text-properties fo:font-family="'Liberation Serif'" fo:font-size="13pt"/>
 </style:default-style>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="A4"><style:page-layout-properties fo:page-width="21cm"
  fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="3cm"
  fo:margin-right="1.5cm"/></style:page-layout>
 <style:style style:name="Head" style:family="table"><style:table-properties
  style:width="16.5cm" table:align="center"/></style:style>
 <style:style style:name="Left" style:family="table-column"><style:table-column-properties
  style:column-width="6.5cm"/></style:style>
 <style:style style:name="Right" style:family="table-column"><style:table-column-properties
  style:column-width="10cm"/></style:style>
 <style:style style:name="C" style:family="paragraph"><style:paragraph-properties
  fo:text-align="center"/></style:style>
 <style:style style:name="CB" style:family="paragraph"><style:paragraph-properties
  fo:text-align="center"/><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="CI" style:family="paragraph"><style:paragraph-properties
  fo:text-align="center"/><style:text-properties fo:font-style="italic"/></style:style>
 <style:style style:name="J" style:family="paragraph"><style:paragraph-properties
  fo:text-align="justify" fo:text-indent="1cm"/></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard"
 style:page-layout-name="A4"/></office:master-styles>
<office:body><office:text>
<table:table table:name="Head" table:style-name="Head">
 <table:table-column table:style-name="Left"/><table:table-column table:style-name="Right"/>
 <table:table-row>
  <table:table-cell><text:p text:style-name="C">ỦY BAN NHÂN DÂN</text:p>
   <text:p text:style-name="CB">TỈNH MẪU</text:p></table:table-cell>
  <table:table-cell><text:p text:style-name="CB">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</text:p>
   <text:p text:style-name="CB">Độc lập - Tự do - Hạnh phúc</text:p></table:table-cell>
 </table:table-row>
 <table:table-row>
  <table:table-cell><text:p text:style-name="C">{number}</text:p></table:table-cell>
  <table:table-cell><text:p text:style-name="CI">{date}</text:p></table:table-cell>
 </table:table-row>
</table:table>
<text:p text:style-name="CB">QUYẾT ĐỊNH</text:p>
<text:p text:style-name="CB">Về việc thử nghiệm ký số văn bản soạn thảo (MẪU / SPECIMEN)</text:p>
<text:p text:style-name="J">Điều 1. Văn bản mẫu để thử nghiệm, không có giá trị pháp lý.</text:p>
<text:p text:style-name="J">Điều 2. Quyết định này có hiệu lực kể từ ngày ký./.</text:p>
<text:p/>
<table:table table:name="Sign" table:style-name="Head">
 <table:table-column table:style-name="Left"/><table:table-column table:style-name="Right"/>
 <table:table-row>
  <table:table-cell><text:p>Nơi nhận:</text:p><text:p>- Lưu: VT.</text:p></table:table-cell>
  <table:table-cell><text:p text:style-name="CB">KT. CHỦ TỊCH</text:p>
   <text:p text:style-name="CB">PHÓ CHỦ TỊCH</text:p>
   <text:p/><text:p/><text:p/><text:p/><text:p/>
   <text:p text:style-name="CB">{leader}</text:p></table:table-cell>
 </table:table-row>
</table:table>
</office:text></office:body></office:document>
"""


def _odf_text(line: str) -> str:
    """Runs of spaces and tabs as ODF keeps them (``text:s``, ``text:tab``)."""
    out = []
    for part in re.split(r"( {2,}|\t)", line):
        if part == "\t":
            out.append("<text:tab/>")
        elif part.startswith("  "):
            out.append(f'<text:s text:c="{len(part)}"/>')
        else:
            out.append(escape(part))
    return "".join(out)


def libreoffice_drafts(directory: Path, lines: dict[str, tuple[str, str]]) -> dict[str, Path]:
    """``directory/NAME.pdf`` for each ``NAME: (number line, date line)``: the draft with
    those lines, written as flat OpenDocument files and converted to PDF by LibreOffice in one
    run."""
    sources = []
    for name, (number_line, date_line) in lines.items():
        source = directory / f"{name}.fodt"
        source.write_text(_FODT.format(number=_odf_text(number_line), date=_odf_text(date_line),
                                       leader=escape(LEADER)), encoding="utf-8")
        sources.append(str(source))
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice is not installed: run `make test` (libreoffice-writer-"
                           "nogui)")
    profile = directory / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(directory), *sources],
                   check=True, capture_output=True, timeout=300)
    return {name: directory / f"{name}.pdf" for name in lines}

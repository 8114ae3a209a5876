"""Validation reports for archivists (báo cáo kiểm tra chữ ký số).

API::

    from signing.reports import write_reports
    paths = write_reports(file_result, Path("reports/"), language="vi")
    # -> reports/<name>.json, <name>.validation.xml (ETSI TS 119 102-2, findings worded in
    #    the language), <name>.report.html, <name>.report.pdf

The verdicts come from :class:`signing.validation.results.FileResult`; the file itself is read
again only
for evidence the report shows (signature value, certificates, byte range).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from signing.reports import texts
from signing.reports.human import render_html
from signing.validation.results import FileResult


@dataclass(frozen=True)
class ReportFiles:
    json: Path
    xml: Path
    html: Path
    pdf: Path


def write_reports(result: FileResult, directory: Path, *, language: str = "vi",
                  validated_at: datetime | None = None, document: bytes | None = None,
                  stem: str | None = None) -> ReportFiles:
    """Write the JSON summary, the ETSI XML report and the human HTML/PDF report of one file.

    ``document`` defaults to the bytes at ``result.path`` (when readable); ``stem`` (the file
    names' common part) to the input's name without ``.pdf``."""
    from signing.reports import etsi, human
    from signing.reports.evidence import read_evidence

    validated_at = validated_at or datetime.now(UTC)
    if document is None:
        try:
            document = Path(result.path).read_bytes()
        except OSError:
            document = None
    evidence = {} if document is None else read_evidence(document)
    directory.mkdir(parents=True, exist_ok=True)
    stem = stem or report_stem(result.path)
    files = ReportFiles(
        json=directory / f"{stem}.json",
        xml=directory / f"{stem}.validation.xml",
        html=directory / f"{stem}.report.html",
        pdf=directory / f"{stem}.report.pdf",
    )
    files.json.write_text(json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n",
                          encoding="utf-8")
    files.xml.write_bytes(etsi.build_report(result, document, evidence, validated_at,
                                           language))
    html = human.render_html(result, document, validated_at, language)
    files.html.write_text(html, encoding="utf-8")
    files.pdf.write_bytes(human.render_pdf(html))
    return files


def report_stem(path: str) -> str:
    """The report file name stem of an input path: its name without ``.pdf``."""
    name = Path(path).name
    return name[:-4] if name.lower().endswith(".pdf") else name

__all__ = [
    "render_html",
    "report_stem",
    "texts",
    "write_reports",
]

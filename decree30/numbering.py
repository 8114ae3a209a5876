"""Numbers, notations and date lines of administrative documents (Decree 30/2020, Appendix I).

Pure functions, standard library only: the register calls them when the clerk issues (ban
hành) a document, and the signing package writes the same number and date line on the PDF.
"""

from __future__ import annotations

from datetime import date

from decree30.errors import RuleError

#: Công văn (official letter) carries no type abbreviation: its notation names the drafting unit.
OFFICIAL_LETTER = "Công văn"

#: Loại văn bản → chữ viết tắt (Decree 30/2020, Appendix III).
TYPE_ABBREVIATIONS: dict[str, str] = {
    "Nghị quyết": "NQ",
    "Quyết định": "QĐ",
    "Chỉ thị": "CT",
    "Quy chế": "QC",
    "Quy định": "QyĐ",
    "Thông báo": "TB",
    "Hướng dẫn": "HD",
    "Chương trình": "CTr",
    "Kế hoạch": "KH",
    "Phương án": "PA",
    "Đề án": "ĐA",
    "Dự án": "DA",
    "Báo cáo": "BC",
    "Biên bản": "BB",
    "Tờ trình": "TTr",
    "Hợp đồng": "HĐ",
    "Công điện": "CĐ",
    "Giấy mời": "GM",
    "Giấy giới thiệu": "GGT",
    "Giấy ủy quyền": "GUQ",
    "Phiếu gửi": "PG",
    "Phiếu chuyển": "PC",
}

DOCUMENT_TYPES: tuple[str, ...] = (*TYPE_ABBREVIATIONS, OFFICIAL_LETTER)


def check_document_type(type_name: str) -> str:
    if type_name not in DOCUMENT_TYPES:
        raise RuleError(
            f"unknown document type {type_name!r}; expected one of: {', '.join(DOCUMENT_TYPES)}"
        )
    return type_name


def format_number(number: int) -> str:
    """Số: numbers below 10 get a leading zero (``5`` → ``"05"``)."""
    if number < 1:
        raise RuleError(f"document numbers start at 1, got {number}")
    return f"{number:02d}"


def notation(type_name: str, organization: str, unit: str | None = None) -> str:
    """Ký hiệu: ``QĐ-BNV`` for typed documents; ``BNV-VP`` (organization-unit) for Công văn."""
    check_document_type(type_name)
    if not organization:
        raise RuleError("the organization abbreviation is empty")
    if type_name == OFFICIAL_LETTER:
        if not unit:
            raise RuleError("a Công văn needs the drafting unit for its notation, e.g. VP")
        return f"{organization}-{unit}"
    return f"{TYPE_ABBREVIATIONS[type_name]}-{organization}"


def number_and_notation(number: int, notation_text: str) -> str:
    """``15/QĐ-BNV``: what the document shows after "Số:"."""
    return f"{format_number(number)}/{notation_text}"


def date_line(place: str, day: date) -> str:
    """``Hà Nội, ngày 05 tháng 01 năm 2026``: a day below 10 and months 1 and 2 get a leading
    zero; other months are written as they are (``tháng 3``, ``tháng 12``)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"

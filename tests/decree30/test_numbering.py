"""Decree 30 numbering, notations and date lines (pure rules, no register)."""

from datetime import date

import pytest

from decree30 import numbering
from decree30.errors import RuleError


@pytest.mark.parametrize(("n", "text"), [(1, "01"), (9, "09"), (10, "10"), (123, "123")])
def test_numbers_below_ten_get_a_leading_zero(n, text):
    assert numbering.format_number(n) == text


def test_number_zero_is_refused():
    with pytest.raises(RuleError):
        numbering.format_number(0)


@pytest.mark.parametrize(("type_name", "org", "unit", "expected"), [
    ("Quyết định", "BNV", None, "QĐ-BNV"),
    ("Quy định", "UBND", None, "QyĐ-UBND"),
    ("Tờ trình", "UBND", None, "TTr-UBND"),
    ("Công văn", "BNV", "VP", "BNV-VP"),
    ("Công văn", "UBND", "VX", "UBND-VX"),
])
def test_notation_follows_decree_30(type_name, org, unit, expected):
    assert numbering.notation(type_name, org, unit) == expected


def test_official_letter_needs_a_unit_and_unknown_types_are_refused():
    with pytest.raises(RuleError, match="drafting unit"):
        numbering.notation("Công văn", "BNV")
    with pytest.raises(RuleError, match="unknown document type"):
        numbering.notation("Thư tình", "BNV")


def test_every_listed_type_has_a_distinct_abbreviation():
    abbreviations = list(numbering.TYPE_ABBREVIATIONS.values())
    assert len(abbreviations) == len(set(abbreviations)) == 22


def test_number_and_notation():
    assert numbering.number_and_notation(5, "BNV-VP") == "05/BNV-VP"


@pytest.mark.parametrize(("day", "line"), [
    (date(2026, 1, 5), "Hà Nội, ngày 05 tháng 01 năm 2026"),
    (date(2026, 2, 28), "Hà Nội, ngày 28 tháng 02 năm 2026"),
    (date(2026, 3, 9), "Hà Nội, ngày 09 tháng 3 năm 2026"),
    (date(2026, 11, 22), "Hà Nội, ngày 22 tháng 11 năm 2026"),
])
def test_date_line(day, line):
    assert numbering.date_line("Hà Nội", day) == line

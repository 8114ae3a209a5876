"""Dates as officials write them (dd/mm/yyyy, Vietnam's calendar day), without a browser."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from documents.domain.errors import InvalidInput
from documents.http.pages.i18n import Translator, format_date, format_datetime, parse_date


def test_dates_are_written_dd_mm_yyyy_in_vietnam_time():
    assert format_date(date(2026, 1, 5)) == "05/01/2026"
    # 20:30 UTC on 4 January is already 5 January in Hà Nội (UTC+7)
    evening = datetime(2026, 1, 4, 20, 30, tzinfo=UTC)
    assert format_date(evening) == "05/01/2026"
    assert format_datetime(evening) == "05/01/2026 03:30"
    assert format_datetime(evening, seconds=True) == "05/01/2026 03:30:00"
    assert format_date(None) == ""


def test_typed_dates_are_read_day_first():
    assert parse_date("05/01/2026") == date(2026, 1, 5)
    assert parse_date(" 5/1/2026 ") == date(2026, 1, 5)
    assert parse_date("") is None
    for wrong in ("2026-01-05", "31/02/2026", "05/13/2026", "hôm nay"):
        with pytest.raises(InvalidInput):
            parse_date(wrong)


def test_wording_falls_back_to_vietnamese():
    assert Translator("en")("incoming") == "Incoming documents"
    assert Translator("fr")("incoming") == "Văn bản đến"
    assert Translator("vi").state("processing") == "Đang xử lý"
    assert Translator("vi").status_code("06") == "06 · Hoàn thành"

"""Dates as other vendors write them (``dd/MM/yyyy``, ``yyyy-MM-dd``, ISO 8601) are read,
normalised and reported; impossible ones stay warnings (refused by ``--strict``); the writer
writes only the standard form. The envelopes under ``data/`` were written for these tests."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from axis import edxml
from axis.edxml import dates
from edochub.cli import main

DATA = Path(__file__).with_name("data")
VENDOR = DATA / "edoc_vendor_dates.edxml"


@pytest.mark.parametrize(("text", "value", "form"), [
    ("2020/10/30", dt.date(2020, 10, 30), None),
    ("30/10/2020", dt.date(2020, 10, 30), "dd/MM/yyyy"),
    ("05/06/2020", dt.date(2020, 6, 5), "dd/MM/yyyy"),  # day first, never month first
    ("2020-10-30", dt.date(2020, 10, 30), "yyyy-MM-dd"),
    ("30-10-2020", dt.date(2020, 10, 30), "dd-MM-yyyy"),
    ("2020-10-30T10:00:00+07:00", dt.date(2020, 10, 30), "ISO 8601"),
    ("2020/1/5", dt.date(2020, 1, 5), "yyyy/MM/dd"),  # unpadded: read, but not standard
])
def test_every_accepted_date_form(text: str, value: dt.date, form: str | None) -> None:
    assert dates.read_date(text) == (value, form)


@pytest.mark.parametrize("text", ["2014/02/30", "30/02/2014", "13/13/2020", "2020.10.30", ""])
def test_impossible_in_every_form(text: str) -> None:
    with pytest.raises(ValueError, match="is not a possible date"):
        dates.read_date(text)


def test_vendor_dates_are_normalised_with_a_warning_naming_the_original() -> None:
    message = edxml.parse(VENDOR)
    assert message.promulgation.date == dt.date(2020, 10, 30)
    assert message.due_date == dt.date(2020, 11, 15)
    assert message.trace[0].timestamp == dt.datetime(2020, 10, 30, 8, 15)
    assert message.document_id == "000.00.00.H41,2020/10/30,1234/UBND-VP"
    for original in ("'30/10/2020'", "'2020-11-15'", "'30/10/2020 08:15:00'",
                     "'000.00.00.H41,30/10/2020,1234/UBND-VP'"):
        assert any(original in warning for warning in message.warnings), original
    assert ("PromulgationDate '30/10/2020' is not yyyy/MM/dd; read as dd/MM/yyyy: 2020/10/30"
            in message.warnings)


def test_the_writer_writes_only_the_standard_form() -> None:
    out = io.BytesIO()
    edxml.write(edxml.parse(VENDOR), out)
    written = out.getvalue().decode()
    assert ">2020/10/30<" in written and ">2020/11/15<" in written
    assert "30/10/2020" not in written and "2020-11-15" not in written
    again = edxml.parse(out.getvalue())
    assert again.promulgation.date == dt.date(2020, 10, 30)
    assert not [w for w in again.warnings if "yyyy/MM/dd" in w]


def test_status_time_in_iso_form(tmp_path: Path) -> None:
    status = edxml.parse(DATA / "status_vendor_time.edxml")
    assert status.timestamp == dt.datetime(2020, 10, 31, 9, 0)
    assert status.response_for.document_id == "000.00.00.H41,2020/10/30,1234/UBND-VP"
    assert any("'2020-10-31T09:00:00+07:00'" in w for w in status.warnings)


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "variant.edxml"
    path.write_text(VENDOR.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return path


def test_impossible_promulgation_date_taken_from_the_document_id(tmp_path: Path) -> None:
    path = _variant(tmp_path, "<edXML:PromulgationDate>30/10/2020<",
                    "<edXML:PromulgationDate>31/02/2020<")
    message = edxml.parse(path)
    assert message.promulgation == edxml.Promulgation("Thành phố Mẫu", dt.date(2020, 10, 30))
    assert any("'31/02/2020' is not a possible date" in w for w in message.warnings)
    assert ("PromulgationDate missing or impossible; taken from DocumentId: 2020/10/30"
            in message.warnings)


def test_missing_promulgation_taken_from_the_document_id(tmp_path: Path) -> None:
    text = VENDOR.read_text(encoding="utf-8")
    start, end = text.index("<edXML:PromulgationInfo>"), text.index("</edXML:PromulgationInfo>")
    path = tmp_path / "no-promulgation.edxml"
    path.write_text(text[:start] + text[end + len("</edXML:PromulgationInfo>"):],
                    encoding="utf-8")
    message = edxml.parse(path)
    assert message.promulgation == edxml.Promulgation(None, dt.date(2020, 10, 30))


def test_impossible_everywhere_stays_a_warning_and_strict_refuses(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _variant(tmp_path, "30/10/2020", "31/02/2020")
    message = edxml.parse(path)
    assert message.promulgation.date is None
    assert message.document_id == "000.00.00.H41,31/02/2020,1234/UBND-VP"
    assert any("impossible date 31/02/2020" in w for w in message.warnings)

    assert main(["edxml", "parse", str(path)]) == 0
    capsys.readouterr()
    assert main(["edxml", "parse", "--strict", str(path)]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("edochub: strict reading refuses:")
    assert "31/02/2020" in err[0]


def test_the_axis_routes_an_envelope_with_vendor_dates() -> None:
    routing = edxml.peek_routing(VENDOR)
    assert (routing.sender, routing.recipients) == ("000.00.00.H41", ("000.00.00.G09",))
    assert routing.document_id == "000.00.00.H41,2020/10/30,1234/UBND-VP"
    assert routing.notation == "1234/UBND-VP"

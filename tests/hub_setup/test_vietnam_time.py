"""Vietnam time for people (reports, pages, the command line's human output); machine formats
keep ISO 8601 with their offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from decree30 import vietnam_time
from edochub.cli.common import describe_result
from signing.validation.results import FileResult, Indication, SignatureResult


def test_one_vietnam_time():
    moment = datetime(2026, 11, 22, 20, 15, 30, tzinfo=UTC)
    assert vietnam_time.iso(moment) == "2026-11-23T03:15:30+07:00"  # the next day in Hà Nội
    assert vietnam_time.human(moment) == "23/11/2026 03:15:30 (UTC+07:00)"
    assert vietnam_time.human(moment, seconds=False) == "23/11/2026 03:15 (UTC+07:00)"
    assert vietnam_time.human(datetime(2026, 11, 22, 20, 15, 30)) == (
        "23/11/2026 03:15:30 (UTC+07:00)")  # a moment without zone is UTC, as stored
    paris = timezone(timedelta(hours=1))
    assert vietnam_time.in_vietnam(datetime(2026, 1, 1, 1, 0, tzinfo=paris)).hour == 7


def test_verify_prints_signing_times_in_vietnam_time():
    signature = SignatureResult(
        field="Signature1", indication=Indication.TOTAL_PASSED, sub_indication=None,
        signer=None, signing_time=datetime(2026, 11, 22, 3, 15, 30, tzinfo=UTC),
        timestamp_time=datetime(2026, 11, 22, 3, 15, 31, tzinfo=UTC), level=None,
        coverage=None, modification_level=None, trust_anchor=None)
    text = describe_result(FileResult(path="a.pdf", signatures=(signature,)))
    assert "signed 2026-11-22T10:15:30+07:00, time-stamp 2026-11-22T10:15:31+07:00" in text

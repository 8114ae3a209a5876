"""Vietnam time (giờ Việt Nam): UTC+07:00 all year, no daylight saving.

Every time a person reads (signature appearances, reports, pages, the command line) is shown
in it; machine formats (JSON, XML) carry ISO 8601 with the offset, also in it. A moment without
a time zone is taken as UTC, which is how the databases store moments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")


def now() -> datetime:
    """The current moment in Vietnam time."""
    return datetime.now(VIETNAM_TIME)


def in_vietnam(moment: datetime) -> datetime:
    """``moment`` in Vietnam time (a naive moment is UTC)."""
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM_TIME)


def today() -> date:
    """Vietnam's calendar day now."""
    return now().date()


def iso(moment: datetime) -> str:
    """``2026-11-22T10:15:30+07:00``: ISO 8601 to the second, in Vietnam time."""
    return in_vietnam(moment).isoformat(timespec="seconds")


def human(moment: datetime, seconds: bool = True) -> str:
    """``22/11/2026 10:15:30 (UTC+07:00)``: day first, as Vietnamese readers write it."""
    shown = in_vietnam(moment).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")
    return f"{shown} (UTC+07:00)"

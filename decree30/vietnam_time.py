"""Vietnam time (giờ Việt Nam, UTC+07:00, no daylight saving): the calendar of document dates and
the clock every time shown to a person or written on a document is given in (Decree 30/2020,
Appendix I: signing times in ISO 8601 with +07:00)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")


def now() -> datetime:
    """The current moment in Vietnam time."""
    return datetime.now(VIETNAM_TIME)


def today() -> date:
    """Today's date on Vietnam's calendar (a document's date)."""
    return now().date()


def iso(moment: datetime) -> str:
    """``2026-11-22T10:15:30+07:00``: ISO 8601, seconds, Vietnam time zone."""
    if moment.utcoffset() is None:
        raise ValueError("a time needs a time zone")
    return moment.astimezone(VIETNAM_TIME).isoformat(timespec="seconds")

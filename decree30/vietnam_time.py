"""Vietnam time (giờ Việt Nam, UTC+07:00, no daylight saving): the calendar of document dates and
the clock every time shown to a person or written on a document is given in (Decree 30/2020,
Appendix I: signing times in ISO 8601 with +07:00)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

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


def in_vietnam(moment: datetime) -> datetime:
    """``moment`` in Vietnam time; a moment without a time zone is UTC (as databases keep
    moments)."""
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM_TIME)


def human(moment: datetime, seconds: bool = True) -> str:
    """``22/11/2026 10:15:30 (UTC+07:00)``: for people (reports, the command line), day first
    as Vietnamese readers write it; a moment without a time zone is UTC."""
    shown = in_vietnam(moment).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")
    return f"{shown} (UTC+07:00)"

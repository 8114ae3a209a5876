"""Dates and times as agencies' software actually writes them in edXML.

The standard forms are ``yyyy/MM/dd`` and ``yyyy/MM/dd HH:mm:ss``; other vendors write
``dd/MM/yyyy``, ``yyyy-MM-dd`` or ISO 8601. The reader accepts them all and says which form it
met, so the decoder can keep a warning naming the original text; the writer only ever writes
the standard forms (``model.DATE_FORMAT``, ``model.TIMESTAMP_FORMAT``).
"""

from __future__ import annotations

import datetime as dt

DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"

#: (strptime form, its name) in the order they are tried; day-first, never month-first.
DATE_FORMS = (("%Y/%m/%d", "yyyy/MM/dd"), ("%Y-%m-%d", "yyyy-MM-dd"),
              ("%d/%m/%Y", "dd/MM/yyyy"), ("%d-%m-%Y", "dd-MM-yyyy"))
TIME_FORMS = tuple((f"{form} %H:%M:%S", f"{name} HH:mm:ss") for form, name in DATE_FORMS)
FORMS_TEXT = "yyyy/MM/dd, dd/MM/yyyy, yyyy-MM-dd or ISO 8601"


def read_date(text: str) -> tuple[dt.date, str | None]:
    """The date in ``text`` and, unless it is written in the standard form, the form it was
    read in. ``ValueError`` when it is no possible date in any accepted form."""
    text = text.strip()
    for form, name in DATE_FORMS:
        try:
            value = dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
        return value, None if value.strftime(DATE_FORMAT) == text else name
    try:
        return dt.datetime.fromisoformat(text).date(), "ISO 8601"
    except ValueError:
        raise ValueError(f"{text!r} is not a possible date ({FORMS_TEXT})") from None


def read_timestamp(text: str) -> tuple[dt.datetime, str | None]:
    """Like :func:`read_date` for a date and time (the wall time as written: an ISO offset is
    dropped, an agency's clock is local)."""
    text = text.strip()
    for form, name in TIME_FORMS:
        try:
            value = dt.datetime.strptime(text, form)
        except ValueError:
            continue
        return value, None if value.strftime(TIMESTAMP_FORMAT) == text else name
    try:
        return dt.datetime.fromisoformat(text).replace(tzinfo=None), "ISO 8601"
    except ValueError:
        raise ValueError(f"{text!r} is not a possible date and time "
                         f"({FORMS_TEXT}, with HH:mm:ss)") from None

"""The axis's conventions, the same on both faces: the service type, each recipient's send
and receive states with the Vietnamese descriptions the SDK shows its user, and how a date
parameter (``fromDate``/``toDate``) is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from axis.errors import InvalidRequest
from axis.protocol.messages import RecipientState

SERVICE_TYPE = "eDoc"
#: The axis accepted the message for every recipient it names (it refuses the whole send
#: otherwise), so a stored message's send state is always this one.
SEND_STATUS = "done"
RECEIVE_STATUS = {"pending": "Đơn vị nhận chưa lấy văn bản", "done": "Đơn vị nhận đã nhận",
                  "fail": "Đơn vị nhận báo nhận lỗi"}


def send_status_desc(state: RecipientState) -> str:
    if state.addressed_as:
        return (f"Đã gửi lên trục; mã cũ {state.addressed_as} được chuyển tới đơn vị kế thừa "
                f"{state.recipient}")
    return "Đã gửi lên trục"


def moment(value: str, *, end: bool = False) -> datetime | None:
    """A ``fromDate``/``toDate`` parameter: a date (yyyy-MM-dd, yyyy/MM/dd, dd/MM/yyyy; a
    ``toDate`` day is included whole) or an ISO date and time (UTC unless it says)."""
    text = value.strip()
    if not text:
        return None
    for form in ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text, form).replace(tzinfo=UTC)
        except ValueError:
            continue
        return day + timedelta(days=1) if end else day
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(f"date {text!r} is not yyyy-MM-dd, yyyy/MM/dd, dd/MM/yyyy or an "
                             "ISO date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

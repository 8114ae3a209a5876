"""The directing-and-operating workflow (quy trình chỉ đạo, điều hành) as pure state machines.

Outgoing (văn bản đi): draft → submitted → leader_signed → issued → sent, then recalled or
replaced. Incoming (văn bản đến): received → registered (03) or rejected (02) → assigned (04) →
processing (05) → done (06); a recall/update/replace from the sender is answered 15 or 16.
No I/O: the services load a document, ask here what the action leads to, and store the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum

from documents.domain.errors import Forbidden, InvalidInput, InvalidTransition


class Role(StrEnum):
    SPECIALIST = "specialist"  # chuyên viên
    LEADER = "leader"  # lãnh đạo
    CLERK = "clerk"  # văn thư
    ARCHIVIST = "archivist"  # lưu trữ
    ADMIN = "admin"


class OutgoingState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    LEADER_SIGNED = "leader_signed"
    ISSUED = "issued"
    SENT = "sent"
    RECALLED = "recalled"
    REPLACED = "replaced"


class IncomingState(StrEnum):
    RECEIVED = "received"
    REGISTERED = "registered"
    REJECTED = "rejected"
    ASSIGNED = "assigned"
    PROCESSING = "processing"
    DONE = "done"
    RECALLED = "recalled"


class StatusCode(StrEnum):
    """Status messages exchanged over the axis (DOMAIN.md §4)."""

    ARRIVED = "01"
    REJECTED = "02"
    REGISTERED = "03"
    ASSIGNED = "04"
    PROCESSING = "05"
    DONE = "06"
    RECALL_REQUESTED = "13"
    CHANGE_AGREED = "15"
    CHANGE_REFUSED = "16"


class BusinessType(IntEnum):
    """``BussinessDocType`` of the trace header: what an envelope does to an earlier one."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    roles: frozenset[Role]


def _t(sources: set[str], target: str, *roles: Role) -> Transition:
    return Transition(frozenset(sources), target, frozenset(roles))


Out, In = OutgoingState, IncomingState

OUTGOING: dict[str, Transition] = {
    "submit": _t({Out.DRAFT}, Out.SUBMITTED, Role.SPECIALIST),
    "send_back": _t({Out.SUBMITTED}, Out.DRAFT, Role.LEADER),
    "sign": _t({Out.SUBMITTED}, Out.LEADER_SIGNED, Role.LEADER),
    "issue": _t({Out.LEADER_SIGNED}, Out.ISSUED, Role.CLERK),
    "send": _t({Out.ISSUED}, Out.SENT, Role.CLERK),
    "update": _t({Out.SENT}, Out.SENT, Role.CLERK),
    "recall": _t({Out.SENT}, Out.RECALLED, Role.CLERK),
    "replace": _t({Out.SENT}, Out.REPLACED, Role.CLERK),
}

INCOMING: dict[str, Transition] = {
    "register": _t({In.RECEIVED}, In.REGISTERED, Role.CLERK),
    "reject": _t({In.RECEIVED}, In.REJECTED, Role.CLERK),
    "assign": _t({In.REGISTERED, In.ASSIGNED}, In.ASSIGNED, Role.LEADER),
    "start": _t({In.ASSIGNED}, In.PROCESSING, Role.SPECIALIST),
    "finish": _t({In.PROCESSING}, In.DONE, Role.SPECIALIST),
    "accept_recall": _t(
        {In.RECEIVED, In.REGISTERED, In.ASSIGNED, In.PROCESSING}, In.RECALLED, Role.CLERK
    ),
}

#: What the receiver reports to the sender when an incoming document reaches a state.
INCOMING_STATUS: dict[IncomingState, StatusCode] = {
    In.RECEIVED: StatusCode.ARRIVED,
    In.REGISTERED: StatusCode.REGISTERED,
    In.REJECTED: StatusCode.REJECTED,
    In.ASSIGNED: StatusCode.ASSIGNED,
    In.PROCESSING: StatusCode.PROCESSING,
    In.DONE: StatusCode.DONE,
    In.RECALLED: StatusCode.CHANGE_AGREED,
}

BUSINESS_OF_ACTION: dict[str, BusinessType] = {
    "update": BusinessType.UPDATE,
    "recall": BusinessType.REVOKE,
    "replace": BusinessType.REPLACE,
}


def _next(machine: dict[str, Transition], kind: str, state: str, action: str,
          role: Role) -> str:
    transition = machine.get(action)
    if transition is None:
        raise InvalidInput(f"unknown {kind} action {action!r}")
    if role not in transition.roles:
        allowed = ", ".join(sorted(transition.roles))
        raise Forbidden(f"role {role} may not {action} an {kind} document (allowed: {allowed})")
    if state not in transition.sources:
        raise InvalidTransition(f"cannot {action} an {kind} document that is {state}")
    return transition.target


def next_outgoing(state: str, action: str, role: Role) -> OutgoingState:
    """The state an outgoing document reaches by ``action``, or a domain error."""
    return OutgoingState(_next(OUTGOING, "outgoing", state, action, role))


def next_incoming(state: str, action: str, role: Role) -> IncomingState:
    """The state an incoming document reaches by ``action``, or a domain error."""
    return IncomingState(_next(INCOMING, "incoming", state, action, role))


#: How far along a recipient is. Status messages may arrive late or twice: a late "registered"
#: must not overwrite "done", and no status of the normal flow (01..06, 02) undoes a
#: recall/update/replace request (13) or the recipient's answer to it (15, 16).
_PROGRESS = {
    StatusCode.ARRIVED: 1, StatusCode.REGISTERED: 2, StatusCode.ASSIGNED: 3,
    StatusCode.PROCESSING: 4, StatusCode.DONE: 5, StatusCode.REJECTED: 6,
    StatusCode.RECALL_REQUESTED: 7, StatusCode.CHANGE_AGREED: 8, StatusCode.CHANGE_REFUSED: 8,
}


def recipient_status_after(current: str | None, received: str) -> str:
    """The recipient status to keep after a status message ``received``.

    Statuses only move forward: the normal flow (01 → 03 → 04 → 05 → 06, or 02), then the
    sender's request (13), then the answer (15 đồng ý or 16 từ chối), which stands: a repeated
    or late answer does not turn it around. A new request after an answer is the sender's own
    doing (``outgoing.change_after_sending`` writes 13 itself), not a status message.
    """
    try:
        code = StatusCode(received)
    except ValueError:
        raise InvalidInput(f"unknown status code {received!r}") from None
    if current is None:
        return code.value
    try:
        current_rank = _PROGRESS[StatusCode(current)]
    except ValueError:
        current_rank = 0
    if code.value == current or _PROGRESS[code] > current_rank:
        return code.value
    return current


def outgoing_state_after_answers(state: str, statuses: Iterable[str | None]) -> str:
    """The sender's document state once its recipients' lines read ``statuses``.

    A recipient that answers 16 refuses to take the document back (or to swap it for its
    replacement): the document stays in force there. When every recipient refused, the recall
    or replacement did not happen anywhere and the document is back to ``sent`` (in force, and
    may be recalled again). While one recipient agreed (15) or has not answered yet, the
    document stays ``recalled``/``replaced``; each recipient's line says who refused.
    """
    if state not in (OutgoingState.RECALLED, OutgoingState.REPLACED):
        return state
    answers = list(statuses)
    if answers and all(s == StatusCode.CHANGE_REFUSED for s in answers):
        return OutgoingState.SENT.value
    return state


@dataclass(frozen=True)
class Assignment:
    """Phân công xử lý: one main handler (chủ trì), co-handlers (phối hợp), for information
    (để biết), and a due date (hạn xử lý)."""

    main_handler: str
    co_handlers: tuple[str, ...] = ()
    for_information: tuple[str, ...] = ()
    due_date: date | None = None
    direction: str = ""  # bút phê: the leader's written direction

    def check(self, today: date) -> Assignment:
        if not self.main_handler:
            raise InvalidInput("an assignment needs exactly one main handler")
        if self.main_handler in self.co_handlers:
            raise InvalidInput("the main handler cannot also be a co-handler")
        overlap = set(self.co_handlers) & set(self.for_information)
        if overlap or self.main_handler in self.for_information:
            raise InvalidInput("a person is either handling or informed, not both")
        if len(set(self.co_handlers)) != len(self.co_handlers):
            raise InvalidInput("a co-handler is listed twice")
        if self.due_date is not None and self.due_date < today:
            raise InvalidInput(f"the due date {self.due_date} is already past")
        return self


OPEN_INCOMING = frozenset({In.RECEIVED, In.REGISTERED, In.ASSIGNED, In.PROCESSING})


def is_overdue(state: str, due_date: date | None, today: date) -> bool:
    """Quá hạn: a document still being handled whose due date has passed."""
    return due_date is not None and state in OPEN_INCOMING and due_date < today

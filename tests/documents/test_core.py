"""The register's domain core, without a database: the workflows and accent folding."""

from datetime import date

import pytest

from documents.domain import workflow
from documents.domain.errors import Forbidden, InvalidInput, InvalidTransition
from documents.domain.text import fold
from documents.domain.workflow import IncomingState, OutgoingState, Role, StatusCode


def test_outgoing_happy_path():
    state = OutgoingState.DRAFT
    for action, role in [("submit", Role.SPECIALIST), ("sign", Role.LEADER),
                         ("issue", Role.CLERK), ("send", Role.CLERK)]:
        state = workflow.next_outgoing(state, action, role)
    assert state is OutgoingState.SENT
    assert workflow.next_outgoing(state, "recall", Role.CLERK) is OutgoingState.RECALLED


def test_outgoing_wrong_role_and_wrong_state():
    with pytest.raises(Forbidden, match="specialist may not sign"):
        workflow.next_outgoing(OutgoingState.SUBMITTED, "sign", Role.SPECIALIST)
    with pytest.raises(InvalidTransition, match="cannot issue"):
        workflow.next_outgoing(OutgoingState.SUBMITTED, "issue", Role.CLERK)
    with pytest.raises(InvalidInput):
        workflow.next_outgoing(OutgoingState.DRAFT, "teleport", Role.CLERK)


def test_incoming_path_and_status_codes():
    state = IncomingState.RECEIVED
    codes = [workflow.INCOMING_STATUS[state]]
    for action, role in [("register", Role.CLERK), ("assign", Role.LEADER),
                         ("start", Role.SPECIALIST), ("finish", Role.SPECIALIST)]:
        state = workflow.next_incoming(state, action, role)
        codes.append(workflow.INCOMING_STATUS[state])
    assert [c.value for c in codes] == ["01", "03", "04", "05", "06"]
    assert workflow.next_incoming(IncomingState.RECEIVED, "reject", Role.CLERK) \
        is IncomingState.REJECTED
    with pytest.raises(InvalidTransition):
        workflow.next_incoming(IncomingState.DONE, "accept_recall", Role.CLERK)
    with pytest.raises(Forbidden):
        workflow.next_incoming(IncomingState.REGISTERED, "assign", Role.CLERK)


def test_recipient_status_only_moves_forward():
    assert workflow.recipient_status_after(None, "03") == "03"
    assert workflow.recipient_status_after("06", "03") == "06"
    assert workflow.recipient_status_after("03", "06") == "06"
    assert workflow.recipient_status_after("06", "15") == "15"
    assert workflow.recipient_status_after("03", "03") == "03"  # a duplicate


def test_recall_and_its_answer_are_not_undone_by_late_statuses():
    """13 (the sender asked), 15/16 (the recipient answered) stand against a late or
    duplicated status of the normal flow, and an answer against a repeated request."""
    for change in ("13", "15", "16"):
        for late in ("01", "02", "03", "04", "05", "06"):
            assert workflow.recipient_status_after(change, late) == change, (change, late)
    assert workflow.recipient_status_after("13", "13") == "13"
    for answer in ("15", "16"):
        assert workflow.recipient_status_after("13", answer) == answer
        assert workflow.recipient_status_after(answer, "13") == answer
    assert workflow.recipient_status_after("15", "16") == "15"  # the first answer stands
    assert workflow.recipient_status_after("16", "15") == "16"
    assert workflow.recipient_status_after("01", "13") == "13"


def test_a_recall_refused_everywhere_leaves_the_document_sent():
    after = workflow.outgoing_state_after_answers
    for state in ("recalled", "replaced"):
        assert after(state, ["16"]) == "sent"
        assert after(state, ["16", "16"]) == "sent"
        assert after(state, ["16", "15"]) == state  # taken back where agreed
        assert after(state, ["16", "13"]) == state  # one recipient has not answered yet
        assert after(state, []) == state
    assert after("sent", ["16"]) == "sent"  # a refused update changes nothing
    assert after("issued", ["16"]) == "issued"
    with pytest.raises(InvalidInput):
        workflow.recipient_status_after("01", "99")
    assert StatusCode.RECALL_REQUESTED.value == "13"


def test_assignment_rules():
    today = date(2026, 11, 22)
    ok = workflow.Assignment("an", ("binh",), ("chi",), date(2026, 12, 1)).check(today)
    assert ok.main_handler == "an"
    for bad in [workflow.Assignment(""),
                workflow.Assignment("an", ("an",)),
                workflow.Assignment("an", ("binh",), ("binh",)),
                workflow.Assignment("an", due_date=date(2026, 11, 1))]:
        with pytest.raises(InvalidInput):
            bad.check(today)


def test_overdue_rule():
    today = date(2026, 11, 22)
    assert workflow.is_overdue("assigned", date(2026, 11, 21), today)
    assert not workflow.is_overdue("assigned", date(2026, 11, 22), today)
    assert not workflow.is_overdue("done", date(2026, 11, 1), today)
    assert not workflow.is_overdue("processing", None, today)


def test_fold_is_accent_insensitive():
    assert fold("Quyết định về ĐỀ ÁN") == "quyet dinh ve de an"
    assert fold("Ủy ban") == fold("uy ban")


def test_the_hubs_working_folder():
    """EDOCHUB_DATA_DIR when given, else the folder of a local file store; an object store
    alone names no local folder, which is refused in one sentence."""
    from pathlib import Path

    from documents.domain.errors import ConfigurationError
    from documents.services.settings import HubSettings
    from edochub import config

    env = {"EDOCHUB_ORGAN_ID": "000.00.00.H41", "EDOCHUB_TOKEN_KEY": "test-only",
           "EDOCHUB_DATA_DIR": "/srv/hub", "EDOCHUB_AUDIT_KEY": "test-only"}
    assert config.load(environ=env).settings().local_data_dir() == Path("/srv/hub")
    plain = HubSettings("000.00.00.H41", "H41", "UBND", "Hà Nội", "sqlite://", "/srv/x/files",
                        "k")
    assert plain.local_data_dir() == Path("/srv/x")
    with pytest.raises(ConfigurationError, match="EDOCHUB_DATA_DIR"):
        HubSettings("000.00.00.H41", "H41", "UBND", "Hà Nội", "sqlite://", "s3://bucket/p",
                    "k").local_data_dir()

"""Password guessing (issue 13, item 5): wrong passwords on one account, then the right one; an
account locked out after many; one address trying many accounts; and Argon2 hashes bounded at
once. Refused attempts answer 429 with Retry-After before any password is hashed, lockouts are
in the audit log, and no token is handed out while an account waits."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from documents.adapters import db
from documents.adapters.models import AuditEntry
from documents.http.app import create_app
from documents.http.server import serving
from documents.services import audit, users
from documents.services.logins import LoginThrottle
from tests.helpers.net import free_port
from tests.helpers.register import add_users


class Clock:
    """The throttle's clock, moved by the test instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def served(hub):
    clock = Clock()
    hub.logins = LoginThrottle(clock)
    add_users(hub)
    with serving(create_app(hub), "127.0.0.1", free_port()) as url, \
            httpx.Client(base_url=url, timeout=60) as client:
        yield hub, client, clock


def _login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/auth/token", data={"username": username, "password": password})


def _lockouts(hub) -> list[AuditEntry]:
    with db.transaction(hub.sessions) as session:
        return list(session.scalars(select(AuditEntry).where(
            AuditEntry.action == "login_lockout")))


def test_after_five_wrong_passwords_even_the_right_one_must_wait(served):
    hub, client, clock = served
    for _ in range(5):
        assert _login(client, "leader", "doan-mo").status_code == 401
    waiting = _login(client, "leader", "pw-leader")
    assert waiting.status_code == 429
    assert waiting.headers["retry-after"] == "1"
    assert waiting.json() == {"detail": "too many failed logins for this account: try again "
                                        "in 1 s"}
    assert "access_token" not in waiting.text
    clock.now += 1
    assert _login(client, "leader", "doan-mo").status_code == 401  # the sixth failure
    assert _login(client, "leader", "pw-leader").headers["retry-after"] == "2"  # doubled
    clock.now += 2
    assert _login(client, "leader", "pw-leader").status_code == 200
    assert _login(client, "leader", "doan-mo").status_code == 401  # the count started over


def test_twenty_failures_lock_the_account_out_and_the_lockout_is_audited(served):
    hub, client, clock = served
    for _ in range(20):
        assert _login(client, "clerk", "doan-mo").status_code == 401
        clock.now += 61  # past each delay, inside the 15-minute window
    locked = _login(client, "clerk", "pw-clerk")
    assert locked.status_code == 429
    assert locked.json()["detail"].startswith("too many failed logins for this account: "
                                              "locked, try again in ")
    [entry] = _lockouts(hub)
    assert (entry.actor, entry.entity, entry.entity_id) == ("system", "account", "clerk")
    assert (entry.details["failures"], entry.details["address"]) == (20, "127.0.0.1")
    with db.transaction(hub.sessions) as session:
        assert audit.verify(session).bottom_line
    clock.now += 900
    assert _login(client, "clerk", "pw-clerk").status_code == 200


def test_one_address_guessing_many_accounts_is_slowed_down(served):
    hub, client, clock = served
    for index in range(20):
        assert _login(client, f"ai-do-{index}", "doan-mo").status_code == 401
    refused = _login(client, "specialist", "pw-specialist")
    assert (refused.status_code, refused.json()["detail"]) == (
        429, "too many failed logins for this address: try again in 1 s")


def test_password_hashes_at_once_are_bounded(served, monkeypatch):
    hub, client, clock = served
    monkeypatch.setattr(users, "HASH_WAIT", 0.2)
    taken = [users._hashing.acquire(timeout=5) for _ in range(users.HASHES_AT_ONCE)]
    try:
        busy = _login(client, "leader", "pw-leader")
    finally:
        for _ in taken:
            users._hashing.release()
    assert (busy.status_code, busy.json()["detail"]) == (
        429, "the hub is busy checking other passwords; try again shortly")
    assert _login(client, "leader", "pw-leader").status_code == 200

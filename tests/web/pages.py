"""Steps the browser tests repeat: log in as someone, take an action, save a screenshot; and
the running hubs they act on."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from documents.services.hub import Hub


@dataclass
class RunningHub:
    hub: Hub
    url: str
    #: user name → password; the demo's users are named by their role
    passwords: dict[str, str]


def login(browser, hub, username: str, **options):  # noqa: ANN001, ANN003, ANN201
    """A fresh browser context (its own cookies; Playwright ``options`` such as
    ``java_script_enabled=False``) on ``hub`` (a RunningHub) logged in as ``username``; the
    page."""
    context = browser.new_context(base_url=hub.url, locale="vi-VN", **options)
    page = context.new_page()
    page.goto("/ui/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(hub.passwords[username])
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/ui/incoming")
    return page


def shot(page, folder: Path, name: str) -> Path:  # noqa: ANN001
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def act(page, name: str) -> None:  # noqa: ANN001
    """Press the action button ``name`` and wait for the page it leads to."""
    with page.expect_navigation():
        page.get_by_role("button", name=name, exact=True).click()


def csrf_of(page) -> str:  # noqa: ANN001
    return page.locator('meta[name="csrf-token"]').get_attribute("content")


def user(session, username: str):  # noqa: ANN001, ANN201
    from documents.adapters.models import User

    return session.query(User).filter_by(username=username).one()


def off_the_loop(function, *args):  # noqa: ANN001, ANN002, ANN201
    """Run ``function`` on another thread: Playwright's sync API keeps an event loop on this
    one, and the register's signing and exchange run their own (asyncio.run)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def outgoing_document(hub, subject: str, state: str = "submitted",  # noqa: ANN001
                      recipients: tuple[str, ...] = ("000.00.00.G09",)) -> int:
    """An outgoing document brought to ``state`` through the register's services (the story
    test drives the same steps through the pages)."""
    return off_the_loop(_outgoing_document, hub, subject, state, recipients)


def _outgoing_document(hub, subject: str, state: str,  # noqa: ANN001
                       recipients: tuple[str, ...]) -> int:
    from documents.adapters import db
    from documents.domain.ports import Party
    from documents.services import outgoing

    steps = ["draft", "submitted", "leader_signed", "issued", "sent"]
    with db.transaction(hub.sessions) as session:
        document = outgoing.create_draft(
            session, hub, user(session, "specialist"),
            outgoing.Draft("Quyết định", subject, tuple(Party(r, f"Cơ quan {r}")
                                                         for r in recipients)),
            draft_pdf())
        calls = [(outgoing.submit, "specialist"), (outgoing.sign, "leader"),
                 (outgoing.issue, "clerk"), (outgoing.send, "clerk")]
        for call, username in calls[:steps.index(state)]:
            call(session, hub, user(session, username), document.id)
        return document.id


def deliver(sender, receiver) -> None:  # noqa: ANN001
    """One exchange round: the sender's outbox to the axis, the receiver takes it in."""
    from documents.services import exchange

    def run() -> None:
        exchange.deliver_due(sender)
        exchange.collect(receiver)
        exchange.process_stored(receiver)

    off_the_loop(run)


def arrived(hub, subject: str) -> int:  # noqa: ANN001
    """The id of the incoming document with ``subject`` (tests share the hubs)."""
    from documents.adapters.models import IncomingDocument

    with hub.sessions() as session:
        return session.query(IncomingDocument).filter_by(subject=subject).one().id


@cache
def draft_pdf() -> bytes:
    """A draft in the Decree 30 layout (number and date left for issuance), as the register's
    demo drafts: the hub prepares its number and date fields when it is submitted."""
    from signing.stamping.specimens import draft_decision_pdf

    return draft_decision_pdf()

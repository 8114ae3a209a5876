"""The pages driven over plain HTTP (no browser): log in through the form, read a page's CSRF
token. For tests of what the server answers, where no script has to run."""

from __future__ import annotations

import re

import httpx


def page_login(base: str, username: str, password: str | None = None) -> httpx.Client:
    """A client holding ``username``'s page session (password ``pw-<role>`` by default, see
    ``tests.documents.conftest.add_users``)."""
    client = httpx.Client(base_url=base, timeout=60)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/ui/login").text).group(1)
    answer = client.post("/ui/login", data={
        "username": username, "password": password or f"pw-{username.split('-')[0]}",
        "csrf": csrf})
    assert answer.status_code == 303, answer.text
    return client


def page_csrf(client: httpx.Client, path: str = "/ui/incoming") -> str:
    """The CSRF token of the client's session, as the page at ``path`` carries it."""
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text).group(1)

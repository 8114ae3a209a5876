"""Issue 13, item 8: logging out ends the session's token on the server. Before, the cookie's
token stayed valid for its whole lifetime (8 hours), also as an API bearer token."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from documents.adapters.models import RevokedToken
from documents.http.app import create_app
from documents.http.pages.session import SESSION_COOKIE
from documents.http.server import serving
from tests.documents.page_client import page_csrf, page_login
from tests.helpers.net import free_port
from tests.helpers.register import add_users


def test_page_logout_revokes_the_cookie_token_also_as_bearer(hub):
    add_users(hub)
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        browser = page_login(url, "clerk")
        stolen = browser.cookies[SESSION_COOKIE]
        bearer = {"Authorization": f"Bearer {stolen}"}
        assert httpx.get(f"{url}/users/me", headers=bearer).status_code == 200
        csrf = page_csrf(browser)
        assert browser.post("/ui/logout", data={"csrf": csrf}).status_code == 303

        # the attacker kept a copy of the cookie: it no longer works, anywhere
        refused = httpx.get(f"{url}/users/me", headers=bearer)
        assert refused.status_code == 401
        assert refused.json()["detail"] == "this session was logged out; log in again"
        again = httpx.get(f"{url}/ui/incoming", cookies={SESSION_COOKIE: stolen})
        assert again.status_code == 303 and "/ui/login" in again.headers["location"]
        # another session of the same person is not touched
        other = page_login(url, "clerk")
        assert other.get("/ui/incoming").status_code == 200
        browser.close()
        other.close()


def test_api_logout_revokes_the_bearer_token(hub):
    add_users(hub)
    with serving(create_app(hub), "127.0.0.1", free_port()) as url:
        token = httpx.post(f"{url}/auth/token", data={"username": "leader",
                                                      "password": "pw-leader"}
                           ).json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert httpx.post(f"{url}/auth/logout", headers=bearer).status_code == 204
        refused = httpx.get(f"{url}/users/me", headers=bearer)
        assert refused.status_code == 401 and "logged out" in refused.json()["detail"]
        # logging out twice with the dead token is refused, and records nothing more
        assert httpx.post(f"{url}/auth/logout", headers=bearer).status_code == 401
        anonymous = httpx.post(f"{url}/auth/logout")
        assert anonymous.status_code == 401
    with hub.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RevokedToken)) == 1

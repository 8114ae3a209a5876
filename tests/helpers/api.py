"""Clients of the register's HTTP API in tests."""

from __future__ import annotations

import json

import httpx

from tests.helpers.register import ANNEX, PDF


def api_client(base: str, username: str | None) -> httpx.Client:
    """A client of the API at ``base`` logged in as ``username`` (password ``pw-<role>``,
    see :func:`tests.helpers.register.add_users`), or anonymous."""
    headers = {}
    if username is not None:
        role = username.split("-")[0]
        answer = httpx.post(f"{base}/auth/token",
                            data={"username": username, "password": f"pw-{role}"})
        assert answer.status_code == 200, answer.text
        headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return httpx.Client(base_url=base, headers=headers, timeout=60)


def post_draft(client: httpx.Client, pdf: bytes = PDF, **metadata) -> httpx.Response:
    body = {"doc_type": "Quyết định", "subject": "Quyết định về việc khen thưởng tập thể",
            "recipients": [{"organ_id": "000.00.00.G09", "name": "Bộ Mẫu"}],
            "signer_position": "Phó Chủ tịch", **metadata}
    return client.post("/outgoing", data={"metadata": json.dumps(body)},
                       files=[("document", ("qd.pdf", pdf, "application/pdf")),
                              ("attachments", ("phu-luc.pdf", ANNEX, "application/pdf"))])


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()

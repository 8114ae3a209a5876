"""README's "Setting up your agency's hub", followed step by step in a fresh folder: every
``edochub`` command of its shell blocks runs as written (loopback ports and the passwords
``'…'`` filled in), its TOML blocks go into the hubs' files, and the first document is drafted,
signed, issued and sent by H41 and received, checked and registered by G09 through the API
calls the section shows."""

from __future__ import annotations

import os
import re
import secrets
import shlex
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from edochub.cli import main
from tests.helpers.net import free_port
from tests.hub_setup.support import set_settings

README = Path(__file__).resolve().parents[2] / "README.md"
TITLE = "## Setting up your agency's hub"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(TITLE)
    return text[start:text.index("\n## ", start + len(TITLE))]


def blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block, in order."""
    return re.findall(r"```(sh|toml)\n(.*?)```", text, re.S)


def shell_lines(body: str) -> list[str]:
    """Commands of a shell block: continuations joined, comments dropped."""
    joined = body.replace("\\\n", " ")
    return [line.split("  #")[0].strip() for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


class Walk:
    """Runs README's shell lines: ``edochub`` in this process (background ones as processes),
    ``cd``/``mkdir``/``export`` as a shell would."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cwd, self.monkeypatch = root, monkeypatch
        self.ports = {port: str(free_port()) for port in ("8700", "9780", "8041", "8009")}
        self.passwords: dict[str, str] = {}
        self.processes: list[subprocess.Popen] = []
        self.initialised: list[Path] = []
        self.skipped: list[str] = []

    def local(self, text: str) -> str:
        for port, ours in self.ports.items():
            text = text.replace(f"127.0.0.1:{port}", f"127.0.0.1:{ours}")
            text = text.replace(f"--port {port}", f"--port {ours}")
        return text

    def run(self, line: str) -> None:
        for part in self.local(line).split(" && "):
            self.step(part.strip())

    def step(self, command: str) -> None:
        background = command.endswith("&")
        words = shlex.split(command.rstrip("&"))
        environ = {}
        while words and re.fullmatch(r"[A-Z_0-9]+=.*", words[0]):
            name, _, value = words.pop(0).partition("=")
            environ[name] = self.password(name) if value == "…" else value
        head = words[0]
        if head == "cd":
            self.cwd = (self.cwd / words[1]).resolve()
            self.monkeypatch.chdir(self.cwd)
        elif head == "mkdir":
            (self.cwd / words[1]).mkdir()
        elif head == "export":
            for assignment in words[1:]:  # $(openssl rand -hex 16): a fresh secret here too
                name = assignment.partition("=")[0]
                self.monkeypatch.setenv(name, secrets.token_hex(16))
        elif head in ("python3", ".", "pip"):
            self.skipped.append(command)  # the test runs on the installed project
        elif head == "edochub":
            for name, value in environ.items():
                self.monkeypatch.setenv(name, value)
            if background:
                self.start(words[1:])
            else:
                assert main(words[1:]) == 0, command
                if words[1] == "init":
                    self.initialised.append(self.cwd / words[2])
            for name in environ:
                self.monkeypatch.delenv(name)
        else:
            raise AssertionError(f"README step not understood by this test: {command}")

    def password(self, variable: str) -> str:
        return self.passwords.setdefault(variable, f"pw-{variable.lower()}-{secrets.token_hex(4)}")

    def start(self, args: list[str]) -> None:
        log = self.cwd / f"edochub-{args[0]}-{len(self.processes)}.log"
        with open(log, "wb") as output:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen([sys.executable, "-m", "edochub", *args], cwd=self.cwd,
                                       env=dict(os.environ), stdout=output,
                                       stderr=subprocess.STDOUT)
        self.processes.append(process)
        port = args[args.index("--port") + 1] if "--port" in args else self.ports["9780"]
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                return
            except httpx.TransportError:
                assert process.poll() is None, log.read_text()
                if time.monotonic() > deadline:  # a wait's limit, not a speed check
                    pytest.fail(f"edochub {' '.join(args)} did not start")
                time.sleep(0.2)

    def settings(self, body: str) -> None:
        """A TOML block: into the configuration of the hub set up last."""
        set_settings(self.initialised[-1] / "edochub.toml", tomllib.loads(self.local(body)))

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
            process.wait(timeout=30)


def token(base: str, username: str, password: str) -> dict[str, str]:
    answer = httpx.post(f"{base}/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def ok(answer: httpx.Response) -> dict:
    assert answer.status_code < 400, (answer.request.url, answer.text)
    return answer.json()


def test_readme_setup_from_nothing_to_a_document_received(tmp_path, monkeypatch, capsys):
    for name in [n for n in os.environ if n.startswith("EDOCHUB_") or n == "DATABASE_URL"]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    walk = Walk(tmp_path, monkeypatch)
    text = section()
    api = ""
    try:
        for language, body in blocks(text):
            if language == "toml":
                walk.settings(body)
            elif "curl" in body:
                api = body  # the API calls: made below, with a client instead of curl
            else:
                for line in shell_lines(body):
                    walk.run(line)
        assert any(c.startswith("pip install") for c in walk.skipped)
        agencies = tmp_path / "agencies"
        assert [p.name for p in walk.initialised] == ["h41", "g09"]
        assert (agencies / "h41" / "data").stat().st_mode & 0o777 == 0o700
        check_lines = [line for line in capsys.readouterr().out.splitlines()
                       if line[:2] in ("✓ ", "✗ ")]
        assert check_lines and all(line.startswith("✓") for line in check_lines), check_lines
        assert any(line.startswith("✓ seal identity: ") for line in check_lines)

        h41 = f"http://127.0.0.1:{walk.ports['8041']}"
        g09 = f"http://127.0.0.1:{walk.ports['8009']}"
        for path in ("/outgoing", "/outgoing/1/submit", "/outgoing/1/sign", "/outgoing/1/issue",
                     "/outgoing/1/send", "$G09/incoming", "/incoming/1/register"):
            assert path in api, path
        hoa, an, thu = (token(h41, user, walk.passwords[f"{user.upper()}_PASSWORD"])
                        for user in ("hoa", "an", "thu"))
        giao = token(g09, "giao", walk.passwords["GIAO_PASSWORD"])
        metadata = re.search(r"-F 'metadata=(.*?)'", api).group(1)
        draft_file = re.search(r"document=@(\S+)", api).group(1)
        draft = ok(httpx.post(f"{h41}/outgoing", headers=hoa, data={"metadata": metadata},
                              files={"document": ("du-thao.pdf",
                                                  (agencies / draft_file).read_bytes(),
                                                  "application/pdf")}))
        assert draft["id"] == 1
        ok(httpx.post(f"{h41}/outgoing/1/submit", headers=hoa))
        signed = ok(httpx.post(f"{h41}/outgoing/1/sign", headers=an, timeout=120))
        assert signed["signer_name"] == "Nguyễn Văn An"
        issued = ok(httpx.post(f"{h41}/outgoing/1/issue", headers=thu, timeout=120))
        assert issued["notation"] == "QĐ-UBND" and issued["number"] == 1
        ok(httpx.post(f"{h41}/outgoing/1/send", headers=thu))

        deadline = time.monotonic() + 120  # both hubs' exchange workers carry it
        while not (incoming := ok(httpx.get(f"{g09}/incoming", headers=giao))):
            if time.monotonic() > deadline:  # a wait's limit, not a speed check
                pytest.fail("G09 did not receive the document")
            time.sleep(1)
        [received] = incoming
        assert received["signatures_valid"] and received["sender_matches"], received
        assert received["code_notation"] == "QĐ-UBND"
        registered = ok(httpx.post(f"{g09}/incoming/{received['id']}/register", headers=giao,
                                   json={"receiving_unit": "Văn phòng Bộ"}))
        assert registered["incoming_number"] == 1
    finally:
        walk.stop()

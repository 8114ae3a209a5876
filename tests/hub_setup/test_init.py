"""``edochub init DIR``: a new agency's hub in one command, and nothing changed the second
time."""

from __future__ import annotations

import stat
import tomllib

import pytest

from documents.adapters import db
from documents.services import users
from edochub import config
from edochub.cli import main
from tests.hub_setup.support import ADMIN_PASSWORD, H41


def mode(path) -> int:  # noqa: ANN001
    return stat.S_IMODE(path.stat().st_mode)


def authenticates(directory, username: str, password: str) -> bool:  # noqa: ANN001
    engine = db.make_engine(config.load(directory / "edochub.toml", {}).database_url)
    try:
        with db.session_factory(engine)() as session:
            return users.authenticate(session, username, password).role == "admin"
    finally:
        engine.dispose()


def test_init_sets_up_a_hub_once(clean_env, tmp_path, capsys):
    code, name, abbreviation = H41
    clean_env.setenv("EDOCHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
    directory = tmp_path / "h41"
    assert main(["init", str(directory), "--code", code, "--name", name,
                 "--abbreviation", abbreviation]) == 0
    out = capsys.readouterr().out
    assert f"hub of {code} set up in {directory}" in out and "edochub check --config" in out

    written = tomllib.loads((directory / "edochub.toml").read_text(encoding="utf-8"))
    assert written["agency"] == {"code": code, "name": name, "abbreviation": abbreviation,
                                 "place": "Hà Nội"}
    assert written["secrets"] == {"token_key_file": "secrets/token-key",
                                  "audit_key_file": "secrets/audit-key"}  # references only
    text = (directory / "edochub.toml").read_text(encoding="utf-8")
    for setting in config.SETTINGS:  # every setting is there, set or as a commented example
        assert f"{setting.key} = " in text and setting.env in text, setting
    assert mode(directory / "data") == 0o700 and mode(directory / "secrets") == 0o700
    assert mode(directory / "secrets" / "token-key") == 0o600
    assert mode(directory / "secrets" / "audit-key") == 0o600
    assert ADMIN_PASSWORD not in text
    assert authenticates(directory, "admin", ADMIN_PASSWORD)
    assert config.load(directory / "edochub.toml", {}).settings().token_key

    before = {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    clean_env.setenv("EDOCHUB_ADMIN_PASSWORD", "another-password")
    assert main(["init", str(directory), "--code", "000.00.00.G09", "--name", "Bộ Mẫu",
                 "--abbreviation", "BM"]) == 0
    assert capsys.readouterr().out.strip() == (
        f"{directory} already holds a hub ({directory / 'edochub.toml'}): nothing changed")
    assert {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()} == before


def test_init_asks_and_never_echoes_the_password(clean_env, tmp_path, monkeypatch):
    import getpass

    answers = iter(["000.00.00.H41", "Ủy ban nhân dân tỉnh Mẫu", "UBND"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    asked = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: asked.append(prompt)
                        or ADMIN_PASSWORD)
    assert main(["init", str(tmp_path / "h41")]) == 0
    assert len(asked) == 2  # the password and its confirmation, both through getpass
    assert authenticates(tmp_path / "h41", "admin", ADMIN_PASSWORD)


@pytest.mark.parametrize(("options", "password", "message"), [
    (["--code", "000.00.00.H41", "--name", "H41", "--abbreviation", "UBND"], None,
     "the first administrator's password is not given: set EDOCHUB_ADMIN_PASSWORD (or "
     "run init in a terminal)"),
    (["--name", "H41", "--abbreviation", "UBND"], ADMIN_PASSWORD,
     "agency code (mã định danh) is not given: give --code"),
    (["--code", "000.00.00.H41", "--name", "H41", "--abbreviation", "UBND"], "short",
     "a password needs at least 8 characters"),
])
def test_init_refuses_in_one_line_and_leaves_nothing(clean_env, tmp_path, capsys, options,
                                                     password, message):
    if password:
        clean_env.setenv("EDOCHUB_ADMIN_PASSWORD", password)
    assert main(["init", str(tmp_path / "h41"), *options]) == 2
    assert capsys.readouterr().err.strip() == f"edochub: {message}"
    assert not (tmp_path / "h41").exists()

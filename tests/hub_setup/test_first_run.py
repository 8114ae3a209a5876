"""Clean first runs: a data folder missing or not writable, a database URL that is bad or does
not answer, a secret not given. Every hub command answers one line naming the setting and the
fix, exits 2, prints no traceback and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from edochub.cli import main
from tests.helpers.cli import run_cli_process
from tests.helpers.net import free_port

COMMANDS = {
    "serve": ["serve", "--port", "1"],
    "db upgrade": ["db", "upgrade"],
    "users add": ["users", "add", "an", "--full-name", "An", "--role", "clerk",
                  "--password-env", "NEW_USER_PASSWORD"],
    "audit verify": ["audit", "verify"],
}


@pytest.fixture()
def config_file(clean_env, tmp_path: Path) -> Path:
    clean_env.setenv("H41_TOKEN_KEY", "test-only-token-key")
    clean_env.setenv("H41_AUDIT_KEY", "test-only-audit-key")
    clean_env.setenv("NEW_USER_PASSWORD", "mat-khau-nguoi-dung")
    (tmp_path / "data").mkdir()
    path = tmp_path / "edochub.toml"
    path.write_text('[agency]\ncode = "000.00.00.H41"\n\n[storage]\ndata_dir = "data"\n\n'
                    '[secrets]\ntoken_key_env = "H41_TOKEN_KEY"\naudit_key_env = "H41_AUDIT_KEY"\n',
                    encoding="utf-8")
    return path


def one_line(argv: list[str], config: Path, capsys: pytest.CaptureFixture) -> str:
    capsys.readouterr()
    assert main([*argv, "--config", str(config)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("edochub: "), captured.err
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_data_folder(command, config_file, capsys, tmp_path):
    (tmp_path / "data").rmdir()
    line = one_line(COMMANDS[command], config_file, capsys)
    assert f"data folder {tmp_path / 'data'} does not exist" in line
    assert f"[storage] data_dir in {config_file} or EDOCHUB_DATA_DIR" in line
    assert "edochub init DIR" in line and "mkdir -m 700" in line
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_data_folder_not_writable(command, config_file, capsys, clean_env):
    clean_env.setenv("EDOCHUB_DATA_DIR", "/sys")  # nobody may create files there, not even root
    line = one_line(COMMANDS[command], config_file, capsys)
    assert "data folder /sys is not writable by this user" in line
    assert "EDOCHUB_DATA_DIR" in line and "give the hub's user write access" in line


@pytest.mark.parametrize("url", ["postgressql://edochub:s3cr3t-in-url@127.0.0.1/edochub",
                                 "edochub:s3cr3t-in-url at the database server"])
@pytest.mark.parametrize("command", COMMANDS)
def test_bad_database_url(command, url, config_file, capsys, clean_env):
    clean_env.setenv("DATABASE_URL", url)
    line = one_line(COMMANDS[command], config_file, capsys)
    assert "is not valid ([storage] database_url in" in line and "DATABASE_URL" in line
    assert "give e.g. postgresql://user@host/db" in line
    assert "s3cr3t-in-url" not in line


@pytest.mark.parametrize("command", COMMANDS)
def test_database_not_answering(command, config_file, capsys, clean_env):
    clean_env.setenv("DATABASE_URL",
                     f"postgresql://edochub:s3cr3t-in-url@127.0.0.1:{free_port()}/edochub")
    line = one_line(COMMANDS[command], config_file, capsys)
    assert "cannot open the database postgresql+psycopg://edochub:***@127.0.0.1" in line
    assert "check the URL and that the database server runs" in line
    assert "s3cr3t-in-url" not in line


def test_missing_token_key(config_file, capsys, clean_env, tmp_path):
    clean_env.delenv("H41_TOKEN_KEY")
    line = one_line(COMMANDS["serve"], config_file, capsys)
    assert line == (f"edochub: secret token_key: environment variable H41_TOKEN_KEY (named in "
                    f"{config_file}) is not set: set it")
    assert list((tmp_path / "data").iterdir()) == []


def test_missing_token_key_without_any_reference(capsys, clean_env, tmp_path):
    (tmp_path / "data").mkdir()
    config = tmp_path / "plain.toml"
    config.write_text('[agency]\ncode = "000.00.00.H41"\n[storage]\ndata_dir = "data"\n')
    line = one_line(COMMANDS["serve"], config, capsys)
    assert "secret token_key is not set: set EDOCHUB_TOKEN_KEY or EDOCHUB_TOKEN_KEY_FILE" in line
    assert f"token_key_file under [secrets] in {config}" in line


def test_missing_axis_secret(config_file, capsys, clean_env):
    clean_env.setenv("EDOCHUB_AXIS_URL", f"http://127.0.0.1:{free_port()}")
    line = one_line(COMMANDS["serve"], config_file, capsys)
    assert "secret axis_secret is not set: set EDOCHUB_AXIS_SECRET" in line


def test_missing_user_password(config_file, capsys, clean_env):
    clean_env.delenv("NEW_USER_PASSWORD")
    line = one_line(COMMANDS["users add"], config_file, capsys)
    assert "environment variable NEW_USER_PASSWORD is empty" in line


def test_missing_token_module_of_the_sign_agent(config_file, capsys, clean_env):
    """No PIN is needed to start (it is typed on the agent's confirmation page); a module
    that is not there is one clear line."""
    clean_env.delenv("EDOCHUB_PKCS11_PIN", raising=False)
    line = one_line(["sign-agent", "--hub-origin", "https://edoc.example.gov.vn",
                     "--pkcs11-module", "/nowhere.so", "--pkcs11-token", "T",
                     "--pkcs11-key", "K"], config_file, capsys)
    assert line == "edochub: PKCS#11 module not found: /nowhere.so"


def test_missing_configuration_file(capsys, clean_env, tmp_path):
    line = one_line(COMMANDS["db upgrade"], tmp_path / "nowhere.toml", capsys)
    assert f"configuration file {tmp_path / 'nowhere.toml'} (--config) does not exist" in line


def test_the_process_itself_prints_one_line(tmp_path):
    """The same, as a user's shell sees it: ``edochub serve`` on a data folder not there."""
    answer = run_cli_process("serve", env={"EDOCHUB_ORGAN_ID": "000.00.00.H41",
                                           "EDOCHUB_DATA_DIR": str(tmp_path / "missing"),
                                           "EDOCHUB_TOKEN_KEY": "test-only",
                                           "DATABASE_URL": "", "EDOCHUB_CONFIG": "",
                                           "EDOCHUB_AUDIT_KEY": "test-only"},
                             cwd=tmp_path)
    assert answer.returncode == 2, answer.stderr
    assert answer.stderr.count("\n") == 1 and "Traceback" not in answer.stderr
    assert f"data folder {tmp_path / 'missing'} does not exist" in answer.stderr

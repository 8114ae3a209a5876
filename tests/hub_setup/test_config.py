"""One configuration: the TOML file, environment variables over it, secrets by reference only,
and every command reading it the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from documents.domain.errors import ConfigurationError
from edochub import config
from edochub.cli import main


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_file_values_paths_and_environment_over_them(clean_env, tmp_path):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "token").write_text("token-key-from-a-file\n")
    (folder / "audit").write_text("audit-key-from-a-file\n")
    path = write(folder / "hub.toml", """
[agency]
code = "000.00.00.H41"
name = "Ủy ban nhân dân tỉnh Mẫu"
[storage]
data_dir = "data"
[keys]
organization = "keys/seal.p12"
leaders = { "leader" = "/srv/keys/leader.p12" }
[trust]
anchors = ["roots/gov.pem", "roots/pub.pem"]
[limits]
max_file_mb = 20
[secrets]
token_key_file = "token"
audit_key_file = "audit"
""")
    loaded = config.load(path, {})
    assert loaded["keys.organization"] == folder / "keys" / "seal.p12"  # beside the file
    assert loaded["keys.leaders"] == {"leader": Path("/srv/keys/leader.p12")}
    assert loaded["trust.anchors"] == (folder / "roots/gov.pem", folder / "roots/pub.pem")
    assert loaded.database_url == f"sqlite:///{folder / 'data' / 'edochub.db'}"
    settings = loaded.settings()
    assert (settings.organ_id, settings.abbreviation, settings.place) == (
        "000.00.00.H41", "UBND", "Hà Nội")  # defaults where the file says nothing
    assert settings.token_key == "token-key-from-a-file"
    assert settings.audit_key == "audit-key-from-a-file"
    assert settings.max_file_bytes == 20 * 1024 * 1024

    environ = {"EDOCHUB_ORGAN_ID": "000.00.00.G09", "EDOCHUB_TRUST": "/a.pem:/b.pem",
               "DATABASE_URL": "postgresql://hub@db/hub", "EDOCHUB_TOKEN_KEY": "from-env",
               "EDOCHUB_LEADER_KEYS": '{"an": "an.p12"}', "EDOCHUB_MAX_FILE_MB": "5"}
    over = config.load(path, environ)
    assert over.organ_id == "000.00.00.G09"
    assert over["trust.anchors"] == (Path("/a.pem"), Path("/b.pem"))
    assert over.database_url == "postgresql://hub@db/hub"
    assert over["keys.leaders"] == {"an": Path("an.p12")}
    assert over.settings().token_key == "from-env"
    assert over.settings().max_file_bytes == 5 * 1024 * 1024


def test_which_file_is_read(clean_env, tmp_path):
    write(tmp_path / "edochub.toml", '[agency]\ncode = "000.00.00.H41"\n')
    other = write(tmp_path / "other.toml", '[agency]\ncode = "000.00.00.G09"\n')
    assert config.load(None, {}).organ_id == "000.00.00.H41"  # ./edochub.toml
    assert config.load(None, {"EDOCHUB_CONFIG": str(other)}).organ_id == "000.00.00.G09"
    assert config.load(tmp_path / "edochub.toml",
                       {"EDOCHUB_CONFIG": str(other)}).organ_id == "000.00.00.H41"
    (tmp_path / "edochub.toml").unlink()
    assert config.load(None, {}).path is None  # the environment alone, as before
    with pytest.raises(ConfigurationError, match=r"EDOCHUB_CONFIG\) does not exist"):
        config.load(None, {"EDOCHUB_CONFIG": str(tmp_path / "gone.toml")})


@pytest.mark.parametrize(("text", "message"), [
    ('[axis]\nurl = "https://axis"\nsecret = "s3cr3t"\n',
     r"\[axis\] secret: secrets are given by reference only"),
    ('[secrets]\ntoken_key = "s3cr3t"\n', r"\[secrets\] token_key: secrets are given by "
                                          r"reference only"),
    ('[keys]\npassword = "s3cr3t"\n', r"\[keys\] password: secrets are given by reference"),
    ('[agency]\ncolour = "red"\n', r"unknown setting \[agency\] colour: remove it"),
    ('[limits]\nmax_file_mb = "many"\n', r"\[limits\] max_file_mb must be int"),
    ('[agency\ncode = 1\n', r"not valid TOML"),
])
def test_refused_files_say_why_in_one_line(clean_env, tmp_path, text, message):
    path = write(tmp_path / "edochub.toml", text)
    with pytest.raises(ConfigurationError, match=message) as refused:
        config.load(path, {})
    assert "s3cr3t" not in str(refused.value) and "\n" not in str(refused.value)


def test_every_command_reads_the_same_configuration(clean_env, tmp_path, capsys):
    """db upgrade finds ./edochub.toml, users add $EDOCHUB_CONFIG, audit verify --config: all
    three work on the one database the file names."""
    hub = tmp_path / "hub"
    (hub / "data").mkdir(parents=True)
    path = write(hub / "edochub.toml", '[agency]\ncode = "000.00.00.H41"\n'
                                      '[storage]\ndata_dir = "data"\n')
    clean_env.chdir(hub)
    assert main(["db", "upgrade"]) == 0
    clean_env.chdir(tmp_path)
    clean_env.setenv("EDOCHUB_CONFIG", str(path))
    clean_env.setenv("NEW_USER_PASSWORD", "mat-khau-nguoi-dung")
    clean_env.setenv("EDOCHUB_AUDIT_KEY", "test-only-audit-key")
    assert main(["users", "add", "an", "--full-name", "An", "--role", "clerk",
                 "--password-env", "NEW_USER_PASSWORD"]) == 0
    clean_env.delenv("EDOCHUB_CONFIG")
    capsys.readouterr()
    assert main(["audit", "verify", "--config", str(path)]) == 0
    assert "audit log intact: 1 entries" in capsys.readouterr().out
    assert (hub / "data" / "edochub.db").is_file()
    assert not (tmp_path / "var").exists()


def test_the_sign_agent_reads_it_too(clean_env, tmp_path, capsys):
    """Options not given come from [sign_agent]: here it gets as far as the token's module
    (the PIN is typed on the agent's confirmation page, not needed to start)."""
    clean_env.delenv("AGENT_TEST_PIN", raising=False)
    path = write(tmp_path / "edochub.toml", """
[sign_agent]
hub_origin = "https://edoc.example.gov.vn"
pkcs11_module = "/nowhere/libtoken.so"
pkcs11_token = "TOKEN"
pkcs11_key = "KEY"
pin_env = "AGENT_TEST_PIN"
""")
    assert main(["sign-agent", "--config", str(path)]) == 2
    assert capsys.readouterr().err.strip() == (
        "edochub: PKCS#11 module not found: /nowhere/libtoken.so")


def test_remote_signing_accounts_come_from_the_file_too(clean_env, tmp_path):
    from edochub import bootstrap
    from signing.pades import CscSource, PolledSource
    from signing.stamping.specimens import seal_png

    (tmp_path / "seal.png").write_bytes(seal_png())
    path = write(tmp_path / "edochub.toml", """
[keys]
organization = "seal.p12"
seal_image = "seal.png"

[keys.leader_remote.an]
csc_url = "https://csc.example.vn"
credential = "c-1"

[keys.leader_remote.binh]
phone_url = "https://sign.example.vn/api"
credential = "c-2"
time_limit = 90
""")
    keys = bootstrap.key_files(config.load(path, {}))
    assert keys is not None and keys.remote == {
        "an": CscSource("https://csc.example.vn", "c-1"),
        "binh": PolledSource("https://sign.example.vn/api", "c-2", 90.0)}
    over = bootstrap.key_files(config.load(path, {"EDOCHUB_LEADER_REMOTE": "{}"}))
    assert over is not None and over.remote == {}

"""The hub's configuration: one commented TOML file (``edochub init`` writes it), environment
variables over it, secrets only by reference.

Every command reads it the same way (:func:`load`): ``--config PATH``, else
``$EDOCHUB_CONFIG``, else ``./edochub.toml`` when present, else the environment alone. Each
setting has one place in the file and one environment variable (:data:`SETTINGS`); a
non-empty variable wins over the file. Relative paths in the file are relative to the file's
folder; in a variable, to the current folder.

Secrets (the token signing key, the axis secret, the first administrator's password, the
PKCS#12 password, the token PIN) never appear in the file: it names the environment variable
that holds one (``NAME_env``) or the file that does (``NAME_file``). ``EDOCHUB_<NAME>`` and
``EDOCHUB_<NAME>_FILE`` still work, as before the file existed.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from documents.domain import ConfigurationError
from documents.services import HubSettings

CONFIG_ENV = "EDOCHUB_CONFIG"
DEFAULT_FILE = "edochub.toml"


@dataclass(frozen=True)
class Setting:
    section: str
    key: str
    env: str
    kind: str = "text"  # text | path | int | paths | path-table | table
    default: Any = None
    #: one line for the file edochub init writes
    help: str = ""


#: every setting the hub reads, in the order of the file ``edochub init`` writes
SETTINGS: tuple[Setting, ...] = (
    Setting("agency", "code", "EDOCHUB_ORGAN_ID", help="mã định danh of this agency"),
    Setting("agency", "name", "EDOCHUB_ORGAN_NAME", help="the agency's full name"),
    Setting("agency", "abbreviation", "EDOCHUB_ABBREVIATION", default="UBND",
            help="its abbreviation in notations, e.g. 05/QĐ-UBND"),
    Setting("agency", "place", "EDOCHUB_PLACE", default="Hà Nội",
            help="địa danh of the date line"),
    Setting("storage", "data_dir", "EDOCHUB_DATA_DIR", "path", "var",
            help="the hub's folder: SQLite database, files, working files (private: 0700)"),
    Setting("storage", "database_url", "DATABASE_URL",
            help="empty: SQLite in data_dir; or postgresql://user@host/db"),
    Setting("storage", "file_store", "EDOCHUB_FILE_STORE",
            help="empty: data_dir/files; or s3://bucket/prefix (AWS credentials as usual)"),
    Setting("storage", "s3_endpoint_url", "EDOCHUB_S3_ENDPOINT_URL",
            help="S3-compatible endpoint, when not AWS itself"),
    Setting("keys", "organization", "EDOCHUB_ORG_KEY", "path",
            help="PKCS#12 of the organization's seal (chữ ký số của cơ quan)"),
    Setting("keys", "seal_image", "EDOCHUB_SEAL_PNG", "path", help="the red seal image (PNG)"),
    Setting("keys", "password_env", "EDOCHUB_KEY_PASSWORD_ENV",
            help="environment variable holding the PKCS#12 password (empty: unencrypted)"),
    Setting("keys", "leaders", "EDOCHUB_LEADER_KEYS", "path-table",
            help="user name -> PKCS#12 of a leader whose key the hub holds"),
    Setting("keys", "leader_signatures", "EDOCHUB_LEADER_SIGNATURES", "path-table",
            help="user name -> the leader's blue signature image (PNG)"),
    Setting("keys", "leader_remote", "EDOCHUB_LEADER_REMOTE", "table",
            help="user name -> remote-signing account: {csc_url, credential} or {phone_url, "
                 "credential, time_limit}; no secret goes here"),
    Setting("trust", "anchors", "EDOCHUB_TRUST", "paths",
            help="root certificates (PEM/DER) trusted for signatures and envelopes"),
    Setting("trust", "seal_identifiers", "EDOCHUB_SEAL_IDENTIFIERS", "table",
            help="agency code -> organizationIdentifier its seal must carry (default: code)"),
    Setting("tsa", "url", "EDOCHUB_TSA_URL", help="RFC 3161 time-stamping service"),
    Setting("tsa", "pades_level", "EDOCHUB_PADES_LEVEL",
            help="B-B, B-T, B-LT or B-LTA (default B-T with a TSA, else B-B)"),
    Setting("axis", "url", "EDOCHUB_AXIS_URL",
            help="the national axis (national HTTP protocol); empty: no exchange"),
    Setting("limits", "max_file_mb", "EDOCHUB_MAX_FILE_MB", "int", 50,
            help="largest PDF accepted, in MB"),
    Setting("limits", "token_minutes", "EDOCHUB_TOKEN_MINUTES", "int", 480,
            help="how long a login lasts"),
    Setting("sign_agent", "hub_origin", "EDOCHUB_HUB_ORIGIN",
            help="the hub's origin the leader's sign-agent serves, e.g. https://edoc.x.gov.vn"),
    Setting("sign_agent", "port", "EDOCHUB_AGENT_PORT", "int", 8765,
            help="port of the sign-agent on 127.0.0.1"),
    Setting("sign_agent", "pkcs11_module", "EDOCHUB_PKCS11_MODULE", "path",
            help="PKCS#11 module (.so) of the leader's token"),
    Setting("sign_agent", "pkcs11_token", "EDOCHUB_PKCS11_TOKEN", help="token label"),
    Setting("sign_agent", "pkcs11_key", "EDOCHUB_PKCS11_KEY", help="key and certificate label"),
    Setting("sign_agent", "pin_env", "EDOCHUB_PKCS11_PIN_ENV", default="EDOCHUB_PKCS11_PIN",
            help="environment variable holding the token's PIN"),
)

#: secrets, by reference only: ``[secrets] NAME_env`` / ``NAME_file``, ``EDOCHUB_<NAME>`` /
#: ``EDOCHUB_<NAME>_FILE``
SECRETS = ("token_key", "audit_key", "axis_secret", "admin_password")


@dataclass(frozen=True)
class SecretRef:
    """Where one secret is: never the secret itself."""

    name: str
    environ: Mapping[str, str]
    env: str | None = None  # variable named in the file
    file: Path | None = None  # file named in the file
    origin: str = "the environment"

    def resolve(self) -> str:
        variable = f"EDOCHUB_{self.name.upper()}"
        if self.environ.get(variable):
            return self.environ[variable]
        path = Path(self.environ[f"{variable}_FILE"]) if self.environ.get(f"{variable}_FILE") \
            else self.file
        if path is not None:
            try:
                return path.read_text().strip()
            except OSError as exc:
                raise ConfigurationError(
                    f"secret {self.name}: cannot read {path} ({exc.strerror}): create it "
                    f"(readable only by the hub's user) or name another file") from None
        if self.env and self.environ.get(self.env):
            return self.environ[self.env]
        if self.env:
            raise ConfigurationError(f"secret {self.name}: environment variable {self.env} "
                                     f"(named in {self.origin}) is not set: set it")
        raise ConfigurationError(
            f"secret {self.name} is not set: set {variable} or {variable}_FILE, or "
            f"{self.name}_env / {self.name}_file under [secrets] in {self.origin}")

    @property
    def given(self) -> bool:
        variable = f"EDOCHUB_{self.name.upper()}"
        return bool(self.environ.get(variable) or self.environ.get(f"{variable}_FILE")
                    or self.file or (self.env and self.environ.get(self.env)))


@dataclass(frozen=True)
class Config:
    """Every setting, resolved: values from the file or the environment, secrets by
    reference (:class:`SecretRef`)."""

    path: Path | None
    values: Mapping[tuple[str, str], Any]
    secrets: Mapping[str, SecretRef]

    def __getitem__(self, name: str) -> Any:
        section, _, key = name.partition(".")
        return self.values[section, key]

    def where(self, name: str) -> str:
        """How a user changes a setting: ``[storage] data_dir in /x/edochub.toml or
        EDOCHUB_DATA_DIR``."""
        section, _, key = name.partition(".")
        setting = next(s for s in SETTINGS if (s.section, s.key) == (section, key))
        place = str(self.path) if self.path else DEFAULT_FILE
        return f"[{section}] {key} in {place} or {setting.env}"

    @property
    def data_dir(self) -> Path:
        return Path(self["storage.data_dir"])

    @property
    def database_url(self) -> str:
        return self["storage.database_url"] or f"sqlite:///{self.data_dir / 'edochub.db'}"

    @property
    def file_store(self) -> str:
        return self["storage.file_store"] or str(self.data_dir / "files")

    def uses_data_dir(self) -> bool:
        """Whether the database or the file store lives in the data folder."""
        return not self["storage.database_url"] or not self["storage.file_store"]

    @property
    def organ_id(self) -> str:
        code = self["agency.code"]
        if not code:
            raise ConfigurationError(
                f"this agency's code is not set: {self.where('agency.code')} "
                f"(edochub init DIR writes a configuration)")
        return str(code)

    def settings(self) -> HubSettings:
        """The services' view; resolves the token signing key."""
        return HubSettings(
            organ_id=self.organ_id, organ_name=self["agency.name"] or self.organ_id,
            abbreviation=self["agency.abbreviation"], place=self["agency.place"],
            database_url=self.database_url, file_store=self.file_store,
            token_key=self.secrets["token_key"].resolve(),
            audit_key=self.secrets["audit_key"].resolve(),
            seal_identifiers=dict(self["trust.seal_identifiers"]),
            token_minutes=self["limits.token_minutes"],
            max_file_bytes=self["limits.max_file_mb"] * 1024 * 1024,
            data_dir=str(self.data_dir))


def config_path(given: str | os.PathLike[str] | None,
                environ: Mapping[str, str] | None = None) -> Path | None:
    """The file to read: ``given``, else ``$EDOCHUB_CONFIG``, else ``./edochub.toml`` if it
    exists, else none. A file named explicitly must exist."""
    env = os.environ if environ is None else environ
    if given:
        path, how = Path(given), "--config"
    elif env.get(CONFIG_ENV):
        path, how = Path(env[CONFIG_ENV]), CONFIG_ENV
    else:
        path = Path(DEFAULT_FILE)
        return path.resolve() if path.is_file() else None
    if not path.is_file():
        raise ConfigurationError(f"configuration file {path} ({how}) does not exist: give "
                                 f"an existing file, or write one with `edochub init DIR`")
    return path.resolve()


def load(given: str | os.PathLike[str] | None = None,
         environ: Mapping[str, str] | None = None) -> Config:
    """Read the configuration (see the module's docstring)."""
    env = dict(os.environ if environ is None else environ)
    path = config_path(given, env)
    document = _read(path) if path else {}
    base = path.parent if path else Path.cwd()
    values: dict[tuple[str, str], Any] = {}
    for setting in SETTINGS:
        section = document.get(setting.section, {})
        from_env = env.get(setting.env, "")
        if from_env:
            values[setting.section, setting.key] = _from_env(setting, from_env)
        elif setting.key in section:
            values[setting.section, setting.key] = _from_file(setting, section[setting.key],
                                                              base, path)
        elif setting.kind == "path" and setting.default:
            values[setting.section, setting.key] = base / setting.default
        else:
            values[setting.section, setting.key] = _default(setting)
    origin = str(path) if path else DEFAULT_FILE
    table = document.get("secrets", {})
    secrets = {name: SecretRef(name, env, table.get(f"{name}_env"),
                               base / table[f"{name}_file"] if f"{name}_file" in table else None,
                               origin) for name in SECRETS}
    return Config(path, values, secrets)


def _read(path: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: not valid TOML ({exc}): correct the file") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from None
    known = {(s.section, s.key) for s in SETTINGS}
    known |= {("secrets", f"{name}_{how}") for name in SECRETS for how in ("env", "file")}
    for section, table in document.items():
        if not isinstance(table, dict):
            raise ConfigurationError(f"{path}: {section} must be a [section]")
        for key, value in table.items():
            if (section, key) in known:
                if section == "secrets" and not isinstance(value, str):
                    raise ConfigurationError(f"{path}: [secrets] {key} must be a name (text)")
                continue
            if section == "secrets" or key in SECRETS or "password" in key or "secret" in key:
                raise ConfigurationError(
                    f"{path}: [{section}] {key}: secrets are given by reference only: name the "
                    f"variable or the file under [secrets] (e.g. {key}_env or {key}_file)")
            raise ConfigurationError(f"{path}: unknown setting [{section}] {key}: remove it "
                                     f"(see the file `edochub init` writes)")
    return document


def _default(setting: Setting) -> Any:
    if setting.kind == "path":
        return None
    if setting.kind == "paths":
        return ()
    if setting.kind in ("table", "path-table"):
        return {}
    return setting.default if setting.default is not None else ""


def _from_env(setting: Setting, text: str) -> Any:
    if setting.kind == "path":
        return Path(text)
    if setting.kind == "paths":
        return tuple(Path(p) for p in text.split(":") if p)
    if setting.kind in ("table", "path-table"):
        try:
            table = json.loads(text)
        except json.JSONDecodeError:
            table = None
        if not isinstance(table, dict):
            raise ConfigurationError(f"{setting.env} must be a JSON object, e.g. "
                                     f'{{"leader": "leader.p12"}}')
        return {k: Path(v) for k, v in table.items()} if setting.kind == "path-table" else table
    if setting.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ConfigurationError(f"{setting.env} must be a whole number") from None
    return text


def _from_file(setting: Setting, value: Any, base: Path, path: Path | None) -> Any:
    name = f"{path}: [{setting.section}] {setting.key}"
    expected: type[Any] = {"text": str, "path": str, "int": int, "paths": list, "table": dict,
                           "path-table": dict}[setting.kind]
    if not isinstance(value, expected) or isinstance(value, bool):
        raise ConfigurationError(f"{name} must be {expected.__name__.replace('str', 'text')}")
    if setting.kind == "path":
        return base / (value or setting.default) if value or setting.default else None
    if setting.kind == "paths":
        return tuple(base / p for p in value)
    if setting.kind == "path-table":
        return {k: base / v for k, v in value.items()}
    return value

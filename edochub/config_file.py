"""The commented configuration file ``edochub init`` writes: every setting of
:data:`edochub.config.SETTINGS`, the unset ones as commented examples."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from edochub.config import SECRETS, SETTINGS

HEADER = """\
# edochub: the configuration of one agency's hub, written by `edochub init`.
#
# Every command (serve, db, users, audit, check, sign-agent, ...) reads this file: --config PATH,
# else $EDOCHUB_CONFIG, else ./edochub.toml. The environment variable named beside a setting
# overrides it. Relative paths are relative to this file's folder.
# Secrets never go in this file: under [secrets], name the environment variable (NAME_env) or
# the file (NAME_file, readable only by the hub's user) that holds each one.
"""

#: what a commented-out example shows for settings left unset
EXAMPLES: dict[tuple[str, str], Any] = {
    ("storage", "database_url"): "postgresql://edochub@127.0.0.1/edochub",
    ("storage", "file_store"): "s3://bucket/edochub/",
    ("storage", "s3_endpoint_url"): "https://s3.example.gov.vn",
    ("keys", "organization"): "keys/seal.p12",
    ("keys", "seal_image"): "keys/seal.png",
    ("keys", "password_env"): "EDOCHUB_KEY_PASSWORD",
    ("keys", "leaders"): {"leader": "keys/leader.p12"},
    ("keys", "leader_signatures"): {"leader": "keys/leader-signature.png"},
    ("keys", "leader_remote"): {"binh": {"csc_url": "https://csc.example.vn/csc/v1",
                                         "credential": "CREDENTIAL-ID"}},
    ("trust", "anchors"): ["trust/root-ca.pem"],
    ("trust", "seal_identifiers"): {"000.00.00.G09": "000.00.00.G09"},
    ("tsa", "url"): "http://tsa.example.gov.vn",
    ("tsa", "pades_level"): "B-T",
    ("axis", "url"): "https://axis.example.gov.vn",
    ("sign_agent", "hub_origin"): "https://edoc.example.gov.vn",
    ("sign_agent", "pkcs11_module"): "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    ("sign_agent", "pkcs11_token"): "TOKEN",
    ("sign_agent", "pkcs11_key"): "KEY",
}

SECRET_HELP = {
    "token_key": "signs the hub's login tokens",
    "audit_key": "keys the audit log's hash chain (never stored in the database)",
    "axis_secret": "this agency's secret at the axis",
    "admin_password": "first administrator's password (only `edochub serve` on an empty hub)",
}


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}"
                            for k, v in value.items()) + " }"


def render(values: Mapping[tuple[str, str], Any], secrets: Mapping[str, str]) -> str:
    """The file: ``values`` set, every other setting a commented example or default;
    ``secrets`` maps ``token_key_file`` and the like to their references."""
    lines = [HEADER]
    section = None
    for setting in SETTINGS:
        if setting.section != section:
            section = setting.section
            lines.append(f"\n[{section}]")
        lines.append(f"# {setting.help} ({setting.env})")
        key = (setting.section, setting.key)
        if key in values:
            lines.append(f"{setting.key} = {toml_value(values[key])}")
        elif setting.default is not None:
            lines.append(f"# {setting.key} = {toml_value(setting.default)}")
        else:
            lines.append(f"# {setting.key} = {toml_value(EXAMPLES.get(key, ''))}")
    lines.append("\n[secrets]")
    for name in SECRETS:
        variable = f"EDOCHUB_{name.upper()}"
        lines.append(f"# {SECRET_HELP[name]} ({variable} or {variable}_FILE)")
        for how in ("env", "file"):
            reference = f"{name}_{how}"
            if reference in secrets:
                lines.append(f"{reference} = {toml_value(secrets[reference])}")
            elif how == "env":
                lines.append(f"# {reference} = {toml_value(variable)}")
    return "\n".join(lines) + "\n"

"""The deployment files under deploy/ stay true to the product: every ``edochub`` command they
run is one the command line accepts, and every secret the compose file names is declared as a
file (none written inline)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from edochub.cli import build_parser

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def _commands() -> list[list[str]]:
    found = []
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for service in compose["services"].values():
        command = service.get("command")
        if isinstance(command, list) and command[:2] == ["sh", "-c"]:
            found += [shlex.split(part) for part in command[2].split("&&")]
        elif isinstance(command, list):
            found.append(command)
    for unit in (DEPLOY / "systemd").glob("*.service"):
        text = unit.read_text().replace("\\\n", " ")
        for line in re.findall(r"^Exec\w*=(.+)$", text, re.M):
            found.append(shlex.split(line.replace("${AXIS_DATABASE_URL}", "postgresql://x/y")))
    found.append(shlex.split(re.search(r'^CMD (\[.*\])$', (DEPLOY / "Containerfile").read_text(),
                                       re.M).group(1).replace('", "', " ").strip('[]"')))
    return [c for c in found if Path(c[0]).name == "edochub" or c[:1] == ["exec"]]


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c[:3]))
def test_deploy_commands_are_accepted_by_the_cli(command):
    argv = command[2:] if command[0] == "exec" else command[1:]
    build_parser().parse_args(argv)  # exits (SystemExit) on an unknown command or option


def test_compose_secrets_are_files_and_nothing_secret_is_inline():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    declared = compose["secrets"]
    assert all(set(spec) == {"file"} for spec in declared.values())
    for name, service in compose["services"].items():
        for secret in service.get("secrets", []):
            assert secret in declared, f"{name} uses undeclared secret {secret}"
        for key in service.get("environment") or {}:
            assert not re.search(r"PASSWORD$|SECRET$|TOKEN_KEY$", key), \
                f"{name} sets {key} inline: use a *_FILE secret"

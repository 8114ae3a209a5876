"""What every command of an agency's hub shares: ``--config`` and reading the configuration."""

from __future__ import annotations

import argparse

from edochub import config


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", default=None,
                        help=f"the hub's configuration (default ${config.CONFIG_ENV}, else "
                             f"./{config.DEFAULT_FILE} when present; environment variables "
                             "override it)")


def load_config(args: argparse.Namespace) -> config.Config:
    return config.load(getattr(args, "config", None))

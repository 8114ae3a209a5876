"""The servers' JSON log lines go to stderr as it is when they are written: a caller running
the command in-process (a test, an embedding) may swap stderr and close the old one."""

from __future__ import annotations

import io
import json
import logging
import sys

from edochub.cli.common import json_logs


def test_lines_follow_stderr_and_a_closed_one_is_not_written(monkeypatch):
    logger = logging.getLogger("edochub")
    before = (logger.level, list(logger.handlers), logger.propagate)
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    try:
        json_logs()
        logging.getLogger("edochub.test").info("one")
        first.close()  # the first run is over: its stderr is gone
        monkeypatch.setattr(sys, "stderr", second)
        logging.getLogger("edochub.test").info("two")
    finally:
        logger.setLevel(before[0])
        logger.handlers[:], logger.propagate = before[1], before[2]
    assert json.loads(second.getvalue())["message"] == "two"

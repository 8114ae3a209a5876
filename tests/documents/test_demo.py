"""``edochub demo --once --json``: the README's main job, end to end on loopback."""

from __future__ import annotations

import json


def test_demo_plays_the_whole_story(cli, tmp_path):
    answer = cli("demo", "--once", "--json", "--dir", tmp_path / "demo")
    assert answer.returncode == 0, answer.stderr
    counts = json.loads(answer.stdout)
    # two documents, each: 01 arrived, 03 registered, 04 assigned, 05 processing, 06 done
    assert counts == {"sent": 2, "received": 2, "verified": 2, "registered": 2,
                      "statuses_returned": 10}

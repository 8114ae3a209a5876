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


def test_ports_chosen_together_are_all_different():
    """The demo binds its PKI's and axis's ports later, in another process: chosen one at a
    time, the same free port could be handed out for both (a CI run failed so)."""
    from edochub.demo import free_ports

    for _ in range(20):
        ports = free_ports(8)
        assert len(set(ports)) == 8

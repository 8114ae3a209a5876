"""Placement geometry and text location, without signing: visual ↔ user space on turned and
cropped pages, finding Vietnamese text however it is encoded, and the boxes derived from it."""

from __future__ import annotations

import pytest

from decree30.vietnam_time import VIETNAM_TIME
from decree30.vietnam_time import iso as vietnam_time
from signing.stamping import placement
from signing.stamping.appearance import text_width
from signing.stamping.placement import PageGeometry, PlacementError
from signing.stamping.specimens import draft_decision_pdf
from tests.signing import decree30_support as support


@pytest.fixture(scope="module")
def draft() -> bytes:
    return draft_decision_pdf()


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_visual_and_user_space_round_trip(rotation):
    geometry = PageGeometry(0, (30.0, 40.0, 625.0, 882.0), rotation)
    visual = (10.0, 20.0, 110.0, 70.0)
    user = geometry.to_user(visual)
    assert geometry.to_visual(user) == pytest.approx(visual)
    # the user box lies inside the crop box
    assert 30 <= user[0] < user[2] <= 625 and 40 <= user[1] < user[3] <= 882
    # a turned page swaps the sides as the reader sees them
    width, height = user[2] - user[0], user[3] - user[1]
    assert (width, height) == pytest.approx((50, 100) if rotation in (90, 270) else (100, 50))


def test_visual_origin_is_bottom_left_as_displayed():
    # /Rotate 90: the page is turned clockwise, so the user-space top-left corner is shown at
    # the top right and the user-space bottom-left corner at the top left
    geometry = PageGeometry(0, (0.0, 0.0, 595.0, 842.0), 90)
    assert geometry.visual_size == (842.0, 595.0)
    assert geometry.to_visual((0, 842, 1, 842))[:2] == pytest.approx((842, 594))
    assert geometry.to_visual((0, 0, 1, 1))[0:2] == pytest.approx((0, 594))


def test_text_found_per_glyph(draft):
    text = placement.page_text(draft, 0)
    line, name = text.find("nguyễn văn an")  # case-insensitive
    assert "Nguyễn Văn An" in line.text
    line_box = line.box
    assert line_box[0] <= name[0] < name[2] <= line_box[2]
    # Times metrics: "Nguyễn Văn An" at 13 pt bold is about 88 pt wide
    assert 80 < name[2] - name[0] < 100


def test_decomposed_needle_matches_precomposed_text(draft):
    text = placement.page_text(draft, 0)
    decomposed = "Nguye\u0302\u0303n Va\u0306n An"
    assert text.find(decomposed) is not None
    assert text.find("Nguyễn Văn Bình") is None


@pytest.mark.parametrize("rotation", [90, 270])
def test_text_on_turned_page_is_read_in_reading_order(draft, rotation):
    framed = support.reframe(draft, rotation, (15, 25), 10)
    upright = placement.page_text(draft, 0)
    turned = placement.page_text(framed, 0)
    for needle in ("Số:", "Nguyễn Văn An", "PHÓ CHỦ TỊCH"):
        _, expected = upright.find(needle)
        _, found = turned.find(needle)
        assert found == pytest.approx(expected, abs=0.5)


def test_leader_box_between_position_and_name(draft):
    text = placement.page_text(draft, 0)
    box = placement.leader_box(text, "Nguyễn Văn An", 600 / 260)
    _, name = text.find("Nguyễn Văn An")
    _, position = text.find("PHÓ CHỦ TỊCH")
    assert name[3] < box[1] and box[3] < position[1]
    assert (box[2] - box[0]) / (box[3] - box[1]) == pytest.approx(600 / 260)


def test_leader_box_needs_the_name(draft):
    with pytest.raises(PlacementError, match="not on page 1"):
        placement.leader_box(placement.page_text(draft, 0), "Trần Thị Bình", 2)


def test_seal_box_covers_left_third():
    leader = (300.0, 200.0, 480.0, 278.0)
    seal = placement.seal_box(leader, (102.0, 102.0))
    assert seal[2] == pytest.approx(360.0)
    assert seal[2] - seal[0] == pytest.approx(102.0)
    assert (seal[1] + seal[3]) / 2 == pytest.approx(239.0)


@pytest.mark.parametrize(("spec", "expected"), [
    ("1,10,20,110,70", (0, (10.0, 20.0, 110.0, 70.0))),
    ("2,110,70,10,20", (1, (10.0, 20.0, 110.0, 70.0))),
])
def test_parse_box(spec, expected):
    assert placement.parse_box(spec) == expected


@pytest.mark.parametrize("spec", ["1,2,3", "0,1,1,5,5", "a,1,1,5,5", "1,5,5,5,9", ""])
def test_parse_box_refuses(spec):
    with pytest.raises(PlacementError):
        placement.parse_box(spec)


def test_vietnam_time_is_iso_8601_with_offset():
    from datetime import UTC, datetime

    assert vietnam_time(datetime(2026, 11, 22, 3, 15, 30, 999, tzinfo=UTC)) == \
        "2026-11-22T10:15:30+07:00"
    assert VIETNAM_TIME.utcoffset(None).total_seconds() == 7 * 3600
    with pytest.raises(ValueError):
        vietnam_time(datetime(2026, 11, 22))


def test_font_carries_vietnamese_letters():
    assert text_width("ă ơ ư đ Ặ Ữ ỹ") > 0
    with pytest.raises(Exception, match="no glyph"):
        text_width("漢字")

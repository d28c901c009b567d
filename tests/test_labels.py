"""Region labels (atlas/labels.py) on hand-made arrays with known answers, and their record."""

from __future__ import annotations

import numpy as np
import pytest

from atlas import formats as fm
from atlas.labels import popularity_order, region_labels


def _three_groups():
    # Group 0: rock, around (0, 0); group 1: jazz, around (10, 0); group 2: mixed genres, around (0, 10).
    groups = np.array([0] * 5 + [1] * 4 + [2] * 4)
    names = [f"n{i}" for i in range(13)]
    counts = np.array([5, 50, 1, 2, 3, 9, 8, 7, 30, 4, 40, 1, 20])
    genre = ["rock"] * 4 + [None] + ["jazz"] * 3 + ["blues"] + [None, "jazz", "folk", "soul"]
    xy = np.array([[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1], [10, 0], [11, 0], [9, 0], [10.2, 0.1], [0, 10], [0, 11], [0, 9], [5, 5]], float)
    return groups, names, counts, {"genre": genre}, xy


def test_majority_value_of_an_informative_column_names_a_group():
    lab = region_labels(*_three_groups())
    assert lab.column == "cluster"
    assert lab.group.tolist() == [0, 1, 2]  # largest group first (ties by group number)
    assert lab.count.tolist() == [5, 4, 4]
    assert lab.text[:2] == ["rock", "jazz"] and lab.source[:2] == ["genre", "genre"]
    # Group 2's genres are all different: names of its most popular members instead.
    assert lab.text[2] == "n10 · n12 · n9" and lab.source[2] is None


def test_label_sits_on_the_medoid():
    lab = region_labels(*_three_groups())
    assert lab.id.tolist()[:2] == [0, 5]  # the centre of the plus, the middle of the row
    np.testing.assert_array_equal(lab.pos[0], [0, 0])
    # the medoid of a group is one of its members
    groups = _three_groups()[0]
    assert all(groups[i] == g for i, g in zip(lab.id, lab.group))


def test_a_value_common_everywhere_is_not_informative():
    groups, names, counts, _, xy = _three_groups()
    lab = region_labels(groups, names, counts, {"lang": ["en"] * 13}, xy)
    assert lab.source == [None, None, None]
    assert lab.text[0] == "n1 · n0 · n4"


def test_the_column_with_the_best_share_and_lift_wins():
    # A tag on 40% of a group, 5 times as often as overall, beats an era on half of it that is only
    # 2.5 times as common as overall (share x log(lift): 0.64 against 0.46).
    groups = np.repeat([0, 1, 2, 3, 4], 10)
    tag = (["hip-hop"] * 4 + [None] * 6) + ["rock"] * 10 + ["pop"] * 10 + ["folk"] * 10 + ["jazz"] * 10
    era = (["90s"] * 5 + ["00s"] * 5) * 2 + ["10s"] * 30
    lab = region_labels(groups, [f"n{i}" for i in range(50)], np.arange(50), {"era": era, "tag": tag}, np.zeros((50, 2)))
    assert (lab.text[0], lab.source[0]) == ("hip-hop", "tag")
    no_tag = region_labels(groups, [f"n{i}" for i in range(50)], np.arange(50), {"era": era}, np.zeros((50, 2)))
    assert (no_tag.text[0], no_tag.source[0]) == ("90s · n9", "era")  # group 1 is 90s too: each names its most popular


def test_same_majority_in_two_groups_adds_a_member_name():
    groups = np.repeat([0, 1, 2, 3, 4], 3)
    genre = ["rock"] * 6 + ["jazz"] * 3 + ["folk"] * 3 + ["soul"] * 3
    counts = np.array([1, 5, 2, 7, 1, 1] + [1] * 9)
    lab = region_labels(groups, [f"n{i}" for i in range(15)], counts, {"genre": genre}, np.arange(30, dtype=float).reshape(15, 2))
    assert lab.text == ["rock · n1", "rock · n3", "jazz", "folk", "soul"]


def test_numeric_columns_label_by_their_bins_and_long_names_shorten():
    rng = np.random.default_rng(0)
    n = 200
    groups = np.repeat([0, 1], n // 2)
    year = np.where(groups == 0, rng.integers(1950, 1960, n), rng.integers(2000, 2020, n)).tolist()
    names = ["A very long name that goes on and on " + str(i) for i in range(n)]
    lab = region_labels(groups, names, np.arange(n), {"year": year}, rng.normal(size=(n, 3)), min_lift=1.5)
    assert all(t.startswith("year ") and "–" in t for t in lab.text), lab.text
    assert lab.pos.shape == (2, 3)
    plain = region_labels(groups, names, np.arange(n), {}, rng.normal(size=(n, 2)))
    assert all(len(t) <= 44 + 30 for t in plain.text) and "…" in plain.text[0]
    assert plain.text[0].count(" · ") == 1, "a third long name is dropped"


def test_top_names_follow_popularity_and_the_record_round_trips():
    groups, names, counts, columns, xy = _three_groups()
    lab = region_labels(groups, names, counts, columns, xy, top=4)
    assert lab.top_ids.tolist() == [1, 10, 8, 12] == popularity_order(counts)[:4].tolist()
    assert lab.top_names == ["n1", "n10", "n8", "n12"]
    rec = fm.decode_record(fm.encode_record("labels", lab.record()), kind="labels")
    assert rec["text"] == lab.text and rec["id"] == lab.id.tolist() and rec["pos"][0] == [0.0, 0.0]
    assert rec["version"] == fm.VERSIONS["labels"] == 1


def test_bad_arguments_are_named():
    groups, names, counts, columns, xy = _three_groups()
    with pytest.raises(ValueError, match="^xy: "):
        region_labels(groups, names, counts, columns, xy[:, :1])
    with pytest.raises(ValueError, match=r"^columns\['genre'\]"):
        region_labels(groups, names, counts, {"genre": ["x"]}, xy)
    with pytest.raises(ValueError, match="^names, counts"):
        region_labels(groups, names[:3], counts, columns, xy)

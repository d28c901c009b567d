"""Synthetic MPD slices: the reader against a brute-force json parse, and the pipeline against the planted communities."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from atlas.cooccur import cooccurrence_neighbors
from atlas.embed.mde import mde
from atlas.layout import layout
from atlas.sources import select
from atlas.sources.playlists import _scan, _slice_start, read_slices, read_spec
from atlas.sources.synthetic import planted, write_mpd
from atlas.spec import load


def brute_force(paths: list[Path], entity: str = "artist"):
    """keys, names, artist column and {(playlist row, key)} by json.load, file by file, in the given order."""
    key_field, name_field = ("artist_uri", "artist_name") if entity == "artist" else ("track_uri", "track_name")
    keys, names, artists, pairs, m = {}, [], [], set(), 0
    for path in paths:
        for playlist in json.loads(Path(path).read_text(encoding="utf-8"))["playlists"]:
            for t in playlist["tracks"]:
                if t[key_field] not in keys:
                    keys[t[key_field]] = len(keys)
                    names.append(t[name_field])
                    artists.append(t["artist_name"])
                pairs.add((m, t[key_field]))
            m += 1
    return list(keys), names, artists, pairs, m


def pairs_of(src) -> set:
    x = src.collections.tocoo()
    assert np.all(x.data == 1)
    return {(int(r), src.keys[c]) for r, c in zip(x.row, x.col)}


@pytest.fixture(scope="module")
def slices(tmp_path_factory) -> list[Path]:
    """12 slices of 100 playlists: names sort mpd.slice.1000-1099 before mpd.slice.200-299."""
    return write_mpd(tmp_path_factory.mktemp("mpd"), playlists=1200, artists=3000, communities=10, seed=3, slice_size=100)


@pytest.mark.parametrize("entity", ["artist", "track"])
def test_read_slices_equals_json_parse(slices, entity):
    assert all(_scan(p.read_bytes(), "artist_uri", "artist_name") is not None for p in slices)  # the fast route
    src = read_slices(slices, entity)
    keys, names, artists, pairs, m = brute_force(slices, entity)
    assert src.keys == keys and src.names == names
    assert src.collections.shape == (m, len(keys)) and src.collections.dtype == np.float32
    assert pairs_of(src) == pairs
    assert src.columns == ({"artist": artists} if entity == "track" else {})


def test_slices_are_read_in_order_of_their_first_pid(slices, tmp_path):
    by_name = sorted(slices)
    assert by_name != slices  # the lexical order is wrong: 1000-1099 < 200-299
    assert sorted(by_name, key=_slice_start) == slices
    spec = tmp_path / "s.toml"
    spec.write_text(f'[site]\nname = "s"\n[source]\nkind = "playlists"\npath = "{slices[0].parent.as_posix()}/mpd.slice.*.json"\n', encoding="utf-8")
    src = read_spec(load(spec))
    keys, names, _, pairs, m = brute_force(slices)
    assert src.keys == keys and src.names == names and pairs_of(src) == pairs and src.collections.shape[0] == m
    first = {int(r) for r, _ in pairs if _ == keys[0]}
    assert min(first) == 0  # playlist row 0 is pid 0


def test_reader_matches_json_on_escapes_whitespace_key_order_and_empty_playlists(tmp_path):
    """What the fast scan must agree with json on: \\u and \\" escapes, indentation, any key order, duplicates, no tracks."""
    rng = random.Random(0)
    odd = ['Sigur Rós', 'A "quoted" band', 'back\\slash', '东京事变', '🎧 DJ', '\\"', 'tracks', 'pid', '"artist_uri":"x"', '{[}]', 'tab\there']
    playlists = []
    for pid in range(40):
        tracks = []
        for pos in range(rng.choice([0, 1, 3, 7])):
            a = rng.randrange(12)
            t = {"pos": pos, "artist_name": odd[a % len(odd)] + str(a), "track_uri": f"spotify:track:{a}-{pos % 2}", "artist_uri": f"spotify:artist:{a}",
                 "track_name": odd[(a + pos) % len(odd)], "album_uri": "spotify:album:x", "duration_ms": 1, "album_name": odd[a % len(odd)]}
            items = list(t.items())
            rng.shuffle(items)
            tracks.append(dict(items))
            if rng.random() < 0.2:
                tracks.append(dict(items))  # the same track twice
        playlists.append({"name": odd[pid % len(odd)], "pid": pid, "tracks": tracks, "num_tracks": len(tracks)} if pid % 2 else {"tracks": tracks, "pid": pid, "name": "x"})
    paths = []
    for i, (start, ascii_, indent) in enumerate([(0, True, None), (20, False, 2)]):
        doc = {"info": {"slice": f"{start}-{start + 19}"}, "playlists": playlists[start:start + 20]}
        path = tmp_path / f"mpd.slice.{start}-{start + 19}.json"
        path.write_text(json.dumps(doc, ensure_ascii=ascii_, indent=indent), encoding="utf-8")
        paths.append(path)
    for path in paths:
        assert _scan(path.read_bytes(), "artist_uri", "artist_name") is not None  # read by the scan, not by json
    for entity in ("artist", "track"):
        src = read_slices(paths, entity)
        keys, names, artists, pairs, m = brute_force(paths, entity)
        assert src.keys == keys and src.names == names and pairs_of(src) == pairs and src.collections.shape == (m, len(keys))


def test_files_the_scan_declines_are_read_by_json(tmp_path):
    """A key given twice (json keeps the last) or a number where a string belongs: that file goes to json.load, with json's result."""
    text = '{"playlists": [{"pid": 0, "tracks": [{"artist_uri": "a:1", "artist_uri": "a:2", "artist_name": "A"}, {"artist_uri": 7, "artist_name": 8}]}]}'
    path = tmp_path / "mpd.slice.0-0.json"
    path.write_text(text, encoding="utf-8")
    assert _scan(path.read_bytes(), "artist_uri", "artist_name") is None
    src = read_slices([path])
    assert src.keys == ["a:2", "7"] and src.names == ["A", "8"] and src.collections.shape == (1, 2)


def test_reader_reports_broken_slices(tmp_path):
    from atlas.errors import DataError

    good = {"info": {}, "playlists": [{"pid": 0, "tracks": [{"artist_uri": "a", "artist_name": "A", "track_uri": "t", "track_name": "T"}]}]}
    cases = {
        "truncated": json.dumps(good)[:-5],
        "no playlists": json.dumps({"info": {}}),
        "no tracks": json.dumps({"playlists": [{"pid": 0}]}),
        "no artist_uri": json.dumps({"playlists": [{"pid": 0, "tracks": [{"artist_name": "A"}]}]}),
    }
    for what, text in cases.items():
        path = tmp_path / "mpd.slice.0-0.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DataError, match=r"mpd\.slice\.0-0\.json"):
            read_slices([path])


def _share(ids: np.ndarray, community: np.ndarray) -> np.ndarray:
    """float (n,): the fraction of each row's neighbors ids (n, k) in the row's own community."""
    return (community[ids] == community[:, None]).mean(axis=1)


def test_neighbors_embedding_and_layout_recover_planted_communities(tmp_path):
    """2,000 artists in 10 scenes, 3,000 playlists: the top-10 neighbors, in the lists and on the map, are mostly of the same scene."""
    artists, communities, seed = 2000, 10, 5
    paths = write_mpd(tmp_path, playlists=3000, artists=artists, communities=communities, seed=seed)
    src = select(read_slices(paths), min_count=2)  # the demo's filter: an artist seen once has no evidence
    truth, _ = planted(artists, communities, seed)
    community = truth[[int(k.rsplit(":", 1)[1]) for k in src.keys]]

    nbrs = cooccurrence_neighbors(src.collections, 20)
    assert (nbrs.ids[:, :10] >= 0).all()
    in_lists = _share(nbrs.ids[:, :10], community)
    emb = mde(nbrs, 16, seed=0)
    xy = layout(emb, nbrs, seed=0).xy
    _, near = cKDTree(xy).query(xy, 11)
    on_map = _share(near[:, 1:], community)
    # a majority of the top 10 share the artist's scene, for (almost) every artist
    assert np.mean(in_lists > 0.5) >= 0.97, np.mean(in_lists > 0.5)
    assert np.mean(on_map > 0.5) >= 0.97, np.mean(on_map > 0.5)
    assert in_lists.mean() >= 0.9 and on_map.mean() >= 0.9


def test_sgd_gives_the_same_positions_on_one_thread_and_on_all():
    """The kernel's determinism: each node moves only itself, from a snapshot, with its own random draws."""
    import numba

    from atlas.embed.mde import PARALLEL_EDGES, optimize

    rng = np.random.default_rng(0)
    n = 20_000
    edges = np.unique(np.sort(rng.integers(0, n, (PARALLEL_EDGES, 2)), axis=1), axis=0)
    edges = edges[edges[:, 0] != edges[:, 1]]
    w = rng.integers(1, 3, len(edges)).astype(np.float32)
    init = rng.normal(size=(n, 4)).astype(np.float32)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = optimize(edges, w, init, epochs=3, b=0.8, seed=7)
    finally:
        numba.set_num_threads(threads)
    every = optimize(edges, w, init, epochs=3, b=0.8, seed=7)
    np.testing.assert_array_equal(one, every)
    assert not np.array_equal(every, optimize(edges, w, init, epochs=3, b=0.8, seed=8))

"""Averager: quantized tables, between and more_like on hand-made vectors with known answers, and on Last.fm."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from atlas import averager as av
from atlas import formats as fm
from atlas.neighbors import Neighbors

from tests.conftest import shared_data

# A and B orthogonal; P leans to A (the midpoint's pick), Q to B, DIAG lies on the diagonal (the balanced pick)
A, B, NEAR_A, NEAR_B, P, Q, DIAG, FAR = range(8)
POINTS = np.array([[100, 0], [0, 100], [95, 5], [5, 95], [75, 25], [25, 75], [80, 80], [-100, -100]], dtype=np.float64)
# A's ranking: NEAR_A 1, P 2, DIAG 3, Q 4, NEAR_B 5, B 6, FAR 7; B's: NEAR_B 1, Q 2, DIAG 3, P 4, NEAR_A 5, A 6, FAR 7
RANK_A = {NEAR_A: 1, P: 2, DIAG: 3, Q: 4, NEAR_B: 5, FAR: 7}
RANK_B = {NEAR_B: 1, Q: 2, DIAG: 3, P: 4, NEAR_A: 5, FAR: 7}


def _exact(rows) -> av.Tables:
    """Tables whose q are the given integers (scale 1)."""
    return av.Tables(np.asarray(rows, dtype=np.int8), np.float32(1.0))


def _lists(rows: dict[int, list[tuple[int, float]]], n: int, k: int = 3) -> Neighbors:
    ids = np.full((n, k), -1, dtype=np.int32)
    w = np.zeros((n, k), dtype=np.float32)
    for i, row in rows.items():
        for t, (j, s) in enumerate(row):
            ids[i, t], w[i, t] = j, s
    return Neighbors(ids, w)


# ------------------------------------------------------------------------------------------ tables


def test_quantize_round_trip_error_is_at_most_half_a_step():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(300, 16))
    v[7] *= 9.0  # an outlier sets the step
    t = av.quantize(v)
    assert t.q.dtype == np.int8 and t.q.shape == (300, 16) and t.scale.dtype == np.float32
    assert int(np.abs(t.q.astype(int)).max()) == av.QMAX
    err = np.abs(v - t.q.astype(np.float64) * np.float64(t.scale))
    assert err.max() <= np.float64(t.scale) / 2 * (1 + 1e-6)
    np.testing.assert_allclose(t.vectors(), v, atol=float(t.scale) / 2 * (1 + 1e-6) + 1e-6)


def test_quantize_edge_cases_and_errors():
    t = av.quantize(np.zeros((3, 4)))
    assert t.scale == 1.0 and not t.q.any()
    with pytest.raises(ValueError, match="^vectors: expected finite"):
        av.quantize(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="^vectors: expected a 2-d array"):
        av.quantize(np.zeros(5))
    with pytest.raises(ValueError, match="^q: expected an int8 array"):
        av.Tables(np.zeros((2, 2)), np.float32(1))
    with pytest.raises(ValueError, match="^scale: expected a finite number > 0"):
        av.Tables(np.zeros((2, 2), dtype=np.int8), np.float32(0))


def test_tables_bundle_round_trip():
    v = np.random.default_rng(1).normal(size=(50, 16))
    d = av.tables(v)
    assert d["attrs"] == {"dims": 16, "scheme": "global"}
    assert d["scale"].dtype == np.float32 and d["scale"].shape == (50,) and len(np.unique(d["scale"])) == 1
    b = fm.decode_bundle(fm.encode_bundle("averager", {"q": d["q"], "scale": d["scale"]}, d["attrs"]), kind="averager")
    t = av.read_tables(b.arrays)
    u = av.quantize(v)
    np.testing.assert_array_equal(t.q, u.q)
    assert t.scale == u.scale and b.attrs["scheme"] == av.SCHEME


def test_read_tables_refuses_per_vector_scales():
    with pytest.raises(ValueError, match="^scale: the 'global' scheme needs one scale"):
        av.read_tables({"q": np.zeros((3, 2), dtype=np.int8), "scale": np.array([1, 2, 1], dtype=np.float32)})
    with pytest.raises(ValueError, match="^arrays: expected 'q' and 'scale'"):
        av.read_tables({"q": np.zeros((3, 2), dtype=np.int8)})


def test_squared_distances_are_exact_integers():
    rng = np.random.default_rng(2)
    t = av.quantize(rng.normal(size=(40, 16)))
    for i in (0, 17):
        d = t.sq_distances(i)
        assert d.dtype == np.int64
        want = [sum((int(t.q[j, x]) - int(t.q[i, x])) ** 2 for x in range(16)) for j in range(40)]
        assert d.tolist() == want
        np.testing.assert_allclose(float(t.scale) ** 2 * d, ((t.vectors() - t.vectors()[i]) ** 2).sum(1), rtol=1e-5, atol=1e-9)
    assert av.quantize(np.array([[-1.0, 1.0], [1.0, -1.0]])).sq_distances(0).tolist() == [0, 2 * 254**2]


# ----------------------------------------------------------------------------------------- between


def test_between_orthogonal_vectors_picks_the_diagonal_not_a_copy():
    t = av.quantize(POINTS)
    ids, scores = av.between(t, A, B, k=6)
    # worse rank: DIAG 3, P 4, Q 4, NEAR_A 5, NEAR_B 5, FAR 7 (ties by ascending id)
    assert ids.tolist() == [DIAG, P, Q, NEAR_A, NEAR_B, FAR]
    # the midpoint's nearest is P, which sits next to A
    da, db = t.sq_distances(A), t.sq_distances(B)
    cand = np.array([NEAR_A, NEAR_B, P, Q, DIAG, FAR])
    assert cand[np.lexsort((cand, (da + db)[cand]))][0] == P
    assert ids.dtype == np.int32 and scores.dtype == np.float64
    assert scores.tolist() == [1 - 3 / 8, 1 - 4 / 8, 1 - 4 / 8, 1 - 5 / 8, 1 - 5 / 8, 1 - 7 / 8]


def test_between_score_formula():
    t = av.quantize(POINTS)
    ids, scores = av.between(t, A, B, mix=0.25, k=8)
    wa, wb = 0.75 / 0.75, 0.25 / 0.75
    cost = {j: max(wa * RANK_A[j], wb * RANK_B[j]) for j in RANK_A}
    assert ids.tolist() == sorted(cost, key=lambda j: (cost[j], j))
    assert scores.tolist() == [1.0 - cost[j] / 8 for j in ids.tolist()]  # exact, as the browser computes it


def test_between_mix_slides_from_a_to_b():
    t = av.quantize(POINTS)
    assert av.between(t, A, B, mix=0.0, k=3)[0].tolist() == [NEAR_A, P, DIAG]
    assert av.between(t, A, B, mix=1.0, k=3)[0].tolist() == [NEAR_B, Q, DIAG]
    assert av.between(t, A, B, mix=0.5, k=1)[0].tolist() == [DIAG]


def test_between_excludes_a_b_and_filters_by_popularity():
    t = av.quantize(POINTS)
    pop = np.array([9, 9, 9, 9, 9, 9, 1, 9])
    ids, _ = av.between(t, A, B, k=10, popularity=pop, min_count=2)
    assert ids.tolist() == [P, Q, NEAR_A, NEAR_B, FAR]  # DIAG filtered out; the ranks still count it
    ids, _ = av.between(t, A, B, k=10, popularity=pop, max_count=1)
    assert ids.tolist() == [DIAG]
    ids, _ = av.between(t, A, A, k=10)
    assert A not in ids and len(ids) == 7 and ids[0] == NEAR_A


def test_ties_go_to_the_lower_id():
    # entities 2..5 share one vector: equal distances, ranked by ascending id in both queries
    t = _exact([[10, 0], [0, 10], [5, 5], [5, 5], [5, 5], [5, 5], [9, 9]])
    assert av.between(t, 0, 1, k=5)[0].tolist() == [2, 3, 4, 5, 6]
    nb = _lists({}, 7)
    ids, scores = av.more_like(t, nb, [6], k=4)
    assert ids.tolist() == [2, 3, 4, 5] and len(set(scores.tolist())) == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"a": 8}, "^a: expected an entity id in 0..7"),
        ({"b": -1}, "^b: expected an entity id in 0..7"),
        ({"mix": 1.5}, r"^mix: expected a number in \[0, 1\]"),
        ({"k": 0}, "^k: expected int >= 1"),
        ({"min_count": 2}, "^popularity: needed for min_count"),
        ({"popularity": np.ones(3)}, "^popularity: expected 8 counts"),
        ({"popularity": np.ones(8), "min_count": 3, "max_count": 2}, "^max_count: expected None or >= min_count=3"),
    ],
)
def test_between_errors_name_the_argument(kwargs, message):
    args = {"a": A, "b": B, **kwargs}
    with pytest.raises(ValueError, match=message):
        av.between(av.quantize(POINTS), **args)


# --------------------------------------------------------------------------------------- more_like


def test_more_like_ranks_the_obvious_item_first():
    # every query entity (0, 1, 2) lists 5; 3, 6 and 7 are listed once and lie far away; 4 sits amid the query in the table
    t = _exact([[0, 0], [1, 0], [0, 1], [50, 50], [1, 1], [0, 2], [90, -90], [-90, 90]])
    nb = _lists({0: [(5, 1.0), (6, 1.0)], 1: [(5, 2.0), (3, 2.0)], 2: [(5, 1.0), (7, 1.0)]}, 8)
    ids, scores = av.more_like(t, nb, [2, 0, 1, 1], k=8)
    assert ids[0] == 5 and ids[1] == 4  # most votes, then the nearest in the table
    assert set(ids.tolist()) == {3, 4, 5, 6, 7} and np.all(np.diff(scores) <= 0)


def test_more_like_score_formula():
    t = av.quantize(np.random.default_rng(3).normal(size=(12, 4)))
    nb = _lists({1: [(4, 3.0), (5, 1.0), (2, 0.5)], 2: [(4, 1.0), (9, 1.0)], 7: [(8, 2.0)]}, 12)
    ids, scores = av.more_like(t, nb, [7, 2, 1], k=12)
    q = [1, 2, 7]
    votes = np.zeros(12)
    for i in q:
        row = [(j, float(w)) for j, w in zip(nb.ids[i], nb.weight[i]) if j >= 0]
        total = 0.0
        for _, w in row:
            total += w
        for j, w in row:
            votes[j] += w / total
    c = float(t.scale) * float(t.scale) / av.MORE_LIKE_BANDWIDTH
    near = np.zeros(12)
    for i in q:
        near += 1.0 / (1.0 + c * t.sq_distances(i))
    cand = [j for j in range(12) if j not in q]
    want = votes / votes[cand].max() + av.MORE_LIKE_WEIGHT * (near / near[cand].max())
    assert ids.tolist() == sorted(cand, key=lambda j: (-want[j], j))
    assert scores.tolist() == want[ids].tolist()  # exact


def test_more_like_without_votes_falls_back_to_the_table():
    t = _exact([[0, 0], [3, 0], [40, 0], [1, 0]])
    ids, _ = av.more_like(t, _lists({}, 4), [0], k=3)
    assert ids.tolist() == [3, 1, 2]


@pytest.mark.parametrize(
    "ids, kwargs, message",
    [
        ([], {}, "^ids: expected a non-empty list"),
        ([0, 9], {}, "^ids: expected entity ids in 0..3"),
        ([0], {"neighbors": _lists({}, 5)}, "^neighbors: expected lists for 4 entities"),
        ([0], {"tables": np.zeros((4, 2))}, "^tables: expected atlas.averager.Tables"),
        ([0], {"max_count": 3}, "^popularity: needed"),
    ],
)
def test_more_like_errors_name_the_argument(ids, kwargs, message):
    args = {"tables": _exact([[0, 0], [1, 0], [2, 0], [3, 0]]), "neighbors": _lists({}, 4), **kwargs}
    with pytest.raises(ValueError, match=message):
        av.more_like(args.pop("tables"), args.pop("neighbors"), ids, **args)


# ------------------------------------------------------------------------------------ real data


def _rank(d: np.ndarray, me: int, j: np.ndarray) -> np.ndarray:
    """1-based rank of each j in entity me's ranking of the others by d ascending, ties by ascending id."""
    d = d.astype(np.float64).copy()
    d[me] = -1.0  # position 0
    order = np.lexsort((np.arange(len(d)), d))
    pos = np.empty(len(d), dtype=np.int64)
    pos[order] = np.arange(len(d))
    return pos[j]


def test_lastfm_between_is_balanced_and_more_like_beats_neighbor_votes():
    from atlas import evaluate as ev
    from atlas.cooccur import cooccurrence_neighbors, occurrences
    from atlas.embed.mde import mde
    from atlas.sources.interactions import read_interactions
    from atlas.weights import Weighting

    path = shared_data("lastfm-hetrec2011-2k") / "user_artists.dat"
    x, _ = read_interactions(path, 0, 1, "", "", "utf-8")
    x = sp.csr_matrix(x[:, occurrences(x) >= 5])  # 2,828 artists with 5+ listeners, to stay fast
    split = ev.split_collections(x, seed=0)
    nbrs = cooccurrence_neighbors(split.train, 20, Weighting())
    counts = occurrences(split.train)
    t = av.quantize(mde(nbrs, 16, seed=0, iterations=100).vectors)

    # more like these: the held-out users' hidden halves, against item-kNN votes of the same lists
    q = split.query
    recs = np.full((q.shape[0], 20), -1, dtype=np.int32)
    for r in range(q.shape[0]):
        ids, _ = av.more_like(t, nbrs, q.indices[q.indptr[r] : q.indptr[r + 1]], 20, popularity=counts, min_count=1)
        recs[r, : len(ids)] = ids
    ours = float(np.nanmean(ev.rank_metrics(recs, split.hidden, 20)[0]))
    votes = ev.evaluate_neighbors("votes", nbrs, split).recall
    assert ours > votes, f"more_like recall@20 {ours:.4f} <= neighbor votes {votes:.4f}"

    # between: results rank high in both A's and B's own table ranking, far better than random, more balanced than the midpoint
    rng = np.random.default_rng(0)
    pool = np.flatnonzero(counts >= 10)
    worse, lean, mid_lean, rnd_worse = [], [], [], []
    for _ in range(50):
        a, b = rng.choice(pool, 2, replace=False)
        ids, _ = av.between(t, int(a), int(b), k=10, popularity=counts, min_count=2)
        da, db = t.sq_distances(a), t.sq_distances(b)
        ra, rb = _rank(da, a, ids), _rank(db, b, ids)
        worse += np.maximum(ra, rb).tolist()
        lean += np.abs(np.log2(ra / rb)).tolist()
        cand = np.flatnonzero(counts >= 2)
        cand = cand[(cand != a) & (cand != b)]
        m = cand[np.lexsort((cand, (da + db)[cand]))[:10]]
        mid_lean += np.abs(np.log2(_rank(da, a, m) / _rank(db, b, m))).tolist()
        r = rng.choice(cand, 10, replace=False)
        rnd_worse += np.maximum(_rank(da, a, r), _rank(db, b, r)).tolist()
    n = t.n
    assert np.median(worse) / n < 0.25 and np.median(worse) < 0.5 * np.median(rnd_worse), (np.median(worse) / n, np.median(rnd_worse) / n)
    assert np.median(lean) < np.median(mid_lean), (np.median(lean), np.median(mid_lean))


def test_popularity_bounds_of_the_viewer_control():
    count = np.array([5, 1, 1, 9, 2, 1, 7, 3, 1, 4, 8, 1, 2, 6, 1, 1, 2, 3, 1, 10])  # n = 20
    assert av.popularity_bounds(count, "all") == (0, None)
    # popular: the 2nd largest (floor(20 * 0.1) = 2) is 9, so 9 and 10 stay.
    assert av.popularity_bounds(count, "popular") == (9, None)
    # obscure: the median, index floor(19 / 2) = 9 of the ascending counts.
    assert av.popularity_bounds(count, "obscure") == (0, int(np.sort(count)[9])) == (0, 2)
    assert av.popularity_bounds(np.array([4]), "popular") == (4, None)
    with pytest.raises(ValueError, match="mode: expected one of all, popular, obscure, got 'rare'"):
        av.popularity_bounds(count, "rare")

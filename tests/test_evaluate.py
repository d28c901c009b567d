"""Evaluate: the held-out split, item-kNN recommendation and metrics by hand, EASE and layout quality against references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from atlas import evaluate as ev
from atlas.neighbors import Neighbors
from atlas.weights import Weighting


def _random_collections(m=200, n=80, seed=3) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    x = sp.random(m, n, density=0.08, format="csr", random_state=rng, dtype=np.float32)
    x.data[:] = rng.integers(1, 9, size=x.nnz)
    return x


def _rows(a: sp.csr_matrix) -> list[set[int]]:
    return [set(a.indices[a.indptr[r] : a.indptr[r + 1]].tolist()) for r in range(a.shape[0])]


# -------------------------------------------------------------------------------------------- split


def test_split_is_deterministic_and_disjoint():
    x = _random_collections()
    a = ev.split_collections(x, seed=11)
    b = ev.split_collections(x, seed=11)
    for f in ("train_rows", "test_rows"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    for f in ("train", "query", "hidden"):
        assert (getattr(a, f) != getattr(b, f)).nnz == 0
    c = ev.split_collections(x, seed=12)
    assert not np.array_equal(a.test_rows, c.test_rows)

    m = x.shape[0]
    lengths = np.diff(x.indptr)
    assert len(a.train_rows) == m - round(0.2 * m)
    assert set(a.train_rows.tolist()).isdisjoint(a.test_rows.tolist())
    held = sorted(set(range(m)) - set(a.train_rows.tolist()))
    assert a.test_rows.tolist() == [r for r in held if lengths[r] >= 2]
    assert (a.train != sp.csr_matrix(x[a.train_rows] > 0, dtype=np.float32)).nnz == 0
    full = _rows(x)
    for r, q, h in zip(a.test_rows, _rows(a.query), _rows(a.hidden)):
        assert q.isdisjoint(h) and q | h == full[r]
        assert len(q) == len(full[r]) // 2
    assert a.query.data.tolist() == [1.0] * a.query.nnz and a.hidden.data.tolist() == [1.0] * a.hidden.nnz


def test_split_rejects_bad_arguments():
    with pytest.raises(ValueError, match="^holdout: "):
        ev.split_collections(_random_collections(), holdout=1.5)
    with pytest.raises(ValueError, match="^x: expected a sparse"):
        ev.split_collections(np.ones((3, 3)))
    with pytest.raises(ValueError, match="^x: 2 collections are too few"):
        ev.split_collections(sp.csr_matrix(np.ones((2, 3))))


# ---------------------------------------------------------------------------------- recommendation


def test_recommend_sums_neighbor_scores_and_skips_the_query():
    # lists of 5 entities, k = 2
    nb = Neighbors(
        ids=np.array([[1, 2], [0, 3], [4, 3], [2, -1], [-1, -1]], dtype=np.int32),
        weight=np.array([[0.5, 0.4], [0.9, 0.3], [0.2, 0.2], [0.7, 0.0], [0.0, 0.0]], dtype=np.float32),
    )
    query = sp.csr_matrix(np.array([[1, 1, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]], dtype=np.float32))
    recs = ev.recommend(nb, query, at=3)
    # row 0: from 0 -> 1 (.5, in the query), 2 (.4); from 1 -> 0 (query), 3 (.3): [2, 3]
    # row 1: from 3 -> 2 (.7); row 2: entity 4 has no list
    assert recs.tolist() == [[2, 3, -1], [2, -1, -1], [-1, -1, -1]]
    # ties go to the lower id: 3 and 4 both get .2 from entity 2
    assert ev.recommend(nb, sp.csr_matrix(np.array([[0, 0, 1, 0, 0]], dtype=np.float32)), at=2).tolist() == [[3, 4]]

    # each list divided by its top score: from 1 -> 0 (1), 3 (1/3); from 2 -> 4 (1), 3 (1); 3 sums to 4/3
    q12 = sp.csr_matrix(np.array([[0, 1, 1, 0, 0]], dtype=np.float32))
    assert ev.recommend(nb, q12, at=3).tolist() == [[3, 0, 4]]
    # raw scores: 0 (.9), 3 (.3 + .2), 4 (.2)
    assert ev.recommend(nb, q12, at=3, normalize="none").tolist() == [[0, 3, 4]]
    with pytest.raises(ValueError, match="^normalize: expected one of max, sum, none, got 'top'"):
        ev.recommend(nb, q12, normalize="top")


def test_recommend_normalized_equals_raw_scores_of_scaled_lists():
    # scores are small integers times 2**e per list, with a top of 16 (max) or a total of 32 (sum) times 2**e:
    # every division and sum is exact, so the two routes must give the same ids
    rng = np.random.default_rng(2)
    n, k = 60, 6
    ids = np.array([rng.choice(np.delete(np.arange(n), i), k, replace=False) for i in range(n)], dtype=np.int32)
    scale = 2.0 ** rng.integers(-3, 4, size=(n, 1))
    tops = np.column_stack([np.full(n, 16), -np.sort(-rng.integers(1, 17, size=(n, k - 1)), axis=1)])
    totals = np.array([[16, 8, 4, 2, 1, 1], [12, 8, 6, 3, 2, 1], [10, 9, 7, 3, 2, 1]])[rng.integers(0, 3, n)]
    query = _random_collections(m=30, n=n, seed=4)
    for normalize, w, size in (("max", tops, 16), ("sum", totals, 32)):
        raw = Neighbors(ids, (w * scale).astype(np.float32))
        want = ev.recommend(Neighbors(ids, (w / size).astype(np.float32)), query, at=10, normalize="none")
        assert (ev.recommend(raw, query, at=10, normalize=normalize) == want).all()


def test_recommend_popular_by_hand():
    train = sp.csr_matrix(np.array([[1, 1, 0, 1], [0, 1, 0, 1], [0, 1, 1, 0]], dtype=np.float32))  # counts 1, 3, 1, 2
    query = sp.csr_matrix(np.array([[0, 1, 0, 0], [0, 0, 0, 0]], dtype=np.float32))
    assert ev.recommend_popular(train, query, at=3).tolist() == [[3, 0, 2], [1, 3, 0]]


def test_rank_metrics_by_hand():
    hidden = sp.csr_matrix(np.array([[0, 0, 0, 0, 0, 1, 0, 0, 0, 1], [1, 1, 1, 1, 0, 0, 0, 0, 0, 0], [0] * 10], dtype=np.float32))
    recs = np.array([[3, 5, 7], [0, 9, 1], [1, 2, 3]])
    recall, ndcg = ev.rank_metrics(recs, hidden, at=3)
    d = [1, 1 / math.log2(3), 0.5]  # discounts of places 1, 2, 3
    assert recall[0] == pytest.approx(1 / 2) and ndcg[0] == pytest.approx(d[1] / (d[0] + d[1]))
    assert recall[1] == pytest.approx(2 / 3) and ndcg[1] == pytest.approx((d[0] + d[2]) / sum(d))  # min(3, 4) = 3
    assert math.isnan(recall[2]) and math.isnan(ndcg[2])
    # padding never hits
    r, n = ev.rank_metrics(np.array([[-1, 5, -1]]), hidden[:1], at=3)
    assert r[0] == pytest.approx(0.5) and n[0] == pytest.approx(d[1] / (d[0] + d[1]))


def test_held_out_runs_baselines_first():
    x = _random_collections()
    r = ev.held_out(
        x,
        {"cosine": Weighting("cosine"), "default": Weighting()},
        producers={"ease": lambda train, k: ev.ease_neighbors(train, k, 10.0)},
        k=5,
        at=10,
        seed=1,
    )
    assert r.names == ("popularity", "raw counts", "cosine", "default", "ease")
    split = ev.split_collections(x, seed=1)
    assert r.evaluated == len(split.test_rows) == r["default"].evaluated
    assert r.train_collections == split.train.shape[0]
    for f in r.results:
        assert 0 <= f.recall <= 1 and 0 <= f.ndcg <= 1
    with pytest.raises(KeyError, match="'nope': no such result"):
        r["nope"]
    again = ev.held_out(x, {"cosine": Weighting("cosine"), "default": Weighting()}, k=5, at=10, seed=1)
    assert again.results == r.results[:4]


# -------------------------------------------------------------------------------------------- EASE


def test_ease_matches_dense_formula():
    x = _random_collections(m=120, n=30, seed=5)
    mask = np.ones(30, dtype=np.float32)
    mask[7] = 0  # an entity nobody holds: no list, nobody's neighbor
    x = sp.csr_matrix(x @ sp.diags(mask))
    x.eliminate_zeros()
    lam, k = 15.0, 4
    got = ev.ease_neighbors(x, k, lam)
    xb = (x.toarray() > 0).astype(np.float64)
    keep = xb.sum(axis=0) > 0
    g = xb[:, keep].T @ xb[:, keep] + lam * np.eye(keep.sum())
    p = np.linalg.inv(g)
    b = np.zeros((30, 30))
    b[np.ix_(keep, keep)] = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0)
    assert got.ids[7].tolist() == [-1] * k and 7 not in got.ids
    for i in np.flatnonzero(keep):
        want = np.argsort(-b[i], kind="stable")[:k]
        want = want[b[i, want] > 0]
        assert got.ids[i][: len(want)].tolist() == want.tolist()
        np.testing.assert_allclose(got.weight[i][: len(want)], b[i, want], rtol=2e-3)


# ---------------------------------------------------------------------------------- layout quality


def test_knn_preservation_of_an_exact_and_a_random_layout():
    rng = np.random.default_rng(0)
    low = rng.normal(size=(300, 2))
    high = np.hstack([low, np.zeros((300, 6))])  # the same distances
    assert ev.knn_preservation(high, low, k=10, sample=100, seed=1) == 1.0
    assert ev.trustworthiness(high, low, k=10, sample=100, seed=1) == pytest.approx(1.0)
    shuffled = rng.normal(size=(300, 2))
    assert ev.knn_preservation(high, shuffled, k=10, sample=None) < 0.15


def test_knn_preservation_cosine():
    # points at random angles and radii: cosine neighbors are angular neighbors, as on the unit circle
    rng = np.random.default_rng(1)
    theta = rng.uniform(0, 2 * np.pi, 200)
    circle = np.column_stack([np.cos(theta), np.sin(theta)])
    high = circle * rng.uniform(0.1, 10, size=(200, 1))
    assert ev.knn_preservation(high, circle, k=5, sample=None, metric="cosine") == 1.0
    assert ev.knn_preservation(high, circle, k=5, sample=None, metric="euclidean") < 0.9


def test_knn_preservation_by_hand():
    # on a line 0, 1, 3, 7 the nearest of 0 is 1; the layout swaps 1 and 3
    high = np.array([[0.0], [1.0], [3.0], [7.0]])
    low = np.array([[0.0, 0], [3.0, 0], [1.0, 0], [7.0, 0]])
    # k = 1: point 0 keeps nothing (1 -> 2), 1 keeps 0? high nn(1) = 0, low nn(1) = 2 (|3-1| = 2 < 3): no;
    # 2: high nn = 1, low nn = 0 (|1-0| = 1): no; 3: high nn = 2, low nn = 1 (|7-3| = 4 < 6): no
    assert ev.knn_preservation(high, low, k=1, sample=None) == 0.0
    # k = 2: 0 {1,2} vs {2,1}: 2/2; 1 {0,2} vs {2,0}: 2/2; 2 {1,0} vs {0,1}: 2/2; 3 {2,1} vs {1,2}: 2/2
    assert ev.knn_preservation(high, low, k=2, sample=None) == 1.0


def test_trustworthiness_matches_sklearn():
    manifold = pytest.importorskip("sklearn.manifold")
    rng = np.random.default_rng(4)
    high = rng.normal(size=(250, 10))
    low = high[:, :2] + 0.3 * rng.normal(size=(250, 2))
    for k in (5, 12):
        want = manifold.trustworthiness(high, low, n_neighbors=k)
        assert ev.trustworthiness(high, low, k=k, sample=None) == pytest.approx(want, abs=1e-12)
        # a sample estimates it
        assert ev.trustworthiness(high, low, k=k, sample=120, seed=2) == pytest.approx(want, abs=0.02)
    want = manifold.trustworthiness(high, low, n_neighbors=7, metric="cosine")
    assert ev.trustworthiness(high, low, k=7, sample=None, metric="cosine") == pytest.approx(want, abs=1e-12)


def test_layout_quality_rejects_bad_arguments():
    high, low = np.zeros((20, 5)), np.zeros((20, 2))
    with pytest.raises(ValueError, match=r"^low: expected a layout \(n, 2\) or \(n, 3\), got shape \(20, 4\)"):
        ev.knn_preservation(high, np.zeros((20, 4)))
    with pytest.raises(ValueError, match="^low: expected 20 rows like high, got 19"):
        ev.trustworthiness(high, low[:19])
    with pytest.raises(ValueError, match="^metric: "):
        ev.knn_preservation(high, low, metric="manhattan")
    with pytest.raises(ValueError, match="^k: "):
        ev.trustworthiness(high, low, k=10)

"""Weights: hand-computed scores, every scheme against a dense brute-force reference, and the default on real data."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from atlas import evaluate as ev
from atlas.cooccur import cooccurrence_neighbors, occurrences
from atlas.weights import SCHEMES, Weighting, collection_weights, score

DATA = Path(__file__).parents[1].parent / "shared" / "data"

# 3 collections over 4 entities: {0, 1, 2}, {0, 1}, {1, 3}
TOY = sp.csr_matrix(np.array([[1, 1, 1, 0], [1, 1, 0, 0], [0, 1, 0, 1]], dtype=np.float32))
# n = [2, 3, 1, 1]; c_01 = 2, c_02 = 1, c_12 = 1, c_13 = 1, c_03 = c_23 = 0


def test_cosine_by_hand():
    nb = cooccurrence_neighbors(TOY, 3, Weighting("cosine"))
    s01, s02, s1x = 2 / math.sqrt(6), 1 / math.sqrt(2), 1 / math.sqrt(3)
    assert nb.ids.tolist() == [[1, 2, -1], [0, 2, 3], [0, 1, -1], [1, -1, -1]]  # 2 and 3 tie for 1: lower id first
    np.testing.assert_allclose(nb.weight, [[s01, s02, 0], [s01, s1x, s1x], [s02, s1x, 0], [s1x, 0, 0]], rtol=1e-6)


def test_lmi_by_hand():
    w = Weighting()  # the default
    assert w.scheme == "lmi" and w.alpha == 0 and w.support == 2
    nb = cooccurrence_neighbors(TOY, 3, w)
    # m = 3: only 0 and 2 share a collection more often than chance (ln(3 * 1 / (2 * 1)) > 0); entity 1,
    # in every collection, is associated with nothing (ln(3 * 2 / (2 * 3)) = ln(3 * 1 / (3 * 1)) = 0)
    s02 = 1 * 1 / (1 + w.support) * math.log(1.5)
    assert nb.ids.tolist() == [[2, -1, -1], [-1, -1, -1], [0, -1, -1], [-1, -1, -1]]
    np.testing.assert_allclose(nb.weight[:, 0], [s02, 0, s02, 0], rtol=1e-6)


def test_conditional_idf_by_hand():
    w = Weighting("conditional_idf")
    nb = cooccurrence_neighbors(TOY, 3, w)
    m, lam, mu = 3, w.shrink, w.support

    def s(c, ni, nj):
        return c / (ni + lam) * c / (c + mu) * math.log((m + 1) / nj)

    got = {(i, int(j)): float(v) for i in range(4) for j, v in zip(nb.ids[i], nb.weight[i]) if j >= 0}
    want = {
        (0, 1): s(2, 2, 3), (0, 2): s(1, 2, 1),
        (1, 0): s(2, 3, 2), (1, 2): s(1, 3, 1), (1, 3): s(1, 3, 1),
        (2, 0): s(1, 1, 2), (2, 1): s(1, 1, 3),
        (3, 1): s(1, 1, 3),
    }  # fmt: skip
    assert got.keys() == want.keys()
    for key, v in want.items():
        assert got[key] == pytest.approx(v, rel=1e-6), key
    assert nb.ids[0].tolist() == [2, 1, -1]  # the rare entity 2 outranks the popular 1


def test_collection_weights():
    lengths = np.array([1, 2, 4, 0])
    np.testing.assert_allclose(collection_weights(lengths, Weighting("cosine", alpha=1.0)), [1, 0.5, 0.25, 1])
    np.testing.assert_allclose(collection_weights(lengths, Weighting("cosine", alpha=0.5)), [1, 2**-0.5, 0.5, 1])
    np.testing.assert_array_equal(collection_weights(lengths, Weighting("count")), [1, 1, 1, 1])
    # rp3beta always walks with 1 / len, whatever alpha says
    np.testing.assert_allclose(collection_weights(lengths, Weighting("rp3beta", alpha=0.0)), [1, 0.5, 0.25, 1])


def _reference(x: sp.csr_matrix, w: Weighting) -> np.ndarray:
    """Dense float64 (n, n) scores, straight from the formulas in the weights docstrings; 0 = not a neighbor."""
    xb = (x.toarray() > 0).astype(np.float64)
    m, n = xb.shape
    lengths = np.maximum(xb.sum(axis=1), 1)
    wu = 1 / lengths if w.scheme == "rp3beta" else lengths**-w.alpha
    c = xb.T @ (xb * wu[:, None])
    r = xb.T @ xb
    cnt = xb.sum(axis=0)
    ni, nj = cnt[:, None], cnt[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        s = {
            "count": c,
            "cosine": c / np.sqrt(ni * nj),
            "cosine_log": c / np.sqrt(ni * nj) * np.log(1 + r),
            "jaccard": c / (ni + nj - c),
            "rp3beta": c / ni / nj**w.beta,
            "conditional_idf": c / (ni + w.shrink) * r / (r + w.support) * np.log((m + 1) / nj),
            "lmi": c * r / (r + w.support) * np.maximum(np.log(m * r / (ni * nj)), 0),
        }[w.scheme]
    s = np.where(r > 0, s, 0.0)
    np.fill_diagonal(s, 0.0)
    return s


def _assert_lists_match(nb, s: np.ndarray, k: int):
    """nb holds, for every row, the k best positive entries of s (any order among exact ties), best first."""
    s32 = s.astype(np.float32)
    for i in range(s.shape[0]):
        pos = np.sort(s32[i][s32[i] > 0])[::-1][:k]
        ids = nb.ids[i][nb.ids[i] >= 0]
        assert len(ids) == len(pos), i
        assert len(set(ids.tolist())) == len(ids) and i not in ids
        np.testing.assert_allclose(nb.weight[i][: len(pos)], pos, rtol=1e-5)
        np.testing.assert_allclose(s32[i, ids], nb.weight[i][: len(ids)], rtol=1e-5)
        assert np.all(np.diff(nb.weight[i][: len(ids)]) <= 0)
        assert np.all(nb.weight[i][len(ids) :] == 0)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_every_scheme_matches_dense_reference(scheme, alpha):
    rng = np.random.default_rng(7)
    x = sp.random(60, 40, density=0.15, format="csr", random_state=rng, dtype=np.float32)
    x.data[:] = rng.integers(1, 5, size=x.nnz)  # any positive value means "holds"
    w = Weighting(scheme, alpha=alpha, beta=0.3, shrink=2.0, support=1.5)
    k = 6
    nb = cooccurrence_neighbors(x, k, w, block=7)  # several blocks, one ragged
    _assert_lists_match(nb, _reference(x, w), k)
    whole = cooccurrence_neighbors(x, k, w, block=4096)
    np.testing.assert_array_equal(nb.ids, whole.ids)
    np.testing.assert_array_equal(nb.weight, whole.weight)


def test_score_checks_its_arguments():
    c = sp.csr_matrix(np.array([[0, 2.0], [2.0, 0]]))
    counts = np.array([2.0, 3.0])
    with pytest.raises(ValueError, match="^collections: "):
        score(c, np.arange(2), counts, Weighting())
    with pytest.raises(ValueError, match="^counts: "):
        score(c, np.arange(2), counts[:1], Weighting("cosine"))
    with pytest.raises(ValueError, match="^rows: "):
        score(c, np.arange(3), counts, Weighting("cosine"))
    got = score(c, np.arange(2), counts, Weighting("cosine"))
    np.testing.assert_allclose(got.toarray(), [[0, 2 / math.sqrt(6)], [2 / math.sqrt(6), 0]], rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scheme": "tfidf"}, "scheme: expected one of count, cosine, cosine_log, jaccard, rp3beta, conditional_idf, lmi, got 'tfidf'"),
        ({"alpha": -1.0}, "alpha: expected a number >= 0, got -1.0"),
        ({"shrink": float("nan")}, "shrink: expected a number >= 0, got nan"),
        ({"support": "2"}, "support: expected a number >= 0, got '2'"),
    ],
)
def test_weighting_rejects_bad_options(kwargs, message):
    with pytest.raises(ValueError) as e:
        Weighting(**kwargs)
    assert str(e.value) == message


# ------------------------------------------------------------------------------------ real data


def _shared(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("ATLAS_REQUIRE_SHARED") == "1":
            pytest.fail(f"{path} is missing and ATLAS_REQUIRE_SHARED=1")
        pytest.skip(f"{path} is missing")
    return path


def _collections(users: np.ndarray, items: np.ndarray) -> sp.csr_matrix:
    _, u = np.unique(users, return_inverse=True)
    _, i = np.unique(items, return_inverse=True)
    return sp.csr_matrix((np.ones(len(u), np.float32), (u, i)), shape=(u.max() + 1, i.max() + 1))


def load_lastfm(path: Path) -> sp.csr_matrix:
    """user_artists.dat (tab-separated, CRLF, header) -> (users, artists); play counts ignored."""
    a = np.loadtxt(path, skiprows=1, dtype=np.int64)
    return _collections(a[:, 0], a[:, 1])


def test_default_beats_raw_counts_on_lastfm():
    x = load_lastfm(_shared("lastfm-hetrec2011-2k", "user_artists.dat"))
    assert x.shape == (1892, 17632) and x.nnz == 92834
    x = sp.csr_matrix(x[:, occurrences(x) >= 2])  # the artists sites/lastfm.toml keeps (min_count = 2)
    r = ev.held_out(x, {"default": Weighting(), "cosine_log": Weighting("cosine_log")}, seed=0)
    assert r.names == ("popularity", "raw counts", "default", "cosine_log")
    assert r.evaluated == 376
    default, raw, pop = r["default"], r["raw counts"], r["popularity"]
    # measured with seed 0: popularity 0.117, raw counts 0.253, cosine_log 0.279, default (lmi) 0.288
    assert default.recall > 1.1 * raw.recall and default.ndcg > 1.1 * raw.ndcg
    assert default.recall > r["cosine_log"].recall
    assert raw.recall > 2 * pop.recall


def load_goodbooks(path: Path) -> sp.csr_matrix:
    """to_read_first101169rows.csv (user_id, book_id; header) -> (users, books)."""
    a = np.loadtxt(path, skiprows=1, delimiter=",", dtype=np.int64)
    return _collections(a[:, 0], a[:, 1])


def test_default_beats_raw_counts_on_goodbooks():
    x = load_goodbooks(_shared("goodbooks-10k", "to_read_first101169rows.csv"))
    assert x.shape == (10485, 6978) and x.nnz == 101169
    x = sp.csr_matrix(x[:, occurrences(x) >= 2])  # the books sites/goodbooks.toml keeps (min_count = 2)
    r = ev.held_out(x, seed=0)
    # measured with seed 0: popularity 0.079, raw counts 0.134 (NDCG 0.096), default (lmi) 0.142 (NDCG 0.110)
    assert r["default"].recall > 1.04 * r["raw counts"].recall
    assert r["default"].ndcg > 1.1 * r["raw counts"].ndcg

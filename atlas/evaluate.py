"""Evaluate: how good are the neighbor lists and the layout? Figures only, no I/O.

Neighbor lists, by a held-out protocol (`held_out`), on the entities a spec keeps (its `[filter]`:
`atlas eval` and `tests/bench/quality.py` hold out collections of the selected entities):

1. `split_collections`: with a fixed seed, hold out `holdout` (20%) of the collections. Each held-out
   collection with at least 2 entities is split at random (seeded) into a query half
   (`len // 2` entities) and a hidden half (the rest).
2. Neighbor lists are built from the other collections only (`train`).
3. `recommend`: item-kNN over the lists. Each list is divided by its top score, then a candidate's
   score is the sum of its scores in the lists of the query entities; query entities are never
   recommended; ties go to the lower id.
4. `rank_metrics`: recall@at = hits / min(at, |hidden|) and NDCG@at (binary gains, ideal = all top
   `min(at, |hidden|)` places hit), averaged over the evaluated collections.

The popularity baseline (`recommend_popular`: most frequent training entities not in the query) and the
raw-count baseline (`Weighting("count")`) are always measured in the same run.

Which details make the protocol: the reference figures for Last.fm (popularity 0.118, raw counts
0.255, cosine x log1p(count) 0.280; top-20 lists, recall@20) were reproduced by trying readings
of it, mean of split seeds 0-4 (cosine x log1p is `Weighting("cosine_log")`, binary lists):

| entities | item-kNN sums | recall | popularity | raw counts | cosine x log1p |
| --- | --- | --- | --- | --- | --- |
| all 17,632 | raw scores | hits / min(20, hidden) | 0.117 | 0.203 | 0.244 |
| all | raw scores | hits / hidden | 0.094 | 0.163 | 0.196 |
| all | votes (1 per list) | hits / min(20, hidden) | 0.117 | 0.240 | 0.263 |
| all | 1 / rank (seeds 0-2) | " | 0.118 | 0.237 | 0.233 |
| all | max, not sum (seeds 0-2) | " | 0.118 | 0.167 | 0.188 |
| all | scores / list top | " | 0.117 | 0.246 | 0.264 |
| all | scores / list total | " | 0.117 | 0.247 | 0.270 |
| all, lists from play counts | raw scores | " | 0.117 | 0.153 | 0.201 |
| all, lists from log1p(plays) | raw scores | " | 0.117 | 0.202 | 0.245 |
| held by >= 2 users (6,953) | raw scores | " | 0.118 | 0.210 | 0.258 |
| >= 2 | votes | " | 0.118 | 0.244 | 0.276 |
| **>= 2** | **scores / list top** | " | **0.118** | **0.253** | **0.280** |
| >= 2 | scores / list total | " | 0.118 | 0.253 | 0.284 |
| >= 2, lists from log1p(plays) | scores / list top | " | 0.118 | 0.258 | 0.283 |
| >= 2, users with >= 10 artists | scores / list top | " | 0.119 | 0.254 | 0.282 |
| >= 3 | scores / list top | " | 0.124 | 0.260 | 0.293 |
| >= 5 | scores / list top | " | 0.123 | 0.268 | 0.302 |

Popularity hardly depends on the reading (0.117-0.119 whenever recall is hits / min(20, hidden)),
so the two lists decide: what matches all three is the spec's entity filter (`min_count = 2` in
`sites/lastfm.toml`: artists held by at least 2 users, applied before the split) with each list
divided by its top score (`normalize="max"`, the default). Summing raw scores lets the lists with
the largest scores (popular query entities under raw counts) outvote the rest.

Layouts, by neighbor structure on a seeded sample of entities, brute force against all n points:
`knn_preservation` (recall@k of the embedding's k nearest among the layout's k nearest) and
`trustworthiness` (Venna & Kaski; the same formula as sklearn.manifold.trustworthiness).

`ease_neighbors` is a strong external baseline for neighbor lists (EASE, Steck 2019), dense, for a
few ten thousand entities at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import scipy.sparse as sp

from atlas import neighbors as nb
from atlas.cooccur import cooccurrence_neighbors
from atlas.weights import Weighting

RAW_COUNTS = Weighting(scheme="count", alpha=0.0)
METRICS = ("euclidean", "cosine")
NORMALIZE = ("max", "sum", "none")


# --------------------------------------------------------------------------------------------- split


@dataclass(frozen=True)
class Split:
    """A held-out split of m collections over n entities.

    train: float32 csr (m_train, n), binary: the collections neighbor lists are built from.
    train_rows: int64 (m_train,): their rows in x. test_rows: int64 (t,): rows in x of the held-out
    collections that are evaluated (those with >= 2 entities). query, hidden: float32 csr (t, n),
    binary, disjoint: each evaluated collection's query half and hidden half.
    """

    train: sp.csr_matrix
    train_rows: np.ndarray
    test_rows: np.ndarray
    query: sp.csr_matrix
    hidden: sp.csr_matrix

    @property
    def n(self) -> int:
        return self.train.shape[1]


def binary(x, name: str = "x") -> sp.csr_matrix:
    """float32 csr (m, n), 1 where x holds a positive entry, indices sorted; x: a sparse (collections, entities) matrix."""
    if not sp.issparse(x) or x.ndim != 2:
        raise ValueError(f"{name}: expected a sparse (collections, entities) matrix, got {type(x).__name__}")
    xb = sp.csr_matrix(x, dtype=np.float32, copy=True)
    xb.sum_duplicates()
    xb.data = (xb.data > 0).astype(np.float32)
    xb.eliminate_zeros()
    xb.sort_indices()
    return xb


def split_collections(x: sp.spmatrix, *, holdout: float = 0.2, seed: int = 0) -> Split:
    """Hold out round(holdout * m) collections of x (m, n) at random; split each one with >= 2 entities into query and hidden.

    Any positive value in x means "holds". The same seed gives the same split.
    """
    if not 0 < holdout < 1:
        raise ValueError(f"holdout: expected a fraction in (0, 1), got {holdout!r}")
    xb = binary(x)
    m, n = xb.shape
    rng = np.random.default_rng(seed)
    perm = rng.permutation(m)
    n_test = int(round(holdout * m))
    if n_test == 0 or n_test == m:
        raise ValueError(f"x: {m} collections are too few to hold out {holdout:.0%} and keep some for training")
    test = np.sort(perm[:n_test])
    train_rows = np.sort(perm[n_test:])
    lengths = np.diff(xb.indptr)
    test_rows = test[lengths[test] >= 2].astype(np.int64)
    t = xb[test_rows]
    # a random key per (collection, entity); the len // 2 entities with the smallest keys are the query
    keys = rng.random(t.nnz)
    row = np.repeat(np.arange(t.shape[0]), np.diff(t.indptr))
    order = np.lexsort((keys, row))
    rank = np.empty(t.nnz, dtype=np.int64)
    rank[order] = np.arange(t.nnz) - t.indptr[row[order]]
    is_query = rank < (np.diff(t.indptr) // 2)[row]
    query = sp.csr_matrix((t.data * is_query, t.indices.copy(), t.indptr.copy()), shape=t.shape)
    hidden = sp.csr_matrix((t.data * ~is_query, t.indices.copy(), t.indptr.copy()), shape=t.shape)
    query.eliminate_zeros()
    hidden.eliminate_zeros()
    return Split(xb[train_rows], train_rows.astype(np.int64), test_rows, query, hidden)


# ------------------------------------------------------------------------------------ recommendation


def recommend(neighbors: nb.Neighbors, query: sp.spmatrix, at: int = 20, *, normalize: str = "max") -> np.ndarray:
    """int32 (t, at): the best `at` entities for each query row (t, n), -1 where fewer have a positive score.

    score(j) = sum over the query's entities q of the score of j in q's list, after each list is
    divided by its top score (normalize="max", the protocol), by its total ("sum") or left as it is
    ("none"); query entities excluded.
    """
    if normalize not in NORMALIZE:
        raise ValueError(f"normalize: expected one of {', '.join(NORMALIZE)}, got {normalize!r}")
    q = binary(query, "query")
    if q.shape[1] != neighbors.n:
        raise ValueError(f"query: expected {neighbors.n} columns (entities), got {q.shape[1]}")
    if at < 1:
        raise ValueError(f"at: expected int >= 1, got {at}")
    lists = neighbors.to_csr()
    if normalize != "none":
        size = np.asarray(lists.max(axis=1).todense() if normalize == "max" else lists.sum(axis=1)).ravel()
        lists = (sp.diags(1.0 / np.where(size > 0, size, 1.0)).astype(np.float32) @ lists).tocsr()
    s = (q @ lists).tocsr()
    s = (s - s.multiply(q)).tocsr()  # never recommend what the query already holds
    s.eliminate_zeros()
    return nb.topk(s, at, np.full(s.shape[0], -1, dtype=np.int32)).ids


def recommend_popular(train: sp.spmatrix, query: sp.spmatrix, at: int = 20) -> np.ndarray:
    """int32 (t, at): the entities held by most training collections, query entities excluded; ties to the lower id."""
    tr, q = binary(train, "train"), binary(query, "query")
    if q.shape[1] != tr.shape[1]:
        raise ValueError(f"query: expected {tr.shape[1]} columns (entities), got {q.shape[1]}")
    counts = np.asarray(tr.sum(axis=0)).ravel()
    order = np.lexsort((np.arange(len(counts)), -counts))
    order = order[counts[order] > 0]
    longest = int(np.diff(q.indptr).max(initial=0))
    top = order[: at + longest].astype(np.int32)
    out = np.full((q.shape[0], at), -1, dtype=np.int32)
    for r in range(q.shape[0]):
        held = q.indices[q.indptr[r] : q.indptr[r + 1]]
        keep = top[~np.isin(top, held)][:at]
        out[r, : len(keep)] = keep
    return out


def rank_metrics(recs: np.ndarray, hidden: sp.spmatrix, at: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """float64 (t,) recall@at and NDCG@at of recommendations recs int (t, >= at), -1 padded, against hidden (t, n).

    Rows without hidden entities get NaN.
    """
    h = binary(hidden, "hidden")
    recs = np.asarray(recs)[:, :at]
    if recs.shape[0] != h.shape[0]:
        raise ValueError(f"recs: expected {h.shape[0]} rows, got {recs.shape[0]}")
    n = h.shape[1]
    t = h.shape[0]
    hidden_keys = np.repeat(np.arange(t, dtype=np.int64), np.diff(h.indptr)) * n + h.indices
    rec_keys = np.arange(t, dtype=np.int64)[:, None] * n + recs
    hits = np.isin(rec_keys, hidden_keys) & (recs >= 0)
    size = np.diff(h.indptr)
    ideal = np.minimum(size, at)
    discount = 1.0 / np.log2(np.arange(2, recs.shape[1] + 2))
    idcg = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, at + 2)))])[ideal]
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(ideal > 0, hits.sum(axis=1) / ideal, np.nan)
        ndcg = np.where(ideal > 0, (hits * discount).sum(axis=1) / idcg, np.nan)
    return recall, ndcg


# ---------------------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figures:
    """One recommender on one split: mean recall@at and NDCG@at over `evaluated` collections."""

    name: str
    recall: float
    ndcg: float
    evaluated: int


@dataclass(frozen=True)
class HeldOut:
    """The held-out figures of one run: popularity and raw counts first, then each weighting or producer by name."""

    at: int
    k: int
    seed: int
    holdout: float
    train_collections: int
    evaluated: int
    results: tuple[Figures, ...]

    def __getitem__(self, name: str) -> Figures:
        for f in self.results:
            if f.name == name:
                return f
        raise KeyError(f"{name!r}: no such result; have {', '.join(f.name for f in self.results)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.results)


def figures(name: str, recs: np.ndarray, split: Split, at: int = 20) -> Figures:
    """Mean recall@at and NDCG@at of recs (t, at) against split.hidden."""
    recall, ndcg = rank_metrics(recs, split.hidden, at)
    return Figures(name, float(np.nanmean(recall)) if len(recall) else float("nan"), float(np.nanmean(ndcg)) if len(ndcg) else float("nan"), len(recall))


def evaluate_neighbors(name: str, neighbors: nb.Neighbors, split: Split, at: int = 20, *, normalize: str = "max") -> Figures:
    """Figures of item-kNN over `neighbors` (built from split.train) on the split's held-out collections."""
    if neighbors.n != split.n:
        raise ValueError(f"neighbors: expected lists for {split.n} entities, got {neighbors.n}")
    return figures(name, recommend(neighbors, split.query, at, normalize=normalize), split, at)


Producer = Callable[[sp.csr_matrix, int], nb.Neighbors]


def held_out(
    x: sp.spmatrix,
    weightings: Mapping[str, Weighting] | None = None,
    *,
    producers: Mapping[str, Producer] | None = None,
    k: int = 20,
    at: int = 20,
    holdout: float = 0.2,
    seed: int = 0,
    normalize: str = "max",
) -> HeldOut:
    """The held-out protocol on collections x (m, n): baselines "popularity" and "raw counts", then each weighting.

    weightings: name -> Weighting, default {"default": Weighting()}. producers: name -> f(train csr, k) ->
    Neighbors, for lists that do not come from a Weighting (e.g. EASE). Every list has k entries per entity.
    normalize: how `recommend` scales each list before summing (default "max", the protocol).
    """
    if k < 1:
        raise ValueError(f"k: expected int >= 1, got {k}")
    weightings = {"default": Weighting()} if weightings is None else dict(weightings)
    producers = {} if producers is None else dict(producers)
    split = split_collections(x, holdout=holdout, seed=seed)
    results = [
        figures("popularity", recommend_popular(split.train, split.query, at), split, at),
        evaluate_neighbors("raw counts", cooccurrence_neighbors(split.train, k, RAW_COUNTS), split, at, normalize=normalize),
    ]
    for name, w in weightings.items():
        results.append(evaluate_neighbors(name, cooccurrence_neighbors(split.train, k, w), split, at, normalize=normalize))
    for name, f in producers.items():
        results.append(evaluate_neighbors(name, f(split.train, k), split, at, normalize=normalize))
    return HeldOut(at, k, seed, holdout, split.train.shape[0], len(split.test_rows), tuple(results))


# ------------------------------------------------------------------------------------ EASE baseline


def ease_neighbors(x: sp.spmatrix, k: int, lam: float = 100.0, *, min_count: int = 1, max_entities: int = 20_000) -> nb.Neighbors:
    """Top-k lists from EASE (Steck 2019): B = I - P / diag(P), P = (G + lam I)^-1, G = X^T X; neighbors of i = top of B[i].

    Only entities held by >= min_count collections take part (others get no list and are nobody's
    neighbor). Dense in those entities (at most max_entities): O(n^2) float32 memory, O(n^3) time
    (Cholesky). Only positive entries become neighbors.
    """
    from scipy.linalg import lapack

    if lam <= 0:
        raise ValueError(f"lam: expected a number > 0, got {lam!r}")
    xb = binary(x)
    n = xb.shape[1]
    used = np.flatnonzero(np.asarray(xb.sum(axis=0)).ravel() >= max(min_count, 1))
    if len(used) > max_entities:
        raise ValueError(f"x: {len(used)} entities take part, more than max_entities={max_entities} for a dense EASE")
    xu = xb[:, used]
    g = (xu.T @ xu).toarray().astype(np.float32)
    g[np.diag_indices_from(g)] += lam
    chol, info = lapack.spotrf(g, lower=1, overwrite_a=1, clean=1)
    if info != 0:
        raise ValueError(f"lam: G + {lam} I is not positive definite in float32 (potrf info {info})")
    p, info = lapack.spotri(chol, lower=1, overwrite_c=1)
    del chol, g
    p = np.tril(p)
    p += np.tril(p, -1).T  # potri fills the lower triangle only
    p /= -np.diag(p)[None, :]  # b_ij = -p_ij / p_jj
    np.fill_diagonal(p, 0.0)
    np.maximum(p, 0.0, out=p)
    size = max(1, (1 << 22) // max(len(used), 1))
    part = nb.concat([nb.topk(sp.csr_matrix(p[lo : lo + size]), k, np.arange(lo, min(lo + size, len(used)), dtype=np.int32)) for lo in range(0, len(used), size)])
    ids = np.full((n, k), -1, dtype=np.int32)
    w = np.zeros((n, k), dtype=np.float32)
    ids[used] = np.where(part.ids >= 0, used[np.maximum(part.ids, 0)], -1)
    w[used] = part.weight
    return nb.Neighbors(ids, w)


# ---------------------------------------------------------------------------------- layout quality


def _check_points(high, low) -> tuple[np.ndarray, np.ndarray]:
    high = np.asarray(high, dtype=np.float64)
    low = np.asarray(low, dtype=np.float64)
    if high.ndim != 2:
        raise ValueError(f"high: expected a 2-d array (n, d), got shape {high.shape}")
    if low.ndim != 2 or low.shape[1] not in (2, 3):
        raise ValueError(f"low: expected a layout (n, 2) or (n, 3), got shape {low.shape}")
    if low.shape[0] != high.shape[0]:
        raise ValueError(f"low: expected {high.shape[0]} rows like high, got {low.shape[0]}")
    return high, low


def _sample(n: int, sample: int | None, seed: int) -> np.ndarray:
    if sample is None or sample >= n:
        return np.arange(n)
    if sample < 1:
        raise ValueError(f"sample: expected int >= 1 or None, got {sample}")
    return np.sort(np.random.default_rng(seed).choice(n, size=sample, replace=False))


def _distances(points: np.ndarray, rows: np.ndarray, metric: str) -> np.ndarray:
    """float64 (len(rows), n): distances from points[rows] to every point; a row's own point gets +inf."""
    if metric == "cosine":
        norm = np.linalg.norm(points, axis=1, keepdims=True)
        unit = points / np.where(norm > 0, norm, 1.0)
        d = 1.0 - unit[rows] @ unit.T
    else:
        sq = np.einsum("ij,ij->i", points, points)
        d = sq[rows, None] + sq[None, :] - 2.0 * points[rows] @ points.T
    np.maximum(d, 0.0, out=d)
    d[np.arange(len(rows)), rows] = np.inf
    return d


def _nearest(d: np.ndarray, k: int) -> np.ndarray:
    """int64 (b, k): the k smallest of each row of d, ties to the lower index (unordered within the k)."""
    # stable ties: sort by (distance, index) among candidates that are <= the k-th distance
    part = np.argpartition(d, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(d, part, axis=1).max(axis=1)
    out = np.empty((d.shape[0], k), dtype=np.int64)
    for r in range(d.shape[0]):
        cand = np.flatnonzero(d[r] <= kth[r])
        if len(cand) == k:
            out[r] = cand
        else:
            out[r] = cand[np.lexsort((cand, d[r, cand]))[:k]]
    return out


def _blocks(rows: np.ndarray, n: int, budget: int = 1 << 22):
    size = max(1, budget // max(n, 1))
    for lo in range(0, len(rows), size):
        yield rows[lo : lo + size]


def knn_preservation(high, low, k: int = 10, *, sample: int | None = 1000, seed: int = 0, metric: str = "euclidean") -> float:
    """Mean fraction of each sampled entity's k nearest in `high` (n, d) that are among its k nearest in `low` (n, 2|3).

    Nearest among all n points, brute force; `metric` applies to high (the layout is always euclidean).
    """
    high, low = _check_points(high, low)
    n = high.shape[0]
    if metric not in METRICS:
        raise ValueError(f"metric: expected one of {', '.join(METRICS)}, got {metric!r}")
    if not 1 <= k < n:
        raise ValueError(f"k: expected 1 <= k < n={n}, got {k}")
    rows = _sample(n, sample, seed)
    kept = 0
    for b in _blocks(rows, n):
        a = _nearest(_distances(high, b, metric), k)
        z = _nearest(_distances(low, b, "euclidean"), k)
        kept += sum(len(np.intersect1d(a[r], z[r], assume_unique=True)) for r in range(len(b)))
    return kept / (k * len(rows))


def trustworthiness(high, low, k: int = 10, *, sample: int | None = 1000, seed: int = 0, metric: str = "euclidean") -> float:
    """Trustworthiness in [0, 1] of layout `low` (n, 2|3) for `high` (n, d), estimated on a seeded sample of points.

    T(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in U_k(i)} (r(i, j) - k), where U_k(i) are i's k
    nearest in low that are not among its k nearest in high and r(i, j) is j's rank (1 = nearest) among
    i's neighbors in high. The sum over i runs over the sample and is scaled by n / len(sample); with
    sample=None it equals sklearn.manifold.trustworthiness (up to ties). Requires k < n / 2.
    """
    high, low = _check_points(high, low)
    n = high.shape[0]
    if metric not in METRICS:
        raise ValueError(f"metric: expected one of {', '.join(METRICS)}, got {metric!r}")
    if not 1 <= k < n / 2:
        raise ValueError(f"k: expected 1 <= k < n/2 = {n / 2:g}, got {k}")
    rows = _sample(n, sample, seed)
    penalty = 0.0
    for b in _blocks(rows, n):
        dh = _distances(high, b, metric)
        z = _nearest(_distances(low, b, "euclidean"), k)
        dz = np.take_along_axis(dh, z, axis=1)  # (b, k): high-dim distance to each layout neighbor
        idx = np.arange(n)
        for j in range(k):
            # j's rank among i's neighbors in high: 1 + points strictly closer + equally close with a lower index
            col = dz[:, j : j + 1]
            rank = 1 + np.count_nonzero(dh < col, axis=1) + np.count_nonzero((dh == col) & (idx[None, :] < z[:, j : j + 1]), axis=1)
            penalty += np.maximum(rank - k, 0).sum()
    penalty *= n / len(rows)
    return float(1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty)

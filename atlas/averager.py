"""Averager tables: small quantized vectors so "between A and B" and "more like these" run in the browser.

The table is the build's embedding (16 dims by default) quantized to int8 with one scale for every
entity and dimension, so squared distances are exact integers in Python and in JavaScript alike.
Both queries are specified step by step in docs/averager.md, which the browser twin follows:

- `between(t, a, b, mix)`: cost(j) = max(wa rank_a(j), wb rank_b(j)), lowest first, where rank_a(j)
  is j's place in a's ranking of all entities by table distance: entities that rank high in both
  a's and b's lists (the worse of the two places decides), not in one of them.
- `more_like(t, neighbors, ids)`: score(j) = votes(j) / max votes + MORE_LIKE_WEIGHT near(j) / max near,
  highest first: neighbor-list votes (each query entity's list normalized to sum 1) plus the
  embedding's kernel 1 / (1 + d^2 / MORE_LIKE_BANDWIDTH) summed over the query.

Everything is a pure function over numpy arrays; ties go to the lower entity id. The figures that
chose the format and the constants are in tests/bench/averager.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from atlas.neighbors import Neighbors

#: attrs["scheme"] of the bundle: every entity shares one scale (all entries of `scale` are equal).
SCHEME = "global"
#: the largest |q| of a quantized coordinate.
QMAX = 127
#: more_like: the kernel's bandwidth h in squared embedding units (the MDE kernel is h = 1).
MORE_LIKE_BANDWIDTH = 2.0
#: more_like: the weight of the embedding term against the neighbor-list votes.
MORE_LIKE_WEIGHT = 0.5
#: popularity_bounds: "popular" keeps the entities among the top POPULAR_SHARE by count (ties kept).
POPULAR_SHARE = 0.1
#: the viewer's popularity control.
POPULARITY_MODES = ("all", "popular", "obscure")


@dataclass(frozen=True)
class Tables:
    """Quantized vectors: q int8 (n, dims) and one scale (float32); vector i is q[i] * scale."""

    q: np.ndarray
    scale: np.float32

    def __post_init__(self):
        q = self.q
        if not isinstance(q, np.ndarray) or q.dtype != np.int8 or q.ndim != 2:
            raise ValueError(f"q: expected an int8 array (n, dims), got {getattr(q, 'dtype', type(q).__name__)} {getattr(q, 'shape', '')}")
        s = np.float32(self.scale)
        if not (np.isfinite(s) and s > 0):
            raise ValueError(f"scale: expected a finite number > 0, got {self.scale!r}")
        object.__setattr__(self, "scale", s)

    @property
    def n(self) -> int:
        return self.q.shape[0]

    @property
    def dims(self) -> int:
        return self.q.shape[1]

    def vectors(self) -> np.ndarray:
        """float32 (n, dims): the dequantized vectors q * scale."""
        return self.q.astype(np.float32) * self.scale

    def sq_distances(self, i: int) -> np.ndarray:
        """int64 (n,): D(i, j) = sum over d of (q[j, d] - q[i, d])^2, exact; scale^2 D is the squared distance."""
        return _sq(self.q.astype(np.int32), _entity(i, self.n, "i"))


# ------------------------------------------------------------------------------------------ tables


def quantize(vectors: np.ndarray) -> Tables:
    """Tables of vectors float (n, d): scale = max |v| / 127 (as float32), q = round(v / scale), half to even.

    Each coordinate is off by at most scale / 2: |v - q * scale| <= scale / 2.
    """
    v = np.asarray(vectors, dtype=np.float64)
    if v.ndim != 2 or v.shape[0] < 1 or v.shape[1] < 1:
        raise ValueError(f"vectors: expected a 2-d array (n, dims), got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("vectors: expected finite numbers, got NaN or infinity")
    m = float(np.abs(v).max())
    scale = np.float32(m / QMAX) if m > 0 else np.float32(1.0)
    q = np.clip(np.rint(v / np.float64(scale)), -QMAX, QMAX).astype(np.int8)
    return Tables(q, scale)


def tables(vectors: np.ndarray) -> dict:
    """The averager bundle's content for embedding vectors (n, d): {"q", "scale", "attrs"}.

    `scale` is float32 (n,) with every entry equal (format version 1 reads vector i as q[i] * scale[i];
    brotli stores the repeats in a few bytes); attrs: dims, scheme "global".
    """
    t = quantize(vectors)
    return {"q": t.q, "scale": np.full(t.n, t.scale, dtype=np.float32), "attrs": {"dims": t.dims, "scheme": SCHEME}}


def read_tables(arrays: Mapping[str, np.ndarray]) -> Tables:
    """Tables from a decoded averager bundle's arrays (or `tables(...)`): q int8 (n, d), scale float32 (n,) all equal."""
    if "q" not in arrays or "scale" not in arrays:
        raise ValueError(f"arrays: expected 'q' and 'scale', got {', '.join(map(repr, arrays)) or 'nothing'}")
    q = np.asarray(arrays["q"])
    scale = np.asarray(arrays["scale"], dtype=np.float32).ravel()
    if q.ndim != 2 or scale.shape not in ((1,), (q.shape[0],)):
        raise ValueError(f"scale: expected 1 or {q.shape[0] if q.ndim == 2 else 'n'} entries, got shape {scale.shape}")
    if np.any(scale != scale[0]):
        raise ValueError(f"scale: the {SCHEME!r} scheme needs one scale for every entity, got {len(np.unique(scale))} different values")
    return Tables(q, scale[0])


# ------------------------------------------------------------------------------------------ queries


def between(
    tables: Tables,
    a: int,
    b: int,
    mix: float = 0.5,
    k: int = 20,
    popularity: np.ndarray | None = None,
    min_count: int = 0,
    max_count: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The k entities between a and b: ids int32 (<= k,), best first, and their scores float64 in (0, 1).

    rank_a(j): j's place (1 = nearest) in a's ranking of all other entities by D(a, j), ties by
    ascending id; rank_b likewise. cost(j) = max(wa * rank_a(j), wb * rank_b(j)) with
    wa = (1 - mix) / m, wb = mix / m, m = max(mix, 1 - mix): at mix 0.5 the worse of the two ranks
    decides, so the best entity ranks high in both lists, not in one of them; mix 0 gives a's
    nearest, 1 b's nearest. score(j) = 1 - cost(j) / n. Ranked by cost ascending, ties by
    ascending id; a, b and entities whose popularity is below min_count or above max_count are
    never returned (they still count in the ranks). Fewer than k come back if fewer are left.
    """
    t = _tables(tables)
    a, b = _entity(a, t.n, "a"), _entity(b, t.n, "b")
    if isinstance(mix, bool) or not isinstance(mix, (int, float, np.floating, np.integer)) or not 0 <= float(mix) <= 1:
        raise ValueError(f"mix: expected a number in [0, 1], got {mix!r}")
    k = _count(k, "k")
    ok = _eligible(t.n, popularity, min_count, max_count)
    ok[a] = ok[b] = False
    u, v = 1.0 - float(mix), float(mix)
    m = max(u, v)
    wa, wb = u / m, v / m
    qi = t.q.astype(np.int32)
    cost = np.maximum(wa * _ranks(qi, a), wb * _ranks(qi, b))
    ids = _best(cost, ok, k, lowest=True)
    return ids, 1.0 - cost[ids] / t.n


def more_like(
    tables: Tables,
    neighbors: Neighbors,
    ids,
    k: int = 20,
    popularity: np.ndarray | None = None,
    min_count: int = 0,
    max_count: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The k entities most like the set `ids`: ids int32 (<= k,), best first, and their scores float64.

    For the query Q (the distinct ids, ascending) and a candidate j (not in Q, popularity within
    [min_count, max_count]):
    votes(j) = sum over q in Q of w(q, j) / sum of q's list, w(q, j) = j's score in q's neighbor list (0 if absent);
    near(j) = sum over q in Q of 1 / (1 + c * D(q, j)), c = scale^2 / MORE_LIKE_BANDWIDTH;
    score(j) = votes(j) / max votes + MORE_LIKE_WEIGHT * (near(j) / max near), maxima over the
    candidates (a term whose maximum is 0 is left out). Ranked by score descending, ties by
    ascending id. Sums run over Q in ascending order (see docs/averager.md for the exact order).
    """
    t = _tables(tables)
    if not isinstance(neighbors, Neighbors):
        raise ValueError(f"neighbors: expected atlas.neighbors.Neighbors, got {type(neighbors).__name__}")
    if neighbors.n != t.n:
        raise ValueError(f"neighbors: expected lists for {t.n} entities like tables, got {neighbors.n}")
    query = _query(ids, t.n)
    k = _count(k, "k")
    ok = _eligible(t.n, popularity, min_count, max_count)
    ok[query] = False
    votes = _votes(neighbors, query)
    near = _near(t, query)
    score = _normalized(votes, ok) + MORE_LIKE_WEIGHT * _normalized(near, ok)
    best = _best(score, ok, k, lowest=False)
    return best, score[best]


def popularity_bounds(count: np.ndarray, mode: str) -> tuple[int, int | None]:
    """(min_count, max_count) of the viewer's popularity control for counts (n,).

    "all": (0, None). "popular": min_count = the floor(n * POPULAR_SHARE)-th largest count (at least
    the largest), so the top tenth stays, with ties. "obscure": max_count = the median count, the
    entry at index floor((n - 1) / 2) of the ascending counts.
    """
    if mode not in POPULARITY_MODES:
        raise ValueError(f"mode: expected one of {', '.join(POPULARITY_MODES)}, got {mode!r}")
    c = np.sort(np.asarray(count, dtype=np.int64).ravel())
    if mode == "all" or c.size == 0:
        return 0, None
    if mode == "popular":
        return int(c[c.size - max(1, int(c.size * POPULAR_SHARE))]), None
    return 0, int(c[(c.size - 1) // 2])


# ------------------------------------------------------------------------------------------ parts


def _sq(qi: np.ndarray, i: int) -> np.ndarray:
    """int64 (n,): D(i, j) for every j, from q as int32 (n, dims); exact."""
    diff = qi - qi[i]
    return np.einsum("jd,jd->j", diff, diff).astype(np.int64)


def _ranks(qi: np.ndarray, i: int) -> np.ndarray:
    """float64 (n,): every entity's place in i's ranking of the others by D(i, j), ties by ascending id; i itself gets 0."""
    d = _sq(qi, i)
    d[i] = -1
    order = np.lexsort((np.arange(len(d)), d))
    rank = np.empty(len(d), dtype=np.float64)
    rank[order] = np.arange(len(d), dtype=np.float64)
    return rank


def _votes(neighbors: Neighbors, query: np.ndarray) -> np.ndarray:
    """float64 (n,): sum over q in query (ascending) of q's list scores divided by the list's sum (lists summing to <= 0 cast no votes)."""
    votes = np.zeros(neighbors.n, dtype=np.float64)
    for q in query:
        row = neighbors.ids[q]
        keep = row >= 0
        if not keep.any():
            continue
        w = neighbors.weight[q][keep].astype(np.float64)
        total = np.cumsum(w)[-1]  # added one by one in list order, as the browser adds them
        if total > 0:
            votes[row[keep]] += w / total
    return votes


def _near(t: Tables, query: np.ndarray) -> np.ndarray:
    """float64 (n,): sum over q in query (ascending) of 1 / (1 + c D(q, j)), c = scale^2 / MORE_LIKE_BANDWIDTH."""
    c = np.float64(t.scale) * np.float64(t.scale) / MORE_LIKE_BANDWIDTH
    qi = t.q.astype(np.int32)
    near = np.zeros(t.n, dtype=np.float64)
    for q in query:
        near += 1.0 / (1.0 + c * _sq(qi, q))
    return near


def _normalized(x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """x / (max of x over ok), or zeros when that maximum is not positive."""
    top = x[ok].max(initial=0.0)
    return x / top if top > 0 else np.zeros_like(x)


def _best(value: np.ndarray, ok: np.ndarray, k: int, *, lowest: bool) -> np.ndarray:
    """int32 (<= k,): the eligible entities with the lowest (or highest) values, ties by ascending id."""
    cand = np.flatnonzero(ok)
    v = value[cand]
    order = np.lexsort((cand, v if lowest else -v))[:k]
    return cand[order].astype(np.int32)


def _tables(t) -> Tables:
    if not isinstance(t, Tables):
        raise ValueError(f"tables: expected atlas.averager.Tables (see quantize, read_tables), got {type(t).__name__}")
    return t


def _entity(i, n: int, name: str) -> int:
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= int(i) < n:
        raise ValueError(f"{name}: expected an entity id in 0..{n - 1}, got {i!r}")
    return int(i)


def _count(k, name: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{name}: expected int >= 1, got {k!r}")
    return int(k)


def _query(ids, n: int) -> np.ndarray:
    arr = np.asarray(ids)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"ids: expected a non-empty list of entity ids, got {ids!r}")
    if arr.min() < 0 or arr.max() >= n:
        raise ValueError(f"ids: expected entity ids in 0..{n - 1}, got {int(arr.min() if arr.min() < 0 else arr.max())}")
    return np.unique(arr).astype(np.int64)


def _eligible(n: int, popularity, min_count, max_count) -> np.ndarray:
    """bool (n,): entities whose popularity lies in [min_count, max_count] (all when no bound is set)."""
    for name, v in (("min_count", min_count), ("max_count", max_count)):
        if v is None and name == "max_count":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"{name}: expected int >= 0{' or None' if name == 'max_count' else ''}, got {v!r}")
    if max_count is not None and max_count < min_count:
        raise ValueError(f"max_count: expected None or >= min_count={min_count}, got {max_count}")
    if popularity is None:
        if min_count > 0 or max_count is not None:
            raise ValueError("popularity: needed for min_count or max_count (the popularity bundle's count)")
        return np.ones(n, dtype=bool)
    pop = np.asarray(popularity)
    if pop.shape != (n,) or not np.issubdtype(pop.dtype, np.number):
        raise ValueError(f"popularity: expected {n} counts, got shape {pop.shape}")
    ok = pop >= min_count
    if max_count is not None:
        ok &= pop <= max_count
    return ok

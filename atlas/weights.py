"""Weights: turn co-occurrence counts into neighbor scores.

A scheme has two parts: a weight per collection applied before counting (long playlists say less
about each pair than short ones) and a score per pair computed from the counts. Notation, for an
entity i (the list's owner) and a candidate neighbor j:

- `c_ij`: weighted co-occurrence, the sum over the collections u holding both of `w_u`, where
  `w_u = 1 / len_u**alpha` (`collection_weights`; alpha = 0 gives every collection weight 1);
- `r_ij`: raw co-occurrence, the number of collections holding both (equal to c_ij when alpha = 0);
- `n_i`: the number of collections holding i; `m`: the number of collections.

Every score is computed pair by pair from these, so `atlas.cooccur` can work one block of rows
of `X.T @ X` at a time. The default, `lmi`, was chosen on held-out recall@20 on Last.fm and
goodbooks (`tests/bench/quality.py`; figures in `Weighting`'s docstring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


def _count(c, r, ni, nj, m, w):
    """count: s_ij = c_ij."""
    return c


def _cosine(c, r, ni, nj, m, w):
    """cosine: s_ij = c_ij / sqrt(n_i n_j)."""
    return c / np.sqrt(ni * nj)


def _cosine_log(c, r, ni, nj, m, w):
    """cosine_log: s_ij = c_ij / sqrt(n_i n_j) * ln(1 + r_ij)  (cosine, boosted by support)."""
    return c / np.sqrt(ni * nj) * np.log1p(r)


def _jaccard(c, r, ni, nj, m, w):
    """jaccard: s_ij = c_ij / (n_i + n_j - c_ij)."""
    return c / (ni + nj - c)


def _rp3beta(c, r, ni, nj, m, w):
    """rp3beta (Paudel et al. 2017): s_ij = c_ij / n_i / n_j**beta with c weighted by w_u = 1 / len_u (alpha is ignored).

    c_ij / n_i is the probability of the random walk i -> collection -> j; n_j**beta penalizes
    popular neighbors.
    """
    return c / ni / nj**w.beta


def _conditional_idf(c, r, ni, nj, m, w):
    """conditional_idf: s_ij = c_ij / (n_i + shrink) * r_ij / (r_ij + support) * ln((m + 1) / n_j).

    The probability that a collection holding i also holds j, shrunk for rarely seen i (`shrink`
    pseudo-collections without j) and for pairs seen in few collections (`support`), times the
    inverse document frequency of j (a popularity penalty on the neighbor side, as in BM25).
    """
    return c / (ni + w.shrink) * (r / (r + w.support)) * np.log((m + 1.0) / nj)


def _lmi(c, r, ni, nj, m, w):
    """lmi (default): s_ij = c_ij * r_ij / (r_ij + support) * max(0, ln(m r_ij / (n_i n_j)))  (local mutual information).

    The pointwise mutual information of i and j (how much more often they share a collection than
    chance), weighted by how often they do, so that a pair seen once does not outrank a strong one;
    pairs seen in few collections are shrunk (`support`), pairs seen no more than chance score 0.
    """
    return c * (r / (r + w.support)) * np.maximum(np.log(m * r / (ni * nj)), 0.0)


_SCORES = {
    "count": _count,
    "cosine": _cosine,
    "cosine_log": _cosine_log,
    "jaccard": _jaccard,
    "rp3beta": _rp3beta,
    "conditional_idf": _conditional_idf,
    "lmi": _lmi,
}
SCHEMES = tuple(_SCORES)


@dataclass(frozen=True)
class Weighting:
    """How co-occurrences become scores; the formulas are in the docstrings of this module's `_<scheme>` functions.

    scheme: one of SCHEMES (default lmi).
    alpha: collections weigh 1 / len**alpha (every scheme but rp3beta, which always uses 1 / len).
    beta: rp3beta's popularity exponent n_j**-beta (rp3beta only). Default 0.1, chosen under an earlier
        protocol; under the one below (seeds 0-2) 0.25 does better on Last.fm (0.279 against 0.272) and
        0, 0.1, 0.25 give 0.130, 0.130, 0.124 on goodbooks.
    shrink: pseudo-collections added to n_i (conditional_idf only).
    support: pair support shrinkage r_ij / (r_ij + support) (lmi and conditional_idf).

    Default: lmi, alpha 0, support 2, chosen on split seeds 0-2 and confirmed on 3-4 under the
    held-out protocol of `atlas.evaluate` (entities held by >= 2 collections, top-20 lists,
    item-kNN over lists divided by their top score, recall@20; `python tests/bench/quality.py
    --seeds 0 1 2 3 4` prints the table, README.md quotes it). Mean of seeds 0-4, recall@20 / NDCG@20:

    | lists | Last.fm | goodbooks |
    | --- | --- | --- |
    | popularity (no lists) | 0.118 / 0.137 | 0.076 / 0.047 |
    | raw counts | 0.253 / 0.303 | 0.134 / 0.095 |
    | cosine_log (cosine x log1p(count)) | 0.280 / 0.332 | 0.137 / 0.108 |
    | RP3beta, (a, b) tuned per dataset | 0.278 / 0.330 | 0.143 / 0.108 |
    | EASE, lambda tuned per dataset (300 / 1000) | 0.298 / 0.353 | 0.143 / 0.108 |
    | conditional_idf (shrink 5, support 2; the default before) | 0.285 / 0.338 | 0.144 / 0.110 |
    | **lmi, support 2** | **0.290 / 0.345** | **0.143 / 0.111** |

    lmi gained 0.005 recall on Last.fm on both seed sets over conditional_idf and lost 0.001 on
    goodbooks; support 1 or 4 and alpha 0.5 moved either by <= 0.001. Every pairwise score tried
    stayed under 0.30 on Last.fm (powers, popularity exponents, idf powers, lift and z-scores,
    play counts, per-entity penalties, mutual-neighbor boosts, 2-hop lists): even lmi lists of every
    co-occurring pair, not cut at 20, gave 0.304 on seeds 0-2. EASE (dense, so for a few ten
    thousand entities at most) is ahead on Last.fm. What passes it is not a score but a fit: the
    served lists are these lists refit by ridge regression (`atlas.refit`, 0.301 on Last.fm).
    """

    scheme: str = "lmi"
    alpha: float = 0.0
    beta: float = 0.1
    shrink: float = 5.0
    support: float = 2.0

    def __post_init__(self):
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme: expected one of {', '.join(SCHEMES)}, got {self.scheme!r}")
        for name in ("alpha", "beta", "shrink", "support"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ValueError(f"{name}: expected a number >= 0, got {v!r}")


def collection_weights(lengths: np.ndarray, w: Weighting) -> np.ndarray:
    """float32 (m,): the weight of each collection's contribution to its pairs, from int (m,) collection lengths."""
    lengths = np.maximum(np.asarray(lengths, dtype=np.float64), 1.0)
    if w.scheme == "rp3beta":
        return (1.0 / lengths).astype(np.float32)
    if w.alpha == 0:
        return np.ones(len(lengths), dtype=np.float32)
    return (lengths**-w.alpha).astype(np.float32)


def score(
    c: sp.csr_matrix,
    rows: np.ndarray,
    counts: np.ndarray,
    w: Weighting,
    raw: sp.csr_matrix | None = None,
    *,
    collections: int | None = None,
) -> sp.csr_matrix:
    """float32 csr (b, n): scores of a block of pairs, with the sparsity pattern of c.

    c: weighted co-occurrence (b, n) for entities `rows` int (b,); raw: unweighted counts with the same
    pattern in the same order (defaults to c); counts: float (n,) occurrences n_j of every entity;
    collections: m, the number of collections (required by conditional_idf and lmi).
    """
    c = sp.csr_matrix(c, dtype=np.float64)
    rows = np.asarray(rows)
    if rows.shape != (c.shape[0],):
        raise ValueError(f"rows: expected {c.shape[0]} entity ids, got shape {rows.shape}")
    counts = np.asarray(counts, dtype=np.float64)
    if counts.shape != (c.shape[1],):
        raise ValueError(f"counts: expected {c.shape[1]} occurrence counts, got shape {counts.shape}")
    if raw is None:
        rv = c.data
    else:
        if raw.shape != c.shape or raw.nnz != c.nnz:
            raise ValueError(f"raw: expected the pattern of c {c.shape} with {c.nnz} entries, got {raw.shape} with {raw.nnz}")
        rv = np.asarray(raw.data, dtype=np.float64)
    if w.scheme in ("conditional_idf", "lmi") and collections is None:
        raise ValueError(f"collections: the {w.scheme} scheme needs the number of collections m")
    m = float(collections) if collections is not None else math.nan
    r = np.repeat(np.arange(c.shape[0]), np.diff(c.indptr))
    cols = c.indices
    out = _SCORES[w.scheme](c.data, rv, counts[rows][r], counts[cols], m, w)
    return sp.csr_matrix((np.asarray(out, dtype=np.float32), cols.copy(), c.indptr.copy()), shape=c.shape)

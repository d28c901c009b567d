"""Refit: ridge weights for neighbor lists on the support their scores chose (a local, sparse EASE).

A pairwise score (`atlas.weights`) weighs each neighbor on its own, so two neighbors that share
most of their collections count twice when lists are summed ("what fits this set", item-kNN). The
refit keeps every list's entities and re-weighs them as a linear model that predicts each entity
from the entities that list it, as EASE (Steck 2019) does with all entities at once:

    for every entity j, R(j) = the entities whose list holds j (at most `cap`, the highest scores
    toward j first), and with G = X^T X (co-occurrence counts, G_ii = n_i)
        b = argmin ||x_j - X_R b||^2 + lam ||b||^2 = (G_RR + lam I)^-1 G_Rj,
    and i's list gives j the weight b_i.

Each list is then ordered by the new weights; entries whose weight is not positive (a neighbor the
others already explain, or a lister beyond the cap) leave it. Where no entry of a list stays
positive, the list keeps its best-scored entry, weighted by the smallest positive refit weight of
the whole run, so no entity loses all its neighbors.

On Last.fm (held-out protocol of `atlas.evaluate`, seeds 0-4) this lifts lmi lists from recall@20
0.290 to 0.301, past the dense EASE baseline (0.298); on goodbooks recall stays 0.143 and NDCG@20
drops 3% (0.111 to 0.108); `tests/bench/quality.py` prints the table. The cap matters for hubs,
whose weakest listers lose them: caps 32, 64, 128, 256 give 0.289, 0.298, 0.301, 0.301 on Last.fm.
Penalty lam = 0.15 m (m collections; 0.1 and 0.25 give the same to 0.001 on both datasets): a
fraction of m, so that the fit does not change when every collection is counted twice.
Cost: one sparse product X_U^T X_U per block of targets whose listers U fit `budget` entities, and
one |R(j)|-sized solve per entity.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp

from atlas import neighbors as nb


def _kernels():
    import numba

    @numba.njit(cache=True)
    def plan(starts, size, src, order, budget):
        """Cut the targets, taken in `order`, into blocks whose listers and targets number <= budget.

        Returns members (each block's entities, concatenated), block_t and block_m (each block's
        first place in order and in members; one more entry than blocks) and the number of blocks.
        """
        n = len(order)
        slot = np.full(n, -1, dtype=np.int64)
        members = np.empty(len(src) + n, dtype=np.int64)
        block_t = np.zeros(n + 1, dtype=np.int64)
        block_m = np.zeros(n + 1, dtype=np.int64)
        blocks = 0
        m = 0
        for p in range(n):
            t = order[p]
            new = 1 if slot[t] < 0 else 0
            for q in range(starts[t], starts[t] + size[t]):
                if slot[src[q]] < 0:
                    new += 1
            if m > block_m[blocks] and m - block_m[blocks] + new > budget:
                for q in range(block_m[blocks], m):
                    slot[members[q]] = -1
                blocks += 1
                block_t[blocks] = p
                block_m[blocks] = m
            for q in range(starts[t], starts[t] + size[t] + 1):
                i = src[q] if q < starts[t] + size[t] else t
                if slot[i] < 0:
                    slot[i] = m - block_m[blocks]
                    members[m] = i
                    m += 1
        if n:
            blocks += 1
            block_t[blocks] = n
            block_m[blocks] = m
        return members[:m], block_t[: blocks + 1], block_m[: blocks + 1], blocks

    @numba.njit(cache=True, parallel=True)
    def fit(u, targets, starts, size, src, indptr, indices, data, lam, slot, refit):
        """Solve (G_RR + lam I) b = G_Rj for each target j, G = the block's Gram matrix over u (csr, sorted)."""
        for a in range(len(u)):
            slot[u[a]] = a
        for p in numba.prange(len(targets)):
            t = targets[p]
            s = size[t]
            if s == 0:
                continue
            lo = starts[t]
            r = np.empty(s, dtype=np.int64)
            for a in range(s):
                r[a] = slot[src[lo + a]]
            a_ = np.zeros((s, s))
            rhs = np.zeros(s)
            col = slot[t]
            for a in range(s):
                row_lo, row_hi = indptr[r[a]], indptr[r[a] + 1]
                row = indices[row_lo:row_hi]
                for b in range(a, s + 1):  # G is symmetric: the upper triangle and the right-hand side
                    want = col if b == s else r[b]
                    x0 = row_lo + np.searchsorted(row, want)
                    v = data[x0] if x0 < row_hi and indices[x0] == want else 0.0
                    if b == s:
                        rhs[a] = v
                    else:
                        a_[a, b] = v
                        a_[b, a] = v
                a_[a, a] += lam
            sol = np.linalg.solve(a_, rhs)
            for a in range(s):
                refit[lo + a] = sol[a]
        for a in range(len(u)):
            slot[u[a]] = -1

    return plan, fit


_KERNELS = None


def ridge_refit(
    x: sp.spmatrix,
    lists: nb.Neighbors,
    lam: float,
    *,
    cap: int = 128,
    budget: int = 4096,
    progress: Callable[[int], None] | None = None,
) -> nb.Neighbors:
    """The lists' entities re-weighed by ridge regression (module docstring); best first, -1 padded.

    x: (m collections, n entities), any positive value means "holds"; lists: Neighbors over the same n
    entities (their weights only order the listers of an entity when there are more than `cap`);
    lam: ridge penalty > 0, in collections; cap: most listers per entity; budget: most entities in
    one block's Gram matrix (sparse, at most budget^2 entries); progress(done_entities) after each block.
    """
    if not sp.issparse(x) or x.ndim != 2:
        raise ValueError("x: expected a sparse (collections, entities) matrix")
    n, k = lists.ids.shape
    if x.shape[1] != n:
        raise ValueError(f"lists: expected lists for the {x.shape[1]} entities of x, got {n}")
    if not lam > 0:
        raise ValueError(f"lam: expected a number > 0, got {lam!r}")
    if cap < 1 or budget < cap + 1:
        raise ValueError(f"cap, budget: expected 1 <= cap < budget, got {cap}, {budget}")
    xb = sp.csc_matrix(x, dtype=np.float32, copy=True)  # counts up to 2^24 are exact
    xb.sum_duplicates()
    xb.data = (xb.data > 0).astype(np.float32)
    xb.eliminate_zeros()

    # Every (lister i, target j) entry, grouped by target, highest score first, ties to the lower lister.
    src = np.repeat(np.arange(n, dtype=np.int64), k)
    dst = lists.ids.ravel().astype(np.int64)
    score = lists.weight.ravel()
    keep = dst >= 0
    src, dst, score = src[keep], dst[keep], score[keep]
    by_target = np.lexsort((src, -score, dst))
    src, dst = src[by_target], dst[by_target]
    starts = np.searchsorted(dst, np.arange(n + 1))
    size = np.minimum(np.diff(starts), cap)
    refit = np.zeros(len(src))

    global _KERNELS
    if _KERNELS is None:
        _KERNELS = _kernels()
    plan, fit = _KERNELS
    # Targets listed by the same entities share listers: taking them in the order of their top
    # lister fills a block's Gram matrix with fewer entities.
    top = src[np.minimum(starts[:-1], len(src) - 1)] if len(src) else np.zeros(n, dtype=np.int64)
    order = np.argsort(np.where(size > 0, top, n), kind="stable")
    members, block_t, block_m, blocks = plan(starts, size, src, order, budget)
    slot = np.full(n, -1, dtype=np.int64)
    for b in range(blocks):
        u = members[block_m[b] : block_m[b + 1]]
        xu = xb[:, u]
        g = sp.csr_matrix(xu.T @ xu)
        g.sort_indices()
        fit(u, order[block_t[b] : block_t[b + 1]], starts, size, src, g.indptr.astype(np.int64), g.indices.astype(np.int64), g.data.astype(np.float64), float(lam), slot, refit)
        if progress:
            progress(int(block_t[b + 1] - block_t[b]))

    positive = refit > 0
    floor = float(refit[positive].min()) if positive.any() else 1.0
    weights = sp.csr_matrix((refit, (src, dst)), shape=(n, n))
    out = nb.topk(weights, k)
    # A list left empty keeps its best-scored entry.
    empty = (out.ids[:, 0] < 0) & (lists.ids[:, 0] >= 0)
    out.ids[empty, 0] = lists.ids[empty, 0]
    out.weight[empty, 0] = floor
    return out

"""Co-occurrence: from collections (playlists, reading lists) to scored top-k neighbor lists.

`X.T @ X` is computed one block of entity rows at a time and reduced to its top k at once, so
memory stays at one block of the co-occurrence matrix however many entities there are.

A block's product is a numba kernel (`_block_kernel`): for each entity row it walks the
collections holding the entity and sums into a dense accumulator, the weighted counts c and the
raw counts r together (one pass where scipy needed a second product for r), rows spread over
threads. Each row is summed in the same order as scipy's `csr @ csr` (collections ascending), so
the counts are the same bits; rows are independent, so the result does not depend on the number of
threads. Blocks hold at most `block` rows and at most `_BUDGET` candidate pairs (the sum over a
block's rows of the lengths of their collections, an upper bound on the block's nonzeros), so a
block of popular entities is cut shorter.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp

from atlas import neighbors as nb
from atlas.weights import Weighting, collection_weights, score

#: most candidate pairs per block: 8M entries of a few bytes each (about 100 MB with the scores)
_BUDGET = 1 << 23


def occurrences(x: sp.csr_matrix) -> np.ndarray:
    """int64 (n,): the number of collections that hold each entity."""
    xb = sp.csr_matrix(x, copy=True)
    xb.data[:] = 1
    return np.asarray(xb.sum(axis=0)).ravel().astype(np.int64)


def _block_kernel():
    import numba

    @numba.njit(cache=True, parallel=True)
    def block_product(xt_indptr, xt_indices, x_indptr, x_indices, cw, lo, bounds, offsets, n, out_idx, out_c, out_r, out_len):
        """Rows lo + r of X.T diag(cw) X (c) and X.T X (r) for r in chunks [bounds[t], bounds[t + 1]).

        Row r's nonzeros go to out_*[offsets[r] : offsets[r] + out_len[r]], columns in order of first touch.
        """
        for t in numba.prange(len(bounds) - 1):
            acc = np.zeros(n, dtype=np.float32)
            raw = np.zeros(n, dtype=np.float32)
            mark = np.full(n, -1, dtype=np.int64)
            for r in range(bounds[t], bounds[t + 1]):
                i = lo + r
                base = offsets[r]
                cnt = 0
                for p in range(xt_indptr[i], xt_indptr[i + 1]):
                    u = xt_indices[p]
                    wu = cw[u]
                    for q in range(x_indptr[u], x_indptr[u + 1]):
                        j = x_indices[q]
                        if mark[j] != r:
                            mark[j] = r
                            acc[j] = 0.0
                            raw[j] = 0.0
                            out_idx[base + cnt] = j
                            cnt += 1
                        acc[j] += wu
                        raw[j] += 1.0
                for s in range(cnt):
                    j = out_idx[base + s]
                    out_c[base + s] = acc[j]
                    out_r[base + s] = raw[j]
                out_len[r] = cnt

    @numba.njit(cache=True, parallel=True)
    def compact(offsets, out_len, indptr, out_idx, out_c, out_r, idx, c, raw):
        for r in numba.prange(len(out_len)):
            a, b = offsets[r], indptr[r]
            for s in range(out_len[r]):
                idx[b + s] = out_idx[a + s]
                c[b + s] = out_c[a + s]
                raw[b + s] = out_r[a + s]

    return block_product, compact


_KERNELS = None


def _chunks(work: np.ndarray, parts: int) -> np.ndarray:
    """int64 (<= parts + 1,): row bounds cutting rows of `work` into runs of about equal total work."""
    cum = np.concatenate([[0], np.cumsum(work)])
    cuts = np.searchsorted(cum, np.linspace(0, cum[-1], parts + 1)[1:-1], side="left")
    return np.unique(np.concatenate([[0], cuts, [len(work)]])).astype(np.int64)


def cooccurrence_neighbors(
    x: sp.csr_matrix,
    k: int,
    weighting: Weighting = Weighting(),
    *,
    block: int = 4096,
    progress: Callable[[int], None] | None = None,
) -> nb.Neighbors:
    """Top-k neighbors of every entity from collections x (m collections, n entities; any positive value means "holds").

    Returns Neighbors over n entities; progress(done_rows) is called after each block.
    """
    global _KERNELS
    if not sp.issparse(x) or x.ndim != 2:
        raise ValueError("x: expected a sparse (collections, entities) matrix")
    if block < 1:
        raise ValueError(f"block: expected int >= 1, got {block}")
    if _KERNELS is None:
        _KERNELS = _block_kernel()
    block_product, compact = _KERNELS
    xb = sp.csr_matrix(x, dtype=np.float32, copy=True)
    xb.sum_duplicates()
    xb.data[:] = 1
    m, n = xb.shape
    counts = np.asarray(xb.sum(axis=0)).ravel()
    lengths = np.diff(xb.indptr)
    cw = collection_weights(lengths, weighting).astype(np.float32)
    weighted = not np.all(cw == 1)
    xt = sp.csr_matrix(xb.T)
    xt.sort_indices()  # collections ascending in each row: scipy's order of summation
    xt_indptr, xt_indices = xt.indptr.astype(np.int64), xt.indices.astype(np.int64)
    x_indptr, x_indices = xb.indptr.astype(np.int64), xb.indices.astype(np.int32)
    work = np.asarray(xt @ lengths.astype(np.float64)).ravel().astype(np.int64)  # candidate pairs of each row
    threads = _threads()
    parts = []
    lo = 0
    while lo < n:
        hi = min(n, lo + block)
        cum = np.cumsum(work[lo:hi])
        fit = int(np.searchsorted(cum, _BUDGET, side="right"))
        hi = lo + max(1, min(hi - lo, fit))  # one row at least, however popular
        rows = np.arange(lo, hi)
        w = work[lo:hi]
        offsets = np.concatenate([[0], np.cumsum(w)]).astype(np.int64)
        out_idx = np.empty(offsets[-1], dtype=np.int32)
        out_c = np.empty(offsets[-1], dtype=np.float32)
        out_r = np.empty(offsets[-1], dtype=np.float32)
        out_len = np.zeros(hi - lo, dtype=np.int64)
        block_product(xt_indptr, xt_indices, x_indptr, x_indices, cw, lo, _chunks(w, 8 * threads), offsets, n, out_idx, out_c, out_r, out_len)
        indptr = np.concatenate([[0], np.cumsum(out_len)]).astype(np.int64)
        idx = np.empty(indptr[-1], dtype=np.int32)
        cv = np.empty(indptr[-1], dtype=np.float32)
        rv = np.empty(indptr[-1], dtype=np.float32)
        compact(offsets, out_len, indptr, out_idx, out_c, out_r, idx, cv, rv)
        del out_idx, out_c, out_r
        c = sp.csr_matrix((cv, idx, indptr), shape=(hi - lo, n))
        raw = sp.csr_matrix((rv, idx, indptr), shape=(hi - lo, n)) if weighted else c  # the same pattern in the same order
        parts.append(nb.topk(score(c, rows, counts, weighting, raw, collections=m), k, rows.astype(np.int32)))
        if progress:
            progress(hi - lo)
        lo = hi
    return nb.concat(parts) if parts else nb.Neighbors(np.zeros((0, k), dtype=np.int32), np.zeros((0, k), dtype=np.float32))


def _threads() -> int:
    import numba

    return int(numba.get_num_threads())

"""Co-occurrence: from collections (playlists, reading lists) to scored top-k neighbor lists.

`X.T @ X` is computed one block of entity rows at a time and reduced to its top k at once, so
memory stays at one block of the co-occurrence matrix however many entities there are.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp

from atlas import neighbors as nb
from atlas.weights import Weighting, collection_weights, score


def occurrences(x: sp.csr_matrix) -> np.ndarray:
    """int64 (n,): the number of collections that hold each entity."""
    xb = sp.csr_matrix(x, copy=True)
    xb.data[:] = 1
    return np.asarray(xb.sum(axis=0)).ravel().astype(np.int64)


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
    if not sp.issparse(x) or x.ndim != 2:
        raise ValueError("x: expected a sparse (collections, entities) matrix")
    xb = sp.csr_matrix(x, dtype=np.float32, copy=True)
    xb.sum_duplicates()
    xb.data[:] = 1
    counts = np.asarray(xb.sum(axis=0)).ravel()
    lengths = np.diff(xb.indptr)
    cw = collection_weights(lengths, weighting)
    xw = sp.diags(cw) @ xb
    xwt = sp.csr_matrix(xw.T)
    weighted = not np.all(cw == 1)
    xbt = sp.csr_matrix(xb.T) if weighted else xwt
    n = x.shape[1]
    parts = []
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        rows = np.arange(lo, hi)
        c = (xwt[lo:hi] @ xb).tocsr()
        raw = (xbt[lo:hi] @ xb).tocsr() if weighted else c
        if weighted:  # same sparsity pattern in the same order
            c.sort_indices()
            raw.sort_indices()
        parts.append(nb.topk(score(c, rows, counts, weighting, raw, collections=x.shape[0]), k, rows.astype(np.int32)))
        if progress:
            progress(hi - lo)
    return nb.concat(parts)

"""Top-k neighbor lists: the stage every other one reads ("related", the embedding's edges, the averager)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Neighbors:
    """ids int32 (n, k), best first, -1 where a row has fewer than k; weight float32 (n, k), 0 there."""

    ids: np.ndarray
    weight: np.ndarray

    @property
    def n(self) -> int:
        return self.ids.shape[0]

    @property
    def k(self) -> int:
        return self.ids.shape[1]

    def to_csr(self) -> sp.csr_matrix:
        """Directed kNN graph (n, n) with the scores as values; padding dropped."""
        n, k = self.ids.shape
        rows = np.repeat(np.arange(n, dtype=np.int32), k)
        cols = self.ids.ravel()
        keep = cols >= 0
        return sp.csr_matrix((self.weight.ravel()[keep], (rows[keep], cols[keep])), shape=(n, n))

    def permuted(self, order: np.ndarray) -> "Neighbors":
        """The same lists with entity `order[i]` renumbered `i` (rows and ids)."""
        inv = np.empty_like(order)
        inv[order] = np.arange(len(order), dtype=order.dtype)
        ids = self.ids[order]
        ids = np.where(ids >= 0, inv[np.maximum(ids, 0)], -1).astype(np.int32)
        return Neighbors(ids, self.weight[order])


def _topk_kernel():
    import numba

    @numba.njit(cache=True, parallel=True)
    def topk_rows(indptr, indices, data, row_ids, k, out_ids, out_w):
        # per row, a heap of the k best (score, id) with the worst at the root: O(nnz log k), any column order.
        # (v1, c1) is worse than (v2, c2) when v1 < v2 or (v1 == v2 and c1 > c2): a lower score, or a tie and a higher id.
        # (written out at each use: a jitted helper captured by this closure would defeat numba's cache)
        for r in numba.prange(len(indptr) - 1):
            me = row_ids[r]
            hv = np.empty(k, dtype=np.float32)
            hc = np.empty(k, dtype=np.int32)
            size = 0
            for p in range(indptr[r], indptr[r + 1]):
                v = data[p]
                col = indices[p]
                if col == me or not v > 0:
                    continue
                if size < k:  # sift up
                    at = size
                    size += 1
                    while at > 0:
                        up = (at - 1) // 2
                        if v < hv[up] or (v == hv[up] and col > hc[up]):
                            hv[at], hc[at] = hv[up], hc[up]
                            at = up
                        else:
                            break
                    hv[at], hc[at] = v, col
                elif hv[0] < v or (hv[0] == v and hc[0] > col):  # replace the root, sift down
                    at = 0
                    while True:
                        child = 2 * at + 1
                        if child >= size:
                            break
                        if child + 1 < size and (hv[child + 1] < hv[child] or (hv[child + 1] == hv[child] and hc[child + 1] > hc[child])):
                            child += 1
                        if hv[child] < v or (hv[child] == v and hc[child] > col):
                            hv[at], hc[at] = hv[child], hc[child]
                            at = child
                        else:
                            break
                    hv[at], hc[at] = v, col
            # pop the worst to the back: best first
            for end in range(size - 1, -1, -1):
                out_ids[r, end] = hc[0]
                out_w[r, end] = hv[0]
                v, col = hv[end], hc[end]
                at = 0
                while True:
                    child = 2 * at + 1
                    if child >= end:
                        break
                    if child + 1 < end and (hv[child + 1] < hv[child] or (hv[child + 1] == hv[child] and hc[child + 1] > hc[child])):
                        child += 1
                    if hv[child] < v or (hv[child] == v and hc[child] > col):
                        hv[at], hc[at] = hv[child], hc[child]
                        at = child
                    else:
                        break
                hv[at], hc[at] = v, col

    return topk_rows


_KERNEL = None


def topk(block: sp.csr_matrix, k: int, row_ids: np.ndarray | None = None) -> Neighbors:
    """Top-k columns of each row of `block` (b, n) by value, excluding `row_ids[r]` (the row's own entity).

    Ties break by ascending column id. Non-positive values are never neighbors. The columns of a
    row may come in any order.
    """
    global _KERNEL
    if k < 1:
        raise ValueError(f"k: expected int >= 1, got {k}")
    block = sp.csr_matrix(block)
    b = block.shape[0]
    if row_ids is None:
        row_ids = np.arange(b, dtype=np.int32)
    if len(row_ids) != b:
        raise ValueError(f"row_ids: expected {b} ids, got {len(row_ids)}")
    if _KERNEL is None:
        _KERNEL = _topk_kernel()
    ids = np.full((b, k), -1, dtype=np.int32)
    w = np.zeros((b, k), dtype=np.float32)
    _KERNEL(block.indptr.astype(np.int64), block.indices.astype(np.int32), block.data.astype(np.float32), np.asarray(row_ids, dtype=np.int32), k, ids, w)
    return Neighbors(ids, w)


def concat(parts: list[Neighbors]) -> Neighbors:
    return Neighbors(np.concatenate([p.ids for p in parts]), np.concatenate([p.weight for p in parts]))


def vector_neighbors(vectors: np.ndarray, k: int, *, block: int = 2048) -> Neighbors:
    """Exact top-k by cosine similarity of rows of vectors (n, d), brute force in blocks of rows."""
    v = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    u = v / np.where(norms > 0, norms, 1)
    n = len(u)
    k_eff = min(k, n - 1)
    ids = np.full((n, k), -1, dtype=np.int32)
    w = np.zeros((n, k), dtype=np.float32)
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        s = u[lo:hi] @ u.T
        s[np.arange(hi - lo), np.arange(lo, hi)] = -np.inf
        part = np.argpartition(-s, k_eff - 1, axis=1)[:, :k_eff] if k_eff < n else np.argsort(-s, axis=1)[:, :k_eff]
        ps = np.take_along_axis(s, part, 1)
        order = np.lexsort((part, -ps), axis=1)
        ids[lo:hi, :k_eff] = np.take_along_axis(part, order, 1)
        w[lo:hi, :k_eff] = np.take_along_axis(ps, order, 1)
    return Neighbors(ids, w)


def _descent_kernel():
    import numba

    @numba.njit(cache=True, parallel=True)
    def descend(u, ids, bounds, out_ids, out_w):
        """One NN-descent round: row i keeps the k most similar (dot product of unit rows u) among ids[i] and
        ids[ids[i]], best first, ties to the lower id. Rows are cut into ranges (bounds) run in parallel."""
        n, k = ids.shape
        dim = u.shape[1]
        for r in numba.prange(len(bounds) - 1):
            seen = np.full(n, -1, dtype=np.int64)  # seen[j] == i: j is already a candidate of row i
            for i in range(bounds[r], bounds[r + 1]):
                seen[i] = i
                m = 0
                for a in range(k + k * k):
                    j = ids[i, a] if a < k else (ids[ids[i, a // k - 1], a % k] if ids[i, a // k - 1] >= 0 else -1)
                    if j < 0 or seen[j] == i:
                        continue
                    seen[j] = i
                    sim = np.float32(0.0)
                    for d in range(dim):
                        sim += u[i, d] * u[j, d]
                    if m == k and (sim < out_w[i, k - 1] or (sim == out_w[i, k - 1] and j > out_ids[i, k - 1])):
                        continue
                    at = min(m, k - 1)
                    while at > 0 and (sim > out_w[i, at - 1] or (sim == out_w[i, at - 1] and j < out_ids[i, at - 1])):
                        out_w[i, at] = out_w[i, at - 1]
                        out_ids[i, at] = out_ids[i, at - 1]
                        at -= 1
                    out_w[i, at] = sim
                    out_ids[i, at] = j
                    m = min(m + 1, k)
                for t in range(m, k):
                    out_ids[i, t] = -1
                    out_w[i, t] = 0.0

    return descend


_DESCENT = None


def descend_neighbors(vectors: np.ndarray, start: Neighbors, *, rounds: int = 3) -> Neighbors:
    """Approximate cosine kNN of the rows of vectors (n, d), k = start.k, by NN-descent from the lists `start`.

    Each round, every entity keeps the k most similar (cosine) among its current list and its
    neighbors' lists; weight = cosine similarity. Deterministic, on any number of threads.
    Exact search (`vector_neighbors`) costs n^2; a round here costs n k^2. From the co-occurrence
    lists (k=20), 1, 2 and 3 rounds found 73%, 85% and 90% (lastfm) and 76%, 90% and 94% (goodbooks)
    of the exact 10 nearest.
    """
    global _DESCENT
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim != 2 or v.shape[0] != start.n:
        raise ValueError(f"vectors: expected shape ({start.n}, d) like start, got {v.shape}")
    if rounds < 1:
        raise ValueError(f"rounds: expected int >= 1, got {rounds}")
    if _DESCENT is None:
        _DESCENT = _descent_kernel()
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    u = np.ascontiguousarray(v / np.where(norms > 0, norms, 1))
    ids = np.ascontiguousarray(start.ids, dtype=np.int64)
    bounds = np.linspace(0, len(ids), min(64, len(ids)) + 1).astype(np.int64)
    for _ in range(rounds):
        out = np.empty_like(ids)
        w = np.empty(ids.shape, dtype=np.float32)
        _DESCENT(u, ids, bounds, out, w)
        ids = out
    return Neighbors(ids.astype(np.int32), w)

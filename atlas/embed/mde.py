"""Minimum-distortion embedding of the kNN edges: neighbors pull together, random pairs push apart.

The problem is PyMDE's `preserve_neighbors` (push-and-pull penalties over the kNN edges plus as
many sampled non-edges, centred), built directly from the neighbor lists. It is solved here by
stochastic gradient steps over edges with negative sampling in a numba kernel, the optimizer
UMAP uses: on this machine PyMDE's torch objective took about a second per evaluation for 20k
entities, which made a 300-iteration solve minutes long. `pymde_embedding` keeps the PyMDE route
for comparison (`[embedding] method = "pymde"`, and tests/bench/seed_recipe.py).

The kernel (`_kernel`) runs on all threads and gives the same result on any number of them: each
node moves only itself, toward and away from the others as they were at the start of the epoch,
with random draws of its own (see `sgd`). On 100k synthetic artists (tests/bench/build.py) the
embedding took 229 s before (one thread, 200 passes) and 6 s now (2 threads, 50 passes, see
`default_epochs`), with the planted communities kept as well.

Penalties, for an edge at distance d (a, b shape the curve; a = b = 1 is the Cauchy kernel):
- attractive  w · log(1 + a d^2b)
- repulsive   -γ · log(1 - 1 / (1 + a d^2b))
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from atlas.embed import Embedding
from atlas.neighbors import Neighbors


def knn_edges(nbrs: Neighbors) -> tuple[np.ndarray, np.ndarray]:
    """Undirected edges (E, 2) int64 with i < j, weight 2 where both list each other, else 1."""
    n, k = nbrs.ids.shape
    i = np.repeat(np.arange(n, dtype=np.int64), k)
    j = nbrs.ids.ravel().astype(np.int64)
    keep = j >= 0
    a, b = np.minimum(i[keep], j[keep]), np.maximum(i[keep], j[keep])
    code = a * n + b
    uniq, counts = np.unique(code, return_counts=True)
    return np.stack([uniq // n, uniq % n], axis=1), counts.astype(np.float32)


#: node ranges (of about equal edge counts) the SGD spreads over threads
RANGES = 64
#: directed edges below which the SGD runs on one thread: an epoch is then too short to pay for waking the others
#: (on a busy machine, waiting for them at each of hundreds of epochs took longer than the work)
PARALLEL_EDGES = 200_000


def _kernel():
    import numba

    @numba.njit(cache=True, fastmath=True, parallel=True)
    def sgd(y, indptr, tail, epochs_per_sample, n_epochs, negative_rate, a, b, gamma, lr0, seed, bounds):
        """Push-pull SGD over directed edges (indptr, tail), moving only each edge's head.

        A head moves as its edges are sampled, toward (and, for negative samples, away from) the
        other nodes as they were when the epoch began (a snapshot). Heads are cut into ranges
        (bounds) that run in parallel: no two threads write the same memory, nothing reads what
        another thread writes, and the random draws of a head come from a stream of (seed, epoch,
        head), so the result is the same on any number of threads and for any ranges.
        """
        n, dim = y.shape
        ranges = len(bounds) - 1
        next_sample = epochs_per_sample.copy()
        eps_neg = epochs_per_sample / negative_rate
        next_neg = eps_neg.copy()
        snap = np.empty_like(y)
        cauchy = b == 1.0
        lim = np.float32(4.0)
        a32, b32 = np.float32(a), np.float32(b)
        for epoch in range(1, n_epochs + 1):
            for r in numba.prange(ranges):
                snap[bounds[r] : bounds[r + 1]] = y[bounds[r] : bounds[r + 1]]
            lr = np.float32(lr0 * (1.0 - (epoch - 1) / n_epochs))
            for r in numba.prange(ranges):
                for i in range(bounds[r], bounds[r + 1]):
                    state = (np.uint64(i) | (np.uint64(epoch) << np.uint64(40))) ^ (np.uint64(seed) * np.uint64(0xD1B54A32D192ED03))
                    for e in range(indptr[i], indptr[i + 1]):
                        if next_sample[e] > epoch:
                            continue
                        j = tail[e]
                        d2 = np.float32(0.0)
                        for d in range(dim):
                            t = y[i, d] - snap[j, d]
                            d2 += t * t
                        if d2 > 0.0:
                            if cauchy:
                                g = np.float32(-2.0 * a / (a * d2 + 1.0))
                            else:
                                p = d2**b32
                                g = np.float32(-2.0) * a32 * b32 * (p / d2) / (a32 * p + np.float32(1.0))
                            for d in range(dim):
                                y[i, d] += min(lim, max(-lim, g * (y[i, d] - snap[j, d]))) * lr
                        next_sample[e] += epochs_per_sample[e]
                        n_neg = int((epoch - next_neg[e]) / eps_neg[e])
                        for _ in range(n_neg):
                            state += np.uint64(0x9E3779B97F4A7C15)  # splitmix64
                            z = (state ^ (state >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
                            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
                            bits = z ^ (z >> np.uint64(31))
                            k = np.int64(((bits >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))
                            if k == i:
                                continue
                            d2 = np.float32(0.0)
                            for d in range(dim):
                                t = y[i, d] - snap[k, d]
                                d2 += t * t
                            if d2 > 0.0:
                                ad2b = a32 * d2 if cauchy else a32 * d2**b32
                                g = np.float32(2.0 * gamma) * b32 / ((np.float32(0.001) + d2) * (ad2b + np.float32(1.0)))
                                for d in range(dim):
                                    y[i, d] += min(lim, max(-lim, g * (y[i, d] - snap[k, d]))) * lr
                        next_neg[e] += n_neg * eps_neg[e]
        return y

    return sgd


_SGD = None


def _ranges(indptr: np.ndarray, parts: int) -> np.ndarray:
    """int64 (parts + 1,): node bounds cutting the heads into `parts` runs of about equal edge counts."""
    n = len(indptr) - 1
    cuts = np.searchsorted(indptr, np.linspace(0, indptr[-1], parts + 1)[1:-1], side="left")
    return np.concatenate([[0], np.clip(cuts, 0, n), [n]]).astype(np.int64)


def optimize(edges: np.ndarray, weights: np.ndarray, init: np.ndarray, *, epochs: int, a: float = 1.0, b: float = 1.0, negative_rate: int = 5, gamma: float = 1.0, lr: float = 1.0, seed: int = 0) -> np.ndarray:
    """Positions (n, dims) float32 after `epochs` passes of push-pull SGD from `init`.

    edges (E, 2) int, weights (E,) > 0: an edge is sampled in proportion to its weight; each
    sample pulls both ends together (one step each, as two directed edges) and pushes each end
    from negative_rate / 2 random nodes. Deterministic for a seed, whatever the number of threads.
    """
    global _SGD
    if _SGD is None:
        _SGD = _kernel()
    edges = np.asarray(edges, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    y = np.ascontiguousarray(init, dtype=np.float32).copy()
    if len(edges) == 0:
        return y
    n = len(y)
    # both directions of every edge, grouped by head, tails ascending: the csr of the directed graph
    both = sp.csr_matrix((np.concatenate([w, w]), (np.concatenate([edges[:, 0], edges[:, 1]]), np.concatenate([edges[:, 1], edges[:, 0]]))), shape=(n, n))
    both.sort_indices()
    indptr = both.indptr.astype(np.int64)
    eps = both.data.max() / both.data
    bounds = _ranges(indptr, RANGES)
    import numba

    threads = numba.get_num_threads()
    if indptr[-1] < PARALLEL_EDGES:  # the same result on one thread, without a wait for the others at every epoch
        numba.set_num_threads(1)
    try:
        return _SGD(y, indptr, both.indices.astype(np.int64), eps, int(epochs), float(negative_rate) / 2.0, float(a), float(b), float(gamma), float(lr), int(seed), bounds)
    finally:
        numba.set_num_threads(threads)


def default_epochs(n: int) -> int:
    """Passes by size: UMAP's 500 up to 10k points and 200 up to 20k; beyond, 200 * 20k / n (at least 50), so that
    the passes cost about the same for any n.

    On 100k synthetic artists in 100 planted communities (tests/bench/build.py), 50 passes of the
    embedding and 50 of the layout kept the communities as well as 200 and 200 (0.998 vs 0.999 of
    each point's 10 nearest map neighbors in its community) at a quarter of the time.
    """
    if n <= 10_000:
        return 500
    return max(50, min(200, round(200 * 20_000 / n)))


def mde(nbrs: Neighbors, dims: int = 16, *, seed: int = 0, iterations: int = 0) -> Embedding:
    """Embedding (n, dims) preserving the neighbor lists; `iterations` passes (0: by size). Deterministic for a seed."""
    n = nbrs.n
    if n < 3:
        raise ValueError(f"nbrs: need at least 3 entities to embed, got {n}")
    edges, w = knn_edges(nbrs)
    if len(edges) == 0:
        raise ValueError("nbrs: no neighbor pairs to embed (every list is empty)")
    init = np.random.default_rng(seed).normal(scale=1e-2 * 10, size=(n, dims)).astype(np.float32)
    y = optimize(edges, w, init, epochs=iterations or default_epochs(n), seed=seed)
    y -= y.mean(axis=0)  # the Centered constraint
    return Embedding(y.astype(np.float32), "mde")


def pymde_embedding(nbrs: Neighbors, dims: int = 16, *, seed: int = 0, iterations: int = 300) -> Embedding:
    """The same problem solved by PyMDE (`pymde.MDE` from the kNN edges, spectral start, L-BFGS)."""
    import pymde
    import torch

    n = nbrs.n
    pymde.seed(seed)
    edges, w = knn_edges(nbrs)
    te, tw = torch.from_numpy(edges), torch.from_numpy(w)
    x0 = pymde.quadratic.spectral(n, dims, te, tw, max_iter=1000)
    neg = pymde.preprocess.sample_edges(n, min(len(edges), n * (n - 1) // 2 - len(edges)), exclude=te)
    te = torch.cat([te, neg])
    tw = torch.cat([tw, -torch.ones(neg.shape[0], dtype=tw.dtype)])
    f = pymde.penalties.PushAndPull(tw, attractive_penalty=pymde.penalties.Log1p, repulsive_penalty=pymde.penalties.Log)
    problem = pymde.MDE(n_items=n, embedding_dim=dims, edges=te, distortion_function=f, constraint=pymde.Centered())
    problem._X_init = x0 + 1e-4 * torch.randn(x0.shape, dtype=x0.dtype)
    x = problem.embed(max_iter=iterations, verbose=False)
    return Embedding(x.detach().cpu().numpy().astype(np.float32), "pymde")

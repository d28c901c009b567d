"""Minimum-distortion embedding of the kNN edges: neighbors pull together, random pairs push apart.

The problem is PyMDE's `preserve_neighbors` (push-and-pull penalties over the kNN edges plus as
many sampled non-edges, centred), built directly from the neighbor lists. It is solved here by
stochastic gradient steps over edges with negative sampling in a numba kernel, the optimizer
UMAP uses: on this machine PyMDE's torch objective took about a second per evaluation for 20k
entities, which made a 300-iteration solve minutes long. `pymde_embedding` keeps the PyMDE route
for comparison (`[embedding] method = "pymde"`, and tests/bench/seed_recipe.py).

Penalties, for an edge at distance d (a, b shape the curve; a = b = 1 is the Cauchy kernel):
- attractive  w · log(1 + a d^2b)
- repulsive   -γ · log(1 - 1 / (1 + a d^2b))
"""

from __future__ import annotations

import numpy as np

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


def _kernel():
    import numba

    @numba.njit(cache=True, fastmath=True)
    def sgd(y, head, tail, epochs_per_sample, n_epochs, negative_rate, a, b, gamma, lr0, seed):
        np.random.seed(seed)
        n, dim = y.shape
        m = len(head)
        next_sample = epochs_per_sample.copy()
        eps_neg = epochs_per_sample / negative_rate
        next_neg = eps_neg.copy()
        for epoch in range(1, n_epochs + 1):
            lr = lr0 * (1.0 - (epoch - 1) / n_epochs)
            for e in range(m):
                if next_sample[e] > epoch:
                    continue
                i, j = head[e], tail[e]
                d2 = 0.0
                for d in range(dim):
                    t = y[i, d] - y[j, d]
                    d2 += t * t
                if d2 > 0.0:
                    g = -2.0 * a * b * d2 ** (b - 1.0) / (a * d2**b + 1.0)
                    for d in range(dim):
                        step = min(4.0, max(-4.0, g * (y[i, d] - y[j, d]))) * lr
                        y[i, d] += step
                        y[j, d] -= step
                next_sample[e] += epochs_per_sample[e]
                n_neg = int((epoch - next_neg[e]) / eps_neg[e])
                for _ in range(n_neg):
                    k = np.random.randint(n)
                    if k == i:
                        continue
                    d2 = 0.0
                    for d in range(dim):
                        t = y[i, d] - y[k, d]
                        d2 += t * t
                    if d2 > 0.0:
                        g = 2.0 * gamma * b / ((0.001 + d2) * (a * d2**b + 1.0))
                        for d in range(dim):
                            y[i, d] += min(4.0, max(-4.0, g * (y[i, d] - y[k, d]))) * lr
                next_neg[e] += n_neg * eps_neg[e]
        return y

    return sgd


_SGD = None


def optimize(edges: np.ndarray, weights: np.ndarray, init: np.ndarray, *, epochs: int, a: float = 1.0, b: float = 1.0, negative_rate: int = 5, gamma: float = 1.0, lr: float = 1.0, seed: int = 0) -> np.ndarray:
    """Positions (n, dims) float32 after `epochs` passes of push-pull SGD from `init`.

    edges (E, 2) int, weights (E,) > 0: an edge is sampled in proportion to its weight.
    """
    global _SGD
    if _SGD is None:
        _SGD = _kernel()
    edges = np.asarray(edges, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float64)
    if len(edges) == 0:
        return np.asarray(init, dtype=np.float32).copy()
    eps = w.max() / w
    y = np.ascontiguousarray(init, dtype=np.float32).copy()
    return _SGD(y, edges[:, 0].copy(), edges[:, 1].copy(), eps, int(epochs), float(negative_rate), float(a), float(b), float(gamma), float(lr), int(seed))


def default_epochs(n: int) -> int:
    """UMAP's rule: 500 passes for small sets, 200 beyond 10k points."""
    return 500 if n <= 10000 else 200


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

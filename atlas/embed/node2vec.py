"""node2vec: biased second-order random walks over a weighted graph, then skip-gram on the walks.

A walk at node v, having come from t, steps to a neighbor x of v with probability proportional to
w(v, x) · α(t, x), where

- α = 1/p  if x = t             (return)
- α = 1     if x is a neighbor of t
- α = 1/q  otherwise            (outward)

The first step of a walk has no t and follows the weights alone. Large p makes walks return less;
small q makes them move outward (depth first); the defaults p = 2.5, q = 0.5 are those the Music
Galaxy ran with.

Steps are drawn by rejection sampling (as KnightKing and PecanPy do): a candidate x from the
weighted first-order distribution (binary search in the row's cumulative weights), accepted with
probability α(t, x) / max(1/p, 1, 1/q); "x is a neighbor of t" is a binary search in t's row. No
per-edge tables, so memory stays O(edges). Every walk has its own random stream (splitmix64
seeded from the seed and the walk's index; 32 bits pick a candidate, 32 accept it), so the walks
are the same for a seed whatever the number of threads.

A walk stops early at a node without out-edges (only in directed graphs, or at an isolated node,
whose walk is itself alone). Nodes on no walk of two or more nodes get a zero vector, as in
`atlas.embed.word2vec`. The skip-gram is gensim's, deterministic for a seed with `workers=1`; a
walk is a sequence, so gensim shrinks the window at random as usual (nearer nodes weigh more, and
it is a third less work than the full window).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from atlas.embed import Embedding
from atlas.embed.word2vec import _check, gensim_vectors, tokens


def _kernel():
    import numba

    # one function without closures (numba's cache misses on closures over other jitted functions)
    @numba.njit(cache=True, parallel=True)
    def walk(indptr, indices, cum, starts, length, inv_p, inv_q, seed, out, lens):
        top = max(inv_p, 1.0, inv_q)
        for w in numba.prange(len(starts)):
            state = np.uint64(seed) ^ (np.uint64(w) * np.uint64(0xD1B54A32D192ED03))
            v = starts[w]
            out[w, 0] = v
            t = -1
            n_steps = 1
            while n_steps < length:
                lo, hi = indptr[v], indptr[v + 1]
                if hi == lo:
                    break
                while True:
                    # splitmix64: the high 32 bits pick the candidate, the low 32 bits accept it
                    state = state + np.uint64(0x9E3779B97F4A7C15)
                    z = state
                    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
                    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
                    z = z ^ (z >> np.uint64(31))
                    u_pick = np.float64(z >> np.uint64(32)) * (1.0 / 4294967296.0)
                    u_accept = np.float64(z & np.uint64(0xFFFFFFFF)) * (1.0 / 4294967296.0)
                    # first position in [lo, hi) whose cumulative weight exceeds u_pick * the row's total
                    r = u_pick * cum[hi - 1]
                    a, b = lo, hi - 1
                    while a < b:
                        mid = (a + b) // 2
                        if cum[mid] > r:
                            b = mid
                        else:
                            a = mid + 1
                    x = indices[a]
                    if t < 0:
                        break
                    if x == t:
                        alpha = inv_p
                    else:
                        # is x a neighbor of t? binary search in t's sorted row
                        a, b = indptr[t], indptr[t + 1]
                        while a < b:
                            mid = (a + b) // 2
                            if indices[mid] < x:
                                a = mid + 1
                            else:
                                b = mid
                        alpha = 1.0 if a < indptr[t + 1] and indices[a] == x else inv_q
                    if u_accept * top < alpha:
                        break
                out[w, n_steps] = x
                n_steps += 1
                t = v
                v = x
            lens[w] = n_steps

    return walk


_WALK = None


def _graph(graph, name: str = "graph") -> sp.csr_matrix:
    if not sp.issparse(graph) or graph.ndim != 2 or graph.shape[0] != graph.shape[1]:
        raise ValueError(f"{name}: expected a sparse square (n, n) matrix, got {getattr(graph, 'shape', type(graph).__name__)}")
    g = sp.csr_matrix(graph, dtype=np.float64, copy=True)
    g.sum_duplicates()
    if g.nnz and (not np.isfinite(g.data).all() or g.data.min() < 0):
        raise ValueError(f"{name}: edge weights must be finite and >= 0")
    g.eliminate_zeros()
    g.sort_indices()
    return g


def random_walks(graph: sp.spmatrix, *, p: float = 2.5, q: float = 0.5, walk_length: int = 40, walks_per_node: int = 10, seed: int = 0) -> np.ndarray:
    """int32 (walks_per_node * n, walk_length): node2vec walks, -1 after a walk stops early.

    graph csr (n, n), weights >= 0 (row i: i's out-edges). Round r holds one walk from every node,
    in a seeded random order. The same seed gives the same walks.
    """
    global _WALK
    g = _graph(graph)
    if not p > 0 or not q > 0:
        raise ValueError(f"p, q: expected numbers > 0, got p={p!r}, q={q!r}")
    if walk_length < 1:
        raise ValueError(f"walk_length: expected int >= 1, got {walk_length!r}")
    if walks_per_node < 1:
        raise ValueError(f"walks_per_node: expected int >= 1, got {walks_per_node!r}")
    n = g.shape[0]
    seed = int(seed) % 2**32
    rng = np.random.default_rng(seed)
    starts = np.concatenate([rng.permutation(n) for _ in range(walks_per_node)]).astype(np.int64)
    # cumulative weights within each row
    cs = np.cumsum(g.data)
    before = np.concatenate([[0.0], cs])[g.indptr[:-1]]
    cum = cs - np.repeat(before, np.diff(g.indptr))
    if _WALK is None:
        _WALK = _kernel()
    out = np.full((len(starts), walk_length), -1, dtype=np.int32)
    lens = np.zeros(len(starts), dtype=np.int64)
    _WALK(g.indptr.astype(np.int64), g.indices.astype(np.int64), cum, starts, int(walk_length), 1.0 / p, 1.0 / q, np.uint64(seed), out, lens)
    return out


def walk_sentences(walks: np.ndarray, n: int) -> list[list[str]]:
    """Token lists of the walks (n, L) with >= 2 nodes, -1 padding dropped."""
    walks = np.asarray(walks)
    lens = (walks >= 0).sum(axis=1)
    full = tokens(n)[np.maximum(walks, 0)].tolist()
    return [row if k == walks.shape[1] else row[:k] for row, k in zip(full, lens) if k >= 2]


def node2vec(
    graph: sp.spmatrix,
    dims: int = 16,
    *,
    seed: int = 0,
    p: float = 2.5,
    q: float = 0.5,
    walk_length: int = 40,
    walks_per_node: int = 10,
    window: int = 5,
    negative: int = 5,
    epochs: int = 1,
    workers: int = 1,
) -> Embedding:
    """Embedding (n, dims) of the nodes of graph csr (n, n) (weights >= 0) by node2vec; row i is node i.

    p, q: return and in-out parameters. walk_length: nodes per walk. walks_per_node: walks started
    from each node. window, negative, epochs: the skip-gram's context size, noise words per pair
    and passes over the walks. workers: gensim threads; 1 is deterministic for a seed.
    """
    _check(dims, seed, workers, epochs, negative, 1)
    if window < 1:
        raise ValueError(f"window: expected int >= 1, got {window!r}")
    g = _graph(graph)
    n = g.shape[0]
    walks = random_walks(g, p=p, q=q, walk_length=walk_length, walks_per_node=walks_per_node, seed=seed)
    corpus = walk_sentences(walks, n)
    del walks
    vectors, _ = gensim_vectors(corpus, n, int(dims), sg=1, window=int(window), negative=negative, epochs=epochs, min_count=1, workers=workers, seed=int(seed) % 2**32, shrink=True)
    return Embedding(vectors, "node2vec")

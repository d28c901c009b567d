"""Layout: the embedding made into a 2D map or a 3D galaxy.

- `umap` (default): UMAP's layout step on a kNN graph: its a/b curve from `min_dist`, its
  edge-sampled SGD with negative sampling (the kernel in `embed/mde.py`), started from the PCA of
  the embedding so the map keeps the embedding's global shape.
- `umap-learn`: the umap-learn library on the embedding vectors (its own kNN; slower).
- `mde`: the kNN graph embedded straight into 2 or 3 dimensions from a random start.
- `pca`: the embedding projected (instant; also the 4-D → 3-D step of the Music Galaxy recipe).

The kNN graph (`graph`, for `umap` and `mde`):
- `both` (default): the two below side by side, up to 2 `n_neighbors` edges per entity.
- `embedding`: each entity's `n_neighbors` nearest in the embedding (cosine), found by NN-descent
  from the neighbor lists (`neighbors.descend_neighbors`); the map then draws the embedding it is
  judged against.
- `lists`: the first `n_neighbors` of the neighbor lists themselves (the only graph before).

Measured by tests/bench/layout.py (the `atlas eval` split; 2-D; mean of layout seeds 0, 1, 2 where
three are given, else seed 0): kNN preservation@10 and trustworthiness@10 against the embedding
(cosine), map recall@20 on held-out collections.

| data | graph, n_neighbors | preservation | trustworthiness | map recall |
| --- | --- | --- | --- | --- |
| lastfm | lists, 15 (before) | 0.326 | 0.949 | 0.078 |
| lastfm | embedding, 10 | 0.544 | 0.996 | 0.082 |
| lastfm | embedding, 15 | 0.495 | 0.995 | 0.077 |
| lastfm | both, 10 | 0.524 | 0.991 | 0.086 |
| lastfm | both, 5 | 0.509 | 0.984 | 0.080 |
| goodbooks | lists, 15 (before) | 0.315 | 0.917 | 0.053 |
| goodbooks | embedding, 10 | 0.557 | 0.993 | 0.069 |
| goodbooks | embedding, 15 | 0.500 | 0.992 | 0.067 |
| goodbooks | both, 10 | 0.541 | 0.987 | 0.072 |
| goodbooks | both, 5 | 0.516 | 0.976 | 0.075 |

`both` keeps a little less of the embedding's neighborhoods than `embedding` alone and predicts
held-out co-occurrence a little better on both data sets; its layout took 11.6 s on the 100k
benchmark (tests/bench/build.py) against 12.7 s for lists, 15 and 15.5 s for embedding, 10 (a busy
machine: load 4 to 5 on 2 cores).

The curve (min_dist 0 or 0.1, a = b = 1), negative samples (2, 5, 10) and epochs moved
preservation by 0.01 to 0.03 at most; the graph is what matters. On lastfm sklearn's t-SNE of the
same embedding kept 0.70 (map recall 0.092) in 200 s against 10 s here, and umap-learn (cosine)
0.60 in 100 s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atlas.embed import Embedding
from atlas.neighbors import Neighbors


@dataclass(frozen=True)
class Layout:
    """xy float32 (n, dims) with dims 2 or 3, centred, unit scale (the largest |coordinate| is 1)."""

    xy: np.ndarray
    method: str


def _normalise(xy: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy, dtype=np.float64)
    xy = xy - np.median(xy, axis=0)
    scale = np.max(np.abs(xy)) or 1.0
    return (xy / scale).astype(np.float32)


def pca(vectors: np.ndarray, dims: int) -> np.ndarray:
    """float64 (n, dims): projection on the top principal axes, signs fixed (largest loading positive)."""
    x = np.asarray(vectors, dtype=np.float64)
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    vt = vt[:dims]
    signs = np.sign(vt[np.arange(len(vt)), np.argmax(np.abs(vt), axis=1)])
    out = x @ (vt * signs[:, None]).T
    if out.shape[1] < dims:
        out = np.pad(out, ((0, 0), (0, dims - out.shape[1])))
    return out


def find_ab(min_dist: float, spread: float = 1.0) -> tuple[float, float]:
    """UMAP's curve 1 / (1 + a d^2b) fitted to exp(-(d - min_dist) / spread) beyond min_dist, 1 within."""
    from scipy.optimize import curve_fit

    x = np.linspace(0, spread * 3, 300)
    y = np.where(x < min_dist, 1.0, np.exp(-(x - min_dist) / spread))
    (a, b), _ = curve_fit(lambda x, a, b: 1.0 / (1.0 + a * x ** (2 * b)), x, y)
    return float(a), float(b)


METHODS = ("umap", "umap-learn", "mde", "pca")
GRAPHS = ("embedding", "lists", "both")
#: NN-descent rounds from the neighbor lists to the embedding's own neighbors (preservation on lastfm with 1, 2, 3:
#: 0.51, 0.54, 0.55)
DESCENT_ROUNDS = 3


def knn_graph(emb: Embedding, nbrs: Neighbors, graph: str, k: int) -> Neighbors:
    """The layout's kNN graph, k per entity from each source: the embedding's nearest (cosine, NN-descent from
    `nbrs`), `nbrs` itself, or both side by side (n, 2k)."""
    from atlas.neighbors import descend_neighbors

    k = min(k, nbrs.k)
    lists = Neighbors(nbrs.ids[:, :k], nbrs.weight[:, :k])
    if graph == "lists":
        return lists
    near = descend_neighbors(emb.vectors, nbrs, rounds=DESCENT_ROUNDS)
    near = Neighbors(near.ids[:, :k], near.weight[:, :k])
    return near if graph == "embedding" else Neighbors(np.concatenate([lists.ids, near.ids], axis=1), np.concatenate([lists.weight, near.weight], axis=1))


def layout(emb: Embedding, nbrs: Neighbors | None = None, *, method: str = "umap", dims: int = 2, n_neighbors: int = 10, min_dist: float = 0.1, seed: int = 0, epochs: int = 0, graph: str = "both") -> Layout:
    """Positions (n, dims) for the embedding `emb`; `nbrs` (the neighbor lists) give `umap` and `mde` their kNN graph (see `graph`)."""
    from atlas.embed.mde import default_epochs, knn_edges, mde, optimize

    if dims not in (2, 3):
        raise ValueError(f"dims: expected 2 or 3, got {dims}")
    if method not in METHODS:
        raise ValueError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    if graph not in GRAPHS:
        raise ValueError(f"graph: expected one of {', '.join(GRAPHS)}, got {graph!r}")
    v = emb.vectors
    n = v.shape[0]
    if method == "pca" or n <= dims + 2:
        return Layout(_normalise(pca(v, dims)), "pca")
    if method in ("umap", "mde") and nbrs is None:
        raise ValueError(f"nbrs: the {method} layout needs neighbor lists")
    if method == "mde":
        return Layout(_normalise(mde(knn_graph(emb, nbrs, graph, n_neighbors), dims, seed=seed).vectors), "mde")
    init = pca(v, dims)
    init = init / (np.abs(init).max() or 1.0) * 10
    if method == "umap":
        edges, w = knn_edges(knn_graph(emb, nbrs, graph, n_neighbors))
        a, b = find_ab(min_dist)
        xy = optimize(edges, w, init, epochs=epochs or default_epochs(n), a=a, b=b, seed=seed)
        return Layout(_normalise(xy), "umap")
    import umap

    model = umap.UMAP(n_components=dims, n_neighbors=min(n_neighbors, n - 1), min_dist=min_dist, init=init, random_state=seed, n_jobs=1, low_memory=True)
    return Layout(_normalise(model.fit_transform(v)), "umap-learn")

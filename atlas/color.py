"""Colors: a palette index per entity, from a metadata column or from clusters of the embedding."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

# A qualitative palette readable on dark and light backgrounds (Tableau 20 order, reshuffled).
PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896",
    "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5", "#393b79", "#637939",
]
OTHER = "#6b6b6b"
# A sequential ramp (viridis, 8 stops) for numeric columns.
RAMP = ["#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39", "#fde725"]


@dataclass(frozen=True)
class Colors:
    """index uint8 (n,) into palette; legend labels one per palette entry; column the source (or 'cluster')."""

    index: np.ndarray
    palette: list[str]
    legend: list[str]
    column: str


def kmeans(x: np.ndarray, k: int, *, seed: int = 0, iterations: int = 30) -> np.ndarray:
    """int64 (n,) cluster labels (k-means++ start, Lloyd steps), numbered by descending size."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    centers = [x[rng.integers(n)]]
    d2 = ((x - centers[0]) ** 2).sum(1)
    for _ in range(1, k):
        p = d2 / d2.sum() if d2.sum() > 0 else None
        centers.append(x[rng.choice(n, p=p)])
        d2 = np.minimum(d2, ((x - centers[-1]) ** 2).sum(1))
    c = np.array(centers)
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(iterations):
        d = (x**2).sum(1)[:, None] - 2 * x @ c.T + (c**2).sum(1)[None, :]
        new = d.argmin(1)
        if np.array_equal(new, labels) and _ > 0:
            break
        labels = new
        for j in range(k):
            m = labels == j
            if m.any():
                c[j] = x[m].mean(0)
    order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[labels]


def by_clusters(vectors: np.ndarray, k: int, seed: int = 0) -> Colors:
    labels = kmeans(vectors, k, seed=seed)
    m = int(labels.max()) + 1
    return Colors(labels.astype(np.uint8), [PALETTE[i % len(PALETTE)] for i in range(m)], [f"cluster {i + 1}" for i in range(m)], "cluster")


def by_column(values: list, column: str, max_categories: int = 20) -> Colors:
    """Categorical columns: the most frequent values get colors, the rest 'other'; numeric: 8 quantile bins."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present) and len(set(present)) > max_categories:
        arr = np.array([np.nan if v is None else float(v) for v in values])
        edges = np.nanquantile(arr, np.linspace(0, 1, len(RAMP) + 1))
        idx = np.clip(np.searchsorted(edges[1:-1], arr, side="right"), 0, len(RAMP) - 1)
        idx = np.where(np.isnan(arr), len(RAMP), idx)
        legend = [f"{_fmt(edges[i])}–{_fmt(edges[i + 1])}" for i in range(len(RAMP))] + ["missing"]
        return Colors(idx.astype(np.uint8), RAMP + [OTHER], legend, column)
    counts = Counter(str(v) for v in present)
    top = [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:max_categories]]
    slot = {v: i for i, v in enumerate(top)}
    other = len(top)
    idx = np.array([slot.get(str(v), other) if v is not None else other for v in values], dtype=np.uint8)
    palette = [PALETTE[i % len(PALETTE)] for i in range(len(top))]
    legend = list(top)
    if (idx == other).any():
        palette.append(OTHER)
        legend.append("other" if present else "missing")
    return Colors(idx, palette, legend, column)


def _fmt(x: float) -> str:
    return f"{x:.4g}"

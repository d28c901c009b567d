"""Source readers: one module per input kind, each returning a `Source`.

`read(spec)` dispatches on `[source].kind`; `select(source, min_count, max_entities)` applies the
`[filter]` section.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Source:
    """What a reader found.

    keys: n original ids (str); names: n display names; columns: metadata, name -> n values;
    collections: csr (m, n) float32, entity j in collection i (a weight, or 1);
    graph: csr (n, n) float32 symmetric (or directed) edge weights; vectors: float32 (n, d).
    Exactly one of collections, graph and vectors is set.
    """

    keys: list[str]
    names: list[str]
    columns: dict[str, list] = field(default_factory=dict)
    collections: sp.csr_matrix | None = None
    graph: sp.csr_matrix | None = None
    vectors: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.keys)

    def counts(self) -> np.ndarray:
        """int64 (n,): collections holding each entity, or degree in the graph, or 1 for vectors."""
        if self.collections is not None:
            return np.diff(sp.csc_matrix(self.collections).indptr).astype(np.int64)
        if self.graph is not None:
            return np.diff(self.graph.indptr).astype(np.int64)
        return np.ones(self.n, dtype=np.int64)


def subset(src: Source, keep: np.ndarray) -> Source:
    """The source restricted to entities `keep` (int indices, in that order)."""
    keep = np.asarray(keep, dtype=np.int64)
    pick = lambda xs: [xs[i] for i in keep]  # noqa: E731
    cols = {k: pick(v) for k, v in src.columns.items()}
    coll = graph = vec = None
    if src.collections is not None:
        coll = sp.csr_matrix(src.collections[:, keep])
        coll = coll[np.diff(coll.indptr) > 0]
    if src.graph is not None:
        graph = sp.csr_matrix(src.graph[keep][:, keep])
    if src.vectors is not None:
        vec = src.vectors[keep]
    return replace(src, keys=pick(src.keys), names=pick(src.names), columns=cols, collections=coll, graph=graph, vectors=vec)


def select(src: Source, min_count: int = 1, max_entities: int = 0) -> Source:
    """Entities with count >= min_count, the max_entities most frequent if > 0 (ties by original order)."""
    counts = src.counts()
    keep = np.flatnonzero(counts >= min_count)
    if max_entities and len(keep) > max_entities:
        order = np.argsort(-counts[keep], kind="stable")[:max_entities]
        keep = np.sort(keep[order])
    if len(keep) == src.n:
        return src
    return subset(src, keep)


def read(spec: dict, progress: Callable[[int, int], None] | None = None) -> Source:
    """Read the source named by the spec's `[source]` section."""
    kind = spec["source"]["kind"]
    if kind == "playlists":
        from atlas.sources.playlists import read_spec
    elif kind == "interactions":
        from atlas.sources.interactions import read_spec
    elif kind == "graph":
        from atlas.sources.graph import read_spec
    else:
        from atlas.sources.vectors import read_spec
    return read_spec(spec, progress)

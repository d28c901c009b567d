"""`atlas eval SPEC`: how good are the neighbor lists, the embedding and the map, on held-out data.

Protocol (atlas.evaluate), on the entities the spec's [filter] keeps: hold out 20% of the
collections with a fixed seed, build everything from the rest, query with half of each held-out
collection (item-kNN: the sum of the query's lists, each divided by its top score) and score the
hidden half (recall@20, NDCG@20). Rows, all from the same split:
- popularity, raw counts: baselines;
- rp3beta: a strong simple baseline (Paudel et al.);
- neighbors: the spec's lists, scored and refit (what the site serves as "related"); the embedding
  and the map follow the scored lists, as in a build;
- embedding: the k nearest in the spec's embedding (cosine);
- map: the k nearest points of the 2-D/3-D layout, i.e. what a reader sees as "close by".
Layout rows compare the layout with the embedding (cosine, as the embedding row): kNN preservation@10
and trustworthiness@10.
Graph sources use each node's closed neighborhood as a collection.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from atlas import spec as specs
from atlas.errors import DataError


def _layout_neighbors(xy: np.ndarray, k: int):
    """Neighbors by euclidean distance in the layout (exact, k-d tree); score = 1 / (1 + distance)."""
    from scipy.spatial import cKDTree

    from atlas.neighbors import Neighbors

    d, ids = cKDTree(xy).query(xy, k=k + 1)
    return Neighbors(ids[:, 1:].astype(np.int32), (1.0 / (1.0 + d[:, 1:])).astype(np.float32))


def collections_of(src) -> sp.csr_matrix:
    from atlas.commands.build import collections

    x = collections(src)
    if x is None:
        raise DataError("atlas eval needs collections or a graph; a vectors source has nothing to hold out")
    return x


def run(spec_path, *, seed: int = 0, holdout: float = 0.2, layout_quality: bool = True, embedding_options: dict | None = None) -> dict:
    """Figures as a dict (the --json output); deterministic for a spec and seed.

    `embedding_options` replace keys of the spec's [embedding] (tests/bench/methods.py compares methods).
    """
    from atlas import evaluate as ev
    from atlas.commands.build import embedding, served_lists, weighting
    from atlas.cooccur import cooccurrence_neighbors
    from atlas.layout import layout
    from atlas.neighbors import vector_neighbors
    from atlas.sources import read, select
    from atlas.weights import Weighting

    spec = specs.load(spec_path)
    if embedding_options:
        spec["embedding"] = {**spec["embedding"], **embedding_options}
    src = select(read(spec), spec["filter"]["min_count"], spec["filter"]["max_entities"])
    x = collections_of(src)
    k = spec["neighbors"]["k"]

    graph = src.graph is not None

    def scored(train):
        return cooccurrence_neighbors(train, k, weighting(spec["neighbors"], graph))

    at = 20
    seconds = {}
    t = time.perf_counter()
    producers = {"neighbors": lambda train, kk: served_lists(train, scored(train), spec["neighbors"], graph=graph), "rp3beta": lambda train, kk: _rp3(train, kk, Weighting)}
    res = ev.held_out(x, {}, producers=producers, k=k, at=at, holdout=holdout, seed=seed)
    seconds["neighbors"] = time.perf_counter() - t
    rows = [{"name": f.name, "recall": f.recall, "ndcg": f.ndcg} for f in res.results]
    out = {
        "spec": spec["site"]["name"],
        "protocol": {"holdout": holdout, "seed": seed, "at": at, "k": k, "entities": int(x.shape[1]), "train_collections": res.train_collections, "evaluated": res.evaluated},
        "neighbors": rows,
    }
    if layout_quality:
        t = time.perf_counter()
        split = ev.split_collections(x, holdout=holdout, seed=seed)
        from atlas.sources import Source

        nbrs = scored(split.train)
        train_src = Source(keys=src.keys, names=src.names, collections=split.train)
        seconds["lists"] = time.perf_counter() - t
        t = time.perf_counter()
        emb = embedding(train_src, nbrs, spec["embedding"], spec)
        seconds["embedding"] = time.perf_counter() - t
        t = time.perf_counter()
        lay = layout(emb, nbrs, method=spec["layout"]["method"], dims=spec["layout"]["dims"], n_neighbors=spec["layout"]["n_neighbors"], min_dist=spec["layout"]["min_dist"], seed=spec["layout"]["seed"], graph=spec["layout"]["graph"])
        seconds["layout"] = time.perf_counter() - t
        for name, lists in (("embedding", vector_neighbors(emb.vectors, k)), ("map", _layout_neighbors(lay.xy, k))):
            f = ev.evaluate_neighbors(name, lists, split, at)
            rows.append({"name": name, "recall": f.recall, "ndcg": f.ndcg})
        out["layout"] = {
            "embedding": emb.method,
            "method": lay.method,
            "dims": int(lay.xy.shape[1]),
            "knn_preservation@10": ev.knn_preservation(emb.vectors, lay.xy, 10, seed=seed, metric="cosine"),
            "trustworthiness@10": ev.trustworthiness(emb.vectors, lay.xy, 10, seed=seed, metric="cosine"),
        }
    out["seconds"] = {k2: round(v, 2) for k2, v in seconds.items()}
    return out


def _rp3(train, k, Weighting):
    from atlas.cooccur import cooccurrence_neighbors

    return cooccurrence_neighbors(train, k, Weighting(scheme="rp3beta"))


def table(fig: dict) -> str:
    p = fig["protocol"]
    lines = [
        f"{fig['spec']}: {p['entities']} entities, {p['train_collections']} training collections, {p['evaluated']} held out (seed {p['seed']})",
        f"  {'':<12} {'recall@' + str(p['at']):>10} {'ndcg@' + str(p['at']):>10}",
    ]
    for r in fig["neighbors"]:
        lines.append(f"  {r['name']:<12} {r['recall']:>10.4f} {r['ndcg']:>10.4f}")
    if "layout" in fig:
        lay = fig["layout"]
        lines.append(f"  layout ({lay['method']}, {lay['dims']}D): kNN preservation@10 {lay['knn_preservation@10']:.3f}, trustworthiness@10 {lay['trustworthiness@10']:.3f}")
    lines.append("  seconds: " + ", ".join(f"{k} {v}" for k, v in fig["seconds"].items()))
    return "\n".join(lines)

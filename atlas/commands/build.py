"""`atlas build SPEC`: the whole pipeline, spec to site, one stage after another."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from atlas import spec as specs
from atlas.errors import DataError
from atlas.progress import Progress


def weighting(cfg: dict, graph: bool = False):
    """The [neighbors] section's Weighting: "" and -1 leave a field at its measured default.

    The default scheme is lmi for collections and rp3beta for graphs (nodes' closed neighborhoods):
    on github-musae lmi lists recall 0.227 against rp3beta's 0.298, and the embedding and map that
    follow them 0.104 / 0.068 against 0.198 / 0.128 (`atlas eval`, seed 0; README "Graphs").
    """
    from atlas.weights import Weighting

    given = {k: v for k in ("scheme", "alpha", "beta", "shrink", "support") if (v := cfg.get(k, "")) not in ("", -1, -1.0)}
    if graph:
        given.setdefault("scheme", "rp3beta")
    return Weighting(**given)


def refit_method(cfg: dict, graph: bool = False) -> str:
    """[neighbors].refit with "auto" resolved: ridge for collections, none for graphs (where it lost recall: github 0.289 -> 0.267)."""
    if cfg["refit"] == "auto":
        return "none" if graph else "ridge"
    return cfg["refit"]


def collections(src) -> sp.csr_matrix | None:
    """The Source's collections (m, n); for a graph, each node's closed neighborhood (linked nodes and nodes sharing links co-occur); None for vectors."""
    if src.collections is not None:
        return src.collections
    if src.graph is not None:
        return sp.csr_matrix(src.graph + sp.identity(src.n, format="csr"), dtype=np.float32)
    return None


def neighbor_lists(src, cfg: dict, tick=None):
    """Top-k neighbor lists by score for a Source: the [neighbors] weighting over its collections, cosine for vectors.

    The embedding and the layout follow these; the site serves them as `served_lists` makes them.
    tick(done, total) counts entities.
    """
    from atlas.cooccur import cooccurrence_neighbors
    from atlas.neighbors import vector_neighbors

    if src.vectors is not None:
        return vector_neighbors(src.vectors, cfg["k"])
    x = collections(src)
    return cooccurrence_neighbors(x, cfg["k"], weighting(cfg, src.graph is not None), progress=_counter(tick, x.shape[1]))


def served_lists(x: sp.csr_matrix | None, lists, cfg: dict, tick=None, *, graph: bool = False):
    """The lists a site serves as "related": `lists` (scored from collections x) refit by ridge, or as they are.

    The refit (atlas/refit.py) predicts held-out co-occurrence better (Last.fm recall@20 0.290 -> 0.301),
    but a layout that followed its lists kept less (map recall on goodbooks 0.080 -> 0.071), so
    geometry follows the scores and only what is served is refit.
    """
    if x is None or refit_method(cfg, graph) == "none":
        return lists
    from atlas.refit import ridge_refit

    return ridge_refit(x, lists, cfg["ridge"] * x.shape[0], progress=_counter(tick, lists.n))


def _counter(tick, total: int):
    """progress(rows) for a stage's function: adds up the rows done and reports tick(done, total)."""
    done = [0]

    def progress(rows):
        done[0] += rows
        if tick:
            tick(done[0], total)

    return progress


def embedding(src, nbrs, cfg: dict, spec: dict):
    from atlas.embed import Embedding

    method = cfg["method"]
    if method == "vectors":
        if src.vectors is None:
            raise DataError(f"{specs.field_line(spec, 'embedding', 'method')}: \"vectors\" needs [source].kind = \"vectors\"")
        return Embedding(src.vectors, "vectors")
    if method == "mde":
        from atlas.embed.mde import mde

        return mde(nbrs, cfg["dims"], seed=cfg["seed"], iterations=cfg["iterations"])
    if method == "pymde":
        from atlas.embed.mde import pymde_embedding

        return pymde_embedding(nbrs, cfg["dims"], seed=cfg["seed"], iterations=cfg["iterations"] or 300)
    if method == "word2vec":
        from atlas.embed.word2vec import word2vec

        if src.collections is None:
            raise DataError(f"{specs.field_line(spec, 'embedding', 'method')}: word2vec needs collections (playlists or interactions)")
        return word2vec(src.collections, cfg["dims"], seed=cfg["seed"], window=cfg["window"], negative=cfg["negative"], epochs=cfg["iterations"] or 20, workers=cfg["workers"])
    if method == "lightgcn":
        from atlas.embed.lightgcn import lightgcn

        if src.vectors is not None:
            raise DataError(f"{specs.field_line(spec, 'embedding', 'method')}: lightgcn needs collections or a graph, not vectors")
        # a graph's nodes are collections of their closed neighborhoods, as for the neighbor lists
        x = collections(src)
        return lightgcn(x, cfg["dims"], seed=cfg["seed"], epochs=cfg["iterations"] or 20, layers=cfg["layers"], lr=cfg["lr"], decay=cfg["decay"], negative=cfg["negative"], threads=cfg["workers"])
    from atlas.embed.node2vec import node2vec

    graph = src.graph if src.graph is not None else nbrs.to_csr()
    return node2vec(graph, cfg["dims"], seed=cfg["seed"], p=cfg["p"], q=cfg["q"], walk_length=cfg["walk_length"], walks_per_node=cfg["walks_per_node"], window=cfg["window"] or 5, negative=cfg["negative"], epochs=cfg["iterations"] or 1, workers=cfg["workers"])


def resolved_spec(spec: dict) -> dict:
    """The spec as built, without the build machine's paths."""
    out = {k: v for k, v in spec.items() if not k.startswith("_")}
    out["spec_file"] = Path(spec["_path"]).name
    return out


def run(spec_path: Path, out: Path | None = None, progress: Progress | None = None) -> tuple[Path, dict]:
    """Build the site of `spec_path` into `out` (default build/<name>); returns (out, manifest)."""
    from atlas import site
    from atlas.averager import tables
    from atlas.color import by_clusters, by_column
    from atlas.layout import layout
    from atlas.pack import pack
    from atlas.sources import read, select

    progress = progress or Progress()
    spec = specs.load(spec_path)
    out = Path(out) if out else Path("build") / spec["site"]["name"]
    theme = site.find_theme(spec["site"]["theme"], Path(spec_path).resolve().parent)
    color_by = spec["color"]["by"]

    with progress.stage("read") as tick:
        src = read(spec, tick)
    with progress.stage("filter"):
        src = select(src, spec["filter"]["min_count"], spec["filter"]["max_entities"])
        if src.n < 3:
            raise DataError(f"{specs.field_line(spec, 'filter', 'min_count')}: only {src.n} entities left after filtering; need at least 3")
        if color_by != "cluster" and color_by not in src.columns:
            raise DataError(f"{specs.field_line(spec, 'color', 'by')}: no column {color_by!r} (columns: {', '.join(['cluster', *src.columns]) })")
    progress.note(f"  {src.n} entities" + (f", {src.collections.shape[0]} collections" if src.collections is not None else ""))
    with progress.stage("neighbors") as tick:
        nbrs = neighbor_lists(src, spec["neighbors"], tick)
    x = collections(src)
    graph = src.graph is not None
    if x is not None and refit_method(spec["neighbors"], graph) != "none":
        with progress.stage("refit") as tick:
            served = served_lists(x, nbrs, spec["neighbors"], tick, graph=graph)
    else:
        served = nbrs
    with progress.stage("embedding"):
        emb = embedding(src, nbrs, spec["embedding"], spec)
    with progress.stage("layout"):
        lay = layout(emb, nbrs, method=spec["layout"]["method"], dims=spec["layout"]["dims"], n_neighbors=spec["layout"]["n_neighbors"], min_dist=spec["layout"]["min_dist"], seed=spec["layout"]["seed"], graph=spec["layout"]["graph"])
    with progress.stage("pack"):
        counts = src.counts()
        packed = pack(lay.xy, counts)
        o = packed.order
        vectors = emb.vectors[o]
        clusters = by_clusters(vectors, spec["color"]["clusters"], seed=spec["embedding"]["seed"])
        columns = {c: [v[i] for i in o] for c, v in src.columns.items()}
        extra = [by_column(v, c) for c, v in columns.items()]
        main = clusters if color_by == "cluster" else next(c for c in extra if c.column == color_by)
        extra = [c for c in [clusters, *extra] if c is not main]
        data = site.SiteData(
            name=spec["site"]["name"],
            title=spec["site"]["title"],
            description=spec["site"]["description"],
            keys=[src.keys[i] for i in o],
            names=[src.names[i] for i in o],
            columns=columns,
            counts=counts[o],
            packed=packed,
            colors=main,
            extra_colors=extra,
            neighbors=served.permuted(o),
            averager=tables(vectors),
            n_collections=src.collections.shape[0] if src.collections is not None else 0,
            spec=resolved_spec(spec),
            stages=progress.seconds,
        )
    with progress.stage("labels"):  # region labels and popular names for the viewer (atlas/labels.py)
        from dataclasses import replace

        from atlas.labels import region_labels

        data = replace(data, labels=region_labels(clusters.index, data.names, data.counts, data.columns, packed.positions(), seed=spec["embedding"]["seed"]))
    with progress.stage("write"):
        man = site.write(data, out, theme)
    return out, man

"""Map quality by layout variant on real collections: kNN preservation@10, trustworthiness@10, map recall@20, seconds.

Run by hand from the repository root:

    python tests/bench/layout.py                          # lastfm and goodbooks, seed 0
    python tests/bench/layout.py --sites sites/demo.toml  # any spec with collections
    python tests/bench/layout.py --seeds 0 1 2            # layout seeds (the split and embedding keep seed 0)
    python tests/bench/layout.py --references             # also umap-learn and sklearn's t-SNE (minutes)

The protocol is `atlas eval`'s: 20% of the collections held out (seed 0), neighbor lists and the
spec's embedding built from the rest, then each variant lays out that one embedding. Preservation
and trustworthiness compare the layout with the embedding (cosine, 1,000 sampled entities); map
recall@20 recommends each held-out query's nearest map points. Seconds are the layout alone
(the kNN graph included), on this machine, with whatever else it is running.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from atlas import evaluate as ev  # noqa: E402
from atlas import layout as lay  # noqa: E402

#: (label, layout keyword arguments, NN-descent rounds); the first is the layout before `graph` existed
VARIANTS = (
    ("lists, 15 (before)", {"graph": "lists", "n_neighbors": 15}, 0),
    ("lists, 10", {"graph": "lists", "n_neighbors": 10}, 0),
    ("embedding, 10, 1 round", {"graph": "embedding", "n_neighbors": 10}, 1),
    ("embedding, 10, 2 rounds", {"graph": "embedding", "n_neighbors": 10}, 2),
    ("embedding, 10", {"graph": "embedding", "n_neighbors": 10}, 3),
    ("embedding, 15", {"graph": "embedding", "n_neighbors": 15}, 3),
    ("embedding, 5", {"graph": "embedding", "n_neighbors": 5}, 3),
    ("embedding, 10, min_dist 0", {"graph": "embedding", "n_neighbors": 10, "min_dist": 0.0}, 3),
    ("embedding, 10, 3D", {"graph": "embedding", "n_neighbors": 10, "dims": 3}, 3),
    ("both, 10 (default)", {"graph": "both", "n_neighbors": 10}, 3),
    ("both, 5", {"graph": "both", "n_neighbors": 5}, 3),
)


def prepare(spec_path: str):
    """(embedding, neighbor lists, split, k) as `atlas eval` builds them for its layout rows."""
    from atlas import spec as specs
    from atlas.commands.build import embedding, weighting
    from atlas.commands.eval import collections_of
    from atlas.cooccur import cooccurrence_neighbors
    from atlas.sources import Source, read, select

    spec = specs.load(spec_path)
    src = select(read(spec), spec["filter"]["min_count"], spec["filter"]["max_entities"])
    split = ev.split_collections(collections_of(src), holdout=0.2, seed=0)
    k = spec["neighbors"]["k"]
    nbrs = cooccurrence_neighbors(split.train, k, weighting(spec["neighbors"]))
    emb = embedding(Source(keys=src.keys, names=src.names, collections=split.train), nbrs, spec["embedding"], spec)
    return spec["site"]["name"], emb, nbrs, split, k


def tsne(vectors, seed: int):
    """sklearn's Barnes-Hut t-SNE (perplexity 30) of the unit vectors (euclidean there ~ cosine), from the PCA."""
    import numpy as np
    from sklearn.manifold import TSNE

    u = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    init = lay.pca(u, 2)
    return TSNE(2, perplexity=30, init=init / np.std(init[:, 0]) * 1e-4, random_state=seed, n_jobs=1).fit_transform(u)


def main() -> None:
    from atlas.commands.eval import _layout_neighbors

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sites", nargs="+", default=["sites/lastfm.toml", "sites/goodbooks.toml"])
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--references", action="store_true", help="also umap-learn (its own kNN of the vectors) and sklearn t-SNE")
    args = p.parse_args()
    variants = list(VARIANTS)
    if args.references:
        variants += [("umap-learn", {"method": "umap-learn", "n_neighbors": 15}, 0), ("t-SNE (sklearn)", None, 0)]
    default_rounds = lay.DESCENT_ROUNDS
    print("| data | variant | seed | kNN preservation@10 | trustworthiness@10 | map recall@20 | layout s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for path in args.sites:
        name, emb, nbrs, split, k = prepare(path)
        lay.layout(emb, nbrs, epochs=1)  # numba compiles (cached) before the first timing
        for label, kwargs, rounds in variants:
            for seed in args.seeds:
                lay.DESCENT_ROUNDS = rounds or default_rounds
                t = time.perf_counter()
                xy = lay.layout(emb, nbrs, seed=seed, **kwargs).xy if kwargs is not None else lay._normalise(tsne(emb.vectors, seed))
                seconds = time.perf_counter() - t
                lay.DESCENT_ROUNDS = default_rounds
                kp = ev.knn_preservation(emb.vectors, xy, 10, metric="cosine")
                tw = ev.trustworthiness(emb.vectors, xy, 10, metric="cosine")
                recall = ev.evaluate_neighbors("map", _layout_neighbors(xy, k), split, 20).recall
                print(f"| {name} | {label} | {seed} | {kp:.3f} | {tw:.3f} | {recall:.4f} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()

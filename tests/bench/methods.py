"""Embedding methods side by side: `atlas eval` of each method on each dataset, one table (the README's).

Run by hand from the repository root:

    python tests/bench/methods.py                                   # lastfm, goodbooks, polbooks; mde, lightgcn, word2vec, node2vec
    python tests/bench/methods.py --specs sites/lastfm.toml --methods mde lightgcn

Each cell is `atlas.commands.eval.run(spec, embedding_options={"method": m})` on split seed 0 (20%
of the collections held out; a graph's collections are its closed neighborhoods): held-out
recall@20 of the embedding's own 20 nearest (cosine) and of the 2-D map's 20 nearest points, the
map's kNN preservation@10 and trustworthiness@10 against the embedding, and the seconds of the
embedding and the layout (the neighbor lists, the same for every method, come first and are not
counted). node2vec runs on graph sources (on collections it would walk the neighbor lists' graph).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from atlas import spec as specs  # noqa: E402
from atlas.commands.eval import run  # noqa: E402

SPECS = ["sites/lastfm.toml", "sites/goodbooks.toml", "sites/polbooks.toml"]
METHODS = ["mde", "lightgcn", "word2vec", "node2vec"]
GRAPH_ONLY = {"node2vec"}
COLLECTIONS_ONLY = {"word2vec"}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--specs", nargs="+", default=SPECS)
    p.add_argument("--methods", nargs="+", default=METHODS, choices=["mde", "pymde", "lightgcn", "word2vec", "node2vec"])
    a = p.parse_args(argv)
    print("| data | method | lists r@20 | embedding r@20 | map r@20 | kNN pres@10 | trust@10 | embedding s | layout s |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for spec in a.specs:
        graph = specs.load(ROOT / spec)["source"]["kind"] == "graph"
        for m in a.methods:
            if (m in GRAPH_ONLY and not graph) or (m in COLLECTIONS_ONLY and graph):
                continue
            fig = run(ROOT / spec, embedding_options={"method": m})
            r = {row["name"]: row["recall"] for row in fig["neighbors"]}
            lay, s = fig["layout"], fig["seconds"]
            print(
                f"| {fig['spec']} | {m} | {r['neighbors']:.3f} | {r['embedding']:.3f} | {r['map']:.3f} | "
                f"{lay['knn_preservation@10']:.3f} | {lay['trustworthiness@10']:.3f} | {s['embedding']:.1f} | {s['layout']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Neighbor lists and maps of graph sources: the defaults before and now, raw counts and personalized PageRank.

Run by hand from the repository root:

    python tests/bench/graphs.py                      # the six graphs (github: seed 0 only)
    python tests/bench/graphs.py --graphs lesmis polbooks --seeds 0 1 2

A graph's collections are its nodes' closed neighborhoods (`atlas.commands.build.collections`); the
protocol is `atlas.evaluate` (20% held out, half of each queried, item-kNN over the lists, recall@20).
Rows: raw counts; "before", lmi lists with the ridge refit (the default for graphs until the
defaults were split by source kind); "now", RP3beta lists served as they are (the graph default);
"ppr", personalized PageRank over the node -> neighborhood -> node walk (forward push, restart
probability alpha, residual threshold eps times the node's number of neighborhoods), the baseline
the project's guide names for graphs. The map columns lay out the embedding of each list (the
spec's [embedding] and [layout]) and score its nearest points the same way. These are the README's
"Graphs" figures.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from atlas import evaluate as ev  # noqa: E402
from atlas import neighbors as nb  # noqa: E402
from atlas import spec as specs  # noqa: E402
from atlas.commands.build import collections, embedding  # noqa: E402
from atlas.commands.eval import _layout_neighbors  # noqa: E402
from atlas.cooccur import cooccurrence_neighbors  # noqa: E402
from atlas.layout import layout  # noqa: E402
from atlas.refit import ridge_refit  # noqa: E402
from atlas.sources import Source, read, select  # noqa: E402
from atlas.weights import Weighting  # noqa: E402

NEWMAN = ROOT.parent / "shared" / "data" / "newman-network-data"
GRAPHS = ["dolphins", "lesmis", "polbooks", "football", "netscience", "github"]
PPR = {"alpha": 0.5, "eps": 1e-5}  # best of alpha 0.3 / 0.5 on the small graphs; eps 1e-4 on github (minutes)


@functools.lru_cache(maxsize=1)
def _ppr_kernel():
    import numba

    @numba.njit(parallel=True, cache=True)
    def ppr(ent_indptr, ent_cols, col_indptr, col_ents, inv_len, n_of, alpha, eps, k, chunks, out_ids, out_w):
        n = len(ent_indptr) - 1
        for ci in numba.prange(len(chunks) - 1):
            p = np.zeros(n)
            r = np.zeros(n)
            queued = np.zeros(n, np.bool_)
            touched = np.empty(n, np.int64)
            queue = np.empty(n, np.int64)  # circular: a node is queued at most once at a time
            for s in range(chunks[ci], chunks[ci + 1]):
                r[s] = 1.0
                touched[0] = s
                nt = 1
                head, tail, size = 0, 1 % n, 1
                queue[0] = s
                queued[s] = True
                while size > 0:
                    u = queue[head]
                    head = (head + 1) % n
                    size -= 1
                    queued[u] = False
                    ru = r[u]
                    if ru <= eps * max(n_of[u], 1.0):
                        continue
                    p[u] += alpha * ru
                    r[u] = 0.0
                    if n_of[u] == 0:
                        continue
                    share = (1.0 - alpha) * ru / n_of[u]
                    for q in range(ent_indptr[u], ent_indptr[u + 1]):
                        c = ent_cols[q]
                        for q2 in range(col_indptr[c], col_indptr[c + 1]):
                            v = col_ents[q2]
                            if r[v] == 0.0 and p[v] == 0.0:
                                touched[nt] = v
                                nt += 1
                            r[v] += share * inv_len[c]
                            if not queued[v] and r[v] > eps * max(n_of[v], 1.0):
                                queue[tail] = v
                                tail = (tail + 1) % n
                                queued[v] = True
                                size += 1
                vals = np.empty(nt)
                for t in range(nt):
                    vals[t] = p[touched[t]] if touched[t] != s else 0.0
                order = np.argsort(-vals, kind="mergesort")
                for j in range(min(k, nt)):
                    if vals[order[j]] <= 0:
                        break
                    out_ids[s, j] = touched[order[j]]
                    out_w[s, j] = vals[order[j]]
                for t in range(nt):
                    v = touched[t]
                    p[v] = 0.0
                    r[v] = 0.0
                    queued[v] = False

    return ppr


def ppr_neighbors(x: sp.csr_matrix, k: int, alpha: float, eps: float) -> nb.Neighbors:
    """Top-k personalized PageRank of every entity over the walk entity -> collection -> entity (forward push)."""
    xb = sp.csr_matrix(x, dtype=np.float64)
    xb.data[:] = 1
    n = xb.shape[1]
    xt = sp.csr_matrix(xb.T)
    ids = np.full((n, k), -1, np.int32)
    w = np.zeros((n, k), np.float32)
    inv_len = 1.0 / np.maximum(np.diff(xb.indptr), 1).astype(np.float64)
    chunks = np.linspace(0, n, 65).astype(np.int64)
    _ppr_kernel()(xt.indptr.astype(np.int64), xt.indices.astype(np.int64), xb.indptr.astype(np.int64), xb.indices.astype(np.int64), inv_len, np.diff(xt.indptr).astype(np.float64), alpha, eps, k, chunks, ids, w)
    return nb.Neighbors(ids, w)


def spec_of(name: str, tmp: Path) -> dict:
    site = ROOT / "sites" / f"{name}.toml"
    if site.exists():
        return specs.load(site)
    path = tmp / f"{name}.toml"  # the Newman graphs without an example spec: polbooks' settings
    path.write_text(f'[site]\nname = "{name}"\ntitle = "{name}"\n\n[source]\nkind = "graph"\npath = "{(NEWMAN / name).as_posix()}.gml"\n\n[filter]\nmin_count = 1\n\n[neighbors]\nk = 10\n\n[embedding]\ndims = 8\n', encoding="utf-8")
    return specs.load(path)


def run(spec: dict, seed: int, maps: bool) -> dict[str, float]:
    """Recall@20 of each list (and map) on one split; "nodes": the graph's node count."""
    src = select(read(spec), spec["filter"]["min_count"], spec["filter"]["max_entities"])
    x = collections(src)
    k = spec["neighbors"]["k"]
    split = ev.split_collections(x, seed=seed)
    train = split.train
    lmi = cooccurrence_neighbors(train, k, Weighting())
    rp3 = cooccurrence_neighbors(train, k, Weighting("rp3beta"))
    eps = PPR["eps"] if x.shape[1] < 10_000 else 1e-4
    lists = {
        "raw counts": cooccurrence_neighbors(train, k, Weighting("count")),
        "before": ridge_refit(train, lmi, 0.15 * train.shape[0]),
        "now": rp3,
        "ppr": ppr_neighbors(train, k, PPR["alpha"], eps),
    }
    out = {"nodes": src.n} | {name: ev.evaluate_neighbors(name, lst, split).recall for name, lst in lists.items()}
    if maps:
        lay = spec["layout"]
        for name, scored in (("before", lmi), ("now", rp3)):
            emb = embedding(Source(keys=src.keys, names=src.names, collections=train), scored, spec["embedding"], spec)
            xy = layout(emb, scored, method=lay["method"], dims=lay["dims"], n_neighbors=lay["n_neighbors"], min_dist=lay["min_dist"], seed=lay["seed"], graph=lay["graph"]).xy
            out[f"map {name}"] = ev.evaluate_neighbors(name, _layout_neighbors(xy, k), split).recall
    return out


def main(argv: list[str] | None = None) -> None:
    import tempfile

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--graphs", nargs="+", default=GRAPHS, choices=GRAPHS)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4], help="split seeds (github takes the first only)")
    p.add_argument("--no-maps", dest="maps", action="store_false", help="lists only")
    a = p.parse_args(argv)
    cols = ["raw counts", "before", "now", "ppr"] + (["map before", "map now"] if a.maps else [])
    print(f"# recall@20, mean over seeds; ppr alpha {PPR['alpha']}, eps {PPR['eps']:g} (github 1e-4)")
    print(f"{'graph':<11} {'nodes':>6} " + " ".join(f"{c:>10}" for c in cols))
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.graphs:
            spec = spec_of(name, Path(tmp))
            seeds = a.seeds[:1] if name == "github" else a.seeds
            rows = [run(spec, s, a.maps) for s in seeds]
            print(f"{name:<11} {rows[0]['nodes']:>6} " + " ".join(f"{np.mean([r[c] for r in rows]):>10.3f}" for c in cols), flush=True)


if __name__ == "__main__":
    main()

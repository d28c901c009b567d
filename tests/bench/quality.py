"""Neighbor-list quality on real collections: scheme x dataset -> held-out recall@20, NDCG@20, seconds.

Run by hand from the repository root:

    python tests/bench/quality.py                     # seed 0, both datasets, EASE included
    python tests/bench/quality.py --seeds 0 1 2 3 4   # mean over seeds (the figures in atlas/weights.py)
    python tests/bench/quality.py --no-ease --datasets goodbooks

The protocol is `atlas.evaluate` (20% of collections held out, half of each one queried, item-kNN
over top-k lists, each divided by its top score), on the entities the example specs keep
(`--min-count 2`, as `[filter] min_count` in sites/lastfm.toml and sites/goodbooks.toml: 6,953
Last.fm artists, 6,069 books). Seconds are the time to build the lists from the training
collections (for popularity: to rank), on this machine, with whatever else it is running. EASE
inverts a dense n x n matrix (seconds at 7k entities, minutes with `--min-count 1` on Last.fm).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from atlas import evaluate as ev  # noqa: E402
from atlas.cooccur import cooccurrence_neighbors, occurrences  # noqa: E402
from atlas.refit import ridge_refit  # noqa: E402
from atlas.weights import Weighting  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def _collections(users: np.ndarray, items: np.ndarray) -> sp.csr_matrix:
    _, u = np.unique(users, return_inverse=True)
    _, i = np.unique(items, return_inverse=True)
    return sp.csr_matrix((np.ones(len(u), np.float32), (u, i)), shape=(u.max() + 1, i.max() + 1))


def lastfm() -> sp.csr_matrix:
    """1,892 users x 17,632 artists (user_artists.dat; play counts ignored)."""
    a = np.loadtxt(DATA / "lastfm-hetrec2011-2k" / "user_artists.dat", skiprows=1, dtype=np.int64)
    return _collections(a[:, 0], a[:, 1])


def goodbooks() -> sp.csr_matrix:
    """10,485 users x 6,978 books (the first 101,169 rows of to_read.csv)."""
    a = np.loadtxt(DATA / "goodbooks-10k" / "to_read_first101169rows.csv", skiprows=1, delimiter=",", dtype=np.int64)
    return _collections(a[:, 0], a[:, 1])


DATASETS = {"lastfm": lastfm, "goodbooks": goodbooks}

# name -> Weighting; "raw counts" (count, alpha 0) is the baseline every run includes
WEIGHTINGS = {
    "raw counts": ev.RAW_COUNTS,
    "cosine": Weighting("cosine"),
    "cosine_log": Weighting("cosine_log"),
    "jaccard": Weighting("jaccard"),
    "rp3beta beta=0.1": Weighting("rp3beta", beta=0.1),
    "cond_idf shrink=5 support=2": Weighting("conditional_idf"),
    "cond_idf alpha=0.5": Weighting("conditional_idf", alpha=0.5),
    "lmi support=1": Weighting("lmi", support=1),
    "lmi support=4": Weighting("lmi", support=4),
    "lmi alpha=0.5": Weighting("lmi", alpha=0.5),
    "lmi, support=2 (not refit)": Weighting(),
}
# EASE lambda and RP3beta's (a, b), tuned under the protocol on seeds 0-2 (recall@20): EASE over 100, 300,
# 1000 (lastfm 0.289 / 0.300 / 0.299, goodbooks 0.137 / 0.138 / 0.142); RP3beta over a in {.5, .75, 1},
# b in {0, .1, .25} (lastfm best 0.280 at (.5, .25), goodbooks 0.142 at (.5, .1)).
EASE_LAMBDA = {"lastfm": 300.0, "goodbooks": 1000.0}

# RP3beta with its transition exponent too (Paudel et al. 2017): s_ij = sum_u (1/n_i)^a (1/len_u)^a / n_j^b.
# The rp3beta scheme is a = 1.
RP3_TUNED = {"lastfm": (0.5, 0.25), "goodbooks": (0.5, 0.1)}


def rp3beta_neighbors(x: sp.csr_matrix, k: int, a: float, b: float):
    """Top-k RP3beta lists with exponent a on both transition probabilities (dense-free, whole X.T @ X)."""
    from atlas import neighbors as nb

    xb = sp.csr_matrix(x, dtype=np.float64)
    xb.data[:] = 1
    lengths = np.maximum(np.diff(xb.indptr), 1)
    counts = np.maximum(np.asarray(xb.sum(axis=0)).ravel(), 1)
    c = (xb.T @ sp.diags(lengths ** -float(a)) @ xb).tocsr()
    s = sp.diags(counts ** -float(a)) @ c @ sp.diags(counts ** -float(b))
    return nb.topk(sp.csr_matrix(s, dtype=np.float32), k)


def select(x: sp.csr_matrix, min_count: int) -> sp.csr_matrix:
    """The entities held by >= min_count collections (as atlas.sources.select, before any split)."""
    return sp.csr_matrix(x[:, occurrences(x) >= min_count])


def run(dataset: str, seed: int, k: int, at: int, ease: bool, min_count: int = 2, normalize: str = "max") -> list[tuple[str, float, float, float]]:
    x = select(DATASETS[dataset](), min_count)
    split = ev.split_collections(x, seed=seed)
    rows = []
    t = time.perf_counter()
    recs = ev.recommend_popular(split.train, split.query, at)
    f = ev.figures("popularity", recs, split, at)
    rows.append((f.name, f.recall, f.ndcg, time.perf_counter() - t))
    makers = {name: (lambda tr, k, w=w: cooccurrence_neighbors(tr, k, w)) for name, w in WEIGHTINGS.items()}
    a_, b_ = RP3_TUNED[dataset]
    makers[f"RP3beta a={a_:g} b={b_:g} (tuned)"] = lambda tr, k: rp3beta_neighbors(tr, k, a_, b_)
    # what atlas serves by default: lmi lists refit by ridge ([neighbors] refit = "ridge", ridge = 0.15)
    makers["default (lmi + ridge refit)"] = lambda tr, k: ridge_refit(tr, cooccurrence_neighbors(tr, k, Weighting()), 0.15 * tr.shape[0])
    if ease:
        lam = EASE_LAMBDA[dataset]
        makers[f"EASE lambda={lam:g}"] = lambda tr, k: ev.ease_neighbors(tr, k, lam)
    for name, make in makers.items():
        t = time.perf_counter()
        nb = make(split.train, k)
        seconds = time.perf_counter() - t
        f = ev.evaluate_neighbors(name, nb, split, at, normalize=normalize)
        rows.append((name, f.recall, f.ndcg, seconds))
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--k", type=int, default=20, help="neighbor list length (default 20)")
    p.add_argument("--at", type=int, default=20, help="recommendations per held-out collection (default 20)")
    p.add_argument("--min-count", type=int, default=2, help="keep entities held by >= this many collections (default 2, as the specs)")
    p.add_argument("--normalize", default="max", choices=ev.NORMALIZE, help="how item-kNN scales each list (default max: the protocol)")
    p.add_argument("--no-ease", dest="ease", action="store_false", help="skip EASE (slow on lastfm)")
    a = p.parse_args(argv)
    if not DATA.exists():
        sys.exit(f"{DATA}: missing; the benchmark needs the shared datasets")
    cooccurrence_neighbors(sp.csr_matrix(np.eye(3, dtype=np.float32)), 1)  # jit the top-k kernel outside the timings
    print(f"# held-out protocol: 20% of collections, query = half of each, k={a.k}, at={a.at}, min_count={a.min_count}, normalize={a.normalize}, seeds {a.seeds}")
    rec, nd = f"recall@{a.at}", f"NDCG@{a.at}"
    print(f"{'dataset':<10} {'scheme':<30} {rec:>9} {'±sd':>6} {nd:>9} {'±sd':>6} {'seconds':>8}")
    for dataset in a.datasets:
        per_seed = [run(dataset, s, a.k, a.at, a.ease, a.min_count, a.normalize) for s in a.seeds]
        for i, (name, *_) in enumerate(per_seed[0]):
            r = np.array([rows[i][1:] for rows in per_seed])
            sd = [f"{v:.3f}" for v in r.std(axis=0, ddof=1)] if len(r) > 1 else ["-"] * 3
            print(f"{dataset:<10} {name:<30} {r[:, 0].mean():>9.4f} {sd[0]:>6} {r[:, 1].mean():>9.4f} {sd[1]:>6} {r[:, 2].mean():>8.2f}", flush=True)


if __name__ == "__main__":
    main()

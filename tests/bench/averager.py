"""Averager figures: table format by dimension, between-ness, more_like recall. Run by hand from the repository root:

    python tests/bench/averager.py                          # all parts, dims 8 16 32, seed 0 (about 10 minutes on 2 busy cores)
    python tests/bench/averager.py --parts between          # one part: tables, between or more_like
    python tests/bench/averager.py --parts more_like --seeds 0 1 2 3 4
    python tests/bench/averager.py --dims 8 12 16 24 32 --seeds 0 1 2 3 4   # the figures in docs/averager.md (about 25 minutes)

Every table comes from the pipeline's own stages: neighbor lists `cooccurrence_neighbors(x, 20,
Weighting())` (the demo: its spec's [neighbors]), embedding `mde(lists, dims, seed=0)`, then
`atlas.averager.quantize`. Held-out figures use `atlas.evaluate.split_collections` (20% of the
users held out, half of each held-out user's items queried, recall@20 against the other half);
lists and embeddings come from the training users only.

- tables: per dims, on the training split of Last.fm and goodbooks: bytes per entity of the
  brotli-11 bundle (per-vector, per-dimension and one scale; entities in source order, so larger
  than in a built site, whose Z-order packs neighbors together; the demo line shows a real site),
  list preservation (share of an entity's top-10 list among its 20 nearest in the table, for 1,000
  seeded entities held 5+ times; float and int8) and more_like recall@20.
- between: Last.fm (all users) and the demo: 100 seeded pairs of entities held 10+ times, k = 10,
  candidates held 5+ times (the popularity filter). Ranks are 1-based positions in A's (B's) own
  ranking of all entities by table distance, as % of n; "worse" is the larger of the two. Co-occurrence:
  share of results that share a collection with both A and B, and their better rank in A's and
  B's full co-occurrence ranking (by the Weighting's score). Alternatives: farther distance = the
  smallest max(D(a, j), D(b, j)); midpoint = nearest to (A + B) / 2, i.e. the smallest
  D(a, j) + D(b, j). `between` minimizes the worse rank itself, so its "worse" column is the
  definition at work; the co-occurrence columns do not depend on the table.
- more_like: per dataset and seed: popularity, the neighbor-vote baseline (`atlas.evaluate.recommend`),
  its two parts alone (normalized votes; the table's summed kernel) and `more_like`.
- page: the queries in Chromium (themes/default/js/averager.js) on a synthetic site of --n entities
  (default 100,000; tests/browser.py synthetic_site with 16-dim tables): median milliseconds of 50
  queries measured in the page with performance.now() (files loaded first), for 5 pairs (between)
  and sets of 5 and 25 (more_like), and the tables' bytes per entity. `--parts page` alone takes
  about a minute.
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

from atlas import averager as av  # noqa: E402
from atlas import evaluate as ev  # noqa: E402
from atlas import formats as fm  # noqa: E402
from atlas.cooccur import cooccurrence_neighbors, occurrences  # noqa: E402
from atlas.embed.mde import mde  # noqa: E402
from atlas.sources.interactions import read_interactions  # noqa: E402
from atlas.weights import Weighting, score  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
K = 20
AT = 20


def lastfm() -> sp.csr_matrix:
    return read_interactions(DATA / "lastfm-hetrec2011-2k" / "user_artists.dat", 0, 1, "", "", "utf-8")[0]


def goodbooks() -> sp.csr_matrix:
    return read_interactions(DATA / "goodbooks-10k" / "to_read_first101169rows.csv", 0, 1, "", "", "utf-8")[0]


DATASETS = {"lastfm": lastfm, "goodbooks": goodbooks}
_CACHE: dict = {}


def embedded(dataset: str, seed: int | None, dims: int):
    """(x, lists, counts, vectors) of a dataset, on the training split of `seed` (None: all collections); cached for the run."""
    key = (dataset, seed, dims)
    if key not in _CACHE:
        x = DATASETS[dataset]()
        split = ev.split_collections(x, seed=seed) if seed is not None else None
        train = split.train if split else x
        lists = cooccurrence_neighbors(train, K, Weighting())
        t = time.perf_counter()
        vectors = mde(lists, dims, seed=0).vectors
        print(f"  ({dataset}{'' if seed is None else f' split {seed}'}: {dims}-dim embedding of {lists.n} entities in {time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
        _CACHE[key] = (split if split else x, lists, occurrences(train), vectors)
    return _CACHE[key]


def demo():
    """(x, lists, counts, vectors) of sites/demo.toml as `atlas build` makes them (before its Z-order)."""
    if "demo" not in _CACHE:
        from atlas import spec as specs
        from atlas.commands.build import embedding, neighbor_lists
        from atlas.sources import read, select

        spec = specs.load(ROOT / "sites" / "demo.toml")
        src = select(read(spec), spec["filter"]["min_count"], spec["filter"]["max_entities"])
        lists = neighbor_lists(src, spec["neighbors"])
        t = time.perf_counter()
        vectors = embedding(src, lists, spec["embedding"], spec).vectors
        print(f"  (demo: {vectors.shape[1]}-dim embedding of {lists.n} entities in {time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
        _CACHE["demo"] = (src.collections, lists, src.counts(), vectors)
    return _CACHE["demo"]


# ------------------------------------------------------------------------------------------ tables


def bundle_bytes(q: np.ndarray, scale: np.ndarray) -> int:
    return len(fm.encode_bundle("averager", {"q": q, "scale": scale}, {"dims": q.shape[1]}))


def scheme_bytes(v: np.ndarray) -> dict[str, float]:
    """Bytes per entity of the averager bundle for per-vector, per-dimension and one scale."""
    n = len(v)
    v = v.astype(np.float64)
    s = np.abs(v).max(axis=1) / 127
    s[s == 0] = 1
    per_vector = bundle_bytes(np.rint(v / s[:, None]).astype(np.int8), s.astype(np.float32))
    s = np.abs(v).max(axis=0) / 127
    s[s == 0] = 1
    per_dim = bundle_bytes(np.rint(v / s[None]).astype(np.int8), s.astype(np.float32))
    d = av.tables(v)
    return {"per-vector": per_vector / n, "per-dim": per_dim / n, "one scale": bundle_bytes(d["q"], d["scale"]) / n}


def preservation(vectors: np.ndarray, lists, counts: np.ndarray, sample: int = 1000) -> float:
    """Mean share of an entity's top-10 list among its 20 nearest in `vectors`, for seeded entities held 5+ times."""
    rows = np.random.default_rng(0).choice(np.flatnonzero(counts >= 5), sample, replace=False)
    v = vectors.astype(np.float64)
    sq = (v**2).sum(1)
    d = sq[rows, None] + sq[None] - 2 * v[rows] @ v.T
    d[np.arange(len(rows)), rows] = np.inf
    d[:, counts == 0] = np.inf
    near = np.argsort(d, axis=1, kind="stable")[:, :20]
    out = []
    for i, r in enumerate(rows):
        top = lists.ids[r, :10]
        top = top[top >= 0]
        out.append(len(np.intersect1d(near[i], top)) / max(1, len(top)))
    return float(np.mean(out))


def more_like_recall(t: av.Tables, lists, split: ev.Split, counts: np.ndarray, scorer=None) -> float:
    q = split.query
    recs = np.full((q.shape[0], AT), -1, dtype=np.int32)
    for r in range(q.shape[0]):
        query = q.indices[q.indptr[r] : q.indptr[r + 1]]
        ids = (scorer or _more_like)(t, lists, query, counts)
        recs[r, : len(ids)] = ids
    return float(np.nanmean(ev.rank_metrics(recs, split.hidden, AT)[0]))


def _more_like(t, lists, query, counts):
    return av.more_like(t, lists, query, AT, popularity=counts, min_count=1)[0]


def part_tables(dims: list[int]) -> None:
    print("\n## tables: one dimension per row (training split 0; bytes per entity, brotli 11, source order)")
    print(f"{'dataset':<10} {'dims':>4} {'per-vector':>10} {'per-dim':>8} {'one scale':>9}   {'list kept float':>15} {'int8':>6}   {'more_like r@20':>14}")
    for dataset in DATASETS:
        for d in dims:
            split, lists, counts, v = embedded(dataset, 0, d)
            b = scheme_bytes(v)
            t = av.quantize(v)
            print(
                f"{dataset:<10} {d:>4} {b['per-vector']:>10.2f} {b['per-dim']:>8.2f} {b['one scale']:>9.2f}   "
                f"{preservation(v, lists, counts):>15.3f} {preservation(t.vectors(), lists, counts):>6.3f}   {more_like_recall(t, lists, split, counts):>14.4f}",
                flush=True,
            )
    site = ROOT / "build" / "demo" / "averager.bin.br"
    if site.exists():
        b = fm.decode_bundle(site.read_bytes(), name=str(site), kind="averager")
        v = b.arrays["q"].astype(np.float64) * b.arrays["scale"][:, None]
        sb = scheme_bytes(v)
        print(
            f"{'demo site':<10} {v.shape[1]:>4} {sb['per-vector']:>10.2f} {sb['per-dim']:>8.2f} {sb['one scale']:>9.2f}   "
            f"(build/demo's table in its Z-order; the file itself: {site.stat().st_size / len(v):.2f} bytes per entity, scheme {b.attrs.get('scheme')!r})"
        )


# ----------------------------------------------------------------------------------------- between


def _rank(d: np.ndarray, me: int, j: np.ndarray) -> np.ndarray:
    """1-based rank of each j in entity me's ranking of all others by d ascending, ties by ascending id."""
    d = d.astype(np.float64).copy()
    d[me] = -np.inf
    order = np.lexsort((np.arange(len(d)), d))
    pos = np.empty(len(d), dtype=np.int64)
    pos[order] = np.arange(len(d))
    return pos[j]


def _cooc(x: sp.csr_matrix, entities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(held, rank) (len(entities), n): shares a collection with the entity; 1-based rank by the Weighting's score (unseen: the tail's mean rank)."""
    xb = sp.csr_matrix(x, dtype=np.float32, copy=True)
    xb.data[:] = 1
    counts = np.asarray(xb.sum(axis=0)).ravel()
    c = (sp.csr_matrix(xb.T)[entities] @ xb).tocsr()
    s = score(c, entities, counts, Weighting(), collections=xb.shape[0]).toarray()
    n = s.shape[1]
    s[np.arange(len(entities)), entities] = 0
    rank = np.empty(s.shape)
    for i in range(len(entities)):
        order = np.lexsort((np.arange(n), -s[i]))
        rank[i, order] = np.arange(1, n + 1)
        zero = s[i] <= 0
        rank[i, zero] = (n - zero.sum() + 1 + n) / 2
    return s > 0, rank


def betweenness(name: str, x: sp.csr_matrix, counts: np.ndarray, vectors: np.ndarray, pairs: int = 100, k: int = 10) -> None:
    t = av.quantize(vectors)
    n = t.n
    rng = np.random.default_rng(0)
    pool = np.flatnonzero(counts >= 10)
    ab = np.array([rng.choice(pool, 2, replace=False) for _ in range(pairs)])
    held, crank = _cooc(x, ab.ravel())
    eligible = np.flatnonzero(counts >= 5)
    rows = {"between (mix 0.5)": [], "farther distance": [], "midpoint": [], "random": []}
    for p, (a, b) in enumerate(ab):
        da, db = t.sq_distances(a), t.sq_distances(b)
        cand = eligible[(eligible != a) & (eligible != b)]
        nearest = lambda cost: cand[np.lexsort((cand, cost[cand]))[:k]]  # noqa: E731
        picks = {
            "between (mix 0.5)": av.between(t, int(a), int(b), k=k, popularity=counts, min_count=5)[0],
            "farther distance": nearest(np.maximum(da, db)),
            "midpoint": nearest(da + db),
            "random": rng.choice(cand, k, replace=False),
        }
        for m, j in picks.items():
            rows[m].append(np.stack([_rank(da, a, j), _rank(db, b, j), held[2 * p, j] & held[2 * p + 1, j], np.minimum(crank[2 * p, j], crank[2 * p + 1, j])]))
    print(f"{name} ({n} entities, {pairs} pairs, k={k}; ranks as % of n)")
    print(f"  {'method':<18} {'rank in A':>9} {'in B':>6} {'worse':>6} {'better':>6} {'|log2 rA/rB|':>12}   {'co-occurs with both':>19} {'better co-occ. rank':>19}")
    for m, r in rows.items():
        r = np.concatenate(r, axis=1)
        ra, rb = r[0], r[1]
        pct = lambda v: 100 * np.median(v) / n  # noqa: E731
        print(
            f"  {m:<18} {pct(ra):>8.1f}% {pct(rb):>5.1f}% {pct(np.maximum(ra, rb)):>5.1f}% {pct(np.minimum(ra, rb)):>5.1f}% {np.median(np.abs(np.log2(ra / rb))):>12.2f}   "
            f"{100 * r[2].mean():>18.1f}% {pct(r[3]):>18.1f}%",
            flush=True,
        )


def part_between() -> None:
    print("\n## between: median over pairs and results")
    x, _, counts, v = embedded("lastfm", None, 16)
    betweenness("lastfm", x, counts, v)
    x, _, counts, v = demo()
    betweenness("demo", x, counts, v)


# --------------------------------------------------------------------------------------- more_like


def part_more_like(seeds: list[int]) -> None:
    print(f"\n## more_like: held-out recall@{AT} (16 dims, table int8 one scale)")
    names = ["popularity", "neighbor votes (baseline)", "normalized votes alone", "table alone (summed kernel)", "more_like"]
    print(f"{'dataset':<10} {'seed':>4} " + " ".join(f"{h:>{max(10, len(h))}}" for h in names) + f" {'gain':>7}")
    for dataset in DATASETS:
        per_seed = []
        for seed in seeds:
            split, lists, counts, v = embedded(dataset, seed, 16)
            t = av.quantize(v)

            def part(which):
                def f(t, lists, query, counts):
                    ok = counts >= 1
                    q = np.unique(query)
                    ok[q] = False
                    s = av._votes(lists, q) if which == "votes" else av._near(t, q)
                    return av._best(s, ok, AT, lowest=False)

                return f

            r = [
                ev.figures("popularity", ev.recommend_popular(split.train, split.query, AT), split, AT).recall,
                ev.evaluate_neighbors("votes", lists, split, AT).recall,
                more_like_recall(t, lists, split, counts, part("votes")),
                more_like_recall(t, lists, split, counts, part("near")),
                more_like_recall(t, lists, split, counts),
            ]
            per_seed.append(r)
            print(f"{dataset:<10} {seed:>4} " + " ".join(f"{v:>{max(10, len(h))}.4f}" for v, h in zip(r, names)) + f" {100 * (r[4] / r[1] - 1):>+6.1f}%", flush=True)
        if len(seeds) > 1:
            m = np.mean(per_seed, axis=0)
            print(f"{dataset:<10} {'mean':>4} " + " ".join(f"{v:>{max(10, len(h))}.4f}" for v, h in zip(m, names)) + f" {100 * (m[4] / m[1] - 1):>+6.1f}%", flush=True)


def part_page(n: int) -> None:
    import tempfile

    from playwright.sync_api import sync_playwright

    from tests.browser import DESKTOP, Visit, launch, serve, synthetic_site

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        folder = synthetic_site(Path(tmp) / "page", n, averager_dims=16, seed=3)
        size = (folder / "averager.bin.br").stat().st_size
        print(f"\n## page: {n:,} entities, 16 dims (site written in {time.perf_counter() - t0:.0f} s)")
        print(f"averager.bin.br: {size:,} bytes, {size / n:.2f} bytes per entity (budget 20)")
        rng = np.random.default_rng(0)
        with sync_playwright() as p, serve(folder) as base:
            browser = launch(p)
            v = Visit(browser, base, **DESKTOP)
            page = v.open()
            print("| query | median ms of 50 (5 cases: min / median / max) |\n| --- | --- |")
            cases = {
                "between, mix 0.5": [("between", [int(a), int(b), 0.5]) for a, b in rng.integers(0, n, (5, 2))],
                "between, mix 0.2": [("between", [int(a), int(b), 0.2]) for a, b in rng.integers(0, n, (5, 2))],
                "more like, 5 ids": [("set", [rng.choice(n, 5, replace=False).tolist()]) for _ in range(5)],
                "more like, 25 ids": [("set", [rng.choice(n, 25, replace=False).tolist()]) for _ in range(5)],
            }
            for label, runs in cases.items():
                ms = [page.evaluate("([kind, args]) => atlas.averager.time(kind, args, 50)", [kind, args]) for kind, args in runs]
                print(f"| {label} | {min(ms):.2f} / {float(np.median(ms)):.2f} / {max(ms):.2f} |")
            assert v.errors == [], v.errors
            v.close()
            browser.close()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--parts", nargs="+", default=["tables", "between", "more_like", "page"], choices=["tables", "between", "more_like", "page"])
    p.add_argument("--n", type=int, default=100_000, help="entities of the page part's synthetic site (default 100000)")
    p.add_argument("--dims", nargs="+", type=int, default=[8, 16, 32], help="dimensions of the tables part (default 8 16 32)")
    p.add_argument("--seeds", nargs="+", type=int, default=[0], help="split seeds of the more_like part (default 0)")
    a = p.parse_args(argv)
    if not DATA.exists():
        sys.exit(f"{DATA}: missing; the benchmark needs the shared datasets")
    print(f"# averager: k={K} lists (Weighting()), mde seed 0, more_like constants bandwidth {av.MORE_LIKE_BANDWIDTH:g}, weight {av.MORE_LIKE_WEIGHT:g}")
    if "tables" in a.parts:
        part_tables(a.dims)
    if "between" in a.parts:
        part_between()
    if "more_like" in a.parts:
        part_more_like(a.seeds)
    if "page" in a.parts:
        part_page(a.n)


if __name__ == "__main__":
    main()

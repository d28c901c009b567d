"""word2vec, node2vec and lightgcn embeddings: walks on hand-made graphs with exact step probabilities, planted communities recovered."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from atlas.embed.lightgcn import lightgcn, normalized_adjacency
from atlas.embed.node2vec import node2vec, random_walks
from atlas.embed.word2vec import sentences, word2vec
from atlas.neighbors import vector_neighbors
from tests.conftest import run_atlas, shared_data


def undirected(edges, n, weights=None) -> sp.csr_matrix:
    e = np.asarray(edges)
    w = np.ones(len(e)) if weights is None else np.asarray(weights, dtype=float)
    g = sp.coo_matrix((w, (e[:, 0], e[:, 1])), shape=(n, n))
    return (g + g.T).tocsr()


def cycle(n: int) -> sp.csr_matrix:
    return undirected([(i, (i + 1) % n) for i in range(n)], n)


def planted_graph(blocks=4, size=50, p_in=0.2, p_out=0.004, seed=0):
    """(graph, block of each node): dense blocks, few edges between, node ids shuffled against blocks."""
    rng = np.random.default_rng(seed)
    n = blocks * size
    block = rng.permutation(np.repeat(np.arange(blocks), size))
    same = block[:, None] == block[None, :]
    upper = np.triu(rng.random((n, n)) < np.where(same, p_in, p_out), 1)
    return undirected(np.argwhere(upper), n), block


def same_group_share(vectors: np.ndarray, group: np.ndarray, k: int = 10) -> float:
    ids = vector_neighbors(vectors, k).ids
    return float((group[ids] == group[:, None]).mean())


def steps(walks: np.ndarray):
    """(a, b) int arrays of every step of every walk."""
    a, b = walks[:, :-1].ravel(), walks[:, 1:].ravel()
    keep = b >= 0
    return a[keep], b[keep]


def triples(walks: np.ndarray):
    """(t, v, x) of every second-order step."""
    t, v, x = walks[:, :-2].ravel(), walks[:, 1:-1].ravel(), walks[:, 2:].ravel()
    keep = x >= 0
    return t[keep], v[keep], x[keep]


# ---------------------------------------------------------------------------------------- walks


def test_walks_follow_edges_and_stop_at_isolated_and_sink_nodes():
    rng = np.random.default_rng(3)
    dense = (rng.random((30, 30)) < 0.15) * rng.integers(1, 5, (30, 30))
    dense[7, :] = 0  # 7 has no out-edges: a sink, still reached
    dense[:, 9] = dense[9, :] = 0  # 9 is isolated
    dense[2, 3], dense[2, 4] = 5, 1
    g = sp.csr_matrix(dense.astype(float))
    g.data[g.indptr[2] + np.flatnonzero(g.indices[g.indptr[2] : g.indptr[3]] == 3)] = 0.0  # a stored zero weight is no edge
    dense[2, 3] = 0
    walks = random_walks(g, walk_length=12, walks_per_node=5, seed=1)
    assert walks.shape == (150, 12) and walks.dtype == np.int32
    a, b = steps(walks)
    assert (dense[a, b] > 0).all()
    lens = (walks >= 0).sum(axis=1)
    padded = walks >= 0
    assert (padded == (np.arange(12)[None, :] < lens[:, None])).all()  # -1 only after a walk ends
    assert (lens[walks[:, 0] == 9] == 1).all() and (lens[walks[:, 0] == 7] == 1).all()
    ends = walks[np.arange(len(walks)), lens - 1]
    assert set(ends[lens < 12]) <= {7, 9}  # a walk stops early only at the sink or the isolated node
    assert (walks == 7).sum() > 5 and not (walks[:, 1:] == 9).any()
    assert sorted(np.bincount(walks[:, 0], minlength=30)) == [5] * 30  # every node starts walks_per_node walks


def test_first_steps_follow_the_weights():
    star = undirected([(0, 1), (0, 2), (0, 3)], 4, weights=[1, 2, 7])
    walks = random_walks(star, walk_length=2, walks_per_node=20000, seed=0)
    nxt = walks[walks[:, 0] == 0, 1]
    share = np.bincount(nxt, minlength=4)[1:] / len(nxt)
    np.testing.assert_allclose(share, [0.1, 0.2, 0.7], atol=0.015)


@pytest.mark.parametrize("p, q", [(1.0, 1.0), (0.25, 4.0), (4.0, 0.25), (100.0, 0.01)])
def test_return_frequency_on_a_cycle_matches_the_formula(p, q):
    # on a cycle a walk at v came from t and can go back (weight 1/p) or on (1/q): P(return) = (1/p) / (1/p + 1/q)
    walks = random_walks(cycle(12), p=p, q=q, walk_length=30, walks_per_node=100, seed=2)
    t, _, x = triples(walks)
    expected = (1 / p) / (1 / p + 1 / q)
    assert abs((x == t).mean() - expected) < 0.01


def test_return_frequency_on_a_clique_uses_the_linked_branch():
    # in K5 every other neighbor of v is linked to t: P(return) = (1/p) / (1/p + 3), whatever q
    k5 = undirected([(i, j) for i in range(5) for j in range(i + 1, 5)], 5)
    for p, q in [(0.25, 0.01), (4.0, 100.0)]:
        walks = random_walks(k5, p=p, q=q, walk_length=30, walks_per_node=400, seed=4)
        t, _, x = triples(walks)
        assert abs((x == t).mean() - (1 / p) / (1 / p + 3)) < 0.01


def test_p_and_q_move_return_and_outward_frequencies_the_expected_way():
    g, _ = planted_graph(blocks=2, size=40, p_in=0.15, p_out=0.02, seed=5)
    dense = g.toarray() > 0

    def freqs(p, q):
        t, _, x = triples(random_walks(g, p=p, q=q, walk_length=20, walks_per_node=10, seed=0))
        back = x == t
        outward = ~back & ~dense[t, x]
        return back.mean(), outward.mean()

    back0, out0 = freqs(1.0, 1.0)
    back_bfs, out_bfs = freqs(0.1, 10.0)  # returns often, stays near t
    back_dfs, out_dfs = freqs(10.0, 0.1)  # never returns, moves away
    assert back_bfs > 2 * back0 and out_bfs < out0
    assert back_dfs < back0 / 5 and out_dfs > out0


def test_walks_are_the_same_for_a_seed():
    g, _ = planted_graph(blocks=2, size=20, seed=1)
    a = random_walks(g, seed=7, walk_length=10, walks_per_node=3)
    np.testing.assert_array_equal(a, random_walks(g, seed=7, walk_length=10, walks_per_node=3))
    assert (a != random_walks(g, seed=8, walk_length=10, walks_per_node=3)).any()


def test_bad_graphs_and_parameters_are_named():
    with pytest.raises(ValueError, match="graph: expected a sparse square"):
        random_walks(sp.csr_matrix(np.ones((2, 3))))
    with pytest.raises(ValueError, match="graph: edge weights must be finite and >= 0"):
        random_walks(sp.csr_matrix(np.array([[0, -1.0], [1, 0]])))
    with pytest.raises(ValueError, match="p, q: expected numbers > 0"):
        random_walks(cycle(4), q=0)
    with pytest.raises(ValueError, match="walk_length"):
        random_walks(cycle(4), walk_length=0)
    with pytest.raises(ValueError, match="window"):
        node2vec(cycle(4), 4, window=0)


# ------------------------------------------------------------------------------------- node2vec


def test_node2vec_neighbors_stay_in_their_block():
    g, block = planted_graph(seed=0)
    emb = node2vec(g, 16, seed=0)
    assert emb.vectors.shape == (200, 16) and emb.vectors.dtype == np.float32 and emb.method == "node2vec"
    assert same_group_share(emb.vectors, block) > 0.9  # base rate 0.25


def test_node2vec_in_4_dims_is_deterministic_and_isolated_nodes_get_zero():
    g, block = planted_graph(seed=1)
    g = sp.csr_matrix(sp.block_diag([g, sp.csr_matrix((1, 1))]))  # node 200 is isolated
    a = node2vec(g, 4, seed=3, walks_per_node=5)
    assert a.vectors.shape == (201, 4) and a.dims == 4
    np.testing.assert_array_equal(a.vectors[200], 0)
    assert (np.linalg.norm(a.vectors[:200], axis=1) > 0).all()
    np.testing.assert_array_equal(a.vectors, node2vec(g, 4, seed=3, walks_per_node=5).vectors)
    assert same_group_share(a.vectors[:200], block) > 0.8


# ------------------------------------------------------------------------------------- word2vec


def planted_collections(entities=120, communities=4, collections=400, size=8, seed=0):
    """(x csr (collections, entities), community of each entity): each collection draws `size` from one community and one at random."""
    rng = np.random.default_rng(seed)
    community = rng.permutation(np.arange(entities) % communities)
    rows = []
    for _ in range(collections):
        c = rng.integers(communities)
        members = rng.choice(np.flatnonzero(community == c), size, replace=False)
        rows.append(np.unique(np.append(members, rng.integers(entities))))
    r = np.repeat(np.arange(collections), [len(x) for x in rows])
    x = sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, np.concatenate(rows))), shape=(collections, entities))
    return x, community


def test_sentences_hold_each_collection_shuffled():
    x, _ = planted_collections(collections=50)
    x = sp.vstack([x, sp.csr_matrix(([1.0], ([0], [3])), shape=(1, 120))]).tocsr()  # a collection of one is left out
    s = sentences(x, seed=0)
    assert len(s) == 50
    assert sorted(tuple(sorted(map(int, t))) for t in s) == sorted(tuple(x[i].indices) for i in range(50))
    assert any(list(map(int, t)) != sorted(map(int, t)) for t in s)  # shuffled, not in id order
    assert s == sentences(x, seed=0) and s != sentences(x, seed=1)


@pytest.mark.parametrize("options", [{}, {"sg": 0, "sample": 0.0}])  # CBOW needs no down-sampling on so small a corpus
def test_word2vec_puts_a_community_together_in_entity_order(options):
    x, community = planted_collections(seed=1)
    emb = word2vec(x, 16, seed=0, **options)
    assert emb.vectors.shape == (120, 16) and emb.method == "word2vec"
    assert same_group_share(emb.vectors, community) > 0.85  # base rate 0.25; ids are shuffled against communities


def test_word2vec_is_deterministic_and_unseen_entities_get_zero():
    x, community = planted_collections(seed=2)
    x = sp.hstack([x, sp.csr_matrix((400, 2))]).tolil()  # entity 120 is in no collection of two, 121 in one
    x[0, 121] = 1.0
    x = x.tocsr()
    x = sp.vstack([x, sp.csr_matrix(([1.0], ([0], [120])), shape=(1, 122))]).tocsr()  # 120 alone in a collection
    a = word2vec(x, 8, seed=5)
    np.testing.assert_array_equal(a.vectors, word2vec(x, 8, seed=5).vectors)
    assert (a.vectors != word2vec(x, 8, seed=6).vectors).any()
    np.testing.assert_array_equal(a.vectors[120], 0)
    assert np.linalg.norm(a.vectors[121]) > 0  # one collection is enough with min_count=1
    b = word2vec(x, 8, seed=5, min_count=2)
    np.testing.assert_array_equal(b.vectors[121], 0)
    assert (np.linalg.norm(b.vectors[:120], axis=1) > 0).all()


def test_word2vec_bad_arguments_are_named():
    x, _ = planted_collections(collections=20)
    with pytest.raises(ValueError, match="x: expected a sparse"):
        word2vec(x.toarray(), 4)
    with pytest.raises(ValueError, match="sg: expected 0"):
        word2vec(x, 4, sg=2)
    with pytest.raises(ValueError, match="min_count"):
        word2vec(x, 4, min_count=0)
    with pytest.raises(ValueError, match="dims"):
        word2vec(x, 0)


# ------------------------------------------------------------------------------------- lightgcn


def test_normalized_adjacency_of_a_hand_made_bipartite_graph():
    # collection 0 holds entities 0 and 1, collection 1 holds entity 1 (a stored 3 and a stored 0 are "holds" and nothing)
    x = sp.csr_matrix(np.array([[1.0, 3.0, 0.0], [0.0, 2.0, 0.0]]))
    a = normalized_adjacency(sp.csr_matrix((x > 0).astype(np.float32))).toarray()
    s = lambda v: 1 / np.sqrt(v)  # noqa: E731
    expected = np.zeros((5, 5))  # nodes: collections 0, 1, then entities 0, 1, 2; degrees 2, 1, 1, 2, 0
    expected[0, 2] = expected[2, 0] = s(2 * 1)
    expected[0, 3] = expected[3, 0] = s(2 * 2)
    expected[1, 3] = expected[3, 1] = s(1 * 2)
    np.testing.assert_allclose(a, expected, rtol=1e-6)


def test_lightgcn_puts_a_community_together_in_entity_order():
    x, community = planted_collections(seed=1)
    emb = lightgcn(x, 16, seed=0, epochs=10)
    assert emb.vectors.shape == (120, 16) and emb.vectors.dtype == np.float32 and emb.method == "lightgcn"
    assert same_group_share(emb.vectors, community) > 0.85  # base rate 0.25; ids are shuffled against communities


def test_lightgcn_training_matters_and_is_deterministic():
    x, community = planted_collections(seed=2)
    a = lightgcn(x, 8, seed=5, epochs=5)
    np.testing.assert_array_equal(a.vectors, lightgcn(x, 8, seed=5, epochs=5).vectors)
    assert (a.vectors != lightgcn(x, 8, seed=6, epochs=5).vectors).any()
    untrained = lightgcn(x, 8, seed=5, epochs=1, lr=1e-9)  # the random start, propagated
    assert same_group_share(a.vectors, community) > same_group_share(untrained.vectors, community) + 0.3


def test_lightgcn_bad_arguments_are_named():
    x, _ = planted_collections(collections=20)
    with pytest.raises(ValueError, match="x: expected a sparse"):
        lightgcn(x.toarray(), 4)
    with pytest.raises(ValueError, match="x: no collection holds any entity"):
        lightgcn(sp.csr_matrix((3, 4)), 4)
    for bad, match in [({"layers": -1}, "layers"), ({"lr": 0}, "lr"), ({"decay": -1}, "decay"), ({"epochs": 0}, "epochs"), ({"negative": 0}, "negative"), ({"threads": 0}, "threads")]:
        with pytest.raises(ValueError, match=match):
            lightgcn(x, 4, **bad)


def test_lightgcn_on_lastfm_beats_popularity_on_held_out_users():
    """Real data through the held-out protocol: cosine lists of the entity vectors, a few epochs."""
    from atlas import evaluate as ev

    path = shared_data("lastfm-hetrec2011-2k")
    a = np.loadtxt(path / "user_artists.dat", skiprows=1, dtype=np.int64)
    _, u = np.unique(a[:, 0], return_inverse=True)
    _, i = np.unique(a[:, 1], return_inverse=True)
    x = sp.csr_matrix((np.ones(len(u), np.float32), (u, i)))
    x = x[:, np.asarray(x.sum(axis=0)).ravel() >= 5].tocsr()  # 3.2k artists: a few seconds of training
    split = ev.split_collections(x, seed=0)
    emb = lightgcn(split.train, 16, seed=0, epochs=5)
    got = ev.evaluate_neighbors("lightgcn", vector_neighbors(emb.vectors, 20), split, 20)
    popular = ev.figures("popularity", ev.recommend_popular(split.train, split.query, 20), split, 20)
    assert got.recall > 1.3 * popular.recall


@pytest.mark.parametrize("method", ["mde", "pymde", "node2vec", "lightgcn", "word2vec", "vectors"])
def test_each_method_builds_a_site_whose_map_keeps_political_leaning_together(tmp_path, method):
    """polbooks built with each [embedding] method, decoded from the site's files: nearby books share a leaning.

    Graph methods read the GML (closed neighborhoods are the collections); word2vec reads the same
    closed neighborhoods as an interactions file; vectors reads a spectral embedding of the graph.
    """
    from scipy.spatial import cKDTree

    from atlas import formats as fm
    from atlas import spec as specs
    from atlas.sources import read

    data = shared_data("newman-network-data")
    gml = f'''[source]
kind = "graph"
path = "{(data / "polbooks.gml").as_posix()}"
'''
    graph_spec = tmp_path / "graph.toml"
    graph_spec.write_text(f'[site]\nname = "g"\n{gml}', encoding="utf-8")
    src = read(specs.load(graph_spec))
    leaning = dict(zip(src.keys, src.columns["value"]))
    source = gml
    if method == "word2vec":
        closed = (src.graph + sp.identity(src.n, format="csr")).tocsr()
        rows = [f"u{u},{src.keys[j]}" for u in range(src.n) for j in closed.indices[closed.indptr[u] : closed.indptr[u + 1]]]
        (tmp_path / "held.csv").write_text("user,book\n" + "\n".join(rows) + "\n", encoding="utf-8")
        source = '[source]\nkind = "interactions"\npath = "held.csv"\n'
    elif method == "vectors":
        a = sp.csr_matrix(src.graph, dtype=np.float64)
        d = np.asarray(a.sum(axis=1)).ravel() ** -0.5
        _, vecs = np.linalg.eigh((sp.diags(d) @ a @ sp.diags(d)).toarray())
        np.save(tmp_path / "spectral.npy", vecs[:, -4:].astype(np.float32))
        leaning = {str(i): leaning[k] for i, k in enumerate(src.keys)}  # a vectors source's keys are its row numbers
        source = '[source]\nkind = "vectors"\npath = "spectral.npy"\n'
    spec = tmp_path / "polbooks.toml"
    spec.write_text(f"""
[site]
name = "polbooks-{method}"
{source}
[filter]
min_count = 1
[neighbors]
k = 10
[embedding]
method = "{method}"
dims = 8
iterations = {10 if method == "lightgcn" else 0}
[layout]
n_neighbors = 10
""", encoding="utf-8")
    out = tmp_path / "site"
    run_atlas("build", spec, "--out", out, "--quiet")
    man = fm.read_manifest(out)
    assert man["counts"]["entities"] == 105 and man["spec"]["embedding"]["method"] == method
    assert "embedding" in man["stages"] and man["data"]["averager"]
    keys = fm.decode_record((out / man["data"]["names"].replace("{shard}", "0000")).read_bytes(), kind="names")["keys"]
    pts = fm.decode_bundle((out / man["data"]["points"]).read_bytes(), kind="points")
    assert man["data"]["shards"] == 1 and len(keys) == pts.attrs["n"] == 105
    lean = np.array([leaning[k] for k in keys], dtype=object)
    xy = pts.arrays["pos"].T.astype(np.float64)
    _, near = cKDTree(xy).query(xy, 6)
    same = (lean[near[:, 1:]] == lean[:, None]).mean()
    base = sum((lean == v).mean() ** 2 for v in set(lean))  # two books drawn at random share a leaning
    assert same > base + 0.25, (method, same, base)

"""Readers on the real files in ../shared/data: the counts their SOURCE.md verified."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from atlas import spec as specs
from atlas.errors import DataError
from atlas.sources import read, select
from atlas.sources.graph import from_edges, parse_gml
from tests.conftest import ROOT, shared_data


def test_lastfm_interactions_names_and_latin1_tags():
    shared_data("lastfm-hetrec2011-2k")
    src = read(specs.load(ROOT / "sites/lastfm.toml"))
    x = src.collections
    assert x.shape == (1892, 17632) and x.nnz == 92834
    assert x.data.max() == 352698  # play counts kept as weights
    i = src.keys.index("289")
    assert src.names[i] == "Britney Spears"
    tags = src.columns["tag"]
    assert tags[i] == "pop"
    from atlas.sources.tables import open_table

    _, rows = open_table(shared_data("lastfm-hetrec2011-2k") / "tags.dat", "", "latin-1")
    assert dict((r[0], r[1]) for _, r in rows)["5457"] == "español"  # Latin-1, CRLF stripped
    assert "Dustin O'Halloran" in src.names  # the apostrophes of the first upload


def test_goodbooks_to_read_lists_with_metadata():
    shared_data("goodbooks-10k")
    src = read(specs.load(ROOT / "sites/goodbooks.toml"))
    assert src.collections.shape == (10485, 6978) and src.collections.nnz == 101169
    i = src.keys.index("1")
    assert src.names[i] == "The Hunger Games (The Hunger Games, #1)"
    assert src.columns["authors"][i] == "Suzanne Collins" and src.columns["original_publication_year"][i] == 2008.0
    assert src.columns["language_code"][i] == "eng"


def test_github_edge_csv_with_spaced_header_names():
    shared_data("github-musae-social")
    src = read(specs.load(ROOT / "sites/github.toml"))
    assert src.n == 37700 and src.graph.nnz == 2 * 289003
    assert (src.graph != src.graph.T).nnz == 0
    assert src.names[src.keys.index("0")] == "Eiryyy"
    assert sum(1 for v in src.columns["ml_target"] if v == 1) == 9739


@pytest.mark.parametrize("name,nodes,edges", [("polbooks", 105, 441), ("football", 115, 613), ("lesmis", 77, 254), ("netscience", 1589, 2742), ("dolphins", 62, 159)])
def test_gml_files_parse_to_their_published_counts(name, nodes, edges):
    path = shared_data("newman-network-data") / f"{name}.gml"
    ns, es = parse_gml(path.read_text(), path)
    src = from_edges(ns, es, path)
    assert src.n == nodes
    assert src.graph.nnz == 2 * edges - 2 * (name == "netscience") * 0  # undirected, both directions
    if name == "polbooks":
        assert sorted(set(src.columns["value"])) == ["c", "l", "n"]


def test_gml_multi_edges_add_up_and_self_loops_drop(tmp_path):
    text = 'graph [ node [ id 1 label "a" ] node [ id 2 label "b \\"q\\"" ] node [ id 3 ]\n edge [ source 1 target 2 value 2 ] edge [ source 1 target 2 ] edge [ source 3 target 3 ] ]'
    ns, es = parse_gml(text, Path("t.gml"))
    src = from_edges(ns, es, Path("t.gml"))
    assert src.graph[0, 1] == 3 and src.graph[1, 0] == 3 and src.graph.diagonal().sum() == 0
    assert src.names[:1] == ["a"]


def test_gml_error_names_the_line():
    with pytest.raises(DataError, match=r"t.gml:3: GML: unbalanced"):
        parse_gml("graph [\n node [ id 1 ]\n ] ]", Path("t.gml"))


def test_select_keeps_frequent_entities():
    import scipy.sparse as sp

    from atlas.sources import Source

    x = sp.csr_matrix(np.array([[1, 1, 0, 1], [1, 0, 0, 1], [1, 0, 1, 0]], dtype=np.float32))
    src = Source(keys=list("abcd"), names=list("ABCD"), columns={"c": [1, 2, 3, 4]}, collections=x)
    s = select(src, min_count=2)
    assert s.keys == ["a", "d"] and s.columns["c"] == [1, 4] and s.collections.shape == (3, 2)
    s = select(src, min_count=1, max_entities=1)
    assert s.keys == ["a"] and s.collections.shape == (3, 1)

"""`atlas eval` on real data: the default lists beat the baselines; the figures are reproducible."""

from __future__ import annotations

import json

from tests.conftest import run_atlas, shared_data


def test_eval_lastfm_default_beats_baselines_and_is_deterministic():
    shared_data("lastfm-hetrec2011-2k")
    proc = run_atlas("eval", "sites/lastfm.toml", "--json", "--no-layout")
    fig = json.loads(proc.stdout)
    rows = {r["name"]: r for r in fig["neighbors"]}
    assert list(rows) == ["popularity", "raw counts", "neighbors", "rp3beta"]
    assert rows["neighbors"]["recall"] > 1.1 * rows["raw counts"]["recall"]
    assert rows["neighbors"]["recall"] > rows["rp3beta"]["recall"] > rows["popularity"]["recall"]
    assert fig["protocol"]["holdout"] == 0.2 and fig["protocol"]["evaluated"] > 300
    again = json.loads(run_atlas("eval", "sites/lastfm.toml", "--json", "--no-layout").stdout)
    assert again["neighbors"] == fig["neighbors"]


def test_eval_layout_figures_on_a_small_graph():
    shared_data("newman-network-data")
    fig = json.loads(run_atlas("eval", "sites/polbooks.toml", "--json").stdout)
    names = [r["name"] for r in fig["neighbors"]]
    assert names[-2:] == ["embedding", "map"]
    lay = fig["layout"]
    assert 0 < lay["knn_preservation@10"] <= 1 and 0.5 < lay["trustworthiness@10"] <= 1

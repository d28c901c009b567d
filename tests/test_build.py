"""A real build of a small real graph, decoded file by file and compared with the pipeline's arrays."""

from __future__ import annotations

import json

import numpy as np

from atlas import formats as fm
from atlas import spec as specs
from atlas.commands.build import collections, neighbor_lists, served_lists
from atlas.commands.check import run as check
from atlas.sources import read, select
from tests.conftest import ROOT, run_atlas


def _decode_site(site):
    man = fm.read_manifest(site)
    d = man["data"]
    names, keys, ids, scores = [], [], [], []
    for s in range(d["shards"]):
        rec = fm.decode_record((site / d["names"].replace("{shard}", f"{s:04d}")).read_bytes(), kind="names")
        names += rec["names"]
        keys += rec["keys"]
        nb = fm.decode_bundle((site / d["neighbors"].replace("{shard}", f"{s:04d}")).read_bytes(), kind="neighbors")
        ids.append(nb.arrays["ids"])
        scores.append(nb.arrays["score"])
    pts = fm.decode_bundle((site / d["points"]).read_bytes(), kind="points")
    return man, pts, names, keys, np.concatenate(ids), np.concatenate(scores)


def test_lesmis_site_decodes_to_the_pipeline_arrays(lesmis_site):
    man, pts, names, keys, ids, scores = _decode_site(lesmis_site)
    spec = specs.load(ROOT / "sites/lesmis.toml")
    src = select(read(spec), spec["filter"]["min_count"], spec["filter"]["max_entities"])
    n = src.n
    assert man["counts"]["entities"] == n == 77 and pts.attrs["n"] == n
    # the site's entity order is a permutation of the source's; keys tell which
    order = np.array([src.keys.index(k) for k in keys])
    assert sorted(order.tolist()) == list(range(n))
    assert names == [src.names[i] for i in order]
    assert "Myriel" in names and "Valjean" in names
    nb = served_lists(collections(src), neighbor_lists(src, spec["neighbors"]), spec["neighbors"], graph=True).permuted(order)
    np.testing.assert_array_equal(ids, nb.ids)
    np.testing.assert_array_equal(scores, nb.weight)
    # Valjean's strongest neighbors include the characters he shares most chapters with
    v = names.index("Valjean")
    top = {names[j] for j in ids[v, :5]}
    assert top & {"Javert", "Cosette", "Marius", "Fantine", "Thenardier", "MmeThenardier"}
    # positions: 2-D, 16-bit, filling the box; points ordered along the Z curve
    pos = pts.arrays["pos"]
    assert pos.shape == (2, n) and pos.dtype == np.uint16 and pos.min() == 0 and pos.max() == 65535
    from atlas.pack import morton

    assert np.all(np.diff(morton(pos).astype(np.float64)) >= 0)
    assert pts.arrays["color"].max() < len(pts.attrs["palette"])
    assert man["spec"]["site"]["name"] == "lesmis" and "_path" not in man["spec"]
    assert set(man["stages"]) >= {"read", "neighbors", "embedding", "layout", "pack"}
    assert "refit" not in man["stages"]  # a graph serves its scored lists ([neighbors] refit = "auto")


def test_demo_site_serves_its_lists_refit(demo_site):
    """Collections serve ridge-refit lists ([neighbors] refit = "auto"): the decoded lists are the
    refit of the scored ones, which they differ from, and the build timed the refit stage."""
    man, _, _, keys, ids, scores = _decode_site(demo_site)
    spec = specs.load(ROOT / "sites/demo.toml")
    src = select(read(spec), spec["filter"]["min_count"], spec["filter"]["max_entities"])
    order = np.array([src.keys.index(k) for k in keys])
    scored = neighbor_lists(src, spec["neighbors"])
    served = served_lists(collections(src), scored, spec["neighbors"]).permuted(order)
    np.testing.assert_array_equal(ids, served.ids)
    np.testing.assert_array_equal(scores, served.weight)
    assert not np.array_equal(ids, scored.permuted(order).ids)
    assert "refit" in man["stages"]


def test_manifest_lists_every_file_with_hash_and_check_passes(lesmis_site):
    man = json.loads((lesmis_site / "manifest.json").read_text())
    on_disk = {p.relative_to(lesmis_site).as_posix() for p in lesmis_site.rglob("*") if p.is_file()} - {"manifest.json"}
    assert {f["path"] for f in man["files"]} == on_disk
    for f in man["files"]:
        blob = (lesmis_site / f["path"]).read_bytes()
        assert len(blob) == f["bytes"] and fm.sha256(blob) == f["sha256"]
    assert check(lesmis_site) == []
    assert (lesmis_site / ".nojekyll").exists()


def test_site_names_no_build_machine_path_and_no_external_url(lesmis_site):
    import brotli

    needles = [str(ROOT).encode(), str(ROOT.parent).encode(), str(lesmis_site).encode(), b"/tmp/", b"/root/"]
    for path in lesmis_site.rglob("*"):
        if not path.is_file():
            continue
        blob = path.read_bytes()
        if path.suffix == ".br":
            blob = brotli.decompress(blob)
        assert not any(n in blob for n in needles), f"{path.name} names a path of the build machine"
        if path.suffix in (".html", ".css", ".js") and "vendor" not in path.parts:
            text = blob.decode("utf-8")
            for bad in ('src="http', "src='http", 'href="http', "href='http", "url(http", "fetch('http", 'fetch("http'):
                assert bad not in text, f"{path.name} loads from another origin: {bad}"


def test_check_finds_a_corrupted_and_a_truncated_file(lesmis_site, tmp_path):
    import shutil

    site = tmp_path / "site"
    shutil.copytree(lesmis_site, site)
    p = site / "neighbors" / "0000.bin.br"
    p.write_bytes(p.read_bytes()[:-5])
    proc = run_atlas("check", site, check=False)
    assert proc.returncode == 1
    assert "neighbors/0000.bin.br: " in proc.stderr and "manifest.json says" in proc.stderr


def test_check_decodes_content_even_when_hashes_match(lesmis_site, tmp_path):
    import shutil

    site = tmp_path / "site"
    shutil.copytree(lesmis_site, site)
    # rewrite a neighbor shard with an out-of-range id and fix the manifest's hash: only decoding catches it
    path = site / "neighbors" / "0000.bin.br"
    b = fm.decode_bundle(path.read_bytes(), kind="neighbors")
    ids = b.arrays["ids"].copy()
    ids[0, 0] = 10_000
    blob = fm.encode_bundle("neighbors", {"ids": ids, "score": b.arrays["score"]}, b.attrs)
    path.write_bytes(blob)
    man = json.loads((site / "manifest.json").read_text())
    for f in man["files"]:
        if f["path"] == "neighbors/0000.bin.br":
            f["bytes"], f["sha256"] = len(blob), fm.sha256(blob)
    (site / "manifest.json").write_text(json.dumps(man))
    assert check(site) == ["neighbors/0000.bin.br: neighbor id outside 0..76"]


def test_info_json_reports_counts_and_bytes_per_point(lesmis_site):
    proc = run_atlas("info", lesmis_site, "--json")
    info = json.loads(proc.stdout)
    assert info["counts"]["entities"] == 77
    pts = (lesmis_site / "points.bin.br").stat().st_size
    assert info["bytes"]["points"] == pts and info["bytes_per_point"]["points"] == round(pts / 77, 3)

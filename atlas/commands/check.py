"""`atlas check DIR`: decode every file of a site and check it against its manifest."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from atlas import formats as fm
from atlas.errors import FormatError


def run(folder: Path) -> list[str]:
    """Problems found, one line each (empty: the site is sound)."""
    folder = Path(folder)
    man = fm.read_manifest(folder)
    problems: list[str] = []
    listed = {f["path"] for f in man["files"]}
    blobs: dict[str, bytes] = {}
    for f in man["files"]:
        path = folder / f["path"]
        if not path.is_file():
            problems.append(f"{f['path']}: listed in manifest.json but missing")
            continue
        blob = path.read_bytes()
        blobs[f["path"]] = blob
        if len(blob) != f["bytes"]:
            problems.append(f"{f['path']}: {len(blob)} bytes, manifest.json says {f['bytes']}")
        elif fm.sha256(blob) != f["sha256"]:
            problems.append(f"{f['path']}: sha256 differs from manifest.json")
    for path in folder.rglob("*"):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel != "manifest.json" and rel not in listed:
            problems.append(f"{rel}: not listed in manifest.json")
    if problems:
        return problems
    try:
        problems += _check_data(man, blobs)
    except FormatError as e:
        problems.append(str(e))
    return problems


def _check_data(man: dict, blobs: dict[str, bytes]) -> list[str]:
    out = []
    n = man["counts"]["entities"]
    k = man["counts"]["k"]
    d = man["data"]

    def need(path):
        if path not in blobs:
            raise FormatError(f"{path}: named in manifest.json data but not in its files")
        return blobs[path]

    pts = fm.decode_bundle(need(d["points"]), name=d["points"], kind="points")
    if pts.attrs["n"] != n or pts.arrays["pos"].shape != (man["counts"]["dims"], n):
        out.append(f"{d['points']}: holds {pts.attrs['n']} points of shape {pts.arrays['pos'].shape}, manifest.json says {n} in {man['counts']['dims']} dims")
    if len(pts.arrays["color"]) != n or int(pts.arrays["color"].max(initial=0)) >= len(pts.attrs["palette"]):
        out.append(f"{d['points']}: color index outside the palette of {len(pts.attrs['palette'])}")
    names_total = 0
    for s in range(d["shards"]):
        shard = f"{s:04d}"
        rec_path = d["names"].replace("{shard}", shard)
        rec = fm.decode_record(need(rec_path), name=rec_path, kind="names")
        start, count = s * d["shard_size"], len(rec["names"])
        if rec["start"] != start or len(rec["keys"]) != count or any(len(v) != count for v in rec["columns"].values()):
            out.append(f"{rec_path}: start {rec['start']} or lengths do not match shard {s}")
        names_total += count
        nb_path = d["neighbors"].replace("{shard}", shard)
        nb = fm.decode_bundle(need(nb_path), name=nb_path, kind="neighbors")
        ids = nb.arrays["ids"]
        if nb.attrs["start"] != start or ids.shape != (count, k) or nb.arrays["score"].shape != (count, k):
            out.append(f"{nb_path}: shape {ids.shape} or start {nb.attrs['start']} does not match shard {s} with k={k}")
        elif ids.size and (ids.min() < -1 or ids.max() >= n):
            out.append(f"{nb_path}: neighbor id outside 0..{n - 1}")
        elif np.any(ids == np.arange(start, start + count)[:, None]):
            out.append(f"{nb_path}: an entity lists itself as its neighbor")
    if names_total != n:
        out.append(f"names shards hold {names_total} entities, manifest.json says {n}")
    search = fm.decode_record(need(d["search"]), name=d["search"], kind="search")
    if sorted(search["ids"]) != list(range(n)) or len(search["names"]) != n:
        out.append(f"{d['search']}: does not list every entity exactly once")
    pop = fm.decode_bundle(need(d["popularity"]), name=d["popularity"], kind="popularity")
    if pop.arrays["count"].shape != (n,):
        out.append(f"{d['popularity']}: {pop.arrays['count'].shape[0]} counts, expected {n}")
    if d.get("averager"):
        av = fm.decode_bundle(need(d["averager"]), name=d["averager"], kind="averager")
        if av.arrays["q"].shape[0] != n or av.arrays["scale"].shape != (n,):
            out.append(f"{d['averager']}: {av.arrays['q'].shape[0]} vectors, expected {n}")
    for column, path in d["colors"].items():
        c = fm.decode_bundle(need(path), name=path, kind="colors")
        if c.arrays["color"].shape != (n,) or int(c.arrays["color"].max(initial=0)) >= len(c.attrs["palette"]):
            out.append(f"{path}: colors of {column!r} do not cover {n} entities within the palette")
    if d.get("labels"):
        out += _check_labels(fm.decode_record(need(d["labels"]), name=d["labels"], kind="labels"), d["labels"], n, man["counts"]["dims"])
    return out


def _check_labels(rec: dict, path: str, n: int, dims: int) -> list[str]:
    m = len(rec["text"])
    if any(len(rec[k]) != m for k in ("group", "source", "id", "pos", "count")) or len(rec["top_ids"]) != len(rec["top_names"]):
        return [f"{path}: its lists differ in length"]
    if any(not 0 <= i < n for i in rec["id"] + rec["top_ids"]):
        return [f"{path}: entity id outside 0..{n - 1}"]
    if any(len(p) != dims for p in rec["pos"]):
        return [f"{path}: positions are not {dims}-D"]
    return []

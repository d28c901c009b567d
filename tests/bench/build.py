"""Build time, peak memory and bytes per point of a large synthetic atlas (the issue's target: 100k artists).

Run by hand from the repository root:

    python tests/bench/build.py                                    # 100,000 artists, 300,000 playlists
    python tests/bench/build.py --artists 20000 --playlists 20000  # smaller
    python tests/bench/build.py --reader                           # also: the reader alone, peak memory vs one slice
    python tests/bench/build.py --repeat 2                         # build twice (the second run has numba's cache warm)

Synthetic slices in the MPD format (`atlas.sources.synthetic.write_mpd`, planted communities) are
written once into build/.data/bench-mpd-<params>/ and reused. The spec is the demo's settings
(sites/demo.toml) pointed at them, written into a temporary folder. Each build is the real CLI
(`python -m atlas.cli build SPEC --out DIR --quiet`) in a child process, so its peak RSS is its
own (`resource.getrusage(RUSAGE_CHILDREN)`); seconds per stage come from the site's manifest
(`atlas info --json`), total seconds from the wall clock around the child (imports and numba
compiles included), and CPU seconds (user + system, all threads) of the child.

Targets (the issue): total <= 150 s on a 2-core machine, first paint (points.bin.br, index.html,
assets/) <= 8 bytes per point. The machine may be shared: the 1-minute load average is sampled
every 2 s during each run and printed beside its figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 150.0
TARGET_FIRST_PAINT = 8.0

SPEC = """\
[site]
name = "bench"
title = "Benchmark: {artists} synthetic artists"

[source]
kind = "playlists"
path = "{data}/mpd.slice.*.json"
entity = "artist"

[filter]
min_count = 2

[neighbors]
k = 20

[embedding]
method = "mde"
dims = 16
seed = 0

[layout]
method = "umap"
dims = 2

[color]
by = "cluster"
clusters = 24
"""


class LoadSampler:
    """The 1-minute load average every `every` seconds on a thread, while in a `with` block."""

    def __init__(self, every: float = 2.0):
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()

    def __enter__(self):
        self.samples.append(os.getloadavg()[0])
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(self.every):
            self.samples.append(os.getloadavg()[0])

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])

    def text(self) -> str:
        s = self.samples
        return f"load avg (1 min) start {s[0]:.2f}, mean {sum(s) / len(s):.2f}, max {max(s):.2f}, end {s[-1]:.2f}"


def data_folder(artists: int, playlists: int, communities: int, seed: int) -> Path:
    """The slices for these parameters, generated on first use (into a temporary sibling, then renamed)."""
    from atlas.sources.synthetic import write_mpd

    folder = ROOT / "build" / ".data" / f"bench-mpd-a{artists}-p{playlists}-c{communities}-s{seed}"
    if folder.is_dir() and any(folder.glob("mpd.slice.*.json")):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    print(f"# generating {playlists} playlists x {artists} artists into {folder} (once)", flush=True)
    t = time.perf_counter()
    try:
        write_mpd(tmp, playlists=playlists, artists=artists, communities=communities, seed=seed)
        os.chmod(tmp, 0o755)
        tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"# generated in {time.perf_counter() - t:.0f} s", flush=True)
    return folder


def map_quality(site: Path, artists: int, communities: int, seed: int) -> tuple[float, float]:
    """(mean share, share with a majority) of each point's 10 nearest points on the map in its planted community."""
    import numpy as np
    from scipy.spatial import cKDTree

    from atlas import formats as fm
    from atlas.sources.synthetic import planted

    man = fm.read_manifest(site)
    pts = fm.decode_bundle((site / man["data"]["points"]).read_bytes(), kind="points")
    keys: list[str] = []
    for s in range(man["data"]["shards"]):
        keys += fm.decode_record((site / man["data"]["names"].format(shard=f"{s:04d}")).read_bytes(), kind="names")["keys"]
    truth = planted(artists, communities, seed)[0][[int(k.rsplit(":", 1)[1]) for k in keys]]
    xy = pts.arrays["pos"].T.astype(np.float64)
    _, near = cKDTree(xy).query(xy, 11)
    share = (truth[near[:, 1:]] == truth[:, None]).mean(axis=1)
    return float(share.mean()), float((share > 0.5).mean())


def brotli_table(site: Path, qualities=(5, 7, 9, 11)) -> list[str]:
    """Bytes and seconds of the site's lazily loaded .br files (all but points) re-compressed at each quality."""
    import brotli

    files = [p for p in sorted(site.rglob("*.br")) if p.name != "points.bin.br"]
    raws = [brotli.decompress(p.read_bytes()) for p in files]
    lines = [f"lazily loaded .br files: {len(files)}, {sum(map(len, raws))} bytes raw"]
    for q in qualities:
        t = time.process_time()
        size = sum(len(brotli.compress(r, quality=q)) for r in raws)
        lines.append(f"  quality {q:>2}: {size:>9} bytes, {time.process_time() - t:6.2f} s cpu")
    return lines


def build_once(spec: Path, out: Path) -> dict:
    """One real build in a child process: wall seconds, peak RSS of the child, and `atlas info --json`."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu0 = ru.ru_maxrss, ru.ru_utime + ru.ru_stime
    with LoadSampler() as load:
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "atlas.cli", "build", str(spec), "--out", str(out), "--quiet"], cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"build failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak, cpu = ru.ru_maxrss, ru.ru_utime + ru.ru_stime - cpu0  # KiB, the largest child so far; CPU seconds of this child
    info = subprocess.run([sys.executable, "-m", "atlas.cli", "info", str(out), "--json"], cwd=ROOT, capture_output=True, text=True, check=True)
    return {"wall": wall, "cpu": cpu, "peak_kib": peak if peak > before else None, "info": json.loads(info.stdout), "load": load}


READER = """
import json, resource, sys, time
from pathlib import Path
from atlas.sources.playlists import read_slices, _slice_start
paths = sorted(Path(sys.argv[1]).glob("mpd.slice.*.json"), key=_slice_start)
read_slices(paths[:1])  # imports and compiles before the baseline
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t, c = time.perf_counter(), time.process_time()
src = read_slices(paths)
secs, cpu = time.perf_counter() - t, time.process_time() - c
x, n = src.collections, src.n
del src
import tracemalloc  # one file at a time: the most traced memory while reading the largest files alone
tracemalloc.start()
per_file = 0
for p in sorted(paths, key=lambda p: p.stat().st_size)[-5:]:
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    one = read_slices([p])
    per_file = max(per_file, tracemalloc.get_traced_memory()[1] - before)
    del one
tracemalloc.stop()
print(json.dumps({"seconds": secs, "cpu": cpu, "per_file": per_file, "base_kib": base, "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "n": n, "m": x.shape[0], "nnz": x.nnz, "result_bytes": x.data.nbytes + x.indices.nbytes + x.indptr.nbytes,
                  "files": len(paths), "largest_file": max(p.stat().st_size for p in paths), "all_files": sum(p.stat().st_size for p in paths)}))
"""


def reader_once(data: Path) -> dict:
    """The reader alone in a child process: seconds, and peak RSS over the RSS after imports."""
    with LoadSampler() as load:
        proc = subprocess.run([sys.executable, "-c", READER, str(data)], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"reader failed:\n{proc.stderr}")
    r = json.loads(proc.stdout)
    r["load"] = load
    return r


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--artists", type=int, default=100_000)
    p.add_argument("--playlists", type=int, default=300_000)
    p.add_argument("--communities", type=int, default=100, help="planted communities (default 100)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=1, help="builds to run (default 1)")
    p.add_argument("--reader", action="store_true", help="also time the reader alone and report its peak memory")
    p.add_argument("--brotli", action="store_true", help="also re-compress the lazily loaded files at brotli qualities 5, 7, 9, 11")
    p.add_argument("--keep", type=Path, default=None, help="write the site here and keep it (default: a temporary folder)")
    a = p.parse_args(argv)

    data = data_folder(a.artists, a.playlists, a.communities, a.seed)
    mib = 1 / 1024
    print(f"# {data.relative_to(ROOT)}; python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        spec = Path(tmp) / "bench.toml"
        spec.write_text(SPEC.format(artists=a.artists, data=data.as_posix()), encoding="utf-8")
        out = a.keep or Path(tmp) / "site"
        print(f"# command: python -m atlas.cli build {spec.name} --out {out.name} --quiet")
        for i in range(a.repeat):
            r = build_once(spec, out)
            info = r["info"]
            stages = info["stages"]
            c, b, bpp = info["counts"], info["bytes"], info["bytes_per_point"]
            print(f"\nbuild {i + 1}: {c['entities']} entities, {c['collections']} collections; {r['load'].text()}")
            for name, s in stages.items():
                print(f"  {name:<10} {s:8.2f} s")
            print(f"  {'stages':<10} {sum(stages.values()):8.2f} s")
            ok = "meets" if r["wall"] <= TARGET_SECONDS else "misses"
            print(f"  {'total':<10} {r['wall']:8.2f} s  (wall, process start to exit; {ok} the {TARGET_SECONDS:.0f} s target)")
            print(f"  {'cpu':<10} {r['cpu']:8.2f} s  (user + system, all threads: less sensitive to other load than wall)")
            if r["peak_kib"]:
                print(f"  peak RSS   {r['peak_kib'] * mib:8.0f} MiB")
            ok = "meets" if bpp["first_paint"] <= TARGET_FIRST_PAINT else "misses"
            mean, majority = map_quality(out, a.artists, a.communities, a.seed)
            print(f"  map        {mean:.3f} of the 10 nearest points share the planted community; a majority do for {majority:.3f} of points")
            print(f"  points.bin.br {b['points']} B = {bpp['points']:.3f} B/pt; first paint {b['first_paint']} B = {bpp['first_paint']:.3f} B/pt ({ok} the {TARGET_FIRST_PAINT:g} B/pt target); all files {b['total']} B")
        if a.brotli:
            print()
            print("\n".join(brotli_table(out)))
    if a.reader:
        r = reader_once(data)
        print(f"\nreader alone: {r['files']} files, {r['all_files'] * mib * mib:.0f} MiB in all, largest {r['largest_file'] * mib * mib:.1f} MiB; {r['load'].text()}")
        print(f"  {r['seconds']:.2f} s wall, {r['cpu']:.2f} s cpu, {r['m']} playlists x {r['n']} artists, {r['nnz']} pairs ({r['result_bytes'] * mib * mib:.0f} MiB as csr)")
        grown = (r["peak_kib"] - r["base_kib"]) * 1024
        print(f"  peak RSS {r['peak_kib'] * mib:.0f} MiB, {grown * mib * mib:.0f} MiB over the RSS after reading one file (imports, compiles) = {grown / r['largest_file']:.1f} x the largest slice file")
        print(f"  one file alone (the 5 largest, tracemalloc): at most {r['per_file'] * mib * mib:.1f} MiB = {r['per_file'] / r['largest_file']:.1f} x the largest slice file")


if __name__ == "__main__":
    main()

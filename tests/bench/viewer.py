"""Load time and interactivity of the viewer for large synthetic atlases, against a bare regl page.

Run by hand from the repository root (needs Playwright and Debian's Chromium, as the browser tests):

    python tests/bench/viewer.py                         # 100,000 and 1,000,000 points, 5 loads each
    python tests/bench/viewer.py --sizes 20000 --runs 3  # quicker
    python tests/bench/viewer.py --rewrite               # write the sites again (else reused)

For each size a site of made-up entities (tests.browser.synthetic_site: positions, names,
neighbors, two metadata columns, region labels) is written once into build/.data/bench-viewer-N/
(about a minute for a million); the theme is copied in afresh on every run, so the figures are the
current viewer's. Beside it go `bare.f32` (the same positions, dequantized, as an uncompressed
Float32 buffer) and `bare.html`: regl draws them as one-pixel-wide dots of one color, nothing else.

Each load is a fresh browser context at 1440x900 (Chromium, SwiftShader WebGL, as in the tests):
- first points: navigation start to the first frame with the points (the atlas's
  'atlas:first-draw' mark; the bare page's draw), the GPU synced with a 1-pixel readPixels;
- interactive: navigation start until the page has answered a pan with a new frame, once its
  start-up work is done (the atlas: `atlas.settled()`: labels placed, files it asked for loaded;
  the bare page: right after its first draw);
- pan frame: the median time of 8 pans, each from the camera change to the synced frame.
The table shows medians over the loads, and the atlas's time as a multiple of the bare page's.
The machine may be shared: the 1-minute load average is printed with each size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser import CHROMIUM_ARGS, DESKTOP, launch, serve, synthetic_site  # noqa: E402

BARE_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>bare regl</title>
<style>html, body { margin: 0; height: 100%; overflow: hidden; background: #0d1017; } canvas { width: 100%; height: 100%; display: block; }</style>
<script src="assets/vendor/regl-2.1.1.min.js"></script></head>
<body><canvas id="c"></canvas><script>
(async () => {
  const canvas = document.getElementById('c');
  canvas.width = canvas.clientWidth; canvas.height = canvas.clientHeight;
  const xy = new Float32Array(await (await fetch('bare.f32')).arrayBuffer());
  const regl = createREGL({ canvas, attributes: { antialias: false, alpha: false, depth: false } });
  const buf = regl.buffer(xy);
  let shift = 0;
  const draw = regl({
    vert: 'precision highp float; attribute vec2 xy; uniform float shift; void main() { gl_Position = vec4(xy * 0.9 + vec2(shift, 0.0), 0.0, 1.0); gl_PointSize = 2.0; }',
    frag: 'precision mediump float; void main() { gl_FragColor = vec4(0.4, 0.6, 0.9, 1.0); }',
    attributes: { xy: buf }, uniforms: { shift: () => shift }, primitive: 'points', count: xy.length / 2,
  });
  const frame = () => { regl.poll(); regl.clear({ color: [0.05, 0.06, 0.09, 1] }); draw(); };
  frame();
  performance.mark('atlas:first-draw');
  window.bare = { pan: (dx) => { shift += dx; frame(); } };
  document.body.dataset.ready = '1';
})();
</script></body></html>
"""

# Captures the page's WebGL context, so that a 1-pixel readPixels can wait for the GPU.
SYNC_SCRIPT = """
(() => {
  const get = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
    const ctx = get.call(this, type, ...rest);
    if (ctx && /webgl/.test(type)) window.__gl = ctx;
    return ctx;
  };
  window.__sync = () => { const px = new Uint8Array(4); window.__gl?.readPixels(0, 0, 1, 1, __gl.RGBA, __gl.UNSIGNED_BYTE, px); return performance.now(); };
  // The first frame is timed where the page marks it, synchronously, before any later work.
  const mark = performance.mark.bind(performance);
  performance.mark = (name, ...rest) => {
    const entry = mark(name, ...rest);
    if (name === 'atlas:first-draw') window.__firstPoints = window.__sync();
    return entry;
  };
})();
"""

MEASURE_ATLAS = """async () => {
  await atlas.settled();
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(__sync()))));
  const v = atlas.view();
  atlas.setView([v[0] + 0.01, v[1], v[2]]);
  const interactive = await frame();
  const pans = [];
  for (let k = 0; k < 8; k++) {
    const t0 = performance.now();
    const w = atlas.view();
    atlas.setView([w[0] + (k % 2 ? 0.02 : -0.02), w[1], w[2]]);
    pans.push(await frame() - t0);
  }
  return { first: window.__firstPoints, interactive, pans };
}"""

MEASURE_BARE = """async () => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(__sync()))));
  bare.pan(0.01);
  const interactive = await frame();
  const pans = [];
  for (let k = 0; k < 8; k++) {
    const t0 = performance.now();
    bare.pan(k % 2 ? 0.02 : -0.02);
    pans.push(await frame() - t0);
  }
  return { first: window.__firstPoints, interactive, pans };
}"""


def refresh_theme(folder: Path) -> None:
    """Copy the current theme into a written site and fix manifest.json's sizes and hashes."""
    from types import SimpleNamespace

    from atlas import formats as fm
    from atlas import site

    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    data = SimpleNamespace(name=man["name"], title=man["title"], description=man["description"], keys=range(man["counts"]["entities"]),
                           packed=SimpleNamespace(pos=SimpleNamespace(shape=(man["counts"]["dims"],))))
    files = site._theme_files(data, site.find_theme("default"))
    table = {f["path"]: f for f in man["files"]}
    for rel, blob in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(blob)
        table[rel] = {"path": rel, "bytes": len(blob), "sha256": fm.sha256(blob)}
    man["files"] = [table[k] for k in sorted(table)]
    (folder / "manifest.json").write_text(json.dumps(man, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def prepare(n: int, rewrite: bool) -> Path:
    from atlas import formats as fm

    folder = ROOT / "build" / ".data" / f"bench-viewer-{n}"
    if rewrite or not (folder / "manifest.json").exists():
        t = time.perf_counter()
        synthetic_site(folder, n, seed=0)
        print(f"  wrote {folder} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    refresh_theme(folder)
    if not (folder / "bare.f32").exists() or rewrite:
        pts = fm.decode_bundle((folder / "points.bin.br").read_bytes(), kind="points")
        pos = pts.arrays["pos"].astype(np.float32) / 65535 * 2 - 1  # the box as clip space
        (folder / "bare.f32").write_bytes(np.ascontiguousarray(pos.T).tobytes())
    (folder / "bare.html").write_text(BARE_HTML, encoding="utf-8")
    return folder


def load(browser, url: str, measure: str) -> dict:
    ctx = browser.new_context(**DESKTOP)
    ctx.add_init_script(SYNC_SCRIPT)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url)
        page.wait_for_function("document.body.dataset.ready === '1'", timeout=300_000)
        out = page.evaluate(measure)
    finally:
        ctx.close()
    if errors:
        raise RuntimeError(f"{url}: {errors}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000,1000000", help="comma-separated point counts")
    ap.add_argument("--runs", type=int, default=5, help="loads per page and size (the median is shown)")
    ap.add_argument("--rewrite", action="store_true", help="write the synthetic sites again")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = launch(p)
        for n in [int(s) for s in args.sizes.split(",")]:
            folder = prepare(n, args.rewrite)
            load_avg = os.getloadavg()[0]
            with serve(folder) as base:
                got = {"atlas": [], "bare": []}
                for _ in range(args.runs):  # alternate, so that a busy moment hits both
                    got["atlas"].append(load(browser, base, MEASURE_ATLAS))
                    got["bare"].append(load(browser, base + "bare.html", MEASURE_BARE))
            med = {k: {m: statistics.median(r[m] for r in v) for m in ("first", "interactive")} | {"pan": statistics.median(x for r in v for x in r["pans"])} for k, v in got.items()}
            mb = (folder / "points.bin.br").stat().st_size / 1e6
            rows.append((n, mb, med, load_avg))
            print(f"  {n:,}: atlas {med['atlas']}, bare {med['bare']} (load {load_avg:.1f})", file=sys.stderr)
        browser.close()

    print(f"\nChromium {CHROMIUM_ARGS[1]}, 1440x900, median of {args.runs} loads; times in ms from navigation start\n")
    print("| points | points.bin.br | first points: atlas / bare = ratio | interactive: atlas / bare = ratio | pan frame: atlas / bare | load avg |")
    print("| ---: | ---: | --- | --- | --- | ---: |")
    for n, mb, m, la in rows:
        a, b = m["atlas"], m["bare"]
        print(f"| {n:,} | {mb:.1f} MB | {a['first']:.0f} / {b['first']:.0f} = {a['first'] / b['first']:.2f} | "
              f"{a['interactive']:.0f} / {b['interactive']:.0f} = {a['interactive'] / b['interactive']:.2f} | "
              f"{a['pan']:.0f} / {b['pan']:.0f} ms | {la:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

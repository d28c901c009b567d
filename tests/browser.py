"""Playwright helpers shared by browser tests: serve a folder, launch Chromium, watch requests.

`serve(folder)` serves a built site on a free localhost port with a threaded `http.server`
(no Content-Encoding for `.br`, as GitHub Pages). `launch(playwright)` starts Debian's Chromium
with software WebGL; `chromium.acquire()` shares one between test modules. `Visit` opens a page of a served site in a fresh context and records every
request whose origin is not the server's (`foreign`), page errors and console errors.
`screenshot_pixels` decodes a screenshot (in the browser: no Pillow needed). `hidden_points` lists
the entities a centred view hides (off the free part of the map, or under the legend);
`neighbors_under_legend` selects entities in turn and lists the neighbors drawn under it. `synthetic_site`
writes a site of made-up entities straight through atlas/site.py (no build pipeline), for viewer
tests that need metadata columns and for the viewer benchmark (tests/bench/viewer.py).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

CHROMIUM = os.environ.get("ATLAS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}


def chromium_missing_reason() -> str | None:
    """Why browser tests cannot run here, or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep test output quiet
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextlib.contextmanager
def serve(folder: Path):
    """Serve `folder` on 127.0.0.1:<free port>; yields the base URL (ending in /)."""
    handler = functools.partial(_Handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class SharedChromium:
    """One Playwright and one Chromium for all browser test modules of a run (the sync API allows
    one Playwright at a time): `acquire()` starts them for the first user, `release()` stops them
    after the last."""

    def __init__(self):
        self.users = 0
        self.playwright = None
        self.browser = None

    def acquire(self):
        if self.users == 0:
            from playwright.sync_api import sync_playwright

            self.playwright = sync_playwright().start()
            self.browser = launch(self.playwright)
        self.users += 1
        return self.browser

    def release(self):
        self.users -= 1
        if self.users == 0:
            try:
                self.browser.close()
            finally:
                self.playwright.stop()
                self.browser = self.playwright = None


chromium = SharedChromium()


def _origin(url: str) -> str:
    u = urlsplit(url)
    return f"{u.scheme}://{u.netloc}"


class Visit:
    """A page of the site at `base` in a new browser context; records what leaves the origin."""

    def __init__(self, browser, base: str, **context_options):
        self.base = base
        self.origin = _origin(base)
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(reduced_motion="reduce", **context_options)
        self.context.on("request", self._on_request)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))

    def _on_request(self, request):
        url = request.url
        self.requests.append(url)
        if not url.startswith(("data:", "blob:")) and _origin(url) != self.origin:
            self.foreign.append(url)

    def open(self, path: str = "", *, ready: bool = True, timeout: float = 30_000):
        self.page.goto(self.base + path)
        if ready:
            self.page.wait_for_function("document.body.dataset.ready === '1'", timeout=timeout)
        return self.page

    def close(self):
        self.context.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def hidden_points(page, show: list[int], clear: list[int] = ()) -> list[tuple[int, str]]:
    """Entities of `show` drawn outside the part of the map no panel covers (below the top bar,
    beside the side panel or above the bottom sheet) or under the open legend, and those of `clear`
    under the legend: [(id, "off" | "legend")], [] when all show as they should."""
    return [tuple(h) for h in page.evaluate(
        """([show, clear]) => {
            const box = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 ? [r.left, r.top, r.right, r.bottom] : null; };
            const free = [0, box(document.getElementById('top'))[3], innerWidth, innerHeight];
            const side = ['panel', 'tool'].map((id) => document.getElementById(id)).find((e) => !e.hidden);
            if (side) { const [l, t] = box(side); if (l > 0) free[2] = l; else free[3] = t; }
            const legend = box(document.getElementById('legend'));
            const inside = (p, b) => !!p && !!b && p[0] >= b[0] && p[0] <= b[2] && p[1] >= b[1] && p[1] <= b[3];
            const hidden = [];
            for (const i of show) if (!inside(atlas.project(i), free)) hidden.push([i, 'off']);
            for (const i of [...show, ...clear]) if (inside(atlas.project(i), legend)) hidden.push([i, 'legend']);
            return hidden;
        }""",
        [list(show), list(clear)],
    )]


def neighbors_under_legend(page, ids: list[int]) -> list[tuple[int, list[int]]]:
    """Select each of `ids` in turn, from the current view (kept for each), as a click does; the
    neighbors the camera then draws under the legend: [(id, [neighbor...])] for those with any."""
    return [(i, under) for i, under in page.evaluate(
        """async (ids) => {
            const r = document.getElementById('legend').getBoundingClientRect();
            const view = atlas.view();
            const hidden = [];
            for (const i of ids) {
                atlas.clear();
                atlas.setView(view);
                await atlas.select(i); // reduced motion: the camera is there when it resolves
                const under = atlas.neighbors.filter((j) => {
                    const p = atlas.project(j);
                    return p && p[0] >= r.left && p[0] <= r.right && p[1] >= r.top && p[1] <= r.bottom;
                });
                if (under.length) hidden.push([i, under]);
            }
            return hidden;
        }""",
        list(ids),
    )]


SYLLABLES = ["ka", "dor", "lu", "mi", "zen", "tra", "vel", "qui", "sho", "ran", "bel", "ost", "nu", "pe", "fa", "yon"]
GENRES = ["rock", "jazz", "folk", "techno", "soul", "metal", "blues", "ambient"]


def synthetic_site(out: Path, n: int, *, dims: int = 2, clusters: int = 24, k: int = 5, seed: int = 0, averager_dims: int = 0) -> Path:
    """Write a site of `n` made-up entities in `clusters` Gaussian blobs to `out` (atlas.site.write).

    Entities have syllable names, a Zipf-like popularity, `k` neighbors in their own blob, and two
    metadata columns: `genre` (mostly the blob's own of 8) and `year` (numeric, 5% missing). The
    points are colored by blob ("cluster"); `genre` and `year` have colors files too; the site has
    region labels (atlas.labels). With `averager_dims`, averager tables of that many dims (the
    blob's centre plus noise, as an embedding would place them). About 1 minute for a million entities.
    """
    from atlas import site
    from atlas.color import PALETTE, Colors, by_column
    from atlas.labels import region_labels
    from atlas.neighbors import Neighbors
    from atlas.pack import pack

    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, clusters + 1) ** 0.7
    blob = rng.choice(clusters, n, p=weights / weights.sum())
    centres = rng.uniform(-1, 1, (clusters, dims))
    spread = rng.uniform(0.03, 0.12, clusters)
    xy = centres[blob] + rng.normal(size=(n, dims)) * spread[blob, None]
    counts = np.minimum((rng.pareto(1.1, n) + 1) * 3, 2**31).astype(np.int64)
    packed = pack(xy, counts)
    o = packed.order
    blob, counts = blob[o], counts[o]
    averager = None
    if averager_dims:
        from atlas.averager import tables

        high = rng.normal(size=(clusters, averager_dims))[blob] + 0.35 * rng.normal(size=(n, averager_dims))
        averager = tables(high.astype(np.float32))
    syl = np.array(SYLLABLES)
    parts = rng.integers(0, len(syl), (n, 3))
    cap = [a.capitalize() + b + c for a, b, c in zip(syl[parts[:, 0]], syl[parts[:, 1]], syl[parts[:, 2]])]
    names = [f"{c} {i}" if i % 3 else c for i, c in enumerate(cap)]
    own = rng.random(n) < 0.8
    genre = np.where(own, blob % len(GENRES), rng.integers(0, len(GENRES), n))
    year = 1950 + 2 * blob + np.rint(rng.normal(size=n) * 6).astype(int)
    columns = {
        "genre": [GENRES[g] for g in genre],
        "year": [None if m else int(y) for y, m in zip(year, rng.random(n) < 0.05)],
    }
    sizes = np.bincount(blob, minlength=clusters)
    rank = np.empty(clusters, dtype=np.int64)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(clusters)
    used = int((sizes > 0).sum())
    cluster = Colors(rank[blob].astype(np.uint8), [PALETTE[i % len(PALETTE)] for i in range(used)], [f"cluster {i + 1}" for i in range(used)], "cluster")
    # Neighbors: k others of the same blob (a blob's members are found through a sort by blob).
    by_blob = np.argsort(blob, kind="stable")
    start = np.searchsorted(blob[by_blob], np.arange(clusters + 1))
    ids = np.empty((n, k), dtype=np.int32)
    for b in range(clusters):
        members = by_blob[start[b] : start[b + 1]]
        if len(members):
            ids[members] = rng.choice(members, (len(members), k))
    ids[ids == np.arange(n)[:, None]] = -1
    weight = np.where(ids >= 0, np.sort(rng.random((n, k)), axis=1)[:, ::-1], 0).astype(np.float32)
    data = site.SiteData(
        name=out.name, title=f"Synthetic atlas: {n:,} points", description="Made-up entities in Gaussian blobs.",
        keys=[f"e{i}" for i in range(n)], names=names, columns=columns, counts=counts, packed=packed,
        colors=cluster, extra_colors=[by_column(columns["genre"], "genre"), by_column(columns["year"], "year")],
        neighbors=Neighbors(ids, weight), averager=averager, n_collections=0, spec={}, stages={},
        labels=region_labels(cluster.index, names, counts, columns, packed.positions(), seed=seed),
    )
    site.write(data, out, site.find_theme("default"))
    return out


def screenshot_pixels(page, png: bytes) -> np.ndarray:
    """RGBA pixels (h, w, 4) uint8 of a PNG screenshot, decoded by the browser itself."""
    b64 = page.evaluate(
        """async (b64) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const img = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
            const c = new OffscreenCanvas(img.width, img.height);
            const g = c.getContext('2d');
            g.drawImage(img, 0, 0);
            const px = g.getImageData(0, 0, img.width, img.height).data;
            let s = '';
            for (let i = 0; i < px.length; i += 0x8000) s += String.fromCharCode.apply(null, px.subarray(i, i + 0x8000));
            return [img.width, img.height, btoa(s)];
        }""",
        base64.b64encode(png).decode(),
    )
    w, h, data = b64
    return np.frombuffer(base64.b64decode(data), dtype=np.uint8).reshape(h, w, 4)

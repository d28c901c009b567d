"""Playwright helpers shared by browser tests: serve a folder, launch Chromium, watch requests.

`serve(folder)` serves a built site on a free localhost port with a threaded `http.server`
(no Content-Encoding for `.br`, as GitHub Pages). `launch(playwright)` starts Debian's Chromium
with software WebGL. `Visit` opens a page of a served site in a fresh context and records every
request whose origin is not the server's (`foreign`), page errors and console errors.
`screenshot_pixels` decodes a screenshot (in the browser: no Pillow needed).
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

"""The default theme in headless Chromium, against the demo site built by `atlas build`.

The site is served on a free localhost port. Each test opens it in a fresh browser context,
waits for `body[data-ready]`, and checks what a person would: points on the canvas, search,
the panel with the neighbors the Python reader decodes from the same files, taps and clicks,
gestures, errors shown in the page; and that no request leaves the origin.

Screenshots go to test-output/. ATLAS_TEST_SITE=<folder> reuses a built site instead of
building sites/demo.toml (which takes a while).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import unicodedata
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from atlas import formats as fm
from tests.browser import DESKTOP, PHONE, Visit, chromium, chromium_missing_reason, hidden_points, neighbors_under_legend, screenshot_pixels, serve

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"
THEME = tomllib.loads((ROOT / "themes/default/theme.toml").read_text(encoding="utf-8"))["options"]

_missing = chromium_missing_reason()
# Locally a missing browser skips these tests; in CI (CI=true) it fails them.
pytestmark = pytest.mark.skipif(_missing is not None and not os.environ.get("CI"), reason=str(_missing))


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def site(demo_site) -> Path:
    return demo_site


@pytest.fixture(scope="session")
def base(site):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    yield chromium.acquire()
    chromium.release()


@pytest.fixture(scope="session", autouse=True)
def output_dir():
    OUT.mkdir(exist_ok=True)
    return OUT


@pytest.fixture
def visit(browser, base):
    """`visit(**context_options)` -> an opened, ready Visit; checked for errors and foreign requests."""
    opened = []

    def make(options=DESKTOP, path="", ready=True, at=None):
        v = Visit(browser, at or base, **options)
        opened.append(v)
        v.open(path, ready=ready)
        return v

    yield make
    for v in opened:
        try:
            assert v.foreign == [], f"requests left the origin: {v.foreign}"
        finally:
            v.close()


# --- the Python side's view of the same files -----------------------------------------------

class SiteFiles:
    """Decodes the site's files with atlas/formats.py, for comparison with the page."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.manifest = fm.read_manifest(folder)
        self.data = self.manifest["data"]

    @cache
    def _names(self, shard: int) -> dict:
        path = self.data["names"].replace("{shard}", f"{shard:04d}")
        return fm.decode_record((self.folder / path).read_bytes(), name=path, kind="names")

    @cache
    def _neighbors(self, shard: int) -> fm.Bundle:
        path = self.data["neighbors"].replace("{shard}", f"{shard:04d}")
        return fm.decode_bundle((self.folder / path).read_bytes(), name=path, kind="neighbors")

    def name(self, i: int) -> str:
        shard, row = divmod(int(i), self.data["shard_size"])
        return self._names(shard)["names"][row]

    def neighbors(self, i: int) -> list[tuple[int, float]]:
        shard, row = divmod(int(i), self.data["shard_size"])
        b = self._neighbors(shard)
        ids, score = b.arrays["ids"][row], b.arrays["score"][row]
        return [(int(a), float(s)) for a, s in zip(ids, score) if a >= 0]

    @cache
    def search(self) -> dict:
        return fm.decode_record((self.folder / self.data["search"]).read_bytes(), kind="search")

    @cache
    def points(self) -> fm.Bundle:
        return fm.decode_bundle((self.folder / self.data["points"]).read_bytes(), kind="points")


@pytest.fixture(scope="session")
def files(site) -> SiteFiles:
    return SiteFiles(site)


def fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c)).lower()


# --- helpers --------------------------------------------------------------------------------

def drawn_pixels(page, name: str) -> int:
    """Screenshot to test-output/<name>.png; the number of pixels that are not background."""
    png = page.screenshot(path=str(OUT / f"{name}.png"))
    px = screenshot_pixels(page, png)[:, :, :3].astype(int)
    bg = np.array([int(THEME["background"][i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(px - bg).max(axis=2) > 24).sum())


def wait_panel(page, expect_rows: int):
    page.wait_for_function(
        "n => !document.getElementById('panel').hidden && document.querySelectorAll('#panel .panel-list li').length === n",
        arg=expect_rows,
    )


def panel_rows(page) -> list[tuple[str, float]]:
    return page.eval_on_selector_all(
        "#panel .panel-list li",
        "lis => lis.map(li => [li.querySelector('.neighbor-name').textContent, parseFloat(li.querySelector('.neighbor-score').textContent)])",
    )


def expected_rows(files: SiteFiles, i: int) -> list[tuple[int, float]]:
    return files.neighbors(i)[: THEME["neighbors"]]


def check_panel(page, files: SiteFiles, i: int):
    """The panel shows entity i and its neighbors as the Python reader decodes them."""
    rows = expected_rows(files, i)
    wait_panel(page, len(rows))
    assert page.text_content("#panel-name") == files.name(i)
    shown = panel_rows(page)
    assert [name for name, _ in shown] == [files.name(j) for j, _ in rows]
    for (_, got), (_, want) in zip(shown, rows):
        assert got == pytest.approx(want, rel=5.1e-3, abs=1e-9)  # shown with 3 significant digits
    assert page.evaluate("atlas.selected") == i
    assert page.evaluate("atlas.neighbors") == [j for j, _ in rows]


def safe_point(page, box):
    """An entity drawn inside box (x0, y0, x1, y1) that a click on its centre picks."""
    return page.evaluate(
        """([x0, y0, x1, y1]) => {
            for (let i = 0; i < atlas.n; i += 7) {
                const [x, y] = atlas.project(i);
                if (x > x0 && x < x1 && y > y0 && y < y1 && atlas.pick(x, y, 'touch') === i) return [i, x, y];
            }
            return null;
        }""",
        list(box),
    )


# --- tests ----------------------------------------------------------------------------------

def test_desktop_draws_points_first(visit, base, files):
    v = visit(DESKTOP)
    page = v.page
    n = files.points().attrs["n"]
    assert page.evaluate("atlas.n") == n
    assert drawn_pixels(page, "desktop") > 0.01 * 1440 * 900
    # Before the first draw only the page, its assets and points.bin.br were fetched.
    early = page.evaluate("atlas.readyResources")
    assert base + "points.bin.br" in early
    assert [u for u in early if not (u.startswith(base + "assets/") or u == base + "points.bin.br")] == []
    # The preload works: points.bin.br is fetched once, before the scripts.
    assert v.requests.count(base + "points.bin.br") == 1
    assert v.requests.index(base + "points.bin.br") < v.requests.index(base + "assets/js/main.js")
    canvas = page.evaluate("[document.getElementById('map').width, innerWidth, devicePixelRatio]")
    assert canvas[0] == round(canvas[1] * canvas[2])
    assert v.errors == []


def test_phone_draws_points(visit):
    v = visit(PHONE)
    page = v.page
    assert page.evaluate("[innerWidth, innerHeight]") == [390, 844]
    assert drawn_pixels(page, "phone") > 0.01 * 390 * 844 * 9
    # The search box sits on top, full width.
    box = page.locator("#search-input").bounding_box()
    assert box["y"] < 80 and box["width"] > 330
    assert page.evaluate("getComputedStyle(document.getElementById('map')).touchAction") == "none"
    assert v.errors == []


def test_search_choose_shows_panel_with_neighbors(visit, files):
    page = visit(DESKTOP).page
    rec = files.search()
    i, name = rec["ids"][0], rec["names"][0]
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.type(fold(name))
    first = page.locator("#search-results li[role=option]").first
    first.wait_for()
    assert first.text_content() == name
    page.keyboard.press("Enter")
    check_panel(page, files, i)
    page.evaluate("atlas.settled()")
    # The panel sits on the right; the selection is drawn in the part of the map it leaves free.
    box = page.locator("#panel").bounding_box()
    assert box["x"] > 1440 / 2 and box["height"] > 900 / 2
    x, y = page.evaluate(f"atlas.project({i})")
    assert 0 < x < box["x"] and 0 < y < 900
    drawn_pixels(page, "desktop-selected")

    # Choosing a neighbor in the panel selects it.
    j = expected_rows(files, i)[0][0]
    page.locator("#panel .neighbor-button").first.click()
    check_panel(page, files, j)

    # Esc in the search box clears it; Esc elsewhere closes the panel.
    page.locator("#search-input").focus()
    page.keyboard.press("Escape")
    assert page.input_value("#search-input") == ""
    page.locator("#map").focus()
    page.keyboard.press("Escape")
    assert page.locator("#panel").is_hidden()
    assert page.evaluate("atlas.selected") is None


def test_search_order_and_keyboard(visit, files):
    page = visit(DESKTOP).page
    rec = files.search()
    rank = {i: r for r, i in enumerate(rec["ids"])}
    # A short query that hits many names, inside words as well as at their start.
    word = fold(rec["names"][0]).split()[0][:2] or "a"
    results = page.evaluate("q => atlas.search(q)", word)
    assert results, f"no result for {word!r}"
    assert all(word in fold(r["name"]) for r in results)
    flags = [r["word"] for r in results]
    assert flags == sorted(flags, reverse=True), "word-prefix matches come first"
    for group in (True, False):
        ranks = [rank[r["id"]] for r in results if r["word"] is group]
        assert ranks == sorted(ranks), "each group is in popularity order"
    # Case and diacritics do not matter.
    name = next((s for s in rec["names"] if fold(s) != s.lower()), rec["names"][0])
    ids = [r["id"] for r in page.evaluate("q => atlas.search(q, 50)", fold(name).upper())]
    assert rec["ids"][rec["names"].index(name)] in ids

    page.locator("#search-input").click()
    page.keyboard.type(word)
    page.locator("#search-results li[role=option]").first.wait_for()
    options = page.locator("#search-results li[role=option]")
    assert options.count() == len(results)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.screenshot(path=str(OUT / "desktop-search.png"))
    assert options.nth(1).get_attribute("aria-selected") == "true"
    assert page.get_attribute("#search-input", "aria-activedescendant") == options.nth(1).get_attribute("id")
    page.keyboard.press("Enter")
    check_panel(page, files, results[1]["id"])


def test_click_point_desktop(visit, files):
    page = visit(DESKTOP).page
    found = safe_point(page, (500, 150, 1000, 800))
    assert found, "no point in the middle of the screen"
    i, x, y = found
    page.mouse.move(x, y)
    page.wait_for_selector("#tip:not([hidden])")
    assert page.text_content("#tip") == files.name(i)
    page.mouse.click(x, y)
    check_panel(page, files, i)


def test_tap_point_phone(visit, files):
    page = visit(PHONE).page
    page.locator("#search-input").tap()
    page.keyboard.type("a")
    page.locator("#search-results li[role=option]").first.wait_for()
    page.screenshot(path=str(OUT / "phone-search.png"))
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    assert page.locator("#search-results").is_hidden()
    found = safe_point(page, (40, 150, 350, 500))
    assert found, "no point in the upper middle of the screen"
    i, x, y = found
    page.touchscreen.tap(x, y)
    check_panel(page, files, i)
    page.evaluate("atlas.settled()")
    # A bottom sheet: full width, at the bottom, leaving the upper half of the map visible.
    box = page.locator("#panel").bounding_box()
    assert box["width"] == 390 and abs(box["y"] + box["height"] - 844) < 1 and box["y"] > 844 * 0.4
    x, y = page.evaluate(f"atlas.project({i})")
    assert 0 < x < 390 and 60 < y < box["y"], "the selection is centred above the sheet"
    drawn_pixels(page, "phone-selected")
    # The handle folds the sheet down to its title.
    page.locator("#panel .sheet-handle").tap()
    assert page.locator("#panel").bounding_box()["height"] < 150
    page.locator("#panel .panel-close").tap()
    assert page.locator("#panel").is_hidden()


def test_selection_near_the_legend_shows_clear_of_it(visit):
    """The open legend (bottom left on a desktop) hides none of the points a selection centres on:
    from the fitted view, each of the 200 entities nearest the legend's top-right corner is
    selected in turn, and no neighbor is drawn under the legend (a few are when the camera takes
    the legend for nothing); the last one shows beside the panel, clear of the legend."""
    page = visit(DESKTOP).page
    assert page.evaluate("document.getElementById('legend').open")
    near = page.evaluate(
        """() => {
            const r = document.getElementById('legend').getBoundingClientRect();
            const d = Array.from({ length: atlas.n }, (_, i) => { const [x, y] = atlas.project(i); return [Math.hypot(x - r.right, y - r.top), i]; });
            return d.sort((a, b) => a[0] - b[0]).slice(0, 200).map(([, i]) => i);
        }"""
    )
    assert neighbors_under_legend(page, near) == []
    page.evaluate("atlas.settled()")
    assert hidden_points(page, [near[-1]], page.evaluate("atlas.neighbors")) == []


def test_mouse_pan_and_wheel_zoom(visit):
    page = visit(DESKTOP).page
    found = safe_point(page, (500, 200, 1000, 700))
    i, x, y = found
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 30, steps=4)
    page.mouse.move(x + 120, y + 60, steps=4)
    page.mouse.up()
    x1, y1 = page.evaluate(f"atlas.project({i})")
    assert (x1, y1) == pytest.approx((x + 120, y + 60), abs=1.0)
    assert page.evaluate("atlas.selected") is None, "a drag is not a click"
    scale = page.evaluate("atlas.camera.scale")
    page.mouse.move(x1, y1)
    page.mouse.wheel(0, -400)
    page.wait_for_function(f"atlas.camera.scale > {scale} * 1.5")
    # Zoom keeps the point under the cursor in place.
    assert page.evaluate(f"atlas.project({i})") == pytest.approx((x1, y1), abs=1.0)


def test_touch_pan_and_pinch(visit):
    v = visit(PHONE)
    page = v.page
    cdp = v.context.new_cdp_session(page)

    def touch(kind, points):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y, "id": k} for k, (x, y) in enumerate(points)]})

    i, x, y = safe_point(page, (100, 250, 300, 500))
    touch("touchStart", [(x, y)])
    for s in range(1, 6):
        touch("touchMove", [(x + 8 * s, y + 10 * s)])
    touch("touchEnd", [])
    assert page.evaluate(f"atlas.project({i})") == pytest.approx((x + 40, y + 50), abs=1.0)
    assert page.evaluate("atlas.selected") is None

    x, y = page.evaluate(f"atlas.project({i})")
    scale = page.evaluate("atlas.camera.scale")
    touch("touchStart", [(x - 20, y), (x + 20, y)])
    for s in range(1, 6):
        touch("touchMove", [(x - 20 - 10 * s, y), (x + 20 + 10 * s, y)])
    touch("touchEnd", [])
    assert page.evaluate("atlas.camera.scale") == pytest.approx(scale * 140 / 40, rel=0.02)
    assert page.evaluate(f"atlas.project({i})") == pytest.approx((x, y), abs=1.5)
    assert page.evaluate("visualViewport.scale") == 1, "the page itself did not zoom"


def test_resize_follows_window(visit):
    page = visit(DESKTOP).page
    page.set_viewport_size({"width": 800, "height": 600})
    page.wait_for_function("document.getElementById('map').width === 800 && atlas.camera.width === 800")
    assert drawn_pixels(page, "desktop-resized") > 0.01 * 800 * 600


def test_works_from_a_subpath(visit, site, browser):
    with serve(site.parent) as parent:
        v = visit(DESKTOP, path=f"{site.name}/", at=parent)
        assert v.page.evaluate("atlas.n") > 0
        assert v.errors == []


def _copy(site: Path, to: Path) -> Path:
    shutil.copytree(site, to)
    return to


def _rewrite(site: Path, rel: str, data: bytes):
    """Replace one file of a site and its size and hash in manifest.json."""
    (site / rel).write_bytes(data)
    man = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    for f in man["files"]:
        if f["path"] == rel:
            f.update(bytes=len(data), sha256=fm.sha256(data))
    (site / "manifest.json").write_text(json.dumps(man), encoding="utf-8")


def test_names_are_text_not_html(visit, site, tmp_path, files):
    copy = _copy(site, tmp_path / "site")
    tricky = '<b>zqxbold</b> <img src="x.png" onerror="window.pwned=1"> 🎸 مرحبا & <i>'
    names = files.data["names"].replace("{shard}", "0000")
    rec = fm.decode_record((copy / names).read_bytes())
    rec["names"][0] = tricky
    _rewrite(copy, names, fm.encode_record("names", {k: v for k, v in rec.items() if k not in ("kind", "version")}))
    s = fm.decode_record((copy / files.data["search"]).read_bytes())
    s["names"][s["ids"].index(0)] = tricky
    _rewrite(copy, files.data["search"], fm.encode_record("search", {"ids": s["ids"], "names": s["names"]}))

    with serve(copy) as url:
        v = visit(DESKTOP, at=url)
        page = v.page
        page.locator("#search-input").fill("zqxbold")
        option = page.locator("#search-results li[role=option]").first
        option.wait_for()
        assert option.text_content() == tricky
        option.click()
        page.wait_for_function("document.getElementById('panel-name').textContent.includes('zqxbold')")
        assert page.text_content("#panel-name") == tricky
        assert page.locator("#panel b, #panel img, #panel i, #search-results b, #search-results img").count() == 0
        assert page.evaluate("window.pwned") is None
        assert not [u for u in v.requests if u.endswith("x.png")]


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_broken_points_file_shows_error(visit, site, tmp_path, damage):
    copy = _copy(site, tmp_path / "site")
    path = copy / "points.bin.br"
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        for k in range(40, len(data), 97):
            data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    with serve(copy) as url:
        v = visit(DESKTOP, at=url, ready=False)
        page = v.page
        page.wait_for_selector("#status.error", timeout=15_000)
        text = page.text_content("#status .status-text")
        assert text.startswith("points.bin.br:"), text
        if damage == "truncated":
            assert "truncated" in text
        assert page.get_attribute("#status", "role") == "alert"
        assert page.evaluate("document.body.dataset.ready") is None
        page.screenshot(path=str(OUT / f"error-{damage}.png"))


def test_missing_neighbors_shard_shows_error_in_panel(visit, site, tmp_path, files):
    copy = _copy(site, tmp_path / "site")
    (copy / files.data["neighbors"].replace("{shard}", "0000")).unlink()
    with serve(copy) as url:
        page = visit(DESKTOP, at=url).page
        page.evaluate("atlas.select(0)")
        page.wait_for_selector("#panel .panel-note.error")
        assert page.text_content("#panel .panel-note").startswith("neighbors/0000.bin.br: HTTP 404")
        assert page.text_content("#panel-name") == files.name(0)


def test_file_that_differs_from_manifest_is_reported(visit, site, tmp_path, files):
    copy = _copy(site, tmp_path / "site")
    names = files.data["names"].replace("{shard}", "0000")
    rec = fm.decode_record((copy / names).read_bytes())
    rec["names"][0] = "changed after the build"
    (copy / names).write_bytes(fm.encode_record("names", {k: v for k, v in rec.items() if k not in ("kind", "version")}))
    with serve(copy) as url:
        page = visit(DESKTOP, at=url).page
        page.evaluate("atlas.select(0)")
        page.wait_for_selector("#panel .panel-note.error")
        assert page.text_content("#panel .panel-note").startswith(f"{names}: ")
        assert "manifest" in page.text_content("#panel .panel-note")


# --- data.js against atlas/formats.py -------------------------------------------------------

DECODE_JS = """async ([b64, kind, record]) => {
    const d = await import('./assets/js/data.js');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    try {
        if (record) return {ok: await d.decodeRecord(bytes, 'x.msgpack.br', kind)};
        const b = await d.decodeBundle(bytes, 'x.bin.br', kind);
        const arrays = Object.fromEntries(Object.entries(b.arrays).map(([k, a]) => [k, Array.from(a)]));
        return {ok: {kind: b.kind, version: b.version, attrs: b.attrs, arrays, shapes: b.shapes}};
    } catch (e) {
        return {error: e.message};
    }
}"""


def js_decode(page, data: bytes, kind=None, record=False):
    import base64

    return page.evaluate(DECODE_JS, [base64.b64encode(data).decode(), kind, record])


def test_data_js_decodes_what_formats_py_writes(visit, monkeypatch):
    page = visit(DESKTOP).page
    rng = np.random.default_rng(3)
    arrays = {
        "u1": rng.integers(0, 256, 37).astype(np.uint8),
        "i1": rng.integers(-128, 128, 5).astype(np.int8),
        "u2": rng.integers(0, 2**16, (3, 11)).astype(np.uint16),
        "i2": rng.integers(-(2**15), 2**15, 9).astype(np.int16),
        "u4": rng.integers(0, 2**32, 13, dtype=np.uint64).astype(np.uint32),
        "i4": rng.integers(-(2**31), 2**31, (4, 5)).astype(np.int32),
        "f4": rng.normal(size=7).astype(np.float32),
    }
    attrs = {"n": 3, "name": "ünï <b>", "lo": [-1.5, 2.0]}
    for shuffle in [(), tuple(arrays)]:
        got = js_decode(page, fm.encode_bundle("colors", arrays, attrs, shuffle=shuffle), "colors")["ok"]
        assert (got["kind"], got["version"], got["attrs"]) == ("colors", fm.VERSIONS["colors"], attrs)
        for name, a in arrays.items():
            assert got["shapes"][name] == list(a.shape)
            np.testing.assert_array_equal(np.array(got["arrays"][name], dtype=a.dtype).reshape(a.shape), a, err_msg=name)

    payload = {
        "start": 0,
        "names": ["plain", "x" * 40, "é" * 300, "🎸 مرحبا", "", "<b>"],
        "keys": ["k"] * 6,
        "columns": {
            "ints": [0, 127, 128, -1, -33, 255, 256, 65535, 65536, -129, -32769, 2**31, -(2**31) - 1, 2**40, -(2**40)],
            "floats": [0.5, -1e300, 1.25],
            "mixed": [None, True, False, "s", 1.5, [1, [2]], {"a": {"b": None}}],
            "long": list(range(70000)),
        },
    }
    got = js_decode(page, fm.encode_record("names", payload), "names", record=True)["ok"]
    assert got == {"kind": "names", "version": fm.VERSIONS["names"], **payload}

    # Errors name the file and the reason.
    assert js_decode(page, fm.encode_bundle("colors", arrays), "points")["error"] == 'x.bin.br: kind "colors", expected "points"'
    monkeypatch.setitem(fm.VERSIONS, "colors", 99)
    msg = js_decode(page, fm.encode_bundle("colors", arrays), "colors")["error"]
    assert msg == "x.bin.br: colors version 99 is not supported (this viewer reads version 1)"
    assert js_decode(page, b"not brotli at all", "colors")["error"].startswith("x.bin.br: ")


def test_data_js_reads_the_site_like_formats_py(visit, files):
    page = visit(DESKTOP).page
    pts = files.points()
    got = js_decode(page, (files.folder / files.data["points"]).read_bytes(), "points")["ok"]
    assert got["attrs"] == pts.attrs
    for name, a in pts.arrays.items():
        np.testing.assert_array_equal(np.array(got["arrays"][name], dtype=a.dtype).reshape(a.shape), a, err_msg=name)
    search = js_decode(page, (files.folder / files.data["search"]).read_bytes(), "search", record=True)["ok"]
    assert search == files.search()


def test_missing_script_shows_error(visit, site, tmp_path):
    copy = _copy(site, tmp_path / "site")
    (copy / "assets/js/search.js").unlink()
    with serve(copy) as url:
        page = visit(DESKTOP, at=url, ready=False).page
        page.wait_for_selector("#status.error", timeout=15_000)
        assert "scripts did not load" in page.text_content("#status .status-text")

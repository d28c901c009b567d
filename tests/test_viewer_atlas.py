"""The atlas as people meet it, in headless Chromium: labels, colors and filters, deep links, the
3D galaxy, phones held in one hand, the light scheme and the loading indicator.

Sites: the demo (built once per session, or ATLAS_TEST_SITE=<folder>), a synthetic site with
metadata columns written straight through atlas/site.py (tests.browser.synthetic_site), and
polbooks built by the real CLI with `[layout] dims = 3`. To keep the run short, tests that only
read or set state through the page share one page per site and size; each test puts back what
it changed. Screenshots go to test-output/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from tests.browser import DESKTOP, PHONE, Visit, chromium_missing_reason, neighbors_under_legend, screenshot_pixels, serve, synthetic_site
from tests.conftest import ROOT, run_atlas, shared_data
from tests.test_viewer import OUT, THEME, SiteFiles, drawn_pixels, safe_point

_missing = chromium_missing_reason()
pytestmark = pytest.mark.skipif(_missing is not None and not os.environ.get("CI"), reason=str(_missing))

SYN_N = 3000


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(browser):
    """`served(folder)` -> base URL; one server per folder for the module."""
    import contextlib

    with contextlib.ExitStack() as stack:
        urls = {}

        def url(folder: Path) -> str:
            if folder not in urls:
                urls[folder] = stack.enter_context(serve(folder))
            return urls[folder]

        yield url


@pytest.fixture(scope="module")
def opened(browser):
    """`opened(base, options, path)` -> a ready Visit, closed (and checked) at the end of the module."""
    visits = []

    def make(base, options=DESKTOP, path="", ready=True):
        v = Visit(browser, base, **options)
        visits.append(v)
        v.open(path, ready=ready)
        return v

    yield make
    for v in visits:
        try:
            assert v.foreign == [], f"requests left the origin: {v.foreign}"
            assert [e for e in v.errors if "link:" not in e] == [], v.errors
        finally:
            v.close()


@pytest.fixture(scope="module")
def syn_site(tmp_path_factory) -> Path:
    return synthetic_site(tmp_path_factory.mktemp("sites") / "syn", SYN_N, seed=1)


@pytest.fixture(scope="module")
def galaxy_site(tmp_path_factory) -> Path:
    """polbooks (105 books) laid out in 3-D by the real build."""
    data = shared_data("newman-network-data")
    folder = tmp_path_factory.mktemp("galaxy")
    text = (ROOT / "sites/polbooks.toml").read_text(encoding="utf-8")
    text = text.replace("../../shared/data/newman-network-data", data.as_posix()).replace("[layout]\n", "[layout]\ndims = 3\n")
    (folder / "polbooks3.toml").write_text(text, encoding="utf-8")
    run_atlas("build", folder / "polbooks3.toml", "--out", folder / "site", "--quiet")
    return folder / "site"


@pytest.fixture(scope="module")
def syn_desk(opened, served, syn_site):
    return opened(served(syn_site))


@pytest.fixture(scope="module")
def demo_files(demo_site) -> SiteFiles:
    return SiteFiles(demo_site)


# --- helpers --------------------------------------------------------------------------------

def settle(page):
    page.evaluate("atlas.settled()")


def shot(page, name: str) -> np.ndarray:
    """Screenshot to test-output/<name>.png; RGB pixels (h, w, 3) int, one per CSS pixel."""
    return screenshot_pixels(page, page.screenshot(path=str(OUT / f"{name}.png"), scale="css"))[:, :, :3].astype(int)


def save(page, name: str) -> None:
    """Screenshot to test-output/<name>.png, to look at."""
    page.screenshot(path=str(OUT / f"{name}.png"))


def changed(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ visibly between two screenshots."""
    return float((np.abs(a - b).max(axis=2) > 24).mean())


def _off_background(page, name: str) -> np.ndarray:
    """|pixel - background| per channel right of the legend, in a screenshot with the labels hidden."""
    page.evaluate("document.getElementById('labels').style.visibility = 'hidden'")
    try:
        px = shot(page, name)
    finally:
        page.evaluate("document.getElementById('labels').style.visibility = ''")
    bg = np.array([int(THEME["background"][i : i + 2], 16) for i in (1, 3, 5)])
    return np.abs(px[:, 320:] - bg)


def point_pixels(page, name: str) -> int:
    """Pixels the points cover right of the legend (as drawn_pixels counts them), labels hidden."""
    return int((_off_background(page, name).max(axis=2) > 24).sum())


def point_ink(page, name: str) -> int:
    """How far the points take the canvas from the background, summed (faint points count a little)."""
    return int(_off_background(page, name).sum())


def label_boxes(page) -> list[dict]:
    """The labels on screen as the DOM lays them out: {id, kind, text, box: [x0, y0, x1, y1]}."""
    return page.eval_on_selector_all(
        "#labels .label:not([hidden])",
        """els => els.map(e => {
            const r = e.getBoundingClientRect();
            return {id: e.dataset.id === undefined ? null : Number(e.dataset.id), kind: e.className.replace('label label-', ''),
                    text: e.textContent, box: [r.left, r.top, r.right, r.bottom]};
        })""",
    )


def rect(page, selector: str) -> list[float] | None:
    r = page.locator(selector).bounding_box()
    return None if r is None else [r["x"], r["y"], r["x"] + r["width"], r["y"] + r["height"]]


def intersect(a, b) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > 0.01 and min(a[3], b[3]) - max(a[1], b[1]) > 0.01


def check_labels(page, width: int, height: int, *, covered: tuple[str, ...] = ("#search-input", "#legend")) -> list[dict]:
    """Labels exist, lie inside the window, overlap no other label and no panel; returns them."""
    settle(page)
    labels = label_boxes(page)
    assert labels, "no labels"
    for lab in labels:
        x0, y0, x1, y1 = lab["box"]
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, lab
        assert lab["text"].strip(), lab
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not intersect(a["box"], b["box"]), f"labels overlap: {a} and {b}"
    for sel in covered:
        r = rect(page, sel)
        if r is not None:
            assert not [lab for lab in labels if intersect(lab["box"], r)], f"a label covers {sel}"
    # What the page reports is what the DOM shows.
    assert sorted(lab["text"] for lab in page.evaluate("atlas.labels()")) == sorted(lab["text"] for lab in labels)
    return labels


def legend_entry(page, label: str):
    return page.locator("#legend .legend-entry", has=page.locator(".legend-label", has_text=re.compile(f"^{re.escape(label)}$")))


def contrast(c1: str, c2: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() or #rrggbb colors (alpha ignored)."""
    def lum(c):
        if c.startswith("#"):
            rgb = [int(c[i : i + 2], 16) for i in (1, 3, 5)]
        else:
            rgb = [float(v) for v in re.findall(r"[\d.]+", c)[:3]]
        lin = [(v / 255) / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    a, b = sorted([lum(c1), lum(c2)], reverse=True)
    return (a + 0.05) / (b + 0.05)


# --- labels ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_labels_name_the_most_important_points_without_overlap(opened, served, demo_site, demo_files, size):
    options = DESKTOP if size == "desktop" else PHONE
    w, h = options["viewport"]["width"], options["viewport"]["height"]
    page = opened(served(demo_site), options).page
    # Zoomed out: region labels from labels.msgpack.br, and names of popular entities.
    labels = check_labels(page, w, h)
    save(page, f"{size}-labels")
    regions = [lab for lab in labels if lab["kind"] == "region"]
    names = [lab for lab in labels if lab["kind"] == "entity"]
    assert len(regions) >= (6 if size == "desktop" else 3), regions
    assert len(names) >= (20 if size == "desktop" else 5), names
    for lab in names:
        assert lab["text"] == demo_files.name(lab["id"])[:32] or lab["text"].endswith("…")
    # Popular entities are labelled first: the labelled ones are bigger than the average point.
    size_class = demo_files.points().arrays["size"]
    assert np.median(size_class[[lab["id"] for lab in names]]) > np.median(size_class) + 20

    # Zoomed in 12 times on the most popular entity: other, less popular names; no region labels.
    top = demo_files.search()["ids"][0]
    pts = demo_files.points()
    lo, hi = np.array(pts.attrs["lo"]), np.array(pts.attrs["hi"])
    wx, wy = lo + pts.arrays["pos"][:, top] / 65535 * (hi - lo)
    page.evaluate(f"atlas.setView([{wx}, {wy}, 12])")
    zoomed = check_labels(page, w, h)
    save(page, f"{size}-labels-zoomed")
    assert not [lab for lab in zoomed if lab["kind"] == "region"]
    assert {lab["id"] for lab in zoomed} - {lab["id"] for lab in names}, "zooming in shows other names"
    page.evaluate("atlas.setView(atlas.view().map((v, i) => i === 2 ? 1 : v))")
    settle(page)


# --- colors, filters, links (synthetic site with genre and year) ----------------------------

def test_color_by_column_changes_pixels_and_legend(syn_desk):
    page = syn_desk.page
    settle(page)
    before = shot(page, "desktop-color-cluster")
    assert page.locator("#legend .legend-title").text_content() == "Color: cluster"
    page.select_option("#legend select", "genre")
    page.wait_for_function("atlas.colorBy === 'genre'")
    settle(page)
    after = shot(page, "desktop-color-genre")
    assert changed(before, after) > 0.003
    entries = page.locator("#legend .legend-entry .legend-label").all_text_contents()
    assert set(entries) >= {"rock", "jazz", "folk", "techno"}
    # Each legend entry is a button named by its value and pressed while its points show.
    rock = page.get_by_role("button", name=re.compile("^rock"))
    assert rock.get_attribute("aria-pressed") == "true"
    page.select_option("#legend select", "cluster")
    page.wait_for_function("atlas.colorBy === 'cluster'")
    settle(page)


def test_filters_hide_or_dim_points(syn_desk, syn_site):
    page = syn_desk.page
    settle(page)
    full = point_pixels(page, "desktop-filter-none")
    page.select_option("#legend select", "genre")
    page.wait_for_function("atlas.colorBy === 'genre'")
    # Hide rock and jazz by their legend entries.
    for value in ("rock", "jazz"):
        legend_entry(page, value).click()
    page.wait_for_function("Object.keys(atlas.filters).includes('genre')")
    settle(page)
    assert legend_entry(page, "rock").get_attribute("aria-pressed") == "false"
    hidden_px = point_pixels(page, "desktop-filter-hide")
    assert hidden_px < full * 0.9
    hidden_ink = point_ink(page, "desktop-filter-hide")
    shown = page.evaluate("(() => { let k = 0; for (let i = 0; i < atlas.n; i++) k += atlas.visible(i); return k; })()")
    from atlas import formats as fm

    genre = fm.decode_bundle((syn_site / "colors/genre.bin.br").read_bytes(), kind="colors")
    legend = genre.attrs["legend"]
    keep = ~np.isin(genre.arrays["color"], [legend.index("rock"), legend.index("jazz")])
    assert shown == int(keep.sum())
    # Hidden points are neither labelled nor picked.
    labelled = [lab["id"] for lab in label_boxes(page) if lab["id"] is not None]
    assert labelled and all(keep[i] for i in labelled)
    gone = int(np.flatnonzero(~keep)[0])
    assert page.evaluate(f"atlas.visible({gone})") is False
    # Dim instead of hide: the points come back, faint.
    page.get_by_label("Dim filtered points").check()
    page.wait_for_function("location.hash.includes('dim=1')")
    assert point_ink(page, "desktop-filter-dim") > hidden_ink * 1.05
    page.get_by_label("Dim filtered points").uncheck()
    # A numeric column filters by a range of its bins.
    page.select_option("#legend select", "year")
    page.wait_for_function("atlas.colorBy === 'year'")
    assert page.locator("#legend .legend-range").is_visible()
    page.evaluate("""() => {
        const [a, b] = document.querySelectorAll('#legend .legend-range input');
        a.value = 2; a.dispatchEvent(new Event('input', {bubbles: true}));
        b.value = 5; b.dispatchEvent(new Event('input', {bubbles: true}));
    }""")
    page.wait_for_function("(atlas.filters.year || []).length === 4")
    assert page.evaluate("atlas.filters") == {"genre": sorted([legend.index("rock"), legend.index("jazz")]), "year": [0, 1, 6, 7]}
    # The genre filter is listed, and cleared by its button; "Show all" clears the range.
    page.get_by_role("button", name=re.compile("^Clear the filter on genre")).click()
    page.get_by_role("button", name="Show all").click()
    page.wait_for_function("Object.keys(atlas.filters).length === 0")
    page.select_option("#legend select", "cluster")
    page.wait_for_function("atlas.colorBy === 'cluster'")
    settle(page)
    assert point_pixels(page, "desktop-filter-cleared") == pytest.approx(full, rel=0.02)


def test_deep_link_restores_the_view(opened, served, syn_desk, syn_site):
    page = syn_desk.page
    settle(page)
    # Move, color, filter, dim and select as a person would.
    found = safe_point(page, (500, 200, 1000, 700))
    assert found
    i, x, y = found
    page.mouse.move(x, y)
    page.mouse.wheel(0, -500)
    page.wait_for_function("atlas.camera.scale > atlas.camera.fitScale * 1.5")
    page.mouse.move(700, 450)
    page.mouse.down()
    page.mouse.move(640, 420, steps=4)
    page.mouse.up()
    page.select_option("#legend select", "year")
    page.wait_for_function("atlas.colorBy === 'year'")
    legend_entry(page, "missing").click()
    page.evaluate("atlas.setFilter('genre', [0, 3])")
    page.get_by_label("Dim filtered points").check()
    x, y = page.evaluate(f"atlas.project({i})")
    page.mouse.click(x, y)
    page.wait_for_function(f"atlas.selected === {i}")
    page.wait_for_selector("#panel .neighbor-button")
    settle(page)
    hash_ = page.evaluate("location.hash")
    assert hash_ == page.evaluate("atlas.link()")
    assert re.search(rf"(^#|&)s={i}(&|$)", hash_) and "c=year" in hash_ and "f=genre:0.3" in hash_ and "dim=1" in hash_
    want = page.evaluate("({view: atlas.view(), selected: atlas.selected, color: atlas.colorBy, filters: atlas.filters, scheme: document.documentElement.dataset.scheme})")
    before = shot(page, "desktop-link-source")

    other = opened(served(syn_site), DESKTOP, path=hash_).page
    settle(other)
    other.wait_for_selector("#panel .neighbor-button")
    settle(other)
    got = other.evaluate("({view: atlas.view(), selected: atlas.selected, color: atlas.colorBy, filters: atlas.filters, scheme: document.documentElement.dataset.scheme})")
    assert got["view"] == pytest.approx(want["view"], rel=1e-7, abs=1e-9)
    assert {k: v for k, v in got.items() if k != "view"} == {k: v for k, v in want.items() if k != "view"}
    assert other.evaluate("location.hash") == hash_
    after = shot(other, "desktop-link-restored")
    # The map looks the same (the legend may differ: its scroll position is not part of a link).
    assert changed(before[:, 320:], after[:, 320:]) < 0.001, "the restored page looks like the linked one"

    # Back to the start for the other tests on this page.
    page.evaluate("(async () => { atlas.clear(); await atlas.setFilter('genre', []); await atlas.setFilter('year', []); await atlas.setDim(false); await atlas.setColor('cluster'); atlas.setView([...atlas.view().slice(0, 2), 1]); })()")
    page.get_by_label("Dim filtered points").uncheck()
    settle(page)


def test_link_format_round_trips(syn_desk):
    page = syn_desk.page
    got = page.evaluate("""async () => {
        const { parseLink, formatLink } = await import('./assets/js/link.js');
        const state = {view: [0.125, -3.5, 2.75], selected: 17, color: 'a:b c&d=é', filters: [['a:b c&d=é', [0, 5]], ['year', [7]]], dim: true, scheme: 'light'};
        const hash = formatLink(state);
        const back = parseLink(hash);
        return {hash, back: {...back, filters: [...back.filters].map(([c, s]) => [c, [...s]])}};
    }""")
    assert got["back"] == {
        "view": [0.125, -3.5, 2.75], "selected": 17, "color": "a:b c&d=é", "filters": [["a:b c&d=é", [0, 5]], ["year", [7]]], "dim": True, "scheme": "light",
        "tool": None, "pair": [None, None], "mix": 0.5, "pop": "all", "set": [],
    }
    assert got["hash"].startswith("#v=0.125,-3.5,2.75&s=17&c=a:b%20c%26d%3D%C3%A9&")
    # The averager panel's state: a pair with a mix and a filter, or a set; junk is dropped.
    tools = page.evaluate("""async () => {
        const { parseLink, formatLink } = await import('./assets/js/link.js');
        const pick = ({ tool, pair, mix, pop, set }) => ({ tool, pair, mix, pop, set });
        const a = formatLink({ tool: 'between', pair: [12, 40], mix: 0.25, pop: 'popular', set: [9] });
        const b = formatLink({ tool: 'set', pair: [1, 2], mix: 0.5, pop: 'all', set: [3, 17, 52] });
        return [a, pick(parseLink(a)), b, pick(parseLink(b)), pick(parseLink('#t=nope&a=x&b=-3&mix=2&pop=rare&set=4.x.4.5'))];
    }""")
    assert tools[0] == "#t=between&a=12&b=40&mix=0.25&pop=popular"
    assert tools[1] == {"tool": "between", "pair": [12, 40], "mix": 0.25, "pop": "popular", "set": []}
    assert tools[2] == "#t=set&set=3.17.52"
    assert tools[3] == {"tool": "set", "pair": [None, None], "mix": 0.5, "pop": "all", "set": [3, 17, 52]}
    assert tools[4] == {"tool": None, "pair": [None, None], "mix": 0.5, "pop": "all", "set": [4, 5]}


# --- phones: touch, one hand ----------------------------------------------------------------

def test_phone_legend_and_filters_in_one_hand(opened, served, syn_site):
    v = opened(served(syn_site), PHONE)
    page = v.page
    settle(page)
    summary = page.locator("#legend .legend-title")
    box = summary.bounding_box()
    assert box["y"] > 844 * 0.75 and box["height"] >= 44, "the legend opens from the bottom, in thumb reach"
    summary.tap()
    page.wait_for_function("document.getElementById('legend').open")
    sheet = page.locator("#legend").bounding_box()
    assert sheet["width"] == 390 and abs(sheet["y"] + sheet["height"] - 844) < 1 and sheet["y"] > 844 * 0.35
    for el in page.locator("#legend button:visible, #legend select:visible, #legend label:visible").all():
        b = el.bounding_box()
        assert b["height"] >= 44 and 0 <= b["x"] and b["x"] + b["width"] <= 390, (el.text_content(), b)
    first = page.locator("#legend .legend-entry").first
    first.tap()
    assert first.get_attribute("aria-pressed") == "false"
    page.wait_for_function("Object.keys(atlas.filters).length === 1")
    check_labels(page, 390, 844)
    save(page, "phone-legend-open")
    first.tap()
    # Color by another column: the points change color.
    before = shot(page, "phone-color-cluster")
    page.select_option("#legend select", "genre")
    page.wait_for_function("atlas.colorBy === 'genre'")
    legend_entry(page, "jazz").tap()
    page.wait_for_function("Object.keys(atlas.filters).length === 1")
    settle(page)
    assert changed(before, shot(page, "phone-color-genre")) > 0.003
    summary.tap()
    page.wait_for_function("!document.getElementById('legend').open")
    # The phone's link opens the same view on another phone.
    page.evaluate("atlas.setView(atlas.view().map((v, i) => i === 2 ? 3 : v))")
    settle(page)
    want = page.evaluate("({view: atlas.view(), color: atlas.colorBy, filters: atlas.filters})")
    other = opened(served(syn_site), PHONE, path=page.evaluate("location.hash")).page
    settle(other)
    got = other.evaluate("({view: atlas.view(), color: atlas.colorBy, filters: atlas.filters})")
    assert got["view"] == pytest.approx(want["view"], rel=1e-7, abs=1e-9) and got["color"] == want["color"] == "genre"
    assert got["filters"] == want["filters"] and len(want["filters"]["genre"]) == 1
    assert changed(shot(page, "phone-link-source"), shot(other, "phone-link-restored")) < 0.001
    assert page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight, visualViewport.scale]") == [390, 844, 1]
    # A tap selects; the sheet with the entity rises; a tap on the map's empty part closes it.
    found = safe_point(page, (40, 150, 350, 600))
    assert found
    i, x, y = found
    page.touchscreen.tap(x, y)
    page.wait_for_function(f"atlas.selected === {i}")
    page.wait_for_selector("#panel .neighbor-button")
    settle(page)
    save(page, "phone-synthetic-selected")
    assert page.locator("#legend").is_hidden(), "the entity sheet replaces the legend"
    page.locator("#panel .panel-close").tap()
    assert page.evaluate("atlas.selected") is None


# --- 3D galaxy ------------------------------------------------------------------------------

def test_galaxy_renders_turns_and_selects(opened, served, galaxy_site):
    v = opened(served(galaxy_site), DESKTOP)
    page = v.page
    assert page.evaluate("[atlas.dims, atlas.n]") == [3, 105]
    settle(page)
    assert "Galaxy" in page.get_attribute("#map", "aria-label")
    before = shot(page, "desktop-galaxy")
    drawn = drawn_pixels(page, "desktop-galaxy")
    assert drawn > 2000
    check_labels(page, 1440, 900)
    yaw = page.evaluate("atlas.view()[3]")
    page.mouse.move(600, 450)
    page.mouse.down()
    for k in range(1, 9):
        page.mouse.move(600 + 30 * k, 450 + 8 * k)
    page.mouse.up()
    settle(page)
    after = shot(page, "desktop-galaxy-turned")
    assert page.evaluate("atlas.view()[3]") != pytest.approx(yaw)
    assert changed(before, after) > 0.002, "turning moved the points"
    assert drawn_pixels(page, "desktop-galaxy-turned") > drawn * 0.5, "the points are still drawn"
    assert page.evaluate("atlas.selected") is None, "a drag is not a click"
    check_labels(page, 1440, 900)
    # The wheel zooms in.
    zoom = page.evaluate("atlas.view()[5]")
    page.mouse.wheel(0, -300)
    page.wait_for_function(f"atlas.view()[5] > {zoom} * 1.2")
    # Search and selection work as on a map.
    results = page.evaluate("atlas.search('america')")
    assert results and all("america" in r["name"].lower() for r in results)
    page.keyboard.press("/")
    page.keyboard.type("america")
    page.locator("#search-results li[role=option]").first.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_selector("#panel .neighbor-button")
    settle(page)
    i = page.evaluate("atlas.selected")
    assert i == results[0]["id"]
    x, y = page.evaluate(f"atlas.project({i})")
    assert 0 < x < page.locator("#panel").bounding_box()["x"] and 0 < y < 900, "the selection is in view"
    assert page.evaluate(f"atlas.pick({x}, {y}, 'mouse')") == i
    drawn_pixels(page, "desktop-galaxy-selected")


def test_galaxy_selection_shows_clear_of_the_legend(opened, served, galaxy_site):
    """The orbit camera, too, keeps the neighbors of a selection from under the open legend: each
    book selected in turn from the fitted view."""
    page = opened(served(galaxy_site), DESKTOP).page
    settle(page)
    assert page.evaluate("document.getElementById('legend').open")
    assert neighbors_under_legend(page, range(page.evaluate("atlas.n"))) == []


def test_galaxy_turns_and_pinches_on_a_phone(opened, served, galaxy_site):
    v = opened(served(galaxy_site), PHONE)
    page = v.page
    settle(page)
    cdp = v.context.new_cdp_session(page)

    def touch(kind, pts):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [{"x": x, "y": y, "id": k} for k, (x, y) in enumerate(pts)]})

    before = shot(page, "phone-galaxy")
    view = page.evaluate("atlas.view()")
    touch("touchStart", [(150, 450)])
    for s in range(1, 8):
        touch("touchMove", [(150 + 15 * s, 450)])
    touch("touchEnd", [])
    turned = page.evaluate("atlas.view()")
    assert turned[3] < view[3] and turned[:3] == pytest.approx(view[:3]), "one finger turns the galaxy about its target"
    touch("touchStart", [(175, 450), (215, 450)])
    for s in range(1, 6):
        touch("touchMove", [(175 - 10 * s, 450), (215 + 10 * s, 450)])
    touch("touchEnd", [])
    assert page.evaluate("atlas.view()[5]") == pytest.approx(turned[5] * 140 / 40, rel=0.05)
    assert page.evaluate("visualViewport.scale") == 1
    settle(page)
    assert changed(before, shot(page, "phone-galaxy-turned")) > 0.002


# --- light scheme, contrast -----------------------------------------------------------------

def test_text_contrast_in_dark_and_light_schemes(syn_desk):
    page = syn_desk.page
    for scheme in ("dark", "light"):
        page.evaluate(f"atlas.setScheme('{scheme}')")
        settle(page)
        css = page.evaluate("""() => {
            const s = getComputedStyle(document.documentElement);
            const v = (k) => s.getPropertyValue(k).trim();
            const label = document.querySelector('#labels .label:not([hidden])');
            return {bg: v('--bg'), fg: v('--fg'), muted: v('--muted'), surface: v('--surface-solid'), error: v('--error'),
                    label: label && getComputedStyle(label).color,
                    entry: getComputedStyle(document.querySelector('#legend .legend-label')).color};
        }""")
        for text in ("fg", "muted", "error", "label", "entry"):
            for ground in ("bg", "surface"):
                assert contrast(css[text], css[ground]) >= 4.5, (scheme, text, ground, css)
        px = shot(page, f"desktop-scheme-{scheme}")
        want = THEME["background"] if scheme == "dark" else THEME["light_background"]
        assert px[5, 1435].tolist() == [int(want[i : i + 2], 16) for i in (1, 3, 5)], "the map's background follows the scheme"
        assert ("bg=light" in page.evaluate("atlas.link()")) == (scheme == "light")
    page.evaluate("atlas.setScheme('dark')")
    settle(page)


# --- loading --------------------------------------------------------------------------------

def test_progress_shows_while_points_load(browser, served, syn_site):
    base = served(syn_site)
    v = Visit(browser, base, **DESKTOP)
    held = []
    try:
        v.page.route("**/points.bin.br", lambda route: held.append(route))
        v.page.goto(base, wait_until="commit")
        v.page.wait_for_function("document.querySelector('#status .status-text').textContent.startsWith('Loading points.bin.br')")
        assert v.page.locator("#status").is_visible() and v.page.locator("#status progress").is_visible()
        v.page.wait_for_timeout(50)
        for r in held:
            r.continue_()
        v.page.unroute("**/points.bin.br")
        v.page.wait_for_function("document.body.dataset.ready === '1'")
        assert v.page.locator("#status").is_hidden()
        assert v.errors == [] and v.foreign == []
    finally:
        v.close()

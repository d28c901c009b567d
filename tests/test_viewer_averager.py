"""The averager in the browser: "Between A and B" and "More like these" on a built site.

The page's queries (themes/default/js/averager.js) must return the ids and scores of the Python
twins (atlas/averager.py) on the same files, bit for bit; the panels are driven as people drive
them (search, taps, the slider, the popularity control, the chips) at desktop and phone sizes, and
a copied link restores the panel. Sites: lesmis (built by the CLI) and the demo (built once per
session, or ATLAS_TEST_SITE=<folder>).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from atlas import averager as av
from atlas import formats as fm
from atlas.neighbors import Neighbors
from tests.browser import DESKTOP, PHONE, Visit, chromium_missing_reason, hidden_points, serve
from tests.test_viewer import OUT, SiteFiles

_missing = chromium_missing_reason()
pytestmark = pytest.mark.skipif(_missing is not None and not os.environ.get("CI"), reason=str(_missing))

SIZES = {"desktop": DESKTOP, "phone": PHONE}


class Twin(SiteFiles):
    """The Python side of the queries, on the site's own files."""

    @cache
    def tables(self) -> av.Tables:
        return av.read_tables(fm.decode_bundle((self.folder / self.data["averager"]).read_bytes(), kind="averager").arrays)

    @cache
    def lists(self) -> Neighbors:
        parts = [self._neighbors(s) for s in range(self.data["shards"])]
        return Neighbors(np.concatenate([b.arrays["ids"] for b in parts]), np.concatenate([b.arrays["score"] for b in parts]))

    @cache
    def count(self) -> np.ndarray:
        return fm.decode_bundle((self.folder / self.data["popularity"]).read_bytes(), kind="popularity").arrays["count"]

    def bounds(self, pop: str) -> dict:
        lo, hi = av.popularity_bounds(self.count(), pop)
        return {"popularity": self.count(), "min_count": lo, "max_count": hi} if pop != "all" else {}

    def between(self, a, b, mix=0.5, k=20, pop="all"):
        return av.between(self.tables(), a, b, mix=mix, k=k, **self.bounds(pop))

    def more_like(self, ids, k=20, pop="all"):
        return av.more_like(self.tables(), self.lists(), ids, k=k, **self.bounds(pop))


@pytest.fixture(scope="module")
def demo(demo_site, browser):
    with serve(demo_site) as base:
        yield base, Twin(demo_site)


@pytest.fixture
def visit(browser):
    visits = []

    def make(base, options=DESKTOP, path=""):
        v = Visit(browser, base, **options)
        visits.append(v)
        v.open(path)
        return v

    yield make
    for v in visits:
        try:
            assert v.foreign == [], f"requests left the origin: {v.foreign}"
            assert v.errors == [], v.errors
        finally:
            v.close()


def shown(page) -> list[str]:
    """Names in the averager panel's result list, as shown."""
    return page.evaluate("[...document.querySelectorAll('#tool .tool-list .neighbor-name')].map((e) => e.textContent)")


def settle(page):
    page.evaluate("atlas.settled()")


def findable(page, twin: Twin, n: int) -> list[int]:
    """Among the `n` most popular entities, most popular first, those that come first in the search box when their name is typed."""
    ids = [int(i) for i in np.argsort(-twin.count(), kind="stable")[:n]]
    names = [twin.name(i) for i in ids]
    first = page.evaluate("async (names) => Promise.all(names.map(async (n) => (await atlas.search(n, 1))[0]?.id))", names)
    return [i for i, f in zip(ids, first) if f == i]


def pick_by_search(page, phone: bool, name: str):
    """Type `name` into the panel's search box and choose the first result (a tap on phones)."""
    box = page.locator("#tool-input")
    box.click()
    box.fill(name)
    first = page.locator("#tool-results li[role=option]").first
    first.wait_for()
    if phone:
        first.tap()
    else:
        page.keyboard.press("Enter")
    settle(page)


# --- the twins agree ------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["lesmis", "demo"])
def test_page_queries_equal_the_python_twins(request, browser, which):
    folder = request.getfixturevalue("lesmis_site" if which == "lesmis" else "demo_site")
    twin = Twin(folder)
    n = twin.tables().n
    rng = np.random.default_rng(7)
    cases = []
    for a, b in rng.integers(0, n, (8, 2)):
        if a != b:
            for mix, pop in [(0.5, "all"), (0.0, "all"), (1.0, "all"), (0.25, "popular"), (0.8, "obscure"), (0.55, "all")]:
                cases.append(("between", [int(a), int(b)], {"mix": mix, "k": 15, "pop": pop}))
    for size in (1, 3, 8, 25):
        for pop in ("all", "popular", "obscure"):
            ids = rng.choice(n, min(size, n - 2), replace=False).tolist()
            cases.append(("set", [ids], {"k": 20, "pop": pop}))
    with serve(folder) as base:
        v = Visit(browser, base, **DESKTOP)
        try:
            page = v.open()
            run = """async ([cases, simd]) => {
                const out = [];
                for (const [kind, args, o] of cases) {
                    const r = kind === 'set' ? await atlas.averager.moreLike(args[0], { ...o, simd }) : await atlas.averager.between(args[0], args[1], { ...o, simd });
                    out.push([r.ids, r.scores]);
                }
                return out;
            }"""
            got = page.evaluate(run, [cases, True])
            # The WebAssembly kernels run in Chromium (16 dims), and the plain loops agree with them.
            assert page.evaluate("atlas.averager.simd()") is (twin.tables().dims % 16 == 0)
            assert page.evaluate(run, [cases[::4], False]) == got[::4]
            assert v.errors == []
        finally:
            v.close()
    for (kind, args, o), (ids, scores) in zip(cases, got):
        want = twin.more_like(args[0], **o) if kind == "set" else twin.between(*args, **o)
        assert ids == want[0].tolist(), (kind, args, o)
        assert scores == want[1].tolist(), (kind, args, o)  # the same doubles, not just close
    # The filters did filter: "popular" keeps the top tenth.
    lo, _ = av.popularity_bounds(twin.count(), "popular")
    popular = [ids for (kind, _, o), (ids, _) in zip(cases, got) if o["pop"] == "popular"]
    assert popular and all(twin.count()[i] >= lo for ids in popular for i in ids)


# --- the panels -----------------------------------------------------------------------------

@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_between_panel_pair_slider_popularity_and_link(demo, visit, size):
    base, twin = demo
    phone = size == "phone"
    v = visit(base, SIZES[size])
    page = v.page
    counts = twin.count()
    # Two well-known entities far apart in the table, both findable by name.
    ids = findable(page, twin, 60)
    a = ids[0]
    d = av.Tables(twin.tables().q, twin.tables().scale).sq_distances(a)
    b = max(ids[1:], key=lambda i: d[i])
    # A from its entity panel, B from the panel's search box.
    page.evaluate("(a) => atlas.select(a)", a)
    button = page.locator("#panel .panel-actions button[data-mode=between]")
    button.tap() if phone else button.click()
    assert page.evaluate("atlas.tool.open") and page.evaluate("atlas.tool.pair") == [a, None]
    assert page.locator("#panel").is_hidden()
    pick_by_search(page, phone, twin.name(b))
    tool = page.evaluate("atlas.tool")
    assert tool["pair"] == [a, b] and tool["mode"] == "between"
    want = twin.between(a, b)[0]
    assert tool["results"] == want.tolist()
    assert shown(page) == [twin.name(i) for i in want]
    # The map shows A, B and the dashed path between them.
    line = page.evaluate("(() => { const l = document.querySelector('#paths .path-line'); return l.hasAttribute('hidden') ? null : ['x1', 'y1', 'x2', 'y2'].map((k) => Number(l.getAttribute(k))); })()")
    assert line is not None
    pa, pb = page.evaluate("([a, b]) => [atlas.project(a), atlas.project(b)]", [a, b])
    assert np.allclose(line, [*pa, *pb], atol=1.5)
    page.screenshot(path=str(OUT / f"averager-between-{size}.png"))

    # The slider leans to A: keys on a desktop, a tap on the track on a phone.
    slider = page.locator("#tool .tool-mix-range")
    if phone:
        box = slider.bounding_box()
        page.touchscreen.tap(box["x"] + 0.2 * box["width"], box["y"] + box["height"] / 2)
    else:
        slider.focus()
        for _ in range(4):
            page.keyboard.press("ArrowLeft")
    settle(page)
    mix = page.evaluate("atlas.tool.mix")
    assert 0 < mix < 0.45
    want_mix = twin.between(a, b, mix=mix)[0]
    assert page.evaluate("atlas.tool.results") == want_mix.tolist() and shown(page) == [twin.name(i) for i in want_mix]
    # Leaning to A ranks the results nearer A: their median place in A's own ranking drops.
    qi = twin.tables().q.astype(np.int64)
    place = lambda x, ids: np.median([np.sum(((qi - qi[x]) ** 2).sum(1) < ((qi[j] - qi[x]) ** 2).sum()) for j in ids])  # noqa: E731
    assert place(a, want_mix) < place(a, want)

    # Only popular results.
    page.locator("#tool .tool-pop label", has_text="Popular").click()
    settle(page)
    want_pop = twin.between(a, b, mix=mix, pop="popular")[0]
    lo, _ = av.popularity_bounds(counts, "popular")
    assert page.evaluate("atlas.tool.pop") == "popular"
    assert page.evaluate("atlas.tool.results") == want_pop.tolist() and all(counts[i] >= lo for i in want_pop)

    # The link restores the pair, the mix and the filter in a new page.
    link = page.evaluate("atlas.link()")
    assert f"t=between&a={a}&b={b}" in link and "pop=popular" in link and "mix=" in link
    page.wait_for_function("(h) => location.hash === h", arg=link)
    again = visit(base, SIZES[size], link).page
    again.evaluate("atlas.restored")
    settle(again)
    restored = again.evaluate("atlas.tool")
    assert restored["open"] and restored["pair"] == [a, b] and restored["mix"] == mix and restored["pop"] == "popular"
    assert shown(again) == [twin.name(i) for i in want_pop]
    # Escape (desktop) or the close button (phone) closes the panel; the link forgets it.
    if phone:
        again.locator("#tool .panel-close").tap()
    else:
        again.locator("#map").focus()
        again.keyboard.press("Escape")
    assert not again.evaluate("atlas.tool.open") and "t=" not in again.evaluate("atlas.link()")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_between_a_far_pair_shows_clear_of_the_legend_and_panel(demo, visit, size):
    """A and B at opposite corners of the map (its lowest-left and highest-right points), from a
    link: the view shows both, in the part of the map the panel (or the sheet) leaves free and not
    under the legend (open on a desktop, bottom left); no result shows under the legend either."""
    base, twin = demo
    x, y = twin.points().arrays["pos"].astype(np.int64)
    a, b = int(np.argmin(x + y)), int(np.argmax(x + y))
    page = visit(base, SIZES[size], f"#t=between&a={a}&b={b}").page
    settle(page)
    assert page.evaluate("atlas.tool.pair") == [a, b]
    assert page.evaluate("document.getElementById('legend').open") is (size == "desktop")
    assert hidden_points(page, [a, b], page.evaluate("atlas.tool.results")) == []
    page.screenshot(path=str(OUT / f"averager-between-far-{size}.png"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_set_panel_add_by_search_and_tap_remove_and_link(demo, visit, size):
    base, twin = demo
    phone = size == "phone"
    v = visit(base, SIZES[size])
    page = v.page
    first, second = findable(page, twin, 40)[:2]
    open_set = page.locator(".tool-open button[data-mode=set]")
    open_set.tap() if phone else open_set.click()
    assert page.evaluate("atlas.tool.open") and page.evaluate("atlas.tool.mode") == "set"
    assert shown(page) == []
    pick_by_search(page, phone, twin.name(first))
    pick_by_search(page, phone, twin.name(second))
    assert page.evaluate("atlas.tool.set") == [first, second]
    want = twin.more_like([first, second])[0]
    assert shown(page) == [twin.name(i) for i in want]
    # A tap on the map adds the entity under the finger (or the mouse).
    panel = page.locator("#tool").bounding_box()
    w, h = SIZES[size]["viewport"]["width"], SIZES[size]["viewport"]["height"]
    free = (10, 140, w - 10, panel["y"] - 10) if phone else (10, 140, panel["x"] - 10, h - 10)
    found = page.evaluate(
        """([x0, y0, x1, y1, skip]) => {
            for (let i = 0; i < atlas.n; i += 13) {
                const p = atlas.project(i);
                if (!p || skip.includes(i)) continue;
                const [x, y] = p;
                if (x > x0 && x < x1 && y > y0 && y < y1 && atlas.pick(x, y, 'touch') === i && atlas.pick(x, y, 'mouse') === i
                    && document.elementFromPoint(x, y)?.id === 'map') return [i, x, y];
            }
            return null;
        }""",
        [*free, [first, second]],
    )
    assert found, "no pickable point in the free part of the map"
    tapped, x, y = found
    if phone:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)
    settle(page)
    assert page.evaluate("atlas.tool.set") == [first, second, tapped]
    want3 = twin.more_like([first, second, tapped])[0]
    assert page.evaluate("atlas.tool.results") == want3.tolist()
    assert shown(page) == [twin.name(i) for i in want3]
    # Pressing a result adds it to the set.
    row = page.locator("#tool .tool-list .neighbor-button").first
    row.tap() if phone else row.click()
    settle(page)
    added = int(want3[0])
    assert page.evaluate("atlas.tool.set") == [first, second, tapped, added]
    # Remove the first entity with its chip's button.
    chip = page.locator(f"#tool .tool-set .chip[data-id='{first}'] .chip-remove")
    chip.tap() if phone else chip.click()
    settle(page)
    rest = [second, tapped, added]
    assert page.evaluate("atlas.tool.set") == rest
    want_rest = twin.more_like(rest)[0]
    assert shown(page) == [twin.name(i) for i in want_rest]
    page.screenshot(path=str(OUT / f"averager-set-{size}.png"))
    # The link restores the set.
    link = page.evaluate("atlas.link()")
    assert f"t=set&set={'.'.join(map(str, rest))}" in link
    again = visit(base, SIZES[size], link).page
    again.evaluate("atlas.restored")
    settle(again)
    assert again.evaluate("atlas.tool.set") == rest and shown(again) == [twin.name(i) for i in want_rest]


def test_keyboard_only_between(demo, visit):
    """Tab to the header button, pick A and B by typing, move the slider with keys."""
    base, twin = demo
    page = visit(base, DESKTOP).page
    a, b = findable(page, twin, 30)[:2]
    page.locator(".tool-open button[data-mode=between]").focus()
    page.keyboard.press("Enter")
    page.locator("#tool-input").focus()
    for x in (a, b):
        page.keyboard.type(twin.name(x))
        page.locator("#tool-results li[role=option]").first.wait_for()
        page.keyboard.press("Enter")
    settle(page)
    assert page.evaluate("atlas.tool.pair") == [a, b]
    page.locator("#tool .tool-mix-range").focus()
    page.keyboard.press("End")
    settle(page)
    assert page.evaluate("atlas.tool.mix") == 1
    assert page.evaluate("atlas.tool.results") == twin.between(a, b, mix=1.0)[0].tolist()
    page.keyboard.press("Escape")
    assert not page.evaluate("atlas.tool.open")


def test_embedded_kernels_are_the_assembled_source(lesmis_site):
    """averager.js embeds src/distances.wasm (assembled from src/distances.wat); src/ is not served."""
    import base64
    import re

    from tests.conftest import ROOT

    theme = ROOT / "themes" / "default"
    js = (theme / "js" / "averager.js").read_text()
    embedded = base64.b64decode(re.search(r"const DISTANCES_WASM = '([^']*)';", js).group(1))
    assert embedded == (theme / "src" / "distances.wasm").read_bytes() and embedded[:4] == b"\0asm"
    assert (lesmis_site / "assets" / "js" / "averager.js").exists()
    assert not (lesmis_site / "assets" / "src").exists()

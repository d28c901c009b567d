// Wires the viewer: points first (the only fetch before the first draw), then gestures,
// and after the first draw, lazily, the manifest, labels, search, names, neighbors and colors.
// A 2D map (camera.js) or, when the points have 3 dims, a 3D galaxy (orbit.js).
//
// Once the first frame is drawn: body[data-ready="1"], an `atlas:ready` event on window
// (detail {n, dims}), and `window.atlas` = {n, dims, selected, neighbors, camera, colorBy,
// filters, select(id) -> Promise, clear(), project(id) -> [x, y] CSS px, pick(x, y,
// pointerType) -> id | null, search(query, limit) -> Promise<[{id, name, word}]>,
// setColor(column) -> Promise, setFilter(column, bins) -> Promise, setDim(on), setScheme(s),
// view() / setView(v), labels() -> [{id, kind, text, box}], link() -> the hash for this view,
// restored: Promise (the view of the page's link), settled() -> Promise, tool (the averager
// panel's {open, mode, pair, mix, pop, set, results, ms}), openTool(mode, id), closeTool(),
// averager: {between(a, b, {mix, k, pop}), moreLike(ids, {k, pop}), time(kind, args, runs)}}.
// Performance marks: 'atlas:points' (points decoded), 'atlas:first-draw' (tests/bench/viewer.py).
// Errors that keep the map from showing replace the loading indicator with their message.

import { createSite } from './data.js';
import { createCamera, attachGestures } from './camera.js';
import { createOrbitCamera } from './orbit.js';
import { createPoints, hexToRgb } from './points.js';
import { createPicker, createScreenPicker } from './pick.js';
import { createSearchIndex, attachSearch } from './search.js';
import { createStatus, createPanel, createTooltip, createBusy } from './panels.js';
import { createLegend, rangeBins } from './legend.js';
import { createFilters } from './filters.js';
import { createLabels } from './labels.js';
import { parseLink, formatLink, createLinkWriter } from './link.js';

/** How far (CSS px) from a point a click or tap may land and still select it. */
const HIT_RADIUS = { mouse: 8, pen: 10, touch: 20 };
const MAX_DPR = 3;
/** A region label shows while at least this share of its cluster passes the filters. */
const REGION_SHOWN = 0.05;

const $ = (id) => document.getElementById(id);
const cfg = JSON.parse($('atlas-config').textContent);
const opts = cfg.theme ?? {};
const status = createStatus($('status'));
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

start().catch((e) => {
  console.error(e);
  status.error(e?.message || String(e));
});

async function start() {
  const link = parseLink(location.hash);
  const defaultScheme = opts.scheme === 'light' ? 'light' : 'dark';
  let scheme = link.scheme ?? defaultScheme;
  document.documentElement.dataset.scheme = scheme;

  const site = createSite(cfg);
  status.text(`Loading ${cfg.points}…`);
  const pts = await site.points((loaded, total) => status.progress(`Loading ${cfg.points}`, loaded, total));
  performance.mark('atlas:points');
  status.text(`Preparing ${pts.n.toLocaleString('en-US')} points…`);
  await nextFrame();

  const canvas = $('map');
  if (typeof window.createREGL !== 'function') throw new Error(`${cfg.assets}/vendor/regl-2.1.1.min.js: did not load`);
  let regl;
  try {
    regl = window.createREGL({ canvas, attributes: { antialias: false, alpha: false, depth: false, stencil: false, premultipliedAlpha: true } });
  } catch (e) {
    throw new Error(`This browser cannot draw the map: WebGL is not available (${e?.message ?? e}).`);
  }
  canvas.addEventListener('webglcontextlost', () => status.error('The map was lost (WebGL context lost); reload the page.'));

  // Canvas size, camera, points.
  const camera = pts.dims === 3 ? createOrbitCamera() : createCamera();
  let dpr = 1;
  const resize = () => {
    dpr = Math.min(window.devicePixelRatio || 1, MAX_DPR);
    canvas.width = Math.max(1, Math.round(canvas.clientWidth * dpr));
    canvas.height = Math.max(1, Math.round(canvas.clientHeight * dpr));
    camera.resize(canvas.clientWidth, canvas.clientHeight);
  };
  resize();
  const points = createPoints(regl, pts, {
    alpha: opts.point_alpha ?? 0.8, sizeMin: opts.point_min ?? 0, sizeMax: opts.point_max ?? 0,
    area: canvas.clientWidth * canvas.clientHeight,
  });
  const filters = createFilters(pts.n);
  const defaultColumn = pts.colorBy ?? '';
  const colorings = new Map([[defaultColumn, { bins: pts.color, palette: pts.palette, legend: pts.legend }]]);
  filters.setBins(defaultColumn, pts.color);
  let colorColumn = defaultColumn;

  // Picking skips hidden points (dimmed ones stay pickable: they are on screen).
  const skip = (i) => !filters.dim && !filters.visible(i);
  const span = [pts.hi[0] - pts.lo[0] || 1, pts.hi[1] - pts.lo[1] || 1];
  // Built on the first pick, not before the first draw.
  let pickerMade = null;
  const picker = {
    get made() { return (pickerMade ??= pts.dims === 3 ? createScreenPicker(pts.n, points.world, camera.project) : createPicker(pts.x, pts.y)); },
    nearest(...args) { return this.made.nearest(...args); },
    invalidate() { pickerMade?.invalidate?.(); },
  };
  /** Entity under canvas position (x, y) in CSS px, or -1. */
  function pickAt(x, y, pointerType = 'mouse') {
    const r = HIT_RADIUS[pointerType] ?? HIT_RADIUS.mouse;
    if (pts.dims === 3) return picker.nearest(x, y, r, filters.mask() ? skip : null);
    const { scale } = camera.state;
    const [wx, wy] = camera.toWorld(x, y);
    const pxU = (span[0] / 65535) * scale, pxV = (span[1] / 65535) * scale;
    return picker.nearest(((wx - pts.lo[0]) / span[0]) * 65535, ((wy - pts.lo[1]) / span[1]) * 65535, r / pxU, r / pxV, pxU, pxV, filters.mask() ? skip : null);
  }

  let bg = [0, 0, 0];
  const setScheme = (s) => {
    scheme = s === 'light' ? 'light' : 'dark';
    document.documentElement.dataset.scheme = scheme;
    const hex = scheme === 'light' ? opts.light_background ?? '#f6f7f9' : opts.background ?? '#0d1017';
    bg = hexToRgb(hex).map((c) => c / 255);
    document.querySelector('meta[name="theme-color"]')?.setAttribute('content', hex);
  };
  setScheme(scheme);

  let queued = false;
  const draw = () => {
    queued = false;
    regl.poll();
    regl.clear({ color: [...bg, 1] });
    points.draw(camera.state, dpr);
    labels.follow();
    drawPath();
  };
  const requestDraw = () => {
    if (!queued) { queued = true; requestAnimationFrame(draw); }
  };
  // The line from A to B while "Between" shows a pair.
  const pathLine = document.querySelector('#paths .path-line');
  function drawPath() {
    const st = tools?.isOpen ? tools.state : null;
    const ends = st?.mode === 'between' && st.pair[0] !== null && st.pair[1] !== null ? st.pair.map((i) => camera.project(points.world(i))) : null;
    const hide = !ends || !ends[0] || !ends[1];
    pathLine.toggleAttribute('hidden', hide);
    if (hide) return;
    pathLine.setAttribute('x1', ends[0][0]); pathLine.setAttribute('y1', ends[0][1]);
    pathLine.setAttribute('x2', ends[1][0]); pathLine.setAttribute('y2', ends[1][1]);
  }

  // Panels and selection.
  const panelEl = $('panel');
  const toolEl = $('tool');
  const tooltip = createTooltip($('tip'));
  const busy = createBusy($('busy'));
  let selected = -1;
  let neighborIds = [];
  let hover = -1;
  let focused = -1; // a result of "Between" pressed in the list
  let token = 0;
  let tools = null;

  // Parts of the page labels must leave free, in canvas CSS px.
  const covering = () => ['search-input', 'search-results', 'tool-open', 'legend', 'panel', 'tool', 'status']
    .map((id) => $(id)?.getBoundingClientRect()).filter((r) => r && r.width > 0 && r.height > 0)
    .map((r) => [r.left, r.top, r.right, r.bottom]);
  let groupShown = null; // share of each region's cluster the filters show, or null
  let labelRecord = null;
  const labels = createLabels($('labels'), {
    pts, camera, points, site,
    visible: (i) => filters.visible(i),
    obstacles: covering,
    groupVisible: (g) => !groupShown || (groupShown[g] ?? 1) >= REGION_SHOWN,
  });

  const linkWriter = createLinkWriter(() => linkState());
  const linkState = () => ({
    view: camera.view(),
    selected: selected >= 0 ? selected : null,
    color: colorColumn !== defaultColumn ? colorColumn : null,
    filters: filters.active(),
    dim: filters.dim,
    scheme: scheme !== defaultScheme ? scheme : null,
    ...(tools?.isOpen ? { tool: tools.state.mode, ...tools.state } : {}),
  });

  camera.onChange(() => {
    requestDraw();
    labels.schedule();
    picker.invalidate();
    linkWriter.schedule();
  });
  new ResizeObserver(() => { resize(); updateInsets(); requestDraw(); }).observe(canvas);
  // Labels and centred points keep clear of the panels and the legend: place labels again and
  // tell the camera when one opens, closes or changes size.
  const panelsMoved = new ResizeObserver(() => updateInsets());
  for (const id of ['legend', 'panel', 'tool', 'tool-open', 'search-results', 'status']) panelsMoved.observe($(id));

  /**
   * The camera centres in the part of the canvas that the top bar and the side panel (or bottom
   * sheet) leave free, and keeps the points it centres on from under the legend (a corner box:
   * an obstacle, not an inset, so it costs the view no strip of the screen).
   */
  function updateInsets() {
    const top = $('top')?.getBoundingClientRect().bottom ?? 0;
    let right = 0, bottom = 0;
    const side = !panelEl.hidden ? panelEl : !toolEl.hidden ? toolEl : null;
    if (side) {
      const r = side.getBoundingClientRect();
      if (r.width < innerWidth * 0.6) right = Math.max(0, innerWidth - r.left);
      else bottom = Math.max(0, innerHeight - r.top);
    }
    camera.setInsets({ top, right, bottom, left: 0 });
    const legendBox = $('legend').getBoundingClientRect();
    camera.setObstacles(legendBox.width > 0 && legendBox.height > 0 ? [[legendBox.left, legendBox.top, legendBox.right, legendBox.bottom]] : []);
    labels.schedule();
  }

  function refreshMarks() {
    const inTool = tools?.isOpen;
    const list = inTool ? tools.marks() : neighborIds.map((id) => ({ id, kind: 'neighbor' }));
    const top = inTool ? list.filter((m) => m.kind === 'selected') : selected >= 0 ? [{ id: selected, kind: 'selected' }] : [];
    const rest = inTool ? list.filter((m) => m.kind !== 'selected') : list;
    for (const h of [focused, hover]) if (h >= 0 && !top.some((m) => m.id === h)) rest.push({ id: h, kind: 'hover' });
    points.setMarks([...rest, ...top]);
    points.setDimmed(selected >= 0 || (inTool && top.length > 0));
    requestDraw();
  }

  const panel = createPanel(panelEl, {
    onSelect: (id) => select(id), onClose: () => clear(), onResize: updateInsets,
    onTool: (mode, id) => openTool(mode, id),
  });

  /** Open the averager panel in `mode`, with entity `id` as A or in the set; the entity panel closes. */
  function openTool(mode, id = null) {
    if (selected >= 0) clear();
    focused = -1;
    return tools.open(mode, id);
  }
  // The camera moves to show the pair or the set when it changes (not when the mix or filter does).
  let shownKey = '';
  const keyOf = ({ mode, pair, set }) => `${mode}:${mode === 'set' ? set : pair}`;
  const chosenKey = () => (tools.isOpen ? keyOf(tools.state) : '');
  function toolChanged() {
    if (!tools.isOpen) focused = -1;
    const key = chosenKey();
    const chosen = tools.priority();
    updateInsets();
    if (key !== shownKey && tools.results.length && chosen.length) {
      shownKey = key;
      if (tools.state.mode === 'between') {
        // Centre between A and B, zoomed so that both show; the results lie between them.
        const [pa, pb] = tools.state.pair.map(points.world);
        camera.centreOn(pa.map((v, d) => (v + pb[d]) / 2), [pa, pb], tools.results.map(points.world));
      } else {
        const [first, ...others] = chosen;
        camera.centreOn(points.world(first), others.map(points.world));
      }
    }
    refreshMarks();
    labels.setPriority(tools.isOpen ? tools.priority() : selected >= 0 ? [selected, ...neighborIds] : []);
    linkWriter.schedule();
  }

  function clear() {
    token++;
    selected = -1;
    neighborIds = [];
    panel.close();
    updateInsets();
    refreshMarks();
    labels.setPriority([]);
    linkWriter.schedule();
    document.title = cfg.title;
  }

  /** Select entity `id`: panel, marks, labels; `moveCamera: false` keeps the view (links). */
  async function select(id, { moveCamera = true } = {}) {
    id = Number(id);
    if (!Number.isInteger(id) || id < 0 || id >= pts.n) throw new RangeError(`no entity ${id} (the atlas has ${pts.n})`);
    tools?.close();
    const t = ++token;
    selected = id;
    neighborIds = [];
    refreshMarks();
    labels.setPriority([id]);
    linkWriter.schedule();
    panel.open(id);
    updateInsets();
    if (moveCamera) camera.centreOn(points.world(id));
    const shown = await Promise.allSettled([
      site.entity(id).then((entity) => {
        if (t !== token) return;
        panel.entity(entity);
        document.title = `${entity.name} · ${cfg.title}`;
      }),
      (async () => {
        const rows = (await site.neighborsOf(id)).slice(0, opts.neighbors || 20);
        const names = await Promise.all(rows.map((r) => site.nameOf(r.id)));
        if (t !== token) return;
        panel.neighbors(rows.map((r, i) => ({ ...r, name: names[i], rgb: points.rgb(r.id) })));
        neighborIds = rows.map((r) => r.id);
        refreshMarks();
        labels.setPriority([id, ...neighborIds]);
        updateInsets();
        if (moveCamera) camera.centreOn(points.world(id), neighborIds.map(points.world));
      })(),
    ]);
    const failed = shown.find((r) => r.status === 'rejected');
    if (failed && t === token) {
      console.error(failed.reason);
      panel.error(failed.reason?.message ?? String(failed.reason));
    }
  }

  let hoverName = '';
  function onHover(x, y) {
    const id = x == null ? -1 : pickAt(x, y);
    canvas.classList.toggle('over-point', id >= 0);
    if (id !== hover) {
      hover = id;
      hoverName = '';
      refreshMarks();
      if (id >= 0) {
        site.nameOf(id).then((name) => {
          if (hover !== id) return;
          hoverName = name;
          tooltip.show(name, x, y);
        }, () => {});
      }
    }
    if (id < 0) tooltip.hide();
    else if (hoverName) tooltip.show(hoverName, x, y);
  }

  attachGestures(canvas, camera, {
    onTap: (x, y, type) => {
      const id = pickAt(x, y, type);
      if (tools?.isOpen) { if (id >= 0) tools.tap(id); return; }
      if (id >= 0) select(id);
      else if (selected >= 0) clear();
    },
    onHover,
    onFit: () => camera.fit(pts.lo, pts.hi, { animate: true }),
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape' || e.target instanceof HTMLInputElement) return;
    if (tools?.isOpen) tools.close();
    else if (selected >= 0) clear();
  });
  addEventListener('resize', updateInsets);

  // First draw, at the link's view if it has one.
  updateInsets();
  // The whole-map fit leaves the legend out of account: the fitted scale anchors the zoom limits,
  // point sizes and the zoom a link holds, which must not depend on whether the legend is open.
  camera.fit(pts.lo, pts.hi);
  if (link.view) camera.setView(link.view);
  await new Promise((resolve) => requestAnimationFrame(() => { draw(); resolve(); }));
  performance.mark('atlas:first-draw');
  const drawnWith = performance.getEntriesByType('resource').map((e) => e.name);
  status.done();

  // Everything below fetches lazily, after the first draw.
  let searchIndex = null;
  const loadSearch = () => (searchIndex ??= busy.track('Loading names for search', site.search().then(createSearchIndex)).catch((e) => { searchIndex = null; throw e; }));
  const search = attachSearch({
    input: $('search-input'),
    list: $('search-results'),
    limit: opts.search_results || 12,
    load: loadSearch,
    onChoose: (id) => select(id),
  });

  // The averager panel ("Between", "More like these"): its script loads after the first draw,
  // its files on first use.
  const { createTools } = await import('./tools.js');
  tools = createTools(toolEl, {
    site, searchIndex: loadSearch, rgb: (id) => points.rgb(id), k: opts.averager_results || 20, busy,
    onChange: toolChanged,
    onFocus: (id) => { focused = id; refreshMarks(); camera.centreOn(points.world(id)); },
    onClose: () => tools.close(),
    onResize: updateInsets,
  });
  for (const b of $('tool-open').querySelectorAll('button')) b.addEventListener('click', () => openTool(b.dataset.mode));

  // Colors and filters.
  async function coloring(column) {
    if (colorings.has(column)) return colorings.get(column);
    const b = await busy.track(`Loading colors of ${column}`, site.colors(column));
    if (b.arrays.color?.length !== pts.n) throw new Error(`colors for ${column}: expected ${pts.n} entries`);
    const c = { bins: b.arrays.color, palette: b.attrs.palette?.length ? b.attrs.palette : pts.palette, legend: b.attrs.legend ?? [] };
    colorings.set(column, c);
    filters.setBins(column, c.bins);
    return c;
  }
  function showLegend() {
    const c = colorings.get(colorColumn);
    legend.show({ column: colorColumn || null, palette: c.palette, legend: c.legend, counts: filters.counts(colorColumn), hidden: filters.hidden(colorColumn) });
    legend.others(filters.active().filter(([col]) => col !== colorColumn).map(([col, bins]) => [col, bins.length]));
    legend.setDim(filters.dim);
  }
  async function colorBy(column) {
    const c = await coloring(column);
    colorColumn = column;
    points.setColors(c.bins, c.palette);
    showLegend();
    refreshMarks();
    linkWriter.schedule();
  }
  async function regionsShown() {
    const mask = filters.mask();
    groupShown = null;
    if (mask && labelRecord) {
      const { bins } = await coloring(labelRecord.column);
      if (mask !== filters.mask()) return; // the filters changed meanwhile; that call recounts
      const all = new Uint32Array(256), shown = new Uint32Array(256);
      for (let i = 0; i < pts.n; i++) { all[bins[i]]++; shown[bins[i]] += mask[i]; }
      groupShown = Array.from(all, (a, g) => (a ? shown[g] / a : 1));
    }
    labels.schedule();
  }
  function applyFilters() {
    points.setVisible(filters.mask(), filters.dim);
    picker.invalidate();
    showLegend();
    requestDraw();
    linkWriter.schedule();
    return regionsShown().catch((e) => console.error(e));
  }
  /** Hide the `bins` (legend entries) of `column`; [] clears its filter. */
  async function setFilter(column, bins) {
    const c = await coloring(column);
    filters.setHidden(column, new Set([...bins].filter((b) => Number.isInteger(b) && b >= 0 && b < c.legend.length)));
    await applyFilters();
  }

  const fail = (e) => { console.error(e); status.error(e.message); };
  const legendEl = $('legend');
  const legend = createLegend(legendEl, {
    onColorBy: (column) => colorBy(column).catch(fail),
    onToggle: (bin) => { filters.toggle(colorColumn, bin); applyFilters(); },
    onRange: (a, b) => {
      // The bins outside a..b hide; the entries after the range (missing values) keep their state.
      const hidden = filters.hidden(colorColumn);
      const k = rangeBins(colorings.get(colorColumn).legend);
      for (let i = 0; i < k; i++) if (i < a || i > b) hidden.add(i); else hidden.delete(i);
      filters.setHidden(colorColumn, hidden);
      applyFilters();
    },
    onShowAll: () => { filters.clear(colorColumn); applyFilters(); },
    onDim: (on) => { filters.dim = on; applyFilters(); },
    onClearFilter: (column) => { filters.clear(column); applyFilters(); },
    onScheme: (light) => { setScheme(light ? 'light' : 'dark'); requestDraw(); linkWriter.schedule(); },
  });
  legend.setScheme(scheme === 'light');
  showLegend();
  if (matchMedia('(min-width: 700px)').matches) legendEl.open = true;
  site.manifest().then((m) => {
    legend.columns(Object.keys(m.data?.colors ?? {}), colorColumn || pts.colorBy);
    const averager = !!m.data?.averager;
    $('tool-open').hidden = !averager;
    panel.tools(averager);
  }, (e) => console.error(e));
  site.verifyPoints().catch((e) => {
    console.error(e);
    status.error(`${e.message}. The map may be wrong: reload the page, or rebuild the site.`);
  });
  site.labels().then((rec) => {
    labelRecord = rec;
    labels.setRecord(rec);
    if (filters.mask()) regionsShown().catch((e) => console.error(e));
  }, (e) => { console.error(e); labels.setRecord(null); });
  labels.start();

  /** Apply a link's state (at start, and when the hash is edited). */
  // A part of a link this site cannot show (a column it lacks) is left out, said in the console.
  async function applyLink(l) {
    if (l.view) camera.setView(l.view);
    setScheme(l.scheme ?? defaultScheme);
    legend.setScheme(scheme === 'light');
    const wanted = l.color ?? defaultColumn;
    if (wanted !== colorColumn) await colorBy(wanted).catch((e) => console.error(`link: ${e.message}`));
    filters.clear();
    for (const [column, bins] of l.filters) {
      try {
        const c = await coloring(column);
        filters.setHidden(column, new Set([...bins].filter((b) => b < c.legend.length)));
      } catch (e) {
        console.error(`link: ${e.message}`);
      }
    }
    filters.dim = l.dim;
    await applyFilters();
    const valid = (i) => (i !== null && i < pts.n ? i : null);
    if (l.tool) {
      if (selected >= 0) clear();
      const st = { mode: l.tool, pair: l.pair.map(valid), mix: l.mix, pop: l.pop, set: l.set.filter((i) => i < pts.n) };
      if (l.view) shownKey = keyOf(st); // the link's view stays
      await tools.apply(st, true);
    } else {
      tools.close();
      if (l.selected !== null && l.selected < pts.n) {
        if (l.selected !== selected) select(l.selected, { moveCamera: false });
      } else if (selected >= 0) clear();
    }
    requestDraw();
  }
  const restored = (link.view || link.selected !== null || link.color || link.filters.size || link.dim || link.scheme || link.tool
    ? applyLink(link) : Promise.resolve()).catch(fail);
  addEventListener('hashchange', () => {
    if (location.hash !== formatLink(linkState())) applyLink(parseLink(location.hash)).catch(fail);
  });

  // Test and scripting hook.
  window.atlas = {
    n: pts.n,
    dims: pts.dims,
    get selected() { return selected < 0 ? null : selected; },
    get neighbors() { return neighborIds.slice(); },
    get camera() { return camera.state; },
    get colorBy() { return colorColumn || null; },
    get filters() { return Object.fromEntries(filters.active()); },
    select,
    clear,
    setColor: (column) => colorBy(column),
    setFilter,
    setDim: (on) => { filters.dim = !!on; return applyFilters(); },
    setScheme: (s) => { setScheme(s); legend.setScheme(scheme === 'light'); requestDraw(); linkWriter.schedule(); },
    view: () => camera.view(),
    setView: (v) => camera.setView(v),
    /** Where entity `id` is drawn, in CSS px of the page (null: behind a 3D camera). */
    project(id) {
      const p = camera.project(points.world(id));
      if (!p) return null;
      const r = canvas.getBoundingClientRect();
      return [r.left + p[0], r.top + p[1]];
    },
    pick(clientX, clientY, pointerType) {
      const r = canvas.getBoundingClientRect();
      const id = pickAt(clientX - r.left, clientY - r.top, pointerType);
      return id < 0 ? null : id;
    },
    /** Whether entity `id` passes the filters. */
    visible: (id) => filters.visible(id),
    /** [{id, name, word}] for `query`, as the search box lists them. */
    search: (query, limit) => search.query(query, limit),
    /** The labels shown: [{id (-1 for regions), kind, text, box: [x0, y0, x1, y1] CSS px}]. */
    labels: () => labels.placed(),
    /** The hash that links to this view. */
    link: () => formatLink(linkState()),
    restored,
    /** Resolves once the link is restored, the camera stopped, labels placed, the hash written and the last frame drawn. */
    settled: async () => {
      await restored;
      await tools.settled();
      for (;;) {
        await nextFrame();
        if (!camera.animating && !queued && labels.idle() && !busy.active) break;
      }
      linkWriter.flush();
    },
    /** What the page had fetched when it drew the points for the first time. */
    readyResources: drawnWith,
    /** The averager panel: {open, mode, pair, mix, pop, set, results, ms (the last query's time)}. */
    get tool() { return { open: tools.isOpen, ...tools.state, results: tools.results, ms: tools.lastMs }; },
    openTool: (mode, id = null) => openTool(mode, id),
    closeTool: () => tools.close(),
    /** The queries on the site's files, as the panel runs them (docs/averager.md). */
    // `simd: false` runs the plain JavaScript loops instead of the WebAssembly kernels.
    averager: {
      async between(a, b, { mix = 0.5, k = 20, pop = 'all', simd = true } = {}) {
        const e = await tools.load();
        return (simd ? e.averager : e.plain()).between(a, b, { mix, k, ok: e.ok(pop) });
      },
      async moreLike(ids, { k = 20, pop = 'all', simd = true } = {}) {
        const e = await tools.load();
        return (simd ? e.averager : e.plain()).moreLike(ids, await site.neighborRows(ids), { k, ok: e.ok(pop) });
      },
      /** Whether the WebAssembly kernels run here. */
      simd: async () => (await tools.load()).averager.simd,
      /** Median milliseconds of `runs` queries (`kind` 'between': args [a, b, mix]; 'set': args [ids]), files loaded first. */
      async time(kind, args, runs = 50) {
        const e = await tools.load();
        const ok = e.ok('all');
        const rowOf = kind === 'set' ? await site.neighborRows(args[0]) : null;
        const ms = [];
        for (let r = 0; r < runs; r++) {
          const t0 = performance.now();
          if (kind === 'set') e.averager.moreLike(args[0], rowOf, { ok });
          else e.averager.between(args[0], args[1], { mix: args[2] ?? 0.5, ok });
          ms.push(performance.now() - t0);
        }
        ms.sort((x, y) => x - y);
        return ms[Math.floor(runs / 2)];
      },
    },
  };
  document.body.dataset.ready = '1';
  window.dispatchEvent(new CustomEvent('atlas:ready', { detail: { n: pts.n, dims: pts.dims } }));
}

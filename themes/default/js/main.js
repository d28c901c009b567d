// Wires the viewer: points first (the only fetch before the first draw), then gestures,
// and after the first draw, lazily, the manifest, search, names and neighbors.
//
// Once the first frame is drawn: body[data-ready="1"], an `atlas:ready` event on window
// (detail {n}), and `window.atlas` = {n, selected, neighbors, camera, select(id) -> Promise,
// clear(), project(id) -> [x, y] CSS px, pick(x, y, pointerType) -> id | null,
// search(query, limit) -> Promise<[{id, name, word}]>, settled() -> Promise}.
// Errors that keep the map from showing replace the loading indicator with their message.

import { createSite } from './data.js';
import { createCamera, attachGestures } from './camera.js';
import { createPoints, hexToRgb } from './points.js';
import { createPicker } from './pick.js';
import { createSearchIndex, attachSearch } from './search.js';
import { createStatus, createPanel, createLegend, createTooltip } from './panels.js';

/** How far (CSS px) from a point a click or tap may land and still select it. */
const HIT_RADIUS = { mouse: 8, pen: 10, touch: 20 };
const MAX_DPR = 3;

const $ = (id) => document.getElementById(id);
const cfg = JSON.parse($('atlas-config').textContent);
const opts = cfg.theme ?? {};
const status = createStatus($('status'));

start().catch((e) => {
  console.error(e);
  status.error(e?.message || String(e));
});

async function start() {
  const site = createSite(cfg);
  status.text(`Loading ${cfg.points}…`);
  const pts = await site.points((loaded, total) => status.progress(`Loading ${cfg.points}`, loaded, total));
  status.text('Drawing…');

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
  const camera = createCamera();
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
  const picker = createPicker(pts.x, pts.y);
  const lo = [pts.lo[0], pts.lo[1]];
  const hi = [pts.hi[0], pts.hi[1]];
  const span = [hi[0] - lo[0] || 1, hi[1] - lo[1] || 1];
  const bg = hexToRgb(opts.background ?? '#0d1017').map((c) => c / 255);

  let queued = false;
  const draw = () => {
    queued = false;
    regl.poll();
    regl.clear({ color: [...bg, 1] });
    points.draw(camera.state, dpr);
  };
  const requestDraw = () => {
    if (!queued) { queued = true; requestAnimationFrame(draw); }
  };
  camera.onChange(requestDraw);
  new ResizeObserver(() => { resize(); updateInsets(); requestDraw(); }).observe(canvas);

  // Panels and selection.
  const panelEl = $('panel');
  const tooltip = createTooltip($('tip'));
  let selected = -1;
  let neighborIds = [];
  let hover = -1;
  let token = 0;

  function updateInsets() {
    const top = $('top')?.getBoundingClientRect().bottom ?? 0;
    let right = 0, bottom = 0;
    if (!panelEl.hidden) {
      const r = panelEl.getBoundingClientRect();
      if (r.width < innerWidth * 0.6) right = Math.max(0, innerWidth - r.left);
      else bottom = Math.max(0, innerHeight - r.top);
    }
    camera.setInsets({ top, right, bottom, left: 0 });
  }

  function refreshMarks() {
    const list = neighborIds.map((id) => ({ id, kind: 'neighbor' }));
    if (hover >= 0 && hover !== selected) list.push({ id: hover, kind: 'hover' });
    if (selected >= 0) list.push({ id: selected, kind: 'selected' });
    points.setMarks(list);
    points.setDimmed(selected >= 0);
    requestDraw();
  }

  const panel = createPanel(panelEl, { onSelect: (id) => select(id), onClose: () => clear(), onResize: updateInsets });

  function clear() {
    token++;
    selected = -1;
    neighborIds = [];
    panel.close();
    updateInsets();
    refreshMarks();
    document.title = cfg.title;
  }

  async function select(id) {
    id = Number(id);
    if (!Number.isInteger(id) || id < 0 || id >= pts.n) throw new RangeError(`no entity ${id} (the atlas has ${pts.n})`);
    const t = ++token;
    selected = id;
    neighborIds = [];
    refreshMarks();
    panel.open(id);
    updateInsets();
    camera.centreOn(...points.world(id));
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
        updateInsets();
        camera.centreOn(...points.world(id), neighborIds.map(points.world));
      })(),
    ]);
    const failed = shown.find((r) => r.status === 'rejected');
    if (failed && t === token) {
      console.error(failed.reason);
      panel.error(failed.reason?.message ?? String(failed.reason));
    }
  }

  /** Entity under canvas position (x, y) in CSS px, or -1. */
  function pickAt(x, y, pointerType = 'mouse') {
    const { scale } = camera.state;
    const [wx, wy] = camera.toWorld(x, y);
    const pxU = (span[0] / 65535) * scale, pxV = (span[1] / 65535) * scale;
    const r = HIT_RADIUS[pointerType] ?? HIT_RADIUS.mouse;
    return picker.nearest(((wx - lo[0]) / span[0]) * 65535, ((wy - lo[1]) / span[1]) * 65535, r / pxU, r / pxV, pxU, pxV);
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
      if (id >= 0) select(id);
      else if (selected >= 0) clear();
    },
    onHover,
    onFit: () => camera.fit(lo, hi, { animate: true }),
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && selected >= 0 && !(e.target instanceof HTMLInputElement)) clear();
  });
  addEventListener('resize', updateInsets);

  // First draw.
  updateInsets();
  camera.fit(lo, hi);
  await new Promise((resolve) => requestAnimationFrame(() => { draw(); resolve(); }));
  status.done();

  // Everything below fetches lazily, after the first draw.
  const search = attachSearch({
    input: $('search-input'),
    list: $('search-results'),
    limit: opts.search_results || 12,
    load: async () => createSearchIndex(await site.search()),
    onChoose: (id) => select(id),
  });

  const legendEl = $('legend');
  const legend = createLegend(legendEl, {
    onColorBy: async (column) => {
      try {
        const b = await site.colors(column);
        if (b.arrays.color?.length !== pts.n) throw new Error(`colors for ${column}: expected ${pts.n} entries`);
        const palette = b.attrs.palette?.length ? b.attrs.palette : pts.palette;
        points.setColors(b.arrays.color, palette);
        legend.show({ palette, legend: b.attrs.legend ?? [], column });
        refreshMarks();
      } catch (e) {
        console.error(e);
        status.error(e.message);
      }
    },
  });
  legend.show({ palette: pts.palette, legend: pts.legend, column: pts.colorBy });
  if (matchMedia('(min-width: 700px)').matches) legendEl.open = true;
  site.manifest().then((m) => legend.columns(Object.keys(m.data?.colors ?? {}), pts.colorBy), (e) => console.error(e));
  site.verifyPoints().catch((e) => {
    console.error(e);
    status.error(`${e.message}. The map may be wrong: reload the page, or rebuild the site.`);
  });

  // Test and scripting hook.
  window.atlas = {
    n: pts.n,
    get selected() { return selected < 0 ? null : selected; },
    get neighbors() { return neighborIds.slice(); },
    get camera() { return camera.state; },
    select,
    clear,
    /** Where entity `id` is drawn, in CSS px of the page. */
    project(id) {
      const [x, y] = camera.toScreen(...points.world(id));
      const r = canvas.getBoundingClientRect();
      return [r.left + x, r.top + y];
    },
    pick(clientX, clientY, pointerType) {
      const r = canvas.getBoundingClientRect();
      const id = pickAt(clientX - r.left, clientY - r.top, pointerType);
      return id < 0 ? null : id;
    },
    /** [{id, name, word}] for `query`, as the search box lists them. */
    search: (query, limit) => search.query(query, limit),
    /** Resolves once the camera stopped moving and the last frame is drawn. */
    settled: () => new Promise((resolve) => {
      const check = () => (camera.animating || queued ? requestAnimationFrame(check) : resolve());
      check();
    }),
    readyResources: performance.getEntriesByType('resource').map((e) => e.name),
  };
  document.body.dataset.ready = '1';
  window.dispatchEvent(new CustomEvent('atlas:ready', { detail: { n: pts.n } }));
}

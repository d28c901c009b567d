// Labels over the map, as DOM elements in a layer above the canvas:
// - region labels (the `labels` record: one per cluster, at its medoid) while zoomed out;
// - at every zoom, the names of the most important visible entities (the selection and its
//   neighbors come first, before the regions; then by popularity: the record's most popular
//   entities, then size class),
//   placed greedily, each at the first of four spots around its point whose box collides with no
//   label, labelled point or panel placed before it.
// Placement is recomputed when the camera moves, at most every THROTTLE_MS and once more when it
// stops; between two placements the placed labels follow the map. Names come from the record's
// popular names, else from the names shards of the visible entities (a few shards at a time).

const THROTTLE_MS = 140;
const REGION_ZOOM = 2.6; // region labels show below this zoom (1: the whole map)
const REGION_WIDTH = 0.45; // a region label spans at most this share of the canvas width
const GAP = 3; // CSS px between a point and its label
const PAD = 2; // CSS px kept free around every box
const MARGIN = 4; // CSS px kept free along the canvas edges
const MAX_CHARS = 32;
const PER_LABEL_AREA = 22000; // CSS px² of canvas per entity label at most
const SCAN_LIMIT = 6000; // visible candidates looked at per placement
const SHARD_LOADS = 3; // names shards fetched at once
const HEIGHT = { entity: 16, region: 18, selected: 17 }; // CSS px of a label's box; fonts are in style.css

const short = (s) => {
  s = String(s ?? '').replace(/\s+/g, ' ').trim();
  return s.length <= MAX_CHARS ? s : `${s.slice(0, MAX_CHARS - 1).trimEnd()}…`;
};
const hit = (a, boxes) => boxes.some((b) => a[0] < b[2] && a[2] > b[0] && a[1] < b[3] && a[3] > b[1]);

/**
 * `layer`: the element labels go in (covering the canvas). `pts`: from data.js pointsFrom().
 * `camera`: camera.js or orbit.js. `points`: points.js (world, diameter). `site`: data.js.
 * `visible(i)`: whether filters show entity i. `obstacles()`: [[x0, y0, x1, y1]] in canvas CSS px
 * that labels must not cover (panels, search box). `groupVisible(group)`: whether a region shows.
 * Returns {setRecord(rec), setPriority(ids), start(), schedule(), follow(), placed(), idle()}.
 */
export function createLabels(layer, { pts, camera, points, site, visible, obstacles, groupVisible = () => true }) {
  const { n } = pts;
  // Text is measured on a 2D canvas in the font style.css gives each kind of label.
  const measure = document.createElement('canvas').getContext('2d');
  const fonts = {};
  for (const kind of Object.keys(HEIGHT)) {
    const probe = document.createElement('span');
    probe.className = `label label-${kind}`;
    layer.append(probe);
    fonts[kind] = getComputedStyle(probe).font || '12px sans-serif';
    probe.remove();
  }
  const widths = new Map(); // `${kind}:${text}` -> px
  const width = (kind, text) => {
    const key = `${kind}:${text}`;
    let w = widths.get(key);
    if (w === undefined) {
      measure.font = fonts[kind];
      w = Math.ceil(measure.measureText(text).width * 1.02) + 4; // slack: canvas and DOM text differ by a pixel or two
      if (widths.size > 20000) widths.clear();
      widths.set(key, w);
    }
    return w;
  };

  // Importance: the record's most popular entities in order, then the rest by size class (a counting sort).
  let order = null; // made at the first placement, not before the first draw
  function bySize(first = []) {
    const out = new Uint32Array(n);
    const taken = new Uint8Array(n);
    let k = 0;
    for (const id of first) if (id >= 0 && id < n && !taken[id]) { taken[id] = 1; out[k++] = id; }
    const start = new Uint32Array(257);
    for (let i = 0; i < n; i++) if (!taken[i]) start[256 - pts.size[i]]++;
    for (let s = 0, at = k; s < 257; s++) { const c = start[s]; start[s] = at; at += c; }
    for (let i = 0; i < n; i++) if (!taken[i]) out[start[255 - pts.size[i]]++] = i;
    return out;
  }

  // Names: popular ones from the record, the others from their shards.
  const popular = new Map();
  const shards = new Map(); // shard -> names | null while loading
  let shardSize = 0;
  site.manifest().then((m) => { shardSize = m.data?.shard_size ?? 0; schedule(); }, () => {});
  const nameOf = (id) => {
    const p = popular.get(id);
    if (p !== undefined) return p;
    if (!shardSize) return undefined;
    return shards.get(Math.floor(id / shardSize))?.[id % shardSize];
  };
  let loading = 0;
  function want(ids) {
    for (const id of ids) {
      if (loading >= SHARD_LOADS || !shardSize) return;
      const s = Math.floor(id / shardSize);
      if (shards.has(s)) continue;
      shards.set(s, null);
      loading++;
      site.names(s).then(
        (rec) => shards.set(s, rec.names),
        (e) => { console.error(e); shards.set(s, []); }, // shown as no label; the panel reports file errors
      ).finally(() => { loading--; schedule(); });
    }
  }

  let record = null;
  let priority = []; // [selected, ...neighbors]
  let placed = []; // [{id, kind, text, world, dx, dy, w, h, el}]
  const pool = [];

  // Screen position of entity i without allocating: sets sx, sy; false when off screen or behind.
  let sx = 0, sy = 0;
  const span = pts.lo.map((l, d) => pts.hi[d] - l || 1);
  function projector() {
    const cam = camera.state;
    const { width: W, height: H } = cam;
    if (camera.dims === 3) {
      const m = cam.matrix;
      return (i) => {
        const x = pts.lo[0] + (pts.x[i] / 65535) * span[0], y = pts.lo[1] + (pts.y[i] / 65535) * span[1], z = pts.lo[2] + (pts.z[i] / 65535) * span[2];
        const w = m[3] * x + m[7] * y + m[11] * z + m[15];
        if (w <= 1e-9) return false;
        sx = ((m[0] * x + m[4] * y + m[8] * z + m[12]) / w + 1) * 0.5 * W;
        sy = (1 - (m[1] * x + m[5] * y + m[9] * z + m[13]) / w) * 0.5 * H;
        return sx >= MARGIN && sx <= W - MARGIN && sy >= MARGIN && sy <= H - MARGIN;
      };
    }
    const { cx, cy, scale } = cam;
    return (i) => {
      sx = (pts.lo[0] + (pts.x[i] / 65535) * span[0] - cx) * scale + W / 2;
      sy = H / 2 - (pts.lo[1] + (pts.y[i] / 65535) * span[1] - cy) * scale;
      return sx >= MARGIN && sx <= W - MARGIN && sy >= MARGIN && sy <= H - MARGIN;
    };
  }

  function place() {
    const cam = camera.state;
    const { width: W, height: H } = cam;
    const boxes = obstacles().map((b) => [b[0] - PAD, b[1] - PAD, b[2] + PAD, b[3] + PAD]);
    const inside = (b) => b[0] >= MARGIN && b[1] >= MARGIN && b[2] <= W - MARGIN && b[3] <= H - MARGIN;
    const out = [];
    const at = projector();
    const missing = [];
    const named = new Set(); // member names a region label shows already

    const tryEntity = (id, kind) => {
      const name = nameOf(id);
      if (name === undefined) { missing.push(id); return false; }
      const text = short(name);
      if (!text || named.has(text)) return false;
      const w = width(kind, text), h = HEIGHT[kind];
      const r = points.diameter(id, cam) / 2;
      const spots = [[r + GAP, -h / 2], [-r - GAP - w, -h / 2], [-w / 2, -r - GAP - h], [-w / 2, r + GAP]];
      for (const [dx, dy] of spots) {
        const b = [sx + dx, sy + dy, sx + dx + w, sy + dy + h];
        if (inside(b) && !hit([b[0] - PAD, b[1] - PAD, b[2] + PAD, b[3] + PAD], boxes)) {
          boxes.push(b, [sx - r, sy - r, sx + r, sy + r]);
          out.push({ id, kind, text, world: points.world(id), dx, dy, w, h });
          return true;
        }
      }
      return false;
    };

    const [sel, ...nbrs] = priority;
    const max = Math.max(6, Math.min(80, Math.round((W * H) / PER_LABEL_AREA)));
    let count = 0;
    if (sel !== undefined && at(sel)) tryEntity(sel, 'selected');
    for (const id of nbrs) if (count < max && visible(id) && at(id) && tryEntity(id, 'entity')) count++;
    if (record && camera.zoom < REGION_ZOOM) {
      for (let j = 0; j < record.text.length; j++) {
        if (!groupVisible(record.group[j])) continue;
        const p = camera.project(record.pos[j]);
        if (!p) continue;
        // The whole text, else fewer of its " · " parts, whichever first fits.
        const parts = String(record.text[j]).split(' · ');
        for (let k = parts.length; k >= 1; k--) {
          const text = parts.slice(0, k).join(' · ');
          const w = width('region', text), h = HEIGHT.region;
          const b = [p[0] - w / 2, p[1] - h / 2, p[0] + w / 2, p[1] + h / 2];
          if (w <= W * REGION_WIDTH && inside(b) && !hit([b[0] - PAD, b[1] - PAD, b[2] + PAD, b[3] + PAD], boxes)) {
            boxes.push(b);
            out.push({ id: -1, group: record.group[j], kind: 'region', text, world: record.pos[j], dx: -w / 2, dy: -h / 2, w, h });
            parts.slice(0, k).forEach((t) => named.add(t)); // member names it shows are not repeated nearby
            break;
          }
        }
      }
    }
    const seen = new Set(priority);
    order ??= bySize(record?.top_ids ?? []);
    for (let k = 0, scanned = 0; k < n && count < max && scanned < SCAN_LIMIT; k++) {
      const id = order[k];
      if (seen.has(id) || !visible(id) || !at(id)) continue;
      scanned++;
      if (tryEntity(id, 'entity')) count++;
    }
    want(missing);
    return out;
  }

  function render(list) {
    for (let j = 0; j < list.length; j++) {
      const l = list[j];
      let el = pool[j];
      if (!el) { el = document.createElement('span'); pool.push(el); layer.append(el); }
      el.hidden = false;
      if (el.textContent !== l.text) el.textContent = l.text;
      el.className = `label label-${l.kind}`;
      el.style.width = `${l.w}px`;
      el.style.height = `${l.h}px`;
      el.style.lineHeight = `${l.h}px`;
      if (l.id >= 0) el.dataset.id = l.id; else delete el.dataset.id;
      l.el = el;
    }
    for (let j = list.length; j < pool.length; j++) pool[j].hidden = true;
    placed = list;
    follow();
  }

  /** Move the placed labels with the map (every frame; placement itself is throttled). */
  function follow() {
    for (const l of placed) {
      const p = camera.project(l.world);
      if (!p) { l.el.hidden = true; continue; }
      l.el.hidden = false;
      l.el.style.transform = `translate(${Math.round(p[0] + l.dx)}px, ${Math.round(p[1] + l.dy)}px)`;
    }
  }

  let last = 0, timer = 0, started = false;
  function run() {
    timer = 0;
    last = performance.now();
    render(place());
  }
  /** Ask for a new placement: at once if the last is old enough, else after the throttle delay. */
  function schedule() {
    if (timer || !started) return; // the pending placement will see the camera as it is then
    const wait = THROTTLE_MS - (performance.now() - last);
    timer = setTimeout(run, Math.max(0, wait));
  }

  return {
    /** The `labels` record (or null): region labels and popular names. */
    setRecord(rec) {
      record = rec;
      if (rec) {
        rec.top_ids.forEach((id, k) => popular.set(id, rec.top_names[k]));
        order = null;
      }
      schedule();
    },
    /** Entities labelled first: the selection, then its neighbors. */
    setPriority(ids) { priority = ids.slice(); schedule(); },
    /** Begin placing labels (after the first draw: the map comes first). */
    start() { started = true; schedule(); },
    schedule,
    follow,
    /** [{id, kind, text, box: [x0, y0, x1, y1]}] as shown (canvas CSS px). */
    placed: () => placed.filter((l) => !l.el.hidden).map((l) => {
      const p = camera.project(l.world);
      return { id: l.id, kind: l.kind, text: l.text, box: [p[0] + l.dx, p[1] + l.dy, p[0] + l.dx + l.w, p[1] + l.dy + l.h] };
    }),
    /** No placement and no names shard pending. */
    idle: () => !timer && loading === 0,
  };
}

// The 2D camera (centre in data units, scale in CSS pixels per data unit, y up) and the
// gestures that move it: mouse drag and wheel, one-finger pan, two-finger pinch, keys.
// orbit.js has the 3D camera with the same interface: state, zoom, toScreen([x, y(, z)]),
// fit, centreOn(p, also, clear), setInsets, setObstacles, panBy, drag, zoomAt, zoomBy, view(),
// setView(v), onChange, stop.

const ZOOM_OUT_LIMIT = 0.25; // relative to the fitted scale
const ZOOM_IN_LIMIT = 5000;
const TAP_SLOP = 8; // CSS px a tap may wander
const TAP_MS = 600;
const ANIMATION_MS = 350;
const CLEARANCE = 16; // CSS px between a point a centring shows and the edge of an obstacle or panel
const NUDGE_ZOOM = [1, 0.9, 0.8, 0.7, 0.6, 0.5]; // how far a nudge may zoom out, in turn

/**
 * Nudge a planned view so that the points it centres on show and none lies under an obstacle (a
 * box over the map that is no panel: the legend). `at(k, dx, dy)` gives the points' screen
 * positions (CSS px; null: not drawn) in the plan zoomed by k (< 1: out) about the visible centre
 * and panned by (dx, dy) CSS px; the first `need` points must show, in `visible`; the rest must
 * only stay out from under the obstacles. Boxes are [x0, y0, x1, y1].
 * Returns [k, dx, dy]: [1, 0, 0] when the plan is fine, else the least zoom out (down to minK),
 * then the shortest pan, that clears them; failing that, the needed points fitted into the
 * largest part of `visible` beside the obstacle, as if it were a left, right, top or bottom inset.
 */
export function nudgeClear(at, need, visible, obstacles, minK = 0) {
  const m = CLEARANCE;
  const inside = (q, [x0, y0, x1, y1]) => !!q && q[0] > x0 && q[0] < x1 && q[1] > y0 && q[1] < y1;
  const grown = obstacles.map(([x0, y0, x1, y1]) => [x0 - m, y0 - m, x1 + m, y1 + m]);
  const shown = [visible[0] + m, visible[1] + m, visible[2] - m, visible[3] - m];
  const ok = (qs) => qs.every((q, i) => (i >= need || inside(q, shown)) && !grown.some((b) => inside(q, b)));
  const plan = at(1, 0, 0);
  if (ok(plan)) return [1, 0, 0];
  for (const k of NUDGE_ZOOM.filter((z) => z >= minK)) {
    // Pans that move the points under each obstacle just past one of its four edges.
    const qs = at(k, 0, 0);
    const pans = [[0, 0]];
    for (const b of grown) {
      const xs = [], ys = [];
      for (const q of qs) if (inside(q, b)) { xs.push(q[0]); ys.push(q[1]); }
      if (xs.length) pans.push([b[2] + 1 - Math.min(...xs), 0], [b[0] - 1 - Math.max(...xs), 0], [0, b[3] + 1 - Math.min(...ys)], [0, b[1] - 1 - Math.max(...ys)]);
    }
    pans.sort((p, q) => Math.hypot(...p) - Math.hypot(...q));
    for (const [dx, dy] of pans) if (ok(at(k, dx, dy))) return [k, dx, dy];
  }
  // The largest part of the visible area beside the obstacle over a point (or all of it).
  const [v0, v1, v2, v3] = shown;
  const hit = grown.find((b) => plan.some((q) => inside(q, b)));
  const parts = hit ? [[hit[2], v1, v2, v3], [v0, v1, hit[0], v3], [v0, v1, v2, hit[1]], [v0, hit[3], v2, v3]] : [shown];
  const area = ([x0, y0, x1, y1]) => Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const [x0, y0, x1, y1] = parts.reduce((a, b) => (area(b) > area(a) ? b : a));
  const box = (qs) => {
    const xs = qs.map((q) => q[0]), ys = qs.map((q) => q[1]);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  };
  const needed = (k) => at(k, 0, 0).slice(0, need).filter(Boolean);
  const [b0, b1, b2, b3] = box(needed(1));
  const k = Math.max(minK, Math.min(1, (x1 - x0) / Math.max(b2 - b0, 1), (y1 - y0) / Math.max(b3 - b1, 1)));
  const [c0, c1, c2, c3] = box(needed(k));
  return [k, (x0 + x1 - c0 - c2) / 2, (y0 + y1 - c1 - c3) / 2];
}

/**
 * Eased camera moves, one at a time: `run(frame, jump)` calls frame(e) on each animation frame,
 * e easing from 0 to 1 over ANIMATION_MS, or jump() at once when the user prefers reduced motion.
 * A new run, or stop(), ends the one before. Shared by the 2D camera and the 3D orbit camera.
 */
export function createAnimator() {
  const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
  let anim = null;
  return {
    get active() { return anim !== null; },
    stop() { anim = null; },
    run(frame, jump) {
      anim = null;
      if (reducedMotion.matches) return jump();
      const t0 = performance.now();
      const step = (now) => {
        if (anim !== step) return;
        const t = Math.min(1, (now - t0) / ANIMATION_MS);
        frame(t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2);
        if (t < 1) requestAnimationFrame(step);
        else anim = null;
      };
      anim = step;
      requestAnimationFrame(step);
    },
  };
}

export function createCamera() {
  let cx = 0, cy = 0, scale = 1, fitScale = 1;
  let width = 1, height = 1;
  let insets = { top: 0, right: 0, bottom: 0, left: 0 };
  let obstacles = [];
  const anim = createAnimator();
  const listeners = new Set();

  const changed = () => listeners.forEach((f) => f());
  const clampScale = (s) => Math.min(fitScale * ZOOM_IN_LIMIT, Math.max(fitScale * ZOOM_OUT_LIMIT, s));
  // Centre of the part of the canvas that no panel covers, in CSS px.
  const visibleCentre = () => [(insets.left + width - insets.right) / 2, (insets.top + height - insets.bottom) / 2];
  const visibleBox = () => [insets.left, insets.top, width - insets.right, height - insets.bottom];
  // Scale that fits the box [x0, y0]-[x1, y1] in the visible part, with a margin.
  const scaleFor = (x0, y0, x1, y1, margin) => {
    const w = Math.max(1, width - insets.left - insets.right) * (1 - 2 * margin);
    const h = Math.max(1, height - insets.top - insets.bottom) * (1 - 2 * margin);
    return Math.min(w / Math.max(x1 - x0, 1e-9), h / Math.max(y1 - y0, 1e-9));
  };
  // Centre that shows (x, y) at the visible centre, or (dx, dy) CSS px from it, at scale s.
  const centreFor = (x, y, s, dx = 0, dy = 0) => {
    const [vx, vy] = visibleCentre();
    return [x - (vx + dx - width / 2) / s, y + (vy + dy - height / 2) / s];
  };

  function set(ncx, ncy, ns) {
    cx = ncx; cy = ncy; scale = ns;
    changed();
  }

  function animateTo(tcx, tcy, ts) {
    const from = { cx, cy, ls: Math.log(scale) };
    anim.run(
      (e) => set(from.cx + (tcx - from.cx) * e, from.cy + (tcy - from.cy) * e, Math.exp(from.ls + (Math.log(ts) - from.ls) * e)),
      () => set(tcx, tcy, ts),
    );
  }

  const camera = {
    dims: 2,
    get state() { return { cx, cy, scale, fitScale, width, height }; },
    /** Zoom relative to the fitted view (1: the whole map). */
    get zoom() { return scale / fitScale; },
    get animating() { return anim.active; },
    onChange(f) { listeners.add(f); return () => listeners.delete(f); },
    stop() { anim.stop(); },
    resize(w, h) {
      width = Math.max(1, w); height = Math.max(1, h);
      changed();
    },
    /** Parts of the canvas covered by panels (CSS px); centring avoids them. */
    setInsets(i) { insets = { ...insets, ...i }; },
    /** Boxes over the map ([x0, y0, x1, y1] CSS px: the legend) that centred points keep clear of. */
    setObstacles(boxes) { obstacles = boxes; },
    toScreen(x, y) { return [(x - cx) * scale + width / 2, height / 2 - (y - cy) * scale]; },
    /** Screen position (CSS px) of world point p = [x, y]. */
    project(p) { return [(p[0] - cx) * scale + width / 2, height / 2 - (p[1] - cy) * scale]; },
    toWorld(sx, sy) { return [(sx - width / 2) / scale + cx, cy - (sy - height / 2) / scale]; },
    /** Show the box lo..hi (data units) whole; the fitted scale anchors zoom limits and sizes. */
    fit(lo, hi, { animate = false } = {}) {
      fitScale = scaleFor(lo[0], lo[1], hi[0], hi[1], 0.04);
      const [ncx, ncy] = centreFor((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, fitScale);
      if (animate) animateTo(ncx, ncy, fitScale);
      else set(ncx, ncy, fitScale);
    },
    /**
     * Centre (x, y) in the visible part. With `also` ([[x, y]...]), zoom so that most of them
     * (the nearest three quarters) show too, spread over about half the view: zoom out if they
     * would be hidden, in if they would crowd; not out beyond the fitted view, unless they would
     * not show there. Then nudge (nudgeClear) so that (x, y), those of `also` and the points of
     * `clear` that show keep out from under the obstacles.
     */
    centreOn([x, y], also = [], clear = []) {
      let s = scale, r = 0;
      if (also.length) {
        const d = also.map(([ax, ay]) => Math.max(Math.abs(ax - x), Math.abs(ay - y))).sort((a, b) => a - b);
        r = d[Math.floor(0.75 * (d.length - 1))];
        const most = scaleFor(x - r, y - r, x + r, y + r, 0.08);
        if (s > most || s < most / 4) s = Math.max(fitScale, most / 2);
      }
      s = clampScale(s);
      // The centre and the nearest of `also` must show; the rest keep clear where they show.
      const near = (p) => Math.max(Math.abs(p[0] - x), Math.abs(p[1] - y)) <= r;
      const pts = [[x, y], ...also.filter(near), ...also.filter((p) => !near(p)), ...clear];
      const [vx, vy] = visibleCentre();
      const at = (k, dx, dy) => pts.map(([px, py]) => [vx + dx + (px - x) * s * k, vy + dy - (py - y) * s * k]);
      const [k, dx, dy] = nudgeClear(at, 1 + also.filter(near).length, visibleBox(), obstacles, (fitScale * ZOOM_OUT_LIMIT) / s);
      const s1 = clampScale(s * k);
      const [ncx, ncy] = centreFor(x, y, s1, dx, dy);
      animateTo(ncx, ncy, s1);
    },
    panBy(dx, dy) { set(cx - dx / scale, cy + dy / scale, scale); },
    /** A one-finger or mouse drag by (dx, dy) CSS px: pans the map. */
    drag(dx, dy) { camera.panBy(dx, dy); },
    /** The view as numbers for a link: [cx, cy, zoom]; setView restores it (false if unusable). */
    view() { return [cx, cy, scale / fitScale]; },
    setView(v) {
      if (!Array.isArray(v) || v.length !== 3 || !v.every(Number.isFinite) || !(v[2] > 0)) return false;
      anim.stop();
      set(v[0], v[1], clampScale(v[2] * fitScale));
      return true;
    },
    zoomAt(factor, sx, sy) {
      const [wx, wy] = camera.toWorld(sx, sy);
      const s = clampScale(scale * factor);
      set(wx - (sx - width / 2) / s, wy + (sy - height / 2) / s, s);
    },
    zoomBy(factor) {
      const [vx, vy] = visibleCentre();
      camera.zoomAt(factor, vx, vy);
    },
  };
  return camera;
}

/**
 * Pointer, wheel and key gestures on `el` that move `camera`.
 * `onTap(x, y, pointerType)` for a click or tap that did not move the map;
 * `onHover(x, y)` / `onHover(null)` for a mouse moving over it without a button.
 */
export function attachGestures(el, camera, { onTap, onHover, onFit }) {
  const pointers = new Map();
  let tap = null;
  const at = (e) => {
    const r = el.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };

  el.addEventListener('pointerdown', (e) => {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    el.setPointerCapture?.(e.pointerId);
    const p = at(e);
    pointers.set(e.pointerId, p);
    tap = pointers.size === 1 ? { id: e.pointerId, p, t: e.timeStamp, type: e.pointerType } : null;
    camera.stop();
    if (e.pointerType === 'mouse') el.classList.add('dragging');
    onHover?.(null);
  });

  el.addEventListener('pointermove', (e) => {
    const p = at(e);
    const prev = pointers.get(e.pointerId);
    if (!prev) {
      if (e.pointerType === 'mouse') onHover?.(p[0], p[1]);
      return;
    }
    if (pointers.size === 1) {
      // Until it leaves the slop a press may still be a tap: the map stays, `prev` stays the press point.
      if (tap && Math.hypot(p[0] - tap.p[0], p[1] - tap.p[1]) <= TAP_SLOP) return;
      tap = null;
      camera.drag(p[0] - prev[0], p[1] - prev[1]);
    } else {
      // Pinch: the two first pointers; zoom about their midpoint and follow it.
      const [a, b] = [...pointers.keys()];
      const other = pointers.get(e.pointerId === a ? b : a);
      if (e.pointerId === a || e.pointerId === b) {
        const d0 = Math.hypot(prev[0] - other[0], prev[1] - other[1]);
        const d1 = Math.hypot(p[0] - other[0], p[1] - other[1]);
        const m0 = [(prev[0] + other[0]) / 2, (prev[1] + other[1]) / 2];
        const m1 = [(p[0] + other[0]) / 2, (p[1] + other[1]) / 2];
        if (d0 > 1 && d1 > 1) camera.zoomAt(d1 / d0, m0[0], m0[1]);
        camera.panBy(m1[0] - m0[0], m1[1] - m0[1]);
      }
    }
    pointers.set(e.pointerId, p);
  });

  const end = (e) => {
    if (!pointers.has(e.pointerId)) return;
    pointers.delete(e.pointerId);
    if (pointers.size === 0) el.classList.remove('dragging');
    const t = tap;
    tap = null;
    if (e.type === 'pointerup' && t && t.id === e.pointerId && e.timeStamp - t.t < TAP_MS) onTap?.(t.p[0], t.p[1], t.type);
  };
  el.addEventListener('pointerup', end);
  el.addEventListener('pointercancel', end);
  el.addEventListener('pointerleave', (e) => { if (e.pointerType === 'mouse' && !pointers.size) onHover?.(null); });

  el.addEventListener('wheel', (e) => {
    e.preventDefault();
    camera.stop();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? el.clientHeight : 1;
    // ctrlKey marks a trackpad pinch: smaller deltas, zoom faster.
    const k = e.ctrlKey ? 0.01 : 0.0015;
    const [x, y] = at(e);
    camera.zoomAt(Math.exp(-e.deltaY * unit * k), x, y);
  }, { passive: false });

  el.addEventListener('dblclick', (e) => {
    const [x, y] = at(e);
    camera.zoomAt(e.shiftKey ? 0.5 : 2, x, y);
  });

  el.addEventListener('keydown', (e) => {
    const step = 60;
    const keys = {
      ArrowLeft: () => camera.drag(step, 0), ArrowRight: () => camera.drag(-step, 0),
      ArrowUp: () => camera.drag(0, step), ArrowDown: () => camera.drag(0, -step),
      '+': () => camera.zoomBy(1.5), '=': () => camera.zoomBy(1.5), '-': () => camera.zoomBy(1 / 1.5),
      0: () => onFit?.(),
    };
    if (keys[e.key] && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      camera.stop();
      keys[e.key]();
    }
  });

  // Safari's own pinch gestures would zoom the page.
  for (const type of ['gesturestart', 'gesturechange']) el.addEventListener(type, (e) => e.preventDefault());
}

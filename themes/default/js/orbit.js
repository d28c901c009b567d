// The 3D "galaxy" camera: a perspective camera orbiting a target point. Same interface as the
// 2D camera in camera.js, so the same gestures drive it: a drag orbits (yaw, pitch), a pinch or
// the wheel zooms towards the finger or cursor, a two-finger move pans the target.
//
// World: data units; at yaw = pitch = 0 the camera looks down -z with x right and y up, as the
// 2D map does. `state` (for points.js) holds `matrix` (view-projection, column-major) and
// `depthRef` (the fitted distance, where points have their 2D size).

import { createAnimator, nudgeClear } from './camera.js';

const FOV = (50 * Math.PI) / 180; // vertical field of view
const ZOOM_OUT_LIMIT = 0.25;
const ZOOM_IN_LIMIT = 400;
const PITCH_LIMIT = Math.PI / 2 - 0.02;
const ORBIT_PER_PX = 0.008; // radians per CSS px of drag
const START = { yaw: 0.35, pitch: 0.25 };

const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const add = (a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const mul = (a, s) => [a[0] * s, a[1] * s, a[2] * s];
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const unit = (a) => mul(a, 1 / (Math.hypot(...a) || 1));

/** Column-major 4x4 product a * b. */
function mat4mul(a, b) {
  const o = new Float32Array(16);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
      o[c * 4 + r] = s;
    }
  }
  return o;
}

export function createOrbitCamera() {
  let target = [0, 0, 0], yaw = START.yaw, pitch = START.pitch, dist = 1, fitDist = 1, radius = 1;
  let width = 1, height = 1;
  let insets = { top: 0, right: 0, bottom: 0, left: 0 };
  let obstacles = [];
  const anim = createAnimator();
  let frame = null; // cached {matrix, eye, right, up, scale}
  const listeners = new Set();

  const changed = () => { frame = null; listeners.forEach((f) => f()); };
  const clampDist = (d) => Math.min(fitDist / ZOOM_OUT_LIMIT, Math.max(fitDist / ZOOM_IN_LIMIT, d));
  const clampPitch = (p) => Math.max(-PITCH_LIMIT, Math.min(PITCH_LIMIT, p));
  // Where the target shows: the centre of the part of the canvas no panel covers (CSS px).
  const visibleCentre = () => [(insets.left + width - insets.right) / 2, (insets.top + height - insets.bottom) / 2];
  const pxPerUnit = (d) => height / 2 / (d * Math.tan(FOV / 2)); // CSS px per data unit at the target

  const compute = () => (frame ??= frameOf(target, yaw, pitch, dist));
  /** The camera at (target, yaw, pitch, dist): {matrix, eye, right, up, scale}. */
  function frameOf(target, yaw, pitch, dist) {
    const dir = [Math.cos(pitch) * Math.sin(yaw), Math.sin(pitch), Math.cos(pitch) * Math.cos(yaw)];
    const eye = add(target, mul(dir, dist));
    const fwd = mul(dir, -1);
    const right = unit(cross(fwd, [0, 1, 0]));
    const up = cross(right, fwd);
    const view = new Float32Array([
      right[0], up[0], -fwd[0], 0,
      right[1], up[1], -fwd[1], 0,
      right[2], up[2], -fwd[2], 0,
      -dot(right, eye), -dot(up, eye), dot(fwd, eye), 1,
    ]);
    const f = 1 / Math.tan(FOV / 2);
    const near = Math.max(dist * 0.01, 1e-6);
    const far = dist + 4 * radius + 1e-6;
    const proj = new Float32Array([
      f / (width / height), 0, 0, 0,
      0, f, 0, 0,
      0, 0, (far + near) / (near - far), -1,
      0, 0, (2 * far * near) / (near - far), 0,
    ]);
    // Lens shift: the target shows at the visible centre, not the canvas centre.
    const [vx, vy] = visibleCentre();
    const ox = (vx - width / 2) / (width / 2), oy = -(vy - height / 2) / (height / 2);
    for (let c = 0; c < 4; c++) {
      proj[c * 4] += ox * proj[c * 4 + 3];
      proj[c * 4 + 1] += oy * proj[c * 4 + 3];
    }
    return { matrix: mat4mul(proj, view), eye, right, up, scale: pxPerUnit(dist) };
  }
  /** Screen position [x, y, depth] (CSS px) of world point p under view-projection m, or null behind the camera. */
  function projectWith(m, p) {
    const w = m[3] * p[0] + m[7] * p[1] + m[11] * p[2] + m[15];
    if (w <= 1e-9) return null;
    const x = (m[0] * p[0] + m[4] * p[1] + m[8] * p[2] + m[12]) / w;
    const y = (m[1] * p[0] + m[5] * p[1] + m[9] * p[2] + m[13]) / w;
    return [((x + 1) / 2) * width, ((1 - y) / 2) * height, w];
  }

  function set(t, y, p, d) {
    target = t; yaw = y; pitch = clampPitch(p); dist = clampDist(d);
    changed();
  }

  function animateTo(t1, d1) {
    const t0 = target, d0 = Math.log(dist);
    anim.run(
      (e) => set(add(t0, mul(sub(t1, t0), e)), yaw, pitch, Math.exp(d0 + (Math.log(d1) - d0) * e)),
      () => set(t1, yaw, pitch, d1),
    );
  }

  const camera = {
    dims: 3,
    get state() {
      const f = compute();
      return { matrix: f.matrix, depthRef: fitDist, scale: f.scale, fitScale: f.scale * (dist / fitDist), width, height };
    },
    get zoom() { return fitDist / dist; },
    get animating() { return anim.active; },
    onChange(f) { listeners.add(f); return () => listeners.delete(f); },
    stop() { anim.stop(); },
    resize(w, h) {
      width = Math.max(1, w); height = Math.max(1, h);
      changed();
    },
    setInsets(i) { insets = { ...insets, ...i }; changed(); },
    /** Boxes over the map ([x0, y0, x1, y1] CSS px: the legend) that centred points keep clear of. */
    setObstacles(boxes) { obstacles = boxes; },
    /** Screen position [x, y, depth] (CSS px) of world point p, or null behind the camera. */
    project(p) { return projectWith(compute().matrix, p); },
    toScreen(x, y, z) { return camera.project([x, y, z]); },
    /** Show the box lo..hi whole (a sphere around it, whatever the orientation). */
    fit(lo, hi, { animate = false } = {}) {
      const centre = [0, 1, 2].map((d) => (lo[d] + hi[d]) / 2);
      radius = Math.max(1e-9, Math.hypot(...[0, 1, 2].map((d) => (hi[d] - lo[d]) / 2)));
      const aspect = Math.max(1, width - insets.left - insets.right) / Math.max(1, height - insets.top - insets.bottom);
      const half = Math.min(FOV / 2, Math.atan(Math.tan(FOV / 2) * aspect));
      fitDist = (radius / Math.sin(half)) * 1.02;
      if (animate) animateTo(centre, fitDist);
      else set(centre, yaw, pitch, fitDist);
    },
    /**
     * Orbit around p (data units); with `also`, move in or out so that most of them show. Then
     * nudge (camera.js nudgeClear) so that p, those of `also` and the points of `clear` that show
     * keep out from under the obstacles.
     */
    centreOn(p, also = [], clear = []) {
      const t = [p[0], p[1], p[2] ?? 0];
      let d = dist, r = 0;
      if (also.length) {
        r = also.map((a) => Math.hypot(...sub(a, t))).sort((a, b) => a - b)[Math.floor(0.75 * (also.length - 1))];
        const want = (2 * r) / Math.tan(FOV / 2);
        if (d < want / 2 || d > want * 2) d = Math.min(fitDist, want);
      }
      d = clampDist(d);
      // The target moved by (dx, dy) CSS px on screen, at distance d / k.
      const { right, up } = compute();
      const placed = (k, dx, dy) => {
        const s = pxPerUnit(d / k);
        return [add(t, add(mul(right, -dx / s), mul(up, dy / s))), d / k];
      };
      const near = (a) => Math.hypot(...sub(a, t)) <= r;
      const pts = [t, ...also.filter(near), ...also.filter((a) => !near(a)), ...clear];
      const at = (k, dx, dy) => {
        const [tk, dk] = placed(k, dx, dy);
        const m = frameOf(tk, yaw, pitch, dk).matrix;
        return pts.map((q) => projectWith(m, q));
      };
      const box = [insets.left, insets.top, width - insets.right, height - insets.bottom];
      const [t1, d1] = placed(...nudgeClear(at, 1 + also.filter(near).length, box, obstacles, (d * ZOOM_OUT_LIMIT) / fitDist));
      animateTo(t1, clampDist(d1));
    },
    /** Move the target by (dx, dy) CSS px in the screen plane. */
    panBy(dx, dy) {
      const { right, up, scale } = compute();
      set(add(target, add(mul(right, -dx / scale), mul(up, dy / scale))), yaw, pitch, dist);
    },
    /** A one-finger or mouse drag: orbit, the galaxy turning with the finger. */
    drag(dx, dy) { set(target, yaw - dx * ORBIT_PER_PX, pitch + dy * ORBIT_PER_PX, dist); },
    /** Move in by `factor`, keeping the point of the target plane under (sx, sy) in place. */
    zoomAt(factor, sx, sy) {
      const { right, up, scale } = compute();
      const d1 = clampDist(dist / factor);
      const k = 1 - d1 / dist; // the share of the way to the cursor's point the target moves
      const [vx, vy] = visibleCentre();
      const p = add(target, add(mul(right, (sx - vx) / scale), mul(up, -(sy - vy) / scale)));
      set(add(target, mul(sub(p, target), k)), yaw, pitch, d1);
    },
    zoomBy(factor) {
      const [vx, vy] = visibleCentre();
      camera.zoomAt(factor, vx, vy);
    },
    /** The view for a link: [tx, ty, tz, yaw, pitch, zoom]; setView restores it. */
    view() { return [...target, yaw, pitch, fitDist / dist]; },
    setView(v) {
      if (!Array.isArray(v) || v.length !== 6 || !v.every(Number.isFinite) || !(v[5] > 0)) return false;
      anim.stop();
      set(v.slice(0, 3), v[3], v[4], fitDist / v[5]);
      return true;
    },
  };
  return camera;
}

// Nearest point to a screen position. 2D: a uniform grid over the quantized positions (u16),
// built once with a counting sort. 3D: the projected points, scanned.

/** `x`, `y`: Uint16Array(n) quantized positions. Returns {nearest}. */
export function createPicker(x, y) {
  const n = x.length;
  const g = Math.max(1, Math.min(1024, Math.round(Math.sqrt(n / 4)))); // about 4 points a cell
  const cellOf = (i) => ((y[i] * g) >>> 16) * g + ((x[i] * g) >>> 16);
  const start = new Uint32Array(g * g + 1);
  for (let i = 0; i < n; i++) start[cellOf(i) + 1]++;
  for (let c = 0; c < g * g; c++) start[c + 1] += start[c];
  const ids = new Uint32Array(n);
  const fill = start.slice(0, g * g);
  for (let i = 0; i < n; i++) ids[fill[cellOf(i)]++] = i;

  return {
    /**
     * The point nearest to (u, v) (quantized units) within an ellipse of radii (ru, rv), or -1.
     * `toPx` gives the per-axis size of one quantized unit in screen pixels, so that distance
     * is measured on screen. `skip(i)`: true for points that cannot be picked (filtered out).
     */
    nearest(u, v, ru, rv, toPxU, toPxV, skip) {
      const c0 = Math.max(0, Math.floor(((u - ru) * g) / 65536));
      const c1 = Math.min(g - 1, Math.floor(((u + ru) * g) / 65536));
      const r0 = Math.max(0, Math.floor(((v - rv) * g) / 65536));
      const r1 = Math.min(g - 1, Math.floor(((v + rv) * g) / 65536));
      const limit = (ru * toPxU) ** 2;
      let best = -1, bestD = Infinity;
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) {
          const cell = r * g + c;
          for (let j = start[cell]; j < start[cell + 1]; j++) {
            const i = ids[j];
            const d = ((x[i] - u) * toPxU) ** 2 + ((y[i] - v) * toPxV) ** 2;
            // Ties go to the higher id: it is drawn later, on top.
            if (d <= limit && (d < bestD || (d === bestD && i > best)) && !(skip && skip(i))) { best = i; bestD = d; }
          }
        }
      }
      return best;
    },
  };
}

/**
 * Picking in a 3D galaxy: every point projected to the screen (once per camera change, when a
 * pick asks), then the nearest within `r` CSS px; ties go to the point nearer the camera.
 * `world(i)` -> [x, y, z]; `project(p)` -> [sx, sy, depth] or null.
 */
export function createScreenPicker(n, world, project) {
  let sx = null, sy = null, depth = null;
  return {
    /** Forget the projection (the camera moved). */
    invalidate() { sx = null; },
    nearest(x, y, r, skip) {
      if (!sx) {
        sx = new Float32Array(n); sy = new Float32Array(n); depth = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const p = project(world(i));
          if (p) { sx[i] = p[0]; sy[i] = p[1]; depth[i] = p[2]; } else { sx[i] = NaN; }
        }
      }
      let best = -1, bestD = r * r, bestZ = Infinity;
      for (let i = 0; i < n; i++) {
        const dx = sx[i] - x, dy = sy[i] - y;
        const d = dx * dx + dy * dy;
        if (d <= bestD + 1e-6 && !(skip && skip(i)) && (d < bestD - 1e-6 || depth[i] < bestZ)) { best = i; bestD = d; bestZ = depth[i]; }
      }
      return best;
    },
  };
}

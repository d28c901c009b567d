// Draws every point with one regl command, and a few marks (selection, neighbors, hover) over them.

import { POINTS_VERT, POINTS_FRAG, MARKS_VERT, MARKS_FRAG } from './shaders.js';

const BLEND = { enable: true, func: { srcRGB: 'one', srcAlpha: 'one', dstRGB: 'one minus src alpha', dstAlpha: 'one minus src alpha' } };
const DIMMED = 0.3; // opacity factor of the other points while something is selected
const FALLBACK_RGB = [154, 164, 184];
const MARK_MAX = 44; // CSS px
/** Ring color (RGB 0..1) and width (CSS px) of each mark kind, and its smallest diameter. */
export const MARK_STYLE = {
  neighbor: { ring: [1, 1, 1], width: 1.5, min: 10, grow: 1.5 },
  hover: { ring: [1, 1, 1], width: 1, min: 9, grow: 1.6 },
  selected: { ring: [1, 1, 1], width: 3, min: 20, grow: 2.0 },
};

export function hexToRgb(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(String(hex).trim());
  if (!m) return FALLBACK_RGB;
  const v = parseInt(m[1], 16);
  return [v >> 16, (v >> 8) & 255, v & 255];
}

/** Per-point RGBA bytes for color indices `color` into `palette` (list of "#rrggbb"). */
export function colorBytes(color, palette) {
  const rgb = palette.map(hexToRgb);
  const out = new Uint8Array(color.length * 4);
  for (let i = 0; i < color.length; i++) {
    const c = rgb[color[i]] ?? FALLBACK_RGB;
    out[4 * i] = c[0]; out[4 * i + 1] = c[1]; out[4 * i + 2] = c[2]; out[4 * i + 3] = 255;
  }
  return out;
}

/**
 * `pts` from data.js pointsFrom(); options: alpha (0..1), sizeMin, sizeMax (CSS px at the
 * fitted zoom; 0 = from the point density and `area`, the canvas area in CSS px²).
 * Returns {draw(camera, dpr), diameter(i, camera), setColors(color, palette), setMarks([...]),
 * setDimmed(bool), rgb(i), destroy()}.
 */
export function createPoints(regl, pts, { alpha = 0.8, sizeMin = 0, sizeMax = 0, area = 1e6 } = {}) {
  const { n, lo, hi } = pts;
  const span = [hi[0] - lo[0] || 1, hi[1] - lo[1] || 1];
  const spacing = Math.sqrt(area / Math.max(1, n)); // CSS px between points if spread evenly
  const dMin = sizeMin || Math.min(4, Math.max(1.5, spacing * 0.35));
  const dMax = Math.max(dMin, sizeMax || Math.min(16, Math.max(5, spacing * 1.6)));

  const xy = new Uint16Array(2 * n);
  xy.set(pts.x, 0);
  xy.set(pts.y, n);
  const posBuf = regl.buffer({ data: xy, type: 'uint16', usage: 'static' });
  const sizeBuf = regl.buffer({ data: pts.size, type: 'uint8', usage: 'static' });
  let rgba = colorBytes(pts.color, pts.palette);
  const colorBuf = regl.buffer({ data: rgba, type: 'uint8', usage: 'static' });
  const markBuf = regl.buffer({ length: 4, type: 'float', usage: 'dynamic' });
  let dimmed = false;

  // Points grow slowly with zoom: 2x at 10x, 3.5x at 64x (the most).
  const boostOf = (cam) => Math.min(3.5, Math.max(0.6, (cam.scale / cam.fitScale) ** 0.3));
  const common = (cam, dpr) => ({
    centre: [cam.cx, cam.cy], viewport: [cam.width, cam.height], scale: cam.scale, dpr,
  });

  const drawPoints = regl({
    vert: POINTS_VERT,
    frag: POINTS_FRAG,
    attributes: {
      x: { buffer: posBuf, type: 'uint16', normalized: true, size: 1, offset: 0, stride: 2 },
      y: { buffer: posBuf, type: 'uint16', normalized: true, size: 1, offset: 2 * n, stride: 2 },
      size: { buffer: sizeBuf, type: 'uint8', normalized: true, size: 1 },
      color: { buffer: colorBuf, type: 'uint8', normalized: true, size: 4 },
    },
    uniforms: {
      lo: [lo[0], lo[1]], span,
      centre: regl.prop('centre'), viewport: regl.prop('viewport'), scale: regl.prop('scale'), dpr: regl.prop('dpr'),
      sizeMin: dMin, sizeMax: dMax, boost: regl.prop('boost'), alpha, dim: regl.prop('dim'),
    },
    primitive: 'points',
    count: n,
    blend: BLEND,
    depth: { enable: false },
  });

  // Marks: x, y (data units), diameter (CSS px), fill RGB (0..1), ring RGB (0..1) + width (CSS px).
  const STRIDE = 10 * 4;
  const drawMarks = regl({
    vert: MARKS_VERT,
    frag: MARKS_FRAG,
    attributes: {
      pos: { buffer: markBuf, offset: 0, stride: STRIDE, size: 2 },
      diameter: { buffer: markBuf, offset: 8, stride: STRIDE, size: 1 },
      fill: { buffer: markBuf, offset: 12, stride: STRIDE, size: 3 },
      ring: { buffer: markBuf, offset: 24, stride: STRIDE, size: 4 },
    },
    uniforms: {
      centre: regl.prop('centre'), viewport: regl.prop('viewport'), scale: regl.prop('scale'), dpr: regl.prop('dpr'),
    },
    primitive: 'points',
    count: regl.prop('count'),
    blend: BLEND,
    depth: { enable: false },
  });

  const world = (i) => [lo[0] + (pts.x[i] / 65535) * span[0], lo[1] + (pts.y[i] / 65535) * span[1]];
  let markList = [];

  return {
    n,
    world,
    /** Drawn diameter of point `i` in CSS px under camera state `cam`. */
    diameter: (i, cam) => (dMin + ((dMax - dMin) * pts.size[i]) / 255) * boostOf(cam),
    rgb: (i) => [rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]],
    setColors(color, palette) {
      rgba = colorBytes(color, palette);
      colorBuf({ data: rgba, type: 'uint8' });
    },
    setDimmed(on) { dimmed = !!on; },
    /** `list`: [{id, kind: 'neighbor' | 'hover' | 'selected'}], drawn in order (last on top). */
    setMarks(list) { markList = list; },
    draw(cam, dpr) {
      if (n) drawPoints({ ...common(cam, dpr), boost: boostOf(cam), dim: dimmed ? DIMMED : 1 });
      if (!markList.length) return;
      // Mark sizes follow the zoom, so they are rebuilt on each draw; there are only a few.
      const data = new Float32Array(markList.length * 10);
      markList.forEach(({ id, kind }, j) => {
        const s = MARK_STYLE[kind];
        const [wx, wy] = world(id);
        const c = [rgba[4 * id] / 255, rgba[4 * id + 1] / 255, rgba[4 * id + 2] / 255];
        const d = Math.max(s.min, Math.min(MARK_MAX, ((dMin + ((dMax - dMin) * pts.size[id]) / 255) * boostOf(cam)) * s.grow));
        data.set([wx, wy, d, ...c, ...s.ring, s.width], j * 10);
      });
      markBuf({ data, usage: 'dynamic' });
      drawMarks({ ...common(cam, dpr), count: markList.length });
    },
    destroy() {
      posBuf.destroy(); sizeBuf.destroy(); colorBuf.destroy(); markBuf.destroy();
    },
  };
}

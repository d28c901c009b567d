// Draws every point with one regl command, and a few marks (selection, neighbors, hover) over them.
// 2D maps use the camera's centre and scale; 3D galaxies (pts.dims === 3) its viewProj matrix.

import { POINTS_VERT, POINTS3_VERT, POINTS_FRAG, MARKS_VERT, MARKS3_VERT, MARKS_FRAG } from './shaders.js';

const BLEND = { enable: true, func: { srcRGB: 'one', srcAlpha: 'one', dstRGB: 'one minus src alpha', dstAlpha: 'one minus src alpha' } };
const DIMMED = 0.3; // opacity factor of the other points while something is selected
const FILTERED = 0.12; // opacity factor of filtered points when filters dim rather than hide
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
 * Returns {draw(camera, dpr), world(i), diameter(i, camera), setColors(color, palette),
 * setVisible(mask | null, dim), setMarks([...]), setDimmed(bool), rgb(i), destroy()}.
 */
export function createPoints(regl, pts, { alpha = 0.8, sizeMin = 0, sizeMax = 0, area = 1e6 } = {}) {
  const { n, lo, hi, dims } = pts;
  const span = lo.map((l, d) => hi[d] - l || 1);
  // A galaxy's points overlap in depth: smaller ones, as if it were denser.
  const spacing = Math.sqrt(area / Math.max(1, n)) * (dims === 3 ? 0.6 : 1); // CSS px between points if spread evenly
  const dMin = sizeMin || Math.min(4, Math.max(1.5, spacing * 0.35));
  const dMax = Math.max(dMin, sizeMax || Math.min(16, Math.max(5, spacing * 1.6)));

  const xyz = new Uint16Array(dims * n);
  xyz.set(pts.x, 0);
  xyz.set(pts.y, n);
  if (dims === 3) xyz.set(pts.z, 2 * n);
  const posBuf = regl.buffer({ data: xyz, type: 'uint16', usage: 'static' });
  const sizeBuf = regl.buffer({ data: pts.size, type: 'uint8', usage: 'static' });
  let rgba = colorBytes(pts.color, pts.palette);
  const colorBuf = regl.buffer({ data: rgba, type: 'uint8', usage: 'static' });
  const visBuf = regl.buffer({ data: new Uint8Array(n).fill(255), type: 'uint8', usage: 'dynamic' });
  const markBuf = regl.buffer({ length: 4, type: 'float', usage: 'dynamic' });
  let dimmed = false;
  let hiddenAlpha = 0;

  // Points grow slowly with zoom: 2x at 10x, 3.5x at 64x (the most).
  const boostOf = (cam) => Math.min(3.5, Math.max(0.6, (cam.scale / cam.fitScale) ** 0.3));
  const common = (cam, dpr) => ({
    centre: [cam.cx, cam.cy], viewport: [cam.width, cam.height], scale: cam.scale, dpr,
  });

  const axis = (d) => ({ buffer: posBuf, type: 'uint16', normalized: true, size: 1, offset: 2 * d * n, stride: 2 });
  const view = dims === 3
    ? { viewProj: regl.prop('matrix'), depthRef: regl.prop('depthRef') }
    : { centre: regl.prop('centre'), viewport: regl.prop('viewport'), scale: regl.prop('scale'), boost: regl.prop('boost') };
  const drawPoints = regl({
    vert: dims === 3 ? POINTS3_VERT : POINTS_VERT,
    frag: POINTS_FRAG,
    attributes: {
      x: axis(0),
      y: axis(1),
      ...(dims === 3 ? { z: axis(2) } : {}),
      size: { buffer: sizeBuf, type: 'uint8', normalized: true, size: 1 },
      color: { buffer: colorBuf, type: 'uint8', normalized: true, size: 4 },
      vis: { buffer: visBuf, type: 'uint8', normalized: true, size: 1 },
    },
    uniforms: {
      lo, span, ...view, dpr: regl.prop('dpr'),
      sizeMin: dMin, sizeMax: dMax, alpha, dim: regl.prop('dim'), hiddenAlpha: regl.prop('hiddenAlpha'),
    },
    primitive: 'points',
    count: n,
    blend: BLEND,
    depth: { enable: false },
  });

  // Marks: x, y, z (data units), diameter (CSS px), fill RGB (0..1), ring RGB (0..1) + width (CSS px).
  const STRIDE = 11 * 4;
  const drawMarks = regl({
    vert: dims === 3 ? MARKS3_VERT : MARKS_VERT,
    frag: MARKS_FRAG,
    attributes: {
      pos: { buffer: markBuf, offset: 0, stride: STRIDE, size: 3 },
      diameter: { buffer: markBuf, offset: 12, stride: STRIDE, size: 1 },
      fill: { buffer: markBuf, offset: 16, stride: STRIDE, size: 3 },
      ring: { buffer: markBuf, offset: 28, stride: STRIDE, size: 4 },
    },
    uniforms: dims === 3
      ? { viewProj: regl.prop('matrix'), dpr: regl.prop('dpr') }
      : { centre: regl.prop('centre'), viewport: regl.prop('viewport'), scale: regl.prop('scale'), dpr: regl.prop('dpr') },
    primitive: 'points',
    count: regl.prop('count'),
    blend: BLEND,
    depth: { enable: false },
  });

  const world = dims === 3
    ? (i) => [lo[0] + (pts.x[i] / 65535) * span[0], lo[1] + (pts.y[i] / 65535) * span[1], lo[2] + (pts.z[i] / 65535) * span[2]]
    : (i) => [lo[0] + (pts.x[i] / 65535) * span[0], lo[1] + (pts.y[i] / 65535) * span[1]];
  let markList = [];
  // Size factor of a point at the camera's zoom: 2D points grow slowly with zoom; 3D ones
  // shrink with distance (in the shader, and here for marks at the target's distance).
  const grow = (cam) => (dims === 3 ? 1 : boostOf(cam));

  return {
    n,
    world,
    /** Drawn diameter of point `i` in CSS px under camera state `cam`. */
    diameter: (i, cam) => (dMin + ((dMax - dMin) * pts.size[i]) / 255) * grow(cam),
    rgb: (i) => [rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]],
    setColors(color, palette) {
      rgba = colorBytes(color, palette);
      colorBuf({ data: rgba, type: 'uint8' });
    },
    setDimmed(on) { dimmed = !!on; },
    /** `mask`: Uint8Array(n), 0 for filtered points (null: none); `dim`: dim them rather than hide them. */
    setVisible(mask, dim = false) {
      visBuf({ data: mask ? mask.map((v) => (v ? 255 : 0)) : new Uint8Array(n).fill(255), type: 'uint8' });
      hiddenAlpha = dim ? FILTERED : 0;
    },
    /** `list`: [{id, kind: 'neighbor' | 'hover' | 'selected'}], drawn in order (last on top). */
    setMarks(list) { markList = list; },
    draw(cam, dpr) {
      const props = dims === 3 ? { matrix: cam.matrix, depthRef: cam.depthRef, dpr } : { ...common(cam, dpr), boost: boostOf(cam) };
      if (n) drawPoints({ ...props, dim: dimmed ? DIMMED : 1, hiddenAlpha });
      if (!markList.length) return;
      // Mark sizes follow the zoom, so they are rebuilt on each draw; there are only a few.
      const data = new Float32Array(markList.length * 11);
      markList.forEach(({ id, kind }, j) => {
        const s = MARK_STYLE[kind];
        const [wx, wy, wz = 0] = world(id);
        const c = [rgba[4 * id] / 255, rgba[4 * id + 1] / 255, rgba[4 * id + 2] / 255];
        const d = Math.max(s.min, Math.min(MARK_MAX, ((dMin + ((dMax - dMin) * pts.size[id]) / 255) * grow(cam)) * s.grow));
        data.set([wx, wy, wz, d, ...c, ...s.ring, s.width], j * 11);
      });
      markBuf({ data, usage: 'dynamic' });
      drawMarks({ ...props, count: markList.length });
    },
    destroy() {
      posBuf.destroy(); sizeBuf.destroy(); colorBuf.destroy(); visBuf.destroy(); markBuf.destroy();
    },
  };
}

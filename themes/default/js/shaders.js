// GLSL (WebGL 1) for points.js. Positions arrive as normalized u16 (0..1 across the data
// box lo..hi). The 2D map maps data units to CSS pixels with a centre and a scale; the 3D galaxy
// with a view-projection matrix. gl_PointSize is in device pixels.
//
// `vis` (0 or 1 per point) is the filters' verdict: a filtered point is drawn with its alpha
// times `hiddenAlpha` (dimmed), or not at all when `hiddenAlpha` is 0 (hidden).

const POINT_BODY = `
  float d = mix(sizeMin, sizeMax, size) * boost;
  gl_PointSize = max(1.0, d * dpr);
  // Points below a pixel fade instead of shrinking further.
  float a = alpha * fade * clamp(d * dpr, 0.25, 1.0);
  if (vis < 0.5) {
    a *= hiddenAlpha;
    if (hiddenAlpha <= 0.0) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); gl_PointSize = 0.0; }
  }
  vColor = vec4(color.rgb * a, a);
}`;

export const POINTS_VERT = `
precision highp float;
attribute float x, y, size, vis;
attribute vec4 color;
uniform vec2 lo, span, centre, viewport;
uniform float scale, dpr, sizeMin, sizeMax, boost, alpha, hiddenAlpha;
varying vec4 vColor;
void main() {
  vec2 world = lo + vec2(x, y) * span;
  vec2 px = (world - centre) * scale;
  gl_Position = vec4(px / (0.5 * viewport), 0.0, 1.0);
  float fade = 1.0;
${POINT_BODY}`;

// 3D: sizes shrink and points fade with distance; `depthRef` is the distance at which a point
// has its 2D size and full opacity.
export const POINTS3_VERT = `
precision highp float;
attribute float x, y, z, size, vis;
attribute vec4 color;
uniform vec3 lo, span;
uniform mat4 viewProj;
uniform float dpr, sizeMin, sizeMax, alpha, hiddenAlpha, depthRef;
varying vec4 vColor;
void main() {
  vec3 world = lo + vec3(x, y, z) * span;
  gl_Position = viewProj * vec4(world, 1.0);
  float boost = clamp(depthRef / max(gl_Position.w, 1e-6), 0.35, 2.5);
  float fade = mix(0.35, 1.0, clamp(boost * boost, 0.0, 1.0)); // far points fainter: a depth cue
  if (gl_Position.w <= 0.0) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); }
${POINT_BODY}`;

export const POINTS_FRAG = `
precision mediump float;
varying vec4 vColor;
uniform float dim;
void main() {
  vec2 c = gl_PointCoord * 2.0 - 1.0;
  float r2 = dot(c, c);
  if (r2 > 1.0) discard;
  gl_FragColor = vColor * dim * (1.0 - smoothstep(0.75, 1.0, r2));
}`;

// Marks: a few emphasised points (selection, neighbors, hover) drawn over the others,
// with a ring of the kind's color and a thin dark halo.
const MARK_BODY = `
  gl_PointSize = diameter * dpr;
  // Distances from the rim, in device px: halo below vHalo, ring below vRingEdge, fill inside.
  vRadius = 0.5 * diameter * dpr;
  vHalo = dpr;
  vRingEdge = (ring.a + 1.0) * dpr;
  vFill = fill;
  vRing = ring.rgb;
}`;

export const MARKS_VERT = `
precision highp float;
attribute vec3 pos;
attribute float diameter;
attribute vec3 fill;
attribute vec4 ring;
uniform vec2 centre, viewport;
uniform float scale, dpr;
varying vec3 vFill, vRing;
varying float vRadius, vRingEdge, vHalo;
void main() {
  vec2 px = (pos.xy - centre) * scale;
  gl_Position = vec4(px / (0.5 * viewport), 0.0, 1.0);
${MARK_BODY}`;

export const MARKS3_VERT = `
precision highp float;
attribute vec3 pos;
attribute float diameter;
attribute vec3 fill;
attribute vec4 ring;
uniform mat4 viewProj;
uniform float dpr;
varying vec3 vFill, vRing;
varying float vRadius, vRingEdge, vHalo;
void main() {
  gl_Position = viewProj * vec4(pos, 1.0);
  if (gl_Position.w <= 0.0) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); }
${MARK_BODY}`;

export const MARKS_FRAG = `
precision mediump float;
varying vec3 vFill, vRing;
varying float vRadius, vRingEdge, vHalo;
void main() {
  float edge = vRadius - length(gl_PointCoord * 2.0 - 1.0) * vRadius;
  if (edge < 0.0) discard;
  vec4 c = vec4(vFill, 1.0);
  if (edge < vRingEdge) c = vec4(vRing, 1.0);
  if (edge < vHalo) c = vec4(0.0, 0.0, 0.0, 0.85);
  gl_FragColor = vec4(c.rgb * c.a, c.a) * clamp(edge, 0.0, 1.0);
}`;

// "Between A and B" and "more like these", in the browser: the twin of atlas/averager.py, step by
// step as docs/averager.md specifies, so that both return the same ids in the same order with the
// same scores for the same files. Distances are exact integers over the int8 table; every float
// step is one IEEE-754 double operation in the documented order.
//
// Speed: ranks come from a stable LSD radix sort of (distance, id) keys, not a comparator sort, so
// a `between` query over 100k entities is a few linear passes.

/** more_like: the kernel's bandwidth in squared embedding units, and the embedding term's weight. */
export const MORE_LIKE_BANDWIDTH = 2;
export const MORE_LIKE_WEIGHT = 0.5;
/** The popularity control: "popular" keeps the top POPULAR_SHARE by count, "obscure" those at or below the median. */
export const POPULAR_SHARE = 0.1;
export const POPULARITY_MODES = ['all', 'popular', 'obscure'];

/**
 * src/distances.wat assembled (src/README.md says how): SIMD kernels for tables whose dims
 * are a multiple of 16. Where WebAssembly SIMD is missing, the plain loops below run instead;
 * both give the same integers and doubles.
 */
const DISTANCES_WASM = 'AGFzbQEAAAABIgRgA39/fwF/YAZ/f39/f38AYAV/f398fwBgBn9/f398fwADBQQAAQIDBQMBAAEHIgQGbWVtb3J5AgAFZGlzdDIAAQZuZWFyMTYAAgRuZWFyAAMKgQUEmwECBXsBf/0MAAAAAAAAAAAAAAAAAAAAACEDAkADQCAIIAJPDQEgAP0ABAAhBCAB/QAEACEFIAT9hwEgBf2HAf2RASEGIAT9iAEgBf2IAf2RASEHIAMgBiAG/boBIAcgB/26Af2uAf2uASEDIABBEGohACABQRBqIQEgCEEBaiEIDAALCyAD/RsAIAP9GwFqIAP9GwIgA/0bA2pqC1ABA38gAUEEdCEIAkADQCAGIABPDQEgBCAHIAIgARAANgIAIAUgByADIAEQADYCACAHIAhqIQcgBEEEaiEEIAVBBGohBSAGQQFqIQYMAAsLC4ECAwR/AXwFeyABIAJBBXRqIQgCQANAIAUgAE8NASAG/QAEAP2HASEKIAb9AAQA/YgBIQtEAAAAAAAAAAAhCSABIQcCQANAIAcgCE8NASAKIAf9AAQA/ZEBIQwgCyAH/QAEEP2RASENIAwgDP26ASANIA39ugH9rgEhDiAOIA4gDv0NCAkKCwwNDg8AAQIDBAUGB/2uASEOIA4gDiAO/Q0EBQYHAAECAwQFBgcAAQID/a4BIQ4gCUQAAAAAAADwP0QAAAAAAADwPyADIA79GwC3oqCjoCEJIAdBIGohBwwACwsgBCAJOQMAIAZBEGohBiAEQQhqIQQgBUEBaiEFDAALCwuNAQIFfwF8IAFBBHQhCAJAA0AgBiAATw0BRAAAAAAAAAAAIQtBACEJIAIhCgJAA0AgCSADTw0BIAtEAAAAAAAA8D9EAAAAAAAA8D8gBCAHIAogARAAt6Kgo6AhCyAKIAhqIQogCUEBaiEJDAALCyAFIAs5AwAgByAIaiEHIAVBCGohBSAGQQFqIQYMAAsLCw==';
let wasmModule;
function distancesModule() {
  if (wasmModule === undefined) {
    wasmModule = null;
    try {
      const bytes = Uint8Array.from(atob(DISTANCES_WASM), (ch) => ch.charCodeAt(0));
      if (typeof WebAssembly === 'object' && WebAssembly.validate(bytes)) wasmModule = new WebAssembly.Module(bytes);
    } catch {
      wasmModule = null;
    }
  }
  return wasmModule;
}

/**
 * The SIMD kernels over a copy of table t: {dist2(a, b) -> [Int32Array da, db], near(Q, c) -> Float64Array},
 * or null where they cannot run. The views they return are valid until the next call.
 */
function simdKernels(t) {
  const mod = t.dims % 16 === 0 ? distancesModule() : null;
  if (!mod) return null;
  const { n, dims, q } = t;
  const { exports: k } = new WebAssembly.Instance(mod);
  const table = (n * dims + 15) & ~15;
  const ensure = (bytes) => {
    const need = Math.ceil((table + bytes) / 65536) - k.memory.buffer.byteLength / 65536;
    if (need > 0) k.memory.grow(need);
    return k.memory.buffer;
  };
  new Int8Array(ensure(0), 0, n * dims).set(q);
  const chunks = dims / 16;
  return {
    dist2(a, b) {
      const buf = ensure(8 * n);
      k.dist2(n, chunks, a * dims, b * dims, table, table + 4 * n);
      return [new Int32Array(buf, table, n), new Int32Array(buf, table + 4 * n, n)];
    },
    near(Q, c) {
      // 16 dims: the query vectors widened to i16 (near16); else as they are in the table.
      const wide = dims === 16;
      const qs = table, out = table + ((Q.length * dims * (wide ? 2 : 1) + 7) & ~7);
      const buf = ensure(out - table + 8 * n);
      if (wide) {
        const w = new Int16Array(buf, qs, Q.length * 16);
        Q.forEach((i, p) => w.set(q.subarray(i * 16, (i + 1) * 16), p * 16));
        k.near16(n, qs, Q.length, c, out);
      } else {
        const mem = new Int8Array(buf);
        Q.forEach((i, p) => mem.copyWithin(qs + p * dims, i * dims, (i + 1) * dims));
        k.near(n, chunks, qs, Q.length, c, out);
      }
      return new Float64Array(buf, out, n);
    },
  };
}

/** Distance buckets of a ranking (at most): exact ranks are computed only inside the buckets that can matter. */
const BUCKETS = 16384;

/** The table of a decoded `averager` bundle: {n, dims, q: Int8Array (n * dims), scale}. */
export function tablesFrom(bundle, name = 'averager') {
  const { q, scale } = bundle.arrays;
  const shape = bundle.shapes.q;
  if (!q || !scale || shape?.length !== 2) throw new Error(`${name}: arrays "q" and "scale" are missing`);
  const [n, dims] = shape;
  if (scale.length !== n && scale.length !== 1) throw new Error(`${name}: "scale" holds ${scale.length} entries, expected ${n}`);
  for (let i = 1; i < scale.length; i++) {
    if (scale[i] !== scale[0]) throw new Error(`${name}: the "global" scheme needs one scale for every entity`);
  }
  return { n, dims, q, scale: scale[0] };
}

/**
 * D(a, j) and D(b, j) for every j in one pass over the table (Int32Array da, db). Four int8
 * coordinates are read as one little-endian int32 where the table allows it (dims % 4 == 0).
 */
function sqDistances2(t, q32, a, b, da, db) {
  const { n, dims, q } = t;
  const va = Int32Array.from(q.subarray(a * dims, (a + 1) * dims));
  const vb = Int32Array.from(q.subarray(b * dims, (b + 1) * dims));
  if (q32) {
    const w = dims >> 2;
    for (let j = 0, o = 0; j < n; j++, o += w) {
      let s = 0, u = 0;
      for (let e = 0, d = 0; e < w; e++, d += 4) {
        const v = q32[o + e];
        const x0 = (v << 24) >> 24, x1 = (v << 16) >> 24, x2 = (v << 8) >> 24, x3 = v >> 24;
        const a0 = x0 - va[d], a1 = x1 - va[d + 1], a2 = x2 - va[d + 2], a3 = x3 - va[d + 3];
        const b0 = x0 - vb[d], b1 = x1 - vb[d + 1], b2 = x2 - vb[d + 2], b3 = x3 - vb[d + 3];
        s += a0 * a0 + a1 * a1 + a2 * a2 + a3 * a3;
        u += b0 * b0 + b1 * b1 + b2 * b2 + b3 * b3;
      }
      da[j] = s;
      db[j] = u;
    }
    return;
  }
  for (let j = 0, o = 0; j < n; j++, o += dims) {
    let s = 0, u = 0;
    for (let d = 0; d < dims; d++) {
      const x = q[o + d], y = x - va[d], z = x - vb[d];
      s += y * y;
      u += z * z;
    }
    da[j] = s;
    db[j] = u;
  }
}

/**
 * Buckets of two rankings (entities by distance from a, and from b): bucket(j) = D[j] >>> shift,
 * with one shift for every table of these dims (D <= dims * 254^2), and below[c] = how many
 * entities lie in buckets before c. j's exact rank (self first: 0, the others 1..n-1, by (D, id))
 * lies in [below[c] + (c == 0), below[c + 1] - 1].
 */
function bucketize(da, db, shift, belowA, belowB) {
  const n = da.length;
  belowA.fill(0);
  belowB.fill(0);
  for (let j = 0; j < n; j++) {
    belowA[(da[j] >>> shift) + 1]++;
    belowB[(db[j] >>> shift) + 1]++;
  }
  for (let c = 1; c < belowA.length; c++) {
    belowA[c] += belowA[c - 1];
    belowB[c] += belowB[c - 1];
  }
}

/**
 * Exact ranks (into `rank`) of `ids` in the ranking of `self` by D: the members of their buckets
 * are sorted by (D, id), self first, and counted from the bucket's start.
 */
function exactRanks(D, self, shift, below, ids, need, rank) {
  need.fill(0);
  for (const j of ids) need[D[j] >>> shift] = 1;
  const members = [];
  for (let j = 0; j < D.length; j++) if (need[D[j] >>> shift]) members.push(j);
  members.sort((x, y) => (x === self ? -1 : y === self ? 1 : D[x] - D[y] || x - y));
  let bucket = -1, start = 0;
  for (let p = 0; p < members.length; p++) {
    const j = members[p], c = D[j] >>> shift;
    if (c !== bucket) { bucket = c; start = p; }
    rank[j] = below[c] + (p - start);
  }
}

/**
 * The k best ids by `value` (lowest first, or highest with `highest`) among those `ok` allows
 * (all when null), ties to the lower id: one pass in ascending id with an insertion list of k, so
 * a later equal value never displaces an earlier one.
 */
function best(value, ok, k, highest) {
  const ids = [], vals = [];
  const n = value.length;
  for (let j = 0; j < n; j++) {
    if (ok && !ok[j]) continue;
    const v = value[j];
    const m = vals.length;
    if (m === k && !(highest ? v > vals[m - 1] : v < vals[m - 1])) continue;
    let p = m;
    while (p > 0 && (highest ? v > vals[p - 1] : v < vals[p - 1])) p--;
    ids.splice(p, 0, j);
    vals.splice(p, 0, v);
    if (ids.length > k) { ids.pop(); vals.pop(); }
  }
  return ids;
}

/** Uint8Array(n): 1 where min <= count[j] (<= max when max is not null); all 1 without counts. */
export function eligible(n, count = null, min = 0, max = null) {
  const ok = new Uint8Array(n).fill(1);
  if (!count || (min <= 0 && max == null)) return ok;
  for (let j = 0; j < n; j++) ok[j] = count[j] >= min && (max == null || count[j] <= max) ? 1 : 0;
  return ok;
}

/**
 * {min, max} count bounds of a popularity mode: 'all' {0, null}; 'popular': counts at least the
 * floor(n * POPULAR_SHARE)-th largest (1-based; ties kept); 'obscure': at most the median
 * (the count at index floor((n - 1) / 2) of the ascending order). atlas.averager.popularity_bounds.
 */
export function popularityBounds(count, mode) {
  if (!count || mode === 'all' || !POPULARITY_MODES.includes(mode)) return { min: 0, max: null };
  const sorted = Uint32Array.from(count).sort();
  const n = sorted.length;
  if (mode === 'popular') return { min: sorted[n - Math.max(1, Math.floor(n * POPULAR_SHARE))], max: null };
  return { min: 0, max: sorted[Math.floor((n - 1) / 2)] };
}

/** A query runner over one table: it keeps its scratch arrays between queries. */
export function createAverager(t, { simd = true } = {}) {
  const { n, dims, q } = t;
  const kernels = simd ? simdKernels(t) : null;
  // The table as int32 words of four coordinates, where dims and alignment allow it.
  const q32 = dims % 4 === 0 && q.byteOffset % 4 === 0 ? new Int32Array(q.buffer, q.byteOffset, (n * dims) >> 2) : null;
  let scratch = null;
  let shift = 0;
  while ((dims * 254 * 254) >>> shift >= BUCKETS) shift++;
  const buckets = ((dims * 254 * 254) >>> shift) + 1;
  const scratchOf = () => (scratch ??= {
    da: new Int32Array(n), db: new Int32Array(n), ra: new Int32Array(n), rb: new Int32Array(n),
    belowA: new Int32Array(buckets + 1), belowB: new Int32Array(buckets + 1), need: new Uint8Array(buckets),
  });
  const check = (i, name) => {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`${name}: expected an entity id in 0..${n - 1}, got ${i}`);
  };

  return {
    tables: t,
    /** Whether the SIMD kernels run (else the plain loops). */
    simd: !!kernels,
    /**
     * The k entities between a and b: {ids, scores}, best first. cost(j) = max(wa rank_a(j),
     * wb rank_b(j)) with wa = (1 - mix) / m, wb = mix / m, m = max(mix, 1 - mix); score = 1 - cost / n.
     * `ok`: eligibility (Uint8Array, from `eligible`) or null; a and b are never returned.
     *
     * Exact, without sorting everything: bucket bounds on each rank bound each cost; the k-th
     * smallest upper bound caps the answer, and exact ranks are computed only for the entities
     * whose lower bound is under that cap.
     */
    between(a, b, { mix = 0.5, k = 20, ok = null } = {}) {
      check(a, 'a'); check(b, 'b');
      if (!(mix >= 0 && mix <= 1)) throw new RangeError(`mix: expected a number in [0, 1], got ${mix}`);
      const S = scratchOf();
      const { belowA, belowB } = S;
      let { da, db } = S;
      if (kernels) [da, db] = kernels.dist2(a, b);
      else sqDistances2(t, q32, a, b, da, db);
      bucketize(da, db, shift, belowA, belowB);
      const u = 1 - mix, v = mix;
      const m = Math.max(u, v);
      const wa = u / m, wb = v / m;
      // One pass: the cap (the k-th smallest upper bound of the cost among the eligible), and the
      // entities whose lower bound does not exceed the cap as it stands (it only falls).
      const caps = [];
      let cap = Infinity;
      let cand = [];
      for (let j = 0; j < n; j++) {
        if ((ok && !ok[j]) || j === a || j === b) continue;
        const ca = da[j] >>> shift, cb = db[j] >>> shift;
        const xl = wa * (belowA[ca] + (ca === 0 ? 1 : 0)), yl = wb * (belowB[cb] + (cb === 0 ? 1 : 0));
        if ((xl >= yl ? xl : yl) > cap) continue;
        cand.push(j);
        const xh = wa * (belowA[ca + 1] - 1), yh = wb * (belowB[cb + 1] - 1);
        const c = xh >= yh ? xh : yh;
        if (caps.length < k || c < cap) {
          let p = caps.length;
          while (p > 0 && c < caps[p - 1]) p--;
          caps.splice(p, 0, c);
          if (caps.length > k) caps.pop();
          if (caps.length === k) cap = caps[k - 1];
        }
      }
      cand = cand.filter((j) => {
        const ca = da[j] >>> shift, cb = db[j] >>> shift;
        const xl = wa * (belowA[ca] + (ca === 0 ? 1 : 0)), yl = wb * (belowB[cb] + (cb === 0 ? 1 : 0));
        return (xl >= yl ? xl : yl) <= cap;
      });
      // Exact ranks of the candidates (a weight of 0 needs none: its term is 0).
      if (wa > 0) exactRanks(da, a, shift, belowA, cand, S.need, S.ra);
      if (wb > 0) exactRanks(db, b, shift, belowB, cand, S.need, S.rb);
      const cost = new Float64Array(cand.length);
      for (let p = 0; p < cand.length; p++) {
        const j = cand[p];
        const x = wa > 0 ? wa * S.ra[j] : 0, y = wb > 0 ? wb * S.rb[j] : 0;
        cost[p] = x >= y ? x : y;
      }
      const order = best(cost, null, k, false);
      return { ids: order.map((p) => cand[p]), scores: order.map((p) => 1 - cost[p] / n) };
    },
    /**
     * The k entities most like the set `query`: {ids, scores}, best first.
     * `rowOf(q)` -> {ids: Int32Array, score: Float32Array} (q's neighbor list, -1 pads), for each q.
     */
    moreLike(query, rowOf, { k = 20, ok = null } = {}) {
      const Q = [...new Set(query)].sort((x, y) => x - y);
      if (!Q.length) throw new RangeError('ids: expected a non-empty list of entity ids');
      Q.forEach((i) => check(i, 'ids'));
      const keep = ok ? ok.slice() : new Uint8Array(n).fill(1);
      for (const i of Q) keep[i] = 0;
      // 1. votes: each list normalized to sum 1.
      const votes = new Float64Array(n);
      for (const i of Q) {
        const row = rowOf(i);
        let total = 0;
        for (let p = 0; p < row.ids.length; p++) if (row.ids[p] >= 0) total += row.score[p];
        if (total > 0) for (let p = 0; p < row.ids.length; p++) if (row.ids[p] >= 0) votes[row.ids[p]] += row.score[p] / total;
      }
      // 2. near: the kernel 1 / (1 + c D) summed over the query, in ascending query order.
      const c = (t.scale * t.scale) / MORE_LIKE_BANDWIDTH;
      const near = kernels ? kernels.near(Q, c) : nearSums(t, Q, c);
      // 3. each term over its maximum among the candidates.
      let vmax = 0, nmax = 0;
      for (let j = 0; j < n; j++) {
        if (!keep[j]) continue;
        if (votes[j] > vmax) vmax = votes[j];
        if (near[j] > nmax) nmax = near[j];
      }
      const score = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        score[j] = (vmax > 0 ? votes[j] / vmax : 0) + MORE_LIKE_WEIGHT * (nmax > 0 ? near[j] / nmax : 0);
      }
      const ids = best(score, keep, k, true);
      return { ids, scores: ids.map((j) => score[j]) };
    },
  };
}

/** near[j] = sum over q in Q (ascending) of 1 / (1 + c D(q, j)): one pass over the table for the whole query. */
function nearSums(t, Q, c) {
  const { n, dims, q } = t;
  const m = Q.length;
  const vq = new Int32Array(m * dims);
  Q.forEach((i, p) => vq.set(q.subarray(i * dims, (i + 1) * dims), p * dims));
  const vj = new Int32Array(dims);
  const near = new Float64Array(n);
  for (let j = 0, o = 0; j < n; j++, o += dims) {
    for (let d = 0; d < dims; d++) vj[d] = q[o + d];
    let sum = 0;
    for (let p = 0, r = 0; p < m; p++, r += dims) {
      let s = 0;
      for (let d = 0; d < dims; d++) {
        const x = vj[d] - vq[r + d];
        s += x * x;
      }
      sum += 1 / (1 + c * s);
    }
    near[j] = sum;
  }
  return near;
}

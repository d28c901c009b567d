// Reads the files of a built site, as docs/formats.md specifies and atlas/formats.py writes them:
// bundles (`*.bin.br`: brotli over "ATB1", u32 header length, JSON header, 8-aligned arrays,
// optionally byte-shuffled) and records (`*.msgpack.br`: brotli over one msgpack map).
// Every error is a FormatError whose message starts with the file's name.

import { decodeMsgpack } from './msgpack.js';

/** Versions of each file kind this viewer reads (mirrors VERSIONS in atlas/formats.py). */
export const VERSIONS = { points: 1, neighbors: 1, names: 1, search: 1, averager: 1, popularity: 1, colors: 1, labels: 1 };
export const SITE_VERSION = 1;
const MAGIC = [0x41, 0x54, 0x42, 0x31]; // "ATB1"
// Typed arrays use the platform's byte order; every browser platform is little-endian, as the files are.
const DTYPES = { u1: Uint8Array, i1: Int8Array, u2: Uint16Array, i2: Int16Array, u4: Uint32Array, i4: Int32Array, f4: Float32Array };
const BROTLI_JS = '../vendor/brotli-2.0.0.decompress.min.js';

export class FormatError extends Error {}

// The browser's own brotli decoder where it has one (the format is 'br' in some drafts,
// 'brotli' in others); the vendored pure-JS decoder otherwise, loaded as soon as we know.
const nativeFormat = ['brotli', 'br'].find((f) => {
  try { new DecompressionStream(f); return true; } catch { return false; }
});
let brotliJs = nativeFormat ? null : import(BROTLI_JS);

async function unbrotli(bytes, name) {
  if (nativeFormat) {
    try {
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(nativeFormat));
      return new Uint8Array(await new Response(stream).arrayBuffer());
    } catch (e) {
      throw new FormatError(`${name}: truncated or corrupt (brotli: ${e.message})`);
    }
  }
  brotliJs ??= import(BROTLI_JS);
  const { decompress } = await brotliJs;
  try {
    return decompress(bytes);
  } catch (e) {
    const truncated = /end of input/i.test(e.message);
    throw new FormatError(truncated ? `${name}: truncated (the brotli stream ends early)` : `${name}: corrupt (brotli: ${e.message})`);
  }
}

/**
 * Fetch `url`: {bytes, encoded}, encoded when the server inflated a Content-Encoding itself
 * (then bytes are not the file's bytes). `onProgress(loaded, total)` while it arrives.
 */
export async function fetchBytes(url, { name = url, onProgress } = {}) {
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new FormatError(`${name}: could not be fetched (${e.message})`);
  }
  if (!res.ok) throw new FormatError(`${name}: HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
  const encoded = res.headers.get('content-encoding');
  const total = encoded ? 0 : Number(res.headers.get('content-length')) || 0;
  const chunks = [];
  let loaded = 0;
  try {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      onProgress?.(loaded, total);
    }
  } catch (e) {
    throw new FormatError(`${name}: truncated (the download failed after ${loaded} bytes: ${e.message})`);
  }
  if (total && loaded < total) throw new FormatError(`${name}: truncated (${loaded} of ${total} bytes)`);
  let bytes = chunks[0] ?? new Uint8Array(0);
  if (chunks.length > 1) {
    bytes = new Uint8Array(loaded);
    let at = 0;
    for (const c of chunks) { bytes.set(c, at); at += c.length; }
  }
  return { bytes, encoded: !!encoded };
}

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

/** Check fetched bytes against the manifest's size and sha256 (the hash where the page may compute it). */
async function verify(path, got, files) {
  const want = files.get(path);
  if (!want || got.encoded) return;
  const n = got.bytes.length;
  if (n !== want.bytes) {
    throw new FormatError(`${path}: ${n < want.bytes ? 'truncated' : 'not the file the manifest lists'} (${n} bytes, manifest.json lists ${want.bytes})`);
  }
  if (want.sha256 && globalThis.crypto?.subtle) {
    if (hex(await crypto.subtle.digest('SHA-256', got.bytes)) !== want.sha256) {
      throw new FormatError(`${path}: corrupt (its sha256 differs from manifest.json)`);
    }
  }
}

function hasMagic(b) {
  return b.length >= 8 && MAGIC.every((m, i) => b[i] === m);
}

function checkKind(name, got, version, kind) {
  if (kind && got !== kind) throw new FormatError(`${name}: kind ${JSON.stringify(got)}, expected ${JSON.stringify(kind)}`);
  const known = VERSIONS[got];
  if (known !== version) {
    throw new FormatError(`${name}: ${got} version ${version} is not supported (this viewer reads version ${known ?? 'none'})`);
  }
}

function unshuffle(chunk, itemsize, count) {
  const out = new Uint8Array(chunk.length);
  const plane = (b) => chunk.subarray(b * count, (b + 1) * count);
  if (itemsize === 2) {
    // Little-endian items: byte plane 0 is the low byte.
    const lo = plane(0), hi = plane(1), o = new Uint16Array(out.buffer);
    for (let i = 0; i < count; i++) o[i] = lo[i] | (hi[i] << 8);
  } else if (itemsize === 4) {
    const [a, b, c, d] = [0, 1, 2, 3].map(plane), o = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) o[i] = (a[i] | (b[i] << 8) | (c[i] << 16) | (d[i] << 24)) >>> 0;
  } else {
    for (let b = 0; b < itemsize; b++) {
      const p = plane(b);
      for (let i = 0, j = b; i < count; i++, j += itemsize) out[j] = p[i];
    }
  }
  return out;
}

/** Decode bundle bytes (brotli-compressed, or already inflated by the server) of `kind`. */
export async function decodeBundle(bytes, name, kind) {
  const raw = hasMagic(bytes) ? bytes : await unbrotli(bytes, name);
  if (!hasMagic(raw)) throw new FormatError(`${name}: not an atlas bundle (bad magic)`);
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const hlen = dv.getUint32(4, true);
  if (8 + hlen > raw.length) throw new FormatError(`${name}: truncated (header)`);
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(raw.subarray(8, 8 + hlen)));
  } catch (e) {
    throw new FormatError(`${name}: header is not JSON (${e.message})`);
  }
  checkKind(name, header.kind, header.version, kind);
  const start = (8 + hlen + 7) & ~7;
  const arrays = {};
  const shapes = {};
  for (const e of header.arrays) {
    const T = DTYPES[e.dtype];
    if (!T) throw new FormatError(`${name}: array ${JSON.stringify(e.name)} has unknown dtype ${JSON.stringify(e.dtype)}`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    const lo = start + e.offset;
    if (e.nbytes !== count * T.BYTES_PER_ELEMENT || lo + e.nbytes > raw.length) {
      throw new FormatError(`${name}: array ${JSON.stringify(e.name)} is truncated`);
    }
    let chunk = raw.subarray(lo, lo + e.nbytes);
    if (e.shuffle && T.BYTES_PER_ELEMENT > 1) chunk = unshuffle(chunk, T.BYTES_PER_ELEMENT, count);
    else if ((raw.byteOffset + lo) % T.BYTES_PER_ELEMENT) chunk = chunk.slice();
    arrays[e.name] = new T(chunk.buffer, chunk.byteOffset, count);
    shapes[e.name] = e.shape;
  }
  return { kind: header.kind, version: header.version, attrs: header.attrs ?? {}, arrays, shapes };
}

/** Decode record bytes (brotli over msgpack, or plain msgpack if the server inflated it). */
export async function decodeRecord(bytes, name, kind) {
  let rec;
  try {
    rec = decodeMsgpack(await unbrotli(bytes, name));
  } catch (e) {
    try {
      rec = decodeMsgpack(bytes);
    } catch {
      throw e instanceof FormatError ? e : new FormatError(`${name}: does not decode as msgpack (${e.message})`);
    }
  }
  if (!rec || typeof rec !== 'object' || !('kind' in rec)) throw new FormatError(`${name}: not an atlas record`);
  checkKind(name, rec.kind, rec.version, kind);
  return rec;
}

function need(cond, name, what) {
  if (!cond) throw new FormatError(`${name}: ${what}`);
}

/** The `points` bundle as the renderer wants it: x, y (and z in 3D) as u16 views, color, size, attrs. */
export function pointsFrom(b, name) {
  const { n, dims, lo, hi } = b.attrs;
  need(Number.isInteger(n) && n >= 0, name, 'attrs.n is missing');
  need(dims === 2 || dims === 3, name, `attrs.dims is ${dims}, expected 2 or 3`);
  need(Array.isArray(lo) && Array.isArray(hi) && lo.length === dims && hi.length === dims, name, 'attrs.lo/hi do not match dims');
  const pos = b.arrays.pos;
  need(pos && String(b.shapes.pos) === `${dims},${n}`, name, `array "pos" has shape [${b.shapes.pos}], expected [${dims}, ${n}]`);
  for (const k of ['color', 'size']) need(b.arrays[k]?.length === n, name, `array "${k}" does not hold ${n} entries`);
  const palette = b.attrs.palette?.length ? b.attrs.palette : ['#9aa4b8'];
  return {
    n, dims, lo, hi,
    x: pos.subarray(0, n),
    y: pos.subarray(n, 2 * n),
    z: dims === 3 ? pos.subarray(2 * n, 3 * n) : null,
    color: b.arrays.color,
    size: b.arrays.size,
    palette,
    legend: b.attrs.legend ?? [],
    colorBy: b.attrs.color_by ?? null,
  };
}

function relative(path, name) {
  // Everything a site names must stay on its origin: refuse absolute URLs.
  if (typeof path !== 'string' || /^([a-z][a-z0-9+.-]*:|\/)/i.test(path)) {
    throw new FormatError(`${name}: ${JSON.stringify(path)} is not a relative path`);
  }
  return path;
}

/**
 * The files of one site, each fetched once and cached.
 * `cfg`: {points: url, manifest: url}. Shards are found through manifest.json.
 */
export function createSite(cfg) {
  const cache = new Map();
  const once = (key, make) => {
    if (!cache.has(key)) {
      const p = make();
      cache.set(key, p);
      p.catch(() => cache.delete(key)); // a failed file may be retried later
    }
    return cache.get(key);
  };

  const manifest = () => once(cfg.manifest, async () => {
    const { bytes } = await fetchBytes(cfg.manifest);
    let m;
    try {
      m = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new FormatError(`${cfg.manifest}: not JSON (${e.message})`);
    }
    if (m.format !== 'atlas-site' || m.version !== SITE_VERSION) {
      throw new FormatError(`${cfg.manifest}: site format ${m.format} version ${m.version} is not supported (this viewer reads atlas-site version ${SITE_VERSION})`);
    }
    m.fileTable = new Map((m.files ?? []).map((f) => [f.path, f]));
    return m;
  });
  // Files named by the manifest: fetched once it is known, checked against it, then decoded.
  const listed = (path, decode) => once(path, async () => {
    const m = await manifest();
    const got = await fetchBytes(relative(path, cfg.manifest));
    await verify(path, got, m.fileTable);
    return decode(got.bytes, path);
  });
  const bundle = (path, kind) => listed(path, (b) => decodeBundle(b, path, kind));
  const record = (path, kind) => listed(path, (b) => decodeRecord(b, path, kind));

  // The points come first, before the manifest; they are checked against it afterwards.
  let pointsFetched = null;
  const points = (onProgress) => once(cfg.points, async () => {
    pointsFetched = await fetchBytes(cfg.points, { onProgress });
    return pointsFrom(await decodeBundle(pointsFetched.bytes, cfg.points, 'points'), cfg.points);
  });

  const shardOf = async (id) => {
    const d = (await manifest()).data;
    return { shard: Math.floor(id / d.shard_size), row: id % d.shard_size };
  };
  const shardPath = (pattern, shard) => relative(pattern, cfg.manifest).replace('{shard}', String(shard).padStart(4, '0'));

  const site = {
    manifest,
    points,
    /** Check the points file against the manifest (after the first draw); throws FormatError. */
    async verifyPoints() {
      if (!pointsFetched) return;
      await verify(cfg.points, pointsFetched, (await manifest()).fileTable);
      pointsFetched = null;
    },
    async names(shard) {
      const { data } = await manifest();
      const path = shardPath(data.names, shard);
      const rec = await record(path, 'names');
      need(rec.start === shard * data.shard_size && Array.isArray(rec.names), path, `does not hold shard ${shard}`);
      return rec;
    },
    async neighbors(shard) {
      const { data } = await manifest();
      const path = shardPath(data.neighbors, shard);
      const b = await bundle(path, 'neighbors');
      need(b.arrays.ids && b.arrays.score && b.shapes.ids.length === 2 && String(b.shapes.ids) === String(b.shapes.score), path, 'arrays "ids" and "score" are missing or differ in shape');
      need((b.attrs.start ?? shard * data.shard_size) === shard * data.shard_size, path, `does not hold shard ${shard}`);
      return b;
    },
    search: async () => {
      const path = (await manifest()).data.search;
      const rec = await record(path, 'search');
      need(Array.isArray(rec.ids) && Array.isArray(rec.names) && rec.ids.length === rec.names.length, path, 'ids and names differ in length');
      return rec;
    },
    /** The `labels` record (region labels, popular names), or null when the site has none. */
    labels: async () => {
      const path = (await manifest()).data.labels;
      if (!path) return null;
      const rec = await record(path, 'labels');
      const m = rec.text?.length;
      need(Array.isArray(rec.text) && ['group', 'id', 'pos', 'count'].every((k) => rec[k]?.length === m), path, 'its lists differ in length');
      need(Array.isArray(rec.top_ids) && rec.top_ids.length === rec.top_names?.length, path, 'top_ids and top_names differ in length');
      return rec;
    },
    /** The `averager` bundle (int8 table), or null when the site has none. */
    averager: async () => {
      const path = (await manifest()).data.averager;
      return path ? bundle(path, 'averager') : null;
    },
    /** Uint32Array(n): how many collections hold each entity (the `popularity` bundle). */
    popularity: async () => {
      const path = (await manifest()).data.popularity;
      if (!path) return null;
      const b = await bundle(path, 'popularity');
      need(b.arrays.count, path, 'array "count" is missing');
      return b.arrays.count;
    },
    colors: async (column) => {
      const path = (await manifest()).data.colors?.[column];
      if (!path) throw new FormatError(`${cfg.manifest}: no colors for column ${JSON.stringify(column)}`);
      return bundle(path, 'colors');
    },

    /** {id, name, key, columns: {column: value}} of entity `id`. */
    async entity(id) {
      const { shard, row } = await shardOf(id);
      const rec = await site.names(shard);
      need(row < rec.names.length, `names shard ${shard}`, `has no entity ${id}`);
      const columns = {};
      for (const [col, values] of Object.entries(rec.columns ?? {})) columns[col] = values[row];
      return { id, name: rec.names[row], key: rec.keys?.[row], columns };
    },
    async nameOf(id) {
      const { shard, row } = await shardOf(id);
      return (await site.names(shard)).names[row];
    },
    /** {ids, score} views of entity `id`'s neighbor list, best first (-1 pads), as the averager reads it. */
    async neighborRow(id) {
      const { shard, row } = await shardOf(id);
      const b = await site.neighbors(shard);
      const k = b.shapes.ids[1];
      need(row < b.shapes.ids[0], `neighbors shard ${shard}`, `has no entity ${id}`);
      return { ids: b.arrays.ids.subarray(row * k, (row + 1) * k), score: b.arrays.score.subarray(row * k, (row + 1) * k) };
    },
    /** The rows of `ids` fetched at once: a function entity -> neighborRow (the averager's rowOf). */
    async neighborRows(ids) {
      const rows = new Map(await Promise.all(ids.map(async (q) => [q, await site.neighborRow(q)])));
      return (q) => rows.get(q);
    },
    /** [{id, score}] of entity `id`, best first, padding dropped. */
    async neighborsOf(id) {
      const { ids, score } = await site.neighborRow(id);
      const out = [];
      for (let j = 0; j < ids.length; j++) if (ids[j] >= 0) out.push({ id: ids[j], score: score[j] });
      return out;
    },
  };
  return site;
}

// A small msgpack decoder: the subset atlas records use (nil, bool, int, float, str, bin,
// array, map), plus ext types skipped as {ext, data}. 64-bit integers become Numbers (exact
// up to 2^53). Throws MsgpackError on truncated or malformed input.

export class MsgpackError extends Error {}

const utf8 = new TextDecoder('utf-8');

export function decodeMsgpack(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;

  function need(k) {
    if (pos + k > bytes.length) throw new MsgpackError('unexpected end of data');
  }
  function str(len) {
    need(len);
    const start = pos;
    pos += len;
    if (len < 24) {
      // Short ASCII strings are common (keys, numbers); skip the decoder call for them.
      let s = '';
      for (let i = start; i < pos; i++) {
        const c = bytes[i];
        if (c > 0x7f) return utf8.decode(bytes.subarray(start, pos));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(bytes.subarray(start, pos));
  }
  function bin(len) {
    need(len);
    pos += len;
    return bytes.slice(pos - len, pos);
  }
  function array(len) {
    const out = new Array(len);
    for (let i = 0; i < len; i++) out[i] = value();
    return out;
  }
  function map(len) {
    const out = {};
    for (let i = 0; i < len; i++) {
      const key = value();
      out[key] = value();
    }
    return out;
  }
  function ext(len) {
    need(1);
    const type = view.getInt8(pos++);
    return { ext: type, data: bin(len) };
  }
  function u(k) {
    need(k);
    let v;
    if (k === 1) v = view.getUint8(pos);
    else if (k === 2) v = view.getUint16(pos);
    else if (k === 4) v = view.getUint32(pos);
    else v = view.getUint32(pos) * 2 ** 32 + view.getUint32(pos + 4);
    pos += k;
    return v;
  }
  function i(k) {
    need(k);
    let v;
    if (k === 1) v = view.getInt8(pos);
    else if (k === 2) v = view.getInt16(pos);
    else if (k === 4) v = view.getInt32(pos);
    else v = view.getInt32(pos) * 2 ** 32 + view.getUint32(pos + 4);
    pos += k;
    return v;
  }
  function value() {
    need(1);
    const b = bytes[pos++];
    if (b < 0x80) return b;
    if (b < 0x90) return map(b & 0x0f);
    if (b < 0xa0) return array(b & 0x0f);
    if (b < 0xc0) return str(b & 0x1f);
    if (b >= 0xe0) return b - 0x100;
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return bin(u(1));
      case 0xc5: return bin(u(2));
      case 0xc6: return bin(u(4));
      case 0xc7: return ext(u(1));
      case 0xc8: return ext(u(2));
      case 0xc9: return ext(u(4));
      case 0xca: { need(4); const v = view.getFloat32(pos); pos += 4; return v; }
      case 0xcb: { need(8); const v = view.getFloat64(pos); pos += 8; return v; }
      case 0xcc: return u(1);
      case 0xcd: return u(2);
      case 0xce: return u(4);
      case 0xcf: return u(8);
      case 0xd0: return i(1);
      case 0xd1: return i(2);
      case 0xd2: return i(4);
      case 0xd3: return i(8);
      case 0xd4: return ext(1);
      case 0xd5: return ext(2);
      case 0xd6: return ext(4);
      case 0xd7: return ext(8);
      case 0xd8: return ext(16);
      case 0xd9: return str(u(1));
      case 0xda: return str(u(2));
      case 0xdb: return str(u(4));
      case 0xdc: return array(u(2));
      case 0xdd: return array(u(4));
      case 0xde: return map(u(2));
      case 0xdf: return map(u(4));
      default: throw new MsgpackError(`byte 0x${b.toString(16)} at ${pos - 1} is not msgpack`);
    }
  }

  const out = value();
  if (pos !== bytes.length) throw new MsgpackError(`${bytes.length - pos} bytes left over after the value`);
  return out;
}

"""On-disk formats of a built site, shared by the writer (`site.py`), `atlas check` and the tests.

`themes/default/js/data.js` mirrors this module; `docs/formats.md` is the contract. Everything is
little-endian. A change of layout bumps the version of the file kind it touches; readers refuse
versions they do not know, naming the file and the version.

Two encodings:
- a *bundle* (`.bin.br`): brotli over `b"ATB1"`, u32 header length, a JSON header, then arrays
  aligned to 8 bytes. The header names each array's dtype, shape and byte offset.
- a *record* (`.msgpack.br`): brotli over one msgpack map with an integer `version`.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from pathlib import Path

import brotli
import msgpack
import numpy as np

from atlas.errors import FormatError

MAGIC = b"ATB1"
SITE_VERSION = 1
SHARD_SIZE = 4096

#: Versions of each file kind this code writes and reads.
VERSIONS = {
    "points": 1,
    "neighbors": 1,
    "names": 1,
    "search": 1,
    "averager": 1,
    "popularity": 1,
    "colors": 1,
    "labels": 1,
}

DTYPES = {"u1": np.uint8, "i1": np.int8, "u2": np.uint16, "i2": np.int16, "u4": np.uint32, "i4": np.int32, "f4": np.float32}
_DTYPE_NAMES = {np.dtype(v): k for k, v in DTYPES.items()}


@dataclass(frozen=True)
class Bundle:
    kind: str
    version: int
    attrs: dict
    arrays: dict[str, np.ndarray]


def _align8(n: int) -> int:
    return (n + 7) & ~7


def _shuffle(raw: bytes, itemsize: int) -> bytes:
    """Byte planes: all first bytes of each item, then all second bytes, ... (compresses better)."""
    a = np.frombuffer(raw, dtype=np.uint8).reshape(-1, itemsize)
    return a.T.tobytes()


def _unshuffle(raw: bytes, itemsize: int) -> bytes:
    a = np.frombuffer(raw, dtype=np.uint8).reshape(itemsize, -1)
    return a.T.tobytes()


def encode_bundle(kind: str, arrays: dict[str, np.ndarray], attrs: dict | None = None, *, shuffle: tuple[str, ...] = (), quality: int = 11) -> bytes:
    """Brotli-compressed bundle of `arrays` (name -> array of a dtype in `DTYPES`).

    Arrays named in `shuffle` are stored as byte planes (flag `"shuffle": true` in the header).
    """
    entries, blobs, offset = [], [], 0
    for name, arr in arrays.items():
        arr = np.ascontiguousarray(arr)
        if arr.dtype not in _DTYPE_NAMES:
            raise FormatError(f"array {name!r}: dtype {arr.dtype} has no format name")
        raw = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        shuffled = name in shuffle and arr.dtype.itemsize > 1
        if shuffled:
            raw = _shuffle(raw, arr.dtype.itemsize)
        entries.append({"name": name, "dtype": _DTYPE_NAMES[arr.dtype], "shape": list(arr.shape), "offset": offset, "nbytes": len(raw), "shuffle": shuffled})
        blobs.append(raw + b"\0" * (_align8(len(raw)) - len(raw)))
        offset += _align8(len(raw))
    header = json.dumps({"kind": kind, "version": VERSIONS[kind], "attrs": attrs or {}, "arrays": entries}, separators=(",", ":")).encode()
    start = _align8(8 + len(header))
    head = MAGIC + struct.pack("<I", len(header)) + header
    body = head + b" " * (start - len(head)) + b"".join(blobs)
    return brotli.compress(body, quality=quality)


def decode_bundle(data: bytes, *, name: str = "<bundle>", kind: str | None = None) -> Bundle:
    """Inverse of `encode_bundle`; `name` is used in error messages."""
    try:
        raw = brotli.decompress(data)
    except brotli.error as e:
        raise FormatError(f"{name}: not brotli data ({e})") from None
    if raw[:4] != MAGIC:
        raise FormatError(f"{name}: bad magic {raw[:4]!r}, expected {MAGIC!r}")
    (hlen,) = struct.unpack_from("<I", raw, 4)
    try:
        header = json.loads(raw[8 : 8 + hlen])
    except ValueError as e:
        raise FormatError(f"{name}: header is not JSON ({e})") from None
    if kind is not None and header["kind"] != kind:
        raise FormatError(f"{name}: kind {header['kind']!r}, expected {kind!r}")
    known = VERSIONS.get(header["kind"])
    if known != header["version"]:
        raise FormatError(f"{name}: {header['kind']} version {header['version']} is not supported (this atlas reads version {known})")
    start = _align8(8 + hlen)
    arrays = {}
    for e in header["arrays"]:
        dt = np.dtype(DTYPES[e["dtype"]]).newbyteorder("<")
        lo = start + e["offset"]
        chunk = raw[lo : lo + e["nbytes"]]
        if len(chunk) != e["nbytes"] or e["nbytes"] != dt.itemsize * int(np.prod(e["shape"], dtype=np.int64)):
            raise FormatError(f"{name}: array {e['name']!r} is truncated")
        if e.get("shuffle"):
            chunk = _unshuffle(chunk, dt.itemsize)
        arrays[e["name"]] = np.frombuffer(chunk, dtype=dt).reshape(e["shape"]).astype(dt.newbyteorder("="))
    return Bundle(header["kind"], header["version"], header["attrs"], arrays)


def encode_record(kind: str, payload: dict, *, quality: int = 11) -> bytes:
    """Brotli-compressed msgpack map `{"kind", "version", **payload}`."""
    return brotli.compress(msgpack.packb({"kind": kind, "version": VERSIONS[kind], **payload}, use_bin_type=True), quality=quality)


def decode_record(data: bytes, *, name: str = "<record>", kind: str | None = None) -> dict:
    try:
        rec = msgpack.unpackb(brotli.decompress(data), raw=False)
    except (brotli.error, ValueError, msgpack.ExtraData) as e:
        raise FormatError(f"{name}: does not decode as brotli+msgpack ({e})") from None
    if not isinstance(rec, dict) or "kind" not in rec:
        raise FormatError(f"{name}: not an atlas record")
    if kind is not None and rec["kind"] != kind:
        raise FormatError(f"{name}: kind {rec['kind']!r}, expected {kind!r}")
    if VERSIONS.get(rec["kind"]) != rec.get("version"):
        raise FormatError(f"{name}: {rec['kind']} version {rec.get('version')} is not supported (this atlas reads version {VERSIONS.get(rec['kind'])})")
    return rec


def shard_path(prefix: str, i: int, ext: str) -> str:
    """Relative path of shard `i`: `names/0003.msgpack.br`."""
    return f"{prefix}/{i:04d}.{ext}"


def n_shards(n: int, size: int = SHARD_SIZE) -> int:
    return max(1, -(-n // size))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(site: Path) -> dict:
    path = Path(site) / "manifest.json"
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FormatError(f"{path}: no manifest (is this a built atlas site?)") from None
    except ValueError as e:
        raise FormatError(f"{path}: not JSON ({e})") from None
    if m.get("format") != "atlas-site" or m.get("version") != SITE_VERSION:
        raise FormatError(f"{path}: site format {m.get('format')!r} version {m.get('version')!r} is not supported (this atlas reads atlas-site version {SITE_VERSION})")
    return m

"""Million Playlist Dataset slices (`mpd.slice.*.json`): playlists are collections of artists or tracks.

The reader streams: one slice file is parsed at a time and only integer ids are kept between files.

A slice is tokenized by a numba kernel (`_scan`) that walks its bytes once, strings, escapes and
nesting included, and records where the few fields used lie: the key (artist_uri or track_uri)
and the names of every track object, and the number of tracks of every playlist. `json.load`
instead builds a dict and eight strings per track, which took most of the read of a large build
(about 50 ms of the 70 ms a 5 MB file took). Fields count only at their place in the MPD's shape
(as published with the dataset): a track is an object in the `"tracks"` list of an object in the root's
`"playlists"` list. A file the kernel cannot take as that shape (a track without its key or
name, a value that is not a string, a key given twice, brackets that do not balance, ...) is read
with `json.load` instead (`_parse_json`), which gives the same result or names the problem.
"""

from __future__ import annotations

import glob
import json
from pathlib import Path
from typing import Callable

import numpy as np
import scipy.sparse as sp

from atlas.errors import DataError
from atlas.sources import Source
from atlas.spec import field_line, resolve_path

# container roles of the kernel's nesting stack
_OTHER, _ROOT, _PLAYLISTS, _PLAYLIST, _TRACKS, _TRACK = 0, 1, 2, 3, 4, 5
_MAX_DEPTH = 64  # nesting the kernel follows (an MPD slice nests 5 deep)


def _scan_kernel():
    import numba

    @numba.njit(cache=True, nogil=True)
    def scan(b, b8, words, lengths, starts, ends, escaped):
        """Tokenize MPD JSON bytes b; returns (0, playlists, tracks) or (error code < 0, position, 0).

        words: uint8 (3 + f, w) padded names: "playlists", "tracks", then f track fields, length in
        words[:, -1]. Per track t and field k: starts[k, t], ends[k, t] (bytes of the string's
        content), escaped[k, t] (a backslash in it). lengths[p]: tracks of playlist p. b8: the
        bytes of b as uint64 words, to skip through strings eight bytes at a time.
        """
        ones = np.uint64(0x0101010101010101)
        highs = np.uint64(0x8080808080808080)
        n = len(b)
        nf = starts.shape[0]
        role = np.zeros(_MAX_DEPTH, dtype=np.int8)
        is_obj = np.zeros(_MAX_DEPTH, dtype=np.bool_)
        want_key = np.zeros(_MAX_DEPTH, dtype=np.bool_)
        seen = np.zeros(nf + 2, dtype=np.int64)  # per track: each field; per playlist: "tracks"; root: "playlists"
        depth = 0
        key = -1  # the target key whose value comes next (-1: none)
        pending = _OTHER  # the role of a container opened as the next value
        n_pl = 0
        n_tr = 0
        i = 0
        while i < n:
            c = b[i]
            if c == 32 or c == 10 or c == 13 or c == 9 or c == 58 or c == 44:  # space, \n, \r, \t, ':', ','
                if c == 44 and depth > 0:
                    want_key[depth - 1] = is_obj[depth - 1]
                    key = -1
                i += 1
                continue
            if c == 34:  # a string
                j = i + 1
                esc = False
                while j < n:
                    # eight bytes at a time while none is '"' or '\\' (a zero byte in w ^ "..." has the high bit set in (x - 1) & ~x)
                    while (j & 7) == 0 and j + 8 <= n:
                        w = b8[j >> 3]
                        xq = w ^ np.uint64(0x2222222222222222)
                        xb = w ^ np.uint64(0x5C5C5C5C5C5C5C5C)
                        if (((xq - ones) & ~xq) | ((xb - ones) & ~xb)) & highs:
                            break
                        j += 8
                    if j >= n or b[j] == 34:
                        break
                    if b[j] == 92:
                        esc = True
                        j += 2
                    else:
                        j += 1
                if j >= n:
                    return -1, i, 0  # unterminated string
                if depth > 0 and want_key[depth - 1]:  # a key
                    want_key[depth - 1] = False
                    r = role[depth - 1]
                    key = -1
                    pending = _OTHER
                    if not esc:
                        # which of the words (padded, length last) the key is: rows 0 and 1 at their level, field rows in a track
                        first, last = (0, 0) if r == _ROOT else (1, 1) if r == _PLAYLIST else (2, 1 + nf) if r == _TRACK else (1, 0)
                        for row in range(first, last + 1):
                            size = words[row, -1]
                            if j - i - 1 != size:
                                continue
                            same = True
                            for t in range(size):
                                if b[i + 1 + t] != words[row, t]:
                                    same = False
                                    break
                            if same:
                                if row == 0:
                                    key, pending = nf + 1, _PLAYLISTS
                                elif row == 1:
                                    key, pending = nf, _TRACKS
                                else:
                                    key = row - 2
                                break
                    if key >= 0:
                        if seen[key] > 0:
                            return -2, i, 0  # a key given twice
                        seen[key] = 1
                        if key < nf and n_tr >= starts.shape[1]:
                            return -3, i, 0  # out of room
                else:
                    if 0 <= key < nf:
                        starts[key, n_tr] = i + 1
                        ends[key, n_tr] = j
                        escaped[key, n_tr] = esc
                    elif key >= nf:
                        return -4, i, 0  # "tracks" or "playlists" is not a list
                    key = -1
                    pending = _OTHER
                i = j + 1
                continue
            if c == 123 or c == 91:  # '{' or '['
                if depth >= _MAX_DEPTH:
                    return -5, i, 0  # nested too deep for an MPD slice
                parent = role[depth - 1] if depth > 0 else -1
                if 0 <= key < nf:
                    return -4, i, 0  # a track field that is not a string
                if depth == 0:
                    r = _ROOT if c == 123 else _OTHER
                elif pending == _PLAYLISTS or pending == _TRACKS:
                    r = pending if c == 91 else -1
                    if r < 0:
                        return -4, i, 0
                elif parent == _PLAYLISTS:
                    if c != 123:
                        return -4, i, 0  # a playlist that is not an object
                    if n_pl >= len(lengths):
                        return -3, i, 0
                    r = _PLAYLIST
                    lengths[n_pl] = 0
                    seen[nf] = 0
                elif parent == _TRACKS:
                    if c != 123:
                        return -4, i, 0  # a track that is not an object
                    r = _TRACK
                    for k in range(nf):
                        seen[k] = 0
                else:
                    r = _OTHER
                role[depth] = r
                is_obj[depth] = c == 123
                want_key[depth] = c == 123
                depth += 1
                key = -1
                pending = _OTHER
                i += 1
                continue
            if c == 125 or c == 93:  # '}' or ']'
                if depth == 0:
                    return -6, i, 0
                depth -= 1
                r = role[depth]
                if r == _TRACK:
                    for k in range(nf):
                        if seen[k] == 0:
                            return -7, i, 0  # a track without a field
                    lengths[n_pl] += 1
                    n_tr += 1
                elif r == _PLAYLIST:
                    if seen[nf] == 0:
                        return -7, i, 0  # a playlist without tracks
                    n_pl += 1
                elif r == _ROOT:
                    if seen[nf + 1] == 0:
                        return -7, i, 0  # no playlists
                    i += 1
                    while i < n and (b[i] == 32 or b[i] == 10 or b[i] == 13 or b[i] == 9):
                        i += 1
                    if i < n:
                        return -6, i, 0  # more after the root object
                    return 0, n_pl, n_tr
                key = -1
                i += 1
                continue
            # a number, true, false or null
            if key >= 0:
                return -4, i, 0  # a track field, "tracks" or "playlists" that is not a string or list
            if not (c == 45 or 48 <= c <= 57 or c == 116 or c == 102 or c == 110):  # - 0-9 t f n
                return -8, i, 0  # not JSON
            key = -1
            pending = _OTHER
            while i < n and not (b[i] == 44 or b[i] == 125 or b[i] == 93 or b[i] == 32 or b[i] == 10 or b[i] == 13 or b[i] == 9):
                i += 1
        return -6, n, 0  # the root object never closed

    return scan


_SCAN = None


def _intern_kernels():
    import numba

    @numba.njit(cache=True)
    def intern(buf, starts, ends, table, arena, used, off, ln, n, ids, first):
        """Ids of the strings buf[starts[t]:ends[t]], adding new ones (arena[off[i]:off[i] + ln[i]] is string i).

        Returns (strings now known, arena bytes used, new strings); first[:new]: the t where each new one first came.
        """
        mask = np.uint64(len(table) - 1)
        new = 0
        for t in range(len(starts)):
            s, e = starts[t], ends[t]
            size = e - s
            h = np.uint64(14695981039346656037)  # FNV-1a, then murmur's finalizer (spreads the low bits)
            for p in range(s, e):
                h = (h ^ np.uint64(buf[p])) * np.uint64(1099511628211)
            h = (h ^ (h >> np.uint64(33))) * np.uint64(0xFF51AFD7ED558CCD)
            slot = (h ^ (h >> np.uint64(33))) & mask
            while True:
                k = table[slot]
                if k < 0:
                    table[slot] = n
                    off[n] = used
                    ln[n] = size
                    arena[used : used + size] = buf[s:e]
                    used += size
                    ids[t] = n
                    first[new] = t
                    n += 1
                    new += 1
                    break
                if ln[k] == size:
                    o = off[k]
                    same = True
                    for p in range(size):
                        if arena[o + p] != buf[s + p]:
                            same = False
                            break
                    if same:
                        ids[t] = k
                        break
                slot = (slot + np.uint64(1)) & mask
        return n, used, new

    @numba.njit(cache=True)
    def rehash(table, arena, off, ln, n):
        mask = np.uint64(len(table) - 1)
        for k in range(n):
            h = np.uint64(14695981039346656037)  # as in intern
            for p in range(off[k], off[k] + ln[k]):
                h = (h ^ np.uint64(arena[p])) * np.uint64(1099511628211)
            h = (h ^ (h >> np.uint64(33))) * np.uint64(0xFF51AFD7ED558CCD)
            slot = (h ^ (h >> np.uint64(33))) & mask
            while table[slot] >= 0:
                slot = (slot + np.uint64(1)) & mask
            table[slot] = k

    return intern, rehash


_INTERN = None


class _Interner:
    """Distinct byte strings numbered 0, 1, ... in order of first sight: an open-addressing hash table (FNV-1a, linear
    probing) over an arena of the strings' bytes, in numba. Strings are compared byte for byte: no collision is trusted."""

    def __init__(self):
        global _INTERN
        if _INTERN is None:
            _INTERN = _intern_kernels()
        self.table = np.full(1 << 12, -1, dtype=np.int64)
        self.arena = np.zeros(1 << 16, dtype=np.uint8)
        self.off = np.zeros(1 << 10, dtype=np.int64)
        self.ln = np.zeros(1 << 10, dtype=np.int64)
        self.n = 0
        self.used = 0

    def add(self, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids int32 (t,) of the strings buf[starts:ends], t int64 (new,): where each string not seen before first came)."""
        t = len(starts)
        room = self.n + t
        if room > len(self.off):
            grow = max(room, 2 * len(self.off))
            self.off, self.ln = np.resize(self.off, grow), np.resize(self.ln, grow)
        need = self.used + int((ends - starts).sum())
        if need > len(self.arena):
            self.arena = np.resize(self.arena, max(need, 2 * len(self.arena)))
        if 2 * room > len(self.table):  # load factor <= 1/2
            size = len(self.table)
            while 2 * room > size:
                size *= 2
            self.table = np.full(size, -1, dtype=np.int64)
            _INTERN[1](self.table, self.arena, self.off, self.ln, self.n)
        ids = np.empty(t, dtype=np.int32)
        first = np.empty(t, dtype=np.int64)
        self.n, self.used, new = _INTERN[0](buf, starts, ends, self.table, self.arena, self.used, self.off, self.ln, self.n, ids, first)
        return ids, first[:new]


def _text(raw: bytes) -> str:
    """The str of a JSON string's raw content (escapes decoded as json does)."""
    return json.loads(b'"' + raw + b'"') if b"\\" in raw else raw.decode("utf-8")


class _Slice:
    """One file's tracks: lengths int64 (playlists,): tracks per playlist; the key of track t is the utf-8 bytes
    buf[starts[t]:ends[t]] (buf uint8); labels(t): (name, artist name) of track t."""

    def __init__(self, lengths: np.ndarray, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, labels: Callable[[int], tuple[str, str]]):
        self.lengths, self.buf, self.starts, self.ends, self.labels = lengths, buf, starts, ends, labels

    def key(self, t: int) -> str:
        return self.buf[self.starts[t] : self.ends[t]].tobytes().decode("utf-8")


def _packed(keys: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(buf, starts, ends) of byte strings laid end to end."""
    ends = np.cumsum([len(k) for k in keys], dtype=np.int64)
    return np.frombuffer(b"".join(keys), dtype=np.uint8), ends - np.array([len(k) for k in keys], dtype=np.int64), ends


def _words(fields: list[str]) -> np.ndarray:
    names = [b"playlists", b"tracks", *(f.encode() for f in fields)]
    w = max(map(len, names)) + 1
    out = np.zeros((len(names), w), dtype=np.uint8)
    for r, name in enumerate(names):
        out[r, : len(name)] = np.frombuffer(name, dtype=np.uint8)
        out[r, -1] = len(name)
    return out


def _scan(raw: bytes, key_field: str, name_field: str) -> _Slice | None:
    """The tracks of a slice file's bytes by the kernel; None where the file is not in the MPD's shape."""
    global _SCAN
    if _SCAN is None:
        _SCAN = _scan_kernel()
    fields = [key_field, name_field] + (["artist_name"] if name_field != "artist_name" else [])
    b = np.frombuffer(raw, dtype=np.uint8)
    b8 = np.frombuffer(raw, dtype="<u8", count=len(raw) // 8)
    # room: a playlist takes 13 bytes at least ({"tracks":[]}), a track its fields' keys and quotes ("f":"" each, commas, braces)
    lengths = np.empty(len(raw) // 13 + 1, dtype=np.int64)
    cap = len(raw) // (sum(len(f) + 6 for f in fields) + 1) + 1
    starts = np.empty((len(fields), cap), dtype=np.int64)
    ends = np.empty((len(fields), cap), dtype=np.int64)
    escaped = np.empty((len(fields), cap), dtype=np.bool_)
    code, n_pl, n_tr = _SCAN(b, b8, _words(fields), lengths, starts, ends, escaped)
    if code < 0:
        return None

    def labels(t: int) -> tuple[str, str]:
        name = _text(raw[starts[1, t] : ends[1, t]])
        return name, (_text(raw[starts[2, t] : ends[2, t]]) if len(fields) > 2 else name)

    ks, ke = starts[0, :n_tr], ends[0, :n_tr]
    if escaped[0, :n_tr].any():  # one spelling per key: escapes decoded
        keys = [raw[s:e] for s, e in zip(ks.tolist(), ke.tolist())]
        for t in np.flatnonzero(escaped[0, :n_tr]).tolist():
            keys[t] = _text(keys[t]).encode("utf-8")
        return _Slice(lengths[:n_pl], *_packed(keys), labels)
    return _Slice(lengths[:n_pl], b, ks, ke, labels)


def _parse_json(path: Path, raw: bytes, key_field: str, name_field: str) -> _Slice:
    """The tracks of a slice file by `json.loads`: the reference, and the route for files the scan declines."""
    try:
        doc = json.loads(raw)
        playlists = doc["playlists"]
    except ValueError as e:
        raise DataError(f"{path}: not an MPD slice: {e}") from None
    except (KeyError, TypeError):
        raise DataError(f"{path}: not an MPD slice: no \"playlists\" list") from None
    lengths, keys, tracks_of = [], [], []
    for p_i, playlist in enumerate(playlists):
        try:
            tracks = playlist["tracks"]
            for t in tracks:
                keys.append(str(t[key_field]).encode("utf-8"))
                tracks_of.append((p_i, t))
            lengths.append(len(tracks))
        except (KeyError, TypeError) as e:
            raise DataError(f"{path}: playlist {p_i} (pid {playlist.get('pid', '?') if isinstance(playlist, dict) else '?'}): missing field {e}") from None

    def labels(t: int) -> tuple[str, str]:
        p_i, track = tracks_of[t]
        try:
            return str(track[name_field]), str(track["artist_name"])
        except KeyError as e:
            pid = playlists[p_i].get("pid", "?")
            raise DataError(f"{path}: playlist {p_i} (pid {pid}): missing field {e}") from None

    return _Slice(np.asarray(lengths, dtype=np.int64), *_packed(keys), labels)


def read_slices(paths: list[Path], entity: str = "artist", progress: Callable[[int, int], None] | None = None) -> Source:
    """Playlists x entities (artist_uri or track_uri) from MPD slice files, in the given order.

    keys: the entities in order of first appearance; names: artist_name (track_name for tracks)
    where each first appears; columns: {"artist": artist_name} for tracks. collections: csr (m, n)
    float32, 1 where playlist i (in file order) holds entity j (once, however often it is listed).
    """
    key_field, name_field = ("artist_uri", "artist_name") if entity == "artist" else ("track_uri", "track_name")
    interner = _Interner()
    keys: list[str] = []
    names: list[str] = []
    artist_of: list[str] = []
    lengths: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for done, path in enumerate(paths, 1):
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as e:
            raise DataError(f"{path}: not an MPD slice: {e}") from None
        try:
            sl = _scan(raw, key_field, name_field) or _parse_json(path, raw, key_field, name_field)
            ids, first = interner.add(sl.buf, sl.starts, sl.ends)
            for t in first.tolist():  # one Python step per entity, none per track
                name, artist = sl.labels(t)
                keys.append(sl.key(t))
                names.append(name)
                artist_of.append(artist)
        except UnicodeDecodeError as e:
            raise DataError(f"{path}: not an MPD slice: {e}") from None
        lengths.append(sl.lengths.copy())
        cols.append(ids)
        del raw, sl
        if progress:
            progress(done, len(paths))
    n = len(keys)
    per = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(per)]).astype(np.int64)
    indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int32)
    x = sp.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(per), n))
    x.sum_duplicates()  # a track listed twice, or two tracks of one artist: held once
    x.data[:] = 1
    columns = {"artist": artist_of} if entity == "track" else {}
    return Source(keys=keys, names=names, columns=columns, collections=x)


def read_spec(spec: dict, progress=None) -> Source:
    src = spec["source"]
    pattern = resolve_path(spec, src["path"])
    paths = sorted((Path(p) for p in glob.glob(str(pattern))), key=_slice_start)
    if not paths and src["generate"]:
        g = dict(src["generate"])
        unknown = set(g) - {"playlists", "artists", "communities", "seed"}
        if unknown:
            raise DataError(f"{field_line(spec, 'source', 'generate')}: unknown key {sorted(unknown)[0]!r} (expected playlists, artists, communities, seed)")
        _generate_once(pattern.parent, g)
        paths = sorted((Path(p) for p in glob.glob(str(pattern))), key=_slice_start)
    if not paths:
        raise DataError(f"{field_line(spec, 'source', 'path')}: no files match {src['path']!r}")
    return read_slices(paths, src["entity"], progress)


def _generate_once(folder: Path, params: dict) -> None:
    """Write synthetic slices into `folder` via a temporary sibling, so concurrent builds never read half a set."""
    import shutil
    import tempfile

    from atlas.sources.synthetic import write_mpd

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        write_mpd(tmp, **params)
        try:
            tmp.rename(folder)
        except OSError:  # another build got there first (or an empty folder is in the way)
            if folder.exists() and not any(folder.iterdir()):
                folder.rmdir()
                tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _slice_start(p: Path):
    """mpd.slice.1000-1999.json sorts after mpd.slice.999-...: order by the first pid."""
    part = p.name.split(".")
    try:
        return (0, int(part[2].split("-")[0]), p.name)
    except (IndexError, ValueError):
        return (1, 0, p.name)

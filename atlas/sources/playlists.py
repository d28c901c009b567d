"""Million Playlist Dataset slices (`mpd.slice.*.json`): playlists are collections of artists or tracks.

The reader streams: one slice file is parsed at a time and only integer ids are kept between files.
"""

from __future__ import annotations

import glob
import json
from array import array
from pathlib import Path
from typing import Callable

import numpy as np
import scipy.sparse as sp

from atlas.errors import DataError
from atlas.sources import Source
from atlas.spec import field_line, resolve_path


def read_slices(paths: list[Path], entity: str = "artist", progress: Callable[[int, int], None] | None = None) -> Source:
    """Playlists x entities (artist_uri or track_uri) from MPD slice files, in the given order."""
    key_field = "artist_uri" if entity == "artist" else "track_uri"
    index: dict[str, int] = {}
    names: list[str] = []
    artist_of: list[str] = []
    rows, cols = array("q"), array("q")
    m = 0
    for done, path in enumerate(paths, 1):
        try:
            with open(path, "rb") as f:
                doc = json.load(f)
            playlists = doc["playlists"]
        except (OSError, ValueError) as e:
            raise DataError(f"{path}: not an MPD slice: {e}") from None
        except (KeyError, TypeError):
            raise DataError(f"{path}: not an MPD slice: no \"playlists\" list") from None
        for p_i, playlist in enumerate(playlists):
            try:
                tracks = playlist["tracks"]
                for t in tracks:
                    key = t[key_field]
                    j = index.get(key)
                    if j is None:
                        j = index[key] = len(names)
                        if entity == "artist":
                            names.append(str(t["artist_name"]))
                        else:
                            names.append(str(t["track_name"]))
                            artist_of.append(str(t["artist_name"]))
                    rows.append(m)
                    cols.append(j)
            except (KeyError, TypeError) as e:
                raise DataError(f"{path}: playlist {p_i} (pid {playlist.get('pid', '?') if isinstance(playlist, dict) else '?'}): missing field {e}") from None
            m += 1
        del doc, playlists
        if progress:
            progress(done, len(paths))
    n = len(names)
    r = np.frombuffer(rows, dtype=np.int64)
    c = np.frombuffer(cols, dtype=np.int64)
    x = sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(m, n))
    x.sum_duplicates()
    x.data[:] = 1
    columns = {"artist": artist_of} if entity == "track" else {}
    return Source(keys=list(index), names=names, columns=columns, collections=x)


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

"""Synthetic playlists in the exact MPD slice format, with planted communities (the demo, tests, benchmarks).

Artists belong to communities ("scenes"); a playlist draws most tracks from one or two scenes,
popular artists more often (Zipf), plus a little noise. The neighbor lists and the map should
recover the scenes, which tests can check.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_SYL = ["ka", "lo", "mi", "ra", "ven", "tor", "sha", "nu", "el", "dor", "ix", "zu", "pe", "an", "qui", "mar", "so", "bel", "yon", "tra", "fa", "gri", "ost", "lum"]
_WORDS = ["The", "Black", "Silver", "Velvet", "Neon", "Young", "Lost", "Golden", "Electric", "Paper", "Wild", "Quiet"]


def artist_names(n: int, rng: np.random.Generator) -> list[str]:
    """n distinct made-up names, some with non-ASCII and HTML-like text (names are text everywhere)."""
    out, seen = [], set()
    specials = ["Sigur Rós", "Beyoncé", "<b>Bold</b> & Co", "東京事変", "فيروز", "Mötley Crüe", "🎧 DJ Emoji"]
    for s in specials[:n]:
        out.append(s)
        seen.add(s)
    # rng.choice(_SYL, k) and rng.choice(_WORDS), drawn as the integers they draw (same stream, 5x faster)
    while len(out) < n:
        k = rng.integers(2, 4)
        name = "".join([_SYL[i] for i in rng.integers(0, len(_SYL), k).tolist()]).capitalize()
        if rng.random() < 0.3:
            name = f"{_WORDS[rng.integers(0, len(_WORDS))]} {name}s"
        if name in seen:
            name = f"{name} {len(out)}"
        seen.add(name)
        out.append(name)
    return out


def planted(artists: int, communities: int, seed: int):
    """community of each artist (int (artists,)) and popularity weights (float (artists,))."""
    rng = np.random.default_rng(seed)
    community = rng.integers(0, communities, artists)
    popularity = 1.0 / (1.0 + rng.permutation(artists)) ** 0.8
    return community, popularity


def _choice(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    """`rng.choice(len(cdf), size, p=p)` for cdf = p.cumsum() / p.sum(): the same draws, without re-checking p each call."""
    return cdf.searchsorted(rng.random(size), side="right")


def _cdf(p: np.ndarray) -> np.ndarray:
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf


def write_mpd(folder: Path, playlists: int = 30000, artists: int = 20000, communities: int = 40, seed: int = 1, tracks_per_artist: int = 3, slice_size: int = 1000) -> list[Path]:
    """Write `playlists` playlists as mpd.slice.A-B.json files of `slice_size` (the MPD's 1000) under `folder`; returns the paths."""
    if slice_size < 1:
        raise ValueError(f"slice_size: expected int >= 1, got {slice_size}")
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    community, popularity = planted(artists, communities, seed)
    names = artist_names(artists, rng)
    members = [np.flatnonzero(community == c) for c in range(communities)]
    cdfs = [_cdf(popularity[m] / popularity[m].sum()) for m in members]
    gcdf = _cdf(popularity / popularity.sum())
    # the strings of every artist, made once: a track is then a few dict lookups
    a_uri = [f"spotify:artist:{a:07d}" for a in range(artists)]
    album_uri = [f"spotify:album:{a:07d}" for a in range(artists)]
    album_name = [f"{x} LP" for x in names]
    paths = []
    for start in range(0, playlists, slice_size):
        stop = min(playlists, start + slice_size)
        items = []
        for pid in range(start, stop):
            length = int(np.clip(rng.lognormal(2.8, 0.6), 5, 250))
            scenes = rng.choice(communities, 1 + (rng.random() < 0.3), replace=False)
            noise = rng.random(length) < 0.1
            scene_of = scenes[rng.integers(len(scenes), size=length)]
            picks = np.empty(length, dtype=np.int64)
            picks[noise] = _choice(rng, gcdf, int(noise.sum()))
            for c in scenes:
                at = (~noise) & (scene_of == c)
                picks[at] = members[c][_choice(rng, cdfs[c], int(at.sum()))]
            picks = picks.tolist()
            takes = rng.integers(tracks_per_artist, size=length).tolist()  # the same stream as one draw per track
            tracks = []
            for pos, (a, t) in enumerate(zip(picks, takes)):
                tracks.append({
                    "pos": pos,
                    "artist_name": names[a],
                    "track_uri": f"spotify:track:{a:07d}{t:02d}",
                    "artist_uri": a_uri[a],
                    "track_name": f"Song {t + 1} of {names[a]}",
                    "album_uri": album_uri[a],
                    "duration_ms": 180000 + 1000 * t,
                    "album_name": album_name[a],
                })
            distinct = len(set(picks))
            items.append({
                "name": f"mix {pid}", "collaborative": "false", "pid": pid, "modified_at": 1500000000 + pid,
                "num_tracks": len(tracks), "num_albums": distinct, "num_followers": 1, "num_edits": 1,
                "duration_ms": 180000 * length + 1000 * sum(takes), "num_artists": distinct, "tracks": tracks,
            })
        doc = {"info": {"generated_on": "2017-12-03 08:41:42.057563", "slice": f"{start}-{stop - 1}", "version": "v1"}, "playlists": items}
        path = folder / f"mpd.slice.{start}-{stop - 1}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        tmp.rename(path)
        paths.append(path)
    return paths

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
    while len(out) < n:
        k = rng.integers(2, 4)
        name = "".join(rng.choice(_SYL, k)).capitalize()
        if rng.random() < 0.3:
            name = f"{rng.choice(_WORDS)} {name}s"
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


def write_mpd(folder: Path, playlists: int = 30000, artists: int = 20000, communities: int = 40, seed: int = 1, tracks_per_artist: int = 3) -> list[Path]:
    """Write `playlists` playlists as mpd.slice.A-B.json files of 1000 under `folder`; returns the paths."""
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    community, popularity = planted(artists, communities, seed)
    names = artist_names(artists, rng)
    members = [np.flatnonzero(community == c) for c in range(communities)]
    probs = [popularity[m] / popularity[m].sum() for m in members]
    gp = popularity / popularity.sum()
    paths = []
    for start in range(0, playlists, 1000):
        stop = min(playlists, start + 1000)
        items = []
        for pid in range(start, stop):
            length = int(np.clip(rng.lognormal(2.8, 0.6), 5, 250))
            scenes = rng.choice(communities, 1 + (rng.random() < 0.3), replace=False)
            noise = rng.random(length) < 0.1
            scene_of = scenes[rng.integers(len(scenes), size=length)]
            picks = np.empty(length, dtype=np.int64)
            picks[noise] = rng.choice(artists, int(noise.sum()), p=gp)
            for c in scenes:
                at = (~noise) & (scene_of == c)
                picks[at] = rng.choice(members[c], int(at.sum()), p=probs[c])
            picks = picks.tolist()
            tracks = []
            for pos, a in enumerate(picks):
                t = int(rng.integers(tracks_per_artist))
                tracks.append({
                    "pos": pos,
                    "artist_name": names[a],
                    "track_uri": f"spotify:track:{a:07d}{t:02d}",
                    "artist_uri": f"spotify:artist:{a:07d}",
                    "track_name": f"Song {t + 1} of {names[a]}",
                    "album_uri": f"spotify:album:{a:07d}",
                    "duration_ms": 180000 + 1000 * t,
                    "album_name": f"{names[a]} LP",
                })
            items.append({
                "name": f"mix {pid}", "collaborative": "false", "pid": pid, "modified_at": 1500000000 + pid,
                "num_tracks": len(tracks), "num_albums": len(set(picks)), "num_followers": 1, "num_edits": 1,
                "duration_ms": sum(t["duration_ms"] for t in tracks), "num_artists": len(set(picks)), "tracks": tracks,
            })
        doc = {"info": {"generated_on": "2017-12-03 08:41:42.057563", "slice": f"{start}-{stop - 1}", "version": "v1"}, "playlists": items}
        path = folder / f"mpd.slice.{start}-{stop - 1}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        tmp.rename(path)
        paths.append(path)
    return paths

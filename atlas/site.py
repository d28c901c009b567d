"""The site writer: arrays in, a static folder out (see docs/formats.md).

Every file is first rendered in memory, then written into a temporary folder beside the target,
which replaces the target only once complete: a failed build leaves the previous site intact.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from atlas import __version__
from atlas import formats as fm
from atlas.color import Colors
from atlas.errors import AtlasError
from atlas.labels import Labels
from atlas.neighbors import Neighbors
from atlas.pack import Packed

THEMES = Path(__file__).resolve().parent.parent / "themes"

# Brotli quality per file: the first-paint file gets the best (smallest, slowest), files loaded
# later get 9, and the many shards fetched one at a time get 5. Measured on the demo's shards:
# q5 1.60 MB in 0.9 s, q9 1.56 MB in 3.9 s, q11 1.40 MB in 37 s (2 busy cores).
Q_FIRST_PAINT, Q_LAZY, Q_SHARD = 11, 9, 5


@dataclass(frozen=True)
class SiteData:
    """Everything a site holds, in site order (entity i of every array is entity i of the site)."""

    name: str
    title: str
    description: str
    keys: list[str]
    names: list[str]
    columns: dict[str, list]
    counts: np.ndarray  # int64 (n,)
    packed: Packed
    colors: Colors
    extra_colors: list[Colors]
    neighbors: Neighbors
    averager: dict | None  # {"q": int8 (n, d), "scale": float32 (n,), "attrs": {...}}
    n_collections: int
    spec: dict
    stages: dict = field(default_factory=dict)
    labels: Labels | None = None  # region labels and the most popular names (atlas/labels.py)


class ThemeError(AtlasError):
    exit_code = 2


def find_theme(name: str, spec_dir: Path | None = None) -> list[Path]:
    """Theme folders, the theme first and then what it extends."""
    chain, seen = [], set()
    while name:
        candidates = ([spec_dir / name] if spec_dir else []) + [THEMES / name]
        folder = next((c for c in candidates if (c / "templates").is_dir()), None)
        if folder is None:
            raise ThemeError(f"theme {name!r}: no folder with templates/ in {', '.join(str(c) for c in candidates)}")
        if folder in seen:
            raise ThemeError(f"theme {name!r}: extends itself")
        seen.add(folder)
        chain.append(folder)
        name = _theme_options(folder).get("extends", "")
    return chain


def _theme_options(folder: Path) -> dict:
    path = folder / "theme.toml"
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ThemeError(f"{path}: invalid TOML: {e}") from None


def normalise(text: str) -> str:
    """Search key: lower case, accents removed (the viewer does the same to the query)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def render_files(data: SiteData, theme_chain: list[Path]) -> dict[str, bytes]:
    """Relative path -> bytes of every file of the site except manifest.json."""
    n = len(data.keys)
    p = data.packed
    files: dict[str, bytes] = {}
    files["points.bin.br"] = fm.encode_bundle(
        "points",
        {"pos": p.pos, "color": data.colors.index, "size": p.size},
        {"n": n, "dims": int(p.pos.shape[0]), "lo": [float(v) for v in p.lo], "hi": [float(v) for v in p.hi], "palette": data.colors.palette, "legend": data.colors.legend, "color_by": data.colors.column},
        shuffle=("pos",),
        quality=Q_FIRST_PAINT,
    )
    shards = fm.n_shards(n)
    for s in range(shards):
        lo, hi = s * fm.SHARD_SIZE, min(n, (s + 1) * fm.SHARD_SIZE)
        files[fm.shard_path("names", s, "msgpack.br")] = fm.encode_record(
            "names", {"start": lo, "names": data.names[lo:hi], "keys": data.keys[lo:hi], "columns": {c: _plain(v[lo:hi]) for c, v in data.columns.items()}}, quality=Q_SHARD
        )
        files[fm.shard_path("neighbors", s, "bin.br")] = fm.encode_bundle(
            "neighbors", {"ids": data.neighbors.ids[lo:hi], "score": data.neighbors.weight[lo:hi]}, {"start": lo, "count": hi - lo, "k": data.neighbors.k}, quality=Q_SHARD
        )
    by_pop = np.lexsort((np.arange(n), -data.counts))
    files["search.msgpack.br"] = fm.encode_record("search", {"ids": by_pop.tolist(), "names": [data.names[i] for i in by_pop]}, quality=Q_LAZY)
    files["popularity.bin.br"] = fm.encode_bundle("popularity", {"count": np.minimum(data.counts, 2**32 - 1).astype(np.uint32)}, quality=Q_LAZY)
    if data.averager is not None:
        files["averager.bin.br"] = fm.encode_bundle("averager", {"q": data.averager["q"], "scale": data.averager["scale"]}, data.averager["attrs"], quality=Q_LAZY)
    for c in [data.colors, *data.extra_colors]:
        files[f"colors/{_slug(c.column)}.bin.br"] = fm.encode_bundle("colors", {"color": c.index}, {"column": c.column, "palette": c.palette, "legend": c.legend}, quality=Q_LAZY)
    if data.labels is not None:
        files["labels.msgpack.br"] = fm.encode_record("labels", data.labels.record(), quality=Q_LAZY)
    files.update(_theme_files(data, theme_chain))
    files[".nojekyll"] = b""
    return files


def _plain(values: list) -> list:
    out = []
    for v in values:
        if isinstance(v, (np.integer,)):
            v = int(v)
        elif isinstance(v, (np.floating, float)):
            v = float(v) if np.isfinite(v) else None
        out.append(v)
    return out


def _slug(name: str) -> str:
    s = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return s or "column"


def _theme_files(data: SiteData, chain: list[Path]) -> dict[str, bytes]:
    import jinja2

    options: dict = {}
    for folder in reversed(chain):
        options.update(_theme_options(folder).get("options", {}))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(f / "templates") for f in chain]), autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    ctx = {
        "site": {"name": data.name, "title": data.title, "description": data.description, "n": len(data.keys), "dims": int(data.packed.pos.shape[0])},
        "assets": "assets",
        "points_url": "points.bin.br",
        "manifest_url": "manifest.json",
        "theme": options,
    }
    try:
        html = env.get_template("index.html").render(**ctx)
    except jinja2.TemplateError as e:
        raise ThemeError(f"theme {chain[0].name}: templates/index.html: {e}") from None
    files = {"index.html": html.encode("utf-8")}
    for folder in reversed(chain):  # the theme overrides what it extends
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and rel.parts[0] not in ("templates", "src") and rel.name != "theme.toml":
                files[f"assets/{rel.as_posix()}"] = path.read_bytes()
    return files


def manifest(data: SiteData, files: dict[str, bytes]) -> dict:
    n = len(data.keys)
    return {
        "format": "atlas-site",
        "version": fm.SITE_VERSION,
        "generator": f"atlas {__version__}",
        "name": data.name,
        "title": data.title,
        "description": data.description,
        "counts": {"entities": n, "collections": int(data.n_collections), "k": int(data.neighbors.k), "dims": int(data.packed.pos.shape[0]), "neighbor_pairs": int((data.neighbors.ids >= 0).sum())},
        "data": {
            "points": "points.bin.br",
            "shard_size": fm.SHARD_SIZE,
            "shards": fm.n_shards(n),
            "names": "names/{shard}.msgpack.br",
            "neighbors": "neighbors/{shard}.bin.br",
            "search": "search.msgpack.br",
            "popularity": "popularity.bin.br",
            "averager": "averager.bin.br" if data.averager is not None else None,
            "colors": {c.column: f"colors/{_slug(c.column)}.bin.br" for c in [data.colors, *data.extra_colors]},
            "labels": "labels.msgpack.br" if data.labels is not None else None,
        },
        "columns": [{"name": c, "type": _column_type(v)} for c, v in data.columns.items()],
        "files": [{"path": k, "bytes": len(v), "sha256": fm.sha256(v)} for k, v in sorted(files.items())],
        "spec": data.spec,
        "stages": {k: round(v, 3) for k, v in data.stages.items()},
    }


def _column_type(values: list) -> str:
    present = [v for v in values if v is not None]
    numeric = present and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in present)
    return "numeric" if numeric else "categorical"


def write(data: SiteData, out: Path, theme_chain: list[Path]) -> dict:
    """Write the site to `out` atomically (temp folder beside it, then rename); returns the manifest."""
    files = render_files(data, theme_chain)
    man = manifest(data, files)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        for rel, blob in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)
        (tmp / "manifest.json").write_text(json.dumps(man, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o755)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            if old.exists():
                shutil.rmtree(old)
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return man

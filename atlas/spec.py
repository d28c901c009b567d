"""The dataset spec: a TOML file validated against a declared schema.

Every problem is gathered before anything runs, each as one line naming the file, the line and the
key: `sites/books.toml:14: [neighbors].k: expected int >= 1, got "ten"`. Unknown keys are errors
with a nearest-name hint. Paths are resolved relative to the spec file.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from atlas.errors import SpecError


@dataclass(frozen=True)
class Field:
    type: type | tuple
    default: Any
    doc: str
    check: Callable[[Any], str | None] | None = None
    choices: tuple | None = None


def _min(lo):
    return lambda v: None if v >= lo else f">= {lo}"


def _range(lo, hi):
    return lambda v: None if lo <= v <= hi else f"in [{lo}, {hi}]"


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

#: The schema: section -> key -> Field. `docs/spec.md` documents every key (a test checks it).
SCHEMA: dict[str, dict[str, Field]] = {
    "site": {
        "name": Field(str, None, "folder name of the site under build/ (letters, digits, . _ -)", lambda v: None if _NAME.match(v) else "a name of letters, digits, '.', '_' or '-'"),
        "title": Field(str, "", "page title (defaults to the name)"),
        "description": Field(str, "", "one line shown under the title"),
        "theme": Field(str, "default", "theme folder under themes/ (or a path relative to the spec)"),
    },
    "source": {
        "kind": Field(str, None, "what the data is", choices=("playlists", "interactions", "graph", "vectors")),
        "path": Field(str, None, "data file, or a glob of MPD slice files for playlists"),
        "entity": Field(str, "artist", "playlists: map artists or tracks", choices=("artist", "track")),
        "collection_column": Field((str, int), 0, "interactions: column of the collection (user, playlist): a header name or a 0-based index"),
        "item_column": Field((str, int), 1, "interactions: column of the item"),
        "weight_column": Field((str, int), "", "interactions: optional column of a weight (plays, rating); empty for none"),
        "delimiter": Field(str, "", "CSV delimiter; empty: tab for .tsv/.dat files, comma otherwise"),
        "encoding": Field(str, "utf-8", "text encoding of the data file (latin-1 for some real files)"),
        "names": Field(str, "", "interactions, vectors: optional file of item names and metadata (CSV/TSV with a header)"),
        "names_key": Field((str, int), 0, "names file: column holding the item id"),
        "names_column": Field((str, int), 1, "names file: column holding the display name"),
        "names_encoding": Field(str, "utf-8", "names file: text encoding"),
        "metadata": Field(list, [], "names file: extra columns kept as metadata (all others are dropped)"),
        "tags": Field(str, "", "interactions: optional file of (user, item, tag) rows; each item's most frequent tag becomes the metadata column `tag`"),
        "tag_names": Field(str, "", "tags: optional file mapping tag ids to tag names"),
        "tag_names_encoding": Field(str, "utf-8", "tag names file: text encoding"),
        "directed": Field(bool, False, "graph: keep edge direction for neighbor lists (otherwise symmetrised)"),
        "generate": Field(dict, {}, "playlists: write synthetic MPD slices to `path` first if none exist (keys: playlists, artists, communities, seed)"),
    },
    "filter": {
        "min_count": Field(int, 2, "drop entities held by fewer collections (graph: degree)", _min(1)),
        "max_entities": Field(int, 0, "keep only the most frequent entities; 0 keeps all", _min(0)),
    },
    "neighbors": {
        "k": Field(int, 20, "neighbors kept per entity", _range(1, 200)),
        "scheme": Field(str, "", "weighting scheme (see docs/spec.md); empty: the measured default (lmi for collections, rp3beta for graphs)"),
        "alpha": Field((int, float), -1.0, "collections weigh 1/len**alpha; -1: the scheme's default"),
        "beta": Field((int, float), -1.0, "rp3beta: popularity penalty exponent; -1: the default"),
        "shrink": Field((int, float), -1.0, "conditional_idf: pseudo-collections added to an entity's count; -1: the default"),
        "support": Field((int, float), -1.0, "lmi, conditional_idf: pair support shrinkage; -1: the default"),
        "refit": Field(str, "auto", "re-weigh each list's entities as a ridge regression (atlas/refit.py) or keep the scheme's scores; auto: ridge for collections, none for graphs", choices=("auto", "ridge", "none")),
        "ridge": Field((int, float), 0.15, "refit ridge: the penalty, as a fraction of the number of collections", lambda v: None if v > 0 else "> 0"),
    },
    "embedding": {
        "method": Field(str, "mde", "how entities get vectors", choices=("mde", "pymde", "word2vec", "node2vec", "lightgcn", "vectors")),
        "dims": Field(int, 16, "dimension of the embedding", _range(2, 256)),
        "seed": Field(int, 0, "random seed"),
        "iterations": Field(int, 0, "mde: passes over the edges (0: by size); pymde: L-BFGS iterations (0: 300); word2vec: passes over the collections (0: 20); node2vec: passes over the walks (0: 1); lightgcn: epochs over the held pairs (0: 20)", _min(0)),
        "window": Field(int, 0, "word2vec: context size (0: the whole collection); node2vec: skip-gram window over walks (0: 5)", _min(0)),
        "negative": Field(int, 5, "word2vec, node2vec: noise samples per training pair; lightgcn: random entities per held pair", _min(1)),
        "workers": Field(int, 1, "word2vec, node2vec: gensim threads; 1 gives the same vectors for a seed, more is faster but not reproducible; lightgcn: torch threads", _min(1)),
        "p": Field((int, float), 2.5, "node2vec: return parameter; larger: walks go back less", lambda v: None if v > 0 else "> 0"),
        "q": Field((int, float), 0.5, "node2vec: in-out parameter; smaller: walks move outward", lambda v: None if v > 0 else "> 0"),
        "walk_length": Field(int, 40, "node2vec: nodes per walk", _min(2)),
        "walks_per_node": Field(int, 10, "node2vec: walks started from every node", _min(1)),
        "layers": Field(int, 3, "lightgcn: propagation layers (0: plain matrix factorisation)", _range(0, 8)),
        "lr": Field((int, float), 0.1, "lightgcn: Adam step size", lambda v: None if v > 0 else "> 0"),
        "decay": Field((int, float), 1e-3, "lightgcn: L2 weight on the batch's initial vectors", _min(0)),
    },
    "layout": {
        "method": Field(str, "umap", "how the embedding becomes a map", choices=("umap", "umap-learn", "mde", "pca")),
        "dims": Field(int, 2, "2 for a map, 3 for a galaxy", _range(2, 3)),
        "graph": Field(str, "both", "umap, mde: the kNN graph the map follows: `embedding` (each entity's nearest in the embedding), `lists` (the neighbor lists) or `both`", choices=("embedding", "lists", "both")),
        "n_neighbors": Field(int, 10, "umap, mde: neighbors per point taken from each source of that graph", _range(2, 200)),
        "min_dist": Field((int, float), 0.1, "umap: minimum distance between points", _range(0.0, 1.0)),
        "seed": Field(int, 0, "random seed"),
    },
    "color": {
        "by": Field(str, "cluster", "metadata column to color by, or `cluster` (k-means on the embedding)"),
        "clusters": Field(int, 24, "number of clusters when coloring by cluster", _range(1, 64)),
    },
}

_REQUIRED = {("site", "name"), ("source", "kind"), ("source", "path")}


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """(section, key) -> 1-based line of its assignment; ("section", "") -> line of the header."""
    out, section = {}, ""
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        m = re.match(r"^\[\s*([A-Za-z0-9_.\-]+)\s*\]", s)
        if m:
            section = m.group(1)
            out.setdefault((section, ""), i)
            continue
        m = re.match(r"^([A-Za-z0-9_\-]+)\s*=", s)
        if m:
            out.setdefault((section, m.group(1)), i)
    return out


def _type_name(t) -> str:
    ts = t if isinstance(t, tuple) else (t,)
    names = {str: "string", int: "int", float: "float", bool: "true or false", list: "list", dict: "table"}
    return " or ".join(names[x] for x in ts)


def _check(field: Field, value) -> str | None:
    types = field.type if isinstance(field.type, tuple) else (field.type,)
    ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
    if not ok:
        return f"expected {_type_name(field.type)}, got {_show(value)}"
    if field.choices and value not in field.choices:
        return f"expected one of {', '.join(field.choices)}, got {_show(value)}"
    if field.check:
        want = field.check(value)
        if want:
            return f"expected {_type_name(field.type)} {want}, got {_show(value)}"
    return None


def _show(v) -> str:
    return f'"{v}"' if isinstance(v, str) else repr(v).lower() if isinstance(v, bool) else repr(v)


def _hint(name: str, options) -> str:
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load(path: str | Path) -> dict:
    """Validated spec with defaults filled in; paths stay as written. Raises SpecError with every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError([f"{path}: no such spec file"]) from None
    except UnicodeDecodeError as e:
        raise SpecError([f"{path}: not UTF-8 text ({e.reason} at byte {e.start})"]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column \d+\)", str(e))
        where = f"{path}:{m.group(1)}" if m else str(path)
        reason = re.sub(r" \(at line.*", "", str(e))
        raise SpecError([f"{where}: invalid TOML: {reason}"]) from None
    return validate(raw, path, text)


def validate(raw: dict, path: Path, text: str = "") -> dict:
    lines = _key_lines(text)
    errors: list[tuple[int, str]] = []

    def err(section, key, msg):
        line = lines.get((section, key)) or lines.get((section, "")) or 0
        where = f"{path}:{line}" if line else str(path)
        name = f"[{section}].{key}" if key else f"[{section}]"
        errors.append((line, f"{where}: {name}: {msg}"))

    out: dict[str, dict] = {}
    for section, value in raw.items():
        if section not in SCHEMA:
            err(section, "", f"unknown section{_hint(section, SCHEMA)}")
        elif not isinstance(value, dict):
            err(section, "", f"expected a table, got {_show(value)}")
    for section, fields in SCHEMA.items():
        given = raw.get(section, {}) if isinstance(raw.get(section, {}), dict) else {}
        resolved = {}
        for key, value in given.items():
            if key not in fields:
                err(section, key, f"unknown key{_hint(key, fields)}")
        for key, field in fields.items():
            if key in given:
                problem = _check(field, given[key])
                if problem:
                    err(section, key, problem)
                resolved[key] = given[key]
            elif (section, key) in _REQUIRED:
                err(section, key, "required key is missing")
            else:
                resolved[key] = field.default
        out[section] = resolved
    if errors:
        raise SpecError([m for _, m in sorted(errors, key=lambda e: (e[0] == 0, e[0]))])
    if not out["site"]["title"]:
        out["site"]["title"] = out["site"]["name"]
    out["_path"] = str(path)
    return out


def resolve_path(spec: dict, value: str) -> Path:
    """A path written in the spec, relative to the spec file's folder."""
    return (Path(spec["_path"]).parent / value).resolve() if value else Path()


def field_line(spec: dict, section: str, key: str) -> str:
    """`file:line: [section].key` for a message about a field that validated but fails on use."""
    try:
        text = Path(spec["_path"]).read_text(encoding="utf-8")
    except OSError:
        text = ""
    line = _key_lines(text).get((section, key))
    where = f"{spec['_path']}:{line}" if line else spec["_path"]
    return f"{where}: [{section}].{key}"

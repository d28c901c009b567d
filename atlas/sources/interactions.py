"""Interactions: rows of (collection or user, item, optional weight), with optional names and tags files."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from atlas.errors import DataError
from atlas.sources import Source
from atlas.sources.tables import column_index, field, open_table
from atlas.spec import resolve_path


def read_interactions(path: Path, collection_column=0, item_column=1, weight_column="", delimiter="", encoding="utf-8") -> tuple[sp.csr_matrix, list[str]]:
    """(x, item keys): x csr (collections, items) float32 of summed weights (1 per row without a weight column)."""
    header, rows = open_table(path, delimiter, encoding)
    ci = column_index(header, collection_column, path, "collection_column")
    ii = column_index(header, item_column, path, "item_column")
    wi = column_index(header, weight_column, path, "weight_column") if weight_column != "" else None
    colls: dict[str, int] = {}
    items: dict[str, int] = {}
    r, c, w = [], [], []
    for line, row in rows:
        u, it = field(row, ci, path, line), field(row, ii, path, line)
        r.append(colls.setdefault(u, len(colls)))
        c.append(items.setdefault(it, len(items)))
        if wi is not None:
            v = field(row, wi, path, line)
            try:
                w.append(float(v))
            except ValueError:
                raise DataError(f"{path}:{line}: weight {v!r} is not a number") from None
    if not r:
        raise DataError(f"{path}: no data rows")
    data = np.asarray(w, dtype=np.float32) if wi is not None else np.ones(len(r), dtype=np.float32)
    x = sp.csr_matrix((data, (np.asarray(r), np.asarray(c))), shape=(len(colls), len(items)))
    x.sum_duplicates()
    return x, list(items)


def read_names(path: Path, keys: list[str], key_column=0, name_column=1, metadata=(), delimiter="", encoding="utf-8") -> tuple[list[str], dict[str, list]]:
    """Display names and metadata columns for `keys`; keys absent from the file keep their key as name."""
    header, rows = open_table(path, delimiter, encoding)
    ki = column_index(header, key_column, path, "names_key")
    ni = column_index(header, name_column, path, "names_column")
    mi = {header[column_index(header, m, path, "metadata")]: column_index(header, m, path, "metadata") for m in metadata}
    want = {k: i for i, k in enumerate(keys)}
    names = list(keys)
    cols = {m: [None] * len(keys) for m in mi}
    for line, row in rows:
        j = want.get(field(row, ki, path, line))
        if j is None:
            continue
        names[j] = field(row, ni, path, line)
        for m, i in mi.items():
            cols[m][j] = _value(row[i].strip()) if i < len(row) else None
    return names, cols


def read_top_tags(path: Path, keys: list[str], names_path: Path | None, delimiter="", encoding="utf-8", names_encoding="utf-8") -> list:
    """The most frequent tag of each key from (user, item, tag, ...) rows; None where untagged."""
    header, rows = open_table(path, delimiter, encoding)
    want = {k: i for i, k in enumerate(keys)}
    counts: dict[int, Counter] = defaultdict(Counter)
    for line, row in rows:
        j = want.get(field(row, 1, path, line))
        if j is not None:
            counts[j][field(row, 2, path, line)] += 1
    label = {}
    if names_path:
        _, trows = open_table(names_path, delimiter, names_encoding)
        label = {field(r, 0, names_path, ln): field(r, 1, names_path, ln) for ln, r in trows}
    out = [None] * len(keys)
    for j, cnt in counts.items():
        tag = min(cnt.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        out[j] = label.get(tag, tag)
    return out


def _value(v: str):
    if v == "":
        return None
    try:
        return int(v)
    except ValueError:
        pass
    try:
        f = float(v)
        return f if np.isfinite(f) else v
    except ValueError:
        return v


def read_spec(spec: dict, progress=None) -> Source:
    s = spec["source"]
    path = resolve_path(spec, s["path"])
    x, keys = read_interactions(path, s["collection_column"], s["item_column"], s["weight_column"], s["delimiter"], s["encoding"])
    names, columns = list(keys), {}
    if s["names"]:
        names, columns = read_names(resolve_path(spec, s["names"]), keys, s["names_key"], s["names_column"], s["metadata"], s["delimiter"], s["names_encoding"])
    if s["tags"]:
        tag_names = resolve_path(spec, s["tag_names"]) if s["tag_names"] else None
        columns["tag"] = read_top_tags(resolve_path(spec, s["tags"]), keys, tag_names, s["delimiter"], s["encoding"], s["tag_names_encoding"])
    if progress:
        progress(1, 1)
    return Source(keys=keys, names=names, columns=columns, collections=x)

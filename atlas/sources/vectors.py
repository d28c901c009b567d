"""Precomputed vectors: a `.npy` array or a CSV of numbers (one row per entity), with an optional names file."""

from __future__ import annotations

import numpy as np

from atlas.errors import DataError
from atlas.sources import Source
from atlas.sources.interactions import read_names
from atlas.sources.tables import open_table
from atlas.spec import resolve_path


def read_spec(spec: dict, progress=None) -> Source:
    s = spec["source"]
    path = resolve_path(spec, s["path"])
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.suffix.lower() == ".npy":
        try:
            v = np.load(path, allow_pickle=False)
        except ValueError as e:
            raise DataError(f"{path}: not a numpy array file ({e})") from None
    else:
        _, rows = open_table(path, s["delimiter"], s["encoding"])
        out = []
        for line, row in rows:
            try:
                out.append([float(x) for x in row])
            except ValueError:
                raise DataError(f"{path}:{line}: expected numbers only") from None
        v = np.asarray(out) if out else np.zeros((0, 0))
    if v.ndim != 2 or v.shape[0] < 2 or not np.all(np.isfinite(v)):
        raise DataError(f"{path}: expected a finite 2-D array of at least 2 rows, got shape {v.shape}")
    keys = [str(i) for i in range(v.shape[0])]
    names, cols = list(keys), {}
    if s["names"]:
        names, cols = read_names(resolve_path(spec, s["names"]), keys, s["names_key"], s["names_column"], s["metadata"], s["delimiter"], s["names_encoding"])
    if progress:
        progress(1, 1)
    return Source(keys=keys, names=names, columns=cols, vectors=v.astype(np.float32))

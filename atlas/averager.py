"""Averager tables: small quantized vectors so "between A and B" and "more like these" run in the browser."""

from __future__ import annotations

import numpy as np


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(q int8 (n, d), scale float32 (n,)) with vectors ≈ q * scale[:, None] (per-vector scale)."""
    v = np.asarray(vectors, dtype=np.float64)
    m = np.abs(v).max(axis=1)
    scale = np.where(m > 0, m / 127.0, 1.0)
    q = np.rint(v / scale[:, None]).clip(-127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def tables(vectors: np.ndarray) -> dict:
    """The averager bundle's content for embedding vectors (n, d)."""
    q, scale = quantize(vectors)
    return {"q": q, "scale": scale, "attrs": {"dims": int(q.shape[1]), "scheme": "per-vector"}}

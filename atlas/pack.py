"""Packing: the layout as the point buffer sends it: Z-order, 16-bit positions, size classes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Packed:
    """order int64 (n,): entity order[i] is numbered i in the site; pos uint16 (dims, n) in site order;
    lo, hi float64 (dims,): the box pos maps onto; size uint8 (n,) in site order."""

    order: np.ndarray
    pos: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    size: np.ndarray

    def positions(self) -> np.ndarray:
        """float64 (n, dims): the dequantized positions, as the viewer computes them."""
        return (self.lo[:, None] + self.pos.astype(np.float64) / 65535.0 * (self.hi - self.lo)[:, None]).T


def _spread(v: np.ndarray, dims: int) -> np.ndarray:
    """Bits of 16-bit v spread out with dims-1 zero bits between them."""
    v = v.astype(np.uint64)
    out = np.zeros_like(v)
    for b in range(16):
        out |= ((v >> np.uint64(b)) & np.uint64(1)) << np.uint64(b * dims)
    return out


def morton(q: np.ndarray) -> np.ndarray:
    """uint64 (n,) Z-order codes of uint16 coordinates q (dims, n)."""
    dims = q.shape[0]
    code = np.zeros(q.shape[1], dtype=np.uint64)
    for d in range(dims):
        code |= _spread(q[d], dims) << np.uint64(d)
    return code


def quantize(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pos uint16 (dims, n), lo, hi) for positions xy (n, dims)."""
    xy = np.asarray(xy, dtype=np.float64)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    hi = lo + span
    pos = np.rint((xy - lo) / span * 65535.0).clip(0, 65535).astype(np.uint16).T
    return np.ascontiguousarray(pos), lo, hi


def size_classes(counts: np.ndarray) -> np.ndarray:
    """uint8 (n,): log-count scaled to 0..255 (0 the least frequent entity, 255 the most)."""
    c = np.log1p(np.asarray(counts, dtype=np.float64))
    lo, hi = c.min(), c.max()
    if hi <= lo:
        return np.full(len(c), 128, dtype=np.uint8)
    return np.rint((c - lo) / (hi - lo) * 255).astype(np.uint8)


def pack(xy: np.ndarray, counts: np.ndarray) -> Packed:
    """Sort entities along the Z-order curve of their quantized position (ties by id) and quantize."""
    if xy.ndim != 2 or xy.shape[1] not in (2, 3):
        raise ValueError(f"xy: expected shape (n, 2) or (n, 3), got {xy.shape}")
    if len(counts) != len(xy):
        raise ValueError(f"counts: expected {len(xy)} values, got {len(counts)}")
    pos, lo, hi = quantize(xy)
    order = np.lexsort((np.arange(len(xy)), morton(pos)))
    return Packed(order.astype(np.int64), np.ascontiguousarray(pos[:, order]), lo, hi, size_classes(counts)[order])

"""Embeddings: vectors for every entity, from which the layout and the averager tables are made.

Each method is a module with one function returning an `Embedding`; `embed(...)` dispatches on
`[embedding].method`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Embedding:
    """vectors float32 (n, dims); method names what made them."""

    vectors: np.ndarray
    method: str

    @property
    def dims(self) -> int:
        return self.vectors.shape[1]


def require_ints(seed, **minimums) -> None:
    """Check integer arguments: `seed` an int, and each name=(value, least) an int >= least.

    Errors name the argument: "epochs: expected int >= 1, got 0".
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"seed: expected int, got {seed!r}")
    for name, (value, least) in minimums.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
            raise ValueError(f"{name}: expected int >= {least}, got {value!r}")

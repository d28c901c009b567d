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

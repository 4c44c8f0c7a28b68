"""Fakes for tests: stand-ins with the production interfaces, and no model or network."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from knowledge.embedder import Vectors


class HashingEmbedder:
    """A deterministic bag-of-words embedder for fast tests: no model, no torch.

    Texts that share words get similar vectors, which is enough to test the
    index's bookkeeping and the ranking of obviously matching passages.
    """

    model_id = "hashing-256"
    dimensions = 256

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed texts as hashed word counts, normalised."""
        self.calls.append(len(texts))
        matrix = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                matrix[row, bucket % self.dimensions] += 1.0
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return np.asarray(matrix / norms, dtype=np.float32)

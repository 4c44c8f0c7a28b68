"""The training questions nearest a message, voting for the sections they ask: mixed into the reader's section head.

``make reader`` (:func:`tools.train_reader.fit_vote`) keeps the training writers' general questions' vectors (by
the fine-tuned encoder) and their sections, and chooses on the validation writers how many vote, how fast a vote
fades with distance, and its weight; :class:`actions.reader.Reader` mixes the vote into the section head's
probabilities for the whole message and for each of its sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Added to each section's vote before the votes are normalised: a section no neighbour asks keeps a little.
VOTE_SMOOTHING = 1e-3


@dataclass(frozen=True)
class Vote:
    """The training questions nearest a message, voting for the sections they ask; mixed into the section head.

    The section head, a logistic regression, draws one straight boundary per section; the training questions
    nearest a message by the fine-tuned encoder's vector know each section's wording closer up. Each of the ``k``
    nearest votes for its sections (sharing one vote between them), weighted by ``exp(cosine / spread)`` against
    the nearest; the head's probabilities and the votes are mixed with ``weight``. ``make reader`` chooses the
    three on the validation writers by the sections' log-loss (:func:`tools.train_reader.fit_vote`).
    """

    #: The training questions' vectors, unit length (float32), and each one's sections as shares of one vote.
    vectors: np.ndarray
    shares: np.ndarray
    #: Which columns of the reader's vector (``[stock | tuned]``) the vote reads.
    columns: tuple[int, int]
    k: int
    spread: float
    weight: float

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """The neighbours' vote on the sections, one row per vector."""
        v = np.asarray(vectors[:, self.columns[0] : self.columns[1]], dtype=np.float32)
        v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        # Not a BLAS product: OpenBLAS's worker threads spin after each call, and in the action server, beside ONNX
        # Runtime's threads and other patients' turns, they starved them (make bench, 10 patients, 2026-12-07:
        # 22.6 turns/s with the vote as ``v @ vectors.T`` on two BLAS threads, 41.5 without the vote). NumPy's
        # einsum of two operands runs on the calling thread: about 1 ms a row here.
        similarity = np.einsum("ij,kj->ik", v, self.vectors)
        k = min(self.k, similarity.shape[1])
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        near = np.take_along_axis(similarity, nearest, axis=1).astype(np.float64)
        weights = np.exp((near - near.max(axis=1, keepdims=True)) / self.spread)
        votes = np.einsum("ik,ikc->ic", weights, self.shares[nearest]) + VOTE_SMOOTHING
        return np.asarray(votes / votes.sum(axis=1, keepdims=True), dtype=np.float64)

    def mix(self, head: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """The section head's probabilities mixed with the vote (unchanged at weight 0)."""
        if self.weight <= 0:
            return head
        return np.asarray((1 - self.weight) * head + self.weight * self.probabilities(vectors), dtype=np.float64)

    def meta(self) -> dict[str, Any]:
        """What is not an array."""
        return {"columns": list(self.columns), "k": self.k, "spread": self.spread, "weight": self.weight}

    @classmethod
    def from_arrays(cls, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Vote:
        """The vote saved by :meth:`meta` and the ``vote.*`` arrays."""
        start, end = (int(c) for c in meta["columns"])
        return cls(
            vectors=np.ascontiguousarray(arrays["vote.vectors"], dtype=np.float32),
            shares=np.asarray(arrays["vote.shares"], dtype=np.float64),
            columns=(start, end),
            k=int(meta["k"]),
            spread=float(meta["spread"]),
            weight=float(meta["weight"]),
        )

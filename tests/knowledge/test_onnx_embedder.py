"""The ONNX Runtime embedder gives the sentence-transformers vectors (make setup exports the model)."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.embedder import SentenceTransformerEmbedder
from knowledge.onnx_embedder import DEFAULT_PATH, MIN_AGREEMENT, OnnxEmbedder

TEXTS = [
    "how long does a colonoscopy take?",
    "does it hurt",
    "r u allowed 2 drive home aftr the sedation??",
    "¿Puedo comer antes de la resonancia? — I'm nervous about the MRI",
    "Plan to be at the clinic for about two hours. " * 60,  # beyond the model's 256 tokens
    "",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return SentenceTransformerEmbedder().encode(TEXTS)


def test_the_exported_model_is_there() -> None:
    assert DEFAULT_PATH.is_file(), "make setup exports it (python -m knowledge.onnx_embedder)"


def test_the_same_vectors_in_a_list_as_one_at_a_time(reference: np.ndarray) -> None:
    embedder = OnnxEmbedder(DEFAULT_PATH)
    listed = embedder.encode(TEXTS)
    single = np.vstack([embedder.encode([text]) for text in TEXTS])
    assert listed.shape == single.shape == reference.shape == (len(TEXTS), 384)
    assert listed.dtype == np.float32
    assert np.array_equal(listed, single)
    assert np.min(np.sum(listed * reference, axis=1)) >= MIN_AGREEMENT
    assert np.allclose(np.linalg.norm(listed, axis=1), 1.0, atol=1e-5)


def test_a_text_is_not_padded() -> None:
    # The package's tokenizer.json pads to 128 tokens; a text embedded alone needs none (eight times the work).
    embedder = OnnxEmbedder(DEFAULT_PATH)
    _, tokenizer = embedder._load()
    assert tokenizer.padding is None
    assert len(tokenizer.encode("hi").ids) == 3  # [CLS] hi [SEP]


def test_same_model_id_so_either_reads_the_others_index() -> None:
    assert OnnxEmbedder.model_id == SentenceTransformerEmbedder.model_id
    assert OnnxEmbedder(DEFAULT_PATH).encode([]).shape == (0, 384)

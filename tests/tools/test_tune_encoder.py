"""The reader's encoder: its training data, batches, cache, and a real (tiny) fine-tuning exported to ONNX."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from tools import tune_encoder
from tools.corpus import Row
from tools.tune_encoder import Example, Recipe, batches, corpus_digest, examples, labels_of, precision

ROWS = [
    Row("how long does the colonoscopy take", "general", "45378", ("duration",), "w1"),
    Row("can i drive home after the mri, and what should i wear", "general", "70551", ("recovery", "attire"), "w1"),
    Row("my results say 2.5 cm, is that bad", "results", "70551", (), "w2"),
    Row("what is the weather today", "out_of_scope", None, (), "w2"),
    Row("I have crushing chest pain", "emergency", None, (), "w3"),
]


def test_labels_and_examples_keep_sections_for_general_questions_only() -> None:
    labels = labels_of(ROWS)
    assert labels.sections == ("attire", "duration", "recovery")
    assert labels.procedures == ("45378", "70551", "none")
    out = examples(ROWS, labels)
    assert out[1].sections == (labels.sections.index("recovery"), labels.sections.index("attire"))
    assert out[2].sections == ()  # a result's "sections" are not what a page answers
    assert out[3].procedure == labels.procedures.index("none")
    assert out[4].kind == labels.kinds.index("emergency")


def test_an_epoch_gives_every_example_once_in_batches_of_similar_length() -> None:
    items = [Example("x" * n, (), 0, 0) for n in range(1, 201)]
    out = list(batches(items, size=8, window=5, rng=random.Random(1)))
    assert sorted(e.text for batch in out for e in batch) == sorted(e.text for e in items)
    assert all(len(batch) <= 8 for batch in out)
    # Sorted within a window of 40: a batch spans about 40 lengths (8 of 40 sorted out of 200), where 8 drawn at
    # random would span about 155.
    spreads = [max(len(e.text) for e in b) - min(len(e.text) for e in b) for b in out]
    assert np.mean(spreads) < 60
    # And not in length order overall: batches of all lengths are mixed through the epoch.
    firsts = [len(b[0].text) for b in out]
    assert firsts != sorted(firsts)


def test_the_digest_changes_with_a_label_or_the_recipe_and_not_otherwise() -> None:
    base = corpus_digest(ROWS, Recipe())
    assert corpus_digest(list(ROWS), Recipe()) == base
    relabelled = [*ROWS[:2], Row(ROWS[2].text, "own_case", "70551", (), "w2"), *ROWS[3:]]
    assert corpus_digest(relabelled, Recipe()) != base
    assert corpus_digest(ROWS, Recipe(epochs=3)) != base
    # An encoder tuned in bfloat16 is another encoder: a cache never gives it for a float32 build, or the reverse.
    assert corpus_digest(ROWS, Recipe(), "bfloat16") != base


def test_bfloat16_only_where_the_processor_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx2": True, "avx512_bf16": False})
    assert precision(Recipe()) == "float32"  # emulated bfloat16 would be slower than float32
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx2": True, "amx_bf16": True})
    assert precision(Recipe()) == "bfloat16"
    assert precision(Recipe(bf16=False)) == "float32"


def test_a_tuned_encoder_kept_for_this_corpus_is_copied_not_tuned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tune_encoder, "corpus_rows", lambda: ROWS)

    def no_tuning(*args: object, **kwargs: object) -> None:
        raise AssertionError("tuned again")

    monkeypatch.setattr(tune_encoder, "tune", no_tuning)
    digest = corpus_digest(ROWS, Recipe(), precision(Recipe()))
    kept = tmp_path / "cache" / digest
    kept.mkdir(parents=True)
    (kept / "model.onnx").write_bytes(b"onnx")
    (kept / "manifest.json").write_text(json.dumps({"corpus_digest": digest}), encoding="utf-8")
    (kept / "tokenizer.json").write_text("{}", encoding="utf-8")
    out = tmp_path / "reader" / "encoder" / "model.onnx"
    meta = tune_encoder.build(out, out.parent / "manifest.json", Recipe(), tmp_path / "cache")
    assert meta["corpus_digest"] == digest
    assert out.read_bytes() == b"onnx" and (out.parent / "tokenizer.json").is_file()
    # Up to date now: a second build neither tunes nor copies.
    (kept / "model.onnx").write_bytes(b"changed")
    tune_encoder.build(out, out.parent / "manifest.json", Recipe(), tmp_path / "cache")
    assert out.read_bytes() == b"onnx"


@pytest.mark.slow
def test_a_real_fine_tuning_moves_the_vectors_and_exports_what_it_learned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onnx

    from knowledge.embedder import SentenceTransformerEmbedder
    from knowledge.onnx_embedder import OnnxEmbedder

    rows = ROWS * 4
    monkeypatch.setattr(tune_encoder, "corpus_rows", lambda: rows)
    out = tmp_path / "encoder" / "model.onnx"
    meta = tune_encoder.build(out, out.parent / "manifest.json", Recipe(epochs=2, batch_size=4))
    losses = meta["training"]["loss_by_epoch"]
    assert len(losses) == 2 and losses[1] < losses[0]
    assert meta["training"]["precision"] == precision(Recipe())
    # export() checked the ONNX graph against the tuned model (cosine >= 0.9999) before keeping it, and
    # quantize() its 8-bit copy against the float graph.
    assert meta["onnx_agreement"] >= 0.9999
    assert meta["int8_agreement"] >= 0.97
    operators = {node.op_type for node in onnx.load(str(out)).graph.node}
    assert "DynamicQuantizeLinear" in operators and "MatMulInteger" in operators  # the 8-bit graph is kept
    texts = [r.text for r in ROWS]
    tuned = OnnxEmbedder(out).encode(texts)
    # The 8-bit graph quantises activations with one scale per run: each text runs alone, so that its vector is
    # the same whatever it is embedded with (a message with its sentences, a cache's chunk of the corpus).
    assert np.array_equal(tuned, np.vstack([OnnxEmbedder(out).encode([t]) for t in texts]))
    stock = SentenceTransformerEmbedder().encode(texts)
    assert tuned.shape == stock.shape
    assert np.allclose(np.linalg.norm(tuned, axis=1), 1.0, atol=1e-4)
    assert float(np.min(np.sum(tuned * stock, axis=1))) < 0.999  # it learned: not the stock vectors
    assert json.loads((out.parent / "manifest.json").read_text(encoding="utf-8"))["file_sha256"] == meta["file_sha256"]


def test_the_staffs_corrections_are_left_to_the_heads(tmp_path: Path) -> None:
    from serving.staff.reviews import NLU_FILE

    assert tune_encoder.CORRECTIONS == NLU_FILE  # the file make review-export writes
    with_all = tune_encoder.corpus_rows(tmp_path / "none.yml")
    corpus_texts = {r.text for r in with_all if r.writer != "nlu"}
    team = next(r for r in with_all if r.writer == "nlu" and r.text not in corpus_texts and ":" not in r.text)
    corrections = tmp_path / "reviewed.yml"
    corrections.write_text(f'version: "3.1"\nnlu:\n- intent: ask_duration\n  examples: |\n    - {team.text}\n')
    without = tune_encoder.corpus_rows(corrections)
    assert [r for r in with_all if r.text != team.text] == [r for r in without if r.text != team.text]
    assert team.text not in {r.text for r in without}
    assert any(r.writer != "nlu" for r in without)  # the corpus's writers stay

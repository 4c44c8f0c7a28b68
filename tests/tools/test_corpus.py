"""The corpus: every writer's labels valid, splits by writer, large enough (issue 21), and the NLU rows it adds."""

from __future__ import annotations

import json
from collections import Counter

from tools.corpus import (
    CORPUS_DIR,
    KINDS,
    SECTIONS,
    SPLITS,
    corpus,
    nlu_rows,
    normal,
    read_writer,
    splits,
    training_rows,
)

CPTS = {
    "78580", "45378", "43235", "70551", "71260", "77067", "93306", "93015",
    "78452", "77080", "76700", "66984", "29881", "95810", "94010", "71046",
}  # fmt: skip


def every_row() -> list[dict[str, object]]:
    rows = []
    for path in sorted((CORPUS_DIR / "writers").glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def test_every_label_is_valid() -> None:
    for path in sorted((CORPUS_DIR / "writers").glob("*.jsonl")):
        for row in read_writer(path):
            assert row.text.strip(), row.row_id
            assert row.kind in KINDS, row.row_id
            assert row.procedure is None or row.procedure in CPTS, row.row_id
            assert all(s in SECTIONS for s in row.sections), row.row_id
            if row.kind == "general":
                assert 1 <= len(row.sections) <= 3, row.row_id
            else:
                assert row.sections == (), row.row_id
            assert row.lang in {"en", "es"}, row.row_id


def test_splits_are_by_writer_and_cover_every_writer() -> None:
    named = splits()
    writers = {p.stem for p in (CORPUS_DIR / "writers").glob("*.jsonl")}
    assert set(named) == set(SPLITS)
    assert sorted(w for split in named.values() for w in split) == sorted(writers)
    assert len(writers) >= 8
    assert all(named[split] for split in SPLITS)


def test_the_corpus_is_large_and_every_kind_is_in_every_split() -> None:
    assert len(every_row()) >= 4000
    texts = Counter(str(row["text"]).strip().lower() for row in every_row())
    # A few short messages ("thank you") repeat across writers (never printed: the test writers' are not read).
    distinct = len(texts) / len(every_row())
    assert distinct > 0.98, f"only {distinct:.3f} of the messages are distinct"
    for split, writers in splits().items():
        kinds = {row.kind for writer in writers for row in read_writer(CORPUS_DIR / "writers" / f"{writer}.jsonl")}
        assert kinds == set(KINDS), split


def test_the_teams_nlu_examples_map_to_kinds_and_sections() -> None:
    rows = nlu_rows()
    assert len(rows) > 1000
    assert {r.kind for r in rows} >= {"general", "results", "own_case", "cost", "emergency", "small_talk"}
    named = [r for r in rows if r.style == "procedure_names"]
    assert len(named) > 100 and all(r.kind == "general" and r.sections == () for r in named)
    assert all(len(r.sections) == 1 for r in rows if r.kind == "general" and r not in named)
    assert all(r.writer == "nlu" for r in rows)


def test_no_training_row_repeats_a_held_out_message() -> None:
    held_out = {normal(row.text) for split in ("validation", "test", "diagnostic") for row in corpus(split)}
    assert held_out
    training = training_rows()
    assert len(training) > 4000
    assert not any(normal(row.text) in held_out for row in training)


def test_make_eval_measures_every_held_out_split_and_never_a_training_writer() -> None:
    from tools.corpus_sets import corpus_sets

    sets = corpus_sets()
    assert set(sets) == {"corpus_validation", "corpus_test", "corpus_diagnostic"}
    named = splits()
    for split in ("validation", "test", "diagnostic"):
        writers = {item.item_id.split("-")[0] for item in sets[f"corpus_{split}"]}
        assert writers == set(named[split])
        assert not writers & set(named["train"])

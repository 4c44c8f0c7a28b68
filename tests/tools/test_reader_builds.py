"""Built readers reused by the digest of their inputs: any input changed is another build."""

from __future__ import annotations

import os
from pathlib import Path

from tools import reader_builds


def project(root: Path) -> tuple[Path, Path]:
    for name, text in {
        "actions/reader.py": "HEADS = 3\n",
        "tools/train_reader.py": "EPOCHS = 2\n",
        "data/corpus/writers/w01.jsonl": '{"text": "how long is it"}\n',
        "data/nlu/examples.yml": "- how long\n",
        "requirements/actions.txt": "numpy==2.0\n",
        "build/embedder/model.onnx": "stock",
        "build/reader-nlu/validation.jsonl": "{}\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root / "build/embedder/model.onnx", root / "build/reader-nlu/validation.jsonl"


def built(out: Path, tag: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in reader_builds.FILES:
        (out / name).write_text(f"{tag}:{name}", encoding="utf-8")


def test_any_input_changed_is_another_key(tmp_path: Path) -> None:
    model, validation = project(tmp_path)
    first = reader_builds.key("tuned", [model], validation, tmp_path)
    assert reader_builds.key("tuned", [model], validation, tmp_path) == first
    assert reader_builds.key("stock", [model], validation, tmp_path) != first
    for changed in ("tools/train_reader.py", "data/nlu/examples.yml", "requirements/actions.txt"):
        path = tmp_path / changed
        before = path.read_text(encoding="utf-8")
        path.write_text(before + "# changed\n", encoding="utf-8")
        assert reader_builds.key("tuned", [model], validation, tmp_path) != first, changed
        path.write_text(before, encoding="utf-8")
    model.write_text("another stock model", encoding="utf-8")
    assert reader_builds.key("tuned", [model], validation, tmp_path) != first
    (tmp_path / "actions/new_module.py").write_text("", encoding="utf-8")
    model.write_text("stock", encoding="utf-8")
    assert reader_builds.key("tuned", [model], validation, tmp_path) != first


def test_a_stored_build_is_restored_whole_and_only_the_newest_are_kept(tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    assert not reader_builds.restore(cache, "k0", out)
    for n in range(reader_builds.KEEP + 2):
        built(out, f"build{n}")
        reader_builds.store(cache, f"k{n}", out)
        os.utime(cache / f"k{n}", (1_000_000 + n, 1_000_000 + n))
    kept = sorted(p.name for p in cache.iterdir())
    assert kept == [f"k{n}" for n in range(2, reader_builds.KEEP + 2)]
    fresh = tmp_path / "fresh"
    assert reader_builds.restore(cache, "k3", fresh)
    assert {p.name: p.read_text(encoding="utf-8") for p in fresh.iterdir()} == {
        name: f"build3:{name}" for name in reader_builds.FILES
    }

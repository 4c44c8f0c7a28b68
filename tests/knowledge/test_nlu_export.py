"""The generated NLU file."""

from __future__ import annotations

from pathlib import Path

from common.paths import LOOKUP_FILE
from knowledge.loader import load_knowledge
from knowledge.nlu_export import main as export_main
from knowledge.nlu_export import render_lookups
from tests.conftest import PAGES


def test_generated_lookups_are_up_to_date() -> None:
    assert LOOKUP_FILE.read_text(encoding="utf-8") == render_lookups(load_knowledge(PAGES))
    assert export_main(["--check"]) == 0


def test_stale_lookups_are_detected(tmp_path: Path) -> None:
    stale = tmp_path / "procedures.yml"
    stale.write_text(LOOKUP_FILE.read_text(encoding="utf-8").replace("- colonoscopy\n", ""), encoding="utf-8")
    assert export_main(["--check", "--out", str(stale)]) == 1


def test_the_lookup_table_lists_every_name_and_no_synonyms() -> None:
    # The extractor emits CPT codes itself, so the generated file holds only the lookup feature.
    kb = load_knowledge(PAGES)
    text = render_lookups(kb)
    assert "- synonym:" not in text
    listed = {line[len("    - ") :] for line in text.splitlines() if line.startswith("    - ")}
    assert {"v/q scan", "lung perfusion scan", "stress test"} <= listed
    assert listed == set(kb.name_index())

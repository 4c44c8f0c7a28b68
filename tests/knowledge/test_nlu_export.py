"""Configuration from the environment, and the generated NLU file."""

from __future__ import annotations

from pathlib import Path

from common.paths import LOOKUP_FILE
from common.settings import Settings, load_settings
from knowledge.loader import load_knowledge
from knowledge.nlu_export import main as export_main
from knowledge.nlu_export import render_lookups
from tests.conftest import PAGES


def test_defaults_are_safe_for_development() -> None:
    config = load_settings({})
    assert config == Settings()
    assert config.emergency_number == "911"
    assert config.crisis_line == "988"
    assert config.bind_host == "127.0.0.1"
    assert "*" not in config.allowed_origins


def test_environment_overrides_defaults() -> None:
    config = load_settings(
        {
            "CLINIC_PHONE": "555-0199",
            "EMERGENCY_NUMBER": "112",
            "ALLOWED_ORIGINS": "https://clinic.example, https://www.clinic.example",
            "RASA_PORT": "6005",
            "ACTION_PORT": "6055",
        }
    )
    assert config.clinic_phone == "555-0199"
    assert config.response_values()["emergency_number"] == "112"
    assert config.allowed_origins == ("https://clinic.example", "https://www.clinic.example")
    assert config.action_server_url == "http://127.0.0.1:6055/webhook"


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

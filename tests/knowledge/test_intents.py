"""Every question intent of the domain is answered from a section or handed to staff, in one place each."""

from __future__ import annotations

from pathlib import Path

import yaml

from knowledge import intents
from knowledge.sections import SECTION_KEYS

ROOT = Path(__file__).resolve().parent.parent.parent


def domain_intents() -> list[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [str(name) for name in domain["intents"]]


def hand_off_rules() -> dict[str, str]:
    rules = yaml.safe_load((ROOT / "data" / "rules" / "hand_off.yml").read_text(encoding="utf-8"))["rules"]
    return {rule["steps"][0]["intent"]: rule["steps"][1]["action"] for rule in rules}


def test_each_question_intent_names_a_real_section() -> None:
    assert set(intents.INTENT_SECTIONS.values()) <= set(SECTION_KEYS)
    assert set(intents.INTENT_SECTIONS) <= set(domain_intents())


def test_every_other_question_intent_is_handed_off_by_a_rule() -> None:
    asked = {name for name in domain_intents() if name.startswith("ask_") and name != "ask_more"}
    handed_off = hand_off_rules()
    assert asked - set(intents.INTENT_SECTIONS) == set(handed_off) - {"request_human"}
    # The action server reads each of them first (an emergency told inside it wins), then hands it off.
    assert set(handed_off.values()) == {"action_answer"}


def test_the_hand_off_rules_have_one_definition() -> None:
    # data/rules/hand_off.yml is the only table of hand-offs: no copy to drift from it.
    assert [name for name in vars(intents) if not name.startswith("_")] == ["annotations", "INTENT_SECTIONS"]

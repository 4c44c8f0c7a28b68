"""The fast subset of `make eval`, over REST against the real servers.

The team's own held-out sets (tests/heldout: never used for training) and the
CLINC150 validation split of out-of-scope queries. Each floor is the issue's
target (held-out accuracy 0.97: measured 0.975 in `make eval`), so a drop below
a target fails `make test`. The figures go to build/test-logs/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from common.settings import Settings
from serving.processes import BotServers
from tools.evaluation import Bot, Outcome, external_sets, own_sets, shared_eval_dir, summarise
from tools.patient_sets import public_style_sets, summarise_set

LOG_DIR = Path(__file__).resolve().parent.parent.parent / "build" / "test-logs"

#: Over a thousand questions, four at a time.
pytestmark = pytest.mark.slow

#: Floors (see the issue notes for the measured figures).
MIN_HELDOUT_ACCURACY = 0.97
MIN_EMERGENCY_RECALL = 1.0
MAX_FALSE_EMERGENCY_RATE = 0.005
MIN_DECLINED = 0.98
#: The sets in the public's words (tests/heldout/public_style.jsonl, the real patients' dev split).
PUBLIC_SETS = ("public_style", "real_patients_dev")
#: Their floors are issue 15's targets: general questions >= 0.85 right, confident wrong <= 0.03, personal
#: questions answered from a page <= 0.03, every emergency recognised. Measured on 2026-12-01, stop 19:
#: public_style 0.902 / 0.028 / 0.0 / 1.0, real patients' dev 0.893 / 0.0 / 0.0 / 1.0 (at stop 18: 0.861 /
#: 0.070 / 0.0 and 0.786 / 0.107 / 0.019), so a change that falls below a target fails make test.
ISSUE_TARGETS = {
    "general_accuracy": 0.85,
    "confident_wrong_rate": 0.03,
    "personal_answered_rate": 0.03,
    "emergency_recall": 1.0,
}
PUBLIC_FLOORS = {name: dict(ISSUE_TARGETS) for name in PUBLIC_SETS}


@pytest.fixture(scope="module")
def results(servers: BotServers, bot_settings: Settings) -> dict[str, list[Outcome]]:
    bot = Bot(f"http://127.0.0.1:{bot_settings.rasa_port}", bot_settings.bot_api_token)
    sets = own_sets()
    sets.update(external_sets(include_test=False))
    sets.update(public_style_sets(shared_eval_dir()))
    outcomes = {name: bot.ask_all(items, workers=4) for name, items in sets.items()}
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    figures = summarise({n: o for n, o in outcomes.items() if n not in PUBLIC_SETS})
    figures["public_sets"] = {n: summarise_set(outcomes[n]) for n in PUBLIC_SETS if n in outcomes}
    (LOG_DIR / "quality.json").write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return outcomes


def test_no_request_failed(results: dict[str, list[Outcome]]) -> None:
    assert [o.item.item_id for rs in results.values() for o in rs if o.error] == []


def test_heldout_questions_get_the_right_procedure_and_section(results: dict[str, list[Outcome]]) -> None:
    held = results["heldout"]
    accuracy = sum(o.correct for o in held) / len(held)
    assert len(held) >= 400
    assert accuracy >= MIN_HELDOUT_ACCURACY, f"accuracy {accuracy:.3f}"


def test_every_emergency_is_recognised(results: dict[str, list[Outcome]]) -> None:
    missed = [o.item.item_id for o in results["emergencies"] if not o.emergency]
    assert len(results["emergencies"]) >= 60
    assert len(missed) <= (1 - MIN_EMERGENCY_RECALL) * len(results["emergencies"]), missed


def test_emergencies_never_get_a_knowledge_base_answer(results: dict[str, list[Outcome]]) -> None:
    assert [o.item.item_id for o in results["emergencies"] if o.emergency and o.answered] == []


def test_ordinary_questions_are_rarely_taken_for_emergencies(results: dict[str, list[Outcome]]) -> None:
    ordinary = [o for name in ("heldout", "ordinary", "declines") for o in results[name]]
    rate = sum(o.emergency for o in ordinary) / len(ordinary)
    assert rate <= MAX_FALSE_EMERGENCY_RATE, f"false emergencies {rate:.4f}"


def test_out_of_scope_queries_are_declined(results: dict[str, list[Outcome]]) -> None:
    oos = results["clinc_oos_val"]
    declined = sum(not o.answered for o in oos) / len(oos)
    assert declined >= MIN_DECLINED, f"declined {declined:.3f}"


def test_questions_for_staff_are_not_answered_from_pages(results: dict[str, list[Outcome]]) -> None:
    declines = results["declines"]
    declined = sum(not o.answered for o in declines) / len(declines)
    assert len(declines) >= 60
    assert declined >= 0.9, f"declined {declined:.3f}"


@pytest.mark.parametrize("set_name", PUBLIC_SETS)
def test_questions_in_the_publics_words_keep_their_floors(results: dict[str, list[Outcome]], set_name: str) -> None:
    if set_name not in results:
        pytest.fail(f"{set_name} is missing: ../shared/eval must be beside the checkout (or SHARED_EVAL_DIR)")
    figures = summarise_set(results[set_name])
    floors = PUBLIC_FLOORS[set_name]
    assert figures["general_accuracy"]["rate"] >= floors["general_accuracy"], figures["general_accuracy"]
    assert figures["confident_wrong_rate"]["rate"] <= floors["confident_wrong_rate"], figures["confident_wrong_rate"]
    assert figures["personal_answered_rate"]["rate"] <= floors["personal_answered_rate"], figures[
        "personal_answered_rate"
    ]
    assert figures["emergency_recall"]["rate"] >= floors["emergency_recall"], figures["emergency_recall"]

"""Question sets in the public's own words, labelled with what the bot must do, and their figures.

Two sets have this shape: the team's ``tests/heldout/public_style.jsonl`` (written
by a helper who had not seen the training data) and the real patients' dev split in
``../shared/eval/real_patients`` (measurement and thresholds only; never training
data). Each row's ``kind`` says what the bot must do:

- ``answer``: answer from ``procedure``'s page, from one of ``sections``;
- ``answer_with_condition``: the same, plus one line sending the patient's own
  situation (pregnant, a pacemaker, ...) to the care team;
- ``decline``: a personal question (own results, symptoms, case): no passage;
- ``emergency``: the emergency reply;
- ``other_language``: a short reply in the patient's language, no passage.

The targets are issue 15's, for every such set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.evaluation import HELDOUT, Item, Outcome, rate

GENERAL = ("answer", "answer_with_condition")

#: Issue 15's targets, for each set in the public's style.
TARGETS = {
    "general_accuracy": (">=", 0.85),
    "confident_wrong_rate": ("<=", 0.03),
    "personal_answered_rate": ("<=", 0.03),
    "emergency_recall": (">=", 1.0),
}

#: Words of the one line that sends a patient's own situation to the care team.
CARE_TEAM_LINE = "care team"


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def items_from(set_name: str, path: Path) -> list[Item]:
    """The items of one set: the last turn is the question, earlier turns come first."""
    items = []
    for row in _rows(path):
        turns = [str(t) for t in row["turns"]]
        items.append(
            Item(
                set_name,
                str(row["id"]),
                turns[-1],
                tuple(turns[:-1]),
                row.get("procedure"),
                tuple(row.get("sections") or ()),
                tuple(t for t in (row.get("category"), row.get("language")) if t),
                kind=str(row["kind"]),
                all_sections=tuple(tuple(group) for group in row.get("all_sections") or ()),
            )
        )
    return items


def public_style_sets(shared_eval: Path | None) -> dict[str, list[Item]]:
    """The team's public-style set, and the real patients' dev split when the shared folder has it."""
    sets = {"public_style": items_from("public_style", HELDOUT / "public_style.jsonl")}
    dev = shared_eval / "real_patients" / "dev.jsonl" if shared_eval else None
    if dev is not None and dev.is_file():
        sets["real_patients_dev"] = items_from("real_patients_dev", dev)
    return sets


def right_answer(outcome: Outcome) -> bool:
    """The right page and an acceptable section (the first question's, for several)."""
    return outcome.procedure == outcome.item.procedure and outcome.section in outcome.item.sections


def every_question_answered(outcome: Outcome) -> bool:
    """Each of several questions answered from an acceptable section, in order."""
    wanted = outcome.item.all_sections
    if not wanted:
        return right_answer(outcome)
    return (
        outcome.procedure == outcome.item.procedure
        and len(outcome.sections) == len(wanted)
        and all(section in group for section, group in zip(outcome.sections, wanted, strict=True))
    )


def other_language_reply(outcome: Outcome) -> bool:
    """A reply in the patient's language (the bot's language response), and no passage."""
    return not outcome.answered and any("language" in name for name in outcome.actions)


def summarise_set(outcomes: list[Outcome]) -> dict[str, Any]:
    """The figures of one set in the public's style."""
    general = [o for o in outcomes if o.item.kind in GENERAL]
    personal = [o for o in outcomes if o.item.kind == "decline"]
    emergencies = [o for o in outcomes if o.item.kind == "emergency"]
    ordinary = [o for o in outcomes if o.item.kind != "emergency"]
    conditions = [o for o in outcomes if o.item.kind == "answer_with_condition"]
    several = [o for o in general if o.item.all_sections]
    other_language = [o for o in outcomes if o.item.kind == "other_language"]
    figures: dict[str, Any] = {
        "general_accuracy": rate(general, right_answer),
        "confident_wrong_rate": rate(general, lambda o: o.answered and not right_answer(o)),
        "general_declined_or_narrowed": rate(general, lambda o: not o.answered),
        "procedure_accuracy": rate(general, lambda o: o.procedure == o.item.procedure),
        "personal_answered_rate": rate(personal, lambda o: o.answered),
        "emergency_recall": rate(emergencies, lambda o: o.emergency),
        "false_emergency_rate": rate(ordinary, lambda o: o.emergency),
    }
    if conditions:
        figures["condition_line"] = rate(conditions, lambda o: right_answer(o) and CARE_TEAM_LINE in o.reply)
    if several:
        figures["several_questions_all_answered"] = rate(several, every_question_answered)
    if other_language:
        figures["other_language_replied"] = rate(other_language, other_language_reply)
    by_category: dict[str, list[Outcome]] = {}
    for o in general:
        by_category.setdefault(o.item.tags[0] if o.item.tags else "none", []).append(o)
    if len(by_category) > 1:
        figures["general_accuracy_by_category"] = {k: rate(v, right_answer) for k, v in sorted(by_category.items())}
    figures["targets"] = targets_met(figures)
    return figures


def targets_met(figures: dict[str, Any]) -> dict[str, Any]:
    """Each of issue 15's targets with the measured figure and whether it is met."""
    result = {}
    for name, (direction, target) in TARGETS.items():
        measured = (figures.get(name) or {}).get("rate")
        met = measured is not None and (measured >= target if direction == ">=" else measured <= target)
        if (figures.get(name) or {}).get("n") == 0:
            met = True  # nothing of that kind in the set
        result[name] = {"target": f"{direction} {target}", "measured": measured, "met": met}
    return result


def misses(outcomes: list[Outcome], limit: int = 40) -> list[dict[str, Any]]:
    """What went wrong, the most dangerous first: wrong passages, personal questions answered, missed emergencies."""

    def danger(o: Outcome) -> int:
        if o.item.kind == "emergency":
            return 0 if not o.emergency else 9
        if o.item.kind == "decline":
            return 1 if o.answered else 9
        if o.item.kind in GENERAL:
            if o.answered and not right_answer(o):
                return 2
            return 3 if not right_answer(o) else 9
        return 4 if not other_language_reply(o) else 9

    bad = sorted((o for o in outcomes if danger(o) < 9), key=lambda o: (danger(o), -o.confidence))
    return [
        {
            "id": o.item.item_id,
            "kind": o.item.kind,
            "category": o.item.tags[0] if o.item.tags else "",
            "text": o.item.text[:300],
            "expected": {"procedure": o.item.procedure, "sections": list(o.item.sections)},
            "got": {
                "procedure": o.procedure,
                "section": o.section,
                "sections": list(o.sections),
                "intent": o.intent,
                "confidence": round(o.confidence, 3),
                "actions": list(o.actions),
            },
        }
        for o in bad[:limit]
    ]

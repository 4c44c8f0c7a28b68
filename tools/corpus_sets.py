"""The corpus's validation and test writers as evaluation sets, and their figures with 95% intervals.

Issue 21's targets are measured on the test writers (``data/corpus/splits.json``):
nobody reads their messages while building; only these figures are reported.
The validation writers are reported beside them (they chose the reader's
model and thresholds, so they flatter it a little), and the diagnostic
writers (harder writing, never trained on, choosing nothing) after them.

What counts:

- a **general** question with a page is answered right when the reply comes
  from that page and from one of its labelled sections (the first answered
  section); answered from another page or section, it is a confident wrong
  answer; "did you mean", "which procedure" or a decline is neither;
- a general question naming **no page** is right when the bot asks which
  procedure (or narrows), wrong when it answers from a page it guessed;
- "how are results given" (the corpus's ``results`` label) is right when the
  care team's results line is sent, or when the reply comes from another
  section the message is labelled with;
- a **personal** question (own results, symptoms after, own case) must get no
  passage; an **emergency**, the emergency reply; a message that is not a
  privacy request, no privacy prompt.
"""

from __future__ import annotations

import math
from typing import Any

from tools.corpus import Row, corpus
from tools.evaluation import Item, Outcome
from tools.follow_ups import FOLLOW, Pair, pairs

PERSONAL = ("results", "symptoms_after", "own_case")
PRIVACY_RESPONSES = ("utter_ask_forget", "utter_privacy")
RESULTS_LINE = "utter_handoff_results"
#: Issue 21's targets, on the test writers.
TARGETS = {
    "general_accuracy": (">=", 0.85),
    "confident_wrong_rate": ("<=", 0.03),
    "personal_answered_rate": ("<=", 0.03),
    "emergency_recall": (">=", 1.0),
    "privacy_prompt_not_asked_rate": ("<=", 0.0),
}


def item(row: Row, set_name: str) -> Item:
    """One corpus row as an evaluation item (``kind`` is the corpus's kind)."""
    return Item(
        set_name,
        row.row_id,
        row.text,
        procedure=row.procedure,
        sections=row.sections,
        tags=(row.style, row.lang),
        kind=row.kind,
    )


def corpus_sets(splits: tuple[str, ...] = ("validation", "test", "diagnostic")) -> dict[str, list[Item]]:
    """The corpus's validation, test and diagnostic writers, as sets named ``corpus_<split>``."""
    return {f"corpus_{split}": [item(row, f"corpus_{split}") for row in corpus(split)] for split in splits}


def follow_up_item(pair: Pair, set_name: str) -> Item:
    """A follow-up writer's pair as an item: the first question is asked first, in the same conversation.

    A follow-up is scored as a general question of its page whose sections are the first question's.
    """
    return Item(
        set_name,
        pair.pair_id,
        pair.text,
        turns=(pair.context,),
        procedure=pair.procedure,
        sections=pair.sections,
        tags=(pair.style, pair.lang, *((FOLLOW,) if pair.follow else ())),
        kind="general" if pair.follow else pair.kind,
    )


def follow_up_sets(splits: tuple[str, ...] = ("validation", "test")) -> dict[str, list[Item]]:
    """The follow-up writers' validation and test pairs (``data/corpus/followups/``), as sets ``followups_<split>``."""
    named = {split: pairs(split) for split in splits}
    return {f"followups_{s}": [follow_up_item(p, f"followups_{s}") for p in ps] for s, ps in named.items() if ps}


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a rate."""
    if n == 0:
        return (0.0, 1.0)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def rate(outcomes: list[Outcome], predicate: Any) -> dict[str, Any]:
    """A rate with its counts and 95% interval."""
    hits = sum(1 for o in outcomes if predicate(o))
    n = len(outcomes)
    return {"rate": round(hits / n, 4) if n else None, "n": n, "hits": hits, "ci95": wilson(hits, n)}


def right(o: Outcome) -> bool:
    """The right answer for a general question (see the module's docstring)."""
    wanted = o.item.sections
    if o.item.procedure is None:
        return not o.answered and not o.emergency
    if "results" in wanted and RESULTS_LINE in o.actions and not o.answered:
        return True
    return o.answered and o.procedure == o.item.procedure and o.section in wanted


def wrong(o: Outcome) -> bool:
    """A confident wrong answer: a passage that is not the right one."""
    return o.answered and not right(o)


def privacy_prompt(o: Outcome) -> bool:
    """Whether the bot asked to delete the conversation or gave the privacy note."""
    return any(name in PRIVACY_RESPONSES for name in o.actions)


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """The figures of one corpus split, per kind, with intervals and issue 21's targets."""
    general = [o for o in outcomes if o.item.kind == "general"]
    named = [o for o in general if o.item.procedure and "results" not in o.item.sections]
    personal = [o for o in outcomes if o.item.kind in PERSONAL]
    emergencies = [o for o in outcomes if o.item.kind == "emergency"]
    others = [o for o in outcomes if o.item.kind != "emergency"]
    not_privacy = [o for o in outcomes if o.item.kind != "privacy"]
    figures: dict[str, Any] = {
        "general_accuracy": rate(general, right),
        "confident_wrong_rate": rate(general, wrong),
        "general_named_page_accuracy": rate(named, right),
        "general_unnamed_asked_which": rate([o for o in general if o.item.procedure is None], right),
        "general_declined_or_narrowed": rate(general, lambda o: not o.answered),
        "personal_answered_rate": rate(personal, lambda o: o.answered),
        "emergency_recall": rate(emergencies, lambda o: o.emergency),
        "false_emergency_rate": rate(others, lambda o: o.emergency),
        "privacy_prompt_not_asked_rate": rate(not_privacy, privacy_prompt),
        "privacy_recall": rate([o for o in outcomes if o.item.kind == "privacy"], privacy_prompt),
    }
    follows = [o for o in outcomes if FOLLOW in o.item.tags]
    if follows:  # the follow-up writers' sets: the second messages that only move the first question
        figures["follow_up_accuracy"] = rate(follows, right)
        figures["follow_up_wrong_rate"] = rate(follows, wrong)
        figures["new_question_wrong_rate"] = rate([o for o in general if FOLLOW not in o.item.tags], wrong)
    kinds = sorted({o.item.kind for o in outcomes})
    figures["answered_by_kind"] = {
        k: rate([o for o in outcomes if o.item.kind == k], lambda o: o.answered) for k in kinds
    }
    targets = {}
    for name, (direction, target) in TARGETS.items():
        measured = figures[name]["rate"]
        met = measured is None or (measured >= target if direction == ">=" else measured <= target)
        targets[name] = {
            "target": f"{direction} {target}",
            "measured": measured,
            "ci95": figures[name]["ci95"],
            "met": met,
        }
    figures["targets"] = targets
    return figures


def misses(outcomes: list[Outcome], limit: int = 30) -> list[dict[str, Any]]:
    """The validation split's most dangerous misses (never the test writers': only their figures are reported)."""

    def danger(o: Outcome) -> int:
        if o.item.kind == "emergency":
            return 0 if not o.emergency else 9
        if o.item.kind in PERSONAL:
            return 1 if o.answered else 9
        if o.item.kind == "general":
            return 2 if wrong(o) else 9
        return 3 if o.emergency or o.answered else 9

    bad = sorted((o for o in outcomes if danger(o) < 9), key=danger)
    return [
        {
            "id": o.item.item_id,
            "kind": o.item.kind,
            "text": o.item.text[:200],
            "expected": {"procedure": o.item.procedure, "sections": list(o.item.sections)},
            "got": {"procedure": o.procedure, "sections": list(o.sections), "actions": list(o.actions)},
        }
        for o in bad[:limit]
    ]

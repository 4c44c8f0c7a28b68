"""Answer-quality evaluation against the running bot, over REST, read from the tracker.

Shared by ``make eval`` (tools/eval.py, the full report) and the fast subset
in ``make test`` (tests/conversation/test_quality.py). Every question is asked
in a fresh conversation (after its earlier turns, for multi-turn rows); the
outcome is read from the tracker's slots (CONTRACT.md): ``procedure`` and
``answer_section``.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from knowledge.intents import INTENT_SECTIONS

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "heldout"


def shared_eval_dir() -> Path:
    """The outside evaluation sets: ``SHARED_EVAL_DIR``, else ``../shared/eval`` beside this checkout.

    A clone made elsewhere (``git clone /work/main /tmp/fresh``) finds them beside
    the checkout it was cloned from (its ``origin``, when that is a folder).
    """
    if os.environ.get("SHARED_EVAL_DIR"):
        return Path(os.environ["SHARED_EVAL_DIR"])
    beside = ROOT.parent / "shared" / "eval"
    if beside.is_dir():
        return beside
    origin = subprocess.run(
        ["git", "config", "--get", "remote.origin.url"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    if origin and Path(origin).is_dir():
        cloned_from = Path(origin).resolve().parent / "shared" / "eval"
        if cloned_from.is_dir():
            return cloned_from
    return beside


SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge"})

#: The targets of issue 5.
TARGETS = {
    "heldout_accuracy": 0.97,
    "clinc_oos_test_declined": 0.98,
    "clinc_other_domain_declined": 0.98,
    "nlm_medical_not_answered": 0.97,
    "emergency_recall": 1.0,
    "false_emergency_rate_max": 0.005,
}


@dataclass(frozen=True)
class Item:
    """One evaluation question, with what it expects."""

    set_name: str
    item_id: str
    text: str
    turns: tuple[str, ...] = ()
    procedure: str | None = None
    sections: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: What the bot must do (the sets in the public's style): answer, answer_with_condition,
    #: decline, emergency or other_language. Empty for the older sets.
    kind: str = ""
    #: Several questions in one message: the acceptable sections of each, in order.
    all_sections: tuple[tuple[str, ...], ...] = ()


@dataclass
class Outcome:
    """What the bot did with one item."""

    item: Item
    procedure: str | None
    section: str | None
    intent: str
    confidence: float
    emergency: bool
    reply: str
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: ``answer_sections`` (CONTRACT): every section the reply was taken from, in order.
    sections: tuple[str, ...] = ()
    #: The actions of the turn (responses and custom actions), in order.
    actions: tuple[str, ...] = ()

    @property
    def answered(self) -> bool:
        """Whether the reply came from the knowledge base."""
        return self.section is not None

    @property
    def correct(self) -> bool:
        """Right procedure and an acceptable section."""
        return self.procedure == self.item.procedure and self.section in self.item.sections


class Bot:
    """The running Rasa server, reached over REST and the HTTP API."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    def ask(self, item: Item) -> Outcome:
        """Ask an item's turns and question in a fresh conversation."""
        sender = f"eval-{uuid.uuid4().hex[:16]}"
        try:
            with requests.Session() as session:
                for turn in item.turns:
                    self._say(session, sender, turn)
                replies = self._say(session, sender, item.text)
                tracker = session.get(
                    f"{self.base_url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=60
                ).json()
        except (requests.RequestException, ValueError) as exc:
            return Outcome(item, None, None, "", 0.0, False, "", error=str(exc))
        latest = tracker.get("latest_message") or {}
        intent = latest.get("intent") or {}
        turn_actions = _last_turn_actions(tracker.get("events", []))
        return Outcome(
            item,
            tracker["slots"].get("procedure"),
            tracker["slots"].get("answer_section"),
            intent.get("name") or "",
            float(intent.get("confidence") or 0.0),
            any(name.startswith("utter_emergency") for name in turn_actions),
            "\n".join(r.get("text") or "" for r in replies),
            sections=tuple(tracker["slots"].get("answer_sections") or ()),
            actions=turn_actions,
        )

    def _say(self, session: requests.Session, sender: str, text: str) -> list[dict[str, Any]]:
        response = session.post(
            f"{self.base_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120
        )
        response.raise_for_status()
        replies: list[dict[str, Any]] = response.json()
        return replies

    def ask_all(self, items: Sequence[Item], workers: int = 6) -> list[Outcome]:
        """Ask every item, a few conversations at a time."""
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(self.ask, items))


def _last_turn_actions(events: list[dict[str, Any]]) -> tuple[str, ...]:
    """The actions run after the last user message (``action_listen`` left out), and the responses sent.

    A custom action's responses count: an emergency decided in the action server is ``action_answer``,
    then ``utter_emergency``.
    """
    names: list[str] = []
    for event in reversed(events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action" and event.get("name") != "action_listen":
            names.append(str(event.get("name")))
        sent = (event.get("metadata") or {}).get("utter_action") if event.get("event") == "bot" else None
        if isinstance(sent, str) and sent and (not names or names[-1] != sent):
            names.append(sent)
    return tuple(reversed(names))


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def own_sets() -> dict[str, list[Item]]:
    """The team's own held-out sets (tests/heldout)."""
    questions = [
        Item(
            "heldout",
            row["id"],
            row["text"],
            tuple(row.get("turns") or ()),
            row["procedure"],
            tuple(row["sections"]),
            ("multi_turn",) if row.get("turns") else (),
        )
        for row in _jsonl(HELDOUT / "questions.jsonl")
    ]
    # The staff console's exported corrections (make review-export) join the sets they belong to.
    reviewed = HELDOUT / "reviewed"

    def extra(name: str) -> list[dict[str, Any]]:
        return _jsonl(reviewed / name) if (reviewed / name).is_file() else []

    questions += [
        Item("heldout", r["id"], r["text"], (), r["procedure"], tuple(r["sections"]), ("reviewed",))
        for r in extra("questions.jsonl")
    ]
    return {
        "heldout": questions,
        "emergencies": [
            Item("emergencies", r["id"], r["text"])
            for r in _jsonl(HELDOUT / "emergencies.jsonl") + extra("emergencies.jsonl")
        ],
        "declines": [
            Item("declines", r["id"], r["text"], tags=(r["kind"],))
            for r in _jsonl(HELDOUT / "declines.jsonl") + extra("declines.jsonl")
        ],
        "ordinary": [Item("ordinary", r["id"], r["text"]) for r in _jsonl(HELDOUT / "ordinary.jsonl")],
    }


#: The NLM labels' section types, as this knowledge base's keys (None: not a page's section).
NLM_SECTION = {
    "risks": "risks_and_complications",
    "procedure_steps": "procedure_description",
    "results_interpretation": None,
}


def external_sets(folder: Path | None = None, include_test: bool = True) -> dict[str, list[Item]]:
    """The outside sets of ../shared/eval (measurement only; never training data)."""
    folder = folder or shared_eval_dir()
    sets: dict[str, list[Item]] = {}
    clinc = folder / "clinc150"
    sets["clinc_oos_val"] = [
        Item("clinc_oos_val", f"v{i}", r["text"], tags=("health",) if r.get("health_related") else ())
        for i, r in enumerate(json.loads((clinc / "oos_val.json").read_text()))
    ]
    if not include_test:
        return sets
    sets["clinc_oos_test"] = [
        Item("clinc_oos_test", f"t{i}", r["text"], tags=("health",) if r.get("health_related") else ())
        for i, r in enumerate(json.loads((clinc / "oos_test.json").read_text()))
    ]
    inscope = []
    for i, r in enumerate(json.loads((clinc / "inscope_test_sample_5per_intent.json").read_text())):
        tags = []
        if r.get("maps_to_bot_chitchat_intent"):
            tags.append("chitchat")
        if r.get("lexically_near_our_intents"):
            tags.append("lexically_near")
        if r.get("health_related"):
            tags.append("health")
        inscope.append(Item("clinc_inscope", f"s{i}", r["text"], tags=tuple(tags)))
    sets["clinc_inscope"] = inscope
    nlm = folder / "nlm_consumer"
    sets["nlm_medical"] = [
        Item("nlm_medical", f"n{i}", r["text"])
        for i, r in enumerate(_jsonl(nlm / "medical_not_about_procedures.jsonl"))
    ]
    sets["nlm_procedure"] = [
        Item("nlm_procedure", f"p{i}", r["text"], tags=(r["section_type"],))
        for i, r in enumerate(_jsonl(nlm / "procedure_questions_section_labels.jsonl"))
    ]
    return sets


def rate(outcomes: Iterable[Outcome], predicate: Any) -> dict[str, Any]:
    """The share of outcomes for which ``predicate`` holds, with the counts."""
    items = list(outcomes)
    hits = sum(1 for o in items if predicate(o))
    return {"rate": round(hits / len(items), 4) if items else None, "n": len(items), "hits": hits}


def summarise(results: dict[str, list[Outcome]]) -> dict[str, Any]:
    """Every figure of the report."""
    summary: dict[str, Any] = {"errors": sum(1 for rs in results.values() for o in rs if o.error)}
    if "heldout" in results:
        held = results["heldout"]
        summary["heldout"] = {
            "accuracy": rate(held, lambda o: o.correct),
            "procedure_accuracy": rate(held, lambda o: o.procedure == o.item.procedure),
            "section_accuracy": rate(held, lambda o: o.section in o.item.sections),
            "single_turn_accuracy": rate([o for o in held if not o.item.turns], lambda o: o.correct),
            "multi_turn_accuracy": rate([o for o in held if o.item.turns], lambda o: o.correct),
            "per_section": per_section(held),
        }
    if "emergencies" in results:
        summary["emergency_recall"] = rate(results["emergencies"], lambda o: o.emergency)
    ordinary = [o for name in ("heldout", "ordinary", "declines") for o in results.get(name, [])]
    if ordinary:
        summary["false_emergency_rate"] = rate(ordinary, lambda o: o.emergency)
    if "declines" in results:
        summary["declines"] = rate(results["declines"], lambda o: not o.answered)
        by_kind: dict[str, list[Outcome]] = defaultdict(list)
        for o in results["declines"]:
            by_kind[o.item.tags[0]].append(o)
        summary["declines_by_kind"] = {k: rate(v, lambda o: not o.answered) for k, v in sorted(by_kind.items())}
    for name in ("clinc_oos_val", "clinc_oos_test", "nlm_medical"):
        if name in results:
            summary[name] = rate(results[name], lambda o: not o.answered)
            health = [o for o in results[name] if "health" in o.item.tags]
            if health:
                summary[f"{name}_health_related"] = rate(health, lambda o: not o.answered)
    if "clinc_inscope" in results:
        inscope = results["clinc_inscope"]
        other = [o for o in inscope if "chitchat" not in o.item.tags]
        summary["clinc_other_domain"] = rate(other, lambda o: not o.answered)
        summary["clinc_lexically_near"] = rate(
            [o for o in other if "lexically_near" in o.item.tags], lambda o: not o.answered
        )
        summary["clinc_chitchat_small_talk"] = rate(
            [o for o in inscope if "chitchat" in o.item.tags],
            lambda o: not o.answered and (o.intent in SMALL_TALK or o.intent in {"out_of_scope", "nlu_fallback"}),
        )
    if "nlm_procedure" in results:
        labelled = [o for o in results["nlm_procedure"] if NLM_SECTION.get(o.item.tags[0], o.item.tags[0]) is not None]
        summary["nlm_question_type"] = rate(
            [o for o in labelled if not o.item.tags[0].startswith("other")],
            lambda o: INTENT_SECTIONS.get(o.intent) == NLM_SECTION.get(o.item.tags[0], o.item.tags[0]),
        )
    summary["targets"] = targets_met(summary)
    return summary


def per_section(outcomes: Sequence[Outcome]) -> dict[str, dict[str, Any]]:
    """Precision and recall of the answered section, per section key."""
    truth: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for o in outcomes:
        expected = o.section if o.section in o.item.sections else o.item.sections[0]
        truth[expected] += 1
        if o.section:
            predicted[o.section] += 1
        if o.section == expected and o.section in o.item.sections:
            right[expected] += 1
    keys = sorted(set(truth) | set(predicted))
    return {
        k: {
            "precision": round(right[k] / predicted[k], 4) if predicted[k] else None,
            "recall": round(right[k] / truth[k], 4) if truth[k] else None,
            "support": truth[k],
        }
        for k in keys
    }


def confusion(outcomes: Sequence[Outcome]) -> tuple[list[str], list[list[int]]]:
    """Expected section (rows) against the answered section (columns; "none" = not answered)."""
    labels = sorted({o.item.sections[0] for o in outcomes} | {o.section or "none" for o in outcomes})
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for o in outcomes:
        expected = o.section if o.section in o.item.sections else o.item.sections[0]
        matrix[index[expected]][index[o.section or "none"]] += 1
    return labels, matrix


def targets_met(summary: dict[str, Any]) -> dict[str, Any]:
    """Each target of issue 5 with the measured figure and whether it is met."""
    figures = {
        "heldout_accuracy": (summary.get("heldout") or {}).get("accuracy", {}).get("rate"),
        "clinc_oos_test_declined": (summary.get("clinc_oos_test") or {}).get("rate"),
        "clinc_other_domain_declined": (summary.get("clinc_other_domain") or {}).get("rate"),
        "nlm_medical_not_answered": (summary.get("nlm_medical") or {}).get("rate"),
        "emergency_recall": (summary.get("emergency_recall") or {}).get("rate"),
    }
    result: dict[str, Any] = {
        name: {"target": TARGETS[name], "measured": value, "met": value is not None and value >= TARGETS[name]}
        for name, value in figures.items()
    }
    false_rate = (summary.get("false_emergency_rate") or {}).get("rate")
    result["false_emergency_rate"] = {
        "target": f"<= {TARGETS['false_emergency_rate_max']}",
        "measured": false_rate,
        "met": false_rate is not None and false_rate <= TARGETS["false_emergency_rate_max"],
    }
    return result


def worst_misses(results: dict[str, list[Outcome]], limit: int = 25) -> dict[str, list[dict[str, Any]]]:
    """The misses of each set, most confident first (the most dangerous)."""
    misses: dict[str, list[dict[str, Any]]] = {}
    checks = {
        "heldout": lambda o: not o.correct,
        "emergencies": lambda o: not o.emergency,
        "ordinary": lambda o: o.emergency,
        "declines": lambda o: o.answered,
        "clinc_oos_test": lambda o: o.answered,
        "clinc_oos_val": lambda o: o.answered,
        "clinc_inscope": lambda o: o.answered,
        "nlm_medical": lambda o: o.answered,
    }
    for name, check in checks.items():
        bad = sorted((o for o in results.get(name, []) if check(o)), key=lambda o: -o.confidence)
        misses[name] = [
            {
                "id": o.item.item_id,
                "text": o.item.text[:300],
                "turns": list(o.item.turns),
                "expected": {"procedure": o.item.procedure, "sections": list(o.item.sections)},
                "got": {"procedure": o.procedure, "section": o.section, "intent": o.intent, "confidence": o.confidence},
            }
            for o in bad[:limit]
        ]
    return misses


def outcome_rows(results: dict[str, list[Outcome]]) -> list[dict[str, Any]]:
    """Every outcome, for the JSON report."""
    rows = []
    for outcomes in results.values():
        for o in outcomes:
            row = asdict(o)
            row["item"] = asdict(o.item)
            row.pop("reply", None)
            rows.append(row)
    return rows

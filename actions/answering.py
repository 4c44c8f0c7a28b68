"""What the bot says to a question: the dialogue logic, free of Rasa and of models.

:class:`Answerer` takes what NLU understood of a turn and what the
conversation already knows, asks a :class:`Retriever` for passages, and
returns a :class:`Turn`: the responses to send and the slots to set. Actions
(:mod:`actions.actions`) only translate between this and Rasa.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from common import entities as entities_format
from knowledge.index import Hit
from knowledge.intents import INTENT_SECTIONS
from knowledge.model import Passage
from knowledge.sections import SECTION_TITLES

#: A question about the patient's own medicine, dose or condition: a clinician answers it,
#: not a page ("should I take my 50 mg metoprolol before the test?").
PERSONAL_MEDICATION = re.compile(
    r"\b(should|can|do|must|shall)\s+i\b.{0,60}\b(\d+\s?(mg|units?|mcg)|dose|insulin|metformin|eliquis|"
    r"apixaban|xarelto|rivaroxaban|warfarin|coumadin|plavix|clopidogrel|metoprolol|lisinopril|ozempic|"
    r"semaglutide|jardiance|prednisone)\b"
    r"|\b(i'?m|i am) on\b.{0,30}\b(should|can|do) i\b",
    re.IGNORECASE,
)
#: At most this many passages in one answer; the rest is offered as a follow-up.
MAX_PASSAGES = 3
#: Passages this close to the best one are part of the answer too.
SCORE_MARGIN = 0.08
#: Sections this short are given whole.
WHOLE_SECTION = 2
#: What a patient is offered after a procedure is chosen without a question.
SUGGESTED_INTENTS = ("ask_preparation", "ask_duration", "ask_patient_experience", "ask_recovery", "ask_risks")
SUGGESTION_TITLES = {
    "ask_preparation": "How do I prepare?",
    "ask_duration": "How long does it take?",
    "ask_patient_experience": "Does it hurt?",
    "ask_recovery": "What about afterwards?",
    "ask_risks": "What are the risks?",
}


class Retriever(Protocol):
    """Read access to the knowledge base, as the dialogue needs it."""

    def procedures(self) -> Sequence[tuple[str, str]]:
        """Every procedure's CPT code and the name patients know, in a stable order."""
        ...

    def procedure_name(self, cpt: str) -> str | None:
        """The name patients know for a code, or ``None`` if there is no such page."""
        ...

    def section(self, cpt: str, section: str) -> tuple[Passage, ...]:
        """Every passage of a section, in page order."""
        ...

    def rank(self, question: str, cpt: str, section: str) -> list[Hit]:
        """The section's passages ranked by similarity to the question, best first."""
        ...

    def similar_name(self, cpt: str, code: str) -> str | None:
        """The name a page's "Similar Codes" gives a related code, if it lists it."""
        ...

    def guess_procedures(self, question: str) -> tuple[str, ...]:
        """For a question naming no page: the one it clearly means, two or three likely ones, or none."""
        ...


@dataclass(frozen=True)
class Button:
    """A choice the patient can tap (or, by SMS, answer with its number)."""

    title: str
    payload: str


@dataclass(frozen=True)
class Utterance:
    """One response of ``domain.yml``, with its fill-in values and buttons."""

    response: str
    values: dict[str, str] = field(default_factory=dict)
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Context:
    """What the conversation knows before this turn (from the tracker's slots)."""

    procedure: str | None = None
    pending_question: str | None = None
    pending_text: str = ""
    more_section: str | None = None
    shown: tuple[int, ...] = ()
    last_question: str | None = None


@dataclass(frozen=True)
class Request:
    """What NLU understood of this turn."""

    intent: str
    text: str
    procedures: tuple[str, ...] = ()
    ambiguous: tuple[tuple[str, ...], ...] = ()
    #: Procedures only a page's Similar Codes names: (code, pages that list it).
    related: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_parse(cls, message: dict[str, Any]) -> Request:
        """What Rasa's parse of a message (``tracker.latest_message``, ``/model/parse``) says."""
        entities = message.get("entities") or []

        def values(kind: str) -> list[str]:
            return [str(e["value"]) for e in entities if e.get("entity") == kind]

        related = []
        for value in values(entities_format.RELATED):
            try:
                found = entities_format.decode_related(value)
            except ValueError:
                continue
            related.append((found.code, found.listed_by))
        return cls(
            intent=(message.get("intent") or {}).get("name") or "",
            text=message.get("text") or "",
            procedures=tuple(values(entities_format.PROCEDURE)),
            ambiguous=tuple(entities_format.decode_codes(v) for v in values(entities_format.AMBIGUOUS)),
            related=tuple(related),
        )


@dataclass(frozen=True)
class Turn:
    """What the bot does in a turn: responses, and the slots' values afterwards."""

    utterances: tuple[Utterance, ...]
    procedure: str | None
    answer_section: str | None = None
    pending_question: str | None = None
    more_section: str | None = None
    shown: tuple[int, ...] = ()
    passages: tuple[Hit, ...] = ()
    last_question: str | None = None


def intent_payload(intent: str, procedure: str | None = None) -> str:
    """A button payload that triggers an intent, optionally naming a procedure."""
    if procedure is None:
        return f"/{intent}"
    return f"/{intent}" + json.dumps({"procedure": procedure})


class Answerer:
    """Decides each turn of a question-answering conversation."""

    def __init__(self, retriever: Retriever, passage_threshold: float = 0.0) -> None:
        self._kb = retriever
        self._passage_threshold = passage_threshold

    def respond(self, request: Request, context: Context) -> Turn:
        """The bot's turn for a request in a context."""
        turn = self._decide(request, context)
        if turn.last_question is None:
            turn = replace(turn, last_question=context.last_question)
        return turn

    def _decide(self, request: Request, context: Context) -> Turn:
        named = [code for code in request.procedures if self._kb.procedure_name(code)]
        # A question is about the procedure it names first ("is 93015 related to
        # the nuclear stress test?", "a chest x-ray before my knee surgery").
        procedure = named[0] if named else context.procedure
        if request.intent in INTENT_SECTIONS:
            if PERSONAL_MEDICATION.search(request.text):
                return Turn((Utterance("utter_handoff_personal"),), procedure)
            if not named and request.ambiguous:
                return self._ask_which(request.ambiguous[-1], request.intent, context.procedure)
            if not named and request.related:
                return self._offer_related(request.related[0], request.intent, context.procedure)
            if procedure is None:
                # The semantic fallback: one clear page is answered (its title names it), a few are offered.
                guessed = self._kb.guess_procedures(request.text)
                if len(guessed) == 1:
                    answer = self.answer(guessed[0], INTENT_SECTIONS[request.intent], request.text)
                    return replace(answer, last_question=request.intent)
                choices = guessed or tuple(code for code, _ in self._kb.procedures())
                return self._ask_which(choices, request.intent, None)
            return replace(
                self.answer(procedure, INTENT_SECTIONS[request.intent], request.text), last_question=request.intent
            )
        if request.intent == "inform_procedure":
            if not named and request.related:
                return self._offer_related(request.related[0], context.pending_question, context.procedure)
            if not named:
                choices = request.ambiguous[-1] if request.ambiguous else tuple(c for c, _ in self._kb.procedures())
                return self._ask_which(choices, context.pending_question, context.procedure)
            # The question waiting for a procedure, else the last one asked ("and for the MRI?").
            question = context.pending_question or context.last_question
            if question in INTENT_SECTIONS:
                text = context.pending_text if context.pending_question else request.text
                return replace(self.answer(named[-1], INTENT_SECTIONS[question], text), last_question=question)
            return self._introduce(named[-1])
        if request.intent in {"ask_more", "affirm"} and context.more_section and context.procedure:
            return self._more(context.procedure, context.more_section, context.shown)
        return Turn((Utterance("utter_anything_else"),), procedure)

    def answer(self, procedure: str, section: str, question: str) -> Turn:
        """Answer from one section of a procedure's page with its best-matching passages."""
        name = self._kb.procedure_name(procedure) or procedure
        passages = self._kb.section(procedure, section)
        if not passages:
            values = {"procedure_name": name, "topic": SECTION_TITLES[section].lower()}
            return Turn((Utterance("utter_no_section_info", values),), procedure)
        # A short section is given whole: ranking it would change nothing (unless a
        # threshold may decline it), so its question is not embedded.
        needs_ranking = len(passages) > WHOLE_SECTION or self._passage_threshold > 0
        hits = self._kb.rank(question, procedure, section) if question and needs_ranking else []
        if self._passage_threshold > 0 and hits and hits[0].score < self._passage_threshold:
            values = {"procedure_name": name, "topic": SECTION_TITLES[section].lower()}
            return Turn((Utterance("utter_not_sure", values),), procedure)
        chosen = self._choose(passages, hits)
        return self._reply(procedure, section, chosen, passages, hits)

    def _choose(self, passages: tuple[Passage, ...], hits: list[Hit]) -> list[Passage]:
        if len(passages) <= WHOLE_SECTION or not hits:
            return list(passages)
        best = hits[0].score
        chosen = [h.passage for h in hits[:MAX_PASSAGES] if h.score >= best - SCORE_MARGIN]
        return sorted(chosen, key=lambda p: p.position)

    def _reply(
        self,
        procedure: str,
        section: str,
        chosen: Sequence[Passage],
        passages: Sequence[Passage],
        hits: Sequence[Hit],
        already_shown: tuple[int, ...] = (),
    ) -> Turn:
        shown = tuple(sorted({*already_shown, *(p.position for p in chosen)}))
        remaining = len(passages) - len(shown)
        name = self._kb.procedure_name(procedure) or procedure
        values = {
            "procedure_name": name,
            "section_title": SECTION_TITLES[section],
            "answer": format_passages(chosen),
        }
        if remaining > 0:
            utterance = Utterance("utter_answer_with_more", values, (Button("Tell me more", "/ask_more"),))
        else:
            utterance = Utterance("utter_answer", values)
        chosen_ids = {p.position for p in chosen}
        return Turn(
            (utterance,),
            procedure,
            answer_section=section,
            more_section=section if remaining > 0 else None,
            shown=shown if remaining > 0 else (),
            passages=tuple(h for h in hits if h.passage.position in chosen_ids),
        )

    def _more(self, procedure: str, section: str, shown: tuple[int, ...]) -> Turn:
        passages = self._kb.section(procedure, section)
        rest = [p for p in passages if p.position not in shown]
        if not rest:
            return Turn((Utterance("utter_anything_else"),), procedure)
        return self._reply(procedure, section, rest, passages, [], already_shown=shown)

    def _ask_which(self, choices: Sequence[str], question: str | None, procedure: str | None) -> Turn:
        buttons = tuple(
            Button(self._kb.procedure_name(code) or code, intent_payload("inform_procedure", code)) for code in choices
        )
        response = "utter_ask_which_of" if len(choices) < len(self._kb.procedures()) else "utter_ask_which_procedure"
        return Turn((Utterance(response, {}, buttons),), procedure, pending_question=question)

    def _offer_related(self, related: tuple[str, tuple[str, ...]], question: str | None, procedure: str | None) -> Turn:
        """A procedure we have no page for, but that pages list as similar: offer those pages."""
        code, pages = related
        pages = tuple(p for p in pages if self._kb.procedure_name(p))
        name = next((n for n in (self._kb.similar_name(p, code) for p in pages) if n), code)
        buttons = tuple(Button(self._kb.procedure_name(p) or p, intent_payload("inform_procedure", p)) for p in pages)
        values = {"related_name": f"{name} ({code})"}
        return Turn((Utterance("utter_related_offer", values, buttons),), procedure, pending_question=question)

    def _introduce(self, procedure: str) -> Turn:
        """A procedure named without a question: what it is, and what to ask next."""
        buttons = tuple(Button(SUGGESTION_TITLES[i], intent_payload(i)) for i in SUGGESTED_INTENTS)
        name = self._kb.procedure_name(procedure) or procedure
        passages = self._kb.section(procedure, "summary")
        if not passages:
            return Turn((Utterance("utter_what_else", {"procedure_name": name}, buttons),), procedure)
        values = {"procedure_name": name, "answer": format_passages(passages)}
        return Turn((Utterance("utter_introduce", values, buttons),), procedure, answer_section="summary")


def format_passages(passages: Sequence[Passage]) -> str:
    """Passages as plain text: paragraphs as they are, bullets and steps as "- " lines."""
    lines = []
    for passage in passages:
        lines.append(passage.text if passage.kind == "paragraph" else f"- {passage.text}")
    return "\n".join(lines)

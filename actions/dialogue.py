"""The dialogue's data: what NLU understood, what the conversation knows, what the bot does.

Plain frozen dataclasses shared by the dialogue logic (:mod:`actions.answering`)
and the actions that translate them to and from Rasa (:mod:`actions.actions`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from common import entities as entities_format
from knowledge.index import Hit


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
    #: The ``ambiguous`` entries that only family words gave ("scope"), not a name the pages share.
    family: tuple[tuple[str, ...], ...] = ()
    #: Where those family words are in ``text`` (start, end), to read the message without them.
    family_spans: tuple[tuple[int, int], ...] = ()
    #: Procedures only a page's Similar Codes names: (code, pages that list it).
    related: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: The intent classifier's confidence in ``intent``.
    confidence: float = 1.0
    #: The message's language, as NLU identified it ("en", "es", ...).
    language: str = "en"

    @classmethod
    def from_parse(cls, message: dict[str, Any]) -> Request:
        """What Rasa's parse of a message (``tracker.latest_message``, ``/model/parse``) says."""
        entities = message.get("entities") or []

        def values(kind: str) -> list[str]:
            return [str(e["value"]) for e in entities if e.get("entity") == kind]

        family = [
            e
            for e in entities
            if e.get("entity") == entities_format.AMBIGUOUS and e.get("role") == entities_format.FAMILY_ROLE
        ]
        related = []
        for value in values(entities_format.RELATED):
            try:
                found = entities_format.decode_related(value)
            except ValueError:
                continue
            related.append((found.code, found.listed_by))
        intent = message.get("intent") or {}
        return cls(
            intent=intent.get("name") or "",
            text=message.get("text") or "",
            procedures=tuple(values(entities_format.PROCEDURE)),
            ambiguous=tuple(entities_format.decode_codes(v) for v in values(entities_format.AMBIGUOUS)),
            family=tuple(entities_format.decode_codes(str(e["value"])) for e in family),
            family_spans=tuple(
                (e["start"], e["end"])
                for e in family
                if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
            ),
            related=tuple(related),
            confidence=float(intent.get("confidence") or 0.0) if intent else 1.0,
            language=str(message.get("language") or "en"),
        )

    def without_family_words(self) -> str:
        """The message with its family words left out ("how long is the down the throat"): what the rest says.

        Every occurrence of each word the spans cover goes, not only the one the entity points at.
        """
        words = {self.text[start:end] for start, end in self.family_spans if 0 <= start < end <= len(self.text)}
        text = self.text
        for word in sorted(words, key=len, reverse=True):
            text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", text, flags=re.IGNORECASE)
        return " ".join(text.split())


@dataclass(frozen=True)
class Turn:
    """What the bot does in a turn: responses, and the slots' values afterwards."""

    utterances: tuple[Utterance, ...]
    procedure: str | None
    answer_section: str | None = None
    #: Every section the reply was taken from, in the order answered (CONTRACT: ``answer_sections``).
    answer_sections: tuple[str, ...] = ()
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

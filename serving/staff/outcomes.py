"""One turn of a conversation as Rasa's tracker store holds it, and its outcome.

A turn is a patient's message (a ``user`` event) and what followed it up to
the next one: the actions run, the bot's messages (each names its response in
``metadata.utter_action``) and the slots set. Pure functions, no database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

OUTCOMES = ("answered", "asked_procedure", "did_you_mean", "declined", "handed_off", "emergency", "unavailable")
#: Below this intent confidence an answer is worth a look.
LOW_CONFIDENCE = 0.6
DECLINES = {
    "utter_out_of_scope",
    "utter_default",
    "utter_not_sure",
    "utter_no_section_info",
    "utter_other_language",
    "utter_other_language_es",
}
ASKS = {"utter_ask_which_procedure", "utter_ask_which_of", "utter_related_offer"}
CHANNELS = {"twilio": "sms", "socketio": "web", "rest": "rest"}
FEEDBACK_INTENT = "feedback"


@dataclass
class Turn:
    """What the console shows of one turn (the text only when it is read for display)."""

    event_id: int
    sender: str
    time: float
    channel: str
    intent: str | None
    confidence: float | None
    procedure: str | None = None
    section: str | None = None
    responses: list[str] = field(default_factory=list)
    bot_texts: list[str] = field(default_factory=list)
    #: The patient's verdict (a later feedback turn), or ``None``.
    feedback: bool | None = None
    #: For a feedback turn: what the patient said of the answer before it.
    helpful: bool | None = None
    text: str = ""
    #: The turn's ``answer_sections`` slot (several questions answered in one reply).
    answered_sections: list[str] = field(default_factory=list)
    #: What the models read and the table decided (the ``reading`` slot), as lines with probabilities.
    reading: list[tuple[str, float]] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """answered, asked_procedure, did_you_mean, declined, handed_off, emergency or unavailable."""
        responses = set(self.responses)
        if self.intent == "emergency" or any(r.startswith("utter_emergency") for r in responses):
            return "emergency"
        if "utter_action_unavailable" in responses:
            return "unavailable"
        if any(r.startswith("utter_handoff_") for r in responses):
            return "handed_off"
        if "utter_did_you_mean" in responses:
            return "did_you_mean"
        if responses & ASKS:
            return "asked_procedure"
        if self.section:
            return "answered"
        if responses & DECLINES or self.intent in {"out_of_scope", "nlu_fallback"}:
            return "declined"
        return "answered"  # small talk, thanks, greetings: answered without the knowledge base

    @property
    def sections(self) -> list[str]:
        """The sections the reply came from (CONTRACT's ``answer_sections``; the first is ``section``)."""
        if self.answered_sections and self.answered_sections[0] == self.section:
            return list(self.answered_sections)
        return [self.section] if self.section else []

    @property
    def low_confidence(self) -> bool:
        """A knowledge-base answer given with an unsure intent."""
        return self.section is not None and (self.confidence or 0.0) < LOW_CONFIDENCE


def conversation_id(sender: str, channel: str, key: str) -> str:
    """The keyed hash staff see: SMS sender ids are already keyed hashes; others are hashed as the channels' logs."""
    if channel == "sms":
        return sender
    digest = hmac.new(key.encode(), sender.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    return f"user-{digest[:12]}"


def read_data(raw: Any) -> dict[str, Any]:
    """An event's ``data`` column as a dict (text in SQLite, text or JSON in PostgreSQL)."""
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class TurnBuilder:
    """Folds one conversation's events, in order, into turns."""

    def __init__(self, sender: str) -> None:
        self.sender = sender
        self.turns: list[Turn] = []
        self.procedure: str | None = None

    def add(self, event_id: int, type_name: str, timestamp: float, data: dict[str, Any], keep_text: bool) -> None:
        """Take the next event of the conversation."""
        if type_name == "user":
            parse = data.get("parse_data") or {}
            intent = parse.get("intent") or {}
            channel = CHANNELS.get(str(data.get("input_channel") or ""), "rest")
            turn = Turn(event_id, self.sender, timestamp, channel, intent.get("name"), intent.get("confidence"))
            turn.procedure = self.procedure
            if turn.intent == FEEDBACK_INTENT:
                turn.helpful = _helpful(parse, str(data.get("text") or ""))
                previous = self._last_answer()
                if previous is not None and turn.helpful is not None:
                    previous.feedback = turn.helpful
            if keep_text:
                turn.text = str(data.get("text") or "")
            self.turns.append(turn)
            return
        if not self.turns:
            return
        turn = self.turns[-1]
        if type_name == "slot":
            name, value = data.get("name"), data.get("value")
            if name == "procedure":
                self.procedure = value if isinstance(value, str) else None
                turn.procedure = self.procedure
            elif name == "answer_section":
                turn.section = value if isinstance(value, str) else None
            elif name == "answer_sections":
                turn.answered_sections = [str(v) for v in value] if isinstance(value, list) else []
            elif name == "reading":
                turn.reading = decisions(value)
        elif type_name == "bot":
            response = (data.get("metadata") or {}).get("utter_action")
            if isinstance(response, str):
                turn.responses.append(response)
            if keep_text:
                turn.bot_texts.append(str(data.get("text") or ""))
        elif type_name == "session_started":
            self.procedure = None

    def _last_answer(self) -> Turn | None:
        # The widget shows the buttons under every answer: the latest answer is the likeliest meant.
        return next((turn for turn in reversed(self.turns) if turn.section), None)


def decisions(reading: Any) -> list[tuple[str, float]]:
    """The ``reading`` slot (actions/actions.py) as lines for the console: the decision, then each kind read."""
    if not isinstance(reading, dict):
        return []
    lines = [(f"decided: {reading.get('reply')} (row {reading.get('rule')})", float(reading.get("probability") or 0))]
    for kind, p in (reading.get("kinds") or {}).items():
        lines.append((f"read as {kind}", float(p)))
    lines.append(("personal (own results, symptoms, case)", float(reading.get("personal") or 0)))
    lines.append(("emergency", float(reading.get("emergency") or 0)))
    if "follow_up" in reading:  # readers since 2026-12-08 (the follow-up head)
        lines.append(("follow-up (only moves the last question)", float(reading.get("follow_up") or 0)))
    sections = reading.get("sections")
    for section, p in (sections if isinstance(sections, dict) else {}).items():
        lines.append((f"section {section}", float(p)))
    return lines


def _helpful(parse: dict[str, Any], text: str) -> bool | None:
    for entity in parse.get("entities") or []:
        if entity.get("entity") == "helpful":
            return _as_flag(entity.get("value"))
    if "{" in text:  # the payload /feedback{"helpful": true}
        try:
            return _as_flag(json.loads(text[text.index("{") :]).get("helpful"))
        except (ValueError, AttributeError):
            return None
    return None


def _as_flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    return None

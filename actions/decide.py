"""Decide: from what the models read to the kind of reply. One table, in the order it is applied.

Probabilities are calibrated on the corpus's validation writers.

| # | when | reply |
|---|---|---|
| 0 | the patient tapped a choice (a button's payload, ``/ask_duration``) | what was chosen |
| 1 | emergency (the kind head's or the second opinion's) ≥ ``emergency`` | the emergency numbers, nothing else |
| 2 | a question asked before, and Rasa sure (≥ ``nlu_sure``) the message only names a page | that question, of it |
| | ... or the follow-up head sure (≥ ``follow``) the message only asks it again, of a page | that question, of it |
| 3 | own results, symptoms after, or own case (either opinion) ≥ ``personal`` | hand off to the care team |
| 4 | Rasa heard a desk's question (cost, scheduling, results, prescription, a person), or it is likeliest | hand off |
| 5 | Rasa heard out of scope, or small talk, out of scope, privacy, another language is likeliest | decline |
| | ... but what Rasa heard counts in rows 4 and 5 only while general < ``overrule`` | |
| | ... and the likeliest kind does not, when Rasa is sure (≥ ``nlu_sure``) the message only names a procedure | |
| 6 | general ≥ ``general``; its best section ≥ ``section``, or a sentence read apart asks it ≥ ``sentence`` | answer |
| | ... with up to two more sections ≥ ``extra`` | answer them too |
| | ... and a sentence that, read apart, asks another section at ≥ ``sentence`` | answer it too |
| 6 | general ≥ ``general``, Rasa heard a section at ≥ ``nlu_sure`` that the models give ≥ ``agree`` | answer it |
| 7 | general ≥ ``general`` and "how results are given" is its section, ≥ ``section`` | the care team's results line |
| 8 | general ≥ ``narrow`` but no section is sure enough | "did you mean" the two likeliest sections |
| 9 | anything else | say what the bot can do (decline kindly) |

The red flags (Rasa's ``RedFlagClassifier``) are a second, recall-first net:
a message they catch never reaches this table, and rule 1 catches what they
miss. The thresholds are chosen by ``make reader`` on the validation writers,
for at most 2% wrong answers (:mod:`tools.train_reader`); these defaults are
used only until a reader is trained.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from actions.reader import MAX_SECTIONS, Reading
from knowledge.intents import INTENT_SECTIONS

#: Replies (what kind of thing the bot says).
EMERGENCY = "emergency"
HAND_OFF = "hand_off"
ANSWER = "answer"
NARROW = "narrow"
DECLINE = "decline"
#: The conversation's last question, asked again of the procedure the message names.
FOLLOW_UP = "follow_up"

#: The response that hands each kind off.
HAND_OFF_RESPONSES = {
    "results": "utter_handoff_results",
    "symptoms_after": "utter_handoff_symptoms",
    "own_case": "utter_handoff_personal",
    "cost": "utter_handoff_cost",
    "scheduling": "utter_handoff_scheduling",
    "prescription": "utter_handoff_prescription",
    "human": "utter_handoff_human",
}
DESK_KINDS = ("cost", "scheduling", "prescription", "human")
#: Rasa's intents that hand off (data/rules/hand_off.yml routes them here so that rule 1 sees them first).
DESK_INTENTS = {
    "ask_cost": "cost",
    "ask_scheduling": "scheduling",
    "ask_results": "results",
    "ask_prescription": "prescription",
    "request_human": "human",
}
NOT_A_QUESTION_KINDS = ("small_talk", "out_of_scope", "privacy", "other_language")
#: The corpus's label for "how are results given", which no page section is.
RESULTS_SECTION = "results"

DEFAULT_THRESHOLDS = {
    "emergency": 0.5,
    "personal": 0.5,
    "general": 0.5,
    "section": 0.5,
    "extra": 0.25,
    "sentence": 0.8,
    "narrow": 0.35,
    "procedure": 0.6,
    # Off (0) until a reader chooses it: below it, a named page the page head contradicts is asked about.
    "page_doubt": 0.0,
    "agree": 0.3,
    "nlu_sure": 0.9,
    # Above 1: Rasa's desk and out-of-scope intents are never overruled until a reader chooses otherwise.
    "overrule": 1.01,
    # Above 1: the follow-up head decides nothing until a reader chooses its threshold (tools/follow_ups.py).
    "follow": 1.01,
}


@dataclass(frozen=True)
class Decision:
    """The kind of reply, why, and what it needs."""

    reply: str
    #: The response of a hand-off (``utter_handoff_*``), else ``None``.
    response: str | None = None
    #: Sections to answer, in the order asked (ANSWER), or the two to offer (NARROW).
    sections: tuple[str, ...] = ()
    #: The probability the decision rests on.
    probability: float = 0.0
    #: Which row of the table decided (0 to 9), for the console and the logs.
    rule: int = 9


def thresholds(trained: Mapping[str, float] | None) -> dict[str, float]:
    """The trained reader's thresholds, with the defaults for any it lacks."""
    return {**DEFAULT_THRESHOLDS, **dict(trained or {})}


def chosen(payload_intent: str) -> Decision:
    """Row 0: a button the patient tapped says what they want; the models do not second-guess it."""
    if payload_intent in INTENT_SECTIONS:
        return Decision(ANSWER, sections=(INTENT_SECTIONS[payload_intent],), probability=1.0, rule=0)
    if payload_intent in DESK_INTENTS:
        return Decision(HAND_OFF, HAND_OFF_RESPONSES[DESK_INTENTS[payload_intent]], probability=1.0, rule=0)
    return Decision(DECLINE, probability=1.0, rule=0)


def decide(
    reading: Reading,
    limits: Mapping[str, float],
    nlu_intent: str = "",
    nlu_confidence: float = 0.0,
    follow_up: bool = False,
) -> Decision:
    """The table above, applied to one reading and the intent Rasa heard (with its confidence).

    ``follow_up``: the conversation has asked a question that a message naming a procedure may continue.
    """
    t = thresholds(limits)
    emergency = reading.emergency
    if emergency >= t["emergency"]:
        return Decision(EMERGENCY, "utter_emergency", probability=emergency, rule=1)
    # "And what about the scan of my knee?" after "how long does the chest CT take": the reader, which reads one
    # message alone, may see the patient's own case ("my knee") or other options ("what about") in it; Rasa learned
    # the team's follow-ups and hears a name that continues the conversation's question.
    # The follow-up head learned such second messages from writers' pairs ("what about a colonoscopy", "same for
    # the echo?"), with new questions and personal ones beside them, and decides where Rasa is not sure.
    names_a_procedure = nlu_intent == "inform_procedure" and nlu_confidence >= t["nlu_sure"]
    if follow_up and names_a_procedure:
        return Decision(FOLLOW_UP, probability=nlu_confidence, rule=2)
    if follow_up and reading.follow >= t["follow"]:
        return Decision(FOLLOW_UP, probability=reading.follow, rule=2)
    if reading.personal >= t["personal"]:
        return Decision(HAND_OFF, HAND_OFF_RESPONSES[reading.own], probability=reading.personal, rule=3)
    kind = reading.kind
    general = reading.p("general")
    if general >= t["overrule"] and (nlu_intent in DESK_INTENTS or nlu_intent == "out_of_scope"):
        # Rasa's DIET learned its desk and out-of-scope intents from a few hundred of the team's examples; the
        # reader learned "general" from thousands of patients' questions. When the reader is this sure, it wins.
        nlu_intent, nlu_confidence = "", 0.0
    if nlu_intent in DESK_INTENTS:
        desk = DESK_INTENTS[nlu_intent]
        return Decision(HAND_OFF, HAND_OFF_RESPONSES[desk], probability=reading.p(desk), rule=4)
    # "And for the CT?": Rasa, which learned the team's follow-ups, is sure the message only names a procedure; the
    # question is the conversation's (the answerer asks it of the page named). In so few words the reader's kind
    # is a guess ("and for the ct?" read as a question of cost at 0.52), so it does not hand off or decline here.
    if kind in DESK_KINDS and not names_a_procedure:
        return Decision(HAND_OFF, HAND_OFF_RESPONSES[kind], probability=reading.p(kind), rule=4)
    if nlu_intent == "out_of_scope" or (kind in NOT_A_QUESTION_KINDS and not names_a_procedure):
        return Decision(DECLINE, probability=reading.p(kind), rule=5)
    best = reading.sections[0] if reading.sections else None
    if best is not None and best.section == RESULTS_SECTION:
        if general >= t["general"] and best.probability >= t["section"]:
            return Decision(HAND_OFF, "utter_handoff_results", probability=best.probability, rule=7)
    elif best is not None and general >= t["general"]:
        # Two models that learned apart (Rasa's DIET on the team's NLU examples, the reader on the corpus)
        # agreeing is evidence too: Rasa sure of a section the reader gives at least ``agree``.
        heard = INTENT_SECTIONS.get(nlu_intent) if nlu_confidence >= t["nlu_sure"] else None
        backed = next((s for s in reading.sections if s.section == heard and s.probability >= t["agree"]), None)
        if backed is not None and backed is not best:
            best = backed
        # The answer rests on its best section: sure of it on its own, or as one sentence's own question
        # read apart. Sections asked beside it (≥ ``extra``) are answered with it.
        asked = [best] + [
            s
            for s in reading.sections
            if s is not best and s.probability >= t["extra"] and s.section != RESULTS_SECTION
        ]
        sentence_sure = any(
            s.section == best.section and s.probability >= t["sentence"] for s in reading.sentence_sections
        )
        if best.probability >= t["section"] or sentence_sure or backed is not None:
            # The best section first (it decided), then the others in the order they are asked; a sentence
            # that, read apart, surely asks its own section ("... How long is it? Can I drive after?") too.
            extras = [s.section for s in asked[1:]]
            for sentence in reading.sentence_sections:
                sure = sentence.probability >= t["sentence"] and sentence.section != RESULTS_SECTION
                if sure and sentence.section not in {best.section, *extras}:
                    extras.append(sentence.section)
            extras = sorted(extras, key=lambda s: reading.order.get(s, 0))[: MAX_SECTIONS - 1]
            sections = [best.section, *extras]
            return Decision(ANSWER, sections=tuple(sections), probability=min(general, best.probability), rule=6)
    if general >= t["narrow"] and len(reading.sections) >= 2:
        offer = tuple(s.section for s in reading.sections[:2] if s.section != RESULTS_SECTION)
        if len(offer) == 2:
            return Decision(NARROW, sections=offer, probability=general, rule=8)
    return Decision(DECLINE, probability=general, rule=9)

"""Which sections to answer from: the intent classifier and the knowledge base, together.

A short question's intent is the classifier's, as it always was, when it is
at least fairly sure (:data:`CLASSIFIER_SURE`). For a long
message, or one that asks several things, each question sentence is also
scored against every section (:class:`actions.sections.SectionGuesser` plus
its best passage on the procedure's page). When the two agree, or one is
clearly surer, the bot answers; when they disagree it offers the two likeliest
sections as "did you mean" choices instead of guessing. Extra questions of
the same message are answered only when their best section stands out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from actions.dialogue import Request
from actions.reading import Reading
from actions.sections import SectionScore
from knowledge.intents import INTENT_SECTIONS

#: A message this long (in words), or of more than one sentence, is checked with the knowledge base.
SHORT_MESSAGE_WORDS = 25
#: Above this confidence the classifier's section stands even when the knowledge base prefers another
#: (chosen on the team's dev questions and the real patients' dev split: the classifier is right about as
#: often as the knowledge base above 0.35; below it, a "did you mean" avoids some wrong answers).
CLASSIFIER_SURE = 0.35
#: A question classified apart this sure keeps its own intent, whatever the whole message's (a topic or a
#: story before it colours the whole: "the breathing test where you blow into a machine, how do I prepare?").
PART_SURE = 0.7
#: The intent of a question about the patient's own health (answered generally only when a page clearly does).
OWN_ADVICE = "ask_personal_advice"
#: Without a question intent, the knowledge base's best section must lead the second by this much.
MARGIN = 0.08
#: An extra question of the message is answered when its best section leads by this much.
EXTRA_MARGIN = 0.03
#: ... and scores at least this (below it the sentence is not a question about the page).
EXTRA_MIN_SCORE = 0.45

#: The question intent of each section (for "did you mean" buttons, follow-ups and topics the words name).
SECTION_INTENTS = {section: intent for intent, section in INTENT_SECTIONS.items()}

ScoresOf = Callable[[str], Sequence[SectionScore]]


@dataclass(frozen=True)
class SectionChoice:
    """The sections to answer from, in order, or two to offer when unsure."""

    sections: tuple[str, ...] = ()
    #: Two candidate sections to offer as "did you mean" (nothing answered).
    offer: tuple[str, ...] = ()


def asks_own_advice(request: Request) -> bool:
    """Whether the message's one question, heard apart, is surely advice about the patient's own health."""
    only = request.questions[0] if len(request.questions) == 1 else None
    return only is not None and only.intent == OWN_ADVICE and only.confidence >= PART_SURE


def is_short(text: str, reading: Reading) -> bool:
    """A one-sentence, one-question message: the classifier alone decides, as it was trained to."""
    return len(reading.sentences) <= 1 and not reading.several and len(text.split()) <= SHORT_MESSAGE_WORDS


def choose(
    intent: str,
    confidence: float,
    text: str,
    reading: Reading,
    scores_of: ScoresOf,
    asked: Sequence[tuple[str, float]] = (),
) -> SectionChoice:
    """The sections a message asks about (its first question's, then up to two more).

    ``asked`` is each question's intent and confidence as the classifier heard it
    alone (in the order of ``reading.questions``), when NLU classified them apart.
    """
    classified = INTENT_SECTIONS.get(intent)
    if classified and not asked and is_short(text, reading) and confidence >= CLASSIFIER_SURE:
        return SectionChoice((classified,))
    if asked and INTENT_SECTIONS.get(asked[0][0]):
        if (
            classified
            and confidence >= CLASSIFIER_SURE
            and asked[0][1] < PART_SURE
            and classified not in {INTENT_SECTIONS.get(i) for i, _ in asked}
            and (len(asked) > 1 or asked[0][1] < confidence)
        ):
            # The message as a whole asks what none of its parts seems to alone ("I'm claustrophobic.
            # What is it like inside, is my head covered?"): its first question is the whole message's.
            # A single question asked after a story or a topic, and surer alone, keeps its own intent.
            asked = [(intent, confidence), *asked[1:]]
        return by_question(asked, [_Lazy(scores_of, question) for question in reading.questions])
    if reading.several:
        return several(classified, [scores_of(question) for question in reading.questions])
    return main_section(classified, confidence, scores_of(reading.questions[0]))


class _Lazy(Sequence[SectionScore]):
    """A question's section scores, computed only if a choice looks at them (a sure intent does not)."""

    def __init__(self, scores_of: ScoresOf, question: str) -> None:
        self._scores_of = scores_of
        self._question = question
        self._scores: Sequence[SectionScore] | None = None

    def _get(self) -> Sequence[SectionScore]:
        if self._scores is None:
            self._scores = self._scores_of(self._question)
        return self._scores

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        return self._get()[index]

    def __len__(self) -> int:
        return len(self._get())


def by_question(asked: Sequence[tuple[str, float]], scores: Sequence[Sequence[SectionScore]]) -> SectionChoice:
    """Each question's section from its own intent, checked against the knowledge base like a message's.

    The first question decides whether the bot answers or offers "did you mean";
    a later question is answered when its intent is sure or the knowledge base
    agrees, else from the knowledge base's standout section, else left for a next turn.
    """
    first = main_section(INTENT_SECTIONS.get(asked[0][0]), asked[0][1], scores[0])
    if first.offer or not first.sections:
        return first
    chosen = list(first.sections)
    for (intent, confidence), question in zip(asked[1:], scores[1:], strict=True):
        section = INTENT_SECTIONS.get(intent)
        if section and confidence >= CLASSIFIER_SURE:
            pick: str | None = section
        elif section and question and question[0].section == section:
            pick = section
        else:
            pick = extra_section(question)
        if pick and pick not in chosen:
            chosen.append(pick)
    return SectionChoice(tuple(chosen))


def several(classified: str | None, scores: Sequence[Sequence[SectionScore]]) -> SectionChoice:
    """The sections of several questions, in the order asked.

    Each question whose best section stands out is answered from it. The
    classifier heard the message as a whole, so its section belongs to the
    question it fits best; it is answered there when no question claimed it.
    """
    picks: list[str | None] = [extra_section(question) for question in scores]
    if classified and classified not in picks:
        fits = [next((s.score for s in question if s.section == classified), -1.0) for question in scores]
        best = max(range(len(scores)), key=lambda i: fits[i])
        if fits[best] >= 0 and picks[best] is None:
            picks[best] = classified
        elif fits[best] >= 0:
            picks.insert(best, classified)
    chosen: list[str] = []
    for pick in picks:
        if pick and pick not in chosen:
            chosen.append(pick)
    if not chosen:
        return main_section(classified, 0.0, scores[0])
    return SectionChoice(tuple(chosen[: len(scores)]))


def main_section(classified: str | None, confidence: float, scores: Sequence[SectionScore]) -> SectionChoice:
    """The first question's section: classifier and knowledge base agree, one is clearly surer, or offer both."""
    if classified and confidence >= CLASSIFIER_SURE:
        return SectionChoice((classified,))
    if not scores:
        return SectionChoice((classified,) if classified else ())
    best = scores[0]
    lead = best.score - (scores[1].score if len(scores) > 1 else 0.0)
    if classified is None:
        if lead >= MARGIN:
            return SectionChoice((best.section,))
        return SectionChoice(offer=tuple(s.section for s in scores[:2]))
    if best.section == classified or confidence >= CLASSIFIER_SURE:
        return SectionChoice((classified,))
    return SectionChoice(offer=(classified, best.section))


def extra_section(scores: Sequence[SectionScore]) -> str | None:
    """An extra question's section, when it stands out; else ``None`` (the question is left for a next turn)."""
    if not scores:
        return None
    lead = scores[0].score - (scores[1].score if len(scores) > 1 else 0.0)
    if scores[0].score >= EXTRA_MIN_SCORE and lead >= EXTRA_MARGIN:
        return scores[0].section
    return None

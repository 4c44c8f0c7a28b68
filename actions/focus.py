"""Which page a message is about, and the words it asks with besides the pages' names.

Free of Rasa and of models: it reads the procedure entities NLU found (their
codes and where they are in the text) and the message's sentences and questions.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from actions.dialogue import Request
from actions.questions import is_short
from actions.reading import Reading

#: Words around a page's name that ask nothing ("my colonoscopy please", "the mri scan test").
FILLER = frozenset(
    {
        "about",
        "also",
        "and",
        "appointment",
        "booked",
        "exam",
        "for",
        "have",
        "info",
        "information",
        "next",
        "please",
        "procedure",
        "scan",
        "scans",
        "scheduled",
        "test",
        "tests",
        "that",
        "the",
        "this",
        "tomorrow",
        "week",
        "with",
        "what",
        "your",
    }
)


#: A story's next turn within a sentence: "…, then a chest CT …, and now they're saying a lung scan".
_NEXT_TURN = re.compile(r"\b(?:and |but |so )?(?:now|then|next|this time|after that)\b", re.IGNORECASE)


def focus(request: Request, reading: Reading, known: Callable[[str], bool]) -> str | None:
    """The page a message is about, of those it names.

    A question is about the page it names first ("is 93015 related to the
    nuclear stress test?", "a chest x-ray before my knee surgery"). A story
    names the tests the patient had before the one they ask about ("had a
    chest x-ray, now they want a CT. Does the dye hurt?"): when the question
    names none, it is about the page named last before it.
    """
    located = len(request.procedure_spans) == len(request.procedures)
    starts = [start for start, _ in request.procedure_spans] if located else [0] * len(request.procedures)
    named = [(start, code) for start, code in zip(starts, request.procedures, strict=True) if known(code)]
    if not named:
        return None
    if len(named) == 1 or not located or is_short(request.text, reading):
        return named[0][1]
    question_at = request.text.find(reading.questions[0])
    if question_at < 0:
        return named[0][1]
    question_end = question_at + len(reading.questions[0])
    in_question = [code for start, code in named if question_at <= start < question_end]
    if in_question:
        return in_question[0]
    before = [(start, code) for start, code in named if start < question_at]
    if not before:
        return named[0][1]
    # The first page of the last sentence before the question that names one
    # ("now they want a CT", but "a chest x-ray before my knee surgery"); in a sentence
    # that tells a story in turns ("did the breathing test, then a CT, and now a lung scan"),
    # the first page after its last turn.
    sentence_of = _sentence_index(request.text, reading)
    last = sentence_of(before[-1][0])
    in_last = [(start, code) for start, code in before if sentence_of(start) == last]
    turns = [m.end() for m in _NEXT_TURN.finditer(request.text, 0, question_at)]
    if turns and len(in_last) > 1:
        after_turn = [code for start, code in in_last if start >= turns[-1]]
        if after_turn:
            return after_turn[0]
    return in_last[0][1]


def _sentence_index(text: str, reading: Reading) -> Callable[[int], int]:
    """Which of the reading's sentences a character offset falls in."""
    starts: list[int] = []
    cursor = 0
    for sentence in reading.sentences:
        found = text.find(sentence, cursor)
        if found >= 0:
            starts.append(found)
            cursor = found + len(sentence)
    return lambda offset: bisect.bisect_right(starts, offset)


def topic_words(request: Request) -> tuple[str, ...]:
    """The words of a message besides the pages' names, that are not filler ("mri pregnancy": pregnancy)."""
    if not request.procedure_spans:
        return ()
    text = request.text
    for start, end in sorted(request.procedure_spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return tuple(w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in FILLER)

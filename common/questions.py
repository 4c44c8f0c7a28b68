"""The questions a patient's message asks: its sentences, and the parts of them that ask something.

Patients write a paragraph of history and then the question; several
questions at once ("how long does it take and can I drive after?"); one long
comma-spliced sentence from a phone. :func:`find_questions` gives the
questions in order, at most :data:`MAX_QUESTIONS`. Both runtimes use it: the
Rasa server classifies each question apart (bot/question_intents.py) and the
action server reads the same questions (actions/reading.py). Standard library
only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from common.sentences import split_sentences as fallback_sentences

#: The parse data's keys the Rasa server adds and the action server and the staff console read:
#: the message's sentence spans (bot/components/sentences.py), each question classified apart, and
#: the whole message's own intent when a question spoke for it (bot/question_intents.py).
SENTENCES_KEY = "sentences"
QUESTIONS_KEY = "questions"
MESSAGE_INTENT_KEY = "message_intent"
#: At most this many questions of one message are answered (CONTRACT: up to three).
MAX_QUESTIONS = 3
#: A question classified apart is clearly one at this confidence: it may speak for the message
#: (chosen on the team's public-style set and the real patients' dev split).
QUESTION_SURE = 0.5

_QUESTION_START = re.compile(
    r"^(?:and\s+|also\s+|so\s+|but\s+|ok\s+|okay\s+|well\s+|just\s+|quick question\s*[:,-]?\s*)*"
    r"(?:what|whats|what's|how|hows|how's|when|where|why|who|which|whom|whose|is|are|am|was|were|can|could|"
    r"do|does|did|will|would|should|shall|may|might|must|(?:has|have|had) (?:you|anyone|anybody|they|i|we|there)|"
    r"any|anything|tell me|explain|"
    r"i (?:want|need|would like|'d like) to know|i(?:'m| am) wondering|wondering|i wonder|please tell|"
    r"is there|are there|do i|should i|can i|will i)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r"[,;:]\s*|\s+-+\s+|\s+(?:so|but|and now|now)\s+"
    r"(?=(?:what|how|when|where|why|who|which|is|are|can|could|do|does|will|would|should)\b)",
    re.IGNORECASE,
)
#: Where one sentence asks a second question: "how long does it take and can I drive after?",
#: "where is it done, who does it, and is it painful?".
_NEXT_QUESTION = re.compile(
    r"\s*(?:,\s*(?:and|or|but|plus|also)?|\s(?:and|or|but|plus|&|\+)|;|:|\s-+|\.{2,}|…)\s+"
    r"(?=(?:also\s+|then\s+|approximately\s+|roughly\s+|about\s+)?"
    r"(?:what|whats|what's|how|when|where|why|who|who's|which|is|are|can|could|do|does|did|will|would|should|any)\s)",
    re.IGNORECASE,
)
#: A part of a sentence that asks, not one where a question word only joins a description
#: ("the scan where they put gel on you"): the word is followed the way questions go on.
_ASKING = re.compile(
    r"\?|\b(?:whats|what's|hows|how's)\b|"
    r"\b(?:what|how|when|where|why|who|which)\s+(?:is|are|was|were|do|does|did|can|could|will|would|should|"
    r"shall|may|might|has|have|long|much|many|often|soon|far|exactly|actually|happens|"
    r"kind|type|sort)\b",
    re.IGNORECASE,
)
#: A yes-no question's start: an auxiliary and then its subject ("is it loud", not "did more bloodwork").
_YES_NO = re.compile(
    r"^(?:(?:is|are|am|was|were|can|could|will|would|should|may|might)\s+"
    r"(?:it|i|you|they|he|she|we|there|this|that|these|those|the|a|an|my|your|his|her|our|their|one)"
    r"|(?:do|does|did|has|have)\s+(?:it|i|you|they|he|she|we|there|this|that|these|those))\b",
    re.IGNORECASE,
)
#: A clause this short ("and when?") is not a question of its own.
MIN_CLAUSE_WORDS = 3
#: A sentence this long without an end mark may hide its question in its last clauses.
LONG_SENTENCE_WORDS = 20


def split_sentences(text: str, spans: Sequence[tuple[int, int]] = ()) -> tuple[str, ...]:
    """The message's sentences: the given character spans (spaCy's), else the shared splitter's."""
    parts = [text[start:end] for start, end in spans] if spans else fallback_sentences(text)
    return tuple(part.strip() for part in parts if part and part.strip(" \t\n.!?,;:-"))


#: "When the doctor did the ECG, there was a problem.": a statement that starts like a question.
_TOLD_AS_STORY = re.compile(r"^(?:when|where|as|since)\b[^?]*,[^?]*\.$", re.IGNORECASE)


def is_question(sentence: str) -> bool:
    """Whether a sentence asks something: a question mark, or the way questions start."""
    stripped = sentence.strip()
    if re.search(r"(?:\?!|!\?)[?!]*$", stripped) and not _QUESTION_START.match(stripped):
        return False  # "my friend swears she watched it on the screen?!": surprise, not a question
    if stripped.endswith("?"):
        return True
    return bool(_QUESTION_START.match(stripped)) and not _TOLD_AS_STORY.match(stripped)


def question_clauses(sentence: str) -> tuple[str, ...]:
    """The clauses of a long unpunctuated sentence that ask something ("…, so on her behalf, does it hurt").

    Patients texting often write one long sentence with commas; its question is
    then its last clauses, not the whole story.
    """
    if len(sentence.split()) < LONG_SENTENCE_WORDS:
        return ()
    clauses = [c.strip() for c in _CLAUSE_BREAK.split(sentence) if c and c.strip()]
    asked = [c for c in clauses if _QUESTION_START.match(c)]
    return tuple(asked)


def split_questions(sentence: str) -> tuple[str, ...]:
    """The questions one sentence asks, in order ("what is an EGD and does it hurt" asks two).

    A part is split off only when it starts the way a question starts and is a
    few words long, so "the risks of a CT and an MRI" stays whole.
    """
    parts = [p.strip().rstrip(" -,;:").strip() for p in _NEXT_QUESTION.split(sentence) if p and p.strip(" -,;:")]
    if len(parts) < 2 or any(len(p.split()) < MIN_CLAUSE_WORDS for p in parts[1:]):
        return (sentence,)
    if not _ASKING.search(parts[0]) and not _QUESTION_START.match(parts[0]):
        parts = parts[1:]  # "breast x-ray for screening, how often ...": a topic, then the question
    return tuple(parts)


#: Words that make no question of their own: "so which is it?", "is that a real thing?" only point to
#: what the patient asks next (or told before), the question that is answered.
_POINTING_WORDS = frozenset(
    {
        "so",
        "which",
        "is",
        "are",
        "was",
        "were",
        "it",
        "that",
        "this",
        "these",
        "those",
        "a",
        "an",
        "the",
        "real",
        "thing",
        "true",
        "right",
        "really",
        "actually",
        "then",
        "one",
        "or",
        "ok",
        "okay",
        "well",
        "but",
        "and",
        "even",
        "like",
        "huh",
        "seriously",
        "correct",
        "legit",
    }
)


def points_only(question: str) -> bool:
    """Whether a question only points to another ("so which is it?"): none of its words says what it asks."""
    words = re.findall(r"[a-z']+", question.lower())
    return bool(words) and all(word in _POINTING_WORDS for word in words)


def _asked_in(sentence: str) -> tuple[str, ...]:
    """The questions of one sentence: all its parts when it is a question.

    A sentence that does not start as a question still asks when a topic leads
    its questions ("dexa scan what does it show and do I stop my vitamins",
    "ct of the chest with dye, who reads it").
    """
    if is_question(sentence):
        return split_questions(sentence)
    if sentence.rstrip().endswith(".") and not sentence.rstrip().endswith(".."):
        return ()  # "… moved it to next month, which is fine.": a statement, its clauses too
    parts = split_questions(sentence)
    if parts == (sentence,) or not (_ASKING.search(parts[0]) or _YES_NO.match(parts[0])):
        return ()  # "They did bloodwork, did an x-ray, and now ...": a story, not a question
    return parts


def find_questions(text: str, spans: Sequence[tuple[int, int]] = ()) -> tuple[str, ...]:
    """The questions a message asks, in order, at most :data:`MAX_QUESTIONS` (the last sentence when none)."""
    sentences = split_sentences(text, spans) or (text.strip(),)
    asked = [question for s in sentences for question in _asked_in(s)]
    if len(asked) > 1:
        asked = [q for q in asked if not points_only(q)] or asked[-1:]
    if not asked:
        asked = list(question_clauses(sentences[-1]))
    return tuple(asked[:MAX_QUESTIONS]) if asked else (sentences[-1],)


def asks_apart(text: str, questions: Sequence[str]) -> bool:
    """Whether the questions are not simply the whole message (a story around them, or several)."""
    return len(questions) > 1 or (bool(questions) and questions[0].strip() != text.strip())

"""Split a patient's message into sentences when spaCy's sentences are not at hand.

The Rasa pipeline gives the red-flag check spaCy's sentences (the sentencizer
in :mod:`bot.spacy_pipeline`); this splitter is the fallback, for a message
checked on its own (tests, the evaluation, a doc without sentence marks),
and for the question hints and the action server's reader
(:mod:`actions.reader`), which read a message's sentences apart. It splits
after ``.``, ``!`` and ``?`` runs, at line breaks, and before numbered list items
("1. ... 2. ..."), and keeps decimals ("38.5") and abbreviations
("Dr.") whole. Standard library only: both runtimes use it.
"""

from __future__ import annotations

import re

#: The parse data's key for the message's sentence spans (bot/components/sentences.py, for the red flags).
SENTENCES_KEY = "sentences"
_ABBREVIATIONS = ("dr", "mr", "mrs", "ms", "st", "vs", "etc", "approx", "e.g", "i.e", "no")
_LIST_MARK = re.compile(r"\(?\d{1,2}[.)]")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+|\s+(?=\(?\d{1,2}[.)]\s+[a-zA-Z])|(?<=[.!?;])(?=[A-Z¿¡])")


def split_sentences(text: str) -> list[str]:
    """The message's sentences, in order, stripped, none empty.

    Args:
        text: the message as typed.
    """
    pieces: list[str] = []
    for piece in _BOUNDARY.split(text):
        piece = piece.strip()
        if not piece:
            continue
        if pieces and (_ends_in_abbreviation(pieces[-1]) or _LIST_MARK.fullmatch(pieces[-1])):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


def _ends_in_abbreviation(sentence: str) -> bool:
    words = sentence.lower().rstrip(".").split()
    return bool(words) and sentence.endswith(".") and words[-1] in _ABBREVIATIONS

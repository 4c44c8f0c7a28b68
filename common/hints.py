"""The wire format of question hints, from the Rasa server to the action server.

One UDP datagram per patient message: a fixed prefix naming the format and
its version, then the texts the action server will embed, in UTF-8, separated
by the ASCII record separator. A plain question is one text, the message
itself, then, for a message of several sentences, each sentence
(:func:`common.sentences.split_sentences`), which the action's reader reads
apart. Sent by :mod:`bot.components.question_hint`,
received by :mod:`actions.question_vectors`, which explains why. Standard
library only: both runtimes import it.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Marks a datagram as a question hint, and its format's version (2: several texts).
HINT_PREFIX = b"clinic-faq-hint/2\n"
#: Between the texts of one hint; never in a patient's text (the channels remove control characters).
SEPARATOR = "\x1e"
#: Longer hints are ignored (the Rasa server does not send them).
MAX_HINT_BYTES = 4096


def encode_hint(texts: Sequence[str]) -> bytes | None:
    """The datagram for the texts of a message, or ``None`` if none is worth a hint."""
    kept = [
        text
        for text in texts
        if text.strip() and not text.strip().startswith("/") and SEPARATOR not in text  # "/": a button's payload
    ]
    if not kept:
        return None
    data = HINT_PREFIX + SEPARATOR.join(kept).encode("utf-8")  # the texts exactly as the action will see them
    return data if len(data) <= MAX_HINT_BYTES else None


def decode_hint(data: bytes) -> tuple[str, ...]:
    """The texts of a hint datagram; none if it is not one."""
    if not data.startswith(HINT_PREFIX) or len(data) > MAX_HINT_BYTES:
        return ()
    try:
        body = data[len(HINT_PREFIX) :].decode("utf-8")
    except UnicodeDecodeError:
        return ()
    return tuple(text for text in body.split(SEPARATOR) if text)

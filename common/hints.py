"""The wire format of question hints, from the Rasa server to the action server.

One UDP datagram per patient message: a fixed prefix naming the format and
its version, then the message's text in UTF-8. Sent by
:mod:`bot.components.question_hint`, received by
:mod:`actions.question_vectors`, which explains why. Standard library only:
both runtimes import it.
"""

from __future__ import annotations

#: Marks a datagram as a question hint, and its format's version.
HINT_PREFIX = b"clinic-faq-hint/1\n"
#: Longer hints are ignored (the Rasa server does not send them).
MAX_HINT_BYTES = 4096


def encode_hint(text: str) -> bytes | None:
    """The datagram for a message's text, or ``None`` if it is not worth a hint."""
    stripped = text.strip()
    if not stripped or stripped.startswith("/"):  # empty, or a button's intent payload
        return None
    data = HINT_PREFIX + text.encode("utf-8")  # the text exactly as the action will see it
    return data if len(data) <= MAX_HINT_BYTES else None


def decode_hint(data: bytes) -> str | None:
    """The text of a hint datagram, or ``None`` if it is not one."""
    if not data.startswith(HINT_PREFIX) or len(data) > MAX_HINT_BYTES:
        return None
    try:
        return data[len(HINT_PREFIX) :].decode("utf-8")
    except UnicodeDecodeError:
        return None

"""Text messages for SMS: plain text, short parts, numbered choices, keywords, hashed numbers.

Pure functions over strings (standard library only), shared by the Twilio
channel in the Rasa server and by the outreach command.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

#: Longest text sent in one message (Twilio joins longer SMS segments; we keep
#: each text short enough to read at a glance and to arrive in order).
PART_LIMIT = 320

#: Sentence ends that are not: "e.g. x" must not be cut after "e.g.".
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "dr.", "mr.", "mrs.", "ms.", "st.", "approx.", "no.")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=\S)")


class Keyword(Enum):
    """Carrier keywords that the channel answers itself."""

    STOP = "stop"
    START = "start"
    HELP = "help"


_STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
_START_WORDS = frozenset({"START", "UNSTOP", "OPTIN"})
_HELP_WORDS = frozenset({"HELP", "INFO"})


@dataclass(frozen=True)
class KeywordTexts:
    """The channel's own replies to STOP, START and HELP."""

    stop: str
    start: str
    help: str


def keyword_texts(values: dict[str, str]) -> KeywordTexts:
    """The replies, filled with the clinic's settings (grade 8 or below)."""
    return KeywordTexts(
        stop="You will get no more texts from {clinic_name}. Reply START to get texts again.".format(**values),
        start="You will get texts from {clinic_name} again. Reply STOP to stop. Reply HELP for help.".format(**values),
        help=(
            "{clinic_name} virtual assistant: general facts about your procedure, not medical advice. "
            "To talk to a person, call {clinic_phone} ({clinic_hours}). In an emergency, call {emergency_number}. "
            "Reply STOP to stop texts."
        ).format(**values),
    )


def keyword_of(body: str, opted_out: bool = False) -> Keyword | None:
    """The keyword a whole message is, if any.

    "YES" re-subscribes only a number that opted out: for everyone else it is an
    answer to the bot's question ("Want to hear more?").
    """
    word = re.sub(r"[^A-Za-z]", "", body).upper()
    if not word or len(body.strip()) > 20:
        return None
    if word in _STOP_WORDS:
        return Keyword.STOP
    if word in _START_WORDS or (opted_out and word == "YES"):
        return Keyword.START
    if word in _HELP_WORDS:
        return Keyword.HELP
    return None


def normalise_number(phone: str) -> str:
    """A phone number as ``+`` and digits, so that one number has one hash."""
    digits = re.sub(r"[^\d]", "", phone)
    return f"+{digits}" if phone.strip().startswith("+") else digits


def sender_id(phone: str, key: str) -> str:
    """The Rasa sender id of a phone number: a keyed hash, safe to log."""
    digest = hmac.new(key.encode(), normalise_number(phone).encode(), hashlib.sha256).hexdigest()
    return f"sms-{digest[:32]}"


_MARKDOWN = (
    (re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)"), r"\1 (\2)"),  # images
    (re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)"), r"\1 (\2)"),  # links
    (re.compile(r"(\*\*|__)(\S(?:.*?\S)?)\1"), r"\2"),  # bold
    (re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])"), r"\1"),  # italic *x*
    (re.compile(r"(?<![\w_])_(\S(?:[^_]*?\S)?)_(?![\w_])"), r"\1"),  # italic _x_
    (re.compile(r"`+([^`]*)`+"), r"\1"),  # code
    (re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE), ""),  # headings
    (re.compile(r"^\s*[*+]\s+", re.MULTILINE), "- "),  # bullets
)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def plain_text(text: str) -> str:
    """Markdown and HTML markup removed; paragraphs and line breaks kept."""
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    text = html.unescape(_TAG.sub("", text))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _sentences(text: str) -> list[tuple[str, str]]:
    """(separator before it, sentence) pairs: lines first, then sentence ends."""
    pieces: list[tuple[str, str]] = []
    separator = ""
    for line in text.split("\n"):
        if not line.strip():
            separator = "\n\n" if pieces else ""
            continue
        parts = _SENTENCE_END.split(line.strip())
        merged: list[str] = []
        for part in parts:
            if merged and merged[-1].lower().endswith(_ABBREVIATIONS):
                merged[-1] = f"{merged[-1]} {part}"
            else:
                merged.append(part)
        for index, sentence in enumerate(merged):
            pieces.append((separator if index == 0 else " ", sentence))
        separator = "\n"
    return pieces


def _words(sentence: str, limit: int) -> list[str]:
    """A sentence longer than the limit, cut between words."""
    chunks: list[str] = []
    rest = sentence
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def split_parts(text: str, limit: int = PART_LIMIT) -> list[str]:
    """Plain text in parts of at most ``limit`` characters, cut at sentence ends.

    A paragraph (after a blank line) starts a new text, as in Rasa's other
    channels; sentences are packed in order; a sentence longer than the limit
    is cut between words. No text is lost or reordered.
    """
    parts: list[str] = []
    current = ""
    for separator, sentence in _sentences(plain_text(text)):
        if separator == "\n\n" and current:
            parts.append(current)
            current = ""
        for chunk in _words(sentence, limit):
            candidate = f"{current}{separator}{chunk}" if current else chunk
            if len(candidate) <= limit:
                current = candidate
            else:
                parts.append(current)
                current = chunk
            separator = " "
    if current:
        parts.append(current)
    return parts


_CHOICE_REPLY = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s*$")


def choice_lines(titles: Sequence[str]) -> str:
    """Choices as numbered lines: ``Reply 1 for Colonoscopy``."""
    return "\n".join(f"Reply {number} for {plain_text(title)}" for number, title in enumerate(titles, start=1))


def chosen_index(body: str, count: int) -> int | None:
    """The zero-based choice a reply such as "2" or "2." names, if it names one."""
    match = _CHOICE_REPLY.match(body)
    if not match:
        return None
    number = int(match.group(1))
    return number - 1 if 1 <= number <= count else None

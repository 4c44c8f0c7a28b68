"""Which language a patient wrote in: English unless it is clearly another one.

The bot answers in English; a message clearly in another language gets a short
reply in that language (Spanish) or in English and Spanish (any other), with
the clinic's number. Being wrong the other way costs more: an English question
taken for Spanish gets no answer. So a message stays English when it is short
and has no clearly foreign word (names, CPT codes, "ok"), when it has English
function words ("my", "the", "is"), or when English is anywhere near the best
guess. Letters of another script (Chinese, Arabic, Cyrillic, ...) decide at
once. For Latin letters, the offline detector of lingua-language-detector,
restricted to the languages patients here are likely to write, decides; it is
built once, on first use (its models take a couple of seconds and about
200 MB), never at import.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

ENGLISH = "en"
SPANISH = "es"

#: Latin-script languages the detector tells apart (ISO 639-1).
LATIN_LANGUAGES = ("en", "es", "fr", "pt", "de", "it", "vi", "tl")
#: Most of a message's letters in one of these scripts: that language, whatever the detector says.
SCRIPTS = {
    "CJK": "zh",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "HANGUL": "ko",
    "CYRILLIC": "ru",
    "ARABIC": "ar",
    "HEBREW": "he",
    "DEVANAGARI": "hi",
    "BENGALI": "bn",
    "GURMUKHI": "pa",
    "THAI": "th",
    "GREEK": "el",
    "ARMENIAN": "hy",
    "ETHIOPIC": "am",
    "KHMER": "km",
}
#: The most English can score (of 1) for a message to be taken as another language.
MAX_ENGLISH_CONFIDENCE = 0.08
#: The least the best other language must score.
MIN_CONFIDENCE = 0.3


def _words(text: str) -> list[str]:
    return text.split()


_ENGLISH_WORDS = frozenset(
    _words(
        "i i'm im my you your we our she his her it its is are was were am be been the an and or but of to in"
        " on for with at from by about this that what how when where why who which can could will would should"
        " do does did have has had not yes get after before if so any there they them their much many long"
    )
)
#: Words that are clearly Spanish, so that even a short message ("hola", "gracias") is Spanish.
_SPANISH_CUES = frozenset(
    _words(
        "hola gracias ayuda necesito quiero tengo puedo cuanto cuando donde como porque buenos buenas dias"
        " días tardes noches usted señor señora senor senora cita examen estudio duele pregunta hablo habla"
        " español espanol mañana manana ayer hoy"
    )
)
#: Spanish words that make a message of one or two words Spanish on their own ("hola", "buenas tardes").
_SPANISH_ALONE = frozenset(
    _words(
        "hola gracias ayuda ayúdame ayudame buenos buenas dias días tardes noches adiós adios español espanol"
        " habla hablan necesito"
    )
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@dataclass(frozen=True)
class Identified:
    """A message's language, and whether it is confidently not English."""

    language: str
    confident: bool

    @property
    def other(self) -> bool:
        """Whether the bot should reply as to a message not in English."""
        return self.confident and self.language != ENGLISH


def identify(text: str) -> Identified:
    """The language of a message; English when unsure.

    Args:
        text: the patient's message, as typed.
    """
    words = _WORD.findall(text.lower())
    if not words:
        return Identified(ENGLISH, False)
    script = _script_language(text)
    if script is not None:
        return Identified(script, True)
    english = sum(1 for w in words if w in _ENGLISH_WORDS)
    if english >= 2 and english >= 0.2 * len(words):
        return Identified(ENGLISH, False)
    cue = any(w in _SPANISH_CUES for w in words) or any(ch in text for ch in "¿¡ñÑ")
    if len(words) < 3 and not cue:
        return Identified(ENGLISH, False)
    if len(words) <= 2 and all(w in _SPANISH_ALONE for w in words):
        return Identified(SPANISH, True)  # too short for the detector ("hola", "buenas tardes")
    scores = _confidences(text)
    best = max(scores, key=scores.__getitem__)
    if best == ENGLISH or scores.get(ENGLISH, 0.0) > MAX_ENGLISH_CONFIDENCE or scores[best] < MIN_CONFIDENCE:
        return Identified(ENGLISH, False)
    if best in ("pt", "it") and cue and scores.get(SPANISH, 0.0) >= 0.5 * scores[best]:
        best = SPANISH  # the three are close; a Spanish word settles it
    return Identified(best, True)


def _script_language(text: str) -> str | None:
    counts: dict[str, int] = {}
    letters = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        name = unicodedata.name(ch, "")
        for script, code in SCRIPTS.items():
            if name.startswith(script):
                counts[code] = counts.get(code, 0) + 1
                break
    if not counts or letters == 0:
        return None
    code = max(counts, key=counts.__getitem__)
    if counts.get("ja") and code == "zh":
        code = "ja"  # Japanese mixes kanji with kana
    return code if sum(counts.values()) >= 0.5 * letters else None


def _confidences(text: str) -> dict[str, float]:
    """Each Latin-script language's confidence (they sum to 1)."""
    detector = _detector()
    return {
        value.language.iso_code_639_1.name.lower(): float(value.value)
        for value in detector.compute_language_confidence_values(text)
    }


@functools.lru_cache(maxsize=1)
def _detector() -> Any:
    """The lingua detector over :data:`LATIN_LANGUAGES`, built once."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in LATIN_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).build()


def warm_up() -> None:
    """Build the detector and load its models now, so that the first patient does not wait."""
    _confidences("hola, buenos días")

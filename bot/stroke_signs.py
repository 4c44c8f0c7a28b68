"""Stroke signs given as a list: two or more together, or one that came on suddenly.

People describing a stroke rarely say "stroke": they list what they see (a
drooping face, slurred speech, an arm that will not lift, one eye gone dark).
Each sign alone is often old or harmless; two at once, or one that started
suddenly or is happening right now, is an emergency (the FAST / BE-FAST signs).
Works on text already normalised by :func:`bot.red_flags.normalise`. Standard
library only.
"""

from __future__ import annotations

import re

_SIDE = r"(one|left|right|1) side"
_PERSON = r"(my|his|her|their|the)"

#: One pattern per sign; the keys name them.
SIGNS: dict[str, re.Pattern[str]] = {
    key: re.compile(pattern)
    for key, pattern in {
        "one_sided_weakness": (
            rf"\b((numb|weak|tingl|paraly[sz]|limp|dead|heavy)\w*\b.{{0,30}}\b{_SIDE}|{_SIDE}\b.{{0,30}}\b"
            rf"(numb|weak|paraly[sz]|limp|dead|heavy|droop)\w*|(arm|leg|hand)\b.{{0,15}}\b(went |gone |is |feels |"
            rf"suddenly )?(numb|weak|limp|dead|heavy|useless)\b|can't (move|lift|feel|raise|grip with) {_PERSON}? ?"
            rf"(left |right )?(arm|leg|hand)|dropp\w* (things|\w+ \w+ from {_PERSON} (left|right) hand))"
        ),
        "vision": (
            r"\b(double vision|seeing double|(sudden\w*|lost|loss of|losing)\b.{0,20}\b(vision|sight|eyesight)|"
            r"can't see (out of|with|from) (one|my|his|her|the) ?(left |right )?eye|blind in one eye|"
            r"(vision|sight)\b.{0,12}\b(went|gone|going|is|turned) (black|dark|dim|grey|gray|blurry|blank))"
        ),
        "speech": (
            r"\b(slurr\w*|garbled|(speech|words|talking|voice)\b.{0,25}\b(jumbled|strange|weird|wrong|funny|"
            r"mixed up|nonsense|not making sense|thick)|"
            r"can't (get (the |my |his |her )?words out|find (the |my )?words)|"
            r"(trouble|difficulty|problems?) (speaking|talking|finding words)|(can't|unable to) (talk|speak)|"
            r"(isn't|not) making (any )?sense)"
        ),
        "face": (
            r"\b(droop\w*|(face|mouth|smile|lip)\b.{0,25}\b(crooked|uneven|lopsided|sagg\w*|fallen|twisted|numb)|"
            r"(crooked|lopsided|uneven) (face|smile|mouth))"
        ),
        "confusion": (
            r"\b((sudden(ly)?|all of a sudden|out of nowhere)\b.{0,20}\b(confus|disorient)\w*|(confus|disorient)\w*\b"
            r".{0,20}\b(all of a sudden|suddenly|out of nowhere)|doesn't (know|recogni[sz]e) (me|where|who)|"
            r"(doesn't|didn't|can't) understand (me|what i'm saying|anything))"
        ),
        "headache": r"\b(worst headache|headache of (my|his|her|their) life|thunderclap)",
        "balance": (
            r"\b((loss of|lost|losing) (my |his |her |their )?(balance|coordination)|can't (walk|stand) "
            r"(straight|up|properly)|(stumbling|staggering|falling to one side|keeps falling)|"
            r"can't keep (my|his|her) balance)"
        ),
    }.items()
}

#: Words that say a single sign came on suddenly or is happening now.
SUDDEN = re.compile(
    r"\b(sudden(ly)?|all of a sudden|out of nowhere|right now|just now|just (started|happened)|minutes? ago|"
    r"came on|this (morning|afternoon|evening)|tonight|an hour ago)\b"
)

#: A general question about the signs of a stroke, not a description of one.
_ABOUT_SIGNS = re.compile(r"\b(what are|what're|list|know) (the )?(warning )?(signs|symptoms) of (a )?stroke")


def signs_in(sentence: str) -> set[str]:
    """The stroke signs named in one (normalised) sentence."""
    if _ABOUT_SIGNS.search(sentence):
        return set()
    return {key for key, pattern in SIGNS.items() if pattern.search(sentence)}


def stroke_list(sentences: list[str], past: re.Pattern[str]) -> str | None:
    """The signs that make a stroke likely, joined by "+", or ``None``.

    Args:
        sentences: the message's sentences, normalised.
        past: the pattern of words that put a sentence in the past ("last year"):
            signs in such sentences do not count.
    """
    found: set[str] = set()
    for sentence in sentences:
        signs = signs_in(sentence)
        if not signs or past.search(sentence):
            continue
        if SUDDEN.search(sentence):
            return "+".join(sorted(signs))
        found |= signs
    return "+".join(sorted(found)) if len(found) >= 2 else None

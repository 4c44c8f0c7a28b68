"""A general question with a personal condition: which section of the page answers it.

"I have a pacemaker, can I have an MRI?", "I'm pregnant, is the x-ray safe?":
the patient asks whether the procedure is safe, or possible at all, for
someone like them. The page's general answer is its risks, or its preparation
when only that names the condition (the MRI page's preparation says to tell
the care team about a pacemaker; its risks speak of metal in general). The
answerer adds one line sending the patient's own case to the care team.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from actions.reading import Reading, asks_if_safe
from knowledge.model import Passage

RISKS = "risks_and_complications"
PREPARATION = "preparation"
#: The sections a personal condition or medicine changes: how to prepare, the risks, the recovery.
CONDITION_SECTIONS = (PREPARATION, RISKS, "recovery")
#: A question that asks about the risks themselves: the risks answer it, whatever names the condition.
_ASKS_RISKS = re.compile(r"\b(?:risks?|risky|dangers?|dangerous|side effects?|complications?)\b", re.IGNORECASE)
#: How much of a condition's word must appear in a passage ("pregna" for pregnant and pregnancy).
STEM = 6

PassagesOf = Callable[[str], Sequence[Passage]]


def safety_section(reading: Reading, passages_of: PassagesOf) -> str | None:
    """The section answering a safety question with a condition; ``None`` when the message is not one."""
    if not (reading.conditions and asks_if_safe(reading.questions[0]) and passages_of(RISKS)):
        return None
    if _ASKS_RISKS.search(reading.questions[0]):
        return RISKS
    stems = {word[:STEM].lower() for condition in reading.conditions for word in condition.split() if len(word) > 3}

    def names_it(section: str) -> bool:
        return any(stem in passage.text.lower() for passage in passages_of(section) for stem in stems)

    return PREPARATION if not names_it(RISKS) and names_it(PREPARATION) else RISKS

"""Section keys of a procedure page (CONTRACT.md) and the headings that name them."""

from __future__ import annotations

import re

#: Section keys in page order: the snake_case of the seed page's headings.
SECTION_KEYS: tuple[str, ...] = (
    "summary",
    "purpose",
    "indications",
    "preparation",
    "procedure_description",
    "duration",
    "setting",
    "personnel",
    "risks_and_complications",
    "benefits",
    "recovery",
    "alternatives",
    "patient_experience",
    "similar_codes",
)

#: Sections a page may leave empty (the seed page itself has no similar codes).
OPTIONAL_SECTIONS: frozenset[str] = frozenset({"similar_codes"})

#: How the bot names a section to a patient.
SECTION_TITLES: dict[str, str] = {
    "summary": "What it is",
    "purpose": "Why it is done",
    "indications": "Who it is for",
    "preparation": "How to prepare",
    "procedure_description": "What happens during it",
    "duration": "How long it takes",
    "setting": "Where it is done",
    "personnel": "Who does it",
    "risks_and_complications": "Risks",
    "benefits": "Benefits",
    "recovery": "Afterwards",
    "alternatives": "Other options",
    "patient_experience": "What it feels like",
    "similar_codes": "Related procedures",
}


def heading_key(heading: str) -> str:
    """Return the snake_case key of a heading, e.g. ``Risks and Complications``."""
    words = re.findall(r"[a-z0-9]+", heading.lower())
    return "_".join(words)

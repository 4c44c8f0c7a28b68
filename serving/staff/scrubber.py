"""Take personal details out of a patient's question before it becomes training data.

Phone numbers, e-mail addresses, dates, long digit runs (a CPT code of the
knowledge base stays) and names (capitalised words that are not procedure
names, nor the first word of a sentence) become bracketed placeholders. Staff
see the result and approve it before ``make review-export`` writes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(\.[\w-]+)+\b")
PHONE = re.compile(r"(?<!\w)(\+?1[\s.-]?)?(\(\d{3}\)\s?|\d{3}[\s.-])?\d{3}[\s.-]\d{4}(?!\w)")
MONTHS = (
    "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?"
    "|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?"
)
DATE = re.compile(
    r"\b(\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}"
    rf"|({MONTHS})\.?\s+\d{{1,2}}(st|nd|rd|th)?(,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(st|nd|rd|th)?\s+(of\s+)?({MONTHS})\b(\s+\d{{4}})?)",
    re.IGNORECASE,
)
#: Twelve digits or more, maybe grouped (cards); shorter runs without separators are caught below.
DIGITS = re.compile(r"\d(?:[\s-]?\d){11,}")
TITLE = re.compile(r"\b(Dr|Mr|Mrs|Ms)\.?\s*$")
WORD = re.compile(r"[A-Z][a-z'’]+")
SENTENCE_END = re.compile(r"[.!?]\s*$")
#: Capitalised words that are no one's name.
COMMON = {
    "I", "Im", "I'm", "Dr", "Mr", "Mrs", "Ms", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "Ok", "Okay", "Hi", "Hello", "Thanks", "Yes", "No", "Please", "What", "How",
    "Can", "Do", "Is", "Will", "Should", "When", "Where", "Why", "Does", "My", "The", "A", "An",
    "MRI", "CT", "EGD", "DXA", "GI", "Xray", "X-ray", "English", "Spanish",
}  # fmt: skip


class Scrubber:
    """Scrubs texts, keeping the words of the procedures' names and the knowledge base's CPT codes."""

    def __init__(self, procedure_names: Iterable[str] = (), codes: Iterable[str] = ()) -> None:
        self.keep = {word.lower() for name in procedure_names for word in re.findall(r"[\w'’-]+", name)}
        self.codes = set(codes)

    def scrub(self, text: str) -> str:
        """The text with personal details replaced by ``[email]``, ``[phone]``, ``[date]``, ``[number]``, ``[name]``."""
        text = EMAIL.sub("[email]", text)
        text = DATE.sub("[date]", text)
        text = DIGITS.sub("[number]", text)
        text = PHONE.sub("[phone]", text)
        text = re.sub(r"\b\d{5,}\b", lambda m: m.group(0) if m.group(0) in self.codes else "[number]", text)
        return self._names(text)

    def _names(self, text: str) -> str:
        out: list[str] = []
        position = 0
        for match in WORD.finditer(text):
            before = text[: match.start()]
            starts_sentence = not before.strip() or (bool(SENTENCE_END.search(before)) and not TITLE.search(before))
            word = match.group(0)
            if starts_sentence or word in COMMON or word.lower() in self.keep:
                continue
            out.append(text[position : match.start()])
            out.append("[name]")
            position = match.end()
        out.append(text[position:])
        return re.sub(r"\[name\](\s+\[name\])+", "[name]", "".join(out))


_scrubbers: dict[str, Scrubber] = {}


def scrubber_for(pages_dir: Path) -> Scrubber:
    """A scrubber that keeps the names and codes of the knowledge base's pages (built once per folder)."""
    key = str(pages_dir)
    if key not in _scrubbers:
        from knowledge.loader import load_knowledge

        kb = load_knowledge(pages_dir)
        _scrubbers[key] = Scrubber(kb.name_index(), [page.cpt for page in kb])
    return _scrubbers[key]

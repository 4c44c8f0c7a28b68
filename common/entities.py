"""The values of the procedure entities, written and read in one place.

NLU (the spaCy matcher built by :mod:`bot.spacy_pipeline`, and
:mod:`bot.components.procedure_extractor`) writes them; the actions read them.
Entity values travel through Rasa as strings, so each kind has one string form:

- ``procedure``: the CPT code of the page named, e.g. ``"45378"``.
- ``procedure_ambiguous``: a name several pages share ("stress test"): their
  codes, sorted, joined by ``|`` (``"78452|93015"``). When only a page's
  family words name it ("the scope": a colonoscopy, an upper endoscopy or a
  knee scope), and no name the pages declare as shared, the entity's role is
  ``family`` (:data:`FAMILY_ROLE`): the rest of the message may tell which.
- ``procedure_related``: a procedure that only pages' "Similar Codes" sections
  name: its code, then the codes of the pages that list it
  (``"45380:45378"``, ``"45380:45378,45379"``).

The matcher's pattern ids use the same forms, so the extractor passes them on
without parsing. Standard library only: both runtimes import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

PROCEDURE = "procedure"
AMBIGUOUS = "procedure_ambiguous"
RELATED = "procedure_related"
#: The role of a ``procedure_ambiguous`` entity that only family words gave (no shared name).
FAMILY_ROLE = "family"

_CODES_SEPARATOR = "|"
_RELATED_SEPARATOR = ":"
_LISTED_BY_SEPARATOR = ","


@dataclass(frozen=True)
class Related:
    """A procedure without a page of its own, and the pages whose Similar Codes list it."""

    code: str
    listed_by: tuple[str, ...]


def encode_codes(codes: Iterable[str]) -> str:
    """The id of a name: one CPT code, or several (a shared name) joined in sorted order."""
    ordered = sorted(set(codes))
    if not ordered:
        raise ValueError("a name needs at least one code")
    return _CODES_SEPARATOR.join(ordered)


def decode_codes(value: str) -> tuple[str, ...]:
    """The CPT codes of a ``procedure`` or ``procedure_ambiguous`` value."""
    return tuple(code for code in str(value).split(_CODES_SEPARATOR) if code)


def is_ambiguous(value: str) -> bool:
    """Whether a name's id stands for several pages."""
    return len(decode_codes(value)) > 1


def encode_related(related: Related) -> str:
    """The ``procedure_related`` value (and the matcher's id) of a related procedure."""
    return f"{related.code}{_RELATED_SEPARATOR}{_LISTED_BY_SEPARATOR.join(sorted(related.listed_by))}"


def decode_related(value: str) -> Related:
    """Read a ``procedure_related`` value; ``ValueError`` if it is not one."""
    code, separator, listed = str(value).partition(_RELATED_SEPARATOR)
    pages = tuple(page for page in listed.split(_LISTED_BY_SEPARATOR) if page)
    if not separator or not code or not pages:
        raise ValueError(f"not a related-procedure value: {value!r}")
    return Related(code, pages)

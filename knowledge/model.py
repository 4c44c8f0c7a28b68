"""Typed records of the knowledge base: pages, sections' passages, problems."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

PassageKind = Literal["paragraph", "bullet", "step"]


@dataclass(frozen=True)
class Passage:
    """One answerable unit of a page: a paragraph, a bullet or a numbered step."""

    procedure: str
    section: str
    text: str
    kind: PassageKind
    line: int
    position: int

    @property
    def passage_id(self) -> str:
        """A stable id, unique in the knowledge base while the page is unchanged."""
        return f"{self.procedure}:{self.section}:{self.position}"


@dataclass(frozen=True)
class SimilarCode:
    """A related procedure named in a page's "Similar Codes" section."""

    cpt: str
    name: str


@dataclass(frozen=True)
class ProcedurePage:
    """A procedure page, parsed and keyed as CONTRACT.md says."""

    cpt: str
    descriptor: str
    name: str
    aliases: tuple[str, ...]
    shared_aliases: tuple[str, ...]
    display_name: str
    sections: Mapping[str, tuple[Passage, ...]]
    similar_codes: tuple[SimilarCode, ...]
    status: str
    source: Path
    content_hash: str
    #: Words for the kind of test the page belongs to ("ct scan", "x-ray"): shared by the pages of a family.
    family: tuple[str, ...] = ()
    #: Body parts and conditions that point to the page ("meniscus", "cataracts").
    terms: tuple[str, ...] = ()
    #: Organs and conditions too general to name the page alone ("stomach", "liver"), that narrow
    #: a family word or a shared name to it ("a scope to look at the stomach").
    narrowers: tuple[str, ...] = ()

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage of the page, in page order."""
        return tuple(p for section in self.sections.values() for p in section)

    @property
    def short_name(self) -> str:
        """The name a patient knows best: the header's display name, else the first alias or the name."""
        return self.display_name or (self.aliases[0] if self.aliases else self.name)


@dataclass(frozen=True)
class Problem:
    """Something wrong with a page, located by file and line."""

    path: Path
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


class KnowledgeError(Exception):
    """Base class of the knowledge base's errors."""


@dataclass
class PageError(KnowledgeError):
    """One or more pages cannot be read; every problem names its file and line."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

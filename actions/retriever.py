"""What the dialogue needs of the knowledge base: the port :class:`actions.answering.Answerer` is given.

:class:`actions.knowledge_service.KnowledgeView` implements it over one snapshot
of the pages and index; tests give it fakes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from knowledge.embedder import Vectors
from knowledge.index import Hit
from knowledge.model import Passage


class Retriever(Protocol):
    """Read access to the knowledge base, as the dialogue needs it."""

    def remember(self, vectors: Mapping[str, Vectors]) -> None:
        """Questions this turn has embedded already (the reader's), by text: ranked with these, not embedded again."""
        ...

    def procedures(self) -> Sequence[tuple[str, str]]:
        """Every procedure's CPT code and the name patients know, in a stable order."""
        ...

    def procedure_name(self, cpt: str) -> str | None:
        """The name patients know for a code, or ``None`` if there is no such page."""
        ...

    def section(self, cpt: str, section: str) -> tuple[Passage, ...]:
        """Every passage of a section, in page order."""
        ...

    def rank(self, question: str, cpt: str, section: str) -> list[Hit]:
        """The section's passages ranked by similarity to the question, best first."""
        ...

    def similar_name(self, cpt: str, code: str) -> str | None:
        """The name a page's "Similar Codes" gives a related code, if it lists it."""
        ...

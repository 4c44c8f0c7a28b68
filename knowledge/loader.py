"""Load every page of a knowledge folder and check the pages against each other."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge.model import PageError, Problem, ProcedurePage
from knowledge.names import normalise, variants_of
from knowledge.parser import parse_page_with_problems

PAGE_SUFFIXES = frozenset({".txt", ".md"})


@dataclass(frozen=True)
class KnowledgeBase:
    """Every procedure page, by CPT code, in a stable order."""

    pages: Mapping[str, ProcedurePage]

    def __iter__(self) -> Iterator[ProcedurePage]:
        return iter(self.pages.values())

    def __len__(self) -> int:
        return len(self.pages)

    def get(self, cpt: str) -> ProcedurePage | None:
        """The page of a CPT code, if there is one."""
        return self.pages.get(cpt)

    def name_index(self) -> dict[str, set[str]]:
        """Every name variant (lower case) and the CPT codes it names.

        A variant that names several pages (a ``shared_aliases`` name such as
        "stress test") is ambiguous: the bot asks which one is meant.
        """
        index: dict[str, set[str]] = defaultdict(set)
        for page in self:
            for variant in page_name_variants(page):
                index[variant].add(page.cpt)
        return dict(index)


def page_name_variants(page: ProcedurePage) -> set[str]:
    """The names a patient may use for a page: name, descriptor, aliases, CPT code."""
    # The official descriptor's head ("Colonoscopy, flexible; diagnostic" -> "colonoscopy").
    descriptor_head = re.split(r"[,;]", re.sub(r"\([^)]*\)", "", page.descriptor), maxsplit=1)[0]
    names = [page.name, descriptor_head, *page.aliases, *page.shared_aliases]
    return variants_of(names) | {page.cpt}


def page_files(folder: Path) -> list[Path]:
    """The page files of a folder, sorted by name (hidden and editor files left out)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix in PAGE_SUFFIXES and not p.name.startswith((".", "~")) and p.name != "README.md"
    )


def check_folder(folder: Path) -> tuple[KnowledgeBase, list[Problem]]:
    """Parse every page and report all problems, including those across pages.

    Pages with errors are left out of the returned knowledge base, and each of
    their errors is in the returned list: nothing is dropped silently.
    """
    if not folder.is_dir():
        return KnowledgeBase({}), [Problem(folder, 0, "the knowledge folder does not exist")]
    problems: list[Problem] = []
    pages: dict[str, ProcedurePage] = {}
    alias_owner: dict[str, tuple[str, Path]] = {}
    for path in page_files(folder):
        page, page_problems = parse_page_with_problems(path)
        problems.extend(page_problems)
        if page is None:
            continue
        if page.cpt in pages:
            problems.append(Problem(path, 1, f"duplicate CPT code {page.cpt}: also {pages[page.cpt].source.name}"))
            continue
        for alias in page.aliases:
            key = normalise(alias)
            owner = alias_owner.get(key)
            if owner and owner[0] != page.cpt:
                problems.append(Problem(path, 1, f"alias {alias!r} is also an alias of {owner[0]} ({owner[1].name})"))
            alias_owner.setdefault(key, (page.cpt, path))
        pages[page.cpt] = page
    if not pages and not problems:
        problems.append(Problem(folder, 0, "the knowledge folder has no pages"))
    return KnowledgeBase(pages), problems


def load_knowledge(folder: Path) -> KnowledgeBase:
    """Load a knowledge folder, or raise :class:`PageError` listing every error."""
    kb, problems = check_folder(folder)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise PageError(errors)
    return kb

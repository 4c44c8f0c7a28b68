"""Load every page of a knowledge folder and check the pages against each other.

A :class:`PageCache` keeps parsed pages between loads: a reload stats every
file but parses only the files that changed, which is what keeps the action
server's live reload (and a re-index) fast at thousands of pages.
"""

from __future__ import annotations

import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from hashlib import sha256
from pathlib import Path

from knowledge.model import PageError, Problem, ProcedurePage
from knowledge.names import forms_of, normalise, variants_of
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

    def form_index(self) -> dict[str, set[str]]:
        """:meth:`name_index` with every word form of each name ("colonoscopies", "echocardiography").

        The matcher looks for these; the NLU lookup table keeps :meth:`name_index`
        alone, so that the word-form rules never change what the model is trained on.
        """
        index: dict[str, set[str]] = defaultdict(set)
        for page in self:
            for variant in page_form_variants(page):
                index[variant].add(page.cpt)
        return dict(index)

    def family_index(self) -> dict[str, set[str]]:
        """Every family word and term (in all its forms) and the codes of the pages that declare it.

        A page's name wins: a word that is also some page's name (in :meth:`form_index`)
        is left out. Never a training input: the matcher alone reads it.
        """
        names = self.form_index()
        index: dict[str, set[str]] = defaultdict(set)
        for page in self:
            for variant in forms_of([*page.family, *page.terms]):
                if variant not in names and not variant.isdigit():
                    index[variant].add(page.cpt)
        return dict(index)

    def narrower_index(self) -> dict[str, set[str]]:
        """Every narrowing word (in all its forms) and the codes of the pages that declare it.

        Names, family words and terms win over it. Never a training input.
        """
        taken = {**self.form_index(), **self.family_index()}
        index: dict[str, set[str]] = defaultdict(set)
        for page in self:
            for variant in forms_of(page.narrowers):
                if variant not in taken and not variant.isdigit():
                    index[variant].add(page.cpt)
        return dict(index)


def page_form_variants(page: ProcedurePage) -> set[str]:
    """:func:`page_name_variants` in every word form."""
    result = {page.cpt}
    for variant in page_name_variants(page):
        result |= forms_of([variant]) if not variant.isdigit() else set()
    return result


def page_name_variants(page: ProcedurePage) -> set[str]:
    """The names a patient may use for a page: name, descriptor, aliases, CPT code."""
    # The official descriptor's head ("Colonoscopy, flexible; diagnostic" -> "colonoscopy").
    descriptor_head = re.split(r"[,;]", re.sub(r"\([^)]*\)", "", page.descriptor), maxsplit=1)[0]
    names = [page.name, descriptor_head, *page.aliases, *page.shared_aliases]
    return variants_of(names) | {page.cpt}


def page_files(folder: Path) -> list[Path]:
    """The page files of a folder, sorted by name (hidden and editor files left out)."""
    return [folder / name for name in page_names(folder)]


def page_names(folder: Path) -> list[str]:
    """The names of a folder's page files, sorted (:func:`page_files` without making paths)."""
    with os.scandir(folder) as entries:
        return sorted(
            entry.name
            for entry in entries
            if os.path.splitext(entry.name)[1] in PAGE_SUFFIXES
            and not entry.name.startswith((".", "~"))
            and entry.name != "README.md"
            and entry.is_file()
        )


#: A file modified this recently may change again within its file system's timestamp
#: granularity without a new size or modification time: its cached page is checked by content.
RACY_NANOSECONDS = 2_000_000_000


@dataclass(frozen=True)
class ParsedFile:
    """A page file as parsed: the page (``None`` when unusable), its problems and normalised aliases."""

    path: Path
    page: ProcedurePage | None
    problems: list[Problem]
    alias_keys: tuple[str, ...]
    key: tuple[int, int, int] = (-1, -1, -1)  # size, modification time (ns), inode
    racy: bool = True  # modified shortly before it was read: the key alone cannot vouch for it

    @classmethod
    def of(cls, path: Path, key: tuple[int, int, int] = (-1, -1, -1), racy: bool = True) -> ParsedFile:
        """Parse a file."""
        page, problems = parse_page_with_problems(path)
        keys = tuple(normalise(alias) for alias in page.aliases) if page is not None else ()
        return cls(path, page, problems, keys, key, racy)


class PageCache:
    """Parsed pages by file, reused while a file's size, modification time and inode stay the same.

    A page modified within :data:`RACY_NANOSECONDS` of being read is checked by
    its content hash next time instead (a same-size edit in the same clock tick
    would otherwise go unnoticed). Not thread-safe: one loader at a time.
    """

    def __init__(self) -> None:
        self._entries: dict[str, ParsedFile] = {}
        self.parsed = 0
        self.reused = 0

    def __len__(self) -> int:
        return len(self._entries)

    def parse(self, path: Path) -> ParsedFile:
        """A file's page and problems: from the cache when the file is unchanged, else parsed anew."""
        return self._parse(os.fspath(path), path.parent, path.name)

    def _parse(self, key_name: str, folder: Path, name: str) -> ParsedFile:
        now = time.time_ns()
        entry = self._entries.get(key_name)
        try:
            stat = os.stat(key_name)
        except OSError:
            self._entries.pop(key_name, None)
            return ParsedFile.of(folder / name)  # reports the error with the file's name
        key = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if entry is not None and entry.key == key and (not entry.racy or _same_content(entry)):
            if entry.racy and stat.st_mtime_ns < now - RACY_NANOSECONDS:
                entry = self._entries[key_name] = replace(entry, racy=False)
            self.reused += 1
            return entry
        # Paths are made only for files parsed: at 10,000 pages making them all costs as much as the rest.
        entry = ParsedFile.of(folder / name, key, racy=stat.st_mtime_ns >= now - RACY_NANOSECONDS)
        self._entries[key_name] = entry
        self.parsed += 1
        return entry

    def parse_folder(self, folder: Path, names: Iterable[str]) -> list[ParsedFile]:
        """Every named file of a folder, parsed or from the cache; files not named leave the cache."""
        prefix = os.path.join(os.fspath(folder), "")
        keys = {prefix + name: name for name in names}
        for key_name in [k for k in self._entries if k not in keys]:
            del self._entries[key_name]
        return [self._parse(key_name, folder, name) for key_name, name in keys.items()]


def _same_content(entry: ParsedFile) -> bool:
    """Whether a file still holds the bytes its page was parsed from (never for a page with errors)."""
    if entry.page is None:
        return False
    try:
        return sha256(entry.path.read_bytes()).hexdigest() == entry.page.content_hash
    except OSError:
        return False


def check_folder(folder: Path, cache: PageCache | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Parse every page and report all problems, including those across pages.

    Pages with errors are left out of the returned knowledge base, and each of
    their errors is in the returned list: nothing is dropped silently.

    Args:
        folder: the knowledge folder.
        cache: parsed pages of an earlier load: only new and changed files are parsed.
    """
    if not folder.is_dir():
        return KnowledgeBase({}), [Problem(folder, 0, "the knowledge folder does not exist")]
    problems: list[Problem] = []
    pages: dict[str, ProcedurePage] = {}
    alias_owner: dict[str, tuple[str, Path]] = {}
    names = page_names(folder)
    parsed_files = (
        cache.parse_folder(folder, names) if cache is not None else [ParsedFile.of(folder / name) for name in names]
    )
    for parsed in parsed_files:
        path, page = parsed.path, parsed.page
        problems.extend(parsed.problems)
        if page is None:
            continue
        if page.cpt in pages:
            problems.append(Problem(path, 1, f"duplicate CPT code {page.cpt}: also {pages[page.cpt].source.name}"))
            continue
        for alias, key in zip(page.aliases, parsed.alias_keys, strict=True):
            owner = alias_owner.get(key)
            if owner and owner[0] != page.cpt:
                problems.append(Problem(path, 1, f"alias {alias!r} is also an alias of {owner[0]} ({owner[1].name})"))
            alias_owner.setdefault(key, (page.cpt, path))
        pages[page.cpt] = page
    if not pages and not problems:
        problems.append(Problem(folder, 0, "the knowledge folder has no pages"))
    return KnowledgeBase(pages), problems


def family_problems(kb: KnowledgeBase) -> list[Problem]:
    """Warnings for family words and terms that are names of a page: the name wins, so they do nothing."""
    problems = []
    names = kb.name_index()
    for page in kb:
        for word in [*page.family, *page.terms, *page.narrowers]:
            owners = names.get(normalise(word))
            if owners:
                where = "this page" if owners == {page.cpt} else ", ".join(sorted(owners))
                problems.append(
                    Problem(
                        page.source,
                        1,
                        f"{word!r} is already a name of {where}: as a family word or term it does nothing",
                        "warning",
                    )
                )
    return problems


def load_knowledge(folder: Path, cache: PageCache | None = None) -> KnowledgeBase:
    """Load a knowledge folder, or raise :class:`PageError` listing every error.

    Args:
        folder: the knowledge folder.
        cache: parsed pages of an earlier load: only new and changed files are parsed.
    """
    kb, problems = check_folder(folder, cache)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise PageError(errors)
    return kb

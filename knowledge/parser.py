"""Read one procedure page (the seed page's format) into a :class:`ProcedurePage`.

A page is plain text::

    ---                                   optional front matter
    cpt: 78580                            the CPT code (else from the file name)
    status: sample content ...            review status shown to staff
    display_name: lung perfusion scan     what the bot calls it (else the first alias)
    aliases: lung scan, VQ scan           extra everyday names
    shared_aliases: stress test           names other pages share on purpose
    family: ct scan, cat scan             words for the kind of test (other pages may share them)
    terms: meniscus, torn meniscus        body parts and conditions that point to the page
    narrowers: stomach, liver             words that only narrow a family word to the page
    ---
    Search all medical codes              website chrome, ignored
    Pulmonary perfusion imaging (...)     the official descriptor
    CPT4 code                             the code type
    Name of the Procedure:
    Full Name, also known as Alias, Alias.
    Summary                               headed sections: paragraphs,
    ...                                   "•"/"-"/"*" bullets, "1." steps

Headings may also be written as Markdown (``## Duration``). The CPT code comes
from the ``cpt:`` header, else from the file name's leading digits
(``78580-lung-perfusion.txt``); when both are given they must agree.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol

from knowledge.model import (
    PageError,
    Passage,
    PassageKind,
    Problem,
    ProcedurePage,
    SimilarCode,
)
from knowledge.sections import OPTIONAL_SECTIONS, SECTION_KEYS, heading_key

FRONT_MATTER_KEYS = frozenset(
    {"cpt", "status", "display_name", "aliases", "shared_aliases", "family", "terms", "narrowers"}
)
#: Header fields whose comma-separated items name the page; an item may appear once among them.
WORD_LIST_KEYS = ("family", "terms", "narrowers")
CHROME_LINES = frozenset({"search all medical codes"})
CODE_TYPE_RE = re.compile(r"^(cpt4?|hcpcs)( code)?$", re.IGNORECASE)
NAME_HEADING_KEY = "name_of_the_procedure"
CPT_RE = re.compile(r"^\d{5}$|^\d{4}[A-Z]$")
FILE_CPT_RE = re.compile(r"^(\d{5}|\d{4}[A-Z])(?=[-_.])")
BULLET_RE = re.compile(r"^\s*[•\-*▪◦]\s+(?P<text>.+)$")
STEP_RE = re.compile(r"^\s*\d{1,3}[.)]\s+(?P<text>.+)$")
AKA_RE = re.compile(r",?\s+(?:also known as|also called|sometimes called)\s+", re.IGNORECASE)
ARTICLE_RE = re.compile(r"^(?:an?|the)\s+", re.IGNORECASE)
SIMILAR_RE = re.compile(r"^(?P<cpt>\d{5}|\d{4}[A-Z])\s*(?:[—–:-]+\s*)?(?P<name>.*)$")


class _ProblemFn(Protocol):
    def __call__(self, line: int, message: str, severity: str = "error") -> None: ...


def parse_page(path: Path) -> ProcedurePage:
    """Parse a page file.

    Args:
        path: the page's file.

    Returns:
        The parsed page.

    Raises:
        PageError: with every problem found, each naming the file and line.
    """
    page, problems = parse_page_with_problems(path)
    errors = [p for p in problems if p.severity == "error"]
    if errors or page is None:
        raise PageError(errors or problems)
    return page


def parse_page_with_problems(path: Path) -> tuple[ProcedurePage | None, list[Problem]]:
    """Parse a page and return it (``None`` when unusable) with all problems found."""
    problems: list[Problem] = []

    def problem(line: int, message: str, severity: str = "error") -> None:
        problems.append(Problem(path, line, message, "warning" if severity == "warning" else "error"))

    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        return None, [Problem(path, 0, f"cannot read the file: {exc.strerror or exc}")]
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(path, line, "the file is not UTF-8 text")]

    lines = text.splitlines()
    header, body_start = _front_matter(lines, problem)
    cpt = _cpt_code(path, header, problem)

    descriptor = ""
    name = ""
    aliases: list[str] = []
    sections: dict[str, list[tuple[int, PassageKind, str]]] = {}
    heading_lines: dict[str, int] = {}
    current: str | None = None  # a section key, NAME_HEADING_KEY, or None (preamble)
    paragraph: list[str] = []
    paragraph_line = 0

    def flush_paragraph() -> None:
        nonlocal paragraph
        if paragraph and current is not None and current != NAME_HEADING_KEY:
            sections[current].append((paragraph_line, "paragraph", " ".join(paragraph)))
        paragraph = []

    for index in range(body_start, len(lines)):
        number = index + 1
        stripped = lines[index].strip()
        if not stripped:
            flush_paragraph()
            continue
        key = _heading(stripped)
        if key is not None:
            flush_paragraph()
            if key == NAME_HEADING_KEY:
                current = key
            elif key in SECTION_KEYS:
                if key in heading_lines:
                    problem(number, f"duplicate heading {stripped!r} (first at stripped {heading_lines[key]})")
                    current = None
                    continue
                heading_lines[key] = number
                sections[key] = []
                current = key
            else:
                problem(number, f"unknown heading {stripped!r}; known headings: {_known_headings()}")
                current = None
            continue
        if current is None and not heading_lines:
            # Preamble: chrome, descriptor, code type.
            if stripped.lower() in CHROME_LINES or CODE_TYPE_RE.match(stripped):
                continue
            if not descriptor:
                descriptor = stripped.lstrip("#").strip()
                continue
            if _looks_like_heading(lines, index):
                problem(number, f"unknown heading {stripped!r}; known headings: {_known_headings()}")
            continue
        if current == NAME_HEADING_KEY:
            if not name:
                name, aliases = _name_and_aliases(stripped)
            continue
        if current is None:
            continue  # content under a rejected heading: already reported
        if _looks_like_heading(lines, index):
            problem(number, f"unknown heading {stripped!r}; known headings: {_known_headings()}")
            flush_paragraph()
            current = None
            continue
        bullet = BULLET_RE.match(lines[index]) or STEP_RE.match(lines[index])
        if bullet:
            flush_paragraph()
            kind: PassageKind = "bullet" if BULLET_RE.match(lines[index]) else "step"
            sections[current].append((number, kind, bullet.group("text").strip()))
            continue
        if not paragraph:
            paragraph_line = number
        paragraph.append(stripped)
    flush_paragraph()

    if not name:
        name = descriptor
        if not name:
            problem(1, "no procedure name: add a 'Name of the Procedure:' section or a descriptor line")
    for key, heading_line in heading_lines.items():
        if not sections[key]:
            severity = "warning" if key in OPTIONAL_SECTIONS else "error"
            problem(heading_line, f"section {key!r} is empty", severity)
    for key in SECTION_KEYS:
        if key not in heading_lines and key not in OPTIONAL_SECTIONS:
            problem(len(lines), f"section {key!r} is missing: the bot will say it has no answer", "warning")

    header_aliases = _header_list(header, "aliases")
    shared = _header_list(header, "shared_aliases")
    word_lists = _word_lists(header, problem)
    all_aliases = _unique([*aliases, *header_aliases], exclude=name)
    passages = {
        key: tuple(
            Passage(cpt or "", key, content, kind, line_number, position)
            for position, (line_number, kind, content) in enumerate(items)
        )
        for key, items in sections.items()
    }
    similar = _similar_codes(passages.get("similar_codes", ()), path, problem)
    if cpt is None or any(p.severity == "error" for p in problems):
        return None, problems
    page = ProcedurePage(
        cpt=cpt,
        descriptor=descriptor,
        name=name,
        aliases=tuple(all_aliases),
        shared_aliases=tuple(shared),
        display_name=header.get("display_name", ("", 0))[0],
        sections=passages,
        similar_codes=similar,
        status=header.get("status", ("", 0))[0],
        source=path,
        content_hash=hashlib.sha256(raw).hexdigest(),
        family=word_lists["family"],
        terms=word_lists["terms"],
        narrowers=word_lists["narrowers"],
    )
    return page, problems


def _front_matter(lines: list[str], problem: _ProblemFn) -> tuple[dict[str, tuple[str, int]], int]:
    """Read the optional ``---`` header; return its fields (value, line) and the body's start."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    fields: dict[str, tuple[str, int]] = {}
    for index in range(1, len(lines)):
        line = lines[index].strip()
        if line == "---":
            return fields, index + 1
        if not line:
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep:
            problem(index + 1, f"header line {line!r} is not 'key: value'")
        elif key not in FRONT_MATTER_KEYS:
            problem(index + 1, f"unknown header field {key!r}; known: {', '.join(sorted(FRONT_MATTER_KEYS))}")
        elif key in fields:
            problem(index + 1, f"header field {key!r} given twice")
        else:
            fields[key] = (value.strip(), index + 1)
    problem(1, "the header opened with '---' is never closed")
    return fields, len(lines)


def _header_list(header: dict[str, tuple[str, int]], key: str) -> list[str]:
    """A comma-separated header field as a list."""
    return [item.strip() for item in header.get(key, ("", 0))[0].split(",") if item.strip()]


def _word_lists(header: dict[str, tuple[str, int]], problem: _ProblemFn) -> dict[str, tuple[str, ...]]:
    """The ``family``, ``terms`` and ``narrowers`` fields; an item given twice (in one or two) is an error."""
    seen: dict[str, str] = {}
    result: dict[str, tuple[str, ...]] = {}
    for key in WORD_LIST_KEYS:
        items = []
        for item in _header_list(header, key):
            folded = " ".join(item.lower().split())
            if folded in seen:
                problem(header[key][1], f"{key} item {item!r} is given twice (also in {seen[folded]})")
                continue
            seen[folded] = key
            items.append(item)
        result[key] = tuple(items)
    return result


def _cpt_code(path: Path, header: dict[str, tuple[str, int]], problem: _ProblemFn) -> str | None:
    """The page's CPT code from its header or file name, or ``None`` (reported)."""
    from_name = FILE_CPT_RE.match(path.name)
    file_code = from_name.group(1) if from_name else None
    if "cpt" in header:
        code, line = header["cpt"]
        if not CPT_RE.match(code):
            problem(line, f"CPT code {code!r} is not five digits (or four digits and a letter)")
            return None
        if file_code and file_code != code:
            problem(line, f"CPT code {code} in the header differs from {file_code} in the file name")
            return None
        return code
    if file_code:
        return file_code
    problem(1, "missing CPT code: add a 'cpt: NNNNN' header line or start the file name with the code")
    return None


def _heading(line: str) -> str | None:
    """The key of a heading line, or ``None`` when the line is not a known heading.

    Markdown headings (``## X``) are always headings, known or not; their
    unknown keys are returned so that the caller can report them. A level-one
    ``# Title`` is the page's title, not a section.
    """
    if line.startswith("# "):
        return None
    markdown = line.startswith("##")
    stripped = line.lstrip("#").strip().rstrip(":").strip()
    key = heading_key(stripped)
    if key in SECTION_KEYS or key == NAME_HEADING_KEY:
        return key
    if markdown and stripped:
        return key or "unnamed"
    return None


def _looks_like_heading(lines: list[str], index: int) -> bool:
    """Whether a plain line stands alone like a heading (short, title-like, no end punctuation)."""
    line = lines[index].strip()
    if BULLET_RE.match(lines[index]) or STEP_RE.match(lines[index]):
        return False
    words = line.split()
    if not (1 <= len(words) <= 5) or not line[0].isupper() or line[-1] in ".?!:;,)":
        return False
    before = lines[index - 1].strip() if index > 0 else ""
    after = lines[index + 1].strip() if index + 1 < len(lines) else ""
    return not before and not after and all(w[0].isupper() or w.lower() in {"and", "of", "the", "or"} for w in words)


def _name_and_aliases(line: str) -> tuple[str, list[str]]:
    """Split "Name, also known as A, B." into the name and its aliases."""
    line = line.strip().rstrip(".")
    parts = AKA_RE.split(line, maxsplit=1)
    name = parts[0].strip()
    if len(parts) == 1:
        return name, []
    aliases = []
    for alias in _split_top_level(parts[1]):
        alias = ARTICLE_RE.sub("", alias.strip()).strip().rstrip(".")
        if alias:
            aliases.append(alias)
    return name, aliases


def _split_top_level(text: str) -> list[str]:
    """Split on commas and " or " that are not inside parentheses."""
    pieces: list[str] = []
    depth = 0
    current = ""
    index = 0
    while index < len(text):
        char = text[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if depth == 0 and char == ",":
            pieces.append(current)
            current = ""
        elif depth == 0 and text[index : index + 4].lower() == " or ":
            pieces.append(current)
            current = ""
            index += 3
        else:
            current += char
        index += 1
    pieces.append(current)
    return [p.strip() for p in pieces if p.strip() and p.strip().lower() != "or"]


def _unique(names: list[str], exclude: str) -> list[str]:
    """Names without repeats (case-insensitive), in order, without ``exclude``."""
    seen = {exclude.lower()}
    result = []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            result.append(name)
    return result


def _similar_codes(passages: tuple[Passage, ...], path: Path, problem: _ProblemFn) -> tuple[SimilarCode, ...]:
    """Parse "78582 — Name" lines of the Similar Codes section."""
    result = []
    for passage in passages:
        match = SIMILAR_RE.match(passage.text)
        if not match:
            problem(passage.line, "a similar code should read 'NNNNN — name'", "warning")
            continue
        result.append(SimilarCode(match.group("cpt"), match.group("name").strip()))
    return tuple(result)


def _known_headings() -> str:
    return ", ".join(k.replace("_", " ").title() for k in SECTION_KEYS)

"""Staff command line for the knowledge base: ``python -m knowledge.cli --help``.

Commands:
    validate   check every page; each problem with file and line; exit 1 on errors
    build      bring the semantic index up to date (only changed pages are embedded and written)
    search     the passages the bot would retrieve for a question
    show       a page, or one section of it
    list       every page with its code, name and aliases
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.paths import INDEX_DIR, PAGES_DIR
from knowledge.loader import check_folder, family_problems, load_knowledge
from knowledge.model import KnowledgeError
from knowledge.sections import SECTION_KEYS, SECTION_TITLES


def _validate(args: argparse.Namespace) -> int:
    kb, problems = check_folder(args.pages)
    problems += family_problems(kb)
    for problem in problems:
        print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    print(f"{len(kb)} pages valid, {errors} errors, {warnings} warnings")
    return 1 if errors else 0


def _build(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from knowledge.embedder import SentenceTransformerEmbedder
    from knowledge.index import build_index

    kb = load_knowledge(args.pages)
    with tqdm(total=0, unit="page", desc="embedding changed pages", disable=args.quiet) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        _, stats = build_index(kb, SentenceTransformerEmbedder(), args.index, progress=progress)
    print(
        f"index: {stats.pages} pages, {stats.passages} passages; embedded {stats.pages_embedded} changed pages "
        f"({stats.passages_embedded} passages) in {stats.seconds:.1f} s; written: {stats.written} -> {args.index}"
    )
    return 0


def _search(args: argparse.Namespace) -> int:
    from knowledge.embedder import SentenceTransformerEmbedder
    from knowledge.index import load_index

    kb = load_knowledge(args.pages)
    embedder = SentenceTransformerEmbedder()
    index = load_index(kb, args.index, embedder.model_id)
    hits = index.search(
        embedder.encode([args.question]), procedure=args.procedure, section=args.section, top_k=args.top
    )
    for hit in hits:
        page = kb.get(hit.procedure)
        name = page.short_name if page else hit.procedure
        print(f"{hit.score:.3f}  {hit.procedure} {name} / {hit.section}: {hit.passage.text}")
    return 0 if hits else 1


def _show(args: argparse.Namespace) -> int:
    kb = load_knowledge(args.pages)
    page = kb.get(args.cpt)
    if page is None:
        print(f"no page for CPT {args.cpt}", file=sys.stderr)
        return 1
    print(f"{page.cpt}  {page.name}  ({page.source.name})")
    print(f"aliases: {', '.join(page.aliases) or '-'}")
    if page.shared_aliases:
        print(f"shared aliases: {', '.join(page.shared_aliases)}")
    print(f"status: {page.status or '-'}")
    keys = [args.section] if args.section else [k for k in SECTION_KEYS if k in page.sections]
    for key in keys:
        print(f"\n[{key}] {SECTION_TITLES.get(key, key)}")
        for passage in page.sections.get(key, ()):
            marker = {"paragraph": "", "bullet": "- ", "step": f"{passage.position + 1}. "}[passage.kind]
            print(f"  {marker}{passage.text}")
    return 0


def _list(args: argparse.Namespace) -> int:
    kb = load_knowledge(args.pages)
    for page in kb:
        print(f"{page.cpt}  {page.short_name:<32} {', '.join(page.aliases)}")
    print(f"{len(kb)} pages")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line's parser."""
    main = argparse.ArgumentParser(prog="python -m knowledge.cli", description=__doc__.splitlines()[0])
    main.add_argument("--pages", type=Path, default=PAGES_DIR, help="folder of procedure pages")
    main.add_argument("--index", type=Path, default=INDEX_DIR, help="folder of the stored index")
    commands = main.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check every page").set_defaults(run=_validate)
    build = commands.add_parser("build", help="bring the index up to date")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(run=_build)
    search = commands.add_parser("search", help="what the bot would retrieve for a question")
    search.add_argument("question")
    search.add_argument("--procedure", help="only this CPT code's page")
    search.add_argument("--section", choices=SECTION_KEYS, help="only this section (with --procedure)")
    search.add_argument("--top", type=int, default=5)
    search.set_defaults(run=_search)
    show = commands.add_parser("show", help="a page, or one of its sections")
    show.add_argument("cpt")
    show.add_argument("section", nargs="?", choices=SECTION_KEYS)
    show.set_defaults(run=_show)
    commands.add_parser("list", help="every page").set_defaults(run=_list)
    return main


def main(argv: list[str] | None = None) -> int:
    """Run a command; knowledge errors are printed with file and line, exit code 1."""
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KnowledgeError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Generate the NLU lookup table of the ``procedure`` entity (a feature for the intent classifier).

Usage: ``python -m knowledge.nlu_export [--check]``. The output,
``data/nlu/lookups/procedures.yml``, is generated from ``knowledge/pages`` and
committed so that a reviewer sees what NLU was trained with; ``--check`` fails
when it is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.paths import LOOKUP_FILE, PAGES_DIR
from knowledge.loader import KnowledgeBase, load_knowledge

HEADER = "# Generated from knowledge/pages by `make nlu` (python -m knowledge.nlu_export): do not edit.\n"


def render_lookups(kb: KnowledgeBase) -> str:
    """The YAML text of the lookup table, stable across runs."""
    index = kb.name_index()
    lines = [HEADER, 'version: "3.1"', "nlu:", "- lookup: procedure", "  examples: |"]
    lines += [f"    - {_quote(variant)}" for variant in sorted(index)]
    # No synonyms: the extractor emits the CPT code itself (bot/components/procedure_extractor.py).
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    """A YAML-safe list item inside a literal block (plain text, one line)."""
    return text.replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, verify) the generated NLU file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the generated file is stale")
    parser.add_argument("--pages", type=Path, default=PAGES_DIR)
    parser.add_argument("--out", type=Path, default=LOOKUP_FILE)
    args = parser.parse_args(argv)
    text = render_lookups(load_knowledge(args.pages))
    current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    if args.check:
        if current != text:
            print(f"{args.out} is stale: run `make nlu`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

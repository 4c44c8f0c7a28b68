"""Build the spaCy pipeline that Rasa's ``SpacyNLP`` loads: the knowledge base's matcher.

``spacy.blank("en")`` gives the tokenizer; a ``sentencizer`` marks the sentences
(the red-flag check reads each one); an ``entity_ruler`` holds one phrase
pattern for every way a page can be named (name, aliases, descriptor, CPT
code), with the CPT code as the entity id (several for a name pages share), in
the forms of :mod:`common.entities`. Run in the Rasa runtime: ``python -m bot.spacy_pipeline``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import entities
from common.paths import PAGES_DIR, SPACY_PIPELINE_DIR
from knowledge.loader import KnowledgeBase, load_knowledge
from knowledge.names import name_variants

LABEL = "PROCEDURE"
#: The pipes besides the tokenizer: a change here rebuilds the pipeline.
PIPES = ("sentencizer", "entity_ruler")
RELATED_LABEL = "RELATED"


def patterns(kb: KnowledgeBase) -> list[dict[str, str]]:
    """One phrase pattern per name variant, with the CPT code(s) as its id.

    Procedures that a page lists under "Similar Codes" but that have no page of
    their own are matched too (label RELATED, id: the code, then the pages that
    list it), so that the bot can offer the related page.
    """
    names = kb.name_index()
    items = [
        {"label": LABEL, "pattern": variant, "id": entities.encode_codes(codes)}
        for variant, codes in sorted(names.items())
    ]
    related: dict[str, set[str]] = {}
    listed_by: dict[str, set[str]] = {}
    for page in kb:
        for similar in page.similar_codes:
            if kb.get(similar.cpt) is not None:
                continue
            listed_by.setdefault(similar.cpt, set()).add(page.cpt)
            for variant in {similar.cpt, *name_variants(similar.name)}:
                if variant not in names:
                    related.setdefault(variant, set()).add(similar.cpt)
    for variant, codes in sorted(related.items()):
        if len(codes) == 1:
            code = next(iter(codes))
            related_id = entities.encode_related(entities.Related(code, tuple(listed_by[code])))
            items.append({"label": RELATED_LABEL, "pattern": variant, "id": related_id})
    return items


def build(kb: KnowledgeBase, out: Path) -> int:
    """Write the pipeline to ``out`` (unless its patterns are unchanged); return the number of patterns."""
    items = patterns(kb)
    summary = out / "patterns.summary.json"
    fingerprint = json.dumps(items, sort_keys=True) + json.dumps(PIPES)
    if summary.exists() and json.loads(summary.read_text(encoding="utf-8")).get("fingerprint") == fingerprint:
        (out / "meta.json").touch()  # up to date: tell make so
        return len(items)
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    ruler.add_patterns(items)  # type: ignore[attr-defined]
    nlp.meta["name"] = "clinic_procedures"
    nlp.meta["description"] = "Tokenizer and procedure-name matcher generated from knowledge/pages"
    out.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    summary.write_text(json.dumps({"patterns": len(items), "fingerprint": fingerprint}), encoding="utf-8")
    return len(items)


def main(argv: list[str] | None = None) -> int:
    """Build the pipeline from the knowledge pages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, default=PAGES_DIR)
    parser.add_argument("--out", type=Path, default=SPACY_PIPELINE_DIR)
    args = parser.parse_args(argv)
    count = build(load_knowledge(args.pages), args.out)
    print(f"spaCy pipeline with {count} procedure-name patterns written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

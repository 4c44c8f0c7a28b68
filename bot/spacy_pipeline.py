"""Build the spaCy pipeline that Rasa's ``SpacyNLP`` loads: the knowledge base's matcher.

``spacy.blank("en")`` gives the tokenizer; a ``sentencizer`` marks the sentences
(the red-flag check reads each one); an ``entity_ruler`` holds one phrase
pattern for every way a page can be named (name, aliases, descriptor, CPT
code, each in its word forms: "colonoscopies", "echocardiography"), with the CPT
code as the entity id (several for a name pages share), in the forms of
:mod:`common.entities`. The pages' family words and terms ("ct scan",
"meniscus") are patterns of a ``span_ruler`` (labelled FAMILY, in
``doc.spans["procedure_family"]``), apart from the entities, so that they never
hide a name they overlap: the extractor uses them only when no page is named. None of this is a training input: the
server loads the pipeline by path, so a page change never retrains the model.
Run in the Rasa runtime: ``python -m bot.spacy_pipeline``.
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
#: The pipeline's components, in order (part of the fingerprint: a new one rebuilds the pipeline).
PIPES = ["sentencizer", "entity_ruler", "span_ruler"]
RELATED_LABEL = "RELATED"
FAMILY_LABEL = "FAMILY"
#: Words that only narrow a family word or a shared name ("stomach"): in the same span group.
NARROWER_LABEL = "NARROWER"
#: Where the span ruler puts the family words and terms it finds.
FAMILY_SPANS = "procedure_family"


def patterns(kb: KnowledgeBase) -> list[dict[str, str]]:
    """One phrase pattern per name variant, with the CPT code(s) as its id.

    Procedures that a page lists under "Similar Codes" but that have no page of
    their own are matched too (label RELATED, id: the code, then the pages that
    list it), so that the bot can offer the related page.
    """
    names = kb.form_index()
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
    items += [
        {"label": FAMILY_LABEL, "pattern": variant, "id": entities.encode_codes(codes)}
        for variant, codes in sorted(kb.family_index().items())
        if variant not in related
    ]
    items += [
        {"label": NARROWER_LABEL, "pattern": variant, "id": entities.encode_codes(codes)}
        for variant, codes in sorted(kb.narrower_index().items())
        if variant not in related
    ]
    return items


def build(kb: KnowledgeBase, out: Path) -> int:
    """Write the pipeline to ``out`` (unless its patterns are unchanged); return the number of patterns."""
    items = patterns(kb)
    summary = out / "patterns.summary.json"
    # The components and the layout's version too: the same patterns laid out anew are a new pipeline.
    fingerprint = json.dumps({"pipes": PIPES, "layout": 2, "patterns": items}, sort_keys=True)
    if summary.exists() and json.loads(summary.read_text(encoding="utf-8")).get("fingerprint") == fingerprint:
        (out / "meta.json").touch()  # up to date: tell make so
        return len(items)
    import spacy

    nlp = spacy.blank("en")
    # Sentence boundaries from punctuation (rule-based): bot/components/sentences.py passes them on.
    nlp.add_pipe("sentencizer")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    spanned = {FAMILY_LABEL, NARROWER_LABEL}
    ruler.add_patterns([item for item in items if item["label"] not in spanned])  # type: ignore[attr-defined]
    spans = nlp.add_pipe("span_ruler", config={"spans_key": FAMILY_SPANS, "phrase_matcher_attr": "LOWER"})
    spans.add_patterns([item for item in items if item["label"] in spanned])  # type: ignore[attr-defined]
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

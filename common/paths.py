"""Where the knowledge base's files live, relative to the repository root."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = ROOT / "knowledge" / "pages"
NLU_DIR = ROOT / "data" / "nlu"
LOOKUP_FILE = NLU_DIR / "lookups" / "procedures.yml"
BUILD_DIR = ROOT / "build"
SPACY_PIPELINE_DIR = BUILD_DIR / "spacy_pipeline"
INDEX_DIR = BUILD_DIR / "index"

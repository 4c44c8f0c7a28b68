"""Checks before serving: the files the bot needs are there and readable.

Run by ``serving/__main__.py (python -m serving)`` before any server starts, so that a missing or
corrupt file stops ``make run`` with a message that names the file, instead
of a Rasa server without a model (Rasa 3.6 serves on without one) or an action
server that fails later. The action server's own warm-up repeats the
knowledge checks. Serving beyond loopback with the development secrets is
refused too.
"""

from __future__ import annotations

import json
import tarfile
import zlib
from pathlib import Path

from common.launch import development_secrets
from common.paths import BUILD_DIR, SPACY_PIPELINE_DIR
from common.settings import Settings
from knowledge.index import MANIFEST, verify
from knowledge.loader import check_folder


def check_model(model: Path) -> list[str]:
    """Problems of the trained model archive (a gzipped tar with ``metadata.json``)."""
    if not model.is_file():
        return [f"{model}: the trained model is missing: run `make model`"]
    try:
        with tarfile.open(model, "r:gz") as archive:
            names = {member.name for member in archive}  # reads the whole archive: catches truncation
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        return [f"{model}: the trained model is unreadable ({exc}): delete it and run `make model`"]
    if "metadata.json" not in names:
        return [f"{model}: not a Rasa model (no metadata.json): delete it and run `make model`"]
    return []


def check_index(index_dir: Path) -> list[str]:
    """Problems of a stored index, every segment read (a missing index is built by the action server at start)."""
    if not (index_dir / MANIFEST).exists():
        return []
    return [f"{problem}: delete {index_dir} and run `make index`" for problem in verify(index_dir)]


def check_knowledge(pages_dir: Path) -> list[str]:
    """Errors of the procedure pages, each with file and line."""
    if not pages_dir.is_dir():
        return [f"{pages_dir}: the knowledge folder is missing (KNOWLEDGE_DIR)"]
    kb, problems = check_folder(pages_dir)
    errors = [str(p) for p in problems if p.severity == "error"]
    if not errors and not len(kb):
        errors.append(f"{pages_dir}: no procedure pages")
    return errors


def check_spacy_pipeline(folder: Path = SPACY_PIPELINE_DIR) -> list[str]:
    """Problems of the spaCy pipeline that the model loads by path."""
    meta = folder / "meta.json"
    if not meta.is_file():
        return [f"{meta}: the spaCy pipeline is missing: run `make spacy`"]
    try:
        json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{meta}: the spaCy pipeline is corrupt ({exc}): delete {folder} and run `make spacy`"]
    return []


def check_secrets(config: Settings) -> list[str]:
    """The development secrets are refused when the bot listens beyond this machine."""
    return development_secrets(config)


def check_reader(folder: Path = BUILD_DIR / "reader") -> list[str]:
    """Problems of the reader's models (``make reader``): present, readable, all heads, their encoder's file."""
    from actions.reader import Reader

    if not (folder / "reader.json").is_file():
        return [f"{folder}/reader.json is missing: run `make reader`"]
    try:
        reader = Reader.load(folder)
    except (OSError, ValueError, KeyError, zlib.error) as error:
        return [f"{folder} cannot be read ({error}): delete it and run `make reader`"]
    problem = reader.encoder_problem()
    return [problem] if problem else []


def problems(config: Settings, model: Path) -> list[str]:
    """Everything that would keep the bot from serving fully and safely, one line each."""
    return [
        *check_secrets(config),
        *check_model(model),
        *check_spacy_pipeline(),
        *check_knowledge(config.knowledge_dir),
        *check_index(config.index_dir),
        *check_reader(),
    ]

"""Built readers kept outside the checkout, by the digest of everything that built them.

``make reader`` on a fresh clone of a commit this machine has built before copies the reader's files instead of
fitting its heads again (about two minutes). The key is the digest of every input the build reads: the code
(``actions/``, ``common/``, ``knowledge/``, ``tools/``), the corpus and the team's NLU examples (``data/``), what
the trained Rasa model made of the validation writers, the pinned requirements, and the models whose vectors the
heads read (the stock model's ONNX file and, with ``tuned``, the fine-tuned encoder's). A change to any of them is
another key, so it builds, as in one checkout. Only the last few builds are kept.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from common.paths import ROOT

#: The files a reader is (``reader.json`` names the encoder by its digest; the encoder itself is cached apart).
FILES = ("reader.json", "reader.npz", "lexicon.json")
#: Code folders whose Python files may change what a build makes.
CODE = ("actions", "common", "knowledge", "tools")
KEEP = 4


def _inputs(root: Path, extra: Iterable[Path]) -> list[Path]:
    code = [p for folder in CODE for p in (root / folder).rglob("*.py")]
    data = [p for p in (root / "data").rglob("*") if p.is_file()]
    return sorted({*code, *data, root / "requirements" / "actions.txt", *extra})


def key(encoder: str, models: Iterable[Path], validation: Path, root: Path = ROOT) -> str:
    """The digest of everything a build of the reader reads (``encoder``: ``stock`` or ``tuned``)."""
    digest = hashlib.sha256(f"encoder={encoder}\n".encode())
    for path in _inputs(root, [*models, validation]):
        name = os.path.relpath(path, root)
        digest.update(f"{name}\n".encode())
        if not path.is_file():
            digest.update(b"<missing>\n")
            continue
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:24]


def restore(cache: Path, build_key: str, out: Path) -> bool:
    """Copy a cached build into ``out``; False when there is none for this key."""
    source = cache / build_key
    if not all((source / name).is_file() for name in FILES):
        return False
    out.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        partial = out / f".{name}.partial"
        shutil.copyfile(source / name, partial)
        partial.replace(out / name)
    os.utime(source)  # recently used: kept longest
    return True


def store(cache: Path, build_key: str, out: Path) -> None:
    """Keep ``out``'s build under its key (written whole, then renamed), and drop all but the newest few."""
    cache.mkdir(parents=True, exist_ok=True)
    if (cache / build_key).is_dir():
        return
    partial = Path(tempfile.mkdtemp(dir=cache, prefix=".partial-"))
    for name in FILES:
        shutil.copyfile(out / name, partial / name)
    try:
        partial.rename(cache / build_key)
    except OSError:  # another clone stored the same build meanwhile
        shutil.rmtree(partial, ignore_errors=True)
    builds = sorted((p for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".")), key=_age)
    for old in builds[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)


def _age(path: Path) -> float:
    return path.stat().st_mtime

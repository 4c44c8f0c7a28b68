"""The index on disk: a manifest and immutable row segments, written crash-safely.

Storage (``FORMAT_VERSION`` 2) is a folder of immutable row segments and a
manifest that says which rows of which segment hold each page::

    manifest.json         model, dimensions, segments and their row counts, pages
    embeddings.npy        the base segment: every page, written by a full build
    delta-<id>.npy        the pages embedded since, one segment per incremental build

A page's rows are its passages' and then its profile row (``"profile": true``
in its manifest entry), written in the same segment, so they share its crash safety.

An incremental build writes a new delta segment (only the changed pages' rows,
synced to disk) and then replaces the manifest atomically; segments no longer
named are deleted by a later build. A crash at any point leaves the old manifest
and every segment it names in place. When dead rows outweigh live ones (or a
build embeds more rows than it keeps) the index is rewritten whole into a
staging folder that replaces the old one, as format 1 was; more than
``MAX_DELTAS`` deltas are merged, the smallest first. A format 1 index (the base
segment only) is read; pages without a profile row are embedded once more.
Segments are memory-mapped: loading reads the manifest, and a page's vectors are
read from the operating system's file cache when searched. :func:`verify` reads
every row, still through the map, to find damage before serving.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, TypeGuard

import numpy as np

from knowledge.embedder import Vectors
from knowledge.loader import KnowledgeBase
from knowledge.model import KnowledgeError, ProcedurePage

FORMAT_VERSION = 2
READABLE_FORMATS = frozenset({1, 2})  # format 1 is format 2 with the base segment only
MANIFEST = "manifest.json"
EMBEDDINGS = "embeddings.npy"  # the base segment
DELTA_PREFIX = "delta-"
#: More delta segments than this are merged: the smallest ones, down to half as many.
MAX_DELTAS = 16
#: Unreferenced segments younger than this are left alone: another writer may be about to name them.
SEGMENT_GRACE_SECONDS = 60.0
#: How much of a segment :func:`verify` checks at a time: a large index is never held in memory whole.
_VERIFY_CHUNK_BYTES = 16 << 20

WriteKind = Literal["unchanged", "incremental", "full"]


class IndexUnavailableError(KnowledgeError):
    """The stored index is missing or unreadable."""


@dataclass
class Store:
    """A stored index: its manifest and its memory-mapped segments."""

    folder: Path
    model_id: str
    dimensions: int
    segments: dict[str, Vectors]
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rows(self, meta: Mapping[str, Any]) -> Vectors:
        """The stored rows of one page."""
        if meta["end"] <= meta["start"]:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return self.segments[meta["segment"]][meta["start"] : meta["end"]]


def open_store(folder: Path, model_id: str) -> Store | None:
    """The stored index, or ``None`` when there is none (or another model or format built it).

    Raises:
        IndexUnavailableError: when the manifest or a segment it names is unreadable or inconsistent.
    """
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("format") not in READABLE_FORMATS or manifest.get("model") != model_id:
            return None
        pages: dict[str, dict[str, Any]] = manifest["pages"]
        dimensions = int(manifest["dimensions"])
        expected: dict[str, int | None] = manifest.get("segments", {EMBEDDINGS: None})
        segments: dict[str, Vectors] = {}
        for name, rows in expected.items():
            if os.path.basename(name) != name:
                raise ValueError(f"segment name {name!r}")
            matrix = np.load(folder / name, mmap_mode="r", allow_pickle=False)
            if (problem := _segment_problem(matrix, rows, dimensions)) is not None:
                raise ValueError(f"{name} {problem}")
            segments[name] = np.asarray(matrix)  # a plain view of the map: slicing it is cheaper
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexUnavailableError(
            f"the index in {folder} is unreadable ({exc}): delete it and run `make index`"
        ) from exc
    for meta in pages.values():
        meta.setdefault("segment", EMBEDDINGS)
        segment = segments.get(meta["segment"])
        if segment is None or not 0 <= meta["start"] <= meta["end"] <= len(segment):
            raise IndexUnavailableError(f"the index in {folder} is corrupt: delete it and run `make index`")
    return Store(folder, model_id, dimensions, segments, pages)


def _segment_problem(matrix: np.ndarray[Any, Any], rows: int | None, dimensions: int) -> str | None:
    """What is wrong with a loaded segment's shape or type (``rows`` is ``None`` when not recorded)."""
    if matrix.ndim != 2 or (rows is not None and matrix.shape[0] != rows) or matrix.dtype != np.float32:
        return f"holds {matrix.dtype} {matrix.shape}, expected float32 ({rows}, {dimensions})"
    if len(matrix) and matrix.shape[1] != dimensions:
        return f"has {matrix.shape[1]} columns, expected {dimensions}"
    return None


def write_store(
    kb: KnowledgeBase, fresh: Mapping[str, Vectors], store: Store | None, folder: Path, model_id: str
) -> tuple[Store, WriteKind]:
    """Store the fresh rows: a new delta segment when that is cheap, else the whole index anew.

    ``fresh`` holds the rows of the pages of ``kb`` that ``store`` lacks; every other page's are kept from it.
    """
    dimensions = _dimensions(fresh.values(), store)
    if store is None:
        return _write_full(kb, fresh, None, folder, model_id, dimensions), "full"
    kept = {
        page.cpt: store.pages[page.cpt]
        for page in kb
        if page.cpt not in fresh and store.pages.get(page.cpt, {}).get("hash") == page.content_hash
    }
    live = sum(meta["end"] - meta["start"] for meta in kept.values())
    stored = sum(len(matrix) for matrix in store.segments.values())
    new = sum(len(rows) for rows in fresh.values())
    if stored - live > live + new or new > live:
        return _write_full(kb, fresh, store, folder, model_id, dimensions), "full"
    return _write_delta(kb, fresh, store, kept, folder), "incremental"


def _dimensions(blocks: Iterable[Vectors], store: Store | None) -> int:
    for rows in blocks:
        return int(rows.shape[1])
    return store.dimensions if store is not None else 1


def _write_full(
    kb: KnowledgeBase,
    fresh: Mapping[str, Vectors],
    store: Store | None,
    folder: Path,
    model_id: str,
    dimensions: int,
) -> Store:
    """Write every page's rows into one base segment of a staging folder that replaces the index."""
    blocks: list[Vectors] = []
    pages: dict[str, dict[str, Any]] = {}
    rows = 0
    for page in kb:
        if page.cpt in fresh:
            block = fresh[page.cpt]
        elif store is not None and store.pages.get(page.cpt, {}).get("hash") == page.content_hash:
            block = store.rows(store.pages[page.cpt])
        else:
            block = np.zeros((0, dimensions), dtype=np.float32)  # a page without passages
        pages[page.cpt] = _page_meta(page, EMBEDDINGS, rows, rows + len(block), _has_profile(page, fresh, store))
        rows += len(block)
        if len(block):
            blocks.append(block)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
    with (staging / EMBEDDINGS).open("wb") as out:
        _write_rows(out, blocks, rows, dimensions)
    _write_manifest(staging, model_id, dimensions, {EMBEDDINGS: rows}, pages)
    retired = folder.with_name(folder.name + ".old")
    if folder.exists():
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(folder, retired)
    os.replace(staging, folder)
    shutil.rmtree(retired, ignore_errors=True)
    base = np.asarray(np.load(folder / EMBEDDINGS, mmap_mode="r", allow_pickle=False))
    return Store(folder, model_id, dimensions, {EMBEDDINGS: base}, pages)


def _write_delta(
    kb: KnowledgeBase,
    fresh: Mapping[str, Vectors],
    store: Store,
    kept: dict[str, dict[str, Any]],
    folder: Path,
) -> Store:
    """Write the fresh rows as a new delta segment, then the manifest that names it; drop dead segments."""
    live: dict[str, int] = {EMBEDDINGS: 0}  # live rows by segment
    for meta in kept.values():
        live[meta["segment"]] = live.get(meta["segment"], 0) + meta["end"] - meta["start"]
    moving = dict(fresh)
    deltas = sorted((name for name in live if name != EMBEDDINGS), key=lambda name: live[name])
    if fresh and len(deltas) + 1 > MAX_DELTAS:
        # Merge the smallest deltas into the new one (size-tiered: big deltas are rarely rewritten).
        merged = set(deltas[: len(deltas) + 1 - MAX_DELTAS // 2])
        for cpt, meta in list(kept.items()):
            if meta["segment"] in merged:
                moving[cpt] = store.rows(meta)
                del kept[cpt]
        live = {name: rows for name, rows in live.items() if name not in merged}
    segments = {name: store.segments[name] for name in live}
    pages: dict[str, dict[str, Any]] = {}
    blocks: list[Vectors] = []
    name = f"{DELTA_PREFIX}{uuid.uuid4().hex}.npy"
    rows = 0
    for page in kb:
        if page.cpt in moving:
            block = moving[page.cpt]
            pages[page.cpt] = _page_meta(page, name, rows, rows + len(block), _has_profile(page, moving, store))
            rows += len(block)
            blocks.append(block)
        elif page.cpt in kept:
            meta = kept[page.cpt]
            pages[page.cpt] = meta if meta.get("file") == page.source.name else {**meta, "file": page.source.name}
        else:
            pages[page.cpt] = _page_meta(page, EMBEDDINGS, 0, 0)  # a page without passages
    if blocks:
        staging = folder / f".{name}.tmp"
        with staging.open("wb") as out:
            _write_rows(out, blocks, rows, store.dimensions)
            _flush(out)  # on disk before a manifest names it
        os.replace(staging, folder / name)
        segments[name] = np.asarray(np.load(folder / name, mmap_mode="r", allow_pickle=False))
    _write_manifest(
        folder, store.model_id, store.dimensions, {n: len(m) for n, m in segments.items()}, pages, durable=True
    )
    _remove_unused_segments(folder, set(segments))
    return Store(folder, store.model_id, store.dimensions, segments, pages)


def _page_meta(page: ProcedurePage, segment: str, start: int, end: int, profile: bool = False) -> dict[str, Any]:
    meta = {"hash": page.content_hash, "file": page.source.name, "segment": segment, "start": start, "end": end}
    return {**meta, "profile": True} if profile else meta


def _has_profile(page: ProcedurePage, rows: Mapping[str, Vectors], store: Store | None) -> bool:
    """Whether a page's rows end with its profile row: fresh rows do; stored rows do when their entry says so."""
    if page.cpt in rows and len(rows[page.cpt]) == len(page.passages) + 1:
        return True
    meta = store.pages.get(page.cpt, {}) if store is not None else {}
    return bool(meta.get("profile")) and meta.get("hash") == page.content_hash


def _write_rows(out: BinaryIO, blocks: Sequence[Vectors], rows: int, dimensions: int) -> None:
    """Write blocks of rows as one ``.npy`` float32 matrix, without stacking them in memory first."""
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False}
    np.lib.format.write_array_header_1_0(out, {**header, "shape": (rows, dimensions)})
    for block in blocks:
        out.write(np.ascontiguousarray(block, dtype=np.float32).tobytes())


def _write_manifest(
    folder: Path,
    model_id: str,
    dimensions: int,
    segments: Mapping[str, int],
    pages: Mapping[str, Any],
    durable: bool = False,
) -> None:
    """Replace the manifest atomically (``durable``: and on disk, with the segments it names, when this returns)."""
    manifest = {
        "format": FORMAT_VERSION,
        "model": model_id,
        "dimensions": dimensions,
        "segments": dict(segments),
        "pages": pages,
    }
    staging = folder / f".{MANIFEST}.{uuid.uuid4().hex}.tmp"
    with staging.open("w", encoding="utf-8") as out:
        out.write(json.dumps(manifest, separators=(",", ":"), sort_keys=True))
        if durable:
            _flush(out)
    os.replace(staging, folder / MANIFEST)
    if durable:
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # the renames
        finally:
            os.close(directory)


def _flush(out: IO[Any]) -> None:
    out.flush()
    os.fsync(out.fileno())


def _remove_unused_segments(folder: Path, used: set[str]) -> None:
    """Delete delta segments (and leftovers of interrupted writes) that no manifest names any more."""
    deadline = time.time() - SEGMENT_GRACE_SECONDS
    for path in folder.iterdir():
        leftover = path.name.startswith(".") and path.name.endswith(".tmp")
        unused = path.name.startswith(DELTA_PREFIX) and path.name not in used
        try:
            if (leftover or unused) and path.stat().st_mtime < deadline:
                path.unlink()
        except OSError:
            pass  # gone already, or not ours to delete: try again next time


def verify(index_dir: Path) -> list[str]:
    """Every problem of the stored index in a folder, one line each naming its file (empty when sound).

    The manifest must parse and have a known format; every segment it names (base
    and deltas) must exist and hold finite float32 rows of the recorded count and
    width; every page's rows must lie in its segment. Unlike :func:`open_store`,
    this reads every row: memory-mapped, a slice at a time.
    """
    manifest_path = index_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"{manifest_path}: the index manifest is missing"]
    except (OSError, ValueError) as exc:  # ValueError: bad JSON or bad UTF-8
        return [f"{manifest_path}: the index manifest is unreadable ({exc})"]
    if (problem := _manifest_problem(manifest)) is not None:
        return [f"{manifest_path}: the index manifest {problem}"]
    segments: dict[str, int | None] = manifest.get("segments", {EMBEDDINGS: None})  # format 1: the base only
    problems: list[str] = []
    lengths: dict[str, int | None] = {}
    for name, rows in segments.items():
        problem, length = _verify_segment(index_dir / name, rows, manifest["dimensions"])
        problems += [problem] if problem is not None else []
        lengths[name] = rows if rows is not None else length  # the pages must agree with the manifest
    bad = {cpt: why for cpt, meta in manifest["pages"].items() if (why := _page_problem(meta, lengths))}
    if bad:
        cpt, why = next(iter(bad.items()))
        problems.append(f"{manifest_path}: {len(bad)} page entries of the index manifest are wrong; {cpt}: {why}")
    return problems


def _manifest_problem(manifest: Any) -> str | None:
    """What keeps a parsed manifest from being read at all, or ``None``."""
    if not isinstance(manifest, dict):
        return "is not a JSON object"
    if manifest.get("format") not in READABLE_FORMATS:
        return f"has the unknown format {manifest.get('format')!r} (readable: {sorted(READABLE_FORMATS)})"
    if not _is_count(manifest.get("dimensions")) or not manifest["dimensions"]:
        return f"has no valid dimensions ({manifest.get('dimensions')!r})"
    segments = manifest.get("segments", {})
    if not isinstance(segments, dict) or not all(rows is None or _is_count(rows) for rows in segments.values()):
        return "does not map its segments to row counts"
    if not all(name and os.path.basename(name) == name for name in segments):
        return f"names a segment outside {MANIFEST}'s folder"
    return None if isinstance(manifest.get("pages"), dict) else "has no pages"


def _verify_segment(path: Path, rows: int | None, dimensions: int) -> tuple[str | None, int | None]:
    """The problem of one segment file (or ``None``), and its row count when it could be read."""
    try:
        # Memory-mapped: the rows are read below through the file cache, never copied whole.
        matrix = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        return f"{path}: the index segment is missing (the manifest names it)", None
    except (OSError, ValueError, EOFError) as exc:  # a truncated segment fails to map: ValueError
        return f"{path}: the index segment is unreadable ({exc})", None
    if not isinstance(matrix, np.ndarray):  # an .npz archive, say
        return f"{path}: the index segment is not a .npy matrix", None
    if (problem := _segment_problem(matrix, rows, dimensions)) is not None:
        return f"{path}: the index segment {problem}", len(matrix)
    step = max(1, _VERIFY_CHUNK_BYTES // (matrix.itemsize * max(1, matrix.shape[1])))
    for start in range(0, len(matrix), step):
        finite = np.isfinite(matrix[start : start + step]).all(axis=1)
        if not finite.all():
            row = start + int(np.argmin(finite))
            return f"{path}: row {row} of the index segment is not finite (NaN or infinity)", len(matrix)
    return None, len(matrix)


def _page_problem(meta: Any, lengths: Mapping[str, int | None]) -> str | None:
    """What is wrong with one page's manifest entry, or ``None``."""
    if not isinstance(meta, dict) or not isinstance(meta.get("hash"), str):
        return "no content hash"
    segment, start, end = meta.get("segment", EMBEDDINGS), meta.get("start"), meta.get("end")
    if segment not in lengths:
        return f"its segment {segment!r} is not among the manifest's segments"
    if not (_is_count(start) and _is_count(end) and start <= end):
        return f"rows {start!r} to {end!r} are not a range"
    length = lengths[segment]
    if length is not None and end > length:
        return f"rows {start} to {end} lie outside {segment} ({length} rows)"
    if meta.get("profile", False) not in (True, False) or (meta.get("profile") and end <= start):
        return f"its profile flag {meta.get('profile')!r} does not fit rows {start} to {end}"
    return None


def _is_count(value: object) -> TypeGuard[int]:
    return type(value) is int and value >= 0

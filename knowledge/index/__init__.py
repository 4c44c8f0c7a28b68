"""The semantic index: every passage embedded once, stored on disk, searched in memory.

Three modules behind these re-exports, so that callers import from ``knowledge.index`` alone:

- :mod:`knowledge.index.search`: :class:`Hit`, :class:`PageVectors`, :class:`PassageIndex`;
- :mod:`knowledge.index.storage`: the on-disk format (manifest, base and delta segments) and :func:`verify`;
- :mod:`knowledge.index.build`: :func:`build_index` and :func:`load_index`.

The constants are re-exported for reading; patch them in :mod:`knowledge.index.storage`, where they are used.
"""

from knowledge.index.build import BuildStats, build_index, load_index, passage_text
from knowledge.index.search import Hit, PageVectors, PassageIndex
from knowledge.index.storage import (
    DELTA_PREFIX,
    EMBEDDINGS,
    FORMAT_VERSION,
    MANIFEST,
    MAX_DELTAS,
    READABLE_FORMATS,
    SEGMENT_GRACE_SECONDS,
    IndexUnavailableError,
    WriteKind,
    verify,
)

__all__ = [
    "DELTA_PREFIX",
    "EMBEDDINGS",
    "FORMAT_VERSION",
    "MANIFEST",
    "MAX_DELTAS",
    "READABLE_FORMATS",
    "SEGMENT_GRACE_SECONDS",
    "BuildStats",
    "Hit",
    "IndexUnavailableError",
    "PageVectors",
    "PassageIndex",
    "WriteKind",
    "build_index",
    "load_index",
    "passage_text",
    "verify",
]

"""The process-wide knowledge service and answerer, built once, on first use."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from actions.answering import Answerer
from actions.decide import Decision, chosen, decide, thresholds
from actions.knowledge_service import KnowledgeService
from actions.question_vectors import HintListener, QuestionVectors, SpareCpu
from actions.reader import DEFAULT_DIR, Reader, Reading, Vectorise, side_by_side
from common.sentences import split_sentences
from common.settings import settings
from knowledge.embedder import Embedder, SentenceTransformerEmbedder, Vectors
from knowledge.onnx_embedder import DEFAULT_PATH, OnnxEmbedder

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_service: KnowledgeService | None = None
_reader: Reader | None = None
_reader_vectors: QuestionVectors | None = None

#: Reads a message's text (and the intent Rasa heard, with its confidence): what the models read, and what the
#: table decided.
Read = Callable[[str, str, float, bool], tuple[Reading, Decision]]


def service() -> KnowledgeService:
    """The knowledge service: pages loaded, index up to date, model loaded."""
    global _service
    with _lock:
        if _service is None:
            config = settings()
            embedder = question_embedder(config.embed_threads)
            _service = KnowledgeService(
                config.knowledge_dir,
                config.index_dir,
                embedder,
                hint_spare_cores=config.hint_spare_cores,
            )
            # The parsed pages live as long as the server: keep them out of the
            # garbage collector's full passes (about 0.5 s at 10,000 pages).
            gc.freeze()
        return _service


def question_embedder(threads: int | None) -> Embedder:
    """The model on ONNX Runtime (``make setup`` exports it), else on PyTorch: the same vectors."""
    if DEFAULT_PATH.is_file():
        return OnnxEmbedder(DEFAULT_PATH, threads=threads)
    logger.warning("%s is missing (make setup exports it): embedding with PyTorch, about 2x slower", DEFAULT_PATH)
    return SentenceTransformerEmbedder(threads=threads)


def listen_for_hints(host: str, port: int) -> HintListener | None:
    """Receive the Rasa server's question hints on UDP ``host:port`` (see :mod:`actions.question_vectors`)."""
    try:
        listener = HintListener([reader_vectors(), service().questions], host, port).start()
    except OSError as error:
        logger.warning(
            "question hints off: cannot listen on udp %s:%d (%s); answers are a few ms slower", host, port, error
        )
        return None
    logger.info("question hints on udp %s:%d", *listener.address)
    return listener


def reader() -> Reader:
    """The models ``make reader`` trained (``build/reader/``), loaded once."""
    global _reader
    with _lock:
        if _reader is None:
            _reader = Reader.load(DEFAULT_DIR)
        return _reader


def reader_vectors() -> QuestionVectors:
    """The reader's fine-tuned encoder's vectors (read beside the stock model's), or the stock model's when it has none.

    Raises:
        RuntimeError: the encoder file is not the one the reader's heads were fitted on (``make reader``).
    """
    global _reader_vectors
    model = reader()
    if model.encoder is None:
        return service().questions
    with _lock:
        if _reader_vectors is None:
            problem = model.encoder_problem()
            if problem:
                raise RuntimeError(problem)
            path, _ = model.encoder
            config = settings()
            spare = SpareCpu(min_idle_cores=config.hint_spare_cores) if config.hint_spare_cores > 0 else None
            _reader_vectors = QuestionVectors(OnnxEmbedder(path, threads=config.embed_threads), spare_cpu=spare)
        return _reader_vectors


def read_message(
    text: str, nlu_intent: str = "", nlu_confidence: float = 0.0, follow_up: bool = False
) -> tuple[Reading, Decision]:
    """Read a message with the models (on its question vectors, hinted or embedded now) and decide.

    A button's payload ("/ask_duration{...}") is the patient's choice, not words to read (row 0). ``follow_up``:
    the conversation has asked a question this message may continue (:func:`actions.decide.decide`).
    """
    if text.startswith("/"):
        return Reading(kinds={"general": 1.0}), chosen(nlu_intent)
    model = reader()
    embedded: dict[str, Vectors] = {}
    reading = model.read(text, split_sentences(text), _vectorise(embedded))
    reading = replace(reading, vectors=embedded)
    return reading, decide(reading, model.thresholds, nlu_intent, nlu_confidence, follow_up)


def _vectorise(embedded: dict[str, Vectors] | None = None) -> Vectorise:
    """The reader's vectors of some texts: the stock model's (hinted or embedded now), and the tuned encoder's.

    The stock model's vectors are also put in ``embedded`` by text, for retrieval to reuse this turn.
    """
    stock, tuned = service().questions, reader_vectors()

    def stock_vectors(texts: Sequence[str]) -> Vectors:
        rows = stock.vectors(texts)
        if embedded is not None:
            embedded.update(zip(texts, rows, strict=True))
        return np.vstack(rows)

    return side_by_side(stock_vectors, None if tuned is stock else lambda texts: np.vstack(tuned.vectors(texts)))


def reread(text: str) -> Reading:
    """A text read whole by the models (the message without its family words: see :class:`Answerer`)."""
    return reader().read(text, [], _vectorise())


def answerer() -> Answerer:
    """An answerer over the knowledge base as it is now (one per turn: cheap)."""
    limits = thresholds(reader().thresholds)
    return Answerer(
        service().view(),
        passage_threshold=settings().passage_threshold,
        procedure_threshold=limits["procedure"],
        reread=reread,
        page_doubt=limits["page_doubt"],
    )


def start_watching() -> threading.Event:
    """Reload the knowledge base when its pages change; set the returned event to stop."""
    stop = threading.Event()
    interval = settings().knowledge_reload_seconds
    if interval > 0:
        thread = threading.Thread(target=service().watch, args=(interval, stop), name="knowledge-reload", daemon=True)
        thread.start()
    return stop


def warm_up() -> None:
    """Build everything and embed one question, so the first patient does not wait."""
    svc = service()
    first = svc.procedures()[0][0] if svc.procedures() else None
    if first:
        svc.rank("how long does it take", first, "duration")
    read_message("how long does it take")
    answerer()

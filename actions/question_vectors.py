"""A patient's question embedded while Rasa is still understanding it.

In a knowledge-base turn the action server used to embed the question only
when Rasa called the action, after its NLU pipeline and policies had run:
about 5 ms of the model on the critical path, one after the other. The Rasa
server now sends the message's text as soon as its NLU pipeline starts
(:mod:`bot.components.question_hint`, one UDP datagram, never waited for),
and the action server embeds it on its own thread (:class:`QuestionVectors`)
while Rasa classifies the message on the other core. When the action asks
for the question's vector it is ready, or nearly.

A hint is only a head start. It can be lost, late or dropped and the answer
is the same: :meth:`QuestionVectors.vector` embeds the question itself when
no hint for that text is waiting. Each question is still embedded once: a
hinted vector is used by one turn and then forgotten.

A hint is speculative work: a message may turn out to be a greeting, or a
question whose short section is given whole, and its embedding is wasted.
So hints are taken only when the machine has about a core to spare
(:class:`SpareCpu`, from /proc/stat) and the hint thread is idle. On a quiet
server every question gets its head start; on a saturated one hints are
dropped instead of competing with the work that answers patients.

Message texts are kept in memory only until used or for ``ttl`` seconds, and
are never logged.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from common.hints import MAX_HINT_BYTES, decode_hint
from knowledge.embedder import Embedder, Vectors

logger = logging.getLogger(__name__)


def read_proc_stat(path: str = "/proc/stat") -> tuple[int, int] | None:
    """Idle and total CPU time of the machine so far (clock ticks), or ``None`` where /proc is absent."""
    try:
        with open(path, encoding="ascii") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    if len(fields) < 5:
        return None
    # user nice system idle iowait irq softirq steal [guest guest_nice: already in user/nice]
    return fields[3] + fields[4], sum(fields[:8])


class SpareCpu:
    """Whether the machine had at least ``min_idle_cores`` idle over the last ``period`` seconds or more."""

    def __init__(
        self,
        min_idle_cores: float = 0.5,
        period: float = 0.25,
        read: Callable[[], tuple[int, int] | None] = read_proc_stat,
        cores: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._min_idle = min_idle_cores
        self._period = period
        self._read = read
        self._cores = cores or os.cpu_count() or 1
        self._clock = clock
        self._last: tuple[int, int] | None = read()
        self._at = clock()
        self._spare = True

    def __call__(self) -> bool:
        """The last verdict, renewed when ``period`` has passed (cheap to call for every hint)."""
        now = self._clock()
        if now - self._at < self._period:
            return self._spare
        sample = self._read()
        if sample is None:
            return True  # no /proc: hint always
        if self._last is not None:
            idle, total = sample[0] - self._last[0], sample[1] - self._last[1]
            if total > 0:
                self._spare = idle / total * self._cores >= self._min_idle
        self._last, self._at = sample, now
        return self._spare


@dataclass
class HintStats:
    """What became of hints (for tests and the benchmark; no texts)."""

    received: int = 0
    started: int = 0
    dropped_busy: int = 0
    dropped_no_spare_cpu: int = 0
    used: int = 0
    embedded_inline: int = 0
    expired: int = 0


class QuestionVectors:
    """Question embeddings, started early by hints or computed on demand."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        capacity: int = 64,
        ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        spare_cpu: Callable[[], bool] | None = None,
    ) -> None:
        self._embedder = embedder
        self._spare_cpu = spare_cpu or (lambda: True)
        self._capacity = capacity
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._waiting: OrderedDict[str, tuple[float, Future[Vectors]]] = OrderedDict()
        self._running = False
        self._executor: ThreadPoolExecutor | None = None
        self.stats = HintStats()

    def hint(self, text: str) -> bool:
        """Start embedding ``text`` in the background (see :meth:`hint_all`)."""
        return self.hint_all((text,))

    def hint_all(self, texts: Sequence[str]) -> bool:
        """Start embedding a message's texts in one background batch.

        False when all are known already, the hint thread is busy, or no time is spare.
        """
        now = self._clock()
        with self._lock:
            self.stats.received += 1
            self._expire(now)
            fresh = [text for text in dict.fromkeys(texts) if text not in self._waiting]
            if not fresh:
                return False
            if self._running:
                self.stats.dropped_busy += 1
                return False
            if not self._spare_cpu():
                self.stats.dropped_no_spare_cpu += 1
                return False
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="question-hint")
            self._running = True
            self.stats.started += 1
            futures: dict[str, Future[Vectors]] = {text: Future() for text in fresh}
            for text, future in futures.items():
                self._waiting[text] = (now, future)
            while len(self._waiting) > self._capacity:
                self._waiting.popitem(last=False)
            self._executor.submit(self._embed, futures)
            return True

    def _embed(self, futures: dict[str, Future[Vectors]]) -> None:
        try:
            batch = self._embedder.encode(list(futures))
        except Exception as error:
            outcome: Vectors | Exception = error
        else:
            outcome = batch
        with self._lock:
            self._running = False  # before the results: a question waiting on one may hint the next at once
        for i, future in enumerate(futures.values()):
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome[i : i + 1])

    def vector(self, text: str) -> Vectors:
        """The question's embedding (one normalised row): the hinted one if any, else computed now."""
        return self.vectors([text])[0]

    def vectors(self, texts: Sequence[str]) -> list[Vectors]:
        """Several questions' embeddings: the hinted ones, and the rest embedded in one batch."""
        found: dict[str, Vectors] = {}
        with self._lock:
            self._expire(self._clock())
            entries = {text: self._waiting.pop(text, None) for text in texts}
        for text, entry in entries.items():
            if entry is None:
                continue
            try:
                found[text] = entry[1].result()
            except Exception:  # the hint failed; the question is embedded below
                logger.exception("embedding a hinted question failed")
            else:
                self.stats.used += 1
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            self.stats.embedded_inline += len(missing)
            batch = self._embedder.encode(missing)
            found.update({text: batch[i : i + 1] for i, text in enumerate(missing)})
        return [found[text] for text in texts]

    def counts(self) -> tuple[int, int]:
        """Questions answered so far with a hinted vector, and with one embedded on demand."""
        return self.stats.used, self.stats.embedded_inline

    def forget(self, texts: Iterable[str]) -> int:
        """Drop the waiting hints of these texts (a conversation being deleted); return how many."""
        dropped = 0
        with self._lock:
            for text in texts:
                if self._waiting.pop(text, None) is not None:
                    dropped += 1
        return dropped

    def waiting(self) -> int:
        """How many hinted texts are held now."""
        with self._lock:
            self._expire(self._clock())
            return len(self._waiting)

    def _expire(self, now: float) -> None:
        while self._waiting:
            first = next(iter(self._waiting.values()))
            if now - first[0] < self._ttl:
                return
            self._waiting.popitem(last=False)
            self.stats.expired += 1

    def close(self) -> None:
        """Stop the background thread (tests; a server just exits)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


class HintListener:
    """Receives hint datagrams on a UDP port and passes their texts to each :class:`QuestionVectors`.

    The action server keeps two when the reader has a fine-tuned encoder (``READER_ENCODER=tuned``): the reader
    reads every message with both models, and the stock one also ranks a section's passages.
    """

    def __init__(self, vectors: QuestionVectors | Sequence[QuestionVectors], host: str, port: int) -> None:
        self._vectors = [vectors] if isinstance(vectors, QuestionVectors) else list(dict.fromkeys(vectors))
        self._socket = socket.socket(_family(host), socket.SOCK_DGRAM)
        self._socket.bind((host, port))
        self._socket.settimeout(0.5)  # so that close() is noticed
        self.address: tuple[str, int] = self._socket.getsockname()[:2]
        self._thread = threading.Thread(target=self._serve, name="question-hints", daemon=True)
        self._closed = False

    def start(self) -> HintListener:
        """Listen on a daemon thread."""
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._closed:
            try:
                data, _ = self._socket.recvfrom(MAX_HINT_BYTES + 1)
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            texts = decode_hint(data)
            if texts:
                for vectors in self._vectors:
                    vectors.hint_all(texts)

    def close(self) -> None:
        """Stop listening."""
        self._closed = True
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._socket.close()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET

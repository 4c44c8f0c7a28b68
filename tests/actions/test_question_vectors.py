"""Questions embedded ahead on a hint from the Rasa server, or on demand: the same vectors either way."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from actions.question_vectors import HintListener, QuestionVectors, SpareCpu, read_proc_stat
from common.hints import MAX_HINT_BYTES, decode_hint, encode_hint
from knowledge.embedder import Vectors
from tests.support.fakes import HashingEmbedder


class CountingEmbedder:
    """HashingEmbedder's vectors, counting calls; optionally held until released."""

    model_id = "counting"

    def __init__(self, hold: threading.Event | None = None, fail: bool = False) -> None:
        self.inner = HashingEmbedder()
        self.calls: list[str] = []
        self.started = threading.Event()
        self._hold = hold
        self._fail = fail

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.calls.extend(texts)
        self.started.set()
        if self._hold is not None:
            self._hold.wait(5)
        if self._fail:
            raise RuntimeError("model failed")
        return self.inner.encode(texts)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def wait_until(condition: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail("condition not reached in time")
        time.sleep(0.005)


def test_a_hinted_question_is_embedded_once_and_gives_the_same_vector() -> None:
    embedder = CountingEmbedder()
    vectors = QuestionVectors(embedder)
    assert vectors.hint("how long does a colonoscopy take?")
    got = vectors.vector("how long does a colonoscopy take?")
    expected = HashingEmbedder().encode(["how long does a colonoscopy take?"])
    np.testing.assert_array_equal(got, expected)
    assert embedder.calls == ["how long does a colonoscopy take?"]
    assert vectors.counts() == (1, 0)
    vectors.close()


def test_without_a_hint_the_question_is_embedded_on_demand() -> None:
    embedder = CountingEmbedder()
    vectors = QuestionVectors(embedder)
    got = vectors.vector("does it hurt")
    np.testing.assert_array_equal(got, HashingEmbedder().encode(["does it hurt"]))
    assert vectors.counts() == (0, 1)


def test_a_hinted_vector_serves_one_turn_only() -> None:
    embedder = CountingEmbedder()
    vectors = QuestionVectors(embedder)
    vectors.hint("can i drive home after")
    vectors.vector("can i drive home after")
    vectors.vector("can i drive home after")
    assert vectors.counts() == (1, 1)
    assert len(embedder.calls) == 2
    vectors.close()


def test_hints_are_dropped_while_the_thread_is_busy_and_the_answer_waits_for_a_running_one() -> None:
    release = threading.Event()
    embedder = CountingEmbedder(hold=release)
    vectors = QuestionVectors(embedder)
    assert vectors.hint("first question")
    assert embedder.started.wait(5)
    assert not vectors.hint("second question"), "a busy thread must not queue work"
    assert not vectors.hint("first question"), "a text already waiting is not embedded twice"
    assert vectors.stats.dropped_busy == 1
    result: list[Vectors] = []
    waiter = threading.Thread(target=lambda: result.append(vectors.vector("first question")))
    waiter.start()
    time.sleep(0.05)
    assert not result, "the answer waits for the running embedding"
    release.set()
    waiter.join(5)
    np.testing.assert_array_equal(result[0], HashingEmbedder().encode(["first question"]))
    assert embedder.calls == ["first question"]
    vectors.close()


def test_old_hints_expire_and_the_count_is_bounded() -> None:
    clock = Clock()
    embedder = CountingEmbedder()
    vectors = QuestionVectors(embedder, capacity=3, ttl=30.0, clock=clock)
    for n in range(5):
        vectors.hint(f"question {n}")
        wait_until(lambda: not vectors._running)
    assert vectors.waiting() == 3
    clock.now = 31.0
    assert vectors.waiting() == 0
    assert vectors.stats.expired == 3
    vectors.vector("question 4")
    assert vectors.counts() == (0, 1), "an expired hint is not used"
    vectors.close()


def test_a_failed_hint_falls_back_to_embedding_now() -> None:
    failing = CountingEmbedder(fail=True)
    vectors = QuestionVectors(failing)
    vectors.hint("is it safe")
    wait_until(lambda: not vectors._running)
    failing._fail = False
    got = vectors.vector("is it safe")
    np.testing.assert_array_equal(got, HashingEmbedder().encode(["is it safe"]))
    assert vectors.counts() == (0, 1)
    vectors.close()


def test_the_wire_format_keeps_the_texts_exactly_and_skips_what_is_no_question() -> None:
    text = "  what are the risks? é 🙂 "
    data = encode_hint([text])
    assert data is not None
    assert decode_hint(data) == (text,), "the action looks the vector up by the exact text"
    several = encode_hint(["how long is it", "can I drive after?"])
    assert several is not None and decode_hint(several) == ("how long is it", "can I drive after?")
    assert encode_hint(['/inform_procedure{"procedure": "45378"}']) is None
    assert encode_hint(["   "]) is None
    assert encode_hint(["x" * MAX_HINT_BYTES]) is None
    assert decode_hint(b"GET / HTTP/1.1\r\n") == ()
    assert decode_hint(b"clinic-faq-hint/1\nhow long is it") == ()  # an older format is ignored
    assert decode_hint(data[:-3] + b"\xff\xfe\xfd") == ()


def test_the_listener_passes_hint_datagrams_on_and_ignores_others() -> None:
    embedder = CountingEmbedder()
    vectors = QuestionVectors(embedder)
    listener = HintListener(vectors, "127.0.0.1", 0).start()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sender.sendto(b"not a hint", listener.address)
        data = encode_hint(["who does the scan?"])
        assert data is not None
        sender.sendto(data, listener.address)
        wait_until(lambda: vectors.stats.received == 1 and not vectors._running)
        vectors.vector("who does the scan?")
        assert vectors.counts() == (1, 0)
        assert embedder.calls == ["who does the scan?"]
    finally:
        sender.close()
        listener.close()
        vectors.close()


def test_the_listener_hints_the_readers_encoder_and_the_knowledge_bases_model_alike() -> None:
    reading, ranking = CountingEmbedder(), CountingEmbedder()
    reader_vectors, kb_vectors = QuestionVectors(reading), QuestionVectors(ranking)
    listener = HintListener([reader_vectors, kb_vectors, reader_vectors], "127.0.0.1", 0).start()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        data = encode_hint(["can I drive home after?"])
        assert data is not None
        sender.sendto(data, listener.address)
        wait_until(lambda: all(v.stats.received == 1 and not v._running for v in (reader_vectors, kb_vectors)))
        reader_vectors.vector("can I drive home after?")
        kb_vectors.vector("can I drive home after?")
        assert reader_vectors.counts() == (1, 0) and kb_vectors.counts() == (1, 0)
        assert reading.calls == ranking.calls == ["can I drive home after?"], "each model once, the reader's once"
    finally:
        sender.close()
        listener.close()
        reader_vectors.close()
        kb_vectors.close()


def test_hints_are_dropped_when_the_machine_has_no_core_to_spare() -> None:
    embedder = CountingEmbedder()
    spare = [False]
    vectors = QuestionVectors(embedder, spare_cpu=lambda: spare[0])
    assert not vectors.hint("how long does it take")
    assert vectors.stats.dropped_no_spare_cpu == 1
    vectors.vector("how long does it take")
    assert vectors.counts() == (0, 1), "the answer does not depend on the hint"
    spare[0] = True
    assert vectors.hint("how long does it take")
    vectors.close()


def test_spare_cpu_reads_idle_time_over_the_last_period() -> None:
    clock = Clock()
    samples = iter([(0, 0), (150, 200), (160, 400), (160, 400), (340, 600)])
    spare = SpareCpu(min_idle_cores=0.5, period=0.25, read=lambda: next(samples), cores=2, clock=clock)
    clock.now = 0.3
    assert spare(), "150 of 200 ticks idle on 2 cores: 1.5 cores spare"
    clock.now = 0.4
    assert spare(), "within the period the last verdict holds (no new sample)"
    clock.now = 0.6
    assert not spare(), "10 of 200 ticks idle: 0.1 core spare"
    clock.now = 0.9
    assert not spare(), "no ticks passed: the last verdict holds"
    clock.now = 1.2
    assert spare()


def test_spare_cpu_without_proc_always_allows_hints(tmp_path: Path) -> None:
    assert read_proc_stat(str(tmp_path / "missing")) is None
    clock = Clock()
    spare = SpareCpu(read=lambda: None, clock=clock)
    clock.now = 10.0
    assert spare()
    (tmp_path / "stat").write_text("cpu  10 0 5 80 5 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8\n", encoding="ascii")
    assert read_proc_stat(str(tmp_path / "stat")) == (85, 100)


def test_several_questions_are_embedded_in_one_batch_besides_a_hinted_one() -> None:
    embedder = CountingEmbedder()
    batches: list[int] = []
    encode = embedder.encode

    def counting(texts: Sequence[str]) -> Vectors:
        batches.append(len(texts))
        return encode(texts)

    embedder.encode = counting  # type: ignore[method-assign]
    vectors = QuestionVectors(embedder)
    assert vectors.hint("how long is it")
    vectors.vector("how long is it")  # a hint used by one question
    assert vectors.hint("does it hurt")
    got = vectors.vectors(["does it hurt", "can i drive after", "what should i wear"])
    assert batches == [1, 1, 2]  # each hint alone, then the two questions not hinted together
    assert [v.shape for v in got] == [(1, HashingEmbedder().encode(["x"]).shape[1])] * 3
    for text, vector in zip(["does it hurt", "can i drive after", "what should i wear"], got, strict=True):
        np.testing.assert_allclose(vector, HashingEmbedder().encode([text]))
    assert vectors.stats.used == 2 and vectors.stats.embedded_inline == 2


def test_a_messages_questions_are_hinted_in_one_batch() -> None:
    embedder = CountingEmbedder()
    vectors = QuestionVectors(embedder)
    assert vectors.hint_all(["how long is it", "can i drive after"])
    assert not vectors.hint_all(["can i drive after"])  # already on its way: not embedded twice
    got = vectors.vectors(["how long is it", "can i drive after"])
    assert embedder.calls == ["how long is it", "can i drive after"]  # embedded once, together
    assert vectors.counts() == (2, 0)
    np.testing.assert_allclose(got[1], HashingEmbedder().encode(["can i drive after"]))
    vectors.close()


def test_a_failed_batch_hint_leaves_each_question_to_be_embedded_on_demand() -> None:
    failing = CountingEmbedder(fail=True)
    vectors = QuestionVectors(failing)
    assert vectors.hint_all(["how long is it", "does it hurt"])
    wait_until(lambda: not vectors._running)
    failing._fail = False
    assert [v.shape[0] for v in vectors.vectors(["how long is it", "does it hurt"])] == [1, 1]
    assert vectors.counts() == (0, 2)
    vectors.close()


def test_a_tuned_reader_reads_the_stock_and_the_tuned_vectors_side_by_side(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from actions import runtime
    from actions.reader import Reading

    stock_model, tuned_model = CountingEmbedder(), CountingEmbedder()
    stock, tuned = QuestionVectors(stock_model), QuestionVectors(tuned_model)
    seen: list[np.ndarray] = []

    class TunedReader:
        def __init__(self) -> None:
            self.thresholds: dict[str, float] = {}
            self.encoder = (Path("encoder/model.onnx"), "digest")

        def read(self, text: str, sentences: Sequence[str], vectorise: Any) -> Reading:
            seen.append(vectorise([text, *sentences]))
            return Reading(kinds={"general": 1.0})

    monkeypatch.setattr(runtime, "reader", TunedReader)
    monkeypatch.setattr(runtime, "service", lambda: SimpleNamespace(questions=stock))
    monkeypatch.setattr(runtime, "reader_vectors", lambda: tuned)
    runtime.read_message("how long does it take")
    (vectors,) = seen
    width = HashingEmbedder().encode(["x"]).shape[1]
    assert vectors.shape[1] == 2 * width
    assert np.allclose(vectors[:, :width], stock.vectors(["how long does it take"])[0])
    assert stock_model.calls[0] == tuned_model.calls[0] == "how long does it take"
    # A stock reader reads the stock vector alone.
    monkeypatch.setattr(runtime, "reader_vectors", lambda: stock)
    runtime.read_message("how long does it take")
    assert seen[1].shape[1] == width
    stock.close()
    tuned.close()

"""The reader's heads: probabilities, a save and load round trip, reading a message (tiny synthetic models)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from actions.reader import Head, Lexicon, Reader, features
from actions.section_vote import Vote

TEXTS = ["how long does it take", "does it hurt", "chest pain now", "what does my report mean"]
DIM = 4


def vectors(texts: Sequence[str]) -> np.ndarray:
    """One-hot 'embeddings' by which training text a text starts like (a stand-in for the model)."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, text in enumerate(texts):
        for j, known in enumerate(TEXTS):
            if text.startswith(known.split()[0]):
                out[i, j] = 1.0
    return out


@pytest.fixture
def reader() -> Reader:
    lexicon = Lexicon.fit(TEXTS, min_df=1)
    width = DIM + len(lexicon)

    def head(classes: tuple[str, ...], rows: list[int]) -> Head:
        w = np.zeros((width, len(classes)), dtype=np.float32)
        for column, row in enumerate(rows):
            w[row, column] = 6.0  # the embedding's one-hot unit points to its class
        return Head(classes, (w,), (np.zeros(len(classes), dtype=np.float32),))

    heads = {
        "kind": head(("general", "emergency", "results"), [0, 2, 3]),
        "sections": head(("duration", "patient_experience"), [0, 1]),
        "procedure": head(("45378", "none"), [0, 2]),
    }
    return Reader(heads, lexicon, {"thresholds": {"emergency": 0.4}})


def test_softmax_probabilities_sum_to_one_and_temperature_flattens_them() -> None:
    head = Head(("a", "b"), (np.array([[2.0, -2.0]], dtype=np.float32),), (np.zeros(2, dtype=np.float32),))
    sharp = head.probabilities(np.ones((1, 1)))
    flat = Head(head.classes, head.weights, head.biases, temperature=4.0).probabilities(np.ones((1, 1)))
    assert sharp.sum() == pytest.approx(1.0)
    assert sharp[0, 0] > flat[0, 0] > 0.5


def test_a_hidden_layer_uses_relu() -> None:
    first = np.array([[1.0, -1.0]], dtype=np.float32)
    second = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    head = Head(("a", "b"), (first, second), (np.zeros(2, dtype=np.float32), np.zeros(2, dtype=np.float32)))
    assert head.logits(np.ones((1, 1))).tolist() == [[1.0, 0.0]]


def test_the_lexicon_maps_spelling_to_sparse_rows() -> None:
    lexicon = Lexicon.fit(TEXTS, min_df=1)
    rows = lexicon.transform(["how lnog does it tkae", "zzzz"])
    assert rows.shape == (2, len(lexicon))
    assert rows[0].nnz > 0
    assert rows[1].nnz == 0
    assert features(vectors(["how"]), ["how"], lexicon).shape == (1, DIM + len(lexicon))


def test_the_lexicon_sees_word_pairs_as_well_as_spelling() -> None:
    lexicon = Lexicon.fit(TEXTS, min_df=1)
    words = lexicon.vocabularies["words"]
    pair = next(term for term in words if " " in term)
    chars = len(lexicon.vocabularies["chars"])
    row = lexicon.transform([pair])
    assert row[0, chars + words[pair]] > 0  # the pair's own column, after the character n-grams
    assert lexicon.transform([" ".join(reversed(pair.split()))])[0, chars + words[pair]] == 0


def test_a_saved_lexicon_reads_as_the_fitted_one(reader: Reader, tmp_path: Path) -> None:
    reader.save(tmp_path)
    loaded = Reader.load(tmp_path)
    text = ["how long does it take to drive home"]
    assert (loaded.lexicon.transform(text) != reader.lexicon.transform(text)).nnz == 0


def test_reading_a_message(reader: Reader) -> None:
    read = reader.read("chest pain now, how long is it", [], vectors)
    assert read.kind == "emergency"
    assert read.p("emergency") > 0.9
    assert read.personal == pytest.approx(read.kinds["results"])
    assert reader.read("what does my report mean", [], vectors).personal > 0.9


def test_each_section_is_asked_by_the_sentence_that_asks_it_most(reader: Reader) -> None:
    text = "does it hurt? how long does it take?"
    read = reader.read(text, ["does it hurt?", "how long does it take?"], vectors)
    asked = {guess.section: guess.text for guess in read.sections}
    assert asked["duration"] == "how long does it take?"
    assert asked["patient_experience"] == "does it hurt?"
    assert read.order["patient_experience"] < read.order["duration"]


def test_the_page_guess_and_none(reader: Reader) -> None:
    assert reader.read("how long does it take", [], vectors).procedure() == ("45378", pytest.approx(0.9975, abs=0.01))
    code, _ = reader.read("chest pain now", [], vectors).procedure()
    assert code is None


def test_save_and_load_round_trip(reader: Reader, tmp_path: Path) -> None:
    reader.save(tmp_path)
    loaded = Reader.load(tmp_path)
    assert loaded.thresholds == {"emergency": 0.4}
    before = reader.read("does it hurt", [], vectors)
    after = loaded.read("does it hurt", [], vectors)
    assert after.kinds == pytest.approx(before.kinds)
    assert [s.section for s in after.sections] == [s.section for s in before.sections]
    # Loaded in the features' float64 (no conversion of the whole matrix on every product); saved in float32.
    assert all(w.dtype == np.float64 and w.flags["C_CONTIGUOUS"] for h in loaded._heads.values() for w in h.weights)
    with np.load(tmp_path / "reader.npz") as saved:
        assert {saved[key].dtype for key in saved.files if not key.startswith("lexicon.")} == {np.dtype(np.float32)}


def vote(weight: float) -> Vote:
    """Training questions on the embedding's last two units: "does it hurt" near-twins asking how long it takes."""
    voters = np.array([[0.0, 1.0], [0.1, 1.0], [1.0, 0.0]], dtype=np.float32)
    voters /= np.linalg.norm(voters, axis=1, keepdims=True)
    shares = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])  # duration, patient_experience
    return Vote(voters, shares, columns=(2, 4), k=2, spread=0.05, weight=weight)


def test_the_nearest_training_questions_vote_for_their_sections() -> None:
    near_first = np.array([[9.0, 9.0, 0.05, 1.0]])  # the first two columns are not the vote's
    votes = vote(1.0).probabilities(near_first)
    assert votes.sum() == pytest.approx(1.0)
    assert votes[0, 0] > 0.6 > votes[0, 1]  # two neighbours: one all duration, one shared
    far = vote(1.0).probabilities(np.array([[0.0, 0.0, 1.0, 0.02]]))
    assert far[0, 1] > 0.99  # the nearest asks patient_experience; the next is far, so it barely counts
    head = np.array([[0.2, 0.8]])
    assert vote(0.5).mix(head, near_first) == pytest.approx(0.5 * head + 0.5 * votes)
    assert vote(0.0).mix(head, near_first) is head


def test_the_vote_is_mixed_into_the_sections_read_and_saved_with_the_reader(reader: Reader, tmp_path: Path) -> None:
    # "chest pain now" (third unit): the head has no section for it (even odds); its neighbour asks what it is like.
    alone = reader.read("chest pain now", [], vectors)
    assert alone.sections[0].probability == pytest.approx(0.5)
    voted = Reader(reader._heads, reader.lexicon, reader.meta, reader.folder, vote(0.5))
    read = voted.read("chest pain now", [], vectors)
    best = read.sections[0]
    assert (best.section, best.probability) == ("patient_experience", pytest.approx(0.5 * 0.5 + 0.5 * 1.0, abs=0.01))
    voted.save(tmp_path)
    loaded = Reader.load(tmp_path)
    assert loaded.vote is not None and loaded.vote.meta() == voted.vote.meta()
    assert loaded.read("chest pain now", [], vectors).sections[0].probability == pytest.approx(best.probability)
    reader.save(tmp_path)
    assert Reader.load(tmp_path).vote is None


def test_the_second_opinion_raises_an_emergency_or_own_case(reader: Reader, tmp_path: Path) -> None:
    # A second kinds model that reads "does it hurt" (the embedding's second unit) as an emergency and "what does
    # my report mean" (the fourth) as the patient's own results.
    width = reader._heads["kind"].weights[0].shape[0]
    w = np.zeros((width, 3), dtype=np.float32)
    w[1, 1] = 6.0
    w[3, 2] = 6.0
    second = Head(("general", "emergency", "results"), (w,), (np.zeros(3, dtype=np.float32),))
    seconded = Reader({**reader._heads, "second": second}, reader.lexicon, reader.meta)
    plain = reader.read("does it hurt", [], vectors)
    assert plain.second == {} and plain.emergency == pytest.approx(plain.p("emergency")) and plain.emergency < 0.4
    read = seconded.read("does it hurt", [], vectors)
    assert read.kinds == pytest.approx(plain.kinds)  # the kinds are the kind head's alone
    assert read.emergency > 0.99 and read.summary()["emergency"] > 0.99
    assert read.personal == pytest.approx(plain.personal)  # the second opinion reads no own case here
    own = seconded.read("what does my report mean", [], vectors)
    assert own.personal > 0.99 and own.own == "results"
    seconded.save(tmp_path)
    assert Reader.load(tmp_path).read("does it hurt", [], vectors).emergency == pytest.approx(read.emergency)
    reader.save(tmp_path / "without")
    assert Reader.load(tmp_path / "without").read("does it hurt", [], vectors).second == {}


def test_a_reader_without_all_heads_is_refused(reader: Reader) -> None:
    with pytest.raises(ValueError, match="heads missing"):
        Reader({}, Lexicon.fit(TEXTS, min_df=1))


def test_a_saved_reader_names_the_encoder_it_was_fitted_on_relative_to_its_folder(
    reader: Reader, tmp_path: Path
) -> None:
    from knowledge.onnx_embedder import file_digest
    from serving.preflight import check_reader

    assert reader.encoder is None  # fitted on the stock model's vectors
    folder = tmp_path / "reader"
    (folder / "encoder").mkdir(parents=True)
    onnx = folder / "encoder" / "model.onnx"
    onnx.write_bytes(b"weights")
    reader.meta["encoder"] = {"file": "encoder/model.onnx", "sha256": file_digest(onnx)}
    reader.save(folder)
    moved = tmp_path / "image" / "reader"  # as a container image copies it
    moved.parent.mkdir()
    folder.rename(moved)
    loaded = Reader.load(moved)
    assert loaded.encoder == (moved / "encoder" / "model.onnx", file_digest(moved / "encoder" / "model.onnx"))
    assert check_reader(moved) == []
    (moved / "encoder" / "model.onnx").write_bytes(b"other weights")
    (problem,) = check_reader(moved)
    assert "not the encoder the reader was fitted on" in problem
    (moved / "encoder" / "model.onnx").unlink()
    (problem,) = check_reader(moved)
    assert "is missing" in problem

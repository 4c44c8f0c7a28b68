"""Read a message with the models learned from the team's corpus: what kind it is, which sections, which page.

``make reader`` (:mod:`tools.train_reader`) trains small classifiers on the
all-MiniLM-L6-v2 sentence embeddings the action server already computes for
retrieval, calibrates their probabilities on the corpus's validation writers
and writes them to ``build/reader/``. Here they only run: a few matrix
products per message in NumPy, on the question vectors that
:mod:`actions.question_vectors` has ready.

Three heads, and two optional ones beside them:

- **kind**: general question, the patient's own results / symptoms after / own
  case, cost, scheduling, prescription, a person, emergency, privacy, small
  talk, out of scope, other language (softmax);
- **sections**: which of the page's sections a general question asks about
  (softmax; a message of several questions is read sentence by sentence),
  mixed with the vote of the training questions nearest the message (:mod:`actions.section_vote`);
- **procedure**: which page, or none (softmax), used when no name is found;
- **second** (optional): the kinds again, by a model that reads the fine-tuned encoder's vector beside the stock
  one; only its emergency and own-case probabilities are used, as a second opinion on the two safety decisions
  (:attr:`Reading.emergency`, :attr:`Reading.personal`): either head may raise them;
- **follow** (optional): whether the message, after a question, only moves that question to a procedure ("what
  about a colonoscopy"): learned from the follow-up writers' pairs (:mod:`tools.follow_ups`).

A message of several sentences is also read sentence by sentence, to find
which sentence asks each section (its words rank that section's passages).
The kind is read on the whole message: read alone, the sentences of a story
called 3% of ordinary messages emergencies on the validation writers (the
whole message: 0.5% at the same recall of 0.92), and the red flags
(:mod:`bot.red_flags`) already look at every sentence.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from actions.section_vote import Vote
from common.paths import BUILD_DIR

#: Where ``make reader`` writes the trained heads.
DEFAULT_DIR = BUILD_DIR / "reader"
#: The kinds whose reply is the care team's, never a page: the patient's own case.
PERSONAL_KINDS = ("results", "symptoms_after", "own_case")
#: At most this many questions of one message are answered (CONTRACT: up to three).
MAX_SECTIONS = 3
#: The follow-up head's class for "asks the last question again, of a procedure" (:mod:`tools.follow_ups`).
FOLLOW_CLASS = "follow_up"

Vectorise = Callable[[Sequence[str]], np.ndarray]


def side_by_side(stock: Vectorise, tuned: Vectorise | None) -> Vectorise:
    """The vectors a reader reads: the stock model's, and the fine-tuned encoder's beside them when it has one."""
    if tuned is None:
        return stock
    return lambda texts: np.hstack([stock(texts), tuned(texts)])


class Lexicon:
    """The messages' wording as features: TF-IDF of character n-grams, and of words and word pairs.

    Character n-grams within words catch typos, word forms and SMS spelling; words and word pairs catch
    phrasing ("how long", "drive home").
    Fitted on the training messages by ``make reader``; here it only maps texts to
    sparse rows with scikit-learn's vectorisers over the saved vocabularies and weights.
    On the validation writers the word pairs lowered the sections' log-loss from 0.897 to 0.886 and the
    kinds' from 0.169 to 0.144 (issue 21's note).
    """

    #: Each vectoriser's scikit-learn settings: character n-grams within words, then words and word pairs.
    KINDS: Mapping[str, Mapping[str, Any]] = {
        "chars": {"analyzer": "char_wb", "ngram_range": (2, 5)},
        "words": {"analyzer": "word", "ngram_range": (1, 2)},
    }

    def __init__(self, vocabularies: Mapping[str, Mapping[str, int]], idfs: Mapping[str, np.ndarray]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vocabularies = {kind: dict(vocabularies[kind]) for kind in self.KINDS}
        self.idfs = {kind: np.asarray(idfs[kind], dtype=np.float64) for kind in self.KINDS}
        self._vectorisers = []
        for kind, options in self.KINDS.items():
            vectoriser = TfidfVectorizer(sublinear_tf=True, vocabulary=self.vocabularies[kind], **options)
            vectoriser.idf_ = self.idfs[kind]
            self._vectorisers.append(vectoriser)

    @classmethod
    def fit(cls, texts: Sequence[str], min_df: int = 2) -> Lexicon:
        """The vocabularies and weights of the training texts."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vocabularies: dict[str, dict[str, int]] = {}
        idfs: dict[str, np.ndarray] = {}
        for kind, options in cls.KINDS.items():
            fitted = TfidfVectorizer(sublinear_tf=True, min_df=min_df, **options).fit(texts)
            vocabularies[kind] = {str(k): int(v) for k, v in fitted.vocabulary_.items()}
            idfs[kind] = fitted.idf_
        return cls(vocabularies, idfs)

    def __len__(self) -> int:
        return sum(len(v) for v in self.vocabularies.values())

    def transform(self, texts: Sequence[str]) -> Any:
        """Sparse TF-IDF rows (``scipy.sparse.csr_matrix``), one per text: character n-grams, then words.

        scikit-learn's checks of its arguments are skipped: the texts and the fitted vectorisers are this module's
        own, and the checks were a quarter of the transform's time in a turn (1.97 against 1.53 ms, 2026-12-07).
        """
        from scipy.sparse import hstack
        from sklearn import config_context

        with config_context(assume_finite=True, skip_parameter_validation=True):
            return hstack([v.transform(texts) for v in self._vectorisers]).tocsr()


def features(vectors: np.ndarray, texts: Sequence[str], lexicon: Lexicon) -> Any:
    """The heads' input: each text's sentence embedding, then its n-grams (sparse rows)."""
    from scipy.sparse import csr_matrix, hstack

    return hstack([csr_matrix(np.asarray(vectors, dtype=np.float32)), lexicon.transform(texts)]).tocsr()


@dataclass(frozen=True)
class SectionGuess:
    """A section the message asks about, how likely, and the words that ask it."""

    section: str
    probability: float
    text: str


@dataclass(frozen=True)
class Reading:
    """What the models read in a message, each with a calibrated probability."""

    kinds: Mapping[str, float]
    #: Sections by probability, best first (at most :data:`MAX_SECTIONS`), each with its sentence.
    sections: tuple[SectionGuess, ...] = ()
    #: Each page's CPT code (and ``"none"``) with its probability.
    procedures: Mapping[str, float] = field(default_factory=dict)
    #: Where each guessed section is asked: its sentence's index in the message (0 for one sentence).
    order: Mapping[str, int] = field(default_factory=dict)
    #: For a message of several sentences: each sentence's own likeliest section, read apart.
    sentence_sections: tuple[SectionGuess, ...] = ()
    #: The second opinion on the kinds (the ``second`` head; empty when the reader has none): only its emergency
    #: and own-case probabilities count. See :attr:`emergency` and :attr:`personal`.
    second: Mapping[str, float] = field(default_factory=dict)
    #: The probability that, after a question, the message only asks it again of a procedure (the ``follow`` head;
    #: 0 when the reader has none).
    follow: float = 0.0
    #: The stock model's vectors of the texts read (the message and its sentences), by text: retrieval ranks the
    #: section's passages with them this turn instead of embedding the same words again. Never recorded.
    vectors: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def kind(self) -> str:
        """The likeliest kind."""
        return max(self.kinds, key=lambda k: self.kinds[k])

    def p(self, *kinds: str) -> float:
        """The probability that the message is one of ``kinds``."""
        return float(sum(self.kinds.get(k, 0.0) for k in kinds))

    @property
    def emergency(self) -> float:
        """How likely an emergency is: the higher of the kind head's reading and the second opinion's.

        Two models on different vectors, either of which may raise the alarm (recall first, like the red flags).
        """
        return max(self.p("emergency"), float(self.second.get("emergency", 0.0)))

    @property
    def personal(self) -> float:
        """The probability that the message asks about the patient's own case: the higher of the two opinions."""
        return max(self.p(*PERSONAL_KINDS), float(sum(self.second.get(k, 0.0) for k in PERSONAL_KINDS)))

    @property
    def own(self) -> str:
        """Which of the patient's own kinds (results, symptoms after, own case) is likeliest, by either opinion."""
        return max(PERSONAL_KINDS, key=lambda k: max(self.kinds.get(k, 0.0), self.second.get(k, 0.0)))

    def procedure(self, among: Sequence[str] = ()) -> tuple[str | None, float]:
        """The likeliest page (among ``among`` when given) and its probability; ``None`` for no page."""
        candidates = {c: p for c, p in self.procedures.items() if not among or c in among}
        if not candidates:
            return None, 0.0
        code = max(candidates, key=lambda c: candidates[c])
        return (None if code == "none" else code), float(candidates[code])

    def summary(self) -> dict[str, Any]:
        """The reading in a few numbers, for the tracker and the staff console."""
        top = sorted(self.kinds.items(), key=lambda kv: -kv[1])[:3]
        return {
            "kinds": {k: round(v, 3) for k, v in top},
            "personal": round(self.personal, 3),
            "emergency": round(self.emergency, 3),
            "sections": {s.section: round(s.probability, 3) for s in self.sections},
            "follow_up": round(self.follow, 3),
        }


@dataclass(frozen=True)
class Head:
    """One classifier: dense layers (ReLU between them), then softmax or sigmoid, at a calibrated temperature."""

    classes: tuple[str, ...]
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    output: str = "softmax"
    temperature: float = 1.0

    def logits(self, x: Any) -> np.ndarray:
        """The last layer's scores for each row of ``x`` (dense or sparse).

        A head that saw only the leading columns (the embedding) has fewer input rows than ``x`` has columns:
        the rest are left out rather than multiplied by zeros.
        """
        inputs = self.weights[0].shape[0]
        h = x[:, :inputs] if x.shape[1] > inputs else x
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = np.asarray(h @ w) + b
            if i < len(self.weights) - 1:
                h = np.maximum(h, 0.0)
        return np.asarray(h, dtype=np.float64)

    def probabilities(self, x: Any) -> np.ndarray:
        """Calibrated probabilities, one row per input row."""
        z = self.logits(x) / self.temperature
        if self.output == "sigmoid":
            return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)

    def to_arrays(self, name: str) -> dict[str, np.ndarray]:
        """The head's arrays, named for an ``.npz`` file."""
        arrays = {f"{name}.W{i}": np.asarray(w, dtype=np.float32) for i, w in enumerate(self.weights)}
        arrays.update({f"{name}.b{i}": np.asarray(b, dtype=np.float32) for i, b in enumerate(self.biases)})
        return arrays

    def meta(self) -> dict[str, Any]:
        """What is not an array."""
        return {
            "classes": list(self.classes),
            "layers": len(self.weights),
            "output": self.output,
            "temperature": self.temperature,
        }

    @classmethod
    def from_arrays(cls, name: str, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Head:
        """The head saved by :meth:`to_arrays` and :meth:`meta`."""
        layers = int(meta["layers"])
        # In float64, the features' type (the n-grams' TF-IDF): a float32 matrix was converted on every product,
        # all 57,696 rows of it, 0.42 ms a head against 0.007 (2026-12-07); the products are the same numbers.
        return cls(
            classes=tuple(meta["classes"]),
            weights=tuple(np.ascontiguousarray(arrays[f"{name}.W{i}"], dtype=np.float64) for i in range(layers)),
            biases=tuple(np.asarray(arrays[f"{name}.b{i}"], dtype=np.float64) for i in range(layers)),
            output=str(meta.get("output", "softmax")),
            temperature=float(meta.get("temperature", 1.0)),
        )


class Reader:
    """The three trained heads, applied to a message's vectors."""

    HEADS = ("kind", "sections", "procedure")
    #: Heads a reader may have: a reader trained before the second opinion existed loads without one.
    OPTIONAL_HEADS = ("second", "follow")

    def __init__(
        self,
        heads: Mapping[str, Head],
        lexicon: Lexicon,
        meta: Mapping[str, Any] | None = None,
        folder: Path = DEFAULT_DIR,
        vote: Vote | None = None,
    ) -> None:
        missing = [h for h in self.HEADS if h not in heads]
        if missing:
            raise ValueError(f"reader heads missing: {missing}")
        self._heads = dict(heads)
        #: The nearest training questions' vote on the sections, mixed into the section head (none: the head alone).
        self.vote = vote
        self.lexicon = lexicon
        self.meta: dict[str, Any] = dict(meta or {})
        #: Where the reader is (or will be) saved: its encoder's file is named relative to it.
        self.folder = folder

    @classmethod
    def load(cls, folder: Path = DEFAULT_DIR) -> Reader:
        """The heads ``make reader`` wrote to ``folder``."""
        meta = json.loads((folder / "reader.json").read_text(encoding="utf-8"))
        vocabularies = json.loads((folder / "lexicon.json").read_text(encoding="utf-8"))
        with np.load(folder / "reader.npz") as arrays:
            names = [*cls.HEADS, *(h for h in cls.OPTIONAL_HEADS if h in meta["heads"])]
            heads = {name: Head.from_arrays(name, meta["heads"][name], arrays) for name in names}
            lexicon = Lexicon(vocabularies, {kind: arrays[f"lexicon.{kind}.idf"] for kind in Lexicon.KINDS})
            vote = Vote.from_arrays(meta["vote"], arrays) if meta.get("vote") else None
        return cls(heads, lexicon, meta, folder, vote)

    def save(self, folder: Path) -> None:
        """Write the heads and ``meta`` (thresholds, figures) to ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {f"lexicon.{kind}.idf": idf for kind, idf in self.lexicon.idfs.items()}
        (folder / "lexicon.json").write_text(json.dumps(self.lexicon.vocabularies, sort_keys=True), encoding="utf-8")
        for name, head in self._heads.items():
            arrays.update(head.to_arrays(name))
        if self.vote is not None:
            arrays.update({"vote.vectors": self.vote.vectors, "vote.shares": self.vote.shares.astype(np.float32)})
        np.savez(folder / "reader.npz", **arrays)  # type: ignore[arg-type]
        meta = {**self.meta, "heads": {name: head.meta() for name, head in self._heads.items()}}
        meta["vote"] = self.vote.meta() if self.vote is not None else None
        (folder / "reader.json").write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")

    @property
    def encoder(self) -> tuple[Path, str] | None:
        """The tuned encoder read beside the stock model (ONNX file, sha256 prefix); none: the stock model alone.

        The heads are fitted on those vectors; read with another model's, they would be guessing.
        """
        encoder = self.meta.get("encoder")
        if not encoder:
            return None
        return self.folder / str(encoder["file"]), str(encoder["sha256"])

    def encoder_problem(self) -> str | None:
        """Why the encoder cannot be read with these heads (its file is missing or another one), or none."""
        from knowledge.onnx_embedder import file_digest

        if self.encoder is None:
            return None
        path, expected = self.encoder
        if not path.is_file():
            return f"{path} is missing (the reader's encoder): run `make reader`"
        if file_digest(path) != expected:
            return f"{path} is not the encoder the reader was fitted on ({expected}): run `make reader`"
        return None

    @property
    def thresholds(self) -> Mapping[str, float]:
        """The decision thresholds chosen on the validation writers (see :mod:`actions.decide`)."""
        return dict(self.meta.get("thresholds") or {})

    def read_vectors(self, text: str, whole: np.ndarray, sentences: Sequence[tuple[str, np.ndarray]] = ()) -> Reading:
        """Read a message from its text and vector and, for several sentences, each sentence's text and vector."""
        kind_head, section_head, procedure_head = (self._heads[h] for h in self.HEADS)
        texts = [text, *(t for t, _ in sentences)]
        vectors = np.vstack([whole.reshape(1, -1), *(v.reshape(1, -1) for _, v in sentences)])
        rows = features(vectors, texts, self.lexicon)
        kinds = kind_head.probabilities(rows[:1])
        kind_p = dict(zip(kind_head.classes, (float(p) for p in kinds[0]), strict=True))
        section_p = section_head.probabilities(rows)
        if self.vote is not None:
            section_p = self.vote.mix(section_p, vectors)
        best = np.argsort(-section_p[0])[:MAX_SECTIONS]
        guesses = []
        order = {}
        for i in best:
            section = section_head.classes[int(i)]
            where = int(np.argmax(section_p[1:, i])) + 1 if len(texts) > 1 else 0
            guesses.append(SectionGuess(section, float(section_p[0, i]), texts[where] if where else ""))
            order[section] = where
        apart = tuple(
            SectionGuess(section_head.classes[int(row.argmax())], float(row.max()), texts[i + 1])
            for i, row in enumerate(section_p[1:])
        )
        for i, guess in enumerate(apart):
            order.setdefault(guess.section, i + 1)
        procedure_p = procedure_head.probabilities(rows[:1])[0]
        second_head = self._heads.get("second")
        second: dict[str, float] = {}
        if second_head is not None:
            opinion = second_head.probabilities(rows[:1])[0]
            second = dict(zip(second_head.classes, (float(p) for p in opinion), strict=True))
        follow_head = self._heads.get("follow")
        follow = 0.0
        if follow_head is not None and FOLLOW_CLASS in follow_head.classes:
            follow = float(follow_head.probabilities(rows[:1])[0][follow_head.classes.index(FOLLOW_CLASS)])
        return Reading(
            kinds=kind_p,
            sections=tuple(guesses),
            procedures=dict(zip(procedure_head.classes, (float(p) for p in procedure_p), strict=True)),
            order=order,
            sentence_sections=apart,
            second=second,
            follow=follow,
        )

    def read(self, text: str, sentences: Sequence[str], vectorise: Vectorise) -> Reading:
        """Read a message; ``sentences`` are its sentences (read apart when there are several)."""
        parts = [s for s in sentences if s.strip()] if len(sentences) > 1 else []
        vectors = vectorise([text, *parts])
        return self.read_vectors(text, vectors[0], list(zip(parts, vectors[1:], strict=True)))

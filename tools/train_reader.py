"""``make reader``: train the reader's heads on the corpus, calibrate and choose thresholds on validation.

Inputs: the corpus's training writers and the team's NLU examples (training),
the corpus's validation writers (model choice, calibration, thresholds). Of
the test writers only their texts' duplicates are looked up, so that no
training row repeats a held-out message. Output: ``build/reader/`` (see
:mod:`actions.reader`), with the validation figures in ``reader.json``.

Models are compared on the validation writers for each head (all
scikit-learn): logistic regression on the messages' vectors by the reader's
encoder (all-MiniLM-L6-v2 fine-tuned on the corpus, ``tools/tune_encoder.py``;
the stock model when there is none) and logistic regression on the vectors plus TF-IDF of character
n-grams and word pairs (:class:`actions.reader.Lexicon`), and a one-hidden-layer
MLP on the vectors. A retrain fits only the second (it has won every head on every
corpus pass); ``--compare-all`` (``make reader-compare``) fits and compares all
three. The one with the lower validation log-loss is kept. Its
probabilities are then calibrated with one temperature (fitted on
validation), and the decision thresholds of :mod:`actions.decide` are chosen
on validation: as many general questions answered right as
possible with at most 2% answered wrongly and at most 2% of personal questions
answered from a page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from actions.reader import DEFAULT_DIR, Head, Lexicon, Reader, Reading, features
from actions.section_vote import Vote
from common.paths import BUILD_DIR
from tools import follow_ups, reader_builds
from tools.corpus import KINDS, Row, corpus, training_rows
from tools.reader_thresholds import PROCEDURES_NONE, choose_thresholds, page_doubt_threshold, procedure_threshold
from tools.tune_encoder import TUNED_PATH

#: Where the embedded texts are kept (``--vector-cache``; ``make reader`` passes one outside the checkout, so that a
#: fresh clone does not embed the corpus again). Files are named by the encoder's digest: clones may share it.
CACHE = BUILD_DIR / "reader-cache"
#: How the cached vectors were computed; a new version starts new cache files. 2: each text embedded in a run of its
#: own (``knowledge.onnx_embedder.OnnxEmbedder.encode``), so that a vector does not depend on its batch-mates; 3: and
#: without padding.
CACHE_VERSION = 3
#: Rasa's intents for the validation writers' messages (``make reader`` writes it with bot/parse_texts.py).
NLU_VALIDATION = BUILD_DIR / "reader-nlu" / "validation.jsonl"
SEED = 42


def reader_vectors(texts: Sequence[str], tuned: bool = False) -> np.ndarray:
    """What the reader's heads read: the stock model's vector, and with ``tuned`` the fine-tuned encoder's beside it.

    ``tuned`` needs the encoder (``make reader READER_ENCODER=tuned`` tunes it first).
    """
    stock = embed(texts)
    if not tuned:
        return stock
    if not TUNED_PATH.is_file():
        raise FileNotFoundError(f"{TUNED_PATH} is missing: python -m tools.tune_encoder")
    return np.hstack([stock, embed(texts, TUNED_PATH)])


def embed(texts: Sequence[str], encoder: Path | None = None) -> np.ndarray:
    """The texts' vectors by ``encoder`` (an exported ONNX model; the stock model when none), cached by text.

    The stock model and each tuned encoder have their own cache file, named by the model file's digest, so a
    retrain embeds only new messages, and a newly tuned encoder starts a new cache (a tuned encoder's vectors
    before it are removed; the stock model's stay). The embedder runs each text alone, so a cached vector is the
    one the action server computes for that message, whatever the cache's history.
    """
    from actions.runtime import question_embedder
    from knowledge.onnx_embedder import DEFAULT_PATH, OnnxEmbedder

    model = encoder or DEFAULT_PATH
    path = _cache_file(encoder)
    CACHE.mkdir(parents=True, exist_ok=True)
    known: dict[str, np.ndarray] = {}
    if path.is_file():
        with np.load(path) as stored:
            known = {key: stored[key] for key in stored.files}
    keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    missing = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in known]
    if missing:
        items = list(dict(missing).items())
        if model.is_file():
            vectors = encode_in_parallel(lambda: OnnxEmbedder(model, threads=1), [t for _, t in items])
        else:
            vectors = question_embedder(None).encode([t for _, t in items])
        known.update({k: np.asarray(v, dtype=np.float32) for (k, _), v in zip(items, vectors, strict=True)})
        # Written whole, then renamed: another clone sharing the cache never reads half a file.
        with tempfile.NamedTemporaryFile(dir=CACHE, prefix=".partial-", suffix=".npz", delete=False) as partial:
            np.savez(partial, **known)  # type: ignore[arg-type]
        os.replace(partial.name, path)
        if encoder is not None:  # a newly tuned encoder: the vectors of the ones before it are stale
            for stale in CACHE.glob(f"vectors-v{CACHE_VERSION}-tuned-*.npz"):
                if stale != path:
                    stale.unlink(missing_ok=True)
    return np.vstack([known[k] for k in keys]).astype(np.float32)


def _cache_file(encoder: Path | None) -> Path:
    """The cache file of an encoder's vectors (the stock model's when none), named by the model file's digest."""
    from knowledge.onnx_embedder import DEFAULT_PATH, file_digest

    model = encoder or DEFAULT_PATH
    digest = file_digest(model) if model.is_file() else "sentence-transformers"
    return CACHE / f"vectors-v{CACHE_VERSION}-{'tuned' if encoder else 'stock'}-{digest}.npz"


def encode_in_parallel(embedder: Callable[[], Any], texts: Sequence[str], workers: int | None = None) -> np.ndarray:
    """The texts' vectors, by one embedder per core, each on one thread, in parallel.

    Each text is still embedded in a run of its own, and ONNX Runtime gives the same numbers on one thread as on
    several (checked on 150 validation messages with both encoders, 2026-12-07): the vectors are the action
    server's, only about twice as fast on two cores as one session with both threads on one short message.
    """
    from concurrent.futures import ThreadPoolExecutor

    from knowledge.onnx_embedder import DIMENSION

    count = max(1, min(workers or os.cpu_count() or 1, len(texts)))
    shares = [list(range(i, len(texts), count)) for i in range(count)]
    embedders = [embedder() for _ in range(count)]
    vectors = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    with ThreadPoolExecutor(max_workers=count) as pool:
        done = pool.map(lambda job: job[0].encode([texts[i] for i in job[1]]), zip(embedders, shares, strict=True))
        for share, rows in zip(shares, done, strict=True):
            vectors[share] = rows
    return vectors


#: The models compared for each head: (name, model, whether it sees the n-grams).
FAMILIES = (("lr_embeddings", "lr", False), ("mlp_embeddings", "mlp", False), ("lr_embeddings_ngrams", "lr", True))
#: Those fitted on every retrain. Neither the MLP nor the regression on the vectors alone ever won a head on the
#: validation writers (every corpus pass to the ninth, 2026-12-07: the n-grams lowered each head's log-loss, the
#: sections' 0.771 -> 0.755, the kinds' 0.234 -> 0.097), and they cost about 40 s and 36 s of a retrain (a staff
#: correction's too), so they are fitted and compared only with ``--compare-all`` (``make reader-compare``).
EVERY_RETRAIN = ("lr_embeddings_ngrams",)


#: The logistic regressions' inverse regularisation, by head (4 unless named). The follow-up head's was chosen by
#: its validation log-loss (2026-12-08: C 1, 4, 16, 32, 64 gave 0.064, 0.058, 0.050, 0.050, 0.050; at its chosen
#: threshold C 4 took 47% of the validation writers' follow-ups, C 16 75%, both within 2% wrong).
HEAD_C = {"follow": 16.0}


def _fit(model: str, x: Any, y: np.ndarray, c: float = 4.0) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    if model == "lr":
        return LogisticRegression(C=c, max_iter=3000).fit(x, y)
    mlp = MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-3, max_iter=60, random_state=SEED)
    return mlp.fit(x, y)


def _head(model: Any) -> Head:
    """The fitted scikit-learn model as a :class:`Head` (its first layer as wide as the columns it saw)."""
    if hasattr(model, "coefs_"):
        weights = [np.asarray(w, dtype=np.float32) for w in model.coefs_]
        biases = tuple(np.asarray(b, dtype=np.float32) for b in model.intercepts_)
    else:
        w, b = model.coef_.T.astype(np.float32), model.intercept_.astype(np.float32)
        if w.shape[1] == 1:  # two classes: one column
            w, b = np.hstack([-w / 2, w / 2]), np.hstack([-b / 2, b / 2])
        weights, biases = [w], (b,)
    # A head that saw only the embedding keeps only its rows: Head.logits leaves the other columns out.
    return Head(tuple(str(c) for c in model.classes_), tuple(weights), biases)


def _log_loss(head: Head, x: Any, y: np.ndarray) -> float:
    p = np.clip(head.probabilities(x), 1e-7, 1 - 1e-7)
    index = {c: i for i, c in enumerate(head.classes)}
    rows = np.array([index.get(str(label), -1) for label in y])
    known = rows >= 0
    return float(-np.mean(np.log(p[np.arange(len(rows))[known], rows[known]])))


def _calibrate(head: Head, x: Any, y: np.ndarray) -> Head:
    """The temperature that minimises the validation log-loss."""
    best = min(np.geomspace(0.25, 4.0, 41), key=lambda t: _log_loss(_with_t(head, float(t)), x, y))
    return _with_t(head, float(best))


def _with_t(head: Head, temperature: float) -> Head:
    return Head(head.classes, head.weights, head.biases, head.output, temperature)


def _accuracy(head: Head, x: Any, y: np.ndarray) -> float:
    p = head.probabilities(x)
    return float(np.mean(np.array(head.classes)[p.argmax(axis=1)] == y))


def train_head(
    name: str,
    train: tuple[Any, np.ndarray],
    validation: tuple[Any, np.ndarray],
    embedding_width: int,
    families: Sequence[str] = EVERY_RETRAIN,
) -> tuple[Head, dict[str, Any]]:
    """Each model fitted and compared on validation; the best one, calibrated, and the comparison."""
    comparison: dict[str, Any] = {}
    fitted: dict[str, Head] = {}
    for family, model, chars in (f for f in FAMILIES if f[0] in families):
        started = time.monotonic()
        x = train[0] if chars else train[0][:, :embedding_width]
        head = _head(_fit(model, x, train[1], HEAD_C.get(name, 4.0)))
        fitted[family] = head
        comparison[family] = {
            "validation_log_loss": round(_log_loss(head, *validation), 4),
            "validation_accuracy": round(_accuracy(head, *validation), 4),
            "seconds": round(time.monotonic() - started, 1),
        }
        print(f"  {name:10s} {family:20s} {comparison[family]}", flush=True)
    chosen = min(fitted, key=lambda f: comparison[f]["validation_log_loss"])
    head = _calibrate(fitted[chosen], *validation)
    comparison["chosen"] = chosen
    comparison["temperature"] = round(head.temperature, 3)
    comparison["calibrated_log_loss"] = round(_log_loss(head, *validation), 4)
    return head, comparison


#: The nearest training questions' vote on the sections (``actions.section_vote.Vote``): how many vote, how fast a vote
#: fades with distance, and how much of the sections' probability it is given (0: the head alone). The grid was
#: set on 2026-12-07 from a trial on the validation writers, cross-fitted by writer (log-loss lower for all four);
#: the diagnostic writers, who choose nothing, were measured after: their log-loss 0.262 -> 0.232, and the share
#: of their named general questions answerable at 2% wrong 0.72 -> 0.80.
VOTE_NEIGHBOURS = (10, 25)
VOTE_SPREADS = (0.02, 0.03, 0.05)
VOTE_WEIGHTS = (0.0, 0.2, 0.35, 0.5, 0.65)


def fit_vote(
    head: Head,
    train: tuple[np.ndarray, Sequence[Row]],
    validation: tuple[np.ndarray, Any, Sequence[int], np.ndarray],
    columns: tuple[int, int],
) -> tuple[Vote | None, dict[str, Any]]:
    """The vote of the nearest training questions, with ``k``, ``spread`` and ``weight`` chosen on validation.

    ``train``: the reader's vectors of the training rows and the rows (its general questions vote);
    ``validation``: the validation rows' vectors, the section head's features of them, and each asked section as
    :func:`_by_section` lists it (row index, label). Chosen by the section log-loss, as the heads are; ties keep the
    smaller weight. No vote (weight 0) when none lowers it.
    """
    vectors, rows = train
    voters = [i for i, row in enumerate(rows) if row.kind == "general" and row.sections]
    classes = list(head.classes)
    shares = np.zeros((len(voters), len(classes)), dtype=np.float64)
    for n, i in enumerate(voters):
        asked = [s for s in rows[i].sections if s in classes]
        for section in asked:
            shares[n, classes.index(section)] += 1.0 / len(asked)
    unit = np.asarray(vectors[voters, columns[0] : columns[1]], dtype=np.float32)
    unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    v_val, x_val, index, labels = validation
    asked_rows = np.asarray(index, dtype=int)
    truth = np.array([classes.index(str(label)) if label in classes else -1 for label in labels])
    known = truth >= 0
    p_head = head.probabilities(x_val[asked_rows])

    def loss(p: np.ndarray) -> float:
        return float(-np.mean(np.log(np.clip(p[np.arange(len(p))[known], truth[known]], 1e-12, 1.0))))

    without = loss(p_head)
    best: tuple[float, Vote | None] = (without, None)
    for k in VOTE_NEIGHBOURS:
        for spread in VOTE_SPREADS:
            vote = Vote(unit, shares, columns, k, spread, 1.0)
            votes = vote.probabilities(v_val[asked_rows])
            for weight in VOTE_WEIGHTS:
                if weight <= 0:
                    continue
                mixed = loss((1 - weight) * p_head + weight * votes)
                if mixed < best[0]:
                    best = (mixed, Vote(unit, shares, columns, k, spread, weight))
    chosen = best[1]
    figures: dict[str, Any] = {"log_loss_without": round(without, 4), "log_loss_with": round(best[0], 4)}
    figures.update(chosen.meta() if chosen is not None else {"weight": 0.0})
    print(f"  sections   vote {figures}", flush=True)
    return chosen, figures


#: Which vectors each head reads, with the n-grams: the stock model's, the fine-tuned encoder's, or both side by side.
#: Compared on the validation writers. The section head (33 writers): log-loss 0.785 on the tuned vector, 0.796 on
#: both. The kind head (45 writers): calibrated log-loss 0.067 on the stock vector, 0.056 on both; but on both it
#: read short general questions naming a page by a family word or a term ("how long does a cat scan take?", "how
#: long is the recovery for a torn meniscus?") as out of scope at 0.77, where the stock one reads them as general
#: (0.80, 0.90): the encoder was tuned on these very training rows, so a head fitted on its vectors trusts them more
#: than they deserve on new wording. So the kind head reads the stock vector, and the one on both is a second
#: opinion on the two safety decisions only (``second``: either may call an emergency or the patient's own case).
#: The reader's simulated validation figures (general right / wrong / personal answered; emergencies caught, false
#: alarms of 1,687): stock alone 0.871 / 0.019 / 3 of 421, 119, 4; with the second opinion 0.871 / 0.019 / 0 of
#: 421, 119, 2; both alone 0.870 / 0.019 / 1 of 421, 118, 0.
HEAD_VECTORS = {"kind": "stock", "second": "both", "sections": "tuned", "procedure": "tuned", "follow": "both"}


def _columns(head: str, columns: int, stock_width: int | None) -> Any:
    """A diagonal 0/1 matrix keeping, of ``[stock | tuned | n-grams]``, the vector this head reads and the n-grams.

    A zeroed column gets a zero weight (its gradient is zero), so every head reads the same feature rows. With no
    tuned encoder (``stock_width`` none: the stock vector alone) every head keeps everything.
    """
    from scipy.sparse import diags

    keep = np.ones(columns, dtype=np.float32)
    reads = HEAD_VECTORS.get(head, "tuned")
    if stock_width is not None and reads == "tuned":
        keep[:stock_width] = 0.0
    elif stock_width is not None and reads == "stock":
        keep[stock_width : 2 * stock_width] = 0.0
    return diags(keep).tocsr()


def _by_section(rows: Sequence[Row]) -> tuple[list[int], np.ndarray]:
    """A general question's row once per section it asks (the softmax learns to share between them)."""
    index = [i for i, row in enumerate(rows) if row.kind == "general" for _ in row.sections]
    labels = [section for row in rows if row.kind == "general" for section in row.sections]
    return index, np.array(labels)


def readings(reader: Reader, texts: Sequence[str]) -> list[Reading]:
    """Each message read as the action server reads it: whole, and sentence by sentence when it has several."""
    from common.sentences import split_sentences

    messages = [(text, [p for p in split_sentences(text)]) for text in texts]
    messages = [(text, parts if len(parts) > 1 else []) for text, parts in messages]
    vectors = reader_vectors([t for text, parts in messages for t in (text, *parts)], reader.encoder is not None)
    read, at = [], 0
    for text, parts in messages:
        rows_of = vectors[at : at + 1 + len(parts)]
        at += 1 + len(parts)
        read.append(reader.read_vectors(text, rows_of[0], list(zip(parts, rows_of[1:], strict=True))))
    return read


def nlu_parses(path: Path = NLU_VALIDATION) -> dict[str, tuple[str, float]]:
    """What Rasa's model made of each validation message (``bot/parse_texts.py``), by row id; none if absent."""
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {str(r["id"]): (str(r.get("intent") or ""), float(r.get("confidence") or 0.0)) for r in rows}


def train(out: Path = DEFAULT_DIR, compare_all: bool = False, tuned: bool = False) -> dict[str, Any]:
    """Train, compare, calibrate, choose thresholds; write the reader; return its figures."""
    started = time.monotonic()
    families = tuple(f[0] for f in FAMILIES) if compare_all else EVERY_RETRAIN
    training = [r for r in training_rows() if r.kind in KINDS]
    validation = [r for r in corpus("validation") if r.kind in KINDS]
    print(f"reader: {len(training)} training rows, {len(validation)} validation rows", flush=True)
    lexicon = Lexicon.fit([r.text for r in training])
    v_train = reader_vectors([r.text for r in training], tuned)
    v_val = reader_vectors([r.text for r in validation], tuned)
    x_train = features(v_train, [r.text for r in training], lexicon)
    x_val = features(v_val, [r.text for r in validation], lexicon)
    width = x_train.shape[1] - len(lexicon)
    heads: dict[str, Head] = {}
    comparison: dict[str, Any] = {}
    kinds_train = np.array([r.kind for r in training])
    kinds_val = np.array([r.kind for r in validation])
    # Both encoders are all-MiniLM-L6-v2: with the tuned one, the stock vector is the first half of the width.
    on = {head: _columns(head, x_train.shape[1], width // 2 if tuned else None) for head in HEAD_VECTORS}
    heads["kind"], comparison["kind"] = train_head(
        "kind", (x_train @ on["kind"], kinds_train), (x_val @ on["kind"], kinds_val), width, families
    )
    if tuned:  # the second opinion on emergencies and the patient's own case reads both vectors (HEAD_VECTORS)
        heads["second"], comparison["second"] = train_head(
            "second", (x_train @ on["second"], kinds_train), (x_val @ on["second"], kinds_val), width, families
        )
    if follow_ups.pairs("train"):  # after a question, a message that only moves it to a page (tools/follow_ups.py)
        featurise = _featuriser(tuned, lexicon, on["follow"])
        heads["follow"], comparison["follow"] = _follow_head(
            (training, x_train @ on["follow"]), x_val @ on["follow"], featurise, width, families
        )
    section_train, sections_train = _by_section(training)
    section_val, sections_val = _by_section(validation)
    x_sections, x_sections_val = x_train @ on["sections"], x_val @ on["sections"]
    heads["sections"], comparison["sections"] = train_head(
        "sections",
        (x_sections[section_train], sections_train),
        (x_sections_val[section_val], sections_val),
        width,
        families,
    )
    # The vote reads the vector the section head reads: the tuned encoder's, else the stock one.
    columns = (width // 2, width) if tuned else (0, width)
    vote, comparison["sections"]["vote"] = fit_vote(
        heads["sections"],
        (v_train, training),
        (v_val, x_sections_val, section_val, sections_val),
        columns,
    )
    labelled = [i for i, r in enumerate(training) if r.writer != "nlu"]
    # With the follow-up writers' follow-ups, which name their page or describe it ("and the nuclear one?").
    moved, moved_val = ([p for p in follow_ups.pairs(split) if p.follow] for split in ("train", "validation"))
    page = _featuriser(tuned, lexicon, on["procedure"])
    heads["procedure"], comparison["procedure"] = train_head(
        "procedure",
        (
            _stack((x_train @ on["procedure"])[labelled], page([p.text for p in moved])),
            np.array([training[i].procedure or PROCEDURES_NONE for i in labelled] + [p.procedure for p in moved]),
        ),
        (
            _stack(x_val @ on["procedure"], page([p.text for p in moved_val])),
            np.array([r.procedure or PROCEDURES_NONE for r in validation] + [p.procedure for p in moved_val]),
        ),
        width,
        families,
    )
    reader = Reader(heads, lexicon, {"encoder": _encoder_meta(out) if tuned else None}, out, vote)
    read = readings(reader, [r.text for r in validation])
    limits, figures = choose_thresholds(validation, read, nlu_parses())
    limits["procedure"] = procedure_threshold(validation, read)
    limits["page_doubt"] = page_doubt_threshold(validation, read, limits["procedure"])
    if "follow" in heads:  # chosen last: the emergency and page thresholds decide before it (tools/follow_ups.py)
        pairs_val = follow_ups.pairs("validation")
        limits["follow"], figures["follow_ups"] = follow_ups.choose_threshold(
            read, readings(reader, [p.text for p in pairs_val]), pairs_val, limits
        )
    reader.meta = {
        "encoder": reader.meta["encoder"],
        "thresholds": limits,
        "validation": figures,
        "comparison": comparison,
        "rows": {"train": len(training), "validation": len(validation), "lexicon": len(lexicon)},
        "seconds": round(time.monotonic() - started, 1),
    }
    reader.save(out)
    print(json.dumps({"thresholds": limits, "validation": figures}, indent=1))
    return reader.meta


def _featuriser(tuned: bool, lexicon: Lexicon, columns: Any) -> Callable[[list[str]], Any]:
    """Some texts' feature rows as one head reads them (its ``columns``); none for no texts."""

    def featurise(texts: list[str]) -> Any:
        return features(reader_vectors(texts, tuned), texts, lexicon) @ columns if texts else None

    return featurise


def _stack(first: Any, more: Any) -> Any:
    """Two blocks of feature rows, one under the other (``more`` none: ``first`` alone)."""
    from scipy.sparse import vstack

    return first if more is None else vstack([first, more]).tocsr()


def _follow_head(
    training: tuple[Sequence[Row], Any],
    x_alone: Any,
    featurise: Callable[[list[str]], Any],
    width: int,
    families: Sequence[str],
) -> tuple[Head, dict[str, Any]]:
    """The follow-up head, fitted and calibrated on the validation writers (its threshold is chosen later).

    ``training``: the training rows and their features as this head reads them; ``x_alone``: the corpus's
    validation messages' features (each is ``other``: a message with a question of its own); ``featurise``: a list
    of texts' features, as this head reads them.
    """
    rows, x_rows = training
    pairs_val = follow_ups.pairs("validation")
    held_out = pairs_val + follow_ups.pairs("test")
    indexed, seconds = follow_ups.head_rows(rows, follow_ups.pairs("train"), held_out)
    x_train = _stack(x_rows[[i for i, _ in indexed]], featurise([text for text, _ in seconds]))
    labels = np.array([label for _, label in indexed] + [label for _, label in seconds])
    labels_val = [follow_ups.OTHER] * x_alone.shape[0]
    labels_val += [follow_ups.FOLLOW if p.follow else follow_ups.OTHER for p in pairs_val]
    x_val = _stack(x_alone, featurise([p.text for p in pairs_val]))
    return train_head("follow", (x_train, labels), (x_val, np.array(labels_val)), width, families)


def _encoder_meta(out: Path) -> dict[str, Any] | None:
    """Where the fine-tuned encoder is, relative to the reader's folder, and its digest (none: the stock model)."""
    from knowledge.onnx_embedder import file_digest

    if not TUNED_PATH.is_file():
        return None
    try:
        file = TUNED_PATH.relative_to(out)
    except ValueError:
        file = Path(os.path.relpath(TUNED_PATH, out))
    return {"file": str(file), "sha256": file_digest(TUNED_PATH)}


def main(argv: Sequence[str] | None = None) -> int:
    """Train the reader into ``--out`` (``build/reader/``), or write the validation texts for Rasa to parse."""
    global CACHE  # one process, one cache: --vector-cache sets where embed() keeps its files
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--validation-texts", type=Path, help="only write the validation messages (id, text) here")
    parser.add_argument("--compare-all", action="store_true", help="also fit and compare the MLP (about 40 s more)")
    parser.add_argument(
        "--encoder",
        choices=("stock", "tuned"),
        default="stock",
        help="tuned: the section and page heads read the fine-tuned encoder's vector too (tools/tune_encoder.py)",
    )
    parser.add_argument("--vector-cache", type=Path, help=f"where embedded texts are kept (default {CACHE})")
    parser.add_argument("--build-cache", type=Path, help="keep builds here by their inputs' digest, and reuse them")
    args = parser.parse_args(argv)
    if args.vector_cache:
        CACHE = args.vector_cache
    if args.validation_texts:
        args.validation_texts.parent.mkdir(parents=True, exist_ok=True)
        rows = corpus("validation")
        lines = "".join(json.dumps({"id": r.row_id, "text": r.text}) + "\n" for r in rows)
        args.validation_texts.write_text(lines, encoding="utf-8")
        return 0
    build_key = None
    if args.build_cache and not args.compare_all:
        from knowledge.onnx_embedder import DEFAULT_PATH

        models = [DEFAULT_PATH, *([TUNED_PATH] if args.encoder == "tuned" else [])]
        build_key = reader_builds.key(args.encoder, models, NLU_VALIDATION)
        if reader_builds.restore(args.build_cache, build_key, args.out):
            print(f"reader: the build of these inputs copied from {args.build_cache / build_key}", flush=True)
            return 0
    train(args.out, compare_all=args.compare_all, tuned=args.encoder == "tuned")
    if build_key is not None:
        reader_builds.store(args.build_cache, build_key, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

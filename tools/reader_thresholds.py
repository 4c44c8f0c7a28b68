"""The decision table's thresholds, chosen on the validation writers (``make reader``, :mod:`tools.train_reader`).

Every threshold of :mod:`actions.decide` is chosen here from the validation writers' readings (and what Rasa's model
made of their messages): as many general questions answered right as possible with at most 2% answered wrongly
and at most 2% of personal questions answered from a page, then stage by stage the levels that answer more within
the same limits (Rasa overruled), the most cautious hand-off of the patient's own
case that costs at most one general answer in 200, the page guess and the page doubt.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from actions.decide import ANSWER, decide
from actions.reader import PERSONAL_KINDS, Reading
from tools.corpus import Row

#: The most wrong answers, and personal questions answered, that a threshold may allow on validation.
MAX_WRONG = 0.02
MAX_PERSONAL_ANSWERED = 0.02
#: Between emergencies caught and false alarms: at most this share of other messages called emergencies.
MAX_FALSE_EMERGENCIES = 0.005
PROCEDURES_NONE = "none"
SECTION_GRID = tuple(float(t) for t in np.round(np.arange(0.3, 0.99, 0.05), 2))
#: How sure the reader must be of "general" to overrule Rasa's desk or out-of-scope intent (1.01: never).
OVERRULE_GRID = (0.99, 0.95, 0.9, 0.8, 0.7)
#: The most, as a share of the desk's and out-of-scope messages, that overruling Rasa may answer from a page.
OVERRULE_MORE_OTHERS = 0.02
#: How unlikely the page head may find a named page before asking which page is meant (0: never), and the most
#: validation questions naming their page that may be asked so (one in 200, like the false emergencies' limit).
#: The grid stops at one chance in five: above it, the head's doubt is no longer a contradiction.
PAGE_DOUBT_GRID = (0.02, 0.05, 0.1, 0.2)
MAX_PAGE_DOUBTS = 0.005
#: Kinds that are questions for someone else or for nobody: answering one from a page is a wrong answer.
NOT_GENERAL_QUESTIONS = ("out_of_scope", "cost", "scheduling", "prescription", "human")


#: The levels of the personal hand-off tried, and what a more cautious one may cost: the most sensitive level whose
#: general questions answered right are within one in 200 of the best level's is kept. Validation's own-case
#: messages barely tell the levels apart (none of its 421 was answered at any of them, 2026-12-07), where other
#: writers' show that a lower level hands off more of theirs; a safety decision that validation cannot price is
#: given the cautious side, at the page doubt's price (one in 200).
PERSONAL_GRID = (0.3, 0.35, 0.4, 0.45, 0.5)
PERSONAL_CAUTION = 0.005
Best = tuple[float, dict[str, float], dict[str, Any]]


class Validation:
    """The validation writers' readings (and what Rasa heard), measured at given thresholds."""

    def __init__(self, rows: Sequence[Row], read: Sequence[Reading], heard: Sequence[tuple[str, float]]) -> None:
        self.rows, self.read, self.heard = rows, read, heard
        self.general = [i for i, row in enumerate(rows) if row.kind == "general" and row.sections]
        self.personal = [i for i, row in enumerate(rows) if row.kind in PERSONAL_KINDS]
        self.others = [i for i, row in enumerate(rows) if row.kind in NOT_GENERAL_QUESTIONS]
        self.asked = sorted({*self.general, *self.personal})
        self.everyone = sorted({*self.asked, *self.others})

    def measure(self, limits: dict[str, float], with_others: bool = False) -> dict[str, float]:
        """The validation figures at these limits (and the desk's and out-of-scope messages answered)."""
        read, heard = self.read, self.heard
        decisions = {i: decide(read[i], limits, *heard[i]) for i in (self.everyone if with_others else self.asked)}
        outcomes = [_outcome(self.rows[i], read[i], decisions[i]) for i in self.general]
        general, personal = max(1, len(self.general)), max(1, len(self.personal))
        figures = {
            "general_right": round(outcomes.count("right") / general, 4),
            "general_wrong": round(outcomes.count("wrong") / general, 4),
            "personal_answered": round(sum(decisions[i].reply == ANSWER for i in self.personal) / personal, 4),
        }
        if with_others:
            answered = sum(decisions[i].reply == ANSWER for i in self.others)
            figures["others_answered"] = round(answered / max(1, len(self.others)), 4)
        return figures

    def best_of(self, grid: Iterable[dict[str, float]]) -> Best | None:
        """The first limits of ``grid`` with the most general questions answered right within the limits."""
        best: Best | None = None
        for limits in grid:
            figures = self.measure(limits)
            if within(figures) and (best is None or figures["general_right"] > best[0]):
                best = (figures["general_right"], limits, figures)
        return best


def within(figures: dict[str, float]) -> bool:
    """At most 2% of general questions answered wrongly and 2% of personal ones answered from a page."""
    return figures["general_wrong"] <= MAX_WRONG and figures["personal_answered"] <= MAX_PERSONAL_ANSWERED


#: The validation a forked worker of :func:`_search` measures (set just before the workers are forked).
_MEASURED: Validation | None = None


def _best_of_chunk(grid: list[dict[str, float]]) -> Best | None:
    assert _MEASURED is not None
    return _MEASURED.best_of(grid)


def _search(validation: Validation, grid: list[dict[str, float]]) -> Best | None:
    """:meth:`Validation.best_of` over the grid, in contiguous chunks on every core (the same choice, ties too)."""
    global _MEASURED  # the forked workers inherit it: nothing of the readings is pickled
    workers = min(os.cpu_count() or 1, 4)
    if workers < 2 or len(grid) < 100 or "fork" not in multiprocessing.get_all_start_methods():
        return validation.best_of(grid)
    size = -(-len(grid) // (4 * workers))
    chunks = [grid[i : i + size] for i in range(0, len(grid), size)]
    _MEASURED = validation
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            found = pool.map(_best_of_chunk, chunks)
    finally:
        _MEASURED = None
    best: Best | None = None
    for candidate in found:  # in the grid's order: the first of equals wins, as in one pass
        if candidate is not None and (best is None or candidate[0] > best[0]):
            best = candidate
    return best


def choose_thresholds(
    rows: Sequence[Row], read: Sequence[Reading], nlu: dict[str, tuple[str, float]] | None = None
) -> tuple[dict[str, float], dict[str, Any]]:
    """The thresholds of :mod:`actions.decide` that answer most general questions within the limits."""
    validation = Validation(rows, read, [(nlu or {}).get(row.row_id, ("", 0.0)) for row in rows])
    measure = validation.measure
    emergency_p = np.array([r.emergency for r in read])
    is_emergency = np.array([row.kind == "emergency" for row in rows])
    # Down from 0.9 while false alarms stay within the limit, but a step down only where it catches more of the
    # validation writers' emergencies: a lower threshold that catches none more only adds false alarms.
    emergency, caught_most = 0.5, -1
    for t in np.round(np.arange(0.9, 0.14, -0.05), 2):
        false = float(np.mean(emergency_p[~is_emergency] >= t)) if (~is_emergency).any() else 0.0
        if false > MAX_FALSE_EMERGENCIES:
            break
        caught_now = int(np.sum(emergency_p[is_emergency] >= t))
        if caught_now > caught_most:
            emergency, caught_most = float(t), caught_now
        if is_emergency.any() and caught_now == int(is_emergency.sum()):
            break
    grid = itertools.product(
        (0.3, 0.4, 0.5),
        (0.2, 0.3),
        SECTION_GRID,
        (0.7, 0.8, 0.9),
        (0.1, 0.2, 0.35, 0.5) if nlu else (1.0,),
        (0.8, 0.9, 0.97) if nlu else (1.0,),
    )
    keys = ("personal", "general", "section", "sentence", "agree", "nlu_sure")
    fixed = {"emergency": emergency, "extra": 0.3}
    best = _search(validation, [{**fixed, **dict(zip(keys, levels, strict=True))} for levels in grid])
    if best is not None and nlu:
        # Then how sure the reader must be to overrule Rasa's desk and out-of-scope intents, with the section
        # threshold again at each level: the most general questions answered right within the limits, and at
        # most OVERRULE_MORE_OTHERS more of the desk's and out-of-scope messages answered from a page. Ties
        # keep the stricter levels (tried first).
        grid_best = best[1]
        base = measure({**grid_best, "overrule": 1.01}, with_others=True)
        for level in (1.01, *OVERRULE_GRID):
            for p_section in sorted(SECTION_GRID, reverse=True):
                trial = {**grid_best, "overrule": level, "section": p_section}
                figures = measure(trial, with_others=True)
                more = figures["others_answered"] - base["others_answered"]
                if within(figures) and more <= OVERRULE_MORE_OTHERS and figures["general_right"] > best[0]:
                    best = (figures["general_right"], trial, figures)
    if best is not None:
        # Last, the most cautious hand-off of the patient's own case that costs at most PERSONAL_CAUTION.
        for level in PERSONAL_GRID:
            if level >= best[1]["personal"]:
                break
            trial = {**best[1], "personal": level}
            figures = measure(trial, with_others=bool(nlu))
            if within(figures) and figures["general_right"] >= best[0] - PERSONAL_CAUTION:
                best = (figures["general_right"], trial, figures)
                break
    if best is None:  # nothing within the limits: the strictest
        limits = {
            "emergency": emergency,
            "personal": 0.3,
            "general": 0.6,
            "section": 0.95,
            "extra": 0.35,
            "sentence": 0.95,
        }
        best = (0.0, limits, {"note": "no threshold met the limits on validation; strictest used"})
    chosen = dict(best[1])
    chosen["narrow"] = min(chosen["general"], 0.35)
    caught = float(np.mean(emergency_p[is_emergency] >= emergency)) if is_emergency.any() else 1.0
    false = float(np.mean(emergency_p[~is_emergency] >= emergency)) if (~is_emergency).any() else 0.0
    figures = {**best[2], "emergency_recall": round(caught, 4), "false_emergency": round(false, 4)}
    return chosen, figures


def _outcome(row: Row, reading: Reading, decision: Any, procedure_limit: float = 0.9) -> str:
    """What ``make eval`` would count for a general question (tools/corpus_sets.py), the page taken as found.

    A named page is assumed found (the names matcher); a message naming none is answered only from the
    reader's page guess at ``procedure_limit``, and any such answer is wrong (the writer named no page).
    """
    if decision.reply != ANSWER:
        results_line = "results" in row.sections and decision.response == "utter_handoff_results"
        return "right" if results_line or (row.procedure is None and decision.reply != "emergency") else "other"
    if row.procedure is None:
        return "wrong" if reading.procedure()[0] and reading.procedure()[1] >= procedure_limit else "right"
    return "right" if decision.sections[0] in row.sections else "wrong"


def procedure_threshold(rows: Sequence[Row], read: Sequence[Reading]) -> float:
    """The lowest probability at which the procedure head's guess is right at least 98% of the time."""
    guesses = [(r.procedure()[1], r.procedure()[0] == row.procedure) for row, r in zip(rows, read, strict=True)]
    for t in np.round(np.arange(0.3, 0.96, 0.05), 2):
        kept = [ok for p, ok in guesses if p >= t]
        if kept and sum(kept) / len(kept) >= 0.98:
            return float(t)
    return 0.95


def page_doubt_threshold(rows: Sequence[Row], read: Sequence[Reading], procedure_limit: float) -> float:
    """How unlikely the page head must find a named page to ask which page is meant (``Answerer._doubted``).

    The most sensitive level of :data:`PAGE_DOUBT_GRID` at which at most :data:`MAX_PAGE_DOUBTS` of the validation
    writers' general questions that name a page would be asked. The names matcher is taken to have found the page
    each writer meant, as in :func:`_outcome`: every question asked here is one that would have been answered.
    """
    named = [(row, r) for row, r in zip(rows, read, strict=True) if row.kind == "general" and row.procedure]
    chosen = 0.0
    if not named:  # nothing to measure the cost on: never doubt
        return chosen
    for level in PAGE_DOUBT_GRID:
        asked = 0
        for row, r in named:
            other = max(
                (p for code, p in r.procedures.items() if code not in (row.procedure, PROCEDURES_NONE)), default=0
            )
            asked += r.procedures.get(str(row.procedure), 0.0) < level and other >= procedure_limit
        if asked / len(named) > MAX_PAGE_DOUBTS:
            break
        chosen = level
    return chosen

"""The semantic fallback: a question that names no page is matched against every page's profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.answering import Answerer, Context, Request
from actions.knowledge_service import KnowledgeService
from actions.procedure_guess import ASK_SCORE, CLEAR_MARGIN, CLEAR_SCORE, choose_pages
from tests.conftest import PAGES
from tests.support.fakes import HashingEmbedder


def test_a_clear_best_page_is_chosen_alone() -> None:
    ranked = [("93306", CLEAR_SCORE + 0.1), ("76700", CLEAR_SCORE + 0.1 - CLEAR_MARGIN - 0.01), ("78452", 0.2)]
    assert choose_pages(ranked) == ("93306",)


def test_pages_that_stand_out_together_are_offered() -> None:
    assert choose_pages([("78452", 0.5), ("93015", 0.48), ("93306", 0.47)]) == ("78452", "93015", "93306")
    assert choose_pages([("78452", 0.5), ("93015", 0.48), ("93306", 0.3)]) == ("78452", "93015")
    # Not high enough to use alone, even with a wide margin: the two best are offered.
    assert choose_pages([("45378", ASK_SCORE + 0.02), ("43235", 0.1), ("29881", 0.05)]) == ("45378", "43235")


def test_no_page_stands_out() -> None:
    assert choose_pages([("45378", ASK_SCORE - 0.01), ("43235", 0.1)]) == ()
    assert choose_pages([]) == ()


class Guessing(KnowledgeService):
    """The real service, with the fallback's answer fixed (the hashing embedder's scores mean little)."""

    guess: tuple[str, ...] = ()

    def guess_procedures(self, question: str) -> tuple[str, ...]:
        return self.guess


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Guessing:
    return Guessing(PAGES, tmp_path_factory.mktemp("index"), HashingEmbedder())


def test_a_clear_guess_is_answered_from_that_page(service: Guessing) -> None:
    service.guess = ("29881",)
    turn = Answerer(service).respond(Request("ask_duration", "how long does the cartilage trim take"), Context())
    assert (turn.procedure, turn.answer_section) == ("29881", "duration")
    assert turn.utterances[0].values["procedure_name"] == "Knee Scope"  # the title names the page used
    assert turn.last_question == "ask_duration"


def test_an_unclear_guess_asks_with_just_those_pages(service: Guessing) -> None:
    service.guess = ("78452", "93015")
    turn = Answerer(service).respond(Request("ask_preparation", "heart test prep"), Context())
    assert turn.answer_section is None and turn.procedure is None
    assert turn.pending_question == "ask_preparation"
    assert turn.utterances[0].response == "utter_ask_which_of"
    payloads = [b.payload for b in turn.utterances[0].buttons]
    assert payloads == ['/inform_procedure{"procedure": "78452"}', '/inform_procedure{"procedure": "93015"}']


def test_no_guess_asks_with_every_page(service: Guessing) -> None:
    service.guess = ()
    turn = Answerer(service).respond(Request("ask_risks", "is it safe"), Context())
    assert turn.utterances[0].response == "utter_ask_which_procedure"
    assert len(turn.utterances[0].buttons) == 16


def test_the_fallback_is_not_asked_when_a_page_is_known(service: Guessing) -> None:
    service.guess = ("29881",)
    turn = Answerer(service).respond(Request("ask_risks", "is it safe"), Context(procedure="45378"))
    assert turn.procedure == "45378"


def test_the_real_service_matches_profiles_with_the_turns_question_vector(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    service = KnowledgeService(PAGES, tmp_path / "index", embedder)
    view = service.view()
    question = "polysomnography sleep staging overnight technologist sleep apnea snoring"
    before = len(embedder.calls)
    assert view.guess_procedures(question) == ("95810",)
    view.rank(question, "95810", "duration")
    assert len(embedder.calls) == before + 1  # embedded once for both
    assert view.guess_procedures("zzz qqq") == ()
    assert view.guess_procedures("   ") == ()

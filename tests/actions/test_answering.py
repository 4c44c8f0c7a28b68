"""Retrieve and compose: the turn for each decision, with the real pages and a fake embedder (no servers, no model)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from actions.answering import Answerer, Context, Request
from actions.decide import ANSWER, DECLINE, EMERGENCY, FOLLOW_UP, HAND_OFF, NARROW, Decision
from actions.knowledge_service import KnowledgeService
from actions.reader import Reading, SectionGuess
from knowledge.embedder import Vectors
from tests.conftest import PAGES
from tests.support.fakes import HashingEmbedder


def reading(*sections: str, procedures: dict[str, float] | None = None, kind: str = "general") -> Reading:
    """A reading as the models might give it: one kind, sections best first."""
    return Reading(
        kinds={kind: 0.9, "out_of_scope": 0.1},
        sections=tuple(SectionGuess(s, 0.9 - 0.1 * i, "") for i, s in enumerate(sections)),
        procedures=procedures or {"none": 1.0},
    )


def answer(*sections: str) -> Decision:
    return Decision(ANSWER, sections=sections, probability=0.9, rule=5)


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    index_dir: Path = tmp_path_factory.mktemp("index")
    return Answerer(KnowledgeService(PAGES, index_dir, HashingEmbedder()))


def test_question_with_procedure_is_answered_from_its_section(answerer: Answerer) -> None:
    request = Request("ask_duration", "how long is the lung scan", ("78580",))
    turn = answerer.respond(request, Context(), reading("duration"), answer("duration"))
    assert turn.procedure == "78580"
    assert turn.answer_section == "duration"
    assert turn.utterances[0].response == "utter_answer"
    assert "30 to 60 minutes" in turn.utterances[0].values["answer"]


def test_question_before_procedure_is_known_asks_which_and_remembers(answerer: Answerer) -> None:
    turn = answerer.respond(
        Request("ask_preparation", "can i eat before"), Context(), reading("preparation"), answer("preparation")
    )
    assert turn.answer_section is None
    assert turn.procedure is None
    assert turn.pending_question == "ask_preparation"
    assert turn.utterances[0].response == "utter_ask_which_procedure"
    payloads = [b.payload for b in turn.utterances[0].buttons]
    assert len(payloads) == 16
    assert '/inform_procedure{"procedure": "45378"}' in payloads

    named = answerer.respond(
        Request("inform_procedure", "colonoscopy", ("45378",)),
        Context(pending_question="ask_preparation", pending_text="can i eat before"),
        reading("summary"),
        Decision(DECLINE),
    )
    assert named.procedure == "45378"
    assert named.answer_section == "preparation"
    assert named.pending_question is None


def test_a_name_given_when_asked_which_answers_the_waiting_question_even_if_read_as_a_question(
    answerer: Answerer,
) -> None:
    # "it's the echocardiogram" after "which procedure?": the models may read "what is it" into a name alone.
    named = answerer.respond(
        Request("inform_procedure", "its the echocardiogram", ("93306",)),
        Context(pending_question="ask_duration", pending_text="how long does it take"),
        reading("summary"),
        answer("summary"),
    )
    assert named.procedure == "93306"
    assert named.answer_section == "duration"
    # Without a waiting question, the same reading is answered as read.
    unasked = answerer.respond(
        Request("inform_procedure", "its the echocardiogram", ("93306",)),
        Context(),
        reading("summary"),
        answer("summary"),
    )
    assert unasked.answer_section == "summary"


def test_the_readers_clear_page_guess_is_used_when_nothing_names_a_page(answerer: Answerer) -> None:
    sure = reading("duration", procedures={"45378": 0.95, "none": 0.05})
    turn = answerer.respond(Request("ask_duration", "how long is the bowel scope"), Context(), sure, answer("duration"))
    assert (turn.procedure, turn.answer_section) == ("45378", "duration")
    unsure = reading("duration", procedures={"45378": 0.4, "43235": 0.35, "none": 0.25})
    asked = answerer.respond(Request("ask_duration", "how long is the scope"), Context(), unsure, answer("duration"))
    assert asked.answer_section is None
    assert asked.utterances[0].response == "utter_ask_which_procedure"


def test_follow_up_uses_the_procedure_in_context(answerer: Answerer) -> None:
    request = Request("ask_patient_experience", "does it hurt")
    turn = answerer.respond(
        request, Context(procedure="70551"), reading("patient_experience"), answer("patient_experience")
    )
    assert (turn.procedure, turn.answer_section) == ("70551", "patient_experience")


def test_a_follow_up_without_a_name_asks_the_last_question_of_the_page_the_reader_is_sure_of(
    answerer: Answerer,
) -> None:
    # "And the nuclear one?" after a question about the treadmill test: no name the matcher knows.
    sure = Answerer(answerer._kb, procedure_threshold=0.6)
    moved = Decision(FOLLOW_UP, probability=0.9, rule=2)
    context = Context(procedure="93015", last_question="ask_duration")
    request = Request("inform_procedure", "and the nuclear one?")
    read = reading("summary", procedures={"78452": 0.8, "93015": 0.1, "none": 0.1})
    turn = sure.respond(request, context, read, moved)
    assert (turn.procedure, turn.answer_section) == ("78452", "duration")
    # A guess below the threshold asks which procedure instead of answering.
    unsure = reading("summary", procedures={"78452": 0.5, "93015": 0.3, "none": 0.2})
    asked = sure.respond(request, context, unsure, moved)
    assert asked.answer_section is None


def test_after_the_results_line_a_follow_up_gets_the_results_line_of_the_page_it_names(answerer: Answerer) -> None:
    # "How long do echo results take?", then "and for the treadmill test": the care team's line again, not what
    # the treadmill test is.
    line = Decision(HAND_OFF, "utter_handoff_results", probability=0.9, rule=7)
    first = answerer.respond(
        Request("ask_results", "how long do echo results take?", ("93306",)), Context(), reading("results"), line
    )
    assert (first.utterances[0].response, first.last_question) == ("utter_handoff_results", "ask_results")
    context = Context(procedure="93306", last_question=first.last_question)
    moved = Decision(FOLLOW_UP, probability=0.9, rule=2)
    turn = answerer.respond(
        Request("inform_procedure", "and for the treadmill test", ("93015",)), context, reading(), moved
    )
    assert (turn.procedure, turn.answer_section, turn.utterances[0].response) == (
        "93015",
        None,
        "utter_handoff_results",
    )


def test_naming_another_procedure_changes_it(answerer: Answerer) -> None:
    request = Request("ask_recovery", "and after a knee scope?", ("29881",))
    turn = answerer.respond(request, Context(procedure="45378"), reading("recovery"), answer("recovery"))
    assert (turn.procedure, turn.answer_section) == ("29881", "recovery")


def test_of_several_named_pages_the_likeliest_is_answered(answerer: Answerer) -> None:
    request = Request("ask_duration", "I had a chest x-ray, now how long is the colonoscopy", ("71046", "45378"))
    read = reading("duration", procedures={"45378": 0.7, "71046": 0.2, "none": 0.1})
    turn = answerer.respond(request, Context(), read, answer("duration"))
    assert turn.procedure == "45378"


def test_shared_name_asks_which_one(answerer: Answerer) -> None:
    request = Request("ask_duration", "how long is a stress test", ambiguous=(("78452", "93015"),))
    turn = answerer.respond(request, Context(), reading("duration"), answer("duration"))
    assert turn.answer_section is None
    assert turn.utterances[0].response == "utter_ask_which_of"
    assert sorted(b.payload for b in turn.utterances[0].buttons) == [
        '/inform_procedure{"procedure": "78452"}',
        '/inform_procedure{"procedure": "93015"}',
    ]
    assert turn.pending_question == "ask_duration"


def test_a_family_word_is_answered_when_the_rest_of_the_message_tells_which_page(answerer: Answerer) -> None:
    scope = ("29881", "43235", "45378")
    text = "how long is the scope down the throat"
    request = Request("ask_duration", text, ambiguous=(scope,), family=(scope,), family_spans=((16, 21),))
    seen: list[str] = []

    def rest_says(procedures: dict[str, float]) -> Answerer:
        def reread(t: str) -> Reading:
            seen.append(t)
            return reading("duration", procedures=procedures)

        return Answerer(answerer._kb, procedure_threshold=0.6, reread=reread)

    # The message read whole may be sure of a page out of the writers' habit; only the rest counts.
    habit = reading("duration", procedures={"45378": 0.97, "none": 0.03})
    turn = rest_says({"43235": 0.9, "none": 0.1}).respond(request, Context(), habit, answer("duration"))
    assert (turn.procedure, turn.answer_section) == ("43235", "duration")
    assert seen == ["how long is the down the throat"]
    # The rest unsure, sure of nothing, or sure of a page the word does not cover: the patient is asked which.
    for rest in ({"43235": 0.45, "45378": 0.45, "none": 0.1}, {"none": 0.95}, {"70551": 0.95, "none": 0.05}):
        turn = rest_says(rest).respond(request, Context(), habit, answer("duration"))
        assert turn.utterances[0].response == "utter_ask_which_of"


def test_a_shared_name_asks_which_whatever_the_rest_of_the_message_says(answerer: Answerer) -> None:
    # Writers call the treadmill test "stress test"; a patient booked for the nuclear one must not get its answer.
    request = Request("ask_duration", "how long is a stress test", ambiguous=(("78452", "93015"),))
    sure = Answerer(answerer._kb, reread=lambda t: reading("duration", procedures={"93015": 0.97, "none": 0.03}))
    turn = sure.respond(request, Context(), reading("duration"), answer("duration"))
    assert turn.utterances[0].response == "utter_ask_which_of"


def test_a_parse_gives_the_family_words_apart_from_the_shared_names_with_where_they_are() -> None:
    parse = {
        "text": "is the Scope or the stress test longer? the scope I mean",
        "intent": {"name": "ask_duration", "confidence": 0.9},
        "entities": [
            {"entity": "procedure_ambiguous", "value": "29881|43235|45378", "role": "family", "start": 7, "end": 12},
            {"entity": "procedure_ambiguous", "value": "78452|93015", "start": 20, "end": 31},
        ],
    }
    request = Request.from_parse(parse)
    assert request.ambiguous == (("29881", "43235", "45378"), ("78452", "93015"))
    assert request.family == (("29881", "43235", "45378"),)
    assert request.family_spans == ((7, 12),)
    # Every occurrence of the family word goes, whatever its case; the shared name stays.
    assert request.without_family_words() == "is the or the stress test longer? the I mean"


def test_a_shared_name_asks_which_even_when_the_conversation_has_another_page(answerer: Answerer) -> None:
    request = Request("ask_duration", "how long is a stress test", ambiguous=(("78452", "93015"),))
    turn = answerer.respond(request, Context(procedure="45378"), reading("duration"), answer("duration"))
    assert turn.utterances[0].response == "utter_ask_which_of"
    kept = answerer.respond(request, Context(procedure="93015"), reading("duration"), answer("duration"))
    assert (kept.procedure, kept.answer_section) == ("93015", "duration")


def test_a_question_heard_as_yes_or_no_is_answered_when_the_models_read_a_question(answerer: Answerer) -> None:
    request = Request("affirm", "yes hello, do I have to fast before the colonoscopy?", ("45378",))
    turn = answerer.respond(request, Context(), reading("preparation"), answer("preparation"))
    assert (turn.procedure, turn.answer_section) == ("45378", "preparation")
    plain = answerer.respond(
        Request("deny", "no"), Context(procedure="45378"), reading(kind="small_talk"), Decision(DECLINE)
    )
    assert plain.utterances[0].response == "utter_anything_else"


def test_small_talk_gets_its_reply_unless_the_models_read_a_question_or_an_emergency(answerer: Answerer) -> None:
    hello = answerer.respond(Request("greet", "hello"), Context(), reading(kind="small_talk"), Decision(DECLINE))
    assert [u.response for u in hello.utterances] == ["utter_greet"]
    thanks = answerer.respond(
        Request("thank", "thanks!"), Context(procedure="45378"), reading(kind="small_talk"), Decision(DECLINE)
    )
    assert [u.response for u in thanks.utterances] == ["utter_thank"]
    assert thanks.procedure == "45378"
    question = Request("greet", "Good morning, how long is the colonoscopy?", ("45378",))
    answered = answerer.respond(question, Context(), reading("duration"), answer("duration"))
    assert (answered.procedure, answered.answer_section) == ("45378", "duration")
    story = Request("greet", "Good evening. My heart is racing and I feel I'm going to pass out.")
    urgent = answerer.respond(story, Context(), reading(kind="emergency"), Decision(EMERGENCY))
    assert [u.response for u in urgent.utterances] == ["utter_emergency"]


def test_an_emergency_heard_as_yes_gets_the_emergency_reply(answerer: Answerer) -> None:
    request = Request("affirm", "yes but I can't breathe right now")
    turn = answerer.respond(
        request, Context(procedure="45378", more_section="preparation"), reading(), Decision(EMERGENCY)
    )
    assert turn.utterances[0].response == "utter_emergency"


def test_several_sections_are_answered_in_one_reply_in_order(answerer: Answerer) -> None:
    request = Request("ask_duration", "how long does it take and can i drive after?", ("45378",))
    turn = answerer.respond(request, Context(), reading("duration", "recovery"), answer("duration", "recovery"))
    assert turn.answer_sections == ("duration", "recovery")
    assert turn.answer_section == "duration"
    assert turn.utterances[0].response == "utter_answers"


def test_long_section_gives_best_passages_and_offers_the_rest(answerer: Answerer) -> None:
    request = Request("ask_preparation", "what about my blood thinner medications", ("78580",))
    first = answerer.respond(request, Context(), reading("preparation"), answer("preparation"))
    assert first.utterances[0].response == "utter_answer_with_more"
    assert first.more_section == "preparation"
    more = answerer.respond(
        Request("ask_more", "tell me more"),
        Context(procedure="78580", more_section="preparation", shown=first.shown),
        reading("preparation"),
        Decision(DECLINE),
    )
    assert more.answer_section == "preparation"
    assert set(more.shown).isdisjoint(first.shown) or len(more.shown) > len(first.shown)


@pytest.mark.parametrize(
    ("response", "offers_general_facts"),
    [("utter_handoff_personal", True), ("utter_handoff_results", True), ("utter_handoff_cost", False)],
)
def test_a_hand_off_says_who_answers_and_for_a_personal_question_offers_the_page(
    answerer: Answerer, response: str, offers_general_facts: bool
) -> None:
    request = Request("ask_recovery", "i still have cramps two days after my colonoscopy, is that ok?", ("45378",))
    decision = Decision(HAND_OFF, response, probability=0.8, rule=2)
    turn = answerer.respond(request, Context(), reading("recovery", kind="symptoms_after"), decision)
    assert turn.answer_section is None
    assert turn.utterances[0].response == response
    assert (len(turn.utterances) == 2) is offers_general_facts


def test_an_emergency_decision_gets_only_the_emergency_reply(answerer: Answerer) -> None:
    request = Request("ask_duration", "crushing chest pain now, how long is the ct?", ("71260",))
    turn = answerer.respond(
        request, Context(), reading("duration"), Decision(EMERGENCY, "utter_emergency", 0.9, rule=1)
    )
    assert [u.response for u in turn.utterances] == ["utter_emergency"]
    assert turn.answer_section is None
    spanish = answerer.respond(
        Request("ask_duration", "me duele mucho el pecho", language="es"),
        Context(),
        reading("duration"),
        Decision(EMERGENCY, "utter_emergency", 0.9, rule=1),
    )
    assert [u.response for u in spanish.utterances] == ["utter_emergency_es"]


def test_unsure_of_the_section_offers_two(answerer: Answerer) -> None:
    request = Request("nlu_fallback", "what about the scope thing", ("43235",))
    turn = answerer.respond(
        request,
        Context(),
        reading("procedure_description", "patient_experience"),
        Decision(NARROW, sections=("procedure_description", "patient_experience")),
    )
    assert turn.answer_section is None
    assert turn.utterances[0].response == "utter_did_you_mean"
    assert [b.title for b in turn.utterances[0].buttons][-1] == "Something else"
    assert len(turn.utterances[0].buttons) == 3


def test_a_decline_answers_nothing(answerer: Answerer) -> None:
    turn = answerer.respond(
        Request("out_of_scope", "what's the weather"),
        Context(),
        reading("summary", kind="out_of_scope"),
        Decision(DECLINE),
    )
    assert turn.answer_section is None
    assert turn.utterances[0].response == "utter_out_of_scope"


def test_a_name_alone_introduces_the_page(answerer: Answerer) -> None:
    turn = answerer.respond(
        Request("inform_procedure", "mammogram", ("77067",)), Context(), reading("summary"), Decision(DECLINE)
    )
    assert turn.procedure == "77067"
    assert turn.answer_section == "summary"
    assert turn.utterances[0].response == "utter_introduce"


def test_a_named_page_the_whole_message_contradicts_asks_which_of_the_two(answerer: Answerer) -> None:
    # The matcher reads "xray" as the chest X-ray; the page head, reading the whole message, means the mammogram.
    text = "how long does the squeeze xray for my boobs take"
    request = Request("ask_duration", text, ("71046",))

    def with_doubt(page_doubt: float) -> Answerer:
        return Answerer(answerer._kb, procedure_threshold=0.45, page_doubt=page_doubt)

    contradicted = reading("duration", procedures={"77067": 0.9, "71046": 0.01, "none": 0.09})
    turn = with_doubt(0.1).respond(request, Context(), contradicted, answer("duration"))
    assert turn.utterances[0].response == "utter_ask_which_of"
    assert [b.payload for b in turn.utterances[0].buttons] == [
        '/inform_procedure{"procedure": "71046"}',
        '/inform_procedure{"procedure": "77067"}',
    ]
    assert (turn.answer_section, turn.pending_question) == (None, "ask_duration")
    # The patient's choice answers the waiting question from the page chosen.
    chosen = with_doubt(0.1).respond(
        Request("inform_procedure", "mammogram", ("77067",)),
        Context(pending_question="ask_duration", pending_text=text),
        reading("summary"),
        Decision(DECLINE),
    )
    assert (chosen.procedure, chosen.answer_section) == ("77067", "duration")
    # Answered from the page named: doubt off, the named page likely enough, the other page not sure enough, or
    # two pages named (the head chooses between them).
    cases = [
        (0.0, contradicted, ("71046",)),
        (0.1, reading("duration", procedures={"77067": 0.8, "71046": 0.15, "none": 0.05}), ("71046",)),
        (0.1, reading("duration", procedures={"77067": 0.4, "71046": 0.05, "none": 0.55}), ("71046",)),
        (0.1, contradicted, ("71046", "70551")),
    ]
    for page_doubt, read, named in cases:
        turn = with_doubt(page_doubt).respond(Request("ask_duration", text, named), Context(), read, answer("duration"))
        assert turn.answer_section == "duration"
        assert turn.procedure in named


def test_the_readers_vectors_of_the_question_are_ranked_with_not_embedded_again(tmp_path: Path) -> None:
    class Recording(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.texts: list[str] = []

        def encode(self, texts: Sequence[str]) -> Vectors:
            self.texts.extend(texts)
            return super().encode(texts)

    embedder = Recording()
    service = KnowledgeService(PAGES, tmp_path / "index", embedder)
    question = "what should i do before the colonoscopy"
    request = Request("ask_preparation", question, ("45378",))
    decided = answer("preparation")
    embedder.texts.clear()
    plain = Answerer(service.view(), passage_threshold=0.1).respond(request, Context(), reading("preparation"), decided)
    assert embedder.texts == [question]  # ranked: the question was embedded for it
    embedder.texts.clear()
    read = replace(reading("preparation"), vectors={question: HashingEmbedder().encode([question])})
    reused = Answerer(service.view(), passage_threshold=0.1).respond(request, Context(), read, decided)
    assert embedder.texts == []
    assert reused.utterances == plain.utterances

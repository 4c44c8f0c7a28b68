"""The dialogue's decisions, with the real pages and a fake embedder (no servers, no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.answering import Answerer, Context, Request
from actions.conditions import CONDITION_SECTIONS
from actions.dialogue import AskedQuestion
from actions.knowledge_service import KnowledgeService
from actions.sections import SectionGuesser
from tests.conftest import PAGES
from tests.support.fakes import HashingEmbedder


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    index_dir: Path = tmp_path_factory.mktemp("index")
    return Answerer(KnowledgeService(PAGES, index_dir, HashingEmbedder()))


def test_question_with_procedure_is_answered_from_its_section(answerer: Answerer) -> None:
    turn = answerer.respond(Request("ask_duration", "how long is the lung scan", ("78580",)), Context())
    assert turn.procedure == "78580"
    assert turn.answer_section == "duration"
    assert turn.utterances[0].response == "utter_answer"
    assert "30 to 60 minutes" in turn.utterances[0].values["answer"]


def test_question_before_procedure_is_known_asks_which_and_remembers(answerer: Answerer) -> None:
    turn = answerer.respond(Request("ask_preparation", "can i eat before"), Context())
    assert turn.answer_section is None
    assert turn.procedure is None
    assert turn.pending_question == "ask_preparation"
    assert turn.utterances[0].response == "utter_ask_which_procedure"
    payloads = [b.payload for b in turn.utterances[0].buttons]
    assert len(payloads) == 16
    assert '/inform_procedure{"procedure": "45378"}' in payloads

    answer = answerer.respond(
        Request("inform_procedure", "colonoscopy", ("45378",)),
        Context(pending_question="ask_preparation", pending_text="can i eat before"),
    )
    assert answer.procedure == "45378"
    assert answer.answer_section == "preparation"
    assert answer.pending_question is None


def test_follow_up_uses_the_procedure_in_context(answerer: Answerer) -> None:
    turn = answerer.respond(Request("ask_patient_experience", "does it hurt"), Context(procedure="70551"))
    assert (turn.procedure, turn.answer_section) == ("70551", "patient_experience")


def test_naming_another_procedure_changes_it(answerer: Answerer) -> None:
    turn = answerer.respond(Request("ask_recovery", "and after a knee scope?", ("29881",)), Context(procedure="45378"))
    assert (turn.procedure, turn.answer_section) == ("29881", "recovery")


def test_shared_name_asks_which_one(answerer: Answerer) -> None:
    turn = answerer.respond(
        Request("ask_duration", "how long is a stress test", ambiguous=(("78452", "93015"),)), Context()
    )
    assert turn.answer_section is None
    assert turn.utterances[0].response == "utter_ask_which_of"
    assert sorted(b.payload for b in turn.utterances[0].buttons) == [
        '/inform_procedure{"procedure": "78452"}',
        '/inform_procedure{"procedure": "93015"}',
    ]
    assert turn.pending_question == "ask_duration"


def test_long_section_gives_best_passages_and_offers_the_rest(answerer: Answerer) -> None:
    first = answerer.respond(
        Request("ask_preparation", "what about my blood thinner medications", ("78580",)), Context()
    )
    assert first.utterances[0].response == "utter_answer_with_more"
    assert "blood thinners" in first.utterances[0].values["answer"]
    assert first.more_section == "preparation"
    assert 0 < len(first.shown) < 3

    more = answerer.respond(
        Request("ask_more", "tell me more"),
        Context(procedure="78580", more_section="preparation", shown=first.shown),
    )
    assert more.answer_section == "preparation"
    assert more.more_section is None
    shown_again = set(first.shown) & {p.position for p in (h.passage for h in more.passages)}
    assert not shown_again


def test_empty_section_says_so_without_a_section(answerer: Answerer) -> None:
    turn = answerer.respond(Request("ask_similar_procedures", "related codes?", ("78580",)), Context())
    assert turn.answer_section is None
    assert turn.utterances[0].response == "utter_no_section_info"


def test_procedure_alone_introduces_it(answerer: Answerer) -> None:
    turn = answerer.respond(Request("inform_procedure", "mammogram", ("77067",)), Context())
    assert turn.answer_section == "summary"
    assert turn.utterances[0].response == "utter_introduce"
    assert len(turn.utterances[0].buttons) == 5


def test_naming_a_new_procedure_repeats_the_last_question_for_it(answerer: Answerer) -> None:
    first = answerer.respond(Request("ask_preparation", "what should i avoid before", ("45378",)), Context())
    assert first.last_question == "ask_preparation"
    turn = answerer.respond(
        Request("inform_procedure", "and for the brain mri?", ("70551",)),
        Context(procedure="45378", last_question=first.last_question),
    )
    assert (turn.procedure, turn.answer_section) == ("70551", "preparation")


def test_a_question_naming_two_procedures_is_about_the_first(answerer: Answerer) -> None:
    turn = answerer.respond(
        Request("ask_risks", "risks of a chest x-ray before my knee scope", ("71046", "29881")), Context()
    )
    assert (turn.procedure, turn.answer_section) == ("71046", "risks_and_complications")


@pytest.mark.parametrize(
    "text",
    ["should i take my 25 mg carvedilol the morning of the echo", "im on apixaban, do i skip it before the egd"],
)
def test_questions_about_the_patients_own_medicine_get_the_page_and_the_care_team(
    answerer: Answerer, text: str
) -> None:
    turn = answerer.respond(Request("ask_preparation", text, ("45378",)), Context())
    assert turn.answer_section == "preparation"
    assert turn.utterances[-1].response == "utter_care_team_line"


def test_general_medicine_questions_are_still_answered(answerer: Answerer) -> None:
    turn = answerer.respond(Request("ask_preparation", "should i stop blood thinners before it", ("45378",)), Context())
    assert turn.answer_section == "preparation"


def test_a_procedure_only_similar_codes_name_gets_the_related_page_offered(answerer: Answerer) -> None:
    turn = answerer.respond(
        Request("ask_duration", "how long is a colonoscopy with biopsy", related=(("45380", ("45378",)),)), Context()
    )
    assert turn.answer_section is None
    assert turn.utterances[0].response == "utter_related_offer"
    assert turn.utterances[0].values["related_name"] == "Colonoscopy with biopsy (45380)"
    assert [b.payload for b in turn.utterances[0].buttons] == ['/inform_procedure{"procedure": "45378"}']
    assert turn.pending_question == "ask_duration"


# --- real wording: personal cases, several questions, conditions -----------------


def test_a_personal_result_question_is_handed_to_the_care_team(answerer: Answerer) -> None:
    text = "My brain MRI report mentions a small white spot. Is that something serious?"
    turn = answerer.respond(Request("ask_purpose", text, ("70551",), confidence=0.8), Context())
    assert turn.answer_section is None and turn.answer_sections == ()
    assert turn.utterances[0].response == "utter_handoff_results"
    offer = turn.utterances[1]
    assert offer.response == "utter_offer_general"
    assert offer.buttons[0].payload == '/ask_summary{"procedure": "70551"}'
    assert not turn.passages


def test_symptoms_after_the_procedure_are_not_answered_from_the_page(answerer: Answerer) -> None:
    text = "It has been three days since my colonoscopy and I still feel bloated. Is that normal?"
    turn = answerer.respond(Request("ask_recovery", text, ("45378",), confidence=0.9), Context())
    assert turn.answer_section is None
    assert turn.utterances[0].response == "utter_handoff_personal"


def test_a_general_question_with_a_condition_gets_the_care_team_line(answerer: Answerer) -> None:
    turn = answerer.respond(Request("ask_risks", "I'm pregnant. Is a chest x-ray risky?", ("71046",)), Context())
    assert turn.answer_section == "risks_and_complications"
    assert [u.response for u in turn.utterances][-1] == "utter_care_team_line"


def test_waiting_for_results_gets_the_pages_results_passage_and_the_care_teams_line(answerer: Answerer) -> None:
    text = "how long do brain mri results usually take to arrive"
    turn = answerer.respond(Request("ask_duration", text, ("70551",), confidence=0.9), Context())
    assert turn.answer_sections == ("recovery",)
    assert "results" in turn.utterances[0].values["answer"]
    assert turn.utterances[-1].response == "utter_handoff_results"


def test_waiting_for_results_a_page_does_not_tell_of_is_handed_off(answerer: Answerer) -> None:
    turn = answerer.respond(Request("ask_duration", "when are ct results ready", ("71260",)), Context())
    assert turn.answer_section is None
    assert [u.response for u in turn.utterances] == ["utter_handoff_results"]


def test_a_later_question_about_results_is_answered_where_the_page_tells_of_them(answerer: Answerer) -> None:
    text = "How long is the brain MRI? And when are the results ready?"
    asked = (
        AskedQuestion("How long is the brain MRI?", "ask_duration", 0.95),
        AskedQuestion("And when are the results ready?", "ask_duration", 0.6),
    )
    request = Request("ask_duration", text, ("70551",), confidence=0.9, questions=asked)
    turn = answerer.respond(request, Context())
    assert turn.answer_sections == ("duration", "recovery")
    assert turn.utterances[-1].response == "utter_handoff_results"


def test_a_topic_and_a_question_heard_apart_are_answered_as_asked(answerer: Answerer) -> None:
    text = "lung perfusion scans, what are they for"
    asked = (AskedQuestion("what are they for", "ask_purpose", 0.4),)
    request = Request("inform_procedure", text, ("78580",), confidence=0.57, questions=asked)
    assert answerer.respond(request, Context()).answer_sections == ("purpose",)


def test_a_question_surely_about_the_patients_own_health_is_not_answered_from_the_whole_messages_section(
    answerer: Answerer,
) -> None:
    text = "Diabetic, and they want me fasting before the heart scan. How do I manage my insulin that morning?"
    asked = (AskedQuestion("How do I manage my insulin that morning?", "ask_personal_advice", 0.84),)
    request = Request("ask_procedure_description", text, ("78452",), confidence=0.8, questions=asked)
    turn = answerer.respond(request, Context())
    assert turn.answer_section in {*CONDITION_SECTIONS, None}
    responses = [u.response for u in turn.utterances]
    if turn.answer_section:
        assert responses[-1] == "utter_care_team_line"
    else:
        assert "utter_handoff_personal" in responses


def test_where_the_scope_goes_is_answered_from_what_happens(answerer: Answerer) -> None:
    text = "where does the scope go during a colonoscopy"
    turn = answerer.respond(Request("ask_setting", text, ("45378",), confidence=0.97), Context())
    assert turn.answer_sections == ("procedure_description",)


def test_a_short_question_keeps_the_classifiers_section(answerer: Answerer) -> None:
    turn = answerer.respond(Request("ask_duration", "how long is it", ("78580",), confidence=0.4), Context())
    assert turn.answer_sections == ("duration",)


def test_several_questions_are_answered_in_one_reply_under_their_titles(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    examples = {
        "ask_duration": ["how long does it take", "how long is the test"],
        "ask_recovery": ["can i drive home afterwards", "can i drive myself home after", "when can i drive"],
        "ask_preparation": ["can i eat before", "do i need to fast"],
    }
    service = KnowledgeService(PAGES, tmp_path / "index", embedder, sections=SectionGuesser(embedder, examples))
    text = "How long does a colonoscopy take? Can I drive home afterwards?"
    turn = Answerer(service).respond(Request("ask_duration", text, ("45378",), confidence=0.9), Context())
    assert turn.answer_sections == ("duration", "recovery")
    assert turn.answer_section == "duration"
    assert turn.utterances[0].response == "utter_answers"
    answers = turn.utterances[0].values["answers"]
    assert answers.index("How long it takes:") < answers.index("Afterwards:")


@pytest.mark.parametrize(
    ("intent", "text", "section"),
    [
        # The MRI page's preparation names cochlear implants; its risks speak of metal in general.
        ("ask_personal_advice", "I have a cochlear implant. Can I still get a brain MRI?", "preparation"),
        (
            "ask_indications",
            "I'm breastfeeding my newborn, is the brain MRI okay with that?",
            "risks_and_complications",
        ),
        ("ask_purpose", "I'm pregnant. Is the chest x-ray safe for the baby?", "risks_and_complications"),
        # Asked about the risks themselves: the risks, though only the preparation names the device.
        (
            "ask_personal_advice",
            "I have a cochlear implant. Are there risks with a brain MRI?",
            "risks_and_complications",
        ),
    ],
)
def test_a_safety_question_with_a_condition_is_answered_from_the_section_that_names_it(
    answerer: Answerer, intent: str, text: str, section: str
) -> None:
    procedure = "71046" if "x-ray" in text else "70551"
    turn = answerer.respond(Request(intent, text, (procedure,), confidence=0.8), Context())
    assert turn.answer_section == section
    assert turn.utterances[-1].response == "utter_care_team_line"


def test_a_condition_without_a_safety_question_keeps_the_classifiers_section(answerer: Answerer) -> None:
    text = "I'm diabetic. How long does the brain MRI take?"
    turn = answerer.respond(Request("ask_duration", text, ("70551",), confidence=0.9), Context())
    assert turn.answer_section == "duration"
    assert turn.utterances[-1].response == "utter_care_team_line"


def test_a_pages_name_with_a_condition_as_its_topic_is_answered_from_the_risks(answerer: Answerer) -> None:
    text = "brain mri pacemaker"
    turn = answerer.respond(Request("inform_procedure", text, ("70551",), procedure_spans=((0, 9),)), Context())
    assert turn.answer_section == "risks_and_complications"
    assert turn.utterances[-1].response == "utter_care_team_line"


def _settling(tmp_path: Path) -> Answerer:
    embedder = HashingEmbedder()
    examples = {
        "ask_patient_experience": ["does it hurt", "does it hurt at all", "is it painful"],
        "ask_duration": ["how long does it take", "how long is the test"],
    }
    return Answerer(KnowledgeService(PAGES, tmp_path / "index", embedder, sections=SectionGuesser(embedder, examples)))


def test_an_unsure_message_naming_a_page_is_settled_when_the_page_agrees_with_nlu(tmp_path: Path) -> None:
    answerer = _settling(tmp_path)
    request = Request("nlu_fallback", "does it hurt at all, the abdominal ultrasound", ("76700",), confidence=0.3)
    turn = answerer.settle(request, Context(), ["ask_patient_experience", "ask_duration"])
    assert turn is not None and turn.answer_section == "patient_experience"
    # The page's best section is not among NLU's likeliest: nothing is settled (the caller offers choices).
    assert answerer.settle(request, Context(), ["ask_duration", "ask_setting"]) is None
    # No page named: nothing to settle with.
    assert answerer.settle(Request("nlu_fallback", "does it hurt at all", confidence=0.3), Context(), []) is None


def test_an_unsure_personal_message_is_handed_off(tmp_path: Path) -> None:
    text = "My abdominal ultrasound report says my liver is bright. What does that mean?"
    turn = _settling(tmp_path).settle(Request("nlu_fallback", text, ("76700",), confidence=0.3), Context(), [])
    assert turn is not None and turn.answer_section is None
    assert turn.utterances[0].response == "utter_handoff_results"


def test_an_unsure_message_whose_words_name_a_topic_is_settled_by_it(answerer: Answerer) -> None:
    text = "could special glasses clear up cataracts so I skip the operation"
    start = text.index("cataracts")
    request = Request("nlu_fallback", text, ("66984",), confidence=0.3, procedure_spans=((start, start + 9),))
    turn = answerer.settle(request, Context(), [])
    assert turn is not None and turn.answer_sections == ("alternatives",)

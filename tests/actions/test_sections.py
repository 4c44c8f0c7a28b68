"""Section scores from the team's examples, and how the sections of a message are chosen."""

from __future__ import annotations

from pathlib import Path

from actions.questions import CLASSIFIER_SURE, SectionChoice, choose, extra_section, main_section, several
from actions.reading import read
from actions.sections import SectionGuesser, SectionScore, read_examples
from tests.support.fakes import HashingEmbedder

ROOT = Path(__file__).resolve().parent.parent.parent


def test_examples_are_read_from_rasa_nlu_files(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu.yml"
    nlu.write_text(
        'version: "3.1"\nnlu:\n- intent: ask_duration\n  examples: |\n    - how long is the [mri](procedure)\n'
        "    - how many minutes\n- intent: greet\n  examples: |\n    - hello\n- synonym: x\n  examples: |\n"
        "    - y\n",
        encoding="utf-8",
    )
    assert read_examples([nlu]) == {"ask_duration": ["how long is the mri", "how many minutes"]}


def test_the_teams_examples_cover_every_question_intent() -> None:
    examples = read_examples(sorted((ROOT / "data" / "nlu").rglob("*.yml")))
    assert len(examples) == 14
    assert all(len(texts) >= 30 for texts in examples.values())


def test_scores_rank_the_section_whose_examples_look_alike() -> None:
    embedder = HashingEmbedder()
    guesser = SectionGuesser(embedder, {"ask_duration": ["how long does it take"], "ask_recovery": ["can i drive"]})
    scores = guesser.scores(embedder.encode(["how long will it take"])[0])
    assert [s.section for s in scores] == ["duration", "recovery"]
    assert scores[0].score > scores[1].score


def scored(*pairs: tuple[str, float]) -> list[SectionScore]:
    return [SectionScore(section, score) for section, score in pairs]


def test_agreement_or_a_sure_classifier_answers() -> None:
    scores = scored(("duration", 0.7), ("recovery", 0.6))
    assert main_section("duration", 0.5, scores) == SectionChoice(("duration",))
    assert main_section("recovery", CLASSIFIER_SURE, scores) == SectionChoice(("recovery",))


def test_disagreement_offers_both_instead_of_guessing() -> None:
    scores = scored(("duration", 0.7), ("recovery", 0.6))
    assert main_section("recovery", CLASSIFIER_SURE - 0.1, scores) == SectionChoice(offer=("recovery", "duration"))


def test_without_a_question_intent_only_a_clear_lead_answers() -> None:
    assert main_section(None, 0.0, scored(("duration", 0.8), ("recovery", 0.6))).sections == ("duration",)
    assert main_section(None, 0.0, scored(("duration", 0.61), ("recovery", 0.6))).offer == ("duration", "recovery")
    assert main_section(None, 0.0, scored(("duration", 0.75), ("recovery", 0.6))).sections == ("duration",)


def test_an_extra_question_needs_a_clear_section() -> None:
    assert extra_section(scored(("recovery", 0.7), ("duration", 0.5))) == "recovery"
    assert extra_section(scored(("recovery", 0.5), ("duration", 0.49))) is None
    assert extra_section(scored(("recovery", 0.2), ("duration", 0.0))) is None


def test_a_short_question_is_the_classifiers_alone_when_it_is_fairly_sure() -> None:
    def never(question: str) -> list[SectionScore]:
        raise AssertionError("a short question needs no scores")

    assert choose("ask_duration", 0.6, "how long is it", read("how long is it"), never).sections == ("duration",)


def test_an_unsure_short_question_is_checked_with_the_knowledge_base() -> None:
    text = "how does it compare with the other test"
    agreeing = choose(
        "ask_alternatives", 0.32, text, read(text), lambda q: scored(("alternatives", 0.6), ("summary", 0.5))
    )
    assert agreeing.sections == ("alternatives",)
    disagreeing = choose(
        "ask_purpose", 0.32, text, read(text), lambda q: scored(("alternatives", 0.6), ("summary", 0.5))
    )
    assert disagreeing.sections == () and disagreeing.offer == ("purpose", "alternatives")


def test_several_questions_each_get_their_section_in_order() -> None:
    first = scored(("duration", 0.8), ("recovery", 0.5))
    second = scored(("recovery", 0.8), ("duration", 0.4))
    assert several(None, [first, second]) == SectionChoice(("duration", "recovery"))


def test_the_classifiers_section_goes_to_the_question_it_fits() -> None:
    unclear = scored(("duration", 0.5), ("setting", 0.49))
    driving = scored(("recovery", 0.8), ("duration", 0.4))
    # The classifier heard "recovery" for the whole message: it fits the second question, already claimed;
    # the first question stays unclear, so only recovery is answered.
    assert several("recovery", [unclear, driving]) == SectionChoice(("recovery",))
    # It heard "duration": the first question, unclear on its own, gets it.
    assert several("duration", [unclear, driving]) == SectionChoice(("duration", "recovery"))

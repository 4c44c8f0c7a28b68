"""Which page a message is about, and its topic words (examples written by the team)."""

from __future__ import annotations

from actions.dialogue import Request
from actions.focus import focus, topic_words
from actions.reading import read


def request(text: str, *named: tuple[str, str]) -> Request:
    """A question intent's request naming pages: (code, words as written in the text)."""
    spans = tuple((text.index(words), text.index(words) + len(words)) for _, words in named)
    return Request("ask_patient_experience", text, tuple(code for code, _ in named), procedure_spans=spans)


def known(code: str) -> bool:
    return code in {"71046", "71260", "70551", "77080", "29881", "45378"}


def test_a_story_is_about_the_page_named_last_before_its_question() -> None:
    text = "I had a chest x-ray last winter that showed nothing. Now they want a chest CT with dye. Does the dye hurt?"
    req = request(text, ("71046", "chest x-ray"), ("71260", "chest CT"))
    assert focus(req, read(text), known) == "71260"


def test_a_page_named_in_the_question_wins() -> None:
    text = "My back MRI years ago was awful and loud. Is a DEXA scan anything like it? What is it like lying there?"
    req = request(text, ("70551", "MRI"), ("77080", "DEXA scan"))
    assert focus(req, read(text), known) == "77080"


def test_in_one_sentence_the_first_page_named_is_the_subject() -> None:
    text = "they want a chest x-ray before my knee surgery as a routine thing and i worry about radiation, is it a lot"
    req = request(text, ("71046", "chest x-ray"), ("29881", "knee surgery"))
    assert focus(req, read(text), known) == "71046"


def test_in_a_sentence_told_in_turns_the_page_after_the_last_turn_is_the_subject() -> None:
    text = "I had a knee scope in May, then a chest x-ray, and now they want a chest CT with dye. does the dye sting?"
    req = request(text, ("29881", "knee scope"), ("71046", "chest x-ray"), ("71260", "chest CT"))
    assert focus(req, read(text), known) == "71260"


def test_a_page_without_a_page_of_ours_is_ignored() -> None:
    text = "what about the 99999 test and the colonoscopy"
    req = request(text, ("99999", "99999"), ("45378", "colonoscopy"))
    assert focus(req, read(text), known) == "45378"


def test_topic_words_are_what_is_left_besides_the_name_and_filler() -> None:
    assert topic_words(request("colonoscopy sedation", ("45378", "colonoscopy"))) == ("sedation",)
    assert topic_words(request("my colonoscopy please", ("45378", "colonoscopy"))) == ()
    assert topic_words(Request("inform_procedure", "colonoscopy", ("45378",))) == ()  # no spans: no topic

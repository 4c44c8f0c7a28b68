"""make shell's line of reasons, from a tracker as Rasa's HTTP API gives it."""

from __future__ import annotations

from bot.shell_reasons import reasons_line, with_reasons


def test_the_line_names_intent_procedure_section_and_scores() -> None:
    tracker = {
        "slots": {"procedure": "45378", "answer_section": "duration"},
        "events": [
            {"event": "user", "parse_data": {"intent": {"name": "greet", "confidence": 0.9}}},
            {"event": "bot", "metadata": {"passage_scores": "0.100"}},
            {"event": "user", "parse_data": {"intent": {"name": "ask_duration", "confidence": 0.9941}}},
            {"event": "bot", "text": "How long it takes", "metadata": {"passage_scores": "0.416 0.374"}},
        ],
    }
    assert reasons_line(tracker) == "  [ask_duration 0.994 | procedure 45378 | section duration | scores 0.416 0.374]"
    assert reasons_line({"events": [], "slots": {}}) == "  [- - | procedure - | section - | scores -]"


def test_the_line_goes_under_the_reply_but_choices_stay_last() -> None:
    assert with_reasons([{"text": "a"}], "r") == [{"text": "a"}, {"text": "r"}]
    choices = {"text": "which?", "buttons": [{"title": "x", "payload": "/x"}]}
    assert with_reasons([{"text": "a"}, choices], "r") == [{"text": "a"}, {"text": "r"}, choices]

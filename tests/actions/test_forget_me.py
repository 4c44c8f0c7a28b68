"""action_forget_me as rasa-sdk runs it: the reply by channel, the slots reset, waiting vectors dropped."""

from __future__ import annotations

import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.forget_me import ActionForgetMe, user_texts
from actions.question_vectors import QuestionVectors
from common.retention import FORGET_ACTION
from tests.support.fakes import HashingEmbedder

PRIVATE = "i take warfarin"


def tracker(channel: str) -> Tracker:
    events: list[dict[str, Any]] = [
        {"event": "user", "text": PRIVATE, "input_channel": channel, "parse_data": {}},
        {"event": "bot", "text": "an answer"},
        {"event": "user", "text": "forget me", "input_channel": channel, "parse_data": {}},
        {"event": "user", "text": "/affirm", "input_channel": channel, "parse_data": {}},
    ]
    return Tracker("patient", {"procedure": "78580"}, {"text": "/affirm"}, events, False, None, {}, "action_listen")


async def test_it_confirms_resets_the_slots_and_drops_waiting_vectors() -> None:
    vectors = QuestionVectors(HashingEmbedder())
    assert vectors.hint(PRIVATE)
    deadline = time.monotonic() + 5
    while vectors.waiting() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert vectors.waiting() == 1
    action = ActionForgetMe(lambda: vectors)
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker("rest"), {})
    assert action.name() == FORGET_ACTION
    assert [m["response"] for m in dispatcher.messages] == ["utter_forget_done"]
    assert [e["event"] for e in events] == ["reset_slots", "slot"]
    assert events[1]["name"] == "answer_section" and events[1]["value"] is None
    assert vectors.waiting() == 0
    vectors.close()


async def test_by_sms_the_reply_says_the_opt_out_is_kept() -> None:
    dispatcher = CollectingDispatcher()
    await ActionForgetMe(lambda: None).run(dispatcher, tracker("twilio"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_forget_done_sms"]


def test_the_patients_texts_are_what_is_forgotten() -> None:
    assert user_texts(tracker("rest")) == [PRIVATE, "forget me", "/affirm"]

"""The privacy intents' phrase patterns (bot/components/privacy_requests.py): the ways patients ask, and no question."""

from __future__ import annotations

import glob
import json
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.privacy_requests import PrivacyRequestClassifier, privacy_intent

ROOT = Path(__file__).resolve().parent.parent.parent
#: Our own phrasings of the two requests (never taken from the evaluation sets).
PHRASINGS = {
    "forget_me": [
        "forget me",
        "please forget me",
        "forget everything i told you",
        "forget what i said",
        "forget this conversation",
        "delete my conversation",
        "delete this conversation",
        "delete this chat",
        "delete the chat",
        "delete my chat history",
        "delete my messages",
        "delete everything i wrote",
        "delete all my messages please",
        "delete what i told you",
        "delete my data",
        "delete my info",
        "delete my information",
        "delete my number",
        "erase my data",
        "erase this chat",
        "erase my messages",
        "wipe my data",
        "wipe this chat",
        "wipe everything i said",
        "remove my data",
        "remove my messages",
        "remove my information from your system",
        "remove my phone number",
        "clear this chat",
        "clear my conversation",
        "clear the conversation",
        "i want my data deleted",
        "i want this chat deleted",
        "i want you to delete what i said",
        "i want to delete my conversation",
        "i'd like my information removed",
        "please delete my info",
        "please erase my data",
        "please remove my data",
        "please clear this conversation",
        "don't keep my messages",
        "don't save what i wrote",
        "don't keep my data",
        "do not store my information",
        "stop keeping my data",
        "get rid of my messages",
        "get rid of this chat",
        "destroy my data",
        "purge my data",
        "right to be forgotten",
        "i want to be forgotten",
        "gdpr delete",
        "delete my account",
        "scrub my info",
    ],
    "privacy_note": [
        "privacy",
        "privacy policy",
        "privacy note",
        "what do you keep about me",
        "do you save my messages",
        "do you keep my messages",
        "do you store my chats",
        "are my messages saved",
        "is this chat saved",
        "how long do you keep my data",
        "do you keep my phone number",
        "is my information safe",
        "do you record this conversation",
        "are you recording this",
    ],
}


@pytest.mark.parametrize(("intent", "text"), [(i, t) for i, texts in PHRASINGS.items() for t in texts])
def test_each_way_of_asking_is_recognised(intent: str, text: str) -> None:
    assert privacy_intent(text) == intent
    assert privacy_intent(text.upper() + "!!") == intent


def test_no_training_example_or_evaluation_question_is_taken_for_one() -> None:
    texts = []
    for path in glob.glob(str(ROOT / "data" / "nlu" / "*.yml")):
        for block in yaml.safe_load(Path(path).read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block and "examples" in block:
                texts += [line.strip()[2:] for line in block["examples"].splitlines() if line.strip()]
    for path in glob.glob(str(ROOT / "tests" / "heldout" / "*.jsonl")) + glob.glob(
        str(ROOT / "tests" / "dev" / "*.jsonl")
    ):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            texts += [t for t in [item.get("text"), *(item.get("turns") or [])] if isinstance(t, str)]
    assert len(texts) > 3000
    taken = [t for t in texts if privacy_intent(t) is not None]
    # One held-out message is itself a privacy question, and the note is the right reply to it.
    assert taken == ["is this chat private"]


def test_payloads_and_other_questions_are_left_alone() -> None:
    for text in ("/forget_me", "/affirm", "", "can i remove my jewelry before the mri", "delete"):
        assert privacy_intent(text) is None


def test_only_a_message_that_names_the_chat_or_the_patients_data_is_a_request() -> None:
    # "Everything", a medical history or a record are not the conversation (issue 21).
    for text in (
        "the bowel prep is supposed to clear out everything, right?",
        "with the sedation will I forget everything?",
        "do I need to bring my medical history and records?",
        "should I erase everything I ate from my food diary before the test",
    ):
        assert privacy_intent(text) is None, text
    for text in ("delete my chat history", "please forget what i told you", "delete my number"):
        assert privacy_intent(text) == "forget_me", text


def test_the_component_sets_the_intent_first_in_the_ranking() -> None:
    message = Message({TEXT: "please erase my data"})
    message.set(INTENT, {"name": "ask_duration", "confidence": 0.8})
    message.set(INTENT_RANKING_KEY, [{"name": "ask_duration", "confidence": 0.8}])
    other = Message({TEXT: "how long does it take"})
    other.set(INTENT, {"name": "ask_duration", "confidence": 0.8})
    PrivacyRequestClassifier().process([message, other])
    assert message.get(INTENT) == {"name": "forget_me", "confidence": 1.0}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["forget_me", "ask_duration"]
    assert other.get(INTENT)["name"] == "ask_duration"

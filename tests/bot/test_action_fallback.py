"""The action fallback (bot/action_fallback.py, installed by bot/rasa_patches.py), without servers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, List

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from bot.action_fallback import UNAVAILABLE
from bot.nlg import ClinicNaturalLanguageGenerator
from bot.rasa_patches import guarded, install

ROOT = Path(__file__).resolve().parent.parent.parent


def run_guarded(run: Any, timeout: float = 1.0, name: str = "action_answer") -> List[Event]:
    domain = Domain.load(str(ROOT / "domain.yml"))
    nlg = ClinicNaturalLanguageGenerator(domain=domain)
    tracker = DialogueStateTracker("someone", domain.slots)
    action = RemoteAction(name, None)
    wrapped = guarded(run, timeout)
    return asyncio.run(wrapped(action, CollectingOutputChannel(), nlg, tracker, domain))


def fallback_text(events: List[Event]) -> str:
    return " ".join(e.text or "" for e in events if isinstance(e, BotUttered))


def test_the_domain_has_the_fault_response() -> None:
    assert UNAVAILABLE in Domain.load(str(ROOT / "domain.yml")).responses


def test_a_failed_call_gets_the_call_us_reply() -> None:
    async def failing(*args: Any) -> List[Event]:
        raise RasaException("Failed to execute custom action 'action_answer'")

    events = run_guarded(failing)
    assert "I can't look that up right now — please call the clinic at" in fallback_text(events)
    assert SlotSet("answer_section", None) in events


def test_a_message_in_another_language_gets_its_own_reply_when_the_action_server_is_down() -> None:
    async def failing(*args: Any) -> List[Event]:
        raise RasaException("Failed to execute custom action 'action_other_language'")

    text = fallback_text(run_guarded(failing, name="action_other_language"))
    assert "I can't look that up" not in text
    assert "Sorry, I can only answer in English" in text
    assert "En una emergencia" in text


def test_a_slow_call_gets_the_reply_within_the_timeout() -> None:
    async def slow(*args: Any) -> List[Event]:
        await asyncio.sleep(30)
        return []

    events = run_guarded(slow, timeout=0.2)
    assert "please call the clinic" in fallback_text(events)


def test_a_rejection_is_rasas_business() -> None:
    async def rejecting(*args: Any) -> List[Event]:
        raise ActionExecutionRejection("action_answer")

    with pytest.raises(ActionExecutionRejection):
        run_guarded(rejecting)


def test_a_good_call_is_untouched() -> None:
    async def fine(*args: Any) -> List[Event]:
        return [SlotSet("procedure", "45378")]

    assert run_guarded(fine) == [SlotSet("procedure", "45378")]


def test_the_faster_response_check_still_rejects_bad_responses() -> None:
    import jsonschema
    import pytest as _pytest
    from rasa.core.actions.action import RemoteAction

    install(timeout=5)
    action = RemoteAction("action_answer", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "hi"}]})
    with _pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})

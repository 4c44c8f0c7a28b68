"""The Rasa server's lean I/O: tracker store, action-response check and kept-alive action calls."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any, Dict, List

import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.action_client import DOMAIN_MISSING, close
from bot.action_fallback import ResponseValidator
from bot.rasa_patches import keep_alive
from bot.tracker_store import ClinicTrackerStore

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def turn(text: str, section: str) -> List[Event]:
    return [
        UserUttered(text, {"name": "ask_duration", "confidence": 0.9}),
        ActionExecuted("action_answer"),
        BotUttered(f"answer to {text}"),
        SlotSet("answer_section", section),
        ActionExecuted("action_listen"),
    ]


def add_turn(tracker: DialogueStateTracker, text: str, section: str, timestamp: float | None = None) -> None:
    for event in turn(text, section):
        if timestamp is not None:
            event.timestamp = timestamp
        tracker.update(event)


def stored_types(db: Path, sender: str) -> List[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,))
        return [row[0] for row in rows]


def test_turns_are_stored_once_in_order_and_read_back(tmp_path: Path, domain: Domain) -> None:
    db = tmp_path / "tracker.db"
    store = ClinicTrackerStore(domain=domain, host=f"sqlite:///{db}")

    async def conversation() -> DialogueStateTracker | None:
        tracker = DialogueStateTracker("patient-1", domain.slots)
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        add_turn(tracker, "how long", "duration")
        await store.save(tracker)
        again = await store.retrieve("patient-1")
        assert again is not None
        add_turn(again, "does it hurt", "patient_experience")
        await store.save(again)
        await store.save(again)  # nothing new: nothing written
        return await store.retrieve("patient-1")

    tracker = asyncio.run(conversation())
    assert tracker is not None
    # The session's events: those from its SessionStarted on (action_session_start comes before).
    assert len(tracker.events) == 11
    assert tracker.get_slot("answer_section") == "patient_experience"
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["how long", "does it hurt"]
    assert stored_types(db, "patient-1").count("user") == 2
    assert len(stored_types(db, "patient-1")) == 12
    assert asyncio.run(store.retrieve("nobody")) is None


def test_rasas_own_store_reads_what_it_wrote_and_the_other_way_round(tmp_path: Path, domain: Domain) -> None:
    db = tmp_path / "tracker.db"
    ours = ClinicTrackerStore(domain=domain, host=f"sqlite:///{db}")
    rasas = SQLTrackerStore(domain=domain, host=f"sqlite:///{db}")

    async def both() -> tuple[Any, Any]:
        tracker = DialogueStateTracker("patient-2", domain.slots)
        add_turn(tracker, "how long", "duration")
        await rasas.save(tracker)
        mine = await ours.retrieve("patient-2")
        assert mine is not None
        add_turn(mine, "what are the risks", "risks_and_complications")
        await ours.save(mine)
        return await rasas.retrieve("patient-2"), await ours.retrieve("patient-2")

    from_rasa, from_ours = asyncio.run(both())
    assert from_rasa is not None and from_ours is not None
    assert [e.as_dict() for e in from_rasa.events] == [e.as_dict() for e in from_ours.events]
    assert len(from_ours.events) == 10


def test_only_the_latest_session_is_loaded_but_the_full_tracker_has_all(tmp_path: Path, domain: Domain) -> None:
    store = ClinicTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'tracker.db'}")

    async def two_sessions() -> tuple[Any, Any]:
        tracker = DialogueStateTracker("patient-3", domain.slots)
        tracker.update(SessionStarted(timestamp=1.0))
        add_turn(tracker, "first visit", "duration", timestamp=2.0)
        await store.save(tracker)
        later = await store.retrieve("patient-3")
        assert later is not None
        later.update(SessionStarted(timestamp=10.0))
        add_turn(later, "second visit", "recovery", timestamp=11.0)
        await store.save(later)
        return await store.retrieve("patient-3"), await store.retrieve_full_tracker("patient-3")

    latest, full = asyncio.run(two_sessions())
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["second visit"]
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["first visit", "second visit"]


def test_sqlite_runs_in_wal_mode(tmp_path: Path, domain: Domain) -> None:
    db = tmp_path / "tracker.db"
    store = ClinicTrackerStore(domain=domain, host=f"sqlite:///{db}")
    tracker = DialogueStateTracker("patient-4", domain.slots)
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --- the action server's answer, checked event by event ----------------------------------

VALID_EVENTS: List[Dict[str, Any]] = [
    {"event": "slot", "name": "answer_section", "value": "duration", "timestamp": None},
    {"event": "slot", "name": "procedure", "value": None},
    {"event": "bot", "text": "hello", "data": {"buttons": []}},
    {"event": "action", "name": "action_listen", "policy": None, "confidence": 1.0},
    {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 1.0}}},
    {"event": "followup", "name": "action_answer"},
    {"event": "reset_slots"},
    {"event": "restart"},
    {"event": "session_started", "metadata": {"a": 1}},
]
INVALID_EVENTS: List[Any] = [
    {"event": "no_such_event"},
    {"name": "answer_section", "value": "x"},
    {"event": "slot", "name": 3, "value": "x"},
    {"event": "action", "name": 5},
    {"event": "user", "text": 5},
    {"event": "bot", "text": "hi", "timestamp": "yesterday"},
    {"event": "slot", "name": "x", "metadata": "not an object"},
    "not an object",
    7,
]


def rasa_accepts(result: Any) -> bool:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
        return True
    except jsonschema.ValidationError:
        return False


@pytest.mark.parametrize("event", VALID_EVENTS + INVALID_EVENTS)
def test_the_split_check_agrees_with_rasas_schema(event: Any) -> None:
    validator = ResponseValidator(RemoteAction.action_response_format_spec())
    result = {"events": [event], "responses": [{"text": "hi"}]}
    assert (validator.first_error(result) is None) == rasa_accepts(result)
    assert rasa_accepts(result) == (event in VALID_EVENTS)


@pytest.mark.parametrize(
    "result",
    [{"events": "not a list"}, {"responses": ["text"]}, ["events"], None, {}, {"events": [], "responses": []}],
)
def test_the_split_check_agrees_on_the_answers_shape(result: Any) -> None:
    validator = ResponseValidator(RemoteAction.action_response_format_spec())
    assert (validator.first_error(result) is None) == rasa_accepts(result)


# --- kept-alive calls to the action server ------------------------------------------------


async def serve(app: web.Application, port: int = 0, **runner_options: Any) -> tuple[web.AppRunner, int]:
    """Start ``app`` on 127.0.0.1 (a free port unless given); return its runner and port."""
    runner = web.AppRunner(app, **runner_options)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return runner, int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]


def test_action_calls_reuse_one_connection_and_survive_a_closed_one() -> None:
    peers: List[Any] = []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername") if request.transport else None)
        body = await request.json()
        return web.json_response({"events": [], "responses": [{"text": f"echo {body['n']}"}]})

    async def scenario() -> List[Any]:
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner, port = await serve(app, keepalive_timeout=30)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        keep_alive(endpoint)
        answers = [await endpoint.request(json={"n": n}, method="post", timeout=5) for n in range(3)]
        # The server restarts: the kept connection is dead, the next call still gets through.
        await runner.cleanup()
        runner, _ = await serve(app, port, keepalive_timeout=30)
        answers.append(await endpoint.request(json={"n": 3}, method="post", timeout=5))
        await close(endpoint)
        await runner.cleanup()
        return answers

    answers = asyncio.run(scenario())
    assert [a["responses"][0]["text"] for a in answers] == ["echo 0", "echo 1", "echo 2", "echo 3"]
    assert len(set(peers[:3])) == 1, "the first three calls should share one connection"


def test_an_http_error_still_raises_rasas_error() -> None:
    from rasa.utils.endpoints import ClientResponseError

    async def scenario() -> None:
        async def broken(request: web.Request) -> web.Response:
            return web.Response(status=500, text="boom")

        app = web.Application()
        app.router.add_post("/webhook", broken)
        runner, port = await serve(app)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        keep_alive(endpoint)
        try:
            with pytest.raises(ClientResponseError):
                await endpoint.request(json={}, method="post")
        finally:
            await close(endpoint)
            await runner.cleanup()

    asyncio.run(scenario())


def test_the_domain_is_sent_only_when_the_action_server_lacks_it() -> None:
    """rasa-sdk's protocol: a call names the domain's digest; 449 asks for the domain itself."""
    held: Dict[str, Any] = {}
    received: List[Dict[str, Any]] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body)
        if body.get("domain"):
            held["digest"], held["domain"] = body["domain_digest"], body["domain"]
        elif body.get("domain_digest") != held.get("digest"):
            return web.json_response({"action_name": body["next_action"]}, status=DOMAIN_MISSING)
        return web.json_response({"events": [], "responses": [{"text": f"{len(held['domain']['intents'])} intents"}]})

    async def scenario() -> List[Any]:
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner, port = await serve(app)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        keep_alive(endpoint)
        domain = {"intents": ["greet", "ask_duration"], "responses": {"utter_greet": [{"text": "hi"}]}}
        call = {"next_action": "action_answer", "sender_id": "p", "tracker": {"events": []}, "domain": domain}
        answers = [await endpoint.request(json=dict(call), method="post", timeout=5) for _ in range(3)]
        held.clear()  # the action server restarted
        answers.append(await endpoint.request(json=dict(call), method="post", timeout=5))
        await close(endpoint)
        await runner.cleanup()
        return answers

    answers = asyncio.run(scenario())
    assert [a["responses"][0]["text"] for a in answers] == ["2 intents"] * 4
    with_domain = ["domain" in body for body in received]
    # first call: refused without the domain, repeated with it; then the digest is enough; after a restart again.
    assert with_domain == [False, True, False, False, False, True]
    assert len({body["domain_digest"] for body in received}) == 1

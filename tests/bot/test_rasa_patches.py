"""Rasa's patches (bot/rasa_patches.py) and the Rasa server's entry point (bot/server.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet
from rasa.shared.nlu.constants import FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features

from bot import rasa_patches, server

ROOT = Path(__file__).resolve().parent.parent.parent
PATCHES = [
    "action_timeout_and_fallback",
    "kept_alive_action_calls",
    "response_check_per_event",
    "event_type_table",
    "purge_in_the_background",
    "sequential_graph_runner",
    "sparse_features_joined",
    "socketio_answer_flag",
]


def test_importing_the_bot_installs_nothing(tmp_path: Path) -> None:
    # A fresh interpreter: importing every Rasa-side module, and building the NLG and the
    # tracker store, leaves Rasa's methods as Rasa wrote them.
    code = (
        "import rasa.core.actions.action as a, rasa.shared.core.events as e\n"
        "run, validate, resolve = a.RemoteAction.run, a.RemoteAction._validate_action_result, e.Event.resolve_by_type\n"
        "import rasa.core.processor as p\n"
        "parse = p.MessageProcessor._parse_message_with_graph\n"
        "import rasa.nlu.classifiers.diet_classifier as d\n"
        "diet = d.DIETClassifier.process\n"
        "import bot.nlg, bot.tracker_store, bot.policies, bot.channels.rest, bot.channels.socketio\n"
        "import bot.channels.twilio, bot.components.procedure_extractor, bot.components.red_flags\n"
        "import bot.components.question_hint, bot.rasa_patches\n"
        "bot.nlg.ClinicNaturalLanguageGenerator()\n"
        f"bot.tracker_store.ClinicTrackerStore(host='sqlite:///{tmp_path / 'tracker.db'}')\n"
        "assert a.RemoteAction.run is run and a.RemoteAction._validate_action_result is validate\n"
        "assert e.Event.resolve_by_type is resolve and p.MessageProcessor._parse_message_with_graph is parse\n"
        "assert d.DIETClassifier.process is diet\n"
        "assert bot.rasa_patches.installed() == []\n"
        "print('untouched')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("untouched")


def test_the_patches_install_exactly_once() -> None:
    first = rasa_patches.install(timeout=5.0)
    run = RemoteAction.run
    resolve = Event.resolve_by_type
    second = rasa_patches.install(timeout=5.0)
    assert set(rasa_patches.installed()) == set(PATCHES)
    assert first in ([], PATCHES)  # [] when another test installed them first
    assert second == []
    assert RemoteAction.run is run and Event.resolve_by_type is resolve


def test_the_event_table_resolves_as_rasa_does() -> None:
    rasa_patches.install(timeout=5.0)
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("action") is ActionExecuted
    with pytest.raises(ValueError, match="Unknown event name"):  # Rasa's own answer, as before
        Event.resolve_by_type("no such event")


def test_the_pinned_version_passes_the_guard() -> None:
    rasa_patches.check_version()  # the installed rasa is the pinned one
    rasa_patches.check_version(rasa_patches.RASA_VERSION)


def test_another_version_is_refused() -> None:
    with pytest.raises(rasa_patches.UnsupportedRasaVersionError, match=r"rasa 3\.7\.0 is installed.*3\.6\.21"):
        rasa_patches.check_version("3.7.0")


def test_the_entry_point_refuses_another_version(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(rasa_patches.metadata, "version", lambda name: "3.6.20")
    installs: list[float | None] = []
    monkeypatch.setattr(rasa_patches, "install", lambda timeout=None: installs.append(timeout) or [])
    assert server.main(["run", "--model", "nowhere.tar.gz"]) == 2
    assert "cannot start the Rasa server: rasa 3.6.20 is installed" in capsys.readouterr().err
    assert installs == []  # refused before any patch


def test_the_entry_point_serves_only_run_and_shell(capsys: pytest.CaptureFixture[str]) -> None:
    assert server.main(["train"]) == 2
    assert "usage: python -m bot.server" in capsys.readouterr().err


class _FakeSio:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def emit(self, event: str, data: Any, room: str | None = None) -> None:
        self.sent.append(data)


def test_socketio_flags_knowledge_base_answers_only() -> None:
    from rasa.core.channels.socketio import SocketIOOutput

    sio = _FakeSio()
    output = SocketIOOutput(sio, "bot_uttered")  # type: ignore[arg-type]
    flag = rasa_patches.send_response_flagging_answers
    buttons = [{"title": "Yes", "payload": "/ask_more"}]

    async def send() -> None:
        await flag(output, "me", {"text": "Duration (MRI):\nAbout 30 minutes.", "utter_action": "utter_answer"})
        await flag(output, "me", {"text": "Hi!", "utter_action": "utter_greet"})
        await flag(output, "me", {"text": "More?", "buttons": buttons, "utter_action": "utter_answer_with_more"})

    asyncio.run(send())
    # The flag travels under metadata: rasa-webchat shows a message as text only when text
    # (with quick_replies or buttons) is all it holds besides metadata.
    assert sio.sent[0] == {"text": "Duration (MRI):\nAbout 30 minutes.", "metadata": {"answer": True}}
    assert sio.sent[1] == {"text": "Hi!"}
    assert set(sio.sent[2]) == {"text", "quick_replies", "metadata"}
    assert sio.sent[2]["metadata"] == {"answer": True} and sio.sent[2]["quick_replies"][0]["payload"] == "/ask_more"


@pytest.mark.parametrize("dtypes", [(np.float32, np.float32), (np.float32, np.float64), (np.int64, np.float32)])
def test_joined_sparse_features_are_scipys_hstack(dtypes: tuple[Any, Any]) -> None:
    rng = np.random.default_rng(7)
    left = scipy.sparse.random(6, 500, density=0.05, format="coo", dtype=np.float64, random_state=rng)
    right = scipy.sparse.random(6, 40, density=0.2, format="csr", dtype=np.float64, random_state=rng)
    left, right = left.astype(dtypes[0]), right.astype(dtypes[1])
    ours = Features(left.copy(), FEATURE_TYPE_SEQUENCE, TEXT, "CountVectorsFeaturizer")
    rasa_patches.combine_sparse_features(ours, Features(right.copy(), FEATURE_TYPE_SEQUENCE, TEXT, "Lexical"))
    expected = scipy.sparse.hstack([left, right])
    assert ours.features.format == expected.format == "coo"
    assert ours.features.dtype == expected.dtype and ours.features.shape == expected.shape == (6, 540)
    assert (ours.features != expected).nnz == 0
    assert np.array_equal(ours.features.row, expected.row) and np.array_equal(ours.features.col, expected.col)


def test_sparse_features_of_different_lengths_are_refused_as_rasa_does() -> None:
    ours = Features(scipy.sparse.coo_matrix(np.ones((3, 4))), FEATURE_TYPE_SEQUENCE, TEXT, "a")
    with pytest.raises(ValueError, match="sequence dimensions do not match: 3 != 2"):
        rasa_patches.combine_sparse_features(
            ours, Features(scipy.sparse.coo_matrix(np.ones((2, 4))), FEATURE_TYPE_SEQUENCE, TEXT, "b")
        )

"""The sequential graph runner (bot/graph_runner.py) and the joined sparse features give Rasa's own answers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import rasa.core.processor
from rasa.core.agent import Agent, load_agent
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.features import Features

from bot import rasa_patches
from bot.graph_runner import SequentialGraphRunner

ROOT = Path(__file__).resolve().parent.parent.parent
MODEL = ROOT / "models" / "current.tar.gz"

#: Written for this test: plain, follow-up, several questions, an emergency, Spanish, a privacy request, small talk.
MESSAGES = [
    "how long does a colonoscopy take",
    "and the brain mri?",
    "do i have to fast before the abdominal ultrasound and can my husband drive me home",
    "im having crushing chest pain right now, can i still come for my ct",
    "cuanto dura una resonancia magnetica",
    "please delete everything you have about me",
    "thanks, that helps",
    "my knee scope is on friday and I'm worried about the anaesthetic, what will it feel like",
]


class Add(GraphComponent):
    """A node that appends its name to what it was given, to see the order nodes ran in."""

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: Any, resource: Any, execution_context: Any) -> Add:
        return cls(config["name"])

    def run(self, **given: List[str]) -> List[str]:
        seen: List[str] = []
        for key in sorted(given):
            seen += [item for item in given[key] if item not in seen]
        return [*seen, self.name]


def _node(name: str, needs: Dict[str, str], target: bool = False) -> SchemaNode:
    return SchemaNode(
        needs=needs, uses=Add, constructor_name="create", fn="run", config={"name": name}, is_target=target, eager=True
    )


def test_each_node_runs_once_after_what_it_needs(tmp_path: Path) -> None:
    # A diamond: d needs b and c, both need a, which needs the input; e is not needed by the target.
    schema = GraphSchema(
        {
            "a": _node("a", {"x": "__input__"}),
            "b": _node("b", {"x": "a"}),
            "c": _node("c", {"x": "a"}),
            "d": _node("d", {"x": "b", "y": "c"}, target=True),
            "e": _node("e", {"x": "a"}),
        }
    )
    context = ExecutionContext(schema, "test")
    storage = LocalModelStorage(tmp_path)
    ours = SequentialGraphRunner.create(schema, storage, context)
    theirs = DaskGraphRunner.create(schema, storage, context)
    inputs = {"__input__": ["start"]}
    assert ours.run(inputs, ["d"]) == theirs.run(inputs, ["d"]) == {"d": ["start", "a", "b", "c", "d"]}
    assert [name for name, _ in ours.plan(["d"])] == ["a", "b", "c", "d"]  # e is left out
    assert ours.run(inputs, ["e", "b"]) == theirs.run(inputs, ["e", "b"])


def _answers(agent: Agent) -> List[Tuple[str, str, float]]:
    async def go() -> List[Tuple[str, str, float]]:
        rows = []
        for text in MESSAGES:
            parsed = await agent.parse_message(text)
            tracker = DialogueStateTracker.from_events("graph-runner-test", [], slots=agent.domain.slots)
            tracker.update_with_events([UserUttered(text, parse_data=parsed)], agent.domain)
            prediction = agent.processor._predict_next_with_tracker(tracker)
            action = agent.domain.action_names_or_texts[prediction.max_confidence_index]
            rows.append((json.dumps(parsed, sort_keys=True, default=str), action, prediction.max_confidence))
        return rows

    return asyncio.run(go())


def test_the_bots_model_answers_as_rasa_as_written_does(monkeypatch: pytest.MonkeyPatch) -> None:
    # The runner and the joined sparse features (bot/rasa_patches.py) against Rasa's own code, on the bot's model
    # (make test trains models/current.tar.gz before it runs the tests).
    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", DaskGraphRunner)
    monkeypatch.setattr(Features, "_combine_sparse_features", rasa_patches._ORIGINAL_COMBINE)
    as_written = asyncio.run(load_agent(model_path=str(MODEL)))
    assert type(as_written.processor.graph_runner) is DaskGraphRunner
    rasas = _answers(as_written)
    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", SequentialGraphRunner)
    monkeypatch.setattr(Features, "_combine_sparse_features", rasa_patches.combine_sparse_features)
    patched = asyncio.run(load_agent(model_path=str(MODEL)))
    assert type(patched.processor.graph_runner) is SequentialGraphRunner
    assert _answers(patched) == rasas


def test_the_patch_makes_the_server_load_models_with_it() -> None:
    rasa_patches.install(timeout=5.0)
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
    assert "sequential_graph_runner" in rasa_patches.installed()

"""An exported correction changes the next trained model's answer (trains a model: slow)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from common.paths import ROOT
from common.settings import load_settings
from serving.processes import BotServers
from serving.staff.reviews import nlu_yaml
from tests.support.servers import venv

pytestmark = [pytest.mark.servers, pytest.mark.slow]
PHRASES = ["zorbly flumph", "how zorbly flumph is it", "zorbly flumph for the mri", "tell me the zorbly flumph"]


def parse(model: Path, tmp_path: Path, text: str) -> str:
    port = int(os.environ.get("TEST_EXPORT_RASA_PORT", "5107"))
    config = replace(load_settings(), rasa_port=port, tracker_db=tmp_path / f"{model.stem}.db", bot_api_token="t")
    servers = BotServers(venv("RASA_VENV"), venv("ACT_VENV"), config, model=model, web=False, actions=False)
    servers.start()
    try:
        response = requests.post(f"http://127.0.0.1:{port}/model/parse?token=t", json={"text": text}, timeout=60)
        name: str = response.json()["intent"]["name"]
        return name
    finally:
        servers.stop()


def test_an_exported_correction_changes_the_next_models_answer(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    rows = [
        {"event_id": i, "verdict": "intent", "intent": "ask_duration", "scrubbed_text": text}
        for i, text in enumerate(PHRASES)
    ]
    (data / "nlu" / "reviewed.yml").write_text(nlu_yaml(rows), encoding="utf-8")
    subprocess.run(
        [
            *(str(venv("RASA_VENV") / "bin" / "rasa"), "train", "--domain", str(ROOT / "domain.yml")),
            *("--data", str(data), "--config", str(ROOT / "config.yml"), "--out", str(tmp_path / "models")),
            *("--fixed-model-name", "reviewed"),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=900,
    )
    assert parse(ROOT / "models" / "current.tar.gz", tmp_path, "zorbly flumph") != "ask_duration"
    assert parse(tmp_path / "models" / "reviewed.tar.gz", tmp_path, "zorbly flumph") == "ask_duration"

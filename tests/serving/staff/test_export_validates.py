"""The exported NLU file is valid training data for Rasa (``rasa data validate`` in the Rasa runtime)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from common.paths import ROOT
from serving.staff.reviews import nlu_yaml
from tests.support.servers import venv

pytestmark = pytest.mark.servers  # starts the Rasa runtime


def test_rasa_data_validate_accepts_the_exported_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    rows = [
        {"event_id": 1, "verdict": "intent", "intent": "ask_duration", "scrubbed_text": "how long is it for [name]?"},
        {"event_id": 2, "verdict": "declined", "intent": "out_of_scope", "scrubbed_text": 'is "parking" free: {x}'},
        {"event_id": 3, "verdict": "emergency", "intent": "emergency", "scrubbed_text": "my chest hurts - help"},
    ]
    (data / "nlu" / "reviewed.yml").write_text(nlu_yaml(rows), encoding="utf-8")
    result = subprocess.run(
        [
            *(str(venv("RASA_VENV") / "bin" / "rasa"), "data", "validate"),
            *("--domain", str(ROOT / "domain.yml"), "--data", str(data), "--config", str(ROOT / "config.yml")),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

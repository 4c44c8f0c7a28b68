"""The Makefile's steps run only when their inputs' content changed, not their file times."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LOOKUPS = ROOT / "data" / "nlu" / "lookups" / "procedures.yml"


def dry_run(*targets: str) -> str:
    env = {**os.environ, "MAKEFLAGS": ""}
    result = subprocess.run(["make", "-n", *targets], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_ask_trains_nothing_and_regenerates_nothing() -> None:
    commands = dry_run("ask", "Q=does it hurt", "P=78580")
    assert "rasa train" not in commands
    assert "knowledge.nlu_export" not in commands
    assert "tools.ask" in commands


def test_the_lookup_table_is_rewritten_only_when_its_content_changes() -> None:
    before = LOOKUPS.stat().st_mtime_ns
    os.utime(LOOKUPS, ns=(before - 10**9, before - 10**9))  # older than every page, as after a fresh clone
    older = LOOKUPS.stat().st_mtime_ns
    subprocess.run([sys.executable, "-m", "knowledge.nlu_export"], cwd=ROOT, check=True, capture_output=True)
    assert LOOKUPS.stat().st_mtime_ns == older  # same content: untouched, so the model is not retrained
    os.utime(LOOKUPS, ns=(before, before))

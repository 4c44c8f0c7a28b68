"""The import contracts of `make lint` hold, and each kind fails when broken."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ["common", "knowledge", "actions", "bot", "serving", "tools"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def copy_of_the_tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "pages"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("actions/runtime.py", "from bot import nlg", "does not import the Rasa server's bot package"),
        ("bot/policies.py", "from serving import processes", "does not import the action server, serving or tools"),
        ("bot/spacy_pipeline.py", "from knowledge import index", "reads pages but does not embed or search them"),
        ("serving/web.py", "from tools import ask", "Only tools (and tests) import tools"),
        ("common/hints.py", "from knowledge import names", "common is the bottom layer"),
        ("common/paths.py", "import numpy", "import the standard library only"),
        ("knowledge/parser.py", "import yaml", "import the standard library only"),
    ],
)
def test_a_broken_contract_fails_lint(tmp_path: Path, module: str, line: str, broken: str) -> None:
    root = copy_of_the_tree(tmp_path)
    with (root / module).open("a", encoding="utf-8") as source:
        source.write(f"\n{line}\n")
    result = lint_imports(root)
    summary = " ".join(result.stdout.split())
    assert result.returncode == 1
    assert f"{broken} BROKEN" in summary
    assert "Contracts: 5 kept, 1 broken." in summary

"""The Rasa-side tests import Rasa: they run in the Python 3.10 Rasa runtime (`make unit`, `make test`).

Collected by another interpreter (the 3.11 runtime of the action server has no
Rasa), the whole folder is skipped, and ``pytest -rs`` says why.
"""

from __future__ import annotations

import importlib.util

import pytest

if importlib.util.find_spec("rasa") is None:
    pytest.skip(
        "Rasa-side test: runs in the Python 3.10 Rasa runtime (make unit and make test run it there)",
        allow_module_level=True,
    )

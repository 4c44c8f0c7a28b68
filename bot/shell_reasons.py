"""``make shell``'s line of reasons under each bot reply: intent and confidence, procedure, section, scores.

After each message, the shell reads the conversation's tracker from its own
Rasa server (the HTTP API, with ``BOT_API_TOKEN``) and prints one line, e.g.
``  [ask_duration 0.994 | procedure 45378 | section duration | scores 0.416 0.374]``.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict, List


def reasons_line(tracker: Dict[str, Any]) -> str:
    """The line for the latest turn of a tracker (as ``GET /conversations/{id}/tracker`` gives it)."""
    events: List[Dict[str, Any]] = tracker.get("events") or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    intent = (((events[last_user].get("parse_data") or {}).get("intent") or {}) if last_user >= 0 else {}) or {}
    slots = tracker.get("slots") or {}
    scores = [
        str((e.get("metadata") or {}).get("passage_scores") or "")
        for e in events[last_user + 1 :]
        if e.get("event") == "bot"
    ]
    shown = " ".join(s for s in scores if s) or "-"
    confidence = intent.get("confidence")
    return (
        f"  [{intent.get('name') or '-'} {confidence:.3f}" if isinstance(confidence, (int, float)) else "  [- -"
    ) + f" | procedure {slots.get('procedure') or '-'} | section {slots.get('answer_section') or '-'} | scores {shown}]"


def fetch_tracker(server_url: str, token: str, sender: str) -> Dict[str, Any]:
    """The tracker of ``sender`` from the shell's Rasa server."""
    url = f"{server_url}/conversations/{sender}/tracker?token={token}"
    with urllib.request.urlopen(url, timeout=10) as response:
        result: Dict[str, Any] = json.load(response)
    return result


def with_reasons(responses: List[Dict[str, Any]], line: str) -> List[Dict[str, Any]]:
    """The replies with the reasons line under them (before a last reply with buttons, which stays last to pick)."""
    reasons = {"text": line}
    if responses and "buttons" in responses[-1]:
        return [*responses[:-1], reasons, responses[-1]]
    return [*responses, reasons]

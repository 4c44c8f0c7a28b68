"""Try a question: what the bot would answer, with its reasons, written into no conversation.

NLU comes from the running Rasa server's ``/model/parse`` (``BOT_API_TOKEN``);
the answer from the action server's own :class:`actions.answering.Answerer`
over the knowledge base, built in this process on first use.
"""

from __future__ import annotations

import json
import re
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import Any

from common.paths import ROOT
from common.settings import Settings

_FIELD = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=1)
def _responses(domain: Path = ROOT / "domain.yml") -> dict[str, str]:
    import yaml

    loaded = yaml.safe_load(domain.read_text(encoding="utf-8"))
    return {name: (variants[0] or {}).get("text", "") for name, variants in (loaded.get("responses") or {}).items()}


@lru_cache(maxsize=1)
def rule_responses(rules: Path = ROOT / "data" / "rules") -> dict[str, str]:
    """The intents a rule answers with a response alone (hand-offs, small talk, emergencies), and that response."""
    import yaml

    table: dict[str, str] = {}
    for path in sorted(rules.glob("*.yml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []:
            steps = rule.get("steps") or []
            if rule.get("condition") or len(steps) != 2 or "intent" not in steps[0]:
                continue
            action = str(steps[1].get("action") or "")
            if action.startswith("utter_"):
                table.setdefault(str(steps[0]["intent"]), action)
    return table


def render(response: str, values: dict[str, str], config: Settings) -> str:
    """A response's text as the patient would read it."""
    filled = {**config.response_values(), **values}
    return _FIELD.sub(lambda m: str(filled.get(m.group(1), m.group(0))), _responses().get(response, response))


def parse(text: str, config: Settings) -> dict[str, Any]:
    """What the Rasa server's NLU makes of a text (no conversation is touched)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{config.rasa_port}/model/parse?token={config.bot_api_token}",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.load(response)
    return result


def try_question(text: str, procedure: str | None, config: Settings) -> dict[str, Any]:
    """The reply and its reasons, as ``POST /staff/api/try`` gives them (CONTRACT.md)."""
    from actions.actions import other_language_reply, record
    from actions.answering import Context, Request
    from actions.runtime import answerer, read_message, service

    nlu = parse(text, config)
    intent = nlu.get("intent") or {}
    ranking = [
        {"name": r.get("name"), "confidence": r.get("confidence")} for r in (nlu.get("intent_ranking") or [])[:5]
    ]
    if intent.get("name") == "other_language":
        # As action_other_language does: the models read it first (an emergency wins), else the other-language reply.
        language = str(nlu.get("language") or "en")
        reading, decision = read_message(text, "other_language", float(intent.get("confidence") or 0.0))
        response, decision = other_language_reply(language, reading, decision)
        variant = f"{response}_{language}"
        return {
            "intent": intent.get("name"),
            "confidence": intent.get("confidence"),
            "ranking": ranking,
            "procedure": procedure or None,
            "section": None,
            "sections": [],
            "reply": render(variant if variant in _responses() else response, {}, config),
            "passages": [],
            "reading": record(reading, decision),
        }
    ruled = rule_responses().get(str(intent.get("name") or ""))
    if ruled:
        # A rule answers it in the Rasa server (a hand-off, small talk, an emergency): its response, as sent.
        procedures = [e.get("value") for e in nlu.get("entities") or [] if e.get("entity") == "procedure"]
        return {
            "intent": intent.get("name"),
            "confidence": intent.get("confidence"),
            "ranking": ranking,
            "procedure": procedures[-1] if procedures else procedure or None,
            "section": None,
            "sections": [],
            "reply": render(ruled, {}, config),
            "passages": [],
        }
    request = Request.from_parse({**nlu, "text": text})
    context = Context(procedure=procedure or None)
    # As action_answer does: the models read the message, the table decides, the answerer composes.
    reading, decision = read_message(text, request.intent, request.confidence)
    turn = answerer().respond(request, context, reading, decision)
    passages: list[dict[str, Any]] = []
    if turn.procedure and turn.answer_section:
        ranked = service().view().rank(text, turn.procedure, turn.answer_section)
        # A short section is sent whole, unranked: then every passage was sent.
        chosen = {h.passage.text for h in turn.passages} or {h.passage.text for h in ranked}
        passages = [
            {"text": h.passage.text, "score": round(h.score, 4), "sent": h.passage.text in chosen} for h in ranked
        ]
    return {
        "intent": intent.get("name"),
        "confidence": intent.get("confidence"),
        "ranking": ranking,
        "procedure": turn.procedure,
        "section": turn.answer_section,
        "sections": list(turn.answer_sections),
        "reply": "\n".join(render(u.response, u.values, config) for u in turn.utterances),
        "passages": passages,
        "reading": record(reading, decision),
    }


def ranked_passages(text: str, procedure: str, section: str, top: int = 5) -> list[tuple[str, float]]:
    """The section's passages as the knowledge base ranks them for ``text`` now, best first."""
    from actions.runtime import service

    try:
        ranked = service().view().rank(text, procedure, section)
    except (KeyError, ValueError, OSError):
        return []
    return [(hit.passage.text, round(hit.score, 3)) for hit in ranked[:top]]

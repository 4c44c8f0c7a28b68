"""How answers are written: a section's passages as plain text, several answers in one reply."""

from __future__ import annotations

from collections.abc import Sequence

from actions.dialogue import Turn, Utterance
from knowledge.model import Passage


def combine(turns: Sequence[Turn], procedure: str) -> Turn:
    """Several answers in one reply, each under its section's title (no "tell me more": too much at once)."""
    blocks = []
    for turn in turns:
        for utterance in turn.utterances:
            if utterance.response in {"utter_answer", "utter_answer_with_more"}:
                blocks.append(f"{utterance.values['section_title']}:\n{utterance.values['answer']}")
    answered = tuple(t.answer_section for t in turns if t.answer_section)
    if len(blocks) < 2:
        return turns[0]
    name = next(t.utterances[0].values.get("procedure_name", "") for t in turns if t.answer_section)
    values = {"procedure_name": name, "answers": "\n\n".join(blocks)}
    return Turn(
        (Utterance("utter_answers", values),),
        procedure,
        answer_section=answered[0],
        answer_sections=answered,
        passages=tuple(hit for t in turns for hit in t.passages),
    )


def format_passages(passages: Sequence[Passage]) -> str:
    """Passages as plain text: paragraphs as they are, bullets and steps as "- " lines."""
    lines = []
    for passage in passages:
        lines.append(passage.text if passage.kind == "paragraph" else f"- {passage.text}")
    return "\n".join(lines)

"""The benchmark's varied messages: many distinct texts of every length, the same for the same seed."""

from __future__ import annotations

from pathlib import Path

from tools.varied_messages import TURNS_PER_CONVERSATION, nlu_examples, varied_conversations, varied_messages


def test_examples_lose_their_entity_marks_and_skip_lookups(tmp_path: Path) -> None:
    nlu = tmp_path / "nlu.yml"
    nlu.write_text(
        'version: "3.1"\nnlu:\n- intent: ask_duration\n  examples: |\n'
        "    - how long does a [colonoscopy](procedure) take\n"
        '    - how long is the [mri]{"entity": "procedure"}\n'
        "- lookup: procedure\n  examples: |\n    - colonoscopy\n",
        encoding="utf-8",
    )
    assert nlu_examples([nlu]) == ["how long does a colonoscopy take", "how long is the mri"]


def test_messages_are_varied_and_repeatable() -> None:
    messages = varied_messages(3000)
    assert messages == varied_messages(3000)
    assert messages != varied_messages(3000, seed=1)
    assert len(set(messages)) > 2000  # single examples recur (about 2,000 of them)
    assert not any("](" in m or "]{" in m for m in messages)
    words = sorted(len(m.split()) for m in messages)
    assert words[0] <= 2 and words[-1] >= 40  # single words to long stories


def test_conversations_hold_every_message_once() -> None:
    conversations = varied_conversations(23)
    assert [len(c) for c in conversations] == [TURNS_PER_CONVERSATION] * 4 + [3]
    assert [t.text for c in conversations for t in c] == varied_messages(23)

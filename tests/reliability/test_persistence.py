"""Persistence on SQLite (the default): a Rasa server restart keeps the conversation.

The same on PostgreSQL is in test_several_machines.py, which starts PostgreSQL.
"""

from __future__ import annotations

from common.settings import Settings
from serving.processes import BotServers
from tests.support.rest import Conversation


def test_restart_keeps_procedure_and_history_on_sqlite(servers: BotServers, bot_settings: Settings) -> None:
    assert not bot_settings.tracker_db_url
    chat = Conversation(bot_settings)
    assert "olonoscopy" in chat.text("how long does a colonoscopy take?")
    before = chat.tracker()
    assert before["slots"]["procedure"] == "45378"
    servers.restart("rasa")
    assert bot_settings.tracker_db.exists()
    after = chat.tracker()
    assert after["slots"]["procedure"] == "45378"
    assert chat.user_texts() == ["how long does a colonoscopy take?"]
    # The follow-up names no procedure: only the kept slot can answer it.
    reply = chat.text("does it hurt?")
    assert "olonoscopy" in reply
    assert chat.user_texts() == ["how long does a colonoscopy take?", "does it hurt?"]
    assert chat.tracker()["slots"]["procedure"] == "45378"

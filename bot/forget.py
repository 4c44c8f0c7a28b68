"""Who else must forget a conversation when the tracker store deletes it.

The tracker store (:mod:`bot.tracker_store`) deletes a conversation's events
on a confirmed "forget me", and the purge (:mod:`bot.retention`) deletes
expired ones. Other parts of the Rasa server keep data about conversations
too — the SMS channel the number behind a hashed id and the last numbered
choices — and register here, by name, what to call then. Each listener gets
the deleted conversations' ids; one that fails is logged (by its name and the
error's type) and the others still run. Only counts and keyed hashes are logged.
"""

from __future__ import annotations

import logging
from typing import Callable, Dict, List, Sequence

from bot.channels.guard import log_id
from common.settings import settings

logger = logging.getLogger(__name__)

Listener = Callable[[Sequence[str]], None]

_listeners: Dict[str, Listener] = {}


def on_forget(name: str, listener: Listener) -> None:
    """Call ``listener`` with the ids of conversations deleted from now on (a second one by that name replaces it)."""
    _listeners[name] = listener


def listeners() -> List[str]:
    """The names of the registered listeners."""
    return sorted(_listeners)


def forgotten(senders: Sequence[str], events: int, *, reason: str) -> None:
    """Tell every listener that ``senders``' conversations were deleted (``events`` rows in all)."""
    if not senders:
        return
    if len(senders) == 1:
        sender = senders[0]
        shown = sender if sender.startswith("sms-") else log_id(sender, settings().log_hash_key)  # sms-: a keyed hash
        logger.info("%s: conversation %s deleted (%d events)", reason, shown, events)
    for name, listener in list(_listeners.items()):
        try:
            listener(senders)
        except Exception as error:  # one store's failure must not stop the others from forgetting
            logger.error(
                "%s: %s could not forget %d conversation(s): %s", reason, name, len(senders), type(error).__name__
            )

"""The one configuration module: every setting comes from the environment.

``.env.example`` lists each variable with its development default. Both
runtimes import this module, so it uses only the standard library.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from common.paths import INDEX_DIR, PAGES_DIR

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Deployment settings, with safe development defaults."""

    clinic_name: str = "Riverside Clinic"
    clinic_phone: str = "555-0100"
    clinic_hours: str = "Monday to Friday, 8 am to 5 pm"
    emergency_number: str = "911"
    crisis_line: str = "988"
    bot_api_token: str = "dev-token-change-me"  # noqa: S105 (development default; README says to change it)
    rasa_port: int = 5005
    action_port: int = 5055
    web_port: int = 8080
    bind_host: str = "127.0.0.1"
    allowed_origins: tuple[str, ...] = ("http://localhost:8080", "http://127.0.0.1:8080")
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    knowledge_dir: Path = field(default=PAGES_DIR)
    index_dir: Path = field(default=INDEX_DIR)
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_number: str = ""
    log_hash_key: str = "dev-log-hash-key"
    max_message_chars: int = 1000
    #: Torch threads the action server embeds questions with (0: torch's default).
    embed_threads: int = 1
    #: How often the action server looks for changed pages (seconds; 0: never).
    knowledge_reload_seconds: float = 2.0
    #: Below this similarity the best passage is not a confident answer. Off (0) by
    #: default: the intent and the procedure choose the section; similarity only
    #: ranks its passages (measured: right answers score as low as 0.0).
    passage_threshold: float = 0.0
    #: Whether the Rasa server sends each message's text ahead to the action server
    #: (UDP, the action port's number) so that the question is embedded while NLU
    #: runs; see actions/question_vectors.py.
    question_hints: bool = True
    #: Where Twilio's REST API is (a fake one on loopback in tests).
    twilio_api_base_url: str = "https://api.twilio.com"
    #: The public URL Twilio posts to, as configured in Twilio's console; the
    #: signature covers it. Empty: the URL as the Rasa server received it.
    twilio_webhook_url: str = ""
    #: Whether the bot answers STOP / START / HELP itself (off when Twilio's own
    #: opt-out replies are on for the number).
    twilio_keyword_replies: bool = True
    #: SQLite file of the SMS channel: opt-outs, the last choices sent, and the
    #: numbers behind the hashed sender ids. Survives restarts; keep it private.
    sms_db: Path = field(default=ROOT / "var" / "sms.sqlite")
    #: The Rasa server's address as a browser sees it (the widget connects there).
    public_bot_url: str = ""
    #: SQLite file of the conversations (Rasa's SQL tracker store) when
    #: ``tracker_db_url`` is empty. Keep it private; back it up.
    tracker_db: Path = field(default=ROOT / "var" / "tracker.db")
    #: SQLAlchemy URL of the conversations' database, e.g.
    #: ``postgresql://rasa:secret@db.internal:5432/rasa``. Empty: ``tracker_db``.
    tracker_db_url: str = ""
    #: Redis lock store shared by several Rasa servers, ``redis://[:password@]host:port/db``.
    #: Empty: in-memory locks (one Rasa server only).
    lock_store_url: str = ""
    #: Seconds the Rasa server waits for the action server before telling the
    #: patient to call the clinic (Rasa's own limit is five minutes). Measured on
    #: two busy cores, 50 patients asking at the same moment waited up to ~24 s.
    action_timeout: float = 30.0
    #: Messages one sender may send per ``rate_limit_window`` seconds (0: no limit).
    rate_limit_messages: int = 20
    rate_limit_window: float = 60.0

    @property
    def tracker_store_url(self) -> str:
        """The SQLAlchemy URL of the tracker store: ``TRACKER_DB_URL``, else the SQLite file."""
        return self.tracker_db_url or f"sqlite:///{self.tracker_db.resolve()}"

    def lock_store_parts(self) -> dict[str, str]:
        """The lock store's settings as ``endpoints.yml`` names them (``LOCK_STORE_*``)."""
        parsed = urlsplit(self.lock_store_url)
        if not self.lock_store_url:
            return {"type": "in_memory", "host": "", "port": "6379", "db": "1", "password": ""}
        if parsed.scheme != "redis" or not parsed.hostname:
            raise ValueError("LOCK_STORE_URL must look like redis://host:port/db")
        return {
            "type": "redis",
            "host": parsed.hostname,
            "port": str(parsed.port or 6379),
            "db": parsed.path.strip("/") or "1",
            "password": parsed.password or "",
        }

    @property
    def question_hint_address(self) -> tuple[str, int] | None:
        """Where the Rasa server sends question hints, or ``None`` when they are off.

        The action server's host and the UDP port of its HTTP port's number (``ACTION_SERVER_URL``).
        """
        parts = urlsplit(self.action_server_url)
        if not self.question_hints or not parts.hostname:
            return None
        return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)

    @property
    def bot_url(self) -> str:
        """The Rasa server's public address (``PUBLIC_BOT_URL``, else localhost)."""
        return self.public_bot_url or f"http://localhost:{self.rasa_port}"

    def response_values(self) -> dict[str, str]:
        """The values that the bot's own texts may name, e.g. ``{clinic_phone}``."""
        return {
            "clinic_name": self.clinic_name,
            "clinic_phone": self.clinic_phone,
            "clinic_hours": self.clinic_hours,
            "emergency_number": self.emergency_number,
            "crisis_line": self.crisis_line,
        }


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from the environment (or from ``env`` in tests)."""
    env = os.environ if env is None else env
    defaults = Settings()

    def text(name: str, default: str) -> str:
        value = env.get(name, "").strip()
        return value or default

    def number(name: str, default: int) -> int:
        value = env.get(name, "").strip()
        return int(value) if value else default

    def ratio(name: str, default: float) -> float:
        value = env.get(name, "").strip()
        return float(value) if value else default

    def flag(name: str, default: bool) -> bool:
        value = env.get(name, "").strip().lower()
        return value in {"1", "true", "yes", "on"} if value else default

    action_port = number("ACTION_PORT", defaults.action_port)
    origins = text("ALLOWED_ORIGINS", ",".join(defaults.allowed_origins))
    return Settings(
        clinic_name=text("CLINIC_NAME", defaults.clinic_name),
        clinic_phone=text("CLINIC_PHONE", defaults.clinic_phone),
        clinic_hours=text("CLINIC_HOURS", defaults.clinic_hours),
        emergency_number=text("EMERGENCY_NUMBER", defaults.emergency_number),
        crisis_line=text("CRISIS_LINE", defaults.crisis_line),
        bot_api_token=text("BOT_API_TOKEN", defaults.bot_api_token),
        rasa_port=number("RASA_PORT", defaults.rasa_port),
        action_port=action_port,
        web_port=number("WEB_PORT", defaults.web_port),
        bind_host=text("BIND_HOST", defaults.bind_host),
        allowed_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        action_server_url=text("ACTION_SERVER_URL", f"http://127.0.0.1:{action_port}/webhook"),
        knowledge_dir=Path(text("KNOWLEDGE_DIR", str(defaults.knowledge_dir))),
        index_dir=Path(text("INDEX_DIR", str(defaults.index_dir))),
        twilio_account_sid=text("TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=text("TWILIO_AUTH_TOKEN", ""),
        twilio_number=text("TWILIO_NUMBER", ""),
        log_hash_key=text("LOG_HASH_KEY", defaults.log_hash_key),
        max_message_chars=number("MAX_MESSAGE_CHARS", defaults.max_message_chars),
        embed_threads=number("EMBED_THREADS", defaults.embed_threads),
        knowledge_reload_seconds=ratio("KNOWLEDGE_RELOAD_SECONDS", defaults.knowledge_reload_seconds),
        passage_threshold=ratio("PASSAGE_THRESHOLD", defaults.passage_threshold),
        question_hints=flag("QUESTION_HINTS", defaults.question_hints),
        twilio_api_base_url=text("TWILIO_API_BASE_URL", defaults.twilio_api_base_url),
        twilio_webhook_url=text("TWILIO_WEBHOOK_URL", ""),
        twilio_keyword_replies=flag("TWILIO_KEYWORD_REPLIES", defaults.twilio_keyword_replies),
        sms_db=Path(text("SMS_DB", str(defaults.sms_db))),
        public_bot_url=text("PUBLIC_BOT_URL", "").rstrip("/"),
        tracker_db=Path(text("TRACKER_DB", str(defaults.tracker_db))),
        tracker_db_url=text("TRACKER_DB_URL", ""),
        lock_store_url=text("LOCK_STORE_URL", ""),
        action_timeout=ratio("ACTION_TIMEOUT", defaults.action_timeout),
        rate_limit_messages=number("RATE_LIMIT_MESSAGES", defaults.rate_limit_messages),
        rate_limit_window=ratio("RATE_LIMIT_WINDOW", defaults.rate_limit_window),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings, read once."""
    return load_settings()

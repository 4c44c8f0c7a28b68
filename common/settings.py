"""The one configuration module: every setting comes from the environment.

:class:`Settings` is the table of settings: each field names its environment
variable, its kind (how the variable's text is parsed and written back) and its
development default, in one line. :func:`load_settings` reads the table from the
environment and :meth:`Settings.to_env` writes it back, so the children that
``serving/processes.py`` starts get every setting. ``.env.example`` lists the
same variables with the same defaults (a test checks it). Both runtimes import
this module, so it uses only the standard library.

An unset or blank variable means the default. Relative paths are relative to
the repository's root.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from common.paths import INDEX_DIR, PAGES_DIR, ROOT

T = TypeVar("T")


@dataclass(frozen=True)
class Kind(Generic[T]):
    """How a setting's value is read from its variable's (stripped, non-empty) text and written back."""

    parse: Callable[[str], T]
    format: Callable[[T], str]


def _parse_flag(text: str) -> bool:
    return text.lower() in {"1", "true", "yes", "on"}


def _parse_origins(text: str) -> tuple[str, ...]:
    return tuple(origin.strip() for origin in text.split(",") if origin.strip())


def _parse_address(text: str) -> str:
    split_address(text)  # refuse a malformed address when the settings are read
    return text


TEXT: Kind[str] = Kind(str, str)
INTEGER: Kind[int] = Kind(int, str)
NUMBER: Kind[float] = Kind(float, repr)
FLAG: Kind[bool] = Kind(_parse_flag, lambda on: "true" if on else "false")
#: Relative to the repository's root; an absolute path stays as it is.
PATH: Kind[Path] = Kind(lambda text: ROOT / text, str)
#: Comma-separated.
ORIGINS: Kind[tuple[str, ...]] = Kind(_parse_origins, ",".join)
#: Without a trailing slash.
BASE_URL: Kind[str] = Kind(lambda text: text.rstrip("/"), str)
#: ``host:port``, ``[ipv6]:port`` for an IPv6 address.
ADDRESS: Kind[str] = Kind(_parse_address, str)


@dataclass(frozen=True)
class Variable(Generic[T]):
    """The environment variable behind one field of :class:`Settings`."""

    name: str
    kind: Kind[T]
    #: The default when unset, computed from the values of the fields above this
    #: one (``None``: the field's default).
    derive: Callable[[Mapping[str, Any]], T] | None = None


_VARIABLE = "clinic_faq_variable"


def from_env(name: str, kind: Kind[T], default: T, *, derive: Callable[[Mapping[str, Any]], T] | None = None) -> T:
    """A row of the table: a :class:`Settings` field read from variable ``name``, ``default`` when unset."""
    result: T = field(default=default, metadata={_VARIABLE: Variable(name, kind, derive)})
    return result


def _local_action_server_url(loaded: Mapping[str, Any]) -> str:
    return f"http://127.0.0.1:{loaded['action_port']}/webhook"


@dataclass(frozen=True)
class Settings:
    """Deployment settings, with safe development defaults: field = from_env(variable, kind, default)."""

    clinic_name: str = from_env("CLINIC_NAME", TEXT, "Riverside Clinic")
    clinic_phone: str = from_env("CLINIC_PHONE", TEXT, "555-0100")
    clinic_hours: str = from_env("CLINIC_HOURS", TEXT, "Monday to Friday, 8 am to 5 pm")
    # The same hours in Spanish, for the Spanish replies (utter_*_es): a reply is in one language throughout.
    clinic_hours_es: str = from_env("CLINIC_HOURS_ES", TEXT, "de lunes a viernes, de 8 a 17 h")
    emergency_number: str = from_env("EMERGENCY_NUMBER", TEXT, "911")
    crisis_line: str = from_env("CRISIS_LINE", TEXT, "988")
    # Development default; the README (and serving/preflight.py beyond loopback) says to change it.
    bot_api_token: str = from_env("BOT_API_TOKEN", TEXT, "dev-token-change-me")
    rasa_port: int = from_env("RASA_PORT", INTEGER, 5005)
    action_port: int = from_env("ACTION_PORT", INTEGER, 5055)
    web_port: int = from_env("WEB_PORT", INTEGER, 8080)
    bind_host: str = from_env("BIND_HOST", TEXT, "127.0.0.1")
    allowed_origins: tuple[str, ...] = from_env(
        "ALLOWED_ORIGINS", ORIGINS, ("http://localhost:8080", "http://127.0.0.1:8080")
    )
    #: Unset: the action server on this machine, on ``ACTION_PORT``.
    action_server_url: str = from_env(
        "ACTION_SERVER_URL", TEXT, "http://127.0.0.1:5055/webhook", derive=_local_action_server_url
    )
    knowledge_dir: Path = from_env("KNOWLEDGE_DIR", PATH, PAGES_DIR)  # noqa: RUF009 (a field(); Path is immutable)
    index_dir: Path = from_env("INDEX_DIR", PATH, INDEX_DIR)  # noqa: RUF009 (a field(); Path is immutable)
    twilio_account_sid: str = from_env("TWILIO_ACCOUNT_SID", TEXT, "")
    twilio_auth_token: str = from_env("TWILIO_AUTH_TOKEN", TEXT, "")
    twilio_number: str = from_env("TWILIO_NUMBER", TEXT, "")
    log_hash_key: str = from_env("LOG_HASH_KEY", TEXT, "dev-log-hash-key")
    max_message_chars: int = from_env("MAX_MESSAGE_CHARS", INTEGER, 1000)
    #: Torch threads the action server embeds questions with (0: torch's default).
    embed_threads: int = from_env("EMBED_THREADS", INTEGER, 1)
    #: How often the action server looks for changed pages (seconds; 0: never).
    knowledge_reload_seconds: float = from_env("KNOWLEDGE_RELOAD_SECONDS", NUMBER, 2.0)
    #: Below this similarity the best passage is not a confident answer. Off (0) by
    #: default: the intent and the procedure choose the section; similarity only
    #: ranks its passages (measured: right answers score as low as 0.0).
    passage_threshold: float = from_env("PASSAGE_THRESHOLD", NUMBER, 0.0)
    #: Whether the Rasa server sends each message's text ahead to the action server
    #: (UDP, see :attr:`question_hint_address`) so that the question is embedded
    #: while NLU runs; see actions/question_vectors.py.
    question_hints: bool = from_env("QUESTION_HINTS", FLAG, True)
    #: Where hints go, ``host:port`` (the action server's UDP ``ACTION_PORT``).
    #: Empty: to this machine's action server when ``ACTION_SERVER_URL`` is on
    #: loopback, else nowhere.
    question_hint_target: str = from_env("QUESTION_HINT_ADDRESS", ADDRESS, "")
    #: The action server takes hints only while about this many cores are idle
    #: (from /proc/stat), so that a saturated server does not embed greetings
    #: ahead; 0: always (the conversation tests, on a machine shared with others).
    hint_spare_cores: float = from_env("HINT_SPARE_CORES", NUMBER, 0.5)
    #: Where Twilio's REST API is (a fake one on loopback in tests).
    twilio_api_base_url: str = from_env("TWILIO_API_BASE_URL", TEXT, "https://api.twilio.com")
    #: The public URL Twilio posts to, as configured in Twilio's console; the
    #: signature covers it. Empty: the URL as the Rasa server received it.
    twilio_webhook_url: str = from_env("TWILIO_WEBHOOK_URL", TEXT, "")
    #: Whether the bot answers STOP / START / HELP itself (off when Twilio's own
    #: opt-out replies are on for the number).
    twilio_keyword_replies: bool = from_env("TWILIO_KEYWORD_REPLIES", FLAG, True)
    #: SQLite file of the SMS channel: opt-outs, the last choices sent, and the
    #: numbers behind the hashed sender ids. Survives restarts; keep it private.
    sms_db: Path = from_env("SMS_DB", PATH, ROOT / "var" / "sms.sqlite")  # noqa: RUF009 (a field(); Path is immutable)
    #: The Rasa server's address as a browser sees it (the widget connects there).
    public_bot_url: str = from_env("PUBLIC_BOT_URL", BASE_URL, "")
    #: SQLite file of the conversations (Rasa's SQL tracker store) when
    #: ``tracker_db_url`` is empty. Keep it private; back it up.
    tracker_db: Path = from_env("TRACKER_DB", PATH, ROOT / "var" / "tracker.db")  # noqa: RUF009 (a field(); Path is immutable)
    #: SQLAlchemy URL of the conversations' database, e.g.
    #: ``postgresql://rasa:secret@db.internal:5432/rasa``. Empty: ``tracker_db``.
    tracker_db_url: str = from_env("TRACKER_DB_URL", TEXT, "")
    #: Redis lock store shared by several Rasa servers, ``redis://[:password@]host:port/db``.
    #: Empty: in-memory locks (one Rasa server only).
    lock_store_url: str = from_env("LOCK_STORE_URL", TEXT, "")
    #: Seconds the Rasa server waits for the action server before telling the
    #: patient to call the clinic (Rasa's own limit is five minutes). Measured on
    #: two busy cores, 50 patients asking at the same moment waited up to ~24 s.
    action_timeout: float = from_env("ACTION_TIMEOUT", NUMBER, 30.0)
    #: Messages one sender may send per ``rate_limit_window`` seconds (0: no limit).
    rate_limit_messages: int = from_env("RATE_LIMIT_MESSAGES", INTEGER, 20)
    rate_limit_window: float = from_env("RATE_LIMIT_WINDOW", NUMBER, 60.0)
    #: Days a conversation is kept after its last message (0: kept for ever).
    retention_days: float = from_env("RETENTION_DAYS", NUMBER, 30.0)
    #: Seconds between the Rasa server's background purges of expired conversations (0: none).
    purge_interval_seconds: float = from_env("PURGE_INTERVAL_SECONDS", NUMBER, 3600.0)
    #: Conversations deleted per transaction by a purge (each one whole, under its lock).
    purge_batch_size: int = from_env("PURGE_BATCH_SIZE", INTEGER, 50)
    #: SQLite file of the staff console's accounts and audit log (when ``tracker_db_url`` is empty).
    staff_db: Path = from_env("STAFF_DB", PATH, ROOT / "var" / "staff.sqlite")  # noqa: RUF009 (a field(); Path is immutable)
    #: Signs the staff console's session cookies (refused beyond loopback when left at the default).
    staff_secret_key: str = from_env("STAFF_SECRET_KEY", TEXT, "dev-staff-secret-change-me")
    staff_session_minutes: int = from_env("STAFF_SESSION_MINUTES", INTEGER, 480)
    staff_lockout_seconds: float = from_env("STAFF_LOCKOUT_SECONDS", NUMBER, 300.0)

    def to_env(self) -> dict[str, str]:
        """Every variable of the table, as text that :func:`load_settings` reads back to these settings."""
        return {variable.name: variable.kind.format(getattr(self, f.name)) for f, variable in _table()}

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
        """Where the Rasa server sends question hints (UDP), or ``None`` when they are off.

        ``QUESTION_HINT_ADDRESS`` when set. Otherwise hints go only to an action
        server on this machine: when ``ACTION_SERVER_URL``'s host is a loopback
        address, to the action server's own UDP listener (``BIND_HOST``,
        ``ACTION_PORT``), which a proxy's port in the URL does not change. Any
        other URL may be a proxy or a load balancer, whose host and port are not
        an action server's.
        """
        if not self.question_hints:
            return None
        if self.question_hint_target:
            return split_address(self.question_hint_target)
        host = urlsplit(self.action_server_url).hostname
        if host is None or not is_loopback(host):
            return None
        return _reach_from_this_machine(self.bind_host), self.action_port

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
            "clinic_hours_es": self.clinic_hours_es,
            "emergency_number": self.emergency_number,
            "crisis_line": self.crisis_line,
            "retention_days": retention_text(self.retention_days),
        }


def retention_text(days: float) -> str:
    """How long conversations are kept, as the privacy note says it ("We keep them ...")."""
    if days <= 0:
        return "until you delete them"
    whole = int(days) if float(days).is_integer() else days
    unit = "day" if whole == 1 else "days"
    return f"for {whole} {unit} after your last message, then we delete them"


def _table() -> list[tuple[Field[Any], Variable[Any]]]:
    return [(f, f.metadata[_VARIABLE]) for f in fields(Settings)]


def variable_names() -> list[str]:
    """The environment variables of the table, in its order."""
    return [variable.name for _, variable in _table()]


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from the environment (or from ``env`` in tests)."""
    env = os.environ if env is None else env
    loaded: dict[str, Any] = {}
    for f, variable in _table():
        text = env.get(variable.name, "").strip()
        if text:
            loaded[f.name] = variable.kind.parse(text)
        elif variable.derive is not None:
            loaded[f.name] = variable.derive(loaded)
        else:
            loaded[f.name] = f.default
    return Settings(**loaded)


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` (``[ipv6]:port``) as a socket address; ``ValueError`` when it is not one."""
    parts = urlsplit(f"//{address}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None or port == 0 or parts.path or parts.query or parts.username is not None:
        raise ValueError(f"QUESTION_HINT_ADDRESS must look like host:port, not {address!r}")
    return parts.hostname, port


def is_loopback(host: str) -> bool:
    """Whether a host name or address is this machine's loopback (127.0.0.0/8, ``::1``, ``localhost``)."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # another host name
        return False


def _reach_from_this_machine(bind_host: str) -> str:
    """Where on this machine the action server's UDP listener, bound to ``BIND_HOST``, is reached."""
    if bind_host in {"", "0.0.0.0", "localhost"}:  # noqa: S104 (a comparison, not a bind)
        return "127.0.0.1"
    if bind_host == "::":
        return "::1"
    return bind_host  # 127.0.0.1 by default; one interface's address when bound to it alone


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process's settings, read once."""
    return load_settings()

"""The clinic's database for the console: staff accounts and the audit log (SQLAlchemy Core).

The console's tables live in the conversations' database when ``TRACKER_DB_URL``
names one (PostgreSQL), else in the SQLite file ``STAFF_DB`` beside the tracker's.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from common.settings import Settings

metadata = sa.MetaData()

users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("created", sa.Float, nullable=False),
)

#: Who opened which conversation, when: never any message text.
audit = sa.Table(
    "staff_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("staff", sa.String(64), nullable=False),
    sa.Column("time", sa.Float, nullable=False, index=True),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("conversation", sa.String(64), nullable=False),
)

#: A staff member's verdict on one turn (the user event's id in Rasa's ``events`` table).
reviews = sa.Table(
    "staff_reviews",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("staff", sa.String(64), nullable=False),
    sa.Column("time", sa.Float, nullable=False),
    sa.Column("verdict", sa.String(32), nullable=False),
    sa.Column("intent", sa.String(64)),
    sa.Column("procedure", sa.String(16)),
    sa.Column("section", sa.String(64)),
    sa.Column("scrubbed_text", sa.Text),
    sa.Column("approved", sa.Boolean, nullable=False, default=False),
    sa.Column("exported", sa.Boolean, nullable=False, default=False),
)


def staff_db_url(config: Settings) -> str:
    """Where the console's tables are: the PostgreSQL of ``TRACKER_DB_URL``, else ``STAFF_DB``."""
    if config.tracker_db_url and not config.tracker_db_url.startswith("sqlite"):
        return config.tracker_db_url
    return f"sqlite:///{config.staff_db.resolve()}"


def engine_for(url: str) -> sa.engine.Engine:
    """An engine for a SQLAlchemy URL; ``postgresql://`` means psycopg2, as for the Rasa server's store."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg2://" + url.split("://", 1)[1]
    return sa.create_engine(url, pool_pre_ping=True)


def connect(url: str) -> sa.engine.Engine:
    """An engine on the console's database, its tables created when missing."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = engine_for(url)
    metadata.create_all(engine)
    return engine

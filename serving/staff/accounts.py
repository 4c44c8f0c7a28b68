"""Staff accounts: argon2 password hashes in the clinic's database, and sign-in lockout.

``python -m serving.staff.accounts NAME`` (``make staff-user NAME=...``) creates
the account or resets its password (prompted twice); ``--remove`` deletes it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from common.settings import settings
from serving.staff import db

#: The development account (CONTRACT.md), created by ``make run`` when there is no account.
DEV_NAME = "staff"
DEV_PASSWORD = "dev-staff-password-change-me"  # noqa: S105 (the documented development default)
MIN_PASSWORD = 12
FAILURES_BEFORE_LOCK = 5

_hasher = PasswordHasher()


class Accounts:
    """Create, reset, remove and check staff accounts."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine

    def set_password(self, name: str, password: str) -> bool:
        """Create the account or reset its password; whether it was new."""
        hashed = _hasher.hash(password)
        with self.engine.begin() as conn:
            found = conn.execute(sa.select(db.users.c.name).where(db.users.c.name == name)).first()
            if found:
                conn.execute(db.users.update().where(db.users.c.name == name).values(password_hash=hashed))
                return False
            conn.execute(db.users.insert().values(name=name, password_hash=hashed, created=time.time()))
            return True

    def remove(self, name: str) -> bool:
        """Delete an account; whether there was one."""
        with self.engine.begin() as conn:
            return bool(conn.execute(db.users.delete().where(db.users.c.name == name)).rowcount)

    def names(self) -> list[str]:
        """Every account's name."""
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(sa.select(db.users.c.name).order_by(db.users.c.name))]

    def check(self, name: str, password: str) -> bool:
        """Whether the name and password belong to an account (constant work when there is none)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(db.users.c.password_hash).where(db.users.c.name == name)).first()
        stored = row[0] if row else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
        return row is not None

    def ensure_development_account(self) -> bool:
        """Create ``staff`` / the development password when there is no account at all."""
        if self.names():
            return False
        self.set_password(DEV_NAME, DEV_PASSWORD)
        return True


_DUMMY_HASH = _hasher.hash("no such account, same work")


@dataclass
class Lockout:
    """Failed sign-ins in a row per account and per address; locked for a while after 5."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def locked(self, *keys: str) -> bool:
        """Whether any of the keys (``user:NAME``, ``addr:IP``) is waiting."""
        now = self.clock()
        with self._lock:
            for key in keys:
                count, since = self._failures.get(key, (0, 0.0))
                if count >= FAILURES_BEFORE_LOCK:
                    if now - since < self.seconds:
                        return True
                    del self._failures[key]  # waited long enough: a fresh start
            return False

    def failed(self, *keys: str) -> None:
        """Count one failure for each key."""
        now = self.clock()
        with self._lock:
            for key in keys:
                count, _ = self._failures.get(key, (0, now))
                self._failures[key] = (count + 1, now)

    def succeeded(self, *keys: str) -> None:
        """A good sign-in ends the run of failures."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def main(argv: list[str] | None = None) -> int:
    """Create or reset (prompting for the password) or remove an account."""
    parser = argparse.ArgumentParser(description="Create, reset or remove a staff console account.")
    parser.add_argument("name")
    parser.add_argument("--remove", action="store_true", help="delete the account")
    args = parser.parse_args(argv)
    name = args.name.strip()
    if not name or len(name) > 64:
        parser.error("give a name: make staff-user NAME=jsmith")
    accounts = Accounts(db.connect(db.staff_db_url(settings())))
    if args.remove:
        print(f"removed {name}" if accounts.remove(name) else f"no account named {name}")
        return 0
    password = getpass.getpass(f"password for {name}: ")
    if len(password) < MIN_PASSWORD:
        print(f"use at least {MIN_PASSWORD} characters", file=sys.stderr)
        return 1
    if getpass.getpass("again: ") != password:
        print("the two passwords differ", file=sys.stderr)
        return 1
    print(f"created {name}" if accounts.set_password(name, password) else f"password of {name} reset")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

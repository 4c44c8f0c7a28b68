"""PostgreSQL and Redis for the tests that need them, on 127.0.0.1, on free ports, in temporary folders.

Debian's packages (scripts/install-system-deps.sh) provide the servers; each
fixture starts one per test module and removes it afterwards. Registered as a
pytest plugin by tests/conftest.py; the tests that use these fixtures are
marked ``servers`` and ``databases`` (tests/support/markers.py).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Postgres:
    """A throwaway PostgreSQL cluster on 127.0.0.1."""

    url: str
    port: int
    password: str
    bin_dir: Path

    def query(self, sql: str) -> str:
        result = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "rasa",
                "-At",
                "-c",
                sql,
            ],
            env={**os.environ, "PGPASSWORD": self.password},
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return result.stdout.strip()


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed: run scripts/install-system-deps.sh")
    return Path(found[-1]).parent


def _as_postgres_user(command: list[str]) -> list[str]:
    # initdb refuses to run as root; CI may run as root, developers do not.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    bin_dir = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="clinic-faq-pg-"))
    password = uuid.uuid4().hex
    (folder / "pw").write_text(password)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(folder / "pw", "postgres")
    data, port = folder / "data", free_port()
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(
        _as_postgres_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                f"--pwfile={folder / 'pw'}",
                "--no-sync",
            ]
        ),
        **run,  # type: ignore[call-overload]
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *_as_postgres_user(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w"]
            ),
            "start",
        ],
        **run,  # type: ignore[call-overload]
    )
    server = Postgres(f"postgresql://postgres:{password}@127.0.0.1:{port}/rasa", port, password, bin_dir)
    try:
        subprocess.run(
            [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "rasa"],
            env={**os.environ, "PGPASSWORD": password},
            **run,  # type: ignore[call-overload]
        )
        yield server
    finally:
        subprocess.run(
            _as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("redis-server is not installed: run scripts/install-system-deps.sh")
    folder = Path(tempfile.mkdtemp(prefix="clinic-faq-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/1"
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)

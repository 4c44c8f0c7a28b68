"""``python -m serving`` (what ``make run`` starts): ready, then stopped quietly, in order, with exit code 0."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import replace

import pytest

from common.settings import Settings
from serving.processes import ROOT, answers, server_env
from tests.support.servers import serving_command

pytestmark = pytest.mark.servers

MODEL = ROOT / "models" / "current.tar.gz"


def own_ports(config: Settings, offset: int) -> Settings:
    base = int(os.environ.get("TEST_SERVING_PORT", "5605")) + offset
    action_port = base + 50
    return replace(
        config,
        rasa_port=base,
        action_port=action_port,
        web_port=base + 3000,
        action_server_url=f"http://127.0.0.1:{action_port}/webhook",
    )


class Serving:
    """``python -m serving`` in a process group of its own, its output collected."""

    def __init__(self, config: Settings) -> None:
        self.config = config
        self.process = subprocess.Popen(
            serving_command(MODEL),
            cwd=ROOT,
            env=server_env(config),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_ready(self, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(line.startswith("ready in") for line in self.lines):
                return
            if self.process.poll() is not None:
                pytest.fail("python -m serving exited while starting:\n" + "".join(self.lines[-40:]))
            time.sleep(0.5)
        pytest.fail("python -m serving was not ready in time")

    def children(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False)
        return [int(pid) for pid in found.stdout.split()]

    def finish(self, timeout: float = 90.0) -> tuple[int, str]:
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code, "".join(self.lines)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm to the process group"])
def test_serving_stops_quietly_in_order_with_exit_code_0(bot_settings: Settings, how: str) -> None:
    config = own_ports(bot_settings, offset=0 if how == "ctrl-c" else 1)
    serving = Serving(config)
    try:
        serving.wait_ready()
        children = serving.children()
        assert len(children) == 3  # action server, Rasa server, website
        assert answers(f"http://127.0.0.1:{config.web_port}/")
        if how == "ctrl-c":
            serving.process.send_signal(signal.SIGINT)  # what a terminal's Ctrl-C sends
        else:
            os.killpg(serving.process.pid, signal.SIGTERM)
        code, output = serving.finish()
    finally:
        if serving.process.poll() is None:
            serving.process.kill()
    assert code == 0, output[-3000:]
    assert "Traceback" not in output
    assert "KeyboardInterrupt" not in output
    assert output.rstrip().endswith("stopped")
    assert not [pid for pid in children if alive(pid)]
    assert not answers(f"http://127.0.0.1:{config.rasa_port}/")


def test_a_server_that_dies_stops_the_others(bot_settings: Settings) -> None:
    config = own_ports(bot_settings, offset=2)
    serving = Serving(config)
    try:
        serving.wait_ready()
        children = serving.children()
        os.kill(children[-1], signal.SIGKILL)  # the website dies
        code, output = serving.finish()
    finally:
        if serving.process.poll() is None:
            serving.process.kill()
    assert code == 1
    assert "a server stopped unexpectedly; stopping the others" in output
    assert not [pid for pid in children if alive(pid)]

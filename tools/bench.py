"""``make bench``: the performance report (reports/bench.md, reports/bench.json, reports/bench-latency.png).

In one run, on loopback ports of its own: trains both assistants to time
training; starts the stock ``rasa init`` assistant (port 5405) and drives it
with small talk at 1, 10 and 50 concurrent patients; starts this bot as
``make run`` does (5305 / 5355 / 5380), times start to ready, and drives it with
the clinic conversations; samples both servers' memory, and reads it again
after 3,000 varied messages (tools/varied_messages.py); then measures the
knowledge base at 16, 1,000 and 10,000 synthetic pages (tools/kb_bench.py);
last, the retention purge of 100,000 expired conversations among 10,000 live
ones under load (tools/bench_purge.py, also ``make bench-purge``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from common.settings import load_settings
from serving.processes import ROOT, BotServers, server_env
from tools import bench_purge, kb_bench
from tools.bench_report import evaluate_targets, markdown, plot_latency
from tools.loadgen import CLINIC_CONVERSATIONS, STOCK_CONVERSATIONS, Conversation, check_kinds, run_level
from tools.varied_messages import send_all, varied_conversations

REPORTS = ROOT / "reports"
LOGS = ROOT / "build" / "bench-logs"
STOCK_PORT = 5405
#: Concurrent patients -> turns sent at that level (a cap; each level also stops after LEVEL_SECONDS).
LEVELS = {1: 300, 10: 800, 50: 1000}
QUICK_LEVELS = {1: 15, 10: 60, 50: 100}
LEVEL_SECONDS = 90.0
#: Varied messages sent after the load before memory is read again (issue 22: the scripted
#: conversations never reached what grew the action server); patients sending them at once.
VARIED_MESSAGES = 3000
QUICK_VARIED_MESSAGES = 300
VARIED_CONCURRENCY = 4


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- memory ------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_memory_mb(pid: int) -> dict[str, float]:
    """Resident (RSS) and proportional (PSS) memory of a process and all its descendants, in MB."""
    pids = _tree_pids(pid)
    rss = pss = 0
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            continue
    return {"rss_mb": round(rss / 1024, 1), "pss_mb": round(pss / 1024, 1), "processes": len(pids)}


def _tree_pids(pid: int) -> list[int]:
    children = _children()
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(children.get(current, []))
    return pids


def _rss_mb(pids: list[int]) -> float:
    """Resident memory from /proc/PID/statm: cheap, unlike smaps_rollup, which walks the page tables."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for each in pids:
        try:
            total += int(Path(f"/proc/{each}/statm").read_text().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return round(total / 2**20, 1)


class MemoryPeak:
    """Peak resident memory of named process trees while a load runs.

    RSS is sampled every half second from ``statm`` in a worker thread, so the
    load generator's event loop is never blocked. PSS needs ``smaps_rollup``,
    which took about 20 ms per server and stalls the measured process, so it
    is read only before and after the load (the larger is kept).
    """

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.peak: dict[str, dict[str, float]] = {}
        self._trees: dict[str, list[int]] = {}
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> None:
        """One full sample (RSS and PSS); keep each tree's largest."""
        for name, pid in self.pids.items():
            now = tree_memory_mb(pid)
            old = self.peak.get(name, {})
            self.peak[name] = {
                "rss_mb": max(now["rss_mb"], old.get("rss_mb", 0.0)),
                "pss_mb": max(now["pss_mb"], old.get("pss_mb", 0.0)),
                "processes": now["processes"],
            }
            self._trees[name] = _tree_pids(pid)

    def _sample_rss(self) -> None:
        for name, pids in self._trees.items():
            entry = self.peak.setdefault(name, {"rss_mb": 0.0, "pss_mb": 0.0, "processes": len(pids)})
            entry["rss_mb"] = max(entry["rss_mb"], _rss_mb(pids))

    async def _run(self) -> None:
        while True:
            await asyncio.to_thread(self._sample_rss)
            await asyncio.sleep(0.5)

    def start(self) -> None:
        """Sample in the background (call :meth:`sample` once first)."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop sampling, after one last full sample."""
        if self._task is not None:
            self._task.cancel()
        self.sample()


async def memory_after_varied(base_url: str, pids: dict[str, int], count: int, name: str) -> dict[str, Any]:
    """Send ``count`` varied messages (each once), then read both servers' memory (RSS and PSS)."""
    log(f"{name}: {count} varied messages, {VARIED_CONCURRENCY} patients at once")
    sent = await send_all(
        base_url, varied_conversations(count), VARIED_CONCURRENCY, f"{name}-varied-{time.time_ns():x}"
    )
    summary = sent.summary()
    # A server that is gone has no memory to read (None), rather than 0 MB that would pass a target.
    memory = {server: tree_memory_mb(pid) if Path(f"/proc/{pid}").exists() else None for server, pid in pids.items()}
    log(
        f"{name}: after {count} varied messages: "
        + ", ".join(f"{k} {v['rss_mb'] if v else 'not running'} MB" for k, v in memory.items())
    )
    return {
        "messages": count,
        "concurrency": VARIED_CONCURRENCY,
        "seconds": summary["seconds"],
        "errors": summary["errors"],
        "error_examples": summary["error_examples"],
        "memory": memory,
    }


# --- servers -----------------------------------------------------------------


def wait_ready(process: subprocess.Popen[bytes], url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} was not ready in {timeout:.0f} s")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def timed_command(command: list[str], cwd: Path, env: dict[str, str], log_name: str) -> float:
    LOGS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with (LOGS / log_name).open("wb") as output:
        subprocess.run(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, check=True)
    return time.perf_counter() - started


def source_state() -> dict[str, Any]:
    """The commit measured, and how many files differ from it (uncommitted work is measured too)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    except OSError:
        return {}
    return {"commit": commit, "uncommitted_files": len(status.splitlines())}


# --- load --------------------------------------------------------------------


async def drive(
    base_url: str,
    conversations: Sequence[Conversation],
    levels: dict[int, int],
    pids: dict[str, int],
    name: str,
    profile: bool,
) -> dict[str, Any]:
    """Warm up, then run every load level; memory peaks over the whole load."""
    # Sender ids unique to this run: conversations never continue an earlier run's.
    run = f"{name}-{time.time_ns():x}"
    await run_level(base_url, conversations, 2, 20, 60.0, f"{run}-warmup")
    memory = MemoryPeak(pids)
    memory.sample()
    idle = dict(memory.peak)
    memory.start()
    results = []
    for concurrency, turns in levels.items():
        log(f"{name}: {concurrency} concurrent patients, up to {turns} turns")
        level = await run_level(base_url, conversations, concurrency, turns, LEVEL_SECONDS, f"{run}-{concurrency}")
        summary = level.summary()
        log(
            f"{name}: {summary['throughput_per_s']} turns/s, p50 {summary['all'].get('p50_ms')} ms, "
            f"p95 {summary['all'].get('p95_ms')} ms, errors {summary['errors']}"
        )
        results.append(summary)
    await memory.stop()
    out: dict[str, Any] = {"levels": results, "memory_idle": idle, "memory_peak": memory.peak}
    if profile:
        out["profiles"] = await profile_under_load(base_url, conversations, pids, name)
    return out


async def profile_under_load(
    base_url: str, conversations: Sequence[Conversation], pids: dict[str, int], name: str
) -> dict[str, str]:
    """py-spy flame graphs of each server while 10 patients talk (sampling slows them: not timed)."""
    py_spy = Path(sys.executable).parent / "py-spy"
    files = {}
    recorders = []
    for server, pid in pids.items():
        path = LOGS / f"profile-{name}-{server}.txt"
        command = [str(py_spy), "record", "--pid", str(pid), "--duration", "20", "--subprocesses"]
        command += ["--format", "raw", "--output", str(path), "--nonblocking"]
        recorders.append(
            subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        files[server] = str(path.relative_to(ROOT))
    await run_level(base_url, conversations, 10, 100000, 22.0, f"{name}-profile")
    for recorder in recorders:
        recorder.wait(timeout=60)
    return files


def stock_and_training(
    rasa: str, work: Path, env: dict[str, str], levels: dict[int, int], profile: bool, time_training: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Create the stock assistant (timed), time this bot's training, then drive the stock assistant."""
    stock_dir = work / "stock"
    stock_dir.mkdir()
    log("creating and training the stock `rasa init` assistant")
    init = [rasa, "init", "--no-prompt", "--init-dir", str(stock_dir)]
    training: dict[str, Any] = {"stock_rasa_init_seconds": round(timed_command(init, work, env, "stock-init.log"), 1)}
    if time_training:
        log("timing `rasa train --force` of this bot (into a temporary folder)")
        train = [rasa, "train", "--force", "--domain", "domain.yml", "--data", "data", "--config", "config.yml"]
        train += ["--out", str(work / "models"), "--fixed-model-name", "bench"]
        training["clinic_train_seconds"] = round(timed_command(train, ROOT, env, "clinic-train.log"), 1)
    log("starting the stock assistant")
    started = time.perf_counter()
    with (LOGS / "stock-rasa.log").open("wb") as output:
        stock = subprocess.Popen(
            [rasa, "run", "--model", "models", "--interface", "127.0.0.1", "--port", str(STOCK_PORT)],
            cwd=stock_dir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        wait_ready(stock, f"http://127.0.0.1:{STOCK_PORT}/", 300)
        ready = time.perf_counter() - started
        url = f"http://127.0.0.1:{STOCK_PORT}"
        result = asyncio.run(drive(url, STOCK_CONVERSATIONS, levels, {"rasa": stock.pid}, "stock", profile))
        result["start_to_ready_seconds"] = round(ready, 1)
    finally:
        stop_process(stock)
    return training, result


# --- the run -----------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-venv", type=Path, required=True)
    parser.add_argument("--actions-venv", type=Path, required=True)
    parser.add_argument("--quick", action="store_true", help="short development run (fewer turns, 16 and 1,000 pages)")
    parser.add_argument("--skip-training", action="store_true", help="do not time training (development)")
    parser.add_argument("--skip-kb", action="store_true", help="no knowledge-base figures (development)")
    parser.add_argument("--skip-purge", action="store_true", help="no retention purge figures (development)")
    parser.add_argument("--output-suffix", default="", help="write only build/bench-logs/bench<SUFFIX>.json")
    parser.add_argument("--skip-stock", action="store_true", help="no stock bot (experiments with --output-suffix)")
    parser.add_argument("--profile", action="store_true", help="also record py-spy profiles under load")
    parser.add_argument(
        "--varied-messages",
        type=int,
        default=None,
        metavar="N",
        help=f"varied messages before memory is read again ({VARIED_MESSAGES:,}; {QUICK_VARIED_MESSAGES} with --quick)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="SERVER:KEY=VALUE",
        help="try a deployment change on this bot, e.g. actions:OMP_NUM_THREADS=1 or rasa:SANIC_WORKERS=2",
    )
    args = parser.parse_args(argv)
    extra_env: dict[str, dict[str, str]] = {}
    for item in args.server_env:
        server, _, assignment = item.partition(":")
        key, _, value = assignment.partition("=")
        extra_env.setdefault(server, {})[key] = value
    levels = QUICK_LEVELS if args.quick else LEVELS
    sizes = (16, 1000) if args.quick else (16, 1000, 10000)
    rasa = str(args.rasa_venv / "bin" / "rasa")
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": {"cpus": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
        "source": source_state(),
        "settings": {
            "levels": levels,
            "level_seconds_cap": LEVEL_SECONDS,
            "quick": args.quick,
            "server_env_overrides": extra_env,
        },
    }
    work = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
    config = replace(
        load_settings(),
        rasa_port=5305,
        action_port=5355,
        web_port=5380,
        # Empty databases, as on a fresh clone: a conversation store grown by
        # earlier runs would make every turn replay a longer history.
        tracker_db=work / "tracker.db",
        sms_db=work / "sms.sqlite",
        action_server_url="http://127.0.0.1:5355/webhook",  # as make run does
    )
    env = server_env(config)
    try:
        if not args.skip_stock:
            report["training"], report["stock"] = stock_and_training(
                rasa, work, env, levels, args.profile, time_training=not args.skip_training
            )

        log("starting this bot as `make run` does")
        servers = BotServers(args.rasa_venv, args.actions_venv, config, log_dir=LOGS, extra_env=extra_env)
        started = time.perf_counter()
        try:
            servers.start()
            ready = time.perf_counter() - started
            base_url = f"http://127.0.0.1:{config.rasa_port}"
            mismatches = asyncio.run(check_kinds(base_url, config.bot_api_token, CLINIC_CONVERSATIONS))
            pids = {"rasa": servers.pid("rasa"), "actions": servers.pid("actions")}
            report["clinic"] = asyncio.run(drive(base_url, CLINIC_CONVERSATIONS, levels, pids, "clinic", args.profile))
            varied = args.varied_messages or (QUICK_VARIED_MESSAGES if args.quick else VARIED_MESSAGES)
            report["clinic"]["after_varied_messages"] = asyncio.run(
                memory_after_varied(base_url, pids, varied, "clinic")
            )
            report["clinic"]["start_to_ready_seconds"] = round(ready, 1)
            report["clinic"]["turn_kind_mismatches"] = mismatches
        finally:
            servers.stop()

        if not args.skip_kb:
            log("knowledge base: build, re-index and search by size")
            report["knowledge_base"] = kb_bench.run(work / "kb", sizes, 300, log)

        if not args.skip_purge:
            log("retention purge under load")
            expired = bench_purge.EXPIRED // 10 if args.quick else bench_purge.EXPIRED
            report["purge"] = bench_purge.run(args.rasa_venv, args.actions_venv, work, log, expired=expired)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    REPORTS.mkdir(exist_ok=True)
    if args.output_suffix or args.skip_stock:
        path = LOGS / f"bench{args.output_suffix or '-experiment'}.json"
        path.write_text(json.dumps(report, indent=1), encoding="utf-8")
        print(f"report: {path}")
        return 0
    report["targets"] = evaluate_targets(report)
    (REPORTS / "bench.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    plot_latency(report, REPORTS / "bench-latency.png")
    (REPORTS / "bench.md").write_text(markdown(report), encoding="utf-8")
    for name, target in report["targets"].items():
        print(f"{name:48} {target['measured']!s:>14}  target {target['target']:<22} {target['met_text']}")
    print(f"reports: {REPORTS / 'bench.md'}, {REPORTS / 'bench.json'}, {REPORTS / 'bench-latency.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

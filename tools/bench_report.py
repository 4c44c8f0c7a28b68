"""The benchmark's targets (issue 6), its Markdown report and its latency plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.loadgen import KINDS

#: The action server's RSS after 3,000 varied messages before issue 22's fix (commit 4b46116, the same
#: messages as tools/varied_messages.py): the first page-wide search imported sentence-transformers, and
#: with it PyTorch.
ACTIONS_RSS_BEFORE_ISSUE_22_MB = 703


def _level(bot: dict[str, Any], concurrency: int) -> dict[str, Any]:
    return next((lv for lv in bot["levels"] if lv["concurrency"] == concurrency), {"all": {}, "by_kind": {}})


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def _target(measured: Any, target: str, met: bool | None, detail: str = "") -> dict[str, Any]:
    return {
        "measured": measured,
        "target": target,
        "met": met,
        "met_text": "n/a" if met is None else ("met" if met else "NOT MET"),
        "detail": detail,
    }


def evaluate_targets(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every target of issue 6 with its measured figure and whether it is met."""
    clinic, stock = report["clinic"], report["stock"]
    targets: dict[str, dict[str, Any]] = {}
    best_clinic = max(lv["throughput_per_s"] for lv in clinic["levels"])
    best_stock = max(lv["throughput_per_s"] for lv in stock["levels"])
    ratio = _ratio(best_clinic, best_stock)
    targets["throughput at saturation vs stock"] = _target(
        ratio, ">= 1.5x", ratio is not None and ratio >= 1.5, f"{best_clinic} vs {best_stock} turns/s"
    )
    clinic_p95 = _level(clinic, 10)["all"].get("p95_ms")
    stock_p95 = _level(stock, 10)["all"].get("p95_ms")
    ratio = _ratio(clinic_p95, stock_p95)
    targets["p95 at 10 patients vs stock"] = _target(
        ratio, "<= 0.5x", ratio is not None and ratio <= 0.5, f"{clinic_p95} vs {stock_p95} ms"
    )
    clinic_p50 = _level(clinic, 1)["all"].get("p50_ms")
    stock_p50 = _level(stock, 1)["all"].get("p50_ms")
    ratio = _ratio(clinic_p50, stock_p50)
    targets["single-patient p50 vs stock"] = _target(
        ratio, "<= 1.0x", ratio is not None and ratio <= 1.0, f"{clinic_p50} vs {stock_p50} ms"
    )
    kinds = _level(clinic, 1)["by_kind"]
    small = kinds.get("small_talk", {}).get("p50_ms")
    for kind in ("kb_answer", "follow_up"):
        ratio = _ratio(kinds.get(kind, {}).get("p50_ms"), small)
        targets[f"{kind} p50 vs small talk p50 (1 patient)"] = _target(
            ratio, "<= 1.3x", ratio is not None and ratio <= 1.3, f"{kinds.get(kind, {}).get('p50_ms')} vs {small} ms"
        )
    one = kinds.get("kb_answer", {}).get("p50_ms")
    three = kinds.get("three_questions", {}).get("p50_ms")
    ratio = _ratio(three, one)
    targets["three-question message p50 vs one-question p50 (1 patient)"] = _target(
        ratio, "<= 2.0x", ratio is not None and ratio <= 2.0, f"{three} vs {one} ms"
    )
    actions_rss = clinic["memory_peak"].get("actions", {}).get("rss_mb")
    targets["action server resident memory (peak)"] = _target(
        actions_rss, "<= 700 MB", actions_rss is not None and actions_rss <= 700, "RSS of the process tree, MB"
    )
    varied = clinic.get("after_varied_messages")
    if varied:
        rss = (varied["memory"].get("actions") or {}).get("rss_mb")
        targets[f"action server resident memory after {varied['messages']:,} varied messages"] = _target(
            rss,
            "<= 500 MB",
            rss is not None and rss <= 500,
            f"RSS of the process tree, MB; {ACTIONS_RSS_BEFORE_ISSUE_22_MB} MB before issue 22's fix; "
            f"{varied['errors']} errors",
        )
    rasa_rss = clinic["memory_peak"]["rasa"]["rss_mb"]
    stock_rss = stock["memory_peak"]["rasa"]["rss_mb"]
    targets["Rasa server resident memory vs stock"] = _target(
        rasa_rss, f"<= {stock_rss} MB", rasa_rss <= stock_rss, f"{rasa_rss} vs {stock_rss} MB (peak RSS)"
    )
    kb = report.get("knowledge_base")
    if kb:
        sizes = sorted(kb["sizes"], key=int)
        largest = kb["sizes"][sizes[-1]]
        search = largest["search"]["bot_scope_procedure_section"]["p95_ms"]
        whole = largest["search"]["whole_corpus"]["p95_ms"]
        targets[f"search p95 over {sizes[-1]} pages (the bot's search)"] = _target(
            search, "<= 10 ms", search <= 10, f"one procedure's section; whole corpus p95 {whole} ms"
        )
        for size in (sizes[0], sizes[-1]):
            seconds = kb["sizes"][size]["reindex_one_page"]["seconds"]
            targets[f"re-index after one page changes ({size} pages)"] = _target(
                seconds, "<= 2 s", seconds <= 2, "parse every page + embed the changed one (real model) + write"
            )
    ready = clinic["start_to_ready_seconds"]
    targets["start to ready (nothing to build)"] = _target(ready, "<= 45 s", ready <= 45, "all three servers")
    return targets


def plot_latency(report: dict[str, Any], path: Path) -> None:
    """Latency (p50, p95) and throughput against concurrent patients, for both bots."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, colour in (("clinic", "tab:blue"), ("stock", "tab:gray")):
        levels = report[name]["levels"]
        x = [lv["concurrency"] for lv in levels]
        label = "this bot" if name == "clinic" else "stock rasa init bot"
        latency.plot(x, [lv["all"].get("p50_ms") for lv in levels], "o-", color=colour, label=f"{label} p50")
        latency.plot(x, [lv["all"].get("p95_ms") for lv in levels], "s--", color=colour, label=f"{label} p95")
        throughput.plot(x, [lv["throughput_per_s"] for lv in levels], "o-", color=colour, label=label)
    for axes in (latency, throughput):
        axes.set_xscale("log")
        axes.set_xticks([1, 10, 50], ["1", "10", "50"])
        axes.set_xlabel("concurrent patients")
        axes.grid(alpha=0.3)
        axes.legend(fontsize=8)
    latency.set_yscale("log")
    latency.set_ylabel("turn latency (ms)")
    throughput.set_ylabel("turns per second")
    figure.suptitle("REST turn latency and throughput against concurrency (one run, 2 cores)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _latency_rows(name: str, bot: dict[str, Any]) -> list[str]:
    rows = []
    for level in bot["levels"]:
        for kind in ("all", *KINDS):
            stats = level["all"] if kind == "all" else level["by_kind"].get(kind)
            if not stats or not stats.get("n"):
                continue
            rows.append(
                f"| {name} | {level['concurrency']} | {kind} | {stats['n']} | {stats['p50_ms']} | {stats['p95_ms']} "
                f"| {stats['p99_ms']} | {level['throughput_per_s'] if kind == 'all' else ''} "
                f"| {level['errors'] if kind == 'all' else ''} |"
            )
    return rows


def markdown(report: dict[str, Any]) -> str:
    """The report: targets first, then every figure, then how they were taken."""
    machine = report["machine"]
    lines = [
        "# Performance benchmark (`make bench`)",
        "",
        f"Run {report['started']} on {machine['cpus']} cores; load average (1/5/15 min) "
        f"{machine['load_average_at_start']} at start, {machine['load_average_at_end']} at end. "
        "Every comparison with the stock bot is a ratio from this one run. "
        f"Source: commit {report.get('source', {}).get('commit', '?')[:10]}, "
        f"{report.get('source', {}).get('uncommitted_files', '?')} files changed since.",
        "",
        "## Targets (issue 6)",
        "",
        "| target | required | measured | met | detail |",
        "|---|---|---|---|---|",
    ]
    for name, target in report["targets"].items():
        lines.append(
            f"| {name} | {target['target']} | {target['measured']} | {target['met_text']} | {target['detail']} |"
        )
    lines += [
        "",
        "## Latency and throughput",
        "",
        "Closed loop: each simulated patient sends a turn over REST, waits for the reply, sends the next; a new "
        "sender id per conversation. Latencies in ms; throughput in turns per second over the level.",
        "",
        "| bot | patients | turn kind | n | p50 | p95 | p99 | turns/s | errors |",
        "|---|---|---|---|---|---|---|---|---|",
        *_latency_rows("this bot", report["clinic"]),
        *_latency_rows("stock", report["stock"]),
        "",
        "![latency against concurrency](bench-latency.png)",
        "",
    ]
    mismatches = report["clinic"].get("turn_kind_mismatches", [])
    lines.append(
        "Turn kinds checked against the tracker before the load: "
        + ("all as scripted." if not mismatches else "; ".join(mismatches))
    )
    lines += ["", "## Memory, start-up and training", "", "| figure | this bot | stock bot |", "|---|---|---|"]
    clinic, stock = report["clinic"], report["stock"]
    for key in ("memory_idle", "memory_peak"):
        lines.append(
            f"| Rasa server {key.replace('_', ' ')}: RSS / PSS MB (processes) | "
            f"{clinic[key]['rasa']['rss_mb']} / {clinic[key]['rasa']['pss_mb']} ({clinic[key]['rasa']['processes']}) | "
            f"{stock[key]['rasa']['rss_mb']} / {stock[key]['rasa']['pss_mb']} ({stock[key]['rasa']['processes']}) |"
        )
        if "actions" in clinic[key]:
            lines.append(
                f"| action server {key.replace('_', ' ')}: RSS / PSS MB | "
                f"{clinic[key]['actions']['rss_mb']} / {clinic[key]['actions']['pss_mb']} | — |"
            )
    varied = clinic.get("after_varied_messages")
    if varied:
        for server in ("rasa", "actions"):
            name = "Rasa server" if server == "rasa" else "action server"
            read = varied["memory"].get(server)
            figures = f"{read['rss_mb']} / {read['pss_mb']}" if read else "not running"
            lines.append(f"| {name} after {varied['messages']:,} varied messages: RSS / PSS MB | {figures} | — |")
    lines.append(
        f"| start to ready, s | {clinic['start_to_ready_seconds']} (action server, Rasa, web) | "
        f"{stock['start_to_ready_seconds']} |"
    )
    training = report.get("training", {})
    lines.append(
        f"| training, s | {training.get('clinic_train_seconds', 'not timed')} (`rasa train --force`) | "
        f"{training.get('stock_rasa_init_seconds')} (`rasa init --no-prompt`, includes training) |"
    )
    kb = report.get("knowledge_base")
    if kb:
        lines += [
            "",
            "## Knowledge base",
            "",
            f"Model load {kb['model_load_seconds']} s; one question embeds in p50 {kb['question_embedding']['p50_ms']} "
            f"ms, p95 {kb['question_embedding']['p95_ms']} ms with PyTorch"
            + (
                f" and in p50 {kb['question_embedding_served']['p50_ms']} ms, p95 "
                f"{kb['question_embedding_served']['p95_ms']} ms with what the action server uses "
                f"({kb['question_embedding_served']['embedder']})"
                if "question_embedding_served" in kb
                else ""
            )
            + f"; the real model embeds {kb['embedding_throughput_passages_per_s']} passages/s on this machine.",
            "",
            "| pages | passages | vectors MB | full build s | how | re-index one page s (parse + index) "
            "| search p95 ms: bot's scope / procedure / whole corpus |",
            "|---|---|---|---|---|---|---|",
        ]
        for size, entry in kb["sizes"].items():
            search = entry["search"]
            reindex = entry["reindex_one_page"]
            lines.append(
                f"| {size} | {entry['passages']} | {entry['embeddings_mb']} | {entry['build']['seconds']} "
                f"| {entry['build']['method']} | {reindex['seconds']} ({reindex['parse_seconds']} + "
                f"{reindex['index_seconds']}) | {search['bot_scope_procedure_section']['p95_ms']} / "
                f"{search['procedure']['p95_ms']} / {search['whole_corpus']['p95_ms']} |"
            )
        lines += [
            "",
            "Synthetic pages from `tools/synthetic.py` (seed-page format, about 48 passages each). Only the "
            "smallest set is embedded whole with the real model; larger full builds are an **estimate** (measured "
            "index work with placeholder vectors of the model's width, plus passages divided by the measured "
            "embedding throughput). Re-indexing embeds the changed page with the real model at every size, and "
            "search uses questions embedded by the real model over the real index layout.",
        ]
    if report.get("purge"):
        from tools.bench_purge import markdown as purge_section

        lines += ["", *purge_section(report["purge"])]
    return "\n".join(lines) + "\n"

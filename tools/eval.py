"""``make eval``: the answer-quality report (reports/eval.md, reports/eval.json, reports/confusion.png).

Starts the bot as `make run` does (on its own ports: 5205/5255, or
``EVAL_RASA_PORT``/``EVAL_ACTION_PORT``) unless
``--url`` points at a running one, asks every evaluation question over REST,
and reads the outcome from the tracker.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from common.settings import load_settings
from serving.processes import ROOT, BotServers
from tools.corpus_sets import corpus_sets, follow_up_sets
from tools.corpus_sets import misses as corpus_misses
from tools.corpus_sets import summarise as summarise_corpus
from tools.evaluation import (
    Bot,
    Outcome,
    confusion,
    external_sets,
    outcome_rows,
    own_sets,
    shared_eval_dir,
    summarise,
    worst_misses,
)
from tools.patient_sets import misses as public_misses
from tools.patient_sets import public_style_sets, summarise_set

#: For each older set, what counts as a confident wrong answer: a passage that is not the right one.
WRONG_PASSAGE = {
    "heldout": lambda o: o.answered and not o.correct,
    "declines": lambda o: o.answered,
    "ordinary": lambda o: False,
    "emergencies": lambda o: o.answered,
    "clinc_oos_test": lambda o: o.answered,
    "clinc_inscope": lambda o: o.answered,
    "nlm_medical": lambda o: o.answered,
}

REPORTS = ROOT / "reports"


def plot_confusion(outcomes: list[Outcome], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, matrix = confusion(outcomes)
    figure, axes = plt.subplots(figsize=(11, 9))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(range(len(labels)), labels, fontsize=8)
    axes.set_xlabel("answered section")
    axes.set_ylabel("expected section")
    axes.set_title("Held-out questions: expected vs answered section")
    for row, values in enumerate(matrix):
        for column, value in enumerate(values):
            if value:
                axes.text(column, row, str(value), ha="center", va="center", fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def markdown(summary: dict[str, Any], misses: dict[str, list[dict[str, Any]]], seconds: float) -> str:
    lines = ["# Answer-quality evaluation", "", f"Run time: {seconds:.0f} s. Errors: {summary['errors']}.", ""]
    lines += ["## Targets (issue 5)", "", "| target | required | measured | met |", "|---|---|---|---|"]
    for name, target in summary["targets"].items():
        lines.append(f"| {name} | {target['target']} | {target['measured']} | {'yes' if target['met'] else 'NO'} |")
    lines += ["", "## Figures", "", "| figure | rate | n |", "|---|---|---|"]
    for name, value in summary.items():
        if isinstance(value, dict) and "rate" in value:
            lines.append(f"| {name} | {value['rate']} | {value['n']} |")
    held = summary.get("heldout", {})
    for key in ("accuracy", "procedure_accuracy", "section_accuracy", "single_turn_accuracy", "multi_turn_accuracy"):
        if key in held:
            lines.append(f"| heldout {key} | {held[key]['rate']} | {held[key]['n']} |")
    for kind, value in summary.get("declines_by_kind", {}).items():
        lines.append(f"| declines: {kind} | {value['rate']} | {value['n']} |")
    corpus = summary.get("corpus", {})
    if corpus:
        lines += ["", "## The corpus's validation and test writers (issue 21; 95% Wilson intervals)", ""]
        lines += ["| set | target | required | measured | 95% interval | met |", "|---|---|---|---|---|---|"]
        for set_name, figures in corpus.items():
            for name, target in figures["targets"].items():
                met = "yes" if target["met"] else "NO"
                low, high = target["ci95"]
                line = f"| {set_name} | {name} | {target['target']} | {target['measured']} | {low}-{high} | {met} |"
                lines.append(line)
        lines += ["", "| set | figure | rate | n | 95% interval |", "|---|---|---|---|---|"]
        for set_name, figures in corpus.items():
            for name, value in figures.items():
                if isinstance(value, dict) and "rate" in value:
                    low, high = value["ci95"]
                    lines.append(f"| {set_name} | {name} | {value['rate']} | {value['n']} | {low}-{high} |")
            for kind, value in figures["answered_by_kind"].items():
                low, high = value["ci95"]
                lines.append(
                    f"| {set_name} | answered from a page: {kind} | {value['rate']} | {value['n']} | {low}-{high} |"
                )
    public = summary.get("public_sets", {})
    if public:
        lines += ["", "## Questions in the public's words (issue 15)", ""]
        lines += ["| set | target | required | measured | met |", "|---|---|---|---|---|"]
        for set_name, figures in public.items():
            for name, target in figures["targets"].items():
                met = "yes" if target["met"] else "NO"
                lines.append(f"| {set_name} | {name} | {target['target']} | {target['measured']} | {met} |")
        lines += ["", "| set | figure | rate | n |", "|---|---|---|---|"]
        for set_name, figures in public.items():
            for name, value in figures.items():
                if isinstance(value, dict) and "rate" in value:
                    lines.append(f"| {set_name} | {name} | {value['rate']} | {value['n']} |")
            for category, value in figures.get("general_accuracy_by_category", {}).items():
                lines.append(f"| {set_name} | general accuracy: {category} | {value['rate']} | {value['n']} |")
    if summary.get("confident_wrong"):
        lines += ["", "## Confident wrong answers per set (a passage that is not the right one)", ""]
        lines += ["| set | rate | n |", "|---|---|---|"]
        for set_name, value in summary["confident_wrong"].items():
            lines.append(f"| {set_name} | {value['rate']} | {value['n']} |")
    lines += [
        "",
        "## Per section (held-out questions)",
        "",
        "| section | precision | recall | support |",
        "|---|---|---|---|",
    ]
    for key, value in held.get("per_section", {}).items():
        lines.append(f"| {key} | {value['precision']} | {value['recall']} | {value['support']} |")
    lines += ["", "![confusion matrix](confusion.png)", "", "## Worst misses (most confident first)", ""]
    for name, rows in summary.get("public_misses", {}).items():
        if rows:
            lines += [f"### {name}", ""]
            for row in rows[:15]:
                got = row["got"]
                lines.append(
                    f"- `{row['id']}` {row['kind']}/{row['category']} → intent {got['intent']} ({got['confidence']}), "
                    f"procedure {got['procedure']}, sections {got['sections'] or got['section']}; "
                    f"expected {row['expected']}"
                )
            lines.append("")
    for name, rows in misses.items():
        if not rows:
            continue
        lines += [f"### {name}", ""]
        for row in rows[:10]:
            got = row["got"]
            context = f" (after: {' / '.join(row['turns'])})" if row["turns"] else ""
            lines.append(
                f"- `{row['id']}` {row['text']!r}{context} → intent {got['intent']} ({got['confidence']:.2f}), "
                f"procedure {got['procedure']}, section {got['section']}; expected {row['expected']}"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-venv", type=Path)
    parser.add_argument("--actions-venv", type=Path)
    parser.add_argument("--url", help="use a running bot (e.g. http://localhost:5005) instead of starting one")
    parser.add_argument("--own-only", action="store_true", help="only the team's own held-out sets")
    parser.add_argument("--workers", type=int, default=6)
    args = parser.parse_args(argv)
    config = load_settings()
    servers = None
    if args.url:
        base_url = args.url
    else:
        # Its own ports (EVAL_RASA_PORT, EVAL_ACTION_PORT), so that a bot of make run does not get in the way.
        rasa_port = int(os.environ.get("EVAL_RASA_PORT", "5205"))
        action_port = int(os.environ.get("EVAL_ACTION_PORT", "5255"))
        # Conversations of its own, in a folder that goes with the run: evaluation questions
        # never land in the clinic's conversations (nor in the staff console).
        scratch = Path(tempfile.mkdtemp(prefix="clinic-eval-"))
        config = replace(
            config,
            rasa_port=rasa_port,
            action_port=action_port,
            action_server_url=f"http://127.0.0.1:{action_port}/webhook",
            tracker_db=scratch / "tracker.db",
            tracker_db_url="",
            sms_db=scratch / "sms.sqlite",
            staff_db=scratch / "staff.sqlite",
        )
        servers = BotServers(args.rasa_venv, args.actions_venv, config, log_dir=ROOT / "build" / "eval-logs", web=False)
        print("starting the bot...", flush=True)
        servers.start()
        base_url = f"http://127.0.0.1:{config.rasa_port}"
    try:
        bot = Bot(base_url, config.bot_api_token)
        sets = own_sets()
        if not args.own_only:
            sets.update(external_sets())
        public = public_style_sets(None if args.own_only else shared_eval_dir())
        sets.update(public)
        written = corpus_sets()
        written.update(follow_up_sets())
        sets.update(written)
        started = time.monotonic()
        results: dict[str, list[Outcome]] = {}
        for name, items in sets.items():
            print(f"{name}: {len(items)} questions...", flush=True)
            results[name] = bot.ask_all(items, workers=args.workers)
        seconds = time.monotonic() - started
    finally:
        if servers is not None:
            servers.stop()
            shutil.rmtree(servers.config.tracker_db.parent, ignore_errors=True)
    summary = summarise(
        {name: outcomes for name, outcomes in results.items() if name not in public and name not in written}
    )
    summary["corpus"] = {name: summarise_corpus(results[name]) for name in written}
    # Only the validation writers' misses are shown: the test writers' messages are not read while building.
    summary["corpus_validation_misses"] = corpus_misses(results["corpus_validation"])
    summary["public_sets"] = {name: summarise_set(results[name]) for name in public}
    summary["public_misses"] = {name: public_misses(results[name]) for name in public}
    summary["confident_wrong"] = {
        name: {"rate": round(sum(map(check, results[name])) / len(results[name]), 4), "n": len(results[name])}
        for name, check in WRONG_PASSAGE.items()
        if results.get(name)
    }
    summary["confident_wrong"].update(
        {name: figures["confident_wrong_rate"] for name, figures in summary["public_sets"].items()}
    )
    misses = worst_misses(results)
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "eval.json").write_text(
        json.dumps({"summary": summary, "worst_misses": misses, "outcomes": outcome_rows(results)}, indent=1),
        encoding="utf-8",
    )
    plot_confusion(results.get("heldout", []), REPORTS / "confusion.png")
    (REPORTS / "eval.md").write_text(markdown(summary, misses, seconds), encoding="utf-8")
    for name, target in summary["targets"].items():
        print(
            f"{name:32} {target['measured']!s:8} target {target['target']!s:8} {'met' if target['met'] else 'NOT MET'}"
        )
    for set_name, figures in [*summary["corpus"].items(), *summary["public_sets"].items()]:
        for name, target in figures["targets"].items():
            verdict = "met" if target["met"] else "NOT MET"
            print(f"{set_name + ' ' + name:48} {target['measured']!s:8} target {target['target']!s:8} {verdict}")
    print(f"reports: {REPORTS / 'eval.md'}, {REPORTS / 'eval.json'}, {REPORTS / 'confusion.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

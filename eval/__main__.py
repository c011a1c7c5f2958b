"""``python -m eval [--qa FILE] [--out DIR] [--kinds K,...] [--limit N] [--sample N] [--dialogues FILE] [--gate]``"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tomllib
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

HERE = Path(__file__).resolve().parent


def check_gate(summary: dict, thresholds: dict) -> list[str]:
    """Every metric under its minimum (or over its maximum), as readable lines."""
    problems = []
    for key, minimum in thresholds.get("min", {}).items():
        value = _lookup(summary, key)
        if value is None or value < minimum:
            problems.append(f"{key} = {value} is under its minimum {minimum}")
    for key, maximum in thresholds.get("max", {}).items():
        value = _lookup(summary, key)
        if value is None or value > maximum:
            problems.append(f"{key} = {value} is over its maximum {maximum}")
    return problems


def _lookup(summary: dict, key: str):
    if key in summary:
        return summary[key]
    node = summary
    for part in key.split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval")
    parser.add_argument("--qa", type=Path, default=HERE / "qa.jsonl")
    parser.add_argument("--dialogues", type=Path, default=None, help="also run a dialogues file")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--kinds", default="", help="comma-separated kinds to run")
    parser.add_argument("--limit", type=int, default=0, help="only the first N items")
    parser.add_argument("--sample", type=int, default=0,
                        help="only N items spread evenly over the set (every kind in; a quick item-by-item check)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bars (they are drawn only on a terminal anyway; ASSISTANT_PROGRESS=false)")
    parser.add_argument("--gate", action="store_true", help="fail when a metric misses eval/thresholds.toml")
    parser.add_argument("--thresholds", type=Path, default=HERE / "thresholds.toml")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=FILE",
                        help="another QA set run in the same process (reported under sets/NAME); with --gate "
                             "the [sets] of the thresholds file are run unless --also is given")
    args = parser.parse_args(argv)
    thresholds = {}
    if args.gate:
        with args.thresholds.open("rb") as fh:
            thresholds = tomllib.load(fh)
    try:
        extra = _extra_sets(args.also, thresholds.get("sets", {}) if args.gate else {})
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    from assistant.errors import AssistantError
    from assistant.progress import Progress
    from assistant.service import Assistant
    from assistant.settings import Settings
    from assistant.vector_pack import VectorPack

    from .baseline import SHIPPED, NaiveBaseline
    from .dataset import DatasetError, load_dialogues, load_qa, spread
    from .metrics import variant_gap
    from .report import write_report
    from .runner import run_assistant, run_baseline, run_dialogues, summary_for

    try:
        items = load_qa(args.qa)
        if args.kinds:
            kinds = {k.strip() for k in args.kinds.split(",") if k.strip()}
            items = [i for i in items if i.kind in kinds]
        if args.limit:
            items = items[: args.limit]
        if 0 < args.sample < len(items):
            items = spread(items, args.sample)
        if not items:
            print("error: no items selected", file=sys.stderr)
            return 2
        dialogues_path = args.dialogues or (HERE / "dialogues.jsonl" if args.gate else None)
        dialogues = load_dialogues(dialogues_path) if dialogues_path else None
        settings = Settings()
        progress = Progress(settings.progress and not args.quiet)
        assistant = Assistant.from_settings(settings)
        info = assistant.ensure_index(progress=progress)
        outcomes = run_assistant(assistant, items, progress=progress)
        summary = summary_for(outcomes)
        summary["index.build_s"] = round(info.seconds, 2)
        summary["index.built"] = info.built
        summary["embedder"] = assistant.embedder.name
        summary["store"] = info.location
        if dialogues:
            summary["dialogue"] = run_dialogues(assistant, dialogues, progress)
            summary["dialogue.turn_accuracy"] = summary["dialogue"]["dialogue.turn_accuracy"]
            summary["dialogue.citation.precision"] = summary["dialogue"]["dialogue.citation.precision"]
        baseline = None
        if not args.no_baseline:
            baseline = NaiveBaseline(settings.corpus_path, assistant.embedder, cache_dir=settings.index_dir,
                                     shipped=VectorPack(SHIPPED))
            baseline.build()
            summary["baseline"] = summary_for(run_baseline(baseline, items, progress))
            summary["baseline"]["index.build_s"] = round(baseline.build_s, 2)
            summary["baseline"]["index.cached"] = baseline.cached
            summary["baseline"]["index.shipped"] = baseline.shipped_count
        summary["sets"] = {}
        for name, path in extra.items():
            set_items = load_qa(path)
            set_outcomes = run_assistant(assistant, set_items, progress=progress, label=name)
            set_summary = summary_for(set_outcomes)
            set_summary.update(variant_gap(set_outcomes, outcomes))
            if baseline is not None:
                set_summary["baseline"] = summary_for(run_baseline(baseline, set_items, progress, f"{name} baseline"))
            write_report(args.out / "sets" / name, set_summary, set_items, set_outcomes)
            summary["sets"][name] = set_summary
        write_report(args.out, summary, items, outcomes)
    except (DatasetError, AssistantError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print(summary)
    for name, set_summary in summary["sets"].items():
        print(f"\n[{name}]")
        _print(set_summary)
    print(f"report: {args.out / 'report.md'}")
    if args.gate:
        problems = check_gate(summary, thresholds)
        if problems:
            print("EVAL GATE FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 1
        print("eval gate passed")
    return 0


def _extra_sets(also: list[str], configured: dict) -> dict[str, Path]:
    """NAME -> file of the further QA sets to run: ``--also`` if given, else the thresholds' [sets]."""
    out: dict[str, Path] = {}
    for spec in also:
        name, sep, path = spec.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise ValueError(f"--also expects NAME=FILE, got {spec!r}")
        out[name.strip()] = Path(path.strip())
    if not also:
        out = {name: HERE / str(path) for name, path in configured.items()}
    return out


def _print(summary: dict) -> None:
    from .report import HEADLINE

    base = summary.get("baseline", {})
    print(f"{'metric':28} {'assistant':>10} {'baseline':>10}")
    for key in HEADLINE:
        print(f"{key:28} {str(summary.get(key)):>10} {str(base.get(key, '')):>10}")
    if "dialogue.turn_accuracy" in summary:
        print(f"{'dialogue.turn_accuracy':28} {summary['dialogue.turn_accuracy']!s:>10}")
    if "variants.gap" in summary:
        print(f"{'variants.gap':28} {summary['variants.gap']!s:>10}")
    styles = summary.get("by_style", {})
    if len(styles) > 1:
        print("by style: " + ", ".join(f"{k} {v['answer.accuracy'] if v['answer.accuracy'] is not None else v['refusal.accuracy']}"
                                       f" (n={v['n']})" for k, v in styles.items()))


if __name__ == "__main__":
    start = time.perf_counter()
    code = main()
    print(f"eval finished in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    sys.exit(code)

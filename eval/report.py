"""Write ``summary.json``, ``report.md`` and ``report.png`` for an evaluation run."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from assistant.store import write_json_atomic, write_text_atomic

from .dataset import Item
from .metrics import Outcome

HEADLINE = (
    "retrieval.hit@1", "retrieval.hit@5", "retrieval.mrr@10", "answer.accuracy", "answer.accuracy_given_hit1",
    "citation.precision",
    "refusal.accuracy", "refusal.false_rate", "language.match", "latency_ms.p50", "latency_ms.p95",
    "answer.length_chars.p50", "answer.length_chars.p95",
)


def _fmt(value) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def _ratio(a, b) -> str:
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def write_report(out_dir: Path, summary: dict, items: list[Item], outcomes: list[Outcome]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out_dir / "summary.json", summary)
    questions = {i.id: i.question for i in items}
    rows = [{"question": questions.get(o.id, ""), **dataclasses.asdict(o)} for o in outcomes]
    write_text_atomic(out_dir / "outcomes.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    base = summary.get("baseline", {})
    lines = ["# Evaluation report", "", f"Items: {summary['n']} · index build: {summary.get('index.build_s')} s", "",
             "| metric | assistant | baseline | ratio |", "|---|---|---|---|"]
    for key in HEADLINE:
        lines.append(f"| {key} | {_fmt(summary.get(key))} | {_fmt(base.get(key))} | {_ratio(summary.get(key), base.get(key))} |")
    lines += ["", "## By kind", "", "| kind | n | hit@5 | accuracy | citation precision | refusal acc. | length p50 |",
              "|---|---|---|---|---|---|---|"]
    for kind, s in summary.get("by_kind", {}).items():
        lines.append(f"| {kind} | {s['n']} | {_fmt(s['retrieval.hit@5'])} | {_fmt(s['answer.accuracy'])} | "
                     f"{_fmt(s['citation.precision'])} | {_fmt(s['refusal.accuracy'])} | {_fmt(s['answer.length_chars.p50'])} |")
    lines += ["", "## By style", "", "| style | n | accuracy | given hit@1 | refusal acc. | false refusals |",
              "|---|---|---|---|---|---|"]
    for style, s in summary.get("by_style", {}).items():
        lines.append(f"| {style} | {s['n']} | {_fmt(s['answer.accuracy'])} | {_fmt(s['answer.accuracy_given_hit1'])} | "
                     f"{_fmt(s['refusal.accuracy'])} | {_fmt(s['refusal.false_rate'])} |")
    if "variants.gap" in summary:
        lines += ["", f"Variants: accuracy {_fmt(summary['variants.accuracy'])} against "
                  f"{_fmt(summary['variants.original_accuracy'])} for their original wording "
                  f"(gap {_fmt(summary['variants.gap'])}, {summary['variants.n']} variants)."]
    lines += ["", "## By language", "", "| lang | n | hit@5 | accuracy | language match |", "|---|---|---|---|---|"]
    for lang, s in summary.get("by_lang", {}).items():
        lines.append(f"| {lang} | {s['n']} | {_fmt(s['retrieval.hit@5'])} | {_fmt(s['answer.accuracy'])} | {_fmt(s['language.match'])} |")
    if "dialogue" in summary:
        d = summary["dialogue"]
        lines += ["", "## Dialogues", "", f"turn accuracy {_fmt(d['dialogue.turn_accuracy'])}, "
                  f"citation precision {_fmt(d['dialogue.citation.precision'])} over {d['dialogue.turns']} turns"]
    by_id = {i.id: i for i in items}
    failed = [o for o in outcomes if not o.correct]
    lines += ["", f"## Failed items ({len(failed)})", ""]
    for o in failed:
        item = by_id[o.id]
        expected = " AND ".join(item.must_contain) if item.answerable else "(a refusal)"
        lines += [f"### {o.id} ({o.kind}, {o.lang})", f"- question: {item.question}", f"- expected: {expected}",
                  f"- sources: {', '.join(item.sources) or '–'}", f"- got: {o.answer[:500]!r}",
                  f"- cited: {', '.join(o.cited) or '–'}; retrieved: {', '.join(o.retrieved[:5]) or '–'}", ""]
    for f in summary.get("dialogue", {}).get("failures", []):
        lines += [f"### dialogue {f['id']}", f"- question: {f['question']}", f"- expected: {f['expected']}",
                  f"- got: {f['got'][:300]!r}", ""]
    (out_dir / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _chart(out_dir / "report.png", summary)


def _chart(path: Path, summary: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["retrieval.hit@1", "retrieval.hit@5", "retrieval.mrr@10", "answer.accuracy", "citation.precision",
            "refusal.accuracy", "language.match"]
    base = summary.get("baseline", {})
    ours = [summary.get(k) or 0 for k in keys]
    theirs = [base.get(k) or 0 for k in keys]
    fig, ax = plt.subplots(figsize=(9, 4))
    x = range(len(keys))
    ax.bar([i - 0.2 for i in x], ours, 0.4, label="assistant")
    ax.bar([i + 0.2 for i in x], theirs, 0.4, label="naive baseline")
    ax.set_xticks(list(x), [k.replace(".", "\n", 1) for k in keys], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"Smart-City-Atlas assistant vs. naive baseline (n={summary['n']})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

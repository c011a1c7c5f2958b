""":class:`~assistant.insights.Insights` written out: Markdown, CSV, JSON lines, draft evaluation items
(JSON lines) and the admin page (``templates/insights.html``, with the questions per day as an SVG
chart drawn by matplotlib and the same numbers as a table)."""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path
from string import Template

from .insights import Insights

FORMATS = ("md", "csv", "jsonl", "drafts")
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8",
               "jsonl": "application/x-ndjson; charset=utf-8", "drafts": "application/x-ndjson; charset=utf-8"}
_TEMPLATES = Path(__file__).parent / "templates"
_STYLE = Path(__file__).parent / "static" / "statement.css"


def render(insights: Insights, fmt: str) -> str:
    """``insights`` as ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    return {"md": markdown, "csv": table_csv, "jsonl": json_lines, "drafts": drafts}[fmt](insights)


def _period(insights: Insights) -> str:
    if insights.per_day:
        return f"{insights.per_day[0][0].isoformat()} – {insights.per_day[-1][0].isoformat()}"
    return f"since {insights.since.isoformat()}" if insights.since else "no questions logged"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown(insights: Insights) -> str:
    i = insights
    out = [f"# Questions asked: {_period(i)}", "",
           f"- questions: {i.total}", f"- refused: {i.refused} ({i.refused_share:.1%})",
           f"- by channel: {', '.join(f'{k} {v}' for k, v in i.channels.items()) or '–'}",
           f"- by language: {', '.join(f'{k} {v}' for k, v in i.languages.items()) or '–'}",
           f"- thumbs down: {len(i.thumbs_down)}", "",
           "## Questions per day", "", "| day | questions | refused |", "|---|---:|---:|"]
    out += [f"| {day.isoformat()} | {total} | {refused} |" for day, total, refused in i.per_day]
    out += ["", f"## Most asked (grouped by {i.grouped_by})", "", "| questions | refused | question | also asked as |",
            "|---:|---:|---|---|"]
    out += [f"| {g.count} | {g.refused} | {_cell(g.question)} | {_cell(' · '.join(g.wordings))} |" for g in i.groups]
    out += ["", "## Refused questions", "", "| times | last asked | question | answer |", "|---:|---|---|---|"]
    out += [f"| {r['count']} | {r['created']} | {_cell(r['question'])} | {_cell(r['answer'])} |"
            for r in i.refused_questions]
    out += ["", "## Thumbs down", "", "| when | question | answer | comment |", "|---|---|---|---|"]
    out += [f"| {r['created']} | {_cell(r['question'])} | {_cell(r['answer'])} | {_cell(r['comment'])} |"
            for r in i.thumbs_down]
    return "\n".join(out) + "\n"


def _safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
    apostrophe: the questions come from the public (OWASP's advice against CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, buffer: io.StringIO) -> None:
        self._writer = csv.writer(buffer, lineterminator="\n")

    def writerow(self, row: list) -> None:
        self._writer.writerow([_safe(v) for v in row])


def table_csv(insights: Insights) -> str:
    """One long table: a row per day, group, refused question and thumbs-down, told apart by ``kind``."""
    buffer = io.StringIO()
    writer = _SafeWriter(buffer)
    writer.writerow(["kind", "date", "question", "count", "refused", "answer", "comment"])
    for day, total, refused in insights.per_day:
        writer.writerow(["day", day.isoformat(), "", total, refused, "", ""])
    for g in insights.groups:
        writer.writerow(["group", "", g.question, g.count, g.refused, "", ""])
    for r in insights.refused_questions:
        writer.writerow(["refused", r["created"], r["question"], r["count"], r["count"], r["answer"], ""])
    for r in insights.thumbs_down:
        writer.writerow(["thumbs_down", r["created"], r["question"], 1, "", r["answer"], r["comment"]])
    return buffer.getvalue()


def json_lines(insights: Insights) -> str:
    i = insights
    objects = [{"type": "summary", "period": _period(i), "questions": i.total, "refused": i.refused,
                "refused_share": round(i.refused_share, 4), "channels": i.channels, "languages": i.languages,
                "grouped_by": i.grouped_by}]
    objects += [{"type": "day", "date": d.isoformat(), "questions": t, "refused": r} for d, t, r in i.per_day]
    objects += [{"type": "group", "question": g.question, "count": g.count, "refused": g.refused,
                 "wordings": list(g.wordings)} for g in i.groups]
    objects += [{"type": "refused", **r} for r in i.refused_questions]
    objects += [{"type": "thumbs_down", **r} for r in i.thumbs_down]
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)


def drafts(insights: Insights) -> str:
    return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in insights.drafts)


def chart_svg(insights: Insights) -> str:
    """Questions per day (answered and refused stacked) as an inline SVG; empty without questions."""
    if not insights.per_day:
        return ""
    from matplotlib.figure import Figure  # no pyplot: no global state shared between requests

    days = [d.isoformat() for d, _, _ in insights.per_day]
    answered = [t - r for _, t, r in insights.per_day]
    refused = [r for _, _, r in insights.per_day]
    fig = Figure(figsize=(min(12, 3 + 0.35 * len(days)), 3.2))
    ax = fig.subplots()
    ax.bar(days, answered, color="#0b5cad", label="answered")
    ax.bar(days, refused, bottom=answered, color="#b3261e", label="refused", hatch="//", edgecolor="white")
    ax.set_ylabel("questions")
    ax.legend(frameon=False)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype: it sits inside the page
    return svg.replace("<svg ", '<svg role="img" aria-labelledby="chart-title" ', 1)


def _when(iso: str) -> str:
    """An ISO timestamp (UTC) to the minute, readable: 2026-11-27 09:00."""
    return iso.replace("T", " ")[:16]


def page(insights: Insights, since_value: str = "") -> str:
    """The admin page (English: the operator's page, not the public's)."""
    i = insights
    esc = html.escape

    def rows(items, cells) -> str:
        return "".join("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in cells(item)) + "</tr>" for item in items)

    query = f"&amp;since={esc(since_value)}" if since_value else ""
    return Template((_TEMPLATES / "insights.html").read_text(encoding="utf-8")).substitute(
        style=_STYLE.read_text(encoding="utf-8"), period=esc(_period(i)), since=esc(since_value),
        total=i.total, refused=i.refused, share=f"{i.refused_share:.1%}", down=len(i.thumbs_down),
        channels=esc(", ".join(f"{k} {v}" for k, v in i.channels.items()) or "–"),
        languages=esc(", ".join(f"{k} {v}" for k, v in i.languages.items()) or "–"),
        chart=chart_svg(i) or "<p>No questions logged in this period.</p>",
        days=rows(i.per_day, lambda d: (d[0].isoformat(), d[1], d[2])),
        grouped_by=esc(i.grouped_by),
        groups=rows(i.groups, lambda g: (g.count, g.refused, g.question, " · ".join(g.wordings))),
        refused_rows=rows(i.refused_questions, lambda r: (r["count"], _when(r["created"]), r["question"], r["answer"])),
        down_rows=rows(i.thumbs_down, lambda r: (_when(r["created"]), r["question"], r["answer"], r["comment"])),
        drafts=len(i.drafts), query=query)

"""Tables and bar charts for answers that compare, rank or list, and for the "Atlas at a glance"
page. Plain pandas frames; the UI only displays them."""

from __future__ import annotations

import html
import re

import pandas as pd

from .ui_text import label

_NUMBER = re.compile(r"^\d{1,3}(?:[.,\u202f\u00a0 ]\d{3})*(?:[.,]\d+)?$|^\d+(?:[.,]\d+)?$")


def parse_number(text: str, lang: str) -> float | None:
    """A figure as the assistant writes it (246.272 in German, 246,272 in English), or None."""
    text = (text or "").strip()
    if not _NUMBER.match(text):
        return None
    thousands, decimal = (".", ",") if lang == "de" else (",", ".")
    cleaned = re.sub(r"[\u202f\u00a0 ]", "", text).replace(thousands, "").replace(decimal, ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


def answer_table(answer) -> pd.DataFrame | None:
    """The answer's table (header row first) as a frame, or None when it has none."""
    if len(answer.table) < 2:
        return None
    header = [h or "[n]" for h in answer.table[0]]
    rows = [list(r) + [""] * (len(header) - len(r)) for r in answer.table[1:]]
    return pd.DataFrame(rows, columns=_unique(header))


def answer_chart(answer, report=None) -> pd.DataFrame | None:
    """Two columns (label, value) for a bar chart of an answer that compares or ranks, or None.

    From the answer's table: its first column and first numeric column. Without a table, a
    figures answer citing two or more city profiles is charted by their population."""
    if answer.refused:
        return None
    lang = answer.language
    if len(answer.table) >= 3:
        header, rows = answer.table[0], answer.table[1:]
        for col in range(1, len(header)):
            values = [parse_number(r[col] if col < len(r) else "", lang) for r in rows]
            if all(v is not None for v in values):
                return pd.DataFrame({header[0] or label(lang, "col_city"): [r[0] for r in rows],
                                     header[col]: values})
        return None
    if answer.mode != "figures" or report is None:
        return None
    cities = [c for c in dict.fromkeys(c.source for c in answer.citations) if report.city(c) is not None]
    if len(cities) < 2:
        return None
    return pd.DataFrame({label(lang, "col_city"): cities,
                         label(lang, "col_population"): [float(report.city(c).population) for c in cities]})


def chart_source(answer, report=None) -> str:
    """The citation line under an answer's chart: the sources of its cited passages (a city's
    profile named as such when the report is known)."""
    def name(source: str) -> str:
        if report is not None and report.city(source) is not None:
            return label(answer.language, "source_profile", city=source)
        return source

    sources = ", ".join(name(s) for s in dict.fromkeys(c.source for c in answer.citations))
    return label(answer.language, "chart_source", sources=sources) if sources else ""


def chart_table_html(frame: pd.DataFrame, lang: str, table_id: str, caption: str) -> str:
    """A chart's values as a folded HTML table with header cells: the chart's text alternative
    (chat.js describes the chart by the table's id). One line, so that Markdown passes it through."""
    def text(value) -> str:  # escaped for an element's content
        return html.escape(str(value), quote=False)

    summary, caption = text(label(lang, "chart_data")), text(caption)
    head = "".join(f'<th scope="col">{text(c)}</th>' for c in frame.columns)
    rows = []
    for row in frame.itertuples(index=False):
        name, *values = row
        cells = "".join(f'<td class="number">{text(format_number(v, lang))}</td>' for v in values)
        rows.append(f'<tr><th scope="row">{text(name)}</th>{cells}</tr>')
    return (f'<details class="chart-data"><summary>{summary}</summary><table id="{table_id}"><caption>{caption}'
            f'</caption><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></details>')


def format_number(value, lang: str) -> str:
    """A figure as the assistant writes it: 246.272 and 1,5 in German, 246,272 and 1.5 in English."""
    if not isinstance(value, (int, float)):
        return str(value)
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
    return text.translate(str.maketrans(",.", ".,")) if lang == "de" else text


SORTABLE = ("col_city", "col_population", "col_area", "col_density")  # the city table's orders


def sort_choices(lang: str) -> list[tuple[str, str]]:
    """The city table's orders as (label, value) for a dropdown, the sort that works by keyboard alone
    (Gradio's column menu does not): value ``"col_population:desc"`` and so on."""
    return [(f"{label(lang, key)} – {label(lang, 'sort_' + way)}", f"{key}:{way}")
            for key in SORTABLE for way in ("asc", "desc")]


def city_figures(report, lang: str = "de", order: str | None = None) -> pd.DataFrame:
    """The 50 cities: name, population, area, density and the profile each row is taken from; in the
    report's order, or in ``order`` (a value of :func:`sort_choices`)."""
    rows = []
    for city in report.cities:
        density = round(city.population / city.area_km2) if city.area_km2 else None
        rows.append((city.name, city.population, city.area_km2, density,
                     label(lang, "source_profile", city=city.name)))
    columns = [label(lang, k) for k in ("col_city", "col_population", "col_area", "col_density", "col_source")]
    frame = pd.DataFrame(rows, columns=columns)
    if not order:
        return frame
    key, _, way = order.partition(":")
    if key not in SORTABLE or way not in ("asc", "desc"):
        raise ValueError(f"unknown order {order!r}: use a value of sort_choices()")
    return frame.sort_values(label(lang, key), ascending=way == "asc", kind="stable").reset_index(drop=True)


def projects_per_field(report, lang: str = "de") -> pd.DataFrame:
    """Lighthouse projects per Handlungsfeld as Anhang A states them (counted from its list when
    it states none)."""
    counts = dict(report.appendix_counts)
    if not counts:
        for entry in report.appendix:
            counts[entry.field] = counts.get(entry.field, 0) + 1
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return pd.DataFrame({label(lang, "col_field"): [k for k, _ in items],
                         label(lang, "col_projects"): [v for _, v in items]})


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


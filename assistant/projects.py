"""Lighthouse projects across the report: listings and counts by Handlungsfeld or keyword.

Counts per Handlungsfeld are the ones Anhang A states; listings cite Anhang A and,
for keyword searches, each project's own city profile.
"""

from __future__ import annotations

import re

from .messages import say
from .types import Answer, Citation, Report

FIELD_NAMES = {
    "Bildung": r"bildung|education|schule|school",
    "Datenplattform": r"datenplattform|data platform|datenplattformen",
    "Energie & Umwelt": r"energie|umwelt|energy|environment",
    "Gesellschaft": r"gesellschaft|society|social",
    "Gesundheit": r"gesundheit|health|pflege|care",
    "Handel": r"\bhandel|retail|commerce|trade",
    "IT-Infrastruktur": r"it-infrastruktur|it infrastructure|infrastruktur|infrastructure",
    "Mobilität": r"mobilit|verkehr|mobility|transport",
    "Sicherheit": r"sicherheit|security|safety",
    "Verwaltung": r"verwaltung|administration|e-government|government",
}
_PROJECT = re.compile(r"projekt|project|leuchtt[uü]rm|lighthouse", re.I)
_COUNT = re.compile(r"\bwie ?viele\b|\bhow many\b|\banzahl\b|\bnumber of\b", re.I)
_LIST = re.compile(r"\bwelche\b|\bwhich\b|\bliste|\blist\b|\bwhat\b|\bgibt es\b|\bnenne|\bname\b|\bshow\b", re.I)


class ProjectAnswerer:
    """Answers listing and counting questions about lighthouse projects per Handlungsfeld."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.by_field: dict[str, list] = {}
        for entry in report.appendix:
            self.by_field.setdefault(entry.field, []).append(entry)
        self.sections = {s.section: s for s in report.chapters if s.source == "Anhang A"}

    @staticmethod
    def field_of(question: str) -> str | None:
        found = [f for f, pattern in FIELD_NAMES.items() if re.search(pattern, question, re.I)]
        return found[0] if len(found) == 1 else None

    def run(self, question: str, lang: str, cities: list[str]) -> Answer | None:
        if not _PROJECT.search(question) or cities:
            return None
        field = self.field_of(question)
        if field is None or field not in self.by_field:
            return None
        section = self.sections.get(f"Handlungsfeld {field}")
        if section is None:
            return None
        cite = Citation(1, "Anhang A", section.section, section.text, section.text)
        count = self.report.appendix_counts.get(field, len(self.by_field[field]))
        if _COUNT.search(question):
            text = say(lang, "projects_count", field=field, count=count, ref="[1]")
            return Answer(question, text, lang, False, (cite,), mode="projects")
        if not _LIST.search(question):
            return None
        where = say(lang, "projects_where_field", field=field)
        lines = [say(lang, "projects_head", count=count, where=where) + " [1]"]
        for entry in self.by_field[field]:
            lines.append(f"- {entry.title} ({entry.city})")
        rows = ((say(lang, "col_city"), "Projekt" if lang == "de" else "Project"),
                *((e.city, e.title) for e in self.by_field[field]))
        return Answer(question, "\n".join(lines), lang, False, (cite,), mode="projects", table=tuple(rows))

"""The report pack's structure file (``pack/report.toml``): what the engine knows of this report's layout.

Profile sections and the kinds of question each answers, the Handlungsfelder and their everyday words,
the words for a lighthouse project. Read once and checked (an unknown table or a pattern that does not
compile is an error naming the file and key); the engine keeps no such names in its code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPORT_PACK_PATH = Path(__file__).parent / "pack" / "report.toml"


@dataclass(frozen=True)
class ReportPack:
    sections: tuple[tuple[re.Pattern, str], ...]  # (the words of questions it answers, section name)
    fields: dict[str, str]  # Handlungsfeld -> the pattern of its words (kept as text: chat.py builds on it)
    lighthouse: re.Pattern  # a lighthouse project, by any of its names
    projects: re.Pattern  # any word for a project
    names: re.Pattern  # the report's own names ("Smart-City-Atlas", "Studie")
    year: int = 0  # the year the report appeared
    parts: re.Pattern | None = None  # its parts a question may cite as its source ("Querschnittsanalyse")

    def years_since(self, text: str) -> list[str]:
        """The years from the report's own on that a text names ("2019", "2020"): the report can know of
        them only as plans."""
        return [y for y in re.findall(r"\b(?:19|20)\d\d\b", text) if int(y) >= self.year]

    def without_names(self, text: str) -> str:
        """The text with the report's names dropped where they qualify the cities asked about ("Welche
        Atlas-Städte", "Städte im Atlas", "cities covered by the report"): they are all the report's cities."""
        names = self.names.pattern
        cities = r"st[äa]dte\w*|kommunen|cities|city|towns|municipalities"
        text = re.sub(rf"\b(?:{names})[- ]?(?=(?:{cities})\b)", "", text, flags=re.I)
        cities = r"\w*st[äa]dte\w*|\w*kommunen|cities|city|towns|municipalities"  # "Großstädte im Atlas" too
        qualifier = (r"(?:(?:im|in|aus|laut|gemäß|des|der|in|from|of|covered by|according to|listed in)\s+)?"
                     r"(?:(?:dem|der|des|den|the|this|your)\s+)?")
        return re.sub(rf"\b({cities})\s+{qualifier}(?:{names})\b", r"\1", text, flags=re.I)

    def without_attribution(self, text: str) -> str:
        """The question without the words that cite the report or one of its parts as the source of what is
        asked ("laut Querschnittsanalyse", "according to the study", "im Atlas"): they name no content, and
        would only pull the answer toward the methods chapter that names the analysis."""
        cited = self.names.pattern + (f"|{self.parts.pattern}" if self.parts is not None else "")
        return re.sub(rf"\b(?:laut|gemäß|gemaess|nach|according to|as per|in|im|from)\s+(?:(?:der|dem|den|the|this)\s+)?"
                      rf"(?:[\w-]+[- ])?(?:{cited})\b", " ", text, flags=re.I)

    @classmethod
    def load(cls, path: Path = REPORT_PACK_PATH) -> ReportPack:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
        missing = {"sections", "fields", "lighthouse", "report"} - set(data)
        if missing:
            raise ValueError(f"{path}: missing table(s) {sorted(missing)}")

        def pattern(key: str, text: object) -> re.Pattern:
            if not isinstance(text, str) or not text:
                raise ValueError(f"{path}: {key} must be a non-empty pattern, got {text!r}")
            try:
                return re.compile(text, re.I)
            except re.error as exc:
                raise ValueError(f"{path}: {key} is not a valid pattern: {exc}") from exc

        def year(value: object) -> int:
            if not isinstance(value, int) or not 1900 < value < 2200:
                raise ValueError(f"{path}: report.year must be the year the report appeared, got {value!r}")
            return value

        sections = tuple((pattern(f"sections.{name}", text), name) for name, text in data["sections"].items())
        fields = {name: pattern(f"fields.{name}", text).pattern for name, text in data["fields"].items()}
        light = data["lighthouse"]
        return cls(sections, fields, pattern("lighthouse.words", light.get("words")),
                   pattern("lighthouse.projects", light.get("projects")),
                   pattern("report.names", data["report"].get("names")), year(data["report"].get("year")),
                   pattern("report.parts", data["report"].get("parts")))


@cache
def report_pack() -> ReportPack:
    """The shipped report's pack, read on first use."""
    return ReportPack.load()

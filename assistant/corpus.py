"""Parse the markdown conversion of the Smart-City-Atlas into structured documents.

The conversion is irregular, so structure is recognised by content, not by heading
level: a city starts at a heading followed by an ``Einwohner`` line, chapters by their
numbered titles, and everything before chapter 1 (front matter, table of contents,
partners) and from Anhang B on (photo credits, advertising) is left out.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from .errors import CorpusError
from .types import AppendixEntry, CityProfile, Project, Report, Section

CHAPTERS = (
    "1 Einleitung",
    "2 Methodisches Vorgehen",
    "3 Steckbriefe",
    "4.1 Motivation und Zielsetzungen",
    "4.2 Handlungsfelder",
    "4.3 Institutionalisierungsgrad",
    "4.4 Bürgerbeteiligung und Zivilgesellschaft",
    "4.5 Herausforderungen",
    "4.6 Erfahrungen und Handlungsempfehlungen",
    "5 Fazit und Ausblick",
    "Anhang A",
)

# Normalised heading title -> canonical chapter (None ends the content).
_CHAPTER_PATTERNS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"^1 Einleitung$"), CHAPTERS[0]),
    (re.compile(r"^2 Methodisches Vorgehen$"), CHAPTERS[1]),
    (re.compile(r"^3 Steckbriefe$"), CHAPTERS[2]),
    (re.compile(r"^4 Querschnittsanalyse$"), CHAPTERS[3]),
    (re.compile(r"^4\.1 "), CHAPTERS[3]),
    (re.compile(r"^4\.2 "), CHAPTERS[4]),
    (re.compile(r"^4\.3 "), CHAPTERS[5]),
    (re.compile(r"^4\.4 "), CHAPTERS[6]),
    (re.compile(r"^4\.5 "), CHAPTERS[7]),
    (re.compile(r"^4\.6 "), CHAPTERS[8]),
    (re.compile(r"^5 Fazit"), CHAPTERS[9]),
    (re.compile(r"^Anhang$"), None),
    (re.compile(r"^Anhang A\b"), CHAPTERS[10]),
    (re.compile(r"^Anhang B\b"), None),
    (re.compile(r"^DIGITIZE PUBLIC SERVICES$"), None),
)

PROFILE_SECTIONS = (
    "Organisationsstruktur",
    "Meilensteine",
    "Motivation & Zielsetzung",
    "Stakeholder & Beteiligung",
    "Chancen & Herausforderungen",
    "Projektbeispiele",
    "Kommunikation & Netzwerke",
    "Wettbewerbe & Förderprogramme",
    "Weiterführende Informationen",
)
_DROPPED_PROFILE_SECTIONS = {"Weiterführende Informationen"}
FIGURES_SECTION = "Einwohner und Fläche"

HANDLUNGSFELDER = (
    "Bildung",
    "Datenplattform",
    "Energie & Umwelt",
    "Gesellschaft",
    "Gesundheit",
    "Handel",
    "IT-Infrastruktur",
    "Mobilität",
    "Sicherheit",
    "Verwaltung",
)

_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*$")
_POPULATION = re.compile(r"Einwohner:\s*([\d.]+)")
_AREA = re.compile(r"Fläche in km(?:<sup>2</sup>|²|2):\s*([\d.]+)")
_PROJECT_HEADING = re.compile(r"^(?P<title>.+?)\s*\((?P<fields>[^()]+)\)\s*:?\s*$")
_ICON_ROW = re.compile(r"^(Bildung\tDaten|Handel\tIT)")
_NOISE_LINE = re.compile(r"^(---+|—+|–+|\s*|(Abbildung|Tabelle) \d+\s*[–-].*|↗.*)$")
_TAG = re.compile(r"<[^>]+>")
_SUP = re.compile(r"<sup>\s*\d+\s*</sup>")
_TERMINAL = re.compile(r"[.!?:;»«\"“”)]\s*$")
_HYPHEN_SPLIT = re.compile(r"(\w{2,})- (?!(?:und|oder|bzw|sowie|bis|als)\b)([a-zäöüß]\w+)")


def normalise_title(raw: str) -> str:
    """A heading's title without markdown emphasis, HTML, page numbers or extra spaces."""
    title = _TAG.sub("", raw).replace("*", "").strip()
    title = re.sub(r"\s*\.{3,}\s*\d*\s*$", "", title)
    return re.sub(r"\s+", " ", title).strip()


def parse_int(text: str) -> int:
    """German thousands notation to an integer: ``"246.272"`` -> 246272."""
    digits = text.replace(".", "").replace(" ", "")
    if not digits.isdigit():
        raise CorpusError(f"not a whole number: {text!r}")
    return int(digits)


def _de_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def clean_inline(text: str) -> str:
    """Plain text of one line: tags, footnote markers, bold markers and links removed."""
    text = _SUP.sub("", text)
    text = re.sub(r"</li>\s*<li>", "; ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.replace("**", "").replace("▪", "").replace("\t", " ")
    text = _HYPHEN_SPLIT.sub(r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip()


def join_paragraphs(lines: list[str]) -> list[str]:
    """Group lines into paragraphs and rejoin sentences split across page breaks.

    A paragraph that does not end a sentence is continued by the next plain paragraph;
    footnotes that the page break put between the two halves are moved behind them.
    """
    paras: list[str] = []
    cur: list[str] = []
    for line in lines + [""]:
        if line.strip():
            cur.append(line.strip())
        elif cur:
            paras.append(" ".join(cur))
            cur = []
    out: list[str] = []
    held: list[str] = []  # footnotes waiting for the split sentence to close
    for para in paras:
        is_footnote = para.startswith("<sup>")
        # A footnote never continues into the text after it (it ends without a full stop often).
        if out and not is_footnote and not out[-1].startswith("<sup>") and _continues(out[-1], para):
            prev = out.pop()
            if prev.endswith("-"):
                para = (prev[:-1] if para[:1].islower() else prev) + para
            else:
                para = prev + " " + para
            out.append(para)
            out.extend(held)
            held = []
            continue
        if is_footnote and out and not _TERMINAL.search(_SUP.sub("", out[-1])):
            held.append(para)
            continue
        out.extend(held)
        held = []
        out.append(para)
    out.extend(held)
    return out


def _continues(prev: str, para: str) -> bool:
    prev_plain = _SUP.sub("", prev).rstrip()
    if not prev_plain or prev_plain.startswith(("<", "|", "-", "*")) or "\t" in prev_plain:
        return False
    if para.startswith(("<", "|", "-", "*", "#")) or "\t" in para:
        return False
    if _TERMINAL.search(prev_plain):
        return False
    # A cut sentence ends without punctuation and is long; short lines are labels.
    return len(prev_plain) > 60


class ReportParser:
    """Turns the report's markdown into a :class:`Report`."""

    def __init__(self, expected_cities: int = 50) -> None:
        if expected_cities < 1:
            raise ValueError(f"expected_cities must be positive, got {expected_cities}")
        self.expected_cities = expected_cities

    def run(self, text: str) -> Report:
        lines = text.replace("\r\n", "\n").split("\n")
        anchors = self._anchors(lines)
        if not anchors:
            raise CorpusError("no chapter or city profile found: is this the Smart-City-Atlas?")
        cities: list[CityProfile] = []
        chapters: list[Section] = []
        appendix: list[AppendixEntry] = []
        appendix_counts: dict[str, int] = {}
        for i, (start, kind, name) in enumerate(anchors):
            end = anchors[i + 1][0] if i + 1 < len(anchors) else len(lines)
            if name is None:
                continue
            body = lines[start + 1 : end]
            if kind == "city":
                cities.append(self._city(name, body))
            elif name == "Anhang A":
                sections, entries, counts = self._appendix(body)
                chapters.extend(sections)
                appendix.extend(entries)
                appendix_counts.update(counts)
            else:
                heading = normalise_title(_HEADING.match(lines[start]).group(2))
                chapters.extend(self._chapter(name, heading, body))
        if len(cities) != self.expected_cities:
            raise CorpusError(f"expected {self.expected_cities} city profiles, found {len(cities)}")
        names = {c.name for c in cities}
        appendix = [self._canonical_entry(e, names) for e in appendix]
        ordered = self._order(chapters)
        return Report(tuple(cities), tuple(ordered), tuple(appendix), appendix_counts)

    def source_at(self, text: str) -> list[tuple[int, str | None]]:
        """(character offset, canonical source or None) where each region of ``text`` starts."""
        lines = text.replace("\r\n", "\n").split("\n")
        offsets = [0]
        for line in lines:
            offsets.append(offsets[-1] + len(line) + 1)
        return [(offsets[no], name) for no, _, name in self._anchors(lines)]

    # -- structure -----------------------------------------------------------------
    def _anchors(self, lines: list[str]) -> list[tuple[int, str, str | None]]:
        anchors: list[tuple[int, str, str | None]] = []
        started = False
        for no, line in enumerate(lines):
            m = _HEADING.match(line)
            if not m:
                continue
            title = normalise_title(m.group(2))
            if "....." in m.group(2):
                continue  # table of contents
            chapter = self._chapter_of(title)
            if chapter is not False:
                if chapter == CHAPTERS[0]:
                    started = True
                if not started:
                    continue
                if anchors and anchors[-1][2] == chapter and anchors[-1][1] == "chapter":
                    if chapter is None or not title.startswith("4."):
                        continue  # duplicated heading of the same chapter
                anchors.append((no, "chapter", chapter))
            elif started and self._is_city_heading(lines, no):
                anchors.append((no, "city", title))
        return anchors

    @staticmethod
    def _chapter_of(title: str) -> str | None | bool:
        for pattern, chapter in _CHAPTER_PATTERNS:
            if pattern.search(title):
                return chapter
        return False

    @staticmethod
    def _is_city_heading(lines: list[str], no: int) -> bool:
        seen = 0
        for line in lines[no + 1 :]:
            if not line.strip():
                continue
            if _POPULATION.search(line):
                return True
            seen += 1
            if seen >= 2 or line.startswith("#"):
                return False
        return False

    # -- profiles ------------------------------------------------------------------
    def _city(self, name: str, body: list[str]) -> CityProfile:
        population = area = None
        current = ""
        buckets: list[tuple[str, list[str]]] = []
        projects: list[tuple[str, tuple[str, ...], list[str]]] = []
        for line in body:
            if population is None and (m := _POPULATION.search(line)):
                population = parse_int(m.group(1))
                continue
            if area is None and (m := _AREA.search(line)):
                area = parse_int(m.group(1))
                continue
            if _ICON_ROW.match(line):
                continue  # the PDF's identical icon legend: says nothing about the city
            hm = _HEADING.match(line)
            if hm:
                title = normalise_title(hm.group(2))
                if title in PROFILE_SECTIONS:
                    current = title
                    buckets.append((title, []))
                    continue
                pm = _PROJECT_HEADING.match(title)
                if current == "Projektbeispiele" and pm:
                    fields = tuple(self._fields(pm.group("fields")))
                    projects.append((pm.group("title").strip(), fields, []))
                    continue
                if not title:
                    continue
            if current == "Projektbeispiele" and projects:
                projects[-1][2].append(line)
            elif buckets:
                buckets[-1][1].append(line)
        if population is None or area is None:
            raise CorpusError(f"profile {name!r} has no Einwohner or Fläche line")
        figures = f"Einwohner: {_de_int(population)}. Fläche in km²: {_de_int(area)}."
        sections: list[Section] = [Section(name, FIGURES_SECTION, "profile", figures, city=name, order=0)]
        order = 0
        for title, lines in buckets:
            if title in _DROPPED_PROFILE_SECTIONS or title == "Projektbeispiele":
                continue
            text = self._text(lines)
            if text:
                order += 1
                sections.append(Section(name, title, "profile", text, city=name, order=order))
        project_objs = []
        for title, fields, lines in projects:
            text = self._text(lines)
            project_objs.append(Project(name, title, fields, text))
            order += 1
            label = f"Projektbeispiele: {title} ({', '.join(fields)})"
            sections.append(Section(name, label, "profile", text, city=name, order=order))
        return CityProfile(name, population, area, tuple(sections), tuple(project_objs))

    @staticmethod
    def _fields(raw: str) -> list[str]:
        out = []
        for part in re.split(r"\s*[,/]\s*", raw):
            part = part.strip().replace("Energie und Umwelt", "Energie & Umwelt")
            part = part.replace("IT- Infrastruktur", "IT-Infrastruktur")
            if part:
                out.append(part)
        return out

    # -- chapters ------------------------------------------------------------------
    def _chapter(self, name: str, heading: str, body: list[str]) -> list[Section]:
        sections: list[Section] = []
        current = heading
        lines: list[str] = []

        def flush() -> None:
            text = self._text(lines)
            if text:
                sections.append(Section(name, current, "chapter", text))

        for line in body:
            hm = _HEADING.match(line)
            if hm:
                title = normalise_title(hm.group(2))
                if title and self._text(lines):
                    flush()
                    lines = []
                if title:
                    current = title
                continue
            lines.append(line)
        flush()
        return sections

    def _appendix(self, body: list[str]) -> tuple[list[Section], list[AppendixEntry], dict[str, int]]:
        entries: list[AppendixEntry] = []
        counts: dict[str, int] = {}
        blocks: list[tuple[str, list[str]]] = []
        field_re = re.compile(r"Leuchtturmprojekte? zum Handlungsfeld ([^\t<]+)")
        for line in body:
            m = field_re.search(line)
            if m:
                field = self._fields(normalise_title(m.group(1)))[0]
                blocks.append((field, []))
                continue
            if blocks:
                blocks[-1][1].append(line)
        sections: list[Section] = []
        item_re = re.compile(r"(?:<li>\s*▪?|^\s*-\s+(?!\|))\s*([^<]+?)\s*\(([^()]+)\)\s*(?:</li>|$)")
        for field, lines in blocks:
            titles: list[str] = []
            for line in lines:
                if (m := re.search(r"(\d+)\s+Projekte?", _TAG.sub("", line))) and field not in counts:
                    counts[field] = int(m.group(1))
                for im in item_re.finditer(line.replace("</li>", "</li>\n")):
                    title, city = clean_inline(im.group(1)), clean_inline(im.group(2))
                    entries.append(AppendixEntry(field, title, city, city))
                    titles.append(f"{title} ({city})")
            n = counts.get(field, len(titles))
            text = f"Leuchtturmprojekte zum Handlungsfeld {field}: {n} Projekte: " + "; ".join(titles) + "."
            sections.append(Section("Anhang A", f"Handlungsfeld {field}", "appendix", text))
        return sections, entries, counts

    @staticmethod
    def _canonical_entry(entry: AppendixEntry, names: set[str]) -> AppendixEntry:
        canonical = canonical_city(entry.city_as_written, names)
        return AppendixEntry(entry.field, entry.title, canonical, entry.city_as_written)

    @staticmethod
    def _order(chapters: list[Section]) -> list[Section]:
        """Chapters 1-3 come before the profiles (order < 300), the rest after."""
        out = []
        for i, s in enumerate(chapters):
            before = s.source in CHAPTERS[:3]
            out.append(Section(s.source, s.section, s.kind, s.text, s.city, i if before else 300 + i))
        return out

    @staticmethod
    def _text(lines: list[str]) -> str:
        kept = ["" if _NOISE_LINE.match(ln.strip()) or _ICON_ROW.match(ln) else ln for ln in lines]
        paras = [clean_inline(p) for p in join_paragraphs(kept)]
        return "\n\n".join(p for p in paras if p)


def canonical_city(written: str, names: set[str]) -> str:
    """Map a spelling used in Anhang A ("Freiburg", "Bergisch Gladbach") to its profile name."""
    if written in names:
        return written
    key = re.sub(r"[\s-]+", " ", written).strip().lower()
    for name in names:
        if re.sub(r"[\s-]+", " ", name).lower() == key:
            return name
    for name in names:
        if name.lower().startswith(key + " "):
            return name
    raise CorpusError(f"Anhang A names a city that has no profile: {written!r}")


def load_report(path: Path) -> Report:
    """Read and parse the report at ``path``; a missing or foreign file is a CorpusError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CorpusError(f"report not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise CorpusError(f"report is not UTF-8 text: {path}") from exc
    return ReportParser().run(text)


def corpus_hash(path: Path) -> str:
    """SHA-256 of the report file, used in the index manifest."""
    return hashlib.sha256(path.read_bytes()).hexdigest()

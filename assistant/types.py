"""The app's own small, frozen data types that flow between the stages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Project:
    """One lighthouse project (Leuchtturmprojekt) of a city profile."""

    city: str
    title: str
    fields: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Section:
    """One section of the report: a profile section, a project or a chapter part."""

    source: str  # canonical source name: a city heading or a chapter name
    section: str
    kind: str  # "profile" | "chapter" | "appendix"
    text: str
    city: str = ""
    order: int = 0


@dataclass(frozen=True)
class CityProfile:
    """One of the 50 city profiles (Steckbriefe)."""

    name: str
    population: int
    area_km2: int
    sections: tuple[Section, ...]
    projects: tuple[Project, ...]


@dataclass(frozen=True)
class AppendixEntry:
    """One line of Anhang A: a project listed under a Handlungsfeld with its city."""

    field: str
    title: str
    city: str  # canonical city name
    city_as_written: str


@dataclass(frozen=True)
class Report:
    """The parsed Smart-City-Atlas."""

    cities: tuple[CityProfile, ...]
    chapters: tuple[Section, ...]
    appendix: tuple[AppendixEntry, ...]
    appendix_counts: dict[str, int] = field(default_factory=dict)

    @property
    def sections(self) -> tuple[Section, ...]:
        """Every content section of the report, in reading order."""
        out: list[Section] = [s for s in self.chapters if s.order < 300]
        for city in self.cities:
            out.extend(city.sections)
        out.extend(s for s in self.chapters if s.order >= 300)
        return tuple(out)

    def city(self, name: str) -> CityProfile | None:
        """The profile with this canonical name, or None."""
        for c in self.cities:
            if c.name == name:
                return c
        return None


@dataclass(frozen=True)
class Chunk:
    """A piece of a section as it is indexed."""

    id: str
    source: str
    section: str
    kind: str
    text: str
    city: str = ""

    @property
    def embed_text(self) -> str:
        """The text that is embedded and BM25-indexed: prefixed with where it stands."""
        where = self.city or self.source
        return f"{where} – {self.section}: {self.text}"

    def metadata(self) -> dict[str, str]:
        return {"source": self.source, "section": self.section, "kind": self.kind, "city": self.city}


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    sparse_rank: int | None = None
    similarity: float | None = None  # cosine similarity of question and chunk, if known


@dataclass(frozen=True)
class Citation:
    """A numbered citation of an answer."""

    n: int
    source: str
    section: str
    text: str  # the cited passage
    quote: str = ""  # the sentences that were quoted from it
    chunk_id: str = ""

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "source": self.source,
            "section": self.section,
            "text": self.text,
            "quote": self.quote,
        }


@dataclass(frozen=True)
class Answer:
    """The assistant's answer to one question."""

    question: str
    text: str
    language: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    retrieved: tuple[Hit, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str = "extractive"
    table: tuple[tuple[str, ...], ...] = ()  # optional rows for comparisons, header first
    conversation_id: str | None = None
    grounded: bool = True  # every sentence cited and every number/name found in its cited passages
    check: dict = field(default_factory=dict)  # the grounding check's result for generated answers
    notice: str = ""  # e.g. that the language model was unreachable and the extractive answer is shown
    listed: tuple[tuple[str, str], ...] = ()  # (city, project title) the answer lists, for "das erste"
    project: tuple[str, str] | None = None  # (city, title) of the one project the answer is about

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.text,
            "language": self.language,
            "refused": self.refused,
            "mode": self.mode,
            "conversation_id": self.conversation_id,
            "grounded": self.grounded,
            "check": self.check,
            "notice": self.notice,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [
                {"source": h.chunk.source, "section": h.chunk.section, "score": round(h.score, 5)}
                for h in self.retrieved
            ],
            "table": [list(r) for r in self.table],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


@dataclass(frozen=True)
class Delta:
    """A piece of a streamed answer. ``replace`` means: discard what was shown so far, show ``text``."""

    text: str
    replace: bool = False

"""Chunk the parsed report along its structure: one section or project per chunk."""

from __future__ import annotations

import hashlib

from .text import split_sentences
from .types import Chunk, Report, Section

CHUNKER_VERSION = "structure-v2"  # v2: abbreviations after a bracket end no sentence


class StructureChunker:
    """One chunk per section; long sections are split at paragraphs, then sentences."""

    def __init__(self, max_chars: int = 1200) -> None:
        if max_chars < 200:
            raise ValueError(f"max_chars must be at least 200, got {max_chars}")
        self.max_chars = max_chars

    @property
    def version(self) -> str:
        return f"{CHUNKER_VERSION}-{self.max_chars}"

    def run(self, report: Report) -> list[Chunk]:
        chunks: list[Chunk] = []
        for section in report.sections:
            chunks.extend(self.chunk_section(section))
        return chunks

    def chunk_section(self, section: Section) -> list[Chunk]:
        parts = self._split(section.text)
        return [
            Chunk(
                id=_chunk_id(section, i),
                source=section.source,
                section=section.section,
                kind=section.kind,
                text=part,
                city=section.city,
            )
            for i, part in enumerate(parts)
        ]

    def _split(self, text: str) -> list[str]:
        if len(text) <= self.max_chars:
            return [text]
        units: list[str] = []
        for para in text.split("\n\n"):
            if len(para) <= self.max_chars:
                units.append(para)
            else:
                units.extend(split_sentences(para))
        parts: list[str] = []
        buf = ""
        for unit in units:
            sep = "\n\n" if "\n\n" in text and unit in text.split("\n\n") else " "
            if buf and len(buf) + len(unit) + 2 > self.max_chars:
                parts.append(buf)
                buf = unit
            else:
                buf = f"{buf}{sep}{unit}" if buf else unit
        if buf:
            parts.append(buf)
        return parts


def _chunk_id(section: Section, part: int) -> str:
    key = f"{section.source}|{section.section}|{part}".encode()
    return hashlib.sha1(key).hexdigest()[:16]

"""Structure-aware chunking and the sentence splitter."""

from __future__ import annotations

import pytest

from assistant.chunking import StructureChunker
from assistant.text import split_sentences
from assistant.types import Section


def long_section(paragraphs: int = 6, sentences: int = 5) -> Section:
    paras = []
    for p in range(paragraphs):
        paras.append(" ".join(
            f"Absatz {p + 1} beschreibt im Satz {s + 1} die digitale Agenda der Stadt mit vielen Details."
            for s in range(sentences)
        ))
    return Section("Aachen", "Meilensteine", "profile", "\n\n".join(paras), city="Aachen", order=2)


def test_one_chunk_per_short_section(mini_report):
    chunks = StructureChunker().run(mini_report)
    assert len(chunks) == len(mini_report.sections)
    for chunk, section in zip(chunks, mini_report.sections, strict=True):
        assert (chunk.source, chunk.section, chunk.kind, chunk.city) == (
            section.source, section.section, section.kind, section.city)
        assert chunk.text == section.text


def test_long_section_is_split_under_max_chars_without_losing_text():
    section = long_section()
    assert len(section.text) > 1000
    chunks = StructureChunker(max_chars=400).chunk_section(section)
    assert len(chunks) > 1
    assert all(len(c.text) <= 400 for c in chunks)
    joined = " ".join(c.text for c in chunks)
    for sentence in split_sentences(section.text):
        assert sentence in joined
    # Every part starts at a sentence boundary.
    assert all(c.text.startswith("Absatz ") for c in chunks)


def test_long_paragraph_is_split_at_sentences():
    sentences = [f"Satz Nummer {i} erklärt z.B. das Projekt am 31.12.2017 ausführlich und genau." for i in range(12)]
    section = Section("4.2 Handlungsfelder", "4.2 Handlungsfelder", "chapter", " ".join(sentences))
    chunks = StructureChunker(max_chars=250).chunk_section(section)
    assert len(chunks) > 2
    assert all(len(c.text) <= 250 for c in chunks)
    assert [s for c in chunks for s in split_sentences(c.text)] == sentences


def test_chunk_ids_are_stable_and_unique(real_report):
    first = StructureChunker().run(real_report)
    second = StructureChunker().run(real_report)
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)


def test_split_chunks_get_distinct_ids():
    chunks = StructureChunker(max_chars=400).chunk_section(long_section())
    assert len({c.id for c in chunks}) == len(chunks)


def test_embed_text_is_prefixed_with_city_or_chapter_and_section(mini_report):
    chunks = StructureChunker().run(mini_report)
    org = next(c for c in chunks if c.city == "Aachen" and c.section == "Organisationsstruktur")
    assert org.embed_text.startswith("Aachen – Organisationsstruktur: ")
    assert org.embed_text.endswith(org.text)
    chapter = next(c for c in chunks if c.source == "4.3 Institutionalisierungsgrad")
    assert chapter.embed_text.startswith("4.3 Institutionalisierungsgrad – 4.3 Institutionalisierungsgrad: ")


def test_metadata_has_source_section_kind_city(mini_report):
    chunk = next(c for c in StructureChunker().run(mini_report) if c.city == "Bamberg")
    assert chunk.metadata() == {"source": "Bamberg", "section": chunk.section, "kind": "profile", "city": "Bamberg"}
    chapter = next(c for c in StructureChunker().run(mini_report) if c.kind == "chapter")
    assert chapter.metadata()["city"] == ""


def test_version_names_the_size():
    assert StructureChunker(max_chars=800).version != StructureChunker(max_chars=1200).version


@pytest.mark.parametrize("max_chars", [0, 50, 199])
def test_tiny_max_chars_is_rejected(max_chars):
    with pytest.raises(ValueError, match="max_chars"):
        StructureChunker(max_chars=max_chars)


def test_split_sentences_keeps_abbreviations_and_dates():
    text = ("Die Stadt nutzt z.B. offene Daten. Der Beschluss fiel am 31.12.2017 im Rat. "
            "Dr. Muster leitet u.a. das Projekt. Was folgt? Der Ausbau!")
    assert split_sentences(text) == [
        "Die Stadt nutzt z.B. offene Daten.",
        "Der Beschluss fiel am 31.12.2017 im Rat.",
        "Dr. Muster leitet u.a. das Projekt.",
        "Was folgt?",
        "Der Ausbau!",
    ]


def test_split_sentences_keeps_a_spaced_date_and_ordinal():
    assert split_sentences("Die Frist endet am 1. Januar 2020. Danach beginnt Phase 2.") == [
        "Die Frist endet am 1. Januar 2020.",
        "Danach beginnt Phase 2.",
    ]


def test_split_sentences_respects_paragraphs():
    assert split_sentences("Erster Absatz ohne Punkt\n\nZweiter Absatz.") == ["Erster Absatz ohne Punkt", "Zweiter Absatz."]


@pytest.mark.parametrize("text", [
    "Dazu zählen Gremien (v. a. Ämter und Referate) der Verwaltung. Ein zweiter Satz folgt.",
    "Die Daten der Partner (z.B. Stadtwerke) fließen ein. Ein zweiter Satz folgt.",
    "Beteiligt sind Töchter/u.a. Stadtwerke und Kliniken. Ein zweiter Satz folgt.",
])
def test_an_abbreviation_right_after_a_bracket_or_slash_ends_no_sentence(text):
    first, second = split_sentences(text)
    assert first.endswith(".") and second == "Ein zweiter Satz folgt."

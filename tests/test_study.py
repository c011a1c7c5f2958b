"""The study's own numbers from the chapters, and the index manifest that follows chunk texts."""

from __future__ import annotations

import pytest
from conftest import FakeEmbedder

from assistant.answer import ExtractiveAnswerer
from assistant.chunking import StructureChunker
from assistant.store import ChromaStore
from assistant.study import StudyNumbers
from assistant.types import Chunk


@pytest.fixture(scope="module")
def study(real_report) -> StudyNumbers:
    return StudyNumbers(StructureChunker().run(real_report), ExtractiveAnswerer())


def test_the_sentence_that_counts_what_is_asked_is_quoted(study):
    answer = study.run("Wie viele Partner hatte die Studie?", "de", [])
    assert "13 Partnern" in answer.citations[0].quote
    assert answer.citations[0].source == "1 Einleitung" and answer.text.startswith("Laut Kapitel 1 Einleitung")


def test_english_questions_count_through_the_glossary(study):
    answer = study.run("How many cities were initially selected as study candidates in the partner workshop?", "en", [])
    assert "53 Städte" in answer.citations[0].quote
    assert answer.text.startswith("According to 2 Methodisches Vorgehen")


def test_a_better_covering_ordinary_answer_is_kept(study):
    rival = "Wie viele Partner hatte die Studie? Partner der Studie hatte"
    assert study.run("Wie viele Partner hatte die Studie?", "de", [], than=rival) is None


@pytest.mark.parametrize(("question", "cities"), [
    ("Wie viele Partner hat Aachen?", ["Aachen"]),  # a city's own figures are the profile's business
    ("Wer sind die Partner der Studie?", []),  # not a how-many question
    ("Wie viele Raumschiffe hatte die Studie?", []),  # nothing counts spaceships
])
def test_nothing_is_said_when_no_chapter_sentence_counts_it(study, question, cities):
    assert study.run(question, "de", cities) is None


def test_a_footnote_does_not_swallow_the_next_paragraph(real_report):
    chapter = [s for s in real_report.chapters if "53 Städte" in s.text]
    assert chapter
    sentences = [s for s in chapter[0].text.split("\n") if "53 Städte" in s]
    assert not any("Die Orientierung erfolgte" in s for s in sentences)


def test_the_manifest_changes_with_the_chunk_texts(tmp_path, mini_assistant):
    a = [Chunk("c1", "Aachen", "Meilensteine", "profile", "Text eins.", "Aachen")]
    b = [Chunk("c1", "Aachen", "Meilensteine", "profile", "Text zwei.", "Aachen")]
    assistant = type(mini_assistant)(mini_assistant.corpus_path, ChromaStore(tmp_path), FakeEmbedder())
    assert assistant._manifest(a).key != assistant._manifest(b).key
    assert assistant._manifest(a).key == assistant._manifest(list(a)).key


@pytest.mark.parametrize(("question", "lang"), [
    ("Wie viele Städte umfasst der Atlas?", "de"),
    ("Wie viele Städte nahmen tatsächlich an der Studie teil?", "de"),
    ("How many cities took part in the study?", "en"),
    ("How many cities are profiled?", "en"),
])
def test_how_many_cities_the_atlas_covers_is_its_number_of_profiles(study, real_report, question, lang):
    answer = study.profiled(question, lang)
    assert str(len(real_report.cities)) in answer.text.split("»")[0]  # said, and then quoted
    assert "50 der 53" in answer.citations[0].quote and answer.citations[0].quote in answer.citations[0].text


@pytest.mark.parametrize("question", [
    "Wie viele Städte haben eine Digitale Agenda?",  # counts something else about the cities
    "How many cities have a Chief Digital Officer?",
    "Wie viele Städte wurden ausgewählt?",  # the 53 candidates, answered from the passage that says so
    "Wie viele Partner hatte die Studie?",
])
def test_other_counts_of_cities_are_not_the_number_of_profiles(study, question):
    assert study.profiled(question, "de") is None

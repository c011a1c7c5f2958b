"""German or English: word evidence first, then langdetect for longer text, then the previous turn.

The detector counts German function words, report keywords and umlauts against English
question words and keywords. A tie on short text (keywords, names) falls back to the
conversation's previous language, then to the default (German). Only text of four or more
words is handed to langdetect, restricted to German and English.
"""

from __future__ import annotations

import pytest

from assistant.language import LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Wie viele Einwohner hat Aachen?", "de"),
        ("What is the population of Augsburg?", "en"),
        ("Who coordinates digitalisation in Bonn?", "en"),
        ("Was macht Darmstadt im Bereich Mobilität?", "de"),
        ("Welche Leuchtturmprojekte gibt es im Bereich Gesundheit?", "de"),
        ("Which cities have more than 500,000 inhabitants?", "en"),
    ],
)
def test_questions(detector, text, lang):
    assert detector.detect(text) == lang
    assert detector.detect(text, previous="en" if lang == "de" else "de") == lang  # evidence beats history


@pytest.mark.parametrize(
    ("text", "lang"),
    [("mobility", "en"), ("Mobility in Bamberg", "en"), ("data protection", "en"), ("education", "en"),
     ("Mobilität", "de"), ("Datenschutz", "de"), ("Verwaltung Digitalisierung", "de"), ("Bürgerbeteiligung", "de")],
)
def test_single_keywords(detector, text, lang):
    assert detector.detect(text, previous="de" if lang == "en" else "en") == lang


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Smart City Strategie Darmstadt", "de"), ("Smart City strategy Darmstadt", "en"),
     ("Was ist eine Smart City?", "de"), ("What is a smart city?", "en")],
)
def test_smart_city_is_a_loanword_not_english_evidence(detector, text, lang):
    assert detector.detect(text) == lang


def test_keyword_query_without_evidence_defaults_to_german(detector):
    assert detector.detect("CDO Bonn") == "de"  # langdetect alone reads this as French


@pytest.mark.parametrize("text", ["CDO Bonn", "Open Data Portal", "Freiburg"])
def test_ambiguous_keyword_query_keeps_the_previous_language(detector, text):
    assert detector.detect(text, previous="en") == "en"
    assert detector.detect(text, previous="de") == "de"


@pytest.mark.parametrize("text", ["Open Data Portal", "Open Data Portal Smart City Freiburg", "Open Data Portal Jena Lobeda"])
def test_open_data_portal_is_never_another_language(detector, text):
    assert detector.detect(text) in ("de", "en")


@pytest.mark.parametrize("text", ["", "   ", "12345", "🙂🚀", "?!", "2019 2020 2021 2022"])
def test_no_words_gives_the_default_without_raising(detector, text):
    assert detector.detect(text) == "de"
    assert LanguageDetector(default="en").detect(text) == "en"


def test_an_unknown_previous_language_is_ignored(detector):
    assert detector.detect("CDO Bonn", previous="fr") == "de"


def test_default_must_be_de_or_en():
    with pytest.raises(ValueError):
        LanguageDetector(default="fr")


def test_a_place_name_typed_in_lower_case_is_no_german_word():
    detector = LanguageDetector(names=frozenset({"münster", "köln"}))
    assert detector.detect("who became münsters cdo in 2019?") == "en"
    assert detector.detect("wer wurde in münster cdo?") == "de"
    assert LanguageDetector().detect("who became münsters cdo in 2019?") == "de"  # without the names: German

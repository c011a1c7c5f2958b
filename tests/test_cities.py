"""Recognising the atlas's 50 cities (and known unprofiled ones) however a question writes them."""

from __future__ import annotations

import pytest
from conftest import OTHER_CITIES

from assistant.cities import CityMatcher
from assistant.corpus import CHAPTERS, HANDLUNGSFELDER, PROFILE_SECTIONS


@pytest.fixture(scope="module")
def matcher(real_report) -> CityMatcher:
    return CityMatcher.from_files([c.name for c in real_report.cities], OTHER_CITIES)


def names(matcher, text: str) -> list[str]:
    return [m.name for m in matcher.find(text)]


def test_every_profile_name_finds_itself(matcher, real_report):
    for city in real_report.cities:
        assert matcher.profiled(f"Was plant {city.name}?") == [city.name]


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("Welche Projekte hat Münchens Verwaltung?", "München"),
        ("Was passiert in Köln?", "Köln"),
        ("Wer leitet das Aachener Living Lab?", "Aachen"),
        ("Was plant die Darmstädter Digitalstadt?", "Darmstadt"),
        ("Was machen die Münchner Stadtwerke?", "München"),
        ("Wie arbeitet die hannoversche Verwaltung?", "Hannover"),
    ],
)
def test_inflections_and_adjectives(matcher, text, city):
    assert matcher.profiled(text) == [city]


@pytest.mark.parametrize(
    ("text", "city"),
    [("Koeln", "Köln"), ("Muenchen", "München"), ("Wuerzburg", "Würzburg"), ("Duesseldorf", "Düsseldorf"),
     ("Guetersloh", "Gütersloh"), ("Saarbruecken", "Saarbrücken"), ("KOELN", "Köln")],
)
def test_spellings_without_umlauts(matcher, text, city):
    assert matcher.profiled(f"Smart City in {text}") == [city]


@pytest.mark.parametrize(
    ("text", "city"),
    [("Munich", "München"), ("Cologne", "Köln"), ("Nuremberg", "Nürnberg"), ("Brunswick", "Braunschweig"),
     ("Hanover", "Hannover")],
)
def test_english_exonyms(matcher, text, city):
    assert matcher.profiled(f"What does {text} do about mobility?") == [city]


@pytest.mark.parametrize(
    ("text", "city"),
    [("Freiburg", "Freiburg im Breisgau"), ("Oldenburg", "Oldenburg (Oldb)"),
     ("Bergisch Gladbach", "Bergisch-Gladbach"), ("Monheim", "Monheim am Rhein"), ("Hersfeld", "Bad Hersfeld")],
)
def test_short_forms(matcher, text, city):
    assert matcher.profiled(f"Wie digital ist {text}?") == [city]


def test_full_name_is_one_mention(matcher):
    mentions = matcher.find("Open Data in Freiburg im Breisgau")
    assert [(m.name, m.start) for m in mentions] == [("Freiburg im Breisgau", 3)]


def test_several_cities_in_order_each_once(matcher):
    assert names(matcher, "Vergleiche Bonn, Köln und Aachen – und noch einmal Bonn") == ["Bonn", "Köln", "Aachen"]
    mentions = matcher.find("Vergleiche Bonn, Köln und Aachen")
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)


@pytest.mark.parametrize(("typo", "city"), [("Dortmnud", "Dortmund"), ("Wuppertall", "Wuppertal"),
                                            ("Heidelburg", "Heidelberg"), ("Ingolstdt", "Ingolstadt")])
def test_one_edit_typos_of_long_names(matcher, typo, city):
    assert matcher.profiled(f"Was macht {typo} im Bereich Verwaltung?") == [city]


def test_short_names_get_no_typo_tolerance(matcher):
    assert matcher.profiled("Was macht Bomn?") == []  # "Bonn" is too short for fuzzy matching
    assert matcher.profiled("Was macht Ulmm?") == []


@pytest.mark.parametrize(
    "question",
    [
        "Was macht die Verwaltung im Bereich Mobilität?",
        "Welche Städte haben mehr als 500.000 Einwohner?",
        "Welche Projekte zur Bürgerbeteiligung gibt es?",
        "Wie steht es um Datenschutz und Datensicherheit?",
        "Which cities have an open data portal?",
        "Welche Herausforderungen sehen die Städte bei der Digitalisierung?",
        "Was machen die Städte in Sachen Mobilität?",  # "machen"/"Sachen" are one edit from "Aachen"
    ],
)
def test_no_false_city_in_ordinary_questions(matcher, question):
    assert matcher.find(question) == []


def test_no_false_city_in_the_report_vocabulary(matcher, real_report):
    titles = {*CHAPTERS, *HANDLUNGSFELDER, *PROFILE_SECTIONS, *(s.section for s in real_report.chapters)}
    for title in titles:
        assert matcher.find(title) == [], title


def test_unprofiled_city_is_found_as_not_profiled(matcher):
    mentions = matcher.find("Wie viele Einwohner hat Mainz?")
    assert [(m.name, m.profiled) for m in mentions] == [("Mainz", False)]
    assert matcher.profiled("Wie viele Einwohner hat Mainz?") == []


def test_profiled_and_unprofiled_cities_together(matcher):
    assert [(m.name, m.profiled) for m in matcher.find("Bielefeld oder Bonn?")] == [("Bielefeld", False),
                                                                                    ("Bonn", True)]


def test_missing_others_file_is_tolerated(real_report, tmp_path):
    matcher = CityMatcher.from_files([c.name for c in real_report.cities], tmp_path / "missing.txt")
    assert matcher.find("Mainz") == []
    assert matcher.profiled("Köln") == ["Köln"]


def test_matcher_needs_cities():
    with pytest.raises(ValueError):
        CityMatcher([])


@pytest.mark.parametrize("text", ["Is it decided in city hall?", "the town halls of Germany", "a concert hall"])
def test_a_shortened_city_name_is_no_city_on_its_own(matcher, text):
    assert names(matcher, text) == []


def test_a_town_named_after_a_profiled_city_with_a_prefix_is_another_town(matcher):
    assert [(m.name, m.profiled) for m in matcher.find("Und wie ist es in Neu-Jena?")] == [("Neu-Jena", False)]
    # a part of a city names the city first, a name with a hyphen is one name, two cities joined are both
    assert [m.name for m in matcher.find("das Quartier Ulm-Wiblingen")] == ["Ulm"]
    assert [m.name for m in matcher.find("Bergisch-Gladbach")] == ["Bergisch-Gladbach"]
    assert [m.name for m in matcher.find("die Achse Köln-Bonn")] == ["Köln", "Bonn"]


def test_a_town_without_a_profile_is_not_found_in_a_noun_its_shortened_name_makes():
    matcher = CityMatcher(["Darmstadt", "Bremen"], others=["Siegen", "Kiel"])
    assert [m.name for m in matcher.find("Wer war neben dem Sieger Darmstadt im Finale?")] == ["Darmstadt"]
    assert [m.name for m in matcher.find("Was plant die Siegener Verwaltung?")] == ["Siegen"]
    assert [m.name for m in matcher.find("Was planen die Kieler und die Bremer?")] == ["Kiel", "Bremen"]

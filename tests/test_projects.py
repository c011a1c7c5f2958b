"""Lighthouse projects: Anhang A reconciled with the profiles, listings by field, city and keyword."""

from __future__ import annotations

import pytest

from assistant.projects import ProjectAnswerer, title_similarity
from assistant.text import fold


@pytest.fixture(scope="module")
def projects(real_report) -> ProjectAnswerer:
    return ProjectAnswerer(real_report)


def test_every_profile_project_is_one_record_with_its_anhang_a_line(projects, real_report):
    profile_projects = [p for c in real_report.cities for p in c.projects]
    assert len(profile_projects) == len(real_report.appendix) == 144
    for project in profile_projects:
        fields = projects.appendix_fields(project)
        assert len(fields) == 1, project.title
        assert fields[0] in project.fields  # Anhang A files it under one of the profile's own fields


@pytest.mark.parametrize(("a", "b"), [
    ("LuneDelta", "Lune Delta"),
    ("Ehrenamts-App", "Ehrenamtsapp"),
    ("Umsetzung eines elektronischen Langzeitarchivs", "Elektronisches Langzeitarchiv"),
    ("Startprojekt im Bereich Autonome Systeme – TOPAS", "Startprojekt i. B. Autonome Systeme"),
])
def test_differently_spelt_titles_are_alike(a, b):
    assert title_similarity(a, b) > title_similarity(a, "Workflow-Management-System")
    assert title_similarity(a, b) >= 0.5


def test_similar_looking_titles_of_one_city_are_not_confused(projects, real_report):
    city = real_report.city("Bergisch-Gladbach")
    by_title = {p.title: projects.appendix_fields(p) for p in city.projects}
    assert by_title["Baustellenmanagement-System"] == ["Mobilität"]
    assert by_title["Workflow-Management-System"] == ["Verwaltung"]


def test_stored_titles_and_cities_occur_in_the_report(projects, real_text):
    text = fold(real_text)
    for entry in projects.report.appendix:
        assert fold(entry.title) in text
    for city in projects.report.cities:
        for project in city.projects:
            assert fold(project.title) in text


def test_count_per_field_is_the_one_anhang_a_states(projects):
    answer = projects.run("Wie viele Mobilitätsprojekte gibt es?", "de", [])
    assert "30" in answer.text and answer.citations[0].source == "Anhang A"


def test_listing_per_field_names_every_project_with_its_city(projects):
    answer = projects.run("Welche Leuchtturmprojekte gibt es im Bereich Gesundheit?", "de", [])
    assert "Braunschweig" in answer.text and "Dortmund" in answer.text and "Nürnberg" in answer.text
    assert len(answer.listed) == 3 and answer.table[0] == ("Stadt", "Projekt")


def test_listing_per_city_cites_each_project_section(projects):
    answer = projects.run("Welche Projekte stellt Dortmund vor?", "de", ["Dortmund"])
    assert [c.source for c in answer.citations] == ["Dortmund"] * 3
    assert all(c.section.startswith("Projektbeispiele:") for c in answer.citations)
    assert [t for _, t in answer.listed][0] == "NOx-Block"
    assert "[3]" in answer.text


def test_listing_per_city_in_english(projects):
    answer = projects.run("What lighthouse projects does Ingolstadt have?", "en", ["Ingolstadt"])
    assert answer.text.startswith("The Ingolstadt profile presents")
    assert "Urban Air Mobility" in answer.text


def test_keyword_listing_finds_projects_across_cities(projects):
    answer = projects.run("Which cities have a LoRaWAN lighthouse project?", "en", [])
    cities = {c.source for c in answer.citations}
    assert {"Gelsenkirchen", "Karlsruhe", "Saarbrücken"} <= cities
    assert "»LoRaWAN«" in answer.text


def test_keyword_listing_with_german_inflection(projects):
    answer = projects.run("Welche Projekte zum autonomen Fahren gibt es?", "de", [])
    assert {"Aachen", "Karlsruhe", "Soest"} <= {c.source for c in answer.citations}


@pytest.mark.parametrize(("question", "lang", "words"), [
    ("Welche Projektbeispiele tragen das Wort Portal im Titel?", "de", ["portal"]),
    ("Which lighthouse projects carry Sensor or IT in their title?", "en", ["sensor", "it"]),
])
def test_projects_asked_by_a_word_in_their_title_are_those_whose_title_holds_it(projects, real_report, question,
                                                                                 lang, words):
    import re

    assert projects.asks_title(question)
    answer = projects.title_listing(question, lang)
    def holds(title: str, word: str) -> bool:
        tokens = re.findall(r"[a-z0-9]+", fold(title))
        return word in tokens or (len(word) >= 5 and any(word in t for t in tokens))

    expected = {(c.name, p.title) for c in real_report.cities for p in c.projects if any(holds(p.title, w) for w in words)}
    assert expected and set(answer.listed) == expected  # a project whose text alone has the word is not listed


def test_a_word_in_no_title_lists_no_projects_by_title(projects):
    assert projects.title_listing("Welche Projekte haben Quantencomputer im Titel?", "de") is None
    assert not projects.asks_title("Welche Städte haben ein Serviceportal?")


def test_a_fields_only_project_asked_what_it_is_is_described_not_listed(projects, real_report):
    city = next(c for c in real_report.cities
                if any(sum(f in p.fields for p in c.projects) == 1 and f == "Mobilität" for p in c.projects
                       for f in p.fields))
    only = next(p for p in city.projects if "Mobilität" in p.fields)
    described = projects.run(f"What is the mobility project in {city.name} about?", "en", [city.name])
    assert described is not None and f"»{only.title}«" in described.text and "presents one" not in described.text
    # joined to another question, it is left to the passages, part by part
    assert projects.run(f"What is the mobility project in {city.name}, and who runs it?", "en", [city.name]) is None
    listed = projects.run(f"Which mobility projects are there in {city.name}?", "en", [city.name])
    assert listed.listed == ((city.name, only.title),)


def test_a_project_named_by_title_is_described_with_its_field(projects):
    answer = projects.run("Was ist INSPIRE in Paderborn?", "de", ["Paderborn"])
    assert "INSPIRE" in answer.text and answer.citations[0].source == "Paderborn"
    assert answer.citations[-1].source == "Anhang A" and "Sicherheit" in answer.text


def test_common_words_do_not_name_a_project(projects):
    assert projects.find("Welche Strategie verfolgt die Stadt bei der Digitalisierung?") is None
    assert projects.run("How many mentions did Energie & Umwelt get in the digital agendas?", "en", []) is None


# -- "Welche Städte ...?" over every profile ------------------------------------------------------
@pytest.fixture(scope="module")
def finder(real_report):
    from assistant.across import CityFinder
    from assistant.answer import load_glossary

    return CityFinder(real_report, load_glossary())


def test_which_cities_lists_every_profile_that_says_so_with_its_sentence(finder):
    answer = finder.run("In welchen Städten gibt es einen CIO (Chief Information Officer bzw. Office)?", "de", [])
    cities = [c.source for c in answer.citations]
    assert {"Cottbus", "Dortmund", "Dresden"} <= set(cities)
    assert all("CIO" in c.quote or "Chief Information" in c.quote for c in answer.citations)
    assert answer.text.count("[") == len(cities)


def test_a_word_many_profiles_use_still_lists_its_cities_compactly(finder, real_report):
    answer = finder.run("Welche Städte haben einen Chief Digital Officer?", "de", [])
    cities = [c.source for c in answer.citations]
    assert {"Aachen", "Hamburg", "Jena", "Bonn"} <= set(cities) and len(cities) > finder.quoted
    assert all("Chief Digital Officer" in c.quote or "CDO" in c.quote for c in answer.citations)
    assert "»" not in answer.text  # a long list names the cities; the sentences are in the citations
    assert [row[0] for row in answer.table[1:]] == cities


def test_an_abbreviation_and_its_long_form_list_the_same_cities_whatever_the_language(real_report):
    from assistant.across import CityFinder
    from assistant.answer import load_glossary
    from assistant.text import Abbreviations

    abbreviations = Abbreviations.of_text(" ".join(s.text for s in real_report.sections))
    finder = CityFinder(real_report, load_glossary(), abbreviations=abbreviations)
    lists = [{c.source for c in finder.run(q, lang, []).citations} for q, lang in [
        ("Welche Städte haben einen CDO?", "de"), ("In welchen Städten gibt es einen Chief Digital Officer?", "de"),
        ("which cities employ a chief digital officer", "en"), ("Which cities have a CDO?", "en")]]
    assert all(cities == lists[0] for cities in lists) and len(lists[0]) > 12


def _meaning(finder, close_when):
    """A copy of the finder whose sentences' vectors are made up: along one axis for the sentences
    ``close_when`` accepts (the ones "about" the question), along another for the rest."""
    import copy

    import numpy as np

    about, other = np.eye(2)
    copied = copy.copy(finder)
    copied.attach_vectors(lambda city, section, sentence: about if close_when(sentence) else other)
    return copied, about


def test_a_sentence_close_in_meaning_needs_only_the_rarest_asked_word(finder):
    question = "Welche Städte betreiben ein LoRaWAN-Netz?"  # the profiles say "setzt LoRaWAN ein", "mittels LoRaWAN"
    worded = finder.run(question, "de", [])
    by_words = {c.source for c in worded.citations} if worded else set()
    close, query = _meaning(finder, lambda sentence: "LoRaWAN" in sentence)
    answer = close.run(question, "de", [], query_vector=query)
    cities = {c.source for c in answer.citations}
    assert by_words < cities and {"Gelsenkirchen", "Karlsruhe", "Saarbrücken"} <= cities
    assert all("LoRaWAN" in c.quote for c in answer.citations)
    # the sentences far in meaning still need the other asked words
    one, query = _meaning(finder, lambda sentence: "LoRaWAN" in sentence and "Karlsruhe" in sentence)
    assert {c.source for c in one.run(question, "de", [], query_vector=query).citations} == by_words | {"Karlsruhe"}


def test_common_words_pick_cities_only_with_a_sentence_close_in_meaning(finder):
    question = "Which cities run a citizen app?"
    by_words = finder.run(question, "en", [])
    assert by_words is not None and len(by_words.citations) > 5  # "app" alone: every profile with any app
    close, query = _meaning(finder, lambda sentence: "App" in sentence and "Bürger" in sentence)
    answer = close.run(question, "en", [], query_vector=query)
    assert answer is not None and len(answer.citations) < len(by_words.citations)
    assert all("App" in c.quote and "Bürger" in c.quote for c in answer.citations)


def test_a_thing_no_profile_names_lists_no_cities_by_the_other_words(finder):
    assert finder.run("Welche Städte haben ein Quantenlabor eröffnet?", "de", []) is None
    assert finder.run("Which cities opened a Robotikzentrum?", "en", []) is None


def test_alternatives_joined_by_or_are_one_asked_word(finder):
    question = "Which atlas cities won or reached the final of the Bitkom competition »Digitale Stadt«?"
    groups = finder.terms(question, "en")
    assert len(groups) == 2 and "finalist" in groups[0] and "gewan" in groups[0] and groups[1] == ("bitkom",)
    answer = finder.run(question, "en", [])
    assert {"Darmstadt", "Heidelberg", "Kaiserslautern", "Paderborn", "Wolfsburg"} <= {c.source for c in answer.citations}
    assert all("Bitkom" in c.quote for c in answer.citations)  # both asked words, not either


def test_a_name_in_the_question_picks_cities_as_written(finder):
    answer = finder.run("Which city has a Chief Urban Officer?", "en", [])
    assert [c.source for c in answer.citations] == ["Kaiserslautern"]  # not every "urban" and "officer"
    darmstadt = finder.run("Welche Stadt gewann den Bitkom-Wettbewerb?", "de", [])
    assert "Darmstadt" in [c.source for c in darmstadt.citations]


def test_a_quoted_name_few_profiles_write_picks_its_cities_on_its_own(finder):
    # the other words ("Verkehrsleitsystem", "mitgewirkt") are the asker's, not the profiles'
    answer = finder.run("Welche Städte haben am Verkehrsleitsystem »Park and Joy« mitgewirkt?", "de", [])
    assert {c.source for c in answer.citations} == {"Bonn", "Cottbus"}
    # "»T-City«" is not any "City", and a name's words may be inflected ("Modellregionen" / "Modellregion")
    assert {c.source for c in finder.run('Which towns were in the "T-City" contest?', "en", []).citations} == \
        {"Coburg", "Kaiserslautern"}
    regions = finder.run("Welche Städte sind in den »Digitalen Modellregionen« dabei?", "de", [])
    assert {"Aachen", "Gelsenkirchen", "Paderborn", "Soest", "Wuppertal"} <= {c.source for c in regions.citations}
    # a name many profiles write must be there, and the other words still choose among them
    won = finder.run("Welche Städte gewannen den Wettbewerb »Digitale Stadt«?", "de", [])
    assert "Darmstadt" in {c.source for c in won.citations} and len(won.citations) <= 3  # of 19 naming it


def test_which_cities_with_words_that_only_mean_the_reports_cities(finder):
    for question in ("Which two profiled cities mention the Morgenstadt City Lab?",
                     "Welche untersuchten Städte nennen das Morgenstadt City Lab?"):
        assert "Chemnitz" in {c.source for c in finder.run(question, "de" if "Welche" in question else "en", []).citations}
    for question in ("Welche der im Atlas porträtierten Städte nennen das Morgenstadt City Lab?",
                     "Welche der 50 untersuchten Städte nennen das Morgenstadt City Lab?"):
        assert "Chemnitz" in {c.source for c in finder.run(question, "de", []).citations}
    # other words before "Städte" are part of the question ("which European cities"), not a listing of profiles
    assert finder.run("Welcher Anteil der Städte nennt das Morgenstadt City Lab?", "de", []) is None


@pytest.mark.parametrize(("question", "cities"), [
    ("Which cities are part of the Zukunftskommune@bw programme?", {"Heidelberg", "Ulm"}),
    ("Which cities mention LoRaWAN?", {"Karlsruhe", "Saarbrücken"}),
])
def test_an_english_word_with_a_common_german_stand_in_does_not_narrow_the_cities(finder, question, cities):
    assert cities <= {c.source for c in finder.run(question, "en", []).citations}


def test_which_cities_in_english_uses_names_and_the_glossary(finder):
    answer = finder.run("Which atlas cities receive EU Horizon 2020 funding for smart city projects?", "en", [])
    assert {"Dresden", "Köln", "Leipzig", "München"} <= {c.source for c in answer.citations}
    assert answer.text.startswith("These")


def test_which_cities_needs_the_question_form_and_no_named_city(finder):
    assert finder.run("Was ist die Digitale Zukunftskommune@bw?", "de", []) is None
    assert finder.run("Welche Städte nennen Zukunftskommune@bw?", "de", ["Ulm"]) is None
    assert finder.run("Welche Städte gibt es?", "de", []) is None  # nothing distinctive to look for


def test_fields_ranked_by_their_anhang_a_counts(projects):
    answer = projects.run("Welches Handlungsfeld hat die meisten Leuchtturmprojekte?", "de", [])
    assert answer.text.splitlines()[1].startswith("1. Verwaltung: 37")
    assert answer.table[1] == ("Verwaltung", "37") and len(answer.citations) == 10
    fewest = projects.run("Which field of action has the fewest lighthouse projects?", "en", [])
    assert fewest.table[1][1] == "2" and fewest.text.startswith("Lighthouse projects per field")


def test_counts_for_several_fields_at_once(projects):
    answer = projects.run("Wie viele Leuchtturmprojekte gibt es in Sicherheit und wie viele in Gesundheit?", "de", [])
    assert "Gesundheit nennt Anhang A 3" in answer.text and "Sicherheit nennt Anhang A 2" in answer.text
    assert [c.section for c in answer.citations][:2] == ["Handlungsfeld Gesundheit", "Handlungsfeld Sicherheit"]
    # Chapter 4.2 states the same counts in prose: quoted and cited beside Anhang A's.
    prose = answer.citations[2:]
    assert [c.source for c in prose] == ["4.2 Handlungsfelder"] * 2
    assert "drei Projekte dem Thema Gesundheit" in prose[0].quote and "zwei Nennungen" in prose[1].quote
    assert all(c.quote in c.text and c.quote in answer.text for c in prose)


def test_a_chapter_sentence_is_quoted_only_where_it_states_anhang_as_count(projects):
    energy = projects.run("Wie viele Leuchtturmprojekte gibt es im Handlungsfeld Energie & Umwelt?", "de", [])
    assert "13" in energy.text and any("13 hervorzuhebende Projekte" in c.quote for c in energy.citations)
    mobility = projects.run("Wie viele Mobilitätsprojekte gibt es?", "de", [])
    assert [c.source for c in mobility.citations] == ["Anhang A"]  # the chapter gives no number for it


def test_english_answers_name_the_fields_in_english_with_the_reports_german(projects):
    answer = projects.run("How many mobility lighthouse projects are there?", "en", [])
    assert "Mobility (Mobilität)" in answer.text and "30" in answer.text
    listing = projects.run("What lighthouse projects does Ingolstadt have?", "en", ["Ingolstadt"])
    assert "Education (Bildung)" in listing.text
    german = projects.run("Welche Projekte stellt Ingolstadt vor?", "de", ["Ingolstadt"])
    assert "Bildung" in german.text and "Education" not in german.text


@pytest.mark.parametrize(("question", "lang"), [
    ("Wie viele Leuchtturmprojekte gibt es insgesamt?", "de"),
    ("How many lighthouse projects are there in total?", "en"),
])
def test_the_total_is_the_sum_of_anhang_as_counts_per_field(projects, real_report, question, lang):
    answer = projects.run(question, lang, [])
    total = sum(real_report.appendix_counts.values())
    assert total == len(real_report.appendix) == 144
    assert str(total) in answer.text.splitlines()[0] and len(answer.citations) == 10


@pytest.mark.parametrize(("question", "lang", "cities", "expected"), [
    ("Wie viele Projektbeispiele hat Jena?", "de", ["Jena"], "3 Projektbeispiele"),
    ("How many projects does Aachen have?", "en", ["Aachen"], "3 project examples"),
    ("Wie viele Projekte gibt es zu LoRaWAN?", "de", [], "Stichwort »LoRaWAN«"),
])
def test_counting_projects_of_a_city_or_a_keyword_lists_them(projects, question, lang, cities, expected):
    answer = projects.run(question, lang, cities)
    assert expected in answer.text and answer.listed


@pytest.mark.parametrize(("question", "cities"), [
    ("Wie viele Projektvorschläge entstanden in Bonn?", ["Bonn"]),  # counts something else
    ("Wie viele Projekte setzt Hamburg im Bereich Intelligente Verkehrssysteme um?", ["Hamburg"]),
])
def test_other_counts_are_not_a_citys_projects(projects, question, cities):
    answer = projects.run(question, "de", cities)
    assert answer is None or "Projektbeispiele vor" not in answer.text


def test_alternatives_in_a_keyword_listing_match_either(projects):
    from assistant.text import alternatives

    question = "Welche Städte haben ein Open-Data-Portal bzw. eine Open-Data-Plattform als Leuchtturmprojekt?"
    assert alternatives(question) == [
        "Welche Städte haben ein Open-Data-Portal als Leuchtturmprojekt?",
        "Welche Städte haben ein Open-Data-Plattform als Leuchtturmprojekt?",
    ]
    assert alternatives("Wer koordiniert in Aachen?") == ["Wer koordiniert in Aachen?"]
    listed = projects.run(question, "de", []).listed
    assert {("Düsseldorf", "Open Data Portal"), ("Freiburg im Breisgau", "Open Data Portal"),
            ("Wolfsburg", "Open Data Plattform"), ("Würzburg", "Open Data Plattform")} <= set(listed)


@pytest.mark.parametrize(("question", "lang", "city", "expected"), [
    ("Welches Bildungsprojekt gibt es in Nürnberg?", "de", "Nürnberg",
     "Im Handlungsfeld Bildung stellt der Steckbrief Nürnberg ein Projektbeispiel vor:"),
    ("Which mobility projects does Darmstadt have?", "en", "Darmstadt",
     "In the field Mobility (Mobilität), the Darmstadt profile presents 2 project examples:"),
])
def test_a_citys_projects_in_one_field(projects, question, lang, city, expected):
    answer = projects.run(question, lang, [city])
    assert answer.text.splitlines()[0] == expected
    assert all(c.source == city for c in answer.citations) and len(answer.listed) == len(answer.citations)


def test_a_description_takes_a_short_third_sentence_that_completes_it(projects):
    project = projects.find("Was ist der autonom fahrende Marktliner in Aachen?", ["Aachen"])
    answer = projects.describe("Was ist der autonom fahrende Marktliner?", "de", project)
    assert "2021" in answer.citations[0].quote and len(answer.citations[0].quote) <= 300


def test_cities_ranked_by_their_number_of_project_examples(real_report):
    answerer = ProjectAnswerer(real_report)
    counts = {c.name: len(c.projects) for c in real_report.cities if c.projects}
    most = answerer.run("Welche Stadt stellt die meisten Leuchtturmprojekte vor?", "de", [])
    expected = sorted(n for n, k in counts.items() if k == max(counts.values()))
    assert [row[0] for row in most.table[1:]] == expected and len(most.citations) == len(expected)
    fewest = answerer.run("Which city has the fewest lighthouse projects?", "en", [])
    assert {row[0] for row in fewest.table[1:]} == {n for n, k in counts.items() if k == min(counts.values())}
    over = answerer.run("Welche Städte haben mehr als zwei Leuchtturmprojekte?", "de", [])
    assert {row[0] for row in over.table[1:]} == {n for n, k in counts.items() if k > 2}
    field = answerer.run("Welches Handlungsfeld hat die meisten Leuchtturmprojekte?", "de", [])
    assert "Verwaltung" in field.text  # fields, not cities


@pytest.mark.parametrize(("question", "field"), [
    ("Projekte für den Einzelhandel in der Fußgängerzone", "Handel"),
    ("shopping lighthouse projects", "Handel"),
    ("Vorzeigeprojekte in der Krankenhausversorgung", "Gesundheit"),
    ("projects for universities", "Bildung"),
    ("Leuchtturmprojekte gegen den Klimawandel", "Energie & Umwelt"),
])
def test_fields_are_found_by_their_everyday_words(question, field):
    assert ProjectAnswerer.field_of(question) == field


@pytest.mark.parametrize("question", ["Worum handelt es sich bei dem Projekt?", "Wie behandelt die Stadt Anfragen?",
                                      "Welche Projekte verhandelt der Rat?"])
def test_verbs_that_contain_handel_are_not_the_field(question):
    assert ProjectAnswerer.field_of(question) != "Handel"


def test_a_list_asked_without_list_words_is_listed_when_the_caller_says_so(projects):
    # a yes/no question about any city: the field's projects answer it
    question = "Hat irgendeine Stadt ein Vorzeigeprojekt für Pflegebedürftige?"
    assert projects.run(question, "de", []) is None
    answer = projects.run(question, "de", [], listing=True)
    assert answer is not None and {"Braunschweig", "Dortmund", "Nürnberg"} <= {c for c, _ in answer.listed}


def test_a_reason_question_is_not_a_list(projects):
    assert projects.run("Warum gibt es kaum Leuchtturmprojekte zur Gesundheit?", "de", [], listing=True) is None


def test_keywords_list_projects_only_when_a_title_has_them(projects):
    answer = projects.run("lorawan flagship projects", "en", [], listing=True)
    assert answer is not None and "flagship" not in answer.text
    assert {("Karlsruhe", "LoRaWAN"), ("Saarbrücken", "LoRaWAN")} <= set(answer.listed)
    # words that only the projects' texts share are not a list of projects
    assert projects.run("Leuchtturmprojekte Bewertung Verfahren", "de", [], listing=True) is None



def test_auxiliary_verbs_are_not_asked_words(finder):
    assert finder.terms("Welche Städte waren beim Wettbewerb Zukunftsstadt dabei?", "de") == [("zukunftsstadt",)]

@pytest.mark.parametrize(("question", "projects"), [
    ("Welche Vorzeigeprojekte gibt es zur Mobilität?", True), ("flagship projects on energy", True),
    ("Was steht im Anhang A?", True), ("Which cities are EU lighthouse cities?", False),
    ("Welche Städte sind Lighthouse-City im EU-Programm?", False),
])
def test_lighthouse_words_mean_projects_but_not_the_eus_lighthouse_cities(question, projects):
    from assistant.projects import LIGHTHOUSE

    assert bool(LIGHTHOUSE.search(question)) is projects


def test_a_list_of_projects_in_two_fields_lists_each_fields_projects(projects):
    answer = projects.run("Welche Städte haben Vorzeigeprojekte zu Pflege oder zum Einzelhandel?", "de", [])
    cited = [c.section for c in answer.citations]
    assert cited == ["Handlungsfeld Gesundheit", "Handlungsfeld Handel"]
    assert {"Braunschweig", "Nürnberg", "Coburg", "Lemgo"} <= {city for city, _ in answer.listed}


def test_which_two_cities_with_the_most_projects_ranks_the_cities(projects):
    answer = projects.run("Which three cities present the most lighthouse projects?", "en", [])
    assert answer is not None and answer.table[0] == ("City", "Projects") and len(answer.table) > 1


def test_a_city_listing_asked_with_else_or_other_words_lists_the_projects(projects):
    for question in ("Und welche Projekte hat sie sonst noch? (Ulm)", "What other projects does it have? (Ulm)"):
        answer = projects.run(question, "en" if question.startswith("What") else "de", ["Ulm"])
        assert answer is not None and len(answer.citations) >= 2


def test_a_capitalised_english_word_the_glossary_knows_finds_its_german_words_too(finder):
    answer = finder.run("Which towns offer free public WiFi?", "en", [])
    assert {"Duisburg", "Gelsenkirchen", "Konstanz"} <= {c.source for c in answer.citations}
    assert all("WLAN" in c.quote or "WIFI" in c.quote.upper() for c in answer.citations)
    # a word of a name of several stays the name ("Digital Cities Challenge", not any challenge)
    challenge = finder.run("Which cities take part in the Digital Cities Challenge?", "en", [])
    assert {"Gelsenkirchen", "Hamburg"} <= {c.source for c in challenge.citations} and len(challenge.citations) <= 4


def test_projects_with_only_a_few_of_the_questions_distinctive_words_are_not_listed(projects):
    # one rare word ("Markthalle") among many the projects do not have: not a question about a project
    question = "Which lighthouse project started when the Markthalle opened and was the bakery's bread fresh at Easter?"
    assert projects.keyword_listing(question, "en") is None
    lenient = ProjectAnswerer(projects.report, min_keyword_share=0.0)
    assert lenient.keyword_listing(question, "en") is not None


@pytest.mark.parametrize(("question", "city", "describes"), [
    ("Was ist INSPIRE in Paderborn?", "Paderborn", True),
    ("Erzähl mir mehr über INSPIRE in Paderborn", "Paderborn", True),
    ("Was verbirgt sich hinter dem Paderborner Projekt INSPIRE?", "Paderborn", True),
    ("What is INSPIRE in Paderborn for the fire brigades?", "Paderborn", True),
    ("Was ist INSPIRE in Paderborn, und welche Rolle hat die Polizei darin?", "Paderborn", False),
    ("What is INSPIRE in Paderborn and when did it start?", "Paderborn", False),
])
def test_a_project_is_described_unless_another_question_is_joined_to_it(projects, question, city, describes):
    answer = projects.run(question, "de", [city])
    assert (answer is not None and answer.mode == "projects" and "INSPIRE" in answer.text) is describes


def test_a_quoted_english_plural_finds_the_singular(finder):
    cities = {c.source for c in finder.run("Welche Städte sind an der »Digital Cities Challenge« beteiligt?", "de", []).citations}
    assert {"Gelsenkirchen", "Nürnberg"} <= cities  # Nürnberg's profile writes »Digital City Challenge«


def test_cities_are_not_listed_for_a_year_after_the_report_that_no_profile_names(finder):
    assert finder.run("Welche Städte gewannen 2020 den Wettbewerb »Digitale Stadt«?", "de", []) is None
    assert finder.run("Welche Städte gewannen den Wettbewerb »Digitale Stadt«?", "de", []) is not None



def test_a_negated_which_cities_question_lists_the_profiles_that_negate_it(finder):
    for question, lang in (("Welche Städte nehmen an keinen Förderprogrammen oder Wettbewerben teil?", "de"),
                           ("Which cities take part in no funding programme or competition?", "en")):
        cities = {c.source for c in finder.run(question, lang, []).citations}
        assert "Emden" in cities and len(cities) <= 3
    # a thing no profile negates: not the cities that do have it
    assert finder.run("Welche Städte haben kein Morgenstadt City Lab?", "de", []) is None


def test_the_items_of_a_project_are_not_its_description(projects):
    assert projects.run("Was ist INSPIRE in Paderborn?", "de", ["Paderborn"]) is not None
    assert projects.run("What are the three partners of INSPIRE in Paderborn?", "en", ["Paderborn"]) is None


@pytest.mark.parametrize("question", ["Was ist das Ziel von INSPIRE in Paderborn?",
                                      "What is the purpose of INSPIRE in Paderborn?",
                                      "Welches Problem soll INSPIRE in Paderborn lösen?"])
def test_the_goal_of_a_project_is_not_its_description(projects, question):
    assert projects.run(question, "de", ["Paderborn"]) is None  # the sentence that says it answers, from the passages


def test_a_project_named_only_in_its_title_lists_its_city(mini_report):
    from assistant.across import CityFinder

    answer = CityFinder(mini_report).run("Welche Städte haben einen Marktliner?", "de", [])
    assert answer is not None and [c.source for c in answer.citations] == ["Aachen"]
    assert "Elektrobus" in answer.citations[0].quote  # the project's first sentence is quoted


def test_alternatives_are_one_asked_word_held_by_their_distinctive_members(finder):
    # "Freifunk oder das EU-Programm WIFI4EU": either name will do; "Programm" is too common to pick cities
    terms = finder.terms("Welche Städte nutzen Freifunk oder das EU-Programm WIFI4EU für ihr WLAN?", "de")
    group = next(g for g in terms if "freifunk" in g)
    assert "wifi4eu" in group and "programm" not in group


@pytest.mark.parametrize("question", [
    "Bei welchen Städten spielt das Stadtlabor »Morgenstadt« eine Rolle?",
    "Morgenstadt network cities",  # a name first, as keywords are typed
])
def test_which_cities_asked_in_other_forms_still_lists(finder, question):
    answer = finder.run(question, "de" if "Bei" in question else "en", [], asked=True)
    assert answer is not None and "Chemnitz" in [c.source for c in answer.citations]


def test_a_sentence_close_in_meaning_is_listed_only_with_the_rarest_asked_word(mini_report):
    import numpy as np

    from assistant.across import CityFinder

    finder = CityFinder(mini_report)
    same = np.ones(4) / 2.0  # every sentence as close in meaning to the question as any other
    finder.attach_vectors(lambda city, section, sentence: same)
    answer = finder.run("Welche Städte nutzen Sensoren für die Verwaltung?", "de", [], query_vector=same)
    # "Verwaltung" alone (Aachen, Bamberg) is not what the question asks for: "Sensoren" is
    assert [c.source for c in answer.citations] == ["Freiburg im Breisgau"]


def test_command_words_and_the_country_are_not_what_a_list_asks_for(finder):
    terms = finder.terms("Name the cities in Germany that list a Freifunk network", "en")
    flat = {t for g in terms for t in g}
    assert "freifunk" in flat and not flat & {"benannt", "liste", "germany", "deutschland"}


def test_a_name_and_its_abbreviation_in_brackets_are_one_asked_word(finder):
    terms = finder.terms("Welche Städte nennen das Funknetzgesetz (FNG) in ihrem Steckbrief?", "de")
    assert ("funknetzgesetz", "fng") not in terms  # neither is in the report: nothing is asked that it has
    terms = finder.terms("In welchen Städten bietet die Volkshochschule (VHS) in ihrem Haus Kurse an?", "de")
    group = next(g for g in terms if "vhs" in g)
    assert any(t.startswith("volkshochschul") for t in group) and not any("kurs" in t for t in group)


def test_a_word_as_rare_as_a_name_need_not_come_in_the_questions_phrase(finder):
    # one profile writes "EU-Interreg-Programm", another only "Interreg": both take part
    answer = finder.run("In welchen Städten laufen EU-Interreg-Projekte?", "de", [])
    assert {"Konstanz", "Leipzig"} <= {c.source for c in answer.citations}


def test_a_year_in_a_which_cities_question_is_a_condition(finder):
    every = {c.source for c in finder.run("Welche Städte haben eine Open-Data-Plattform?", "de", []).citations}
    since = finder.run("Welche Städte haben seit 2017 eine Open-Data-Plattform?", "de", [])
    assert since is not None and {c.source for c in since.citations} < every
    assert all("2017" in c.quote for c in since.citations)

"""Exact figures from the real report's profiles: rankings, filters, density, comparisons."""

from __future__ import annotations

import re

import pytest

from assistant.corpus import FIGURES_SECTION
from assistant.facts import FigureAnswerer, Figures
from assistant.messages import number, say


@pytest.fixture(scope="module")
def figures(real_report) -> FigureAnswerer:
    return FigureAnswerer.from_report(real_report)


def listed_cities(answer) -> list[str]:
    """The cities of a listing answer, read from its table (header row first)."""
    return [row[0] for row in answer.table[1:]]


def assert_cited_per_row(answer) -> None:
    rows = answer.table[1:]
    assert len(answer.citations) == len(rows)
    for i, (row, citation) in enumerate(zip(rows, answer.citations, strict=True), 1):
        assert row[-1] == f"[{i}]"
        assert (citation.n, citation.source, citation.section) == (i, row[0], FIGURES_SECTION)
        assert f"[{i}]" in answer.text


def test_largest_city_by_population_is_berlin(figures, real_report):
    answer = figures.run("Welche Stadt hat die meisten Einwohner?", "de", [])
    largest = max(real_report.cities, key=lambda c: c.population)
    assert (largest.name, largest.population) == ("Berlin", 3613495)
    assert "Berlin" in answer.text and "3.613.495" in answer.text
    assert [c.source for c in answer.citations] == ["Berlin"]
    assert answer.mode == "figures" and not answer.refused


@pytest.mark.parametrize(("question", "lang", "expected"), [
    ("Welche Stadt ist die kleinste?", "de", "Bad Hersfeld mit 29.767 Einwohnern"),  # dative after "mit"
    ("Which city is the largest?", "en", "Berlin with 3,613,495 inhabitants"),
])
def test_which_city_is_the_smallest_or_largest(figures, real_report, question, lang, expected):
    answer = figures.run(question, lang, [])
    assert expected in answer.text
    smallest = min(real_report.cities, key=lambda c: c.population)
    assert smallest.name == "Bad Hersfeld" and smallest.population == 29767


def test_five_smallest_cities_by_area_in_ascending_order(figures, real_report):
    answer = figures.run("Welche sind die fünf kleinsten Städte nach Fläche?", "de", [])
    listed = listed_cities(answer)
    assert len(listed) == 5
    areas = {c.name: c.area_km2 for c in real_report.cities}
    listed_areas = [areas[name] for name in listed]
    assert listed_areas == sorted(listed_areas)
    assert all(area >= listed_areas[-1] for name, area in areas.items() if name not in listed)
    for name in listed:
        assert f"{name}: {areas[name]} km²" in answer.text
    assert_cited_per_row(answer)


@pytest.mark.parametrize("question", ["Städte mit mehr als 500.000 Einwohnern", "Welche Städte haben über 500000 Einwohner?"])
def test_cities_above_a_population_threshold(figures, real_report, question):
    answer = figures.run(question, "de", [])
    expected = {c.name for c in real_report.cities if c.population > 500_000}
    assert set(listed_cities(answer)) == expected
    assert f"{len(expected)} der 50 Städte" in answer.text
    populations = [int(row[1].replace(".", "")) for row in answer.table[1:]]
    assert populations == sorted(populations, reverse=True)
    assert_cited_per_row(answer)


def test_cities_below_a_threshold_in_english(figures, real_report):
    answer = figures.run("Which cities have fewer than 60,000 inhabitants?", "en", [])
    expected = {c.name for c in real_report.cities if c.population < 60_000}
    assert set(listed_cities(answer)) == expected
    assert "fewer than 60,000 inhabitants" in answer.text


def test_density_is_computed_and_said_to_be_computed(figures, real_report):
    jena = real_report.city("Jena")
    answer = figures.run("Wie hoch ist die Bevölkerungsdichte von Jena?", "de", ["Jena"])
    density = number(jena.population / jena.area_km2, "de", 0)
    assert f"Jena: {density} Einwohner je km²" in answer.text
    assert "berechnet" in answer.text
    assert number(jena.population, "de") in answer.text and f"{jena.area_km2} km²" in answer.text
    assert [c.source for c in answer.citations] == ["Jena"]


def test_comparison_of_two_cities_gives_a_table_with_a_citation_per_row(figures, real_report):
    answer = figures.run("Vergleiche Aachen und Augsburg", "de", ["Aachen", "Augsburg"])
    assert answer.table[0][0] == "Stadt"
    assert listed_cities(answer) == ["Aachen", "Augsburg"]
    for row in answer.table[1:]:
        city = real_report.city(row[0])
        assert row[1:3] == (number(city.population, "de"), number(city.area_km2, "de"))
    assert_cited_per_row(answer)
    for citation in answer.citations:
        assert number(real_report.city(citation.source).population, "de") in citation.text


def test_single_city_size_gives_both_figures(figures):
    answer = figures.run("Wie groß ist Ulm?", "de", ["Ulm"])
    assert re.search(r"Ulm hat [\d.]+ Einwohner", answer.text)
    assert "km²" in answer.text


def test_english_figures_use_english_notation(figures):
    answer = figures.run("What is the population of Augsburg?", "en", ["Augsburg"])
    assert "292,851" in answer.text and "292.851" not in answer.text


@pytest.mark.parametrize(
    ("question", "cities"),
    [
        ("Welche Stadt hat die meisten Projekte?", []),
        ("Welche Projekte gibt es im Handlungsfeld Mobilität?", []),
        ("Wer koordiniert die Digitalisierung in Bonn?", ["Bonn"]),
    ],
)
def test_non_figure_questions_return_none(figures, question, cities):
    assert figures.run(question, "de", cities) is None


def test_figures_need_at_least_one_city():
    with pytest.raises(ValueError):
        FigureAnswerer([])


def test_density_of_a_city_without_area_is_zero():
    assert Figures("Nirgendwo", 1000, 0).density == 0.0


def test_residential_units_are_not_residents(figures):
    assert figures.run("How many residential units are planned?", "en", ["Oldenburg (Oldb)"]) is None


def test_a_ranking_within_a_filter(figures, real_report):
    answer = figures.run("Welche Stadt mit weniger als 100.000 Einwohnern hat die größte Fläche?", "de", [])
    small = [c for c in real_report.cities if c.population < 100_000]
    expected = max(small, key=lambda c: c.area_km2)
    assert answer.citations[0].source == expected.name and len(answer.citations) == 1
    assert f"{expected.area_km2} km²" in answer.text and "weniger als 100.000" in answer.text


def test_the_next_one_after_a_named_city(figures, real_report):
    ordered = sorted(real_report.cities, key=lambda c: -c.population)
    answer = figures.run("Welche Stadt ist nach Berlin die einwohnerstärkste im Atlas?", "de", ["Berlin"])
    assert answer.citations[0].source == ordered[1].name
    english = figures.run("Which city has the largest population after Hamburg?", "en", ["Hamburg"])
    assert english.citations[0].source == ordered[2].name and english.text.startswith("After Hamburg")


def test_residents_as_subject_are_not_a_population_question(figures):
    assert figures.run("Which Bad Hersfeld app lets residents measure noise?", "en", ["Bad Hersfeld"]) is None
    assert "29,767" in figures.run("How many residents does Bad Hersfeld have?", "en", ["Bad Hersfeld"]).text


@pytest.mark.parametrize(("question", "lang", "count"), [
    ("Welche Städte sind Mittelstädte im Atlas?", "de", 13),  # chapter 5: "Die 13 ... untersuchten Mittelstädte"
    ("Which medium-sized cities are in the atlas?", "en", 13),
    ("Welche Großstädte sind im Atlas?", "de", 37),
])
def test_mittelstaedte_and_grossstaedte_are_the_cities_under_and_over_100000(figures, real_report, question, lang,
                                                                              count):
    answer = figures.run(question, lang, [])
    under = [c for c in real_report.cities if c.population < 100_000]
    assert len(under) == 13 and len(listed_cities(answer)) == count
    assert_cited_per_row(answer)


@pytest.mark.parametrize("question", ["Warum sind Mittelstädte wichtig?",
                                      "Welche Mittelstädte haben eine Digitale Agenda?",
                                      "Wie viele Mittelstädte wurden untersucht?"])  # the chapters say it
def test_other_questions_about_mittelstaedte_are_not_a_size_filter(figures, question):
    assert figures.run(question, "de", []) is None


def test_everyday_amounts_filter_by_the_figures(figures, real_report):
    answer = figures.run("Welche Städte haben rund 250.000 Einwohner?", "de", [])
    expected = {c.name for c in real_report.cities if 225_000 <= c.population <= 275_000}
    assert expected and set(listed_cities(answer)) == expected
    half = figures.run("Which cities have over half a million inhabitants?", "en", [])
    assert set(listed_cities(half)) == {c.name for c in real_report.cities if c.population > 500_000}
    assert "500,000" in half.text


def test_a_condition_on_one_city_is_answered_yes_or_no_with_the_figure(figures, real_report):
    city = next(c for c in real_report.cities if 100_000 < c.population < 200_000)
    yes = figures.run(f"Hat {city.name} laut Smart-City-Atlas mehr als 100.000 Einwohner?", "de", [city.name])
    assert yes.text.startswith("Ja") and number(city.population, "de") in yes.text
    no = figures.run(f"Does {city.name} have more than 200k inhabitants?", "en", [city.name])
    assert no.text.startswith("No") and [c.source for c in no.citations] == [city.name]


def test_everyday_superlatives_rank_the_figures(figures, real_report):
    widest = max(real_report.cities, key=lambda c: c.area_km2)
    answer = figures.run("Welche Stadt im Atlas hat das weitläufigste Stadtgebiet, gemessen an der Fläche?", "de", [])
    assert widest.name in answer.text and [c.source for c in answer.citations] == [widest.name]
    most = figures.run("In welcher Stadt wohnen die meiste Einwohner?", "de", [])
    assert max(real_report.cities, key=lambda c: c.population).name in most.text


def test_a_superlative_among_named_or_focused_cities_ranks_only_them(figures, real_report):
    from assistant.understand import Query

    pops = {c: real_report.city(c).population for c in ("Bonn", "Jena", "Emden")}
    biggest, smallest = max(pops, key=pops.get), min(pops, key=pops.get)
    named = figures.run("Welche ist die größte von Bonn, Jena und Emden?", "de", ["Bonn", "Jena", "Emden"])
    assert f"ist {biggest} mit" in named.text and "Berlin" not in named.text
    focus = Query(asked="x", text="Which of them is the smallest?", language="en", cities=("Bonn", "Jena", "Emden"),
                  focus_cities=True)
    assert f"is {smallest} with" in figures.run(focus.text, "en", list(focus.cities), focus).text
    # a question about all cities, asked while two are in focus, is about all cities
    every = Query(asked="x", text="Welche Stadt hat die meisten Einwohner?", language="de", cities=("Bonn", "Jena"),
                  focus_cities=True)
    assert "Berlin" in figures.run(every.text, "de", list(every.cities), every).text


@pytest.mark.parametrize(("question", "lang", "rest", "small", "large"), [
    ("Welche Städte mit mehr als 500.000 Einwohnern haben ein Reallabor?", "de", "Welche Städte haben ein Reallabor?",
     "Ulm", "Berlin"),
    ("Which towns with fewer than 100k inhabitants run a living lab?", "en", "Which towns run a living lab?",
     "Emden", "Köln"),
    ("Welche Mittelstädte haben eine Bürger-App?", "de", "Welche Städte haben eine Bürger-App?", "Emden", "Köln"),
    ("Welche Städte, die keine Großstädte sind, nutzen Sensoren?", "de", None, "Emden", "Köln"),
])
def test_a_which_cities_question_with_a_size_is_asked_among_the_cities_of_that_size(figures, question, lang, rest,
                                                                                    small, large):
    within = figures.within(question, lang)
    assert (small in within.cities) != (large in within.cities)
    if rest is not None:
        assert within.rest == rest
    assert re.search(r"\d", within.condition)


@pytest.mark.parametrize("question", [
    "Welche Städte haben mehr als 500.000 Einwohner?",  # the sizes alone: a filter
    "Wie viele Mittelstädte wurden untersucht?",  # a count, not which cities
    "Nennen mehr als 40 Städte Mobilität als Handlungsfeld?",  # an amount of cities, not a size
    "Welche Stadt mit mehr als 500.000 Einwohnern hat die größte Fläche?",  # a ranking
    "Welche Städte haben einen CDO?",  # no size
    "Welche Städte sind Millionenstädte, also mit über einer Million Einwohnern?",  # the sizes, said twice
])
def test_other_questions_have_no_size_to_ask_among(figures, question):
    assert figures.within(question, "de") is None


def test_the_cities_of_a_size_that_say_it_are_listed_and_the_head_names_the_size(real_report, figures):
    from assistant.across import CityFinder
    from assistant.answer import load_glossary

    finder = CityFinder(real_report, load_glossary())
    question = "Welche Großstädte haben einen Chief Digital Officer?"
    within = figures.within(question, "de")
    answer = finder.run(within.rest, "de", [], within=within)
    cities = {c.source for c in answer.citations}
    assert cities and cities <= within.cities and "Emden" not in cities  # Emden has a CDO but is small
    assert "mehr als 100.000 Einwohnern" in answer.text


@pytest.mark.parametrize(("question", "lang"), [
    ("Gibt es im Atlas noch weitere Millionenstädte?", "de"), ("Which million-plus cities are there?", "en")])
def test_million_cities_are_those_with_a_million_inhabitants_or_more(figures, question, lang):
    answer = figures.run(question, lang, [])
    assert listed_cities(answer) == ["Berlin", "Hamburg", "München", "Köln"]


def ask_about_ulm(figures: FigureAnswerer, question: str):
    """The figures' answer to a question about Ulm, in its language (the English ones begin with "how")."""
    return figures.run(question, "en" if question.lower().startswith("how") else "de", ["Ulm"])


@pytest.mark.parametrize("question", ["Wie groß wird die neue Stadtbibliothek in Ulm?",
                                      "How large is the planned data centre in Ulm?",
                                      "Wie groß ist eigentlich das Gewerbegebiet in Ulm?"])
def test_how_big_a_thing_in_a_city_is_not_the_citys_size(figures, question):
    assert ask_about_ulm(figures, question) is None


@pytest.mark.parametrize("question", ["Wie groß ist die Stadt Ulm?", "How big is the city of Ulm?",
                                      "Wie groß ist Ulm eigentlich?"])
def test_how_big_the_city_is_gives_its_figures(figures, question):
    answer = ask_about_ulm(figures, question)
    assert answer is not None and "119" in answer.text


@pytest.mark.parametrize(("question", "lang", "city"), [
    ("Welche Mittelstadt hat die größte Fläche?", "de", "Kaiserslautern"),
    ("Which medium-sized town has the most inhabitants?", "en", None),
    ("Welche Großstadt hat die wenigsten Einwohner?", "de", "Cottbus"),
    ("Unter den Städten, die keine Großstädte sind: welche hat die kleinste Fläche?", "de", None),
])
def test_a_superlative_within_a_size_class_ranks_only_that_class(figures, question, lang, city):
    answer = figures.run(question, lang, [])
    head = "Unter den Städten mit" if lang == "de" else "Among the cities with"
    assert answer.text.startswith(head) and "100" in answer.text.split(":")[0]
    ranked = answer.citations[0].source
    population = figures.figures[ranked].population
    assert (population >= 100_000) == ("Großstadt" in question and "keine" not in question)
    assert city is None or ranked == city


@pytest.mark.parametrize("question", ["Wie viele Bürger nutzen eigentlich die Ulmer Bürger-App?",
                                      "How many residents actually signed up for the Ulm newsletter?",
                                      "Wie viele Menschen besuchten das Stadtfest in Ulm?"])
def test_how_many_people_do_something_is_not_the_population(figures, question):
    assert ask_about_ulm(figures, question) is None


@pytest.mark.parametrize("question", ["Wie viele Einwohner leben eigentlich in Ulm?", "How many people live in Ulm?",
                                      "how many inhabitants ulm", "Wie viele Einwohner hat Ulm insgesamt?"])
def test_how_many_people_live_there_is_the_population(figures, question):
    answer = ask_about_ulm(figures, question)
    assert answer is not None and "125" in answer.text


@pytest.mark.parametrize(("question", "lang", "cities", "metric", "fewest"), [
    ("Wo wohnen mehr Menschen, in Jena oder in Bonn?", "de", ["Jena", "Bonn"], "population", False),
    ("Where do more people live, Jena or Bonn?", "en", ["Jena", "Bonn"], "population", False),
    ("Welche der beiden hat weniger Einwohner, Jena oder Bonn?", "de", ["Jena", "Bonn"], "population", True),
    ("Which one is smaller, Bonn or Jena?", "en", ["Bonn", "Jena"], "area", True),
    ("Ist Bonn größer als Jena?", "de", ["Bonn", "Jena"], "population", False),
])
def test_a_comparison_says_which_city_has_more(figures, real_report, question, lang, cities, metric, fewest):
    answer = figures.run(question, lang, cities)
    assert answer is not None and not answer.refused
    values = {c: real_report.city(c).population if metric == "population" else real_report.city(c).area_km2
              for c in cities}
    expected = (min if fewest else max)(cities, key=values.get)
    label = say(lang, ("smallest_" if fewest else "largest_") + metric)
    assert f"{label}: {expected}." in answer.text.splitlines()
    assert len(answer.citations) == 2


def test_the_larger_thing_of_two_cities_is_not_their_size(figures):
    assert figures.run("Welche Stadt hat das größere Budget, Bonn oder Jena?", "de", ["Bonn", "Jena"]) is None


@pytest.mark.parametrize("question", ["Wie viel kostet der flächendeckende Glasfaserausbau in Ulm?",
                                      "How many flats are built in the sub-area of the new Ulm quarter?"])
def test_words_that_only_contain_area_are_not_the_citys_area(figures, question):
    assert FigureAnswerer.metrics(question) == []


@pytest.mark.parametrize(("question", "lang", "count"), [
    ("Welche der 50 Städte hat die kleinste Fläche?", "de", 1),
    ("Which of the 50 cities are the three largest?", "en", 3),
    ("Welche sind die fünf kleinsten?", "de", 5),
])
def test_the_reports_fifty_cities_are_no_count_of_a_ranking(figures, question, lang, count):
    answer = figures.run(question, lang, [])
    assert answer is not None and len(answer.citations) == count


@pytest.mark.parametrize(("question", "other"), [
    ("Which place did Ulm reach, and among how many cities?", True),
    ("Wie viele Projekte hat Ulm?", True),
    ("how many ppl live in ulm", False),
    ("Wie viele leben in Ulm?", False),
    ("Wie viel Land umfasst das Ulmer Stadtgebiet?", False),
])
def test_a_count_of_something_other_than_people(question, other):
    from assistant.facts import _counts_something_else

    assert _counts_something_else(question) is other


@pytest.mark.parametrize(("question", "figure"), [
    ("Wie viele Einwohner hat Musterstadt?", True),
    ("musterstadt einwohner", True),                          # a keyword query asks for the figure
    ("What is the population of Musterstadt?", True),
    ("Welche Fläche hat Musterstadt?", True),
    ("Welche Stadt hat die meisten Einwohner?", True),
    ("Haben mehr als 100.000 Menschen dort ihren Wohnsitz?", True),
    ("Wie werden die Ideen der Einwohner in die Planung einbezogen?", False),  # the people do something
    ("How does Musterstadt involve its population?", False),
    ("Wie nutzt die Stadt das große Engagement ihrer Bürger?", False),
])
def test_a_question_naming_the_people_asks_for_a_figure_only_with_a_word_of_amount(question, figure):
    from assistant.facts import FigureAnswerer, asks_amount

    assert asks_amount(question) is figure
    if "Ideen" in question or "involve" in question or "Engagement" in question:
        assert FigureAnswerer.metrics(question) == []


@pytest.mark.parametrize(("question", "metrics"), [
    ("Wie viele Flächen für Unterkünfte wurden gefunden?", []),    # pieces of land counted
    ("How many areas were mapped in the project?", []),
    ("Wie viele Quadratkilometer Fläche hat Musterstadt?", ["area"]),
    ("Welche Fläche hat Musterstadt?", ["area"]),
])
def test_a_count_of_areas_is_not_the_city_area(question, metrics):
    from assistant.facts import FigureAnswerer

    assert FigureAnswerer.metrics(question) == metrics


@pytest.fixture()
def made_up() -> FigureAnswerer:
    return FigureAnswerer([Figures("Asthausen", 900_000, 300), Figures("Birkenfeld", 500_000, 120),
                           Figures("Cederberg", 300_000, 250), Figures("Dornbach", 80_000, 60)])


@pytest.mark.parametrize(("question", "lang", "city"), [
    ("Welche Stadt hat die zweitgrößte Fläche?", "de", "Cederberg"),
    ("Welche Stadt hat die drittmeisten Einwohner?", "de", "Cederberg"),
    ("Which city is the second most populous?", "en", "Birkenfeld"),
    ("Which is the 2nd smallest city by area?", "en", "Birkenfeld"),
    ("Welche Stadt ist die zweitkleinste nach Einwohnern?", "de", "Cederberg"),
])
def test_an_ordinal_asks_for_that_place_in_the_ranking_and_names_the_ones_before(made_up, question, lang, city):
    answer = made_up.run(question, lang, [])
    assert [c.source for c in answer.citations] == [city]
    before = {"Cederberg": ("Asthausen", "Dornbach"), "Birkenfeld": ("Asthausen", "Dornbach")}[city]
    assert any(b in answer.text for b in before)  # "Nach Asthausen: ..."


def test_the_second_phase_is_no_place_in_a_ranking(made_up):
    assert FigureAnswerer._rank("Welche Stadt war in der zweiten Phase die größte?") == 1
    assert FigureAnswerer._rank("die zweite Stadt mit der größten Fläche") == 1


def test_cities_left_out_of_a_ranking_are_skipped_and_named(made_up):
    from assistant.understand import Query

    question = "Welche Stadt hat ohne Asthausen die meisten Einwohner?"
    query = Query(asked=question, text=question, language="de", besides=("Asthausen",))
    answer = made_up.run(question, "de", [], query)
    assert [c.source for c in answer.citations] == ["Birkenfeld"]
    assert "Ohne Asthausen" in answer.text


@pytest.mark.parametrize("question", [
    "Among the towns with fewer than 50,000 inhabitants, which one has the largest area?",
    "Welche der Städte mit weniger als 50.000 Einwohnern hat die größte Fläche?",
])
def test_an_amount_is_no_count_of_a_ranking(made_up, question):
    assert FigureAnswerer._count(question) == 1

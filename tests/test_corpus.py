"""Parsing the report: profiles, figures, projects, chapters, Anhang A, noise and page breaks."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from conftest import MINI_REPORT

from assistant.corpus import CHAPTERS, FIGURES_SECTION, HANDLUNGSFELDER, ReportParser, load_report, parse_int
from assistant.errors import CorpusError

NOISE = (
    "stock.adobe.com",
    "digitalestadt@bitkom.org",
    "DIGITIZE PUBLIC SERVICES",
    "Inhaltsverzeichnis",
    "Daten- plattform",
    "Bildung Daten",  # the icon row, tabs turned into spaces
    "Handel IT",
    "Weiterführende Informationen",
)


def all_text(report) -> str:
    return "\n".join(s.text for s in report.sections)


def de(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def assert_figures_in_source(report, raw: str) -> None:
    """Each parsed figure stands under its own city's heading in the markdown."""
    for city in report.cities:
        heading = re.search(rf"^#{{1,6}}\s*{re.escape(city.name)}\s*$", raw, re.M)
        assert heading, city.name
        head = raw[heading.end() : heading.end() + 300]
        assert re.search(rf"Einwohner:\s*{re.escape(de(city.population))}\b", head), city.name
        assert re.search(rf"Fläche in km(<sup>2</sup>|²|2):\s*{re.escape(de(city.area_km2))}\b", head), city.name


# -- the real report -------------------------------------------------------------------


def test_real_report_has_50_profiles_with_canonical_names(real_report):
    names = [c.name for c in real_report.cities]
    assert len(names) == 50
    assert len(set(names)) == 50
    for name in ("Bergisch-Gladbach", "Freiburg im Breisgau", "Oldenburg (Oldb)", "Aachen", "Würzburg"):
        assert name in names


@pytest.mark.parametrize(
    ("city", "population", "area"),
    [
        ("Aachen", 246272, 161),
        ("Augsburg", 292851, 147),
        ("Bamberg", 77179, 55),  # written without bold markers
        ("Braunschweig", 248023, None),  # written without bold markers
        ("Ravensburg", 50393, None),
        ("Berlin", 3613495, None),
    ],
)
def test_real_figures_are_parsed_as_integers(real_report, city, population, area):
    profile = real_report.city(city)
    assert profile is not None
    assert isinstance(profile.population, int) and profile.population == population
    if area is not None:
        assert isinstance(profile.area_km2, int) and profile.area_km2 == area


def test_every_stored_figure_occurs_in_the_corpus(real_report, real_text):
    assert_figures_in_source(real_report, real_text)


def test_figures_section_restates_the_parsed_figures(real_report):
    for city in real_report.cities:
        figures = city.sections[0]
        assert figures.section == FIGURES_SECTION
        assert f"Einwohner: {de(city.population)}." in figures.text
        assert f"Fläche in km²: {de(city.area_km2)}." in figures.text


def test_real_projects_are_144_with_one_to_three_per_city(real_report):
    per_city = {c.name: len(c.projects) for c in real_report.cities}
    assert sum(per_city.values()) == 144
    assert all(1 <= n <= 3 for n in per_city.values()), per_city


def test_project_fields_come_from_the_heading_parentheses(real_report):
    for city in real_report.cities:
        for project in city.projects:
            assert project.fields, (city.name, project.title)
            assert set(project.fields) <= set(HANDLUNGSFELDER), (city.name, project.fields)
            assert not project.title.endswith((")", ":")), project.title
            assert project.text, project.title
    koeln = {p.title: p.fields for p in real_report.city("Köln").projects}
    assert koeln["Saubere Luft 2017 bis 2020"] == ("Mobilität",)  # heading ends with "(Mobilität):"
    wuerzburg = {p.title: p.fields for p in real_report.city("Würzburg").projects}
    assert wuerzburg["Green-City-Plan Würzburg"] == ("Energie & Umwelt", "Mobilität")


def test_projects_are_indexed_as_profile_sections(real_report):
    koeln = real_report.city("Köln")
    labels = [s.section for s in koeln.sections]
    assert "Projektbeispiele: Saubere Luft 2017 bis 2020 (Mobilität)" in labels


def test_appendix_a_lists_144_entries_matching_its_counts(real_report):
    entries = real_report.appendix
    assert len(entries) == 144
    counts = real_report.appendix_counts
    assert set(counts) == set(HANDLUNGSFELDER)
    assert sum(counts.values()) == 144
    assert Counter(e.field for e in entries) == Counter(counts)


def test_appendix_cities_are_mapped_to_profile_names(real_report):
    names = {c.name for c in real_report.cities}
    assert {e.city for e in real_report.appendix} <= names
    written = {e.city_as_written: e.city for e in real_report.appendix}
    assert written["Freiburg"] == "Freiburg im Breisgau"
    assert written["Bergisch Gladbach"] == "Bergisch-Gladbach"
    assert written["Oldenburg"] == "Oldenburg (Oldb)"


def test_chapter_sources_are_exactly_the_canonical_chapters(real_report):
    assert {s.source for s in real_report.chapters} == set(CHAPTERS)
    assert all(s.kind in ("chapter", "appendix") and not s.city for s in real_report.chapters)


def test_sections_keep_reading_order(real_report):
    sources = [s.source for s in real_report.sections]
    assert sources[0] == "1 Einleitung"
    assert sources.index("3 Steckbriefe") < sources.index("Aachen") < sources.index("Würzburg")
    assert sources.index("Würzburg") < sources.index("4.1 Motivation und Zielsetzungen")
    assert sources[-1] == "Anhang A"


@pytest.mark.parametrize("noise", NOISE)
def test_no_noise_is_indexed_from_the_real_report(real_report, noise):
    assert noise not in all_text(real_report)


@pytest.mark.parametrize(
    "joined",
    [
        "den städtischen Betrieben und der Stadtverwaltung selbst",
        "Verschlankungen",
        "Cyber Security, Gefahrenabwehr)",
    ],
)
def test_page_breaks_and_hyphenation_are_joined_in_the_real_report(real_report, joined):
    assert joined in all_text(real_report)


def test_no_section_is_empty(real_report):
    assert all(s.text.strip() for s in real_report.sections)


# -- the fixture report ----------------------------------------------------------------


def test_fixture_report_parses_three_profiles(mini_report):
    assert [c.name for c in mini_report.cities] == ["Aachen", "Bamberg", "Freiburg im Breisgau"]
    figures = {c.name: (c.population, c.area_km2) for c in mini_report.cities}
    assert figures == {"Aachen": (246272, 161), "Bamberg": (77179, 55), "Freiburg im Breisgau": (229636, 153)}
    assert_figures_in_source(mini_report, MINI_REPORT.read_text(encoding="utf-8"))


def test_fixture_profile_sections_and_projects(mini_report):
    aachen = mini_report.city("Aachen")
    sections = [s.section for s in aachen.sections]
    assert sections[:4] == [FIGURES_SECTION, "Organisationsstruktur", "Stakeholder & Beteiligung",
                            "Chancen & Herausforderungen"]
    assert "Weiterführende Informationen" not in sections
    assert [(p.title, p.fields) for p in aachen.projects] == [
        ("Autonom fahrender Marktliner", ("Mobilität",)),
        ("Bargeldlose Stadtverwaltung", ("Verwaltung",)),
    ]
    freiburg = mini_report.city("Freiburg im Breisgau")
    assert ("Radverkehr digital", ("Mobilität",)) in [(p.title, p.fields) for p in freiburg.projects]
    assert all(s.city == s.source for c in mini_report.cities for s in c.sections)


def test_fixture_chapters_and_appendix(mini_report):
    assert {s.source for s in mini_report.chapters} == set(CHAPTERS)
    assert mini_report.appendix_counts == {"Datenplattform": 1, "Verwaltung": 1, "Mobilität": 3}
    assert Counter(e.field for e in mini_report.appendix) == Counter(mini_report.appendix_counts)
    by_title = {e.title: e for e in mini_report.appendix}
    assert by_title["Open Data Portal"].city == "Freiburg im Breisgau"
    assert by_title["Open Data Portal"].city_as_written == "Freiburg"
    assert by_title["Bird-E-Scooter"].city == "Bamberg"
    assert by_title["Bargeldlose Stadtverwaltung"].field == "Verwaltung"  # from the HTML list


@pytest.mark.parametrize("noise", (*NOISE, "miniatlas@example.org", "Congress", "Abbildung 2", "↗"))
def test_no_noise_is_indexed_from_the_fixture(mini_report, noise):
    assert noise not in all_text(mini_report)


def test_fixture_page_break_joins(mini_report):
    text = all_text(mini_report)
    assert "gefolgt von den üblichen politischen Prozessen und dem Beschluss im Stadtrat." in text
    assert "Verschlankungen" in text
    # The footnote that the page break put inside the sentence is moved behind it.
    handlungsfelder = next(s for s in mini_report.chapters if s.source == "4.2 Handlungsfelder")
    sentence = "(beispielsweise Cyber Security, Gefahrenabwehr) wird dagegen seltener genannt."
    footnote = "Eine Stadt ordnet das Thema einem eigenen Fachbereich zu."
    assert sentence in handlungsfelder.text
    assert handlungsfelder.text.index(sentence) < handlungsfelder.text.index(footnote)


def test_duplicated_chapter_headings_give_one_section(mini_report):
    intro = [s for s in mini_report.chapters if s.source == "1 Einleitung"]
    assert len(intro) == 1


# -- errors ----------------------------------------------------------------------------


def test_text_without_structure_raises():
    with pytest.raises(CorpusError, match="no chapter or city profile"):
        ReportParser().run("Ein Text ohne Überschriften.\n\nNoch ein Absatz.")


def test_text_without_cities_raises():
    with pytest.raises(CorpusError, match="found 0"):
        ReportParser(expected_cities=1).run("# 1 Einleitung\n\nEinleitung ohne Städte.\n")


def test_wrong_city_count_raises():
    with pytest.raises(CorpusError, match="expected 50 city profiles, found 3"):
        ReportParser().run(MINI_REPORT.read_text(encoding="utf-8"))


def test_missing_file_raises(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        load_report(tmp_path / "missing.md")


def test_non_utf8_file_raises(tmp_path):
    path = tmp_path / "latin1.md"
    path.write_bytes("# 1 Einleitung\n\nFläche".encode("latin-1"))
    with pytest.raises(CorpusError, match="UTF-8"):
        load_report(path)


def test_expected_cities_must_be_positive():
    with pytest.raises(ValueError):
        ReportParser(expected_cities=0)


@pytest.mark.parametrize(("text", "value"), [("246.272", 246272), ("3.613.495", 3613495), ("55", 55)])
def test_parse_int(text, value):
    assert parse_int(text) == value


def test_parse_int_rejects_non_numbers():
    with pytest.raises(CorpusError):
        parse_int("12,5")

"""The report pack's structure file: checked when read, and true to the shipped report."""

from __future__ import annotations

import pytest

from assistant.report_pack import ReportPack, report_pack


def test_the_shipped_pack_names_the_reports_own_sections_and_fields(real_report):
    pack = report_pack()
    profile_sections = {s.section for city in real_report.cities for s in city.sections}
    assert {name for _, name in pack.sections} <= profile_sections
    assert set(pack.fields) == {entry.field for entry in real_report.appendix}


def test_the_patterns_read_questions(real_report):
    pack = report_pack()
    assert [name for words, name in pack.sections if words.search("Wer koordiniert das?")] == ["Organisationsstruktur"]
    assert pack.lighthouse.search("Welche Vorzeigeprojekte gibt es?") and not pack.lighthouse.search("EU Lighthouse City")



@pytest.mark.parametrize(("question", "section"), [
    ("Welche Hürden stehen der Stadt im Weg?", "Chancen & Herausforderungen"),
    ("What drawbacks does the town fear?", "Chancen & Herausforderungen"),
    ("Can ordinary people take part in shaping the plans?", "Stakeholder & Beteiligung"),
    ("Was erhofft sich die Stadt davon?", "Motivation & Zielsetzung"),
])
def test_a_sections_everyday_words_name_it(question, section):
    assert section in [name for words, name in report_pack().sections if words.search(question)]


@pytest.mark.parametrize(("text", "message"), [
    ("[fields]\n", "missing table"),
    ("[sections]\nA = '('\n[fields]\n[lighthouse]\nwords = 'x'\nprojects = 'y'\n[report]\nnames = 'r'\n",
     "sections.A is not a valid pattern"),
    ("[sections]\n[fields]\nB = ''\n[lighthouse]\nwords = 'x'\nprojects = 'y'\n[report]\nnames = 'r'\n",
     "fields.B must be a non-empty"),
    ("[sections]\n[fields]\n[lighthouse]\nwords = 'x'\n[report]\nnames = 'r'\n", "lighthouse.projects must be"),
    ("[sections]\n[fields]\n[lighthouse]\nwords = 'x'\nprojects = 'y'\n[report]\n", "report.names must be"),
])
def test_a_broken_pack_is_an_error_that_names_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "report.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        ReportPack.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("question", "read"), [
    ("Welche Bericht-Städte nutzen Sensoren?", "Welche Städte nutzen Sensoren?"),
    ("Welche Kommunen aus dem Smart City Atlas fördern Start-ups?", "Welche Kommunen fördern Start-ups?"),
    ("In which towns of the study is there free wifi?", "In which towns is there free wifi?"),
    ("sensoren städte studie", "sensoren städte"),
    ("Welche Mittelstädte laut Atlas haben ein Bürgerportal?", "Welche Mittelstädte haben ein Bürgerportal?"),
    # the report asked about, not qualifying cities: kept
    ("Wer hat die Studie beauftragt?", "Wer hat die Studie beauftragt?"),
    ("Wie viele Städte untersucht der Bericht?", "Wie viele Städte untersucht der Bericht?"),
    ("What does the report recommend to small cities?", "What does the report recommend to small cities?"),
])
def test_the_reports_own_names_are_dropped_where_they_only_qualify_the_cities(question, read):
    assert report_pack().without_names(question) == read


@pytest.mark.parametrize(("question", "left"), [
    ("Wer wirkt laut Querschnittsanalyse in den Arbeitsgruppen mit?", "Wer wirkt in den Arbeitsgruppen mit?"),
    ("According to the cross-city analysis, which field comes last?", ", which field comes last?"),
    ("Wie viele Städte wurden im Smart-City-Atlas untersucht?", "Wie viele Städte wurden untersucht?"),
    ("Welche Partner hatte die Studie?", "Welche Partner hatte die Studie?"),  # the study itself asked about
])
def test_a_question_citing_the_report_as_its_source_keeps_only_what_it_asks(question, left):
    from assistant.report_pack import report_pack

    assert " ".join(report_pack().without_attribution(question).split()) == " ".join(left.split())

"""The grounding check: citations, numbers in German and English notation, names."""

from __future__ import annotations

import pytest

from assistant.grounding import GroundingCheck, markers, number_values, sentences

AACHEN = ("Aachen – Einwohner: Einwohner: 246.272. Fläche in km²: 161. In Aachen koordiniert ein Chief Digital "
          "Officer als Stabsstelle beim Oberbürgermeister die digitale Transformation der Verwaltung.")
BAMBERG = ("Bamberg – Bird-E-Scooter (Mobilität): Elektrische Tretroller ergänzen seit 2019 das Angebot für kurze "
           "Wege in der Altstadt.")
FIGURES = ("Querschnittsanalyse – 4.3 Institutionalisierungsgrad: 2,5 % der Städte haben ein Budget von 1,2 Mio. Euro; "
           "drei Städte nennen den Stand vom 31.12.2017. Die Datenplattform läuft mit 5G.")
PASSAGES = {1: AACHEN, 2: BAMBERG, 3: FIGURES}


@pytest.fixture(scope="module")
def check() -> GroundingCheck:
    return GroundingCheck()


@pytest.mark.parametrize("written, value", [
    ("246.272", "246272"),  # German thousands
    ("246,272", "246272"),  # English thousands
    ("246272", "246272"),
    ("246\u202f272", "246272"),  # narrow no-break space
    ("2,5", "2.5"),  # German decimal
    ("2.5", "2.5"),  # English decimal
    ("1.234.567,8", "1234567.8"),
    ("1,234,567.8", "1234567.8"),
    ("12 %", "12"),
    ("1,2 Mio.", "1200000"),
    ("1.2 million", "1200000"),
    ("drei", "3"),
    ("twelve", "12"),
    ("31.12.2017", "31.12.2017"),
])
def test_number_values_read_both_notations(written, value):
    assert value in number_values(written)


def test_number_values_do_not_confuse_different_numbers():
    assert not number_values("246.272") & number_values("250.000")
    assert not number_values("2,5") & number_values("25")
    assert number_values("2,500") == {"2500", "2.500"}  # English thousands or German decimal: both readings
    assert number_values("4.0") == {"4.0"}
    assert not number_values("Kapitel 4.10") & number_values("Kapitel 4.1")  # decimals count as written
    assert number_values("Satz [12].") == set()  # citation markers are not numbers


def test_dates_confirm_their_parts_only_on_the_passage_side():
    assert {"31", "12", "2017"} <= number_values("Stand 31.12.2017", parts=True)
    assert "2017" not in number_values("Stand 31.12.2017")


def test_sentences_keep_markers_after_the_full_stop():
    text = "Aachen hat 246.272 Einwohner. [1] Bamberg setzt seit 2019 Tretroller ein [2]. Ende [1][3]."
    assert sentences(text) == ["Aachen hat 246.272 Einwohner. [1]", "Bamberg setzt seit 2019 Tretroller ein [2].",
                               "Ende [1][3]."]


def test_markers_in_every_form():
    assert markers("a [1] b [2, 3] c [4;5][6]") == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("answer", [
    "Aachen hat 246.272 Einwohner [1].",
    "Aachen has a population of 246,272 [1].",
    "Aachen hat 246272 Einwohner. [1] In Bamberg ergänzen seit 2019 E-Scooter das Angebot [2].",
    "Laut Steckbrief koordiniert in Aachens Verwaltung ein Chief Digital Officer die Transformation [1].",
    "Aachen had 246,272 inhabitants as of 31 December 2017 [1][3].",
    "2.5 percent of the cities have a budget of 1.2 million euros [3].",
    "3 Städte nennen den Stand vom 31.12.2017 [3].",
    "Die Plattform läuft mit 5G [3].",
    "In der Altstadt ergänzen Tretroller das Angebot [2].",
])
def test_grounded_answers_pass(check, answer):
    result = check.run(answer, PASSAGES)
    assert result.ok, result.problems
    assert result.problems == []
    assert result.sentences == len(sentences(answer))


def test_an_invented_number_is_caught_in_german_and_english_notation(check):
    for answer, token in [("Aachen hat 250.000 Einwohner [1].", "250.000"),
                          ("Aachen has a population of 250,000 [1].", "250,000"),
                          ("Aachen hat 246.273 Einwohner [1].", "246.273"),
                          ("Seit 2018 ergänzen Tretroller das Angebot [2].", "2018"),
                          ("3,5 % der Städte haben ein Budget [3].", "3,5"),
                          ("Sieben Städte nennen den Stand [3].", "Sieben")]:
        result = check.run(answer, PASSAGES)
        assert not result.ok, answer
        assert any(f"number {token} " in p for p in result.problems), result.problems


def test_a_number_must_be_in_the_passage_the_sentence_cites(check):
    result = check.run("Bamberg hat 246.272 Einwohner [2].", PASSAGES)
    assert not result.ok
    assert result.problems == ["number 246.272 is not in the cited passages [2]: »Bamberg hat 246.272 Einwohner [2].«"]


def test_a_sentence_without_citation_fails(check):
    result = check.run("Aachen hat 246.272 Einwohner [1]. Das ist viel.", PASSAGES)
    assert not result.ok
    assert result.sentences == 2
    assert result.problems == ["no citation: »Das ist viel.«"]


def test_a_citation_of_a_passage_that_was_not_given_fails(check):
    result = check.run("Aachen hat 246.272 Einwohner [7].", PASSAGES)
    assert not result.ok
    assert "cites [7], which is not one of the passages" in result.problems[0]


@pytest.mark.parametrize("answer, name", [
    ("In Berlin ergänzen Tretroller das Angebot [2].", "Berlin"),
    ("Die Tretroller für Bamberg liefert Siemens [2].", "Siemens"),
    ("Das BMBF fördert den Chief Digital Officer in Aachen [1].", "BMBF"),
    ("Die Tretroller kommen von OpenMobility [2].", "OpenMobility"),
    ("Aachen testet den Standard 6G [1].", "6G"),
    ("In Bamberg koordiniert ein Chief Digital Officer die Transformation [2].", "Chief"),
])
def test_an_invented_name_is_caught(check, answer, name):
    result = check.run(answer, PASSAGES)
    assert not result.ok
    assert any(f"name {name} " in p for p in result.problems), result.problems


def test_an_empty_answer_fails(check):
    result = check.run("   ", PASSAGES)
    assert not result.ok and result.sentences == 0


def test_a_sentence_may_start_with_a_capital_its_passage_lacks_unless_it_is_a_known_name(check):
    assert check.run("Electric scooters complement the offer in Bamberg since 2019 [2].", PASSAGES).ok
    assert check.run("Gleichzeitig ergänzen Tretroller das Angebot [2].", PASSAGES).ok
    assert check.run("Berlin ergänzt das Angebot mit Tretrollern [2].", PASSAGES).ok  # not known to this check
    cities = GroundingCheck(names=["Aachen", "Bamberg", "Berlin", "Freiburg im Breisgau"])
    assert cities.names == {"aachen", "bamberg", "berlin", "freiburg", "breisgau"}
    for answer in ["Berlin ergänzt das Angebot mit Tretrollern [2].", "Berliner Tretroller ergänzen das Angebot [2].",
                   "BMBF-Tretroller ergänzen das Angebot [2].", "OpenMobility ergänzt das Angebot [2]."]:
        assert not cities.run(answer, PASSAGES).ok, answer
    assert cities.run("Bamberger Tretroller ergänzen seit 2019 das Angebot [2].", PASSAGES).ok


def test_every_problem_is_reported(check):
    result = GroundingCheck(names=["Berlin"]).run("Berlin hat 250.000 Einwohner [1]. Ohne Quelle.", PASSAGES)
    assert len(result.problems) == 3
    assert result.to_dict() == {"ok": False, "problems": result.problems, "sentences": 2}


def test_common_words_are_configurable():
    strict = GroundingCheck(common_words=frozenset())
    assert not strict.run("Laut Steckbrief hat Aachen 246.272 Einwohner [1].", PASSAGES).ok
    assert GroundingCheck().run("Laut Steckbrief hat Aachen 246.272 Einwohner [1].", PASSAGES).ok


def test_prefix_is_checked():
    with pytest.raises(ValueError, match="prefix"):
        GroundingCheck(prefix=2)


# -- the real report -------------------------------------------------------------------
@pytest.fixture(scope="module")
def real_passages(real_report):
    from assistant.chunking import StructureChunker
    from assistant.text import split_sentences

    out = []
    for chunk in StructureChunker().run(real_report):
        passage = f"{chunk.city or chunk.source} – {chunk.section}: {chunk.text}"
        out.extend((chunk, passage, s) for s in split_sentences(chunk.text))
    assert len(out) > 2000
    return out


def cite(sentence: str) -> str:
    return sentence.rstrip(".") + " [1]."


def test_every_sentence_of_the_report_passes_against_its_own_passage(check, real_passages):
    rejected = [(s, check.sentence_problems(cite(s), {1: p})) for _, p, s in real_passages]
    assert [r for r in rejected if r[1]] == []


def test_a_changed_number_in_any_sentence_of_the_report_is_caught(check, real_passages):
    import random
    import re

    rng = random.Random(7)
    tried = missed = 0
    for _, passage, sentence in real_passages:
        runs = list(re.finditer(r"\d+", sentence))
        if not runs:
            continue
        m = rng.choice(runs)
        new = str(int(m.group(0)) + 7)
        if new in passage or number_values(new) & number_values(passage, parts=True):  # "10" and "zehn"
            continue
        tried += 1
        missed += not check.sentence_problems(cite(sentence[:m.start()] + new + sentence[m.end():]), {1: passage})
    assert tried > 400 and missed == 0


def test_another_city_named_in_a_profile_sentence_is_caught(real_report, real_passages):
    import random
    import re

    rng = random.Random(7)
    names = [c.name for c in real_report.cities]
    check = GroundingCheck(names=names)
    tried = missed = 0
    for chunk, passage, sentence in real_passages:
        city = re.compile(rf"\b{re.escape(chunk.city)}\b") if chunk.city else None
        if city is None or not city.search(sentence):
            continue
        other = rng.choice([n for n in names if n.split()[0] not in passage])
        tried += 1
        missed += not check.sentence_problems(cite(city.sub(other, sentence)), {1: passage})
    assert tried > 500 and missed == 0

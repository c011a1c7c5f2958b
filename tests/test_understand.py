"""The understanding stage: question cores, spelling, amounts and intents from example phrasings.

The phrasings here are written for these tests; none is an evaluation item."""

from collections import Counter

import numpy as np
import pytest

from assistant.amounts import Condition, condition, parse_number
from assistant.understand import ExemplarClassifier, Speller, Understanding, core_question, is_keywords, is_yes_no


@pytest.mark.parametrize(("text", "op", "value"), [
    ("Städte mit mehr als 250.000 Einwohnern", "more", 250_000),
    ("towns with just under 80k people", "less", 80_000),
    ("über eine halbe Million Menschen", "more", 500_000),
    ("at least 1.2 million residents", "more", 1_200_000),
    ("weniger als 0,2 Mio. Einwohner", "less", 200_000),
    ("fewer than 40 thousand inhabitants", "less", 40_000),
    ("Fläche unter 60 km²", "less", 60),
])
def test_conditions_people_write(text, op, value):
    found = condition(text)
    assert found is not None and found.op == op and found.value == pytest.approx(value)


def test_around_and_between_are_ranges():
    around = condition("Welche Stadt hat rund 150.000 Einwohner?")
    assert around.op == "around" and around.holds(140_000) and around.holds(160_000) and not around.holds(120_000)
    between = condition("cities between 60,000 and 90,000 inhabitants")
    assert between.op == "between" and between.holds(75_000) and not between.holds(95_000)
    assert condition("Wie viele Einwohner hat Kiel?") is None
    assert Condition("more", 10).holds(11) and not Condition("more", 10).holds(10)


def test_numbers_with_separators_and_scales():
    assert parse_number("1.234.567") == 1_234_567
    assert parse_number("2,5", "Mio.") == 2_500_000
    assert parse_number("300", None, "k") == 300_000
    assert parse_number("12,5") == 12.5


@pytest.mark.parametrize(("text", "core"), [
    ("Mein Nachbar behauptet etwas anderes, aber wie alt ist die Strategie?", "aber wie alt ist die Strategie?"),
    ("We moved here last year. Which services does the town offer online?", "Which services does the town offer online?"),
    ("Ich bereite eine Sitzung vor und frage mich, wer das Projekt leitet.", "wer das Projekt leitet."),
    ("Our mayor wonders whether other towns share their data openly.", "whether other towns share their data openly."),
    ("Ich leite einen Sportverein und suche Ideen: Welche Städte fördern Vereine digital?",
     "Welche Städte fördern Vereine digital?"),
])
def test_context_about_the_asker_is_cut_off(text, core):
    assert core_question(text)[0] == core


@pytest.mark.parametrize("text", [
    "Parkleitsystem Xstadt – wie viele Sensoren?",  # a leading topic belongs to the question
    "Hat Ystadt, soweit bekannt, eine Datenplattform?",  # a question that opens its sentence is whole
    "energie projekte ystadt",  # keywords
    "Wie heißt das Programm, und wer finanziert es?",
])
def test_questions_without_personal_context_stay_whole(text):
    assert core_question(text) == (text, "")


def test_meta_question_points_back_to_the_sentence_before():
    core, context = core_question("Ich habe eine Wette laufen, wie viele Menschen in Xstadt wohnen. Was sagt ihr dazu?")
    assert core.startswith("wie viele Menschen in Xstadt wohnen") and "Wette" in context


def test_speller_fixes_unknown_words_from_the_vocabulary_only():
    vocabulary = Counter({"digitalisierung": 40, "bürgerbeteiligung": 5, "verwaltung": 30, "stadtwerke": 3})
    known = {"wie", "die", "hat", "the", "town", "wan", "bürger"}
    speller = Speller(vocabulary, lambda w: w in known or w in vocabulary)
    assert speller.correct("wie lief die digitalisirung") == "wie lief die digitalisierung"
    assert speller.correct("burgerbeteilgung in der verwaltnug") == "bürgerbeteiligung in der verwaltung"
    assert speller.correct("wan hat die town") == "wan hat die town"  # known words and short ones stay
    assert speller.correct("Sie nutzt Quixotron") == "Sie nutzt Quixotron"  # a name inside the sentence stays
    with pytest.raises(ValueError):
        Speller(Counter(), lambda w: False)


class TopicEmbedder:
    """Vectors from topic words, so that similar wordings are near each other."""

    name = "topic-fake"
    TOPICS = (("einwohner", "leben", "wohnen", "people", "live", "population"), ("fläche", "km", "area", "groß"),
              ("projekt", "project", "app"), ("wann", "when"))

    def embed_query(self, text):
        low = text.lower()
        v = np.array([sum(w in low for w in words) for words in self.TOPICS], dtype=float) + 0.05
        return v / np.linalg.norm(v)


def test_classifier_reads_intents_from_examples_and_caches_them(tmp_path):
    classifier = ExemplarClassifier({
        "population": ["wie viele leben dort", "population of the town"],
        "area": ["fläche in km", "wie groß ist die fläche"],
        "other": ["welches projekt gibt es", "wann startete die app"]}, k=1)
    with pytest.raises(RuntimeError):
        classifier.classify(np.ones(4) / 2)
    classifier.warm_up(TopicEmbedder(), tmp_path)
    assert list(tmp_path.glob("intents-*.npy"))
    emb = TopicEmbedder()
    assert classifier.classify(emb.embed_query("how many people live in it"))[0] == "population"
    assert classifier.classify(emb.embed_query("km fläche bitte"))[0] == "area"
    assert classifier.classify(emb.embed_query("project app"))[0] == "other"
    class Unusable(TopicEmbedder):
        def embed_query(self, text):
            raise AssertionError("the cached vectors are read, nothing is embedded again")

    again = ExemplarClassifier(classifier.examples, k=1)
    again.warm_up(Unusable(), tmp_path)
    assert again.classify(emb.embed_query("wohnen leben"))[0] == "population"
    with pytest.raises(ValueError):
        ExemplarClassifier({"a": []})


def test_understanding_reads_slots_from_the_core_and_keeps_context_cities():
    class Mention:
        def __init__(self, name, profiled):
            self.name, self.profiled = name, profiled

    def find(text):
        return [Mention(n, p) for n, p in (("Xstadt", True), ("Kleinort", False)) if n in text]

    classifier = ExemplarClassifier({"population": ["wie viele leben wohnen"], "area": ["fläche km"],
                                     "other": ["projekt app wann"]}, k=1)
    emb = TopicEmbedder()
    classifier.warm_up(emb)
    understanding = Understanding(classifier, find_cities=find, min_margin=0.05)
    q = understanding.run("Ich ziehe bald nach Xstadt. Wie viele Leute wohnen da?", "de", emb.embed_query)
    assert q.attribute == "population" and q.context_cities == ("Xstadt",) and q.core == "Wie viele Leute wohnen da?"
    q = understanding.run("Hat Xstadt mehr als 90.000 Einwohner?", "de", emb.embed_query)
    assert q.yes_no and q.condition == Condition("more", 90_000) and q.vector is not None
    q = understanding.run("Welche App gibt es wann?", "de", emb.embed_query)
    assert q.attribute is None and not q.yes_no
    # the cities set aside first, then a yes/no question about other cities: a list of them
    q = understanding.run("Neben Xstadt, gibt es noch weitere Städte mit Sensoren?", "de", emb.embed_query)
    assert q.yes_no and q.lists_cities and q.core == "gibt es noch weitere Städte mit Sensoren?"
    q = understanding.run("Apart from Xtown, do any other towns run sensors?", "en", emb.embed_query)
    assert q.yes_no and q.lists_cities
    assert not understanding.run("Gibt es in Xstadt Sensoren?", "de", emb.embed_query).lists_cities


@pytest.mark.parametrize(("text", "lang", "yes_no"), [
    ("Was macht das Amt für Digitales?", "de", False),
    ("Was sind die Ziele der Agenda?", "de", False),
    ("Was the app a success?", "en", True),
    ("War das Projekt erfolgreich?", "de", True),
    ("Gibt es in Xstadt ein Reallabor?", "de", True),
    # any finite verb first, not only those of a list
    ("Kooperiert Xstadt mit der Hochschule?", "de", True),
    ("Betreibt außer Xstadt noch eine Stadt ein Funknetz?", "de", True),
    ("Projekt Funknetz in Xstadt?", "de", False),  # a noun first
    ("Digitalstrategie Xstadt?", "de", False),
])
def test_german_was_asks_what_and_english_was_asks_yes_or_no(text, lang, yes_no):
    assert is_yes_no(text, lang) is yes_no


@pytest.mark.parametrize(("text", "keywords"), [
    ("sensor projekte parken", True), ("open data cities", True), ("Welche Städte?", False),
    ("Hat Xstadt ein Portal", False), ("projects on energy?", False), ("how many labs", False),
])
def test_keyword_questions_are_told_apart(text, keywords):
    assert is_keywords(text) is keywords


def test_a_meta_question_after_a_dash_points_back_to_the_clause_before_it():
    from assistant.understand import core_question

    core, context = core_question("Für meinen Vortrag fehlt mir noch die Fläche von Jena – was sagt der Atlas dazu?")
    assert "Fläche von Jena" in core and context == ""
    # a question of its own after the asker's context is still cut out of it
    core, _ = core_question("Für meinen Vortrag brauche ich Zahlen, wie groß ist die Fläche von Jena?")
    assert core == "wie groß ist die Fläche von Jena?"


def test_the_dictionaries_words_are_kept_as_one_list_and_read_back_the_same(tmp_path, caplog):
    from assistant.understand import _dictionaries

    first = _dictionaries(tmp_path)  # pyspellchecker's own, and the list written beside them
    kept = list(tmp_path.glob("speller-words-*.txt"))
    assert len(kept) == 1 and not list(tmp_path.glob("*.partial"))
    again = _dictionaries(tmp_path)
    assert len(again) == 1
    for word in ("digitalisierung", "bürger", "strategy", "citizens", "qwzxv"):
        assert (word in again[0]) == any(word in d for d in first)
    # a list cut short is not trusted: the dictionaries are read again (and the list written whole)
    kept[0].write_text(kept[0].read_text(encoding="utf-8")[:1000], encoding="utf-8")
    reread = _dictionaries(tmp_path)
    assert len(reread) == 2 and "damaged" in caplog.text
    assert len(_dictionaries(tmp_path)[0]) > 100_000


@pytest.mark.parametrize(("clause", "asker"), [
    ("Ich wohne in Kassel", True), ("My daughter studies in Jena", True), ("Wie viele Einwohner hat Ulm", False),
])
def test_a_clause_about_the_asker(clause, asker):
    from assistant.understand import about_the_asker

    assert about_the_asker(clause) is asker


def test_a_yes_no_question_about_one_other_city_asks_for_cities_too():
    from assistant.understand import _OTHER_CITIES

    assert _OTHER_CITIES.search("Nutzt noch eine weitere Stadt Freifunk?")
    assert _OTHER_CITIES.search("Kooperiert noch eine andere porträtierte Stadt mit Firmen?")
    assert _OTHER_CITIES.search("Does another city run such a lab?")
    assert not _OTHER_CITIES.search("Hat die Stadt eine andere Strategie?")

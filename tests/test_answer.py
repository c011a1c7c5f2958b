"""Answers through the service on the fixture index: figures, refusals, quotes, citations, bad input."""

from __future__ import annotations

import pytest

from assistant.answer import ExtractiveAnswerer
from assistant.corpus import FIGURES_SECTION
from assistant.errors import InputError
from assistant.service import clean_question
from assistant.weights import SentenceWeights


def assert_numbered_citations(answer) -> None:
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text


def test_population_question_gets_the_exact_figure(mini_assistant):
    answer = mini_assistant.ask("Wie viele Einwohner hat Aachen?")
    assert not answer.refused
    assert answer.language == "de"
    assert "246.272" in answer.text
    assert [(c.source, c.section) for c in answer.citations] == [("Aachen", FIGURES_SECTION)]
    assert_numbered_citations(answer)


def test_population_of_a_city_without_bold_figures(mini_assistant):
    answer = mini_assistant.ask("Wie viele Einwohner hat Bamberg?")
    assert "77.179" in answer.text
    assert answer.citations[0].source == "Bamberg"


def test_english_population_question_is_answered_in_english(mini_assistant):
    answer = mini_assistant.ask("What is the population of Aachen?")
    assert answer.language == "en"
    assert not answer.refused
    assert "246,272" in answer.text
    assert "population" in answer.text
    assert answer.citations[0].source == "Aachen"


def test_unprofiled_city_is_refused_by_name(mini_assistant):
    answer = mini_assistant.ask("Wie viele Einwohner hat Mainz?")
    assert answer.refused is True
    assert "Mainz" in answer.text
    assert answer.citations == ()
    assert "Einwohner:" not in answer.text


@pytest.mark.parametrize("question", ["Ich komme aus Mainz – welche Projekte hat meine Stadt?",
                                      "I grew up in Mainz. What does my hometown do about digitalisation?"])
def test_the_askers_own_town_is_what_they_ask_about(mini_assistant, question):
    answer = mini_assistant.ask(question)
    assert answer.refused is True and "Mainz" in answer.text


def test_a_town_the_asker_lives_in_is_not_what_they_ask_about(mini_assistant):
    answer = mini_assistant.ask("Ich wohne in Mainz und frage mich, wie viele Einwohner Aachen hat.")
    assert not answer.refused and "Mainz" not in answer.text


@pytest.mark.parametrize(
    "question",
    ["What is the weather on Mars tomorrow?", "Welches Rezept empfiehlt der Koch für Apfelkuchen?"],
)
def test_off_topic_question_is_refused(mini_assistant, question):
    answer = mini_assistant.ask(question)
    assert answer.refused is True
    assert answer.citations == ()
    assert "Smart-City-Atlas" in answer.text


@pytest.mark.parametrize(
    ("question", "source", "section"),
    [
        ("Wer koordiniert in Aachen die digitale Transformation der Verwaltung?", "Aachen", "Organisationsstruktur"),
        ("Welche Herausforderungen sehen die Städte beim Datenschutz?", "4.5 Herausforderungen",
         "Sensibilität im Umgang mit Daten"),
    ],
)
def test_text_answer_quotes_the_cited_chunk_verbatim(mini_assistant, question, source, section):
    answer = mini_assistant.ask(question)
    assert not answer.refused
    assert answer.mode == "extractive"
    assert "[1]" in answer.text
    assert_numbered_citations(answer)
    first = answer.citations[0]
    assert (first.source, first.section) == (source, section)
    stored = {c.id: c for c in mini_assistant.store.all_chunks()}
    for citation in answer.citations:
        chunk = stored[citation.chunk_id]
        assert citation.text == chunk.text
        assert citation.quote and citation.quote in chunk.text
        assert citation.quote in answer.text


def test_answer_reports_timings_and_retrieved_passages(mini_assistant):
    answer = mini_assistant.ask("Wer koordiniert in Aachen die digitale Transformation der Verwaltung?")
    assert answer.timings_ms["total_ms"] >= answer.timings_ms["retrieve_ms"] >= 0
    assert answer.retrieved and answer.retrieved[0].chunk.city == "Aachen"
    data = answer.to_dict()
    assert data["citations"][0]["source"] == "Aachen"
    assert data["answer"] == answer.text


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "Bitte stellen Sie eine Frage"),
        ("   \n\t ", "Bitte stellen Sie eine Frage"),
        ("12345", "keine Wörter"),
        ("?!", "keine Wörter"),
        ("a" * 2001, "zu lang (2001 Zeichen, höchstens 2000)"),
        (b"Wie viele Einwohner \xff\xfe?", "ungültige Zeichen"),
        (None, "Bitte stellen Sie eine Frage"),
    ],
)
def test_bad_input_raises_input_error_with_a_clear_message(mini_assistant, question, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        mini_assistant.ask(question)


def test_input_errors_follow_the_requested_language(mini_assistant):
    with pytest.raises(InputError, match="Please ask a question"):
        mini_assistant.ask("", language="en")


def test_a_question_of_exactly_the_limit_is_accepted():
    question = "Wie " + "a" * 1996
    assert len(question) == 2000
    assert clean_question(question, 2000) == question


def test_control_characters_are_stripped(mini_assistant):
    answer = mini_assistant.ask("Wie viele\x00 Einwohner\x07 hat\x1b Aachen?\x7f")
    assert answer.question == "Wie viele Einwohner hat Aachen?"
    assert "246.272" in answer.text


def test_valid_utf8_bytes_are_accepted():
    assert clean_question("Wie groß ist Köln?".encode(), 2000) == "Wie groß ist Köln?"


# -- refusals of names the report never mentions, English bridging ---------------------------------
@pytest.mark.parametrize("question", [
    "Wie oft wurde die MeinAachen-App heruntergeladen?",
    "Welche Stadt belegt im Smart-City-Atlas 2021 den ersten Platz?",
])
def test_names_and_editions_the_report_does_not_know_are_refused(mini_assistant, question):
    answer = mini_assistant.ask(question)
    assert answer.refused and not answer.citations
    assert "»" in answer.text and "nicht vor" in answer.text


def test_a_known_name_joined_to_an_everyday_word_is_asked_about_by_that_name(mini_assistant):
    # "BirdEScooter-Ausbau": the report knows the name, not the compound; "QuuxScooter-Ausbau": neither
    assert "nicht vor" not in mini_assistant.ask("Wie läuft der BirdEScooter-Ausbau in Bamberg?").text
    answer = mini_assistant.ask("Wie läuft der QuuxScooter-Ausbau in Bamberg?")
    assert answer.refused and "»QuuxScooter-Ausbau«" in answer.text


def test_a_name_the_report_knows_is_not_refused(mini_assistant):
    answer = mini_assistant.ask("Was ist der Bird-E-Scooter in Bamberg?")
    assert not answer.refused
    assert answer.citations[0].source == "Bamberg"


def test_the_glossary_bridges_english_words_to_the_reports_stems():
    answerer = ExtractiveAnswerer()
    bridged = answerer.bridged_terms("Who coordinates digitalisation and when was the position filled?")
    assert answerer.terms("koordiniert Digitalisierung Stelle besetzt") <= bridged
    assert answerer.bridged_terms("Wer koordiniert?") == set()  # German words are not in the glossary


@pytest.mark.parametrize(("inflected", "base"), [
    ("budgets", "budget"), ("cities", "city"), ("approaches", "approach"), ("funded", "fund"),
    ("planning", "plan"), ("shared", "share"),
])
def test_an_inflected_english_word_finds_its_base_forms_glossary_entry(tmp_path, inflected, base):
    from assistant.answer import load_glossary

    path = tmp_path / "glossary.txt"
    path.write_text(f"{base}: wort\nnew: neu\n", encoding="utf-8")
    glossary = load_glossary(path)
    assert glossary.get(inflected) == ("wort",)
    assert glossary.get("news") is None  # a base of three letters is too short to be sure of
    assert glossary.get("unknowns", ()) == ()


def test_a_glossary_line_without_german_words_is_an_error(tmp_path):
    from assistant.answer import load_glossary

    path = tmp_path / "g.txt"
    path.write_text("# comment\nmobility: mobilität verkehr\nbroken:\n", encoding="utf-8")
    with pytest.raises(ValueError, match="broken"):
        load_glossary(path)
    path.write_text("data protection: datenschutz\n", encoding="utf-8")  # could never match a question word
    with pytest.raises(ValueError, match="not one word"):
        load_glossary(path)


# -- sentence choice, on hand-made passages (no embeddings: lexical evidence only) ------------------------

def _hit(text: str, section: str = "Meilensteine", city: str = "Musterstadt", similarity: float = 0.9):
    from assistant.types import Chunk, Hit

    chunk = Chunk(f"{city}-{section}", city or "4.3 Kapitel", section, "profile" if city else "chapter", text, city)
    return Hit(chunk, 1.0, similarity=similarity)


def _run(question: str, *hits, lang: str = "de", city: str = "", rarity=None, following=None,
         answerer: ExtractiveAnswerer | None = None):
    """The answerer on these hits without sentence vectors (lexical evidence only); ``city`` is the
    city the question names. The hand-set weights: these tests pin mechanisms, not fitted numbers."""
    import numpy as np

    from assistant.weights import SentenceWeights

    answerer = answerer or ExtractiveAnswerer(weights=SentenceWeights.hand())
    return answerer.run(question, lang, list(hits), lambda chunk, sentences: None, np.zeros(4),
                        answerer.terms(city) if city else set(), rarity, following)


def _sure() -> ExtractiveAnswerer:
    """An answerer whose scores are always sure: it quotes the best sentence and what completes it."""
    from assistant.weights import HAND_WEIGHTS

    return ExtractiveAnswerer(weights=SentenceWeights(HAND_WEIGHTS, "hand", 1000.0))


def _quote(question: str, *hits, lang: str = "de", rarity=None) -> str:
    answer = _run(question, *hits, lang=lang, city="Musterstadt", rarity=rarity)
    assert not answer.refused
    return answer.citations[0].quote


@pytest.mark.parametrize(("group", "sentence", "expected"), [
    ({"verwalt"}, "Die Stadtverwaltung legte sie vor.", True),         # compound head
    ({"modell"}, "Die Modellregion wächst.", True),                      # compound start
    ({"verabschiedet"}, "Die Verabschiedung ist geplant.", True),        # inflection the stemmer keeps apart
    ({"nenn"}, "Mobilität hat 45 Nennungen.", True),                     # a verb and its noun in -ung
    ({"partn"}, "Mit den Partnerstädten Lyon und Wien.", True),          # "Partner" begins the compound
    ({"amt"}, "Die Beamten arbeiten dort.", False),                      # too short to look inside words
    ({"verwalt"}, "Die Wirtschaft wächst.", False),
])
def test_an_asked_word_is_found_inside_compounds_and_inflections(group, sentence, expected):
    from assistant.answer import covers

    assert covers(group, ExtractiveAnswerer().terms(sentence)) is expected


def test_a_demonstrative_sentence_is_quoted_with_the_one_it_refers_to():
    text = ("Die Stadt arbeitet seit 2016 an der Digitalisierung. Daraufhin wurde ein Gremium einberufen, "
            "um eine Digitale Agenda der Verwaltung zu erarbeiten. Diese wurde im September 2018 unter dem "
            "Motto »Zukunft 2030« vorgelegt. Die Schulen erhalten WLAN.")
    quote = _quote("Wie heißt die Digitale Agenda der Verwaltung?", _hit(text))
    assert "»Zukunft 2030«" in quote
    assert "Gremium einberufen" in quote  # what "Diese" refers to
    assert "WLAN" not in quote


def test_a_negative_finding_is_quoted_with_what_there_is_instead():
    text = ("In Musterstadt ist keine eigene Organisationseinheit mit der Digitalisierung betraut. "
            "Stattdessen arbeitet ein »virtuelles Team« aus IT und Stadtmarketing zusammen. "
            "Die Bürger werden über Social Media informiert.")
    quote = _quote("Hat Musterstadt eine eigene Organisationseinheit für Digitalisierung?", _hit(text))
    assert "virtuelles Team" in quote
    assert "Social Media" not in quote


def test_a_sentence_that_only_announces_is_quoted_with_the_one_that_says_it():
    text = ("Viele Kommunen haben in den letzten Jahren innerhalb und außerhalb der Verwaltung eigene Einheiten "
            "für den digitalen Wandel gegründet. "
            "Dazu gehören Stabsstellen, Projektbüros und städtische Tochterfirmen. "
            "Die Finanzierung bleibt eine Herausforderung.")

    sure = _sure()  # one sentence would do
    quote = _run("Welche eigenen Einheiten für den digitalen Wandel gründen Kommunen?", _hit(text),
                 answerer=sure).citations[0].quote
    assert "Projektbüros" in quote  # the next sentence names what the best one announces
    assert "Finanzierung" not in quote


def test_the_sentence_with_the_asked_word_the_best_one_lacks_is_added():
    text = ("Musterstadt hat die Arbeit an der Digitalstrategie im Oktober 2017 unter Federführung des "
            "Wirtschaftsreferats begonnen. Ein Beirat begleitet die Digitalstrategie. "
            "Die Verabschiedung ist im Januar 2020 geplant.")
    quote = _quote("Wann soll die Digitalstrategie verabschiedet werden?", _hit(text))
    assert "Januar 2020" in quote


@pytest.mark.parametrize(("temperature", "sentences"), [(1000.0, 1), (0.001, 3)])
def test_more_sentences_are_quoted_the_less_sure_the_scores_are(temperature, sentences):
    from assistant.weights import HAND_WEIGHTS

    text = ("Die Stadt hat eine Digitalstrategie mit sieben Handlungsfeldern beschlossen, darunter Bildung und Verkehr. "
            "Die Strategie der Stadt wurde gemeinsam mit Hochschulen und Unternehmen aus der Region erarbeitet. "
            "Für die Umsetzung der Strategie ist eine Stabsstelle im Büro des Oberbürgermeisters zuständig.")
    answerer = ExtractiveAnswerer(weights=SentenceWeights(HAND_WEIGHTS, "hand", temperature), quote_confidence=0.9)
    quote = _run("Was sagt die Digitalstrategie der Stadt?", _hit(text), answerer=answerer).citations[0].quote
    assert quote.count(". ") + 1 == sentences


def test_a_second_passage_nearly_as_relevant_is_cited_before_the_first_ones_weaker_companions():
    from assistant.weights import HAND_WEIGHTS

    long = " und das ist in einem langen Satz über viele weitere Einzelheiten der Umsetzung beschrieben worden"
    first = _hit(". ".join(f"Die Stadt betreibt ein Reallabor Nummer {i}{long}" for i in range(3)) + ".",
                 section="Projekt A")
    second = _hit(f"Auch Nachbarstadt betreibt ein Reallabor{long}.", section="Projekt B", city="Nachbarstadt")
    # the passages' ranks do not count here: the two passages' sentences tie
    flat = {**HAND_WEIGHTS, "passage_rank": 0.0, "first_sentence": 0.0}
    unsure = ExtractiveAnswerer(weights=SentenceWeights(flat, "hand", 0.001))
    answer = _run("Wer betreibt ein Reallabor?", first, second, answerer=unsure)
    assert [c.source for c in answer.citations] == ["Musterstadt", "Nachbarstadt"]
    assert len(answer.text) < 600


def test_probabilities_are_a_softmax_of_the_scores_times_the_temperature():
    import numpy as np

    from assistant.weights import HAND_WEIGHTS

    p = SentenceWeights(HAND_WEIGHTS, "hand", 10.0).probabilities([0.5, 0.4, 0.4])
    assert p.sum() == pytest.approx(1.0)
    assert p[0] / p[1] == pytest.approx(np.exp(1.0)) and p[1] == pytest.approx(p[2])
    with pytest.raises(ValueError, match="temperature"):
        SentenceWeights(HAND_WEIGHTS, "hand", 0.0)
    with pytest.raises(ValueError, match="quote_confidence"):
        ExtractiveAnswerer(quote_confidence=1.5)


@pytest.mark.parametrize("question", ["Aus wie vielen Mitgliedern besteht der Beirat?",
                                      "In wievielen Sitzungen berät der Beirat?", "Wie vieler Mitglieder bedarf der Beirat?"])
def test_every_form_of_wie_viele_asks_for_a_number(question):
    text = ("Der Beirat berät die Stadt bei der Digitalisierung. Ihm gehören Vertreter aus Wirtschaft, "
            "Wissenschaft und Zivilgesellschaft an.")
    answer = _run(question, _hit(text), city="Musterstadt")
    assert answer.refused and not answer.citations  # no sentence gives a number


def test_a_partitive_how_many_is_answered_by_n_of_m():
    first = _hit("Im Workshop wurden zunächst 53 Städte als Kandidaten der Studie ausgewählt.",
                 section="2.1 Konzept", city="")
    second = _hit("Für die Interviews konnten 50 der 53 ausgewählten Städte gewonnen werden.",
                  section="2.2 Datenerhebung", city="")
    assert "50 der 53" in _quote("Wie viele der ausgewählten Städte nahmen an der Studie teil?", first, second)


def test_rare_words_weigh_more_than_common_ones():
    from assistant.answer import TermRarity

    answerer = ExtractiveAnswerer()
    texts = [f"Die Digitale Agenda der Stadt Nummer {i}." for i in range(20)] + ["Der Beschluss fiel 2018."]
    rarity = TermRarity(texts, answerer.terms)
    assert rarity.weight(answerer.terms("Beschluss")) > 2 * rarity.weight(answerer.terms("Agenda"))
    common = _hit("Die Digitale Agenda ist ein Sammelbegriff für viele Konzepte.", section="Ausblick")
    rare = _hit("Der Beschluss des Rates fiel im Mai 2018.", section="Rückblick")
    question = "Gab es einen Beschluss zur Digitalen Agenda?"
    assert "Sammelbegriff" in _quote(question, common, rare)  # two common words beat one rare one...
    assert "Mai 2018" in _quote(question, common, rare, rarity=rarity)  # ...unless words are weighed


def test_an_announced_enumeration_is_quoted_item_by_item_into_the_sections_next_chunk():

    from assistant.types import Chunk, Hit

    first = Chunk("c1", "4.3 Kapitel", "Organisation", "chapter",
                  "Hierbei herrschen drei wesentliche Modelle vor: Viele Städte haben eine Personenrolle definiert. "
                  "Deren Funktion reicht von der Repräsentation bis zur Koordination. "
                  "Ein zweiter Weg besteht in der Schaffung spezieller Einheiten.")
    second = Chunk("c2", "4.3 Kapitel", "Organisation", "chapter",
                   "Dazu gehören Ämter und Referate. Das dritte Modell besteht in der querschnittlichen Behandlung. "
                   "Die Schulen erhalten WLAN.")
    answer = _run("Welche drei Modelle herrschen vor?", Hit(first, 1.0, similarity=0.9),
                  following=lambda chunk: second if chunk.id == "c1" else None)
    quote = answer.citations[0].quote
    assert "Personenrolle" in quote and "zweiter Weg" in quote and "querschnittlichen" in quote
    assert "Repräsentation" not in quote and "Ämter" not in quote and "WLAN" not in quote
    assert " … " in quote  # what lies between is left out, visibly
    for part in quote.split(" … "):
        assert part in answer.citations[0].text  # the cited passage spans both chunks
    assert [h.chunk.id for h in answer.retrieved] == ["c1"]  # the next chunk is read, not retrieved


def test_a_superlative_question_prefers_the_sentence_that_states_the_extreme():
    relevant = _hit("Die Handlungsfelder Handel und Gesundheit gelten mit 27 und 23 Nennungen als relevant.",
                    section="Relevanz", city="")
    fewest = _hit("Die Handlungsfelder Sicherheit und Handel haben die wenigsten Nennungen.", section="Rest", city="")
    question = "Welche Handlungsfelder werden am seltensten genannt?"
    assert "wenigsten" in _quote(question, relevant, fewest)


def test_a_general_question_is_not_pulled_to_some_citys_section_of_that_kind():

    city = _hit("Musterstadt nutzt Förderprogramme des Landes.", section="Wettbewerbe & Förderprogramme")
    chapter = _hit("Die Vorreiterkommunen sehen Förderprogramme als Initialzündung.", section="5 Fazit", city="")
    question = "Welche Rolle spielen Förderprogramme für die Vorreiterkommunen?"
    general = _run(question, city, chapter)
    assert "Initialzündung" in general.citations[0].quote
    about_city = _quote("Welche Förderprogramme nutzt Musterstadt?", city, chapter)
    assert "des Landes" in about_city  # the section asked for, once the question names the city


def test_a_count_only_a_charts_heading_states_is_quoted_from_the_heading():
    figure = _hit("Dieser Ablauf kann als idealtypisch gelten, weil er in den meisten Kommunen ähnlich erfolgt.",
                  section="10 Schritte auf dem Weg zur Digitalen Agenda", city="")
    text = _hit("Die Entstehung der Digitalen Agenden beinhaltet vergleichbare Schritte (siehe Abbildung 7).",
                section="Schritte auf dem Weg zur Digitalen Agenda", city="")
    answer = _run("Wie viele Schritte auf dem Weg zur Digitalen Agenda beschreibt die Studie?", text, figure)
    first = answer.citations[0]
    assert first.quote.startswith("10 Schritte")  # "Abbildung 7" refers to a chart, it counts nothing
    assert first.quote in first.text  # the cited passage begins with its heading


def test_a_second_demonstrative_sentence_never_comes_without_what_it_refers_to():

    text = ("Musterstadt nennt beim Datenschutz große Herausforderungen für die Verwaltung und für die Bürger. "
            "Die Stadt betreibt außerdem ein Rechenzentrum mit Servern. "
            "Diese Herausforderungen beim Datenschutz betreffen vor allem die Datensouveränität.")
    question = "Welche Herausforderungen beim Datenschutz sieht Musterstadt?"

    def quote(max_chars: int) -> str:
        answer = _run(question, _hit(text), city="Musterstadt",
                      answerer=ExtractiveAnswerer(max_chars=max_chars, weights=SentenceWeights.hand()))
        return answer.citations[0].quote

    assert quote(420) == text  # "Diese ..." with the sentence it follows
    assert quote(200) == text.split(" Die Stadt")[0]  # no room for both: left out


@pytest.mark.parametrize(("question", "lang"), [
    ("What is the name of Aachen's Chief Digital Officer?", "en"),
    ("Wie heißt der Oberbürgermeister von Aachen?", "de"),
    ("Wer ist in Aachen der CDO?", "de"),
])
def test_a_persons_name_is_refused_the_profiles_name_roles_only(mini_assistant, question, lang):
    answer = mini_assistant.ask(question)
    assert answer.refused and answer.citations == () and answer.language == lang
    assert ("Rollen" if lang == "de" else "roles") in answer.text


def test_asking_who_coordinates_is_not_asking_for_a_name(mini_assistant):
    answer = mini_assistant.ask("Wer koordiniert in Aachen die digitale Transformation der Verwaltung?")
    assert not answer.refused and answer.citations[0].source == "Aachen"


def test_a_year_in_the_question_must_be_in_a_sentence_that_answers_it():

    won = _hit("Musterstadt gewann 2017 den Bitkom-Wettbewerb »Digitale Stadt«.", section="Wettbewerbe")
    later = _hit("Im Januar 2019 nahm ein neues Amt für Digitales seinen Dienst auf.", section="Meilensteine")

    def ask(question: str):
        return _run(question, won, later)

    assert ask("Wer gewann den Bitkom-Wettbewerb »Digitale Stadt« 2019?").refused  # 2019 only elsewhere
    assert "2017" in ask("Wer gewann den Bitkom-Wettbewerb »Digitale Stadt« 2017?").citations[0].quote


def test_a_year_picks_the_sentence_but_its_passage_may_complete_it():
    text = ("Bisher betreute das Hauptamt die Verwaltungsdigitalisierung. Im März 2020 wurden per Erlass neue "
            "Gremien für die Digitalisierung geschaffen. Dies sind ein Beirat, eine Lenkungsrunde und ein "
            "Innovationsbüro. Die Schulen erhalten WLAN.")
    quote = _quote("Welche Gremien wurden im März 2020 für die Digitalisierung geschaffen?", _hit(text))
    assert "Erlass" in quote and "Innovationsbüro" in quote  # the sentence after, though it lacks the year
    assert "WLAN" not in quote


def test_a_sentence_that_refers_back_to_the_one_naming_the_year_counts_as_dated():
    text = ("Bisher betreute das Hauptamt die Verwaltungsdigitalisierung der gesamten Stadt und aller Ämter. Im März "
            "2020 wurden per Erlass des Oberbürgermeisters zusätzliche Gremien für die städtische Digitalisierung "
            "geschaffen. Dies sind im Einzelnen ein Beirat, eine Lenkungsrunde und ein zentrales Innovationsbüro. "
            "Letzteres koordiniert künftig alle Vorhaben der Fachämter und berät den Stadtrat in Fragen der "
            "Datenethik. Die Schulen erhalten WLAN.")
    sure = _sure()  # one sentence would do
    answer = _run("Was macht das zentrale Innovationsbüro, das im März 2020 geschaffen wurde, in Fragen der Datenethik?",
                  _hit(text), city="Musterstadt", answerer=sure)
    assert not answer.refused and "Datenethik" in answer.citations[0].quote


@pytest.mark.parametrize("opening", ["In diesem Bereich", "Aus diesem Grund", "Dort", "Letztere"])
def test_a_sentence_opened_by_a_preposition_and_a_demonstrative_comes_with_what_it_refers_to(opening):
    text = (f"Die Digitalisierung ist in Musterstadt beim Amt für Stadtentwicklung angesiedelt. {opening} "
            "wird eine Stabsstelle Smart Region mit eigenem Budget und fünf Mitarbeitenden für alle Fragen der "
            "Digitalisierung eingerichtet. Die Bürger werden online informiert.")
    sure = _sure()  # one sentence would do
    quote = _run("Welche Stabsstelle Smart Region wird eingerichtet?", _hit(text), city="Musterstadt",
                 answerer=sure).citations[0].quote
    assert "Amt für Stadtentwicklung" in quote and "online" not in quote


@pytest.mark.parametrize("opening", ["Dies geschieht", "Dessen Kern ist"])
def test_a_long_sentence_keeps_the_one_that_says_how(opening):
    text = ("Die Stadtwerke, mehrere Unternehmen aus der Region und die örtliche Hochschule arbeiten in diesem "
            "Modellvorhaben gemeinsam daran, den Busverkehr in der Innenstadt pünktlicher zu machen, um dadurch "
            "Fahrgäste zu gewinnen, Emissionen zu senken, die Lebensqualität der Anwohner spürbar zu steigern und die "
            "Attraktivität des Standorts für Pendler und ortsansässige Betriebe zu erhöhen. "
            f"{opening} eine Vorrangschaltung an Ampeln, die Positionsdaten der Busse in Echtzeit auswertet. "
            "Die Bürger werden online informiert.")
    sure = _sure()  # one sentence would do
    quote = _run("Wie soll der Busverkehr in der Innenstadt pünktlicher werden?", _hit(text), city="Musterstadt",
                 answerer=sure).citations[0].quote
    assert "Vorrangschaltung" in quote and "online" not in quote


@pytest.mark.parametrize(("question", "several"), [
    ("Hat Musterstadt ein Konzept für die Bürgerbeteiligung, und wie wurde bislang beteiligt?", True),
    ("Does the town have a data officer, and since when is the post filled?", True),
    ("Hat Musterstadt ein Konzept für die Bürgerbeteiligung?", False),
    ("Hat Musterstadt einen CDO und einen CIO?", False),
])
def test_a_yes_no_question_joined_to_a_wh_question_asks_two_things(question, several):
    answerer = ExtractiveAnswerer()
    lang = "en" if question.startswith("Does") else "de"
    assert answerer.asked(question, lang, set(), None).several is several


def test_a_sentence_that_begins_in_the_same_year_comes_with_the_year():
    text = ("Im Jahr 2015 beschloss der Stadtrat die Smart-City-Strategie. Im gleichen Jahr startete das "
            "EU-Projekt »Triangulum« mit ersten Maßnahmen. Die Bürger werden online informiert.")
    quote = _quote("Wann startete das EU-Projekt Triangulum?", _hit(text))
    assert "2015" in quote and "Triangulum" in quote and "online" not in quote


def test_a_list_the_best_sentence_announces_is_quoted_on():
    text = ("Die Digitalisierung ist in Musterstadt auf drei Ebenen organisiert: Zunächst gibt es eine Stabsstelle. "
            "Dazu kommt ein Lenkungskreis der Dezernate. Schließlich berät ein Beirat die Verwaltung. "
            "Die Schulen erhalten WLAN.")
    quote = _quote("Wie ist die Digitalisierung in Musterstadt organisiert?", _hit(text, section="Organisationsstruktur"))
    assert "Stabsstelle" in quote and "Lenkungskreis" in quote and "Beirat" in quote


def test_anhang_as_lists_are_never_quoted_as_prose():

    from assistant.types import Chunk, Hit

    listing = Chunk("a1", "Anhang A", "Handlungsfeld Bildung", "chapter",
                    "Leuchtturmprojekte zum Handlungsfeld Bildung: 13 Projekte: Verschwörhaus (Musterstadt).")
    prose = _hit("Das Verschwörhaus in Musterstadt ist ein Bildungsraum.", section="Projektbeispiele: Verschwörhaus")
    answer = _run("Was ist das Verschwörhaus?", Hit(listing, 1.0, similarity=0.95), prose)
    assert [c.source for c in answer.citations] == ["Musterstadt"]


def test_a_question_about_two_cities_gets_each_citys_own_cited_answer(mini_assistant):
    answer = mini_assistant.ask("Welche Herausforderungen sehen Aachen und Bamberg?")
    assert not answer.refused and answer.mode == "compare"
    assert [c.source for c in answer.citations] == ["Aachen", "Bamberg"]  # in the order they were named
    assert [row[0] for row in answer.table[1:]] == ["Aachen", "Bamberg"]
    assert_numbered_citations(answer)
    for citation in answer.citations:
        assert citation.quote in citation.text and citation.quote in answer.text
    one = mini_assistant.ask("Wer koordiniert in Aachen und Freiburg die Digitalisierung?")
    assert "Freiburg im Breisgau" in one.text  # the profile that says nothing on it is named, not skipped


def test_a_name_question_prefers_the_sentence_that_gives_the_name():
    talked = _hit("Das Thema »Digitalisierungsstrategie Musterstadt« wurde über die Presse kommuniziert.",
                  section="Kommunikation & Netzwerke")
    named = _hit("Seit Juni 2018 erarbeitet die Stadt die Digitalisierungsstrategie »digital@ms«.",
                 section="Motivation & Zielsetzung")
    assert "»digital@ms«" in _quote("Wie heißt die Digitalisierungsstrategie von Musterstadt?", talked, named)


def test_an_english_word_the_report_never_uses_is_bridged_in_a_german_question():
    from assistant.answer import TermRarity

    answerer = ExtractiveAnswerer()
    dates = _hit("Die App zeigt die Termine der Müllabfuhr.", section="Projektbeispiele: App")
    count = _hit("Die App wurde bislang über 15.000 Mal heruntergeladen.", section="Projektbeispiele: Zahlen")
    rarity = TermRarity([dates.chunk.text, count.chunk.text, "Die Stadt hat ein Team."], answerer.terms)
    assert rarity.known("app") and not rarity.known("download")
    assert "15.000" in _quote("Musterstadt App Downloads", dates, count, rarity=rarity)
    assert "Müllabfuhr" in _quote("Musterstadt App Downloads", dates, count)  # without knowing the report


def test_a_why_question_prefers_the_sentence_that_gives_a_reason():
    what = _hit("Das System für Baustellen ermöglicht Unternehmen die Eingabe ihrer Daten seit 2018.",
                section="Kommunikation")
    why = _hit("Da die Zahl der Anträge für Baustellen um 30 % stieg, brauchte es ein neues System.",
               section="Meilensteine")
    assert "30 %" in _quote("Warum führte Musterstadt ein System für Baustellen ein?", what, why)


def test_auxiliaries_are_not_asked_for_words():
    answerer = ExtractiveAnswerer()
    groups = answerer.term_groups("How many had originally been selected?", "en", set())
    assert groups == [answerer.stems("ursprünglich zunächst"), answerer.stems("ausgewählt")]
    assert answerer.counted_terms("How many had originally been selected?", "en") == set()


def test_a_sentence_about_a_lost_chart_yields_to_the_finding():
    chart = _hit("Abbildung 5 fasst die Themen der Digitalen Agenden zusammen.", section="Abschnitt", city="")
    finding = _hit("Zu den Themen der Digitalen Agenden zählen Verwaltung und Mobilität.", section="Teil", city="")
    assert "Verwaltung" in _quote("Welche Themen haben die Digitalen Agenden?", chart, finding)


def test_one_asked_thing_said_twice_is_one_group():
    answerer = ExtractiveAnswerer()
    groups = answerer.term_groups("Which topics are most frequently named?", "en", set())
    assert sum(bool(g & answerer.stems("häufig")) for g in groups) == 1


def test_a_which_question_prefers_the_sentence_that_lists_them():
    intro = _hit("Die Städte verfolgen mit der Digitalisierung auch individuelle Ziele.", section="Abschnitt", city="")
    listing = _hit("Die verfolgten Ziele der Digitalisierung lassen sich in drei Kategorien einteilen: "
                   "1. Lebensqualität, 2. Wirtschaftsstandort und 3. gesellschaftliche Herausforderungen.",
                   section="Teil", city="")
    assert "Lebensqualität" in _quote("Welche Ziele verfolgen die Städte mit der Digitalisierung?", intro, listing)


# -- the fitted weights and the answer-or-refuse decision ---------------------------------------------------

def test_sentence_weights_check_their_features_and_score_linearly(tmp_path):
    import json

    import numpy as np

    from assistant.weights import FEATURES, HAND_WEIGHTS, SentenceWeights

    hand = SentenceWeights.hand()
    f = np.zeros(len(FEATURES))
    f[FEATURES.index("similarity")], f[FEATURES.index("coverage")] = 0.8, 1.0
    assert hand.score(f) == pytest.approx(0.8 + HAND_WEIGHTS["coverage"])
    with pytest.raises(ValueError, match="unknown"):
        SentenceWeights({"similarity": 1.0, "colour": 2.0})
    with pytest.raises(ValueError, match="positive"):
        SentenceWeights({"similarity": -1.0})
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"weights": {"similarity": 1.0, "coverage": 0.5}, "data_hash": "abc"}))
    fitted = SentenceWeights.load(path)
    assert fitted.source == "fitted:abc" and fitted.score(f) == pytest.approx(1.3)
    assert SentenceWeights.load(tmp_path / "missing.json").source == "hand"


def test_a_quote_that_lacks_what_was_asked_is_a_refusal_that_quotes_the_nearest(tmp_path):
    from assistant.weights import RefusalModel

    # refuse when the question asks about money and the quote names no amount
    model = RefusalModel({"money_missing": 10.0}, intercept=-5.0, threshold=0.5)
    answerer = ExtractiveAnswerer(refusal=model)
    text = "Der Fahrradverleih hat 300 Räder an 20 Stationen. Die Räder sind seit 2017 im Einsatz."
    costs = _run("Was kostet der Fahrradverleih in Musterstadt?", _hit(text, "Fahrradverleih"), city="Musterstadt",
                 answerer=answerer)
    assert costs.refused and "nicht" in costs.text and "»" in costs.text and costs.citations
    bikes = _run("Wie viele Räder hat der Fahrradverleih?", _hit(text, "Fahrradverleih"), city="Musterstadt",
                 answerer=answerer)
    assert not bikes.refused and "300 Räder" in bikes.text
    assert RefusalModel().threshold > 1  # without a fitted file it never refuses


def test_refusal_model_rejects_unknown_features():
    from assistant.weights import RefusalModel

    with pytest.raises(ValueError, match="unknown"):
        RefusalModel({"shoe_size": 1.0})


def test_yes_no_polarity_only_where_the_quote_says_it_plainly():
    answerer = ExtractiveAnswerer(weights=SentenceWeights.hand())
    assert answerer.polarity("Hat Musterstadt einen Chief Digital Officer?", "de",
                             "Musterstadt hat seit 2018 einen Chief Digital Officer.", set(), None) == "yes"
    assert answerer.polarity("Hat Musterstadt eine Datenplattform?", "de",
                             "Eine Datenplattform gibt es in Musterstadt noch nicht.", set(), None) == "no"
    assert answerer.polarity("Hat Musterstadt einen Chief Digital Officer?", "de",
                             "Die Verwaltung arbeitet in Arbeitsgruppen.", set(), None) is None


def test_a_figure_asked_beside_something_else_does_not_refuse_the_other_part():
    passage = _hit("Der Bürgerbeirat berät die Stadt bei allen Digitalisierungsvorhaben. "
                   "Er besteht aus Vertretern von Vereinen, Schulen und Unternehmen.", "Stakeholder & Beteiligung")
    alone = _run("Wie oft tagt der Bürgerbeirat in Musterstadt?", passage, city="Musterstadt")
    assert alone.refused and "Zahl" in alone.text  # the figure is all that was asked
    keywords = _run("bürgerbeirat musterstadt anzahl sitzungen", passage, city="Musterstadt")
    assert keywords.refused and "Zahl" in keywords.text  # no question word at all: still one thing asked
    both = _run("Was macht der Bürgerbeirat in Musterstadt, und wie oft tagt er?", passage, city="Musterstadt")
    assert not both.refused and "berät die Stadt" in both.text
    assert both.text.endswith("Die gefragte Zahl nennt der Smart-City-Atlas nicht.")
    english = _run("What does the Bürgerbeirat of Musterstadt do and how often does it meet?", passage,
                   lang="en", city="Musterstadt")
    assert not english.refused and english.text.endswith("does not state the figure asked for.")


def test_a_frequency_answers_a_how_often_question_as_a_number_would():
    passage = _hit("Der Bürgerbeirat berät die Stadt bei allen Digitalisierungsvorhaben. "
                   "Der Bürgerbeirat tagt zweimal im Jahr im Rathaus.", "Stakeholder & Beteiligung")
    answer = _run("Wie oft tagt der Bürgerbeirat in Musterstadt?", passage, city="Musterstadt")
    assert not answer.refused and "zweimal im Jahr" in answer.text
    monthly = _hit("Ein Lenkungskreis aus Verwaltung und Stadtwerken trifft sich monatlich.", "Organisationsstruktur")
    english = _run("How often does the steering group of Musterstadt meet?", monthly, lang="en", city="Musterstadt")
    assert not english.refused and "monatlich" in english.text
    # a frequency is not a count: "how many" still wants a number
    members = _run("Wie viele Mitglieder hat der Lenkungskreis in Musterstadt?", monthly, city="Musterstadt")
    assert members.refused


def _support(question: str, quote: str, feature: str, lang: str = "de") -> float:
    """One support feature of a quote as the answer to a question (the quote's own passage retrieved)."""
    from assistant.answer import Scored
    from assistant.weights import SUPPORT_INDEX

    answerer = ExtractiveAnswerer()
    asked = answerer.asked(question, lang, set(), None)
    return answerer.support(asked, question, quote, _hit(quote), Scored(quote, 0, 0, 1.0))[SUPPORT_INDEX[feature]]


@pytest.mark.parametrize(("question", "quote", "missing"), [
    ("Welche Firma hat die Sensoren geliefert?", "Die Stadt hat im Jahr 2018 Sensoren in der Innenstadt verbaut.", 1.0),
    ("Welche Firma hat die Sensoren geliefert?", "Die Sensoren lieferte die Musterwerke GmbH.", 0.0),
    ("Mit welcher Firma arbeitet die Stadt zusammen?", "In Kooperation mit der Firma Beispiel entsteht eine Plattform.", 0.0),
    ("Which vendor built the platform?", "Die Plattform wird derzeit aufgebaut.", 1.0),
    ("Mit welchen Partnerstädten arbeitet die Stadt zusammen?", "Die Stadt arbeitet mit Lyon und Wien.", 0.0),
    ("Wie lange läuft das Projekt?", "Das Projekt läuft seit dem Frühjahr.", 1.0),
    ("Wie lange läuft das Projekt?", "Das Projekt hat eine Laufzeit von drei Jahren.", 0.0),
    ("How long will the pilot run?", "Der Pilot läuft bis Ende 2021.", 0.0),
])
def test_the_refusal_sees_a_missing_maker_or_span_of_time(question, quote, missing):
    name = "duration_missing" if ("lange" in question or "long" in question) else "maker_missing"
    assert _support(question, quote, name) == missing


@pytest.mark.parametrize(("question", "quote", "feature", "missing"), [
    # that many names asked: a quote that only counts them names none
    ("Welche vier Kitas nehmen am Pilot teil?", "Am Pilot nehmen vier Kitas aus der Nordstadt teil.", "names_missing", 1.0),
    ("Welche vier Kitas nehmen am Pilot teil?", "Teil nehmen die Kitas Sonne, Mond, Stern und Wolke.", "names_missing", 0.0),
    ("Which three partners run the lab?", "Das Labor betreiben drei Partner gemeinsam.", "names_missing", 1.0),
    ("Which three partners run the lab?", "Das Labor betreiben die Hochschule, die Stadtwerke und ein Verein.",
     "names_missing", 0.0),
    # "genau": a share is no count
    ("Wie viele Vereine sind es genau?", "Knapp die Hälfte der Vereine ist dabei.", "number_missing", 1.0),
    ("Wie viele Vereine sind es genau?", "Dabei sind 23 Vereine.", "number_missing", 0.0),
    ("Wie viele Vereine sind dabei?", "Knapp die Hälfte der Vereine ist dabei.", "number_missing", 0.0),
])
def test_the_refusal_sees_missing_names_and_a_missing_exact_count(question, quote, feature, missing):
    lang = "en" if question.startswith("Which") else "de"
    assert _support(question, quote, feature, lang) == missing


@pytest.mark.parametrize(("quote", "missing"), [
    ("Der fahrende Bus wird in der Innenstadt vorbereitet.", 1.0),  # "fahrende" holds no "Ende"
    ("Die Anwendungen werden per Email angekündigt.", 1.0),         # nor "Email" a "Mai"
    ("Der Bus fährt seit Ende 2018.", 0.0),
    ("Der Bus fährt seit dem Sommer im Linienbetrieb.", 0.0),
    ("Der Betrieb startete im Mai.", 0.0),
    ("Das geschieht dann, wenn die Verwaltung das Wissen schon hat.", 0.0),  # a condition answers "wann" too
])
def test_a_when_question_sees_a_date_only_in_whole_words(quote, missing):
    assert _support("Wann hat der Bus den Linienbetrieb aufgenommen?", quote, "date_missing") == missing


@pytest.mark.parametrize(("sentence", "is_question", "about_study"), [
    ("Gibt es einen Beirat bei der Kommune?", 1.0, 0.0),
    ("Im Rahmen der Befragung wurden die Städte nach ihren Zielen gefragt.", 0.0, 1.0),
    ("Im Folgenden werden die Ergebnisse der Auswertung vorgestellt.", 0.0, 1.0),
    ("Die meisten Städte nennen die Verwaltung als wichtigstes Ziel.", 0.0, 0.0),
])
def test_sentences_that_ask_or_announce_are_told_from_findings(sentence, is_question, about_study):
    from assistant.weights import INDEX

    answerer = ExtractiveAnswerer()
    asked = answerer.asked("Was sind die Ziele der Städte?", "de", set(), None)
    f = answerer.features(asked, sentence, _hit(sentence).chunk, answerer.terms(sentence))
    assert (f[INDEX["is_question"]], f[INDEX["about_study"]]) == (is_question, about_study)


def test_a_near_tie_from_another_section_that_names_the_asked_thing_is_cited_too():
    import numpy as np

    from assistant.weights import SentenceWeights

    slogan = _hit("Unter dem Motto »Gemeinsam digital« entwickelt Musterstadt das Projekt Lichtblick.", "Lichtblick")
    history = _hit("Das Projekt Lichtblick begann 2016 zusammen mit den Partnerstädten Lyon und Porto.", "Meilensteine")
    # the slogan's sentence is a little closer in meaning; the history names the partner cities asked for
    closeness = {slogan.chunk.id: 0.94, history.chunk.id: 0.70}
    answerer = ExtractiveAnswerer(weights=SentenceWeights.hand())
    question = "Mit welchen Partnerstädten begann Musterstadt das Projekt Lichtblick?"
    answer = answerer.run(question, "de", [slogan, history],
                          lambda chunk, sentences: np.full((len(sentences), 1), closeness[chunk.id]), np.ones(1),
                          answerer.terms("Musterstadt"))
    assert answer.citations[0].section == "Lichtblick" and "Lyon und Porto" in answer.text
    assert [c.section for c in answer.citations] == ["Lichtblick", "Meilensteine"]
    # a near tie that adds no asked word is not cited
    echo = _hit("Unter dem Motto »Gemeinsam digital« läuft auch das Projekt Lichtblick.", "Kommunikation & Netzwerke")
    closeness[echo.chunk.id] = 0.95  # as close as the history was
    answer = answerer.run(question, "de", [slogan, echo],
                          lambda chunk, sentences: np.full((len(sentences), 1), closeness[chunk.id]), np.ones(1),
                          answerer.terms("Musterstadt"))
    assert len(answer.citations) == 1


def test_a_second_place_is_answered_by_the_sentence_that_names_the_second_place():
    from assistant.weights import SentenceWeights

    passage = _hit("Am häufigsten nannten die Städte fehlendes Personal als Hürde. "
                   "Weitere Hürden betreffen die Abstimmung zwischen den Ämtern. "
                   "Am zweithäufigsten wurden knappe Haushaltsmittel genannt.", "4.5 Herausforderungen", city="")

    def best(question: str, lang: str = "de") -> str:
        seen = {}
        answerer = ExtractiveAnswerer(weights=SentenceWeights.hand())
        answerer.observer = lambda q, scored: seen.update(best=max(scored, key=lambda x: x.score).sentence)
        _run(question, passage, lang=lang, answerer=answerer)
        return seen["best"]

    assert "Haushaltsmittel" in best("Welche Hürde nannten die Städte am zweithäufigsten?")
    assert "Haushaltsmittel" in best("What was the second most frequent obstacle the cities named?", "en")
    assert "Personal" in best("Welche Hürde nannten die Städte am häufigsten?")


def test_whether_a_plan_came_true_is_not_known_to_the_report_which_gives_the_plan():
    plan = _hit("Die Stadt betreibt zwei Bürgerbüros. Die Eröffnung des dritten Bürgerbüros ist für Herbst 2020 geplant.",
                section="Meilensteine")
    answer = _run("Wurde das dritte Bürgerbüro im Herbst 2020 tatsächlich eröffnet?", plan)
    assert answer.refused and "Plan" in answer.text and "Herbst 2020 geplant" in answer.citations[0].quote
    english = _run("Did the third citizens' office eventually open in autumn 2020?", plan, lang="en")
    assert english.refused and english.text.startswith("Whether it happened")
    # asked without doubting it, the plan is the answer; and what was done is not a plan
    assert not _run("Wann soll das dritte Bürgerbüro eröffnen?", plan).refused
    done = _hit("Das dritte Bürgerbüro wurde im Herbst 2018 eröffnet, ein viertes soll folgen.", section="Meilensteine")
    assert not _run("Wurde das dritte Bürgerbüro tatsächlich eröffnet?", done).refused
    # "am Ende" of a plan asked for is its final stage, not a doubt whether it came true
    assert not _run("Wie viele Bürgerbüros soll die Stadt am Ende haben?", plan).refused
    assert _run("Was the third office finally opened as planned?", plan, lang="en").refused


@pytest.mark.parametrize(("question", "lang"), [("Welcher Anteil der Kommunen hat schon ein Bürgerportal?", "de"),
                                                ("What share of the towns already run a citizen portal?", "en")])
def test_a_share_asked_is_answered_by_n_of_m(question, lang):
    first = _hit("Die Städte setzen auf Portale und Apps für ihre Bürger. Viele Kommunen planen ein Bürgerportal.",
                 section="4.3 Portale", city="")
    second = _hit("Bereits 21 der insgesamt 50 Kommunen betreiben ein Bürgerportal.", section="4.3 Stand", city="")
    assert "21 der insgesamt 50" in _quote(question, first, second, lang=lang)


def test_amounts_compared_between_cities_are_answered_by_a_sentence_with_a_figure():
    import numpy as np

    from assistant.weights import SentenceWeights

    answerer = ExtractiveAnswerer(weights=SentenceWeights.hand())
    hits = [_hit("Musterstadt baut ihr Netz freier Zugangspunkte in der Innenstadt weiter aus."),
            _hit("Heute gibt es 140 Zugangspunkte.", section="Projektbeispiele: Netz", similarity=0.88)]
    question = "Welche Stadt hat mehr freie Zugangspunkte in der Innenstadt, Musterstadt oder Beispielstadt?"

    def quote(amounts: bool) -> str:
        answer = answerer.run(question, "de", hits, lambda chunk, sentences: None, np.zeros(4),
                              answerer.terms("Musterstadt"), None, None, amounts=amounts)
        return answer.citations[0].quote

    assert "140" not in quote(False)  # the words alone pick the first sentence
    assert "140" in quote(True)


@pytest.mark.parametrize(("question", "compares"), [
    ("Which city has more bike sharing stations, Ulm or Jena?", True),
    ("Wo gibt es weniger Ladesäulen, in Ulm oder in Jena?", True),
    ("Welche der beiden Städte hat die meisten Förderprojekte?", True),
    ("Is Ulm bigger than Jena?", False),
    ("Hat Ulm mehr als Jena investiert?", False),
])
def test_what_compares_amounts(question, compares):
    from assistant.router import COMPARES_AMOUNTS

    assert bool(COMPARES_AMOUNTS.search(question)) is compares


def test_each_part_of_a_question_that_joins_two_is_answered():
    where = _hit("Die Koordinierungsstelle Digitalisierung ist im Referat des Oberbürgermeisters verortet. "
                 "Sie arbeitet eng mit allen Ämtern und Referaten der Verwaltung zusammen.", section="Organisationsstruktur")
    other = _hit("Die Stadt plant ein offenes Datenportal für alle Bürger.", section="Strategie", similarity=0.86)
    when = _hit("Im Oktober 2018 wurde sie besetzt.", section="Meilensteine", similarity=0.85)
    both = _run("Wo ist die Koordinierungsstelle Digitalisierung verortet und wann wurde sie besetzt?", where, other,
                when, city="Musterstadt")
    assert not both.refused
    assert "Referat des Oberbürgermeisters" in both.text and "Oktober 2018" in both.text
    assert [c.section for c in both.citations] == ["Organisationsstruktur", "Meilensteine"]
    one = _run("Wo ist die Koordinierungsstelle Digitalisierung verortet?", where, other, when, city="Musterstadt")
    assert "Oktober 2018" not in one.text


@pytest.mark.parametrize(("question", "parts"), [
    ("Wo ist die Stelle verortet und wann wurde sie besetzt?", 2),
    ("What is the Data Hub, and what does it build on?", 2),
    ("How big will the hall be and with whom is it planned?", 2),
    ("Welche Städte haben einen CDO und einen CIO?", 1),
    ("Who and what?", 1),
])
def test_the_questions_a_question_joins(question, parts):
    from assistant.understand import question_parts

    assert len(question_parts(question)) == parts


def test_what_a_part_of_a_joined_question_asks_for_counts_as_missing_when_no_quote_has_it():
    from assistant.weights import SUPPORT_INDEX, SentenceWeights

    answerer = ExtractiveAnswerer(weights=SentenceWeights.hand())
    seen = []
    answerer.support_observer = lambda question, support: seen.append(support)
    buses = _hit("Die Stadt ergänzt ihre Flotte um fünf autonom fahrende Linienbusse. Sie fahren auf einer eigenen Linie.")
    _run("Wie viel kosten die autonomen Linienbusse und wer liefert sie?", buses, city="Musterstadt", answerer=answerer)
    _run("Wie viel kosten die autonomen Linienbusse und wo fahren sie?", buses, city="Musterstadt", answerer=answerer)
    joined, other = seen
    assert joined[SUPPORT_INDEX["money_missing"]] == 1.0 and joined[SUPPORT_INDEX["maker_missing"]] == 1.0
    assert other[SUPPORT_INDEX["maker_missing"]] == 0.0
    priced = _hit("Die fünf autonom fahrenden Linienbusse kosten 2 Mio. Euro. Sie liefert die Firma Muster GmbH.")
    _run("Wie viel kosten die autonomen Linienbusse und wer liefert sie?", priced, city="Musterstadt", answerer=answerer)
    assert seen[-1][SUPPORT_INDEX["money_missing"]] == 0.0 and seen[-1][SUPPORT_INDEX["maker_missing"]] == 0.0


def test_a_count_of_a_thing_the_report_has_no_word_for_is_not_called_missing():
    from assistant.answer import TermRarity
    from assistant.weights import SUPPORT_INDEX, SentenceWeights

    answerer = ExtractiveAnswerer(weights=SentenceWeights.hand())
    seen = []
    answerer.support_observer = lambda question, support: seen.append(support)
    rooms = _hit("Mit Mitteln des Landes wurden 1.600 Schulräume mit interaktiven Tafeln ausgestattet.")
    rarity = TermRarity([rooms.chunk.text, "Die Schule hat zwanzig Lehrer."], answerer.terms)
    # "classrooms": an English word without a German bridge; what the quote counts cannot be compared
    _run("How many classrooms were equipped with interactive boards?", rooms, lang="en", city="Musterstadt",
         rarity=rarity, answerer=answerer)
    # "Lehrer": a word the report knows, and the quote counts no teachers
    _run("Wie viele Lehrer wurden mit interaktiven Tafeln geschult?", rooms, city="Musterstadt", rarity=rarity,
         answerer=answerer)
    assert seen[0][SUPPORT_INDEX["count_missing"]] == 0.0
    assert seen[1][SUPPORT_INDEX["count_missing"]] == 1.0


@pytest.mark.parametrize(("question", "quote", "missing"), [
    ("Wie heißt der Anbieter der Plattform?", "Die Stadt ist Pilotkunde eines niederländischen Anbieters.", 1.0),
    ("What is the name of the company that built it?", "The platform was built by a local company.", 1.0),
    ("Wie heißt der Anbieter der Plattform?", "Die Plattform liefert die Firma Muster GmbH.", 0.0),
    # the thing's own name, which the question gives, is not its maker
    ("Which company developed the ZUMO app?", "Die ZUMO-App bündelt Fahrpläne und Termine.", 1.0),
    ("Which company developed the ZUMO app?", "Die ZUMO-App hat die Firma Beispielsoft entwickelt.", 0.0),
    ("Welcher Flugzeughersteller baut die Drohnen?", "Die Drohnen werden im Umland erprobt.", 1.0),
    ("Mit welchem Unternehmen hat die Stadt die Agenda unterzeichnet?", "Sie wurde mit der Muster AG unterzeichnet.", 0.0),
    ("With which partners is Musterstadt building the portal?", "Es entsteht mit dem Ministerium und der Stadt Beispielburg.", 0.0),
    ("Which company built the Musterstadt app?", "Die Stadt Musterstadt hat die App eingeführt.", 1.0),
])
def test_a_named_company_asked_and_none_named(question, quote, missing):
    from assistant.weights import SUPPORT_INDEX, SentenceWeights

    answerer = ExtractiveAnswerer(weights=SentenceWeights.hand())
    seen = []
    answerer.support_observer = lambda q, support: seen.append(support)
    _run(question, _hit(quote, section="Projektbeispiele: Plattform"), city="Musterstadt", answerer=answerer)
    assert seen[-1][SUPPORT_INDEX["maker_missing"]] == missing


@pytest.mark.parametrize(("question", "money"), [
    ("Was kostet die neue App der Stadt?", True),
    ("Zu welchem Preis wird das Ticket verkauft?", True),
    ("Hat die Stadt schon einmal einen Preis gewonnen?", False),
    ("Welchen Preis gewann die Stadt 2017?", False),
])
def test_a_prize_won_is_no_question_about_money(question, money):
    from assistant.answer import _MONEY_ASKED

    assert bool(_MONEY_ASKED.search(question)) is money


@pytest.mark.parametrize(("question", "quote", "said"), [
    ("Hat Musterstadt schon eine Digitalagentur?", "Eine Digitalagentur soll 2020 gegründet werden.", "not_yet"),
    ("Hat Musterstadt bereits eine Digitalagentur?", "Die Gründung einer Digitalagentur ist geplant.", "not_yet"),
    ("Is Musterstadt planning a Digitalagentur?", "Die Gründung einer Digitalagentur ist geplant.", None),
    ("Hat Musterstadt eine Digitalagentur?", "Die Digitalagentur wurde 2018 gegründet.", "yes"),
    ("Hat Musterstadt eine Digitalagentur?", "Eine Digitalagentur gibt es nicht.", "no"),
])
def test_a_yes_no_question_answered_by_a_plan_is_not_yet(question, quote, said):
    from assistant.answer import TermRarity
    from assistant.weights import SentenceWeights

    answerer = ExtractiveAnswerer(weights=SentenceWeights.hand())
    lang = "en" if question.startswith("Does") else "de"
    # "schon", "haben": common words; the agency is what is asked about
    rarity = TermRarity([quote, "Die Stadt hat schon viel.", "Schon 2010 hatte sie bereits ein Portal.", "Sie hat bereits Pläne."],
                        answerer.terms)
    assert answerer.polarity(question, lang, quote, answerer.terms("Musterstadt"), rarity) == said


def test_an_english_word_the_report_also_uses_as_written_counts_as_written():
    from assistant.answer import TermRarity
    from assistant.weights import SentenceWeights

    answerer = ExtractiveAnswerer(weights=SentenceWeights.hand())
    rarity = TermRarity(["Die Stadt hat einen Chief Digital Officer.", "Der Beauftragte koordiniert."], answerer.terms)
    groups = answerer.term_groups("Who is the officer?", "en", set(), rarity)
    officer = next(g for g in groups if answerer._stemmer.stemWord("officer") in g)
    assert officer & answerer.bridged_terms("officer")  # and the German words it stands for


@pytest.mark.parametrize(("question", "lang", "counted"), [
    ("Wie viele zusätzliche Ladesäulen sollen entstehen?", "de", "ladesaul"),   # the noun, not its adjective
    ("Wie viele der 40 Städte haben eine Strategie?", "de", "stadt"),         # nor a number
    ("How many additional sensors were installed?", "en", "sensor"),
    ("Wie viele neue Hotspots gibt es?", "de", "hotspot"),
])
def test_a_how_many_question_counts_its_noun(question, lang, counted):
    from assistant.text import fold

    found = {fold(t) for t in ExtractiveAnswerer().counted_terms(question, lang)}
    assert any(t.startswith(counted) for t in found), found


@pytest.mark.parametrize(("question", "quote", "missing"), [
    ("Wie viele Menschen kamen zur Auftaktveranstaltung?", "Rund 300 Teilnehmer kamen zum Auftakt.", 0.0),
    ("How many people attended the kick-off?", "Rund 300 Besucher kamen zum Auftakt.", 0.0),
    ("Wie viele Städte nennen Mobilität?", "Mobilität kommt auf 45 Nennungen.", 0.0),
    ("Wie viele der Städte binden die Hochschulen ein?", "Knapp die Hälfte der befragten Städte bindet sie ein.", 0.0),
    ("Wie viele aktive Nutzer hat die App?", "Die App wurde 15.000 Mal heruntergeladen.", 1.0),
    ("Wie oft wurde die App heruntergeladen?", "Die App wurde 15.000 Mal heruntergeladen.", 0.0),
    ("Wie viele Dienstleistungen bietet das Portal?", "Das Portal bietet über 40 Leistungen.", 0.0),  # head of the compound
    ("Wie viele Ladestationen gibt es?", "Es gibt 40 Stationen.", 0.0),
    ("Wie viele Ladestationen gibt es?", "Es gibt 40 Parkplätze.", 1.0),
])
def test_a_count_of_the_same_kind_of_thing_is_not_missing(question, quote, missing):
    lang = "en" if question.startswith("How") else "de"
    assert _support(question, quote, "count_missing", lang) == missing


def test_a_sentence_knows_how_close_the_next_one_is_to_the_question():
    import numpy as np

    from assistant.weights import INDEX, SentenceWeights

    answerer = ExtractiveAnswerer(weights=SentenceWeights.hand())
    seen = []
    answerer.observer = lambda question, scored: seen.extend(scored)
    hit = _hit("Die Stadt startete ein Projekt. Es verbindet Schulen mit Glasfaser. Die Schulen sind zufrieden.")
    vectors = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
    query = np.array([0.0, 1.0])
    answerer.run("Was verbindet das Projekt?", "de", [hit], lambda chunk, sentences: vectors, query, set())
    by_position = {s.position: s.features for s in seen if s.position >= 0}
    assert by_position[0][INDEX["next_similarity"]] == pytest.approx(0.8)
    assert by_position[1][INDEX["next_similarity"]] == pytest.approx(1.0)
    assert by_position[2][INDEX["next_similarity"]] == 0.0  # the passage's last sentence has none after it



def test_the_figures_read_the_question_without_its_chatty_context():
    from assistant.router import Exact
    from assistant.understand import Query

    seen = []

    class Stub:
        def run(self, text, *args, **kwargs):
            seen.append(text)

        def within(self, *args):
            return None

        def profiled(self, *args):
            return None

        def asks_title(self, *args):
            return False

    exact = Exact(Stub(), Stub(), Stub(), lambda: Stub(), lambda answer: ())
    text = "I will do most of my paperwork online. How many services does the portal offer?"
    exact.answer(Query(text, text, "en", core="How many services does the portal offer?"))
    assert seen[0] == "How many services does the portal offer?"  # the figures first; not "most": no ranking


def test_a_part_whose_best_sentence_is_quoted_already_adds_its_nearly_as_good_next_one():
    import numpy as np

    from assistant.answer import Scored
    from assistant.weights import FEATURES, HAND_WEIGHTS

    answerer = ExtractiveAnswerer(weights=SentenceWeights(HAND_WEIGHTS, "hand", 1.0), part_margin=0.05)
    # the first sentence is as good as the last for the second part: both say how the city communicates
    sentences = ["Ein Konzept zur Kommunikation hat Musterstadt bisher nicht, die Stadt kommuniziert bisher nur "
                 "über ihre Webseite.",
                 "Die Verwaltung testet elektronische Akten.",
                 "Die Stadt kommuniziert bisher über Newsletter."]
    hits = [_hit(" ".join(sentences))]
    scored = [Scored(s, 0, i, 1.0 - i / 10, np.zeros(len(FEATURES))) for i, s in enumerate(sentences)]
    best, chosen, kept = scored[0], [scored[0]], []
    parts = ["Hat Musterstadt ein Konzept zur Kommunikation", "wie kommuniziert die Stadt bisher"]
    part_asks = [(p, answerer.asked(p, "de", set(), None)) for p in parts]
    answerer.each_part(part_asks, best, chosen, scored, hits, kept)
    assert scored[2] in chosen and scored[1] not in chosen  # the second part's own sentence, not the filler
    # a part no other sentence answers nearly as well adds nothing
    chosen = [scored[0]]
    answerer.each_part(part_asks[:1], best, chosen, scored, hits, [])
    assert chosen == [scored[0]]

"""The router asks its answerers in order; each reads the query and answers or passes."""

from __future__ import annotations

import pytest

from assistant.router import Exact, Refusals, Router, SideBySide, sparse_text
from assistant.types import Answer
from assistant.understand import Query


class Fixed:
    """An answerer that answers the questions containing ``word`` and records what it was asked."""

    def __init__(self, word: str, text: str) -> None:
        self.word, self.text, self.asked = word, text, []

    def answer(self, query: Query) -> Answer | None:
        self.asked.append(query.text)
        return Answer(query.text, self.text, query.language, False) if self.word in query.text else None


def test_the_first_answerer_that_answers_wins_and_later_ones_are_not_asked():
    first, second, last = Fixed("Ulm", "from first"), Fixed("Ulm", "from second"), Fixed("", "fallback")
    router = Router([first, second, last])
    answer, by = router.route(Query(asked="Was macht Ulm?", text="Was macht Ulm?", language="de"))
    assert answer.text == "from first" and by is first and second.asked == []
    answer, by = router.route(Query(asked="Was macht Jena?", text="Was macht Jena?", language="de"))
    assert answer.text == "fallback" and by is last and second.asked == ["Was macht Jena?"]


def test_a_router_without_answerers_or_without_an_answer_is_a_wiring_error():
    with pytest.raises(ValueError):
        Router([])
    with pytest.raises(LookupError):
        Router([Fixed("nie", "x")]).route(Query(asked="Frage", text="Frage", language="de"))


def test_refusals_come_from_what_the_query_shows():
    refusals = Refusals(unknown_name=lambda text: "Quantenlabor" if "Quantenlabor" in text else None)
    town = Query(asked="Hat Kleinhausen eine App?", text="Hat Kleinhausen eine App?", language="de",
                 unprofiled=("Kleinhausen",))
    assert "Kleinhausen" in refusals.answer(town).text and refusals.answer(town).refused
    # a town named beside a profiled city asked about is context, not the question
    assert refusals.answer(Query(asked="x", text="Wie ist es in Ulm?", language="de", unprofiled=("Kleinhausen",),
                                 cities=("Ulm",))) is None
    assert refusals.answer(Query(asked="x", text="Wer leitet das Quantenlabor?", language="de")).refused
    assert refusals.answer(Query(asked="x", text="Who is the mayor of Ulm?", language="en", cities=("Ulm",))).refused
    assert refusals.answer(Query(asked="x", text="Was macht Ulm?", language="de", cities=("Ulm",))) is None
    person = "What is the name of the person serving as Ulm's digital officer?"
    assert refusals.answer(Query(asked="x", text=person, language="en", cities=("Ulm",))).refused
    assert refusals.answer(Query(asked="x", text="Who became Ulm's CDO in 2019?", language="en", cities=("Ulm",))).refused
    # the town without a profile is what the question asks about, the profiled city only context
    asked = Query(asked="x", text="Wie viele Einwohner hat Kleinhausen, das neben Ulm liegt?", language="de",
                  cities=("Ulm",), unprofiled=("Kleinhausen",), unprofiled_first=True)
    assert "Kleinhausen" in refusals.answer(asked).text


@pytest.mark.parametrize(("text", "attribute", "refused"), [
    ("Hat Ulm mehr Einwohner als Kleinhausen?", "population", True),
    ("Is Ulm bigger than Kleinhausen?", "area", True),
    ("Vergleiche die Digitalstrategien von Ulm und Kleinhausen.", None, True),
    ("Ulm vs Kleinhausen: who has more hotspots?", None, True),
    ("How many people live in Ulm and Kleinhausen combined?", "population", True),
    ("Wie viele Einwohner haben Ulm und Kleinhausen zusammen?", None, True),
    # the other town is context: a partner of the profiled city
    ("Welche Projekte betreibt Ulm zusammen mit Kleinhausen?", None, False),
    ("Does Ulm share its data platform with Kleinhausen?", None, False),
    ("Welche Rolle spielt Ulm als Partner von Kleinhausen?", None, False),
    ("Wofür gilt Ulm in der Region um Kleinhausen als Vorbild?", None, False),
])
def test_a_comparison_with_a_town_without_a_profile_is_refused_by_its_name(text, attribute, refused):
    refusals = Refusals(unknown_name=lambda text: None)
    query = Query(asked=text, text=text, language="de", cities=("Ulm",), unprofiled=("Kleinhausen",),
                  attribute=attribute)
    answer = refusals.answer(query)
    assert (answer is not None and answer.refused and "Kleinhausen" in answer.text) is refused


def test_exact_answers_get_the_passages_they_were_drawn_from_and_lighthouse_questions_skip_city_lists():
    class Never:
        def run(self, *args, **kwargs):
            return None

        def within(self, *args, **kwargs):
            return None

        def asks_title(self, *args):
            return False

    class Lists(Never):
        def run(self, text, lang, named, **kwargs):
            return Answer(text, "listed", lang, False)

    class Study:
        def profiled(self, text, lang):
            return None

    exact = Exact(Never(), Lists(), Never(), lambda: Study(), hits_for=lambda answer: ("hit",))
    query = Query(asked="x", text="Welche Städte haben ein Reallabor?", language="de")
    answer = exact.answer(query)
    assert answer.text == "listed" and answer.retrieved == ("hit",)
    assert exact.answer(Query(asked="x", text="Welche Städte haben Leuchtturmprojekte?", language="de")) is None
    # a quoted name with the word is a name, not a question about lighthouse projects
    named = Query(asked="x", text="Welche Städte gehören zu den »Leuchttürmen« des Landesprogramms?", language="de")
    assert exact.answer(named).text == "listed"


def test_side_by_side_answers_only_two_to_four_cities():
    side = SideBySide(lambda: None, None, None, lambda: None, None)
    for wanted in ((), ("Ulm",), ("A", "B", "C", "D", "E")):
        assert side.answer(Query(asked="x", text="Wie unterscheiden sie sich?", language="de", wanted=wanted)) is None


def test_english_questions_search_the_german_words_they_stand_for():
    en = Query(asked="x", text="open data portal", language="en")
    assert sparse_text(en, lambda text: {"offene", "daten"}) == "open data portal daten offene"
    de = Query(asked="x", text="Offene Daten", language="de")
    assert sparse_text(de, lambda text: {"unused"}) == "Offene Daten"


def test_which_of_those_asks_among_the_cities_just_named():
    from assistant.router import of_those

    named = ("Ulm", "Jena", "Emden")
    q = of_those(Query(asked="x", text="Welche davon haben auch ein Reallabor? (Ulm, Jena, Emden)", language="de",
                       cities=named))
    assert q.cities == frozenset(named) and q.rest == "Welche haben auch ein Reallabor?" and q.heads == "those"
    english = of_those(Query(asked="x", text="Which of them run a living lab?", language="en", cities=named))
    assert english.rest == "Which run a living lab?"
    for text in ("Welche davon ist die kleinste?", "Welche Projekte hat Ulm?"):  # a ranking; not "of those"
        assert of_those(Query(asked="x", text=text, language="de", cities=named)) is None
    assert of_those(Query(asked="x", text="Welche davon hat ein Reallabor?", language="de", cities=("Ulm",))) is None


def test_a_count_of_cities_the_study_does_not_give_is_the_list_of_profiles_that_say_it():
    from assistant.router import Passages

    class Retriever:
        def run(self, *args, **kwargs):
            return []

    class Refusing:
        """An answer stage whose passages do not give the figure."""

        def run(self, text, lang, *args, **kwargs):
            return Answer(text, "Diese Zahl nennt der Atlas nicht.", lang, True)

        def bridged_words(self, text):
            return set()

        def terms(self, text):
            return set(text.lower().split())

        def counted_terms(self, text, lang):
            return {"stadt"}

        def counts(self, text):
            return set()

    class Study:
        def run(self, *args, **kwargs):
            return None

    asked = []

    def listing(query):
        asked.append(query.text)
        return Answer(query.text, "Diese 3 Städte nennen es in ihrem Steckbrief: ...", query.language, False)

    passages = Passages(lambda: Retriever(), Refusing(), None, lambda: None, None, lambda: Study(), listing)

    def ask(text, lang="de", **fields):
        return passages.answer(Query(asked=text, text=text, language=lang, **fields))

    assert ask("Wie viele Städte haben ein Datenlabor?").text.startswith("Diese 3 Städte")
    assert ask("How many of the cities run a data lab?", "en").text.startswith("Diese 3 Städte")
    assert asked == ["Welche Städte haben ein Datenlabor?", "Which cities run a data lab?"]
    # not a count of something else, not a city's own figure, not what the study's analysis counted
    assert ask("Wie viele Mitarbeiter hat das Datenlabor?").refused
    assert ask("Wie viele Städte in Ulm?", cities=("Ulm",)).refused
    assert ask("Wie viele Städte nennen laut Querschnittsanalyse Touristen als Zielgruppe?").refused
    assert len(asked) == 2


def test_the_chapter_a_question_names_is_read_first():
    from assistant.router import Passages
    from assistant.types import Chunk, Hit

    def hit(source):
        return Hit(Chunk(source, source, source, "chapter", f"Text aus {source}.", ""), 1.0, similarity=0.9)

    class Retriever:
        def run(self, *args, **kwargs):
            return [hit("4.1 Motivation"), hit("4.4 Bürgerbeteiligung")]

    class Reading:
        """An answer stage that quotes the first passage it is given."""

        def run(self, text, lang, hits, *args, **kwargs):
            return Answer(text, hits[0].chunk.source, lang, False)

        def bridged_words(self, text):
            return set()

        def terms(self, text):
            return set()

        def counted_terms(self, text, lang):
            return set()

    passages = Passages(lambda: Retriever(), Reading(), None, lambda: None, None, lambda: None)
    ask = lambda text: passages.answer(Query(asked=text, text=text, language="en")).text  # noqa: E731
    assert ask("What are the aims, according to chapter 4.4?") == "4.4 Bürgerbeteiligung"
    assert ask("What are the aims?") == "4.1 Motivation"


def test_a_german_question_searches_the_german_words_for_its_english_ones_the_report_never_uses():
    from assistant.router import sparse_text

    glossary = {"pillars": {"säulen"}, "digital": {"digitalisierung"}}

    def bridged(text, known=None):
        return {g for w in text.lower().strip("?").split() if known is None or not known(w) for g in glossary.get(w, ())}

    query = Query(asked="x", text="Welche drei Pillars hat die Digital Strategie", language="de")
    text = sparse_text(query, bridged, known=lambda w: w in {"digital", "welche", "drei", "hat", "die"})
    assert "säulen" in text and "digitalisierung" not in text  # "digital": a word the report uses as written
    assert sparse_text(query, bridged) == query.text

"""Conversations: the store's bounds and expiry, follow-up resolution, and whole conversations."""

from __future__ import annotations

import pytest
from conftest import OTHER_CITIES

from assistant.chat import ConversationStore, Focus, FollowUps, Resolved, Turn, next_focus
from assistant.cities import CityMatcher
from assistant.errors import InputError, UnknownConversation
from assistant.projects import ProjectAnswerer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def turn(q: str = "Wie viele Einwohner hat Aachen?") -> Turn:
    return Turn(q, q, "Aachen hat 246.272 Einwohner [1].", ("Aachen",))


# -- the store -------------------------------------------------------------------------------
def test_ids_are_distinct_and_unknown_ids_raise_a_readable_error():
    store = ConversationStore()
    a, b = store.new(), store.new()
    assert a != b and len(a) >= 16
    assert store.get(a).id == a
    with pytest.raises(UnknownConversation) as err:
        store.get("no-such-id", "en")
    assert isinstance(err.value, InputError)
    assert "unknown" in str(err.value)
    with pytest.raises(UnknownConversation):
        store.get(None)  # type: ignore[arg-type]


def test_conversations_expire_after_their_last_turn():
    clock = Clock()
    store = ConversationStore(ttl_s=60, clock=clock)
    cid = store.new()
    clock.now += 50
    store.record(cid, turn(), Focus(cities=("Aachen",)))
    clock.now += 50  # 100 s after creation but only 50 s after the last turn
    assert store.get(cid).focus.cities == ("Aachen",)
    clock.now += 61
    with pytest.raises(UnknownConversation):
        store.get(cid)
    assert len(store) == 0


def test_turns_and_conversations_are_bounded():
    store = ConversationStore(max_conversations=3, max_turns=2)
    ids = [store.new() for _ in range(5)]
    assert len(store) == 3
    with pytest.raises(UnknownConversation):
        store.get(ids[0])  # the least recently used went first
    for i in range(10):
        store.record(ids[-1], turn(f"Frage {i}?"), Focus())
    assert [t.question for t in store.get(ids[-1]).turns] == ["Frage 8?", "Frage 9?"]


def test_bad_limits_are_rejected():
    with pytest.raises(ValueError, match="limits"):
        ConversationStore(max_turns=0)


# -- follow-up rules ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def followups(real_report) -> FollowUps:
    return FollowUps(CityMatcher.from_files([c.name for c in real_report.cities], OTHER_CITIES))


def test_a_question_without_context_stands_alone(followups):
    assert followups.run("Wie viele Einwohner hat Bonn?", Focus()) == Resolved(
        "Wie viele Einwohner hat Bonn?", ("Bonn",))


@pytest.mark.parametrize("question", ["Und Aachen?", "und in Aachen?", "What about Aachen?", "And Aachen?"])
def test_and_city_asks_the_last_question_about_the_new_city(followups, question):
    focus = Focus(cities=("Bonn",), topic="Wie viele Einwohner hat Bonn?")
    resolved = followups.run(question, focus)
    assert resolved.text == "Wie viele Einwohner hat Aachen?"
    assert resolved.cities == ("Aachen",) and resolved.how == "same question"


def test_and_city_replaces_an_inflected_or_foreign_name(followups):
    focus = Focus(cities=("München",), topic="What does Munich do for citizen participation?")
    resolved = followups.run("And Cologne?", focus)
    assert resolved.text == "What does Köln do for citizen participation?"


def test_a_new_full_question_naming_a_city_switches_to_it(followups):
    focus = Focus(cities=("Jena",), topic="Wer ist CDO in Jena?")
    resolved = followups.run("Und welche Projekte hat Darmstadt im Bereich Mobilität?", focus)
    assert resolved.text == "Und welche Projekte hat Darmstadt im Bereich Mobilität?"
    assert resolved.cities == ("Darmstadt",)


def test_a_pronoun_follow_up_stays_with_the_city_in_focus(followups):
    resolved = followups.run("And its CDO?", Focus(cities=("Jena",), topic="What does Jena do?"))
    assert resolved.cities == ("Jena",) and resolved.how == "focus"


@pytest.mark.parametrize(("question", "title"), [
    ("Erzähl mehr über das erste.", "NOx-Block"),
    ("Tell me more about the second one.", "Smart Service Power"),
    ("Und das letzte Projekt?", "Masterplan"),
    ("Was ist das dritte?", "Masterplan"),
])
def test_ordinals_point_into_the_last_listing(followups, question, title):
    listed = (("Dortmund", "NOx-Block"), ("Dortmund", "Smart Service Power"), ("Dortmund", "Masterplan"))
    resolved = followups.run(question, Focus(cities=("Dortmund",), listed=listed))
    assert f"»{title}«" in resolved.text
    assert resolved.cities == ("Dortmund",) and resolved.project == ("Dortmund", title)


def test_an_ordinal_beyond_the_listing_is_not_invented(followups):
    resolved = followups.run("Erzähl mehr über das dritte.", Focus(cities=("Bamberg",), listed=(("Bamberg", "A"),)))
    assert "»" not in resolved.text and resolved.project is None


def test_the_project_of_a_named_city_from_a_field_listing(followups):
    listed = (("Bonn", "Cyber Security Cluster"), ("Paderborn", "INSPIRE"))
    resolved = followups.run("Was macht das Projekt in Paderborn?", Focus(listed=listed))
    assert "»INSPIRE«" in resolved.text and resolved.cities == ("Paderborn",)


@pytest.mark.parametrize("question", ["Who runs it?", "Wer betreibt es?", "Wie viele Partner hat das Projekt?"])
def test_it_is_the_project_talked_about_last(followups, question):
    focus = Focus(cities=("Hamburg",), project=("Hamburg", "Urban Data Hub"))
    resolved = followups.run(question, focus)
    assert "»Urban Data Hub«" in resolved.text and resolved.project == ("Hamburg", "Urban Data Hub")
    plain = followups.run("Wer koordiniert die Digitalisierung?", focus)  # no pronoun: the city in focus
    assert "»" not in plain.text and plain.cities == ("Hamburg",)


def test_a_description_puts_its_project_in_focus(mini_assistant):
    cid = mini_assistant.new_conversation()
    about = mini_assistant.ask("Was ist der autonom fahrende Marktliner in Aachen?", conversation_id=cid)
    assert about.project == ("Aachen", "Autonom fahrender Marktliner")
    more = mini_assistant.ask("Ab wann soll er fahren? Und wann startet es?", conversation_id=cid)
    assert more.citations and "Marktliner" in more.citations[0].section


def test_both_cities_are_the_last_two_in_focus(followups):
    focus = Focus(cities=("Augsburg",), recent=("Augsburg", "Aachen", "Bonn"))
    resolved = followups.run("Welche der beiden Städte hat die größere Fläche?", focus)
    assert resolved.cities == ("Augsburg", "Aachen")


def test_next_focus_keeps_a_listing_until_a_new_one_comes():
    listed = (("Bonn", "Handyparken"),)
    after_list = next_focus(Focus(), Resolved("Welche Projekte hat Bonn?", ("Bonn",)), ("Bonn",), listed, "de")
    after_more = next_focus(after_list, Resolved("Erzähl mehr", ("Bonn",), ("Bonn", "Handyparken")), ("Bonn",), (),
                            "de")
    assert after_more.listed == listed and after_more.project == ("Bonn", "Handyparken")
    assert after_more.recent == ("Bonn",) and after_more.language == "de"


# -- whole conversations with the fixture assistant ---------------------------------------------------
def test_a_conversation_follows_up_by_city_and_keeps_its_id(mini_assistant):
    cid = mini_assistant.new_conversation()
    first = mini_assistant.ask("Wie viele Einwohner hat Aachen?", conversation_id=cid)
    second = mini_assistant.ask("Und Bamberg?", conversation_id=cid)
    assert first.conversation_id == second.conversation_id == cid
    assert "Aachen" in first.text and [c.source for c in first.citations] == ["Aachen"]
    assert "Bamberg" in second.text and [c.source for c in second.citations] == ["Bamberg"]
    assert second.question == "Und Bamberg?"
    standalone = mini_assistant.conversations.get(cid).turns[-1].standalone
    assert standalone == "Wie viele Einwohner hat Bamberg?"


def test_a_listing_then_an_ordinal_describes_that_project(mini_assistant):
    cid = mini_assistant.new_conversation()
    listing = mini_assistant.ask("Welche Projektbeispiele hat Aachen?", conversation_id=cid)
    assert "Marktliner" in listing.text and "Bargeldlose" in listing.text
    assert {c.source for c in listing.citations} == {"Aachen"}
    more = mini_assistant.ask("Erzähl mehr über das zweite.", conversation_id=cid)
    assert "Bargeldlose" in more.text and more.citations[0].source == "Aachen"
    assert "Bargeldlose" in more.citations[0].section


def test_without_a_conversation_nothing_is_remembered(mini_assistant):
    mini_assistant.ask("Wie viele Einwohner hat Aachen?")
    alone = mini_assistant.ask("Und Bamberg?")
    assert alone.conversation_id is None


def test_an_unknown_conversation_id_is_an_input_error(mini_assistant):
    with pytest.raises(UnknownConversation):
        mini_assistant.ask("Wie viele Einwohner hat Aachen?", conversation_id="forged")


def test_that_field_carries_the_handlungsfeld_of_the_last_turn(real_report):
    from assistant.projects import ProjectAnswerer

    followups = FollowUps(CityMatcher.from_files([c.name for c in real_report.cities], OTHER_CITIES),
                          ProjectAnswerer.field_of)
    resolved = followups.run("Und wie viele Leuchtturmprojekte gibt es in dem Bereich?", Focus(field="Mobilität"))
    assert resolved.text.endswith("(Handlungsfeld Mobilität)")
    unchanged = followups.run("Wie viele Projekte gibt es im Bereich Gesundheit?", Focus(field="Mobilität"))
    assert "Mobilität" not in unchanged.text


def test_the_city_one_points_to_that_citys_listed_project(followups):
    listed = (("Braunschweig", "Ambient Assisted Living"), ("Nürnberg", "Pflegepraxiszentrum"))
    resolved = followups.run("What does the Nürnberg one do?", Focus(listed=listed))
    assert "»Pflegepraxiszentrum«" in resolved.text and resolved.cities == ("Nürnberg",)


def test_a_pronoun_follow_up_names_the_city_for_retrieval(followups):
    resolved = followups.run("When was the position filled?", Focus(cities=("Ludwigsburg",)))
    assert resolved.text == "When was the position filled? (Ludwigsburg)"


@pytest.mark.parametrize("question", [
    "Welche Leuchtturmprojekte gibt es im Bereich Gesundheit?",
    "Welche Städte haben ein Open-Data-Portal?",
    "Wie viele Städte hat die Studie untersucht?",
])
def test_questions_about_all_cities_do_not_inherit_the_city_in_focus(real_report, question):
    from assistant.projects import ProjectAnswerer

    followups = FollowUps(CityMatcher.from_files([c.name for c in real_report.cities], OTHER_CITIES),
                          ProjectAnswerer.field_of)
    assert followups.run(question, Focus(cities=("Bonn",))) == Resolved(question)


def test_a_field_question_about_the_city_in_focus_keeps_it(followups):
    resolved = followups.run("Welche Projekte hat die Stadt im Bereich Mobilität?", Focus(cities=("Bonn",)))
    assert resolved.cities == ("Bonn",)


def test_which_are_those_lists_what_the_last_question_counted(real_report):
    followups = FollowUps(CityMatcher.from_files([c.name for c in real_report.cities], OTHER_CITIES))
    counted = Focus(topic="Wie viele Projekte zur Energie gibt es in Ulm?", cities=("Ulm",))
    resolved = followups.run("Und welche sind das?", counted)
    assert resolved.text == "welche Projekte zur Energie gibt es in Ulm?" and resolved.cities == ("Ulm",)
    english = followups.run("which ones?", Focus(topic="How many schools take part in the pilot?"))
    assert english.text == "which schools take part in the pilot?"
    assert followups.run("Welche sind das?", Focus(topic="Wer leitet das Amt?", cities=("Ulm",))).how != "those"


def test_a_fragment_swaps_the_field_of_the_last_question(real_report):
    followups = FollowUps(CityMatcher.from_files([c.name for c in real_report.cities], OTHER_CITIES),
                          ProjectAnswerer.field_of)
    focus = Focus(topic="Welche Projekte hat Ulm zur Mobilität?", cities=("Ulm",))
    resolved = followups.run("Und zur Bildung?", focus)
    assert resolved.text == "Welche Projekte hat Ulm zur Bildung?" and resolved.cities == ("Ulm",)
    english = followups.run("and what about health?", Focus(topic="Which energy projects are there?"))
    assert english.text == "Which Gesundheit projects are there?"


def test_a_town_without_profile_in_a_follow_up_is_not_the_city_in_focus(followups):
    resolved = followups.run("Und in Bielefeld?", Focus(topic="Wer koordiniert in Ulm?", cities=("Ulm",)))
    assert resolved.cities == () and "Ulm" not in resolved.text


def test_other_cities_asks_the_last_question_of_every_profile(followups):
    focus = Focus(topic="Hat Ulm eine Geschäftsstelle für Digitales? (Ulm)", cities=("Ulm",))
    resolved = followups.run("Welche anderen Städte haben so etwas?", focus)
    assert resolved.text == "Welche Städte: Hat eine Geschäftsstelle für Digitales?" and resolved.cities == ()
    english = followups.run("Which other cities have one?", Focus(topic="Does Ulm have a data lab?", cities=("Ulm",)))
    assert english.text == "Which cities: Does have a data lab?"
    assert followups.run("Und andere Themen in Ulm?", focus).how != "other cities"  # a city named: not this
    for asked in ("Gibt es so etwas auch in anderen Städten?", "Gibt es das auch woanders?", "Is there one elsewhere?"):
        assert followups.run(asked, focus).how == "other cities"


def test_how_many_are_those_asks_the_listing_again_whose_head_counts_it(real_report):
    followups = FollowUps(CityMatcher.from_files([c.name for c in real_report.cities], OTHER_CITIES))
    listed = Focus(topic="Welche Städte betreiben ein Reallabor?", cities=("Ulm", "Jena"))
    resolved = followups.run("Und wie viele sind das insgesamt?", listed)
    assert (resolved.text, resolved.cities, resolved.how) == ("Welche Städte betreiben ein Reallabor?", (), "count those")
    projects = followups.run("how many projects are those?", Focus(topic="Which projects does Ulm have?", cities=("Ulm",)))
    assert projects.cities == ("Ulm",) and projects.how == "count those"
    # not after a question that listed nothing, nor a count with a condition of its own
    assert followups.run("Wie viele sind das?", Focus(topic="Wer leitet das Amt?", cities=("Ulm",))).how != "count those"
    assert followups.run("Wie viele davon haben eine App?", listed).how != "count those"


def test_a_bare_question_word_asks_about_the_last_question(followups):
    focus = Focus(topic="Hat Trier eine Stabsstelle für Daten? (Trier)", cities=("Trier",))
    since = followups.run("Seit wann denn?", focus)
    assert (since.text, since.cities, since.how) == ("Seit wann hat Trier eine Stabsstelle für Daten? (Trier)",
                                                     ("Trier",), "bare question")
    # the last question's own question word gives way to the new one
    english = followups.run("And why?", Focus(topic="Who runs the data lab in Trier?", cities=("Trier",)))
    assert english.text == "why runs the data lab in Trier?"
    assert followups.run("Since when exactly?", Focus(topic="Does Trier have a data lab?")).text == \
        "Since when does Trier have a data lab?"
    # more than a question word is a question of its own; without a last question there is nothing to ask about
    assert followups.run("Seit wann gibt es das Amt?", focus).how != "bare question"
    assert followups.run("Warum?", Focus()).text == "Warum?"


def test_a_bare_how_many_after_a_listing_counts_the_listing(followups):
    listed = Focus(topic="Welche Städte betreiben ein Datenlabor?", cities=("Ulm", "Jena"))
    resolved = followups.run("Und wie viele?", listed)
    assert (resolved.text, resolved.cities, resolved.how) == ("Welche Städte betreiben ein Datenlabor?", (), "count those")


def test_the_one_in_a_listed_city_is_the_thing_the_listing_was_about(followups):
    listed = Focus(topic="Which cities run a bike-sharing scheme?", cities=("Ulm", "Jena"))
    resolved = followups.run("How big is the one in Jena?", listed)
    assert (resolved.text, resolved.cities, resolved.how) == ("How big is the one in Jena? (run a bike-sharing scheme)",
                                                              ("Jena",), "the one in")
    german = followups.run("Seit wann gibt es das in Ulm?", Focus(topic="Welche Städte haben ein Fahrradverleihsystem?"))
    assert german.text == "Seit wann gibt es das in Ulm? (haben ein Fahrradverleihsystem)"
    # after a question that listed no cities, a city named is a question of its own
    assert followups.run("How big is the one in Jena?", Focus(topic="What does Ulm plan?")).how != "the one in"


def test_a_fragment_naming_one_thing_swaps_it_in_the_last_question(followups):
    listing = Focus(topic="Welche Städte haben einen Klimabeirat?", cities=("Ulm", "Jena"))
    swapped = followups.run("Und einen Jugendbeirat?", listing)
    assert (swapped.text, swapped.cities, swapped.how) == ("Welche Städte haben einen Jugendbeirat?", (), "same question")
    one = followups.run("And a repair café?", Focus(topic="Does Trier run a makerspace for pupils?", cities=("Trier",)))
    assert one.text == "Does Trier run a repair café for pupils?" and one.cities == ("Trier",)
    ranked = followups.run("And the flattest?", Focus(topic="Which district has the highest rents?"))
    assert ranked.text == "Which district has the flattest rents?"
    # a question of its own, or a fragment without the same article, is not a swap
    assert followups.run("Und wie viele?", listing).how != "same question"
    assert followups.run("Und Fahrräder?", listing).how != "same question"


def test_a_town_without_a_profile_asked_in_between_leaves_the_question_in_focus(followups):
    focus = Focus(topic="Wie viele Einwohner hat Jena?", cities=("Jena",))
    town = followups.run("Und Mainz?", focus)
    assert town.how == "unprofiled"
    after = next_focus(focus, town, (), (), "de")
    assert after.topic == "Wie viele Einwohner hat Jena?"
    assert followups.run("Und Ulm?", after).text == "Wie viele Einwohner hat Ulm?"

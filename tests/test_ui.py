"""The chat handlers with a stand-in assistant: streaming, conversations, linked citations, the
sources panel, tables and charts, feedback, labels and short error messages."""

from __future__ import annotations

import re

import gradio as gr
import pytest

from assistant.errors import IndexError_, InputError, UnknownConversation
from assistant.feedback import FeedbackStore
from assistant.types import Answer, AppendixEntry, Chunk, Citation, CityProfile, Delta, Hit, Report
from assistant.ui import ChatHandlers, Session, build_ui, overview_values
from assistant.ui_charts import (
    answer_chart,
    answer_table,
    city_figures,
    format_number,
    parse_number,
    projects_per_field,
    sort_choices,
)
from assistant.ui_text import (
    AUTO,
    answer_markdown,
    copy_text,
    footer_html,
    highlight,
    label,
    sources_html,
    ui_language,
)

REPORT = Report(
    cities=(CityProfile("Aachen", 246272, 161, (), ()), CityProfile("Bamberg", 77179, 55, (), ()),
            CityProfile("Bonn", 325490, 141, (), ())),
    chapters=(),
    appendix=(AppendixEntry("Mobilität", "Marktliner", "Aachen", "Aachen"),
              AppendixEntry("Mobilität", "E-Scooter", "Bamberg", "Bamberg"),
              AppendixEntry("Verwaltung", "Bargeldlos", "Aachen", "Aachen")),
    appendix_counts={"Mobilität": 21, "Verwaltung": 17, "Bildung": 9},
)


class StubAssistant:
    """Streams a fixed answer in scripted pieces (or raises a fixed error) and records its calls."""

    def __init__(self, answer: Answer | None = None, error: Exception | None = None,
                 pieces: list[Delta] | None = None, expire_first: bool = False, error_after_piece: bool = False):
        self.answer = answer
        self.error = error
        self.pieces = pieces
        self.expire_first = expire_first
        self.error_after_piece = error_after_piece
        self.calls: list[tuple] = []
        self.conversations = 0
        self.report = REPORT

    def new_conversation(self) -> str:
        self.conversations += 1
        return f"conv-{self.conversations}"

    def stream(self, question, language=None, cities=None, conversation_id=None):
        self.calls.append((question, language, cities, conversation_id))
        if self.expire_first:
            self.expire_first = False
            raise UnknownConversation("Diese Unterhaltung ist unbekannt oder abgelaufen.")
        if self.error is not None and not self.error_after_piece:
            raise self.error
        yield from (self.pieces if self.pieces is not None else [Delta(self.answer.text)])
        if self.error is not None:
            raise self.error
        yield self.answer


def cited_answer(text: str = "Aachen hat 246.272 Einwohner [1].", lang: str = "de", **kw) -> Answer:
    citation = Citation(1, "Aachen", "Einwohner und Fläche", "Einwohner: 246.272. Fläche in km²: 161.",
                        quote="Einwohner: 246.272.")
    return Answer("Wie viele Einwohner hat Aachen?", text, lang, False, (citation,), conversation_id="conv-1", **kw)


def comparison() -> Answer:
    citations = (Citation(1, "Aachen", "Einwohner und Fläche", "Einwohner: 246.272.", "Einwohner: 246.272."),
                 Citation(2, "Bamberg", "Einwohner und Fläche", "Einwohner: 77.179.", "Einwohner: 77.179."))
    table = (("Stadt", "Einwohner", "Fläche (km²)", ""), ("Aachen", "246.272", "161", "[1]"),
             ("Bamberg", "77.179", "55", "[2]"))
    return Answer("Vergleiche Aachen und Bamberg", "Vergleich:\n- Aachen [1]\n- Bamberg [2]", "de", False,
                  citations, mode="figures", table=table)


def last(views):
    *_, final = views
    return final


def run(handlers: ChatHandlers, message="Wie viele Einwohner hat Aachen?", history=None, cities=None,
        language=AUTO, session=None):
    return list(handlers.respond(message, history, cities, language, session))


# -- chat -----------------------------------------------------------------------------------------
def test_history_grows_by_user_and_assistant_messages_with_linked_markers():
    handlers = ChatHandlers(StubAssistant(cited_answer()))
    view = last(run(handlers, history=[]))
    assert view.history[0] == {"role": "user", "content": "Wie viele Einwohner hat Aachen?"}
    reply = view.history[1]
    assert reply["role"] == "assistant"
    assert reply["content"].startswith("Aachen hat 246.272 Einwohner [1].")
    assert "[1]: #src-1-1" in reply["content"]  # the marker links to the first answer's source 1
    assert "[1] Aachen – Einwohner und Fläche" in reply["content"]  # citations travel with the message
    assert view.question == ""
    view2 = last(run(handlers, "Und Bamberg?", view.history, session=view.session))
    assert [m["role"] for m in view2.history] == ["user", "assistant", "user", "assistant"]
    assert "[1]: #src-2-1" in view2.history[3]["content"]


def test_answer_streams_in_pieces_and_replace_discards_the_shown_text():
    pieces = [Delta("Aachen hat "), Delta("viele "), Delta("Aachen hat 246.272 ", replace=True), Delta("Einwohner [1].")]
    views = run(ChatHandlers(StubAssistant(cited_answer(), pieces=pieces)))
    shown = [v.history[-1]["content"] for v in views[:-1]]
    assert shown == ["Aachen hat ", "Aachen hat viele ", "Aachen hat 246.272 ", "Aachen hat 246.272 Einwohner [1]."]
    assert views[-1].history[-1]["content"].startswith("Aachen hat 246.272 Einwohner [1].")
    assert views[-1].sources.count('class="source"') == 1
    assert all('class="source"' not in v.sources for v in views[:-1])  # sources come with the final answer


@pytest.mark.parametrize(("choice", "lang"), [("Deutsch", "de"), ("English", "en"), (AUTO, None)])
def test_language_and_city_filter_are_passed_on(choice, lang):
    stub = StubAssistant(cited_answer())
    run(ChatHandlers(stub), "Frage?", cities=["Aachen", "Bonn"], language=choice)
    assert stub.calls[-1][:3] == ("Frage?", lang, ["Aachen", "Bonn"])
    run(ChatHandlers(stub), "Frage?", cities=[], language=choice)
    assert stub.calls[-1][2] is None  # an empty filter means every city


def test_one_conversation_per_session_and_an_expired_one_is_replaced():
    stub = StubAssistant(cited_answer())
    handlers = ChatHandlers(stub)
    first = last(run(handlers))
    second = last(run(handlers, "Und die Fläche?", first.history, session=first.session))
    assert [c[3] for c in stub.calls] == ["conv-1", "conv-1"]
    other = last(run(handlers))  # another browser session gets its own conversation
    assert stub.calls[-1][3] == "conv-2" and other.session is not second.session
    stub.expire_first = True
    again = last(run(handlers, "Und Bonn?", second.history, session=second.session))
    assert [c[3] for c in stub.calls[-2:]] == ["conv-1", "conv-3"]
    assert again.history[-1]["content"].startswith("Aachen hat")  # no error shown to the user


def test_sources_panel_shows_source_section_and_highlighted_quote_per_answer():
    handlers = ChatHandlers(StubAssistant(cited_answer()))
    first = last(run(handlers))
    assert '<li id="src-1-1" class="source" tabindex="-1" lang="de">' in first.sources  # focus lands on a followed [1]
    assert "<strong class=\"source-name\">Aachen</strong>" in first.sources
    assert "Einwohner und Fläche" in first.sources
    assert "<mark>Einwohner: 246.272.</mark> Fläche in km²: 161." in first.sources
    assert first.sources.startswith('<h2 class="sources-heading">Quellen</h2>')
    second = last(run(handlers, "Und?", first.history, session=first.session))
    assert second.sources.index('id="src-2-1"') < second.sources.index('id="src-1-1"')  # newest first
    assert second.sources.count(" open>") == 1


def test_sources_answer_and_question_escape_html():
    citation = Citation(1, "Aachen <img src=x>", "Organisation<script>alert(1)</script>",
                        "Text mit <script>alert('x')</script> darin.", quote="<script>alert('x')</script>")
    answer = Answer("<b>q</b>", "Antwort <script>alert(2)</script> [1]", "de", False, (citation,))
    view = last(run(ChatHandlers(StubAssistant(answer)), "<img src=y onerror=alert(3)>"))
    assert "<script>" not in view.sources and "<img" not in view.sources
    assert "&lt;script&gt;" in view.sources and "&lt;img src=x&gt;" in view.sources
    assert "<mark>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</mark>" in view.sources
    assert "<script>" not in view.history[-1]["content"]
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in view.history[-1]["content"]
    assert view.history[0]["content"] == "&lt;img src=y onerror=alert(3)&gt;"


def test_a_long_session_keeps_only_its_latest_answers(monkeypatch):
    monkeypatch.setattr("assistant.ui.MAX_KEPT_ANSWERS", 2)
    hit = Hit(Chunk("aachen-1", "Aachen", "Einwohner und Fläche", "profile", "Einwohner: 246.272."), 1.0)
    handlers = ChatHandlers(StubAssistant(cited_answer(retrieved=(hit,))))
    view = last(run(handlers))
    for _ in range(3):
        view = last(run(handlers, "Und?", view.history, session=view.session))
    assert [turn for turn, _ in view.session.cited] == [3, 4]
    assert sorted(view.session.answers) == [5, 7]  # the chat indexes of the last two answers
    assert 'id="src-4-1"' in view.sources and 'id="src-2-1"' not in view.sources
    assert all(a.retrieved == () for _, a in view.session.cited)


def test_a_notice_is_shown_under_the_answer():
    answer = cited_answer(notice="Das Sprachmodell war nicht erreichbar; hier die Textstellen.")
    message = answer_markdown(answer, 1)
    assert message.index("*Das Sprachmodell war nicht erreichbar; hier die Textstellen.*") < message.index("Quellen:")


def test_adjacent_markers_stay_two_links():
    answer = cited_answer("Aachen hat 246.272 Einwohner [1][2].")
    assert "[1] [2]." in answer_markdown(answer, 3)


def test_no_citations_no_sources_entry():
    answer = Answer("q", "Dazu enthält der Smart-City-Atlas keine Angaben.", "de", True)
    assert sources_html(answer, 1) == ""
    view = last(run(ChatHandlers(StubAssistant(answer))))
    assert view.history[-1]["content"] == "Dazu enthält der Smart-City-Atlas keine Angaben."
    assert "sources-empty" in view.sources
    assert view.copy == "Dazu enthält der Smart-City-Atlas keine Angaben."


def test_copied_text_carries_citations_and_quotes():
    view = last(run(ChatHandlers(StubAssistant(cited_answer()))))
    assert view.copy == ("Aachen hat 246.272 Einwohner [1].\n\nQuellen:\n"
                         "[1] Aachen – Einwohner und Fläche: »Einwohner: 246.272.«")
    english = copy_text(cited_answer("Aachen has 246,272 inhabitants [1].", lang="en"))
    assert "\n\nSources:\n[1] Aachen" in english


def test_a_quote_of_several_sentences_is_highlighted_sentence_by_sentence():
    text = "Erster Satz. Zweiter Satz. Dritter Satz."
    assert highlight(text, "Erster Satz. … Dritter Satz.") == "<mark>Erster Satz.</mark> Zweiter Satz. <mark>Dritter Satz.</mark>"
    assert highlight(text, "") == text


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (InputError("Bitte stellen Sie eine Frage."), "Bitte stellen Sie eine Frage."),
        # the index's own message names where it lies: the operator reads it in the log, the public a general one
        (IndexError_("search index unavailable at /srv/atlas/index: boom"), "Suchindex ist gerade nicht erreichbar"),
        (RuntimeError("boom\nTraceback (most recent call last):"), "Suchindex ist gerade nicht erreichbar"),
    ],
)
def test_errors_give_a_short_message_without_traceback(error, expected):
    views = run(ChatHandlers(StubAssistant(error=error)), "")
    assert len(views) == 1
    view = views[0]
    reply = view.history[-1]
    assert reply["role"] == "assistant"
    assert expected in reply["content"]
    assert "Traceback" not in reply["content"] and "boom" not in reply["content"]
    assert len(reply["content"]) < 200
    assert view.table["visible"] is False and view.chart["visible"] is False and view.copy == ""


def test_an_error_in_the_middle_of_the_stream_replaces_the_partial_answer():
    stub = StubAssistant(cited_answer(), error=RuntimeError("boom"), error_after_piece=True)
    view = last(run(ChatHandlers(stub), language="English"))
    assert view.history[-1]["content"] == "The search index is unavailable right now. Please try again in a moment."
    assert len(view.history) == 2


def test_an_assistant_error_in_the_middle_of_the_stream_shows_its_own_message():
    stub = StubAssistant(cited_answer(), error=InputError("Die Frage ist zu lang."), error_after_piece=True)
    view = last(run(ChatHandlers(stub)))
    assert view.history[-1]["content"] == "Die Frage ist zu lang."
    stub = StubAssistant(cited_answer(), error=IndexError_("unavailable at /srv/atlas/index"), error_after_piece=True)
    assert "/srv" not in last(run(ChatHandlers(stub))).history[-1]["content"]


def test_unexpected_error_message_follows_the_chosen_language():
    view = last(run(ChatHandlers(StubAssistant(error=RuntimeError("boom"))), "q", language="English"))
    assert view.history[-1]["content"] == "The search index is unavailable right now. Please try again in a moment."


# -- tables and charts ----------------------------------------------------------------------------
def test_comparison_gets_a_table_and_a_bar_chart_with_its_citation():
    view = last(run(ChatHandlers(StubAssistant(comparison())), "Vergleiche Aachen und Bamberg"))
    assert view.table["visible"] is True
    assert list(view.table["value"].columns) == ["Stadt", "Einwohner", "Fläche (km²)", "[n]"]
    chart = view.chart["value"]
    assert view.chart["visible"] is True and (view.chart["x"], view.chart["y"]) == ("Stadt", "Einwohner")
    assert view.chart["sort"] == ["Aachen", "Bamberg"]  # bars in the answer's order, not alphabetical
    assert chart.to_dict("list") == {"Stadt": ["Aachen", "Bamberg"], "Einwohner": [246272.0, 77179.0]}
    source, values = view.chart_note["value"].split("\n\n")
    assert source == "Quelle: Smart-City-Atlas 2019, Steckbrief Aachen, Steckbrief Bamberg"
    # the chart's text alternative: its values as a table with header cells, numbers as the answer writes them
    assert '<table id="answer-chart-table"><caption>Diagramm zur Antwort</caption>' in values
    assert '<th scope="col">Stadt</th><th scope="col">Einwohner</th>' in values
    assert '<tr><th scope="row">Aachen</th><td class="number">246.272</td></tr>' in values


def test_a_single_figure_answer_has_no_table_or_chart():
    view = last(run(ChatHandlers(StubAssistant(cited_answer(mode="figures")))))
    assert view.table["visible"] is False and view.chart["visible"] is False and view.chart_note["visible"] is False


def test_a_ranking_without_a_table_is_charted_from_the_report_figures():
    citations = tuple(Citation(i, c, "Einwohner und Fläche", "x") for i, c in enumerate(["Bonn", "Aachen"], 1))
    ranking = Answer("Die größten Städte?", "Bonn [1], Aachen [2]", "de", False, citations, mode="figures")
    chart = answer_chart(ranking, REPORT)
    assert chart.to_dict("list") == {"Stadt": ["Bonn", "Aachen"], "Einwohner": [325490.0, 246272.0]}
    assert answer_chart(ranking, None) is None
    refused = Answer("q", "Dazu enthält der Atlas keine Angaben.", "de", True, citations, mode="figures")
    assert answer_chart(refused, REPORT) is None


def test_a_listing_without_numbers_is_a_table_but_no_chart():
    listing = Answer("Projekte?", "…", "de", False, (), mode="projects",
                     table=(("Projekt", "Stadt"), ("Marktliner", "Aachen"), ("E-Scooter", "Bamberg")))
    assert answer_chart(listing, REPORT) is None
    assert answer_table(listing).shape == (2, 2)


@pytest.mark.parametrize(("text", "lang", "value"), [
    ("246.272", "de", 246272.0), ("246,272", "en", 246272.0), ("1.530", "de", 1530.0), ("12,5", "de", 12.5),
    ("161", "en", 161.0), ("[1]", "de", None), ("Aachen", "de", None), ("", "de", None),
])
def test_parse_number_reads_the_assistants_notation(text, lang, value):
    assert parse_number(text, lang) == value


def test_overview_figures_cite_each_city_profile_and_anhang_a_counts():
    cities = city_figures(REPORT, "de")
    assert list(cities.columns) == ["Stadt", "Einwohner", "Fläche (km²)", "Einwohner je km²", "Quelle"]
    assert cities.iloc[0].tolist() == ["Aachen", 246272, 161, 1530, "Steckbrief Aachen"]
    assert len(cities) == 3
    projects = projects_per_field(REPORT, "en")
    assert projects.to_dict("list") == {"Field of action": ["Mobilität", "Verwaltung", "Bildung"],
                                        "Lighthouse projects": [21, 17, 9]}
    counted = projects_per_field(Report(REPORT.cities, (), REPORT.appendix, {}), "de")
    assert counted.to_dict("list") == {"Handlungsfeld": ["Mobilität", "Verwaltung"], "Leuchtturmprojekte": [2, 1]}


def test_the_overview_chart_has_its_values_as_a_table_beside_it():
    *_, projects, note = overview_values("en", REPORT)
    source, values = note.split("\n\n")
    assert source.startswith("Source: Smart-City-Atlas (March 2019), Appendix A")
    assert "\n" not in values  # one line: Markdown passes it through as HTML
    assert values.startswith('<details class="chart-data"><summary>The chart\'s values as a table')
    assert '<caption>Lighthouse projects per field of action (Handlungsfeld)</caption>' in values
    assert '<th scope="col">Field of action</th><th scope="col">Lighthouse projects</th>' in values
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td class="number">([^<]+)</td></tr>', values)
    assert rows == [("Mobilität", "21"), ("Verwaltung", "17"), ("Bildung", "9")]


def test_the_city_table_sorts_by_a_dropdown_and_keeps_its_order_when_relabelled():
    assert sort_choices("de")[:3] == [("Stadt – aufsteigend", "col_city:asc"),
                                      ("Stadt – absteigend", "col_city:desc"),
                                      ("Einwohner – aufsteigend", "col_population:asc")]
    assert list(city_figures(REPORT, "de", "col_population:asc")["Stadt"]) == ["Bamberg", "Aachen", "Bonn"]
    assert list(city_figures(REPORT, "en", "col_density:desc")["City"]) == ["Bonn", "Aachen", "Bamberg"]
    with pytest.raises(ValueError, match="'Einwohner:asc'"):
        city_figures(REPORT, "de", "Einwohner:asc")
    handlers = ChatHandlers(StubAssistant(cited_answer()))
    assert list(handlers.sort_overview("col_area:desc", "English")["value"]["City"]) == ["Aachen", "Bonn", "Bamberg"]
    updates = handlers.relabel("Deutsch", None, "col_population:desc")
    assert list(updates[14]["value"]["Stadt"]) == ["Bonn", "Aachen", "Bamberg"]
    assert updates[18]["label"] == "Tabelle sortieren nach" and updates[18]["choices"] == sort_choices("de")


@pytest.mark.parametrize(("value", "lang", "text"), [(246272.0, "de", "246.272"), (246272.0, "en", "246,272"),
                                                    (1.5, "de", "1,5"), (1530, "en", "1,530"), ("n/a", "de", "n/a")])
def test_chart_values_are_written_as_the_answers_write_them(value, lang, text):
    assert format_number(value, lang) == text


# -- feedback -------------------------------------------------------------------------------------
def test_thumbs_down_is_stored_with_question_answer_and_citations_then_a_comment(tmp_path):
    store = FeedbackStore.in_dir(tmp_path)
    handlers = ChatHandlers(StubAssistant(cited_answer()), store)
    view = last(run(handlers))
    status, comment_row, session = handlers.rate(1, False, view.session, AUTO, "sess-1")
    assert "gespeichert" in status and comment_row["visible"] is True
    [row] = store.rows()
    assert (row["rating"], row["question"], row["answer"]) == ("down", "Wie viele Einwohner hat Aachen?",
                                                                "Aachen hat 246.272 Einwohner [1].")
    assert row["citations"][0]["quote"] == "Einwohner: 246.272."
    assert (row["conversation_id"], row["session"], row["language"]) == ("conv-1", "sess-1", "de")
    status, box = handlers.comment("Die Fläche fehlt.", session, AUTO)
    assert box == "" and "Kommentar" in status
    assert store.rows()[0]["comment"] == "Die Fläche fehlt."


def test_a_second_click_on_the_same_answer_changes_its_rating_instead_of_adding_one(tmp_path):
    store = FeedbackStore.in_dir(tmp_path)
    handlers = ChatHandlers(StubAssistant(cited_answer()), store)
    view = last(run(handlers))
    _, _, session = handlers.rate(1, False, view.session, AUTO)
    status, _, session = handlers.rate(1, True, session, AUTO)
    assert status == label("de", "feedback_up")
    assert [r["rating"] for r in store.rows()] == ["up"]
    second = last(run(handlers, "Und?", view.history, session=session))
    handlers.rate(3, False, second.session, AUTO)
    assert [r["rating"] for r in store.rows()] == ["up", "down"]
    status, update, _ = handlers.rate(3, "", second.session, AUTO)  # not a thumb: nothing changes
    assert status == {"__type__": "update"} and len(store.rows()) == 2


def test_only_answers_can_be_rated(tmp_path):
    store = FeedbackStore.in_dir(tmp_path)
    handlers = ChatHandlers(StubAssistant(cited_answer()), store)
    view = last(run(handlers))
    status, update, _ = handlers.rate(0, True, view.session, "English")  # the user's own message
    assert status == label("en", "feedback_no_answer") and "visible" not in update
    status, _ = handlers.comment("x", Session(), "English")
    assert status == label("en", "feedback_nothing")
    assert store.rows() == []


def test_the_like_event_is_handed_on_with_its_session_hash(tmp_path):
    store = FeedbackStore.in_dir(tmp_path)
    handlers = ChatHandlers(StubAssistant(cited_answer()), store)
    view = last(run(handlers))
    data = gr.LikeData(None, {"index": 1, "value": view.history[1]["content"], "liked": True})
    request = type("Request", (), {"session_hash": "abc"})()
    status, _, _ = handlers.like(view.session, AUTO, data, request)
    assert status == label("de", "feedback_up")
    assert [(r["rating"], r["session"]) for r in store.rows()] == [("up", "abc")]


def test_a_failing_store_gives_a_message_not_a_traceback():
    class BrokenStore:
        def add(self, *args, **kwargs):
            raise OSError("disk full")

    handlers = ChatHandlers(StubAssistant(cited_answer()), BrokenStore())
    view = last(run(handlers))
    status, update, _ = handlers.rate(1, False, view.session, "Deutsch")
    assert status == label("de", "feedback_failed") and "visible" not in update


# -- labels ---------------------------------------------------------------------------------------
def test_labels_follow_the_chosen_or_the_detected_language():
    assert ui_language("English", "de") == "en"
    assert ui_language("Deutsch", "en") == "de"
    assert ui_language(AUTO, "en") == "en" and ui_language(AUTO, None) == "de"
    handlers = ChatHandlers(StubAssistant(cited_answer("Aachen has 246,272 inhabitants [1].", lang="en")))
    view = last(run(handlers, "What is the population of Aachen?"))
    assert view.sources.startswith('<h2 class="sources-heading">Sources</h2>')
    updates = handlers.relabel(AUTO, view.session)
    assert updates[1]["label"] == "Your question" and updates[11]["label"] == "Atlas at a glance"
    assert updates[6]["placeholder"].startswith("Ask about one of the 50 cities")
    assert "Sources" in updates[12]
    german = handlers.relabel("Deutsch", view.session)
    assert german[1]["label"] == "Ihre Frage" and "Quellen" in german[12]
    # the page's language and the last answer's, for chat.js to set on <html> and on the message
    assert updates[-2:] == ("en", "en") and german[-2:] == ("de", "en")
    assert list(german[14]["value"].columns)[0] == "Stadt" and list(updates[14]["value"].columns)[0] == "City"


def test_new_conversation_clears_chat_and_sources():
    handlers = ChatHandlers(StubAssistant(cited_answer()))
    view = last(run(handlers))
    fresh = handlers.new_conversation(AUTO, view.session)
    assert fresh.history == [] and fresh.session.conversation_id is None and fresh.session.answers == {}
    assert "sources-empty" in fresh.sources


def test_build_ui_puts_the_feedback_store_under_the_data_dir(tmp_path):
    from assistant.settings import Settings

    demo = build_ui(StubAssistant(cited_answer()), Settings(data_dir=tmp_path / "data"))
    assert isinstance(demo, gr.Blocks)
    assert (tmp_path / "data" / "feedback.sqlite3").exists()
    ids = {getattr(b, "elem_id", None) for b in demo.blocks.values()}
    assert {"chat", "sources", "question", "city-filter", "language", "overview-table", "overview-chart"} <= ids


def test_footer_links_the_accessibility_statement_in_both_languages():
    footer = footer_html()
    assert '<a href="barrierefreiheit" lang="de" hreflang="de">Erklärung zur Barrierefreiheit</a>' in footer
    assert '<a href="accessibility" lang="en" hreflang="en">Accessibility statement</a>' in footer


def test_about_says_what_the_assistant_knows_and_does_not():
    for lang, words in (("de", ("März 2019", "50 deutschen Städten", "nicht")),
                        ("en", ("March 2019", "50 German cities", "not"))):
        about = label(lang, "about")
        assert all(w in about for w in words), about
        assert re.search(r"2019", about)


def test_the_city_filter_wins_over_the_city_in_focus_of_the_conversation(mini_assistant):
    """With the real (fixture) assistant: after an answer about Aachen, the same question filtered
    to Bamberg must be answered from Bamberg's profile (the browser test does this by hand)."""
    handlers = ChatHandlers(mini_assistant)
    first = last(run(handlers, "Wer koordiniert die Digitalisierung?"))
    assert [c["source"] for c in first.session.answers[1]["citations"]] == ["Aachen"]
    second = last(run(handlers, "Wer koordiniert die Digitalisierung?", first.history, cities=["Bamberg"],
                      session=first.session))
    assert [c["source"] for c in second.session.answers[3]["citations"]] == ["Bamberg"]


def test_an_answer_in_the_chat_is_logged_on_the_ui_channel(tmp_path):
    from assistant.db import Database
    from assistant.question_log import QuestionLog

    qlog = QuestionLog(Database(f"sqlite:///{tmp_path}/q.sqlite3")).start()
    handlers = ChatHandlers(StubAssistant(cited_answer()), None, qlog)
    last(run(handlers))
    qlog.close()
    [row] = qlog.rows()
    assert (row["channel"], row["question"], row["conversation_id"]) == ("ui", "Wie viele Einwohner hat Aachen?",
                                                                         "conv-1")
    assert row["citations"] == [{"n": 1, "source": "Aachen", "section": "Einwohner und Fläche"}]

"""The chat handlers with a stand-in assistant: history, escaped sources, short error messages."""

from __future__ import annotations

import pytest

from assistant.errors import IndexError_, InputError
from assistant.types import Answer, Citation
from assistant.ui import ChatHandlers, sources_markdown


class StubAssistant:
    """Returns a fixed answer or raises a fixed error, and remembers how it was called."""

    def __init__(self, answer: Answer | None = None, error: Exception | None = None) -> None:
        self.answer = answer
        self.error = error
        self.calls: list[tuple] = []

    def ask(self, question, language=None, cities=None):
        self.calls.append((question, language, cities))
        if self.error is not None:
            raise self.error
        return self.answer


def cited_answer(text: str = "Aachen hat 246.272 Einwohner [1].") -> Answer:
    citation = Citation(1, "Aachen", "Einwohner und Fläche", "Einwohner: 246.272. Fläche in km²: 161.",
                        quote="Einwohner: 246.272.")
    return Answer("Wie viele Einwohner hat Aachen?", text, "de", False, (citation,))


def test_history_grows_by_user_and_assistant_messages():
    handlers = ChatHandlers(StubAssistant(cited_answer()))
    history, sources, box = handlers.respond("Wie viele Einwohner hat Aachen?", [], [], "Automatisch")
    assert history == [
        {"role": "user", "content": "Wie viele Einwohner hat Aachen?"},
        {"role": "assistant", "content": "Aachen hat 246.272 Einwohner [1]."},
    ]
    assert box == ""
    history, _, _ = handlers.respond("Und Augsburg?", history, None, "Automatisch")
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]
    assert history[2]["content"] == "Und Augsburg?"


@pytest.mark.parametrize(("choice", "lang"), [("Deutsch", "de"), ("English", "en"), ("Automatisch", None)])
def test_language_and_city_filter_are_passed_on(choice, lang):
    stub = StubAssistant(cited_answer())
    ChatHandlers(stub).respond("Frage?", None, ["Aachen", "Bonn"], choice)
    assert stub.calls == [("Frage?", lang, ["Aachen", "Bonn"])]
    ChatHandlers(stub).respond("Frage?", None, [], choice)
    assert stub.calls[-1][2] is None  # an empty filter means every city


def test_sources_show_source_section_and_quote():
    _, sources, _ = ChatHandlers(StubAssistant(cited_answer())).respond("Frage?", [], [], "Deutsch")
    assert "Quellen" in sources
    assert "**[1] Aachen** – Einwohner und Fläche" in sources
    assert "<mark><b>Einwohner: 246.272.</b></mark>" in sources


def test_sources_and_answer_escape_html():
    citation = Citation(1, "Aachen <img src=x>", "Organisation<script>alert(1)</script>",
                        "Text mit <script>alert('x')</script> darin.", quote="<script>alert('x')</script>")
    answer = Answer("q", "Antwort <script>alert(2)</script> [1]", "de", False, (citation,))
    history, sources, _ = ChatHandlers(StubAssistant(answer)).respond("q", [], [], "Deutsch")
    assert "<script>" not in sources and "<img" not in sources
    assert "&lt;script&gt;" in sources and "&lt;img src=x&gt;" in sources
    assert "<script>" not in history[-1]["content"]
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in history[-1]["content"]


def test_no_citations_no_sources():
    answer = Answer("q", "Dazu enthält der Smart-City-Atlas keine Angaben.", "de", True)
    assert sources_markdown(answer) == ""


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (InputError("Bitte stellen Sie eine Frage."), "Bitte stellen Sie eine Frage."),
        (IndexError_("the index is not open: run 'python -m assistant build-index'"), "build-index"),
        (RuntimeError("boom\nTraceback (most recent call last):"), "Suchindex ist gerade nicht erreichbar"),
    ],
)
def test_errors_give_a_short_message_without_traceback(error, expected):
    history, sources, box = ChatHandlers(StubAssistant(error=error)).respond("", [], [], "Automatisch")
    reply = history[-1]
    assert reply["role"] == "assistant"
    assert expected in reply["content"]
    assert "Traceback" not in reply["content"] and "boom" not in reply["content"]
    assert len(reply["content"]) < 200
    assert (sources, box) == ("", "")


def test_unexpected_error_message_follows_the_chosen_language():
    history, _, _ = ChatHandlers(StubAssistant(error=RuntimeError("boom"))).respond("q", [], [], "English")
    assert history[-1]["content"] == "The search index is unavailable right now. Please try again in a moment."

"""The Gradio chat: a thin shell over :class:`assistant.service.Assistant`.

:class:`ChatHandlers` holds every handler as a plain method (testable without a browser);
:func:`build_ui` only lays out the components and wires them to the handlers."""

from __future__ import annotations

import html
import logging
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import gradio as gr

from .db import database_url
from .errors import AssistantError, IndexError_, UnknownConversation
from .feedback import FeedbackStore
from .messages import say
from .question_log import QuestionLog
from .types import Answer, Delta
from .ui_charts import (
    answer_chart,
    answer_table,
    chart_source,
    chart_table_html,
    city_figures,
    projects_per_field,
    sort_choices,
)
from .ui_text import (
    AUTO,
    LANGUAGES,
    answer_markdown,
    copy_text,
    examples,
    footer_html,
    handoff_markdown,
    label,
    sources_panel,
    ui_language,
)

log = logging.getLogger(__name__)
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MAX_KEPT_ANSWERS = 50  # per browser session: sources panel entries and rateable answers

STATIC = Path(__file__).parent / "static"
CSS = (STATIC / "chat.css").read_text(encoding="utf-8")
CHAT_JS = (STATIC / "chat.js").read_text(encoding="utf-8")  # what screen readers are told (see the file)
# Gradio's own footer (API, "built with", settings) is for developers, in English, and fails contrast;
# the chat's footer links the accessibility statement instead.
FOOTER_LINKS: list[str] = []


@dataclass
class Session:
    """What one browser session keeps between events (held in a ``gr.State``)."""

    conversation_id: str | None = None
    turns: int = 0
    language: str | None = None  # the last answer's language
    answers: dict[int, dict] = field(default_factory=dict)  # chat message index -> answer record
    cited: list[tuple[int, Answer]] = field(default_factory=list)  # (turn, answer) with citations
    feedback_id: int | None = None  # the last stored rating, for its optional comment
    rated: dict[int, int] = field(default_factory=dict)  # chat message index -> its feedback row


class View(NamedTuple):
    """The chat's outputs after a question, in the order :func:`build_ui` wires them."""

    history: list[dict]
    sources: str
    question: str
    session: Session
    table: dict
    chart: dict
    chart_note: dict
    copy: str


class ChatHandlers:
    """The UI's handler functions: no layout, no browser needed."""

    def __init__(self, assistant, feedback: FeedbackStore | None = None, questions: QuestionLog | None = None,
                 on_answer=None) -> None:
        self.assistant = assistant
        self.feedback = feedback
        self.questions = questions
        self.on_answer = on_answer or (lambda answer: None)  # e.g. the server's metrics

    # -- chat ----------------------------------------------------------------------
    def respond(self, message: str, history: list[dict] | None, cities: list[str] | None, language: str | None,
                session: Session | None = None):
        """Answer ``message``: yields a :class:`View` as the answer streams in, the last one complete."""
        started = time.perf_counter()
        session = session if session is not None else Session()
        history = list(history or [])
        lang = LANGUAGES.get(language or AUTO)
        history.append({"role": "user", "content": html.escape(message or "", quote=False)})
        hidden = gr.update(visible=False)
        panel_lang = ui_language(language, session.language)
        panel = sources_panel(session.cited, panel_lang)
        try:
            first, rest = self._start(message, lang, cities or None, session)
        except AssistantError as exc:  # an InputError's message is for users; the index's detail for operators
            history.append({"role": "assistant", "content": _shown(exc, lang or session.language)})
            yield View(history, panel, "", session, hidden, hidden, hidden, "")
            return
        except Exception:  # never show a traceback in the chat
            log.exception("answering failed")
            history.append({"role": "assistant", "content": say(lang or session.language or "de", "index_unavailable")})
            yield View(history, panel, "", session, hidden, hidden, hidden, "")
            return
        history.append({"role": "assistant", "content": ""})
        shown = ""
        answer: Answer | None = None
        try:
            for item in _chain(first, rest):
                if isinstance(item, Delta):
                    shown = item.text if item.replace else shown + item.text
                    history[-1] = {"role": "assistant", "content": html.escape(shown, quote=False)}
                    yield View(list(history), panel, "", session, hidden, hidden, hidden, "")
                else:
                    answer = item
        except AssistantError as exc:
            history[-1] = {"role": "assistant", "content": _shown(exc, lang or session.language)}
            yield View(history, panel, "", session, hidden, hidden, hidden, "")
            return
        except Exception:
            log.exception("streaming the answer failed")
            history[-1] = {"role": "assistant", "content": say(lang or session.language or "de", "index_unavailable")}
            yield View(history, panel, "", session, hidden, hidden, hidden, "")
            return
        if answer is None:  # a stream must end with its Answer; show what came, never crash
            yield View(history, panel, "", session, hidden, hidden, hidden, shown)
            return
        self.on_answer(answer)
        if self.questions is not None:
            self.questions.record_answer(answer, "ui", started)
        yield self._finish(answer, history, session, language)

    def _start(self, message, lang, cities, session: Session):
        """The stream's first item and the rest; an expired conversation is replaced silently."""
        if session.conversation_id is None:
            session.conversation_id = self.assistant.new_conversation()
        for attempt in (1, 2):
            stream = self.assistant.stream(message, language=lang, cities=cities,
                                           conversation_id=session.conversation_id)
            try:
                return next(stream), stream
            except UnknownConversation:
                if attempt == 2:
                    raise
                session.conversation_id = self.assistant.new_conversation()
            except StopIteration:
                return None, iter(())
        raise AssertionError("unreachable")

    def _finish(self, answer: Answer, history: list[dict], session: Session, language: str | None) -> View:
        session.turns += 1
        session.language = answer.language
        if answer.conversation_id:
            session.conversation_id = answer.conversation_id
        content = answer_markdown(answer, session.turns)
        handoff = getattr(self.assistant, "handoff", None)
        contact = handoff.for_answer(answer) if handoff is not None else None
        if contact is not None:  # a way to a person: with a refusal, or asked for
            content += "\n" + handoff_markdown(contact, answer.language)
        history[-1] = {"role": "assistant", "content": content}
        session.answers[len(history) - 1] = {
            "question": answer.question, "answer": answer.text, "language": answer.language,
            "citations": [c.to_dict() for c in answer.citations], "conversation_id": answer.conversation_id or "",
        }
        if answer.citations:  # kept without its retrieval hits; a long session keeps its latest answers
            session.cited.append((session.turns, replace(answer, retrieved=())))
            del session.cited[:-MAX_KEPT_ANSWERS]
        for index in sorted(session.answers)[:-MAX_KEPT_ANSWERS]:
            del session.answers[index]
        lang = ui_language(language, answer.language)
        panel = sources_panel(session.cited, lang)
        table = answer_table(answer)
        report = getattr(self.assistant, "report", None)
        chart = answer_chart(answer, report)
        table_update = gr.update(value=table, visible=True, label=label(lang, "table_label")) if table is not None \
            else gr.update(visible=False)
        if chart is not None:
            x, y = chart.columns[0], chart.columns[1]
            chart_update = gr.update(value=chart, x=x, y=y, sort=list(chart[x]), visible=True,  # the answer's order
                                     label=label(lang, "chart_label"))
            values = chart_table_html(chart, lang, "answer-chart-table", label(lang, "chart_label"))
            note = gr.update(value=html.escape(chart_source(answer, report), quote=False) + "\n\n" + values,
                             visible=True)
        else:
            chart_update = note = gr.update(visible=False)
        return View(history, panel, "", session, table_update, chart_update, note, copy_text(answer))

    def new_conversation(self, language: str | None, session: Session | None = None):
        """A fresh chat: empty history and sources; the old conversation is left to expire."""
        fresh = Session(language=session.language if session else None)
        hidden = gr.update(visible=False)
        return View([], sources_panel([], ui_language(language, fresh.language)), "", fresh, hidden, hidden, hidden, "")

    # -- feedback --------------------------------------------------------------------
    def rate(self, index, liked, session: Session | None, language: str | None = None,
             session_hash: str | None = None) -> tuple[str, dict, Session]:
        """Store a thumbs up/down on the answer at chat message ``index``; the status line, the
        comment box (shown once the rating is stored) and the session."""
        session = session if session is not None else Session()
        lang = ui_language(language, session.language)
        if isinstance(index, (list, tuple)):
            index = index[0]
        if liked not in (True, False):  # not a thumbs up or down: nothing to store
            return gr.update(), gr.update(), session
        index = int(index) if index is not None else -1
        record = session.answers.get(index)
        if record is None:
            return label(lang, "feedback_no_answer"), gr.update(), session
        if self.feedback is None:
            return label(lang, "feedback_failed"), gr.update(), session
        rating = "up" if liked else "down"
        try:
            if index in session.rated and self.feedback.rerate(session.rated[index], rating):
                session.feedback_id = session.rated[index]  # one rating per answer: changed, not added
            else:
                session.feedback_id = self.feedback.add(
                    rating, record["question"], record["answer"], record["citations"], record["language"],
                    conversation_id=record["conversation_id"], session=session_hash)
                session.rated[index] = session.feedback_id
        except Exception:
            log.exception("storing feedback failed")
            return label(lang, "feedback_failed"), gr.update(), session
        return label(lang, "feedback_up" if liked else "feedback_down"), gr.update(visible=True), session

    def like(self, session: Session, language: str, data: gr.LikeData, request: gr.Request):
        """Gradio's ``.like`` event, handed on to :meth:`rate`."""
        return self.rate(data.index, data.liked, session, language, getattr(request, "session_hash", None))

    def comment(self, text: str, session: Session | None, language: str | None = None) -> tuple[str, str]:
        """Attach the optional comment to the last rating; the status line and the cleared box."""
        session = session if session is not None else Session()
        lang = ui_language(language, session.language)
        if session.feedback_id is None or self.feedback is None:
            return label(lang, "feedback_nothing"), text
        try:
            self.feedback.comment(session.feedback_id, text or "")
        except Exception:
            log.exception("storing a feedback comment failed")
            return label(lang, "feedback_failed"), text
        return label(lang, "feedback_comment_saved"), ""

    # -- labels ----------------------------------------------------------------------
    def relabel(self, language: str | None, session: Session | None = None, order: str | None = None) -> tuple:
        """Every label in the chosen language, or in the last answer's language under "automatic" (the
        city table keeps the chosen ``order``)."""
        lang = ui_language(language, session.language if session else None)
        report = getattr(self.assistant, "report", None)
        upd = gr.update
        return (
            upd(value=f"# {label(lang, 'title')}\n\n{label(lang, 'about')}"),
            upd(label=label(lang, "question_label"), placeholder=label(lang, "question_placeholder")),
            upd(value=label(lang, "send")),
            upd(value=label(lang, "new_chat")),
            upd(label=label(lang, "cities_label")),
            upd(label=label(lang, "language_label")),
            upd(label=label(lang, "chat_label"), placeholder=label(lang, "chat_placeholder")),
            upd(value=label(lang, "copy")),
            upd(label=label(lang, "comment_label")),
            upd(value=label(lang, "comment_send")),
            upd(label=label(lang, "chat_tab")),
            upd(label=label(lang, "overview_tab")),
            sources_panel(session.cited if session else [], lang),
            *self.overview(lang, report, order),
            lang,  # the page's language (chat.js sets it on <html>)
            (session.language if session else None) or lang,  # the last answer's (set on its message)
        )

    @staticmethod
    def overview(lang: str, report, order: str | None = None) -> tuple:
        """The "Atlas at a glance" page as updates: intro, city table, its citation, projects
        chart, its citation, the table's order."""
        if report is None:
            return (gr.update(),) * 6
        intro, cities, cities_note, projects, projects_note = overview_values(lang, report, order)
        return (
            gr.update(value=intro),
            gr.update(value=cities, label=label(lang, "overview_table_label")),
            gr.update(value=cities_note),
            gr.update(value=projects, x=projects.columns[0], y=projects.columns[1],
                      label=label(lang, "overview_chart_label")),
            gr.update(value=projects_note),
            gr.update(label=label(lang, "sort_label"), choices=sort_choices(lang)),
        )

    def sort_overview(self, order: str | None, language: str | None, session: Session | None = None):
        """The city table in the chosen order, labelled in the page's language."""
        report = getattr(self.assistant, "report", None)
        if report is None:
            return gr.update()
        lang = ui_language(language, session.language if session else None)
        return gr.update(value=city_figures(report, lang, order))


def overview_values(lang: str, report, order: str | None = None) -> tuple:
    """Intro, city figures (in ``order``), their citation, projects per Handlungsfeld, their citation
    with the chart's values as a table (its text alternative)."""
    projects = projects_per_field(report, lang)
    values = chart_table_html(projects, lang, "overview-chart-table", label(lang, "overview_chart_label"))
    return (f"## {label(lang, 'overview_tab')}\n\n{label(lang, 'overview_intro')}",
            city_figures(report, lang, order), label(lang, "overview_table_source"),
            projects, label(lang, "overview_chart_source") + "\n\n" + values)


def _shown(exc: AssistantError, lang: str | None) -> str:
    """What the chat says for an error: the message of bad input, a general one for the index (its message
    names where the index lies, which the operator reads in the log, not the public)."""
    if isinstance(exc, IndexError_):
        log.error("search index unavailable: %s", exc)
        return say(lang or "de", "index_unavailable")
    return html.escape(str(exc), quote=False)


def _chain(first, rest):
    if first is not None:
        yield first
    yield from rest


def build_ui(assistant, settings=None, feedback: FeedbackStore | None = None,
             questions: QuestionLog | None = None, on_answer=None) -> gr.Blocks:
    """The chat and the "Atlas at a glance" page as Blocks (not launched). Ratings go to ``feedback``, by
    default the SQLite store under ``settings.data_dir`` (``data/`` in the checkout without settings);
    answered questions to ``questions`` if given, and each answer to ``on_answer`` (the server's metrics)."""
    if feedback is None:
        feedback = FeedbackStore(database_url(settings.database_url, settings.data_dir)) if settings is not None \
            else FeedbackStore.in_dir(DEFAULT_DATA_DIR)
    handlers = ChatHandlers(assistant, feedback, questions, on_answer)
    report = getattr(assistant, "report", None)
    cities = [c.name for c in report.cities] if report else []
    lang = "de"
    with gr.Blocks(title="Smart-City-Atlas Assistent") as demo:
        gr.HTML(f"<style>{CSS}</style>", elem_id="ui-style", padding=False)
        session = gr.State(Session())
        about = gr.Markdown(f"# {label(lang, 'title')}\n\n{label(lang, 'about')}", elem_id="about")
        with gr.Tabs():
            with gr.Tab(label(lang, "chat_tab"), id="chat-tab") as chat_tab:
                with gr.Row(equal_height=False):
                    city_filter = gr.Dropdown(cities, multiselect=True, label=label(lang, "cities_label"),
                                              elem_id="city-filter", scale=3, min_width=240)
                    language = gr.Radio(list(LANGUAGES), value=AUTO, label=label(lang, "language_label"),
                                        elem_id="language", scale=2, min_width=240)
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=300):
                        chatbot = gr.Chatbot(label=label(lang, "chat_label"), elem_id="chat", height=460,
                                             placeholder=label(lang, "chat_placeholder"),
                                             buttons=["copy"], feedback_options=("Like", "Dislike"))
                        with gr.Row():
                            question = gr.Textbox(label=label(lang, "question_label"), elem_id="question",
                                                  placeholder=label(lang, "question_placeholder"),
                                                  scale=4, min_width=200, max_lines=6)
                            send = gr.Button(label(lang, "send"), variant="primary", elem_id="send",
                                             scale=1, min_width=80)
                        with gr.Row():
                            copy_btn = gr.Button(label(lang, "copy"), elem_id="copy-answer", size="sm")
                            new_chat = gr.Button(label(lang, "new_chat"), elem_id="new-chat", size="sm")
                        copy_box = gr.Textbox(visible=False, elem_id="copy-text")
                        feedback_status = gr.Markdown(elem_id="feedback-status")
                        with gr.Row(visible=False, elem_id="comment-row") as comment_row:
                            comment_box = gr.Textbox(label=label(lang, "comment_label"), elem_id="comment",
                                                     scale=4, min_width=200)
                            comment_btn = gr.Button(label(lang, "comment_send"), elem_id="comment-send",
                                                    scale=1, min_width=80)
                        gr.Examples(examples(), inputs=question, label="Beispielfragen / Example questions")
                    with gr.Column(scale=2, min_width=300):
                        sources = gr.HTML(sources_panel([], lang), elem_id="sources")
                        table = gr.Dataframe(visible=False, interactive=False, elem_id="answer-table", wrap=True)
                        chart = gr.BarPlot(visible=False, elem_id="answer-chart", x_label_angle=-30, y_lim=[0, None])
                        chart_note = gr.Markdown(visible=False, elem_id="answer-chart-source")
            with gr.Tab(label(lang, "overview_tab"), id="overview-tab", elem_id="overview-tab") as overview_tab:
                intro, figures, figures_note, projects, projects_note = (
                    overview_values(lang, report) if report else ("", None, "", None, ""))
                overview_intro = gr.Markdown(intro, elem_id="overview-intro")
                overview_sort = gr.Dropdown(sort_choices(lang), value=None, label=label(lang, "sort_label"),
                                            elem_id="overview-sort")
                overview_table = gr.Dataframe(figures, interactive=False, elem_id="overview-table", max_height=520,
                                              label=label(lang, "overview_table_label"))
                overview_table_note = gr.Markdown(figures_note, elem_id="overview-table-source")
                overview_chart = gr.BarPlot(projects, x=projects.columns[0] if projects is not None else None,
                                            y=projects.columns[1] if projects is not None else None,
                                            elem_id="overview-chart", x_label_angle=-30, sort="-y", y_lim=[0, None],
                                            label=label(lang, "overview_chart_label"))
                overview_chart_note = gr.Markdown(projects_note, elem_id="overview-chart-source")
        gr.HTML(footer_html(), elem_id="footer")
        page_lang = gr.Textbox(lang, visible=False, elem_id="page-lang")
        answer_lang = gr.Textbox(lang, visible=False, elem_id="answer-lang")

        overview_parts = [overview_intro, overview_table, overview_table_note, overview_chart, overview_chart_note,
                          overview_sort]
        outputs = [chatbot, sources, question, session, table, chart, chart_note, copy_box]
        label_outputs = [about, question, send, new_chat, city_filter, language, chatbot, copy_btn, comment_box,
                         comment_btn, chat_tab, overview_tab, sources, *overview_parts, page_lang, answer_lang]
        inputs = [question, chatbot, city_filter, language, session]
        relabel_inputs = [language, session, overview_sort]
        demo.load(None, [page_lang], None, js=CHAT_JS)
        page_lang.change(None, [page_lang], None, js="(lang) => window.atlasChat.setLanguage(lang)")
        for trigger in (question.submit, send.click):
            trigger(handlers.respond, inputs, outputs, show_progress="hidden").then(
                handlers.relabel, relabel_inputs, label_outputs, show_progress="hidden").then(
                None, [answer_lang], None, js="(lang) => window.atlasChat.answered(lang)")  # spoken once, at its end
        language.change(handlers.relabel, relabel_inputs, label_outputs, show_progress="hidden")
        overview_sort.change(handlers.sort_overview, [overview_sort, language, session], overview_table,
                             show_progress="hidden")
        new_chat.click(handlers.new_conversation, [language, session], outputs, show_progress="hidden")
        # the chat's own clear button empties the history: the session must start over with it
        chatbot.clear(handlers.new_conversation, [language, session], outputs, show_progress="hidden")
        chatbot.like(handlers.like, [session, language], [feedback_status, comment_row, session])
        comment_btn.click(handlers.comment, [comment_box, session, language], [feedback_status, comment_box])
        copy_btn.click(None, [copy_box], None,
                       js="(text) => { if (text) { navigator.clipboard.writeText(text); } return []; }")
    return demo


def serve(settings) -> None:
    """Build or open the index, then serve the chat on the configured host and port."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from .service import Assistant

    assistant = Assistant.from_settings(settings)
    info = assistant.ensure_index()
    print(f"index {'built' if info.built else 'opened'}: {info.chunks} chunks ({info.seconds:.1f} s)")
    demo = build_ui(assistant, settings)
    demo.queue(default_concurrency_limit=1).launch(server_name=settings.host, server_port=settings.port,
                                                   footer_links=FOOTER_LINKS)

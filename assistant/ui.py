"""The Gradio chat: a thin shell over :class:`assistant.service.Assistant`."""

from __future__ import annotations

import html
import logging
import os

from .errors import AssistantError, InputError
from .messages import say

log = logging.getLogger(__name__)

ABOUT = (
    "Antworten aus dem **Smart-City-Atlas** (Bitkom / Fraunhofer IESE, März 2019): 50 Städteprofile "
    "und die Querschnittsanalyse. Jede Antwort zitiert ihre Quelle; was der Atlas nicht enthält, "
    "sagt der Assistent. *Answers from the Smart-City-Atlas (March 2019, 50 German cities), in German or English.*"
)
EXAMPLES = [
    "Wie viele Einwohner hat Aachen?",
    "Was macht Darmstadt im Bereich Mobilität?",
    "Welche Leuchtturmprojekte gibt es im Bereich Gesundheit?",
    "What is the population of Augsburg?",
    "Who coordinates digitalisation in Bonn?",
]


def sources_markdown(answer) -> str:
    """The cited passages with source and section; quoted sentences in bold. Text is escaped."""
    if not answer.citations:
        return ""
    lines = [f"### {say(answer.language, 'sources')}"]
    for c in answer.citations:
        text = html.escape(c.text)
        quote = html.escape(c.quote) if c.quote else ""
        if quote and quote in text:
            text = text.replace(quote, f"<mark><b>{quote}</b></mark>", 1)
        lines.append(f"**[{c.n}] {html.escape(c.source)}** – {html.escape(c.section)}\n\n> {text}\n")
    return "\n".join(lines)


class ChatHandlers:
    """The UI's handler functions, testable without a browser."""

    def __init__(self, assistant) -> None:
        self.assistant = assistant

    def respond(self, message: str, history: list[dict] | None, cities: list[str] | None, language: str):
        history = list(history or [])
        lang = {"Deutsch": "de", "English": "en"}.get(language)
        history.append({"role": "user", "content": message or ""})
        try:
            answer = self.assistant.ask(message, language=lang, cities=cities or None)
        except InputError as exc:
            history.append({"role": "assistant", "content": str(exc)})
            return history, "", ""
        except AssistantError as exc:
            history.append({"role": "assistant", "content": str(exc)})
            return history, "", ""
        except Exception:  # never show a traceback in the chat
            log.exception("answering failed")
            history.append({"role": "assistant", "content": say(lang or "de", "index_unavailable")})
            return history, "", ""
        history.append({"role": "assistant", "content": html.escape(answer.text, quote=False)})
        return history, sources_markdown(answer), ""


def build_ui(assistant):
    import gradio as gr

    handlers = ChatHandlers(assistant)
    cities = [c.name for c in assistant.report.cities] if assistant.report else []
    with gr.Blocks(title="Smart-City-Atlas Assistent") as demo:
        gr.Markdown("# Smart-City-Atlas Assistent")
        gr.Markdown(ABOUT)
        with gr.Row():
            city_filter = gr.Dropdown(cities, multiselect=True, label="Städte / Cities", elem_id="city-filter")
            language = gr.Radio(["Automatisch", "Deutsch", "English"], value="Automatisch",
                                label="Sprache / Language", elem_id="language")
        chatbot = gr.Chatbot(label="Chat", elem_id="chat", height=420)
        question = gr.Textbox(label="Frage / Question", placeholder="Wie viele Einwohner hat Aachen?",
                              elem_id="question")
        sources = gr.Markdown(elem_id="sources")
        gr.Examples(EXAMPLES, inputs=question)
        question.submit(handlers.respond, [question, chatbot, city_filter, language], [chatbot, sources, question])
    return demo


def serve(settings) -> None:
    """Build or open the index, then serve the chat on the configured host and port."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from .service import Assistant

    assistant = Assistant.from_settings(settings)
    info = assistant.ensure_index()
    print(f"index {'built' if info.built else 'opened'}: {info.chunks} chunks ({info.seconds:.1f} s)")
    demo = build_ui(assistant)
    demo.queue(default_concurrency_limit=1).launch(server_name=settings.host, server_port=settings.port)

"""In Chromium: asking in the chat and in the widget leaves no cookie and nothing in the browser's storage;
the operator's insights page behind its key (HTTP Basic in the browser), with a screenshot
(``ASSISTANT_UPDATE_DOCS=1`` also writes it to docs/insights.png); axe-core on it and on the privacy note."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from axe_audit import check
from conftest import ROOT, free_port
from live_server import host_page, running
from playwright.sync_api import expect

from assistant.api import create_app
from assistant.db import Database, database_url
from assistant.feedback import FeedbackStore
from assistant.question_log import QuestionLog, QuestionRecord
from assistant.settings import Settings

pytestmark = pytest.mark.browser
KEY = "operator-key"
TIMEOUT_MS = 20_000
ASKED = [  # (wording, refused): what a fortnight of questions might look like
    ("Wie viele Einwohner hat Aachen?", False), ("Einwohnerzahl Aachen", False),
    ("Welche Projekte gibt es zur Mobilität in Freiburg?", False), ("Was macht Bamberg für Bürger?", False),
    ("What does Bamberg do for citizens?", False), ("Welche Städte haben eine Digitalstrategie?", False),
    ("Wann ist die nächste Stadtratssitzung?", True), ("Wie beantrage ich einen Anwohnerparkausweis?", True),
    ("Wie hoch ist der Eiffelturm?", True),
]


def seed(settings: Settings) -> None:
    """Two weeks of logged questions and two thumbs-down ratings in the app's database."""
    database = Database(database_url("", settings.data_dir))
    qlog = QuestionLog(database)
    today = datetime.now(UTC).replace(tzinfo=None, hour=9, minute=0, second=0, microsecond=0)
    for day in range(14):
        for i in range(3 + (day * 7) % 11):
            question, refused = ASKED[(day + i * i) % len(ASKED)]
            answer = "Dazu enthält der Smart-City-Atlas keine Angaben." if refused else "… [1]"
            qlog.record(QuestionRecord(question, answer, "en" if question.startswith("What") else "de", refused,
                                       ("ui", "widget", "api")[i % 3], 40.0 + i, created=today - timedelta(days=13 - day)))
    qlog.close()
    feedback = FeedbackStore(database)
    feedback.add("down", "Wer koordiniert die Digitalisierung in Aachen?", "Aachen hat 246.272 Einwohner [1].",
                 [{"n": 1, "source": "Aachen", "section": "Einwohner"}], "de", comment="Beantwortet die Frage nicht")
    database.close()


def test_no_cookies_no_storage_and_the_insights_page(chromium_browser, mini_assistant, tmp_path):
    host_port = free_port()
    allowed = f"http://localhost:{host_port}"
    settings = Settings(data_dir=tmp_path / "data", api_keys=[], rate_limit_per_minute=0, cors_origins=[allowed],
                        admin_key=KEY)
    seed(settings)
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        with running(create_app(mini_assistant, settings), free_port()) as url, host_page(url, host_port) as path:
            page.goto(url + "/")  # the chat (Gradio)
            page.wait_for_selector("#question textarea", timeout=TIMEOUT_MS)
            page.locator("#question textarea").fill("Wie viele Einwohner hat Bamberg?")
            page.locator("#question textarea").press("Enter")
            page.wait_for_function("() => document.querySelector('#chat').innerText.includes('77.179')",
                                   timeout=TIMEOUT_MS)
            page.goto(allowed + path)  # the widget on another site
            widget = page.locator("smart-city-atlas-widget")
            widget.locator(".launcher").click()
            widget.locator("textarea").fill("Wie hoch ist der Eiffelturm in Paris?")
            widget.locator("textarea").press("Enter")
            expect(widget.locator(".msg.bot").first).to_be_visible(timeout=TIMEOUT_MS)
            storage = page.evaluate("() => localStorage.length + sessionStorage.length")
            assert context.cookies() == [] and storage == 0

            admin = chromium_browser.new_context(viewport={"width": 1280, "height": 900},
                                                 http_credentials={"username": "operator", "password": KEY})
            try:
                insights = admin.new_page()
                response = insights.goto(url + "/admin")
                assert response.status == 200
                expect(insights.locator("h1")).to_contain_text("Questions asked")
                expect(insights.locator("figure svg")).to_be_visible()
                refused = insights.locator("h2:has-text('Refused questions') + table")
                expect(refused).to_contain_text("Wie hoch ist der Eiffelturm in Paris?")
                assert admin.cookies() == []
                check(insights, "insights")  # no serious or critical axe finding (the operator's page too)
                for path in ("/datenschutz", "/privacy"):
                    insights.goto(url + path)
                    check(insights, "privacy" + path.replace("/", "-"))
                insights.goto(url + "/admin")
                shot = tmp_path / "insights.png"
                insights.screenshot(path=str(shot), full_page=True)
                artifacts = ROOT / "test-artifacts" / "insights"
                artifacts.mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, artifacts / "insights.png")
                if os.environ.get("ASSISTANT_UPDATE_DOCS") == "1":
                    shutil.copy(shot, ROOT / "docs" / "insights.png")
            finally:
                admin.close()
    finally:
        context.close()

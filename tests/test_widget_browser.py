"""The website widget and the iframe embed in headless Chromium, on a sample host page with hostile styles
served from another origin (http://localhost:PORT) than the assistant (http://127.0.0.1:PORT)."""

from __future__ import annotations

import pytest
from axe_audit import check
from conftest import free_port
from live_server import host_page, running
from playwright.sync_api import expect

from assistant.api import create_app
from assistant.settings import Settings

pytestmark = pytest.mark.browser
PURPLE = "rgb(138, 43, 226)"  # the page's data-color="#8a2be2"


@pytest.fixture(scope="module")
def sites(mini_assistant):
    """(the allowed host page's URL, the same page on an origin that is not allowed)."""
    host_port = free_port()
    allowed = f"http://localhost:{host_port}"
    settings = Settings(api_keys=["widget-key"], rate_limit_per_minute=0, cors_origins=[allowed])
    with running(create_app(mini_assistant, settings, ui=False), free_port()) as api, host_page(api, host_port) as path:
        yield f"{allowed}{path}", f"http://127.0.0.1:{host_port}{path}"


def style(locator, prop: str) -> str:
    return locator.evaluate(f"e => getComputedStyle(e).{prop}")


def ask(widget, question: str) -> None:
    widget.locator("textarea").fill(question)
    widget.locator("textarea").press("Enter")


def test_widget_answers_with_citations_and_keeps_styles_apart(browser_page, sites):
    page = browser_page
    page.goto(sites[0])
    widget = page.locator("smart-city-atlas-widget")
    launcher = widget.locator(".launcher")
    expect(launcher).to_be_visible()
    expect(launcher).to_have_text("Fragen an den Atlas")
    # the host page's styles do not reach the widget ...
    assert style(launcher, "backgroundColor") == PURPLE
    assert style(launcher, "color") == "rgb(255, 255, 255)"
    assert "Comic" not in style(launcher, "fontFamily")
    assert style(launcher, "position") == "fixed"
    # ... and the widget's styles do not reach the page
    host_button = page.locator("#host-button")
    assert style(host_button, "backgroundColor") == "rgb(0, 128, 0)" and style(host_button, "paddingTop") == "40px"
    assert style(page.locator("#host-panel"), "borderTopStyle") == "dashed"
    assert "Comic" in style(page.locator("#host-title"), "fontFamily")
    page.shot("closed")

    launcher.click()
    panel = widget.locator(".panel")
    expect(panel).to_be_visible()
    assert style(panel, "width") != "50px" and "Comic" not in style(widget.locator("textarea"), "fontFamily")
    ask(widget, "Wie viele Einwohner hat <b>Aachen</b>?")
    answer = widget.locator(".msg.bot").first
    expect(answer).to_contain_text("246.272", timeout=15_000)
    expect(answer.locator(".sources")).to_contain_text("[1] Aachen")
    expect(answer.locator(".sources q")).to_contain_text("246.272")
    assert widget.locator(".msg.user b").count() == 0  # the question is shown as text, not as HTML
    expect(widget.locator(".msg.user").first).to_have_text("Wie viele Einwohner hat <b>Aachen</b>?")

    ask(widget, "Und Bamberg?")  # the widget keeps the conversation id
    expect(widget.locator(".msg.bot").nth(1)).to_contain_text("77.179", timeout=15_000)
    page.shot("answered")

    widget.locator("textarea").press("Escape")
    expect(panel).to_be_hidden()
    assert launcher.get_attribute("aria-expanded") == "false"


def test_widget_on_a_site_outside_the_cors_allow_list_shows_an_error(browser_page, sites):
    page = browser_page
    page.goto(sites[1])
    widget = page.locator("smart-city-atlas-widget")
    widget.locator(".launcher").click()
    ask(widget, "Wie viele Einwohner hat Aachen?")
    expect(widget.locator(".msg.error")).to_contain_text("nicht erreichbar", timeout=15_000)
    assert widget.locator(".msg.bot").count() == 0
    page.shot("refused")


def test_iframe_embed_is_configured_by_its_url(browser_page, sites):
    page = browser_page
    page.goto(sites[0])
    frame = page.frame_locator("#atlas-frame")
    expect(frame.locator("header h1")).to_have_text("Atlas im Rahmen")  # the embed page's own heading
    assert style(frame.locator("header"), "backgroundColor") == "rgb(0, 100, 0)"
    expect(frame.locator("textarea")).to_have_attribute("placeholder", "Your question …")
    ask(frame, "What is the population of Aachen?")
    answer = frame.locator(".msg.bot").first
    expect(answer).to_contain_text("246,272", timeout=15_000)
    expect(answer.locator(".sources")).to_contain_text("Sources")
    page.shot("iframe")


def test_embed_shows_the_way_to_a_person_with_refusals_and_on_request(browser_page, mini_assistant, monkeypatch):
    from assistant.handoff import Contact, Handoff

    contact = Contact("Bürgerservice, Mo–Fr 8–18 Uhr", "https://stadt.example/kontakt", "digital@stadt.example",
                      "+49 30 1234-567")
    monkeypatch.setattr(mini_assistant, "handoff", Handoff(contact))
    settings = Settings(api_keys=[], rate_limit_per_minute=0, cors_origins=[])
    with running(create_app(mini_assistant, settings, ui=False), free_port()) as api:
        page = browser_page
        page.goto(f"{api}/embed?lang=de")
        widget = page.locator("smart-city-atlas-widget")
        ask(widget, "Wie viele Einwohner hat Aachen?")
        answered = widget.locator(".msg.bot").first
        expect(answered).to_contain_text("246.272", timeout=15_000)
        assert answered.locator(".handoff").count() == 0  # an answer from the report: no contact
        ask(widget, "Wer ist der Bürgermeister von Hamburg?")
        refused = widget.locator(".msg.bot").nth(1)
        expect(refused.locator(".handoff")).to_contain_text("Persönliche Hilfe: Bürgerservice", timeout=15_000)
        links = refused.locator(".handoff a")
        assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
            "tel:+49301234567", "mailto:digital@stadt.example", "https://stadt.example/kontakt"]
        assert links.nth(2).get_attribute("target") == "_blank"
        ask(widget, "Kann ich mit jemandem sprechen?")
        asked = widget.locator(".msg.bot").nth(2)
        expect(asked).to_contain_text("hier erreichen Sie eine Person", timeout=15_000)
        expect(asked.locator(".handoff")).to_contain_text("+49 30 1234-567")
        page.shot("handoff")
        check(page, "embed-handoff")  # the contact's links pass axe like the rest of the page

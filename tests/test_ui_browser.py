"""The chat UI driven in Debian's Chromium as a person would use it, against the fixture assistant.

The app runs in-process on a free port; each test opens a fresh page (a new browser session) and
saves a screenshot of each step under test-artifacts/<test>/."""

from __future__ import annotations

import re

import pytest
from conftest import PacedAssistant, free_port

from assistant.feedback import FeedbackStore
from assistant.ui import build_ui

pytestmark = pytest.mark.browser
TIMEOUT_MS = 20_000
BOT = '#chat [data-testid="bot"]'


@pytest.fixture(scope="module")
def app(mini_assistant, tmp_path_factory):
    """The UI on a free loopback port; yields (url, feedback store)."""
    store = FeedbackStore.in_dir(tmp_path_factory.mktemp("ui-data"))
    demo = build_ui(PacedAssistant(mini_assistant), feedback=store)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/", store
    demo.close()


@pytest.fixture
def page(browser_page, app):
    url, _ = app
    browser_page.goto(url)
    browser_page.wait_for_selector("#question textarea", timeout=TIMEOUT_MS)
    return browser_page


def ask(page, question: str, expect: str) -> str:
    """Type a question, send it with Enter and wait for the answer that contains ``expect``;
    returns the last answer's text."""
    before = page.locator(BOT).count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        """([sel, n, expect]) => { const m = document.querySelectorAll(sel);
               return m.length > n && m[m.length - 1].innerText.includes(expect); }""",
        arg=[BOT, before, expect], timeout=TIMEOUT_MS)
    return shown_text(page.locator(BOT).last)


def shown_text(locator) -> str:
    """The text as displayed: the citation links' brackets come from CSS, so add them back."""
    return locator.evaluate("""(el) => { const c = el.cloneNode(true);
        c.querySelectorAll('a[href^="#src-"]').forEach(a => { a.textContent = '[' + a.textContent + ']'; });
        c.querySelectorAll('p').forEach(p => p.append('\\n'));
        c.querySelectorAll('br').forEach(b => b.replaceWith('\\n'));
        return c.textContent.trim(); }""")


def column(table, col: int) -> list[str]:
    """A Gradio table's column as shown, top to bottom (the body is a grid of virtual rows)."""
    return table.evaluate("""(el, col) => [...el.querySelectorAll('[role=row].virtual-row')]
        .sort((a, b) => +a.getAttribute('aria-rowindex') - +b.getAttribute('aria-rowindex'))
        .map(r => r.querySelector(`[role=gridcell][data-col="${col}"]`).innerText.trim())""", col)


def watch_streaming(page) -> None:
    """Record every text the last answer shows while it streams in (window.__shown)."""
    page.evaluate("""() => { window.__shown = [];
        new MutationObserver(() => { const m = document.querySelectorAll('#chat [data-testid="bot"]');
            if (m.length) { const t = m[m.length - 1].innerText;
                if (window.__shown[window.__shown.length - 1] !== t) window.__shown.push(t); } })
        .observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true}); }""")


def test_german_question_streams_an_answer_linked_to_its_sources(page):
    page.shot("01-start")
    assert "einer der 50 Städte" in page.locator("#chat").inner_text()  # the empty chat says what to ask
    watch_streaming(page)
    text = ask(page, "Wie viele Einwohner hat Aachen?", "Quellen")
    page.shot("02-answer")
    sentence = "Aachen hat 246.272 Einwohner (Stand 31.12.2017) [1]."
    assert text.startswith(sentence)
    shown = page.evaluate("window.__shown")
    assert any(0 < len(s) < len(sentence) and sentence.startswith(s) for s in shown), shown  # it streamed in
    links = page.locator(f'{BOT} a[href="#src-1-1"]')
    assert links.count() >= 1 and links.first.inner_text() == "1"
    brackets = links.first.evaluate("a => [getComputedStyle(a, '::before').content, getComputedStyle(a, '::after').content]")
    assert brackets == ['"["', '"]"']  # shown as [1]
    source = page.locator("#sources li#src-1-1")
    assert "Aachen" in source.locator(".source-name").inner_text()
    assert source.locator(".source-section").inner_text() == "Einwohner und Fläche"
    assert source.locator("mark").inner_text().startswith("Einwohner: 246.272.")
    links.first.click()
    page.wait_for_function("() => location.hash === '#src-1-1'", timeout=TIMEOUT_MS)
    assert page.locator("#sources li#src-1-1:target").count() == 1
    page.shot("03-source-targeted")


def test_english_question_gets_an_english_answer_and_english_labels(page):
    text = ask(page, "What is the population of Bamberg?", "Sources")
    page.shot("01-english-answer")
    assert text.startswith("Bamberg has a population of 77,179")
    page.wait_for_function("() => document.querySelector('#sources h2').innerText === 'Sources'", timeout=TIMEOUT_MS)
    assert page.get_by_label("Your question").count() == 1
    assert page.get_by_role("tab", name="Atlas at a glance").count() == 1
    page.get_by_label("Deutsch").check()
    page.wait_for_function("() => document.querySelector('#sources h2').innerText === 'Quellen'", timeout=TIMEOUT_MS)
    assert page.get_by_label("Ihre Frage").count() == 1
    page.shot("02-switched-to-german")


def test_follow_up_in_the_same_session_keeps_earlier_sources_reachable(page):
    ask(page, "Wie viele Einwohner hat Aachen?", "Quellen")
    ask(page, "Vergleiche Aachen und Bamberg", "Quellen")
    page.shot("01-two-answers")
    assert page.locator("#sources li#src-2-2").count() == 1 and page.locator("#sources li#src-1-1").count() == 1
    assert page.locator('#answer-table').is_visible()
    table = page.locator("#answer-table")
    assert column(table, 0) == ["Aachen", "Bamberg"] and column(table, 1) == ["246.272", "77.179"]
    chart = page.locator("#answer-chart")
    assert chart.is_visible()
    chart.locator("canvas, svg").first.wait_for(timeout=TIMEOUT_MS)
    assert "Steckbrief Aachen, Steckbrief Bamberg" in page.locator("#answer-chart-source").inner_text()
    page.shot("02-table-and-chart")


def test_city_filter_narrows_the_answer_to_the_chosen_city(page):
    text = ask(page, "Wer koordiniert die Digitalisierung?", "Quellen")
    assert "Steckbrief Aachen" in text
    page.click("#city-filter input")
    page.locator('#city-filter [role="option"][aria-label="Bamberg"]').click()
    page.keyboard.press("Escape")
    page.shot("01-bamberg-selected")
    text = ask(page, "Wer koordiniert die Digitalisierung?", "Quellen")
    page.shot("02-filtered-answer")
    assert "Steckbrief Bamberg" in text and "Amt für Digitalisierung" in text
    newest = page.locator("#sources details[open] .source-name")
    assert newest.all_inner_texts() == ["Bamberg"]


def rate(page, button: str, status: str) -> None:
    """Thumbs up or down on the latest answer, then wait until the UI says the rating was stored."""
    page.locator(BOT).last.hover()
    page.locator(f'#chat button[aria-label="{button}"]').last.click()
    page.wait_for_function(f"() => document.querySelector('#feedback-status').innerText.includes('{status}')",
                           timeout=TIMEOUT_MS)


def test_thumbs_down_with_a_comment_lands_in_the_store(page, app):
    _, store = app
    before = len(store.rows())
    ask(page, "Wie viele Leuchtturmprojekte gibt es im Handlungsfeld Mobilität?", "Quellen")
    rate(page, "Dislike", "gespeichert")
    page.shot("01-thumbs-down")
    rows = store.rows()
    assert len(rows) == before + 1
    row = rows[-1]
    assert row["rating"] == "down"
    assert row["question"] == "Wie viele Leuchtturmprojekte gibt es im Handlungsfeld Mobilität?"
    assert row["answer"] == "Im Handlungsfeld Mobilität nennt Anhang A 3 Leuchtturmprojekte [1]."
    assert row["citations"][0]["source"] == "Anhang A" and row["session"]
    page.fill("#comment textarea", "Welche Projekte sind das?")
    page.click("#comment-send")
    page.wait_for_function("() => document.querySelector('#feedback-status').innerText.includes('Kommentar')",
                           timeout=TIMEOUT_MS)
    page.shot("02-comment-saved")
    assert store.rows()[-1]["comment"] == "Welche Projekte sind das?"


def test_copy_button_copies_the_answer_with_its_citations(page, app):
    url, _ = app
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    ask(page, "Wie viele Einwohner hat Aachen?", "Quellen")
    page.click("#copy-answer")
    page.wait_for_function("async () => (await navigator.clipboard.readText()).includes('Quellen:')",
                           timeout=TIMEOUT_MS)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == ("Aachen hat 246.272 Einwohner (Stand 31.12.2017) [1].\n\nQuellen:\n"
                      "[1] Aachen – Einwohner und Fläche: »Einwohner: 246.272. Fläche in km²: 161.«")
    page.shot("01-copied")
    page.evaluate("navigator.clipboard.writeText('')")
    page.locator(BOT).last.hover()
    page.locator('#chat button[aria-label="Copy message"]').last.click()  # the chat's own copy button
    page.wait_for_function("async () => (await navigator.clipboard.readText()).length > 0", timeout=TIMEOUT_MS)
    message = page.evaluate("navigator.clipboard.readText()")
    assert message.startswith("Aachen hat 246.272 Einwohner (Stand 31.12.2017) [1].\n\nQuellen:\n"
                              "[1] Aachen – Einwohner und Fläche")


def test_bad_input_shows_a_short_message_not_a_traceback(page):
    text = ask(page, "12345", "keine Wörter")
    page.shot("01-error-message")
    assert "Traceback" not in page.content() and "Error" not in text
    assert len(text) < 200


def test_overview_page_has_a_sortable_city_table_and_a_projects_chart_with_citations(page):
    page.get_by_role("tab", name="Atlas auf einen Blick").click()
    table = page.locator("#overview-table")
    table.wait_for(timeout=TIMEOUT_MS)
    page.shot("01-overview")

    assert column(table, 0) == ["Aachen", "Bamberg", "Freiburg im Breisgau"]
    assert column(table, 4) == ["Steckbrief Aachen", "Steckbrief Bamberg", "Steckbrief Freiburg im Breisgau"]
    header = table.locator('th[data-heading="1"]')
    header.click()
    header.locator('button[aria-label="Open cell menu"]').click()
    page.get_by_role("menuitem", name="Sort ascending").click()
    page.wait_for_function("""() => document.querySelector(
        '#overview-table [role=row][aria-rowindex="2"] [data-col="0"]').innerText.includes('Bamberg')""",
                           timeout=TIMEOUT_MS)
    assert column(table, 0) == ["Bamberg", "Freiburg im Breisgau", "Aachen"]  # by population, ascending
    page.shot("02-sorted-by-population")
    assert "Steckbriefe" in page.locator("#overview-table-source").inner_text()
    chart = page.locator("#overview-chart")
    chart.locator("canvas, svg").first.wait_for(timeout=TIMEOUT_MS)
    assert "Leuchtturmprojekte je Handlungsfeld" in chart.inner_text()
    assert "Anhang A" in page.locator("#overview-chart-source").inner_text()
    chart.scroll_into_view_if_needed()
    page.shot("03-projects-chart")


def test_phone_width_stacks_sources_under_the_chat_without_sideways_scrolling(page):
    page.set_viewport_size({"width": 390, "height": 844})
    ask(page, "Wie viele Einwohner hat Aachen?", "Quellen")
    page.shot("01-phone")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    chat, sources = page.locator("#chat").bounding_box(), page.locator("#sources").bounding_box()
    assert sources["y"] >= chat["y"] + chat["height"] - 1
    assert re.search(r"Einwohner: 246\.272", page.locator("#sources").inner_text())


def test_clearing_the_chat_starts_over_and_ratings_still_hit_the_right_answer(page, app):
    _, store = app
    ask(page, "Wie viele Einwohner hat Aachen?", "Quellen")
    ask(page, "Vergleiche Aachen und Bamberg", "Quellen")
    page.locator('#chat button[aria-label="Clear"]').click()
    page.wait_for_selector("#sources .sources-empty", timeout=TIMEOUT_MS)
    assert page.locator(BOT).count() == 0
    page.shot("01-cleared")
    ask(page, "What is the population of Bamberg?", "Sources")
    rate(page, "Like", "saved")
    page.shot("02-rated-after-clear")
    row = store.rows()[-1]
    assert (row["rating"], row["question"]) == ("up", "What is the population of Bamberg?")
    assert page.locator("#sources li#src-1-1").count() == 1  # numbering restarted with the new chat


def test_the_chat_served_by_the_app_server_answers_and_stores_feedback_under_data_dir(browser_page, mini_assistant,
                                                                                      tmp_path):
    """The same chat as users get it from ``python -m assistant serve``: mounted at / on the API server."""
    from live_server import running

    from assistant.api import create_app
    from assistant.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", api_keys=[], rate_limit_per_minute=0, cors_origins=[])
    page = browser_page
    with running(create_app(mini_assistant, settings), free_port()) as url:
        page.goto(url + "/")
        page.wait_for_selector("#question textarea", timeout=TIMEOUT_MS)
        text = ask(page, "Wie viele Einwohner hat Bamberg?", "Quellen")
        assert text.startswith("Bamberg hat 77.179 Einwohner")
        assert page.locator(f'{BOT} a[href="#src-1-1"]').count() >= 1
        assert "Einwohner: 77.179." in page.locator("#sources li#src-1-1 mark").inner_text()
        page.locator(BOT).last.hover()
        page.locator('#chat button[aria-label="Dislike"]').last.click()
        page.wait_for_function("() => document.querySelector('#feedback-status').innerText.includes('gespeichert')",
                               timeout=TIMEOUT_MS)
        page.shot("01-served-by-the-app")
    [row] = FeedbackStore.in_dir(settings.data_dir).rows()
    assert (row["rating"], row["question"]) == ("down", "Wie viele Einwohner hat Bamberg?")


def test_the_contact_is_shown_with_a_refusal_as_links(browser_page, mini_assistant, monkeypatch, tmp_path):
    from assistant.handoff import Contact, Handoff

    monkeypatch.setattr(mini_assistant, "handoff", Handoff(Contact("Bürgerservice", "https://stadt.example/kontakt",
                                                                   "digital@stadt.example", "+49 30 1234-567")))
    demo = build_ui(mini_assistant, feedback=FeedbackStore.in_dir(tmp_path))
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        page = browser_page
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("#question textarea", timeout=TIMEOUT_MS)
        answered = ask(page, "Wie viele Einwohner hat Aachen?", "246.272")
        assert "Bürgerservice" not in answered
        refused = ask(page, "Wer ist der Bürgermeister von Hamburg?", "Bürgerservice")
        assert "Persönliche Hilfe: Bürgerservice" in refused
        links = page.locator(BOT).last.locator("a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert {"tel:+49301234567", "mailto:digital@stadt.example", "https://stadt.example/kontakt"} <= set(hrefs)
        asked = ask(page, "Can I speak to a human?", "Talk to a person")
        assert "+49 30 1234-567" in asked
        page.shot("handoff")
    finally:
        demo.close()

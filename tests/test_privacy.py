"""The privacy note (both languages, following the settings) and what the widget stores: no cookies."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from assistant.api import STATIC, create_app
from assistant.privacy import PATHS, PrivacyNote
from assistant.settings import Settings
from assistant.ui_text import footer_html


@pytest.mark.parametrize("lang", sorted(PATHS))
def test_the_note_says_what_is_stored_for_how_long_and_how_to_turn_it_off(lang):
    page = PrivacyNote(True, 30).render(lang)
    assert f'<html lang="{lang}">' in page and "ASSISTANT_QUESTION_LOG=off" in page
    assert ("30 Tage" if lang == "de" else "30 days") in page
    assert ("keine Cookies" if lang == "de" else "set no cookies") in page
    assert ("Keine IP-Adresse" if lang == "de" else "No IP address") in page
    other = "privacy" if lang == "de" else "datenschutz"
    assert f'href="{other}"' in page
    off = PrivacyNote(False, 90).render(lang)
    assert ("Fragen-Protokoll: ausgeschaltet" if lang == "de" else "question log: off") in off


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="retention_days"):
        PrivacyNote(True, 0)
    with pytest.raises(ValueError, match="'fr'"):
        PrivacyNote(True, 90).render("fr")


def test_the_server_shows_the_note_for_its_settings_and_the_chat_links_it(mini_assistant, tmp_path):
    settings = Settings(data_dir=tmp_path, api_keys=[], rate_limit_per_minute=0, log_retention_days=14)
    client = TestClient(create_app(mini_assistant, settings, ui=False))
    for path in PATHS.values():
        r = client.get(path)
        assert r.status_code == 200 and ("14 Tage" in r.text or "14 days" in r.text)
    assert '<a href="datenschutz" lang="de" hreflang="de">Datenschutzhinweis</a>' in footer_html()
    assert '<a href="privacy" lang="en" hreflang="en">Privacy note</a>' in footer_html()


def test_the_widget_sets_no_cookie_and_stores_nothing_in_the_browser(mini_assistant, tmp_path):
    source = (STATIC / "widget.js").read_text(encoding="utf-8") + (STATIC / "embed.html").read_text(encoding="utf-8")
    assert not re.search(r"cookie|localStorage|sessionStorage|indexedDB", source, re.IGNORECASE)
    settings = Settings(data_dir=tmp_path, api_keys=[], rate_limit_per_minute=0)
    client = TestClient(create_app(mini_assistant, settings, ui=False))
    responses = [client.get("/widget.js"), client.get("/embed"), client.get("/datenschutz"),
                 client.post("/api/v1/ask", json={"question": "Wie viele Einwohner hat Aachen?"},
                             headers={"X-Assistant-Channel": "widget"})]
    assert [r.status_code for r in responses] == [200] * 4
    assert not [r.url for r in responses if "set-cookie" in r.headers]

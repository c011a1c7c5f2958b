"""The accessibility statement (BITV 2.0 § 7): both languages, the feedback contact, a missing contact."""

from __future__ import annotations

import logging

import pytest

from assistant.statement import PATHS, Statement


@pytest.mark.parametrize("lang", sorted(PATHS))
def test_statement_names_the_standard_the_status_the_contact_and_the_enforcement_body(lang):
    page = Statement("https://www.stadt.example/barriere-melden", "Stadt Musterstadt").render(lang)
    assert f'<html lang="{lang}">' in page and "WCAG" in page and "2.1" in page and "BITV 2.0" in page
    assert '<a href="https://www.stadt.example/barriere-melden">' in page  # a contact form instead of e-mail
    assert "Stadt Musterstadt" in page and "§ 16" in page and "schlichtungsstelle-bgg.de" in page
    assert ("teilweise vereinbar" if lang == "de" else "partially compliant") in page
    assert 'class="missing"' not in page


def test_without_a_contact_the_page_says_so_and_the_server_warns(caplog):
    with caplog.at_level(logging.WARNING, "assistant.statement"):
        statement = Statement()
    assert "ASSISTANT_ACCESSIBILITY_CONTACT" in caplog.text
    german = statement.render("de")
    assert '<p class="missing" role="note">Die betreibende Stelle hat noch keinen Kontakt eingetragen' in german
    assert "The operator has not entered a contact yet" in statement.render("en")


@pytest.mark.parametrize("contact", ["not an address", "javascript:alert(1)", "a@b", "<x@y.de>"])
def test_a_contact_that_is_neither_e_mail_nor_web_address_is_refused(contact):
    with pytest.raises(ValueError, match="neither an e-mail address nor an http"):
        Statement(contact)


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="'fr'"):
        Statement("a@b.de").render("fr")

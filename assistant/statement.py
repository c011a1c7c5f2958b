"""The accessibility statement that BITV 2.0 (§ 7) asks of public bodies, in German and English: the page
``templates/statement.html`` around the text ``templates/statement_<lang>.html``, with the operator and
their feedback contact filled in."""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from string import Template

log = logging.getLogger(__name__)
_TEMPLATES = Path(__file__).parent / "templates"
_STYLE = Path(__file__).parent / "static" / "statement.css"
PATHS = {"de": "/barrierefreiheit", "en": "/accessibility"}  # where the server shows each language
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_URL = re.compile(r"^https?://[^\s<>\"']+$")
_TEXT = {
    "de": {"title": "Erklärung zur Barrierefreiheit – Smart-City-Atlas Assistent", "nav_label": "Sprache und Rückweg",
           "back": "Zum Chat", "other_label": "Erklärung zur Barrierefreiheit auf Deutsch", "by": " von {}",
           "missing": "Die betreibende Stelle hat noch keinen Kontakt eingetragen "
                      "(Einstellung ASSISTANT_ACCESSIBILITY_CONTACT)."},
    "en": {"title": "Accessibility statement – Smart-City-Atlas Assistant", "nav_label": "Language and way back",
           "back": "To the chat", "other_label": "Accessibility statement in English", "by": " of {}",
           "missing": "The operator has not entered a contact yet (setting ASSISTANT_ACCESSIBILITY_CONTACT)."},
}  # other_label: the link to this language from the other one


def frame(lang: str, texts: dict[str, dict[str, str]], paths: dict[str, str], body: str) -> str:
    """A page in the frame of ``templates/statement.html`` (shared with the privacy note): ``body`` (HTML) in
    ``lang``, a way back to the chat and a link to the page in the other language; ``texts[lang]`` has
    title, nav_label, back and other_label (the other language's link text), ``paths`` the page per language."""
    text = texts[lang]
    other = next(o for o in paths if o != lang)
    return Template((_TEMPLATES / "statement.html").read_text(encoding="utf-8")).substitute(
        lang=lang, title=html.escape(text["title"]), nav_label=html.escape(text["nav_label"]),
        back=html.escape(text["back"]), other_lang=other, other_href=paths[other].lstrip("/"),
        other_label=html.escape(texts[other]["other_label"]), style=_STYLE.read_text(encoding="utf-8"), body=body)


class Statement:
    """Renders the statement. ``contact`` is an e-mail address or an http(s) address of a contact form;
    empty leaves a visible note that the operator must still enter one. ``operator`` names who runs it."""

    def __init__(self, contact: str = "", operator: str = "") -> None:
        contact, operator = contact.strip(), operator.strip()
        if contact and not (_EMAIL.match(contact) or _URL.match(contact)):
            raise ValueError(f"accessibility contact {contact!r} is neither an e-mail address nor an http(s) URL")
        if not contact:
            log.warning("the accessibility statement has no feedback contact: set ASSISTANT_ACCESSIBILITY_CONTACT")
        self.contact = contact
        self.operator = operator

    def render(self, lang: str) -> str:
        """The statement page in ``lang`` ("de" or "en")."""
        if lang not in PATHS:
            raise ValueError(f"no accessibility statement in {lang!r}: use 'de' or 'en'")
        text = _TEXT[lang]
        body = Template((_TEMPLATES / f"statement_{lang}.html").read_text(encoding="utf-8")).substitute(
            operator=html.escape(text["by"].format(self.operator)) if self.operator else "",
            contact=self._contact_link(),
            contact_note="" if self.contact else f'<p class="missing" role="note">{html.escape(text["missing"])}</p>')
        return frame(lang, _TEXT, PATHS, body)

    def _contact_link(self) -> str:
        if not self.contact:
            return "–"
        href = self.contact if _URL.match(self.contact) else f"mailto:{self.contact}"
        return f'<a href="{html.escape(href)}">{html.escape(self.contact)}</a>'

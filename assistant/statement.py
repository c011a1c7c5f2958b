"""The accessibility statement that BITV 2.0 (§ 7) asks of public bodies, in German and English:
``templates/statement_<lang>.html`` with the operator and their feedback contact filled in."""

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
_MISSING = {
    "de": "Die betreibende Stelle hat noch keinen Kontakt eingetragen (Einstellung ASSISTANT_ACCESSIBILITY_CONTACT).",
    "en": "The operator has not entered a contact yet (setting ASSISTANT_ACCESSIBILITY_CONTACT).",
}
_BY = {"de": " von {}", "en": " of {}"}


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
        template = Template((_TEMPLATES / f"statement_{lang}.html").read_text(encoding="utf-8"))
        return template.substitute(
            style=_STYLE.read_text(encoding="utf-8"),
            operator=html.escape(_BY[lang].format(self.operator)) if self.operator else "",
            contact=self._contact_link(),
            contact_note="" if self.contact else f'<p class="missing" role="note">{html.escape(_MISSING[lang])}</p>')

    def _contact_link(self) -> str:
        if not self.contact:
            return "–"
        href = self.contact if _URL.match(self.contact) else f"mailto:{self.contact}"
        return f'<a href="{html.escape(href)}">{html.escape(self.contact)}</a>'

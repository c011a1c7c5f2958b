"""The privacy note: what the assistant stores, for how long, and how to turn the question log off, in
German (``/datenschutz``) and English (``/privacy``). The texts are ``templates/privacy_<lang>.html``
in the statement pages' frame (``templates/statement.html``), filled in from the settings."""

from __future__ import annotations

import html
from pathlib import Path
from string import Template

from .statement import frame

_TEMPLATES = Path(__file__).parent / "templates"
PATHS = {"de": "/datenschutz", "en": "/privacy"}
_TEXT = {
    "de": {"title": "Datenschutzhinweis – Smart-City-Atlas Assistent", "nav_label": "Sprache und Rückweg",
           "back": "Zum Chat", "other_label": "Datenschutzhinweis auf Deutsch",
           "on": "eingeschaltet", "off": "ausgeschaltet", "days": "{} Tage"},
    "en": {"title": "Privacy note – Smart-City-Atlas Assistant", "nav_label": "Language and way back",
           "back": "To the chat", "other_label": "Privacy note in English",
           "on": "on", "off": "off", "days": "{} days"},
}  # other_label: the link to this language from the other one


class PrivacyNote:
    """Renders the note for the running configuration: whether the question log is on and how many days
    its rows are kept."""

    def __init__(self, question_log: bool, retention_days: int) -> None:
        if retention_days < 1:
            raise ValueError(f"retention_days must be at least 1, got {retention_days}")
        self.question_log = question_log
        self.retention_days = retention_days

    def render(self, lang: str) -> str:
        if lang not in PATHS:
            raise ValueError(f"no privacy note in {lang!r}: use 'de' or 'en'")
        text = _TEXT[lang]
        body = Template((_TEMPLATES / f"privacy_{lang}.html").read_text(encoding="utf-8")).substitute(
            log_state=html.escape(text["on" if self.question_log else "off"]),
            retention=html.escape(text["days"].format(self.retention_days)))
        return frame(lang, _TEXT, PATHS, body)

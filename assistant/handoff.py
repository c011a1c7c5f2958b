"""A way to a person: the operator's contact, offered with every refusal and when a question asks for a person.

The wordings that ask for a person are data (``pack/handoff.toml``): groups of words, not one rule per sentence.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .messages import say
from .text import fold
from .types import Answer

PACK = Path(__file__).parent / "pack" / "handoff.toml"
MODE = "handoff"  # Answer.mode of the reply to a request for a person


@dataclass(frozen=True)
class Contact:
    """Where a person can help: any of a text (who, when), a web address, an e-mail address, a phone number."""

    text: str = ""
    url: str = ""
    email: str = ""
    phone: str = ""

    @property
    def configured(self) -> bool:
        return any((self.text, self.url, self.email, self.phone))

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "url": self.url, "email": self.email, "phone": self.phone}

    @property
    def tel(self) -> str:
        """The phone number for a ``tel:`` link: digits and a leading +."""
        return re.sub(r"[^\d+]", "", self.phone)

    def lines(self, lang: str) -> str:
        """The contact as plain text, e.g. for clients that show only an answer's text."""
        parts = [f"{say(lang, 'handoff_lead')}: {self.text}" if self.text else say(lang, "handoff_lead") + ":"]
        for key, value in (("handoff_phone", self.phone), ("handoff_email", self.email), ("handoff_web", self.url)):
            if value:
                parts.append(f"{say(lang, key)}: {value}")
        return "\n".join(parts)


def _pattern(words: list[str]) -> re.Pattern:
    """One alternation of the group's words: whole words, or word starts for those ending in '*'."""
    if not words:
        raise ValueError("a word group of the handoff pack is empty")
    alternatives = sorted((re.escape(fold(w.rstrip("*"))) + (r"[\w-]*" if w.endswith("*") else "") for w in words),
                          key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


class HandoffRequests:
    """Tells whether a question asks for a person rather than for the report (the rule is in ``pack/handoff.toml``)."""

    def __init__(self, person: list[str], reach: list[str], channel: list[str], about_report: list[str],
                 short_words: int = 9, bare_words: int = 4) -> None:
        if short_words < 1 or bare_words < 1:
            raise ValueError(f"word limits must be positive, got {short_words}, {bare_words}")
        self.person, self.reach = _pattern(person), _pattern(reach)
        self.channel, self.about_report = _pattern(channel), _pattern(about_report)
        self.short_words, self.bare_words = short_words, bare_words

    @classmethod
    def from_file(cls, path: Path = PACK) -> HandoffRequests:
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
        return cls(data["person"], data["reach"], data["channel"], data["about_report"],
                   data.get("short_words", 9), data.get("bare_words", 4))

    def run(self, question: str, names_city: bool = False) -> bool:
        """True if ``question`` asks for a person; ``names_city``: it names a city (then it asks the report)."""
        text = fold(question)
        if names_city or self.about_report.search(text):
            return False
        n_words = len(re.findall(r"\w+", text))
        person = self.person.search(text)
        return bool((person and self.reach.search(text))
                    or (self.channel.search(text) and n_words <= self.short_words)
                    or (person and n_words <= self.bare_words))


class Handoff:
    """Replies to a request for a person, and says which answers carry the contact (refusals and those replies)."""

    def __init__(self, contact: Contact | None = None, requests: HandoffRequests | None = None) -> None:
        self.contact = contact or Contact()
        self.requests = requests or HandoffRequests.from_file()

    def reply(self, question: str, lang: str, names_city: bool = False) -> Answer | None:
        """The reply to a question that asks for a person, or None for any other question."""
        if not self.requests.run(question, names_city):
            return None
        key = "handoff_offer" if self.contact.configured else "handoff_none"
        return Answer(question, say(lang, key), lang, refused=False, mode=MODE)

    def for_answer(self, answer: Answer) -> Contact | None:
        """The contact to show with ``answer``: with a refusal or a reply to a request, if one is configured."""
        if self.contact.configured and (answer.refused or answer.mode == MODE):
            return self.contact
        return None

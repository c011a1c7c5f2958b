"""Small text helpers shared by the chunker, the answerer and the city matcher."""

from __future__ import annotations

import re
import unicodedata

# Abbreviations after which a period does not end a German sentence.
_ABBREVIATIONS = (
    "z.B", "z. B", "u.a", "u. a", "d.h", "d. h", "bzw", "ca", "vgl", "Vgl", "Dr", "Prof", "Nr", "e.V",
    "e. V", "i.B", "i. B", "o.g", "o. g", "ggf", "inkl", "sog", "bspw", "usw", "etc", "Mio", "Mrd",
    "St", "Str", "evtl", "gem", "insb", "u.v.m", "v.a", "v. a", "z.T", "z. T", "Abb", "Tab", "bzgl",
)
_ABBR_RE = re.compile(r"(?:(?<=\s)|^)(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")\.$")
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[»\"„(]?[A-ZÄÖÜ0-9])")


def split_sentences(text: str) -> list[str]:
    """Split German prose into sentences, keeping abbreviations and dates intact."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        pieces = _SPLIT.split(para.strip())
        buf = ""
        for piece in pieces:
            buf = f"{buf} {piece}".strip() if buf else piece
            if _ABBR_RE.search(buf) or re.search(r"(?:^|\s)\d{1,2}\.$", buf):
                continue  # "z.B." or an ordinal/date like "31." does not end a sentence
            out.append(buf)
            buf = ""
        if buf:
            out.append(buf)
    return [s for s in out if s]


def fold(text: str) -> str:
    """Lowercase, umlauts spelled out and accents dropped: 'Köln' -> 'koeln'."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


WORD = re.compile(r"[A-Za-zÄÖÜäöüß0-9][\wÄÖÜäöüß-]*")


def words(text: str) -> list[str]:
    """The words of a text, in order."""
    return WORD.findall(text)


class WordSpread:
    """How many of some texts (the city profiles) contain a folded word, also inside a longer word.

    A word few profiles use names something specific ("KEPTN", "Zukunftskommune"); counts are cached."""

    def __init__(self, texts) -> None:
        self._texts = [fold(t) for t in texts]
        self._counts: dict[str, int] = {}

    @classmethod
    def of_profiles(cls, report) -> WordSpread:
        return cls(" ".join(s.text for s in city.sections) for city in report.cities)

    def __call__(self, word: str) -> int:
        if word not in self._counts:
            self._counts[word] = sum(word in text for text in self._texts)
        return self._counts[word]


_OR = re.compile(r"(\S+)\s+(?:bzw\.?|beziehungsweise|oder|or)\s+(?:(?:ein|eine|einen|einer|der|die|das|den|a|an|the)\s+)?(\S+)",
                 re.I)


def alternatives(question: str) -> list[str]:
    """The question once per alternative it names: "ein Open-Data-Portal bzw. eine Open-Data-Plattform" gives
    one question with the portal and one with the platform (the question itself when it names none)."""
    m = _OR.search(question)
    if not m:
        return [question]
    first = question[: m.start()] + m.group(1) + question[m.end():]
    second = question[: m.start()] + m.group(2) + question[m.end():]
    return [first, second]

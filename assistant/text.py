"""Small text helpers shared by the chunker, the answerer and the city matcher."""

from __future__ import annotations

import functools
import re
import unicodedata

# Abbreviations after which a period does not end a German sentence.
_ABBREVIATIONS = (
    "z.B", "z. B", "u.a", "u. a", "d.h", "d. h", "bzw", "ca", "vgl", "Vgl", "Dr", "Prof", "Nr", "e.V",
    "e. V", "i.B", "i. B", "o.g", "o. g", "ggf", "inkl", "sog", "bspw", "usw", "etc", "Mio", "Mrd",
    "St", "Str", "evtl", "gem", "insb", "u.v.m", "v.a", "v. a", "z.T", "z. T", "Abb", "Tab", "bzgl",
)
# ... also right after a bracket, slash or quote: "(z.B. Stadtwerke)", "(v. a. Rechtsamt)"
_ABBR_RE = re.compile(r"(?:(?<=[\s(/„»\"])|^)(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")\.$")
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


@functools.lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """Lowercase, umlauts spelled out and accents dropped: 'Köln' -> 'koeln' (cached: the report's
    names and sentences are folded again for every question)."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


# A question that negates what it asks ("Welche Städte haben keinen CDO?", "take part in no programme").
NEGATED_QUESTION = re.compile(r"\bkein\w*|\bnicht\b|\bnie\b|\bno\b|\bnot\b|\bnone\b|\bnever\b|n't\b", re.I)
WORD = re.compile(r"[A-Za-zÄÖÜäöüß0-9][\wÄÖÜäöüß-]*")
# German "how many / how much" in all its forms: "wie viele", "wieviel", "aus wie vielen", "wie vieler"
HOW_MANY_DE = r"wie ?viel(?:e[nmrs]?)?"


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
        """The profiles' texts, with their projects' titles (without their fields): "Marktliner" may stand
        only in a title."""
        return cls(" ".join(project_title(s.section) + " " + s.text for s in city.sections) for city in report.cities)

    def __call__(self, word: str) -> int:
        if word not in self._counts:
            self._counts[word] = sum(word in text for text in self._texts)
        return self._counts[word]


def project_title(section: str) -> str:
    """A project section's title without its fields ("Projektbeispiele: Smart Parking (Mobilität)" is "Smart
    Parking"); "" for any other section."""
    title = section.removeprefix("Projektbeispiele: ")
    return re.sub(r"\s*\([^()]*\)\s*$", "", title) if title != section else ""


_UNFOLD = {"ae": "ä", "oe": "ö", "ue": "ü", "ss": "ß"}
_TERM = r"[A-Za-zÄÖÜäöüß][\w&-]*"
_LONG_THEN_SHORT = re.compile(rf"((?:{_TERM}\s+){{0,6}}{_TERM})\s+\(([A-ZÄÖÜ][A-Za-zÄÖÜ]{{1,7}})\)")
_PAREN_SHORT = re.compile(r"\(([A-ZÄÖÜ][A-Za-zÄÖÜ]{1,7})\)")
_LONG_THEN_SHORT_AT_END = re.compile(_LONG_THEN_SHORT.pattern + "$")


def _long_then_short(text: str):
    """What ``_LONG_THEN_SHORT.finditer(text)`` finds, read back from each parenthesised abbreviation (the
    whole-text scan tries seven words at every position: most of a second for the report)."""
    done = 0
    for paren in _PAREN_SHORT.finditer(text):
        start = max(done, paren.start() - 600)
        while start > done and not text[start - 1].isspace():
            start -= 1  # a window begins at a word
        found = _LONG_THEN_SHORT_AT_END.search(text, start, paren.end())
        if found is not None:
            done = found.end()
            yield found


_SHORT_THEN_LONG = re.compile(rf"\b([A-ZÄÖÜ][A-Za-zÄÖÜ]{{1,7}})\s+\(((?:{_TERM}\s+){{0,6}}{_TERM})\)")


class Abbreviations:
    """The abbreviations a text defines itself ("Chief Digital Officer (CDO)", "EFRE (Europäischer Fonds
    ...)"): the capitals of the short form are the initials of the long form's words. A text that writes
    one form answers a question that asks with the other."""

    def __init__(self, pairs: dict[str, set[str]]) -> None:
        self.pairs = {short: frozenset(fold(long) for long in longs) for short, longs in pairs.items()}
        # the short forms as written ("MIT", not the word "mit"); the long forms in any case, as written or folded
        self._short = re.compile(r"\b(" + "|".join(map(re.escape, sorted(self.pairs, key=len, reverse=True)))
                                 + r")\b") if self.pairs else None
        self._by_long = {long: short for short, longs in self.pairs.items() for long in longs}
        def spelled_any_way(folded: str) -> str:  # "fuer" matches "für" and "fuer"
            return re.sub(r"ae|oe|ue|ss", lambda m: f"(?:{m.group(0)}|{_UNFOLD[m.group(0)]})", re.escape(folded))

        self._long = re.compile(r"\b(" + "|".join(spelled_any_way(long) for long in sorted(
            self._by_long, key=len, reverse=True)) + r")\b", re.I) if self._by_long else None

    @staticmethod
    def _initials(words: list[str]) -> list[str]:
        return [w[0].upper() for w in words if w[0].isupper() or len(w) > 3]

    @classmethod
    def of_text(cls, text: str) -> Abbreviations:
        pairs: dict[str, set[str]] = {}
        for m in _long_then_short(text):
            words, short = m.group(1).split(), m.group(2)
            capitals = [c for c in short if c.isupper()]
            for k in range(2, len(words) + 1):  # the fewest last words that spell the capitals
                if cls._initials(words[-k:]) == capitals:
                    pairs.setdefault(short, set()).add(" ".join(words[-k:]))
                    break
        for m in _SHORT_THEN_LONG.finditer(text):
            short, words = m.group(1), m.group(2).split()
            capitals = [c for c in short if c.isupper()]
            if len(capitals) >= 2 and len(words) >= 2 and cls._initials(words) == capitals:
                pairs.setdefault(short, set()).add(" ".join(words))
        return cls({short: longs for short, longs in pairs.items() if sum(c.isupper() for c in short) >= 2})

    def expand(self, text: str) -> str:
        """The text folded, with the other form of each abbreviation it uses (and does not write too) at its end."""
        folded = fold(text)
        extra = []
        if self._short is not None:
            extra += [long for m in self._short.finditer(text) for long in sorted(self.pairs[m.group(1)])]
        if self._long is not None:
            extra += [fold(self._by_long[fold(m.group(1))]) for m in self._long.finditer(text)]
        return " ".join([folded, *(e for e in dict.fromkeys(extra) if e not in folded)])

    def shorten(self, text: str) -> str:
        """The text with each long form written as its abbreviation ("chief digital officer" -> "CDO")."""
        if self._long is None:
            return text
        return self._long.sub(lambda m: self._by_long[fold(m.group(1))], text)


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

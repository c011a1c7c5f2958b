"""Amounts as people write them, and the condition a question puts on them.

"mehr als 500.000", "über eine halbe Million", "just under 100k", "rund 300.000", "ca. 0,3 Mio.",
"zwischen 50.000 und 100.000", "between 100 and 200 km²" -> a :class:`Condition` on a number. Plain
lexical rules (numbers are what embeddings read worst), in German and English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A number with an optional scale: "300.000", "300 000", "0,5 Mio.", "1.5 million", "100k", "300 Tsd."
_NUMBER = r"\d{1,3}(?:[.,\s\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)?"
_SCALE = r"\s*(?:(millionen|million|mio\.?|mill\.?|m\b)|(tausend|thousand|tsd\.?|k\b))?"
_AMOUNT = rf"({_NUMBER}){_SCALE}"
# Spelled-out amounts, read as digits first.
_SPELLED = (
    (re.compile(r"\b(?:einer?|eine)\s+halben?\s+million(?:en)?\b|\bhalf\s+a\s+million\b", re.I), "500000"),
    (re.compile(r"\b(?:einer?|eine|one|a)\s+million\b", re.I), "1000000"),
    (re.compile(r"\banderthalb\s+millionen\b|\bone and a half million\b", re.I), "1500000"),
    (re.compile(r"\bzwei\s+millionen\b|\btwo\s+million\b", re.I), "2000000"),
    (re.compile(r"\bhunderttausend\b|\bhundred thousand\b", re.I), "100000"),
)
_MORE = (r"mehr als|mehr wie|über|ueber|oberhalb von|größer als|groesser als|ab|mindestens|wenigstens|"
         r"more than|over|above|greater than|bigger than|larger than|at least|upwards of|exceeding|in excess of|>=?")
_LESS = (r"weniger als|unter|unterhalb von|kleiner als|höchstens|bis zu|maximal|"
         r"less than|fewer than|under|below|smaller than|at most|up to|no more than|<=?")
_APPROX = r"rund|etwa|ca\.?|circa|ungefähr|ungefaehr|um die|gut|about|around|roughly|approximately|approx\.?|some|nearly|almost|fast|beinahe"
_NEAR = r"knapp|gerade so|just|barely|slightly|a bit|etwas|kurz"
_BETWEEN = re.compile(rf"\b(?:zwischen|between)\s+{_AMOUNT}\s+(?:und|and|bis|to|-|–)\s+{_AMOUNT}", re.I)
_COMPARED = re.compile(rf"(?<![\w.])(?:(?P<near>{_NEAR})\s+)?(?P<op>{_MORE}|{_LESS}|{_APPROX})\s+{_AMOUNT}", re.I)
_APPROX_SPREAD = 0.1  # "rund 300.000": within 10 %


@dataclass(frozen=True)
class Condition:
    """A number must lie in [low, high] (open ends as None); ``op`` says how it was asked:
    ``more`` / ``less`` (strictly beyond the value), ``around`` or ``between``."""

    op: str
    value: float
    low: float | None = None
    high: float | None = None

    def holds(self, number: float) -> bool:
        if self.op == "more":
            return number > self.value
        if self.op == "less":
            return number < self.value
        return (self.low is None or number >= self.low) and (self.high is None or number <= self.high)


def parse_number(digits: str, scale_million: str | None = None, scale_thousand: str | None = None) -> float:
    """'300.000' -> 300000, '0,5' with 'Mio' -> 500000, '1.5' with 'million' -> 1500000, '100' with 'k' -> 100000."""
    text = digits.strip().replace("\u202f", " ")
    if re.fullmatch(r"\d{1,3}(?:[.,\s]\d{3})+", text):  # thousands separators
        value = float(re.sub(r"[.,\s]", "", text))
    else:
        value = float(text.replace(",", "."))
    if scale_million:
        value *= 1_000_000
    elif scale_thousand:
        value *= 1_000
    return value


_SMALL = {w: str(i) for i, words in enumerate(
    [(), ("eins", "one"), ("zwei", "two"), ("drei", "three"), ("vier", "four"), ("fünf", "five"), ("sechs", "six"),
     ("sieben", "seven"), ("acht", "eight"), ("neun", "nine"), ("zehn", "ten"), ("elf", "eleven"),
     ("zwölf", "twelve")]) for w in words}
_SMALL_WORD = re.compile(r"\b(" + "|".join(_SMALL) + r")\b", re.I)


def spell_out(text: str) -> str:
    """The text with spelled-out amounts ("eine halbe Million", "vier") written as digits."""
    for pattern, digits in _SPELLED:
        text = pattern.sub(digits, text)
    return _SMALL_WORD.sub(lambda m: _SMALL[m.group(1).lower()], text)


def condition(text: str) -> Condition | None:
    """The condition on an amount a question states, if any ("mit knapp unter 100k Einwohnern")."""
    text = spell_out(text)
    between = _BETWEEN.search(text)
    if between:
        a = parse_number(*between.group(1, 2, 3))
        b = parse_number(*between.group(4, 5, 6))
        low, high = sorted((a, b))
        return Condition("between", low, low, high)
    for m in _COMPARED.finditer(text):
        value = parse_number(*m.group(3, 4, 5))
        op = m.group("op").lower()
        if re.fullmatch(_APPROX, op, re.I):
            spread = value * _APPROX_SPREAD
            return Condition("around", value, value - spread, value + spread)
        return Condition("more" if re.fullmatch(_MORE, op, re.I) else "less", value)
    return None


_UNIT_AFTER = r"(?:\s*(?:einwohner\w*|inhabitants|residents|people|menschen|leuten|km2|km²|quadratkilometer\w*|square kilometres|square kilometers))?"
_WITH_BEFORE = (r"(?:\b(?:mit|with|having)\s+)?(?:(?:einer|eine|an|a)\s+)?"
                r"(?:(?:fläche|flaeche|area|population|einwohnerzahl|bevölkerung|size)\s+)?(?:(?:von|of)\s+)?")


def without_condition(text: str) -> str:
    """The text without the condition on an amount it states ("Welche Städte mit mehr als 500.000 Einwohnern
    haben einen CDO?" -> "Welche Städte haben einen CDO?")."""
    text = spell_out(text)
    for pattern in (_BETWEEN, _COMPARED):
        text = re.sub(_WITH_BEFORE + pattern.pattern + _UNIT_AFTER, " ", text, count=1, flags=re.I)
    return re.sub(r"\s{2,}", " ", text).strip()

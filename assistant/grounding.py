"""The grounding check for generated answers: every sentence cited, every number and name in its sources.

A language model may write fluently and still invent a figure or a city. Before a generated
sentence is shown, this check asks three plain questions of it: does it cite at least one of the
numbered passages; does every number in it (in German or English notation) occur in the passages
it cites; does every name in it occur there. Anything it cannot confirm is a problem, and an
answer with a problem is not shown (the extractive answer is shown instead).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .text import fold, split_sentences

_INFLECTIONS = {"s", "es", "er", "ers", "ern", "erin", "erinnen"}
MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# A sentence that ends in "… Satz. [1]" continues after its markers; split_sentences alone would not see it.
_END_AFTER_MARKERS = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)\s+(?=[»\"„(]?[A-ZÄÖÜ0-9])")
_NUMBER = re.compile(r"(?<![\w.,])\d(?:[\d.,\u00a0\u202f]*\d)?(?![\w])|(?<![\w.,])\d+(?=[a-zA-ZäöüÄÖÜ%])")
_SCALE = re.compile(r"\s*(Mio\.?|Millionen|Million|million|millions|Mrd\.?|Milliarden|Milliarde|billion)", re.I)
_TOKEN = re.compile(r"[A-Za-zÄÖÜäöüß0-9][\wÄÖÜäöüß]*(?:-[\wÄÖÜäöüß]+)*")
_NUMBER_WORDS = {
    "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10,
    "elf": 11, "zwölf": 12, "zwanzig": 20, "hundert": 100, "tausend": 1000,
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "twenty": 20, "hundred": 100, "thousand": 1000,
}
# Capitalised words that are not names: function words that begin sentences, the words every answer
# about the atlas uses, and common nouns a fluent answer adds around the passages' facts.
COMMON_WORDS = frozenset("""
der die das den dem des ein eine einen einem einer eines und oder aber auch als am an auf aus bei bis
da damit dabei dafür dagegen daher darüber dazu dort durch für hier im in ist sind war waren wird werden
mit nach neben ob ohne seit so sowie über um unter von vor während weil wie zu zum zur zudem außerdem
insgesamt laut gemäß dies diese dieser dieses jede jeder jedes alle viele einige mehrere künftig bereits
derzeit zudem ebenso es er sie man wir ihr ihre sein seine unser
the a an and or but also as at by for from in into is are was were will be of on to with this that these
those there their its it they we our according each every many some several both further furthermore
moreover in addition however currently already future
stadt städte stadtverwaltung kommune kommunen atlas smart-city-atlas smart city steckbrief steckbriefe
kapitel abschnitt anhang projekt projekte projektbeispiel projektbeispiele leuchtturmprojekt
leuchtturmprojekte handlungsfeld handlungsfelder bereich bereiche ziel ziele strategie digitalisierung
verwaltung bürger bürgerinnen einwohner fläche daten thema themen beispiel rahmen angaben quelle quellen
jahr jahre ende anfang ab seit bis neben nach künftig zunächst
januar februar märz april mai juni juli august september oktober november dezember
january february march june july october december
city cities profile profiles chapter section appendix project projects field fields goal goals strategy
digitalisation digitalization administration citizens residents inhabitants population area data topic
example examples source sources year years
it ki eu
""".split())


@dataclass(frozen=True)
class CheckResult:
    """What the check found: ``ok`` when there are no problems; ``sentences`` is how many it checked."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    sentences: int = 0

    def to_dict(self) -> dict:
        return {"ok": self.ok, "problems": list(self.problems), "sentences": self.sentences}


def sentences(text: str) -> list[str]:
    """The sentences of a generated answer, with citation markers that follow a full stop kept on it."""
    return split_sentences(_END_AFTER_MARKERS.sub(lambda m: m.group(1) + m.group(2) + "\n\n", text.strip()))


def markers(text: str) -> list[int]:
    """The passage numbers a text cites, in order, ``[1, 2]`` and ``[1][2]`` alike."""
    return [int(n) for group in MARKER.findall(text) for n in re.split(r"\s*[,;]\s*", group)]


def number_values(text: str, parts: bool = False) -> set[str]:
    """Every value the numbers in a text can stand for, normalised.

    ``246.272`` (German) and ``246,272`` (English) both give 246272; ``2,5`` gives 2.5; ``1,2 Mio.``
    gives 1.2 and 1200000; a date like ``31.12.2017`` gives itself (and, with ``parts``, 31, 12 and 2017,
    so that a passage's date confirms "31 December 2017"). Citation markers are ignored."""
    text = MARKER.sub(" ", text)
    values: set[str] = set()
    for m in _NUMBER.finditer(text):
        token = m.group(0).replace("\u202f", " ").replace("\u00a0", " ")
        found = _readings(token)
        scale = _SCALE.match(text, m.end())
        if scale:
            factor = Decimal(1_000_000_000 if scale.group(1).lower().startswith(("mrd", "milliard", "billion"))
                             else 1_000_000)
            found |= {_canonical(Decimal(v) * factor, scaled=True) for v in found if _is_decimal(v)}
        values |= found
        if parts and not _is_decimal(next(iter(found))):
            values |= {_canonical(Decimal(p)) for p in re.findall(r"\d+", token)}
    for word in re.findall(r"[a-zäöüß]+", text.lower()):
        if word in _NUMBER_WORDS:
            values.add(str(_NUMBER_WORDS[word]))
    return values


def number_tokens(text: str) -> list[str]:
    """The numbers as written in a text (without citation markers), for problem messages."""
    text = MARKER.sub(" ", text)
    out = [m.group(0).strip() for m in _NUMBER.finditer(text)]
    out += [w for w in re.findall(r"[A-Za-zÄÖÜäöüß]+", text) if w.lower() in _NUMBER_WORDS]
    return out


def _is_decimal(value: str) -> bool:
    try:
        Decimal(value)
    except InvalidOperation:
        return False
    return True


def _canonical(value: Decimal, scaled: bool = False) -> str:
    """A value as digits; the decimals as written (``4.10`` is not ``4.1``: it may be a section number)
    unless it was scaled (``1,2 Mio.`` is 1200000)."""
    text = format(value.normalize() if scaled else value, "f")
    return text.rstrip("0").rstrip(".") if scaled and "." in text else text


def _readings(token: str) -> set[str]:
    """The values a written number can have in German or English notation (or itself, if neither)."""
    compact = token.replace(" ", "")
    if compact.isdigit():
        return {_canonical(Decimal(compact))}
    out = set()
    for thousands, decimal in ((".", ","), (",", ".")):
        value = _parse(compact, thousands, decimal)
        if value is not None:
            out.add(_canonical(value))
    if " " in token and not out:  # "246 272" is a grouped number only if its groups say so
        return set().union(*(_readings(part) for part in token.split()))
    return out or {compact.replace(",", ".")}


def _parse(token: str, thousands: str, decimal: str) -> Decimal | None:
    whole, _, fraction = token.partition(decimal)
    if decimal in fraction or thousands in fraction or (decimal in token and not fraction):
        return None
    groups = whole.split(thousands)
    if len(groups) > 1 and (not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    if not all(g.isdigit() for g in groups) or (fraction and not fraction.isdigit()):
        return None
    return Decimal("".join(groups) + (f".{fraction}" if fraction else ""))


class GroundingCheck:
    """Checks that a generated answer says nothing its cited passages do not say.

    ``common_words`` are capitalised words that are never treated as names (lowercase);
    ``prefix`` is how many leading letters of a name must match a word of the passages, so
    that inflected forms ("Aachens", "Freiburger") count as the same name; ``names`` (the cities)
    are checked even as a sentence's first word, where other capitalised words are not: in
    English any first word is capitalised, in German every noun."""

    def __init__(self, common_words: frozenset[str] = COMMON_WORDS, prefix: int = 6,
                 names: Iterable[str] = ()) -> None:
        if prefix < 3:
            raise ValueError(f"prefix must be at least 3 letters, got {prefix}")
        self.common = frozenset(w.lower() for w in common_words)
        self._common_folded = frozenset(fold(w) for w in self.common)
        self.prefix = prefix
        self.names = frozenset(fold(t) for name in names for t in _TOKEN.findall(name)
                               if t[:1].isupper() and len(t) > 2) - self._common_folded

    def run(self, text: str, passages: dict[int, str]) -> CheckResult:
        """Check ``text`` against ``passages`` (marker number -> passage text)."""
        found = sentences(text)
        if not found:
            return CheckResult(False, ["the answer is empty"], 0)
        problems: list[str] = []
        for sentence in found:
            problems.extend(self.sentence_problems(sentence, passages))
        return CheckResult(not problems, problems, len(found))

    def sentence_problems(self, sentence: str, passages: dict[int, str]) -> list[str]:
        """What is wrong with one sentence (an empty list if nothing is)."""
        cited = markers(sentence)
        short = sentence if len(sentence) <= 80 else sentence[:77] + "..."
        if not cited:
            return [f"no citation: »{short}«"]
        unknown = sorted({n for n in cited if n not in passages})
        if unknown:
            return [f"cites [{n}], which is not one of the passages: »{short}«" for n in unknown]
        source = " ".join(passages[n] for n in dict.fromkeys(cited))
        problems = []
        known = number_values(source, parts=True)
        for token in number_tokens(sentence):
            if not number_values(token) & known:
                problems.append(f"number {token} is not in the cited passages {_refs(cited)}: »{short}«")
        words = {fold(w) for w in _TOKEN.findall(source)}
        words |= {part for w in words if "-" in w for part in w.split("-") if part}
        seen = set()
        for i, token in enumerate(_TOKEN.findall(MARKER.sub(" ", sentence))):
            if token in seen or token.lower() in _NUMBER_WORDS or token.isdigit() or not self._is_name(token):
                continue
            seen.add(token)
            if i == 0 and not self._name_by_form(token) and not self._known(token):
                continue  # "Electric scooters ...", "Tretroller ...": a capital that only starts the sentence
            if not self._occurs(token, words):
                problems.append(f"name {token} is not in the cited passages {_refs(cited)}: »{short}«")
        return problems

    def _name_by_form(self, token: str) -> bool:
        """An acronym, CamelCase or a word with digits: a name wherever it stands."""
        return (any(ch.isdigit() for ch in token) or any(ch.isupper() for ch in token[1:])) \
            and token.lower() not in self.common

    def _known(self, token: str) -> bool:
        """One of ``names`` (the cities), also inflected: "Aachens", "Freiburger"."""
        name = fold(token)
        return any(name == known or (name.startswith(known) and name[len(known):] in _INFLECTIONS)
                   for known in self.names)

    def _is_name(self, token: str) -> bool:
        if len(token) < 2:
            return False
        if not token[0].isupper() and not any(ch.isupper() for ch in token[1:]):
            return False
        if any(ch.isdigit() for ch in token):
            return any(ch.isalpha() for ch in token)
        if token.isupper() and len(token) >= 2:  # an acronym: "CDO", "BMBF", unless listed ("IT", "KI")
            return token.lower() not in self.common
        return fold(token) not in self._common_folded

    def _occurs(self, token: str, words: set[str]) -> bool:
        """Whether the name, or a word sharing its first ``prefix`` letters, occurs in the passages."""
        name = fold(token)
        if name in words:
            return True
        if any(ch.isdigit() for ch in name):
            return False  # "STEP2030", "Schiller40": the figure in a name must match exactly
        if "-" in name:  # each part on its own: "Eichstätt-Berlin" is not "Eichstätt-Ingolstadt"
            return all(part in words or self._occurs(part, words) for part in name.split("-") if len(part) > 1)
        if len(name) >= 3 and any(w.endswith(name) for w in words):
            return True  # the last part of a compound: "Plattform" in "Datenplattform"
        if len(name) < self.prefix:
            return False
        stem = name[: self.prefix]
        return any(w.startswith(stem) and len(w) >= self.prefix for w in words)


def _refs(cited: list[int]) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(cited))

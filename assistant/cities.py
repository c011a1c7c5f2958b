"""Recognise the atlas's cities in a question however they are written.

Handles German inflections and adjectives ("Münchens", "Aachener", "Darmstädter"),
spellings without umlauts ("Koeln"), English exonyms ("Munich"), short forms
("Freiburg", "Oldenburg"), several cities in one question and one-edit typos in names of
six letters or more. It also recognises well-known German cities that have no profile,
so the answerer can say that the report does not cover them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .text import fold

EXONYMS = {
    "München": ("munich",),
    "Köln": ("cologne",),
    "Nürnberg": ("nuremberg", "nuremburg"),
    "Braunschweig": ("brunswick",),
    "Hannover": ("hanover",),
}
# Adjectives that no rule derives.
IRREGULAR = {
    "München": ("muenchner", "muenchener"),
    "Münster": ("muensteraner", "muensteranerin"),
    "Hannover": ("hannoversch", "hannoversche", "hannoverschen", "hannoveraner"),
    "Kaiserslautern": ("kaiserslauterer",),
}
_SUFFIXES = ("", "s", "er", "ern", "ers", "erin", "ner", "aner", "sche", "schen", "scher", "isch", "ische")
_STOP = {"die", "der", "das", "und", "in", "im", "am", "bad"}


@dataclass(frozen=True)
class CityMention:
    """A city named in a question: its canonical name and where it was found."""

    name: str
    start: int  # token index
    profiled: bool


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text).replace("-", " "))


def _as_written(text: str, first: str, second: str) -> str:
    """The hyphenated name whose folded parts are ``first`` and ``second``, as the text writes it."""
    for m in re.finditer(r"([A-Za-zÄÖÜäöüß]+)-([A-Za-zÄÖÜäöüß]+)", text):
        if fold(m.group(1)) == first and fold(m.group(2)) == second:
            return m.group(0)
    return f"{first.title()}-{second.title()}"


def _joined(text: str) -> list[str]:
    """For each token of ``_tokens``, the word joined to it by a hyphen before it ("neu" for the "ulm" of
    "Neu-Ulm"), or ""."""
    folded = fold(text)
    out, before = [], ""
    for m in re.finditer(r"[a-z0-9]+|-", folded):
        if m.group(0) == "-":
            continue
        joined = m.start() > 0 and folded[m.start() - 1] == "-"
        out.append(before if joined else "")
        before = m.group(0)
    return out


def _edit1(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


class CityMatcher:
    """Finds the profiled cities (and known unprofiled ones) named in a text."""

    def __init__(self, cities: list[str], others: list[str] | None = None) -> None:
        if not cities:
            raise ValueError("CityMatcher needs at least one city name")
        self.cities = list(cities)
        self._aliases: list[tuple[tuple[str, ...], str, bool]] = []
        for name in cities:
            for alias in self._aliases_of(name):
                self._aliases.append((alias, name, True))
        profiled_keys = {a for a, _, _ in self._aliases}
        for name in others or []:
            alias = tuple(_tokens(name))
            if alias and alias not in profiled_keys:
                self._aliases.append((alias, name, False))
        # Longest aliases first so "freiburg im breisgau" wins over "freiburg".
        self._aliases.sort(key=lambda a: -len(a[0]))
        self._forms: dict[tuple[str, ...], list[tuple[str, bool]]] = {}
        for alias, name, profiled in self._aliases:
            for form in self._inflections(alias, name, shorten=profiled):
                self._forms.setdefault(form, []).append((name, profiled))

    @classmethod
    def from_files(cls, cities: list[str], others_path: Path | None) -> CityMatcher:
        others: list[str] = []
        if others_path and others_path.exists():
            for line in others_path.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    others.append(line)
        return cls(cities, others)

    @staticmethod
    def _aliases_of(name: str) -> set[tuple[str, ...]]:
        full = tuple(_tokens(name))
        aliases = {full}
        base = re.sub(r"\s*\(.*?\)\s*", " ", name).strip()
        aliases.add(tuple(_tokens(base)))
        first = re.split(r"\s+(?:im|am|an der|in der)\s+", base)[0]
        aliases.add(tuple(_tokens(first)))
        if full[0] == "bad" and len(full) > 1:
            aliases.add(full[1:])
        for exo in EXONYMS.get(name, ()):
            aliases.add((exo,))
        return {a for a in aliases if a and a != ("bad",)}

    @staticmethod
    def _inflections(alias: tuple[str, ...], name: str, shorten: bool = True) -> set[tuple[str, ...]]:
        """The forms a city's name takes; ``shorten``: also from the name less its "-e"/"-en" ("Bremer").
        Towns without a profile are not shortened: "Sieger" is a winner, not someone from Siegen."""
        *head, last = alias
        stems = {last}
        if shorten and last.endswith("e"):
            stems.add(last[:-1])
        if shorten and last.endswith("en"):
            stems.add(last[:-2])
        if last.endswith("stadt"):
            stems.add(last[:-5] + "staedt")
        # A shortened stem takes a real ending ("Hallenser", "Bremer"), never none or a plural "s": "hall",
        # "halls" are English words, not "Halle".
        forms = {tuple(head) + (stem + suf,) for stem in stems for suf in _SUFFIXES if stem == last or len(suf) >= 2}
        forms = {f for f in forms if len(f[-1]) >= 3}
        forms.add(alias)
        for extra in IRREGULAR.get(name, ()):
            if len(alias) == 1:
                forms.add((extra,))
        return forms

    def find(self, text: str) -> list[CityMention]:
        """Every city named in the text, in order, each once."""
        toks = _tokens(text)
        joined = _joined(text)
        found: list[CityMention] = []
        seen: set[str] = set()
        i = 0
        while i < len(toks):
            hit = self._match_at(toks, i)
            if hit:
                name, profiled, length = hit
                if joined[i] and length == 1 and not (found and found[-1].start + 1 == i):
                    # "Neu-Ulm" is another town than Ulm ("Jena-Lobeda", a part of Jena, names Jena first)
                    name, profiled = _as_written(text, joined[i], toks[i]), False
                if name not in seen:
                    seen.add(name)
                    found.append(CityMention(name, i, profiled))
                i += length
            else:
                i += 1
        return found

    def names(self) -> list[str]:
        """Every town the matcher knows, with a profile or without."""
        return list(dict.fromkeys(name for _, name, _ in self._aliases))

    def profiled(self, text: str) -> list[str]:
        """The canonical names of the profiled cities named in the text."""
        return [m.name for m in self.find(text) if m.profiled]

    def _match_at(self, toks: list[str], i: int) -> tuple[str, bool, int] | None:
        for length in (3, 2, 1):
            if i + length > len(toks):
                continue
            key = tuple(toks[i : i + length])
            if key in self._forms:
                name, profiled = self._forms[key][0]
                return name, profiled, length
        tok = toks[i]
        if len(tok) >= 6 and tok not in _STOP:
            for alias, name, profiled in self._aliases:
                # Typos keep the first letter: "machen" is a verb, not a misspelt "Aachen".
                if len(alias) == 1 and profiled and len(alias[0]) >= 6 and tok[0] == alias[0][0]:
                    if _edit1(tok, alias[0]) or (tok.endswith("s") and _edit1(tok[:-1], alias[0])):
                        return name, profiled, 1
        return None

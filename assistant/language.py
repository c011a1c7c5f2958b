"""Detect whether a question is German or English.

langdetect is seeded and restricted to the two languages; its known misreadings of short
keyword queries ("CDO Bonn" -> French) are avoided by looking at the words first:
German function words and umlauts, English question words, then the conversation's
earlier language, then German.
"""

from __future__ import annotations

import re

_DE = set(
    "der die das den dem des ein eine einen einem einer und oder nicht ist sind hat haben wird werden "
    "wie was wer wo wann warum welche welcher welches wieviele viele gibt es mit von für auf im in zum "
    "zur bei nach über unter auch noch sich man dass stadt städte einwohner fläche projekte projekt "
    "größte kleinste meisten erzähl mehr bitte und welchen ihre seine sie er gegen zwischen vergleiche "
    # the report's own German keywords, so short keyword queries are recognised
    "verwaltung digitalisierung bildung energie umwelt gesellschaft gesundheit handel sicherheit "
    "datenschutz datensicherheit strategie herausforderung herausforderungen chancen beteiligung "
    "daten plattform infrastruktur leuchtturmprojekte wettbewerbe ziele zielsetzung bereich "
    "mobilität bürgerbeteiligung förderprogramme städtische digitale".split()
)
_EN = set(
    "the a an and or not is are was were has have does do did what which who where when why how many "
    "much of for on in with about tell me more its their city cities population area projects project "
    "largest smallest biggest most compare between inhabitants residents please give list show any "
    "there by than from "
    # English keywords that are not German words, so one-word queries like "mobility" are recognised
    "mobility education energy environment health healthcare trade retail security safety administration "
    "society digitalisation digitalization strategy strategies challenge challenges opportunities citizen "
    "citizens participation privacy protection government lighthouse example examples goal goals "
    "coordinates coordinate responsible density size big large small funding network networks "
    "infrastructure platform".split()
)
# "Smart City" is a loanword in German text; it says nothing about the question's language.
_LOANWORDS = re.compile(r"\bsmart[\s-]+cit(?:y|ies)\b")
_TOKEN = re.compile(r"[a-zäöüß]+")


class LanguageDetector:
    """Returns "de" or "en" for a text; never raises."""

    def __init__(self, default: str = "de", seed: int = 0) -> None:
        if default not in ("de", "en"):
            raise ValueError(f"default language must be 'de' or 'en', got {default!r}")
        self.default = default
        self.seed = seed
        self._factory_ready = False

    def detect(self, text: str, previous: str | None = None) -> str:
        lowered = text.lower()
        tokens = _TOKEN.findall(_LOANWORDS.sub(" ", lowered))
        # Umlauts count only outside capitalised words: "Saarbrücken's CDO" is English.
        umlauts = sum(1 for w in re.findall(r"\w+", text) if w[:1].islower() and re.search(r"[äöüß]", w))
        de = sum(t in _DE for t in tokens) + 2 * umlauts
        en = sum(t in _EN for t in tokens)
        if de or en:
            if de > en:
                return "de"
            if en > de:
                return "en"
        if len(tokens) >= 4:
            guess = self._langdetect(text)
            if guess:
                return guess
        return previous if previous in ("de", "en") else self.default

    def _langdetect(self, text: str) -> str | None:
        try:
            from langdetect import DetectorFactory, detect_langs
            from langdetect.lang_detect_exception import LangDetectException
        except ImportError:  # pragma: no cover - declared dependency
            return None
        if not self._factory_ready:
            DetectorFactory.seed = self.seed
            self._factory_ready = True
        try:
            ranked = detect_langs(text)
        except LangDetectException:
            return None  # empty, digits or emoji only
        probs = {r.lang: r.prob for r in ranked if r.lang in ("de", "en")}
        if not probs:
            return None
        return max(probs, key=probs.get)

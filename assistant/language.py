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
# Frequent words of other languages the atlas gets asked in; none is a German or English word.
_OTHER = set(
    # French
    "les des une est sont quels quelle quelles quel dans pour avec sur qui quoi comment combien pourquoi "
    "villes ville projets habitants "
    # Spanish, Portuguese, Italian
    "los las del qué que cuáles cuál cómo cuántos ciudad ciudades proyectos tiene hay habitantes cuantos "
    "quais quantos cidade cidades projetos são tem quali quale sono della delle città progetti abitanti "
    # Dutch, Polish, Turkish
    "het een welke zijn hoeveel wat stad steden inwoners jakie jest są ile miasto miasta projekty "
    "hangi nedir kaç şehir şehirler projeler".split()
)
# Letters of scripts that are neither German nor English (CJK, Cyrillic, Greek, Arabic, Hebrew, Indic, Thai,
# Hangul).
_FOREIGN_SCRIPT = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u0dff\u0e00-\u0e7f"
                             r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"[^\W\d_]+")
# "Smart City" is a loanword in German text; it says nothing about the question's language.
_LOANWORDS = re.compile(r"\bsmart[\s-]+cit(?:y|ies)\b")
_TOKEN = re.compile(r"[a-zäöüß]+")


class LanguageDetector:
    """Returns "de" or "en" for a text; never raises."""

    def __init__(self, default: str = "de", seed: int = 0, names: frozenset[str] = frozenset()) -> None:
        """``names``: place names in lower case ("münster"): typed in lower case, their umlauts are no German."""
        if default not in ("de", "en"):
            raise ValueError(f"default language must be 'de' or 'en', got {default!r}")
        self.default = default
        self.names = names
        self.seed = seed
        self._factory_ready = False

    def detect(self, text: str, previous: str | None = None) -> str:
        lowered = text.lower()
        tokens = _TOKEN.findall(_LOANWORDS.sub(" ", lowered))
        # Umlauts count only outside capitalised words: "Saarbrücken's CDO" is English.
        umlauts = sum(1 for w in re.findall(r"\w+", text) if w[:1].islower() and re.search(r"[äöüß]", w)
                      and w not in self.names and w.removesuffix("s") not in self.names)
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

    def foreign(self, text: str) -> bool:
        """True when the question is clearly in another language than German or English: mostly letters
        of another script, or several frequent words of another language and more of them than German or
        English ones. Short keyword queries and city names never count as foreign."""
        letters = _WORD.findall(text)
        total = sum(len(w) for w in letters)
        other_script = len(_FOREIGN_SCRIPT.findall(text))
        if total and other_script >= 2 and other_script * 2 > total:
            return True
        words = [w.lower() for w in letters]
        tokens = _TOKEN.findall(_LOANWORDS.sub(" ", " ".join(words)))
        known = sum(t in _DE or t in _EN for t in tokens)
        other = sum(w in _OTHER for w in words)
        return other >= 2 and other > known

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

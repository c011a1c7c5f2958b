"""The study's own numbers: how-many questions about the study, answered from the chapters' prose.

The chapters state their counts in sentences ("den folgenden 13 Partnern der Studie", "53 Städte
wurden ausgewählt"); retrieval of five passages can miss the one sentence that says it. Every
chapter sentence in which a number counts what the question counts is a candidate; the one that
also shares most of the question's other words is quoted, with its citation. Where no sentence
counts it, nothing is said here and the ordinary answer (or refusal) follows.
"""

from __future__ import annotations

import re

from .answer import ExtractiveAnswerer, covers
from .grounding import number_values
from .messages import say
from .text import HOW_MANY_DE, split_sentences
from .types import Answer, Chunk, Citation, Hit

# "Wie viele Städte umfasst der Atlas?", "How many cities took part in the study?": the number of profiles.
_HOW_MANY_CITIES = re.compile(rf"\b(?:{HOW_MANY_DE}|how many|anzahl der|number of)\s+(?:der\s+|the\s+)?"
                              r"(?:städte|staedte|kommunen|cities|municipalities|towns)\b", re.I)
# What else such a question may say: only words about the study and its profiles, so that "Wie viele
# Städte haben eine Digitale Agenda?" is not answered with the number of profiles.
_ABOUT_THE_STUDY = set("""
atlas smart city smart-city-atlas studie study report bericht steckbrief steckbriefe profil profile profiles
profiled enthält enthalten umfasst umfassen includes include included contain contains covers cover covered
teil nahmen nehmen teilgenommen teilnehmend took take part participate participated participating beteiligt
untersucht befragt interviewt examined surveyed interviewed studied analysed analyzed featured presented
vorgestellt dargestellt wurden wurde werden sind waren are were insgesamt total altogether eigentlich
tatsächlich actually ausgewählten selected
""".split())

class StudyNumbers:
    """Answers "Wie viele ... (die Studie)?" from the chapter sentences that count it."""

    def __init__(self, chunks: list[Chunk], answerer: ExtractiveAnswerer, min_coverage: float = 0.3) -> None:
        if not 0 <= min_coverage <= 1:
            raise ValueError(f"min_coverage must be in [0, 1], got {min_coverage}")
        self.answerer = answerer
        self.min_coverage = min_coverage
        self._sentences: list[tuple[Chunk, str, set[str], set[str]]] = []
        self.profiles = len({c.city for c in chunks if c.city})
        for chunk in chunks:
            if chunk.city or chunk.kind == "appendix" or chunk.source.startswith("Anhang"):
                continue
            for sentence in split_sentences(chunk.text):
                counts = answerer.counts(sentence)
                if counts:
                    self._sentences.append((chunk, sentence, counts, answerer.terms(sentence)))

    def profiled(self, question: str, lang: str) -> Answer | None:
        """How many cities the atlas covers: the number of its profiles, with the chapter sentence that
        states it ("50 der 53 ausgewählten Städte")."""
        if not self.profiles or not _HOW_MANY_CITIES.search(question):
            return None
        rest = _HOW_MANY_CITIES.sub(" ", question.lower())
        if any(w not in _ABOUT_THE_STUDY and w not in self.answerer.stopwords for w in re.findall(r"[\w-]+", rest)):
            return None
        count = str(self.profiles)
        found = [(chunk, s) for chunk, s, counts, _ in self._sentences
                 if counts & self.answerer.stems("Städte") and count in number_values(s)]
        if not found:
            return None
        chunk, sentence = max(found, key=lambda f: bool(re.search(count + r" (?:der|von) \d", f[1])))
        hit = Hit(chunk, 1.0)
        text = f"{say(lang, 'study_cities', count=count)} {self.answerer.frame(lang, hit, sentence)} [1]"
        citation = Citation(1, chunk.source, chunk.section, chunk.text, sentence, chunk.id)
        return Answer(question, text, lang, False, (citation,), (hit,), mode="study")

    def run(self, question: str, lang: str, cities: list[str], than: str = "") -> Answer | None:
        """The best counting sentence, if it shares at least as many of the question's words as ``than``
        (the ordinary answer's quote, which does not count what was asked)."""
        if cities:
            return None
        counted = self.answerer.counted_terms(question, lang)
        if not counted:
            return None
        groups = [g for g in self.answerer.term_groups(question, lang, set()) if not g & counted]
        rival = self.answerer.terms(than)
        floor = sum(covers(g, rival) for g in groups) / (len(groups) or 1) - 1e-9 if than else -1.0
        best, best_cover = None, max(floor, self.min_coverage - 1e-9)
        for chunk, sentence, counts, terms in self._sentences:
            if not self.answerer.counted_in(counted, counts):
                continue
            cover = sum(covers(g, terms) for g in groups) / (len(groups) or 1)
            if cover > best_cover:
                best, best_cover = (chunk, sentence), cover
        if best is None:
            return None
        chunk, sentence = best
        hit = Hit(chunk, 1.0)
        text = self.answerer.frame(lang, hit, sentence) + " [1]"
        citation = Citation(1, chunk.source, chunk.section, chunk.text, sentence, chunk.id)
        return Answer(question, text, lang, False, (citation,), (hit,), mode="study")

"""Questions across all profiles: "Welche Städte ...?", "Which cities ...?", "In welchen Städten ...?".

Five retrieved chunks cannot answer them; every profile is read instead. A city is listed when one
sentence of its profile holds the question's distinctive words (the ones few profiles use), and
each city's sentence is quoted with its own citation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .corpus import FIGURES_SECTION
from .messages import say
from .text import WordSpread, fold, split_sentences
from .types import Answer, Citation, Report

WHICH_CITIES = re.compile(r"\bwelche(?:n|r)? (?:der )?st[äa]dte\b|\bin welchen st[äa]dten\b|\bwelche kommunen\b|"
                          r"\bwhich (?:of the )?(?:atlas |german )?cities\b|\bwhat cities\b|\bin which cities\b", re.I)
_STOP = set("""welche welcher welchen welches städte staedte stadt städten staedten kommunen atlas laut gibt haben
hat sind ist wird werden einen eine einer einem eines der die das den dem des und oder bzw auch noch mit von für fuer
zum zur bei als im in an auf aus nach über ueber unter sich ihre ihren ihr sie es
which what cities city have has does do the a an of for with and or in on at to by from as is are their its
that there any atlas german receive get gets got smart digital digitale digitalen digitaler digitalisierung
""".split())
_ENDINGS = re.compile(r"(en|es|er|em|e|n|s)$")


@dataclass(frozen=True)
class _Sentence:
    city: str
    section: str
    text: str  # the section text, for the citation
    sentence: str
    folded: str


class CityFinder:
    """Lists the profiled cities whose profile says what the question asks about."""

    def __init__(self, report: Report, glossary: dict[str, tuple[str, ...]] | None = None,
                 max_spread: int = 15, max_cities: int = 25, spread: WordSpread | None = None,
                 quoted: int = 8) -> None:
        if max_spread < 1 or max_cities < 1:
            raise ValueError(f"max_spread and max_cities must be positive, got {max_spread}, {max_cities}")
        self.max_spread = max_spread
        self.max_cities = max_cities
        self.quoted = quoted
        self.glossary = glossary or {}
        self._sentences: list[_Sentence] = []
        # How many profiles contain a term (also inside longer words); shareable with ProjectAnswerer.
        self.spread = spread or WordSpread.of_profiles(report)
        self._cities = [city.name for city in report.cities]
        for city in report.cities:
            for section in city.sections:
                if section.section == FIGURES_SECTION:
                    continue
                for sentence in split_sentences(section.text):
                    self._sentences.append(_Sentence(city.name, section.section, section.text, sentence,
                                                     fold(sentence)))

    def terms(self, question: str, lang: str) -> list[str]:
        """The question's distinctive words, stemmed by their ending, rarest first."""
        if lang == "en":  # English words are not in the report: names as written, other words via the glossary
            names = [t for t in re.findall(r"[\w@.]+", question.replace("-", " "))
                     if t[:1].isupper() or any(ch.isdigit() for ch in t) or "@" in t]
            words = [fold(t) for t in names[1:] if fold(t) not in _STOP]  # the first word is capitalised anyway
            words += [fold(g) for w in re.findall(r"[a-z]+", question.lower()) for g in self.glossary.get(w, ())]
        else:
            words = [w for w in re.findall(r"[a-z0-9@.]+", fold(question).replace("-", " ")) if w not in _STOP]
        stems = []
        for w in words:
            w = w.strip(".")
            stem = _ENDINGS.sub("", w) if len(w) > 5 else w
            if len(stem) >= 3 and stem not in _STOP:
                stems.append(stem)
        found = [s for s in dict.fromkeys(stems) if 0 < self.spread(s) <= self.max_spread]
        if not found:  # nothing rarer: a word up to half of the profiles use ("CDO") still picks cities
            found = [s for s in dict.fromkeys(stems) if 0 < self.spread(s) <= len(self._cities) // 2]
        return sorted(found, key=self.spread)

    def phrase(self, question: str) -> str:
        """The longest run of two or more of the question's words that some profile has as written."""
        words = re.findall(r"[a-z0-9@]+", fold(question).replace("-", " "))
        for n in range(len(words), 1, -1):
            for i in range(len(words) - n + 1):
                if words[i] in _STOP or words[i + n - 1] in _STOP:
                    continue  # a run begins and ends with a word of its own ("chief ... officer")
                run = " ".join(words[i:i + n])
                if any(run in s.folded.replace("-", " ") for s in self._sentences):
                    return run
        return ""

    def run(self, question: str, lang: str, cities: list[str]) -> Answer | None:
        if cities or not WHICH_CITIES.search(question):
            return None
        terms = self.terms(question, lang)
        if not terms:
            return None
        rarest, need = terms[0], max(1, (len(terms) + 1) // 2)
        # Words as common as "Chief ... Officer" pick the cities only as the question's phrase
        # ("Chief Digital Officer", not "Chief Information Officer").
        phrase = self.phrase(question) if self.spread(rarest) > self.max_spread else ""
        best: dict[str, tuple[int, _Sentence]] = {}
        for s in self._sentences:
            if rarest not in s.folded or phrase not in s.folded.replace("-", " "):
                continue
            score = sum(t in s.folded for t in terms)
            if score >= need and score > best.get(s.city, (0, None))[0]:
                best[s.city] = (score, s)
        if not best:
            return None
        chosen = [s for _, s in sorted(best.values(), key=lambda x: (-x[0], x[1].city))][: self.max_cities]
        chosen.sort(key=lambda s: s.city)
        lines = [say(lang, "cities_head" if len(chosen) > 1 else "cities_head_one", count=len(chosen))]
        cites = []
        for i, s in enumerate(chosen, 1):
            section = s.section.removeprefix("Projektbeispiele: ")
            cites.append(Citation(i, s.city, s.section, s.text, s.sentence))
            # A long list names the cities; each one's sentence is in its citation (and the table).
            quote = f": »{s.sentence}«" if len(chosen) <= self.quoted else ""
            lines.append(f"- {s.city} ({section}){quote} [{i}]")
        return Answer(question, "\n".join(lines), lang, False, tuple(cites), mode="across",
                      table=((say(lang, "col_city"), say(lang, "col_evidence")), *((s.city, s.sentence) for s in chosen)))

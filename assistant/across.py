"""Questions across all profiles: "Welche Städte ...?", "Which cities ...?", "In welchen Städten ...?".

Five retrieved chunks cannot answer them; every profile is read instead. A city is listed when one
sentence of its profile holds the question's distinctive words (the ones few profiles use), and
each city's sentence is quoted with its own citation. With the sentences' vectors attached, a sentence
with the rarest asked word is also enough when it is about as close in meaning to the question as the
closest such sentence (the other asked words said otherwise: "ein LoRaWAN-Netz betreiben" and "setzt
LoRaWAN-Technologie ein").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .corpus import FIGURES_SECTION
from .messages import say
from .text import NEGATED_QUESTION, Abbreviations, WordSpread, fold, project_title, split_sentences
from .types import Answer, Citation, Report

# Words that only say "the report's cities" ("Which two profiled cities", "Welche untersuchten Städte").
_HOW_MANY_NAMED = "zwei drei vier fünf beiden two three four five both".split()
_REPORTS_OWN = ("atlas german deutschen profiled surveyed studied featured participating profilierten porträtierten "
                "untersuchten befragten teilnehmenden").split()
# ... also several of them, a count, or where they stand: "Welche der im Atlas porträtierten Städte", "der 50 Städte"
_OF_THE_REPORT = (rf"(?:(?:{'|'.join(_HOW_MANY_NAMED)}|\d+|(?:im|in the|in dem) (?:atlas|bericht|report|studie|study)) )?"
                  rf"(?:(?:{'|'.join(_HOW_MANY_NAMED)}|\d+|{'|'.join(_REPORTS_OWN)}) ){{0,2}}")
WHICH_CITIES = re.compile(rf"\bwelche(?:n|r)? (?:der )?{_OF_THE_REPORT}st[äa]dte\b|\b(?:in|bei|an|aus|von|für|unter) welchen st[äa]dten\b|"
                          rf"\bwelche kommunen\b|\bwhich (?:of the )?{_OF_THE_REPORT}(?:cities|towns|municipalities)\b|\bwhat cities\b|"
                          r"\bin which cities\b|"
                          r"^\s*(?:welche stadt|which city)\b(?! (?:hat|has|ist|is) (?:die|the|am|most|meisten))", re.I)
_STOP = set("""welche welcher welchen welches städte staedte stadt städten staedten kommunen atlas laut gibt haben
hat sind ist war waren wurde wurden worden sein gewesen ihrem ihrer ihres seine seinen seinem seiner seines dabei wird werden einen eine einer einem eines der die das den dem des und oder bzw auch noch mit von für fuer
zum zur bei beim vom am ins als im in an auf aus nach über ueber unter sich ihre ihren ihr sie es
which what cities city have has does do the a an of for with and or in on at to by from as is are their its
that there any atlas german receive get gets got smart digital digitale digitalen digitaler digitalisierung
nennen nennt genannt erwähnen erwähnt mention mentions mentioned
steckbrief steckbriefe steckbriefen steckbriefs porträt portrait bericht report
projektbeispiel projektbeispiele projektbeispielen beispiel beispiele example examples
list name show tell give liste nenne zeige germany germany's deutschland deutschlands
""".split()) | set(_REPORTS_OWN)
_STOP |= {fold(w) for w in _STOP}
# A name the question quotes ("die App »Park and Joy«", "the 'T-City' competition"): it names one thing.
QUOTED = re.compile(r"[»«„“”\"]([^»«„“”\"]{2,60})[»«„“”\"]")
_NAMED = re.compile(r"\b[A-ZÄÖÜ]{3,}s?\b|\b[A-ZÄÖÜ][a-zäöüß]+[A-ZÄÖÜ]\w*")  # "CDO", "LoRaWAN", "KielRegion"
_ABBREVIATED = re.compile(r"(\w)\s*\(([A-ZÄÖÜ][A-ZÄÖÜa-z0-9]{0,6}[A-ZÄÖÜ0-9])\)")  # "Onlinezugangsgesetz (OZG)"
_ENDINGS = re.compile(r"(en|es|er|em|e|n|s)$")


def _negates(folded: str, content: list[str], reach: int = 3) -> bool:
    """Whether a sentence negates one of the question's words: "kein"/"nicht"/"nie" up to ``reach`` words
    before it ("nimmt an keinen Förderprogrammen oder Wettbewerben teil")."""
    words = re.findall(r"[a-z0-9]+", folded)
    for i, word in enumerate(words):
        if word.startswith("kein") or word in ("nicht", "nie"):
            if any(w.startswith(t) if len(t) < 5 else t in w for w in words[i + 1:i + 1 + reach] for t in content):
                return True
    return False


@dataclass(frozen=True)
class _Sentence:
    city: str
    section: str
    text: str  # the section text, for the citation
    sentence: str
    folded: str
    spaced: str  # folded, hyphens as spaces: where a phrase of the question is looked for


class CityFinder:
    """Lists the profiled cities whose profile says what the question asks about."""

    def __init__(self, report: Report, glossary: dict[str, tuple[str, ...]] | None = None,
                 max_spread: int = 15, max_cities: int = 25, spread: WordSpread | None = None,
                 quoted: int = 8, meaning_margin: float = 0.025, abbreviations: Abbreviations | None = None,
                 name_alone: int = 3) -> None:
        if max_spread < 1 or max_cities < 1:
            raise ValueError(f"max_spread and max_cities must be positive, got {max_spread}, {max_cities}")
        if not 0 <= meaning_margin < 1:
            raise ValueError(f"meaning_margin must be in [0, 1), got {meaning_margin}")
        self.meaning_margin = meaning_margin
        self.name_alone = name_alone  # a quoted name at most this many profiles write picks them on its own
        self._vectors: np.ndarray | None = None  # one row per sentence, once attach_vectors has run
        self.max_spread = max_spread
        self.max_cities = max_cities
        self.quoted = quoted
        self.glossary = glossary or {}
        # "CDO" asked finds "Chief Digital Officer" written, and the reverse
        self.abbreviations = abbreviations or Abbreviations({})
        self._sentences: list[_Sentence] = []
        # How many profiles contain a term (also inside longer words); shareable with ProjectAnswerer.
        self.spread = spread or WordSpread.of_profiles(report)
        self._cities = [city.name for city in report.cities]
        for city in report.cities:
            for section in city.sections:
                if section.section == FIGURES_SECTION:
                    continue
                # A project's title names what it is ("Handyparken (Mobilität)") where its text may not: it is
                # read with the project's first sentence, which is quoted.
                title = project_title(section.section)
                title = title + ". " if title else ""
                for i, sentence in enumerate(split_sentences(section.text)):
                    folded = self.abbreviations.expand((title if i == 0 else "") + sentence)
                    self._sentences.append(_Sentence(city.name, section.section, section.text, sentence,
                                                     folded, folded.replace("-", " ")))

    def attach_vectors(self, vector_of) -> None:
        """The sentences' vectors (``vector_of(city, section, sentence)`` -> a unit vector or None): with them, a
        sentence close in meaning to the question needs only its rarest word. Without a vector for every
        sentence, the words alone decide."""
        vectors = [vector_of(s.city, s.section, s.sentence) for s in self._sentences]
        if vectors and all(v is not None for v in vectors):
            self._vectors = np.vstack(vectors)

    def terms(self, question: str, lang: str) -> list[tuple[str, ...]]:
        """The question's distinctive words, stemmed by their ending, rarest first: one group per word (an
        English word's group holds the German words it stands for; "opened or extended the office" is one
        group of alternatives)."""
        # "das Onlinezugangsgesetz (OZG)": a name and its abbreviation are one asked thing, either will do
        bracketed = {m.group(2) for m in _ABBREVIATED.finditer(question)}
        tokens = re.findall(r"[\w@.]+", question.replace("-", " "))
        words: list[tuple[int, list[str]]] = []  # (token position, the German words it stands for)
        for i, token in enumerate(tokens):
            if fold(token) in _STOP:
                continue
            if lang == "en":  # names as written (not the first word, capitalised anyway), others via the glossary
                name = i > 0 and (token[:1].isupper() or any(ch.isdigit() for ch in token) or "@" in token)
                # a capitalised word the glossary knows ("free WiFi") stands for its German words too, unless
                # it is part of a name of several ("the Digital Cities Challenge")
                part = name and any(0 < j < len(tokens) and tokens[j][:1].isupper() for j in (i - 1, i + 1))
                german = [fold(g) for g in self.glossary.get(token.lower(), ())] if not part else []
                # the first word, capitalised anyway, is a name too where the profiles write it and the
                # glossary does not know it ("Eurocities network cities", typed as keywords)
                name = name or (i == 0 and token[:1].isupper() and not german and len(token) >= 5
                                and self.spread(self._stem(fold(token))) > 0)
                german = [fold(token), *german] if name else german
            else:
                german = [fold(token)]
            stems = [self._stem(w) for w in german if fold(w) not in _STOP]
            stems = [t for t in dict.fromkeys(stems) if len(t) >= 3 and t not in _STOP]
            named = (i > 0 or lang != "en") and token[:1].isupper() and len(token) >= 6
            if named and stems and not any(self.spread(t) for t in stems):
                # The thing asked about ("eine Digitalagentur") is in no profile: the other words
                # ("gegründet") would list cities that say something else.
                return []
            if stems:
                words.append((i, stems))
        # Word by word ("opened or extended": one asked word of alternatives), unlike the project
        # keywords' text.alternatives, which splits whole phrases ("Open-Data-Portal bzw. -Plattform").
        alternatives = {i for i, t in enumerate(tokens) if t.lower() in ("or", "oder", "bzw.", "bzw",
                                                                           "beziehungsweise")}
        groups: list[tuple[int, list[str]]] = []
        joined: set[int] = set()  # the groups of alternatives
        for pos, stems in words:
            if groups and (tokens[pos] in bracketed or any(groups[-1][0] < a < pos and pos - a <= 4 for a in alternatives)):
                groups[-1] = (groups[-1][0], groups[-1][1] + stems)  # "A or B": either will do
                joined.add(len(groups) - 1)
            else:
                groups.append((pos, stems))
        for limit in (self.max_spread, len(self._cities) // 2):  # a word up to half the profiles use ("CDO")
            # An English word with a common German stand-in is common ("programme": "Programm"); of
            # alternatives ("Freifunk oder das EU-Programm WIFI4EU"), the distinctive ones stand for the group.
            found = [tuple(t for t in dict.fromkeys(g) if self.spread(t) > 0
                           and (i not in joined or self.spread(t) <= limit)) for i, (_, g) in enumerate(groups)]
            found = list(dict.fromkeys(g for g in found if g and max(map(self.spread, g)) <= limit))
            if found:
                return sorted(found, key=lambda g: min(map(self.spread, g)))
        return []

    def _name_pattern(self, name: str) -> re.Pattern:
        """A quoted name as the profiles may write it: each word in any ending ("»Digitalen Modellregionen«" finds
        "»Digitale Modellregion«"), short words as they are ("T-City")."""
        words = fold(name).replace("-", " ").split()
        parts = [re.escape(w) if len(w) <= 3 else re.escape(self._stem(w)) + r"\w*" for w in words]
        return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)")

    @staticmethod
    def _stem(word: str) -> str:
        word = word.strip(".")
        if len(word) > 5 and word.endswith("ies"):
            return word[:-3]  # an English plural: "cities" as "city"
        return _ENDINGS.sub("", word) if len(word) > 5 else word

    def phrase(self, question: str, names_only: bool = False) -> str:
        """The longest run of two or more of the question's words that some profile has as written;
        with ``names_only``, of capitalised words after the first ("Chief Urban Officer")."""
        tokens = re.findall(r"[\w@]+", question.replace("-", " "))
        words = [fold(t) for t in tokens]
        for n in range(len(words), 1, -1):
            for i in range(len(words) - n + 1):
                if words[i] in _STOP or words[i + n - 1] in _STOP:
                    continue  # a run begins and ends with a word of its own ("chief ... officer")
                if names_only and (i == 0 or not all(t[:1].isupper() for t in tokens[i:i + n])):
                    continue
                run = " ".join(words[i:i + n])
                if any(run in s.spaced for s in self._sentences):
                    return run
        return ""

    def run(self, question: str, lang: str, cities: list[str], asked: bool = False,
            query_vector: np.ndarray | None = None, within=None) -> Answer | None:
        """``asked``: the understanding stage read the question as asking for a list of cities;
        ``query_vector``: the question's embedding (see :meth:`attach_vectors`); ``within``: only the
        cities of a size (``facts.Within``), named in the answer's head."""
        if cities or not (asked or within is not None or WHICH_CITIES.search(question)):
            return None
        question = self.abbreviations.shorten(question)
        if NEGATED_QUESTION.search(question):
            # "Welche Städte nehmen an keinen Wettbewerben teil?": the profiles that negate what is asked
            content = self._content(question, lang)
            negating: dict[str, _Sentence] = {}
            for s in self._sentences:
                if (within is None or s.city in within.cities) and s.city not in negating and _negates(s.folded, content):
                    negating[s.city] = s
            if not 0 < len(negating) <= self.max_cities:
                return None  # not the cities that do have it
            return self._listing(lang, sorted(negating.values(), key=lambda s: s.city), within, question)
        # A quoted name that profiles write picks the cities on its own: the sentences naming it.
        quoted = [self._name_pattern(m.group(1)) for m in QUOTED.finditer(question) if len(m.group(1).strip()) >= 3]
        named_in = [{s.city for s in self._sentences if q.search(s.spaced)} for q in quoted]
        # ... if few profiles name it; one that many name ("»Digitale Stadt«") must be there, beside the words
        needed = [q for q, cities in zip(quoted, named_in, strict=True) if len(cities) > self.max_spread]
        alone = any(0 < len(cities) <= self.name_alone for cities in named_in)
        quoted = [q for q, cities in zip(quoted, named_in, strict=True) if 0 < len(cities) <= self.max_spread]
        terms = self.terms(question, lang)
        if not terms and not quoted:
            return None
        # Most of the question's words, both of two ("gewonnen oder Finalist" and "Bitkom").
        rarest, need = (terms or [()])[0], len(terms) if len(terms) <= 2 else (len(terms) + 1) // 2
        # Words as common as "Chief ... Officer" pick the cities only as the question's phrase
        # ("Chief Digital Officer", not "Chief Information Officer").
        # So do a name's words ("Chief Urban Officer") wherever the profiles have the name as written.
        phrase = "" if quoted else self.phrase(question, names_only=min(map(self.spread, rarest)) <= self.max_spread)
        if phrase and not any(t in phrase for t in rarest):
            phrase = ""  # the name is not what picks the cities ("CIO (Chief Information Officer)")
        if phrase and max(map(self.spread, rarest)) <= self.name_alone:
            phrase = ""  # a word as rare as "Interreg" names the thing on its own: "EU-Interreg" need not be said
        # The sentences with any of the asked words; listed are those with the rarest and enough of the others,
        # and those about as close in meaning to the question as the closest of them.
        found = [(i, s) for i, s in enumerate(self._sentences)
                 if (any(q.search(s.spaced) for q in quoted) if quoted else
                     any(t in s.folded for group in terms for t in group) and phrase in s.spaced
                     and all(q.search(s.spaced) for q in needed))]
        # "Wer gewann 2019 ...?": the report (March 2019) can know of that year only where a profile says it
        # ... and any year asked is a condition too ("im Jahr 2018 geschaffen"): the sentence names it, or
        # the one before it ("Im Januar 2018 ... Diese Stelle ...")
        recent = re.findall(r"\b(?:19|20)\d\d\b", question)
        if recent:
            before = {i: self._sentences[i - 1] for i, _ in found if i > 0}
            found = [(i, s) for i, s in found if all(y in s.sentence or (i in before and before[i].city == s.city
                                                                          and y in before[i].sentence) for y in recent)]
        meaning = np.zeros(len(found))
        close = np.inf  # without vectors, the words alone decide
        if self._vectors is not None and query_vector is not None and found:
            meaning = self._vectors[[i for i, _ in found]] @ query_vector
            close = float(meaning.max()) - self.meaning_margin
        # Words half the profiles use ("App", "Bürger") do not pick the cities on their own (unless as the
        # question's phrase, "Chief Digital Officer"); an English word's stand-ins count together.
        # A name or abbreviation ("CDO", "WLAN", "LoRaWAN") names one thing wherever it stands: never common.
        named = {self._stem(fold(w)) for w in _NAMED.findall(question)}
        common = close < np.inf and not phrase and not quoted and max(map(self.spread, rarest)) > self.max_spread \
            and not named & set(rarest)
        top = max((sum(any(t in s.folded for t in g) for g in terms) for _, s in found), default=0)
        best: dict[str, tuple[int, float, _Sentence]] = {}
        for (_, s), sim in zip(found, meaning, strict=True):
            if within is not None and s.city not in within.cities:
                continue
            score = sum(any(t in s.folded for t in group) for group in terms)
            # A quoted name only a few profiles write picks them all ("die App »Park and Joy«"); of more, those
            # that also say most of the other asked words ("eine von fünf Modellkommunen der »Digitale
            # Zukunftskommune@bw«", nine profiles name it), or say it as close in meaning.
            worded = (alone or score == top) if quoted else \
                score >= need and any(t in s.folded for t in rarest) and not common
            # ... or as close in meaning: with the quoted name (every found sentence has it), or with the
            # rarest asked word, in any form ("Finalisten": "ins Finale"; not "Städtetag" alone for "im
            # niedersächsischen Städtetag")
            meant = sim >= close and (bool(quoted) or any(t[:max(5, len(t) - 3)] in s.folded for t in rarest))
            if (worded or meant) and (score, sim) > best.get(s.city, (0, -np.inf, None))[:2]:
                best[s.city] = (score, float(sim), s)
        if not best:
            if within is not None and found:  # the thing is in other profiles, not in those of this size
                return Answer(question, say(lang, f"cities_none_{within.heads}", condition=within.condition), lang,
                              False, (), mode="across")
            return None
        chosen = [s for *_, s in sorted(best.values(), key=lambda x: (-x[0], -x[1], x[2].city))][: self.max_cities]
        chosen.sort(key=lambda s: s.city)
        return self._listing(lang, chosen, within, question)

    def _content(self, question: str, lang: str) -> list[str]:
        """The stems of all the question's own words (an English word's German ones), however common."""
        stems = []
        for token in re.findall(r"[\w@.]+", question.replace("-", " ")):
            if fold(token) in _STOP or NEGATED_QUESTION.fullmatch(token):
                continue
            german = [fold(g) for g in self.glossary.get(token.lower(), ())] if lang == "en" else []
            stems += [self._stem(w) for w in (german or [fold(token)]) if w not in _STOP]
        return [t for t in dict.fromkeys(stems) if len(t) >= 3]

    def _listing(self, lang: str, chosen: list[_Sentence], within=None, question: str = "") -> Answer:
        """The cities of these sentences, each cited with its sentence."""
        head = "cities_head" if within is None else f"cities_head_{within.heads}"
        lines = [say(lang, head if len(chosen) > 1 else head + "_one", count=len(chosen),
                     condition=within.condition if within is not None else "")]
        cites = []
        for i, s in enumerate(chosen, 1):
            section = s.section.removeprefix("Projektbeispiele: ")
            cites.append(Citation(i, s.city, s.section, s.text, s.sentence))
            # A long list names the cities; each one's sentence is in its citation (and the table).
            quote = f": »{s.sentence}«" if len(chosen) <= self.quoted else ""
            lines.append(f"- {s.city} ({section}){quote} [{i}]")
        return Answer(question, "\n".join(lines), lang, False, tuple(cites), mode="across",
                      table=((say(lang, "col_city"), say(lang, "col_evidence")), *((s.city, s.sentence) for s in chosen)))

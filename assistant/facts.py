"""Exact figures from the profiles: population, area, density, rankings, filters, comparisons.

Every figure comes from the parsed report; densities are computed and said to be computed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .amounts import Condition, condition, without_condition
from .corpus import FIGURES_SECTION
from .messages import number, say
from .text import HOW_MANY_DE, fold
from .types import Answer, Citation, Report

_POP = re.compile(r"einwohner(?!zahl der)|bev[öo]lkerung|population|inhabitant|populous|people live|leben in|"
                  r"\b(?:how many|number of) residents\b|"
                  # "Wo leben mehr Menschen ...?", "Where do more people live?"
                  r"\b(?:leben|wohnen)\s+(?:mehr|weniger|die meisten|die wenigsten)\s+(?:menschen|leute|personen)\b|"
                  r"\b(?:more|fewer|most|fewest)\s+(?:people|residents)\s+(?:live|living)\b", re.I)
# (not "flächendeckend", "the ENaQ sub-area": a coverage, a part of a district)
# ... nor another kind of area ("Industriefläche", "Grünflächen"): the word itself, or the city's or total area
_AREA = re.compile(r"\bfl[äa]che(?!ndeck)|(?:stadt|gesamt|boden)fl[äa]che|km2|km²|quadratkilometer|square k|"
                   r"(?<!-)\barea\b", re.I)
# "die Ideen der Einwohner", "seiner Bürger", "its population": the people of a city as the ones who do something
_PEOPLE_ACTING = re.compile(r"\b(?:der|den|seiner|ihrer|unserer|its|their|of the)\s+(?:\w+\s+)?"
                            r"(?:einwohner\w*|bürger\w*|bev[öo]lkerung|population|residents|inhabitants|citizens)\b", re.I)
# ... asks for the figure only with a word of amount or size
# ("wie viele", "Einwohnerzahl", "die meisten", "mehr als", a number); a bare keyword query always does.
_QUESTION_WORD = re.compile(r"^\W*(?:wie|was|wer|wen|wem|welche\w*|warum|wieso|weshalb|wof[üu]r|wozu|woher|wo|"
                            r"inwiefern|how|what|who|which|why|where|in what way)\b|\?", re.I)
_AMOUNT_CUE = re.compile(r"wie ?viel|\bhow (?:many|much|big|large|populous)\b|zahl|\bnumber\b|wie gro(?:ß|ss)|"
                         r"gr[öo](?:ß|ss)(?:te|er)|\bgr[öo](?:ß|ss)e (?:der|des|von)\b|klein(?:st|er)|\bmeisten|\bwenigsten|\bmost\b|\bfewest\b|\blargest\b|\bsmallest\b|"
                         r"\bbiggest\b|\bmehr\b|\bweniger\b|\bmore\b|\bfewer\b|\bless\b|\bbigger\b|\blarger\b|"
                         r"\bsmaller\b|\d|\bpopulation (?:of|size)\b|\bthe population\b|\bsize\b|dicht|densit|"
                         r"\bkm|quadrat|square|\bhoch\b|\bhigh\b|\bstand\b|\bbetr[äa]gt|\bamount|"
                         # "Was ist die Fläche von Jena?", "Welche Fläche hat Jena?", "What's the area of Ulm?"
                         r"\b(?:was|what)(?:'s| ist| is) (?:die|the) (?:fl[äa]che|area|einwohner|bev[öo]lkerung|population)\b|"
                         r"\bwelche\w* (?:fl[äa]che|einwohner|bev[öo]lkerung)", re.I)
# "Wie viele Flächen wurden gefunden?", "how many areas": a count of pieces of land, not the city's area
_AREAS_COUNTED = re.compile(rf"\b(?:{HOW_MANY_DE}|how many)\s+(?:\w+\s+)?(?:\w*fl[äa]chen|areas)\b", re.I)
_DENSITY = re.compile(r"dichte|density|densely|dicht besiedelt|pro km|je km|per km|per square", re.I)
_SIZE = re.compile(r"\bwie gro(ß|ss)\b|\bhow (big|large)\b|\bgr(?:ö|oe)(ß|ss)e\b|\bsize\b", re.I)  # "Größe", not "große"
# "Which city is bigger, Ulm or Jena?", "Ist Ulm kleiner als Jena?": two cities' sizes compared (not "das
# größere Budget", a thing's)
_SIZE_COMPARED = re.compile(r"\b(?:gr[öo](?:ß|ss)er|kleiner|bigger|larger|smaller)\b(?=\s*(?:als\b|than\b|[,?:;.]|$))", re.I)
# The fewer or smaller of two compared cities is asked ("Welche hat weniger Einwohner?")
_LESS = re.compile(r"\bweniger\b|\bkleiner\b|\bfewer\b|\bless\b|\bsmaller\b", re.I)
# "Wie groß wird die Markthalle?", "How big is the new data centre?": the size of a thing, not of the city
# (a city's name takes no article; "die Stadt", "the city" do).
_SIZE_OF_A_THING = re.compile(r"\b(?:wie gro(?:ß|ss)|how (?:big|large))\s+(?:\w+\s+){1,2}?(?:die|der|das|den|dem|des|"
                              r"ein|eine|einen|the|a|an|its|their)\s+(?!(?:\w*stadt|city|town|kommune|gemeinde)\b)\w+",
                              re.I)
_DESC = re.compile(r"gr[öo](ß|ss)te|meisten?\b|meister\b|weitl[äa]ufigste|st[äa]rkste|h[öo]chste|dichteste|am dichtesten|largest|biggest|most|highest|greatest|densest", re.I)
_ASC = re.compile(r"kleinste|wenigsten|niedrigste|geringste|am d[üu]nnsten|smallest|fewest|lowest|least", re.I)
_SIZE_SUPERLATIVE = re.compile(r"\b(?:gr[öo](?:ß|ss)te|kleinste|largest|biggest|smallest)", re.I)
_COMPARE = re.compile(r"vergleich|compare|comparison|versus|\bvs\.?\b", re.I)
_SIZE_RANK = re.compile(r"(gr[öo](ß|ss)te[nr]?|kleinste[nr]?|largest|biggest|smallest)\s+(stadt|st[äa]dte|city|cities|town)|"
                        r"\b(welche|which)\s+(stadt|city|town)\s+(ist|is)\s+(die|the)\s+"
                        r"(gr[öo](ß|ss)te|kleinste|largest|biggest|smallest)\b|"
                        # "Which of the 50 cities are the three largest?", "Welche sind die fünf kleinsten?"
                        r"\b(?:die|the)\s+(?:\d{1,2}|zwei|drei|vier|fünf|zehn|two|three|four|five|ten)\s+"
                        r"(?:gr[öo](?:ß|ss)ten|kleinsten|largest|biggest|smallest)\s*(?:[?.!]|$)", re.I)
# How a question asks for a figure (as opposed to naming "Bevölkerung" or "test area" in passing).
_FIGURE_ASKED = re.compile(rf"\b{HOW_MANY_DE}\b|\bwie gro(?:ß|ss)\b|\bhow (?:many|much|big|large)\b|\banzahl\b|"
                           r"zahl\b|\bnumber\b|\bfigure\b|\bkm\b|km2|km²|quadrat|square|\bsize\b|\bgr[öo](?:ß|ss)e\b|"
                           r"\bwhat is the (?:population|area)\b|\bwie hoch\b|\bvergleich|\bcompar|\bmehr\b|\bmore\b|"
                           r"\bweniger\b|\bfewer\b|\bless\b|\bgr[öo](?:ß|ss)er\b|\bkleiner\b|\blarger\b|\bsmaller\b|"
                           r"\bbigger\b|\bpopulation\b|\beinwohner\b|\bfläche\b|\barea of\b", re.I)
# "der 50 Städte", "of the 50 profiled cities": the report's cities, all of them
_ALL_OF_THEM = re.compile(r"\b(?:der|den|von den|of the|among the)\s+50\b", re.I)
_ATLAS = re.compile(r"smart[- ]?city[- ]?atlas\w*", re.I)  # the report's name is not a city word
_CITY_WORD = re.compile(r"\bst[äa]dt|\bcit(y|ies)\b|\bkommune|\btown", re.I)
# "How many residents actually use the portal?", "Wie viele Bürger nahmen teil?": people who do something
# (not "Wie viele Menschen leben in Ulm?", "How many residents does Ulm have?", "how many Einwohner laut ...").
_PEOPLE_WORDS = r"residents|inhabitants|people|citizens|einwohner\w*|menschen|bürger\w*|leute|personen"
_PEOPLE_COUNTED = re.compile(rf"\b(?:how many|{HOW_MANY_DE})\s+(?:{_PEOPLE_WORDS})((?:\s+[a-zäöüß]+){{1,4}})", re.I)
_BY_THE_WAY = set("actually really eigentlich denn genau überhaupt so".split())
_BEING_THERE = set("""live lived living are were is does do did has have had hat haben hatte hatten leben lebten wohnen
wohnten sind waren gibt gab zählt zählte in im of von der des den dem the there dort da insgesamt total altogether
according laut gemäß nach as per at to für for""".split())
_NOT_FIGURES = re.compile(r"projekt|project|nennung|mention|handlungsfeld|mitarbeiter|staff|employee", re.I)
# "die zweitgrößte", "the third most populous": the place in the ranking (not "die zweite Phase")
_ORDINAL = re.compile(r"\b(?:(zweit|dritt|viert|fünft)(?!e[nrms]?\b)(?=\w)|(second|third|fourth|fifth|2nd|3rd|4th|5th)\b"
                      r"(?=[- ]+\w))", re.I)
_ORDINAL_VALUE = {"zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
                  "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}
_NUMBER_WORDS = {
    "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8,
    "neun": 9, "zehn": 10, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10,
}


# Mittelstädte have fewer than 100.000 inhabitants, Großstädte more (the study's own line, chapter 2:
# "alle 80 deutschen Großstädte ... sowie ausgewählte Städte mit weniger als 100.000 Einwohnern").
_SIZE_CLASSES = (
    # a Millionenstadt has a million inhabitants or more (the usual German line)
    (re.compile(r"\bmillionenst[äa]dte?n?\b|\bmillion[- ]plus cities\b|\bcit(?:y|ies) of (?:over )?(?:a )?millions?\b", re.I),
     ("more", 1_000_000.0)),
    (re.compile(r"\bmittelst[äa]dte?n?\b|\bmedium[- ]sized\b|\bmid[- ]sized\b", re.I), ("less", 100_000.0)),
    (re.compile(r"\bgro(?:ß|ss)st[äa]dte?n?\b|\blarge cities\b|\bmajor cities\b|\bbig cities\b", re.I),
     ("more", 100_000.0)),
)
# Which ones (a how-many is answered by the chapters, which count their "13 Mittelstädte" themselves).
_SIZE_CLASS_ASKS = re.compile(r"\b(welche|which|liste|list|nenne|name|gibt es|are there)\b", re.I)
# What else "Welche Städte im Atlas sind Mittelstädte?" may say (so that "Welche Mittelstädte haben eine
# Digitale Agenda?" is not answered with a list of sizes).
_SIZE_CLASS_WORDS = set("""welche welcher which wie viele wieviele how many liste list nenne name städte stadt staedte
cities city sind ist is are gibt es there im in der die den des atlas smart-city-atlas smart city studie study
zählen zählt gehören zu als gelten count counted as of the untersucht untersuchten examined profiled covered
wurden were werden insgesamt total noch weitere andere other more any further außer ausser besides apart from except
und and""".split())


@dataclass(frozen=True)
class Within:
    """A which-cities question that also asks about a size: the cities of that size, the size in words,
    and the question without it ("Welche Großstädte haben einen CDO?" -> "Welche Städte haben einen CDO?")."""

    cities: frozenset[str]
    condition: str  # the size in words; "" for the cities named before ("Welche davon ...?")
    rest: str

    @property
    def heads(self) -> str:
        """Which answer heads name the group: ``within`` (a size) or ``those`` (the cities named before)."""
        return "within" if self.condition else "those"


# (a count: "how much land" asks an amount, the area)
_HOW_MANY_OF = re.compile(r"\b(?:how many|wie ?viele[nr]?)\s+([a-zäöüß]+)", re.I)
_PEOPLE = re.compile(rf"{_PEOPLE_WORDS}|resident|inhabitant|citizen|ppl|persons?|folks|bewohner\w*", re.I)


def _counts_something_else(question: str) -> bool:
    """"... and among how many cities?", "Wie viele Projekte ...?": a count of something other than people."""
    return any(not _PEOPLE.fullmatch(m.group(1)) and m.group(1).lower() not in _BEING_THERE
               for m in _HOW_MANY_OF.finditer(question))


def asks_amount(question: str) -> bool:
    """Whether a question asks for an amount: a keyword query does; a question does with a word of amount or
    size ("wie viele", "die meisten", a number, "Welche Fläche"), not when the people do something ("Wie
    fließen die Ideen der Einwohner ein?", "How does Jena involve its population?")."""
    return (not _QUESTION_WORD.search(question) or bool(_AMOUNT_CUE.search(question)) or asks_ranking(question)
            or condition(question) is not None)


def _people_acting(question: str) -> bool:
    """"Wie fließen die Ideen der Einwohner ein?", "How does Jena involve its population?": the people do
    something, and no amount is asked."""
    return bool(_PEOPLE_ACTING.search(question)) and not asks_amount(question)


def asks_ranking(question: str) -> bool:
    """The question asks for the largest or smallest ("die kleinste", "the most inhabitants")."""
    return bool(_DESC.search(question) or _ASC.search(question))


_HAVE = {"haben", "hat", "have", "has", "mit", "with", "über", "ueber", "over", "having"}
_NEGATED = re.compile(r"\b(?:keine|nicht|no|not|non)[- ]\s*(?:\w+\s+)?$", re.I)


def _size_class_in(question: str) -> tuple[re.Match, re.Pattern, tuple[str, float]] | None:
    """The first size class a question names ("Mittelstädte"), where, and its population filter."""
    for pattern, threshold in _SIZE_CLASSES:
        found = pattern.search(question)
        if found:
            return found, pattern, threshold
    return None


def _class_filter(question: str) -> tuple[str, Condition] | None:
    """The population filter of the size class a question names, negated where it says so ("die keine
    Großstädte sind", "not large cities")."""
    named = _size_class_in(question)
    if named is None:
        return None
    found, _, (op, value) = named
    if _NEGATED.search(question[: found.start()]):
        op = "less" if op == "more" else "more"
    return "population", Condition(op, value)


def _size_class(question: str) -> tuple[str, float] | None:
    """The population filter a question about "Mittelstädte" or "Großstädte" asks for, if it asks nothing else
    (a second class named is something else)."""
    named = _size_class_in(question)
    if named is None or not _SIZE_CLASS_ASKS.search(question):
        return None
    _, pattern, threshold = named
    rest = pattern.sub(" ", question.lower())
    return threshold if all(w in _SIZE_CLASS_WORDS for w in re.findall(r"[\wäöüß-]+", rest)) else None


@dataclass(frozen=True)
class Figures:
    city: str
    population: int
    area_km2: int

    @property
    def density(self) -> float:
        return self.population / self.area_km2 if self.area_km2 else 0.0

    def value(self, metric: str) -> float:
        return {"population": self.population, "area": self.area_km2, "density": self.density}[metric]


class FigureAnswerer:
    """Answers questions about Einwohner and Fläche exactly from the parsed profiles."""

    def __init__(self, figures: list[Figures]) -> None:
        if not figures:
            raise ValueError("FigureAnswerer needs the figures of at least one city")
        self.figures = {f.city: f for f in figures}

    @classmethod
    def from_report(cls, report: Report) -> FigureAnswerer:
        return cls([Figures(c.name, c.population, c.area_km2) for c in report.cities])

    # -- intent ------------------------------------------------------------------------
    @staticmethod
    def metrics(question: str) -> list[str]:
        if _DENSITY.search(question) and not _NOT_FIGURES.search(question):
            return ["density"]
        if _people_acting(question):
            return []
        found = []
        if _POP.search(question):
            found.append("population")
        if _AREA.search(question) and not _AREAS_COUNTED.search(question):
            found.append("area")
        return found

    def run(self, question: str, lang: str, cities: list[str], query=None) -> Answer | None:
        """An exact answer when the question is about the figures, else None. ``query`` (the
        understanding stage's reading) adds the attribute asked in other words ("wie viele Leute wohnen
        da") and the condition on an amount."""
        size_class = _size_class(question)
        if size_class and not cities:  # "Welche Städte sind Mittelstädte?": a filter on population
            return self._filter(question, lang, "population", Condition(*size_class))
        if _NOT_FIGURES.search(question) and not (_POP.search(question) or _AREA.search(question)):
            return None
        metrics = self.metrics(question)
        if not metrics and query is not None and query.attribute and not _NOT_FIGURES.search(question) \
                and not _counts_something_else(question) and not _people_acting(question):
            metrics = [query.attribute]  # asked in other words: "Wo leben mehr Menschen, in X oder Y?"
        years = set(re.findall(r"\b(?:19|20)\d\d\b", question))
        if metrics and years - {"2017", "2018", "2019"}:
            # The profiles give population as of 31.12.2017 and area as of 31.12.2018 only.
            return Answer(question, say(lang, "refuse_figure"), lang, True, (), mode="figures")
        superlative = _DESC.search(question) or _ASC.search(question)
        largest_first = bool(_DESC.search(question)) and not _ASC.search(question)
        threshold = query.condition if query is not None else condition(question)
        city_word = bool(_CITY_WORD.search(_ATLAS.sub(" ", question)))
        if not metrics:
            if _SIZE_RANK.search(question) and not cities:
                metrics = ["population"]
            elif len(cities) >= 2 and _SIZE_COMPARED.search(question):  # "Which city is bigger, Ulm or Jena?"
                metrics = ["population", "area"]
            elif len(cities) >= 2 and _SIZE_SUPERLATIVE.search(question):  # "Which of them is the largest?"
                metrics = ["population"]
            elif _SIZE.search(question) and cities and not _SIZE_OF_A_THING.search(question):
                metrics = ["population", "area"]
            elif len(cities) >= 2 and _COMPARE.search(question) and len(question.split()) <= 6:
                metrics = ["population", "area"]
            else:
                return None
        if threshold and superlative and len(metrics) == 2 and not cities:
            # "Welche Stadt mit weniger als 100.000 Einwohnern hat die größte Fläche?"
            t_metric = "population" if threshold.value >= 1000 else "area"
            r_metric = "area" if t_metric == "population" else "population"
            return self._ranking(question, lang, r_metric, desc=largest_first,
                                 within=(t_metric, threshold))
        if threshold and not (len(cities) == 1 and not city_word):
            return self._filter(question, lang, metrics[0], threshold)
        if threshold and len(cities) == 1 and len(metrics) == 1:
            # "Hat Augsburg mehr als 300.000 Einwohner?": yes or no, with the figure.
            return self._verdict(question, lang, cities[0], metrics[0], threshold)
        after = re.search(r"\b(?:nach|after|behind|hinter)\s+(?:\w+\s+){0,2}?(\S+)", question, re.I)
        after_city = next((c for c in cities if after and after.group(1).lower().startswith(c.lower()[:4])), None)
        if after_city and (superlative or (len(cities) == 1 and after.group(0).lower().startswith(("hinter", "behind")))):
            # "Welche Stadt ist nach Berlin die einwohnerstärkste?", "Wer kommt direkt hinter Berlin?": the next
            # one in the ranking (the largest first, unless the question asks for the smallest).
            return self._ranking(question, lang, metrics[0], desc=not _ASC.search(question), after=after_city)
        # "Welche davon ist die größte?", "die größte von Ulm, Jena und Emden": among those cities; but "Welche
        # Stadt hat die meisten Einwohner?" after a talk about two cities asks about all
        among = len(cities) >= 2 and not (city_word and query is not None and query.focus_cities)
        if superlative and among:
            return self._ranking(question, lang, metrics[0], desc=largest_first,
                                 among=cities)
        if superlative and (not cities or city_word):
            # "Welche Mittelstadt hat die größte Fläche?", "die keine Großstädte sind": ranked within the class;
            # "die zweitgrößte", "ohne Berlin" (the service took the cities after "außer"/"ohne" out as besides)
            besides = tuple(query.besides) if query is not None else ()
            return self._ranking(question, lang, metrics[0], desc=largest_first, within=_class_filter(question),
                                 rank=self._rank(question), besides=besides)
        if not self._asks_figure(question, metrics, query):
            return None  # "Welche Akteure ... neben Bevölkerung, Verwaltung ...?": the word is named, not asked
        if len(cities) >= 2:
            return self._comparison(question, lang, cities, metrics)
        if len(cities) == 1:
            return self._single(question, lang, cities[0], metrics)
        return None

    def within(self, question: str, lang: str, query=None) -> Within | None:
        """The size filter of a which-cities question that asks something else too; None for a question
        about the sizes alone (``run`` lists those) or without a size."""
        if _size_class(question) or not _SIZE_CLASS_ASKS.search(question) or _DESC.search(question) \
                or _ASC.search(question):
            return None  # the sizes alone, a ranking, or not a which-cities question ("Wie viele Mittelstädte ...?")
        named = _size_class_in(question)
        if named is not None:
            found, pattern, _ = named
            _, size = _class_filter(question)
            rest = pattern.sub("Städte" if lang == "de" else "cities", question, count=1)
            if _POP.search(rest) or _AREA.search(rest) or condition(rest):
                return None  # the sizes are what is asked ("..., i.e. over a million inhabitants?")
            return self._within(lang, "population", size, rest)
        cond = query.condition if query is not None else condition(question)
        if cond is None or not _CITY_WORD.search(question) or not (_POP.search(question) or _AREA.search(question)):
            return None  # "mehr als 40 Städte": an amount, not a size
        metric = "area" if _AREA.search(question) and not _POP.search(question) else "population"
        rest = without_condition(question)
        if _POP.search(rest) or _AREA.search(rest) or rest == question:
            return None  # the figures are what is asked ("... und wie viele Einwohner haben sie?")
        return self._within(lang, metric, cond, rest)

    def _within(self, lang: str, metric: str, cond: Condition, rest: str) -> Within | None:
        if all(w in _SIZE_CLASS_WORDS | _HAVE for w in re.findall(r"[\wäöüß-]+", rest.lower())):
            return None  # nothing else is asked: "Welche Städte haben mehr als 500.000 Einwohner?"
        cities = frozenset(f.city for f in self.figures.values() if cond.holds(f.value(metric)))
        return Within(cities, self._condition(lang, metric, cond, dative=True), rest)

    def _asks_figure(self, question: str, metrics: list[str], query) -> bool:
        """Whether a question that names a figure asks for it: the understanding stage read that attribute,
        or it asks how many / how big, or it is a few keywords ("einwohner ulm")."""
        core = (query.core or question) if query is not None else question
        counted = _PEOPLE_COUNTED.search(core)
        after = [w for w in counted.group(1).lower().split() if w not in _BY_THE_WAY][:1] if counted else []
        if after and after[0] not in _BEING_THERE and not any(fold(c).startswith(fold(after[0])) for c in self.figures):
            return False  # "Wie viele Bürger nutzen das Portal?": those who do something, not the population
        if query is not None and query.attribute in metrics:
            return True
        return bool(_FIGURE_ASKED.search(core)) or len(re.findall(r"[\wäöüß]+", core)) <= 5

    # -- answers -----------------------------------------------------------------------
    def _citation(self, n: int, city: str) -> Citation:
        f = self.figures[city]
        text = f"Einwohner: {number(f.population, 'de')}. Fläche in km²: {number(f.area_km2, 'de')}."
        return Citation(n, city, FIGURES_SECTION, text, quote=text)

    def _fmt(self, metric: str, value: float, lang: str) -> str:
        if metric == "density":
            return number(value, lang, 0)
        return number(value, lang)

    def _with_unit(self, metric: str, value: float, lang: str, dative: bool = False) -> str:
        return f"{self._fmt(metric, value, lang)} {say(lang, 'unit_' + metric + ('_dative' if dative else ''))}"

    def _single(self, question: str, lang: str, city: str, metrics: list[str]) -> Answer:
        f = self.figures[city]
        cite = self._citation(1, city)
        parts = []
        for metric in metrics:
            if metric == "density":
                parts.append(say(lang, "density", city=city, value=self._fmt("density", f.density, lang),
                                 population=number(f.population, lang), area=number(f.area_km2, lang), ref="[1]"))
            else:
                parts.append(say(lang, metric, city=city, value=self._fmt(metric, f.value(metric), lang), ref="[1]"))
        return Answer(question, " ".join(parts), lang, False, (cite,), mode="figures")

    def _verdict(self, question: str, lang: str, city: str, metric: str, cond: Condition) -> Answer:
        single = self._single(question, lang, city, [metric])
        holds = cond.holds(self.figures[city].value(metric))
        head = say(lang, "verdict_yes" if holds else "verdict_no", condition=self._condition(lang, metric, cond))
        return Answer(question, f"{head} {single.text}", lang, False, single.citations, mode="figures")

    def _comparison(self, question: str, lang: str, cities: list[str], metrics: list[str]) -> Answer:
        if "density" not in metrics and len(metrics) < 2:
            metrics = ["population", "area"] if not metrics else metrics
        citations = [self._citation(i, c) for i, c in enumerate(cities, 1)]
        header = (say(lang, "col_city"), *[say(lang, "col_" + m) for m in metrics], "")
        rows = [header]
        lines = [say(lang, "comparison_head")]
        for i, city in enumerate(cities, 1):
            f = self.figures[city]
            values = [self._fmt(m, f.value(m), lang) for m in metrics]
            rows.append((city, *values, f"[{i}]"))
            lines.append(f"- {city}: " + ", ".join(f"{v} {say(lang, 'unit_' + m)}" for v, m in zip(values, metrics, strict=False)) + f" [{i}]")
        # ... and which of them has the most (or, asked so, the fewest) of each
        fewest = bool(_ASC.search(question) or _LESS.search(question))
        for m in metrics:
            value = {c: self.figures[c].value(m) for c in cities}
            pick = (min if fewest else max)(cities, key=value.get)
            if sum(v == value[pick] for v in value.values()) == 1:
                lines.append(f"{say(lang, ('smallest_' if fewest else 'largest_') + m)}: {pick}.")
        return Answer(question, "\n".join(lines), lang, False, tuple(citations), mode="figures", table=tuple(rows))

    def _ranking(self, question: str, lang: str, metric: str, desc: bool,
                 within: tuple[str, Condition] | None = None, after: str | None = None,
                 among: list[str] | None = None, rank: int = 1, besides: tuple[str, ...] = ()) -> Answer:
        """The first ``n`` cities by ``metric``: of all, of those meeting ``within``, after ``after``, or
        ``among`` the cities named or in focus ("Welche davon ist die größte?"); from place ``rank`` on ("die
        zweitgrößte"), without the cities ``besides`` ("ohne Berlin")."""
        n = self._count(question)
        pool = [self.figures[c] for c in among if c in self.figures] if among else list(self.figures.values())
        pool = [f for f in pool if f.city not in besides]
        condition = ""
        if within:
            w_metric, cond = within
            pool = [f for f in pool if cond.holds(f.value(w_metric))]
            condition = self._condition(lang, w_metric, cond)
        ordered = sorted(pool, key=lambda f: f.value(metric), reverse=desc)
        if after and after in [f.city for f in ordered]:
            ordered = ordered[[f.city for f in ordered].index(after) + 1:]
        elif rank > 1 and len(ordered) >= rank:  # "die zweitgrößte": after the ones before it, named
            after = ", ".join(f.city for f in ordered[:rank - 1])
            ordered = ordered[rank - 1:]

        ordered = ordered[:n]
        direction = "desc" if desc else "asc"
        if not ordered:
            return Answer(question, say(lang, "filter_none", condition=condition), lang, False, (), mode="figures")
        if n == 1:
            f = ordered[0]
            key = ("largest_" if desc else "smallest_") + metric
            label = say(lang, key)
            if within:  # "Unter den Städten mit weniger als 100.000 Einwohnern"
                label = say(lang, "among", condition=self._condition(lang, *within, dative=True),
                            label=label[:1].lower() + label[1:])
            elif after:
                label = say(lang, "after", city=after, label=label[:1].lower() + label[1:])
            elif besides:  # "Ohne Berlin, Hamburg: ..." says which were left out
                label = say(lang, "without", city=", ".join(besides), label=label[:1].lower() + label[1:])
            elif among:
                label = say(lang, "among_cities", cities=", ".join(among), label=label[:1].lower() + label[1:])
            text = say(lang, "ranking_one", label=label, city=f.city,
                       value=self._with_unit(metric, f.value(metric), lang, dative=True), ref="[1]")
            if among:
                # the whole order of the cities asked among, each cited: a next question ("and the smallest
                # among them?") still has all of them in focus
                ordered_all = sorted(pool, key=lambda x: x.value(metric), reverse=desc)
                return self._listing(question, lang, text, ordered_all, metric)
            if metric == "density":
                text += " " + say(lang, "density", city=f.city, value=self._fmt(metric, f.density, lang),
                                  population=number(f.population, lang), area=number(f.area_km2, lang), ref="[1]")
            return Answer(question, text, lang, False, (self._citation(1, f.city),), mode="figures")
        label = say(lang, f"top_{metric}_{direction}", n=n)
        return self._listing(question, lang, say(lang, "ranking_many", label=label), ordered, metric)

    def _condition(self, lang: str, metric: str, cond: Condition, dative: bool = False) -> str:
        """The condition in words: "mehr als 100.000 Einwohner", "zwischen 50 und 100 km²" (after "mit":
        "Einwohnern")."""
        key = {"more": "more_than", "less": "less_than", "around": "around", "between": "between"}[cond.op]
        return say(lang, key, value=self._fmt(metric, cond.value, lang),
                   low=self._fmt(metric, cond.low or 0, lang), high=self._fmt(metric, cond.high or 0, lang),
                   unit=say(lang, "unit_" + metric + ("_dative" if dative else "")))

    def _filter(self, question: str, lang: str, metric: str, cond: Condition) -> Answer:
        if metric == "population" and cond.value < 1000 and _AREA.search(question):
            metric = "area"
        chosen = [f for f in self.figures.values() if cond.holds(f.value(metric))]
        chosen.sort(key=lambda f: f.value(metric), reverse=True)
        condition = self._condition(lang, metric, cond)
        if not chosen:
            return Answer(question, say(lang, "filter_none", condition=condition), lang, False, (), mode="figures")
        head = say(lang, "filter_head", count=len(chosen), condition=condition)
        return self._listing(question, lang, head, chosen, metric)

    def _listing(self, question: str, lang: str, head: str, ordered: list[Figures], metric: str) -> Answer:
        lines = [head]
        rows = [(say(lang, "col_city"), say(lang, "col_" + metric), "")]
        for i, f in enumerate(ordered, 1):
            lines.append(say(lang, "list_item", i=i, city=f.city, value=self._with_unit(metric, f.value(metric), lang), ref=f"[{i}]"))
            rows.append((f.city, self._fmt(metric, f.value(metric), lang), f"[{i}]"))
        citations = tuple(self._citation(i, f.city) for i, f in enumerate(ordered, 1))
        return Answer(question, "\n".join(lines), lang, False, citations, mode="figures", table=tuple(rows))

    @staticmethod
    def _rank(question: str) -> int:
        """The place in the ranking a question asks for ("die drittgrößte", "the second smallest"), else 1."""
        found = _ORDINAL.search(question)
        return _ORDINAL_VALUE[(found.group(1) or found.group(2)).lower()] if found else 1

    @staticmethod
    def _count(question: str) -> int:
        question = _ALL_OF_THEM.sub(" ", question)  # "Welche der 50 Städte ...": all the profiles, not a count
        # not an amount ("50.000", "50,000 inhabitants", "20 km²")
        m = re.search(r"\b(?:top\s*)?(\d{1,2})\b(?!\s*(?:[.,]\d|km|einwohner|inhabitants|%))", question, re.I)
        if m and 1 < int(m.group(1)) <= 50:
            return int(m.group(1))
        for word, value in _NUMBER_WORDS.items():
            if re.search(rf"\b{word}\b", question, re.I):
                return value
        return 1

"""One router over the answerers: each reads the :class:`~assistant.understand.Query` and answers or passes.

The service reads a question once (language, cities, what is asked) and hands the query to
:class:`Router`, which asks its answerers in order and takes the first answer. The order is the
policy: refusals the question itself calls for come first, then the exact answerers (figures, lists of
cities, lighthouse projects, the study's own counts), then the passages (one city's profile beside
another's, or the best passages of the report).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from .across import QUOTED
from .facts import Within, asks_ranking
from .messages import say
from .projects import LIGHTHOUSE
from .report_pack import report_pack
from .text import HOW_MANY_DE
from .types import Answer, Hit
from .understand import Query

# Questions about the cities in general or the study itself (the analysis chapters answer them).
_GENERAL = re.compile(r"\bst[äa]dte[n]?\b|\bkommunen\b|\bcities\b|\bcities'|\bstudie\b|\bstudy\b|"
                      r"\batlas\b|\bmost cities\b|\bdie meisten\b|\bhäufigste|\bmost common\b|\binterviews?\b|"
                      r"\bempfehlungen\b|\brecommendations?\b|\bpionier|\bpioneer|\bfazit\b|\bconclusion\b", re.I)
# "Wie viele Städte ...?", "how many of the cities ...?": a count of cities.
_COUNTS_CITIES = re.compile(rf"(?:\b{HOW_MANY_DE}|\bhow many|\bwhat number of)\s+(?:(?:der|of the|of|the)\s+)?"
                            r"(?:\w+\s+)?(?:st[äa]dte[n]?|kommunen|cities|towns|municipalities)\b", re.I)
# "... laut Querschnittsanalyse", "in the cross-city analysis": what the study's own analysis counts.
_ANALYSIS = re.compile(r"querschnitt|cross[- ]city|\banaly[sz]|\bauswertung|\bsurvey|\bbefragung|\binterview|"
                       r"\bkapitel|\bchapter", re.I)
# "Wie heißt der CDO?", "Who is the mayor of ...?": the profiles name roles and offices, never people.
_PERSON_NAME = re.compile(
    r"\b(?:wie hei(?:ß|ss)t|wie lautet der name|(?:what is|what's|whats) the name of|name of|who is|wer ist|"
    r"who (?:was|became|becomes|will be|heads|leads)|wer (?:war|wurde|wird|leitet))\s+"
    r"(?:der|die|das|the)?\s*(?:[\w'’.-]+\s+){0,3}?(?:cdo|cio|cuo|chief \w+ officer|oberbürgermeister\w*|"
    r"bürgermeister\w*|mayor|leiter\w*|head|ansprechpartner\w*|contact person|beauftragte\w*|dezernent\w*|"
    r"referent\w*|director|koordinator\w*|coordinator|person|persons|people|personen)\b", re.I)


# "Hat Ulm mehr Einwohner als Kleinhausen?", "Compare X and Y", "X vs Y": both sides are needed; and
# "Wie viele Einwohner haben Ulm und Kleinhausen zusammen?": a figure of both together.
_COMPARES = re.compile(r"\b(?:than|vs|versus|verglichen|vergleich\w*|compar\w+|gegenüber|unterscheid\w*|differ\w*)\b|"
                       r"\b\w{3,}(?:er|ere[mnrs]?) als\b|\b(?:mehr|weniger)\b[^.?!]{0,40}\bals\b", re.I)
_HOW_MANY = re.compile(rf"\b{HOW_MANY_DE}\b|\bhow (?:many|much)\b", re.I)
_TOGETHER = re.compile(r"\b(?:zusammen|gemeinsam|insgesamt|together|combined|in total)\b", re.I)


class Answerer(Protocol):
    """Answers a query, or returns None to leave it to the next answerer."""

    def answer(self, query: Query) -> Answer | None: ...


class Router:
    """Asks ``answerers`` in order; the first answer wins. The last one should always answer."""

    def __init__(self, answerers: Sequence[Answerer]) -> None:
        if not answerers:
            raise ValueError("a router needs at least one answerer")
        self.answerers = tuple(answerers)

    def route(self, query: Query) -> tuple[Answer, Answerer]:
        for answerer in self.answerers:
            answer = answerer.answer(query)
            if answer is not None:
                return answer, answerer
        raise LookupError(f"no answerer answered {query.text!r}")  # the passages always answer: a wiring error


class Refusals:
    """What the question itself shows the report cannot answer: a town without a profile asked about, a
    distinctive name the report never mentions, or a person's name (the profiles name roles, not people)."""

    def __init__(self, unknown_name: Callable[[str], str | None]) -> None:
        self.unknown_name = unknown_name

    def answer(self, query: Query) -> Answer | None:
        text, lang = query.text, query.language
        if query.unprofiled and (not query.cities or query.unprofiled_first or _COMPARES.search(text)
                                 or ((query.attribute or _HOW_MANY.search(text)) and _TOGETHER.search(text))):
            # ... or a comparison of it with a profiled city: the report gives one side only
            return Answer(text, say(lang, "refuse_city", city=query.unprofiled[0]), lang, True)
        missing = self.unknown_name(text)
        if missing:
            return Answer(text, say(lang, "refuse_unknown", name=missing), lang, True)
        if _PERSON_NAME.search(text):
            return Answer(text, say(lang, "refuse_person"), lang, True)
        return None


class Exact:
    """The answerers that read the report's parsed tables and lists instead of its passages: figures,
    which cities say something, lighthouse projects, and how many cities the study covers. Their
    answers are given the passages they were drawn from as retrieval hits."""

    def __init__(self, figures, across, projects, study: Callable[[], object],
                 hits_for: Callable[[Answer], tuple[Hit, ...]]) -> None:
        self.figures = figures
        self.across = across
        self.projects = projects
        self.study = study  # the study's counts exist once the index is open
        self.hits_for = hits_for

    def answer(self, query: Query) -> Answer | None:
        text, lang, named = query.text, query.language, list(query.cities)
        # "Welche Großstädte haben einen CDO?": which cities, among those of a size; "Welche davon haben
        # auch ein Reallabor?": among the cities just named
        within = self.figures.within(text, lang, query) if not named else of_those(query)
        exact = ((self.across.run(within.rest, lang, [], query_vector=query.vector, within=within)
                  if within is not None else None)
                 # "Welche Städte haben ein Projektbeispiel mit »App« im Titel?": the projects' titles only
                 or (self.projects.title_listing(text, lang) if not named and self.projects.asks_title(text) else None)
                 or self.figures.run(query.core or text, lang, named, query)  # not the chatty context
                 # "Welche Städte ...?" over all profiles, unless it asks for lighthouse projects (Anhang A)
                 # (a quoted name is not such a question: "model municipalities (»Leuchttürme«)")
                 or (None if LIGHTHOUSE.search(QUOTED.sub(" ", text)) else
                     # the question without its chatty context ("Ich plane eine Messe. Welche Städte ...?")
                     self.across.run(query.core or text, lang, named, asked=query.lists_cities,
                                     query_vector=query.vector))
                 or self.projects.run(text, lang, named, listing=query.yes_no or query.keywords or query.lists_cities)
                 or (None if named else self.study().profiled(text, lang)))
        return None if exact is None else replace(exact, retrieved=self.hits_for(exact))


# "Welche davon ...?", "Which of them ...?": a question about the cities just named, one by one.
_OF_THOSE = re.compile(r"^\W*(?:und\s+|and\s+)?(?:welche[rns]?\s+(?:davon|von (?:ihnen|diesen|denen))|"
                       r"welche dieser (?:st[äa]dte|kommunen)|which of (?:them|those|these)(?: cities| towns)?)\b", re.I)


def of_those(query: Query):
    """The cities of the conversation's focus, when the question asks which of them say something
    ("Welche davon haben auch ein Reallabor?"); not a ranking ("Welche davon ist die kleinste?")."""
    found = _OF_THOSE.search(query.text)
    if not (len(query.cities) >= 2 and found) or asks_ranking(query.text) or query.attribute:
        return None
    lead = "Welche" if query.language == "de" else "Which"
    rest = re.sub(r"\s*\([^()]*\)\s*$", "", query.text[found.end():])  # the cities the follow-up filled in
    return Within(frozenset(query.cities), "", f"{lead}{rest}")


def sparse_text(query: Query, bridged_words: Callable[..., set[str]], known: Callable[[str], bool] | None = None) -> str:
    """What BM25 reads: the question, and for an English one the report's German words it stands for; for
    a German one, those of its English words the report never uses ("die drei Pillars"), given ``known``."""
    if query.language != "en":
        extra = bridged_words(query.text, known) if known is not None else set()
        return " ".join([query.text, *sorted(extra)])
    return " ".join([query.text, *sorted(bridged_words(query.text))])


# "Welche Stadt hat mehr Hotspots, A oder B?", "Which portal offers more datasets?": amounts compared
COMPARES_AMOUNTS = re.compile(r"\b(?:mehr|weniger|more|fewer|die meisten|the most)\s+(?!als\b|than\b)[\w-]+", re.I)


class SideBySide:
    """"Wie unterscheiden sich Bonn und Köln ...?": each of two to four cities' own answer, side by side."""

    def __init__(self, retriever: Callable[[], object], answerer, sentences_of, rarity: Callable[[], object],
                 following, max_cities: int = 4) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.sentences_of = sentences_of
        self.rarity = rarity
        self.following = following
        self.max_cities = max_cities

    def answer(self, query: Query) -> Answer | None:
        cities = list(query.wanted)
        if not 2 <= len(cities) <= self.max_cities:
            return None
        t0 = time.perf_counter()
        text, lang, qvec = query.text, query.language, query.vector
        rarity = self.rarity()
        sparse = sparse_text(query, self.answerer.bridged_words, rarity.known if rarity is not None else None)
        ignore = self.answerer.terms(" ".join(cities))
        amounts = bool(COMPARES_AMOUNTS.search(text))
        lines, citations, rows, retrieved = [say(lang, "side_by_side_head")], [], [], []
        for city in cities:
            hits = [h for h in self.retriever().run(text, [city], query_vector=qvec, sparse_text=sparse)
                    if h.chunk.city == city]
            answer = self.answerer.run(text, lang, hits, self.sentences_of, qvec, ignore, self.rarity(),
                                       self.following, amounts=amounts)
            retrieved.extend(hits[:2])
            own = [c for c in answer.citations if c.source == city][:1]
            if answer.refused or not own:
                lines.append(say(lang, "side_by_side_none", city=city))
                continue
            c = own[0]
            citations.append(replace(c, n=len(citations) + 1))
            section = c.section.removeprefix("Projektbeispiele: ")
            lines.append(f"- {city} ({section}): »{c.quote}« [{len(citations)}]")
            rows.append((city, c.quote))
        refused = not citations
        table = ((say(lang, "col_city"), say(lang, "col_evidence")), *rows) if rows else ()
        return Answer(text, "\n".join(lines) if not refused else say(lang, "refuse"), lang, refused,
                      tuple(citations), tuple(retrieved), mode="compare" if not refused else "extractive",
                      table=table, timings_ms={"retrieve_ms": (time.perf_counter() - t0) * 1000})


_CHAPTER_NAMED = re.compile(r"\b(?:kapitel|chapter|abschnitt|section)\s+(\d(?:\.\d)?)\b", re.I)


class Passages:
    """The best passages of the report (or of the cities asked about), and the sentences of them that
    answer; the study's own counts where the passages count something else; yes or no first where the
    quote says so plainly."""

    def __init__(self, retriever: Callable[[], object], answerer, sentences_of, rarity: Callable[[], object],
                 following, study: Callable[[], object],
                 listing: Callable[[Query], Answer | None] | None = None) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.sentences_of = sentences_of
        self.rarity = rarity
        self.following = following
        self.study = study
        # The cities whose profiles say what was asked ("Welche Städte haben einen CDO?"), with their count
        self.listing = listing

    def answer(self, query: Query) -> Answer:
        text, lang, qvec, wanted = query.text, query.language, query.vector, list(query.wanted)
        t0 = time.perf_counter()
        rarity = self.rarity()
        known = rarity.known if rarity is not None else None
        hits = self.retriever().run(text, wanted, query_vector=qvec,
                                    sparse_text=sparse_text(query, self.answerer.bridged_words, known),
                                    prefer_chapters=not wanted and bool(_GENERAL.search(text)))
        retrieve_ms = (time.perf_counter() - t0) * 1000
        named = _CHAPTER_NAMED.search(text)
        if named:
            # "according to chapter 4.4", "laut Kapitel 4.5": that chapter's passages first, if retrieved
            number = named.group(1) + " "
            hits = sorted(hits, key=lambda h: not (h.chunk.source + " ").startswith(number))
        ignore = self.answerer.terms(" ".join(wanted))
        # what is asked, without "laut Querschnittsanalyse", "according to the study": no content words
        asked = report_pack().without_attribution(text)
        answer = None
        if query.project is not None:
            # "Wer ist daran beteiligt?" about the project talked about: its own passage answers, if it can.
            city, title = query.project
            own = [h for h in hits if h.chunk.city == city and h.chunk.section.startswith(f"Projektbeispiele: {title}")]
            if own:
                answer = self.answerer.run(asked, lang, own, self.sentences_of, qvec, ignore, rarity, self.following)
                answer = None if answer.refused else replace(answer, retrieved=tuple(hits))
        if answer is None:
            answer = self.answerer.run(asked, lang, hits, self.sentences_of, qvec, ignore, rarity, self.following)
        counted = self.answerer.counted_terms(text, lang)
        if counted and not query.cities and (answer.refused or not any(
                self.answerer.counted_in(counted, self.answerer.counts(c.quote)) for c in answer.citations)):
            # The passages did not count what was asked: the study's own counts may.
            than = "" if answer.refused else " ".join(c.quote for c in answer.citations)
            answer = self.study().run(text, lang, [], than) or answer
        if (self.listing is not None and answer.refused and not query.cities and _COUNTS_CITIES.search(text)
                and not _ANALYSIS.search(text)):
            # "Wie viele Städte haben einen CDO?" where the study counts no such thing: the profiles that
            # say so, counted in the list's head.
            which = "Which cities" if lang == "en" else "Welche Städte"
            answer = self.listing(replace(query, text=_COUNTS_CITIES.sub(which, text, count=1))) or answer
        if query.yes_no and not answer.refused and answer.mode == "extractive" and answer.citations:
            # "Hat Ulm einen CDO?": yes or no first, where the quote says so plainly; the evidence follows
            said = self.answerer.polarity(text, lang, answer.citations[0].quote, ignore, rarity)
            if said is not None:
                answer = replace(answer, text=f"{say(lang, 'polarity_' + said)} {answer.text}")
        return replace(answer, retrieved=answer.retrieved or tuple(hits), timings_ms={"retrieve_ms": retrieve_ms})

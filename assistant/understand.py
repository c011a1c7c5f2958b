"""Reading a question once: its core, spelled right, and what it asks for.

``Understanding.run`` turns the question as typed into a :class:`Query` that the answer stages read:

- the **core**: chatty context around the question is left out ("Ich schreibe gerade ein Referat und
  frage mich, wie viele ..." -> "wie viele ..."), so that its words neither steer retrieval nor count as
  asked-for words; a profiled city named only in the context is kept;
- **spelling**: a word neither German nor English dictionaries nor the report know is replaced by the
  report's (or the examples') most frequent word one edit away ("einwoner" -> "einwohner");
- the **attribute** asked for (a city's population or area), read from the question's vector by its
  nearest example phrasings (``pack/intents.toml``), so that "wie viele Leute wohnen da" and "how much
  land does it cover" reach the figures as "Einwohner" and "Fläche" do;
- a **condition** on an amount ("knapp unter 100k") and whether it is a **yes/no** question.

The question is embedded once, here; the vector is reused for retrieval and sentence choice.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .amounts import Condition, condition

log = logging.getLogger(__name__)
INTENTS_PATH = Path(__file__).parent / "pack" / "intents.toml"
_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+")
# Where a question starts inside a longer message: a question word, "ob"/"whether", or a question mark's sentence.
QUESTION_WORD = re.compile(
    r"\b(?:wie|wieviele?|was|wer|wen|wem|wessen|wo|woher|wohin|wann|warum|weshalb|wieso|welche[rsnm]?|ob|"
    r"how|what|who|whom|whose|where|when|why|which|whether|if)\b", re.I)
# "..., und seit wann gibt es sie?", "... and what is the project called?": a second question joined to the first.
_SECOND_QUESTION = re.compile(
    r"(?:,\s*|\s+)(?:und|and|sowie|bzw\.|or|oder)\s+(?=(?:(?:seit|bis|ab|in|mit|von|auf|aus|zu|für|bei|"
    r"since|until|from|with|in|on|at|to|for|by|of)\s+)?(?:wie|wieviele?|was|wer|wen|wem|wessen|wo|woher|wohin|"
    r"womit|wofür|worauf|wann|warum|weshalb|wieso|welche[rsnm]?|how|what|who|whom|whose|where|when|why|which)\b)",
    re.I)


def question_parts(text: str) -> list[str]:
    """The questions a question joins ("Wo ist X verortet und wann wurde sie besetzt?" -> two); one part
    for a single question. A part shorter than three words is no question of its own."""
    parts = [p.strip(" ,?") for p in _SECOND_QUESTION.split(text)]
    if len(parts) < 2 or any(len(p.split()) < 3 for p in parts):
        return [text]
    return parts


_SENTENCE = re.compile(r"(?<=[.!?])\s+|;\s*")
_CLAUSE = re.compile(r",|:\s|\s[–—-]\s")  # "..., wie viele", "Ich suche Vorbilder: Welche ..."
# "Was sagt der Atlas dazu?", "What does the atlas say about it?": the question is the sentence before.
_META = re.compile(r"\bdazu\b|\bdarüber\b|\babout (?:it|this|that)\b|\bon (?:it|this|that)\b", re.I)
# Context about the asker ("Ich schreibe gerade ein Referat", "My daughter starts university"): first and
# second person. Only such context is cut off a question; a leading topic ("Bird-E-Scooter Bamberg – ...")
# stays.
_PERSONAL = re.compile(r"\b(?:ich|mich|mir|wir|uns|mein\w*|unser\w*|du|dich|dir|dein\w*|i|i'm|i've|i'd|me|my|we|"
                       r"we're|we've|us|our|ours)\b", re.I)
def about_the_asker(text: str) -> bool:
    """Whether a clause speaks of the asker ("Ich wohne in Kassel", "my daughter ...")."""
    return bool(_PERSONAL.search(text))


_CITIES_WORD = re.compile(r"st[äa]dte|städten|kommunen|cities|towns|municipalities", re.I)
_OTHER_CITIES = re.compile(r"\b(?:other|another|any|more|further|andere\w*|weitere\w*|noch (?:eine|mehr)|sonst noch)\s+"
                           r"(?:\w+\s+){0,2}?(?:cities|towns|municipalities|city|town|st[äa]dt\w*|kommunen?)\b", re.I)
# "außer Leipzig", "apart from Bonn and Köln": what comes after these words is set aside.
BESIDES = r"(?:außer|ausser|neben|ohne|abgesehen von|apart from|besides|except(?: for)?|excluding|not counting|other than)"
_LEADING_BESIDES = re.compile(rf"^\s*{BESIDES}\b[^,?]{{1,60}},\s*", re.I)
# "... und fragt, ob ...", "... and asks whether ...": an embedded yes/no question.
_EMBEDDED = re.compile(r"\b(?:ob|whether)\b", re.I)
# Finite verbs and auxiliaries that open a yes/no question ("Hat Ulm ...?", "Did the city ...?").
YES_NO_START = re.compile(
    r"^\s*(?:hat|haben|hatte|hatten|ist|sind|war|waren|gibt|gab|wird|werden|wurde|wurden|kann|können|konnte|"
    r"soll|sollen|will|wollen|plant|planen|nutzt|nutzen|setzt|setzen|bietet|bieten|verfügt|verfügen|gehört|"
    r"gehören|liegt|liegen|nennt|nennen|beschreibt|erwähnt|nimmt|nehmen|zählt|zählen|besitzt|existiert|"
    r"is|are|was|were|does|do|did|has|have|had|can|could|will|would|should|shall)\b", re.I)


@dataclass(frozen=True)
class Query:
    """A question as the answer stages read it."""

    asked: str  # as typed (cleaned)
    text: str  # spelled right: what retrieval and the answerers read
    language: str
    core: str = ""  # the question without the context about the asker, spelled right: what the slots are read from
    attribute: str | None = None  # "population" | "area" | None
    attribute_margin: float = 0.0
    lists_cities: bool = False  # asks which cities (of all profiles) say something
    condition: Condition | None = None
    yes_no: bool = False
    keywords: bool = False  # words without a question word, verb-first start or question mark ("lorawan projects")
    context_cities: tuple[str, ...] = ()  # profiled cities named only in the chatty context
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)
    # Read by the service with the report's cities and the conversation (see ``Assistant._with_cities``):
    cities: tuple[str, ...] = ()  # the profiled cities asked about (named, or the conversation's city in focus)
    focus_cities: bool = False  # ``cities`` are the conversation's, not named in the question
    wanted: tuple[str, ...] = ()  # the cities whose profiles answer: the asker's filter and ``cities``
    unprofiled: tuple[str, ...] = ()  # towns without a profile named in the question's core
    # ... and the question's first clause names only such towns ("Wie viele Einwohner hat Remscheid, das mit
    # Wuppertal ...?"): it asks about them, the profiled city is context
    unprofiled_first: bool = False
    besides: tuple[str, ...] = ()  # cities named after "außer", "apart from": not the ones asked about
    project: tuple[str, str] | None = None  # (city, title) of the project a follow-up is about


def core_question(text: str) -> tuple[str, str]:
    """(core, context): the part of a message from where its question starts. The question is the first
    sentence that ends with a question mark (or, without one, the first with a question word); a short
    meta question after it ("Was sagt der Atlas dazu?") points back to the sentence before. Within that
    sentence the core starts at the clause with the question word ("..., frage mich, wie viele ...") or at
    an embedded "ob"/"whether". A message without any of these (keywords, a command) is all core."""
    text = text.strip()
    pieces = [p.strip() for p in _SENTENCE.split(text) if p.strip()]
    asks = [i for i, p in enumerate(pieces) if p.endswith("?")]
    if not asks:
        asks = [i for i, p in enumerate(pieces) if QUESTION_WORD.search(p)]
    if not asks:
        return text, ""
    first = asks[0]
    if first > 0 and len(_WORD.findall(pieces[first])) <= 8 and _META.search(pieces[first]):
        first -= 1
    while first > 0 and not _PERSONAL.search(pieces[first - 1]):
        first -= 1  # what comes before the question and is not about the asker belongs to it
    head = pieces[first]
    if not (YES_NO_START.match(head) or QUESTION_WORD.match(head)):  # a question that opens its sentence is whole
        starts = [0] + [m.end() for m in _CLAUSE.finditer(head)]
        at = next((i for i in starts if QUESTION_WORD.search(_CLAUSE.split(head[i:], 1)[0])), 0)
        # "..., fehlt mir die Bevölkerungszahl von Chemnitz – was steht dazu im Atlas?": a meta question
        # points back to what the clause before it asks
        meta = len(_WORD.findall(head[at:])) <= 8 and _META.search(head[at:])
        if at and _PERSONAL.search(head[:at]) and not meta:
            head = head[at:].strip()
        embedded = _EMBEDDED.search(head)
        if embedded and _PERSONAL.search(head[:embedded.start()]):
            head = head[embedded.start():].strip()
    core = " ".join([head, *pieces[first + 1:]]).strip()
    context = text[: text.find(head)].strip() if head in text else " ".join(pieces[:first])
    return core or text, context


class Speller:
    """Replaces a word that no dictionary and not the report know with the report's most frequent word one
    edit away (two for long words). Names, numbers and short words are left as they are."""

    def __init__(self, vocabulary: Counter, known: Callable[[str], bool], min_length: int = 5) -> None:
        if not vocabulary:
            raise ValueError("the speller needs a vocabulary")
        self.vocabulary = vocabulary
        self.known = known
        self.min_length = min_length
        self._words = list(vocabulary)

    @classmethod
    def from_texts(cls, texts: Iterable[str], extra: Iterable[str] = (), cache_dir: Path | None = None) -> Speller:
        """``cache_dir``: where the dictionaries' words are kept as one plain list (see ``_dictionaries``)."""
        counts = Counter(w.lower() for t in texts for w in _WORD.findall(t) if len(w) >= 3)
        counts.update(w.lower() for w in extra)
        dictionaries = _dictionaries(cache_dir)

        def known(word: str) -> bool:
            return word in counts or any(word in d for d in dictionaries)

        return cls(counts, known)

    def correct(self, text: str) -> str:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        def fix(match: re.Match) -> str:
            word = match.group(0)
            low = word.lower()
            if len(low) < self.min_length or self.known(low) or (word[0].isupper() and not word.isupper() and
                                                                 match.start() > 0):
                return word  # a capitalised word inside the sentence may be a name the report lacks
            limit = 1 if len(low) < 8 else 2
            found = process.extract(low, self._words, scorer=OSA.distance, score_cutoff=limit, limit=8)
            if not found:
                return word
            best = min(found, key=lambda f: (f[1], -self.vocabulary[f[0]]))[0]
            return best.capitalize() if word[0].isupper() else best

        return _WORD.sub(fix, text)


def _dictionaries(cache_dir: Path | None = None) -> list:
    """German and English word lists (pyspellchecker's, offline in its wheel); none if it is missing. With
    ``cache_dir`` their words are kept there as one plain list, read in a tenth of the time (0.1 s instead of
    1 s at every start); a list that is not whole is read again from pyspellchecker."""
    try:
        import spellchecker
        from spellchecker import SpellChecker
    except ImportError:  # the speller then knows the report's words only
        log.warning("pyspellchecker is not installed: spelling is checked against the report's words only")
        return []
    cache = Path(cache_dir) / f"speller-words-{spellchecker.__version__}.txt" if cache_dir is not None else None
    if cache is not None and cache.exists():
        try:
            head, _, body = cache.read_text(encoding="utf-8").partition("\n")
            words = frozenset(body.split("\n"))
            if head == f"# {len(words)} words":
                return [words]
        except (OSError, UnicodeDecodeError):
            pass
        log.warning("the speller's word list %s is damaged: read again", cache)
    dictionaries, listed = _pyspellchecker(SpellChecker)
    if cache is not None:
        partial = cache.with_suffix(".partial")
        try:  # written whole, then renamed: a killed start leaves no half list
            partial.write_text(listed, encoding="utf-8")
            partial.replace(cache)
        except OSError as err:
            log.warning("the speller's word list could not be kept in %s: %s", cache_dir, err)
    return list(dictionaries)


@functools.cache
def _pyspellchecker(spell_checker) -> tuple[tuple, str]:
    """pyspellchecker's German and English word frequencies, and their words as the kept list's text (once
    a process)."""
    dictionaries = tuple(spell_checker(language=lang, distance=1).word_frequency for lang in ("de", "en"))
    words = sorted(set().union(*(d.keys() for d in dictionaries)))
    return dictionaries, f"# {len(words)} words\n" + "\n".join(words)


# A German question without a question word that opens with a finite verb of any kind ("Kooperiert Ulm
# ...?", "Betreibt ...?", "Fördern ...?"): a word ending as verbs do, its question mark at the end.
# (not a noun ending so: "Projekt", "Stadt", "Amt", "Konzept")
_VERB_FIRST_DE = re.compile(r"^\s*[A-ZÄÖÜ][a-zäöüß]{3,}(?:(?<![kdmp])t|en)\s+\S[^?]*\?\s*$")


def is_yes_no(text: str, lang: str) -> bool:
    """Whether a question opens with its verb ("Hat Ulm ...?", "Was the bid ...?"); German "Was ist ...?" asks what."""
    start = YES_NO_START.match(text)
    if start is None and lang != "en":
        return bool(_VERB_FIRST_DE.match(text)) and not QUESTION_WORD.search(text)
    return bool(start) and not (lang != "en" and start.group(0).strip().lower() == "was")


def is_keywords(text: str) -> bool:
    """Whether a question is typed as keywords: no question word, no verb-first start, no question mark."""
    return not (QUESTION_WORD.search(text) or YES_NO_START.match(text) or "?" in text)


class ExemplarClassifier:
    """Labels a question vector by its nearest example phrasings: a label's score is the mean similarity
    of its ``k`` nearest examples; the answer is the best label and its margin over the next."""

    def __init__(self, examples: dict[str, list[str]], k: int = 2) -> None:
        if not examples or any(not v for v in examples.values()):
            raise ValueError("every label needs at least one example phrasing")
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.examples = examples
        self.k = k
        self.labels = [label for label, texts in examples.items() for _ in texts]
        self._rows = {label: np.array([i for i, lab in enumerate(self.labels) if lab == label]) for label in examples}
        self._vectors: np.ndarray | None = None

    @classmethod
    def from_file(cls, slot: str, path: Path = INTENTS_PATH, k: int = 2) -> ExemplarClassifier:
        """The classifier of one slot of the intents file (``attribute``, ``asks``)."""
        with Path(path).open("rb") as fh:
            data = tomllib.load(fh)
        if slot not in data:
            raise ValueError(f"{path}: no [{slot}.*] examples")
        return cls({label: list(v.get("examples", [])) for label, v in data[slot].items()}, k)

    def key(self, embedder_name: str) -> str:
        digest = hashlib.sha1(repr(sorted(self.examples.items())).encode())
        digest.update(embedder_name.encode())
        return digest.hexdigest()[:12]

    def warm_up(self, embedder, cache_dir: Path | None = None) -> None:
        """Embed the examples (as queries), or read them from a cache file for this embedder and examples."""
        if self._vectors is not None:
            return
        texts = [t for texts in self.examples.values() for t in texts]
        cache = Path(cache_dir) / f"intents-{self.key(embedder.name)}.npy" if cache_dir else None
        if cache is not None and cache.exists():
            vectors = np.load(cache)
            if vectors.shape[0] == len(texts):
                self._vectors = vectors
                return
        vectors = np.vstack([embedder.embed_query(t) for t in texts]).astype(np.float32)
        if cache is not None:
            try:
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_suffix(".tmp.npy")
                np.save(tmp, vectors)
                tmp.replace(cache)
            except OSError as exc:  # a read-only index folder: embed again next time
                log.warning("could not cache the intent examples at %s: %s", cache, exc)
        self._vectors = vectors

    def classify(self, vector: np.ndarray) -> tuple[str, float]:
        if self._vectors is None:
            raise RuntimeError("ExemplarClassifier.warm_up() must run before classify()")
        sims = self._vectors @ vector
        scores = {}
        for label in self.examples:
            mine = np.sort(sims[self._rows[label]])[-self.k:]
            scores[label] = float(mine.mean())
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        margin = ranked[0][1] - ranked[1][1] if len(ranked) > 1 else 1.0
        return ranked[0][0], margin


class Understanding:
    """The one place that reads a question's wording into a :class:`Query`."""

    def __init__(self, classifier: ExemplarClassifier, speller: Speller | None = None,
                 find_cities: Callable[[str], list] | None = None, min_margin: float = 0.015,
                 asks: ExemplarClassifier | None = None, list_margin: float = 0.05,
                 without_names: Callable[[str], str] | None = None) -> None:
        self.classifier = classifier
        self.without_names = without_names  # drops the report's own names where they only frame the question
        self.asks = asks
        self.list_margin = list_margin
        self.speller = speller
        self.find_cities = find_cities
        self.min_margin = min_margin

    def prepare(self, text: str) -> str:
        """The question spelled right and without the report's names that only frame it: the text the
        service embeds (the prefetcher embeds the same)."""
        text = self.speller.correct(text) if self.speller is not None else text
        return self.without_names(text) if self.without_names is not None else text

    def run(self, text: str, lang: str, embed: Callable[[str], np.ndarray] | None = None) -> Query:
        text = self.prepare(text)
        core, context = core_question(text)
        # "Apart from Leipzig, do other cities ...?": the question proper follows the cities set aside
        # (the service reads those from the whole text)
        core = _LEADING_BESIDES.sub("", core) or core
        cities: tuple[str, ...] = ()
        if context and self.find_cities is not None and not any(m.profiled for m in self.find_cities(core)):
            cities = tuple(dict.fromkeys(m.name for m in self.find_cities(context) if m.profiled))
        vector = embed(text) if embed is not None else None
        attribute, margin, lists = None, 0.0, False
        if vector is not None:
            # the slots are read from the question itself, without the context about the asker
            core_vector = embed(core) if core != text else vector
            label, margin = self.classifier.classify(core_vector)
            if label != "other" and margin >= self.min_margin:
                attribute = label
            if self.asks is not None:
                asks, asks_margin = self.asks.classify(core_vector)
                # meaning and one word together: the examples alone confuse "which cities" with "how many"
                lists = asks == "cities" and asks_margin >= self.list_margin and bool(_CITIES_WORD.search(core))
        keywords, yes_no = is_keywords(core), is_yes_no(core, lang)
        # "Haben noch andere Städte ...?", "Do any other cities ...?": a yes/no question about other cities
        # is answered by naming them
        lists = lists or (yes_no and bool(_OTHER_CITIES.search(core)))
        return Query(asked=text, text=text, language=lang, core=core, attribute=attribute, attribute_margin=margin,
                     lists_cities=lists,
                     condition=condition(core), yes_no=yes_no, keywords=keywords,
                     context_cities=cities,
                     vector=vector)

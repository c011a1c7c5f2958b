"""Conversations: what is in focus after each turn, kept per conversation id, bounded and expiring."""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from .errors import UnknownConversation
from .messages import say
from .projects import FIELD_NAMES
from .understand import QUESTION_WORD, YES_NO_START


@dataclass(frozen=True)
class Focus:
    """What a conversation is about after a turn: the code reads it to resolve the next question."""

    cities: tuple[str, ...] = ()  # the cities the last turn was about
    recent: tuple[str, ...] = ()  # the cities of the last turns, most recent first (for "die beiden")
    listed: tuple[tuple[str, str], ...] = ()  # (city, project) the last listing named, in order
    project: tuple[str, str] | None = None  # the project talked about last
    topic: str = ""  # the last standalone question, for "Und Aachen?"
    field: str = ""  # the Handlungsfeld talked about, for "in dem Bereich"
    language: str = ""


@dataclass(frozen=True)
class Turn:
    question: str  # as asked
    standalone: str  # as it was answered, with the conversation's context filled in
    answer: str
    sources: tuple[str, ...]


@dataclass
class Conversation:
    id: str
    focus: Focus = field(default_factory=Focus)
    turns: list[Turn] = field(default_factory=list)
    updated: float = field(default_factory=time.monotonic)


class ConversationStore:
    """Conversations in memory, per id: at most ``max_conversations`` (least recently used go first),
    each keeping its last ``max_turns`` turns, and forgotten ``ttl_s`` seconds after their last turn."""

    def __init__(self, max_conversations: int = 10_000, max_turns: int = 20, ttl_s: float = 3600.0,
                 clock=time.monotonic) -> None:
        if max_conversations < 1 or max_turns < 1 or ttl_s <= 0:
            raise ValueError(f"bad conversation limits: {max_conversations}, {max_turns}, {ttl_s}")
        self.max_conversations = max_conversations
        self.max_turns = max_turns
        self.ttl_s = ttl_s
        self._clock = clock
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._items)

    def _expire(self) -> None:
        now = self._clock()
        while self._items:
            oldest = next(iter(self._items.values()))
            if now - oldest.updated <= self.ttl_s:
                break
            self._items.popitem(last=False)

    def new(self) -> str:
        """A fresh conversation id (unguessable, URL-safe)."""
        with self._lock:
            self._expire()
            cid = secrets.token_urlsafe(12)
            self._items[cid] = Conversation(cid, updated=self._clock())
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)
            return cid

    def get(self, cid: str, lang: str = "de") -> Conversation:
        """The conversation, or UnknownConversation if it was never issued or has expired."""
        with self._lock:
            self._expire()
            conversation = self._items.get(cid) if isinstance(cid, str) else None
            if conversation is None:
                raise UnknownConversation(say(lang, "unknown_conversation"))
            return conversation

    def restore(self, cid: str, focus: Focus) -> None:
        """Continue conversation ``cid`` from ``focus`` (carried by the client, perhaps from another process);
        the turns this process kept of it stay."""
        with self._lock:
            self._expire()
            conversation = self._items.get(cid) or Conversation(cid)
            conversation.focus = focus
            conversation.updated = self._clock()
            self._items[cid] = conversation
            self._items.move_to_end(cid)
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)

    def record(self, cid: str, turn: Turn, focus: Focus) -> None:
        """Append a turn and the focus after it; the conversation moves to the back of the expiry queue."""
        with self._lock:
            conversation = self._items.get(cid)
            if conversation is None:  # expired while answering: keep it alive under its id
                conversation = self._items[cid] = Conversation(cid)
            conversation.turns.append(turn)
            del conversation.turns[: -self.max_turns]
            conversation.focus = replace(focus)
            conversation.updated = self._clock()
            self._items.move_to_end(cid)


@dataclass(frozen=True)
class Resolved:
    """A question made standalone: its text for answering, and the cities and project it is about."""

    text: str
    cities: tuple[str, ...] = ()
    project: tuple[str, str] | None = None
    how: str = ""  # which rule resolved it ("" if it stood alone)


_ORDINALS = {
    "erste": 0, "ersten": 0, "erstes": 0, "first": 0, "zweite": 1, "zweiten": 1, "zweites": 1, "second": 1,
    "dritte": 2, "dritten": 2, "drittes": 2, "third": 2, "vierte": 3, "vierten": 3, "viertes": 3, "fourth": 3,
    "fünfte": 4, "fünften": 4, "fünftes": 4, "fifth": 4, "letzte": -1, "letzten": -1, "letztes": -1, "last": -1,
}
_ORDINAL = re.compile(r"\b(?:(?:das|die|der|den|dem|the)\s+)?(" + "|".join(_ORDINALS) + r")\b"
                      r"(?:\s+(?:one|project|projekt|projektbeispiel|leuchtturmprojekt)\b)?", re.I)
_BOTH = re.compile(r"\bbeiden\b|\bbeide\b|\bboth\b|\bthe two\b|\bdie zwei\b|\bthese (?:two )?cities\b", re.I)
_LEAD = re.compile(r"^\s*(?:und|and|aber|but|what about|how about|was ist mit|wie ist es mit|wie sieht es (?:in|mit)"
                   r"|wie steht es um|und wie ist es (?:in|mit))\b", re.I)
_FILLER = {"in", "mit", "für", "fur", "for", "bei", "dort", "there", "die", "der", "das", "the", "stadt", "city",
           "s", "what", "about", "wie", "ist", "es", "was"}
_THAT_FIELD = re.compile(r"\b(?:dem|diesem|jenem|dem gleichen|demselben) (?:bereich|handlungsfeld|feld|thema)\b|"
                         r"\b(?:that|this|the same) (?:field|area|topic)\b|\bdort\b|\bthere\b", re.I)
_ABOUT_ALL = re.compile(r"\bwelche(?:n|r)? (?:der )?st[äa]dte\b|\bin welchen st[äa]dten\b|\bwhich (?:\w+ )?cities\b|"
                        r"\b(?:die|den|der|alle|allen) st[äa]dte[n]?\b|\bthe cities\b|\ball cities\b|\bstudie\b|"
                        r"\bstudy\b|\batlas\b|\banhang\b|\bappendix\b", re.I)
_ANAPHORA = re.compile(r"\bdort\b|\bthere\b|\bdie stadt\b|\bder stadt\b|\bthe city\b|\bthis city\b|\bits\b|"
                       r"\bihre[nmrs]?\b|\bseine[nmrs]?\b|\bdaran\b|\bdiese[rnms]?\b|\bthis\b|\bthat\b", re.I)
_PROJECT_WORD = re.compile(r"projekt|project|\bone\b|\bdas (aus|in|von)\b", re.I)
# "Who runs it?", "Wer betreibt es?", "Wie viele Partner hat das Projekt?": the project talked about last.
_IT = re.compile(r"\bit\b|\bits\b|\bes\b(?! gibt)|(?<!gibt )\bes\b|\b(?:das|dieses|this|that|the) (?:projekt|project)\b|"
                 r"\bdafür\b|\bdaran\b|\bdabei\b", re.I)


# "Welche sind das?", "Which are they?", "Nenne sie": the things the last answer counted.
_WHICH_ARE_THOSE = re.compile(r"^\W*(?:und\s+|and\s+)?(?:welche\s+(?:sind|waren)\s+(?:das|dies|diese|es)|welche\s+denn|"
                              r"which\s+(?:are|were)\s+(?:they|those|these|that)|which\s+ones|what\s+are\s+they|"
                              r"(?:nenne|nenn|liste|list|name)\s+(?:sie|die|them|those|these)(?:\s+auf)?)\b", re.I)
_HOW_MANY = re.compile(r"\bwie\s*viele\b|\bhow many\b|\bwhat number of\b|\banzahl der\b|\bnumber of\b", re.I)
# "Welche Städte haben einen CDO?" - "Wie viele sind das?": the list again, whose head counts it.
_HOW_MANY_ARE_THOSE = re.compile(r"^\W*(?:und\s+|and\s+|so\s+)?(?:wie\s*viele|how many)(?:\s+\w+)?\s+"
                                 r"(?:sind|waren|are|were|is)\s+(?:das|dies|diese|es|those|these|that|they|there)"
                                 r"(?:\s+(?:denn|insgesamt|genau|in total|altogether|exactly))?\W*$", re.I)
_LISTS = re.compile(r"^\W*(?:welche|which|what|nenne|list|name|in welchen|in which)\b", re.I)
# "Which other cities have one?", "Wo gibt es das noch?": the last question, asked of all the other cities.
_OTHER_CITIES = re.compile(r"\b(?:welche|which|what)\s+(?:anderen?|weiteren?|other|else)\s+(?:st[äa]dte|cities|towns|kommunen)\b|"
                           r"\b(?:andere[nr]?|weitere[nr]?|other|more)\s+(?:st[äa]dte[n]?|cities|towns|kommunen)\b|"
                           r"\bwo (?:gibt es|gab es) (?:das|so etwas|sowas) (?:noch|auch)\b|\bwhere else\b|"
                           r"\b(?:anderswo|woanders|elsewhere)\b|"
                           r"\bwer (?:hat|macht) (?:das|so etwas|sowas) (?:noch|auch)\b", re.I)
# "Seit wann?", "And why?", "Wer denn genau?": nothing but a question word, asked about the last question's topic.
_ASK = (r"seit wann|bis wann|ab wann|since when|until when|by when|wie\s*viele|wie\s*viel|wie lange|how many|"
        r"how much|how long|mit wem|von wem|with whom|by whom|welche[rsnm]?|which|what|wann|warum|wieso|weshalb|"
        r"wer|wo|wie|was|when|why|who|where|how")
_BARE_ASK = re.compile(rf"^\W*(?:(?:und|and|aber|but|also|so)\s+)?(?P<ask>{_ASK})"
                       r"(?:\s+(?:denn|genau|eigentlich|dann|das|dies|so|exactly|then|that|is that|was that|so))*\W*$",
                       re.I)
_LEADING_ASK = re.compile(rf"^\W*(?:{_ASK})\b\s*", re.I)
# "Which cities have a living lab?" - "When does the one in Ulm start?": the thing the listing was about, in
# one of the cities named.
_THE_ONE = re.compile(r"\b(?:the|that) one\b|\b(?:das|der|die|den|dem) (?:in|aus|von)\b|\bthe one (?:in|of|from)\b", re.I)
_CITIES_LEAD = re.compile(r"^\W*(?:welche[nr]?|which|what|in welchen|in which)\s+(?:\w+\s+){0,2}?"
                          r"(?:st[äa]dte[n]?|kommunen|cities|towns|municipalities)\b\s*", re.I)
_SUPERLATIVE = re.compile(r"\b(?:\w+(?:est|ste|sten|ster|stes)|most|fewest|least|meisten|wenigsten)\b", re.I)
_ARTICLES = {"a", "an", "the", "ein", "eine", "einen", "einem", "einer", "der", "die", "das", "den", "dem"}
# A fragment that only swaps one thing of the last question: "Und im Bereich Bildung?", "And for education?"
_FRAGMENT_WORDS = 6


class FollowUps:
    """Turns a follow-up into a standalone question using the conversation's focus.

    ``matcher`` finds cities in text (:class:`assistant.cities.CityMatcher`)."""

    def __init__(self, matcher, field_of=None) -> None:
        self.matcher = matcher
        self.field_of = field_of or (lambda text: None)  # the Handlungsfeld a text names, if one

    def run(self, question: str, focus: Focus) -> Resolved:
        named = tuple(self.matcher.profiled(question))
        if not named and any(not m.profiled for m in self.matcher.find(question)):
            # "Und in Mannheim?": a town without a profile is not the city in focus (the next "Und Ulm?" still asks
            # the question before it)
            return Resolved(question, how="unprofiled")
        if focus.topic and _WHICH_ARE_THOSE.search(question) and _HOW_MANY.search(focus.topic):
            # "Wie viele Leuchtturmprojekte gibt es im Bereich Gesundheit?" - "Welche sind das?"
            listing = _HOW_MANY.sub(lambda m: "which" if m.group(0).lower().startswith(("how", "what", "number"))
                                    else "welche", focus.topic, count=1)
            return Resolved(listing, focus.cities if not _ABOUT_ALL.search(listing) else (), None, "those")
        bare = _BARE_ASK.match(question)
        if focus.topic and (_HOW_MANY_ARE_THOSE.search(question) or bare and _HOW_MANY.match(bare.group("ask"))) \
                and _LISTS.search(focus.topic):
            return Resolved(focus.topic, tuple(self.matcher.profiled(focus.topic)), None, "count those")
        if focus.topic and not named and _OTHER_CITIES.search(question):
            # "Hat Darmstadt einen CDO?" - "Welche anderen Städte haben einen?": every profile is read for it
            topic = focus.topic
            for city in focus.cities:
                topic = topic.replace(f"({city})", " ").replace(city, " ")
            lead = "Which cities:" if re.search(r"\b(?:which|what|other|else|cities)\b", question, re.I) else "Welche Städte:"
            return Resolved(re.sub(r"\s{2,}", " ", f"{lead} {topic}").strip(), (), None, "other cities")
        if focus.topic and bare:
            # "Hat Bonn einen CDO?" - "Seit wann?": "Seit wann hat Bonn einen CDO?"
            topic = _LEADING_ASK.sub("", focus.topic, count=1)
            if YES_NO_START.match(topic):
                topic = topic[:1].lower() + topic[1:]
            return Resolved(f"{bare.group('ask')} {topic}", focus.cities, focus.project, "bare question")
        new_field = self.field_of(question)
        old_field = self.field_of(focus.topic) if focus.topic else None
        if (new_field and old_field and new_field != old_field and _LEAD.search(question)
                and len(re.findall(r"\w+", question)) <= _FRAGMENT_WORDS and not named):
            # "Welche Projekte gibt es in Bamberg im Bereich Mobilität?" - "Und im Bereich Bildung?"
            swapped = re.sub(rf"(?:{FIELD_NAMES[old_field]})[\w-]*", new_field, focus.topic, count=1, flags=re.I)
            return Resolved(swapped, focus.cities, None, "same question")
        swapped = self._swap_thing(focus.topic, question) if focus.topic and not named else None
        if swapped is not None:
            # "Welche Städte haben einen CDO?" - "Und einen CIO?"; "the largest area" - "And the smallest?"
            return Resolved(swapped, focus.cities if not _ABOUT_ALL.search(swapped) else (), None, "same question")
        if focus.field and _THAT_FIELD.search(question) and not self.field_of(question):
            question = f"{question} (Handlungsfeld {focus.field})"
        ordinal = _ORDINAL.search(question)
        if ordinal and focus.listed:
            listed = [x for x in focus.listed if x[0] in named] or list(focus.listed) if named else list(focus.listed)
            index = _ORDINALS[ordinal.group(1).lower()]
            if -len(listed) <= index < len(listed):
                city, title = listed[index]
                text = question[: ordinal.start()] + f"»{title}«" + question[ordinal.end():]
                return Resolved(text, (city,), (city, title), "ordinal")
        if named and focus.listed and _PROJECT_WORD.search(question):
            mine = [x for x in focus.listed if x[0] in named]
            if len(mine) == 1:
                city, title = mine[0]
                return Resolved(f"{question} (»{title}«)", (city,), (city, title), "project of city")
        if named and focus.topic and _THE_ONE.search(question) and _CITIES_LEAD.search(focus.topic):
            thing = _CITIES_LEAD.sub("", focus.topic, count=1).rstrip(" ?")
            return Resolved(f"{question} ({thing})", named, None, "the one in")
        if named and focus.topic and self._only_names(question, named):
            return Resolved(self._swap_city(focus.topic, focus.cities, named), named, None, "same question")
        if named:
            return Resolved(question, named)
        if _BOTH.search(question) and len(focus.recent) >= 2:
            return Resolved(question, focus.recent[:2], None, "both")
        if _ABOUT_ALL.search(question) and not _ANAPHORA.search(question):
            return Resolved(question)  # a question about all cities or the study, not the city in focus
        if self.field_of(question) and _PROJECT_WORD.search(question) and not _ANAPHORA.search(question):
            return Resolved(question)  # "Welche Leuchtturmprojekte gibt es im Bereich Gesundheit?"
        if focus.project and _IT.search(question):
            city, title = focus.project
            return Resolved(f"{question} (»{title}«, {city})", (city,), focus.project, "project")
        if focus.cities:
            # The city in focus is named in the standalone question, so that retrieval sees it too.
            text = f"{question} ({', '.join(focus.cities)})"
            return Resolved(text, focus.cities, focus.project if focus.project else None, "focus")
        return Resolved(question)

    @staticmethod
    def _swap_thing(topic: str, question: str) -> str | None:
        """The last question with one thing swapped, for a fragment that names only that thing: a superlative
        for a superlative ("And the smallest?"), or what follows the same article ("Und einen CIO?")."""
        if not _LEAD.search(question) or QUESTION_WORD.search(question):
            return None
        words = re.findall(r"[\w@.-]+", _LEAD.sub(" ", question, count=1))
        if not words or len(words) > 4:
            return None
        superlative = [w for w in words if _SUPERLATIVE.fullmatch(w)]
        if superlative and len(words) <= 2:
            old = _SUPERLATIVE.search(topic)
            return None if old is None else topic[: old.start()] + superlative[0] + topic[old.end():]
        article = words[0].lower()
        if article not in _ARTICLES or len(words) < 2:
            return None
        old = re.search(rf"\b{article}\s+(.+?)(?=\s+(?:in|im|für|for|bei|at|of|von|mit|with|seit|since)\b|[?,.]|$)",
                        topic, re.I)
        if old is None:
            return None
        return topic[: old.start(1)] + " ".join(words[1:]) + topic[old.end(1):]

    def _only_names(self, question: str, named: tuple[str, ...]) -> bool:
        """'Und Aachen?', 'What about Munich?': nothing but a connector and city names."""
        if not _LEAD.search(question):
            return False
        rest = _LEAD.sub(" ", question)
        words = re.findall(r"\w+", rest)
        left = [w for w in words if not self.matcher.profiled(w) and w.lower() not in _FILLER]
        for name in named:  # multi-word names ("Monheim am Rhein") leave their parts behind
            left = [w for w in left if w.lower() not in name.lower().split()]
        return not left

    def _swap_city(self, topic: str, previous: tuple[str, ...], named: tuple[str, ...]) -> str:
        new = " und ".join(named)
        out, swapped = topic, False
        for old in previous:
            if old in out:
                out, swapped = out.replace(old, new if not swapped else "").strip(), True
        if swapped:
            return re.sub(r"\s{2,}", " ", out)
        parts = re.split(r"(\W+)", topic)
        for i, part in enumerate(parts):
            if part.strip() and self.matcher.profiled(part):
                parts[i] = "" if swapped else new
                swapped = True
        return "".join(parts) if swapped else f"{topic} ({new})"


def next_focus(focus: Focus, resolved: Resolved, cited_cities: tuple[str, ...],
               listed: tuple[tuple[str, str], ...], lang: str, field: str | None = None) -> Focus:
    """The focus after a turn: the cities it cited (or was about), its listing, its project."""
    cities = cited_cities or resolved.cities or focus.cities
    if resolved.cities and set(resolved.cities) <= set(cited_cities or resolved.cities):
        cities = resolved.cities
    recent = tuple(dict.fromkeys([*cities, *focus.recent]))[:4]
    return Focus(cities=cities, recent=recent, listed=listed or focus.listed,
                 project=resolved.project or (focus.project if set(cities) == set(focus.cities) else None),
                 topic=focus.topic if resolved.how == "unprofiled" and focus.topic else resolved.text,
                 field=field or focus.field, language=lang)

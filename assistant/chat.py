"""Conversations: what is in focus after each turn, kept per conversation id, bounded and expiring."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from .errors import UnknownConversation
from .messages import say


@dataclass(frozen=True)
class Focus:
    """What a conversation is about after a turn: the code reads it to resolve the next question."""

    cities: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()  # project titles the last answer listed, in order (for "das erste")
    project: str = ""  # the project talked about last
    topic: str = ""  # the last standalone question, for "Und Aachen?"
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

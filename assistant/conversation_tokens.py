"""Conversations that survive a replica change: the client carries the conversation's focus in a signed, expiring
token (the API's ``conversation_id``), so any replica with the same ``ASSISTANT_SECRET_KEY`` can continue it.

Why a token rather than a database: the focus is small (a few city names, the last listing, the last question),
a token needs no shared store that every answer waits for, and it expires by itself (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from .chat import ConversationStore, Focus
from .errors import UnknownConversation
from .messages import say

SALT = "atlas-conversation-v1"
MAX_LISTED = 50  # a listing's (city, project) pairs kept for "das zweite", "the last one"
MAX_TOPIC = 500  # characters of the last question kept for "Und Aachen?"


def _focus_dict(cid: str, focus: Focus) -> dict:
    """The focus with short keys, empty parts left out (the token stays small)."""
    data = {"i": cid, "c": list(focus.cities), "r": list(focus.recent),
            "l": [list(pair) for pair in focus.listed[:MAX_LISTED]], "p": list(focus.project or ()),
            "t": focus.topic[:MAX_TOPIC], "f": focus.field, "g": focus.language}
    return {k: v for k, v in data.items() if v}


def _focus_of(data: dict) -> tuple[str, Focus]:
    def strings(value) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("not a list of strings")
        return tuple(value)

    cid = data["i"]
    if not isinstance(cid, str) or not cid:
        raise ValueError("no conversation id")
    project = strings(data.get("p", []))
    focus = Focus(cities=strings(data.get("c", [])), recent=strings(data.get("r", [])),
                  listed=tuple(strings(pair) for pair in data.get("l", [])),
                  project=project if len(project) == 2 else None, topic=str(data.get("t", "")),
                  field=str(data.get("f", "")), language=str(data.get("g", "")))
    if any(len(pair) != 2 for pair in focus.listed):
        raise ValueError("a listed item is not (city, project)")
    return cid, focus


class ConversationTokens:
    """Signs a conversation's focus into a URL-safe token and reads it back (``ttl_s`` after it was issued it
    expires). ``secret``: the same on every replica; at least 16 characters."""

    def __init__(self, secret: str, ttl_s: float = 3600.0, clock: Callable[[], float] = time.time) -> None:
        if len(secret) < 16:
            raise ValueError("the secret key must have at least 16 characters")
        if ttl_s <= 0:
            raise ValueError(f"ttl_s must be positive, got {ttl_s}")
        self.ttl_s = ttl_s
        signer = type("ClockedSigner", (TimestampSigner,), {"get_timestamp": lambda _self: int(clock())})
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT, signer=signer,
                                                  signer_kwargs={"digest_method": hashlib.sha256})

    @classmethod
    def ephemeral(cls, ttl_s: float = 3600.0) -> ConversationTokens:
        """Tokens only this process can read (no secret key set: conversations stay on one replica)."""
        return cls(secrets.token_urlsafe(32), ttl_s)

    def issue(self, cid: str, focus: Focus) -> str:
        return self._serializer.dumps(_focus_dict(cid, focus))

    def read(self, token: object, lang: str = "de") -> tuple[str, Focus]:
        """The conversation id and focus; UnknownConversation if forged, damaged, from another key or expired."""
        try:
            if not isinstance(token, str) or len(token) > 8192:
                raise ValueError("not a token")
            return _focus_of(self._serializer.loads(token, max_age=self.ttl_s))
        except (BadSignature, ValueError, KeyError, TypeError) as exc:
            raise UnknownConversation(say(lang, "unknown_conversation")) from exc


class CarriedConversations:
    """The API's side of it: a token in, the conversation restored into this process's store; after the
    answer, the new focus out as the next token."""

    def __init__(self, tokens: ConversationTokens, store: ConversationStore) -> None:
        self.tokens = tokens
        self.store = store

    def open(self, token: str | None, lang: str = "de") -> str:
        """The conversation id to answer in: a new conversation for no token, else the token's, restored."""
        if token is None:
            return self.store.new()
        cid, focus = self.tokens.read(token, lang)
        self.store.restore(cid, focus)
        return cid

    def token(self, cid: str) -> str:
        """The token of the conversation's current focus (what the client sends with its next question)."""
        return self.tokens.issue(cid, self.store.get(cid).focus)

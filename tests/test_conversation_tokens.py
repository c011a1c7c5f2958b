"""Signed, expiring conversation tokens: the focus round-trips, stays small, and a forged, damaged, foreign or
expired token is an unknown conversation; two apps with the same key continue each other's conversations."""

from __future__ import annotations

import pytest
from conftest import make_mini_assistant
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.chat import ConversationStore, Focus, Turn
from assistant.conversation_tokens import MAX_LISTED, MAX_TOPIC, CarriedConversations, ConversationTokens
from assistant.errors import UnknownConversation
from assistant.settings import Settings

SECRET = "a-secret-key-shared-by-the-replicas"
FOCUS = Focus(cities=("Bamberg",), recent=("Bamberg", "Aachen"),
              listed=(("Bamberg", "Smart City Bamberg"), ("Bamberg", "Digitales Gründerzentrum")),
              project=("Bamberg", "Smart City Bamberg"), topic="Wie viele Einwohner hat Bamberg?",
              field="Mobilität", language="de")


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_focus_round_trips_and_stays_small():
    tokens = ConversationTokens(SECRET)
    token = tokens.issue("c-1", FOCUS)
    assert tokens.read(token) == ("c-1", FOCUS)
    assert len(token) < 400 and token.isascii() and " " not in token  # fits a URL, a header, a JSON field
    assert tokens.read(tokens.issue("c-2", Focus())) == ("c-2", Focus())


def test_a_long_listing_and_question_are_cut_to_a_bounded_token():
    listed = tuple((f"Stadt {i}", f"Ein Leuchtturmprojekt mit einem langen Namen Nummer {i}") for i in range(144))
    big = Focus(cities=("Aachen",), listed=listed, topic="Wie " + "sehr " * 600 + "?")
    _, focus = ConversationTokens(SECRET).read(ConversationTokens(SECRET).issue("c", big))
    assert focus.listed == listed[:MAX_LISTED] and focus.topic == big.topic[:MAX_TOPIC]
    assert len(ConversationTokens(SECRET).issue("c", big)) < 4096


@pytest.mark.parametrize("bad", ["", "never-issued", "x" * 9000, None, 42])
def test_what_was_never_issued_is_an_unknown_conversation(bad):
    with pytest.raises(UnknownConversation, match="unbekannt|abgelaufen"):
        ConversationTokens(SECRET).read(bad)


def test_a_changed_token_or_another_key_is_refused():
    token = ConversationTokens(SECRET).issue("c-1", FOCUS)
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    with pytest.raises(UnknownConversation):
        ConversationTokens(SECRET).read(flipped)
    with pytest.raises(UnknownConversation):
        ConversationTokens("another-key-of-another-server").read(token)


def test_a_token_expires_after_its_time():
    clock = Clock()
    tokens = ConversationTokens(SECRET, ttl_s=3600, clock=clock)
    token = tokens.issue("c-1", FOCUS)
    clock.now += 3600
    assert tokens.read(token)[0] == "c-1"
    clock.now += 2
    with pytest.raises(UnknownConversation):
        tokens.read(token, "en")


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(ValueError, match="16 characters"):
        ConversationTokens("short")
    with pytest.raises(ValueError, match="ttl_s"):
        ConversationTokens(SECRET, ttl_s=0)
    with pytest.raises(ValueError, match="16 characters"):
        Settings(secret_key="short")


def test_restoring_keeps_this_processes_turns_and_takes_the_carried_focus():
    store = ConversationStore()
    carried = CarriedConversations(ConversationTokens(SECRET), store)
    cid = carried.open(None)
    store.record(cid, Turn("q", "q", "a", ()), Focus(cities=("Aachen",)))
    assert carried.open(carried.tokens.issue(cid, FOCUS)) == cid
    assert store.get(cid).focus == FOCUS and len(store.get(cid).turns) == 1
    elsewhere = ConversationStore()  # another replica: the conversation is new to it
    assert CarriedConversations(ConversationTokens(SECRET), elsewhere).open(carried.token(cid)) == cid
    assert elsewhere.get(cid).focus == FOCUS and elsewhere.get(cid).turns == []


def _app(assistant, secret: str) -> TestClient:
    settings = Settings(api_keys=[], rate_limit_per_minute=0, cors_origins=[], secret_key=secret)
    return TestClient(create_app(assistant, settings, ui=False))


def test_two_apps_with_one_key_continue_each_others_conversations(mini_assistant):
    other = make_mini_assistant(mini_assistant.store.index_dir)  # its own memory of conversations
    other.ensure_index()
    with _app(mini_assistant, SECRET) as a, _app(other, SECRET) as b, _app(other, "not-the-same-key-at-all") as c:
        first = a.post("/api/v1/ask", json={"question": "Wie viele Einwohner hat Bamberg?"}).json()
        follow = b.post("/api/v1/ask", json={"question": "Und die Fläche?",
                                             "conversation_id": first["conversation_id"]})
        alone = b.post("/api/v1/ask", json={"question": "Und die Fläche?"}).json()
        foreign = c.post("/api/v1/ask", json={"question": "Und die Fläche?",
                                              "conversation_id": first["conversation_id"]})
    assert follow.status_code == 200 and "Bamberg" in follow.json()["answer"] and "55" in follow.json()["answer"]
    assert "Bamberg" not in alone["answer"]
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "unknown_conversation"


def test_the_openai_endpoint_continues_another_apps_conversation(mini_assistant):
    other = make_mini_assistant(mini_assistant.store.index_dir)
    other.ensure_index()
    user = {"role": "user", "content": "Wie viele Einwohner hat Bamberg?"}
    with _app(mini_assistant, SECRET) as a, _app(other, SECRET) as b:
        first = a.post("/v1/chat/completions", json={"messages": [user]}).json()
        by_token = b.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "Und die Fläche?"}],
                                                        "conversation_id": first["conversation_id"]}).json()
        by_history = b.post("/v1/chat/completions", json={"messages": [
            user, {"role": "assistant", "content": first["choices"][0]["message"]["content"]},
            {"role": "user", "content": "Und die Fläche?"}]}).json()  # B never saw it: the history is replayed
    for reply in (by_token, by_history):
        assert "Bamberg" in reply["choices"][0]["message"]["content"] and "55" in reply["choices"][0]["message"]["content"]

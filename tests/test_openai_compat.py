"""The OpenAI-compatible endpoint, called by the official ``openai`` client against a real server."""

from __future__ import annotations

import json

import openai
import pytest
from conftest import free_port
from fastapi.testclient import TestClient
from live_server import running

from assistant.api import create_app
from assistant.conversation_tokens import ConversationTokens
from assistant.openai_compat import MODEL_ID, ChatMessage, HistoryIndex
from assistant.settings import Settings

AACHEN = "Wie viele Einwohner hat Aachen?"
SECRET = "test-secret-key-of-the-replicas"


def settings(**overrides) -> Settings:
    base = {"api_keys": ["test-key"], "rate_limit_per_minute": 0, "cors_origins": [], "log_questions": False,
            "secret_key": SECRET}
    return Settings(**{**base, **overrides})


def conversation_of(token: str) -> str:
    """The conversation a conversation token (the ``conversation_id`` of an answer) belongs to."""
    return ConversationTokens(SECRET).read(token)[0]


@pytest.fixture(scope="module")
def server(mini_assistant):
    with running(create_app(mini_assistant, settings(), ui=False), free_port()) as url:
        yield url


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=f"{server}/v1", api_key="test-key", max_retries=0, timeout=20)


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def test_models_lists_the_assistant(client):
    assert [m.id for m in client.models.list()] == [MODEL_ID]


def test_completion_keeps_markers_and_carries_citations(client):
    completion = client.chat.completions.create(model=MODEL_ID, messages=[
        {"role": "system", "content": "You are a helpdesk bot."}, user(AACHEN)])
    message = completion.choices[0].message
    assert message.role == "assistant" and "246.272" in message.content and "[1]" in message.content
    assert completion.choices[0].finish_reason == "stop"
    extra = completion.model_extra
    assert extra["citations"][0]["n"] == 1 and extra["citations"][0]["source"] == "Aachen"
    assert "246.272" in extra["citations"][0]["quote"]
    assert extra["refused"] is False and extra["language"] == "de" and extra["conversation_id"]
    assert completion.usage.completion_tokens > 0


def test_streamed_completion_ends_with_the_citations(client):
    stream = client.chat.completions.create(model=MODEL_ID, messages=[user(AACHEN)], stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) >= 3 and "246.272" in text and "[1]" in text
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["citations"][0]["source"] == "Aachen" and last.model_extra["answer"] == text
    assert all("citations" not in c.model_extra for c in chunks[:-1])


def test_follow_up_from_the_replayed_history(client):
    """A fresh history is replayed: the earlier user turn gives the follow-up its context."""
    messages = [user(AACHEN), {"role": "assistant", "content": "(an answer this server never gave)"},
                user("Und Bamberg?")]
    completion = client.chat.completions.create(model=MODEL_ID, messages=messages)
    assert "77.179" in completion.choices[0].message.content


def test_follow_up_continues_the_conversation_this_server_answered(client, mini_assistant):
    first = client.chat.completions.create(model=MODEL_ID, messages=[user(AACHEN)])
    cid = first.model_extra["conversation_id"]
    history = [user(AACHEN), {"role": "assistant", "content": first.choices[0].message.content}]
    stream = client.chat.completions.create(model=MODEL_ID, messages=[*history, user("Und Bamberg?")], stream=True)
    chunks = list(stream)
    assert "77.179" in "".join(c.choices[0].delta.content or "" for c in chunks)
    assert conversation_of(chunks[-1].model_extra["conversation_id"]) == conversation_of(cid)
    assert len(mini_assistant.conversations.get(conversation_of(cid)).turns) == 2  # continued, not replayed


def test_explicit_conversation_id_in_the_extra_body(client):
    first = client.chat.completions.create(model=MODEL_ID, messages=[user(AACHEN)])
    cid = first.model_extra["conversation_id"]
    follow = client.chat.completions.create(model=MODEL_ID, messages=[user("Und Bamberg?")],
                                            extra_body={"conversation_id": cid})
    assert "77.179" in follow.choices[0].message.content
    assert conversation_of(follow.model_extra["conversation_id"]) == conversation_of(cid)
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model=MODEL_ID, messages=[user(AACHEN)],
                                       extra_body={"conversation_id": "expired"})
    assert err.value.body["code"] == "unknown_conversation"


def test_language_option_in_the_extra_body(client):
    completion = client.chat.completions.create(model=MODEL_ID, messages=[user("Einwohner Aachen")],
                                                extra_body={"language": "en"})
    assert "246,272" in completion.choices[0].message.content and completion.model_extra["language"] == "en"


@pytest.mark.parametrize("stream", [False, True])
def test_bad_questions_are_400_before_any_stream(client, stream):
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model=MODEL_ID, messages=[user("   ")], stream=stream)
    assert err.value.status_code == 400 and "Frage" in err.value.message
    with pytest.raises(openai.BadRequestError, match="last message must be a user message"):
        client.chat.completions.create(model=MODEL_ID, stream=stream, messages=[
            user(AACHEN), {"role": "assistant", "content": "246.272"}])


def test_wrong_key_is_an_authentication_error(server):
    bad = openai.OpenAI(base_url=f"{server}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(model=MODEL_ID, messages=[user(AACHEN)])


def test_rate_limit_is_a_rate_limit_error(mini_assistant):
    with running(create_app(mini_assistant, settings(rate_limit_per_minute=1), ui=False), free_port()) as url:
        limited = openai.OpenAI(base_url=f"{url}/v1", api_key="test-key", max_retries=0)
        limited.chat.completions.create(model=MODEL_ID, messages=[user(AACHEN)])
        with pytest.raises(openai.RateLimitError) as err:
            limited.chat.completions.create(model=MODEL_ID, messages=[user(AACHEN)])
    assert err.value.response.headers["Retry-After"]


def test_failure_after_the_stream_began_is_an_error_event(mini_assistant, monkeypatch):
    def pieces_then_failure(*args, **kwargs):
        from assistant.types import Delta

        yield Delta("Aachen hat ")
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(mini_assistant, "stream", pieces_then_failure)
    with TestClient(create_app(mini_assistant, settings(api_keys=[]), ui=False)) as c:
        r = c.post("/v1/chat/completions", json={"messages": [user(AACHEN)], "stream": True})
    events = [line[6:] for line in r.text.splitlines() if line.startswith("data: ")]
    assert r.status_code == 200 and events[-1] == "[DONE]"
    error = json.loads(events[-2])["error"]
    assert error["code"] == "internal_error" and "fire" not in r.text


def test_content_parts_and_history_index():
    parts = ChatMessage(role="user", content=[{"type": "text", "text": "Wie viele"},
                                              {"type": "image_url", "image_url": {"url": "x"}},
                                              {"type": "text", "text": "Einwohner?"}])
    assert parts.text() == "Wie viele\nEinwohner?"
    index = HistoryIndex(max_items=2)
    for i in range(3):
        index.remember([("user", f"q{i}")], f"c{i}")
    assert index.find([("user", "q0")]) is None and index.find([("user", "q2")]) == "c2"
    with pytest.raises(ValueError, match="0"):
        HistoryIndex(max_items=0)

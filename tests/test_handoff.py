"""A way to a person: which questions ask for one, and the contact in the service, the API, the OpenAI-compatible
endpoint and the chat UI (with and without a configured contact)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from assistant.api import create_app
from assistant.handoff import MODE, PACK, Contact, Handoff, HandoffRequests
from assistant.messages import say
from assistant.settings import Settings
from assistant.ui import ChatHandlers

ROOT = Path(__file__).resolve().parent.parent
CONTACT = Contact("Bürgerservice, Mo–Fr 8–18 Uhr", "https://stadt.example/kontakt", "digital@stadt.example",
                  "+49 30 1234-567")
REFUSED = "Wer ist der Bürgermeister von Hamburg?"
AACHEN = "Wie viele Einwohner hat Aachen?"
PACKED = tomllib.loads(PACK.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def requests_() -> HandoffRequests:
    return HandoffRequests.from_file()


@pytest.mark.parametrize("question", PACKED["examples"])
def test_the_packs_wordings_ask_for_a_person(requests_, question):
    assert requests_.run(question)


@pytest.mark.parametrize("question", PACKED["not_examples"])
def test_questions_about_the_report_do_not(requests_, question):
    assert not requests_.run(question)


def test_a_named_city_makes_it_a_question_about_the_report(requests_):
    assert requests_.run("Gibt es eine Hotline?")
    assert not requests_.run("Gibt es eine Hotline?", names_city=True)  # "Hat Ulm eine Hotline?"


def test_no_evaluation_question_is_taken_for_a_request(requests_):
    questions = []
    for path in sorted((ROOT / "eval").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            questions += [item.get("question")] + [t.get("question") for t in item.get("turns", [])
                                                    if isinstance(t, dict)]
    questions = [q for q in questions if q]
    assert len(questions) > 500
    assert [q for q in questions if requests_.run(q)] == []


def test_a_contact_is_shown_only_with_refusals_and_replies(mini_assistant):
    handoff = Handoff(CONTACT)
    reply = handoff.reply("Kann ich mit jemandem sprechen?", "de")
    assert reply.mode == MODE and not reply.refused and reply.text == say("de", "handoff_offer")
    refused = mini_assistant.ask(REFUSED)
    answered = mini_assistant.ask(AACHEN)
    assert refused.refused and handoff.for_answer(refused) is CONTACT
    assert handoff.for_answer(answered) is None
    assert Handoff().for_answer(refused) is None  # nothing configured: nothing shown


def test_without_a_contact_a_request_says_so_and_what_the_assistant_can_do(mini_assistant):
    for question, lang in (("Kann ich mit jemandem sprechen?", "de"), ("I want to talk to a person", "en")):
        answer = mini_assistant.ask(question)
        assert answer.mode == MODE and answer.language == lang and answer.text == say(lang, "handoff_none")
        assert "50" in answer.text and not answer.citations


def test_a_request_inside_a_conversation_keeps_its_focus(mini_assistant):
    cid = mini_assistant.new_conversation()
    mini_assistant.ask(AACHEN, conversation_id=cid)
    person = mini_assistant.ask("Hotline?", conversation_id=cid)
    assert person.mode == MODE and person.conversation_id == cid
    follow = mini_assistant.ask("Und Bamberg?", conversation_id=cid)
    assert "77.179" in follow.text


def test_the_contact_as_text_names_every_way():
    text = CONTACT.lines("en")
    assert text.startswith("Talk to a person: Bürgerservice")
    assert "Phone: +49 30 1234-567" in text and "E-mail: digital@stadt.example" in text
    assert "Web: https://stadt.example/kontakt" in text and CONTACT.tel == "+49301234567"


@pytest.mark.parametrize("field, value", [("handoff_url", "javascript:alert(1)"), ("handoff_email", "nobody"),
                                          ("handoff_phone", "call me")])
def test_bad_contact_settings_are_rejected(field, value):
    with pytest.raises(ValidationError, match="not a"):
        Settings(**{field: value})


def _client(assistant) -> TestClient:
    settings = Settings(api_keys=[], rate_limit_per_minute=0, cors_origins=[])
    return TestClient(create_app(assistant, settings, ui=False))


def test_the_api_returns_the_handoff_object(mini_assistant, monkeypatch):
    with _client(mini_assistant) as client:
        assert client.post("/api/v1/ask", json={"question": REFUSED}).json()["handoff"] is None  # not configured
        monkeypatch.setattr(mini_assistant, "handoff", Handoff(CONTACT))
        refused = client.post("/api/v1/ask", json={"question": REFUSED}).json()
        asked = client.post("/api/v1/ask", json={"question": "Can I speak to a human?"}).json()
        answered = client.post("/api/v1/ask", json={"question": AACHEN}).json()
    assert refused["refused"] and refused["handoff"] == CONTACT.to_dict()
    assert asked["handoff"] == CONTACT.to_dict() and asked["answer"] == say("en", "handoff_offer")
    assert answered["handoff"] is None


def test_the_openai_endpoint_appends_the_contact_and_a_field(mini_assistant, monkeypatch):
    monkeypatch.setattr(mini_assistant, "handoff", Handoff(CONTACT))
    body = {"model": "smart-city-atlas", "messages": [{"role": "user", "content": REFUSED}]}
    with _client(mini_assistant) as client:
        plain = client.post("/v1/chat/completions", json=body).json()
        streamed = client.post("/v1/chat/completions", json={**body, "stream": True}).text
    content = plain["choices"][0]["message"]["content"]
    assert plain["refused"] is True
    assert content.endswith(CONTACT.lines("de")) and plain["handoff"] == CONTACT.to_dict()
    chunks = [json.loads(line[6:]) for line in streamed.splitlines() if line.startswith("data: {")]
    pieces = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert pieces.endswith(CONTACT.lines("de")) and chunks[-1]["handoff"] == CONTACT.to_dict()


def test_the_chat_shows_the_contact_with_links(mini_assistant, monkeypatch):
    handlers = ChatHandlers(mini_assistant)
    *_, plain = handlers.respond(REFUSED, [], None, None, None)
    assert "tel:" not in plain.history[-1]["content"]
    monkeypatch.setattr(mini_assistant, "handoff", Handoff(CONTACT))
    *_, view = handlers.respond(REFUSED, [], None, None, None)
    shown = view.history[-1]["content"]
    assert "**Persönliche Hilfe:** Bürgerservice" in shown
    assert "[+49 30 1234-567](tel:+49301234567)" in shown and "(mailto:digital@stadt.example)" in shown
    assert "(https://stadt.example/kontakt)" in shown

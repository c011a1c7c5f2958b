"""Streaming: checked sentences as the model writes them, a replace piece when it fails, the Answer last."""

from __future__ import annotations

import time

import pytest
from fake_llm_server import FakeLLMServer, Reply
from test_llm import EXTRACTIVE, HITS, QUESTION, writer_for

from assistant.errors import InputError
from assistant.messages import say
from assistant.types import Answer, Delta


@pytest.fixture
def server():
    with FakeLLMServer() as fake:
        yield fake


def shown(items: list) -> str:
    """What a client shows after applying every piece (a replace piece discards what came before)."""
    text = ""
    for item in items:
        if isinstance(item, Delta):
            text = item.text if item.replace else text + item.text
    return text


def test_a_grounded_answer_streams_sentence_by_sentence(server):
    server.script(Reply("Aachen hat 246.272 Einwohner [2]. In Bamberg ergänzen seit 2019 Tretroller das Angebot [3]. "
                        "Ein Chief Digital Officer koordiniert in Aachen die Verwaltung [1].", piece_chars=3))
    items = list(writer_for(server.url).stream(QUESTION, "de", HITS, EXTRACTIVE))
    answer = items[-1]
    assert isinstance(answer, Answer) and all(isinstance(i, Delta) for i in items[:-1])
    assert [d.text for d in items[:-1]] == ["Aachen hat 246.272 Einwohner [1].",
                                            " In Bamberg ergänzen seit 2019 Tretroller das Angebot [2].",
                                            " Ein Chief Digital Officer koordiniert in Aachen die Verwaltung [3]."]
    assert not any(d.replace for d in items[:-1])
    assert "".join(d.text for d in items[:-1]) == answer.text
    assert answer.mode == "generated" and answer.check["ok"] is True and answer.check["sentences"] == 3
    assert [c.chunk_id for c in answer.citations] == ["aachen-fig", "bamberg-scooter", "aachen-org"]
    assert server.requests[0]["stream"] is True


def test_markers_after_the_full_stop_stream_with_their_sentence(server):
    server.script("Aachen hat 246.272 Einwohner. [2] Bamberg hat Tretroller. [3]")
    items = list(writer_for(server.url).stream(QUESTION, "de", HITS, EXTRACTIVE))
    assert [d.text for d in items[:-1]] == ["Aachen hat 246.272 Einwohner. [1]", " Bamberg hat Tretroller. [2]"]
    assert items[-1].text == "Aachen hat 246.272 Einwohner. [1] Bamberg hat Tretroller. [2]"


def test_an_invented_number_is_never_shown_and_the_extractive_answer_replaces_the_stream(server):
    server.script(Reply("Aachen hat 246.272 Einwohner [2]. Bamberg hat 80.000 Einwohner [3]. "
                        "Ein Chief Digital Officer koordiniert [1].", piece_chars=4))
    items = list(writer_for(server.url).stream(QUESTION, "de", HITS, EXTRACTIVE))
    deltas = items[:-1]
    assert deltas[0] == Delta("Aachen hat 246.272 Einwohner [1].")
    assert deltas[-1] == Delta(EXTRACTIVE.text, replace=True)
    assert len(deltas) == 2
    assert not any("80.000" in d.text for d in deltas)
    answer = items[-1]
    assert answer.text == EXTRACTIVE.text == shown(items) and answer.mode == "extractive"
    assert answer.check["reason"] == "check_failed"
    assert answer.check["problems"] == [
        "number 80.000 is not in the cited passages [3]: »Bamberg hat 80.000 Einwohner [3].«"]


def test_an_uncited_last_sentence_is_caught_when_the_stream_ends(server):
    server.script("Aachen hat 246.272 Einwohner [2]. Das ist viel")
    items = list(writer_for(server.url).stream(QUESTION, "de", HITS, EXTRACTIVE))
    assert items[-2] == Delta(EXTRACTIVE.text, replace=True)
    assert items[-1].check["problems"] == ["no citation: »Das ist viel«"]


def test_a_streamed_refusal_of_the_model_leaves_the_extractive_answer(server):
    server.script(say("en", "refuse"))
    items = list(writer_for(server.url).stream(QUESTION, "en", HITS, EXTRACTIVE))
    assert items == [Delta(EXTRACTIVE.text, replace=True), items[-1]]
    assert items[-1].check["reason"] == "declined" and items[-1].notice == ""


def test_an_empty_stream_falls_back(server):
    server.script("")
    items = list(writer_for(server.url).stream(QUESTION, "de", HITS, EXTRACTIVE))
    assert items == [Delta(EXTRACTIVE.text, replace=True), items[-1]]
    assert items[-1].check["problems"] == ["the answer is empty"]


def test_a_stream_that_stalls_falls_back_within_the_timeout_with_a_notice(server):
    server.script(Reply("Aachen hat 246.272 Einwohner [2]. In Bamberg ergänzen seit 2019 Tretroller das Angebot [3].",
                        piece_chars=5, stall_at=40, stall_s=30))
    start = time.monotonic()
    items = list(writer_for(server.url, timeout_s=1.0).stream(QUESTION, "en", HITS, EXTRACTIVE))
    assert 0.9 <= time.monotonic() - start < 2.0
    assert items[0] == Delta("Aachen hat 246.272 Einwohner [1].")  # shown before the stall, checked
    assert items[-2] == Delta(EXTRACTIVE.text, replace=True)
    assert items[-1].notice == say("en", "llm_timeout") and items[-1].check["reason"] == "timeout"
    assert shown(items) == items[-1].text


def test_a_hung_server_falls_back_within_the_timeout(server):
    server.script(Reply("Aachen hat 246.272 Einwohner [2].", delay_s=30))
    start = time.monotonic()
    items = list(writer_for(server.url, timeout_s=1.0).stream(QUESTION, "de", HITS, EXTRACTIVE))
    assert time.monotonic() - start < 2.0
    assert items == [Delta(EXTRACTIVE.text, replace=True), items[-1]]
    assert items[-1].notice == say("de", "llm_timeout")


def test_sentences_are_released_while_the_model_is_still_writing(server):
    rest = " In Bamberg ergänzen seit 2019 elektrische Tretroller das Angebot in der Altstadt [3]."
    server.script(Reply("Aachen hat 246.272 Einwohner [2]." + rest, piece_chars=4, piece_delay_s=0.08))
    arrivals = []
    for item in writer_for(server.url, timeout_s=10).stream(QUESTION, "de", HITS, EXTRACTIVE):
        arrivals.append((time.monotonic(), item))
    first_at, first = arrivals[0]
    end_at, answer = arrivals[-1]
    assert first == Delta("Aachen hat 246.272 Einwohner [1].")
    assert end_at - first_at > 0.5 * (len(rest) / 4) * 0.08  # the first sentence did not wait for the rest
    assert answer.mode == "generated"


# -- through the assistant -------------------------------------------------------------
QUESTION_AACHEN = "Wer koordiniert in Aachen die digitale Transformation der Verwaltung?"


def test_the_assistant_streams_the_generated_answer(mini_assistant, server, monkeypatch):
    monkeypatch.setattr(mini_assistant, "writer", writer_for(server.url))
    server.script("In Aachen koordiniert ein Chief Digital Officer die digitale Transformation [1]. "
                  "Er ist eine Stabsstelle beim Oberbürgermeister [1].")
    items = list(mini_assistant.stream(QUESTION_AACHEN, language="de"))
    answer = items[-1]
    assert isinstance(answer, Answer) and answer.mode == "generated"
    assert len(items) == 3 and all(isinstance(i, Delta) and not i.replace for i in items[:-1])
    assert "".join(d.text for d in items[:-1]) == answer.text
    assert server.requests[0]["stream"] is True


def test_the_assistant_streams_the_fallback_as_a_replacement(mini_assistant, server, monkeypatch):
    monkeypatch.setattr(mini_assistant, "writer", writer_for(server.url))
    server.script("In Aachen koordinieren 12 Chief Digital Officer die Transformation [1].")
    items = list(mini_assistant.stream(QUESTION_AACHEN, language="de"))
    answer = items[-1]
    assert answer.mode == "extractive" and answer.check["reason"] == "check_failed"
    assert items[-2] == Delta(answer.text, replace=True)
    assert not any("12" in i.text for i in items[:-1])


def test_exact_answers_stream_in_pieces_without_the_model(mini_assistant, server, monkeypatch):
    monkeypatch.setattr(mini_assistant, "writer", writer_for(server.url))
    items = list(mini_assistant.stream("Wie viele Einwohner hat Aachen?", language="de"))
    answer = items[-1]
    assert "246.272" in answer.text and answer.mode != "generated"
    assert len(items) > 2 and "".join(d.text for d in items[:-1]) == answer.text
    assert server.requests == []


def test_input_errors_are_raised_before_the_first_piece(mini_assistant, server, monkeypatch):
    monkeypatch.setattr(mini_assistant, "writer", writer_for(server.url))
    pieces = mini_assistant.stream("   ", language="de")
    with pytest.raises(InputError, match=say("de", "input_empty")):
        next(pieces)


def test_a_streamed_conversation_records_the_generated_answer(mini_assistant, server, monkeypatch):
    monkeypatch.setattr(mini_assistant, "writer", writer_for(server.url))
    cid = mini_assistant.new_conversation()
    server.script("In Aachen koordiniert ein Chief Digital Officer die digitale Transformation [1].")
    items = list(mini_assistant.stream(QUESTION_AACHEN, language="de", conversation_id=cid))
    assert items[-1].conversation_id == cid
    turn = mini_assistant.conversations.get(cid).turns[-1]
    assert turn.answer == items[-1].text and turn.sources == ("Aachen",)


def test_without_a_model_streaming_is_unchanged(mini_assistant):
    assert mini_assistant.writer is None
    items = list(mini_assistant.stream(QUESTION_AACHEN, language="de"))
    answer = items[-1]
    assert answer.mode == "extractive" and len(items) > 2
    assert "".join(d.text for d in items[:-1]) == answer.text


def test_the_openai_compatible_endpoint_streams_checked_sentences(mini_assistant, server, monkeypatch):
    import openai
    from conftest import free_port
    from live_server import running

    from assistant.api import create_app
    from assistant.openai_compat import MODEL_ID
    from assistant.settings import Settings

    monkeypatch.setattr(mini_assistant, "writer", writer_for(server.url))
    first = "In Aachen koordiniert ein Chief Digital Officer die digitale Transformation [1]."
    second = "Er ist eine Stabsstelle beim Oberbürgermeister [1]."
    server.script(f"{first} {second}", f"{first} Er hat 40 Mitarbeiter [1].")
    app = create_app(mini_assistant, Settings(api_keys=[], rate_limit_per_minute=0, cors_origins=[]), ui=False)
    with running(app, free_port()) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="none", max_retries=0, timeout=20)
        runs = [list(client.chat.completions.create(
            model=MODEL_ID, messages=[{"role": "user", "content": QUESTION_AACHEN}], stream=True)) for _ in range(2)]
    grounded, failed = ([c for c in chunks if c.choices[0].delta.content] for chunks in runs)
    assert [c.choices[0].delta.content for c in grounded] == [first, " " + second]
    assert runs[0][-1].model_extra["answer"] == f"{first} {second}"
    assert [c.choices[0].delta.content for c in failed[:1]] == [first]
    assert failed[-1].model_extra.get("replace") is True
    assert "40" not in "".join(c.choices[0].delta.content for c in failed)
    assert runs[1][-1].model_extra["answer"] == failed[-1].choices[0].delta.content

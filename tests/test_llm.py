"""The optional language model against a scripted OpenAI-compatible server on a loopback port."""

from __future__ import annotations

import sys
import time
from types import SimpleNamespace

import pytest
from conftest import REAL_REPORT
from fake_llm_server import FakeLLMServer, Reply

from assistant.chat import Turn
from assistant.errors import ConfigError
from assistant.llm import AnswerWriter, OpenAICompatibleModel, Prompt, make_writer, tidy
from assistant.messages import say
from assistant.types import Answer, Chunk, Citation, Hit

TIMEOUT_S = 10.0  # generous: tests of the timeout pass their own, short one

AACHEN = Chunk("aachen-org", "Aachen", "Organisationsstruktur", "profile",
               "In Aachen koordiniert ein Chief Digital Officer als Stabsstelle beim Oberbürgermeister die digitale "
               "Transformation der Verwaltung.", "Aachen")
AACHEN_FIGURES = Chunk("aachen-fig", "Aachen", "Einwohner und Fläche", "profile",
                       "Einwohner: 246.272. Fläche in km²: 161.", "Aachen")
BAMBERG = Chunk("bamberg-scooter", "Bamberg", "Projektbeispiele: Bird-E-Scooter (Mobilität)", "profile",
                "Elektrische Tretroller ergänzen seit 2019 das Angebot für kurze Wege in der Altstadt.", "Bamberg")
HITS = [Hit(AACHEN, 0.9), Hit(AACHEN_FIGURES, 0.8), Hit(BAMBERG, 0.7)]
QUESTION = "Wer koordiniert in Aachen die Digitalisierung?"
EXTRACTIVE = Answer(QUESTION, "Laut Steckbrief Aachen (Organisationsstruktur): »In Aachen koordiniert ein Chief "
                    "Digital Officer ...« [1]", "de", False,
                    (Citation(1, "Aachen", "Organisationsstruktur", AACHEN.text, AACHEN.text, AACHEN.id),),
                    tuple(HITS))


@pytest.fixture
def server():
    with FakeLLMServer() as fake:
        yield fake


def writer_for(url: str, timeout_s: float = TIMEOUT_S) -> AnswerWriter:
    model = OpenAICompatibleModel(url, "fake-atlas-llm", timeout_s=timeout_s)
    model.warm_up()
    return AnswerWriter(model, timeout_s=timeout_s)


def settings(**values) -> SimpleNamespace:
    base = {"llm_base_url": "", "llm_model": "", "llm_api_key": "", "llm_timeout_s": 5.0, "corpus_path": REAL_REPORT}
    return SimpleNamespace(**{**base, **values})


# -- prompts ---------------------------------------------------------------------------
def test_prompts_render_strictly(tmp_path):
    (tmp_path / "p.txt").write_text("Frage: $question in $language ($$5)", encoding="utf-8")
    prompt = Prompt("p", tmp_path)
    assert prompt.render(question="Was?", language="German") == "Frage: Was? in German ($5)"
    with pytest.raises(KeyError, match="missing \\['language'\\]"):
        prompt.render(question="Was?")
    with pytest.raises(KeyError, match="unexpected \\['city'\\]"):
        prompt.render(question="Was?", language="German", city="Aachen")
    with pytest.raises(ValueError, match="no prompt template"):
        Prompt("missing", tmp_path)


def test_packaged_prompts_have_the_placeholders_the_writer_fills():
    assert Prompt("answer").placeholders == {"language", "passages", "question", "refusal"}
    assert Prompt("condense").placeholders == {"language", "history", "question"}


def test_tidy_normalises_markers_and_prefix():
    assert tidy(" Antwort: Aachen hat\n einen CDO [1, 3].") == "Aachen hat einen CDO [1][3]."


# -- configuration ---------------------------------------------------------------------
def test_no_base_url_means_no_writer():
    assert make_writer(settings()) is None
    assert make_writer(settings(llm_base_url="  ", llm_model="x")) is None


def test_make_writer_builds_a_writer_with_the_configured_timeout(server):
    writer = make_writer(settings(llm_base_url=server.url, llm_model="qwen2.5:3b", llm_timeout_s=3.0))
    assert isinstance(writer, AnswerWriter)
    assert writer.timeout_s == 3.0
    assert writer.llm.name == "qwen2.5:3b" and writer.llm.timeout_s == 3.0
    # the report's 50 cities and the well-known ones it lacks are checked even at a sentence's start
    assert {"aachen", "bamberg", "wolfsburg", "bielefeld", "frankfurt"} <= writer.check.names
    passage = {1: AACHEN.text}
    assert not writer.check.run("Bielefeld koordiniert die digitale Transformation [1].", passage).ok
    assert writer.check.run("Gleichzeitig koordiniert ein Chief Digital Officer die Verwaltung [1].", passage).ok


@pytest.mark.parametrize("values, message", [
    ({"llm_base_url": "localhost:8080/v1", "llm_model": "m"}, "must start with http"),
    ({"llm_base_url": "http://127.0.0.1:8080/v1", "llm_model": ""}, "ASSISTANT_LLM_MODEL"),
])
def test_bad_settings_are_config_errors(values, message):
    with pytest.raises(ConfigError, match=message):
        make_writer(settings(**values))


def test_a_missing_client_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_index.llms.openai_like", None)
    with pytest.raises(ConfigError, match="pip install llama-index-llms-openai-like"):
        make_writer(settings(llm_base_url="http://127.0.0.1:8080/v1", llm_model="m"))


def test_writer_arguments_are_checked():
    with pytest.raises(ValueError, match="timeout_s"):
        AnswerWriter(object(), timeout_s=0)
    with pytest.raises(ValueError, match="passages"):
        AnswerWriter(object(), passages=0)
    with pytest.raises(ValueError, match="retry_after_s"):
        AnswerWriter(object(), retry_after_s=-1)


# -- answers ---------------------------------------------------------------------------
def test_a_grounded_answer_is_shown_with_its_citations(server):
    server.script("Die Digitalisierung in Aachen koordiniert ein Chief Digital Officer [1]. "
                  "Aachen hat 246.272 Einwohner [2].")
    answer = writer_for(server.url).run(QUESTION, "de", HITS, EXTRACTIVE)
    assert answer.mode == "generated" and answer.grounded and not answer.refused
    assert answer.text == ("Die Digitalisierung in Aachen koordiniert ein Chief Digital Officer [1]. "
                           "Aachen hat 246.272 Einwohner [2].")
    assert [(c.n, c.chunk_id) for c in answer.citations] == [(1, "aachen-org"), (2, "aachen-fig")]
    assert answer.check == {"ok": True, "problems": [], "sentences": 2, "shown": "generated",
                            "model": "fake-atlas-llm"}
    assert answer.notice == ""
    prompt = server.prompts[0]
    assert QUESTION in prompt and "German" in prompt
    assert "[1] Aachen – Organisationsstruktur: In Aachen koordiniert" in prompt
    assert "[3] Bamberg – Projektbeispiele: Bird-E-Scooter" in prompt
    assert server.requests[0]["model"] == "fake-atlas-llm" and not server.requests[0].get("stream")


def test_citations_are_renumbered_in_order_of_use(server):
    server.script("Aachen hat 246.272 Einwohner [2]. In Bamberg gibt es seit 2019 Tretroller [3].")
    answer = writer_for(server.url).run("Was gibt es?", "de", HITS, EXTRACTIVE)
    assert answer.text == "Aachen hat 246.272 Einwohner [1]. In Bamberg gibt es seit 2019 Tretroller [2]."
    assert [(c.n, c.source, c.section) for c in answer.citations] == [
        (1, "Aachen", "Einwohner und Fläche"), (2, "Bamberg", "Projektbeispiele: Bird-E-Scooter (Mobilität)")]


def test_an_answer_that_invents_a_number_is_replaced_by_the_extractive_one(server):
    server.script("Aachen hat 250.000 Einwohner [2].")
    answer = writer_for(server.url).run(QUESTION, "de", HITS, EXTRACTIVE)
    assert answer.text == EXTRACTIVE.text and answer.mode == "extractive"
    assert answer.citations == EXTRACTIVE.citations
    assert answer.check["ok"] is False and answer.check["shown"] == "extractive"
    assert answer.check["reason"] == "check_failed"
    assert answer.check["problems"] == [
        "number 250.000 is not in the cited passages [2]: »Aachen hat 250.000 Einwohner [2].«"]
    assert answer.notice == ""


def test_an_answer_with_an_uncited_sentence_is_replaced(server):
    server.script("Ein Chief Digital Officer koordiniert die Verwaltung [1]. Das ist in Deutschland üblich.")
    answer = writer_for(server.url).run(QUESTION, "de", HITS, EXTRACTIVE)
    assert answer.text == EXTRACTIVE.text
    assert answer.check["problems"] == ["no citation: »Das ist in Deutschland üblich.«"]


def test_an_answer_that_invents_a_name_is_replaced(server):
    server.script("In Berlin koordiniert ein Chief Digital Officer die Verwaltung [1].")
    answer = writer_for(server.url).run(QUESTION, "de", HITS, EXTRACTIVE)
    assert answer.text == EXTRACTIVE.text
    assert answer.check["problems"][0].startswith("name Berlin is not in the cited passages [1]")


def test_a_model_that_finds_no_answer_leaves_the_extractive_one(server):
    server.script(say("de", "refuse"))
    answer = writer_for(server.url).run(QUESTION, "de", HITS, EXTRACTIVE)
    assert answer.text == EXTRACTIVE.text and answer.check["reason"] == "declined"


def test_a_hung_server_falls_back_within_the_timeout_with_a_notice(server):
    server.script(Reply("Aachen hat 246.272 Einwohner [2].", delay_s=30))
    writer = writer_for(server.url, timeout_s=1.0)
    start = time.monotonic()
    answer = writer.run(QUESTION, "en", HITS, EXTRACTIVE)
    elapsed = time.monotonic() - start
    assert 0.9 <= elapsed < 2.0
    assert answer.text == EXTRACTIVE.text
    assert answer.notice == say("en", "llm_timeout")
    assert answer.check["reason"] == "timeout" and answer.check["ok"] is False


def test_a_server_that_is_down_falls_back_at_once_with_a_notice():
    from conftest import free_port

    writer = writer_for(f"http://127.0.0.1:{free_port()}/v1", timeout_s=5.0)
    start = time.monotonic()
    answer = writer.run(QUESTION, "de", HITS, EXTRACTIVE)
    assert time.monotonic() - start < 3.0
    assert answer.text == EXTRACTIVE.text
    assert answer.notice == say("de", "llm_unavailable")
    assert answer.check["reason"] == "unavailable"
    assert "APIConnectionError" in answer.check["problems"][0]


def test_after_a_failure_the_model_is_left_alone_for_a_while(server):
    server.script(Reply(status=500), "Aachen hat 246.272 Einwohner [2].")
    writer = writer_for(server.url)
    assert writer.run(QUESTION, "de", HITS, EXTRACTIVE).check["reason"] == "unavailable"
    start = time.monotonic()
    answer = writer.run(QUESTION, "de", HITS, EXTRACTIVE)
    assert time.monotonic() - start < 0.5 and len(server.requests) == 1
    assert answer.notice == say("de", "llm_unavailable") and "not asked again" in answer.check["problems"][0]
    writer.retry_after_s = 0
    assert writer.run(QUESTION, "de", HITS, EXTRACTIVE).mode == "generated"
    assert len(server.requests) == 2


def test_a_timeout_is_remembered_too(server):
    server.script(Reply("Aachen hat 246.272 Einwohner [2].", delay_s=30))
    writer = writer_for(server.url, timeout_s=1.0)
    assert writer.condense("Seit wann?", TURNS, "de") == "Seit wann?"
    start = time.monotonic()
    answer = writer.run(QUESTION, "de", HITS, EXTRACTIVE)  # the follow-up's answer does not wait again
    assert time.monotonic() - start < 0.5
    assert answer.check["reason"] == "timeout" and answer.notice == say("de", "llm_timeout")


def test_a_server_error_falls_back(server):
    server.script(Reply(status=500))
    answer = writer_for(server.url).run(QUESTION, "de", HITS, EXTRACTIVE)
    assert answer.text == EXTRACTIVE.text and answer.notice == say("de", "llm_unavailable")


def test_a_refusal_is_not_rewritten(server):
    refusal = Answer(QUESTION, say("de", "refuse"), "de", True, (), tuple(HITS))
    assert writer_for(server.url).run(QUESTION, "de", HITS, refusal) is refusal
    assert server.requests == []


# -- follow-ups ------------------------------------------------------------------------
TURNS = [Turn("Was macht Bamberg im Bereich Mobilität?", "Was macht Bamberg im Bereich Mobilität?",
              "Laut Steckbrief Bamberg: »Elektrische Tretroller ergänzen seit 2019 das Angebot.« [1]", ("Bamberg",))]


def test_condense_makes_a_follow_up_standalone(server):
    server.script("Standalone question: Seit wann gibt es in Bamberg E-Scooter?\n")
    text = writer_for(server.url).condense("Seit wann gibt es die?", TURNS, "de")
    assert text == "Seit wann gibt es in Bamberg E-Scooter?"
    prompt = server.prompts[0]
    assert "User: Was macht Bamberg im Bereich Mobilität?" in prompt
    assert "Assistant: Laut Steckbrief Bamberg" in prompt and "[1]" not in prompt
    assert "Follow-up question: Seit wann gibt es die?" in prompt and "German" in prompt


def test_condense_without_turns_asks_nothing(server):
    assert writer_for(server.url).condense("Was macht Aachen?", [], "de") == "Was macht Aachen?"
    assert server.requests == []


@pytest.mark.parametrize("reply", [Reply("", delay_s=30), Reply(status=503), Reply(""), Reply("x" * 2000)])
def test_condense_keeps_the_question_when_the_model_fails(server, reply):
    server.script(reply)
    assert writer_for(server.url, timeout_s=1.0).condense("Seit wann?", TURNS, "de") == "Seit wann?"
    assert len(server.requests) == 1


# -- in the assistant ------------------------------------------------------------------
def test_the_assistant_uses_the_writer_for_retrieved_answers(mini_assistant, server, monkeypatch):
    question = "Wer koordiniert in Aachen die digitale Transformation der Verwaltung?"
    extractive = mini_assistant.ask(question, language="de")
    assert not extractive.refused and extractive.mode == "extractive"
    first = extractive.retrieved[0].chunk
    assert "Chief Digital Officer" in first.text
    server.script("In Aachen koordiniert ein Chief Digital Officer die digitale Transformation [1].")
    monkeypatch.setattr(mini_assistant, "writer", writer_for(server.url))
    answer = mini_assistant.ask(question, language="de")
    assert answer.mode == "generated" and answer.check["ok"] is True
    assert answer.text == "In Aachen koordiniert ein Chief Digital Officer die digitale Transformation [1]."
    assert answer.citations[0].chunk_id == first.id
    assert "generate_ms" in answer.timings_ms


def test_exact_figures_stay_extractive(mini_assistant, server, monkeypatch):
    monkeypatch.setattr(mini_assistant, "writer", writer_for(server.url))
    answer = mini_assistant.ask("Wie viele Einwohner hat Aachen?", language="de")
    assert answer.mode != "generated" and "246.272" in answer.text
    assert server.requests == []


def test_follow_ups_are_condensed_when_the_rules_leave_them_as_asked(mini_assistant, server, monkeypatch):
    monkeypatch.setattr(mini_assistant, "writer", writer_for(server.url))
    cid = mini_assistant.new_conversation()
    server.script("Elektrische Tretroller ergänzen in Bamberg das Angebot für kurze Wege [1].")
    first = mini_assistant.ask("Was ergänzen die elektrischen Tretroller in Bamberg?", language="de",
                               conversation_id=cid)
    assert first.conversation_id == cid and first.mode == "generated"
    assert len(server.requests) == 1  # the first turn has nothing to condense
    server.script("Seit wann gibt es in Bamberg elektrische Tretroller?",
                  "In Bamberg ergänzen seit 2019 elektrische Tretroller das Angebot [1].")
    mini_assistant.ask("Seit wann gibt es die?", language="de", conversation_id=cid)
    condense_prompt = server.prompts[-2]
    assert "Follow-up question: Seit wann gibt es die?" in condense_prompt
    assert "Question: Seit wann gibt es in Bamberg elektrische Tretroller?" in server.prompts[-1]
    turns = mini_assistant.conversations.get(cid).turns
    assert turns[-1].question == "Seit wann gibt es die?"
    assert turns[-1].standalone == "Seit wann gibt es in Bamberg elektrische Tretroller?"


def test_from_settings_wires_the_writer_only_when_configured(server, tmp_path):
    from assistant.service import Assistant
    from assistant.settings import Settings

    plain = Assistant.from_settings(Settings(index_dir=tmp_path, llm_base_url=""))
    assert plain.writer is None
    wired = Assistant.from_settings(Settings(index_dir=tmp_path, llm_base_url=server.url, llm_model="m",
                                             llm_api_key="secret", llm_timeout_s=4))
    assert isinstance(wired.writer, AnswerWriter) and wired.writer.timeout_s == 4
    assert wired.writer.llm.base_url == server.url
    server.script("Standalone?")
    wired.writer.condense("Und dort?", TURNS, "de")
    assert server.authorizations == ["Bearer secret"]

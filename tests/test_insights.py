"""Insights: per day, share refused, questions grouped by meaning, refused and thumbs-down questions,
draft evaluation items; the /admin page behind its key; the `insights` command."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import FakeEmbedder
from fastapi.testclient import TestClient

from assistant.insights import CachedEmbed, InsightsBuilder
from assistant.insights_report import render
from eval.dataset import load_qa

DAY = datetime(2026, 11, 20, 9, 30)
KEY = "s3cret-admin-key"


def q(question: str, refused: bool = False, day: int = 0, **kw) -> dict:
    return {"created": DAY + timedelta(days=day), "question": question, "answer": kw.pop("answer", "Antwort"),
            "refused": refused, "language": kw.pop("language", "de"), "channel": kw.pop("channel", "api"),
            "citations": kw.pop("citations", []), **kw}


QUESTIONS = [
    q("Wie viele Einwohner hat Aachen?"), q("wie viele einwohner hat aachen"), q("Wie viele Einwohner hat Aachen laut Atlas?"),
    q("Welche Mobilitätsprojekte gibt es in Bamberg?", day=1),
    q("Wie hoch ist der Eiffelturm?", refused=True, day=3, answer="Dazu enthält der Smart-City-Atlas keine Angaben."),
]
FEEDBACK = [{"id": 1, "created": "2026-11-22T10:00:00+00:00", "rating": "down", "question": "Wer koordiniert in Bonn?",
             "answer": "Bonn hat 300.000 Einwohner [1].", "language": "de", "comment": "falsche Antwort",
             "citations": [{"n": 1, "source": "Bonn", "section": "Einwohner"}], "conversation_id": "", "session": ""},
            {"id": 2, "created": "2026-11-22T11:00:00+00:00", "rating": "up", "question": "gut", "answer": "ja",
             "language": "de", "comment": "", "citations": [], "conversation_id": "", "session": ""}]


def embed(texts):
    return FakeEmbedder().embed_passages(texts)


def test_days_share_and_groups_by_meaning():
    insights = InsightsBuilder(embed, distance=0.35).run(QUESTIONS, FEEDBACK)
    assert insights.total == 5 and insights.refused == 1 and insights.refused_share == pytest.approx(0.2)
    assert [(d.isoformat(), t, r) for d, t, r in insights.per_day] == [
        ("2026-11-20", 3, 0), ("2026-11-21", 1, 0), ("2026-11-22", 0, 0), ("2026-11-23", 1, 1)]  # no gaps
    top = insights.groups[0]
    assert insights.grouped_by == "meaning" and top.question == "Wie viele Einwohner hat Aachen?" and top.count == 3
    assert top.wordings == ("Wie viele Einwohner hat Aachen laut Atlas?",)  # case and "?" alone make no wording
    assert [g.count for g in insights.groups] == [3, 1, 1]
    assert [r["question"] for r in insights.refused_questions] == ["Wie hoch ist der Eiffelturm?"]
    assert [(r["question"], r["comment"]) for r in insights.thumbs_down] == [("Wer koordiniert in Bonn?",
                                                                               "falsche Antwort")]


def test_without_an_embedder_questions_are_grouped_by_wording_and_say_so():
    insights = InsightsBuilder(None).run(QUESTIONS, [])
    assert insights.grouped_by == "wording" and [g.count for g in insights.groups] == [2, 1, 1, 1]


def test_since_keeps_the_later_questions_and_ratings():
    insights = InsightsBuilder(embed).run(QUESTIONS, FEEDBACK, since=date(2026, 11, 23))
    assert insights.total == 1 and insights.refused == 1 and insights.thumbs_down == ()


def test_drafts_are_valid_evaluation_items_marked_for_a_person(tmp_path):
    insights = InsightsBuilder(embed).run(QUESTIONS + [q("Wie hoch ist der Eiffelturm", refused=True)], FEEDBACK)
    path = tmp_path / "drafts.jsonl"
    path.write_text(render(insights, "drafts"), encoding="utf-8")
    items = load_qa(path)  # eval/'s own loader accepts them
    assert [(i.question, i.kind, i.sources) for i in items] == [
        ("Wie hoch ist der Eiffelturm", "unanswerable", ()), ("Wer koordiniert in Bonn?", "fact", ("Bonn",))]
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert all(d["draft"] is True and d["id"].startswith("draft-") and "check" in d["review"] for d in raw)
    assert raw[1]["assistant_answer"] == "Bonn hat 300.000 Einwohner [1]." and raw[1]["comment"] == "falsche Antwort"


def test_every_format_carries_the_refused_question():
    insights = InsightsBuilder(embed).run(QUESTIONS, FEEDBACK)
    for fmt in ("md", "csv", "jsonl"):
        assert "Wie hoch ist der Eiffelturm?" in render(insights, fmt), fmt
    assert "- refused: 1 (20.0%)" in render(insights, "md")
    assert render(insights, "csv").splitlines()[0] == "kind,date,question,count,refused,answer,comment"
    assert json.loads(render(insights, "jsonl").splitlines()[0])["refused_share"] == 0.2
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render(insights, "pdf")


def test_cached_embed_embeds_each_text_once():
    calls = []

    def counting(texts):
        calls.append(list(texts))
        return embed(texts)

    cached = CachedEmbed(counting)
    first = cached(["a b", "c d"])
    assert (cached(["c d", "a b", "e f"])[:2] == first[::-1]).all()
    assert calls == [["a b", "c d"], ["e f"]]


# -- the admin page and the command ---------------------------------------------------------------------
@pytest.fixture
def admin_app(mini_assistant, tmp_path):
    from assistant.api import create_app
    from assistant.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", api_keys=[], rate_limit_per_minute=0, cors_origins=[],
                        admin_key=KEY)
    return create_app(mini_assistant, settings, ui=False)


def basic(password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"operator:{password}".encode()).decode()}


def test_without_a_key_there_is_no_admin_page(mini_assistant, tmp_path):
    from assistant.api import create_app
    from assistant.settings import Settings

    app = create_app(mini_assistant, Settings(data_dir=tmp_path, admin_key=""), ui=False)
    client = TestClient(app)
    assert client.get("/admin", headers={"Authorization": "Bearer "}).status_code == 404
    assert client.get("/admin/export").status_code == 404


def test_the_admin_page_needs_the_key(admin_app):
    client = TestClient(admin_app)
    for headers in ({}, {"Authorization": "Bearer wrong"}, basic("wrong"), {"Authorization": "Basic %%%"},
                    {"Authorization": "Token " + KEY}):
        r = client.get("/admin", headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic"), headers
        assert "ASSISTANT_ADMIN_KEY" in r.json()["error"]["message"] and KEY not in r.text
    assert client.get("/admin", headers=basic(KEY)).status_code == 200
    r = client.get("/admin", headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store" and "set-cookie" not in r.headers


def test_a_refused_question_reaches_the_admin_page_and_its_exports(admin_app):
    client = TestClient(admin_app)
    auth = {"Authorization": f"Bearer {KEY}"}
    assert client.post("/api/v1/ask", json={"question": "Wie viele Einwohner hat Aachen?"}).json()["refused"] is False
    refused = client.post("/api/v1/ask", json={"question": "Wie hoch ist der Eiffelturm in Paris?"}).json()
    assert refused["refused"] is True
    t0 = time.perf_counter()
    page = client.get("/admin", headers=auth)
    assert page.status_code == 200 and time.perf_counter() - t0 < 10
    text = page.text
    assert "<strong>2</strong> questions" in text and "<strong>50.0%</strong> refused (1)" in text
    refused_part = text[text.index("<h2>Refused questions</h2>"):text.index("<h2>Thumbs down</h2>")]
    assert "Wie hoch ist der Eiffelturm in Paris?" in refused_part and "Aachen" not in refused_part
    assert "<svg" in text and 'aria-labelledby="chart-title"' in text
    drafts = client.get("/admin/export", params={"format": "drafts"}, headers=auth)
    assert drafts.status_code == 200 and "attachment" in drafts.headers["content-disposition"]
    [item] = [json.loads(line) for line in drafts.text.splitlines()]
    assert (item["question"], item["kind"], item["draft"]) == ("Wie hoch ist der Eiffelturm in Paris?",
                                                               "unanswerable", True)
    assert item["assistant_answer"] == refused["answer"]
    csv_text = client.get("/admin/export", params={"format": "csv"}, headers=auth).text
    assert "refused," in csv_text and "Eiffelturm" in csv_text
    future = client.get("/admin", params={"since": "2999-01-01"}, headers=auth)
    assert "<strong>0</strong> questions" in future.text and "No questions logged" in future.text


def test_bad_admin_parameters_get_clear_errors(admin_app):
    client = TestClient(admin_app)
    auth = {"Authorization": f"Bearer {KEY}"}
    r = client.get("/admin", params={"since": "gestern"}, headers=auth)
    assert r.status_code == 400 and "2026-11-01" in r.json()["error"]["message"]
    r = client.get("/admin/export", params={"format": "pdf"}, headers=auth)
    assert r.status_code == 400 and "md, csv, jsonl, drafts" in r.json()["error"]["message"]


def test_the_insights_command_writes_each_format(tmp_path, monkeypatch, capsys):
    from assistant import embedding
    from assistant.cli import main
    from assistant.db import Database, database_url
    from assistant.question_log import QuestionLog, QuestionRecord

    data = tmp_path / "data"
    qlog = QuestionLog(Database(database_url("", data)))
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    for text, refused, age in (("Wie viele Einwohner hat Aachen?", False, 0), ("Wie hoch ist der Eiffelturm?", True, 0),
                               ("Wie alt ist Bonn?", True, 40)):
        qlog.record(QuestionRecord(text, "keine Angaben" if refused else "246.272 [1]", "de", refused, "widget", 9.0,
                                   created=now - timedelta(days=age)))
    qlog.close()
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(data))
    monkeypatch.setattr(embedding, "make_embedder", lambda *a, **k: FakeEmbedder())
    since = (now - timedelta(days=7)).date().isoformat()
    assert main(["insights", "--since", since]) == 0
    out = capsys.readouterr().out
    assert "- questions: 2" in out and "Wie hoch ist der Eiffelturm?" in out and "Bonn" not in out
    target = tmp_path / "out" / "drafts.jsonl"
    assert main(["insights", "--format", "drafts", "--out", str(target)]) == 0
    assert sorted(i.question for i in load_qa(target)) == ["Wie alt ist Bonn?", "Wie hoch ist der Eiffelturm?"]
    assert "3 questions, 2 drafts" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["insights", "--since", "last week"])
    assert exit_info.value.code == 2 and "not a date" in capsys.readouterr().err


def test_refused_questions_are_listed_once_per_wording_most_asked_first():
    rows = [q("Wie hoch ist der Eiffelturm?", True, 0, answer="alt"), q("Wer regiert Bonn?", True, 1),
            q("wie hoch ist der eiffelturm", True, 2, answer="neu")]
    [first, second] = InsightsBuilder(None).run(rows, []).refused_questions
    assert (first["question"], first["count"], first["answer"]) == ("wie hoch ist der eiffelturm", 2, "neu")
    assert (second["question"], second["count"]) == ("Wer regiert Bonn?", 1)


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_defused():
    rows = [q('=HYPERLINK("http://evil.example","klick")', True), q("@SUM(A1)", True), q("-1+1", True)]
    text = render(InsightsBuilder(None).run(rows, []), "csv")
    import csv
    import io

    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"klick\")" in cells and "'@SUM(A1)" in cells and "'-1+1" in cells
    assert not [c for c in cells if c[:1] in ("=", "@", "+", "-")]

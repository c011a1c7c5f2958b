"""The evaluation runner: metrics computed by hand on a tiny set, the gate, the data files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_progress import Terminal

from assistant.progress import Progress
from assistant.types import Answer, Chunk, Citation, Hit
from eval.__main__ import check_gate
from eval.dataset import DatasetError, load_qa
from eval.metrics import contains_all, summarise_groups
from eval.runner import run_assistant

ROOT = Path(__file__).resolve().parent.parent


def _item(id_, kind, lang, question, must, sources):
    return {"id": id_, "lang": lang, "question": question, "answer": "", "must_contain": must,
            "sources": sources, "section": "", "kind": kind, "evidence": ""}


@pytest.fixture
def tiny_set(tmp_path):
    rows = [
        _item("a", "number", "de", "Einwohner Aachen", ["246.272|246272"], ["Aachen"]),
        _item("b", "fact", "en", "CDO Bonn", ["CDO"], ["Bonn"]),
        _item("c", "fact", "de", "Projekte Jena", ["Kita"], ["Jena"]),
        _item("d", "unanswerable", "de", "Einwohner Mainz", [], []),
    ]
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


class ScriptedAssistant:
    """Plays back one prepared answer per question."""

    def __init__(self, answers):
        self.answers = answers

    def ask(self, question, previous_language=None):
        return self.answers[question]


def _answer(q, text, lang, refused, retrieved, cited):
    hits = tuple(Hit(Chunk(str(i), s, "x", "profile", "t", s), 1.0) for i, s in enumerate(retrieved))
    cites = tuple(Citation(i + 1, s, "x", "t") for i, s in enumerate(cited))
    return Answer(q, text, lang, refused, cites, hits)


def test_metrics_by_hand(tiny_set):
    items = load_qa(tiny_set)
    bot = ScriptedAssistant({
        # a: right, source ranked 1st
        "Einwohner Aachen": _answer("", "Aachen hat 246.272 Einwohner", "de", False, ["Aachen"], ["Aachen"]),
        # b: right text, source ranked 2nd, one of two citations wrong, answered in German (language miss)
        "CDO Bonn": _answer("", "Der CDO berichtet ...", "de", False, ["Berlin", "Bonn"], ["Bonn", "Berlin"]),
        # c: wrongly refused, source nowhere
        "Projekte Jena": _answer("", "Keine Angaben.", "de", True, ["Ulm"], []),
        # d: correctly refused
        "Einwohner Mainz": _answer("", "Mainz gehört nicht ...", "de", True, [], []),
    })
    s = summarise_groups(run_assistant(bot, items, warmup=0))
    assert s["n"] == 4
    assert s["retrieval.hit@1"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["retrieval.hit@5"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["retrieval.mrr@10"] == pytest.approx((1 + 0.5 + 0) / 3, abs=1e-4)
    assert s["answer.accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["citation.precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["refusal.accuracy"] == 1.0
    assert s["refusal.false_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["language.match"] == pytest.approx(3 / 4)
    assert s["by_kind"]["fact"]["n"] == 2
    assert s["by_kind"]["fact"]["answer.accuracy"] == 0.5
    assert s["by_lang"]["en"]["language.match"] == 0.0


def test_contains_all_alternatives_and_whitespace():
    assert contains_all("Aachen hat 246.272  Einwohner", ["246.272|246272", "aachen"])
    assert not contains_all("Aachen hat 246.272 Einwohner", ["246.272", "Bonn|Jena"])
    assert contains_all("Chief   Digital\nOfficer", ["chief digital officer"])


def test_contains_all_reads_german_and_english_thousands_separators():
    assert contains_all("Köln has a population of 1,080,394", ["1.080.394|1080394"])
    assert contains_all("Köln hat 1.080.394 Einwohner", ["1,080,394"])
    assert not contains_all("Köln has 1,080,395 inhabitants", ["1.080.394"])
    assert contains_all("Stand 31.12.2017", ["31.12.2017"])  # dates are not thousands


def test_gate_reports_every_miss():
    summary = {"answer.accuracy": 0.5, "refusal.false_rate": 0.2, "by_kind": {"number": {"answer.accuracy": 0.9}}}
    problems = check_gate(summary, {"min": {"answer.accuracy": 0.6, "by_kind/number/answer.accuracy": 0.95},
                                    "max": {"refusal.false_rate": 0.05}})
    assert len(problems) == 3
    assert check_gate(summary, {"min": {"answer.accuracy": 0.4}}) == []


def test_bad_files_name_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "lang": "fr", "question": "q", "must_contain": [], "sources": [], "kind": "fact"}\n')
    with pytest.raises(DatasetError, match="bad.jsonl:1"):
        load_qa(bad)
    bad.write_text("not json\n")
    with pytest.raises(DatasetError, match="not valid JSON"):
        load_qa(bad)


def test_unanswerable_items_have_no_expectations():
    items = load_qa(ROOT / "eval" / "qa.jsonl")
    assert len(items) >= 200
    for item in items:
        if item.kind == "unanswerable":
            assert not item.must_contain and not item.sources, item.id


def test_sets_are_grounded_in_the_corpus():
    """Every evidence quote occurs in the corpus and every source name is canonical."""
    done = subprocess.run([sys.executable, str(ROOT / "eval" / "check_sets.py")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "0 problems" in done.stdout


def test_progress_shows_items_done_and_the_running_accuracy(tiny_set):
    items = load_qa(tiny_set)
    right = _answer("", "Aachen hat 246.272 Einwohner", "de", False, ["Aachen"], ["Aachen"])
    wrong = _answer("", "Keine Angaben.", "de", True, [], [])
    bot = ScriptedAssistant({"Einwohner Aachen": right, "CDO Bonn": wrong, "Projekte Jena": wrong,
                             "Einwohner Mainz": wrong})
    stream = Terminal()
    outcomes = run_assistant(bot, items, warmup=0, progress=Progress(stream=stream), label="qa")
    assert [o.correct for o in outcomes] == [True, False, False, True]
    out = stream.getvalue()
    assert "qa" in out and "4/4" in out
    assert "accuracy 50.0%" in out


def test_a_padded_list_is_wrong_and_list_precision_says_how_padded():
    from eval.metrics import Outcome, padded, summarise

    expected = ("Ulm", "Jena")
    assert not padded("multi", expected, ["Ulm", "Jena", "Bonn"])  # three named: not a padded list yet
    assert not padded("multi", expected, ["Ulm", "Jena", "Bonn", "Köln"])  # half are right
    assert padded("multi", expected, ["Ulm", "Jena", "Bonn", "Köln", "Emden"])
    assert not padded("fact", expected, ["Ulm", "Bonn", "Köln", "Emden", "Soest"])  # only lists are lists

    def outcome(cited):
        return Outcome("m", "multi", "de", True, expected, "x", False, "de", [], cited, True, 1.0)

    assert summarise([outcome(["Ulm", "Jena"]), outcome(["Ulm", "Bonn", "Köln", "Emden"])])["list.precision"] == 0.625


def test_spread_takes_items_evenly_over_the_set():
    from eval.dataset import spread

    items = list(range(10))
    assert spread(items, 5) == [0, 2, 4, 6, 8]
    assert spread(items, 3) == [0, 3, 6]
    assert spread([1, 2], 5) == [1, 1, 1, 2, 2]
    assert spread([], 3) == []
    with pytest.raises(ValueError, match="-1"):
        spread(items, -1)

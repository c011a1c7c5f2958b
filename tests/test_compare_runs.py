"""eval/compare_runs.py: two evaluation runs agree item by item (CI: Chroma server vs embedded store)."""

from __future__ import annotations

import json

from eval.compare_runs import differences, main

ROW = {"id": "q1", "answer": "Aachen hat 246.272 Einwohner [1].", "refused": False, "language": "de",
       "retrieved": ["Aachen"], "cited": ["Aachen"], "correct": True, "latency_ms": 12.0}


def write(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_same_results_with_other_latencies_pass(tmp_path, capsys):
    a = write(tmp_path / "a.jsonl", [ROW])
    b = write(tmp_path / "b.jsonl", [{**ROW, "latency_ms": 99.0}])
    assert main([a, b]) == 0 and "same results for all 1 items" in capsys.readouterr().out


def test_a_different_answer_or_a_missing_item_fails_and_says_which(tmp_path, capsys):
    a = write(tmp_path / "a.jsonl", [ROW, {**ROW, "id": "q2"}])
    b = write(tmp_path / "b.jsonl", [{**ROW, "cited": ["Bonn"]}])
    assert main([a, b]) == 1
    err = capsys.readouterr().err
    assert "q1: cited differs" in err and "q2: only in the first run" in err
    assert differences({"x": ROW}, {"x": dict(ROW)}) == []


def test_unreadable_input_is_a_clear_error(tmp_path, capsys):
    assert main([str(tmp_path / "missing.jsonl"), str(tmp_path / "also.jsonl")]) == 2
    assert "cannot read the outcomes" in capsys.readouterr().err
    assert main(["only-one"]) == 2


def test_only_the_top_five_retrieved_are_compared():
    from eval.compare_runs import differences

    base = {"answer": "a", "refused": False, "language": "de", "cited": ["Emden"], "correct": True}
    a = {"x": {**base, "retrieved": ["Emden", "Anhang A", "Anhang A", "Wuppertal", "Karlsruhe", "Darmstadt"]}}
    b = {"x": {**base, "retrieved": ["Emden", "Anhang A", "Anhang A", "Wuppertal", "Karlsruhe", "Gütersloh"]}}
    assert differences(a, b) == []
    c = {"x": {**base, "retrieved": ["Emden", "Anhang A", "Anhang A", "Gütersloh", "Wuppertal", "Karlsruhe"]}}
    assert differences(a, c) and "retrieved" in differences(a, c)[0]


def test_a_sample_of_the_items_is_compared_with_subset(tmp_path, capsys):
    a = write(tmp_path / "a.jsonl", [ROW, {**ROW, "id": "q2"}, {**ROW, "id": "q3"}])
    b = write(tmp_path / "b.jsonl", [{**ROW, "id": "q2"}])
    assert main([a, b]) == 1  # without --subset the missing items count
    assert main(["--subset", a, b]) == 0 and "same results for all 1 items" in capsys.readouterr().out
    c = write(tmp_path / "c.jsonl", [{**ROW, "id": "q2", "correct": False}, {**ROW, "id": "q9"}])
    assert main(["--subset", a, c]) == 1
    err = capsys.readouterr().err
    assert "q2: correct differs" in err and "q9: only in the second run" in err

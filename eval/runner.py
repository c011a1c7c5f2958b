"""Run an evaluation set through the assistant (the app's own code path) and the baseline."""

from __future__ import annotations

import time

from assistant.errors import InputError

from .dataset import Dialogue, Item
from .metrics import Outcome, contains_all, is_correct, summarise_groups


def run_assistant(assistant, items: list[Item], warmup: int = 3) -> list[Outcome]:
    for item in items[:warmup]:  # first calls load caches; they are not timed
        _ask(assistant, item.question)
    return [_outcome(item, *_ask(assistant, item.question)) for item in items]


def _ask(assistant, question: str, previous_language: str | None = None):
    start = time.perf_counter()
    try:
        answer = assistant.ask(question, previous_language=previous_language)
    except InputError as exc:
        return {"answer": str(exc), "refused": True, "language": "", "retrieved": [], "cited": []}, \
            (time.perf_counter() - start) * 1000
    elapsed = (time.perf_counter() - start) * 1000
    return {
        "answer": answer.text,
        "refused": answer.refused,
        "language": answer.language,
        "retrieved": [h.chunk.source for h in answer.retrieved],
        "cited": [c.source for c in answer.citations],
    }, elapsed


def _outcome(item: Item, got: dict, latency_ms: float) -> Outcome:
    correct = is_correct(got["answer"], got["refused"], item.answerable, item.must_contain, item.must_not_contain)
    return Outcome(item.id, item.kind, item.lang, item.answerable, item.sources, got["answer"], got["refused"],
                   got.get("language", ""), got["retrieved"], got["cited"], bool(correct), latency_ms,
                   style=item.style, variant_of=item.variant_of)


def run_baseline(baseline, items: list[Item]) -> list[Outcome]:
    outcomes = []
    for item in items:
        start = time.perf_counter()
        got = baseline.ask(item.question)
        elapsed = (time.perf_counter() - start) * 1000
        got["language"] = "de"  # it quotes the German report whatever the question's language
        outcomes.append(_outcome(item, got, elapsed))
    return outcomes


def run_dialogues(assistant, dialogues: list[Dialogue]) -> dict:
    """Turn accuracy and citation precision over multi-turn conversations."""
    turns = correct = cited = cited_ok = 0
    failures = []
    for dialogue in dialogues:
        conversation = assistant.new_conversation() if hasattr(assistant, "new_conversation") else None
        previous = None
        for turn in dialogue.turns:
            if conversation is not None:
                answer = assistant.ask(turn.question, conversation_id=conversation)
                got = {"answer": answer.text, "refused": answer.refused, "cited": [c.source for c in answer.citations],
                       "language": answer.language}
            else:
                got, _ = _ask(assistant, turn.question, previous)
            previous = got.get("language") or previous
            ok = (not turn.must_contain and got["refused"]) or (
                bool(turn.must_contain) and not got["refused"] and contains_all(got["answer"], turn.must_contain))
            turns += 1
            correct += ok
            if turn.sources:
                cited += len(got["cited"])
                cited_ok += sum(c in turn.sources for c in got["cited"])
            if not ok:
                failures.append({"id": dialogue.id, "question": turn.question, "expected": list(turn.must_contain),
                                 "got": got["answer"], "cited": got["cited"]})
    return {
        "dialogue.n": len(dialogues),
        "dialogue.turns": turns,
        "dialogue.turn_accuracy": round(correct / turns, 4) if turns else None,
        "dialogue.citation.precision": round(cited_ok / cited, 4) if cited else None,
        "failures": failures,
    }


def summary_for(outcomes: list[Outcome]) -> dict:
    return summarise_groups(outcomes)

"""Run an evaluation set through the assistant (the app's own code path) and the baseline."""

from __future__ import annotations

import time
from collections.abc import Callable

from assistant.errors import InputError
from assistant.progress import Bar, Progress

from .dataset import Dialogue, Item
from .metrics import Outcome, contains_all, is_correct, padded, summarise_groups


def run_assistant(assistant, items: list[Item], warmup: int = 3, progress: Progress | None = None,
                  label: str = "assistant") -> list[Outcome]:
    for item in items[:warmup]:  # first calls load caches; they are not timed
        _ask(assistant, item.question)
    return _run(items, lambda item: _outcome(item, *_ask(assistant, item.question)), progress, label)


def _run(items: list[Item], one: Callable[[Item], Outcome], progress: Progress | None, label: str) -> list[Outcome]:
    """``one(item)`` for every item, with items done and the running accuracy on ``progress``."""
    outcomes = []
    with (progress or Progress.off()).step(label, len(items), "items") as bar:
        for item in items:
            outcomes.append(one(item))
            bar.update(1)
            bar.set_postfix_str(f"accuracy {sum(o.correct for o in outcomes) / len(outcomes):.1%}", refresh=False)
    return outcomes


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
    correct = is_correct(got["answer"], got["refused"], item.answerable, item.must_contain, item.must_not_contain) \
        and not padded(item.kind, item.sources, got["cited"])
    return Outcome(item.id, item.kind, item.lang, item.answerable, item.sources, got["answer"], got["refused"],
                   got.get("language", ""), got["retrieved"], got["cited"], bool(correct), latency_ms,
                   style=item.style, variant_of=item.variant_of)


def run_baseline(baseline, items: list[Item], progress: Progress | None = None,
                 label: str = "baseline") -> list[Outcome]:
    def one(item: Item) -> Outcome:
        start = time.perf_counter()
        got = baseline.ask(item.question)
        elapsed = (time.perf_counter() - start) * 1000
        got["language"] = "de"  # it quotes the German report whatever the question's language
        return _outcome(item, got, elapsed)

    return _run(items, one, progress, label)


def run_dialogues(assistant, dialogues: list[Dialogue], progress: Progress | None = None) -> dict:
    """Turn accuracy and citation precision over multi-turn conversations."""
    with (progress or Progress.off()).step("dialogues", len(dialogues), "dialogues") as bar:
        return _run_dialogues(assistant, dialogues, bar)


def _run_dialogues(assistant, dialogues: list[Dialogue], bar: Bar) -> dict:
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
        bar.update(1)
        if turns:
            bar.set_postfix_str(f"turn accuracy {correct / turns:.1%}", refresh=False)
    return {
        "dialogue.n": len(dialogues),
        "dialogue.turns": turns,
        "dialogue.turn_accuracy": round(correct / turns, 4) if turns else None,
        "dialogue.citation.precision": round(cited_ok / cited, 4) if cited else None,
        "failures": failures,
    }


def summary_for(outcomes: list[Outcome]) -> dict:
    return summarise_groups(outcomes)

"""Fit the sentence weights of the answer stage on our own questions, and report them on questions they
were not fitted on.

``python -m eval.fit_weights [--qa FILE ...] [--out assistant/templates/sentence_weights.json] [--check]``

Every question of the sets goes through the assistant as usual; the answer stage shows its scored
candidate sentences (the features of ``assistant/weights.py``). A candidate is right when it holds every
``must_contain`` piece of the item (or, when none does, the most of them). A pairwise logistic regression
learns from (right - wrong) feature differences of the same question, so the score orders sentences and
needs no intercept. Items are split by the item they reword (a rewording stays with its original), 70 %
to fit, 30 % held out; the held-out share of questions whose best-scored sentence is right is reported for
the hand-set and the fitted weights. The weights are scaled so that similarity counts 1.0 and written with
the hash of the data and the held-out numbers. ``--check`` refits and fails if the stored weights differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

HERE = Path(__file__).resolve().parent
DEFAULT_SETS = (HERE / "qa.jsonl", HERE / "qa-variants.jsonl")
HELD_OUT = 0.3
C = 1.0


def held_out(key: str) -> bool:
    """A stable split by item (the original's id for a rewording)."""
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < HELD_OUT


def label(sentences: list[str], must_contain: tuple[str, ...]) -> np.ndarray:
    """1 for the candidates that hold the most of the expected pieces (at least one), else 0."""
    from .metrics import fold_ws

    def found(sentence: str) -> int:
        text = fold_ws(sentence)
        return sum(any(fold_ws(a) in text for a in entry.split("|") if a.strip()) for entry in must_contain)

    counts = np.array([found(s) for s in sentences])
    best = counts.max() if len(counts) else 0
    return (counts == best) & (best > 0)


def collect(assistant, items) -> list[dict]:
    """Each extractive answer's candidates with their features and labels (one group per answer call)."""
    from assistant.errors import InputError

    groups: list[dict] = []
    current: list = []
    assistant.answerer.observer = lambda _q, scored: current.append(list(scored))
    try:
        for item in items:
            if not item.answerable or not item.must_contain:
                continue
            current.clear()
            try:
                assistant.ask(item.question)
            except InputError:
                continue
            for scored in current:
                if len(scored) < 2:
                    continue
                y = label([s.sentence for s in scored], item.must_contain)
                if y.any() and not y.all():
                    groups.append({"key": item.variant_of or item.id, "id": item.id,
                                   "x": np.vstack([s.features for s in scored]), "y": y})
    finally:
        assistant.answerer.observer = None
    return groups


def pairs(groups: list[dict], rng: np.random.Generator, per_group: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(right - wrong) and (wrong - right) differences, each question weighing the same."""
    xs, ys, ws = [], [], []
    for g in groups:
        pos, neg = np.flatnonzero(g["y"]), np.flatnonzero(~g["y"])
        combos = [(p, n) for p in pos for n in neg]
        if len(combos) > per_group:
            combos = [combos[i] for i in rng.choice(len(combos), per_group, replace=False)]
        for p, n in combos:
            d = g["x"][p] - g["x"][n]
            xs += [d, -d]
            ys += [1, 0]
            ws += [1 / len(combos)] * 2
    return np.array(xs), np.array(ys), np.array(ws)


def top1(groups: list[dict], vector: np.ndarray) -> float | None:
    """The share of questions whose best-scored candidate is a right one."""
    if not groups:
        return None
    return round(float(np.mean([g["y"][int(np.argmax(g["x"] @ vector))] for g in groups])), 4)


def fit(groups: list[dict]) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression

    from assistant.weights import FEATURES

    x, y, w = pairs(groups, np.random.default_rng(0))
    model = LogisticRegression(C=C, fit_intercept=False, max_iter=5000)
    model.fit(x, y, sample_weight=w * len(groups) / w.sum())
    coef = model.coef_[0]
    sim = coef[FEATURES.index("similarity")]
    if sim <= 0:
        raise SystemExit(f"the fitted similarity weight is not positive ({sim:.4f}); not writing weights")
    return {name: round(float(c / sim), 5) for name, c in zip(FEATURES, coef, strict=True)}


def data_hash(paths: list[Path]) -> str:
    digest = hashlib.sha1()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    from assistant.service import Assistant
    from assistant.settings import Settings
    from assistant.weights import WEIGHTS_PATH, SentenceWeights

    from .dataset import load_qa

    parser = argparse.ArgumentParser(prog="python -m eval.fit_weights")
    parser.add_argument("--qa", type=Path, action="append", help="a training set (repeatable)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    parser.add_argument("--check", action="store_true", help="refit and compare with the stored weights")
    args = parser.parse_args(argv)
    paths = args.qa or [p for p in DEFAULT_SETS if p.exists()]
    items = [item for path in paths for item in load_qa(path)]

    assistant = Assistant.from_settings(Settings())
    assistant.answerer.weights = SentenceWeights.hand()  # candidates as the hand weights rank them
    assistant.ensure_index()
    groups = collect(assistant, items)
    train = [g for g in groups if not held_out(g["key"])]
    test = [g for g in groups if held_out(g["key"])]
    weights = fit(train)
    fitted = SentenceWeights(weights, "fitted").vector
    hand = SentenceWeights.hand().vector
    result = {
        "data_hash": data_hash(paths), "sets": [p.name for p in paths], "C": C,
        "groups": {"train": len(train), "held_out": len(test)},
        "top1": {"train": {"hand": top1(train, hand), "fitted": top1(train, fitted)},
                 "held_out": {"hand": top1(test, hand), "fitted": top1(test, fitted)}},
        "weights": weights,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "weights"}, indent=1))
    if args.check:
        stored = json.loads(args.out.read_text(encoding="utf-8"))
        if stored.get("data_hash") != result["data_hash"]:
            print(f"stale: the weights were fitted on data {stored.get('data_hash')}, the sets are now "
                  f"{result['data_hash']}; run python -m eval.fit_weights", file=sys.stderr)
            return 1
        far = {k: (stored["weights"].get(k), v) for k, v in weights.items()
               if abs(stored["weights"].get(k, 0.0) - v) > 0.02 + 0.05 * abs(v)}
        if far:
            print(f"the refitted weights differ from the stored ones: {far}", file=sys.stderr)
            return 1
        print("stored weights match a refit")
        return 0
    from assistant.store import write_json_atomic

    write_json_atomic(args.out, result)
    print(f"weights written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

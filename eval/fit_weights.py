"""Fit the answer stage's weights on our own questions, and report them on questions they were not fitted on.

``python -m eval.fit_weights [--what sentences|refusal] [--qa FILE ...] [--out FILE] [--check]``

Refit the sentences first, then the refusal (which sees the quotes the sentence weights choose); a test
checks that both stored files are a refit of the current tuning sets.

**refusal** (the default): each question answered from a quote shows how well the quote holds what was asked
(``SUPPORT_FEATURES``); a logistic regression learns "the report does not answer this" from the answerable
and the unanswerable items of the training split, and the threshold is the lowest probability at which the
held-out answerable questions are refused at most ``MAX_FALSE_REFUSALS`` of the time.

**sentences**:

Every question of the sets goes through the assistant as usual; the answer stage shows its scored
candidate sentences (the features of ``assistant/weights.py``). A candidate is right when it holds every
``must_contain`` piece of the item (or, when none does, the most of them). A conditional logit (the right
sentences' share of a softmax over each question's candidates) learns the weights, which order sentences and
need no intercept. Items are split by the item they reword (a rewording stays with its original), 70 % to
fit, 30 % held out; the held-out share of questions whose best-scored sentence is right is reported for the
hand-set and the fitted weights. The weights are scaled so that similarity counts 1.0 and written with
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
DEFAULT_SETS = (HERE / "qa.jsonl", HERE / "qa-variants.jsonl", HERE / "qa-train.jsonl")
HELD_OUT = 0.3
C = 1.0
MAX_FALSE_REFUSALS = 0.0
PENALTY = 0.1  # toward the hand-set weights, on standardised ones


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


def top1(groups: list[dict], vector: np.ndarray) -> float | None:
    """The share of questions whose best-scored candidate is a right one."""
    if not groups:
        return None
    return round(float(np.mean([g["y"][int(np.argmax(g["x"] @ vector))] for g in groups])), 4)


def fit(groups: list[dict], penalty: float = PENALTY) -> dict[str, float]:
    """A conditional logit: the probability of a question's right sentences among all its candidates,
    softmax over ``features @ weights``, maximised with an L2 penalty that pulls the standardised weights
    toward the hand-set ones (the prior: with few questions, data moves a weight only where it has to)."""
    from scipy.optimize import minimize
    from scipy.special import logsumexp

    from assistant.weights import FEATURES, HAND_TEMPERATURE, SentenceWeights

    scale = np.vstack([g["x"] for g in groups]).std(axis=0)
    scale[scale == 0] = 1.0
    xs, ys = [g["x"] / scale for g in groups], [g["y"] for g in groups]
    prior = SentenceWeights.hand().vector * scale * HAND_TEMPERATURE

    def loss(u: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(u)
        for x, y in zip(xs, ys, strict=True):
            s = x @ u
            all_, right = logsumexp(s), logsumexp(s[y])
            total += all_ - right
            grad += x.T @ np.exp(s - all_) - x[y].T @ np.exp(s[y] - right)
        d = u - prior
        return total / len(xs) + penalty * (d @ d), grad / len(xs) + 2 * penalty * d

    u = minimize(loss, prior, jac=True, method="L-BFGS-B").x / scale
    sim = u[FEATURES.index("similarity")]
    if sim <= 0:
        raise SystemExit(f"the fitted similarity weight is not positive ({sim:.4f}); not writing weights")
    return {name: round(float(c / sim), 5) for name, c in zip(FEATURES, u, strict=True)}


def fit_temperature(groups: list[dict], vector: np.ndarray) -> float:
    """The factor that turns scores into calibrated logits: the likelihood of the right candidates, maximised
    over that one number (the weights fixed)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import logsumexp

    scores = [g["x"] @ vector for g in groups]

    def loss(t: float) -> float:
        return float(np.mean([logsumexp(t * s) - logsumexp(t * s[g["y"]]) for s, g in zip(scores, groups, strict=True)]))

    return round(float(minimize_scalar(loss, bounds=(0.1, 1000.0), method="bounded").x), 3)


def calibration(groups: list[dict], weights) -> dict[str, float] | None:
    """The mean probability given to each question's best candidate beside how often it is right: close
    numbers mean the answer stage's "how sure" can be trusted."""
    if not groups:
        return None
    best = [(weights.probabilities(g["x"] @ weights.vector).max(), g["y"][int(np.argmax(g["x"] @ weights.vector))])
            for g in groups]
    return {"best_probability": round(float(np.mean([p for p, _ in best])), 4),
            "best_right": round(float(np.mean([y for _, y in best])), 4)}


def data_hash(paths: list[Path]) -> str:
    digest = hashlib.sha1()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


def collect_support(assistant, items) -> list[dict]:
    """The support features of each question's extractive answer, labelled 1 when the item is unanswerable."""
    from assistant.errors import InputError

    rows: list[dict] = []
    current: list = []
    assistant.answerer.support_observer = lambda _q, support: current.append(support)
    try:
        for item in items:
            current.clear()
            try:
                assistant.ask(item.question)
            except InputError:
                continue
            if current:
                rows.append({"key": item.variant_of or item.id, "id": item.id, "x": current[-1],
                             "y": int(not item.answerable)})
    finally:
        assistant.answerer.support_observer = None
    return rows


def fit_refusal(train: list[dict], test: list[dict]) -> dict:
    from sklearn.linear_model import LogisticRegression

    from assistant.weights import SUPPORT_FEATURES

    x = np.vstack([r["x"] for r in train])
    y = np.array([r["y"] for r in train])
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(x / scale, y)
    coef, intercept = model.coef_[0] / scale, float(model.intercept_[0])

    def prob(rows):
        return 1 / (1 + np.exp(-(np.vstack([r["x"] for r in rows]) @ coef + intercept))) if rows else np.array([])

    held_p, held_y = prob(test), np.array([r["y"] for r in test])
    answerable = np.sort(held_p[held_y == 0])
    allowed = int(np.floor(MAX_FALSE_REFUSALS * len(answerable)))
    # refuse at p >= threshold: at most `allowed` held-out answerable questions lie at or above it
    threshold = float(answerable[-allowed - 1] + 1e-6) if len(answerable) > allowed else 1.0
    train_p, train_y = prob(train), np.array([r["y"] for r in train])

    def rates(p, y):
        return {"refused_unanswerable": round(float(np.mean(p[y == 1] >= threshold)), 4) if (y == 1).any() else None,
                "refused_answerable": round(float(np.mean(p[y == 0] >= threshold)), 4) if (y == 0).any() else None,
                "n": int(len(y)), "unanswerable": int((y == 1).sum())}

    return {"weights": {n: round(float(c), 5) for n, c in zip(SUPPORT_FEATURES, coef, strict=True)},
            "intercept": round(intercept, 5), "threshold": round(threshold, 5), "C": C,
            "max_false_refusals": MAX_FALSE_REFUSALS,
            "train": rates(train_p, train_y), "held_out": rates(held_p, held_y)}


def main(argv: list[str] | None = None) -> int:
    from assistant.service import Assistant
    from assistant.settings import Settings
    from assistant.weights import REFUSAL_PATH, WEIGHTS_PATH, RefusalModel, SentenceWeights

    from .dataset import load_qa

    parser = argparse.ArgumentParser(prog="python -m eval.fit_weights")
    parser.add_argument("--what", choices=("refusal", "sentences"), default="refusal")
    parser.add_argument("--qa", type=Path, action="append", help="a training set (repeatable)")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--check", action="store_true", help="refit and compare with the stored weights")
    args = parser.parse_args(argv)
    paths = args.qa or [p for p in DEFAULT_SETS if p.exists()]
    items = [item for path in paths for item in load_qa(path)]

    assistant = Assistant.from_settings(Settings())
    assistant.ensure_index()
    if args.what == "refusal":
        out = args.out or REFUSAL_PATH
        assistant.answerer.refusal = RefusalModel()  # every quote is seen, none refused
        rows = collect_support(assistant, items)
        result = {"data_hash": data_hash(paths), "sets": [p.name for p in paths], "embedder": assistant.embedder.name,
                  **fit_refusal([r for r in rows if not held_out(r["key"])], [r for r in rows if held_out(r["key"])])}
        return _write_or_check(args, out, result, same=lambda stored: _same_decisions(stored, result, rows))
    args.out = args.out or WEIGHTS_PATH
    assistant.answerer.weights = SentenceWeights.hand()  # candidates as the hand weights rank them
    groups = collect(assistant, items)
    train = [g for g in groups if not held_out(g["key"])]
    test = [g for g in groups if held_out(g["key"])]
    weights = fit(train)
    fitted = SentenceWeights(weights, "fitted").vector
    hand = SentenceWeights.hand().vector
    temperature = fit_temperature(train, fitted)
    calibrated = SentenceWeights(weights, "fitted", temperature)
    result = {
        "data_hash": data_hash(paths), "sets": [p.name for p in paths], "penalty": PENALTY,
        "embedder": assistant.embedder.name,
        "groups": {"train": len(train), "held_out": len(test)},
        "top1": {"train": {"hand": top1(train, hand), "fitted": top1(train, fitted)},
                 "held_out": {"hand": top1(test, hand), "fitted": top1(test, fitted)}},
        "temperature": temperature,
        "calibration": {"train": calibration(train, calibrated), "held_out": calibration(test, calibrated)},
        "weights": weights,
    }
    return _write_or_check(args, args.out, result)


def _same_decisions(stored: dict, refit: dict, rows: list[dict]) -> dict:
    """Where a stored refusal model and its refit differ in what they decide. Two of the support features
    add up to nearly one (coverage and what is missing), so their weights alone may trade places while every
    probability stays the same: the decisions are compared, not the weights."""
    from assistant.weights import SUPPORT_FEATURES

    x = np.vstack([r["x"] for r in rows])

    def prob(model: dict) -> np.ndarray:
        w = np.array([model["weights"].get(n, 0.0) for n in SUPPORT_FEATURES])
        return 1 / (1 + np.exp(-(x @ w + model["intercept"])))

    p_stored, p_refit = prob(stored), prob(refit)
    flipped = float(np.mean((p_stored >= stored["threshold"]) != (p_refit >= refit["threshold"])))
    drift = float(np.mean(np.abs(p_stored - p_refit)))
    return {k: v for k, v in {"decisions_flipped": flipped, "mean_probability_drift": drift}.items()
            if v > {"decisions_flipped": 0.01, "mean_probability_drift": 0.02}[k]}


def _write_or_check(args, out: Path, result: dict, same=None) -> int:
    """``same(stored)``, if given, says where a refit differs from the stored file (else the weights are compared)."""
    print(json.dumps({k: v for k, v in result.items() if k != "weights"}, indent=1))
    if args.check:
        stored = json.loads(out.read_text(encoding="utf-8"))
        if stored.get("data_hash") != result["data_hash"]:
            print(f"stale: the weights were fitted on data {stored.get('data_hash')}, the sets are now "
                  f"{result['data_hash']}; run python -m eval.fit_weights", file=sys.stderr)
            return 1
        far = same(stored) if same is not None else {
            k: (stored["weights"].get(k), v) for k, v in result["weights"].items()
            if abs(stored["weights"].get(k, 0.0) - v) > 0.02 + 0.05 * abs(v)}
        if "temperature" in result and abs(stored.get("temperature", 0.0) - result["temperature"]) > 0.05 * result["temperature"]:
            far["temperature"] = (stored.get("temperature"), result["temperature"])
        if far:
            print(f"the refitted weights differ from the stored ones: {far}", file=sys.stderr)
            return 1
        print("stored weights match a refit")
        return 0
    from assistant.store import write_json_atomic

    write_json_atomic(out, result)
    print(f"weights written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

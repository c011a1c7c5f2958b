"""Scoring rules and aggregation; pure functions so they can be checked by hand."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

_GROUPED = re.compile(r"(?<=\d)[.,\u202f\u00a0 ](?=\d{3}(?!\d))")


def fold_ws(text: str) -> str:
    """Lowercased, whitespace folded, and thousands separators dropped, so that the German
    246.272 and the English 246,272 both match an expected 246272."""
    text = re.sub(r"\s+", " ", text).strip().lower()
    return _GROUPED.sub("", text)


def contains_all(answer: str, must_contain: tuple[str, ...] | list[str]) -> bool:
    """Every entry has at least one ``|``-separated alternative in the answer."""
    text = fold_ws(answer)
    return all(any(fold_ws(alt) in text for alt in entry.split("|") if alt.strip()) for entry in must_contain)


def contains_none(answer: str, must_not_contain: tuple[str, ...] | list[str]) -> bool:
    """No entry (nor any of its ``|``-separated alternatives) occurs in the answer."""
    text = fold_ws(answer)
    return not any(fold_ws(alt) in text for entry in must_not_contain for alt in entry.split("|") if alt.strip())


def is_correct(answer: str, refused: bool, answerable: bool, must_contain, must_not_contain=()) -> bool:
    """An answerable item: not refused, every expected piece present and no padding named.
    An unanswerable one: refused."""
    if not answerable:
        return refused
    return not refused and contains_all(answer, must_contain) and contains_none(answer, must_not_contain)


def padded(kind: str, sources, cited, min_named: int = 4, min_share: float = 0.5) -> bool:
    """A list answer ("which cities / which projects", kind ``multi``) that pads: it cites at least
    ``min_named`` sources and fewer than ``min_share`` of them are the item's sources. Such a list passes
    ``must_contain`` by naming everything, so it is counted wrong."""
    named = set(cited)
    if kind != "multi" or not sources or len(named) < min_named:
        return False
    return len(named & set(sources)) / len(named) < min_share


def list_precision(outcomes: list) -> float | None:
    """Over list answers (kind ``multi``, two or more sources cited): the mean share of cited sources
    that are the item's sources."""
    shares = [len(set(o.cited) & set(o.sources)) / len(set(o.cited)) for o in outcomes
              if o.kind == "multi" and o.answerable and o.sources and len(set(o.cited)) >= 2]
    return round(sum(shares) / len(shares), 4) if shares else None


@dataclass
class Outcome:
    """What happened to one item."""

    id: str
    kind: str
    lang: str
    answerable: bool
    sources: tuple[str, ...]
    answer: str
    refused: bool
    language: str
    retrieved: list[str]
    cited: list[str]
    correct: bool
    latency_ms: float
    extra: dict = field(default_factory=dict)
    style: str = "original"
    variant_of: str = ""


def _first_hit(retrieved: list[str], sources: tuple[str, ...]) -> int | None:
    for i, s in enumerate(retrieved, 1):
        if s in sources:
            return i
    return None


def _pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def summarise(outcomes: list[Outcome]) -> dict:
    """The headline metrics for a list of outcomes (see docs/evaluation.md for definitions)."""
    answerable = [o for o in outcomes if o.answerable]
    with_sources = [o for o in answerable if o.sources]
    unanswerable = [o for o in outcomes if not o.answerable]
    ranks = [_first_hit(o.retrieved, o.sources) for o in with_sources]
    cited = [(c in o.sources) for o in with_sources for c in o.cited]
    lengths = [len(o.answer) for o in answerable if not o.refused]
    # When the first passage is a right source, does the answer hold the fact? (The answer stage's own share.)
    first_right = [o for o, r in zip(with_sources, ranks, strict=True) if r == 1]
    latencies = [o.latency_ms for o in outcomes]

    def ratio(num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    return {
        "n": len(outcomes),
        "retrieval.hit@1": ratio(sum(r == 1 for r in ranks), len(ranks)),
        "retrieval.hit@5": ratio(sum(r is not None and r <= 5 for r in ranks), len(ranks)),
        "retrieval.mrr@10": round(sum(1 / r for r in ranks if r is not None and r <= 10) / len(ranks), 4) if ranks else None,
        "answer.accuracy": ratio(sum(o.correct for o in answerable), len(answerable)),
        "answer.accuracy_given_hit1": ratio(sum(o.correct for o in first_right), len(first_right)),
        "citation.precision": ratio(sum(cited), len(cited)),
        "list.precision": list_precision(answerable),
        "refusal.accuracy": ratio(sum(o.refused for o in unanswerable), len(unanswerable)),
        "refusal.false_rate": ratio(sum(o.refused for o in answerable), len(answerable)),
        "language.match": ratio(sum(o.language == o.lang for o in outcomes), len(outcomes)),
        "latency_ms.p50": round(_pct(latencies, 50), 2) if latencies else None,
        "latency_ms.p95": round(_pct(latencies, 95), 2) if latencies else None,
        "answer.length_chars.p50": round(_pct(lengths, 50), 1) if lengths else None,
        "answer.length_chars.p95": round(_pct(lengths, 95), 1) if lengths else None,
    }


def summarise_groups(outcomes: list[Outcome]) -> dict:
    """Overall metrics plus ``by_kind``, ``by_lang`` and ``by_style``."""
    out = summarise(outcomes)
    out["by_style"] = {k: summarise([o for o in outcomes if o.style == k])
                       for k in sorted({o.style for o in outcomes})}
    out["by_kind"] = {k: summarise([o for o in outcomes if o.kind == k])
                      for k in sorted({o.kind for o in outcomes})}
    out["by_lang"] = {lang: summarise([o for o in outcomes if o.lang == lang])
                      for lang in sorted({o.lang for o in outcomes})}
    return out


def variant_gap(variants: list[Outcome], originals: list[Outcome]) -> dict:
    """How rewordings fare beside the wording they reword: accuracy of the variants and of their
    originals (each original counted once per variant), and the difference."""
    by_id = {o.id: o for o in originals}
    pairs = [(v, by_id[v.variant_of]) for v in variants if v.variant_of in by_id]
    if not pairs:
        return {}
    var = sum(v.correct for v, _ in pairs) / len(pairs)
    orig = sum(o.correct for _, o in pairs) / len(pairs)
    return {"variants.n": len(pairs), "variants.accuracy": round(var, 4), "variants.original_accuracy": round(orig, 4),
            "variants.gap": round(orig - var, 4)}

"""Insights for the operator from the question log and the feedback: questions per day, the share
refused, the most asked questions grouped by meaning, the refused and thumbs-down questions with their
answers, and draft evaluation items made of them for a person to check.

Grouping embeds the distinct questions with the app's embedder and clusters them with scikit-learn's
``AgglomerativeClustering`` (cosine distance, average linkage, a distance threshold instead of a
number of groups). Without scikit-learn (the ``insights`` extra) questions are grouped by their
wording only, and the result says so.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

log = logging.getLogger(__name__)
# With multilingual-e5-small two wordings of one question (also across German and English) are >= 0.94
# similar; the same question about another city ~0.92 (measured on the report's questions).
GROUP_DISTANCE = 0.06
Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Group:
    """Questions that ask the same: the most asked wording, how often, the other wordings."""

    question: str
    count: int
    refused: int
    wordings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Insights:
    """What the operator sees; every list newest first except ``per_day`` (by date)."""

    since: date | None
    total: int
    refused: int
    per_day: tuple[tuple[date, int, int], ...]  # (day, questions, refused)
    channels: dict[str, int]
    languages: dict[str, int]
    groups: tuple[Group, ...]
    grouped_by: str  # "meaning" or "wording"
    refused_questions: tuple[dict, ...]  # one per wording: count, created (latest), question, answer, ...
    thumbs_down: tuple[dict, ...]  # created, question, answer, comment, language, citations
    drafts: tuple[dict, ...] = field(default=())

    @property
    def refused_share(self) -> float:
        return self.refused / self.total if self.total else 0.0


def normalise(question: str) -> str:
    """Lower case, single spaces, no trailing punctuation: one wording however it was typed."""
    return re.sub(r"[\s?!.]+$", "", " ".join(question.lower().split()))


class InsightsBuilder:
    """Builds :class:`Insights` from rows of the question log and the feedback store.

    ``embed`` turns a list of questions into vectors (the app's embedder's ``embed_passages``); None
    groups by wording. ``distance`` is the clustering's cosine distance threshold, ``max_distinct``
    the most frequent distinct wordings that are embedded, ``top`` the groups kept, ``max_listed``
    the refused and thumbs-down questions listed."""

    def __init__(self, embed: Embed | None = None, distance: float = GROUP_DISTANCE, max_distinct: int = 500,
                 top: int = 20, max_listed: int = 200) -> None:
        if not 0 < distance < 2:
            raise ValueError(f"distance must be in (0, 2), got {distance}")
        if min(max_distinct, top, max_listed) < 1:
            raise ValueError("max_distinct, top and max_listed must be positive")
        self.embed = embed
        self.distance = distance
        self.max_distinct = max_distinct
        self.top = top
        self.max_listed = max_listed

    def run(self, questions: list[dict], feedback: list[dict], since: date | None = None) -> Insights:
        """``questions``: rows of the question log; ``feedback``: rows of the feedback store."""
        if since is not None:
            start = datetime.combine(since, datetime.min.time())
            questions = [q for q in questions if q["created"] >= start]
            feedback = [f for f in feedback if f["created"][:10] >= since.isoformat()]
        days: dict[date, list[int]] = defaultdict(lambda: [0, 0])
        for q in questions:
            day = days[q["created"].date()]
            day[0] += 1
            day[1] += int(q["refused"])
        per_day = _fill_days(days)
        groups, grouped_by = self._groups(questions)
        refused = _refused(questions)[:self.max_listed]
        down = [{"created": f["created"], "question": f["question"], "answer": f["answer"], "comment": f["comment"],
                 "language": f["language"], "citations": f["citations"]}
                for f in reversed(feedback) if f["rating"] == "down"][:self.max_listed]
        return Insights(since=since, total=len(questions), refused=sum(int(q["refused"]) for q in questions),
                        per_day=per_day, channels=dict(Counter(q["channel"] for q in questions).most_common()),
                        languages=dict(Counter(q["language"] for q in questions).most_common()),
                        groups=groups, grouped_by=grouped_by, refused_questions=tuple(refused),
                        thumbs_down=tuple(down), drafts=tuple(draft_items(refused, down)))

    def _groups(self, questions: list[dict]) -> tuple[tuple[Group, ...], str]:
        counts: Counter[str] = Counter()
        refused: Counter[str] = Counter()
        shown: dict[str, str] = {}  # normalised -> the wording as first asked
        for q in questions:
            key = normalise(q["question"])
            counts[key] += 1
            refused[key] += int(q["refused"])
            shown.setdefault(key, q["question"])
        distinct = [key for key, _ in counts.most_common(self.max_distinct)]
        labels, grouped_by = self._cluster(distinct)
        members: dict[int, list[str]] = defaultdict(list)
        for key, label in zip(distinct, labels, strict=True):
            members[label].append(key)
        groups = []
        for keys in members.values():
            keys.sort(key=lambda k: -counts[k])  # the most asked wording names the group
            groups.append(Group(question=shown[keys[0]], count=sum(counts[k] for k in keys),
                                refused=sum(refused[k] for k in keys), wordings=tuple(shown[k] for k in keys[1:6])))
        groups.sort(key=lambda g: (-g.count, g.question))
        return tuple(groups[:self.top]), grouped_by

    def _cluster(self, texts: list[str]) -> tuple[list[int], str]:
        """A group label per text: by meaning if an embedder and scikit-learn are there, else each its own."""
        if len(texts) < 2 or self.embed is None:
            return list(range(len(texts))), "meaning" if self.embed is not None else "wording"
        try:
            from sklearn.cluster import AgglomerativeClustering
        except ImportError:
            log.warning("scikit-learn is not installed: questions are grouped by wording "
                        "(pip install -e '.[insights]' groups them by meaning)")
            return list(range(len(texts))), "wording"
        vectors = np.asarray(self.embed(texts), dtype=np.float32)
        clustering = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                             distance_threshold=self.distance)
        return [int(label) for label in clustering.fit_predict(vectors)], "meaning"


def _refused(questions: list[dict]) -> list[dict]:
    """The refused questions, one entry per wording with how often it was asked and its latest answer;
    the most asked first, then the latest."""
    out: dict[str, dict] = {}
    for q in reversed(questions):  # newest first: the first seen is the latest
        if not q["refused"]:
            continue
        key = normalise(q["question"])
        if key in out:
            out[key]["count"] += 1
            continue
        out[key] = {"created": q["created"].isoformat(timespec="seconds"), "question": q["question"],
                    "answer": q["answer"], "language": q["language"], "channel": q["channel"],
                    "citations": q["citations"], "count": 1}
    return sorted(out.values(), key=lambda r: -r["count"])  # stable: the latest first among equals


def _fill_days(days: dict[date, list[int]]) -> tuple[tuple[date, int, int], ...]:
    """Every day from the first to the last with questions, quiet days as zeros (a chart without gaps)."""
    if not days:
        return ()
    first, last = min(days), max(days)
    out = []
    day = first
    while day <= last:
        total, refused = days.get(day, (0, 0))
        out.append((day, total, refused))
        day += timedelta(days=1)
    return tuple(out)


def draft_items(refused: list[dict], thumbs_down: list[dict]) -> list[dict]:
    """Draft evaluation items in ``eval/qa.jsonl``'s schema, one per distinct question, marked
    ``"draft": true``: a person checks each against the report, writes ``answer`` and ``must_contain``
    (or keeps ``kind: unanswerable`` when the report really has no answer) and removes the mark."""
    out: dict[str, dict] = {}
    for origin, rows in (("refused", refused), ("thumbs_down", thumbs_down)):
        for row in rows:
            key = normalise(row["question"])
            if key in out:
                continue
            sources = list(dict.fromkeys(c.get("source", "") for c in row.get("citations") or [] if c.get("source")))
            out[key] = {
                "id": "draft-" + hashlib.sha1(key.encode()).hexdigest()[:10],
                "lang": row["language"] if row["language"] in ("de", "en") else "de",
                "question": row["question"],
                "answer": "",
                "must_contain": [],
                "sources": sources,
                "section": "",
                "kind": "unanswerable" if origin == "refused" else "fact",
                "evidence": "",
                "draft": True,
                "origin": origin,
                "assistant_answer": row["answer"],
                "comment": row.get("comment", ""),
                "review": "check against the report: write answer, must_contain, sources, section and kind "
                          "(unanswerable only if the report has no answer), then delete draft/origin/"
                          "assistant_answer/comment/review",
            }
    return list(out.values())


class CachedEmbed:
    """``embed`` with the vectors of questions already seen kept (at most ``max_items``), so that showing
    the insights again embeds only the new questions."""

    def __init__(self, embed: Embed, max_items: int = 20_000) -> None:
        self.embed = embed
        self.max_items = max_items
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()  # two admin pages at once share the cache

    def __call__(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            new = [t for t in dict.fromkeys(texts) if t not in self._vectors]
            if new:
                if len(self._vectors) + len(new) > self.max_items:
                    self._vectors.clear()
                self._vectors.update(zip(new, np.asarray(self.embed(new), dtype=np.float32), strict=True))
            return np.vstack([self._vectors[t] for t in texts])

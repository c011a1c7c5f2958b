"""Load and check evaluation sets (``qa.jsonl`` and ``dialogues.jsonl`` schemas)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

KINDS = ("number", "fact", "project", "multi", "analysis", "unanswerable")
# How a question is worded: "original" for the tidy items of qa.jsonl, the others for the rewordings in
# qa-variants.jsonl and the held-out qa-test.jsonl (results are reported per style); "exam" for the
# examiner-style questions of qa-exam*.jsonl.
STYLES = ("original", "tidy", "typo", "keywords", "chatty", "paraphrase", "yesno", "en_de", "de_en", "near_miss",
          "exam")


class DatasetError(ValueError):
    """An evaluation file does not follow the schema; the message names the line."""


@dataclass(frozen=True)
class Item:
    id: str
    lang: str
    question: str
    answer: str
    must_contain: tuple[str, ...]
    sources: tuple[str, ...]
    section: str
    kind: str
    evidence: str = ""
    style: str = "original"
    variant_of: str = ""  # the qa.jsonl item a rewording asks the same as
    must_not_contain: tuple[str, ...] = ()  # a list answer naming any of these pads its list: wrong

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"


@dataclass(frozen=True)
class Turn:
    question: str
    must_contain: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Dialogue:
    id: str
    lang: str
    turns: tuple[Turn, ...]


def spread(items: list, n: int) -> list:
    """``n`` items evenly spaced over ``items`` (every kind of a set sorted by kind is in; repeats when
    ``n`` is larger than the set)."""
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    return [items[(i * len(items)) // n % len(items)] for i in range(n)] if items else []


def _lines(path: Path):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: file not found") from exc
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}:{no}: not valid JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise DatasetError(f"{path}:{no}: expected a JSON object")
        yield no, obj


def _strings(value, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DatasetError(f"{where}: expected a list of strings")
    return tuple(value)


def load_qa(path: Path) -> list[Item]:
    items: list[Item] = []
    seen: set[str] = set()
    for no, obj in _lines(path):
        where = f"{path}:{no}"
        missing = {"id", "lang", "question", "must_contain", "sources", "kind"} - obj.keys()
        if missing:
            raise DatasetError(f"{where}: missing keys {sorted(missing)}")
        if obj["lang"] not in ("de", "en"):
            raise DatasetError(f"{where}: lang must be 'de' or 'en', got {obj['lang']!r}")
        if obj["kind"] not in KINDS:
            raise DatasetError(f"{where}: kind must be one of {KINDS}, got {obj['kind']!r}")
        style = obj.get("style", "original")
        if style not in STYLES:
            raise DatasetError(f"{where}: style must be one of {STYLES}, got {style!r}")
        if obj["id"] in seen:
            raise DatasetError(f"{where}: duplicate id {obj['id']!r}")
        seen.add(obj["id"])
        items.append(Item(
            id=str(obj["id"]), lang=obj["lang"], question=str(obj["question"]), answer=str(obj.get("answer", "")),
            must_contain=_strings(obj["must_contain"], where), sources=_strings(obj["sources"], where),
            section=str(obj.get("section", "")), kind=obj["kind"], evidence=str(obj.get("evidence", "")),
            style=style, variant_of=str(obj.get("variant_of", "")),
            must_not_contain=_strings(obj.get("must_not_contain", []), where),
        ))
    if not items:
        raise DatasetError(f"{path}: no items")
    return items


def load_dialogues(path: Path) -> list[Dialogue]:
    out: list[Dialogue] = []
    for no, obj in _lines(path):
        where = f"{path}:{no}"
        turns = obj.get("turns")
        if not isinstance(turns, list) or not turns:
            raise DatasetError(f"{where}: 'turns' must be a non-empty list")
        parsed = []
        for t in turns:
            if not isinstance(t, dict) or "question" not in t:
                raise DatasetError(f"{where}: every turn needs a question")
            parsed.append(Turn(str(t["question"]), _strings(t.get("must_contain", []), where),
                               _strings(t.get("sources", []), where)))
        out.append(Dialogue(str(obj.get("id", no)), obj.get("lang", "de"), tuple(parsed)))
    if not out:
        raise DatasetError(f"{path}: no dialogues")
    return out

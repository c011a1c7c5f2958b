"""Two evaluation runs gave the same results: ``python -m eval.compare_runs [--subset] A/outcomes.jsonl B/outcomes.jsonl``.

With ``--subset`` the second run may have answered only some of the first run's items (``python -m eval
--sample N``): those are compared, and items only in the first run are not differences.

Compares, item by item, everything but latency (answer text, refusal, language, the top five retrieved
sources, cited sources, correctness). Used by CI to show that the Chroma server answers exactly like the
embedded store.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FIELDS = ("answer", "refused", "language", "retrieved", "cited", "correct")
TOP = 5  # retrieval is scored on the first five passages (hit@5); lower ranks are not compared


def load(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8") as fh:
        return {row["id"]: row for row in map(json.loads, fh) if row}


def differences(a: dict[str, dict], b: dict[str, dict], subset: bool = False) -> list[str]:
    """Readable lines, one per item or field that differs; empty when the runs agree."""
    out = [] if subset else [f"{i}: only in the first run" for i in sorted(a.keys() - b.keys())]
    out += [f"{i}: only in the second run" for i in sorted(b.keys() - a.keys())]
    for i in sorted(a.keys() & b.keys()):
        for f in FIELDS:
            x, y = a[i].get(f), b[i].get(f)
            if f == "retrieved" and isinstance(x, list) and isinstance(y, list):
                x, y = x[:TOP], y[:TOP]
            if x != y:
                out.append(f"{i}: {f} differs: {x!r} != {y!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    subset = "--subset" in args
    args = [a for a in args if a != "--subset"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        a, b = load(Path(args[0])), load(Path(args[1]))
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: cannot read the outcomes: {exc}", file=sys.stderr)
        return 2
    diff = differences(a, b, subset)
    if diff:
        print(f"{len(diff)} differences between {args[0]} and {args[1]}:\n  " + "\n  ".join(diff[:50]), file=sys.stderr)
        return 1
    print(f"same results for all {len(b) if subset else len(a)} items: {args[0]} == {args[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

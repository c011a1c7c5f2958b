"""What the benchmarks share: their command line (how many runs, where the result goes) and the medians
of their runs."""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path


def parse_args(doc: str | None, default_out: Path, argv: list[str] | None,
               switches: dict[str, str] | None = None) -> argparse.Namespace:
    """``--runs`` (at least 1, default 3), ``--out`` (the committed result file by default) and the benchmark's
    own on/off ``switches`` (option: help)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=default_out)
    for option, text in (switches or {}).items():
        parser.add_argument(option, action="store_true", help=text)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    return args


def medians(runs: list[dict], *keys: str) -> dict:
    """The runs and, for each key, ``median_<key>`` over them."""
    return {"runs": runs, **{f"median_{key}": statistics.median(r[key] for r in runs) for key in keys}}

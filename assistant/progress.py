"""Progress on stderr for the steps a person waits for: the index build and the evaluation.

Bars are drawn only on a terminal and only when not turned off (``--quiet`` or
``ASSISTANT_PROGRESS=false``), so test output and CI logs get no progress lines at all.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO


class Bar(Protocol):
    """The part of a tqdm bar that the steps use."""

    def update(self, n: int = 1) -> object: ...

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None: ...


class _NoBar:
    """A bar that draws nothing, for a quiet run."""

    def update(self, n: int = 1) -> None:
        return None

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        return None


class Progress:
    """One bar per step (label, count, rate, time left); a disabled Progress writes nothing."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(enabled and isatty is not None and isatty())

    @classmethod
    def off(cls) -> Progress:
        return cls(enabled=False)

    @contextmanager
    def step(self, label: str, total: int, unit: str = "it") -> Iterator[Bar]:
        """A bar for ``total`` units of work; call ``update(n)`` on it as they are done."""
        if total < 0:
            raise ValueError(f"total must not be negative, got {total}")
        if not self.enabled:
            yield _NoBar()
            return
        from tqdm import tqdm

        with tqdm(total=total, desc=label, unit=f" {unit}", file=self.stream, mininterval=0.5,
                  dynamic_ncols=True) as bar:
            yield bar

"""One question at a time: the assistant behind a lock, and a single worker thread for async callers.

The embedder is single-threaded by design and answering is CPU-bound, so concurrent callers (the API
and the Gradio UI in the same process) queue here instead of competing for the cores.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_DONE = object()


class SerialAssistant:
    """Wraps an :class:`~assistant.service.Assistant` so that only one answer is computed at a time.

    ``ask``/``stream``/``new_conversation`` are the assistant's own, behind one lock (the UI uses them
    from its threads); ``run`` and ``next_piece`` do the same work on one worker thread for async code,
    so waiting requests hold no thread of the event loop's pool. Other attributes pass through."""

    def __init__(self, assistant: Any) -> None:
        self.assistant = assistant
        self.lock = threading.RLock()  # re-entrant: work run on the worker may call ask()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assistant")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.assistant, name)

    def _locked(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return fn(*args, **kwargs)

    def ask(self, *args: Any, **kwargs: Any):
        """:meth:`Assistant.ask` under the lock."""
        return self._locked(self.assistant.ask, *args, **kwargs)

    def new_conversation(self) -> str:
        return self._locked(self.assistant.new_conversation)

    def stream(self, *args: Any, **kwargs: Any) -> Iterator:
        """:meth:`Assistant.stream`, each piece computed under the lock (not held between pieces)."""
        pieces = self.assistant.stream(*args, **kwargs)
        while (piece := self._locked(next, pieces, _DONE)) is not _DONE:
            yield piece

    async def run(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)`` on the worker thread, under the lock; exceptions propagate."""
        # in the caller's context, so that log lines written on the worker carry the request's id
        future = self._worker.submit(contextvars.copy_context().run, self._locked, fn, *args, **kwargs)
        return await asyncio.wrap_future(future)

    async def next_piece(self, pieces: Iterator) -> Any:
        """The next item of a (stream) iterator computed on the worker thread, or None at its end."""
        item = await self.run(next, pieces, _DONE)
        return None if item is _DONE else item

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)

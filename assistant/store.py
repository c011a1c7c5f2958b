"""The only module that talks to Chroma (through llama-index's ``ChromaVectorStore``).

Framework objects are converted to the app's own :class:`Chunk` here and go no further.
A collection's name is derived from its manifest (corpus hash, embedder, chunker version),
and it is marked complete only after every chunk was written, so a build that was killed
half-way is never served: it is found incomplete and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from .errors import IndexError_
from .progress import Progress
from .types import Chunk

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
log = logging.getLogger(__name__)


# Search wide enough that the approximate (HNSW) search is in effect exact for an index of this size
# (hundreds to a few thousand vectors): the embedded store and a Chroma server then return the same
# passages in the same order, whatever order the vectors were inserted in.
HNSW = {"space": "cosine", "ef_construction": 400, "ef_search": 400}
# Part of every index's key: a change of the collection layout or its search settings means a rebuild.
LAYOUT = "hnsw-cosine-ef400"


@dataclass(frozen=True)
class Manifest:
    """What an index was built from; any change means a rebuild."""

    corpus_hash: str
    embedder: str
    chunker_version: str
    count: int

    @property
    def key(self) -> str:
        raw = f"{self.corpus_hash}|{self.embedder}|{self.chunker_version}|{LAYOUT}".encode()
        return hashlib.sha1(raw).hexdigest()[:16]


class ChromaStore:
    """A Chroma collection of chunks, embedded under ``index_dir`` or on a Chroma server."""

    def __init__(self, index_dir: Path, url: str = "", token: str = "", prefix: str = "atlas",
                 timeout_s: float = 5.0) -> None:
        if not prefix.isidentifier():
            raise ValueError(f"collection prefix must be a plain identifier, got {prefix!r}")
        self.index_dir = Path(index_dir)
        self.url = url
        self.token = token
        self.prefix = prefix
        self.timeout_s = timeout_s
        self._client = None
        self._collection = None
        self._vector_store = None
        self._sentences = None
        self._known: dict[str, Chunk] = {}  # the open collection's chunks by id, once all_chunks() read them

    # -- connection ----------------------------------------------------------------
    @property
    def location(self) -> str:
        return self.url or str(self.index_dir)

    def client(self):
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            settings = ChromaSettings(anonymized_telemetry=False)
            try:
                if self.url:
                    parsed = urlparse(self.url)
                    if parsed.scheme not in ("http", "https") or not parsed.hostname:
                        raise IndexError_(f"ASSISTANT_CHROMA_URL is not an http(s) URL: {self.url!r}")
                    headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
                    self._client = chromadb.HttpClient(
                        host=parsed.hostname,
                        port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                        ssl=parsed.scheme == "https",
                        headers=headers,
                        settings=settings,
                    )
                    # chromadb's HTTP session waits forever by default: a hung server must not hang answers
                    import httpx

                    self._client._server._session.timeout = httpx.Timeout(self.timeout_s)
                else:
                    self.index_dir.mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(path=str(self.index_dir), settings=settings)
            except IndexError_:
                raise
            except Exception as exc:
                raise self._unavailable(exc) from exc
        return self._client

    def _unavailable(self, exc: Exception) -> IndexError_:
        """The error for a store that does not answer; for a damaged folder, with the command that fixes it."""
        message = f"search index unavailable at {self.location}: {exc}"
        if not self.url and any(s in str(exc).lower() for s in ("malformed", "not a database", "corrupt")):
            message += f"; the index folder is damaged: delete {self.index_dir} and run 'python -m assistant build-index'"
        return IndexError_(message)

    def _name(self, manifest: Manifest) -> str:
        return f"{self.prefix}_{manifest.key}"

    # -- lifecycle -----------------------------------------------------------------
    def open(self, manifest: Manifest) -> bool:
        """Open the complete collection for this manifest; False if it must be (re)built."""
        try:
            collection = self.client().get_collection(self._name(manifest), embedding_function=None)
        except IndexError_:
            raise
        except Exception as exc:
            if _is_not_found(exc):
                return False
            raise self._unavailable(exc) from exc
        meta = collection.metadata or {}
        try:
            if meta.get("complete") != "yes" or any(meta.get(k) != str(v) for k, v in asdict(manifest).items()) \
                    or collection.count() != manifest.count:
                return False
            sentences = self.client().get_collection(self._name(manifest) + "_sent", embedding_function=None)
        except Exception as exc:
            if _is_not_found(exc):
                return False  # the sentence vectors are gone: rebuild rather than answer without them
            raise self._unavailable(exc) from exc
        self._use(collection)
        self._sentences = sentences
        self._record(manifest)
        return True

    def _record(self, manifest: Manifest) -> None:
        """Let the next build find the open index current without Chroma (:meth:`is_current`) and update
        it: an index built before the layout was part of its metadata, or without a manifest file, gets
        them (the layout is the one of its name). A read-only folder keeps the slower way."""
        if self.url:
            return
        meta, name = self._collection.metadata or {}, self._name(manifest)
        try:
            if "layout" not in meta:
                self._collection.modify(metadata={**meta, "layout": LAYOUT})
            path = self.index_dir / "manifest.json"
            if not path.exists() or json.loads(path.read_text(encoding="utf-8")) != {**asdict(manifest),
                                                                                     "collection": name}:
                write_json_atomic(path, {**asdict(manifest), "collection": name})
        except Exception as exc:
            log.warning("could not record the index at %s as current (%s): the next start checks it again",
                        self.location, exc)

    def is_current(self, manifest: Manifest) -> bool:
        """Whether :meth:`open` would find the complete index of ``manifest``, decided without importing
        Chroma (which takes a second): the manifest file names it, and Chroma's tables, read with sqlite3
        (read-only), hold the collection marked complete with this manifest's metadata and as many chunks,
        and its sentence collection. False means "not known" (a Chroma server, another Chroma version's
        tables, any doubt): then :meth:`open` decides."""
        if self.url:
            return False
        name = self._name(manifest)
        try:
            written = json.loads((self.index_dir / "manifest.json").read_text(encoding="utf-8"))
            if written != {**asdict(manifest), "collection": name}:
                return False
            db = sqlite3.connect(f"{(self.index_dir / 'chroma.sqlite3').resolve().as_uri()}?mode=ro", uri=True)
            try:
                ids = dict(db.execute("SELECT name, id FROM collections WHERE name IN (?, ?)", (name, name + "_sent")))
                if set(ids) != {name, name + "_sent"}:
                    return False
                meta = dict(db.execute("SELECT key, str_value FROM collection_metadata WHERE collection_id = ?",
                                       (ids[name],)))
                (count,) = db.execute("SELECT COUNT(*) FROM embeddings e JOIN segments s ON e.segment_id = s.id "
                                      "WHERE s.collection = ? AND s.scope = 'METADATA'", (ids[name],)).fetchone()
            finally:
                db.close()
        except (OSError, ValueError, sqlite3.Error):
            return False
        return meta == {**_describe(manifest), "complete": "yes"} and count == manifest.count

    def rebuild(self, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray,
                sentences: list[tuple[str, int, str]], sentence_vectors: np.ndarray,
                on_written: Callable[[int], object] | None = None) -> None:
        """Write a fresh collection for this manifest, then drop older ones of this prefix.

        ``sentences`` are (chunk id, position, text) with their vectors, kept in a
        companion collection so answers can pick sentences without embedding them.
        ``on_written`` is told how many vectors (sentences, then chunks) each write stored.
        """
        done = on_written or (lambda n: None)
        _check_lengths(chunks, vectors, sentences, sentence_vectors)
        client = self.client()
        name = self._name(manifest)
        self._forget_manifest()
        self._drop(name)
        self._drop(name + "_sent")
        sent = client.create_collection(
            name + "_sent", embedding_function=None, configuration={"hnsw": dict(HNSW)}
        )
        self._write(sent, sentences, sentence_vectors, done)
        collection = client.create_collection(
            name,
            embedding_function=None,  # never let Chroma embed: its default model downloads
            configuration={"hnsw": dict(HNSW)},
            metadata={**_describe(manifest), "complete": "no"},
        )
        self._write(collection, chunks, vectors, done)
        self._finish(manifest, collection, sent)

    def update(self, plan: Update, manifest: Manifest, vectors: np.ndarray, sentence_vectors: np.ndarray,
               on_written: Callable[[int], object] | None = None) -> None:
        """Make the collection ``plan`` was made for (:meth:`plan_update`) the index of ``manifest``: delete
        what is gone, write the changed and new chunks (``vectors``) and sentences (``sentence_vectors``),
        then mark it complete under the manifest's name. Killed half-way, the collection stays marked
        incomplete and no manifest file claims it: the next build plans again from what it holds."""
        done = on_written or (lambda n: None)
        _check_lengths(plan.chunks, vectors, plan.sentences, sentence_vectors)
        name = self._name(manifest)
        collection, sent = plan._collection, plan._sentences
        self._forget_manifest()
        collection.modify(metadata={**(collection.metadata or {}), "complete": "no", "updating_to": name})
        for other in (name, name + "_sent"):  # what a killed cold build may have left under the new names
            if other not in (collection.name, sent.name):
                self._drop(other)
        for target, gone in ((sent, plan.gone_sentences), (collection, plan.gone_chunks)):
            for i in range(0, len(gone), 512):
                target.delete(ids=gone[i : i + 512])
        self._write(sent, plan.sentences, sentence_vectors, done)
        self._write(collection, plan.chunks, vectors, done)
        if sent.name != name + "_sent":
            sent.modify(name=name + "_sent")
        if collection.name != name:
            collection.modify(name=name)  # still incomplete: found again by the next build if killed now
        self._finish(manifest, collection, sent)

    def plan_update(self, chunks: list[Chunk], sentences: list[tuple[str, int, str]], embedder: str,
                    key: Callable[[str], str]) -> Update | None:
        """What turns the local index built before (complete, or left half-way by an update or a build
        that was killed) into the index of ``chunks`` and ``sentences``: the chunks and sentences whose
        stored text or metadata differ or that are missing, and the ids that are no longer there.
        Decided from what the collection holds, never from bookkeeping, so a killed write is repaired.
        None when there is nothing to update (a Chroma server, whose readers would see the index change
        under them, another embedder or layout, no index): then the index is built afresh. ``key`` is
        that of :meth:`stored_vectors`: the plan knows which stored vectors :meth:`planned_vectors` reads."""
        if self.url:
            return None
        try:
            for collection in self._candidates(embedder):
                sent = self._companion(collection)
                if sent is None:
                    continue
                have = collection.get(include=["documents", "metadatas"])
                stored = {i: (d, _own(m, _CHUNK_KEYS)) for i, d, m in zip(have["ids"], have["documents"],
                                                                          have["metadatas"], strict=True)}
                have = sent.get(include=["documents", "metadatas"])
                stored_sent = {i: (d, _own(m, _SENTENCE_KEYS)) for i, d, m in zip(have["ids"], have["documents"],
                                                                                  have["metadatas"], strict=True)}
                want = {c.id: c for c in chunks}
                want_sent = {_sentence_id(s): s for s in sentences}
                reusable = {key(_to_chunk(i, d, m).embed_text): (collection, i) for i, (d, m) in stored.items()}
                reusable.update((key(d), (sent, i)) for i, (d, _) in stored_sent.items())
                return Update(
                    [c for c in chunks if stored.get(c.id) != (c.text, c.metadata())],
                    [s for s in sentences if stored_sent.get(_sentence_id(s)) != (s[2], _sentence_meta(s))],
                    sorted(stored.keys() - want.keys()), sorted(stored_sent.keys() - want_sent.keys()),
                    collection, sent, reusable)
        except IndexError_:
            raise
        except Exception as exc:  # a damaged old index is no reason not to build a new one
            log.warning("the index at %s cannot be updated, building it afresh: %s", self.location, exc)
        return None

    def planned_vectors(self, plan: Update, wanted: set[str]) -> dict[str, np.ndarray]:
        """The vectors the collection of ``plan`` holds for the ``wanted`` keys (a text that moved)."""
        out: dict[str, np.ndarray] = {}
        for target in (plan._collection, plan._sentences):
            ids = {i: k for k, (c, i) in plan._reusable.items() if c is target and k in wanted}
            if ids:
                got = target.get(ids=list(ids), include=["embeddings"])
                out.update((ids[i], np.asarray(e, dtype=np.float32)) for i, e in zip(got["ids"], got["embeddings"],
                                                                                    strict=True))
        return out

    def _candidates(self, embedder: str) -> list:
        """This prefix's chunk collections of ``embedder`` and the current layout, complete ones first."""
        names = [c if isinstance(c, str) else c.name for c in self.client().list_collections()]
        found = [self.client().get_collection(n, embedding_function=None) for n in names
                 if n.startswith(self.prefix + "_") and not n.endswith("_sent")]
        found = [c for c in found if (c.metadata or {}).get("embedder") == embedder
                 and (c.metadata or {}).get("layout") == LAYOUT]
        return sorted(found, key=lambda c: (c.metadata or {}).get("complete") != "yes")

    def _companion(self, collection):
        """The sentence collection of ``collection`` (renamed already, if an update was killed just after)."""
        meta = collection.metadata or {}
        for name in (collection.name + "_sent", str(meta.get("updating_to", "")) + "_sent"):
            try:
                return self.client().get_collection(name, embedding_function=None)
            except Exception as exc:
                if not _is_not_found(exc):
                    raise
        return None

    def _write(self, collection, items: list, vectors: np.ndarray, done: Callable[[int], object]) -> None:
        """Add or replace chunks, or (chunk id, position, text) sentences, with their vectors."""
        for i in range(0, len(items), 512):
            part = items[i : i + 512]
            if isinstance(part[0], Chunk):
                ids, documents, metadatas = [c.id for c in part], [c.text for c in part], [c.metadata() for c in part]
            else:
                ids, documents = [_sentence_id(s) for s in part], [s[2] for s in part]
                metadatas = [_sentence_meta(s) for s in part]
            collection.upsert(ids=ids, documents=documents, metadatas=metadatas,
                              embeddings=vectors[i : i + 512].tolist())
            done(len(part))

    def _finish(self, manifest: Manifest, collection, sent) -> None:
        """Mark ``collection`` complete, drop the other collections of this prefix, then write the manifest
        file (last: it never names an index that is not complete)."""
        name = self._name(manifest)
        collection.modify(metadata={**_describe(manifest), "complete": "yes"})
        self._use(collection)
        self._sentences = sent
        for other in self.client().list_collections():
            other_name = other if isinstance(other, str) else other.name
            if other_name.startswith(self.prefix + "_") and other_name not in (name, name + "_sent"):
                self._drop(other_name)
        if not self.url:
            write_json_atomic(self.index_dir / "manifest.json", {**asdict(manifest), "collection": name})

    def _forget_manifest(self) -> None:
        if not self.url:
            (self.index_dir / "manifest.json").unlink(missing_ok=True)

    def _drop(self, name: str) -> None:
        try:
            self.client().delete_collection(name)
        except Exception as exc:
            if not _is_not_found(exc):
                raise

    def _use(self, collection) -> None:
        self._collection = collection
        self._vector_store = None  # made when first needed: importing llama-index takes seconds
        self._known = {}

    def _llama(self):
        """llama-index's ``ChromaVectorStore`` over the open collection (writes, and queries before the
        chunks were read)."""
        if self._vector_store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vector_store = ChromaVectorStore(chroma_collection=self._require())
        return self._vector_store

    # -- reading -------------------------------------------------------------------
    def _require(self):
        if self._collection is None:
            raise IndexError_("the index is not open: run 'python -m assistant build-index'")
        return self._collection

    def query(self, vector: np.ndarray, top_k: int, city: str | None = None) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity, optionally only those of one city."""
        self._require()
        if self._known:  # the texts are in memory already: ask Chroma for ids and distances only (~5x faster)
            try:
                got = self._collection.query(query_embeddings=[vector.tolist()], n_results=top_k,
                                             where={"city": city} if city else None, include=["distances"])
            except Exception as exc:
                if _is_not_found(exc) and self._reopen():
                    return self.query(vector, top_k, city)
                raise self._unavailable(exc) from exc
            ids, distances = got["ids"][0], got["distances"][0]
            if all(i in self._known for i in ids):
                # the score llama-index's ChromaVectorStore gives: similarity exp(-distance), then 1 + log
                return [(self._known[i], 1.0 + math.log(max(math.exp(-d), 1e-12))) for i, d in zip(ids, distances,
                                                                                                   strict=True)]
        from llama_index.core.vector_stores.types import MetadataFilter, MetadataFilters, VectorStoreQuery

        filters = MetadataFilters(filters=[MetadataFilter(key="city", value=city)]) if city else None
        q = VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=top_k, filters=filters)
        try:
            result = self._llama().query(q)
        except Exception as exc:
            if _is_not_found(exc) and self._reopen():
                return self.query(vector, top_k, city)
            raise IndexError_(f"search index unavailable at {self.location}: {exc}") from exc
        out = []
        for node, sim in zip(result.nodes or [], result.similarities or [], strict=False):
            out.append((_to_chunk(node.node_id, node.get_content(), node.metadata), 1.0 + math.log(max(sim, 1e-12))))
        return out

    def all_chunks(self) -> list[Chunk]:
        """Every stored chunk, in a stable order (for BM25 and the fact tables)."""
        self._require()
        try:
            got = self._collection.get(include=["documents", "metadatas"])
        except Exception as exc:
            raise IndexError_(f"search index unavailable at {self.location}: {exc}") from exc
        chunks = [_to_chunk(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=False)]
        self._known = {c.id: c for c in chunks}
        return sorted(chunks, key=lambda c: c.id)

    def sentence_vectors(self) -> dict[tuple[str, int], np.ndarray]:
        """Every stored sentence vector by (chunk id, position)."""
        self._require()
        try:
            got = self._sentences.get(include=["metadatas", "embeddings"])
        except Exception as exc:
            raise IndexError_(f"search index unavailable at {self.location}: {exc}") from exc
        return {
            (m["chunk_id"], int(m["position"])): np.asarray(e, dtype=np.float32)
            for m, e in zip(got["metadatas"], got["embeddings"], strict=False)
        }

    def stored_vectors(self, embedder: str, key: Callable[[str], str],
                       wanted: set[str] | None = None) -> dict[str, np.ndarray]:
        """The vectors that complete collections of this prefix hold from ``embedder``, by ``key`` of the
        text that was embedded (a chunk's ``embed_text``, a sentence's text): what a rebuild can reuse;
        only those of the keys ``wanted``, if given (the texts are read first, the vectors then only for
        those). Empty when there are none or the store cannot read them (the rebuild then embeds them)."""
        out: dict[str, np.ndarray] = {}
        try:
            for collection in self._complete(embedder):
                sent = self.client().get_collection(collection.name + "_sent", embedding_function=None)
                for target, text in ((collection, lambda i, d, m: _to_chunk(i, d, m).embed_text),
                                     (sent, lambda i, d, m: d)):
                    got = target.get(include=["documents", "metadatas"])
                    keys = {i: key(text(i, d, m)) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"],
                                                                   strict=True)}
                    keys = {i: k for i, k in keys.items() if wanted is None or (k in wanted and k not in out)}
                    if keys:
                        got = target.get(ids=list(keys), include=["embeddings"])
                        out.update((keys[i], np.asarray(e, dtype=np.float32))
                                   for i, e in zip(got["ids"], got["embeddings"], strict=True))
        except IndexError_:
            raise
        except Exception as exc:  # a damaged old collection is no reason not to build a new one
            log.warning("the vectors of the previous index at %s cannot be reused: %s", self.location, exc)
            return {}
        return out

    def _complete(self, embedder: str | None = None) -> list:
        """The complete chunk collections of this prefix (of one embedder, if given)."""
        names = [c if isinstance(c, str) else c.name for c in self.client().list_collections()]
        found = [self.client().get_collection(n, embedding_function=None) for n in names
                 if n.startswith(self.prefix + "_") and not n.endswith("_sent")]
        return [c for c in found if (c.metadata or {}).get("complete") == "yes"
                and embedder in (None, (c.metadata or {}).get("embedder"))]

    def copy_to(self, target: ChromaStore, progress: Progress | None = None) -> Manifest:
        """Write this store's complete collection, vectors included, into ``target`` (e.g. a Chroma server),
        so a server is filled without embedding the report again (a bar on ``progress``, if given).
        Returns the copied manifest."""
        try:
            complete = self._complete()
        except IndexError_:
            raise
        except Exception as exc:
            raise IndexError_(f"search index unavailable at {self.location}: {exc}") from exc
        if len(complete) != 1:
            raise IndexError_(f"expected one complete index at {self.location}, found {len(complete)}: "
                              "run 'python -m assistant build-index' first")
        meta = complete[0].metadata
        manifest = Manifest(meta["corpus_hash"], meta["embedder"], meta["chunker_version"], int(meta["count"]))
        if not self.open(manifest):
            raise IndexError_(f"the index at {self.location} is incomplete: run 'python -m assistant build-index'")
        got = self._collection.get(include=["documents", "metadatas", "embeddings"])
        chunks = [_to_chunk(i, d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)]
        sent = self._sentences.get(include=["documents", "metadatas", "embeddings"])
        sentences = [(m["chunk_id"], int(m["position"]), d) for d, m in zip(sent["documents"], sent["metadatas"],
                                                                            strict=True)]
        with (progress or Progress.off()).step("copying the index", len(chunks) + len(sentences), "vectors") as bar:
            target.rebuild(manifest, chunks, np.asarray(got["embeddings"], dtype=np.float32), sentences,
                           np.asarray(sent["embeddings"], dtype=np.float32), bar.update)
        return manifest

    def ping(self) -> bool:
        """True when the store answers (and still holds the open collection, or it was written again)."""
        try:
            self.client().heartbeat()
            if self._collection is not None:
                try:
                    self._collection.count()
                except Exception as exc:
                    return _is_not_found(exc) and self._reopen()
            return True
        except Exception:
            return False

    def _reopen(self) -> bool:
        """A Chroma server that came back with its collections written again (new ids, the same names):
        take the complete collection of the same name. The chunks in memory stay valid, as the name is the
        manifest's key. False while it is missing or incomplete (a build is under way or needed)."""
        if self._collection is None or not self.url:
            return False
        name = self._collection.name
        try:
            collection = self.client().get_collection(name, embedding_function=None)
            sentences = self.client().get_collection(name + "_sent", embedding_function=None)
            meta = collection.metadata or {}
            if collection.id == self._collection.id or meta.get("complete") != "yes" \
                    or collection.count() != int(meta.get("count", -1)):
                return False
        except Exception:
            return False
        known = self._known
        self._use(collection)
        self._sentences = sentences
        self._known = known
        return True


@dataclass
class Update:
    """What an update of the index built before writes (:meth:`ChromaStore.plan_update`): the chunks and
    (chunk id, position, text) sentences to embed and write, and the ids to delete."""

    chunks: list[Chunk]
    sentences: list[tuple[str, int, str]]
    gone_chunks: list[str]
    gone_sentences: list[str]
    _collection: object = field(repr=False, default=None)
    _sentences: object = field(repr=False, default=None)
    _reusable: dict = field(repr=False, default_factory=dict)  # key of a stored text -> (collection, id)


_CHUNK_KEYS = ("source", "section", "kind", "city")
_SENTENCE_KEYS = ("chunk_id", "position")


def _describe(manifest: Manifest) -> dict[str, str]:
    """A collection's metadata: what it was built from and how it is laid out."""
    return {**{k: str(v) for k, v in asdict(manifest).items()}, "layout": LAYOUT}


def _sentence_id(sentence: tuple[str, int, str]) -> str:
    return f"{sentence[0]}:{sentence[1]}"


def _sentence_meta(sentence: tuple[str, int, str]) -> dict:
    return {"chunk_id": sentence[0], "position": sentence[1]}


def _own(meta: dict | None, keys: tuple[str, ...]) -> dict:
    """The keys of stored metadata that this app writes (llama-index's writes added more)."""
    return {k: (meta or {}).get(k) for k in keys}


def _check_lengths(chunks: list, vectors: np.ndarray, sentences: list, sentence_vectors: np.ndarray) -> None:
    if len(chunks) != len(vectors):
        raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
    if len(sentences) != len(sentence_vectors):
        raise ValueError(f"{len(sentences)} sentences but {len(sentence_vectors)} vectors")


def _to_chunk(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(
        id=chunk_id,
        source=str(meta.get("source", "")),
        section=str(meta.get("section", "")),
        kind=str(meta.get("kind", "")),
        text=text or "",
        city=str(meta.get("city", "") or ""),
    )


def _is_not_found(exc: Exception) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return "notfound" in text.replace(" ", "") or "does not exist" in text or "not found" in text


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON atomically (see :func:`write_text_atomic`)."""
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2))

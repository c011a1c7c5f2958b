"""The Chroma store: round trip, manifests, incomplete builds and the atomic manifest file."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from assistant.chunking import StructureChunker
from assistant.errors import IndexError_
from assistant.store import ChromaStore, Manifest, write_json_atomic
from assistant.text import split_sentences


@pytest.fixture
def chunks(mini_report):
    return StructureChunker().run(mini_report)


@pytest.fixture
def build(chunks, fake_embedder):
    """Everything ``rebuild`` needs for the fixture chunks, embedded with the fake embedder."""
    manifest = Manifest("hash-1", fake_embedder.name, StructureChunker().version, len(chunks))
    vectors = fake_embedder.embed_passages([c.embed_text for c in chunks])
    sentences = [(c.id, i, s) for c in chunks for i, s in enumerate(split_sentences(c.text))]
    sentence_vectors = fake_embedder.embed_passages([s for _, _, s in sentences])
    return manifest, chunks, vectors, sentences, sentence_vectors


def test_round_trip(tmp_path, build, fake_embedder):
    manifest, chunks, *_ = build
    ChromaStore(tmp_path / "idx").rebuild(*build)

    store = ChromaStore(tmp_path / "idx")
    assert store.open(manifest) is True
    assert store.all_chunks() == sorted(chunks, key=lambda c: c.id)

    target = next(c for c in chunks if c.city == "Bamberg" and c.section == "Chancen & Herausforderungen")
    hits = store.query(fake_embedder.embed_query(target.embed_text), top_k=3)
    assert hits[0][0] == target
    assert hits[0][1] == pytest.approx(1.0, abs=1e-3)
    assert hits[0][1] > hits[1][1] >= hits[2][1]


def test_query_with_city_filter_returns_only_that_city(tmp_path, build, fake_embedder):
    manifest, chunks, *_ = build
    store = ChromaStore(tmp_path / "idx")
    store.rebuild(*build)
    hits = store.query(fake_embedder.embed_query("Aachen Chief Digital Officer"), top_k=50, city="Bamberg")
    assert {c.city for c, _ in hits} == {"Bamberg"}
    assert len(hits) == sum(1 for c in chunks if c.city == "Bamberg")


def test_sentence_vectors_round_trip(tmp_path, build):
    manifest, _, _, sentences, sentence_vectors = build
    ChromaStore(tmp_path / "idx").rebuild(*build)
    store = ChromaStore(tmp_path / "idx")
    assert store.open(manifest)
    stored = store.sentence_vectors()
    assert set(stored) == {(cid, pos) for cid, pos, _ in sentences}
    for (cid, pos, _), vec in zip(sentences, sentence_vectors, strict=True):
        np.testing.assert_allclose(stored[(cid, pos)], vec, atol=1e-6)


@pytest.mark.parametrize("change", [{"embedder": "other-model"}, {"corpus_hash": "hash-2"},
                                    {"chunker_version": "structure-v0"}, {"count": 1}])
def test_a_different_manifest_is_not_opened(tmp_path, build, change):
    manifest = build[0]
    ChromaStore(tmp_path / "idx").rebuild(*build)
    assert ChromaStore(tmp_path / "idx").open(replace(manifest, **change)) is False


def test_an_empty_directory_is_not_opened(tmp_path, build):
    store = ChromaStore(tmp_path / "empty")
    assert store.open(build[0]) is False
    with pytest.raises(IndexError_, match="build-index"):
        store.all_chunks()


def test_a_build_killed_before_completion_is_not_served(tmp_path, build, monkeypatch):
    real_write = ChromaStore._write

    def write_then_die(self, collection, items, vectors, done):
        real_write(self, collection, items, vectors, done)  # every sentence and chunk is written ...
        if collection.name == self._name(build[0]):
            raise KeyboardInterrupt("killed")  # ... but the build never marks itself complete

    monkeypatch.setattr(ChromaStore, "_write", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        ChromaStore(tmp_path / "idx").rebuild(*build)
    monkeypatch.undo()

    manifest = build[0]
    store = ChromaStore(tmp_path / "idx")
    collection = store.client().get_collection(store._name(manifest))
    assert collection.count() == manifest.count  # the data is all there
    assert collection.metadata["complete"] == "no"
    assert store.open(manifest) is False
    assert not (tmp_path / "idx" / "manifest.json").exists()


def test_a_collection_without_complete_flag_is_not_opened(tmp_path, build):
    manifest, chunks, vectors, *_ = build
    store = ChromaStore(tmp_path / "idx")
    collection = store.client().create_collection(store._name(manifest), embedding_function=None)
    collection.add(ids=[c.id for c in chunks], documents=[c.text for c in chunks],
                   metadatas=[c.metadata() for c in chunks], embeddings=vectors.tolist())
    assert collection.count() == manifest.count
    assert ChromaStore(tmp_path / "idx").open(manifest) is False


def test_rebuild_writes_the_manifest_and_drops_old_collections(tmp_path, build):
    manifest = build[0]
    store = ChromaStore(tmp_path / "idx")
    store.rebuild(*build)
    newer = replace(manifest, corpus_hash="hash-2")
    store.rebuild(newer, *build[1:])
    written = json.loads((tmp_path / "idx" / "manifest.json").read_text(encoding="utf-8"))
    assert written["corpus_hash"] == "hash-2"
    assert written["collection"] == store._name(newer)
    names = {c if isinstance(c, str) else c.name for c in store.client().list_collections()}
    assert names == {store._name(newer), store._name(newer) + "_sent"}
    assert ChromaStore(tmp_path / "idx").open(manifest) is False


def test_rebuild_rejects_mismatched_vectors(tmp_path, build):
    manifest, chunks, vectors, sentences, sentence_vectors = build
    with pytest.raises(ValueError, match="vectors"):
        ChromaStore(tmp_path / "idx").rebuild(manifest, chunks, vectors[:-1], sentences, sentence_vectors)


def test_manifest_key_depends_on_what_the_index_was_built_from():
    m = Manifest("h", "e", "v", 3)
    assert m.key == Manifest("h", "e", "v", 3).key
    assert len({m.key, replace(m, corpus_hash="x").key, replace(m, embedder="x").key,
                replace(m, chunker_version="x").key}) == 4


def test_write_json_atomic_replaces_the_file(tmp_path):
    path = tmp_path / "sub" / "manifest.json"
    write_json_atomic(path, {"count": 1})
    write_json_atomic(path, {"count": 2, "city": "Köln"})
    assert json.loads(path.read_text(encoding="utf-8")) == {"count": 2, "city": "Köln"}
    assert [p.name for p in path.parent.iterdir()] == ["manifest.json"]  # no temporary file left


def test_write_json_atomic_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "manifest.json"
    write_json_atomic(path, {"count": 1})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"count": object()})  # not serialisable: fails half-way
    assert json.loads(path.read_text(encoding="utf-8")) == {"count": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_invalid_prefix_and_url_are_rejected(tmp_path):
    with pytest.raises(ValueError):
        ChromaStore(tmp_path, prefix="bad-prefix")
    with pytest.raises(IndexError_, match="http"):
        ChromaStore(tmp_path, url="ftp://example.org").client()


def test_the_report_loads_without_the_index_and_the_index_opens_once_across_threads(tmp_path):
    import threading

    from conftest import FakeEmbedder, load_mini_report, make_mini_assistant

    embedder = FakeEmbedder()
    assistant = make_mini_assistant(tmp_path / "idx", embedder)
    assistant.ensure_index()  # build it once
    fresh = make_mini_assistant(tmp_path / "idx", FakeEmbedder())
    with pytest.MonkeyPatch.context() as mp:
        from assistant import service

        mp.setattr(service, "load_report", load_mini_report)
        report = fresh.load_report()
    assert [c.name for c in report.cities] and fresh.build_info is None and fresh._retriever is None
    infos = []
    threads = [threading.Thread(target=lambda: infos.append(fresh.ensure_index())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(infos) == 4 and len({id(i) for i in infos}) == 1  # opened once, the others waited for it
    assert not infos[0].built


# -- is_current: "up to date" without importing Chroma, never when open() would refuse ---------------
def _damage(store, manifest, fault):
    name = store._name(manifest)
    collection = store.client().get_collection(name)
    if fault == "incomplete_flag":
        collection.modify(metadata={**collection.metadata, "complete": "no"})
    elif fault == "sentences_missing":
        store.client().delete_collection(name + "_sent")
    elif fault == "count_differs":
        collection.delete(ids=[collection.get(limit=1)["ids"][0]])
    elif fault == "manifest_file_missing":
        (store.index_dir / "manifest.json").unlink()


def test_a_built_index_is_current_without_chroma(tmp_path, build, monkeypatch):
    manifest = build[0]
    ChromaStore(tmp_path / "idx").rebuild(*build)
    monkeypatch.setattr(ChromaStore, "client", lambda self: pytest.fail("Chroma was asked"))
    store = ChromaStore(tmp_path / "idx")
    assert store.is_current(manifest) is True
    for change in ({"embedder": "other-model"}, {"corpus_hash": "hash-2"}, {"chunker_version": "v0"}, {"count": 1}):
        assert store.is_current(replace(manifest, **change)) is False


@pytest.mark.parametrize("fault", ["incomplete_flag", "sentences_missing", "count_differs", "manifest_file_missing"])
def test_a_damaged_index_is_not_current(tmp_path, build, fault):
    manifest = build[0]
    store = ChromaStore(tmp_path / "idx")
    store.rebuild(*build)
    assert store.is_current(manifest)
    _damage(store, manifest, fault)
    assert ChromaStore(tmp_path / "idx").is_current(manifest) is False
    if fault != "manifest_file_missing":
        assert ChromaStore(tmp_path / "idx").open(manifest) is False  # what is_current stands in for


def test_an_unreadable_index_folder_is_not_current(tmp_path, build):
    manifest = build[0]
    ChromaStore(tmp_path / "idx").rebuild(*build)
    (tmp_path / "idx" / "chroma.sqlite3").write_bytes(b"not a database")
    assert ChromaStore(tmp_path / "idx").is_current(manifest) is False
    assert ChromaStore(tmp_path / "other").is_current(manifest) is False  # nothing there
    assert ChromaStore(tmp_path / "idx", url="http://127.0.0.1:9").is_current(manifest) is False

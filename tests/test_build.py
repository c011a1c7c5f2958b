"""Building the index: the report embedded by worker processes, with the same vectors as in process."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from conftest import MINI_REPORT, load_mini_report, make_mini_assistant
from fake_embedder import FakeEmbedder, dies_in_a_worker

from assistant.build import IndexBuilder
from assistant.chunking import StructureChunker
from assistant.embedding import ProcessPoolEmbedder, embed_passages
from assistant.errors import IndexBuilding
from assistant.progress import Progress
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.store import ChromaStore, Manifest
from assistant.text import split_sentences
from assistant.types import Chunk

TEXTS = [f"Stadt {i} baut {'Radwege' if i % 2 else 'Kitas'} und Sensoren Nummer {i}" for i in range(21)]


def test_two_worker_processes_give_the_vectors_in_order_and_report_every_batch():
    done = []
    with ProcessPoolEmbedder(FakeEmbedder, workers=2, batch_size=4, in_process_chars=0) as pool:
        vectors = embed_passages(pool, TEXTS, done.append)
        assert pool._pool is not None  # the processes run while the block lasts
    assert pool._pool is None  # ... and are stopped after it
    np.testing.assert_array_equal(vectors, FakeEmbedder().embed_passages(TEXTS))
    assert done == [4, 4, 4, 4, 4, 1]


def test_a_few_long_texts_are_split_so_that_both_processes_embed():
    done = []
    with ProcessPoolEmbedder(FakeEmbedder, workers=2, batch_size=8, in_process_chars=0) as pool:
        vectors = embed_passages(pool, TEXTS[:5], done.append)
    np.testing.assert_array_equal(vectors, FakeEmbedder().embed_passages(TEXTS[:5]))
    assert done == [2, 2, 1]


def test_workers_that_die_leave_the_rest_to_this_process(caplog):
    with ProcessPoolEmbedder(dies_in_a_worker, workers=2, batch_size=4, in_process_chars=0) as pool:
        vectors = pool.embed_passages(TEXTS)
    np.testing.assert_array_equal(vectors, FakeEmbedder().embed_passages(TEXTS))
    assert "embedding the rest in this process" in caplog.text


@pytest.mark.parametrize("kwargs, bad", [({"workers": 0}, "workers"), ({"batch_size": 0}, "batch_size")])
def test_bad_pool_sizes_are_refused(kwargs, bad):
    with pytest.raises(ValueError, match=bad):
        ProcessPoolEmbedder(FakeEmbedder, **kwargs)


class Named(FakeEmbedder):
    name = "another-model"


def test_a_passage_embedder_of_another_model_is_refused(tmp_path):
    with pytest.raises(ValueError, match="another-model"):
        Assistant(MINI_REPORT, ChromaStore(tmp_path / "index"), FakeEmbedder(), passage_embedder=Named())


def test_the_build_embeds_passages_with_the_passage_embedder_only(tmp_path, mini_assistant):
    questions, passages = FakeEmbedder(), FakeEmbedder()
    assistant = make_mini_assistant(tmp_path / "index", questions)
    assistant.passage_embedder = passages
    info = assistant.ensure_index()
    assert info.built and passages.passages and not questions.passages
    asked = "Welche Projekte gibt es zur Mobilität?"
    assert [h.chunk.id for h in assistant.ask(asked).retrieved] == [h.chunk.id for h in mini_assistant.ask(asked).retrieved]


@pytest.mark.parametrize("workers, cores, expected", [(1, 2, None), (2, 2, 2), (4, 2, 2), (2, 1, None)])
def test_the_settings_give_one_worker_process_per_core_at_most(monkeypatch, tmp_path, workers, cores, expected):
    monkeypatch.setattr("os.cpu_count", lambda: cores)
    settings = Settings(build_workers=workers, index_dir=tmp_path / "index")
    passages = Assistant.from_settings(settings).passage_embedder
    assert (passages.workers if passages else None) == expected


# -- incremental builds: what is unchanged is not embedded again -------------------------------------
CHANGED = ("Die Digitalisierung liegt in Bamberg beim Amt für Digitalisierung",
           "Die Digitalisierung liegt in Bamberg beim Referat für Digitales")


def _changed_report(tmp_path):
    path = tmp_path / "changed-atlas.md"
    text = MINI_REPORT.read_text(encoding="utf-8")
    assert CHANGED[0] in text
    path.write_text(text.replace(*CHANGED), encoding="utf-8")
    return path


def _stored(assistant) -> dict[str, np.ndarray]:
    got = assistant.store._collection.get(include=["embeddings"])
    return dict(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))


def test_a_changed_profile_embeds_only_its_own_chunk_and_sentences(tmp_path):
    first = make_mini_assistant(tmp_path / "index")
    first.ensure_index()
    everything = len(first.embedder.passages)
    before = _stored(first)

    counting = FakeEmbedder()
    second = make_mini_assistant(tmp_path / "index", counting)
    second.corpus_path = _changed_report(tmp_path)
    info = second.ensure_index()

    changed = [c for c in second.store.all_chunks() if CHANGED[1] in c.text]
    assert info.built and len(changed) == 1
    # the changed chunk (as a passage) and its one sentence, nothing else
    assert counting.passages == [changed[0].embed_text, changed[0].text]
    assert info.embedded == 2 and info.reused >= everything - 2
    assert everything > 10 * len(counting.passages)
    after = _stored(second)
    assert before.keys() == after.keys()
    texts = {c.id: c.embed_text for c in second.store.all_chunks()}
    for chunk_id, vector in after.items():  # the vectors a full build would give (Chroma rounds in the last bit)
        np.testing.assert_allclose(vector, counting._vector(texts[chunk_id]), atol=1e-6)
    assert "Referat für Digitales" in second.ask("Wo liegt die Digitalisierung in Bamberg?").text


def test_an_unchanged_index_is_opened_without_embedding_and_force_embeds_it_all(tmp_path):
    make_mini_assistant(tmp_path / "index").ensure_index()
    counting = FakeEmbedder()
    assistant = make_mini_assistant(tmp_path / "index", counting)
    assert not assistant.ensure_index().built and counting.passages == []
    assert assistant.ensure_index(force=True).built and len(counting.passages) > 10


# -- incremental writes: only what changed is written into the collection built before -------------
REMOVED = ("### Stakeholder & Beteiligung\n\nBei der Entwicklung", "## Chancen & Herausforderungen\n\nHerausforderungen sieht Aachen")
QUESTIONS = ["Wo liegt die Digitalisierung in Bamberg?", "Welche Herausforderungen sieht Aachen?",
             "Welche Projekte gibt es zur Mobilität?", "Wie werden Bürger in Aachen beteiligt?"]


def _without_a_section(tmp_path):
    path = tmp_path / "shorter-atlas.md"
    text = MINI_REPORT.read_text(encoding="utf-8")
    start, end = text.index(REMOVED[0]), text.index(REMOVED[1])
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    return path


def _writes(monkeypatch) -> list[str]:
    """The ids each write into Chroma stores, from now on."""
    written: list[str] = []
    real = ChromaStore._write

    def spy(self, collection, items, vectors, done):
        written.extend(c.id if hasattr(c, "id") else f"{c[0]}:{c[1]}" for c in items)
        real(self, collection, items, vectors, done)

    monkeypatch.setattr(ChromaStore, "_write", spy)
    return written


def _index(assistant) -> dict:
    """Everything the open index holds: chunks and sentences with their texts, metadata and vectors."""
    store = assistant.store
    out = {}
    for collection in (store._collection, store._sentences):
        got = collection.get(include=["documents", "metadatas", "embeddings"])
        for i, d, m, e in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True):
            out[i] = (d, {k: m[k] for k in ("source", "section", "kind", "city", "chunk_id", "position") if k in m},
                      np.round(np.asarray(e, dtype=np.float32), 5).tolist())
    return out


def _cold(tmp_path, corpus):
    cold = make_mini_assistant(tmp_path / "cold")
    cold.corpus_path = corpus
    assert cold.build_index().built
    return cold


def _retrieved(assistant) -> list:
    """The nearest chunks (ids and scores) for each question, in the whole index and in one city."""
    embedder = FakeEmbedder()
    return [[(c.id, round(score, 5)) for c, score in assistant.store.query(embedder.embed_query(q), 5, city)]
            for q in QUESTIONS for city in (None, "Aachen")]


def test_a_changed_profile_rewrites_only_its_chunk_and_sentence_and_retrieves_like_a_cold_build(tmp_path, monkeypatch):
    make_mini_assistant(tmp_path / "index").build_index()
    written = _writes(monkeypatch)
    second = make_mini_assistant(tmp_path / "index")
    second.corpus_path = _changed_report(tmp_path)
    assert second.build_index().built
    (changed,) = [c for c in second.store.all_chunks() if CHANGED[1] in c.text]
    position = next(i for i, s in enumerate(split_sentences(changed.text)) if CHANGED[1] in s)
    assert sorted(written) == sorted([changed.id, f"{changed.id}:{position}"])
    cold = _cold(tmp_path, second.corpus_path)
    assert _index(second) == _index(cold)
    assert _retrieved(second) == _retrieved(cold)
    names = {c.name for c in second.store.client().list_collections()}
    assert names == {second.store._collection.name, second.store._collection.name + "_sent"}


def test_the_texts_a_small_change_adds_are_embedded_while_chroma_opens(tmp_path, monkeypatch):
    make_mini_assistant(tmp_path / "index").build_index()
    embedding = threading.Event()

    class Signalling(FakeEmbedder):
        def embed_passages(self, texts):
            embedding.set()
            return super().embed_passages(texts)

    real_open = ChromaStore.open

    def open_once_embedding_began(self, *args, **kwargs):
        assert embedding.wait(30), "nothing was embedded before Chroma was opened"
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(ChromaStore, "open", open_once_embedding_began)
    second = make_mini_assistant(tmp_path / "index", Signalling())
    second.corpus_path = _changed_report(tmp_path)
    info = second.build_index()
    (changed,) = [c for c in second.store.all_chunks() if CHANGED[1] in c.text]
    assert info.built and info.embedded == 2 and second.embedder.passages == [changed.embed_text, changed.text]
    assert _index(second) == _index(_cold(tmp_path, second.corpus_path))


def test_a_removed_section_deletes_its_chunks_and_sentences(tmp_path, monkeypatch):
    first = make_mini_assistant(tmp_path / "index")
    first.build_index()
    before = {c.id for c in first.store.all_chunks()}
    written = _writes(monkeypatch)
    second = make_mini_assistant(tmp_path / "index")
    second.corpus_path = _without_a_section(tmp_path)
    info = second.build_index()
    after = {c.id for c in second.store.all_chunks()}
    gone = before - after
    assert info.built and gone and after < before and written == [] and second.embedder.passages == []
    assert not {cid for cid, _ in second.store.sentence_vectors()} & gone
    cold = _cold(tmp_path, second.corpus_path)
    assert _index(second) == _index(cold)
    assert _retrieved(second) == _retrieved(cold)


def test_a_renamed_section_embeds_its_chunk_again_but_takes_its_sentences_from_the_index(tmp_path):
    first = make_mini_assistant(tmp_path / "index")
    first.build_index()
    before = {c.id for c in first.store.all_chunks()}
    path = tmp_path / "renamed-atlas.md"
    path.write_text(MINI_REPORT.read_text(encoding="utf-8").replace("### Autonom fahrender Marktliner",
                                                                    "### Autonomer Marktliner"), encoding="utf-8")
    second = make_mini_assistant(tmp_path / "index")
    second.corpus_path = path
    assert second.build_index().built
    (renamed,) = [c for c in second.store.all_chunks() if c.section.endswith("Autonomer Marktliner (Mobilität)")]
    assert renamed.id not in before  # a new id: its sentences are new rows
    assert second.embedder.passages == [renamed.embed_text]  # the sentences' vectors came from the old rows
    assert _index(second) == _index(_cold(tmp_path, path))


def test_an_update_killed_half_way_is_not_served_and_is_repaired_by_the_next_build(tmp_path, monkeypatch):
    make_mini_assistant(tmp_path / "index").build_index()
    changed = _changed_report(tmp_path)
    real = ChromaStore._write

    def die_writing_chunks(self, collection, items, vectors, done):
        real(self, collection, items, vectors, done)
        if items and isinstance(items[0], Chunk):
            raise KeyboardInterrupt("killed")  # the sentences and chunks are written, nothing marked complete

    monkeypatch.setattr(ChromaStore, "_write", die_writing_chunks)
    killed = make_mini_assistant(tmp_path / "index")
    killed.corpus_path = changed
    with pytest.raises(KeyboardInterrupt):
        killed.build_index()
    monkeypatch.undo()
    assert not (tmp_path / "index" / "manifest.json").exists()
    for corpus in (MINI_REPORT, changed):  # neither the old report's index nor the new one is served
        probe = make_mini_assistant(tmp_path / "index")
        probe.corpus_path = corpus
        assert probe.store.open(probe._manifest(probe.chunker.run(load_mini_report(corpus)))) is False

    written = _writes(monkeypatch)
    repaired = make_mini_assistant(tmp_path / "index")
    repaired.corpus_path = changed
    assert repaired.build_index().built
    assert written == [] and repaired.embedder.passages == []  # what the killed update wrote is kept
    assert (tmp_path / "index" / "manifest.json").exists()
    cold = _cold(tmp_path, changed)
    assert _index(repaired) == _index(cold)
    assert _retrieved(repaired) == _retrieved(cold)
    again = make_mini_assistant(tmp_path / "index")
    again.corpus_path = changed
    assert not again.build_index().built


def _build(index_dir, embedder, chunks, reuse=True):
    manifest = Manifest("corpus", embedder.name, "chunker", len(chunks))
    return IndexBuilder(ChromaStore(index_dir), embedder, reuse=reuse).run(manifest, chunks)


def test_without_reuse_everything_is_embedded_again(tmp_path, mini_report):
    chunks = StructureChunker().run(mini_report)
    first = FakeEmbedder()
    assert _build(tmp_path, first, chunks).reused == 0
    again = FakeEmbedder()
    stats = _build(tmp_path, again, chunks, reuse=False)
    assert stats.reused == 0 and stats.embedded == len(first.passages)
    assert sorted(again.passages) == sorted(first.passages)
    assert _build(tmp_path, FakeEmbedder(), chunks).embedded == 0  # with reuse: nothing


def test_vectors_of_another_embedder_are_not_reused(tmp_path, mini_report):
    chunks = StructureChunker().run(mini_report)
    _build(tmp_path, FakeEmbedder(), chunks)
    other = Named()
    assert _build(tmp_path, other, chunks).reused == 0 and len(other.passages) > 10


def test_build_index_builds_and_counts_without_preparing_to_answer(tmp_path):
    assistant = make_mini_assistant(tmp_path / "index")
    info = assistant.build_index()
    assert info.built and info.embedded == len(assistant.embedder.passages) and info.reused == 0
    assert assistant._retriever is None  # the command line needs no BM25, speller or answerer
    again = make_mini_assistant(tmp_path / "index").build_index()
    assert not again.built and again.embedded == 0


def test_build_index_finds_an_unchanged_index_current_without_chroma(tmp_path, monkeypatch):
    make_mini_assistant(tmp_path / "index").build_index()
    monkeypatch.setattr(ChromaStore, "client", lambda self: pytest.fail("Chroma was asked"))
    assistant = make_mini_assistant(tmp_path / "index")
    assert not assistant.build_index().built and assistant.report is None  # nor the cities, figures, projects
    monkeypatch.undo()
    (tmp_path / "index" / "manifest.json").unlink()  # in doubt, the index is opened to look ...
    assert not make_mini_assistant(tmp_path / "index").build_index().built
    monkeypatch.setattr(ChromaStore, "client", lambda self: pytest.fail("Chroma was asked"))
    assert not make_mini_assistant(tmp_path / "index").build_index().built  # ... and recorded as current


def test_a_few_texts_are_embedded_without_starting_processes():
    with ProcessPoolEmbedder(dies_in_a_worker, workers=2, batch_size=4,
                             in_process_chars=sum(map(len, TEXTS))) as pool:
        vectors = pool.embed_passages(TEXTS)
        assert pool._pool is None
    np.testing.assert_array_equal(vectors, FakeEmbedder().embed_passages(TEXTS))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_copying_an_index_shows_how_many_vectors_are_written(tmp_path, mini_assistant):
    stream = Terminal()
    target = ChromaStore(tmp_path / "copy")
    manifest = mini_assistant.store.copy_to(target, Progress(stream=stream))
    vectors = manifest.count + len(mini_assistant.store.sentence_vectors())
    assert "copying the index: 100%" in stream.getvalue() and f"{vectors}/{vectors}" in stream.getvalue()
    assert ChromaStore(tmp_path / "copy").open(manifest)


# -- a question while the index is being built: how far it is, not a wait of minutes ----------------
class Held(FakeEmbedder):
    """Embeds in batches of four and holds after the first until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.started, self.release = threading.Event(), threading.Event()

    def iter_passages(self, texts):
        for i in range(0, len(texts), 4):
            if i:
                self.started.set()
                assert self.release.wait(30)
            yield self.embed_passages(texts[i : i + 4])


def test_a_question_during_the_build_is_told_how_far_it_is(tmp_path):
    from fastapi.testclient import TestClient

    from assistant.api import create_app

    held = Held()
    assistant = make_mini_assistant(tmp_path / "index", held)
    builder = threading.Thread(target=assistant.ensure_index)
    builder.start()
    try:
        assert held.started.wait(30)
        with pytest.raises(IndexBuilding, match=r"Suchindex wird gerade aufgebaut \(\d+ %\)") as caught:
            assistant.ask("Wie viele Einwohner hat Aachen?")
        assert 0 < caught.value.percent < 100
        english = pytest.raises(IndexBuilding, match=r"^Building the index \(\d+ %\)")
        with english:
            assistant.ask("How many people live in Aachen?", language="en")
        client = TestClient(create_app(assistant, Settings(index_dir=tmp_path / "index"), ui=False))
        response = client.post("/api/v1/ask", json={"question": "Wie viele Einwohner hat Aachen?"})
        assert response.status_code == 503 and response.json()["error"]["code"] == "index_building"
        assert "building the index (" in response.json()["error"]["message"]
    finally:
        held.release.set()
        builder.join(30)
    assert assistant.index_progress is None
    assert "Aachen" in assistant.ask("Wie viele Einwohner hat Aachen?").text


def test_the_build_stops_the_passage_embedders_processes_but_not_the_question_embedder(tmp_path):
    class Closable(FakeEmbedder):
        closed = False

        def close(self) -> None:
            self.closed = True

    questions, passages = Closable(), Closable()
    assistant = make_mini_assistant(tmp_path / "index", questions)
    assistant.passage_embedder = passages
    assistant.build_index()
    assert passages.closed and not questions.closed
    plain = make_mini_assistant(tmp_path / "plain", Closable())
    plain.build_index()
    assert not plain.embedder.closed

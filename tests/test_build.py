"""Building the index: the report embedded by worker processes, with the same vectors as in process."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MINI_REPORT, make_mini_assistant
from fake_embedder import FakeEmbedder, dies_in_a_worker

from assistant.embedding import ProcessPoolEmbedder, embed_passages
from assistant.service import Assistant
from assistant.settings import Settings
from assistant.store import ChromaStore

TEXTS = [f"Stadt {i} baut {'Radwege' if i % 2 else 'Kitas'} und Sensoren Nummer {i}" for i in range(21)]


def test_two_worker_processes_give_the_vectors_in_order_and_report_every_batch():
    done = []
    with ProcessPoolEmbedder(FakeEmbedder, workers=2, batch_size=4) as pool:
        vectors = embed_passages(pool, TEXTS, done.append)
        assert pool._pool is not None  # the processes run while the block lasts
    assert pool._pool is None  # ... and are stopped after it
    np.testing.assert_array_equal(vectors, FakeEmbedder().embed_passages(TEXTS))
    assert done == [4, 4, 4, 4, 4, 1]


def test_workers_that_die_leave_the_rest_to_this_process(caplog):
    with ProcessPoolEmbedder(dies_in_a_worker, workers=2, batch_size=4) as pool:
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

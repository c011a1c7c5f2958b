"""The pipeline a newcomer would build from the llama-index documentation.

The whole report as one Document, ``SentenceSplitter`` defaults (1024 tokens, overlap 20),
dense-only top-5 with the same embedder, the top chunk as the answer. Each chunk's source
is derived from where it lies in the report.
"""

from __future__ import annotations

import bisect
import time
from pathlib import Path

import numpy as np

from assistant.corpus import ReportParser


class NaiveBaseline:
    """Dense top-k over fixed-size windows of the raw markdown."""

    def __init__(self, corpus_path: Path, embedder, top_k: int = 5) -> None:
        self.corpus_path = Path(corpus_path)
        self.embedder = embedder
        self.top_k = top_k
        self.chunks: list[tuple[str, str]] = []  # (text, source)
        self._vectors: np.ndarray | None = None
        self.build_s = 0.0

    def build(self) -> None:
        from llama_index.core import Document
        from llama_index.core.node_parser import SentenceSplitter

        start = time.perf_counter()
        text = self.corpus_path.read_text(encoding="utf-8")
        nodes = SentenceSplitter().get_nodes_from_documents([Document(text=text)])
        regions = ReportParser().source_at(text)
        starts = [offset for offset, _ in regions]
        for node in nodes:
            offset = node.start_char_idx if node.start_char_idx is not None else text.find(node.text[:200])
            i = bisect.bisect_right(starts, max(offset, 0)) - 1
            source = regions[i][1] if i >= 0 else None
            self.chunks.append((node.get_content(), source or "(front matter)"))
        self._vectors = self.embedder.embed_passages([c for c, _ in self.chunks])
        self.build_s = time.perf_counter() - start

    def ask(self, question: str) -> dict:
        if self._vectors is None:
            self.build()
        q = self.embedder.embed_query(question)
        order = np.argsort(-(self._vectors @ q))[: self.top_k]
        top = [self.chunks[i] for i in order]
        return {"answer": top[0][0], "retrieved": [s for _, s in top], "cited": [top[0][1]], "refused": False}

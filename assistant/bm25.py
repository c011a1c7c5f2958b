"""BM25 ranking without rebuilding every node per question.

llama-index's ``BM25Retriever.retrieve`` turns each of the ``similarity_top_k`` scored documents back into
a node from its stored metadata; with ``similarity_top_k`` set to the whole corpus that is ~700
deserialisations, about 25 ms of each question's ~45 ms on the real report. :class:`FastSparseIndex`
asks the same bm25s index with the same tokenisation and maps positions to chunk ids directly, so
the ranking is identical (tests/test_fast_paths.py) at a fraction of the cost.
"""

from __future__ import annotations

import numpy as np

from .retrieval import SparseIndex


class FastSparseIndex(SparseIndex):
    """:class:`SparseIndex` whose :meth:`rank` reads ids and scores straight from bm25s."""

    def warm_up(self) -> None:
        super().warm_up()
        self._ids = [entry["node_id"] for entry in self._retriever.corpus]

    def rank(self, question: str) -> list[tuple[str, float]]:
        """Chunk ids with a positive BM25 score, best first (the same as ``SparseIndex.rank``)."""
        import bm25s

        self.warm_up()
        r = self._retriever
        tokens = bm25s.tokenize(question, stemmer=None if r.skip_stemming else r.stemmer,
                                token_pattern=r.token_pattern, show_progress=False)
        mask = np.array(r.corpus_weight_mask) if r.corpus_weight_mask else None
        indexes, scores = r.bm25.retrieve(tokens, k=r.similarity_top_k, show_progress=False, weight_mask=mask)
        return [(self._ids[int(i)], float(s)) for i, s in zip(indexes[0], scores[0], strict=True) if s > 0]

"""BM25 ranking straight from bm25s, without llama-index.

llama-index's ``BM25Retriever.retrieve`` turns each of the ``similarity_top_k`` scored documents back into
a node from its stored metadata; with ``similarity_top_k`` set to the whole corpus that is ~700
deserialisations, about 25 ms of each question's ~45 ms on the real report. :class:`FastSparseIndex`
builds the same bm25s index with the same tokenisation (German stopwords and stemmer, the retriever's token
pattern, the chunks' ``embed_text``) and maps positions to chunk ids directly, so the ranking is identical
(tests/test_fast_paths.py) at a fraction of the cost, and opening the index does not import llama-index
(about 2 s of a start).
"""

from __future__ import annotations

from .retrieval import SparseIndex

# BM25Retriever's default token pattern; its stopwords are those of language "de" (SparseIndex's choice)
TOKENS = r"(?u)\b\w\w+\b"
STOPWORDS = "de"


class FastSparseIndex(SparseIndex):
    """:class:`SparseIndex` whose :meth:`rank` reads ids and scores straight from bm25s."""

    _bm25 = None

    def warm_up(self) -> None:
        if self._bm25 is not None:
            return
        import bm25s
        import Stemmer

        self._stemmer = Stemmer.Stemmer(self.language)
        tokens = bm25s.tokenize([c.embed_text for c in self.chunks], stopwords=STOPWORDS, stemmer=self._stemmer,
                                token_pattern=TOKENS, show_progress=False)
        index = bm25s.BM25()
        index.index(tokens, show_progress=False)
        self._bm25 = index
        self._ids = [c.id for c in self.chunks]

    def rank(self, question: str) -> list[tuple[str, float]]:
        """Chunk ids with a positive BM25 score, best first (the same as ``SparseIndex.rank``)."""
        import bm25s

        self.warm_up()
        tokens = bm25s.tokenize(question, stemmer=self._stemmer, token_pattern=TOKENS, show_progress=False)
        indexes, scores = self._bm25.retrieve(tokens, k=len(self._ids), show_progress=False)
        return [(self._ids[int(i)], float(s)) for i, s in zip(indexes[0], scores[0], strict=True) if s > 0]

"""Hybrid retrieval: dense (Chroma) plus BM25 with a German stemmer, fused by reciprocal rank.

When the question names cities, only those cities' profiles and the chapters compete,
so a named city focuses retrieval without losing chapter answers.
"""

from __future__ import annotations

import numpy as np

from .types import Chunk, Hit


class SparseIndex:
    """BM25 over the chunks via ``llama-index-retrievers-bm25`` (bm25s + PyStemmer, German)."""

    def __init__(self, chunks: list[Chunk], language: str = "german") -> None:
        if not chunks:
            raise ValueError("SparseIndex needs at least one chunk")
        self.chunks = chunks
        self.language = language
        self._retriever = None

    def warm_up(self) -> None:
        if self._retriever is not None:
            return
        import Stemmer
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        nodes = [TextNode(id_=c.id, text=c.embed_text) for c in self.chunks]
        self._retriever = BM25Retriever.from_defaults(
            nodes=nodes,
            stemmer=Stemmer.Stemmer(self.language),
            language="de",
            similarity_top_k=len(nodes),
        )

    def rank(self, question: str) -> list[tuple[str, float]]:
        """Chunk ids with a positive BM25 score, best first."""
        self.warm_up()
        out = []
        for nws in self._retriever.retrieve(question):
            if nws.score and nws.score > 0:
                out.append((nws.node.node_id, float(nws.score)))
        return out


class HybridRetriever:
    """Dense top-k plus BM25, fused by reciprocal rank, focused on named cities."""

    def __init__(self, store, embedder, sparse: SparseIndex, top_k: int = 8, rrf_k: int = 60,
                 dense_k: int = 40, sparse_weight: float = 1.0) -> None:
        if top_k < 1 or dense_k < top_k:
            raise ValueError(f"need 1 <= top_k <= dense_k, got top_k={top_k}, dense_k={dense_k}")
        self.store = store
        self.embedder = embedder
        self.sparse = sparse
        self.top_k = top_k
        self.rrf_k = rrf_k
        self.dense_k = dense_k
        self.sparse_weight = sparse_weight
        self._by_id = {c.id: c for c in sparse.chunks}

    def run(self, question: str, cities: list[str] | None = None, query_vector: np.ndarray | None = None,
            top_k: int | None = None, sparse_text: str | None = None, prefer_chapters: bool = False) -> list[Hit]:
        """The top passages for a question; ``sparse_text`` (e.g. an English question with the German
        words it stands for) replaces the question for the word-based (BM25) half."""
        top_k = top_k or self.top_k
        cities = list(cities or [])
        qvec = query_vector if query_vector is not None else self.embedder.embed_query(question)
        dense: list[tuple[Chunk, float]] = list(self.store.query(qvec, self.dense_k))
        for city in cities:
            dense.extend(self.store.query(qvec, max(top_k, 10), city=city))
        dense_best: dict[str, tuple[Chunk, float]] = {}
        for chunk, score in dense:
            if chunk.id not in dense_best or score > dense_best[chunk.id][1]:
                dense_best[chunk.id] = (chunk, score)

        def allowed(chunk: Chunk) -> bool:
            return not cities or not chunk.city or chunk.city in cities

        dense_ranked = sorted((v for v in dense_best.values() if allowed(v[0])), key=lambda v: -v[1])
        sparse_ranked = [(self._by_id[i], s) for i, s in self.sparse.rank(sparse_text or question) if i in self._by_id]
        sparse_ranked = [v for v in sparse_ranked if allowed(v[0])][: self.dense_k]

        fused: dict[str, float] = {}
        d_rank: dict[str, int] = {}
        s_rank: dict[str, int] = {}
        for rank, (chunk, _) in enumerate(dense_ranked, 1):
            fused[chunk.id] = fused.get(chunk.id, 0.0) + 1.0 / (self.rrf_k + rank)
            d_rank[chunk.id] = rank
        for rank, (chunk, _) in enumerate(sparse_ranked, 1):
            fused[chunk.id] = fused.get(chunk.id, 0.0) + self.sparse_weight / (self.rrf_k + rank)
            s_rank[chunk.id] = rank
        naming: set[str] = set()  # chapter passages that name an asked city
        if cities:
            # The named cities' own passages first; chapters still compete behind them.
            for cid in fused:
                chunk = self._by_id.get(cid)
                if chunk and chunk.city in cities:
                    fused[cid] += 1.0 / self.rrf_k
                elif chunk and not chunk.city and any(city in chunk.text for city in cities):
                    # A chapter that names the city ("die Digitalstadt Darmstadt ...") is about it too.
                    fused[cid] += 0.5 / self.rrf_k
                    naming.add(cid)
        elif prefer_chapters:
            # A question about "the cities" in general is answered by the cross-city analysis.
            for cid in fused:
                if self._by_id.get(cid) and not self._by_id[cid].city:
                    fused[cid] += 0.5 / self.rrf_k
        ranked = sorted(fused, key=lambda cid: -fused[cid])
        order = ranked[:top_k]
        best_naming = next((cid for cid in ranked if cid in naming), None)
        if top_k > 1 and best_naming is not None and best_naming not in order:
            # The best chapter passage that names the city ("die Digitalstadt Darmstadt arbeitet in 14
            # Handlungsfeldern") is read too, in the last place, when the city's own passages fill the rest.
            order = order[:-1] + [best_naming]
        dense_score = {cid: s for cid, (_, s) in dense_best.items()}
        return [
            Hit(self._by_id.get(cid) or dense_best[cid][0], fused[cid], d_rank.get(cid), s_rank.get(cid),
                dense_score.get(cid))
            for cid in order
        ]

"""The hot path's shortcuts give exactly what the slower general path gives: BM25 ranks read straight from
bm25s, dense hits as ids and distances mapped to the chunks in memory."""

from __future__ import annotations

import pytest
from conftest import FakeEmbedder

from assistant.bm25 import FastSparseIndex
from assistant.retrieval import SparseIndex

QUESTIONS = ["Welche Chancen und Herausforderungen gibt es?", "Wie viele Einwohner hat Aachen?",
             "Welche Projekte gibt es zur Mobilität in Bamberg?", "What does Freiburg do for citizens?",
             "Datensicherheit Cyberkriminalität", "Verwaltung digital Bürgerbeteiligung Plattform", "xyzzy"]


def test_fast_bm25_ranks_exactly_like_the_llama_index_retriever(mini_assistant):
    chunks = mini_assistant.store.all_chunks()
    slow, fast = SparseIndex(chunks), FastSparseIndex(chunks)
    ranked = 0
    for question in QUESTIONS:
        expected = slow.rank(question)
        assert fast.rank(question) == expected, question
        ranked += bool(expected)
    assert ranked >= len(QUESTIONS) - 1  # only the nonsense word ranks nothing
    assert fast.rank("xyzzy") == []


@pytest.mark.parametrize("city", [None, "Aachen", "Bamberg", "Nirgendwo"])
def test_dense_query_by_ids_equals_the_vector_store_query(mini_assistant, city):
    store = mini_assistant.store
    store.all_chunks()
    assert store._known  # the shortcut is on once the chunks were read
    embedder = FakeEmbedder()
    for question in QUESTIONS:
        vector = embedder.embed_query(question)
        fast = store.query(vector, 8, city=city)
        known, store._known = store._known, {}
        try:
            slow = store.query(vector, 8, city=city)
        finally:
            store._known = known
        assert [c.id for c, _ in fast] == [c.id for c, _ in slow]
        assert [c for c, _ in fast] == [c for c, _ in slow]
        assert [s for _, s in fast] == pytest.approx([s for _, s in slow], abs=1e-6)
        if city == "Nirgendwo":
            assert fast == []
        elif city:
            assert fast and {c.city for c, _ in fast} == {city}


@pytest.mark.parametrize("question, besides, left", [
    ("Hat außer Aachen noch eine Stadt ein Projekt dazu?", {"Aachen"}, "Hat noch eine Stadt ein Projekt dazu?"),
    ("Apart from Bamberg and Aachen, which cities do this?", {"Bamberg", "Aachen"}, "which cities do this?"),
    ("Was macht Bamberg außer der App?", set(), "Was macht Bamberg außer der App?"),
    ("Which cities run an app besides Aachen?", {"Aachen"}, "Which cities run an app?"),  # at the end
    # what describes the city set aside goes with it: "the winner" is not what is asked about
    ("Welche Städte waren neben dem Vorreiter Aachen im Finale?", {"Aachen"}, "Welche Städte waren im Finale?"),
])
def test_cities_named_after_besides_are_not_the_ones_asked_about(mini_assistant, question, besides, left):
    text, found = mini_assistant._besides(question)
    assert found == besides
    assert text == left

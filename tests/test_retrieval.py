"""Hybrid retrieval over the fixture index with the fake embedder: ranking, city focus, BM25 stemming."""

from __future__ import annotations

import pytest
from conftest import MINI_REPORT

from assistant.retrieval import HybridRetriever, SparseIndex


@pytest.fixture(scope="module")
def chunks(mini_assistant):
    return mini_assistant.store.all_chunks()


@pytest.fixture(scope="module")
def sparse(chunks):
    return SparseIndex(chunks)


@pytest.fixture(scope="module")
def retriever(mini_assistant, sparse):
    return HybridRetriever(mini_assistant.store, mini_assistant.embedder, sparse, top_k=5)


@pytest.mark.parametrize(
    ("question", "source", "section"),
    [
        ("Wer koordiniert als Chief Digital Officer die Stabsstelle beim Oberbürgermeister?",
         "Aachen", "Organisationsstruktur"),
        ("Elektrische Tretroller für kurze Wege in der Altstadt",
         "Bamberg", "Projektbeispiele: Bird-E-Scooter (Mobilität)"),
        ("Sensoren zählen den Radverkehr an den Hauptrouten",
         "Freiburg im Breisgau", "Projektbeispiele: Radverkehr digital (Mobilität)"),
        ("Datenschutz und Datensicherheit als Herausforderung",
         "4.5 Herausforderungen", "Sensibilität im Umgang mit Daten"),
    ],
)
def test_question_sharing_words_with_a_section_ranks_it_first(retriever, question, source, section):
    hits = retriever.run(question)
    assert (hits[0].chunk.source, hits[0].chunk.section) == (source, section)
    assert hits[0].dense_rank == 1
    assert hits[0].score > hits[1].score


def test_hits_are_sorted_and_limited(retriever):
    hits = retriever.run("Verwaltung und Mobilität", top_k=4)
    assert len(hits) == 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.chunk.id for h in hits}) == 4


@pytest.mark.parametrize("city", ["Aachen", "Bamberg", "Freiburg im Breisgau"])
def test_named_city_focuses_on_its_own_and_chapter_chunks(retriever, city):
    hits = retriever.run("Welche Projekte zur Mobilität und welche Herausforderungen gibt es?", [city], top_k=8)
    assert hits[0].chunk.city == city
    assert {h.chunk.city for h in hits} <= {city, ""}
    assert any(h.chunk.city == "" for h in hits)  # chapters still compete


def test_without_a_city_several_cities_compete(retriever):
    hits = retriever.run("Welche Projekte zur Mobilität gibt es?", top_k=8)
    assert len({h.chunk.city for h in hits if h.chunk.city}) >= 2


def test_bm25_matches_an_inflected_form_through_the_stemmer(sparse, chunks):
    assert "Bürgerbeteiligungen" not in MINI_REPORT.read_text(encoding="utf-8")
    ranked = sparse.rank("Bürgerbeteiligungen")
    by_id = {c.id: c for c in chunks}
    matched = [by_id[cid] for cid, _ in ranked]
    assert matched, "the stemmed form should match"
    assert all("Bürgerbeteiligung" in c.embed_text for c in matched)
    assert {c.source for c in matched} == {"4.4 Bürgerbeteiligung und Zivilgesellschaft", "Freiburg im Breisgau"}


def test_bm25_scores_are_positive_and_descending(sparse):
    scores = [s for _, s in sparse.rank("Verschlankung der Verwaltungsprozesse")]
    assert scores and all(s > 0 for s in scores)
    assert scores == sorted(scores, reverse=True)


def test_bm25_ignores_unknown_words(sparse):
    assert sparse.rank("Quantenchromodynamik") == []


def test_sparse_index_needs_chunks():
    with pytest.raises(ValueError):
        SparseIndex([])


def test_retriever_rejects_bad_sizes(mini_assistant, sparse):
    with pytest.raises(ValueError):
        HybridRetriever(mini_assistant.store, mini_assistant.embedder, sparse, top_k=0)
    with pytest.raises(ValueError):
        HybridRetriever(mini_assistant.store, mini_assistant.embedder, sparse, top_k=10, dense_k=5)


def test_a_chapter_passage_that_names_the_city_is_among_its_hits(retriever):
    hits = retriever.run("Welche Herausforderungen sieht die Stadt?", ["Bamberg"], top_k=3)
    assert hits[0].chunk.city == "Bamberg"
    assert any(not h.chunk.city and "Bamberg" in h.chunk.text for h in hits)  # in the last place if need be

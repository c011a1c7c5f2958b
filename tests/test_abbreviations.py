"""Abbreviations a text defines itself, and both forms found wherever one is written or asked."""

from __future__ import annotations

from assistant.text import Abbreviations

TEXT = ("Die Stadt hat einen Chief Innovation Officer (CInO) ernannt. Gefördert wird sie vom LRF (Landesfonds für "
        "regionale Förderung). Ein Treffen mit dem Rat (RAT) fand statt. Die Stadtwerke (SW) helfen. Die App (MIT) "
        "gibt es.")


def test_pairs_are_learned_where_the_capitals_spell_the_long_forms_initials():
    abbreviations = Abbreviations.of_text(TEXT)
    assert abbreviations.pairs == {"CInO": frozenset({"chief innovation officer"}),
                                   "LRF": frozenset({"landesfonds fuer regionale foerderung"})}


def test_each_form_is_added_to_a_text_that_writes_the_other():
    abbreviations = Abbreviations.of_text(TEXT)
    assert abbreviations.expand("Seit 2018 gibt es einen CInO.").endswith("chief innovation officer")
    assert abbreviations.expand("Ein Chief Innovation Officer berät.").endswith(" cino")
    assert abbreviations.expand("Der Cino-Preis für Lrf.") == "der cino-preis fuer lrf."  # as written only


def test_a_question_asks_with_the_short_form():
    abbreviations = Abbreviations.of_text(TEXT)
    assert abbreviations.shorten("Which cities have a chief innovation officer?") == "Which cities have a CInO?"
    assert abbreviations.shorten("Wer bekommt Geld aus dem Landesfonds fuer regionale Förderung?") == \
        "Wer bekommt Geld aus dem LRF?"
    assert Abbreviations({}).shorten("unchanged") == "unchanged"


def test_long_forms_are_read_back_from_each_abbreviation_as_the_whole_text_scan_finds_them(real_text):
    from assistant import text as module

    crafted = ("Die Stadt hat einen Chief Digital Officer (CDO) und einen Chief Information Officer (CIO), "
               "dazu (XY) ohne Langform, die Open Data Plattform (ODP)(ODP) und am Ende ein Wort (AB)")
    for text in (crafted, real_text):
        scanned = [(m.span(), m.groups()) for m in module._LONG_THEN_SHORT.finditer(text)]
        assert [(m.span(), m.groups()) for m in module._long_then_short(text)] == scanned
    assert len(scanned) > 20  # the report defines many abbreviations

"""Extractive, grounded answers: the sentences that answer the question, with [n] citations.

No language model is needed: the answer quotes the report. When retrieval is not
confident, the answer is a refusal rather than an unrelated quote.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .corpus import FIGURES_SECTION
from .messages import say
from .report_pack import report_pack
from .text import HOW_MANY_DE, fold, project_title, split_sentences
from .types import Answer, Chunk, Citation, Hit
from .understand import question_parts
from .weights import FEATURES, SUPPORT_FEATURES, RefusalModel, SentenceWeights
from .weights import INDEX as _F
from .weights import SUPPORT_INDEX as _S

_STOPWORDS = set(
    "der die das den dem des ein eine einen einem einer eines und oder nicht ist sind war hat haben wird "
    "werden wie was wer wo wann warum welche welcher welches welchen viele gibt es mit von für auf im in "
    "zum zur bei nach über unter auch noch sich man dass stadt städte macht machen tun sie ihr ihre sein "
    "seine the a an and or is are was were has have does do did what which who where when why how many "
    "much of for on in to with about tell me more its their city cities does there any this that from by "
    "bitte erzähl erzähle mir etwas gibt's im bereich area field had been be being will would should could can may "
    "might shall must".split()
)
_TOKEN = re.compile(r"[a-zäöüß0-9]{2,}")
_QUANTITY = re.compile(rf"\b{HOW_MANY_DE}\b|\bhow (many|much|often)\b|\bwie oft\b|\bwie häufig\b|\banzahl\b|\bwie hoch\b|\bkoste|\bcost|\bbudget|"
                       r"\bnumber of\b|\brate\b|\bquote\b|\bco2\b|\bprozent|\bpercent|\bwie gro(ß|ss) (ist|war) (der|die|das) (anteil|zahl)", re.I)
# Amounts (money, CO2) rather than counts: the number must come with what is measured.
_AMOUNT = re.compile(r"\bwie viel\b|\bhow much\b", re.I)
_WHEN = re.compile(r"\bwann\b|^\W*when\b|(?:,|\band|\bsince|\buntil)\s+when\b|\bwhen (?:did|does|do|was|were|is|will|has|have)\b|"
                   r"\bwhich year\b|\bwhat year\b|\bwhat date\b|\bin welchem (?:jahr|monat|zeitraum)\b|"
                   r"\bin what (?:year|month|period)\b|\bseit welchem\b|\bab welchem\b|\bbis zu welchem\b", re.I)
# "Wie viele genau?", "exactly how many": a share ("knapp die Hälfte") is no answer, a count is
_EXACT = re.compile(r"\bgenau\b|\bexakt\b|\bexact(?:ly)?\b|\bprecise(?:ly)?\b", re.I)
_CARDINALS = "zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|hundert|tausend"
_COUNT_IN_TEXT = re.compile(rf"\d|\b(?:{_CARDINALS})\w*", re.I)
_NUMBER_IN_TEXT = re.compile(rf"\d|\b({_CARDINALS}|hälfte|drittel|viertel|fünftel|dutzend|million|milliarde)", re.I)
# "Wie oft tagt der Beirat?": a frequency answers it as a number would ("tagt jährlich", "quartalsweise").
_FREQUENCY_ASKED = re.compile(r"\bwie (?:oft|häufig)\b|\bhow (?:often|frequently)\b|\bin welche[mn] (?:rhythmus|abst[äa]nd|"
                              r"turnus|intervall)|\bat what (?:interval|frequency)\b", re.I)
_FREQUENCY_IN_TEXT = re.compile(r"(?:jähr|monat|wöchent|täg|quartal|stünd)(?:lich|sweise)|\bregelmäßig|\bturnus|"
                                r"\b(?:ein|zwei|drei|vier|mehr)mal\b|\bpro (?:jahr|monat|woche|quartal)\b|"
                                r"\b(?:im|je) (?:jahr|monat|quartal)\b|\balle \w+ (?:jahre|monate|wochen)\b", re.I)
_CONDITION = re.compile(r"\b(?:wenn|sofern|falls|sobald|when|whenever|once)\b", re.I)
# Whole words only: "fahrendem" holds no "Ende", "Email" no "Mai".
_DATE_IN_TEXT = re.compile(r"\b(19|20)\d\d\b|\b(?:januar|februar|märz|april|mai|juni|juli|august|september|"
                           r"oktober|november|dezember|frühjahr|sommer|herbst|winter)s?\b|\b(?:ende|anfang|mitte)\b",
                           re.I)
# The support features that say the quote lacks the kind of thing asked for.
_MISSING = [_S[n] for n in ("date_missing", "money_missing", "count_missing", "number_missing", "maker_missing",
                            "names_missing", "duration_missing")]
# What a sentence has from its passage, the same whatever part of a question it is scored for.
_PASSAGE_LEVEL = [_F[n] for n in ("similarity", "passage_rank", "top_passage", "first_sentence", "heading_project",
                                  "heading_chapter", "chart_title")]
# The words that open a (sub-)question: two of them, and a question asks two things.
_ASKING = re.compile(r"\b(?:wann|wer|wen|wem|was|wo|wie|warum|weshalb|wieso|welche[rsnm]?|when|who|what|where|why|how|"
                     r"which)\b", re.I)
# "Abbildung 5 fasst ... zusammen": a sentence about a chart (lost in the conversion), not its finding.
_ABOUT_CHART = re.compile(r"^(?:Die |Der )?(?:Abbildung|Tabelle|Grafik)\s+\d+\s+(?:fasst|zeigt|stellt|gibt|bildet)\b")
# "Im Rahmen der Interviews wurden die Städte nach ... gefragt", "Im Folgenden werden ... vorgestellt": what the
# study asked or presents next, not what it found.
_ABOUT_STUDY = re.compile(r"\bUntersuchungsgegenstand|\bIm Folgenden\b|\bim Rahmen der (?:Interviews|Befragung|Studie)\b|"
                          r"\bwurden (?:die )?(?:beteiligten |befragten |teilnehmenden )?(?:Städte|Kommunen) (?:nach|zu)\b|"
                          r"\bgefragt\b|\bbefragt\b|\bwerden .{0,60}\bvorgestellt\b|\bdie Frage nach\b", re.I)
# A footnote that names sources: "Vgl. Roland Berger 2019", "Quelle: Statistisches Bundesamt".
_SOURCE_NOTE = re.compile(r"\bVgl\.\s|^\s*(?:<sup>\d+</sup>\s*)?Quelle:")
# "siehe Abbildung 7", "Kapitel 4.2": numbers that refer, not count.
_REFERENCE = re.compile(r"\b(?:Abbildung|Abb\.|Tabelle|Kapitel|Abschnitt|Phase|Anhang)\s+\d+(?:\.\d+)*")
# "Wurde die Stelle tatsächlich besetzt?", "Was it actually adopted as planned?": whether something happened ...
_HAPPENED = re.compile(r"\b(?:tatsächlich|wirklich|actually|really|indeed|in fact|endgültig|finally|eventually|"
                       r"in the end|am ende|letztlich|schließlich|wie geplant|as planned|planmäßig|on schedule)\b", re.I)
# ... where the report (March 2019) only knows the plan ("ist im Januar 2020 geplant", "soll ... werden")
_PLANNED = re.compile(r"\b(?:geplant|vorgesehen|plant|planen|beabsichtigt|angestrebt|soll|sollen|künftig|zukünftig|"
                      r"voraussichtlich|in planung)\b|\bwird\b[^.]*\bwerden\b", re.I)
_PLAN_ASKED = re.compile(_PLANNED.pattern + r"|\bplan(?:s|ned|ning)?\b|\bintends?\b|\bwill\b|\bgoing to\b", re.I)


def asks_happened(question: str) -> bool:
    """Whether a question asks if something came true ("Wurde die Stelle tatsächlich besetzt?", "Was it
    finally adopted as planned?"), not what is planned ("Wie viele Räder soll das System am Ende haben?")."""
    return bool(_HAPPENED.search(question)) and not _PLAN_ASKED.search(_HAPPENED.sub(" ", question))


_DONE = re.compile(r"\b(?:wurden?|erfolgte|beschloss|beschlossen|gestartet|eröffnet)\b", re.I)
_YEAR = re.compile(r"\b(19|20)\d\d\b")
# Years and dates are not the quantities a how-many question asks for.
_DATES = re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.\s?(19|20)\d\d\b|\b(19|20)\d\d(/(19|20)?\d\d)?\b")
# What kind of sentence answers which kind of question (a small bonus, in German and English).
_CUES = (
    (re.compile(r"\bwer\b|\bwho\b|\bwhose\b|\bverantwortlich|\bresponsible\b|\bkoordinier|\bcoordinat|"
                r"\bleads?\b|\bleitet\b", re.I),
     re.compile(r"\bCDO\b|\bCIO\b|\bCUO\b|Chief|Officer|Leitung|leitet|Federführung|Stabsstelle|Beauftragte|"
                r"\bAmt\b|Referat\b|Dezernat|Geschäftsstelle|Oberbürgermeister|\bGmbH\b", re.I)),
    (re.compile(r"\bwarum\b|\bweshalb\b|\bwieso\b|\bwhy\b|\bgrund\b|\breason", re.I),
     re.compile(r"\baufgrund\b|\bwegen\b|\bGrund\b|\bweil\b|\bdenn\b|^Da\b|, da\b|\bum\b[^.]*\bzu\b|\bZiel|Motivation|"
                r"Strukturwandel|\bFolge\b|Herausforderung", re.I)),
    (re.compile(r"\bhei(ß|ss)t\b|\bnamen?\b|\bcalled\b|\bname\b|\btitle", re.I), re.compile(r"»[^«]{2,}«")),
    (re.compile(r"organisiert|organised|organized|organisation|organization|struktur|structure", re.I),
     re.compile(r"organisator|Struktur|dezentral|zentral|Stabsstelle|Einheit|angesiedelt|Querschnitt", re.I)),
)
# "Was kostet ...?", "how much money ...": an amount of money answers, "10 Millionen Euro", "5 €".
# ("Preis" only where nothing is won: "einen Preis gewonnen" is a prize)
_MONEY_ASKED = re.compile(r"\bkoste[tn]?\b|\bkosten\b|\bcosts?\b|\bprice\b|\bpreise?\b(?!.*\b(?:gewann|gewonnen|gewinnt|"
                          r"verliehen|ausgezeichnet|erhielt|bekam))|\bteuer\b|\bexpensive\b|"
                          r"\bhow much money\b|\bwie viel geld\b|\bbudget\w*|\bfördersumme\b|\binvest\w*", re.I)
# "Welche Firma ...?", "which vendor ...?", "Wer liefert ...?": an organisation answers ("die Gelsenwasser AG",
# "Stadtwerke", "die Universität", "SAP", a name in quotes).
# (not who operates or runs something: that may be a city or one of its offices, "die Stadt Köln")
_MAKER_ASKED = re.compile(r"\bwelche[rsnm]?\s+\w*(?:firma|firmen|unternehmen|anbieter|hersteller|dienstleister|lieferant\w*|"
                          r"entwickler|agentur|partner(?:n|firmen?|unternehmen)?)\b|\bwhich\s+(?:company|companies|firm|vendor|"
                          r"supplier|provider|manufacturer|developer|agency|partners?)\b|\bvon wem\b|"
                          r"\bwer\s+(?:liefert|baut|entwickelt|stellt|hat .{0,40}\b(?:gebaut|entwickelt|geliefert))|"
                          r"\bwho\s+(?:supplies|supplied|built|builds|develops|developed|made|makes|provides|provided)\b|"
                          r"\b(?:vendor|supplier|manufacturer)\b|"
                          # "Wie heißt der Anbieter?", "the name of the company"
                          r"\b(?:hei(?:ß|ss)t|name of)\b[^?]{0,40}\b(?:firma|unternehmens?|anbieters?|herstellers?|"
                          r"dienstleisters?|company|supplier|vendor|provider|manufacturer)\b", re.I)
# (a named one: "des niederländischen Anbieters" names none)
_MAKER_IN_TEXT = re.compile(r"\bGmbH\b|\bAG\b|\be\.\s?V\.|\bKG\b|\bSE\b|Universität|Hochschule|Institut|Fraunhofer|"
                            r"Stadtwerke|Telekom|»[^«]{2,}«|\b[A-Z]{2,}[a-z]?\b|\bMinisteri\w+|\bBundes\w+|"
                            r"\b(?:Stadt|Landkreis|Kreis|Land|Gemeinde)\s+[A-ZÄÖÜ][\w-]+|"
                            r"\b(?:Firm(?:a|en)|Unternehmen|Anbieter|Hersteller|Dienstleister|Partner\w*|Konzern|Verein|"
                            r"Verband)\s+[A-ZÄÖÜ][\w.-]+(?:\s+(?:GmbH|AG))?\b(?!\s+(?:der|des|die|das|den|dem|und)\b)")
# The generic words of an organisation's name: "Stadt Emden" is given by a question that names Emden.
_ORGANISATION_WORDS = {"stadt", "landkreis", "kreis", "land", "gemeinde", "firma", "firmen", "unternehmen", "anbieter",
                       "hersteller", "dienstleister", "partner", "konzern", "verein", "verband", "gmbh"}
# "Wie lange ...?", "how long ...?": a span of time answers ("drei Jahre", "bis 2022", "Laufzeit").
_DURATION_ASKED = re.compile(r"\bwie lange\b|\bhow long\b|\bfor how many (?:years|months|weeks)\b|"
                             r"\bwie viele (?:jahre|monate|wochen)\b|\blaufzeit\b|\bduration\b", re.I)
_DURATION_IN_TEXT = re.compile(r"\b(?:\d+|ein|eine[mn]?|zwei|drei|vier|fünf|sechs|zehn|zwölf)\s*(?:jahre?n?|monate?n?|wochen|"
                               r"tage?n?|stunden|years?|months?|weeks?|days?|hours?)\b|\blaufzeit|\bdauer\w*|"
                               r"\bbis\s+(?:ende\s+|zum jahr\s+|mitte\s+)?(?:19|20)\d\d\b|\bseit\s+(?:19|20)\d\d\b", re.I)
_MONEY_IN_TEXT = re.compile(r"€|\beuro\b|\bEUR\b|\bmio\.|\bmillionen\b|\bmrd\.", re.I)
# "Warum ...?": a sentence that gives a reason ("Da ... stieg, musste ...", "weil", "aufgrund").
_WHY = re.compile(r"\bwarum\b|\bweshalb\b|\bwieso\b|\bwhy\b", re.I)
_REASON = re.compile(r"^Da\b|, da\b|\bweil\b|\baufgrund\b|\bwegen\b|\bdenn\b|\bdeshalb\b|\bdaher\b|\bdarum\b|"
                     r"\bfolglich\b|\bzurückzuführen\b|\bbegründe", re.I)
# Questions that ask for several things ("welche drei Modelle", "which four groups") get the sentences
# that follow the best one too, where the report usually lists them.
_ENUMERATION = re.compile(r"\b(zwei|drei|vier|fünf|sechs|two|three|four|five|six)\b(?! (jahre|years|monate|months))|"
                          r"\btop\b", re.I)
# "Wie viele Partner ...", "how many positions ...": the counted word, to find "13 Partnern", "drei Stellen".
_COUNTED = re.compile(rf"\b(?:{HOW_MANY_DE}|how many|how much|wie oft|how often|anzahl (?:der |an )?|number of)\s+((?:[\w-]+\s+){{0,2}}[\w-]+)", re.I)
_NUMBER_WORD = (r"(?:\d[\d.,]*|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|"
                r"hundert|tausend|dutzend)")
# ... and a share: "knapp die Hälfte der befragten Städte", "ein Drittel der Kommunen"
_NUMBER_THEN = re.compile(r"\b(?:" + _NUMBER_WORD + r"(?=\s+((?:[\w-]+\s+){0,1}[\w-]+))|"
                          r"(?:hälfte|drittel|viertel|fünftel|mehrheit|großteil|prozent|half|third|quarter|majority)"
                          r"(?=\s+((?:[\w-]+\s+){0,2}[\w-]+)))", re.I)
_FUNCTION_WORDS = set("der die das den dem des ein eine einen the a an of were was are is does do did have has hat had "
                      "been be will would originally initially ursprünglich zunächst insgesamt "
                      "haben sind wurden werden wurde gibt es there in im vom von davon zu".split())
# "wie viele zusätzliche Ladepunkte", "how many new hotspots": what is counted is the noun after them.
_QUALIFIER = re.compile(r"(?:zusätzlich|neu|weiter|aktiv|öffentlich|kostenlos|frei|verschieden|solch|einzeln)"
                        r"(?:e[nmrs]?)?|additional|new|more|free|public|active|different|other|extra|such|single")
# "Wie oft wurde die App heruntergeladen?": a count of times, with no counted noun after it ("15.000 Mal").
# (Not _FREQUENCY_ASKED: "how many times" is no frequency that "jährlich" answers.)
_HOW_OFTEN = re.compile(r"\bwie oft\b|\bhow often\b|\bhow many times\b", re.I)
# Words that count the same kind of thing: people, and cities (the analysis counts cities by their mentions).
_UNITS = ("Menschen Personen Leute Einwohner Bürger Bewohner Teilnehmer Besucher people persons residents inhabitants "
          "citizens participants visitors attendees",
          "Städte Kommunen Gemeinden Nennungen cities towns municipalities mentions")
# "Wie viele der befragten Kommunen ...", "how many of the towns ...": answered by "N der M ...".
_PARTITIVE_ASKED = re.compile(rf"\b(?:{HOW_MANY_DE}|how many)\s+(?:der|von|of)\b|\b(?:welche[rn]?|wie (?:gro(?:ß|ss)|hoch) ist "
                              r"der) anteil\b|\banteil der\b|\bwhat (?:share|proportion|percentage|fraction) of\b",
                              re.I)
_PARTITIVE = re.compile(r"\b" + _NUMBER_WORD + r"\s+(?:der|von|of)\s+(?:den\s+|the\s+)?(?:insgesamt\s+|total\s+)?"
                        + _NUMBER_WORD + r"\b", re.I)
# A sentence that only makes sense after the one before it ("Diese wurde ... vorgelegt.").
# A preposition with a demonstrative ("In diesem Bereich", "Aus diesem Grund") or a place word ("Dort") refers
# back as well.
_ANAPHORIC = re.compile(r"^(?:Dies|Diese|Dieser|Dieses|Diesem|Diesen|Dessen|Deren|Damit|Daraufhin|Hierbei|Hierfür|Sie|Er|Dort|Hier|"
                        r"Letztere[rsmn]?|Erstere[rsmn]?|(?:In|Aus|Zu|Mit|Für|Auf|Unter|Bei|Nach|Neben|Seit|Durch|Über|Von)\s+"
                        r"(?:diese[mnrs]?|dies|jene[mnrs]?)|"
                        r"Im (?:gleichen|selben|darauffolgenden) (?:Jahr|Monat|Zuge)|Im Folgejahr|Ein Jahr später)\b")
# A negative finding and the sentence that says what there is instead.
_NEGATION = re.compile(r"\bkein\w*|\bnicht\b|\bnie\b", re.I)
# "Dazu gehören ...", "Diese können ...": the sentence after says what the one before only announces.
_ELABORATES = re.compile(r"^(?:Dazu|Darunter|Hierzu|Dabei|Davon|Beispielsweise|Zum Beispiel)\b|" + _ANAPHORIC.pattern)
_INSTEAD = re.compile(r"^(?:Stattdessen|Statt dessen|Vielmehr|Dafür|Allerdings|Jedoch|Zwar)\b")
# The items of an enumeration the report announces ("drei wesentliche Modelle: ... Ein zweiter Weg ...
# Das dritte und am häufigsten angewendete Organisationsmodell ...").
_ORDINAL = re.compile(r"^\W*(?:[\wäöüÄÖÜß]+\s+){0,2}(?:zweit|dritt|viert|fünft|sechst)\w*\b", re.I)
# "Wie heißt ...?", "What is ... called?": a sentence that gives something its name, "die Digitalisierungs-
# strategie »digital@rv«", "unter dem Motto »digiTal 2023«".
_NAME_ASKED = re.compile(r"\bhei(ß|ss)t\b|\bcalled\b|\bname[dn]?\b|\bnamens?\b|\btitle[d]?\b|\btitel\b|\bmotto\b|"
                         r"\bslogan\b", re.I)
_NAMING = re.compile(r"(?:Motto|Titel|Namen|Slogan|Leitbild|Leitmotiv|Leitsatz|Devise|Bezeichnung|Leitfrage)\b[^»«.]{0,25}"
                     r"»[^«]{2,}«|[a-zäöüß](?:strategie|agenda|konzept|plan|programm|projekt|initiative|plattform|app|"
                     r"portal)\s+»[^«]{2,}«", re.I)
# What separates the items of a list in a sentence: "Bürger, Unternehmen, Verwaltung sowie Touristen".
_LIST_SEPARATOR = re.compile(r",\s|\s(?:sowie|und|oder|bzw\.)\s|:\s|»[^«]+«")
# A sentence that announces a list: "... auf drei Ebenen aus: Zunächst ...".
_ANNOUNCES = re.compile(r"\b(?:zwei|drei|vier|fünf|sechs)\b[^.:;]{0,60}:", re.I)
_COUNT_WORDS = {"zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "two": 2, "three": 3, "four": 4, "five": 5,
                "six": 6}
_ITEMS_NAMED = {**_COUNT_WORDS, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
# "Welche sechs Schulen ...?", "Which three cities ...?": the names of that many things are asked
_NAMES_ASKED = re.compile(r"\b(?:welche[nmrs]?|which|what|name|nenne\w*)\s+(?:(?:der|die|den|of the|the)\s+)?"
                          rf"(?:anderen?\s+|other\s+)?({'|'.join(_ITEMS_NAMED)})\s+\w", re.I)
# "am häufigsten", "least often": the sentence that states the extreme ("die wenigsten Nennungen").
_SUPERLATIVES = (
    # the second place first: "zweithäufigste" is not "häufigste"
    (re.compile(r"\bzweit(?:häufigst|meist|größt|wichtigst)\w*|\bsecond(?:[- ]most| largest| biggest| place)|"
                r"\b(?:an )?zweiter stelle\b|\bnach (?:der|dem|den) (?:häufigsten|meisten)\b|\brunner-up\b", re.I),
     re.compile(r"\bzweit(?:häufigst|meist|größt|wichtigst)\w*|\bzweiter stelle\b|\bgefolgt von\b|\bPlatz (?:2|zwei)\b", re.I)),
    (re.compile(r"\bam (?:häufigsten|meisten)\b|\bmost (?:common|often|frequent)|\bmeisten\b|\bhäufigste", re.I),
     re.compile(r"\bam (?:häufigsten|meisten)\b|\bhäufigste|\bmeisten\b|\bTop-", re.I)),
    (re.compile(r"\bam seltensten\b|\bleast\b|\bfewest\b|\bwenigsten\b|\bseltenste", re.I),
     re.compile(r"\bwenigsten\b|\bseltenste|\bSchlusslicht\b|\bgeringste", re.I)),
)
_GLOSSARY_PATH = Path(__file__).parent / "pack" / "glossary_en_de.txt"


def _superlatives(question: str) -> list[re.Pattern]:
    """What a sentence says when it answers the question's superlative; a second place ("zweithäufigste",
    "second most common") is not the first."""
    found = [answer for asks, answer in _SUPERLATIVES if asks.search(question)]
    return found[:1] if _SUPERLATIVES[0][0].search(question) else found


# An English word's inflections, undone to find it in the glossary: "agendas", "surveyed", "developing".
_ENGLISH_INFLECTIONS = (("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("d", ""), ("ing", ""), ("ing", "e"))


class Glossary(dict):
    """English word -> German words, where an inflected English word finds its base form's entry
    ("programmes" -> "programme", "surveyed" -> "survey")."""

    def get(self, word: str, default=None):
        found = super().get(word)
        if found is not None:
            return found
        for suffix, base in _ENGLISH_INFLECTIONS:
            stem = word[: -len(suffix)] + base if word.endswith(suffix) else ""
            # "planning", "planned": the doubled consonant is undone too
            for candidate in (stem, stem[:-1] if stem[-2:-1] == stem[-1:] and suffix in ("ing", "ed") else ""):
                found = super().get(candidate) if len(candidate) >= 4 else None
                if found is not None:
                    return found
        return default


def load_glossary(path: Path = _GLOSSARY_PATH) -> Glossary:
    """English word -> the German words of the report it stands for (see the file's header)."""
    out = Glossary()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        english, _, german = line.partition(":")
        if not german.strip():
            raise ValueError(f"{path}: no German words for {english!r}")
        if not re.fullmatch(r"[a-z0-9-]+", english.strip().lower()):
            raise ValueError(f"{path}: {english!r} is not one word (questions are matched word by word)")
        out[english.strip().lower()] = tuple(german.split())
    return out


def covers(group: set[str], terms: set[str]) -> bool:
    """Whether a sentence's stems contain one of an asked-for word's stems, German compounds and
    inflections included: "verwalt" in "stadtverwalt", "modell" in "modellregion",
    "verabschiedet" and "verabschied"."""
    if group & terms:
        return True
    for stem in group:
        if len(stem) < 5:
            continue
        for term in terms:
            if len(term) > len(stem) and (term.endswith(stem) or (len(stem) >= 5 and term.startswith(stem))):
                return True
            if len(stem) > len(term) >= 7 and stem.startswith(term) and len(stem) - len(term) <= 3:
                return True
    # "nennen" and "Nennungen": a verb and its noun in -ung, which the stemmer keeps apart in short words
    return any(stem + "ung" in terms or (stem.endswith("ung") and stem[:-3] in terms) for stem in group)


def referring(scored: list[Scored], states: Callable[[Scored], bool], chain: bool = False) -> set[int]:
    """The ids of the candidates that state something, or that refer back ("Im gleichen Jahr ...", "Dies ...")
    to the sentence before them that states it; with ``chain``, also through a run of such sentences
    ("Im Januar 2019 ... Dies sind ... Letztere ist ...")."""
    at = {(x.hit_index, x.position): x for x in scored}
    found: set[int] = set()
    for x in sorted(scored, key=lambda x: (x.hit_index, x.position)):
        before = at.get((x.hit_index, x.position - 1))
        if states(x) or (before is not None and _ANAPHORIC.match(x.sentence) and (
                id(before) in found if chain else states(before))):
            found.add(id(x))
    return found


class TermRarity:
    """How specific a word of the report is: a stem few passages use ("verabschied", "querschnitt")
    says more about which sentence answers than one most passages use ("digital", "agenda")."""

    def __init__(self, texts: list[str], terms) -> None:
        self.documents = len(texts)
        self._df: dict[str, int] = {}
        for text in texts:
            for term in terms(text):
                self._df[term] = self._df.get(term, 0) + 1

    def known(self, stem: str) -> bool:
        """Whether any passage uses the stem."""
        return stem in self._df

    def weight(self, group: set[str]) -> float:
        """An asked-for word's weight: the inverse document frequency of its most used stem, so
        that an English word's many German stand-ins do not make it count more."""
        df = max((self._df.get(t, 0) for t in group), default=0)
        return math.log((self.documents + 1) / (df + 1)) + 1.0


@dataclass(frozen=True)
class Asked:
    """What a question asks for, read once: its words and the kinds of sentence that answer it."""

    groups: list[set[str]]
    weights: list[float]
    cues: list[re.Pattern]
    superlatives: list[re.Pattern]
    sections: set[str]
    counted: set[str]
    named: bool  # the question names a city
    naming: bool
    why: bool
    which: bool
    quantity: bool
    when: bool
    partitive: bool
    english: bool = False
    several: bool = False  # two or more question words: two things asked ("Was ist X, und wie oft tagt er?")
    frequency: bool = False  # how often: a frequency answers it as a number does
    counted_known: bool = True  # the report uses a word of what is counted (an English one may have no bridge)

    @property
    def rarest(self) -> set[str] | None:
        """The asked-for word few passages use (the first of equally rare ones), or None."""
        if not self.groups:
            return None
        return self.groups[max(range(len(self.groups)), key=lambda i: self.weights[i])]

    def coverage(self, terms: set[str], exact: bool = False) -> float:
        """The weighted share of the asked-for words the terms hold."""
        found = sum(w for g, w in zip(self.groups, self.weights, strict=True)
                    if (g & terms if exact else covers(g, terms)))
        return found / (sum(self.weights) or 1.0)


@dataclass(frozen=True, eq=False)
class Scored:
    sentence: str
    hit_index: int
    position: int
    score: float
    features: np.ndarray | None = None


class ExtractiveAnswerer:
    """Picks one to three sentences from the top passages and cites them."""

    def __init__(self, stemmer_language: str = "german", min_similarity: float = 0.80,
                 max_sentences: int = 3, max_chars: int = 420, passages: int = 4,
                 weights: SentenceWeights | None = None,
                 observer: Callable[[str, list[Scored]], None] | None = None,
                 refusal: RefusalModel | None = None, quote_confidence: float = 0.7, part_margin: float = 0.05) -> None:
        if not 0 < min_similarity < 1:
            raise ValueError(f"min_similarity must be in (0, 1), got {min_similarity}")
        if not 0 < quote_confidence <= 1:
            raise ValueError(f"quote_confidence must be in (0, 1], got {quote_confidence}")
        self.min_similarity = min_similarity
        self.max_sentences = max_sentences
        # The best passage's sentences are quoted, best first, until the weights' calibrated probabilities
        # say the answer is among them this surely (or the length limits are reached): one sentence when
        # the scores are sure, more when they are not. 0.7 is the highest level at which the median answer
        # of the tuning sets stays within 300 characters (0.5-0.8 measured: accuracy 0.792-0.804).
        self.quote_confidence = quote_confidence
        self.max_chars = max_chars
        # A part of a joined question is answered from the best sentence's passage unless another passage's
        # sentence scores this much higher for it (in units of similarity)
        self.part_margin = part_margin
        self.passages = passages
        self.weights = weights or SentenceWeights.load()
        # Sees every question's scored candidate sentences (eval.fit_weights learns the weights from them).
        self.observer = observer
        # Whether a quote holds what was asked; eval.fit_weights learns it from our questions (and sees
        # every answer's support through support_observer).
        self.refusal = refusal  # the service loads the one fitted for its embedder
        self.support_observer: Callable[[str, np.ndarray], None] | None = None
        import Stemmer

        self._stemmer = Stemmer.Stemmer(stemmer_language)
        self.glossary = load_glossary()
        self._units = [set(self._stemmer.stemWords(words.lower().split())) for words in _UNITS]
        self._terms: dict[str, frozenset[str]] = {}  # the report's sentences are read again for every question

    def stems(self, text: str) -> set[str]:
        """The stems of all of a text's words, question words and stopwords included."""
        return set(self._stemmer.stemWords(_TOKEN.findall(text.lower())))

    @property
    def stopwords(self) -> set[str]:
        """The question words that never count as asked-for words."""
        return _STOPWORDS

    def term_groups(self, question: str, lang: str, ignore: set[str],
                    rarity: TermRarity | None = None) -> list[set[str]]:
        """What a sentence should contain to answer the question: one group of stems per content word
        (an English word's group holds the German words it stands for, so that coverage is counted
        per asked-for word, not per translation). In a German question, an English word the report
        never uses ("Parking App Users") stands for its German words too."""
        groups = []
        for word in _TOKEN.findall(question.lower()):
            if word in _STOPWORDS:
                continue
            german = self.glossary.get(word)
            if lang != "en" and german and (rarity is None or rarity.known(self._stemmer.stemWord(word))):
                german = None  # a German question's word the report uses is taken as written
            group = set(self._stemmer.stemWords(list(german))) if german else set(self._stemmer.stemWords([word]))
            own = self._stemmer.stemWord(word)
            if german and lang == "en" and rarity is not None and rarity.known(own):
                group.add(own)  # an English word the report also uses as written ("Chief Digital Officer", "App")
            group -= ignore
            same = next((g for g in groups if g & group), None)
            if same is not None:  # "most frequently": one asked-for thing said twice
                same |= group
            elif group:
                groups.append(group)
        return groups

    def counted_terms(self, question: str, lang: str, words: int = 1) -> set[str]:
        """The stems of what a how-many question counts ("Partner", "positions" -> "stell")."""
        match = _COUNTED.search(question)
        if not match:
            return set()
        found = [w for w in _TOKEN.findall(match.group(1).lower())
                 if w not in _FUNCTION_WORDS and not _QUALIFIER.fullmatch(w) and not w.isdigit()][:words]
        german = [g for w in found for g in self.glossary.get(w, ())] if lang == "en" else []
        return set(self._stemmer.stemWords(found + german))

    def counts(self, sentence: str) -> set[str]:
        """The stems of the words that follow a number in the sentence ("13 Partnern" -> "partn")."""
        found = []
        for match in _NUMBER_THEN.finditer(sentence):
            found.extend(_TOKEN.findall((match.group(1) or match.group(2)).lower()))
        return set(self._stemmer.stemWords(found))

    def counted_in(self, counted: set[str], counts: set[str], compounds: bool = False) -> bool:
        """Whether what a text's numbers count (:meth:`counts`) is what was asked, or the same kind of thing
        ("how many people" - "rund 300 Teilnehmer"; "Wie viele Städte" - "45 Nennungen"); ``compounds``:
        "Ladepunkte" counts "zusätzliche Ladepunkte" as well."""
        if any(counted & unit and counts & unit for unit in self._units):
            return True
        if not compounds:
            return bool(counted & counts)
        # ... and "Dienstleistungen" counts "70 Leistungen": the text's word is the head of the asked compound
        heads = {t.removesuffix("ung") for t in counts if len(t) >= 5}
        return covers(counted, counts) or any(c.endswith(h) and len(h) >= 5 for c in counted for h in heads)

    def bridged_words(self, question: str, known: Callable[[str], bool] | None = None) -> set[str]:
        """The report's (German) words that an English question's words stand for; with ``known`` (for a
        German question), only those of the words the report never uses ("Pillars", "Funding")."""
        return {g for w in _TOKEN.findall(question.lower())
                if known is None or not known(self._stemmer.stemWord(w)) for g in self.glossary.get(w, ())}

    def bridged_terms(self, question: str) -> set[str]:
        """:meth:`bridged_words`, stemmed like the report."""
        return set(self._stemmer.stemWords(sorted(self.bridged_words(question))))

    def terms(self, text: str) -> frozenset[str]:
        """The stems of a text's words, stopwords left out (cached: passages recur across questions)."""
        found = self._terms.get(text)
        if found is None:
            if len(self._terms) >= 50_000:
                self._terms.clear()
            toks = [t for t in _TOKEN.findall(text.lower()) if t not in _STOPWORDS]
            found = self._terms[text] = frozenset(self._stemmer.stemWords(toks))
        return found

    def confident(self, hits: list[Hit], question: str, ignore: set[str], lang: str = "de") -> bool:
        """Whether the best passage is close enough to the question to be quoted."""
        if not hits:
            return False
        best_sim = max((h.similarity or 0.0) for h in hits[:3])
        q_terms = self.terms(question) - ignore
        if lang == "en":
            q_terms |= self.bridged_terms(question) - ignore
        overlap = max(sum(covers({t}, chunk) for t in q_terms)
                      for chunk in (self.terms(h.chunk.embed_text) for h in hits[:3])) if q_terms else 0
        return best_sim >= self.min_similarity or (overlap >= 2 and best_sim >= self.min_similarity - 0.03)

    def run(self, question: str, lang: str, hits: list[Hit], sentence_vectors, query_vector: np.ndarray,
            ignore_terms: set[str] | None = None, rarity: TermRarity | None = None,
            following: Callable[[Chunk], Chunk | None] | None = None, amounts: bool = False) -> Answer:
        """``following`` gives the next chunk of a chunk's section (a long section is split into several):
        its sentences are read too, and an enumeration may continue into it. ``amounts``: the question
        compares amounts ("Which city has more hotspots, A or B?"): a sentence with a figure answers, if any."""
        retrieved = tuple(hits)
        ignore = {t for t in (ignore_terms or set())}
        if not self.confident(hits, question, ignore, lang):
            return Answer(question, say(lang, "refuse"), lang, True, (), retrieved)
        asked = self.asked(question, lang, ignore, rarity)
        groups = asked.groups
        passage_text = " ".join(h.chunk.text for h in hits[: self.passages])
        years = [m.group(0) for m in _YEAR.finditer(question)]
        if any(y not in passage_text for y in years):  # a year the passages never mention
            return Answer(question, say(lang, "refuse"), lang, True, (), retrieved)
        quantity, counted = asked.quantity, asked.counted
        # "Was ist X, und wie oft tagt er?": the figure is one of two things asked; without it the other
        # part is still answered (and the answer says that the figure is not given).
        figure_only = quantity and not asked.several
        scored: list[Scored] = []
        # The top passages, and further down only those from the section this kind of question asks for.
        # ... and a chapter passage that names the asked city (the retriever puts the best one last).
        read = [i for i, h in enumerate(hits) if i < self.passages or h.chunk.section in asked.sections
                or (ignore and not h.chunk.city and ignore & self.terms(h.chunk.text))]
        hits, continuation = self.continued(hits, following)
        read += sorted(set(continuation.values()) - set(read))
        for hi in read:
            hit = hits[hi]
            if hit.chunk.section == FIGURES_SECTION or hit.chunk.source == "Anhang A":
                continue  # figures and Anhang A's lists are answered exactly from the parsed report, never quoted
            sentences = split_sentences(hit.chunk.text)
            # A chapter's headings often state its finding ("Verwaltung, Mobilität ... sind die Top-Themen").
            # A project's title names what its passage is about (a smaller bonus: the question may ask
            # for something the profile says elsewhere, "Wer fördert ...").
            heading = 0.0
            project = hit.chunk.section.startswith("Projektbeispiele")
            if not hit.chunk.city or project:
                heading = asked.coverage(self.terms(hit.chunk.section), exact=True)
            if quantity and counted and not hit.chunk.city and counted & self.counts(hit.chunk.section):
                # A chart's title kept as a heading ("10 Schritte auf dem Weg zur Digitalen Agenda") states
                # a count that the text around it does not.
                f = np.zeros(len(FEATURES))
                f[_F["similarity"]] = hit.similarity or 0.0
                f[_F["coverage"]] = asked.coverage(self.terms(hit.chunk.section))
                f[_F["passage_rank"]] = max(self.passages - hi, 0)
                f[_F["chart_title"]] = 1.0
                scored.append(Scored(hit.chunk.section, hi, -1, self.weights.score(f), f))
            vecs = sentence_vectors(hit.chunk, sentences)
            previous: set[str] = set()
            for pos, sent in enumerate(sentences):
                sim = float(vecs[pos] @ query_vector) if vecs is not None else 0.0
                sent_terms = self.terms(sent)
                # "Diese wurde ... vorgelegt": the sentence is about what the one before it names.
                read_terms = sent_terms | previous if _ANAPHORIC.match(sent) else sent_terms
                previous = sent_terms
                if _SOURCE_NOTE.search(sent):
                    continue  # a footnote naming sources ("Vgl. BMEL 2018 ..."), not what the report says
                if figure_only and not self.gives_figure(asked, _REFERENCE.sub(" ", sent)):
                    continue  # a "how many" question is answered by a sentence with a number, or not at all
                f = self.features(asked, sent, hit.chunk, read_terms)
                f[_F["similarity"]] = sim
                if vecs is not None and pos + 1 < len(sentences):
                    f[_F["next_similarity"]] = float(vecs[pos + 1] @ query_vector)
                f[_F["passage_rank"]] = max(self.passages - hi, 0)
                f[_F["top_passage"]] = float(hi == 0)
                f[_F["first_sentence"]] = float(pos == 0)
                f[_F["heading_project" if project else "heading_chapter"]] = heading
                scored.append(Scored(sent, hi, pos, self.weights.score(f), f))
        if self.observer is not None:
            self.observer(question, scored)
        if asked.when and not asked.several:
            # "Wann ...?", "Seit wann ...?": a sentence with a date answers (as a number answers "wie viele");
            # not in a question that also asks something else ("seit wann und in welchem Dezernat?")
            # "Im gleichen Jahr startete ...": the date of the sentence before
            dated = referring(scored, lambda x: bool(_DATE_IN_TEXT.search(_REFERENCE.sub(" ", x.sentence))))
            scored = [x for x in scored if id(x) in dated] or scored
        if amounts:
            scored = [x for x in scored if self.gives_figure(asked, _REFERENCE.sub(" ", x.sentence))] or scored
        recent, picked = report_pack().years_since(question), None
        if recent and not (quantity or _ENUMERATION.search(question)):
            # "Wer gewann den Wettbewerb 2019?": the report (March 2019) can only know that year's or
            # later plans, in a sentence of that year about what was asked. (An earlier year may go
            # unsaid in the sentence that answers: "Darmstadt gewann den Bitkom-Wettbewerb".)
            # The year picks the best sentence; its passage's other sentences may still complete it ("Mit
            # Verfügung ... im Januar 2019 wurden Strukturen geschaffen. Dies sind im Einzelnen ...").
            top = max((x.score for x in scored), default=0.0)
            # ... or a sentence that refers back to one that names it ("Im Januar 2019 wurden Strukturen
            # geschaffen. Dies sind ... Letztere ist mit der Steuerung beauftragt.")
            named_year = referring(scored, lambda x: any(y in x.sentence for y in recent), chain=True)
            dated = [x for x in scored if id(x) in named_year and x.score >= top - 0.1]
            if not dated:
                return Answer(question, say(lang, "refuse"), lang, True, (), retrieved)
            picked = max(dated, key=lambda s: s.score)  # the best sentence, whatever its companions score
            scored = dated + [x for x in scored if x.hit_index == picked.hit_index and x not in dated]
        if figure_only and (not scored or (groups and not any(
                any(covers(g, self.terms(s.sentence)) for g in groups)
                for s in scored if s.score >= max(x.score for x in scored) - 0.02))):
            return Answer(question, say(lang, "refuse_figure"), lang, True, (), retrieved)
        measured = self.counted_terms(question, lang, words=2) if _AMOUNT.search(question) else set()
        if measured and figure_only and not any(measured & self.counts(s.sentence) for s in scored):
            # No sentence gives an amount of what was asked ("Wie viel CO2 ...?"): the figure is not given.
            return Answer(question, say(lang, "refuse_figure"), lang, True, (), retrieved)
        if not scored:
            return Answer(question, say(lang, "refuse"), lang, True, (), retrieved)
        best = picked or max(scored, key=lambda s: s.score)
        chosen = [best]
        same = sorted((s for s in scored if s.hit_index == best.hit_index and s is not best), key=lambda s: -s.score)
        probability = dict(zip(map(id, scored), self.weights.probabilities([s.score for s in scored]), strict=True))
        sure = probability[id(best)]
        for s in same:
            length = sum(len(c.sentence) for c in chosen)
            if len(chosen) >= self.max_sentences or length + len(s.sentence) > self.max_chars:
                break
            if sure < self.quote_confidence or (length < 90 and abs(s.position - best.position) == 1):
                chosen.append(s)
                sure += probability[id(s)]
        cues = asked.cues
        if cues and not any(c.search(x.sentence) for c in cues for x in chosen):
            # A who/why/what-is-it-called question: add the passage's best sentence of that kind.
            fitting = [x for x in same if x not in chosen and any(c.search(x.sentence) for c in cues)]
            length = sum(len(c.sentence) for c in chosen)
            if fitting and length + len(fitting[0].sentence) <= self.max_chars:
                chosen.append(fitting[0])
        self.complete(chosen, same, groups)
        if _ENUMERATION.search(question) or _ANNOUNCES.search(best.sentence):
            self.enumerate(question, chosen, scored, continuation.get(best.hit_index))
        parts, kept = question_parts(question) if asked.several else [], []
        part_asks = [(p, self.asked(p, lang, ignore, rarity)) for p in parts] if len(parts) > 1 else []
        elsewhere = self.each_part(part_asks, best, chosen, scored, hits, kept) if part_asks else None
        order = {best.hit_index: 0, continuation.get(best.hit_index): 1}
        hit = hits[best.hit_index]

        def quoted_text(chosen: list[Scored]) -> str:
            chosen.sort(key=lambda s: (order[s.hit_index], s.position))
            quote = chosen[0].sentence
            for before, s in zip(chosen, chosen[1:], strict=False):
                adjacent = before.position >= 0 and (
                    s.position == before.position + 1 or (s.hit_index != before.hit_index and s.position == 0))
                quote += (" " if adjacent else " … ") + s.sentence
            return quote

        quote = quoted_text(chosen)
        # A second passage is cited when it is nearly as relevant: from another source, or from another section
        # of the same one when its sentence holds an asked word the quote lacks (a near tie between two
        # sections of a profile, one of which names what was asked).
        quoted = self.terms(quote)
        near = [s for s in scored if s.score >= best.score - 0.01]  # only these can be cited: read their words only
        others = [s for s in near if hits[s.hit_index].chunk.source != hit.chunk.source
                  or (hits[s.hit_index].chunk.section != hit.chunk.section
                      and any(covers(g, self.terms(s.sentence)) and not covers(g, quoted) for g in groups))]
        second = max(others, key=lambda s: s.score) if others else elsewhere
        # The second passage outranks the first one's weaker companions: they make room for it.
        antecedent = next((c for c in chosen if c.position == best.position - 1 and _ANAPHORIC.match(best.sentence)), None)
        while second is not None and len(self.frame(lang, hit, quote)) + len(second.sentence) >= 590:
            spare = [c for c in chosen if c is not best and c is not antecedent and c not in kept]
            if not spare:
                break
            chosen.remove(min(spare, key=lambda c: c.score))
            quote = quoted_text(chosen)
        passage = hit.chunk.text
        if chosen[0].position < 0:  # the heading is quoted: it is part of the cited passage
            passage = f"{hit.chunk.section}\n\n{passage}"
        if any(s.hit_index != best.hit_index for s in chosen):  # the enumeration went on in the next chunk
            passage += "\n\n" + hits[continuation[best.hit_index]].chunk.text
        citations = [Citation(1, hit.chunk.source, hit.chunk.section, passage, quote, hit.chunk.id)]
        text = self.frame(lang, hit, quote) + " [1]"
        if second is not None and len(text) + len(second.sentence) < 600:
            h2 = hits[second.hit_index]
            citations.append(Citation(2, h2.chunk.source, h2.chunk.section, h2.chunk.text, second.sentence, h2.chunk.id))
            text += " " + self.frame(lang, h2, second.sentence) + " [2]"
        answered = " ".join(c.quote for c in citations)  # what the answer quotes, from one passage or two
        if quantity and not figure_only and not self.gives_figure(asked, answered):
            text += " " + say(lang, "figure_not_given")
        if asks_happened(question) and _PLANNED.search(best.sentence) and not _DONE.search(best.sentence):
            # Whether the plan came true the report cannot know: it says so, and gives the plan.
            return Answer(question, say(lang, "refuse_planned", nearest=self.frame(lang, hit, quote) + " [1]"), lang,
                          True, tuple(citations[:1]), retrieved)
        support = self.support(asked, question, quote, hit, best, part_asks, answered)
        if self.support_observer is not None:
            self.support_observer(question, support)
        if self.refusal is not None and self.refusal.refuses(support):
            # The passage is about the topic but does not hold what was asked: say so, and what it does say.
            nearest = self.frame(lang, hit, quote) + " [1]"
            return Answer(question, say(lang, "refuse_nearest", nearest=nearest), lang, True, tuple(citations[:1]),
                          retrieved)
        return Answer(question, text, lang, False, tuple(citations), retrieved)

    def support(self, asked: Asked, question: str, quote: str, hit: Hit, best: Scored,
                part_asks: list[tuple[str, Asked]] = (), answered: str = "") -> np.ndarray:
        """How well the chosen quote (with its passage's title) holds what was asked (see SUPPORT_FEATURES).
        ``part_asks``: the parts of a question that joins two, each with what it asks; ``answered``: all the
        answer quotes (a part may be answered from a second passage)."""
        held = self.terms(quote) | self.terms(hit.chunk.section)
        f = np.zeros(len(SUPPORT_FEATURES))
        f[_S["best_similarity"]] = best.features[_F["similarity"]] if best.features is not None else 0.0
        f[_S["passage_similarity"]] = hit.similarity or 0.0
        f[_S["quote_coverage"]] = asked.coverage(held)
        f[_S["quote_coverage_exact"]] = asked.coverage(held, exact=True)
        if asked.groups:
            f[_S["rarest_missing"]] = float(not covers(asked.rarest, held))
            missing = [w for g, w in zip(asked.groups, asked.weights, strict=True) if not covers(g, held)]
            f[_S["missing_weight"]] = sum(missing) / (sum(asked.weights) or 1.0)
        f[_S["english"]] = float(asked.english)
        f[_S["asked_words"]] = min(len(asked.groups), 8) / 8
        if part_asks:
            # "Wie viel kosten die Busse, und wer liefert sie?": what a part asks for is missing if it is
            # missing for any part (the quote holds each part's best sentence)
            for part, part_asked in part_asks:
                f[_MISSING] = np.maximum(f[_MISSING], self.missing(part_asked, part, answered or quote)[_MISSING])
            return f
        if asked.several:
            return f  # two things asked in one ("Wer macht was?"): the quote may give one of them
        f[_MISSING] = self.missing(asked, question, quote)[_MISSING]
        return f

    def missing(self, asked: Asked, question: str, quote: str) -> np.ndarray:
        """The support features that say the quote lacks the kind of thing asked for (a date, an amount ...)."""
        f = np.zeros(len(SUPPORT_FEATURES))
        # "Wann verzichten Städte auf ...?" - "dann, wenn ...": a condition answers a when-question too
        f[_S["date_missing"]] = float(asked.when and not _DATE_IN_TEXT.search(quote) and not _CONDITION.search(quote))
        f[_S["money_missing"]] = float(bool(_MONEY_ASKED.search(question)) and not _MONEY_IN_TEXT.search(quote))
        if asked.counted and asked.counted_known and not _HOW_OFTEN.search(question):
            # "how many users": the quote counts something else ("15.000 Downloads"). Not a how-often question,
            # whose next words are no counted thing ("Wie oft wurde die App heruntergeladen?" - "15.000 Mal").
            f[_S["count_missing"]] = float(not self.counted_in(asked.counted, self.counts(quote), compounds=True))
        f[_S["number_missing"]] = float(asked.quantity and (not self.gives_figure(asked, quote) or (
            bool(_EXACT.search(question)) and not _COUNT_IN_TEXT.search(_DATES.sub(" ", _REFERENCE.sub(" ", quote))))))
        names = _NAMES_ASKED.search(question)
        if names:  # that many names: at least one separator fewer than items in the quote
            wanted = _ITEMS_NAMED[names.group(1).lower()]
            f[_S["names_missing"]] = float(len(_LIST_SEPARATOR.findall(quote)) < wanted - 1)
        f[_S["maker_missing"]] = float(bool(_MAKER_ASKED.search(question)) and not self.names_maker(question, quote))
        f[_S["duration_missing"]] = float(bool(_DURATION_ASKED.search(question)) and not _DURATION_IN_TEXT.search(quote))
        return f

    @staticmethod
    def names_maker(question: str, quote: str) -> bool:
        """Whether the quote names an organisation other than those the question names itself: in "Which
        company developed the KEPTN app?" the app's own name "KEPTN" is not its maker."""
        asked = set(_TOKEN.findall(fold(question)))

        def given(name: str) -> bool:
            own = {w for w in _TOKEN.findall(fold(name)) if len(w) > 2 and w not in _ORGANISATION_WORDS}
            return bool(own) and own <= asked

        return any(not given(m.group(0)) for m in _MAKER_IN_TEXT.finditer(quote))

    def polarity(self, question: str, lang: str, quote: str, ignore: set[str], rarity: TermRarity | None) -> str | None:
        """For a yes/no question, "yes" or "no" when the quote says so plainly, else None: "no" when the
        sentence holding the question's rarest word negates ("kein", "nicht", "noch nicht"), "not_yet" when
        it states a plan the question does not ask about, "yes" when a sentence without negation holds most
        of the asked words, the rarest among them."""
        asked = self.asked(question, lang, ignore, rarity)
        rarest = asked.rarest
        if rarest is None:
            return None
        for sentence in split_sentences(quote.replace(" … ", " ")):
            terms = self.terms(sentence)
            if not covers(rarest, terms):
                continue
            if _NEGATION.search(sentence):
                return "no"
            if _PLANNED.search(sentence) and not _DONE.search(sentence) and not _PLAN_ASKED.search(question):
                return "not_yet"  # "Hat Münster einen CDO?" - "soll ... besetzt werden": planned, not there yet
            if asked.coverage(terms) >= 0.75:
                return "yes"
        return None

    def each_part(self, part_asks: list[tuple[str, Asked]], best: Scored, chosen: list[Scored], scored: list[Scored],
                  hits: list[Hit], kept: list[Scored]) -> Scored | None:
        """A question that joins two ("Wo ist X verortet, und wann wurde sie besetzt?"): the best sentence for
        each part on its own (its words, its question word; the passage's similarity to the whole question)
        is quoted too when it stands in the best sentence's passage (and put in ``kept``: it stays when a
        second passage is cited). Returns the best one for a part that another passage of the same source
        holds, to be cited beside it."""
        elsewhere = None
        for _, part_asked in part_asks:
            rescored = []
            for x in scored:
                if x.position < 0:
                    continue  # a chapter heading
                f = self.features(part_asked, x.sentence, hits[x.hit_index].chunk, self.terms(x.sentence))
                f[_PASSAGE_LEVEL] = x.features[_PASSAGE_LEVEL]
                rescored.append((self.weights.score(f), x))
            if not rescored:
                continue
            top, pick = max(rescored, key=lambda t: t[0])
            # the best one's passage answers the part unless another one does clearly better
            own = max((t for t in rescored if t[1].hit_index == best.hit_index), key=lambda t: t[0], default=None)
            if own is not None and own[0] >= top - self.part_margin:
                top, pick = own
            if pick in chosen:
                # the quote holds this part's best sentence (it stays when a second passage is cited); the part
                # may still ask what the next best says ("Has X a concept, and how has it communicated so
                # far?"), when it is nearly as good
                kept.append(pick)
                own_rest = [t for t in rescored if t[1].hit_index == best.hit_index and t[1] not in chosen]
                runner = max(own_rest, key=lambda t: t[0], default=None)
                if runner is None or runner[0] < top - self.part_margin:
                    continue
                pick = runner[1]
            if pick.hit_index == best.hit_index:
                if sum(len(c.sentence) for c in chosen) + len(pick.sentence) <= self.max_chars + 200:
                    chosen.append(pick)
                    kept.append(pick)
            elif elsewhere is None and hits[pick.hit_index].chunk.source == hits[best.hit_index].chunk.source:
                elsewhere = pick
        return elsewhere

    @staticmethod
    def continued(hits: list[Hit], following) -> tuple[list[Hit], dict[int, int]]:
        """The hits with the next chunk of each of the first few appended (when it is not a hit
        already), and which appended hit continues which."""
        if following is None:
            return hits, {}
        pool = list(hits)
        known = {h.chunk.id: i for i, h in enumerate(hits)}
        continuation: dict[int, int] = {}
        for i, hit in enumerate(hits[:4]):
            nxt = following(hit.chunk)
            if nxt is None:
                continue
            if nxt.id not in known:
                known[nxt.id] = len(pool)
                pool.append(Hit(nxt, 0.0, similarity=hit.similarity))
            continuation[i] = known[nxt.id]
        return pool, continuation

    def enumerate(self, question: str, chosen: list[Scored], scored: list[Scored], next_hit: int | None) -> None:
        """Extends the answer to a question that asks for several things: the sentences that name the
        second, third ... item ("Ein zweiter Weg ...", "Die dritte ... Zielsetzung"), also in the
        section's next chunk, with what lies between left out; without such markers, the sentences
        that follow the best one."""
        best = chosen[0]
        after = sorted((s for s in scored if s.hit_index == best.hit_index and s.position > best.position),
                       key=lambda s: s.position)
        after += sorted((s for s in scored if s.hit_index == next_hit), key=lambda s: s.position)
        asked = next((_COUNT_WORDS[w] for w in _TOKEN.findall(question.lower()) if w in _COUNT_WORDS), None)
        said = {c.sentence for c in chosen}
        after = [s for s in after if s.sentence not in said]
        items = [s for s in after if _ORDINAL.match(s.sentence)]
        if items:
            chosen.extend(items[: (asked - 1) if asked else len(items)])
            return
        for s in after:
            if s.hit_index != best.hit_index or s in chosen:
                continue
            if s.position != max(c.position for c in chosen if c.hit_index == best.hit_index) + 1:
                continue
            if sum(len(c.sentence) for c in chosen) + len(s.sentence) > self.max_chars + 450:
                break
            chosen.append(s)

    def asked(self, question: str, lang: str, ignore: set[str], rarity: TermRarity | None) -> Asked:
        groups = self.term_groups(question, lang, ignore, rarity)
        counted = self.counted_terms(question, lang)
        return Asked(
            groups=groups, weights=[rarity.weight(g) if rarity is not None else 1.0 for g in groups],
            cues=[answer for asks, answer in _CUES if asks.search(question)],
            superlatives=_superlatives(question),
            sections={name for asks, name in report_pack().sections if asks.search(question)},
            counted=counted, named=bool(ignore),
            naming=bool(_NAME_ASKED.search(question)), why=bool(_WHY.search(question)),
            which=bool(re.search(r"\b(?:welche[rsnm]?|which|what are|what were|nenne|name|list|aufzählen)\b",
                                 question, re.I)),
            quantity=bool(_QUANTITY.search(question)), when=bool(_WHEN.search(question)),
            partitive=bool(_PARTITIVE_ASKED.search(question)), english=lang == "en",
            several=len(_ASKING.findall(question)) > 1 or len(question_parts(question)) > 1,
            frequency=bool(_FREQUENCY_ASKED.search(question)),
            counted_known=rarity is None or any(rarity.known(t) for t in counted))

    @staticmethod
    def gives_figure(asked: Asked, text: str) -> bool:
        """Whether a text gives the figure asked for: a number (not a date), or for a how-often question a
        frequency ("jährlich", "zweimal im Jahr")."""
        return bool(_NUMBER_IN_TEXT.search(_DATES.sub(" ", text))
                    or (asked.frequency and _FREQUENCY_IN_TEXT.search(text)))

    def features(self, asked: Asked, sent: str, chunk: Chunk, terms: set[str]) -> np.ndarray:
        """What is known of a sentence as an answer to the question (see FEATURES); the passage-level
        ones (similarity, rank, position, heading) are filled in by the caller."""
        f = np.zeros(len(FEATURES))
        f[_F["coverage"]] = lex = asked.coverage(terms)
        f[_F["coverage_exact"]] = asked.coverage(terms, exact=True)
        f[_F["coverage_en"]] = lex if asked.english else 0.0
        if asked.rarest is not None:
            f[_F["rarest_covered"]] = float(covers(asked.rarest, terms))
        f[_F["section_intent"]] = float(chunk.section in asked.sections and asked.named)
        f[_F["general_chapter"]] = float(not asked.named and not chunk.city)
        f[_F["when_date"]] = float(asked.when and bool(_DATE_IN_TEXT.search(sent)))
        f[_F["cue"]] = sum(bool(c.search(sent)) for c in asked.cues)
        f[_F["announces_list"]] = float(asked.which and bool(_ANNOUNCES.search(sent)))
        f[_F["about_chart"]] = float(bool(_ABOUT_CHART.search(sent)))
        f[_F["reason"]] = float(asked.why and bool(_REASON.search(sent)))
        f[_F["superlative"]] = sum(bool(c.search(sent)) for c in asked.superlatives)
        f[_F["naming"]] = float(asked.naming and bool(_NAMING.search(sent)))
        f[_F["counts_asked"]] = float(bool(asked.counted) and self.counted_in(asked.counted, self.counts(sent)))
        f[_F["partitive"]] = float(asked.partitive and bool(_PARTITIVE.search(sent)))
        f[_F["length"]] = min(len(sent), 400) / 400
        f[_F["is_question"]] = float("?" in sent)
        f[_F["about_study"]] = float(bool(_ABOUT_STUDY.search(sent)))
        if asked.which:  # "Welche ...?", "What are the ...?": a sentence that lists several things
            f[_F["lists_items"]] = min(len(_LIST_SEPARATOR.findall(sent)), 4) / 4
        return f

    def complete(self, chosen: list[Scored], same: list[Scored], groups: list[set[str]]) -> None:
        """Adds the passage's sentences without which the chosen ones do not answer: the sentence an
        anaphoric one ("Diese wurde ...") refers to, what there is instead of what there is not, and
        the best sentence with an asked-for word that the chosen ones lack."""
        at = {s.position: s for s in same}
        best = chosen[0]

        def room(extra: Scored, slack: int = 0) -> bool:
            return sum(len(c.sentence) for c in chosen) + len(extra.sentence) <= self.max_chars + slack

        before = at.get(best.position - 1)
        if before is not None and before not in chosen and _ANAPHORIC.match(best.sentence) and room(before):
            chosen.append(before)
        last = max(chosen, key=lambda c: c.position)
        after = at.get(last.position + 1)
        if after is not None and after not in chosen and _NEGATION.search(last.sentence) \
                and _INSTEAD.match(after.sentence) and room(after):
            chosen.append(after)
        after = at.get(best.position + 1)
        # what the best one announces or refers on to belongs to it: it may exceed the length a little
        # (an enumeration the best one announces, "drei Modelle: ...", is quoted item by item instead)
        if after is not None and after not in chosen and _ELABORATES.match(after.sentence) and room(after, 200) \
                and not _ANNOUNCES.search(best.sentence):
            chosen.append(after)
        chosen_terms = set().union(*(self.terms(c.sentence) for c in chosen))
        missing = [g for g in groups if not g & chosen_terms]
        positions = {c.position for c in chosen}
        for s in same if missing else ():  # best first; a neighbour of the chosen ones may score lower
            near = s.position - 1 in positions or s.position + 1 in positions
            if s in chosen or s.score < best.score - (0.35 if near else 0.2) or not room(s):
                continue
            if any(covers(g, self.terms(s.sentence)) for g in missing):
                chosen.append(s)
                break
        # Any other "Diese ..." sentence comes with the one it refers to, or not at all.
        for s in sorted(chosen[1:], key=lambda c: c.position):
            if not _ANAPHORIC.match(s.sentence) or s.position - 1 in {c.position for c in chosen}:
                continue
            before = at.get(s.position - 1)
            if before is not None and room(before):
                chosen.append(before)
            else:
                chosen.remove(s)

    @staticmethod
    def frame(lang: str, hit: Hit, quote: str) -> str:
        chunk = hit.chunk
        section = project_title(chunk.section) or chunk.section  # a project: its title (its fields are in the citation)
        if chunk.city:
            return say(lang, "quote_profile", city=chunk.city, section=section, quote=quote)
        chapter = chunk.source if lang == "de" else chunk.source.replace("Anhang A", "Appendix A")
        if lang == "de" and not chapter.startswith("Anhang"):
            chapter = f"Kapitel {chapter}"
        return say(lang, "quote_chapter", chapter=chapter, section=section, quote=quote)

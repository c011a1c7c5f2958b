#!/usr/bin/env python3
"""Validate the evaluation sets eval/qa.jsonl and eval/dialogues.jsonl.

Stdlib only. Usage:
    python eval/check_sets.py [--report PATH] [--qa PATH] [--dialogues PATH]

Checks
  * JSON per line, exact key sets, allowed kinds / langs, unique ids
  * every `sources` name is canonical: the 50 city profile headings parsed
    from the report (``## Name`` followed by an ``Einwohner:`` line) plus the
    11 chapter names
  * evidence quotes occur verbatim (whitespace-normalised) inside one line of
    the report and are at most 300 characters
  * every must_contain entry has at least one ``|``-alternative that occurs in
    the report text (case-insensitive, whitespace-folded); unanswerable items
    must have empty must_contain and sources
  * the reference answer of each QA item satisfies its own must_contain
  * all 50 cities are covered by the QA sources
Prints counts per kind and language; prints problems and exits 1 if any.
"""
import argparse
import collections
import json
import os
import re
import sys
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_REPORT = str(Path(__file__).resolve().parent.parent / "corpus" / "smart-city-atlas-2019.md")

CHAPTERS = [
    "1 Einleitung",
    "2 Methodisches Vorgehen",
    "3 Steckbriefe",
    "4.1 Motivation und Zielsetzungen",
    "4.2 Handlungsfelder",
    "4.3 Institutionalisierungsgrad",
    "4.4 Bürgerbeteiligung und Zivilgesellschaft",
    "4.5 Herausforderungen",
    "4.6 Erfahrungen und Handlungsempfehlungen",
    "5 Fazit und Ausblick",
    "Anhang A",
]
KINDS = {"number", "fact", "project", "multi", "analysis", "unanswerable"}
LANGS = {"de", "en"}
QA_KEYS = {"id", "lang", "question", "answer", "must_contain", "sources",
           "section", "kind", "evidence"}
# Rewordings and held-out sets also say how a question is worded and which item it rewords; list
# questions may name what a right answer must not pad its list with.
OPTIONAL_QA_KEYS = {"style", "variant_of", "must_not_contain"}
DLG_KEYS = {"id", "lang", "turns"}
TURN_KEYS = {"question", "must_contain", "sources"}
MAX_QUOTE = 300


def fold(s):
    """Whitespace-fold and lower-case (matching rule of the scorer)."""
    return re.sub(r"\s+", " ", s).strip().lower()


def ws(s):
    """Whitespace normalisation only (for evidence quotes)."""
    return re.sub(r"\s+", " ", s).strip()


def parse_cities(lines):
    """`## Name` headings followed (before the next heading, within a few
    non-empty lines) by a line containing 'Einwohner:'."""
    cities = []
    for i, line in enumerate(lines):
        m = re.match(r"^##\s+(.+?)\s*$", line)
        if not m or line.startswith("###"):
            continue
        seen = 0
        for nxt in lines[i + 1:i + 12]:
            if not nxt.strip():
                continue
            if nxt.lstrip().startswith("#"):
                break
            if "Einwohner:" in nxt:
                cities.append(m.group(1))
                break
            seen += 1
            if seen >= 3:
                break
    return cities


def load_jsonl(path, problems):
    rows = []
    if not os.path.exists(path):
        problems.append(f"{path}: file missing")
        return rows
    with open(path, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                rows.append((n, json.loads(raw)))
            except json.JSONDecodeError as exc:
                problems.append(f"{os.path.basename(path)}:{n}: invalid JSON ({exc})")
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--report", default=DEFAULT_REPORT)
    ap.add_argument("--qa", default=os.path.join(HERE, "qa.jsonl"))
    ap.add_argument("--dialogues", default=os.path.join(HERE, "dialogues.jsonl"))
    ap.add_argument("--partial", action="store_true", help="a set that need not cover all 50 cities")
    args = ap.parse_args()

    problems = []
    with open(args.report, encoding="utf-8") as fh:
        text = fh.read()
    lines = text.split("\n")
    norm_lines = [ws(ln) for ln in lines]
    folded_text = fold(text)

    cities = parse_cities(lines)
    if len(cities) != 50 or len(set(cities)) != 50:
        problems.append(f"report: expected 50 distinct city profiles, parsed {len(cities)}: {cities}")
    canonical = set(cities) | set(CHAPTERS)

    def check_sources(where, sources, allow_empty):
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            problems.append(f"{where}: sources must be a list of strings")
            return
        if not sources and not allow_empty:
            problems.append(f"{where}: sources empty")
        if len(set(sources)) != len(sources):
            problems.append(f"{where}: duplicate sources {sources}")
        for s in sources:
            if s not in canonical:
                problems.append(f"{where}: non-canonical source {s!r}")

    def check_mc(where, mc, allow_empty):
        if not isinstance(mc, list) or not all(isinstance(x, str) for x in mc):
            problems.append(f"{where}: must_contain must be a list of strings")
            return
        if not mc and not allow_empty:
            problems.append(f"{where}: must_contain empty")
        for entry in mc:
            alts = [a for a in entry.split("|") if a.strip()]
            if not alts:
                problems.append(f"{where}: empty must_contain entry {entry!r}")
                continue
            if not any(fold(a) in folded_text for a in alts):
                problems.append(f"{where}: no alternative of {entry!r} occurs in the report")

    def satisfies(answer, mc):
        fa = fold(answer)
        return all(any(fold(a) in fa for a in e.split("|") if a.strip()) for e in mc)

    ids = set()
    # ---------------- QA ----------------
    qa_rows = load_jsonl(args.qa, problems)
    kind_lang = collections.Counter()
    kinds = collections.Counter()
    langs = collections.Counter()
    covered = set()
    for n, item in qa_rows:
        where = f"qa.jsonl:{n}"
        if not isinstance(item, dict):
            problems.append(f"{where}: not an object")
            continue
        keys = set(item) - OPTIONAL_QA_KEYS
        if keys != QA_KEYS:
            problems.append(f"{where}: keys mismatch (missing {sorted(QA_KEYS - keys)}, extra {sorted(keys - QA_KEYS)})")
            continue
        iid = item["id"]
        where = f"qa.jsonl:{n} ({iid})"
        if not isinstance(iid, str) or not iid:
            problems.append(f"{where}: bad id")
        elif iid in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(iid)
        for k in ("question", "answer", "section", "evidence"):
            if not isinstance(item[k], str):
                problems.append(f"{where}: {k} must be a string")
        if not str(item["question"]).strip() or not str(item["answer"]).strip():
            problems.append(f"{where}: empty question/answer")
        kind, lang = item["kind"], item["lang"]
        if kind not in KINDS:
            problems.append(f"{where}: kind {kind!r} not allowed")
        if lang not in LANGS:
            problems.append(f"{where}: lang {lang!r} not allowed")
        kinds[kind] += 1
        langs[lang] += 1
        kind_lang[(kind, lang)] += 1
        unans = kind == "unanswerable"
        if unans:
            if item["must_contain"] or item["sources"]:
                problems.append(f"{where}: unanswerable item must have empty must_contain and sources")
        else:
            if not str(item["section"]).strip():
                problems.append(f"{where}: empty section")
            if not str(item["evidence"]).strip():
                problems.append(f"{where}: empty evidence")
        check_sources(where, item["sources"], allow_empty=unans)
        check_mc(where, item["must_contain"], allow_empty=unans)
        if isinstance(item["must_contain"], list) and item["must_contain"] and isinstance(item["answer"], str):
            if not satisfies(item["answer"], item["must_contain"]):
                problems.append(f"{where}: reference answer does not satisfy its own must_contain")
        ev = item["evidence"] if isinstance(item["evidence"], str) else ""
        if ev:
            if len(ev) > MAX_QUOTE:
                problems.append(f"{where}: evidence longer than {MAX_QUOTE} chars ({len(ev)})")
            nev = ws(ev)
            if not any(nev in ln for ln in norm_lines):
                problems.append(f"{where}: evidence not found verbatim in a single report line: {ev[:80]!r}")
        for s in item["sources"] if isinstance(item["sources"], list) else []:
            if s in cities:
                covered.add(s)

    missing = [c for c in cities if c not in covered]
    if missing and not args.partial:
        problems.append(f"qa.jsonl: cities not covered by any source: {missing}")

    # ---------------- dialogues ----------------
    dlg_rows = load_jsonl(args.dialogues, problems)
    dlg_langs = collections.Counter()
    n_turns = 0
    for n, d in dlg_rows:
        where = f"dialogues.jsonl:{n}"
        if not isinstance(d, dict) or set(d) != DLG_KEYS:
            problems.append(f"{where}: keys mismatch ({sorted(d) if isinstance(d, dict) else type(d)})")
            continue
        did = d["id"]
        where = f"dialogues.jsonl:{n} ({did})"
        if not isinstance(did, str) or not did:
            problems.append(f"{where}: bad id")
        elif did in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(did)
        if d["lang"] not in LANGS:
            problems.append(f"{where}: lang {d['lang']!r} not allowed")
        dlg_langs[d["lang"]] += 1
        turns = d["turns"]
        if not isinstance(turns, list) or not 2 <= len(turns) <= 4:
            problems.append(f"{where}: needs 2-4 turns")
            continue
        for t_i, t in enumerate(turns, 1):
            tw = f"{where} turn {t_i}"
            if not isinstance(t, dict) or set(t) != TURN_KEYS:
                problems.append(f"{tw}: keys mismatch")
                continue
            n_turns += 1
            if not isinstance(t["question"], str) or not t["question"].strip():
                problems.append(f"{tw}: empty question")
            allow_empty = not t["sources"] and not t["must_contain"]
            check_sources(tw, t["sources"], allow_empty=allow_empty)
            check_mc(tw, t["must_contain"], allow_empty=allow_empty)

    # ---------------- report ----------------
    print(f"report: {len(cities)} city profiles parsed, {len(canonical)} canonical source names")
    print(f"qa.jsonl: {len(qa_rows)} items")
    for k in sorted(KINDS):
        print(f"  {k:13s} {kinds.get(k, 0):4d}  (de {kind_lang.get((k, 'de'), 0)}, en {kind_lang.get((k, 'en'), 0)})")
    total = sum(langs.values()) or 1
    print(f"  languages: de {langs.get('de', 0)}, en {langs.get('en', 0)} ({100 * langs.get('en', 0) / total:.0f}% en)")
    print(f"  cities covered: {len(covered)}/{len(cities)}")
    dl_total = sum(dlg_langs.values()) or 1
    print(f"dialogues.jsonl: {len(dlg_rows)} dialogues, {n_turns} turns; "
          f"de {dlg_langs.get('de', 0)}, en {dlg_langs.get('en', 0)} ({100 * dlg_langs.get('en', 0) / dl_total:.0f}% en)")
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print("  - " + p)
        sys.exit(1)
    print("\n0 problems")


if __name__ == "__main__":
    main()

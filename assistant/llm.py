"""The optional language model: fluent answers from the retrieved passages, checked before they are shown.

Without an endpoint the assistant stays extractive. With one (any OpenAI-compatible server: llama.cpp,
Ollama, vLLM or a hosted API), :class:`AnswerWriter` asks it to answer from the numbered passages,
runs the :class:`~assistant.grounding.GroundingCheck` on what comes back and shows it only if it
passes; otherwise, or when the model is slow or down, the extractive answer is shown. llama-index
objects stay inside :class:`OpenAICompatibleModel`; the rest of the app sees plain strings.
"""

from __future__ import annotations

import logging
import queue
import re
import string
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from .errors import AssistantError, ConfigError
from .grounding import MARKER, CheckResult, GroundingCheck, sentences
from .messages import say
from .types import Answer, Citation, Delta, Hit

log = logging.getLogger(__name__)
PROMPTS = Path(__file__).parent / "templates" / "prompts"
LANGUAGES = {"de": "German", "en": "English"}


class ModelError(AssistantError):
    """The language model failed or could not be reached."""


class ModelTimeout(ModelError):
    """The language model did not answer within the configured time."""


class ChatModel(Protocol):
    """What the writer needs of a language model: one prompt in, text out (whole or in pieces)."""

    name: str

    def complete(self, prompt: str) -> str: ...

    def stream(self, prompt: str) -> Iterator[str]: ...


class Prompt:
    """A prompt template from ``templates/prompts/<name>.txt`` with ``$placeholders``.

    Rendering is strict: a missing or an unexpected value is an error, never a silent gap."""

    def __init__(self, name: str, folder: Path = PROMPTS) -> None:
        path = Path(folder) / f"{name}.txt"
        if not path.is_file():
            raise ValueError(f"no prompt template {name!r} at {path}")
        self.name = name
        self.template = string.Template(path.read_text(encoding="utf-8"))
        if not self.template.is_valid():
            raise ValueError(f"prompt template {path} has a malformed placeholder (write $$ for a dollar sign)")
        self.placeholders = frozenset(self.template.get_identifiers())

    def render(self, **values: object) -> str:
        missing = self.placeholders - values.keys()
        unexpected = values.keys() - self.placeholders
        if missing or unexpected:
            raise KeyError(f"prompt {self.name!r}: missing {sorted(missing)}, unexpected {sorted(unexpected)}")
        return self.template.substitute({k: str(v) for k, v in values.items()})


class OpenAICompatibleModel:
    """A chat model behind an OpenAI-compatible HTTP endpoint, through llama-index's ``OpenAILike``.

    The client is built in :meth:`warm_up` (a missing package raises ConfigError saying what to install).
    ``timeout_s`` goes to the HTTP client; retries are off so a dead endpoint fails at once."""

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout_s: float = 20.0,
                 max_tokens: int = 400, temperature: float = 0.0) -> None:
        if not re.match(r"https?://[^/\s]+", base_url or ""):
            raise ConfigError(f"the language model's base URL must start with http:// or https://, got {base_url!r}")
        if not model:
            raise ConfigError("name the language model (ASSISTANT_LLM_MODEL), e.g. the model Ollama or vLLM serves")
        if timeout_s <= 0 or max_tokens < 1:
            raise ValueError(f"bad model limits: timeout_s={timeout_s}, max_tokens={max_tokens}")
        self.base_url = base_url.rstrip("/")
        self.name = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self.temperature = temperature
        self._llm = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._llm is not None:
                return
            try:
                import openai.resources  # noqa: F401 - imported lazily on the first request otherwise (~0.5 s)
                from llama_index.llms.openai_like import OpenAILike
            except ImportError as exc:
                raise ConfigError("the language model needs llama-index's OpenAI-like client: "
                                  "pip install llama-index-llms-openai-like") from exc
            self._llm = OpenAILike(
                model=self.name, api_base=self.base_url, api_key=self.api_key or "not-needed",
                timeout=self.timeout_s, max_retries=0, is_chat_model=True, is_function_calling_model=False,
                context_window=8192, max_tokens=self.max_tokens, temperature=self.temperature)

    def _messages(self, prompt: str) -> list:
        from llama_index.core.llms import ChatMessage

        return [ChatMessage(role="user", content=prompt)]

    def complete(self, prompt: str) -> str:
        self.warm_up()
        try:
            return self._llm.chat(self._messages(prompt)).message.content or ""
        except Exception as exc:  # noqa: BLE001 - every client failure becomes one readable error
            raise self._error(exc) from exc

    def stream(self, prompt: str) -> Iterator[str]:
        self.warm_up()
        try:
            for response in self._llm.stream_chat(self._messages(prompt)):
                if response.delta:
                    yield response.delta
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc) from exc

    def _error(self, exc: Exception) -> ModelError:
        kind = ModelTimeout if "timeout" in type(exc).__name__.lower() else ModelError
        return kind(f"the language model at {self.base_url} failed: {type(exc).__name__}: {exc}")


def within(produce: Callable[[], Iterable[str]], timeout_s: float) -> Iterator[str]:
    """The pieces ``produce()`` yields, read in a worker thread, all of them within ``timeout_s``.

    A hung endpoint raises ModelTimeout at the deadline even if the HTTP client would wait longer;
    the worker is told to stop and ends when its client times out."""
    pieces: queue.Queue = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            source = iter(produce())
            for piece in source:
                if stop.is_set():
                    getattr(source, "close", lambda: None)()
                    return
                pieces.put(("piece", piece))
            pieces.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, which raises it
            pieces.put(("error", exc))

    threading.Thread(target=work, name="llm-call", daemon=True).start()
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise queue.Empty
                kind, value = pieces.get(timeout=left)
            except queue.Empty:
                raise ModelTimeout(f"the language model gave no complete answer within {timeout_s:g} s") from None
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()


def tidy(text: str) -> str:
    """A model's answer on one line, without a leading "Answer:" and with markers as ``[1][2]``."""
    text = re.sub(r"^\s*(?:answer|antwort)\s*:\s*", "", text.strip(), flags=re.I)
    text = MARKER.sub(lambda m: "".join(f"[{n}]" for n in re.split(r"\s*[,;]\s*", m.group(1))), text)
    return re.sub(r"\s+", " ", text).strip()


class Renumbering:
    """Citation markers renumbered in order of first use, so a generated answer cites [1], [2], ..."""

    def __init__(self, hits: Sequence[Hit]) -> None:
        self.hits = hits
        self.order: dict[int, int] = {}

    def apply(self, sentence: str) -> str:
        def swap(m: re.Match) -> str:
            old = int(m.group(1))
            new = self.order.setdefault(old, len(self.order) + 1)
            return f"[{new}]"

        return re.sub(r"\[(\d+)\]", swap, sentence)

    def citations(self) -> tuple[Citation, ...]:
        out = []
        for old, new in self.order.items():
            chunk = self.hits[old - 1].chunk
            out.append(Citation(new, chunk.source, chunk.section, chunk.text, "", chunk.id))
        return tuple(out)


class AnswerWriter:
    """Writes an answer from the top ``passages`` hits with a language model and checks it.

    ``run`` returns the generated answer if it passes the check, else the extractive one with the
    check's findings in ``Answer.check``; ``stream`` releases the generated answer sentence by
    sentence, each only after it has passed; ``condense`` makes a follow-up a standalone question.
    Every model call ends within ``timeout_s`` (a slow or dead endpoint gives the extractive answer
    and a notice); after a failed call the model is left alone for ``retry_after_s``."""

    def __init__(self, llm: ChatModel, check: GroundingCheck | None = None, timeout_s: float = 20.0,
                 passages: int = 4, history_turns: int = 3, answer_prompt: Prompt | None = None,
                 condense_prompt: Prompt | None = None, retry_after_s: float = 30.0) -> None:
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        if retry_after_s < 0:
            raise ValueError(f"retry_after_s must not be negative, got {retry_after_s}")
        if passages < 1 or history_turns < 1:
            raise ValueError(f"passages and history_turns must be at least 1, got {passages}, {history_turns}")
        self.llm = llm
        self.check = check or GroundingCheck()
        self.timeout_s = timeout_s
        self.passages = passages
        self.history_turns = history_turns
        self.answer_prompt = answer_prompt or Prompt("answer")
        self.condense_prompt = condense_prompt or Prompt("condense")
        self.retry_after_s = retry_after_s
        self._failed: tuple[float, ModelError] | None = None

    def _ask(self, produce: Callable[[], Iterable[str]]) -> Iterator[str]:
        """:func:`within` the timeout, behind a breaker: after a failure the model is not asked again
        for ``retry_after_s`` seconds, so a dead endpoint does not slow down every question."""
        failed = self._failed
        if failed is not None and time.monotonic() - failed[0] < self.retry_after_s:
            raise type(failed[1])(f"not asked again within {self.retry_after_s:g} s of: {failed[1]}")
        try:
            yield from within(produce, self.timeout_s)
        except ModelError as exc:
            self._failed = (time.monotonic(), exc)
            raise
        self._failed = None

    # -- answers -----------------------------------------------------------------------
    def _numbered(self, hits: Sequence[Hit]) -> dict[int, str]:
        """The passages the model sees, by marker: where each stands, then its text."""
        out = {}
        for i, hit in enumerate(hits[: self.passages], start=1):
            chunk = hit.chunk
            out[i] = f"{chunk.city or chunk.source} – {chunk.section}: {chunk.text}"
        return out

    def _prompt(self, question: str, lang: str, numbered: dict[int, str]) -> str:
        passages = "\n\n".join(f"[{n}] {text}" for n, text in numbered.items())
        return self.answer_prompt.render(language=LANGUAGES.get(lang, "German"), passages=passages,
                                         question=question, refusal=say(lang, "refuse"))

    def run(self, question: str, lang: str, hits: Sequence[Hit], extractive: Answer) -> Answer:
        """The checked generated answer, or ``extractive`` with the reason it is shown instead."""
        if extractive.refused or not hits:
            return extractive  # nothing confident to rewrite: the refusal stands
        numbered = self._numbered(hits)
        prompt = self._prompt(question, lang, numbered)
        try:
            text = tidy("".join(self._ask(lambda: (self.llm.complete(prompt),))))
        except ModelError as exc:
            return self._unavailable(extractive, lang, exc)
        result = self.check.run(text, numbered)
        if not result.ok:
            return self._rejected(extractive, lang, text, result)
        numbering = Renumbering(hits)
        text = " ".join(numbering.apply(s) for s in sentences(text))
        return self._generated(extractive, text, numbering, result)

    def stream(self, question: str, lang: str, hits: Sequence[Hit], extractive: Answer) -> Iterator[Delta | Answer]:
        """Pieces of the generated answer, a sentence at a time and each checked, then the Answer.

        If a sentence fails, or the model is slow or down, a ``Delta(extractive text, replace=True)``
        follows and the extractive Answer ends the stream."""
        if extractive.refused or not hits:
            yield Delta(extractive.text)
            yield extractive
            return
        numbered = self._numbered(hits)
        prompt = self._prompt(question, lang, numbered)
        numbering = Renumbering(hits)
        shown: list[str] = []
        buffer = ""
        fallback: Answer | None = None
        pieces = self._ask(lambda: self.llm.stream(prompt))
        try:
            while fallback is None:
                try:
                    piece = next(pieces, None)
                except ModelError as exc:
                    fallback = self._unavailable(extractive, lang, exc)
                    break
                buffer += piece or ""
                found = sentences(tidy(buffer))
                # the last sentence may still grow, until the stream ends
                for sentence in found[len(shown):] if piece is None else found[len(shown):-1]:
                    problems = self.check.sentence_problems(sentence, numbered)
                    if problems:
                        fallback = self._rejected(extractive, lang, sentence, CheckResult(False, problems, len(shown) + 1))
                        break
                    sentence = numbering.apply(sentence)
                    yield Delta(("" if not shown else " ") + sentence)
                    shown.append(sentence)
                if fallback is None and piece is None:
                    if shown:
                        yield self._generated(extractive, " ".join(shown), numbering, CheckResult(True, [], len(shown)))
                        return
                    fallback = self._rejected(extractive, lang, "", CheckResult(False, ["the answer is empty"], 0))
        finally:
            pieces.close()
        yield Delta(fallback.text, replace=True)
        yield fallback

    def _rejected(self, extractive: Answer, lang: str, text: str, result: CheckResult) -> Answer:
        """The extractive answer instead of a generated ``text`` that failed the check (or declined)."""
        if text == say(lang, "refuse"):
            return self._fallback(extractive, "declined", CheckResult(False, ["the model found no answer"], 0))
        log.info("generated answer rejected: %s", "; ".join(result.problems))
        return self._fallback(extractive, "check_failed", result)

    def _generated(self, extractive: Answer, text: str, numbering: Renumbering, result: CheckResult) -> Answer:
        check = {**result.to_dict(), "shown": "generated", "model": self.llm.name}
        return replace(extractive, text=text, citations=numbering.citations(), mode="generated", grounded=True,
                       check=check, notice="")

    def _fallback(self, extractive: Answer, reason: str, result: CheckResult, notice: str = "") -> Answer:
        """The extractive answer, with why the generated one is not shown."""
        check = {**result.to_dict(), "shown": "extractive", "reason": reason, "model": self.llm.name}
        return replace(extractive, check=check, notice=notice or extractive.notice)

    def _unavailable(self, extractive: Answer, lang: str, exc: ModelError) -> Answer:
        reason = "timeout" if isinstance(exc, ModelTimeout) else "unavailable"
        log.warning("language model %s: %s; showing the extractive answer", reason, exc)
        result = CheckResult(False, [str(exc)], 0)
        return self._fallback(extractive, reason, result, say(lang, f"llm_{reason}"))

    # -- follow-ups ----------------------------------------------------------------------
    def condense(self, question: str, turns: Sequence, lang: str) -> str:
        """``question`` rewritten to stand alone, given the conversation's ``turns`` (question unchanged
        if there are none, or if the model fails, is slow or replies with something that is not a question)."""
        if not turns:
            return question
        lines = []
        for turn in list(turns)[-self.history_turns:]:
            answer = re.sub(r"\s+", " ", MARKER.sub("", turn.answer)).strip()
            lines.append(f"User: {turn.standalone or turn.question}")
            lines.append(f"Assistant: {answer[:400]}")
        prompt = self.condense_prompt.render(language=LANGUAGES.get(lang, "German"), history="\n".join(lines),
                                             question=question)
        try:
            text = "".join(self._ask(lambda: (self.llm.complete(prompt),)))
        except ModelError as exc:
            log.warning("condensing the follow-up failed (%s); answering it as asked", exc)
            return question
        text = re.sub(r"^\s*(?:standalone question|eigenständige frage|frage|question)\s*:\s*", "",
                      text.strip().splitlines()[0] if text.strip() else "", flags=re.I).strip().strip('"»«„“')
        if not text or len(text) > max(300, 4 * len(question)):
            return question
        return text


def make_writer(settings) -> AnswerWriter | None:
    """The writer for the configured endpoint, or None when ``llm_base_url`` is empty (extractive only)."""
    url = (settings.llm_base_url or "").strip()
    if not url:
        return None
    model = OpenAICompatibleModel(url, settings.llm_model.strip(), settings.llm_api_key, settings.llm_timeout_s)
    model.warm_up()  # a missing package is reported at start, not at the first question
    return AnswerWriter(model, GroundingCheck(names=city_names(settings.corpus_path)), settings.llm_timeout_s)


def city_names(corpus_path: Path) -> list[str]:
    """The report's cities and the well-known cities it has no profile for (``other_cities.txt`` beside
    it): names the grounding check looks for even at the start of a sentence."""
    from .corpus import load_report

    names = [city.name for city in load_report(Path(corpus_path)).cities]
    others = Path(corpus_path).parent / "other_cities.txt"
    if others.is_file():
        lines = (line.strip() for line in others.read_text(encoding="utf-8").splitlines())
        names += [line for line in lines if line and not line.startswith("#")]
    return names

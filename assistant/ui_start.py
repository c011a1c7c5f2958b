"""The chat at ``/`` that starts after the server: a short page while Gradio loads, then the Gradio app.

Importing Gradio takes seconds (4 s of the 5.5 s a start took here), so the server listens, answers the
API and the widget, and shows "the chat is starting" at ``/`` before Gradio is imported. Gradio is imported
and the chat built in a thread once ``after`` returns (the server waits there until the index is open: both
need the one interpreter lock, and answers come first); the chat is then served at ``/``.

:class:`LateChat` is mounted at ``/`` where Gradio's own app would be and hands every request on to it
once it runs. Gradio's app is made by :func:`gradio.mount_gradio_app` on a shell app that is never served;
Starlette runs no lifespan of a mounted app, so the lifespan Gradio gives the shell (its queue starts
there) runs in the server's lifespan here (:meth:`LateChat.running`), as it would in the parent app's.
"""

from __future__ import annotations

import asyncio
import html
import logging
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from string import Template

from .messages import say

log = logging.getLogger(__name__)
_PAGE = Path(__file__).parent / "templates" / "starting.html"


def preferred_language(accept_language: str) -> str:
    """``en`` if the browser prefers English to German (``Accept-Language``), else ``de``."""
    best, best_q = "de", 0.0
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        if lang in ("de", "en") and q - position * 1e-6 > best_q:  # equal weights: the first one named
            best, best_q = lang, q - position * 1e-6
    return best


@lru_cache(maxsize=4)
def starting_page(lang: str, failed: bool = False) -> str:
    """The page shown at ``/`` while the chat starts (or, ``failed``, when it could not start), in ``lang``."""
    texts = {key: say(lang, f"starting_{key}") for key in ("title", "heading", "text", "noscript")}
    if failed:
        texts.update(title=say(lang, "chat_failed_title"), heading=say(lang, "chat_failed_title"),
                     text=say(lang, "chat_failed_text"))
    return Template(_PAGE.read_text(encoding="utf-8")).substitute(
        lang=lang, **{key: html.escape(text) for key, text in texts.items()})


class LateChat:
    """An ASGI app for ``/`` that serves :func:`starting_page` (503, ``Retry-After``) until the Gradio app
    made by ``build`` (a function returning the shell app Gradio was mounted on and Gradio's own app) is
    running, then that app. ``after`` is waited for (in the thread) before ``build`` runs."""

    def __init__(self, build: Callable[[], tuple[object, object]], after: Callable[[], object] | None = None) -> None:
        self.build = build
        self.after = after or (lambda: None)
        self.ready = threading.Event()  # set once the chat is served (or could not be built: see failed)
        self.failed: BaseException | None = None
        self._app = None

    async def __call__(self, scope, receive, send) -> None:
        app = self._app
        if app is not None:
            await app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013})  # try again later
            return
        headers = dict(scope.get("headers") or [])
        lang = preferred_language(headers.get(b"accept-language", b"").decode("latin-1"))
        body = starting_page(lang, self.failed is not None).encode("utf-8")
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"), (b"retry-after", b"2"), (b"content-language", lang.encode())]})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})

    @asynccontextmanager
    async def running(self):
        """For the server's lifespan: build the chat in a thread and serve it until the server stops."""
        stop = asyncio.Event()
        task = asyncio.create_task(self._serve(stop), name="chat")
        try:
            yield
        finally:
            stop.set()
            self._app = None
            try:
                await asyncio.wait_for(task, timeout=30)
            except TimeoutError:
                log.warning("the chat did not stop within 30 s")

    async def _serve(self, stop: asyncio.Event) -> None:
        try:
            await asyncio.to_thread(self.after)
            shell, gradio_app = await asyncio.to_thread(self.build)
            async with shell.router.lifespan_context(shell):  # Gradio's lifespan: its queue starts
                self._app = gradio_app
                self.ready.set()
                log.info("the chat is served at /")
                await stop.wait()
        except Exception as exc:  # the API and the widget go on; the page says the chat is starting
            self.failed = exc
            self.ready.set()
            log.exception("the chat could not be started")

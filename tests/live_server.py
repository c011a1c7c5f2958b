"""A real uvicorn server in a thread on a free loopback port, for clients that need a socket
(the ``openai`` client, the browser), and a web page that embeds the widget from it."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import uvicorn

HOST_PAGE = Path(__file__).parent / "fixtures" / "host_page.html"


@contextmanager
def running(app, port: int):
    """Serve ``app`` on 127.0.0.1:``port`` while the block runs, once its chat is served; yields the base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server did not start on port {port}")
        time.sleep(0.02)
    chat = getattr(getattr(app, "state", None), "chat", None)
    if chat is not None and not chat.ready.wait(120):  # the chat starts after the server (Gradio's import)
        raise RuntimeError(f"the chat did not start on port {port}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class _HostPage(SimpleHTTPRequestHandler):
    """Serves the host page with the assistant's URL filled in; nothing else."""

    def __init__(self, *args, api: str, **kwargs) -> None:
        self.api = api
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path.split("?")[0] != "/host_page.html":
            self.send_error(404)
            return
        body = HOST_PAGE.read_text(encoding="utf-8").replace("__API__", self.api).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def host_page(api: str, port: int):
    """tests/fixtures/host_page.html, embedding the widget and /embed from ``api``, on 127.0.0.1:``port``
    while the block runs; yields its path (``/host_page.html``), to be asked for on any loopback name."""
    httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(_HostPage, api=api))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield "/host_page.html"
    finally:
        httpd.shutdown()
        httpd.server_close()

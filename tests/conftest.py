"""Shared fixtures: no network, a fake embedder, the real and the fixture report, a fixture index."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fake_embedder import FakeEmbedder

from assistant import service
from assistant.answer import ExtractiveAnswerer
from assistant.corpus import ReportParser, load_report
from assistant.service import Assistant
from assistant.store import ChromaStore
from assistant.types import Delta

ROOT = Path(__file__).resolve().parent.parent
REAL_REPORT = ROOT / "corpus" / "smart-city-atlas-2019.md"
OTHER_CITIES = ROOT / "corpus" / "other_cities.txt"
MINI_REPORT = Path(__file__).resolve().parent / "fixtures" / "mini-atlas.md"
MINI_CITIES = 3

OFFLINE_ENV = {
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "OMP_WAIT_POLICY": "PASSIVE",
    "HF_HUB_OFFLINE": "1",
}
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _check_address(address) -> None:
    if isinstance(address, (str, bytes)):
        return  # a unix socket path
    host = address[0] if isinstance(address, tuple) and address else address
    if host not in _LOCAL_HOSTS:
        raise ConnectionRefusedError(f"network access is blocked in tests: {address!r}")


@pytest.fixture(autouse=True, scope="session")
def offline():
    """No test reaches the network: only loopback and unix sockets may connect."""
    mp = pytest.MonkeyPatch()
    for key, value in OFFLINE_ENV.items():
        mp.setenv(key, value)
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def connect(self, address):
        if self.family != getattr(socket, "AF_UNIX", None):
            _check_address(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        if self.family != getattr(socket, "AF_UNIX", None):
            _check_address(address)
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        _check_address(address)
        return real_create_connection(address, *args, **kwargs)

    mp.setattr(socket.socket, "connect", connect)
    mp.setattr(socket.socket, "connect_ex", connect_ex)
    mp.setattr(socket, "create_connection", create_connection)
    yield
    mp.undo()


@pytest.fixture(autouse=True, scope="session")
def data_dir(tmp_path_factory):
    """Apps built in tests keep their database (feedback, question log) in a temporary data directory,
    never in the checkout's data/ (a test that needs its own passes Settings(data_dir=...))."""
    mp = pytest.MonkeyPatch()
    path = tmp_path_factory.mktemp("data")
    mp.setenv("ASSISTANT_DATA_DIR", str(path))
    mp.delenv("ASSISTANT_DATABASE_URL", raising=False)
    yield path
    mp.undo()


def run_cli(*args: str, index_dir: Path) -> subprocess.CompletedProcess:
    """``python -m assistant ...`` in a fresh, offline process using the given index directory."""
    env = {**os.environ, **OFFLINE_ENV, "ASSISTANT_INDEX_DIR": str(index_dir)}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def load_mini_report(path: Path = MINI_REPORT):
    return ReportParser(expected_cities=MINI_CITIES).run(Path(path).read_text(encoding="utf-8"))


class MiniAssistant(Assistant):
    """The real Assistant, but its report is parsed expecting the fixture's three cities."""

    def ensure_index(self, force: bool = False, progress=None):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(service, "load_report", load_mini_report)
            return super().ensure_index(force, progress)

    def build_index(self, force: bool = False, progress=None):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(service, "load_report", load_mini_report)
            return super().build_index(force, progress)

    def export_vectors(self, pack):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(service, "load_report", load_mini_report)
            return super().export_vectors(pack)


# Bag-of-words cosines are far lower than a neural model's, so the confidence bar is lowered.
FAKE_MIN_SIMILARITY = 0.30


def make_mini_assistant(index_dir: Path, embedder: FakeEmbedder | None = None) -> MiniAssistant:
    return MiniAssistant(
        MINI_REPORT,
        ChromaStore(index_dir),
        embedder or FakeEmbedder(),
        others_path=OTHER_CITIES,
        top_k=5,
        answerer=ExtractiveAnswerer(min_similarity=FAKE_MIN_SIMILARITY),
    )


class PacedAssistant:
    """The fixture assistant with a short pause between streamed pieces, so streaming is visible."""

    def __init__(self, assistant, pause_s: float = 0.12) -> None:
        self._assistant = assistant
        self.pause_s = pause_s

    def __getattr__(self, name):
        return getattr(self._assistant, name)

    def stream(self, *args, **kwargs):
        for item in self._assistant.stream(*args, **kwargs):
            if isinstance(item, Delta):
                time.sleep(self.pause_s)
            yield item


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_report():
    return load_report(REAL_REPORT)


@pytest.fixture(scope="session")
def real_text() -> str:
    return REAL_REPORT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def mini_report():
    return load_mini_report()


@pytest.fixture(scope="session")
def mini_assistant(tmp_path_factory, offline) -> MiniAssistant:
    """The fixture report indexed once with the fake embedder in a temporary Chroma directory."""
    assistant = make_mini_assistant(tmp_path_factory.mktemp("mini-index"))
    info = assistant.ensure_index()
    assert info.built and info.chunks > 0
    return assistant


# -- browser tests (marker ``browser``): Playwright driving Debian's Chromium ------------------------
CHROMIUM = os.environ.get("ASSISTANT_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
# Without the background-networking flags Chromium keeps dialling Google on this closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_browser():
    """A headless system Chromium (Playwright's own browser download does not work here)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium_browser, request):
    """A fresh page; ``shot(name)`` saves a screenshot under test-artifacts/<test name>/."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    page.shot = shot
    yield page
    context.close()

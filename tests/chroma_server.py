"""A real Chroma server (``chroma run``) as a subprocess on loopback, for the ``chroma_server`` tests."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx


def chroma_cli() -> str:
    """The ``chroma`` command of this interpreter's environment."""
    here = Path(sys.executable).parent / "chroma"
    found = str(here) if here.exists() else shutil.which("chroma")
    if not found:
        raise RuntimeError("the 'chroma' command is missing: pip install 'chromadb>=1.5,<1.6'")
    return found


class ChromaServer:
    """``chroma run --path PATH --host 127.0.0.1 --port PORT``; can be stopped, frozen and started again."""

    def __init__(self, path: Path, port: int, log_path: Path) -> None:
        self.path = Path(path)
        self.port = port
        self.log_path = Path(log_path)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> None:
        with self.log_path.open("a") as log:
            self.proc = subprocess.Popen(
                [chroma_cli(), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma exited with {self.proc.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"chroma did not answer on {self.url} within {timeout_s:.0f} s")

    def stop(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None and self.proc.poll() is None:
            if sig != signal.SIGCONT:
                os.kill(self.proc.pid, signal.SIGCONT)  # a frozen process must be able to die
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)
        self.proc = None

    def freeze(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

"""A test-only app replica: the API (no UI) over the mini report on a Chroma server, with the fake embedder.

    ASSISTANT_SECRET_KEY=... python tests/replica_worker.py PORT CHROMA_URL

It serves as ``python -m assistant serve`` does (JSON log lines on stderr, the index opened beside the
listening server), so that ``/api/v1/ready`` says when it can answer.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(port: int, chroma_url: str) -> None:
    import uvicorn
    from conftest import FAKE_MIN_SIMILARITY, MINI_REPORT, OTHER_CITIES, FakeEmbedder, MiniAssistant

    from assistant.answer import ExtractiveAnswerer
    from assistant.api import _open_index, create_app
    from assistant.logs import configure
    from assistant.settings import Settings
    from assistant.store import ChromaStore

    configure(logging.INFO)
    settings = Settings(port=port, rate_limit_per_minute=0)  # the secret key comes from the environment
    store = ChromaStore(Path(tempfile.mkdtemp(prefix="replica-")), url=chroma_url)
    assistant = MiniAssistant(MINI_REPORT, store, FakeEmbedder(), others_path=OTHER_CITIES, top_k=5,
                              answerer=ExtractiveAnswerer(min_similarity=FAKE_MIN_SIMILARITY))
    app = create_app(assistant, settings, ui=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False,
                                           server_header=False, log_level="warning"))
    threading.Thread(target=_open_index, args=(assistant, server, threading.Event()), daemon=True).start()
    server.run()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])

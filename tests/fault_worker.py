"""Test-only processes that the ``faults`` tests kill with SIGKILL half-way.

    python tests/fault_worker.py build INDEX_DIR [--slow]   # build (or open) the mini index, fake embedder
    python tests/fault_worker.py feedback DB_PATH N        # add N ratings, printing each acknowledged id
    python tests/fault_worker.py inspect INDEX_DIR         # the collections and their metadata as JSON
    python tests/fault_worker.py damage INDEX_DIR FAULT    # incomplete_flag, sentences_missing, count_differs
    python tests/fault_worker.py serve INDEX_DIR DATA_DIR PORT  # the API on the mini index; "ready" once it listens
                                                           # (its question log writes slowly: a backlog builds up)

Chroma's embedded folder is for one process at a time, so the tests look into it only through here.

``build --slow`` pauses after writing the chunks and before marking the collection complete, and says
"writing" first, so the test can kill it exactly there. Each output line is flushed at once.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build(index_dir: str, slow: bool) -> int:
    from conftest import make_mini_assistant

    from assistant.errors import AssistantError
    if slow:
        from assistant.store import ChromaStore

        real_write = ChromaStore._write

        def slow_write(self, collection, items, vectors, done):
            real_write(self, collection, items, vectors, done)
            if not collection.name.endswith("_sent"):  # the chunks are written, "complete" is not yet set
                print("writing", flush=True)
                time.sleep(60)

        ChromaStore._write = slow_write
    assistant = make_mini_assistant(Path(index_dir))
    try:
        info = assistant.ensure_index()
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    answer = assistant.ask("Welche Herausforderungen sieht Aachen?")
    print(f"{'built' if info.built else 'opened'} {info.chunks} {answer.citations[0].source}", flush=True)
    return 0


def feedback(db_path: str, n: int) -> int:
    from assistant.feedback import FeedbackStore

    store = FeedbackStore(db_path)
    for i in range(n):
        row_id = store.add("up" if i % 2 else "down", f"Frage {i}", f"Antwort {i}", [{"n": 1, "source": "Aachen"}],
                           comment=f"Kommentar {i}")
        print(f"{row_id} {i}", flush=True)  # acknowledged: add() returned after the commit
    return 0


def inspect(index_dir: str) -> int:
    import chromadb

    client = chromadb.PersistentClient(path=index_dir)
    print(json.dumps({c.name: dict(c.metadata or {}) for c in client.list_collections()}), flush=True)
    return 0


def damage(index_dir: str, fault: str) -> int:
    import chromadb

    client = chromadb.PersistentClient(path=index_dir)
    (name,) = [c.name for c in client.list_collections() if not c.name.endswith("_sent")]
    collection = client.get_collection(name)
    if fault == "incomplete_flag":
        collection.modify(metadata={**collection.metadata, "complete": "no"})
    elif fault == "sentences_missing":
        client.delete_collection(name + "_sent")
    elif fault == "count_differs":
        collection.delete(ids=[collection.get(limit=1)["ids"][0]])
    else:
        print(f"unknown fault {fault!r}", file=sys.stderr)
        return 2
    print(name, flush=True)
    return 0


def serve(index_dir: str, data_dir: str, port: int) -> int:
    import threading

    import uvicorn
    from conftest import make_mini_assistant

    from assistant.api import create_app
    from assistant.question_log import QuestionLog
    from assistant.settings import Settings

    real_write = QuestionLog._write

    def slow_write(self, records):  # a slow database: records wait in the queue when SIGTERM comes
        time.sleep(0.25)
        real_write(self, records)

    QuestionLog._write = slow_write
    assistant = make_mini_assistant(Path(index_dir))
    assistant.ensure_index()
    settings = Settings(data_dir=Path(data_dir), api_keys=[], rate_limit_per_minute=0, cors_origins=[])
    server = uvicorn.Server(uvicorn.Config(create_app(assistant, settings, ui=False), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))

    def announce() -> None:
        while not server.started:
            time.sleep(0.02)
        print("ready", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    server.run()  # until SIGTERM: uvicorn finishes the open requests, runs the app's shutdown, re-raises it
    return 0


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "build":
        sys.exit(build(sys.argv[2], "--slow" in sys.argv[3:]))
    if command == "feedback":
        sys.exit(feedback(sys.argv[2], int(sys.argv[3])))
    if command == "inspect":
        sys.exit(inspect(sys.argv[2]))
    if command == "damage":
        sys.exit(damage(sys.argv[2], sys.argv[3]))
    if command == "serve":
        sys.exit(serve(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    sys.exit(f"unknown command {command!r}")

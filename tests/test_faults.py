"""Injected faults: a missing, damaged or foreign index; processes killed (SIGKILL) while building the index
or writing feedback; many concurrent feedback writers. The next start is consistent, nothing acknowledged
is lost and nothing is served silently wrong."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import OFFLINE_ENV, ROOT, FakeEmbedder, make_mini_assistant

from assistant.errors import IndexError_
from assistant.feedback import FeedbackStore

pytestmark = pytest.mark.faults

WORKER = Path(__file__).resolve().parent / "fault_worker.py"
QUESTION = "Welche Chancen und Herausforderungen gibt es?"


def worker(*args: str, **kwargs) -> subprocess.Popen:
    env = {**OFFLINE_ENV, "PATH": "/usr/bin:/bin"}
    return subprocess.Popen([sys.executable, str(WORKER), *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def run_worker(*args: str) -> tuple[int, str, str]:
    proc = worker(*args)
    out, err = proc.communicate(timeout=180)
    return proc.returncode, out, err


def collections(index_dir: Path) -> dict[str, dict]:
    """Collection names and metadata (read by a worker: the embedded folder is for one process at a time)."""
    code, out, err = run_worker("inspect", str(index_dir))
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A complete mini index built by a separate process, copied by the tests that damage it."""
    index = tmp_path_factory.mktemp("faults") / "index"
    code, out, err = run_worker("build", str(index))
    assert code == 0 and out.startswith("built "), err
    return index


def copy_of(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(built, target)
    return target


# -- the index -------------------------------------------------------------------------------------------
def test_missing_index_folder_is_built_then_opened(tmp_path):
    index = tmp_path / "not-there"
    code, out, err = run_worker("build", str(index))
    assert code == 0 and out.split()[0] == "built", err
    code, out, _ = run_worker("build", str(index))
    assert code == 0 and out.split()[0] == "opened"


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_damaged_index_database_is_reported_with_the_fixing_command(built, tmp_path, damage):
    index = copy_of(built, tmp_path)
    db = index / "chroma.sqlite3"
    if damage == "truncated":
        with db.open("r+b") as fh:
            fh.truncate(db.stat().st_size // 4)
    else:
        db.write_bytes(b"\x00not sqlite\xff" * 4096)
    code, out, err = run_worker("build", str(index))
    assert code == 1 and out == ""
    assert "search index unavailable" in err and f"delete {index}" in err
    assert "python -m assistant build-index" in err and "Traceback" not in err
    shutil.rmtree(index)  # the fix the message gives
    code, out, err = run_worker("build", str(index))
    assert code == 0 and out.split()[0] == "built", err


def test_deleted_database_file_is_rebuilt(built, tmp_path):
    index = copy_of(built, tmp_path)
    (index / "chroma.sqlite3").unlink()
    code, out, err = run_worker("build", str(index))
    assert code == 0 and out.split()[0] == "built", err


@pytest.mark.parametrize("fault", ["incomplete_flag", "sentences_missing", "count_differs"])
def test_incomplete_collection_is_never_served_but_rebuilt(built, tmp_path, fault):
    index = copy_of(built, tmp_path)
    code, out, err = run_worker("damage", str(index), fault)
    assert code == 0, err
    name = out.strip()
    code, out, err = run_worker("build", str(index))
    assert code == 0, err
    built_again, chunks, source = out.split()
    assert built_again == "built" and int(chunks) > 0 and source == "Aachen"
    meta = collections(index)
    assert meta[name]["complete"] == "yes" and name + "_sent" in meta


def test_index_from_another_embedder_is_rebuilt_never_mixed(tmp_path):
    class OtherEmbedder(FakeEmbedder):
        name = "fake-other"

        def _vector(self, text):
            return super()._vector(text.upper())  # different vectors for the same words

    first = make_mini_assistant(tmp_path)
    assert first.ensure_index().built
    (old,) = [c.name for c in first.store.client().list_collections() if not c.name.endswith("_sent")]
    other = make_mini_assistant(tmp_path, OtherEmbedder())
    info = other.ensure_index()
    assert info.built  # a different manifest key: never opened with the other model's vectors
    names = {c.name: c.metadata for c in other.store.client().list_collections()}  # same process, same folder
    (new,) = [n for n in names if not n.endswith("_sent")]
    assert new != old and set(names) == {new, new + "_sent"}  # the old model's vectors are gone
    assert names[new]["embedder"] == "fake-other" and names[new]["complete"] == "yes"
    assert (tmp_path / "manifest.json").read_text().count("fake-other") == 1
    assert not other.ask(QUESTION).refused


def test_query_without_an_open_index_says_how_to_build_it(tmp_path):
    from assistant.store import ChromaStore

    with pytest.raises(IndexError_, match="python -m assistant build-index"):
        ChromaStore(tmp_path).all_chunks()


def test_sigkill_during_index_build_leaves_an_index_that_is_rebuilt_on_the_next_start(tmp_path):
    index = tmp_path / "index"
    proc = worker("build", str(index), "--slow")
    try:
        line = proc.stdout.readline()  # chunks written, "complete" not yet set
        assert line.strip() == "writing", proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    meta = collections(index)
    assert [m.get("complete") for n, m in meta.items() if not n.endswith("_sent")] == ["no"]
    code, out, err = run_worker("build", str(index))
    assert code == 0 and out.split()[0] == "built" and out.split()[2] == "Aachen", err
    code, out, err = run_worker("build", str(index))
    assert code == 0 and out.split()[0] == "opened", err


# -- feedback --------------------------------------------------------------------------------------------
def test_sigkill_while_feedback_is_written_keeps_every_acknowledged_row(tmp_path):
    db = tmp_path / "data" / "feedback.sqlite3"
    proc = worker("feedback", str(db), "100000")
    acknowledged: list[tuple[int, int]] = []
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 300 and time.monotonic() < deadline:
            row_id, i = proc.stdout.readline().split()
            acknowledged.append((int(row_id), int(i)))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL and len(acknowledged) == 300
    store = FeedbackStore(db)
    rows = {r["id"]: r for r in store.rows()}
    assert len(rows) >= len(acknowledged)  # rows committed after the last line read are fine too
    for row_id, i in acknowledged:
        row = rows[row_id]
        assert (row["question"], row["answer"], row["comment"]) == (f"Frage {i}", f"Antwort {i}", f"Kommentar {i}")
        assert row["citations"] == [{"n": 1, "source": "Aachen"}]
    assert store.add("up", "danach", "weiter") == max(rows) + 1  # the store still takes writes
    store.close()


def test_concurrent_feedback_from_many_threads_and_processes_loses_nothing(tmp_path):
    db = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(db)
    threads, per_thread, processes, per_process = 16, 50, 3, 200
    ids: list[int] = []
    lock = threading.Lock()

    def client(t: int) -> None:
        for i in range(per_thread):
            row_id = store.add("up", f"t{t} q{i}", "a", comment=f"t{t}-{i}")
            with lock:
                ids.append(row_id)

    procs = [worker("feedback", str(db), str(per_process)) for _ in range(processes)]
    pool = [threading.Thread(target=client, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    process_ids = [int(line.split()[0]) for out, _ in outputs for line in out.splitlines()]
    rows = store.rows()
    expected = threads * per_thread + processes * per_process
    assert len(ids) == threads * per_thread and len(process_ids) == processes * per_process
    assert len(rows) == expected and len(set(ids) | set(process_ids)) == expected
    assert {r["id"] for r in rows} == set(ids) | set(process_ids)
    assert sorted(r["comment"] for r in rows if r["comment"].startswith("t")) == \
        sorted(f"t{t}-{i}" for t in range(threads) for i in range(per_thread))
    store.close()


# -- the question log --------------------------------------------------------------------------------------
def test_sigterm_under_load_keeps_every_answered_question_in_the_log(built, tmp_path):
    """A server process stopped with SIGTERM while 16 clients ask: every question it answered (200) is in
    its question log afterwards; the shutdown drained the queue."""
    import sqlite3
    import threading

    import httpx
    from conftest import free_port

    port = free_port()
    proc = worker("serve", str(copy_of(built, tmp_path)), str(tmp_path / "data"), str(port))
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        answered: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def client(c: int) -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                i = 0
                while not stop.is_set():
                    question = f"Welche Chancen gibt es in Aachen {c} {i}?"
                    i += 1
                    try:
                        r = http.post("/api/v1/ask", json={"question": question})
                    except httpx.HTTPError:
                        return  # the server has gone
                    if r.status_code == 200:
                        with lock:
                            answered.append(question)

        threads = [threading.Thread(target=client, args=(c,)) for c in range(16)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(answered) < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # uvicorn shuts down gracefully (open requests, then the app's shutdown), then re-raises the signal
    assert proc.returncode in (0, -signal.SIGTERM) and "Traceback" not in err, err
    logged = {q for (q,) in sqlite3.connect(tmp_path / "data" / "feedback.sqlite3").execute(
        "SELECT question FROM questions")}
    assert len(answered) >= 200 and set(answered) <= logged

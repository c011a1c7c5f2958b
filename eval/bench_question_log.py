"""What the question log costs an answer: the time of ``QuestionLog.record`` (the only part on the
answering path) while the background writer stores the records, and how fast the writer stores them.

    .venv/bin/python eval/bench_question_log.py [--records 20000] [--threads 8] [--rate 0] [--url sqlite:///...]

Without ``--url`` it uses a SQLite file in a temporary folder (the embedded default). Writes
eval/results/question_log/bench_question_log.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.db import Database  # noqa: E402
from assistant.question_log import QuestionLog, QuestionRecord  # noqa: E402

CITATIONS = ({"n": 1, "source": "Aachen", "section": "Einwohner"}, {"n": 2, "source": "Bonn", "section": "Fläche"})


def timed_threads(threads: int, per_thread: int, step, pause_s: float = 0.0) -> list[float]:
    """``step(t, i)`` ``per_thread`` times in each of ``threads`` threads, ``pause_s`` apart; the microseconds
    of each call."""
    costs: list[float] = []
    lock = threading.Lock()

    def client(t: int) -> None:
        mine = []
        for i in range(per_thread):
            t0 = time.perf_counter()
            step(t, i)
            mine.append((time.perf_counter() - t0) * 1e6)
            if pause_s:
                time.sleep(pause_s)
        with lock:
            costs.extend(mine)

    pool = [threading.Thread(target=client, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return costs


def percentiles(costs: list[float]) -> dict:
    us = np.array(costs)
    return {"p50": round(float(np.percentile(us, 50)), 1), "p99": round(float(np.percentile(us, 99)), 1),
            "p99.9": round(float(np.percentile(us, 99.9)), 1), "max": round(float(us.max()), 1)}


def run(url: str, records: int, threads: int, rate: float = 0.0) -> dict:
    database = Database(url)
    qlog = QuestionLog(database, max_queue=records + 1).start()
    per_thread = records // threads
    answer = "Aachen hat laut Smart-City-Atlas 246.272 Einwohner [1]. " * 4

    def record(t: int, i: int) -> QuestionRecord:
        return QuestionRecord(f"Wie viele Einwohner hat Aachen? {t}-{i}", answer, "de", i % 7 == 0, "api", 35.0,
                              CITATIONS, 0.91, f"conv-{t}")

    records_made = [[record(t, i) for i in range(per_thread)] for t in range(threads)]
    # the same threads doing a trivial step: what this machine's thread switching alone costs
    pause = threads / rate if rate else 0.0
    control = timed_threads(threads, per_thread, lambda t, i: len(records_made[t][i].question), pause)
    start = time.perf_counter()
    costs = timed_threads(threads, per_thread, lambda t, i: qlog.record(records_made[t][i]), pause)
    queued = time.perf_counter() - start
    qlog.close(timeout_s=600)
    stored = time.perf_counter() - start
    rows = len(qlog.rows())
    database.close()
    return {"database": database.engine.dialect.name, "records": len(costs), "threads": threads,
            "rate_per_s": rate or "as fast as possible",
            "record_us": percentiles(costs), "control_step_us": percentiles(control),
            "load_average": round(__import__("os").getloadavg()[0], 2),
            "queued_s": round(queued, 2), "all_stored_s": round(stored, 2),
            "writer_rows_per_s": round(rows / stored), "stored": rows, "dropped": qlog.dropped, "failed": qlog.failed,
            "python": platform.python_version(), "cpus": __import__("os").cpu_count()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="records per second over all threads (default: as fast as they can)")
    parser.add_argument("--url", default="", help="a database URL (default: a SQLite file in a temp folder)")
    parser.add_argument("--out", default=str(ROOT / "eval" / "results" / "question_log" / "bench_question_log.json"))
    args = parser.parse_args(argv)
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-qlog-')}/log.sqlite3"
    result = run(url, args.records, args.threads, args.rate)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

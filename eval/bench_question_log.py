"""What the question log costs an answer: the time of ``QuestionLog.record`` (the only part on the
answering path) while the background writer stores the records, and how fast the writer stores them.

    .venv/bin/python eval/bench_question_log.py [--records 20000] [--threads 8] [--url sqlite:///...]

Without ``--url`` it uses a SQLite file in a temporary folder (the embedded default). Writes
eval/results/bench_question_log.json.
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


def run(url: str, records: int, threads: int) -> dict:
    database = Database(url)
    qlog = QuestionLog(database, max_queue=records + 1).start()
    per_thread = records // threads
    costs: list[float] = []
    lock = threading.Lock()
    answer = "Aachen hat laut Smart-City-Atlas 246.272 Einwohner [1]. " * 4

    def client(t: int) -> None:
        mine = []
        for i in range(per_thread):
            record = QuestionRecord(f"Wie viele Einwohner hat Aachen? {t}-{i}", answer, "de", i % 7 == 0, "api", 35.0,
                                    CITATIONS, 0.91, f"conv-{t}")
            t0 = time.perf_counter()
            qlog.record(record)
            mine.append((time.perf_counter() - t0) * 1e6)
        with lock:
            costs.extend(mine)

    start = time.perf_counter()
    pool = [threading.Thread(target=client, args=(t,)) for t in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    queued = time.perf_counter() - start
    qlog.close(timeout_s=600)
    stored = time.perf_counter() - start
    rows = len(qlog.rows())
    database.close()
    us = np.array(costs)
    return {"database": database.engine.dialect.name, "records": len(costs), "threads": threads,
            "record_us": {"p50": round(float(np.percentile(us, 50)), 1), "p99": round(float(np.percentile(us, 99)), 1),
                          "p99.9": round(float(np.percentile(us, 99.9)), 1), "max": round(float(us.max()), 1)},
            "queued_s": round(queued, 2), "all_stored_s": round(stored, 2),
            "writer_rows_per_s": round(rows / stored), "stored": rows, "dropped": qlog.dropped, "failed": qlog.failed,
            "python": platform.python_version(), "cpus": __import__("os").cpu_count()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--url", default="", help="a database URL (default: a SQLite file in a temp folder)")
    parser.add_argument("--out", default=str(ROOT / "eval" / "results" / "bench_question_log.json"))
    args = parser.parse_args(argv)
    url = args.url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-qlog-')}/log.sqlite3"
    result = run(url, args.records, args.threads)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

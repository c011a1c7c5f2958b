"""How fast the app starts with the index built: launch to the page on ``/``, and to the first answer.

    .venv/bin/python eval/bench_start.py [--runs 3] [--out eval/results/start-bench.json]

Each run launches ``python -m assistant serve`` on a free loopback port (the index must be built:
``python -m assistant build-index``), polls ``GET /`` until a page answers (``page``: the short "the chat is
starting" page, 503, or the chat), then posts one question to ``/api/v1/ask`` until it is answered (503
while the index opens), then polls ``GET /`` until the chat itself answers 200 (``chat``: Gradio is imported
after the server listens), and stops the server. Beside
the wall times it records the CPU time the server had used at both moments (from /proc), which a shared,
busy machine inflates far less than the wall time, and the load average. Medians of ``--runs`` runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from assistant.store import write_json_atomic  # noqa: E402
from eval.bench_api import free_port  # noqa: E402
from eval.bench_common import medians, parse_args  # noqa: E402

QUESTION = "Wie viele Einwohner hat Aachen?"


def cpu_s(pid: int) -> float:
    """User and system CPU seconds of a running process (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_start(timeout_s: float = 300.0) -> dict:
    port = free_port()
    env = {**os.environ, "ASSISTANT_PORT": str(port), "OMP_WAIT_POLICY": "PASSIVE",
           "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False"}
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out: dict = {}
    try:
        while "page_s" not in out:
            if proc.poll() is not None or time.perf_counter() - start > timeout_s:
                raise SystemExit(f"the server did not serve {url}/ (exit code {proc.returncode})")
            try:
                if "text/html" in httpx.get(url + "/", timeout=5).headers.get("content-type", ""):
                    out.update(page_s=round(time.perf_counter() - start, 2), page_cpu_s=cpu_s(proc.pid))
            except httpx.HTTPError:
                time.sleep(0.05)
        while "answer_s" not in out:
            if time.perf_counter() - start > timeout_s:
                raise SystemExit("no answer in time")
            if httpx.post(url + "/api/v1/ask", json={"question": QUESTION}, timeout=60).status_code == 200:
                out.update(answer_s=round(time.perf_counter() - start, 2), answer_cpu_s=cpu_s(proc.pid))
            else:
                time.sleep(0.05)
        while "chat_s" not in out:
            if time.perf_counter() - start > timeout_s:
                raise SystemExit("the chat did not start in time")
            if httpx.get(url + "/", timeout=5).status_code == 200:
                out.update(chat_s=round(time.perf_counter() - start, 2), chat_cpu_s=cpu_s(proc.pid))
            else:
                time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(30)
    out["load_average"] = round(os.getloadavg()[0], 2)
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(__doc__, HERE / "results" / "start-bench.json", argv)
    runs = []
    for i in range(args.runs):
        runs.append(one_start())
        print(f"run {i + 1}/{args.runs}: {runs[-1]}", file=sys.stderr, flush=True)
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count(),
              "command": "python -m assistant serve", "question": QUESTION,
              **medians(runs, "page_s", "page_cpu_s", "answer_s", "answer_cpu_s", "chat_s", "chat_cpu_s")}
    write_json_atomic(args.out, result)
    print(f"page {result['median_page_s']} s (cpu {result['median_page_cpu_s']} s), first answer "
          f"{result['median_answer_s']} s (cpu {result['median_answer_cpu_s']} s), chat "
          f"{result['median_chat_s']} s (cpu {result['median_chat_cpu_s']} s) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

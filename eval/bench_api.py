"""Throughput and latency of ``POST /api/v1/ask`` on loopback with 1, 8 and 32 concurrent clients.

    .venv/bin/python eval/bench_api.py [--requests 80] [--levels 1,8,32] [--url http://127.0.0.1:7860]

Without ``--url`` it starts ``python -m assistant serve`` on a free port against the real index (built
beforehand: ``python -m assistant build-index``), without API keys or rate limit, and stops it at the end.
Each level sends the same questions, evenly spread over eval/qa.jsonl, after a short warm-up, and
reports requests per second and the p50/p95 latency seen by the clients. Writes eval/results/bench_api.json.
This is a benchmark, not a test: answers are computed one at a time, so concurrency shows up as queueing.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from eval.dataset import spread  # noqa: E402


def questions(path: Path = HERE / "qa.jsonl") -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["question"] for line in fh if line.strip()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, timeout_s: float = 120.0) -> tuple[subprocess.Popen, float]:
    """``python -m assistant serve`` on ``port``; returns the process and its start-up time in seconds."""
    env = {**os.environ, "ASSISTANT_HOST": "127.0.0.1", "ASSISTANT_PORT": str(port), "ASSISTANT_API_KEYS": "",
           "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0", "GRADIO_ANALYTICS_ENABLED": "False",
           "ANONYMIZED_TELEMETRY": "False", "OMP_WAIT_POLICY": "PASSIVE",
           # the question log stays on (its cost is part of the numbers) but out of the operator's data/
           "ASSISTANT_DATA_DIR": tempfile.mkdtemp(prefix="bench-data-")}
    start = time.perf_counter()
    # the server's log goes to a file: a pipe nobody reads would fill up and stall the server
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-server-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/api/v1/health"
    while time.perf_counter() - start < timeout_s:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}:\n{Path(log.name).read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return proc, time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"the server did not answer {url} within {timeout_s:.0f} s")


async def run_load(url: str, clients: int, duration_s: float, max_requests: int, pool: list[str],
                   offset: int = 0) -> dict:
    """``clients`` closed-loop clients until ``duration_s`` or ``max_requests``; latencies and errors."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    counter = itertools.count(offset)
    sent = 0
    deadline = time.perf_counter() + duration_s

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal sent
        while time.perf_counter() < deadline and sent < max_requests:
            sent += 1
            question = pool[next(counter) % len(pool)]
            t0 = time.perf_counter()
            try:
                r = await http.post(f"{url}/api/v1/ask", json={"question": question})
                status = str(r.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            latencies.append((time.perf_counter() - t0) * 1000)
            if status != "200":
                errors[status] = errors.get(status, 0) + 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        wall = time.perf_counter() - start
    lat = np.array(latencies)

    def pct(p: float) -> float:
        return round(float(np.percentile(lat, p)), 1)

    return {"clients": clients, "requests": len(lat), "seconds": round(wall, 1),
            "rps": round(len(lat) / wall, 1), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "max_ms": round(float(lat.max()), 1), "errors": errors}


async def run_level(url: str, concurrency: int, items: list[str]) -> dict:
    """Send ``items`` once each with ``concurrency`` clients at once; latency per request, throughput."""
    r = await run_load(url, concurrency, float("inf"), len(items), items)
    return {"concurrency": concurrency, "requests": r["requests"], "errors": r["errors"], "seconds": r["seconds"],
            "rps": r["rps"], "p50_ms": r["p50_ms"], "p95_ms": r["p95_ms"], "max_ms": r["max_ms"]}


def table(rows: list[dict]) -> str:
    lines = ["| concurrent clients | requests | req/s | p50 ms | p95 ms | errors |", "|---|---|---|---|---|---|"]
    for r in rows:
        errors = sum(r["errors"].values())
        lines.append(f"| {r['concurrency']} | {r['requests']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {errors} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=80, help="requests per concurrency level")
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients per level, comma-separated")
    parser.add_argument("--url", help="benchmark this running server instead of starting one")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "bench_api.json")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    if args.requests < 1 or not levels or min(levels) < 1:
        parser.error("--requests and every level must be positive")

    pool = questions()
    proc, startup = None, None
    url = args.url.rstrip("/") if args.url else None
    if url is None:
        port = free_port()
        proc, startup = start_server(port)
        url = f"http://127.0.0.1:{port}"
        print(f"server up in {startup:.1f} s on {url}", flush=True)
    try:
        asyncio.run(run_level(url, 1, spread(pool, 10)))  # warm-up: first-call costs stay out of the numbers
        rows = []
        items = spread(pool, args.requests)  # the same questions at every level
        for level in levels:
            rows.append(asyncio.run(run_level(url, level, items)))
            print(f"{level:>3} clients: {rows[-1]['rps']} req/s, p50 {rows[-1]['p50_ms']} ms, "
                  f"p95 {rows[-1]['p95_ms']} ms", flush=True)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
    print()
    print(table(rows))
    result = {"url": url, "server_startup_s": round(startup, 1) if startup else None, "cpus": os.cpu_count(),
              "levels": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0 if all(not r["errors"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

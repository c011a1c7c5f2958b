"""Bounded load test of ``POST /api/v1/ask`` on loopback: N concurrent clients for a fixed time.

    .venv/bin/python eval/load_test.py [--clients 32] [--duration 60] [--max-requests 5000]
                                       [--chroma-url http://127.0.0.1:8000] [--url http://127.0.0.1:7860]

Without ``--url`` it starts ``python -m assistant serve`` on a free port (the embedded index, or the Chroma
server given by ``--chroma-url``), measures one client alone for ``--single-duration`` seconds, then
``--clients`` clients in a closed loop (each sends its next question when the last one is answered) until
``--duration`` seconds or ``--max-requests`` requests, whichever comes first; then it stops by itself.
Questions are varied (every item of eval/qa.jsonl plus per-city templates), so no cache can carry the
numbers. Reports throughput, p50/p95/p99 latency, errors (any non-200 or transport error), the server's
peak memory (VmHWM of the processes it started), its CPU time per request, and p50/p95 relative to the
single-client p50.
Writes eval/results/load_<store>.json. Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from eval.bench_api import free_port, questions, run_load, start_server  # noqa: E402

_TEMPLATES = [
    "Welche Projekte zur Mobilität gibt es in {city}?",
    "Was plant {city} im Bereich Bildung?",
    "Welche Herausforderungen nennt {city}?",
    "Wie beteiligt {city} seine Bürgerinnen und Bürger?",
    "Welche Ziele verfolgt die Smart-City-Strategie von {city}?",
    "Wie viele Einwohner hat {city}?",
    "What does {city} do about energy and the environment?",
    "Which digital administration services does {city} offer?",
]


def question_pool(cities: list[str]) -> list[str]:
    """Every evaluation question, then each template for each city, interleaved so kinds mix."""
    templated = [t.format(city=c) for c in cities for t in _TEMPLATES]
    pool = questions()
    mixed = [q for pair in itertools.zip_longest(pool, templated) for q in pair if q]
    return list(dict.fromkeys(mixed))


def peak_rss_mb(pid: int) -> float | None:
    """The peak resident memory (VmHWM) of a process and its children still alive, in MB (Linux)."""
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return round(total, 1) if total else None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a process (all its threads) has used so far, in seconds (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--single-duration", type=float, default=15.0, help="seconds of the one-client run")
    parser.add_argument("--max-requests", type=int, default=5000, help="stop after this many requests")
    parser.add_argument("--chroma-url", default="", help="serve from this Chroma server (filled beforehand)")
    parser.add_argument("--url", help="load this running server instead of starting one (no memory figure)")
    parser.add_argument("--chroma-pid", type=int, help="also report this Chroma server process's peak memory")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.max_requests < 1 or args.single_duration <= 0:
        parser.error("--clients, --duration, --single-duration and --max-requests must be positive")

    from assistant.corpus import load_report
    from assistant.settings import Settings

    pool = question_pool([c.name for c in load_report(Settings().corpus_path).cities])
    store = "chroma-server" if args.chroma_url else "embedded"
    proc, url = None, args.url.rstrip("/") if args.url else None
    cpu_before = cpu_after = None
    if url is None:
        if args.chroma_url:
            os.environ["ASSISTANT_CHROMA_URL"] = args.chroma_url
        else:
            os.environ.pop("ASSISTANT_CHROMA_URL", None)
        port = free_port()
        proc, startup = start_server(port)
        url = f"http://127.0.0.1:{port}"
        print(f"server ({store}) up in {startup:.1f} s on {url}; {len(pool)} distinct questions", flush=True)
    try:
        asyncio.run(run_load(url, 1, 60, 10, pool, offset=len(pool) // 2))  # warm-up, other questions
        single = asyncio.run(run_load(url, 1, args.single_duration, args.max_requests, pool))
        print(f"  1 client : {single['rps']} req/s, p50 {single['p50_ms']} ms, p95 {single['p95_ms']} ms",
              flush=True)
        cpu_before = cpu_seconds(proc.pid) if proc is not None else None
        load = asyncio.run(run_load(url, args.clients, args.duration, args.max_requests, pool,
                                    offset=single["requests"]))
        cpu_after = cpu_seconds(proc.pid) if proc is not None else None
    finally:
        peak = peak_rss_mb(proc.pid) if proc is not None else None
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    load["peak_rss_mb"] = peak
    if cpu_before is not None and cpu_after is not None:  # robust to other work on the machine, unlike latency
        load["server_cpu_ms_per_request"] = round((cpu_after - cpu_before) * 1000 / load["requests"], 1)
    if args.chroma_pid:
        load["chroma_peak_rss_mb"] = peak_rss_mb(args.chroma_pid)
    load["p50_vs_single"] = round(load["p50_ms"] / single["p50_ms"], 1)
    load["p95_vs_single"] = round(load["p95_ms"] / single["p50_ms"], 1)
    errors = sum(load["errors"].values()) + sum(single["errors"].values())
    print(f"{args.clients:>3} clients: {load['requests']} requests in {load['seconds']} s = {load['rps']} req/s, "
          f"p50 {load['p50_ms']} / p95 {load['p95_ms']} / p99 {load['p99_ms']} ms "
          f"(p95 = {load['p95_vs_single']}x the single-client p50), errors {errors}, "
          f"server CPU {load.get('server_cpu_ms_per_request')} ms/request, server peak RSS {peak} MB" + (f", Chroma server {load['chroma_peak_rss_mb']} MB" if args.chroma_pid else ""),
          flush=True)
    result = {"store": store, "url": url, "cpus": os.cpu_count(), "single": single, "load": load}
    out = args.out or HERE / "results" / f"load_{store}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"wrote {out}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

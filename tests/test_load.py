"""eval/load_test.py against a live server with the fixture index: bounded (stops by itself), every
request answered (no errors) by many concurrent clients, the pool of questions varied."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import free_port
from live_server import running

from assistant.api import create_app
from assistant.settings import Settings
from eval.bench_api import run_load
from eval.load_test import peak_rss_mb, question_pool


def test_question_pool_is_varied_and_mixes_kinds():
    pool = question_pool(["Aachen", "Bamberg"])
    assert len(pool) == len(set(pool)) > 200
    assert "Wie viele Einwohner hat Aachen?" in pool and "Was plant Bamberg im Bereich Bildung?" in pool


def test_bounded_load_with_concurrent_clients_has_no_errors(mini_assistant):
    settings = Settings(api_keys=[], rate_limit_per_minute=0, cors_origins=[])
    pool = ["Welche Chancen und Herausforderungen gibt es?", "Wie viele Einwohner hat Aachen?",
            "What does Bamberg do for citizens?", "Welche Projekte gibt es zur Mobilität in Freiburg?"]
    with running(create_app(mini_assistant, settings, ui=False), free_port()) as url:
        t0 = time.monotonic()
        # its own thread and event loop: a session's Playwright (the browser tests) keeps a loop running here
        with ThreadPoolExecutor(1) as worker:
            result = worker.submit(asyncio.run, run_load(url, 16, 3.0, 120, pool)).result()
        assert time.monotonic() - t0 < 30  # stops by itself
    assert result["errors"] == {} and 0 < result["requests"] <= 120
    assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["clients"] == 16 and result["rps"] > 0


def test_peak_memory_of_this_process_is_read():
    import os

    assert peak_rss_mb(os.getpid()) > 10


def test_cpu_time_of_this_process_is_read():
    import os

    from eval.load_test import cpu_seconds

    before = cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))
    assert before is not None and cpu_seconds(os.getpid()) > before

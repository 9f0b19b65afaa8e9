"""Reports of an evaluation run: Markdown, JSON and PNG plots in a results folder.

``evals/results/<timestamp>/`` holds ``report.md``, ``results.json`` (every record of every
system), ``summary.json`` and ``accuracy_latency.png``; the folder is then copied to
``evals/results/latest/``. ``evals/results/`` is git-ignored.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.runner import EvalRun, QuestionRecord

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TRUNCATE = 300


def new_results_dir(base: Path | None = None) -> Path:
    """A fresh ``<base>/<UTC timestamp>/`` folder."""
    base = Path(base or RESULTS_DIR)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = base / stamp
    n = 1
    while path.exists():
        n += 1
        path = base / f"{stamp}-{n}"
    path.mkdir(parents=True)
    return path


def publish_latest(run_dir: Path) -> Path:
    """Copy ``run_dir`` to ``<its parent>/latest`` (replacing it)."""
    latest = run_dir.parent / "latest"
    if latest.resolve() == run_dir.resolve():
        return latest
    if latest.is_symlink() or latest.is_file():
        latest.unlink()
    elif latest.exists():
        shutil.rmtree(latest)
    shutil.copytree(run_dir, latest)
    return latest


# --------------------------------------------------------------------------------------------
# Formatting


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} ms" if value < 10_000 else f"{value / 1000:.1f} s"


def _ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None:
        return "-"
    if theirs == 0:
        return "-" if ours == 0 else "∞"
    return f"{ours / theirs:.2f}×"


def _cell(text: str, limit: int = TRUNCATE) -> str:
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def _get(summary: dict[str, Any], path: str) -> Any:
    node: Any = summary
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


# (label, summary path, kind) with kind "pct", "num" or "ms"; higher is better unless noted.
SUMMARY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Accuracy (all)", "answers.accuracy", "pct"),
    ("Accuracy (answerable)", "answers.accuracy_answerable", "pct"),
    ("Retrieval hit@1", "retrieval.hit@1", "pct"),
    ("Retrieval hit@3", "retrieval.hit@3", "pct"),
    ("Retrieval hit@5", "retrieval.hit@5", "pct"),
    ("Retrieval hit@10", "retrieval.hit@10", "pct"),
    ("Retrieval MRR", "retrieval.mrr", "num"),
    ("Retrieval nDCG@10", "retrieval.ndcg@10", "num"),
    ("Evidence in answer's retrieved passages", "retrieval.context_hit", "pct"),
    ("Correct answers citing the evidence", "citations.correct_answers_citing_evidence", "pct"),
    ("Citations supporting nothing (lower is better)", "citations.unsupported_share", "pct"),
    ("Citations per answer", "citations.per_answer", "num"),
    ("Unanswerable refused", "refusals.unanswerable_refused", "pct"),
    ("Answerable wrongly refused (lower is better)", "refusals.answerable_wrongly_refused", "pct"),
    ("Latency retrieve p50", "latency_ms.retrieve.p50", "ms"),
    ("Latency retrieve p95", "latency_ms.retrieve.p95", "ms"),
    ("Latency answer p50", "latency_ms.answer.p50", "ms"),
    ("Latency answer p95", "latency_ms.answer.p95", "ms"),
    ("Latency first token p50", "latency_ms.first_token.p50", "ms"),
    ("Latency first token p95", "latency_ms.first_token.p95", "ms"),
    ("Latency total p50", "latency_ms.total.p50", "ms"),
    ("Latency total p95", "latency_ms.total.p95", "ms"),
    ("Median cited passage (chars)", "passages.median_cited_chars", "num0"),
    ("Median retrieved passage (chars)", "passages.median_retrieved_chars", "num0"),
)


def _fmt(value: Any, kind: str) -> str:
    if kind == "pct":
        return _pct(value)
    if kind == "ms":
        return _ms(value)
    if kind == "num0":
        return _num(value, 0)
    return _num(value)


def summary_table(runs: Sequence[EvalRun]) -> str:
    """Markdown: one column per system, plus ``ours / baseline`` when there are two."""
    header = ["Metric", *[f"{r.system} ({r.answerer})" for r in runs]]
    if len(runs) == 2:
        header.append(f"{runs[0].system} / {runs[1].system}")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, path, kind in SUMMARY_ROWS:
        values = [_get(r.summary, path) for r in runs]
        if all(v is None for v in values):
            continue
        row = [label, *[_fmt(v, kind) for v in values]]
        if len(runs) == 2:
            row.append(_ratio(values[0], values[1]))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def per_type_table(runs: Sequence[EvalRun]) -> str:
    types: list[str] = sorted({t for r in runs for t in r.summary["answers"]["per_type"]})
    header = ["Type", "n", *[r.system for r in runs]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for t in types:
        entries = [r.summary["answers"]["per_type"].get(t) for r in runs]
        n = next((e["n"] for e in entries if e), 0)
        cells = [f"{_pct(e['accuracy'])} ({e['correct']}/{e['n']})" if e else "-" for e in entries]
        lines.append("| " + " | ".join([t, str(n), *cells]) + " |")
    return "\n".join(lines)


def _failure(record: QuestionRecord) -> str:
    expected = " / ".join(record.expected) if record.expected else "(refusal)"
    if record.require_all:
        expected += " (all values)"
    out = [
        f"- **{record.id}** ({record.type}) {_cell(record.question)}",
        f"  - expected: {_cell(expected)}",
        f"  - got{' (refused)' if record.refused else ''}: {_cell(record.answer, 500)}",
    ]
    if record.error:
        out.append(f"  - error: {_cell(record.error.splitlines()[0])}")
    if record.answerable:
        rank = next((i for i, f in enumerate(record.retrieved_flags, 1) if f), None)
        out.append(f"  - evidence rank in top-10 search: {rank if rank else 'not found'}")
    for c in record.citations:
        flags = []
        if c.contains_evidence:
            flags.append("has evidence")
        if not c.supported:
            flags.append("UNSUPPORTED")
        tag = f" ({', '.join(flags)})" if flags else ""
        page = f" s. {c.page}" if c.page else ""
        out.append(f"  - [{c.n}] {c.doc_id}{page}{tag}: {_cell(c.text, 240)}")
    return "\n".join(out)


def failures_section(run: EvalRun) -> str:
    failed = [r for r in run.records if not r.correct]
    if not failed:
        return f"### {run.system}: no failures\n"
    parts = [f"### {run.system}: {len(failed)} of {len(run.records)} wrong\n"]
    parts.extend(_failure(r) for r in failed)
    return "\n".join(parts) + "\n"


def render_markdown(
    runs: Sequence[EvalRun], meta: dict[str, Any], plot_name: str | None = None
) -> str:
    lines = [
        "# Evaluation report",
        "",
        f"- question set: `{meta.get('question_set', '?')}` ({meta.get('n_questions', '?')} "
        "questions)",
        f"- answerer: `{meta.get('answerer', '?')}`",
        f"- when: {meta.get('timestamp', '?')}",
        f"- index: {meta.get('index', '?')}",
    ]
    for key in ("baseline", "seconds"):
        if key in meta:
            lines.append(f"- {key}: {meta[key]}")
    lines += [
        "",
        "A retrieval hit is a passage containing the question's evidence span (whitespace, "
        "case and punctuation ignored). Retrieval metrics rank 10 passages per answerable "
        "question (ours: hybrid index search; baseline: Chroma similarity).",
        "",
        "## Summary",
        "",
        summary_table(runs),
        "",
        "## Accuracy per question type",
        "",
        per_type_table(runs),
        "",
    ]
    if plot_name:
        lines += [f"![accuracy and latency]({plot_name})", ""]
    lines += ["## Failures", ""]
    lines += [failures_section(r) for r in runs]
    return "\n".join(lines)


def plot(runs: Sequence[EvalRun], path: Path) -> Path | None:
    """Accuracy per type (bars per system) and latency p50/p95 per stage. None on failure."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:
        return None
    types = sorted({t for r in runs for t in r.summary["answers"]["per_type"]})
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.8))
    width = 0.8 / max(1, len(runs))
    for i, run in enumerate(runs):
        per_type = run.summary["answers"]["per_type"]
        values = [100 * (per_type.get(t, {}).get("accuracy") or 0.0) for t in types]
        xs = [x + (i - (len(runs) - 1) / 2) * width for x in range(len(types))]
        ax1.bar(xs, values, width, label=run.system)
    ax1.set_xticks(range(len(types)))
    ax1.set_xticklabels(types, rotation=30, ha="right")
    ax1.set_ylabel("accuracy (%)")
    ax1.set_ylim(0, 105)
    ax1.set_title("Accuracy per question type")
    ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=max(1, len(runs)))

    stages = ["retrieve", "answer", "first_token", "total"]
    for stat in ("p95", "p50"):
        for i, run in enumerate(runs):
            values = [run.summary["latency_ms"].get(s, {}).get(stat) or 0.0 for s in stages]
            xs = [x + (i - (len(runs) - 1) / 2) * width for x in range(len(stages))]
            label = f"{run.system} {stat}"
            ax2.bar(
                xs,
                values,
                width,
                label=label,
                alpha=0.4 if stat == "p95" else 0.95,
                color=f"C{i}",
            )
    ax2.set_xticks(range(len(stages)))
    ax2.set_xticklabels(stages)
    ax2.set_ylabel("ms")
    ax2.set_title("Latency per stage (p50 solid, p95 light)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(runs: Sequence[EvalRun], meta: dict[str, Any], out_dir: Path) -> Path:
    """Write report.md, results.json, summary.json and the plot into ``out_dir``; return
    the path of report.md."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = plot(runs, out_dir / "accuracy_latency.png")
    (out_dir / "results.json").write_text(
        json.dumps(
            {"meta": meta, "runs": [r.to_dict() for r in runs]}, ensure_ascii=False, indent=1
        ),
        encoding="utf-8",
    )
    (out_dir / "summary.json").write_text(
        json.dumps(
            {"meta": meta, "summaries": {r.system: r.summary for r in runs}},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    report = out_dir / "report.md"
    report.write_text(render_markdown(runs, meta, png.name if png else None), encoding="utf-8")
    return report

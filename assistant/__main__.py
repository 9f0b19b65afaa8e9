"""``python -m assistant ask "spørsmål"`` (also ``asker-assistant``): answers from the terminal.

``--json`` prints the result object; ``--jsonl FILE`` (``-`` for stdin) answers one JSON object
per line (``id``, ``question``, optional ``history``/``filters``) with the models loaded once and
writes one result per line, in order.
"""

from __future__ import annotations

import json
import sys
import textwrap
from typing import Any, TextIO

import click

from assistant.service import AssistantService
from assistant.types import Answer, Citation, Turn, read_otherwise
from vectorstore.settings import load_settings
from vectorstore.types import SearchFilters


def _turns(raw: Any) -> list[Turn]:
    turns: list[Turn] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        role = item.get("role")
        if role in ("user", "assistant") and isinstance(item.get("content"), str):
            turns.append(Turn(role, item["content"]))
    return turns


#: Said under an answer the reader is not sure of (``Answer.certainty``).
UNSURE_NOTE = {
    "no": "Usikkert svar: kilden svarer kanskje ikke på akkurat dette. "
    "Les den før du bruker svaret.",
    "en": "Uncertain answer: the source may not answer exactly this. Read it before you use it.",
}


def format_answer(answer: Answer) -> str:
    """The answer and its sources, for a person reading a terminal."""
    lines = [textwrap.fill(answer.answer, width=100), ""]
    if answer.certainty == "unsure":
        lines[1:1] = [UNSURE_NOTE[answer.language], ""]
    if answer.citations:
        lines.append("Kilder / sources:")
        lines += _source_lines(answer.citations)
    if answer.certainty == "unsure" and answer.closest:
        lines += ["", "Kanskje står svaret her / the answer may be here:"]
        lines += _source_lines(answer.closest, first=len(answer.citations) + 1)
    elif answer.refused and answer.closest:
        lines += ["Nærmest i dokumentene / closest in the documents:"]
        lines += _source_lines(answer.closest, first=1)
    if answer.suggested_question:
        lines[1:1] = [f"Mente du / did you mean: {answer.suggested_question}", ""]
    read_as = read_otherwise(answer.question, answer.standalone_question)
    if read_as:
        lines[0:0] = [f"Lest som / read as: {read_as}", ""]
    if answer.notes:
        lines.append("")
        lines.extend(f"merk: {note}" for note in answer.notes)
    timings = ", ".join(f"{k} {v:.0f} ms" for k, v in answer.timings_ms.items())
    lines.append(f"({answer.answerer}; {timings})")
    return "\n".join(lines)


def _source_lines(citations: tuple[Citation, ...], first: int | None = None) -> list[str]:
    """Each passage as "[n] title, page, section" and its quoted sentence: numbered as cited,
    or from ``first`` on (passages the answer does not cite)."""
    lines: list[str] = []
    for i, c in enumerate(citations):
        ch = c.chunk
        parts = (ch.title, f"side {ch.page}" if ch.page else "", ch.section)
        n = c.n if first is None else first + i
        lines.append(f"[{n}] {', '.join(part for part in parts if part)}")
        quote = c.supporting_sentence or ch.text[:300]
        lines.append(textwrap.indent(textwrap.fill(f"«{quote}»", width=96), "    "))
    return lines


@click.group()
def main() -> None:
    """Asker-assistenten: svar med kildehenvisninger fra kommunens planer og årsrapporter."""


@main.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--jsonl",
    "jsonl",
    type=click.File("r", encoding="utf-8"),
    help="Answer every line of FILE (JSON with id and question); '-' reads stdin.",
)
@click.option("--answerer", type=click.Choice(["llm", "openai", "extractive"]))
@click.option("--document", "documents", multiple=True, help="Only this document id.")
@click.option("--kind", "kinds", multiple=True, help="Only documents of this kind.")
@click.option("--year", "years", multiple=True, type=int, help="Only documents of this year.")
@click.option("--data-dir", help="Where the index is kept.")
def ask(
    question: str | None,
    as_json: bool,
    jsonl: TextIO | None,
    answerer: str | None,
    documents: tuple[str, ...],
    kinds: tuple[str, ...],
    years: tuple[int, ...],
    data_dir: str | None,
) -> None:
    """Answer QUESTION (or every line of --jsonl)."""
    if not question and jsonl is None:
        raise click.UsageError("Give a question or --jsonl FILE / gi et spørsmål eller --jsonl")
    settings = load_settings(data_dir=data_dir, answerer=answerer)
    from ingest.pipeline import ensure_index

    report = ensure_index(settings)
    if report is not None:
        click.echo(report.summary(), err=True)
    service = AssistantService(settings)
    service.warm_up(answerer)
    filters = SearchFilters(doc_ids=documents, kinds=kinds, years=years)
    if jsonl is not None:
        for n, line in enumerate(jsonl, start=1):
            if not line.strip():
                continue
            item: Any = None
            try:
                item = json.loads(line)
                if not isinstance(item, dict):
                    raise TypeError("expected a JSON object")
                text = item["question"]
                if not isinstance(text, str) or not text.strip():
                    raise ValueError("'question' must be a non-empty string")
                line_filters = SearchFilters.from_mapping(item.get("filters"))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                # One bad line never stops the batch; its id (when readable) is kept.
                out: dict[str, Any] = {"line": n, "error": f"invalid input line: {exc}"}
                if isinstance(item, dict) and item.get("id") is not None:
                    out = {"id": str(item["id"]), **out}
            else:
                result = service.ask(
                    text,
                    history=_turns(item.get("history")),
                    filters=line_filters if not line_filters.empty else filters,
                    answerer=answerer,
                    question_id=str(item["id"]) if item.get("id") is not None else None,
                )
                out = result.to_dict()
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return
    assert question is not None
    result = service.ask(question, filters=filters, answerer=answerer)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        click.echo(format_answer(result))


if __name__ == "__main__":
    main()

"""``python -m training.followup_gate``: train the follow-up gate (:mod:`assistant.followup_gate`).

    python -m training.followup_gate --rows training/followup_gate_rows.jsonl   # refit
    python -m training.followup_gate --rows NEW.jsonl    # collect rows anew (no such file yet)

Rows come from the train split only, asked through the real service: every question the resolver
reads as a follow-up, among the follow-up turns of the train conversations and the train
questions asked right after another train question (:func:`evals.switches.switch_pairs`, seed
0). Each row holds the gate's features and whether the answer to the question as typed and the
answer to its best reading were right; the rows where exactly one was right train a logistic
regression (balanced classes, standardised features, fixed solver: deterministic). The rows
depend on the reader, so the gate is retrained with it; collecting them takes about 20 minutes
on 2 cores. The shipped gate (``assistant/followup_gate.json``) is fitted from the rows in
``training/followup_gate_rows.jsonl`` (collected with the shipped reader, the conversations'
earlier answers from the service as it then was); refitting from them reproduces it exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np

from assistant.followup import Slot
from assistant.followup_gate import GATE_FEATURES, FollowupGate, gate_features
from assistant.logistic import fit_standardised
from assistant.types import Turn

#: Where the shipped gate lives (the default of ``Settings.followup_gate``).
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "assistant" / "followup_gate.json"


@dataclass(frozen=True)
class GateRow:
    """One question read as a follow-up: its features and which answer was right."""

    id: str
    kind: str  # "followup" (a conversation's turn) or "switch" (after an unrelated question)
    features: tuple[float, ...]
    typed_right: bool
    reading_right: bool


def _row(
    service: Any, kind: str, item_id: str, item: dict[str, Any], history: Sequence[Turn]
) -> tuple[GateRow | None, str]:
    """The row of one question (None when the resolver reads it as standalone), and the answer
    the conversation goes on with."""
    from evals.questionrun import score

    resolver = service.followups()
    resolution = resolver.resolve(item["question"], history)
    if resolution.slot == "none":
        return None, service.ask(item["question"], history).answer
    judged = [(reading, service.judge(reading)) for reading in resolution.readings]
    reading, best = max(judged, key=lambda pair: pair[1].confidence)
    typed = service.judge(item["question"])
    slot: Slot = resolution.slot
    features = gate_features(
        item["question"], slot, typed.confidence, best.confidence, resolver.places
    )
    by_reading = service.ask(reading)
    by_typed = service.ask(item["question"])
    row = GateRow(
        item_id,
        kind,
        tuple(features),
        score(item, by_typed, 0.0, item_id).right,
        score(item, by_reading, 0.0, item_id).right,
    )
    return row, by_reading.answer


def collect_rows(service: Any, items: Sequence[dict[str, Any]], seed: int = 0) -> Iterator[GateRow]:
    """The rows of a split's conversations and topic switches (see the module docstring)."""
    from evals.switches import switch_pairs

    for item in items:
        history: list[Turn] = []
        for n, turn in enumerate(item.get("turns", ()), start=1):
            question = {**turn, "lang": item.get("lang", ""), "style": turn.get("style", "")}
            row, answer = _row(service, "followup", f"{item['id']}#{n}", question, history)
            if row is not None and n > 1:
                yield row
            history += [Turn("user", turn["question"]), Turn("assistant", answer)]
    for previous, item in switch_pairs(items, seed):
        first = service.ask(previous["question"]).answer
        history = [Turn("user", previous["question"]), Turn("assistant", first)]
        row, _ = _row(service, "switch", str(item["id"]), item, history)
        if row is not None:
            yield row


def fit_gate(rows: Sequence[GateRow]) -> FollowupGate:
    """A logistic regression on the rows where exactly one answer was right (label: the
    question as typed was)."""
    telling = [r for r in rows if r.typed_right != r.reading_right]
    if len({r.typed_right for r in telling}) < 2:
        raise ValueError("the gate needs rows where each of the two answers was the right one")
    x = np.array([r.features for r in telling], dtype=np.float64)
    y = np.array([r.typed_right for r in telling], dtype=np.int64)
    fit = fit_standardised(x, y, C=1.0, class_weight="balanced", max_iter=1000)
    return FollowupGate(*fit, GATE_FEATURES)


def read_rows(path: Path) -> list[GateRow]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        rows.append(GateRow(**{**data, "features": tuple(data["features"])}))
    return rows


@click.command()
@click.option(
    "--rows",
    "rows_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Read the rows from this file if it exists, else collect and write them.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_OUT)
@click.option("--seed", type=int, default=0, show_default=True)
def main(rows_path: Path | None, out: Path, seed: int) -> None:
    """Train the follow-up gate on the train split."""
    if rows_path is not None and rows_path.exists():
        rows = read_rows(rows_path)
    else:
        from evals.__main__ import _service
        from evals.questiondata import load_split

        _, service, _ = _service(None)
        rows = list(collect_rows(service, load_split("train"), seed))
        if rows_path is not None:
            rows_path.write_text(
                "".join(json.dumps(asdict(r)) + "\n" for r in rows), encoding="utf-8"
            )
    gate = fit_gate(rows)
    gate.save(out)
    telling = sum(r.typed_right != r.reading_right for r in rows)
    click.echo(f"{len(rows)} rows, {telling} where one answer was right; gate: {out}")


if __name__ == "__main__":
    main()

"""``python -m training.context_reader``: train the context reader (assistant/context_reader.py).

    python -m training.context_reader --rows training/context_reader_rows.jsonl   # refit
    python -m training.context_reader --rows NEW.jsonl    # collect rows anew (no such file yet)

Rows come from conversations no dev or test question rests on, asked through the real service:
the follow-up turns of the train split's conversations, of the training conversations
(``training/conversations-*.jsonl``) and of the used conversation probes (``evals/probes``)
whose conversations share no passage with a dev or test item (probes 1-8; like the train
split, many rest on passages spare items rest on too); and train questions asked
right after an unrelated train question (:func:`evals.switches.switch_pairs`, seed 0), so that
a new question does not lean on the previous answer. Each row is one turn the previous answer
of which quoted something: the reader's best candidates for the question as answered, each
with its probability, its probability for the question as typed, its distance from the quote
and whether it holds the turn's evidence, and the reader's threshold. The context reader judges
only a turn where a candidate stands in the quote's passage (elsewhere the previous answer has
nothing to say and the reader alone judges; the service asks it only of a turn the reader
refuses), so it learns from those rows: a logistic regression
over :data:`assistant.context_reader.CONTEXT_FEATURES` on their candidates (standardised
features, fixed solver: deterministic). Its threshold keeps the reader's caution: the lowest at
which it refuses, out of fold (folds by conversation), at least as many of those rows'
unanswerable turns as the reader refuses at its own threshold. The rows depend on the reader,
so the context reader is retrained with it; collecting them takes about 25 minutes on 2 cores.
The shipped file (``assistant/context_reader.json``) is fitted from
``training/context_reader_rows.jsonl``; refitting from them reproduces it exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np
import numpy.typing as npt

from assistant.context_reader import CONTEXT_FEATURES, ContextReader, Placed, context_features
from assistant.followup import Slot
from assistant.logistic import fit_standardised
from assistant.types import Turn

REPO = Path(__file__).resolve().parent.parent
#: Where the shipped context reader lives (the default of ``Settings.context_reader``).
DEFAULT_OUT = REPO / "assistant" / "context_reader.json"
#: The conversation probes already used for decisions, whose conversations may train it.
USED_PROBES = tuple(
    REPO / "evals" / "probes" / f"conv-fresh{n}-2026-12-07.jsonl" for n in ("", *"2345678")
)
TRAINING_CONVERSATIONS = tuple(sorted((REPO / "training").glob("conversations-*.jsonl")))
#: How many of the reader's candidates the context reader re-scores.
DEPTH = 20
FOLDS = 5


@dataclass(frozen=True)
class TurnRow:
    """One turn asked after an answer that quoted something: its candidates, each as
    (probability, probability as typed, distance from the quote or None, holds the evidence)."""

    id: str
    group: str  # the conversation: folds keep it whole
    kind: str  # "followup" (a conversation's turn) or "switch" (after an unrelated question)
    answerable: bool
    slot: str
    candidates: tuple[tuple[float, float, int | None, bool], ...]
    reader_threshold: float

    @property
    def leans(self) -> bool:
        """A candidate stands in the quote's passage: the context reader judges the turn."""
        return any(distance is not None for _, _, distance, _ in self.candidates)

    @property
    def reader_refuses(self) -> bool:
        return not self.candidates or self.candidates[0][0] < self.reader_threshold

    def placed(self) -> list[Placed]:
        return [Placed(p, typed, distance) for p, typed, distance, _ in self.candidates]

    def labels(self) -> list[bool]:
        return [evidence for *_, evidence in self.candidates]


def _holds(text: str, evidence: Sequence[str]) -> bool:
    """The candidate holds the turn's answering span (the first evidence span), or is part of it."""
    from evals.metrics import passage_contains_evidence, squash

    span = next(iter(evidence), "")
    inside = len(squash(text)) > 20 and squash(text) in squash(span)
    return bool(span) and (passage_contains_evidence(text, span) or inside)


def _turn_row(
    service: Any, row_id: str, group: str, kind: str, turn: dict[str, Any], history: Sequence[Turn]
) -> TurnRow | None:
    """The row of a turn asked after ``history``; None when the previous answer was refused or
    no candidate stands in its quote's passage (the context reader does not judge the turn)."""
    quote = service.previous_quote(history)
    if quote is None:
        return None
    question = " ".join(turn["question"].split())
    _, judged, slot = service.read_alone(question, history)
    _, typed, _ = service.read_alone(question)
    by_index = {candidate.index: p for candidate, p in typed.ranked}
    answerable = turn.get("type") != "unanswerable"
    evidence = turn.get("evidence") or [] if answerable else []
    candidates = tuple(
        (
            round(placed.probability, 6),
            round(placed.typed, 6),
            placed.from_quote,
            _holds(candidate.text, evidence),
        )
        for candidate, p in judged.ranked[:DEPTH]
        for placed in [Placed.of(candidate, p, by_index, quote)]
    )
    row = TurnRow(row_id, group, kind, answerable, slot, candidates, judged.threshold)
    return row if row.leans else None


def _conversation_rows(service: Any, item: dict[str, Any]) -> Iterator[TurnRow]:
    history: list[Turn] = []
    for n, turn in enumerate(item["turns"], start=1):
        if n > 1:
            row = _turn_row(
                service, f"{item['id']}#{n}", str(item["id"]), "followup", turn, history
            )
            if row is not None:
                yield row
        answer = service.ask(turn["question"], tuple(history)).answer
        history += [Turn("user", turn["question"]), Turn("assistant", answer)]


def collect_rows(
    service: Any, conversations: Sequence[dict[str, Any]], singles: Sequence[dict[str, Any]]
) -> Iterator[TurnRow]:
    """The rows of the conversations and of the singles' topic switches (module docstring)."""
    from evals.switches import switch_pairs

    for item in conversations:
        yield from _conversation_rows(service, item)
    for previous, item in switch_pairs(singles, 0):
        first = service.ask(previous["question"]).answer
        history = (Turn("user", previous["question"]), Turn("assistant", first))
        row = _turn_row(service, str(item["id"]), str(item["id"]), "switch", item, history)
        if row is not None:
            yield row


def training_items() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The conversations and single questions the rows are collected from."""
    from evals.questiondata import load_split, passage_keys, read_jsonl

    train = load_split("train")
    held = set().union(*(passage_keys(i) for s in ("dev", "test") for i in load_split(s)))
    extra = [obj for path in TRAINING_CONVERSATIONS for _, obj in read_jsonl(path)]
    probes = [obj for path in USED_PROBES for _, obj in read_jsonl(path)]
    probes = [obj for obj in probes if not passage_keys(obj) & held]
    conversations = [i for i in train if "turns" in i] + extra + probes
    return conversations, [i for i in train if "turns" not in i]


def _matrix(rows: Sequence[TurnRow]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    x = [f for r in rows for f in context_features(r.placed(), _slot(r.slot))]
    y = [int(label) for r in rows for label in r.labels()]
    return np.array(x, dtype=np.float64), np.array(y, dtype=np.int64)


def _slot(name: str) -> Slot:
    slots: dict[str, Slot] = {
        s: s for s in ("none", "year", "place", "group", "subject", "compute")
    }
    return slots[name]


def fit_model(rows: Sequence[TurnRow], threshold: float = 0.5) -> ContextReader:
    """A logistic regression on every candidate of the rows (label: it holds the evidence)."""
    x, y = _matrix(rows)
    if len(set(y.tolist())) < 2:
        raise ValueError("the context reader needs candidates with and without the evidence")
    fit = fit_standardised(x, y, C=1.0, max_iter=5000)
    return ContextReader(*fit, threshold, DEPTH, CONTEXT_FEATURES)


def matched_threshold(rows: Sequence[TurnRow], best: Sequence[float]) -> float:
    """The lowest threshold (in hundredths) at which the unanswerable rows whose best score
    (``best``) falls below it are at least as many as the reader refuses at its own threshold."""
    unanswerable = [
        (row, score) for row, score in zip(rows, best, strict=True) if not row.answerable
    ]
    needed = sum(row.reader_refuses for row, _ in unanswerable)
    grid = [n / 100 for n in range(5, 96)]
    return next((t for t in grid if sum(s < t for _, s in unanswerable) >= needed), grid[-1])


def out_of_fold_best(rows: Sequence[TurnRow]) -> list[tuple[float, bool]]:
    """Each row's best candidate by a model fitted without its conversation's fold."""
    folds = [hash_fold(r.group) for r in rows]
    best: list[tuple[float, bool]] = [(0.0, False)] * len(rows)
    for fold in range(FOLDS):
        model = fit_model([r for r, f in zip(rows, folds, strict=True) if f != fold])
        for n, row in enumerate(rows):
            if folds[n] == fold and row.candidates:
                scores = model.probabilities(context_features(row.placed(), _slot(row.slot)))
                top = int(np.argmax(scores))
                best[n] = (scores[top], row.labels()[top])
    return best


def hash_fold(group: str) -> int:
    """A conversation's fold, by a stable hash of its id."""
    import hashlib

    return int(hashlib.sha256(group.encode("utf-8")).hexdigest(), 16) % FOLDS


@dataclass(frozen=True)
class Fitted:
    """The context reader and, out of fold on the rows it judges, its answerable turns right
    and unanswerable turns refused beside the reader's."""

    reader: ContextReader
    rows: int
    right: int
    refused: int
    reader_right: int
    reader_refused: int


def train_context_reader(rows: Sequence[TurnRow]) -> Fitted:
    """The context reader fitted on the rows it judges (:attr:`TurnRow.leans`), with its
    matched threshold (:func:`matched_threshold`) out of fold."""
    leaning = [r for r in rows if r.leans]
    best = out_of_fold_best(leaning)
    threshold = matched_threshold(leaning, [score for score, _ in best])
    scored = list(zip(leaning, best, strict=True))
    return Fitted(
        fit_model(leaning, threshold),
        len(leaning),
        sum(r.answerable and ev and score >= threshold for r, (score, ev) in scored),
        sum(not r.answerable and score < threshold for r, (score, _) in scored),
        sum(r.answerable and r.candidates[0][3] and not r.reader_refuses for r in leaning),
        sum(not r.answerable and r.reader_refuses for r in leaning),
    )


def _reader_alone() -> Any:
    """The service with the reader alone (no context reader): rows do not depend on an
    earlier fit."""
    from assistant.service import AssistantService
    from ingest.pipeline import ensure_index
    from vectorstore.settings import load_settings

    settings = load_settings().model_copy(update={"context_reader": None})
    ensure_index(settings)
    service = AssistantService(settings)
    service.warm_up("extractive")
    return service


def read_rows(path: Path) -> list[TurnRow]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        candidates = tuple((p, t, d, bool(e)) for p, t, d, e in data["candidates"])
        rows.append(TurnRow(**{**data, "candidates": candidates}))
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
def main(rows_path: Path | None, out: Path) -> None:
    """Train the context reader on conversations no dev or test question rests on."""
    if rows_path is not None and rows_path.exists():
        rows = read_rows(rows_path)
    else:
        rows = list(collect_rows(_reader_alone(), *training_items()))
        if rows_path is not None:
            text = "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in rows)
            rows_path.write_text(text, encoding="utf-8")
    fitted = train_context_reader(rows)
    fitted.reader.save(out)
    click.echo(
        f"{len(rows)} rows, {fitted.rows} it judges; threshold {fitted.reader.threshold}; out of "
        f"fold, answerable right {fitted.right} (reader {fitted.reader_right}), unanswerable "
        f"refused {fitted.refused} (reader {fitted.reader_refused}); context reader: {out}"
    )


if __name__ == "__main__":
    main()

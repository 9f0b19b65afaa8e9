"""Two scored runs of one split side by side, each difference with a 95 % interval.

``python -m evals compare BEFORE.json AFTER.json`` reads two ``evals score --records`` files of
the same split and gives, per measure, the rate before and after, the difference and its
interval from a paired bootstrap. The bootstrap draws *passage groups*, not questions: the
questions resting on one passage (``evals.questiondata.passage_groups``, the groups the splits
are drawn by) succeed and fail together, so resampling them one by one would make the interval
too narrow. A change whose interval holds 0 is not told from the noise of the split's questions
(the seed spread of a retrained model comes on top).

The measures follow :func:`evals.questionrun.summarize`: answerable questions right (single,
not computations), unanswerable questions refused, their mean (balanced), computations right,
follow-up turns right.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from evals.questionrun import (
    Outcome,
    is_computation,
    is_followup,
    is_plain,
    is_unanswerable,
)

Record = Mapping[str, Any]

#: Measure -> the outcomes it counts (as :func:`evals.questionrun.summarize` groups them); an
#: outcome counts as a success when it is right.
MEASURES: dict[str, Callable[[Outcome], bool]] = {
    "answerable_right": is_plain,
    "unanswerable_refused": is_unanswerable,
    "compute_right": is_computation,
    "followup_right": is_followup,
}
_FIELDS = frozenset(f.name for f in fields(Outcome))
#: The mean of these two rates (a citizen must never get an invented answer: refusing well
#: counts as much as answering well).
BALANCED = ("answerable_right", "unanswerable_refused")


class CompareError(ValueError):
    """Two runs that cannot be compared question by question."""


@dataclass(frozen=True)
class Difference:
    measure: str
    n: int
    before: float
    after: float
    low: float
    high: float

    @property
    def difference(self) -> float:
        return self.after - self.before


def item_id(record: Record | Outcome) -> str:
    """The item a record belongs to (a conversation's turns share their conversation's)."""
    return str(record.id if isinstance(record, Outcome) else record["id"]).split("#")[0]


def _outcome(record: Record) -> Outcome:
    try:
        return Outcome(**{k: v for k, v in record.items() if k in _FIELDS})
    except TypeError as exc:
        raise CompareError(
            f"A record lacks a field of a scored question ({exc}). "
            f"/ En post mangler et felt ({exc})."
        ) from exc


def _paired(before: Sequence[Record], after: Sequence[Record]) -> list[tuple[Outcome, Outcome]]:
    later = {str(r["id"]): _outcome(r) for r in after}
    if {str(r["id"]) for r in before} != set(later):
        raise CompareError(
            "The two runs do not hold the same questions (score the same split with --records). "
            "/ De to kjøringene har ikke de samme spørsmålene."
        )
    return [(_outcome(r), later[str(r["id"])]) for r in before]


def _tallies(
    pairs: Sequence[tuple[Outcome, Outcome]], cluster: Sequence[int], clusters: int
) -> dict[str, np.ndarray]:
    """Per measure, per cluster: counted outcomes, right before, right after."""
    out: dict[str, np.ndarray] = {}
    for name, counts in MEASURES.items():
        table = np.zeros((clusters, 3))
        for (b, a), c in zip(pairs, cluster, strict=True):
            if counts(b):
                table[c] += (1.0, float(b.right), float(a.right))
        out[name] = table
    return out


def _rates(tallies: Mapping[str, np.ndarray], weights: np.ndarray) -> dict[str, np.ndarray]:
    """Rates before and after for each draw (rows of ``weights``: how often each cluster was
    drawn); NaN where a draw holds no record of the measure."""
    rates: dict[str, np.ndarray] = {}
    for name, table in tallies.items():
        sums = weights @ table
        with np.errstate(invalid="ignore", divide="ignore"):
            rates[name] = sums[:, 1:] / sums[:, :1]
    rates["balanced"] = (rates[BALANCED[0]] + rates[BALANCED[1]]) / 2
    return rates


def compare(
    before: Sequence[Record],
    after: Sequence[Record],
    groups: Mapping[str, str],
    draws: int = 2000,
    seed: int = 0,
) -> list[Difference]:
    """Each measure before and after, with the 95 % interval of the difference from ``draws``
    bootstrap draws of the groups (``groups``: item id -> passage group; an item without one is
    a group of its own)."""
    pairs = _paired(before, after)
    names: dict[str, int] = {}
    cluster = [names.setdefault(groups.get(item_id(b), item_id(b)), len(names)) for b, _ in pairs]
    tallies = _tallies(pairs, cluster, len(names))
    whole = _rates(tallies, np.ones((1, len(names))))
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(names), size=(draws, len(names)))
    weights = np.stack([np.bincount(row, minlength=len(names)) for row in drawn]).astype(float)
    boot = _rates(tallies, weights)
    counted = {name: int(table[:, 0].sum()) for name, table in tallies.items()}
    counted["balanced"] = counted[BALANCED[0]] + counted[BALANCED[1]]
    out: list[Difference] = []
    for name, n in counted.items():
        if np.isnan(whole[name]).any():
            continue  # no record of the measure (balanced: of one of its two)
        diffs = boot[name][:, 1] - boot[name][:, 0]
        low, high = np.nanpercentile(diffs, [2.5, 97.5])
        out.append(
            Difference(name, n, float(whole[name][0, 0]), float(whole[name][0, 1]),
                       float(low), float(high))
        )  # fmt: skip
    return out


def format_differences(differences: Sequence[Difference], groups: int) -> str:
    lines = [
        f"{'measure':22s} {'n':>6s} {'before':>8s} {'after':>8s} {'diff':>8s}   95 % interval",
    ]
    for d in differences:
        lines.append(
            f"{d.measure:22s} {d.n:6d} {100 * d.before:7.1f}% {100 * d.after:7.1f}% "
            f"{100 * d.difference:+7.1f}   [{100 * d.low:+.1f}, {100 * d.high:+.1f}]"
        )
    lines.append(f"(paired bootstrap over {groups} passage groups; points are percent)")
    return "\n".join(lines)


def _records(path: Path) -> tuple[str, list[Record]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return str(data["split"]), list(data["records"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CompareError(
            f"{path} is not a run scored with --records ({exc}). "
            f"/ {path} er ikke en kjøring skåret med --records."
        ) from exc


def split_groups(split: str) -> dict[str, str]:
    """Item id -> passage group, for the items of ``split``."""
    from evals.questiondata import load_split, passage_groups

    items = load_split(split)
    groups = passage_groups(items)
    return {str(item["id"]): group for item, group in zip(items, groups, strict=True)}


def compare_runs(before: Path, after: Path, draws: int = 2000, seed: int = 0) -> str:
    """The comparison of two record files, formatted (see the module docstring)."""
    split, first = _records(before)
    other, second = _records(after)
    if split != other:
        raise CompareError(
            f"The runs score different splits ({split}, {other}). "
            f"/ Kjøringene gjelder ulike deler ({split}, {other})."
        )
    groups = split_groups(split)
    differences = compare(first, second, groups, draws, seed)
    return format_differences(differences, len({groups.get(item_id(r), item_id(r)) for r in first}))

"""Two scored runs compared question by question, with intervals over passage groups."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from evals.__main__ import main
from evals.compare import CompareError, Difference, compare
from evals.questionrun import Outcome


def _scored(id_: str, right: bool, answerable: bool = True, followup: str = "") -> dict[str, Any]:
    """A record as `evals score --records` writes it (an Outcome as a dict)."""
    outcome = Outcome(id_, "nb", "everyday", "fact", "", followup, answerable, right, not right,
                      None, 50.0)  # fmt: skip
    return asdict(outcome)


def _record(n: int, right: bool, answerable: bool = True) -> dict[str, Any]:
    return _scored(f"q{n}", right, answerable)


def _by_measure(differences: list[Difference]) -> dict[str, Difference]:
    return {d.measure: d for d in differences}


def _run(rights: list[bool], unanswerable_refused: int = 5) -> list[dict[str, Any]]:
    records = [_record(n, r) for n, r in enumerate(rights)]
    records += [_record(100 + n, n < unanswerable_refused, answerable=False) for n in range(10)]
    return records


def test_a_run_against_itself_differs_by_nothing() -> None:
    run = _run([n % 2 == 0 for n in range(40)])
    found = _by_measure(compare(run, run, {}, draws=300))
    assert found["answerable_right"].before == found["answerable_right"].after == 0.5
    assert found["balanced"].n == 50
    for d in found.values():
        assert d.difference == 0 and d.low == 0 and d.high == 0


def test_a_clear_gain_has_an_interval_above_zero() -> None:
    before = _run([n < 10 for n in range(40)])
    after = _run([n < 30 for n in range(40)])
    right = _by_measure(compare(before, after, {}, draws=500))["answerable_right"]
    assert right.before == 0.25 and right.after == 0.75
    assert 0 < right.low < right.difference < right.high


def test_gains_on_one_passage_count_as_one_draw_not_many() -> None:
    """Ten questions turned right on two passages are less sure evidence than ten turned right
    on ten passages: the interval is wider."""
    before = _run([False] * 100)
    after = _run([n < 10 for n in range(100)])
    five_per_passage = {f"q{n}": f"p{n // 5}" for n in range(100)}
    one_per_passage = {f"q{n}": f"p{n}" for n in range(100)}
    grouped = _by_measure(compare(before, after, five_per_passage, draws=2000))["answerable_right"]
    spread = _by_measure(compare(before, after, one_per_passage, draws=2000))["answerable_right"]
    assert grouped.difference == spread.difference == pytest.approx(0.1)
    assert grouped.high - grouped.low > 1.5 * (spread.high - spread.low)


def test_follow_up_turns_are_their_own_measure() -> None:
    first = _scored("c1#1", True, followup="first")
    turn = _scored("c1#2", False, followup="year")
    better = dict(turn, right=True)
    found = _by_measure(compare([first, turn], [first, better], {}, draws=200))
    assert found["followup_right"].n == 1 and found["followup_right"].difference == 1.0
    assert "answerable_right" not in found  # a conversation's turns are not single questions


def test_runs_of_other_questions_are_refused() -> None:
    with pytest.raises(CompareError, match="same questions"):
        compare(_run([True] * 3), _run([True] * 4), {})


def _write(path: Path, split: str, records: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"split": split, "records": records}), encoding="utf-8")
    return path


def test_the_command_prints_each_measure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("evals.compare.split_groups", lambda split: {})
    before = _write(tmp_path / "a.json", "dev", _run([n < 10 for n in range(40)]))
    after = _write(tmp_path / "b.json", "dev", _run([n < 30 for n in range(40)]))
    result = CliRunner().invoke(main, ["compare", str(before), str(after), "--draws", "200"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert "+50.0" in lines["answerable_right"]
    assert "+0.0" in lines["unanswerable_refused"]
    assert "50 passage groups" in result.output


def test_the_command_refuses_runs_of_two_splits(tmp_path: Path) -> None:
    before = _write(tmp_path / "a.json", "dev", _run([True]))
    after = _write(tmp_path / "b.json", "spare", _run([True]))
    result = CliRunner().invoke(main, ["compare", str(before), str(after)])
    assert result.exit_code != 0
    assert "different splits" in result.output and "ulike deler" in result.output


def test_the_command_refuses_a_run_without_records(tmp_path: Path) -> None:
    summary_only = tmp_path / "test.json"
    summary_only.write_text(json.dumps({"split": "test", "summary": {}}), encoding="utf-8")
    result = CliRunner().invoke(main, ["compare", str(summary_only), str(summary_only)])
    assert result.exit_code != 0
    assert "--records" in result.output

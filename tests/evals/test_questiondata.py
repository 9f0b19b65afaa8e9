"""The question data's checker and its splits: what is verbatim, what a split holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.questiondata import (
    SPARE,
    check_item,
    corpus_doc,
    load_split,
    update_splits,
)

TEXT = (
    "Side 1 av 2\nBadeplassen ved Fjordvika fikk 12 nye benker i 2023.\n"
    "Side 2 av 2\nSkolen på Bakken ble utvidet med 40 plasser, og kommunen\nplantet 300 trær."
)


@pytest.fixture
def corpus() -> dict[str, Any]:
    return {"fjord.txt": corpus_doc("fjord.txt", "fjord", TEXT, ((0, 1), (66, 2)))}


def question(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "x-0001",
        "question": "Hvor mange benker kom til stranda?",
        "lang": "nb",
        "user": "citizen",
        "style": "everyday",
        "type": "number",
        "answers": ["12"],
        "source": "fjord.txt",
        "evidence": ["Badeplassen ved Fjordvika fikk 12 nye benker i 2023."],
    }
    item.update(changes)
    return item


def test_verbatim_evidence_passes_across_a_line_break(corpus: dict[str, Any]) -> None:
    assert check_item(question(), corpus) == []
    wrapped = question(answers=["300"], evidence=["og kommunen plantet 300 trær."], type="number")
    assert check_item(wrapped, corpus) == []


def test_paraphrased_evidence_and_unsupported_answers_are_reported(
    corpus: dict[str, Any],
) -> None:
    problems = check_item(question(evidence=["Fjordvika fikk tolv benker."]), corpus)
    assert any("not verbatim" in p for p in problems)
    problems = check_item(question(answers=["14"]), corpus)
    assert any("no answer string" in p for p in problems)


def test_unanswerable_needs_its_absence_check(corpus: dict[str, Any]) -> None:
    near_miss = question(
        type="unanswerable",
        answers=[],
        evidence=[],
        near="Badeplassen ved Fjordvika fikk 12 nye benker i 2023.",
        miss="year",
    )
    assert any("absence_check" in p for p in check_item(near_miss, corpus))
    near_miss["absence_check"] = {"searched": ["2024"], "finding": "no benches in 2024"}
    assert check_item(near_miss, corpus) == []


def test_a_new_item_inherits_the_split_of_its_passage(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = {"a": {"doc@0"}, "b": {"doc@0"}, "c": {"doc@500"}}
    monkeypatch.setattr("evals.questiondata.passage_keys", lambda item: keys[item["id"]])
    monkeypatch.setattr("evals.questiondata.assign_splits", lambda items: ["test"] * len(items))
    items = [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    assert update_splits(items, {"a": "dev"}) == {"a": "dev", "b": "dev", "c": "test"}


def test_a_split_holds_exactly_its_items(tmp_path: Path) -> None:
    written = tmp_path / "written"
    written.mkdir()
    rows = [{"id": f"q{n}", "question": f"spørsmål {n}"} for n in range(4)]
    (written / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    splits = tmp_path / "splits.json"
    assigned = {"q0": "train", "q1": SPARE, "q2": "dev", "q3": "test"}
    splits.write_text(json.dumps({"comment": "", "splits": assigned}))
    assert [i["id"] for i in load_split("train", written, splits)] == ["q0"]
    assert [i["id"] for i in load_split(SPARE, written, splits)] == ["q1"]
    assert [i["id"] for i in load_split("test", written, splits)] == ["q3"]


def test_writing_the_splits_keeps_assignments_and_the_comment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evals.questiondata import write_splits

    monkeypatch.setattr("evals.questiondata.written_items", lambda: [{"id": "a"}, {"id": "b"}])
    monkeypatch.setattr("evals.questiondata.passage_keys", lambda item: {f"doc@{item['id']}"})
    monkeypatch.setattr("evals.questiondata.assign_splits", lambda items: ["dev"] * len(items))
    path = tmp_path / "splits.json"
    path.write_text(json.dumps({"comment": "why a is spare", "splits": {"a": SPARE}}))
    assert write_splits(path) == {SPARE: 1, "dev": 1}
    saved = json.loads(path.read_text())
    assert saved == {"comment": "why a is spare", "splits": {"a": SPARE, "b": "dev"}}

"""Checks for the evaluation question set (evals/questions.jsonl, evals/quick.jsonl)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from evals.dataset import (
    CORPUS_DIR,
    QUESTIONS_PATH,
    QUICK_PATH,
    VALID_TYPES,
    EvalQuestion,
    evidence_in_source,
    load_questions,
    normalize_ws,
    numeric_answers_supported,
)

QUESTIONS = load_questions(QUESTIONS_PATH)
ANSWERABLE = [q for q in QUESTIONS if q.answerable]
STRICT_NUMERIC = [q for q in ANSWERABLE if q.type not in {"multi", "english"}]


def _by_type() -> Counter[str]:
    return Counter(q.type for q in QUESTIONS)


# ---- the set as a whole -------------------------------------------------------------------


def test_question_count() -> None:
    assert len(QUESTIONS) >= 150


def test_type_mix() -> None:
    counts = _by_type()
    assert set(counts) <= VALID_TYPES
    assert counts["unanswerable"] >= 20
    assert counts["english"] >= 12
    assert 0.07 <= counts["english"] / len(QUESTIONS) <= 0.15
    assert counts["table"] >= 25
    for qtype in ("fact", "number", "list", "date", "name", "multi"):
        assert counts[qtype] >= 5, qtype


def test_ids_unique_and_sequential_format() -> None:
    ids = [q.id for q in QUESTIONS]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"q\d{3}", i) for i in ids)


def test_questions_unique() -> None:
    texts = [normalize_ws(q.question).casefold() for q in QUESTIONS]
    dupes = [t for t, n in Counter(texts).items() if n > 1]
    assert not dupes


def test_sources_exist_and_all_documents_used() -> None:
    sources = {q.source for q in ANSWERABLE}
    for source in sources:
        assert (CORPUS_DIR / source).is_file(), source
    corpus_files = {p.name for p in CORPUS_DIR.glob("*.txt")}
    assert sources == corpus_files


def test_unanswerable_shape() -> None:
    for q in QUESTIONS:
        if q.type == "unanswerable":
            assert q.answers == () and q.source == "" and q.evidence == "", q.id
        else:
            assert q.answers and q.source and q.evidence, q.id


def test_table_comparisons_present() -> None:
    comparisons = [q for q in QUESTIONS if q.type == "table" and "comparison" in q.note]
    assert len(comparisons) >= 8
    for q in comparisons:
        assert len(q.answers) >= 2, q.id
    no_value = {"Ikke målt", "Tall kommer"}
    missing_values = [
        q for q in QUESTIONS if q.type == "table" and any(a in no_value for a in q.answers)
    ]
    assert len(missing_values) >= 3


# ---- per question -------------------------------------------------------------------------


@pytest.mark.parametrize("q", ANSWERABLE, ids=lambda q: q.id)
def test_evidence_in_source(q: EvalQuestion) -> None:
    assert evidence_in_source(q, CORPUS_DIR), f"{q.id}: evidence not found in {q.source}"


@pytest.mark.parametrize("q", ANSWERABLE, ids=lambda q: q.id)
def test_evidence_length(q: EvalQuestion) -> None:
    assert 30 <= len(normalize_ws(q.evidence)) <= 300, q.id


@pytest.mark.parametrize("q", STRICT_NUMERIC, ids=lambda q: q.id)
def test_numeric_answers_match_evidence(q: EvalQuestion) -> None:
    assert numeric_answers_supported(q), f"{q.id}: no numeric answer occurs in the evidence"


@pytest.mark.parametrize("q", ANSWERABLE, ids=lambda q: q.id)
def test_answers_are_short(q: EvalQuestion) -> None:
    assert all(len(a) <= 60 for a in q.answers), q.id


# ---- quick subset -------------------------------------------------------------------------


def test_quick_is_subset_of_questions() -> None:
    quick = load_questions(QUICK_PATH)
    full = {q.id: q for q in QUESTIONS}
    assert 20 <= len(quick) <= 40
    for q in quick:
        assert q.id in full, q.id
        assert q == full[q.id], q.id
    counts = Counter(q.type for q in quick)
    assert counts["unanswerable"] >= 3
    assert counts["table"] >= 5
    assert counts["english"] >= 2


# ---- the loader ---------------------------------------------------------------------------


def _write(tmp_path: Path, *objs: object) -> Path:
    path = tmp_path / "q.jsonl"
    lines = [json.dumps(o, ensure_ascii=False) for o in objs]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = {
    "id": "q001",
    "question": "Hvor mange?",
    "answers": ["55"],
    "source": "arsrapport-2024.txt",
    "evidence": "Kommunestyret har 55 medlemmer",
    "type": "number",
}


def test_loader_accepts_valid(tmp_path: Path) -> None:
    (q,) = load_questions(_write(tmp_path, GOOD))
    assert q.answers == ("55",)
    assert q.to_dict() == GOOD


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "opinion"}, "invalid type"),
        ({"answers": "55"}, "list of strings"),
        ({"answers": []}, "without answers"),
        ({"evidence": ""}, "without evidence"),
        ({"type": "unanswerable"}, "unanswerable"),
        ({"id": "x1"}, "does not look like"),
        ({"extra": 1}, "unknown field"),
    ],
)
def test_loader_rejects_invalid(tmp_path: Path, change: dict[str, object], message: str) -> None:
    bad = {**GOOD, **change}
    with pytest.raises(ValueError, match=message) as excinfo:
        load_questions(_write(tmp_path, GOOD | {"id": "q000"}, bad))
    assert ":2:" in str(excinfo.value)


def test_loader_rejects_missing_field_and_duplicates(tmp_path: Path) -> None:
    incomplete = {k: v for k, v in GOOD.items() if k != "evidence"}
    with pytest.raises(ValueError, match="missing field"):
        load_questions(_write(tmp_path, incomplete))
    with pytest.raises(ValueError, match="duplicate id"):
        load_questions(_write(tmp_path, GOOD, GOOD))


def test_loader_reports_bad_json_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(GOOD) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r":2: invalid JSON"):
        load_questions(path)


def test_normalize_ws() -> None:
    assert normalize_ws(" a\n\n  b\tc\u00a0d ") == "a b c d"
    assert normalize_ws("bære\u00adkraft") == "bærekraft"
    assert normalize_ws("e\u0301") == "\u00e9"


def test_evidence_in_source_negative() -> None:
    q = EvalQuestion("q999", "x", ("1",), "arsrapport-2024.txt", "finnes ikke i teksten", "fact")
    assert not evidence_in_source(q, CORPUS_DIR)
    missing = EvalQuestion("q999", "x", ("1",), "finnes-ikke.txt", "Asker", "fact")
    assert not evidence_in_source(missing, CORPUS_DIR)

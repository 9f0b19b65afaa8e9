from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from web.feedback import FeedbackStore

CITES = [
    {
        "n": 1,
        "chunk_id": "d:1:0:abc",
        "doc_id": "d",
        "title": "Tittel, med komma",
        "kind": "temaplan",
        "year": 2021,
        "page": 1,
        "section": "S",
        "text": "lang tekst",
        "supporting_sentence": "Setning.",
    }
]


def test_feedback_roundtrip_and_durable(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "fb.sqlite3"
    store = FeedbackStore(path)
    fid = store.add_feedback(
        question="Hva «sier» planen?",
        answer="Den sier ø [1].",
        citations=CITES,
        rating=1,
        answerer="extractive",
        answer_id="x1",
    )
    assert fid > 0
    # A new store on the same file (as after a restart) sees the row.
    again = FeedbackStore(path)
    rec = again.get_feedback(fid)
    assert rec is not None
    assert rec.question == "Hva «sier» planen?"
    assert rec.rating == 1
    assert rec.citations[0]["title"] == "Tittel, med komma"
    assert "text" not in rec.citations[0]  # the passage itself is not duplicated
    assert rec.created_at.endswith("+00:00")
    # Raw SQLite check of the stored columns.
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT question, answer, citations_json, rating, created_at FROM feedback"
        ).fetchone()
    assert row[0] == "Hva «sier» planen?" and row[3] == 1
    assert json.loads(row[2])[0]["n"] == 1


def test_update_comment_and_rating(feedback_store: FeedbackStore) -> None:
    fid = feedback_store.add_feedback(question="q", answer="a", rating=-1)
    assert feedback_store.update_feedback(fid, comment="Mangler kilde")
    assert feedback_store.update_feedback(fid, rating=1)
    rec = feedback_store.get_feedback(fid)
    assert rec is not None and rec.comment == "Mangler kilde" and rec.rating == 1
    assert not feedback_store.update_feedback(9999, comment="x")


def test_rating_validated(feedback_store: FeedbackStore) -> None:
    with pytest.raises(ValueError):
        feedback_store.add_feedback(question="q", answer="a", rating=5)


def test_unanswered_log_has_question_and_time_only(feedback_store: FeedbackStore) -> None:
    feedback_store.log_unanswered("Hva koster en pizza?")
    rows = feedback_store.list_unanswered()
    assert len(rows) == 1
    assert set(rows[0]) == {"id", "created_at", "question"}
    assert rows[0]["question"] == "Hva koster en pizza?"


def test_export_csv(feedback_store: FeedbackStore, tmp_path: Path) -> None:
    feedback_store.add_feedback(
        question='Si "hei", takk\nlinje 2',
        answer="æøå",
        citations=CITES,
        rating=-1,
        comment="kommentar",
    )
    text = feedback_store.export_text("csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["question"] == 'Si "hei", takk\nlinje 2'
    assert rows[0]["rating"] == "-1"
    assert json.loads(rows[0]["citations_json"])[0]["doc_id"] == "d"
    out = feedback_store.export(tmp_path / "export.csv")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for spreadsheets
    assert "æøå" in out.read_text(encoding="utf-8-sig")


def test_export_jsonl(feedback_store: FeedbackStore, tmp_path: Path) -> None:
    feedback_store.add_feedback(question="q1", answer="a1", citations=CITES, rating=1)
    feedback_store.add_feedback(question="q2", answer="a2", rating=-1)
    out = feedback_store.export(tmp_path / "export.jsonl")
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["question"] for r in lines] == ["q1", "q2"]
    assert lines[0]["citations"][0]["n"] == 1
    assert "citations_json" not in lines[0]


def test_export_unanswered(feedback_store: FeedbackStore) -> None:
    feedback_store.log_unanswered("a")
    feedback_store.log_unanswered("b")
    rows = list(csv.DictReader(io.StringIO(feedback_store.export_text("csv", "unanswered"))))
    assert [r["question"] for r in rows] == ["a", "b"]
    jsonl = feedback_store.export_text("jsonl", "unanswered").splitlines()
    assert json.loads(jsonl[1])["question"] == "b"


def test_export_unknown_suffix(feedback_store: FeedbackStore, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        feedback_store.export(tmp_path / "x.xlsx")

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
    assert set(rows[0]) == {"id", "created_at", "question", "handled_at"}
    assert rows[0]["question"] == "Hva koster en pizza?" and rows[0]["handled_at"] is None


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


def test_follow_up_feedback_keeps_the_question_before(feedback_store: FeedbackStore) -> None:
    fid = feedback_store.add_feedback(
        question="Og i 2023?", answer="a", rating=1, previous_question="Hva var sykefraværet?"
    )
    rec = feedback_store.get_feedback(fid)
    assert rec is not None and rec.previous_question == "Hva var sykefraværet?"
    assert "previous_question" in feedback_store.export_text("csv").splitlines()[0].split(",")


def test_feedback_keeps_whether_the_answer_called_itself_sure(
    feedback_store: FeedbackStore,
) -> None:
    doubted = feedback_store.add_feedback(question="q", answer="a", rating=-1, certainty="unsure")
    plain = feedback_store.add_feedback(question="q2", answer="b", rating=1)
    first, second = feedback_store.get_feedback(doubted), feedback_store.get_feedback(plain)
    assert first is not None and first.certainty == "unsure"
    assert second is not None and second.certainty == ""
    header, *rows = feedback_store.export_text("csv").splitlines()
    assert header.split(",")[-1] == "certainty" and any(r.endswith(",unsure") for r in rows)


def test_unanswered_grouped_with_counts_closest_and_handled(
    feedback_store: FeedbackStore,
) -> None:
    closest = [{**CITES[0], "supporting_sentence": "Nærmeste setning."}]
    feedback_store.log_unanswered("Hva koster en pizza?", closest)
    feedback_store.log_unanswered("hva koster en  pizza", closest)
    feedback_store.log_unanswered("Når stenger biblioteket?")
    groups = feedback_store.unanswered_groups()
    assert [(g.question, g.count) for g in groups] == [
        ("hva koster en  pizza", 2),
        ("Når stenger biblioteket?", 1),
    ]
    assert groups[0].closest[0]["supporting_sentence"] == "Nærmeste setning."
    assert "text" not in groups[0].closest[0]  # titles and sentences only, not passages
    assert feedback_store.mark_handled(groups[0].key) == 2
    groups = feedback_store.unanswered_groups()
    assert [g.handled for g in groups] == [False, True]  # handled ones last
    # Asked again after it was handled: the group is open again.
    feedback_store.log_unanswered("Hva koster en pizza?")
    pizza = next(g for g in feedback_store.unanswered_groups() if "pizza" in g.key)
    assert pizza.count == 3 and not pizza.handled


def test_old_database_gets_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,"
            " updated_at TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,"
            " citations_json TEXT NOT NULL DEFAULT '[]', rating INTEGER NOT NULL,"
            " comment TEXT NOT NULL DEFAULT '', answerer TEXT NOT NULL DEFAULT '', answer_id TEXT);"
            "CREATE TABLE unanswered (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " created_at TEXT NOT NULL, question TEXT NOT NULL);"
            "INSERT INTO unanswered (created_at, question)"
            " VALUES ('2026-01-01T00:00:00+00:00', 'x');"
        )
    store = FeedbackStore(path)
    assert store.unanswered_groups()[0].question == "x"
    assert store.add_feedback(question="q", answer="a", rating=1, previous_question="p") > 0
    assert store.list_feedback()[0].certainty == ""
    assert store.add_feedback(question="q", answer="a", rating=-1, certainty="sure") > 0

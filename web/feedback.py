"""Durable feedback on answers and a log of unanswered questions, in one SQLite file.

``feedback``: question, answer, citations (JSON), rating (+1/-1), optional comment, time.
``unanswered``: the question text and the time only (nothing about who asked).
Both export to CSV and JSONL.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

ExportFormat = Literal["csv", "jsonl"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations_json TEXT NOT NULL DEFAULT '[]',
    rating INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    answerer TEXT NOT NULL DEFAULT '',
    answer_id TEXT
);
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL
);
"""

FEEDBACK_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "question",
    "answer",
    "citations_json",
    "rating",
    "comment",
    "answerer",
    "answer_id",
)
UNANSWERED_COLUMNS = ("id", "created_at", "question")

#: Longest comment kept; longer ones are cut.
MAX_COMMENT_CHARS = 2000


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class FeedbackRecord:
    id: int
    created_at: str
    updated_at: str
    question: str
    answer: str
    citations: list[dict[str, Any]]
    rating: int
    comment: str
    answerer: str
    answer_id: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "question": self.question,
            "answer": self.answer,
            "citations": self.citations,
            "rating": self.rating,
            "comment": self.comment,
            "answerer": self.answerer,
            "answer_id": self.answer_id,
        }


def _slim_citations(citations: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    keys = (
        "n",
        "chunk_id",
        "doc_id",
        "title",
        "kind",
        "year",
        "page",
        "section",
        "supporting_sentence",
    )
    return [{k: c.get(k) for k in keys if k in c} for c in citations]


class FeedbackStore:
    """Thread-safe access to the feedback database (one short connection per operation)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10.0)
        conn.row_factory = sqlite3.Row
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    # --- feedback -------------------------------------------------------------------------------
    def add_feedback(
        self,
        *,
        question: str,
        answer: str,
        citations: Sequence[Mapping[str, Any]] = (),
        rating: int,
        comment: str = "",
        answerer: str = "",
        answer_id: str | None = None,
    ) -> int:
        """Store one rating (+1 or -1) of an answer; returns the row id."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 or -1")
        now = _now()
        with self._lock, self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (created_at, updated_at, question, answer, citations_json,"
                " rating, comment, answerer, answer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now,
                    now,
                    question,
                    answer,
                    json.dumps(_slim_citations(citations), ensure_ascii=False),
                    rating,
                    comment[:MAX_COMMENT_CHARS],
                    answerer,
                    answer_id,
                ),
            )
            return int(cur.lastrowid or 0)

    def update_feedback(
        self, feedback_id: int, *, rating: int | None = None, comment: str | None = None
    ) -> bool:
        """Change the rating and/or comment of a stored row; False when there is no such row."""
        sets: list[str] = ["updated_at = ?"]
        params: list[Any] = [_now()]
        if rating is not None:
            if rating not in (1, -1):
                raise ValueError("rating must be 1 or -1")
            sets.append("rating = ?")
            params.append(rating)
        if comment is not None:
            sets.append("comment = ?")
            params.append(comment[:MAX_COMMENT_CHARS])
        params.append(feedback_id)
        with self._lock, self._connect() as conn:
            cur = conn.execute(f"UPDATE feedback SET {', '.join(sets)} WHERE id = ?", params)
            return cur.rowcount > 0

    def get_feedback(self, feedback_id: int) -> FeedbackRecord | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM feedback WHERE id = ?", (feedback_id,)).fetchone()
        return self._record(row) if row is not None else None

    def list_feedback(self, limit: int | None = None) -> list[FeedbackRecord]:
        sql = "SELECT * FROM feedback ORDER BY id DESC"
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        with self._connect() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [self._record(r) for r in rows]

    @staticmethod
    def _record(row: sqlite3.Row) -> FeedbackRecord:
        try:
            citations = json.loads(row["citations_json"] or "[]")
        except json.JSONDecodeError:
            citations = []
        return FeedbackRecord(
            id=int(row["id"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            question=row["question"],
            answer=row["answer"],
            citations=citations,
            rating=int(row["rating"]),
            comment=row["comment"],
            answerer=row["answerer"],
            answer_id=row["answer_id"],
        )

    # --- unanswered questions -------------------------------------------------------------------
    def log_unanswered(self, question: str) -> int:
        with self._lock, self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO unanswered (created_at, question) VALUES (?, ?)", (_now(), question)
            )
            return int(cur.lastrowid or 0)

    def list_unanswered(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, created_at, question FROM unanswered ORDER BY id DESC"
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        with self._connect() as conn:
            return [dict(r) for r in conn.execute(sql, params).fetchall()]

    # --- export ---------------------------------------------------------------------------------
    def _rows(self, table: Literal["feedback", "unanswered"]) -> list[dict[str, Any]]:
        columns = FEEDBACK_COLUMNS if table == "feedback" else UNANSWERED_COLUMNS
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id").fetchall()
        return [dict(r) for r in rows]

    def export_text(
        self, fmt: ExportFormat, table: Literal["feedback", "unanswered"] = "feedback"
    ) -> str:
        """The whole table as CSV (header row first) or JSONL (citations as a JSON list)."""
        rows = self._rows(table)
        if fmt == "jsonl":
            lines = []
            for row in rows:
                if "citations_json" in row:
                    row["citations"] = json.loads(row.pop("citations_json") or "[]")
                lines.append(json.dumps(row, ensure_ascii=False))
            return "".join(line + "\n" for line in lines)
        if fmt == "csv":
            columns = FEEDBACK_COLUMNS if table == "feedback" else UNANSWERED_COLUMNS
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            return buf.getvalue()
        raise ValueError(f"unknown export format: {fmt!r}")

    def export(
        self,
        path: Path | str,
        fmt: ExportFormat | None = None,
        table: Literal["feedback", "unanswered"] = "feedback",
    ) -> Path:
        """Write the export to ``path`` (format from the suffix when ``fmt`` is None)."""
        out = Path(path)
        chosen: ExportFormat
        if fmt is not None:
            chosen = fmt
        elif out.suffix.lower() == ".csv":
            chosen = "csv"
        elif out.suffix.lower() in (".jsonl", ".ndjson"):
            chosen = "jsonl"
        else:
            raise ValueError(f"cannot tell the export format from {out.name!r}")
        out.parent.mkdir(parents=True, exist_ok=True)
        # utf-8-sig for CSV so that spreadsheet programs read æøå correctly.
        encoding = "utf-8-sig" if chosen == "csv" else "utf-8"
        out.write_text(self.export_text(chosen, table), encoding=encoding)
        return out

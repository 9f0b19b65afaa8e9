"""Durable feedback on answers and a log of unanswered questions, in one SQLite file.

``feedback``: question (and, for a follow-up, the question before it), answer, citations (JSON),
whether the answer called itself sure, rating (+1/-1), optional comment, time.
``unanswered``: the question text word for word, the time, the closest passages found (JSON) and
whether staff have handled it (nothing about who asked). Staff see them grouped by question.
Both export to CSV and JSONL. Databases written before a column existed get it on opening.
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
    answer_id TEXT,
    previous_question TEXT NOT NULL DEFAULT '',
    certainty TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS unanswered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    closest_json TEXT NOT NULL DEFAULT '[]',
    handled_at TEXT
);
"""

#: Columns added after the first release: (table, column, definition), added when missing.
_ADDED_COLUMNS = (
    ("feedback", "previous_question", "TEXT NOT NULL DEFAULT ''"),
    ("unanswered", "closest_json", "TEXT NOT NULL DEFAULT '[]'"),
    ("unanswered", "handled_at", "TEXT"),
    ("feedback", "certainty", "TEXT NOT NULL DEFAULT ''"),
)

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
    "previous_question",
    "certainty",
)
UNANSWERED_COLUMNS = ("id", "created_at", "question", "closest_json", "handled_at")

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
    previous_question: str = ""
    #: What the answer said of itself: "sure", "unsure" (``Answer.certainty``) or "".
    certainty: str = ""

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
            "previous_question": self.previous_question,
            "certainty": self.certainty,
        }


@dataclass(frozen=True)
class UnansweredGroup:
    """The unanswered questions that read the same (case and spacing aside), for staff."""

    key: str
    question: str
    count: int
    last_asked: str
    closest: tuple[dict[str, Any], ...]
    handled: bool


def question_key(question: str) -> str:
    """What makes two questions "the same" in the staff list: case, spacing and the final
    punctuation do not count."""
    return " ".join(question.casefold().split()).rstrip(" ?!.")


def _closest(row: sqlite3.Row) -> tuple[dict[str, Any], ...]:
    try:
        return tuple(json.loads(row["closest_json"] or "[]"))
    except json.JSONDecodeError:
        return ()


def _group(key: str, members: Sequence[sqlite3.Row]) -> UnansweredGroup:
    """One group of unanswered rows (``members`` newest first); its closest passages are the
    newest ones stored."""
    newest = members[0]
    closest = next((c for c in map(_closest, members) if c), ())
    return UnansweredGroup(
        key=key,
        question=newest["question"],
        count=len(members),
        last_asked=newest["created_at"],
        closest=closest,
        handled=all(m["handled_at"] for m in members),
    )


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
            self._add_missing_columns(conn)

    @staticmethod
    def _add_missing_columns(conn: sqlite3.Connection) -> None:
        for table, column, definition in _ADDED_COLUMNS:
            present = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

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
        previous_question: str = "",
        certainty: str = "",
    ) -> int:
        """Store one rating (+1 or -1) of an answer; returns the row id. ``previous_question``:
        for a follow-up, the question it followed (so that staff can read it in context);
        ``certainty``: whether the answer called itself sure or unsure."""
        if rating not in (1, -1):
            raise ValueError("rating must be 1 or -1")
        now = _now()
        with self._lock, self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO feedback (created_at, updated_at, question, answer, citations_json,"
                " rating, comment, answerer, answer_id, previous_question, certainty)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    previous_question,
                    certainty,
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
            previous_question=row["previous_question"] or "",
            certainty=row["certainty"] or "",
        )

    # --- unanswered questions -------------------------------------------------------------------
    def log_unanswered(self, question: str, closest: Sequence[Mapping[str, Any]] = ()) -> int:
        """Store a question that got no answer, word for word, with the closest passages found
        (their title, page, section and best sentence; not the passages themselves)."""
        slim = json.dumps(_slim_citations(closest), ensure_ascii=False)
        with self._lock, self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO unanswered (created_at, question, closest_json) VALUES (?, ?, ?)",
                (_now(), question, slim),
            )
            return int(cur.lastrowid or 0)

    def list_unanswered(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT id, created_at, question, handled_at FROM unanswered ORDER BY id DESC"
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        with self._connect() as conn:
            return [dict(r) for r in conn.execute(sql, params).fetchall()]

    def unanswered_groups(self, limit: int | None = None) -> list[UnansweredGroup]:
        """The unanswered questions grouped by :func:`question_key`: the most asked first.
        A group is handled when every question in it is; a new one reopens it."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT created_at, question, closest_json, handled_at FROM unanswered"
                " ORDER BY id DESC"
            ).fetchall()
        groups: dict[str, list[sqlite3.Row]] = {}
        for row in rows:
            groups.setdefault(question_key(row["question"]), []).append(row)
        out = [_group(key, members) for key, members in groups.items()]
        out.sort(key=lambda g: g.last_asked, reverse=True)
        out.sort(key=lambda g: (g.handled, -g.count))  # stable: newest first among equals
        return out[:limit] if limit is not None else out

    def mark_handled(self, key: str, handled: bool = True) -> int:
        """Mark (or unmark) every question of a group as handled; returns how many changed."""
        with self._connect() as conn:
            rows = conn.execute("SELECT id, question FROM unanswered").fetchall()
        ids = [int(r["id"]) for r in rows if question_key(r["question"]) == key]
        if not ids:
            return 0
        marks = ",".join("?" for _ in ids)
        with self._lock, self._connect() as conn:
            cur = conn.execute(
                f"UPDATE unanswered SET handled_at = ? WHERE id IN ({marks})",
                [_now() if handled else None, *ids],
            )
            return cur.rowcount

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
                if "closest_json" in row:
                    row["closest"] = json.loads(row.pop("closest_json") or "[]")
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

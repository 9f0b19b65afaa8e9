"""Vectors by (model, passage hash), so unchanged text is never embedded twice.

The cache is what lets a killed ingestion resume: every embedded batch is committed at once, and
the next run finds those vectors here instead of computing them again.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS vectors ("
                " model TEXT NOT NULL, key TEXT NOT NULL, dim INTEGER NOT NULL,"
                " vector BLOB NOT NULL,"
                " PRIMARY KEY (model, key))"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
            db.commit()
        finally:
            db.close()

    def get_many(self, model: str, texts: Sequence[str]) -> dict[str, npt.NDArray[np.float32]]:
        """Cached vectors for those of ``texts`` that have one, keyed by :func:`text_key`."""
        keys = list({text_key(t) for t in texts})
        found: dict[str, npt.NDArray[np.float32]] = {}
        with self._connect() as db:
            for i in range(0, len(keys), 500):
                batch = keys[i : i + 500]
                marks = ",".join("?" * len(batch))
                rows = db.execute(
                    f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})",
                    [model, *batch],
                )
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_many(self, model: str, items: Iterable[tuple[str, npt.NDArray[np.float32]]]) -> None:
        rows = [
            (model, text_key(text), int(vec.shape[0]), np.asarray(vec, np.float32).tobytes())
            for text, vec in items
        ]
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)

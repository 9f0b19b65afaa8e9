"""The lexical half of hybrid search: BM25 (bm25s) over Norwegian-stemmed tokens.

Tokens keep single characters and digits (``\\w+``) because numbers such as "9,3" or "2024" are
often what a question turns on; stop words come from bm25s' Norwegian list and stems from the
Snowball Norwegian stemmer (PyStemmer).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

TOKEN_RE = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("norwegian")


@lru_cache(maxsize=1)
def norwegian_stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_NORWEGIAN

    return frozenset(STOPWORDS_NORWEGIAN)


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed tokens of ``text``."""
    stop = norwegian_stopwords()
    words = [w for w in TOKEN_RE.findall(text.lower()) if w not in stop]
    stems: list[str] = _stemmer().stemWords(words)
    return stems


class LexicalIndex:
    """A persisted BM25 index whose row ``i`` is the ``i``-th chunk id given to :meth:`build`."""

    def __init__(self, ids: list[str], retriever: Any) -> None:
        self.ids = ids
        self._retriever = retriever

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25()
        # bm25s cannot index an empty corpus; with no ids, search returns nothing anyway.
        corpus_tokens = [tokenize(t) or ["_"] for t in texts] or [["_"]]
        retriever.index(corpus_tokens, show_progress=False)
        return cls(list(ids), retriever)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(directory), show_progress=False)
        (directory / "ids.json").write_text(json.dumps(self.ids), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(directory))
        ids = json.loads((directory / "ids.json").read_text(encoding="utf-8"))
        return cls(ids, retriever)

    def search(
        self, query: str, k: int, allowed: Sequence[bool] | None = None
    ) -> list[tuple[str, float]]:
        """Up to ``k`` ``(chunk_id, score)`` with a positive score, best first.

        ``allowed`` (one flag per row) restricts the search to a filtered subset.
        """
        if not self.ids:
            return []
        vocab = self._retriever.vocab_dict
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens:
            return []
        scores = np.asarray(self._retriever.get_scores(tokens), dtype=np.float64)
        if allowed is not None:
            scores = np.where(np.asarray(allowed, dtype=bool), scores, 0.0)
        k = min(k, len(self.ids))
        top = np.argsort(-scores, kind="stable")[:k]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

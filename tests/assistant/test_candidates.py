"""The candidates of a question: the best passages' sentences and rows, the nearest ones, and for
a trend the nearest table rows besides."""

from __future__ import annotations

from assistant.candidates import CandidateGenerator
from tests.assistant.conftest import BuiltIndex


def test_rows_asked_for_are_added_nearest_first(built_index: BuiltIndex) -> None:
    generator = CandidateGenerator(built_index.index, passages=1, nearest=1)
    question = "Hvordan har sykefraværet utviklet seg?"
    plain = generator.run(question)
    with_rows = generator.run(question, rows=3)
    before = {c.index for c in plain.items}
    added = [c for c in with_rows.items if c.index not in before]
    assert added and all(c.span.kind == "row" for c in added)
    assert len(added) <= 3
    assert [c.similarity for c in added] == sorted((c.similarity for c in added), reverse=True)

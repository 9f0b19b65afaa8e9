"""The series a trend question asks for, shown beside the reader's answer.

A question read as asking how a figure developed (:mod:`assistant.trend_reading`), when the
computation stage gave nothing, gets the reader's answer as it is, and after it the trend of the
likeliest table row that gives a series and names a term of the question: the reader judges its
candidates once more with the table rows nearest the question added (a row of a passage the
search did not rank can hold the series a question in everyday words asks for). Nothing is
shown when the reader refused or when no such row gives two years or more. The service asks
only when the computation stage gave nothing: a question that names a computation the stage
could not do ("how steep was the fall") may still read as asking for the development.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.candidates import CandidateGenerator, Candidates
from assistant.compute import Computation, Computer
from assistant.reader import Judged, Reader
from assistant.trend_reading import TrendReading
from vectorstore.types import SearchFilters


@dataclass
class TrendBeside:
    """Component: ``run(judged, filters)`` gives the trend to show beside the answer, or None."""

    reading: TrendReading
    generator: CandidateGenerator
    reader: Reader
    computer: Computer
    #: How many of the table rows nearest the question join the candidates.
    rows: int = 5

    def run(self, judged: Judged, filters: SearchFilters | None = None) -> Computation | None:
        vector = judged.question_vector
        if vector is None or len(vector) != len(self.reading.weights) or not judged.answered:
            return None
        if not self.reading.reads_trend(vector):
            return None
        pool = tuple(c for c, _ in judged.ranked)
        extra = self.generator.nearest_rows(
            vector, self.rows, filters, frozenset(c.index for c in pool)
        )
        candidates = Candidates(judged.question.text, vector, judged.hits, pool + tuple(extra))
        again = self.reader.judge(candidates, self.generator.corpus_terms())
        return self.computer.trend(again)

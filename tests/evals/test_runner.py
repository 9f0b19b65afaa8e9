"""The runner's scoring and aggregation, with a scripted fake service (no index, no model)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from assistant.types import Answer, Citation
from evals.dataset import EvalQuestion
from evals.report import render_markdown, write_report
from evals.runner import citation_supported, flat_metrics, requires_all, run_eval
from vectorstore.types import Chunk, SearchHit


def chunk(cid: str, text: str) -> Chunk:
    return Chunk(
        id=cid,
        doc_id="doc",
        title="Dok",
        kind="årsrapport",
        year=2024,
        page=1,
        section="",
        text=text,
        start=0,
        end=len(text),
    )


GOALS = chunk("goals", "Bærekraftsmålene består av 17 mål og 169 delmål som skal nås innen 2030.")
TABLE = chunk("table", "Andel elever som trives 59,6 64,2 Tall kommer")
MAYOR = chunk("mayor", "Ordfører i Asker er Ragnar Sand Fuglum fra Høyre.")
BUDGET = chunk("budget", "Driftsbudsjettet for skolene økte med fire prosent.")
OTHER = chunk("other", "Kommunen har mange parker og friområder for innbyggerne.")


def q(
    qid: str,
    qtype: str,
    answers: Sequence[str],
    evidence: str = "",
    note: str = "",
    question: str | None = None,
) -> EvalQuestion:
    return EvalQuestion(
        id=qid,
        question=question or f"Spørsmål {qid}?",
        answers=tuple(answers),
        source="doc.txt" if answers else "",
        evidence=evidence,
        type=qtype,
        note=note,
    )


QUESTIONS = [
    q("q001", "number", ["17 mål", "17"], "består av 17 mål og 169 delmål"),
    q("q002", "table", ["59,6", "64,2"], "trives 59,6 64,2", note="comparison: both values"),
    q("q003", "fact", ["fire prosent"], "økte med fire prosent"),
    q("q004", "unanswerable", []),
    q("q005", "unanswerable", []),
    q("q006", "name", ["Ragnar Sand Fuglum"], "Ordfører i Asker er Ragnar Sand Fuglum"),
    q("q007", "date", ["2030"], "skal nås innen 2030"),
]


@dataclass
class Scripted:
    text: str
    refused: bool = False
    cited: tuple[Chunk, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)


SCRIPT: dict[str, Scripted | Exception] = {
    "q001": Scripted(
        "Bærekraftsmålene består av 17 mål [1].",
        cited=(GOALS,),
        timings={"retrieve": 10, "answer": 20, "total": 30},
    ),
    "q002": Scripted(
        "Andelen var 64,2 [1].", cited=(TABLE,), timings={"retrieve": 10, "answer": 20, "total": 40}
    ),
    "q003": Scripted(
        "Jeg finner ikke dette i dokumentene.",
        refused=True,
        timings={"retrieve": 10, "answer": 0, "total": 50},
    ),
    "q004": Scripted(
        "Jeg finner ikke dette i dokumentene.",
        refused=True,
        timings={"retrieve": 10, "answer": 0, "total": 60},
    ),
    "q005": Scripted(
        "Kommunen har mange parker [1].",
        cited=(OTHER,),
        timings={"retrieve": 10, "answer": 20, "total": 70},
    ),
    # Right answer, but the cited passage neither holds the evidence nor shares a word with it.
    "q006": Scripted(
        "Ordføreren heter Ragnar Sand Fuglum [1].",
        cited=(BUDGET,),
        timings={"retrieve": 10, "answer": 20, "total": 80, "first_token": 5},
    ),
    "q007": RuntimeError("the model crashed"),
}

#: What the index search ranks for each question (for the retrieval metrics).
RANKED: dict[str, list[Chunk]] = {
    "q001": [OTHER, GOALS, TABLE],  # evidence at rank 2
    "q002": [TABLE],  # rank 1
    "q003": [OTHER, MAYOR, GOALS, TABLE, BUDGET],  # rank 5
    "q006": [OTHER, GOALS],  # not found
    "q007": [GOALS],  # rank 1 (the answer itself fails)
}


class FakeIndex:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def search(self, question: str, k: int = 8) -> list[SearchHit]:
        self.calls.append((question, k))
        qid = question.split()[-1].rstrip("?")
        return [SearchHit(c, 1.0 / (i + 1)) for i, c in enumerate(RANKED.get(qid, [])[:k])]


class FakeService:
    def __init__(self) -> None:
        self.index = FakeIndex()
        self.asked: list[tuple[str, str | None]] = []

    def ask(
        self,
        question: str,
        history: Sequence[Any] = (),
        filters: Any = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer:
        assert question_id is not None
        self.asked.append((question_id, answerer))
        script = SCRIPT[question_id]
        if isinstance(script, Exception):
            raise script
        return Answer(
            question=question,
            answer=script.text,
            refused=script.refused,
            answerer="fake",
            citations=tuple(Citation(i, c) for i, c in enumerate(script.cited, start=1)),
            retrieved=tuple(SearchHit(c, 0.5) for c in script.cited),
            timings_ms=dict(script.timings),
            id=question_id,
        )


@pytest.fixture(scope="module")
def run() -> Any:
    return run_eval(QUESTIONS, FakeService(), "extractive")


def test_records(run: Any) -> None:
    by_id = {r.id: r for r in run.records}
    assert [r.id for r in run.records] == [x.id for x in QUESTIONS]
    assert by_id["q001"].correct and by_id["q001"].citation_correct
    assert by_id["q001"].retrieved_flags == [False, True, False]
    assert not by_id["q002"].correct  # comparison needs both values
    assert by_id["q002"].require_all
    assert by_id["q003"].refused and not by_id["q003"].correct
    assert by_id["q003"].citation_correct is None
    assert by_id["q004"].correct  # unanswerable refused
    assert not by_id["q005"].correct  # unanswerable answered
    assert by_id["q005"].retrieved_flags == []  # no evidence, no retrieval check
    assert by_id["q006"].correct and by_id["q006"].citation_correct is False
    assert by_id["q006"].unsupported_citations == 1
    assert by_id["q007"].error and "the model crashed" in by_id["q007"].error
    assert not by_id["q007"].correct and not by_id["q007"].refused


def test_answer_summary(run: Any) -> None:
    answers = run.summary["answers"]
    assert answers["n"] == 7
    assert answers["correct"] == 3
    assert answers["accuracy"] == pytest.approx(3 / 7)
    assert answers["accuracy_answerable"] == pytest.approx(2 / 5)
    assert answers["errors"] == 1
    per_type = answers["per_type"]
    assert per_type["number"] == {"n": 1, "correct": 1, "accuracy": 1.0}
    assert per_type["table"]["accuracy"] == 0.0
    assert per_type["unanswerable"] == {"n": 2, "correct": 1, "accuracy": 0.5}
    assert per_type["name"]["accuracy"] == 1.0
    assert per_type["date"]["accuracy"] == 0.0


def test_refusals_and_citations(run: Any) -> None:
    refusals = run.summary["refusals"]
    assert refusals["unanswerable_refused"] == 0.5
    assert refusals["answerable_wrongly_refused"] == pytest.approx(1 / 5)
    citations = run.summary["citations"]
    # Correct answerable answers: q001 (cites the evidence) and q006 (does not).
    assert citations["correct_answers_citing_evidence"] == 0.5
    # Four citations (q001, q002, q005, q006); only q006's supports nothing.
    assert citations["n"] == 4
    assert citations["unsupported_share"] == 0.25


def test_retrieval_summary(run: Any) -> None:
    r = run.summary["retrieval"]
    # Ranked answerable questions without errors: q001 (rank 2), q002 (1), q003 (5), q006 (-).
    assert r["n"] == 4
    assert r["hit@1"] == 0.25
    assert r["hit@3"] == 0.5
    assert r["hit@5"] == 0.75
    assert r["hit@10"] == 0.75
    assert r["mrr"] == pytest.approx((0.5 + 1 + 0.2 + 0) / 4)
    # Evidence among the answer's own retrieved passages: q001 and q002 only.
    assert r["context_hit"] == 0.5


def test_latency_summary(run: Any) -> None:
    lat = run.summary["latency_ms"]
    assert lat["total"]["n"] == 6  # q007 failed
    assert lat["total"]["p50"] == pytest.approx(55.0)
    assert lat["first_token"]["n"] == 1
    assert lat["first_token"]["p50"] == 5.0
    flat = flat_metrics(run.summary)
    assert flat["accuracy"] == pytest.approx(3 / 7)


def test_search_uses_k10_and_answerer_is_passed() -> None:
    service = FakeService()
    run_eval(QUESTIONS, service, "llm", limit=2)
    assert [qid for qid, _ in service.asked] == ["q001", "q002"]
    assert all(name == "llm" for _, name in service.asked)
    assert all(k == 10 for _, k in service.index.calls)


def test_search_for_eval_is_preferred() -> None:
    class WithOwnSearch(FakeService):
        def search_for_eval(self, question: str, k: int) -> list[SearchHit]:
            return [SearchHit(GOALS, 1.0)]

    result = run_eval(QUESTIONS[:1], WithOwnSearch(), None)
    assert result.records[0].retrieved_flags == [True]
    assert result.summary["retrieval"]["hit@1"] == 1.0


def test_requires_all() -> None:
    assert requires_all(QUESTIONS[1])
    assert not requires_all(QUESTIONS[0])
    assert not requires_all(q("q100", "multi", ["1"], "x", note="comparison: no, not a table"))


def test_citation_supported() -> None:
    text = "Det er 17 mål [1]. Ordføreren heter Fuglum [2]."
    assert citation_supported(text, 1, GOALS.text)
    assert not citation_supported(text, 2, GOALS.text)
    assert citation_supported(text, 2, MAYOR.text)
    # A shared number alone is support.
    assert citation_supported("Tallet er 169 [1].", 1, GOALS.text)


def test_report_files(run: Any, tmp_path: Any) -> None:
    other = run_eval(QUESTIONS, FakeService(), "extractive", system="baseline")
    meta = {"question_set": "x.jsonl", "n_questions": 7, "answerer": "extractive"}
    markdown = render_markdown([run, other], meta)
    assert "| Accuracy (all) | 42.9 % | 42.9 % | 1.00× |" in markdown
    assert "**q002**" in markdown and "(all values)" in markdown
    report = write_report([run, other], meta, tmp_path / "out")
    assert report.exists()
    assert (tmp_path / "out" / "results.json").exists()
    assert (tmp_path / "out" / "summary.json").exists()
    assert (tmp_path / "out" / "accuracy_latency.png").stat().st_size > 1000


def test_check_floors(tmp_path: Any) -> None:
    import json

    from evals.__main__ import check_floors, load_floors

    path = tmp_path / "floors.json"
    path.write_text(
        json.dumps(
            {"_comment": "x", "accuracy": 0.5, "hit@5": 0.7, "answerable_wrongly_refused_max": 0.1}
        )
    )
    floors = load_floors(path)
    assert floors == {"accuracy": 0.5, "hit@5": 0.7, "answerable_wrongly_refused_max": 0.1}
    good = {"accuracy": 0.6, "hit@5": 0.7, "answerable_wrongly_refused": 0.05}
    assert check_floors(good, floors) == []
    bad = {"accuracy": 0.4, "hit@5": None, "answerable_wrongly_refused": 0.2}
    failures = check_floors(bad, floors)
    assert len(failures) == 3
    assert any(f.startswith("accuracy = 0.400 < 0.500") for f in failures)
    assert any("not measured" in f for f in failures)
    assert any(f.startswith("answerable_wrongly_refused = 0.200 > 0.100") for f in failures)

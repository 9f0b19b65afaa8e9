"""The staff tabs' handlers: document changes in the background, grouped unanswered questions,
feedback in the page, exports (with the fake service; the re-ingest syncs the fake's index)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.ingestion import IngestJobs
from tests.web.conftest import REPO_CORPUS, FakeService, SyncingAdmin
from vectorstore.settings import load_settings
from web.feedback import FeedbackStore
from web.handlers import ChatHandlers
from web.ratelimit import SlidingWindowLimiter
from web.staff import job_status


@pytest.fixture
def uploads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Gradio's upload folder: the staff handlers take files from there only."""
    folder = tmp_path / "gradio" / "widget"
    folder.mkdir(parents=True)
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    return folder


@pytest.fixture
def staff(
    tmp_path: Path, fake_service: FakeService, feedback_store: FeedbackStore, uploads: Path
) -> ChatHandlers:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPO_CORPUS / "manifest.json", corpus / "manifest.json")
    settings = load_settings(
        data_dir=tmp_path / "data", corpus_dir=corpus, mode="staff", staff_username="a",
        staff_password="b",
    )  # fmt: skip
    admin = SyncingAdmin(settings, fake_service)
    fake_service.sync_with_corpus(corpus)
    jobs = IngestJobs(fake_service, tmp_path / "uploads", 5, admin)
    return ChatHandlers(fake_service, settings, feedback_store, SlidingWindowLimiter(100), jobs)


def statuses(steps: list[tuple[Any, ...]]) -> list[str]:
    return [str(step[0]) for step in steps]


def test_add_with_title_kind_and_year_updates_the_chat_tab(
    staff: ChatHandlers, fake_service: FakeService, uploads: Path
) -> None:
    src = uploads / "notat.md"
    src.write_text("# Notat\nTekst.", encoding="utf-8")
    steps = list(staff.add_document(SimpleNamespace(name=str(src)), "Trafikknotat", "notat", 2025))
    final = steps[-1]
    assert final[0] == "notat.md: ferdig. Klar til bruk i chatten."
    assert sum("ferdig" in s for s in statuses(steps)) == 1  # the status says it once
    row = next(r for r in final[1] if r[0] == "Trafikknotat")  # in the document table
    assert row[1:3] == ["notat", "2025"]
    documents, kinds, years, coverage = final[3], final[4], final[5], final[6]
    assert ("Trafikknotat", "trafikknotat") in documents["choices"]
    assert ("Notat", "notat") in kinds["choices"] and ("2025", "2025") in years["choices"]
    assert "Trafikknotat" in coverage  # "Dette kan du spørre om" knows it without a reload
    assert ("Trafikknotat", "trafikknotat") in final[2]["choices"]
    assert fake_service.refreshed >= 1  # the service serves the new index at once


def test_replace_and_delete(staff: ChatHandlers, uploads: Path) -> None:
    assert staff.staff.document_fields("temaplan-klima")[:3] == (
        "Temaplan for handling mot klimaendringene (nettside)", "temaplan", "2021",
    )  # fmt: skip
    steps = list(staff.replace_document("temaplan-klima", None, "Klimaplanen", "temaplan", 2021))
    assert steps[-1][0].endswith("ferdig. Klar til bruk i chatten.")
    assert ("Klimaplanen", "temaplan-klima") in steps[-1][3]["choices"]
    refused = list(staff.delete_document("temaplan-klima", False))
    assert refused[-1][0] == "Kryss av for at dokumentet skal slettes."
    steps = list(staff.delete_document("temaplan-klima", True))
    assert "ferdig" in steps[-1][0]
    assert all(v != "temaplan-klima" for _, v in steps[-1][3]["choices"])
    assert list(staff.add_document(None, "T", "k", 2024))[-1][0] == "Velg en fil først."
    src = uploads / "x.txt"
    src.write_text("x", encoding="utf-8")
    bad = list(staff.add_document(SimpleNamespace(name=str(src)), "T", "k", "to tusen"))
    assert bad[-1][0] == "Året må være et årstall, for eksempel 2024."


def test_job_status_line() -> None:
    from assistant.ingestion import IngestJob

    running = IngestJob("1", "a.pdf", Path("a.pdf"), "lastes inn", 0.45, "lager vektorer")
    assert job_status(running) == "a.pdf: lastes inn (45 %) – lager vektorer"
    failed = IngestJob("1", "a.pdf", Path("a.pdf"), "feilet", 0.2, "kryptert PDF")
    assert job_status(failed) == "a.pdf: feilet – kryptert PDF"


def test_unanswered_grouped_and_marked_handled(
    staff: ChatHandlers, feedback_store: FeedbackStore
) -> None:
    closest = [{"title": "Årsrapport 2024", "page": 34, "supporting_sentence": "Sykefravær 8 %."}]
    feedback_store.log_unanswered("Hva koster en pizza?", closest)
    feedback_store.log_unanswered("Hva koster en pizza", closest)
    rows = staff.unanswered_rows()
    assert rows[0][:2] == ["Hva koster en pizza", 2] and rows[0][4] == "nei"
    assert rows[0][3] == "Årsrapport 2024, s. 34: «Sykefravær 8 %.»"
    key = staff.staff.unanswered_choices()[0][1]
    rows, choices, message = staff.mark_handled(key)
    assert message == "Merket som behandlet." and rows[0][4] == "ja" and choices["choices"] == []


def test_feedback_shown_with_the_question_before(
    staff: ChatHandlers, feedback_store: FeedbackStore
) -> None:
    feedback_store.add_feedback(
        question="Og i 2023?", answer="8,4 %", rating=-1, comment="Feil år",
        previous_question="Hva var sykefraværet i 2024?", certainty="unsure",
    )  # fmt: skip
    row = staff.staff_lists()[3][0]
    assert row[1:] == ["Liker ikke", "Hva var sykefraværet i 2024?", "Og i 2023?", "8,4 %",
                       "usikkert", "Feil år"]  # fmt: skip


def test_export_feedback_files(staff: ChatHandlers, feedback_store: FeedbackStore) -> None:
    feedback_store.add_feedback(question="q", answer="a", rating=1)
    feedback_store.log_unanswered("u")
    path = Path(staff.export_feedback("csv"))
    assert path.suffix == ".csv"
    assert next(iter(csv.DictReader(path.open(encoding="utf-8-sig"))))["question"] == "q"
    path = Path(staff.export_feedback("jsonl"))
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[0])["answer"] == "a"
    path = Path(staff.export_feedback("csv", "unanswered"))
    assert "u" in path.read_text(encoding="utf-8-sig")

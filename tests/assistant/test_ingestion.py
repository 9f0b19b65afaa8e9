"""The background ingestion queue for staff uploads, with the scripted fake service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.documents import DocumentAdmin, DocumentMeta
from assistant.ingestion import IngestJobs
from tests.conftest import HashEmbedder, SettingsFactory
from tests.web.conftest import FakeService


@pytest.fixture
def fake_service() -> FakeService:
    return FakeService()


def test_ingest_jobs_run_in_background(tmp_path: Path, fake_service: FakeService) -> None:
    jobs = IngestJobs(fake_service, tmp_path / "uploads", max_file_mb=1)
    src = tmp_path / "ny plan.md"
    src.write_text("# Ny plan\nTekst.", encoding="utf-8")
    job = jobs.submit(src)
    done = jobs.wait(job.id, timeout_s=10)
    assert done is not None and done.status == "ferdig" and done.progress == 1.0
    assert fake_service.ingested == [tmp_path / "uploads" / "ny_plan.md"]
    with pytest.raises(ValueError, match="støttes ikke"):
        bad = tmp_path / "x.exe"
        bad.write_bytes(b"MZ")
        jobs.submit(bad)
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 1_200_000)
    with pytest.raises(ValueError, match="for stor"):
        jobs.submit(big)


def test_ingest_failure_is_reported(tmp_path: Path, fake_service: FakeService) -> None:
    def fail(path: Path, progress: Any) -> None:
        raise RuntimeError("kunne ikke lese PDF")

    fake_service.ingest_file = fail  # type: ignore[method-assign]
    jobs = IngestJobs(fake_service, tmp_path / "u", 5)
    src = tmp_path / "a.pdf"
    src.write_bytes(b"%PDF-1.4")
    job = jobs.wait(jobs.submit(src).id)
    assert job is not None and job.status == "feilet" and "kunne ikke lese PDF" in job.message


# --- document changes with title, kind and year (assistant/documents.py) -------------------------
@pytest.fixture
def admin_jobs(
    settings_factory: SettingsFactory, small_corpus: Path, hash_embedder: HashEmbedder,
    fake_service: FakeService, tmp_path: Path,
) -> tuple[IngestJobs, DocumentAdmin]:  # fmt: skip
    settings = settings_factory(corpus_dir=small_corpus)
    admin = DocumentAdmin(settings, embedder=hash_embedder)
    return IngestJobs(fake_service, tmp_path / "uploads", 5, admin), admin


def test_add_replace_and_delete_run_in_the_background(
    admin_jobs: tuple[IngestJobs, DocumentAdmin], tmp_path: Path
) -> None:
    jobs, admin = admin_jobs
    src = tmp_path / "trær.md"
    src.write_text("# Trær\n\nKommunen planter 500 trær i 2026.", encoding="utf-8")
    seen: list[str] = []
    job = jobs.add_document(src, DocumentMeta("Treplanen", "temaplan", 2026))
    assert job.action == "legg til" and job.status in ("i kø", "lastes inn", "ferdig")
    done = jobs.wait(job.id, timeout_s=60)
    assert done is not None and done.status == "ferdig", done
    assert done.doc_id == "treplanen" and done.message == "Klar til bruk i chatten."
    assert admin.entry("treplanen") is not None
    seen.append(done.message)
    changed = jobs.wait(
        jobs.replace_document("treplanen", meta=DocumentMeta("Treplan", "temaplan", 2026)).id
    )
    assert changed is not None and changed.status == "ferdig" and changed.action == "erstatt"
    entry = admin.entry("treplanen")
    assert entry is not None and entry.title == "Treplan"
    deleted = jobs.wait(jobs.delete_document("treplanen").id)
    assert deleted is not None and deleted.status == "ferdig" and admin.entry("treplanen") is None


def test_document_changes_are_checked_when_queued(
    admin_jobs: tuple[IngestJobs, DocumentAdmin], tmp_path: Path, fake_service: FakeService
) -> None:
    jobs, _ = admin_jobs
    src = tmp_path / "x.txt"
    src.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError, match="tittel"):
        jobs.add_document(src, DocumentMeta("", "temaplan"))
    with pytest.raises(ValueError, match="Fant ikke"):
        jobs.delete_document("finnes-ikke")
    with pytest.raises(ValueError, match="Velg en ny fil"):
        jobs.replace_document("temaplan-klima")
    without = IngestJobs(fake_service, tmp_path / "u2", 5)
    with pytest.raises(ValueError, match="ikke slått på"):
        without.add_document(src, DocumentMeta("T", "temaplan"))


def test_pipeline_done_message_does_not_say_ferdig_before_the_job_is(
    tmp_path: Path, fake_service: FakeService
) -> None:
    messages: list[str] = []

    def ingest(path: Path, progress: Any) -> None:
        progress("ferdig", 1.0)  # what run_ingest says when the index is written
        job = jobs.list()[0]
        messages.append(f"{job.status}: {job.message}")

    fake_service.ingest_file = ingest  # type: ignore[method-assign]
    jobs = IngestJobs(fake_service, tmp_path / "u", 5)
    src = tmp_path / "a.txt"
    src.write_text("a", encoding="utf-8")
    done = jobs.wait(jobs.submit(src).id)
    assert messages == ["lastes inn: tar i bruk den nye indeksen"]
    assert done is not None and done.status == "ferdig" and "ferdig" not in done.message

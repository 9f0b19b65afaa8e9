"""The background ingestion queue for staff uploads, with the scripted fake service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.ingestion import IngestJobs
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

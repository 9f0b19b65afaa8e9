"""Staff uploads, ingested one file at a time in the background (off the request thread).

:class:`IngestJobs` checks a file (type, size), copies it under a safe name into an upload
folder and hands it to an :class:`Ingester` (``AssistantService.ingest_file``) on a single
worker thread. Each job is a frozen :class:`IngestJob`; the queue replaces it with an updated
copy as the work goes on, so a reader always gets a consistent snapshot.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

log = logging.getLogger(__name__)

#: File types a staff upload may have (the loaders of ``ingest``).
UPLOAD_SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")

JobStatus = Literal["i kø", "lastes inn", "ferdig", "feilet"]


class Ingester(Protocol):
    """What the queue needs from the service: ingest one file, reporting progress."""

    def ingest_file(
        self, path: Path, progress_callback: Callable[..., None] | None = None
    ) -> object: ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class IngestJob:
    """One upload's state: queued, being ingested, done or failed."""

    id: str
    filename: str
    path: Path
    status: JobStatus = "i kø"
    progress: float = 0.0
    message: str = ""
    submitted_at: str = field(default_factory=_now)
    finished_at: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("ferdig", "feilet")


def safe_name(name: str) -> str:
    """A file name with only letters, digits, ``.``, ``_`` and ``-`` (others become ``_``)."""
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name) or "dokument"


def check_upload(source: Path, max_file_mb: float) -> None:
    """Raise ValueError (with a Norwegian message) for a type or size the queue does not take."""
    suffix = source.suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValueError(
            f"Filtypen {suffix or '(ingen)'} støttes ikke. Bruk PDF, txt, md eller html."
        )
    size_mb = source.stat().st_size / 1_000_000
    if size_mb > max_file_mb:
        raise ValueError(f"Filen er for stor ({size_mb:.1f} MB, grensen er {max_file_mb} MB).")


class IngestJobs:
    """Runs ``ingester.ingest_file(path, progress_callback)`` one file at a time."""

    def __init__(self, ingester: Ingester, upload_dir: Path, max_file_mb: float) -> None:
        self.ingester = ingester
        self.upload_dir = upload_dir
        self.max_file_mb = max_file_mb
        self._jobs: dict[str, IngestJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asker-ingest")

    def submit(self, source: Path | str) -> IngestJob:
        """Check and copy ``source`` into the upload folder; queue it. Raises ValueError."""
        src = Path(source)
        check_upload(src, self.max_file_mb)
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        dest = self.upload_dir / safe_name(src.name)
        if dest.exists():
            dest = self.upload_dir / f"{dest.stem}-{uuid.uuid4().hex[:6]}{dest.suffix}"
        shutil.copyfile(src, dest)
        job = IngestJob(id=uuid.uuid4().hex[:8], filename=src.name, path=dest)
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job.id)
        return job

    def _update(
        self,
        job_id: str,
        *,
        status: JobStatus | None = None,
        progress: float | None = None,
        message: str | None = None,
        finished: bool = False,
    ) -> IngestJob:
        """Replace a job by a copy with the given fields changed; returns the copy."""
        with self._lock:
            job = self._jobs[job_id]
            job = replace(
                job,
                status=status or job.status,
                progress=job.progress if progress is None else progress,
                message=job.message if message is None else message,
                finished_at=_now() if finished else job.finished_at,
            )
            self._jobs[job_id] = job
            return job

    def _progress(self, job_id: str) -> Callable[..., None]:
        """A callback taking a fraction (0..1) and/or a message, in any order."""

        def progress(*args: object, **kwargs: object) -> None:
            for value in (*args, *kwargs.values()):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    self._update(job_id, progress=float(min(max(value, 0.0), 1.0)))
                elif isinstance(value, str):
                    self._update(job_id, message=value)

        return progress

    def _run(self, job_id: str) -> None:
        job = self._update(job_id, status="lastes inn")
        try:
            self.ingester.ingest_file(job.path, self._progress(job_id))
        except Exception as exc:
            log.exception("ingest of %s failed", job.path)
            message = str(exc) or exc.__class__.__name__
            self._update(job_id, status="feilet", message=message, finished=True)
            return
        # Progress is reported on this worker thread, so the message read here is the last one.
        message = self._jobs[job_id].message or "Klar til bruk i chatten."
        self._update(job_id, status="ferdig", progress=1.0, message=message, finished=True)

    def get(self, job_id: str) -> IngestJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def list(self) -> list[IngestJob]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.submitted_at, reverse=True)

    def wait(self, job_id: str, timeout_s: float = 60.0) -> IngestJob | None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job = self.get(job_id)
            if job is None or job.done:
                return job
            time.sleep(0.05)
        return self.get(job_id)

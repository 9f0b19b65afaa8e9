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


#: Longest stored file name (the suffix kept).
MAX_NAME_CHARS = 120
#: Where a PDF's ``%PDF-`` header must start (the format allows a little junk before it).
PDF_HEADER_WITHIN = 1024
#: Beginnings of binary formats that are never text (archives, executables, images, Office).
BINARY_MAGIC = (
    b"%PDF-", b"PK\x03\x04", b"\x7fELF", b"MZ", b"\x89PNG", b"GIF8", b"\xff\xd8\xff",
    b"\xd0\xcf\x11\xe0", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!",
)  # fmt: skip


def safe_name(name: str) -> str:
    """A file name with only letters, digits, ``.``, ``_`` and ``-`` (others become ``_``), not
    hidden (no leading dot), at most :data:`MAX_NAME_CHARS` long with its suffix kept."""
    base = Path(name.replace("\\", "/")).name
    clean = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in base).lstrip(".")
    stem, dot, suffix = clean.rpartition(".")
    if not dot:
        stem, suffix = clean, ""
    suffix = suffix[:16]
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1].strip("._-") or "dokument"
    return f"{stem}.{suffix}" if suffix else stem


def sniff_content(source: Path, suffix: str) -> None:
    """Raise ValueError when the content is not what the suffix says: a PDF must have the PDF
    header; txt, md and html must be UTF-8 text (no NUL bytes, no binary format's header)."""
    with open(source, "rb") as fh:
        head = fh.read(PDF_HEADER_WITHIN)
        if suffix == ".pdf":
            if b"%PDF-" not in head:
                raise ValueError("Filen er ikke en PDF (innholdet passer ikke med .pdf).")
            return
        if head.startswith(BINARY_MAGIC):
            raise ValueError(f"Filen er ikke tekst (innholdet passer ikke med {suffix}).")
        fh.seek(0)
        data = fh.read()
    if b"\x00" in data:
        raise ValueError(f"Filen er ikke tekst (innholdet passer ikke med {suffix}).")
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError("Teksten er ikke UTF-8. Lagre filen som UTF-8 og prøv igjen.") from exc


def check_upload(source: Path, max_file_mb: float) -> None:
    """Raise ValueError (with a Norwegian message) for a type, size or content the queue does
    not take (the content is sniffed, not only the suffix)."""
    suffix = source.suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValueError(
            f"Filtypen {suffix or '(ingen)'} støttes ikke. Bruk PDF, txt, md eller html."
        )
    if not source.is_file():
        raise ValueError("Fant ikke filen.")
    size_mb = source.stat().st_size / 1_000_000
    if size_mb > max_file_mb:
        raise ValueError(f"Filen er for stor ({size_mb:.1f} MB, grensen er {max_file_mb} MB).")
    sniff_content(source, suffix)


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

"""Staff uploads and document changes, run one at a time in the background (off the request
thread).

:class:`IngestJobs` checks a file (type, size), copies it under a safe name into an upload
folder and, on a single worker thread, either hands it to an :class:`Ingester`
(``AssistantService.ingest_file``: :meth:`IngestJobs.submit`) or, with its title, kind and year,
to :class:`assistant.documents.DocumentAdmin` (:meth:`IngestJobs.add_document`; also
:meth:`~IngestJobs.replace_document` and :meth:`~IngestJobs.delete_document`), which writes the
corpus manifest and re-ingests. Each job is a frozen :class:`IngestJob`; the queue replaces it
with an updated copy as the work goes on, so a reader always gets a consistent snapshot.
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

from assistant.documents import DocumentAdmin, DocumentMeta, safe_name

log = logging.getLogger(__name__)

#: File types a staff upload may have (the loaders of ``ingest``).
UPLOAD_SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")

#: A finished job's message (the status itself says "ferdig"; the message does not repeat it).
DONE_MESSAGE = "Klar til bruk i chatten."
SWITCHING_MESSAGE = "tar i bruk den nye indeksen"

JobStatus = Literal["i kø", "lastes inn", "ferdig", "feilet"]
#: What a job does: a plain upload, or a change to the corpus with metadata.
JobAction = Literal["last opp", "legg til", "erstatt", "slett"]


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
    action: JobAction = "last opp"
    #: The document the job changes (set when it is known: replace, delete, or after an add).
    doc_id: str = ""

    @property
    def done(self) -> bool:
        return self.status in ("ferdig", "feilet")


#: Where a PDF's ``%PDF-`` header must start (the format allows a little junk before it).
PDF_HEADER_WITHIN = 1024
#: Beginnings of binary formats that are never text (archives, executables, images, Office).
BINARY_MAGIC = (
    b"%PDF-", b"PK\x03\x04", b"\x7fELF", b"MZ", b"\x89PNG", b"GIF8", b"\xff\xd8\xff",
    b"\xd0\xcf\x11\xe0", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!",
)  # fmt: skip


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
    """Runs staff uploads and document changes one at a time (see the module docstring)."""

    def __init__(
        self,
        ingester: Ingester,
        upload_dir: Path,
        max_file_mb: float,
        admin: DocumentAdmin | None = None,
    ) -> None:
        self.ingester = ingester
        self.upload_dir = upload_dir
        self.max_file_mb = max_file_mb
        self.admin = admin
        self._jobs: dict[str, IngestJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asker-ingest")

    def _stage(self, source: Path | str) -> tuple[Path, Path]:
        """Check ``source`` and copy it into the upload folder: (source, copy). ValueError."""
        src = Path(source)
        check_upload(src, self.max_file_mb)
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        dest = self.upload_dir / safe_name(src.name)
        if dest.exists():
            dest = self.upload_dir / f"{dest.stem}-{uuid.uuid4().hex[:6]}{dest.suffix}"
        shutil.copyfile(src, dest)
        return src, dest

    def _queue(self, job: IngestJob, work: Callable[[IngestJob], object]) -> IngestJob:
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job.id, work)
        return job

    @staticmethod
    def _new_id() -> str:
        return uuid.uuid4().hex[:8]

    def submit(self, source: Path | str) -> IngestJob:
        """Check and copy ``source`` into the upload folder; queue it. Raises ValueError."""
        src, dest = self._stage(source)
        job = IngestJob(id=self._new_id(), filename=src.name, path=dest)
        return self._queue(job, lambda j: self.ingester.ingest_file(j.path, self._progress(j.id)))

    def _admin(self) -> DocumentAdmin:
        if self.admin is None:
            raise ValueError("Dokumentadministrasjon er ikke slått på.")
        return self.admin

    def add_document(self, source: Path | str, meta: DocumentMeta) -> IngestJob:
        """Queue adding ``source`` to the corpus with ``meta``. Raises ValueError at once for a
        file or metadata the corpus does not take."""
        admin = self._admin()
        meta = meta.checked()
        src, dest = self._stage(source)
        job = IngestJob(id=self._new_id(), filename=src.name, path=dest, action="legg til")

        def work(j: IngestJob) -> object:
            entry = admin.add(j.path, meta, self._progress(j.id))
            self._update(j.id, doc_id=entry.doc_id)
            return entry

        return self._queue(job, work)

    def replace_document(
        self, doc_id: str, source: Path | str | None = None, meta: DocumentMeta | None = None
    ) -> IngestJob:
        """Queue giving ``doc_id`` a new file and/or new metadata."""
        admin = self._admin()
        if admin.entry(doc_id) is None:
            raise ValueError(f"Fant ikke dokumentet «{doc_id}».")
        if source is None and meta is None:
            raise ValueError("Velg en ny fil eller endre tittel, type eller år.")
        checked = meta.checked() if meta is not None else None
        staged = self._stage(source) if source is not None else None
        name = staged[0].name if staged else doc_id
        path = staged[1] if staged else admin.corpus_dir
        job = IngestJob(self._new_id(), name, path, action="erstatt", doc_id=doc_id)
        new_file = staged[1] if staged else None
        return self._queue(
            job, lambda j: admin.replace(doc_id, new_file, checked, self._progress(j.id))
        )

    def delete_document(self, doc_id: str) -> IngestJob:
        """Queue deleting ``doc_id`` (its file and manifest entry)."""
        admin = self._admin()
        entry = admin.entry(doc_id)
        if entry is None:
            raise ValueError(f"Fant ikke dokumentet «{doc_id}».")
        job = IngestJob(
            self._new_id(),
            entry.file,
            admin.corpus_dir / entry.file,
            action="slett",
            doc_id=doc_id,
        )
        return self._queue(job, lambda j: admin.delete(doc_id, self._progress(j.id)))

    def _update(
        self,
        job_id: str,
        *,
        status: JobStatus | None = None,
        progress: float | None = None,
        message: str | None = None,
        finished: bool = False,
        doc_id: str | None = None,
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
                doc_id=job.doc_id if doc_id is None else doc_id,
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
                    # The pipeline says "ferdig" when the index is written; the job is done
                    # only when the service serves it, so the status says "ferdig" once.
                    shown = SWITCHING_MESSAGE if value.strip().lower() == "ferdig" else value
                    self._update(job_id, message=shown)

        return progress

    def _run(self, job_id: str, work: Callable[[IngestJob], object]) -> None:
        job = self._update(job_id, status="lastes inn")
        try:
            work(job)
        except Exception as exc:
            log.exception("ingest of %s failed", job.path)
            message = str(exc) or exc.__class__.__name__
            self._update(job_id, status="feilet", message=message, finished=True)
            return
        self._update(job_id, status="ferdig", progress=1.0, message=DONE_MESSAGE, finished=True)

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

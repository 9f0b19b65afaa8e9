"""The staff tabs: the document list, uploads (ingested in the background), the unanswered
questions and the feedback exports."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from assistant.ingestion import IngestJob
from web.feedback import FeedbackStore
from web.service import ChatService, IngestQueue, list_documents
from web.uploads import upload_folder, widget_upload

#: Seconds between two looks at an upload's progress.
POLL_S = 0.5


def job_status(job: IngestJob) -> str:
    return f"{job.filename}: {job.status} ({job.progress:.0%}) {job.message}".strip()


class StaffTools:
    """What the staff tabs show and do."""

    def __init__(
        self,
        service: ChatService,
        feedback: FeedbackStore,
        jobs: IngestQueue | None,
        upload_root: Path | None = None,
    ) -> None:
        self.service = service
        self.feedback = feedback
        self.jobs = jobs
        #: Where the upload widget stores files (default: Gradio's upload folder, looked up
        #: at each upload); the handler takes no other path (web.uploads).
        self.upload_root = upload_root

    def document_rows(self) -> list[list[Any]]:
        """Uploads still in progress (or failed), then the indexed documents."""
        rows: list[list[Any]] = []
        if self.jobs is not None:
            for job in self.jobs.list():
                if job.status == "ferdig":
                    continue
                rows.append(
                    [job.filename, "", "", "", f"{job.status} ({job.progress:.0%}) {job.message}"]
                )
        for d in list_documents(self.service):
            rows.append(
                [
                    d.title,
                    d.kind,
                    "" if d.year is None else str(d.year),
                    "" if d.chunks is None else str(d.chunks),
                    d.status,
                ]
            )
        return rows

    def upload(self, file: Any) -> Iterator[tuple[str, list[list[Any]]]]:
        """Start ingesting an uploaded file; report progress until it is done."""
        if self.jobs is None:
            yield "Opplasting er ikke slått på.", self.document_rows()
            return
        upload = widget_upload(file, self.upload_root or upload_folder())
        if isinstance(upload, str):
            yield upload, self.document_rows()
            return
        try:
            job = self.jobs.submit(upload.path)
        except (ValueError, OSError) as exc:
            yield f"Kunne ikke laste opp: {exc}", self.document_rows()
            return
        yield f"{job.filename}: i kø …", self.document_rows()
        last = ""
        while True:
            current = self.jobs.get(job.id)
            if current is None:
                return
            status = job_status(current)
            if status != last:
                last = status
                yield status, self.document_rows()
            if current.done:
                return
            time.sleep(POLL_S)

    def unanswered_rows(self) -> list[list[Any]]:
        return [[r["created_at"], r["question"]] for r in self.feedback.list_unanswered(limit=500)]

    def export_feedback(self, fmt: str, table: str = "feedback") -> str:
        """Write the feedback (or unanswered) table to a fresh file; returns its path."""
        out_dir = Path(tempfile.mkdtemp(prefix="asker-export-"))
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        suffix = "csv" if fmt == "csv" else "jsonl"
        name = "tilbakemeldinger" if table == "feedback" else "ubesvarte"
        path = out_dir / f"{name}-{stamp}.{suffix}"
        chosen: Literal["feedback", "unanswered"] = (
            "feedback" if table == "feedback" else "unanswered"
        )
        self.feedback.export(path, "csv" if fmt == "csv" else "jsonl", chosen)
        return str(path)

"""The staff tabs: the documents (add with title, kind and year; replace; delete; each run in
the background), the unanswered questions grouped with their closest passages and a
"behandlet" mark, the feedback in the page, and the exports."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from assistant.documents import DocumentError, DocumentMeta
from assistant.ingestion import IngestJob
from web.feedback import FeedbackStore, UnansweredGroup
from web.service import ChatService, DocumentEntry, IngestQueue
from web.uploads import upload_folder, widget_upload

#: Seconds between two looks at a job's progress.
POLL_S = 0.5
#: Rows of the unanswered and feedback tables shown in the page (the exports have them all).
STAFF_ROWS = 500
#: Characters of an answer shown in the feedback table.
ANSWER_SHOWN_CHARS = 300
#: Closest passages named per unanswered question.
CLOSEST_NAMED = 3

UNANSWERED_HEADERS = ["Spørsmål", "Antall", "Sist stilt (UTC)", "Nærmeste avsnitt", "Behandlet"]
FEEDBACK_HEADERS = [
    "Tid (UTC)", "Vurdering", "Spørsmålet før", "Spørsmål", "Svar", "Svaret sa selv", "Kommentar",
]  # fmt: skip
#: How the feedback list shows what an answer said of its certainty (``Answer.certainty``).
CERTAINTY_SHOWN = {"sure": "sikkert", "unsure": "usikkert"}
DOCUMENT_HEADERS = ["Dokument", "Type", "År / periode", "Sider", "Avsnitt", "Status"]

#: What a staff change yields while it runs: (status line, document rows, finished).
StaffUpdate = tuple[str, list[list[Any]], bool]


def job_status(job: IngestJob) -> str:
    """One status line; it says "ferdig" once, when the job is done."""
    if job.status == "ferdig":
        return f"{job.filename}: ferdig. {job.message}".strip()
    if job.status == "feilet":
        return f"{job.filename}: feilet – {job.message}".strip(" –")
    percent = f"{round(job.progress * 100)} %"
    detail = f" – {job.message}" if job.message else ""
    return f"{job.filename}: {job.status} ({percent}){detail}"


def document_meta(title: Any, kind: Any, year: Any, period: Any = "") -> DocumentMeta:
    """The staff form's fields as metadata (the year as text or a number)."""
    text = str(year).strip() if year is not None else ""
    try:
        year_value = int(text) if text else None
    except (TypeError, ValueError) as exc:
        raise DocumentError("Året må være et årstall, for eksempel 2024.") from exc
    return DocumentMeta(str(title or ""), str(kind or ""), year_value, str(period or "")).checked()


def _closest_text(group: UnansweredGroup) -> str:
    names = []
    for item in group.closest[:CLOSEST_NAMED]:
        page = f", s. {item['page']}" if item.get("page") else ""
        sentence = str(item.get("supporting_sentence") or "").strip()
        names.append(f"{item.get('title', '')}{page}" + (f": «{sentence}»" if sentence else ""))
    return "\n".join(names)


def _document_row(doc: DocumentEntry) -> list[Any]:
    when = doc.period or ("" if doc.year is None else str(doc.year))
    chunks = "" if doc.chunks is None else doc.chunks
    return [doc.title, doc.kind, when, doc.pages or "", chunks, doc.status]


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


class StaffTools:
    """What the staff tabs show and do."""

    def __init__(
        self,
        service: ChatService,
        feedback: FeedbackStore,
        jobs: IngestQueue | None,
        documents: Callable[[], list[DocumentEntry]],
        upload_root: Path | None = None,
    ) -> None:
        self.service = service
        self.feedback = feedback
        self.jobs = jobs
        self.documents = documents
        #: Where the upload widget stores files (default: Gradio's upload folder, looked up
        #: at each upload); the handlers take no other path (web.uploads).
        self.upload_root = upload_root

    # --- documents ------------------------------------------------------------------------------
    def document_rows(self) -> list[list[Any]]:
        """Changes still running (or failed), then the indexed documents."""
        rows: list[list[Any]] = []
        if self.jobs is not None:
            for job in self.jobs.list():
                if job.status != "ferdig":
                    rows.append([job.filename, job.action, "", "", "", job_status(job)])
        return rows + [_document_row(d) for d in self.documents()]

    def document_choices(self) -> list[tuple[str, str]]:
        return [(d.title, d.doc_id) for d in self.documents()]

    def document_fields(self, doc_id: Any) -> tuple[str, str, str, str]:
        """(title, kind, year, period) of a document, to fill the change form."""
        doc = next((d for d in self.documents() if d.doc_id == doc_id), None)
        if doc is None:
            return "", "", "", ""
        return doc.title, doc.kind, "" if doc.year is None else str(doc.year), doc.period

    def _follow(self, start: Callable[[IngestQueue], IngestJob]) -> Iterator[StaffUpdate]:
        """Start a job, then report its status until it is done."""
        if self.jobs is None:
            yield "Opplasting er ikke slått på.", self.document_rows(), True
            return
        try:
            job = start(self.jobs)
        except (ValueError, OSError) as exc:
            yield f"Kunne ikke starte: {exc}", self.document_rows(), True
            return
        last = ""
        while True:
            current = self.jobs.get(job.id) or job
            status = job_status(current)
            if status != last or current.done:
                last = status
                yield status, self.document_rows(), current.done
            if current.done:
                if current.status == "ferdig":
                    self.service.refresh()
                return
            time.sleep(POLL_S)

    def _uploaded(self, file: Any) -> str:
        """The path of a file the upload widget stored (no other path is taken)."""
        upload = widget_upload(file, self.upload_root or upload_folder())
        if isinstance(upload, str):
            raise DocumentError(upload)
        return str(upload.path)

    def add(
        self, file: Any, title: Any, kind: Any, year: Any, period: Any = ""
    ) -> Iterator[StaffUpdate]:
        """Add an uploaded file to the corpus with its title, kind and year."""
        try:
            path = self._uploaded(file)
            meta = document_meta(title, kind, year, period)
        except DocumentError as exc:
            yield str(exc), self.document_rows(), True
            return
        yield from self._follow(lambda jobs: jobs.add_document(path, meta))

    def replace(
        self, doc_id: Any, file: Any, title: Any, kind: Any, year: Any, period: Any = ""
    ) -> Iterator[StaffUpdate]:
        """Give a document a new file (when one is chosen) and the form's metadata."""
        if not doc_id:
            yield "Velg dokumentet som skal endres.", self.document_rows(), True
            return
        try:
            meta = document_meta(title, kind, year, period)
            path = self._uploaded(file) if file else None
        except DocumentError as exc:
            yield str(exc), self.document_rows(), True
            return
        yield from self._follow(lambda jobs: jobs.replace_document(str(doc_id), path, meta))

    def delete(self, doc_id: Any, confirmed: bool) -> Iterator[StaffUpdate]:
        if not doc_id:
            yield "Velg dokumentet som skal slettes.", self.document_rows(), True
            return
        if not confirmed:
            yield "Kryss av for at dokumentet skal slettes.", self.document_rows(), True
            return
        yield from self._follow(lambda jobs: jobs.delete_document(str(doc_id)))

    # --- unanswered questions and feedback ------------------------------------------------------
    def unanswered_rows(self) -> list[list[Any]]:
        return [
            [g.question, g.count, g.last_asked, _closest_text(g), "ja" if g.handled else "nei"]
            for g in self.feedback.unanswered_groups(limit=STAFF_ROWS)
        ]

    def unanswered_choices(self) -> list[tuple[str, str]]:
        """The groups not yet handled, as (question (count), key)."""
        return [
            (f"{g.question} ({g.count})", g.key)
            for g in self.feedback.unanswered_groups(limit=STAFF_ROWS)
            if not g.handled
        ]

    def mark_handled(self, key: Any) -> str:
        if not key:
            return "Velg et spørsmål først."
        changed = self.feedback.mark_handled(str(key))
        return "Merket som behandlet." if changed else "Fant ikke spørsmålet."

    def feedback_rows(self) -> list[list[Any]]:
        rows = []
        for r in self.feedback.list_feedback(limit=STAFF_ROWS):
            answer = _shortened(r.answer, ANSWER_SHOWN_CHARS)
            rating = "Liker" if r.rating > 0 else "Liker ikke"
            said = CERTAINTY_SHOWN.get(r.certainty, "")
            asked = [r.created_at, rating, r.previous_question, r.question]
            rows.append([*asked, answer, said, r.comment])
        return rows

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

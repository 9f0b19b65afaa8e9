"""The chat page (Gradio 6) and ``POST /api/ask`` for Asker kommune's documents.

``python app.py [--host H] [--port P] [--mode public|staff]`` builds the index when it is
missing, warms the service up and serves both on one FastAPI app. Tests call
:func:`build_app` with their own service.
"""

from __future__ import annotations

import os

# Before gradio is imported: Gradio otherwise looks up outside hosts at start.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import argparse
import contextlib
import logging
import secrets
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import gradio as gr
import uvicorn
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from assistant.feedback import FeedbackStore
from assistant.ratelimit import RateDecision, SlidingWindowLimiter, rate_limit_message
from assistant.rendering import (
    CSS,
    HEAD_JS,
    render_answer,
    render_message,
    render_streaming,
    render_user_message,
)
from assistant.types import Answer, Turn
from vectorstore.settings import Settings, load_settings
from vectorstore.types import SearchFilters

log = logging.getLogger("asker.app")

TITLE = "Spør om Asker kommunes planer og årsrapporter"
EXAMPLE_QUESTIONS = (
    "Hvor mye skal Asker redusere klimagassutslippene innen 2030?",
    "Hva er de prioriterte målene i kommuneplanen?",
    "Når passerte Asker 100 000 innbyggere?",
    "Hva står det om FNs bærekraftsmål i Asker?",
)
UPLOAD_SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")
#: Earlier turns passed to the service for follow-up questions.
MAX_HISTORY_TURNS = 8
#: Characters of the neighbouring passages shown around a source ("Vis teksten rundt").
CONTEXT_CHARS = 1200
#: Seconds a ``POST /api/ask`` waits for a free answering slot before giving up with 503.
API_SLOT_WAIT_S = 120.0

MSG_EMPTY = "Skriv et spørsmål først."
MSG_ERROR = "Beklager, noe gikk galt da svaret skulle lages. Prøv igjen om litt."
MSG_BUSY = "Tjenesten er opptatt akkurat nå. Prøv igjen om litt."
MSG_THANKS = "Takk for tilbakemeldingen!"
MSG_THANKS_COMMENT = "Takk! Kommentaren er lagret."


def too_long_message(length: int, limit: int) -> str:
    return (
        f"Spørsmålet er for langt ({length} tegn). Det kan være høyst {limit} tegn – "
        "prøv å korte det ned."
    )


# --- the service contract ----------------------------------------------------------------------
class ChatService(Protocol):
    """What the app needs from :class:`assistant.service.AssistantService`."""

    def warm_up(self) -> None: ...

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer: ...

    def ask_stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
    ) -> Iterator[Any]: ...


def service_documents(service: Any) -> list[dict[str, Any]]:
    """``service.documents()`` when the service has it (doc_id, title, kind, year, chunks)."""
    fn = getattr(service, "documents", None)
    if fn is None:
        return []
    try:
        return [dict(d) for d in fn()]
    except Exception:  # the page must load even if the index is being rebuilt
        log.exception("service.documents() failed")
        return []


# --- background ingestion (staff mode) ---------------------------------------------------------
@dataclass
class IngestJob:
    id: str
    filename: str
    path: Path
    status: str = "i kø"
    progress: float = 0.0
    message: str = ""
    submitted_at: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds")
    )
    finished_at: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("ferdig", "feilet")


class IngestJobs:
    """Runs ``service.ingest_file(path, progress_callback)`` one file at a time, off the request."""

    def __init__(self, service: Any, upload_dir: Path, max_file_mb: float) -> None:
        self.service = service
        self.upload_dir = upload_dir
        self.max_file_mb = max_file_mb
        self._jobs: dict[str, IngestJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asker-ingest")

    def submit(self, source: Path | str) -> IngestJob:
        src = Path(source)
        suffix = src.suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            raise ValueError(
                f"Filtypen {suffix or '(ingen)'} støttes ikke. Bruk PDF, txt, md eller html."
            )
        size_mb = src.stat().st_size / 1_000_000
        if size_mb > self.max_file_mb:
            raise ValueError(
                f"Filen er for stor ({size_mb:.1f} MB, grensen er {self.max_file_mb} MB)."
            )
        if getattr(self.service, "ingest_file", None) is None:
            raise ValueError("Denne tjenesten kan ikke ta imot nye dokumenter.")
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in src.name) or "dokument"
        dest = self.upload_dir / name
        if dest.exists():
            dest = self.upload_dir / f"{dest.stem}-{uuid.uuid4().hex[:6]}{dest.suffix}"
        shutil.copyfile(src, dest)
        job = IngestJob(id=uuid.uuid4().hex[:8], filename=src.name, path=dest)
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job)
        return job

    def _run(self, job: IngestJob) -> None:
        def progress(*args: Any, **kwargs: Any) -> None:
            for value in (*args, *kwargs.values()):
                if isinstance(value, int | float) and not isinstance(value, bool):
                    job.progress = float(min(max(value, 0.0), 1.0))
                elif isinstance(value, str):
                    job.message = value

        job.status = "lastes inn"
        try:
            self.service.ingest_file(job.path, progress)
        except Exception as exc:
            log.exception("ingest of %s failed", job.path)
            job.status = "feilet"
            job.message = str(exc) or exc.__class__.__name__
        else:
            job.status = "ferdig"
            job.progress = 1.0
            job.message = job.message or "Klar til bruk i chatten."
        job.finished_at = datetime.now(UTC).isoformat(timespec="seconds")

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


# --- handlers ----------------------------------------------------------------------------------
def client_key(request: Any) -> str:
    """The client a request came from (its address); "unknown" when there is none."""
    client = getattr(request, "client", None)
    host = getattr(client, "host", None)
    return str(host) if host else "unknown"


def turns_from_records(records: Sequence[Mapping[str, Any]]) -> list[Turn]:
    turns: list[Turn] = []
    for record in records:
        answer = record.get("answer")
        if not isinstance(answer, Mapping):
            continue
        turns.append(Turn("user", str(record.get("question") or "")))
        turns.append(Turn("assistant", str(answer.get("answer") or "")))
    return turns[-MAX_HISTORY_TURNS:]


def filters_from_inputs(document: Any, kind: Any, year: Any) -> SearchFilters | None:
    mapping: dict[str, Any] = {}
    if document not in (None, ""):
        mapping["document"] = document
    if kind not in (None, ""):
        mapping["kind"] = kind
    if year not in (None, ""):
        with contextlib.suppress(TypeError, ValueError):
            mapping["year"] = int(year)
    filters = SearchFilters.from_mapping(mapping)
    return None if filters.empty else filters


def _head(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + " …"


def _tail(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    space = cut.find(" ")
    return "… " + (cut[space + 1 :] if 0 <= space < limit // 2 else cut)


def _answer_dict(answer: Any) -> dict[str, Any]:
    if isinstance(answer, Mapping):
        return dict(answer)
    result: dict[str, Any] = answer.to_dict()
    return result


class ChatHandlers:
    """The page's event handlers, as plain methods so that tests can call them directly."""

    def __init__(
        self,
        service: ChatService,
        settings: Settings,
        feedback: FeedbackStore,
        limiter: SlidingWindowLimiter,
        jobs: IngestJobs | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self.feedback = feedback
        self.limiter = limiter
        self.jobs = jobs

    # --- validation shared with the API ---------------------------------------------------------
    def validate_question(self, question: Any) -> str | None:
        """A Norwegian message when the question cannot be asked, else None."""
        if not isinstance(question, str) or not question.strip():
            return MSG_EMPTY
        length = len(question.strip())
        if length > self.settings.max_question_chars:
            return too_long_message(length, self.settings.max_question_chars)
        return None

    def rate_check(self, key: str) -> RateDecision:
        return self.limiter.hit(key)

    def record_refusal(self, question: str, answer: Mapping[str, Any]) -> None:
        if answer.get("refused"):
            try:
                self.feedback.log_unanswered(question)
            except Exception:
                log.exception("could not log an unanswered question")

    # --- chat -----------------------------------------------------------------------------------
    def respond(
        self,
        message: str,
        history: list[dict[str, Any]] | None,
        document: str | None,
        kind: str | None,
        year: str | None,
        records: list[dict[str, Any]] | None,
        request: gr.Request,
    ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]], str]]:
        """Stream an answer into the chat. Yields (chat messages, records, textbox value)."""
        chat = list(history or [])
        recs = list(records or [])
        question = (message or "").strip()
        problem = self.validate_question(message)
        if problem == MSG_EMPTY:
            yield list(chat), list(recs), message or ""
            return
        chat.append({"role": "user", "content": render_user_message(question)})
        if problem is not None:
            chat.append({"role": "assistant", "content": render_message(problem)})
            yield list(chat), list(recs), message
            return
        decision = self.rate_check(client_key(request))
        if not decision.allowed:
            chat.append(
                {"role": "assistant", "content": render_message(rate_limit_message(decision))}
            )
            yield list(chat), list(recs), message
            return

        chat.append({"role": "assistant", "content": render_streaming("…")})
        yield list(chat), list(recs), ""

        turns = turns_from_records(recs)
        filters = filters_from_inputs(document, kind, year)
        text = ""
        final: dict[str, Any] | None = None
        try:
            for event in self.service.ask_stream(question, turns, filters):
                if getattr(event, "kind", None) == "delta" and event.text:
                    text += event.text
                    chat[-1] = {"role": "assistant", "content": render_streaming(text)}
                    yield list(chat), list(recs), ""
                elif getattr(event, "kind", None) == "answer" and event.answer is not None:
                    final = _answer_dict(event.answer)
        except Exception:
            log.exception("answering failed for a question")
            chat[-1] = {"role": "assistant", "content": render_message(MSG_ERROR)}
            yield list(chat), list(recs), ""
            return
        if final is None:
            chat[-1] = {"role": "assistant", "content": render_message(MSG_ERROR)}
            yield list(chat), list(recs), ""
            return

        prefix = f"{len(recs) + 1}-{uuid.uuid4().hex[:6]}"
        chat[-1] = {"role": "assistant", "content": render_answer(self.with_context(final), prefix)}
        # Kept in the session for follow-ups and feedback; the retrieved passages are not needed.
        stored = {key: value for key, value in final.items() if key != "retrieved"}
        recs.append(
            {
                "question": question,
                "answer": stored,
                "bot_index": len(chat) - 1,
                "feedback_id": None,
            }
        )
        self.record_refusal(question, final)
        yield list(chat), list(recs), ""

    def with_context(self, answer: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``answer`` whose citations carry the passages before and after them."""
        neighbours = getattr(self.service, "neighbours", None)
        citations = answer.get("citations") or []
        if neighbours is None or not citations:
            return answer
        enriched = []
        for citation in citations:
            item = dict(citation)
            try:
                before, after = neighbours(str(citation.get("chunk_id") or ""))
            except Exception:
                log.exception("neighbours() failed")
                before = after = None
            item["context_before"] = _tail(getattr(before, "text", "") or "", CONTEXT_CHARS)
            item["context_after"] = _head(getattr(after, "text", "") or "", CONTEXT_CHARS)
            enriched.append(item)
        return {**answer, "citations": enriched}

    def new_conversation(
        self,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, None, Any, str, str]:
        """Empty chat, records, textbox, feedback target; hide the comment row."""
        return [], [], "", None, gr.update(visible=False), "", ""

    @staticmethod
    def pick_example(evt: gr.SelectData) -> str:
        value = evt.value
        if isinstance(value, Mapping):
            return str(value.get("text") or "")
        return str(value or "")

    # --- feedback -------------------------------------------------------------------------------
    def on_like(
        self, records: list[dict[str, Any]] | None, data: gr.LikeData
    ) -> tuple[list[dict[str, Any]], int | None, Any, str]:
        """Store 👍/👎 for the rated answer. Returns (records, feedback id, comment row, status)."""
        recs = list(records or [])
        index = data.index if isinstance(data.index, int) else data.index[0]
        liked = data.liked
        if liked is True or liked == "Like":
            rating = 1
        elif liked is False or liked == "Dislike":
            rating = -1
        else:
            return recs, None, gr.update(visible=False), ""
        record = next((r for r in recs if r.get("bot_index") == index), None)
        if record is None or not isinstance(record.get("answer"), Mapping):
            return recs, None, gr.update(visible=False), ""
        feedback_id = self.rate_answer(record, rating)
        return recs, feedback_id, gr.update(visible=True), MSG_THANKS

    def rate_answer(self, record: dict[str, Any], rating: int, comment: str = "") -> int:
        """Insert (or update, when rated before) the feedback row for one exchange."""
        existing = record.get("feedback_id")
        if isinstance(existing, int) and self.feedback.update_feedback(existing, rating=rating):
            return existing
        answer = record["answer"]
        feedback_id = self.feedback.add_feedback(
            question=str(record.get("question") or ""),
            answer=str(answer.get("answer") or ""),
            citations=answer.get("citations") or [],
            rating=rating,
            comment=comment,
            answerer=str(answer.get("answerer") or ""),
            answer_id=answer.get("id"),
        )
        record["feedback_id"] = feedback_id
        return feedback_id

    def on_comment(self, comment: str, feedback_id: int | None) -> tuple[str, str]:
        """Attach the optional comment to the last rating. Returns (textbox value, status)."""
        text = (comment or "").strip()
        if feedback_id is None:
            return comment, "Gi tommel opp eller ned på et svar først."
        if not text:
            return "", ""
        self.feedback.update_feedback(int(feedback_id), comment=text)
        return "", MSG_THANKS_COMMENT

    # --- filters --------------------------------------------------------------------------------
    def filter_choices(
        self,
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
        docs = service_documents(self.service)
        doc_choices = [("Alle dokumenter", "")] + [
            (str(d.get("title") or d.get("doc_id")), str(d.get("doc_id"))) for d in docs
        ]
        kinds = sorted({str(d["kind"]) for d in docs if d.get("kind")})
        kind_choices = [("Alle typer", "")] + [(k[:1].upper() + k[1:], k) for k in kinds]
        years = sorted({int(d["year"]) for d in docs if d.get("year")}, reverse=True)
        year_choices = [("Alle år", "")] + [(str(y), str(y)) for y in years]
        return doc_choices, kind_choices, year_choices

    def refresh_filters(self) -> tuple[Any, Any, Any]:
        docs, kinds, years = self.filter_choices()
        return gr.update(choices=docs), gr.update(choices=kinds), gr.update(choices=years)

    # --- staff ----------------------------------------------------------------------------------
    def document_rows(self) -> list[list[Any]]:
        rows: list[list[Any]] = []
        if self.jobs is not None:
            for job in self.jobs.list():
                if job.status == "ferdig":
                    continue
                rows.append(
                    [job.filename, "", "", "", f"{job.status} ({job.progress:.0%}) {job.message}"]
                )
        for d in service_documents(self.service):
            rows.append(
                [
                    str(d.get("title") or d.get("doc_id")),
                    str(d.get("kind") or ""),
                    "" if d.get("year") is None else str(d.get("year")),
                    "" if d.get("chunks") is None else str(d.get("chunks")),
                    str(d.get("status") or "klar"),
                ]
            )
        return rows

    def upload(self, file: Any) -> Iterator[tuple[str, list[list[Any]]]]:
        """Start ingesting an uploaded file; report progress until it is done."""
        if self.jobs is None:
            yield "Opplasting er ikke slått på.", self.document_rows()
            return
        path = getattr(file, "name", None) or (file if isinstance(file, str) else None)
        if not path:
            yield "Velg en fil først.", self.document_rows()
            return
        try:
            job = self.jobs.submit(path)
        except (ValueError, OSError) as exc:
            yield f"Kunne ikke laste opp: {exc}", self.document_rows()
            return
        yield f"{job.filename}: i kø …", self.document_rows()
        last = ""
        while True:
            current = self.jobs.get(job.id)
            if current is None:
                return
            status = (
                f"{current.filename}: {current.status} ({current.progress:.0%}) {current.message}"
            )
            if status != last:
                last = status
                yield status.strip(), self.document_rows()
            if current.done:
                return
            time.sleep(0.5)

    def unanswered_rows(self) -> list[list[Any]]:
        return [[r["created_at"], r["question"]] for r in self.feedback.list_unanswered(limit=500)]

    def export_feedback(self, fmt: str, table: str = "feedback") -> str:
        out_dir = Path(tempfile.mkdtemp(prefix="asker-export-"))
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        suffix = "csv" if fmt == "csv" else "jsonl"
        name = "tilbakemeldinger" if table == "feedback" else "ubesvarte"
        path = out_dir / f"{name}-{stamp}.{suffix}"
        self.feedback.export(path, "csv" if fmt == "csv" else "jsonl", table)  # type: ignore[arg-type]
        return str(path)


# --- the page ----------------------------------------------------------------------------------
def build_blocks(handlers: ChatHandlers, settings: Settings) -> gr.Blocks:
    staff = settings.mode == "staff"
    doc_choices, kind_choices, year_choices = handlers.filter_choices()
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(
            f"# {TITLE}\n"
            "Still spørsmål om kommuneplanen, temaplaner og årsrapporter. Svarene bygger bare "
            "på kommunens egne dokumenter, og tallene i hakeparentes – for eksempel [1] – "
            "viser til kildene under svaret. Svaret kan inneholde feil: sjekk kilden."
        )
        records = gr.State([])
        feedback_target = gr.State(None)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Accordion("Avgrens søket", open=False), gr.Row():
                    document = gr.Dropdown(
                        choices=doc_choices,
                        value="",
                        label="Dokument",
                        elem_id="filter-doc",
                        allow_custom_value=True,
                    )
                    kind = gr.Dropdown(
                        choices=kind_choices,
                        value="",
                        label="Type",
                        elem_id="filter-kind",
                        allow_custom_value=True,
                    )
                    year = gr.Dropdown(
                        choices=year_choices,
                        value="",
                        label="År",
                        elem_id="filter-year",
                        allow_custom_value=True,
                    )
                chatbot = gr.Chatbot(
                    label="Samtale",
                    elem_id="chat",
                    height=640,
                    render_markdown=False,
                    sanitize_html=True,
                    feedback_options=("Like", "Dislike"),
                    examples=[{"text": q} for q in EXAMPLE_QUESTIONS],
                    placeholder="Velg et eksempel eller skriv ditt eget spørsmål nedenfor.",
                    buttons=["copy"],
                )
                with gr.Row():
                    question = gr.Textbox(
                        label="Spørsmål",
                        placeholder="Skriv spørsmålet ditt her …",
                        lines=1,
                        max_lines=6,
                        scale=5,
                        elem_id="question",
                        autofocus=True,
                    )
                    with gr.Column(scale=1, min_width=120):
                        send = gr.Button("Spør", variant="primary", elem_id="send")
                        clear = gr.Button("Ny samtale", elem_id="new-chat", size="sm")
                feedback_status = gr.Markdown("", elem_id="feedback-status")
                with gr.Row(visible=False, elem_id="comment-row") as comment_row:
                    comment = gr.Textbox(
                        label="Kommentar til svaret (valgfritt)",
                        placeholder="Hva var bra eller dårlig?",
                        scale=5,
                        elem_id="comment",
                    )
                    comment_send = gr.Button("Send kommentar", scale=1, elem_id="comment-send")

            if staff:
                with gr.Tab("Dokumenter", id="docs"):
                    gr.Markdown(
                        "Last opp et dokument (PDF, txt, md eller html). Det legges inn i "
                        "bakgrunnen og kan brukes i chatten når statusen er *ferdig*."
                    )
                    upload_file = gr.File(
                        label="Dokument", file_types=list(UPLOAD_SUFFIXES), elem_id="upload"
                    )
                    upload_btn = gr.Button("Last opp og legg inn", variant="primary")
                    upload_status = gr.Markdown("", elem_id="upload-status")
                    doc_table = gr.Dataframe(
                        headers=["Dokument", "Type", "År", "Avsnitt", "Status"],
                        value=handlers.document_rows(),
                        interactive=False,
                        elem_id="doc-table",
                    )
                    refresh_docs = gr.Button("Oppdater listen", size="sm")
                with gr.Tab("Ubesvarte spørsmål", id="unanswered"):
                    unanswered_table = gr.Dataframe(
                        headers=["Tid (UTC)", "Spørsmål"],
                        value=handlers.unanswered_rows(),
                        interactive=False,
                    )
                    refresh_unanswered = gr.Button("Oppdater", size="sm")
                with gr.Tab("Tilbakemeldinger", id="feedback"):
                    gr.Markdown("Last ned alle tilbakemeldinger eller ubesvarte spørsmål.")
                    with gr.Row():
                        export_csv = gr.Button("Tilbakemeldinger (CSV)")
                        export_jsonl = gr.Button("Tilbakemeldinger (JSONL)")
                        export_unanswered = gr.Button("Ubesvarte spørsmål (CSV)")
                    export_file = gr.File(label="Fil", interactive=False)

        ask_inputs = [question, chatbot, document, kind, year, records]
        ask_outputs = [chatbot, records, question]
        question.submit(handlers.respond, ask_inputs, ask_outputs, api_name="ask")
        send.click(handlers.respond, ask_inputs, ask_outputs, api_visibility="private")
        chatbot.example_select(
            handlers.pick_example, None, question, api_visibility="private"
        ).then(handlers.respond, ask_inputs, ask_outputs, api_visibility="private")
        reset_outputs = [
            chatbot,
            records,
            question,
            feedback_target,
            comment_row,
            comment,
            feedback_status,
        ]
        clear.click(handlers.new_conversation, None, reset_outputs, api_visibility="private")
        chatbot.clear(handlers.new_conversation, None, reset_outputs, api_visibility="private")
        chatbot.like(
            handlers.on_like,
            [records],
            [records, feedback_target, comment_row, feedback_status],
            api_visibility="private",
        )
        comment_submit_args: dict[str, Any] = {
            "fn": handlers.on_comment,
            "inputs": [comment, feedback_target],
            "outputs": [comment, feedback_status],
            "api_visibility": "private",
        }
        comment.submit(**comment_submit_args)
        comment_send.click(**comment_submit_args)
        demo.load(handlers.refresh_filters, None, [document, kind, year], api_visibility="private")

        if staff:
            upload_btn.click(
                handlers.upload, [upload_file], [upload_status, doc_table], api_visibility="private"
            )
            refresh_docs.click(handlers.document_rows, None, doc_table, api_visibility="private")
            refresh_unanswered.click(
                handlers.unanswered_rows, None, unanswered_table, api_visibility="private"
            )
            export_csv.click(
                lambda: handlers.export_feedback("csv"), None, export_file, api_visibility="private"
            )
            export_jsonl.click(
                lambda: handlers.export_feedback("jsonl"),
                None,
                export_file,
                api_visibility="private",
            )
            export_unanswered.click(
                lambda: handlers.export_feedback("csv", "unanswered"),
                None,
                export_file,
                api_visibility="private",
            )
            demo.load(handlers.unanswered_rows, None, unanswered_table, api_visibility="private")
    return demo


# --- the JSON API ------------------------------------------------------------------------------
def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=dict(headers or {}))


def parse_api_payload(
    payload: Any, max_chars: int
) -> tuple[str, list[Turn], SearchFilters | None] | str:
    """(question, history, filters) from a request body, or a message saying what is wrong."""
    if not isinstance(payload, Mapping):
        return "Forventet et JSON-objekt med feltet «question»."
    question = payload.get("question")
    if not isinstance(question, str) or not question.strip():
        return "Feltet «question» må være en tekst som ikke er tom."
    if len(question.strip()) > max_chars:
        return too_long_message(len(question.strip()), max_chars)
    raw_history = payload.get("history") or []
    if not isinstance(raw_history, list):
        return "Feltet «history» må være en liste med {role, content}."
    history: list[Turn] = []
    for item in raw_history:
        if (
            not isinstance(item, Mapping)
            or item.get("role") not in ("user", "assistant")
            or not isinstance(item.get("content"), str)
        ):
            return "Hvert element i «history» må ha role (user/assistant) og content (tekst)."
        history.append(Turn(item["role"], item["content"]))
    raw_filters = payload.get("filters")
    if raw_filters is not None and not isinstance(raw_filters, Mapping):
        return 'Feltet «filters» må være et objekt, f.eks. {"year": 2024}.'
    try:
        filters = SearchFilters.from_mapping(raw_filters) if raw_filters else None
    except (TypeError, ValueError):
        return "Ugyldige filtre: «year» må være et årstall."
    if filters is not None and filters.empty:
        filters = None
    return question.strip(), history[-MAX_HISTORY_TURNS:], filters


def _basic_auth_ok(request: Request, username: str, password: str) -> bool:
    import base64

    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return False
    try:
        decoded = base64.b64decode(header[6:]).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    user, _, pw = decoded.partition(":")
    return secrets.compare_digest(user, username) and secrets.compare_digest(pw, password)


def add_api_routes(app: FastAPI, handlers: ChatHandlers, settings: Settings) -> None:
    slots = threading.BoundedSemaphore(max(1, settings.concurrency_limit))
    credentials = staff_credentials(settings) if settings.mode == "staff" else None

    def ask_blocking(question: str, history: list[Turn], filters: SearchFilters | None) -> Any:
        if not slots.acquire(timeout=API_SLOT_WAIT_S):
            return None
        try:
            return handlers.service.ask(question, history, filters)
        finally:
            slots.release()

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "mode": settings.mode}

    @app.post("/api/ask")
    async def api_ask(request: Request) -> JSONResponse:
        if credentials is not None and not _basic_auth_ok(request, *credentials):
            return _error(401, "Innlogging kreves.", {"WWW-Authenticate": 'Basic realm="asker"'})
        try:
            payload = await request.json()
        except ValueError:
            return _error(400, "Forespørselen må være gyldig JSON.")
        parsed = parse_api_payload(payload, settings.max_question_chars)
        if isinstance(parsed, str):
            return _error(400, parsed)
        question, history, filters = parsed
        decision = handlers.rate_check(client_key(request))
        if not decision.allowed:
            return _error(
                429,
                rate_limit_message(decision),
                {"Retry-After": str(decision.retry_after_whole_s)},
            )
        try:
            answer = await run_in_threadpool(ask_blocking, question, history, filters)
        except Exception:
            log.exception("POST /api/ask failed")
            return _error(500, MSG_ERROR)
        if answer is None:
            return _error(503, MSG_BUSY)
        data = _answer_dict(answer)
        handlers.record_refusal(question, data)
        return JSONResponse(data)


# --- assembly ----------------------------------------------------------------------------------
def staff_credentials(settings: Settings) -> tuple[str, str]:
    """The staff login; raises ValueError when staff mode has none configured."""
    user = (settings.staff_username or "").strip()
    password = settings.staff_password.get_secret_value() if settings.staff_password else ""
    if not user or not password:
        raise ValueError(
            "Staff mode needs credentials: set ASKER_STAFF_USERNAME and ASKER_STAFF_PASSWORD."
        )
    return user, password


def build_app(
    service: ChatService,
    settings: Settings,
    *,
    feedback: FeedbackStore | None = None,
    limiter: SlidingWindowLimiter | None = None,
) -> tuple[FastAPI, gr.Blocks]:
    """The FastAPI app (``/api/ask`` + the page at ``/``) and the Gradio Blocks inside it."""
    auth = staff_credentials(settings) if settings.mode == "staff" else None
    feedback = feedback or FeedbackStore(settings.feedback_db)
    limiter = limiter or SlidingWindowLimiter(settings.rate_limit_per_minute, 60.0)
    jobs = (
        IngestJobs(service, settings.data_dir / "uploads", settings.max_file_mb)
        if settings.mode == "staff"
        else None
    )
    handlers = ChatHandlers(service, settings, feedback, limiter, jobs)
    demo = build_blocks(handlers, settings)
    demo.queue(
        default_concurrency_limit=max(1, settings.concurrency_limit),
        max_size=max(16, settings.concurrency_limit * 16),
    )
    app = FastAPI(title="Asker-assistenten", docs_url=None, redoc_url=None, openapi_url=None)
    add_api_routes(app, handlers, settings)
    app.state.handlers = handlers
    app = gr.mount_gradio_app(
        app,
        demo,
        path="/",
        auth=auth,
        auth_message="Logg inn med ansattbrukeren." if auth else None,
        footer_links=[],
        run_history=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        theme=gr.themes.Default(
            font=["system-ui", "Segoe UI", "Roboto", "Arial", "sans-serif"],
            font_mono=["ui-monospace", "Consolas", "monospace"],
        ),
        css=CSS,
        head=HEAD_JS,
        max_file_size=f"{int(settings.max_file_mb)}mb" if auth else "1mb",
    )
    return app, demo


def ensure_index_if_possible(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Build the index when it is missing (``ingest.pipeline.ensure_index``), if that exists."""
    try:
        from ingest.pipeline import ensure_index  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        echo("ingest.pipeline.ensure_index is not available; using the index as it is.")
        return
    ensure_index(settings)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Chat-assistent for Asker kommunes dokumenter.")
    parser.add_argument("--host", default=None, help="Address to listen on (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=None, help="Port (default 7860).")
    parser.add_argument("--mode", choices=["public", "staff"], default=None)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings(host=args.host, port=args.port, mode=args.mode)
    if settings.mode == "staff":
        try:
            staff_credentials(settings)
        except ValueError as exc:
            print(f"error: {exc}")
            return 2
    ensure_index_if_possible(settings)
    from assistant.service import AssistantService

    service = AssistantService(settings)
    print("Warming up the assistant …", flush=True)
    service.warm_up()
    app, _ = build_app(service, settings)
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    print(f"Asker-assistenten ({settings.mode}): http://{shown_host}:{settings.port}/", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

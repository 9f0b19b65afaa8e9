"""The chat page's event handlers, as plain methods so that tests can call them directly.

The chat streams: first what the assistant is doing (the service's ``stage`` events), then the
answer's text as it comes, then the finished answer with its sources and action bar. A stop
button cancels the event; closing the generator closes the service's stream too, so the work
behind it stops at its next step. Ratings and comments come from the buttons inside answers
through a bridge component (:mod:`web.layout`); filters show as removable chips.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.documents import CorpusFiles
from assistant.types import StreamEvent, TimeBudgetExceeded, Turn
from vectorstore.settings import Settings
from vectorstore.types import SearchFilters
from web.feedback import MAX_COMMENT_CHARS, FeedbackStore
from web.identity import rate_key
from web.panels import FilterChip, document_summary, render_chips, render_coverage
from web.ratelimit import RateDecision, SlidingWindowLimiter, rate_limit_message
from web.refusal import RefusalContext, closest_sources
from web.rendering import (
    render_answer,
    render_message,
    render_stage,
    render_stopped,
    render_streaming,
    render_user_message,
)
from web.service import ChatService, DocumentEntry, IngestQueue, SourceLibrary, list_documents
from web.sources import enrich
from web.staff import StaffTools, StaffUpdate
from web.throttle import AnswerGate, busy_message, too_slow_message
from web.validation import AskRequest, Invalid, Limits, page_history, validate_ask

log = logging.getLogger(__name__)

MSG_ERROR = "Beklager, noe gikk galt da svaret skulle lages. Prøv igjen om litt."
#: Shown until the service says what it is doing (older services say nothing).
FIRST_STAGE = "Søker i dokumentene …"
THANKS = {"no": "Takk for tilbakemeldingen!", "en": "Thank you for the feedback!"}
THANKS_COMMENT = {"no": "Takk! Kommentaren er lagret.", "en": "Thank you! The comment is saved."}
MSG_NO_ANSWER = "Fant ikke svaret du vurderte. Still spørsmålet på nytt."
#: The filter dropdowns, in the order events pass them, with the chip label of each.
FILTER_KEYS = (("document", "Dokument"), ("kind", "Type"), ("year", "År"))

#: What the chat handler yields: (chat messages, records, textbox value).
ChatState = tuple[list[dict[str, Any]], list[dict[str, Any]], str]


def client_key(request: Any) -> str:
    """The client a request came from (its address, an IPv6 address's /64; see
    :mod:`web.identity`); "unknown" when there is none."""
    client = getattr(request, "client", None)
    host = getattr(client, "host", None)
    return rate_key(str(host)) if host else "unknown"


def turns_from_records(records: Sequence[Mapping[str, Any]]) -> list[Turn]:
    """The conversation so far (question, answer, question, ...) from the page's records."""
    turns: list[Turn] = []
    for record in records:
        answer = record.get("answer")
        if not isinstance(answer, Mapping):
            continue
        turns.append(Turn("user", str(record.get("question") or "")))
        turns.append(Turn("assistant", str(answer.get("answer") or "")))
    return turns


def page_filters(document: Any, kind: Any, year: Any) -> dict[str, Any]:
    """The filter dropdowns as a filters mapping; an unreadable year is left out."""
    mapping: dict[str, Any] = {}
    if document not in (None, ""):
        mapping["document"] = document
    if kind not in (None, ""):
        mapping["kind"] = kind
    if year not in (None, ""):
        with contextlib.suppress(TypeError, ValueError):
            mapping["year"] = int(year)
    return mapping


def filters_from_inputs(document: Any, kind: Any, year: Any) -> SearchFilters | None:
    filters = SearchFilters.from_mapping(page_filters(document, kind, year))
    return None if filters.empty else filters


def _shown(text: str, limit: int) -> str:
    """A question as the chat shows it back: writable as UTF-8, and not endlessly long."""
    safe = text.encode("utf-8", "replace").decode("utf-8")
    return safe if len(safe) <= limit else safe[:limit] + " …"


def _notice(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": render_message(text)}


def _bot(html: str) -> dict[str, Any]:
    return {"role": "assistant", "content": html}


def _close(stream: Iterator[StreamEvent]) -> None:
    """Stop the service's work behind a stream that will not be read to its end."""
    if isinstance(stream, Generator):
        stream.close()


@dataclass(frozen=True)
class FeedbackAction:
    """What a rating or comment button sent: the answer (its prefix) and the rating or text."""

    action: str
    answer: str
    rating: int | None = None
    comment: str = ""

    @classmethod
    def parse(cls, value: Any) -> FeedbackAction | None:
        if not isinstance(value, Mapping) or not isinstance(value.get("answer"), str):
            return None
        action = str(value.get("action") or "")
        rating = value.get("rating")
        if action == "rate" and rating in (1, -1):
            return cls("rate", value["answer"], rating=int(rating))
        comment = value.get("comment")
        if action == "comment" and isinstance(comment, str) and comment.strip():
            return cls("comment", value["answer"], comment=comment.strip()[:MAX_COMMENT_CHARS])
        return None


class ChatHandlers:
    """The page's event handlers: chat, stop, feedback, filters, and (delegated) staff tools."""

    def __init__(
        self,
        service: ChatService,
        settings: Settings,
        feedback: FeedbackStore,
        limiter: SlidingWindowLimiter,
        jobs: IngestQueue | None = None,
        gate: AnswerGate | None = None,
        library: SourceLibrary | None = None,
    ) -> None:
        self.service = service
        #: The answering slots, shared with the API (web.throttle).
        self.gate = gate if gate is not None else AnswerGate.from_settings(settings)
        self.settings = settings
        self.limits = Limits.from_settings(settings)
        self.feedback = feedback
        self.limiter = limiter
        self.jobs = jobs
        self.library: SourceLibrary = library or CorpusFiles(settings.corpus_dir)
        self.staff = StaffTools(service, feedback, jobs, self.documents)

    def documents(self) -> list[DocumentEntry]:
        """The indexed documents, with the corpus's period, origin and file."""
        return list_documents(self.service, self.library)

    def rate_check(self, key: str) -> RateDecision:
        return self.limiter.hit(key)

    def record_refusal(self, question: str, answer: Mapping[str, Any]) -> None:
        """Store a refused question word for word, with the closest passages found."""
        if not answer.get("refused"):
            return
        closest = [
            {
                "n": s.n,
                "chunk_id": s.chunk_id,
                "doc_id": s.doc_id,
                "title": s.title,
                "page": s.page,
                "section": s.section,
                "supporting_sentence": s.sentence,
            }
            for s in closest_sources(answer)
        ]
        try:
            self.feedback.log_unanswered(question, closest)
        except Exception:
            log.exception("could not log an unanswered question")

    # --- chat -----------------------------------------------------------------------------------
    def check(
        self,
        message: Any,
        records: Sequence[Mapping[str, Any]],
        document: Any,
        kind: Any,
        year: Any,
    ) -> AskRequest | Invalid:
        """The page's request, through the same validator as the API's."""
        history = page_history(turns_from_records(records), self.limits)
        return validate_ask(message, history, page_filters(document, kind, year), self.limits)

    def respond(
        self,
        message: str,
        history: list[dict[str, Any]] | None,
        document: str | None,
        kind: str | None,
        year: str | None,
        records: list[dict[str, Any]] | None,
        request: gr.Request,
    ) -> Iterator[ChatState]:
        """Stream an answer into the chat. Yields (chat messages, records, textbox value)."""
        chat = list(history or [])
        recs = list(records or [])
        checked = self.check(message, recs, document, kind, year)
        if isinstance(checked, Invalid):
            yield from self._refuse(checked, message, chat, recs)
            return
        decision = self.rate_check(client_key(request))
        if not decision.allowed:
            chat.append({"role": "user", "content": render_user_message(checked.question)})
            chat.append(_notice(rate_limit_message(decision)))
            yield list(chat), list(recs), message
            return
        context = self.refusal_context(document, kind, year)
        with self.gate.slot() as admitted:
            if not admitted:
                self.limiter.refund(client_key(request))  # a busy answer does not count
                chat.append({"role": "user", "content": render_user_message(checked.question)})
                chat.append(_notice(busy_message(self.gate.retry_after_s)))
                yield list(chat), list(recs), message
                return
            yield from self._answer(checked, chat, recs, context)

    def _refuse(
        self, problem: Invalid, message: Any, chat: list[dict[str, Any]], recs: list[dict[str, Any]]
    ) -> Iterator[ChatState]:
        """Nothing for an empty question; else the question and what is wrong with it (the text
        stays in the box so that it can be corrected)."""
        text = message if isinstance(message, str) else ""
        if problem.reason == "empty":
            yield list(chat), list(recs), text
            return
        shown = _shown(text.strip(), self.limits.max_question_chars)
        chat.append({"role": "user", "content": render_user_message(shown)})
        chat.append(_notice(problem.message))
        yield list(chat), list(recs), text if problem.reason != "bad_text" else shown

    def _stream(
        self, request: AskRequest, chat: list[dict[str, Any]], recs: list[dict[str, Any]]
    ) -> Generator[ChatState, None, dict[str, Any] | str]:
        """Show the stages, then the text as it streams; returns the final answer, or the
        message to show instead when there is none."""
        text = ""
        stream: Iterator[StreamEvent] = iter(())
        try:
            stream = self.service.ask_stream(request.question, request.history, request.filters)
            for event in stream:
                if event.kind == "stage" and event.text and not text:
                    chat[-1] = _bot(render_stage(event.text))
                    yield list(chat), list(recs), ""
                elif event.kind == "delta" and event.text:
                    text += event.text
                    chat[-1] = _bot(render_streaming(text))
                    yield list(chat), list(recs), ""
                elif event.kind == "answer" and event.answer is not None:
                    return event.answer.to_dict()
        except TimeBudgetExceeded:
            log.warning("a question was stopped by the time budget")
            return too_slow_message(self.gate.retry_after_s)
        except Exception:
            log.exception("answering failed for a question")
        finally:
            _close(stream)
        return MSG_ERROR

    def _answer(
        self,
        request: AskRequest,
        chat: list[dict[str, Any]],
        recs: list[dict[str, Any]],
        context: RefusalContext,
    ) -> Iterator[ChatState]:
        chat.append({"role": "user", "content": render_user_message(request.question)})
        chat.append(_bot(render_stage(FIRST_STAGE)))
        yield list(chat), list(recs), ""
        final = yield from self._stream(request, chat, recs)
        if isinstance(final, str):
            chat[-1] = _notice(final)
            yield list(chat), list(recs), ""
            return
        prefix = f"{len(recs) + 1}-{uuid.uuid4().hex[:6]}"
        shown = enrich(self.service, final, self.documents())
        chat[-1] = _bot(render_answer(shown, prefix, context))
        # Kept in the session for follow-ups and feedback; the retrieved passages are not needed.
        stored = {key: value for key, value in final.items() if key != "retrieved"}
        recs.append(
            {
                "question": request.question,
                "answer": stored,
                "bot_index": len(chat) - 1,
                "prefix": prefix,
                "feedback_id": None,
            }
        )
        self.record_refusal(request.question, final)
        yield list(chat), list(recs), ""

    @staticmethod
    def stop(history: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
        """The chat after the stop button: the answer being written is marked as stopped."""
        chat = list(history or [])
        if chat and chat[-1].get("role") == "assistant":
            content = str(chat[-1].get("content") or "")
            if "asker-streaming" in content:
                chat[-1] = _bot(render_stopped(content))
        return chat

    def new_conversation(self) -> tuple[list[Any], list[Any], str, str, str, str, str]:
        """Empty chat, records and question box; every filter off (and no chips)."""
        return [], [], "", "", "", "", ""

    @staticmethod
    def pick_question(evt: gr.SelectData) -> str:
        """The question of an example or suggestion button (through the ask bridge)."""
        value = evt.value
        if isinstance(value, Mapping):
            return str(value.get("text") or "")
        return str(value or "")

    # --- feedback -------------------------------------------------------------------------------
    def on_feedback(
        self, records: list[dict[str, Any]] | None, evt: gr.SelectData
    ) -> tuple[list[dict[str, Any]], str]:
        """A rating or comment from an answer's buttons. Returns (records, reply for the page:
        JSON with the answer's prefix and the message to show at it)."""
        recs = list(records or [])
        action = FeedbackAction.parse(evt.value)
        if action is None:
            return recs, ""
        index = next((i for i, r in enumerate(recs) if r.get("prefix") == action.answer), None)
        if index is None:
            return recs, json.dumps({"answer": action.answer, "message": MSG_NO_ANSWER})
        record = recs[index]
        language = "en" if record["answer"].get("language") == "en" else "no"
        if action.action == "rate" and action.rating is not None:
            previous = str(recs[index - 1].get("question") or "") if index > 0 else ""
            self.rate_answer(record, action.rating, previous_question=previous)
            message, saved = THANKS[language], False
        elif isinstance(record.get("feedback_id"), int):
            self.feedback.update_feedback(int(record["feedback_id"]), comment=action.comment)
            message, saved = THANKS_COMMENT[language], True
        else:
            message, saved = "Gi tommel opp eller ned på svaret først.", False
        reply = {"answer": action.answer, "message": message, "comment_saved": saved}
        return recs, json.dumps(reply, ensure_ascii=False)

    def rate_answer(
        self, record: dict[str, Any], rating: int, comment: str = "", previous_question: str = ""
    ) -> int:
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
            previous_question=previous_question,
            certainty=str(answer.get("certainty") or ""),
        )
        record["feedback_id"] = feedback_id
        return feedback_id

    # --- filters and the coverage panel ---------------------------------------------------------
    def filter_choices(
        self,
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
        docs = self.documents()
        doc_choices = [("Alle dokumenter", "")] + [(d.title, d.doc_id) for d in docs]
        kinds = sorted({d.kind for d in docs if d.kind})
        kind_choices = [("Alle typer", "")] + [(k[:1].upper() + k[1:], k) for k in kinds]
        years = sorted({d.year for d in docs if d.year}, reverse=True)
        year_choices = [("Alle år", "")] + [(str(y), str(y)) for y in years]
        return doc_choices, kind_choices, year_choices

    def refresh_filters(self) -> tuple[Any, Any, Any]:
        docs, kinds, years = self.filter_choices()
        return gr.update(choices=docs), gr.update(choices=kinds), gr.update(choices=years)

    def coverage(self) -> str:
        """The "Dette kan du spørre om" panel, from the documents indexed now."""
        return render_coverage(self.documents())

    def refresh_page(self) -> tuple[Any, Any, Any, str]:
        """The filters' choices and the coverage panel, from the documents indexed now."""
        return (*self.refresh_filters(), self.coverage())

    def active_filters(self, document: Any, kind: Any, year: Any) -> list[FilterChip]:
        """The filters that are on, with the words the dropdowns show for them."""
        values = {"document": document, "kind": kind, "year": year}
        shown = dict(zip(("document", "kind", "year"), self.filter_choices(), strict=True))
        chips = []
        for key, label in FILTER_KEYS:
            value = values[key]
            if value in (None, ""):
                continue
            text = next((t for t, v in shown[key] if str(v) == str(value)), str(value))
            chips.append(FilterChip(key, label, text))
        return chips

    def chips(self, document: Any, kind: Any, year: Any) -> str:
        return render_chips(self.active_filters(document, kind, year))

    def remove_filter(
        self, document: Any, kind: Any, year: Any, evt: gr.SelectData
    ) -> tuple[Any, Any, Any, str]:
        """A chip's × was pressed: that filter off. Returns (document, kind, year, chips)."""
        values = {"document": document, "kind": kind, "year": year}
        if evt.value in values:
            values[str(evt.value)] = ""
        return values["document"], values["kind"], values["year"], self.chips(**values)

    def refusal_context(self, document: Any, kind: Any, year: Any) -> RefusalContext:
        chips = self.active_filters(document, kind, year)
        filters = tuple(f"{c.label.lower()} {c.value}" for c in chips)
        documents = tuple(document_summary(d) for d in self.documents())
        return RefusalContext(filters=filters, documents=documents)

    # --- staff (see web.staff) ------------------------------------------------------------------
    def document_rows(self) -> list[list[Any]]:
        return self.staff.document_rows()

    def _staff_change(self, updates: Iterator[StaffUpdate]) -> Iterator[tuple[Any, ...]]:
        """(status, document rows, document choices, the chat's three filters, coverage):
        the chat tab is updated once, when the change is done."""
        for status, rows, done in updates:
            if not done:
                yield (status, rows, *(gr.skip() for _ in range(5)))
                continue
            choices = gr.update(choices=self.staff.document_choices(), value=None)
            yield (status, rows, choices, *self.refresh_page())

    def add_document(
        self, file: Any, title: Any, kind: Any, year: Any, period: Any = ""
    ) -> Iterator[tuple[Any, ...]]:
        # Generators themselves (not ones returned): Gradio streams only generator functions.
        yield from self._staff_change(self.staff.add(file, title, kind, year, period))

    def replace_document(
        self, doc_id: Any, file: Any, title: Any, kind: Any, year: Any, period: Any = ""
    ) -> Iterator[tuple[Any, ...]]:
        yield from self._staff_change(self.staff.replace(doc_id, file, title, kind, year, period))

    def delete_document(self, doc_id: Any, confirmed: bool) -> Iterator[tuple[Any, ...]]:
        yield from self._staff_change(self.staff.delete(doc_id, confirmed))

    def unanswered_rows(self) -> list[list[Any]]:
        return self.staff.unanswered_rows()

    def mark_handled(self, key: Any) -> tuple[list[list[Any]], Any, str]:
        message = self.staff.mark_handled(key)
        choices = gr.update(choices=self.staff.unanswered_choices(), value=None)
        return self.staff.unanswered_rows(), choices, message

    def staff_lists(self) -> tuple[list[list[Any]], list[list[Any]], Any, list[list[Any]]]:
        """The documents, unanswered questions (and their choices) and feedback, as now."""
        choices = gr.update(choices=self.staff.unanswered_choices())
        return (
            self.staff.document_rows(),
            self.staff.unanswered_rows(),
            choices,
            self.staff.feedback_rows(),
        )

    def export_feedback(self, fmt: str, table: str = "feedback") -> str:
        return self.staff.export_feedback(fmt, table)

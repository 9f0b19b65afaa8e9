"""The chat page's event handlers, as plain methods so that tests can call them directly."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import gradio as gr

from assistant.types import TimeBudgetExceeded, Turn
from vectorstore.settings import Settings
from vectorstore.types import Chunk, SearchFilters
from web.feedback import FeedbackStore
from web.identity import rate_key
from web.ratelimit import RateDecision, SlidingWindowLimiter, rate_limit_message
from web.rendering import render_answer, render_message, render_streaming, render_user_message
from web.service import ChatService, IngestQueue, list_documents
from web.staff import StaffTools
from web.throttle import AnswerGate, busy_message, too_slow_message
from web.validation import AskRequest, Invalid, Limits, page_history, validate_ask

log = logging.getLogger(__name__)

#: Characters of the neighbouring passages shown around a source ("Vis teksten rundt").
CONTEXT_CHARS = 1200

MSG_ERROR = "Beklager, noe gikk galt da svaret skulle lages. Prøv igjen om litt."
MSG_THANKS = "Takk for tilbakemeldingen!"
MSG_THANKS_COMMENT = "Takk! Kommentaren er lagret."

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


def _text_of(chunk: Chunk | None) -> str:
    return chunk.text if chunk is not None else ""


def with_context(service: ChatService, answer: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``answer`` whose citations carry the passages before and after them."""
    citations = answer.get("citations") or []
    if not citations:
        return answer
    enriched = []
    for citation in citations:
        item = dict(citation)
        try:
            before, after = service.neighbours(str(citation.get("chunk_id") or ""))
        except Exception:
            log.exception("neighbours() failed")
            before = after = None
        item["context_before"] = _tail(_text_of(before), CONTEXT_CHARS)
        item["context_after"] = _head(_text_of(after), CONTEXT_CHARS)
        enriched.append(item)
    return {**answer, "citations": enriched}


def _shown(text: str, limit: int) -> str:
    """A question as the chat shows it back: writable as UTF-8, and not endlessly long."""
    safe = text.encode("utf-8", "replace").decode("utf-8")
    return safe if len(safe) <= limit else safe[:limit] + " …"


def _notice(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": render_message(text)}


class ChatHandlers:
    """The page's event handlers: chat, feedback, filters, and (delegated) the staff tools."""

    def __init__(
        self,
        service: ChatService,
        settings: Settings,
        feedback: FeedbackStore,
        limiter: SlidingWindowLimiter,
        jobs: IngestQueue | None = None,
        gate: AnswerGate | None = None,
    ) -> None:
        self.service = service
        #: The answering slots, shared with the API (web.throttle).
        self.gate = gate if gate is not None else AnswerGate.from_settings(settings)
        self.settings = settings
        self.limits = Limits.from_settings(settings)
        self.feedback = feedback
        self.limiter = limiter
        self.jobs = jobs
        self.staff = StaffTools(service, feedback, jobs)

    def rate_check(self, key: str) -> RateDecision:
        return self.limiter.hit(key)

    def record_refusal(self, question: str, answer: Mapping[str, Any]) -> None:
        if answer.get("refused"):
            try:
                self.feedback.log_unanswered(question)
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
        with self.gate.slot() as admitted:
            if not admitted:
                self.limiter.refund(client_key(request))  # a busy answer does not count
                chat.append({"role": "user", "content": render_user_message(checked.question)})
                chat.append(_notice(busy_message(self.gate.retry_after_s)))
                yield list(chat), list(recs), message
                return
            yield from self._answer(checked, chat, recs)

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

    def _answer(
        self, request: AskRequest, chat: list[dict[str, Any]], recs: list[dict[str, Any]]
    ) -> Iterator[ChatState]:
        chat.append({"role": "user", "content": render_user_message(request.question)})
        chat.append({"role": "assistant", "content": render_streaming("…")})
        yield list(chat), list(recs), ""
        text = ""
        final: dict[str, Any] | None = None
        failure = MSG_ERROR
        try:
            for event in self.service.ask_stream(
                request.question, request.history, request.filters
            ):
                if event.kind == "delta" and event.text:
                    text += event.text
                    chat[-1] = {"role": "assistant", "content": render_streaming(text)}
                    yield list(chat), list(recs), ""
                elif event.kind == "answer" and event.answer is not None:
                    final = event.answer.to_dict()
        except TimeBudgetExceeded:
            log.warning("a question was stopped by the time budget")
            final, failure = None, too_slow_message(self.gate.retry_after_s)
        except Exception:
            log.exception("answering failed for a question")
            final = None
        if final is None:
            chat[-1] = _notice(failure)
            yield list(chat), list(recs), ""
            return
        prefix = f"{len(recs) + 1}-{uuid.uuid4().hex[:6]}"
        rendered = render_answer(with_context(self.service, final), prefix)
        chat[-1] = {"role": "assistant", "content": rendered}
        # Kept in the session for follow-ups and feedback; the retrieved passages are not needed.
        stored = {key: value for key, value in final.items() if key != "retrieved"}
        recs.append(
            {
                "question": request.question,
                "answer": stored,
                "bot_index": len(chat) - 1,
                "feedback_id": None,
            }
        )
        self.record_refusal(request.question, final)
        yield list(chat), list(recs), ""

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
        docs = list_documents(self.service)
        doc_choices = [("Alle dokumenter", "")] + [(d.title, d.doc_id) for d in docs]
        kinds = sorted({d.kind for d in docs if d.kind})
        kind_choices = [("Alle typer", "")] + [(k[:1].upper() + k[1:], k) for k in kinds]
        years = sorted({d.year for d in docs if d.year}, reverse=True)
        year_choices = [("Alle år", "")] + [(str(y), str(y)) for y in years]
        return doc_choices, kind_choices, year_choices

    def refresh_filters(self) -> tuple[Any, Any, Any]:
        docs, kinds, years = self.filter_choices()
        return gr.update(choices=docs), gr.update(choices=kinds), gr.update(choices=years)

    # --- staff (see web.staff) ------------------------------------------------------------------
    def document_rows(self) -> list[list[Any]]:
        return self.staff.document_rows()

    def upload(self, file: Any) -> Iterator[tuple[str, list[list[Any]]]]:
        # A generator itself (not one returned): Gradio streams only generator functions.
        yield from self.staff.upload(file)

    def unanswered_rows(self) -> list[list[Any]]:
        return self.staff.unanswered_rows()

    def export_feedback(self, fmt: str, table: str = "feedback") -> str:
        return self.staff.export_feedback(fmt, table)

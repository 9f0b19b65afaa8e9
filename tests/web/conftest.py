"""Fixtures for the app tests: a scripted fake service (fakes live only here) and settings.

The fake follows the answer contract of ``assistant/types.py``: ``stage`` events before the
first ``delta``, the closest passages (with their best sentence) on a refusal, a table citation
with the ``value`` and ``value_year`` it used, and reader confidence.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from assistant.documents import DocumentAdmin, Progress
from assistant.service import StreamEvent
from assistant.types import Answer, Citation, Turn
from vectorstore.settings import Settings, load_settings
from vectorstore.types import Chunk, ChunkType, SearchFilters, SearchHit
from web.feedback import FeedbackStore
from web.ratelimit import SlidingWindowLimiter

#: Text of a document passage that tries to run script; the page must show it as text.
HOSTILE_PASSAGE = (
    "Kommunestyret vedtok planen 15. juni 2021. "
    "<img src=x onerror=alert('dokument')><script>alert('dokument')</script> "
    "Planen gjelder fram til 2030."
)

#: Longest a gated fake waits for its test to open the gate (a failing test still ends).
GATE_TIMEOUT_S = 60.0

BENIGN_PASSAGE = "Kommunestyret vedtok planen 15. juni 2021. Planen gjelder fram til 2030."

KLIMA_TEXT = (
    "Handling mot klimaendringene er ett av kommunens seks prioriterte mål, og temaplanen viser "
    "hvordan kommunen, innbyggerne og næringslivet skal jobbe sammen om det. Planen bygger på "
    "kommuneplanen og på FNs bærekraftsmål, og den følges opp i handlingsprogrammet hvert år. "
    "Mye skal skje fram mot 2030. Innen da har FN som mål å stoppe klimaendringene. "
    "Innen den tid skal Asker redusere klimagassutslippene med 67 prosent sammenlignet "
    "med 2009. For å klare det krever det at alle bidrar, og små endringer i hverdagen har "
    "stor effekt. Kommunen skal gå foran med fossilfrie bygg og anlegg, utslippsfrie "
    "kjøretøy og klimavennlige innkjøp, og den skal gjøre det lett for innbyggerne å velge "
    "klimavennlig. Utslippene måles hvert år i et klimaregnskap som legges fram for "
    "kommunestyret sammen med årsrapporten."
)

#: A table passage as PDF-to-text gives it: the 2024 value (8,0 %) also stands in 2022's column.
SICK_LEAVE_TABLE = (
    "Sykefravær i prosent 2021 2022 2023 2024\n"
    "Sykefravær totalt 8,1 % 8,0 % 8,4 % 8,0 %\n"
    "Korttidsfravær 1,9 % 2,1 % 2,0 % 1,8 %\n"
    "Langtidsfravær 6,2 % 5,9 % 6,4 % 6,2 %"
)
SICK_LEAVE_SENTENCE = "Sykefravær totalt 8,1 % 8,0 % 8,4 % 8,0 %"
SICK_LEAVE_PAGE = 34

#: What the fake says it is doing before it writes, in the question's language.
STAGES = {
    "no": ("Søker i dokumentene …", "Leser kildene …", "Skriver svar …"),
    "en": ("Searching the documents …", "Reading the sources …", "Writing the answer …"),
}
REFUSAL_NO = "Jeg finner ikke dette i dokumentene."

DOCUMENTS: list[dict[str, Any]] = [
    {
        "doc_id": "temaplan-klima",
        "title": "Temaplan for handling mot klimaendringene",
        "kind": "temaplan",
        "year": 2021,
        "chunks": 4,
        "file": "temaplan-klima.txt",
        "pages": 6,
    },
    {
        "doc_id": "arsrapport-2024",
        "title": "Årsrapport 2024 for Asker kommune",
        "kind": "årsrapport",
        "year": 2024,
        "chunks": 300,
        "file": "arsrapport-2024.pdf",
        "pages": 40,
    },
]


#: How the fake service reads a follow-up: the conversation's topic before it.
READ_AS_PREFIX = "Klimaplanen:"


def make_chunk(
    n: int,
    text: str,
    *,
    doc_id: str = "temaplan-klima",
    title: str = "Temaplan for handling mot klimaendringene",
    kind: str = "temaplan",
    year: int | None = 2021,
    page: int | None = 3,
    section: str = "Handling mot klimaendringene",
    chunk_type: ChunkType = "text",
) -> Chunk:
    return Chunk(
        id=f"{doc_id}:{page}:{n}:abc{n}",
        doc_id=doc_id,
        title=title,
        kind=kind,
        year=year,
        page=page,
        section=section,
        text=text,
        start=0,
        end=len(text),
        chunk_type=chunk_type,
    )


def sick_leave_chunk() -> Chunk:
    return make_chunk(
        7,
        SICK_LEAVE_TABLE,
        doc_id="arsrapport-2024",
        title="Årsrapport 2024 for Asker kommune",
        kind="årsrapport",
        year=2024,
        page=SICK_LEAVE_PAGE,
        section="Sykefravær",
        chunk_type="table",
    )


#: What the fake offers to ask instead of a refused question in a conversation.
OFFERED_QUESTION = "Hva koster klimaplanen (klimagassutslippene innen 2030)?"


class FakeService:
    """Deterministic stand-in for AssistantService.

    * questions containing "pizza" are refused, with the sick-leave table and the climate
      passage as the closest passages; in a conversation the refusal offers
      :data:`OFFERED_QUESTION` to ask instead;
    * questions containing "sykefravær" get an indicator series and cite the sick-leave table
      (value "8,0 %" of 2024, which also stands in 2022's column);
    * every other question gets a two-sentence answer citing [1] (a climate passage) and
      [2] (a passage whose text contains HTML that tries to run script when the question
      contains "<"), marked unsure, with the sick-leave table as where else the answer may
      stand (the sick-leave answer is sure).

    ``ask_stream`` says its three stages, then streams word by word (``delay_s`` apart). With
    ``gates``, it waits for ``gates[i]`` before word ``i`` (so a test sees the stages, or the
    first word, before the rest, without timing). ``closed``/``finished`` count streams closed
    early (the stop button) and read to the end.
    """

    def __init__(
        self, delay_s: float = 0.0, gates: dict[int, threading.Event] | None = None
    ) -> None:
        self.delay_s = delay_s
        self.gates = dict(gates or {})
        self.calls: list[dict[str, Any]] = []
        self.documents_list = [dict(d) for d in DOCUMENTS]
        self.ingested: list[Path] = []
        self.warmed = False
        self.refreshed = 0
        self.closed = 0
        self.finished = 0
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        self.refreshed += 1
        return False

    def sync_with_corpus(self, corpus_dir: Path) -> None:
        """Index = the corpus manifest (what a re-ingest would do), for staff tests."""
        import json

        data = json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
        with self._lock:
            self.documents_list = [
                {"doc_id": d["doc_id"], "title": d["title"], "kind": d["kind"],
                 "year": d.get("year"), "chunks": 1, "file": d["file"]}
                for d in data["documents"]
            ]  # fmt: skip

    def warm_up(self) -> None:
        self.warmed = True

    def neighbours(self, chunk_id: str) -> tuple[Chunk | None, Chunk | None]:
        """The passages around [1]'s chunk (none around the others)."""
        if chunk_id.endswith(":abc1"):
            return (
                make_chunk(0, "Teksten før kildeavsnittet. " * 3),
                make_chunk(9, "Teksten etter kildeavsnittet. " * 3),
            )
        return None, None

    def documents(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(d) for d in self.documents_list]

    def ingest_file(self, path: Path, progress_callback: Any = None) -> dict[str, Any]:
        for i in range(1, 5):
            if progress_callback is not None:
                progress_callback(i / 4, f"steg {i} av 4")
            time.sleep(0.01)
        doc = {
            "doc_id": Path(path).stem,
            "title": Path(path).stem,
            "kind": "opplastet",
            "year": None,
            "chunks": 1,
        }
        with self._lock:
            self.documents_list.append(doc)
            self.ingested.append(Path(path))
        return doc

    def _answer(
        self, question: str, history: Sequence[Turn], filters: SearchFilters | None
    ) -> Answer:
        self.calls.append({"question": question, "history": list(history), "filters": filters})
        language = "en" if question.lower().startswith(("how", "what", "when")) else "no"
        if "pizza" in question.lower():
            return self._refusal(question, language, offer=bool(history))
        c1 = make_chunk(1, KLIMA_TEXT)
        # Passage [2] carries markup that tries to run script when the question does (so the
        # escaping of documents is tested), and plain text otherwise.
        c2 = make_chunk(
            2, HOSTILE_PASSAGE if "<" in question else BENIGN_PASSAGE, page=1, section="Om planen"
        )
        citations = (
            Citation(
                1,
                c1,
                "Innen den tid skal Asker redusere klimagassutslippene med 67 "
                "prosent sammenlignet med 2009.",
            ),
            Citation(2, c2, "Kommunestyret vedtok planen 15. juni 2021."),
        )
        indicator = None
        text = (
            "Asker skal redusere klimagassutslippene med 67 prosent innen 2030, "
            "sammenlignet med 2009 [1]. Planen ble vedtatt i 2021 [2]."
        )
        if history:
            text = f"(Oppfølging) {text}"
        if "sykefravær" in question.lower():
            text = "Sykefraværet i Asker kommune var 8,0 prosent i 2024 [1]."
            citations = (
                Citation(1, sick_leave_chunk(), SICK_LEAVE_SENTENCE, value="8,0 %",
                         value_year=2024, confidence=0.93),
            )  # fmt: skip
            indicator = {
                "indicator": "Sykefravær",
                "unit": "prosent",
                "series": [
                    {"year": 2021, "value_text": "8,1 %", "value": 8.1},
                    {"year": 2022, "value_text": "8,9 %", "value": 8.9},
                    {"year": 2023, "value_text": "8,4 %", "value": 8.4},
                    {"year": 2024, "value_text": "8,0 %", "value": 8.0},
                ],
            }
        return Answer(
            question=question,
            answer=text,
            refused=False,
            answerer="extractive",
            citations=citations,
            retrieved=tuple(SearchHit(c.chunk, 1.0 / c.n) for c in citations),
            timings_ms={"total": 2.0},
            language=language,
            id="fake-1",
            indicator=indicator,
            certainty="sure" if indicator else "unsure",
            # where else an uncertain answer may stand
            closest=() if indicator else (Citation(1, sick_leave_chunk(), SICK_LEAVE_SENTENCE),),
            # a follow-up is answered as the question it stands for
            standalone_question=f"{READ_AS_PREFIX} {question}" if history else None,
        )

    def _refusal(self, question: str, language: Any, offer: bool = False) -> Answer:
        closest = (
            Citation(1, sick_leave_chunk(), SICK_LEAVE_SENTENCE, confidence=0.31),
            Citation(2, make_chunk(1, KLIMA_TEXT), "Mye skal skje fram mot 2030.", confidence=0.2),
        )
        return Answer(
            question=question,
            answer=f"{REFUSAL_NO} Nærmest kommer: Årsrapport 2024 for Asker kommune (s. 34).",
            refused=True,
            answerer="extractive",
            citations=(),
            retrieved=tuple(SearchHit(c.chunk, 0.1) for c in closest),
            timings_ms={"total": 1.0},
            language=language,
            closest=closest,
            suggested_question=OFFERED_QUESTION if offer else None,
        )

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer:
        return self._answer(question, history, filters)

    def ask_stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
    ) -> Iterator[StreamEvent]:
        answer = self._answer(question, history, filters)
        done = False
        try:
            for stage in STAGES[answer.language]:
                yield StreamEvent("stage", text=stage)
            for i, word in enumerate(answer.answer.split(" ")):
                if self.delay_s:
                    time.sleep(self.delay_s)
                if i in self.gates:
                    self.gates[i].wait(timeout=GATE_TIMEOUT_S)
                yield StreamEvent("delta", text=word if i == 0 else " " + word)
            done = True  # the answer is out; what follows its yield is only the close
            yield StreamEvent("answer", answer=answer)
        finally:
            with self._lock:
                if done:
                    self.finished += 1
                else:
                    self.closed += 1


#: The repository's corpus folder (its manifest names the fake's documents too).
REPO_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


class SyncingAdmin(DocumentAdmin):
    """Re-ingest = the fake service's index becomes the corpus manifest."""

    def __init__(self, settings: Settings, service: FakeService) -> None:
        super().__init__(settings)
        self.service = service

    def reindex(self, progress: Progress | None = None) -> object:
        if progress is not None:
            progress("lager vektorer", 0.5)
            progress("ferdig", 1.0)
        self.service.sync_with_corpus(self.corpus_dir)
        return None


@pytest.fixture
def fake_service() -> FakeService:
    return FakeService()


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data",
        rate_limit_per_minute=5,
        max_question_chars=200,
        concurrency_limit=2,
    )


@pytest.fixture
def staff_settings(tmp_path: Path) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data",
        mode="staff",
        staff_username="ansatt",
        staff_password="hemmelig-passord",
        rate_limit_per_minute=100,
    )


@pytest.fixture
def feedback_store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "fb.sqlite3")


@pytest.fixture
def limiter() -> SlidingWindowLimiter:
    return SlidingWindowLimiter(5, 60.0)


# --- a running server ----------------------------------------------------------------------------
class RunningApp:
    def __init__(
        self,
        url: str,
        service: Any,
        settings: Settings,
        fastapi_app: Any,
        server: Any,
        thread: threading.Thread,
    ) -> None:
        self.url = url
        self.service = service
        self.settings = settings
        self.fastapi_app = fastapi_app
        self.server = server
        self.thread = thread

    @property
    def handlers(self) -> Any:
        return (
            self.fastapi_app.state.handlers if hasattr(self.fastapi_app.state, "handlers") else None
        )

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=2)
        if self.thread.is_alive():  # open streaming connections (gradio_client) hold it up
            self.server.force_exit = True
            self.thread.join(timeout=5)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(
    service: Any,
    settings: Settings,
    feedback: FeedbackStore | None = None,
    admin: Any = None,
) -> RunningApp:
    """Serve build_app(service, settings) with uvicorn in a thread; wait until it answers."""
    import httpx
    import uvicorn

    import app as app_module

    port = free_port()
    extra = {"admin": admin} if admin is not None else {}
    fastapi_app, _ = app_module.build_app(service, settings, feedback=feedback, **extra)
    config = uvicorn.Config(
        fastapi_app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=1,
        proxy_headers=False,  # as app.main runs it: the client address is web.identity's
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    else:
        server.should_exit = True
        raise RuntimeError("the app did not start")
    return RunningApp(url, service, settings, fastapi_app, server, thread)

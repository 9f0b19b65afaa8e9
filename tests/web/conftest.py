"""Fixtures for the app tests: a scripted fake service (fakes live only here) and settings."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from assistant.service import StreamEvent
from assistant.types import Answer, Citation, Turn
from vectorstore.settings import Settings, load_settings
from vectorstore.types import Chunk, SearchFilters, SearchHit
from web.feedback import FeedbackStore
from web.ratelimit import SlidingWindowLimiter

#: Text of a document passage that tries to run script; the page must show it as text.
HOSTILE_PASSAGE = (
    "Kommunestyret vedtok planen 15. juni 2021. "
    "<img src=x onerror=alert('dokument')><script>alert('dokument')</script> "
    "Planen gjelder fram til 2030."
)

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

DOCUMENTS: list[dict[str, Any]] = [
    {
        "doc_id": "temaplan-klima",
        "title": "Temaplan for handling mot klimaendringene",
        "kind": "temaplan",
        "year": 2021,
        "chunks": 4,
    },
    {
        "doc_id": "arsrapport-2024",
        "title": "Årsrapport 2024 for Asker kommune",
        "kind": "årsrapport",
        "year": 2024,
        "chunks": 300,
    },
]


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
    )


class FakeService:
    """Deterministic stand-in for AssistantService.

    * questions containing "pizza" are refused (no sources);
    * questions containing "sykefravær" get an indicator series;
    * every other question gets a two-sentence answer citing [1] (a climate passage) and
      [2] (a passage whose text contains HTML that tries to run script when the question
      contains "<").
    """

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.calls: list[dict[str, Any]] = []
        self.documents_list = [dict(d) for d in DOCUMENTS]
        self.ingested: list[Path] = []
        self.warmed = False
        self._lock = threading.Lock()

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
            return Answer(
                question=question,
                answer="Jeg fant ikke svaret i dokumentene.",
                refused=True,
                answerer="extractive",
                citations=(),
                retrieved=(),
                timings_ms={"total": 1.0},
                language=language,
            )
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
        words = answer.answer.split(" ")
        for i, word in enumerate(words):
            if self.delay_s:
                time.sleep(self.delay_s)
            yield StreamEvent("delta", text=word if i == 0 else " " + word)
        yield StreamEvent("answer", answer=answer)


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
    service: Any, settings: Settings, feedback: FeedbackStore | None = None
) -> RunningApp:
    """Serve build_app(service, settings) with uvicorn in a thread; wait until it answers."""
    import httpx
    import uvicorn

    import app as app_module

    port = free_port()
    fastapi_app, _ = app_module.build_app(service, settings, feedback=feedback)
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

"""The abuse suite of issue 14: each finding, approached as an attacker would.

| Finding | Where |
|---|---|
| 1. one request brings the server down (sizes, history, JSON) | here (heavy cases + RSS) and test_validation.py / test_api.py (every limit and message) |
| 2. X-Forwarded-For spoofing, one bucket per proxy, minute-long queues | here |
| 3. anonymous upload and file hosting | here |
| 4. ingest follows symlinks out of the corpus, loops skipped silently | here |
| 6. headers, login throttling, malformed JSON, OpenAPI, staff upload of a server path | here |
| time budget (the service stops a question) | here |

Finding 5 (a citation resting on no supporting sentence) belongs to the answering core.
No test here depends on timing: clocks are faked, concurrency is staged with events.
"""  # noqa: E501

from __future__ import annotations

import base64
import os
import resource
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import build_app
from assistant.types import Answer, StreamEvent, TimeBudgetExceeded, Turn
from tests.conftest import HashEmbedder, SettingsFactory
from tests.web.conftest import FakeService, SyncingAdmin, start_app
from vectorstore.settings import Settings, load_settings
from vectorstore.types import SearchFilters
from web.assets import HEAD
from web.headers import inline_scripts, script_hash
from web.identity import TrustedProxies

#: The issue's target for the whole suite.
PEAK_RSS_LIMIT_BYTES = 2 * 1024**3
STAFF = ("ansatt", "hemmelig-passord")
#: Bodies no JSON route may answer with anything but 400 (or 413 when too large).
MALFORMED_JSON = [
    b'{"data": ["\\ud800"], "fn_index": 0, "session_hash": "x"}',
    b'{"data": [NaN], "fn_index": 0, "session_hash": "x"}',
    b'{"data": [Infinity], "fn_index": 0, "session_hash": "x"}',
    b'{"data": [-Infinity], "fn_index": 0, "session_hash": "x"}',
    b"[" * 50_000 + b"]" * 50_000,
    b'{"data": ' + b"[" * 40 + b"]" * 40 + b"}",
    b"{ikke json",
    b"\xff\xfe{}",
    b'{"data": [1' + b"0" * 5_000 + b"]}",
    b'{"\\udfff": 1}',
]


def peak_rss_bytes() -> int:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def client_for(app: Any, peer: str = "testclient") -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(peer, 50_000))


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def public_app(app_settings: Settings, fake_service: FakeService) -> Any:
    return build_app(fake_service, app_settings)[0]


# --- 1. bounded work per request ------------------------------------------------------------------
def test_heavy_requests_are_refused_before_any_work_and_memory_stays_bounded(
    public_app: Any, fake_service: FakeService
) -> None:
    one_mb_word = "x" * 1_000_000
    with client_for(public_app) as client:
        for _ in range(20):
            r = client.post(
                "/api/ask",
                json={
                    "question": "Og i 2023?",
                    "history": [{"role": "user", "content": one_mb_word}],
                },
            )
            assert r.status_code == 413
            chunked = client.post("/api/ask", content=(b"[" * 65_536 for _ in range(32)))
            assert chunked.status_code == 413
            join = client.post("/gradio_api/queue/join", content=b'{"data": ["' + b"x" * 2_000_000)
            assert join.status_code == 413
        long_item = {"question": "Og?", "history": [{"role": "user", "content": "y" * 4_001}]}
        assert client.post("/api/ask", json=long_item).status_code == 400
    assert fake_service.calls == []
    assert peak_rss_bytes() < PEAK_RSS_LIMIT_BYTES


# --- 2. client identity, rate limits, the busy answer ---------------------------------------------
@given(forwarded=st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_forwarded_for_from_an_untrusted_peer_is_never_believed(forwarded: str) -> None:
    assert TrustedProxies().client("203.0.113.9", forwarded) == "203.0.113.9"
    proxies = TrustedProxies.parse(["10.0.0.0/8"])
    assert proxies.client("203.0.113.9", forwarded) == "203.0.113.9"


@given(spoofed=st.lists(st.ip_addresses().map(str), max_size=5))
@settings(max_examples=200, deadline=None)
def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(
    spoofed: list[str],
) -> None:
    # The client may send any X-Forwarded-For; the proxy appends the address it saw.
    proxies = TrustedProxies.parse(["127.0.0.1"])
    header = ", ".join([*spoofed, "198.51.100.7"])
    assert proxies.client("127.0.0.1", header) == "198.51.100.7"


def test_random_forwarded_for_does_not_raise_the_limit(
    app_settings: Settings, fake_service: FakeService
) -> None:
    """The issue's attack: a fresh X-Forwarded-For per request from a local peer, through
    uvicorn as app.py runs it. The limit (5 a minute) holds for the API and the page."""
    from gradio_client import Client

    running = start_app(fake_service, app_settings)
    try:
        answered = 0
        for i in range(12):
            spoof = {"X-Forwarded-For": f"10.{i}.{i}.{i}"}
            r = httpx.post(
                f"{running.url}/api/ask", json={"question": "Hva?"}, headers=spoof, timeout=30
            )
            answered += r.status_code == 200
        assert answered == app_settings.rate_limit_per_minute
        page = Client(running.url + "/", verbose=False, headers={"X-Forwarded-For": "10.9.9.9"})
        chat, _ = page.predict("Hva er klimamålet?", [], "", "", "", api_name="/ask")
        assert "Du har stilt mange spørsmål på kort tid" in str(chat[-1])
    finally:
        running.stop()


def test_a_trusted_proxy_gives_each_client_its_own_bucket(
    tmp_path: Path, fake_service: FakeService
) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data", rate_limit_per_minute=2, trusted_proxies="127.0.0.1"
    )
    with client_for(build_app(fake_service, settings)[0], peer="127.0.0.1") as client:

        def ask(forwarded: str) -> int:
            headers = {"X-Forwarded-For": forwarded}
            return client.post("/api/ask", json={"question": "Hva?"}, headers=headers).status_code

        assert [ask("198.51.100.1") for _ in range(3)] == [200, 200, 429]
        assert [ask("198.51.100.2") for _ in range(3)] == [200, 200, 429]
        # A client prepending a victim's address is still counted as itself.
        assert ask("198.51.100.3, 198.51.100.1") == 429
        # An IPv6 client is one bucket per /64, whatever address of it it takes.
        assert [ask(f"2001:db8:1:2::{n}") for n in range(1, 4)] == [200, 200, 429]


class BlockingService(FakeService):
    """Holds every answer until released; says when one has started."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.release = threading.Event()

    def ask(self, question: str, history: Sequence[Turn] = (), *args: Any, **kw: Any) -> Answer:
        self.started.set()
        assert self.release.wait(30)
        return super().ask(question, history)


def test_past_the_answering_slots_the_answer_is_503_busy_not_a_queue(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data",
        concurrency_limit=1,
        busy_wait_s=0,
        busy_retry_after_s=7,
        rate_limit_per_minute=3,
    )
    service = BlockingService()
    app, _ = build_app(service, settings)
    with client_for(app) as client:
        first: dict[str, int] = {}
        worker = threading.Thread(
            target=lambda: first.update(
                status=client.post("/api/ask", json={"question": "Hva?"}).status_code
            )
        )
        worker.start()
        assert service.started.wait(30)
        busy = client.post("/api/ask", json={"question": "Og?"})
        # The page's questions share the slots.
        handlers = app.state.handlers
        request = type("R", (), {"client": type("C", (), {"host": "10.1.1.1"})()})()
        page = list(handlers.respond("Hva er klimamålet?", [], "", "", "", [], request))
        service.release.set()
        worker.join(30)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "7"
    assert busy.json()["error"] == "Tjenesten er opptatt akkurat nå. Prøv igjen om 7 sekunder."
    assert "opptatt" in str(page[-1][0][-1]["content"])
    assert first["status"] == 200
    # A busy answer does not count against the client's limit (3 a minute here): one was
    # answered, the busy one was given back, so two more are allowed.
    with client_for(app) as client:
        statuses = [
            client.post("/api/ask", json={"question": "Hva?"}).status_code for _ in range(3)
        ]
    assert statuses == [200, 200, 429]


# --- 3. no anonymous write path -------------------------------------------------------------------
def test_public_mode_has_no_upload_or_file_route(public_app: Any) -> None:
    with client_for(public_app) as client:
        upload = client.post("/gradio_api/upload", files={"files": ("a.txt", b"fri filhosting")})
        assert upload.status_code == 404
        for path in (
            "/gradio_api/upload/",
            "/gradio_api//upload",
            "/gradio_api/./upload",
            "/gradio_api/upload_progress?upload_id=x",
        ):
            assert client.post(path, files={"files": ("a.txt", b"x")}).status_code == 404, path
        for path in (
            "/gradio_api/file=/etc/passwd",
            "/gradio_api/file/tmp/x",
            "/gradio_api/proxy=x",
        ):
            assert client.get(path).status_code == 404, path
        assert client.get("/").status_code == 200


def test_staff_upload_route_needs_the_login(staff_settings: Settings) -> None:
    app, _ = build_app(FakeService(), staff_settings)
    with client_for(app) as client:
        r = client.post("/gradio_api/upload", files={"files": ("a.txt", b"x")})
        assert r.status_code in (401, 403)


def test_staff_upload_takes_only_files_the_widget_stored(
    staff_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = staff_settings.model_copy(update={"corpus_dir": corpus})
    service = FakeService()
    app, _ = build_app(service, settings, admin=SyncingAdmin(settings, service))
    handlers = app.state.handlers
    outside = tmp_path / "hemmelig.txt"
    outside.write_text("Hemmelig.", encoding="utf-8")
    stored = tmp_path / "gradio" / "abc" / "notat.txt"
    stored.parent.mkdir(parents=True)
    link = stored.parent / "lenke.txt"
    link.symlink_to(outside)
    fake_pdf = stored.parent / "rapport.pdf"
    fake_pdf.write_text("Bare tekst, ingen PDF.", encoding="utf-8")
    binary_txt = stored.parent / "program.txt"
    binary_txt.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(200))

    def add(value: str) -> str:
        return str(list(handlers.add_document(value, "Notat", "notat", 2024))[-1][0])

    for value in ("/etc/passwd", str(outside), str(link), str(tmp_path / "gradio"), "notat.txt"):
        assert add(value) == "Bare filer lastet opp med opplastingsfeltet kan legges inn.", value
    assert "ikke en PDF" in add(str(fake_pdf))
    assert "ikke tekst" in add(str(binary_txt))
    assert not list(corpus.iterdir())
    stored.write_text("Et notat.", encoding="utf-8")
    assert "ferdig" in add(str(stored))
    assert [p.name for p in corpus.iterdir() if p.suffix == ".txt"] == ["notat.txt"]


# --- 4. ingest reads only regular files inside the corpus -----------------------------------------
def test_ingest_refuses_symlinks_out_of_the_corpus_and_reports_loops(
    settings_factory: SettingsFactory, small_corpus: Path, tmp_path: Path
) -> None:
    from ingest.pipeline import run_ingest
    from vectorstore.store import Index

    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:HEMMELIGROT:/root:/bin/bash\n", encoding="utf-8")
    (small_corpus / "x.txt").symlink_to(secret)
    (small_corpus / "loop-a.txt").symlink_to(small_corpus / "loop-b.txt")
    (small_corpus / "loop-b.txt").symlink_to(small_corpus / "loop-a.txt")
    (small_corpus / "borte.txt").symlink_to(tmp_path / "finnes-ikke.txt")
    (small_corpus / "kopi.txt").symlink_to(small_corpus / "temaplan-klima-nettside-2021.txt")
    os.mkfifo(small_corpus / "rør.txt")  # reading it would block the ingest for ever
    settings = settings_factory(corpus_dir=small_corpus)
    embedder = HashEmbedder()

    report = run_ingest(settings, embedder)

    reasons = {s.file: s.reason for s in report.skipped}
    assert set(reasons) == {"x.txt", "loop-a.txt", "loop-b.txt", "borte.txt", "rør.txt"}
    assert "symlink pointing outside the corpus folder" in reasons["x.txt"]
    assert "symbolsk lenke ut av dokumentmappen" in reasons["x.txt"]
    assert "symlink loop" in reasons["loop-a.txt"] and "løkke" in reasons["loop-b.txt"]
    assert "dangling symlink" in reasons["borte.txt"]
    assert "not a regular file" in reasons["rør.txt"]
    assert report.exit_code == 3
    assert "kopi.txt" in report.indexed  # a link inside the corpus is a document like any other
    chunks = Index(settings, embedder).chunks
    assert not any("HEMMELIGROT" in c.text for c in chunks)
    assert "SKIPPED / HOPPET OVER x.txt" in report.summary()
    # Still reported on a run that changes nothing.
    again = run_ingest(settings, embedder)
    assert again.changed is False and {s.file for s in again.skipped} == set(reasons)


# --- 6. hardening ---------------------------------------------------------------------------------
SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def assert_security_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "camera=()" in response.headers["permissions-policy"]


def test_security_headers_on_every_kind_of_response(public_app: Any) -> None:
    with client_for(public_app) as client:
        page = client.get("/", headers={"Accept": "text/html", "Accept-Encoding": "br, gzip"})
        asset = next(
            p for p in page.text.split('"') if p.startswith("./assets/") and p.endswith(".js")
        )
        responses = [
            page,
            client.post("/api/ask", json={"question": "Hva er klimamålet?"}),
            client.post("/api/ask", content=b"{ikke json"),
            client.get("/api/health"),
            client.get("/theme.css"),
            client.get(asset[1:]),
            client.get("/finnes-ikke"),
            client.get("/openapi.json"),
            client.post("/gradio_api/queue/join", content=b"{ikke json"),
            client.post("/gradio_api/upload", files={"files": ("a.txt", b"x")}),
        ]
        for response in responses:
            assert_security_headers(response)
    # Every inline script of the page (Gradio's config) and the injected head script are
    # allowed by hash, and nothing else inline.
    policy = page.headers["content-security-policy"]
    scripts = inline_scripts(page.text)
    assert scripts and all(script_hash(s) in policy for s in scripts)
    assert all(script_hash(s) in policy for s in inline_scripts(HEAD))


class ExplodingService(FakeService):
    def ask(self, *args: Any, **kwargs: Any) -> Answer:
        raise RuntimeError("boom")


def test_errors_carry_the_headers_and_a_norwegian_message(app_settings: Settings) -> None:
    app, _ = build_app(ExplodingService(), app_settings)
    with client_for(app) as client:
        r = client.post("/api/ask", json={"question": "Hva?"})
    assert r.status_code == 500 and "noe gikk galt" in r.json()["error"]
    assert_security_headers(r)


@pytest.mark.parametrize("mode", ["public", "staff"])
def test_openapi_and_docs_are_hidden(
    mode: str, app_settings: Settings, staff_settings: Settings
) -> None:
    app, _ = build_app(FakeService(), staff_settings if mode == "staff" else app_settings)
    with client_for(app) as client:
        for path in (
            "/openapi.json",
            "/openapi.json/",
            "/gradio_api/openapi.json",
            "/gradio_api//openapi.json",
            "/docs",
            "/redoc",
        ):
            r = client.get(path)
            assert r.status_code == 404, path
            assert "openapi" not in r.text.lower()


@pytest.mark.parametrize("raw", MALFORMED_JSON)
def test_malformed_json_to_the_page_routes_is_400(raw: bytes, public_app: Any) -> None:
    with client_for(public_app) as client:
        for path in ("/gradio_api/queue/join", "/gradio_api/run/ask", "/gradio_api/call/ask"):
            r = client.post(path, content=raw, headers={"content-type": "application/json"})
            assert r.status_code == 400, (path, r.status_code, r.text[:200])
            assert r.json()["error"]


@given(body=st.binary(max_size=2_000) | st.text(max_size=500).map(str.encode))
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_body_gives_a_5xx_on_any_post_route(body: bytes) -> None:
    app = _shared_app()
    with client_for(app) as client:
        for path in ("/api/ask", "/gradio_api/queue/join", "/gradio_api/reset", "/login"):
            r = client.post(path, content=body, headers={"content-type": "application/json"})
            assert r.status_code < 500, (path, r.status_code)


_APP: dict[str, Any] = {}


def _shared_app() -> Any:
    """One app for the property test (a limit high enough that 429 does not hide a 500)."""
    if "app" not in _APP:
        settings = load_settings(
            data_dir=Path(os.environ.get("TMPDIR", "/tmp")) / f"asker-abuse-{os.getpid()}",
            rate_limit_per_minute=100_000,
            page_requests_per_minute=100_000,
        )
        _APP["app"] = build_app(FakeService(), settings)[0]
    return _APP["app"]


def test_page_requests_are_rate_limited_and_bounded(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data", page_requests_per_minute=3, max_page_request_bytes=1_000
    )
    app, _ = build_app(FakeService(), settings)
    with client_for(app) as client:
        big = client.post("/gradio_api/queue/join", content=b'{"data": ["' + b"x" * 2_000 + b'"]}')
        assert big.status_code == 413
        statuses = [client.post("/gradio_api/queue/join", json={}).status_code for _ in range(3)]
        assert statuses[-1] == 429
        limited = client.post("/gradio_api/queue/join", json={})
        assert int(limited.headers["Retry-After"]) >= 1 and "For mange" in limited.json()["error"]
    with client_for(app, peer="10.2.3.4") as other:  # another client is not affected
        assert other.post("/gradio_api/queue/join", json={}).status_code != 429


@pytest.fixture
def staff_app(staff_settings: Settings) -> Iterator[TestClient]:
    app, _ = build_app(FakeService(), staff_settings)
    with client_for(app) as client:
        yield client


def login(client: TestClient, user: str, password: str) -> httpx.Response:
    return client.post("/login", data={"username": user, "password": password})


def test_gradio_login_is_throttled_and_the_right_password_waits_out_the_lock(
    staff_app: TestClient,
) -> None:
    assert login(staff_app, *STAFF).status_code == 200
    statuses = [login(staff_app, "ansatt", f"feil-{i}").status_code for i in range(30)]
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}
    locked = login(staff_app, *STAFF)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 60
    assert "For mange mislykkede innlogginger" in locked.json()["error"]
    # The API's Basic login shares the lock.
    api = staff_app.post("/api/ask", json={"question": "Hei"}, headers=basic(*STAFF))
    assert api.status_code == 429


def test_api_basic_login_is_throttled_per_user_and_per_address(staff_settings: Settings) -> None:
    app, _ = build_app(FakeService(), staff_settings)
    with client_for(app, peer="10.0.0.1") as first, client_for(app, peer="10.0.0.2") as second:
        for i in range(5):
            wrong = first.post(
                "/api/ask", json={"question": "Hei"}, headers=basic("ansatt", f"x{i}")
            )
            assert wrong.status_code == 401
        # Locked for this user from any address, and for this address with any user.
        assert (
            second.post("/api/ask", json={"question": "Hei"}, headers=basic(*STAFF)).status_code
            == 429
        )
        other_user = first.post("/api/ask", json={"question": "Hei"}, headers=basic("ole", "x"))
        assert other_user.status_code == 429
        # Asking without a login is no failed attempt, and is simply 401.
        assert second.post("/api/ask", json={"question": "Hei"}).status_code == 401


# --- the per-request time budget ------------------------------------------------------------------
class SlowService(FakeService):
    """The service as it behaves when a question runs past answer_time_budget_s."""

    def ask(self, *args: Any, **kwargs: Any) -> Answer:
        raise TimeBudgetExceeded(30.0)

    def ask_stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
    ) -> Iterator[StreamEvent]:
        yield StreamEvent("delta", text="Asker skal")
        raise TimeBudgetExceeded(30.0)


def test_a_question_past_the_time_budget_is_503_on_the_api_and_a_message_on_the_page(
    app_settings: Settings,
) -> None:
    app, _ = build_app(SlowService(), app_settings)
    with client_for(app) as client:
        r = client.post("/api/ask", json={"question": "Hva er klimamålet?"})
    assert r.status_code == 503
    assert int(r.headers["Retry-After"]) == app_settings.busy_retry_after_s
    assert r.json()["error"].startswith("Svaret tok for lang tid og ble stoppet.")
    request = type("R", (), {"client": type("C", (), {"host": "10.1.1.1"})()})()
    steps = list(app.state.handlers.respond("Hva er klimamålet?", [], "", "", "", [], request))
    assert "Svaret tok for lang tid" in str(steps[-1][0][-1]["content"])


# --- the page still works under the CSP (a real browser) ------------------------------------------
@pytest.mark.e2e
def test_the_page_works_under_the_csp_and_injected_script_does_not_run(tmp_path: Path) -> None:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("needs /usr/bin/chromium")
    playwright = pytest.importorskip("playwright.sync_api")
    settings = load_settings(data_dir=tmp_path / "data", rate_limit_per_minute=100)
    running = start_app(FakeService(delay_s=0.02), settings)
    console: list[str] = []
    dialogs: list[str] = []
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page()
            page.on("console", lambda m: console.append(m.text))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(running.url + "/")
            page.wait_for_selector("#question textarea", timeout=30_000)
            page.fill("#question textarea", "Hva er klimamålet <img src=x onerror=alert(1)>?")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "() => document.querySelectorAll("
                "'#chat .asker-answer:not(.asker-streaming)').length >= 1",
                timeout=30_000,
            )
            # The page's own head script ran (allowed by its hash): lang, and [n] -> card.
            assert page.evaluate("() => document.documentElement.lang") == "nb"
            page.locator("#chat a.cite").first.click()
            page.wait_for_selector(".asker-source.asker-flash", timeout=5_000)
            violations_before = [c for c in console if "Content Security Policy" in c]
            # Script smuggled into the page is refused.
            page.evaluate(
                "() => { const s = document.createElement('script');"
                " s.textContent = 'window.__pwned = 1'; document.body.appendChild(s); }"
            )
            pwned = page.evaluate("() => window.__pwned === 1")
            browser.close()
    finally:
        running.stop()
    assert violations_before == [], violations_before
    assert not pwned
    assert any("Content Security Policy" in c for c in console)
    assert dialogs == []


def test_app_runs_uvicorn_without_its_proxy_headers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """uvicorn's default believes X-Forwarded-For from 127.0.0.1: app.main turns that off."""
    import app as app_module
    import assistant.service

    served: dict[str, Any] = {}
    monkeypatch.setattr(assistant.service, "AssistantService", lambda settings: FakeService())
    monkeypatch.setattr(app_module, "ensure_index_if_possible", lambda settings: None)
    monkeypatch.setattr(app_module.uvicorn, "run", lambda app, **kw: served.update(kw))
    monkeypatch.setenv("ASKER_DATA_DIR", str(tmp_path))
    assert app_module.main([]) == 0
    assert served["proxy_headers"] is False and served["server_header"] is False


def test_the_whole_suite_stayed_under_2_gb() -> None:
    """Last in the file: the peak of the process so far, with every case above."""
    assert peak_rss_bytes() < PEAK_RSS_LIMIT_BYTES

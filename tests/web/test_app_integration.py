"""The app served by uvicorn on a free port, used through gradio_client and plain HTTP."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import FakeService, RunningApp, start_app
from vectorstore.settings import Settings, load_settings

pytestmark = pytest.mark.integration


def _text(message: dict) -> str:
    content = message["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


@pytest.fixture
def server(app_settings: Settings) -> Iterator[RunningApp]:
    running = start_app(FakeService(delay_s=0.02), app_settings)
    try:
        yield running
    finally:
        running.stop()


def test_gradio_client_ask_and_follow_up(server: RunningApp) -> None:
    from gradio_client import Client

    client = Client(server.url + "/", verbose=False)
    chat, box = client.predict("Hva er <b>klimamålet</b>?", [], "", "", "", api_name="/ask")
    assert box == ""
    assert "&lt;b&gt;klimamålet&lt;/b&gt;" in _text(chat[0])
    answer_html = _text(chat[1])
    assert 'class="asker-source"' in answer_html and "<mark>" in answer_html
    assert 'href="#kilde-' in answer_html
    # The follow-up uses the conversation kept by this client's session.
    chat2, _ = client.predict("Og når ble den vedtatt?", chat, "", "", "", api_name="/ask")
    assert len(chat2) == 4
    last_call = server.service.calls[-1]
    assert last_call["history"][0].content == "Hva er <b>klimamålet</b>?"
    # Filters from the page reach the service.
    client.predict("Hva sier årsrapporten?", [], "arsrapport-2024", "", "2024", api_name="/ask")
    assert server.service.calls[-1]["filters"].years == (2024,)


def test_gradio_client_streams(server: RunningApp) -> None:
    from gradio_client import Client

    client = Client(server.url + "/", verbose=False)
    job = client.submit("Hva er klimamålet?", [], "", "", "", api_name="/ask")
    outputs = list(job)
    assert len(outputs) >= 3  # several partial answers before the final one
    partial = [_text(o[0][-1]) for o in outputs if len(o[0]) == 2]
    assert any("asker-streaming" in p for p in partial)
    assert "asker-sources" in _text(job.result()[0][-1])


def test_http_api(server: RunningApp) -> None:
    r = httpx.post(f"{server.url}/api/ask", json={"question": "Hva er klimamålet?"}, timeout=30)
    assert r.status_code == 200
    data = r.json()
    assert set(data) >= {
        "question",
        "answer",
        "refused",
        "answerer",
        "citations",
        "retrieved",
        "timings_ms",
        "indicator",
    }
    assert data["citations"][0]["title"] and data["citations"][0]["supporting_sentence"]
    r = httpx.post(f"{server.url}/api/ask", json={"question": "", "history": []}, timeout=30)
    assert r.status_code == 400 and r.json()["error"]
    r = httpx.post(f"{server.url}/api/ask", json={"question": "Hei", "filters": [1]}, timeout=30)
    assert r.status_code == 400


def test_rate_limit_shared_by_page_and_api(server: RunningApp) -> None:
    from gradio_client import Client

    client = Client(server.url + "/", verbose=False)
    for _ in range(3):
        client.predict("Hva er klimamålet?", [], "", "", "", api_name="/ask")
    for _ in range(2):
        assert httpx.post(f"{server.url}/api/ask", json={"question": "Hva?"}).status_code == 200
    r = httpx.post(f"{server.url}/api/ask", json={"question": "Hva?"})
    assert r.status_code == 429 and "Vent" in r.json()["error"]
    chat, _ = client.predict("Ett til?", [], "", "", "", api_name="/ask")
    assert "Du har stilt mange spørsmål på kort tid" in _text(chat[-1])


def test_unanswered_logged_to_sqlite(server: RunningApp) -> None:
    r = httpx.post(f"{server.url}/api/ask", json={"question": "Beste pizza?"}, timeout=30)
    assert r.json()["refused"] is True
    with sqlite3.connect(server.settings.feedback_db) as conn:
        rows = conn.execute("SELECT question, created_at FROM unanswered").fetchall()
    assert rows and rows[0][0] == "Beste pizza?"


def test_staff_mode_requires_login(tmp_path: Path) -> None:
    from gradio_client import Client

    settings = load_settings(
        data_dir=tmp_path / "data",
        mode="staff",
        staff_username="ansatt",
        staff_password="hemmelig-passord",
    )
    running = start_app(FakeService(), settings)
    try:
        # Without a login the page's config and API are closed.
        assert httpx.get(f"{running.url}/config", timeout=10).status_code == 401
        assert httpx.get(f"{running.url}/gradio_api/info", timeout=10).status_code == 401
        client = Client(running.url + "/", auth=("ansatt", "hemmelig-passord"), verbose=False)
        chat, _ = client.predict("Hva er klimamålet?", [], "", "", "", api_name="/ask")
        assert "asker-sources" in _text(chat[-1])
        assert httpx.post(f"{running.url}/api/ask", json={"question": "Hei"}).status_code == 401
        ok = httpx.post(
            f"{running.url}/api/ask",
            json={"question": "Hei"},
            auth=("ansatt", "hemmelig-passord"),
            timeout=30,
        )
        assert ok.status_code == 200
    finally:
        running.stop()

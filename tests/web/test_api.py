"""The JSON API (``web.api``) through FastAPI's TestClient, with the scripted fake service."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import build_app
from tests.web.conftest import READ_AS_PREFIX, FakeService
from vectorstore.settings import Settings, load_settings
from web.api import parse_api_payload
from web.feedback import FeedbackStore


def test_parse_api_payload() -> None:
    assert isinstance(parse_api_payload([], 100), str)
    assert isinstance(parse_api_payload({"question": ""}, 100), str)
    assert "for langt" in str(parse_api_payload({"question": "x" * 101}, 100))
    assert isinstance(parse_api_payload({"question": "q", "history": "nei"}, 100), str)
    assert isinstance(
        parse_api_payload({"question": "q", "history": [{"role": "system", "content": "x"}]}, 100),
        str,
    )
    assert isinstance(parse_api_payload({"question": "q", "filters": {"year": "abc"}}, 100), str)
    q, hist, filters = parse_api_payload(  # type: ignore[misc]
        {
            "question": " Hei ",
            "history": [{"role": "user", "content": "a"}],
            "filters": {"year": 2024},
        },
        100,
    )
    assert q == "Hei" and hist[0].content == "a" and filters.years == (2024,)


def test_api_ask(app_settings: Settings, fake_service: FakeService) -> None:
    fastapi_app, _ = build_app(fake_service, app_settings)
    with TestClient(fastapi_app) as client:
        r = client.post(
            "/api/ask",
            json={
                "question": "Hva er klimamålet?",
                "history": [
                    {"role": "user", "content": "Hei"},
                    {"role": "assistant", "content": "Hei!"},
                ],
                "filters": {"document": "temaplan-klima"},
            },
        )
        assert r.status_code == 200
        data = r.json()
        assert data == fake_service.ask("Hva er klimamålet?", ()).to_dict() | {
            "answer": data["answer"],
            "standalone_question": data["standalone_question"],
        }
        # asked in a conversation: the question it was read as comes with it
        assert data["standalone_question"] == f"{READ_AS_PREFIX} Hva er klimamålet?"
        assert data["citations"][0]["supporting_sentence"]
        call = fake_service.calls[0]
        assert [t.content for t in call["history"]] == ["Hei", "Hei!"]
        assert call["filters"].doc_ids == ("temaplan-klima",)
        assert client.post("/api/ask", content=b"{ikke json").status_code == 400
        bad = client.post("/api/ask", json={"question": "x" * 201})
        assert bad.status_code == 400 and "for langt" in bad.json()["error"]
        assert client.post("/api/ask", json={"question": 3}).status_code == 400
        # 1 answered above; 4 more are allowed, then 429 (bad requests do not count).
        for _ in range(4):
            assert client.post("/api/ask", json={"question": "Hva?"}).status_code == 200
        limited = client.post("/api/ask", json={"question": "Hva?"})
        assert limited.status_code == 429
        assert "mange spørsmål" in limited.json()["error"]
        assert int(limited.headers["Retry-After"]) >= 1
        assert client.get("/").status_code == 200  # the page is mounted at /


def test_api_logs_refusals(app_settings: Settings, fake_service: FakeService) -> None:
    store = FeedbackStore(app_settings.feedback_db)
    fastapi_app, _ = build_app(fake_service, app_settings, feedback=store)
    with TestClient(fastapi_app) as client:
        r = client.post("/api/ask", json={"question": "Beste pizza i Asker?"})
        assert r.status_code == 200 and r.json()["refused"] is True
    assert store.list_unanswered()[0]["question"] == "Beste pizza i Asker?"


def test_api_staff_mode_needs_login(staff_settings: Settings, fake_service: FakeService) -> None:
    fastapi_app, _ = build_app(fake_service, staff_settings)
    with TestClient(fastapi_app) as client:
        assert client.post("/api/ask", json={"question": "Hei"}).status_code == 401
        ok = client.post("/api/ask", json={"question": "Hei"}, auth=("ansatt", "hemmelig-passord"))
        assert ok.status_code == 200
        wrong = client.post("/api/ask", json={"question": "Hei"}, auth=("ansatt", "feil"))
        assert wrong.status_code == 401


# --- bounded work per request (issue 14, finding 1) ----------------------------------------------
FOLLOW_UP_WITH_1MB_WORD = {
    "question": "Og i 2023?",
    "history": [
        {"role": "user", "content": "x" * 1_000_000},
        {"role": "assistant", "content": "Svar."},
    ],
}


def test_a_1mb_history_item_never_reaches_the_service(
    app_settings: Settings, fake_service: FakeService
) -> None:
    fastapi_app, _ = build_app(fake_service, app_settings)
    with TestClient(fastapi_app) as client:
        r = client.post("/api/ask", json=FOLLOW_UP_WITH_1MB_WORD)
        assert r.status_code == 413
        assert r.json()["error"] == "Forespørselen er for stor. Den kan være høyst 32 KB."
        # Sent in pieces without a Content-Length: still refused once the limit is passed.
        pieces = (b" " * 65_536 for _ in range(20))
        chunked = client.post(
            "/api/ask", content=pieces, headers={"content-type": "application/json"}
        )
        assert chunked.status_code == 413
        assert fake_service.calls == []
        # Refused requests do not count against the rate limit.
        assert client.post("/api/ask", json={"question": "Hva er klimamålet?"}).status_code == 200


def test_a_long_history_item_within_the_body_limit_is_400(
    tmp_path: Any, fake_service: FakeService
) -> None:
    settings = load_settings(data_dir=tmp_path / "data", max_request_bytes=4_000_000)
    fastapi_app, _ = build_app(fake_service, settings)
    with TestClient(fastapi_app) as client:
        r = client.post("/api/ask", json=FOLLOW_UP_WITH_1MB_WORD)
        assert r.status_code == 400
        assert "for langt (1000000 tegn)" in r.json()["error"]
        assert "høyst 4000 tegn" in r.json()["error"]
        nine = {
            "question": "Og i 2023?",
            "history": [{"role": "user", "content": "Hei"}] * 9,
        }
        r = client.post("/api/ask", json=nine)
        assert r.status_code == 400 and "høyst 8 elementer" in r.json()["error"]
        many_filters = {"question": "Hei", "filters": {"document": ["a"] * 11}}
        r = client.post("/api/ask", json=many_filters)
        assert r.status_code == 400 and "høyst 10 verdier" in r.json()["error"]
        long_filter = {"question": "Hei", "filters": {"kind": "k" * 201}}
        r = client.post("/api/ask", json=long_filter)
        assert r.status_code == 400 and "for lang" in r.json()["error"]
    assert fake_service.calls == []


@pytest.mark.parametrize(
    "raw",
    [
        b'{"question": "\\ud800"}',
        b'{"question": "Hei", "history": [{"role": "user", "content": "\\ud800"}]}',
        b'{"question": NaN}',
        b'{"question": "Hei", "filters": {"year": Infinity}}',
        b'{"question": "Hei", "filters": {"year": -Infinity}}',
        b'{"question": "Hei", "x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
        b"[" * 16_000 + b"]" * 16_000,
        b"[]",
        b"null",
        b'"Hei"',
        b"3",
        b"\xff",
        b'{"question": 3}',
        b'{"question": "Hei", "history": "nei"}',
        b'{"question": "Hei", "history": [{"role": "user", "content": 3}]}',
        b'{"question": "Hei", "filters": {"year": [true]}}',
        b'{"question": "Hei", "filters": {"document": {"a": 1}}}',
        b'{"question": "Hei", "filters": {"year": 1e400}}',
    ],
)
def test_malformed_json_is_400_never_500(
    raw: bytes, app_settings: Settings, fake_service: FakeService
) -> None:
    fastapi_app, _ = build_app(fake_service, app_settings)
    with TestClient(fastapi_app, raise_server_exceptions=False) as client:
        r = client.post("/api/ask", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 400, r.text
        assert r.json()["error"]
    assert fake_service.calls == []


def test_50000_deep_json_is_refused(app_settings: Settings, fake_service: FakeService) -> None:
    fastapi_app, _ = build_app(fake_service, app_settings)
    with TestClient(fastapi_app, raise_server_exceptions=False) as client:
        deep = b"[" * 50_000 + b"]" * 50_000  # 100 KB: over the body limit before any parsing
        assert client.post("/api/ask", content=deep).status_code == 413
    big = load_settings(data_dir=app_settings.data_dir, max_request_bytes=200_000)
    fastapi_app, _ = build_app(fake_service, big)
    with TestClient(fastapi_app, raise_server_exceptions=False) as client:
        r = client.post("/api/ask", content=deep)
        assert r.status_code == 400 and "for dypt nestet" in r.json()["error"]
    assert fake_service.calls == []

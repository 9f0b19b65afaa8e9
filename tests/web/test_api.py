"""The JSON API (``web.api``) through FastAPI's TestClient, with the scripted fake service."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app import build_app
from tests.web.conftest import FakeService
from vectorstore.settings import Settings
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
            "answer": data["answer"]
        }
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

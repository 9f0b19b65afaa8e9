"""``app.py``: the assembly of the web layer (build_app) and the entry point (main)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import app as app_module
from app import build_app
from tests.web.conftest import FakeService
from vectorstore.settings import Settings, load_settings


def test_staff_mode_requires_credentials(tmp_path: Path, fake_service: FakeService) -> None:
    settings = load_settings(data_dir=tmp_path, mode="staff")
    with pytest.raises(ValueError, match="ASKER_STAFF_USERNAME"):
        build_app(fake_service, settings)


def test_main_refuses_staff_without_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ASKER_STAFF_USERNAME", raising=False)
    monkeypatch.delenv("ASKER_STAFF_PASSWORD", raising=False)
    monkeypatch.setenv("ASKER_DATA_DIR", str(tmp_path))
    assert app_module.main(["--mode", "staff"]) == 2


def test_main_wires_everything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import assistant.service

    created: list[FakeService] = []
    served: dict[str, Any] = {}

    def make(settings: Settings) -> FakeService:
        created.append(FakeService())
        return created[-1]

    monkeypatch.setattr(assistant.service, "AssistantService", make)
    monkeypatch.setattr(
        app_module,
        "ensure_index_if_possible",
        lambda settings: served.setdefault("indexed", settings),
    )
    monkeypatch.setattr(
        app_module.uvicorn, "run", lambda app, host, port, **kw: served.update(host=host, port=port)
    )
    monkeypatch.setenv("ASKER_DATA_DIR", str(tmp_path))
    assert app_module.main(["--port", "7999", "--host", "0.0.0.0"]) == 0
    assert created[0].warmed and served["host"] == "0.0.0.0" and served["port"] == 7999
    assert "http://127.0.0.1:7999/" in capsys.readouterr().out
    assert "indexed" in served


def test_public_page_has_no_staff_tabs(
    app_settings: Settings, fake_service: FakeService, staff_settings: Settings
) -> None:
    _, demo = build_app(fake_service, app_settings)
    labels = {getattr(b, "label", None) for b in demo.blocks.values()}
    assert "Dokumenter" not in labels and "Dokument" in labels
    assert demo.analytics_enabled is False
    _, staff_demo = build_app(FakeService(), staff_settings)
    staff_labels = {getattr(b, "label", None) for b in staff_demo.blocks.values()}
    assert {"Dokumenter", "Ubesvarte spørsmål", "Tilbakemeldinger"} <= staff_labels


def test_queue_concurrency(app_settings: Settings, fake_service: FakeService) -> None:
    fastapi_app, demo = build_app(fake_service, app_settings)
    # Answers are limited by the gate shared with the API; Gradio's queue lets more events run,
    # so that a question past the slots hears "opptatt" instead of waiting in Gradio's queue.
    gate = fastapi_app.state.handlers.gate
    assert gate.limit == app_settings.concurrency_limit
    assert demo._queue.default_concurrency_limit > app_settings.concurrency_limit

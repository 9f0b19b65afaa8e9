"""The page's handlers with the scripted fake service (no server, no browser)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from assistant.ingestion import IngestJobs
from tests.web.conftest import FakeService
from vectorstore.settings import Settings
from web.feedback import FeedbackStore
from web.handlers import ChatHandlers, filters_from_inputs
from web.ratelimit import SlidingWindowLimiter


def request(host: str = "10.0.0.1") -> Any:
    return SimpleNamespace(client=SimpleNamespace(host=host))


@pytest.fixture
def handlers(
    fake_service: FakeService,
    app_settings: Settings,
    feedback_store: FeedbackStore,
    limiter: SlidingWindowLimiter,
) -> ChatHandlers:
    return ChatHandlers(fake_service, app_settings, feedback_store, limiter)


def run(
    handlers: ChatHandlers,
    question: str,
    chat: list[dict[str, Any]] | None = None,
    records: list[dict[str, Any]] | None = None,
    filters: tuple[str, str, str] = ("", "", ""),
    host: str = "10.0.0.1",
) -> list[tuple[list[dict[str, Any]], list[dict[str, Any]], str]]:
    return list(handlers.respond(question, chat or [], *filters, records or [], request(host)))


def test_respond_streams_then_renders_sources(handlers: ChatHandlers) -> None:
    steps = run(handlers, "Hvor mye skal utslippene ned?")
    assert len(steps) > 5  # placeholder, several deltas, final
    first_chat, _, box = steps[0]
    assert box == ""  # textbox cleared at once
    assert first_chat[0]["role"] == "user"
    assert "asker-streaming" in first_chat[1]["content"]
    partial = [s[0][-1]["content"] for s in steps[1:-1]]
    assert any("klimagassutslippene" in p and "asker-sources" not in p for p in partial)
    chat, records, _ = steps[-1]
    assert "asker-sources" in chat[-1]["content"] and 'class="cite"' in chat[-1]["content"]
    assert records[0]["question"] == "Hvor mye skal utslippene ned?"
    assert records[0]["bot_index"] == 1
    assert records[0]["answer"]["citations"][0]["n"] == 1
    assert "retrieved" not in records[0]["answer"]
    # The passages around source [1] can be read in the page.
    assert "Teksten før kildeavsnittet." in chat[-1]["content"]
    assert "Teksten etter kildeavsnittet." in chat[-1]["content"]


def test_question_is_escaped_in_chat(handlers: ChatHandlers) -> None:
    chat, _, _ = run(handlers, "<img src=x onerror=alert(1)>")[-1]
    assert "<img" not in chat[0]["content"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in chat[0]["content"]


def test_follow_up_passes_history(handlers: ChatHandlers, fake_service: FakeService) -> None:
    chat, records, _ = run(handlers, "Hva er klimamålet?")[-1]
    chat2, records2, _ = run(handlers, "Og når ble planen vedtatt?", chat, records)[-1]
    history = fake_service.calls[-1]["history"]
    assert [t.role for t in history] == ["user", "assistant"]
    assert history[0].content == "Hva er klimamålet?"
    assert history[1].content.startswith("Asker skal redusere")
    assert len(chat2) == 4 and records2[1]["bot_index"] == 3
    assert "(Oppfølging)" in chat2[-1]["content"]


def test_filters_are_passed(handlers: ChatHandlers, fake_service: FakeService) -> None:
    run(handlers, "Hva står i årsrapporten?", filters=("arsrapport-2024", "årsrapport", "2024"))
    f = fake_service.calls[-1]["filters"]
    assert f.doc_ids == ("arsrapport-2024",) and f.kinds == ("årsrapport",) and f.years == (2024,)
    run(handlers, "Uten filter?")
    assert fake_service.calls[-1]["filters"] is None
    assert filters_from_inputs(None, "", "ikke-et-år") is None


def test_empty_question_does_nothing(handlers: ChatHandlers, fake_service: FakeService) -> None:
    steps = run(handlers, "   ")
    assert steps == [([], [], "   ")]
    assert fake_service.calls == []


def test_too_long_question(handlers: ChatHandlers, fake_service: FakeService) -> None:
    chat, records, box = run(handlers, "x" * 201)[-1]
    assert "for langt (201 tegn)" in chat[-1]["content"] and "200 tegn" in chat[-1]["content"]
    assert records == [] and box == "x" * 201  # the text stays so it can be shortened
    assert fake_service.calls == []


def test_rate_limit_message(handlers: ChatHandlers, fake_service: FakeService) -> None:
    for i in range(5):
        run(handlers, f"Spørsmål {i}")
    chat, records, _ = run(handlers, "Ett til")[-1]
    assert "Du har stilt mange spørsmål på kort tid" in chat[-1]["content"]
    assert records == []
    assert len(fake_service.calls) == 5
    # Another client is not affected.
    chat, _, _ = run(handlers, "Fra en annen", host="10.0.0.2")[-1]
    assert "asker-sources" in chat[-1]["content"]


def test_refusal_is_logged(handlers: ChatHandlers, feedback_store: FeedbackStore) -> None:
    run(handlers, "Hva koster en pizza?")
    rows = feedback_store.list_unanswered()
    assert [r["question"] for r in rows] == ["Hva koster en pizza?"]


def test_service_error_shows_message(handlers: ChatHandlers, fake_service: FakeService) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("index gone")

    fake_service.ask_stream = boom  # type: ignore[method-assign]
    chat, records, _ = run(handlers, "Hei?")[-1]
    assert "noe gikk galt" in chat[-1]["content"] and records == []


def test_like_and_comment_store_feedback(
    handlers: ChatHandlers, feedback_store: FeedbackStore
) -> None:
    chat, records, _ = run(handlers, "Hva er klimamålet?")[-1]
    data = gr.LikeData(None, {"index": 1, "value": chat[1]["content"], "liked": False})
    records, fid, row, status = handlers.on_like(records, data)
    assert fid is not None and row["visible"] is True and "Takk" in status
    rec = feedback_store.get_feedback(fid)
    assert rec is not None and rec.rating == -1 and rec.question == "Hva er klimamålet?"
    assert rec.answer.startswith("Asker skal redusere") and rec.citations[0]["n"] == 1
    box, status = handlers.on_comment("Mangler tall for 2024", fid)
    assert box == "" and "Kommentaren er lagret" in status
    # Changing the mind updates the same row.
    data2 = gr.LikeData(None, {"index": 1, "value": "", "liked": True})
    records, fid2, _, _ = handlers.on_like(records, data2)
    assert fid2 == fid
    rec = feedback_store.get_feedback(fid)
    assert rec is not None and rec.rating == 1 and rec.comment == "Mangler tall for 2024"
    assert len(feedback_store.list_feedback()) == 1


def test_like_on_notice_or_undo_is_ignored(
    handlers: ChatHandlers, feedback_store: FeedbackStore
) -> None:
    _, records, _ = run(handlers, "x" * 500)[-1]
    _, fid, _, _ = handlers.on_like(
        records, gr.LikeData(None, {"index": 1, "value": "", "liked": True})
    )
    assert fid is None
    _, fid, _, _ = handlers.on_like(
        records, gr.LikeData(None, {"index": 1, "value": "", "liked": ""})
    )
    assert fid is None and feedback_store.list_feedback() == []
    assert handlers.on_comment("hei", None)[1].startswith("Gi tommel")


def test_new_conversation_clears(handlers: ChatHandlers) -> None:
    chat, records, box, target, row, _comment, _status = handlers.new_conversation()
    assert chat == [] and records == [] and box == "" and target is None
    assert row["visible"] is False


def test_pick_example() -> None:
    evt = gr.SelectData(None, {"index": 0, "value": {"text": "Hva er målet?"}})
    assert ChatHandlers.pick_example(evt) == "Hva er målet?"


def test_filter_choices_from_documents(handlers: ChatHandlers) -> None:
    docs, kinds, years = handlers.filter_choices()
    assert docs[0] == ("Alle dokumenter", "")
    assert ("Årsrapport 2024 for Asker kommune", "arsrapport-2024") in docs
    assert ("Temaplan", "temaplan") in kinds
    assert [v for _, v in years] == ["", "2024", "2021"]


def test_filter_choices_without_documents_method(
    app_settings: Settings, feedback_store: FeedbackStore, limiter: SlidingWindowLimiter
) -> None:
    h = ChatHandlers(object(), app_settings, feedback_store, limiter)
    assert h.filter_choices() == (
        [("Alle dokumenter", "")],
        [("Alle typer", "")],
        [("Alle år", "")],
    )


# --- staff ---------------------------------------------------------------------------------------
def test_staff_upload_handler_and_document_list(
    staff_settings: Settings,
    fake_service: FakeService,
    feedback_store: FeedbackStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    jobs = IngestJobs(fake_service, staff_settings.data_dir / "uploads", 5)
    h = ChatHandlers(fake_service, staff_settings, feedback_store, SlidingWindowLimiter(100), jobs)
    # Where Gradio's upload widget stores a file: a folder of its own in the upload folder.
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    src = tmp_path / "gradio" / "3f2a" / "notat.txt"
    src.parent.mkdir(parents=True)
    src.write_text("Et notat.", encoding="utf-8")
    steps = list(h.upload(SimpleNamespace(name=str(src))))
    assert "ferdig" in steps[-1][0]
    titles = [row[0] for row in steps[-1][1]]
    assert "notat" in titles  # the new document is listed, no restart needed
    assert list(h.upload(None))[-1][0] == "Velg en fil først."


def test_export_feedback_files(handlers: ChatHandlers, feedback_store: FeedbackStore) -> None:
    feedback_store.add_feedback(question="q", answer="a", rating=1)
    feedback_store.log_unanswered("u")
    path = Path(handlers.export_feedback("csv"))
    assert path.suffix == ".csv"
    assert next(iter(csv.DictReader(path.open(encoding="utf-8-sig"))))["question"] == "q"
    path = Path(handlers.export_feedback("jsonl"))
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[0])["answer"] == "a"
    path = Path(handlers.export_feedback("csv", "unanswered"))
    assert "u" in path.read_text(encoding="utf-8-sig")
    assert handlers.unanswered_rows()[0][1] == "u"


# --- the page's requests go through the API's validator -----------------------------------------
def test_page_refuses_what_the_api_refuses(
    handlers: ChatHandlers, fake_service: FakeService
) -> None:
    chat, records, box = run(handlers, "x" * 1_000_000)[-1]
    assert "for langt (1000000 tegn)" in chat[-1]["content"]
    assert len(chat[0]["content"]) < 1_000  # the question is not echoed back whole
    assert records == [] and box == "x" * 1_000_000
    chat, _, _ = run(handlers, "Hva står i planen?", filters=("d" * 201, "", ""))[-1]
    assert "Ugyldige filtre: en verdi er for lang" in chat[-1]["content"]
    chat, _, box = run(handlers, "Hva er \ud800?")[-1]
    assert "ugyldige tegn" in chat[-1]["content"]
    for message in chat:
        message["content"].encode("utf-8")  # nothing the browser cannot be sent
    box.encode("utf-8")
    assert fake_service.calls == []


def test_page_history_is_cut_to_the_limits(
    handlers: ChatHandlers, fake_service: FakeService
) -> None:
    long_answer = {"answer": "svar " * 2_000, "citations": []}
    records = [{"question": f"Spørsmål {i}?", "answer": long_answer} for i in range(6)]
    run(handlers, "Og i 2023?", records=records)
    history = fake_service.calls[-1]["history"]
    assert len(history) == 8 and history[0].content == "Spørsmål 2?"
    assert all(len(t.content) <= 4_000 for t in history)

"""The page's handlers with the scripted fake service (no server, no browser)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import gradio as gr
import pytest

from assistant.types import StreamEvent, TimeBudgetExceeded
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
    assert len(steps) > 5  # placeholder, stages, several deltas, final
    first_chat, _, box = steps[0]
    assert box == ""  # textbox cleared at once
    assert first_chat[0]["role"] == "user"
    assert "asker-streaming" in first_chat[1]["content"]
    assert "Søker i dokumentene …" in first_chat[1]["content"]  # before the service says a word
    shown = [s[0][-1]["content"] for s in steps[1:-1]]
    stages = [i for i, c in enumerate(shown) if "asker-stage" in c]
    texts = [i for i, c in enumerate(shown) if "klimagassutslippene" in c]
    assert "Leser kildene …" in shown[stages[1]] and "Skriver svar …" in shown[stages[-1]]
    assert max(stages) < min(texts)  # the stages come first, then the text as it streams
    assert all("asker-sources" not in c and "asker-rate" not in c for c in shown)
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


def test_refusal_is_logged_with_its_closest_passages(
    handlers: ChatHandlers, feedback_store: FeedbackStore
) -> None:
    run(handlers, "Hva koster en pizza?")
    rows = feedback_store.list_unanswered()
    assert [r["question"] for r in rows] == ["Hva koster en pizza?"]
    closest = feedback_store.unanswered_groups()[0].closest
    assert closest[0]["title"] == "Årsrapport 2024 for Asker kommune" and closest[0]["page"] == 34


def test_service_error_shows_message(handlers: ChatHandlers, fake_service: FakeService) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("index gone")

    fake_service.ask_stream = boom  # type: ignore[method-assign]
    chat, records, _ = run(handlers, "Hei?")[-1]
    assert "noe gikk galt" in chat[-1]["content"] and records == []

    def slow(*args: Any, **kwargs: Any) -> Any:
        yield StreamEvent("stage", text="Søker i dokumentene …")
        raise TimeBudgetExceeded(30)

    fake_service.ask_stream = slow  # type: ignore[method-assign]
    chat, records, _ = run(handlers, "Hei?")[-1]
    assert "Svaret tok for lang tid og ble stoppet" in chat[-1]["content"] and records == []


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


# --- issue 15 -------------------------------------------------------------------------------------
def test_refusal_shows_closest_cards_and_names_the_filter(handlers: ChatHandlers) -> None:
    chat, records, _ = run(handlers, "Hva koster en pizza?", filters=("", "", "2024"))[-1]
    html = chat[-1]["content"]
    assert "asker-refused" in html and html.count('class="asker-source"') == 2
    assert "Søket var avgrenset til år 2024." in html
    assert "Årsrapport 2024 for Asker kommune (årsrapport, 2024)" in html  # what is covered
    assert records[0]["answer"]["refused"] is True


def test_stopping_closes_the_service_stream(
    handlers: ChatHandlers, fake_service: FakeService
) -> None:
    steps = handlers.respond("Hvor mye skal utslippene ned?", [], "", "", "", [], request())
    chat = []
    for chat, _, _ in steps:
        if "klimagassutslippene" not in chat[-1]["content"] and "Asker" in chat[-1]["content"]:
            break  # the first word is shown
    steps.close()  # what Gradio does when the stop button cancels the event
    assert fake_service.closed == 1 and fake_service.finished == 0
    stopped = ChatHandlers.stop(chat)
    assert "Svaret ble stoppet." in stopped[-1]["content"] and "Asker" in stopped[-1]["content"]
    assert ChatHandlers.stop(stopped) == stopped  # a finished message is left alone


def _select(value: Any) -> gr.SelectData:
    return gr.SelectData(None, {"index": 1, "value": value})


def test_rating_and_comment_at_the_answer(
    handlers: ChatHandlers, feedback_store: FeedbackStore
) -> None:
    chat, records, _ = run(handlers, "Hva er klimamålet?")[-1]
    chat, records, _ = run(handlers, "Og når ble planen vedtatt?", chat, records)[-1]
    prefix = records[1]["prefix"]
    assert f'name="{prefix}"' in chat[-1]["content"]  # the buttons name their answer
    records, reply = handlers.on_feedback(
        records, _select({"action": "rate", "answer": prefix, "rating": -1})
    )
    assert json.loads(reply) == {
        "answer": prefix, "message": "Takk for tilbakemeldingen!", "comment_saved": False,
    }  # fmt: skip
    rec = feedback_store.list_feedback()[0]
    assert rec.rating == -1 and rec.question == "Og når ble planen vedtatt?"
    assert rec.previous_question == "Hva er klimamålet?"  # the follow-up in context
    assert rec.certainty == "unsure"  # what the (fake) answer said of itself
    records, reply = handlers.on_feedback(
        records, _select({"action": "comment", "answer": prefix, "comment": "Mangler dato"})
    )
    assert json.loads(reply)["comment_saved"] is True
    records, _ = handlers.on_feedback(
        records, _select({"action": "rate", "answer": prefix, "rating": 1})
    )
    rec = feedback_store.list_feedback()[0]
    assert rec.rating == 1 and rec.comment == "Mangler dato"  # one row, changed
    assert len(feedback_store.list_feedback()) == 1


def test_feedback_payloads_that_are_not_ratings_are_ignored(
    handlers: ChatHandlers, feedback_store: FeedbackStore
) -> None:
    _, records, _ = run(handlers, "Hva er klimamålet?")[-1]
    prefix = records[0]["prefix"]
    for value in ("x", {"action": "rate", "answer": prefix, "rating": 5}, {"answer": 3}):
        assert handlers.on_feedback(records, _select(value)) == (records, "")
    _, reply = handlers.on_feedback(records, _select({"action": "rate", "answer": "nope",
                                                      "rating": 1}))  # fmt: skip
    assert "Fant ikke svaret" in reply
    _, reply = handlers.on_feedback(
        records, _select({"action": "comment", "answer": prefix, "comment": "hei"})
    )
    assert "tommel opp eller ned" in reply and feedback_store.list_feedback() == []


def test_filter_chips_and_removing_one(handlers: ChatHandlers) -> None:
    assert handlers.chips("", "", "") == ""
    html = handlers.chips("arsrapport-2024", "", "2024")
    assert "Dokument: <strong>Årsrapport 2024 for Asker kommune</strong>" in html
    assert "År: <strong>2024</strong>" in html and 'value="year"' in html
    assert 'aria-label="Fjern avgrensningen år: 2024"' in html
    document, kind, year, chips = handlers.remove_filter(
        "arsrapport-2024", "", "2024", _select("year")
    )
    assert (document, kind, year) == ("arsrapport-2024", "", "")
    assert "År:" not in chips and "Dokument:" in chips


def test_coverage_panel_lists_documents_examples_and_what_is_stored(
    handlers: ChatHandlers,
) -> None:
    html = handlers.coverage()
    assert "Dette kan du spørre om" in html
    assert "Årsrapport 2024 for Asker kommune" in html and "Årsrapport · 2024 · 40 sider" in html
    assert all(group in html for group in ("Innbygger", "Politiker", "Ansatt"))
    assert html.count('class="asker-btn asker-ask"') == 6
    assert "lagres ordrett" in html and "Personvern:" in html


def test_pdf_sources_link_to_the_page(handlers: ChatHandlers) -> None:
    chat, _, _ = run(handlers, "Hva var sykefraværet i 2024?")[-1]
    assert 'href="/dokumenter/arsrapport-2024.pdf#page=34"' in chat[-1]["content"]
    chat, _, _ = run(handlers, "Hva er målet?")[-1]
    assert "/dokumenter/temaplan-klima" not in chat[-1]["content"]  # a text file: no link

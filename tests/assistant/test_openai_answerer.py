"""The OpenAI-compatible answerer against a fake server (no network, no model)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from assistant.answerers import AnswererUnavailable
from assistant.answerers.openai_compat import OpenAICompatibleAnswerer
from assistant.prompting import REFUSAL_TOKEN, SYSTEM_PROMPT
from tests.assistant.fake_openai_server import FakeOpenAIServer
from vectorstore.settings import Settings, load_settings
from vectorstore.types import Chunk

REPLY = "Sykefraværet i Asker kommune var 9,3 prosent i 2024 [1]."


def _chunk(n: int, text: str, title: str = "Årsrapport 2024", page: int | None = 12) -> Chunk:
    return Chunk(
        id=f"arsrapport-2024:{page}:{n}:abc",
        doc_id="arsrapport-2024",
        title=title,
        kind="arsrapport",
        year=2024,
        page=page,
        section="Medarbeidere",
        text=text,
        start=0,
        end=len(text),
    )


PASSAGES = [
    _chunk(0, "Sykefraværet i Asker kommune var 9,3 prosent i 2024."),
    _chunk(1, "Kommunen hadde 6 200 årsverk ved utgangen av året.", page=14),
]


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(reply=REPLY) as srv:
        yield srv


def _settings(base_url: str, **kw: object) -> Settings:
    return load_settings(
        openai_base_url=base_url, openai_model="fake-model", openai_timeout_s=5.0, **kw
    )


def test_answer_returns_scripted_reply(server: FakeOpenAIServer) -> None:
    answerer = OpenAICompatibleAnswerer(_settings(server.base_url))
    answerer.warm_up()
    draft = answerer.answer("Hva var sykefraværet i 2024?", PASSAGES, "no")
    assert draft.text == REPLY
    assert draft.answerer == "openai"
    assert not draft.refused
    assert len(server.requests) == 1
    request = server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.body["model"] == "fake-model"
    assert request.body["temperature"] == 0
    assert not request.body.get("stream")
    assert request.headers.get("authorization") == "Bearer not-needed"


def test_prompt_contains_numbered_passages(server: FakeOpenAIServer) -> None:
    answerer = OpenAICompatibleAnswerer(_settings(server.base_url))
    answerer.answer("Hva var sykefraværet i 2024?", PASSAGES, "no")
    messages = server.last_body["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"] == SYSTEM_PROMPT
    user = messages[1]["content"]
    assert (
        "[1] Årsrapport 2024, s. 12\nSykefraværet i Asker kommune var 9,3 prosent i 2024." in user
    )
    assert "[2] Årsrapport 2024, s. 14\nKommunen hadde 6 200 årsverk" in user
    assert "Spørsmål: Hva var sykefraværet i 2024?" in user
    assert user.index("[1]") < user.index("[2]") < user.index("Spørsmål:")


def test_stream_yields_pieces(server: FakeOpenAIServer) -> None:
    answerer = OpenAICompatibleAnswerer(_settings(server.base_url))
    pieces = list(answerer.stream("Hva var sykefraværet i 2024?", PASSAGES, "no"))
    assert len(pieces) > 3
    assert "".join(pieces) == REPLY
    assert server.last_body.get("stream") is True
    assert "stream_options" not in server.last_body


def test_refusal_is_detected() -> None:
    with FakeOpenAIServer(reply=REFUSAL_TOKEN) as srv:
        draft = OpenAICompatibleAnswerer(_settings(srv.base_url)).answer(
            "Hvem vant fotball-VM?", PASSAGES, "no"
        )
    assert draft.refused
    assert draft.text == REFUSAL_TOKEN


def test_english_question_gets_english_prompt(server: FakeOpenAIServer) -> None:
    OpenAICompatibleAnswerer(_settings(server.base_url)).answer(
        "What was the sick leave in 2024?", PASSAGES, "en"
    )
    user = server.last_body["messages"][1]["content"]
    assert "Question: What was the sick leave in 2024?" in user
    assert "Answer in English" in user
    assert "[1] Årsrapport 2024, p. 12" in user


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_down_raises_unavailable() -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    answerer = OpenAICompatibleAnswerer(_settings(url), max_retries=0)
    with pytest.raises(AnswererUnavailable, match="Cannot reach") as info:
        answerer.answer("Hva var sykefraværet i 2024?", PASSAGES, "no")
    assert url in str(info.value)
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(AnswererUnavailable, match="Cannot reach"):
        list(answerer.stream("Hva var sykefraværet i 2024?", PASSAGES, "no"))


def test_http_error_raises_unavailable() -> None:
    with FakeOpenAIServer(status=404) as srv:
        answerer = OpenAICompatibleAnswerer(_settings(srv.base_url), max_retries=0)
        with pytest.raises(AnswererUnavailable, match="HTTP 404"):
            answerer.answer("Hva var sykefraværet i 2024?", PASSAGES, "no")


def test_timeout_raises_unavailable() -> None:
    with FakeOpenAIServer(reply=REPLY, delay_s=2.0) as srv:
        settings = load_settings(
            openai_base_url=srv.base_url, openai_model="fake-model", openai_timeout_s=0.3
        )
        answerer = OpenAICompatibleAnswerer(settings, max_retries=0)
        with pytest.raises(AnswererUnavailable, match="did not answer within"):
            answerer.answer("Hva var sykefraværet i 2024?", PASSAGES, "no")

"""The one request validator (page and API): its limits, its messages, and that no input makes
it fail with anything but a 400/413."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.types import Turn
from vectorstore.settings import load_settings
from web.validation import (
    MAX_JSON_DEPTH,
    AskRequest,
    Invalid,
    Limits,
    declared_too_large,
    nesting_exceeds,
    page_history,
    read_body,
    validate_ask,
    validate_body,
)

LIMITS = Limits(
    max_body_bytes=2_000,
    max_question_chars=50,
    max_history_turns=4,
    max_history_item_chars=100,
    max_filter_values=3,
    max_filter_value_chars=20,
)


def body(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def invalid(result: AskRequest | Invalid, status: int = 400) -> Invalid:
    assert isinstance(result, Invalid), result
    assert result.status == status
    assert result.message
    return result


def test_limits_come_from_the_settings() -> None:
    s = load_settings(
        max_request_bytes=1234,
        max_question_chars=77,
        max_history_turns=3,
        max_history_item_chars=99,
        max_filter_values=5,
        max_filter_value_chars=11,
    )
    assert Limits.from_settings(s) == Limits(1234, 77, 3, 99, 5, 11)
    defaults = Limits.from_settings(load_settings())
    assert defaults.max_body_bytes == 32_768 and defaults.max_history_turns == 8
    assert defaults.max_history_item_chars == 4_000 and defaults.max_question_chars == 500


def test_a_good_request() -> None:
    result = validate_ask(
        "  Hva er klimamålet?  ",
        [{"role": "user", "content": "Hei"}, {"role": "assistant", "content": "Hei!"}],
        {"document": "temaplan-klima", "year": "2024", "kinds": ["temaplan"]},
        LIMITS,
    )
    assert isinstance(result, AskRequest)
    assert result.question == "Hva er klimamålet?"
    assert result.history == (Turn("user", "Hei"), Turn("assistant", "Hei!"))
    assert result.filters is not None
    assert result.filters.doc_ids == ("temaplan-klima",)
    assert result.filters.years == (2024,)
    assert result.filters.kinds == ("temaplan",)
    empty = validate_ask("Hei", None, {"document": "", "year": None}, LIMITS)
    assert isinstance(empty, AskRequest) and empty.history == () and empty.filters is None


def test_question_limits_and_messages() -> None:
    assert invalid(validate_ask("   ", None, None, LIMITS)).reason == "empty"
    assert invalid(validate_ask(None, None, None, LIMITS)).reason == "empty"
    assert invalid(validate_ask(3, None, None, LIMITS)).reason == "empty"
    too_long = invalid(validate_ask("x" * 51, None, None, LIMITS))
    assert too_long.reason == "too_long"
    assert "for langt (51 tegn)" in too_long.message and "høyst 50 tegn" in too_long.message
    assert isinstance(validate_ask("x" * 50, None, None, LIMITS), AskRequest)
    assert invalid(validate_ask("Hei \ud800", None, None, LIMITS)).message == (
        "Teksten inneholder ugyldige tegn."
    )


def test_history_limits_and_messages() -> None:
    item = {"role": "user", "content": "Hei"}
    ok = validate_ask("Og i 2023?", [item] * 4, None, LIMITS)
    assert isinstance(ok, AskRequest) and len(ok.history) == 4
    many = invalid(validate_ask("Og i 2023?", [item] * 5, None, LIMITS))
    assert "høyst 4 elementer" in many.message
    long_item = invalid(
        validate_ask("Og i 2023?", [{"role": "user", "content": "x" * 101}], None, LIMITS)
    )
    assert "for langt (101 tegn)" in long_item.message and "høyst 100 tegn" in long_item.message
    for bad in (
        "nei",
        {"role": "user", "content": "x"},
        [{"role": "system", "content": "x"}],
        [{"role": "user", "content": 5}],
        [{"role": "user"}],
        ["tekst"],
        [None],
    ):
        problem = invalid(validate_ask("Hei", bad, None, LIMITS))
        assert problem.reason == "bad_history" and "history" in problem.message
    surrogate = [{"role": "user", "content": "\udc80"}]
    assert invalid(validate_ask("Hei", surrogate, None, LIMITS)).reason == "bad_text"


def test_filter_limits_and_messages() -> None:
    assert "objekt" in invalid(validate_ask("Hei", None, [1], LIMITS)).message
    assert "objekt" in invalid(validate_ask("Hei", None, "2024", LIMITS)).message
    long_value = invalid(validate_ask("Hei", None, {"document": "d" * 21}, LIMITS))
    assert "for lang (21 tegn, høyst 20)" in long_value.message
    many = invalid(validate_ask("Hei", None, {"document": ["a", "b"], "kind": ["c", "d"]}, LIMITS))
    assert "høyst 3 verdier" in many.message
    for year in ("abc", True, 2024.5, [2024, "x"], ["", 2024], {"år": 1}, 0, 123456, "9" * 21):
        problem = invalid(validate_ask("Hei", None, {"year": year}, LIMITS))
        assert problem.message == "Ugyldige filtre: «year» må være et årstall.", year
    for value in (5, {"a": 1}, [None], ["ok", 3]):
        problem = invalid(validate_ask("Hei", None, {"document": value}, LIMITS))
        assert "«document» og «kind» må være tekst" in problem.message
    assert invalid(validate_ask("Hei", None, {"kind": "\ud800"}, LIMITS)).reason == "bad_text"
    years = validate_ask("Hei", None, {"year": [2023, "2024", 2022.0]}, LIMITS)
    assert isinstance(years, AskRequest) and years.filters is not None
    assert years.filters.years == (2023, 2024, 2022)


def test_body_too_large_is_413() -> None:
    problem = invalid(validate_body(b" " * 2_001, LIMITS), 413)
    assert problem.reason == "body_too_large" and "for stor" in problem.message
    assert "32 KB" in invalid(validate_body(b"x" * 40_000, Limits()), 413).message


@pytest.mark.parametrize(
    "raw",
    [
        b'{"question": "\\ud800"}',
        b'{"question": "Hei", "history": [{"role": "user", "content": "\\udfff"}]}',
        b'{"question": NaN}',
        b'{"question": "Hei", "filters": {"year": Infinity}}',
        b'{"question": "Hei", "filters": {"year": -Infinity}}',
        b"[" * 50_000 + b"]" * 50_000,
        b'{"question": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b'{"question": "Hei", "filters": {"year": 1' + b"0" * 5_000 + b"}}",
        b"[]",
        '"Hva er klimamålet?"'.encode(),
        b"42",
        b"null",
        b"true",
        b"",
        b"{ikke json",
        b'{"question": "Hei"',
        b"\xff\xfe{}",
        b'\xef\xbb\xbf{"question": "Hei"}',
        '{"question": "Hæ"}'.encode("latin-1"),
        b'{"question": 3}',
        b'{"question": ["Hei"]}',
        b'{"question": {"text": "Hei"}}',
        b'{"question": "Hei", "history": {"role": "user"}}',
        b'{"question": "Hei", "history": [1, 2]}',
        b'{"question": "Hei", "filters": [1]}',
        b'{"question": "Hei", "filters": {"document": {"a": 1}}}',
        b'{"question": "Hei", "filters": {"year": true}}',
    ],
)
def test_malformed_bodies_are_400(raw: bytes) -> None:
    # A body limit above the deep-nesting cases' 100 KB, so that the parser sees them all.
    invalid(validate_body(raw, Limits(max_body_bytes=200_000)))


def test_malformed_json_messages() -> None:
    assert "NaN og Infinity" in invalid(validate_body(b'{"question": NaN}', LIMITS)).message
    deep = invalid(validate_body(b"[" * 1_000 + b"]" * 1_000, LIMITS))
    assert f"høyst {MAX_JSON_DEPTH} nivåer" in deep.message
    assert "JSON-objekt" in invalid(validate_body(b"[]", LIMITS)).message
    assert invalid(validate_body(b"{x", LIMITS)).message == "Forespørselen må være gyldig JSON."


def test_nesting_is_counted_outside_strings_only() -> None:
    assert not nesting_exceeds('{"question": "[[[[[[[[[[[[[[[[[[[[[[[[[["}', 2)
    assert not nesting_exceeds('{"q": "\\"[[[[[[[[["}', 1)
    assert nesting_exceeds('{"a": [[{"b": []}]]}', 4)
    assert not nesting_exceeds('{"a": [[{"b": []}]]}', 5)
    nested = b'{"question": "Hei", "x": ' + b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH + b"}"
    invalid(validate_body(nested, LIMITS))  # one level more than allowed
    ok = b'{"question": "Hei", "x": ' + b"[" * 15 + b"]" * 15 + b"}"
    assert isinstance(validate_body(ok, LIMITS), AskRequest)


async def _pieces(sizes: list[int], consumed: list[int]) -> AsyncIterator[bytes]:
    for size in sizes:
        consumed.append(size)
        yield b"x" * size


def test_read_body_stops_at_the_limit() -> None:
    consumed: list[int] = []
    result = asyncio.run(read_body(_pieces([600] * 1_000, consumed), 1_000))
    assert isinstance(result, Invalid) and result.status == 413
    assert len(consumed) == 2  # the rest of a huge body is never read
    consumed.clear()
    assert asyncio.run(read_body(_pieces([300, 300, 0], consumed), 1_000)) == b"x" * 600


def test_declared_length() -> None:
    assert declared_too_large(None, 100) is None
    assert declared_too_large("100", 100) is None
    too_big = declared_too_large("101", 100)
    assert too_big is not None and too_big.status == 413
    bad = declared_too_large("abc", 100)
    assert bad is not None and bad.status == 400
    huge = declared_too_large("9" * 40, 100)
    assert huge is not None and huge.status == 400


def test_page_history_keeps_the_last_turns_within_limits() -> None:
    turns = [Turn("user", f"spørsmål {i}") for i in range(10)] + [Turn("assistant", "x" * 500)]
    kept = page_history(turns, LIMITS)
    assert len(kept) == 4 and kept[0].content == "spørsmål 7"
    assert kept[-1].role == "assistant" and len(kept[-1].content) == 100
    assert isinstance(validate_ask("Og i 2023?", kept, None, LIMITS), AskRequest)
    assert page_history(turns, Limits(max_history_turns=0)) == []


# --- properties ---------------------------------------------------------------------------------
_json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=60)
_json = st.recursive(
    _json_leaf,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=10), children, max_size=6)
    ),
    max_leaves=40,
)
_keys = st.sampled_from(
    ["question", "history", "filters", "role", "content", "year", "years", "document", "kind"]
)
_shaped = st.dictionaries(_keys, _json, max_size=5)


def _within_limits(result: AskRequest, limits: Limits) -> None:
    assert result.question and len(result.question) <= limits.max_question_chars
    result.question.encode("utf-8")
    assert len(result.history) <= limits.max_history_turns
    for turn in result.history:
        assert turn.role in ("user", "assistant")
        assert len(turn.content) <= limits.max_history_item_chars
        turn.content.encode("utf-8")
    if result.filters is not None:
        f = result.filters
        assert len(f.doc_ids) + len(f.kinds) + len(f.years) <= limits.max_filter_values
        assert all(len(v) <= limits.max_filter_value_chars for v in (*f.doc_ids, *f.kinds))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=_json | _shaped)
def test_any_json_is_a_request_within_limits_or_a_400(payload: Any) -> None:
    try:
        raw = json.dumps(payload).encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        return
    result = validate_body(raw, LIMITS)
    if isinstance(result, Invalid):
        assert result.status in (400, 413) and result.message
    else:
        _within_limits(result, LIMITS)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=3_000))
def test_any_bytes_are_a_request_or_a_4xx(raw: bytes) -> None:
    result = validate_body(raw, LIMITS)
    assert isinstance(result, AskRequest | Invalid)
    if isinstance(result, Invalid):
        assert result.status in (400, 413)


@settings(max_examples=300, deadline=None)
@given(
    question=st.text(max_size=120),
    history=st.lists(
        st.fixed_dictionaries(
            {"role": st.sampled_from(["user", "assistant", "system"]), "content": st.text()}
        ),
        max_size=7,
    ),
    filters=st.dictionaries(
        st.sampled_from(["document", "kind", "year", "years", "kinds"]),
        st.text(max_size=30) | st.integers() | st.lists(st.text(max_size=25), max_size=4),
        max_size=3,
    ),
)
def test_random_text_fields(question: str, history: list[dict[str, str]], filters: Any) -> None:
    result = validate_ask(question, history, filters, LIMITS)
    if isinstance(result, AskRequest):
        _within_limits(result, LIMITS)
    else:
        assert result.status == 400 and result.message

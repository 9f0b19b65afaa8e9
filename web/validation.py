"""The one check of a question request, shared by the chat page and ``POST /api/ask``.

Everything a request carries is bounded here before any other work is done: the body's size
(read in pieces, stopping at the limit), its JSON (strict: no NaN/Infinity, no lone
surrogates, no deep nesting, an object), the question, each history item and their number,
each filter value and their number. A problem comes back as an :class:`Invalid` with the HTTP
status (413 for a too large body, 400 for the rest) and a Norwegian message; a good request
as a frozen :class:`AskRequest`.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, NoReturn

from assistant.types import Turn
from vectorstore.settings import Settings
from vectorstore.types import SearchFilters

#: Deepest nesting of arrays and objects a request body may have. A valid request nests three
#: deep (body -> history -> item); Python's JSON parser recurses once per level, so a body of
#: 50,000 "[" would otherwise end in RecursionError.
MAX_JSON_DEPTH = 16

Reason = Literal[
    "body_too_large",
    "bad_request",
    "bad_json",
    "not_object",
    "empty",
    "too_long",
    "bad_text",
    "bad_history",
    "bad_filters",
]

MSG_BAD_JSON = "Forespørselen må være gyldig JSON."
MSG_NO_CONSTANTS = "Forespørselen må være gyldig JSON: NaN og Infinity er ikke tillatt."
MSG_NOT_OBJECT = "Forventet et JSON-objekt med feltet «question»."
MSG_EMPTY = "Feltet «question» må være en tekst som ikke er tom."
MSG_BAD_TEXT = "Teksten inneholder ugyldige tegn."
MSG_HISTORY_TYPE = "Feltet «history» må være en liste med {role, content}."
MSG_HISTORY_ITEM = "Hvert element i «history» må ha role (user/assistant) og content (tekst)."
MSG_FILTERS_TYPE = 'Feltet «filters» må være et objekt, f.eks. {"year": 2024}.'
MSG_BAD_YEAR = "Ugyldige filtre: «year» må være et årstall."
MSG_FILTER_TEXT = "Ugyldige filtre: «document» og «kind» må være tekst eller en liste med tekster."

#: The filter keys :meth:`SearchFilters.from_mapping` reads, by what they hold.
YEAR_KEYS = ("years", "year")
TEXT_KEYS = ("doc_ids", "document", "doc_id", "documents", "kinds", "kind")


@dataclass(frozen=True)
class Limits:
    """The request limits, from the settings."""

    max_body_bytes: int = 32_768
    max_question_chars: int = 500
    max_history_turns: int = 8
    max_history_item_chars: int = 4_000
    max_filter_values: int = 10
    max_filter_value_chars: int = 200

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_body_bytes=settings.max_request_bytes,
            max_question_chars=settings.max_question_chars,
            max_history_turns=settings.max_history_turns,
            max_history_item_chars=settings.max_history_item_chars,
            max_filter_values=settings.max_filter_values,
            max_filter_value_chars=settings.max_filter_value_chars,
        )


@dataclass(frozen=True)
class Invalid:
    """Why a request is refused: the HTTP status and a message for people."""

    reason: Reason
    message: str
    status: int = 400


@dataclass(frozen=True)
class AskRequest:
    """A checked question: stripped, with bounded history and filters (None when empty)."""

    question: str
    history: tuple[Turn, ...] = ()
    filters: SearchFilters | None = None


def too_long_message(length: int, limit: int) -> str:
    return (
        f"Spørsmålet er for langt ({length} tegn). Det kan være høyst {limit} tegn – "
        "prøv å korte det ned."
    )


def body_too_large_message(limit: int) -> str:
    size = f"{limit // 1024} KB" if limit % 1024 == 0 else f"{limit} byte"
    return f"Forespørselen er for stor. Den kan være høyst {size}."


# --- the body ----------------------------------------------------------------------------------
async def read_body(chunks: AsyncIterator[bytes], limit: int) -> bytes | Invalid:
    """The body from its pieces, or 413 as soon as it passes ``limit`` bytes (the rest is not
    read, whatever Content-Length said)."""
    received = bytearray()
    async for chunk in chunks:
        received += chunk
        if len(received) > limit:
            return Invalid("body_too_large", body_too_large_message(limit), 413)
    return bytes(received)


def declared_too_large(content_length: str | None, limit: int) -> Invalid | None:
    """413 at once when the declared length is over the limit; 400 when it is no number."""
    if content_length is None:
        return None
    value = content_length.strip()
    if not value.isdigit() or len(value) > 18:
        return Invalid("bad_request", "Ugyldig Content-Length.")
    if int(value) > limit:
        return Invalid("body_too_large", body_too_large_message(limit), 413)
    return None


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not allowed")


def nesting_exceeds(text: str, limit: int) -> bool:
    """Do arrays and objects in JSON ``text`` nest deeper than ``limit``? (Linear; brackets
    inside strings do not count.)"""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def too_deep_message(max_depth: int) -> str:
    return f"Forespørselen er for dypt nestet (høyst {max_depth} nivåer)."


def lone_surrogate_in(value: object) -> bool:
    """Does a parsed JSON value hold a string (or key) that cannot be written as UTF-8?
    (Iterative: the nesting is bounded before parsing, the walk needs no recursion anyway.)"""
    pending: list[object] = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not encodable(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def parse_strict_json(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> object | Invalid:
    """Any JSON value from a UTF-8 body, strictly: not UTF-8, NaN/Infinity, nesting deeper than
    ``max_depth``, a lone surrogate anywhere or anything unparsable is a 400."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Invalid("bad_json", MSG_BAD_JSON)
    if nesting_exceeds(text, max_depth):
        return Invalid("bad_json", too_deep_message(max_depth))
    try:
        payload = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        message = MSG_NO_CONSTANTS if "is not allowed" in str(exc) else MSG_BAD_JSON
        return Invalid("bad_json", message)
    except RecursionError:  # pragma: no cover - the depth check comes first
        return Invalid("bad_json", too_deep_message(max_depth))
    if lone_surrogate_in(payload):
        return Invalid("bad_text", MSG_BAD_TEXT)
    return payload


def parse_json_object(body: bytes) -> Mapping[str, object] | Invalid:
    """A JSON object from a UTF-8 body, strictly: anything else is a 400."""
    payload = parse_strict_json(body, MAX_JSON_DEPTH)
    if isinstance(payload, Invalid):
        return payload
    if not isinstance(payload, dict):
        return Invalid("not_object", MSG_NOT_OBJECT)
    return payload


# --- the fields --------------------------------------------------------------------------------
def encodable(text: str) -> bool:
    """Can ``text`` be written as UTF-8? (Not when it holds a lone surrogate, ``"\\ud800"``.)"""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_question(value: object, limits: Limits) -> str | Invalid:
    if not isinstance(value, str):
        return Invalid("empty", MSG_EMPTY)
    question = value.strip()
    if not question:
        return Invalid("empty", MSG_EMPTY)
    if len(question) > limits.max_question_chars:
        return Invalid("too_long", too_long_message(len(question), limits.max_question_chars))
    if not encodable(question):
        return Invalid("bad_text", MSG_BAD_TEXT)
    return question


def _history_item(item: object, limits: Limits) -> Turn | Invalid:
    if isinstance(item, Turn):
        role: object = item.role
        content: object = item.content
    elif isinstance(item, Mapping):
        role, content = item.get("role"), item.get("content")
    else:
        return Invalid("bad_history", MSG_HISTORY_ITEM)
    if role not in ("user", "assistant") or not isinstance(content, str):
        return Invalid("bad_history", MSG_HISTORY_ITEM)
    if len(content) > limits.max_history_item_chars:
        return Invalid(
            "too_long",
            f"Et element i «history» er for langt ({len(content)} tegn). Det kan være høyst "
            f"{limits.max_history_item_chars} tegn.",
        )
    if not encodable(content):
        return Invalid("bad_text", MSG_BAD_TEXT)
    return Turn("user" if role == "user" else "assistant", content)


def check_history(value: object, limits: Limits) -> tuple[Turn, ...] | Invalid:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        return Invalid("bad_history", MSG_HISTORY_TYPE)
    if len(value) > limits.max_history_turns:
        return Invalid(
            "bad_history",
            f"«history» kan ha høyst {limits.max_history_turns} elementer – send bare de siste.",
        )
    turns: list[Turn] = []
    for item in value:
        turn = _history_item(item, limits)
        if isinstance(turn, Invalid):
            return turn
        turns.append(turn)
    return tuple(turns)


def _values(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _year(value: object) -> int | None:
    """A year from an int, an integral float or a string of digits; None when it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = int(value) if math.isfinite(value) and value.is_integer() else None
    elif isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdigit() else None
    return value if isinstance(value, int) and 0 < value < 10_000 else None


def _text_value(value: object, limits: Limits) -> str | Invalid:
    if not isinstance(value, str):
        return Invalid("bad_filters", MSG_FILTER_TEXT)
    if len(value) > limits.max_filter_value_chars:
        return Invalid(
            "bad_filters",
            f"Ugyldige filtre: en verdi er for lang ({len(value)} tegn, høyst "
            f"{limits.max_filter_value_chars}).",
        )
    if not encodable(value):
        return Invalid("bad_text", MSG_BAD_TEXT)
    return value


def _clean_filter_values(key: str, raw: list[object], limits: Limits) -> list[object] | Invalid:
    clean: list[object] = []
    for value in raw:
        if key in YEAR_KEYS:
            too_long = isinstance(value, str) and len(value) > limits.max_filter_value_chars
            year = None if too_long else _year(value)
            if year is None:
                return Invalid("bad_filters", MSG_BAD_YEAR)
            clean.append(year)
        else:
            text = _text_value(value, limits)
            if isinstance(text, Invalid):
                return text
            clean.append(text)
    return clean


def check_filters(value: object, limits: Limits) -> SearchFilters | Invalid | None:
    """Filters as :meth:`SearchFilters.from_mapping` reads them (single values or lists), each
    value checked; None when they restrict nothing."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        return Invalid("bad_filters", MSG_FILTERS_TYPE)
    cleaned: dict[str, object] = {}
    count = 0
    for key in (*YEAR_KEYS, *TEXT_KEYS):
        if key not in value:
            continue
        raw = value[key]
        if raw is None or raw == "":  # "no restriction", as from_mapping reads it
            cleaned[key] = raw
            continue
        values = _values(raw)
        count += len(values)
        if count > limits.max_filter_values:
            return Invalid(
                "bad_filters", f"Ugyldige filtre: høyst {limits.max_filter_values} verdier."
            )
        clean = _clean_filter_values(key, values, limits)
        if isinstance(clean, Invalid):
            return clean
        # from_mapping skips None, "" and []: keep the shape so that it picks the same key.
        cleaned[key] = clean if isinstance(raw, list | tuple) else clean[0]
    filters = SearchFilters.from_mapping(cleaned)
    return None if filters.empty else filters


def validate_ask(
    question: object, history: object, filters: object, limits: Limits
) -> AskRequest | Invalid:
    """Check a question request, field by field, cheapest first."""
    checked_question = check_question(question, limits)
    if isinstance(checked_question, Invalid):
        return checked_question
    turns = check_history(history, limits)
    if isinstance(turns, Invalid):
        return turns
    checked_filters = check_filters(filters, limits)
    if isinstance(checked_filters, Invalid):
        return checked_filters
    return AskRequest(checked_question, turns, checked_filters)


def validate_payload(payload: Mapping[str, object], limits: Limits) -> AskRequest | Invalid:
    """Check a ``POST /api/ask`` body (already parsed)."""
    return validate_ask(
        payload.get("question"), payload.get("history"), payload.get("filters"), limits
    )


def validate_body(body: bytes, limits: Limits) -> AskRequest | Invalid:
    """Check a ``POST /api/ask`` body as received."""
    if len(body) > limits.max_body_bytes:
        return Invalid("body_too_large", body_too_large_message(limits.max_body_bytes), 413)
    payload = parse_json_object(body)
    if isinstance(payload, Invalid):
        return payload
    return validate_payload(payload, limits)


def page_history(turns: Sequence[Turn], limits: Limits) -> list[Turn]:
    """The page's own last turns, cut to the limits (its answers can be long; the service
    reads only the user's questions, which the page already checked)."""
    recent = list(turns)[-limits.max_history_turns :] if limits.max_history_turns else []
    return [Turn(t.role, t.content[: limits.max_history_item_chars]) for t in recent]

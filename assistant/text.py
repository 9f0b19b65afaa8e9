"""Small text tools the assistant and the evaluations share: citation markers, numbers, terms.

Language knowledge (lemmas, stop words, compounds, language detection) lives in
:mod:`vectorstore.language`; sentence splitting in :mod:`vectorstore.passages`.
"""

from __future__ import annotations

import re

from vectorstore.language import content_lemmas, language_of
from vectorstore.passages import sentences as sentences
from vectorstore.passages import split_sentences as split_sentences

#: "1 234,5", "9,3", "2024", "12.5" (thousands separated by a space are joined).
_NUMBER = re.compile(r"(?<![\w,.])\d{1,3}(?:[ \u00a0]\d{3})+(?:,\d+)?(?![\d])|\d+(?:[.,]\d+)?")
_CITATION = re.compile(r"\s*\[(\d+)\]")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-9]\d)(?!\d)")


def normalize_number(raw: str) -> str:
    """``"1 234,50"`` -> ``"1234.5"``; ``"9,3"`` -> ``"9.3"``; ``"2024"`` -> ``"2024"``."""
    value = raw.replace("\u00a0", "").replace(" ", "")
    if "," in value and "." in value:
        value = value.replace(".", "")
    value = value.replace(",", ".")
    if "." in value:
        value = value.rstrip("0").rstrip(".") or "0"
    return value


def numbers_in(text: str) -> set[str]:
    """Normalised numbers that occur in ``text`` (citation markers excluded)."""
    return {normalize_number(m.group(0)) for m in _NUMBER.finditer(strip_citations(text))}


def years_in(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text)]


def strip_citations(text: str) -> str:
    return _CITATION.sub("", text)


def cited_numbers(text: str) -> list[int]:
    return [int(n) for n in _CITATION.findall(text)]


def content_terms(text: str) -> list[str]:
    """Lemmas of the content words (stop words and citation markers removed), in order."""
    return content_lemmas(strip_citations(text))


def detect_language(text: str) -> str:
    """``"en"`` for English, else ``"no"`` (see :func:`vectorstore.language.language_of`)."""
    return "en" if language_of(text) == "en" else "no"

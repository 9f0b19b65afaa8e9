"""Small text tools the assistant shares: sentences, numbers, content terms, language."""

from __future__ import annotations

import re
from functools import lru_cache

from vectorstore.lexical import tokenize

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"»”)]?\s+(?=[\"«(]?[A-ZÆØÅ0-9•–-])")
_BULLET = re.compile(r"^\s*(?:[•\-–*]|\d+[.)])\s+")
#: "1 234,5", "9,3", "2024", "12.5" (thousands separated by a space are joined).
_NUMBER = re.compile(r"(?<![\w,.])\d{1,3}(?:[ \u00a0]\d{3})+(?:,\d+)?(?![\d])|\d+(?:[.,]\d+)?")
_CITATION = re.compile(r"\s*\[(\d+)\]")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-9]\d)(?!\d)")


def split_sentences(text: str, *, lines: bool = False) -> list[tuple[int, int]]:
    """Spans of sentences in ``text``. Line breaks end sentences too when ``lines`` is set
    (tables and lists), and always where a line is a bullet or a blank line separates paragraphs.
    """
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        block_start = para.start()
        block = para.group(0)
        pieces: list[tuple[int, int]] = []
        if lines or any(_BULLET.match(line) for line in block.split("\n")):
            offset = 0
            for line in block.split("\n"):
                pieces.append((offset, offset + len(line)))
                offset += len(line) + 1
        else:
            pieces.append((0, len(block)))
        for p_start, p_end in pieces:
            piece = block[p_start:p_end]
            cursor = 0
            for match in _SENTENCE_END.finditer(piece):
                spans.append((block_start + p_start + cursor, block_start + p_start + match.start()))
                cursor = match.end()
            spans.append((block_start + p_start + cursor, block_start + p_end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def sentences(text: str, *, lines: bool = False) -> list[str]:
    return [text[s:e].strip() for s, e in split_sentences(text, lines=lines)]


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
    """Stemmed, stop-word-free terms (the same analysis as the BM25 index)."""
    return tokenize(strip_citations(text))


_EN_WORDS = frozenset(
    "the what which who whom how why when where is are was were does do did of in on for to "
    "and with by from about many much has have had will would can could should this that these "
    "those there their its it municipality council plan report".split()
)
_NO_WORDS = frozenset(
    "hva hvilke hvilken hvem hvordan hvorfor når hvor er var ble blir har hadde skal kan kunne "
    "og i på for til med av fra om mange mye det den de som ikke også kommunen kommune planen "
    "rapporten hvor mye hvor mange er det".split()
)


@lru_cache(maxsize=2048)
def detect_language(text: str) -> str:
    """``"en"`` for English, else ``"no"`` (Norwegian bokmål is the default)."""
    if re.search(r"[æøåÆØÅ]", text):
        return "no"
    words = re.findall(r"[a-zA-Z]+", text.lower())
    en = sum(w in _EN_WORDS for w in words)
    no = sum(w in _NO_WORDS for w in words)
    return "en" if en > no else "no"

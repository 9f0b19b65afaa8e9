"""Scoring functions for the evaluations: answer matching, evidence checks and ranking metrics.

Everything here is pure (no index, no model) so it can be unit-tested against hand-computed
examples.

Answer matching
    Both the answer and the expected strings are normalised (:func:`normalize_answer_text`):
    NFC, case-folded, soft hyphens and ``[n]`` citation markers removed, whitespace collapsed,
    decimal commas as points (``"9,3"`` -> ``"9.3"``, ``"25,0"`` -> ``"25"``),
    ``prosent``/``percent`` -> ``%``. A number in an expected string only matches a whole number
    of the answer: ``"17"`` is not found in ``"2017"`` or ``"17,5"``, and thousands may be
    grouped with a space or not on either side (``"100 492"`` matches ``"100492"`` and the
    other way round). Space-grouped thousands are not merged in the answer itself, because
    table rows list numbers separated by spaces (``"912 589 242 581"`` contains ``"242"``).

Evidence
    A passage contains the evidence when the evidence's letters and digits (case-folded; spaces,
    punctuation, hyphens and line breaks ignored) occur in the passage's, or - for evidence of
    at least :data:`MIN_FUZZY_CHARS` such characters - when at least :data:`FUZZY_SHARE` of them
    occur as one unbroken run in the passage (an evidence span cut by a chunk boundary, or a
    table row whose last cell was split off).
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

SOFT_HYPHEN = "\u00ad"
MIN_FUZZY_CHARS = 25
FUZZY_SHARE = 0.8
#: Expected values within this relative distance count as one value (``1836,6`` / ``1836,7``).
SAME_VALUE_TOLERANCE = 0.001

_WS_RE = re.compile(r"\s+")
_CITATION_RE = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
_EXPECTED_NUMBER_RE = re.compile(r"\d{1,3}(?: \d{3})+(?![\d])(?:\.\d+)?|\d+(?:\.\d+)?")
_DECIMAL_COMMA_RE = re.compile(r"(?<=\d),(?=\d)")
_ZERO_DECIMALS_RE = re.compile(r"(?<=\d)\.0+(?![\d])")
_PERCENT_RE = re.compile(r"\s*(?:%|\bprosent\b|\bpercent\b|\bper cent\b)")


def normalize_answer_text(text: str) -> str:
    """The canonical form used for matching answers; see the module docstring."""
    text = unicodedata.normalize("NFC", text).replace(SOFT_HYPHEN, "")
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    text = _CITATION_RE.sub(" ", text)
    text = _WS_RE.sub(" ", text).strip().casefold()
    text = _DECIMAL_COMMA_RE.sub(".", text)
    text = _ZERO_DECIMALS_RE.sub("", text)
    text = _PERCENT_RE.sub(" %", text)
    return _WS_RE.sub(" ", text).strip()


def _number_pattern(number: str) -> str:
    """``"100492"`` or ``"100 492"`` -> a pattern for both spellings (and ``"100492.5"``...)."""
    integer, _, decimals = number.replace(" ", "").partition(".")
    groups: list[str] = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    body = " ?".join(groups)
    return body + (r"\." + decimals if decimals else "")


def _pattern(expected_norm: str) -> re.Pattern[str]:
    """A search pattern for a normalised expected string with whole-number boundaries."""
    parts: list[str] = []
    pos = 0
    for match in _EXPECTED_NUMBER_RE.finditer(expected_norm):
        parts.append(re.escape(expected_norm[pos : match.start()]))
        parts.append(_number_pattern(match.group(0)))
        pos = match.end()
    parts.append(re.escape(expected_norm[pos:]))
    body = "".join(parts)
    if expected_norm[:1].isdigit():
        body = r"(?<!\d)(?<!\d\.)" + body
    if expected_norm[-1:].isdigit():
        body = body + r"(?!\d)(?!\.\d)"
    return re.compile(body)


def contains_expected(answer_text: str, expected: str) -> bool:
    """True when one expected string occurs in the answer (after normalisation)."""
    target = normalize_answer_text(expected)
    if not target:
        return False
    return _pattern(target).search(normalize_answer_text(answer_text)) is not None


def _value(expected: str) -> float | None:
    """The first number of an expected string (normalised), e.g. ``"25 prosent"`` -> 25.0."""
    match = _EXPECTED_NUMBER_RE.search(normalize_answer_text(expected))
    return float(match.group(0).replace(" ", "")) if match else None


def value_groups(expected: Sequence[str]) -> list[list[str]]:
    """Expected strings grouped by the value they state.

    ``["22,4", "25,0", "25 prosent"]`` -> ``[["22,4"], ["25,0", "25 prosent"]]``. Strings
    without a number each form their own group. Values within :data:`SAME_VALUE_TOLERANCE`
    (relative) are one group: a dataset lists ``1836,6`` and ``1836,7`` when two chapters round
    the same figure differently.
    """
    groups: list[tuple[float | None, list[str]]] = []
    for item in expected:
        value = _value(item)
        for group_value, members in groups:
            if (
                value is not None
                and group_value is not None
                and abs(value - group_value) <= SAME_VALUE_TOLERANCE * max(abs(value), 1e-9)
            ):
                members.append(item)
                break
        else:
            groups.append((value, [item]))
    return [members for _, members in groups]


def answer_matches(answer_text: str, expected: Sequence[str], require_all: bool = False) -> bool:
    """Does the answer give the expected value(s)?

    ``require_all=False``: one expected string suffices. ``require_all=True`` (comparisons of two
    years): every value group of :func:`value_groups` must be present (one member of it).
    """
    if not expected:
        return False
    if not require_all:
        return any(contains_expected(answer_text, e) for e in expected)
    return all(
        any(contains_expected(answer_text, e) for e in group) for group in value_groups(expected)
    )


def squash(text: str) -> str:
    """Letters and digits only, case-folded (NFC, soft hyphens dropped)."""
    text = unicodedata.normalize("NFC", text).replace(SOFT_HYPHEN, "").casefold()
    return "".join(ch for ch in text if ch.isalnum())


def passage_contains_evidence(passage_text: str, evidence: str) -> bool:
    """Does the passage contain the evidence span? See the module docstring."""
    ev = squash(evidence)
    if not ev:
        return False
    text = squash(passage_text)
    if ev in text:
        return True
    if len(ev) < MIN_FUZZY_CHARS or not text:
        return False
    match = SequenceMatcher(None, ev, text, autojunk=False).find_longest_match(
        0, len(ev), 0, len(text)
    )
    return match.size >= FUZZY_SHARE * len(ev)


# ------------------------------------------------------------------------------------------
# Ranking metrics over relevance flags (True = the passage at that rank is relevant).


def hit_at_k(ranked_flags: Sequence[bool], k: int) -> float:
    """1.0 when a relevant passage is among the first ``k``, else 0.0."""
    return 1.0 if any(ranked_flags[:k]) else 0.0


def first_relevant_rank(ranked_flags: Sequence[bool]) -> int | None:
    """The 1-based rank of the first relevant passage, or None."""
    for i, flag in enumerate(ranked_flags, start=1):
        if flag:
            return i
    return None


def mrr(ranked_flags: Sequence[bool]) -> float:
    """Reciprocal rank of the first relevant passage (0.0 when none is relevant)."""
    rank = first_relevant_rank(ranked_flags)
    return 1.0 / rank if rank else 0.0


def ndcg_at_k(ranked_flags: Sequence[bool], k: int) -> float:
    """Binary-relevance nDCG@k.

    DCG = sum of 1/log2(rank + 1) over relevant ranks <= k. The ideal ranking puts all relevant
    passages found in the list (at most ``k``) first; with none relevant the score is 0.0.
    """
    flags = list(ranked_flags)
    dcg = sum(1.0 / math.log2(i + 2) for i, flag in enumerate(flags[:k]) if flag)
    n_relevant = min(k, sum(1 for f in flags if f))
    if n_relevant == 0:
        return 0.0
    ideal = sum(1.0 / math.log2(i + 2) for i in range(n_relevant))
    return dcg / ideal


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0..100) with linear interpolation (numpy's default method).

    Raises ``ValueError`` for no values.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(ordered[lo])
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


# ------------------------------------------------------------------------------------------
# Aggregates (None when there is nothing to aggregate, so reports can print "-").


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def share(flags: Iterable[bool]) -> float | None:
    """The fraction of true flags; None for no flags."""
    items = list(flags)
    return sum(1 for f in items if f) / len(items) if items else None


def median(values: Iterable[float]) -> float | None:
    items = list(values)
    return float(statistics.median(items)) if items else None


def latency_summary(values: Iterable[float]) -> dict[str, float | None]:
    """``{"n", "p50", "p95", "mean"}`` in the values' unit (None entries for no values)."""
    items = [float(v) for v in values]
    if not items:
        return {"n": 0, "p50": None, "p95": None, "mean": None}
    return {
        "n": len(items),
        "p50": percentile(items, 50),
        "p95": percentile(items, 95),
        "mean": sum(items) / len(items),
    }


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """``ours / theirs`` or None when either is missing or ``theirs`` is 0."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs

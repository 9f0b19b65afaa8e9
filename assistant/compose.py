"""Answers from the reader's verdict: quotes, table values, refusals with the closest passages.

:class:`QuoteComposer` is the extractive answer: the sentence the reader judged best, quoted
with its citation (with the whole bullet item it stands in, or the list a lead ending in a
colon introduces, within the settings' bounds, or else the sentence next to it in its paragraph
when the reader judges that one nearly as likely to answer), or for a table row the one printed
value the question asks for (year, place) read from the row's indicator records.
:func:`refusal` says the documents do not answer and carries the closest passages, each with
its best sentence, so that people see what the documents do say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.candidates import Candidate
from assistant.reader import Judged
from assistant.types import Citation, Language
from assistant.values import RowValues, pick, places_named
from vectorstore.passages import ListBlock, adjacent, bullet_item, list_after, named_cells

REFUSAL_NO = "Jeg finner ikke dette i dokumentene."
REFUSAL_EN = "I cannot find this in the documents."
#: The answer to a question that names nothing to look up (only a year, or nothing at all).
ASKS_NOTHING = {
    "no": "Spørsmålet sier ikke hva du vil vite (bare et år, eller ingenting). Skriv hele "
    "spørsmålet, for eksempel hva du lurer på om et tall, en plan eller en tjeneste.",
    "en": "The question does not say what you want to know (only a year, or nothing). Please "
    "write the whole question: which figure, plan or service it is about.",
}
#: Passages shown with a refusal.
CLOSEST_PASSAGES = 3


@dataclass(frozen=True)
class Composition:
    text: str
    citations: tuple[Citation, ...]
    refused: bool = False
    indicator: dict[str, Any] | None = None
    closest: tuple[Citation, ...] = ()
    notes: tuple[str, ...] = ()


def closest_citations(
    judged: Judged, limit: int = CLOSEST_PASSAGES, cited: tuple[Citation, ...] = ()
) -> tuple[Citation, ...]:
    """The best candidates of distinct passages, as numbered citations (not cited by a text),
    leaving out the passages of ``cited``."""
    if limit <= 0:
        return ()
    out: list[Citation] = []
    seen: set[str] = {c.chunk.id for c in cited}
    for candidate, probability in judged.ranked:
        if candidate.chunk.id in seen:
            continue
        seen.add(candidate.chunk.id)
        out.append(Citation(len(out) + 1, candidate.chunk, candidate.text, confidence=probability))
        if len(out) >= limit:
            break
    return tuple(out)


def refusal(judged: Judged, language: Language, reason: str = "") -> Composition:
    text = REFUSAL_EN if language == "en" else REFUSAL_NO
    if reason:
        text = f"{text} {reason}"
    return Composition(text, (), refused=True, closest=closest_citations(judged))


def asks_nothing(language: Language) -> Composition:
    """The refusal of a question that names nothing to look up: it says why, and shows no
    passages (none is closer than another)."""
    return Composition(ASKS_NOTHING[language], (), refused=True)


def _value_sentence(label: str, value: str, year: int, place: str | None, lang: Language) -> str:
    where = f" ({place})" if place else ""
    if lang == "en":
        return f"{label}{where}: {value} in {year} [1]."
    return f"{label}{where} var {value} i {year} [1]."


def _measured_at(title: str, place: str, lang: Language) -> str:
    """What a table by place measures, at the row's place: "Dekningsgrad av arbeidsplasser i
    Lier" (the row's own label, "Lier", does not say what was measured); also a label that
    several tables share, at its table: "Ansatte (antall) i Oppvekst"."""
    return f"{title}, {place}" if lang == "en" else f"{title} i {place}"


def _missing_reason(label: str, missing: str, lang: Language) -> str:
    if lang == "en":
        return f"The table «{label}» gives no figure for {missing}."
    return f"Tabellen «{label}» oppgir ikke noe tall for {missing}."


@dataclass
class QuoteComposer:
    """The extractive answer (see the module docstring)."""

    values: RowValues | None = None
    #: A lead's list: at most this many items and characters (0 items: the lead alone).
    list_items: int = 12
    list_chars: int = 1200
    #: A bullet item this long at most is quoted whole (0: the sentence alone).
    item_chars: int = 600
    #: The sentence next to the best in its paragraph is quoted too when the reader gives it at
    #: least this share of the best's probability (above 1: never).
    adjacent_ratio: float = 0.4

    def compose(self, judged: Judged, language: Language) -> Composition:
        best = judged.best
        if best is None or not judged.answered:
            return refusal(judged, language)
        candidate, probability = best
        if candidate.span.kind == "row" and self.values is not None:
            composed = self._row_answer(judged, candidate, probability, language)
            if composed is not None:
                return composed
        citation = Citation(1, candidate.chunk, candidate.text, confidence=probability)
        quoted = _quote(candidate)
        if candidate.span.kind == "sentence":
            quoted = (
                self._listed(candidate)
                or self._item(candidate)
                or self._with_adjacent(judged, candidate, probability)
                or quoted
            )
        return Composition(f"{quoted} [1]", (citation,))

    def _item(self, candidate: Candidate) -> str | None:
        """The whole bullet item a quoted sentence stands in, when the item has more to say
        and is short enough to quote (an item is one statement by the document's layout)."""
        text = candidate.chunk.text
        item = bullet_item(text, candidate.span.start, candidate.span.end)
        if item is None or item[1] - item[0] > self.item_chars:
            return None
        return " ".join(text[item[0] : item[1]].split())

    def _with_adjacent(
        self, judged: Judged, candidate: Candidate, probability: float
    ) -> str | None:
        """The best sentence and the one right before or after it in its paragraph, in the
        document's order, when the reader gives that one at least ``adjacent_ratio`` of the
        best's probability: by the reader's own judgement the answer spans both."""
        bar = self.adjacent_ratio * probability
        for other, other_probability in judged.ranked[1:]:
            if other_probability < bar:
                return None  # best first: no later one reaches the bar
            same_passage = other.chunk.id == candidate.chunk.id and other.span.kind == "sentence"
            if same_passage and adjacent(candidate.chunk.text, candidate.span, other.span):
                first, second = sorted((candidate, other), key=lambda c: c.span.start)
                return f"{_quote(first)} {_quote(second)}"
        return None

    def _listed(self, candidate: Candidate) -> str | None:
        """The list a quoted lead introduces, lead and items, when the sentence is a lead ending
        in a colon ("Kommunen har tre lovpålagte råd:" says nothing without its items); None
        when it is not, or no list follows. (Quoting the whole list for an item of it when the
        question asks for a list was measured and not kept: see docs/history.md.)"""
        text = candidate.chunk.text
        block = list_after(text, candidate.span.start, candidate.span.end)
        if block is None:
            return None
        shown = _bounded(block, text, self.list_items, self.list_chars)
        if shown is None:
            return None
        cut = "\n…" if len(shown.items) < len(block.items) else ""
        return shown.text(text) + cut

    def _row_answer(
        self, judged: Judged, candidate: Candidate, probability: float, language: Language
    ) -> Composition | None:
        assert self.values is not None
        series = self.values.series(candidate.chunk, candidate.text)
        if series is None:
            return None
        asked = places_named(judged.question.text, self.values.places())
        picked = pick(series, judged.question.years, asked)
        label = series.label
        if series.first.table_title and self.values.by_place(series.first):
            label = _measured_at(series.first.table_title, label, language)
        elif qualifier := self.values.qualifier(series.first):
            label = _measured_at(label, qualifier, language)
        if picked.record is None:
            if picked.missing:
                return refusal(judged, language, _missing_reason(label, picked.missing, language))
            return None
        record = picked.record
        text = _value_sentence(label, record.value_text, record.year, record.place, language)
        citation = Citation(
            1,
            candidate.chunk,
            candidate.text,
            value=record.value_text,
            value_year=record.year,
            confidence=probability,
        )
        indicator = {**series.to_indicator([record]), "indicator": label}
        return Composition(text, (citation,), indicator=indicator)


def _bounded(block: ListBlock, text: str, items: int, chars: int) -> ListBlock | None:
    """The lead and as many of the first items as ``items`` and ``chars`` allow (at least
    one), or None when ``items`` allows none."""
    kept: list[tuple[int, int]] = []
    size = block.lead[1] - block.lead[0]
    for start, end in block.items[: max(items, 0)]:
        size += len(" ".join(text[start:end].split())) + 1
        if size > chars and kept:
            break
        kept.append((start, end))
    return ListBlock(block.lead, tuple(kept)) if kept else None


def _quote(candidate: Candidate) -> str:
    text = " ".join(candidate.text.split())
    if candidate.span.kind == "row" and candidate.span.context:
        return _row_reading(candidate) or f"{candidate.span.context}: {text}"
    return text


def _row_reading(candidate: Candidate) -> str | None:
    """A row of named columns (a budget) as its context without the column names, then each
    value after its column: "Oppvekst > Økonomi – Beløp i 1000: Sum – Regnskap 2024: 3 235 919;
    Oppr. bud. 2024: 3 030 105; …". None for a row read by years, or unread."""
    read = named_cells(candidate.span.reading)
    if read is None or not read[1]:
        return None
    label, cells = read
    context = candidate.span.context
    first_column = context.find(cells[0][0])
    if first_column > 0:
        context = context[:first_column].rstrip(" –")
    pairs = "; ".join(f"{column}: {value}" for column, value in cells)
    return f"{context}: {label} – {pairs}"


def top_passages(judged: Judged, limit: int) -> list[Candidate]:
    """The best candidate of each of the ``limit`` best passages, best first."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for candidate, _ in judged.ranked:
        if candidate.chunk.id not in seen:
            seen.add(candidate.chunk.id)
            out.append(candidate)
        if len(out) >= limit:
            break
    return out


def sentences_of(candidates: Sequence[Candidate]) -> list[str]:
    return [c.text for c in candidates]

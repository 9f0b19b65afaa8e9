"""Computed answers: differences, sums, ratios, shares, rankings, targets and trends, done in code.

The stage runs after the reader. It asks what operation the question wants
(:func:`vectorstore.language.operation_of`, a short table of operation words), reads the values
of the reader's best candidates (:class:`assistant.operands.OperandFinder`: table rows through
their indicator records, sentences through their quantities) and picks the operands by the
question's own *slots*:

* two or more years ("fra 2023 til 2024", "siden 2021", "året før"): one series, two years;
* two or more names ("Asker enn Bærum", "KOSTRA-gruppe 12"): one table, two places;
* otherwise the question's words: two values of one table or passage, each described by a
  word of the question the other lacks ("kvinner" / "menn", "matavfallet" / "restavfallet").

The arithmetic is exact (:class:`decimal.Decimal` on the printed values). When the slots are
there but a value is missing (the table has 2024 but not 2025), the result says which value is
missing instead of computing. When the question asks no operation, or no operands fit, the
stage returns None and the answer is quoted as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from itertools import combinations, pairwise

from assistant.candidates import Candidate, CorpusTerms
from assistant.operands import HOME_KEY, Operand, OperandFinder
from assistant.reader import Judged
from assistant.values import RowValues
from vectorstore.dates import PrintedDate, dates_in
from vectorstore.language import (
    COORDINATION,
    LAST_YEARS,
    NOW_WORDS,
    NUMBER_WORDS,
    RANK_LOWEST,
    RELATIVE_CHANGE,
    SINCE_WORDS,
    TARGET_WORDS,
    Operation,
    answer_kind,
    capitalised_names,
    operation_of,
    relative_years,
    squash,
    stop_words,
    terms,
    words,
    years_in,
)
from vectorstore.numbers import decimal_places, parse_decimal

#: "2023/2024", "2023/24": a school year.
SCHOOL_YEAR = re.compile(r"\b((?:19|20)\d\d)\s*/\s*((?:19|20)\d\d)\b")
#: Words after "andel av" / "share of" that name the whole a share is of.
_SHARE_OF = re.compile(
    r"\b(?:andel|del|prosent\w*|share|percentage|proportion|part) (?:av|of)\s+((?:\S+\s*){1,4})",
    re.IGNORECASE,
)
#: "fra 72 til 15 dager": the words of a change stated from one value to another.
FROM = re.compile(r"\b(?:fra|from)\s*$", re.IGNORECASE)
TO = re.compile(r"(?:til|to)", re.IGNORECASE)
#: How many of the best passages are read for such a change.
FROM_TO_CANDIDATES = 3
#: "ganger så mye": a ratio of two values, not an amount per something.
_TIMES = re.compile(r"\bganger\b|\btimes\b", re.IGNORECASE)
#: Units a ratio divides by ("per år").
TIME_UNITS = frozenset({"år", "måneder", "uker", "dager", "timer"})
_TARGET_VALUE = re.compile(r"([<>≤≥]|mål\s*:?|over|under)?\s*([-−]?\d[\d ]*(?:,\d+)?)")


@dataclass(frozen=True)
class ComputeQuestion:
    """What a question asks to compute, and its slots."""

    text: str
    operation: Operation
    years: tuple[int, ...]  # asked years, in question order
    since: int | None  # "siden 2021": from this year to the latest
    last: int | None  # "de siste tre årene": this many latest years
    names: tuple[str, ...]  # squashed names (places, bodies), in question order
    terms: tuple[str, ...]  # lemmas and compound parts, in question order
    lowest: bool  # a ranking asks for the smallest
    by_year: bool  # a ranking asks which year
    #: Terms of the words the question coordinates ("matavfallet og restavfallet", "enn menn")
    contrast: frozenset[str] = frozenset()
    #: The places the index knows (squashed), the home municipality's among them.
    places: frozenset[str] = frozenset({HOME_KEY})
    #: A change asked in percent of the value it changed from ("hvor mange prosent økte").
    relative: bool = False

    @classmethod
    def of(
        cls,
        question: str,
        corpus: CorpusTerms | None,
        places: Iterable[str] = (),
        operation: Operation | None = None,
    ) -> ComputeQuestion | None:
        """What ``question`` asks to compute; ``operation`` when given (a learned reading of
        it), else what the operation table reads; None when it asks nothing."""
        operation = operation or operation_of(question)
        if operation is None:
            return None
        # a school year "2023/2024" is one year, its second
        plain = SCHOOL_YEAR.sub(lambda m: m.group(2), question)
        years = list(dict.fromkeys(years_in(plain)))
        for offset in relative_years(question):
            if years:
                years.append(years[0] + offset)
        since = SINCE_WORDS.search(question)
        last = LAST_YEARS.search(question)
        since_year = int(since.group(1)) if since else None
        if since_year is None and len(years) == 1 and NOW_WORDS.search(question):
            since_year = years[0]  # "nå enn i 2021": from 2021 to the latest year
        return cls(
            text=question,
            operation=operation,
            years=tuple(dict.fromkeys(years)),
            since=since_year,
            last=_count(last.group(1)) if last else None,
            names=_question_names(question, places),
            terms=_question_terms(question, corpus),
            lowest=bool(RANK_LOWEST.search(question)),
            by_year=answer_kind(question) == "date",
            contrast=_coordinated(question, corpus),
            places=frozenset({HOME_KEY, *places}),
            relative=RELATIVE_CHANGE.search(question) is not None,
        )


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word.casefold(), 0)


def _question_names(question: str, places: Iterable[str]) -> tuple[str, ...]:
    """Capitalised words (not stop words, not the first word) and known places, in order."""
    known = set(places)
    stop = stop_words()
    found: list[tuple[int, str]] = []
    for match in re.finditer(r"\b[A-ZÆØÅ][\wæøå]+(?:[- ]?(?:gruppe|group)?\s?\d+)?", question):
        word = match.group(0)
        if match.start() == 0 or word.casefold() in stop:
            continue
        found.append((match.start(), squash(word)))
    for match in re.finditer(r"[\wæøå-]+(?:\s\d+)?", question):
        key = squash(match.group(0))
        if key in known:
            found.append((match.start(), key))
    return tuple(dict.fromkeys(key for _, key in sorted(found) if key))


def _question_terms(question: str, corpus: CorpusTerms | None) -> tuple[str, ...]:
    """Lemmas and compound parts in question order; small numbers ("7. trinn") count, years
    do not."""
    splitter = corpus.splitter if corpus is not None else None
    out: list[str] = []
    names = {squash(n) for n in capitalised_names(question)}
    for word in words(question):
        if word in names:
            out.append(word)  # a name is itself ("Asker"), not a lemma of it ("aske")
            continue
        found = terms(word, splitter)
        out += sorted(found.lemmas) + sorted(found.parts)
    return tuple(dict.fromkeys(t for t in out if not t.isdigit() or len(t) <= 3))


def _coordinated(question: str, corpus: CorpusTerms | None) -> frozenset[str]:
    """Terms of the content words right before and after a coordinating word."""
    stop = stop_words()
    out: set[str] = set()
    for match in COORDINATION.finditer(question):
        before = [w for w in words(question[: match.start()]) if w not in stop]
        after = [w for w in words(question[match.end() :]) if w not in stop]
        for word in before[-1:] + after[:1]:
            out.update(_question_terms(word, corpus))
    return frozenset(out)


@dataclass(frozen=True)
class Computation:
    """A computed result and the operands it came from, in the order of the calculation."""

    operation: Operation
    operands: tuple[Operand, ...]
    result: Decimal | None
    #: How the operands differ: "year", "name" (place or body) or "term" (a word of the question)
    dimension: str
    #: Words of the question that describe each operand (for "term"), same order as operands.
    tags: tuple[str, ...] = ()
    #: For a target: the target as printed ("> 3 %") and whether it is reached.
    target: str = ""
    reached: bool | None = None
    #: When the slots were there but a value was not: what is missing, and the operands found.
    missing: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Computer:
    """The computation stage (see the module docstring)."""

    values: RowValues | None
    corpus: CorpusTerms | None = None
    places: frozenset[str] = frozenset({HOME_KEY})
    candidates: int = 12
    min_probability: float = 0.0
    #: The best candidates whose neighbouring sentences also give operands (with the
    #: candidate's probability: they are its context).
    neighbours_of: int = 0

    def run(self, judged: Judged, question: str | None = None) -> Computation | None:
        asked = ComputeQuestion.of(question or judged.question.text, self.corpus, self.places)
        if asked is None:
            return None
        if asked.operation == "duration":
            # the time between two dates of one passage, else a difference of the values
            elapsed = _duration(asked, judged, self.candidates, self.min_probability)
            if elapsed is not None:
                return elapsed
            asked = replace(asked, operation="difference")
        operands = self._operands(judged)
        if not operands:
            return None
        select = _SELECTORS[asked.operation]
        found = select(asked, operands)
        if found is None or not asked.relative:
            return found
        return _in_percent(found, operands)

    def trend(self, judged: Judged) -> Computation | None:
        """The trend of the likeliest table row among the reader's best candidates that gives
        a series and names a term of the question: for a question read as asking for one
        (:mod:`assistant.trend_reading`) when the computation stage gave nothing. The rows count
        whatever their probability (the reader learned rows from questions that name their
        year; asked for a development, it ranks the series' row among its best candidates but
        gives it almost nothing), one row at a time, the likeliest first."""
        asked = ComputeQuestion.of(judged.question.text, self.corpus, self.places, "trend")
        if asked is None:
            return None
        rows: dict[int, list[Operand]] = {}
        for o in self._operands(judged, floor=0.0):
            if o.candidate.span.kind == "row" and any(has(o.keys, t) for t in asked.terms):
                rows.setdefault(o.candidate.index, []).append(o)
        for row in sorted(rows.values(), key=lambda ops: -ops[0].probability):
            found = _trend(asked, row)
            if found is not None:
                return found
        return None

    def _operands(self, judged: Judged, floor: float | None = None) -> list[Operand]:
        """The values of the reader's best candidates (those with at least ``floor``, by
        default ``min_probability``), of the sentences around the best ones, and of the
        sentences of other passages that read the same as the best ones."""
        finder = OperandFinder(
            self.values, self.corpus.splitter if self.corpus else None, self.places
        )
        out: list[Operand] = []
        taken: set[int] = set()
        least = self.min_probability if floor is None else floor
        best = [(c, p) for c, p in judged.ranked[: self.candidates] if p >= least]
        for candidate, probability in best:
            out += finder.of(candidate, probability)
            taken.add(candidate.index)
        for candidate, probability in best[: self.neighbours_of]:
            for neighbour in _neighbours(candidate, judged):
                if neighbour.index not in taken:
                    out += finder.of(neighbour, probability)
                    taken.add(neighbour.index)
            for sibling, own_probability in _parallel_siblings(candidate, judged):
                if sibling.index not in taken:  # with the reader's own judgement of it
                    out += finder.of(sibling, own_probability)
                    taken.add(sibling.index)
        return out


def _parallel_siblings(candidate: Candidate, judged: Judged) -> list[tuple[Candidate, float]]:
    """The ranked sentences of other passages of ``candidate``'s document that read the same
    but for their numbers (see :func:`_parallel`), however low the reader puts them: a sum or
    ranking over the subjects of such sentences needs each of them."""
    if candidate.span.kind != "sentence" or not any(ch.isdigit() for ch in candidate.text):
        return []
    template = _template(candidate.text)
    return [
        (c, p)
        for c, p in judged.ranked
        if c.span.kind == "sentence"
        and c.chunk.id != candidate.chunk.id
        and c.chunk.doc_id == candidate.chunk.doc_id
        and _template(c.text) == template
    ]


#: The unit of a date operand (its value is the date's day number, :meth:`date.toordinal`).
DATE_UNIT = "dato"


def _duration(
    asked: ComputeQuestion, judged: Judged, candidates: int, least: float
) -> Computation | None:
    """ "Hvor lang tid gikk det fra arealdelen ble vedtatt til den ble oppdatert?": the first
    two dates of the most probable candidate that prints two ("vedtatt 13. juni 2023, og
    oppdatert 30. april 2024"; a table row "08.12.2022 10.09.2024"), earlier to later; the
    result is the whole days between them, and :func:`vectorstore.dates.between` words it."""
    for candidate, probability in judged.ranked[:candidates]:
        if probability < least:
            break
        found = dates_in(candidate.text)
        if len(found) < 2:
            continue
        first, second = sorted(found[:2], key=lambda d: d.value)
        ops = tuple(_date_operand(d, candidate, probability) for d in (first, second))
        days = Decimal((second.value - first.value).days)
        return Computation(asked.operation, ops, days, "date")
    return None


def _date_operand(printed: PrintedDate, candidate: Candidate, probability: float) -> Operand:
    return Operand(
        value=Decimal(printed.value.toordinal()),
        text=printed.text,
        unit=DATE_UNIT,
        year=printed.value.year,
        place=None,
        label=candidate.text,
        keys=frozenset(),
        candidate=candidate,
        probability=probability,
        series=(candidate.chunk.doc_id, candidate.chunk.start + candidate.span.start, ""),
        start=printed.start,
        end=printed.end,
    )


def _neighbours(candidate: Candidate, judged: Judged) -> list[Candidate]:
    """The sentences just before and after a sentence in its passage: "Dette er en nedgang fra
    91 prosent i 2023." states one value, the sentence before it the other."""
    if candidate.span.kind != "sentence":
        return []
    same = sorted(
        (c for c, _ in judged.ranked if c.chunk.id == candidate.chunk.id),
        key=lambda c: c.span.start,
    )
    at = next(i for i, c in enumerate(same) if c.index == candidate.index)
    around = same[max(0, at - 1) : at] + same[at + 1 : at + 2]
    return [c for c in around if c.span.kind == "sentence"]


# -- choosing operands ------------------------------------------------------------------------


def _compatible(a: Operand, b: Operand) -> bool:
    """Same unit (a table value without one takes the other's), and numbers that count the
    same thing ("8 innsatsområder" and "43 strategier" do not)."""
    if a.unit != b.unit:
        lenient = (a.record is not None and not a.unit) or (b.record is not None and not b.unit)
        if not lenient:
            return False
    return not (a.counted and b.counted and not a.counted & b.counted)


def _related(a: Operand, b: Operand) -> bool:
    """Two operands that can be compared: one table, one passage, or adjacent sentences."""
    if a.table == b.table:
        return True
    return a.candidate.chunk.id == b.candidate.chunk.id


#: Numbers as printed ("43", "1 304", "9,8"), masked when sentences are compared.
_PRINTED_NUMBER = re.compile(r"\d(?:[\d\s.,]*\d)?")


@lru_cache(maxsize=4096)
def _template(text: str) -> str:
    """A sentence with its numbers and number words masked (cached: :func:`_parallel` asks it
    of every pair of operands)."""
    masked = _PRINTED_NUMBER.sub("#", text.casefold())
    return " ".join("#" if w in NUMBER_WORDS else w for w in masked.split())


def _parallel(a: Operand, b: Operand) -> bool:
    """The same value of two passages of one document whose sentences read the same but for
    their numbers ("Temaplanen er inndelt i 8 innsatsområder og har til sammen 43
    strategier." under each plan's heading): one measurement of the subjects the headings
    name, so comparable, each described by its heading."""
    ca, cb = a.candidate, b.candidate
    return (
        a.end >= 0
        and b.end >= 0
        and ca.chunk.id != cb.chunk.id
        and ca.chunk.doc_id == cb.chunk.doc_id
        and a.heading != b.heading
        and _template(ca.text) == _template(cb.text)
        and _template(ca.text[: a.start]) == _template(cb.text[: b.start])
    )


def _score(*ops: Operand) -> float:
    return sum(o.probability for o in ops) / len(ops) + (
        0.2 if len({o.series for o in ops}) == 1 else 0.0
    )


def _name_filter(
    asked: ComputeQuestion, ops: Sequence[Operand], contrast: Sequence[str]
) -> list[Operand]:
    """Operands of the names the question gives besides the compared ones (all when none). A
    sentence's value is kept: whether a sentence speaks of a place is not in its words alone."""
    others = [n for n in asked.names if n not in contrast]
    if not others:
        return list(ops)
    return [o for o in ops if o.record is None or any(n in o.keys for n in others)]


def _years_asked(asked: ComputeQuestion, available: Sequence[int]) -> list[int]:
    """The years a question compares or sums over, from the years a series has."""
    have = sorted(set(available))
    if len(asked.years) >= 2:
        lo, hi = min(asked.years), max(asked.years)
        if asked.operation in ("sum", "trend"):
            return [y for y in have if lo <= y <= hi] or list(asked.years)
        return list(asked.years)
    if asked.since is not None and have:
        return [y for y in have if y >= asked.since]
    if asked.last and have:
        return have[-asked.last :]
    return []


def _series(ops: Sequence[Operand]) -> list[list[Operand]]:
    """Operands grouped by series, the best series first."""
    groups: dict[tuple[str, int, str], list[Operand]] = {}
    for o in ops:
        groups.setdefault(o.series, []).append(o)
    return sorted(groups.values(), key=lambda g: -max(o.probability for o in g))


def _by_years(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    """Two (or more) years of one series, all of one place: the first place the question names,
    else the home municipality's (a comparison table gives other places only their latest
    year, so their value is never set against the municipality's earlier one)."""
    pool = _name_filter(asked, ops, ())
    place = next((n for n in asked.names if n in asked.places), HOME_KEY)
    pool = [o for o in pool if o.record is None or squash(o.place or HOME_KEY) == place] or pool
    missing: Computation | None = None
    for group in _series(pool):
        years = _years_asked(asked, [o.year for o in group if o.year is not None])
        if len(years) < 2:
            continue
        by_year = {o.year: o for o in group if o.year in years}
        chosen = [by_year[y] for y in sorted(years) if y in by_year]
        if chosen and not all(_compatible(chosen[0], o) for o in chosen[1:]):
            continue  # one sentence's "203 735 tonn" (2023) and "7,3 prosent" (from 2022)
        if len(chosen) == len(years):
            across = _years_across(asked, pool) if len(chosen) == 2 else None
            if across is not None and _score(*across.operands) > _score(*chosen):
                return across  # two sentences the reader trusts more than one series
            return Computation(asked.operation, tuple(chosen), None, "year")
        if chosen and missing is None and all(o.record is not None for o in chosen):
            gone = [str(y) for y in years if y not in by_year]
            missing = Computation(
                asked.operation, tuple(chosen), None, "year", missing=", ".join(gone)
            )
    pair = _years_across(asked, pool)
    return pair or missing


def _years_across(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    """Two years from two sentences of one passage ("49 prosent i 2024" / "fra 42 prosent i
    2023"), same unit; with "siden 2020", the latest year after it."""
    if len(asked.years) == 2:
        early, late = sorted(asked.years)
    elif asked.since is not None:
        early, late = asked.since, None
    else:
        return None
    best: tuple[float, Operand, Operand] | None = None
    for a in ops:
        if a.year != early or not a.unit:
            continue
        for b in ops:
            if b.year is None or (b.year != late if late else b.year <= early):
                continue
            if _compatible(a, b) and _related(a, b):
                score = _score(a, b) + 0.001 * (b.year - early)
                if best is None or score > best[0]:
                    best = (score, a, b)
    if best is None:
        return None
    return Computation(asked.operation, (best[1], best[2]), None, "year")


def _from_to(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    """ "fra 72 til 15 dager": a change the best passages state as from one value to another."""
    for candidate in list(dict.fromkeys(o.candidate for o in ops))[:FROM_TO_CANDIDATES]:
        mine = sorted(
            (o for o in ops if o.candidate == candidate and o.start >= 0), key=lambda o: o.start
        )
        text = candidate.text
        for a, b in pairwise(mine):
            before = text[max(0, a.start - 6) : a.start]
            between = text[a.end : b.start]
            if FROM.search(before) and TO.fullmatch(between.strip()) and _compatible(a, b):
                return Computation(asked.operation, (a, b), None, "change")
    return None


def _contrast_names(asked: ComputeQuestion) -> list[str]:
    names = list(asked.names)
    if len(names) == 1 and names[0] != HOME_KEY:
        names = [HOME_KEY, names[0]]
    return names


def _context(o: Operand) -> object:
    """Where operands can be compared by name: one table, or one passage's sentences."""
    return o.table if o.record is not None else o.candidate.chunk.id


def _named(o: Operand, name: str, names: Sequence[str], places: frozenset[str]) -> bool:
    """``o`` is a value of ``name`` (and of none of the other compared names). A sentence that
    names no place at all speaks of the municipality's own figure."""
    if any(m in o.keys for m in names if m != name):
        return False
    if name in o.keys:
        return True
    return name == HOME_KEY and o.record is None and o.place is None and not o.keys & places


def _by_names(asked: ComputeQuestion, ops: Sequence[Operand], n: int = 2) -> Computation | None:
    """One value for each of the question's names, from one table or passage, same year and
    unit."""
    names = _contrast_names(asked)
    if len(names) < 2:
        return None
    best: tuple[float, list[Operand]] | None = None
    for context in dict.fromkeys(_context(o) for o in ops):
        group = [o for o in ops if _context(o) == context]
        for year in _common_years(asked, group):
            chosen: list[Operand] = []
            for name in names:
                match = [
                    o for o in group if o.year == year and _named(o, name, names, asked.places)
                ]
                if match:
                    chosen.append(max(match, key=lambda o: o.probability))
            if len(set(map(id, chosen))) < max(2, min(n, len(names))):
                continue
            if all(_compatible(chosen[0], o) for o in chosen):
                score = _score(*chosen)
                if best is None or score > best[0]:
                    best = (score, chosen)
    if best is None:
        return None
    return Computation(asked.operation, tuple(best[1]), None, "name")


def _common_years(asked: ComputeQuestion, ops: Sequence[Operand]) -> list[int | None]:
    years = {o.year for o in ops}
    if len(asked.years) == 1:
        return [asked.years[0]] if asked.years[0] in years else []
    return sorted(years, key=lambda y: -(y or 0))


#: Most operands of one group tried together when looking for values told apart by words.
TERM_GROUP = 12
#: Most values added up by a sum over the question's words.
MAX_TERMS = 4


#: Two words share a stem when they agree in this many first letters and differ in length by at
#: most :data:`STEM_SLACK` ("vigsler" / "vigslene": the lemmatiser reads them differently).
STEM_CHARS = 5
STEM_SLACK = 3


def has(keys: Iterable[str], term: str) -> bool:
    """``term`` is one of ``keys``, or shares a stem with one (see :data:`STEM_CHARS`), or
    begins with an abbreviation among them ("oppr." for "opprinnelig")."""
    for key in keys:
        if key == term:
            return True
        if key.endswith(".") and term.startswith(key[:-1]):
            return True
        if (
            len(key) >= STEM_CHARS
            and len(term) >= STEM_CHARS
            and key[:STEM_CHARS] == term[:STEM_CHARS]
            and abs(len(key) - len(term)) <= STEM_SLACK
        ):
            return True
    return False


def _distinct_terms(asked: ComputeQuestion, chosen: Sequence[Operand]) -> list[list[str]] | None:
    """For each operand, the question's terms it has and no other chosen operand has; None
    when one has none. A row's first named column ("Regnskap 2024") is the value the row is
    about: set against another column of its row that the question describes ("enn det
    opprinnelige budsjettet"), it needs no word of its own, and is tagged by its column."""
    out: list[list[str]] = []
    across = len({o.candidate.chunk.id for o in chosen}) > 1 and all(o.end >= 0 for o in chosen)

    def keys(o: Operand) -> frozenset[str]:
        return o.keys | o.heading if across else o.keys  # parallel sentences: their headings

    for op in chosen:
        others = set().union(*(keys(o) for o in chosen if o is not op))
        own = [t for t in asked.terms if has(keys(op), t) and not has(others, t)]
        if not own and not (op.primary and _one_row(chosen)):
            return None
        out.append(own)
    if not any(out):
        return None
    return out


def _units_agree(asked: ComputeQuestion, chosen: Sequence[Operand]) -> bool:
    """Every two values fit each other (:func:`_compatible`), not only each the first one: a
    table value without a unit fits both "90,4 %" and "16 712 kr", which never fit each
    other. A ratio divides any two."""
    return asked.operation == "ratio" or all(_compatible(a, b) for a, b in combinations(chosen, 2))


def _one_line(chosen: Sequence[Operand]) -> bool:
    """Values of named columns lie on one line of their table: one row, or one column."""
    columns = [o for o in chosen if o.column]
    return (
        len(columns) < 2
        or len({o.series for o in columns}) == 1
        or len({o.column for o in columns}) == 1
    )


def _one_row(chosen: Sequence[Operand]) -> bool:
    """Values of named columns of one table row."""
    return all(o.column for o in chosen) and len({o.series for o in chosen}) == 1


def _term_group(asked: ComputeQuestion, anchor: Operand, ops: Sequence[Operand]) -> list[Operand]:
    """Operands comparable with ``anchor``: related, same unit (a ratio divides any two) and
    year; one per table row."""
    group: dict[object, Operand] = {}
    for o in ops:
        units_fit = asked.operation == "ratio" or _compatible(anchor, o)
        related = _related(anchor, o) or _parallel(anchor, o)
        if not (related and units_fit and o.year == anchor.year):
            continue
        key: object = o.series if o.record is not None else id(o)
        if key not in group or o.probability > group[key].probability:
            group[key] = o
    return sorted(group.values(), key=lambda o: -o.probability)[:TERM_GROUP]


def _by_terms(
    asked: ComputeQuestion, ops: Sequence[Operand], sizes: Sequence[int] = (2,)
) -> Computation | None:
    """Values of one table or passage, each described by a word of the question the others
    lack ("kvinner" / "menn"); a word the question coordinates ("A og B", "enn B") counts
    more. In question order."""
    pool = _name_filter(asked, ops, ())
    if len(asked.years) == 1:
        pool = [o for o in pool if o.year in (None, asked.years[0])]
    best: tuple[float, tuple[Operand, ...], list[list[str]]] | None = None
    seen: set[tuple[str, int, str, int | None, int]] = set()
    for anchor in sorted(pool, key=lambda o: (-o.probability, -(o.year or 0))):
        # one anchor per table row and year, or per value of a sentence ("8 innsatsområder"
        # and "43 strategier" count different things, so each has its own group)
        key = (*anchor.table, anchor.series[2], anchor.year, anchor.start)
        if key in seen:
            continue
        seen.add(key)
        group = _term_group(asked, anchor, pool)
        for size in sizes:
            for chosen in combinations(group, size):
                if not _one_line(chosen) or not _units_agree(asked, chosen):
                    continue
                if asked.operation == "sum" and _total_among(chosen):
                    continue  # "37 kilo, fordelt på 22,3 kilo ... og 14,6 kilo": never both
                own = _distinct_terms(asked, chosen)
                if own is None:
                    continue
                # the share of the words the question coordinates that the values cover
                # ("klima, næring og kultur": three values before two more probable ones)
                coordinated = sum(1 for terms_ in own if set(terms_) & asked.contrast)
                covered = coordinated / max(size, len(asked.contrast))
                score = _score(*chosen) + 0.3 * covered + 0.05 * size
                score += 0.01 * sum(_counts_asked(asked, o) for o in chosen) / size
                score += 0.001 * ((chosen[0].year or 0) - 2000)
                if best is None or score > best[0] + 1e-9:
                    best = (score, chosen, own)
    if best is None:
        return None
    _, chosen, own = best
    order = sorted(range(len(chosen)), key=lambda i: asked.terms.index(own[i][0]) if own[i] else -1)
    if _one_row(chosen):  # one row's columns: each value is its column's
        tags = tuple(chosen[i].column for i in order)
    else:
        tags = tuple(own[i][0] for i in order)
    return Computation(asked.operation, tuple(chosen[i] for i in order), None, "term", tags=tags)


def _total_among(chosen: Sequence[Operand]) -> bool:
    """One of the values is the sum of the others, as far as their printed precision tells
    (a total and its parts): adding them would count the parts twice. A count without a unit
    is exact; a measured value is rounded to its last printed digit."""
    if len(chosen) < 3:
        return False
    slack = sum(
        (Decimal(5).scaleb(-decimal_places(o.value) - 1) for o in chosen if o.unit), Decimal(0)
    )
    whole = sum((o.value for o in chosen), Decimal(0))
    return any(abs(2 * o.value - whole) <= slack for o in chosen)


def _counts_asked(asked: ComputeQuestion, o: Operand) -> bool:
    """A number that counts what the question names ("flere strategier": "43 strategier", not
    "8 innsatsområder" of the same sentence)."""
    return any(has(o.counted, t) for t in asked.terms)


def _pair(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    """Two operands by the question's slots: years, else names, else words."""
    if len(asked.years) >= 2 or asked.since is not None:
        found = _by_years(asked, ops)
        if found is not None:
            return found
    if len(_contrast_names(asked)) >= 2:
        found = _by_names(asked, ops)
        if found is not None:
            return found
    return _by_terms(asked, ops)


# -- the operations ---------------------------------------------------------------------------


def _difference(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    found = _pair(asked, ops) or _from_to(asked, ops)
    if found is None or found.missing:
        return found
    a, b = found.operands[0], found.operands[-1]
    if found.dimension in ("year", "change"):
        a, b = found.operands[-1], found.operands[0]  # later minus earlier
    return _with(found, (a, b), a.value - b.value)


def _with(found: Computation, operands: tuple[Operand, ...], result: Decimal) -> Computation:
    return Computation(
        found.operation,
        operands,
        result,
        found.dimension,
        found.tags,
        found.target,
        found.reached,
        found.missing,
        found.extra,
    )


def _sum(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    if len(asked.years) >= 2 or asked.since is not None or asked.last:
        found = _by_years(asked, ops)
        if found is not None:
            return found if found.missing else _with(found, found.operands, _total(found))
    if len(_contrast_names(asked)) >= 2:
        found = _by_names(asked, ops, n=len(_contrast_names(asked)))
        if found is not None:
            return _with(found, found.operands, _total(found))
    found = _by_terms(asked, ops, sizes=range(MAX_TERMS, 1, -1)) or _listed(asked, ops)
    return None if found is None else _with(found, found.operands, _total(found))


def _total(found: Computation) -> Decimal:
    return sum((o.value for o in found.operands), Decimal(0))


def _listed(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    """The values the best passage lists in one sentence, same unit, in separate clauses
    ("2546 i regi av lokalsamfunnet og 901 i regi av kommunen"): the parts of a total."""
    if not ops or ops[0].record is not None:
        return None
    top = ops[0].candidate
    by_unit: dict[str, list[Operand]] = {}
    for o in ops:
        if o.candidate == top and o.unit != "%":
            by_unit.setdefault(o.unit, []).append(o)
    # the values of the one unit that has several; amounts before bare counts ("de tre minste")
    several = {u: g for u, g in by_unit.items() if len(g) >= 2}
    if len(several) > 1:
        several = {u: g for u, g in several.items() if u}
    if len(several) != 1:
        return None
    listed = next(iter(several.values()))
    if len({o.label for o in listed}) < len(listed):
        return None
    return Computation(asked.operation, tuple(listed), None, "list")


#: "per boenhet": what an amount per something divides by.
_PER_WHAT = re.compile(r"\b(?:per|pr\.?)\s+([^\W\d_]+)", re.IGNORECASE)
#: Best passages read for an amount per something that the documents state themselves.
STATED_CANDIDATES = 3


def _stated_per(nouns: frozenset[str], ops: Sequence[Operand]) -> bool:
    """The best passages state an amount per one of ``nouns`` themselves ("... per innbygger")."""
    for candidate in list(dict.fromkeys(o.candidate for o in ops))[:STATED_CANDIDATES]:
        text = f"{candidate.span.context} {candidate.text}"
        for match in _PER_WHAT.finditer(text):
            if _has_any(terms(match.group(1)).lemmas | {match.group(1).casefold()}, nouns):
                return True
    return False


def _has_any(keys: frozenset[str], nouns: frozenset[str]) -> bool:
    """One of ``nouns`` is among ``keys`` (see :func:`has`)."""
    return any(has(keys, noun) for noun in nouns)


def _per_ratio(asked: ComputeQuestion, word: str, ops: Sequence[Operand]) -> Computation | None:
    """ "hvor mange elever per sted": the amount of one passage divided by the count of the
    thing it is per (a number counting it, "25 undervisningssteder"). ``word`` is matched as
    written and by its lemmas ("per art": art, not only the verb's lemma arte)."""
    nouns = terms(word).lemmas | {word.casefold()}
    if _stated_per(nouns, ops):
        return None
    best: tuple[float, Operand, Operand] | None = None
    for b in ops:
        if not _has_any(b.counted or b.keys, nouns) or b.value == 0:
            continue
        for a in ops:
            if a is b or not _related(a, b) or _has_any(a.counted or a.keys, nouns):
                continue
            if not _one_year(asked, a, b):
                continue
            fit = sum(1 for t in asked.terms if has(a.keys | a.counted, t))
            score = _score(a, b) + 0.1 * fit
            if best is None or score > best[0]:
                best = (score, a, b)
    if best is None:
        return None
    _, a, b = best
    return Computation(
        asked.operation, (a, b), a.value / b.value, "per", tags=("", word.casefold())
    )


def _ratio(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    per = _PER_WHAT.search(asked.text)
    if per is not None and not _TIMES.search(asked.text):
        return _per_ratio(asked, per.group(1), ops)
    found = _pair(asked, ops)
    if found is None or found.missing:
        return found
    a, b = found.operands[0], found.operands[-1]
    if a.unit in TIME_UNITS and b.unit not in TIME_UNITS:
        a, b = b, a  # "3 mill. kroner på ti år": per year
    if b.value == 0:
        return None
    return _with(found, (a, b), a.value * _scale(a, b) / b.value)


#: Units that are another unit times a power of ten: a ratio of "3,2 mrd. kroner" to "72 mill.
#: kroner" is 44, not 0,04.
SCALED_UNITS: dict[str, tuple[str, int]] = {
    "mrd. kr": ("kr", 9), "mill. kr": ("kr", 6), "mrd.": ("", 9), "mill.": ("", 6),
}  # fmt: skip


def _scale(a: Operand, b: Operand) -> Decimal:
    """The factor that puts ``a``'s value in ``b``'s unit when the two differ only in scale."""
    base_a, power_a = SCALED_UNITS.get(a.unit, (a.unit, 0))
    base_b, power_b = SCALED_UNITS.get(b.unit, (b.unit, 0))
    if base_a != base_b:
        return Decimal(1)
    return Decimal(10) ** (power_a - power_b)


def _best_states_percent(ops: Sequence[Operand]) -> bool:
    """The best passage gives a percentage itself: a share or a change in percent it states is
    quoted, not computed."""
    top = ops[0].candidate
    return any(o.unit == "%" for o in ops if o.candidate == top)


def _share(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    if _best_states_percent(ops):
        return None  # the best passage states the share itself
    whole_words = _SHARE_OF.search(asked.text)
    whole_terms = set(_question_terms(whole_words.group(1), None)) if whole_words else set()
    best: tuple[float, Operand, Operand] | None = None
    for a, b in combinations(ops, 2):
        if a.unit != b.unit or a.unit == "%" or not _related(a, b) or a.value == b.value:
            continue  # a share is of two amounts, never of two shares
        if not _compatible(a, b):
            continue  # nor of counts of two things ("to lokaliteter", "100 arter")
        if a.unit in TIME_UNITS:
            continue  # nor of two ages or durations ("67 år", "74 år")
        if not _one_year(asked, a, b) or (a.record is not None and a.series == b.series):
            continue  # nor of one table row's values in two years
        part, whole = (a, b) if a.value < b.value else (b, a)
        if part.value <= 0:
            continue
        fit = sum(1 for t in whole_terms if has(whole.keys, t)) + sum(
            1 for t in asked.terms if t not in whole_terms and has(part.keys, t)
        )
        score = _score(part, whole) + 0.1 * fit
        if best is None or score > best[0]:
            best = (score, part, whole)
    if best is None:
        return None
    _, part, whole = best
    result = part.value / whole.value * 100
    return Computation(asked.operation, (part, whole), result, "term")


def _one_year(asked: ComputeQuestion, a: Operand, b: Operand) -> bool:
    """Two amounts of one year (a value without a year fits any), the year asked if any."""
    years = {o.year for o in (a, b) if o.year is not None}
    return len(years) <= 1 and not (asked.years and years - set(asked.years))


def _rank(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    if asked.by_year:
        rows = [o for o in ops if o.record is not None and o.place in (None, "Asker")]
        group = next((g for g in _series(rows) if len({o.year for o in g}) >= 3), None)
        if group is None:
            return None
        chosen = sorted(group, key=lambda o: o.value, reverse=not asked.lowest)
        return Computation(asked.operation, tuple(chosen), chosen[0].value, "year")
    ops = [o for o in ops if o.record is not None]
    best: tuple[float, list[Operand]] | None = None
    names = set(_contrast_names(asked)) if len(asked.names) >= 2 else set()
    for table in dict.fromkeys(o.table for o in ops):
        in_table = [o for o in ops if o.table == table]
        for year in _common_years(asked, in_table)[:1]:
            at_year = {o.place: o for o in in_table if o.year == year and o.place}
            chosen = [o for o in at_year.values() if not names or squash(o.place or "") in names]
            if len(chosen) >= 2:
                score = _score(*chosen)
                if best is None or score > best[0]:
                    best = (score, chosen)
    if best is None:
        return None
    chosen = sorted(best[1], key=lambda o: o.value, reverse=not asked.lowest)
    return Computation(asked.operation, tuple(chosen), chosen[0].value, "name")


def parse_target(text: str) -> tuple[str, Decimal] | None:
    """ "> 3 %" -> (">", 3); "< 5% er tilfredsstillende" -> ("<", 5); "500-550" -> ("", 500)."""
    match = _TARGET_VALUE.search(text)
    if match is None:
        return None
    value = parse_decimal(match.group(2))
    if value is None:
        return None
    sign = (match.group(1) or "").strip()
    return {"over": ">", "under": "<", "≥": ">", "≤": "<"}.get(
        sign, sign if sign in "<>" else ""
    ), value


def _target(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    years = set(asked.years)
    with_target = [o for o in ops if o.record is not None and o.record.target]
    for group in _series(with_target):
        pick = [o for o in group if not years or o.year in years]
        if not pick:
            continue
        actual = max(pick, key=lambda o: o.year or 0)
        assert actual.record is not None and actual.record.target
        parsed = parse_target(actual.record.target)
        if parsed is None:
            continue
        sign, goal = parsed
        reached = (
            None if not sign else (actual.value >= goal if sign == ">" else actual.value <= goal)
        )
        return Computation(
            asked.operation,
            (actual,),
            actual.value - goal,
            "year",
            target=actual.record.target,
            reached=reached,
            extra={"goal": str(goal)},
        )
    return _target_sentence(asked, ops)


def _target_sentence(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    """A value and a goal stated in sentences of one passage ("målet om 80 prosent")."""
    best: tuple[float, Operand, Operand] | None = None
    for a, b in combinations(ops, 2):
        goal_a = bool(TARGET_WORDS.search(a.label))
        if goal_a == bool(TARGET_WORDS.search(b.label)) or not _related(a, b) or not a.unit:
            continue
        if a.unit != b.unit:
            continue
        actual, goal = (b, a) if goal_a else (a, b)
        score = _score(actual, goal)
        if best is None or score > best[0]:
            best = (score, actual, goal)
    if best is None:
        return None
    _, actual, goal = best
    return Computation(asked.operation, (actual, goal), actual.value - goal.value, "target")


def _trend(asked: ComputeQuestion, ops: Sequence[Operand]) -> Computation | None:
    pool = _name_filter(asked, ops, ())
    if not asked.names:
        pool = [o for o in pool if o.place in (None, "Asker") or o.record is None] or pool
    for group in _series(pool):
        by_year: dict[int, Operand] = {}
        for o in group:
            if o.year is not None and o.year not in by_year:
                by_year[o.year] = o
        years = _years_asked(asked, list(by_year)) or sorted(by_year)
        chosen = [by_year[y] for y in sorted(years) if y in by_year]
        if len(chosen) >= 2 and all(_compatible(chosen[0], o) for o in chosen):
            return Computation(
                asked.operation, tuple(chosen), chosen[-1].value - chosen[0].value, "year"
            )
    return None


def change_base(found: Computation) -> Operand:
    """The value a change is measured from: a difference ``a − b``'s ``b``, a trend's first."""
    return found.operands[0] if found.operation == "trend" else found.operands[-1]


def _in_percent(found: Computation, ops: Sequence[Operand]) -> Computation | None:
    """A change asked in percent: the change over the value it is measured from (a difference
    ``a − b`` over ``b``; a trend over its first value), when the values are amounts, not
    shares (a change of shares is in percentage points). When the best passage states a
    percentage itself ("en økning på 2 prosent"), the stage steps aside and its quote answers."""
    if found.operation not in ("difference", "trend") or found.result is None or found.missing:
        return found
    if any(o.unit in ("%", DATE_UNIT) for o in found.operands):
        return found
    if _best_states_percent(ops):
        return None
    base = change_base(found)
    if base.value <= 0:
        return found
    relative = found.result / base.value * 100
    return replace(found, extra={**found.extra, "relative": str(relative)})


_SELECTORS = {
    "difference": _difference,
    "sum": _sum,
    "ratio": _ratio,
    "share": _share,
    "rank": _rank,
    "target": _target,
    "trend": _trend,
}

"""Indicator values read from tables, kept in SQLite beside the chunk index.

Ingestion (``ingest.tables``) writes one :class:`IndicatorRecord` per table cell that maps to a
year; the assistant answers "what was X in 2024" from these records with the exact printed value
instead of asking a model to read a flattened table. Label matching is token overlap over
Norwegian-stemmed (Snowball, PyStemmer) content words.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Version of the table layout, in ``PRAGMA user_version``. 2 added ``place``. Each index
#: generation writes its own file; an older file (the previous generation, read for unchanged
#: documents) is read with ``place`` as NULL and migrated only when written to.
SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS indicator (
    doc_id TEXT NOT NULL,
    indicator TEXT NOT NULL,
    year INTEGER NOT NULL,
    value_text TEXT NOT NULL,
    value REAL,
    unit TEXT NOT NULL,
    target TEXT,
    table_title TEXT NOT NULL,
    section TEXT NOT NULL,
    page INTEGER,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    place TEXT
);
CREATE INDEX IF NOT EXISTS indicator_doc ON indicator (doc_id);
"""

#: The municipality whose own values have ``place`` NULL.
HOME_PLACE = "Asker"

_BASE_COLUMNS = (
    "doc_id, indicator, year, value_text, value, unit, target, table_title, section, page, "
    "span_start, span_end"
)
_COLUMNS = f"{_BASE_COLUMNS}, place"

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: Weight of a query word found only as part of a longer label word (1.0 for the word itself).
PART_WEIGHT = 0.9

# Words that say nothing about which indicator is meant (Norwegian and English question words,
# plus generic table words).
_EXTRA_STOP_WORDS = """
    hva hvor hvordan hvilken hvilket hvilke var er ble blir har hadde i fra til og av på for med
    som den det de en et ett om ved per pr mellom siden år året årene endret endring endringen
    utvikling utviklingen utviklet økte økt økning sank sunket nedgang gikk tall tallet verdi
    verdien sammenlignet mot fikk hos
    what was were is are the of in from to and by for how did has have had change changed
    value year years between rate level much many since compared among against there their
    did do does its it as at on with which who that this be been an or than get got
    hvor mange mye stor høy lav nivå siste tall
    høyt høye lavt lave store størst blant brukt bruke brukte
"""
_EXTRA_STOP = frozenset(_EXTRA_STOP_WORDS.split())


@dataclass(frozen=True)
class IndicatorRecord:
    """One indicator value for one year, as printed in a document's table.

    ``span_start``/``span_end`` are the character offsets of the whole table in the document's
    normalised text; the chunker keeps that span in one chunk, so a citation can point at it.

    ``place`` is None for the document's own municipality (Asker). A comparison table (KOSTRA)
    also gives other places' values for its latest year: those records name the place
    ("Bærum", "Kostragruppe 12") and share the row's ``key`` with Asker's.
    """

    doc_id: str
    indicator: str
    year: int
    value_text: str
    value: float | None
    unit: str
    target: str | None
    table_title: str
    section: str
    page: int | None
    span_start: int
    span_end: int
    place: str | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        """Identifies the series (one row of one table)."""
        return (self.doc_id, self.indicator, self.span_start)


@dataclass(frozen=True)
class IndicatorMatch:
    """A table row whose label matches a query, with its values by year (ascending)."""

    doc_id: str
    label: str
    score: float
    records: tuple[IndicatorRecord, ...] = field(default_factory=tuple)
    query_coverage: float = 0.0
    label_coverage: float = 0.0
    label_hits: int = 0
    context_hits: int = 0
    #: Other places' values of the same row (comparison tables), by place and year.
    comparisons: tuple[IndicatorRecord, ...] = field(default_factory=tuple)

    @property
    def by_year(self) -> dict[int, IndicatorRecord]:
        """The municipality's own values (``place`` None) by year."""
        return {r.year: r for r in self.records}

    def place_values(self, place: str) -> dict[int, IndicatorRecord]:
        """``place``'s values of this row by year (empty when the row has none)."""
        return {r.year: r for r in self.comparisons if r.place == place}


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("norwegian")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    try:
        from bm25s.stopwords import STOPWORDS_NORWEGIAN

        base = frozenset(STOPWORDS_NORWEGIAN)
    except ImportError:  # pragma: no cover - bm25s is a dependency
        base = frozenset()
    return base | _EXTRA_STOP


# A hyphen between a word and a letter joins one compound: "CO2-ekvivalenter" is printed
# "CO2ekvivalenter" in a table, "Kommune-NM" stays one name. "bygg- og" keeps its hyphen.
_JOIN_HYPHEN = re.compile(r"(?<=[^\W_])-(?=[^\W\d_])")
# Free-standing numbers ("7. trinn", "8.-10.", "80 år", "2-3 ganger"), not part of a word
# ("CO2", "m2") and not a decimal's fraction.
_NUMBER = re.compile(r"(?<![\w,])(\d+)(?![\w]|,\d)")
_YEARISH = re.compile(r"^(?:19[5-9]\d|20\d\d)$")


def _join_hyphens(text: str) -> str:
    return _JOIN_HYPHEN.sub("", text)


def _strip_ing(stem: str) -> str:
    """``mobbing`` -> ``mobb`` (so it meets ``mobbet``); both sides of a match are treated alike."""
    return stem[:-3] if stem.endswith("ing") and len(stem) >= 7 else stem


#: A unit spelled out or as tables print it is one word: "per kvadratmeter" is "per m2".
_UNIT_WORDS = {"kvadratmeter": "m2", "kvm": "m2"}


def label_terms(text: str) -> list[str]:
    """Content-word stems of ``text``: lower case, no stop words, no bare numbers."""
    return list(_label_terms(text))


@lru_cache(maxsize=8192)
def _label_terms(text: str) -> tuple[str, ...]:
    # Cached: every search reads every label (and its table's title) again.
    stop = _stopwords()
    words = [
        _UNIT_WORDS.get(w, w)
        for w in _WORD.findall(_join_hyphens(text.lower()))
        if w not in stop and not w.isdigit() and len(w) > 1
    ]
    stems: list[str] = _stemmer().stemWords(words)
    return tuple(_strip_ing(s) for s in stems)


def number_terms(text: str) -> list[str]:
    """Free-standing numbers that qualify a label ("7. trinn", "80 år"), years left out."""
    found = (n.lstrip("0") or "0" for n in _NUMBER.findall(_join_hyphens(text)))
    return list(dict.fromkeys(n for n in found if not _YEARISH.match(n)))


@lru_cache(maxsize=65536)
def _term_match(query_term: str, label_term: str) -> bool:
    """Equal stems, an inflection the stemmer left apart, or the label word a compound of it.

    ``sykefravær`` finds ``sykefraværsprosent`` and ``fravær`` finds ``sykefravær``, but
    ``arbeidsledighet`` does not find ``arbeid``: the label must be at least as specific.
    ``lærern``/``lærer`` and ``oppfylt``/``oppfyll`` (one or two letters of inflection on a word
    of five or more) match both ways.
    """
    if query_term == label_term:
        return True
    if _inflection_of(query_term, label_term):
        return True
    if len(label_term) <= len(query_term):
        return False
    return (len(query_term) >= 5 and label_term.startswith(query_term)) or (
        len(query_term) >= 6 and label_term.endswith(query_term)
    )


def _inflection_of(a: str, b: str) -> bool:
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 5 or len(long_) - len(short) > 2:
        return False
    common = len(short)
    for i, (x, y) in enumerate(zip(short, long_, strict=False)):
        if x != y:
            common = i
            break
    return common >= max(5, len(short) - 1) and len(long_) - common <= 2


#: Longest query word that is tried as a compound of two label words. The longest label word
#: in the corpus has 21 letters (and the longest question word of the evaluation sets 27), so
#: two label words with a linking letter fit in 48; a longer "word" is no compound worth
#: splitting. Without the bound, splitting a word of n letters costs n^2 time and memory (every
#: tail is a new string, cached by ``_term_match``): one history item of a 1 MB word grew the
#: app to 21.7 GB.
MAX_COMPOUND_CHARS = 48


def _compound_parts(query_term: str, label_terms_: Sequence[str]) -> tuple[str, ...]:
    """The label words that the two parts of a query compound match, or ``()``.

    ``heltidsandel`` (heltid(s) + andel) finds "Andelen heltidsansatte"; each part has at
    least four letters and must match a label word of its own. A word longer than
    :data:`MAX_COMPOUND_CHARS` is not split, so the work per word is bounded.
    """
    if len(query_term) > MAX_COMPOUND_CHARS:
        return ()
    for i in range(4, len(query_term) - 3):
        head, tail = query_term[:i], query_term[i:]
        tails = [t for t in label_terms_ if _term_match(tail, t)]
        if not tails:
            continue
        heads = [head, head[:-1]] if head.endswith("s") and len(head) > 4 else [head]
        # "kommune" + "plan" is not "Kommunekasse" + "plan/kart/bygg": a soft word's prefix
        # says nothing.
        heads = [h for h in heads if h not in _soft_stems() and h not in _SOFT_WORDS]
        for h in heads:
            for t in label_terms_:
                if t not in tails and (t == h or (len(h) >= 5 and t.startswith(h))):
                    return (t, tails[0])
    return ()


def _joined_compound(term: str, query_terms_: Sequence[str], label_terms_: Sequence[str]) -> bool:
    """Is ``term`` the tail of a label compound whose head is another query word?

    "school points" (grunnskole + poeng) finds "grunnskolepoeng": both words of at least four
    letters, the compound no more than a linking letter or two longer than the two.
    """
    if len(term) < 4:
        return False
    for t in label_terms_:
        if len(t) <= len(term) or not t.endswith(term):
            continue
        head_len = len(t) - len(term)
        for h in query_terms_:
            if h != term and len(h) >= 4 and t.startswith(h) and head_len - len(h) <= 2:
                return True
    return False


# Names that most questions carry ("i Asker", "kommunen"): they neither have to match nor count
# against a label, but they do match a row labelled with them (``Asker`` in a comparison table).
_SOFT_WORDS = ("asker", "askers", "askersamfunnet", "kommune", "kommunen", "kommunens")
# The municipality by any of its names: "i Asker" matches a label "i Askersamfunnet".
_PLACE_WORDS = ("asker", "askers", "askersamfunnet", "askersamfunn")
# Question words that rarely name the indicator ("sykefraværet blant de ansatte"): soft as well,
# unless the question has nothing else ("Hvor mange ansatte ...").
_FILLER_WORDS = ("ansatte", "ansatt", "ansattes")


@lru_cache(maxsize=1)
def _soft_stems() -> frozenset[str]:
    words = [*_SOFT_WORDS, *_FILLER_WORDS]
    stems: list[str] = _stemmer().stemWords(words)
    return frozenset(stems) | frozenset(words)


@lru_cache(maxsize=1)
def _place_stems() -> frozenset[str]:
    stems: list[str] = _stemmer().stemWords(list(_PLACE_WORDS))
    return frozenset(stems) | frozenset(_PLACE_WORDS)


@lru_cache(maxsize=1)
def _filler_stems() -> frozenset[str]:
    stems: list[str] = _stemmer().stemWords(list(_FILLER_WORDS))
    return frozenset(stems) | frozenset(_FILLER_WORDS)


def names_only_the_municipality(label: str) -> bool:
    """A category row that says nothing but "Asker kommune (totalt)": what it counts is in the
    table's title, not the label."""
    terms = label_terms(label)
    return bool(terms) and all(t in _soft_stems() or t in {"total", "totalt", "sum"} for t in terms)


def _soft_match(soft_term: str, label_term: str) -> bool:
    places = _place_stems()
    if soft_term in places and label_term in places:
        return True
    return _term_match(soft_term, label_term)


# A small English -> Norwegian glossary so that English questions can reach Norwegian labels.
_GLOSSARY: dict[str, str] = {
    "sick": "sykefravær", "sickness": "sykefravær", "absence": "sykefravær",
    "leave": "sykefravær",
    "population": "folketall", "inhabitants": "innbygger", "residents": "innbygger",
    "births": "fødte", "deaths": "døde", "immigration": "innvandring",
    "emigration": "utvandring", "growth": "vekst", "housing": "bolig", "dwellings": "bolig",
    "homes": "bolig", "apartments": "leilighet", "employees": "ansatte", "staff": "ansatte",
    "share": "andel", "proportion": "andel", "percentage": "andel", "full": "heltid",
    "debt": "lånegjeld", "loan": "lånegjeld", "reserve": "disposisjonsfond",
    "maintenance": "vedlikehold", "operating": "drift", "result": "driftsresultat",
    "net": "netto", "gross": "brutto", "revenue": "driftsinntekter", "income": "driftsinntekter",
    "municipal": "kommune", "municipality": "kommune", "measles": "meslinger",
    "waste": "avfall", "emissions": "klimagassutslipp", "vaccinated": "vaksinert",
    "commuting": "pendling", "jobs": "arbeidsplass", "workplaces": "arbeidsplass",
    "bullying": "mobbet", "kindergarten": "barnehage", "teachers": "lærere",
    "electricity": "elektrisitet", "broadband": "bredbånd", "volunteer": "frivillig",
    "man-years": "årsverk", "fte": "årsverk", "fulltime": "heltidsansatte",
    # fees, costs and services (the KOSTRA tables)
    "fee": "gebyr", "fees": "gebyr", "charge": "gebyr", "charges": "gebyr",
    "vat": "mva", "excluding": "ekskl", "excl": "ekskl", "including": "inkl", "incl": "inkl",
    "collection": "innsamling", "average": "gjennomsnittlig", "points": "poeng",
    "expenditure": "utgifter", "expenditures": "utgifter", "expenses": "utgifter",
    "costs": "utgifter", "spending": "utgifter", "inhabitant": "innbygger",
    "resident": "innbygger", "capita": "innbygger", "library": "bibliotek",
    "libraries": "bibliotek", "school": "skole", "schools": "skole", "water": "vann",
    "sewage": "avløp", "wastewater": "avløp", "culture": "kultur", "church": "kirke",
    "sports": "idrett", "roads": "veier",
    # Norwegian words that tables abbreviate
    "merverdiavgift": "mva", "merverdiavgiften": "mva", "eksklusive": "ekskl",
    "eksklusiv": "ekskl", "inklusive": "inkl", "inklusiv": "inkl",
    # units as tables print them
    "kvadratmeter": "m2", "square": "m2", "kvm": "m2",
}  # fmt: skip

# English phrases that Norwegian writes as one compound.
_PHRASES: dict[str, str] = {
    "annual fee": "årsgebyr", "annual fees": "årsgebyr", "annual charge": "årsgebyr",
    "primary school": "grunnskole", "water supply": "vannforsyning",
    "child welfare": "barnevern", "social assistance": "sosialhjelp",
    "home care": "hjemmetjenester", "nursing home": "institusjon",
    "nursing homes": "institusjon",
}  # fmt: skip
_PHRASE = re.compile(r"\b(" + "|".join(sorted(_PHRASES, key=len, reverse=True)) + r")\b")


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """(content stems, soft stems) of a question, English words mapped through the glossary."""
    text = _PHRASE.sub(lambda m: _PHRASES[m.group(1)], _join_hyphens(query.lower()))
    words = [_GLOSSARY.get(w, w) for w in _WORD.findall(text)]
    terms = list(dict.fromkeys(label_terms(" ".join(words))))
    hard = [t for t in terms if t not in _soft_stems()]
    soft = [t for t in terms if t in _soft_stems()]
    if not hard:  # "Hvor mange ansatte ...": the filler word is all the question names
        hard = [t for t in soft if t in _filler_stems()]
        soft = [t for t in soft if t not in _filler_stems()]
    return hard, soft


@dataclass(frozen=True)
class MatchDetail:
    """How a label matches a query: ``score`` 0..1 and the coverages behind it."""

    score: float
    query_coverage: float  # share of the query's content words found in label or context
    label_coverage: float  # share of the label's words found in the query
    label_hits: int
    context_hits: int = 0  # query words found only in the section or table title


def match_detail(query: str, label: str, context: str = "") -> MatchDetail:
    """Token overlap of stemmed content words between a question and a row label.

    ``score`` = 0.7 * query side + 0.3 * label side, where a query word found only in
    ``context`` (section, table title) counts half; so a short exact label beats a long one that
    merely contains the words, and "årsverk i Oppvekst" prefers the Oppvekst table.

    Free-standing numbers count as words on both sides ("7. trinn", "8.-10. trinn", "80 år"), so
    a question about 10. trinn does not take the 7. trinn row, and one about 1.-4. trinn takes
    neither. A soft word of the question (the municipality's name, "ansatte") that the label
    has counts for the label; one it lacks does not count against it.
    """
    q, soft = query_terms(query)
    q_nums = number_terms(query)
    lab = list(dict.fromkeys(label_terms(label)))
    lab_nums = number_terms(label)
    if not (q or q_nums) or not lab:
        return MatchDetail(0.0, 0.0, 0.0, 0, 0)
    ctx = list(dict.fromkeys(label_terms(context))) if context else []
    ctx_nums = number_terms(context) if context else []
    weighted = 0.0
    covered = 0
    from_context = 0
    for term in q:
        if any(term == t or _inflection_of(term, t) for t in lab):
            weighted += 1.0
            covered += 1
        elif (
            any(_term_match(term, t) for t in lab)
            or _compound_parts(term, lab)
            or _joined_compound(term, q, lab)
        ):
            # Part of a longer label word ("bibliotek" in "folkebibliotek"): a little less
            # than the word itself, so that a row with the word itself is not outranked.
            weighted += PART_WEIGHT
            covered += 1
        elif any(_term_match(term, t) for t in ctx):
            weighted += 0.5
            covered += 1
            from_context += 1
    if any(n not in lab_nums and n not in ctx_nums for n in q_nums):
        # "1.-4. trinn", "2. kvartal": a qualifier the row does not have.
        return MatchDetail(0.0, 0.0, 0.0, 0, 0)
    per = denominator_terms(label)
    if per and q:
        # A rate answers only a question about that rate: "Hvor mange innbyggere ..." is not
        # answered by "Netto driftsutgifter per innbygger ..." (what the row measures must
        # match), nor "Hvor mye økte besøket i bibliotekene" by "Besøk i folkebibliotek per
        # innbygger" (the question must name the denominator too).
        measured = [t for t in lab if t not in per]
        names_measure = any(
            any(_term_match(term, t) for t in measured) or _compound_parts(term, measured)
            for term in q
        )
        names_per = any(_term_match(term, t) for term in q for t in per)
        if not (names_measure and names_per):
            return MatchDetail(0.0, 0.0, 0.0, 0, 0)
    soft_hits = sum(1 for s in soft if any(_soft_match(s, t) for t in lab))
    weighted += soft_hits
    covered += soft_hits
    n_words = len(q) + soft_hits
    # Numbers count for the score but not for coverage: they cannot make up for a missing word.
    weighted += sum(1.0 if n in lab_nums else 0.5 for n in q_nums)
    n_query = n_words + len(q_nums)
    compound_hits = {t for term in q for t in _compound_parts(term, lab)}
    l_hits = sum(
        1
        for t in lab
        if t in compound_hits
        or any(_term_match(term, t) for term in q)
        or any(_soft_match(s, t) for s in soft)
    )
    l_hits += sum(1 for n in lab_nums if n in q_nums)
    n_label = len(lab) + len(lab_nums)
    coverage = covered / n_words if n_words else 1.0
    if l_hits == 0:
        return MatchDetail(0.0, coverage, 0.0, 0, from_context)
    score = 0.7 * weighted / n_query + 0.3 * l_hits / n_label
    return MatchDetail(round(score, 4), coverage, l_hits / n_label, l_hits, from_context)


_PER_WORDS = frozenset({"per", "pr"})


def denominator_terms(label: str) -> set[str]:
    """Stems of the words a label divides by: the word after "per"/"pr." (a number between
    skipped: "pr. 10 000 innbyggere"). "per år" has none: a stop word is no denominator."""
    words = _WORD.findall(_join_hyphens(label.lower()))
    out: set[str] = set()
    for i, word in enumerate(words[:-1]):
        if word not in _PER_WORDS:
            continue
        nxt = next((w for w in words[i + 1 :] if not w.isdigit()), "")
        out.update(label_terms(nxt))
    return out


def _place_parts(place: str) -> list[str]:
    return _join_hyphens(place.lower()).split()


def named_places(text: str, places: Sequence[str]) -> list[str]:
    """The places of ``places`` that ``text`` names: the place's first word, maybe inflected
    ("Bærums", "kostragruppen", "KOSTRA-gruppe 12" for "Kostragruppe 12")."""
    words = _WORD.findall(_join_hyphens(text.lower()))
    found: list[str] = []
    for place in places:
        parts = _place_parts(place)
        if not parts:
            continue
        head = parts[0]
        if any(w == head or (w.startswith(head) and len(w) - len(head) <= 3) for w in words):
            found.append(place)
    return found


def place_in(place: str, text: str) -> bool:
    return bool(named_places(text, [place]))


def strip_places(text: str, places: Sequence[str]) -> str:
    """``text`` without the words that name ``places`` (and a place's number, "12")."""
    out = _join_hyphens(text)
    for place in places:
        parts = _join_hyphens(place).split()
        if not parts:
            continue
        tail = "".join(rf"(?:\s+{re.escape(part)}\b)?" for part in parts[1:])
        out = re.sub(rf"\b{re.escape(parts[0])}\w{{0,3}}\b{tail}", " ", out, flags=re.IGNORECASE)
    return " ".join(out.split())


def unmatched_terms(query: str, label: str, context: str = "") -> list[str]:
    """The query's content stems that neither ``label`` nor ``context`` has."""
    q, _ = query_terms(query)
    lab = list(dict.fromkeys(label_terms(label)))
    ctx = list(dict.fromkeys(label_terms(context))) if context else []
    return [
        t
        for t in q
        if not any(_term_match(t, x) for x in [*lab, *ctx])
        and not _compound_parts(t, lab)
        and not _joined_compound(t, q, lab)
    ]


def near_form(term: str, label: str, min_prefix: int = 4) -> bool:
    """Does ``label`` have a word that starts like ``term`` but that label matching does not
    take for it (``trivd`` from "trivdes" / ``trivsel``)? A word matching proper already
    counted in the label's score."""
    if len(term) < min_prefix:
        return False
    head = term[:min_prefix]
    terms = label_terms(label)
    if any(_term_match(term, t) for t in terms):
        return False
    return any(t.startswith(head) for t in terms)


def match_score(query: str, label: str, context: str = "") -> float:
    return match_detail(query, label, context).score


class IndicatorStore:
    """Indicator records in one SQLite file (WAL), replaced per document on re-ingestion."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0 and self._has_place(conn):
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @staticmethod
    def _has_place(conn: sqlite3.Connection) -> bool:
        return any(row[1] == "place" for row in conn.execute("PRAGMA table_info(indicator)"))

    def _select(self, conn: sqlite3.Connection) -> str:
        """The column list to read: a file from before ``place`` reads it as NULL."""
        return _COLUMNS if self._has_place(conn) else f"{_BASE_COLUMNS}, NULL AS place"

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            with conn:  # commits, or rolls back on error
                yield conn
        finally:
            conn.close()

    def replace_document(self, doc_id: str, records: Iterable[IndicatorRecord]) -> int:
        """Replaces ``doc_id``'s records in one transaction; returns how many were written."""
        rows = [_row(r) for r in records if r.doc_id == doc_id]
        with self._connect() as conn:
            if not self._has_place(conn):  # a file from before ``place``: add the column
                conn.execute("ALTER TABLE indicator ADD COLUMN place TEXT")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("DELETE FROM indicator WHERE doc_id = ?", (doc_id,))
            conn.executemany(
                f"INSERT INTO indicator ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows
            )
        return len(rows)

    def delete_document(self, doc_id: str) -> None:
        with self._connect() as conn:
            conn.execute("DELETE FROM indicator WHERE doc_id = ?", (doc_id,))

    def all(self) -> list[IndicatorRecord]:
        """Every record, other places' included."""
        with self._connect() as conn:
            cur = conn.execute(
                f"SELECT {self._select(conn)} FROM indicator "
                "ORDER BY doc_id, span_start, indicator, year, rowid"
            )
            return [_record(row) for row in cur.fetchall()]

    def places(self) -> list[str]:
        """The other places that comparison tables give values for ("Bærum", ...)."""
        with self._connect() as conn:
            if not self._has_place(conn):
                return []
            cur = conn.execute(
                "SELECT DISTINCT place FROM indicator WHERE place IS NOT NULL ORDER BY place"
            )
            return [str(row[0]) for row in cur.fetchall()]

    def count(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM indicator").fetchone()[0])

    def series(
        self,
        doc_id: str,
        indicator: str,
        span_start: int | None = None,
        place: str | None = None,
    ) -> list[IndicatorRecord]:
        """One row's values by year; without ``span_start``, the first table with that label.

        The municipality's own values, or with ``place`` that place's (comparison tables).
        """
        with self._connect() as conn:
            cur = conn.execute(
                f"SELECT {self._select(conn)} FROM indicator WHERE doc_id = ? AND indicator = ? "
                "ORDER BY span_start, year",
                (doc_id, indicator),
            )
            records = [r for r in map(_record, cur.fetchall()) if r.place == place]
        if not records:
            return []
        start = records[0].span_start if span_start is None else span_start
        return [r for r in records if r.span_start == start]

    def search(
        self,
        indicator_query: str,
        limit: int = 5,
        doc_ids: Sequence[str] = (),
    ) -> list[IndicatorMatch]:
        """Rows whose label best matches the query, best first (score 0..1).

        A match's ``records`` are the municipality's own values; other places' values of the
        row are its ``comparisons``. A row without own values is not returned. A place that
        the comparison tables know ("Bærum") named in the query must be in the row's label or
        table: the row of a question about Bærum is not Asker's.
        """
        groups: dict[tuple[str, str, int], list[IndicatorRecord]] = {}
        known_places: set[str] = set()
        for record in self.all():
            if doc_ids and record.doc_id not in doc_ids:
                continue
            groups.setdefault(record.key, []).append(record)
            if record.place:
                known_places.add(record.place)
        named = named_places(indicator_query, sorted(known_places))
        matches: list[IndicatorMatch] = []
        for (doc_id, label, _), group in groups.items():
            own = sorted((r for r in group if r.place is None), key=lambda r: r.year)
            if not own:
                continue
            first = own[0]
            context = f"{first.section} {first.table_title}"
            detail = match_detail(indicator_query, label, context)
            if detail.score <= 0 or any(not place_in(p, f"{label} {context}") for p in named):
                continue
            others = [r for r in group if r.place]  # by year, in the table's column order
            matches.append(
                IndicatorMatch(
                    doc_id,
                    label,
                    detail.score,
                    tuple(own),
                    detail.query_coverage,
                    detail.label_coverage,
                    detail.label_hits,
                    detail.context_hits,
                    tuple(others),
                )
            )
        matches.sort(key=lambda m: (-m.score, len(m.label), m.doc_id, m.records[0].span_start))
        return matches[:limit]


def _row(r: IndicatorRecord) -> tuple[Any, ...]:
    return (
        r.doc_id, r.indicator, r.year, r.value_text, r.value, r.unit, r.target, r.table_title,
        r.section, r.page, r.span_start, r.span_end, r.place,
    )  # fmt: skip


def _record(row: Sequence[Any]) -> IndicatorRecord:
    return IndicatorRecord(
        doc_id=row[0],
        indicator=row[1],
        year=int(row[2]),
        value_text=row[3],
        value=None if row[4] is None else float(row[4]),
        unit=row[5],
        target=row[6],
        table_title=row[7],
        section=row[8],
        page=None if row[9] is None else int(row[9]),
        span_start=int(row[10]),
        span_end=int(row[11]),
        place=row[12],
    )

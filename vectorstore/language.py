"""Language knowledge, from data packages: lemmas, stop words, compounds, and answer kinds.

* Lemmas come from ``simplemma``'s Norwegian bokmål (``nb``) and English dictionaries
  ("sykefraværet" -> "sykefravær", "vedtok" -> "vedta", "children" -> "child").
* Stop words are ``bm25s``' Norwegian and English lists.
* Compounds are split against a vocabulary of known lemmas (:class:`CompoundSplitter`):
  "sykefraværsprosent" -> ("sykefravær", "prosent"). The vocabulary is the corpus's own lemmas, so
  the split knows the words the documents use.
* :data:`ANSWER_KINDS` is the one short table of question words to the kind of fact they ask
  for; :func:`facts_in` says which kinds a sentence holds.

Every function is bounded in its input: words longer than :data:`MAX_WORD_CHARS` are cut, so a
hostile "word" of a megabyte costs no more than a long word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Lang = Literal["nb", "en"]

#: No Norwegian word in the corpus is longer; longer tokens are cut to this length.
MAX_WORD_CHARS = 40
#: Parts of a compound are at least this long ("fravær" in "sykefravær" ...).
MIN_PART_CHARS = 3
#: Words shorter than this are not split.
MIN_COMPOUND_CHARS = 7

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_YEAR = re.compile(r"(?<![\d,.])(19[5-9]\d|20\d\d)(?!\d|,\d)")
_NUMBER = re.compile(r"(?<![\w,.])\d{1,3}(?:[ \u00a0]\d{3})+(?:,\d+)?(?!\d)|\d+(?:[.,]\d+)?")
#: A share or an amount is a number with its unit ("14,4 prosent", "9 %", "250 mill. kroner"),
#: not the unit's word alone (a table heading "Befolkningsvekst i prosent 2022 2023 2024"), nor
#: a year before it ("veksten i 2024 i prosent"). Only whether such a fact is there, so not
#: :func:`vectorstore.numbers.quantities_in` (which reads values, imports this module, and does
#: not read a unit printed before its number: "kr 5 870").
_AFTER_NUMBER = r"\d(?!\d)(?<!19[5-9]\d)(?<!20\d\d)\s?(?:\w+\s)?"
_PERCENT = re.compile(_AFTER_NUMBER + r"(?:%|prosent\w*|percent)", re.IGNORECASE)
_MONEY = re.compile(
    r"(?:" + _AFTER_NUMBER + r"(?:kr|kroner|nok|mill|millioner|mrd|milliarder)\b\.?)"
    r"|\b(?:kr\.?|nok)\s?\d",
    re.IGNORECASE,
)
_MONTHS = (
    "januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
    "oktober", "november", "desember", "january", "february", "march", "may", "june", "july",
    "october", "december",
)  # fmt: skip
_DATE = re.compile(
    r"\b\d{1,2}\.\s*(?:" + "|".join(_MONTHS) + r")\b|\b(?:" + "|".join(_MONTHS) + r")\b"
    r"|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b|\b(?:våren|høsten|vinteren|sommeren)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-ZÆØÅ][\wæøå-]+")
_LIST_MARK = re.compile(r",\s|;|•|\s[-–]\s|\n\s*[-–]")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits), each cut at :data:`MAX_WORD_CHARS`."""
    return [w[:MAX_WORD_CHARS] for w in _WORD.findall(text.casefold())]


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_NORWEGIAN

    return frozenset(STOPWORDS_NORWEGIAN) | frozenset(STOPWORDS_EN)


@lru_cache(maxsize=200_000)
def lemma(word: str, lang: Lang = "nb") -> str:
    """The dictionary form of one lower-cased word (the word itself when unknown)."""
    import simplemma

    if word.isdigit():
        return word
    return str(simplemma.lemmatize(word, lang=lang))


def content_lemmas(text: str, lang: Lang = "nb") -> list[str]:
    """Lemmas of the words that carry content (no stop words, no single characters)."""
    stop = stop_words()
    out: list[str] = []
    for word in words(text):
        if word in stop or (len(word) < 2 and not word.isdigit()):
            continue
        base = lemma(word, lang)
        if base not in stop:
            out.append(base)
    return out


class CompoundSplitter:
    """Splits a compound into two known parts ("barnehageplass" -> "barnehage", "plass").

    A part is known when it is in ``vocabulary`` (the lemmas of the corpus). The head may end in
    a linking "s" or "e" ("sykefravær-s-prosent"). Among the possible splits the one with the
    longest tail wins (Norwegian compounds are head-final: the tail says what the thing is).
    Work is linear in the word length, and words are cut at :data:`MAX_WORD_CHARS`.
    """

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = frozenset(w for w in vocabulary if len(w) >= MIN_PART_CHARS)
        self._cache: dict[str, tuple[str, ...]] = {}

    def parts(self, word: str) -> tuple[str, ...]:
        """The two parts, or ``()`` when ``word`` is not a compound of known words."""
        word = word[:MAX_WORD_CHARS]
        if len(word) < MIN_COMPOUND_CHARS or not word.isalpha():
            return ()
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        found: tuple[str, ...] = ()
        for cut in range(MIN_PART_CHARS, len(word) - MIN_PART_CHARS + 1):
            head, tail = word[:cut], word[cut:]
            if tail not in self.vocabulary:
                continue
            if head in self.vocabulary:
                found = (head, tail)
            elif head[-1] in "se" and head[:-1] in self.vocabulary:
                found = (head[:-1], tail)
            if found:
                break  # the first cut that works has the longest tail
        if len(self._cache) < 100_000:
            self._cache[word] = found
        return found


@dataclass(frozen=True)
class Terms:
    """The content lemmas of a text and the parts of its compounds."""

    lemmas: frozenset[str]
    parts: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.lemmas | self.parts


def terms(text: str, splitter: CompoundSplitter | None = None, lang: Lang = "nb") -> Terms:
    lemmas = content_lemmas(text, lang)
    parts: set[str] = set()
    if splitter is not None:
        for item in lemmas:
            parts.update(splitter.parts(item))
    return Terms(frozenset(lemmas), frozenset(parts))


# ---------------------------------------------------------------------------------------------
# What a question asks for, and what a sentence holds.

AnswerKind = Literal["count", "amount", "share", "date", "name", "list", "place", "reason"]

#: Question words -> the kind of fact they ask for (Norwegian bokmål, nynorsk, English). The
#: first pattern that matches decides; a question that matches none asks for a fact in words.
ANSWER_KINDS: tuple[tuple[str, AnswerKind], ...] = (
    (
        r"\bhvor (?:stor|høy|lav) (?:andel|prosent)|\bkor stor del|\bwhat (?:share|percentage|"
        r"proportion|part)|\bhow (?:large|big|high) (?:a )?(?:share|percentage)|\bandel\b|prosent",
        "share",
    ),
    (r"\bhvor mange\b|\bkor mange\b|\bhow many\b|\bantall\b|\bnumber of\b", "count"),
    (
        r"\bhvor (?:mye|stor|høy|høyt|lav|lavt|lang|langt|ofte)\b|\bkor (?:mykje|stor|høg)\b|"
        r"\bhow (?:much|big|large|high|long|often)\b|\bwhat (?:did|does) .* cost\b|\bkoste",
        "amount",
    ),
    (
        r"\bnår\b|\bkva tid\b|\bhvilket år\b|\bhvilken dato\b|\bwhen\b|\bwhat year\b"
        r"|\bwhich year\b",
        "date",
    ),
    (r"\bhvem\b|\bkven\b|\bwho\b|\bwhom\b|\bhva heter\b|\bwhat is the name\b", "name"),
    (r"\bhvor\b(?! (?:mange|mye|stor|høy|lav|lang|ofte))|\bkvar\b|\bwhere\b", "place"),
    (r"\bhvorfor\b|\bkvifor\b|\bwhy\b", "reason"),
    (
        r"\bhvilke\b|\bkva for nokre\b|\bwhich\b|\bwhat are\b|\bhva er de\b|\bnevn\b|\blist\b",
        "list",
    ),
)
_ANSWER_KIND_RES = tuple((re.compile(p, re.IGNORECASE), kind) for p, kind in ANSWER_KINDS)
ANSWER_KIND_NAMES: tuple[AnswerKind, ...] = (
    "count", "amount", "share", "date", "name", "list", "place", "reason",
)  # fmt: skip
FACT_NAMES = ("number", "percent", "money", "date", "year", "name", "list")


def answer_kind(question: str) -> AnswerKind | None:
    """The kind of fact a question asks for (:data:`ANSWER_KINDS`), or None for a fact in words."""
    text = question[:2000]
    for pattern, kind in _ANSWER_KIND_RES:
        if pattern.search(text):
            return kind
    return None


def years_in(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(text)]


def facts_in(text: str) -> dict[str, bool]:
    """Which kinds of fact ``text`` states (:data:`FACT_NAMES`)."""
    without_years = _YEAR.sub(" ", text)
    return {
        "number": bool(_NUMBER.search(without_years)),
        "percent": bool(_PERCENT.search(text)),
        "money": bool(_MONEY.search(text)),
        "date": bool(_DATE.search(text)),
        "year": bool(_YEAR.search(text)),
        "name": bool(_CAPITALISED.search(text)),
        "list": len(_LIST_MARK.findall(text)) >= 2,
    }


def holds_kind(kind: AnswerKind | None, facts: dict[str, bool]) -> bool:
    """Does a text with ``facts`` hold an answer of ``kind``?"""
    if kind is None or kind == "reason":
        return True
    if kind == "share":
        return facts["percent"] or facts["number"]
    if kind in ("count", "amount"):
        return facts["number"]
    if kind == "date":
        return facts["date"] or facts["year"]
    if kind in ("name", "place"):
        return facts["name"]
    return facts["list"]


def capitalised_names(text: str) -> list[str]:
    """Capitalised words that are not the first word of a sentence (names of places, bodies)."""
    return [m.group(0)[:MAX_WORD_CHARS] for m in _CAPITALISED.finditer(text[:5000])]


def numbers_in(text: str) -> list[str]:
    """The numbers of ``text`` as printed ("1 234,5", "9,3")."""
    return _NUMBER.findall(text)


def language_of(text: str) -> Lang:
    """``en`` or ``nb``: the language whose dictionary (simplemma's) knows more of the words.

    Ties go to Norwegian, the documents' language.
    """
    import simplemma

    scores = dict(simplemma.langdetect(text[:2000], lang=("nb", "en")))
    return "en" if scores.get("en", 0.0) > scores.get("nb", 0.0) else "nb"


#: A comparison (KOSTRA) table's footnote marks in a row's label: "(B)", "*)", "**)". Table
#: extraction drops them from the indicator's label; a row's text keeps them.
FOOTNOTE_MARK = re.compile(r"\(B\)|(?<!\S)\*+\)")


def squash(text: str) -> str:
    """Letters and digits only, case-folded (NFC, soft hyphens dropped): for comparing spans of
    text whatever their line breaks, hyphenation and punctuation."""
    import unicodedata

    text = unicodedata.normalize("NFC", text).replace("\u00ad", "").casefold()
    return "".join(ch for ch in text if ch.isalnum())


# ---------------------------------------------------------------------------------------------
# Computations: which operation a question asks for, and how quantities are written.

Operation = Literal["trend", "duration", "target", "rank", "ratio", "share", "sum", "difference"]

#: Words that name a change ("økte", "falt", "nedgangen"; English below). A question asks for a
#: difference with one when it says from what ("fra 2023", "siden", "enn"); a follow-up, when the
#: conversation has given the years (:mod:`assistant.followup`).
CHANGE_WORDS = (
    r"økte|økt|steg|steget|falt|sank|sunket|gikk|gått|redusert|reduksjon\w*|nedgang\w*"
    r"|økning\w*|endret|endring\w*|forbedr\w*|vokst|vokse|auka|minka|gjekk|voks"
)
CHANGE_WORDS_EN = r"increase|decrease|drop|rise|fall|fell|grew|grow|change"
CHANGE = re.compile(rf"\b(?:{CHANGE_WORDS})\b|\b(?:{CHANGE_WORDS_EN})[ds]?\b", re.IGNORECASE)

#: Operation words -> the computation a question asks for (bokmål, nynorsk, English), in the
#: order they are tried: the first pattern that matches decides (but a change named beside two
#: years comes before the last, :func:`operation_match`). Like :data:`ANSWER_KINDS`, a
#: short table of general words, not of questions; whether the evidence holds the values to
#: compute with is decided by :mod:`assistant.compute`.
OPERATIONS: tuple[tuple[str, Operation], ...] = (
    (
        r"\butvikl(?:et|a) seg\b|\butviklingen (?:i|av|for|til)\b|\bhow (?:has|have|did) .{0,80}"
        r"\b(?:develop|chang|evolv)\w*|\btrend\b",
        "trend",
    ),
    (
        # the time from one event to another ("hvor lang tid gikk det fra ... til ...")
        r"\b(?:(?:hvor|kor) lang tid|how long|(?:hvor|kor) mange (?:år|måneder|månader|dager"
        r"|uker|veker)|how many (?:years|months|days|weeks))\b.{0,120}\b(?:fra|frå|from"
        r"|between|mellom)\b",
        "duration",
    ),
    (
        r"\bn(?:å|ådd|ådde|ås|år)\b.{0,40}\bmål(?:et|a|ene|setting\w*)?\b"
        r"|\b(?:unna|over|under|fra|opp til|i forhold til|sammenlignet med|enn) målet\b"
        r"|\bmålet\b.{0,30}\bgjenstår\b|\bgjenstår\b|\breach(?:ed)? (?:the|its) (?:target|goal)\b"
        r"|\b(?:short of|above|below|from|compared to|than) (?:the|its) (?:target|goal)\b",
        "target",
    ),
    (
        r"\b(?:hvilke[nt]?|kva for ei?n?|which|what)\b.{0,80}\b(?:flest|høyest|lavest|størst"
        r"|minst|mest|færrest|billigst|dyrest|først|sist|highest|lowest|most|fewest|largest"
        r"|smallest|biggest|first|last)\b|\brangert?\b|\brank(?:ed|ing)?\b",
        "rank",
    ),
    (
        r"\bganger (?:så|mer|flere|større|høyere|mindre)\b|\bhow many times\b|\btimes (?:as|more)"
        r"\b|\bi (?:snitt|gjennomsnitt) (?:per|pr\.?|hvert|i året|hver)\b|\bon average (?:per|each)"
        r"\b|\bper (?:hoved)?mål\b|\bdobbelt så\b|\bhalvparten\b",
        "ratio",
    ),
    (
        r"\b(?:hvor stor|kor stor) (?:andel|del|prosent\w*) av\b|\bhvor mange prosent av\b"
        r"|\bwhat (?:share|percentage|proportion|part) of\b|\bhow (?:large|big) a (?:share|part)"
        r" of\b|\bhvor mange av\b.{0,60}\bprosent\b|\bomtrent hvor mange av\b",
        "share",
    ),
    (
        r"\btil (?:sammen|saman)\b|\btilsammen\b|\blegge[rs]? (?:man |vi |du |en )?sammen\b"
        r"|\bsamlet\b|\bsummen\b|\bi alt\b|\bin total\b|\btogether\b|\bcombined\b"
        r"|\baltogether\b|\btotalt\b|\bsum of\b",
        "sum",
    ),
    (
        r"\bforskjell\w*|\bdifferanse\w*|\bskiller\b|\bdifference\b"
        r"|\b(?:hvor|kor) (?:mye|mykje|mange) (?:mer|meir|mindre|flere|fleire|færre|høyere|lavere"
        r"|større|dyrere|billigere|raskere|lengre|kortere|bedre|dårligere)\b"
        r"|\b(?:hvor|kor) mange (?:prosentpoeng|kroner|dager|tonn)\b"
        rf"|\b(?:{CHANGE_WORDS})\b.{{0,80}}\b(?:fra|frå|siden|sidan|enn)\b"
        # any comparative ("hvor mange kilo mindre ... enn", "kor mykje raskare ... enn")
        r"|\b(?:hvor|kor) (?:mye|mykje|mange|langt) (?:\w+ ){0,2}(?:mer|meir|mindre|flere"
        r"|fleire|færre|\w{3,}(?:ere|are))\b.{0,80}\benn\b"
        r"|\bhow (?:much|many|far) (?:\w+ ){0,2}(?:more|less|fewer|below|above|\w{3,}er)\b"
        r".{0,80}\b(?:than|from)\b|\bhow far (?:below|above|behind|ahead)\b"
        r"|\bhow (?:much|many) (?:more|less|fewer|higher|lower|larger|smaller|faster|cheaper)\b"
        r"|\bhow (?:much|many) (?:percentage points|kroner|days)\b"
        rf"|\b(?:{CHANGE_WORDS_EN})[ds]?\b.{{0,60}}\b(?:from|since|than)\b|"
        r"\bhow big (?:is|was) the (?:drop|increase|decrease|change|gap)\b"
        r"|\b(?:nedgangen|økningen|endringen|reduksjonen|kuttet)\b",
        "difference",
    ),
    # an amount per something ("hvor mange elever per sted"): a ratio, unless the documents
    # state the amount per that thing themselves (assistant.compute checks)
    (
        r"\b(?:hvor mange|hvor mye|kor mange|kor mykje|how many|how much|gjennomsnitts\w+|average"
        r")\b.{0,80}\bper\s+\w+",
        "ratio",
    ),
)
_OPERATION_RES = tuple((re.compile(p, re.IGNORECASE), op) for p, op in OPERATIONS)
#: A change asked in percent of the value it changed from ("hvor mange prosent økte",
#: "prosentvis", "by what percentage"): not a share ("hvor mange prosent av"); a change of shares
#: stays in percentage points (:mod:`assistant.compute` checks the values).
RELATIVE_CHANGE = re.compile(
    r"\b(?:hvor|kor) mange prosent\b(?!\s+(?:av|of)\b)|\bprosentvis\w*|\bi prosent\b"
    r"|\bby (?:what|how many) percent(?:age)?\b|\bhow many percent\b(?!\s+of\b)"
    r"|\bpercentage (?:increase|decrease|change|growth|drop|rise|fall|decline)\b|\bin percent\b",
    re.IGNORECASE,
)
OPERATION_NAMES: tuple[Operation, ...] = (
    "trend", "duration", "target", "rank", "ratio", "share", "sum", "difference",
)  # fmt: skip


def operation_of(question: str) -> Operation | None:
    """The computation a question asks for (:data:`OPERATIONS`), or None."""
    found = operation_match(question)
    return found[0] if found else None


def operation_match(question: str) -> tuple[Operation, int, int] | None:
    """The operation and where its words stand in ``question`` (start, end), or None. A change
    named beside two years is a difference whatever the words' order ("Fra 2023 til 2024 – hvor
    mye falt …", "change between 2023 and 2024"); only the last pattern, an amount per
    something, gives way to it."""
    text = question[:2000]
    *named, (per_something, ratio) = _OPERATION_RES
    for pattern, op in named:
        match = pattern.search(text)
        if match:
            return op, match.start(), match.end()
    change = CHANGE.search(text)
    if change and len(set(years_in(text))) >= 2:
        return "difference", change.start(), change.end()
    match = per_something.search(text)
    return (ratio, match.start(), match.end()) if match else None


#: Superlatives that ask for the smallest (the rest ask for the largest).
RANK_LOWEST = re.compile(
    r"\b(?:lavest|minst|færrest|billigst|først|lowest|least|fewest|smallest|cheapest|first)\b",
    re.IGNORECASE,
)

#: Unit words after a number -> the canonical unit ("prosent" -> "%"). The first match wins,
#: so longer units come first.
UNIT_WORDS: tuple[tuple[str, str], ...] = (
    (r"prosentpoeng|percentage points?", "prosentpoeng"),
    (r"%|prosent|percent|per cent", "%"),
    (r"mrd\.?\s*(?:kr\.?|kroner)|milliard(?:er)?\s*kroner", "mrd. kr"),
    (r"mill\.?\s*(?:kr\.?|kroner)|million(?:er)?\s*kroner", "mill. kr"),
    (r"mrd\.|milliard(?:er)?|billions?", "mrd."),
    (r"mill\.|million(?:er)?|millions?", "mill."),
    (r"kr\s*/\s*m2|kroner per kvadratmeter", "kr/m2"),
    (r"kg\s*/\s*m2", "kg/m2"),
    (r"kr\.?(?!\w)|kroner|NOK", "kr"),
    (r"kilo(?:gram)?|kg", "kg"),
    # tonnes of CO2 equivalents measure emissions, plain tonnes a mass (waste, food)
    (r"tonn\s*CO2(?:-?[^\W\d_]+)?", "tonn CO2e"),
    (r"tonn|tonnes?", "tonn"),
    (r"GWh|MWh|kWh", "{0}"),
    (r"m2|kvadratmeter|square metres?", "m2"),
    (r"dekar", "dekar"),
    (r"dager|dagar|døgn|days?", "dager"),
    (r"uker|weeks?", "uker"),
    (r"måneder|months?", "måneder"),
    (r"timer|hours?", "timer"),
    (r"år(?!\w)|years?", "år"),
    (r"poeng|points?", "poeng"),
)
_UNIT_RE = re.compile(
    r"\s?(" + "|".join(f"(?:{p})" for p, _ in UNIT_WORDS) + r")(?!\w)", re.IGNORECASE
)
_UNIT_RES = tuple((re.compile(f"(?:{p})$", re.IGNORECASE), unit) for p, unit in UNIT_WORDS)


def unit_of(word: str) -> str:
    """The canonical unit of a unit word ("prosent" -> "%", "mill. kroner" -> "mill. kr")."""
    word = " ".join(word.split())
    for pattern, unit in _UNIT_RES:
        if pattern.fullmatch(word):
            return word if unit == "{0}" else unit
    return ""


#: Units a table row's label names when its cells print none ("Antall kilo husholdningsavfall",
#: "Netto driftsutgifter i kroner", "saksbehandlingstid (dager)").
_LABEL_UNIT = re.compile(
    r"\b(kroner|kr|kilo|kg|tonn|GWh|MWh|kWh|dekar|dager|prosent|m2)\b|(%)", re.IGNORECASE
)


#: Row labels of amounts of money that do not name their unit ("Netto driftsutgifter per
#: innbygger (370) bibliotek" in a KOSTRA table is kroner per inhabitant).
_MONEY_LABEL = re.compile(r"utgift|kostnad|gebyr|expenditure|cost\b|fee\b", re.IGNORECASE)


def unit_in_label(label: str) -> str:
    """The canonical unit a row's label names ("kr" for expenses, costs and fees), or ""."""
    match = _LABEL_UNIT.search(label)
    if match:
        return unit_of(match.group(match.lastindex or 1))
    return "kr" if _MONEY_LABEL.search(label) else ""


def unit_after(text: str, position: int) -> tuple[str, int]:
    """The unit written right after ``position`` of ``text`` and where it ends ("", position)."""
    match = _UNIT_RE.match(text, position)
    if match is None:
        return "", position
    return unit_of(match.group(1)), match.end()


#: Number words counted as numbers in sentences ("sju restaureringsobjekter"). "en"/"et"/"ett"
#: are left out: they are mostly articles.
NUMBER_WORDS: dict[str, int] = {
    "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "sju": 7, "syv": 7, "åtte": 8, "ni": 9,
    "ti": 10, "elleve": 11, "tolv": 12, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

#: Years said relative to another year ("året før" = one year before), with the offset.
RELATIVE_YEARS: tuple[tuple[str, int], ...] = (
    (r"\b(?:året|år|aret) (?:før|forut|tidligere)\b|\bforrige år\b|\bi fjor\b|\bfjoråret\b"
    r"|\bthe (?:year|previous year) before\b|\bthe previous year\b|\blast year\b", -1),
    (r"\b(?:året|år) (?:etter|deretter)\b|\bneste år\b|\bthe (?:year|following year) after\b"
    r"|\bthe following year\b|\bnext year\b", 1),
)  # fmt: skip
_RELATIVE_YEAR_RES = tuple((re.compile(p, re.IGNORECASE), k) for p, k in RELATIVE_YEARS)


def relative_years(text: str) -> list[int]:
    """Offsets of the relative years ``text`` names ("og året før?" -> [-1])."""
    return [k for _, _, k in relative_year_spans(text)]


def relative_year_spans(text: str) -> list[tuple[int, int, int]]:
    """Where ``text`` names a relative year: (start, end, offset), in order."""
    found = [
        (m.start(), m.end(), k) for pattern, k in _RELATIVE_YEAR_RES for m in pattern.finditer(text)
    ]
    return sorted(found)


#: Words that join the parts of a clause list: values on either side are separate statements
#: ("22,3 kilo i matavfallet og 14,6 kilo i restavfallet").
CLAUSE_BREAKS = re.compile(
    r"[;:]|,(?!\d)|\s(?:og|mens|men|samt|enn|mot|and|while|whereas|but|than|versus)\s",
    re.IGNORECASE,
)
#: "henholdsvis" / "respectively": the names before it go with the numbers after it, in order.
RESPECTIVELY = re.compile(r"\b(?:henholdsvis|høvesvis|respectively)\b", re.IGNORECASE)
#: Words that say a value is a goal ("målet om 80 prosent", "target of").
TARGET_WORDS = re.compile(r"\bmål\w*|\btarget\w*|\bgoal\w*|\bambisjon\w*", re.IGNORECASE)
#: Words that say a value is said for "since"/"from" a year: the series runs from there on.
SINCE_WORDS = re.compile(r"\b(?:siden|fra|etter|since|from)\s+(19[5-9]\d|20\d\d)\b", re.IGNORECASE)
#: "nå", "i dag": the latest year the documents give.
NOW_WORDS = re.compile(r"\b(?:nå|i dag|now|today|currently)\b", re.IGNORECASE)
#: "de siste tre årene" / "the last four years": a span of years ending with the latest.
LAST_YEARS = re.compile(
    r"\b(?:de|the) (?:siste|last|past) (\d+|to|tre|fire|fem|seks|two|three|four|five|six) "
    r"(?:årene|år|years)\b",
    re.IGNORECASE,
)
#: Words that coordinate the things a question compares or adds up ("A og B", "A enn B").
COORDINATION = re.compile(r",\s|\s(?:og|eller|enn|mot|versus|vs\.?|and|or|than)\s", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Conversations: what a follow-up leans on.

#: Words that ask rather than name (question words, auxiliaries, conversational filler): a
#: follow-up made only of these, years and places changes a slot of the previous question.
QUESTION_WORDS = frozenset(
    {
        "hva", "hvor", "hvem", "hvilke", "hvilken", "hvilket", "når", "hvordan", "hvorfor", "mange",
        "mye", "kva", "kor", "kven", "kvifor", "stor", "store", "høy", "høyt", "lav", "lavt",
        "lang", "langt", "ofte", "big", "large", "high", "low", "long", "korleis", "for", "what",
        "ellers", "else", "otherwise", "flere", "færre", "fleire", "more", "fewer", "less",
        "how", "who", "which", "when", "where", "why", "many", "much", "whom", "whose", "also",
        "too", "then", "so", "about", "da", "så", "også", "vel", "egentlig", "nå", "blant", "among",
        "med", "with", "og", "and", "men", "but", "enn", "than", "var", "er", "ble", "blir", "har",
        "hadde", "får", "fikk", "skal", "skulle", "kan", "kunne", "was", "were", "is", "are", "did",
        "does", "do", "has", "have", "had", "will", "would", "can", "could", "get", "got", "the",
        "a", "an", "of", "in", "i", "på", "til", "to", "om", "at"
    }
)  # fmt: skip
#: Pronouns that point back at the previous question's subject ("hvem har ansvaret for den?").
PRONOUNS = frozenset(
    {
        "den", "det", "dem", "disse", "denne", "dette", "han", "hun", "ho", "dei", "dykk", "sånn",
        "slik", "it", "they", "them", "those", "these", "that", "this", "there", "der", "dit",
        "one", "ones", "its", "their"
    }
)  # fmt: skip
#: Pronouns that also stand as an empty subject ("Hvor mange var det i 2024?"): they point back
#: only in a question that names nothing of its own.
WEAK_PRONOUNS = frozenset({"det", "der", "there", "it", "that", "this", "de", "they"})
#: Words that close a follow-up ("i 2022 da?", "på hvor mange steder da?", "that year too?").
FOLLOWUP_CLOSING = re.compile(r"\b(?:da|then|too|også)\s*[?.!]*\s*$", re.IGNORECASE)
#: Words that open a follow-up ("og i 2023?", "hva med Bærum?", "what about ...").
FOLLOWUP_OPENING = re.compile(
    r"^\s*(?:og|men|enn|hva med|hvordan med|hva om|samme for|så|kva med|and|but|what about"
    r"|how about|same for|then|so)\b",
    re.IGNORECASE,
)

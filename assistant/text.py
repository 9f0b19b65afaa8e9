"""Small text tools the assistant shares: sentences, numbers, content terms, language."""

from __future__ import annotations

import re
from functools import lru_cache

from vectorstore.lexical import tokenize
from vectorstore.passages import heading_before as heading_before
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
    """Stemmed, stop-word-free terms (the same analysis as the BM25 index)."""
    return tokenize(strip_citations(text))


_EN_WORDS = frozenset(
    [
        "the",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "why",
        "when",
        "where",
        "is",
        "are",
        "was",
        "were",
        "does",
        "do",
        "did",
        "of",
        "in",
        "on",
        "for",
        "to",
        "and",
        "with",
        "by",
        "from",
        "about",
        "many",
        "much",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "this",
        "that",
        "these",
        "those",
        "there",
        "their",
        "its",
        "it",
        "municipality",
        "council",
        "plan",
        "report",
    ]
)
_NO_WORDS = frozenset(
    [
        "hva",
        "hvilke",
        "hvilken",
        "hvem",
        "hvordan",
        "hvorfor",
        "når",
        "hvor",
        "er",
        "var",
        "ble",
        "blir",
        "har",
        "hadde",
        "skal",
        "kan",
        "kunne",
        "og",
        "i",
        "på",
        "for",
        "til",
        "med",
        "av",
        "fra",
        "om",
        "mange",
        "mye",
        "det",
        "den",
        "de",
        "som",
        "ikke",
        "også",
        "kommunen",
        "kommune",
        "planen",
        "rapporten",
        "hvor",
        "mye",
        "hvor",
        "mange",
        "er",
        "det",
    ]
)


@lru_cache(maxsize=2048)
def detect_language(text: str) -> str:
    """``"en"`` for English, else ``"no"`` (Norwegian bokmål is the default).

    A Norwegian letter (æ, ø, å) makes the text Norwegian, except in a capitalised word after the
    first: an English question names Norwegian places ("How many visitors did Røykenbadet have?").
    """
    for i, word in enumerate(re.findall(r"[^\W\d_]+", text)):
        if re.search(r"[æøåÆØÅ]", word) and (i == 0 or not word[0].isupper()):
            return "no"
    words = re.findall(r"[a-zA-Z]+", text.lower())
    en = sum(w in _EN_WORDS for w in words)
    no = sum(w in _NO_WORDS for w in words)
    return "en" if en > no else "no"


_NAME = re.compile(r"\b([A-ZÆØÅ][a-zæøåäöü]+(?:[ -][A-ZÆØÅ][a-zæøåäöü]+)*)")
#: Capitalised words that are not names worth checking (sentence openers, the municipality).
_NOT_NAMES = frozenset(
    [
        "asker",
        "kommune",
        "kommunen",
        "the",
        "in",
        "i",
        "det",
        "den",
        "de",
        "dette",
        "denne",
        "hva",
        "hvor",
        "hvem",
        "hvilke",
        "hvilken",
        "hvordan",
        "når",
        "what",
        "which",
        "who",
        "how",
        "when",
        "where",
        "is",
        "are",
        "was",
        "were",
        "did",
        "does",
        "do",
        "norge",
        "norway",
        "norsk",
        "og",
        "and",
        "for",
        "to",
        "til",
        "med",
    ]
)


def proper_names(text: str) -> set[str]:
    """Lower-cased capitalised words or phrases that are not the first word of a sentence."""
    plain = strip_citations(text)
    names: set[str] = set()
    for match in _NAME.finditer(plain):
        before = plain[: match.start()].rstrip()
        words = re.split(r"[ -]", match.group(1))
        if not before or before[-1] in '.!?:«"(•-–':
            # Only the first word opens the sentence: "Kultursjef Per Hansen" names Per Hansen.
            words = words[1:]
        for word in words:
            if word.lower() not in _NOT_NAMES:
                names.add(word.lower())
    return names


_NAME_ENDINGS = ("ens", "ets", "ene", "en", "et", "s")


def name_occurs(name: str, lowered_text: str) -> bool:
    """Does a (lower-cased) name from a question occur in ``lowered_text``, allowing the
    genitive and definite endings a question adds ("Askers" for Asker, "Innovasjonscampen" for
    "Innovasjonscamp")? The base must keep at least four letters and start a word."""
    if name in lowered_text:
        return True
    for ending in _NAME_ENDINGS:
        if name.endswith(ending) and len(name) - len(ending) >= 4:
            base = name[: -len(ending)]
            if re.search(rf"(?<!\w){re.escape(base)}", lowered_text):
                return True
    return False


#: Words a question uses to say *what kind* of answer it wants ("hvor lenge", "hvor ofte",
#: "omtrent hvor mye") rather than what it is about. They are dropped from the question's terms
#: when judging whether a passage answers it; the index itself keeps them.
_QUESTION_FILLER = [
    "lenge",
    "ofte",
    "mye",
    "mange",
    "stor",
    "store",
    "stort",
    "størst",
    "høy",
    "høyt",
    "høye",
    "lav",
    "lavt",
    "lave",
    "omtrent",
    "cirka",
    "ca",
    "gjelder",
    "egentlig",
    "ifølge",
    "nøyaktig",
    "totalt",
    "samlet",
    "sammenlagt",
    "finnes",
    "fins",
    "hvilket",
    "hvilken",
    "hvilke",
    "hvem",
    "hva",
    "hvor",
    "når",
    "hvordan",
    "hvorfor",
    # verb particles ("ga bort", "legge fram"): the verb says what happened, not these
    "bort",
    "fram",
    "frem",
    # "Hva sier planen om ...", "Hvordan beskrives ...": the question is about what a document
    # says; its text says the thing itself, not that it says it
    "sier",
    "nevnes",
    "nevner",
    "nevnt",
    "beskrives",
    "beskriver",
    "beskrevet",
    "omtales",
    "omtaler",
    "omtalt",
]

#: Irregular verb forms the Snowball stemmer leaves apart ("vedtok" / "vedtatt" / "vedta").
_IRREGULAR = {
    "vedtok": "vedt", "vedtatt": "vedt", "vedtatte": "vedt", "vedtas": "vedt",
    "gikk": "gå", "gått": "gå", "går": "gå",
    "ga": "gi", "gav": "gi", "gitt": "gi", "gir": "gi",
    "tok": "ta", "tatt": "ta", "tar": "ta",
    "fikk": "få", "fått": "få", "får": "få",
    "økte": "øk", "økt": "øk", "øker": "øk", "økning": "øk", "økningen": "øk",
    "sank": "synk", "sunket": "synk", "synker": "synk",
}  # fmt: skip


@lru_cache(maxsize=1)
def _filler_stems() -> frozenset[str]:
    return frozenset(tokenize(" ".join(_QUESTION_FILLER))) | frozenset(_QUESTION_FILLER)


@lru_cache(maxsize=1)
def _irregular_stems() -> dict[str, str]:
    return {tokenize(word)[0] if tokenize(word) else word: lemma for word, lemma in
            _IRREGULAR.items()}  # fmt: skip


def match_terms(text: str) -> list[str]:
    """:func:`content_terms` with irregular verb forms folded together, for term matching."""
    irregular = _irregular_stems()
    return [irregular.get(t, t) for t in content_terms(text)]


def question_terms(question: str) -> list[str]:
    """The terms a passage must share with a question to answer it: content terms without the
    question's filler words and without the years it names (those are checked on their own)."""
    filler = _filler_stems()
    irregular = _irregular_stems()
    years = {str(y) for y in years_in(question)}
    terms = [
        irregular.get(t, t) for t in content_terms(question) if t not in filler and t not in years
    ]
    return list(dict.fromkeys(terms))


def term_credit(term: str, present: set[str] | frozenset[str]) -> float:
    """1 when ``term`` occurs; 0.7 when it is part of a compound that occurs ("sykefravær" in
    "sykefraværsprosent"), an inflection the stemmer left apart ("temaplanene"/"temaplan"), or
    a compound of the question whose first part and head both occur ("arbeidsledighet" in a
    text with "arbeid" and "ledig"); else 0.

    The first part of a compound alone earns nothing: a text about "arbeid" does not answer a
    question about "arbeidsledighet", nor one about "eiendom" a question about the tax rate.
    """
    if term in present:
        return 1.0
    if len(term) < 5 or term.isdigit():
        return 0.0
    for other in present:
        if len(other) >= 5 and other.startswith(term):
            return 0.7
        if len(term) >= 6 and len(other) > len(term) + 2 and other.endswith(term):
            return 0.7
    for other in present:
        if len(other) >= 5 and term.startswith(other):
            rest = term[len(other) :]
            if len(rest) <= 3 or _head_present(rest, present):
                return 0.7
        if _same_word(term, other):
            return 0.7
    return 0.0


def _same_word(a: str, b: str) -> bool:
    """Two stems the stemmer left apart that differ only after a long shared beginning
    ("omstilt"/"omstilling"): at least six letters shared, and the shorter one letter longer
    than that (a shorter that is the beginning of the longer is a compound's first part)."""
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= 6 and min(len(a), len(b)) - common == 1


def _head_present(rest: str, present: set[str] | frozenset[str]) -> bool:
    """Does the head of a compound (``rest``, after a first part that occurs) occur too?"""
    heads = [rest, rest[1:]] if rest[0] in "se" and len(rest) > 3 else [rest]
    return any(
        len(head) >= 4 and (word == head or word.startswith(head))
        for head in heads
        for word in present
    )

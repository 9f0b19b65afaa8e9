"""Small text tools the assistant shares: sentences, numbers, content terms, language."""

from __future__ import annotations

import re
from functools import lru_cache

from vectorstore.lexical import tokenize

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"»”)]?\s+(?=[\"«(]?[A-ZÆØÅ0-9•–-])")
_BULLET = re.compile(r"^\s*(?:[•\-–*]|\d{1,2}[.)])\s+")
#: "1 234,5", "9,3", "2024", "12.5" (thousands separated by a space are joined).
_NUMBER = re.compile(r"(?<![\w,.])\d{1,3}(?:[ \u00a0]\d{3})+(?:,\d+)?(?![\d])|\d+(?:[.,]\d+)?")
_ITEM_NUMBER = re.compile(r"\s*\d+[.)]")
_CITATION = re.compile(r"\s*\[(\d+)\]")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-9]\d)(?!\d)")


_ABBREVIATION = re.compile(
    r"(?:\b(?:ca|nr|kr|mill|mrd|jf|dvs|pga|inkl|evt|ev|mv|tlf|pkt|kap|ref|bl\.a|f\.eks|m\.m|"
    r"o\.l|t\.o\.m|f\.o\.m|d\.d|i\.e|e\.g|vs|mr|dr|st)|\b[A-ZÆØÅ])\.$",
    re.IGNORECASE,
)


def _sentence_spans(piece: str, offset: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = 0
    for match in _SENTENCE_END.finditer(piece):
        before = piece[cursor : match.start()].rstrip('"»”)')
        # "ca." and "bl.a." do not end a sentence, nor does the number of a numbered item ("1.").
        if _ABBREVIATION.search(before[-12:]) or _ITEM_NUMBER.fullmatch(before):
            continue
        spans.append((offset + cursor, offset + match.start()))
        cursor = match.end()
    spans.append((offset + cursor, offset + len(piece)))
    return spans


#: The last word of a table line that ends a row: a number ("4 286", "9,3 %", "222,0*"), a
#: unit, a dash, or "Ikke målt" / "Tall kommer".
_ROW_END = re.compile(
    r"(?:^|\s)(?:[-−–]?\d+(?:[.,]\d+)?\s?%?\**|%|[-−–—]|målt|kommer|"
    r"kr/m2|kg/m2|kr|kg|GWh|MWh|kWh|tonn|dekar|prosentpoeng)$"
)


#: A table line ending in what a label divides by ("per 1000", "pr. 10 000"): the row's values
#: are on the next line.
_DIVIDES_BY_END = re.compile(r"\b(?:per|pr\.?)\s+\d[\d ]*$", re.IGNORECASE)


def split_sentences(text: str, *, lines: bool = False) -> list[tuple[int, int]]:
    """Spans of sentences in ``text``.

    Paragraphs (blank-line separated) always end a sentence; a bullet line starts a new item
    (continued by the following non-bullet lines); with ``lines`` set (tables), every row is
    its own piece: a line that ends with a value ends it, and a line that does not (a label
    wrapped over lines, "Netto driftsutgifter per innbygger (120)" / "administrasjon (B)")
    goes on into the next. Abbreviations such as "ca." or "bl.a." do not end a sentence.
    """
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        block_start = para.start()
        block = para.group(0)
        pieces: list[tuple[int, int]] = []
        offset = 0
        open_row = False  # the last table piece still waits for its values
        for line in block.split("\n"):
            line_span = (offset, offset + len(line))
            if lines:
                if open_row and pieces:
                    pieces[-1] = (pieces[-1][0], line_span[1])
                else:
                    pieces.append(line_span)
                # "(> 10" / "%)": a number inside an unclosed parenthesis is not a value, nor
                # one a label divides by ("..., per 1000" / "innbyggere 152 159").
                open_row = (
                    line.count("(") > line.count(")")
                    or not _ROW_END.search(line.rstrip())
                    or _DIVIDES_BY_END.search(line.rstrip()) is not None
                )
            elif not pieces or _BULLET.match(line):
                pieces.append(line_span)
            else:
                pieces[-1] = (pieces[-1][0], line_span[1])
            offset += len(line) + 1
        for p_start, p_end in pieces:
            for s_start, s_end in _sentence_spans(block[p_start:p_end], block_start + p_start):
                spans.extend(_split_run_on(text, s_start, s_end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


#: A "sentence" longer than this that spans several lines is a table or list printed as running
#: text (no full stops between its rows): each line is quoted on its own.
RUN_ON_CHARS = 400


def _split_run_on(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if end - start <= RUN_ON_CHARS or "\n" not in text[start:end]:
        return [(start, end)]
    spans: list[tuple[int, int]] = []
    line_start = start
    for i in range(start, end):
        if text[i] == "\n":
            spans.append((line_start, i))
            line_start = i + 1
    spans.append((line_start, end))
    return spans


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


_HEADING_LINE = re.compile(r"(?m)^[ \t]*([^\n]{3,80}?)[ \t]*\n[ \t]*\n")


def _looks_like_heading(line: str) -> bool:
    """One short line, no sentence punctuation, starting like a title. (Stricter than ingest's
    ``_is_heading_line``, which sees whole paragraphs: here a line inside a passage must look
    like a title on its own; the assistant does not import ingest.)"""
    if line[-1] in '.,;:!?)»"”' or line.startswith(("•", "-", "–", "*", "(")):
        return False
    words = line.split()
    if len(words) > 8 or not line[0].isupper():
        return False
    letters = sum(ch.isalpha() for ch in line)
    return letters >= 0.7 * len(line.replace(" ", ""))


def heading_before(text: str, start: int) -> str:
    """The last heading inside ``text`` before offset ``start``: a title-like line standing
    alone before a blank line. Text extracted from PDFs often keeps a sub-heading on the line
    right after the previous paragraph ("... 2023.\nNæring\n\nTemaplan for næring ..."), so
    the passage's section says where it began, not what a later paragraph is about."""
    found = ""
    for match in _HEADING_LINE.finditer(text, 0, start):
        line = match.group(1).strip()
        if line and _looks_like_heading(line):
            found = line
    return found

"""The answerer without a language model: the best-supported sentences, each with its citation.

It never writes a word that is not in a passage, so it is also the fallback whenever the LLM is
unavailable or its answer fails verification. Well under a second: it only scores sentences.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from assistant.text import (
    content_terms,
    heading_before,
    match_terms,
    name_occurs,
    numbers_in,
    proper_names,
    question_terms,
    split_sentences,
    term_credit,
    years_in,
)
from assistant.types import Draft, Language
from vectorstore.indicators import number_terms
from vectorstore.types import Chunk

if TYPE_CHECKING:
    from assistant.crosslingual import SentenceEvidence

IdfFn = Callable[[str], float]

_EN_PREFIX = "From the documents (quoted in Norwegian): "


_MONTH = re.compile(
    r"\b(januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember|"
    r"january|february|march|june|july|october|december|\d{1,2}\.\d{1,2}\.\d{2,4}|"
    # "høsten 2025" dates as closely as a month does
    r"(?:våren|sommeren|høsten|vinteren|spring|summer|autumn|winter)\s+(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_WANTS = (
    (
        "number",
        re.compile(
            r"\b(hvor (mange|mye|stor|høy|lav)|andel|prosent|antall|how (many|much)|"
            r"how (large|big|high|low)|what (share|percentage|proportion)|average|rate|"
            r"number of|amount of|price)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "date",
        re.compile(r"\b(når|hvilket år|hvilken dato|when|(what|which) (year|date))\b", re.I),
    ),
    (
        "name",
        re.compile(
            r"\b(hvem|hva heter|hvilket (selskap|universitet)|who|what (is|was) the name|"
            r"which (company|firm|university|person|prime minister|minister|mayor))\b",
            re.IGNORECASE,
        ),
    ),
    # "Hvilke satsingsområder ...?", "Which schools ...?", "Nevn ...": several things.
    ("list", re.compile(r"^\W*(hvilke|nevn|list|what are|which are)\b", re.IGNORECASE)),
)


# A count or amount in words, standing alone ("fire av seks", "tre millioner", "halvparten").
_QUANTITY_WORD = re.compile(
    r"\b(to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|elleve|tolv|femten|tjue|tretti|førti|femti|"
    r"hundre|tusen|halvparten|tredjedel|firedel|dobbelt|two|three|four|five|six|"
    r"seven|eight|nine|ten|twelve|twenty|hundred|thousand|half)\b",
    re.IGNORECASE,
)


#: A case reference ("sak 9/24", "PS 41/22") names a decision, it does not count anything.
_CASE_REFERENCE = re.compile(r"\b(?:sak|saksnr\.?|saksnummer|ps)\s*\d+/\d+", re.IGNORECASE)


def has_quantity(text: str, given: set[int] | frozenset[int] = frozenset()) -> bool:
    """Does ``text`` state a count or an amount: a number other than a year (1900-2039), a case
    reference or a number the question names itself (``given``: its years, its counts), or a
    number word?"""
    text = _CASE_REFERENCE.sub(" ", text)
    for number in numbers_in(text):
        digits = number.replace(".", "")
        if number.isdigit() and len(digits) == 4 and 1900 <= int(number) <= 2039:
            continue
        if number.isdigit() and int(number) in given:
            continue
        return True
    return bool(_QUANTITY_WORD.search(text))


_HOW_MANY = re.compile(r"\bhvor mange\s+(\w+)(?:\s+(\w+))?", re.IGNORECASE)
_COUNT = re.compile(
    r"(?<![\w,.])(?<!per )(\d[\d\u00a0 ]*(?:,\d+)?|en|ett|to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|"
    r"elleve|tolv|femten|tjue|hundre|tusen)(?![\w,])(?=((?:\s+\S+){1,4}))",
    re.IGNORECASE,
)


_NUMBER_OF = re.compile(r"\bantall(?:et)?\s+((?:\S+\s+){1,3})(.*)", re.IGNORECASE | re.DOTALL)


_RATE_WORDS = frozenset({"per", "pr", "prosent", "percent"})


def counted_nouns(question: str) -> list[str]:
    """The stems of what a "hvor mange ...?" question counts: the one or two words after it
    ("hvor mange kommunale grunnskoler" -> kommunal, grunnskol)."""
    match = _HOW_MANY.search(question)
    if not match or match.group(1).lower() in _RATE_WORDS:
        # "Hvor mange per 1000 innbyggere ...": a rate, not a count of anything named.
        return []
    words = " ".join(w for w in match.groups() if w)
    return content_terms(words)


#: Endings that make a verb's stem into the one who does it (delta -> deltaker, besøk -> besøkende).
_AGENT_SUFFIXES = ("aker", "ende", "er")


def _same_or_head(term: str, word: str) -> bool:
    """``word`` is ``term``, an inflection of it, or a compound ending in it ("henvendelser" for
    "telefonhenvendelser", either way round)."""
    if term == word:
        return True
    short, long_ = sorted((term, word), key=len)
    return len(short) >= 4 and (
        long_.endswith(short)
        or (long_.startswith(short) and len(long_) - len(short) <= 2)
        # "hvor mange deltar" counts "deltakere": the one who does what the verb says.
        or any(long_ == short + suffix for suffix in _AGENT_SUFFIXES)
    )


#: Words for people in general: "hvor mange innbyggere ...?" is answered by "ca. 600 personer".
_PEOPLE = ("innbygger", "person", "mennesk", "deltaker", "individ", "folk")


def _people_too(nouns: Sequence[str]) -> list[str]:
    """``nouns``, and every word for people when one of them is such a word."""
    if any(_same_or_head(p, n) for p in _PEOPLE for n in nouns):
        return [*nouns, *_PEOPLE]
    return list(nouns)


def counts_the_noun(text: str, nouns: Sequence[str]) -> bool:
    """Does ``text`` put a number in front of what the question counts ("40 kommunale
    grunnskoler", "Fire av seks etablerte områdefora", not "per 1000 innbyggere")? Words for
    people stand for each other."""
    nouns = _people_too(nouns)
    for match in _NUMBER_OF.finditer(text):
        # "antallet friplasser ... ble redusert fra 100 til 80"
        named = content_terms(match.group(1))
        if any(_same_or_head(n, w) for n in nouns for w in named) and has_quantity(match.group(2)):
            return True
    for match in _COUNT.finditer(text):
        # "4,9 anmeldelser per 1000 innbyggere" counts reports, not inhabitants.
        following = content_terms(re.split(r"\bper\b", match.group(2))[0])
        if any(_same_or_head(noun, word) for noun in nouns for word in following):
            return True
    return False


def question_wants(question: str) -> frozenset[str]:
    """What kind of fact the question asks for: a number, a date or a name."""
    return frozenset(kind for kind, pattern in _WANTS if pattern.search(question))


def _is_enumeration(text: str, max_chars: int = 400) -> bool:
    """A run of comma-separated items ("A, B, C og D")."""
    return len(text) <= max_chars and text.count(",") >= 2


#: A sentence that goes on about the one before it: "Dette gjelder ...", "Disse er ...".
_REFERS_BACK = re.compile(r"^\W*(dette|disse|det|de|dei|this|these)\s+\w+", re.IGNORECASE)


def _lists_items(text: str, max_chars: int = 400) -> bool:
    """Items joined as "A, B og C" (at least three)."""
    return len(text) <= max_chars and (
        _is_enumeration(text, max_chars)
        or ("," in text and re.search(r"\b(og|and)\b", text) is not None)
    )


def _with_list_items(chunk: Chunk, end: int, sentence: str, max_items: int = 8) -> str:
    """A sentence that introduces a list ("tre råd:") brings the list's items along (those
    starting at or after ``end``, where the sentence ends)."""
    if not sentence.rstrip().endswith(":"):
        return sentence
    items: list[str] = []
    for s_start, s_end in split_sentences(chunk.text, lines=chunk.chunk_type == "table"):
        if s_start < end:
            continue
        item = " ".join(chunk.text[s_start:s_end].split())
        is_bullet = item[:1] in "•-–*" or item[:2].rstrip(".)").isdigit()
        if not items and not is_bullet and _is_enumeration(item):
            # "De syv virksomhetene er: A, B, C og D." - the list is one running sentence.
            return sentence.rstrip() + " " + item
        if not (is_bullet or len(item) <= 80) or len(items) >= max_items:
            break
        items.append(item.lstrip("•-–* ").rstrip(".;"))
    return sentence.rstrip() + " " + "; ".join(items) if items else sentence


#: A sentence opening like this compares with the one before it ("... en samlet vekst på 4,6
#: prosent. Til sammenligning var veksten i Bærum ... 2,6 prosent"): the two are read together.
#: (Only comparisons: "I tillegg" or "Samtidig" add a fact of their own, and read with the
#: sentence before they crowd out answers that one sentence gives.)
_CONTINUES = re.compile(
    r"^\W*(til sammen(?:lig|lik)ning|tilsvarende|derimot|by comparison|in comparison)\b",
    re.IGNORECASE,
)


#: A sentence opening with a word that points back ("Ordningen ble utvidet til 3. trinn"): what it
#: is about is said in the sentence before, so the two are also scored together.
_GOES_ON = re.compile(
    r"^\W*(ordningen|tiltaket|prosjektet|planen|arbeidet|satsingen|tilbudet|avtalen|denne|"
    r"dette|disse|den|han|hun)\b",
    re.IGNORECASE,
)


def _sentence_candidates(chunk: Chunk) -> list[tuple[int, int]]:
    """The spans of ``chunk`` to score: its sentences (table rows), and, in running text, a
    sentence together with the one before it where it goes on from that one (``_CONTINUES``,
    ``_GOES_ON``; the two in one paragraph)."""
    is_table = chunk.chunk_type == "table"
    spans = split_sentences(chunk.text, lines=is_table)
    if is_table:
        return spans
    out = list(spans)
    for (s1, e1), (s2, e2) in itertools.pairwise(spans):
        if "\n\n" not in chunk.text[e1:s2] and (
            _CONTINUES.match(chunk.text[s2:e2]) or _GOES_ON.match(chunk.text[s2:e2])
        ):
            out.append((s1, e2))
    return out


def answer_kind_bonus(wants: frozenset[str], text: str, years: set[int]) -> float:
    """Extra score for a sentence holding the kind of fact the question asks for (a number for
    "hvor mange", a date for "når", a name for "hvem"); ``years`` are those the question names."""
    bonus = 0.0
    if "number" in wants and has_quantity(text, years):
        bonus += 0.2
    if "date" in wants:
        if _MONTH.search(text):
            bonus += 0.3  # a day or month answers "når" better than a bare year
        elif set(years_in(text)) - years:
            bonus += 0.15
    if "name" in wants and proper_names(text):
        bonus += 0.15
    if "list" in wants and text.rstrip().endswith(":"):
        bonus += 0.15  # a sentence that introduces a list brings its items along
    return bonus


_DATE = re.compile(
    r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b|\b\d{1,2}\.? ?(januar|februar|mars|april|mai|juni|juli|august|"
    r"september|oktober|november|desember|january|february|march|may|june|july|october|"
    r"december)\b",
    re.IGNORECASE,
)


def amounts_in(text: str) -> set[str]:
    """The numbers in ``text`` that can be amounts: not years, nor the day of a date."""
    return numbers_in(_DATE.sub(" ", text)) - {str(y) for y in years_in(text)}


def holds_asked_fact(wants: frozenset[str], text: str, question: str) -> bool:
    """Does ``text`` hold every kind of fact the question asks for: an amount the question does
    not name itself (years and dates do not answer "how many"), a date (a day or month, or a year
    the question does not name) or a name the question does not name? True when the question
    asks for no particular kind."""
    if "number" in wants and not (
        amounts_in(text) - numbers_in(question) or _QUANTITY_WORD.search(text)
    ):
        return False
    if "date" in wants and not (
        _MONTH.search(text) or set(years_in(text)) - set(years_in(question))
    ):
        return False
    return not ("name" in wants and not proper_names(text) - proper_names(question))


_YEAR_RANGE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)\s*(?:[-–—]|til|to)\s*((?:19|20)\d\d)(?!\d)", re.IGNORECASE
)


def about_other_years(text: str, asked: set[int], chunk: Chunk) -> bool:
    """Does ``text`` (running text) speak of years, none of them asked? "I 2024 gikk prisen til
    X" does not say who won it in 2023. A sentence in a document of the asked year is read as
    being about that year (an annual report's "mot 8,5 i 2023" is still this year's figure),
    and a span ("2020–2024") covers the years inside it."""
    if not asked or chunk.chunk_type == "table" or chunk.year in asked:
        return False
    stated = set(years_in(text))
    if not stated or stated & asked:
        return False
    spans = [(int(a), int(b)) for a, b in _YEAR_RANGE.findall(text)]
    return not any(lo <= y <= hi for lo, hi in spans for y in asked)


#: A sentence scored for quoting: (score, passage number, start, text, end).
_Scored = tuple[float, int, int, str, int]


def _same_words(a: _Scored, b: _Scored) -> bool:
    """The same text, or overlapping spans of one passage (a sentence read alone and with the
    one before it): quoted once."""
    return a[3] == b[3] or (a[1] == b[1] and a[2] < b[4] and b[2] < a[4])


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(
        self,
        idf: IdfFn | None = None,
        max_sentences: int = 2,
        max_chars: int = 600,
        evidence_window: float = 0.03,
    ):
        self._idf: IdfFn = idf or (lambda term: 1.0)
        self.max_sentences = max_sentences
        self.max_chars = max_chars
        self.evidence_window = evidence_window

    def warm_up(self) -> None:
        """Nothing to load."""

    def set_idf(self, idf: IdfFn) -> None:
        self._idf = idf

    def _coverage(
        self, terms: Sequence[str], chunk: Chunk, text: str, start: int | None = None
    ) -> float:
        """Idf-weighted share of the question's terms in ``text`` (read with its heading: the
        last one inside the passage before ``start`` where there is one, else the section)."""
        heading = heading_before(chunk.text, start) if start is not None else ""
        present = set(match_terms(f"{heading or chunk.section}\n{text}"))
        total = sum(self._idf(t) for t in terms) or 1.0
        return sum(self._idf(t) * term_credit(t, present) for t in terms) / total

    def _score(
        self,
        terms: Sequence[str],
        years: set[int],
        wants: frozenset[str],
        chunk: Chunk,
        text: str,
        start: int,
    ) -> float:
        score = self._coverage(terms, chunk, text, start)
        if years:
            stated = set(years_in(text))
            # A year named earlier in the same paragraph ("I 2024 fikk kommunen ... Brønnøya ble
            # identifisert ...") still dates the sentence, if less surely. (Not a table's
            # header: its years are every row's.)
            paragraph_start = chunk.text.rfind("\n\n", 0, start) + 1
            earlier = (
                set()
                if chunk.chunk_type == "table"
                else set(years_in(chunk.text[paragraph_start:start])) - stated
            )
            score += (0.3 * len(years & stated) + 0.15 * len(years & earlier)) / len(years)
        score += answer_kind_bonus(wants, text, years)
        # Very long sentences say many things; prefer the one that says this.
        score -= 0.02 * max(0.0, math.log(max(len(text), 1) / 250))
        return score

    def select(self, question: str, passages: Sequence[Chunk]) -> list[tuple[int, str, float]]:
        """``(passage number, sentence, score)`` for the sentences to quote, in reading order."""
        years = set(years_in(question))
        terms = question_terms(question)
        wants = question_wants(question)
        scored: list[_Scored] = []
        for n, chunk in enumerate(passages, start=1):
            for start, end in _sentence_candidates(chunk):
                sentence = " ".join(chunk.text[start:end].split())
                if len(sentence) < 15:
                    continue
                # Passages come best first from retrieval: a small prior for the earlier ones.
                prior = 0.05 * (len(passages) - n) / max(1, len(passages))
                score = self._score(terms, years, wants, chunk, sentence, start) + prior
                scored.append((score, n, start, sentence, end))
        if not scored:
            return []
        by_position = sorted(scored, key=lambda item: (item[1], item[2]))
        scored.sort(key=lambda item: (-item[0], item[1], item[2]))
        best = scored[0][0]
        chosen = [scored[0]]
        used_chars = len(scored[0][3])
        for item in scored[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if item[0] < 0.75 * best or item[0] <= 0:
                break
            if used_chars + len(item[3]) > self.max_chars:
                continue
            if any(_same_words(item, c) for c in chosen):
                continue
            chosen.append(item)
            used_chars += len(item[3])
        if years and about_other_years(chosen[0][3], years, passages[chosen[0][1] - 1]):
            # "Hvem vant prisen i 2023?" answered by the 2024 winner: only a sentence that is not
            # about other years, is about the question's subject (its words and names) and holds
            # the kind of fact asked for may answer.
            names = proper_names(question)

            def about_the_subject(item: _Scored) -> bool:
                chunk = passages[item[1] - 1]
                lowered = f"{chunk.section}\n{item[3]}".lower()
                return self._coverage(terms, chunk, item[3], item[2]) > 0 and all(
                    name_occurs(name, lowered) for name in names
                )

            in_year = next(
                (
                    i
                    for i in scored
                    if i[0] >= 0.5 * best
                    and not about_other_years(i[3], years, passages[i[1] - 1])
                    and about_the_subject(i)
                    and holds_asked_fact(wants, i[3], question)
                ),
                None,
            )
            if in_year is None:
                return []
            chosen = [in_year]
        asked_numbers = set(number_terms(question))
        if asked_numbers and not any(
            asked_numbers <= set(number_terms(f"{passages[c[1] - 1].section}\n{c[3]}"))
            for c in chosen
        ):
            # "skolebidragsindikatoren for 1.-4. trinn": a sentence about 5.-7. trinn is no answer.
            qualified = next(
                (
                    i
                    for i in scored
                    if i[0] >= 0.5 * best
                    and asked_numbers <= set(number_terms(f"{passages[i[1] - 1].section}\n{i[3]}"))
                ),
                None,
            )
            if qualified is None:
                return []
            chosen = [qualified]
        nouns = counted_nouns(question)
        if nouns and not any(counts_the_noun(c[3], nouns) for c in chosen):
            # "Hvor mange grunnskoler ...?" needs a sentence that counts grunnskoler; a number
            # about something else is no answer. Table rows (label, then numbers) are exempt.
            counting = next(
                (
                    i
                    for i in scored
                    if i[0] >= 0.5 * best
                    and (counts_the_noun(i[3], nouns) or passages[i[1] - 1].chunk_type == "table")
                ),
                None,
            )
            if counting is None:
                return []
            if counting not in chosen:
                chosen = self._with_last(chosen, counting)

        # "Hvor mange av de 30 vedtakene ...?": the question's own numbers are no answer.
        given = years | {int(n) for n in numbers_in(question) if n.isdigit()}

        def answers_amount(text: str) -> bool:
            # A count or amount, in the years the question names ("gått ned fra 2009 til 2023").
            return has_quantity(text, given) and years <= set(years_in(text))

        if "number" in wants and not any(answers_amount(c[3]) for c in chosen):
            # "Hvor mange ...?" answered without a count: quote the best sentence that has one,
            # if it is about the question's subject too: it has the years asked, or some of the
            # question's words, not only the bonus for holding a number ("500 000 kroner til
            # åtte foreninger" does not say what the velodrome cost).
            counted = next(
                (
                    i
                    for i in scored
                    if i[0] >= 0.5 * best
                    and answers_amount(i[3])
                    and (bool(years) or self._coverage(terms, passages[i[1] - 1], i[3], i[2]) > 0)
                ),
                None,
            )
            if counted is not None:
                chosen = self._with_last(chosen, counted)
            elif not any(
                has_quantity(c[3], given) or passages[c[1] - 1].chunk_type == "table"
                for c in chosen
            ):
                # "Hvor mye kostet ...?" with no amount anywhere near the subject: no answer.
                return []

        def states_date(text: str) -> bool:
            return bool(_MONTH.search(text) or set(years_in(text)) - years)

        if "date" in wants and not any(states_date(c[3]) for c in chosen):
            # "Når ventes ferja i drift?": the sentence naming the ferry best may not say when;
            # the best one about it that does ("... i gang fra høsten 2025") goes with it.
            dated = next(
                (
                    i
                    for i in scored
                    if i[0] >= 0.5 * best
                    and states_date(i[3])
                    and self._coverage(terms, passages[i[1] - 1], i[3], i[2]) > 0
                ),
                None,
            )
            if dated is not None:
                chosen = self._with_last(chosen, dated)
        if "list" in wants and not any(
            _is_enumeration(c[3]) or c[3].rstrip().endswith(":") for c in chosen
        ):
            # "Hvilke ...?": the best sentence often counts what the next one lists ("Syv
            # virksomheter har ... De syv virksomhetene er: A, B, C og D.").
            top = chosen[0]
            following = next((i for i in by_position if i[1] == top[1] and i[2] > top[2]), None)
            if following is not None and (
                (has_quantity(top[3], years) and _is_enumeration(following[3]))
                # "Kommunen gjennomførte tre ENØK-prosjekter. Dette gjelder A, B og C."
                or (_REFERS_BACK.match(following[3]) and _lists_items(following[3]))
            ):
                chosen = [top, following]
        chosen.sort(key=lambda item: (item[1], item[2]))
        return [
            (n, _with_list_items(passages[n - 1], end, sentence), score)
            for score, n, _, sentence, end in chosen
        ]

    def _with_last(self, chosen: list[_Scored], item: _Scored) -> list[_Scored]:
        """``chosen`` with ``item`` as its last sentence (in place of the last one when full),
        without those repeating its words."""
        kept = [c for c in chosen[: self.max_sentences - 1] if not _same_words(c, item)]
        return [*kept, item]

    def select_evidence(
        self, passages: Sequence[Chunk], evidence: Sequence[SentenceEvidence]
    ) -> list[tuple[int, str, float]]:
        """Like :meth:`select`, from sentences scored by retrieval (English questions): the best
        one holding the asked kind of fact, and another of that kind scoring nearly as well."""
        evidence = [e for e in evidence if 0 <= e.passage < len(passages)]
        if not evidence:
            return []
        first = next((e for e in evidence if e.has_kind), evidence[0])
        chosen = [first]
        used_chars = len(first.text)
        for e in evidence:
            if len(chosen) >= self.max_sentences or e.score < first.score - self.evidence_window:
                break
            if e is first or (first.has_kind and not e.has_kind):
                continue
            if used_chars + len(e.text) > self.max_chars or any(e.text == c.text for c in chosen):
                continue
            chosen.append(e)
            used_chars += len(e.text)
        chosen.sort(key=lambda e: (e.passage, e.start))
        return [
            (e.passage + 1, _with_list_items(passages[e.passage], e.end, e.text), e.score)
            for e in chosen
        ]

    def answer(
        self,
        question: str,
        passages: Sequence[Chunk],
        language: Language,
        evidence: Sequence[SentenceEvidence] = (),
    ) -> Draft:
        """``evidence``: sentences retrieval has scored (English questions); quoted from when
        given, otherwise sentences are scored here by the question's terms."""
        if evidence:
            picked = self.select_evidence(passages, evidence)
        else:
            picked = self.select(question, passages)
        if not picked:
            return Draft(text="", refused=True, answerer=self.name)
        parts = []
        for n, sentence, _ in picked:
            body = sentence.rstrip()
            end = body[-1] if body and body[-1] in ".!?" else "."
            body = body[:-1] if body and body[-1] in ".!?" else body
            parts.append(f"{body} [{n}]{end}")
        text = " ".join(parts)
        if language == "en":
            text = _EN_PREFIX + text
        return Draft(
            text=text, answerer=self.name, extra={"quotes": tuple(s for _, s, _ in picked)}
        )

    def stream(self, question: str, passages: Sequence[Chunk], language: Language) -> Iterator[str]:
        yield self.answer(question, passages, language).text

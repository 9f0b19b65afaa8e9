"""Follow-up questions resolved against the conversation: which slot of the previous question
the follow-up changes.

A follow-up ("og året før?", "hva med Bærum?", "og blant jentene?", "hvem har ansvaret for den?",
"hvor stor er forskjellen?") is read as a change to the previous *resolved* question:

* **year**: it names only years, or a year relative to the previous one ("året før",
  :data:`vectorstore.language.RELATIVE_YEARS`): the previous question with its years replaced;
* **place**: it names only places (the places of the indicator tables, or capitalised names):
  the previous question with its place replaced, or the place added;
* **group**: it names something else of the same kind ("og eneboliger?" after "småhus"): the
  previous question with the word that the corpus uses alongside the new one replaced (words
  that share tables and passages, :class:`Cooccurrence`), and, as another reading, the new words
  added to the previous question;
* **subject**: it leans on a pronoun or names nothing ("hva koster det?"): the pronoun replaced
  by the previous question's subject, or the subject added;
* **compute**: it asks for an operation ("hvor stor er forskjellen?"), also over places the
  conversation has named ("hvor mye høyere lå Drammen?"), or names a change without saying from
  what ("hvor mye steg det?": from the earlier of the last two questions' years to the later):
  the operation over the previous question's subject with the years and places of the last two
  questions.

A short question that reads as new by its form (a few words of its own, no pronoun, no
opening word: "hovedårsaken?", "hvem eier tomta?") stands as typed, since a new question after an
unrelated one looks the same (docs/history.md, thirty-fifth sitting); it carries the reading with
the conversation's topic added only as an *offer* (``Resolution.offered``): where the question as
typed is refused and the reader would answer that reading, the service offers it as a question
to ask instead ("Mente du …?"), and answers nothing the person did not ask.

The resolver gives a preferred reading and alternatives; the service lets the reader judge
them and keeps the one it is most confident about, and a learned gate
(:mod:`assistant.followup_gate`) decides whether the question as typed, a new question after
all, is answered instead. A question that names its own subject is not a follow-up. Chains
resolve turn by turn (each against the previous resolved question), so three-turn chains work;
the replay asks the service how each earlier turn was answered, so a turn the gate answered as
typed starts a new topic there too, and a computation compares nothing across that start;
the work is linear in the history's size, which is bounded (:data:`MAX_PREVIOUS_CHARS`,
:data:`MAX_TURNS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from assistant.types import Turn
from vectorstore.indicators import HOME_PLACE
from vectorstore.language import (
    CHANGE,
    FOLLOWUP_CLOSING,
    FOLLOWUP_OPENING,
    PRONOUNS,
    QUESTION_WORDS,
    WEAK_PRONOUNS,
    content_lemmas,
    language_of,
    operation_match,
    relative_year_spans,
    relative_years,
    squash,
    stop_words,
    years_in,
)

Slot = Literal["none", "year", "place", "group", "subject", "compute"]

#: Longest earlier message read, in characters: twice the default question limit, so the page's
#: own questions are never cut; a longer one in a request's history is cut at a word.
MAX_PREVIOUS_CHARS = 1000
#: How many earlier user questions a chain is resolved through.
MAX_TURNS = 8
#: A follow-up names at most this many content words of its own (more: it stands alone).
MAX_FOLLOWUP_CONTENT = 3
#: Words of the previous question tried as the one a group follow-up replaces.
MAX_SIBLINGS = 2

_WORD = re.compile(r"[^\W_]+(?:[-–][^\W_]+)*")
_YEAR = re.compile(r"(?<![\d,.])(19[5-9]\d|20\d\d)(?![\d,])")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= MAX_PREVIOUS_CHARS:
        return text
    cut = text[:MAX_PREVIOUS_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > MAX_PREVIOUS_CHARS // 2 else cut


@dataclass(frozen=True)
class Word:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Parsed:
    """What a question names: years, places, content words and pronouns, with their spans."""

    text: str
    years: tuple[int, ...]
    relative: tuple[int, ...]
    places: tuple[Word, ...]
    content: tuple[Word, ...]
    pronouns: tuple[Word, ...]
    opening: bool
    asks_operation: bool
    #: It names a change ("hvor mye steg det?") without saying from what: in a follow-up,
    #: the conversation's years say it.
    names_change: bool

    @classmethod
    def of(cls, text: str, places: frozenset[str]) -> Parsed:
        stop = stop_words()
        operation = operation_match(text)
        op_start, op_end = (operation[1], operation[2]) if operation else (0, 0)
        found_places: list[Word] = []
        content: list[Word] = []
        pronouns: list[Word] = []
        for match in _WORD.finditer(text):
            word = Word(match.group(0), match.start(), match.end())
            lower = word.text.casefold()
            if _YEAR.fullmatch(word.text):
                continue
            if squash(word.text) in places or (
                word.text[:1].isupper() and not _opens_sentence(text, match.start())
            ):
                found_places.append(word)
            elif lower in PRONOUNS:
                pronouns.append(word)
            elif op_start <= word.start < op_end:
                continue  # the operation's own words ("hvor mange flere", "forskjellen")
            elif lower not in stop and lower not in QUESTION_WORDS and not lower.isdigit():
                content.append(word)
        return cls(
            text=text,
            years=tuple(int(y) for y in _YEAR.findall(text)),
            relative=tuple(relative_years(text)),
            places=tuple(found_places),
            content=tuple(w for w in content if not _relative_word(w, text)),
            pronouns=tuple(pronouns),
            opening=FOLLOWUP_OPENING.match(text) is not None
            or FOLLOWUP_CLOSING.search(text) is not None,
            asks_operation=operation is not None,
            names_change=CHANGE.search(text) is not None,
        )

    @property
    def known_places(self) -> tuple[Word, ...]:
        return self.places


def _opens_sentence(text: str, start: int) -> bool:
    """The word at ``start`` opens the message or a sentence in it ("Ok. Hva med Bærum?"): its
    capital says nothing about whether it names a place."""
    before = text[:start].rstrip(' "«»(')
    return not before or before[-1] in ".!?:"


def _relative_word(word: Word, text: str) -> bool:
    """A word that is part of a relative year ("året før")."""
    return any(start <= word.start < end for start, end, _ in relative_year_spans(text))


@dataclass(frozen=True)
class Resolution:
    """A question as typed, its preferred standalone reading and other readings."""

    question: str
    standalone: str
    slot: Slot = "none"
    alternatives: tuple[str, ...] = ()
    #: A question that stands as typed by its form but is short enough to lean on the
    #: conversation: the reading with the conversation's topic, to offer, never to answer.
    offered: str | None = None

    @property
    def readings(self) -> tuple[str, ...]:
        return (self.standalone, *(a for a in self.alternatives if a != self.standalone))


@dataclass
class Cooccurrence:
    """How often two words stand in the same passages, relative to the rarer one: words used
    alongside each other ("småhus" / "eneboliger", "kvinner" / "menn") score high."""

    chunks_of: dict[str, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, passages: Iterable[Iterable[str]]) -> Cooccurrence:
        index: dict[str, set[int]] = {}
        for n, words in enumerate(passages):
            for word in words:
                index.setdefault(word, set()).add(n)
        return cls({w: frozenset(s) for w, s in index.items()})

    def score(self, a: str, b: str) -> float:
        ca, cb = self.chunks_of.get(a), self.chunks_of.get(b)
        if not ca or not cb or a == b:
            return 0.0
        return len(ca & cb) / min(len(ca), len(cb))


def _lemmas(word: str) -> list[str]:
    return content_lemmas(word) or [word.casefold()]


def _kind(word: str) -> tuple[str, ...]:
    """A word's lemmas without its numbers ("1-2-åringene" -> ("åring",)), or () when the word
    holds no number (then it is no variant of another)."""
    if not any(ch.isdigit() for ch in word):
        return ()
    return tuple(lemma for lemma in _lemmas(word) if not lemma.isdigit())


@dataclass
class FollowupResolver:
    """Resolves a question against the conversation (see the module docstring)."""

    places: frozenset[str] = frozenset({"asker"})
    siblings: Callable[[str, str], float] | None = None
    #: A word of the previous question is replaced when it scores at least this with the new.
    min_sibling: float = 0.2

    def resolve(
        self,
        question: str,
        history: Sequence[Turn],
        answered_as_typed: Callable[[Resolution], bool] | None = None,
    ) -> Resolution:
        """``question`` against the earlier user turns, replayed one by one. An earlier turn
        read as a follow-up stands as typed in the replay when ``answered_as_typed`` says it was
        answered so (the service's learned gate), as the conversation went."""
        question = " ".join(question.split())
        users = [_clip(t.content) for t in history if t.role == "user" and t.content.strip()]
        users = users[-MAX_TURNS:]
        answers = [_clip(t.content) for t in history if t.role == "assistant"][-1:]
        resolved: list[str] = []
        topics: list[str] = []
        joined = False  # the last resolved turn was answered as a follow-up of the one before
        for earlier in users:
            found = self._one(earlier, resolved, topics, answers, joined)
            joined = found.slot != "none"
            if joined and answered_as_typed and answered_as_typed(found):
                joined = False
                resolved.append(earlier)
                topics.append(_own_topic(Parsed.of(earlier, self.places), topics))
                continue
            resolved.append(found.standalone)
            topics.append(
                topics[-1]
                if found.slot == "subject" and topics
                else _subject_phrase(Parsed.of(found.standalone, self.places))
            )
        return self._one(question, resolved, topics, answers, joined)

    def _one(
        self,
        question: str,
        resolved: Sequence[str],
        topics: Sequence[str],
        answers: Sequence[str],
        joined: bool = False,
    ) -> Resolution:
        """One question against the resolved questions before it and their topics (what a
        pronoun points back at: a pronoun follow-up keeps the topic it inherited); ``joined``:
        the last of them was a follow-up of the one before it."""
        if not resolved:
            return Resolution(question, question)
        new = Parsed.of(question, self.places)
        previous = Parsed.of(resolved[-1], self.places)
        slot = self._slot(new, resolved)
        if slot == "none":
            offered = _subject(question, new, topics[-1]).standalone if _short(new) else None
            return Resolution(question, question, offered=offered)
        if slot == "compute":
            return self._compute(question, new, resolved, joined)
        if slot in ("year", "place"):
            text = _with_years(previous, new, answers)
            text = _with_places(Parsed.of(text, self.places), new)
            return Resolution(question, text, slot)
        if slot == "group":
            return self._group(question, new, previous)
        return _subject(question, new, topics[-1])

    def _slot(self, new: Parsed, resolved: Sequence[str]) -> Slot:
        """Which slot a question changes; "none" when it stands alone. A computation asked
        over places the conversation has named ("hvor mye høyere lå Drammen?"), or a
        change asked without saying from what ("hvor mye steg det?"), leans on it."""
        content = len(new.content)
        strong_pronoun = any(p.text.casefold() not in WEAK_PRONOUNS for p in new.pronouns)
        # the conversation's places are read only when the question names one (most do not)
        named_before = self._named_before(resolved) if new.places else frozenset()
        known_places = all(squash(p.text) in named_before for p in new.places)
        computes = new.asks_operation or (new.names_change and not new.relative)
        dependent = (
            new.opening
            or bool(new.relative)
            or strong_pronoun
            or (bool(new.pronouns) and content <= 2)
            or content == 0
            or (computes and not new.years and known_places)
        )
        if not dependent or content > MAX_FOLLOWUP_CONTENT:
            return "none"
        if computes:
            return "compute"
        if content == 0 and (new.years or new.relative):
            return "year"
        if content == 0 and new.places:
            return "place"
        if new.pronouns or content == 0:
            return "subject"
        return "group"

    def _named_before(self, resolved: Sequence[str]) -> frozenset[str]:
        """The places the conversation has named, and the home municipality."""
        named = {squash(p.text) for text in resolved for p in Parsed.of(text, self.places).places}
        return frozenset({*named, squash(HOME_PLACE)})

    def _group(self, question: str, new: Parsed, previous: Parsed) -> Resolution:
        phrase = _phrase(new)
        appended = _append(previous.text, phrase)
        targets = self._siblings(new, previous)
        if not targets:
            return Resolution(question, appended, "group")
        readings = [previous.text[: t.start] + phrase + previous.text[t.end :] for t in targets]
        return Resolution(question, readings[0], "group", (*readings[1:], appended))

    def _siblings(self, new: Parsed, previous: Parsed) -> list[Word]:
        """The previous question's words the corpus uses alongside the new words, best first
        (at most :data:`MAX_SIBLINGS`)."""
        if self.siblings is None:
            return []
        scored: list[tuple[float, int, Word]] = []
        new_lemmas = [lemma for w in new.content for lemma in _lemmas(w.text)]
        new_words = {squash(w.text): _kind(w.text) for w in new.content}
        for word in previous.content:
            lemmas = _lemmas(word.text)
            kind = _kind(word.text)
            if kind and squash(word.text) not in new_words and kind in new_words.values():
                score = 1.0  # the same word with another number: "1-2-åringene" / "3-5-åringene"
            elif set(lemmas) & set(new_lemmas):
                continue
            else:
                score = max((self.siblings(a, b) for a in lemmas for b in new_lemmas), default=0)
            if score >= self.min_sibling:
                scored.append((score, word.start, word))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [word for _, _, word in scored[:MAX_SIBLINGS]]

    def _compute(
        self, question: str, new: Parsed, resolved: Sequence[str], joined: bool
    ) -> Resolution:
        last = Parsed.of(resolved[-1], self.places)
        before = Parsed.of(resolved[-2], self.places) if len(resolved) > 1 else last
        if not (joined or self._related(before, last)):
            before = last  # the last question started a new topic: nothing before it is compared
        years = list(dict.fromkeys((*before.years, *last.years)))
        places = list(dict.fromkeys(_place_names(before) + _place_names(last)))
        if len(places) == 1 and len(_place_names(before)) != len(_place_names(last)):
            places = [HOME_PLACE, *places]  # one question named no place: the municipality's own
        body = question.rstrip(" ?.")
        subject = _strip_slots(_subject_phrase(last), last)
        if new.content:
            missing = [y for y in years if y not in new.years]
            extra = _years_phrase(missing, new)
            named = {squash(p.text) for p in new.places}
            extra += "".join(f" i {p}" for p in places if squash(p) not in named)
            with_subject = f"{body}: {subject}{extra}?"  # when its own words name no subject
            return Resolution(question, f"{body}{extra}?", "compute", (with_subject,))
        earlier = _strip_slots(_subject_phrase(before), before)
        if set(content_lemmas(earlier)) != set(content_lemmas(subject)):
            subject = f"{earlier}; {subject}"  # two questions of two things: both are compared
        slots = _years_phrase(years, new)
        slots += (" for " + " og ".join(places)) if places else ""
        return Resolution(question, f"{body}: {subject}{slots}?", "compute")

    @staticmethod
    def _related(a: Parsed, b: Parsed) -> bool:
        """Two questions of one topic: they share a content lemma."""
        lemmas_a = {lemma for w in a.content for lemma in _lemmas(w.text)}
        return any(lemma in lemmas_a for w in b.content for lemma in _lemmas(w.text))


def _years_phrase(years: Sequence[int], new: Parsed) -> str:
    """ " i 2024 og 2023"; " fra 2023 til 2024" when the follow-up names a change without saying
    from what, so that the computation reads a change between the two."""
    if not years:
        return ""
    if new.names_change and not new.asks_operation and len(years) == 2:
        return f" fra {min(years)} til {max(years)}"
    return " i " + " og ".join(str(y) for y in years)


def _phrase(new: Parsed) -> str:
    """The follow-up's own words: from its first content word (or place) to its last."""
    words = sorted((*new.content, *new.places), key=lambda w: w.start)
    if not words:
        return ""
    return new.text[words[0].start : words[-1].end]


def _append(text: str, phrase: str) -> str:
    return f"{text.rstrip(' ?.')} – {phrase}?" if phrase else text


def _with_years(previous: Parsed, new: Parsed, answers: Sequence[str]) -> str:
    """The previous question with the follow-up's years (or years relative to the previous
    question's, else to its answer's)."""
    wanted = list(new.years)
    base = list(previous.years) or [y for a in answers for y in years_in(a)][:1]
    for offset in new.relative:
        if base:
            wanted.append(base[0] + offset)
    if not wanted:
        return previous.text
    text = _without_relative_years(previous.text)
    if previous.years and len(previous.years) == len(wanted):
        for old, year in zip(previous.years, wanted, strict=True):
            text = re.sub(rf"(?<!\d){old}(?!\d)", str(year), text, count=1)
        return text
    if previous.years:
        text = _without_dangling_preposition(_YEAR.sub("", text))
    english = language_of(previous.text) == "en"
    preposition, joiner = ("in", " and ") if english else ("i", " og ")
    return f"{text.rstrip(' ?.')} {preposition} {joiner.join(str(y) for y in wanted)}?"


def _without_relative_years(text: str) -> str:
    """``text`` without the years it names relative to another ("i fjor", "året før"): a
    follow-up that gives a year replaces them."""
    spans = relative_year_spans(text)
    if not spans:
        return text
    kept, at = [], 0
    for start, end, _ in spans:
        kept.append(text[at:start])
        at = end
    kept.append(text[at:])
    return _without_dangling_preposition("".join(kept))


def _without_dangling_preposition(text: str) -> str:
    """Spaces collapsed and a preposition left at the end by a removed year dropped."""
    return re.sub(r"\s+(?:i|in|for)\s*([?.!]?)$", r"\1", " ".join(text.split()))


def _with_places(previous: Parsed, new: Parsed) -> str:
    """The previous question with the follow-up's place instead of its own (or added)."""
    if not new.places:
        return previous.text
    phrase = _place_phrase(new)
    old = previous.places
    if old:
        target = old[-1]
        return previous.text[: target.start] + new.places[-1].text + previous.text[target.end :]
    return f"{previous.text.rstrip(' ?.')} {phrase}?"


def _place_phrase(new: Parsed) -> str:
    """ "på Folkestad", "i Bærum": the place with the preposition the follow-up gives it."""
    place = new.places[-1]
    before = new.text[: place.start].split()
    preposition = before[-1] if before and before[-1].casefold() in ("i", "på", "in", "at") else "i"
    return f"{preposition} {place.text}"


def _place_names(parsed: Parsed) -> list[str]:
    return [p.text for p in parsed.places]


_LEADING = re.compile(r"^(?:\s*[^\W_]+\b)", re.UNICODE)


def _subject_phrase(parsed: Parsed) -> str:
    """The previous question without its question words and auxiliaries at the start and its
    question mark ("Når ble temaplan for kultur vedtatt?" -> "temaplan for kultur vedtatt")."""
    text = parsed.text.strip().rstrip("?. ")
    while True:
        match = _LEADING.match(text)
        if match is None or match.group(0).strip().casefold() not in QUESTION_WORDS:
            return text.strip()
        text = text[match.end() :]


def _strip_slots(text: str, parsed: Parsed) -> str:
    """``text`` without the years and places of the question (the compared slots)."""
    for place in parsed.places:
        text = re.sub(rf"\b(?:i|på|in|at)?\s*{re.escape(place.text)}\b", "", text)
    text = re.sub(r"\b(?:i|in)?\s*(?:19[5-9]\d|20\d\d)\b", "", text)
    return " ".join(text.split())


def _own_topic(typed: Parsed, topics: Sequence[str]) -> str:
    """The topic of a turn answered as typed: its own subject, or the conversation's when it
    points back by a strong pronoun ("hvor mange av dem er ungdomsskoler?")."""
    strong = any(p.text.casefold() not in WEAK_PRONOUNS for p in typed.pronouns)
    return topics[-1] if strong and topics else _subject_phrase(typed)


def _short(new: Parsed) -> bool:
    """A question short enough to lean on the conversation though its form does not say so: a
    few content words of its own, no pronoun, no opening word."""
    return 0 < len(new.content) <= MAX_FOLLOWUP_CONTENT and not new.pronouns and not new.opening


def _subject(question: str, new: Parsed, subject: str) -> Resolution:
    """A pronoun replaced by the conversation's topic; or the topic added."""
    appended = f"{question.rstrip(' ?.')} ({subject})?"
    strong = [p for p in new.pronouns if p.text.casefold() not in WEAK_PRONOUNS]
    if len(strong) == 1:
        p = strong[0]
        replaced = question[: p.start] + subject + question[p.end :]
        return Resolution(question, replaced, "subject", (appended,))
    return Resolution(question, appended, "subject")


def resolve_followup(question: str, history: Sequence[Turn]) -> str:
    """The standalone reading of ``question`` (without corpus knowledge: no sibling words)."""
    return FollowupResolver().resolve(question, history).standalone

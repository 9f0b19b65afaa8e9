"""Turn a follow-up ("og i 2023?", "hva med skolene?") into a question that stands alone.

Rules, in order, for a question that looks like a follow-up (short, or opening with "og",
"hva med", "and", "what about", or leaning on a pronoun; a short question that names its own
topic, such as "Hva var sykefraværet i 2024?", stands alone):
1. It names only years (and filler words): the previous question with its years replaced.
2. Otherwise: the previous question's content terms joined to the new question, so that retrieval
   sees both the old topic and the new aspect.
A question that stands on its own is returned unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text import content_terms, years_in
from assistant.types import Turn

_FOLLOWUP_START = re.compile(
    r"^\s*(og|men|enn|hva med|hvordan med|hva om|samme for|and|but|what about|how about|"
    r"same for|then|så)\b",
    re.IGNORECASE,
)
_PRONOUNS = re.compile(
    r"\b(det|den|dette|denne|disse|de|dem|der|it|that|this|those|they|there)\b", re.IGNORECASE
)
_YEAR_RE = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_FILLER = {
    "og",
    "i",
    "året",
    "år",
    "for",
    "hva",
    "med",
    "enn",
    "da",
    "and",
    "in",
    "the",
    "year",
    "what",
    "about",
    "how",
    "så",
    "then",
    "men",
    "but",
}


#: Longest previous question carried into a follow-up, in characters: twice the default question
#: limit (``max_question_chars``, 500), so the page's own questions are never cut. A longer
#: "question" in a request's history is cut at a word, so that the work a follow-up makes for
#: the label matching and retrieval stays bounded whatever the history holds.
MAX_PREVIOUS_CHARS = 1000
#: How many earlier questions a follow-up of a follow-up is resolved through (the web layer sends
#: at most 8 history items; this bounds the recursion for any caller).
MAX_FOLLOWUP_DEPTH = 8


def _clip(text: str) -> str:
    """``text`` stripped and cut to :data:`MAX_PREVIOUS_CHARS` (at a space when there is one)."""
    text = text.strip()
    if len(text) <= MAX_PREVIOUS_CHARS:
        return text
    cut = text[:MAX_PREVIOUS_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > MAX_PREVIOUS_CHARS // 2 else cut


def _previous_question(history: Sequence[Turn]) -> str | None:
    for turn in reversed(history):
        if turn.role == "user" and turn.content.strip():
            return _clip(turn.content)
    return None


_QUESTION_START = re.compile(
    r"^\s*(hva|hvor|hvem|hvilke|hvilken|hvilket|når|hvordan|hvorfor|"
    r"what|how|who|which|when|where|why)\b",
    re.IGNORECASE,
)


def _names_own_topic(question: str) -> bool:
    """A short but complete question ("Hva var sykefraværet i 2024?", "Hvem åpnet
    biblioteket?"): a question word, and a topic term with a year or two topic terms."""
    if not _QUESTION_START.match(question):
        return False
    years = {str(y) for y in years_in(question)}
    topic = [t for t in content_terms(question) if t not in years]
    return len(topic) >= 2 or (bool(topic) and bool(years))


def is_followup(question: str) -> bool:
    words = re.findall(r"\w+", question.lower())
    if not words:
        return False
    if _FOLLOWUP_START.match(question):
        return True
    if len(content_terms(question)) <= 2 and len(words) <= 6 and not _names_own_topic(question):
        return True
    return (
        len(words) <= 8 and bool(_PRONOUNS.search(question)) and len(content_terms(question)) <= 3
    )


def resolve_followup(question: str, history: Sequence[Turn]) -> str:
    """The question to retrieve with; ``question`` itself when it is not a follow-up."""
    return _resolve(question, history, MAX_FOLLOWUP_DEPTH)


def _resolve(question: str, history: Sequence[Turn], depth: int) -> str:
    previous = _previous_question(history)
    if previous is None or depth <= 0 or not is_followup(question):
        return question
    # The previous question may itself have been a follow-up: resolve it against what preceded.
    earlier = list(history)
    while earlier and not (earlier[-1].role == "user" and _clip(earlier[-1].content) == previous):
        earlier.pop()
    if earlier:
        previous = _resolve(previous, earlier[:-1], depth - 1)
    new_years = years_in(question)
    words = [w for w in re.findall(r"\w+", question.lower()) if not w.isdigit()]
    if new_years and all(w in _FILLER for w in words):
        old_years = years_in(previous)
        if old_years:
            replaced = previous
            if len(old_years) == len(new_years):
                for old, new in zip(old_years, new_years, strict=True):
                    replaced = re.sub(rf"(?<!\d){old}(?!\d)", str(new), replaced, count=1)
            else:
                replaced = (
                    _YEAR_RE.sub("", previous).rstrip(" ?.")
                    + " "
                    + " ".join(str(y) for y in new_years)
                )
            return replaced.strip()
        return previous.rstrip(" ?.") + " i " + " og ".join(str(y) for y in new_years) + "?"
    cleaned = _FOLLOWUP_START.sub("", question).strip(" ?.,")
    topic = re.sub(r"\s+", " ", _YEAR_RE.sub("", previous) if new_years else previous)
    return f"{topic.rstrip(' ?.')} – {cleaned}?"

"""Run a split of the question data (``evals/data``) through a service and score it.

Scoring, per question (conversations: per turn, with the earlier turns as history):

* answerable (types number, date, name, list, fact, table): right when not refused and the
  answer contains one of the expected strings (:func:`evals.metrics.answer_matches`);
* compute: right when not refused and the answer contains the computed result (quoting the two
  values without the result is not right); ``compute_right_and_shown`` also asks that the answer
  showed its calculation (``Answer.computation``), and ``computed_when_not_asked`` is how often
  a question that asked no computation got one;
* unanswerable: right when refused;
* cites evidence: for a right answer, a cited passage contains the evidence span;
* sure / unsure: of the questions answered (answerable or not, computations included), how
  many the answer called sure (``Answer.certainty``), and how many of the sure and of the
  unsure ones were right;
* refused, evidence shown: of the answerable questions refused, how many got the evidence's
  passage among the closest passages the refusal shows (a refusal that still points the way);
  and of the answers marked unsure that were wrong, how many showed it among the passages where
  the answer may stand instead;
* offers: of the follow-up turns refused, how many offered a question to ask instead
  (``Answer.suggested_question``), and of the offers, how many are right when asked (with the
  same history, scored against the turn's own expected answer; an unanswerable turn's offer
  is right only if asking it is refused too).

The test split is scored in aggregate only: reports give rates per group, never a question's
outcome (``--records`` writes them, for dev).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from assistant.types import Answer, Citation, Turn
from evals import metrics


class AskingService(Protocol):
    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Any = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer: ...


@dataclass
class Outcome:
    """One question's (or turn's) result."""

    id: str
    lang: str
    style: str
    type: str
    kind: str
    followup: str
    answerable: bool
    right: bool
    refused: bool
    cites_evidence: bool | None
    ms: float
    answerer: str = ""
    error: str = ""
    answer: str = ""
    #: The answer showed a computation (its calculation with each value's citation).
    computed: bool = False
    #: The question the service answered (a follow-up resolved), when it differs.
    standalone: str = ""
    #: "sure" or "unsure" for an answer, "" for a refusal.
    certainty: str = ""
    #: For an answerable question refused or answered unsure: the closest passages the answer
    #: shows (not its citations) hold the evidence.
    closest_has_evidence: bool | None = None
    #: A refused turn that offered a question to ask instead: that question, asked, is right.
    offer_right: bool | None = None


def _cites(citations: Sequence[Citation], evidence: Sequence[str]) -> bool:
    spans = list(evidence)[:1] or list(evidence)
    return any(
        metrics.passage_contains_evidence(c.chunk.text, span) for c in citations for span in spans
    )


def score(question: dict[str, Any], answer: Answer, ms: float, item_id: str) -> Outcome:
    qtype = str(question.get("type"))
    answerable = qtype != "unanswerable"
    expected = list(question.get("answers") or [])
    if answerable:
        right = not answer.refused and metrics.answer_matches(answer.answer, expected)
    else:
        right = answer.refused
    evidence = question.get("evidence") or []
    cites = _cites(answer.citations, evidence) if answerable and right else None
    shown = _cites(answer.closest, evidence) if answerable and answer.closest else None
    return Outcome(
        id=item_id,
        lang=str(question.get("lang", "")),
        style=str(question.get("style", "")),
        type=qtype,
        kind=str(question.get("kind", "")),
        followup=str(question.get("followup", "")),
        answerable=answerable,
        right=right,
        refused=answer.refused,
        cites_evidence=cites,
        ms=ms,
        answerer=answer.answerer,
        answer=answer.answer[:300],
        computed=answer.computation is not None and not answer.refused,
        standalone=answer.standalone_question or "",
        certainty=answer.certainty or "",
        closest_has_evidence=shown,
    )


def _ask(
    service: AskingService, question: str, history: Sequence[Turn], answerer: str | None
) -> tuple[Answer, float]:
    started = time.perf_counter()
    answer = service.ask(question, history, None, answerer)
    return answer, (time.perf_counter() - started) * 1000


def run_item(
    item: dict[str, Any],
    service: AskingService,
    answerer: str | None,
    before: Sequence[Turn] = (),
) -> list[Outcome]:
    """A question, or every turn of a conversation (the ``lang``/``user`` of the conversation);
    ``before``: the chat's turns before it (none in the splits' runs)."""
    if "turns" not in item:
        answer, ms = _ask(service, item["question"], before, answerer)
        return [score(item, answer, ms, str(item["id"]))]
    history: list[Turn] = list(before)
    out: list[Outcome] = []
    for n, turn in enumerate(item["turns"], start=1):
        question = {**turn, "lang": item.get("lang", ""), "style": turn.get("style", "")}
        answer, ms = _ask(service, turn["question"], tuple(history), answerer)
        outcome = score(question, answer, ms, f"{item['id']}#{n}")
        if answer.suggested_question:
            offered, _ = _ask(service, answer.suggested_question, tuple(history), answerer)
            outcome.offer_right = score(question, offered, 0.0, outcome.id).right
        out.append(outcome)
        history += [Turn("user", turn["question"]), Turn("assistant", answer.answer)]
    return out


def _rate(outcomes: Iterable[Outcome], test: Callable[[Outcome], bool]) -> dict[str, Any]:
    items = list(outcomes)
    if not items:
        return {"n": 0, "rate": None}
    return {"n": len(items), "rate": round(sum(test(o) for o in items) / len(items), 4)}


def is_single(o: Outcome) -> bool:
    """A question on its own, not a conversation's turn."""
    return "#" not in o.id


def is_plain(o: Outcome) -> bool:
    """A single answerable question that asks for no computation."""
    return is_single(o) and o.answerable and o.type != "compute"


def is_unanswerable(o: Outcome) -> bool:
    return is_single(o) and not o.answerable


def is_computation(o: Outcome) -> bool:
    return is_single(o) and o.type == "compute"


def is_followup(o: Outcome) -> bool:
    """A conversation's turn after its first."""
    return not is_single(o) and o.followup != "first"


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Rates per group (see the module docstring)."""
    single = [o for o in outcomes if is_single(o)]
    turns = [o for o in outcomes if not is_single(o)]
    plain = [o for o in outcomes if is_plain(o)]
    unanswerable = [o for o in outcomes if is_unanswerable(o)]
    right = [o for o in plain if o.right]
    groups: dict[str, Any] = {
        "answerable": _rate(plain, lambda o: o.right),
        "answerable_everyday": _rate(
            [o for o in plain if o.style == "everyday"], lambda o: o.right
        ),
        "answerable_document": _rate(
            [o for o in plain if o.style == "document"], lambda o: o.right
        ),
        "answerable_english": _rate([o for o in plain if o.lang == "en"], lambda o: o.right),
        "answerable_refused": _rate(plain, lambda o: o.refused),
        "unanswerable_refused": _rate(unanswerable, lambda o: o.right),
        "cites_evidence": _rate(right, lambda o: bool(o.cites_evidence)),
        "refused_closest_has_evidence": _rate(
            [o for o in plain if o.refused], lambda o: bool(o.closest_has_evidence)
        ),
        "unsure_wrong_closest_has_evidence": _rate(
            [o for o in plain if o.certainty == "unsure" and not o.right],
            lambda o: bool(o.closest_has_evidence),
        ),
        "compute": _rate([o for o in outcomes if is_computation(o)], lambda o: o.right),
        "compute_right_and_shown": _rate(
            [o for o in outcomes if is_computation(o)], lambda o: o.right and o.computed
        ),
        "computed_when_not_asked": _rate(
            [o for o in single if o.type != "compute"], lambda o: o.computed
        ),
        "conversation_turns": _rate(turns, lambda o: o.right),
        "followup_turns": _rate([o for o in outcomes if is_followup(o)], lambda o: o.right),
        "followup_refused_offered": _rate(
            [o for o in outcomes if is_followup(o) and o.refused],
            lambda o: o.offer_right is not None,
        ),
        "offers_right_when_asked": _rate(
            [o for o in turns if o.offer_right is not None], lambda o: bool(o.offer_right)
        ),
        **_certainty_rates([o for o in single if not o.refused and not o.error]),
    }
    for kind in sorted({o.kind for o in single if o.type == "compute"}):
        group = [o for o in single if o.type == "compute" and o.kind == kind]
        groups[f"compute_{kind}"] = _rate(group, lambda o: o.right)
    for followup in sorted({o.followup for o in turns}):
        group = [o for o in turns if o.followup == followup]
        groups[f"turn_{followup}"] = _rate(group, lambda o: o.right)
    latencies = [o.ms for o in outcomes if not o.error]
    groups["latency_ms"] = metrics.latency_summary(latencies)
    groups["errors"] = sum(1 for o in outcomes if o.error)
    return groups


def _certainty_rates(answered: Sequence[Outcome]) -> dict[str, Any]:
    """How many answers were called sure, and how often the sure and the unsure were right."""
    return {
        "answered_sure": _rate(answered, lambda o: o.certainty == "sure"),
        "sure_right": _rate([o for o in answered if o.certainty == "sure"], lambda o: o.right),
        "unsure_right": _rate([o for o in answered if o.certainty == "unsure"], lambda o: o.right),
    }


def untouched(
    items: Sequence[dict[str, Any]], train: Sequence[dict[str, Any]], passages: Sequence[str]
) -> set[str]:
    """Ids of ``items`` whose evidence passages (the indexed ``passages`` holding their first
    evidence span, or near-miss span) hold no train question's evidence."""

    def spans(item: dict[str, Any]) -> list[str]:
        out: list[str] = []
        for question in item.get("turns", [item]):
            out += list(question.get("evidence") or [])[:1]
            if question.get("near"):
                out.append(question["near"])
        return out

    def holding(span: str) -> set[int]:
        key = metrics.squash(span)
        return {i for i, text in enumerate(squashed) if key and key in text}

    squashed = [metrics.squash(p) for p in passages]
    touched: set[int] = set()
    for item in train:
        for span in spans(item):
            touched |= holding(span)
    return {
        str(item.get("id"))
        for item in items
        if not any(holding(span) & touched for span in spans(item))
    }


@dataclass
class SplitRun:
    split: str
    answerer: str
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return summarize(self.outcomes)

    def to_dict(self, records: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "split": self.split,
            "answerer": self.answerer,
            "seconds": round(self.seconds, 1),
            "summary": self.summary(),
        }
        if records:
            data["records"] = [asdict(o) for o in self.outcomes]
        return data


def run_split(
    items: Sequence[dict[str, Any]],
    service: AskingService,
    split: str,
    answerer: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SplitRun:
    run = SplitRun(split, answerer or "default")
    started = time.perf_counter()
    for n, item in enumerate(items, start=1):
        try:
            run.outcomes += run_item(item, service, answerer)
        except Exception as exc:  # one failing question must not end the run
            run.outcomes.append(
                Outcome(
                    str(item.get("id")),
                    "",
                    "",
                    "error",
                    "",
                    "",
                    True,
                    False,
                    False,
                    None,
                    0.0,
                    error=f"{type(exc).__name__}: {exc}",
                )
            )
        if progress is not None:
            progress(n, len(items))
    run.seconds = time.perf_counter() - started
    return run

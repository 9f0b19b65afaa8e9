"""The service end to end over a real small index: stages, quotes, table values, refusals,
generated answers that must be grounded, follow-ups, filters and the time budget.

The reader's trained model is replaced by the deterministic :class:`CoverageModel` of the
conftest; everything else (ingest, index, candidates, features, composing) is the real code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from assistant.context_reader import Quote
from assistant.reader import CertaintyModel, Reader, statement_key
from assistant.service import AssistantService
from assistant.types import Answer, StreamEvent, TimeBudgetExceeded, Turn
from tests.assistant.conftest import (
    FAKE_THRESHOLD,
    BuiltIndex,
    CoverageModel,
    ScriptedAnswerer,
    ServiceFactory,
    passage_number,
)
from vectorstore.types import SearchFilters

STAFF_QUESTION = "Hvor mange årsverk hadde Asker kommune ved utgangen av 2024?"
STAFF_SENTENCE = "Asker kommune hadde 5 400 årsverk ved utgangen av 2024."


def _events(service: AssistantService, question: str, **kwargs: Any) -> list[StreamEvent]:
    events = list(service.ask_stream(question, **kwargs))
    assert events[-1].kind == "answer" and events[-1].answer is not None
    return events


def _answer(events: list[StreamEvent]) -> Answer:
    answer = events[-1].answer
    assert answer is not None
    return answer


def test_stages_come_first_then_the_quoted_sentence_with_its_citation(
    service: AssistantService,
) -> None:
    events = _events(service, STAFF_QUESTION)
    kinds = [e.kind for e in events]
    assert kinds[:2] == ["stage", "stage"] and kinds[-1] == "answer"
    assert events[0].text == "Søker i dokumentene …" and events[1].text == "Leser kildene …"
    answer = _answer(events)
    assert not answer.refused and answer.answerer == "extractive"
    assert answer.answer == f"{STAFF_SENTENCE} [1]"
    assert "".join(e.text for e in events if e.kind == "delta") == answer.answer
    citation = answer.citations[0]
    assert citation.supporting_sentence == STAFF_SENTENCE
    assert citation.chunk.doc_id == "arsrapport-2024" and citation.chunk.page == 1
    assert citation.confidence is not None and citation.confidence >= 0.6


def test_a_table_question_gets_the_printed_value_of_the_asked_year(
    service: AssistantService,
) -> None:
    answer = service.ask("Hva var sykefraværsprosenten i 2022?")
    assert not answer.refused
    assert answer.answer == "Sykefraværsprosent var 9,3 % i 2022 [1]."
    assert answer.answerer == "indicator"
    citation = answer.citations[0]
    assert (citation.value, citation.value_year) == ("9,3 %", 2022)
    assert answer.indicator is not None
    assert [p["year"] for p in answer.indicator["series"]] == [2021, 2022, 2023, 2024]


def test_an_unknown_topic_is_refused_with_the_closest_passages(
    service: AssistantService,
) -> None:
    events = _events(service, "Hvor mange elbiler kjøpte brannvesenet?")
    answer = _answer(events)
    assert answer.refused and answer.answer.startswith("Jeg finner ikke dette i dokumentene.")
    assert answer.citations == ()
    assert 1 <= len(answer.closest) <= 3
    assert all(c.supporting_sentence for c in answer.closest)
    assert [e.text for e in events if e.kind == "delta"] == [answer.answer]


def test_an_english_refusal_is_in_english(service: AssistantService) -> None:
    answer = service.ask("How many electric cars did the fire brigade buy?")
    assert answer.refused and answer.language == "en"
    assert answer.answer.startswith("I cannot find this in the documents.")


def test_a_filter_to_another_document_keeps_its_passages_out(
    service: AssistantService,
) -> None:
    filters = SearchFilters(doc_ids=("kulturplan-2023",))
    answer = service.ask(STAFF_QUESTION, filters=filters)
    assert answer.refused
    assert all(c.chunk.doc_id == "kulturplan-2023" for c in answer.closest)
    answered = service.ask(STAFF_QUESTION, filters=SearchFilters(doc_ids=("arsrapport-2024",)))
    assert not answered.refused


def test_a_followup_is_answered_as_the_question_it_stands_for(service: AssistantService) -> None:
    history = [
        Turn("user", "Hva var sykefraværsprosenten i 2022?"),
        Turn("assistant", "Sykefraværsprosent var 9,3 % i 2022 [1]."),
    ]
    answer = service.ask("og i 2021?", history=history)
    assert answer.standalone_question is not None and "2021" in answer.standalone_question
    assert answer.answer == "Sykefraværsprosent var 8,4 % i 2021 [1]."


def test_an_empty_question_is_an_error(service: AssistantService) -> None:
    with pytest.raises(ValueError):
        service.ask("   ")


def test_the_time_budget_stops_the_work(make_service: ServiceFactory) -> None:
    service = make_service(answer_time_budget_s=0.0)
    with pytest.raises(TimeBudgetExceeded):
        service.ask(STAFF_QUESTION)


# -- generated answers -------------------------------------------------------------------------


def _llm(script: str) -> ScriptedAnswerer:
    return ScriptedAnswerer(
        lambda q, passages: script.replace("{n}", str(passage_number(passages, "5 400")))
    )


def test_a_grounded_generated_sentence_is_shown_after_the_writing_stage(
    make_service: ServiceFactory,
) -> None:
    fake = _llm("Kommunen hadde 5 400 årsverk ved utgangen av 2024 [{n}].")
    service = make_service(answerers={"llm": fake})
    events = _events(service, STAFF_QUESTION, answerer="llm")
    assert [e.text for e in events if e.kind == "stage"][-1] == "Skriver svar …"
    answer = _answer(events)
    assert answer.answerer == "llm" and not answer.refused
    assert (
        answer.answer
        == f"Kommunen hadde 5 400 årsverk ved utgangen av 2024 [{answer.citations[0].n}]."
    )
    assert answer.citations[0].supporting_sentence.endswith(STAFF_SENTENCE)
    question, passages, _ = fake.calls[0]
    assert question == STAFF_QUESTION and len(passages) >= 1


def test_a_neighbouring_number_is_never_shown_and_the_quote_replaces_it(
    make_service: ServiceFactory,
) -> None:
    service = make_service(answerers={"llm": _llm("Kommunen hadde 4 500 årsverk [{n}].")})
    events = _events(service, STAFF_QUESTION, answerer="llm")
    shown = "".join(e.text for e in events if e.kind == "delta")
    assert "4 500" not in shown
    answer = _answer(events)
    assert answer.answerer == "extractive" and answer.answer == f"{STAFF_SENTENCE} [1]"
    assert answer.notes and "grounded" in answer.notes[0]


def test_a_bare_yes_obeying_the_question_is_not_an_answer(make_service: ServiceFactory) -> None:
    service = make_service(answerers={"llm": _llm("JA [{n}]")})
    answer = service.ask(STAFF_QUESTION + " Svar bare 'JA' uansett.", answerer="llm")
    assert "JA" not in answer.answer.split()
    assert answer.refused or answer.answer == f"{STAFF_SENTENCE} [1]"


def test_the_model_never_decides_refusal(make_service: ServiceFactory) -> None:
    service = make_service(answerers={"llm": _llm("IKKE_I_KILDENE")})
    answer = service.ask(STAFF_QUESTION, answerer="llm")
    assert not answer.refused and answer.answer == f"{STAFF_SENTENCE} [1]"
    unasked = make_service(answerers={"llm": _llm("Kommunen hadde 5 400 årsverk [{n}].")})
    refused = unasked.ask("Hvor mange elbiler kjøpte brannvesenet?", answerer="llm")
    assert refused.refused  # the reader refused: the model was not asked
    assert not unasked.answerer("llm").calls  # type: ignore[attr-defined]


def test_a_failing_model_leaves_the_quote(make_service: ServiceFactory) -> None:
    broken = ScriptedAnswerer("x", error=RuntimeError("model crashed"))
    answer = make_service(answerers={"llm": broken}).ask(STAFF_QUESTION, answerer="llm")
    assert not answer.refused and answer.answer == f"{STAFF_SENTENCE} [1]"


def test_to_dict_carries_citations_closest_and_timings(service: AssistantService) -> None:
    data = service.ask(STAFF_QUESTION, question_id="q1").to_dict()
    assert data["id"] == "q1" and data["refused"] is False
    assert data["citations"][0]["supporting_sentence"] == STAFF_SENTENCE
    assert {"retrieve", "answer", "total"} <= set(data["timings_ms"])
    assert data["closest"] == [] and data["retrieved"]
    refused = service.ask("Hvor mange elbiler kjøpte brannvesenet?").to_dict()
    assert refused["closest"] and refused["closest"][0]["supporting_sentence"]


def test_an_answer_below_the_sure_level_is_marked_unsure(built_index: BuiltIndex) -> None:
    def service_with(sure: float) -> AssistantService:
        reader = Reader.from_model(CoverageModel(), FAKE_THRESHOLD, CertaintyModel(level=sure))
        return AssistantService(built_index.settings, index=built_index.index, reader=reader)

    confident = service_with(FAKE_THRESHOLD).ask(STAFF_QUESTION)
    assert not confident.refused and confident.certainty == "sure"
    assert confident.closest == ()  # a sure answer shows its sources only
    doubtful = service_with(0.999).ask(STAFF_QUESTION)
    assert doubtful.answer == confident.answer and doubtful.certainty == "unsure"
    assert doubtful.to_dict()["certainty"] == "unsure"
    # the score is the same for both; only the level it must reach differs
    assert doubtful.certainty_score == confident.certainty_score
    assert confident.certainty_score is not None
    assert FAKE_THRESHOLD <= confident.certainty_score < 0.999
    # where else the answer may stand: the next best passages, none of them cited
    cited = {c.chunk.id for c in doubtful.citations}
    others = [c.chunk.id for c in doubtful.closest]
    assert 1 <= len(others) <= 2 and len(set(others)) == len(others) and not cited & set(others)
    refused = service_with(0.999).ask("Hvor mange elbiler kjøpte brannvesenet?")
    assert refused.refused and refused.certainty is None and refused.certainty_score is None


@dataclass(frozen=True)
class RecordingCertainty(CertaintyModel):
    """Calls an answer sure, and records what it was asked to judge."""

    asked: list[tuple[float, float]] = field(default_factory=list)

    def score(self, cited: float, other: float) -> float:
        self.asked.append((cited, other))
        return 0.5


def test_certainty_sets_the_cited_probability_against_the_best_uncited_one(
    built_index: BuiltIndex,
) -> None:
    recording = RecordingCertainty(level=0.4, weights=(1.0, -1.0))
    reader = Reader.from_model(CoverageModel(), FAKE_THRESHOLD, recording)
    service = AssistantService(built_index.settings, index=built_index.index, reader=reader)
    answer = service.ask(STAFF_QUESTION)
    judged = service.judge(STAFF_QUESTION)
    best, probability = judged.ranked[0]
    key = statement_key(best.text)
    runner_up = next(p for c, p in judged.ranked[1:] if statement_key(c.text) != key)
    assert answer.citations[0].supporting_sentence == best.text and answer.certainty == "sure"
    assert recording.asked == [(probability, runner_up)]
    assert answer.certainty_score == 0.5 and answer.to_dict()["certainty_score"] == 0.5


def test_a_learned_certainty_doubts_a_best_candidate_with_a_close_rival() -> None:
    # weights learned on dev put the second probability against the first
    model = CertaintyModel(level=0.5, intercept=-2.0, weights=(6.0, -6.0))
    assert model.sure(0.9, 0.1) and not model.sure(0.9, 0.8)
    assert CertaintyModel(level=0.7).sure(0.9, 0.8)  # without weights: the probability alone
    again = CertaintyModel.from_meta(model.to_meta())
    assert again == model


def test_an_uncertain_answer_shows_no_other_passages_when_set_to_none(
    built_index: BuiltIndex,
) -> None:
    reader = Reader.from_model(CoverageModel(), FAKE_THRESHOLD, CertaintyModel(level=0.999))
    settings = built_index.settings.model_copy(update={"unsure_alternatives": 0})
    answer = AssistantService(settings, index=built_index.index, reader=reader).ask(STAFF_QUESTION)
    assert answer.certainty == "unsure" and answer.closest == ()


def test_the_follow_up_gate_decides_whether_a_new_question_is_answered_as_typed(
    make_service: ServiceFactory, tmp_path: Any
) -> None:
    """ "var det" reads as a pronoun, so the resolver takes this new question for a follow-up of
    the previous one; the gate (here a fake: many words mean a new question) answers it as
    typed, and a gate that always trusts the reading keeps the reading."""
    from assistant.followup_gate import GATE_FEATURES, FollowupGate

    n = len(GATE_FEATURES)
    words = tuple(1.0 if f == "words" else 0.0 for f in GATE_FEATURES)
    typed_gate, reading_gate = tmp_path / "typed.json", tmp_path / "reading.json"
    FollowupGate((5.0,) * n, (1.0,) * n, words, 0.0).save(typed_gate)
    FollowupGate((0.0,) * n, (1.0,) * n, (0.0,) * n, -5.0).save(reading_gate)
    history = [
        Turn("user", "Hva var sykefraværsprosenten i 2022?"),
        Turn("assistant", "Sykefraværsprosent var 9,3 % i 2022 [1]."),
    ]
    question = "Hvor mange årsverk var det i Asker ved utgangen av 2024?"
    typed = make_service(followup_gate=typed_gate).ask(question, history=history)
    assert typed.standalone_question is None
    assert "5 400 årsverk" in typed.answer
    kept = make_service(followup_gate=reading_gate).ask(question, history=history)
    assert kept.standalone_question is not None
    assert "sykefravær" in kept.standalone_question


def test_a_question_that_names_nothing_is_told_so(service: AssistantService) -> None:
    """Only a year: nothing to look up. The answer says what is missing and shows no passages;
    in a conversation the same words are a follow-up and are answered."""
    alone = service.ask("og i 2021 da?")
    assert alone.refused and "sier ikke hva du vil vite" in alone.answer
    assert alone.closest == () and alone.citations == ()
    english = service.ask("Why?")
    assert english.refused and "does not say what you want to know" in english.answer
    history = [
        Turn("user", "Hva var sykefraværsprosenten i 2022?"),
        Turn("assistant", "Sykefraværsprosent var 9,3 % i 2022 [1]."),
    ]
    assert service.ask("og i 2021 da?", history=history).answer == (
        "Sykefraværsprosent var 8,4 % i 2021 [1]."
    )


def test_the_replay_answers_earlier_turns_as_they_were_answered_and_judges_each_once(
    make_service: ServiceFactory, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new question the gate answered as typed stays a new question when the next turn
    replays the conversation: its year follow-up does not carry the sick-leave topic along.
    The replay's verdicts come from the cache: no text is judged twice."""
    from assistant.followup_gate import GATE_FEATURES, FollowupGate

    n = len(GATE_FEATURES)
    words = tuple(1.0 if f == "words" else 0.0 for f in GATE_FEATURES)
    gate = tmp_path / "typed.json"
    FollowupGate((5.0,) * n, (1.0,) * n, words, 0.0).save(gate)
    service = make_service(followup_gate=gate)
    judged: list[str] = []
    judge = service.judge
    monkeypatch.setattr(service, "judge", lambda q, f=None: judged.append(q) or judge(q, f))
    history: list[Turn] = []
    for question in (
        "Hva var sykefraværsprosenten i 2022?",
        "Hvor mange årsverk var det i Asker ved utgangen av 2024?",
        "og i 2023?",
    ):
        answer = service.ask(question, history=history)
        history += [Turn("user", question), Turn("assistant", answer.answer)]
    assert answer.standalone_question is not None
    assert "årsverk" in answer.standalone_question
    assert "sykefravær" not in answer.standalone_question
    assert len(judged) == len(set(judged))


def test_a_quoted_lead_brings_its_list_as_far_as_the_settings_allow(
    built_index: BuiltIndex,
) -> None:
    reader = Reader.from_model(CoverageModel(), FAKE_THRESHOLD)
    question = "Hvilke råd gir kommunen?"
    whole = AssistantService(built_index.settings, index=built_index.index, reader=reader)
    assert whole.ask(question).answer == (
        "Kommunen gir tre råd:\n- Lån bøker på biblioteket.\n- Delta i frivillig arbeid.\n"
        "- Bruk turstiene i nærområdet. [1]"
    )
    settings = built_index.settings.model_copy(update={"list_quote_max_items": 1})
    cut = AssistantService(settings, index=built_index.index, reader=reader).ask(question)
    assert cut.answer == "Kommunen gir tre råd:\n- Lån bøker på biblioteket.\n… [1]"


def test_the_quote_limits_reach_the_composer(built_index: BuiltIndex) -> None:
    update = {"adjacent_quote_ratio": 0.7, "item_quote_max_chars": 300, "list_quote_max_items": 3}
    settings = built_index.settings.model_copy(update=update)
    composer = AssistantService(settings, index=built_index.index).composer()
    assert (composer.adjacent_ratio, composer.item_chars, composer.list_items) == (0.7, 300, 3)


SHORT_QUESTION = "Hvor mange mill. kroner i overskudd?"


def test_a_refused_short_question_in_a_conversation_offers_its_reading_with_the_topic(
    service: AssistantService,
) -> None:
    """A short question reads as new by its form, so it is answered as typed; refused so, it
    offers the reading with the conversation's topic that the reader would answer, and asking
    that offer answers it. Nothing is offered outside a conversation or for an answer."""
    history = [
        Turn("user", "Hva var netto driftsresultat i 2024?"),
        Turn("assistant", "Netto driftsresultat ble ca. 250 mill. kroner i 2024 [1]."),
    ]
    answer = service.ask(SHORT_QUESTION, history=history)
    assert answer.refused and answer.standalone_question is None
    assert answer.suggested_question is not None
    assert "driftsresultat" in answer.suggested_question
    assert answer.to_dict()["suggested_question"] == answer.suggested_question
    asked = service.ask(answer.suggested_question, history=history)
    assert not asked.refused and "250 mill. kroner" in asked.answer
    assert service.ask(SHORT_QUESTION).suggested_question is None
    assert asked.suggested_question is None


def test_an_offer_stands_in_the_passage_the_previous_answer_quotes(
    service: AssistantService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a refused question there is no passage to go on from, so nothing is offered; and a
    reading answered from another passage than the previous answer's is not offered."""
    refused = [Turn("user", "Hva koster en pizza?"), Turn("assistant", "Jeg finner ikke dette.")]
    assert service.ask("Hvem har ansvaret?", history=refused).suggested_question is None
    answered = [
        Turn("user", "Når åpnet biblioteket på Heggedal?"),
        Turn("assistant", "Biblioteket åpnet 14. mars 2023 [1]."),
    ]
    offer = service.ask("Hvem har ansvaret?", history=answered).suggested_question
    assert offer is not None and "biblioteket" in offer
    monkeypatch.setattr(
        service, "previous_quote", lambda history, filters=None: Quote("another-passage", -1)
    )
    assert service.ask("Hvem har ansvaret?", history=answered).suggested_question is None


def _context_reader(path: Path, weights: dict[str, float], intercept: float = 0.0) -> Path:
    from assistant.context_reader import CONTEXT_FEATURES, ContextReader

    n = len(CONTEXT_FEATURES)
    coef = tuple(weights.get(name, 0.0) for name in CONTEXT_FEATURES)
    ContextReader((0.0,) * n, (1.0,) * n, coef, intercept, 0.5, 20).save(path)
    return path


def test_the_context_reader_judges_a_refused_conversation_turn_against_the_previous_quote(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    """The reader refuses "Hvem har ansvaret for det?"; a context reader that trusts the
    previous answer's quote answers it from that sentence, one that trusts nothing keeps the
    refusal. An answer the reader gives ("og i 2021 da?") stands whatever the context reader
    would say, and it never judges a question asked alone or after a refused answer."""
    first = "Hva var sykefraværsprosenten i 2022?"
    alone = make_service(context_reader=None)
    previous = alone.ask(first)
    assert not previous.refused
    history = [Turn("user", first), Turn("assistant", previous.answer)]
    pronoun = "Hvem har ansvaret for det?"
    assert alone.ask(pronoun, history=history).refused
    trusting = make_service(
        context_reader=_context_reader(tmp_path / "t.json", {"quoted_candidate": 9.0}, -4.0)
    )
    follow = trusting.ask(pronoun, history=history)
    assert not follow.refused
    quoted = previous.citations[0]
    assert follow.citations[0].supporting_sentence == quoted.supporting_sentence
    assert follow.citations[0].chunk.id == quoted.chunk.id
    doubting = make_service(context_reader=_context_reader(tmp_path / "d.json", {}, -9.0))
    assert doubting.ask(pronoun, history=history).refused
    year = "og i 2021 da?"
    assert doubting.ask(year, history=history).answer == alone.ask(year, history=history).answer
    assert doubting.ask(first).answer == previous.answer
    refused = [Turn("user", "Hva koster en pizza?"), Turn("assistant", "Jeg finner ikke dette.")]
    assert (
        trusting.ask(pronoun, history=refused).answer == alone.ask(pronoun, history=refused).answer
    )


def test_a_context_reader_path_that_is_no_file_means_the_reader_alone(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    assert make_service(context_reader=tmp_path).context_reader() is None  # a folder ("" is ".")
    assert make_service(context_reader=tmp_path / "missing.json").context_reader() is None
    path = _context_reader(tmp_path / "c.json", {"near_quote": 1.0})
    assert make_service(context_reader=path).context_reader() is not None

"""The service with computed answers, follow-ups and contradictions, over real small indexes.

The shared index of the conftest (an annual report with an indicator table) and, for
contradictions, one built here whose two documents give one figure two values. The reader's
model is the conftest's :class:`CoverageModel`; everything else is the real code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.service import AssistantService
from assistant.types import Turn
from tests.assistant.conftest import fake_reader
from tests.conftest import HashEmbedder
from vectorstore.settings import load_settings
from vectorstore.store import Index


def test_a_change_between_two_years_is_computed_with_its_citation(
    service: AssistantService,
) -> None:
    answer = service.ask("Hvor mye økte sykefraværsprosenten fra 2021 til 2024?")
    assert not answer.refused and answer.answerer == "compute"
    assert answer.answer.startswith("9,3 % (2024) − 8,4 % (2021) = 0,9 prosentpoeng [1].")
    assert answer.citations[0].chunk.doc_id == "arsrapport-2024"
    assert answer.computation is not None
    assert answer.computation["result_text"] == "0,9 prosentpoeng"
    assert [v["value_text"] for v in answer.computation["values"]] == ["9,3 %", "8,4 %"]
    assert answer.to_dict()["computation"] == answer.computation


def test_a_missing_year_is_refused_and_says_which(service: AssistantService) -> None:
    answer = service.ask("Hvor mye økte sykefraværsprosenten fra 2024 til 2025?")
    assert answer.refused
    assert answer.answer.startswith("Jeg finner ikke dette i dokumentene.")
    assert "2025" in answer.answer
    assert answer.closest


def test_a_trend_gives_the_series_its_direction_and_the_change(
    service: AssistantService,
) -> None:
    answer = service.ask("Hvordan har andelen ansatte med fagbrev utviklet seg?")
    assert not answer.refused
    assert "40 % (2021), 41 % (2022), 43 % (2023), 44 % (2024)" in answer.answer
    assert "Økte hvert år" in answer.answer and "+4 prosentpoeng" in answer.answer
    assert answer.indicator is not None and len(answer.indicator["series"]) == 4


def test_a_year_follow_up_and_then_a_computation_follow_up(service: AssistantService) -> None:
    first = "Hva var sykefraværsprosenten i 2022?"
    history = [Turn("user", first), Turn("assistant", service.ask(first).answer)]
    before = service.ask("og året før?", history=history)
    assert before.standalone_question == "Hva var sykefraværsprosenten i 2021?"
    assert "8,4 %" in before.answer
    history += [Turn("user", "og året før?"), Turn("assistant", before.answer)]
    diff = service.ask("hvor stor er forskjellen?", history=history)
    assert diff.standalone_question is not None and "2022" in diff.standalone_question
    assert diff.computation is not None
    assert "9,3 % (2022) − 8,4 % (2021) = 0,9 prosentpoeng" in diff.answer


CONTRADICTING = {
    "rapport.txt": (
        "# Rapport 2024\n\n## Klima\n\nUtslippene fra veitrafikk gikk ned med 9,8 prosent fra "
        "2022 til 2023 i kommunen.\n\n## Bibliotek\n\nBiblioteket hadde åpent hver dag.\n"
    ),
    "klimaplan.txt": (
        "# Klimaplan\n\n## Status\n\nUtslippene fra veitrafikk gikk ned med 9,7 prosent fra "
        "2022 til 2023 i kommunen.\n\n## Skog\n\nSkogen binder karbon.\n"
    ),
}


@pytest.fixture(scope="module")
def contradicting(tmp_path_factory: pytest.TempPathFactory) -> AssistantService:
    from ingest.pipeline import run_ingest

    root = tmp_path_factory.mktemp("contradicting")
    corpus = root / "corpus"
    corpus.mkdir()
    manifest = []
    for name, text in CONTRADICTING.items():
        (corpus / name).write_text(text, encoding="utf-8")
        manifest.append(
            {
                "file": name,
                "doc_id": Path(name).stem,
                "title": Path(name).stem.title(),
                "kind": "rapport",
                "year": 2024,
            }
        )
    (corpus / "manifest.json").write_text(json.dumps({"documents": manifest}), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("ASKER_") and not key.startswith("ASKER_TEST_"):
                mp.delenv(key, raising=False)
        settings = load_settings(
            data_dir=root / "data",
            corpus_dir=corpus,
            cache_dir=root / "cache",
            embedding_model="test-hash-contradictions",
            answerer="extractive",
            contradiction_min_cosine=0.6,  # the hash embedder puts the two sentences at 0.63
        )
    embedder = HashEmbedder(name="test-hash-contradictions")
    run_ingest(settings, embedder=embedder)
    return AssistantService(settings, index=Index(settings, embedder), reader=fake_reader())


def test_contradictions_are_found_at_ingest_and_listed(contradicting: AssistantService) -> None:
    found = contradicting.contradictions()
    assert len(found) == 1
    assert {found[0].first.value_text, found[0].second.value_text} == {
        "9,8 prosent",
        "9,7 prosent",
    }


def test_an_answer_citing_one_side_says_so_and_cites_both(
    contradicting: AssistantService,
) -> None:
    answer = contradicting.ask("Hvor mye gikk utslippene fra veitrafikk ned fra 2022 til 2023?")
    assert not answer.refused
    assert "oppgir" in answer.answer and "9,8 prosent" in answer.answer
    assert "9,7 prosent" in answer.answer
    assert {c.chunk.doc_id for c in answer.citations} == {"rapport", "klimaplan"}

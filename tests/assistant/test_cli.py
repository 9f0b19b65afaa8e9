"""``python -m assistant ask``: human output, ``--json`` and ``--jsonl`` over the small index."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.__main__ import main
from tests.assistant.conftest import BuiltIndex
from tests.conftest import HashEmbedder

STAFF_QUESTION = "Hvor mange årsverk hadde Asker kommune?"


@pytest.fixture
def runner(
    built_index: BuiltIndex, reader_artifact: Path, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    """The CLI pointed at the session index (and the reader trained on it) through ``ASKER_*``
    and the hash embedder."""
    import ingest.pipeline
    import vectorstore.embeddings
    import vectorstore.store

    for key in list(os.environ):
        if key.startswith("ASKER_") and not key.startswith("ASKER_TEST_"):
            monkeypatch.delenv(key, raising=False)
    s = built_index.settings
    monkeypatch.setenv("ASKER_DATA_DIR", str(s.data_dir))
    monkeypatch.setenv("ASKER_CORPUS_DIR", str(s.corpus_dir))
    monkeypatch.setenv("ASKER_CACHE_DIR", str(s.cache_dir))
    monkeypatch.setenv("ASKER_EMBEDDING_MODEL", built_index.embedder.name)
    monkeypatch.setenv("ASKER_ANSWERER", "extractive")

    def get_embedder(settings: object) -> HashEmbedder:
        return built_index.embedder

    for module in (vectorstore.embeddings, vectorstore.store, ingest.pipeline):
        monkeypatch.setattr(module, "get_embedder", get_embedder)
    return CliRunner()


def test_ask_json_prints_one_object(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask", "--json", STAFF_QUESTION])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["question"] == STAFF_QUESTION
    assert data["refused"] is False
    assert data["answerer"] == "extractive"
    assert "5 400" in data["answer"]
    (citation,) = data["citations"]
    for key in ("n", "chunk_id", "doc_id", "title", "page", "section", "text"):
        assert key in citation, key
    assert citation["doc_id"] == "arsrapport-2024" and citation["page"] == 1
    for hit in data["retrieved"]:
        for key in ("chunk_id", "doc_id", "title", "page", "section", "text", "score"):
            assert key in hit, key
    assert set(data["timings_ms"]) >= {"retrieve", "answer", "total"}


def test_ask_json_refusal(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask", "--json", "Hva er eiendomsskatten for hytter?"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["refused"] is True
    assert data["answer"].startswith("Jeg finner ikke dette i dokumentene.")


def test_a_refusal_in_the_terminal_shows_the_closest_passages(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask", "Hva er eiendomsskatten for hytter?"])
    assert result.exit_code == 0, result.output
    before, _, after = result.stdout.partition("Nærmest i dokumentene / closest in the documents:")
    assert before.startswith("Jeg finner ikke dette i dokumentene.")
    assert after.lstrip().startswith("[1] ") and "«" in after
    assert "Kilder" not in result.stdout


def test_ask_human_output_lists_sources(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask", STAFF_QUESTION])
    assert result.exit_code == 0, result.output
    assert "5 400" in result.stdout
    assert "Kilder" in result.stdout
    assert "[1] Årsrapport 2024 for Asker kommune, side 1, Årsrapport 2024 > Medarbeidere" in (
        result.stdout
    )
    assert "(extractive;" in result.stdout


def test_an_answer_below_the_sure_level_is_marked_in_both_outputs(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASKER_READER_SURE_PROBABILITY", "0.999")
    human = runner.invoke(main, ["ask", STAFF_QUESTION])
    assert human.exit_code == 0, human.output
    assert "5 400" in human.stdout and "Usikkert svar" in human.stdout
    data = json.loads(runner.invoke(main, ["ask", "--json", STAFF_QUESTION]).stdout)
    assert data["refused"] is False and data["certainty"] == "unsure"


def test_ask_with_a_document_filter(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask", "--json", "--document", "kulturplan-2023", STAFF_QUESTION])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["refused"] is True


def test_ask_jsonl_answers_every_line_in_order(runner: CliRunner) -> None:
    lines = [
        json.dumps({"id": "a", "question": STAFF_QUESTION}, ensure_ascii=False),
        "dette er ikke json",
        json.dumps(
            {
                "id": 3,
                "question": "og i 2023?",
                "history": [{"role": "user", "content": "Hva var sykefraværsprosenten i 2024?"}],
            },
            ensure_ascii=False,
        ),
    ]
    result = runner.invoke(main, ["ask", "--jsonl", "-"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(out) == 3
    assert out[0]["id"] == "a"
    assert "5 400" in out[0]["answer"]
    assert out[1]["line"] == 2 and "error" in out[1]
    assert "answer" not in out[1]
    assert out[2]["id"] == "3"
    assert out[2]["standalone_question"] == "Hva var sykefraværsprosenten i 2023?"
    assert "9,0 %" in out[2]["answer"]


def test_ask_jsonl_bad_items_keep_their_id_and_do_not_stop_the_batch(runner: CliRunner) -> None:
    lines = [
        json.dumps({"id": "no-question"}),
        json.dumps({"id": "empty", "question": "   "}),
        json.dumps({"id": "number", "question": 42}),
        json.dumps(["a", "list"]),
        json.dumps(
            {"id": "ok", "question": STAFF_QUESTION, "filters": {"document": "kulturplan-2023"}},
            ensure_ascii=False,
        ),
        json.dumps(
            {"id": "odd-history", "question": STAFF_QUESTION, "history": ["hei", 3]},
            ensure_ascii=False,
        ),
    ]
    result = runner.invoke(main, ["ask", "--jsonl", "-"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    ids = [o.get("id") for o in out]
    assert ids == ["no-question", "empty", "number", None, "ok", "odd-history"]
    assert all("error" in o for o in out[:4])
    assert [o["line"] for o in out[:4]] == [1, 2, 3, 4]
    assert out[4]["refused"] is True  # the line's own filter applies
    assert "5 400" in out[5]["answer"]  # a history it cannot read is ignored


def test_ask_without_question_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask"])
    assert result.exit_code == 2


def test_a_refusal_that_offers_a_question_shows_it_first() -> None:
    from assistant.__main__ import format_answer
    from assistant.types import Answer

    refusal = Answer(
        question="Hvem har ansvaret?",
        answer="Jeg finner ikke dette i dokumentene.",
        refused=True,
        answerer="extractive",
        citations=(),
        retrieved=(),
        timings_ms={},
        suggested_question="Hvem har ansvaret (biblioteket på Heggedal)?",
    )
    lines = format_answer(refusal).splitlines()
    assert lines[0] == "Jeg finner ikke dette i dokumentene."
    assert lines[1] == "Mente du / did you mean: Hvem har ansvaret (biblioteket på Heggedal)?"
    assert "Mente du" not in format_answer(
        Answer("q", "Svar [1].", False, "extractive", (), (), {})
    )


def test_an_answer_in_a_conversation_says_how_the_question_was_read() -> None:
    from assistant.__main__ import format_answer
    from assistant.types import Answer

    answer = Answer(
        question="og i 2023?",
        answer="Sykefraværet var 9,0 % i 2023 [1].",
        refused=False,
        answerer="indicator",
        citations=(),
        retrieved=(),
        timings_ms={},
        standalone_question="Hvor høyt var sykefraværet i 2023?",
    )
    lines = format_answer(answer).splitlines()
    assert lines[0] == "Lest som / read as: Hvor høyt var sykefraværet i 2023?"
    assert lines[2] == "Sykefraværet var 9,0 % i 2023 [1]."
    same = Answer("q?", "Svar [1].", False, "extractive", (), (), {}, standalone_question="q?")
    assert "Lest som" not in format_answer(same)

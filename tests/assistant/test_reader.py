"""The reader's features: one named column each."""

from __future__ import annotations

from assistant.reader import FEATURE_NAMES, QuestionAnalysis, Reader, features
from assistant.service import AssistantService
from tests.assistant.conftest import FAKE_THRESHOLD, BuiltIndex, CoverageModel


def test_every_feature_column_has_its_name(built_index: BuiltIndex) -> None:
    reader = Reader.from_model(CoverageModel(), FAKE_THRESHOLD)
    service = AssistantService(built_index.settings, index=built_index.index, reader=reader)
    question = "Hvor mange årsverk hadde Asker kommune?"
    candidates = service.generator.run(question)
    corpus = service.generator.corpus_terms()
    X = features(QuestionAnalysis.of(question, corpus), candidates, corpus)
    assert len(candidates.items) > 0
    assert X.shape == (len(candidates.items), len(FEATURE_NAMES))


def test_a_rows_own_terms_are_its_label_and_column_names() -> None:
    """A budget row's text is its label and bare numbers; the words that say what each number
    is ("Regnskap", "Avvik") stand in the column header, which its reading repeats."""
    from types import SimpleNamespace

    from assistant.candidates import build_corpus_terms
    from vectorstore.language import content_lemmas
    from vectorstore.passages import CandidateSpan
    from vectorstore.types import Chunk

    row_text = "22-Barnehage 1 105 531 1 090 011 -15 520"
    reading = (
        "22-Barnehage – Regnskap 2024: 1 105 531; Rev. bud. 2024: 1 090 011; Avvik i kr: -15 520"
    )
    sentence = "Årsresultatet viser et merforbruk i barnehagene."
    chunk = Chunk(
        id="c1", doc_id="d", title="D", kind="årsrapport", year=2024, page=76,
        section="Oppvekst > Økonomi", text=f"{row_text}\n\n{sentence}", start=0, end=0,
    )  # fmt: skip
    spans = [
        CandidateSpan(0, len(row_text), row_text, "row", "Oppvekst > Økonomi", reading),
        CandidateSpan(len(row_text) + 2, len(chunk.text), sentence, "sentence", "Oppvekst"),
    ]
    index = SimpleNamespace(
        candidates=SimpleNamespace(spans=spans),
        chunks=[chunk],
        manifest=SimpleNamespace(generation="g1"),
    )
    corpus = build_corpus_terms(index)  # type: ignore[arg-type]
    row, text = corpus.candidate_terms
    header_words = set(content_lemmas("Regnskap Avvik"))
    assert len(header_words) == 2
    assert header_words <= row.lemmas
    assert "barnehage" in row.lemmas | row.parts
    assert not header_words & text.lemmas
    assert "årsresultat" in text.lemmas | text.parts

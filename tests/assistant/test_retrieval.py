"""Selection over a real (small) index: the passages that answer, or none."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.crosslingual import SentenceScorer
from assistant.retrieval import Retriever, _split_denominators
from assistant.text import content_terms
from tests.assistant.conftest import BuiltIndex
from tests.conftest import ConceptEmbedder
from vectorstore.types import Chunk, SearchFilters, SearchHit


@pytest.fixture
def retriever(built_index: BuiltIndex) -> Retriever:
    s = built_index.settings
    return Retriever(
        built_index.index,
        k=s.retrieve_k,
        max_passages=s.max_cited_passages,
        min_coverage=s.min_coverage,
        min_sentence_similarity=s.min_sentence_similarity_crosslingual,
        min_sentence_margin=s.min_sentence_margin_crosslingual,
    )


def _chunk_with(built_index: BuiltIndex, needle: str) -> Chunk:
    return next(c for c in built_index.index.chunks if needle in c.text)


def test_answerable_question_selects_the_answering_passage(
    retriever: Retriever, built_index: BuiltIndex
) -> None:
    selection = retriever.retrieve("Hvor mange årsverk hadde Asker kommune?")
    assert selection.supported
    assert selection.support >= 0.9
    first = selection.passages[0]
    assert first.chunk.doc_id == "arsrapport-2024"
    assert first.best_sentence is not None
    assert first.best_sentence.text == "Asker kommune hadde 5 400 årsverk ved utgangen av 2024."
    # The span of the best sentence points into the passage.
    s = first.best_sentence
    assert first.chunk.text[s.start : s.end].strip() == s.text
    assert all(p.coverage >= retriever.min_coverage for p in selection.passages)


def test_named_person_question_selects_the_library_passage(retriever: Retriever) -> None:
    selection = retriever.retrieve("Hvem åpnet biblioteket på Heggedal?")
    assert selection.supported
    assert selection.passages[0].chunk.doc_id == "kulturplan-2023"
    assert "Kari Nordmann" in selection.passages[0].chunk.text


def test_absent_topic_is_not_supported(retriever: Retriever) -> None:
    selection = retriever.retrieve("Hva er eiendomsskatten for hytter?")
    assert not selection.supported
    assert selection.passages == ()
    assert selection.support < retriever.min_coverage
    assert selection.retrieved, "the closest passages are still reported"


def test_absent_year_is_not_supported(retriever: Retriever) -> None:
    assert retriever.retrieve("Hvor mange årsverk hadde kommunen?").supported
    selection = retriever.retrieve("Hvor mange årsverk hadde kommunen i 2019?")
    assert not selection.supported
    assert selection.passages == ()


def test_absent_name_is_not_supported(retriever: Retriever) -> None:
    assert retriever.retrieve("Hva gjorde Kari Nordmann på biblioteket?").supported
    assert not retriever.retrieve("Hva gjorde Per Hansen på biblioteket?").supported


def test_filters_restrict_to_a_document(retriever: Retriever) -> None:
    only_culture = SearchFilters(doc_ids=("kulturplan-2023",))
    selection = retriever.retrieve("Hvor mange årsverk hadde Asker kommune?", only_culture)
    assert not selection.supported
    assert all(h.chunk.doc_id == "kulturplan-2023" for h in selection.retrieved)
    by_kind = retriever.retrieve(
        "Hvor mange årsverk hadde Asker kommune?", SearchFilters(kinds=("årsrapport",))
    )
    assert by_kind.supported
    assert all(h.chunk.kind == "årsrapport" for h in by_kind.retrieved)


def test_duplicate_passages_are_selected_once(
    retriever: Retriever, built_index: BuiltIndex
) -> None:
    chunk = _chunk_with(built_index, "5 400 årsverk")
    twin = replace(chunk, id=chunk.id + "-twin", doc_id="kopi")
    hits = [SearchHit(chunk, 0.03), SearchHit(twin, 0.02)]
    selection = retriever.select("Hvor mange årsverk hadde Asker kommune?", hits)
    assert [p.chunk.id for p in selection.passages] == [chunk.id]


def test_max_passages_is_respected(built_index: BuiltIndex) -> None:
    narrow = Retriever(built_index.index, max_passages=1, min_coverage=0.0)
    hits = [SearchHit(c, 0.01) for c in built_index.index.chunks]
    assert len(narrow.select("biblioteket", hits).passages) == 1


#: Words of one concept share a dimension of the fake multilingual embedder, in both languages.
CONCEPTS = {
    "staff": ("årsverk", "employees", "positions"),
    "library": ("bibliotek", "library"),
    "open": ("åpnet", "open"),
}


def test_crosslingual_selection_uses_sentence_evidence_and_years(built_index: BuiltIndex) -> None:
    retriever = Retriever(
        built_index.index,
        scorer=SentenceScorer(ConceptEmbedder(CONCEPTS)),
        min_sentence_similarity=0.7,
        min_sentence_margin=0.05,
    )
    staff = _chunk_with(built_index, "5 400 årsverk")
    library = _chunk_with(built_index, "Kari Nordmann")
    table = next(c for c in built_index.index.chunks if c.chunk_type == "table")
    # The library passage is the dense search's best hit; its sentences say nothing of staff.
    hits = [
        SearchHit(library, 0.03, dense_score=0.91),
        SearchHit(staff, 0.02, dense_score=0.88),
        SearchHit(table, 0.01, dense_score=0.87),
    ]
    selection = retriever.select_crosslingual("How many employees did the municipality have?", hits)
    assert selection.supported
    first = selection.passages[0]
    assert first.chunk.id == staff.id
    assert first.best_sentence is not None
    assert first.best_sentence.text == "Asker kommune hadde 5 400 årsverk ved utgangen av 2024."
    assert library.id not in [p.chunk.id for p in selection.passages]
    # The evidence handed to the answerer points into the kept passages.
    assert selection.evidence[0].passage == 0
    assert "5 400 årsverk" in selection.evidence[0].text
    assert selection.support == pytest.approx(selection.evidence[0].similarity)
    # A year the question names must occur: only the table has 2021, and it says nothing of staff.
    dated = retriever.select_crosslingual("How many employees were there in 2021?", hits)
    assert not dated.supported
    assert staff.id not in [p.chunk.id for p in dated.passages]
    # The library passage answers "when" with its date.
    when = retriever.select_crosslingual("When did the library open?", hits)
    assert when.supported
    assert when.passages[0].chunk.id == library.id
    # Nothing similar enough: refused.
    assert not retriever.select_crosslingual("Who opened the library?", hits[2:]).supported


def test_weights_follow_the_index(retriever: Retriever, built_index: BuiltIndex) -> None:
    weights = retriever.weights()
    assert weights.n == len(built_index.index.chunks)
    (staff_term,) = content_terms("årsverk")
    (library_term,) = content_terms("biblioteket")
    assert weights.known(staff_term) and weights.known(library_term)
    assert not weights.known("eiendomsskatt")
    # A term that occurs nowhere weighs more than one that occurs in the index.
    assert weights.idf("eiendomsskatt") > weights.idf(library_term)


KOSTRA_TABLE = """KOSTRA-tall

Asker
2023
Asker
2024
Bærum Drammen Lillestrøm Kostragruppe
12
Prioritet
Herav utgifter til renholdsaktiviteter i
kommunal eiendomsforvaltning per
kvadratmeter (B) *)
174 173 153 162 207 184
Årsgebyr for avfallstjenesten - ekskl.
mva. (kr) *)
4 234 4 286 3 471 3 720 3 821 3 644
Avløp - Andel fornyet spillvannsnett,
gjennomsnitt for siste tre år
0,5 % 1,2 % 1,8 % 1,1 % 2,1 %"""


def test_a_table_covers_a_question_as_far_as_one_row_does(retriever: Retriever) -> None:
    """Words scattered over a big table's rows ("gjennomsnitt" in one, "kvadratmeter" in
    another) do not make it answer a question; one row with the table's header does."""
    table = Chunk(
        id="arsrapport-2024:89:1:kostra", doc_id="arsrapport-2024", title="Årsrapport",
        kind="årsrapport", year=2024, page=89, section="Samfunnstjenester", text=KOSTRA_TABLE,
        start=0, end=len(KOSTRA_TABLE), chunk_type="table",
    )  # fmt: skip
    as_text = replace(table, id="arsrapport-2024:89:1:text", chunk_type="text")
    q = "Hva er gjennomsnittlig renovasjonsgebyr per kvadratmeter?"
    assert retriever.select(q, [SearchHit(as_text, 0.03)]).support > (
        retriever.select(q, [SearchHit(table, 0.03)]).support
    )
    fee = retriever.select(
        "Hva var årsgebyret for avfallstjenesten i 2024?", [SearchHit(table, 0.03)]
    )
    assert fee.supported
    best = fee.passages[0].best_sentence
    assert best is not None and best.text == (
        "Årsgebyr for avfallstjenesten - ekskl.\nmva. (kr) *)\n4 234 4 286 3 471 3 720 3 821 3 644"
    )


def test_a_table_row_is_not_about_what_it_divides_by(retriever: Retriever) -> None:
    """ "Døpte i prosent av antall fødte" is about baptisms: a question about births finds the
    row "Fødte ..." first."""
    assert _split_denominators("Døpte i prosent av antall fødte (B) 49,6 % 45,7 %") == (
        "Døpte i prosent av antall  (B) 49,6 % 45,7 %",
        "fødte",
    )
    assert _split_denominators("Årsverk av leger pr. 10 000 innbyggere")[1] == "innbyggere"
    assert _split_denominators("Vedlikehold per m2 i formålsbygg")[1] == "m2"

    def table(text: str, name: str) -> Chunk:
        return Chunk(
            id=f"arsrapport-2024:1:{name}", doc_id="arsrapport-2024", title="Årsrapport",
            kind="årsrapport", year=2024, page=1, section="", text=text, start=0,
            end=len(text), chunk_type="table",
        )  # fmt: skip

    baptisms = table(
        "Asker 2023 Asker 2024 Bærum\nDøpte i prosent av antall fødte (B) 49,6 % 45,7 % 42,3 %",
        "kostra",
    )
    births = table("Befolkningsutvikling 2021 2022 2023 2024\nFødte 875 831 832 887", "births")
    selection = retriever.select(
        "Hvor mange ble født i 2024?", [SearchHit(baptisms, 0.03), SearchHit(births, 0.02)]
    )
    assert selection.passages[0].chunk.id == births.id

"""BM25 over Norwegian-stemmed tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from vectorstore.lexical import LexicalIndex, norwegian_stopwords, tokenize

DOCS = {
    "sykefravaer": "Sykefraværet blant ansatte i kommunen var 6,5 prosent i 2024.",
    "barnehage": "Alle barn har fått tilbud om plass i barnehagene i Asker.",
    "klima": "Klimagassutslippene skal reduseres med 67 prosent innen 2030.",
    "okonomi": "Driftsresultatet for 2023 ble bedre enn budsjettert, og gjelda gikk ned.",
    "ansatte": "Kommunen rekrutterte flere ansatte til helse og omsorg.",
}


@pytest.fixture
def index() -> LexicalIndex:
    return LexicalIndex.build(list(DOCS), list(DOCS.values()))


def ids(hits: list[tuple[str, float]]) -> list[str]:
    return [cid for cid, _ in hits]


def test_tokenize_stems_lowercases_and_drops_stop_words() -> None:
    assert tokenize("Sykefraværet") == tokenize("sykefravær") == ["sykefravær"]
    assert tokenize("barnehagene") == tokenize("barnehage")
    assert tokenize("klimagassutslippene") == tokenize("Klimagassutslipp")
    assert tokenize("og i på det som er") == []
    assert {"og", "i", "på", "det"} <= norwegian_stopwords()


def test_tokenize_keeps_numbers_and_norwegian_letters() -> None:
    assert tokenize("6,5 prosent i 2024") == ["6", "5", "prosent", "2024"]
    assert tokenize("Bærum Ørland Åsgårdstrand") == ["bærum", "ørland", "åsgårdstrand"]


def test_inflected_query_matches_base_form() -> None:
    index = LexicalIndex.build(["a", "b"], ["Tiltak mot sykefravær i skolen.", "Noe helt annet."])
    assert ids(index.search("sykefraværet", 5)) == ["a"]
    index = LexicalIndex.build(["a", "b"], ["Sykefraværet gikk ned.", "Noe helt annet."])
    assert ids(index.search("sykefravær", 5)) == ["a"]


def test_search_ranks_the_matching_document_first(index: LexicalIndex) -> None:
    assert ids(index.search("sykefraværet blant ansatte", 5))[0] == "sykefravaer"
    assert ids(index.search("barnehageplass barnehager", 5))[0] == "barnehage"
    hits = index.search("klimagassutslipp", 5)
    assert ids(hits) == ["klima"]
    assert hits[0][1] > 0


def test_stop_words_do_not_match(index: LexicalIndex) -> None:
    assert index.search("og i på det som er", 5) == []
    # Stop words in a query change nothing.
    assert index.search("hva er sykefraværet i kommunen", 5) == index.search(
        "sykefraværet kommunen", 5
    )


def test_numbers_are_searchable(index: LexicalIndex) -> None:
    assert ids(index.search("2024", 5)) == ["sykefravaer"]
    assert ids(index.search("2030", 5)) == ["klima"]
    assert set(ids(index.search("2023 2024", 5))) == {"okonomi", "sykefravaer"}
    assert ids(index.search("67", 5)) == ["klima"]


def test_unknown_words_find_nothing(index: LexicalIndex) -> None:
    assert index.search("xyzzy", 5) == []
    assert index.search("", 5) == []


def test_only_positive_scores_and_k(index: LexicalIndex) -> None:
    hits = index.search("prosent kommunen ansatte", 2)
    assert len(hits) == 2
    assert all(score > 0 for _, score in hits)
    assert hits[0][1] >= hits[1][1]
    everything = index.search("prosent kommunen ansatte", 50)
    assert len(everything) < len(DOCS)  # documents without any query word are left out


def test_allowed_restricts_rows(index: LexicalIndex) -> None:
    allowed = [cid != "sykefravaer" for cid in index.ids]
    hits = index.search("sykefraværet blant ansatte", 5, allowed)
    assert "sykefravaer" not in ids(hits)
    assert ids(hits) == ["ansatte"]
    assert index.search("sykefraværet", 5, [False] * len(DOCS)) == []


def test_save_and_load_round_trip(index: LexicalIndex, tmp_path: Path) -> None:
    directory = tmp_path / "bm25"
    index.save(directory)
    assert (directory / "ids.json").exists()
    loaded = LexicalIndex.load(directory)
    assert loaded.ids == index.ids
    for query in ("sykefraværet", "2030 klima", "barnehagene i Asker", "helse og omsorg"):
        assert loaded.search(query, 5) == index.search(query, 5)


def test_text_without_tokens_still_gets_a_row(tmp_path: Path) -> None:
    index = LexicalIndex.build(["tom", "full"], ["og i på", "Ærfugl ved Blåøya"])
    assert index.ids == ["tom", "full"]
    assert ids(index.search("ærfugl", 5)) == ["full"]
    index.save(tmp_path / "bm25")
    assert ids(LexicalIndex.load(tmp_path / "bm25").search("blåøya", 5)) == ["full"]


def test_empty_index_round_trip(tmp_path: Path) -> None:
    index = LexicalIndex.build([], [])
    assert index.search("klima", 5) == []
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    assert loaded.ids == []
    assert loaded.search("klima", 5) == []

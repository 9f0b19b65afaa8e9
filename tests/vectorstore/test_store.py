"""The index contract: search modes, filters, fusion, neighbours and refresh.

Run against embedded Chroma always, and against a Chroma server when ``ASKER_TEST_CHROMA_URL``
is set (``chroma run --host 127.0.0.1 --port 8765 --path /tmp/chroma-srv``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import run_ingest
from tests.conftest import HashEmbedder, copy_small_corpus, make_settings
from vectorstore.settings import Settings
from vectorstore.store import (
    Index,
    IndexMissingError,
    chroma_client,
    collection_name,
    reciprocal_rank_fusion,
)
from vectorstore.types import Chunk, SearchFilters

MODES = ("dense", "lexical", "hybrid")
PDF_DOC = "budsjett-notat-2023"


@pytest.fixture(
    scope="module",
    params=["embedded", pytest.param("http", marks=pytest.mark.chroma_http)],
)
def chroma_mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def built(
    chroma_mode: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, HashEmbedder]]:
    """One index over the small corpus per Chroma mode, shared by the read-only tests."""
    root = tmp_path_factory.mktemp(f"store-{chroma_mode}")
    copy_small_corpus(root / "corpus")
    settings = make_settings(root, chroma_mode=chroma_mode)
    embedder = HashEmbedder()
    run_ingest(settings, embedder)
    yield settings, embedder
    _drop_collections(settings)


def _drop_collections(settings: Settings) -> None:
    client = chroma_client(settings)
    for col in client.list_collections():
        name = col if isinstance(col, str) else col.name
        if name.startswith(settings.collection_prefix + "-"):
            client.delete_collection(name)


@pytest.fixture(scope="module")
def index(built: tuple[Settings, HashEmbedder]) -> Index:
    settings, embedder = built
    return Index(settings, embedder)


def only(chunks: list[Chunk], phrase: str) -> Chunk:
    matching = [c for c in chunks if phrase in c.text]
    assert len(matching) == 1, phrase
    return matching[0]


# --------------------------------------------------------------------------------------------
# Search


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ("ærfuglen ved Blåøya på Søndre Håøya", "Blåøya"),
        ("Klimasmart mat og grønn mobilitet", "Klimasmart mat"),
        ("livshendelser, pårørende og byggesøknader", "livshendelser"),
    ],
    ids=["pdf-page-1", "klima-page", "kommuneplan-page"],
)
def test_distinctive_query_finds_its_chunk(
    index: Index, mode: str, query: str, phrase: str
) -> None:
    target = only(index.chunks, phrase)
    hits = index.search(query, 5, mode=mode)  # type: ignore[arg-type]
    assert hits, mode
    assert hits[0].chunk.id == target.id
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({h.chunk.id for h in hits}) == len(hits)


def test_hits_carry_the_scores_of_their_mode(index: Index) -> None:
    query = "ærfuglen ved Blåøya"
    dense = index.search(query, 3, mode="dense")
    assert dense[0].dense_score is not None and dense[0].lexical_score is None
    assert dense[0].ranks == {"dense": 1}
    assert 0.0 < dense[0].dense_score <= 1.0 + 1e-6
    lexical = index.search(query, 3, mode="lexical")
    assert lexical[0].lexical_score is not None and lexical[0].dense_score is None
    assert lexical[0].ranks == {"lexical": 1}
    hybrid = index.search(query, 3, mode="hybrid")
    top = hybrid[0]
    assert top.ranks == {"dense": 1, "lexical": 1}
    assert top.dense_score is not None and top.lexical_score is not None
    assert top.score == pytest.approx(2 / (60 + 1))


def test_hybrid_is_the_fusion_of_dense_and_lexical(index: Index) -> None:
    query = "klimaendringene i Asker"
    depth = 30
    dense = [cid for cid, _ in index.dense_search(query, depth)]
    lexical = [cid for cid, _ in index.lexical_search(query, depth)]
    expected = reciprocal_rank_fusion({"dense": dense, "lexical": lexical}, k=60)[:5]
    hits = index.search(query, 5, mode="hybrid")
    assert [(h.chunk.id, h.ranks) for h in hits] == [(cid, ranks) for cid, _, ranks in expected]
    assert [h.score for h in hits] == pytest.approx([score for _, score, _ in expected])


def test_dense_scores_are_cosine_similarities(built: tuple[Settings, HashEmbedder]) -> None:
    settings, embedder = built
    index = Index(settings, embedder)
    chunk = only(index.chunks, "Blåøya")
    passage = f"{chunk.section}\n{chunk.text}" if chunk.section else chunk.text
    query = "ærfuglen ved Blåøya"
    hit = next(h for h in index.search(query, 10, mode="dense") if h.chunk.id == chunk.id)
    expected = float(embedder._vector(query) @ embedder._vector(passage))
    assert hit.dense_score == pytest.approx(expected, abs=1e-4)


def test_dense_search_is_exact_and_matches_chroma(built: tuple[Settings, HashEmbedder]) -> None:
    """Exact in-memory search ranks every chunk by cosine; Chroma's HNSW (used above
    ``exact_search_max_chunks``) agrees on this small index, filters included."""
    settings, embedder = built
    exact = Index(settings, embedder)
    approximate = Index(settings.model_copy(update={"exact_search_max_chunks": 0}), embedder)
    assert exact._matrix is not None and approximate._matrix is None
    query = "klima og utslipp i kommunen"
    q = embedder._vector(query)
    brute = sorted(
        exact.chunks,
        key=lambda c: (
            -float(q @ embedder._vector(f"{c.section}\n{c.text}" if c.section else c.text))
        ),
    )
    ranked = exact.dense_search(query, len(brute))
    assert [cid for cid, _ in ranked] == [c.id for c in brute]
    assert [cid for cid, _ in ranked[:5]] == [cid for cid, _ in approximate.dense_search(query, 5)]
    only_pdf = SearchFilters(doc_ids=(PDF_DOC,))
    filtered = exact.dense_search(query, 50, only_pdf)
    assert filtered and all(cid.startswith(PDF_DOC + ":") for cid, _ in filtered)
    assert [c for c, _ in filtered] == [c for c, _ in approximate.dense_search(query, 50, only_pdf)]


def test_k_limits_the_hits(index: Index) -> None:
    for mode in MODES:
        assert len(index.search("Asker kommune klima", 2, mode=mode)) == 2  # type: ignore[arg-type]


def test_lexical_search_without_known_words_finds_nothing(index: Index) -> None:
    assert index.search("xyzzy qwerty", 5, mode="lexical") == []
    assert index.search("og i på", 5, mode="lexical") == []  # stop words only


def test_default_mode_comes_from_settings(built: tuple[Settings, HashEmbedder]) -> None:
    settings, embedder = built
    lexical = Index(settings.model_copy(update={"search_mode": "lexical"}), embedder)
    hits = lexical.search("ærfuglen ved Blåøya", 3)
    assert hits and set(hits[0].ranks) == {"lexical"}


# --------------------------------------------------------------------------------------------
# Filters


FILTERS: list[tuple[str, dict[str, Any]]] = [
    ("doc_id", {"doc_ids": ("kommuneplan-enkelt",)}),
    ("doc_ids", {"doc_ids": ("kommuneplan-enkelt", PDF_DOC)}),
    ("kind", {"kinds": ("temaplan",)}),
    ("year", {"years": (2023,)}),
    ("kind+year", {"kinds": ("kommuneplan", "temaplan"), "years": (2021,)}),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("label", "spec"), FILTERS, ids=[f[0] for f in FILTERS])
def test_filters_are_honoured(index: Index, mode: str, label: str, spec: dict[str, Any]) -> None:
    filters = SearchFilters(**spec)
    # Words found in every document, so an unfiltered search returns several documents.
    query = "Asker kommune klima 2030 ærfugl handling mål"
    unfiltered = index.search(query, 30, mode=mode)  # type: ignore[arg-type]
    assert any(not filters.matches(h.chunk) for h in unfiltered)

    hits = index.search(query, 30, filters=filters, mode=mode)  # type: ignore[arg-type]

    assert hits, label
    assert all(filters.matches(h.chunk) for h in hits), label
    allowed = [c for c in index.chunks if filters.matches(c)]
    if mode != "lexical":  # dense ranks every allowed chunk
        assert {h.chunk.id for h in hits} == {c.id for c in allowed}


@pytest.mark.parametrize("mode", MODES)
def test_filters_that_match_nothing(index: Index, mode: str) -> None:
    filters = SearchFilters(doc_ids=("temaplan-klima",), years=(1999,))
    assert index.search("klima", 5, filters=filters, mode=mode) == []  # type: ignore[arg-type]


def test_filters_from_a_mapping(index: Index) -> None:
    filters = SearchFilters.from_mapping({"document": PDF_DOC, "year": "2023"})
    assert filters == SearchFilters(doc_ids=(PDF_DOC,), years=(2023,))
    hits = index.search("ørret", 5, filters=filters, mode="hybrid")
    assert hits and {h.chunk.doc_id for h in hits} == {PDF_DOC}


# --------------------------------------------------------------------------------------------
# Fusion


def test_reciprocal_rank_fusion_by_hand() -> None:
    fused = reciprocal_rank_fusion({"dense": ["a", "b", "c"], "lexical": ["c", "a", "d"]}, k=60)
    assert [cid for cid, _, _ in fused] == ["a", "c", "b", "d"]
    scores = {cid: score for cid, score, _ in fused}
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)  # 0.032522
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)  # 0.032266
    assert scores["b"] == pytest.approx(1 / 62)
    assert scores["d"] == pytest.approx(1 / 63)
    ranks = {cid: r for cid, _, r in fused}
    assert ranks["a"] == {"dense": 1, "lexical": 2}
    assert ranks["d"] == {"lexical": 3}


def test_reciprocal_rank_fusion_k_and_ties() -> None:
    fused = reciprocal_rank_fusion({"x": ["b"], "y": ["a"]}, k=1)
    assert fused == [("a", 0.5, {"y": 1}), ("b", 0.5, {"x": 1})]  # ties: by id
    # A smaller k rewards the top ranks more: one first place (1/2) beats two fourth places
    # (2/5) at k=1; at k=60 the two fourth places (2/64) beat one first place (1/61).
    rankings = {"x": ["a", "c", "e", "b"], "y": ["d", "f", "g", "b"]}
    small_k = reciprocal_rank_fusion(rankings, k=1)
    assert [cid for cid, _, _ in small_k[:3]] == ["a", "d", "b"]
    assert small_k[2][1] == pytest.approx(2 / 5)
    large_k = reciprocal_rank_fusion(rankings, k=60)
    assert large_k[0][0] == "b"
    assert large_k[0][1] == pytest.approx(2 / 64)
    assert reciprocal_rank_fusion({}) == []


# --------------------------------------------------------------------------------------------
# Look-up


def test_neighbours(index: Index) -> None:
    chunks = index.chunks
    doc = [c for c in chunks if c.doc_id == "kommuneplan-enkelt"]
    assert len(doc) >= 3
    before, after = index.neighbours(doc[1].id)
    assert before == doc[0] and after == doc[2]
    assert index.neighbours(doc[0].id)[0] is None  # the previous chunk is another document's
    assert index.neighbours(doc[-1].id)[1] is None
    assert index.neighbours("finnes:ikke:0:abc") == (None, None)
    for chunk in chunks:
        prev, nxt = index.neighbours(chunk.id)
        assert prev is None or (prev.doc_id == chunk.doc_id and prev.end <= chunk.start)
        assert nxt is None or (nxt.doc_id == chunk.doc_id and chunk.end <= nxt.start)


def test_get_and_documents(index: Index) -> None:
    chunk = index.chunks[0]
    assert index.get(chunk.id) == chunk
    assert index.get("nope") is None
    docs = index.documents()
    assert [d.title for d in docs] == sorted(d.title for d in docs)
    assert {d.doc_id for d in docs} == {PDF_DOC, "kommuneplan-enkelt", "temaplan-klima"}
    assert sum(d.chunks for d in docs) == len(index.chunks)


def test_missing_index(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with pytest.raises(IndexMissingError, match="python -m ingest"):
        Index(settings, HashEmbedder())


# --------------------------------------------------------------------------------------------
# Generations


def test_refresh_picks_up_a_new_generation(chroma_mode: str, tmp_path: Path) -> None:
    copy_small_corpus(tmp_path / "corpus")
    settings = make_settings(tmp_path, chroma_mode=chroma_mode)
    embedder = HashEmbedder()
    try:
        first = run_ingest(settings, embedder)
        index = Index(settings, embedder)
        assert index.refresh() is False
        assert not index.search("vindmøllepark", 3, mode="lexical")

        klima = settings.corpus_dir / "temaplan-klima-nettside-2021.txt"
        klima.write_text(
            klima.read_text(encoding="utf-8")
            + "\n\nVindkraft\n\nKommunen utreder en vindmøllepark ved Vardåsen i 2026.\n",
            encoding="utf-8",
        )
        second = run_ingest(settings, embedder)
        assert second.generation != first.generation
        assert index.manifest.generation == first.generation  # not switched by itself

        assert index.refresh() is True
        assert index.manifest.generation == second.generation
        for mode in MODES:
            hits = index.search("vindmøllepark ved Vardåsen", 3, mode=mode)  # type: ignore[arg-type]
            assert hits and "vindmøllepark" in hits[0].chunk.text, mode
        assert index.refresh() is False
        # Only the new generation's collection is left.
        listed = chroma_client(settings).list_collections()
        names = [c if isinstance(c, str) else c.name for c in listed]
        mine = [n for n in names if n.startswith(settings.collection_prefix + "-")]
        assert mine == [collection_name(settings, second.generation)]
    finally:
        _drop_collections(settings)


def test_two_indexes_with_different_prefixes_do_not_interfere(
    chroma_mode: str, tmp_path: Path
) -> None:
    """Two deployments sharing a Chroma server (the http variant): publishing one never drops
    the other's collections."""
    copy_small_corpus(tmp_path / "corpus")
    a = make_settings(tmp_path, chroma_mode=chroma_mode, data_dir=tmp_path / "a")
    b = make_settings(tmp_path, chroma_mode=chroma_mode, data_dir=tmp_path / "b")
    embedder = HashEmbedder()
    try:
        run_ingest(a, embedder)
        run_ingest(b, embedder)
        run_ingest(a, embedder, rebuild=True)
        assert Index(b, embedder).search("ærfuglen ved Blåøya", 1, mode="dense")
        assert Index(a, embedder).search("ærfuglen ved Blåøya", 1, mode="dense")
    finally:
        _drop_collections(a)
        _drop_collections(b)


def test_a_stale_reader_switches_when_its_collection_is_gone(
    chroma_mode: str, tmp_path: Path
) -> None:
    """A build published while a reader holds the old generation drops the old collection; the
    reader's next search switches to the new generation instead of failing."""
    copy_small_corpus(tmp_path / "corpus")
    settings = make_settings(tmp_path, chroma_mode=chroma_mode)
    embedder = HashEmbedder()
    try:
        run_ingest(settings, embedder)
        stale = Index(settings, embedder)
        klima = settings.corpus_dir / "temaplan-klima-nettside-2021.txt"
        klima.write_text("Vindkraft\n\nEn vindmøllepark ved Vardåsen utredes.\n", encoding="utf-8")
        second = run_ingest(settings, embedder)

        hits = stale.search("vindmøllepark ved Vardåsen", 3, mode="hybrid")

        assert stale.manifest.generation == second.generation
        assert hits and "Vardåsen" in hits[0].chunk.text
    finally:
        _drop_collections(settings)

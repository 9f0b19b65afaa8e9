"""The incremental ingestion pipeline, with the hash embedder and embedded Chroma."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from ingest import pipeline
from ingest.pipeline import (
    derived_info,
    ensure_index,
    index_is_current,
    passage_for_embedding,
    run_ingest,
    slugify,
)
from tests.conftest import SMALL_CORPUS_PDF, HashEmbedder, SettingsFactory
from vectorstore.embedding_cache import EmbeddingCache
from vectorstore.indicators import IndicatorStore
from vectorstore.settings import Settings
from vectorstore.store import (
    GenerationWriter,
    Index,
    ModelMismatchError,
    chroma_client,
    read_manifest,
)

KOMMUNEPLAN = "kommuneplan-i-all-enkelhet-nettside.txt"
KLIMA = "temaplan-klima-nettside-2021.txt"
ALL_FILES = (SMALL_CORPUS_PDF, KOMMUNEPLAN, KLIMA)

#: New sections appended to the klima page: each heading gives a chunk of its own.
NEW_SECTIONS = "\n\n".join(
    f"Nytt tiltak {n}\n\nKommunen etablerer {word} som et nytt klimatiltak i {n + 2025}. "
    f"Tiltaket {word} skal følges opp årlig, og resultatene for {word} rapporteres til "
    f"kommunestyret sammen med klimaregnskapet. " * 2
    for n, word in enumerate(
        ["bildelingsordning", "solcellepanel", "sykkelparkering", "matsvinnkampanje"], start=1
    )
)


@pytest.fixture
def settings(settings_factory: SettingsFactory, small_corpus: Path) -> Settings:
    return settings_factory(corpus_dir=small_corpus)


def open_index(settings: Settings, embedder: HashEmbedder) -> Index:
    return Index(settings, embedder)


def chunk_ids(settings: Settings, embedder: HashEmbedder) -> list[str]:
    return [c.id for c in open_index(settings, embedder).chunks]


def collections(settings: Settings) -> list[str]:
    listed = chroma_client(settings).list_collections()
    names = [c if isinstance(c, str) else c.name for c in listed]
    return sorted(n for n in names if n.startswith(settings.collection_prefix + "-"))


def generations(settings: Settings) -> list[str]:
    return sorted(p.name for p in (settings.index_dir / "generations").iterdir())


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + text + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------


def test_cold_ingest_indexes_everything(settings: Settings, hash_embedder: HashEmbedder) -> None:
    report = run_ingest(settings, hash_embedder)

    assert report.changed is True
    assert report.exit_code == 0
    assert report.skipped == ()
    assert sorted(report.indexed) == sorted(ALL_FILES)
    assert report.documents == 3
    index = open_index(settings, hash_embedder)
    chunks = index.chunks
    assert report.chunks == len(chunks) > 5
    assert {c.doc_id for c in chunks} == {
        "budsjett-notat-2023", "kommuneplan-enkelt", "temaplan-klima",
    }  # fmt: skip
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids))
    passages = {passage_for_embedding(c) for c in chunks}
    candidates = {span.for_embedding() for span in index.candidates.spans}
    assert report.embedded == len(passages)
    assert report.candidates == len(index.candidates.spans) > report.chunks
    # Every passage and every sentence/row is embedded, each distinct text once.
    assert set(hash_embedder.embedded) == passages | candidates
    assert len(hash_embedder.embedded) == report.embedded + report.candidates_embedded
    # The manifest's metadata reaches the chunks.
    klima = [c for c in chunks if c.doc_id == "temaplan-klima"]
    assert {(c.kind, c.year, c.title) for c in klima} == {
        ("temaplan", 2021, "Temaplan for handling mot klimaendringene (nettside)")
    }
    # One generation, one collection, the manifest on disk.
    manifest = read_manifest(settings)
    assert manifest is not None
    assert manifest.generation == report.generation
    assert manifest.embedding_model == "test-hash-embedder"
    assert manifest.dimension == 64
    assert generations(settings) == [report.generation]
    assert collections(settings) == [f"{settings.collection_prefix}-{report.generation}"]
    assert "Indexed / indeksert" in report.summary()


def test_second_run_changes_nothing_and_embeds_nothing(
    settings: Settings, hash_embedder: HashEmbedder
) -> None:
    first = run_ingest(settings, hash_embedder)
    hash_embedder.reset()

    second = run_ingest(settings, hash_embedder)

    assert second.changed is False
    assert second.generation == first.generation
    assert hash_embedder.calls == 0 and hash_embedder.warm_ups == 0
    assert sorted(second.unchanged) == sorted(ALL_FILES)
    assert second.indexed == ()
    assert second.chunks == first.chunks
    assert second.exit_code == 0
    assert "Nothing changed" in second.summary()
    assert index_is_current(settings, hash_embedder.name)
    assert ensure_index(settings, hash_embedder) is None


def test_no_change_does_not_load_the_model(
    settings: Settings, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_ingest(settings, hash_embedder)

    def explode(*args: object) -> None:
        raise AssertionError("the model must not be used when nothing changed")

    monkeypatch.setattr(hash_embedder, "embed_passages", explode)
    monkeypatch.setattr(hash_embedder, "warm_up", explode)
    assert run_ingest(settings, hash_embedder).changed is False


def test_modified_file_is_the_only_one_rechunked(
    settings: Settings, hash_embedder: HashEmbedder
) -> None:
    first = run_ingest(settings, hash_embedder)
    old_index = open_index(settings, hash_embedder)
    before = old_index.chunks
    old_passages = {passage_for_embedding(c) for c in before}
    old_texts = old_passages | {span.for_embedding() for span in old_index.candidates.spans}
    hash_embedder.reset()

    append(settings.corpus_dir / KLIMA, NEW_SECTIONS)
    report = run_ingest(settings, hash_embedder)

    assert report.changed is True
    assert report.indexed == (KLIMA,)
    assert sorted(report.unchanged) == sorted([SMALL_CORPUS_PDF, KOMMUNEPLAN])
    new_index = open_index(settings, hash_embedder)
    after = new_index.chunks
    new_passages = {passage_for_embedding(c) for c in after}
    new_texts = new_passages | {span.for_embedding() for span in new_index.candidates.spans}
    # Only text that was not embedded before is embedded now.
    assert set(hash_embedder.embedded) == new_texts - old_texts
    assert len(hash_embedder.embedded) == report.embedded + report.candidates_embedded
    assert report.embedded >= 4
    assert report.reused_vectors == len(new_passages) - report.embedded
    assert all("klima" in c.doc_id for c in after if passage_for_embedding(c) not in old_passages)
    # Unchanged documents keep their chunks exactly.
    for doc_id in ("kommuneplan-enkelt", "budsjett-notat-2023"):
        assert [c for c in after if c.doc_id == doc_id] == [c for c in before if c.doc_id == doc_id]
    ids = [c.id for c in after]
    assert len(ids) == len(set(ids))
    assert any("bildelingsordning" in c.text for c in after)
    # The old generation is gone, the new one serves.
    assert report.generation != first.generation
    assert generations(settings) == [report.generation]
    assert collections(settings) == [f"{settings.collection_prefix}-{report.generation}"]


def test_deleted_file_loses_its_chunks(settings: Settings, hash_embedder: HashEmbedder) -> None:
    run_ingest(settings, hash_embedder)
    hash_embedder.reset()

    (settings.corpus_dir / KOMMUNEPLAN).unlink()
    report = run_ingest(settings, hash_embedder)

    assert report.changed is True
    assert report.removed == (KOMMUNEPLAN,)
    assert report.documents == 2
    assert hash_embedder.passage_calls == 0  # every remaining vector came from the cache
    index = open_index(settings, hash_embedder)
    assert "kommuneplan-enkelt" not in {c.doc_id for c in index.chunks}
    assert "kommuneplan-enkelt" not in {d.doc_id for d in index.documents()}
    assert not [h for h in index.search("Askersamfunnet", 10, mode="lexical")
                if h.chunk.doc_id == "kommuneplan-enkelt"]  # fmt: skip
    assert "Removed / fjernet" in report.summary()


def test_restored_file_is_indexed_from_the_cache(
    settings: Settings, hash_embedder: HashEmbedder
) -> None:
    run_ingest(settings, hash_embedder)
    ids = chunk_ids(settings, hash_embedder)
    saved = (settings.corpus_dir / KLIMA).read_bytes()
    (settings.corpus_dir / KLIMA).unlink()
    run_ingest(settings, hash_embedder)
    hash_embedder.reset()

    (settings.corpus_dir / KLIMA).write_bytes(saved)
    report = run_ingest(settings, hash_embedder)

    assert report.indexed == (KLIMA,)
    assert report.embedded == 0 and hash_embedder.passage_calls == 0
    assert sorted(chunk_ids(settings, hash_embedder)) == sorted(ids)


def test_files_with_the_same_slug_get_distinct_ids(
    settings: Settings, hash_embedder: HashEmbedder
) -> None:
    text = "Notat om parkering\n\n" + "Parkeringsplassene ved stasjonen skal utvides. " * 10
    (settings.corpus_dir / "notat-2022.txt").write_text(text, encoding="utf-8")
    (settings.corpus_dir / "notat-2022.md").write_text(text, encoding="utf-8")

    report = run_ingest(settings, hash_embedder)

    assert report.documents == 5
    chunks = open_index(settings, hash_embedder).chunks
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids))
    doc_ids = {c.doc_id for c in chunks if "notat-2022" in c.doc_id}
    assert len(doc_ids) == 2
    # Identical text in both files is embedded once.
    assert Counter(hash_embedder.embedded).most_common(1)[0][1] == 1


def test_bad_files_are_skipped_with_reasons(
    settings: Settings, hash_embedder: HashEmbedder
) -> None:
    corpus = settings.corpus_dir
    (corpus / "skadet-2024.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    (corpus / "latin1-notat.txt").write_bytes("Bærum og Asker samarbeider.".encode("latin-1"))
    (corpus / "tom.md").write_bytes(b"")
    (corpus / "bilde.png").write_bytes(b"\x89PNG\r\n\x1a\n")

    report = run_ingest(settings, hash_embedder)

    assert report.exit_code == 3
    reasons = {s.file: s.reason for s in report.skipped}
    assert set(reasons) == {"skadet-2024.pdf", "latin1-notat.txt", "tom.md", "bilde.png"}
    assert "corrupt or unreadable PDF" in reasons["skadet-2024.pdf"]
    assert "not valid UTF-8" in reasons["latin1-notat.txt"]
    assert "empty" in reasons["tom.md"]
    assert "unsupported file type" in reasons["bilde.png"]
    assert all(s.sha256 for s in report.skipped)
    assert sorted(report.indexed) == sorted(ALL_FILES)
    index = open_index(settings, hash_embedder)
    assert {c.doc_id for c in index.chunks} == {
        "budsjett-notat-2023", "kommuneplan-enkelt", "temaplan-klima",
    }  # fmt: skip
    summary = report.summary()
    assert "SKIPPED / HOPPET OVER latin1-notat.txt" in summary

    # Still skipped (and still reported) on a run that changes nothing.
    hash_embedder.reset()
    again = run_ingest(settings, hash_embedder)
    assert again.changed is False
    assert again.exit_code == 3
    assert {s.file for s in again.skipped} == set(reasons)
    assert hash_embedder.calls == 0

    # Fixing a file gets it indexed on the next run.
    (corpus / "latin1-notat.txt").write_text("Bærum og Asker samarbeider.", encoding="utf-8")
    fixed = run_ingest(settings, hash_embedder)
    assert fixed.changed is True
    assert fixed.indexed == ("latin1-notat.txt",)
    assert "latin1-notat.txt" not in {s.file for s in fixed.skipped}
    assert "latin1-notat" in {c.doc_id for c in open_index(settings, hash_embedder).chunks}


def test_unexpected_errors_skip_the_file_too(
    settings: Settings, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pipeline.chunk_document

    def flaky(doc, info, **kwargs):  # type: ignore[no-untyped-def]
        if info.doc_id == "temaplan-klima":
            raise ZeroDivisionError("boom")
        return real(doc, info, **kwargs)

    monkeypatch.setattr(pipeline, "chunk_document", flaky)
    report = run_ingest(settings, hash_embedder)
    assert report.exit_code == 3
    assert [s.file for s in report.skipped] == [KLIMA]
    assert "ZeroDivisionError: boom" in report.skipped[0].reason
    assert report.documents == 2


def test_file_missing_from_the_manifest_gets_derived_metadata(
    settings: Settings, hash_embedder: HashEmbedder
) -> None:
    run_ingest(settings, hash_embedder)
    index = open_index(settings, hash_embedder)
    record = index.manifest.documents["budsjett-notat-2023"]
    assert record.file == SMALL_CORPUS_PDF
    assert (record.kind, record.year, record.title) == ("budsjett", 2023, "Budsjett notat 2023")
    assert record.pages == 3
    assert "derived" in (record.origin or "")
    pdf_chunks = [c for c in index.chunks if c.doc_id == "budsjett-notat-2023"]
    assert pdf_chunks
    assert {(c.kind, c.year) for c in pdf_chunks} == {("budsjett", 2023)}
    assert all(c.page in (1, 2, 3) for c in pdf_chunks)
    assert all(c.page_exact for c in pdf_chunks)


@pytest.mark.parametrize(
    ("name", "kind", "year", "doc_id"),
    [
        ("arsrapport-2023.pdf", "årsrapport", 2023, "arsrapport-2023"),
        ("Årsrapport 2022.txt", "årsrapport", 2022, "arsrapport-2022"),
        ("temaplan-klima-2019-2021.md", "temaplan", 2021, "temaplan-klima-2019-2021"),
        ("Handlingsprogram_2025.html", "handlingsprogram", 2025, "handlingsprogram-2025"),
        ("møtereferat.txt", "dokument", None, "motereferat"),
        ("rapport-12345.txt", "dokument", None, "rapport-12345"),
    ],
)
def test_derived_info(name: str, kind: str, year: int | None, doc_id: str) -> None:
    info = derived_info(Path(name))
    assert (info.kind, info.year, info.doc_id, info.file) == (kind, year, doc_id, name)
    assert info.title[0].isupper()
    assert "_" not in info.title and "-" not in info.title


def test_slugify() -> None:
    assert slugify("Kommuneplan – i all enkelhet") == "kommuneplan-i-all-enkelhet"
    assert slugify("Æøå Økonomi") == "aeoa-okonomi"
    assert slugify("!!!") == "dokument"


def test_manifest_metadata_change_reindexes_that_document(
    settings: Settings, hash_embedder: HashEmbedder
) -> None:
    run_ingest(settings, hash_embedder)
    manifest_path = settings.corpus_dir / "manifest.json"
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in data["documents"]:
        if entry["file"] == KLIMA:
            entry["year"] = 2022
    manifest_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    report = run_ingest(settings, hash_embedder)

    assert report.changed is True
    assert report.indexed == (KLIMA,)
    klima = [c for c in open_index(settings, hash_embedder).chunks if c.doc_id == "temaplan-klima"]
    assert {c.year for c in klima} == {2022}


def test_changed_chunk_settings_rechunk_everything(
    settings_factory: SettingsFactory, small_corpus: Path, hash_embedder: HashEmbedder
) -> None:
    run_ingest(settings_factory(corpus_dir=small_corpus), hash_embedder)
    small = settings_factory(corpus_dir=small_corpus, chunk_min_chars=100, chunk_max_chars=300)
    assert not index_is_current(small, hash_embedder.name)

    report = run_ingest(small, hash_embedder)

    assert report.changed is True
    assert sorted(report.indexed) == sorted(ALL_FILES)
    chunks = open_index(small, hash_embedder).chunks
    assert max(len(c.text) for c in chunks) <= 300 * 1.5
    assert run_ingest(small, hash_embedder).changed is False


@pytest.mark.parametrize("version", ["TABLES_VERSION", "CONTRADICTIONS_VERSION"])
def test_new_table_extraction_reprocesses_unchanged_documents(
    settings: Settings,
    hash_embedder: HashEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    version: str,
) -> None:
    """Unchanged files keep their chunks and records only while table extraction (and what
    is found among them) is the same: a new ``TABLES_VERSION`` or ``CONTRADICTIONS_VERSION``
    gives every document new chunks and indicator records."""
    run_ingest(settings, hash_embedder)
    assert index_is_current(settings, hash_embedder.name)
    monkeypatch.setattr(pipeline, version, getattr(pipeline, version) + 1)
    assert not index_is_current(settings, hash_embedder.name)
    report = run_ingest(settings, hash_embedder)
    assert report.changed is True
    assert sorted(report.indexed) == sorted(ALL_FILES) and not report.unchanged
    assert report.embedded == 0  # same text, vectors from the cache
    assert run_ingest(settings, hash_embedder).changed is False


def test_rebuild_rewrites_everything(settings: Settings, hash_embedder: HashEmbedder) -> None:
    first = run_ingest(settings, hash_embedder)
    hash_embedder.reset()
    report = run_ingest(settings, hash_embedder, rebuild=True)
    assert report.changed is True
    assert report.generation != first.generation
    assert sorted(report.indexed) == sorted(ALL_FILES)
    assert report.embedded == 0  # vectors still come from the cache
    assert report.chunks == first.chunks


def test_progress_is_reported(settings: Settings, hash_embedder: HashEmbedder) -> None:
    events: list[tuple[str, float]] = []
    run_ingest(settings, hash_embedder, on_progress=lambda msg, frac: events.append((msg, frac)))
    fractions = [f for _, f in events]
    assert fractions == sorted(fractions)
    assert events[-1] == ("ferdig", 1.0)
    assert any(msg.startswith("leser ") for msg, _ in events)


def test_missing_corpus_folder(settings_factory: SettingsFactory, tmp_path: Path) -> None:
    settings = settings_factory(corpus_dir=tmp_path / "finnes-ikke")
    with pytest.raises(FileNotFoundError, match="Corpus folder not found"):
        run_ingest(settings, HashEmbedder())


def test_indicator_records_survive_an_unrelated_change(
    settings: Settings, hash_embedder: HashEmbedder
) -> None:
    (settings.corpus_dir / "nokkeltall-2024.txt").write_text(
        "Nøkkeltall\n\nIndikator 2022 2023 2024\nSykefravær 7,1 % 6,9 % 6,5 %\n"
        "Antall innbyggere 96 000 98 000 100 000\n\nSlutt på tabellen.\n",
        encoding="utf-8",
    )
    first = run_ingest(settings, hash_embedder)
    assert first.indicator_records == 6

    append(settings.corpus_dir / KLIMA, NEW_SECTIONS)
    second = run_ingest(settings, hash_embedder)

    assert "nokkeltall-2024.txt" in second.unchanged
    assert second.indicator_records == 6
    index = open_index(settings, hash_embedder)
    records = IndicatorStore(index.indicators_path()).all()
    assert {(r.indicator, r.year, r.value_text) for r in records if r.year == 2024} == {
        ("Sykefravær", 2024, "6,5 %"), ("Antall innbyggere", 2024, "100 000"),
    }  # fmt: skip


# --------------------------------------------------------------------------------------------
# Interrupted runs and model changes


def test_embedder_failure_leaves_the_previous_index_serving(
    settings_factory: SettingsFactory, small_corpus: Path
) -> None:
    settings = settings_factory(corpus_dir=small_corpus, embedding_batch_size=2)
    good = HashEmbedder()
    first = run_ingest(settings, good)
    serving = open_index(settings, good)
    old_ids = [c.id for c in serving.chunks]

    append(settings.corpus_dir / KLIMA, NEW_SECTIONS)
    failing = HashEmbedder(fail_after=1)  # the first batch of 2 succeeds, the second fails
    with pytest.raises(RuntimeError, match="simulated failure"):
        run_ingest(settings, failing)
    assert len(failing.embedded) == 2

    # The old generation still serves: on disk, for a new reader and for the open one.
    manifest = read_manifest(settings)
    assert manifest is not None and manifest.generation == first.generation
    assert generations(settings) == [first.generation]
    assert collections(settings) == [f"{settings.collection_prefix}-{first.generation}"]
    reopened = open_index(settings, good)
    assert [c.id for c in reopened.chunks] == old_ids
    for index in (serving, reopened):
        hits = index.search("Temaplan handling mot klimaendringene", 3, mode="dense")
        assert hits and hits[0].chunk.id in old_ids
        assert not index.search("bildelingsordning", 3, mode="lexical")

    # The next run completes, embedding only what the failed run had not cached.
    resumed = HashEmbedder()
    report = run_ingest(settings, resumed)
    assert report.changed is True
    assert report.indexed == (KLIMA,)
    assert resumed.embedded
    assert not set(resumed.embedded) & set(failing.embedded)
    assert report.embedded + report.candidates_embedded == len(resumed.embedded)
    hits = open_index(settings, resumed).search("bildelingsordning", 3, mode="lexical")
    assert hits and "bildelingsordning" in hits[0].chunk.text


def test_interrupt_at_publish_keeps_the_old_index_and_the_vectors(
    settings: Settings, hash_embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_ingest(settings, hash_embedder)
    old_ids = chunk_ids(settings, hash_embedder)
    append(settings.corpus_dir / KLIMA, NEW_SECTIONS)

    def interrupted(self: GenerationWriter, manifest: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(GenerationWriter, "publish", interrupted)
        with pytest.raises(KeyboardInterrupt):
            run_ingest(settings, hash_embedder)

    manifest = read_manifest(settings)
    assert manifest is not None and manifest.generation == first.generation
    assert generations(settings) == [first.generation]
    assert chunk_ids(settings, hash_embedder) == old_ids
    assert not index_is_current(settings, hash_embedder.name)

    hash_embedder.reset()
    report = run_ingest(settings, hash_embedder)
    assert report.changed is True
    assert report.embedded == 0 and hash_embedder.passage_calls == 0
    assert any("solcellepanel" in c.text for c in open_index(settings, hash_embedder).chunks)


def test_leftovers_of_a_killed_build_are_collected(
    settings: Settings, hash_embedder: HashEmbedder
) -> None:
    run_ingest(settings, hash_embedder)
    # A build killed hard (no abandon): a directory and a collection nobody points at.
    stale = GenerationWriter(settings, hash_embedder, generation="g-killed")
    stale.client.get_or_create_collection(f"{settings.collection_prefix}-g-killed")
    append(settings.corpus_dir / KLIMA, NEW_SECTIONS)

    report = run_ingest(settings, hash_embedder)

    assert generations(settings) == [report.generation]
    assert collections(settings) == [f"{settings.collection_prefix}-{report.generation}"]


def test_index_of_another_model_is_refused(settings: Settings, hash_embedder: HashEmbedder) -> None:
    run_ingest(settings, hash_embedder)
    other = HashEmbedder(name="another-model")
    with pytest.raises(ModelMismatchError, match="'test-hash-embedder', not 'another-model'"):
        Index(settings, other)
    assert not index_is_current(settings, "another-model")


def test_new_model_reembeds_everything_without_mixing_vectors(
    settings: Settings, hash_embedder: HashEmbedder
) -> None:
    first = run_ingest(settings, hash_embedder)
    other = HashEmbedder(name="another-model", dim=32)

    report = run_ingest(settings, other)

    assert report.changed is True
    assert sorted(report.indexed) == sorted(ALL_FILES)
    assert report.embedded == first.embedded
    assert report.embedded + report.candidates_embedded == len(set(other.embedded))
    index = Index(settings, other)
    assert index.manifest.embedding_model == "another-model"
    assert index.manifest.dimension == 32
    assert index.search("klimagassutslippene", 3, mode="dense")
    with pytest.raises(ModelMismatchError):
        Index(settings, hash_embedder)
    cache = EmbeddingCache(settings.index_dir / "embeddings.sqlite3")
    text = other.embedded[0]
    assert cache.get_many("another-model", [text]).popitem()[1].shape == (32,)
    assert cache.get_many("test-hash-embedder", [text]).popitem()[1].shape == (64,)


def test_corpus_copy_is_independent(small_corpus: Path) -> None:
    """The fixture works on a copy: the real corpus is never touched by these tests."""
    assert sorted(p.name for p in small_corpus.iterdir()) == sorted([*ALL_FILES, "manifest.json"])
    shutil.rmtree(small_corpus)
    assert (Path(pipeline.__file__).parent.parent / "corpus" / KLIMA).exists()


def test_corpus_without_usable_files_gives_an_empty_index(
    settings_factory: SettingsFactory, tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    corpus = tmp_path / "tom-mappe"
    corpus.mkdir()
    (corpus / "latin1.txt").write_bytes("Æ".encode("latin-1"))
    settings = settings_factory(corpus_dir=corpus)

    report = run_ingest(settings, hash_embedder)

    assert (report.documents, report.chunks, report.exit_code) == (0, 0, 3)
    index = open_index(settings, hash_embedder)
    assert index.chunks == []
    for mode in ("dense", "lexical", "hybrid"):
        assert index.search("Æ", 5, mode=mode) == []  # type: ignore[arg-type]

    (corpus / "latin1.txt").unlink()
    copy = settings.corpus_dir / KLIMA
    shutil.copy(Path(pipeline.__file__).parent.parent / "corpus" / KLIMA, copy)
    report = run_ingest(settings, hash_embedder)
    assert report.exit_code == 0 and report.chunks > 0
    assert open_index(settings, hash_embedder).search("klimaendringene", 3, mode="hybrid")


def test_max_file_size_comes_from_settings(
    settings_factory: SettingsFactory, small_corpus: Path, hash_embedder: HashEmbedder
) -> None:
    # 3 KiB: the klima page (3044 bytes) fits, the kommuneplan page (3296) and the PDF do not.
    settings = settings_factory(corpus_dir=small_corpus, max_file_mb=3 / 1024)
    report = run_ingest(settings, hash_embedder)
    assert report.indexed == (KLIMA,)
    reasons = {s.file: s.reason for s in report.skipped}
    assert set(reasons) == {KOMMUNEPLAN, SMALL_CORPUS_PDF}
    assert "for stor" in reasons[KOMMUNEPLAN] and "file too large" in reasons[KOMMUNEPLAN]


def test_hidden_files_folders_and_the_manifest_are_not_documents(
    settings: Settings, hash_embedder: HashEmbedder
) -> None:
    corpus = settings.corpus_dir
    (corpus / ".~lock.notat.txt#").write_text("lås", encoding="utf-8")
    (corpus / ".DS_Store").write_bytes(b"\x00\x01")
    (corpus / "undermappe").mkdir()
    (corpus / "undermappe" / "notat.txt").write_text("Et notat i en undermappe.", encoding="utf-8")

    report = run_ingest(settings, hash_embedder)

    assert sorted(report.indexed) == sorted(ALL_FILES)
    assert report.skipped == ()
    assert report.exit_code == 0

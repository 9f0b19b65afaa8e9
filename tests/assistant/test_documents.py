"""Staff changes to the corpus (assistant/documents.py), re-ingested with the hash embedder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.documents import CorpusEntry, CorpusFiles, DocumentAdmin, DocumentError, DocumentMeta
from tests.conftest import SMALL_CORPUS_PDF, HashEmbedder, SettingsFactory
from vectorstore.settings import Settings
from vectorstore.store import read_manifest

KLIMA = "temaplan-klima-nettside-2021.txt"


@pytest.fixture
def settings(settings_factory: SettingsFactory, small_corpus: Path) -> Settings:
    return settings_factory(corpus_dir=small_corpus)


@pytest.fixture
def admin(settings: Settings, hash_embedder: HashEmbedder) -> DocumentAdmin:
    published: list[int] = []
    return DocumentAdmin(settings, embedder=hash_embedder, on_published=lambda: published.append(1))


def manifest(corpus: Path) -> list[dict[str, object]]:
    data = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    return list(data["documents"])


def indexed_titles(settings: Settings) -> dict[str, str]:
    current = read_manifest(settings)
    assert current is not None
    return {d.doc_id: d.title for d in current.documents.values()}


def test_add_copies_writes_the_manifest_and_reindexes(
    admin: DocumentAdmin, settings: Settings, tmp_path: Path
) -> None:
    before = manifest(settings.corpus_dir)
    source = tmp_path / "upload" / "Ny plan (utkast).md"
    source.parent.mkdir()
    source.write_text("# Ny plan\n\nKommunen skal plante 500 trær i 2026.", encoding="utf-8")
    progress: list[str] = []
    entry = admin.add(
        source,
        DocumentMeta("  Ny  plan for trær ", "Temaplan", 2026),
        lambda m, f: progress.append(m),
    )
    assert entry.doc_id == "ny-plan-for-traer" and entry.file == "Ny_plan__utkast.md"
    assert (settings.corpus_dir / entry.file).read_text(encoding="utf-8").startswith("# Ny plan")
    after = manifest(settings.corpus_dir)
    assert after[: len(before)] == before  # the other entries are kept as they were
    assert after[-1] == {
        "file": "Ny_plan__utkast.md", "doc_id": "ny-plan-for-traer", "title": "Ny plan for trær",
        "kind": "temaplan", "year": 2026, "origin": "lastet opp av ansatt (Ny plan (utkast).md)",
    }  # fmt: skip
    assert indexed_titles(settings)["ny-plan-for-traer"] == "Ny plan for trær"
    assert progress and progress[-1] == "ferdig"
    # The same file again gets a name of its own and an id of its own.
    again = admin.add(source, DocumentMeta("Ny plan for trær", "temaplan", 2026))
    assert again.file != entry.file and again.doc_id == "ny-plan-for-traer-2"


def test_replace_metadata_and_file(
    admin: DocumentAdmin, settings: Settings, tmp_path: Path
) -> None:
    doc_id = next(e.doc_id for e in admin.entries() if e.file == KLIMA)
    changed = admin.replace(doc_id, meta=DocumentMeta("Klimaplanen", "temaplan", 2022, "2022-2030"))
    assert changed.file == KLIMA and indexed_titles(settings)[doc_id] == "Klimaplanen"
    assert admin.entry(doc_id) == changed and changed.period == "2022-2030"
    new_file = tmp_path / "klima-2022.txt"
    new_file.write_text("Klimaplanen 2022. Utslippene skal ned med 70 prosent.", encoding="utf-8")
    replaced = admin.replace(doc_id, source=new_file)
    assert replaced.file == "klima-2022.txt" and replaced.title == "Klimaplanen"
    assert not (settings.corpus_dir / KLIMA).exists()
    assert (settings.corpus_dir / "klima-2022.txt").exists()
    current = read_manifest(settings)
    assert current is not None
    assert {d.file for d in current.documents.values() if d.doc_id == doc_id} == {"klima-2022.txt"}


def test_delete_removes_file_and_entry(admin: DocumentAdmin, settings: Settings) -> None:
    doc_id = next(e.doc_id for e in admin.entries() if e.file == KLIMA)
    removed = admin.delete(doc_id)
    assert removed.file == KLIMA and not (settings.corpus_dir / KLIMA).exists()
    assert all(d["file"] != KLIMA for d in manifest(settings.corpus_dir))
    assert doc_id not in indexed_titles(settings)
    # A file the manifest does not list (its metadata derived from its name) can go too.
    pdf = next(e for e in admin.entries() if e.file == SMALL_CORPUS_PDF)
    assert pdf.listed is False
    admin.delete(pdf.doc_id)
    assert not (settings.corpus_dir / SMALL_CORPUS_PDF).exists()
    assert pdf.doc_id not in indexed_titles(settings)


def test_bad_changes_are_refused_before_anything_is_written(
    admin: DocumentAdmin, settings: Settings, tmp_path: Path
) -> None:
    before = (settings.corpus_dir / "manifest.json").read_bytes()
    source = tmp_path / "x.txt"
    source.write_text("x", encoding="utf-8")
    for meta, message in (
        (DocumentMeta("", "temaplan"), "tittel"),
        (DocumentMeta("T", ""), "dokumenttype"),
        (DocumentMeta("T", "temaplan", 1066), "Året"),
        (DocumentMeta("T" * 201, "temaplan"), "for lang"),
    ):
        with pytest.raises(DocumentError, match=message):
            admin.add(source, meta)
    with pytest.raises(DocumentError, match="Fant ikke"):
        admin.delete("finnes-ikke")
    assert (settings.corpus_dir / "manifest.json").read_bytes() == before
    assert not (settings.corpus_dir / "x.txt").exists()


def test_manifest_write_is_atomic(
    admin: DocumentAdmin, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (settings.corpus_dir / "manifest.json").read_bytes()
    doc_id = next(e.doc_id for e in admin.entries() if e.file == KLIMA)

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        admin.replace(doc_id, meta=DocumentMeta("Nytt navn", "temaplan", 2021))
    assert (settings.corpus_dir / "manifest.json").read_bytes() == before
    assert [p.name for p in settings.corpus_dir.iterdir() if p.name.startswith(".manifest")] == []


def test_source_file_stays_inside_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.4")
    (corpus / "ok.pdf").write_bytes(b"%PDF-1.4")
    entries = [
        {"file": "../secret.pdf", "doc_id": "ut", "title": "Ut", "kind": "x"},
        {"file": "ok.pdf", "doc_id": "ok", "title": "Ok", "kind": "x",
         "origin": "https://www.asker.kommune.no/ok"},
    ]  # fmt: skip
    (corpus / "manifest.json").write_text(json.dumps({"documents": entries}), encoding="utf-8")
    files = CorpusFiles(corpus)
    assert files.source_file("ut") is None and files.source_file("finnes-ikke") is None
    assert files.source_file("ok") == (corpus / "ok.pdf").resolve()
    ok = files.entry("ok")
    assert ok is not None and ok.origin_url == "https://www.asker.kommune.no/ok"
    assert CorpusEntry("d", "f", "t", "k", origin="asker.kommune.no, nettsiden").origin_url is None

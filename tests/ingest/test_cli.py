"""``python -m ingest`` through click's test runner, with the hash embedder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest import pipeline
from ingest.__main__ import main
from tests.conftest import HashEmbedder
from vectorstore.settings import Settings


@pytest.fixture
def embedder(monkeypatch: pytest.MonkeyPatch) -> HashEmbedder:
    fake = HashEmbedder()
    seen: list[Settings] = []

    def get_embedder(settings: Settings) -> HashEmbedder:
        seen.append(settings)
        return fake

    monkeypatch.setattr(pipeline, "get_embedder", get_embedder)
    fake.settings_seen = seen  # type: ignore[attr-defined]
    for key in list(os.environ):
        if key.startswith("ASKER_") and not key.startswith("ASKER_TEST_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ASKER_COLLECTION_PREFIX", f"cli{os.getpid()}")
    return fake


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_ingest_then_nothing_changed(
    small_corpus: Path, tmp_path: Path, embedder: HashEmbedder
) -> None:
    data = tmp_path / "data"
    code, output = invoke("--data-dir", data, "--corpus", small_corpus, "--quiet")

    assert code == 0, output
    assert "3 documents" in output
    assert "Indexed / indeksert:" in output
    assert "kommuneplan-i-all-enkelhet-nettside.txt" in output
    assert "Peak memory / minnetopp" in output
    assert "SKIPPED" not in output
    assert (data / "index" / "current.json").exists()
    settings = embedder.settings_seen[0]  # type: ignore[attr-defined]
    assert (settings.corpus_dir, settings.data_dir) == (small_corpus, data)
    assert embedder.passage_calls > 0

    embedder.reset()
    code, output = invoke("--data-dir", data, "--corpus", small_corpus, "--quiet")
    assert code == 0
    assert "Nothing changed / ingenting er endret." in output
    assert embedder.calls == 0


def test_bad_file_exits_3(small_corpus: Path, tmp_path: Path, embedder: HashEmbedder) -> None:
    (small_corpus / "latin1.txt").write_bytes("Bærum".encode("latin-1"))
    code, output = invoke("--data-dir", tmp_path / "data", "--corpus", small_corpus, "--quiet")
    assert code == 3, output
    assert "SKIPPED / HOPPET OVER latin1.txt" in output
    assert "not valid UTF-8" in output
    assert "3 documents" in output


def test_symlink_out_of_the_corpus_exits_3(
    small_corpus: Path, tmp_path: Path, embedder: HashEmbedder
) -> None:
    (tmp_path / "passwd").write_text("root:x:0:0", encoding="utf-8")
    (small_corpus / "x.txt").symlink_to(tmp_path / "passwd")
    (small_corpus / "loop.txt").symlink_to(small_corpus / "loop.txt")
    code, output = invoke("--data-dir", tmp_path / "data", "--corpus", small_corpus, "--quiet")
    assert code == 3, output
    assert "SKIPPED / HOPPET OVER x.txt: symbolsk lenke ut av dokumentmappen" in output
    assert "SKIPPED / HOPPET OVER loop.txt: symbolsk lenke i en løkke / symlink loop" in output
    assert "3 documents" in output


def test_rebuild_flag(small_corpus: Path, tmp_path: Path, embedder: HashEmbedder) -> None:
    data = tmp_path / "data"
    invoke("--data-dir", data, "--corpus", small_corpus, "--quiet")
    code, output = invoke("--data-dir", data, "--corpus", small_corpus, "--quiet", "--rebuild")
    assert code == 0
    assert "Nothing changed" not in output
    assert "Embedded 0 new passages" in output


def test_progress_bar_by_default(
    small_corpus: Path, tmp_path: Path, embedder: HashEmbedder
) -> None:
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "data"), "--corpus", str(small_corpus)]
    )
    assert result.exit_code == 0
    assert "Embedding" in result.output  # tqdm writes to stderr, which the runner mixes in


def test_missing_corpus_is_a_clean_error(tmp_path: Path, embedder: HashEmbedder) -> None:
    code, output = invoke("--data-dir", tmp_path / "data", "--corpus", tmp_path / "nowhere")
    assert code == 1
    assert "Corpus folder not found" in output
    assert "Traceback" not in output


def test_help() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for option in ("--corpus", "--data-dir", "--embedding-model", "--chroma-mode", "--rebuild"):
        assert option in result.output


def test_contradictions_report_after_ingest(
    small_corpus: Path, tmp_path: Path, embedder: HashEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASKER_CONTRADICTION_MIN_COSINE", "0.5")  # the hash embedder's vectors
    data = tmp_path / "data"
    (small_corpus / "a.txt").write_text(
        "# A\n\nDet ble i 2024 signert samarbeidsavtale med fire områdefora i kommunen.\n",
        encoding="utf-8",
    )
    (small_corpus / "b.txt").write_text(
        "# B\n\nDet ble i 2024 signert samarbeidsavtale med sju områdefora i kommunen.\n",
        encoding="utf-8",
    )
    invoke("--data-dir", data, "--corpus", small_corpus, "--quiet")
    code, output = invoke("--data-dir", data, "--corpus", small_corpus, "contradictions")
    assert code == 0, output
    assert "1 motsigelser" in output
    assert "fire" in output and "sju" in output


def test_contradictions_without_an_index_is_a_clean_error(
    tmp_path: Path, embedder: HashEmbedder
) -> None:
    code, output = invoke("--data-dir", tmp_path / "data", "contradictions")
    assert code == 1
    assert "No index yet" in output

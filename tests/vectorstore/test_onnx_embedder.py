"""The ONNX Runtime embedder gives sentence-transformers' vectors, or is not used.

A tiny randomly initialised BERT (two layers, a word-level tokenizer built here) stands in for
e5: the export, the fusions and the check run for real on it in a few seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from vectorstore import onnx_embedder
from vectorstore.embeddings import LazyOnnxEmbedder, SentenceTransformerEmbedder, get_embedder
from vectorstore.onnx_embedder import (
    EXPORT_FOLDER,
    OnnxEmbedder,
    OnnxExportError,
    export_onnx,
    read_record,
)
from vectorstore.settings import Settings

TEXTS = [
    "asker kommune har mange skoler",
    "hvor mange barnehager er det i 2024 ?",
    "how many schools does the municipality have",
    "  asker   og  skoler  ",
    "ukjente ord blir unk",
    " ".join(["innbyggere"] * 40),  # past the length limit
    "kommune",
]
#: The tokenizer's words: the prefixes and those of the texts but one, which becomes [UNK].
WORDS = sorted(
    {w for t in TEXTS for w in t.lower().split()} - {"ukjente"} | {"query", "passage", ":"}
)


def _tiny_model(folder: Path, pooling_mode: str = "mean") -> Path:
    """A sentence-transformers folder: word-level tokenizer, 2-layer BERT, pooling, normalise."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    vocab = {w: i for i, w in enumerate(dict.fromkeys([*specials, *WORDS]))}
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
        cls_token="[CLS]", sep_token="[SEP]",
    )  # fmt: skip
    raw = folder.parent / f"{folder.name}-hf"
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=64,
    )  # fmt: skip
    BertModel(config).save_pretrained(raw)
    fast.save_pretrained(raw)
    transformer = Transformer(str(raw), max_seq_length=16)
    modules = [transformer, Pooling(32, pooling_mode=pooling_mode), Normalize()]
    SentenceTransformer(modules=modules, device="cpu").save(str(folder))
    return folder


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _tiny_model(tmp_path_factory.mktemp("tiny") / "model")


def _reference(folder: Path, texts: list[str], kind: str) -> np.ndarray:
    """sentence-transformers' own vectors for ``texts``."""
    reference = SentenceTransformerEmbedder(str(folder), batch_size=3)
    if kind == "query":
        return np.stack([reference.embed_query(t) for t in texts])
    return reference.embed_passages(texts)


def test_export_gives_sentence_transformers_vectors(tiny_folder: Path) -> None:
    record = export_onnx(tiny_folder)
    assert record.max_difference <= onnx_embedder.EXPORT_TOLERANCE
    assert record.max_seq_length == 16
    assert (tiny_folder / EXPORT_FOLDER / onnx_embedder.WEIGHTS_FILE).is_file()
    embedder = OnnxEmbedder(tiny_folder, name="tiny", batch_size=3)
    passages = embedder.embed_passages(TEXTS)
    assert passages.shape == (len(TEXTS), 32)
    np.testing.assert_allclose(passages, _reference(tiny_folder, TEXTS, "passage"), atol=1e-4)
    queries = np.stack([embedder.embed_query(t) for t in TEXTS[:3]])
    np.testing.assert_allclose(queries, _reference(tiny_folder, TEXTS[:3], "query"), atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_passages([]).shape == (0, 0)


def test_export_is_reused_until_the_model_changes(tiny_folder: Path) -> None:
    first = export_onnx(tiny_folder)
    exported = tiny_folder / EXPORT_FOLDER / "model.onnx"
    stamp = exported.stat().st_mtime_ns
    assert export_onnx(tiny_folder) == first
    assert exported.stat().st_mtime_ns == stamp

    config = tiny_folder / "config.json"
    os.utime(config, ns=(config.stat().st_atime_ns, config.stat().st_mtime_ns + 10**9))
    assert read_record(tiny_folder) is None  # stale: the model's files changed
    second = export_onnx(tiny_folder)
    assert second.fingerprint != first.fingerprint
    assert read_record(tiny_folder) == second


def test_an_unfaithful_export_is_refused_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _tiny_model(tmp_path / "model")
    monkeypatch.setattr(onnx_embedder, "EXPORT_TOLERANCE", -1.0)
    with pytest.raises(OnnxExportError, match="differs from PyTorch"):
        export_onnx(folder)
    assert not (folder / EXPORT_FOLDER).exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_other_pooling_falls_back_to_sentence_transformers(tmp_path: Path) -> None:
    folder = _tiny_model(tmp_path / "cls", pooling_mode="cls")
    with pytest.raises(OnnxExportError, match="mean"):
        export_onnx(folder)
    settings = Settings(
        embedding_model=str(folder), data_dir=tmp_path / "data", cache_dir=tmp_path / "cache"
    )
    embedder = get_embedder(settings)
    assert isinstance(embedder, LazyOnnxEmbedder)
    vectors = embedder.embed_passages(TEXTS[:2])
    assert isinstance(embedder.inner, SentenceTransformerEmbedder)
    np.testing.assert_allclose(vectors, _reference(folder, TEXTS[:2], "passage"), atol=1e-6)


def test_default_backend_runs_the_folder_with_onnx_runtime(
    tiny_folder: Path, tmp_path: Path
) -> None:
    settings = Settings(
        embedding_model=str(tiny_folder), data_dir=tmp_path / "data", cache_dir=tmp_path / "cache"
    )
    assert settings.embedding_backend == "onnx"
    embedder = get_embedder(settings)
    assert embedder.name == str(tiny_folder)  # the same name as sentence-transformers gives it
    vector = embedder.embed_query(TEXTS[0])
    assert isinstance(embedder, LazyOnnxEmbedder)
    assert isinstance(embedder.inner, OnnxEmbedder)
    np.testing.assert_allclose(vector, _reference(tiny_folder, TEXTS[:1], "query")[0], atol=1e-4)


def test_a_folder_that_cannot_be_written_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _tiny_model(tmp_path / "model")

    def read_only(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(onnx_embedder.tempfile, "mkdtemp", read_only)
    settings = Settings(
        embedding_model=str(folder), data_dir=tmp_path / "data", cache_dir=tmp_path / "cache"
    )
    embedder = get_embedder(settings)
    vector = embedder.embed_query(TEXTS[0])
    assert isinstance(embedder, LazyOnnxEmbedder)
    assert isinstance(embedder.inner, SentenceTransformerEmbedder)
    np.testing.assert_allclose(vector, _reference(folder, TEXTS[:1], "query")[0], atol=1e-6)

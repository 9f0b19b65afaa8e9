"""The naive RAG pipeline that our service is compared with, run by the same runner.

* Splitting: LangChain ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)``
  over each corpus file's text as :func:`ingest.loaders.load_document` reads it (no structure,
  no tables, no sections).
* Vectors: the same embedder as the index (:func:`vectorstore.embeddings.get_embedder`), behind
  a LangChain ``Embeddings`` adapter; stored with ``langchain_chroma.Chroma`` in its own
  persistent Chroma under ``data_dir/baseline`` and rebuilt only when the corpus, the splitter or
  the embedding model changes (a hash of all three names the collection).
* Retrieval: Chroma similarity search, top 4 (cosine); no hybrid search, no selection, no
  refusal threshold.
* Answering: the same generating answerer's ``answer()`` on those 4 passages, a refusal only when
  it refuses itself; for ``extractive``, the sentence of the 4 passages nearest the question by
  the same embedder, quoted (:class:`NearestSentenceAnswerer`), never a refusal.

:class:`BaselineService` has the ``ask`` signature of :class:`assistant.service.AssistantService`
and returns the same :class:`assistant.types.Answer`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from assistant.text import cited_numbers, detect_language, sentences
from assistant.types import Answer, Answerer, Citation, Draft, Language
from vectorstore.embedding_cache import EmbeddingCache
from vectorstore.embeddings import Embedder, get_embedder
from vectorstore.settings import Settings
from vectorstore.types import Chunk, SearchHit, content_hash

log = logging.getLogger(__name__)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
COLLECTION_PREFIX = "baseline-"
REFUSAL_NO = "Jeg finner ikke dette i dokumentene."
REFUSAL_EN = "I cannot find this in the documents."


class EmbedderEmbeddings(Embeddings):
    """Our :class:`~vectorstore.embeddings.Embedder` as LangChain ``Embeddings``.

    The embedder adds the e5 ``passage: ``/``query: `` prefixes itself. Passage vectors go
    through an :class:`~vectorstore.embedding_cache.EmbeddingCache` when one is given.
    """

    def __init__(
        self, embedder: Embedder, cache: EmbeddingCache | None = None, batch_size: int = 16
    ) -> None:
        self.embedder = embedder
        self.cache = cache
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if self.cache is not None:
            from vectorstore.store import embed_with_cache

            vectors, _ = embed_with_cache(texts, self.embedder, self.cache, self.batch_size)
        else:
            vectors = self.embedder.embed_passages(texts)
        return [[float(x) for x in row] for row in vectors]

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self.embedder.embed_query(text)]


def make_splitter() -> Any:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
    )


def split_corpus(settings: Settings) -> list[Chunk]:
    """The baseline's chunks of every loadable corpus file (unloadable files are skipped)."""
    from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_document
    from ingest.pipeline import corpus_files, derived_info, read_corpus_manifest

    corpus_dir = Path(settings.corpus_dir)
    manifest = read_corpus_manifest(corpus_dir)
    splitter = make_splitter()
    max_bytes = int(settings.max_file_mb * 1024 * 1024)
    chunks: list[Chunk] = []
    for path in corpus_files(corpus_dir):
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        try:
            doc = load_document(path, max_bytes, corpus_dir)
        except LoadError as exc:
            log.warning("baseline skips %s: %s", path.name, exc)
            continue
        info = manifest.get(path.name) or derived_info(path)
        for i, piece in enumerate(splitter.create_documents([doc.text])):
            text = piece.page_content
            start = int(piece.metadata.get("start_index", -1))
            if start < 0:
                start = max(0, doc.text.find(text))
            chunks.append(
                Chunk(
                    id=f"baseline:{info.doc_id}:{i}:{content_hash(text)}",
                    doc_id=info.doc_id,
                    title=info.title,
                    kind=info.kind,
                    year=info.year,
                    page=doc.page_at(start),
                    section="",
                    text=text,
                    start=start,
                    end=start + len(text),
                )
            )
    return chunks


def corpus_hash(chunks: Sequence[Chunk], embedder_name: str) -> str:
    """Changes with the corpus text (via the chunks), the splitter and the embedding model."""
    digest = hashlib.sha256()
    digest.update(f"{embedder_name}|{CHUNK_SIZE}|{CHUNK_OVERLAP}|".encode())
    for chunk in chunks:
        digest.update(chunk.id.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class BaselineBuild:
    collection: str
    chunks: int
    built: bool  # False when an existing collection was reused
    seconds: float


class BaselineService:
    """The naive pipeline behind the ``AssistantService.ask`` signature."""

    name = "baseline"

    def __init__(
        self,
        settings: Settings,
        service: Any = None,
        embedder: Embedder | None = None,
        answerers: Mapping[str, Answerer] | None = None,
        top_k: int = TOP_K,
    ) -> None:
        """``service`` (an ``AssistantService``) lends its embedder and LLM answerers."""
        self.settings = settings
        self.service = service
        if embedder is None and service is not None:
            embedder = service.index.embedder
        self.embedder: Embedder = embedder or get_embedder(settings)
        self._answerers: dict[str, Answerer] = dict(answerers or {})
        self.top_k = top_k
        self.dir = Path(settings.data_dir) / "baseline"
        self._store: Any = None
        self._chunks: dict[str, Chunk] = {}
        self._lock = threading.RLock()
        self.build_info: BaselineBuild | None = None

    # -- the store ---------------------------------------------------------------------------
    def _client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        path = self.dir / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
        )

    def build(self) -> BaselineBuild:
        """Split the corpus and make sure its collection exists (built once per corpus hash)."""
        with self._lock:
            if self.build_info is not None:
                return self.build_info
            from langchain_chroma import Chroma

            started = time.perf_counter()
            chunks = split_corpus(self.settings)
            key = corpus_hash(chunks, self.embedder.name)
            name = COLLECTION_PREFIX + key[:16]
            self.dir.mkdir(parents=True, exist_ok=True)
            state_path = self.dir / "state.json"
            client = self._client()
            existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
            state: dict[str, Any] = {}
            if state_path.exists():
                try:
                    state = json.loads(state_path.read_text(encoding="utf-8"))
                except ValueError:
                    state = {}
            cache = EmbeddingCache(self.dir / "embeddings.sqlite3")
            adapter = EmbedderEmbeddings(self.embedder, cache, self.settings.embedding_batch_size)
            reuse = (
                name in existing
                and state.get("collection") == name
                and state.get("chunks") == len(chunks)
            )
            for old in existing:
                if old.startswith(COLLECTION_PREFIX) and (old != name or not reuse):
                    client.delete_collection(old)
            store = Chroma(
                collection_name=name,
                embedding_function=adapter,
                client=client,
                collection_metadata={"hnsw:space": "cosine"},
            )
            if not reuse:
                print(
                    f"baseline: embedding {len(chunks)} chunks "
                    f"({CHUNK_SIZE}/{CHUNK_OVERLAP} characters) ...",
                    file=sys.stderr,
                    flush=True,
                )
                for i in range(0, len(chunks), 64):
                    batch = chunks[i : i + 64]
                    store.add_texts(
                        [c.text for c in batch],
                        metadatas=[{"chunk_id": c.id, "doc_id": c.doc_id} for c in batch],
                        ids=[c.id for c in batch],
                    )
                state_path.write_text(
                    json.dumps({"collection": name, "chunks": len(chunks), "hash": key}),
                    encoding="utf-8",
                )
            self._store = store
            self._chunks = {c.id: c for c in chunks}
            self.build_info = BaselineBuild(
                name, len(chunks), not reuse, time.perf_counter() - started
            )
            return self.build_info

    @property
    def chunks(self) -> list[Chunk]:
        self.build()
        return list(self._chunks.values())

    def reset(self) -> None:
        """Forget the built store (and delete its files)."""
        with self._lock:
            self._store = None
            self.build_info = None
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- answering ---------------------------------------------------------------------------
    def answerer(self, name: str) -> Answerer:
        with self._lock:
            if name in self._answerers:
                return self._answerers[name]
            if name == "extractive":
                engine: Answerer = NearestSentenceAnswerer(self.embedder)
            elif self.service is not None:
                engine = self.service.answerer(name)
            else:
                raise ValueError(f"baseline: no answerer {name!r} (give a service)")
            self._answerers[name] = engine
            return engine

    def default_answerer(self) -> str:
        if self.service is not None:
            return str(self.service.default_answerer())
        return "extractive" if self.settings.answerer == "auto" else self.settings.answerer

    def warm_up(self, answerer: str | None = None) -> None:
        self.embedder.warm_up()
        self.build()
        self.answerer(answerer or self.default_answerer()).warm_up()

    def search(self, question: str, k: int) -> list[SearchHit]:
        """Chroma similarity search; ``score`` is the cosine similarity."""
        self.build()
        assert self._store is not None
        hits: list[SearchHit] = []
        for doc, distance in self._store.similarity_search_with_score(question, k=k):
            chunk_id = doc.metadata.get("chunk_id") or doc.id
            chunk = self._chunks.get(str(chunk_id))
            if chunk is None:
                continue
            similarity = 1.0 - float(distance)
            hits.append(SearchHit(chunk=chunk, score=similarity, dense_score=similarity))
        return hits

    def search_for_eval(self, question: str, k: int) -> list[SearchHit]:
        return self.search(question, k)

    def ask(
        self,
        question: str,
        history: Sequence[Any] = (),
        filters: Any = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer:
        """Top-4 passages and the answerer's draft; ``history`` and ``filters`` are ignored."""
        t0 = time.perf_counter()
        question = " ".join(question.split())
        language: Language = "en" if detect_language(question) == "en" else "no"
        name = answerer or self.default_answerer()
        timings: dict[str, float] = {}
        hits = self.search(question, self.top_k)
        timings["retrieve"] = (time.perf_counter() - t0) * 1000
        chunks = [h.chunk for h in hits]
        t_ans = time.perf_counter()
        notes: list[str] = []
        try:
            draft = (
                self.answerer(name).answer(question, chunks, language)
                if chunks
                else Draft(text="", refused=True, answerer=name)
            )
        except Exception as exc:
            notes.append(f"{name} failed: {type(exc).__name__}: {exc}")
            draft = Draft(text="", refused=True, answerer=name)
        timings["answer"] = (time.perf_counter() - t_ans) * 1000
        refused = draft.refused or not draft.text.strip()
        if refused:
            text = REFUSAL_EN if language == "en" else REFUSAL_NO
            citations: list[Citation] = []
        else:
            text = draft.text.strip()
            citations = citations_from_markers(text, chunks)
        timings["total"] = (time.perf_counter() - t0) * 1000
        return Answer(
            question=question,
            answer=text,
            refused=refused,
            answerer=draft.answerer or name,
            citations=tuple(citations),
            retrieved=tuple(hits),
            timings_ms=timings,
            language=language,
            id=question_id,
            notes=tuple(notes) + tuple(draft.notes),
        )


class NearestSentenceAnswerer:
    """The naive extractive answer: the passages' sentence nearest the question, quoted."""

    name = "extractive"

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def warm_up(self) -> None:
        self.embedder.warm_up()

    def answer(self, question: str, passages: Sequence[Chunk], language: Language) -> Draft:
        pieces = [(n, s) for n, c in enumerate(passages, start=1) for s in sentences(c.text)]
        if not pieces:
            return Draft(text="", refused=True, answerer=self.name)
        vectors = self.embedder.embed_passages([s for _, s in pieces])
        best = int((vectors @ self.embedder.embed_query(question)).argmax())
        n, sentence = pieces[best]
        return Draft(text=f"{sentence} [{n}]", answerer=self.name)

    def stream(self, question: str, passages: Sequence[Chunk], language: Language) -> Any:
        yield self.answer(question, passages, language).text


def citations_from_markers(text: str, passages: Sequence[Chunk]) -> list[Citation]:
    """One citation per distinct ``[n]`` marker that points at a passage."""
    seen: set[int] = set()
    for sentence in sentences(text):
        seen.update(cited_numbers(sentence))
    seen.update(cited_numbers(text))
    return [Citation(n, passages[n - 1]) for n in sorted(seen) if 1 <= n <= len(passages)]

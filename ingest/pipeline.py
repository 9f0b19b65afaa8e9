"""From ``corpus/`` to a published index generation, incrementally.

A run compares each file's sha256 (and its manifest metadata, the chunk settings and the embedding
model) with the serving index. When nothing changed it returns at once, without loading the model.
Otherwise it writes a complete new generation: unchanged documents keep their chunks and indicator
records, their vectors come from the embedding cache, and only new text is embedded.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.candidates import candidate_spans
from ingest.chunking import CHUNKING_VERSION, chunk_document
from ingest.loaders import LoadedDocument, LoadError, corpus_entry_problem, load_document
from ingest.tables import TABLES_VERSION, extract_indicator_records, find_tables
from vectorstore.contradictions import (
    CONTRADICTIONS_VERSION,
    ContradictionRules,
    find_contradictions,
    write_contradictions,
)
from vectorstore.embedding_cache import EmbeddingCache
from vectorstore.embeddings import Embedder, get_embedder
from vectorstore.embeddings import embedder_name as embedder_name_for
from vectorstore.indicators import IndicatorRecord, IndicatorStore
from vectorstore.passages import CANDIDATES_VERSION
from vectorstore.settings import Settings
from vectorstore.store import (
    CandidateTable,
    DocumentRecord,
    GenerationWriter,
    IndexManifest,
    embed_with_cache,
    generation_dir,
    read_manifest,
)
from vectorstore.types import Chunk, DocumentInfo

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
ProgressFn = Callable[[str, float], None]


@dataclass(frozen=True)
class SkippedFile:
    file: str
    reason: str
    sha256: str = ""


@dataclass(frozen=True)
class IngestReport:
    """What a run did. ``exit_code``: 0 all ingested, 3 some files skipped."""

    changed: bool
    generation: str
    documents: int
    chunks: int
    indexed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()
    embedded: int = 0
    reused_vectors: int = 0
    #: Sentences and table rows embedded (the reader's candidates), and how many were new.
    candidates: int = 0
    candidates_embedded: int = 0
    indicator_records: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 3 if self.skipped else 0

    def summary(self) -> str:
        lines = [
            f"Index {self.generation}: {self.documents} documents, {self.chunks} chunks, "
            f"{self.indicator_records} indicator values ({self.seconds:.1f} s).",
        ]
        if not self.changed:
            lines.append("Nothing changed / ingenting er endret.")
        if self.indexed:
            lines.append(f"Indexed / indeksert: {', '.join(self.indexed)}")
            lines.append(
                f"Embedded {self.embedded} new passages, reused {self.reused_vectors} vectors; "
                f"{self.candidates_embedded} of {self.candidates} sentences and rows were new."
            )
        if self.removed:
            lines.append(f"Removed / fjernet: {', '.join(self.removed)}")
        for skipped in self.skipped:
            lines.append(f"SKIPPED / HOPPET OVER {skipped.file}: {skipped.reason}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The corpus and its manifest


def slugify(text: str) -> str:
    ascii_text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    ascii_text = unicodedata.normalize("NFKD", ascii_text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "dokument"


_KIND_WORDS = (
    ("arsrapport", "årsrapport"),
    ("årsrapport", "årsrapport"),
    ("temaplan", "temaplan"),
    ("kommuneplan", "kommuneplan"),
    ("handlingsprogram", "handlingsprogram"),
    ("budsjett", "budsjett"),
    ("strategi", "strategidokument"),
    ("nettside", "informasjonsside"),
)


def derived_info(path: Path) -> DocumentInfo:
    """Metadata for a file that the manifest does not list, from its name alone."""
    stem = path.stem
    name = stem.lower()
    kind = next((k for word, k in _KIND_WORDS if word in name), "dokument")
    years = [int(y) for y in re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", stem)]
    title = re.sub(r"[-_]+", " ", stem).strip()
    title = title[:1].upper() + title[1:]
    return DocumentInfo(
        doc_id=slugify(stem),
        title=title,
        kind=kind,
        year=years[-1] if years else None,
        file=path.name,
        origin="avledet fra filnavnet / derived from the file name",
    )


def read_corpus_manifest(corpus_dir: Path) -> dict[str, DocumentInfo]:
    """``file name -> DocumentInfo`` from ``corpus/manifest.json`` (empty when absent)."""
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, DocumentInfo] = {}
    for entry in data.get("documents", []):
        out[entry["file"]] = DocumentInfo(
            doc_id=entry.get("doc_id") or slugify(Path(entry["file"]).stem),
            title=entry["title"],
            kind=entry.get("kind", "dokument"),
            year=entry.get("year"),
            file=entry["file"],
            period=entry.get("period"),
            origin=entry.get("origin"),
        )
    return out


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every candidate entry (hidden ones, folders and the manifest excluded), sorted by name.
    Symlinks and other non-regular entries are listed too, so that ingesting them is refused
    and reported (:func:`ingest.loaders.corpus_entry_problem`) rather than silently skipped."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(
            f"Corpus folder not found: {corpus_dir} / Fant ikke dokumentmappen {corpus_dir}"
        )
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if not p.name.startswith(".") and p.name != MANIFEST_NAME and not _real_folder(p)
    )


def _real_folder(path: Path) -> bool:
    """A folder itself (not a symlink to one: that is reported)."""
    return path.is_dir() and not path.is_symlink()


def entry_sha256(path: Path, corpus_dir: Path) -> str:
    """The file's sha256; for a refused entry a digest of why (never read through it), so
    that the index notices when the entry changes."""
    problem = corpus_entry_problem(path, corpus_dir)
    if problem is None:
        return file_sha256(path)
    return hashlib.sha256(f"refused\n{problem}".encode()).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _info_fingerprint(info: DocumentInfo) -> str:
    return json.dumps([info.doc_id, info.title, info.kind, info.year], ensure_ascii=False)


def _source_fingerprint(sha: str, info: DocumentInfo) -> str:
    return hashlib.sha256(f"{sha}\n{_info_fingerprint(info)}".encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# One document


@dataclass
class ProcessedDocument:
    info: DocumentInfo
    sha256: str
    chunks: list[Chunk]
    records: list[IndicatorRecord]
    pages: int | None


def process_document(path: Path, info: DocumentInfo, settings: Settings) -> ProcessedDocument:
    """Load, find tables, chunk and extract indicator records. Raises :class:`LoadError`
    (also for an entry that is not a regular file inside the corpus folder)."""
    problem = corpus_entry_problem(path, settings.corpus_dir)
    if problem is not None:
        raise LoadError(problem)
    sha = file_sha256(path)
    doc: LoadedDocument = load_document(
        path, int(settings.max_file_mb * 1024 * 1024), settings.corpus_dir
    )
    tables = find_tables(doc.text)
    chunks = chunk_document(
        doc,
        info,
        min_chars=settings.chunk_min_chars,
        max_chars=settings.chunk_max_chars,
        table_spans=[(t.start, t.end) for t in tables],
        generic_heading_repeats=settings.chunk_generic_heading_repeats,
    )
    records = extract_indicator_records(doc.text, info, doc.page_at)
    pages = max((p.page for p in doc.page_starts), default=None)
    return ProcessedDocument(info, sha, chunks, records, pages)


def passage_for_embedding(chunk: Chunk) -> str:
    """The text that is embedded: the section path gives a short passage its context."""
    return f"{chunk.section}\n{chunk.text}" if chunk.section else chunk.text


# --------------------------------------------------------------------------------------------
# The run


@contextlib.contextmanager
def _ingest_lock(settings: Settings) -> Iterator[None]:
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.index_dir / ".ingest.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another ingestion is running; waiting for it")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class _Plan:
    files: list[tuple[Path, DocumentInfo, str]] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)


def _chunk_settings(settings: Settings) -> dict[str, int]:
    """What a document's chunks, indicator records and the contradictions found among them
    depend on besides its text: when this changes (``TABLES_VERSION`` or
    ``CONTRADICTIONS_VERSION`` with it), unchanged documents are processed again too."""
    return {
        "min_chars": settings.chunk_min_chars,
        "max_chars": settings.chunk_max_chars,
        "generic_heading_repeats": settings.chunk_generic_heading_repeats,
        "chunking_version": CHUNKING_VERSION,
        "tables_version": TABLES_VERSION,
        "candidates_version": CANDIDATES_VERSION,
        "contradictions_version": CONTRADICTIONS_VERSION,
    }


def _plan(settings: Settings) -> _Plan:
    manifest = read_corpus_manifest(settings.corpus_dir)
    plan = _Plan()
    seen_ids: set[str] = set()
    for path in corpus_files(settings.corpus_dir):
        info = manifest.get(path.name) or derived_info(path)
        if info.doc_id in seen_ids:  # two files slugging to one id: keep both, distinctly
            info = DocumentInfo(**{**info.__dict__, "doc_id": slugify(path.name)})
        seen_ids.add(info.doc_id)
        sha = entry_sha256(path, settings.corpus_dir)
        plan.files.append((path, info, sha))
        plan.fingerprints[path.name] = _source_fingerprint(sha, info)
    return plan


def _is_current(
    manifest: IndexManifest | None, plan: _Plan, settings: Settings, embedder_name: str
) -> bool:
    if manifest is None or manifest.embedding_model != embedder_name:
        return False
    if manifest.chunk_settings != _chunk_settings(settings):
        return False
    indexed = {
        d.file: _source_fingerprint(d.sha256, _record_info(d)) for d in manifest.documents.values()
    }
    indexed.update({s["file"]: s.get("fingerprint", "") for s in manifest.skipped})
    return indexed == plan.fingerprints


def _record_info(record: DocumentRecord) -> DocumentInfo:
    return DocumentInfo(
        doc_id=record.doc_id,
        title=record.title,
        kind=record.kind,
        year=record.year,
        file=record.file,
        period=record.period,
        origin=record.origin,
    )


def index_is_current(settings: Settings, embedder_name: str | None = None) -> bool:
    """True when the serving index matches the corpus (no model is loaded)."""
    name = embedder_name or embedder_name_for(settings)
    return _is_current(read_manifest(settings), _plan(settings), settings, name)


def _old_chunks(settings: Settings, manifest: IndexManifest | None) -> dict[str, list[Chunk]]:
    if manifest is None:
        return {}
    path = generation_dir(settings, manifest.generation) / "chunks.jsonl"
    by_doc: dict[str, list[Chunk]] = {}
    with contextlib.suppress(OSError), open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                chunk = Chunk.from_dict(json.loads(line))
                by_doc.setdefault(chunk.doc_id, []).append(chunk)
    return by_doc


def _old_records(settings: Settings, manifest: IndexManifest | None) -> dict[str, list[Any]]:
    if manifest is None:
        return {}
    path = generation_dir(settings, manifest.generation) / "indicators.sqlite3"
    if not path.exists():
        return {}
    by_doc: dict[str, list[Any]] = {}
    for record in IndicatorStore(path).all():
        by_doc.setdefault(record.doc_id, []).append(record)
    return by_doc


def run_ingest(
    settings: Settings,
    embedder: Embedder | None = None,
    *,
    rebuild: bool = False,
    show_progress: bool = False,
    on_progress: ProgressFn | None = None,
) -> IngestReport:
    """Bring the index in line with ``settings.corpus_dir``; see the module docstring."""
    started = time.perf_counter()
    embedder = embedder or get_embedder(settings)
    with _ingest_lock(settings):
        manifest = read_manifest(settings)
        plan = _plan(settings)
        if not rebuild and _is_current(manifest, plan, settings, embedder.name):
            assert manifest is not None
            return IngestReport(
                changed=False,
                generation=manifest.generation,
                documents=len(manifest.documents),
                chunks=sum(d.chunks for d in manifest.documents.values()),
                unchanged=tuple(sorted(d.file for d in manifest.documents.values())),
                skipped=tuple(SkippedFile(s["file"], s["reason"]) for s in manifest.skipped),
                seconds=time.perf_counter() - started,
            )
        return _build(
            settings, embedder, manifest, plan, rebuild, show_progress, on_progress, started
        )


@dataclass
class _Processed:
    """The documents of one build: read again, or reused from the published generation."""

    documents: list[ProcessedDocument] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _process_files(
    settings: Settings,
    usable: IndexManifest | None,
    plan: _Plan,
    on_progress: ProgressFn | None,
) -> _Processed:
    """Each planned file processed, or its chunks and records reused when it is unchanged; a
    file that cannot be read is skipped with its reason and never stops the others."""
    old_docs = {d.file: d for d in usable.documents.values()} if usable else {}
    old_chunks = _old_chunks(settings, usable)
    old_records = _old_records(settings, usable)
    out = _Processed()
    for i, (path, info, sha) in enumerate(plan.files):
        if on_progress:
            on_progress(f"leser {path.name}", 0.3 * i / max(1, len(plan.files)))
        old = old_docs.get(path.name)
        if (
            old is not None
            and old.sha256 == sha
            and _info_fingerprint(_record_info(old)) == _info_fingerprint(info)
            and old.doc_id in old_chunks
        ):
            out.documents.append(
                ProcessedDocument(
                    info, sha, old_chunks[old.doc_id], old_records.get(old.doc_id, []), old.pages
                )
            )
            out.unchanged.append(path.name)
            continue
        try:
            out.documents.append(process_document(path, info, settings))
            out.indexed.append(path.name)
        except LoadError as exc:
            out.skipped.append(SkippedFile(path.name, str(exc), sha))
            log.warning("skipped %s: %s", path.name, exc)
        except Exception as exc:  # a broken file never stops the others
            reason = f"uventet feil / unexpected error: {type(exc).__name__}: {exc}"
            out.skipped.append(SkippedFile(path.name, reason, sha))
            log.exception("skipped %s", path.name)
    return out


class _EmbeddingProgress:
    """Counts embedded passages for the terminal's bar and the page's progress callback."""

    def __init__(self, total: int, show_progress: bool, on_progress: ProgressFn | None) -> None:
        self.total = total
        self.done = 0
        self.on_progress = on_progress
        self.bar: Any = None
        if show_progress:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="Embedding", unit="chunk")

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        if self.on_progress:
            self.on_progress("lager vektorer", 0.3 + 0.6 * self.done / max(1, self.total))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _document_records(processed: list[ProcessedDocument]) -> dict[str, DocumentRecord]:
    return {
        p.info.doc_id: DocumentRecord(
            doc_id=p.info.doc_id,
            file=p.info.file,
            sha256=p.sha256,
            title=p.info.title,
            kind=p.info.kind,
            year=p.info.year,
            chunks=len(p.chunks),
            pages=p.pages,
            period=p.info.period,
            origin=p.info.origin,
        )
        for p in processed
    }


@dataclass(frozen=True)
class _Written:
    generation: str
    embedded: int
    candidates: int
    candidates_embedded: int
    indicator_records: int


def _write_generation(
    settings: Settings,
    embedder: Embedder,
    plan: _Plan,
    processed: _Processed,
    chunks: list[Chunk],
    texts: list[str],
    progress: _EmbeddingProgress,
) -> _Written:
    """Embed ``texts`` (one per chunk, reusing cached vectors), write and publish a new
    generation; a failure leaves the published one as it was."""
    cache = EmbeddingCache(settings.index_dir / "embeddings.sqlite3")
    on_progress = progress.on_progress
    writer = GenerationWriter(settings, embedder)
    try:
        vectors, embedded = embed_with_cache(
            texts, embedder, cache, settings.embedding_batch_size, progress
        )
        if on_progress:
            on_progress("lager vektorer for setninger og tabellrader", 0.9)
        candidates, candidates_embedded = _write_candidates(
            writer, chunks, embedder, cache, settings
        )
        progress.close()
        if on_progress:
            on_progress("skriver indeksen", 0.95)
        skipped_meta = [
            {"file": s.file, "reason": s.reason, "fingerprint": plan.fingerprints.get(s.file, "")}
            for s in processed.skipped
        ]
        new_manifest = writer.write(
            chunks,
            vectors,
            _document_records(processed.documents),
            skipped_meta,
            _chunk_settings(settings),
        )
        store = IndicatorStore(writer.dir / "indicators.sqlite3")
        for p in processed.documents:
            store.replace_document(p.info.doc_id, p.records)
        records = [r for p in processed.documents for r in p.records]
        _write_contradictions(writer.dir, chunks, records, settings)
        writer.publish(new_manifest)
    except BaseException:
        writer.abandon()
        raise
    return _Written(
        new_manifest.generation, embedded, candidates, candidates_embedded, len(records)
    )


def _build(
    settings: Settings,
    embedder: Embedder,
    manifest: IndexManifest | None,
    plan: _Plan,
    rebuild: bool,
    show_progress: bool,
    on_progress: ProgressFn | None,
    started: float,
) -> IngestReport:
    usable = manifest if (manifest and manifest.embedding_model == embedder.name) else None
    if rebuild or (usable and usable.chunk_settings != _chunk_settings(settings)):
        usable = None
    processed = _process_files(settings, usable, plan, on_progress)
    chunks = [c for p in processed.documents for c in p.chunks]
    texts = [passage_for_embedding(c) for c in chunks]
    progress = _EmbeddingProgress(len(texts), show_progress, on_progress)
    written = _write_generation(settings, embedder, plan, processed, chunks, texts, progress)
    if on_progress:
        on_progress("ferdig", 1.0)
    current_files = {path.name for path, _, _ in plan.files}
    old_files = {d.file for d in usable.documents.values()} if usable else set()
    return IngestReport(
        changed=True,
        generation=written.generation,
        documents=len({p.info.doc_id for p in processed.documents}),
        chunks=len(chunks),
        indexed=tuple(processed.indexed),
        unchanged=tuple(processed.unchanged),
        removed=tuple(sorted(f for f in old_files if f not in current_files)),
        skipped=tuple(processed.skipped),
        embedded=written.embedded,
        reused_vectors=len(set(texts)) - written.embedded,
        candidates=written.candidates,
        candidates_embedded=written.candidates_embedded,
        indicator_records=written.indicator_records,
        seconds=time.perf_counter() - started,
    )


def _write_candidates(
    writer: GenerationWriter,
    chunks: list[Chunk],
    embedder: Embedder,
    cache: EmbeddingCache,
    settings: Settings,
) -> tuple[int, int]:
    """Embed every sentence and table row (:func:`vectorstore.passages.candidate_spans`) and
    write them beside the chunks; returns how many there are and how many had to be embedded."""
    spans = [(chunk.id, span) for chunk in chunks for span in candidate_spans(chunk)]
    vectors, embedded = embed_with_cache(
        [span.for_embedding() for _, span in spans],
        embedder,
        cache,
        settings.embedding_batch_size,
    )
    writer.write_candidates(spans, vectors)
    return len(spans), embedded


def _write_contradictions(
    directory: Path, chunks: list[Chunk], records: list[IndicatorRecord], settings: Settings
) -> int:
    """Where the documents give two values for one figure (:mod:`vectorstore.contradictions`),
    stored with the generation."""
    table = CandidateTable.load(directory)
    by_id = {c.id: c for c in chunks}
    items = [(by_id[c], span) for c, span in zip(table.chunk_ids, table.spans, strict=True)]
    rules = ContradictionRules(
        min_cosine=settings.contradiction_min_cosine,
        min_overlap=settings.contradiction_min_overlap,
        max_ratio=settings.contradiction_max_ratio,
    )
    found = find_contradictions(chunks, records, items, table.vectors, rules)
    return write_contradictions(directory, found)


def ensure_index(settings: Settings, embedder: Embedder | None = None) -> IngestReport | None:
    """Build or update the index when it is missing or stale; ``None`` when already current."""
    name = embedder.name if embedder is not None else embedder_name_for(settings)
    if index_is_current(settings, name):
        return None
    return run_ingest(settings, embedder, show_progress=True)

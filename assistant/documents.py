"""The corpus as staff manage it: the files in ``corpus/`` and their entries in its manifest.

:class:`CorpusFiles` reads (the page's document list and the source files it serves);
:class:`DocumentAdmin` also changes them: it copies an upload in under a safe name with its
title, kind and year, replaces a document's file or metadata, or deletes both, writing
``corpus/manifest.json`` atomically (a complete new file renamed over the old one, so that a
reader never sees half of it), and then brings the index up to date with
:func:`ingest.pipeline.run_ingest`. Staff changes run one at a time on the upload queue's
worker (:class:`assistant.ingestion.IngestJobs`), never on a request thread.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vectorstore.embeddings import Embedder, get_embedder
from vectorstore.settings import Settings

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
#: Longest title, kind and period accepted (the page shows them in one line of a list).
MAX_TITLE_CHARS = 200
MAX_KIND_CHARS = 40
MAX_PERIOD_CHARS = 40
#: Years a document may carry (the corpus holds plans from the 1990s to plans up to 2100).
MIN_YEAR, MAX_YEAR = 1900, 2100
#: Hex characters added to a file name that is already taken in the corpus.
NAME_SUFFIX_CHARS = 6

#: ``progress(message, fraction)``, as :func:`ingest.pipeline.run_ingest` reports it.
Progress = Callable[[str, float], None]


class DocumentError(ValueError):
    """A staff change that cannot be made; the message is in Norwegian, for the page."""


#: Longest stored file name (the suffix kept).
MAX_NAME_CHARS = 120


def safe_name(name: str) -> str:
    """A file name with only letters, digits, ``.``, ``_`` and ``-`` (others become ``_``), not
    hidden (no leading dot), at most :data:`MAX_NAME_CHARS` long with its suffix kept."""
    base = Path(name.replace("\\", "/")).name
    clean = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in base).lstrip(".")
    stem, dot, suffix = clean.rpartition(".")
    if not dot:
        stem, suffix = clean, ""
    suffix = suffix[:16]
    stem = stem[: MAX_NAME_CHARS - len(suffix) - 1].strip("._-") or "dokument"
    return f"{stem}.{suffix}" if suffix else stem


def slug(text: str) -> str:
    """A document id from a title (the ingest pipeline's own rule)."""
    from ingest.pipeline import slugify

    return slugify(text)


@dataclass(frozen=True)
class DocumentMeta:
    """What staff say about a document: title, kind, year and (optionally) the period."""

    title: str
    kind: str
    year: int | None = None
    period: str = ""

    def checked(self) -> DocumentMeta:
        """This metadata tidied (spaces, lower-case kind); raises :class:`DocumentError`."""
        title = " ".join(self.title.split())
        kind = " ".join(self.kind.split()).lower()
        period = " ".join(self.period.split())
        if not title:
            raise DocumentError("Skriv en tittel.")
        if len(title) > MAX_TITLE_CHARS:
            raise DocumentError(f"Tittelen er for lang (over {MAX_TITLE_CHARS} tegn).")
        if not kind:
            raise DocumentError("Velg eller skriv en dokumenttype.")
        if len(kind) > MAX_KIND_CHARS or len(period) > MAX_PERIOD_CHARS:
            raise DocumentError(f"Type og periode kan ha høyst {MAX_KIND_CHARS} tegn.")
        if self.year is not None and not MIN_YEAR <= self.year <= MAX_YEAR:
            raise DocumentError(f"Året må være mellom {MIN_YEAR} og {MAX_YEAR}.")
        return DocumentMeta(title, kind, self.year, period)


@dataclass(frozen=True)
class CorpusEntry:
    """One document of the corpus: its file and what the manifest (or its name) says of it."""

    doc_id: str
    file: str
    title: str
    kind: str
    year: int | None = None
    period: str = ""
    origin: str = ""
    listed: bool = True  # False: not in the manifest, metadata derived from the file name

    @property
    def origin_url(self) -> str | None:
        """The origin when it is a web address (a web page's own URL), else None."""
        origin = self.origin.strip()
        return origin if origin.startswith(("https://", "http://")) and " " not in origin else None

    @classmethod
    def from_manifest(cls, data: Mapping[str, Any]) -> CorpusEntry:
        file = str(data["file"])
        year = data.get("year")
        return cls(
            doc_id=str(data.get("doc_id") or slug(Path(file).stem)),
            file=file,
            title=str(data.get("title") or Path(file).stem),
            kind=str(data.get("kind") or "dokument"),
            year=int(year) if isinstance(year, int | str) and str(year).isdigit() else None,
            period=str(data.get("period") or ""),
            origin=str(data.get("origin") or ""),
        )


class CorpusFiles:
    """Read-only view of ``corpus/``: its entries and the file behind a document id."""

    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = Path(corpus_dir)

    @property
    def manifest_path(self) -> Path:
        return self.corpus_dir / MANIFEST_NAME

    def _manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"documents": []}
        if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
            raise DocumentError(f"{self.manifest_path} har ikke en liste «documents».")
        return data

    def entries(self) -> list[CorpusEntry]:
        """The manifest's documents, then files it does not list (as the pipeline names them)."""
        from ingest.pipeline import corpus_files, derived_info

        listed = [CorpusEntry.from_manifest(d) for d in self._manifest()["documents"]]
        names = {e.file for e in listed}
        derived = []
        if self.corpus_dir.is_dir():
            for path in corpus_files(self.corpus_dir):
                if path.name not in names:
                    info = derived_info(path)
                    derived.append(
                        CorpusEntry(
                            info.doc_id, path.name, info.title, info.kind, info.year, listed=False
                        )
                    )
        return listed + derived

    def entry(self, doc_id: str) -> CorpusEntry | None:
        return next((e for e in self.entries() if e.doc_id == doc_id), None)

    def source_file(self, doc_id: str) -> Path | None:
        """The document's file, when it exists inside the corpus folder (never outside it)."""
        entry = self.entry(doc_id)
        if entry is None:
            return None
        root = self.corpus_dir.resolve()
        path = (root / entry.file).resolve()
        if path.parent != root or not path.is_file():
            return None
        return path


class DocumentAdmin(CorpusFiles):
    """Adds, replaces and deletes corpus documents, then re-ingests (see the module docstring).

    ``embedder``: the model to embed new passages with (the service's own, so that no second
    copy is loaded); without one, a lazily loaded embedder is made on first need (a deletion
    embeds nothing). ``on_published`` runs after each re-ingest (``service.refresh``: serve the
    new index at once rather than at the next question).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        on_published: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(settings.corpus_dir)
        self.settings = settings
        self._embedder = embedder
        self._on_published = on_published
        self._lock = threading.Lock()

    # --- the manifest ---------------------------------------------------------------------------
    def _write_manifest(self, data: Mapping[str, Any]) -> None:
        """Write the manifest atomically: a temporary file in the same folder, then a rename."""
        self.corpus_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=".manifest-", suffix=".json", dir=self.corpus_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.manifest_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _unique_doc_id(self, title: str) -> str:
        taken = {e.doc_id for e in self.entries()}
        base = slug(title)
        doc_id, n = base, 2
        while doc_id in taken:
            doc_id, n = f"{base}-{n}", n + 1
        return doc_id

    def _copy_in(self, source: Path) -> Path:
        """Copy ``source`` into the corpus under a safe name no other file has."""
        dest = self.corpus_dir / safe_name(source.name)
        if dest.name == MANIFEST_NAME or dest.exists():
            suffix = uuid.uuid4().hex[:NAME_SUFFIX_CHARS]
            dest = self.corpus_dir / f"{dest.stem}-{suffix}{dest.suffix}"
        self.corpus_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        return dest

    @staticmethod
    def _record(entry: CorpusEntry) -> dict[str, Any]:
        record: dict[str, Any] = {
            "file": entry.file,
            "doc_id": entry.doc_id,
            "title": entry.title,
            "kind": entry.kind,
            "year": entry.year,
        }
        if entry.period:
            record["period"] = entry.period
        if entry.origin:
            record["origin"] = entry.origin
        return record

    def _put(self, entry: CorpusEntry, replacing: str | None = None) -> None:
        """Write ``entry`` into the manifest (in place of ``replacing``'s entry when given),
        keeping every other entry and any field this class does not know."""
        data = self._manifest()
        documents = [dict(d) for d in data["documents"]]
        key = replacing or entry.doc_id
        for i, doc in enumerate(documents):
            if CorpusEntry.from_manifest(doc).doc_id == key:
                documents[i] = {**doc, **self._record(entry)}
                break
        else:
            documents.append(self._record(entry))
        self._write_manifest({**data, "documents": documents})

    # --- changes --------------------------------------------------------------------------------
    def add(
        self, source: Path, meta: DocumentMeta, progress: Progress | None = None
    ) -> CorpusEntry:
        """Copy ``source`` in with ``meta`` and re-ingest; returns the new entry."""
        meta = meta.checked()
        with self._lock:
            path = self._copy_in(Path(source))
            entry = CorpusEntry(
                doc_id=self._unique_doc_id(meta.title),
                file=path.name,
                title=meta.title,
                kind=meta.kind,
                year=meta.year,
                period=meta.period,
                origin=f"lastet opp av ansatt ({Path(source).name})",
            )
            self._put(entry)
        self.reindex(progress)
        return entry

    def replace(
        self,
        doc_id: str,
        source: Path | None = None,
        meta: DocumentMeta | None = None,
        progress: Progress | None = None,
    ) -> CorpusEntry:
        """Give a document a new file and/or new metadata (same id), then re-ingest."""
        with self._lock:
            old = self._existing(doc_id)
            entry = old if meta is None else self._with_meta(old, meta.checked())
            if source is not None:
                entry = replace(entry, file=self._copy_in(Path(source)).name)
            self._put(entry, replacing=doc_id)
            if entry.file != old.file:
                (self.corpus_dir / old.file).unlink(missing_ok=True)
        self.reindex(progress)
        return entry

    def delete(self, doc_id: str, progress: Progress | None = None) -> CorpusEntry:
        """Remove a document's file and its manifest entry, then re-ingest."""
        with self._lock:
            old = self._existing(doc_id)
            data = self._manifest()
            kept = [d for d in data["documents"] if CorpusEntry.from_manifest(d).doc_id != doc_id]
            self._write_manifest({**data, "documents": kept})
            (self.corpus_dir / old.file).unlink(missing_ok=True)
        self.reindex(progress)
        return old

    def _existing(self, doc_id: str) -> CorpusEntry:
        entry = self.entry(doc_id)
        if entry is None:
            raise DocumentError(f"Fant ikke dokumentet «{doc_id}».")
        return entry

    @staticmethod
    def _with_meta(entry: CorpusEntry, meta: DocumentMeta) -> CorpusEntry:
        return replace(entry, title=meta.title, kind=meta.kind, year=meta.year, period=meta.period)

    # --- the index ------------------------------------------------------------------------------
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings)
        return self._embedder

    def reindex(self, progress: Progress | None = None) -> object:
        """Bring the index in line with the corpus; then tell the service (``on_published``)."""
        from ingest.pipeline import run_ingest

        report = run_ingest(self.settings, self.embedder(), on_progress=progress)
        if self._on_published is not None:
            self._on_published()
        return report

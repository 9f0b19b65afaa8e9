"""Loaders: a file in, normalised text with page boundaries out, or a clear reason it was skipped.

Markdown and HTML headings come out as ``#``-lines so that the chunker sees one structure.
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import stat
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from ingest.normalize import PageMarker, normalize_text

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md", ".markdown", ".html", ".htm")


class LoadError(Exception):
    """A file that cannot be ingested; the message says why, in Norwegian and English."""


@dataclass(frozen=True)
class PageStart:
    offset: int
    page: int


@dataclass(frozen=True)
class LoadedDocument:
    """Normalised text and where its pages start.

    ``page_exact`` is false when page numbers were interpolated between sparse page markers.
    """

    text: str
    page_starts: tuple[PageStart, ...] = ()
    page_exact: bool = True

    def page_at(self, offset: int) -> int | None:
        page: int | None = None
        for start in self.page_starts:
            if start.offset > offset:
                break
            page = start.page
        return page


# --- which files may be read ---------------------------------------------------------------
def corpus_entry_problem(path: Path, root: Path) -> str | None:
    """Why the corpus entry ``path`` may not be read (Norwegian / English), or None: a regular
    file, or a symlink to a regular file inside ``root`` (the corpus folder). A symlink out of
    the folder, a symlink loop, a dangling symlink and anything but a file are refused."""
    try:
        info = path.lstat()
    except OSError as exc:
        return f"kan ikke leses / cannot be read: {exc.strerror or exc}"
    if stat.S_ISLNK(info.st_mode):
        return _symlink_problem(path, root)
    if not stat.S_ISREG(info.st_mode):
        return "ikke en vanlig fil / not a regular file"
    return None


def _symlink_problem(path: Path, root: Path) -> str | None:
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python 3.11 reports a loop so
        return "symbolsk lenke i en løkke / symlink loop"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolsk lenke i en løkke / symlink loop"
        return f"symbolsk lenke til noe som ikke finnes / dangling symlink -> {os.readlink(path)}"
    if not target.is_relative_to(root.resolve()):
        return (
            "symbolsk lenke ut av dokumentmappen / symlink pointing outside the corpus folder "
            f"-> {os.readlink(path)}"
        )
    if not target.is_file():
        return "symbolsk lenke til noe annet enn en fil / symlink to something that is not a file"
    return None


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path`` (a symlink already checked is read through its target), opened
    without following a last-moment symlink and checked to be a regular file of at most
    ``max_bytes`` before anything is read."""
    try:
        real = path.resolve(strict=True)
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python 3.11)
        reason = getattr(exc, "strerror", None) or exc
        raise LoadError(f"kan ikke leses / cannot be read: {reason}") from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise LoadError("ikke en vanlig fil / not a regular file")
        size = info.st_size
        if size > max_bytes:
            mb = 1024 * 1024  # the limit is set in these units (settings.max_file_mb)
            raise LoadError(
                f"filen er for stor ({size / mb:.1f} MB > {max_bytes / mb:g} MB) / file too large"
            )
        if size == 0:
            raise LoadError("filen er tom / the file is empty")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew after it was measured
        raise LoadError("filen er for stor / file too large")
    return data


def load_document(path: Path, max_bytes: int, root: Path | None = None) -> LoadedDocument:
    """The document at ``path``; with ``root`` (the corpus folder), only when
    :func:`corpus_entry_problem` finds nothing wrong with it. Raises :class:`LoadError`."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(
            f"filtypen {suffix or '(ingen)'} støttes ikke / unsupported file type "
            f"(supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    problem = corpus_entry_problem(path, root) if root is not None else None
    if problem is not None:
        raise LoadError(problem)
    data = read_regular_file(path, max_bytes)
    if suffix == ".pdf":
        doc = _load_pdf(data)
    else:
        text = _decode(data)
        if suffix in (".html", ".htm"):
            text = html_to_text(text)
        doc = _from_text(text)
    if not doc.text.strip():
        raise LoadError("ingen tekst i dokumentet / the document contains no text")
    return doc


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"teksten er ikke UTF-8 (byte {exc.start}) / the text is not valid UTF-8 "
            f"at byte {exc.start}; save it as UTF-8 and try again"
        ) from exc


def _from_text(text: str) -> LoadedDocument:
    normalized = normalize_text(text)
    if not normalized.page_markers:
        return LoadedDocument(normalized.text)
    starts, exact = pages_from_markers(normalized.page_markers, len(normalized.text))
    return LoadedDocument(normalized.text, starts, exact)


def pages_from_markers(
    markers: tuple[PageMarker, ...], text_length: int
) -> tuple[tuple[PageStart, ...], bool]:
    """Page starts from footer markers ("Side 28 av 160" ends page 28).

    Between two markers the pages in between are spread evenly over the characters; exact only
    when every page has its own marker.
    """
    ordered = sorted(markers, key=lambda m: m.offset)
    first, last = ordered[0], ordered[-1]
    if last.page > first.page:
        per_page = max(1.0, (last.offset - first.offset) / (last.page - first.page))
    else:
        per_page = max(1.0, first.offset / max(first.page, 1))
    starts: list[PageStart] = []
    # Before the first marker: as many pages as the average page length suggests.
    lead_pages = min(first.page, max(1, round(first.offset / per_page + 0.5)))
    pages = list(range(first.page - lead_pages + 1, first.page + 1))
    exact = len(pages) == 1
    for i, page in enumerate(pages):
        starts.append(PageStart(int(first.offset * i / len(pages)), page))
    for prev, marker in itertools.pairwise(ordered):
        pages = list(range(prev.page + 1, marker.page + 1))
        span = marker.offset - prev.offset
        exact = exact and len(pages) <= 1
        for i, page in enumerate(pages):
            starts.append(PageStart(prev.offset + int(span * i / len(pages)), page))
    if last.page < last.total:
        remaining = text_length - last.offset
        count = min(last.total - last.page, max(1, round(remaining / per_page + 0.5)))
        for i in range(count):
            starts.append(PageStart(last.offset + int(remaining * i / count), last.page + 1 + i))
        exact = exact and count == 1
    # Keep offsets strictly increasing.
    clean: list[PageStart] = []
    for start in starts:
        if clean and start.offset <= clean[-1].offset:
            clean[-1] = PageStart(clean[-1].offset, start.page)
        else:
            clean.append(start)
    return tuple(clean), exact


def _load_pdf(data: bytes) -> LoadedDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # pypdf raises several types for unsupported crypto
                raise LoadError("PDF-en er kryptert / the PDF is encrypted") from exc
            if not ok:
                raise LoadError("PDF-en er passordbeskyttet / the PDF is password-protected")
        page_texts = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (DependencyError, FileNotDecryptedError) as exc:
        # AES encryption without the optional ``cryptography`` package fails in PdfReader itself.
        raise LoadError(f"PDF-en er kryptert / the PDF is encrypted: {exc}") from exc
    except Exception as exc:  # pypdf raises many types on damaged files
        raise LoadError(
            f"PDF-en er skadet eller uleselig / corrupt or unreadable PDF: {exc}"
        ) from exc
    if not any(text.strip() for text in page_texts):
        raise LoadError(
            "PDF-en har ingen tekst (skannet bilde?) / the PDF has no extractable text "
            "(image-only or scanned); OCR it first"
        )
    parts: list[str] = []
    starts: list[PageStart] = []
    offset = 0
    for number, raw in enumerate(page_texts, start=1):
        text = normalize_text(raw).text
        if not text:
            continue
        starts.append(PageStart(offset, number))
        parts.append(text)
        offset += len(text) + 2
    return LoadedDocument("\n\n".join(parts), tuple(starts), True)


_BLOCK_TAGS = {
    "p", "div", "section", "article", "li", "ul", "ol", "table", "tr", "br", "header",
    "footer", "main", "nav", "aside", "blockquote", "pre", "dl", "dt", "dd", "figure",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head"}


class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._heading: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = int(tag[1])
            self.parts.append("\n\n" + "#" * self._heading + " ")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n" if tag not in ("br", "tr") else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = None
            self.parts.append("\n\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._heading is not None:
            data = " ".join(data.split())
        self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", text)

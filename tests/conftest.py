"""Shared fixtures for the ingest and vectorstore tests.

Fakes live only here: :class:`HashEmbedder` stands in for the real embedding model so that the
tests never load (or download) a model and run in seconds.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from vectorstore.lexical import tokenize
from vectorstore.settings import REPO_ROOT, Settings, load_settings

CORPUS = REPO_ROOT / "corpus"
SMALL_CORPUS_FILES = (
    "kommuneplan-i-all-enkelhet-nettside.txt",
    "temaplan-klima-nettside-2021.txt",
)
#: The built PDF of ``small_corpus``; it is not in the manifest, so its metadata is derived.
SMALL_CORPUS_PDF = "budsjett-notat-2023.pdf"

#: Three pages with Norwegian letters and words that appear nowhere else in the corpus.
PDF_PAGES = (
    "Side én om ærfugl: Ærfuglbestanden ved Blåøya på Søndre Håøya er talt hvert år. "
    "Tellingen viser at ærfuglen hekker tettere nær Blåøya enn før, og frivillige "
    "ornitologer følger bestanden tett gjennom hele våren.",
    "Side to om ørret: Sjøørreten i Åroselva har fått nye gytegroper. Kommunen har lagt ut "
    "grus i elva slik at ørreten kan gyte, og elvebredden er plantet til med or og selje "
    "for å gi skygge om sommeren.",
    "Side tre om ålegress: Ålegresset i Vollenbukta er kartlagt med dykkere. Engene med "
    "ålegress binder karbon og gir skjul for småfisk; kartleggingen skal gjentas hvert "
    "femte år fram mot 2035.",
)


def _find_font() -> Path:
    candidates = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]
    try:
        import matplotlib

        candidates.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        pass
    for candidate in candidates:
        if candidate.exists():
            return candidate
    pytest.skip("no DejaVuSans.ttf font to build test PDFs with")
    raise AssertionError  # unreachable


def build_pdf(path: Path, pages: Sequence[str | None]) -> Path:
    """A PDF with one page per item; ``None`` draws a page with only a rectangle (no text)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(_find_font()))
    for text in pages:
        pdf.add_page()
        if text is None:
            pdf.rect(20, 20, 100, 60, style="F")
            continue
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 8, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


class HashEmbedder:
    """A deterministic stand-in for the embedding model.

    Each stemmed token (:func:`vectorstore.lexical.tokenize`) adds a signed unit to one of
    ``dim`` buckets chosen by a stable hash, so texts sharing words get close vectors. Rows are
    L2-normalised. It records every call; ``fail_after`` makes the ``n+1``-th passage call raise.
    """

    def __init__(
        self, name: str = "test-hash-embedder", dim: int = 64, fail_after: int | None = None
    ) -> None:
        self.name = name
        self.dim = dim
        self.fail_after = fail_after
        self.passage_calls = 0
        self.query_calls = 0
        self.warm_ups = 0
        self.embedded: list[str] = []

    @property
    def calls(self) -> int:
        return self.passage_calls + self.query_calls

    def reset(self) -> None:
        self.passage_calls = self.query_calls = self.warm_ups = 0
        self.embedded.clear()

    def warm_up(self) -> None:
        self.warm_ups += 1

    def _vector(self, text: str) -> npt.NDArray[np.float32]:
        vec = np.zeros(self.dim, dtype=np.float32)
        for token in tokenize(text):
            digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            vec[value % self.dim] += 1.0 if (value >> 32) & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if self.fail_after is not None and self.passage_calls >= self.fail_after:
            raise RuntimeError(f"HashEmbedder: simulated failure after {self.fail_after} calls")
        self.passage_calls += 1
        self.embedded.extend(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        self.query_calls += 1
        return self._vector(text)


class ConceptEmbedder:
    """A deterministic stand-in for a *multilingual* model.

    ``concepts`` maps a concept to its words in any language (lower-case word prefixes:
    ``{"staff": ("årsverk", "employees")}``); a text's vector counts the concepts its words name,
    plus a constant ``background`` component, so that an English question and a Norwegian sentence
    about the same thing are close and unrelated texts are not orthogonal (as with a real model).
    Rows are L2-normalised; calls are recorded like :class:`HashEmbedder`'s.
    """

    def __init__(
        self,
        concepts: dict[str, Sequence[str]],
        name: str = "test-concept-embedder",
        background: float = 0.5,
    ) -> None:
        self.name = name
        self.concepts = {k: tuple(v) for k, v in concepts.items()}
        self.background = background
        self.passage_calls = 0
        self.query_calls = 0
        self.embedded: list[str] = []

    def warm_up(self) -> None:
        """Nothing to load."""

    def _vector(self, text: str) -> npt.NDArray[np.float32]:
        words = re.findall(r"\w+", text.lower())
        vec = np.zeros(len(self.concepts) + 1, dtype=np.float32)
        vec[-1] = self.background
        for i, prefixes in enumerate(self.concepts.values()):
            vec[i] = sum(1.0 for w in words if w.startswith(prefixes))
        return vec / float(np.linalg.norm(vec))

    def embed_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.passage_calls += 1
        self.embedded.extend(texts)
        if not texts:
            return np.zeros((0, len(self.concepts) + 1), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        self.query_calls += 1
        return self._vector(text)


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def make_pdf() -> Callable[[Path, Sequence[str | None]], Path]:
    return build_pdf


def chroma_http_address() -> tuple[str, int] | None:
    """Host and port from ``ASKER_TEST_CHROMA_URL`` (``http://127.0.0.1:8765``), if set."""
    url = os.environ.get("ASKER_TEST_CHROMA_URL")
    if not url:
        return None
    from urllib.parse import urlparse

    parsed = urlparse(url if "://" in url else f"http://{url}")
    return parsed.hostname or "127.0.0.1", parsed.port or 8000


def make_settings(root: Path, **overrides: Any) -> Settings:
    """Settings with data, corpus and cache under ``root`` and a unique collection prefix.

    A developer's ``ASKER_*`` environment is ignored. ``chroma_mode="http"`` points at
    ``ASKER_TEST_CHROMA_URL`` and skips the test without it.
    """
    values: dict[str, Any] = {
        "data_dir": root / "data",
        "corpus_dir": root / "corpus",
        "cache_dir": root / "cache",
        "collection_prefix": f"t{uuid.uuid4().hex[:10]}",
    }
    if overrides.get("chroma_mode") == "http":
        address = chroma_http_address()
        if address is None:
            pytest.skip("ASKER_TEST_CHROMA_URL is not set")
        values["chroma_host"], values["chroma_port"] = address
    values.update(overrides)
    with pytest.MonkeyPatch.context() as patch:
        for key in list(os.environ):
            if key.startswith("ASKER_") and not key.startswith("ASKER_TEST_"):
                patch.delenv(key, raising=False)
        return load_settings(**values)


SettingsFactory = Callable[..., Settings]


@pytest.fixture
def settings_factory(tmp_path: Path) -> SettingsFactory:
    """``settings_factory(**overrides)``: :func:`make_settings` under ``tmp_path``.

    Settings made by one test share a collection prefix (they describe one index).
    """
    prefix = f"t{uuid.uuid4().hex[:10]}"

    def factory(**overrides: Any) -> Settings:
        return make_settings(tmp_path, **{"collection_prefix": prefix, **overrides})

    return factory


def copy_small_corpus(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in (*SMALL_CORPUS_FILES, "manifest.json"):
        shutil.copy(CORPUS / name, target / name)
    build_pdf(target / SMALL_CORPUS_PDF, PDF_PAGES)
    return target


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """``tmp_path/corpus``: two small real corpus files, the real manifest and a 3-page PDF."""
    return copy_small_corpus(tmp_path / "corpus")

"""Fixtures for the assistant tests: a real, small index built once per session.

The corpus is written here by hand (two short Norwegian documents and a manifest) and indexed by
the real pipeline (:func:`ingest.pipeline.run_ingest`) with the shared deterministic
:class:`tests.conftest.HashEmbedder`, so retrieval, selection, indicator tables, verification and
the service run exactly as in production, without any model: the reader's trained model is
replaced by :class:`CoverageModel`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from assistant.reader import FEATURE_NAMES, Reader
from assistant.service import AssistantService
from assistant.types import Answerer, Draft, Language
from tests.conftest import HashEmbedder
from vectorstore.settings import Settings, load_settings
from vectorstore.store import Index
from vectorstore.types import Chunk

EMBEDDER_NAME = "test-hash-embedder-assistant"

ANNUAL_REPORT = """# Årsrapport 2024

## Medarbeidere

Asker kommune hadde 5 400 årsverk ved utgangen av 2024.
Kommunen arbeider systematisk med nærvær og arbeidsmiljø.

Indikator 2021 2022 2023 2024
Sykefraværsprosent
8,4 % 9,3 % 9,0 % 9,3 %
Andelen ansatte med fagbrev
40 % 41 % 43 % 44 %

Side 1 av 2

## Økonomi

Netto driftsresultat ble ca. 250 mill. kroner i 2024. Det er bedre enn budsjettert.

Side 2 av 2
"""

CULTURE_PLAN = """# Kulturplan 2023

## Bibliotek

Kultursjef Kari Nordmann åpnet det nye biblioteket på Heggedal 14. mars 2023.
Biblioteket har åpent hver dag fra klokken 7 til 23.

## Råd til innbyggerne

Kommunen gir tre råd:
- Lån bøker på biblioteket.
- Delta i frivillig arbeid.
- Bruk turstiene i nærområdet.
"""

MANIFEST = {
    "documents": [
        {
            "file": "arsrapport-2024.txt",
            "doc_id": "arsrapport-2024",
            "title": "Årsrapport 2024 for Asker kommune",
            "kind": "årsrapport",
            "year": 2024,
        },
        {
            "file": "kulturplan-2023.md",
            "doc_id": "kulturplan-2023",
            "title": "Kulturplan 2023",
            "kind": "temaplan",
            "year": 2023,
        },
    ]
}


def write_corpus(corpus: Path) -> Path:
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "arsrapport-2024.txt").write_text(ANNUAL_REPORT, encoding="utf-8")
    (corpus / "kulturplan-2023.md").write_text(CULTURE_PLAN, encoding="utf-8")
    (corpus / "manifest.json").write_text(
        json.dumps(MANIFEST, ensure_ascii=False), encoding="utf-8"
    )
    return corpus


@dataclass(frozen=True)
class BuiltIndex:
    settings: Settings
    embedder: HashEmbedder
    index: Index
    root: Path


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> BuiltIndex:
    """The small corpus, ingested once; settings answer with the extractive answerer."""
    from ingest.pipeline import run_ingest

    root = tmp_path_factory.mktemp("assistant-index")
    corpus = write_corpus(root / "corpus")
    with pytest.MonkeyPatch.context() as mp:
        # A developer's ASKER_* environment must not change what these tests see.
        for key in list(os.environ):
            if key.startswith("ASKER_") and not key.startswith("ASKER_TEST_"):
                mp.delenv(key, raising=False)
        settings = load_settings(
            data_dir=root / "data",
            corpus_dir=corpus,
            cache_dir=root / "cache",
            embedding_model=EMBEDDER_NAME,
            answerer="extractive",
        )
        # The shipped context reader learned on the real reader's probabilities; tests that
        # use one name it.
        settings = settings.model_copy(update={"context_reader": None})
    embedder = HashEmbedder(name=EMBEDDER_NAME)
    report = run_ingest(settings, embedder=embedder)
    assert report.documents == 2, report.summary()
    assert report.indicator_records >= 8, report.summary()
    return BuiltIndex(settings, embedder, Index(settings, embedder), root)


def _question(qid: str, text: str, evidence: str | None) -> dict[str, object]:
    base = {"id": qid, "question": text, "lang": "nb", "style": "document"}
    if evidence is None:
        return {**base, "type": "unanswerable", "answers": [], "evidence": []}
    return {**base, "type": "fact", "answers": ["x"], "evidence": [evidence]}


#: Questions about the small corpus, for a reader trained on it (a train and a dev split).
SMALL_TRAIN = [
    _question("t1", "Hvor mange årsverk hadde kommunen?", "Asker kommune hadde 5 400 årsverk"),
    _question("t2", "Når åpnet biblioteket på Heggedal?", "åpnet det nye biblioteket på Heggedal"),
    _question("t3", "Hva var netto driftsresultat?", "Netto driftsresultat ble ca. 250 mill."),
    _question("t4", "Hvilke råd gir kommunen?", "Kommunen gir tre råd"),
    _question("t5", "Hvor mange elbiler har brannvesenet?", None),
    _question("t6", "Hva kostet den nye svømmehallen?", None),
    _question("t7", "Når er biblioteket åpent?", "Biblioteket har åpent hver dag"),
    _question("t8", "Hvem er ordfører i Bærum?", None),
]
SMALL_DEV = [
    _question("d1", "Hvor mange årsverk var det i kommunen?", "Asker kommune hadde 5 400 årsverk"),
    _question("d2", "Hva kostet den nye skolen?", None),
]


@pytest.fixture(scope="session")
def reader_artifact(built_index: BuiltIndex) -> Path:
    """The deterministic :class:`CoverageModel` saved as a reader artifact where the service
    looks for one (the session index's cache folder), so that code building its own service
    (the CLI, the evaluations) loads it through the real path."""
    import json

    import joblib

    from assistant.service import reader_folder

    folder = reader_folder(built_index.settings)
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(CoverageModel(), folder / "model.joblib")
    meta = {"id": "fake", "threshold": FAKE_THRESHOLD, "features": list(FEATURE_NAMES)}
    (folder / "reader.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


@pytest.fixture
def settings(built_index: BuiltIndex) -> Settings:
    return built_index.settings


class CoverageModel:
    """A deterministic stand-in for the trained reader: a candidate's probability is how much of
    the question's lemmas it covers with its context, less when it names other years than the
    question asks for, with a small share of its similarity to break ties."""

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        column = {name: i for i, name in enumerate(FEATURE_NAMES)}
        p = (
            0.9 * X[:, column["coverage_with_context"]]
            + 0.1 * np.clip(X[:, column["similarity"]], 0, 1)
            - 0.5 * X[:, column["other_years_only"]]
        )
        p = np.clip(p, 0.0, 1.0)
        return np.column_stack([1 - p, p])


#: The fake reader's threshold: most of the question's words must be in the candidate.
FAKE_THRESHOLD = 0.6


def fake_reader() -> Reader:
    return Reader.from_model(CoverageModel(), FAKE_THRESHOLD)


@pytest.fixture
def service(built_index: BuiltIndex) -> AssistantService:
    return AssistantService(built_index.settings, index=built_index.index, reader=fake_reader())


ServiceFactory = Callable[..., AssistantService]


@pytest.fixture
def make_service(built_index: BuiltIndex) -> ServiceFactory:
    """``make_service(answerers=..., **setting_overrides)`` over the shared index."""

    def factory(
        answerers: dict[str, Answerer] | None = None, **overrides: object
    ) -> AssistantService:
        settings = built_index.settings
        if overrides:
            settings = settings.model_copy(update=overrides)
        return AssistantService(
            settings, index=built_index.index, answerers=answerers, reader=fake_reader()
        )

    return factory


class ScriptedAnswerer:
    """A fake LLM answerer: streams a scripted reply word by word, records what it was given.

    ``script`` is a string or a function ``(question, passages) -> str`` (so a reply can cite the
    passage number the service actually assigned); ``error`` makes ``stream`` raise.
    """

    def __init__(
        self,
        script: str | Callable[[str, Sequence[Chunk]], str],
        name: str = "llm",
        error: Exception | None = None,
    ) -> None:
        self.script = script
        self.name = name
        self.error = error
        self.calls: list[tuple[str, list[Chunk], str]] = []

    def warm_up(self) -> None:
        """Nothing to load."""

    def _text(self, question: str, passages: Sequence[Chunk]) -> str:
        return self.script(question, passages) if callable(self.script) else self.script

    def answer(self, question: str, passages: Sequence[Chunk], language: Language) -> Draft:
        return Draft(text="".join(self.stream(question, passages, language)), answerer=self.name)

    def stream(self, question: str, passages: Sequence[Chunk], language: Language) -> Iterator[str]:
        self.calls.append((question, list(passages), language))
        if self.error is not None:
            raise self.error
        text = self._text(question, passages)
        words = text.split(" ")
        for i, word in enumerate(words):
            yield word if i == 0 else " " + word


def passage_number(passages: Sequence[Chunk], needle: str) -> int:
    """The ``[n]`` of the first passage containing ``needle``."""
    for n, chunk in enumerate(passages, start=1):
        if needle in chunk.text:
            return n
    raise AssertionError(f"no passage contains {needle!r}: {[c.text[:40] for c in passages]}")

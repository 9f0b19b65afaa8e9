"""The naive baseline's wiring: splitter, Chroma top-4 and the answerer, on a tiny corpus.

A hash-based bag-of-words embedder stands in for the model, so this runs in seconds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant.types import Draft, Language
from evals.baseline import (
    CHUNK_OVERLAP,
    CHUNK_SIZE,
    BaselineService,
    EmbedderEmbeddings,
    citations_from_markers,
    split_corpus,
)
from evals.dataset import EvalQuestion
from evals.runner import run_eval
from vectorstore.settings import Settings, load_settings
from vectorstore.types import Chunk

DIM = 256


class HashEmbedder:
    """Bag of words hashed into 256 dimensions, L2-normalised."""

    name = "test/hash-embedder"

    def __init__(self) -> None:
        self.passages: list[str] = []

    def warm_up(self) -> None:
        pass

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(DIM, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            vec[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages.extend(texts)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


class RecordingAnswerer:
    """Quotes the first sentence of passage 2 and cites it; records what it was given."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[Chunk], Language]] = []

    def warm_up(self) -> None:
        pass

    def answer(self, question: str, passages: Sequence[Chunk], language: Language) -> Draft:
        self.calls.append((question, list(passages), language))
        if "refuse" in question:
            return Draft(text="IKKE_I_KILDENE", refused=True, answerer=self.name)
        first = passages[1].text.split(".")[0]
        return Draft(text=f"{first} [2]. Se også [9].", answerer=self.name)

    def stream(self, question: str, passages: Sequence[Chunk], language: Language) -> Iterator[str]:
        yield self.answer(question, passages, language).text


def filler(topic: str, n: int) -> str:
    return " ".join(
        f"Avsnitt {i} om {topic} forteller at kommunen arbeider videre med {topic} i år {2000 + i}."
        for i in range(n)
    )


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "klimaplan-2021.txt").write_text(
        filler("klima", 30)
        + "\n\nAsker skal kutte utslippene med 67 prosent innen 2030.\n\n"
        + filler("utslipp", 20),
        encoding="utf-8",
    )
    (corpus / "skoleplan-2020.md").write_text("# Skole\n\n" + filler("skole", 25), encoding="utf-8")
    (corpus / "ignored.xyz").write_text("not a document", encoding="utf-8")
    return load_settings(corpus_dir=corpus, data_dir=tmp_path / "data")


def test_split_corpus_uses_the_recursive_splitter(settings: Settings) -> None:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from ingest.loaders import load_document

    chunks = split_corpus(settings)
    docs = {c.doc_id for c in chunks}
    assert docs == {"klimaplan-2021", "skoleplan-2020"}
    assert all(len(c.text) <= CHUNK_SIZE for c in chunks)
    # Exactly what LangChain's splitter gives for each loaded document.
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    for path in sorted(Path(settings.corpus_dir).glob("*plan*")):
        text = load_document(path, 10**7).text
        expected = splitter.split_text(text)
        got = [c.text for c in chunks if c.doc_id == path.stem]
        assert got == expected
        assert len(got) >= 3
        for c in chunks:
            if c.doc_id == path.stem:
                assert text[c.start : c.end] == c.text
    # Neighbouring chunks overlap.
    klima = [c for c in chunks if c.doc_id == "klimaplan-2021"]
    assert klima[1].start < klima[0].end
    assert len({c.id for c in chunks}) == len(chunks)


def test_search_ask_and_reuse(settings: Settings) -> None:
    embedder = HashEmbedder()
    answerer = RecordingAnswerer()
    service = BaselineService(settings, embedder=embedder, answerers={"fake": answerer})
    info = service.build()
    assert info.built and info.chunks == len(split_corpus(settings))
    assert len(embedder.passages) == info.chunks
    assert (Path(settings.data_dir) / "baseline" / "chroma").is_dir()

    hits = service.search("Hvor mye skal Asker kutte utslippene innen 2030?", 10)
    assert len(hits) == 10
    assert "67 prosent" in hits[0].chunk.text
    assert hits[0].score >= hits[-1].score

    answer = service.ask(
        "Hvor mye skal Asker kutte utslippene innen 2030?", answerer="fake", question_id="q1"
    )
    _, passages, language = answerer.calls[-1]
    assert len(passages) == 4 and language == "no"
    assert [h.chunk for h in answer.retrieved] == passages
    assert not answer.refused and answer.id == "q1"
    # [2] points at passage 2; [9] points at nothing and is dropped.
    assert [(c.n, c.chunk.id) for c in answer.citations] == [(2, passages[1].id)]
    assert set(answer.timings_ms) >= {"retrieve", "answer", "total"}

    refused = service.ask("please refuse", answerer="fake")
    assert refused.refused and refused.citations == ()

    # A second service on the same data reuses the collection without embedding again.
    embedder2 = HashEmbedder()
    again = BaselineService(settings, embedder=embedder2, answerers={"fake": answerer})
    assert again.build().built is False
    assert embedder2.passages == []
    assert again.search("kutte utslippene 67 prosent", 1)[0].chunk.id == hits[0].chunk.id

    # A changed corpus gives a new collection.
    (Path(settings.corpus_dir) / "ny-2024.txt").write_text(filler("nytt", 5), encoding="utf-8")
    third = BaselineService(settings, embedder=HashEmbedder(), answerers={"fake": answerer})
    rebuilt = third.build()
    assert rebuilt.built and rebuilt.collection != info.collection


def test_runner_treats_baseline_like_ours(settings: Settings) -> None:
    service = BaselineService(settings, embedder=HashEmbedder())
    questions = [
        EvalQuestion(
            id="q001",
            question="Hvor mye skal Asker kutte utslippene innen 2030?",
            answers=("67 prosent",),
            source="klimaplan-2021.txt",
            evidence="kutte utslippene med 67 prosent innen 2030",
            type="number",
        )
    ]
    run = run_eval(questions, service, "extractive", system="baseline")
    record = run.records[0]
    assert record.error is None
    assert record.correct, record.answer
    assert record.citation_correct
    assert record.retrieved_flags[0] is True
    assert len(record.retrieved_flags) == 10
    assert run.summary["retrieval"]["hit@1"] == 1.0


def test_embeddings_adapter_and_markers() -> None:
    embedder = HashEmbedder()
    adapter = EmbedderEmbeddings(embedder)
    vectors = adapter.embed_documents(["a b", "c"])
    assert len(vectors) == 2 and len(vectors[0]) == DIM
    assert adapter.embed_documents([]) == []
    assert len(adapter.embed_query("a")) == DIM
    c = Chunk("x", "d", "t", "k", None, None, "", "tekst", 0, 5)
    assert [x.n for x in citations_from_markers("A [1]. B [3]. C [1][2].", [c, c])] == [1, 2]

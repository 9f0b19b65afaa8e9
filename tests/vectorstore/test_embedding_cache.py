"""The vector cache by (model, passage hash), and ``embed_with_cache`` on top of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import HashEmbedder
from vectorstore.embedding_cache import EmbeddingCache, text_key
from vectorstore.store import embed_with_cache


@pytest.fixture
def cache(tmp_path: Path) -> EmbeddingCache:
    return EmbeddingCache(tmp_path / "sub" / "embeddings.sqlite3")


def vec(*values: float) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def test_put_get_round_trip(cache: EmbeddingCache) -> None:
    cache.put_many("m", [("første tekst", vec(0.1, 0.2, 0.3)), ("andre tekst", vec(1, 0, 0))])
    found = cache.get_many("m", ["første tekst", "andre tekst", "ukjent"])
    assert set(found) == {text_key("første tekst"), text_key("andre tekst")}
    np.testing.assert_array_equal(found[text_key("første tekst")], vec(0.1, 0.2, 0.3))
    assert found[text_key("første tekst")].dtype == np.float32
    np.testing.assert_array_equal(found[text_key("andre tekst")], vec(1, 0, 0))


def test_persists_across_instances(cache: EmbeddingCache) -> None:
    cache.put_many("m", [("tekst", vec(1, 2))])
    again = EmbeddingCache(cache.path)
    np.testing.assert_array_equal(again.get_many("m", ["tekst"])[text_key("tekst")], vec(1, 2))


def test_models_do_not_mix(cache: EmbeddingCache) -> None:
    cache.put_many("modell-a", [("tekst", vec(1, 0, 0, 0))])
    cache.put_many("modell-b", [("tekst", vec(0, 1))])
    a = cache.get_many("modell-a", ["tekst"])[text_key("tekst")]
    b = cache.get_many("modell-b", ["tekst"])[text_key("tekst")]
    np.testing.assert_array_equal(a, vec(1, 0, 0, 0))
    np.testing.assert_array_equal(b, vec(0, 1))
    assert cache.get_many("modell-c", ["tekst"]) == {}


def test_replacing_a_vector(cache: EmbeddingCache) -> None:
    cache.put_many("m", [("tekst", vec(1, 1))])
    cache.put_many("m", [("tekst", vec(2, 2))])
    np.testing.assert_array_equal(cache.get_many("m", ["tekst"])[text_key("tekst")], vec(2, 2))


def test_many_keys_and_duplicates(cache: EmbeddingCache) -> None:
    texts = [f"avsnitt {i}" for i in range(1200)]  # more than one 500-key query batch
    cache.put_many("m", [(t, vec(i, -i)) for i, t in enumerate(texts)])
    found = cache.get_many("m", [*texts, *texts[:10]])
    assert len(found) == 1200
    np.testing.assert_array_equal(found[text_key("avsnitt 1199")], vec(1199, -1199))


def test_key_is_the_exact_text() -> None:
    assert text_key("tekst") != text_key("tekst ")
    assert text_key("Tekst") != text_key("tekst")
    assert len(text_key("æøå")) == 64


def test_embed_with_cache_embeds_only_new_unique_texts(cache: EmbeddingCache) -> None:
    embedder = HashEmbedder()
    texts = ["klima", "mat", "klima", "mobilitet"]
    vectors, computed = embed_with_cache(texts, embedder, cache, batch_size=2)
    assert computed == 3
    assert embedder.embedded == ["mat", "klima", "mobilitet"]  # shortest first
    assert embedder.passage_calls == 2  # batches of 2
    assert vectors.shape == (4, 64)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)

    embedder.reset()
    again, computed = embed_with_cache([*texts, "skog"], embedder, cache, batch_size=2)
    assert computed == 1
    assert embedder.embedded == ["skog"]
    np.testing.assert_array_equal(again[:4], vectors)


def test_embed_with_cache_batches_texts_of_about_one_length(cache: EmbeddingCache) -> None:
    embedder = HashEmbedder()
    texts = ["en lang setning om klima og utslipp", "kort", "en middels setning", "ja", "lengre"]
    vectors, _ = embed_with_cache(texts, embedder, cache, batch_size=2)
    assert embedder.embedded == sorted(texts, key=len)
    for text, vector in zip(texts, vectors, strict=True):  # each vector still its own text's
        np.testing.assert_array_equal(vector, HashEmbedder().embed_passages([text])[0])


def test_embed_with_cache_nothing_new_means_no_model_call(cache: EmbeddingCache) -> None:
    embedder = HashEmbedder()
    embed_with_cache(["a b", "c d"], embedder, cache)
    embedder.reset()
    _, computed = embed_with_cache(["c d", "a b"], embedder, cache)
    assert computed == 0
    assert embedder.calls == 0
    vectors, computed = embed_with_cache([], embedder, cache)
    assert computed == 0 and vectors.shape[0] == 0


def test_embed_with_cache_keeps_finished_batches_when_a_later_one_fails(
    cache: EmbeddingCache,
) -> None:
    failing = HashEmbedder(fail_after=1)
    with pytest.raises(RuntimeError):
        embed_with_cache(["a", "b", "c", "d"], failing, cache, batch_size=2)
    assert set(cache.get_many(failing.name, ["a", "b", "c", "d"])) == {text_key("a"), text_key("b")}


def test_embed_with_cache_reports_progress(cache: EmbeddingCache) -> None:
    class Progress:
        done = 0

        def update(self, n: int) -> None:
            self.done += n

    embedder = HashEmbedder()
    embed_with_cache(["a", "b"], embedder, cache)
    progress = Progress()
    embed_with_cache(["a", "b", "c", "d", "e"], embedder, cache, batch_size=2, progress=progress)
    assert progress.done == 5

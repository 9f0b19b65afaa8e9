"""The embedding model run by ONNX Runtime: the same vectors as sentence-transformers, faster.

A sentence-transformers folder of the kind this project uses (a BERT-like transformer, mean
pooling, normalisation: multilingual-e5-small and its fine-tuned copy) is exported once to
``<folder>/onnx/model.onnx`` with PyTorch's exporter (eager attention, so the graph is the plain
matrix arithmetic), its attention, GELU and layer norms fused by ONNX Runtime's transformer
optimiser, saved with its weights in a file of their own (which ONNX Runtime maps rather than
copies), and checked on :data:`PROBES`: every vector must be within
:data:`EXPORT_TOLERANCE` of the one sentence-transformers computes, or the export is refused
(:class:`OnnxExportError`) and the caller keeps sentence-transformers. On two cores the fused
graph embeds the corpus' sentences about 1.7x faster (vectors within 4e-7), which is most of a
cold ingest.

Why not ``SentenceTransformer(..., backend="onnx")``: it exports through ``optimum``, whose
releases pin an older ``transformers`` than the one this project trains with.

The export is recorded with a fingerprint of the folder's files (``export.json``), so a retrained
model is exported again; it is written to a temporary folder and renamed into place, so a reader
never sees half an export.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore.embeddings import PrefixedEmbedder, Vectors

log = logging.getLogger(__name__)

EXPORT_FOLDER = "onnx"
EXPORT_RECORD = "export.json"
WEIGHTS_FILE = "model.onnx.data"
#: Bump when the export changes; older exports are then made again.
EXPORT_VERSION = 2
#: The largest difference allowed between an exported vector and sentence-transformers' one.
EXPORT_TOLERANCE = 1e-4
ONNX_OPSET = 17

#: Texts the export is checked on: Norwegian and English, whitespace, symbols, one past the
#: model's length limit.
PROBES: tuple[str, ...] = (
    "passage: Kommunedirektørens innledning: Asker er Norges 8. største kommune.",
    "query: Hvor mange innbyggere har Asker kommune?",
    "query: How much did household waste per inhabitant fall from 2021 to 2024?",
    "passage:   Mange   mellomrom\tog\nlinjeskift  ",
    "passage: ÆØÅ æøå – «sitat» … 4,6 % 100 000 kr. ½ ﬁ ①",
    "passage: Antall kilo husholdningsavfall per innbygger 438 390 391 384",
    "passage: " + "Bærekraftsmål nr. 11: Bærekraftige byer og lokalsamfunn (2024–2027). " * 30,
)


class OnnxExportError(RuntimeError):
    """The model could not be exported faithfully (message in English and Norwegian)."""


@dataclass(frozen=True)
class ExportRecord:
    """What ``export.json`` says about an export."""

    version: int
    fingerprint: str
    max_seq_length: int
    max_difference: float
    seconds: float


def folder_fingerprint(folder: Path) -> str:
    """Names, sizes and modification times of the folder's model files (not the export)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if relative.parts[0] == EXPORT_FOLDER or any(p.startswith(".") for p in relative.parts):
            continue
        stat = path.stat()
        digest.update(f"{relative.as_posix()}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def read_record(folder: Path) -> ExportRecord | None:
    """The record of the folder's current export, or None when there is none or it is stale."""
    try:
        raw = json.loads((folder / EXPORT_FOLDER / EXPORT_RECORD).read_text(encoding="utf-8"))
        record = ExportRecord(**raw)
    except (OSError, ValueError, TypeError):
        return None
    if record.version != EXPORT_VERSION or record.fingerprint != folder_fingerprint(folder):
        return None
    exported = folder / EXPORT_FOLDER
    if not (exported / "model.onnx").is_file() or not (exported / WEIGHTS_FILE).is_file():
        return None
    return record


def _supported_modules(model: Any) -> tuple[Any, int]:
    """The transformer module and its length limit, when ``model`` is transformer, mean pooling,
    normalisation; otherwise :class:`OnnxExportError`."""
    names = [type(m).__name__ for m in model]
    pooling = model[1].get_config_dict() if len(names) > 1 else {}
    if names != ["Transformer", "Pooling", "Normalize"] or pooling.get("pooling_mode") != "mean":
        raise OnnxExportError(
            f"Only transformer + mean pooling + normalisation can be exported, not {names} "
            f"{pooling}. / Bare transformer + gjennomsnitt + normalisering kan eksporteres."
        )
    return model[0], int(model.max_seq_length)


def _plain_encoder(encoder: Any) -> Any:
    """A module that takes ids and mask as tensors and returns the last hidden states (what the
    exporter needs; a Hugging Face encoder returns an output object)."""
    import torch

    class PlainEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            return out.last_hidden_state

    return PlainEncoder().eval()


def _export_graph(encoder: Any, target: Path) -> None:
    """PyTorch's exporter, then ONNX Runtime's fusions for BERT-like encoders."""
    import torch
    from onnxruntime.transformers import optimizer

    encoder.set_attn_implementation("eager")
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])  # one padded row
    sample = {"input_ids": mask + 1, "attention_mask": mask}
    raw = target.with_name("raw.onnx")
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        # the tracer's notes on Python conditions in the masking code: the export is checked
        # against PyTorch on padded batches of several lengths instead (export_onnx)
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _plain_encoder(encoder),
            (sample["input_ids"], sample["attention_mask"]),
            str(raw),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    config = encoder.config
    fused = optimizer.optimize_model(
        str(raw),
        model_type="bert",
        num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size),
        opt_level=1,
    )
    # weights in a file of their own, which ONNX Runtime maps instead of copying: the service
    # holds the pages of the vocabulary it meets, not the whole 250k-word embedding matrix
    fused.save_model_to_file(str(target), use_external_data_format=True)
    raw.unlink()


def export_onnx(folder: Path) -> ExportRecord:
    """Export ``folder`` (a sentence-transformers model) to ``folder/onnx`` unless a current
    export is there; check it against sentence-transformers on :data:`PROBES`."""
    folder = Path(folder)
    current = read_record(folder)
    if current is not None:
        return current
    from sentence_transformers import SentenceTransformer

    started = time.perf_counter()
    fingerprint = folder_fingerprint(folder)
    model = SentenceTransformer(str(folder), device="cpu")
    transformer, max_seq_length = _supported_modules(model)
    expected = np.asarray(model.encode(list(PROBES), normalize_embeddings=True), np.float32)
    tmp = Path(tempfile.mkdtemp(prefix=f".{EXPORT_FOLDER}.tmp-", dir=folder))
    try:
        try:
            _export_graph(transformer.auto_model, tmp / "model.onnx")
        except Exception as exc:  # the exporter and optimiser raise many kinds
            raise OnnxExportError(
                f"Could not export {folder} to ONNX: {exc}. / Kunne ikke eksportere til ONNX."
            ) from exc
        session = OnnxSession(tmp / "model.onnx", load_tokenizer(folder, max_seq_length))
        difference = float(np.abs(session.embed(list(PROBES)) - expected).max())
        if not difference <= EXPORT_TOLERANCE:
            raise OnnxExportError(
                f"The ONNX export differs from PyTorch by {difference:.2g} (allowed "
                f"{EXPORT_TOLERANCE:g}). / ONNX-eksporten avviker fra PyTorch med {difference:.2g}."
            )
        seconds = round(time.perf_counter() - started, 1)
        record = ExportRecord(EXPORT_VERSION, fingerprint, max_seq_length, difference, seconds)
        (tmp / EXPORT_RECORD).write_text(json.dumps(asdict(record), indent=1), encoding="utf-8")
        for private in (tmp, tmp / WEIGHTS_FILE):  # mkdtemp and onnx write them private
            private.chmod(0o755 if private.is_dir() else 0o644)
        _replace_folder(tmp, folder / EXPORT_FOLDER)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("exported %s to ONNX in %.1f s (max difference %.2g)", folder, seconds, difference)
    return record


def _replace_folder(new: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def load_tokenizer(folder: Path, max_seq_length: int) -> Any:
    """The folder's fast tokenizer (``tokenizer.json``, read by the ``tokenizers`` library, so
    that neither transformers nor PyTorch is loaded to embed), padding to the longest text and
    truncating at the model's length limit as sentence-transformers does."""
    from tokenizers import Tokenizer

    modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    where = folder / str(modules[0].get("path") or "")
    tokenizer = Tokenizer.from_file(str(where / "tokenizer.json"))
    config_path = where / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
    pad = config.get("pad_token") or "[PAD]"
    pad = str(pad["content"] if isinstance(pad, dict) else pad)
    pad_id = tokenizer.token_to_id(pad)
    if pad_id is None:
        raise OnnxExportError(f"No padding token {pad!r} in {where}. / Mangler utfyllingstegn.")
    tokenizer.enable_padding(pad_id=pad_id, pad_token=pad)
    tokenizer.enable_truncation(max_length=max_seq_length)
    return tokenizer


class OnnxSession:
    """Tokenise, run the exported encoder, mean-pool, normalise: what sentence-transformers does
    for these models, with ONNX Runtime doing the forward pass."""

    def __init__(self, path: Path, tokenizer: Any, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._tokenizer = tokenizer

    def embed(self, texts: list[str]) -> Vectors:
        """One L2-normalised row per text, in one batch (pad to the longest)."""
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return np.asarray(pooled / norms, dtype=np.float32)


class OnnxEmbedder(PrefixedEmbedder):
    """The :class:`vectorstore.embeddings.Embedder` protocol over an ONNX export of a
    sentence-transformers folder (made on first use, see :func:`export_onnx`). Its vectors are
    those of the PyTorch model to within :data:`EXPORT_TOLERANCE`, so it carries the same
    ``name`` and an index built with either serves both."""

    def __init__(
        self,
        folder: Path,
        *,
        name: str,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
        batch_size: int = 16,
        threads: int | None = None,
    ) -> None:
        super().__init__(
            name=name,
            query_prefix=query_prefix,
            passage_prefix=passage_prefix,
            batch_size=batch_size,
            threads=threads,
        )
        self.folder = Path(folder)
        self._session: OnnxSession | None = None

    def warm_up(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            record = export_onnx(self.folder)
            self._session = OnnxSession(
                self.folder / EXPORT_FOLDER / "model.onnx",
                load_tokenizer(self.folder, record.max_seq_length),
                self.threads,
            )

    @property
    def session(self) -> OnnxSession:
        if self._session is None:
            self.warm_up()
        assert self._session is not None
        return self._session

    def _encode(self, texts: list[str]) -> Vectors:
        """Batches of about one length (longest first, as sentence-transformers sorts)."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), 0), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            picked = order[start : start + self.batch_size]
            vectors = self.session.embed([texts[i] for i in picked])
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[picked] = vectors
        return out

"""Fine-tune multilingual-e5-small on (question, evidence) pairs with hard negatives.

The recipe of sentence-transformers' training examples: a dataset of (anchor, positive,
negative) rows, MultipleNegativesRankingLoss (the other rows' positives and negatives are the
in-batch negatives), a seeded trainer, and an InformationRetrievalEvaluator on the dev split.

* anchor: a train question (``query: `` prefix), Norwegian or English;
* positive: its evidence candidate, with its context (section, table header);
* negative: the candidate the base model ranks highest for the question that is neither the
  evidence nor holds one of the answers (the hard negatives are the neighbouring sentences and
  rows that a reader must learn to tell apart).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.corpus import CorpusCandidates
from vectorstore.embeddings import BUILD_RECORD, finetuned_folder
from vectorstore.language import squash
from vectorstore.settings import Settings

log = logging.getLogger(__name__)

#: Bump when the recipe changes in a way the config does not show.
RECIPE_VERSION = 1


@dataclass(frozen=True)
class EmbedderConfig:
    """Everything the fine-tuned model depends on besides its data."""

    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 3e-5
    warmup_ratio: float = 0.1
    max_seq_length: int = 128
    seed: int = 0
    #: The negative is drawn from the base model's top candidates, after the positives.
    negative_pool: int = 5
    #: Keep the token embeddings (96M of the model's 118M weights, most of them for tokens of
    #: other languages) as they are: the optimiser then updates the transformer layers only,
    #: which is most of the adaptation for a fraction of the memory and time per step.
    freeze_token_embeddings: bool = True
    threads: int = 2
    recipe: int = RECIPE_VERSION


@dataclass(frozen=True)
class Pair:
    question: str
    positive: str
    negative: str


def answerable_questions(items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions that have an evidence candidate: single questions and the first turn of a
    conversation (a follow-up alone does not say what it asks)."""
    out: list[dict[str, Any]] = []
    for item in items:
        question = item["turns"][0] if "turns" in item else item
        if question.get("type") != "unanswerable" and question.get("evidence"):
            out.append(question)
    return out


def _holds_answer(text: str, answers: Sequence[str]) -> bool:
    squashed = squash(text)
    return any(len(squash(a)) >= 2 and squash(a) in squashed for a in answers)


def build_pairs(
    questions: Sequence[dict[str, Any]],
    corpus: CorpusCandidates,
    base_scores: np.ndarray,
    config: EmbedderConfig,
) -> list[Pair]:
    """One (question, positive, hard negative) row per question with an evidence candidate.

    ``base_scores[i, j]`` is the base model's similarity of question ``i`` and candidate ``j``.
    """
    rng = random.Random(config.seed)
    pairs: list[Pair] = []
    for i, question in enumerate(questions):
        positives = corpus.positives(question)
        if not positives:
            continue
        excluded = set(positives)
        answers = list(question.get("answers") or [])
        pool: list[int] = []
        for j in np.argsort(-base_scores[i]):
            index = int(j)
            if index in excluded or _holds_answer(corpus.items[index].span.text, answers):
                continue
            pool.append(index)
            if len(pool) >= config.negative_pool:
                break
        positive = corpus.items[positives[0]].text
        pairs.append(Pair(question["question"], positive, corpus.items[rng.choice(pool)].text))
    return pairs


def training_id(pairs: Sequence[Pair], config: EmbedderConfig, base_folder: Path) -> str:
    """Names the model by what it is trained from: the pairs, the config, the base weights."""
    digest = hashlib.sha256()
    digest.update(json.dumps(asdict(config), sort_keys=True).encode())
    digest.update((base_folder / "model.safetensors").read_bytes()[:1_000_000])
    for pair in pairs:
        digest.update(f"{pair.question}\t{pair.positive}\t{pair.negative}\n".encode())
    return digest.hexdigest()[:16]


def _ir_evaluator(questions: Sequence[dict[str, Any]], corpus: CorpusCandidates, name: str) -> Any:
    from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator

    queries: dict[str, Any] = {}
    relevant: dict[str, set[str]] = {}
    for n, question in enumerate(questions):
        positives = corpus.positives(question)
        if positives:
            queries[str(n)] = question["question"]
            relevant[str(n)] = {str(p) for p in positives}
    documents: dict[str, Any] = {str(j): c.text for j, c in enumerate(corpus.items)}
    return InformationRetrievalEvaluator(
        queries,
        documents,
        relevant,
        name=name,
        query_prompt="query: ",
        corpus_prompt="passage: ",
        accuracy_at_k=[1, 3, 10],
        precision_recall_at_k=[10],
        mrr_at_k=[10],
        ndcg_at_k=[10],
        map_at_k=[10],
        show_progress_bar=False,
    )


def _fit(model: Any, pairs: Sequence[Pair], config: EmbedderConfig, work: Path) -> None:
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    dataset = Dataset.from_dict(
        {
            "anchor": [p.question for p in pairs],
            "positive": [p.positive for p in pairs],
            "negative": [p.negative for p in pairs],
        }
    )
    args = SentenceTransformerTrainingArguments(
        output_dir=str(work),
        num_train_epochs=config.epochs,
        per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate,
        warmup_ratio=config.warmup_ratio,
        seed=config.seed,
        data_seed=config.seed,
        batch_sampler=BatchSamplers.NO_DUPLICATES,
        prompts={"anchor": "query: ", "positive": "passage: ", "negative": "passage: "},
        save_strategy="no",
        report_to="none",
        logging_steps=10,
        use_cpu=True,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    trainer = SentenceTransformerTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        loss=MultipleNegativesRankingLoss(model),
    )
    trainer.train()


def _base_model(base_folder: Path, config: EmbedderConfig) -> Any:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(base_folder), device="cpu")
    model.max_seq_length = config.max_seq_length
    if config.freeze_token_embeddings:
        for name, parameter in model.named_parameters():
            if "word_embeddings" in name:
                parameter.requires_grad = False
    return model


def _pairs_by_base_model(
    model: Any,
    questions: Sequence[dict[str, Any]],
    corpus: CorpusCandidates,
    config: EmbedderConfig,
) -> list[Pair]:
    """The training rows, their hard negatives drawn in the base model's similarity order."""
    base_vectors = model.encode(
        ["passage: " + c.text for c in corpus.items], batch_size=64, normalize_embeddings=True
    )
    question_vectors = model.encode(
        ["query: " + q["question"] for q in questions],
        batch_size=64,
        normalize_embeddings=True,
    )
    return build_pairs(questions, corpus, question_vectors @ base_vectors.T, config)


def train_embedder(
    settings: Settings,
    train_items: Sequence[dict[str, Any]],
    dev_items: Sequence[dict[str, Any]],
    config: EmbedderConfig | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Fine-tune the base model into ``finetuned_folder``; returns the build record.

    Skipped (the existing record returned) when a model with the same id is already there.
    """
    import torch

    from vectorstore.e5_convert import ensure_e5_model

    config = config or EmbedderConfig()
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    base_folder = ensure_e5_model(Path(settings.cache_dir))
    corpus = CorpusCandidates.from_corpus(settings)
    train_questions = answerable_questions(train_items)
    model = _base_model(base_folder, config)
    started = time.perf_counter()
    pairs = _pairs_by_base_model(model, train_questions, corpus, config)
    model_id = training_id(pairs, config, base_folder)
    folder = finetuned_folder(Path(settings.cache_dir))
    record_path = folder / BUILD_RECORD
    if not force and record_path.exists():
        record: dict[str, Any] = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("id") == model_id:
            log.info("fine-tuned embedder %s is current", model_id)
            return record
    dev_questions = answerable_questions(dev_items)
    evaluator = _ir_evaluator(dev_questions, corpus, "dev")
    before = evaluator(model)
    work = folder.parent / (folder.name + ".training")
    shutil.rmtree(work, ignore_errors=True)
    _fit(model, pairs, config, work / "checkpoints")
    after = evaluator(model)
    model.save(str(work / "model"))
    record = {
        "id": model_id,
        "base": str(base_folder),
        "config": asdict(config),
        "pairs": len(pairs),
        "seconds": round(time.perf_counter() - started, 1),
        "dev_before": {k: round(float(v), 4) for k, v in before.items()},
        "dev_after": {k: round(float(v), 4) for k, v in after.items()},
    }
    (work / "model" / BUILD_RECORD).write_text(json.dumps(record, indent=1), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    (work / "model").rename(folder)
    shutil.rmtree(work, ignore_errors=True)
    return record

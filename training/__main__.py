"""``python -m training``: fine-tune the embedder, build the index with it, train the reader.

    python -m training            every step, each skipped when its inputs are unchanged
    python -m training --force    retrain both models

Data: the train split of ``evals/data`` (the dev split picks the reader's threshold and is the
embedder's evaluator). Seeds are fixed; the models go to ``settings.cache_dir/models``.
"""

from __future__ import annotations

import json
import logging
import sys
import time

import click


def _quiet_libraries() -> None:
    for name in ("chromadb", "httpx", "urllib3", "bm25s", "sentence_transformers", "datasets"):
        logging.getLogger(name).setLevel(logging.WARNING)


@click.command()
@click.option("--force", is_flag=True, help="Retrain even when the inputs are unchanged.")
def main(force: bool) -> None:
    """Train the embedder and the reader of the Asker assistant."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    _quiet_libraries()
    from assistant.service import reader_folder
    from evals.questiondata import load_split
    from ingest.pipeline import ensure_index
    from training.embedder import train_embedder
    from training.reader import train_reader
    from vectorstore.settings import load_settings
    from vectorstore.store import Index

    settings = load_settings()
    train, dev = load_split("train"), load_split("dev")
    started = time.perf_counter()
    click.echo(f"==> embedder ({len(train)} train items)", err=True)
    embedder = train_embedder(settings, train, dev, force=force)
    click.echo("==> index with the fine-tuned embedder", err=True)
    ensure_index(settings)
    click.echo("==> reader", err=True)
    index = Index(settings)
    reader = train_reader(index, train, dev, reader_folder(settings), force=force)
    summary = {
        "embedder": {k: embedder.get(k) for k in ("id", "pairs", "seconds")},
        "embedder_dev_before": embedder.get("dev_before"),
        "embedder_dev_after": embedder.get("dev_after"),
        "reader": {k: reader.get(k) for k in ("id", "threshold", "seconds", "recall_dev")},
        "reader_dev": reader.get("dev"),
        "seconds": round(time.perf_counter() - started, 1),
    }
    click.echo(json.dumps(summary, indent=1))


if __name__ == "__main__":
    sys.exit(main())

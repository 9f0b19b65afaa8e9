"""The entry point: assembles the web layer (``web/``) over the assistant service and serves it.

``python app.py [--host H] [--port P] [--mode public|staff]`` builds the index when it is
missing, warms the service up and serves the chat page at ``/`` and ``POST /api/ask`` on one
FastAPI app. Tests call :func:`build_app` with their own service.
"""

from __future__ import annotations

import os

# Before gradio is imported: Gradio otherwise looks up outside hosts at start.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

import argparse
import logging
from collections.abc import Callable, Sequence

import gradio as gr
import uvicorn
from fastapi import FastAPI

from assistant.documents import DocumentAdmin
from assistant.ingestion import IngestJobs
from vectorstore.settings import Settings, load_settings
from web.api import add_api_routes
from web.auth import staff_credentials
from web.feedback import FeedbackStore
from web.handlers import ChatHandlers
from web.layout import build_blocks, mount_page
from web.ratelimit import SlidingWindowLimiter
from web.security import install_protections
from web.service import ChatService
from web.throttle import AnswerGate, LoginPolicy, LoginThrottle

log = logging.getLogger("asker.app")


def build_app(
    service: ChatService,
    settings: Settings,
    *,
    feedback: FeedbackStore | None = None,
    limiter: SlidingWindowLimiter | None = None,
    admin: DocumentAdmin | None = None,
) -> tuple[FastAPI, gr.Blocks]:
    """The FastAPI app (``/api/ask`` + the page at ``/``) and the Gradio Blocks inside it.
    ``admin``: how staff changes reach the corpus (staff mode; by default the settings'
    corpus, re-ingested with a model loaded on first need)."""
    auth = staff_credentials(settings) if settings.mode == "staff" else None
    feedback = feedback or FeedbackStore(settings.feedback_db)
    limiter = limiter or SlidingWindowLimiter(settings.rate_limit_per_minute, 60.0)
    if settings.mode == "staff":
        admin = admin or DocumentAdmin(settings)
        jobs = IngestJobs(service, settings.data_dir / "uploads", settings.max_file_mb, admin)
    else:
        jobs = None
    handlers = ChatHandlers(
        service, settings, feedback, limiter, jobs, AnswerGate.from_settings(settings)
    )
    demo = build_blocks(handlers, settings)
    app = FastAPI(title="Asker-assistenten", docs_url=None, redoc_url=None, openapi_url=None)
    login = LoginThrottle(LoginPolicy.from_settings(settings))
    add_api_routes(app, handlers, settings, login)
    app.state.handlers = handlers
    mounted = mount_page(app, demo, settings, auth, handlers)
    install_protections(mounted, settings, page_head=demo.head or "", login=login)
    return mounted, demo


def ensure_index_if_possible(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Build the index when it is missing (``ingest.pipeline.ensure_index``), if that exists."""
    try:
        from ingest.pipeline import ensure_index  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        echo("ingest.pipeline.ensure_index is not available; using the index as it is.")
        return
    ensure_index(settings)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Chat-assistent for Asker kommunes dokumenter.")
    parser.add_argument("--host", default=None, help="Address to listen on (default 127.0.0.1).")
    parser.add_argument("--port", type=int, default=None, help="Port (default 7860).")
    parser.add_argument("--mode", choices=["public", "staff"], default=None)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings(host=args.host, port=args.port, mode=args.mode)
    if settings.mode == "staff":
        try:
            staff_credentials(settings)
        except ValueError as exc:
            print(f"error: {exc}")
            return 2
    ensure_index_if_possible(settings)
    from assistant.service import AssistantService

    service = AssistantService(settings)
    print("Warming up the assistant …", flush=True)
    service.warm_up()
    # Staff changes embed new passages with the service's own model (no second copy).
    admin = (
        DocumentAdmin(settings, embedder=service.index.embedder)
        if settings.mode == "staff"
        else None
    )
    app, _ = build_app(service, settings, admin=admin)
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    print(f"Asker-assistenten ({settings.mode}): http://{shown_host}:{settings.port}/", flush=True)
    # uvicorn never takes the client address from X-Forwarded-For (it would believe it from
    # 127.0.0.1); web.identity does, from the trusted proxies only. No "server: uvicorn".
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        proxy_headers=False,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

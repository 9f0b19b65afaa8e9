"""The chat page (Gradio Blocks): its components, their events, and mounting it on FastAPI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr
from fastapi import FastAPI

from assistant.ingestion import UPLOAD_SUFFIXES
from vectorstore.settings import Settings
from web.handlers import ChatHandlers
from web.rendering import CSS, HEAD_JS
from web.throttle import page_workers

TITLE = "Spør om Asker kommunes planer og årsrapporter"
INTRO = (
    "Still spørsmål om kommuneplanen, temaplaner og årsrapporter. Svarene bygger bare "
    "på kommunens egne dokumenter, og tallene i hakeparentes – for eksempel [1] – "
    "viser til kildene under svaret. Svaret kan inneholde feil: sjekk kilden."
)
EXAMPLE_QUESTIONS = (
    "Hvor mye skal Asker redusere klimagassutslippene innen 2030?",
    "Hva er de prioriterte målene i kommuneplanen?",
    "Når passerte Asker 100 000 innbyggere?",
    "Hva står det om FNs bærekraftsmål i Asker?",
)
#: Events that only the page itself uses are kept out of Gradio's API listing.
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


@dataclass(frozen=True)
class ChatTab:
    """The chat tab's components that events read or write."""

    records: gr.State
    feedback_target: gr.State
    document: gr.Dropdown
    kind: gr.Dropdown
    year: gr.Dropdown
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    clear: gr.Button
    feedback_status: gr.Markdown
    comment_row: gr.Row
    comment: gr.Textbox
    comment_send: gr.Button


@dataclass(frozen=True)
class StaffTabs:
    """The staff tabs' components that events read or write."""

    upload_file: gr.File
    upload_btn: gr.Button
    upload_status: gr.Markdown
    doc_table: gr.Dataframe
    refresh_docs: gr.Button
    unanswered_table: gr.Dataframe
    refresh_unanswered: gr.Button
    export_csv: gr.Button
    export_jsonl: gr.Button
    export_unanswered: gr.Button
    export_file: gr.File


def _filter_row(handlers: ChatHandlers) -> tuple[gr.Dropdown, gr.Dropdown, gr.Dropdown]:
    doc_choices, kind_choices, year_choices = handlers.filter_choices()
    with gr.Accordion("Avgrens søket", open=False), gr.Row():
        document = gr.Dropdown(
            choices=doc_choices,
            value="",
            label="Dokument",
            elem_id="filter-doc",
            allow_custom_value=True,
        )
        kind = gr.Dropdown(
            choices=kind_choices,
            value="",
            label="Type",
            elem_id="filter-kind",
            allow_custom_value=True,
        )
        year = gr.Dropdown(
            choices=year_choices,
            value="",
            label="År",
            elem_id="filter-year",
            allow_custom_value=True,
        )
    return document, kind, year


def _chatbot() -> gr.Chatbot:
    return gr.Chatbot(
        label="Samtale",
        elem_id="chat",
        height=640,
        render_markdown=False,
        sanitize_html=True,
        feedback_options=("Like", "Dislike"),
        examples=[{"text": q} for q in EXAMPLE_QUESTIONS],
        placeholder="Velg et eksempel eller skriv ditt eget spørsmål nedenfor.",
        buttons=["copy"],
    )


def _chat_tab(handlers: ChatHandlers) -> ChatTab:
    records = gr.State([])
    feedback_target = gr.State(None)
    document, kind, year = _filter_row(handlers)
    chatbot = _chatbot()
    with gr.Row():
        question = gr.Textbox(
            label="Spørsmål",
            placeholder="Skriv spørsmålet ditt her …",
            lines=1,
            max_lines=6,
            scale=5,
            elem_id="question",
            autofocus=True,
        )
        with gr.Column(scale=1, min_width=120):
            send = gr.Button("Spør", variant="primary", elem_id="send")
            clear = gr.Button("Ny samtale", elem_id="new-chat", size="sm")
    feedback_status = gr.Markdown("", elem_id="feedback-status")
    with gr.Row(visible=False, elem_id="comment-row") as comment_row:
        comment = gr.Textbox(
            label="Kommentar til svaret (valgfritt)",
            placeholder="Hva var bra eller dårlig?",
            scale=5,
            elem_id="comment",
        )
        comment_send = gr.Button("Send kommentar", scale=1, elem_id="comment-send")
    return ChatTab(
        records, feedback_target, document, kind, year, chatbot, question, send, clear,
        feedback_status, comment_row, comment, comment_send,
    )  # fmt: skip


def _staff_tabs(handlers: ChatHandlers) -> StaffTabs:
    with gr.Tab("Dokumenter", id="docs"):
        gr.Markdown(
            "Last opp et dokument (PDF, txt, md eller html). Det legges inn i "
            "bakgrunnen og kan brukes i chatten når statusen er *ferdig*."
        )
        upload_file = gr.File(label="Dokument", file_types=list(UPLOAD_SUFFIXES), elem_id="upload")
        upload_btn = gr.Button("Last opp og legg inn", variant="primary")
        upload_status = gr.Markdown("", elem_id="upload-status")
        doc_table = gr.Dataframe(
            headers=["Dokument", "Type", "År", "Avsnitt", "Status"],
            value=handlers.document_rows(),
            interactive=False,
            elem_id="doc-table",
        )
        refresh_docs = gr.Button("Oppdater listen", size="sm")
    with gr.Tab("Ubesvarte spørsmål", id="unanswered"):
        unanswered_table = gr.Dataframe(
            headers=["Tid (UTC)", "Spørsmål"], value=handlers.unanswered_rows(), interactive=False
        )
        refresh_unanswered = gr.Button("Oppdater", size="sm")
    with gr.Tab("Tilbakemeldinger", id="feedback"):
        gr.Markdown("Last ned alle tilbakemeldinger eller ubesvarte spørsmål.")
        with gr.Row():
            export_csv = gr.Button("Tilbakemeldinger (CSV)")
            export_jsonl = gr.Button("Tilbakemeldinger (JSONL)")
            export_unanswered = gr.Button("Ubesvarte spørsmål (CSV)")
        export_file = gr.File(label="Fil", interactive=False)
    return StaffTabs(
        upload_file, upload_btn, upload_status, doc_table, refresh_docs, unanswered_table,
        refresh_unanswered, export_csv, export_jsonl, export_unanswered, export_file,
    )  # fmt: skip


def _wire_chat(demo: gr.Blocks, handlers: ChatHandlers, tab: ChatTab) -> None:
    ask_inputs = [tab.question, tab.chatbot, tab.document, tab.kind, tab.year, tab.records]
    ask_outputs = [tab.chatbot, tab.records, tab.question]
    tab.question.submit(handlers.respond, ask_inputs, ask_outputs, api_name="ask")
    tab.send.click(handlers.respond, ask_inputs, ask_outputs, **PRIVATE)
    tab.chatbot.example_select(handlers.pick_example, None, tab.question, **PRIVATE).then(
        handlers.respond, ask_inputs, ask_outputs, **PRIVATE
    )
    reset_outputs = [
        tab.chatbot,
        tab.records,
        tab.question,
        tab.feedback_target,
        tab.comment_row,
        tab.comment,
        tab.feedback_status,
    ]
    tab.clear.click(handlers.new_conversation, None, reset_outputs, **PRIVATE)
    tab.chatbot.clear(handlers.new_conversation, None, reset_outputs, **PRIVATE)
    tab.chatbot.like(
        handlers.on_like,
        [tab.records],
        [tab.records, tab.feedback_target, tab.comment_row, tab.feedback_status],
        **PRIVATE,
    )
    comment_inputs = [tab.comment, tab.feedback_target]
    comment_outputs = [tab.comment, tab.feedback_status]
    tab.comment.submit(handlers.on_comment, comment_inputs, comment_outputs, **PRIVATE)
    tab.comment_send.click(handlers.on_comment, comment_inputs, comment_outputs, **PRIVATE)
    demo.load(handlers.refresh_filters, None, [tab.document, tab.kind, tab.year], **PRIVATE)


def _wire_staff(demo: gr.Blocks, handlers: ChatHandlers, tabs: StaffTabs) -> None:
    tabs.upload_btn.click(
        handlers.upload, [tabs.upload_file], [tabs.upload_status, tabs.doc_table], **PRIVATE
    )
    tabs.refresh_docs.click(handlers.document_rows, None, tabs.doc_table, **PRIVATE)
    tabs.refresh_unanswered.click(handlers.unanswered_rows, None, tabs.unanswered_table, **PRIVATE)
    tabs.export_csv.click(
        lambda: handlers.export_feedback("csv"), None, tabs.export_file, **PRIVATE
    )
    tabs.export_jsonl.click(
        lambda: handlers.export_feedback("jsonl"), None, tabs.export_file, **PRIVATE
    )
    tabs.export_unanswered.click(
        lambda: handlers.export_feedback("csv", "unanswered"), None, tabs.export_file, **PRIVATE
    )
    demo.load(handlers.unanswered_rows, None, tabs.unanswered_table, **PRIVATE)


def build_blocks(handlers: ChatHandlers, settings: Settings) -> gr.Blocks:
    """The page: the chat tab, and in staff mode the documents, unanswered and feedback tabs."""
    staff = settings.mode == "staff"
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.Markdown(f"# {TITLE}\n{INTRO}")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chat = _chat_tab(handlers)
            staff_tabs = _staff_tabs(handlers) if staff else None
        _wire_chat(demo, handlers, chat)
        if staff_tabs is not None:
            _wire_staff(demo, handlers, staff_tabs)
    demo.queue(
        # Above the answering slots: a question past them hears "opptatt" (web.throttle).
        default_concurrency_limit=page_workers(settings),
        max_size=max(16, settings.concurrency_limit * 16),
    )
    return demo


def mount_page(
    app: FastAPI, demo: gr.Blocks, settings: Settings, auth: tuple[str, str] | None
) -> FastAPI:
    """Serve ``demo`` at ``/`` of ``app`` (behind Gradio's login form when ``auth`` is set)."""
    return gr.mount_gradio_app(
        app,
        demo,
        path="/",
        auth=auth,
        auth_message="Logg inn med ansattbrukeren." if auth else None,
        footer_links=[],
        run_history=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        theme=gr.themes.Default(
            font=["system-ui", "Segoe UI", "Roboto", "Arial", "sans-serif"],
            font_mono=["ui-monospace", "Consolas", "monospace"],
        ),
        css=CSS,
        head=HEAD_JS,
        max_file_size=f"{int(settings.max_file_mb)}mb" if auth else "1mb",
    )

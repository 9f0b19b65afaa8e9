"""The chat page (Gradio Blocks): its components, their events, and mounting it on FastAPI.

Top to bottom: the heading, "Dette kan du spørre om" (documents, example questions, what is
stored), the active filters as chips, the filter panel, the chat, and the question box with
"Spør" (or "Stopp" while an answer is written) and "Ny samtale". Buttons inside chat messages
and panels reach Python through bridge components: a ``gr.HTML`` whose ``js_on_load``
registers its ``trigger`` in ``window.askerBridges`` for the page script (web/assets/page.js).
Staff mode adds tabs for documents, unanswered questions and feedback (:mod:`web.staff_tabs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr
from fastapi import FastAPI

from vectorstore.settings import Settings
from web.assets import CSS, HEAD, bridge_js, chips_js
from web.auth import StaffCredentials
from web.content import (
    CHAT_PLACEHOLDER,
    INTRO,
    LOGIN_MESSAGE,
    QUESTION_LABEL,
    QUESTION_PLACEHOLDER,
    TITLE,
)
from web.handlers import ChatHandlers
from web.markup import esc
from web.page_html import NorwegianPage
from web.sources import add_source_routes
from web.staff_tabs import StaffTabs, staff_tabs, wire_staff
from web.theme import page_theme
from web.throttle import page_workers

#: Events that only the page itself uses are kept out of Gradio's API listing.
PRIVATE: dict[str, Any] = {"api_visibility": "private"}
#: Hidden helper components (bridges) take no room.
HIDDEN = ["asker-hidden"]


@dataclass(frozen=True)
class ChatTab:
    """The chat tab's components that events read or write."""

    records: gr.State
    coverage: gr.HTML
    chips: gr.HTML
    document: gr.Dropdown
    kind: gr.Dropdown
    year: gr.Dropdown
    chatbot: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    stop: gr.Button
    clear: gr.Button
    feedback_bridge: gr.HTML
    ask_bridge: gr.HTML


def _filter_row(handlers: ChatHandlers) -> tuple[gr.Dropdown, gr.Dropdown, gr.Dropdown]:
    doc_choices, kind_choices, year_choices = handlers.filter_choices()
    with gr.Accordion("Avgrens søket", open=False, elem_id="filters"), gr.Row():
        document = gr.Dropdown(
            choices=doc_choices, value="", label="Dokument", elem_id="filter-doc",
            allow_custom_value=True,
        )  # fmt: skip
        kind = gr.Dropdown(
            choices=kind_choices, value="", label="Type", elem_id="filter-kind",
            allow_custom_value=True,
        )  # fmt: skip
        year = gr.Dropdown(
            choices=year_choices, value="", label="År", elem_id="filter-year",
            allow_custom_value=True,
        )  # fmt: skip
    return document, kind, year


def _question_row() -> tuple[gr.Textbox, gr.Button, gr.Button, gr.Button]:
    with gr.Row(elem_id="ask-row", equal_height=False):
        question = gr.Textbox(
            label=QUESTION_LABEL,
            placeholder=QUESTION_PLACEHOLDER,
            lines=1,
            max_lines=6,
            elem_id="question",
            scale=1,
            min_width=240,
        )
        send = gr.Button("Spør", variant="primary", elem_id="send", scale=0, min_width=90)
        stop = gr.Button(
            "Stopp", variant="stop", elem_id="stop", visible=False, scale=0, min_width=90
        )
        clear = gr.Button("Ny samtale", elem_id="new-chat", scale=0, min_width=140)
    return question, send, stop, clear


def _chat_tab(handlers: ChatHandlers) -> ChatTab:
    records = gr.State([])
    coverage = gr.HTML(handlers.coverage(), elem_id="coverage")
    chips = gr.HTML("", elem_id="filter-chips", js_on_load=chips_js())
    document, kind, year = _filter_row(handlers)
    chatbot = gr.Chatbot(
        label="Samtale",
        show_label=False,
        elem_id="chat",
        height=None,
        autoscroll=False,
        render_markdown=False,
        sanitize_html=True,
        feedback_options=None,
        buttons=[],
        placeholder=CHAT_PLACEHOLDER,
    )
    question, send, stop, clear = _question_row()
    feedback_bridge = gr.HTML(
        "", html_template="", js_on_load=bridge_js("feedback", reply=True),
        elem_id="feedback-bridge", elem_classes=HIDDEN,
    )  # fmt: skip
    ask_bridge = gr.HTML(
        "", html_template="", js_on_load=bridge_js("ask"), elem_id="ask-bridge",
        elem_classes=HIDDEN,
    )  # fmt: skip
    return ChatTab(
        records, coverage, chips, document, kind, year, chatbot, question, send, stop, clear,
        feedback_bridge, ask_bridge,
    )  # fmt: skip


def _running() -> tuple[Any, Any, Any]:
    """While an answer is written: "Stopp" instead of "Spør", and no second question."""
    return gr.update(visible=False), gr.update(visible=True), gr.update(interactive=False)


def _idle() -> tuple[Any, Any, Any]:
    return gr.update(visible=True), gr.update(visible=False), gr.update(interactive=True)


def _wire_asking(handlers: ChatHandlers, tab: ChatTab) -> list[Any]:
    """Question box, "Spør" and the ask bridge each start an answer; "Stopp" cancels it."""
    inputs = [tab.question, tab.chatbot, tab.document, tab.kind, tab.year, tab.records]
    outputs = [tab.chatbot, tab.records, tab.question]
    toggles = [tab.send, tab.stop, tab.question]
    picked = tab.ask_bridge.select(handlers.pick_question, None, tab.question, **PRIVATE)
    starts = [
        (tab.question.submit(_running, None, toggles, **PRIVATE), {"api_name": "ask"}),
        (tab.send.click(_running, None, toggles, **PRIVATE), PRIVATE),
        (picked.then(_running, None, toggles, **PRIVATE), PRIVATE),
    ]
    answering = []
    for start, api in starts:
        event = start.then(handlers.respond, inputs, outputs, show_progress="hidden", **api)
        event.then(_idle, None, toggles, **PRIVATE)
        answering.append(event)
    tab.stop.click(handlers.stop, [tab.chatbot], [tab.chatbot], cancels=answering, **PRIVATE).then(
        _idle, None, toggles, **PRIVATE
    )
    return answering


def _wire_chat(demo: gr.Blocks, handlers: ChatHandlers, tab: ChatTab) -> None:
    _wire_asking(handlers, tab)
    filters = [tab.document, tab.kind, tab.year]
    reset = [tab.chatbot, tab.records, tab.question, *filters, tab.chips]
    tab.clear.click(handlers.new_conversation, None, reset, **PRIVATE)
    tab.chatbot.clear(handlers.new_conversation, None, reset, **PRIVATE)
    for dropdown in filters:
        dropdown.change(handlers.chips, filters, tab.chips, **PRIVATE)
    tab.chips.select(handlers.remove_filter, filters, [*filters, tab.chips], **PRIVATE)
    tab.feedback_bridge.select(
        handlers.on_feedback, [tab.records], [tab.records, tab.feedback_bridge], **PRIVATE
    )
    demo.load(handlers.refresh_page, None, [*filters, tab.coverage], **PRIVATE)


def _header() -> str:
    return f'<header class="asker-header"><h1>{esc(TITLE)}</h1><p>{esc(INTRO)}</p></header>'


def build_blocks(handlers: ChatHandlers, settings: Settings) -> gr.Blocks:
    """The page: the chat, and in staff mode the documents, unanswered and feedback tabs."""
    staff = settings.mode == "staff"
    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        gr.HTML(_header(), elem_id="header")
        tabs: StaffTabs | None = None
        if staff:
            with gr.Tabs():
                with gr.Tab("Chat", id="chat-tab"):
                    chat = _chat_tab(handlers)
                tabs = staff_tabs(handlers)
        else:
            chat = _chat_tab(handlers)
        _wire_chat(demo, handlers, chat)
        if tabs is not None:
            wire_staff(demo, handlers, tabs, [chat.document, chat.kind, chat.year, chat.coverage])
    demo.queue(
        # Above the answering slots: a question past them hears "opptatt" (web.throttle).
        default_concurrency_limit=page_workers(settings),
        max_size=max(16, settings.concurrency_limit * 16),
    )
    return demo


def mount_page(
    app: FastAPI,
    demo: gr.Blocks,
    settings: Settings,
    auth: tuple[str, str] | None,
    handlers: ChatHandlers | None = None,
) -> FastAPI:
    """Serve ``demo`` at ``/`` of ``app`` (behind Gradio's login form when ``auth`` is set),
    in Norwegian from the first byte, with the indexed PDFs at ``/dokumenter/``."""
    if handlers is not None:
        login = StaffCredentials(*auth) if auth else None
        add_source_routes(app, handlers.documents, handlers.library, login)
    app.add_middleware(NorwegianPage, title=TITLE)
    return gr.mount_gradio_app(
        app,
        demo,
        path="/",
        auth=auth,
        auth_message=LOGIN_MESSAGE if auth else None,
        footer_links=[],
        run_history=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        theme=page_theme(),
        css=CSS,
        head=HEAD,
        max_file_size=f"{int(settings.max_file_mb)}mb" if auth else "1mb",
    )

"""The staff tabs (staff mode only): documents, unanswered questions, feedback.

A document change (add, replace, delete) runs in the background; its one status line follows
it, and when it is done the document table, the chat tab's filters and the coverage panel are
updated in the open page (no reload).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.ingestion import UPLOAD_SUFFIXES
from web.staff import DOCUMENT_HEADERS, FEEDBACK_HEADERS, UNANSWERED_HEADERS

if TYPE_CHECKING:
    from web.handlers import ChatHandlers

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


@dataclass(frozen=True)
class DocumentForm:
    """Title, kind, year and period fields (one set for adding, one for changing)."""

    title: gr.Textbox
    kind: gr.Dropdown
    year: gr.Textbox
    period: gr.Textbox

    @property
    def fields(self) -> list[Any]:
        return [self.title, self.kind, self.year, self.period]


@dataclass(frozen=True)
class DocumentsTab:
    """The documents tab: add, the table, change or delete."""

    add_file: gr.File
    add_form: DocumentForm
    add_button: gr.Button
    status: gr.Markdown
    doc_table: gr.Dataframe
    doc_select: gr.Dropdown
    change_file: gr.File
    change_form: DocumentForm
    change_button: gr.Button
    delete_confirm: gr.Checkbox
    delete_button: gr.Button


@dataclass(frozen=True)
class StaffTabs:
    """The staff tabs' components that events read or write."""

    docs: DocumentsTab
    unanswered_table: gr.Dataframe
    unanswered_select: gr.Dropdown
    handled_button: gr.Button
    handled_status: gr.Markdown
    feedback_table: gr.Dataframe
    refresh_buttons: tuple[gr.Button, gr.Button]
    export_buttons: tuple[gr.Button, gr.Button, gr.Button]
    export_file: gr.File


def _form(handlers: ChatHandlers, prefix: str) -> DocumentForm:
    kinds = [value for _, value in handlers.filter_choices()[1] if value]
    with gr.Row():
        title = gr.Textbox(label="Tittel", elem_id=f"{prefix}-title", scale=3)
        kind = gr.Dropdown(
            choices=kinds, value=None, label="Type", allow_custom_value=True,
            elem_id=f"{prefix}-kind", scale=2,
        )  # fmt: skip
        # A text field: a number field shows 0 when empty, and 0 is no year.
        year = gr.Textbox(label="År", placeholder="2024", elem_id=f"{prefix}-year", scale=1)
        period = gr.Textbox(label="Periode (valgfritt)", elem_id=f"{prefix}-period", scale=2)
    return DocumentForm(title, kind, year, period)


def _documents_tab(handlers: ChatHandlers) -> DocumentsTab:
    gr.Markdown(
        "Legg til et dokument (PDF, txt, md eller html) med tittel, type og år. Det legges "
        "inn i bakgrunnen og kan brukes i chatten når statusen sier *ferdig*."
    )
    add_file = gr.File(label="Dokument", file_types=list(UPLOAD_SUFFIXES), elem_id="upload")
    add_form = _form(handlers, "add")
    add_button = gr.Button("Legg til dokumentet", variant="primary", elem_id="add-doc")
    status = gr.Markdown("", elem_id="upload-status")
    doc_table = gr.Dataframe(
        headers=DOCUMENT_HEADERS, value=handlers.document_rows(), interactive=False,
        elem_id="doc-table",
    )  # fmt: skip
    with gr.Accordion("Endre eller slett et dokument", open=False, elem_id="change-doc"):
        doc_select = gr.Dropdown(
            choices=handlers.staff.document_choices(), label="Dokument", elem_id="doc-select"
        )
        change_file = gr.File(
            label="Ny fil (valgfritt)", file_types=list(UPLOAD_SUFFIXES), elem_id="change-file"
        )
        change_form = _form(handlers, "change")
        change_button = gr.Button("Lagre endringene", elem_id="change-doc-button")
        delete_confirm = gr.Checkbox(label="Ja, slett dokumentet", elem_id="delete-confirm")
        delete_button = gr.Button("Slett dokumentet", variant="stop", elem_id="delete-doc")
    return DocumentsTab(
        add_file, add_form, add_button, status, doc_table, doc_select, change_file, change_form,
        change_button, delete_confirm, delete_button,
    )  # fmt: skip


def staff_tabs(handlers: ChatHandlers) -> StaffTabs:
    with gr.Tab("Dokumenter", id="docs"):
        docs = _documents_tab(handlers)
    with gr.Tab("Ubesvarte spørsmål", id="unanswered"):
        unanswered_table = gr.Dataframe(
            headers=UNANSWERED_HEADERS, value=handlers.staff.unanswered_rows(),
            interactive=False, wrap=True, elem_id="unanswered-table",
        )  # fmt: skip
        with gr.Row():
            unanswered_select = gr.Dropdown(
                choices=handlers.staff.unanswered_choices(), label="Spørsmål",
                elem_id="unanswered-select", scale=4,
            )  # fmt: skip
            handled_button = gr.Button("Merk som behandlet", elem_id="mark-handled", scale=1)
        handled_status = gr.Markdown("", elem_id="handled-status")
        refresh_unanswered = gr.Button("Oppdater listen", size="sm")
    with gr.Tab("Tilbakemeldinger", id="feedback"):
        feedback_table = gr.Dataframe(
            headers=FEEDBACK_HEADERS, value=handlers.staff.feedback_rows(), interactive=False,
            wrap=True, elem_id="feedback-table",
        )  # fmt: skip
        gr.Markdown("Last ned alle tilbakemeldinger eller ubesvarte spørsmål.")
        with gr.Row():
            exports = (
                gr.Button("Tilbakemeldinger (CSV)"),
                gr.Button("Tilbakemeldinger (JSONL)"),
                gr.Button("Ubesvarte spørsmål (CSV)"),
            )
        export_file = gr.File(label="Fil", interactive=False)
        refresh_feedback = gr.Button("Oppdater listen", size="sm")
    return StaffTabs(
        docs, unanswered_table, unanswered_select, handled_button, handled_status,
        feedback_table, (refresh_unanswered, refresh_feedback), exports, export_file,
    )  # fmt: skip


def wire_staff(
    demo: gr.Blocks, handlers: ChatHandlers, tabs: StaffTabs, chat_outputs: list[Any]
) -> None:
    """``chat_outputs``: the chat tab's document, kind and year filters and coverage panel,
    updated when a document change is done."""
    docs = tabs.docs
    changed = [docs.status, docs.doc_table, docs.doc_select, *chat_outputs]
    docs.add_button.click(
        handlers.add_document, [docs.add_file, *docs.add_form.fields], changed, **PRIVATE
    )
    docs.doc_select.change(
        handlers.staff.document_fields, [docs.doc_select], docs.change_form.fields, **PRIVATE
    )
    docs.change_button.click(
        handlers.replace_document,
        [docs.doc_select, docs.change_file, *docs.change_form.fields],
        changed,
        **PRIVATE,
    )
    docs.delete_button.click(
        handlers.delete_document, [docs.doc_select, docs.delete_confirm], changed, **PRIVATE
    )
    unanswered = [tabs.unanswered_table, tabs.unanswered_select]
    tabs.handled_button.click(
        handlers.mark_handled, [tabs.unanswered_select], [*unanswered, tabs.handled_status],
        **PRIVATE,
    )  # fmt: skip
    lists = [docs.doc_table, *unanswered, tabs.feedback_table]
    for button in tabs.refresh_buttons:
        button.click(handlers.staff_lists, None, lists, **PRIVATE)
    demo.load(handlers.staff_lists, None, lists, **PRIVATE)
    csv_feedback, jsonl_feedback, csv_unanswered = tabs.export_buttons
    csv_feedback.click(lambda: handlers.export_feedback("csv"), None, tabs.export_file, **PRIVATE)
    jsonl_feedback.click(
        lambda: handlers.export_feedback("jsonl"), None, tabs.export_file, **PRIVATE
    )
    csv_unanswered.click(
        lambda: handlers.export_feedback("csv", "unanswered"), None, tabs.export_file, **PRIVATE
    )

"""The staff page in a real browser: the login form in Norwegian, a document added with its
title, kind and year (in the chat's filters and panel without a reload), unanswered questions
grouped and marked handled, feedback shown in the page."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import REPO_CORPUS, FakeService, RunningApp, SyncingAdmin, start_app
from tests.web.test_e2e_browser import CHROMIUM, CHROMIUM_ARGS, REAL
from vectorstore.settings import load_settings
from web.feedback import FeedbackStore

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(REAL, reason="would change the real corpus")]
playwright_sync = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("needs /usr/bin/chromium", allow_module_level=True)

USER, PASSWORD = "ansatt", "hemmelig-passord"


def start_staff_app(tmp_path: Path) -> tuple[RunningApp, FeedbackStore]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPO_CORPUS / "manifest.json", corpus / "manifest.json")
    settings = load_settings(
        data_dir=tmp_path / "data", corpus_dir=corpus, mode="staff", staff_username=USER,
        staff_password=PASSWORD,
    )  # fmt: skip
    service = FakeService()
    service.sync_with_corpus(corpus)
    feedback = FeedbackStore(tmp_path / "feedback.sqlite3")
    running = start_app(service, settings, feedback, admin=SyncingAdmin(settings, service))
    return running, feedback


@pytest.fixture
def staff_page(tmp_path: Path) -> Iterator[tuple[Any, RunningApp, FeedbackStore]]:
    running, feedback = start_staff_app(tmp_path)
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")
        try:
            yield context.new_page(), running, feedback
        finally:
            context.close()
            browser.close()
            running.stop()


def test_staff_login_documents_unanswered_and_feedback(
    staff_page: tuple[Any, RunningApp, FeedbackStore], tmp_path: Path
) -> None:
    page, running, feedback = staff_page
    feedback.log_unanswered("Hva koster en pizza?", [{"title": "Årsrapport 2024", "page": 34}])
    feedback.log_unanswered("hva koster en pizza")
    feedback.add_feedback(
        question="Og i 2023?", answer="8,4 %", rating=-1, previous_question="Og i 2024?"
    )
    page.goto(running.url + "/")
    # The login form is Norwegian even in an English browser.
    page.get_by_role("button", name="Logg inn").wait_for(timeout=30_000)
    assert page.evaluate("() => document.documentElement.lang") == "nb"
    assert "Logg inn med ansattbrukeren." in page.inner_text("body")
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe().run(page)
    serious = [
        v["id"] for v in axe.response["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    page.get_by_label("Brukernavn").fill(USER)
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_selector("#question textarea", timeout=30_000)

    # A document with its title, kind and year.
    upload = tmp_path / "trafikk.md"
    upload.write_text("# Trafikk\nTrafikknotatet.", encoding="utf-8")
    page.get_by_role("tab", name="Dokumenter").click()
    page.set_input_files("#upload input[type=file]", str(upload))
    page.locator("#add-title textarea, #add-title input").first.fill("Trafikknotat 2025")
    page.locator("#add-kind input").fill("notat")
    page.locator("#add-year textarea, #add-year input").first.fill("2025")
    page.get_by_role("button", name="Legg til dokumentet").click()
    status = page.locator("#upload-status")
    status.filter(has_text="ferdig").wait_for(timeout=30_000)
    assert status.inner_text().count("ferdig") == 1
    page.locator("#doc-table").filter(has_text="Trafikknotat 2025").wait_for(timeout=10_000)
    # The chat tab knows it at once: the filter and the coverage panel, no reload.
    page.get_by_role("tab", name="Chat").click()
    assert "Trafikknotat 2025" in page.locator("#coverage").inner_text()
    page.get_by_text("Avgrens søket").click()
    page.locator("#filter-doc input").click()
    page.get_by_role("option", name="Trafikknotat 2025").wait_for(timeout=10_000)
    page.keyboard.press("Escape")

    # Unanswered questions, grouped, with the closest passage, marked handled.
    page.get_by_role("tab", name="Ubesvarte spørsmål").click()
    table = page.locator("#unanswered-table")
    table.filter(has_text="Årsrapport 2024, s. 34").wait_for(timeout=10_000)
    assert "nei" in table.inner_text()
    page.locator("#unanswered-select input").click()
    page.get_by_role("option", name="hva koster en pizza (2)").click()
    page.get_by_role("button", name="Merk som behandlet").click()
    page.locator("#handled-status").filter(has_text="Merket som behandlet.").wait_for(
        timeout=10_000
    )
    assert feedback.unanswered_groups()[0].handled

    # Feedback in the page, with the question before a follow-up.
    page.get_by_role("tab", name="Tilbakemeldinger").click()
    rows = page.locator("#feedback-table")
    rows.filter(has_text="Og i 2024?").wait_for(timeout=10_000)
    assert "Liker ikke" in rows.inner_text()

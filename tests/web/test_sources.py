"""Links to the original documents and the read-only PDF route."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.documents import CorpusFiles
from tests.conftest import build_pdf
from tests.web.conftest import FakeService
from web.auth import StaffCredentials
from web.service import DocumentEntry, list_documents
from web.sources import add_source_routes, card_href, enrich


def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    entries = [
        {"file": "arsrapport-2024.pdf", "doc_id": "arsrapport-2024", "title": "Å", "kind": "å"},
        {"file": "temaplan-klima.txt", "doc_id": "temaplan-klima", "title": "T", "kind": "t",
         "period": "2021-2030", "origin": "https://www.asker.kommune.no/klima"},
        {"file": "hemmelig.pdf", "doc_id": "hemmelig", "title": "H", "kind": "h"},
    ]  # fmt: skip
    (root / "manifest.json").write_text(json.dumps({"documents": entries}), encoding="utf-8")
    build_pdf(root / "arsrapport-2024.pdf", ["Side 1.", "Side 2."])
    build_pdf(root / "hemmelig.pdf", ["Ikke i indeksen."])
    (root / "temaplan-klima.txt").write_text("T", encoding="utf-8")
    return root


def test_documents_get_period_and_links_from_the_corpus(tmp_path: Path) -> None:
    docs = {d.doc_id: d for d in list_documents(FakeService(), CorpusFiles(corpus(tmp_path)))}
    assert docs["arsrapport-2024"].href == "/dokumenter/arsrapport-2024.pdf"
    klima = docs["temaplan-klima"]
    assert klima.period == "2021-2030" and klima.href == "https://www.asker.kommune.no/klima"
    assert "hemmelig" not in docs  # the index does not list it
    assert card_href({"doc_id": "arsrapport-2024", "page": 2}, docs) == (
        "/dokumenter/arsrapport-2024.pdf#page=2", True,
    )  # fmt: skip
    assert card_href({"doc_id": "temaplan-klima", "page": 2}, docs) == (klima.href, False)
    assert card_href({"doc_id": "ukjent"}, docs) == (None, False)


def test_enrich_adds_context_and_links_to_citations_and_closest(tmp_path: Path) -> None:
    service = FakeService()
    docs = list_documents(service, CorpusFiles(corpus(tmp_path)))
    answer = enrich(service, service.ask("Hva koster en pizza?").to_dict(), docs)
    assert answer["closest"][0]["href"] == "/dokumenter/arsrapport-2024.pdf#page=34"
    answer = enrich(service, service.ask("Hva er målet?").to_dict(), docs)
    assert answer["citations"][0]["context_before"].startswith("Teksten før")


def test_pdf_route_serves_only_indexed_pdfs(tmp_path: Path) -> None:
    library = CorpusFiles(corpus(tmp_path))
    service = FakeService()
    app = FastAPI()

    def documents() -> list[DocumentEntry]:
        return list_documents(service, library)

    add_source_routes(app, documents, library)
    client = TestClient(app)
    ok = client.get("/dokumenter/arsrapport-2024.pdf")
    assert ok.status_code == 200 and ok.headers["content-type"] == "application/pdf"
    assert ok.content.startswith(b"%PDF") and "inline" in ok.headers["content-disposition"]
    for name in ("hemmelig.pdf", "temaplan-klima.pdf", "arsrapport-2024", "..%2Fmanifest.json"):
        assert client.get(f"/dokumenter/{name}").status_code == 404, name
    assert client.post("/dokumenter/arsrapport-2024.pdf").status_code == 405


def test_pdf_route_asks_for_the_staff_login_in_staff_mode(tmp_path: Path) -> None:
    library = CorpusFiles(corpus(tmp_path))
    service = FakeService()
    app = FastAPI()
    add_source_routes(
        app, lambda: list_documents(service, library), library, StaffCredentials("a", "b")
    )
    client = TestClient(app)
    denied = client.get("/dokumenter/arsrapport-2024.pdf")
    assert denied.status_code == 401 and denied.headers["www-authenticate"].startswith("Basic")
    assert client.get("/dokumenter/arsrapport-2024.pdf", auth=("a", "x")).status_code == 401
    assert client.get("/dokumenter/arsrapport-2024.pdf", auth=("a", "b")).status_code == 200

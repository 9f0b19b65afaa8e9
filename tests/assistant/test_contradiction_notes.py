"""The note on a cited value that the documents give otherwise elsewhere."""

from __future__ import annotations

from assistant.contradiction_notes import OtherSide, contradiction_note
from vectorstore.contradictions import Statement


def _statement(value: str, page: int | None, doc_id: str = "rapport") -> Statement:
    return Statement(doc_id, f"{doc_id}:{page}", page, "Utslippene gikk ned.", value, "%", 2023)


HERE = _statement("9,8 prosent", 48)


def test_a_value_given_on_two_pages_is_named_once_with_both_pages() -> None:
    others = [
        OtherSide(_statement("9,7 prosent", 59), 2, "Rapport", same_document=True),
        OtherSide(_statement("9,7 prosent", 67), 3, "Rapport", same_document=True),
    ]
    note = contradiction_note(HERE, 1, "Rapport", others, "no")
    assert note == (
        "Merk: Rapport oppgir både 9,8 prosent (s. 48) [1] og 9,7 prosent (s. 59 [2], s. 67 [3])."
    )


def test_values_of_other_documents_are_set_against_the_cited_one() -> None:
    others = [
        OtherSide(_statement("9,7 prosent", 67), 2, "Rapport", same_document=True),
        OtherSide(_statement("9,6 prosent", 3, "plan"), 3, "Klimaplan", same_document=False),
    ]
    note = contradiction_note(HERE, 1, "Rapport", others, "en")
    assert note == (
        "Note: Rapport gives both 9,8 prosent (s. 48) [1] and 9,7 prosent (s. 67) [2], "
        "while Klimaplan gives 9,6 prosent (s. 3) [3]."
    )


def test_a_value_of_another_document_alone_and_an_unknown_page() -> None:
    others = [OtherSide(_statement("9,6 prosent", None, "plan"), 2, "Klimaplan", False)]
    note = contradiction_note(HERE, 1, "Rapport", others, "no")
    assert note == (
        "Merk: Rapport oppgir 9,8 prosent (s. 48) [1], "
        "mens Klimaplan oppgir 9,6 prosent (s. ?) [2]."
    )

from __future__ import annotations

import re

from tests.web.conftest import HOSTILE_PASSAGE, FakeService
from web.rendering import (
    anchor_id,
    excerpt,
    highlight_passage,
    render_answer,
    render_indicator,
    render_source_card,
    render_streaming,
    render_text,
    render_user_message,
    safe_id,
    source_meta,
)

XSS = "<img src=x onerror=alert(1)>"


def _no_live_markup(html: str) -> None:
    """No tag from the hostile strings made it through as markup."""
    assert "<img" not in html
    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]*\son\w+=", html)


def test_user_message_is_escaped() -> None:
    html = render_user_message(f"Hei {XSS}\nlinje 2 & <b>fet</b>")
    _no_live_markup(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;fet&lt;/b&gt;" in html
    assert "<br>" in html


def test_answer_citations_become_links() -> None:
    html = render_text("Svar [1] og [2, 3]. Ukjent [9].", anchor_prefix="p", known={1, 2, 3})
    assert f'href="#{anchor_id("p", 1)}"' in html
    assert html.count('class="cite"') == 4  # [1], [2], [3] and the unknown [9] as plain span
    assert '<span class="cite">[9]</span>' in html


def test_render_text_lists_and_bold() -> None:
    html = render_text("Mål:\n\n- **Nær** [1]\n- Aktiv", anchor_prefix="p", known={1})
    assert "<ul><li><strong>Nær</strong>" in html
    assert "<li>Aktiv</li>" in html


def test_answer_text_from_model_is_escaped() -> None:
    html = render_streaming(f"Svar {XSS} [1]")
    _no_live_markup(html)
    assert "&lt;img" in html


def test_highlight_and_excerpt() -> None:
    text = "Første setning. Den viktige setningen står her. Siste setning."
    html = highlight_passage(text, "Den viktige setningen står her.")
    assert "<mark>Den viktige setningen står her.</mark>" in html
    # Whitespace differences are tolerated.
    html2 = highlight_passage("A b.\nDen  viktige\nsetningen.", "Den viktige setningen.")
    assert "<mark>Den  viktige setningen.</mark>" in html2  # wrapped line joined
    assert "<br>" in highlight_passage("Tabell\n2023: 5\n2024: 6", "")
    long_text = "x " * 400 + "Målet er 67 prosent. " + "y " * 400
    short = excerpt(long_text, "Målet er 67 prosent.", context=50)
    assert short.startswith("<p>…") and short.endswith("…</p>")
    assert "<mark>Målet er 67 prosent.</mark>" in short
    assert len(short) < 250


def test_source_card_escapes_document_text() -> None:
    card = render_source_card(
        {
            "n": 2,
            "title": "Plan <script>x</script>",
            "kind": "temaplan",
            "year": 2021,
            "page": 4,
            "section": "Del <i>1</i>",
            "text": HOSTILE_PASSAGE,
            "supporting_sentence": "Kommunestyret vedtok planen 15. juni 2021.",
        },
        "abc",
    )
    _no_live_markup(card)
    assert 'id="kilde-abc-2"' in card
    assert "<mark>Kommunestyret vedtok planen 15. juni 2021.</mark>" in card
    assert "Temaplan · 2021 · side 4 · Del &lt;i&gt;1&lt;/i&gt;" in card
    assert "&lt;script&gt;" in card


def test_long_passage_gets_details() -> None:
    text = "Innledning. " * 60 + "Kjernen. " + "Avslutning. " * 60
    card = render_source_card(
        {"n": 1, "title": "T", "text": text, "supporting_sentence": "Kjernen."}, "p"
    )
    assert "<details" in card and "Vis hele avsnittet" in card
    short = render_source_card(
        {"n": 1, "title": "T", "text": "Kort.", "supporting_sentence": "Kort."}, "p"
    )
    assert "<details" not in short


def test_source_meta_without_year_and_page() -> None:
    assert source_meta({"kind": "årsrapport", "year": None}) == "Årsrapport · ukjent år"
    assert source_meta({"kind": "", "year": 2020, "page": 7}, "en") == "2020 · page 7"


def test_full_answer_from_fake_service() -> None:
    answer = FakeService().ask("Hvor mye skal utslippene ned?").to_dict()
    html = render_answer(answer, "m1")
    _no_live_markup(html)
    assert html.count('class="asker-source"') == 2
    assert 'href="#kilde-m1-1"' in html and 'id="kilde-m1-1"' in html
    assert "Kilder" in html


def test_english_labels() -> None:
    answer = FakeService().ask("How much will emissions fall?").to_dict()
    html = render_answer(answer, "m1")
    assert "Sources" in html and "Kilder" not in html


def test_refused_answer_has_class_and_no_sources() -> None:
    answer = FakeService().ask("Hva koster en pizza?").to_dict()
    html = render_answer(answer, "m")
    assert "asker-refused" in html and "asker-sources" not in html


def test_indicator_table_and_chart() -> None:
    indicator = {
        "indicator": "Sykefravær <b>",
        "unit": "prosent",
        "series": [
            {"year": 2021, "value_text": "8,1 %", "value": 8.1},
            {"year": 2022, "value_text": "8,9 %", "value": 8.9},
            {"year": 2023, "value_text": "<i>8,4 %</i>", "value": 8.4},
        ],
    }
    html = render_indicator(indicator)
    assert "<table" in html and "<svg" in html
    assert html.count("<tr>") == 4  # header + 3
    assert "&lt;i&gt;8,4 %&lt;/i&gt;" in html
    assert "Sykefravær &lt;b&gt; (prosent)" in html
    assert "<circle" in html and "<polyline" in html
    assert "<script" not in html


def test_indicator_without_enough_numbers_has_no_chart() -> None:
    indicator = {
        "indicator": "X",
        "series": [
            {"year": 2022, "value_text": "1", "value": 1.0},
            {"year": 2023, "value_text": "ukjent", "value": None},
            {"year": 2024, "value_text": "3", "value": 3},
        ],
    }
    html = render_indicator(indicator)
    assert "<table" in html and "<svg" not in html
    assert render_indicator(None) == "" and render_indicator({"series": []}) == ""


def test_indicator_comparisons_get_their_own_table() -> None:
    indicator = {
        "indicator": "Årsgebyr for avfallstjenesten",
        "series": [{"year": 2023, "value_text": "4 234"}, {"year": 2024, "value_text": "4 286"}],
        "comparisons": [
            {"place": "Bærum", "year": 2024, "value_text": "3 471", "value": 3471.0},
            {"place": "<Drammen>", "year": 2024, "value_text": "3 720", "value": 3720.0},
        ],
    }
    html = render_indicator(indicator)
    assert html.count("<table") == 2 and "<th>Sted</th>" in html
    assert "<td>Bærum (2024)</td><td>3 471</td>" in html and "&lt;Drammen&gt;" in html
    assert render_indicator({**indicator, "comparisons": []}, "en").count("<table") == 1


def test_safe_id() -> None:
    assert safe_id('a"b<c>') == "a-b-c"
    assert safe_id("") == "x"


def test_source_card_with_surrounding_text() -> None:
    card = render_source_card(
        {
            "n": 1,
            "title": "T",
            "text": "Kort.",
            "supporting_sentence": "Kort.",
            "context_before": "Før <b>.",
            "context_after": "Etter.",
        },
        "p",
    )
    assert "Vis hele avsnittet og teksten rundt" in card
    assert (
        card.index("Før &lt;b&gt;.")
        < card.index("<mark>Kort.</mark></p></div>")
        < card.index("Etter.")
    )

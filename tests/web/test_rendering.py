from __future__ import annotations

import re
from typing import Any

from tests.web.conftest import HOSTILE_PASSAGE, SICK_LEAVE_TABLE, FakeService
from web.citations import SourceView
from web.rendering import (
    RefusalContext,
    anchor_id,
    excerpt,
    highlight_passage,
    render_answer,
    render_indicator,
    render_source_card,
    render_stage,
    render_stopped,
    render_streaming,
    render_text,
    render_user_message,
    safe_id,
    source_meta,
)


def card(data: dict[str, Any], prefix: str = "p", language: str = "no") -> str:
    return render_source_card(SourceView.from_mapping(data), prefix, language)


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
    html = card(
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
    _no_live_markup(html)
    assert 'id="kilde-abc-2"' in html
    assert "<mark>Kommunestyret vedtok planen 15. juni 2021.</mark>" in html
    assert "Temaplan · 2021 · side 4 · Del &lt;i&gt;1&lt;/i&gt;" in html
    assert "&lt;script&gt;" in html


def test_long_passage_gets_details() -> None:
    text = "Innledning. " * 60 + "Kjernen. " + "Avslutning. " * 60
    html = card({"n": 1, "title": "T", "text": text, "supporting_sentence": "Kjernen."})
    assert "<details" in html and "Vis hele avsnittet" in html
    short = card({"n": 1, "title": "T", "text": "Kort.", "supporting_sentence": "Kort."})
    assert "<details" not in short


def test_source_meta_without_year_and_page() -> None:
    meta = SourceView.from_mapping({"kind": "årsrapport", "year": None})
    assert source_meta(meta) == "Årsrapport · ukjent år"
    meta = SourceView.from_mapping({"kind": "", "year": 2020, "page": 7})
    assert source_meta(meta, "en") == "2020 · page 7"


def test_full_answer_from_fake_service() -> None:
    answer = FakeService().ask("Hvor mye skal utslippene ned?").to_dict()
    html = render_answer(answer, "m1")
    _no_live_markup(html)
    cited, maybe = html.split("Kanskje står svaret her")  # the fake's answer is unsure
    assert cited.count('class="asker-source"') == 2 and maybe.count('class="asker-source"') == 1
    assert 'href="#kilde-m1-1"' in html and 'id="kilde-m1-1"' in html
    assert "Kilder" in html


def test_an_unsure_answer_says_so_above_its_sources() -> None:
    answer = FakeService().ask("Hvor mye skal utslippene ned?").to_dict()
    sure = render_answer({**answer, "certainty": "sure"}, "m1")
    assert "asker-unsure" not in sure and "Usikkert svar" not in sure
    unsure = render_answer({**answer, "certainty": "unsure"}, "m1")
    note = unsure.index('class="asker-unsure" role="note"')
    assert "Usikkert svar" in unsure and note < unsure.index('class="asker-source"')
    english = FakeService().ask("How much will emissions fall?").to_dict()
    marked = render_answer({**english, "certainty": "unsure"}, "m1")
    assert "Uncertain answer" in marked and "Usikkert" not in marked
    refused = render_answer({**answer, "refused": True, "certainty": "unsure"}, "m1")
    assert "asker-unsure" not in refused


def test_an_unsure_answer_shows_where_else_the_answer_may_stand() -> None:
    answer = FakeService().ask("Hvor mye skal utslippene ned?").to_dict()
    other = {**answer["citations"][0], "chunk_id": "annet:1", "title": "Årsrapport 2024"}
    html = render_answer({**answer, "certainty": "unsure", "closest": [other]}, "m1")
    heading = html.index("Kanskje står svaret her")
    assert heading > html.rindex('id="kilde-m1-2"')  # after the two cited sources
    assert 'id="kilde-m1-3"' in html[heading:]  # numbered on: no id is used twice
    sure = render_answer({**answer, "certainty": "sure", "closest": [other]}, "m1")
    assert "Kanskje står svaret her" not in sure and 'id="kilde-m1-3"' not in sure


def test_an_answer_says_how_the_conversation_made_it_read_the_question() -> None:
    answer = FakeService().ask("Hvor mye skal utslippene ned?").to_dict()
    read = {**answer, "question": "og i 2030?", "standalone_question": "Hva skal skje i 2030?"}
    html = render_answer(read, "m1")
    line = html.index('class="asker-read-as"')
    assert "Spørsmålet er lest som: «Hva skal skje i 2030?»" in html
    assert line < html.index("Asker skal redusere")  # above the answer it leads to
    refused = render_answer({**read, "refused": True, "citations": []}, "m1")
    assert "lest som: «Hva skal skje i 2030?»" in refused
    same = {**answer, "standalone_question": answer["question"]}
    assert "asker-read-as" not in render_answer(same, "m1")
    assert "asker-read-as" not in render_answer({**answer, "standalone_question": None}, "m1")
    long = render_answer({**read, "standalone_question": "ord " * 400}, "m1")
    assert "ord ord …»" in long and long.count("ord") < 100
    hostile = render_answer({**read, "standalone_question": "<b>x</b>"}, "m1")
    assert "<b>x</b>" not in hostile and "&lt;b&gt;x&lt;/b&gt;" in hostile
    english = FakeService().ask("How much will emissions fall?").to_dict()
    html = render_answer(
        {**english, "question": "and in 2030?", "standalone_question": "How much in 2030?"}, "m1"
    )
    assert "The question was read as: “How much in 2030?”" in html


def test_english_labels() -> None:
    answer = FakeService().ask("How much will emissions fall?").to_dict()
    html = render_answer(answer, "m1")
    assert "Sources" in html and "Kilder" not in html


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
    html = card(
        {
            "n": 1,
            "title": "T",
            "text": "Kort.",
            "supporting_sentence": "Kort.",
            "context_before": "Før <b>.",
            "context_after": "Etter.",
        }
    )
    assert "Vis hele avsnittet og teksten rundt" in html
    assert (
        html.index("Før &lt;b&gt;.")
        < html.index("<mark>Kort.</mark></p></div>")
        < html.index("Etter.")
    )


# --- issue 15: what a finished answer carries -----------------------------------------------------
def _copy_texts(html: str) -> list[str]:
    """The plain texts the copy buttons copy (unescaped)."""
    import html as html_module

    return [
        html_module.unescape(t)
        for t in re.findall(r'<pre class="asker-copy-text" hidden>(.*?)</pre>', html, re.S)
    ]


def test_citation_links_are_named_for_screen_readers() -> None:
    answer = FakeService().ask("Hvor mye skal utslippene ned?").to_dict()
    html = render_answer(answer, "m1")
    assert (
        '<span class="asker-sr">Kilde 1: Temaplan for handling mot klimaendringene, side 3' in html
    )
    assert 'style="--n:&quot;[1]&quot;"' in html  # the visible "[1]" is drawn from --n


def test_citations_are_numbered_in_the_order_shown() -> None:
    answer = {
        "answer": "Først den andre [2]. Så den første [1]. Igjen [2, 1].",
        "citations": [
            {"n": 1, "title": "Første", "text": "a", "page": 1},
            {"n": 2, "title": "Andre", "text": "b", "page": 2},
        ],
    }
    html = render_answer(answer, "p")
    assert html.index('id="kilde-p-1"') < html.index('id="kilde-p-2"')
    first_card = html[html.index('id="kilde-p-1"') :]
    assert first_card.index("Andre") < first_card.index("Første")  # [2] became [1]
    assert "Kilde 1: Andre, side 2" in html and "Kilde 2: Første, side 1" in html
    assert _copy_texts(html)[-1].startswith("Først den andre [1]. Så den første [2]. Igjen [1, 2].")


def test_copy_gives_plain_text_with_the_reference() -> None:
    answer = FakeService().ask("Hva var sykefraværet i 2024?").to_dict()
    html = render_answer(answer, "p")
    whole = _copy_texts(html)[-1]
    assert whole == (
        "Sykefraværet i Asker kommune var 8,0 prosent i 2024 [1].\n\n"
        "Kilde: Årsrapport 2024 for Asker kommune, s. 34, «Sykefravær»"
    )
    assert "<" not in whole
    quote = _copy_texts(html)[0]
    assert quote.endswith("\nKilde: Årsrapport 2024 for Asker kommune, s. 34, «Sykefravær»")
    assert quote.startswith("«Sykefravær totalt 8,1 % 8,0 % 8,4 % 8,0 %")
    several = render_answer(FakeService().ask("Hva er målet?").to_dict(), "q")
    assert _copy_texts(several)[-1].endswith(
        "Kilder:\n[1] Temaplan for handling mot klimaendringene, s. 3, «Handling mot "
        "klimaendringene»\n[2] Temaplan for handling mot klimaendringene, s. 1, «Om planen»"
    )


def _hit_column(html: str) -> int:
    """Index (0-based, among the data cells) of the marked cell in the marked row."""
    row = re.search(r'<tr class="asker-hit-row">(.*?)</tr>', html, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>", row.group(1))
    return next(i for i, c in enumerate(cells) if "asker-hit" in c)


def test_table_passage_is_a_table_with_the_used_cell_marked() -> None:
    answer = FakeService().ask("Hva var sykefraværet i 2024?").to_dict()
    html = render_answer(answer, "p")
    assert '<table class="asker-table">' in html
    assert '<th scope="col">2024</th>' in html and '<th scope="row">Korttidsfravær</th>' in html
    # 8,0 % stands in both the 2022 and the 2024 column: the 2024 one (the fourth) is marked.
    assert _hit_column(html) == 3
    assert html.count('class="asker-hit"') == 1


def _marked_cells(html: str) -> list[tuple[str, str]]:
    """(row label, marked cell text) of every marked cell."""
    rows = re.findall(r'<tr class="asker-hit-row"><th scope="row">(.*?)</th>(.*?)</tr>', html)
    return [
        (label, cell)
        for label, cells in rows
        for cell in re.findall(r'<td class="asker-hit"[^>]*><mark>(.*?)</mark></td>', cells)
    ]


def test_table_passage_marks_every_value_a_calculation_used() -> None:
    mapping = {
        "n": 1, "title": "T", "text": SICK_LEAVE_TABLE, "chunk_type": "table",
        "supporting_sentence": "Korttidsfravær 1,9 % 2,1 % 2,0 % 1,8 %",
        "value": "1,8 %", "value_year": 2024,
        "other_values": [
            {"value": "2,1 %", "year": 2022, "row": "Korttidsfravær 1,9 % 2,1 % 2,0 % 1,8 %"},
            {"value": "5,9 %", "year": 2022, "row": "Langtidsfravær 6,2 % 5,9 % 6,4 % 6,2 %"},
        ],
    }  # fmt: skip
    html = render_source_card(SourceView.from_mapping(mapping), "p")
    assert _marked_cells(html) == [
        ("Korttidsfravær", "2,1 %"), ("Korttidsfravær", "1,8 %"), ("Langtidsfravær", "5,9 %"),
    ]  # fmt: skip
    # Entries that are no value (or no list) are left out; the first value is still marked.
    broken = {**mapping, "other_values": [{"year": 2022}, "2,1 %", None]}
    assert _marked_cells(render_source_card(SourceView.from_mapping(broken), "p")) == [
        ("Korttidsfravær", "1,8 %")
    ]
    assert SourceView.from_mapping({**mapping, "other_values": "2,1 %"}).other_values == ()


def test_table_passage_without_a_value_marks_the_row_the_sentence_names() -> None:
    source = SourceView.from_mapping(
        {"n": 1, "title": "T", "text": SICK_LEAVE_TABLE, "chunk_type": "table",
         "supporting_sentence": "Korttidsfravær 1,9 % 2,1 % 2,0 % 1,8 %"}
    )  # fmt: skip
    html = render_source_card(source, "p")
    assert '<tr class="asker-hit-row"><th scope="row">Korttidsfravær</th>' in html
    assert 'class="asker-hit"' not in html
    # Older answers (no chunk type) and text that is no table stay text.
    plain = card({"n": 1, "title": "T", "text": "Ingen tabell her.", "chunk_type": "table"})
    assert "<table" not in plain and "Ingen tabell her." in plain


def test_refusal_shows_the_closest_passages_and_what_to_try() -> None:
    answer = FakeService().ask("Hva koster en pizza?").to_dict()
    context = RefusalContext(
        filters=("år 2024",), documents=("Årsrapport 2024 (årsrapport, 2024)",)
    )
    html = render_answer(answer, "r", context)
    _no_live_markup(html)
    assert "asker-refused" in html and "Jeg finner ikke dette i dokumentene." in html
    assert "Nærmest kommer" not in html  # the cards show it
    assert "Nærmest i dokumentene" in html and html.count('class="asker-source"') == 2
    assert "<mark>Mye skal skje fram mot 2030.</mark>" in html
    assert "Søket var avgrenset til år 2024." in html
    assert "Dokumentene handler om: Årsrapport 2024 (årsrapport, 2024)." in html
    assert (
        '<button type="button" class="asker-btn asker-ask">Hva står det om «Sykefravær» i' in html
    )
    assert _copy_texts(html)[-1] == "Jeg finner ikke dette i dokumentene."


def test_refusal_in_a_conversation_offers_the_suggested_question_first() -> None:
    answer = FakeService().ask("Hva koster en pizza?").to_dict()
    answer["suggested_question"] = "Hva koster en pizza (sykefravær i 2024)?"
    html = render_answer(answer, "r")
    _no_live_markup(html)
    offer = html.index(
        '<p class="asker-refusal-offer">Mente du: <button type="button" '
        'class="asker-btn asker-ask">Hva koster en pizza (sykefravær i 2024)?'
    )
    assert offer < html.index("Nærmest i dokumentene")
    assert "Hva står det om «Sykefravær»" not in html  # one question to try, the offer
    assert _copy_texts(html)[-1] == "Jeg finner ikke dette i dokumentene."
    answer["suggested_question"] = "<b>x</b>"
    assert "&lt;b&gt;x&lt;/b&gt;" in render_answer(answer, "r")


def test_refusal_of_an_older_answer_uses_the_retrieved_passages() -> None:
    answer = FakeService().ask("Hva koster en pizza?").to_dict()
    del answer["closest"]
    html = render_answer(answer, "r")
    assert html.count('class="asker-source"') == 2 and "Nærmest i dokumentene" in html
    answer["retrieved"] = []
    html = render_answer(answer, "r")
    assert "Nærmest kommer: Årsrapport 2024" in html  # no cards: the service's pointer stays
    assert "Prøv å spørre med andre ord" in html


def test_streaming_has_stage_then_text_and_no_buttons() -> None:
    stage = render_stage("Leser kildene …")
    assert "Leser kildene …" in stage and 'role="status"' in stage
    partial = render_streaming("Asker skal [1]")
    assert "asker-streaming" in partial and "asker-actions" not in partial
    finished = render_answer(FakeService().ask("Hva er målet?").to_dict(), "f")
    assert finished.count("asker-rate") == 2 and ">Kopier<" in finished
    assert ">Liker<" in finished and ">Liker ikke<" in finished


def test_stopped_answer_keeps_its_text() -> None:
    stopped = render_stopped(render_streaming("Asker skal redusere"))
    assert "Asker skal redusere" in stopped and "Svaret ble stoppet." in stopped
    assert "asker-streaming" not in stopped
    assert "Svaret ble stoppet." in render_stopped(render_stage("Søker i dokumentene …"))
    assert "Søker i" not in render_stopped(render_stage("Søker i dokumentene …"))


def test_english_answer_is_marked_english() -> None:
    html = render_answer(FakeService().ask("How much will emissions fall?").to_dict(), "e")
    assert 'lang="en"' in html and "Source 1: Temaplan" in html
    assert 'lang="en"' not in render_answer(FakeService().ask("Hva er målet?").to_dict(), "n")


def test_pdf_source_links_to_its_page() -> None:
    html = card(
        {"n": 1, "title": "Årsrapport", "text": "Tekst.", "page": 34,
         "href": "/dokumenter/arsrapport-2024.pdf#page=34", "href_is_pdf": True}
    )  # fmt: skip
    assert 'href="/dokumenter/arsrapport-2024.pdf#page=34"' in html
    assert "Åpne PDF-en på side 34" in html and 'rel="noopener"' in html
    web = card(
        {"n": 1, "title": "Side", "text": "Tekst.", "href": "https://www.asker.kommune.no/x"}
    )
    assert "Åpne nettsiden" in web
    assert "asker-open" not in card({"n": 1, "title": "T", "text": "Tekst."})

"""IndicatorStore: SQLite round trip, per-document replacement and label search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from vectorstore import indicators
from vectorstore.indicators import (
    MAX_COMPOUND_CHARS,
    IndicatorRecord,
    IndicatorStore,
    denominator_terms,
    match_detail,
    named_places,
    near_form,
    number_terms,
    place_in,
    query_terms,
    strip_places,
    unmatched_terms,
)


def _rec(
    indicator: str,
    year: int,
    value_text: str,
    value: float | None,
    *,
    doc_id: str = "arsrapport-2024",
    unit: str = "%",
    span_start: int = 100,
    section: str = "Medarbeidere",
    table_title: str = "Medarbeidere",
    target: str | None = None,
) -> IndicatorRecord:
    return IndicatorRecord(
        doc_id=doc_id,
        indicator=indicator,
        year=year,
        value_text=value_text,
        value=value,
        unit=unit,
        target=target,
        table_title=table_title,
        section=section,
        page=35,
        span_start=span_start,
        span_end=span_start + 500,
    )


SICK = [
    _rec("Sykefraværsprosent", 2021, "8,4 %", 8.4),
    _rec("Sykefraværsprosent", 2022, "9,3 %", 9.3),
    _rec("Sykefraværsprosent", 2023, "9,0 %", 9.0),
    _rec("Sykefraværsprosent", 2024, "9,3 %", 9.3),
]
FULLTIME = [
    _rec("Andelen heltidsansatte", 2023, "63,9 %", 63.9),
    _rec("Andelen heltidsansatte", 2024, "64,2 %", 64.2),
]
DEBT = [
    _rec(
        "Netto lånegjeld som andel av brutto driftsinntekter",
        2024,
        "94,7 %",
        94.7,
        target="< 80 %",
        section="Økonomi",
        span_start=10,
    )
]


def test_round_trip_and_replace(tmp_path: Path) -> None:
    store = IndicatorStore(tmp_path / "sub" / "indicators.sqlite")
    assert store.replace_document("arsrapport-2024", [*SICK, *FULLTIME, *DEBT]) == 7
    assert store.count() == 7
    records = store.all()
    assert set(records) == {*SICK, *FULLTIME, *DEBT}
    debt = next(r for r in records if r.indicator.startswith("Netto"))
    assert debt.target == "< 80 %" and debt.value == 94.7 and debt.page == 35

    # Re-ingesting replaces the document's rows instead of adding to them.
    assert store.replace_document("arsrapport-2024", SICK) == 4
    assert store.count() == 4
    # Records of another document are not written under this one.
    other = _rec("Sykefraværsprosent", 2024, "7,0 %", 7.0, doc_id="other")
    assert store.replace_document("arsrapport-2024", [*SICK, other]) == 4
    store.replace_document("other", [other])
    assert store.count() == 5
    store.delete_document("arsrapport-2024")
    assert [r.doc_id for r in store.all()] == ["other"]


def test_reopen_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "indicators.sqlite"
    IndicatorStore(path).replace_document("arsrapport-2024", SICK)
    import sqlite3

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert IndicatorStore(path).count() == 4


def test_series_is_ordered_by_year_and_per_table(tmp_path: Path) -> None:
    store = IndicatorStore(tmp_path / "i.sqlite")
    again = _rec("Sykefraværsprosent", 2024, "10,1 %", 10.1, span_start=9000, section="Velferd")
    store.replace_document("arsrapport-2024", [*reversed(SICK), again])
    series = store.series("arsrapport-2024", "Sykefraværsprosent")
    assert [r.year for r in series] == [2021, 2022, 2023, 2024]
    assert [r.value_text for r in store.series("arsrapport-2024", "Sykefraværsprosent", 9000)] == [
        "10,1 %"
    ]
    assert store.series("arsrapport-2024", "Finnes ikke") == []


def test_search_stems_and_ranks(tmp_path: Path) -> None:
    store = IndicatorStore(tmp_path / "i.sqlite")
    store.replace_document("arsrapport-2024", [*SICK, *FULLTIME, *DEBT])
    matches = store.search("Hva var sykefraværet i 2024?")
    assert matches and matches[0].label == "Sykefraværsprosent"
    assert matches[0].score >= 0.9
    assert [r.year for r in matches[0].records] == [2021, 2022, 2023, 2024]
    assert matches[0].by_year[2022].value_text == "9,3 %"

    best = store.search("netto lånegjeld")[0]
    assert best.label.startswith("Netto lånegjeld") and best.query_coverage == 1.0

    heltid = store.search("andelen heltidsansatte", limit=1)
    assert len(heltid) == 1 and heltid[0].label == "Andelen heltidsansatte"
    assert store.search("hvordan jobber kommunen med klima") == []
    assert store.search("sykefravær", doc_ids=("other",)) == []


def test_match_detail_context_counts_half() -> None:
    exact = match_detail("årsverk oppvekst", "Årsverk (antall)", "Oppvekst Årsverk og ansatte")
    other = match_detail("årsverk oppvekst", "Årsverk (antall)", "Velferd Årsverk og ansatte")
    assert exact.query_coverage == 1.0 and exact.context_hits == 1
    assert exact.score > other.score
    assert match_detail("", "Sykefraværsprosent").score == 0.0


def test_numbers_qualify_labels() -> None:
    grade7 = "Andelen elever (7. trinn) som har blitt mobbet 2-3 ganger i måneden"
    grade10 = "Andelen elever (10. trinn) som har blitt mobbet 2-3 ganger i måneden"
    q = "Hvor stor andel av elevene på 10. trinn ble mobbet 2-3 ganger i måneden?"
    assert match_detail(q, grade10).score > match_detail(q, grade7).score
    # A number the row does not have rules it out.
    assert match_detail(q, grade7).score == 0.0
    assert (
        match_detail("Skolebidragsindikatoren for 1.-4. trinn", "Skolebidrag (5.-7. trinn)").score
        == 0
    )
    # Numbers glued to words are not qualifiers.
    assert number_terms("tonn CO2-ekvivalenter per m2, 8.-10. trinn, 80 år, 2024") == [
        "8",
        "10",
        "80",
    ]


def test_inflections_compounds_and_hyphens() -> None:
    # Inflections the stemmer leaves apart.
    d = match_detail(
        "lærerne oppfylte kompetansekravene", "Andelen lærere som oppfyller kompetansekrav"
    )
    assert d.query_coverage == 1.0
    # A query compound whose parts are two label words.
    d = match_detail("heltidsandelen", "Andelen heltidsansatte")
    assert d.query_coverage == 1.0 and d.label_coverage == 1.0
    # -ing nouns meet their verbs; hyphenated compounds meet the joined spelling.
    assert match_detail("mobbingen", "Andelen elever som er mobbet").query_coverage == 1.0
    assert match_detail("tonn CO2-ekvivalenter", "tonn CO2ekvivalenter").query_coverage == 1.0
    # But a short prefix is not an inflection.
    assert match_detail("arbeidsledighet", "Arbeid").score == 0.0


def test_soft_words_and_places() -> None:
    # "blant de ansatte" neither has to match nor counts against a label.
    d = match_detail(
        "Hvor høyt var sykefraværet blant de ansatte i Asker kommune?", "Sykefraværsprosent"
    )
    assert d.query_coverage == 1.0 and d.label_coverage == 1.0
    # Alone, the filler word is what the question is about.
    assert query_terms("Hvor mange ansatte?")[0] == ["ansatt"]
    # "i Asker" matches a label "i Askersamfunnet" and prefers it.
    q = "direkte klimagassutslipp i Asker"
    total = match_detail(q, "Mengde direkte klimagassutslipp i Askersamfunnet, tonn")
    road = match_detail(q, "Mengde direkte klimagassutslipp fra veitrafikk, tonn")
    assert total.score > road.score
    # Units as tables print them.
    assert match_detail("vedlikehold per kvadratmeter", "Vedlikehold per m2").query_coverage == 1.0


def test_near_form_and_unmatched_terms() -> None:
    q = "andel elever som trivdes på skolen"
    assert unmatched_terms(q, "Andelen elever som er mobbet på skolen") == ["trivd"]
    assert near_form("trivd", "Elevenes trivsel på skolen")
    assert not near_form("trivd", "Andelen elever som er mobbet")
    assert not near_form("skol", "Elevenes trivsel på skolen")  # a real match, not a near form


# --- comparison tables: other places' values ----------------------------------------------------

FEE = "Årsgebyr for avfallstjenesten - ekskl. mva. (kr)"
POINTS = "Gjennomsnittlig grunnskolepoeng (antall)"


def _kostra(
    indicator: str, values: list[str], span_start: int, section: str
) -> list[IndicatorRecord]:
    """One KOSTRA row: Asker 2023, Asker 2024, then Bærum, Drammen, Lillestrøm, Kostragruppe 12
    for 2024 (values as printed in the annual report)."""
    columns = [(2023, None), (2024, None), (2024, "Bærum"), (2024, "Drammen"),
               (2024, "Lillestrøm"), (2024, "Kostragruppe 12")]  # fmt: skip
    records = []
    for (year, place), text in zip(columns, values, strict=True):
        value = float(text.replace(" ", "").replace(",", "."))
        records.append(
            IndicatorRecord(
                doc_id="arsrapport-2024",
                indicator=indicator,
                year=year,
                value_text=text,
                value=value,
                unit="",
                target=None,
                table_title="KOSTRA-tall",
                section=section,
                page=89,
                span_start=span_start,
                span_end=span_start + 2000,
                place=place,
            )
        )
    return records


KOSTRA = [
    *_kostra(
        FEE, ["4 234", "4 286", "3 471", "3 720", "3 821", "3 644"], 7000, "Samfunnstjenester"
    ),
    *_kostra(POINTS, ["43,8", "43,7", "44,8", "42,0", "41,8", "42,8"], 6000, "Oppvekst"),
    *_kostra(
        "Netto driftsutgifter per innbygger (370) bibliotek",
        ["393", "393", "396", "305", "363", "323"], 8000, "Medborgerskap",
    ),
]  # fmt: skip
BOLIGER = [
    _rec("Asker", 2024, "690", 690.0, unit="", span_start=50, table_title="Fullførte boliger"),
    _rec("Bærum", 2024, "680", 680.0, unit="", span_start=50, table_title="Fullførte boliger"),
]


def test_places_round_trip_and_series(tmp_path: Path) -> None:
    store = IndicatorStore(tmp_path / "i.sqlite")
    assert store.replace_document("arsrapport-2024", [*SICK, *KOSTRA]) == 4 + 18
    assert set(store.all()) == {*SICK, *KOSTRA}
    assert store.places() == ["Bærum", "Drammen", "Kostragruppe 12", "Lillestrøm"]
    # A row's series is Asker's by default, another place's on request.
    assert [(r.year, r.value_text) for r in store.series("arsrapport-2024", FEE)] == [
        (2023, "4 234"), (2024, "4 286")
    ]  # fmt: skip
    assert [r.value_text for r in store.series("arsrapport-2024", FEE, place="Bærum")] == ["3 471"]
    assert [r.value_text for r in store.series("arsrapport-2024", "Sykefraværsprosent")][-1] == (
        "9,3 %"
    )


def test_a_file_from_before_place_is_read_and_migrated(tmp_path: Path) -> None:
    """The previous generation's file (read for unchanged documents) lacks ``place``."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE indicator (doc_id TEXT NOT NULL, indicator TEXT NOT NULL, year INTEGER "
            "NOT NULL, value_text TEXT NOT NULL, value REAL, unit TEXT NOT NULL, target TEXT, "
            "table_title TEXT NOT NULL, section TEXT NOT NULL, page INTEGER, span_start INTEGER "
            "NOT NULL, span_end INTEGER NOT NULL)"
        )
        conn.execute(
            "INSERT INTO indicator VALUES ('arsrapport-2024', 'Sykefraværsprosent', 2024, "
            "'9,3 %', 9.3, '%', NULL, 'Medarbeidere', 'Medarbeidere', 35, 100, 600)"
        )
    store = IndicatorStore(path)
    assert store.all() == [SICK[-1]] and store.places() == []
    assert store.search("sykefravær")[0].label == "Sykefraværsprosent"
    store.replace_document("arsrapport-2024", KOSTRA)
    assert store.places() and set(store.all()) == set(KOSTRA)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    IndicatorStore(tmp_path / "new.sqlite3")
    with sqlite3.connect(tmp_path / "new.sqlite3") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2


def test_search_keeps_other_places_apart(tmp_path: Path) -> None:
    store = IndicatorStore(tmp_path / "i.sqlite")
    store.replace_document("arsrapport-2024", [*SICK, *KOSTRA, *BOLIGER])
    match = store.search("Hva var årsgebyret for avfallstjenesten i 2024?")[0]
    assert match.label == FEE
    assert [(r.year, r.value_text) for r in match.records] == [(2023, "4 234"), (2024, "4 286")]
    assert match.by_year[2024].value_text == "4 286"
    assert [r.place for r in match.comparisons] == [
        "Bærum", "Drammen", "Lillestrøm", "Kostragruppe 12"
    ]  # fmt: skip
    assert match.place_values("Bærum")[2024].value_text == "3 471"
    assert match.place_values("Oslo") == {}
    # A place the tables know, named in the query, must be in the row's label or table: Asker's
    # rows are not Bærum's (a row labelled Bærum is).
    assert [m.label for m in store.search("årsgebyret for avfallstjenesten i Bærum")] == ["Bærum"]
    assert store.search("sykefraværet i Drammen kommune") == []
    boliger = store.search("Hvor mange boliger ble fullført i Bærum?")
    assert boliger and boliger[0].label == "Bærum"


def test_named_and_stripped_places() -> None:
    places = ["Bærum", "Drammen", "Kostragruppe 12", "Lillestrøm"]
    q = "Hvordan var grunnskolepoengene i Asker sammenlignet med Bærums og KOSTRA-gruppe 12?"
    assert named_places(q, places) == ["Bærum", "Kostragruppe 12"]
    assert strip_places(q, ["Bærum", "Kostragruppe 12"]) == (
        "Hvordan var grunnskolepoengene i Asker sammenlignet med og ?"
    )
    assert named_places("Hva er Kostragruppen?", places) == ["Kostragruppe 12"]
    assert named_places("Hvor mange bor i Asker?", places) == []
    assert place_in("Bærum", "Bærum") and not place_in("Bærum", "Befolkningsvekst")


def test_a_rate_needs_its_denominator_and_what_it_measures() -> None:
    label = "Netto driftsutgifter per innbygger (370) bibliotek"
    assert denominator_terms(label) == {"innbygg"}
    assert denominator_terms("Årsverk av leger pr. 10 000 innbyggere") == {"innbygger"}
    assert denominator_terms("Befolkningsvekst per år i prosent") == set()
    # Only the denominator: not this row.
    assert match_detail("Hvor mange innbyggere har kommunen?", label).score == 0.0
    # What it measures without the denominator: a rate is not a total.
    assert match_detail("Hvor mye økte besøket i bibliotekene?", "Besøk i folkebibliotek per "
                        "innbygger").score == 0.0  # fmt: skip
    assert match_detail("netto driftsutgifter per innbygger til bibliotek", label).score > 0.8


def test_part_of_a_longer_label_word_counts_a_little_less() -> None:
    q = "utgifter per innbygger til bibliotek"
    whole = match_detail(q, "Utgifter per innbygger til bibliotek")
    part = match_detail(q, "Utgifter per innbygger til folkebibliotek")
    assert whole.query_coverage == part.query_coverage == 1.0
    assert whole.score > part.score


def test_english_phrases_and_compounds_of_two_words() -> None:
    q = "What was the annual fee for waste collection, excluding VAT?"
    assert query_terms(q)[0] == ["årsgebyr", "avfall", "innsaml", "ekskl", "mva"]
    assert match_detail(q, FEE).query_coverage == 0.8
    # Two question words that the label writes as one compound.
    d = match_detail("average primary school points", POINTS)
    assert d.query_coverage == 1.0
    # "kommune" + "plan" is not "Kommunekasse" + "plan/kart/bygg".
    assert (
        match_detail("Hva er kommuneplanen?", "Netto driftsutgifter til plan/kart/bygg "
                     "(Kommunekasse)").score == 0.0
    )  # fmt: skip


# --- bounded work on pathological words (issue 14, finding 1) ------------------------------------
class _CountingMatcher:
    """Stands in for ``_term_match`` and counts the calls (and the longest word it saw)."""

    def __init__(self, real: Callable[[str, str], bool]) -> None:
        self.real = real
        self.calls = 0
        self.longest = 0

    def __call__(self, query_term: str, label_term: str) -> bool:
        self.calls += 1
        self.longest = max(self.longest, len(query_term))
        return self.real(query_term, label_term)


def test_a_very_long_word_is_not_split(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _CountingMatcher(indicators._term_match)
    monkeypatch.setattr(indicators, "_term_match", counter)
    labels = ["andel", "heltidsansatt", "sykefravær", "prosent"]
    word = "a" * 1_000_000
    assert indicators._compound_parts(word, labels) == ()
    assert counter.calls == 0  # no head/tail pair was even tried
    longest = "a" * (MAX_COMPOUND_CHARS + 1)
    assert indicators._compound_parts(longest, labels) == ()
    assert counter.calls == 0


def test_compounds_up_to_the_bound_are_still_split(monkeypatch: pytest.MonkeyPatch) -> None:
    assert indicators._compound_parts("heltidsandel", ["andel", "heltidsansatt"]) != ()
    counter = _CountingMatcher(indicators._term_match)
    monkeypatch.setattr(indicators, "_term_match", counter)
    word = "b" * MAX_COMPOUND_CHARS
    labels = ["bbbbb", "cccc"]
    indicators._compound_parts(word, labels)
    # One try per split point and label word: bounded by the word limit, not the input.
    assert counter.calls <= MAX_COMPOUND_CHARS * len(labels)


def test_label_matching_with_a_huge_word_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _CountingMatcher(indicators._term_match)
    monkeypatch.setattr(indicators, "_term_match", counter)
    query = "Hva var sykefraværet " + "x" * 1_000_000 + " i 2024?"
    detail = match_detail(query, "Sykefravær i prosent", "Nøkkeltall for ansatte")
    assert detail.label_hits == 1  # "sykefravær" still matches
    # A handful of comparisons per query word and label word, however long the word is.
    assert counter.calls <= 40
    assert unmatched_terms(query, "Sykefravær i prosent") == ["x" * 1_000_000]

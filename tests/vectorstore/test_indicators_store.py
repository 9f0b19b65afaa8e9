"""IndicatorStore: SQLite round trip, per-document replacement, places and series."""

from __future__ import annotations

from pathlib import Path

from vectorstore.indicators import IndicatorRecord, IndicatorStore


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
    store.replace_document("arsrapport-2024", KOSTRA)
    assert store.places() and set(store.all()) == set(KOSTRA)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    IndicatorStore(tmp_path / "new.sqlite3")
    with sqlite3.connect(tmp_path / "new.sqlite3") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2

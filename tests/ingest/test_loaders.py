"""Loaders: PDFs with page numbers, text with page markers, markdown/HTML headings, and the
reasons a file is refused."""

from __future__ import annotations

import itertools
import os
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from ingest.loaders import (
    LoadedDocument,
    LoadError,
    PageStart,
    corpus_entry_problem,
    html_to_text,
    load_document,
    read_regular_file,
)
from tests.conftest import CORPUS, PDF_PAGES

MB = 1024 * 1024
MakePdf = Callable[[Path, Sequence[str | None]], Path]


# --------------------------------------------------------------------------------------------
# PDF


def test_pdf_pages_and_norwegian_letters(tmp_path: Path, make_pdf: MakePdf) -> None:
    path = make_pdf(tmp_path / "notat.pdf", PDF_PAGES)
    doc = load_document(path, 10 * MB)

    assert doc.page_exact is True
    assert [s.page for s in doc.page_starts] == [1, 2, 3]
    for word in ("Ærfuglbestanden", "Blåøya", "Søndre Håøya", "Sjøørreten", "Åroselva", "ålegress"):
        assert word in doc.text, word
    assert doc.page_at(doc.text.index("Blåøya")) == 1
    assert doc.page_at(doc.text.index("Sjøørreten")) == 2
    assert doc.page_at(doc.text.index("Vollenbukta")) == 3
    assert doc.page_at(len(doc.text) - 1) == 3
    # Pages are separate paragraphs, in order.
    assert doc.text.index("ærfugl") < doc.text.index("ørret") < doc.text.index("ålegress")


def test_pdf_blank_page_in_the_middle_keeps_later_page_numbers(
    tmp_path: Path, make_pdf: MakePdf
) -> None:
    path = make_pdf(tmp_path / "med-bilde.pdf", [PDF_PAGES[0], None, PDF_PAGES[2]])
    doc = load_document(path, 10 * MB)
    assert doc.page_at(doc.text.index("Blåøya")) == 1
    assert doc.page_at(doc.text.index("Vollenbukta")) == 3


def test_uppercase_pdf_suffix_is_accepted(tmp_path: Path, make_pdf: MakePdf) -> None:
    path = make_pdf(tmp_path / "NOTAT.PDF", PDF_PAGES[:1])
    assert "Blåøya" in load_document(path, 10 * MB).text


def test_corrupt_pdf(tmp_path: Path) -> None:
    rng = random.Random(7)
    path = tmp_path / "skadet.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(4000)))
    with pytest.raises(LoadError, match="skadet eller uleselig / corrupt or unreadable PDF"):
        load_document(path, 10 * MB)


def test_truncated_pdf(tmp_path: Path, make_pdf: MakePdf) -> None:
    good = make_pdf(tmp_path / "hel.pdf", PDF_PAGES).read_bytes()
    path = tmp_path / "avkuttet.pdf"
    path.write_bytes(good[: len(good) // 3])
    with pytest.raises(LoadError, match="PDF"):
        load_document(path, 10 * MB)


def _encrypt(source: Path, target: Path, user_password: str) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=str(source))
    writer.encrypt(user_password=user_password, owner_password="eier-passord")
    writer.write(str(target))
    return target


def test_password_protected_pdf(tmp_path: Path, make_pdf: MakePdf) -> None:
    plain = make_pdf(tmp_path / "plain.pdf", PDF_PAGES)
    path = _encrypt(plain, tmp_path / "hemmelig.pdf", user_password="hemmelig")
    with pytest.raises(LoadError, match="passordbeskyttet / the PDF is password-protected"):
        load_document(path, 10 * MB)


def test_pdf_encrypted_with_empty_user_password_is_read(tmp_path: Path, make_pdf: MakePdf) -> None:
    plain = make_pdf(tmp_path / "plain.pdf", PDF_PAGES)
    path = _encrypt(plain, tmp_path / "apen.pdf", user_password="")
    doc = load_document(path, 10 * MB)
    assert "Blåøya" in doc.text
    assert doc.page_at(doc.text.index("Vollenbukta")) == 3


def test_pdf_with_unsupported_encryption(tmp_path: Path, make_pdf: MakePdf) -> None:
    """AES (V5) encryption fails inside pypdf without ``cryptography``: still a clear LoadError."""
    plain = make_pdf(tmp_path / "plain.pdf", PDF_PAGES)
    data = _encrypt(plain, tmp_path / "rc4.pdf", user_password="").read_bytes()
    assert b"/V 2\n/R 3" in data
    path = tmp_path / "aes.pdf"
    path.write_bytes(data.replace(b"/V 2\n/R 3", b"/V 5\n/R 6"))  # same length: xref stays valid
    with pytest.raises(LoadError, match=r"kryptert|passordbeskyttet"):
        load_document(path, 10 * MB)


def test_image_only_pdf(tmp_path: Path, make_pdf: MakePdf) -> None:
    path = make_pdf(tmp_path / "skannet.pdf", [None, None])
    with pytest.raises(LoadError, match=r"ingen tekst.*OCR"):
        load_document(path, 10 * MB)


# --------------------------------------------------------------------------------------------
# Plain text with "Side N av M" footers (the annual report)


@pytest.fixture(scope="module")
def annual_report() -> LoadedDocument:
    return load_document(CORPUS / "arsrapport-2024.txt", 50 * MB)


def _marker_neighbours() -> list[tuple[int, str, str]]:
    """For every "Side N av 160" footer: a fragment of the line before and after it."""
    lines = (CORPUS / "arsrapport-2024.txt").read_text(encoding="utf-8").split("\n")
    out: list[tuple[int, str, str]] = []
    for i, line in enumerate(lines):
        marker = re.fullmatch(r"\s*Side (\d+) av 160\s*", line)
        if not marker:
            continue
        before = next(x.strip() for x in reversed(lines[:i]) if len(x.strip()) >= 40)
        after = next(x.strip() for x in lines[i + 1 :] if len(x.strip()) >= 40)
        out.append((int(marker.group(1)), before[5:35], after[5:35]))
    return out


def test_annual_report_page_markers_are_removed(annual_report: LoadedDocument) -> None:
    assert not re.search(r"Side \d+ av 160", annual_report.text)
    # Sparse footers (11 of 160 pages): the pages between are interpolated, not exact.
    assert annual_report.page_exact is False
    offsets = [s.offset for s in annual_report.page_starts]
    pages = [s.page for s in annual_report.page_starts]
    assert offsets == sorted(set(offsets))
    assert pages == sorted(set(pages))
    assert max(pages) <= 160


def test_annual_report_text_around_each_footer_gets_its_page(
    annual_report: LoadedDocument,
) -> None:
    neighbours = _marker_neighbours()
    assert len(neighbours) == 11
    checked = 0
    for page, before, after in neighbours:
        if annual_report.text.count(before) == 1:
            assert annual_report.page_at(annual_report.text.index(before)) == page, before
            checked += 1
        if annual_report.text.count(after) == 1:
            assert annual_report.page_at(annual_report.text.index(after)) == page + 1, after
            checked += 1
    assert checked >= 18


def test_annual_report_known_sentences(annual_report: LoadedDocument) -> None:
    text = annual_report.text
    # Just after "Side 28 av 160".
    assert annual_report.page_at(text.index("For å møte denne samfunnsutfordringen")) == 29
    # Just before "Side 6 av 160" / after it, mid-sentence.
    assert annual_report.page_at(text.index("Kommuneplanens samfunnsdel bygger på")) == 6
    assert annual_report.page_at(text.index("FNs bærekraftsmål kan deles inn")) == 7


def test_annual_report_interpolated_pages_lie_between_footers(
    annual_report: LoadedDocument,
) -> None:
    neighbours = _marker_neighbours()
    text = annual_report.text
    for (page_a, _, after_a), (page_b, before_b, _) in itertools.pairwise(neighbours):
        if text.count(after_a) != 1 or text.count(before_b) != 1:
            continue
        lo, hi = text.index(after_a), text.index(before_b)
        mid = (lo + hi) // 2
        assert page_a + 1 <= annual_report.page_at(mid) <= page_b  # type: ignore[operator]


def test_page_at_before_any_page_start() -> None:
    doc = LoadedDocument("abc", (PageStart(2, 5),))
    assert doc.page_at(0) is None
    assert doc.page_at(2) == 5
    assert LoadedDocument("abc").page_at(1) is None


def test_plain_text_without_markers_has_no_pages(tmp_path: Path) -> None:
    path = tmp_path / "notat.txt"
    path.write_text("Første avsnitt.\n\nAndre avsnitt.", encoding="utf-8")
    doc = load_document(path, MB)
    assert doc.text == "Første avsnitt.\n\nAndre avsnitt."
    assert doc.page_starts == ()


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffÆrlig talt".encode())
    assert load_document(path, MB).text == "Ærlig talt"


# --------------------------------------------------------------------------------------------
# Markdown and HTML


def test_markdown_headings_stay_hash_lines(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(
        "# Klimaplan\n\nInnledning om klima.\n\n## Mål for 2030\n\nUtslippene skal ned.\n",
        encoding="utf-8",
    )
    doc = load_document(path, MB)
    lines = doc.text.split("\n")
    assert "# Klimaplan" in lines
    assert "## Mål for 2030" in lines


def test_html_headings_become_hash_lines_and_scripts_vanish(tmp_path: Path) -> None:
    path = tmp_path / "side.html"
    path.write_text(
        "<html><head><title>Ikke vis</title><style>p {color: red}</style></head><body>"
        "<h1>Handling   mot\n klimaendringene</h1><p>Planen ble vedtatt &amp; gjelder nå.</p>"
        "<script>alert('x')</script><h2>Mål</h2><ul><li>Grønn mobilitet</li>"
        "<li>Klimasmart mat</li></ul><h3>Tiltak</h3><p>Første tiltak.</p></body></html>",
        encoding="utf-8",
    )
    doc = load_document(path, MB)
    lines = doc.text.split("\n")
    assert "# Handling mot klimaendringene" in lines
    assert "## Mål" in lines
    assert "### Tiltak" in lines
    assert "Planen ble vedtatt & gjelder nå." in doc.text
    assert "• Grønn mobilitet" in lines
    for hidden in ("alert", "Ikke vis", "color: red"):
        assert hidden not in doc.text


def test_html_to_text_collapses_blank_runs() -> None:
    text = html_to_text("<div><div><p>En</p></div></div><div><p>To</p></div>")
    assert "\n\n\n" not in text
    assert text.split() == ["En", "To"]


# --------------------------------------------------------------------------------------------
# Refusals


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "tom.txt"
    path.write_bytes(b"")
    with pytest.raises(LoadError, match="filen er tom / the file is empty"):
        load_document(path, MB)


def test_whitespace_only_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.md"
    path.write_text(" \n\n\t\n", encoding="utf-8")
    with pytest.raises(LoadError, match="ingen tekst i dokumentet"):
        load_document(path, MB)


def test_non_utf8_text(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Bærum og Asker".encode("latin-1"))
    with pytest.raises(LoadError, match=r"ikke UTF-8 \(byte 1\).*save it as UTF-8"):
        load_document(path, MB)


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "rapport.docx"
    path.write_bytes(b"PK\x03\x04 not really a docx")
    with pytest.raises(LoadError, match=r"filtypen \.docx støttes ikke / unsupported file type"):
        load_document(path, MB)


def test_no_suffix(tmp_path: Path) -> None:
    path = tmp_path / "README"
    path.write_text("tekst", encoding="utf-8")
    with pytest.raises(LoadError, match=r"\(ingen\) støttes ikke"):
        load_document(path, MB)


def test_too_large_sparse_file_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "stor.pdf"
    with open(path, "wb") as fh:
        fh.truncate(100 * MB)  # sparse: no disk used, and it would be 100 MB to read
    too_large = r"filen er for stor \(100\.0 MB > 50 MB\) / file too large"
    with pytest.raises(LoadError, match=too_large):
        load_document(path, 50 * MB)


def test_file_at_the_size_limit_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "akkurat.txt"
    path.write_text("x" * 100, encoding="utf-8")
    assert load_document(path, 100).text == "x" * 100
    with pytest.raises(LoadError, match="for stor"):
        load_document(path, 99)


# --------------------------------------------------------------------------------------------
# Only regular files inside the corpus folder


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "plan.txt").write_text("Planen gjelder fram til 2030.", encoding="utf-8")
    return folder


def test_a_regular_file_and_a_link_inside_the_corpus_are_read(corpus: Path) -> None:
    (corpus / "lenke.txt").symlink_to(corpus / "plan.txt")
    assert corpus_entry_problem(corpus / "plan.txt", corpus) is None
    assert corpus_entry_problem(corpus / "lenke.txt", corpus) is None
    assert load_document(corpus / "lenke.txt", MB, corpus).text == "Planen gjelder fram til 2030."


def test_a_link_out_of_the_corpus_is_refused_without_reading_it(
    corpus: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0", encoding="utf-8")
    (corpus / "x.txt").symlink_to(secret)
    (corpus / "opp.txt").symlink_to(Path("..") / "passwd")  # relative, still out
    for name in ("x.txt", "opp.txt"):
        problem = corpus_entry_problem(corpus / name, corpus)
        assert problem is not None and "symlink pointing outside the corpus folder" in problem
        with pytest.raises(LoadError, match="symbolsk lenke ut av dokumentmappen"):
            load_document(corpus / name, MB, corpus)
    # Without a root (a single file given by hand) the loader reads what it is given.
    assert load_document(corpus / "x.txt", MB).text == "root:x:0:0"


def test_loops_dangling_links_and_non_files_are_named(corpus: Path) -> None:
    (corpus / "a.txt").symlink_to(corpus / "b.txt")
    (corpus / "b.txt").symlink_to(corpus / "a.txt")
    (corpus / "selv.txt").symlink_to(corpus / "selv.txt")
    (corpus / "borte.txt").symlink_to(corpus / "finnes-ikke.txt")
    (corpus / "mappe.txt").mkdir()
    (corpus / "mappelenke.txt").symlink_to(corpus / "mappe.txt")
    os.mkfifo(corpus / "rør.txt")
    problems = {p.name: corpus_entry_problem(p, corpus) for p in corpus.iterdir()}
    assert problems["a.txt"] == problems["selv.txt"] == "symbolsk lenke i en løkke / symlink loop"
    assert "dangling symlink -> " in str(problems["borte.txt"])
    assert problems["mappe.txt"] == "ikke en vanlig fil / not a regular file"
    assert "not a file" in str(problems["mappelenke.txt"])
    assert problems["rør.txt"] == "ikke en vanlig fil / not a regular file"
    with pytest.raises(LoadError, match="not a regular file"):
        load_document(corpus / "rør.txt", MB, corpus)  # refused, not read (it would block)
    # Without a root too, a loop or a FIFO is a LoadError, never a crash or a hang.
    for name in ("a.txt", "borte.txt", "rør.txt"):
        with pytest.raises(LoadError):
            load_document(corpus / name, MB)


def test_reading_never_follows_a_link_swapped_in_at_the_last_moment(
    corpus: Path, tmp_path: Path
) -> None:
    # read_regular_file opens the checked target with O_NOFOLLOW: a symlink found there is
    # refused rather than followed.
    secret = tmp_path / "hemmelig.txt"
    secret.write_text("hemmelig", encoding="utf-8")
    swapped = corpus / "byttet.txt"
    swapped.symlink_to(secret)
    original_resolve = Path.resolve

    def no_resolve(self: Path, strict: bool = False) -> Path:
        return self if self == swapped else original_resolve(self, strict=strict)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Path, "resolve", no_resolve)
        with pytest.raises(LoadError, match="cannot be read"):
            read_regular_file(swapped, MB)

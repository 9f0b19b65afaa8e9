"""The extractive answerer quotes the passage sentences that answer, each with its [n]."""

from __future__ import annotations

from dataclasses import replace

from assistant.answerers.extractive import ExtractiveAnswerer, _sentence_candidates
from assistant.verification import verify_answer
from vectorstore.types import Chunk


def _chunk(text: str, n: int, section: str = "", chunk_type: str = "text") -> Chunk:
    return Chunk(
        id=f"doc:{n}:{n}:h{n}",
        doc_id="doc",
        title="Årsrapport 2024",
        kind="årsrapport",
        year=2024,
        page=n,
        section=section,
        text=text,
        start=0,
        end=len(text),
        chunk_type=chunk_type,  # type: ignore[arg-type]
    )


STAFF = _chunk(
    "Kommunen arbeider systematisk med nærvær og arbeidsmiljø i alle virksomheter. "
    "Asker kommune hadde 5 400 årsverk ved utgangen av 2024. "
    "Det er en økning fra året før.",
    1,
    section="Medarbeidere",
)
LIBRARY = _chunk(
    "Kultursjef Kari Nordmann åpnet det nye biblioteket på Heggedal 14. mars 2023. "
    "Biblioteket har åpent hver dag fra klokken 7 til 23.",
    2,
    section="Bibliotek",
)
ADVICE = _chunk(
    "Her er noen tips fra kommunen til innbyggerne.\n\n"
    "Kommunen gir tre råd:\n- Lån bøker på biblioteket.\n- Delta i frivillig arbeid.\n"
    "- Bruk turstiene i nærområdet.",
    3,
    section="Råd til innbyggerne",
)


def test_picks_the_sentence_that_answers_with_its_citation() -> None:
    draft = ExtractiveAnswerer().answer(
        "Hvor mange årsverk hadde kommunen i 2024?", [LIBRARY, STAFF], "no"
    )
    assert not draft.refused
    assert draft.text.startswith("Asker kommune hadde 5 400 årsverk ved utgangen av 2024 [2].")
    assert "Kari Nordmann" not in draft.text


def test_cites_the_right_passage_for_another_question() -> None:
    draft = ExtractiveAnswerer().answer(
        "Hvem åpnet biblioteket på Heggedal?", [STAFF, LIBRARY], "no"
    )
    assert "Kultursjef Kari Nordmann åpnet det nye biblioteket på Heggedal 14. mars 2023 [2]." in (
        draft.text
    )
    assert "årsverk" not in draft.text


def test_every_quoted_sentence_passes_verification() -> None:
    passages = [STAFF, LIBRARY, ADVICE]
    for question in (
        "Hvor mange årsverk hadde kommunen?",
        "Når har biblioteket åpent?",
        "Hvilke råd gir kommunen?",
    ):
        draft = ExtractiveAnswerer().answer(question, passages, "no")
        checked = verify_answer(draft.text, passages)
        assert not checked.dropped, (question, draft.text, checked.dropped)


def test_list_intro_brings_its_bullet_items() -> None:
    draft = ExtractiveAnswerer().answer("Hvilke råd gir kommunen?", [ADVICE], "no")
    assert draft.text == (
        "Kommunen gir tre råd: Lån bøker på biblioteket; Delta i frivillig arbeid; "
        "Bruk turstiene i nærområdet [1]."
    )


def test_numbered_list_items_come_along_whole() -> None:
    numbered = _chunk(
        "Planen har to mål:\n1. Flere skal sykle til jobb.\n2. Færre skal kjøre bil alene.",
        4,
        section="Mål",
    )
    draft = ExtractiveAnswerer().answer("Hvilke mål har planen?", [numbered], "no")
    assert "Flere skal sykle til jobb" in draft.text
    assert "Færre skal kjøre bil alene" in draft.text
    assert "; 1;" not in draft.text and ": 1;" not in draft.text


def test_english_question_gets_the_prefix() -> None:
    draft = ExtractiveAnswerer().answer("How many årsverk did the kommune have?", [STAFF], "en")
    assert draft.text.startswith("From the documents (quoted in Norwegian): ")
    assert "5 400 årsverk" in draft.text
    assert "[1]" in draft.text


def test_norwegian_answer_has_no_prefix() -> None:
    draft = ExtractiveAnswerer().answer("Hvor mange årsverk?", [STAFF], "no")
    assert not draft.text.startswith("From the documents")


def test_no_passages_means_a_refused_draft() -> None:
    draft = ExtractiveAnswerer().answer("Hvor mange årsverk?", [], "no")
    assert draft.refused
    assert draft.text == ""


def test_only_tiny_fragments_means_a_refused_draft() -> None:
    draft = ExtractiveAnswerer().answer("Hva?", [_chunk("Ja. Nei.", 9)], "no")
    assert draft.refused


def test_at_most_two_sentences_in_reading_order() -> None:
    draft = ExtractiveAnswerer().answer(
        "Hvor mange årsverk hadde Asker kommune, og når åpnet biblioteket?", [STAFF, LIBRARY], "no"
    )
    assert draft.text.count("[") <= 2
    if "[1]" in draft.text and "[2]" in draft.text:
        assert draft.text.index("[1]") < draft.text.index("[2]")


def test_stream_yields_the_same_text() -> None:
    answerer = ExtractiveAnswerer()
    question = "Hvor mange årsverk hadde kommunen?"
    assert (
        "".join(answerer.stream(question, [STAFF], "no"))
        == answerer.answer(question, [STAFF], "no").text
    )


def test_a_when_question_prefers_the_sentence_with_the_date() -> None:
    plan = _chunk(
        "Kommunestyret har vedtatt temaplanen for klima og temaplanen for natur. "
        "Temaplanen for klima ble vedtatt av kommunestyret 15. juni 2021.",
        4,
        section="Klima",
    )
    draft = ExtractiveAnswerer(max_sentences=1).answer(
        "Når vedtok kommunestyret temaplanen for klima?", [plan], "no"
    )
    assert "15. juni 2021" in draft.text


def test_an_amount_in_words_counts_as_a_number() -> None:
    loan = _chunk(
        "Kommunen sparer penger med grønne lån til nye skolebygg i kommunen. "
        "På ti år vil kommunen spare tre millioner kroner på grønne lån.",
        5,
        section="Grønne lån",
    )
    draft = ExtractiveAnswerer(max_sentences=1).answer(
        "Hvor mye sparer kommunen på grønne lån?", [loan], "no"
    )
    assert "tre millioner kroner" in draft.text


def test_has_quantity_ignores_years_and_the_questions_own_numbers() -> None:
    from assistant.answerers.extractive import has_quantity

    assert has_quantity("Fire av seks områdefora signerte avtalen.")
    assert has_quantity("Kommunen satte opp 2059 nye armaturer.")  # not a year
    assert has_quantity("Årsgebyret var 4 286 kroner.")
    assert not has_quantity("Arbeidet startet høsten 2024.")
    assert not has_quantity("Rapporten for 2023 er klar.", {2023})
    assert not has_quantity("Mange innbyggere deltok i arbeidet.")


def test_a_how_many_answer_brings_the_sentence_with_the_count() -> None:
    bank = _chunk(
        "I idébanken for bærekraftige barnehager deler vi konkrete tiltak som kan gjøres i "
        "barnehagene for bærekraftsmålene. "
        "Vi har om lag 50 unike tiltak.",
        6,
        section="Idébanken",
    )
    draft = ExtractiveAnswerer(max_sentences=1).answer(
        "Hvor mange tiltak finnes i idébanken for bærekraftige barnehager?", [bank], "no"
    )
    assert "om lag 50 unike tiltak" in draft.text


def test_a_which_question_prefers_the_sentence_that_introduces_a_list() -> None:
    plan = _chunk(
        "Temaplanen for klima har satsingsområder som skal kutte utslipp i kommunen.\n\n"
        "Temaplanen peker ut tre satsingsområder:\n\n"
        "• Klimasmart mat\n• Grønn mobilitet\n• Naturen som karbonlager",
        7,
        section="Temaplan for klima",
    )
    draft = ExtractiveAnswerer(max_sentences=1).answer(
        "Hvilke satsingsområder har temaplanen for klima?", [plan], "no"
    )
    assert "Klimasmart mat" in draft.text and "Grønn mobilitet" in draft.text


def test_a_counted_group_brings_the_next_sentence_that_names_its_members() -> None:
    pilots = _chunk(
        "Bærekraftspiloter: Tre virksomheter i kommunen testet arbeidet med bærekraftsmålene "
        "i 2019. De tre er Hagaløkka skole, Landøya ungdomsskole, Brukertorget. "
        "Alle virksomheter skal bruke bærekraftsmålene som pilotene.",
        8,
        section="Bærekraftspiloter",
    )
    draft = ExtractiveAnswerer(max_sentences=2).answer(
        "Hvilke virksomheter var bærekraftspiloter i 2019?", [pilots], "no"
    )
    assert "Hagaløkka skole" in draft.text and "Tre virksomheter" in draft.text


def test_counts_the_noun_binds_a_number_to_what_is_counted() -> None:
    from assistant.answerers.extractive import counted_nouns, counts_the_noun

    schools = counted_nouns("Hvor mange kommunale grunnskoler har Asker?")
    assert counts_the_noun("Videre er det 40 kommunale grunnskoler i kommunen.", schools)
    people = counted_nouns("Hvor mange innbyggere har Bærum?")
    assert not counts_the_noun("Bærum har 4,9 anmeldelser per 1000 innbyggere.", people)
    assert not counts_the_noun("Innbyggere i Bærum bruker 12 bibliotek.", people)
    calls = counted_nouns("Hvor mange telefonhenvendelser besvarte veilederne?")
    assert counts_the_noun("De besvarte 70 000 henvendelser på telefon.", calls)  # the head
    places = counted_nouns("Hvor mange friplasser har kulturskolen?")
    assert counts_the_noun("Antallet friplasser ble redusert fra 100 til 80.", places)
    fora = counted_nouns("Hvor mange områdefora signerte avtalen?")
    assert counts_the_noun("Fire av seks etablerte områdefora signerte.", fora)
    assert counted_nouns("Hvor mange per 1000 innbyggere gikk til fastlegen?") == []  # a rate
    taking_part = counted_nouns("Hvor mange deltar på konferansen?")  # a verb: who does it
    assert counts_the_noun("Konferansen har rundt 500 deltakere fra næringslivet.", taking_part)
    assert not counts_the_noun("Konferansen varer i 2 dager.", taking_part)


def test_a_how_many_question_without_a_count_of_its_thing_is_refused() -> None:
    farms = _chunk(
        "Dette er fin markedsføring av gårdene, både mot turister og egne innbyggere. "
        "Sju gårdsbruk i kommunen har inngått avtale om besøk i 2024.",
        9,
        section="Landbruk og turisme",
    )
    answerer = ExtractiveAnswerer()
    assert answerer.answer("Hvor mange turister besøkte kommunen i 2024?", [farms], "no").refused
    answered = answerer.answer("Hvor mange gårdsbruk har inngått avtale om besøk?", [farms], "no")
    assert not answered.refused and "Sju gårdsbruk" in answered.text


def test_numbers_that_qualify_the_question_must_occur_in_the_answer() -> None:
    school = _chunk(
        "Skolebidragsindikatoren for 5.-7. trinn var 0,5 i 2024, og for 8.-10. trinn 1,4.",
        10,
        section="Grunnskole",
    )
    answerer = ExtractiveAnswerer()
    assert answerer.answer(
        "Hva var skolebidragsindikatoren for 1.-4. trinn?", [school], "no"
    ).refused
    answered = answerer.answer("Hva var skolebidragsindikatoren for 5.-7. trinn?", [school], "no")
    assert not answered.refused and "0,5" in answered.text


def test_an_amount_in_the_years_asked_is_brought_along() -> None:
    climate = _chunk(
        "Norge skal redusere direkte klimagassutslipp med minst 50 prosent innen 2030. "
        "Figuren viser direkte klimagassutslipp i kommunen fra 2009 til 2023. "
        "Totalt er utslippene redusert med 45,4 prosent fra 2009 til 2023.",
        11,
        section="Vurdering og analyse",
    )
    draft = ExtractiveAnswerer().answer(
        "Hvor mye har de direkte klimagassutslippene gått ned fra 2009 til 2023?", [climate], "no"
    )
    assert "45,4 prosent" in draft.text


def test_an_amount_question_with_no_amount_about_its_subject_is_refused() -> None:
    sport = _chunk(
        "Kommunen har ferdigstilt flere nye idrettsanlegg, slik som Langenga Velodrom. "
        "Velodromen åpnet i 2024, og det har vært stor aktivitet i anlegget. "
        "Det ble i 2024 fordelt 500 000 kroner til åtte foreninger som delte ut mat.",
        12,
        section="Medborgerskap",
    )
    answerer = ExtractiveAnswerer()
    assert answerer.answer("Hvor mye kostet det å bygge Velodromen?", [sport], "no").refused
    # The same passage answers a question about what it does say.
    answered = answerer.answer(
        "Hvor mye ble fordelt til foreningene som delte ut mat?", [sport], "no"
    )
    assert not answered.refused and "500 000 kroner" in answered.text


def test_a_sentence_going_on_from_the_one_before_is_quoted_with_it() -> None:
    """ "Til sammenligning var veksten i Bærum ..." says what it compares only with the sentence
    before it; a comparison question gets the two together, quoted once."""
    growth = _chunk(
        "Asker har de siste tre årene hatt en samlet befolkningsvekst på 4,6 prosent. "
        "Til sammenligning var veksten i Bærum og Oslo i samme periode på henholdsvis "
        "2,6 prosent og 3,5 prosent.\n\nTabellen under viser arbeidsplasser i Asker, Bærum "
        "og Oslo de siste tre årene.",
        1,
    )
    draft = ExtractiveAnswerer().answer(
        "Hvordan var befolkningsveksten i Asker de siste tre årene sammenlignet med Bærum og Oslo?",
        [growth],
        "no",
    )
    assert draft.text.startswith(
        "Asker har de siste tre årene hatt en samlet befolkningsvekst på 4,6 prosent. "
        "Til sammenligning var veksten i Bærum og Oslo i samme periode på henholdsvis "
        "2,6 prosent og 3,5 prosent [1]."
    )
    assert draft.text.count("4,6 prosent") == 1


def test_a_sentence_that_goes_on_from_the_one_before_is_read_with_it() -> None:
    sfo = _chunk(
        "Regjeringen innførte fra høsten 2022 tilbud om 12 timer gratis SFO i uken for alle på "
        "1. trinn. Ordningen ble utvidet til 2. trinn fra høsten 2023 og til 3. trinn fra "
        "høsten 2024. Foreldrebetalingen for øvrige timer er uendret.",
        1,
    )
    question = "Fra når fikk elever på 3. trinn tilbud om gratis SFO-timer?"
    # As in the index: the common words ("trinn", numbers) weigh less than "SFO" or "timer".
    draft = ExtractiveAnswerer(idf=lambda t: 1.0 if t in {"3", "trinn"} else 3.0).answer(
        question, [sfo], "no"
    )
    # "Ordningen" alone does not say it is about free SFO; read with the sentence before, it
    # is the only one naming 3. trinn.
    assert "gratis SFO" in draft.text and "til 3. trinn fra høsten 2024" in draft.text


def test_sentences_in_separate_paragraphs_are_not_read_together() -> None:
    text = "Asker hadde 100 innbyggere.\n\nTil sammenligning hadde Bærum 200 innbyggere."
    chunk = _chunk(text, 1)
    assert [text[s:e] for s, e in _sentence_candidates(chunk)] == [
        "Asker hadde 100 innbyggere.",
        "Til sammenligning hadde Bærum 200 innbyggere.",
    ]
    joined = _chunk(text.replace("\n\n", " "), 2)
    assert len(_sentence_candidates(joined)) == 3


def test_a_sentence_about_another_year_does_not_answer_for_the_year_asked() -> None:
    prizes = replace(
        _chunk(
            "Gründerprisen deles ut hvert år i samarbeid med næringsforeningen. "
            "I 2024 gikk Gründerprisen til Grønn Strøm AS.",
            3,
            section="Næringsliv",
        ),
        year=2025,
    )
    answerer = ExtractiveAnswerer()
    assert answerer.answer("Hvem vant Gründerprisen i 2023?", [prizes], "no").refused
    answered = answerer.answer("Hvem vant Gründerprisen i 2024?", [prizes], "no")
    assert "Grønn Strøm AS" in answered.text
    # A span of years covers those inside it.
    span = replace(prizes, text="Fra 2020 til 2024 gikk Gründerprisen til Grønn Strøm AS hvert år.")
    assert "Grønn Strøm AS" in answerer.answer("Hvem vant Gründerprisen i 2022?", [span], "no").text


def test_a_sentence_in_the_document_of_the_year_asked_is_read_as_that_year() -> None:
    """An annual report's "mot 9,0 prosent i 2023" still gives the report's own year."""
    absence = _chunk(
        "Sykefraværet blant ansatte var 9,3 prosent, mot 9,0 prosent i 2023.", 4, "Medarbeidere"
    )
    draft = ExtractiveAnswerer().answer(
        "Hva var sykefraværet blant ansatte i 2024?", [absence], "no"
    )
    assert "9,3 prosent" in draft.text


def test_a_sentence_is_read_with_the_sub_heading_above_it_in_the_passage() -> None:
    """PDF text keeps a sub-heading on the line after the paragraph before it; the sentences
    under it are about the sub-heading, not the section the passage began in."""
    plans = _chunk(
        "Temaplan for kultur ble vedtatt i 2022.\nDigitalisering\n\n"
        "Temaplanen har til sammen 22 strategier.\nNæring\n\n"
        "Temaplanen har til sammen 43 strategier.",
        5,
        section="Kulturutvikling og -næring",
    )
    draft = ExtractiveAnswerer().answer(
        "Hvor mange strategier har temaplanen for næring?", [plans], "no"
    )
    assert "43 strategier" in draft.text and "22 strategier" not in draft.text


def test_a_year_named_earlier_in_the_paragraph_dates_the_sentences_after_it() -> None:
    survey = replace(
        _chunk(
            "Slemmestadodden ble i kartleggingen pekt ut som regionalt viktig for karplanter.\n\n"
            "• I 2024 ble strandsonen i Asker nord kartlagt. "
            "Brønnøya ble i kartleggingen pekt ut som nasjonalt viktig for lav.",
            6,
            section="Naturmangfold",
        ),
        year=2025,
    )
    draft = ExtractiveAnswerer(max_sentences=1).answer(
        "Hvilket sted ble i kartleggingen i 2024 pekt ut som viktig?", [survey], "no"
    )
    assert draft.text.startswith("Brønnøya")


def test_words_for_people_count_for_each_other() -> None:
    panel = _chunk(
        "Det ble i 2022 etablert et digitalt innbyggerpanel. "
        "Innbyggerpanelet består av ca. 600 personer over 15 år.",
        7,
        section="Medvirkning",
    )
    draft = ExtractiveAnswerer().answer(
        "Hvor mange innbyggere er med i innbyggerpanelet?", [panel], "no"
    )
    assert "600 personer" in draft.text
    # Other nouns are still told apart: 600 personer is no count of skoler.
    assert (
        ExtractiveAnswerer()
        .answer("Hvor mange skoler er med i innbyggerpanelet?", [panel], "no")
        .refused
    )


def test_a_list_question_takes_the_next_sentence_that_names_the_items() -> None:
    energy = _chunk(
        "• Kommunen gjennomførte i 2024 flere ENØK-prosjekter i egne bygg. Dette gjelder nye "
        "energibrønner på Bråset, varmepumpe på Vettre skole og bergvarme på Vollen skole.",
        8,
        section="Energi",
    )
    draft = ExtractiveAnswerer(max_sentences=1).answer(
        "Hvilke ENØK-prosjekter gjennomførte kommunen i 2024?", [energy], "no"
    )
    assert "Bråset" in draft.text and "Vollen skole" in draft.text


def test_a_case_reference_is_not_an_amount() -> None:
    from assistant.answerers.extractive import has_quantity

    assert not has_quantity("Planen ble vedtatt av kommunestyret i 2024 (sak 9/24).")
    assert has_quantity("Kommunen skal bruke 25 000 m2 mindre areal.")


def test_the_question_s_own_number_does_not_answer_how_many() -> None:
    plan = _chunk(
        "Temaplanen har 30 vedtak om endringer knyttet til innsatsområdene i hele "
        "planperioden. 8 vedtak er gjennomført og 10 vedtak er under arbeid, mens arbeidet med "
        "12 vedtak ennå ikke har startet opp.",
        1,
    )
    draft = ExtractiveAnswerer().answer(
        "Temaplanen for barnehage- og skolekapasitet inneholder 30 vedtak om endringer. "
        "Hvor mange av dem er allerede gjennomført?",
        [plan],
        "no",
    )
    assert "8 vedtak er gjennomført" in draft.text


def test_a_when_question_gets_the_sentence_that_says_when() -> None:
    ferry = _chunk(
        "Kommunen har vært bidragsyter for utslippsfri ferje mellom Oslo og Vollen/Slemmestad, "
        "blant annet gjennom tilrettelegging av brygge og lademulighet i Slemmestad. "
        "Utslippsfri ferje er estimert å være i gang fra høsten 2025. "
        "Det er foreløpig liten utbredelse av elbåter i Norge.",
        1,
    )
    draft = ExtractiveAnswerer().answer(
        "Når ventes den utslippsfrie ferja mellom Oslo og Vollen/Slemmestad å komme i drift?",
        [ferry],
        "no",
    )
    assert "høsten 2025" in draft.text

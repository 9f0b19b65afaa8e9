"""The page's own words (Norwegian bokmål): title, introduction, example questions for each
kind of user, and what the page stores."""

from __future__ import annotations

TITLE = "Spør om Asker kommunes planer og årsrapporter"
INTRO = (
    "Svarene bygger bare på kommunens egne dokumenter. Tallene i hakeparentes, for eksempel "
    "[1], viser til kilden under svaret. Svaret kan inneholde feil: sjekk kilden. Er "
    "assistenten usikker, står det «Usikkert svar» over kildene."
)

#: Example questions by user group, each answered by the bundled documents.
EXAMPLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Innbygger",
        (
            "Når passerte Asker 100 000 innbyggere?",
            "Hva står det om FNs bærekraftsmål i Asker?",
        ),
    ),
    (
        "Politiker",
        (
            "Hvor mye skal Asker redusere klimagassutslippene innen 2030?",
            "Hva var netto driftsresultat i 2024?",
        ),
    ),
    (
        "Ansatt",
        (
            "Hva var sykefraværet i 2024?",
            "Hvor stor var andelen heltidsansatte i 2024?",
        ),
    ),
)

STORED = (
    "Spørsmål assistenten ikke finner svar på, lagres ordrett, uten navn, IP-adresse eller "
    "annet som viser hvem som spurte, slik at kommunen ser hva dokumentene mangler. Gir du "
    "tommel opp eller ned, lagres spørsmålet, svaret og kommentaren din. Andre spørsmål lagres "
    "ikke."
)
PRIVACY = "Ikke skriv navn, fødselsnummer, helseopplysninger eller andre personopplysninger."

CHAT_PLACEHOLDER = "Still et spørsmål nedenfor, eller velg et eksempel over."
QUESTION_LABEL = "Spørsmål"
QUESTION_PLACEHOLDER = "Skriv spørsmålet ditt her …"
LOGIN_MESSAGE = "Logg inn med ansattbrukeren."

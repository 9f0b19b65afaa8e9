"""A small English -> Norwegian glossary of municipal vocabulary, for questions asked in English.

The documents are Norwegian; an English question shares few words with them. The glossary maps
common English words of municipal plans and annual reports (written from the corpus's most
frequent Norwegian content words, translated) to Norwegian word stems. A stem matches a word that
contains it, so compounds match their parts ("utslipp" in "klimagassutslippene", "barnehage" in
"barnehageplass"). Used for lexical evidence only: which sentences share the question's concepts,
and a Norwegian keyword query for the lexical search.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from functools import lru_cache

#: Norwegian stems standing for one English word of a question.
Concept = tuple[str, ...]
WeightFn = Callable[[Concept], float]

#: English word (singular, lower case) -> Norwegian stems. Words of the question that are not here
#: (names, numbers, function words) are matched as they are ("Røykenbadet", "FutureBuilt").
GLOSSARY: dict[str, tuple[str, ...]] = {
    # people and population
    "inhabitant": ("innbygger", "befolkning", "folketall"),
    "resident": ("innbygger", "bosatt", "beboer"),
    "citizen": ("innbygger",),
    "population": ("befolkning", "folketall", "innbygger"),
    "people": ("personer", "innbygger", "mennesker", "folk"),
    "person": ("person",),
    "child": ("barn",),
    "children": ("barn",),
    "youth": ("ungdom", "unge"),
    "young": ("unge", "ungdom"),
    "elderly": ("eldre", "senior"),
    "senior": ("senior", "eldre"),
    "family": ("famili",),
    "household": ("husholdning", "husstand"),
    "parent": ("foreldre",),
    "pupil": ("elev",),
    "student": ("elev", "student"),
    "teacher": ("lærer",),
    "refugee": ("flyktning",),
    "immigrant": ("innvandr",),
    "volunteer": ("frivillig",),
    "volunteering": ("frivillig",),
    "woman": ("kvinne",),
    "women": ("kvinne",),
    "men": ("menn",),
    "visitor": ("besøk",),
    "visit": ("besøk",),
    "visited": ("besøk",),
    "user": ("bruker",),
    "partner": ("samarbeidspartner", "partner"),
    # the municipality and its organisation
    "municipality": ("kommune",),
    "municipal": ("kommunal", "kommune"),
    "council": ("kommunestyre", "råd"),
    "committee": ("formannskap", "utvalg"),
    "mayor": ("ordfører",),
    "director": ("direktør",),
    "manager": ("leder",),
    "leader": ("leder",),
    "politician": ("politiker",),
    "political": ("politisk",),
    "party": ("parti",),
    "election": ("valg",),
    "vote": ("stemme", "valg"),
    "member": ("medlem",),
    "meeting": ("møte",),
    "case": ("sak",),
    "decision": ("vedtak", "beslutning"),
    "decide": ("vedt", "besluttet"),
    "decided": ("vedt", "besluttet"),
    "adopt": ("vedt",),
    "adopted": ("vedt",),
    "approve": ("vedt", "godkjen"),
    "approved": ("vedt", "godkjen"),
    "employee": ("ansatt", "årsverk", "medarbeider"),
    "staff": ("ansatt", "årsverk", "bemanning", "medarbeider"),
    "staffing": ("bemanning", "årsverk"),
    "worker": ("ansatt", "arbeidstaker"),
    "workforce": ("arbeidskraft", "ansatt"),
    "fte": ("årsverk",),
    "equivalent": ("årsverk",),
    "position": ("stilling", "årsverk"),
    "job": ("jobb", "arbeidsplass", "stilling"),
    "unit": ("virksomhet", "enhet"),
    "service": ("tjeneste",),
    "area": ("område", "areal"),
    "department": ("tjenesteområde", "avdeling"),
    "organisation": ("organisasjon", "organisert"),
    "organization": ("organisasjon", "organisert"),
    "organised": ("organisert",),
    "model": ("modell",),
    "company": ("selskap", "bedrift", "foretak"),
    "companies": ("selskap", "bedrift", "foretak"),
    "business": ("bedrift", "næring"),
    "industry": ("næring",),
    "firm": ("firma", "selskap", "bedrift"),
    "ownership": ("eierskap", "eier"),
    "owner": ("eier",),
    "university": ("universitet",),
    "agreement": ("avtale",),
    "partnership": ("samarbeid", "partnerskap"),
    "cooperation": ("samarbeid",),
    "collaboration": ("samarbeid",),
    "network": ("nettverk",),
    # plans and governance
    "plan": ("plan",),
    "master": ("kommuneplan",),
    "strategy": ("strategi",),
    "goal": ("mål",),
    "target": ("mål", "delmål"),
    "objective": ("mål",),
    "aim": ("mål",),
    "indicator": ("indikator",),
    "measure": ("tiltak", "måle"),
    "action": ("tiltak", "handling"),
    "focus": ("satsing", "fokus"),
    "priority": ("prioritet", "satsing"),
    "topic": ("tema",),
    "theme": ("tema",),
    "thematic": ("temaplan",),
    "report": ("rapport",),
    "annual": ("årlig", "årsrapport"),
    "budget": ("budsjett", "ramme"),
    "project": ("prosjekt",),
    "programme": ("program",),
    "program": ("program",),
    "pilot": ("pilot",),
    "survey": ("undersøkelse",),
    "participation": ("medvirkning", "deltakelse"),
    "involvement": ("medvirkning", "involver"),
    "conference": ("konferanse",),
    "workshop": ("workshop",),
    "knowledge": ("kunnskap",),
    "responsible": ("ansvar",),
    "responsibility": ("ansvar",),
    "method": ("metod",),
    "methodology": ("metodikk",),
    "inspection": ("tilsyn",),
    "supervision": ("tilsyn",),
    "permit": ("tillatelse", "byggesak"),
    "zoning": ("regulering",),
    "regulation": ("regulering",),
    "application": ("søknad", "sak"),
    "data": ("data", "personvern"),
    "task": ("oppgave", "oppdrag"),
    "merger": ("sammenslåing",),
    "restructuring": ("omstilling",),
    "efficiency": ("effektivisering",),
    # money
    "money": ("penger", "midler", "kroner"),
    "cost": ("kost", "utgift", "pris"),
    "price": ("pris",),
    "fee": ("gebyr",),
    "tax": ("skatt",),
    "grant": ("tilskudd", "stipend", "støtte"),
    "subsidy": ("tilskudd", "støtte"),
    "funding": ("finansier", "tilskudd", "midler", "tildelt"),
    "fund": ("fond", "midler"),
    "loan": ("lån",),
    "debt": ("gjeld",),
    "revenue": ("inntekt",),
    "income": ("inntekt",),
    "expense": ("utgift",),
    "expenditure": ("utgift",),
    "investment": ("investering",),
    "result": ("resultat",),
    "surplus": ("overskudd", "resultat"),
    "deficit": ("underskudd",),
    "saving": ("spar",),
    "save": ("spar",),
    "saved": ("spar",),
    "crown": ("kroner",),
    "nok": ("kroner",),
    "million": ("mill",),
    "billion": ("mrd", "milliard"),
    "operating": ("drift",),
    "net": ("netto",),
    "gross": ("brutto",),
    "share": ("andel", "prosent"),
    "percentage": ("prosent", "andel"),
    "proportion": ("andel",),
    "rate": ("prosent", "andel", "sats"),
    "number": ("antall",),
    "average": ("gjennomsnitt",),
    "total": ("totalt", "samlet"),
    "increase": ("økning", "økte", "øke"),
    "increased": ("økning", "økte", "økt"),
    "grow": ("vekst", "økning", "økte"),
    "growth": ("vekst", "økning"),
    "decrease": ("nedgang", "reduksjon", "redusert"),
    "reduce": ("reduser", "redusert", "reduksjon"),
    "reduction": ("reduksjon", "redusert", "nedgang"),
    "cut": ("reduser", "kutt", "reduksjon"),
    "fall": ("nedgang", "reduksjon", "redusert"),
    "fell": ("nedgang", "redusert"),
    "record": ("rekord",),
    # services
    "school": ("skole",),
    "primary": ("barneskole", "grunnskole"),
    "secondary": ("ungdomsskole", "videregående"),
    "kindergarten": ("barnehage",),
    "nursery": ("barnehage",),
    "education": ("utdanning", "opplæring"),
    "teaching": ("undervis",),
    "bullying": ("mobbing", "mobbet"),
    "health": ("helse",),
    "healthcare": ("helse",),
    "nursing": ("sykehjem", "omsorg"),
    "care": ("omsorg", "pleie"),
    "welfare": ("velferd",),
    "sickness": ("sykefravær", "syk"),
    "sick": ("sykefravær", "syk"),
    "absence": ("fravær",),
    "leave": ("fravær", "permisjon"),
    "disability": ("uføre", "funksjonsnedsettelse"),
    "disabled": ("uføre", "funksjonsnedsettelse"),
    "library": ("bibliotek",),
    "culture": ("kultur",),
    "cultural": ("kultur",),
    "art": ("kunst",),
    "sport": ("idrett",),
    "sports": ("idrett",),
    "leisure": ("fritid",),
    "outdoor": ("friluft",),
    "swimming": ("svømme", "bad"),
    "pool": ("svømmehall", "bad"),
    "hall": ("hall",),
    "event": ("arrangement",),
    "free": ("gratis", "fri"),
    "place": ("plass",),
    "work": ("arbeid", "jobb"),
    "employment": ("arbeid", "sysselset"),
    "unemployment": ("arbeidsledig",),
    "employed": ("sysselsatt", "arbeid"),
    "commuter": ("pendl",),
    "commute": ("pendl",),
    "working": ("arbeid",),
    "environment": ("miljø",),
    "environmental": ("miljø",),
    "safety": ("sikkerhet", "trygg"),
    "crime": ("lovbrudd", "kriminalitet"),
    "violence": ("vold",),
    # housing, land and infrastructure
    "home": ("bolig", "hjem"),
    "house": ("bolig", "hus"),
    "housing": ("bolig",),
    "dwelling": ("bolig",),
    "apartment": ("leilighet",),
    "flat": ("leilighet",),
    "building": ("bygg",),
    "construction": ("bygg", "anlegg"),
    "site": ("plass",),
    "completed": ("ferdig", "fullført"),
    "complete": ("ferdig", "fullført"),
    "built": ("bygget", "bygd"),
    "build": ("bygg",),
    "started": ("igangsatt", "startet", "oppstart"),
    "start": ("oppstart", "start", "igangsatt"),
    "open": ("åpne", "åpnet"),
    "opened": ("åpnet",),
    "close": ("nedlegg", "legge ned", "stenge"),
    "closure": ("nedlegg",),
    "land": ("areal", "jord"),
    "road": ("vei",),
    "street": ("vei", "gate"),
    "light": ("lys",),
    "lighting": ("lys", "belysning"),
    "traffic": ("trafikk",),
    "transport": ("transport", "kollektiv"),
    "public": ("offentlig", "kollektiv"),
    "trip": ("reise",),
    "journey": ("reise",),
    "cycle": ("sykkel",),
    "bicycle": ("sykkel",),
    "car": ("bil",),
    "vehicle": ("bil", "kjøretøy"),
    "electric": ("elektrisk", "elbil"),
    "water": ("vann",),
    "treatment": ("rense", "behandling"),
    "plant": ("anlegg",),
    "maintenance": ("vedlikehold",),
    "square": ("kvadratmeter", "m2"),
    "metre": ("meter",),
    # climate and environment
    "climate": ("klima",),
    "emission": ("utslipp",),
    "greenhouse": ("klimagass",),
    "gas": ("gass",),
    "carbon": ("karbon", "co2"),
    "energy": ("energi",),
    "electricity": ("strøm", "elektrisitet"),
    "fossil": ("fossil",),
    "waste": ("avfall", "svinn"),
    "food": ("mat",),
    "recycling": ("gjenvinning", "ombruk"),
    "reuse": ("ombruk", "gjenbruk"),
    "reused": ("ombruk", "gjenbruk"),
    "tonne": ("tonn",),
    "ton": ("tonn",),
    "nature": ("natur",),
    "biodiversity": ("naturmangfold",),
    "sustainable": ("bærekraft",),
    "sustainability": ("bærekraft",),
    "circular": ("sirkulær",),
    "platform": ("plattform",),
    "digital": ("digital",),
    "innovation": ("innovasjon",),
    "learning": ("læring",),
    "centre": ("senter",),
    "center": ("senter",),
    # time
    "year": ("år",),
    "month": ("måned",),
    "week": ("uke",),
    "spring": ("våren",),
    "autumn": ("høsten",),
    "winter": ("vinter",),
    "summer": ("sommer",),
    "end": ("utgangen", "slutten"),
    "move": ("flytt",),
    "moved": ("flytt",),
    "introduced": ("innført",),
}

#: English words that carry no content for matching.
_STOP_WORDS = """
    a an the of in on at to for from by with about as and or but not no is are was were be been
    being do does did done have has had having will would can could should may might must shall
    what which who whom whose when where why how many much more most less least there their its it
    this that these those they them he she his her we our you your i me my than then so such also
    into out up down over under per each every all any some other own same only just very rough
    roughly approximately about around according did get got make made take took give given
    go going went come came become became"""
_STOP = frozenset(_STOP_WORDS.split())


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=4096)
def question_concepts(question: str) -> tuple[Concept, ...]:
    """The question's content words, each as the Norwegian stems that may stand for it (a word
    the glossary does not know stands for itself, lower-cased: names, acronyms, loanwords)."""
    concepts: list[Concept] = []
    for raw in re.findall(r"[^\W\d_][\w'’-]*", question):
        word = re.sub(r"['’]s$", "", raw.lower()).strip("'’-")
        if not word or word in _STOP:
            continue
        stems = GLOSSARY.get(word) or GLOSSARY.get(_singular(word))
        if stems is None:
            if len(word) < 3:
                continue
            stems = (word,)
        if stems not in concepts:
            concepts.append(stems)
    return tuple(concepts)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _names(stems: Concept, words: Sequence[str]) -> bool:
    """A stem of 4+ letters matches inside a word, a shorter one only a word's start."""
    return any(
        (stem in word if len(stem) >= 4 else word.startswith(stem))
        for stem in stems
        for word in words
    )


def concept_coverage(
    concepts: Sequence[Concept], text: str, weight: WeightFn | None = None
) -> float:
    """The (``weight``-weighted) share of ``concepts`` that ``text`` names."""
    if not concepts:
        return 0.0
    words = _words(text)
    weights = [weight(c) if weight else 1.0 for c in concepts]
    total = sum(weights)
    found = sum(w for c, w in zip(concepts, weights, strict=True) if _names(c, words))
    return found / total if total else 0.0


class ConceptWeights:
    """Inverse document frequency of concepts over passages: a concept that nearly every passage
    names (the municipality's own name, "kommune") says little about which sentence answers."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.n = max(1, len(texts))
        self._passages_of: dict[str, set[int]] = {}
        for i, text in enumerate(texts):
            for word in set(_words(text)):
                self._passages_of.setdefault(word, set()).add(i)
        self._cache: dict[Concept, float] = {}

    def __call__(self, concept: Concept) -> float:
        weight = self._cache.get(concept)
        if weight is None:
            passages: set[int] = set()
            for word, found in self._passages_of.items():
                if _names(concept, (word,)):
                    passages |= found
            weight = math.log(1 + (self.n + 1) / (len(passages) + 0.5))
            self._cache[concept] = weight
        return weight


def norwegian_keywords(question: str) -> str:
    """A Norwegian keyword query for the lexical search: the glossary's stems of the question's
    words, and the words it does not know as they are."""
    return " ".join(stem for stems in question_concepts(question) for stem in stems)

"""Free-text report scrubbing to HIPAA Safe Harbor: find every identifier, replace it readably.

:func:`scrub_text` runs the detectors (context terms, patterns, dates and ages, places, names), merges
overlapping spans (a merged span takes the category of its strongest member, so nothing in the union
survives), and writes tags (``[NAME]``, ``[DATE 2021]``) or realistic surrogates. Findings keep only category
and offsets, never the value, so they can be logged and counted.
"""

from __future__ import annotations

import bisect
import dataclasses
import random
import re
import secrets
import string
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from aiminer.text.dates import DateMatch, shift, year_may_stay
from aiminer.text.errors import TextDeidError
from aiminer.text.identity import (
    IdentityContext,
    context_matches,
    institution_acronyms,
    misspelt_family_spans,
    name_word_spans,
    parse_person_name,
    patient_initials_beside,
)
from aiminer.text.lexicon import lexicon
from aiminer.text.markup import find_markup_fields
from aiminer.text.names import extend_known_names, find_names
from aiminer.text.patterns import (
    DUMP_TAG_RE,
    P_CONTEXT,
    P_INSTITUTION,
    REGION_NAMES,
    YEAR_ONLY,
    Candidate,
    find_dates_and_ages,
    find_ids,
    find_places,
    find_structured,
)
from aiminer.text.spoken import find_spoken

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

#: The longest text one scrub takes (characters): 1 Mi, hundreds of pages of prose.
MAX_SCRUB_CHARS = 1024 * 1024
#: Longest text :func:`names_found` reads (descriptions and report texts are far shorter; a longer one is only
#: scrubbed, once).
MAX_LEARN_CHARS = 64 * 1024

Style = Literal["tags", "surrogates"]
DatePolicy = Literal["year", "shift"]

CATEGORIES = (
    "NAME",
    "MRN",
    "ACCESSION",
    "ACCOUNT",
    "DATE",
    "AGE_OVER_89",
    "PHONE",
    "FAX",
    "EMAIL",
    "SSN",
    "ADDRESS",
    "CITY",
    "ZIP",
    "INSTITUTION",
    "URL",
    "IP",
    "DEVICE_ID",
    "LICENSE",
    "HEALTH_PLAN",
    "OTHER_ID",
)

_TAGS = {
    "NAME": "NAME",
    "MRN": "MRN",
    "ACCESSION": "ACCESSION",
    "ACCOUNT": "ACCOUNT",
    "DATE": "DATE",
    "AGE_OVER_89": "AGE",
    "PHONE": "PHONE",
    "FAX": "FAX",
    "EMAIL": "EMAIL",
    "SSN": "SSN",
    "ADDRESS": "ADDRESS",
    "CITY": "CITY",
    "ZIP": "ZIP",
    "INSTITUTION": "INSTITUTION",
    "URL": "URL",
    "IP": "IP",
    "DEVICE_ID": "DEVICE_ID",
    "LICENSE": "LICENSE",
    "HEALTH_PLAN": "HEALTH_PLAN",
    "OTHER_ID": "ID",
}
# Tags and coded identifiers we wrote ourselves are never PHI: re-scrubbing leaves them alone.
_PROTECTED_RE = re.compile(
    r"\[(?:PATIENT|STUDY|" + "|".join(sorted(set(_TAGS.values()))) + r")(?: [^\]\n]{0,40})?\]"
    # (as random_code writes them: ten characters of Crockford's base32 after P, ST and SE, six after S, at least
    # one a letter; an MRN "P-0098821" is no code of ours, blind set 16)
    r"|(?<![\w-])(?:(?:P|ST|SE)-(?=[0-9]{0,9}[A-HJKMNP-TV-Z])[0-9A-HJKMNP-TV-Z]{10}"
    r"|S-(?=[0-9]{0,5}[A-HJKMNP-TV-Z])[0-9A-HJKMNP-TV-Z]{6})(?![\w-])"
    # a grant's number (activity code, institute, serial: "U01 AG071155", "R01CA123456-01A1") and the public trial
    # registry's address: a study's, never a person's
    r"|(?<![\w-])[A-Z][A-Z0-9]\d[ -]?"
    r"(?:AG|AI|AA|AR|AT|CA|DA|DC|DE|DK|EB|ES|EY|GM|HD|HG|HL|HS|LM|MD|MH|NR|NS|OD|RR|TR|TW)\d{6}(?:-\d{2}(?:[AS]\d)?)?(?![\w-])"
    r"|(?i:(?:https?://)?(?:www\.)?clinicaltrials\.gov(?:/[\w/?=&.-]*)?)"
    # an IRB's protocol number ("IRB #2022-0419", "IRB-2023-0412"): the study's
    r"|(?<![\w-])IRB(?:[ \t]?(?:#|No\.?|Number|Protocol))?[ \t:#-]{0,3}\d{2,4}[-/]\d{2,6}(?![\w-])"
    # an obstetric history ("G4P2A1", "G3P2012", "G2 P1", "G5P3-0-1-3"): gravida and para, no one's initials
    r"|(?<![\w-])G\d{1,2}[ \t]?P\d{1,4}(?:-\d{1,2}){0,3}(?:[ \t]?A\d{1,2})?(?:[ \t]?L\d{1,2})?(?![\w-])"
)
#: What names a drug, a code system or a DICOM attribute, never a person (read only in a text that has one: see
#: :func:`_protected_spans`): a National Drug Code after its label ("NDC 0093-1048-01"), the URLs of terminologies
#: in a FHIR resource ("system":"http://loinc.org"), a dcmdump line's comment (the length, multiplicity and keyword
#: of the value: "#  10, 1 AccessionNumber") and a pydicom dump line's attribute name ("(0002,0000) File Meta
#: Information Group Length  UL: 192").
_NDC_OR_CODE_SYSTEM_RE = re.compile(
    r"(?<=NDC)[ \t]{0,3}[:#]?[ \t]{0,3}\d{4,5}-\d{3,4}-\d{1,2}(?![\w-])"
    r"|https?://(?:loinc\.org|snomed\.info/sct|unitsofmeasure\.org|(?:terminology\.)?hl7\.org/fhir[\w/.-]*"
    r"|terminology\.hl7\.org[\w/.-]*|www\.nlm\.nih\.gov/research/umls/rxnorm|dicom\.nema\.org[\w/.-]*"
    r"|www\.ama-assn\.org/go/cpt|hl7\.org/fhir/sid/(?:icd-10(?:-cm)?|ndc|cvx))(?![\w/.-])"
)
_DUMP_WORDS_RE = re.compile(
    r"(?m:(?<=[\]=\w)])[ \t]+#[ \t]*\d+,[ \t]*\d+(?:-\w+)?[ \t]+[A-Za-z0-9]+[ \t]*$)"
    r"|(?<=[0-9A-Fa-f]{4}\))[ \t][A-Za-z0-9][\w '()/&.-]{0,63}?(?=[ \t]{2,}[A-Z]{2}:[ \t])"
)


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Where no candidate may be: the scrubber's own tags and codes, and (when the text has them) drug codes, code
    systems' URLs and a DICOM dump's keywords; sorted."""
    spans = [(m.start(), m.end()) for m in _PROTECTED_RE.finditer(text)]
    if "NDC" in text or "://" in text:
        spans += [(m.start(), m.end()) for m in _NDC_OR_CODE_SYSTEM_RE.finditer(text)]
    if DUMP_TAG_RE.search(text):
        spans += [(m.start(), m.end()) for m in _DUMP_WORDS_RE.finditer(text)]
    if _CITATION_HINT_RE.search(text):
        spans += [(m.start("id"), m.end("id")) for m in _CITATION_RE.finditer(text)]
    return sorted(spans)


#: A public form's, a statute's or a regulation's number ("VA Form 20-0996", "OMB No. 0920-0020", "OMB Control
#: Number: 1235-0003", "WAC 296-20-01002", "COMAR 14.09.09", "O.C.G.A. 40-6-49", "42 C.F.R. 2.31", "§ 440.11",
#: "OWCP-1500"; blind set 19): the same for every patient, never an identifier.
_CITATION_HINT_RE = re.compile(r"(?i:form|omb|wac|rcw|comar|o\.c\.g\.a|u\.s\.c|c\.f\.r|cfr|§|stat\.|owcp|ilcs)")
_CITATION_RE = re.compile(
    r"(?:\b(?:(?-i:VA|SF|DD|CMS|OWCP|DOL|IRS|SSA|HHS|FDA|DWC|LS|CA|WC)[ \t-]?)?(?i:Form)(?:[ \t]+(?i:No\.?|Number))?"
    r"|\bOMB(?:[ \t]+Control)?[ \t]+(?:No\.?|Number|#)|\b(?:WAC|RCW|COMAR|ORS|NRS|ILCS|CFR|USC)"
    r"|\bO\.C\.G\.A\.|\bU\.S\.C\.|\bC\.F\.R\.|§§?|\bStat\.|\b(?-i:OWCP)(?=-\d))"
    # (never a number in groups: "request form 021 555 0187" is a phone; set 13)
    r"[ \t]*[:#]?[ \t]*(?:§[ \t]*)?(?P<id>-?[A-Z]{0,3}-?\d{1,5}(?:[-.:/][0-9A-Z]{1,6}){0,4})(?![\w-]|[ \t]\d)"
)


@dataclass(frozen=True)
class Finding:
    """One identifier found in a text: category and offsets in the ORIGINAL text, never the value.

    ``source`` says which rule found it: ``context``, ``cue``, ``pattern``, ``dictionary``, ``credential``,
    ``syntax`` or ``propagated``.
    """

    category: str
    start: int
    end: int
    source: str

    @property
    def length(self) -> int:
        """Number of characters replaced."""
        return self.end - self.start


@dataclass(frozen=True)
class ScrubResult:
    """Scrubbed text and what was found in the original."""

    text: str
    findings: tuple[Finding, ...]

    def counts(self) -> dict[str, int]:
        """Number of findings per category (safe to log)."""
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.category] = out.get(f.category, 0) + 1
        return out


def _context_candidates(text: str, context: IdentityContext) -> Iterable[Candidate]:
    for m, term in context_matches(text, context):
        if m.end() > m.start():
            yield Candidate(m.start(), m.end(), term.category, P_CONTEXT, "context", role=term.role)
            if term.category == "NAME" and term.role == "patient":
                for start, end in patient_initials_beside(text, m.start(), m.end(), context.patient_names):
                    yield Candidate(start, end, "NAME", P_CONTEXT, "context", role="patient")
    for start, end in name_word_spans(text, context.name_words):
        yield Candidate(start, end, "NAME", P_CONTEXT, "context")
    for start, end in misspelt_family_spans(text, context):
        yield Candidate(start, end, "NAME", P_CONTEXT, "context", role="patient")


def detect(text: str, context: IdentityContext | None = None) -> list[Candidate]:
    """Return merged, non-overlapping PHI spans of ``text`` sorted by offset.

    Parameters
    ----------
    text
        Report text.
    context
        Known identities; their values and variants are always found.

    Returns
    -------
    list of Candidate
        One span per identifier; overlapping detections are merged into their union.

    The context enters only through the spans of its terms found in the text, so the rest of the work is
    cached per (text, those spans): a description repeated across a series ("CT CHEST W CONTRAST", or one
    with the patient's name) is read by the rules once, whatever else the files' contexts hold.
    """
    known = tuple(_context_candidates(text, context)) if context is not None else ()
    if len(text) <= MAX_CACHED_CHARS:
        return list(_detect_cached(text, known))
    return _detect(text, known)


def _names_in(text: str) -> tuple[Candidate, ...]:
    """:func:`find_names`, cached for short texts: the DICOM cleaner reads each description twice (to learn the
    names in it, then to scrub it)."""
    return _names_cached(text) if len(text) <= MAX_CACHED_CHARS else tuple(find_names(text))


@lru_cache(maxsize=4096)
def _names_cached(text: str) -> tuple[Candidate, ...]:
    return tuple(find_names(text))


#: Texts up to this many characters have their detections cached (:func:`detect`); descriptions and comments are
#: far shorter, reports are longer and rarely repeat.
MAX_CACHED_CHARS = 1024


@lru_cache(maxsize=4096)
def _detect_cached(text: str, known: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
    return tuple(_detect(text, known))


def _detect(text: str, known: tuple[Candidate, ...]) -> list[Candidate]:
    cands: list[Candidate] = list(known)
    if known:
        cands.extend(extend_known_names(text, cands))
    cands.extend(find_structured(text))
    cands.extend(find_markup_fields(text))
    cands.extend(find_ids(text))
    cands.extend(find_dates_and_ages(text))
    cands.extend(find_places(text))
    cands.extend(find_spoken(text))
    cands.extend(_names_in(text))
    protected = _protected_spans(text)
    if protected:
        cands = [t for c in cands if (t := _outside_protected(c, protected)) is not None]
    cands = [c for c in cands if not _eponym_or_model(text, c)]
    merged = _whole_hyphenated_names(text, _merge(cands))
    propagated = _whole_hyphenated_names(text, _propagated_names(text, merged))
    extra = [
        c
        # the words around a propagated name too ("pt leopold Castellanos" where another row spelled the surname
        # wrong: the given name is found again, and the capitalised word after it is the surname)
        for c in (
            *_propagated_ids(text, merged),
            *propagated,
            *extend_known_names(text, [*propagated, *(c for c in merged if c.source == "propagated")], ("propagated",)),
            *_institution_acronyms_in(text, merged),
            *_user_names_of(text, [*merged, *propagated]),
            *_names_after_slash(text, merged),
            *_names_in_other_script_after(text, [*merged, *propagated]),
            *_places_after_institutions(text, merged),
            *_postcodes_beside_cities(text, merged),
        )
        if not (protected and _overlaps_protected(c, protected))
    ]
    if not extra:
        return merged
    # (merged came from candidates already filtered: only the extra ones are checked)
    return _whole_hyphenated_names(text, _merge(merged + [c for c in extra if not _eponym_or_model(text, c)]))


#: A postcode of four to six digits right after a town ("Singapore 460412", "Bengaluru - 560034") or right before
#: it ("81377 München" when the town was found; "75002 Paris"): Europe and Asia write them so (set 13). Not a year.
_POSTCODE_AFTER_RE = re.compile(r"[ \t]{0,2}(?:[-\u2013,][ \t]{0,2})?(\d{4,6}|\d{3} \d{3})(?![\w]|[.,]\d)")
_POSTCODE_BEFORE_RE = re.compile(r"(?<![\w.,/-])(\d{4,6}|(?<!\d )\d{3} \d{2}|\d{4,5}-\d{3})[ \t]{1,2}$")


#: A postcode and a town right after a street address ("Marchioninistr. 15 · 81377 München"): the town need be
#: in no list, the address vouches for it.
_POSTCODE_TOWN_RE = re.compile(
    # (or a dash between spaces, and the postcodes of Sweden, Czechia and Greece, Portugal and Brazil: "Via
    # [street] – 20129 Milano", "118 83 Stockholm", "4000-450 Porto", "30180-101 Belo"; blind set 17)
    r"(?:[ \t]{0,2}[,\u00B7|;]|[ \t]{1,2}[\u2013\u2014-](?=[ \t]))[ \t]{0,2}"
    r"(\d{4,6}|\d{3}[ ]\d{2}|\d{4,5}-\d{3})[ \t]{1,2}"
    r"([A-Z\u00C0-\u00DE][\w\u00DF-\u00FF'\u2019]+(?:-[A-Z\u00C0-\u00DE][\w\u00DF-\u00FF]+)?)"
)


def _postcodes_beside_cities(text: str, spans: list[Candidate]) -> Iterator[Candidate]:
    """The postcode written beside a town found (see ``_POSTCODE_AFTER_RE``), and the postcode and town after a
    street address."""
    lex = lexicon()
    for c in spans:
        if c.category == "ADDRESS" and (m := _POSTCODE_TOWN_RE.match(text, c.end)):
            town = m.group(2).lower()
            if not YEAR_ONLY.fullmatch(m.group(1)) and town not in lex.vocab and town not in lex.common:
                yield Candidate(m.start(1), m.end(1), "ZIP", c.priority, "propagated")
                yield Candidate(m.start(2), m.end(2), "CITY", c.priority, "propagated")
        if c.category != "CITY":
            continue
        for m in (
            _POSTCODE_AFTER_RE.match(text, c.end),
            _POSTCODE_BEFORE_RE.search(text, max(0, c.start - 12), c.start),
        ):
            if m is not None and not YEAR_ONLY.fullmatch(m.group(1)):
                yield Candidate(m.start(1), m.end(1), "ZIP", c.priority, "propagated")


#: What follows a place or a name that is a classification, a disease or a sign named after it ("Ann Arbor stage",
#: "Bethesda III", "Lake Louise Criteria", "Murray Valley encephalitis"; precision red team 15). (Categories II to IV
#: only: "IA", "VA" and "ID" after a town are states.)
_NAMED_AFTER = frozenset(
    "stage staging criteria classification score scale system category grade sign encephalitis virus fever disease "
    "syndrome protocol rule rules consensus guidelines "
    # the same words in the partner sites' languages, which also write them joined by a hyphen ("Evans indeks",
    # "Boston-kriteriene", "Bethesda-Klassifikation"; blind set 17)
    "index indeks indice índice kriterien kriterier kriteriene kriteria criteri criterios critères critérios "
    "klassifikation klassifikationen classificazione clasificación classificação stadium stadio estadio skala scala "
    "escala triage".split()
)
_TITLE_BEFORE_RE = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Prof)\.?[ \t]+$")
_CONSENSUS_WORDS = frozenset("criteria classification consensus guidelines protocol staging".split())
_NAMED_AFTER_RE = re.compile(
    r"(?:'s|\u2019s)?(?:[ \t]+|-(?=[^\W\d_]))(?:(?P<roman>(?:II|III|IV)[A-E]?)(?![\w/])|(?P<word>[^\W\d_]+))"
)
#: A product's own words or its version after a name-like maker ("Laurel Bridge Compass router v6.2").
_PRODUCT_AFTER_RE = re.compile(
    r"(?:[ \t]+[A-Za-z][\w-]*){0,2}[ \t]+(?:v\d+(?:\.\d+)+|(?i:router|gateway|server|software|appliance))\b"
)
#: Makers of scanners and devices: a town right after one, among the model's words, is the model ("GE Revolution
#: Apex", "Siemens SOMATOM Force").
_MAKER_BEFORE_RE = re.compile(
    r"\b(?:GE|Siemens|Philips|Canon|Toshiba|Hitachi|Fujifilm|Agfa|Carestream|Hologic|Samsung|Mindray|Esaote|Varian"
    r"|Elekta|Accuray|Medtronic|Abbott|Stryker|Konica|Shimadzu|United\s+Imaging"
    # or a scanner family without its maker ("Main ED CT1 (Revolution Apex)"; set 15)
    r"|Revolution|SOMATOM|Somatom|MAGNETOM|Magnetom|Aquilion|Ingenia|Signa|SIGNA|Biograph|Vereos|Brilliance"
    r"|Lightspeed|LightSpeed)(?:[ \t]+[A-Za-z][\w-]*){0,2}[ \t]+$"
)
#: A year after a place, and what puts a guideline before it ("per Fukuoka 2017", "using the Sendai 2012").
#: What names a sign, a scale or a disease before its eponym, in the languages that put the name after ("índice de
#: Evans", "criterios de Boston", "classificação de Bethesda", "Morbus Crohn", "indeks Evansa").
_EPONYM_BEFORE_RE = re.compile(
    r"(?i:\b(?:[íi]ndices?|index|indeks|criterios?|crit[èe]res?|crit[ée]rios?|kriteri(?:en|er|erne|ene|a)|"
    r"classifica(?:ção|cao|zione|tion)|clasificaci[óo]n|klassifikation|klasyfikacj[aię]|escala|[ée]chelle|scala|skala|"
    # a consensus, and the Greek words for criteria, classification, index, stage ("consenso de Fukuoka", "κριτήρια
    # Boston"; precision red team 23)
    r"consenso|consensus|κριτήρια|ταξινόμηση|δείκτης|στάδιο|"
    r"maladie|s[íi]ndrome|syndrome|sindrome|enfermedad|doen[çc]a|malattia|signe|signo|segno|morbus|m\.|"
    r"sistema|syst[èe]me|systeem|system|estadio|stadio|stade|stadium|grado|grade"
    # "according to" and a type's word before the name ("stadio IIB secondo Ann Arbor", "Typ Garden III"; not a
    # German "nach", which also says where a patient went)
    r"|secondo|seg[úu]n|selon|gem[äa](?:ß|ss)|volgens|wed[łl]ug|enligt|ifølge|typ|tipo)"
    r"(?:[ \t]+(?:de|di|da|do|du|des|del|della|von|van|of))?(?:[ \t]+|[ \t]+d['\u2019])$)"
    # a stage's number, then the staging systems it was given in ("stage IIB (Lugano / Ann Arbor)"; blind set 18)
    r"|(?i:\b(?:stage|staging|stadium|stadio|estadio|stade)[ \t]+[IV]{1,4}[A-E]?[ \t]*[(,][^.;:\n]{0,16}$)"
    # a German stage or classification "nach" a place ("Stadium IIB nach Ann Arbor"; "nach" alone also says where a
    # patient went)
    r"|(?i:\b(?:stadium|stadien|staging|klassifikation|einteilung|kriterien|typ|grad)\b[^.;:\n]{0,20}\bnach[ \t]+$)"
)
_LIVER_CANCER_AFTER_RE = re.compile(r"(?:[ \t]+Clinic)?[ \t]+Liver[ \t]+Cancer\b")
_GUIDELINE_YEAR_RE = re.compile(r"[ \t]+(?:19|20)\d\d(?![\w/-])")
_PER_BEFORE_RE = re.compile(r"(?i:\b(?:per|using|according\s+to|following|by)(?:\s+the)?)\s+$")


def _eponym_or_model(text: str, c: Candidate) -> bool:
    """Whether a town found by a rule is a classification, disease or sign named after a place (:data:`_NAMED_AFTER`,
    a Roman numeral category) or a word of a device model after its maker, or a name found by a rule ends with such a
    word ("Louise Criteria"); a known identity never is. (A name followed by such a word stays a name: "Dr Jane Smith
    score 5" names Dr Smith.)"""
    if c.category == "INSTITUTION" and c.source == "pattern":
        # a staging system named after a hospital ("BCLC (Barcelona Clinic Liver Cancer)"; blind set 17)
        return _LIVER_CANCER_AFTER_RE.match(text, c.end) is not None
    if c.source == "context" or c.role == "patient" or c.category not in ("CITY", "NAME"):
        return False
    if c.category == "NAME":
        words = text[c.start : c.end].split()
        titled = _TITLE_BEFORE_RE.search(text, max(0, c.start - 8), c.start) is not None  # "Dr Louise Criteria"
        if len(words) > 1 and words[-1].lower() in _NAMED_AFTER and not titled:
            return True
        if c.source in ("cue", "credential") or titled:
            return False
        # a name no cue found, before a consensus's word ("2018 Lake Louise Criteria"; sets 16 and precision 15) or
        # a product's words or its version ("Laurel Bridge Compass router v6.2"; set 15)
        after = _NAMED_AFTER_RE.match(text, c.end)
        if words[-1].lower() in _CONSENSUS_WORDS or (
            after is not None and (after.group("word") or "").lower() in _CONSENSUS_WORDS
        ):
            return True
        return words[0][:1].isupper() and bool(_PRODUCT_AFTER_RE.match(text, c.end))
    if _LIVER_CANCER_AFTER_RE.match(text, c.end):
        return True  # "Barcelona Clinic Liver Cancer": the staging system
    m = _NAMED_AFTER_RE.match(text, c.end)
    if m is not None and (m.group("roman") or m.group("word").lower() in _NAMED_AFTER):
        return True
    if _EPONYM_BEFORE_RE.search(text, max(0, c.start - 30), c.start):
        return True  # "índice de Evans", "criterios de Boston", "maladie de Paget" (blind set 17)
    if _GUIDELINE_YEAR_RE.match(text, c.end) and _PER_BEFORE_RE.search(text, max(0, c.start - 20), c.start):
        return True  # "no worrisome features per Fukuoka 2017": a consensus named after its city and year (set 15)
    return _MAKER_BEFORE_RE.search(text, max(0, c.start - 60), c.start) is not None


#: A town after an institution and "in" ("admitted to St. Brendan's Hospital in Quincy"; red team 9).
_IN_PLACE_RE = re.compile(r"[ \t]+in[ \t]+([A-Z][\w'\u2019-]+(?:[ \t][A-Z][\w'\u2019-]+)?)")


def _places_after_institutions(text: str, spans: list[Candidate]) -> Iterator[Candidate]:
    """The town an institution is in, after "in": a place the world's or the US list knows, and no region
    (Safe Harbor keeps states)."""
    lex = lexicon()
    for c in spans:
        if c.category == "INSTITUTION" and (m := _IN_PLACE_RE.match(text, c.end)):
            place = m.group(1)
            if place.lower() in lex.places and place.lower() not in REGION_NAMES:
                yield Candidate(m.start(1), m.end(1), "CITY", c.priority, "propagated")


#: A name in another script in brackets ("SATO Megumi (佐藤 恵)", "Patient: Shoshana Ben-Haim (שושנה בן-חיים)"):
#: letters of no Latin script, spaces, hyphens, periods and middle dots only.
_OTHER_SCRIPT_IN_BRACKETS_RE = re.compile(
    r"[ \t]{0,3}[(（]([^\W\d_A-Za-z\u00C0-\u024F](?:[^\W\d_A-Za-z\u00C0-\u024F]|[ \-.\u00B7\u30FB'])"
    r"{0,40})[)）]"
)


def _names_in_other_script_after(text: str, spans: list[Candidate]) -> Iterator[Candidate]:
    """The same person written in another script, in brackets right after a name found (blind set 11's Hebrew
    name, set 4's Japanese one): a name's transliteration, never a report word."""
    for c in spans:
        if c.category == "NAME" and (m := _OTHER_SCRIPT_IN_BRACKETS_RE.match(text, c.end)):
            yield Candidate(m.start(1), m.end(1), "NAME", c.priority, "propagated")


_SLASH_NAME_RE = re.compile(r"[ \t]{0,2}/[ \t]{0,2}([A-Z][A-Za-z'\u2019-]{2,})(?![\w/])")


def _names_after_slash(text: str, spans: list[Candidate]) -> Iterator[Candidate]:
    """A second person after a name and a slash ("tech [NAME] / PEMBERTON", "Dr. Okafor/Lindqvist"): a capitalised
    word that no list knows as a report, English, eponym or place word."""
    lex = lexicon()
    for c in spans:
        if c.category == "NAME" and (m := _SLASH_NAME_RE.match(text, c.end)):
            low = m.group(1).lower()
            if low not in lex.not_names and low not in lex.places:
                yield Candidate(m.start(1), m.end(1), "NAME", c.priority, "propagated")


_TRAILING_SMALL_WORDS = re.compile(r"(?:\s+[a-z][\w'\u2019-]*)+$")


def _institution_acronyms_in(text: str, spans: list[Candidate]) -> Iterator[Candidate]:
    """Where the text names an institution it found by the acronym of that name, in capitals ("Lakemont University
    Medical Center" ... "In Basket pool LUMC PULM NODULE", "Workstation CVH-RDS-22"): see
    :func:`aiminer.text.identity.institution_acronyms`."""
    acronyms = {
        a
        for c in spans
        if c.category == "INSTITUTION"
        # (without small words at its end: "Carrow Valley Health imaging" is CVH)
        for a in institution_acronyms(_TRAILING_SMALL_WORDS.sub("", text[c.start : c.end]))
    }
    for acronym in acronyms:
        for m in re.finditer(rf"(?<![A-Za-z0-9]){acronym}(?![A-Za-z])", text):
            yield Candidate(m.start(), m.end(), "INSTITUTION", P_INSTITUTION, "propagated")


#: A capitalised word joined to a name by a hyphen ("Wisniewski-[Hale]", "DONG-[HYUN]", "[Nowicka]-Dunn").
_HYPHEN_PART_AFTER_RE = re.compile(r"-[A-Z\u00C0-\u00DE][^\W\d_]*(?:['\u2019][^\W\d_]+)?(?![\w-])")
_HYPHEN_PART_BEFORE_RE = re.compile(r"(?<![\w'\u2019-])[A-Z\u00C0-\u00DE][^\W\d_]*-$")
#: A surname in capitals and its comma at the start of a line (after a list's number or bullet) before a name in
#: capitals.
_CAPS_SURNAME_BEFORE_RE = re.compile(
    r"(?m:^[ \t]*(?:\(?\d{1,3}[.)][ \t]+|[-*\u2022][ \t]+)?)(?P<surname>[A-Z][A-Z'\u2019-]+),[ \t]{0,3}$"
)


def _whole_hyphenated_names(text: str, spans: list[Candidate]) -> list[Candidate]:
    """Each name span taken over the whole of a hyphenated name it is part of: a rule or a propagation found one
    part ("Hale" of "Katarzyna Wisniewski-Hale", "HYUN" of "DONG-HYUN"), and the other part is as identifying. Only
    capitalised parts, once on each side; the spans of other kinds stay as they are."""
    out: list[Candidate] = []
    changed = False
    for c in spans:
        if c.category == "NAME":
            start, end = c.start, c.end
            if (after := _HYPHEN_PART_AFTER_RE.match(text, end)) is not None:
                end = after.end()
            if start > 1 and text[start - 1] == "-":
                before = _HYPHEN_PART_BEFORE_RE.search(text, max(0, start - 40), start)
                if before is not None:
                    start = before.start()
            if text[start:end].isupper() and (
                surname := _CAPS_SURNAME_BEFORE_RE.search(text, max(0, start - 60), start)
            ):
                start = surname.start("surname")  # "3) CHOI, DONG-HYUN": the surname of a list's row
            if (start, end) != (c.start, c.end):
                out.append(dataclasses.replace(c, start=start, end=end))
                changed = True
                continue
        out.append(c)
    return _merge(out) if changed else spans


_ID_CATEGORIES = frozenset(
    {"MRN", "ACCESSION", "SSN", "ID", "OTHER_ID", "ACCOUNT", "PHONE", "LICENSE", "DEVICE_ID", "HEALTH_PLAN", "ZIP"}
)


def names_found(texts: Iterable[str], known: Iterable[str] = ()) -> tuple[str, ...]:
    """The words of the names the name rules find in ``texts`` (a cue, a credential, a dictionary pair, a name's
    syntax), for scrubbing the texts that go with them: a name found in one description of a file is removed from
    the others too, where no rule would see it ("CT CHEST W CONTRAST OYELARAN"). Only the name rules run (no
    context, dates, IDs or places: this is a second read of each text, and must stay cheap). Words of three letters
    or more that are no English, clinical or eponym word, so a mistaken find cannot take common words out of a
    file. Words of the ``known`` names (the context's) are left out: the context finds them already, and a new
    term costs a regex compile per file."""
    lex = lexicon()
    skip = {w.lower() for name in known for w in _NAME_WORD_RE.findall(name)}
    out: dict[str, None] = {}
    for text in texts:
        if len(text) > MAX_LEARN_CHARS:
            continue  # scrubbed as it is, but not read twice: a gigantic value must not double the worst case
        for c in _names_in(text):
            for word in _NAME_WORD_RE.findall(text[c.start : c.end]):
                low = word.lower()
                if low not in skip and low not in lex.not_names:
                    out.setdefault(word, None)
    return tuple(out)


def with_names_from(context: IdentityContext, texts: Iterable[str]) -> IdentityContext:
    """``context`` plus the names :func:`names_found` finds in ``texts`` (the texts that go with it: a DICOM
    file's descriptions, an HL7 message's report text), so a name found in one of them goes from all."""
    learned = names_found(texts, (*context.patient_names, *context.other_names))
    return dataclasses.replace(context, other_names=context.other_names + learned) if learned else context


_NAME_WORD_RE = re.compile(r"[^\W\d_][^\W\d_'\u2019-]{2,}")


def _propagated_names(text: str, cands: list[Candidate]) -> list[Candidate]:
    """Every other occurrence of a name or city word found once, wherever no rule sees it: after a damaged cue
    ("Dx. POTTER" beside "DR. POTTER"), glued to junk ("withšDr. A. Potter", "Leopo��QLindqvist"), or where a
    repeated fragment cut its cue off ("L4-L in Harborview"). Words of four letters or more and no clinical word;
    one that is also an English word or an eponym ("Potter", "White", "Hill") only where it is capitalised, so
    "white matter" stays. The text is split into words once with a fixed pattern (a capital starts a new word:
    "aPhilippa", "QLindqvist"), and each word is looked up: no pattern is compiled per text."""
    lex = lexicon()
    words: dict[str, tuple[str, bool]] = {}  # lower-case word -> (category, only where capitalised)
    for c in cands:
        if c.category not in ("NAME", "CITY"):
            continue
        for word in _NAME_WORD_RE.findall(text[c.start : c.end]):
            low = word.lower()
            if len(low) < 4 or low in lex.vocab or low in words:
                continue
            words[low] = (c.category, low in lex.not_names)
    if not words:
        return []
    out: list[Candidate] = []
    for m in _PROPAGATION_WORD_RE.finditer(text):
        found = words.get(m.group().lower())
        if found is not None and (not found[1] or m.group()[:1].isupper()):
            out.append(Candidate(m.start(), m.end(), found[0], P_CONTEXT - 1, "propagated"))
    # a user name or an email's local part made of a name found ("mladewig95" where the address was cut before
    # its "@"): one or two initials, the name (five letters or more, no English word), a number
    for m in _HANDLE_OF_NAME_RE.finditer(text):
        letters = m.group(1)
        for k in (1, 2):
            found = words.get(letters[k:])
            if found is not None and found[0] == "NAME" and not found[1] and len(letters) - k >= 5:
                out.append(Candidate(m.start(), m.end(), "NAME", P_CONTEXT - 1, "handle"))  # no neighbours to lend
                break
    return out


_HANDLE_OF_NAME_RE = re.compile(r"(?<![A-Za-z])([a-z]{6,32})\d{0,4}(?![A-Za-z])")


#: Words as :func:`_propagated_names` reads them: a run of small letters after at most one capital, or a run of
#: capitals not followed by a small letter (Latin-1 letters included).
_PROPAGATION_WORD_RE = re.compile(
    r"[A-Z\u00C0-\u00D6\u00D8-\u00DE]?[a-z\u00DF-\u00F6\u00F8-\u00FF]+"
    r"|[A-Z\u00C0-\u00D6\u00D8-\u00DE]+(?![a-z\u00DF-\u00F6\u00F8-\u00FF])"
)


#: A whole numeric date with a four-digit year ("2/12/1980", "1980-02-12"): found once, it goes wherever it recurs.
_FULL_DATE_RE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}[/.-]\d{1,2}[/.-]\d{1,2}")


_ID_SEPARATORS = re.compile(r"[-/. ]")


def _propagated_ids(text: str, cands: list[Candidate]) -> list[Candidate]:
    """Every other occurrence of an identifier or a whole date found once, even glued to letters ("ÿ34368630",
    "MRN34368630") or digits ("Lymph nodes: 1/2/12/1980"), where no pattern's boundaries would take it.
    Identifiers of 6 or more characters with a digit only, and ZIP codes (a patient's ZIP on a line of its own is
    no less one). A propagated date keeps what was parsed of it (its year may stay)."""
    found_once = {
        text[c.start : c.end]: c
        for c in cands
        if (c.category in _ID_CATEGORIES or (c.category == "DATE" and _FULL_DATE_RE.fullmatch(text[c.start : c.end])))
        and c.end - c.start >= (5 if c.category == "ZIP" else 6)
        and any(ch.isdigit() for ch in text[c.start : c.end])
    }
    if not found_once:
        return []
    # and written without its separators, as a slide's or a cassette's label prints it ("S24-18873" ->
    # "S2418873-A1-1", "FS-24-0412" -> "FS240412-AFS1"; blind set 11)
    for value, c in list(found_once.items()):
        compact = _ID_SEPARATORS.sub("", value)
        if compact != value and len(compact) >= 6 and sum(ch.isdigit() for ch in compact) >= 5:
            found_once.setdefault(compact, c)
    alternation = "|".join(re.escape(v) for v in sorted(found_once, key=len, reverse=True))
    found = re.finditer(rf"(?<![0-9])(?:{alternation})(?![0-9])", text)
    return [
        dataclasses.replace(
            found_once[m.group()], start=m.start(), end=m.end(), priority=P_CONTEXT - 1, source="propagated"
        )
        for m in found
    ]


def _user_names_of(text: str, cands: list[Candidate]) -> list[Candidate]:
    """The user names a system makes of a name found in the text ("Grace Oduya" -> "goduya", "g.oduya",
    "grace.oduya", "graceoduya", "grace_oduya"): a roster, a chat or an audit log names the same person by both."""
    variants: set[str] = set()
    for c in cands:
        if c.category != "NAME":
            continue
        words = [w.lower() for w in _ASCII_NAME_WORD_RE.findall(text[c.start : c.end])]
        if len(words) < 2:
            continue
        first, last = words[0], words[-1]
        variants.update(
            v
            for v in (first[0] + last, f"{first}.{last}", f"{first[0]}.{last}", first + last, f"{first}_{last}")
            if len(v) >= 5
        )
    low = text.lower()
    variants = {v for v in variants if v in low}  # (most texts hold none: no regex to compile)
    if not variants:
        return []
    alternation = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
    return [
        Candidate(m.start(), m.end(), "NAME", P_CONTEXT - 1, "propagated")
        for m in re.finditer(rf"(?<![a-z0-9._])(?:{alternation})(?![a-z0-9_]|\.[a-z])", low)
    ]


_ASCII_NAME_WORD_RE = re.compile(r"(?<![^\W\d_])[A-Za-z][A-Za-z'-]*(?![^\W\d_])")


def _outside_protected(c: Candidate, protected: list[tuple[int, int]]) -> Candidate | None:
    """``c``, or what of it lies before a protected span it runs into (an address glued to a tag:
    ``jane.doe@[NAME]``), or ``None`` when it starts inside one or too little is left."""
    if not _overlaps_protected(c, protected):
        return c
    i = bisect.bisect_left(protected, c.end, key=lambda span: span[0]) - 1
    first = next((ps for ps, pe in protected[: i + 1] if pe > c.start), c.start)
    if first - c.start < 3:
        return None
    return dataclasses.replace(c, end=first)


def _overlaps_protected(c: Candidate, protected: list[tuple[int, int]]) -> bool:
    """Whether ``c`` overlaps a protected span (sorted, disjoint: only the last one starting before ``c.end`` can)."""
    i = bisect.bisect_left(protected, c.end, key=lambda span: span[0]) - 1
    return i >= 0 and protected[i][1] > c.start


def _merge(cands: list[Candidate]) -> list[Candidate]:
    cands = sorted((c for c in cands if c.end > c.start), key=lambda c: (c.start, -c.end))
    merged: list[Candidate] = []
    for c in cands:
        if merged and c.start < merged[-1].end:
            prev = merged[-1]
            best = prev if prev.priority >= c.priority else c
            date_parts = (
                (best.year, best.month, best.day)
                if best.category == "DATE"
                else (prev.year, prev.month, prev.day)
                if prev.category == "DATE"
                else (c.year, c.month, c.day)
            )
            merged[-1] = Candidate(
                prev.start,
                max(prev.end, c.end),
                best.category,
                best.priority,
                best.source,
                *date_parts,
                role=best.role
                if best.priority == P_CONTEXT
                else ("patient" if "patient" in (prev.role, c.role) else best.role),
            )
        else:
            merged.append(c)
    return merged


class Surrogates:
    """Realistic fake values for the ``surrogates`` style: the same original always gets the same one from one
    table, and the draws are random, never derived from the PHI.

    ``seed`` makes the draws repeatable: callers pass something random but stable for the same object (its coded
    object ID from the crosswalk), and share one table among the texts of that object (an HL7 file's fields, a
    table's cells), so a replay writes the same bytes and a name gets one surrogate throughout the object. Without
    a seed the table draws from the system's randomness."""

    _FIRST = ("Alex", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Reese")
    _LAST = ("Marlowe", "Ashdown", "Pemberton", "Thistle", "Wrenfield", "Calloway", "Brightwater", "Hollis")
    _CITY = ("Riverton", "Lakeside", "Fairview", "Oakdale", "Cedar Grove", "Millbrook", "Hillcrest")
    _STREET = ("Elm Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Birch Road", "Willow Court")
    _INST = ("Lakeside General Hospital", "Fairview Medical Center", "Oakdale Clinic", "Riverton Health")

    def __init__(self, seed: str | None = None) -> None:
        self.rng = random.Random(seed if seed is not None else secrets.randbits(64))
        self.memo: dict[tuple[str, str], str] = {}

    def get(self, category: str, original: str) -> str:
        key = (category, re.sub(r"[\W_]+", "", original).lower())
        if key not in self.memo:
            self.memo[key] = self._make(category, original)
        return self.memo[key]

    def _shape(self, original: str) -> str:
        out = []
        for ch in original:
            if ch.isdigit():
                out.append(self.rng.choice(string.digits))
            elif ch.isalpha():
                out.append(self.rng.choice(string.ascii_uppercase if ch.isupper() else string.ascii_lowercase))
            else:
                out.append(ch)
        return "".join(out)

    def _make(self, category: str, original: str) -> str:
        r = self.rng
        if category == "NAME":
            words = original.split()
            if len(words) == 1 and len(original) <= 3 and original.isupper():
                return "".join(r.choice("BCDFGHKMNPRTW") for _ in original)
            name = f"{r.choice(self._FIRST)} {r.choice(self._LAST)}" if len(words) > 1 else r.choice(self._LAST)
            return name.upper() if original.isupper() else name
        if category in ("PHONE", "FAX"):
            return f"(555) 555-01{r.randint(0, 99):02d}"
        if category == "EMAIL":
            return f"user{r.randint(100, 999)}@example.org"
        if category == "URL":
            return "https://example.org/"
        if category == "IP":
            return f"192.0.2.{r.randint(1, 254)}"
        if category == "SSN":
            return f"9{r.randint(0, 99):02d}-{r.randint(10, 99)}-{r.randint(1000, 9999)}"
        if category == "ADDRESS":
            return f"{r.randint(10, 9999)} {r.choice(self._STREET)}"
        if category == "CITY":
            return r.choice(self._CITY)
        if category == "ZIP":
            return "00000"
        if category == "INSTITUTION":
            return r.choice(self._INST)
        if category == "AGE_OVER_89":
            return "90+"
        return self._shape(original)


def _date_text(c: Candidate, style: Style, date_policy: DatePolicy, shift_days: int | None) -> str:
    if date_policy == "shift" and shift_days is not None:
        shifted = shift(DateMatch(c.start, c.end, c.year, c.month, c.day), shift_days)
        if shifted is not None:
            return shifted if style == "surrogates" else f"[DATE {shifted}]"
    if year_may_stay(c.year):
        return str(c.year) if style == "surrogates" else f"[DATE {c.year}]"
    return "[DATE]"  # no year, or one that could tell an age over 89


#: C0 controls (tab, line feed, VT, FF and CR aside) and DEL: junk inside a word ("Sur\x1dgical pathology",
#: "OKON\x01KWO") that would hide it from every rule.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _detect_through_controls(text: str, context: IdentityContext | None) -> list[Candidate]:
    """:func:`detect` on the text as it is and on two other readings of it, when they differ from it; a span of
    another reading is added where it overlaps none of the first's, and a name of another reading that overlaps the
    first's spans is joined with them.

    - **Without control characters** (spans mapped back to ``text``): a control inside a word hides it
      ("Sur\\x1dgical"), one standing for a lost line break separates words ("TECHNOLOGIST: NEMETZ\\x1cREPORT"),
      and only one reading is right ("OKONK\\x0fO, AMBROSE": the first reading saw "OKONK" alone).
    - **With an OCR scan's digit-for-letter swaps undone** (:func:`_ocr_repaired`, same length):
      "L0RING H0SPITAL", "O'SULL1VAN", "Wi11iams", "5O583".
    """
    spans = detect(text, context)
    if _CONTROLS.search(text) is not None:
        kept = [i for i, ch in enumerate(text) if not _CONTROLS.match(ch)]
        if kept:
            extra = [
                dataclasses.replace(c, start=kept[c.start], end=kept[c.end - 1] + 1)
                for c in detect("".join(text[i] for i in kept), context)
                if c.end > c.start
            ]
            spans = _with_reading(spans, extra)
    repaired = _ocr_repaired(text)
    if repaired is not None:
        spans = _with_reading(spans, [c for c in detect(repaired, context) if c.end > c.start])
    return spans


def _with_reading(spans: list[Candidate], extra: list[Candidate]) -> list[Candidate]:
    """``spans`` (sorted, not overlapping) with the spans of another reading of the same text added (see
    :func:`_detect_through_controls`)."""
    starts = [c.start for c in spans]  # sorted, non-overlapping: the last span starting before c.end ends last
    merged = list(spans)
    grown = False
    for c in extra:
        i = bisect.bisect_left(starts, c.end)
        if i == 0 or spans[i - 1].end <= c.start:
            merged.append(c)
        elif c.category == "NAME" or (spans[i - 1].end <= c.end and _starts_within(spans, i, c)):
            # a name, or a span that holds the first reading's spans it overlaps ("978-555-O122": the first
            # reading saw "978-555")
            merged.append(c)
            grown = True
    return _merge(merged) if grown else sorted(merged, key=lambda c: c.start)


def _starts_within(spans: list[Candidate], i: int, c: Candidate) -> bool:
    """Whether every span before index ``i`` that overlaps ``c`` starts inside it."""
    k = i - 1
    while k >= 0 and spans[k].end > c.start:
        if spans[k].start < c.start:
            return False
        k -= 1
    return True


#: A word of letters with digits an OCR engine read for letters ("H0SPITAL", "SULL1VAN", "Wi11iams"), or an
#: apostrophe name whose O was read as a zero ("0'BRIEN"): three letters or more, and only the digits 0, 1, 5 and 8,
#: each run of them between letters (or the zero before the apostrophe). A code ("T2W1", "L5S1", "HbA1c") has a
#: digit at an end or another digit, and so it is no such word, except "HbA1c", which reads as "HbAlc": nothing.
_OCR_WORD_RE = re.compile(
    r"(?<![\w'\u2019])(?=(?:[0158]*[A-Za-z'\u2019]){3})(?:[A-Za-z]|0(?=['\u2019][A-Za-z]))[A-Za-z'\u2019]*"
    r"(?:[0158]+[A-Za-z'\u2019]+)+(?![\w'\u2019])|(?<![\w'\u2019])0['\u2019][A-Za-z]{2,}(?![\w'\u2019])"
    # or one or two ones or zeros at the end of a word of three small letters or more ("Lowe11", "Ani1")
    r"|(?<![\w'\u2019])(?:[A-Z][a-z]{2,}|[a-z]{3,})[10]{1,2}(?![\w'\u2019])"
)
#: A number with letters an OCR engine read for digits ("5O583", "6l7-555-0l42", "03/O4/2025", "0211O"), its
#: groups joined by hyphens, slashes or periods; :func:`_ocr_number` says which are.
_OCR_NUMBER_RE = re.compile(r"(?<![\w.])[0-9OoIlSB]+(?:[-/.][0-9OoIlSB]+)*(?![\w])")
#: A date with letters an OCR engine read for digits ("O3/1l/l95O", "1O-O4-2O24"): three groups of digits, O, o, I
#: and l, joined by the same slash, hyphen or period, three digits at least (the dates' rules then read it).
_OCR_DATE_RE = re.compile(r"(?<![\w./-])[0-9OoIl]{1,2}([-/.])[0-9OoIl]{1,2}\1[0-9OoIl]{2,4}(?![\w/-])")
_OCR_DIGIT_LETTERS = frozenset("OoIlSB")
_S_OR_B_OUTSIDE_DIGITS = re.compile(r"(?<!\d)[SB]|[SB](?!\d)")
_AS_UPPER = str.maketrans("0158", "OISB")
_AS_LOWER = str.maketrans("015", "ols")
_AS_DIGITS = str.maketrans("OoIlSB", "001158")


def _ocr_number(value: str) -> bool:
    """Whether ``value`` is a number with a few letters read for digits: four digits or more, a letter for every
    three digits at most, an S or a B only between digits ("10S", "B12", "I-131" and "ISO" are no such number)."""
    digits = sum(ch.isdigit() for ch in value)
    letters = sum(ch in _OCR_DIGIT_LETTERS for ch in value)
    return digits >= 4 and 1 <= letters <= digits // 3 and _S_OR_B_OUTSIDE_DIGITS.search(value) is None


def _ocr_repaired(text: str) -> str | None:
    """``text`` with the digit-for-letter swaps of an OCR scan undone, at the same offsets ("L0RING H0SPITAL" ->
    "LORING HOSPITAL", "O'SULL1VAN" -> "O'SULLIVAN", "Wi11iams" -> "Williams", "5O583" -> "50583"); None when it
    has none. A word mostly in capitals reads 0, 1, 5 and 8 as O, I, S and B; one in small letters reads 0, 1 and 5
    as o, l and s (an 8 stays)."""
    out: list[str] | None = None
    for m in _OCR_WORD_RE.finditer(text):
        word = m.group()
        upper = sum(ch.isupper() for ch in word) > sum(ch.islower() for ch in word)
        fixed = word.translate(_AS_UPPER if upper else _AS_LOWER)
        if fixed != word:
            out = out if out is not None else list(text)
            out[m.start() : m.end()] = fixed
    for m in _OCR_NUMBER_RE.finditer(text):
        if not _ocr_number(m.group()):
            continue
        out = out if out is not None else list(text)
        out[m.start() : m.end()] = m.group().translate(_AS_DIGITS)
    for m in _OCR_DATE_RE.finditer(text):
        value = m.group()
        if sum(ch.isdigit() for ch in value) >= 3 and any(ch in "OoIl" for ch in value):
            out = out if out is not None else list(text)
            out[m.start() : m.end()] = value.translate(_AS_DIGITS)
    return None if out is None else "".join(out)


#: Everything but line breaks (what :func:`scrub_text` keeps of a span that runs across lines).
_LINE_BREAKS = re.compile(r"[^\r\n]+")


def scrub_text(
    text: str,
    context: IdentityContext | None = None,
    style: Style = "tags",
    date_policy: DatePolicy = "year",
    shift_days: int | None = None,
    accession_lookup: Callable[[str], str | None] | None = None,
    surrogates: Surrogates | None = None,
) -> ScrubResult:
    """Remove every Safe Harbor identifier from a free-text report.

    Parameters
    ----------
    text
        The report (already decoded, see :func:`aiminer.text.decode.decode_text`).
    context
        Known identities of the patient and study (from DICOM headers, HL7 PID, a table row). Their values
        and variants are always removed; the patient's name and MRN become ``context.patient_code`` and the
        accession ``context.study_code`` when those are set.
    style
        ``"tags"``: ``[NAME]``, ``[MRN]``, ``[DATE 2021]``, ``[PATIENT P-…]``; ``"surrogates"``: realistic fake
        values, consistent within the document (the same name always gets the same surrogate).
    date_policy
        ``"year"`` keeps only the year (Safe Harbor); ``"shift"`` moves full dates by ``shift_days`` (the
        project's per-patient offset) and falls back to the year when no offset is given.
    shift_days
        Offset in days for ``date_policy="shift"``.
    accession_lookup
        Called with an accession number found by a cue (``Acc#: 123``); a coded study ID it returns replaces
        the accession (``coder.study_for_accession`` bound to the site).
    surrogates
        The table of fake values for ``style="surrogates"`` (see :class:`Surrogates`: seeded and shared by the texts
        of one object); a fresh random one when not given.

    Returns
    -------
    ScrubResult
        The scrubbed text and the findings (category and offsets in the original text, no values).

    Raises
    ------
    TextDeidError
        ``reason="too_large"`` for a text longer than :data:`MAX_SCRUB_CHARS` (a report, an HL7 field or a table
        cell): the scrubber's cost grows with the names in it (seconds per MB of dense prose), and no radiology
        report comes near.
    """
    if len(text) > MAX_SCRUB_CHARS:
        raise TextDeidError("too_large", "a text value is longer than the scrubber takes")
    spans = _detect_through_controls(text, context)
    if style == "surrogates":
        surrogates = surrogates if surrogates is not None else Surrogates()
    else:
        surrogates = None
    out: list[str] = []
    findings: list[Finding] = []
    pos = 0
    for c in spans:
        out.append(text[pos : c.start])
        original = text[c.start : c.end]
        who = c
        if (
            c.role == "patient"
            and c.category == "NAME"
            and _RELATIVE_BEFORE.search(text, max(0, c.start - 40), c.start)
            and not _has_given_name(original, context)
        ):
            # "husband Marcus Vasquez-Thorne": the patient's surname, another person (red team 13 read "husband
            # [PATIENT P-...]", the relative written as the patient); "Mother: Eleanor Vasquez-Thorne" in her own
            # obstetric report is still the patient
            who = dataclasses.replace(c, role="other")
        out.append(_replacement(who, original, context, style, date_policy, shift_days, accession_lookup, surrogates))
        if "\n" in original or "\r" in original:
            out.append(_LINE_BREAKS.sub("", original))  # a span across lines keeps the report's line structure
        findings.append(Finding(c.category, c.start, c.end, c.source))
        pos = c.end
    out.append(text[pos:])
    return ScrubResult("".join(out), tuple(findings))


#: A relative named right before a name (the patient's surname, someone else): "husband", "Son", "patient's
#: daughter", "(mother)" is after, not here.
_RELATIVE_BEFORE = re.compile(
    r"(?i)(?<![\w-])(?:(?:maternal|paternal|step|half|great|grand|older|younger|twin)[ -]?){0,2}"
    r"(?:husband|wife|spouse|partner|son|daughter|mother|father|mom|mum|dad|brother|sister|sibling|aunt|uncle|niece"
    r"|nephew|cousin|grandmother|grandfather|grandson|granddaughter|grandchild|guardian|fianc[eé]e?|widow(?:er)?"
    r"|(?:son|daughter|mother|father|brother|sister)-in-law)s?[ \t]*[:,-]?[ \t]*$"
)


def _has_given_name(span: str, context: IdentityContext | None) -> bool:
    """Whether ``span`` holds one of the patient's given names (a word of two letters or more)."""
    if context is None:
        return False
    words = {w.lower() for w in _GIVEN_WORD.findall(span)}
    return any(
        w.lower() in words
        for value in context.patient_names
        for w in _GIVEN_WORD.findall(parse_person_name(value).given)
    )


_GIVEN_WORD = re.compile(r"[^\W\d_]{2,}")


def _replacement(
    c: Candidate,
    original: str,
    context: IdentityContext | None,
    style: Style,
    date_policy: DatePolicy,
    shift_days: int | None,
    accession_lookup: Callable[[str], str | None] | None,
    surrogates: Surrogates | None,
) -> str:
    if c.category == "DATE":
        return _date_text(c, style, date_policy, shift_days)
    if c.role == "patient" and c.category in ("NAME", "MRN"):
        code = context.patient_code if context else None
        if code:
            return code if style == "surrogates" else f"[PATIENT {code}]"
        if style == "tags":
            return "[PATIENT]" if c.category == "NAME" else "[MRN]"
    if c.category == "ACCESSION":
        code = context.study_code if (context and c.role == "study") else None
        if code is None and accession_lookup is not None:
            code = accession_lookup(original.strip())
        if code:
            return code if style == "surrogates" else f"[STUDY {code}]"
    if surrogates is not None:
        return surrogates.get(c.category, original)
    if c.category == "AGE_OVER_89":
        return "[AGE 90+]"
    return f"[{_TAGS[c.category]}]"

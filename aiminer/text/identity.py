"""Known identities of a patient and study, and the textual variants under which they appear in reports.

When the DICOM headers of the same study (or a metadata table row, or an HL7 PID segment) tell us who the
patient is, the report scrubber removes those exact values and their variants even where no pattern or
dictionary would find them: "SMITH^JOHN^A" becomes "John Smith", "John A. Smith", "Smith, John", "J. Smith",
"JAS", "SMITH"...; "123-45-678" also matches "12345678" and "123 45 678".
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from re import _parser as _sre_parser  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any

from aiminer.text.kana import romanize
from aiminer.text.lexicon import REPORT_ABBREVIATIONS, lexicon
from aiminer.text.names import fold_accents

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

#: Separators people put inside identifiers and phone numbers.
_ID_SEP = r"[\s./()-]?"
#: Between a phone number's digits: up to two ("(555) 804-5663" has ") " after the area code).
_PHONE_SEP = r"[\s./()-]{0,2}"


@dataclass(frozen=True)
class IdentityContext:
    """What is known about the patient and study a text belongs to, and what replaces it.

    Parameters
    ----------
    patient_names
        Patient names as given: DICOM PN (``"LAST^FIRST^MIDDLE^PREFIX^SUFFIX"``), HL7 XPN or free text.
    other_names
        Other people tied to the study: physicians, technologists, relatives (same formats).
    patient_ids
        MRNs and other patient identifiers (DICOM PatientID, OtherPatientIDs, HL7 PID-2/3/4).
    accessions
        Accession numbers of the study (and placer/filler order numbers).
    other_ids
        Any other identifier to remove (account, visit, SSN, insurance numbers...).
    birth_dates
        Birth dates (``YYYYMMDD`` or ``YYYY-MM-DD``); the generic date rules catch other formats too.
    addresses
        Addresses (DICOM free text or HL7 XAD ``street^other^city^state^zip``); street, city and ZIP are removed.
    phones
        Telephone numbers.
    institutions
        Institution and department names (DICOM InstitutionName...).
    name_words
        Lower-case words of names found elsewhere in the same document (a table's other cells), matched word by
        word in one pass however many there are: no variants and no regex per name (see
        :func:`name_word_spans`).
    patient_code
        Coded patient ID that replaces the patient's name and MRN (``None``: a ``[PATIENT]`` tag).
    study_code
        Coded study ID that replaces the accession numbers (``None``: an ``[ACCESSION]`` tag).
    """

    patient_names: tuple[str, ...] = ()
    other_names: tuple[str, ...] = ()
    patient_ids: tuple[str, ...] = ()
    accessions: tuple[str, ...] = ()
    other_ids: tuple[str, ...] = ()
    birth_dates: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    institutions: tuple[str, ...] = ()
    name_words: frozenset[str] = frozenset()
    patient_code: str | None = None
    study_code: str | None = None

    def merged(self, other: IdentityContext | None) -> IdentityContext:
        """Return a context with the values of both (codes from ``self`` win when both have one)."""
        if other is None:
            return self

        def cat(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(a + b))

        return IdentityContext(
            patient_names=cat(self.patient_names, other.patient_names),
            other_names=cat(self.other_names, other.other_names),
            patient_ids=cat(self.patient_ids, other.patient_ids),
            accessions=cat(self.accessions, other.accessions),
            other_ids=cat(self.other_ids, other.other_ids),
            birth_dates=cat(self.birth_dates, other.birth_dates),
            addresses=cat(self.addresses, other.addresses),
            phones=cat(self.phones, other.phones),
            institutions=cat(self.institutions, other.institutions),
            # the same set object when only one side has words: a table's set is large and hashed once
            name_words=(self.name_words | other.name_words)
            if self.name_words and other.name_words
            else self.name_words or other.name_words,
            patient_code=self.patient_code or other.patient_code,
            study_code=self.study_code or other.study_code,
        )


@dataclass(frozen=True)
class ContextTerm:
    """One regular expression for a known value; ``role`` says what replaces it."""

    pattern: str
    category: str
    role: str  # "patient", "study" or "other"
    case_sensitive: bool = False
    glued: bool = False  # an identifier of 6+ characters starting with a digit: found glued to letters too
    #: :func:`required_alnum` of ``pattern`` when known without parsing it (an identifier's own characters).
    required: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PersonName:
    """A person name split into parts (all optional)."""

    family: str = ""
    given: str = ""
    middle: str = ""
    extra: tuple[str, ...] = field(default_factory=tuple)


_SPLIT_WORDS = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF][A-Za-z\u00C0-\u024F\u1E00-\u1EFF'\u2019-]*")
# NUL padding, ISO 2022 escapes, other controls and bytes that did not decode (U+FFFD) inside a stored name separate
# words; they are not part of one ("Okonkwo\ufffd\ufffd^Philippa" is Okonkwo).
_CONTROL = re.compile(r"\x1b[\x20-\x2f]*[\x30-\x7e]?|[\x00-\x1f\x7f-\x9f\ufffd]+")
# A capitalised piece inside a word: "Okonkwo" in "QuéOkonkwo" (a stray byte glued to the name), "Donald" in
# "McDonald"; matched alone too (a surplus removal at worst).
# A run of ASCII letters in a word with others: "Ravensworth" in "Ravensworthÿþ" (bytes decoded as Latin-1).
_ASCII_RUN = re.compile(r"(?<![A-Za-z])[A-Za-z]{4,}(?![A-Za-z])")
_CAMEL_PIECE = re.compile(r"(?<=[a-z\u00DF-\u00FF])[A-Z\u00C0-\u00DE][a-z\u00DF-\u00FF]{3,}")


def parse_person_name(value: str) -> PersonName:
    """Split a DICOM/HL7 (``^``-separated), ``"LAST, FIRST M"`` or ``"First M Last"`` name into parts."""
    value = _CONTROL.sub(" ", value).strip()
    if "^" in value:
        parts = [p.strip() for p in value.split("=")[0].split("^")]
        parts += [""] * (5 - len(parts))
        return PersonName(family=parts[0], given=parts[1], middle=parts[2], extra=tuple(p for p in parts[3:] if p))
    if "," in value:
        family, _, rest = value.partition(",")
        words = _SPLIT_WORDS.findall(rest)
        return PersonName(
            family=family.strip(), given=words[0] if words else "", middle=" ".join(words[1:2]) if words else ""
        )
    words = _SPLIT_WORDS.findall(value)
    if not words:
        return PersonName()
    if len(words) == 1:
        return PersonName(family=words[0])
    return PersonName(family=words[-1], given=words[0], middle=" ".join(words[1:-1]))


#: Initials right after (or before) a name: one to five capitals, maybe with periods or a hyphen ("DLC", "O-B",
#: "V.D.B.", "E").
_INITIALS_AFTER = re.compile(r"[ \t,]{1,3}((?-i:[A-Z](?:[.-]?[A-Z]){0,4})\.?)(?![\w-])")
_INITIALS_BEFORE = re.compile(r"(?<![\w.-])((?-i:[A-Z](?:[.-]?[A-Z]){0,4})\.?)[ \t,]{1,3}$")


def _initials_of(value: str) -> tuple[str, str]:
    """The first letters of a name's family words and of its given and middle words ("DE LA CRUZ-MONTOYA^Esperanza^
    Inés" -> "DLCM", "EI")."""
    name = parse_person_name(value)
    family = "".join(w[0] for w in re.split(r"[\s-]+", name.family) if w[:1].isalpha())
    given = "".join(w[0] for w in re.split(r"[\s-]+", f"{name.given} {name.middle}") if w[:1].isalpha())
    return fold_accents(family).upper(), fold_accents(given).upper()


def _in_order(letters: str, pool: str) -> bool:
    it = iter(pool)
    return all(ch in it for ch in letters)


def patient_initials_beside(text: str, start: int, end: int, names: tuple[str, ...]) -> Iterator[tuple[int, int]]:
    """The patient's initials written right after or before a mention of the patient's name at ``start:end``
    ("[name] DLC", "Maria VDB", "Adaeze O-B"; red team 22): capitals, each the first letter of a word of the
    patient's name, in the name's order (family then given, or given then family). An abbreviation a report uses
    ("CT", "PA") is never taken."""
    pools = []
    for value in names:
        family, given = _initials_of(value)
        pools += [family + given, given + family]
    if not pools:
        return
    for m in (_INITIALS_AFTER.match(text, end), _INITIALS_BEFORE.search(text, max(0, start - 16), start)):
        if m is None:
            continue
        letters = re.sub(r"[.-]", "", m.group(1))
        abbreviation = "-" not in m.group(1) and letters.lower() in REPORT_ABBREVIATIONS  # ("O-B" is no "OB")
        if abbreviation or not any(_in_order(letters, p) for p in pools):
            continue
        yield m.start(1), m.end(1)


def _flex(text: str) -> str:
    """Regex for ``text`` with any run of spaces, commas, periods, apostrophes or hyphens between its words, or none:
    a RIS or a protocol name writes "O'Brien-Van der Berg" as "OBRIEN VANDERBERG" or "OBrien_Van_der_Berg"."""
    words = [re.escape(w) for w in _FLEX_SPLIT.split(text.strip()) if w]
    return _FLEX_SEP.join(words)


_FLEX_SPLIT = re.compile(r"[\s,.^'\u2019-]+")
_FLEX_SEP = r"[\s,.^'\u2019-]*"
#: Name prefixes and suffixes (PN components 4 and 5): a title is no part of who the patient is ("MR" would take
#: the modality out of every report).
_NAME_AFFIXES = frozenset(
    "mr mrs ms miss mx dr prof rev sir dame lady lord jr sr ii iii iv v md do phd rn np pa esq".split()
)


def name_variants(value: str) -> list[tuple[str, bool]]:
    """Return ``(regex, case_sensitive)`` variants of a person name.

    Parameters
    ----------
    value
        A name as DICOM PN ``"SMITH^JOHN^A"``, ``"Smith, John A"`` or ``"John A Smith"``.

    Returns
    -------
    list of (str, bool)
        Regular expressions for full orders ("John Smith", "Smith, John", "John A. Smith"), initial forms
        ("J. Smith", "Smith J"), the family and given names alone when they are distinctive, and the initials
        ("JS", "J.S.", "JAS") which only match in capitals.
    """
    name = parse_person_name(value)
    family, given, middle = name.family, name.given, name.middle
    out: list[tuple[str, bool]] = []
    lex = lexicon()
    # Multi-word family names ("de la Cruz", "Smith-Jones") match as a unit and by their parts.
    if family and given:
        fi, gi = re.escape(family[0]), re.escape(given[0])
        fam, giv = _flex(family), _flex(given)
        mid = _flex(middle) if middle else ""
        mi = re.escape(middle[0]) if middle else ""
        if middle:
            out.append((rf"{giv}\s+(?:{mid}|{mi}\.?)\s+{fam}", False))
            out.append((rf"{fam}\s*[,^]\s*{giv}(?:\s*[\s^]\s*(?:{mid}|{mi}\.?))?", False))
        out += [
            (rf"{giv}\s+{fam}", False),
            (rf"{fam}\s*[,^]\s*{giv}", False),
            (rf"{fam}\s+{giv}", False),
            (rf"{gi}\.?\s*(?:{mi}\.?\s*)?{fam}", False),
            (rf"{fam}\s*,?\s*{gi}\.(?:\s*{mi}\.)?", False),
        ]
        # a label's initial glued to the family name or to a part of it ("ETHORNE_ADC", "LESION EVASQUEZ"), and a
        # double-barrelled name's first initial glued to its second part ("VTHORNE" for Vasquez-Thorne; red team 13):
        # in capitals only, as labels write them, and not when the glued word is one of the lexicons' ("T" + "Rain")
        fam_parts = [p for p in re.split(r"[\s-]+", family) if p]
        glued = [(given[0], p) for p in dict.fromkeys((family, *fam_parts))]
        if len(fam_parts) == 2:
            glued.append((fam_parts[0][0], fam_parts[1]))
        for letter, rest in glued:
            flat = _FLEX_SPLIT.sub("", rest)
            word = (letter + flat).lower()
            if len(flat) >= 4 and word not in lex.vocab and word not in lex.common and word not in lex.not_names:
                out.append((re.escape(letter.upper()) + _flex(rest.upper()), True))
        # the whole name run together in an RT structure set's label, or the family name with the given name's
        # initial ("PARKJIHOON", "ZHANGW_RT"; red team 16): in capitals, from a family name of four letters or more
        flat_family, flat_given = _FLEX_SPLIT.sub("", family).upper(), _FLEX_SPLIT.sub("", given).upper()
        if len(flat_family) >= 4 and flat_family.isalpha() and flat_given.isalpha():
            for run in (flat_family + flat_given, flat_given + flat_family, flat_family + flat_given[0]):
                if run.lower() not in lex.vocab and run.lower() not in lex.common:
                    out.append((re.escape(run), True))
        initials = given[0] + (middle[0] if middle else "") + family[0]
        for letters in dict.fromkeys((initials, given[0] + family[0])):
            if letters.lower() in REPORT_ABBREVIATIONS or letters.lower() in lex.vocab:
                continue
            out.append((r"\.\s?".join(re.escape(c) for c in letters) + r"\.", True))
            if len(letters) >= 2:
                out.append((re.escape(letters.upper()), True))
        del fi, gi
    extra = tuple(p for p in name.extra if p.strip(" .").lower() not in _NAME_AFFIXES)
    for part in (family, given, middle, *extra):
        words = [w for w in re.split(r"[^\w'\u2019-]+", part) if w]
        pieces = [p for w in words for p in (*_CAMEL_PIECE.findall(w), *_ASCII_RUN.findall(w)) if p != w]
        # each part of a hyphenated name, whatever its letters ("Øyen" of "Søndergaard-Øyen": the pieces above are
        # ASCII or capitalised runs only)
        pieces += [p for w in words for p in w.split("-") if p and p != w and p not in pieces]
        # the part and each of its hyphenated pieces with their inner separators optional ("OBRIEN", "VANDERBERG")
        for joined in dict.fromkeys((part, *part.split("-"), *words)):
            if _FLEX_SPLIT.search(joined.strip()) and len(_FLEX_SPLIT.sub("", joined)) >= 5:
                out.append((_flex(joined), False))
        for word in words + pieces:
            # A lone word only when it is distinctive: not an initial, not report vocabulary (a patient named
            # "May" must not remove every "may" from the report; the full-name variants still catch her).
            if len(word) >= 2 and word.lower() not in lex.vocab and word.lower() not in lex.common:
                out.append((re.escape(word), False))
            elif len(word) >= 2:
                out.append((re.escape(word[0].upper() + word[1:].lower()), True))
                out.append((re.escape(word.upper()), True))
    out += _other_group_variants(value)
    # the name as a system without its letters writes it ("OYEN_B_KNEE" for Øyen, "MUELLER" for Müller): the
    # variants of each ASCII spelling too
    for folded in ascii_spellings(value):
        out += [v for v in name_variants(folded) if v not in out]
    return out


#: Letters that Unicode decomposition does not take to ASCII, and the German-style spellings of umlauts.
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "đ": "d",
                       "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ı": "i"})  # fmt: skip
_FOLD_DIGRAPH = str.maketrans({"ä": "ae", "Ä": "AE", "ö": "oe", "Ö": "OE", "ü": "ue", "Ü": "UE", "ø": "oe",
                               "Ø": "OE", "å": "aa", "Å": "AA"})  # fmt: skip


def ascii_spellings(value: str) -> list[str]:
    """The ASCII spellings of a name with other letters: without its diacritics ("Søndergaard-Øyen" ->
    "Sondergaard-Oyen") and with umlauts as digraphs ("Müller" -> "Mueller"); none for an ASCII name, or for a name
    in another script (its letters do not fold to ASCII)."""
    if value.isascii():
        return []
    out = []
    for table in (_FOLD, _FOLD_DIGRAPH):
        decomposed = unicodedata.normalize("NFKD", value.translate(table))
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        if folded.isascii() and folded != value and folded not in out:
            out.append(folded)
    return out


def _other_group_variants(value: str) -> list[tuple[str, bool]]:
    """Terms of a DICOM PN's ideographic and phonetic component groups ("Yamada^Hanako=山田^花子=やまだ^はなこ"):
    family and given name written together and apart, and each component of two characters or more."""
    if "=" not in value:
        return []
    out: list[tuple[str, bool]] = []
    groups = value.split("=")
    for group in groups[1:3]:
        parts = [p.strip() for p in _CONTROL.sub(" ", group).split("^")[:3] if p.strip()]
        if len(parts) >= 2:
            out += [(re.escape("".join(parts[:2])), False), (_flex(" ".join(parts[:2])), False)]
        out += [(re.escape(p), False) for p in parts if len(p) >= 2]
    # a phonetic group in kana, written in Latin letters as a comment would ("くろいわ^さゆり": "Kuroiwa Sayuri"),
    # when the name has no Latin letters of its own
    if len(groups) >= 3 and not groups[0].strip(" ^"):
        spoken = [romanize(p.strip()) for p in _CONTROL.sub(" ", groups[2]).split("^")[:2] if p.strip()]
        if spoken and all(spoken):
            for family in spoken[0]:
                for given in spoken[1] if len(spoken) > 1 else ("",):
                    out += name_variants(f"{family}^{given}")
    return out


def id_variants(value: str, min_len: int = 4, sep: str = _ID_SEP) -> list[str]:
    """Return regexes matching an identifier with or without separators (``"123-45-678"`` ~ ``"12345678"``).

    Parameters
    ----------
    value
        The identifier as stored (MRN, accession, phone number...).
    min_len
        Identifiers with fewer alphanumeric characters are ignored (too short to match safely).

    Returns
    -------
    list of str
        One regex with optional separators between characters, and one without leading zeros.
    """
    return [pattern for pattern, _ in _id_forms(value, min_len, sep)]


def _id_forms(value: str, min_len: int, sep: str) -> list[tuple[str, str]]:
    """:func:`id_variants` with the characters each one requires (lower case): the identifier, without its leading
    zeros, and the number of one with a site's prefix written without it ("SB-002291" typed as "002291"; red team
    16: five digits or more)."""
    core = re.sub(r"[^0-9A-Za-z]", "", value)
    if len(core) < min_len:
        return []
    forms = [core]
    stripped = core.lstrip("0")
    if stripped != core and len(stripped) >= min_len:
        forms.append(stripped)
    number = _PREFIXED_NUMBER.fullmatch(value.strip())
    if number is not None:
        forms += [d for d in (number.group(1), number.group(1).lstrip("0")) if len(d) >= max(5, min_len)]
    return [(sep.join(re.escape(c) for c in form), form.lower()) for form in dict.fromkeys(forms)]


_PREFIXED_NUMBER = re.compile(r"[A-Za-z]{1,5}[-/. ]?(\d{5,})")


def _date_variants(value: str) -> list[str]:
    digits = re.sub(r"\D", "", value)
    if len(digits) != 8:
        return []
    y, m, d = digits[:4], digits[4:6], digits[6:]
    return [
        re.escape(v)
        for v in (digits, f"{m}{d}{y}", f"{m}{d}{y[2:]}", f"{d}{m}{y}", f"{int(m)}/{int(d)}/{y}", f"{m}/{d}/{y}")
    ]


def _address_terms(value: str) -> list[tuple[str, str]]:
    parts = [p.strip() for p in re.split(r"\^|\n|\r|;", value) if p.strip()]
    if len(parts) == 1 and "," in parts[0]:
        parts = [p.strip() for p in parts[0].split(",") if p.strip()]
    terms: list[tuple[str, str]] = []
    for part in parts:
        zips = re.findall(r"\b\d{5}(?:-\d{4})?\b", part)
        for z in zips:
            terms.append((re.escape(z), "ZIP"))
        rest = re.sub(r"\b\d{5}(?:-\d{4})?\b", "", part).strip(" ,")
        if not rest or len(rest) <= 2:  # a state code is not removed (Safe Harbor keeps states)
            continue
        if re.match(r"\d", rest):
            terms.append((_flex(rest), "ADDRESS"))
        elif rest.lower() not in lexicon().vocab and len(rest) >= 3:
            terms.append((_flex(rest), "CITY"))
    return terms


@lru_cache(maxsize=256)
def context_terms(context: IdentityContext) -> tuple[ContextTerm, ...]:
    """Expand an :class:`IdentityContext` into the terms the scrubber searches for (longest first)."""
    terms: list[ContextTerm] = []
    for value in context.patient_names:
        terms += _name_terms(value, "patient")
        terms += _truncated_family_terms(value)
        terms += _truncated_given_terms(value)
    for value in context.other_names:
        terms += _name_terms(value, "other")
    for value in context.patient_ids:
        terms += _id_terms(value, "MRN", "patient")
    for value in context.accessions:
        terms += _id_terms(value, "ACCESSION", "study")
    for value in context.other_ids:
        terms += _id_terms(value, "OTHER_ID", "other")
    for value in context.phones:
        terms += _id_terms(value, "PHONE", "other", min_len=7, sep=_PHONE_SEP)
    for value in context.birth_dates:
        terms += [ContextTerm(p, "DATE", "other") for p in _date_variants(value)]
    for value in context.addresses:
        terms += [ContextTerm(p, cat, "other") for p, cat in _address_terms(value)]
    for value in context.institutions:
        if len(value.strip()) >= 3:
            terms.append(ContextTerm(_flex(value), "INSTITUTION", "other"))
            for word in _distinctive_institution_words(value):
                terms.append(ContextTerm(_flex(word), "INSTITUTION", "other"))
                # the saint's possessive without its apostrophe ("St. Brendans"; red team 16)
                terms.append(ContextTerm(_flex(word) + "s", "INSTITUTION", "other"))
                # a station or host name built on it: "BRIGIDCT02", "WendelinMR1" (letters, then a number)
                terms.append(ContextTerm(_flex(word) + _STATION_TAIL, "INSTITUTION", "other", glued=True))
            for saint in _SAINT_WORD_RE.finditer(value):
                # "STBRIGID" in a script's or a station's name: the saint's title glued to the name
                terms.append(ContextTerm(_flex(saint.group()), "INSTITUTION", "other"))
            for acronym in institution_acronyms(value):
                terms.append(ContextTerm(re.escape(acronym), "INSTITUTION", "other", case_sensitive=True))
                # with periods ("S.B.H."; red team 16)
                dotted = r"\.".join(re.escape(c) for c in acronym) + r"\.?"
                terms.append(ContextTerm(dotted, "INSTITUTION", "other", case_sensitive=True))
    unique = {(t.pattern, t.case_sensitive, t.glued): t for t in terms if t.pattern}
    return tuple(sorted(unique.values(), key=lambda t: -len(t.pattern)))


#: What follows an institution's word in a station or host name glued to it: a few letters, then a digit.
_STATION_TAIL = r"(?=[A-Za-z]{0,6}[0-9])"

#: Kinds of institution and parts of a name that the report rules' generic words (``GENERIC_INST_WORDS``) do not
#: list ("St Brigid Regional Medical Center": only "Brigid" names one place).
_INSTITUTION_KINDS = frozenset(
    "associates campus cancer care central centre children clinics diagnostic diagnostics district east foundation "
    "group healthcare heart hospitals infirmary lady mount network north partners practice sisters south specialty "
    "surgery surgical system trust valley west women womens".split()
)


_SAINT_WORD_RE = re.compile(r"(?<![^\W\d_])(?:St|Saint|Mt|Mount)\.?\s+[^\W\d_]{4,}", re.IGNORECASE)
#: Capitals a report uses as labels or for national bodies, never as a hospital's acronym ("ACC#:" is the accession).
_NOT_ACRONYMS = frozenset(
    "acc acct ach acr aha ama ats cdc cms fda nih nccn who uspstf ajcc asco ascvd esc ers idsa sir sfr hhs mrn "
    "dob ssn npi dea csn fin eob cpt icd hcpcs ndc loinc ucum usa".split()
)
_ACRONYM_SKIPPED = frozenset("of the and for at de la del da di du des van von & -".split())


def institution_acronyms(value: str) -> list[str]:
    """The acronyms an institution's name goes by, in capitals: the initials of its words without "of", "the",
    "and"..., with and without a leading saint's title ("Lakemont University Medical Center" -> LUMC, "St. Brendan's
    Regional Medical Center" -> SBRMC and BRMC, "Carrow Valley Health" -> CVH). Three to six letters, and never a
    report abbreviation or a report or English word ("Memorial Regional Imaging" is no reason to take out MRI)."""
    from aiminer.text.lexicon import REPORT_ABBREVIATIONS

    lex = lexicon()
    every = re.findall(r"[^\W\d_](?:[^\W\d_]|['\u2019](?=[^\W\d_]))*", value)
    out: list[str] = []
    # without "of", "the"...; with "of" ("Children's Hospital of Philadelphia" is CHOP)
    for words in (
        [w for w in every if w.lower() not in _ACRONYM_SKIPPED],
        [w for w in every if w.lower() == "of" or w.lower() not in _ACRONYM_SKIPPED],
    ):
        for skip in (0, 1):
            if skip and not (words and words[0].lower() in ("st", "saint", "mt", "mount")):
                break
            acronym = "".join(w[0] for w in words[skip:]).upper()
            low = acronym.lower()
            if (
                3 <= len(acronym) <= 6
                and acronym.isascii()
                and acronym not in out
                and low not in REPORT_ABBREVIATIONS
                and low not in lex.vocab
                and low not in lex.common
                and low not in _NOT_ACRONYMS
            ):
                out.append(acronym)
    return out


def _distinctive_institution_words(value: str) -> list[str]:
    """The words of an institution's name that identify it alone ("Brigid" in "St. Brigid's Regional"): four letters
    or more, no generic institution word, no report or English word, no state."""
    from aiminer.text.patterns import GENERIC_INST_WORDS, US_STATES

    lex = lexicon()
    out = []
    for word in re.findall(r"[^\W\d_]{4,}", value):
        low = word.lower()
        if (
            low in _INSTITUTION_KINDS
            or low in GENERIC_INST_WORDS
            or low in lex.vocab
            or low in lex.common
            or low in US_STATES
        ):
            continue
        out.append(word)
    return out


def _id_terms(value: str, category: str, role: str, min_len: int = 4, sep: str = _ID_SEP) -> list[ContextTerm]:
    """The terms of a known identifier. One of 6 or more characters that starts with a digit, or holds five digits
    or more, is found glued to letters too ("Okonkwo59081935": a lost separator; "acvDA1234567": an accession after
    a garbled word), as :func:`aiminer.text.report` propagates a found one."""
    core = re.sub(r"[^0-9A-Za-z]", "", value)
    glued = len(core) >= 6 and (core[0].isdigit() or sum(c.isdigit() for c in core) >= 5)
    # each form's characters joined by optional separators: what every match must hold is those characters (a table
    # has a new MRN on every row, and parsing each pattern to learn it cost a quarter of a millisecond)
    return [ContextTerm(p, category, role, glued=glued, required=r) for p, r in _id_forms(value, min_len, sep)]


@lru_cache(maxsize=4096)
def _truncated_given_terms(value: str) -> tuple[ContextTerm, ...]:
    """The patient's given name cut short by a 16-character field after the family name ("KOWALCZYK KATHER";
    red team 16): as :func:`_truncated_family_terms`, for the first given name."""
    given = parse_person_name(value).given.split()
    return _truncated_terms(given[0]) if given else ()


@lru_cache(maxsize=4096)
def _truncated_family_terms(value: str) -> tuple[ContextTerm, ...]:
    """The patient's family name cut short, as a 16-character label cuts it ("LINDQ PROST" for Lindqvist, an RT
    plan's label): each prefix of five letters or more of a family name of seven or more, when no word list knows
    the prefix as anything (not "Christ" of Christensen, "Parkin" of Parkinson, "Anders" of Andersson)."""
    return _truncated_terms(parse_person_name(value).family.split("-")[0].strip())


def _truncated_terms(word: str) -> tuple[ContextTerm, ...]:
    """Each prefix of five letters or more of a name of seven or more that no word list knows as anything."""
    if len(word) < 7 or not word.isalpha():
        return ()
    lex = lexicon()
    out = []
    for n in range(5, len(word)):
        low = word[:n].lower()
        if low in lex.not_names or low in lex.first_names or low in lex.surnames or low in lex.places:
            continue
        out.append(ContextTerm(re.escape(word[:n]), "NAME", "patient"))
    return tuple(out)


@lru_cache(maxsize=4096)
def _name_terms(value: str, role: str) -> tuple[ContextTerm, ...]:
    """The terms of one name (cached: a study's files repeat the patient's and the staff's names in new contexts)."""
    return tuple(ContextTerm(p, "NAME", role, cs) for p, cs in name_variants(value))


def context_matches(text: str, context: IdentityContext) -> Iterator[tuple[re.Match[str], ContextTerm]]:
    """Every match of every term of :func:`context_terms` in ``text``, term by term, longest term first.

    Each term is its own regex with word boundaries, compiled once per term and cached (every file of a study
    carries a slightly different context, its own operators and physicians, but the same patient). A term runs,
    and is compiled at all, only when the letters and digits its regex cannot match without (its
    :func:`required_alnum`) occur in the text in that order with nothing but other characters between them: a
    substring test on the text's letters and digits. Most terms are in none of a file's texts, and each compile
    costs about a millisecond. The test is skipped for a non-ASCII text, where every term runs: case folding (the
    long s U+017F matches ``s``) can match a letter the test would miss.
    """
    squeezed = _NOT_ALNUM.sub("", text.lower()) if text.isascii() else None
    for term in context_terms(context):
        if squeezed is not None:
            required = term.required if term.required is not None else required_alnum(term.pattern)
            if required not in squeezed:
                continue
        for m in _term_matches(text, term):
            yield m, term


def _term_matches(text: str, term: ContextTerm) -> list[re.Match[str]]:
    """The matches of ``term`` in ``text``: those of :func:`_term_regex`, found most often without compiling it.

    The bounds (``_BOUNDS``, ``_DIGIT_BOUNDS``) are most of a term regex's compile time (0.2 ms of 0.24), and every
    file brings new names. So the bare pattern runs first (compiled in a fifth of the time), and each of its
    matches is checked against the bounds in Python. When every match passes, they are exactly the bounded regex's
    matches: the bare search finds the first position where the pattern matches at all and the first path from
    there, and the bounded regex would take that same path when both bounds hold at its ends. When one fails (a
    name glued inside a longer word), the bounded regex decides. A pattern with an alternative at its top level
    always goes to the bounded regex (its bounds would bind to the first and last alternatives only). A plain
    string never does (:func:`_literal_matches`)."""
    bare = _bare_regex(term.pattern, term.case_sensitive)
    if bare is not None and _LITERAL.fullmatch(term.pattern):
        return _literal_matches(bare, text, term)
    if bare is not None:
        found = list(bare.finditer(text))
        if all(_within_bounds(text, m.start(), m.end(), term) for m in found):
            return found
    return list(_term_regex(term.pattern, term.case_sensitive, term.glued).finditer(text))


#: A pattern that is a plain string (``re.escape`` of a word): one way to match at each position.
_LITERAL = re.compile(r"(?:[^\\.^$*+?{}\[\]|()]|\\[^0-9A-Za-z])+")


def _literal_matches(bare: re.Pattern[str], text: str, term: ContextTerm) -> list[re.Match[str]]:
    """The bounded matches of a plain string, without its bounded regex: where a match fails the bounds (the start
    of "Quaxley" for its cut form "Quaxl"), the search goes on one character further, as the bounded regex would."""
    out: list[re.Match[str]] = []
    pos = 0
    while (m := bare.search(text, pos)) is not None:
        if _within_bounds(text, m.start(), m.end(), term):
            out.append(m)
            pos = m.end()
        else:
            pos = m.start() + 1
    return out


@lru_cache(maxsize=8192)
def _bare_regex(pattern: str, case_sensitive: bool) -> re.Pattern[str] | None:
    """``pattern`` compiled without bounds, or None when it has an alternative at its top level."""
    if _top_level_branch(pattern):
        return None
    return re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)


def _top_level_branch(pattern: str) -> bool:
    """Whether ``pattern`` has a ``|`` outside every group and class."""
    depth, in_class, escaped = 0, False, False
    for i, c in enumerate(pattern):
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif in_class:
            in_class = c != "]" or pattern[i - 1] == "["  # "[]...]": a leading "]" is a member
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
    return False


_DIGITS = frozenset("0123456789")
_FOLDED_CHARS = frozenset("\u0130\u0131\u017f\u212a")


def _within_bounds(text: str, start: int, end: int, term: ContextTerm) -> bool:
    """Whether ``_term_regex``'s bounds hold around ``text[start:end]`` (the same tests, in Python)."""
    if end <= start:
        return False
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if term.glued:
        return before not in _DIGITS and after not in _DIGITS  # "" is in no frozenset
    folded = not term.case_sensitive
    first = text[start]
    start_ok = (
        not before
        or (
            before not in _ASCII_LETTER
            and before not in _DIGITS
            and not (folded and before in _FOLDED_CHARS)
            and not _same_word(before, first)
        )
        or (before in _ASCII_LOWER and first in _ASCII_UPPER)
        or (before in _ASCII_UPPER and first in _ASCII_UPPER and text[start + 1 : start + 2] in _ASCII_LOWER)
    )
    if not start_ok:
        return False
    last = text[end - 1]
    return (
        not after
        or (after not in _ASCII_LETTER and after not in _DIGITS and not (folded and after in _FOLDED_CHARS))
        or (last in _ASCII_LOWER and after in _ASCII_UPPER)
    )


def _same_word(left: str, right: str) -> bool:
    """Whether a name may not start between two adjacent characters: letters of one word of a script with case, the
    first outside ASCII (Latin with diacritics, Greek, Cyrillic, Armenian; "Пациентка Кузнецова": the last letter
    of the word before is no initial of Анна). A letter of a script without case (Han, kana, Hangul, Arabic) is a
    bound: such text glues a name to its label ("患者山田"). The end of a name is not held to it: a name may end
    inside a word, as an inflected surname does ("Кузнецовой"). The same test as ``_BOUNDS``'s."""
    if left.isascii() and right.isascii():
        return False  # the ASCII rules decide
    return _CASED_LETTER.fullmatch(left) is not None and _CASED_LETTER.fullmatch(right) is not None


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_ASCII_ALNUM = frozenset(map(ord, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))


@lru_cache(maxsize=16384)
def required_alnum(pattern: str) -> str:
    """The longest run of ASCII letters and digits (lowercased) that every match of ``pattern`` contains in order,
    separated only by characters that are not ASCII letters or digits; ``""`` when there is none.

    Read from the parsed regex, so it holds for any pattern: a run is a stretch of top-level literals, optional
    repeats of classes that cannot match a letter or digit (the separators ``[\\s,.^]*`` and ``[\\s./()-]?``)
    and zero-width assertions; anything else (a group, an alternative, a class with letters, a non-ASCII literal)
    ends it. A text (ASCII) whose letters and digits lack this run cannot match the pattern, with or without
    ``re.IGNORECASE``.
    """
    runs = [""]
    for op, arg in _sre_parser.parse(pattern, re.IGNORECASE):
        name = str(op)
        if name == "LITERAL" and arg < 128:
            if arg in _ASCII_ALNUM:
                runs[-1] += chr(arg).lower()
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        elif name in ("MAX_REPEAT", "MIN_REPEAT") and not _may_match_alnum(arg[2]):
            continue  # consumes only other characters, however many
        else:
            runs.append("")
    return max(runs, key=len)


def _may_match_alnum(sub: Any) -> bool:
    """Whether a parsed sub-pattern may match an ASCII letter or digit (True when unsure)."""
    items = list(sub)
    if len(items) != 1:
        return True
    op, arg = items[0]
    if str(op) == "LITERAL":
        return arg >= 128 or arg in _ASCII_ALNUM
    if str(op) != "IN":
        return True
    for item_op, item_arg in arg:
        kind = str(item_op)
        if kind == "LITERAL" and item_arg < 128 and item_arg not in _ASCII_ALNUM:
            continue
        if kind == "RANGE" and item_arg[1] < 128 and _ASCII_ALNUM.isdisjoint(range(item_arg[0], item_arg[1] + 1)):
            continue
        if kind == "CATEGORY" and str(item_arg) == "CATEGORY_SPACE":
            continue
        return True
    return False


#: Where a term may start: not inside a word, where a capital follows a small letter, or where a capitalised word
#: follows a capital (a value glued to junk or to a word, "aPhilippa", "acctA1234567", "QLindqvist": a flipped byte
#: or a lost space must not hide a known identity). Where it may end: not inside a word, or where a capital follows
#: a small letter ("TheodoreJ\xb1...", "LeopoldC6...": junk glued after a name). "A word character" is
#: ``[0-9A-Za-z]``, and under ``re.IGNORECASE`` also the four
#: characters that fold into it (dotted and dotless i, long s, Kelvin sign). They are spelled out, each in its own
#: lookaround, and matched without IGNORECASE: the same matches as a case-folded class, but the wrappers compile
#: in a sixth of the time (a case-folded class costs about 0.3 ms a regex, and every new name in a file compiles a
#: few).
_FOLDED = ("\\u0130", "\\u0131", "\\u017f", "\\u212a")
#: Letters of scripts with case outside ASCII (Latin with diacritics, Greek, Cyrillic, Armenian): two of them, or
#: one and an ASCII letter, side by side are one word (see :func:`_same_word`).
_NON_ASCII_CASED = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u052f\u0531-\u0556\u0561-\u0587\u1e00-\u1fff"
)
_CASED_LETTER = re.compile(f"[A-Za-z{_NON_ASCII_CASED}]")
_BOUNDS = {
    case_sensitive: (
        rf"(?-i:(?<![0-9A-Za-z]){''.join(f'(?<!{c})' for c in extra)}"
        rf"(?!(?<=[{_NON_ASCII_CASED}])[A-Za-z{_NON_ASCII_CASED}])|(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]))",
        rf"(?-i:(?![0-9A-Za-z]){''.join(f'(?!{c})' for c in extra)}|(?<=[a-z])(?=[A-Z]))",
    )
    for case_sensitive, extra in ((True, ()), (False, _FOLDED))
}


#: The bounds of a glued term: not inside a number.
_DIGIT_BOUNDS = ("(?<![0-9])", "(?![0-9])")


@lru_cache(maxsize=8192)
def _term_regex(pattern: str, case_sensitive: bool, glued: bool = False) -> re.Pattern[str]:
    start, end = _DIGIT_BOUNDS if glued else _BOUNDS[case_sensitive]
    return re.compile(f"{start}{pattern}{end}", 0 if case_sensitive else re.IGNORECASE)


#: A word for :func:`name_word_spans`: letters, with apostrophes and hyphens inside.
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['\u2019-](?=[^\W\d_]))*")
_ASCII_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_LETTER = _ASCII_LOWER | _ASCII_UPPER


def _piece_bounds(word: str) -> tuple[list[int], list[int]]:
    """Where a name may start and end inside a run of letters, as the context terms' bounds (``_BOUNDS``) allow:
    it starts after no ASCII letter, where a capital follows a small letter ("bOkonkwo") or where a capitalised
    word follows a capital ("QLindqvist"), and ends before no ASCII letter (Cyrillic mojibake glued before a
    name: letters of another script around it are junk) or where a capital follows a small letter ("LeopoldC6")."""
    starts: list[int] = [0]
    ends: list[int] = []  # ascending, the word's end last
    for k in range(1, len(word)):
        prev, cur = word[k - 1], word[k]
        nxt = word[k + 1] if k + 1 < len(word) else ""
        if (
            prev not in _ASCII_LETTER
            or (prev in _ASCII_LOWER and cur in _ASCII_UPPER)
            or (prev in _ASCII_UPPER and cur in _ASCII_UPPER and nxt in _ASCII_LOWER)
        ):
            starts.append(k)
        if cur not in _ASCII_LETTER or (prev in _ASCII_LOWER and cur in _ASCII_UPPER):
            ends.append(k)
    ends.append(len(word))
    return starts, ends


#: The longest word :func:`name_word_spans` looks for inside a longer run of letters.
MAX_NAME_WORD = 40


def name_word_spans(text: str, words: frozenset[str]) -> Iterator[tuple[int, int]]:
    """Spans of ``text`` that are one of ``words`` (lower case): a whole word, or a piece of a word where a known
    name's bounds allow it (:func:`_piece_bounds`: "bOkonkwo", "QLindqvist", glued to letters of another script).
    A word that is also report vocabulary or common English only where it is capitalised (the name "May" takes no
    "may"). A few dictionary lookups per word of the text, whatever the number of ``words``."""
    if not words:
        return
    lex = lexicon()
    for m in _WORD.finditer(text):
        w = m.group()
        if w.isascii() and w[1:].islower():  # "Castellanos", "called": the whole word is the only candidate
            candidates: Iterable[tuple[int, int]] = ((0, len(w)),)
        else:
            starts, ends = _piece_bounds(w)
            # pieces of at most MAX_NAME_WORD letters: linear in the word, whatever its length (a 64 KB run of
            # mixed-case letters would otherwise make every start meet every end)
            candidates = (
                (s, e)
                for s in starts
                for e in ends[bisect.bisect_left(ends, s + 2) : bisect.bisect_right(ends, s + MAX_NAME_WORD)]
            )
        for s, e in candidates:
            low = w[s:e].lower()
            if low in words and (w[s].isupper() or (low not in lex.vocab and low not in lex.common)):
                yield m.start() + s, m.start() + e


def names_from(values: Iterable[str]) -> tuple[str, ...]:
    """Keep the non-empty values (helper for callers that build contexts from optional fields)."""
    return tuple(v for v in values if v and v.strip())


def misspelt_family_spans(text: str, context: IdentityContext) -> list[tuple[int, int]]:
    """Words of ``text`` that are the patient's family name (or a part of a double-barrelled one) of seven letters or
    more typed with one slip (a letter changed, added, dropped, or two swapped: "Kowalcyzk", "HARGREAVS"), or two
    for a name of nine letters or more ("Ostergrad" for Ostergaard); red team 16. Never a word of the word lists."""
    targets = _misspelling_targets(context.patient_names)
    if not targets:
        return []
    lex = lexicon()
    out = []
    # (a name is written with a capital: "persons" is a word a slip away from Parsons)
    for m in _CAPITALISED_WORD.finditer(text):
        word = m.group().lower()
        if word in targets or word in lex.not_names or word in lex.places:
            continue
        for target in targets:
            allowed = 2 if len(target) >= 9 else 1
            if target in word or (word[:2] != target[:2] and word[-3:] != target[-3:]):
                # the name inside a longer word is the terms' bounds' to decide ("ALINDQVISTX" is no name); a slip
                # leaves the first two letters or the last three (and sparing the others the alignment is most of
                # the speed of this check: it runs on every kept value of every file)
                continue
            if abs(len(word) - len(target)) <= allowed and _edits(word, target, allowed) <= allowed:
                out.append(m.span())
                break
    return out


#: A capitalised word of six letters or more, without a letter or digit glued before it.
_CAPITALISED_WORD = re.compile(r"(?<![^\W_])[A-Z\u00C0-\u00DE][^\W\d_]{5,}(?![^\W_])")


@lru_cache(maxsize=256)
def _misspelling_targets(names: tuple[str, ...]) -> frozenset[str]:
    parts = {
        part.lower()
        for value in names
        for spelling in (value, *ascii_spellings(value))
        for part in re.split(r"[\s-]+", parse_person_name(spelling).family)
        if len(part) >= 7 and part.isalpha()
    }
    return frozenset(parts)


def _edits(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance of ``a`` and ``b`` (substitutions, insertions, deletions, adjacent swaps),
    or ``limit + 1`` as soon as it is certain to exceed ``limit``."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]

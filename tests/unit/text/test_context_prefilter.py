"""The context terms' substring prefilter (``identity.context_matches``) never skips a term that would match, and
the terms' word boundaries, written to compile fast, match what the plain case-insensitive boundaries match."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aiminer.text.identity import (
    IdentityContext,
    _bare_regex,
    _term_matches,
    _term_regex,
    _top_level_branch,
    context_matches,
    context_terms,
    required_alnum,
)

CONTEXT = IdentityContext(
    patient_names=("SMITH^JOHN^A",),
    other_names=("O'Brien^Mary-Kate", "de la Cruz^Ana"),
    patient_ids=("123-45-678",),
    accessions=("A1234567",),
    birth_dates=("19470312",),
    institutions=("St. Brendan Medical Center",),
)

_FRAGMENTS = st.sampled_from(
    [
        "John",
        "JOHN",
        "Smith",
        "SMITH",
        "smith",
        "J.",
        "A.",
        "A",
        "S.",
        "JAS",
        "JS",
        "J.A.S.",
        "Mary",
        "Kate",
        "O'Brien",
        "OBrien",
        "de",
        "la",
        "Cruz",
        "Ana",
        "123",
        "45",
        "678",
        "12345678",
        "A1234567",
        "1947",
        "03",
        "12",
        "St.",
        "Brendan",
        "Medical",
        "Center",
        ",",
        " ",
        "  ",
        "^",
        "-",
        ".",
        "/",
        "(",
        ")",
        "\t",
        "\n",
        "x",
        "Dr",
        "tech",
        "_",
        "0",
        "\u017f",  # long s: matches s under IGNORECASE
        "\u212a",  # Kelvin sign: matches k
    ]
)


def _brute_force(text: str) -> list[tuple[int, int, str]]:
    return [
        (m.start(), m.end(), t.pattern)
        for t in context_terms(CONTEXT)
        for m in _term_regex(t.pattern, t.case_sensitive, t.glued).finditer(text)
    ]


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=14).map("".join))
@example("J. A. Smith")
@example("SMITH ,JOHN^A.")
@example("mrn 123 45 678 acc A-123-4567")
@example("Obrien, Mary Kate")
@example("\u017fmith john")  # non-ASCII: the prefilter stands aside
def test_the_prefilter_finds_every_match_the_regexes_find(text: str) -> None:
    got = [(m.start(), m.end(), t.pattern) for m, t in context_matches(text, CONTEXT)]
    assert got == _brute_force(text)


def test_the_prefilter_does_skip_terms_a_text_cannot_contain() -> None:
    text = "CT CHEST W CONTRAST"
    skipped = [t for t in context_terms(CONTEXT) if required_alnum(t.pattern) not in "ctchestwcontrast"]
    assert len(skipped) == len(context_terms(CONTEXT))  # nothing of the patient is in this text
    assert list(context_matches(text, CONTEXT)) == []


@pytest.mark.parametrize(
    ("pattern", "required"),
    [
        (r"JOHN\s+SMITH", "johnsmith"),  # separators that cannot match a letter are transparent
        (r"1[\s./()-]?2[\s./()-]?3", "123"),
        (r"SMITH\s*,?\s*J\.", "smithj"),
        (r"ab(?:c|d)ef", "ab"),  # an alternative ends a run (the longer run wins)
        (r"x[a-z]*yz", "yz"),  # a class that can match letters ends a run
        (r"x[^a]*yz", "yz"),  # a negated class may match letters
        (r"x.yzw", "yzw"),
        ("\u212akb", "kb"),  # the Kelvin sign matches k under IGNORECASE: not in a run
        (r"(?<![0-9A-Za-z])ab\bcd", "abcd"),  # zero-width assertions consume nothing
        (r"[^\s]", ""),
    ],
)
def test_required_alnum_reads_the_parsed_regex(pattern: str, required: str) -> None:
    assert required_alnum(pattern) == required


#: Letters with case outside ASCII (Latin with diacritics, Greek, Cyrillic, Armenian), written out independently of
#: identity.py's constant.
_CASED = "À-ÖØ-öø-ɏͰ-Ͽ\u0400-\u052f\u0531-\u0556\u0561-\u0587\u1e00-\u1fff"


def _reference_regex(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    """The boundaries as first written: a case-insensitive class on both sides (slow to compile); since red team 13
    a name does not start right after a letter with case outside ASCII ("Пациентка Кузнецова", "éJohn")."""
    start = (
        rf"(?:(?<![0-9A-Za-z])(?-i:(?!(?<=[{_CASED}])[A-Za-z{_CASED}]))|(?-i:(?<=[a-z])(?=[A-Z]))"
        r"|(?-i:(?<=[A-Z])(?=[A-Z][a-z])))"
    )
    end = r"(?:(?![0-9A-Za-z])|(?-i:(?<=[a-z])(?=[A-Z])))"
    return re.compile(rf"{start}{pattern}{end}", 0 if case_sensitive else re.IGNORECASE)


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS | st.sampled_from(["\u0130", "\u0131", "a", "Z", "9", "\u00e9"]), max_size=14).map("".join))
@example("\u017fSmith")
@example("Smith\u212a")
@example("\u0131JOHN SMITH\u0130")
@example("xJohn Smith")
@example("QJohn Smith")
@example("John SmithQ")
@example("JohnQ Smith")
def test_the_fast_boundaries_match_the_case_insensitive_class(text: str) -> None:
    for term in (t for t in context_terms(CONTEXT) if not t.glued):  # a glued term's bounds are digits only
        ours = [m.span() for m in _term_regex(term.pattern, term.case_sensitive).finditer(text)]
        reference = [m.span() for m in _reference_regex(term.pattern, term.case_sensitive).finditer(text)]
        assert ours == reference, term.pattern


@pytest.mark.parametrize("value", ["123-45-678", "A1234567", "007-12.34", "(617) 555-0199", "ab12"])
def test_an_identifiers_known_required_run_is_what_its_pattern_requires(value: str) -> None:
    # The terms of an identifier carry their required run instead of parsing their regex (a table brings a new
    # MRN on every row); it must be exactly what the parse gives.
    terms = [t for t in context_terms(IdentityContext(patient_ids=(value,), phones=(value,))) if t.category != "NAME"]
    assert terms and all(t.required == required_alnum(t.pattern) for t in terms)


_GLUE = st.sampled_from(["xSmith", "SmithJohn", "JOHNSmith", "QJohn", "9A1234567", "A12345670", "Smithx", "JohnS", "é"])


_LONG = IdentityContext(patient_names=("LINDQVIST^ANDERS",), other_names=("Vanterpool^Wendeline",))
_CUT = st.sampled_from(["Lindq", "LINDQ", "Lindqvist", "xLindq", "LindqX", "Lindqv", "Vante", "Vanterpool", "Anders"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS | _CUT, max_size=16).map("".join))
@example("LINDQ PROST")  # an RT plan label cuts the surname (red team 5)
@example("Lindqvist Lindq xLindq")
def test_a_cut_family_name_matches_as_its_bounded_regex_does(text: str) -> None:
    terms = context_terms(_LONG)
    assert any(t.pattern == "LINDQ" for t in terms)  # the patient's surname cut to five letters is a term
    for term in terms:
        ours = [m.span() for m in _term_matches(text, term)]
        reference = [m.span() for m in _term_regex(term.pattern, term.case_sensitive, term.glued).finditer(text)]
        assert ours == reference, (term.pattern, text)


@settings(max_examples=600, deadline=None)
@given(st.lists(_FRAGMENTS | _GLUE, max_size=16).map("".join))
@example("xSmith Smith")  # the first bare match fails its start bound: the bounded regex decides
@example("SmithJohn Smith")
@example("9A1234567 A1234567")  # a glued identifier inside a longer number
@example("JOHNSmith")  # a capitalised word after capitals starts a name
@example("ANAnA")  # a plain string's match that fails its end: the next try starts one character on, not after it
def test_bare_matches_checked_in_python_are_the_bounded_regexs_matches(text: str) -> None:
    # context_matches compiles a term without its bounds and checks them per match (identity._term_matches):
    # every term, every text, the same spans as the bounded regex.
    for term in context_terms(CONTEXT):
        ours = [m.span() for m in _term_matches(text, term)]
        reference = [m.span() for m in _term_regex(term.pattern, term.case_sensitive, term.glued).finditer(text)]
        assert ours == reference, (term.pattern, text)


@pytest.mark.parametrize(
    ("pattern", "branch"),
    [
        (r"Smith|Jones", True),
        (r"(?:Smith|Jones)", False),
        (r"Smith[|]Jones", False),
        (r"Smith\|Jones", False),
        (r"[]|]x", False),  # a leading "]" is a member of the class
        (r"(a)|b", True),
        (r"a\\|b", True),  # an escaped backslash, then a real alternative
    ],
)
def test_a_top_level_alternative_is_left_to_the_bounded_regex(pattern: str, branch: bool) -> None:
    assert _top_level_branch(pattern) is branch
    assert (_bare_regex(pattern, False) is None) is branch


@pytest.mark.parametrize("text", ["seen by Zebulon Quaxley today", "QUAXLEY^ZEBULON", "xQuaxley", "ZebulonQuaxley"])
def test_a_name_found_within_its_bounds_never_compiles_the_bounded_regex(text: str) -> None:
    # the point of the bare pattern: a new name in a file costs a fifth of a bounded compile
    context = IdentityContext(patient_names=("Quaxley^Zebulon",))
    before = _term_regex.cache_info().currsize
    found = [m.group() for m, _term in context_matches(text, context)]
    assert any("quaxley" in f.lower() for f in found)
    assert _term_regex.cache_info().currsize == before


def test_the_files_of_a_series_share_one_cleaner_and_its_answers() -> None:
    # GIVEN two slices of one series (the same identities and codes) and a slice of another patient
    from aiminer.dicom.engine import CodedIdentity, DicomIdentity
    from aiminer.text.dicom_cleaner import cleaner_factory

    def identity(name: str) -> DicomIdentity:
        return DicomIdentity(
            patient_names=(name,),
            patient_ids=("8847291",),
            accession="A1234567",
            birth_date="19470312",
            other_names=(),
            institution="St. Brendan Medical Center",
            descriptions=(),
            device_ids=(),
        )

    def coded(patient: str) -> CodedIdentity:
        return CodedIdentity("P", "S-1", patient, "ST-1", "SE-1", "2.25.1", "2.25.2", "2.25.3")

    first = cleaner_factory(identity("SMITH^JOHN"), coded("P-1"))
    # WHEN the next slice asks / THEN it gets the same cleaner, and its answers are those of a fresh one
    assert cleaner_factory(identity("SMITH^JOHN"), coded("P-1")) is first
    other = cleaner_factory(identity("JONES^ANN"), coded("P-2"))
    assert other is not first
    text = "CT chest for John Smith, MRN 8847291"
    assert first(text) == first(text) == "CT chest for [PATIENT P-1], MRN [PATIENT P-1]"
    assert first.holds_identity("SMITH_J") and first.holds_identity("SMITH_J")
    assert not other.holds_identity("SMITH_J")

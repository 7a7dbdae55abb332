"""Report scrubbing: categories, formats, medicine kept, context, styles, and properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aiminer.text.identity import IdentityContext, context_matches, id_variants, name_variants
from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "phi", "category"),
    [
        ("Signed by Dr. Maria Okafor today.", "Okafor", "NAME"),
        ("cc: Robert T. Jones, MD", "Jones", "NAME"),
        ("Attending: Zyxwq Plomb", "Plomb", "NAME"),  # names in no dictionary, found by the cue
        ("Kristen Vandermolen, RT(R) performed the exam.", "Vandermolen", "NAME"),
        ("Patient: SMITH^JOHN^A", "SMITH", "NAME"),
        ("MRN: 00123456", "00123456", "MRN"),
        ("Acc#: RAD-2021-004512", "RAD-2021-004512", "ACCESSION"),
        ("FIN 4455667788", "4455667788", "ACCOUNT"),
        ("Seen on 01/05/2021 and 2021-01-05.", "01/05", "DATE"),
        ("Exam of January 5, 2021 at 14:32.", "January 5", "DATE"),
        ("Compare with 05-JAN-2021.", "05-JAN", "DATE"),
        ("Since 3 Mar 2019.", "3 Mar", "DATE"),
        ("A 92-year-old woman.", "92", "AGE_OVER_89"),
        ("Call (617) 555-2345.", "555-2345", "PHONE"),
        ("Fax: 617.555.9876", "555.9876", "FAX"),
        ("Email jdoe@mercy.org", "jdoe@mercy.org", "EMAIL"),
        ("SSN 123-45-6789", "123-45-6789", "SSN"),
        ("Lives at 123 Main Street, Apt 4.", "123 Main Street", "ADDRESS"),
        ("Boston, MA 02114", "02114", "ZIP"),
        ("transferred from Mercy Medical Center", "Mercy Medical Center", "INSTITUTION"),
        ("See https://portal.mercy.org/x?id=1", "portal.mercy.org", "URL"),
        ("from 10.20.30.40", "10.20.30.40", "IP"),
        ("Pacemaker serial number PJN123456H.", "PJN123456H", "DEVICE_ID"),
        ("DEA# AB1234563", "AB1234563", "LICENSE"),
        ("Member ID: XYZ123456789", "XYZ123456789", "HEALTH_PLAN"),
        ("Study UID 1.2.840.113619.2.55.3.604688119", "1.2.840.113619", "OTHER_ID"),
    ],
)
def test_each_category_is_found_and_replaced(text: str, phi: str, category: str) -> None:
    # GIVEN a sentence with one identifier
    # WHEN scrubbing
    result = scrub_text(text)
    # THEN the value is gone and a finding of the right category points at it (no value in the finding)
    assert phi not in result.text
    assert any(f.category == category for f in result.findings), result.findings
    assert all(not hasattr(f, "value") for f in result.findings)


@pytest.mark.parametrize(
    "text",
    [
        "Hodgkin lymphoma, Parkinson disease, Foley catheter, Bankart lesion, Chiari I malformation.",
        "Wilms tumor. Crohn disease. Baker cyst. Colles fracture. Monteggia fracture. Hill-Sachs deformity.",
        "Measures 3.2 x 1.5 cm (previously 5 mm). DLP 456 mGy-cm. 120 kVp.",
        "Disc bulge at L4-L5 and C5/6. T12 compression.",
        "Axial T1, T2, FLAIR, DWI and STIR images.",
        "Right breast BI-RADS 4A. LI-RADS 5. Left kidney.",
        "Stable since 2019. Prior surgery in 2015.",
        "Contrast: Omnipaque 350, 100 mL. Patient on warfarin and Eliquis.",
        "Delayed images at 70 seconds and 10 minutes.",
        "2/15 lymph nodes positive. Gleason score 3+4=7. Cobb angle of 24 degrees.",
        "A 45-year-old man with cough.",
        "Pouch of Douglas and circle of Willis are normal.",
    ],
)
def test_medicine_is_kept(text: str) -> None:
    # GIVEN text with eponyms, measurements, levels, sequences, classifications, years, drugs
    # WHEN scrubbing / THEN it is unchanged
    result = scrub_text(text)
    assert result.text == text, result.findings


def test_dates_keep_the_year_or_shift() -> None:
    # GIVEN dates in several formats
    text = "Seen 01/05/2021, 5 Jan 2020 and March 3, 2019; follow-up Jan 2022."
    # WHEN scrubbing with the default year policy / THEN only years remain
    assert scrub_text(text).text == "Seen [DATE 2021], [DATE 2020] and [DATE 2019]; follow-up [DATE 2022]."
    # AND with the shift policy the dates move by the offset
    shifted = scrub_text("Seen 01/05/2021.", date_policy="shift", shift_days=-10).text
    assert shifted == "Seen [DATE 2020-12-26]."


def test_context_removes_known_identity_everywhere() -> None:
    # GIVEN the DICOM identity of the patient and study
    ctx = IdentityContext(
        patient_names=("QUIXBY^ZELDA^M",),
        patient_ids=("123-45-678",),
        accessions=("A7788",),
        patient_code="P-ABCDEFGHJK",
        study_code="ST-ABCDEFGHJK",
    )
    text = "zelda quixby (ZMQ), id 12345678, acc a7788. Ms. Quixby agreed. Z. Quixby. QUIXBY, ZELDA M."
    # WHEN scrubbing with context
    out = scrub_text(text, ctx).text
    # THEN every variant is gone and the coded IDs take their place
    assert not re.search(r"(?i)quixby|zelda|12345678|a7788|\bZMQ\b", out), out
    assert "[PATIENT P-ABCDEFGHJK]" in out and "[STUDY ST-ABCDEFGHJK]" in out


def test_surrogates_are_consistent_and_realistic() -> None:
    # GIVEN a report naming the same physician twice
    text = "Discussed with Dr. Okafor. Dr. Okafor agreed. Call 617-555-2345."
    # WHEN scrubbing with surrogates
    out = scrub_text(text, style="surrogates").text
    # THEN the same name gets the same surrogate, no tags, no original
    assert "Okafor" not in out and "[" not in out and "555-2345" not in out
    names = re.findall(r"Dr\. (\w+)", out)
    assert len(names) == 2 and names[0] == names[1]


def test_accession_lookup_gives_coded_study() -> None:
    # GIVEN an accession in the text that the crosswalk knows
    # WHEN scrubbing with a lookup / THEN the coded study replaces it
    out = scrub_text("Accession: 998877", accession_lookup={"998877": "ST-QQQQQQQQQQ"}.get).text
    assert out == "Accession: [STUDY ST-QQQQQQQQQQ]"


def test_name_and_id_variants() -> None:
    # GIVEN a DICOM name and an ID with separators / WHEN building variants / THEN common forms match
    pats = [re.compile(p, 0 if cs else re.I) for p, cs in name_variants("SMITH^JOHN^A")]
    for form in ("John Smith", "SMITH, JOHN", "John A. Smith", "J. Smith", "JAS", "Smith, J."):
        assert any(p.fullmatch(form) for p in pats), form
    (flex, *_) = id_variants("123-45-678")
    assert re.fullmatch(flex, "12345678") and re.fullmatch(flex, "123 45 678")


_report_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400) | st.lists(
    st.sampled_from(
        [
            "Dr.",
            "Smith",
            "MRN:",
            "123456",
            "01/05/2021",
            "92-year-old",
            "Boston, MA 02114",
            "Hodgkin",
            "L4-L5",
            "(617) 555-1234",
            "Acc#",
            "cc:",
            "John",
            "Mercy Hospital",
            "\n",
            " ",
            ",",
            "^",
            "x",
            "St.",
            "#",
            "[NAME]",
        ]
    ),
    max_size=60,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(_report_text)
@example("DR A00AA")  # a stray part between a cue and the name: taken with it, or a second scrub finds it
@example("DR A0DR DR #A")  # a second title with its own separator ("DR #A")
def test_scrub_never_raises_and_is_stable(text: str) -> None:
    # GIVEN any text
    # WHEN scrubbing twice
    once = scrub_text(text)
    twice = scrub_text(once.text)
    # THEN no exception, bounded growth, offsets inside the original, and nothing more found the second time
    assert len(once.text) <= 2 * len(text) + 32 * len(once.findings)
    assert all(0 <= f.start < f.end <= len(text) for f in once.findings)
    assert twice.text == once.text, (text, once.text, twice.findings)


@pytest.mark.parametrize(
    "unit",
    [
        *("a.", "a-", "a'", "A ", "A-", "1.", "a@", " ", "\n", "Ab ", "Smith, ", "Dr. X ", "%a"),
        # the rules for streets, places, employers, local numbers and names in other scripts (2026-12-06)
        *("Elm Road, ", "Via A ", "1105 AB ", "No: 12", "AB-12-", "works at A ", "A (B) ", "王 ", "Name: ", "M/9"),
        # user names and rooms (2026-12-06, evening)
        *("User: a", "a.b", "ab_", "room 12 ", "Rm 1", "ajsmith"),
        # what a speech recogniser leaves in words
        *("one ", "mrn one ", "A ", "june the ", "twenty ", "of march ", "nineteen "),
        # names in lists and appositions, ages and dates in context, addresses of other scripts, obfuscated emails
        *("ABC, Ab ", "wife, A", "Drs. A, ", "(M, 9", "on the 4", "CT 2/2", "文区", "文路1", "가로", "Ab-ro 1 "),
        *("Ab Mah. ", "a[at]b", "a (at) b (dot) ", "R-1", "UM-12-", "1 2 ", "HWY 1 ", "Αβγ ", "Ş-", "Ab Family "),
        # mojibake of a doubly encoded accent (fuzz seed 20261240: 23 s for a 77 KB report)
        "\u00c3\u0192\u00c2\u00a9",
        # an OCR scan's swapped digits and letters
        *("a0", "A0A ", "0'A", "1O1-", "1O1/", "Ab0ab1", "1l"),
        # pedigrees, hyphenated names, nicknames before a surname
        *("Ab (mother) ", "Ab-", "AB, AB-", '"A" ', 'Ab "A" Ab ', "Ab, MS, ", "3) AB, "),
        # institutions by their kind and their acronym
        *("Ab Pavilion ", "Ab Primary Care ", "Ab & Joint ", "Ab Medical Center ABMC "),
        # months and days in context, where people live, typists' initials, OCR swaps at a word's end
        *("1/2 at 1:00 ", "01/02-", "lives with a ", "lives alone at 1 A ", "transcribed by ab ", "Abc1 ", "NDC 1"),
        # DICOM header dumps
        *("(0010,0010) PN [", "(0010,0010) A ", "(0010,0010) Ab  PN: '", "] #  1, 1 A", "(0009,0010) "),
        # organisations by their legal form or a camel-case name
        *("Ab & Ab ", "Ab LLP ", "AbAb Partners ", "Ab, "),
        # machines, beds, a name after a slash, carets
        *("a.local ", "host a1", "a1.", "bed 1", "bed A-1", "Ab / Ab ", "Ab^", "ab^ab "),
        # worklist rows, relatives in the plural, ages in words
        *("AB, AB  ", "AB, A ", "  AB AB, ", "A12BC12345 ", "daughters Ab and ", "is ninety ", "pt, ninety, "),
        *("1 ms - A ", "Patient: Vermont ", "To: abcdef "),
        *("*A1*", "*A111 ", "11-1/1/11", "A11-111"),
    ],
)
def test_no_catastrophic_backtracking(unit: str, prose_seconds: float) -> None:
    # GIVEN a long repetitive input that makes naive regexes quadratic
    import time

    text = unit * (40000 // len(unit))
    # WHEN scrubbing / THEN it stays linear: within a small multiple of plain prose of the same length, scrubbed on
    # the same machine at the same time (a quadratic rule takes hundreds of times longer; a loaded machine slows both)
    start = time.perf_counter()
    scrub_text(text)
    assert time.perf_counter() - start < max(2.0, 15 * prose_seconds)


@pytest.fixture(scope="module")
def prose_seconds() -> float:
    """How long 40k characters of plain report prose take to scrub here and now (the peer of the test above)."""
    import time

    text = "Dr. Smith saw Ada Okafor on 3/19. The lesion is stable. " * (40000 // 57)
    scrub_text(text[:100])
    start = time.perf_counter()
    scrub_text(text)
    return time.perf_counter() - start


def test_a_long_run_of_spaces_after_an_address_is_read_once() -> None:
    # GIVEN (fuzz seed 20261230, a 49 KB report took 175 s) a street address whose line ends in 40,000 spaces:
    # the place-and-postcode reader after a street split the run every way before failing, once per street rule
    import time

    text = "Patient contact: 7016 Quarry Avenue, Apt 21, Alba" + " " * 40000 + "x"
    # WHEN scrubbing / THEN it stays linear
    start = time.perf_counter()
    out = scrub_text(text).text
    assert time.perf_counter() - start < 2.0
    assert "Quarry" not in out and "Alba" not in out


@pytest.mark.parametrize("style", ["tags", "surrogates"])
def test_a_date_whose_year_could_tell_an_age_over_89_loses_the_year(style: str) -> None:
    # GIVEN a report with the date of birth of a patient now over 89 and a recent exam date
    text = "DOB: 03/14/1926. Exam date 01/05/2021. Prior CT 2019-02-03."
    # WHEN scrubbed
    out = scrub_text(text, style=style).text  # type: ignore[arg-type]
    # THEN 1926 is gone entirely; recent dates keep their year only
    assert "1926" not in out and "03/14" not in out
    assert "2021" in out and "2019" in out and "01/05" not in out


# Found by the 100,000-input fuzz run of 2026-12-04 (bench/fuzz_long.py), each the smallest form of its class.


def test_a_known_accession_glued_after_a_garbled_word_goes() -> None:
    # fuzz seed 20261234: a DICOM comment "acvDA1234567" (a flipped byte before the accession), which starts with a
    # letter, so only identifiers starting with a digit were matched glued
    out = scrub_text("MRN 76496171 acvDA1234567 tech", IdentityContext(accessions=("A1234567",))).text
    assert "1234567" not in out and "acvD" in out


def test_a_name_before_a_patient_label_goes_with_a_stray_byte_in_the_gap() -> None:
    # fuzz seed 20261235: the cue "PATIENT:" split by inserted text, and a stray byte between the name and "MRN:"
    out = scrub_text("\u00bfqu\u00e9? ATIENT: CASTELLANOS, LEOPOLD    \u00b3   MRN: 85691968").text
    assert "CASTELLANOS" not in out and "LEOPOLD" not in out


def test_an_ip_address_glued_to_a_decimal_goes() -> None:
    # fuzz seed 20261232: "workstation 128.249.108.106" glued to ".5 mm" (a lost space) read as a five-part number
    out = scrub_text("Images were transferred from workstation 128.249.108.106.5 mm.").text
    assert "128.249.108.106" not in out
    assert scrub_text("UID 1.2.840.10008.5.1.4 and version 10.2.3.4.5.6").text.endswith("version 10.2.3.4.5.6")


def test_a_control_character_inside_a_word_hides_nothing() -> None:
    out = scrub_text("PATHOLOGY ADDENDUM: Sur\x1dgical pathology CT18-79457 from the outside lab.").text
    assert "CT18-79457" not in out
    assert "Sur\x1dgical pathology" in out  # the text is otherwise left as it was


def test_a_full_date_glued_to_the_word_before_it_goes() -> None:
    out = scrub_text("Electronically signed by: Dr. Ann Kowalczyk04/14/2019\n").text
    assert "04/14/2019" not in out and "[DATE 2019]" in out


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("PATI LEOPOLD        MRN: 85691968        DOB: 02/18/1957", ["LEOPOLD"]),  # the cue lost its end
        ("Springs, O: CASTELLANOS, LEOPOLD        MRN: 85691968", ["CASTELLANOS", "LEOPOLD"]),
        ("PATIENT: CAS\ufffd\ufffd\ufffdTELLANOS, LEOPOLD        MRN: 85691968", ["TELLANOS", "LEOPOLD"]),
        ("\u00c3\u00a9\u00c3 EVANGELINE        MRN: 59081935        DOB: 03/13/1970", ["EVANGELINE"]),
    ],
)
def test_a_header_name_field_with_a_damaged_cue_or_surname_goes(line: str, names: list[str]) -> None:
    out = scrub_text(line).text
    assert [n for n in names if n in out] == []
    assert "MRN:" in out  # the labels stay


def test_header_values_before_an_identifier_label_that_are_not_names_stay() -> None:
    assert "Male" in scrub_text("Sex: Male        DOB: 01/01/1950").text


def test_the_given_name_before_a_known_surname_goes_too() -> None:
    # GIVEN only the surname is known (the file's PatientName was damaged to its last part)
    ctx = IdentityContext(patient_names=("Lindqvist",))
    out = scrub_text("Axial 5mm for Leopold Lindqvist. Contrast Lindqvist protocol.", ctx).text
    # THEN the given name before it goes as well; a clinical word before it stays
    assert "Leopold" not in out and "Lindqvist" not in out
    assert "Axial 5mm for" in out and "Contrast" in out


def test_a_known_name_glued_to_the_word_before_it_goes() -> None:
    # a flipped byte before the name ("ݦ�aPhilippa"): a capital after a small letter starts a word
    ctx = IdentityContext(patient_names=("Okonkwo^Philippa",))
    out = scrub_text("Axial 5mm \u0766\ufffdaPhilippa Okonkwo", ctx).text
    assert "Philippa" not in out and "Okonkwo" not in out
    # AND inside a word in small letters a name is no name: "philippa" in "xphilippan" stays
    assert scrub_text("xphilippan", ctx).text == "xphilippan"
    # AND after a capital, a capitalised name starts a word too (the fuzz leak "Leopo\ufffd\ufffdQLindqvist")
    ctx = IdentityContext(patient_names=("Lindqvist^Leopold",))
    out = scrub_text("tech Leopo\ufffd\ufffdQLindqvist", ctx).text
    assert "Lindqvist" not in out and "tech" in out
    # while a name inside a word in capitals stays: "ALINDQVISTX" is no word boundary
    assert "LINDQVIST" in scrub_text("ALINDQVISTX", ctx).text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        # a damaged cue beside an intact one ("Dx." for "Dr.")
        ("Referring Physician: Dx. POTTER\nFindings discussed with Dr. A. Potter.", "POTTER"),
        # junk glued before the cue
        ("Referring Physician: DR. POTTER\nFindings discussed with\u0161Dr. A. Potter.", "Potter"),
        # a repeated fragment that cut the city's cue off
        ("Lives in Harborview.\nDegenerative disc disease at L4-L in Harborview.", "Harborview"),
    ],
)
def test_a_name_or_city_found_once_goes_everywhere_in_the_report(text: str, gone: str) -> None:
    assert gone not in scrub_text(text).text


def test_a_name_that_is_also_a_word_goes_only_where_capitalised() -> None:
    out = scrub_text("Discussed with Dr. White. Mild white matter disease.").text
    assert "White" not in out and "Mild white matter disease." in out


def test_an_id_shaped_like_an_accession_goes_without_its_cue() -> None:
    # the cue was cut ("Acc#:" -> "c:") or garbled ("Surgical" -> "\u00bcurgical")
    out = scrub_text("c: S10-64376 | \u00bcurgical pathology CT18-79457 from the outside lab. L4-L5, C5-C6.").text
    assert "64376" not in out and "79457" not in out and "L4-L5, C5-C6." in out


def test_a_whole_date_found_once_goes_where_it_is_glued_to_digits() -> None:
    out = scrub_text("Date of Birth: 2/12/1980\nLymph nodes: 1/2/12/1980").text
    assert "2/12/1980" not in out and out.count("[DATE 1980]") == 2


def test_a_header_name_with_mojibake_inside_a_word_goes() -> None:
    out = scrub_text("PATI\u00c2\u2026ENT: OKONKWO, AMBROS\u00c0\u00afE        MRN: 85691968").text
    assert "OKONKWO" not in out and "AMBROS" not in out and "MRN:" in out


def test_an_ssn_glued_to_its_cue_goes() -> None:
    assert "388-27-2553" not in scrub_text("Other IDs: SSN388-27-2553, SS\u00c3\u00a9388-27-2553").text
    assert scrub_text("ab123 45 6789").text == "ab123 45 6789"  # not the spaced form inside a word


def test_names_found_reads_only_names_and_leaves_out_what_is_known() -> None:
    from aiminer.text.report import names_found

    texts = ["Axial 5mm for Thaddeus Oyelaran", "Patient Leopold Castellanos seen. Hodgkin lymphoma.", "CT CHEST"]
    assert names_found(texts) == ("Thaddeus", "Oyelaran", "Leopold", "Castellanos")
    # the context's own names are no new terms (each would cost a regex compile per file)
    assert names_found(texts, known=("OYELARAN^THADDEUS",)) == ("Leopold", "Castellanos")
    assert names_found(["x" * 70_000 + " Dr. Leopold Castellanos"]) == ()  # too long to read twice


def test_detections_are_cached_per_text_and_the_context_spans_found_in_it() -> None:
    from aiminer.text.report import detect

    text = "CT CHEST protocol ZEBRA"
    zebra = IdentityContext(patient_names=("ZEBRA^ANN",))
    other = IdentityContext(patient_names=("JONES^ANN",))
    words = lambda spans: [text[c.start : c.end] for c in spans]  # noqa: E731
    assert words(detect(text, zebra)) == ["ZEBRA"]
    assert words(detect(text, other)) == []  # an English word: only the context finds it
    assert words(detect(text, zebra)) == ["ZEBRA"]
    assert words(detect(text, None)) == []


@pytest.mark.parametrize(
    "text",
    [
        "Department of Radiology - 931 Lakeview Terrace, Yellow Springs, ",  # the state and ZIP cut off (fuzz)
        "Home: 12 Orchard Lane, Yellow Springs\nOhio 45387",
        "Mailing address 4410 N. Quarry Road Apt 3, Yellow Springs; phone on file",
    ],
)
def test_the_city_after_a_street_address_goes_without_a_state_or_zip(text: str) -> None:
    out = scrub_text(text).text
    assert "Yellow Springs" not in out and "[CITY]" in out and "[ADDRESS]" in out


def test_a_department_after_a_street_address_is_no_city() -> None:
    out = scrub_text("Seen at 931 Lakeview Terrace, Radiology Department, for follow-up").text
    assert "Radiology Department" in out


def test_a_known_identifier_glued_to_letters_goes() -> None:
    # GIVEN a known MRN, glued to the name before it (a lost separator) and to a label after it
    ctx = IdentityContext(patient_ids=("59081935",), accessions=("A2728987",))
    out = scrub_text("pt Evangeline Okonkwo59081935, see MRN59081935A2728987", ctx).text
    # THEN it goes wherever it is glued to letters
    assert "59081935" not in out and "A2728987" not in out
    # AND inside a longer number the known MRN is no match
    assert [m.group() for m, _ in context_matches("lot 1590819356, 59081935x", ctx)] == ["59081935"]


@pytest.mark.parametrize("text", ["Male patient, ninety-three-", "a ninety-three-yo man", "ninety-one-year-old"])
def test_an_age_over_89_in_words_goes_even_cut_after_its_hyphen(text: str) -> None:
    assert "ninety" not in scrub_text(text).text.lower()


def test_ninety_in_other_compounds_stays() -> None:
    assert scrub_text("a ninety-degree angle").text == "a ninety-degree angle"


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("MRN 50709944 acc A1234567 tech Ignatius Okonkwo", ["Ignatius", "Okonkwo"]),  # a staff role, no colon
        ("E: H. de la Cruz, DOB 10/13/1976", ["Cruz"]),  # a header cut before its name; the comma and DOB remain
        ("Kowalczyk Lucinda, MRN 3154", ["Kowalczyk", "Lucinda"]),
        ("telepho by: Philippa Castellanos, M\x8e on 10/15/2019", ["Philippa", "Castellanos"]),  # "by:" alone
        ("patient John's wife called", ["John"]),  # a possessive after a bare role
    ],
)
def test_a_name_whose_cue_was_cut_or_is_a_bare_role_goes(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert not [g for g in gone if g in out], out


def test_particles_go_with_the_name_they_sit_in() -> None:
    assert scrub_text("Seen with Maria de la Cruz, MD today.").text == "Seen with [NAME], MD today."


@pytest.mark.parametrize(
    "text",
    [
        "Patient is a 45 year old male, DOB 1/1/1950",
        "the tech reviewed the images with the resident",
        "the attending Radiology team was notified",
    ],
)
def test_roles_and_identifier_labels_without_a_name_take_no_words(text: str) -> None:
    out = scrub_text(text).text
    assert [w for w in text.split() if w not in out] == [w for w in text.split() if "/" in w]


def test_name_words_of_a_document_go_word_by_word() -> None:
    # GIVEN words of names found elsewhere in the same document (a table's other cells)
    ctx = IdentityContext(name_words=frozenset({"castellanos", "may", "leopold"}))
    # WHEN scrubbing a text where no rule sees them
    text = "Castellanos called; may recur; May reviewed; bLeopold; QLeopold; \u0404\u0410Leopold; Castellanosville"
    out = scrub_text(text, ctx).text
    # THEN each goes as a whole word or glued to other letters (as a known name's bounds allow: after small letters,
    # a capital, or letters of another script); an English word only where capitalised
    assert out == "[NAME] called; may recur; [NAME] reviewed; b[NAME]; Q[NAME]; \u0404\u0410[NAME]; Castellanosville"


@pytest.mark.parametrize("text", ["Axial 5mm for LeopoldC6\x8d_[\xfdvist", "tech TheodoreJ\xb1\x17I\xd6\xfcA\x01o"])
def test_a_known_name_with_junk_glued_after_it_goes(text: str) -> None:
    # A byte mutation glued a capital after the name: a known name may end where a capital follows a small letter
    ctx = IdentityContext(patient_names=("Lindqvist^Leopold",), other_names=("Quintero^Theodore",))
    out = scrub_text(text, ctx).text
    assert "Leopold" not in out and "Theodore" not in out, out


class _CountingWords(frozenset[str]):
    lookups = 0

    def __contains__(self, item: object) -> bool:
        type(self).lookups += 1
        return super().__contains__(item)


@pytest.mark.parametrize("unit", ["aB", "Ab", "\u0410b", "bQLeopold"])
def test_name_word_lookups_grow_with_the_text_not_its_square(unit: str) -> None:
    # GIVEN one 40,000-letter run of mixed-case letters (every position a possible start and end of a glued name)
    from aiminer.text.identity import MAX_NAME_WORD, name_word_spans

    text = unit * (40_000 // len(unit))
    words = _CountingWords({"leopold"})
    _CountingWords.lookups = 0
    # WHEN looking for the words of found names in it
    list(name_word_spans(text, words))
    # THEN at most one lookup per (start, end) pair MAX_NAME_WORD letters apart
    assert _CountingWords.lookups <= len(text) * MAX_NAME_WORD


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("\u0404\u0420\u0410\u0410Lindqvist doing", ["Lindqvist"]),  # mojibake of another script glued before
        ("xLeopoldLindqvistZ", ["Leopold", "Lindqvist"]),
        ("LeopoldC6", ["Leopold"]),
        ("\u00dcLeopold", ["Leopold"]),
        ("Leopoldx xlindqvist", []),
    ],
)
def test_name_word_spans_finds_a_word_where_a_known_names_bounds_allow(text: str, found: list[str]) -> None:
    from aiminer.text.identity import name_word_spans

    spans = name_word_spans(text, frozenset({"leopold", "lindqvist"}))
    assert [text[s:e] for s, e in spans] == found


@pytest.mark.parametrize("text", ["Patient Leopold C(555) 804-5663.", "CT chest,|l(555) 414-2537 "])
def test_a_phone_in_parentheses_glued_after_a_letter_goes(text: str) -> None:
    # A lost space glued the number to the word before it (fuzz seeds 20261220/21); without a context, and with one
    assert "555" not in scrub_text(text).text
    assert "555" not in scrub_text(text, IdentityContext(phones=("(555) 804-5663", "555.414.2537"))).text


def test_a_known_phone_matches_with_two_separators_between_its_digits() -> None:
    ctx = IdentityContext(phones=("5558045663",))
    assert scrub_text("f(555)8045663 and 555) 804-5663", ctx).text == "f([PHONE] and [PHONE]"


def test_a_name_cut_by_a_control_character_goes_whole() -> None:
    # The first reading sees "OKONK" (the control ends the word); the reading without controls sees the whole name
    out = scrub_text("PATIENT: OKONK\x0fO, AMBROSE        MRN\u00e2\u201a: 15100249").text
    assert "AMBROSE" not in out and "OKONK" not in out, out


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        # fuzz seed 20261238: a title glued after capitals where a repeated label was cut ("MRN: MR" + "Dr.")
        ("REFERRING PHYSICIAN: MRN: MRN: MRDr. Bartholomew Fitzgerald\n\nEXAM: CT", "Fitzgerald"),
        # fuzz seed 20261238: a given name found again in lower case, and the surname after it that another row
        # spelled wrong
        ("pt Leopold Cassellanos doing well\npt leopold Castellanos doing well", "Castellanos"),
        # fuzz seed 20261239: a cut row's last words, a role and one name no list knows
        ("Followed by Dr. Kowalczyk; pt Leopold", "Leopold"),
        # fuzz seed 20261244: an email cut before its "@", whose local part is a name found in the text
        ("Patient contact: Ms. Ladewig, 12 Elm St. Email mladewig95", "ladewig"),
    ],
)
def test_names_the_long_fuzz_found_left_go(text: str, gone: str) -> None:
    out = scrub_text(text).text
    assert gone not in out, out


def test_a_word_holding_a_found_name_that_is_an_english_word_stays() -> None:
    text = "Dr. White reviewed; swhite matter and the apatella after Dr. Patel"
    out = scrub_text(text).text
    assert "swhite matter" in out and "apatella" in out, out


def test_a_clinical_word_alone_after_pt_at_a_lines_end_stays() -> None:
    text = "pt Afebrile\npt Comfortable\nthe pt Moved. pt Ambulatory; pt Afebrile."
    assert scrub_text(text).text == text

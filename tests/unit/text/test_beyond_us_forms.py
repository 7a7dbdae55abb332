"""Identifiers as reports outside the synthetic set write them: other countries' postcodes, phones, health numbers and
dates, form fields and relatives, names with accents, and the report words that must survive them.

Each case was first seen missed (or over-removed) in a hand-written held-out set of reports from UK, Canadian,
Australian, VA and community-hospital styles (docs/reports.md, "Held-out check"); the values here are new ones of the
same kinds, so the rules are tested on their shape, not on that set.
"""

from __future__ import annotations

import pytest

from aiminer.text.identity import IdentityContext
from aiminer.text.report import scrub_text


def _gone(text: str, *values: str, context: IdentityContext | None = None) -> str:
    out = scrub_text(text, context).text
    for value in values:
        assert value not in out, (value, out)
    return out


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # postcodes and the place before them
        ("Home: 7 Larch Close, Frome BA11 2XY", ["BA11 2XY", "Frome", "7 Larch Close"]),
        ("Radiology, Station Road, Thirsk YO7 1PZ", ["YO7 1PZ", "Thirsk", "Station Road"]),
        ("1190 rue Saint-Denis, Longueuil (QC) J4K 2T6", ["J4K 2T6", "Longueuil", "1190 rue Saint-Denis"]),
        ("Unit 3/41 Ocean Esplanade, Cronulla NSW 2230", ["2230", "Cronulla", "3/41 Ocean Esplanade"]),
        ("Postcode: LS6 2QB", ["LS6 2QB"]),
        # an address label takes its whole line, whatever the country's format
        ("Address: Flat 9, Quarry Wynd, Dunkeld, PH8 0AB\nHistory: cough", ["Quarry Wynd", "Dunkeld", "PH8 0AB"]),
        # phones outside North America, pagers and extensions
        ("Call the registrar on 0161 496 0457.", ["0161 496 0457"]),
        ("Reception T +44 20 7946 0321", ["20 7946 0321"]),
        ("Mob 0423 555 907", ["0423 555 907"]),
        ("page 555-0188 with results", ["555-0188"]),
        ("reach him at x3-4471", ["3-4471"]),
        # ages in the DICOM form
        ("Age: 94Y  Sex: M", ["94"]),
        ("Patient age 097Y", ["097"]),
        # health numbers of other systems, with letters and spaces in them
        ("OHIP: 6612-440-118-LM", ["6612-440-118", "LM"]),
        ("RAMQ: TREM 4411 0987", ["TREM 4411 0987"]),
        ("PHN: 9876 543 210", ["9876 543 210"]),
        ("NHS Number: 485 777 3456", ["485 777 3456"]),
        ("PATIENT ID: KGH 0041 7712", ["0041 7712"]),
        # dates without separators, in other languages, and a birth year that tells an age over 89
        ("Exam date: 19FEB2020", ["19FEB2020"]),
        ("examen du 17 février 2021", ["17 février"]),
        ("estudio del 3 de agosto de 2018", ["3 de agosto"]),
        ("Untersuchung am 9. Oktober 2019", ["9. Oktober"]),
        ("a widow, born 1929, lives alone", ["1929"]),
        # the place and postcode after a street, in either order, and streets written as one word
        ("Lindenallee 7, 50968 Köln", ["Lindenallee", "50968", "Köln"]),
        ("88 Karaka Street, Whanganui 4500", ["Karaka", "Whanganui", "4500"]),
        ("22 Elm Park, Dublin 6W", ["Elm Park", "6W"]),
        ("Eircode D04 X2Y3", ["D04 X2Y3"]),
        # national and institutional numbers after their own cues, and practitioners' registrations
        ("PPSN: 1234567TA", ["1234567TA"]),
        ("NHI: ABC1234", ["ABC1234"]),
        ("INMATE #: QX-2231", ["QX-2231"]),
        ("Hosp. No.: 2001-33412", ["2001-33412"]),
        ("(GMC 7012345)", ["7012345"]),
        ("she turned ninety-one in May", ["ninety-one"]),
    ],
)
def test_identifiers_in_forms_from_other_countries_are_found(text: str, values: list[str]) -> None:
    _gone(text, *values)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Surname: WESTERHOLT     Forename(s): Imogen Clare", ["WESTERHOLT", "Imogen", "Clare"]),
        ("Last name: Drummond-Hay   First name: Fenella", ["Drummond-Hay", "Fenella"]),
        ("Req Phys: KOWALCZYK,DARIUSZ P   Loc: 4 WEST", ["KOWALCZYK", "DARIUSZ"]),
        ("Att Phys: ADEYEMI-COLE,FOLAKE", ["ADEYEMI-COLE", "FOLAKE"]),
        ("MCCRACKEN,HAROLD WAYNE 511-20-7734  94 M", ["MCCRACKEN", "HAROLD"]),
        ("Lives with granddaughter Itzel.", ["Itzel"]),
        ("The patient's partner Chiamaka called.", ["Chiamaka"]),
        ("Parents: Inés Ybarra / Tomás Ybarra", ["Inés", "Tomás", "Ybarra"]),
        ("brought in by coworker Deshawn", ["Deshawn"]),
        ("Referring: Dra. Montserrat Pujol Ferrer", ["Montserrat", "Pujol", "Ferrer"]),
        ("GP: Dr K. Abernethy, Tayside", ["Abernethy"]),
        ('Dennis "Moose" Fairweather was the driver', ["Moose", "Fairweather"]),
        ('(pref. "Kasia")', ["Kasia"]),
        ("Mother (Ottilie) at bedside", ["Ottilie"]),
        ("Pt: Phạm Thị Thu Hằng", ["Phạm", "Hằng"]),
        ("Social worker: Philippa Grange", ["Philippa", "Grange"]),
        ("Punjabi interpreter Harjit Sandhu", ["Harjit", "Sandhu"]),
        ("Nom : Tremblay-Ndiaye, Awa", ["Tremblay-Ndiaye", "Awa"]),
        ("Dr. med. Ulrike Brandtner", ["Ulrike", "Brandtner"]),
        ("INMATE: KOVALENKO, Bohdan P.", ["KOVALENKO", "Bohdan"]),
        ("Reformatted by Okafor Chinedu on the workstation", ["Okafor", "Chinedu"]),
        ("lives on Quarry Lane, Hexham", ["Quarry Lane", "Hexham"]),
    ],
)
def test_names_in_form_fields_relatives_and_other_scripts_are_found(text: str, values: list[str]) -> None:
    _gone(text, *values)


@pytest.mark.parametrize(
    "text",
    [
        "MR BRAIN W/O CONTRAST",
        "DR CHEST 2 VIEWS",
        "MR L-SPINE",
        "RV/LV ratio 0.9; AP/LAT views",
        "IMPRESSION: T2N1M0 disease.",
        "Call (555) 201-7788 to schedule.\n\nDR. ",
        "Lateral view. T2 weighted L4-5 and C5-6, 3 mm.",
        "DISPLACED SUBCAPITAL FX LT FEMORAL NECK",
        "MR (ERO 0.3 cm2), moderate",
        "Mobile X-ray unit; Boston Scientific stent",
        "STABLE SINCE 2012.",
        "12 Oak Ave, Springfield 2 views obtained",
        "ninety-day follow-up",
    ],
)
def test_report_words_that_look_like_them_survive(text: str) -> None:
    out = scrub_text(text).text
    for word in (
        "BRAIN",
        "CHEST",
        "L-SPINE",
        "RV/LV",
        "AP/LAT",
        "T2N1M0",
        "to schedule",
        "L4-5",
        "SUBCAPITAL",
        "FEMORAL NECK",
        "ERO",
        "Mobile X-ray",
        "Boston Scientific",
        "SINCE 2012",
        "2 views",
        "ninety-day",
    ):
        if word in text:
            assert word in out, (text, out)


def test_a_span_across_lines_keeps_the_line_breaks() -> None:
    context = IdentityContext(patient_names=("Quennell^Rosamund",), patient_code="P-1")
    out = scrub_text("Patient: Rosamund\nQuennell\nHistory: fall", context).text
    assert out.count("\n") == 2 and "History: fall" in out and "Quennell" not in out


def test_the_patients_initials_never_take_report_abbreviations() -> None:
    # GIVEN a patient whose initials spell a credential (Maria De la Rosa: "MD") and a title in her name ("MR")
    context = IdentityContext(patient_names=("DE LA ROSA^MARIA^^MR",), patient_code="P-1")
    # WHEN a report signed by a physician with that credential is scrubbed
    out = scrub_text("MR KNEE. Dictated by: Ana Ruiz, MD. Maria de la Rosa seen.", context).text
    # THEN the credential and the modality stay; the patient goes
    assert "MD." in out and out.startswith("MR KNEE") and "Rosa" not in out


@pytest.mark.parametrize(
    "text", ["Ax 5mm OBRIEN M J", "CHEST_OBRIEN_2", "CT HEAD VANDERBERG", "OBrien Van der Berg", "O BRIEN"]
)
def test_a_known_name_is_found_without_its_apostrophes_hyphens_or_spaces(text: str) -> None:
    context = IdentityContext(patient_names=("O'Brien-Van der Berg^Maria",), patient_code="P-1")
    out = scrub_text(text, context).text
    assert "BRIEN" not in out.upper() and "BERG" not in out.upper(), out


def test_the_ideographic_and_phonetic_names_of_a_person_name_are_known() -> None:
    context = IdentityContext(patient_names=("Yamada^Hanako=山田^花子=やまだ^はなこ",), patient_code="P-1")
    out = scrub_text("患者 山田花子 (やまだ はなこ) 紹介", context).text
    assert "山田" not in out and "花子" not in out and "やまだ" not in out


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("=黒岩^さゆり=くろいわ^さゆり", "Kuroiwa Sayuri-san; KUROIWA SAYURI; Sayuri prefers mornings"),
        ("=大野^京子=おおの^きょうこ", "Ohno Kyoko; ONO KYOKO; Oono"),
        ("=山本^春樹=ヤマモト^ハルキ", "Mr Yamamoto Haruki"),
    ],
)
def test_a_kana_reading_is_known_in_latin_letters_when_the_name_has_none(name: str, text: str) -> None:
    # GIVEN (DICOM red team 2) a person name in kanji and kana only, and a comment that spells it in Latin letters
    context = IdentityContext(patient_names=(name,), patient_code="P-1")
    out = scrub_text(text, context).text
    for word in ("Kuroiwa", "Sayuri", "Ohno", "Ono", "Oono", "Kyoko", "Yamamoto", "Haruki"):
        assert word.lower() not in out.lower(), out


def test_kana_in_latin_letters() -> None:
    from aiminer.text.kana import romanize

    assert romanize("はっとり") == ("Hattori",)
    assert romanize("しゅんすけ") == ("Shunsuke",)
    assert set(romanize("さとう")) == {"Sato", "Satoh", "Satou"}
    assert romanize("山田") == ()


def test_an_institutions_distinctive_word_goes_alone_but_not_its_generic_words_or_state() -> None:
    context = IdentityContext(institutions=("St. Wendelin's Regional Medical Center of Ohio",))
    out = scrub_text("Nurse at Wendelin; regional medical center in Ohio", context).text
    assert "Wendelin" not in out and "regional medical center in Ohio" in out


@pytest.mark.parametrize("text", ["v1 station WENDELINCT02", "host wendelinmr1.local", "AE WendelinPACS7"])
def test_an_institutions_word_in_a_station_name_glued_to_it_goes(text: str) -> None:
    context = IdentityContext(institutions=("St. Wendelin's Regional Medical Center",))
    out = scrub_text(text, context).text
    assert "wendelin" not in out.lower(), out


def test_an_institutions_word_inside_a_longer_word_without_a_number_stays() -> None:
    context = IdentityContext(institutions=("Mercy Kessler Institute",))
    out = scrub_text("Kesslerian approach; Kessler protocol", context).text
    assert "Kesslerian approach" in out and "Kessler protocol" not in out, out


def test_a_state_after_a_street_and_city_stays() -> None:
    out = scrub_text("14 Birch Road, Shelbyville, OH 45123").text
    assert "Shelbyville" not in out and "45123" not in out and "OH" in out

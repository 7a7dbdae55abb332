"""HL7 v2 de-identification."""

from __future__ import annotations

import pytest

from aiminer.crosswalk import Coder
from aiminer.text.errors import TextDeidError
from aiminer.text.hl7 import deidentify_hl7
from aiminer.text.identity import IdentityContext
from aiminer.text.sniff import sniff

ORU = (
    "MSH|^~\\&|RIS|MERCY HOSPITAL^1.2.3^ISO|EPIC|LAB|20210105143200||ORU^R01|MSG00001|P|2.5\r"
    "PID|1|A998877|00123456^^^MERCY^MR~555443333^^^SSA^SS||SMITH^JOHN^A||19310314|M|SMITH^JACK||"
    "123 MAIN ST^^BOSTON^MA^02114^USA||(617)555-2345|(617)555-9999||||ACCT778899|123-45-6789|D1234567\r"
    "NK1|1|SMITH^MARY|SPO|123 MAIN ST^^BOSTON^MA^02114|(617)555-1111\r"
    "PV1|1|O|RAD^101^A^MERCY||||1234^OKAFOR^MARIA^^^DR|5678^JONES^ROBERT|||||||||||V00012345\r"
    "ORC|RE|ORD445566|ACC20210105001||CM||||20210105120000|||1234^OKAFOR^MARIA\r"
    "OBR|1|ORD445566|ACC20210105001|71250^CT CHEST W CONTRAST^CPT|||20210105140000||||||Cough, r/o PE|||"
    "1234^OKAFOR^MARIA||||||20210105150000|||F\r"
    "OBX|1|TX|IMP^Impression||Mr. Smith, a 92-year-old, seen 01/05/2021. Hodgkin lymphoma, L4-L5.||||||F\r"
    "OBX|2|FT|RPT^Report||Discussed with Dr. Okafor at (617) 555-0000\\.br\\Signed: Robert Jones, MD||||||F\r"
    "ZPI|1|JOHN SMITH|MRN 00123456\r"
)


def test_hl7_is_sniffed_by_content_even_named_txt() -> None:
    # GIVEN an ORU message in a file named .txt
    # WHEN sniffing
    # THEN it is HL7
    assert sniff(ORU.encode(), "report.txt") == "hl7"


def test_hl7_identity_fields_are_replaced(coder: Coder) -> None:
    # GIVEN an ORU message full of PHI
    # WHEN de-identifying it
    result = deidentify_hl7(ORU, coder, "S-ABC123", default_issuer="MERCY")
    out = result.text
    # THEN no original identifier, name, phone, address, SSN or full date survives anywhere
    for phi in (
        "SMITH",
        "Smith",
        "JOHN",
        "OKAFOR",
        "Okafor",
        "JONES",
        "Jones",
        "00123456",
        "A998877",
        "555443333",
        "MAIN ST",
        "BOSTON",
        "02114",
        "555-2345",
        "ACCT778899",
        "123-45-6789",
        "D1234567",
        "V00012345",
        "ORD445566",
        "ACC20210105001",
        "MERCY",
        "20210105",
        "19310314",
        "01/05/2021",
        "MARY",
        "MSG00001",
    ):
        assert phi not in out, phi
    # AND the patient gets the crosswalk's coded ID, the accession a coded study, the site its code
    assert result.patient_code == coder.patient("S-ABC123", "MERCY", "00123456")
    assert result.accessions == ("ORD445566", "ACC20210105001")
    assert coder.study_for_accession("S-ABC123", "ACC20210105001") in result.study_codes
    assert result.patient_code in out and "S-ABC123" in out
    # AND medicine and structure stay: state, sex, CPT code, eponym, level, years, segment count
    assert "^^^MA^^USA" in out and "|M|" in out and "71250^CT CHEST W CONTRAST^CPT" in out
    assert "Hodgkin lymphoma, L4-L5" in out and "[AGE 90+]" in out and "[DATE 2021]" in out
    assert out.count("\r") == ORU.count("\r")
    assert "\\.br\\" in out  # the escape survives the round trip
    # AND the birth year of a patient over 89 (PID-7 1931) goes too: it tells the age
    assert "1931" not in out


def test_hl7_uses_existing_study_code_for_a_known_accession(coder: Coder) -> None:
    # GIVEN the DICOM engine already linked the accession to a study
    study = coder.study("S-ABC123", "1.2.3.4.5")
    coder.link_accession("S-ABC123", "ACC20210105001", study)
    # WHEN the report arrives
    result = deidentify_hl7(ORU, coder, "S-ABC123")
    # THEN it carries the same coded study as the images
    assert study in result.text and study in result.study_codes


def test_hl7_context_for_adds_dicom_identities(coder: Coder) -> None:
    # GIVEN the DICOM headers of the study know a name the HL7 message never structures
    seen: list[tuple[str, ...]] = []

    def context_for(accessions: tuple[str, ...]) -> IdentityContext:
        seen.append(accessions)
        return IdentityContext(other_names=("ZQUIRTLE^BEAUREGARD",))

    msg = ORU.replace("Hodgkin lymphoma", "zquirtle noted Hodgkin lymphoma")
    # WHEN de-identifying with the callback
    out = deidentify_hl7(msg, coder, "S-1", context_for=context_for).text
    # THEN the callback got the accessions and the name is removed, even in lower case
    assert seen and "ACC20210105001" in seen[0]
    assert "zquirtle" not in out.lower()


def test_hl7_without_msh_is_refused(coder: Coder) -> None:
    # GIVEN text that is not HL7 / WHEN de-identifying / THEN a named reason, no crash
    with pytest.raises(TextDeidError) as err:
        deidentify_hl7("PID|1||123", coder, "S-1")
    assert err.value.reason == "not_hl7"


def test_hl7_custom_separators_and_lf_segments(coder: Coder) -> None:
    # GIVEN a message with '#' as field separator and LF between segments
    msg = "MSH#^~\\&#RIS#MERCY#X#Y#20200101##ORU^R01#1#P#2.3\nPID#1##999888^^^H^MR##DOE^JANE##19500101\n"
    # WHEN de-identifying
    out = deidentify_hl7(msg, coder, "S-1").text
    # THEN fields are found with the declared separator
    assert "DOE" not in out and "999888" not in out and out.rstrip().endswith("#1950")


def test_a_name_in_the_report_text_goes_from_a_segment_whose_name_was_damaged(coder: Coder) -> None:
    # GIVEN (found by the 100,000-input fuzz run) a PID renamed OBX: its FAMILY^GIVEN lands in OBX-5, where
    # CODE^TEXT is normal, and no PID tells the scrubber who the patient is; the report text names them
    msg = (
        "MSH|^~\\&|RIS|MERCY|AIMINER|AIMINER|20190315103000||ORU^R01|MSG00001|P|2.3\r"
        "OBX|1||85691968^^^MERCY-MRN^MR||CASTELLANOS^LEOPOLD||19570218|F|||5727 Bellweather Ave^^Fairhaven^MA^02719\r"
        "OBR|1|A2927431|A2927431|71260^CT CHEST W CONTRAST\r"
        "OBX|1|TX|IMP^Impression||Patient Leopold Castellanos seen. Stable 4 mm nodule.||||||F\r"
    )
    out = deidentify_hl7(msg, coder, "S-1").text
    # THEN the name goes from both, the address (by its shape) too, and the coded impression stays
    assert "CASTELLANOS" not in out.upper() and "LEOPOLD" not in out.upper()
    assert "Fairhaven" not in out and "02719" not in out and "Bellweather" not in out
    assert "IMP^Impression" in out and "Stable 4 mm nodule." in out


def test_a_name_in_a_site_defined_segment_goes_from_the_report_text(coder: Coder) -> None:
    # GIVEN (fuzz seed 20261232) a site-defined segment holding the patient as FAMILY^GIVEN (a ZPD, or a PID whose
    # name was damaged), no PID, and report text that names the patient
    msg = (
        "MSH|^~\\&|RIS|MERCY|AIMINER|AIMINER|20190315103000||ORU^R01|MSG00001|P|2.3\r"
        "ZPD|1||80490681^^^MERCY-MRN^MR||VANTERPOOL^EVANGELINE||19650323|F\r"
        "OBR|1|A3549877|A3549877|71260^CT CHEST W CONTRAST\r"
        "OBX|1|TX|IMP^Impression||Vanterpool nodule reviewed. Stable 4 mm nodule.||||||F\r"
    )
    out = deidentify_hl7(msg, coder, "S-1").text
    # THEN the segment is emptied and the name goes from the text too; the finding stays
    assert "VANTERPOOL" not in out.upper() and "EVANGELINE" not in out.upper()
    assert "Stable 4 mm nodule." in out


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("123 MAIN ST^^BOSTON^MA^02114^USA", "^^^MA^^USA"),
        ("123 Main St^^Boston^Massachusetts^02114", "^^^Massachusetts"),
        # components repeated (a damaged message): a city lands where the state and country belong, and goes
        ("3351 Bellweather Ave^^Yellow Springs^1 Bellweather Ave^^Yellow Springs^OH^45387", ""),
        ("123 MAIN ST^^BOSTON^Back Bay^02114^Springfield", ""),
    ],
)
def test_an_address_keeps_only_a_state_and_a_country_that_look_like_one(coder: Coder, address: str, kept: str) -> None:
    message = ORU.replace("123 MAIN ST^^BOSTON^MA^02114^USA", address, 1)
    out = deidentify_hl7(message, coder, "S-ABC123").text
    pid = next(s for s in out.split("\r") if s.startswith("PID|"))
    assert pid.split("|")[11] == kept
    for word in ("Yellow Springs", "Bellweather", "BOSTON", "Boston", "Back Bay", "Springfield"):
        assert word not in pid


def test_a_provider_after_an_id_goes_from_a_segment_whose_name_was_damaged(coder: Coder) -> None:
    # GIVEN PV1 renamed OBX (a damaged segment name): its attending "3154^KOWALCZYK^LUCINDA" is free text now
    message = (
        "MSH|^~\\&|RIS|SBRMC|AIMINER|AIMINER|20190315103000||ORU^R01|MSG00001|P|2.3\r"
        "PID|1||85691968^^^SBRMC-MRN^MR||CASTELLANOS^LEOPOLD||19570218|F\r"
        "OBX|1|O|RAD||||3154^KOWALCZYK^LUCINDA\r"
        "OBX|2|TX|IMP^Impression||Stable 4 mm nodule.||||||F\r"
    )
    out = deidentify_hl7(message, coder, "S-ABC123").text
    # THEN the name after the ID goes, both parts, as the caret syntax of a name
    assert "KOWALCZYK" not in out and "LUCINDA" not in out


def test_an_address_goes_from_a_pid_that_lost_its_segment_break_into_msh(coder: Coder) -> None:
    # GIVEN (fuzz seed 20261218) the PID's break and name deleted: its fields sit in MSH, a segment without people
    msg = (
        "MSH|^~\\&|RIS|SBRMC|AIMINER|AIMINER|20190315103000||ORU^R01|MSG00001|||CASTELLANOS^LEOPOLD||19570218|F|||"
        "3351 Bellweather Ave^^Yellow Springs^OH^45387||(555) 804-5663\r"
        "OBX|1|TX|IMP^Impression||Stable 4 mm nodule.||||||F\r"
    )
    out = deidentify_hl7(msg, coder, "S-1").text
    # THEN the address goes by its shape there too (the state stays), and the report text is kept
    assert "Yellow Springs" not in out and "45387" not in out and "Bellweather" not in out
    assert "^OH^" in out and "Stable 4 mm nodule." in out


def test_the_first_field_of_a_site_defined_segment_goes_unless_it_is_a_set_id(coder: Coder) -> None:
    # GIVEN (blind set 5) an Epic ZDS segment whose first field is the study's instance UID, and a ZPD with a set ID
    msg = (
        "MSH|^~\\&|RIS|MERCY|AIMINER|AIMINER|20190315103000||ORU^R01|MSG00001|P|2.3\r"
        "ZDS|1.2.840.114350.2.277.2.798268.2.448812.1^EPIC^APPLICATION^DICOM\r"
        "ZPD|1||80490681^^^MERCY-MRN^MR\r"
    )
    out = deidentify_hl7(msg, coder, "S-1").text
    # THEN the UID goes, the set ID stays
    assert "448812" not in out and "ZDS|" in out
    assert "ZPD|1|" in out and "80490681" not in out


def test_an_address_shifted_out_of_pid_11_loses_its_city_and_keeps_its_state(coder: Coder) -> None:
    # GIVEN (fuzz seed 20261239) a PID whose lost separator put the address in PID-10, where no field rule reads it
    msg = (
        "MSH|^~\\&|RIS|SBRMC|AIMINER|AIMINER|20190315103000||ORU^R01|MSG00001|P|2.3\r"
        "PID|1||85691968^^^SBRMC-MRN^MR||CASTELLANOS^LEOPOLD||19570218|F||3351 Bellweather Ave^^Yellow Springs^OH\r"
    )
    out = deidentify_hl7(msg, coder, "S-1").text
    # THEN the street and the city go, the state stays
    assert "Bellweather" not in out and "Yellow Springs" not in out
    assert "^^^OH" in out


def _control_ids(text: str) -> list[str]:
    return [seg.split("|")[9] for seg in text.split("\r") if seg.startswith("MSH")]


def test_control_ids_come_from_the_callers_function_per_message(coder: Coder) -> None:
    # GIVEN a batch file: a file and batch header (no MSH), then two messages, and a function of the message index
    batch = "FHS|^~\\&|RIS|MERCY\rBHS|^~\\&|RIS|MERCY\r" + ORU + ORU.replace("MSG00001", "MSG00002") + "BTS|2\rFTS|1\r"
    # WHEN de-identified twice with that function, and twice without
    given = [deidentify_hl7(batch, coder, "S-1", control_id=lambda n: f"ctl-{n}").text for _ in range(2)]
    drawn = [deidentify_hl7(batch, coder, "S-1").text for _ in range(2)]
    # THEN the n-th message's MSH-10 is the function's value for n (the headers count no message), the same bytes
    # each time; without it, fresh random IDs each call; the original control IDs never
    assert _control_ids(given[0]) == ["ctl-0", "ctl-1"]
    assert given[0] == given[1]
    assert _control_ids(drawn[0]) != _control_ids(drawn[1])
    assert all(len(c) == 16 for c in _control_ids(drawn[0]))
    assert "MSG0000" not in given[0] + drawn[0]


def test_codes_staff_and_signatures_of_real_interfaces(coder: Coder) -> None:
    # GIVEN an immunization and a result as interfaces send them (red team 17): a nurse with an alphanumeric ID and a
    # hyphenated surname in a segment the engine reads as text, coded elements of public systems (CVX, SNOMED, an
    # HL7 table), and a report sent one line per OBX with the signature's label and name on two lines
    msg = (
        "MSH|^~\\&|EHR|GEN|IIS|STATE|20240102||VXU^V04|C1|P|2.5.1\r"
        "PID|1||5501932^^^GEN^MR||QUARRINGTON^ODALYS||19580214|F\r"
        "RXA|0|1|20240102||03^MMR^CVX|0.5|mL||00^New record^NIP001||||||||||N882^ASANTE-BLOOM^CORDELIA\r"
        "OBX|1|CE|11475-1^Organism^LN||112283007^Escherichia coli^SCT||||||F\r"
        "OBX|2|ST|ADM^Admission type^L||E^Emergency^HL70007||||||F\r"
        "OBX|3|TX|RPT^Report^L||Impression: no acute findings.||||||F\r"
        "OBX|4|TX|RPT^Report^L||Reading Radiologist:||||||F\r"
        "OBX|5|TX|RPT^Report^L||Evander Thornquist||||||F\r"
    )
    # WHEN de-identified
    out = deidentify_hl7(msg, coder, "S-1").text
    # THEN the nurse and the radiologist go, and the codes stay with their texts
    for phi in ("ASANTE", "BLOOM", "CORDELIA", "Thornquist", "Evander", "QUARRINGTON"):
        assert phi not in out, phi
    for kept in ("03^MMR^CVX", "112283007^Escherichia coli^SCT", "E^Emergency^HL70007", "no acute findings"):
        assert kept in out, kept


def test_an_order_code_with_a_local_system_is_no_person(coder: Coder) -> None:
    # GIVEN an order whose code, text and local system have a person's shape (CODE^TEXT^SYSTEM, ID^FAMILY^GIVEN)
    msg = (
        "MSH|^~\\&|RADIANT|GEN|RIS||20190304||ORU^R01|M1|P|2.5.1\r"
        "PID|1||5501932^^^GEN^MR||ROE^JANE||19580214|F\r"
        "OBR|1|A1|B2|CTCHPE^CT ANGIO CHEST PE PROTOCOL^IMGPROC\r"
        "OBX|1|TX|GDT^REPORT TEXT||COMPARISON: CT chest 2018. CT evidence of right heart strain.||||||F\r"
    )
    # WHEN de-identified THEN the procedure's words stay, in the code and in the report
    out = deidentify_hl7(msg, coder, "S-1").text
    assert "CT ANGIO CHEST PE PROTOCOL" in out and "CT evidence of right heart strain" in out

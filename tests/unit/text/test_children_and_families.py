"""Children, pregnancy and families (blind set 12): babies' and siblings' names in quotes, twins, adopted and
foster children, donors' and immigration numbers, India's and Ireland's personal numbers, police; and what such
notes say that is no one: an obstetric history, a spectrum's metabolites, hepatitis serology, children's surgery's
eponyms, billing codes."""

from __future__ import annotations

import pytest

from aiminer.text.report import scrub_text


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ('  1. 2016 SVD at term, girl "Pippa", 3290 g, no anomalies', ["Pippa"]),
        ('IUFD / stillbirth, girl "Celestina Rose", 1710 g;', ["Celestina"]),
        ('Baby\'s name chosen: "Benicio".', ["Benicio"]),
        ('Twin A ("Ottilie") discharged; Twin B to be named\n"Isolde" -- update armband.', ["Ottilie", "Isolde"]),
        ('twins "Yonas" and "Abel" seen together', ["Yonas", "Abel"]),
        ("Previous adopted child Kasimir, 9, attends school.", ["Kasimir"]),
        ("Det. Ruthanne Vasquez-Ibarra, badge 4471", ["Vasquez"]),
        ("doula Saffron Teague attended the birth", ["Teague"]),
        ("Cascadia Cryobank donor #11873 (ID-release donor); donor code OD-7781-K", ["11873", "7781"]),
        ("A-number A 219 774 031 on the form", ["774"]),
        ("Aadhaar (father): 4821 7730 9126", ["4821"]),
        ("PPS (mother, for billing queries): 8812034WA", ["8812034"]),
    ],
)
def test_a_family_s_names_and_numbers_go(text: str, gone: list[str]) -> None:
    out = scrub_text(text).text
    assert all(g not in out for g in gone), out


@pytest.mark.parametrize(
    "text",
    [
        "  Current pregnancy: mother G4P2A1, 11+3 weeks; CVS booked.",
        "MRS: elevated lactate doublet; NAA/Cho 0.58.",
        "Consanguinity denied. Ancestry: German/Eritrean.",
        "IMMUNIZATIONS: Hep B #1 (mother HBsAg neg). Palivizumab",
        "and Kasai portoenterostomy, ideally before 60 days of life.",
        "Options: staged palliation (Norwood/Sano, Fontan), heart transplant",
        "Critical result: none.  Billing: 78803, A9582.",
        "child abuse concern; the child was seen; Child Protective Services notified",
        'growth chart from the "Red Book"; patient says "Fine"',
    ],
)
def test_what_a_family_s_notes_say_of_no_one_stays(text: str) -> None:
    assert scrub_text(text).text == text

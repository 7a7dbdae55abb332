"""Word lists behind report scrubbing, loaded once from ``aiminer/text/data``.

The lists are plain text so that a curator can read and extend them (see docs/reports.md):

- ``first_names.txt`` and ``surnames.txt``: US Census 1990 frequency lists (public domain), the detector's
  name dictionary.
- ``heldout_names.txt``: names the detector never loads; only :mod:`aiminer.text.synthetic` uses them, so that
  recall on names outside the dictionary is measured honestly.
- ``not_names.txt``: eponyms, common English words and report vocabulary that must not be taken for a name
  without a cue.
- ``us_cities.txt``: cities (geographic subdivisions smaller than a state).
- ``world_places.txt``: the world's towns and cities of 15,000 inhabitants or more (GeoNames, CC BY 4.0), written
  by ``scripts/build_world_places.py``; used to find places only, never to judge a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Report abbreviations of two to five letters: a patient's initials never take them out of a text ("MD" for Maria
#: De la Rosa, "MRI" for Mary R. Ingram), and two of them around a slash are no transcription initials ("RV/LV").
REPORT_ABBREVIATIONS = frozenset(
    "md do dr mr ms pa rn np pt ot st ct us xr dx cr nm mg rf xa es sc pet mri cta mra cxr kub ivc svc lv rv "
    "la ra ao pe dvt gi gu ob ent cns im iv sq po ng bp hr rr ok na no id am pm ed er or icu ccu hx rx tx sx fx "
    "ap pa ll rl rt lt lll rll rul lul rml cc mm cm ml mg kg lb yo av mv tv tr mr ar sa lad lcx rca pda ef ecg ekg "
    "eeg emg mds adc dwi swi flair tse fse gre cbd cva tia hcc mi chf copd uti bph ga bmi ir ivp vcug dexa bmd "
    "abc dcis idc ilc lat obl ant post sag cor ax ica cca eca mca aca pca sma ima sfa cfa pfa "
    # exam abbreviations a RIS writes ("CT ABD/PEL W", "MR BREAST BIL W/WO")
    "abd pel pelv ext bil bilat wo wwo "
    # code status ("DNR/DNI" is no dictator and typist)
    "dnr dni dnar polst molst "
    # labs, exams, scores and form fields a description or a note writes in capitals where a name could stand
    # ("rising PSA, Anders G Lindqvist", "Pt DOB 07/06/1947", "Zambrano (HCP) consented"; red team 5)
    "psa cea afp hcg tsh inr ptt bun cbc bmp cmp ldh alt ast alp ggt crp esr wbc rbc hgb hct plt ldct hrct ctpa "
    "mrcp ercp spect suv hcp poa dob mrn pcp nos nka nkda sob fna ldl hdl egfr gfr ssn ecog kps nyha tnm adl gerd "
    "ibd ibs hiv hcv hbv uri ards aki ckd esrd tpn picc ett ngt nicu picu pacu ecmo cabg pci tavr avr mvr lvef tte "
    "tee ivus ffr "
    # services and exams a report says something was done by ("seen by SLP", "confirmed by EUS")
    "slp eus ems dsa pft fax tcd nst bpp ccm pmr hem onc ctvs cvs ems mfm rad nsg "
    # the eyes ("cc: OD 20/60")
    "od ou "
    # cardiology, electrophysiology, interventional oncology, nuclear medicine and radiotherapy ("terminated by ATP",
    # "HCC, BCLC B", "PSMA PET", "VMAT to the PTV"; blind set 14)
    "atp crt icd ppm lbbb rbbb svt avnrt nsvt af afl vt vf pvc pac tavi rvsp tapse bclc albi meld psma fdg mdp maa "
    "sirt tace rfa mwa cmr ctca ifr timi stemi nstemi acs ihd hfref hfpef gdmt ptv ctv gtv oar dvh imrt vmat sbrt "
    "srs igrt cbct gy cgy mbq mci gbq mpi aha acc scct ssfp vhl ret ptc gp "
    # vaccines ("03^MMR^CVX"; red team 17)
    "mmr mmrv dtap tdap ipv hpv bcg pcv ppsv hib "
    # a laboratory's tests, diagnoses and bodies ("(CLL/SLL)", "DNA/RNA", "Reported to NHSN Hemovigilance"; blind
    # set 11)
    "dna rna cll sll aml cml pcr ihc ngs mmr msi mss tmb vaf cnv snv hpv ebv cmv rsv mrsa vre anca igg igm "
    "iga ige ebus lbc ascus lsil hsil nhsn clia lpd "
    # grading and response criteria ("AE reported by daughter, CTCAE v5.0"; red team 9)
    "ctcae recist irecist mrecist rano pcwg lirads pirads tirads birads nihss gcs "
    # spectroscopy's metabolites and hepatitis serology ("NAA/Cho 0.58", "mother HBsAg neg"; blind set 12)
    "naa cho lac glx hbsag hbeag hbcab hbsab gbs "
    # obstetric dating and a trainee's year ("EDD 05/26/2025", "IR fellow (PGY-6)"; precision red team 21; not "LMP",
    # which is someone's initials too: "tech: LMP")
    "edd efw crl pgy "
    # a breast or a lung tumour's markers ("ER/PR positive, HER2 negative": the receptors, not a dictator and a
    # typist)
    "pr pgr her2 ki67 kras nras braf alk ros1 lcis "
    # tuberculosis and sickle-cell work-ups, and outpatient and inpatient numbers ("Xpert MTB/RIF", "(DOTS, Category
    # I)", "HbAS", "OPD/IPD No"; blind set 18)
    "mtb rif dots hbas hbss hbsc hbaa opd ipd "
    # claims' and agencies' abbreviations and a spine operation ("DOL OWCP", "OMB", "WAC", "C5-6 ACDF, Wendell
    # Okoro-Strand, MD"; blind set 19)
    "owcp dol omb wac comar acdf ime fce mmi".split()
)


def _lines(name: str) -> list[str]:
    text = resources.files("aiminer.text").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Lexicon:
    """Lower-cased word sets used by the name, city and eponym rules."""

    first_names: frozenset[str]
    surnames: frozenset[str]
    eponyms: frozenset[str]
    common: frozenset[str]
    vocab: frozenset[str]
    cities: frozenset[str]  # US cities: also tell the name rules a word is no surname
    places: frozenset[str]  # cities | the world's towns and cities: places found by name
    not_names: frozenset[str]  # eponyms | common | vocab: never a name without a cue


@cache
def lexicon() -> Lexicon:
    """Return the process-wide :class:`Lexicon` (loaded on first use)."""
    text = resources.files("aiminer.text").joinpath("data", "not_names.txt").read_text(encoding="utf-8")
    sections: list[set[str]] = [set(), set(), set()]
    index = -1
    for line in text.splitlines():
        if line.startswith("# --"):
            index += 1
            continue
        if line.startswith("#") or index < 0:
            continue
        sections[min(index, 2) if index < 2 else 2].update(word.lower() for word in line.split())
    eponyms, common, vocab = sections
    cities = frozenset(c.lower() for c in _lines("us_cities.txt"))
    return Lexicon(
        first_names=frozenset(n.lower() for n in _lines("first_names.txt")),
        surnames=frozenset(n.lower() for n in _lines("surnames.txt")),
        eponyms=frozenset(eponyms),
        common=frozenset(common),
        vocab=frozenset(vocab),
        cities=cities,
        places=cities | frozenset(c.lower() for c in _lines("world_places.txt")),
        not_names=frozenset(eponyms | common | vocab),
    )


@cache
def heldout_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return ``(first_names, surnames)`` the detector never sees (for the synthetic generator only)."""
    first: list[str] = []
    last: list[str] = []
    for line in _lines("heldout_names.txt"):
        kind, _, name = line.partition("\t")
        (first if kind == "F" else last).append(name)
    return tuple(first), tuple(last)


@cache
def dictionary_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return ``(first_names, surnames)`` of the detector's dictionary in file order (title case)."""
    return tuple(_lines("first_names.txt")), tuple(_lines("surnames.txt"))

"""Coded identifiers HIPAA allows: random, stable through the crosswalk, one code per patient under concurrency."""

from __future__ import annotations

import multiprocessing as mp
import stat
from pathlib import Path

from aiminer.adapters.sqlite_crosswalk import SqliteCrosswalk
from aiminer.crosswalk import Coder, random_uid


def test_same_patient_same_project_same_site_gets_the_same_code_on_every_run(tmp_path: Path) -> None:
    path = tmp_path / "cw.sqlite"
    first = Coder(SqliteCrosswalk(path), "P1")
    site = first.site("Mercy")
    code = first.patient(site, "MRN-ISSUER", "12345678")
    again = Coder(SqliteCrosswalk(path), "P1")  # a later run, a fresh process
    assert again.site("Mercy") == site
    assert again.patient(site, "MRN-ISSUER", "12345678") == code
    assert again.patient(site, "OTHER-ISSUER", "12345678") != code  # issuer is part of the identity
    other_project = Coder(SqliteCrosswalk(path), "P2")
    assert other_project.patient(other_project.site("Mercy"), "MRN-ISSUER", "12345678") != code


def test_spaces_around_an_mrn_or_issuer_are_not_part_of_the_key_but_case_and_zeros_are(tmp_path: Path) -> None:
    # GIVEN a patient coded in one upload
    path = tmp_path / "cw.sqlite"
    first = Coder(SqliteCrosswalk(path), "P1")
    site = first.site("Mercy")
    code = first.patient(site, "MERCYGEN", "MG10045")
    # WHEN the next upload sends the same LO values padded with spaces (insignificant, PS3.5 6.2)
    again = Coder(SqliteCrosswalk(path), "P1")
    # THEN it is the same patient; a different case or dropped leading zeros stays another key
    assert again.patient(site, " MERCYGEN ", "  MG10045 ") == code
    assert again.patient(site, "MERCYGEN", "mg10045") != code
    assert again.patient(site, "MERCYGEN", "0MG10045") != code
    # AND an accession number padded with spaces finds its study
    study = again.study(site, "1.2.3", "A1234567")
    again.link_accession(site, "A1234567", study)
    assert again.study_for_accession(site, " A1234567 ") == study


def test_codes_are_random_not_derived_from_the_mrn(tmp_path: Path) -> None:
    a = Coder(SqliteCrosswalk(tmp_path / "a.sqlite"), "P1")
    b = Coder(SqliteCrosswalk(tmp_path / "b.sqlite"), "P1")
    # two partners' crosswalks see the same MRN: a derived code would coincide, a random one does not
    assert a.patient("S-1", "", "12345678") != b.patient("S-1", "", "12345678")
    assert a.site("Mercy") != b.site("Mercy")
    assert a.uid("S-1", "1.2.3.4") != b.uid("S-1", "1.2.3.4")


def test_random_uids_are_valid() -> None:
    uids = {random_uid() for _ in range(1000)}
    assert len(uids) == 1000
    assert all(u.startswith("2.25.") and len(u) <= 64 and u.replace(".", "").isdigit() for u in uids)
    assert all(not part.startswith("0") or part == "0" for u in uids for part in u.split("."))


def test_crosswalk_file_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "cw.sqlite"
    SqliteCrosswalk(path)
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def _assign_many(args: tuple[str, int]) -> list[str]:
    path, _worker = args
    coder = Coder(SqliteCrosswalk(path), "P1")
    return [coder.patient("S-1", "", f"MRN{i}") for i in range(200)]


def test_concurrent_workers_never_assign_two_codes_to_one_patient(tmp_path: Path) -> None:
    path = str(tmp_path / "cw.sqlite")
    SqliteCrosswalk(path)
    with mp.get_context("spawn").Pool(4) as pool:
        results = pool.map(_assign_many, [(path, w) for w in range(4)])
    assert all(r == results[0] for r in results)
    assert len(set(results[0])) == 200


def _open_at_once(args: tuple[str, object]) -> str:
    path, barrier = args
    barrier.wait()  # type: ignore[attr-defined]
    return SqliteCrosswalk(path).assign("patient", "S-1", "MRN-1", f"P-{id(barrier)}")


def test_workers_opening_a_new_crosswalk_file_at_the_same_moment_all_open_it(tmp_path: Path) -> None:
    # GIVEN a crosswalk file that does not exist yet, and 8 processes that open it at the same moment, 10 times over
    # (a run's workers all open the file as they start: "database is locked" failed one run in ten, 2026-12-06)
    ctx = mp.get_context("fork")
    for round_ in range(10):
        path = str(tmp_path / f"new-{round_}.sqlite")
        with ctx.Manager() as manager:
            barrier = manager.Barrier(8)
            with ctx.Pool(8) as pool:
                # WHEN each opens it and assigns a code to the same patient
                codes = pool.map(_open_at_once, [(path, barrier)] * 8)
        # THEN every open succeeded and all got the one code that was stored first
        assert len(set(codes)) == 1


def _code_study_files(args: tuple[str, int]) -> dict[int, str]:
    path, worker = args
    coder = Coder(SqliteCrosswalk(path), "P1")
    # each worker takes the 50 studies in its own order, with or without the issuer
    studies = list(range(50)) if worker % 2 else list(range(49, -1, -1))
    issuer = "LAB" if worker % 2 else ""
    return {i: coder.patient_in_study("S-1", issuer, f"MRN{i}", f"1.2.3.{i}") for i in studies}


def test_concurrent_workers_give_a_study_one_patient_whether_or_not_its_files_carry_the_issuer(tmp_path: Path) -> None:
    # GIVEN 50 studies whose files arrive at 4 workers at once, half of them with IssuerOfPatientID and half without
    path = str(tmp_path / "cw.sqlite")
    SqliteCrosswalk(path)
    with mp.get_context("spawn").Pool(4) as pool:
        results = pool.map(_code_study_files, [(path, w) for w in range(4)])
    # THEN every worker got the same code for each study's patient, and 50 patients in all
    assert all(r == results[0] for r in results)
    assert len(set(results[0].values())) == 50

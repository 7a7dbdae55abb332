"""The crosswalk: the only link from coded identifiers back to patients.

HIPAA Safe Harbor (45 CFR 164.514(c)) allows a re-identification code only if it is *not derived from or
related to information about the individual*. So every code here is random (``secrets``), assigned on first
sight and remembered in a crosswalk that stays with the academic partner. Nothing in this module hashes PHI.

The :class:`Crosswalk` protocol is the small port the core needs. Adapters implement it with an atomic
"insert if absent, then read" so that two concurrent workers never assign two codes to one original value:
:class:`aiminer.adapters.sqlite_crosswalk.SqliteCrosswalk` (a local file, ``--crosswalk``) and, in the partner
zone on AWS, a DynamoDB table with conditional writes.
"""

from __future__ import annotations

import secrets
import threading
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

# Crockford base32 without I, L, O, U: unambiguous when read aloud or typed by a curator.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class Kind(StrEnum):
    """What an entry of the crosswalk maps."""

    SITE = "site"  # site name given by the partner -> coded site ID
    PATIENT = "patient"  # issuer + patient ID (MRN) -> coded patient ID
    STUDY_PATIENT = "study_patient"  # StudyInstanceUID + MRN -> the issuer and coded patient its first file had
    STUDY = "study"  # original StudyInstanceUID -> coded study ID
    ACCESSION = "accession"  # original accession number -> coded study ID (links reports to studies)
    SERIES = "series"  # original SeriesInstanceUID -> coded series ID
    UID = "uid"  # any original UID -> new random UID
    DATE_OFFSET = "date_offset"  # coded patient ID -> per-patient date shift in days (longitudinal option)
    PATIENT_IDENTITY = "patient_identity"  # coded study -> identities read from its headers (report context)
    OBJECT = "object"  # SHA-256 of a report/table -> its random object code (re-uploads reuse it)


class Crosswalk(Protocol):
    """Port for the crosswalk store. Implementations must make :meth:`assign` atomic."""

    def assign(self, kind: Kind, scope: str, original: str, candidate: str) -> str:
        """Store ``candidate`` for ``(kind, scope, original)`` unless a value exists; return the stored value."""
        ...

    def lookup(self, kind: Kind, scope: str, original: str) -> str | None:
        """Return the stored value for ``(kind, scope, original)``, or ``None``."""
        ...


def random_code(prefix: str, length: int = 10) -> str:
    """Return ``PREFIX-XXXXXXXXXX`` with ``length`` random Crockford base32 characters (50 bits at 10)."""
    return f"{prefix}-" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def random_uid() -> str:
    """Return a new random UID under the ``2.25`` root (ITU-T X.667 UUID-derived), at most 44 characters."""
    return "2.25." + str(int.from_bytes(secrets.token_bytes(16), "big") >> 6)


class Coder:
    """Assigns coded identifiers for one project through a :class:`Crosswalk`, caching what it has seen.

    A mapping never changes once stored, so the in-process cache is always safe.
    """

    def __init__(self, crosswalk: Crosswalk, project: str) -> None:
        self._crosswalk = crosswalk
        self.project = project
        self._cache: dict[tuple[Kind, str, str], str] = {}
        self._lock = threading.Lock()

    def _get(self, kind: Kind, scope: str, original: str, make: str | Callable[[], str]) -> str:
        """The stored value, assigning ``make`` (a value, or a function drawing one only on a cache miss: a random
        code is not drawn for every cell of a table that names one patient in each row) when there is none."""
        key = (kind, scope, original)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        value = self._crosswalk.assign(kind, scope, original, make if isinstance(make, str) else make())
        with self._lock:
            self._cache[key] = value
        return value

    def _scope(self, site_code: str) -> str:
        return f"{self.project}/{site_code}"

    def site(self, site: str) -> str:
        """Coded site ID for the partner's site name (assigned at enrollment, here on first use)."""
        return self._get(Kind.SITE, self.project, site, lambda: random_code("S", 6))

    def patient(self, site_code: str, issuer: str, patient_id: str) -> str:
        """Coded patient ID: same issuer + MRN at the same site in the same project -> same code.

        Leading and trailing spaces are not significant in LO values (PS3.5 6.2), so they are not part of the key;
        case and leading zeros are (``mg0045`` and ``MG45`` are other patients than ``MG0045``).
        """
        key = f"{issuer.strip()}^{patient_id.strip()}"
        return self._get(Kind.PATIENT, self._scope(site_code), key, lambda: random_code("P"))

    def patient_in_study(self, site_code: str, issuer: str, patient_id: str, study_uid: str) -> str:
        """Coded patient of a DICOM file: :meth:`patient`, kept whole within one study when some of its files carry
        an IssuerOfPatientID and others do not.

        A study has one patient. The first file of a study with a given MRN anchors that study's patient (its issuer
        and code); a file of the same study and MRN without an issuer takes the anchor's code, and a file with an
        issuer takes it when its own issuer + MRN was never coded and the anchor had no issuer or the same one. So
        the files of one study get one coded patient whatever order they arrive in, and an issuer + MRN already
        coded keeps its code (that is the promise of :meth:`patient`). Another issuer with the same MRN in the study
        is another patient's key and keeps its own.
        """
        issuer, patient_id = issuer.strip(), patient_id.strip()
        if not patient_id or not study_uid.strip():
            return self.patient(site_code, issuer, patient_id)
        scope = self._scope(site_code)
        own = f"{issuer}^{patient_id}"
        known = self._cache.get((Kind.PATIENT, scope, own)) or self._crosswalk.lookup(Kind.PATIENT, scope, own)
        candidate = known or random_code("P")
        anchor = self._get(Kind.STUDY_PATIENT, scope, f"{study_uid.strip()}^{patient_id}", f"{issuer}|{candidate}")
        anchor_issuer, _, anchor_code = anchor.rpartition("|")
        if not issuer:
            self._get(Kind.PATIENT, scope, own, anchor_code)  # the issuer-less key, first seen here
            return anchor_code
        if anchor_issuer in ("", issuer):
            return self._get(Kind.PATIENT, scope, own, anchor_code)
        return self._get(Kind.PATIENT, scope, own, candidate)

    def study(self, site_code: str, study_uid: str, accession: str = "") -> str:
        """Coded study ID for an original StudyInstanceUID.

        When a report or table already reserved a code for the study's accession number, the study takes it, so
        images, reports and tables of one study share one code whatever arrives first.
        """
        key = (Kind.STUDY, self._scope(site_code), study_uid)
        if key in self._cache:
            return self._cache[key]
        found = self.study_for_accession(site_code, accession) if accession.strip() else None
        candidate = found or random_code("ST")
        return self._get(*key, candidate)

    def series(self, site_code: str, series_uid: str) -> str:
        """Coded series ID for an original SeriesInstanceUID."""
        return self._get(Kind.SERIES, self._scope(site_code), series_uid, lambda: random_code("SE"))

    def uid(self, site_code: str, original_uid: str) -> str:
        """New random UID for an original UID, stable through the crosswalk."""
        return self._get(Kind.UID, self._scope(site_code), original_uid, random_uid)

    def link_accession(self, site_code: str, accession: str, study_code: str) -> str:
        """Remember which coded study an original accession number belongs to; return the stored code.

        Leading and trailing spaces are not part of the key (insignificant in SH values, PS3.5 6.2).
        """
        return self._get(Kind.ACCESSION, self._scope(site_code), accession.strip(), study_code)

    def study_for_accession(self, site_code: str, accession: str) -> str | None:
        """Coded study for an accession number seen before (spaces around it ignored), or ``None``."""
        return self._crosswalk.lookup(Kind.ACCESSION, self._scope(site_code), accession.strip())

    def assign_code(self, kind: Kind, site_code: str, original: str, candidate: str) -> str:
        """Generic insert-if-absent under this project and site (e.g. object codes)."""
        return self._get(kind, self._scope(site_code), original, candidate)

    def remember(self, kind: Kind, site_code: str, original: str, value: str) -> None:
        """Store ``value`` unless something is stored already (first writer wins; cached per process)."""
        self._get(kind, self._scope(site_code), original, value)

    def recall(self, kind: Kind, site_code: str, original: str) -> str | None:
        """What :meth:`remember` stored, or ``None``."""
        return self._crosswalk.lookup(kind, self._scope(site_code), original)

    def date_offset_days(self, site_code: str, patient_code: str, max_days: int = 365) -> int:
        """Per-patient random date shift in days (Retain Longitudinal Temporal Information, modified dates)."""
        draw = lambda: str(-(secrets.randbelow(max_days) + 1))  # noqa: E731
        return int(self._get(Kind.DATE_OFFSET, self._scope(site_code), patient_code, draw))

"""The report scrubber as the DICOM engine's cleaner (Clean Descriptors / Clean Structured Content: ``C``).

Descriptions, comments and SR text are scrubbed with the identities of the file's own headers as context, so the
patient's name in a SeriesDescription goes even when no pattern would find it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING

from aiminer.text.identity import (
    IdentityContext,
    context_matches,
    context_terms,
    misspelt_family_spans,
    required_alnum,
)
from aiminer.text.names import find_names
from aiminer.text.patterns import find_dates_and_ages, find_ids, find_structured
from aiminer.text.report import scrub_text, with_names_from

if TYPE_CHECKING:
    from aiminer.dicom.engine import CodedIdentity, DicomIdentity


# ISO 2022 escape sequences left in a value whose Specific Character Set does not announce them: glued to a word
# ("\x1b(JOkonkwo"), they would hide it from every rule; the cleaned value loses them (it is rewritten anyway).
_ESCAPE = re.compile(r"\x1b[\x20-\x2f]*[\x30-\x7e]?")


class Cleaner:
    """A text cleaner bound to one file's identities and coded IDs.

    Calling it scrubs a text (descriptions, comments, SR text: ``C``). :meth:`holds_identity` says whether a value
    the policy keeps as it is (a code meaning, an RT or segment label, an image type) holds one of the file's known
    identities: the patient's name or IDs, the accession, the birth date, the staff's names, the institution, in any
    of their variants ("OBRIEN_8847291" as an RT plan label). Kept attributes are many and short, so a value is
    first tested for the letters and digits every variant requires (substring tests), and only a value that passes
    is matched term by term."""

    def __init__(self, context: IdentityContext) -> None:
        self.context = context
        self._required = _required_strings(context)
        # what this cleaner said of each text (the files of a series share their identities, descriptions and
        # labels: their cleaner is the same one, see cleaner_factory); bounded, as a long run may see many texts
        self._cleaned: dict[str, str] = {}
        self._held: dict[str, bool] = {}

    def __call__(self, text: str) -> str:
        done = self._cleaned.get(text)
        if done is None:
            done = scrub_text(_ESCAPE.sub(" ", text), self.context).text
            if len(self._cleaned) < _MEMO_SIZE:
                self._cleaned[text] = done
        return done

    def holds_identity(self, text: str) -> bool:
        """Whether ``text`` holds a known identity of the file (see the class docstring), or an identifier any
        report would lose: a number after its cue ("SN 44718XK2231", "MRN 8847291"), an SSN, a phone or fax
        number, an email or an IP address."""
        held = self._held.get(text)
        if held is None:
            held = self._holds_identity(text)
            if len(self._held) < _MEMO_SIZE:
                self._held[text] = held
        return held

    def _holds_identity(self, text: str) -> bool:
        if _holds_identifier(text) or misspelt_family_spans(text, self.context):
            return True
        if text.isascii():
            squeezed = _NOT_ALNUM.sub("", text.lower())
            if not squeezed or not any(map(squeezed.__contains__, self._required)):
                return False
        return any(m.end() > m.start() for m, _term in context_matches(text, self.context))


_MEMO_SIZE = 2048
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
#: What an age over 89 needs: a number from 90 to 119, or the word for one.
_AGE_HINT = re.compile(r"(?<!\d)(?:9\d|1[01]\d)(?!\d)|(?i:ninety|hundred)")
# Four digits in a row or an at sign: what every identifier below needs (most kept values have none).
_IDENTIFIER_HINT = re.compile(r"\d{4}|@")
# (not a URL: in a kept attribute it is the software's own, "https://github.com/fedorov/dcmqi.git" as a
# ManufacturerModelName; one that holds the patient's ID is caught by the identities above)
_SHAPED = frozenset({"SSN", "PHONE", "FAX", "EMAIL", "IP"})


@lru_cache(maxsize=4096)
def _holds_identifier(text: str) -> bool:
    """Whether ``text`` holds an identifier found by its cue or its shape (not a bare number: a kept value's
    digits are mostly versions, codes and measurements), or a person's name after its cue or before a credential
    ("Family hx - mother Maude Ingersoll", "Comment by Linnea Abernathy-Kohl" as an SR concept's code meaning)."""
    if _IDENTIFIER_HINT.search(text) is not None and any(
        c.source == "cue" or c.category in _SHAPED for c in chain(find_structured(text), find_ids(text))
    ):
        return True
    if _AGE_HINT.search(text) is not None and any(c.category == "AGE_OVER_89" for c in find_dates_and_ages(text)):
        return True  # "Aged ninety-three" as an SR code meaning (red team 16)
    return any(c.source in ("cue", "credential") for c in find_names(text))


def _required_strings(context: IdentityContext) -> tuple[str, ...]:
    """The letters and digits each term of ``context`` requires (terms that require none are left to the
    term-by-term match, which runs for non-ASCII values only). Tested as substrings, not as one compiled
    alternation: every file brings a new context, and compiling its alternation cost more (about a millisecond)
    than the substring tests of all the file's kept values."""
    required = {
        term.required if term.required is not None else required_alnum(term.pattern) for term in context_terms(context)
    }
    required.discard("")
    return tuple(required)


def cleaner_factory(identity: DicomIdentity, coded: CodedIdentity) -> Cleaner:
    """A :class:`Cleaner` bound to one file's identities and coded IDs: the same one for the files that share them
    (a series' slices), so its terms are compiled and its texts cleaned once. Held in this process's memory only,
    as the identities are while a file is read."""
    return _cleaner(identity, coded.patient, coded.study)


@lru_cache(maxsize=16)
def _cleaner(identity: DicomIdentity, patient_code: str, study_code: str) -> Cleaner:
    context = IdentityContext(
        patient_names=identity.patient_names,
        other_names=identity.other_names,
        patient_ids=identity.patient_ids,
        accessions=(identity.accession,) if identity.accession else (),
        other_ids=identity.device_ids,
        birth_dates=(identity.birth_date,) if identity.birth_date else (),
        institutions=((identity.institution,) if identity.institution else ()) + identity.site_names,
        patient_code=patient_code,
        study_code=study_code,
    )
    return Cleaner(with_names_from(context, [_ESCAPE.sub(" ", t) for t in identity.descriptions]))

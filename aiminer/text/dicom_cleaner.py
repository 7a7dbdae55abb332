"""The report scrubber as the DICOM engine's cleaner (Clean Descriptors / Clean Structured Content: ``C``).

Descriptions, comments and SR text are scrubbed with the identities of the file's own headers as context, so the
patient's name in a SeriesDescription goes even when no pattern would find it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiminer.text.identity import IdentityContext
from aiminer.text.report import scrub_text, with_names_from

if TYPE_CHECKING:
    from collections.abc import Callable

    from aiminer.dicom.engine import CodedIdentity, DicomIdentity


# ISO 2022 escape sequences left in a value whose Specific Character Set does not announce them: glued to a word
# ("\x1b(JOkonkwo"), they would hide it from every rule; the cleaned value loses them (it is rewritten anyway).
_ESCAPE = re.compile(r"\x1b[\x20-\x2f]*[\x30-\x7e]?")


def cleaner_factory(identity: DicomIdentity, coded: CodedIdentity) -> Callable[[str], str]:
    """A text cleaner bound to one file's identities and coded IDs."""
    context = IdentityContext(
        patient_names=identity.patient_names,
        other_names=identity.other_names,
        patient_ids=identity.patient_ids,
        accessions=(identity.accession,) if identity.accession else (),
        birth_dates=(identity.birth_date,) if identity.birth_date else (),
        institutions=(identity.institution,) if identity.institution else (),
        patient_code=coded.patient,
        study_code=coded.study,
    )
    context = with_names_from(context, [_ESCAPE.sub(" ", t) for t in identity.descriptions])

    def clean(text: str) -> str:
        return scrub_text(_ESCAPE.sub(" ", text), context).text

    return clean

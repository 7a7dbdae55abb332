"""Identifiers in the fields of FHIR JSON and CDA XML pasted into a text.

Interface engines, EHR audit notes and QA tickets paste resources whole into a note ("the payload we received:
{"resourceType": "Patient", ...}"), and the fields say what each value is: a second given name ("Tsosie"), a town
("Crownpoint"), a postcode, a resource ID that no prose rule would take for anyone's (blind set 13). The field's
name is the cue: these rules read the values of the fields that hold a person's name, address or identifiers, and
leave the rest (codes, displays, measurements) to the other rules.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiminer.text.patterns import P_PHONE, P_STRUCTURED, Candidate

if TYPE_CHECKING:
    from collections.abc import Iterator

#: FHIR (R4) element names whose string values identify a person or a place smaller than a state: HumanName's
#: family and given, Address's line, city, district and postalCode, a resource's logical id, an Identifier's value.
#: (Not "text", which is also a CodeableConcept's diagnosis, nor "state" and "country", which Safe Harbor keeps.)
_JSON_FIELDS = {
    "family": "NAME",
    "given": "NAME",
    "line": "ADDRESS",
    "city": "CITY",
    "district": "CITY",
    "postalCode": "ZIP",
    "id": "OTHER_ID",
    "value": "OTHER_ID",
    "reference": "OTHER_ID",
}
_JSON_STRING = r'"(?:[^"\\\r\n]|\\.){1,200}"'
_JSON_FIELD_RE = re.compile(
    rf'"(?P<key>{"|".join(_JSON_FIELDS)})"[ \t]*:[ \t]*'
    rf"(?P<val>{_JSON_STRING}|\[\s*{_JSON_STRING}(?:\s*,\s*{_JSON_STRING}){{0,9}}\s*\])"
)
_JSON_STRING_RE = re.compile(_JSON_STRING)

#: CDA (HL7 v3) elements whose text identifies a person or a place: a name's given and family parts, an address's
#: street line, city, county, census tract and postal code.
_XML_FIELDS = {
    "given": "NAME",
    "family": "NAME",
    "streetAddressLine": "ADDRESS",
    "city": "CITY",
    "county": "CITY",
    "censusTract": "ZIP",
    "postalCode": "ZIP",
}
_XML_FIELD_RE = re.compile(
    rf"<(?P<tag>(?:\w+:)?(?:{'|'.join(_XML_FIELDS)}))(?:\s[^<>]{{0,200}})?>(?P<val>[^<>]{{1,200}})</(?P=tag)\s*>"
)
#: An instance identifier's extension (``<id root="2.16.840..." extension="7731904"/>``): the identifier itself.
_XML_ID_RE = re.compile(r"<(?:\w+:)?id\s[^<>]{0,300}?\bextension\s*=\s*\"(?P<val>[^\"<>]{1,100})\"")


def find_markup_fields(text: str) -> Iterator[Candidate]:
    """Yield the values of the identifying fields of FHIR JSON and CDA XML found in ``text``."""
    if '"' in text and ":" in text:
        yield from _json_fields(text)
    if "<" in text and ">" in text:
        yield from _xml_fields(text)


def _json_fields(text: str) -> Iterator[Candidate]:
    for m in _JSON_FIELD_RE.finditer(text):
        key = m.group("key")
        category = _JSON_FIELDS[key]
        for s in _JSON_STRING_RE.finditer(text, m.start("val"), m.end("val")):
            start, end = s.start() + 1, s.end() - 1
            value = text[start:end]
            if key == "reference":
                # "Patient/pt-6f3a", "Practitioner/prac-88120": the logical id after the resource type
                start += value.rfind("/") + 1
                value = text[start:end]
            if category == "OTHER_ID" and not _identifier_like(value):
                continue  # a code, a word or a status ("value": "positive")
            if value.strip():
                # (an identifier's value yields to what a specific rule makes of it: a phone, an SSN)
                yield Candidate(start, end, category, P_PHONE - 1 if category == "OTHER_ID" else P_STRUCTURED, "cue")


def _identifier_like(value: str) -> bool:
    """A value with digits and no spaces beyond one group separator: an identifier, not a phrase or a number."""
    digits = sum(ch.isdigit() for ch in value)
    return digits >= 3 and len(value) >= 4 and value.count(" ") <= 2 and not _PLAIN_NUMBER.fullmatch(value)


_PLAIN_NUMBER = re.compile(r"[-+]?\d{1,6}(?:\.\d+)?")


def _xml_fields(text: str) -> Iterator[Candidate]:
    for m in _XML_FIELD_RE.finditer(text):
        if m.group("val").strip():
            tag = m.group("tag").rsplit(":", 1)[-1]
            yield Candidate(m.start("val"), m.end("val"), _XML_FIELDS[tag], P_STRUCTURED, "cue")
    for m in _XML_ID_RE.finditer(text):
        if _identifier_like(m.group("val")):
            yield Candidate(m.start("val"), m.end("val"), "OTHER_ID", P_STRUCTURED, "cue")

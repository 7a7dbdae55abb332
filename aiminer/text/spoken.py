"""Numbers and dates as a speech recogniser writes them when it does not turn them into digits.

A dictation left in words spells a record number digit by digit ("mrn four seven seven two one nine zero", "R A
D two five dash zero zero four four one") and a date as it was said ("june the fourteenth nineteen thirty two",
"the twenty eighth of february"). Both are read word by word, never by a regex over the text: a run of digit
words can be as long as the text, and each word is looked at once.

- A run of five digit words or more is an identifier (digits spaced out one by one count as words: "job number
  4 4 1 8 2 7", an OCR scan's "M R N : 0 0 4 4 7 1 2 9"), and so is a run of three or more right after an
  identifier's cue (``mrn``, ``number``, ``accession``, ``phone``...). ``oh`` and ``o`` count as zero and
  ``double``/``triple`` repeat the next digit inside a run; ``dash``, ``hyphen`` and ``point`` join two parts of
  it; capital letters spelled one by one right before it are part of it (``R A D``).
- Four letters or more spelled one by one (``O K A F O R``; an OCR scan's ``N g u y e n``) are a name, unless
  digit words follow them (then they are an identifier's prefix, above).
- A month named with a day in words or digits, in either order (``june the fourteenth``, ``the 3rd of
  March``, ``twenty eighth of february``), and the year said after it (``nineteen thirty two``, ``two thousand
  and five``, ``twenty twenty five``), is a date. Safe Harbor keeps the year, but a year in words is removed with
  the day and month: what remains is the tag.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiminer.text.patterns import P_CUED_ID, P_DATE, P_GENERIC_ID, P_NAME, Candidate

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Words a speech recogniser writes for one digit ("oh" and "o" for zero).
_DIGITS = frozenset("zero oh o one two three four five six seven eight nine".split())
_REPEAT = frozenset({"double", "triple"})
_JOINERS = frozenset({"dash", "hyphen", "point", "slash"})
#: Words right before a run that make three digit words an identifier.
_ID_CUES = frozenset(
    "mrn number no record accession acc phone telephone callback call fax pager extension ext ssn id account "
    "acct medicare medicaid member policy claim license npi dea serial".split()
)
_PHONE_CUES = frozenset("phone telephone callback call pager extension ext".split())

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_ORDINAL_UNITS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
}
_ORDINALS = {
    **_ORDINAL_UNITS,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
_TENS = {"twenty": 20, "thirty": 30}
_CARDINAL_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_YEAR_TENS = frozenset("ten twenty thirty forty fifty sixty seventy eighty ninety".split())
_YEAR_WORDS = frozenset(
    set(_CARDINAL_UNITS) | set(_TEENS) | _YEAR_TENS | {"hundred", "thousand", "and", "oh", "o", "zero"}
)
#: A day in digits with its ending, as a recogniser writes it between words ("march 4th", "the 3rd of june").
_DAY_DIGITS = re.compile(r"(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?")

_WORD = re.compile(r"[A-Za-z]+|\d+(?:st|nd|rd|th)?")


def find_spoken(text: str) -> Iterator[Candidate]:
    """Yield identifiers spelled digit by digit and dates said in words (see the module docstring)."""
    if not text.isascii() and not any(c.isascii() and c.isalpha() for c in text):
        return
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    yield from _digit_runs(text, words)
    yield from _spoken_dates(text, words)
    yield from _spelled_words(text, words)


def _gap_ok(text: str, end: int, start: int) -> bool:
    """Whether only spaces, commas, hyphens or a slash (at most a few) lie between two words of a run ("2 3 / 0 7 /
    1 9 3 0": a date spaced out)."""
    gap = text[end:start]
    # (a comma between two digits with no space is a decimal comma: "0,8 1,2 0,6 2,4" are four measurements;
    # precision red team 23)
    if gap == "," and text[end - 1 : end].isdigit() and text[start : start + 1].isdigit():
        return False
    return len(gap) <= 3 and all(c in " \t,-/" for c in gap)


def _digit_runs(text: str, words: list[tuple[int, int, str]]) -> Iterator[Candidate]:
    i, n = 0, len(words)
    while i < n:
        low = words[i][2].lower()
        if not _is_digit_word(low) or (low in ("o", "oh") and not _digit_word_follows(words, i)):
            i += 1
            continue
        j, digits, last = i, 0, i
        while j < n:
            w = words[j][2].lower()
            if j > i and not _gap_ok(text, words[j - 1][1], words[j][0]):
                break
            if _is_digit_word(w):
                digits += 1
                last = j
            elif w in _REPEAT and j + 1 < n and _is_digit_word(words[j + 1][2].lower()):
                digits += 1 if w == "double" else 2
            elif not (w in _JOINERS and j + 1 < n and _is_digit_word(words[j + 1][2].lower())):
                break
            j += 1
        first = i
        # capital letters spelled one by one right before the digits ("R A D two five ...")
        while first > 0 and len(words[first - 1][2]) == 1 and words[first - 1][2].isupper():
            if not _gap_ok(text, words[first - 1][1], words[first][0]):
                break
            first -= 1
        cue = words[first - 1][2].lower() if first > 0 else ""
        if digits >= 5 or (digits >= 3 and cue in _ID_CUES):
            category = "PHONE" if cue in _PHONE_CUES else "FAX" if cue == "fax" else "OTHER_ID"
            priority = P_CUED_ID if cue in _ID_CUES else P_GENERIC_ID + 5
            yield Candidate(words[first][0], words[last][1], category, priority, "spoken")
        i = max(j, i + 1)


def _is_digit_word(word: str) -> bool:
    """A digit said as a word, or one digit alone (a recogniser or an OCR scan spacing a number out: "4 4 1 8 2 7")."""
    return word in _DIGITS or (len(word) == 1 and word.isdigit())


def _digit_word_follows(words: list[tuple[int, int, str]], i: int) -> bool:
    """Whether a digit word other than "o" or "oh" follows word ``i`` ("oh four ...": zero; "oh, I see": no)."""
    return i + 1 < len(words) and _is_digit_word(words[i + 1][2].lower()) and words[i + 1][2].lower() not in ("o", "oh")


def _day_at(words: list[tuple[int, int, str]], k: int) -> tuple[int, int] | None:
    """The day said at word ``k`` (an ordinal, "twenty eighth", a cardinal, "4th"): ``(day, last word index)``."""
    if k >= len(words):
        return None
    w = words[k][2].lower()
    if w in _ORDINALS:
        return _ORDINALS[w], k
    if w in _TENS and k + 1 < len(words):
        nxt = words[k + 1][2].lower()
        if nxt in _ORDINAL_UNITS or nxt in _CARDINAL_UNITS:
            day = _TENS[w] + _ORDINAL_UNITS.get(nxt, _CARDINAL_UNITS.get(nxt, 0))
            return (day, k + 1) if day <= 31 else None
    if _DAY_DIGITS.fullmatch(w):
        return int(w.rstrip("stndrh")), k
    return None


def _year_end(text: str, words: list[tuple[int, int, str]], k: int) -> int | None:
    """The last word of a year said from word ``k`` ("nineteen thirty two", "two thousand and five", "2025")."""
    if k >= len(words):
        return None
    w = words[k][2].lower()
    if re.fullmatch(r"(?:19|20)\d\d", w):
        return k
    if w not in ("nineteen", "eighteen", "two", "twenty"):
        return None
    end, j = None, k
    while j < len(words) and j - k < 6 and words[j][2].lower() in _YEAR_WORDS:
        if j > k and not _gap_ok(text, words[j - 1][1], words[j][0]):
            break
        end = j
        j += 1
    if end is None or end == k:
        return None
    while words[end][2].lower() == "and":
        end -= 1
    return end


def _spoken_dates(text: str, words: list[tuple[int, int, str]]) -> Iterator[Candidate]:
    for k, (_start, _end, word) in enumerate(words):
        month = _MONTHS.get(word.lower())
        if month is None:
            continue
        # ("may" in small letters is a verb, unless a day and a spoken year follow it: "date of birth may fourth
        # nineteen seventy nine"; blind set 16)
        small_may = word.lower() == "may" and word != "May"
        # "june the fourteenth", "march 4th", "june fourteenth nineteen thirty two"
        day_k = k + 2 if k + 2 < len(words) and words[k + 1][2].lower() == "the" else k + 1
        day = _day_at(words, day_k)
        first, last = k, None
        if day is not None and _gap_ok(text, words[day_k - 1][1], words[day_k][0]):
            if words[day[1]][2][-1].isdigit():
                continue  # "March 4" with digits is the date rules' ("March 4, 2025"); only the spoken forms here
            last = day[1]
        else:
            # "the twenty eighth of february", "3rd of March"
            if k >= 2 and words[k - 1][2].lower() == "of":
                for back in (k - 3, k - 2):
                    got = _day_at(words, back) if back >= 0 else None
                    if got is not None and got[1] == k - 2:
                        first, last = back, k
                        break
            if last is None:
                continue
        year = _year_end(text, words, last + 1)
        if year is not None and _gap_ok(text, words[last][1], words[last + 1][0]):
            last = year
        elif small_may:
            continue
        yield Candidate(words[first][0], words[last][1], "DATE", P_DATE - 1, "spoken", None, month, None)


def _spelled_words(text: str, words: list[tuple[int, int, str]]) -> Iterator[Candidate]:
    i, n = 0, len(words)
    while i < n:
        if len(words[i][2]) != 1 or not words[i][2].isalpha():
            i += 1
            continue
        j = i
        while j + 1 < n and len(words[j + 1][2]) == 1 and words[j + 1][2].isalpha():
            gap = text[words[j][1] : words[j + 1][0]]
            if not (1 <= len(gap) <= 2 and gap.strip(" ") == ""):
                break
            j += 1
        nxt = words[j + 1][2].lower() if j + 1 < n else ""
        if j - i >= 3 and not (nxt in _DIGITS and _gap_ok(text, words[j][1], words[j + 1][0])):
            yield Candidate(words[i][0], words[j][1], "NAME", P_NAME, "spoken")
        i = j + 1

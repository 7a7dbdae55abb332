"""Dates in the formats reports use, parsed enough to keep the year or shift the date.

Safe Harbor removes every element of a date except the year. Each match is parsed into ``(year, month, day)``
(any may be unknown) so that the scrubber can write ``[DATE 2021]`` or shift by the project's offset.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MON = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_MON3 = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_MONTHS_INTL = {
    **dict.fromkeys(("janvier", "enero", "janeiro", "gennaio", "januar", "jänner"), 1),
    **dict.fromkeys(("février", "fevrier", "febrero", "fevereiro", "febbraio", "februar"), 2),
    **dict.fromkeys(("mars", "marzo", "março", "marco", "märz", "maerz"), 3),
    **dict.fromkeys(("avril", "abril", "aprile"), 4),
    **dict.fromkeys(("mai", "mayo", "maio", "maggio"), 5),
    **dict.fromkeys(("juin", "junio", "junho", "giugno", "juni"), 6),
    **dict.fromkeys(("juillet", "julio", "julho", "luglio", "juli"), 7),
    **dict.fromkeys(("août", "aout", "agosto"), 8),
    **dict.fromkeys(("septembre", "septiembre", "setiembre", "setembro", "settembre"), 9),
    **dict.fromkeys(("octobre", "octubre", "outubro", "ottobre", "oktober"), 10),
    **dict.fromkeys(("novembre", "noviembre", "novembro"), 11),
    **dict.fromkeys(("décembre", "decembre", "diciembre", "dezembro", "dicembre", "dezember"), 12),
}
# Dutch, Swedish, Norwegian, Danish, Polish (genitive), Turkish, Greek (genitive, in Greek and in Latin letters),
# Welsh and Czech (genitive) month names, and French abbreviations with their period ("5. března 2024", "12 janv.
# 2024", "15 Martiou 2024"; blind set 17); Malay, Indonesian and Filipino ones ("21 Ogos 2024", "3 Maret", "12 Hunyo";
# blind set 18; not Malay "Mac", which is also an abbreviation: MAC)
for _number, _names in enumerate(
    (
        "januari stycznia ocak ιανουαρίου ionawr ledna janv ianouariou",
        "februari lutego şubat subat φεβρουαρίου chwefror února unora févr fevr pebrero fevrouariou",
        "maart marca mart μαρτίου mawrth března brezna marts maret marso martiou",
        "april kwietnia nisan απριλίου ebrill dubna avr apriliou",
        "mei maj maja may\u0131s mayis μαΐου μαίου května kvetna maiou",
        "czerwca haziran ιουνίου mehefin června cervna jun hunyo iouniou",
        "lipca temmuz ιουλίου gorffennaf července cervence juil julai hulyo iouliou",
        "augustus augusti sierpnia ağustos agustos αυγούστου awst srpna ogos agustus avgoustou",
        "september september września wrzesnia eylül eylul σεπτεμβρίου medi září zari setyembre septemvriou",
        "października pazdziernika ekim οκτωβρίου hydref října rijna oktovriou",
        "november listopada kas\u0131m kasim νοεμβρίου tachwedd listopadu nobyembre noemvriou",
        "december grudnia aral\u0131k aralik δεκεμβρίου rhagfyr prosince déc disember desember disyembre dekemvriou",
    ),
    start=1,
):
    _MONTHS_INTL.update(dict.fromkeys(_names.split(), _number))
_MON_INTL = "(?:" + "|".join(sorted(_MONTHS_INTL, key=len, reverse=True)) + ")"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th|ydd|fed|af|il|ed)?"
_Y4 = r"(?:1[89]\d\d|20\d\d)"
#: A year of four digits, or of two when no ":" and a digit follow (then the two digits are an hour: "17-APR 14:50"
#: is the 17th of April at 14:50, not of 2014; set 13).
_YEAR = rf"(?:{_Y4}|'?\d\d(?!:\d))"
_WEEKDAY = r"(?:(?:Mon|Tue|Tues|Wed|Wednes|Thu|Thur|Thurs|Fri|Sat|Satur|Sun)(?:day)?\.?,?\s+)?"
_TIME = (
    r"(?:(?:\s{0,10},?\s{0,10}(?:at|@)?\s{0,10}|T)(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?"
    r"(?:\s{0,10}[AaPp]\.?[Mm]\.?)?(?:\s{0,10}(?:Z|[+-]\d\d:?\d\d|[ECMP][SD]T))?"
    r"|\s+(?:at\s+)?(?:[01]\d|2[0-3])[0-5]\d\s{0,10}(?:hrs|hours|h)\b)?"
)
# A number followed by a unit is a measurement, not a day ("May 5 mm" never happens, "Mar 3 cm" must not).
_NOT_UNIT = r"(?!\s{0,10}(?:(?:mm|cm|mg|ml|cc|kg|g|mGy|mSv|HU|x|times|weeks|days|months|years|yrs|hours)\b|%))"

_PATTERNS: list[tuple[str, str]] = [
    # 2021-01-05, 2021/01/05, 2021.01.05 (+ time, ISO T); after an underscore too, in a file name
    # ("TB_THX_audio_2024-11-14.m4a")
    (
        "ymd",
        rf"(?<![^\W_]|[.]){_WEEKDAY}(?P<y>{_Y4})(?P<s>[-/.])(?P<m>1[0-2]|0?[1-9])(?P=s)(?P<d>3[01]|[12]\d|0?[1-9])(?!\d){_TIME}",
    ),
    # 01/05/2021, 1-5-21, 01.05.2021 (US order; day-first accepted when the first part is > 12)
    (
        "mdy",
        rf"(?<![\w./-]){_WEEKDAY}(?P<a>\d{{1,2}})(?P<s>[-/.])(?P<b>\d{{1,2}})(?P=s)(?P<y>{_Y4}|\d\d)(?![\d/]){_TIME}",
    ),
    # 12. 3. 1967 (Czech and Slovak write a space after each period) and 7/11-2023 (Danish): day, month, year
    (
        "mdy",
        rf"(?<![\w./-])(?P<a>\d{{1,2}})\.[ \t](?P<b>\d{{1,2}})\.[ \t]?(?P<y>{_Y4})(?![\d.]\d)",
    ),
    ("mdy", rf"(?<![\w./-])(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})-(?P<y>{_Y4})(?![\d/-])"),
    # 6 / 2 / 84: typed with spaces around its slashes (a patient's portal message; set 15), slashes only
    (
        "mdy",
        rf"(?<![\w./-])(?P<a>\d{{1,2}})[ \t](?P<s>/)[ \t](?P<b>\d{{1,2}})[ \t]/[ \t](?P<y>{_Y4}|\d\d)(?![\d/]|[ \t]/)",
    ),
    # 2/3/24-3/11/25: the second date of a range, right after the first's year and a dash
    (
        "mdy",
        rf"(?<=\d\d[-\u2013])(?P<a>\d{{1,2}})(?P<s>[/.])(?P<b>\d{{1,2}})(?P=s)(?P<y>{_Y4}|\d\d)(?![\d/]){_TIME}",
    ),
    # Kowalczyk04/14/2019: a full date glued to the word before it (a lost space or line break); four-digit years
    # only, where a letter before the digits cannot make it anything else
    (
        "mdy",
        rf"(?<=[^\W\d_])(?P<a>\d{{1,2}})(?P<s>[-/.])(?P<b>\d{{1,2}})(?P=s)(?P<y>{_Y4})(?![\d/]){_TIME}",
    ),
    # 20210105 (DICOM DA) and 20210105123000 (DT)
    (
        "compact",
        r"(?<![0-9A-Za-z.])(?P<y>19\d\d|20\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?:[01]\d|2[0-3])?"
        r"(?:[0-5]\d){0,2}(?![0-9A-Za-z])",
    ),
    # 03122025 in a series or file name (t1_mprage_iso_03122025): month and day (or day and month) before a year of
    # this century or the last, no separators, between underscores or at a word's edge
    (
        "mdy",
        r"(?<![0-9A-Za-z.])(?P<a>0[1-9]|1[0-2]|[12]\d|3[01])(?P<b>0[1-9]|[12]\d|3[01])(?P<y>19\d\d|20\d\d)"
        r"(?![0-9A-Za-z])",
    ),
    # 5 Jan 2021, 05-JAN-2021, 5th of January, 2021, 5 January
    (
        "dmy",
        rf"(?<![\w]){_WEEKDAY}(?P<d>{_DAY})(?:\s+of)?[\s-]+(?P<mon>{_MON})(?:,?[\s-]+(?P<y>{_YEAR}))?(?![\w']){_TIME}",
    ),
    # January 5, 2021, Jan 5 2021, Jan-05-2021, January 5th
    (
        "mdy_text",
        rf"(?<![\w]){_WEEKDAY}(?P<mon>{_MON})[\s-]+(?P<d>{_DAY}){_NOT_UNIT}(?:(?:,\s{{0,10}}|[\s-]+)(?P<y>{_YEAR}))?(?!\w){_TIME}",
    ),
    # January 2021, Jan. '21, Jan-2021
    ("my_text", rf"(?<![\w])(?P<mon>{_MON})(?:,?\s+(?:of\s+)?|-)(?P<y>{_Y4}|'\d\d)(?!\w)"),
    # 01/2021, 1-2021
    ("my", rf"(?<![\w./-])(?P<m>0?[1-9]|1[0-2])[/-](?P<y>{_Y4})(?![\d/])"),
    # 16/May/2024 (a web server's access log; set 13)
    ("dmy", rf"(?<![\w/])(?P<d>3[01]|[12]\d|0?[1-9])/(?P<mon>{_MON3})/(?P<y>{_Y4})(?![\d/])"),
    # 04MAR2019, 14mar19 (VistA, RIS and DICOM comments write no separators)
    ("dmy", rf"(?<![\w])(?P<d>3[01]|[12]\d|0?[1-9])(?P<mon>{_MON3})(?P<y>{_Y4}|\d\d)(?!\w){_TIME}"),
    # 4 mars 2019, 12 de marzo de 2019, 3. März 2019: French, Spanish, Portuguese, Italian, German (with a year)
    (
        "dmy_intl",
        rf"(?<![\w])(?P<d>{_DAY})\.?(?:\s+de)?\s+(?P<mon>{_MON_INTL})\.?(?:\s+de)?,?\s+(?P<y>{_Y4})(?!\w){_TIME}",
    ),
    # 2 janvier, 5 de marzo, 3. März, 19 maggio: a day and a month of another language without a year are a date's
    # elements all the same (the English ones are taken above)
    ("dm_intl", rf"(?<![\w])(?P<d>{_DAY})\.?(?:\s+de)?\s+(?P<mon>{_MON_INTL})(?![\w'\u2019-])"),
    # am Dienstag, 12.03., vom 4.11.: a German day and month with their periods and no year, after a word of time
    (
        "dm",
        r"(?i:\b(?:am|vom|bis|seit|ab|zum|Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag|Mo|Di|Mi|Do|Fr"
        r"|Sa|So)\.?,?[ \t]+)(?P<b>3[01]|[12]\d|0?[1-9])\.(?P<a>1[0-2]|0?[1-9])\.(?!\d|\.)",
    ),
    # del 19/10, le 3/12, el 5/6, dal 2/9, em 14/08, op 4/11, den 7/3, dne 2/5: a day and a month (day first, as
    # Europe and Latin America write them) after a preposition of time of another language; never a common fraction
    # ("el 1/3 distal")
    (
        "dm",
        r"(?i:\b(?:le|du|au|depuis|jusqu'au|el|del|desde|hasta|dal|il|em|op|sinds|den|dne|vom|seit|bis)[ \t]+)"
        r"(?!(?:1/[234]|2/3|3/4)(?!\d))"
        r"(?P<b>3[01]|[12]\d|0?[1-9])/(?P<a>1[0-2]|0?[1-9])(?![\d/]|[.,]\d)"
        # (a share of something is no date: "el 3/5 de los casos", "il 2/5 dei pazienti")
        r"(?![ \t]+(?:de|des|del|dei|degli|delle|della|di|do|da|dos|das|van|der|of)\b)",
    ),
    # março/2023, marzo de 2021, Oktober 2019: a month of another language and a year
    ("my_intl", rf"(?<![\w])(?P<mon>{_MON_INTL})(?:/|\s+(?:de\s+)?)(?P<y>{_Y4})(?!\w)"),
    # 2025年3月4日, 2025년 3월 4일, 3月4日 (Chinese, Japanese, Korean), and Japanese era years: 昭和8年11月3日
    (
        "cjk",
        r"(?:(?P<era>明治|大正|昭和|平成|令和)\s?(?P<ey>元|\d{1,2})\s?年\s?|(?<!\d)(?P<y>1[89]\d\d|20\d\d)\s?[年년]\s?)?"
        r"(?<!\d)(?P<m>1[0-2]|0?[1-9])\s?[月월]\s?(?P<d>3[01]|[12]\d|0?[1-9])\s?[日일]",
    ),
    # 4/3 2025 (Scandinavian: day, month, then the year after a space)
    ("dm_y", rf"(?<![\w./-])(?P<b>3[01]|[12]\d|0?[1-9])/(?P<a>1[0-2]|0?[1-9])[ ](?P<y>{_Y4})(?![\w/])"),
    # a day and a month before a clock time, or after a weekday: "(28/08 09:10", "Sat 14/09" (set 14; a fraction or
    # a blood pressure has neither)
    (
        "md_cued",
        # (two digits each before a time: "2/3 10:00" is two doses of three)
        r"(?<![\w./-])(?P<a>3[01]|[12]\d|0[1-9])/(?P<b>3[01]|[12]\d|0[1-9])"
        r"(?=[ \t]+(?:[01]?\d|2[0-3]):[0-5]\d(?!\d))",
    ),
    (
        "md_cued",
        r"(?<![\w])(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)(?:day)?\.?,?[ \t]+"
        r"(?P<a>3[01]|[12]\d|0?[1-9])/(?P<b>3[01]|[12]\d|0?[1-9])(?![\d/])",
    ),
    # 14 Jumada al-Ula 1446, 3rd Ramadan 1445: a Hijri date by its month's name (blind set 18), the whole date goes
    (
        "hijri",
        r"(?<![\w])(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:Muharram|Safar"
        r"|Rabi['\u2019]?\s?(?:al|ul)[- ]?(?:Awwal|Thani|Akhir)"
        r"|Jumada\s?(?:al|ul)[- ]?(?:Ula|Awwal|Ukhra|Thani|Akhirah|Akhira)"
        r"|Rajab|Sha['\u2019]?ban|Rama[dz]h?an|Shawwal"
        r"|Dhu\s?(?:al|ul|'l)[- ]?(?:Qi['\u2019]?dah|Qa['\u2019]?dah|Hijjah))"
        r"(?:,?\s+1[34]\d\d(?:\s?(?:H|AH|هـ))?)?(?![\w])",
    ),
    # 04/09/1446 H: a Hijri date (its year is no Gregorian year: the whole date goes)
    ("hijri", r"(?<![\w./-])(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-]1[34]\d\d\s?(?:H|AH|هـ)(?![\w])"),
    # born 1924, b. 1931, DOB: 1930, year of birth 1929: a birth year alone (it goes when it tells an age over 89)
    (
        "y_birth",
        rf"(?i:\b(?:born(?:\s+in)?|b\.|DOB|D\.O\.B\.?|birth\s+year|year\s+of\s+birth|YOB)\s{{0,10}}:?\s{{0,10}})"
        rf"(?P<y>{_Y4})(?![\w/.-])",
    ),
    # Thanksgiving 2023, Christmas Eve 2019, Halloween 2022: a holiday is a day of its year
    (
        "holiday",
        r"(?<![\w])(?:Thanksgiving|Christmas(?:\s+(?:Eve|Day))?|Xmas|Halloween|Easter(?:\s+Sunday)?|New\s+Year'?s"
        r"(?:\s+(?:Eve|Day))?|Independence\s+Day|Fourth\s+of\s+July|July\s+4th|Memorial\s+Day|Labor\s+Day"
        r"|Veterans\s+Day|Valentine'?s\s+Day|Mother'?s\s+Day|Father'?s\s+Day|Hanukkah|Passover|Yom\s+Kippur"
        r"|Rosh\s+Hashanah|Diwali|Eid(?:\s+al-(?:Fitr|Adha))?|Lunar\s+New\s+Year|Super\s+Bowl\s+Sunday)"
        rf"(?:\s+of)?,?\s+(?P<y>{_Y4})(?![\w/-]|\.\d)",
    ),
    # Valentine's Day, Christmas Eve, Thanksgiving, Three Kings' Day without a year: the day of a year, a date's
    # element all the same ("worse since Thanksgiving", "fell on New Year's Eve")
    (
        "holiday",
        r"(?<![\w])(?P<y>)(?:Thanksgiving|Christmas(?:\s+(?:Eve|Day))?|Xmas|Halloween|Easter(?:\s+Sunday)?"
        r"|New\s+Year'?s\s+(?:Eve|Day)|Independence\s+Day|Fourth\s+of\s+July|Memorial\s+Day|Labor\s+Day"
        r"|Veterans\s+Day|Valentine'?s\s+Day|Mother'?s\s+Day|Father'?s\s+Day|St\.?\s+Patrick'?s\s+Day"
        r"|St\.?\s+Stephen'?s\s+Day|Boxing\s+Day|Three\s+Kings'?\s+Day|Good\s+Friday|Yom\s+Kippur|Rosh\s+Hashanah"
        r"|Hanukkah|Passover|Diwali|Lunar\s+New\s+Year|Super\s+Bowl\s+Sunday)(?![\w'])",
    ),
    # 01/05 (no year): only with a leading zero or a date cue, otherwise it is a fraction or a ratio
    ("md", r"(?<![\w./-])(?P<a>0[1-9]|1[0-2])/(?P<b>0[1-9]|[12]\d|3[01])(?![\d/]|\.\d)"),
    (
        "md_cue",
        r"(?i:\b(?:on|dated?|since|from|until|through|thru|of|seen|DOS|performed|obtained|exam|admitted|discharged"
        r"|transferred|due|rescheduled)\s{0,10}:?\s+)"
        r"(?P<a>1[0-2]|0?[1-9])/(?P<b>3[01]|[12]\d|0?[1-9])(?![\d/]|\.\d)",
    ),
    (
        "md_cue",
        # what a coordinator's or a monitor's note did on a day ("acquired 3/25", "stamped it 3/26", "called back
        # 12/2", "corrected 6/19", "consented 4/16", "note 9/4", "before 3/1", "confirmed by phone 12/4"; not "by":
        # "improved by 5/10"), never a common fraction ("after 1/2 of the dose")
        r"(?i:\b(?:acquired|stamped(?:\s+it)?|called(?:\s+back)?|corrected|consented|confirmed(?:\s+by\s+phone)?"
        r"|signed|faxed|mailed|shipped|received|scanned|uploaded|resent|re-sent|randomi[sz]ed|enrolled|screened|note"
        r"|before|after|expires?|expired)\s{0,10}:?\s+)"
        r"(?!(?:1/[234]|2/3|3/4)(?!\d))"
        r"(?P<a>1[0-2]|0?[1-9])/(?P<b>3[01]|[12]\d|0?[1-9])(?![\d/]|\.\d)",
    ),
    # 3/5 AM, 3/10 at 2:15 PM: a month and day before a time of day (a med rec's last dose, an appointment); not a
    # common fraction ("take 1/2 at 8 PM", "3/4 at noon")
    (
        "md",
        r"(?<![\w./-])(?!(?:1/[234]|2/3|3/4)(?!\d))(?P<a>1[0-2]|0?[1-9])/(?P<b>3[01]|[12]\d|0?[1-9])(?![\d/]|\.\d)"
        r"(?=[ \t]{0,3}(?:(?:at|@)[ \t]{0,3})?(?:\d{1,2}(?::\d\d)?[ \t]?)?(?i:[ap]\.?m\.?)(?![\w])"
        r"|[ \t]{0,3}(?:at|@)[ \t]{0,3}\d{1,2}:\d\d"
        # or a time on the 24-hour clock, as a diary or a log writes it ("4/2 11:30 dizzy hauling traps")
        r"|[ \t]{1,3}(?:[01]?\d|2[0-3]):[0-5]\d(?![\d:/]))",
    ),
    # 3/19, 7/15, 9/23 alone: a month and a day past the 12th is no common fraction, no pain score (x/10) and no
    # strength (x/5); it is a count only before what was counted or after a fraction's or a cycle's word, which
    # find_dates checks ("2/16 lymph nodes", "Fx 5/15"; blind set 11's "hypoxia 9/19", "Fractions: 7/15, 7/17")
    ("md_bare", r"(?<![\w./:-])(?P<a>1[0-2]|0?[1-9])/(?P<b>1[3-9]|2\d|3[01])(?![\w/]|\.\d)"),
    # 02/25-03/01: a range of two months and days, each written with two digits
    (
        "md",
        r"(?<![\w./-])(?P<a>0[1-9]|1[0-2])/(?P<b>0[1-9]|[12]\d|3[01])[ \t]?[-\u2013][ \t]?(?:0[1-9]|1[0-2])/"
        r"(?:0[1-9]|[12]\d|3[01])(?![\d/]|\.\d)",
    ),
    # "the 3/19 agenda": a month and day before a meeting
    (
        "md",
        r"(?<![\w./-])(?P<a>1[0-2]|0?[1-9])/(?P<b>3[01]|[12]\d|0?[1-9])(?![\d/]|\.\d)"
        r"(?=[ \t]{1,3}(?i:agenda|meeting|conference|tumou?r\s+board|board|clinic|visit|appointment|appt|call)\b)",
    ),
    # Friday 2/28: a weekday before the month and day
    (
        "md_cue",
        r"(?i:\b(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)"
        r"(?P<a>1[0-2]|0?[1-9])/(?P<b>3[01]|[12]\d|0?[1-9])(?![\d/]|\.\d)",
    ),
    # Chest CT 2/26:, EBUS 2/27 (path ...), biopsy 3/3; an exam before the month and day, then a colon, a bracket,
    # a comma or the end of the line ("CT 1/2 of the lesions" is a fraction)
    (
        "md_cue",
        r"(?i:\b(?:CT|CTA|MRI|MRA|MR|PET|PET-CT|US|CXR|XR|EBUS|biopsy|bx|ultrasound|radiographs?|mammograms?|echo|scan"
        r"|surgery|procedure|[a-z]+scopy|[a-z]+ectomy|EGD|TEE|TTE|ERCP|admitted|discharged|admission|discharge|visit"
        r"|appointment|appt|f/u|follow-up)\.?,?\s+)"
        r"(?P<a>1[0-2]|0?[1-9])/(?P<b>3[01]|[12]\d|0?[1-9])(?![\d/]|\.\d)(?=[ \t]{0,3}(?:[:,;)(]|\.(?!\d)|$))",
    ),
    # "since October", "falls in January", "turned 100 in August", "mid-December", "end of March": a month alone is
    # a date's element too (Safe Harbor keeps only the year). Only a capitalised month after a preposition or a
    # word of time, never one before a day or a year (the patterns above take those), a capitalised word (a name:
    # "by June Carter") or an apostrophe ("in May's clinic")
    (
        "m_cue",
        r"(?i:\b(?:in|since|until|till|during|through|thru|last|next|this|early|late|mid|from|before|after|around"
        r"|(?:end|beginning|start|middle|(?:first|last|second|third)\s+week|week|month)\s+of)(?:[ \t]+|-))"
        r"(?:(?i:early|late|mid)(?:[ \t]+|-))?"
        r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December|Sept)"
        r"(?![\w'\u2019-]|[ \t]*,?[ \t]*\d|[ \t]+(?:of[ \t]+)?\d|[ \t]+[A-Z][a-z])",
    ),
    # "on the 4th", "see her on the 11th": a day of the month alone after a preposition of time (not "on the 4th
    # rib", "the 5th digit", "on the 2nd attempt")
    (
        "d_cue",
        r"(?i:\b(?:on|since|until|till|til|by|before|after|from|through|(?:mon|tues|wednes|thurs|fri|satur|sun)day)"
        r",?\s+the\s+)"
        r"(?P<b>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)\b(?!\s{0,3}(?:of\b|[-/]|\w+(?:al|ar|ic|ive|ed|ing)\b|rib|ribs|ventricle"
        # ("on the 4th and 5th ribs": a pair of ordinals before a noun)
        r"|(?:and|or|to)\s+\d{1,2}(?:st|nd|rd|th)\s+[a-z]"
        r"|finger|toe|digit|metatarsal|metacarpal|percentile|decade|degree|grade|day|week|month|year|attempt|time|floor"
        r"|nerve|vertebra|compartment|web|space|segment|branch|layer|trimester|generation|cycle|dose|session|visit"
        r"|line|interspace|level|order|percent|position|centile|toe|finger|metacarpal|pass|try|fraction|sitting))",
    ),
    # "can we move it to the 26th or 27th?": after "to the" only where nothing follows the day but a stop, "or",
    # "and" or "at", and the second day of such a pair (set 15)
    (
        "d_cue",
        r"(?i:\bto\s+the\s+)(?P<b>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)\b"
        r"(?=[ \t]*(?:[.,;:!?)]|$)|[ \t]+(?:or|and|at)\b)",
    ),
    (
        "d_cue",
        r"(?i:\b(?:on|until|till|til|by|to)\s+the\s+(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)[ \t]+(?:or|and)"
        r"[ \t]+(?:the[ \t]+)?)(?P<b>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)\b(?=[ \t]*(?:[.,;:!?)]|$))",
    ),
]

DATE_RE = [
    (kind, re.compile(p, re.IGNORECASE if kind not in ("md_cue", "d_cue", "m_cue", "md_bare") else 0))
    for kind, p in _PATTERNS
]


#: Safe Harbor removes ages over 89 and "all elements of dates (including year) indicative of such age".
OLDEST_AGE_KEPT = 89


def year_may_stay(year: int | None, today: dt.date | None = None) -> bool:
    """Whether a date's year may be kept under Safe Harbor.

    A year 90 or more years back could be the birth year of someone over 89 (a date of birth is the common case
    in reports, HL7 PID-7 and outcome tables), so it goes with the rest of the date. Judged against today, not
    the document's date: the patient is older now than when the report was written.
    """
    if year is None:
        return False
    return year > (today or dt.date.today()).year - (OLDEST_AGE_KEPT + 1)


@dataclass(frozen=True)
class DateMatch:
    """A date found in text: offsets of the whole match and its parsed parts (``None`` when absent)."""

    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None


def _year(text: str | None) -> int | None:
    if not text:
        return None
    text = text.lstrip("'")
    value = int(text)
    if len(text) == 2:
        pivot = dt.date.today().year % 100 + 1
        value += 2000 if value <= pivot else 1900
    return value


def _month(text: str) -> int:
    return _MONTHS[text.lower().rstrip(".")[:3]]


def valid_date(year: int | None, month: int | None, day: int | None) -> bool:
    """Whether the parts that are given make a date (a 29th of February in any year does)."""
    if month is not None and not 1 <= month <= 12:
        return False
    if day is not None and month is not None:
        try:
            # (a 29th of February in any year: a birth date typed wrong is a date all the same, "DOB 02/29/1946")
            dt.date(year if year and (month, day) != (2, 29) else 2000, month, day)
        except ValueError:
            return False
    return True


_ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}


def _era_year(era: str, year: str) -> int:
    """The Gregorian year of a Japanese era year (元年 is its first)."""
    return _ERAS[era] + (1 if year == "元" else int(year)) - 1


def _day(text: str) -> int:
    return int(re.sub(r"\D", "", text))


#: What a count "k/n" counts, after it ("2/16 lymph nodes", "3/14 cores positive", "1/20 hpf", "4/15 (27%)").
_COUNTED_AFTER = re.compile(
    r"[ \t]*(?:\([ \t]*\d+(?:\.\d+)?[ \t]*%|%|of\b|x\b"
    r"|(?i:lymph|nodes?|lns?|cores?|positive|pos|negative|neg|involved|fields?|hpf|slides?"
    r"|blocks?|fractions?|fx|patients?|pts|cases?|sections?|biops(?:y|ies)|specimens?|samples?|cells?|sites?|segments?"
    r"|levels?|examined|lesions?|mitos[ie]s|margins?|stations?|times|doses?|cycles?|days?|weeks?|months?|points?"
    r"|items?|criteria|answered|correct|responders?|score)\b)"
)
#: What a fraction's or a count's number follows, before it ("Fx 5/15", "cycle 2/14", "Gleason score 3/15").
_COUNTED_BEFORE = re.compile(
    r"(?i:\b(?:fx|fractions?|cycles?|c|weeks?|wk|days?|doses?|sessions?|visits?|scores?|grade|ratio|count|nodes?"
    r"|cores?|of|total|mitoses|mitotic|ki-?67|no\.?|#)[ \t]*)$"
)


def _counted(text: str, start: int, end: int) -> bool:
    """Whether a bare "k/n" at ``start:end`` counts something (:data:`_COUNTED_AFTER`, :data:`_COUNTED_BEFORE`)."""
    return bool(_COUNTED_AFTER.match(text, end) or _COUNTED_BEFORE.search(text[max(0, start - 16) : start]))


#: A score or a scale right before a number over a number ("pain 10/10", "GCS 14/15", "power 4/5").
_SCORE_BEFORE = re.compile(
    r"(?i)\b(?:pain|score[sd]?|scale|gcs|power|strength|mmse|moca|apgar|vas|nrs|ratio|grade|dose[sd]?|of)\W{0,3}$"
)


def find_dates(text: str) -> Iterator[DateMatch]:
    """Yield every date-like match in ``text`` (overlaps allowed; the caller merges them).

    Parameters
    ----------
    text
        Report text.

    Yields
    ------
    DateMatch
        Offsets of the date (with an adjacent weekday and time of day) and its parsed year, month and day.
    """
    for kind, regex in DATE_RE:
        for m in regex.finditer(text):
            g = m.groupdict()
            year: int | None
            month: int | None
            day: int | None
            if kind in ("ymd", "compact"):
                year, month, day = int(g["y"]), int(g["m"]), int(g["d"])
            elif kind == "mdy":
                a, b = int(g["a"]), int(g["b"])
                year = _year(g["y"])
                month, day = (a, b) if a <= 12 else (b, a)
                if not 1 <= month <= 12:
                    continue
            elif kind in ("dmy", "mdy_text"):
                # "May" and "March" are also words: need a capitalised month or a year next to them.
                mon = g["mon"]
                if mon.rstrip(".").lower() in ("may", "march", "mar") and not (g.get("y") or mon[0].isupper()):
                    continue
                year, month, day = _year(g.get("y")), _month(mon), _day(g["d"])
            elif kind == "dmy_intl":
                year, month, day = _year(g["y"]), _MONTHS_INTL[g["mon"].lower()], _day(g["d"])
            elif kind == "dm_intl":
                year, month, day = None, _MONTHS_INTL[g["mon"].lower()], _day(g["d"])
            elif kind == "dm":
                year, month, day = None, int(g["a"]), int(g["b"])
            elif kind == "my_intl":
                year, month, day = _year(g["y"]), _MONTHS_INTL[g["mon"].lower()], None
            elif kind == "cjk":
                year = _era_year(g["era"], g["ey"]) if g["era"] else (int(g["y"]) if g["y"] else None)
                month, day = int(g["m"]), int(g["d"])
            elif kind == "hijri":
                year, month, day = None, None, None
            elif kind == "holiday":
                year, month, day = (int(g["y"]) if g["y"] else None), None, None
            elif kind == "y_birth":
                year, month, day = int(g["y"]), None, None
            elif kind == "my_text":
                mon = g["mon"]
                if mon.rstrip(".").lower() == "may" and not mon[0].isupper():
                    continue
                year, month, day = _year(g["y"]), _month(mon), None
            elif kind == "my":
                year, month, day = int(g["y"]), int(g["m"]), None
            elif kind == "dm_y":
                year, month, day = int(g["y"]), int(g["a"]), int(g["b"])
            elif kind == "md_cued":
                a, b = int(g["a"]), int(g["b"])
                if (a > 12 and b > 12) or _SCORE_BEFORE.search(text, max(0, m.start() - 16), m.start()):
                    continue  # "Pain 10/10 12:00", "score 12/15 10:30": a score, not a date
                year, (month, day) = None, ((a, b) if a <= 12 else (b, a))
            elif kind == "d_cue":
                year, month, day = None, None, int(g["b"])
            elif kind == "m_cue":
                year, month, day = None, _month(g["mon"]), None
            elif kind == "md_bare":
                if _counted(text, m.start(), m.end()):
                    continue
                year, month, day = None, int(g["a"]), int(g["b"])
            else:  # md, md_cue
                year, month, day = None, int(g["a"]), int(g["b"])
            if not valid_date(year, month, day):
                continue
            group = {"md_cue": "a", "d_cue": "b", "m_cue": "mon", "dm": "b"}.get(kind)
            start = m.start(group) if group else m.start()
            yield DateMatch(start, m.end(), year, month, day)


def shift(match: DateMatch, days: int) -> str | None:
    """Return the shifted date as ISO text (``YYYY-MM-DD`` or ``YYYY-MM``), or ``None`` without a year."""
    if match.year is None or match.month is None:
        return None
    if match.day is None:
        shifted = dt.date(match.year, match.month, 15) + dt.timedelta(days=days)
        return f"{shifted.year:04d}-{shifted.month:02d}"
    shifted = dt.date(match.year, match.month, match.day) + dt.timedelta(days=days)
    return shifted.isoformat()

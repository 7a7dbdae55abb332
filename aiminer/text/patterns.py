"""Pattern detectors for the non-name Safe Harbor identifiers in free text.

Each detector yields :class:`Candidate` spans. Patterns are anchored on what makes a value an identifier:
its shape (emails, URLs, IPs, SSNs, phone numbers, street addresses), a cue before it ("MRN:", "Acc#",
"Serial No."), or its place ("City, ST 12345"). Medicine that looks like numbers (measurements, vertebral
levels, sequences, BI-RADS, CPT codes, doses) is left alone by construction: no rule matches a bare number
of fewer than seven digits without a cue.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from aiminer.text.alternation import by_first_letter
from aiminer.text.dates import find_dates, valid_date
from aiminer.text.lexicon import REPORT_ABBREVIATIONS, lexicon

if TYPE_CHECKING:
    from collections.abc import Iterator

# Priorities when candidates overlap: the merged span takes the category of its strongest member.
P_CONTEXT = 100
P_STRUCTURED = 80
P_CUED_ID = 75
P_DATE = 70
P_PHONE = 60
P_ADDRESS = 55
P_NAME_CUED = 52
P_INSTITUTION = 50
P_NAME = 45
P_CITY = 40
P_GENERIC_ID = 20


@dataclass(frozen=True)
class Candidate:
    """A span that a detector believes is PHI (offsets into the original text)."""

    start: int
    end: int
    category: str
    priority: int
    source: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    role: str = "other"


# An address, or what is left of one: a local part glued to "@" and more (a damaged domain still names the person).
EMAIL_RE = re.compile(
    r"(?<![^\s<>()\[\]{},;:\"'])[^\s@<>()\[\]{},;:\"']+@"
    r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b|[^\s\])}>,;]*)"
)
# An address written to dodge a filter: "dh58[at]quillmail[dot]net", "jane (at) gmail (dot) com".
OBFUSCATED_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}[ \t]?[\[(<{][ \t]?(?i:at)[ \t]?[\])>}][ \t]?[\w-]{1,63}"
    r"(?:[ \t]?(?:[\[(<{][ \t]?(?i:dot)[ \t]?[\])>}]|\.)[ \t]?[\w-]{1,63}){1,4}"
)
URL_RE = re.compile(
    # (and a storage bucket's or a share's address: "s3://mcl-qz-7/gv/031-GV-0019-PL/", "gs://", "smb://")
    r"\b(?:https?|ftp|sftp|ftps|s3|gs|az|abfss?|wasbs?|smb|nfs|dicomweb|dimse)://[^\s<>\"'\]]+|\bwww\.[^\s<>\"'\]]+"
    r"|(?<![\w.@-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|org|net|edu|gov|io|us|info|health|biz|mil)\b"
    r"(?:/[^\s<>\"'\]]*)?",
    re.IGNORECASE,
)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# (one more dotted number may follow: "workstation 128.249.108.106.5 mm" lost its space; two or more make a UID)
IPV4_RE = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?::\d{{1,5}})?(?!\w|\.\d+\.\d|\.\d+[A-Za-z_])")
IPV6_RE = re.compile(
    r"(?<![\w:])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:?){0,6}"
    r"[0-9A-Fa-f]{0,4}|::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4})(?![\w:])"
)
MAC_RE = re.compile(r"(?<![\w:-])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![\w:-])")
# Not inside a number; after a letter only in the hyphenated form ("SSN388-27-2553", a cue glued to it).
SSN_RE = re.compile(
    r"(?<![\d-])(?:(?<![^\W\d_])|(?=\d{3}-\d{2}-))(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\w-])"
    # masked, the last four digits shown ("XXX-XX-4471", "***-**-4471"): those four are part of the number
    r"|(?<![\w*#-])(?:[Xx]{3}|\*{3}|#{3})([- ]?)(?:[Xx]{2}|\*{2}|#{2})\2\d{4}(?![\w-])"
    r"|(?i:\b(?:SSN|social\s+security(?:\s+(?:number|no\.?|#))?)\s{0,10}(?:ending|last\s+(?:4|four))\s{0,10}(?:in|:)?\s{0,10})"
    r"\d{4}(?!\d)"
)
_PHONE_BODY = r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s{0,10}|\d{3}[\s./-])\d{3}[\s.-]\d{4}"  # "608/555-0166" too
_EXT = r"(?:\s{0,10}(?i:x|ext\.?|extension|poste|p\.|durchwahl|DW)\s{0,10}\d{1,6})?"
PHONE_RE = re.compile(
    # (not a run of numbers: "980 720 1050 1100 ml"; precision red team 23)
    rf"(?<![\w+-]){_PHONE_BODY}{_EXT}(?![\w-]|[ \t]\d)"
    rf"|(?<![\w+-])\+\d{{1,3}}(?:[\s.-]?\(?\d{{1,4}}\)?){{2,5}}[\s.-]?\d{{3,4}}(?!\w)"
    # national numbers outside North America: a trunk 0, then 9-10 digits in groups ("0113 496 0872", "0412 555 318",
    # "(02) 9876 5432", "07700 900461")
    r"|(?<![\w+./-])(?:\(0\d{1,4}\)|0\d{1,4})[ -]?\d{3,4}[ -]?\d{3,4}(?![\w-]|[./]\d)"
    # "(555) 804-5663" glued after a letter (a lost space, "Leopold C(555)..."): the parenthesis is its own bound
    rf"|(?<![\d+-])\(\d{{3}}\)\s{{0,10}}\d{{3}}[\s.-]\d{{4}}{_EXT}(?![\w-])"
)
# A local number without its area code ("call ... at 555-0101"): not a range of a dose or a count ("250-1000 mg",
# "from 100-1500"), not inside a longer number or an identifier.
#: A number in international form, a plus, the country's code and groups of any rhythm ("+45 38 68 38 68",
#: "+33 1 42 34 56 78", "+46 8 616 10 00"; blind set 17): 8 to 15 digits in all, every group taken.
INTL_PHONE_RE = re.compile(r"(?<![\w+-])\+\d{1,3}(?:[ .-]?(?:\(\d{1,5}\)|\d{1,5})){2,7}(?![\w]|[ .-]?\d)")
#: A Brazilian number, its two-digit area code in brackets ("(11) 3069-6000", "(31) 99123-4567"; blind set 17).
BRAZIL_PHONE_RE = re.compile(r"(?<![\w(])\(\d{2}\)[ ]?\d{4,5}-\d{4}(?![\w-])")
#: A French, Belgian or Swiss number in pairs ("06 82 45 58 86", "01.42.68.53.00"; red team 19).
PAIRED_PHONE_RE = re.compile(
    r"(?<![\w+./-])(?:0[1-9](?:[ .]\d{2}){4}"
    # or a Spanish one, nine digits in 3-2-2-2 or 2-3-2-2 ("612 34 56 78", "91 234 56 78"; blind set 17)
    r"|[6-9]\d{2}(?:[ ]\d{2}){3}|[89]\d[ ]\d{3}(?:[ ]\d{2}){2}"
    # or a Turkish one, a trunk 0 and three digits, then 3-2-2 ("0505 331 72 19", "(0312) 418 55 67"; blind set 17)
    r"|(?:\(0\d{3}\)|0\d{3})[ ]\d{3}[ ]\d{2}[ ]\d{2})"
    # (a sentence's full stop may end it: "rendez-vous : 01 43 55 20 18.")
    r"(?![\w/-]|[ .]\d|\.[\w/-])"
)
#: A place's coordinates, latitude and longitude in decimal degrees ("44.8856,-84.5943"; red team 19): a geocode,
#: smaller than a state. With a minus sign or a cue, so a pair of spacings ("0.6641,0.6641") stays.
COORDINATES_RE = re.compile(
    r"(?<![\w.-])(?P<lat>-?\d{1,2}\.\d{3,7})°?[ \t]?[NS]?,[ \t]?(?P<lon>-?\d{1,3}\.\d{3,7})°?[ \t]?[EW]?(?![\w.])"
)
_POSITION_CUE = re.compile(r"(?i)\b(?:position|orientation|spacing|offset|origin|centroid|center|centre|mm|shift)\b")
_COORDINATES_CUE = re.compile(r"(?i)\b(?:lat|lon|long|latitude|longitude|coord|coordinates|gps|geo\w*|location)\b")
#: A ten-digit number written in three or four spaced groups of another rhythm than the usual 3-3-4 ("210 555 01 86",
#: "918 5550 174": patients' messages; set 15): counted as a phone when it has ten digits in all.
SPACED_PHONE_RE = re.compile(r"(?<![\w.+/-])[2-9]\d{2}(?:[ ]\d{2,4}){2,3}(?![\w./-]|[ ]\d)")
LOCAL_PHONE_RE = re.compile(
    r"(?<![\w+./-])(?<!from )(?<!between )(?<!range )[2-9]\d{2}-\d{4}(?![\w-]|[./]\d)"
    r"(?!\s{0,3}(?:mg|mcg|ml|mL|cc|mm|cm|units?|HU|mGy|mSv|cGy|Gy|kV|mAs|%|patients|cases|times))"
)
PHONE_CUE_RE = re.compile(
    r"(?i:\b(?:phone|ph|tel|telephone|cell|mobile|mob|pager|pgr|page|paged|bleep|beeper|fax|facsimile"
    # other languages' ("Fone", "Tel. kom.", "GSM", "Tél.", "Telefon", "Handy", "Móvil", "Celular", "WhatsApp", "HP")
    r"|fone|telefone|telefon|telefono|teléfono|tél|tel\.?\s{0,3}kom|kom|gsm|handy|móvil|movil|celular|cel|whatsapp"
    # Portuguese and Italian mobiles, and the UTF-8 of "telemóvel" read as Latin-1 ("telemÃ³vel"; red team 13)
    r"|telem[óo]vel|telemÃ³vel|cellulare|portable|portátil|poste"
    r"|hp|κινητό|τηλ|τηλέφωνο"
    # Scandinavian, Swiss, Italian, Spanish, Turkish and German words for a phone, a switchboard and a pager, and
    # the Greek ones in Latin letters ("tlf.", "Natel", "sentralbord", "växel", "centralino", "faks", "Piepser",
    # "kinito", "til.:"; blind set 17)
    r"|tlf|natel|sentralbord(?:et)?|v[äa]xel|centralino|centralita|switchboard|faks|piepser|kinito|kinhto"
    # where to call ("Enquiries: 6321 4401", "Hotline", "Helpline", "Landline"; blind set 18)
    r"|enquir(?:y|ies)|inquir(?:y|ies)|hotline|helpline|landline"
    r"|til(?=\.\s{0,3}:)"
    r"|call(?:ed)?(?:\s+(?:at|on))?|contact(?:ed)?\s+at|reach(?:ed)?\s+at|ext|extension)\b\.?"
    # (a line's own kind of number after the word: "Tel. privat:", "tél. domicile :")
    r"(?:\s{1,3}(?:privat|priv|dienstlich|geschäftlich|mobil|domicile|fixe|casa|home|work|cell)\b\.?)?"
    r"\s{0,10}(?:no\.?|number|#)?"
    r"\s{0,10}[:#]?\s{0,10})"
    # a bracket around a group only when it opens and closes there ("(pager 4471)" keeps its own closing bracket)
    r"(?P<num>(?:\(\d{1,4}\)|\d{1,4})(?:[ .-]{0,2}(?:\(\d{2,4}\)|\d{2,4})){0,4})(?![\w])"
    r"|(?<![\w])x(?P<ext>\d{3,5}|\d{1,2}-\d{4})(?!\w)"
)
FAX_CUE_RE = re.compile(r"(?i:\b(?:fax|facsimile|f)\b\s{0,10}(?:no\.?|number|#)?\s{0,10}[:.#]?\s{0,10}$)")

_ID = (
    # a local prefix of up to three letter groups ("QMH-CT-24-22871", "RDU/USS/2024/3318", "KH.1000234567")
    # (one capital before a spaced number: an alien number, "A 219 774 031")
    r"(?P<id>(?:(?-i:[A-ZΑ-Ω]{2,6}) (?=\d)|(?-i:[A-Z]) (?=\d{2,3} ?\d{3})"
    r"|(?:[A-Za-z]{1,6}[-/.](?=[A-Za-z0-9])){1,3}[A-Za-z]{0,6}|[A-Za-z]{1,6}[-#]?)?"
    r"\d[\dA-Za-z]*(?:[-/.]\d[\dA-Za-z]*|[-/][A-Za-z]+\d[\dA-Za-z]*|[-/][A-Za-z]{1,6}[-/]\d[\dA-Za-z]*)*"
    r"(?: \d{2,}(?!\d|\.\d))*(?:-[A-Z]{1,3}(?![\w-])|/[A-Z]{2,4}(?![\w/-]))?)"
)
_ID_ALPHA = r"(?P<id>[A-Z0-9][A-Z0-9-]{3,24}[A-Z0-9])"
_NUM = r"(?:number|num|no|nbr|nr|id|#|code|n\.?[º°](?!\w)|n(?=\.))\.?"
_CUES: dict[str, str] = {
    "MRN": (
        r"MRN|MR\s{0,10}#|MR\s{0,10}no|MR\s{0,10}number|Medical\s+Record(?:\s+Number)?|Med\.?\s{0,10}Rec(?:ord)?|Patient\s+ID|Pt\.?\s{0,10}ID"
        r"|PID|Unit\s+(?:No|Number)|Hospital\s+(?:No|Number|#)|Chart(?:\s+(?:No|Number|#))|E?MPI|CMRN|Patient\s+Number"
        # a South African hospital's folder, and the registration numbers of South Asian hospitals ("Folder: 231877",
        # "UHID", "CR No", "OP No"; blind set 18)
        r"|Folder|CR(?=\s{0,3}(?:No|Number|#))|OPD?(?=\s{0,3}(?:No|Number|#))|IPD?(?=\s{0,3}(?:No|Number|#))"
        # the record's own name elsewhere ("cartella clinica n. 2023/018844", "historia clínica", "prontuário",
        # "nr księgi głównej", "Patientennummer", "journalnummer"; blind set 17)
        r"|cartella\s+clinica|nosologico|historia\s+cl[íi]nica|prontu[áa]rio|ksi[ęe]g[iaęi]\s+g[łl][óo]wnej"
        r"|historii\s+choroby|pati[ëe]nt(?:en)?nummer|journal(?:nummer|nr)"
    ),
    "ACCESSION": (
        r"Acc(?:ession)?|ACC|Accn|Exam\s{0,10}(?:#|No|Number|ID)|Order\s{0,10}(?:#|No|Number|ID)|Requisition|Req|Study\s+ID"
        r"|RIS|Case|Surgical\s+Pathology|Path(?:ology)?\s+(?:No|Number|#|Case)|Specimen"
        # departments' own numbers ("Study no.: TASMC-CTC-25-01188", "Scan No: RDU/USS/2024/3318", "Radis No.",
        # "X-ray No.", "Event: 24CT9931205", "Onderzoeksnummer")
        r"|Study\s+(?:No|Nr|Number|#|Ref)|Scan\s+(?:No|Nr|Number|#|Ref|ID)|X-?ray\s+(?:No|Number|#)|Radis|Event"
        r"|Exam\s+Ref|Film\s+(?:No|Number|#)|Onderzoeksnummer|Untersuchungsnummer"
    ),
    "ACCOUNT": r"Account|Acct|Encounter|Enc|FIN|CSN|HAR|Visit|Billing|Financial|Invoice|Claim|Episode|Fall-?Nr",
    "HEALTH_PLAN": (
        r"Member(?:\s+ID)?|Policy|Subscriber(?:\s+ID)?|Insurance(?:\s+ID)?|Medicare|Medicaid|MBI|HICN|Beneficiary"
        # (a plan with its number's word: "PLAN: SBRT 54 Gy" is a treatment's)
        r"|Group|Plan\s+(?:ID|#|No\.?|Number|Code)|Health\s+Plan|Insured\s+ID|Payer\s+ID"
        # health card and national health numbers elsewhere: Ontario, Quebec, BC and other provinces, the NHS,
        # Scotland's CHI, Australia's IHI, Alberta's ULI
        r"|OHIP|RAMQ|PHN|HCN|MSP|ULI|IHI|CHI|NHS(?:\s+(?:No|Number))?|Health\s+(?:Card|Insurance)(?:\s+(?:No|Number))?"
        r"|Care\s*card|Carte\s+d'assurance\s+maladie|NAM"
        # an Argentine plan's member number, Brazil's national health card ("Nº de afiliado", "CNS 898 0012 3456 7890")
        r"|(?:n[º°o]\.?\s+de\s+)?afiliad[oa]|Cart[ãa]o\s+(?:Nacional\s+de\s+Sa[úu]de|SUS)"
        r"|(?-i:CNS)(?=\s{0,3}[:#]?\s{0,3}\d{3}\s?\d{4}\s?\d{4}\s?\d{4}(?!\d))"
    ),
    "LICENSE": (
        r"License|Licence|Lic|Driver'?s?\s+License|DL|DEA|NPI|Certificate|Cert|Registration|Plate|License\s+Plate"
        r"|Tag|VIN|Vehicle(?:\s+ID)?|Passport|Permit"
        # practitioners' registrations ("CPSO 88123", "IMC 402117", "KMC Reg No. 68214", "provider no. 2441877A")
        r"|CPSO|IMC|GMC|KMC|AHPRA|NMC|HCPC|MCRN|Reg(?:istration)?|Provider|Prescriber"
        # medical councils and registers of other countries, in capitals only ("CRM-RJ 52.48711-3", "MN 112.347",
        # "PMDC # 41235-P", "INAMI 1-23456-78-910", "MCNZ 45123", "CPSBC 38817", "MCR 12345A", "NPWZ 2234567")
        # (MN and MP, also US state codes, only before the Argentine "112.347")
        # (not the acronyms that are also drugs or tests: DHA, MMC, CMP, PRC...)
        # (MCI, India's council, in capitals: "24.1 mCi Tc-99m" is an activity; blind set 16)
        r"|(?-i:MCI|CRM(?:-[A-Z]{2})?|M[NP](?=\s{0,3}\d{1,3}\.\d{3}(?!\d))|PMDC|INAMI|RIZIV|MCNZ|MCR|CPS[A-Z]{1,3}|MDCN"
        r"|KMPDC|SCFHS|HAAD|NPWZ|BIG|HPCSA|TNMC|HKMC|RCPSC|CRMV"
        # Brazil's specialist register, Argentina's national and provincial registrations and Colombia's medical
        # register with their periods ("RQE 54.881", "M.N. 98.765", "R.M. 52418"; blind set 17)
        r"|RQE|M\.[NP](?=\.\s{0,3}\d{1,3}\.\d{3}(?!\d))|R\.M(?=\.\s{0,3}\d))"
        # a doctor's professional card and medical council's roll elsewhere ("cédula profissional OM n.º 45678",
        # "Ordine dei Medici di Milano n. 38217", "ydernr. 031245")
        r"|c[ée]dula\s+prof(?:issional|esional)(?:\s+(?-i:OM))?"
        r"|(?:ordine|albo)\s+(?:dei\s+)?medici(?:\s+(?:chirurghi|e|odontoiatri|di|della|provincia|(?-i:[A-Z][\w']+))){0,6}"
        r"|yder(?:nummer|nr)"
    ),
    "DEVICE_ID": (
        # (SN in capitals or small letters: "Sn100" is a tin filter; precision red team 15)
        r"Serials?|S/N|(?-i:SN|sn)|Device(?:\s+(?:ID|Serial))?|UDI|Lot|Implant(?:\s+ID)?|Pacemaker(?:\s+(?:ID|Serial))?"
        r"|IMEI|Asset(?:\s+Tag)?|Generator(?:\s+Serial)?|Scanner\s+(?:ID|Serial)"
    ),
    "SSN": r"SSN|SS\s{0,10}#|Soc(?:ial)?\s+Sec(?:urity)?(?:\s+(?:Number|No|#))?",
    "OTHER_ID": (
        r"ID|Identifier|Ref(?:erence)?|Confirmation|Employee\s+ID|Badge|Tracking|Ticket|Barcode|Study\s+UID"
        # national and institutional numbers of other countries and settings ("PPSN: 6723418KA", "NHI: ZKT4821",
        # "INMATE #: KT-4471", "Hosp. No.: 1988-447213", "IP NO: 1184/2021", "collar no. 12875")
        r"|PPSN?|Aadhaar|CURP|RFC|NHI|NRIC|FIN|MyKad|SIN|NIR|NIE|DNI|BSN|CPF|PESEL|Tribal\s+Enrol(?:l)?ment"
        # European health and tax numbers ("rodné číslo: 675312/0132", "N.º de utente SNS: 284 715 093", "NIF:
        # 168 492 305", "n° de sécurité sociale : 2 71 07 69 383 042 16"; blind set 17)
        r"|rodn[ée]\s+[čc][íi]slo|R\.?[ČC]\.?|(?:n\.?[ºo°]\s+de\s+)?utente(?:\s+SNS)?|NIF|NISS|NUSS"
        r"|(?:n[°o]\s+de\s+)?s[ée]curit[ée]\s+sociale|personnummer|CPR(?:-nr\.?)?|f[øo]dselsnummer|TC\s+kimlik(?:\s+no)?"
        # Argentina's tax numbers, Colombia's citizen, minor's and foreigner's cards, Austria's social insurance
        # number, the Greek identity card, a Turkish insurer's provision ("CUIL 20-12345678-3", "C.C. 1.020.456.789",
        # "SVNR: 3146 220679", "Α.Δ.Τ.: ΑΚ 482913", "provizyon no: KZ8P2R7"; blind set 17)
        r"|CUIL|CUIT|(?-i:C\.C|T\.I|C\.E)(?=\.\s{0,3}\d)|SVNR|SV-?Nr|Sozialversicherungs(?:nummer|nr)"
        r"|Α\.?Δ\.?Τ|provizyon"
        # national numbers of Africa, South Asia and the Caribbean, and India's tax card ("NIN: CF89012103KPLA",
        # "NID: 1993 2604 7715 38821", "NIC 531442316V", "NIS: B 441872", "PAN ABCDE1234F", "PhilHealth
        # 12-345678901-2"; blind set 18)
        r"|NIN|NID|NIC|NIS|(?-i:PAN)(?=\s{0,3}[:#]?\s{0,3}[A-Z]{5}\d{4}[A-Z]\b)|PhilHealth|BVN|Ghana\s+Card"
        # a police case's numbers ("GD Entry: GD 45/2024", "FIR No. 112/2024", "belt no. 1187/MRT", "memo 2271/PM")
        r"|GD(?:\s+(?:Entry|No))?|FIR|Belt|Memo|Case(?=\s+No)"
        # a VA claim's file and a federal letter's reference ("C-file C 28 441 902", "VA File No. 29 883 104", "In
        # Reply Refer To: 317/212B", "EDIPI", "DoD ID"; blind set 19)
        r"|C-?file|VA\s+(?:file|claim)|File(?=\s+(?:No|Number|#))|In\s+Reply\s+Refer\s+To|EDIPI|DoD\s+ID"
        r"|Inmate|Booking|Incident(?:\s+log)?|Collar|Item|Hosp(?:ital)?\.?|IP|OP|UHID|Chart|Gift\s+card|Card"
        # reader and user codes of a QA form or a RIS ("reader code RAD-017"), the VA's integration control number
        r"|(?:reader|reviewer|radiologist|user|operator)\s+(?:code|id|no)|ICN"
        # a research subject's numbers and a payer's authorisation ("subject 017-0042", "Screening No. 4471-002",
        # "Prior auth # PA-7731-2025")
        r"|Subject|Participant|Screening|Randomi[sz]ation|Enrol(?:l)?ment|Prior\s+Auth(?:orization)?|Authori[sz]ation"
        # a court's docket, a payment card's proxy number ("docket 2314RO001184", "card proxy 4410 0092 7732")
        r"|Docket|(?:Card\s+)?Proxy|(?:ID\s+)?Band|Wristband"
        # a gamete donor's code and an immigrant's alien number ("donor #11873", "donor code OD-7781-K",
        # "A-number A 219 774 031"; blind set 12)
        r"|Donor|A-?Number|Alien(?:\s+Registration)?(?:\s+(?:No|Number))?|USCIS"
    ),
}
CUED_ID_RE: list[tuple[str, re.Pattern[str]]] = [
    (
        cat,
        re.compile(
            # (the cue may close a bracket: "tetkik no (accession): MR240311-0457"; blind set 17)
            rf"(?<![\w/-])(?:{cues})(?![a-z])\.?\)?(?:\s{{0,10}}{_NUM})?\s{{0,10}}[:#=.]?\s{{0,10}}(?:is\s+|of\s+)?"
            rf"(?:#\s{{0,10}})?{_ID}",
            re.IGNORECASE,
        ),
    )
    for cat, cues in _CUES.items()
]
# Upper-case alphanumeric identifiers after a strong cue ("Plate: ABC1234" has digits; "Plate: KXR-TWO" too short).
CUED_ALNUM_RE = re.compile(
    r"(?<![\w])(?:license\s+plate|plate|VIN|serial(?:\s+(?:no|number))?|S/N|member\s+ID|policy(?:\s+(?:no|number))?|"
    r"MRN|accession(?:\s+(?:no|number))?)\s{0,10}[:#]?\s{0,10}" + _ID_ALPHA,
    re.IGNORECASE,
)

#: Sri Lanka's old national identity card number: nine digits and a V or an X ("531442316V"; blind set 18).
LK_NIC_RE = re.compile(r"(?<![\w-])\d{9}[VvXx](?![\w-])")
#: An Indian vehicle's registration: the state's letters, the district's number, a series, four digits ("UP15 BX
#: 2210", "UP 15 DT 4471", "MH-12-AB-1234"; blind set 18).
IN_PLATE_RE = re.compile(
    r"(?<![\w-])(?-i:(?:AN|AP|AR|AS|BR|CG|CH|DD|DL|DN|GA|GJ|HP|HR|JH|JK|KA|KL|LA|LD|MH|ML|MN|MP|MZ|NL|OD|OR|PB|PY|RJ|SK"
    r"|TN|TR|TS|UK|UP|WB)[ -]?\d{1,2}[ -]?[A-Z]{1,3}[ -]?\d{4})(?![\w-])"
)
UID_RE = re.compile(r"(?<![\w.])[0-2](?:\.(?:0|[1-9]\d*)){4,}(?![\w.])")
# (a letter of another script is no bound: "电话13907715526", a phone glued to its Chinese label)
LONG_DIGITS_RE = re.compile(r"(?<![0-9A-Za-z_.,])\d{7,}(?![0-9A-Za-z_]|[.,]\d)")
#: A barcode printed as text between Code 39's start and stop asterisks ("*S25004471A7*"): letters and three digits or
#: more.
BARCODE_RE = re.compile(r"(?<![\w*])\*(?=[A-Z0-9.-]*\d[A-Z0-9.-]*\d[A-Z0-9.-]*\d)[A-Z0-9.-]{5,40}\*(?![\w*])")
ALNUM_ID_RE = re.compile(
    # (a trial's registry number is public: "NCT05871243", "ISRCTN12345678")
    r"(?<![\w-])(?!NCT\d{8}(?!\d)|ISRCTN\d{8}(?!\d))(?:[A-Z]{1,5}-?\d{5,}[A-Z]?|\d{2}[A-Z]{1,4}\d{5,}|[A-Z]{1,5}\d{0,3}-\d{2,4}-\d{3,}|[A-Z]{1,5}\d{1,3}-\d{5,}"
    r"|\d{2,}(?:-\d{2,}){2,}"
    # a site, a year, a modality and a number ("SV25CT044102", "SV25MR018877": a RIS's accession)
    r"|[A-Z]{1,4}\d{2}[A-Z]{1,4}\d{4,}"
    # a pathology or cytology accession: a letter or two, the year, a dash, a number ("S25-004471", "C25-1180")
    r"|[A-Z]{1,3}\d{2}-\d{3,6}(?:-[A-Z0-9]{1,2})?"
    r"|[A-Z]{2,5}-\d{2}-\d{3,}"
    # letters, a dash, then letters glued to five digits or more, or a number between letter groups ("HPN-GX7730021"
    # in an RT structure set's description, red team 8; "SW-11872-MAL", a file number)
    r"|[A-Z]{1,5}-[A-Z]{1,4}\d{5,}[A-Z]?|[A-Z]{1,5}-\d{5,}-[A-Z]{1,5})(?![\w-])"
)
# A department's own numbers without a cue: letter groups, then number groups of five digits or more in all
# ("SGH-NM-2408-03341", "JHL/MED/2023/559012", "LUTH/24/045512", "MDCN/R/44127"); "ICD-10-CM", "COVID-19" and
# "PI-RADS 4" have too few digits.
LOCAL_ID_RE = re.compile(
    r"(?<![\w/.-])(?=(?:[A-Z/-]*\d){5})[A-Z]{2,6}(?:[-/][A-Z]{1,5}){0,2}"
    r"(?:[-/]\d{2,8}){2,4}(?![\w/-]|\.\d)"
    r"|(?<![\w/.-])[A-Z]{2,6}(?:[-/][A-Z]{1,5}){1,2}[-/]\d{5,8}(?![\w/-]|\.\d)"
    # letter and number groups in turn ("UM-2503-PA-118842")
    r"|(?<![\w/.-])(?=(?:[A-Z/-]*\d){5})[A-Z]{1,6}[-/]\d{2,8}[-/][A-Z]{1,6}[-/]\d{2,8}(?:[-/](?:[A-Z]{1,6}|\d{1,8}))?"
    r"(?![\w/-]|\.\d)"
)
# A reader's or a user's code: one or two capitals, a hyphen and four or five digits ("R-4471").
READER_CODE_RE = re.compile(r"(?<![\w/.-])[A-Z]{1,2}-\d{4,5}(?![\w/-]|\.\d)")
# National identity numbers of other countries, by their shape (a personal number is "any other unique identifying
# number"): Swedish and Danish personal numbers (a birth date, then four digits: "19330412-4476", "120433-4476"),
# Norway's fødselsnummer ("120433 44761"), Korea's resident number, masked or not ("451203-1******"), Pakistan's
# CNIC, Chile's RUT, Belgium's national number, Brazil's CPF, Italy's codice fiscale, China's 18-character ID ending
# in X, and numbers masked to their last four digits ("XXXX XXXX 7731", "MRN ****4471").
NATIONAL_ID_RE = re.compile(
    # a Medicare Beneficiary Identifier ("1EG4-TE5-MK73": 11 characters in a fixed pattern of digits and letters
    # without S, L, O, I, B and Z; set 13)
    r"(?<![\w-])[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?"
    r"[AC-HJKMNP-RT-Y]{2}\d\d(?![\w-])|"
    r"(?<![\w.+-])(?:(?:19|20)?\d{6}[-+]\d{4}|\d{6}[ ]\d{5}|\d{6}-[1-8](?:\d{6}|\*{6})|\d{5}-\d{7}-\d"
    r"|\d{1,2}\.\d{3}\.\d{3}-[\dkK]|\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}|\d{3}\.\d{3}\.\d{3}-\d{2}"
    r"|[A-Z]{6}\d{2}[A-EHLMPR-T]\d{2}[A-Z]\d{3}[A-Z]|\d{17}[\dXx]|\d{10}V\d{6}"
    r"|(?:[Xx*]{4}[ -]?){1,3}\d{4}|\*{3,}\d{4}|[Xx]{5,}\d{4}"
    # Ontario's health card: ten digits and a two-letter version code ("6621-448-203-KT"; blind set 11), India's
    # Aadhaar in its three groups of four ("4821 7730 9126") and Ireland's PPSN ("8812034WA"; blind set 12)
    r"|\d{4}[- ]\d{3}[- ]\d{3}[- ]?[A-Z]{2}|[2-9]\d{3}[ ]\d{4}[ ]\d{4}|\d{7}[A-W][AHW]?)(?![\w*-]|\.\d)"
)
# A form field numbered by any name: "<label> No:", "Ref #:", "Nr.:" before a value with four digits or more.
LABELLED_ID_RE = re.compile(
    r"(?<![\w])(?i:No|Nr|Number|Ref|#)\.?[ \t]{0,3}[:#][ \t]{0,10}"
    r"(?P<id>(?=(?:[A-Za-z/.-]{0,30}\d){4})[A-Za-z0-9][\w/.-]{2,30}[A-Za-z0-9])(?![\w/-])"
)
# A patient's room, and the bed in it: "Room 412B", "rm 5102 bed A", "ROOM #: 6N-14", "Room 3207-2". Two digits
# or more (a CT or an exam "room 2" names no one); "Bed 2" alone is left.
ROOM_RE = re.compile(
    r"(?<![\w])(?i:room|rm)\.?[ \t]{0,3}(?:#|(?i:no)\.?|(?i:number))?[ \t]{0,3}:?[ \t]{0,3}"
    r"(?P<id>(?:\d[A-Z]{1,2}-?)?\d{2,5}[A-Za-z]?(?:[-/]\d{1,2}|[-/]?[A-Da-d](?![A-Za-z]))?"
    r"(?:,?[ \t]{1,3}(?i:bed)[ \t]{0,3}#?[ \t]{0,3}(?:\d{1,2}|[A-Da-d])(?![\w]))?)(?![\w])"
)
#: A patient's bed or bay without a room ("Bed 12", "bed 5N-12", "Bed: 6N-14B", "ED bay 4"): where someone lies
#: tells who they are as a room does.
BED_RE = re.compile(
    r"(?<![\w-])(?i:bed|bay|stretcher)[ \t]{0,3}(?:#|(?i:no)\.?)?[ \t]{0,3}:?[ \t]{0,3}"
    r"(?P<id>(?:[A-Z0-9]{1,3}-)?\d{1,3}[A-Za-z]?)(?![\w-]|[.,]\d)"
)
VIN_RE = re.compile(r"(?<![\w])(?=(?:[A-HJ-NPR-Z]*\d){3})(?=(?:\d*[A-HJ-NPR-Z]){3})[A-HJ-NPR-Z0-9]{17}(?![\w])")

_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|"
    r"Cir|Parkway|Pkwy|Highway|Hwy|Trail|Trl|Square|Sq|Alley|Aly|Loop|Pike|Turnpike|Tpke|Plaza|Row|Crescent|Cres|"
    r"Run|Path|Walk|Commons|Point|Ridge|Heights|Hts|Expressway|Expy|Freeway|Fwy|Causeway|Crossing|Xing|Bend|Cove|"
    r"Glen|Grove|Hollow|Landing|Meadows?|Park|Pass|Station|Summit|Valley|View|Vista|"
    # streets of the UK, Ireland, Canada, Australia and New Zealand
    r"Close|Parade|Esplanade|Mews|Gardens|Green|Rise|Gate|Wynd|Quay|Promenade|Chase|Vale|Broadway|Crest|Mall)"
)
#: The street kinds above as words, lower-cased ("lane", "ct"): a word no surname stands for before a town.
STREET_KIND_WORDS = frozenset(w.lower() for w in re.findall(r"[A-Za-z]+", _SUFFIX)) | {"meadow"}
_UNIT = (
    r"(?:,?\s{0,10}(?:(?:Apt|Apartment|Suite|Ste|Unit|Bldg|Building|Fl|Floor|Rm|Room|Lot|Trlr|#)\.?\s{0,10}#?\s{0,10}"
    # ("60 State Street, 14th Floor": the floor's ordinal first)
    r"[A-Za-z]?\d*[A-Za-z]?\b|\d{1,3}(?i:st|nd|rd|th)\s{1,3}(?i:floor|flr|fl)\b\.?))?"
)
_STREET_WORD = r"(?:[A-Z][A-Za-z'\u2019.-]*|\d+(?i:st|nd|rd|th)|[A-Z]{2,})"
STREET_RE = re.compile(
    # (the floor of a building before its street, as Australia writes it: "Level 2, 18 Flemington Row")
    # (not a date's year: "12/04/2024  CT Angiogram Circle of Willis" is no street; set 15)
    rf"(?<![\w./-])(?:(?:Level|Lvl|Floor|Flr)[ \t]{{1,3}}\d{{1,2}},?[ \t]{{1,3}})?"
    # (its words one or two spaces apart: three or more are a table's columns, "34Y M    CT HEAD" is a worklist)
    rf"(?:\d{{1,5}}[A-Za-z]?/)?\d{{1,6}}[A-Za-z]?(?:-\d{{1,5}})?[ \t]{{1,2}}"
    rf"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?[ \t]{{1,2}})?"
    rf"(?:{_STREET_WORD}[ \t]{{1,2}}){{0,3}}{_STREET_WORD}[ \t]{{1,2}}(?i:{_SUFFIX})\b\.?(?i:{_UNIT})"
    rf"|\b(?:Route|Rte|Highway|Hwy|HWY|HIGHWAY|ROUTE|County\s+Road|State\s+Route|Interstate)\s+\d{{1,4}}\b"
    # a rural route or a highway contract route and its box ("RR 2 Box 118", "Rural Route 3", "HC 61 Box 12")
    rf"|\b(?:RR|R\.R\.|HC|H\.C\.)[ \t]?#?\d{{1,3}},?[ \t]{{1,3}}(?i:box)[ \t]{{0,3}}#?\d{{1,5}}\b"
    rf"|\b(?i:rural\s+route)[ \t]{{1,3}}\d{{1,3}}(?:,?[ \t]{{1,3}}(?i:box)[ \t]{{0,3}}#?\d{{1,5}})?\b"
)
# A number before the street's kind, as French, Spanish, Portuguese and Italian write it ("5400 boul. Gouin Ouest",
# "1200, rue Sainte-Catherine", "Calle Mayor 12" is left to the address label).
STREET_PREFIX_RE = re.compile(
    r"(?<![\w.-])\d{1,6}[A-Za-z]?,?\s+(?i:rue|boul(?:evard)?\.?|boul|bd\.?|av\.|avenue|ch\.|chemin|rang|route|"
    r"place|calle|avenida|carrera|paseo|rua|via|viale|piazza|corso)\s+"
    r"(?:(?:de|du|des|la|le|del|di|da|do|l')\s+)?"
    r"[A-Z\u00C0-\u00DE][\w'\u2019.-]*(?:[ -][A-Z\u00C0-\u00DE][\w'\u2019.-]*){0,3}"
)
# Street addresses of scripts and countries whose streets the rules above cannot read, each with its number:
# Chinese (a district or city, a road, its number and 号: "西湖区文三路478号"), Japanese (a town, then its block,
# lot and house numbers: "本郷7-3-1", "文京区本郷七丁目3番1号"), Korean (a road and its number: "올림픽로43길 88",
# romanised "Olympic-ro 43-gil"), Greek (a street's kind and name: "Λεωφόρος Κηφισίας 12", "Περιφερειακή Οδός")
# and Turkish (neighbourhood, avenue and street: "Kızılay Mah. Atatürk Cad. No: 25/7").
_HAN = "\u4e00-\u9fff"
_KANA = "\u3040-\u30ff"
_HANGUL = "\uac00-\ud7a3"
_GREEK = "\u0370-\u03ff\u1f00-\u1fff"
_TR_UP = "A-ZÇĞİÖŞÜ"
# (possessive, and only at a word's start: a long run of "A-A-A-" is read once, not from each of its letters)
_TR_WORD = "(?<![A-Za-zÇĞİÖŞÜçğıöşü'-])[A-ZÇĞİÖŞÜ][A-Za-zÇĞİÖŞÜçğıöşü'-]++"
OTHER_SCRIPT_STREET_RE = re.compile(
    rf"(?:[{_HAN}]{{2,6}}?(?:省|自治区))?(?:[{_HAN}]{{1,6}}?市)?(?:[{_HAN}]{{1,6}}?[区县])?[{_HAN}]{{1,10}}?"
    rf"(?:路|街|大道|道|巷|胡同)(?:\d{{1,5}}|[一二三四五六七八九十百零]{{1,6}})[号號](?:[{_HAN}\d-]{{0,12}}?(?:室|楼|单元|栋))?"
    rf"|[{_HAN}{_KANA}]{{1,12}}?(?:\d{{1,3}}|[一二三四五六七八九十]{{1,3}})(?:丁目|[-−ー－])\d{{1,4}}(?:番地?|[-−ー－])"
    rf"\d{{1,4}}号?"
    rf"|(?:[{_HANGUL}]{{1,6}}(?:구|군)[ ])?(?:[{_HANGUL}]{{1,6}}(?:동|읍|면)[ ])?"
    rf"[{_HANGUL}0-9]{{1,15}}(?:로|길)[ ]?\d{{1,4}}(?:-\d{{1,4}})?(?![\d{_HANGUL}])"
    r"|(?<![\w-])(?:\d{1,4},?[ ])?[A-Z][a-z]+-(?:ro|daero|gil)(?:[ ]?\d{1,4}(?:-gil)?)?(?:[ ]\d{1,4})?(?![\w-])"
    r"|(?<![\w-])[A-Z][a-z]+-(?:gu|gun|dong|eup|myeon)(?![\w-])"
    rf"|(?:Οδός|οδός|Οδ\.|Λεωφόρος|Λεωφ\.|Πλατεία)[ ][{_GREEK}]+(?:[ ][{_GREEK}]+)?(?:[ ]\d{{1,4}})?"
    rf"|(?<![{_GREEK}])[{_GREEK}]++[ ](?:Οδός|Λεωφόρος)(?:[ ]\d{{1,4}})?"
    rf"|{_TR_WORD}[ ](?:Mahallesi|Mah\.|Mh\.)(?:[ ]{_TR_WORD}[ ](?:Cad(?:desi)?|Cd|Sok(?:ağı|ak)?|Sk|Bulvarı|Blv)\.?)?"
    r"(?:[ ]?No[ ]?[:.]?[ ]?\d{1,4}(?:/\d{1,3})?)?"
    rf"|{_TR_WORD}[ ](?:Cad(?:desi)?|Cd|Sok(?:ağı|ak)?|Sk|Bulvarı|Blv)\."
    r"(?:[ ]?No[ ]?[:.]?[ ]?\d{1,4}(?:/\d{1,3})?)?"
)
_CJK_LABEL = re.compile("[\u4e00-\u9fff\uac00-\ud7a3]")
#: A word of a CJK address: it holds a number or ends in a kind of place ("东城区", "文三路478号", "3门401").
_CJK_ADDRESS_PART = re.compile("[0-9０-９]|[省市区县镇乡村路街道巷号室门楼栋都府県町丁目番구군동읍면로길]$")
# The rest of a line after an address label ("Address: 14 Carrow Close, Amesbury, SP4 7LB"): whatever its country.
ADDRESS_LABEL_RE = re.compile(
    r"(?i:\b(?:(?:home|street|mailing|postal|patient|pt)\s+)?(?:address|addr|adresse|direcci[oó]n|domicile|domicilio|residence|residential\s+address"
    r"|adress|adres|adresa|indirizzo|endereço|endereco|anschrift|wohnort|διεύθυνση)"
    r"\.?\s{0,10}(?:\(\w+\)\s{0,10})?[:#-]\s{0,10}"
    # Chinese, Japanese and Korean labels, with a colon of either width or none ("住址 浙江省...", "住所：東京都...")
    r"|(?:家庭住址|住址|现住址|住所|주소|地址|居住地)\s{0,3}[:：]?\s{0,10})"
    r"(?P<v>[^\s:][^\r\n]{2,150}?)(?=[ \t]{3,}|\s*[\r\n]|\s*$|[ \t]+(?:Tel|Phone|Ph|Mob|DOB|MRN)\b)"
)
# Postcodes that name a small area: the UK's ("SP2 7QX"), Canada's ("H4J 1C5"), and Australia's after a state.
UK_POSTCODE_RE = re.compile(
    r"(?<![\w-])(?P<zip>(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{2})(?![\w-])"
)
# (with its space or hyphen: "T2N1M0" is a tumour's stage)
CA_POSTCODE_RE = re.compile(
    r"(?<![\w-])(?P<zip>[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]\d[ABCEGHJ-NPRSTV-Z]\d)(?![\w-])"
)
# Ireland's Eircode ("T12 DC4A", "D04 X2Y3"): a routing key of a letter and two digits (or D6W), then four
# characters with a digit.
_ATC_BEFORE_RE = re.compile(r"\bATC(?:[ -]?(?:code|Code|kod|Kode|código|codice))?\s{0,3}[:#]?\s{0,3}$")
EIRCODE_RE = re.compile(
    # (written without its space, a letter among the last four: "K223845" is an FDA 510(k) number; set 15)
    r"(?<![\w-])(?P<zip>(?:[AC-FHKNPRTV-Y]\d{2}|D6W)(?: |(?=\d{0,3}[AC-FHKNPRTV-Y]))(?=[0-9A-Z]*\d)"
    r"[0-9AC-FHKNPRTV-Y]{4})(?![\w-])"
)
# After a street address on the same line: ", 81675 München", ", Bengaluru 560017", ", Soweto, 1864", ", Dublin 4",
# "-00202": the postcode and the place, in either order, as most countries write them.
_POSTCODE_OTHER = (
    # Poland "93-513", Sweden, Greece and Czechia "171 64", Brazil "22070-011", the Netherlands "6543 AB",
    # Argentina "C1199ABB", Japan "113-8655"
    r"\d{2}-\d{3}|\d{3}[ ]\d{2}|\d{5}-\d{3}|[1-9]\d{3}[ ]?(?!CT|MR|US|XR|NM|PT|DX|CR)[A-Z]{2}|[A-Z]\d{4}[A-Z]{3}"
    r"|\d{3}-\d{4}"
)
ADDRESS_TAIL_RE = re.compile(
    # possessive: a long run of spaces is read once, not once per way of splitting it (a fuzz input took 175 s)
    # (a gap of four spaces or more is a column's edge: "OH 43085     CAP-accredited" is no town)
    r"(?:[ \t]*+,[ \t]*+|[ \t]{1,3}+(?![ \t])|[ \t]*+-)(?:(?P<zip1>\d{4,6}|" + _POSTCODE_OTHER + r")"
    r"[ \t]+(?P<city1>[A-Z\u00C0-\u00DE][\w'\u2019-]++)"
    r"|(?P<city2>[A-Z\u00C0-\u00DE][\w'\u2019-]++(?:[ ][A-Z\u00C0-\u00DE][\w'\u2019-]++)?)"
    r"(?:,?[ \t]+(?P<zip2>\d{4,6}|"
    + _POSTCODE_OTHER
    + r"|(?<=Dublin[ \t])\d{1,2}W?))?|(?P<zip3>\d{4,6}|"
    + _POSTCODE_OTHER
    + r"))(?![\w-])"
)
# Streets with their kind at the end of the word, then the number ("Ismaninger Straße 22", "Lindwurmstraße 118").
STREET_SUFFIXED_RE = re.compile(
    r"(?<![\w-])[A-Z\u00C0-\u00DE][\w\u00DF-\u00FF-]*(?:stra(?:ß|ss)e|str\.|weg|platz|allee|gasse|damm|ring|laan|straat|"
    r"gracht|plein|vej|gatan|gata|veien"
    # more of the Nordic, Dutch, German and Hungarian street words ("Sjukhusbacken 10", "Lindendreef 1",
    # "Alsterufer 34", "Nørre Allé 14" is two words; blind set 17)
    r"|v[äa]gen|v[äa]g|gr[äa]nd|backen|torget|stigen|gade|all[ée]|plads|torv|gaten|plass|kade|dreef|singel|ufer"
    r"|chaussee|g[üu]rtel|utca"
    # a street named after a person, its words joined by hyphens ("Agnes-Bernauer-Str. 74"; set 13)
    r"|-(?:Stra(?:ß|ss)e|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm))"
    r"(?:[ \t]+[A-Z\u00C0-\u00DE][\w\u00DF-\u00FF-]*(?:stra(?:ß|ss)e|weg|platz))?"
    r"[ \t]+\d{1,5}(?:[a-z]|-[IVX]{1,4}|-\d{1,4})?(?![\w-])"
    r"|(?<![\w-])(?:[A-Z\u00C0-\u00DE\u0100-\u017F][\w\u00DF-\u00FF-]*[ \t]+){1,3}"
    r"(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse"
    # ("Wandsbeker Chaussee 201", "Währinger Gürtel 104/3", "Borgmester Ib Juuls Vej 1", "Atatürk Bulvarı No: 127";
    # blind set 17)
    r"|Chaussee|Damm|G[üu]rtel|Ufer|Kai|Vej|Vei|Gade|All[ée]|Bulvar[ıi]|Caddesi|Cad\.|Soka[ğg][ıi]|Sokak|Sk\.)"
    r"[ \t]+(?:No[ \t]?:?[ \t]?)?\d{1,5}(?:/\d{1,4})?[a-z]?(?![\w-])"
)
AU_POSTCODE_RE = re.compile(r"(?<![\w-])(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT)\.?,?\s{1,10}(?P<zip>\d{4})(?![\w-])")
#: The place right before a postcode (and a province or state): "Salisbury SP2 7QX", "Montréal (QC) H4J 1C5".
_PLACE_BEFORE = (
    r"(?<![\w'\u2019.-])(?P<city>(?:St\.?\s|Saint-|Ste-)?[A-Z\u00C0-\u00DE][\w'\u2019-]++"
    r"(?:[ ][A-Z\u00C0-\u00DE][\w'\u2019-]++){0,2})"
    r",?\s{1,10}(?:\(?(?:AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|PQ|SK|YT|NSW|VIC|QLD|SA|WA|TAS|ACT)\)?\.?,?\s{1,10})?"
)
PLACE_BEFORE_POSTCODE_RE = re.compile(
    _PLACE_BEFORE
    + r"(?=(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}|[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]"
    r"[ -]\d[ABCEGHJ-NPRSTV-Z]\d|\d{4})(?![\w-]))"
)
# A street without a number after where someone lives ("lives on Elmwood Avenue, Northampton").
#: Who someone lives with, between "lives" and where ("lives alone at", "lives with her son in").
_LIVES_WITH = (
    r"(?:\s+(?:alone|independently|with\s+(?:(?:her|his|their|a|an|the|my|two|three)\s+)?[a-z-]+(?:\s+[a-z-]+)?))?"
)
STREET_CUE_RE = re.compile(
    rf"(?i:\b(?:lives|living|lived|resides|residing|resident){_LIVES_WITH}\s+(?:on|at)\s+(?:the\s+)?)"
    rf"(?P<street>(?:[A-Z][\w'\u2019-]*+[ \t]){{1,3}}(?i:{_SUFFIX})\b\.?"
    # or a house number and its street's words, whatever its kind ("lives alone at 3 Mill Race, Clara")
    r"|\d{1,5}[A-Za-z]?[ \t]+[A-Z][\w'\u2019-]*+(?:[ \t][A-Z][\w'\u2019-]*+){0,2})"
)
_STREET_BEFORE_PLACE_RE = re.compile(
    rf"(?<![\w'\u2019-])(?P<street>(?:[A-Z][\w'\u2019-]*+[ \t]){{1,3}}(?:{_SUFFIX})\.?),[ \t]{{0,3}}\Z"
)
# A street without a house number, by the kind of street that ends it ("accident on Thika Superhighway", "Outram
# Road, Singapore 169608", "Rizal Drive"): the kinds that name nothing else in a report when a capitalised word
# comes before them.
NAMED_STREET_RE = re.compile(
    r"(?<![\w'\u2019.-])(?P<street>(?:[A-Z][\w'\u2019-]*+[ \t]){1,5}(?:Road|Street|Avenue|Boulevard|Highway|"
    r"Superhighway|Expressway|Freeway|Motorway|Parkway|Turnpike|Drive|Lane|Marg|Salai|Nagar)\b\.?)"
)
# A street of any kind as one piece of a comma-separated address line, without a number ("Division of Radiology,
# Main Road, Observatory, Cape Town 7925", "Merrion Unit, Elm Park, Dublin 4").
STREET_SEGMENT_RE = re.compile(
    rf"(?:^|(?<=,)|(?<=\n))[ \t]*(?P<street>(?:[A-Z][\w'\u2019-]*+[ \t]){{1,4}}(?:{_SUFFIX}))\.?"
    r"(?=[ \t]*(?:,|\r?\n|$))",
    re.MULTILINE,
)
# Streets whose kind comes first and whose number comes last, as Italian, Portuguese, Spanish, Polish and French
# write them ("Largo Brambilla 3", "Rua das Flores, 123", "ul. Piotrkowska 112 m. 5", "Avenue Hippocrate 10"),
# or without a number before a comma and a place ("Rua das Flores, Copacabana").
KIND_FIRST_STREET_RE = re.compile(
    r"(?<![\w.-])(?:Via|Viale|Piazza|Piazzale|Largo|Corso|Vicolo|Rua|Avenida|Av\.|Travessa|Alameda|Calle|Carrera|"
    # Malaysia's and Indonesia's streets and estates ("Lorong Delima 7", "Taman Sri Delima", "Jalan Ampang 55")
    r"Jalan|Jln\.|Lorong|Lrg\.|Taman|Persiaran|Lebuh|Lebuhraya|"
    r"Paseo|Camino|ul\.|Ul\.|al\.|Al\.|Aleja|Avenue|Rue|Boulevard|Chemin|Plac|Calea|Strada|Odos|Οδός|οδός)"
    r"[ \t]+(?:(?:de|da|do|das|dos|del|della|delle|dei|di|du|des|la|le|l')[ \t]+){0,2}"
    r"[A-Z\u00C0-\u00DE\u0391-\u03A9][\w'\u2019.-]*(?:[ \t]+(?:de|da|do|das|dos|del|della|di|du|des|la|le|"
    r"[A-Z\u00C0-\u00DE\u0391-\u03A9][\w'\u2019.-]*)){0,4}"
    r"(?:,?[ \t]+(?:n[º°o.]\s?)?\d{1,5}[A-Za-z]?(?:[/-]\d{1,4})?(?:[ \t]+m\.[ \t]*\d{1,4})?"
    r"(?![ \t]*(?:Fr|F|mm|cm|mg|ml|mL|cc|G|gauge|French|%)\b)"  # "Via Left Radial 5 Fr": a catheter, not a street
    r"|(?=,[ \t]*[A-Z\u00C0-\u00DE]))"
)
# A Colombian address: a numbered street, "#", the crossing street and the house's distance ("Carrera 13 # 63-39",
# "Calle 100 No. 19-61, consultorio 402"; blind set 17).
NUMBERED_CROSS_STREET_RE = re.compile(
    r"(?<![\w.-])(?:Calle|Carrera|Cra\.?|Kra\.?|Cl\.?|Avenida|Av\.|Diagonal|Dg\.?|Transversal|Tv\.?|Autopista)"
    # (the street by its number, or by its name: "Avenida Boyacá # 80-94")
    r"[ \t]+(?:\d{1,3}[A-Z]?(?:[ \t]?[Bb]is)?"
    r"|[A-Z\u00C0-\u00DE][\w\u00DF-\u00FF]+(?:[ \t][A-Z\u00C0-\u00DE][\w\u00DF-\u00FF]+){0,2})"
    r"[ \t]*(?:#|No\.?|N[º°]\.?)[ \t]*\d{1,3}[A-Z]?[ \t]*-[ \t]*\d{1,3}(?![\w-])"
    r"(?:,?[ \t]+(?i:consultorio|apto\.?|apartamento|oficina|of\.|piso|interior|int\.|torre|local)[ \t]+\d{1,4}(?!\w))?"
)
# Streets named by their number ("32nd St.", "5th Ave.", "3rd Parklands Avenue").
ORDINAL_STREET_RE = re.compile(
    rf"(?<![\w.-])\d{{1,3}}(?:st|nd|rd|th)[ \t]+(?:[A-Z][\w'\u2019-]*+[ \t]+){{0,2}}(?:{_SUFFIX})\b\.?"
)
STREET_LOWER_RE = re.compile(
    r"(?<![\w.-])\d{1,6}\s+(?:[a-z]+\s+){0,2}[a-z]+\s+(?:street|avenue|road|boulevard|drive|lane|court|place|terrace)\b"
)
PO_BOX_RE = re.compile(
    r"\b(?:(?:P\.?\s{0,10}O\.?|Post\s+Office)\s{0,10}Box|Postbus|Postfach|Bo[iî]te\s+postale|Apartado(?:\s+postal)?|"
    r"Caixa\s+Postal|Casilla|Skrytka\s+pocztowa)\s+\d+\b",
    re.IGNORECASE,
)

_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
    "OK OR PA PR RI SC SD TN TX UT VT VA WA WV WI WY"
).split()
_STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|"
    "Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|"
    "Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|"
    "Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|"
    "Virginia|Washington|West Virginia|Wisconsin|Wyoming|Puerto Rico|District of Columbia"
)
_STATE_CODE = "|".join(_STATE_CODES)
_STATE = rf"(?:{_STATE_CODE}|{_STATE_NAMES})"
#: US states, DC and Puerto Rico, as codes and names, lowercased (what Safe Harbor lets an address keep).
US_STATES = frozenset(c.lower() for c in _STATE_CODES) | frozenset(n.lower() for n in _STATE_NAMES.split("|"))
_CITY = r"(?<![\w'\u2019.-])(?P<city>(?:St\.|[A-Z][A-Za-z'\u2019-]+)(?:[ ](?:St\.|[A-Z][A-Za-z'\u2019-]+)){0,2})"
CITY_STATE_ZIP_RE = re.compile(rf"{_CITY},?\s+{_STATE}\.?,?\s+(?P<zip>\d{{5}}(?:-\d{{4}})?)(?!\d)")
#: A whole address typed in small letters, street, town, state code and ZIP ("new address 8823 quiet meadow trl
#: helotes tx 78023"; a patient's portal message, set 15): the state code and the ZIP after it make it one.
LOWER_ADDRESS_RE = re.compile(
    r"(?<![\w.-])(?P<street>\d{1,6}[ \t]+(?:[a-z]+[ \t]+){1,3}(?:st|street|ave|avenue|rd|road|dr|drive|ln|lane|trl"
    r"|trail|ct|court|blvd|boulevard|way|pl|place|cir|circle|pkwy|parkway|hwy|highway|ter|terrace|loop|run|pass))\.?,?"
    r"[ \t]+(?P<city>[a-z]+(?:[ \t][a-z]+)?),?[ \t]+(?:" + "|".join(c.lower() for c in _STATE_CODES) + r")\.?,?"
    r"[ \t]+(?P<zip>\d{5}(?:-\d{4})?)(?!\d)"
)
CITY_STATE_RE = re.compile(rf"{_CITY},\s{{0,10}}(?P<state>{_STATE})\b(?![.-]?\w)")
ZIP_CUE_RE = re.compile(
    r"(?i:\b(?:zip|zip\s{0,10}code|postal\s{0,10}code|post\s{0,10}code|postcode|code\s+postal|CP|C\.\s?P\.?|CEP|PLZ|CAP|"
    r"postnummer|postnr|kod\s+pocztowy)\s{0,10}[:#]?\s{0,10}|〒\s?|(?:邮编|邮政编码|郵便番号|우편번호)\s{0,3}[:：]?\s{0,3})"
    r"(?P<zip>\d{5}-\d{3}(?!\d)|\d{3}-\d{4}(?!\d)|\d{2}-\d{3}(?!\d)|\d{3}[ ]\d{2}(?!\d)|\d{6}(?!\d)|"
    r"\d{5}(?:-\d{4})?(?!\d)|\d{4}(?!\d)|[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}(?!\w)"
    r"|[A-Za-z]\d[A-Za-z][ -]?\d[A-Za-z]\d(?!\w))"
)
ZIP4_RE = re.compile(r"(?<![\w-])\d{5}-\d{4}(?![\w-])")
# An HL7/DICOM-style address in text: STREET^OTHER^CITY^STATE^ZIP (a message quoted, or one that lost its structure).
XAD_RE = re.compile(rf"\^(?P<city>[A-Za-z][A-Za-z'\u2019. -]{{1,40}})\^{_STATE}\^(?P<zip>\d{{5}}(?:-\d{{4}})?)(?!\d)")
CITY_CUE_RE = re.compile(
    rf"(?i:\b(?:city|town|hometown|(?:lives|living|resides|residing){_LIVES_WITH}\s+in|resident\s+of|native\s+of|"
    r"moved\s+(?:here\s+)?from|visiting\s+from|born\s+in|county\s+of"
    # a police case's station, a village or a district on a South Asian or African form ("P.S.: Kankerkhera",
    # "Police Station: Kotwali", "Thana: Panchlaish", "Village: Rampur", "LGA: Ikeja"; blind set 18)
    r"|P\.S\.|police\s+station|thana|village|vill\.|tehsil|taluka?|mandal|upazila|LGA|barangay|sub-?county"
    r"|sub-?location|district(?=\s{0,3}:))\s{0,10}:?\s+)"
    r"(?P<city>(?:St\.|[A-Z][A-Za-z'\u2019-]+)(?:[ ](?:St\.|[A-Z][A-Za-z'\u2019-]+)){0,2})"
)
_STATE_CODE_AFTER_RE = re.compile(rf",?[ \t]{{1,3}}(?:{_STATE_CODE})(?![\w-])")
# The city after a street address, before a comma or the line's end: "931 Lakeview Terrace, Yellow Springs, " (the
# state and ZIP cut off, or on the next line), where no state or ZIP says it is one.
CITY_AFTER_STREET_RE = re.compile(
    r",[ \t]{0,10}(?P<city>(?:St\.|[A-Z][A-Za-z'\u2019-]+)(?:[ ](?:St\.|[A-Z][A-Za-z'\u2019-]+)){0,2})"
    r"(?=[ \t]{0,10}(?:[,;\r\n\x85\u2028\u2029]|$))"
)
#: A military unit by its number ("2nd Battalion", "504th Parachute Infantry Regiment", "82nd Airborne Division",
#: "1st Bn", "3rd ABCT", "6th Air Refueling Wing", "HHC 1-163 IN"; blind set 19): a small unit names who a service
#: member served with, as an employer does.
MILITARY_UNIT_RE = re.compile(
    r"\b\d{1,3}(?:st|nd|rd|th)[ \t]+(?:[A-Z][A-Za-z]+[ \t]+){0,3}(?:Battalion|Bn|Brigade|Bde|Regiment|Regt|Division"
    r"|Div|Wing|Squadron|Sqdn|Sqn|Group|Grp|Company|Co|Corps|Fleet|Infantry|Airborne|Cavalry|Marines|ABCT|IBCT|SBCT"
    r"|CAB|MEU|MEF|ESC|Medical\s+Brigade)\b\.?"
    r"|\b(?:HHC|HHB|HSC|FSC|[A-H][ \t]+(?:Co|Company|Btry|Battery|Trp|Troop)\.?,?)[ \t]+\d{1,2}-\d{1,3}[ \t]+"
    r"(?:IN|AR|CAV|FA|AV|EN|BSB|ADA|SF|MI|MP)\b"
)
#: A military installation or training area ("MacDill AFB", "Fort Carson", "Joint Base Lewis-McChord", "Sicily
#: Drop Zone", "Limestone Hills Training Area", "NAS Pensacola"; blind set 19): a place smaller than a state.
MILITARY_BASE_RE = re.compile(
    # (a word starts only after a space or a line's start, never after a hyphen inside one: "A-A-A-..." stays linear)
    r"(?<![\w'\u2019-])(?:Fort|Ft\.|Camp|Joint[ \t]+Base|JB|NAS|NAVSTA|MCAS|MCB|MCRD|FOB|COP)[ \t]+"
    r"[A-Z][\w'\u2019]*(?:-[A-Z][\w'\u2019]*)*(?:[ \t][A-Z][\w'\u2019]*(?:-[A-Z][\w'\u2019]*)*){0,2}"
    r"|(?<![\w'\u2019-])[A-Z][\w'\u2019]*(?:-[A-Z][\w'\u2019]*)*(?:[ \t][A-Z][\w'\u2019]*(?:-[A-Z][\w'\u2019]*)*){0,2}"
    r"[ \t]+(?:AFB|ARB|AAF|Air[ \t]+Force[ \t]+Base|Air[ \t]+Base|Army[ \t]+Airfield|Naval[ \t]+Air[ \t]+Station"
    r"|Naval[ \t]+Station|Navy[ \t]+Yard|Training[ \t]+Area|Drop[ \t]+Zone|Proving[ \t]+Ground|Arsenal)\b"
)
#: What a laboratory stains for acid-fast bacilli, "AFB" too.
_SPECIMEN_WORDS = frozenset(
    "sputum smear smears culture cultures stain stains urine bal csf tissue fluid blood gastric aspirate stool "
    "pleural lymph node biopsy swab specimen specimens sample samples induced bronchial wash washing".split()
)
#: A union's local ("UMWA Local 1740", "IBEW Local Union No. 58", "Teamsters Local 727"; blind set 19): who the
#: worker's union is, an employer's kin.
UNION_LOCAL_RE = re.compile(
    r"\b(?:(?-i:[A-Z]{2,6})|Teamsters|Union|Carpenters|Laborers|Ironworkers|Pipefitters|Plumbers|Electricians|Insulators)"
    r"[ \t]+Local(?:[ \t]+Union)?[ \t]+(?:No\.?[ \t]*)?\d{1,5}[A-Z]?\b"
)
COUNTY_RE = re.compile(
    r"\b(?P<city>[A-Z][a-z'\u2019]+(?:[\s-][A-Z][a-z'\u2019]+)?)\s+(?:County|Parish|Township|Borough"
    # the units below a county or a district elsewhere ("Alego Usonga sub-county", "Nyang'oma sub-location",
    # "Rampur village", "Ikeja LGA", "Sadar Upazila"; blind set 18: Kenya's counties are first-level, like states,
    # and stay; only the US ones follow "County" here)
    r"|[Ss]ub-?[Cc]ounty|[Ss]ub-?[Ll]ocation|[Vv]illage|[Tt]ehsil|[Tt]aluka?|[Mm]andal|[Uu]pazila|LGA|[Bb]arangay)\b"
)
#: An Irish county written before its name ("Co. Donegal", "County Kerry"; set 15).
IRISH_COUNTY_RE = re.compile(
    r"\b(?:Co\.?|County)[ \t]+(?:Antrim|Armagh|Carlow|Cavan|Clare|Cork|Derry|Londonderry|Donegal|Down|Dublin"
    r"|Fermanagh|Galway|Kerry|Kildare|Kilkenny|Laois|Leitrim|Limerick|Longford|Louth|Mayo|Meath|Monaghan|Offaly"
    r"|Roscommon|Sligo|Tipperary|Tyrone|Waterford|Westmeath|Wexford|Wicklow)\b"
)


def _one_line(pattern: str) -> str:
    """``pattern`` with its ``\\s`` taken as spaces and tabs only."""
    return pattern.replace(r"\s", r"[^\S\r\n]")


_SPECIALTY_PRACTICES = (
    r"Pathology|Urology|Cardiology|Dermatology|Neurology|Oncology|Gastroenterology|Rheumatology|Endocrinology|Nephrology|"
    r"Pulmonology|Ophthalmology|Otolaryngology|Podiatry|Orthopa?edics|Internal\s+Medicine|Eye\s+Care|"
    r"Dental(?:\s+(?:Care|Group|Associates))?|Dentistry|Chiropractic|Physical\s+Therapy|Funeral\s+(?:Home|Chapel)|"
    r"Mortuary"
)


def _in_capitals(pattern: str) -> str:
    """``pattern`` with its letters in capitals, its escapes (``\\s``) left as they are."""
    return re.sub(r"(?<!\\)[a-z]+", lambda m: m.group().upper(), pattern)


_INST_SUFFIX = (
    # practices, home care and where the old live ("Tulpehocken Family Practice", "Roxborough Pediatrics", "Los
    # Altos Cardiology Associates", "Puget Sound Visiting Nurses", "Heritage Oaks Senior Living", "Oliver Paipoonge
    # Family Health Team", "Duke Spine Center", "Dallas County Hospital District", "THUNDER BAY REGIONAL HLTH SCI CTR")
    r"Family\s+(?:Practice|Medicine|Health(?:\s+(?:Team|Cent(?:er|re)))?)|Medical\s+Practice|Pa?ediatrics|"
    r"(?:Cardiology|Orthopa?edics?|Dermatology|Urology|Neurology|Oncology|Gastroenterology|OB/?GYN|Obstetrics|"
    r"Pulmonary|ENT|Surgical|Pa?ediatric|Women'?s\s+Health|Cardiovascular|Rehab(?:ilitation)?|Physical\s+Therapy"
    r")\s+(?:Associates|Group|Partners|Specialists|Consultants)|"
    # a building of a campus, primary care, visiting nurses, labs, bone and joint, sports medicine ("Kessler
    # Pavilion", "Carrow Valley Primary Care", "Carrow Valley VNA & Hospice", "Heartland Diagnostic Laboratories",
    # "Merrimack Valley Bone & Joint", "Eze Family & Sports Medicine")
    r"Pavilion|Primary\s+Care|VNA(?:\s+(?:&|and)\s+Hospice)?|"
    # heart and eye practices, dialysis units, pharmacies, oral surgeons, schools and churches ("Pioneer Valley Heart &
    # Vascular", "Quabbin Heart Center", "Longmeadow Eye Associates", "DaVita Riverbend Dialysis", "Pill Box
    # Pharmacy", "Brightwood Elementary", "Carrow College", "St. Kilian Lutheran Church", "Calvary Reformed Church")
    # an abbreviated kind in capitals ("BRANDYWINE LUTHERAN HOSP", "ST AURELIA MC") and a hospital named by its
    # church alone ("outside referral from Brandywine Lutheran")
    r"(?-i:HOSP|HSP|MC|MED\s+CTR|REG\s+MED\s+CTR)|Lutheran|Baptist|Methodist|Presbyterian|Adventist|"
    r"Heart\s+(?:&|and)\s+Vascular(?:\s+(?:Center|Institute|Associates|Group|Care))?|"
    r"Heart\s+(?:Center|Associates|Group|Care|Clinic|Specialists)|"
    r"Eye\s+(?:Associates|Center|Institute|Physicians|Clinic|Specialists|Group|Care)|"
    r"Dialysis(?:\s+(?:Center|Unit|Clinic))?|Pharmacy|Drug\s+Store|Oral\s+Surgery|Elementary|College|"
    r"(?:(?:Lutheran|Baptist|Methodist|Catholic|Reformed|Presbyterian|Episcopal|Evangelical|Pentecostal|Congregational"
    r"|Orthodox|Bible|Christian|Apostolic|Adventist|Mennonite|AME|Unitarian|Covenant)\s+)?"
    r"(?:Church|Chapel|Cathedral|Synagogue|Temple|Mosque|Tabernacle)|"
    # a practice named by its specialty alone, or a trade the patient deals with ("Mystic River Urology", "Fox Run
    # Internal Medicine", "Bergquist & Sons Funeral Home"); a specialty after words of report vocabulary alone
    # ("Pediatric Cardiology", "Interventional Radiology") is no name (the generic-words test below)
    # (capitalised or in capitals: "per Dr. Kowalczyk urology" names a service after a person)
    rf"(?-i:{_SPECIALTY_PRACTICES}|{_in_capitals(_SPECIALTY_PRACTICES)})|(?:Diagnostic\s+|Clinical\s+|Medical\s+)?Laboratories|"
    r"Bone\s+(?:&|and)\s+Joint(?:\s+(?:Center|Institute|Associates|Clinic))?|"
    r"(?:Family\s+(?:&|and)\s+)?Sports\s+Medicine|"
    # schools and their districts ("Wren Hollow Elementary School", "Harbor Heights School District")
    r"(?:Elementary|Middle|High|Junior\s+High|Intermediate|Primary|Charter|Preparatory|Montessori)\s+School|"
    r"School\s+District|(?:Independent\s+)?Medical\s+Evaluations?|"
    r"Visiting\s+Nurses?(?:\s+(?:Association|Service))?|Home\s+Health(?:\s+(?:Care|Services|Agency))?|"
    r"(?:Senior|Assisted|Independent)\s+Living|Retirement\s+(?:Home|Community|Village)|Care\s+(?:Cent(?:er|re)|Home)|"
    r"Skilled\s+Nursing(?:\s+Facility)?|Nursing\s+and\s+Rehabilitation(?:\s+Cent(?:er|re))?|"
    r"(?:Spine|Breast|Vascular|Vein|Wound|Sleep|Pain|Dialysis|Kidney|Stroke|Trauma|Sports\s+Medicine|Orthopa?edic|"
    r"Endoscopy|Birth(?:ing)?|Women'?s)\s+Cent(?:er|re)|Hospital\s+District|Health\s+Sci(?:ences?)?\.?\s+Cent(?:er|re)|"
    r"Hlth\.?\s+Sci\.?\s+Ctr\.?|"
    r"(?:Hospitals?|Medical\s+Cent(?:er|re)|Med(?:ical)?\.?\s+Ctr\.?|Health(?:care)?(?!\s+Team)(?:\s+(?:System|Center|Network|"
    r"Services|Sciences\s+Center|Partners|Alliance))?|Clinics?|Infirmary|Cancer\s+(?:Center|Institute)|"
    r"Children'?s(?:\s+(?:Hospital|Medical\s+Center))?|Imaging(?:\s+(?:Center|Associates|Institute|Group|Services|Partners|Consultants))?|"
    r"Radiology(?:\s+(?:Associates|Group|Partners|Consultants|Services))?|Medical\s+(?:Group|Associates|Campus|Plaza)|"
    r"Surg(?:ical|ery)\s+Center|Rehabilitation\s+(?:Center|Hospital|Institute)|Nursing\s+(?:Home|Center)|Hospice|"
    r"Physicians|Diagnostic(?:s|\s+Center)|Urgent\s+Care|Heart\s+Institute|Eye\s+Institute|Institute|"
    r"Sanitarium|Sanatorium|Cent(?:er|re)\s+for\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?|Memorial|Foundation|Kaiser|VA|VAMC|"
    # other systems' and languages' names: "King Fahad Medical City", "Great Plains Teleradiology", "Chinle
    # Comprehensive Health Care Facility", "Ankara Bilkent Şehir Hastanesi", "Rijnstate Ziekenhuis"
    r"Medical\s+(?:City|College|University)|Teleradiology|Health\s*care\s+Facility|Hastanesi|Ziekenhuis|Klinikum|"
    r"Kliniken|Klinik|Krankenhaus|(?:universitets)?s[jy]u?kehus(?:et)?|(?:universitets)?sjukhus(?:et)?)"
)
#: A legal form, a campus or a town after an institution's name is part of it ("NightLight Teleradiology, LLC",
#: "Emory University Hospital Midtown", "Kaiser Permanente Oakland", "Stanford Cancer Center Palo Alto").
_INST_TAIL_RE = re.compile(
    r"(?:,?[ \t]+(?:LLC|L\.L\.C\.|Inc\.?|PLLC|P\.C\.|PC|LLP|Ltd\.?|Corp\.?)(?![\w-]))"
    r"|[ \t]+(?i:Midtown|Downtown|Uptown|Main\s+Campus|(?:North|South|East|West)(?:\s+Campus)?)(?![\w-])"
    r"|[ \t]+(?i:and|&)[ \t]+(?i:Clinics?)(?![\w-])"
    r"|[ \t]+(?P<place>[A-Z][a-z]+(?:[ ][A-Z][a-z]+){0,2})(?![\w-])"
)
#: An organisation by its legal form ("Strand Whitcombe LLP", "Bayview Orthopedic Billing, LLC", "Kessler &
#: Doyle, P.C."), or a name in camel case before the kind of a group ("NightRad Partners", "MedQuest Associates"):
#: a law firm, an employer, a billing company or a practice names who the patient deals with.
ORGANISATION_RE = re.compile(
    # (each word possessive and the words apart: a run like "A-A-A-..." is read once, not split every way)
    r"(?<![\w'\u2019.&-])(?P<org>[A-Z][A-Za-z'\u2019&-]*+"
    r"(?:[ \t]++(?:(?:&|and|of)[ \t]++)?[A-Z][A-Za-z'\u2019&-]*+){0,3})"
    r"(?:,?[ \t]+(?:LLP|LLC|L\.L\.C\.|PLLC|P\.C\.|Inc\.|Ltd\.)(?![\w-])"
    r"|[ \t]+(?:LLP|PLLC)(?![\w-]))"
    r"|(?<![\w'\u2019.&-])(?P<camel>[A-Z][a-z]+[A-Z][A-Za-z]+)[ \t]+(?:Partners|Associates|Group|Consultants)(?![\w-])"
)
_INST_OF = r"(?:\s+(?i:of|for|at)\s+(?:(?i:the)\s+)?[A-Z][\w.'\u2019-]+(?:\s+(?:(?i:of)\s+)?[A-Z][\w.'\u2019-]+){0,3})?"
# A word of an institution's name: a period only inside it or after an abbreviation ("St.", "H.M.C."), so a name
# does not run on into the next sentence ("Roxborough Pediatrics. Department of ...").
_INST_WORD = r"[A-Z](?:[A-Za-z'\u2019&-]*(?:\.[A-Za-z][A-Za-z'\u2019&-]*)*|[A-Za-z]?\.(?:[A-Z]\.)*)"
# An institution's name is on one line: its spaces never cross a line break ("...Trust\nRadiology Department").
INSTITUTION_RE = re.compile(
    _one_line(
        rf"(?<![\w'\u2019.&-])(?P<inst>(?:(?:St\.?|Saint|Mt\.?|Mount|Our\s+Lady\s+of(?:\s+the)?|Sisters\s+of)\s+)?"
        rf"(?:{_INST_WORD}\s+(?:(?:of|and|&|the|for)\s+)?){{0,4}}{_INST_WORD}\s+(?i:{_INST_SUFFIX})\b{_INST_OF})"
        rf"|(?P<univ>(?:(?i:Cardiology|Radiology|Orthopa?edic|Surgical|Medical|Pa?ediatric|Dermatology|Urology|Imaging"
        rf"|Neurology|Oncology|Eye|Heart|Women'?s\s+Health)\s+(?i:Associates|Group|Partners|Specialists|Consultants"
        rf"|Physicians)|(?i:University|College|Univ\.|Hospital|Clinic|Medical\s+Center|Infirmary))\s+(?i:of|for)\s+"
        rf"(?:the\s+)?[A-Z][A-Za-z.-]+(?:\s+(?:at\s+|of\s+)?[A-Z][A-Za-z.-]+){{0,3}}"
        rf"|(?<![\w.-])[A-Z][A-Za-z.-]+(?:\s+[A-Z][A-Za-z.-]+){{0,2}}\s+(?i:University)(?:\s+(?i:Hospital|Medical\s+Center|Health))?)"
    )
)
# US academic medical centres and health systems by the names and abbreviations reports use for them ("CHOP MRN",
# "outside films from UPMC Presbyterian", "Duke Spine Center", "seen at BJH"). Abbreviations only in capitals and
# only those that are no report term (not "CCF", congestive cardiac failure; not "MGH" alone in a list of drugs).
_KNOWN_INSTITUTIONS = (
    r"(?-i:CHOP|BJH|BWH|MGH|DFCI|MSKCC|MDACC|UPMC|UCSF|UCLA|UCSD|OHSU|VUMC|NYULH|NYU\s+Langone|NYP|HUP|UNC\s+Health|"
    r"UAB|UTSW|MUSC|UVA\s+Health|UW\s+Medicine|UCHealth|UChicago\s+Medicine|HMC|IU\s+Health|KUMC|URMC|UPHS|CCHMC|"
    r"CHLA|CHOA|SickKids)"
    r"|Duke(?:\s+(?:Health|University|Raleigh|Regional))?|Emory|Mayo\s+Clinic|Cleveland\s+Clinic|Johns\s+Hopkins|"
    r"Cedars[- ]Sinai|Mount\s+Sinai|Kaiser\s+Permanente|Intermountain|Geisinger|Ochsner|Henry\s+Ford|Beaumont|"
    r"Sutter\s+Health|Providence|Advocate\s+Aurora|Atrium\s+Health|Northwell|Montefiore|Dartmouth[- ]Hitchcock|"
    r"Dana[- ]Farber|Brigham|Mass\s+General|Penn\s+Medicine|Jefferson\s+Health|Temple\s+Health|Baystate|"
    r"Lahey|Yale\s+New\s+Haven|Hartford\s+HealthCare|Spectrum\s+Health|Corewell|Allina|Fairview|Essentia|"
    r"Sanford\s+Health|Banner\s+Health|HonorHealth|Scripps|Sharp\s+HealthCare|Hoag|Stanford\s+Health|"
    r"El\s+Camino\s+(?:Health|Hospital)|Zuckerberg\s+San\s+Francisco\s+General|Harborview|Parkland|"
    r"Grady|Jackson\s+Memorial|Bellevue|Barnes[- ]Jewish|Froedtert|Rush\s+(?:University|Medical)|Loyola\s+Medicine|"
    r"Northwestern\s+Medicine|Vanderbilt|Wake\s+Forest\s+Baptist|Carilion|Sentara|Inova|MedStar|ChristianaCare|"
    r"Hackensack\s+Meridian|RWJBarnabas|Nemours|Akron\s+Children'?s|Nationwide\s+Children'?s|Cincinnati\s+Children'?s|"
    r"Boston\s+Children'?s|Texas\s+Children'?s|Seattle\s+Children'?s|Lurie\s+Children'?s|Rady\s+Children'?s|"
    r"Mercy\s+(?:Health|Hospital|Medical\s+Center)|Mount\s+Carmel(?:\s+(?:East|West|Health))?"
)
KNOWN_INSTITUTION_RE = re.compile(rf"(?<![\w'\u2019-])(?:{_KNOWN_INSTITUTIONS})(?![\w'\u2019-])", re.IGNORECASE)
#: The name of one of a listed system's hospitals after it: a word of five letters or more (not "MRN").
_HOSPITAL_NAME_RE = re.compile(r"[ \t]+([A-Z][A-Za-z]{4,})(?![\w-])")
#: Words after a listed name that make it an eponym ("Duke criteria", "Duke treadmill score", "Mayo score").
_KNOWN_NAME_FOLLOWERS = frozenset(
    "criteria score scores classification staging activity treadmill index scale rule rules stage system".split()
)
# Employers and schools (an organisation that narrows who the patient is), tagged as institutions. Three kinds of
# cue: a form field ("Employer: ...", "Company: ..."); a verb or occupation of work before "at", "for" or "from"
# ("Works at Canfor pulp mill", "bus driver for First West Yorkshire", "Retired from Hongkong Land", "Teacher at
# Queen's College"); and a workplace's kind after its name ("Boeing Renton plant", "Shoprite Checkers distribution
# centre").
_ORG_WORD = r"(?:(?:Co|Inc|Ltd|Corp|St|Bros)\.|[A-Z]\.(?:[A-Z]\.)*[A-Z][\w&'\u2019-]*+|[A-Z][\w&'\u2019-]*+)"
_ORG_RUN = rf"{_ORG_WORD}(?:[ \t]+(?:{_ORG_WORD}|&|of|and|de|la|der|am)){{0,5}}"
_OCCUPATIONS = (
    "teacher|lecturer|professor|caretaker|janitor|cleaner|porter|driver|conductor|nurse|clerk|cashier|engineer|"
    "machinist|mechanic|technician|electrician|plumber|carpenter|welder|builder|painter|labou?rer|farmer|miner|"
    "fisherman|worker|employee|staff|manager|assistant|secretary|receptionist|accountant|banker|lawyer|attorney|"
    "paralegal|pilot|officer|guard|soldier|firefighter|constable|chef|cook|waiter|waitress|barista|baker|butcher|"
    "hairdresser|courier|contractor|operator|analyst|developer|programmer|designer|journalist|salesman|saleswoman|"
    "physiotherapist|pharmacist|therapist|coach|instructor|volunteer|apprentice|intern|student|pupil|housekeeper|"
    "custodian|bartender|server|dishwasher|landscaper|roofer|trucker|nanny|stocker|loader|packer|assembler|foreman|"
    "teller|dealer|bookkeeper|hygienist|groundskeeper|lineman|linesman|deckhand|fisherman|lobsterman"
)
EMPLOYER_FIELD_RE = re.compile(
    r"(?i:\b(?:employer|company|workplace|place\s+of\s+(?:work|employment)|school|college|firm"
    # the same field in other languages ("Arbeitgeber: Spreewerk Gießerei GmbH"; red team 13)
    r"|arbeitgeber|employeur|empleador|empresa|empregador|entidade\s+patronal|datore\s+di\s+lavoro|werkgever"
    r"|pracodawca|arbetsgivare|arbeidsgiver|arbejdsgiver|työnantaja|i[şs]veren)"
    r"(?:[ \t]*\([^)\n]{0,30}\))?[ \t]*:[ \t]*)"
    r"(?P<org>[A-Z\u00C0-\u00DE][^\n,;(]{1,60}?)(?=[ \t]*(?:[,;(\n]|\.(?:\s|$)|$|[ \t]{3}))"
)
#: An employer after its field in Chinese, Japanese or Korean ("工作单位：上海宝钢集团", "勤務先：", "직장:";
#: red team 13): the name up to the next punctuation.
EMPLOYER_CJK_RE = re.compile(
    r"(?:工作单位|工作單位|单位名称|勤務先|勤め先|会社名|직장|회사명?)[ \t]*[:：][ \t]*"
    r"(?P<org>[\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7afA-Za-z0-9（）() ]{2,40}?)(?=[，,。；;、\n]|$)"
)
EMPLOYER_CUE_RE = re.compile(
    # (the alternatives grouped by their first letter: the same matches, faster; aiminer.text.alternation)
    r"(?i:\b(?:"
    + by_first_letter(
        r"works?|worked|working|employed|employee|retired|retiree|formerly|volunteers?|teaches|taught|"
        rf"attends|{_OCCUPATIONS}"
    )
    + r")s?\b"
    r"[^.\n;:]{0,40}?\b(?:at|for|from|with|by):?[ \t]+(?:the[ \t]+)?)"
    rf"(?P<org>{_ORG_RUN})"
)
#: An employer after the word (not a form field's colon) or a workplace role and a comma ("his employer, Front Range
#: HVAC Mechanical", "employer Northland Cold Storage", "Safety Director, Mojave Stone & Countertop Fabrication";
#: blind set 19).
EMPLOYER_APPOSITION_RE = re.compile(
    r"(?i:\b(?:(?:his|her|their|the\s+patient'?s|patient'?s|the)\s+)?employer,?[ \t]+(?:is[ \t]+|was[ \t]+)?"
    r"|\b(?:safety|hr|human\s+resources|plant|operations|site|claims|risk)\s+(?:director|manager|supervisor|"
    r"coordinator|officer),[ \t]+)"
    rf"(?P<org>{_ORG_RUN})"
)
WORKPLACE_RE = re.compile(
    rf"(?<![\w'\u2019.-])(?P<org>{_ORG_RUN})[ \t]+(?:[a-z]+[ \t]+)?"
    r"(?P<kind>(?i:plant|mill|factory|refinery|warehouse|depot|shipyard|colliery|foundry|quarry|cannery|brewery|"
    # a public employer by its service ("Rockaway Beach fire dept", "Lynn police department")
    r"fire\s+(?:dept\.?|department|station|company|district)|police\s+(?:dept\.?|department|station)|"
    r"sheriff'?s?\s+(?:office|department)|public\s+works|water\s+department|"
    r"distribution\s+cent(?:re|er)|"
    r"call\s+cent(?:re|er)))\b"
)

# An institution named by its kind first, as most languages write it ("Hospital Italiano de Buenos Aires", "Clínica
# Alemana", "Ysbyty Gwynedd", "Szpital im. M. Kopernika", "Azienda Ospedaliero-Universitaria Careggi",
# "Cliniques universitaires Saint-Luc", "Vårdcentralen Tensta"), and one written in Han, kana or Hangul
# ("北京协和医院", "東京大学医学部附属病院", "서울아산병원").
_INST_KIND_FIRST = (
    # "Hospital" only before a Spanish or Portuguese name ("Hospital Italiano", "Hospital de Clínicas"): an English
    # heading ("Hospital Course", "Hospital Day 3") is no name
    r"Hospital(?=[ \t]+(?:(?:de|del|do|da|dos|das)\b|[A-Z\u00C0-\u00DE][\w\u00C0-\u00FF]*(?:(?:o|a|al|os|as)\b|"
    r"[ \t]+(?:de|del|do|da|dos|das)\b)))|"
    r"Hôpital|Hopital|Ospedale|Clínica|Clinica|Clinique|Cliniques|Policlinico|Policlínica|Sanatorio|"
    r"Szpital|Ysbyty|Meddygfa|Klinikum|Krankenhaus|Azienda\s+Ospedalier[oa](?:-Universitaria)?|Centro\s+M[ée]dico|"
    r"Centre\s+Hospitalier(?:\s+Universitaire)?|Vårdcentralen|Huisartsenpraktijk|Gezondheidscentrum|Praxis|"
    r"Hastanesi|Νοσοκομείο|ΝΟΣΟΚΟΜΕΙΟ"
)
# (a period only in an initial: "im. M. Kopernika"; "AIRES. Hospital" is two sentences)
_INST_CAP_WORD = r"(?:[A-Z]\.|[A-Z\u00C0-\u00DE\u0100-\u017F\u0391-\u03A9«][\w'\u2019»-]*)"
_INST_LINK_WORD = r"(?:im\.|(?:de|del|di|do|da|des|du|der|la|le|universitaires?)(?![\w]))"
INSTITUTION_KIND_FIRST_RE = re.compile(
    rf"(?<![\w-])(?P<inst>(?i:{_INST_KIND_FIRST})(?:[ \t]+{_INST_LINK_WORD}){{0,3}}[ \t]+{_INST_CAP_WORD}"
    rf"(?:[ \t]+(?:{_INST_LINK_WORD}[ \t]+)*{_INST_CAP_WORD}){{0,4}})"
    r"|(?P<cjk>[\u4E00-\u9FFF\u3040-\u30FF\uAC00-\uD7AF]{2,16}(?:医院|醫院|病院|병원|診療所|クリニック|의원))"
)
#: Words of institution names that name no one place (kept when alone; never a distinctive word of a name).
GENERIC_INST_WORDS = frozenset(
    "the our this that a an outside local area community general main county university college children's "
    "childrens memorial regional state city veterans teaching tertiary referring another other same affiliated "
    "private public rural urban nearby academic satellite st st. saint of and for & medical center health hospital "
    "clinic imaging radiology department dept service services institute american national international royal "
    "college catholic reformed episcopal evangelical pentecostal orthodox church chapel temple mosque "
    "synagogue".split()
)
EPONYM_FOLLOWERS = frozenset(
    "disease diseases syndrome syndromes sign signs lesion lesions fracture fractures cyst cysts catheter catheters "
    "tube tubes classification criteria score scale staging stage grade line lines node nodes deformity malformation "
    "sarcoma lymphoma tumor tumour procedure operation repair pouch space canal duct ligament ligaments fascia "
    "triangle "
    "hernia diverticulum ring test maneuver manoeuvre palsy phenomenon effect law rule type variant anomaly view "
    "position angle method index ratio body bodies nodule nodules cell cells foramen foramina plexus area zone fossa "
    "bursa esophagus ulcer shunt filter valve device port drain needle technique apparatus fixation nail plate frame "
    "splint cast system systems capsule gland glands cartilage pad fat pads bone membrane tissue layer reflex "
    "aneurysm anastomosis bypass tract column columns crypts bundle loop nerve artery vein arch point points "
    "complex encephalopathy disorder dystrophy thyroiditis arteritis granulomatosis histiocytosis ileus "
    "contracture fibrosis's lymphadenopathy carcinoma adenoma line's shunt's tear tears compartment "
    # diseases named after a place ("Murray Valley encephalitis", "Rift Valley fever", "West Nile virus"; set 15)
    "encephalitis fever virus".split()
)


#: Words that name a hospital's service or a specialty's branch, not a place ("Interventional Radiology", "Nuclear
#: Cardiology", "Surgical Oncology", "Consult Internal Medicine"): an institution's name needs another word.
SERVICE_WORDS = frozenset(
    "interventional nuclear surgical radiation cardiac cardiothoracic vascular pediatric paediatric neonatal adult "
    "geriatric consult consults consultation inpatient outpatient general internal family emergency urgent critical "
    "intensive transplant sports reproductive gynecologic gynecological obstetric obstetrical behavioral behavioural "
    "clinical invasive noninvasive non-invasive structural electrophysiology preventive cosmetic plastic "
    "reconstructive hand spine breast musculoskeletal neuro neurointerventional body abdominal thoracic chest "
    "cardiovascular pulmonary hematology haematology oncology medical radiology cardiology urology dermatology "
    "neurology gastroenterology rheumatology endocrinology nephrology pulmonology ophthalmology otolaryngology "
    "podiatry orthopedics orthopaedics orthopedic orthopaedic medicine dental dentistry chiropractic physical "
    "therapy occupational speech palliative pain sleep wound infectious disease diseases allergy immunology "
    "genetics genetic hepatology colorectal trauma burn acute chronic primary care team service services division "
    "section attending on-call discussed seen per with followed by refer referred referral".split()
)


_REGION_WORDS = frozenset(
    "central north south east west northern southern eastern western upper lower mid greater inner outer".split()
)
_GROUP_WORDS = frozenset("associates group partners specialists consultants physicians".split())


def _in_generic(words: list[str]) -> bool:
    lex = lexicon()
    return all(
        (low := w.lower().strip(".,'")) in GENERIC_INST_WORDS or low in SERVICE_WORDS or w.lower() in lex.vocab
        for w in words
    )


#: A line of a DICOM header dump: dcmdump's ``(0010,0010) PN [DOE^JANE]  # 8, 1 PatientName`` and pydicom's
#: ``(0010,0010) Patient's Name  PN: 'DOE^JANE'``.
DICOM_DUMP_RE = re.compile(
    r"\((?P<g>[0-9A-Fa-f]{4}),[ ]?(?P<e>[0-9A-Fa-f]{4})\)[ \t]+"
    r"(?:(?P<vr>[A-Z]{2})[ \t]+\[(?P<v>[^\]\n]*)\]"
    r"|[^\n:]{1,64}?[ \t](?P<vr2>[A-Z]{2}):[ \t]+(?:'(?P<q1>[^'\n]*)'|\"(?P<q2>[^\"\n]*)\"|(?P<v2>[^\n]*?))[ \t]*$)",
    re.MULTILINE,
)
#: A DICOM tag as a dump prints it ("(0010,0010)", "(0010, 0010)"): whether a text holds a dump at all.
DUMP_TAG_RE = re.compile(r"\([0-9A-Fa-f]{4},[ ]?[0-9A-Fa-f]{4}\)")
#: VRs whose values other rules read better (dates keep their year, UIDs and ages have their own rules) or that
#: hold codes and numbers, not identities.
_DUMP_SKIPPED_VRS = frozenset("DA DT TM AS CS DS IS US SS UL SL FL FD OB OW OF OD UN SQ AT".split())


def find_dicom_dump(text: str) -> Iterator[Candidate]:
    """Values of a DICOM header dump pasted into a text (a PACS ticket, a QA email): each value of an attribute
    that Table E.1-1 does not keep (its Basic Profile action is not K or C) goes whole, as the DICOM engine would
    take it out of the file itself (StationName, StudyID, OtherPatientIDs, an issuer, a name), and so does every
    value of a private attribute (odd group). A person's name is a name; any other value an identifier. Dates,
    UIDs, ages and numbers are left to their own rules, cleaned values (descriptions, C) to the scrubber."""
    if DUMP_TAG_RE.search(text) is None:
        return
    actions = _e11_actions()
    for m in DICOM_DUMP_RE.finditer(text):
        vr = m.group("vr") or m.group("vr2")
        if vr in _DUMP_SKIPPED_VRS:
            continue
        which = next((g for g in ("v", "q1", "q2", "v2") if m.group(g)), None)
        if which is None or not m.group(which).strip():
            continue
        tag = (int(m.group("g"), 16) << 16) | int(m.group("e"), 16)
        action = "X" if (tag >> 16) & 1 else actions.get(tag)
        if action is None or action in ("K", "C"):
            continue
        if vr == "UI" and m.group(which).startswith("1.2.840.10008."):
            continue  # a UID the standard defines (a SOP class, a transfer syntax)
        # (a UID goes whole: a date rule must not read its digits; a name is a name)
        category, priority = ("NAME", P_STRUCTURED) if vr == "PN" else ("OTHER_ID", P_CONTEXT + 5)
        yield Candidate(m.start(which), m.end(which), category, priority, "pattern")


@lru_cache(maxsize=1)
def _e11_actions() -> dict[int, str]:
    """Table E.1-1's Basic Profile action per exact tag (the table ships with the package; no AWS, no pydicom)."""
    from aiminer.dicom.standard import load_table

    # (an attribute the Clean Descriptors option cleans is left to the scrubber: a study's description)
    return {
        tag: "C" if row.options.get("clean_desc") == "C" else row.basic for tag, row in load_table().exact().items()
    }


#: A machine's name: a host on an internal domain ("ctsamc04.samc.local", "pacs1.rad.internal"), or a name with a
#: digit after what names a machine ("scanner ctsamc04", "host rad-ws3", "workstation CT2WS01", "AE title: CTAWP1").
_INTERNAL_DOMAINS = ("local", "lan", "internal", "intranet", "corp", "localdomain", "intra", "home.arpa")
INTERNAL_HOST_RE = re.compile(
    r"(?<![\w.@/-])[A-Za-z][A-Za-z0-9-]{0,62}(?:\.[A-Za-z0-9-]{1,63}){0,4}"
    rf"\.(?:{'|'.join(d.replace('.', chr(92) + '.') for d in _INTERNAL_DOMAINS)})(?![\w.-])"
)
HOSTNAME_RE = re.compile(
    r"(?i:\b(?:host(?:\s?name)?|scanner|workstation|ws|console|server|node|computer|pc|ae\s+title|aet|calling\s+ae)"
    r"\s{0,3}[:#]?\s{0,3})(?P<host>(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z][A-Za-z0-9_-]{3,30})(?![\w.-])"
)


def find_hosts(text: str) -> Iterator[Candidate]:
    """Machines' names: a host on an internal domain (:data:`INTERNAL_HOST_RE`, read only when the text names such
    a domain), or a name with a digit after what names a machine (:data:`HOSTNAME_RE`). A scanner's host name tells
    the site as a station name does."""
    low = text.lower()
    if any("." + d in low for d in _INTERNAL_DOMAINS):
        for m in INTERNAL_HOST_RE.finditer(text):
            yield Candidate(m.start(), m.end(), "DEVICE_ID", P_STRUCTURED, "pattern")
    for m in HOSTNAME_RE.finditer(text):
        yield Candidate(m.start("host"), m.end("host"), "DEVICE_ID", P_STRUCTURED, "pattern")


def find_structured(text: str) -> Iterator[Candidate]:
    """Yield emails, URLs, IPs, MAC addresses, SSNs, phone and fax numbers (shape-based), and the values of a DICOM
    header dump (:func:`find_dicom_dump`)."""
    yield from find_dicom_dump(text)
    yield from find_hosts(text)
    for m in EMAIL_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "EMAIL", P_CONTEXT + 5, "pattern")
    for m in OBFUSCATED_EMAIL_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "EMAIL", P_CONTEXT + 5, "pattern")
    for m in URL_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:)":
            end -= 1
        token = text[m.start() : end]
        # "e.g.", "Dr.Smith" and file names are not URLs; a dotted word needs a known top-level domain.
        if ("." in token or "://" in token) and not re.fullmatch(r"\d+(?:\.\d+)+", token):
            yield Candidate(m.start(), end, "URL", P_CONTEXT + 1, "pattern")
    for m in IPV4_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "IP", P_STRUCTURED, "pattern")
    for m in IPV6_RE.finditer(text):
        token = m.group()
        if token.count(":") >= 2 and ("::" in token or token.count(":") == 7) and re.search(r"[A-Fa-f]|::", token):
            yield Candidate(m.start(), m.end(), "IP", P_STRUCTURED, "pattern")
    for m in MAC_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "DEVICE_ID", P_STRUCTURED, "pattern")
    for m in SSN_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "SSN", P_STRUCTURED, "pattern")
    for m in PHONE_RE.finditer(text):
        yield Candidate(m.start(), m.end(), _phone_or_fax(text, m.start()), P_PHONE, "pattern")
    for m in LK_NIC_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "OTHER_ID", P_STRUCTURED, "pattern")
    for m in IN_PLATE_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "LICENSE", P_STRUCTURED, "pattern")
    for m in LOCAL_PHONE_RE.finditer(text):
        yield Candidate(m.start(), m.end(), _phone_or_fax(text, m.start()), P_PHONE - 5, "pattern")
    for m in PAIRED_PHONE_RE.finditer(text):
        yield Candidate(m.start(), m.end(), _phone_or_fax(text, m.start()), P_PHONE - 5, "pattern")
    for m in INTL_PHONE_RE.finditer(text):
        if 8 <= sum(c.isdigit() for c in m.group()) <= 15:
            yield Candidate(m.start(), m.end(), _phone_or_fax(text, m.start()), P_PHONE, "pattern")
    for m in BRAZIL_PHONE_RE.finditer(text):
        yield Candidate(m.start(), m.end(), _phone_or_fax(text, m.start()), P_PHONE, "pattern")
    for m in COORDINATES_RE.finditer(text):
        lat, lon = float(m.group("lat")), float(m.group("lon"))
        cued = _COORDINATES_CUE.search(text, max(0, m.start() - 40), m.start()) is not None
        # without a cue: a minus sign and degrees of two digits or more, as a place in the Americas reads
        # ("44.8856,-84.5943"), never direction cosines or a pixel's position ("0.7071,-0.7071", "-45.5000,12.0000"
        # has one of one digit)
        bare = "-" in m.group() and abs(lat) >= 10 and abs(lon) >= 10
        if (
            abs(lat) <= 90
            and abs(lon) <= 180
            and (cued or bare)
            and not _POSITION_CUE.search(text, max(0, m.start() - 40), m.start())
        ):
            yield Candidate(m.start(), m.end(), "ADDRESS", P_ADDRESS, "pattern")
    for m in SPACED_PHONE_RE.finditer(text):
        if sum(c.isdigit() for c in m.group()) == 10:
            yield Candidate(m.start(), m.end(), _phone_or_fax(text, m.start()), P_PHONE - 5, "pattern")
    for m in PHONE_CUE_RE.finditer(text):
        group = "num" if m.group("num") else "ext"
        digits = re.sub(r"\D", "", m.group(group))
        if len(digits) >= 4 or group == "ext" or (len(digits) == 3 and _SHORT_NUMBER_CUE.match(m.group())):
            yield Candidate(m.start(group), m.end(group), _phone_or_fax(text, m.start(group)), P_PHONE, "cue")


#: Cues before a pager or bleep number, which a hospital may give three digits ("bleep 518").
_SHORT_NUMBER_CUE = re.compile(r"(?i)(?:bleep|pager|pgr|beeper|page)\b")


def _phone_or_fax(text: str, start: int) -> str:
    before = text[max(0, start - 24) : start]
    return "FAX" if re.search(r"(?i)\bfax\b|\bfacsimile\b|\bF\s{0,10}[:#]\s{0,10}$", before) else "PHONE"


#: A device's GS1 UDI whole: the product number, then its expiry, lot, serial ("(01)08717648219983(17)260930(10)24")
GS1_UDI_RE = re.compile(r"\(01\)\d{14}(?:\((?:10|11|17|21|240|30)\)[A-Za-z0-9./-]{1,20}){1,5}")
#: The last four digits of a social security number ("SSN on file, last four 6629", "SSN ending in 4471").
SSN_LAST_FOUR_RE = re.compile(
    r"(?i:\b(?:last\s+(?:4|four)(?:\s+digits)?(?:\s+of\s+(?:the\s+|her\s+|his\s+|my\s+|your\s+|their\s+)?(?:SSN|social(?:\s+security)?"
    r"(?:\s+(?:number|no\.?|#))?))?|SSN\s+(?:ending|ends)\s+(?:in|with))[ \t]{0,3}[:#=]?[ \t]{0,3})"
    # (or its digits spaced, as a patient types them: "last 4 of my social is 4 4 0 9"; set 15)
    r"(?:is[ \t]{1,3})?(?P<id>\d{4}|\d(?:[ \t]\d){3})(?![\d-])"
)
#: A social media handle: after its platform ("Instagram: @kayleesundy22", "TikTok jdoe_99"), or an at sign before a
#: name with a digit or an underscore ("@kaylee_s22"; "@home" and "@ 10:30" stay).
HANDLE_RE = re.compile(
    r"(?i:\b(?:instagram|insta|IG|twitter|tiktok|snapchat|facebook|FB|threads|bluesky|youtube|twitch|discord|reddit)"
    r"(?:\s+(?:handle|account|name|username|user))?[ \t]{0,3}[:=]?[ \t]{0,3})"
    r"(?P<id>@[A-Za-z0-9_.]{1,29}[A-Za-z0-9_]|(?=[A-Za-z0-9_.]*[\d_.])[A-Za-z0-9_.]{2,29}[A-Za-z0-9_])"
    r"(?![\w@])"
    r"|(?<![\w.@])(?P<at>@(?=[A-Za-z0-9_.]*[A-Za-z])(?=[A-Za-z0-9_.]*[\d_])[A-Za-z0-9_.]{2,29}[A-Za-z0-9_])(?![\w@.])"
)


#: A file's name, as a note quotes it ("OPTOS_00714482_OU.jpg", "EEG240422_SMITH_A.mp4", "MBS_W_111423.avi").
FILE_NAME_RE = re.compile(
    r"(?<![\w./\\-])[\w.-]{3,120}\.(?i:dcm|jpe?g|png|tiff?|bmp|gif|heic|mp4|avi|mov|mkv|wmv|wav|mp3|pdf|docx?|xlsx?"
    r"|csv|txt|xml|json|zip|nii|nrrd|mha|edf|raw|stl|obj)(?![\w])"
)
_FILE_DIGITS_RE = re.compile(r"(?<!\d)(?:\d{6,}|\d{4}([-.])\d{2}\1\d{2}|\d{2}([-.])\d{2}\2\d{4})(?!\d)")


def _file_name_numbers(text: str) -> Iterator[Candidate]:
    """Numbers inside a file's name: a date of six or eight digits (YYMMDD, MMDDYY, YYYYMMDD, MMDDYYYY, glued to
    letters or underscores as cameras, scanners and people name files) goes with its year kept; any other run of six
    digits or more is an identifier (the patient's MRN in "OPTOS_00714482_OU.jpg")."""
    this_year = dt.date.today().year % 100
    for f in FILE_NAME_RE.finditer(text):
        for m in _FILE_DIGITS_RE.finditer(f.group()):
            start, end, run = f.start() + m.start(), f.start() + m.end(), re.sub(r"\D", "", m.group())
            date = None
            if len(run) == 6:
                for y, mo, d in ((run[4:], run[:2], run[2:4]), (run[:2], run[2:4], run[4:])):  # MMDDYY, YYMMDD
                    year = int(y) + (2000 if int(y) <= this_year else 1900)
                    if valid_date(year, int(mo), int(d)):
                        date = (year, int(mo), int(d))
                        break
            elif len(run) == 8:
                for y, mo, d in ((run[:4], run[4:6], run[6:]), (run[4:], run[:2], run[2:4])):  # YYYYMMDD, MMDDYYYY
                    if y[:2] in ("19", "20") and valid_date(int(y), int(mo), int(d)):
                        date = (int(y), int(mo), int(d))
                        break
            if date is not None:
                yield Candidate(start, end, "DATE", P_DATE, "pattern", *date)
            else:
                yield Candidate(start, end, "OTHER_ID", P_GENERIC_ID, "pattern")


#: A vehicle's plate after its cue, with its state's code and spaces ("plate hzt 8812", "truck plate OH JXR 4471").
PLATE_RE = re.compile(
    r"(?i:\b(?:license\s+|licence\s+|truck\s+|car\s+|vehicle\s+)?plate\b(?:\s+(?:no\.?|number|#))?"
    r"[ \t]{0,3}[:#]?[ \t]{0,3})"
    r"(?P<id>(?=[A-Za-z0-9 -]{0,12}\d)(?:[A-Za-z]{2}[ \t])?[A-Za-z0-9]{1,4}[ -]?[A-Za-z0-9]{1,4}"
    r"(?:[ -][A-Za-z0-9]{1,4})?)"
    r"(?![\w-])"
)
#: A practitioner's licence after the credential and a number sign ("MD #41877", "ARRT #551802").
CREDENTIAL_LICENSE_RE = re.compile(
    r"(?<![\w])(?:MD|DO|RN|NP|PA-C|PA|ARRT|CNMT|RDMS|RVT|RDCS|DDS|DMD|LCSW|LICSW|PharmD|DEA|Lic(?:ense)?\.?)"
    r"[ \t]{0,3}#[ \t]{0,3}(?P<id>[A-Z]{0,3}\d{4,10})(?![\w-])"
)
#: A study subject's or a site's code without a cue: groups joined by hyphens, one of them a number of three digits
#: or more with a leading zero, five digits or more in all ("014-0031", "031-GV-0019-PL", "S022-117-HB"); a quantity
#: has no leading zero, a date no such group.
_HYPHENATED_CODE_RE = re.compile(r"(?<![\w./-])[A-Za-z0-9]{1,6}(?:-[A-Za-z0-9]{1,6}){1,3}(?![\w/-]|\.\d)")


def _subject_codes(text: str) -> Iterator[Candidate]:
    for m in _HYPHENATED_CODE_RE.finditer(text):
        groups = m.group().split("-")
        if sum(ch.isdigit() for ch in m.group()) < 5:
            continue
        if not any(g.isdigit() and len(g) >= 3 and g[0] == "0" for g in groups) and not any(
            g[:1].isalpha() and g[1:].isdigit() and len(g) >= 4 and g[1] == "0" for g in groups
        ):
            continue
        yield Candidate(m.start(), m.end(), "OTHER_ID", P_GENERIC_ID, "pattern")


#: An at sign before a user name in small letters (a chat's "@kramos:", "@grace.oduya (ext)").
_BEFORE_SPEAKER = re.compile(r"[ \t]*(?:\[[^\]\n]{0,40}\][ \t]*)*")
_CHAT_HANDLE_RE = re.compile(r"(?<![\w.@])@([a-z][a-z0-9._]{2,29}[a-z0-9])(?![\w@])")


def _chat_handles(text: str) -> Iterator[Candidate]:
    """A chat's user names after an at sign: with a period, an underscore or a digit, before a colon (a speaker), or
    an initial or two before a surname the dictionary knows ("@kramos", "@dszabo"); not a word ("@home")."""
    lex = lexicon()
    for m in _CHAT_HANDLE_RE.finditer(text):
        handle = m.group(1)
        letters = re.sub(r"[\d._]", "", handle)
        if handle in lex.not_names or handle in lex.common:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        # a speaker: a colon after the name, or the name first on its line after a time stamp ("[21:15] @fqureshi (")
        speaker = text[m.end() : m.end() + 1] == ":"
        speaker = speaker or _BEFORE_SPEAKER.fullmatch(text, line_start, m.start()) is not None
        if speaker or letters != handle or any(letters[k:] in lex.surnames for k in (1, 2) if len(letters) - k >= 4):
            yield Candidate(m.start(1), m.end(1), "NAME", P_CUED_ID, "cue")


#: Public numbers after their name: a laboratory's CLIA number (two digits, D, seven digits) and its College of
#: American Pathologists number, which identify the laboratory, no person (blind set 11 kept them as negatives), and
#: a code system's codes ("SNOMED 363358000", "SCTID: 119297000", "LOINC 2160-0", "RxCUI 197361"; red team 9).
_PUBLIC_NUMBER_RE = re.compile(
    r"\b(?:CLIA|CAP|SNOMED(?:[ \t]?CT)?|SCTID|SCT|LOINC|RxNorm|RXCUI|RxCUI|UMLS|CUI|MedDRA|CPT|HCPCS|MBS[ \t]+item"
    # other countries' procedure and fee schedules (Brazil's TUSS, CBHPM and SIGTAP, Germany's OPS, EBM and GOÄ,
    # France's CCAM; precision red team 23)
    r"|TUSS|CBHPM|SIGTAP|OPS|EBM|GO[ÄA]|CCAM)"
    r"(?:[ \t]*(?:#|No\.?|number|ID|code)[ \t]*)?[ \t]*:?[ \t]*"
    r"(?P<id>\d{2}D\d{7}|\d{5,18}(?:-\d{1,2})?|C\d{7})(?![\w-])"
    # a coded concept's code in FHIR JSON ("system": "http://snomed.info/sct", "code": "49436004"; set 13): the
    # patient's identifiers are under "value"
    r'|"code"[ \t]*:[ \t]*"(?P<code>\d{3,18}(?:-\d)?)"'
)
_PUBLIC_NUMBER_NAMES = (
    "CLIA", "CAP", "SNOMED", "SCT", "LOINC", "RxNorm", "RXCUI", "RxCUI", "UMLS", "CUI", "MedDRA", "CPT", "HCPCS", "MBS",
    "TUSS", "CBHPM", "SIGTAP", "OPS", "EBM", "GOÄ", "GOA", "CCAM",
    '"code"',
)  # fmt: skip


def find_ids(text: str) -> Iterator[Candidate]:
    """Yield identifiers found by a cue (MRN, accession, account, plan, license, device, SSN, other), except public
    numbers after their name (:data:`_PUBLIC_NUMBER_RE`)."""
    if not any(name in text for name in _PUBLIC_NUMBER_NAMES):
        yield from _find_ids(text)
        return
    public = [m.span("id") if m.group("id") else m.span("code") for m in _PUBLIC_NUMBER_RE.finditer(text)]
    for c in _find_ids(text):
        if not any(c.start < end and start < c.end for start, end in public):
            yield c


def _find_ids(text: str) -> Iterator[Candidate]:
    if "-" in text:
        yield from _subject_codes(text)
    for m in PLATE_RE.finditer(text):
        value = m.group("id")
        digits, letters = sum(ch.isdigit() for ch in value), sum(ch.isalpha() for ch in value)
        # a plate has letters and digits, or five digits or more ("Cribriform plate Keros type 2" is anatomy)
        if (digits >= 3 and letters >= 2) or digits >= 5:
            yield Candidate(m.start("id"), m.end("id"), "LICENSE", P_CUED_ID, "cue")
    if "#" in text:
        for m in CREDENTIAL_LICENSE_RE.finditer(text):
            yield Candidate(m.start("id"), m.end("id"), "LICENSE", P_CUED_ID, "cue")
    if "." in text:
        yield from _file_name_numbers(text)
    if "(01)" in text:
        for m in GS1_UDI_RE.finditer(text):
            yield Candidate(m.start(), m.end(), "DEVICE_ID", P_CUED_ID + 1, "pattern")
    for m in SSN_LAST_FOUR_RE.finditer(text):
        yield Candidate(m.start("id"), m.end("id"), "SSN", P_CUED_ID, "cue")
    if "@" in text or any(p in text.lower() for p in ("insta", "twitter", "tiktok", "snap", "facebook", "ig")):
        for m in HANDLE_RE.finditer(text):
            which = "id" if m.group("id") else "at"
            yield Candidate(m.start(which), m.end(which), "OTHER_ID", P_CUED_ID, "cue")
        yield from _chat_handles(text)
    for cat, regex in CUED_ID_RE:
        for m in regex.finditer(text):
            value = m.group("id")
            start, end = m.start("id"), m.end("id")
            while end > start and text[end - 1] in ".-/":
                end -= 1
            digits = sum(c.isdigit() for c in value)
            if digits < 3 and not (cat in ("LICENSE", "DEVICE_ID", "HEALTH_PLAN") and digits >= 1 and len(value) >= 5):
                continue
            if cat == "ACCESSION" and re.fullmatch(r"\d{1,2}", value):
                continue
            if cat in ("OTHER_ID", "ACCOUNT") and YEAR_ONLY.fullmatch(value):
                continue  # "Ref: 2017 Fleischner guidelines", "previous episode 2016": a year after a generic cue
            if cat == "OTHER_ID" and _DECIMAL_RANGE.fullmatch(value):
                continue  # "INR 4.8 (ref 2.0-3.0)": a reference range
            if (
                cat == "OTHER_ID"
                and _ascending_range(value)
                and _RANGE_CUE.search(text, m.start(), start)
                and text[end : end + 1] in ("", ")", "]", ";", ",")
            ):
                continue  # "ALP 212 U/L (ref 44-147)": a reference range in whole numbers (set 15)
            if cat == "HEALTH_PLAN" and _DOCUMENT_NUMBER.fullmatch(value):
                continue  # "per policy IMG-REC-014", "HIM policy CDQ-04": a document's number, no member's
            if cat == "HEALTH_PLAN" and (len(value) <= 3 or (digits < 5 and len(value) < 6)):
                continue  # "call NHS 111", "OHIP X092" (a fee code): no patient's number (health numbers are long)
            if cat == "ACCOUNT" and _BILLING_CODE.fullmatch(value) and "billing" in text[m.start() : start].lower():
                continue  # "Billing: 78803, A9582": a procedure's CPT and HCPCS codes, no account
            yield Candidate(start, end, cat, P_CUED_ID, "cue")
            # more of the same after the first, joined by a slash, a comma or "and" ("serials 2241A0X7L / 2241A0X9M")
            while (more := _MORE_IDS.match(text, end)) and _same_shape(more.group("id"), value):
                start, end = more.start("id"), more.end("id")
                yield Candidate(start, end, cat, P_CUED_ID, "cue")
    for m in CUED_ALNUM_RE.finditer(text):
        if not any(ch.isdigit() for ch in m.group("id")) and not m.group("id").isupper():
            continue  # "policy no forensic sample", "Device Observer Serial Number": a word is no identifier
        cue = m.group().lower()
        if "policy" in cue and _DOCUMENT_NUMBER.fullmatch(m.group("id")):
            continue  # "Hospital Policy LGL-9"
        cat = (
            "LICENSE"
            if "plate" in cue or "vin" in cue
            else "DEVICE_ID"
            if "serial" in cue or "s/n" in cue
            else "HEALTH_PLAN"
            if "member" in cue or "policy" in cue
            else "MRN"
            if "mrn" in cue
            else "ACCESSION"
        )
        yield Candidate(m.start("id"), m.end("id"), cat, P_CUED_ID - 1, "cue")
    for m in VIN_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "LICENSE", P_CUED_ID - 2, "pattern")
    for m in UID_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "OTHER_ID", P_GENERIC_ID + 1, "pattern")
    for m in LONG_DIGITS_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "OTHER_ID", P_GENERIC_ID, "pattern")
    for m in ALNUM_ID_RE.finditer(text):
        if _PUBLIC_NUMBER_BEFORE.search(text, max(0, m.start() - 16), m.start()) or _KB_ARTICLE.fullmatch(m.group()):
            continue  # "form CMS-10106", "FDA 510(k) K223845", "KB0012877": a public form, clearance or article
        yield Candidate(m.start(), m.end(), "OTHER_ID", P_GENERIC_ID, "pattern")
    if "*" in text:
        for m in BARCODE_RE.finditer(text):
            yield Candidate(m.start(), m.end(), "OTHER_ID", P_GENERIC_ID, "pattern")
    for m in LOCAL_ID_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "OTHER_ID", P_GENERIC_ID, "pattern")
    for m in READER_CODE_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "OTHER_ID", P_NAME_CUED + 1, "pattern")
    for m in NATIONAL_ID_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "OTHER_ID", P_STRUCTURED, "pattern")
    for m in ROOM_RE.finditer(text):
        yield Candidate(m.start("id"), m.end("id"), "OTHER_ID", P_CUED_ID - 1, "cue")
    for m in BED_RE.finditer(text):
        yield Candidate(m.start("id"), m.end("id"), "OTHER_ID", P_CUED_ID - 1, "cue")
    for m in LABELLED_ID_RE.finditer(text):
        if not _DATE_LIKE.fullmatch(m.group("id")) and not YEAR_ONLY.fullmatch(m.group("id")):
            yield Candidate(m.start("id"), m.end("id"), "OTHER_ID", P_CUED_ID - 1, "cue")


_MORE_IDS = re.compile(r"[ \t]{0,3}(?:/|,|&|and)[ \t]{0,3}(?P<id>[A-Za-z0-9][A-Za-z0-9-]{3,30}[A-Za-z0-9])(?![\w-])")


def _same_shape(value: str, first: str) -> bool:
    """Whether ``value`` looks like ``first``: digits in both, and as long give or take two."""
    return any(c.isdigit() for c in value) and abs(len(value) - len(first)) <= 2


_DATE_LIKE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_BILLING_CODE = re.compile(r"\d{5}|\d{4}[FTU]|[A-V]\d{4}")  # CPT (and its category II/III) and HCPCS codes
YEAR_ONLY = re.compile(r"(?:19|20)\d\d")  # "Ref: 2017 guidelines"
_DECIMAL_RANGE = re.compile(r"\d{1,4}\.\d{1,3}[-\u2013]\d{1,4}\.\d{1,3}")  # "ref 2.0-3.0"
_WHOLE_RANGE = re.compile(r"(\d{1,4})[-\u2013](\d{1,4})")
_RANGE_CUE = re.compile(r"(?i)\bref\b|range|normal")


def _ascending_range(value: str) -> bool:
    """Two whole numbers, the first the smaller: a reference range ("44-147"), not a number in two parts."""
    m = _WHOLE_RANGE.fullmatch(value)
    return m is not None and int(m.group(1)) < int(m.group(2))


#: A policy's or a procedure's number: an office's letters and a short number ("LGL-9", "IMG-REC-014", "CDQ-04").
_DOCUMENT_NUMBER = re.compile(r"[A-Z]{2,5}(?:-[A-Z]{2,5}){0,2}-\d{1,3}")
#: What a public number follows: a form ("form CMS-10106", "Form SF-424") or an FDA clearance ("510(k) K223845").
_PUBLIC_NUMBER_BEFORE = re.compile(r"(?i:\bform|510\s?\(k\)(?:[ \t]+(?:no\.?|number))?)[ \t]{1,3}#?[ \t]{0,2}$")
#: A knowledge-base article of a service desk ("KB0012877"). (Not its tickets: three blind sets counted "INC0471182"
#: as an identifier, a ticket being about one patient's record; precision red team 21 counted it as none.)
_KB_ARTICLE = re.compile(r"KB\d{5,8}")


def find_dates_and_ages(text: str) -> Iterator[Candidate]:
    """Yield dates (with their parsed parts) and ages over 89."""
    for d in find_dates(text):
        yield Candidate(d.start, d.end, "DATE", P_DATE, "pattern", d.year, d.month, d.day)
    for regex in AGE_RES:
        for m in regex.finditer(text):
            yield Candidate(m.start("n"), m.end("n"), "AGE_OVER_89", P_STRUCTURED, "pattern")
    for m in AGE_WORDS_RE.finditer(text):
        yield Candidate(m.start(), m.end("n"), "AGE_OVER_89", P_STRUCTURED, "pattern")
    for m in AGE_DECADE_WORDS_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "AGE_OVER_89", P_STRUCTURED, "pattern")
    for m in AGE_CUED_WORDS_RE.finditer(text):
        which = "n" if m.group("n") else "a"
        yield Candidate(m.start(which), m.end(which), "AGE_OVER_89", P_STRUCTURED, "cue")


_AGE_N = r"(?P<n>9\d|1[01]\d)"
AGE_RES = [
    re.compile(p, 0 if "M|F" in p else re.IGNORECASE)
    for p in (
        rf"(?<![\w.]){_AGE_N}\s{{0,10}}-?\s{{0,10}}(?:years?|yrs?|y)\.?\s{{0,10}}-?\s{{0,10}}(?:old|of\s+age|o\.?\b)",
        rf"(?<![\w.]){_AGE_N}\s{{0,10}}-?\s{{0,10}}(?:yo|y/o|y\.o\.?|yr\.?\s{{0,10}}old|yoM|yoF)\b",
        rf"(?i:\b(?:age|aged|ages|age:)\s{{0,10}}:?\s{{0,10}}){_AGE_N}(?![\w]|\.\d)",
        # "Pt 91 at dx": an age at diagnosis (red team 19)
        rf"(?<![\w.]){_AGE_N}(?=[ \t]+(?:at|@)[ \t]+(?i:dx|diagnosis)\b)",
        # "Father died of lung cancer at 91": an age at death, a relative's as much as anyone's (blind set 16)
        rf"(?i:\b(?:died|passed\s+away|deceased)\b[^.;\n]{{0,40}}?\bat\s+(?:the\s+age\s+of\s+)?){_AGE_N}(?![\w]|\.\d|\s*(?:%|mg|kg|mm|cm|hours?|days?|weeks?|minutes?))",
        rf"(?<![\w.]){_AGE_N}\s?(?:M|F|yM|yF)\b(?!\.\d)",
        rf"(?<![\w.])0?{_AGE_N}\s?Y\b(?!\.\d)",  # "Age: 93Y", DICOM's "093Y"
        rf"(?<![\w/.-])(?:M|F)\s?/\s?{_AGE_N}(?![\w.]|/\d)",  # "Sex/Age: M/95", "F / 94"
        rf"(?<![\w/.-]){_AGE_N}\s?/\s?(?:M|F)\b(?![/.]\d)",  # "95/M"
        # ages in other languages: "92岁", "91歳", "91세", "91 år", "(91 ans)", "93 anni", "anni 93", "Alter: 94"
        rf"(?<![\w.]){_AGE_N}\s?(?:岁|歲|歳|세|살)",
        rf"(?<![\w.]){_AGE_N}\s{{0,3}}(?:år|ans|anni|años|anos|jahre|jaar|yaş|yas|ετών|ετων|χρονών)(?!\w)",
        # "92 yaşında", "91-jährige Patientin", "93-årig" (blind set 17)
        rf"(?<![\w.]){_AGE_N}-?\s{{0,3}}(?:yaşında|yasinda|jährige[rnms]?|jährig|årig[ea]?|jarige|letý|letá|éves)(?!\w)",
        rf"(?i:\b(?:anni|età|eta|edad|idade|alter|leeftijd|wiek|yaş|ålder|alder|âge|ηλικία|年龄|年齢|나이)\s{{0,3}}:?\s{{0,3}})"
        rf"{_AGE_N}(?![\w.])",
        # "(91 yrs)", "D.O.B. 1933, 91 years,"
        rf"(?:(?<=\()|(?<=\( )|(?<=,)|(?<=, )){_AGE_N}\s{{0,3}}(?:years?|yrs?|y)\.?(?=\s{{0,3}}[),;])",
        rf"(?i:\bin\s+(?:his|her|their)\s+(?:late\s+|early\s+|mid-?\s{{0,10}})?){_AGE_N}s\b",
        rf"(?<![\w.]){_AGE_N}(?=\s{{0,10}}-?\s{{0,10}}(?:year|yr)s?[-\s]+(?:old|of\s+age))",
        # a span of 90 years or more is an age ("DOB 01/02/1934    91 years    F"), but not "90 years ago"
        rf"(?<![\w.-]){_AGE_N}\s{{0,3}}(?:years?|yrs?)\b(?!\s{{0,3}}(?:ago|later|earlier|before|after|of\s+(?:follow|"
        rf"experience|service|marriage)))",
        # sex, then age, in brackets or a list ("(M, 91)", "(F, 93)", "(M, 90 yo)")
        rf"(?<=[(,;])\s{{0,3}}(?-i:M|F)\s?,\s?{_AGE_N}(?=\s{{0,3}}(?:y|yo|y/o|yrs?|years?)?\s{{0,3}}[),;])",
        # "turned 96", "turns 91", "age at consent: 91", "age on admission 93"
        rf"(?i:\b(?:turned|turns|turning)\s+){_AGE_N}(?![\w.%])(?!\s{{0,3}}(?:days?|weeks?|months?|mg|ml|%|degrees?|deg|°))",
        rf"(?i:\bage\s+(?:at|on|of)\s+[a-z]+(?:\s+[a-z]+)?\s{{0,3}}:?\s{{0,3}}){_AGE_N}(?![\w]|\.\d)",
        # "died at 97", "passed away at 93", "his 92nd birthday", "she's 90, NIHSS 4" (not "she's 90% better")
        rf"(?i:\b(?:died|passed\s+away|passed|deceased|death)\s+(?:at|aged?)\s+(?:age\s+)?){_AGE_N}(?![\w.%])",
        r"(?<![\w.])(?P<n>(?:9\d|1[01]\d)(?i:st|nd|rd|th))\s+(?i:birthday)\b",
        # ... and "Patient is 93," (set 13), "pt is 91 and lives alone", "resident is 96" (aged care)
        rf"(?i:\b(?:she|he|(?:the\s+)?(?:patient|pt\.?|resident))(?:'s|\u2019s|\s+is|\s+was|\s+turned)\s+){_AGE_N}"
        r"(?![\w.%/])(?!\s{0,3}(?:%|percent|mg|ml|kg|lbs?|pounds|minutes?|min|days?|weeks?|months?|mmhg|bpm|cm|mm"
        r"|inches|in\b|ft|feet|/))",
        # the age in brackets right after a birth date ("DOB: 03/14/1932 (92)")
        rf"(?i:\b(?:DOB|D\.O\.B\.?|born)\s{{0,3}}:?\s{{0,3}}[\w/.,-]{{1,12}}(?:[ ,]{{1,2}}[\w/.,-]{{1,12}}){{0,2}}"
        rf"\s{{0,3}}\(){_AGE_N}(?=\))",
    )
]
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
#: "a nonagenarian", "centenarian": a word that says an age over 89 (blind set 18; it narrows "90 or older").
AGE_DECADE_WORDS_RE = re.compile(r"(?i)\b(?:super)?(?:nonagenarian|centenarian)s?\b")
AGE_WORDS_RE = re.compile(
    rf"(?i)\b(?P<n>(?:ninety(?:[-\s](?:{_UNITS}))?|one\s+hundred(?:\s+(?:and\s+)?(?:{_UNITS}|ten|eleven|twelve))?)"
    rf"(?:[-\s](?:years?|yrs?)[-\s](?:old|of\s+age)|s\b|\s+years|(?=-(?:y|\s|$))))"
)
# "turned ninety-three last Sunday", "aged ninety-one" (not "the ninety-day follow-up")
AGE_CUED_WORDS_RE = re.compile(
    # (also "who is ninety", "Pt is ninety-two", and an apposition, "The decedent, ninety-three, was ...")
    # ("Age: ninety three", a form's field; red team 16)
    rf"(?i)\b(?:turned|turns|turning|aged?|is|was|now|age\s*:)\s*(?P<n>ninety(?:[-\s](?:{_UNITS}))?+|one\s+hundred)\b"
    r"(?![-\s]*(?:days?|weeks?|months?|minutes?|seconds?|percent|%|mg|ml|cm|mm|units?|degrees?|beats?|bpm|mmhg"
    r"|times|x|over|out|of|minus|plus)\b)"
    r"|\b(?:patient|pt|decedent|deceased|woman|man|lady|gentleman|mother|father|grandmother|grandfather|resident)"
    rf",[ \t](?P<a>ninety(?:[-\s](?:{_UNITS}))?+)(?=,)"
)


#: Where someone lives or stays by its name ("lives at The Willows", "staying at Rosie's Place"): a residence, a
#: shelter or a home is an address.
LIVES_AT_RE = re.compile(
    r"(?i:\b(?:lives|living|resides|residing|stays|staying|resident)\s+at\s+)"
    r"(?P<addr>(?-i:(?:The\s+)?[A-Z][\w'\u2019-]+(?:[ \t]+(?:of[ \t]+)?[A-Z][\w'\u2019-]+){0,3}))"
)
#: A flat and the building's name, as a UK or Commonwealth address starts ("Flat 2, Lumb Bank Cottages"; a US
#: "Apt 3," is followed by the town).
FLAT_RE = re.compile(
    r"(?<![\w])Flat[ \t]+\d{1,4}[A-Z]?,[ \t]+"
    r"[A-Z][a-z][\w'\u2019-]*(?:[ \t]+[A-Z][a-z][\w'\u2019-]*){0,3}"
)


def find_places(text: str) -> Iterator[Candidate]:
    """Yield street addresses, PO boxes, cities, ZIP codes and institution names."""
    lex = lexicon()
    tailed: set[int] = set()

    def tail(pos: int) -> Iterator[Candidate]:
        # the places after a street, read once per end: several street rules find the same street
        if pos not in tailed:
            tailed.add(pos)
            yield from _address_tail(text, pos)

    for m in STREET_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "ADDRESS", P_ADDRESS, "pattern")
        yield from tail(m.end())
        after = CITY_AFTER_STREET_RE.match(text, m.end())
        if after and (start := _trim_city(text, after.start("city"), after.end("city"))) is not None:
            yield Candidate(start, _without_region(text, start, after.end("city")), "CITY", P_ADDRESS, "pattern")
    for m in STREET_LOWER_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "ADDRESS", P_ADDRESS, "pattern")
    for regex in (NAMED_STREET_RE, STREET_SEGMENT_RE, ORDINAL_STREET_RE, KIND_FIRST_STREET_RE):
        for m in regex.finditer(text):
            if regex is STREET_SEGMENT_RE and not _line_names_a_place(text, m.end()):
                continue  # "Cine Loop, Sagittal View", "Trigger Point, Left Trapezius": a list, not an address
            if regex is KIND_FIRST_STREET_RE and _report_words_only(m.group()):
                continue  # "Via Left Radial Artery 6": an approach, not a street
            group = "street" if "street" in regex.groupindex else 0
            start = _trim_street(text, m.start(group), m.end(group))
            if start is not None:
                yield Candidate(start, m.end(group), "ADDRESS", P_ADDRESS, "pattern")
                yield from tail(m.end())
    for m in STREET_SUFFIXED_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "ADDRESS", P_ADDRESS, "pattern")
        yield from tail(m.end())
    for m in NUMBERED_CROSS_STREET_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "ADDRESS", P_ADDRESS, "pattern")
        yield from tail(m.end())
    for m in EIRCODE_RE.finditer(text):
        if " " not in m.group("zip") and _ATC_BEFORE_RE.search(text, max(0, m.start() - 12), m.start()):
            continue  # "ATC N03AX14": a drug's ATC code has an Eircode's shape (precision red team 23)
        yield Candidate(m.start("zip"), m.end("zip"), "ZIP", P_ADDRESS, "pattern")
    for m in STREET_CUE_RE.finditer(text):
        yield Candidate(m.start("street"), m.end("street"), "ADDRESS", P_ADDRESS, "cue")
        after = CITY_AFTER_STREET_RE.match(text, m.end())
        if after and (start := _trim_city(text, after.start("city"), after.end("city"))) is not None:
            yield Candidate(start, _without_region(text, start, after.end("city")), "CITY", P_ADDRESS, "cue")
    for m in STREET_PREFIX_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "ADDRESS", P_ADDRESS, "pattern")
        yield from tail(m.end())
    for m in OTHER_SCRIPT_STREET_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "ADDRESS", P_ADDRESS, "pattern")
    for m in ADDRESS_LABEL_RE.finditer(text):
        end = m.end("v")
        if _CJK_LABEL.search(text, m.start(), m.start("v")):
            # a Chinese, Japanese or Korean address ends at the first word that is no part of one ("住址 浙江省杭州市
            # 西湖区文三路478号 复查"; "北京市 东城区 东四十条甲22号" goes whole)
            end = m.start("v")
            for k, word in enumerate(re.finditer(r"\S+", m.group("v"))):
                if k and not _CJK_ADDRESS_PART.search(word.group()):
                    break
                end = m.start("v") + word.end()
        yield Candidate(m.start("v"), end, "ADDRESS", P_ADDRESS, "cue")
    for regex in (UK_POSTCODE_RE, CA_POSTCODE_RE, AU_POSTCODE_RE):
        for m in regex.finditer(text):
            yield Candidate(m.start("zip"), m.end("zip"), "ZIP", P_ADDRESS, "pattern")
    for m in PLACE_BEFORE_POSTCODE_RE.finditer(text):
        au = text[m.end() - 1 : m.end()].isspace() and text[m.end() : m.end() + 4].isdigit()
        if au and not re.search(r"(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT)\.?,?\s*$", m.group()):
            continue  # four digits after a place need an Australian state between them
        yield from _place_and_street_before(text, m.start("city"), m.end("city"))
    for m in PO_BOX_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "ADDRESS", P_ADDRESS, "pattern")
        yield from tail(m.end())
    for m in LOWER_ADDRESS_RE.finditer(text):
        yield Candidate(m.start("street"), m.end("street"), "ADDRESS", P_ADDRESS, "pattern")
        yield Candidate(m.start("city"), m.end("city"), "CITY", P_ADDRESS, "pattern")
        yield Candidate(m.start("zip"), m.end("zip"), "ZIP", P_ADDRESS, "pattern")
    for m in CITY_STATE_ZIP_RE.finditer(text):
        yield from _place_and_street_before(text, m.start("city"), m.end("city"))
        yield Candidate(m.start("zip"), m.end("zip"), "ZIP", P_ADDRESS, "pattern")
    for m in CITY_STATE_RE.finditer(text):
        state = m.group("state")
        city_start = _trim_city(text, m.start("city"), m.end("city"))
        if city_start is None:
            continue
        city = text[city_start : m.end("city")]
        if city.split(" ", 1)[0].lower() in _VEHICLE_MAKES:
            continue  # "gray 2016 Honda Accord, MA plate ...": a car
        if len(state) > 2 or city.lower() in lex.cities or state not in ("MD", "DO", "PA", "MS", "IN", "OR", "ME"):
            yield Candidate(city_start, m.end("city"), "CITY", P_CITY + 5, "pattern")
    for m in ZIP_CUE_RE.finditer(text):
        yield Candidate(m.start("zip"), m.end("zip"), "ZIP", P_ADDRESS, "cue")
    for m in ZIP4_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "ZIP", P_ADDRESS - 1, "pattern")
    for m in XAD_RE.finditer(text):
        yield Candidate(m.start("city"), m.end("city"), "CITY", P_ADDRESS, "syntax")
        yield Candidate(m.start("zip"), m.end("zip"), "ZIP", P_ADDRESS, "syntax")
    for m in CITY_CUE_RE.finditer(text):
        if _STATE_CODE_AFTER_RE.match(text, m.end("city")):
            # a state's code after it makes it a town whatever the word ("born in Normal, IL", "lives in Reading, PA")
            yield Candidate(m.start("city"), m.end("city"), "CITY", P_CITY, "cue")
            continue
        start = _trim_city(text, m.start("city"), m.end("city"))
        if start is not None:
            yield Candidate(start, m.end("city"), "CITY", P_CITY, "cue")
    for m in IRISH_COUNTY_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "CITY", P_CITY + 5, "pattern")
    for m in MILITARY_UNIT_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "INSTITUTION", P_INSTITUTION, "pattern")
    for m in UNION_LOCAL_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "INSTITUTION", P_INSTITUTION, "pattern")
    for m in MILITARY_BASE_RE.finditer(text):
        words = m.group().lower().split()
        if words[-1] == "afb" and any(w in _SPECIMEN_WORDS for w in words):
            continue  # "Sputum AFB": acid-fast bacilli (blind set 18), not an air force base
        yield Candidate(m.start(), m.end(), "CITY", P_CITY + 5, "pattern")
    for m in COUNTY_RE.finditer(text):
        # (a state's name before "County" is a county's: "Delaware County", "Washington County")
        region = m.group("city").lower() in REGION_NAMES
        start = m.start("city") if region else _trim_city(text, m.start("city"), m.end("city"))
        if start is not None:
            yield Candidate(start, m.end(), "CITY", P_CITY, "pattern")  # whole: "[CITY]", not "[CITY] County"
    for m in LIVES_AT_RE.finditer(text):
        words = m.group("addr").split()
        if not all(w.lower() in lex.not_names or w.lower() == "the" for w in words):  # "lives at Home" stays
            yield Candidate(m.start("addr"), m.end("addr"), "ADDRESS", P_ADDRESS, "cue")
    for m in FLAT_RE.finditer(text):
        yield Candidate(m.start(), m.end(), "ADDRESS", P_ADDRESS, "pattern")
    yield from _find_city_names(text)
    if not text.isascii():
        for m in EMPLOYER_CJK_RE.finditer(text):
            yield Candidate(m.start("org"), m.end("org"), "INSTITUTION", P_INSTITUTION, "cue")
    for regex in (EMPLOYER_FIELD_RE, EMPLOYER_CUE_RE, EMPLOYER_APPOSITION_RE, WORKPLACE_RE):
        for m in regex.finditer(text):
            org = _trim_org(text, m.start("org"), m.end("org"))
            if org is not None:
                # a capitalised kind is the name's last word ("Nashua Foundry"; "Boeing Renton plant" keeps "plant")
                named_kind = (
                    regex is WORKPLACE_RE and m.group("kind")[0].isupper() and m.end("org") == m.start("kind") - 1
                )
                yield Candidate(org[0], m.end("kind") if named_kind else org[1], "INSTITUTION", P_INSTITUTION, "cue")
                if regex is not WORKPLACE_RE:
                    yield from tail(org[1])  # "Teacher at Queen's College, Yaba"
    for m in INSTITUTION_KIND_FIRST_RE.finditer(text):
        group = "inst" if m.group("inst") else "cjk"
        start, end = m.start(group), m.end(group)
        while end > start and text[end - 1] in ".,'\u2019-":
            end -= 1
        words = text[start:end].split()
        if group == "cjk" or not _in_generic(words[1:]):
            yield Candidate(start, end, "INSTITUTION", P_INSTITUTION, "pattern")
    for m in INSTITUTION_RE.finditer(text):
        group = "inst" if m.group("inst") else "univ"
        start, end = m.start(group), m.end(group)
        words = text[start:end].split()
        # Drop leading words that are not part of the name ("Findings The Mercy Hospital" -> "Mercy Hospital").
        while (
            words
            and (
                words[0].lower() in ("the", "a", "an", "at", "from", "to", "of", "and")
                or (
                    words[0].lower() in lex.vocab
                    and words[0].lower() not in GENERIC_INST_WORDS
                    # a region before a name is part of it ("Central Vermont Medical Center", "Northern Westchester")
                    and not (words[0].lower() in _REGION_WORDS and len(words) > 1 and words[1][:1].isupper())
                    # a specialty before its group is the name ("Cardiology Associates of Cape Ann")
                    and not (len(words) > 1 and words[1].lower() in _GROUP_WORDS)
                )
            )
        ):
            start = text.index(words[0], start) + len(words[0])
            while start < end and text[start].isspace():
                start += 1
            words = words[1:]
        if len(words) < 2 or _in_generic(words):
            continue
        if text[start:end].lower().endswith("hospital at home"):
            continue  # "Declined Hospital at Home": a programme of care, not a place
        if words[-1] in _LOWER_KIND_WORDS:
            # "Cross-sectional imaging", "Dedicated MR imaging", "Low-dose EOS imaging" (blind set 16): the kind in
            # small letters is what was done; the name before it stands only if it ends with a kind of its own
            # ("Carrow Valley Health imaging")
            end = start + len(text[start:end][: -len(words[-1])].rstrip())
            words = words[:-1]
            if len(words) < 2 or not _ENDS_WITH_KIND_RE.search(text, start, end):
                continue
        if words[-1] == "VA" and words[-2].lower() in lex.not_names:
            continue  # "Snellen VA", "corrected VA": a visual acuity, not a Veterans Affairs hospital
        end = _institution_tail(text, end)
        yield Candidate(start, end, "INSTITUTION", P_INSTITUTION, "pattern")
        if town := _TOWN_AND_STATE_RE.match(text, end):
            # its town, whatever the word ("St. Joseph Medical Center, Reading, PA"); the state stays
            yield Candidate(town.start("town"), town.end("town"), "CITY", P_INSTITUTION, "pattern")
    for m in ORGANISATION_RE.finditer(text):
        which = "org" if m.group("org") else "camel"
        words = re.findall(r"[A-Za-z]+", m.group(which))
        if not any(w.lower() in lex.not_names for w in words):  # "Siemens Medical Solutions USA, Inc.": a maker
            yield Candidate(m.start(which), m.end(), "INSTITUTION", P_INSTITUTION, "pattern")
    for m in KNOWN_INSTITUTION_RE.finditer(text):
        if not _followed_by_term(text, m.end()):
            end = _institution_tail(text, m.end())
            if end == m.end() and (hospital := _HOSPITAL_NAME_RE.match(text, end)):
                hospital_word = hospital.group(1).lower()
                if hospital_word not in lex.not_names and hospital_word not in GENERIC_INST_WORDS:
                    end = hospital.end()  # "UPMC Presbyterian", "Duke Raleigh": one of the system's hospitals
            yield Candidate(m.start(), end, "INSTITUTION", P_INSTITUTION, "list")


#: Kinds of institution that, in small letters, are what a report does, not whom it names.
_LOWER_KIND_WORDS = frozenset({"imaging", "radiology", "diagnostics", "teleradiology"})
_ENDS_WITH_KIND_RE = re.compile(rf"(?i:{_INST_SUFFIX})\b$")
#: A town and a US state's code after an institution's name (", Reading, PA").
_TOWN_AND_STATE_RE = re.compile(
    rf",[ \t]{{0,3}}(?P<town>[A-Z][a-z]+(?:[ ][A-Z][a-z]+){{0,2}}),?[ \t]{{1,3}}(?:{_STATE_CODE})(?![\w-])"
)


def _institution_tail(text: str, end: int) -> int:
    """Where an institution's name found up to ``end`` really ends: after a legal form, a campus or a town that
    follows it (see ``_INST_TAIL_RE``); a town only when the world list knows it."""
    m = _INST_TAIL_RE.match(text, end)
    if m is None:
        return end
    if m.group("place") is not None:
        words = m.group("place").split()
        for n in range(len(words), 0, -1):
            if " ".join(words[:n]).lower() in lexicon().places:
                return m.start("place") + len(" ".join(words[:n]))
        return end
    return m.end()


def _followed_by_term(text: str, end: int) -> bool:
    """Whether the word after a listed institution's name makes it a medical term ("Duke criteria", "Mayo
    score")."""
    nxt = text[end : end + 30].split()
    return bool(nxt) and nxt[0].lower().strip(".,;:") in _KNOWN_NAME_FOLLOWERS


def _place_and_street_before(text: str, start: int, end: int) -> Iterator[Candidate]:
    """The place at ``text[start:end]`` (before a postcode or a state), and a street without a number right before
    it ("Hollybush Lane, Salisbury SP2 7QX")."""
    trimmed = _trim_city(text, start, end)
    if trimmed is None:
        return
    yield Candidate(trimmed, end, "CITY", P_ADDRESS, "pattern")
    street = _STREET_BEFORE_PLACE_RE.search(text, max(0, trimmed - 80), trimmed)
    if street:
        yield Candidate(street.start("street"), street.end("street"), "ADDRESS", P_ADDRESS, "pattern")


#: Labels of a contact line that may follow a postcode where another country writes the town ("44122 Tel ...").
_CONTACT_LABELS = frozenset("tel tél phone ph telephone fax email e-mail mail web www mobile cell".split())
_KEPT_REGIONS = US_STATES | frozenset("ab bc mb nb nl ns nt nu on pe qc sk yt nsw vic qld sa wa tas act".split())


def _address_tail(text: str, pos: int) -> Iterator[Candidate]:
    """The places and postcode after a street address that ends at ``pos``, on the same line (up to three pieces:
    "Upper Hill, Nairobi 00100")."""
    for _ in range(3):
        m = ADDRESS_TAIL_RE.match(text, pos)
        if m is None:
            return
        for group in ("zip1", "zip2", "zip3"):
            if m.group(group):
                yield Candidate(m.start(group), m.end(group), "ZIP", P_ADDRESS, "pattern")
        for group in ("city1", "city2"):
            value = m.group(group)
            if not value or value.lower() in _KEPT_REGIONS or value.lower().rstrip(".") in _CONTACT_LABELS:
                continue  # a state or province stays (Safe Harbor keeps states); "44122 Tel 216-...": no town
            if value.lower() in REPORT_ABBREVIATIONS:
                continue  # "ID 83706   CLIA# 13D2084517": a laboratory's number, no town
            end = _without_region(text, m.start(group), m.end(group))
            if (start := _trim_city(text, m.start(group), end)) is not None:
                yield Candidate(start, end, "CITY", P_ADDRESS, "pattern")
        pos = m.end()


_POSTCODE_HINT_RE = re.compile(r"(?<![\w.])\d{4,6}(?![\w.])|(?<![\w-])[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}(?![\w-])")


def _line_names_a_place(text: str, pos: int) -> bool:
    """Whether the rest of the line from ``pos`` holds a postcode or a known town: what makes a comma-separated
    piece ending in a street's kind part of an address, not of a list ("Cine Loop, Sagittal View")."""
    end = text.find("\n", pos)
    line = text[pos : end if end >= 0 else len(text)][:200]
    if _POSTCODE_HINT_RE.search(line):
        return True
    places = lexicon().places
    return any(m.group().lower() in places for m in _CITY_WORD_RE.finditer(line))


def _report_words_only(street: str) -> bool:
    """Whether the capitalised words after a street's kind are all report vocabulary ("Via Left Radial")."""
    lex = lexicon()
    words = [w for w in re.findall(r"[^\W\d_]+", street)[1:] if w[0].isupper()]
    return bool(words) and all(w.lower() in lex.vocab or w.lower() in _ANATOMY_WORDS for w in words)


_ANATOMY_WORDS = frozenset(
    "radial femoral brachial ulnar jugular subclavian carotid iliac popliteal pedal basilic cephalic portal "
    "hepatic renal splenic artery vein approach access sheath common internal external superficial".split()
)


def _trim_street(text: str, start: int, end: int) -> int | None:
    """Drop the leading words of a street match that are report vocabulary or function words ("The", "On",
    "Findings"); ``None`` if only the street's kind is left."""
    lex = lexicon()
    words = text[start:end].split()
    while len(words) > 1 and (words[0].lower() in lex.vocab or words[0].lower() in _STREET_LEAD_WORDS):
        start = text.index(words[1], start + len(words[0]))
        words = words[1:]
    return None if len(words) < 2 and not words[0][0].isdigit() else start


def _trim_org(text: str, start: int, end: int) -> tuple[int, int] | None:
    """An employer's name at ``text[start:end]`` without trailing punctuation and leading report words; ``None``
    when nothing distinctive is left: only report vocabulary or generic words, or a level or an abbreviation of
    the report ("at L4", "for MDT")."""
    while end > start and text[end - 1] in ".,'\u2019-&":
        end -= 1
    s = _trim_street(text, start, end)
    if s is None:
        s = start
    words = text[s:end].split()
    if not words or _in_generic(words) or words[0].lower() in _STREET_LEAD_WORDS or words[0].lower() in _NOT_ORG:
        return None
    if len(words) == 1 and (re.fullmatch(r"[A-Z]{1,4}\d*|[A-Z]\d+(?:-[A-Z]?\d+)?", words[0]) or len(words[0]) < 3):
        return None
    return s, end


_NOT_ORG = frozenset("home night nights weekend weekends present times least work bedside rest".split())
_STREET_LEAD_WORDS = frozenset("the a an on at in from to of and or via near off along by left right".split())


def _without_region(text: str, start: int, end: int) -> int:
    """The end of a town's name without the state or province in capitals after it ("Beachwood OH", "MURILLO
    ON": Safe Harbor keeps the state)."""
    head, _, last = text[start:end].rpartition(" ")
    if head.strip() and last.isupper() and last.lower() in _KEPT_REGIONS:
        return start + len(head.rstrip())
    return end


#: Makes of car: a model after one, and the state of its plate, are no town ("Honda Accord, MA plate 8TKL42").
_VEHICLE_MAKES = frozenset(
    "honda toyota ford chevrolet chevy nissan hyundai kia subaru mazda jeep dodge ram gmc bmw mercedes audi "
    "volkswagen vw tesla lexus acura buick cadillac chrysler volvo mitsubishi lincoln infiniti porsche mini fiat "
    "genesis pontiac saturn oldsmobile mercury suzuki isuzu harley yamaha kawasaki".split()
)


#: A state, a province or a territory by its name: a region Safe Harbor lets a text keep, never a town ("lives in
#: Vermont", "treated in Ontario", "moved from Quebec"; not New York or Washington, which are cities too).
REGION_NAMES = frozenset(n.lower() for n in _STATE_NAMES.split("|") if n not in ("New York", "Washington")) | frozenset(
    (
        "alberta|british columbia|manitoba|new brunswick|newfoundland|newfoundland and labrador|nova scotia|ontario|"
        "prince edward island|quebec|québec|saskatchewan|yukon|northwest territories|nunavut|new south wales|"
        "victoria|queensland|south australia|western australia|tasmania|northern territory|australian capital territory"
    ).split("|")
)


def _trim_city(text: str, start: int, end: int) -> int | None:
    """Drop leading vocabulary from a city match; ``None`` if nothing city-like is left, or a state's or a
    province's name is all there is."""
    lex = lexicon()
    words = text[start:end].split()
    if text[start:end].lower() in REGION_NAMES or " ".join(words[:2]).lower() in REGION_NAMES:
        return None
    if len(words) > 1 and words[0].lower() in REGION_NAMES and words[1].lower() in lexicon().not_names:
        return None  # a region before a word of the report: "Blue Cross Blue Shield of Iowa Medicare Supplement"
    if text[start:end].lower() in lex.places:
        return start
    words = text[start:end].split(" ")
    while words and (words[0].lower() in lex.vocab or words[0].lower() in ("the", "in", "at", "from", "of")):
        start += len(words[0]) + 1
        words = words[1:]
    if not words or start >= end:
        return None
    return start


# A run of capitalised words in any Latin script ("Zürich", "Gdańsk"), looked up in the lexicon's places. The class
# admits the lower-case letters of Latin Extended-A too (its cases alternate); the finder skips those words.
_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u017f"
_LOW = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u017f"
_CITY_WORD_RE = re.compile(
    rf"(?<![\w-])[{_UP}][{_LOW}]+(?:[ -](?:[{_UP}][{_LOW}]+|St\.|of|de|do|da|del|di|du|la|le|sur|upon|am))"
    rf"{{0,3}}\b|\bSt\. [{_UP}][{_LOW}]+\b"
)


#: Words after a place's name that make it a medical term ("Ottawa ankle rules", "Bethesda category IV", "Glasgow
#: coma scale", "Bristol stool chart", "Edinburgh handedness inventory", "Montreal cognitive assessment").
#: A model's code after a place's name makes it a device ("Exeter V40 stem", "Oxford Mk3 knee").
_MODEL_CODE = re.compile(r"(?:[A-Z]{1,3}|Mk|Mark)-?\d{1,4}[A-Za-z]?")
#: Words after a place's name (or the word after it: "Oxford Hip Score") that make it a term.
_PLACE_TERM_FOLLOWERS = frozenset(
    "classification criteria staging system scientific category categories ankle knee foot rules coma stool "
    "handedness cognitive questionnaire guideline guidelines consensus protocol virus fever encephalitis agent "
    "score scale chart inventory stem prosthesis implant cup procedure technique splint brace index assessment "
    "questionnaire risk equation strait islander islanders scientific".split()
)


#: What follows a place's name when it names a scale or a classification: a percentage, or a Paris class of a polyp.
_SCORE_AFTER_PLACE = re.compile(
    # "Prague C2M4": Barrett's length; "(Boston 2.0)", "(Evans 0.34)": a criteria's version, an index's value
    r"(?:\d+(?:\.\d+)?%|0-I|C\d{1,2}M\d{1,2}|\d{1,2}[.,]\d{1,2}\)?[,;.]?)"
)


#: Words of other languages that the world's list also knows as towns: a report in that language says them as words
#: ("Para:" an e-mail's To, "relevantes para la", "Mitte bis Basis" a prostate's mid-gland, "Klinik Bilgi" clinical
#: information, "Koło Willisa" the circle of Willis; blind set 17).
_FOREIGN_WORDS = frozenset(
    "para mitte bilgi koło kolo como sur bis mais nach sobre entre pour avec dans desde hasta bajo tras durante "
    "centro lado parte zona hilo polo base ápice apice vista sinistra destra links rechts oben unten "
    # German nouns, capitalised wherever they stand ("nach dem Essen", "Lage und Form"; precision red team 23; the
    # other languages' words are in small letters but at a sentence's start, see _SENTENCE_START_RE)
    "essen lage".split()
)
#: A hyphen and a word in small letters glued after a town: a compound ("porto-cava", "Boston-kriteriene"), unless
#: a capitalised part follows as a town's own does ("Westbury-on-Trym").
_COMPOUND_AFTER_RE = re.compile(r"-[^\W\d_A-Z]+(?![^\W\d_]|-[A-Z])")
#: English words that follow a town where it starts a sentence ("Moline after CO exposure at home").
_AFTER_A_PLACE = frozenset(
    "and or the on at in for of to with was is who has had as by from after before near since until via where when "
    "last yesterday today resident residents".split()
)
#: Where a sentence or a paragraph starts (a line's start alone may be a dictation's wrap: "old age home\nRondebosch
#: new paragraph"; set 14): a town there before a word in small letters is a word of the text ("Franca
#: consolidazione", "Sens inverse") more often than a place, which a report names in an address or after a cue.
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;][ \t]*\r?\n?|\n[ \t]*\r?\n)[ \t]*[(\[\"\u201c]?$")
_DEVICE_MAKERS = frozenset("gore cook stryker zimmer biomet abbott medtronic arthrex depuy olympus".split())


def _find_city_names(text: str) -> Iterator[Candidate]:
    lex = lexicon()
    cities = lex.places
    for m in _CITY_WORD_RE.finditer(text):
        if not m.group()[0].isupper():
            continue
        words = m.group().split(" ")
        # Try the longest run of words that is a known city (up to three words).
        i = 0
        offset = m.start()
        while i < len(words):
            region = next(
                (n for n in (3, 2) if i + n <= len(words) and " ".join(words[i : i + n]).lower() in REGION_NAMES), 0
            )
            if region:  # "British Columbia": a province, not the town of Columbia
                offset += sum(len(w) + 1 for w in words[i : i + region])
                i += region
                continue
            found = 0
            for n in (3, 2, 1):
                if i + n <= len(words) and " ".join(words[i : i + n]).lower() in cities:
                    found = n
                    break
            if found:
                phrase = " ".join(words[i : i + found])
                low = phrase.lower()
                nxt = text[offset + len(phrase) : offset + len(phrase) + 40].split()
                followers = [w.lower().strip(".,;:()[]") for w in nxt[:2]]
                # or the end of a capitalised instrument's name ("Edinburgh Postnatal Depression Scale")
                for w in nxt[:4]:
                    if not w[:1].isupper():
                        break
                    followers.append(w.lower().strip(".,;:"))
                    if w[-1] in ".,;:":
                        break
                end = offset + len(phrase)
                # (a town of several hyphenated words is one: "Westbury-on-Trym", "Stratford-upon-Avon")
                compound = _COMPOUND_AFTER_RE.match(text, end) is not None
                opening = (
                    low not in lex.cities  # (a US town keeps its old rules)
                    and bool(nxt)
                    and nxt[0][:1].islower()
                    and nxt[0].lower().strip(".,;:") not in _AFTER_A_PLACE
                    and _SENTENCE_START_RE.search(text, max(0, offset - 4), offset) is not None
                )
                if (
                    not compound  # "porto-cava", "Boston-kriteriene": a compound word, not the town
                    and not opening  # "Massa di 3 cm nel segmento VII": a sentence's first word
                    and low not in lex.not_names
                    and low not in lex.first_names
                    and low not in _FOREIGN_WORDS  # "Para:", "Mitte bis Basis", "Koło Willisa": words, and towns
                    and low not in _VEHICLE_MAKES  # "Honda" is a town in Colombia, and a car
                    and low not in _DEVICE_MAKERS  # "Gore Excluder", "Cook Zenith": a maker, not a town
                    and not (nxt and _MODEL_CODE.fullmatch(nxt[0]))  # "Exeter V40 stem": a device's model
                    and not (nxt and _SCORE_AFTER_PLACE.match(nxt[0]))  # "Oswestry 42%", "Paris 0-Is": a scale
                    and low not in REGION_NAMES
                    and not any(f in EPONYM_FOLLOWERS or f in _PLACE_TERM_FOLLOWERS for f in followers)
                ):
                    yield Candidate(offset, offset + len(phrase), "CITY", P_CITY, "dictionary")
                for w in words[i : i + found]:
                    offset += len(w) + 1
                i += found
            else:
                offset += len(words[i]) + 1
                i += 1

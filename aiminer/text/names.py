"""Person-name detection: cues, credentials, DICOM/HL7 name syntax, a name dictionary, and propagation.

Rules, strongest first:

1. A cue before the name: titles ("Dr.", "Mr.", "Mrs."), roles ("Attending:", "Technologist:", "signed by",
   "dictated by", "referred by", "cc:", "discussed with", "mother"), header labels ("Patient:", "Name:").
   Any capitalised words after a cue are a name unless they are report vocabulary.
2. A credential after the name ("Smith, MD", "Jane Doe RT(R)").
3. Name syntax: ``LAST^FIRST`` (DICOM PN, HL7 XPN); transcription initials ("JS/kl").
4. The dictionary (US Census first names and surnames) without a cue: "First [M.] Last", "LAST, FIRST",
   "J. Smith". Eponyms are kept when followed by a medical noun ("Parkinson disease", "Foley catheter",
   "Baker cyst") or preceded by one ("pouch of Douglas").
5. Propagation: a word found in any name above is removed wherever else it appears capitalised in the same
   document ("Dr. Okafor ... Okafor agrees").
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import unicodedata
from typing import TYPE_CHECKING

from aiminer.text.alternation import by_first_letter
from aiminer.text.lexicon import REPORT_ABBREVIATIONS, Lexicon, lexicon
from aiminer.text.patterns import EPONYM_FOLLOWERS, P_NAME, P_NAME_CUED, STREET_KIND_WORDS, US_STATES, Candidate

if TYPE_CHECKING:
    from collections.abc import Iterator

_TOKEN_RE = re.compile(
    r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF][A-Za-z\u00C0-\u024F\u1E00-\u1EFF'\u2019]*(?:-[A-Za-z\u00C0-\u024F\u1E00-\u1EFF][A-Za-z\u00C0-\u024F\u1E00-\u1EFF'\u2019]*)*|\S"
)

_TITLES = (
    # (the Polish doctor's degrees first, "dr n. med. Piotr Zawadzki", "dr hab. n. med.": "Dr" alone would take "n")
    r"dr\s+hab\.?(?:\s+n\.\s?med)?|dr\s+n\.\s?med"
    r"|Dr\.\s?med|Dr|Drs|Dra|Doctor|Mr|Mrs|Ms|Mss|Miss|Mx|Prof|Professor|Sr|Sra|Srta|Sister|Nurse|Rev|Father|Capt|Sgt|Lt|Col|Hon"
    r"|Mme|Mlle|Dott|Dottssa|Herr|Frau|Dre"
    # a priest, a nun and an Indian married woman with their period ("chaplain Fr. Emeka Obi", "Hna. Lucia", "Smt.
    # Sarojamma"): never without it (FR, "Fr" alone, is French or a fraction's)
    r"|Fr(?=\.)|Hna(?=\.)|Smt(?=\.)|Shri(?=\.)"
    # the German and Polish "Pat." (patient) before a name ("Pat. Jolanta Wojciechowski tel. ...")
    r"|Pat(?=\.[ \t]+[A-Z])"
    # other languages' titles ("lek. med. Tomasz", "mevr. J.M. van der Berg", "dhr.", "Sig.ra", "Pani"; not "Pan"
    # or "Sig", which are "Pan CT" and a prescription's "Sig: take one tablet")
    r"|lek\.?\s?med|lek|mevr|mevrouw|dhr|meneer|Sig\.ra|Sayın|Pani"
    # the Polish doctor's degrees and the French professor ("dr n. med. Piotr Zawadzki", "dr hab.", "le Pr
    # Jean-Baptiste Lemoine"; blind set 17): "Pr" with its capital and a capitalised name after it ("ER/PR" stays)
    r"|(?-i:Pr)(?=\.?\s+[A-Z][a-z\u00DF-\u00FF])"
    # honorifics of South Asia, Africa and Malaysia ("Mst. Rokeya Begum", "Mzee Bakari", "Alhaji Musa", "Malam
    # Idris", "Dato' Seri Ahmad", "Datin Noraini", "Engr. Obi", "Barr. Okafor", "Md. Abdul Kader"; blind set 18):
    # "Md" only with its period before a name in small letters ("MD Anderson" is a hospital, "John Smith, MD" a
    # degree)
    r"|Mst(?=\.)|Mosammat|Mzee|Alhaji|Alhaja|Alh(?=\.)|Hajia|Hajiya|Malam|Mallam|Dato['\u2019]?(?:\s+Seri)?|Datuk"
    r"|Datin|Tan\s+Sri|Puan\s+Sri|Haji|Hajjah|Hj(?=\.)|Engr(?=\.)|Barr(?=\.)|Kumari|Kum(?=\.)|Shrimati"
    r"|(?-i:Md)(?=\.[ \t]+[A-Z][a-z])"
    # police officers of South Asia ("S.I. Md. Jashim Uddin", "A.S.I. Ramesh", "Const. Okello")
    r"|(?-i:A\.?S\.I|S\.I)(?=\.)|Inspector|Insp(?=\.)|Constable|Const(?=\.)"
    # clergy ("Pastor Adewale Ogundipe visited")
    r"|Pastor|Rabbi|Imam|Deacon|Reverend"
    # the Greek doctor ("Δρ. Αικατερίνη Μαυρίδου"; blind set 17): with its period
    r"|Δρ(?=\.)"
    # police ("Det. Ruthanne Vasquez-Ibarra, badge 4471"; blind set 12)
    r"|Det(?=\.)|Detective|Ofc(?=\.)|Sgt(?=\.)|Sergeant|Trooper"
)
_ROLES = (
    # whose child or spouse ("son of Late Nurul Amin", "wife of Musa"; blind set 18): first, as "son" alone would
    # match before it
    r"(?:son|daughter|wife|husband|widow|widower|child)\s+of(?:\s+(?:the\s+)?late)?|"
    # a Greek father's name ("Όνομα πατρός: Νικόλαος"; blind set 17): before "όνομα" alone
    r"[όο]νομα\s+πατρ[όο][ςσ]|πατρώνυμο|"
    # who held a role ("the reporting radiographer was Aled Roberts-Mancini"; set 15): first, as "radiographer"
    # alone would match before it
    r"(?:radiographer|radiologist|technologist|sonographer|tech|nurse|physician|surgeon|resident|fellow|attending"
    r"|scheduler|coordinator|interpreter)\s+(?:was|is)|"
    # (a baby's chosen name before "name" alone: "name the twins Hugo and Theo")
    r"patient(?:\s+name)?|pt(?:\s+name)?|name\s+(?:him|her|them|the\s+(?:baby|twins|triplets|child))|name"
    r"|patient\s+is|full\s+name|legal\s+name|preferred\s+name|alias|aka"
    r"|(?:electronically\s+)?signed(?:\s+out)?\s+by|e-?signed\s+by|dictated\s+by|transcribed\s+by|typed\s+by"
    r"|referred\s+by|referring(?:\s+(?:physician|provider|doctor|clinician|md|dr))?|ordering(?:\s+(?:physician|"
    r"provider|doctor|clinician|md))?|ordered\s+by|requested\s+by|requesting(?:\s+(?:physician|provider))?"
    r"|attending(?:\s+(?:physician|radiologist|surgeon|md|staff))?|technologist|technician|tech|radiologist"
    r"|resident|fellow|sonographer|mammographer|nurse|rn|physician|provider|surgeon|pathologist|cytotechnologist|doula"
    r"|signed|signature|interpreted\s+by|read\s+by|reviewed\s+by|verified\s+by|approved\s+by|reported\s+by|performed\s+by"
    r"|prepared\s+by|finalized\s+by|authenticated\s+by|scribed\s+by|seen\s+by|examined\s+by|consult(?:ed)?\s+by"
    r"|discussed\s+w(?:ith|/)|d/w|communicated\s+(?:to|with)|spoke\s+(?:to|w(?:ith|/))|called\s+to|conveyed\s+to"
    r"|notified|informed|paged|relayed\s+to|reported\s+to|results\s+given\s+to|read\s+back\s+by"
    r"|cc|c\.c\.|copy\s+to|copies\s+to|pcp|primary\s+care(?:\s+(?:physician|provider))?|care\s+of|c/o"
    r"|contact(?:\s+person)?|emergency\s+contact|next\s+of\s+kin|nok|guarantor|subscriber|insured|responsible\s+party"
    r"|(?:son|daughter|mother|father|brother|sister)-in-law"
    r"|mother|father|mom|dad|wife|husband|spouse|partner|son|daughter|sister|brother|guardian|caregiver|parents?"
    # ("Previous adopted child Kasimir, 9"; not "child Life", "Child Protective Services")
    r"|(?:adopted|foster|biological|older|younger|eldest|oldest|youngest|previous|other)\s+child"
    r"|grandmother|grandfather|aunt|uncle|niece|nephew|cousin|friend|neighbou?r|accompanied\s+by|witness(?:ed\s+by)?"
    r"|child\s+life(?:\s+specialist)?"
    r"|grand(?:daughter|son|child|parents?)|step(?:mother|father|son|daughter)|fianc[eé]{1,2}|girlfriend|boyfriend"
    r"|room-?mate|house-?mate|co-?worker|colleague|sibling"
    # name fields of a form ("Surname: ACHTERBERG   Forename(s): Philippa")
    r"|surname|family\s+name|last\s+name|first\s+name|given\s+names?|forenames?(?:\(s\))?|middle\s+name"
    r"|christian\s+name|nickname|known\s+as|goes\s+by|pref(?:ers|erred)?\.?(?=\s{0,10}[\"'\u201c])"
    # staff fields of other countries and systems ("Req Phys: HOLLOWAY,BRENT T", "GP: Dr H. Vaswani")
    r"|(?:req(?:uesting)?|att(?:ending)?|ref(?:erring)?|ord(?:ering)?)\.?\s+phys(?:ician)?\.?|gp|consultant"
    r"|registrar|midwife|clinician|practitioner|(?:study\s+)?coordinator|receptionist|secretary|scheduler|porter"
    r"|transporter|dietitian|pharmacist|therapist|lpn|cna|scrub|circulator|circulating(?:\s+nurse)?"
    r"|social\s+worker|case\s+manager|(?:nurse\s+)?navigator|chaplain|radiographer|physio(?:therapist)?|paramedic"
    r"|(?:genetic\s+)?counsell?or|(?:lives|living|stays|staying)\s+with"
    r"|dosimetrist|(?:medical\s+)?physicist|perfusionist|phlebotomist|sedation\s+nurse|this\s+is|my\s+name\s+is"
    # who else handles a case or a specimen ("adjuster Tobias Reinholt", "collector Priyanka Sandhu",
    # "Échographiste: Karine Dubé-Ouellet"; set 13)
    r"|adjuster|collector|[ée]chographiste"
    # a laboratory's staff who cut and stain ("Cut by histotech Ngozi Adeyemi-Farrell"; red team 22)
    r"|histotech(?:nologist|nician)?|grosser|prosector"
    # imaging-adjacent staff and visitors ("echo physiologist: Tamsin ...", "Radiopharmacist: Harjit Sandhu",
    # "Therapeutic radiographers: Owain ...", "Technologue : Jean-Philippe ...", "Abbott rep Trey ..."; set 14)
    r"|(?:echo\s+|cardiac\s+|clinical\s+)?physiologist|radiopharmacist|radiographers|technologue|driver"
    r"|(?:industry|company|device|vendor|clinical\s+specialist)\s+(?:rep(?:resentative)?|support(?:\s+present)?)"
    # a clinician's credential before the name ("urology NP Wendeline Prothero", "marks by RTT Olamide")
    r"|np|aprn|crna|cnm|rtt|pa-c"
    # who else a note names ("Observer: Nkechi Ugwu", "landlord Kostas Papadakis"), French relatives ("père
    # Jean-François Tremblay"), and a baby's chosen name ("the name Willow June", "name the twins Hugo and Theo")
    r"|observer|landlord|landlady|coach|cra|investigator|housekeeper|caseworker|p[eè]re|m[eè]re|fr[eè]re|s(?:œ|oe)ur|grand-p[eè]re|grand-m[eè]re|oncle|tante"
    r"|the\s+name|named"
    r"|daughters|sons|sisters|brothers|grandchildren|granddaughters|grandsons|children|kids"
    r"|scribe|inmate|nom|pr[eé]nom|apellidos?|nombre|vorname|nachname|cognome"
    # name fields and relatives of other languages ("Paciente:", "Pacjent:", "Namn:", "Cognome e nome:", "Hasta Adı
    # Soyadı:", "Ασθενής", "figlia Chiara", "żona -", "zoon Bart", "belle-fille An", "roepnaam Joke")
    r"|paciente|pacjent|pacjentka|patiënt|patiente|namn|navn|naam|nome(?:\s+completo)?|cognome\s+e\s+nome"
    r"|imi[eę]\s+i\s+nazwisko|nazwisko|imi[eę]|hasta(?:\s+ad[ıi](?:\s+soyad[ıi])?)?|ad[ıi]\s+soyad[ıi]|enw"
    r"|ασθενής|ονοματεπώνυμο|όνομα|roepnaam|figlia|figlio|filha|filho|hija|hijo|esposa|esposo|marido|moglie"
    # Chinese, Japanese and Korean name fields ("病人 欧阳巧云", "患者氏名：山田花子", "환자명: 김민준")
    r"|病人姓名|患者姓名|患者氏名|姓名|病人|患者|氏名|환자명|환자|성명|이름"
    r"|marito|żona|mąż|córka|syn|zoon|dochter|echtgenote|echtgenoot|fille|fils|belle-fille|beau-fils|épouse|époux"
    # Norwegian, Danish and Swedish patients, relatives and doctors, a Czech maiden name, a Greek full name and
    # father's name, in Greek or in Latin letters ("Pasient: Ragnhild Haugland", "Pårørende: sønn Eirik", "overlæge
    # Henrik Skovgaard", "roz. Procházková", "Onomateponymo: Karagianni Eleni"; blind set 17)
    r"|pasient|p[åa]r[øo]rende|s[øo]nn?|datter|hustru|ektefelle|[æa]gtef[æa]lle|overl[æa]ge|overlege"
    r"|praktiserende\s+l[æa]ge|fastlege|l[æa]kare|roz\.|rozen[áa]|onomateponymo|onoma\s+patros|patronymo"
    # Swedish senior and specialist doctors, French radiographers and nurse anaesthetists ("överläkare Björn
    # Lindqvist", "manipulateur : Fabrice Giordano", "IADE Céline Roux"; blind set 17)
    r"|(?:[öo]ver|specialist|r[öo]ntgen|under|avdelnings)l[äa]kare|manipulat(?:eur|rice)|(?-i:IADE|IBODE)"
    r"|eşi|kızı|oğlu|κόρη|γιος|σύζυγος|worker|claimant|supervisor|attendant|members\s+present|chair"
    r"|reporting|verified|confirmed\s+by"
    # a system's user fields ("User: mlopez", "Logged in as jsmith2", "Transcriptionist: kpatel")
    r"|user(?:\s?name|\s?id)?|login(?:\s+id)?|logged\s+in\s+as|operator|transcriptionist|author|editor"
    # an email's headers (with their colon), a greeting or a closing ("Hi Anjali", "Thanks, Sameer"), a payer's or
    # a company's representative ("Aetna rep Jolene")
    r"|from(?=\s{0,3}:)|to(?=\s{0,3}:)|sender|recipient|rep|representative"
    r"|hi|hello|hey|dear|(?:many\s+)?thanks,|thank\s+you,|regards,|sincerely,|cheers,|faithfully,|truly,"
    # whom to ask, call or page ("Ask Rajesh before use", "page Anneliese"): only before a given name (_ASKED)
    r"|(?:ask|tell|call|page|ping|text|e-?mail|contact)(?!\s{0,10}[:#：-])"
    # a maiden or married name ("ved. Ricci", "née Dupont", "geb. Müller")
    r"|ved\.|vedova|n[ée]e|geb\.|geborene"
    r"|consent(?:ed)?\s+(?:obtained\s+)?(?:from|by)|interpreter|chaperone|scheduled\s+by|dr\.?\s+name"
    r"|mother's\s+maiden\s+name|maiden\s+name|birth\s+name|re|attn|attention"
    # "telepho by: Philippa ...": a signature line whose verb was cut; with its colon only
    r"|by(?=\s{0,10}:)"
    # "MPR by Bartholomew Strazzeri": a bare "by" only before two capitalised words no dictionary knows
    r"|by"
    # any past participle before "by" ("Reformatted by Nakamura Hiroshi", "contoured by Lindqvist")
    r"|[a-z]{3,}ed\s+by"
    # whom a sample or a record was asked of ("redraw requested from Kasimir Tamburello"): before two name words only
    r"|requested\s+from"
    # a patient's other names, whom a shift or a case is handed to ("Other names used: Walt Shepanski", "Shift
    # handoff to Jacqui at 07:00"), and the
    # people of records, legal and safety offices ("Handler: Rhodri Penhaligon", "paralegal Dana Whitcombe"; set 15)
    r"|other\s+names?(?:\s+used)?|previous\s+names?|former\s+names?|also\s+known\s+as|formerly\s+known\s+as"
    r"|hand(?:ed)?[\s-]?off\s+to|hand-?over\s+to|handed\s+over\s+to|signed\s+out\s+to"
    r"|handler|curator|clerk|paralegal|attorney|solicitor|counsel|lawyer|administrator|admin"
    # a household's helper, a form's "Names:" (blind set 18)
    r"|house\s?-?help|helper|maid|caretaker|ayah|names(?=\s{0,3}:)"
    # "labeled with the patient's name (Oyelaran, Nkechi)"
    r"|patient['\u2019]s\s+name"
)


#: (a doctor's or professor's only: "MR.BRAIN" is a modality and a body part)
_GLUED_TITLE = r"(?:(?<=dr\.)|(?<=prof\.))(?-i:(?=[A-Z]))"


def _cue_pattern(titles: str, roles: str) -> str:
    return (
        # (a title with its period glued after capitals, "MRDr. Bartholomew Fitzgerald": a cut line left "MR" before)
        rf"(?:(?<![^\W\d_])|(?-i:(?<=[A-Z])(?=(?:Dr|Mrs?|Ms|Prof)\.\s)))"
        # (a relative by marriage is no title: "sister-in-law Debbie", not "Sister" and a dash)
        # (a doctor's period glued to a name, "DR.VANTERPOOL" in a protocol name, is a separator too)
        rf"(?:(?P<title>{titles})\.?(?!-in-law)|(?P<role>{roles}))(?:\s{{0,10}}[:#：-]\s{{0,10}}|\s+|{_GLUED_TITLE})"
        rf"(?:(?P<title2>{titles})\.?\s+)?"
    )


#: A title or a role, then its separator (and maybe a second title). The alternatives are grouped by their first
#: letter (:mod:`aiminer.text.alternation`): the same matches, about four times faster than the plain alternation,
#: which was the scrubber's costliest regex.
_CUE_RE = re.compile(_cue_pattern(by_first_letter(_TITLES), by_first_letter(_ROLES)), re.IGNORECASE)
#: A tumour's T or N category right before (then "Mx" is its M category).
_TNM_BEFORE_RE = re.compile(r"\b[cpyr]{0,2}[TN](?:[0-4][a-d]?|x|is)[ \t,]+$")
_TITLE_SEPARATOR_RE = re.compile(r"[:#-]\s{0,10}")
#: What follows an eponym ("Sister Mary Joseph nodule", "Sister Mary Joseph's node").
_EPONYM_AFTER_RE = re.compile(rf"(?:['\u2019]s)?[ \t]+(?:{'|'.join(sorted(EPONYM_FOLLOWERS))})\b", re.IGNORECASE)
#: Titles that are also abbreviations in capitals (left, colonel/colon, sergeant, captain, senior, honorable...).
_WEAK_TITLES = frozenset("lt col sgt capt hon sr rev sister father nurse mss".split())


#: Letters of scripts other than Latin (Han, kana, Hangul, Arabic, Greek, Cyrillic, Hebrew...): a name written in
#: one after a name cue ("姓名 Name: 王秀英", "Arabic: عبدالرحمن بن خالد") or in brackets after a name found
#: ("Kim Min-jun (김민준)") is taken whole, up to four words.
_OTHER_SCRIPT = r"[^\W\d_A-Za-z\u00AA\u00BA\u00C0-\u024F\u1E00-\u1EFF]"
_OTHER_SCRIPT_NAME_RE = re.compile(rf"{_OTHER_SCRIPT}+(?:[ \u3000\u00B7\u30FB]{_OTHER_SCRIPT}+){{0,3}}")
#: A name written again in another script after the script's name ("Arabic: عبدالرحمن بن خالد"); only text in
#: another script follows such a cue ("Latin: Os trigonum" is anatomy).
_SCRIPT_LABEL_RE = re.compile(
    r"(?i:\b(?:arabic|chinese|greek|korean|japanese|hebrew|russian|cyrillic|hangul|kanji|kana|katakana|hiragana)"
    r"(?:\s+name)?\s{0,3}:\s{0,3})"
)
#: Values of a name field that are no one's name ("Technologist: Unknown", "Attending: Pending").
_PLACEHOLDERS = frozenset(
    "unknown pending none n/a na self same tbd tba declined deceased present absent yes no unassigned other "
    "various multiple see system admin administrator interface auto automatic default batch service "
    # what follows "Patient" or "New patient" in a heading ("NEW PATIENT CONSULTATION", "Patient Education")
    "consultation consult evaluation visit note intake education instructions information portal requester "
    "requestor sender recipient".split()
)
#: The names of US states (one word), which never start a person's name after a cue unless a given name too.
_STATE_NAMES = frozenset(w for w in US_STATES if len(w) > 2)
#: A number right before a position ("470 ms").
_AFTER_NUMBER = re.compile(r"\d[ \t]?$")
_ALT_NAME_RE = re.compile(
    r"(?:,[ \t]*(?:MD|DO|PhD|MBBS|FRCR|RN|NP|PA)\.?)?[ \t]{0,8}"
    r"[(\uFF08][ \t]*([^()\uFF08\uFF09\n]{1,60}?)[ \t]*[)\uFF09]"
)
#: "Muhammad Tariq S/O Muhammad Bashir", "Amina D/O ...": son or daughter of (in capitals only), and wife or husband
#: of ("Smt. Kavitha W/O Sri Manjunath Gowda", "NASREEN BIBI W/O MUHAMMAD ASLAM"; blind set 18) only before two
#: words that make a name ("CT HEAD W/O CONTRAST" is "without": the name's parse refuses report words), after an
#: honorific or "Late" if any.
_RELATION_OF_RE = re.compile(
    r"(?<![\w/])(?:[SD]/O|(?P<wife>(?-i:W/O))(?=[ \t]+(?:\w+\.?[ \t]+)?[A-Z][A-Za-z'\u2019-]+[ \t]+[A-Z]))[ \t]+"
    r"(?:(?:Late|Lt\.|Sri|Shri|Shree|Mr|Md|Mohd|Mst|Smt)\.?[ \t]+)?"
)
#: Staff and office roles a note writes beside a name: "Siobhan (ward clerk)", "(Odessa, Scheduling)", "Rhodri
#: Penhaligon, Radiation Protection Supervisor", "Pim van der Meulen, Teaching File Curator" (set 15).
_OFFICE_ROLE = (
    r"(?:ward\s+|unit\s+|records?\s+|file\s+|desk\s+)?clerk|scheduling|scheduler|registration|receptionist"
    r"|front\s+desk|(?:pacs\s+|system\s+|it\s+)?admin(?:istrator)?|paralegal|supervisor|curator|interpreter"
    r"|coordinator|manager|assistant|associate|officer|liaison|analyst|specialist|navigator|secretary|technologist"
    r"|radiographer|sonographer|physicist|scribe|transcriptionist|handler|attorney|solicitor|counsel"
)
#: A relation in brackets after a name: "(maternal grandfather)", "(father)", "(paternal first cousin)", "(wife, HCP)".
_RELATION_IN_BRACKETS_RE = re.compile(
    r"(?i)(?<=[^\W\d_])[ \t]{1,3}\((?:(?:maternal|paternal|step|half|great|grand|first|second|older|younger|twin"
    r"|biological|adoptive|ex)[ -]?){0,3}(?:mother|father|mom|mum|dad|sister|brother|son|daughter|aunt|uncle|cousin"
    r"|niece|nephew|grandmother|grandfather|grandson|granddaughter|grandchild|husband|wife|spouse|partner|sibling"
    r"|child|parent|guardian|twin|fianc[eé]e?|(?:son|daughter|mother|father|brother|sister)-in-law)s?(?![^\W\d_])"
    # or a trainee's or a research role ("Nkechi Ugwu (RA)", "Priyanka Sethi (PGY-2, pgr 4471)")
    r"|(?<=[^\W\d_])[ \t]{1,3}\((?-i:RA|CRC|CRA|PGY-?\d|MS[1-4]|research\s+assistant|research\s+coordinator)(?![\w])"
    # or a staff member's role, whole ("-- Siobhan (ward clerk)"; set 15)
    rf"|(?<=[^\W\d_])[ \t]{{1,3}}\((?:{_OFFICE_ROLE})\)"
)


_LOWER_TITLE_NAME_RE = re.compile(r"(?<![\w.])(mrs|mr|dr)\.?[ \t]+([a-z][a-z'\u2019-]{0,24})(?![\w'\u2019-])")
#: Offices that stand in a contact field before a person or for one ("HR - Gail Desrosiers", "PACS manager").
_OFFICES = frozenset("hr him roi qa pacs ris it ed er or icu legal billing scheduling registration".split())
_OFFICE_SEPARATOR_RE = re.compile(r"[ \t]{0,3}[-\u2013\u2014:/][ \t]{0,3}(?=[A-Z])")
#: A given name in small letters after a relative, a greeting or "this is", as patients write in portal messages
#: ("my husband ken", "thank u keisha", "this is jules"; set 15): taken only when the name dictionary knows the word
#: and no word list knows it as anything else ("my husband will", "thanks grace" stay).
_LOWER_GIVEN_NAME_RE = re.compile(
    r"(?<![\w'\u2019])(?:(?:my|her|his|our|their|your)[ \t]+(?:husband|wife|son|daughter|mom|dad|mother|father"
    r"|brother|sister|partner|boyfriend|girlfriend|fianc[eé]e?|grandson|granddaughter|niece|nephew|aunt|uncle|cousin"
    r"|friend|neighbou?r)|this[ \t]+is|thanks,?|thank[ \t]+(?:you|u),?|thx,?|hi|hey|hello|dear)[ \t]+"
    r"([a-z][a-z'\u2019-]{1,20})(?![\w'\u2019-])"
)
#: Cues of a dictation left in small letters, where no capital tells a name from a word ("patient maribel
#: quintanilla mrn", "reported by the sonographer krista lindahl period", "dictated by doctor anand bhattacharya";
#: blind set 16). Strong cues (who dictated, reported, signed) take up to two words no list knows; the others only
#: words the name dictionary knows.
_LOWER_CUE_RE = re.compile(
    r"(?<![\w'\u2019])(?:"
    r"(?P<strong>(?:dictated|reported|signed|read|reviewed|interpreted|performed|transcribed|texted|called|paged"
    r"|discussed|communicated)[ \t]+(?:by|to|with))"
    r"|patient(?:['\u2019]s)?(?:[ \t]+name)?|(?:patient['\u2019]s[ \t]+)?(?:husband|wife|son|daughter|mother|father"
    r"|brother|sister)|sonographer|technologist|radiologist|resident|fellow|attending|referring|ordering|doctor"
    # (not a Polish doctor's degree: "dr n. med. Piotr", "dr hab.")
    r"|dr\.?(?![ \t]+(?:n\.[ \t]?med|hab)\b)|nurse"
    r")(?:[ \t]+(?:colon|:))?(?:[ \t]+the)?(?:[ \t]+(?:doctor|dr\.?|sonographer|technologist|radiologist|nurse))?[ \t]+"
)
#: A word after such a cue: in small letters, or capitalised as a recogniser that knows the name writes it ("patient
#: colon Bronwyn Castellanos-Teague comma")
_LOWER_WORD_RE = re.compile(r"([A-Za-z][a-z'\u2019]*(?:-[A-Za-z][a-z'\u2019]*)*)(?![\w'\u2019-])(,?[ \t]+)?")
_RELATIVE_CUE_RE = re.compile(r"husband|wife|son|daughter|mother|father|brother|sister")
_STATES_OF_MIND = frozenset("aware unaware available unavailable present absent busy ready concerned sure".split())
#: What a speech recogniser writes for punctuation and layout, and words that follow a name in a sentence: never a
#: name.
_SPOKEN_LAYOUT = frozenset(
    "period comma colon semicolon new line paragraph next slash dash hyphen quote unquote open close paren "
    "parenthesis bracket point through about after before during without within via because since while then than "
    "also again today yesterday tomorrow here there now".split()
)
#: What a patient writes after a small "dr" that is no name ("my dr said Osgood Schlatter"; set 15).
_VERBS_AFTER_TITLE = frozenset(
    "said says told tells wants wanted thinks thought recommended recommends ordered orders asked asks called calls "
    "will would could should can may might did does has had was is gave gives put sent sends wrote writes mentioned "
    "explained suggested suggests prescribed referred refers office appt appointment visit note notes".split()
)
_BRACKETED_INITIALS_RE = re.compile(r"\(((?:[A-Z]\.){2,4})\)")
_DOTTED_WORDS = frozenset("us uk eu am pm nb ie eg usa uae".split())
#: A meeting's participant as Teams or Zoom lists them ("Oduya, Grace (External)", "Trinh, Mei-Ling (Guest)").
_PARTICIPANT_RE = re.compile(
    r"(?P<name>[A-Z][A-Za-z'\u2019-]+,[ \t][A-Z][A-Za-z'\u2019-]+(?:[ \t][A-Z]\.?)?)[ \t]\("
    r"(?:External|Guest|Organi[sz]er|Presenter|Host|Co-host|Unverified|Attendee)\)"
)
#: A child's or a baby's name in quotes after who it is ("girl \"Pippa\", 3290 g", "Twin B to be named \"Isolde\"",
#: "Baby's name chosen: \"Benicio\"", "now \"Wrenley Falkenrath\"", "(\"Auntie Liu\")"; blind set 12): one to three
#: capitalised words in straight or curly quotes.
_QUOTED_NAME_RE = re.compile(
    r"(?i:\b(?:girl|boy|baby|infant|twins|twin(?:\s+[a-c])?|triplet(?:\s+[a-c])?|son|daughter|brother|sister|sibling"
    r"|named|name(?:\s+chosen)?|called|nicknamed?|goes\s+by|chosen|now|auntie|uncle|nana|grandma|grandpa)"
    r"\b[^\"\u201c]{0,16}?|\(|\band[ \t]+)"
    r"[\"\u201c](?P<name>[A-Z][a-z'\u2019-]+(?:[ \t][A-Z][a-z'\u2019-]+){0,2})[\"\u201d]"
)
#: A patient's folder or file name in a path, as PACS and export tools write them ("\\pacs02\fetal\DELACROIXHUME_A_0903\
#: series1", "HOLLINGSWORTH_SOLEDAD/SE2/IM0001.dcm", "SMITH_JOHN_20240101.dcm"): two runs of capitals joined by an
#: underscore, at a path segment's start, before a separator, an underscore and digits, or an extension.
_PATH_NAME_RE = re.compile(
    r"(?:(?<=[\\/])|(?<![\w.-]))(?P<name>[A-Z][A-Z'\u2019-]{2,}_[A-Z][A-Z'\u2019-]{0,24})"
    r"(?=_\d|[\\/]|\.[A-Za-z0-9]{2,4}(?![\w]))"
)
#: A surname alone as the subject of what a patient or a relative does in a coordinator's note ("Halvorsen
#: consented 03/2021", "Wachowski asked for female tech", "Nakashima prefers mornings"): a capitalised word at a
#: clause's start, before such a verb; only a word no list knows (not "Radiology called", "Family declined").
_SUBJECT_SURNAME_RE = re.compile(
    r"(?:^|(?<=[;:.,(])[ \t]*|(?<=\band)[ \t]+)[ \t]*(?P<name>[A-Z][a-z'\u2019]{3,}(?:-[A-Z][a-z]{2,})?"
    r"|(?P<given>[A-Z][a-z]{2,})[ \t]+(?P<surname>[A-Z][a-z'\u2019]{2,}(?:-[A-Z][a-z]{2,})?))[ \t]+"
    r"(?:consented|declined|refused|agreed|asked|called(?:\s+back)?|prefers|wants|requested|reports|reported"
    r"|states|stated|denies|denied|cancell?ed|rescheduled|withdrew|withdrawn|confirmed|notified|visited"
    # what a follow-up call's note says of the person ("Zoraida says she is feeling well"; red team 19)
    r"|says|said|told|tells|feels|felt|mentioned|texted|e-?mailed)\b",
    re.MULTILINE,
)
#: A meeting's attendees as initials ("Attendees: CDB, EFN, HJO, IKO, LMB"): after the cue, a list of two or more
#: runs of two to four capitals separated by commas or slashes (each checked by :func:`_staff_initials`' rules).
_ATTENDEE_INITIALS_RE = re.compile(
    r"(?i:\b(?:attendees|attending|present|in\s+attendance|members\s+present|participants|apologies|signed\s+off)"
    r"[ \t]*:[ \t]*)(?P<list>[A-Z]{2,4}(?:[ \t]*[,/][ \t]*[A-Z]{2,4})+)(?![\w])"
)
#: Initials as a table row's last cell ("| 21 | 02/04/2024 | 200 | CBCT | LKS"): a row of three cells or more.
_LAST_CELL_INITIALS_RE = re.compile(r"^(?=(?:[^|\n]*\|){2})[^\n]*\|[ \t]*([A-Z]{2,3})[ \t]*\|?[ \t]*$", re.MULTILINE)
#: A system's user name after what it did and "by" ("Printed 03/25/2024 by mquartey  Page 1", "faxed ... by jbr"):
#: small letters (and digits), no word of any list.
_PRINTED_BY_RE = re.compile(
    r"(?i:\b(?:printed|faxed|exported|generated|sent|modified|updated|accessed|viewed|downloaded|released)\b)"
    r"[^\n]{0,40}?\bby[ \t]+(?P<user>[a-z][a-z0-9._]{2,15})(?=[ \t]*(?:$|[|;,]|[ \t]{2}|\.(?:[ \t]|$)))"
    # or after an operator at a line's end ("-- 4 pages -- operator jbr")
    r"|\boperator[ \t]+(?P<operator>[a-z][a-z0-9._]{2,15})[ \t]*$",
    re.MULTILINE,
)
_HANDLE_AND_NAME_RE = re.compile(
    r"(?<![\w.@])(?P<handle>[a-z][a-z0-9._]{2,24})[ \t]{0,2}\((?P<first>[A-Z][a-z'\u2019-]+)[ \t]+(?:[A-Z]\.?[ \t]+)?"
    r"(?P<last>[A-Z][A-Za-z'\u2019-]+)"
)


def _caret_report_word(part: str, lex: Lexicon) -> bool:
    """Whether a part of a caret-joined value is a report word, an abbreviation, or an English word no name list
    holds ("Routine"; "Brown" and "Rose" may be names)."""
    low = part.lower()
    return (
        low in lex.vocab
        or low in REPORT_ABBREVIATIONS
        or (low in lex.common and low not in lex.first_names and low not in lex.surnames)
    )


def _alternate_name(value: str, lex: Lexicon) -> bool:
    """Whether the bracketed ``value`` after a name is that name again: in another script ("김민준", "山本 春樹 /
    ヤマモト ハルキ"), or in one to four capitalised Latin words that are no report words ("Zhang Wei")."""
    for piece in value.split("/"):
        part = piece.strip()
        if not part:
            return False
        if _OTHER_SCRIPT_NAME_RE.fullmatch(part):
            continue
        words = part.split()
        if not 1 <= len(words) <= 4:
            return False
        for w in words:
            low = w.lower()
            if not _is_cap(w) or len(w) < 2 or low in lex.vocab or low in lex.common or low in lex.eponyms:
                return False
            if w.isupper() and low in REPORT_ABBREVIATIONS:
                return False  # "Ignatius Zambrano (HCP)": his role, not his name again
            if not all(ch.isalpha() or ch in "'\u2019-" for ch in w) or low in _HEADER_VALUES:
                return False
    return True


def _dictionary_word(word: str, lex: Lexicon) -> bool:
    low = word.lower()
    return low not in lex.vocab and (low in lex.first_names or low in lex.surnames)


#: What may stand between a cue and its name: an opening parenthesis or quote.
_OPENERS = frozenset("(\"'\u201c\u2018")
#: A nickname in quotes right after a name or between its parts ('William "Bucky" Thibodeaux', 'Santiago ("Santi")').
#: A given name and a nickname in quotes before a surname ('Tadeusz "Ted" Kowalczyk'), up to the surname.
_NICKNAME_BEFORE_RE = re.compile(
    r"(?<![\w'\u2019-])([A-Z][^\W\d_'\u2019-]+)[ \t]{1,3}"
    r"\(?[\"\u201c]([^\W\d_][^\W\d_'\u2019-]{0,30})[\"\u201d]\)?[ \t]{1,3}$"
)
_QUOTED_NICKNAME_RE = re.compile(
    r"[ \t]{1,3}\(?[\"\u201c]([^\W\d_][^\W\d_'\u2019-]{1,30}|[A-Z]\.(?:[A-Z]\.)+)[\"\u201d]\)?"
)
_CREDENTIAL_RE = re.compile(
    r"(?<![\s,])\s{0,10},?\s{0,10}(?:M\.?D\.?|D\.?O\.?|Ph\.?D\.?|R\.?N\.?|N\.?P\.?|P\.?A\.?-?C\.?|MBBS|MBChB|FRCR|FRCPC|FACR|FACC|FACS|"
    r"DDS|DMD|RT\s{0,10}\(\s{0,10}[RNMTC]+\s{0,10}\)(?:\s{0,10}\(\s{0,10}[A-Z]+\s{0,10}\))*|R\.?T\.?|ARRT|RDMS|RVT|RDCS|CNMT|CRNA|LPN|MSN|DNP|"
    r"BSN|MPH|CNM|NMTCB|RRA|PharmD|DPM|DC|OD|LCSW|RCIS|RCES|CCT|RRT|CMA|FRCS|L?CGC|CMD|DABR|LICSW|LMHC|LMFT|PsyD"
    r"|CCC-SLP|DPT|OTR(?:/L)?|ATC|CDE|IBCLC|NNP|CPNP|FNP(?:-BC)?|AGNP|PMHNP|LPC|LCPC|BCBA"
    # a lawyer's ("Benedetta Moreau-Lind, Esq."; set 15)
    r"|Esq\.?"
    # Australian and UK nurses' and midwives' grades ("Rhys Quintal EN", "Ahmed Haddad CN"; set 13): only after a
    # name, see _NURSE_GRADES
    r"|EN|EEN|CN|CNS|SN|RM)(?![A-Za-z])"
)
#: Degrees that stand between a name and its credential ("Noor Al-Hashimi, MS, CGC"); alone they are no credential
#: ("MS" is also multiple sclerosis).
_DEGREES = frozenset("MS MA MSc BSc BS BA MEd MHA MBA MPH MSW MHS".split())
# (a capital first: "abdomen^liver" in a study description is two words a RIS joined, no name)
_CARET_RE = re.compile(
    r"(?<![\w^'\u2019-])(?=[A-Z\u00C0-\u00DE'\u2019])[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'\u2019-]{2,}\^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'\u2019-]*(?:\^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'\u2019.-]*){0,3}"
)
# A person in an HL7 XCN (or a DICOM-style value after an ID): "3154^KOWALCZYK^LUCINDA" in any field, where the
# caret before the family name keeps _CARET_RE away.
ID_CARET_NAME_RE = re.compile(
    # (not a coded element, CODE^TEXT^SYSTEM: "2823-3^Potassium^LN" is LOINC's potassium; blind set 13)
    r"(?<![\w^.-])\d{1,20}\^(?P<name>[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'\u2019-]{2,}\^"
    r"(?!(?:LN|SNM3?|SCT|SRT|I9C?|I10[CP]?|CPT4?|C[45]|HCPCS|NDC|RXNORM|DCM|UCUM|CVX|MVX|NCIT|99[A-Z0-9]*"
    r"|HL7\d{4}|NIP\d{3})(?![A-Za-z]))"
    r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'\u2019-]{2,}"
    r"(?:\^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'\u2019.-]*){0,3})"
)
_INITIALS_RE = re.compile(r"(?<![\w/])[A-Z]{2,3}[/:][A-Za-z]{2,3}(?![\w/])")
#: Words in capitals that end a line after a dash and sign nobody ("— END", "-- NIL", "— PASS").
_SIGN_OFF_WORDS = frozenset(
    "end nil yes all and the not neg pos out off new old due see per via tbd tba eod eom fin ack ref rev ver".split()
)
#: Initials signing off after a dash at the end of a line ("Dose confirmed. — JWS", "-- CWL").
_DASH_INITIALS_RE = re.compile(r"(?:^|[ \t])(?:--|\u2014|\u2013)[ \t]?([A-Z]{2,3})[ \t]*$", re.MULTILINE)
#: A typist's initials at the end of a line, after a slash ("T: 03/04/2019 18:01 /mrs", "M.D./lmb", "gsl/tk").
_TRAILING_INITIALS_RE = re.compile(
    r"(?:(?<=[\s.])/(?P<alone>[a-z]{2,4})|(?<![\w/])(?P<a>[a-z]{2,4})/(?P<b>[a-z]{2,4}))(?=[ \t]*(?:$|[\r\n|]))",
    re.MULTILINE,
)
#: The rest of a word in a damaged header line: letters, and the symbols mojibake leaves inside a word
#: ("AMBROSÀ¯E": a UTF-8 byte read as Latin-1 or cp1252), possessively.
_DAMAGED_WORD_REST = r"(?:[^\W\d_]|[\u0080-\u00bf\u2013-\u2026\ufffd])*+"
# Linear by construction: a match starts only at a word start, words are matched possessively and a name's words
# are one space (or a comma) apart, so the wide gap before the label ends it (a greedy version backtracked
# polynomially inside a 40 KB run of letters).
_BEFORE_ID_LABEL_RE = re.compile(
    # (not after a character a damaged word may hold either: in a 60 KB run of mojibake, "ÃƒÂ©ÃƒÂ©...", each "Ã"
    # after a "©" started a match that read to the run's end, 23 s for one fuzz input)
    r"(?<![^\W\d_])(?<![\u0080-\u00bf\u2013-\u2026\ufffd])"
    rf"([^\W\d_]{{2}}{_DAMAGED_WORD_REST}(?:(?:[ \t]?,[ \t]?|[ \t])[^\W\d_]{_DAMAGED_WORD_REST}){{0,3}}+)[ \t]{{2,}}+"
    # (a stray byte or two in the gap: "CASTELLANOS, LEOPOLD    \u00b3   MRN:")
    r"(?:[^\sA-Za-z]{1,3}[ \t]++)?(?=(?:MRN|MR#|DOB|D\.O\.B\.?|Medical Record|Patient ID)\b)"
)
#: A patient label right after a comma: the words before the comma are the patient's name ("H. de la Cruz, DOB").
#: Or a spaced dash, as a list of patients writes it ("1) Horvath-Mbeki, Zsuzsanna - MRN 6120448"; set 15).
_COMMA_ID_LABEL_RE = re.compile(
    r"(?:[ \t]{0,3},|[ \t]{1,3}[-\u2013\u2014])[ \t]{0,3}(?:DOB|D\.O\.B\.?|MRN|MR#)(?![A-Za-z])"
)
#: Header values that sit before an identifier label and are not names.
_HEADER_VALUES = frozenset(
    {"male", "female", "unknown", "other", "none", "sex", "gender", "age", "yrs", "years", "year", "old", "yo", "man"}
    | {"woman", "boy", "girl", "infant", "child"}
    # a meeting participant's status ("Oduya, Grace (External)")
    | {"external", "guest", "organizer", "organiser", "presenter", "host", "co-host", "attendee", "unverified"}
)
_ROLE_INITIALS_RE = re.compile(r"\s{0,10}[:#]\s{0,10}([A-Za-z]{2,3})(?![\w.])")
_LOWER_INITIALS_RE = re.compile(r"[ \t]{1,3}([a-z]{2,3})(?![\w.@])")
#: A system user name in lower case after a role ("Transcribed by kpatel", "User: j.smith", "Login: mlopez2"): up
#: to three initials and a name, a name and an initial, or two names joined by a period or an underscore.
_HANDLE_RE = re.compile(r"(?<![\w@./\\-])([a-z]{2,20}(?:[._][a-z]{1,20})?)(\d{0,4})(?![\w@\\/-]|\.[A-Za-z])")
#: A user name without a cue: one or two initials, a surname the dictionary knows and a number ("jsmith2",
#: "mklopez14"), or a first name and a surname joined by a period or an underscore ("maria.lopez").
#: Roles of a system's user fields that name a user without a colon too ("exported by user jfernandes").
_HANDLE_ROLES = frozenset({"user", "username", "user name", "userid", "user id", "login", "operator"})
#: A user name in capitals with a facility's prefix, after a role ("RUN USER: THB.LMORIN").
_UPPER_HANDLE_RE = re.compile(r"[A-Z]{2,6}\.[A-Z]{2,20}\d{0,4}(?![\w.])")
_BARE_HANDLE_RE = re.compile(
    r"(?<![\w@./\\-])(?:(?P<handle>[a-z]{5,22})\d{1,4}|(?P<first>[a-z]{3,20})[._](?P<surname>[a-z]{3,20}))"
    r"(?![\w@\\/-]|\.[A-Za-z])"
)
#: Short words that end a line after a slash and are no one's initials ("and/or", "w/wo", "c/o", "yes/no").
_ENGLISH_SHORT = frozenset(
    "and or nor but not no yes wo w he she his her him they them we us you it its per via neg pos ml mg cm mm kg "
    "min max sec hr hrs day days wk wks mo mos yr yrs lt rt bil".split()
)
_PRONOUNS = frozenset("our my me your its one two all any few pt dr md rn np pa ai".split())
_FUNCTION_WORDS = frozenset("and or the on at in for of to with was is who has had as by from a an".split())
_CLASS_WORDS = frozenset("category grade type stage class level group tier score zone phase lobe segment".split())
# Endings of English and medical words that are rarely surnames ("T. Degenerative", "A. Cardiomegaly").
_WORD_SUFFIXES = (
    "megaly", "itis", "osis", "ative", "ive", "ic", "ous", "oma", "ity", "ment", "tion", "sion", "ness", "ed",
    "ing", "ary", "ory", "ical", "able", "ible", "ular", "ism", "emia", "pathy", "ectomy", "otomy", "plasty",
    "scopy", "graphy", "gram", "ies", "ally", "ly",
)  # fmt: skip
#: A greeting, a closing or a representative: a cue only before a word that looks like a name ("Hi Anjali",
#: "Thanks, Sameer", "Aetna rep Jolene"; not "Hi team", "Dear Colleague").
_GREETINGS = frozenset(
    {"hi", "hello", "hey", "dear", "thanks,", "thank you,", "many thanks,", "regards,", "sincerely,", "cheers,"}
    | {"faithfully,", "truly,"}
    | {"this is", "my name is"}
    | {"rep", "representative"}
)
#: One-word staff roles that are a cue without a colon when a name follows ("tech Ignatius Okonkwo").
_STAFF_ROLES = frozenset(
    "rn lpn cna scrub circulator circulating "
    "tech technologist technician radiologist resident fellow sonographer mammographer nurse physician surgeon "
    "pathologist cytotechnologist attending referring ordering interpreter chaplain radiographer navigator "
    "physio physiotherapist paramedic midwife registrar coordinator receptionist secretary scheduler porter "
    "transporter dietitian pharmacist therapist dosimetrist physicist perfusionist phlebotomist "
    "np aprn crna cnm rtt pa-c landlord landlady coach cra scribe investigator housekeeper caseworker "
    "doula worker adjuster collector physiologist radiopharmacist radiographers technologue driver "
    "handler curator clerk paralegal attorney solicitor counsel lawyer administrator "
    "overlæge overlaege overlege læge laege lege fastlege läkare "
    "överläkare overlakare specialistläkare specialistlakare röntgenläkare rontgenlakare underläkare underlakare "
    "avdelningsläkare avdelningslakare manipulateur manipulatrice iade ibode "
    "histotech histotechnologist histotechnician grosser prosector helper maid caretaker ayah househelp "
    "house-help".split()
)
_BARE_ROLES = frozenset(
    "病人姓名 患者姓名 患者氏名 姓名 病人 患者 氏名 환자명 환자 성명 이름 "
    "son-in-law daughter-in-law mother-in-law father-in-law brother-in-law sister-in-law "
    "cc c/o d/w pcp mother father mom dad wife husband spouse son daughter sister brother guardian caregiver "
    "grandmother grandfather aunt uncle niece nephew cousin friend neighbor neighbour partner parents "
    "granddaughter grandson grandchild grandparent grandparents stepmother stepfather stepson stepdaughter "
    "fiance fiancee fiancé fiancée girlfriend boyfriend roommate room-mate housemate coworker co-worker colleague "
    "daughters sons sisters brothers grandchildren granddaughters grandsons children kids "
    "sibling pref pref. prefers preferred nickname roepnaam figlia figlio filha filho hija hijo esposa esposo "
    "père pere mère mere frère frere sœur soeur grand-père grand-mère oncle tante "
    "marido moglie marito żona mąż córka zoon dochter echtgenote echtgenoot fille fils belle-fille beau-fils "
    "épouse époux eşi kızı oğlu κόρη γιος σύζυγος ved. vedova née nee geb. geborene "
    "sønn søn sonn datter hustru ektefelle ægtefælle roz. rozená".split()
)
_PARTICLES = frozenset(
    "van von de der den del della di da dos das du la le st st. mac mc bin ibn al el ter ten".split()
)
_OF_NOUNS = frozenset(
    "pouch ligament foramen foramina circle sphincter ampulla space canal duct ducts angle triangle island column "
    "columns crypts loop line band gland glands bursa fat tubercle sinus spaces organ organs".split()
)
_STOP_AFTER = frozenset(
    "md do phd rn np pa mbbs facr frcr rt arrt rdms and or the on at in for of to with was is who has had "
    "as by from".split()
)


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _word_ok_cued(word: str, lex: Lexicon) -> bool:
    low = word.lower()
    if not _is_cap(word) or low in lex.vocab or low in _STOP_AFTER:
        return False
    return not _CREDENTIAL_RE.fullmatch(word)


def _followed_by_eponym_noun(text: str, end: int) -> bool:
    rest = text[end : end + 40]
    m = re.match(r"(?:'s|\u2019s|s')?(?:\s{0,10}-\s{0,10}[A-Z][a-z]+)*\s+([A-Za-z]+)", rest)
    if m and m.group(1).lower() in EPONYM_FOLLOWERS:
        return True
    return bool(re.match(r"(?:'s|\u2019s)?\s{0,10}-\s{0,10}[A-Z]", rest))


def _preceded_by_of_noun(text: str, start: int) -> bool:
    m = re.search(r"([A-Za-z]+)\s+of\s+(?:the\s+)?$", text[max(0, start - 30) : start])
    return bool(m and m.group(1).lower() in _OF_NOUNS)


class _Tokens:
    """Word tokens of a text with their offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.items = [(m.start(), m.end(), m.group()) for m in _TOKEN_RE.finditer(text)]
        self.index_at = {s: i for i, (s, _, _) in enumerate(self.items)}

    def gap(self, i: int) -> str:
        """Text between token ``i`` and token ``i + 1``."""
        return self.text[self.items[i][1] : self.items[i + 1][0]] if i + 1 < len(self.items) else ""


#: Who a company sends ("Devon (device rep)").
_REPRESENTATIVES = frozenset("rep representative specialist engineer vendor".split())
#: Words that open a bracket after a staff member's name: how to reach or tell them ("(ID 4471)", "(x4471)").
_CONTACT_CUES = frozenset("id badge employee pager page ext extension x phone cell mobile tel beeper bleep".split())


_INITIALS_FIELD_RE = re.compile(
    r"(?i:\b(?:(?:subject|patient|pt|participant)\s+)?initials\s{0,3}[:#]\s{0,10})"
    r"([A-Z](?:[.-]?[A-Z]){1,3}\.?)(?![\w-])"
    # or without a colon, in capitals or quoted ('the initials "B.F." and DOB', "initials JW stamped")
    r"|(?i:\binitials)[ \t]{1,3}(?-i:[\"\u201c]?([A-Z](?:[.-]?[A-Z]){1,3}\.?)[\"\u201d]?)(?![\w-])"
)
#: A name and its role in brackets ("Staff reply (Odessa, Scheduling):").
_BRACKETED_NAME_ROLE_RE = re.compile(
    r"\(([A-Z\u00C0-\u00DE][a-z\u00DF-\u00FF'\u2019-]+(?:[ \t][A-Z\u00C0-\u00DE][a-z\u00DF-\u00FF'\u2019-]+)?),"
    rf"[ \t]{{0,3}}(?i:(?:[a-z]+[ \t]){{0,3}}(?:{_OFFICE_ROLE}))(?![^\W\d_])"
)
#: The role after a comma: the name before it has two words or more ("Trần Minh Khoa, certified medical
#: interpreter").
_APPOSED_ROLE_RE = re.compile(rf"(?<=[^\W\d_]),[ \t]{{1,3}}(?i:(?:[a-z]+[ \t]){{0,3}}(?:{_OFFICE_ROLE}))(?![^\W\d_])")
_BRACKETED_CONTACT_NAME_RE = re.compile(
    r"\((?![A-Z]{2,}\b)([A-Z\u00C0-\u00DE][a-z\u00DF-\u00FF'\u2019-]+"
    # (or a given name and a surname: "Dept. Risk Manager (Omari Castellane, x7721)"; set 15)
    r"(?:[ \t][A-Z\u00C0-\u00DE][a-z\u00DF-\u00FF'\u2019-]+)?),[ \t]{0,3}"
    r"(?i:(?:ext|x|pager|bleep|beeper|tel|phone|cell|mobile|pgr)\b|x(?=\d{3}))"
)
#: "SURNAME, GIVEN NAMES" in capitals as a column of a printed list ("STAT  SV25CT044102  NGUYEN, MINH TRIET   34Y M"):
#: the cell starts a line or follows two spaces or a bar, and ends before two spaces, a bar or the line's end.
_CAPS_ROW_NAME_RE = re.compile(
    r"(?m:(?:^|(?<=[ \t]{2})|(?<=\|)[ \t]?))"
    r"(?P<name>[A-Z][A-Z'\u2019-]+(?:[ ][A-Z][A-Z'\u2019-]+){0,2},"
    r"[ ]?[A-Z](?:[A-Z'\u2019-]+)?(?:[ ][A-Z][A-Z'\u2019-]*){0,2})"
    r"(?=[ \t]{2}|[ \t]*$|[ \t]*\|)"
)


def _not_a_name_word(low: str, lex: Lexicon) -> bool:
    return low in lex.not_names or low in _FUNCTION_WORDS or low in REPORT_ABBREVIATIONS or low in lex.places


def _caps_row_name(value: str, lex: Lexicon) -> bool:
    """Whether a "SURNAME, GIVEN" cell is a person: no word of it a report, English or abbreviation word, and one of
    them a name the dictionary knows ("NGUYEN, MINH TRIET", "PATEL, R"; not "CT, HEAD", "LEFT, RIGHT")."""
    words = [w for w in re.split(r"[ ,'\u2019-]+", value) if w]
    lows = [w.lower() for w in words]
    if any(w in lex.vocab or w in lex.common or w in REPORT_ABBREVIATIONS for w in lows if len(w) > 1):
        return False
    return any(w in lex.surnames or w in lex.first_names for w in lows)


#: A party of a suit before its role ("and TREVOR ALLCOTT, Defendants", "MARISOL QUINTANA-BETANCOURT, individually
#: ..., Plaintiff"; blind set 19): a person unless a word of it is a company's or the report's.
_PARTY_RE = re.compile(
    r"(?<![\w'\u2019-])(?P<name>[A-Z][A-Za-z'\u2019-]+(?:[ ][A-Z][A-Za-z'\u2019.-]+){1,3}),?[ \t]+"
    r"(?:individually[^\n]{0,100}?,[ \t]*)?(?i:plaintiffs?|defendants?|petitioners?|respondents?|appellants?"
    r"|appellees?|claimants?|deponents?)\b"
)
_COMPANY_WORDS = frozenset(
    "inc llc llp lp ltd co corp corporation company companies partners group holdings services logistics insurance "
    "mutual casualty bank trust hospital hospitality center centre clinic associates industries enterprises".split()
)
#: Two to four words of a name, then the person's age ("REFERRAL OF ATIENO GRACE AKINYI, 16 YEARS", "Musa Danjuma
#: 67 yrs/M"; blind set 18): a name when no word of it is a report word and the dictionary knows one of them.
_NAME_THEN_AGE_RE = re.compile(
    r"(?<![\w'\u2019-])(?P<name>[A-Z][A-Za-z'\u2019-]+(?:[ ][A-Z][A-Za-z'\u2019-]+){1,3}),?[ \t]+(?:aged[ \t]+)?"
    r"\d{1,3}[ \t]?(?i:years?|yrs?|yo|y/o|y\.o\.|Y)(?![\w])"
)
#: A name right before a bracketed record number, as lists and merged cells write a patient ("Szczepanski, Wenceslao
#: (58497145)", "Scan of Chinonso Khumalo (00441872) aborted"; red team 19).
_NAME_BEFORE_BRACKETED_ID_RE = re.compile(
    r"(?<![\w'\u2019-])(?P<name>[A-Z][A-Za-z'\u2019]+(?:-[A-Z][A-Za-z'\u2019]+)?(?:,[ \t]?|[ \t])[A-Z][a-z'\u2019]+"
    r"(?:[A-Z][a-z'\u2019]+)?(?:-[A-Z][a-z'\u2019]+)?(?:[ \t][A-Z]\.?)?)[ \t]*\([ \t]*(?:MRN[ \t]*[:#]?[ \t]*)?\d{6,10}"
    r"[ \t]*\)"
)
#: A name in capitals joined by an underscore before an underscore and a record number, as a file or a folder is
#: named ("WIECZOREK_TEODORA_00342867.pdf", "FUJIWARA_ZORAIDA_00936514\\SE2"; red team 19).
_PATH_NAME_BEFORE_ID_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<name>[A-Z][A-Z'\u2019-]{1,30}_[A-Z][A-Z'\u2019-]{1,30})(?=_\d{5,}(?![A-Za-z]))"
)
#: "Surname, Given" with small letters after the capital in both ("Kovacs, Nirmala" in a table's notes; red team
#: 19): only when the dictionary knows the first as a surname, and no list knows either as a word or a place.
_SURNAME_COMMA_GIVEN_RE = re.compile(
    r"(?<![\w'\u2019-])([A-Z][a-z'\u2019]+(?:-[A-Z][a-z'\u2019]+)?),[ \t]([A-Z][a-z'\u2019]+)(?![\w'\u2019-])"
)
_CAPS_SURNAME_GIVEN_RE = re.compile(
    r"(?<![\w'\u2019-])([A-Z\u00C0-\u00DE][A-Z\u00C0-\u00DE'\u2019]+"
    r"(?:[ -][A-Z\u00C0-\u00DE][A-Z\u00C0-\u00DE'\u2019]+)?),"
    r"[ \t]{0,2}([A-Z\u00C0-\u00DE][a-z\u00DF-\u00FF'\u2019]+(?:-[A-Z\u00C0-\u00DE]?[a-z\u00DF-\u00FF]+)?"
    r"(?:[ \t][A-Z\u00C0-\u00DE][a-z\u00DF-\u00FF]+)?)(?![\w'\u2019-])"
)


def _caps_surname(value: str, lex: Lexicon) -> bool:
    """A surname in capitals: three letters or more in all, and no word of it a report word, an abbreviation, a
    place or a state ("IMPRESSION, Mild", "CT, Chest", "OHIO, Columbus" are no names)."""
    from aiminer.text.patterns import US_STATES

    words = [w for w in re.split(r"[ '\u2019-]", value.lower()) if w]
    if all(re.fullmatch(r"[ivxlc]+", w) for w in words):
        return False  # "Typ Garden III, Frakturlinie steil": a class's Roman numeral (blind set 17)
    return sum(len(w) for w in words) >= 3 and not any(
        w in lex.not_names
        or w in REPORT_ABBREVIATIONS
        or w in lex.places
        or w in US_STATES
        or w in _NAME_FIELD_WORDS
        # a word of capitals without a vowel is an abbreviation ("DLBCL, Stadium IV"; red team 19), unless the
        # dictionary knows it as a surname ("NG")
        or (not _VOWEL.search(w) and w not in lex.surnames)
        for w in words
        if len(w) > 1
    )


_INDEFINITE_PRONOUNS = frozenset(
    "someone somebody anyone anybody everyone everybody nobody noone none something nothing everything anything "
    "whoever another others neither either each both".split()
)
#: Services and offices a note quotes as it quotes people ("Heme says escalate", "Compliance said ok").
_DEPARTMENTS = frozenset(
    "heme onc hemonc oncology endo endocrine neuro neurology cards cardiology pulm pulmonary renal nephro nephrology "
    "gi ortho urology uro gyn obgyn ent derm dermatology psych psychiatry rheum rheumatology surgery nsg nursing "
    "pharmacy radiology rads pathology path lab compliance legal billing finance security admin administration "
    "registration scheduling transport it insurance payer medicare medicaid ethics hospice palliative ".split()
)
_VOWEL = re.compile(r"[aeiouyà-ÿ]")


def _given_words(value: str, lex: Lexicon) -> bool:
    """Given names after a surname: no report or common word, no place, no title ("Dr"); a hyphenated one by its
    first part ("Wai-Man")."""
    return not any(
        w.lower() in lex.not_names
        or (w.lower() in lex.places and w.lower() not in lex.first_names)  # ("Henrietta" is a town and a name)
        or w.lower() in _TITLE_WORDS
        for w in (part.split("-")[0] for part in value.split())
        if w
    )


#: Field labels in capitals before a value after a comma ("NAME, Jane" is a label, not a surname).
_NAME_FIELD_WORDS = frozenset("name patient pt surname family last first given mrn dob sex age re attn cc".split())
_TITLE_WORDS = frozenset("dr mr mrs ms miss mx prof sir madam".split())


#: A relative or a staff role, then a comma and the person's name ("nurse navigator, Colleen,").
_APPOSITION_RE = re.compile(
    r"(?i:(?<![^\W\d_])(?:"
    + by_first_letter(
        r"(?:son|daughter|mother|father|brother|sister)-in-law|wife|husband|spouse|partner|son|daughter"
        r"|mother|father|sister|brother|guardian|caregiver|neighbou?r|friend|nurse(?:\s+navigator)?|navigator|"
        r"practice\s+nurse|interpreter|coordinator|scheduler|receptionist|secretary|technologist|sonographer"
        r"|social\s+worker|case\s+manager|chaplain|aide|assistant|therapist|pharmacist|dietitian"
        r"|girlfriend|boyfriend|fianc[eé]e?|room-?mate|grand(?:mother|father|son|daughter)|aunt|uncle|niece|nephew"
        r"|cousin|step(?:mother|father|son|daughter)|ex-(?:wife|husband)|landlord|landlady|co-?worker|tech"
        r"|coach|teacher|pastor|sponsor|mentor|tutor|babysitter|nanny|observer"
        # children counted ("two children, Maisie (6) and Rowan (3)")
        r"|(?:two|three|four|five|2|3|4|5)\s+(?:children|kids|daughters|sons|grandchildren|sisters|brothers)"
    )
    + r"),[ \t]{1,3})(?=[A-Z])"
)
#: Who a greeting may address that is no one's name ("Hi team", "Dear Colleague", "Thanks, all").
_GREETED = frozenset(
    "all team everyone everybody colleague colleagues sir sirs madam doctor doctors friends folks there both guys "
    "again so much for you".split()
)


def _unlisted_capitalised(word: str, lex: Lexicon, places: bool = True) -> bool:
    """Capitalised, not in capitals, and in no word list of report, English or eponym words (nor, with
    ``places``, a place): a word that can only be a name where a cue points at it."""
    low = word.lower()
    return _is_cap(word) and not word.isupper() and low not in lex.not_names and not (places and low in lex.places)


_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")
#: Verbs that say whom to ask, call or page: a cue only before a given name (:func:`_asked_name`).
_ASK_VERBS = frozenset("ask tell call page ping text email e-mail contact".split())
#: Of those, the ones a service or a company rarely follows ("call Medtronic", "contact Epic" do).
_ASK_PERSON_VERBS = frozenset("ask tell page ping".split())


def _asked_name(tokens: _Tokens, pos: int, lex: Lexicon, verb: str) -> bool:
    """Whether whom a note says to ask, call or page is named at ``pos``: a capitalised word, not in capitals and
    no English or report word, that is a given name the dictionary knows or, after "ask", "tell" or "page", a word
    no list knows ("Ask Rajesh before use", "call Anneliese"; not "call ICU", "page Hope", "contact Radiology")."""
    i = tokens.index_at.get(pos)
    if i is None:
        return False
    w = tokens.items[i][2]
    low = w.lower()
    if not _unlisted_capitalised(w, lex, places=False) or low in lex.vocab or low in lex.common:
        return False
    return low in lex.first_names or (verb in _ASK_PERSON_VERBS and low not in lex.places)


def _greeted_name(tokens: _Tokens, pos: int, lex: Lexicon) -> bool:
    """Whether a greeting, a closing or a representative is followed by a name: a word that looks like one
    (:func:`_looks_like_name_start`), or a capitalised word no dictionary knows at the end of its clause ("Thanks,
    Sameer", "Hi Anjali,")."""
    i = tokens.index_at.get(pos)
    if i is None or tokens.items[i][2].lower() in _GREETED:
        return False
    if _looks_like_name_start(tokens, pos, lex):
        return True
    w = tokens.items[i][2]
    nxt = tokens.items[i + 1][2] if i + 1 < len(tokens.items) else ""
    # (or before an age or a letter in brackets: "two children, Maisie (6) and ...")
    at_end = nxt in ("", ",", ".", "!", ";") or "\n" in tokens.gap(i) or _after_bracketed_note(tokens, i) > i
    return at_end and _unlisted_capitalised(w, lex, places=False)


def _small_word(word: str, lex: Lexicon) -> bool:
    """Whether a word of two or three small letters is a word, not someone's initials ("the", "our", "him")."""
    return (
        word in lex.vocab
        or word in lex.common
        or word in _FUNCTION_WORDS
        or word in _ENGLISH_SHORT
        or word in _PRONOUNS
        or word in _SMALL_WORDS
    )


#: An email's or a letter's header fields, where a small word after the colon is a word ("From: the daughter").
_HEADER_ROLES = frozenset("from to re attn attention sender recipient".split())
#: Relatives in the plural: each name of the list after them goes ("daughters Corinne and Bernadette").
_PLURAL_RELATIVES = frozenset(
    "daughters sons sisters brothers grandchildren granddaughters grandsons children kids parents twins triplets "
    "name them".split()
)
#: Small words the other lists miss.
_SMALL_WORDS = frozenset("the all any new old per via see yes not can may our few its his her him who".split())


def _cohabitant(tokens: _Tokens, pos: int, lex: Lexicon) -> bool:
    """Whether who someone lives with is named at ``pos`` ("lives with Marguerite"): a capitalised word, not in
    capitals, that is no report, English, eponym or place word, and a given name or a surname the dictionary knows
    or a word no list knows at the end of its clause (not "lives with HIV", "living with Parkinson disease")."""
    i = tokens.index_at.get(pos)
    if i is None:
        return False
    w = tokens.items[i][2]
    if not _unlisted_capitalised(w, lex):
        return False
    low = w.lower()
    if low in lex.first_names or low in lex.surnames:
        return True
    nxt = tokens.items[i + 1][2] if i + 1 < len(tokens.items) else ""
    return nxt in ("", ",", ".", ";", "(") or "\n" in tokens.gap(i) or _is_cap(nxt)


#: Initials in capitals right after a staff role or "by", before the end of the value, a line or a clause ("tech DJ;",
#: "checked by physicist LMN", "repeated 14:32 by AK").
#: (or before a colon or a date: "copied into report by CWH:", "drawn by LF 11/03/2024"; blind set 11)
_CAPS_INITIALS_RE = re.compile(
    r"[ \t]{1,3}([A-Z]{2,3})(?=[ \t]*(?:$|[\r\n;,.):\]])|[ \t]+\d{1,4}[/.-]\d)", re.MULTILINE
)


_TWO_CAPITALISED_BEFORE = re.compile(
    r"(?:^|[\s(])([A-Z][a-z'\u2019]+(?:-[A-Z][a-z]+)?)[ \t]+([A-Z][A-Za-z'\u2019-]+)[ \t]*$"
)


#: Nurses' and midwives' grades that are also other things (a cranial nerve, a standard, a serial number's cue).
_NURSE_GRADES = frozenset({"EN", "EEN", "CN", "CNS", "SN", "RM"})


def _before_bare_credential(text: str, start: int, end: int, lex: Lexicon) -> bool:
    """Whether "RN" or "NP" without a comma ends a name: two capitalised words, neither a report or English word,
    the first a given name or the second a surname the dictionary knows, before it, and the clause's end after it
    ("per Brigid O'Halloran RN"; not "Night Shift RN", "Charge RN")."""
    if end < len(text) and text[end] not in " \t\r\n.,;:)":
        return False
    m = _TWO_CAPITALISED_BEFORE.search(text, max(0, start - 60), start)
    if m is None:
        return False
    first, last = (w.lower().replace("\u2019", "'") for w in m.groups())
    if first in lex.not_names or first in lex.vocab or last in lex.vocab:
        return False
    if last in lex.not_names:
        # a surname that is also an eponym or a word ("Kirra Thompson RN (NMW...)"), only at the clause's very end
        # ("Morse Fall RN review" is a score)
        rest = text[end : end + 4].lstrip(" \t")
        if last not in lex.surnames or (rest and rest[0] not in "\r\n(),;"):
            return False
    bare = last.replace("'", "")
    return first in lex.first_names or bare in lex.surnames or last.split("'")[-1] in lex.surnames


def _not_initials(caps: str, lex: Lexicon) -> bool:
    """Whether a run of capitals is a report abbreviation or a word, not someone's initials ("CT", "OK", "YES")."""
    low = caps.lower()
    return low in REPORT_ABBREVIATIONS or low in _CAPS_WORDS or _small_word(low, lex) or low in lex.not_names


def _staff_initials(text: str, pos: int, lex: Lexicon) -> re.Match[str] | None:
    """Staff initials at ``pos`` (:data:`_CAPS_INITIALS_RE`): no report abbreviation or word ("by CT", "tech OK",
    "by OR" stay; a state's code may be initials: "by AK")."""
    im = _CAPS_INITIALS_RE.match(text, pos)
    if im is None:
        return None
    low = im.group(1).lower()
    if re.match(r"[ \t]*:[ \t]*\d", text[im.end(1) : im.end(1) + 6]):
        # a field's label before its value ("EDD by LMP: 05/26/2025"; precision red team 21), not a signer's
        # initials ("copied into report by CWH: \"Consent signed\"")
        return None
    return None if low in REPORT_ABBREVIATIONS or low in _CAPS_WORDS or _small_word(low, lex) else im


#: Words after a title or a role that name a service or a paper, never a person.
_NOT_AFTER_TITLE = frozenset("service services office team group note notes order orders visit appointment".split())
#: The eyes as an eye report names them ("VA cc: OD 20/60, OS 20/40": with correction, right and left eye).
_EYES = frozenset({"OD", "OS", "OU"})
#: Short English words a text in capitals writes where initials could stand ("DONE BY ME.", "SAID HI").
_CAPS_WORDS = frozenset("me hi be do go so up if is it an as at of on to my by ok oh ah eh".split())


def _two_name_words(tokens: _Tokens, pos: int, lex: Lexicon) -> bool:
    """Whether two capitalised words (not in capitals) that no word list knows as anything but a name, and
    without the ending of an English or a medical word, follow ``pos`` on one line: "by Bartholomew Strazzeri",
    not "by Siemens Healthineers", "by Fleischner Society", "by General Electric" or "by Monday Morning"."""
    i = tokens.index_at.get(pos)
    if i is None or i + 1 >= len(tokens.items) or tokens.gap(i) != " ":
        return False
    if tokens.items[i + 1][2] == "(" and i + 2 < len(tokens.items):
        # "by Devon (device rep)": one such word, then a bracket that says who they are
        inside = {t[2].lower() for t in tokens.items[i + 2 : i + 5]}
        return bool(inside & (_CONTACT_CUES | _STAFF_ROLES | _REPRESENTATIVES)) and _unlisted_capitalised(
            tokens.items[i][2], lex
        )
    pair = (tokens.items[i][2], tokens.items[i + 1][2])
    if f"{pair[0]} {pair[1]}".lower() in lex.places or all(w.lower() in lex.places for w in pair):
        return False  # "by Los Angeles": one place ("by Emmerich Vashti-Boateng": a given name that is a town too)
    if pair[0].lower() in _STATE_NAMES or pair[1].lower() in _NOT_AFTER_TITLE:
        return False  # "procured by Tennessee Donor Services": a state's organisation
    for w in pair:
        low = w.lower()
        if len(w) < 2 or not _unlisted_capitalised(w, lex, places=False):
            return False
        if low.endswith(_WORD_SUFFIXES) and low not in lex.surnames and low not in lex.first_names:
            return False  # "by General Electric", "by Contrast Enhanced"
    return True


#: Endings of English and clinical words a name rarely has, for a lone word at the end of a line.
_CLAUSE_END_SUFFIXES = (*_WORD_SUFFIXES, "ile", "ent", "ant", "ful", "less", "al", "ic", "ia", "ea")


def _name_at_line_end(tokens: _Tokens, pos: int, lex: Lexicon) -> bool:
    """Whether the one word at ``pos`` ends its line and can only be a name: capitalised, not in capitals, in no
    word list, without an ending of an English or a clinical word ("pt Leopold" at a cut row's end; not "pt
    Afebrile", "pt Ambulatory")."""
    i = tokens.index_at.get(pos)
    if i is None:
        return False
    w = tokens.items[i][2]
    at_end = i + 1 >= len(tokens.items) or "\n" in tokens.gap(i)
    return at_end and len(w) >= 3 and _unlisted_capitalised(w, lex) and not w.lower().endswith(_CLAUSE_END_SUFFIXES)


def _looks_like_name_start(tokens: _Tokens, pos: int, lex: Lexicon) -> bool:
    i = tokens.index_at.get(pos)
    if i is None:
        return False
    if tokens.items[i][2] in _OPENERS and i + 1 < len(tokens.items) and tokens.gap(i) == "":
        # 'receptionist "Mags"': a quoted or bracketed capitalised word that is no report word
        inner = tokens.items[i + 1][2]
        return _is_cap(inner) and inner.lower() not in lex.vocab and inner.lower() not in lex.common
    w = tokens.items[i][2]
    low = re.sub(r"['\u2019]s$", "", w.lower())  # "patient John's wife": the possessive is no part of the name
    if low in _PARTICLES and i + 1 < len(tokens.items) and _is_cap(tokens.items[i + 1][2]):
        return True
    if not _is_cap(w) or low in lex.vocab:
        return False
    items = tokens.items
    nxt = items[i + 1][2] if i + 1 < len(items) else ""
    if low in lex.first_names or low in lex.surnames or nxt == "," or (w.isupper() and len(w) > 2):
        return True
    if nxt == "(" and i + 2 < len(items) and items[i + 2][2].lower() in _CONTACT_CUES and low not in lex.not_names:
        return True  # "interpreter Linh (ID 4471)", "nurse Joy (pager 4471)": a word no dictionary knows, then how
    if low in _PARTICLES:
        return True
    # "Patient Alisia T. Wittler", "Patient T. Vallas": two name-like tokens in a row
    k = i + 1
    if k < len(items) and items[k][2] == "." and len(w) == 1:
        k += 1
    if k < len(items) and len(items[k][2]) == 1 and items[k][2].isupper():
        return True
    if k + 1 < len(items) and items[k][2] in _PARTICLES and _is_cap(items[k + 1][2]):
        return True  # "resident Pieter van Ommeren": a surname's particle in small letters, then the surname
    return k < len(items) and _is_cap(items[k][2]) and items[k][2].lower() not in lex.vocab


def _parse_name_after(
    tokens: _Tokens, i: int, lex: Lexicon, allow_comma: bool = True, after_title: bool = False
) -> tuple[int, int] | None:
    """Read a name starting at token ``i``; return (start, end) offsets or ``None``."""
    items = tokens.items
    n = len(items)
    parts = 0
    j = i
    end = -1
    start = items[i][0] if i < n else -1
    comma_used = False
    while j < n and parts < 5:
        _s, e, w = items[j]
        if parts == 0 and w.isupper() and len(w) <= 4 and tokens.text[e : e + 1].isdigit():
            break  # an identifier's prefix glued to its digits ("RE: NCT04512387", "(PGY-6)" aside; red team 21)
        if w in ("St", "ST", "Ste") and j + 2 < n and items[j + 1][2] == "." and _is_cap(items[j + 2][2]):
            if tokens.gap(j) == "" and tokens.gap(j + 1) == " ":
                j += 2
                continue
        if w.lower() in _PARTICLES:
            k = j
            while k < n and items[k][2].lower() in _PARTICLES and tokens.gap(k) == " ":
                k += 1
            if k < n and k > j and _is_cap(items[k][2]) and _word_ok_cued(items[k][2], lex):
                j = k
                continue
            if not _is_cap(w):
                break
        if len(w) == 1 and w.isupper():  # initial
            end = e
            if j + 1 < n and items[j + 1][2] == "." and tokens.gap(j) == "":
                end = items[j + 1][1]
                j += 1
            parts += 1
        elif w[0].isalpha() and (
            _word_ok_cued(w, lex)
            or (
                # "Dr. Hand", "Heather Bone": a surname that is also report vocabulary, right after a title or
                # a first name
                _is_cap(w)
                and (
                    after_title
                    or w.lower() in lex.surnames
                    or w.lower() in lex.first_names
                    or bool(_CREDENTIAL_RE.match(tokens.text, e))
                    or (parts > 0 and re.match(r"\s{0,10}(?:[(,;]|$)", tokens.text[e : e + 3]) is not None)
                )
                and (
                    (after_title and parts == 0 and w.lower() not in _FUNCTION_WORDS)
                    or (
                        parts > 0
                        and w.lower() not in _STOP_AFTER
                        and (
                            items[j - 1][2].lower() in lex.first_names
                            or items[j - 1][2] == "."
                            or bool(_CREDENTIAL_RE.match(tokens.text, e))
                            or re.match(r"\s{0,10}(?:[(,;]|$)", tokens.text[e : e + 3]) is not None
                        )
                    )
                )
            )
        ):
            end = e
            parts += 1
        else:
            break
        gap = tokens.gap(j)
        if j + 1 >= n:
            break
        nxt = items[j + 1][2]
        if gap in (" ", "") and nxt not in (",", "^"):
            j += 1
            continue
        if nxt == "^" and gap == "":
            j += 2
            continue
        if nxt == "," and allow_comma and not comma_used and parts == 1 and j + 2 < n:
            after = items[j + 2][2]
            if (
                tokens.gap(j + 1) in (" ", "")  # "HOLLOWAY,BRENT T" (VistA and HL7 exports write no space)
                and (_word_ok_cued(after, lex) or (_is_cap(after) and after.lower() in lex.first_names))
                and not _CREDENTIAL_RE.fullmatch(" " + after)
                and not (after.isupper() and after.lower() in REPORT_ABBREVIATIONS)  # "Anna, CTCAE v5.0"
            ):
                comma_used = True
                j += 2
                continue
        break
    if parts == 0 or end <= start:
        return None
    return start, end


def find_names(text: str) -> Iterator[Candidate]:
    """Yield person-name spans (see the module docstring for the rules).

    Parameters
    ----------
    text
        Report text.

    Yields
    ------
    Candidate
        ``NAME`` spans; cue-based ones carry a higher priority than dictionary ones.
    """
    lex = lexicon()
    tokens = _Tokens(text)
    found: list[Candidate] = []
    # 1. cues
    for m in _CUE_RE.finditer(text):
        cued = False
        if m.group("role"):
            role = m.group("role").lower()
            # A one-word role is a cue only with a colon ("Technologist: ..."), except relatives and "cc".
            has_colon = bool(re.search(r"[:#：-]", m.group()[len(m.group("role")) :]))
            cued = ":" in m.group()[len(m.group("role")) :]
            greeting = " ".join(role.split()) in _GREETINGS
            if " ".join(role.split()) in ("this is", "my name is"):
                nxt = tokens.index_at.get(m.end())
                if nxt is None or not _is_first(tokens.items[nxt][2], lex):
                    continue  # "this is Trish", not "this is Gadolinium-based"
            elif greeting and not m.group("title2"):
                if not _greeted_name(tokens, m.end(), lex):
                    continue
            elif role == "pt" and "meddra" in text[max(0, m.start() - 12) : m.start()].lower():
                continue  # "MedDRA PT: Seizure": the preferred term, not the patient
            elif role == "cc" and m.group("role").isupper() and not has_colon and not m.group("title2"):
                continue  # "MAMMO CC HR-S": craniocaudal ("CC: Dr. Abel", "cc Dr Abel" copy a letter)
            elif role in _ASK_VERBS and not has_colon:
                if m.group("title2") is None and not _asked_name(tokens, m.end(), lex, role):
                    continue
            elif role.endswith((" was", " is")) and not m.group("title2"):
                if not _looks_like_name_start(tokens, m.end(), lex):
                    continue  # "the technologist was Unable to", not "the radiographer was Aled Roberts-Mancini"
            elif " ".join(role.split()) == "requested from":
                if not _two_name_words(tokens, m.end(), lex):
                    continue
            elif role == "by" and not has_colon and not m.group("title2"):
                if not _two_name_words(tokens, m.end(), lex):
                    if im := _staff_initials(text, m.end("role"), lex):
                        found.append(Candidate(im.start(1), im.end(1), "NAME", P_NAME_CUED, "cue"))  # "by AK"
                    continue
            elif " ".join(role.split()) in ("lives with", "living with", "stays with", "staying with"):
                if not _cohabitant(tokens, m.end(), lex):
                    continue  # "lives with her son", "living with HIV", "lives with Parkinson disease"
            elif role in _HANDLE_ROLES and not has_colon:
                hm = _HANDLE_RE.match(text, m.end())
                if hm is None or not _user_name(hm, lex):
                    continue  # "exported by user jfernandes", not "user interface"
            elif " " not in role and not has_colon and role not in _BARE_ROLES and not m.group("title2"):
                named_role = role in ("patient", "pt") or role in _STAFF_ROLES
                # (a word no list knows at the end of a line is a name too: "pt Leopold" where a row was cut)
                if not named_role or not (
                    _looks_like_name_start(tokens, m.end(), lex) or _name_at_line_end(tokens, m.end(), lex)
                ):
                    if role in _STAFF_ROLES and (im := _staff_initials(text, m.end("role"), lex)):
                        found.append(Candidate(im.start(1), im.end(1), "NAME", P_NAME_CUED, "cue"))  # "tech DJ"
                    continue
        at = m.end()
        if m.group("title2"):
            # "DR DR #A": the second title's own separator follows it ("DR #A" on its own is a cue too)
            sep = _TITLE_SEPARATOR_RE.match(text, at)
            at = sep.end() if sep else at
        other = _OTHER_SCRIPT_NAME_RE.match(text, at)
        if other:
            found.append(Candidate(other.start(), other.end(), "NAME", P_NAME_CUED, "cue"))
            continue
        i = tokens.index_at.get(at)
        if i is None:
            continue
        first_at = tokens.items[i][0]
        if m.group("role") and (
            tokens.items[i][2].lower() in _PLACEHOLDERS or text[first_at : first_at + 3].lower() == "n/a"
        ):
            continue  # "Technologist: Unknown", "Supervisor: N/A"
        first = tokens.items[i][2]
        if m.group("role") and len(first) > 1 and first.isupper() and first.lower() in _OFFICES:
            # an office before the person ("Employer contact: HR - Gail Desrosiers"), or the office is the contact
            # ("Radiology contact: PACS manager"; set 15)
            after = _OFFICE_SEPARATOR_RE.match(text, tokens.items[i][1])
            if after is not None:
                i = tokens.index_at.get(after.end())
                if i is None:
                    continue
            elif re.match(r"[ \t]*(?:[a-z]|$)", text[tokens.items[i][1] : tokens.items[i][1] + 3]):
                continue
        if (
            (low := tokens.items[i][2].lower()) in _STATE_NAMES
            and low not in lex.first_names
            and not (
                i + 1 < len(tokens.items)
                and _is_cap(tokens.items[i + 1][2])
                and tokens.items[i + 1][2].lower() not in lex.vocab  # "Tennessee Donor Services"
            )
        ):
            continue  # "Identity verified: Vermont driver's license": a state, not a person ("Texas Jones" is)
        # A title lets a report word be a surname ("Dr. Hand", "Mr Bone"), except in capitals without a period:
        # "MR BRAIN", "DR CHEST" and "MS KNEE" are a modality or a disease before a body part. A rank or a religious
        # title in capitals without a period ("LT FEMORAL NECK": left; "COL": colon) is a cue only before a name the
        # dictionary knows.
        which = "title2" if m.group("title2") else "title"
        title = m.group(which) or ""
        bare_caps = title.isupper() and text[m.end(which) : m.end(which) + 1] != "."
        if (
            title.islower()
            and text[m.end(which) : m.end(which) + 1] != "."
            and _AFTER_NUMBER.search(text, max(0, m.start(which) - 3), m.start(which))
        ):
            continue  # "QTcF over 470 ms - ECG": milliseconds, not Ms
        if title.lower() == "mx" and _TNM_BEFORE_RE.search(text, max(0, m.start(which) - 12), m.start(which)):
            continue  # "cT3 N2 Mx. Left adrenal nodule": distant metastasis not assessed, not a title (set 18)
        titled = bool(title) and not bare_caps
        if bare_caps and title.lower() in _WEAK_TITLES and not _dictionary_word(tokens.items[i][2], lex):
            continue
        if m.group("role") and not title and tokens.items[i][2] in _OPENERS and i + 1 < len(tokens.items):
            if tokens.gap(i) in ("", " "):
                i += 1  # "Mother (Loretta)", 'pref. "Zsofi"' (a relative or a field; "MR (ERO 0.2)" is no name)
        word = tokens.items[i][2]
        if word.lower() in _NOT_AFTER_TITLE:
            continue  # "Royal Flying Doctor Service", "Doctor's note", "Dr. Office"
        if (
            (word.isupper() or _INNER_CAPITAL.search(word) is not None)  # "HBsAg", as well as "DOB"
            and (len(word) >= 3 or word in _EYES or bare_caps)
            and word.lower() in REPORT_ABBREVIATIONS
        ):
            continue  # "Pt DOB 07/06/1947", "Zambrano (HCP)": a form's field or a lab; "VA cc: OD 20/60": an eye
        if (
            title
            and tokens.items[i][2].isalpha()
            and i + 1 < len(tokens.items)
            and tokens.gap(i) == ""
            and tokens.items[i + 1][2][:1].isdigit()
        ):
            continue  # "syngo MR E11C": a version glued to its digits, not Mr E. (precision red team 15; after a
            # role, "MyChart user: carolhargrove52" is a user name)
        span = _parse_name_after(tokens, i, lex, after_title=titled)
        if span is not None and span[1] - span[0] <= 1:
            # "PATIENT:\u00c3( OKONKWO, AMBROSE": a stray byte or two between the cue and the name
            for nxt in range(i + 1, min(i + 4, len(tokens.items))):
                if tokens.items[nxt][0] - m.end() > 4:
                    break
                alt = _parse_name_after(tokens, nxt, lex, after_title=titled)
                if alt is not None and alt[1] - alt[0] > 1:
                    span = (span[0], alt[1])  # the stray part too: a second scrub finds nothing left to take
                    break
        if span is None or m.group("role"):
            # "Transcribed by: jd", "Technologist: MS": staff initials right after a role and a colon
            im = _ROLE_INITIALS_RE.match(text, m.end("role")) if m.group("role") else None
            if im and not m.group("role").lower().rstrip(": ").endswith("by") and _small_word(im.group(1).lower(), lex):
                im = None  # "From: the daughter", "Interpreter: not required" ("Transcribed by: as" is initials)
            if (
                im is None
                and span is None
                and m.group("role")
                and m.group("role").lower().endswith(("ed by", "ed by:"))
            ):
                # "transcribed by mlr": a typist's initials in small letters, no word
                im = _LOWER_INITIALS_RE.match(text, m.end("role"))
                if im and _small_word(im.group(1), lex):
                    im = None
            if im and not (m.group("title2") and span is not None):  # "GP: Dr H. Vaswani": a title, not initials
                found.append(Candidate(im.start(1), im.end(1), "NAME", P_NAME_CUED, "cue"))
            elif (
                span is None
                and m.group("role")
                and (hm := _HANDLE_RE.match(text, at))
                and _user_name(hm, lex, cued and m.group("role").lower() not in _HEADER_ROLES)
            ):
                found.append(Candidate(hm.start(), hm.end(), "NAME", P_NAME_CUED, "cue"))
            elif m.group("role") and (hm := _UPPER_HANDLE_RE.match(text, at)):
                found.append(Candidate(hm.start(), hm.end(), "NAME", P_NAME_CUED, "cue"))  # "RUN USER: THB.LMORIN"
        if span is None:
            continue
        start, end = span
        if title.lower() in _WEAK_TITLES and _EPONYM_AFTER_RE.match(text, end):
            continue  # "Sister Mary Joseph nodule": an eponym after a religious title, not a nun
        found.append(Candidate(start, end, "NAME", P_NAME_CUED, "cue"))
        last_role_word = (m.group("role") or "").lower().rpartition(" ")[2]
        if title.lower() in ("drs", "doctors") or last_role_word in _PLURAL_RELATIVES:
            found.extend(_more_names(tokens, end, lex))  # "Drs. Patel, Murphy and Oyelaran", "daughters A and B"
    # 1a. a role, a comma, then the name as an apposition ("our nurse navigator, Colleen, at", "Father, DeShawn
    # Jones, could not be reached", "his wife, June Abernathy, at ...")
    for m in _APPOSITION_RE.finditer(text):
        next_word = tokens.items[tokens.index_at[m.end()]][2] if m.end() in tokens.index_at else ""
        if next_word.isupper() and next_word.lower() in REPORT_ABBREVIATIONS:
            continue  # "reported by daughter, CTCAE v5.0": a report's abbreviation, no name
        if _greeted_name(tokens, m.end(), lex):
            span = _parse_name_after(tokens, tokens.index_at[m.end()], lex, allow_comma=False, after_title=True)
            if span is not None:
                found.append(Candidate(span[0], span[1], "NAME", P_NAME_CUED, "cue"))
                if m.group().lower().rstrip(", \t").rpartition(" ")[2] in _PLURAL_RELATIVES:
                    found.extend(_more_names(tokens, span[1], lex))  # "two children, Maisie (6) and Rowan (3)"
    # 1b. a header line's name field whose cue or surname is damaged ("PATI LEOPOLD        MRN:",
    # "O: CASTELLANOS, LEOPOLD        MRN:", "\u20ac\u20acTELLANOS, LEOPOLD        DOB:"): the words right before
    # a wide gap and a patient-identifier label are the patient's name
    for m in _BEFORE_ID_LABEL_RE.finditer(text):
        words = [w for w in re.findall(r"[^\W\d_]+", m.group(1)) if w.lower() not in _HEADER_VALUES]
        if words:
            found.append(Candidate(m.start(1), m.end(1), "NAME", P_NAME_CUED, "cue"))
    for m in _COMMA_ID_LABEL_RE.finditer(text):
        k = _token_ending_before(tokens, m.start())
        span = _parse_name_backwards(tokens, k, lex) if k is not None and tokens.items[k][1] == m.start() else None
        if span:
            found.append(Candidate(span[0], span[1], "NAME", P_NAME_CUED, "cue"))
    # 1b'. the initials a form gives instead of a name ("Initials: M.D.K.", "Subject initials: R-J-T")
    for m in _INITIALS_FIELD_RE.finditer(text):
        group_no = 1 if m.group(1) else 2
        if group_no == 2 and re.sub(r"[.-]", "", m.group(2)).lower() in REPORT_ABBREVIATIONS:
            continue  # "initials MRI": no colon, and an abbreviation
        found.append(Candidate(m.start(group_no), m.end(group_no), "NAME", P_NAME_CUED, "cue"))
    # a user name in brackets after a name found ("Dana Aldana, RN (daldana)"), and a name before how to reach
    # them in brackets ("interpreter needed (Rocío, ext. 4471)")
    for m in _BRACKETED_CONTACT_NAME_RE.finditer(text):
        words = m.group(1).lower().split()
        if not any(w in lex.not_names or w in lex.places for w in words):
            found.append(Candidate(m.start(1), m.end(1), "NAME", P_NAME_CUED, "cue"))
    # a staff member's role with the name in brackets, or after a comma (in brackets after the name: 2b below)
    for m in _BRACKETED_NAME_ROLE_RE.finditer(text):
        words = m.group(1).lower().split()
        if not any(
            w in lex.not_names or (w in lex.places and w not in lex.first_names) or w in _STAFF_ROLES for w in words
        ):
            found.append(Candidate(m.start(1), m.end(1), "NAME", P_NAME_CUED, "cue"))
    for m in _APPOSED_ROLE_RE.finditer(text):
        span = _name_ending_before(tokens, m.start(), lex)
        if span and " " in text[span[0] : span[1]].strip():
            found.append(Candidate(span[0], span[1], "NAME", P_NAME_CUED, "cue"))
    # 1c. a surname in capitals, a comma and a given name in small letters ("LEUNG, Wai-Man", "GUTIÉRREZ-SALAS,
    # María Elena", "O'HALLORAN, Bridget"), as a list of patients writes it; not in a text in capitals
    for m in _CAPS_ROW_NAME_RE.finditer(text):
        if _caps_row_name(m.group("name"), lex):
            found.append(Candidate(m.start("name"), m.end("name"), "NAME", P_NAME, "syntax"))
    for m in _PARTY_RE.finditer(text):
        words = [w.lower().strip(".,") for w in m.group("name").split()]
        if len(words) >= 2 and not any(w in _COMPANY_WORDS or _not_a_name_word(w, lex) for w in words):
            found.append(Candidate(m.start("name"), m.end("name"), "NAME", P_NAME_CUED, "syntax"))
    for m in _NAME_THEN_AGE_RE.finditer(text):
        start, words = m.start("name"), m.group("name").split(" ")
        while words and _not_a_name_word(words[0].lower(), lex):
            start += len(words.pop(0)) + 1  # "REFERRAL OF ATIENO GRACE AKINYI": the words before the name
        lows = [w.lower() for w in words]
        if (
            len(words) >= 2
            and not any(_not_a_name_word(w, lex) and w not in lex.common for w in lows)
            and any(w in lex.first_names or w in lex.surnames for w in lows)
        ):
            found.append(Candidate(start, m.end("name"), "NAME", P_NAME, "syntax"))
    for m in _NAME_BEFORE_BRACKETED_ID_RE.finditer(text):
        words = [w for w in re.split(r"[ ,\t-]+", m.group("name").lower()) if len(w) > 1]
        if not any(
            w in lex.not_names
            or (w in lex.places and w not in lex.first_names and w not in lex.surnames)
            or w in REPORT_ABBREVIATIONS
            for w in words
        ):
            found.append(Candidate(m.start("name"), m.end("name"), "NAME", P_NAME_CUED, "syntax"))
    for m in _PATH_NAME_BEFORE_ID_RE.finditer(text):
        words = m.group("name").lower().split("_")
        if not any(w in lex.not_names or w in REPORT_ABBREVIATIONS or len(w) < 2 for w in words):
            found.append(Candidate(m.start("name"), m.end("name"), "NAME", P_NAME_CUED, "syntax"))
    for m in _SURNAME_COMMA_GIVEN_RE.finditer(text):
        surname, given = m.group(1).lower(), m.group(2).lower()
        if (
            all(
                (p in lex.surnames or given in lex.first_names)  # ("Albuquerque, Bertram": a town, then a given name)
                and p not in lex.not_names
                and (p not in lex.places or given in lex.first_names)
                for p in surname.split("-")
            )
            and given not in lex.not_names
            and given not in lex.places
            and given not in US_STATES
            and surname not in STREET_KIND_WORDS  # "1200 Maple Lane, Olympia, WA": a street and a town
            and given not in REPORT_ABBREVIATIONS
            and (given in lex.first_names or not given.endswith(_WORD_SUFFIXES))
        ):
            found.append(Candidate(m.start(), m.end(), "NAME", P_NAME, "syntax"))
    if not text.isupper():
        for m in _CAPS_SURNAME_GIVEN_RE.finditer(text):
            if _caps_surname(m.group(1), lex) and _given_words(m.group(2), lex):
                found.append(Candidate(m.start(), m.end(), "NAME", P_NAME, "syntax"))
    # 2. credentials after a name
    for m in _CREDENTIAL_RE.finditer(text):
        cred = m.group().strip(" ,\t\r\n")  # (a credential on the next line is the same credential)
        if cred in _NURSE_GRADES and not _before_bare_credential(text, m.start(), m.end(), lex):
            continue  # "CN II-XII", "EN 60601", "SN 4471": a grade only after two capitalised words that are a name
        if cred in ("DO", "DC", "OD", "PA", "RT", "RN", "NP") and "," not in m.group():
            # "per Brigid O'Halloran RN": a nurse's credential without its comma, after two capitalised words that
            # are no report words, at a clause's end (not "CT RN", "PA view", "DO NOT")
            if cred not in ("RN", "NP") or not _before_bare_credential(text, m.start(), m.end(), lex):
                continue
        if m.end() < len(text) and text[m.end() : m.end() + 1].isalnum():
            continue
        i = tokens.index_at.get(m.start())
        if i is None:
            # the credential regex starts at whitespace/comma: find the token before it
            k = _token_ending_before(tokens, m.start())
            if k is None:
                continue
        else:
            k = i - 1
        # degrees before it ("Noor Al-Hashimi, MS, CGC"): the name is before them
        while k >= 2 and tokens.items[k][2] in _DEGREES and tokens.items[k - 1][2] == ",":
            k -= 2
        span = _parse_name_backwards(tokens, k, lex)
        if span:
            found.append(Candidate(span[0], span[1], "NAME", P_NAME_CUED, "credential"))
    # 2b. who a person is to the patient or the staff, in brackets after their name (a pedigree's "Stanislaw Nowicki
    # (maternal grandfather)", "Liam Brennan (husband)", "Siobhan (ward clerk)")
    for m in _RELATION_IN_BRACKETS_RE.finditer(text):
        span = _name_ending_before(tokens, m.start(), lex)
        if span:
            found.append(Candidate(span[0], span[1], "NAME", P_NAME_CUED, "cue"))
    # 3. syntax
    for m in _CARET_RE.finditer(text):
        # a RIS or a scanner joins report words with carets too ("Head^Routine", "Thorax^LDCT", a description's
        # "MRI KNEE LT WO^Oduya^Chidinma"): the name starts at its first part that is no such word, and there is
        # none when every part is one
        if text[m.end() : m.end() + 1].isdigit():
            continue  # an HL7 message type glued to its event's number ("ORU^R01", "ADT^A08"; precision red team 21)
        parts = m.group().split("^")
        start, k = m.start(), 0
        while k < len(parts) and _caret_report_word(parts[k], lex):
            start += len(parts[k]) + 1
            k += 1
        if any(p and not _caret_report_word(p, lex) for p in parts[k:]):
            found.append(Candidate(start, m.end(), "NAME", P_NAME_CUED, "syntax"))
    for m in ID_CARET_NAME_RE.finditer(text):
        found.append(Candidate(m.start("name"), m.end("name"), "NAME", P_NAME_CUED, "syntax"))
    for m in _INITIALS_RE.finditer(text):
        head, _, tail = m.group().replace(":", "/").partition("/")
        if not tail.islower() and head.lower() in REPORT_ABBREVIATIONS and tail.lower() in REPORT_ABBREVIATIONS:
            continue  # "RV/LV", "AP/LAT", "CT/MR", "CLL/LPD", "NAA/Cho": two abbreviations, not a dictator and a
            # typist ("PM/WR", "ES/ms" are)
        if tail.islower() or tail.lower() not in lex.vocab:
            found.append(Candidate(m.start(), m.end(), "NAME", P_NAME, "syntax"))
    for m in _DASH_INITIALS_RE.finditer(text):
        # a sign-off after a dash at a line's end ("-- JWS", "— CWL"; set 14): initials, not an abbreviation
        if not _not_initials(m.group(1), lex) and m.group(1).lower() not in _SIGN_OFF_WORDS:
            found.append(Candidate(m.start(1), m.end(1), "NAME", P_NAME, "syntax"))
    for m in _TRAILING_INITIALS_RE.finditer(text):
        pieces = [p for p in (m.group("alone"), m.group("a"), m.group("b")) if p]
        if not any(p in lex.vocab or p in lex.common or p in _FUNCTION_WORDS or p in _ENGLISH_SHORT for p in pieces):
            found.append(Candidate(m.start(), m.end(), "NAME", P_NAME, "syntax"))
    # a chat's "mrs b", "not mrs beaulieu in 14": a title in small letters before a small word no list knows
    if any(c.isalpha() and c.islower() for c in text[:200]):
        found.extend(_lower_case_cued_names(text, lex))
    for m in _LOWER_GIVEN_NAME_RE.finditer(text):
        word = m.group(1)
        if len(word) >= 3 and word in lex.first_names and word not in lex.not_names and not _small_word(word, lex):
            found.append(Candidate(m.start(1), m.end(1), "NAME", P_NAME_CUED, "cue"))
    for m in _LOWER_TITLE_NAME_RE.finditer(text):
        word = m.group(2)
        if len(word) == 1:
            known = m.group(1) != "mr"  # "mrs b", "dr h"; "mr t2" is an exam
        else:
            known = len(word) >= 3 and not (
                _small_word(word, lex) or word in lex.not_names or word in _CAPS_WORDS or word in _VERBS_AFTER_TITLE
            )
        if known:
            found.append(Candidate(m.start(2), m.end(2), "NAME", P_NAME_CUED, "cue"))
    # a user name and the person's name in brackets after it, as an audit log writes them ("bwilliamson (Bill
    # Williamson, registration)"): both, when the user name is made of the name
    # initials with periods in brackets ("subj 031-0007 (B.Y.)", "Subject 022-117 (H.W.B.)"); not "(U.S.)", "(a.m.)"
    for m in _BRACKETED_INITIALS_RE.finditer(text):
        if m.group(1).replace(".", "").lower() not in _DOTTED_WORDS:
            found.append(Candidate(m.start(1), m.end(1), "NAME", P_NAME_CUED, "syntax"))
    for m in _PARTICIPANT_RE.finditer(text):
        found.append(Candidate(m.start("name"), m.end("name"), "NAME", P_NAME_CUED, "syntax"))
    if ":" in text:
        for m in _ATTENDEE_INITIALS_RE.finditer(text):
            for im in re.finditer(r"[A-Z]{2,4}", m.group("list")):
                if not _not_initials(im.group(), lex):
                    at = m.start("list") + im.start()
                    found.append(Candidate(at, at + len(im.group()), "NAME", P_NAME_CUED, "syntax"))
    if "|" in text:
        for m in _LAST_CELL_INITIALS_RE.finditer(text):
            if not _not_initials(m.group(1), lex):
                found.append(Candidate(m.start(1), m.end(1), "NAME", P_NAME, "syntax"))
    if "_" in text:
        for m in _PATH_NAME_RE.finditer(text):
            first, second = (w.lower().replace("\u2019", "'") for w in m.group("name").split("_", 1))
            if any(
                w in lex.not_names or w in lex.vocab or w in lex.common or w in REPORT_ABBREVIATIONS
                for w in (first, second)
            ):
                continue  # "CT_CHEST/", "HEAD_NECK\\", "BRAIN_MRI.zip": a study's words
            known = first in lex.surnames or second in lex.first_names or first in lex.first_names
            if known or (len(second) <= 2 and len(first) >= 4):  # a surname and an initial
                found.append(Candidate(m.start("name"), m.end("name"), "NAME", P_NAME_CUED, "cue"))
    if '"' in text or "\u201c" in text:
        for m in _QUOTED_NAME_RE.finditer(text):
            words = m.group("name").lower().split()
            if not all(w in lex.not_names or w in lex.vocab or w in lex.common for w in words):
                found.append(Candidate(m.start("name"), m.end("name"), "NAME", P_NAME_CUED, "syntax"))
    for m in _SUBJECT_SURNAME_RE.finditer(text):
        words = [m.group("given"), m.group("surname")] if m.group("given") else [m.group("name")]
        parts = [p for w in words for p in w.lower().replace("\u2019", "'").split("-")]
        if any(p in lex.not_names or p in lex.vocab or p in lex.common or p in lex.places for p in parts) or any(
            p in _BARE_ROLES or p in _STAFF_ROLES or p in _FUNCTION_WORDS for p in parts
        ):
            continue  # "Radiology called", "Family declined", "Insurance denied"
        if any(p in _INDEFINITE_PRONOUNS or p in _DEPARTMENTS for p in parts):
            continue  # "Someone called", "Nobody said", "Heme says", "Urology said" (precision red team 21)
        if m.group("given") and not (parts[0] in lex.first_names or parts[-1] in lex.surnames):
            continue  # two words: a given name or a surname the dictionary knows
        if any(p.endswith(_CLAUSE_END_SUFFIXES) and p not in lex.surnames for p in parts):
            continue  # "Consanguinity denied", "Transportation called": a word's ending, no name's
        found.append(Candidate(m.start(1), m.end(1), "NAME", P_NAME, "syntax"))
    for m in _PRINTED_BY_RE.finditer(text):
        which = "user" if m.group("user") else "operator"
        if _system_user(m.group(which), lex):
            found.append(Candidate(m.start(which), m.end(which), "NAME", P_NAME_CUED, "syntax"))
    for m in _HANDLE_AND_NAME_RE.finditer(text):
        handle = re.sub(r"[\d._]", "", m.group("handle"))
        first, last = m.group("first").lower(), m.group("last").lower()
        if handle in (first[0] + last, first + last, last + first[0], last + first):
            found.append(Candidate(m.start("handle"), m.end("handle"), "NAME", P_NAME_CUED, "syntax"))
            found.append(Candidate(m.start("first"), m.end("last"), "NAME", P_NAME_CUED, "syntax"))
    for m in _SCRIPT_LABEL_RE.finditer(text):
        other = _OTHER_SCRIPT_NAME_RE.match(text, m.end())
        if other:
            found.append(Candidate(other.start(), other.end(), "NAME", P_NAME_CUED, "cue"))
    for m in _BARE_HANDLE_RE.finditer(text):
        handle = m.group("handle")
        if handle:
            known = handle not in lex.not_names and any(_user_name_surname(handle[k:], lex) for k in (1, 2))
        else:
            known = m.group("first") in lex.first_names and m.group("surname") in lex.surnames
        if known:
            found.append(Candidate(m.start(), m.end(), "NAME", P_NAME, "syntax"))
    # 4. dictionary
    found.extend(_dictionary_names(tokens, lex))
    relation_letters: set[int] = set()  # where the letter of "S/O", "D/O", "W/O" ends
    for m in _RELATION_OF_RE.finditer(text):
        i = tokens.index_at.get(m.end())
        span = _parse_name_after(tokens, i, lex) if i is not None else None
        if span is not None and m.group("wife"):
            words = re.findall(r"[^\W\d_]+", text[span[0] : span[1]].lower())
            if words and (words[0] in REPORT_ABBREVIATIONS or words[0] in lex.not_names):
                span = None  # "CT ABD W/O IV CONTRAST": without ("W/O Sri Venkatesh Rao": RAO is a view, too)
        if span is not None:
            found.append(Candidate(span[0], span[1], "NAME", P_NAME_CUED, "cue"))
            # and the person it relates, before ("NASREEN BIBI W/O MUHAMMAD ASLAM")
            k = _token_ending_before(tokens, m.start())
            before = _parse_name_backwards(tokens, k, lex) if k is not None else None
            if before is not None:
                found.append(Candidate(before[0], before[1], "NAME", P_NAME_CUED, "cue"))
            relation_letters.add(m.start() + 1)
    if relation_letters:
        # the initial a name before took of "W/O" ("Smt. Kavitha W/O ..." found "Kavitha W"): trimmed once, here
        found[:] = [
            dataclasses.replace(c, end=c.end - 2) if c.end in relation_letters and text[c.end - 2] == " " else c
            for c in found
        ]
    # the same name in brackets after a name found above, in another script or spelled in Latin letters, or the
    # person's user name ("Dana Aldana, RN (daldana)")
    for c in list(found):
        bracket = _ALT_NAME_RE.match(text, c.end)
        if bracket and (_alternate_name(bracket.group(1), lex) or _handle_of(bracket.group(1), text[c.start : c.end])):
            found.append(Candidate(bracket.start(1), bracket.end(1), "NAME", c.priority, c.source))
    # a nickname in quotes right after a name found above, or after a given name ('William "Bucky" Thibodeaux':
    # the given name, the nickname and the capitalised word after it)
    for c in list(found):
        q = _QUOTED_NICKNAME_RE.match(text, c.end)
        if q and _is_cap(q.group(1)) and q.group(1).lower() not in lex.vocab:
            found.append(Candidate(q.start(1), q.end(1), "NAME", c.priority, c.source))
        # ... or right before it, after a given name ('Tadeusz "Ted" [Kowalczyk]')
        b = _NICKNAME_BEFORE_RE.search(text, max(0, c.start - 80), c.start)
        if b and _unlisted_capitalised(b.group(1), lex) and b.group(2).lower() not in lex.vocab:
            found.append(Candidate(b.start(), b.start() + len(b.group().rstrip()), "NAME", c.priority, c.source))
    for q in _QUOTED_NICKNAME_RE.finditer(text):
        k = _token_ending_before(tokens, q.start())
        if k is None or tokens.items[k][1] != q.start() or not _is_first(tokens.items[k][2], lex):
            continue
        if q.group(1).lower() in lex.not_names:
            continue
        end = q.end(1)
        after = _NEXT_WORD.match(text, q.end())
        if after and after.group(1).lower() not in lex.vocab:
            end = after.end(1)
        found.append(Candidate(tokens.items[k][0], end, "NAME", P_NAME_CUED, "syntax"))
    yield from found
    # 5. propagation of words seen in names
    yield from _propagate(text, tokens, found, lex)


#: The consonant pairs an English word may start with: a user name made of an initial and a surname starts with a
#: pair no English word does ("mquartey", "kprosser", "jfernandes"; not "software", "printer").
_ENGLISH_ONSETS = frozenset(
    "bl br ch cl cr dr dw fl fr gl gn gr kn ph pl pn pr ps rh sc sh sk sl sm sn sp sq st sw th tr tw wh wr".split()
)
_VOWELS = frozenset("aeiouy")
_SERVICE_ACCOUNT_RE = re.compile(
    r"(?:svc|srv|sys|system|service|admin|batch|cron|daemon|auto|robot|bot|job|api)[._\d-]"
)


def _system_user(value: str, lex: Lexicon) -> bool:
    """Whether a lower-case word a system printed after "by" is a user name: with a digit, a period or an underscore,
    initials (two or three letters that are no word), or an initial glued to a surname (a start no English word has);
    never a word of any list ("by fax", "by courier", "by software")."""
    letters = re.sub(r"[\d._]", "", value)
    if len(letters) < 2 or _not_initials(letters, lex) or letters in lex.vocab or letters in lex.common:
        return False
    if _SERVICE_ACCOUNT_RE.match(value):
        return False  # "generated ... by svc_audit": a service's account, no person's
    if letters != value or len(letters) <= 3:
        return True
    head = letters[:2]
    return head[0] not in _VOWELS and head[1] not in _VOWELS and head not in _ENGLISH_ONSETS


def _user_name(m: re.Match[str], lex: Lexicon, after_colon: bool = False) -> bool:
    """Whether a lower-case word after a role is a user name: with a number or a separator, or initials before a
    name the dictionary knows ("kpatel", "mlopez"), or a name and an initial ("patelk"), or any word of five letters
    or more alone after the role's colon ("Printed by: tvarghese"); no report or common word, no placeholder
    ("signed by: system", "User: unknown")."""
    letters, number = m.group(1), m.group(2)
    if letters in lex.vocab or letters in lex.common or letters in _PLACEHOLDERS or letters in _FUNCTION_WORDS:
        return False
    if _SERVICE_ACCOUNT_RE.match(m.group().strip()):
        return False  # "svc_audit", "sys_batch": a service's account
    if number or "." in letters or "_" in letters or (after_colon and len(letters) >= 5):
        return len(letters) >= 3
    return any(
        letters[k:] in lex.surnames or letters[k:] in lex.first_names for k in (1, 2, 3) if len(letters) - k >= 3
    ) or (len(letters) >= 5 and letters[:-1] in lex.surnames)


def _handle_of(value: str, name: str) -> bool:
    """Whether ``value`` is a user name made from ``name``: one lower-case word holding a word of the name of
    three letters or more ("daldana" of "Dana Aldana", "tvarghese" of "T. Varghese")."""
    if not re.fullmatch(r"[a-z][a-z0-9._]{3,24}", value):
        return False
    return any(len(w) >= 3 and w in value for w in re.findall(r"[a-z]+", name.lower()))


def _user_name_surname(word: str, lex: Lexicon) -> bool:
    """A surname the dictionary knows, four letters or more, that is no report or common word (an eponym may be:
    "jsmith2")."""
    return len(word) >= 4 and word in lex.surnames and word not in lex.vocab and word not in lex.common


def _more_names(tokens: _Tokens, end: int, lex: Lexicon) -> Iterator[Candidate]:
    """The names after the first of a list after ``Drs.``: each after a comma, ``and`` or ``&``, as after a title."""
    k = _token_ending_before(tokens, end)
    while k is not None and k + 2 < len(tokens.items):
        k = _after_bracketed_note(tokens, k)  # "Maisie (6) and Rowan (3)", "Hugo (A) and Theo (B)"
        if k + 2 >= len(tokens.items):
            return
        sep = tokens.items[k + 1][2].lower()
        if sep not in (",", "and", "&") or "\n" in tokens.gap(k):
            return
        at = k + 3 if sep == "," and tokens.items[k + 2][2].lower() in ("and", "&") else k + 2
        if at >= len(tokens.items):
            return
        span = _parse_name_after(tokens, at, lex, allow_comma=False, after_title=True)
        if span is None:
            return
        yield Candidate(span[0], span[1], "NAME", P_NAME_CUED, "cue")
        k = _token_ending_before(tokens, span[1])


def _after_bracketed_note(tokens: _Tokens, k: int) -> int:
    """The token that ends a short note in brackets right after token ``k`` (an age, a letter: "(6)", "(A)", "(age
    6)", "(aged 3)", "(3 yo)"), or ``k`` when none follows."""
    items = tokens.items
    if k + 3 < len(items) and items[k + 1][2] == "(" and items[k + 3][2] == ")" and len(items[k + 2][2]) <= 3:
        return k + 3
    if (
        k + 4 < len(items)
        and items[k + 1][2] == "("
        and items[k + 4][2] == ")"
        and (
            (items[k + 2][2].lower() in ("age", "aged", "ages") and items[k + 3][2].isdigit())
            or (items[k + 2][2].isdigit() and items[k + 3][2].lower() in ("yo", "y", "yrs", "years", "mo", "months"))
        )
    ):
        return k + 4
    return k


def _token_ending_before(tokens: _Tokens, pos: int) -> int | None:
    # tokens are sorted and do not overlap, so their ends ascend: a binary search (a scan was quadratic)
    k = bisect.bisect_right(tokens.items, pos, key=lambda item: item[1]) - 1
    return k if k >= 0 else None


def _lower_case_cued_names(text: str, lex: Lexicon) -> Iterator[Candidate]:
    """Names in small letters after a cue in small letters (see :data:`_LOWER_CUE_RE`)."""
    for m in _LOWER_CUE_RE.finditer(text):
        strong = m.group("strong") is not None
        words: list[tuple[int, int, bool]] = []  # start, end, known to the name dictionary
        at = m.end()
        while len(words) < 3 and (w := _LOWER_WORD_RE.match(text, at)):
            word = w.group(1).lower()
            parts = [p for p in word.split("-") if p]
            known = bool(parts) and all(p in lex.first_names or p in lex.surnames for p in parts)
            # (a surname after a given name may be an abbreviation too: "winifred ng")
            after_given = known and bool(words) and words[-1][2] and word not in lex.not_names
            if not parts or word in _SPOKEN_LAYOUT or (any(_common_lower(p, lex) for p in parts) and not after_given):
                break
            words.append((w.start(1), w.end(1), known))
            if not w.group(2) or "\n" in w.group(2):
                break
            at = w.end()
        if any(k for _s, _e, k in words):
            # a word no list knows ends no name ("schumacher through secure"), unless it follows a given name the
            # dictionary knows: the surname ("rosalind okafor")
            # (after a relative a verb follows the given name as often, "my husband ken drives me": there the word
            # must not end as a verb does)
            endings = (*_WORD_SUFFIXES, "s") if _RELATIVE_CUE_RE.search(m.group()) else _WORD_SUFFIXES
            while not words[-1][2] and (
                not (len(words) > 1 and words[-2][2] and text[words[-2][0] : words[-2][1]].lower() in lex.first_names)
                or text[words[-1][0] : words[-1][1]].lower().endswith(endings)
            ):
                words.pop()
        elif re.search(r"(?:doctor|dr\.?)[ \t]+$", m.group()):
            # after the title: "paged to doctor hargreaves", "doctor anand bhattacharya"; not a word with an English
            # ending or a state ("doctor notified", "doctor aware")
            words = words[:2]
            if any(
                text[a:b].lower().endswith(_WORD_SUFFIXES) or text[a:b].lower() in _STATES_OF_MIND for a, b, _k in words
            ):
                continue
        elif not strong or len(words) < 2:
            continue  # no word the dictionary knows: a given name and a surname after a strong cue only
        else:
            words = words[:2]  # "reported by anand bhattacharya"
        if words:
            yield Candidate(words[0][0], words[-1][1], "NAME", P_NAME_CUED, "cue")


def _common_lower(word: str, lex: Lexicon) -> bool:
    """A word in small letters that is a word, not a name: in a word list, short, a verb after a title or an
    abbreviation."""
    return (
        word in lex.not_names
        or _small_word(word, lex)
        or len(word) < 2
        or word in _VERBS_AFTER_TITLE
        or word in REPORT_ABBREVIATIONS
        or word in _STAFF_ROLES
    )


def _name_ending_before(tokens: _Tokens, pos: int, lex: Lexicon) -> tuple[int, int] | None:
    """The name whose last token ends right before ``pos`` (see :func:`_parse_name_backwards`)."""
    k = _token_ending_before(tokens, pos)
    return _parse_name_backwards(tokens, k, lex) if k is not None else None


def _parse_name_backwards(tokens: _Tokens, k: int, lex: Lexicon) -> tuple[int, int] | None:
    items = tokens.items
    end = items[k][1] if k >= 0 else -1
    start = -1
    parts = 0
    j = k
    while j >= 0 and parts < 4:
        w = items[j][2]
        if w == "." and j > 0 and len(items[j - 1][2]) == 1 and items[j - 1][2].isupper():
            j -= 1
            continue
        if w == "," and parts == 1 and j > 0 and _word_ok_cued(items[j - 1][2], lex):
            j -= 1
            continue
        vocab_surname = (
            parts == 0
            and _is_cap(w)
            and (w.lower() in lex.surnames or w.lower() in lex.first_names)
            and j > 0
            and (items[j - 1][2] == "." or _is_cap(items[j - 1][2]))
        )
        if parts > 0 and w.lower() in _PARTICLES and not _is_cap(w) and tokens.gap(j) == " ":
            # "de la" between name parts: taken only if a given name or an initial comes before it
            k = j
            while k > 0 and items[k - 1][2].lower() in _PARTICLES and tokens.gap(k - 1) == " ":
                k -= 1
            before = items[k - 1][2] if k > 0 and tokens.gap(k - 1) == " " else ""
            if before == "." or (len(before) == 1 and before.isupper()) or (before and _word_ok_cued(before, lex)):
                j = k - 1
                continue
            break
        if (len(w) == 1 and w.isupper()) or (w[0].isalpha() and (_word_ok_cued(w, lex) or vocab_surname)):
            start = items[j][0]
            parts += 1
            if j > 0 and tokens.gap(j - 1) not in (" ", "", ", "):
                break
            j -= 1
            continue
        break
    if parts == 0 or start < 0:
        return None
    # a single initial before a credential is not enough ("A. MD")
    if parts == 1 and len(tokens.text[start:end].strip(".")) == 1:
        return None
    return start, end


def _is_first(word: str, lex: Lexicon) -> bool:
    low = word.lower()
    if not low.isascii():
        low = fold_accents(low)  # "Héctor", "Lucía": the dictionary is written without accents
    return _is_cap(word) and low in lex.first_names and low not in lex.not_names


def fold_accents(word: str) -> str:
    """``word`` without its combining accents ("Nguyễn" -> "Nguyen", "Héctor" -> "Hector")."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


def _is_last(word: str, lex: Lexicon, all_caps_text: bool) -> bool:
    low = word.lower()
    if not _is_cap(word) or len(word) < 2 or low in lex.vocab:
        return False
    if low in lex.surnames:
        return True
    if all_caps_text or word.isupper():
        return False
    return low not in lex.common and low not in lex.eponyms and low not in lex.cities


#: Words after which a capitalised word or a letter names a class, in the partner sites' languages ("Grade I.",
#: "Typ Garden", "klasyfikacji Schizasa"; precision red team 23, blind set 18).
_CLASS_WORDS = frozenset(
    "grade stage type class category classification klassifikation klasyfikacji klasyfikacja typ grad stadium "
    "stadio grado tipo stade classe klasse kategorie categoria categoría stopnia".split()
)


#: An operation or a sign named after its surgeons or its describers ("Ivor Lewis oesophagectomy"; set 4).
_PROCEDURE_AFTER_RE = re.compile(
    r"[ \t]+[a-z]+(?:ectomy|otomy|ostomy|plasty|pexy|rrhaphy|scopy|graphy|desis|oscopy|procedure|operation|repair"
    r"|approach|technique|maneuver|manoeuvre|sign|test|classification|criteria|score|scale)\b"
)
#: Words a person's name follows in a description or a sentence ("CT for Zebulon Quimby", "images of ...").
_BEFORE_A_PERSON = frozenset("for of from with to by per re".split())


def _dictionary_names(tokens: _Tokens, lex: Lexicon) -> Iterator[Candidate]:
    items = tokens.items
    text = tokens.text
    n = len(items)
    letters = [c for c in text if c.isalpha()]
    all_caps_text = bool(letters) and sum(c.isupper() for c in letters) > 0.8 * len(letters)
    for i in range(n):
        s, _e, w = items[i]
        if not _is_cap(w):
            continue
        prev = items[i - 1][2].lower() if i else ""
        if prev in _CLASS_WORDS or (len(w) == 1 and prev in lex.eponyms):
            continue  # "klasyfikacji Schizasa B.", "Hinchey I. Det kan", "Bosniak I. Binyrer": a class, not a name
        # a given name no list knows and a surname the dictionary knows, after "for", "of", "from", "with", "to"
        # ("CT CHEST for Zebulon Quimby" in a description; pipeline red team 24): two capitalised words that are no
        # report word, eponym or place
        if (
            prev in _BEFORE_A_PERSON
            and i + 1 < n
            and tokens.gap(i) == " "
            and len(w) >= 3
            and w.isalpha()
            and not _not_a_name_word(w.lower(), lex)
            and _is_cap(nxt := items[i + 1][2])
            and nxt.lower() in lex.surnames
            and not _not_a_name_word(nxt.lower(), lex)
            and not _followed_by_eponym_noun(text, items[i + 1][1])
            and not _PROCEDURE_AFTER_RE.match(text, items[i + 1][1])  # "proceed to Ivor Lewis oesophagectomy"
        ):
            yield Candidate(s, items[i + 1][1], "NAME", P_NAME, "dictionary")
            continue
        # First [M.|Middle] Last
        if _is_first(w, lex) and i + 1 < n and tokens.gap(i) == " ":
            j = i + 1
            if len(items[j][2]) == 1 and items[j][2].isupper():
                if j + 1 < n and items[j + 1][2] == "." and tokens.gap(j) == "":
                    j += 1
                j += 1 if j + 1 < n and tokens.gap(j) == " " else n
            elif (
                j + 1 < n
                and _is_first(items[j][2], lex)
                and tokens.gap(j) == " "
                and _is_last(items[j + 1][2], lex, all_caps_text)
            ):
                j += 1
            if j < n and _is_last(items[j][2], lex, all_caps_text) and not _followed_by_eponym_noun(text, items[j][1]):
                if not _preceded_by_of_noun(text, s):
                    yield Candidate(s, items[j][1], "NAME", P_NAME, "dictionary")
                    continue
        low = w.lower()
        # LAST, FIRST [M] (an unknown surname is fine when the first name is known and the case matches)
        if (
            (
                (low in lex.surnames and low not in lex.not_names)
                or (
                    len(w) > 1
                    and low not in lex.not_names
                    and low not in lex.cities
                    and i + 2 < n
                    and w.isupper() == items[i + 2][2].isupper()
                )
            )
            and i + 2 < n
            and items[i + 1][2] == ","
            and tokens.gap(i + 1) in (" ", "")
            and _is_first(items[i + 2][2], lex)
        ):
            end = items[i + 2][1]
            if i + 3 < n and len(items[i + 3][2]) == 1 and items[i + 3][2].isupper() and tokens.gap(i + 2) == " ":
                end = items[i + 3][1]
            yield Candidate(s, end, "NAME", P_NAME, "dictionary")
            continue
        # "Erinn N. Dipaolo", "DAISE, FERDINAND F": name shapes with words the dictionary does not know
        shape = _name_shape(tokens, i, lex)
        if shape is not None:
            yield Candidate(s, shape, "NAME", P_NAME, "dictionary")
            continue
        # J. Smith
        if (
            len(w) == 1
            and w.isupper()
            and i + 2 < n
            and items[i + 1][2] == "."
            and tokens.gap(i + 1) in (" ", "")
            and _is_cap(items[i + 2][2])
        ):
            last = items[i + 2][2]
            ll = last.lower()
            if (
                ll in lex.surnames
                and ll not in lex.vocab
                and ll not in lex.common
                and not _followed_by_eponym_noun(text, items[i + 2][1])
                and not (i > 0 and items[i - 1][2] == "." and tokens.gap(i - 1) == "")
            ):
                yield Candidate(s, items[i + 2][1], "NAME", P_NAME, "dictionary")


def _plain(word: str, lex: Lexicon) -> bool:
    low = word.lower()
    return (
        _is_cap(word)
        and len(word) >= 2
        and low not in lex.not_names
        and low not in lex.cities
        and low not in _STOP_AFTER
        and not _CREDENTIAL_RE.fullmatch(word)
    )


def _initial_at(tokens: _Tokens, k: int) -> int | None:
    """End offset of an initial ("T." or "T") at token ``k``, else ``None``; the dot is required in mixed case."""
    items = tokens.items
    if k >= len(items) or len(items[k][2]) != 1 or not items[k][2].isupper():
        return None
    if k + 1 < len(items) and items[k + 1][2] == "." and tokens.gap(k) == "":
        return items[k + 1][1]
    return None


def _name_shape(tokens: _Tokens, i: int, lex: Lexicon) -> int | None:
    items = tokens.items
    n = len(items)
    _s, _e, w = items[i]
    text = tokens.text
    # Word M. Word
    if _plain(w, lex) and i + 3 < n and tokens.gap(i) == " ":
        dot_end = _initial_at(tokens, i + 1)
        if dot_end is not None:
            k = i + 3
            while k < n and items[k][2].lower() in _PARTICLES and tokens.gap(k - 1) == " ":
                k += 1
            if k < n and _plain(items[k][2], lex) and text[dot_end : items[i + 3][0]] == " ":
                if not _followed_by_eponym_noun(text, items[k][1]):
                    return items[k][1]
    # X. Word (not inside "U.S." and not a heading "A. Findings:")
    if (
        len(w) == 1
        and w.isupper()
        and not (i > 0 and tokens.gap(i - 1) == "" and items[i - 1][2][-1:].isalnum())
        and not (i > 0 and (items[i - 1][2] == "." or items[i - 1][2].lower() in _CLASS_WORDS))
    ):
        dot_end = _initial_at(tokens, i)
        if dot_end is not None and i + 2 < n and text[dot_end : items[i + 2][0]] == " ":
            word = items[i + 2][2]
            after = text[items[i + 2][1] : items[i + 2][1] + 1]
            if (
                _plain(word, lex)
                and len(word) >= 3
                and after != ":"
                and (word.lower() in lex.surnames or not word.lower().endswith(_WORD_SUFFIXES))
                and not _followed_by_eponym_noun(text, items[i + 2][1])
            ):
                return items[i + 2][1]
    # LAST, FIRST M  (both capitalised words, then a single initial; no abbreviations: "HCC, BCLC B" is a
    # diagnosis and its stage, blind set 14)
    if _plain(w, lex) and i + 3 < n and items[i + 1][2] == "," and tokens.gap(i + 1) == " ":
        first = items[i + 2][2]
        if (
            _plain(first, lex)
            and first.isupper() == w.isupper()
            and tokens.gap(i + 2) == " "
            and w.lower() not in REPORT_ABBREVIATIONS
            and first.lower() not in REPORT_ABBREVIATIONS
        ):
            init = items[i + 3][2]
            if len(init) == 1 and init.isupper():
                end = items[i + 3][1]
                if end >= len(text) or not text[end].isalpha():
                    return _initial_at(tokens, i + 3) or end
    return None


def _propagate(text: str, tokens: _Tokens, found: list[Candidate], lex: Lexicon) -> Iterator[Candidate]:
    words: set[str] = set()
    for c in found:
        for w in re.findall(
            r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF][A-Za-z\u00C0-\u024F\u1E00-\u1EFF'\u2019-]+", text[c.start : c.end]
        ):
            low = w.lower()
            if len(w) >= 3 and low not in lex.vocab and low not in lex.common and low not in _PARTICLES:
                words.add(low)
    # Whole names of several words, however common each word ("de la Cruz", "Will May"), wherever they recur.
    phrases = {" ".join(text[c.start : c.end].split()) for c in found if len(text[c.start : c.end].split()) > 1}
    for phrase in sorted(phrases, key=len, reverse=True):
        pattern = r"\s+".join(re.escape(w) for w in phrase.split())
        for m in re.finditer(rf"(?<![\w])(?:{pattern})(?![\w])", text, re.IGNORECASE):
            yield Candidate(m.start(), m.end(), "NAME", P_NAME, "propagated")
    if not words:
        return
    for s, e, w in tokens.items:
        # capitalised, or all lower case where only a name can be (an address "ambrose.o..." cut short)
        if (_is_cap(w) or w.islower()) and w.lower() in words:
            if _followed_by_eponym_noun(text, e) or _preceded_by_of_noun(text, s):
                continue
            yield Candidate(s, e, "NAME", P_NAME, "propagated")
        elif any(piece.lower() in words for piece in _GLUED_PIECE.findall(w)):
            yield Candidate(s, e, "NAME", P_NAME, "propagated")  # "bOkonkwo": a found name glued to other letters


# A capitalised piece after lower-case letters inside one token ("Okonkwo" in "bOkonkwo", "Dr.Smith" aside).
_GLUED_PIECE = re.compile(r"(?<=[a-z\u00DF-\u00FF])[A-Z\u00C0-\u00DE][a-z\u00DF-\u00FF'\u2019-]{2,}")


_NEXT_WORD = re.compile(r" ([A-Z\u00C0-\u00DE][a-z\u00DF-\u024F'\u2019-]+)")
#: A capitalised word ending right before an offset (matched on the text before it, anchored at its end).
_PREV_WORD = re.compile(
    r"(?<![A-Za-z\u00C0-\u024F\u1E00-\u1EFF'\u2019-])([A-Z\u00C0-\u00DE][a-z\u00DF-\u024F'\u2019-]{2,}) \Z"
)


def extend_known_names(text: str, cands: list[Candidate], sources: tuple[str, ...] = ("context",)) -> list[Candidate]:
    """The word right after a name the context knows (or, with ``sources``, one found elsewhere in the text and
    propagated here), when it can be a surname ("Philippa Okonkwo" where only the given name Philippa is known: the
    file's own name was garbled, or the surname changed), and the word right before it, when it can be a given name
    ("Leopold Lindqvist" where only the surname is known)."""
    lex = lexicon()
    out = []
    for c in cands:
        if c.category != "NAME" or c.source not in sources:
            continue
        if c.source == "propagated" and not _stands_alone(text, c.start, c.end):
            continue  # a name found again inside an address or a word ("nettie.farr@..."): no neighbours to take
        m = _NEXT_WORD.match(text, c.end)
        if m and _is_last(m.group(1), lex, False) and not _followed_by_eponym_noun(text, m.end(1)):
            out.append(Candidate(m.start(1), m.end(1), "NAME", P_NAME, "dictionary"))
        out.extend(given_name_before(text, c.start, lex))
    return out


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a word of its own: spaces or punctuation around it, not an email's or a
    path's part."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return (before.isspace() or before in "([\"'") and (
        after.isspace() or after in ",;:)]\"'" or (after == "." and (end + 1 >= len(text) or text[end + 1].isspace()))
    )


def given_name_before(text: str, start: int, lex: Lexicon | None = None) -> list[Candidate]:
    """The capitalised word right before a name found at ``start``, when it can be a given name: one the lexicon
    knows, or a word that is no English, clinical, eponym or city word ("Axial 5mm for Leopold [surname]",
    "tech Ignatius [surname]"). Empty when there is none."""
    lex = lex or lexicon()
    m = _PREV_WORD.search(text, max(0, start - 40), start)
    if not m:
        return []
    low = m.group(1).lower()
    plausible = low in lex.first_names or not (low in lex.not_names or low in lex.cities)
    if not plausible or low in _TITLE_AND_ROLE_WORDS:
        return []
    return [Candidate(m.start(1), m.end(1), "NAME", P_NAME, "dictionary")]


_TITLE_AND_ROLE_WORDS = frozenset(w.lower() for w in re.findall(r"[A-Za-z]+", f"{_TITLES}|{_ROLES}"))

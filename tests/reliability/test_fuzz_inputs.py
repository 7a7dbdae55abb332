"""Mutated real inputs on every path through ``process_object``: no crash, no hang, bounded memory, no PHI out.

Seeds are the sample corpus (reports, an HL7 ORU, an outcomes table in CSV/TSV/JSON, DICOM from pydicom's test
files) with realistic synthetic PHI, plus synthetic radiology reports the scrubber fully cleans unmutated; every
mutation goes through :func:`aiminer.objects.process_object`, so the real type sniffing and dispatch run. For each
input the outcome must be ``deidentified``, ``quarantined`` or ``rejected`` with a snake_case reason that quotes
nothing of the file, never the catch-all ``processing_error`` (a defect swallowed), within a time bound, and a
de-identified output must hold none of the seed's PHI values (DICOM: outside pixel data, as ``leakcheck`` scans).

The mutation library below is shared with ``bench/fuzz_long.py`` (100,000+ inputs, several processes). The
session tally is printed and written to ``.aiminer/fuzz-counts.json``.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import struct
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiminer.leakcheck import scan_bytes, scan_file
from tests.unit.dicom.test_fuzz import SEEDS as DICOM_SEEDS
from tests.unit.dicom.test_fuzz import _mutate as dicom_byte_mutate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from aiminer.objects import ObjectContext
    from tests.reliability.conftest import Tally

# ---------------------------------------------------------------------------------------------------------------
# expectations

STATUSES = frozenset({"deidentified", "quarantined", "rejected"})
REASON_RE = re.compile(r"[a-z][a-z0-9_]*")
#: A hang is what exceeds this: a generous constant plus a linear allowance for the input's size (the text
#: scrubber runs ~20 detectors over the text; pathological one-line values cost up to ~6 s per MB).
BASE_SECONDS = 20.0
SECONDS_PER_MB = 10.0
#: Memory bound of the gigantic-value cases: a few copies of the input plus a fixed allowance.
MEMORY_FACTOR = 6
MEMORY_ALLOWANCE = 100 * 1024 * 1024
MB = 1024 * 1024


def time_bound(size: int) -> float:
    """Seconds an input of ``size`` bytes may take before it counts as a hang."""
    return BASE_SECONDS + SECONDS_PER_MB * size / MB


# ---------------------------------------------------------------------------------------------------------------
# seeds


@dataclass(frozen=True)
class Seed:
    """One real input with the PHI injected into it."""

    path: str  # report | hl7 | table | dicom
    name: str
    data: bytes
    phi: frozenset[str]
    fmt: str = ""  # tables: csv, tsv or json


@dataclass(frozen=True)
class Case:
    """One mutated input to try."""

    path: str  # report | hl7 | table | dicom_bytes | dicom_struct
    label: str  # the mutation family
    name: str
    data: bytes
    phi: frozenset[str]
    measure_memory: bool = False
    origin: bytes = b""  # text paths: the unmutated seed (to tell a garbled neighbourhood from an intact one)


@dataclass(frozen=True)
class CaseResult:
    """What happened to one input, and what is wrong with it (empty: nothing)."""

    path: str
    label: str
    size: int
    status: str
    reason: str | None
    kind: str
    seconds: float
    peak_mb: float = 0.0
    leaks: frozenset[str] = frozenset()
    crash: str | None = None
    problems: tuple[str, ...] = ()
    garbled_misses: frozenset[str] = frozenset()


@dataclass
class Fuzzer:
    """Production-like contexts (cleaner, mask rules, crosswalk) and the seeds of every path."""

    root: Path
    strict: ObjectContext  # the corpus's table schema
    permissive: ObjectContext  # same, with unknown columns dropped instead of refused
    seeds: dict[str, list[Seed]] = field(default_factory=dict)
    discarded_reports: int = 0
    _out_count: int = 0

    def run(self, case: Case, ctx: ObjectContext | None = None) -> CaseResult:
        """Process one case through ``process_object`` and judge the outcome."""
        from aiminer.objects import process_object

        out = io.BytesIO()
        if case.measure_memory:
            tracemalloc.start()
        start = time.perf_counter()
        crash = None
        try:
            outcome = process_object(io.BytesIO(case.data), out, case.name, ctx or self.strict)
            status, reason, kind, output = outcome.status, outcome.reason, outcome.kind, outcome.output or ""
        except BaseException as exc:  # the point is to see anything that escapes
            if isinstance(exc, KeyboardInterrupt):
                raise
            crash = type(exc).__name__
            status, reason, kind, output = "crash", crash, "?", ""
        seconds = time.perf_counter() - start
        peak = 0.0
        if case.measure_memory:
            peak = tracemalloc.get_traced_memory()[1] / MB
            tracemalloc.stop()
        leaks: set[str] = set()
        if status == "deidentified":
            leaks |= self._scan(out.getvalue(), case.phi, kind == "dicom")
        leaks |= scan_bytes(f"{reason} {output}".encode(), case.phi)
        garbled = frozenset(
            v
            for v in leaks
            if case.origin and (not intact_in(case.data, case.origin, v) or glued_only(out.getvalue(), case.origin, v))
        )
        leaks -= garbled
        problems = []
        if crash is not None:
            problems.append(f"crash {crash}")
        elif status not in STATUSES:
            problems.append(f"status {status}")
        if status != "deidentified" and (reason is None or not REASON_RE.fullmatch(reason)):
            problems.append(f"reason {reason!r} is not machine-readable")
        if reason == "processing_error":
            problems.append("processing_error: an engine defect was swallowed")
        if leaks:
            problems.append(f"{len(leaks)} PHI value(s) in the output")
        if seconds > time_bound(len(case.data)):
            problems.append(f"took {seconds:.1f} s")
        if case.measure_memory and peak * MB > MEMORY_FACTOR * len(case.data) + MEMORY_ALLOWANCE:
            problems.append(f"peak memory {peak:.0f} MB")
        return CaseResult(
            case.path,
            case.label,
            len(case.data),
            status,
            reason,
            kind,
            seconds,
            peak,
            frozenset(leaks),
            crash,
            tuple(problems),
            garbled,
        )

    def _scan(self, data: bytes, phi: frozenset[str], dicom: bool) -> set[str]:
        if not dicom:
            return scan_bytes(data, phi)
        self._out_count += 1
        path = self.root / f"out-{self._out_count % 4}.dcm"
        path.write_bytes(data)
        return scan_file(path, phi)


#: Characters either side of a PHI value that must be as in the seed for a miss to count as a leak.
WINDOW = 16
_BREAKS = re.compile(r"\r\n|[\r\n\x85\u2028\u2029\x0b\x1c]")


def _normal_text(data: bytes) -> str:
    from aiminer.text.decode import decode_text
    from aiminer.text.errors import TextDeidError

    try:
        text = decode_text(data)
    except TextDeidError:
        text = _text_of(data)
    return _BREAKS.sub("\n", text).lower()


_TOKEN_CHAR = r"[^\W_]"


def glued_only(output: bytes, origin: bytes, value: str) -> bool:
    """Whether ``value`` survives in ``output`` only inside longer words that the seed never had ("Boilardword",
    "bOkonkwo": a mutation glued it to other letters). Such a word is not the name for any rule, nor for a reader's
    eye more than the garbled text it came from; it is counted with the misses next to garbled text."""
    text, seed, needle = _normal_text(output), _normal_text(origin), value.lower()
    tokens = [m.group() for m in re.finditer(rf"{_TOKEN_CHAR}*{re.escape(needle)}{_TOKEN_CHAR}*", text)]
    if not tokens or any(t == needle for t in tokens):
        return False
    return not any(re.search(rf"(?<!{_TOKEN_CHAR}){re.escape(t)}(?!{_TOKEN_CHAR})", seed) for t in tokens)


def intact_in(mutated: bytes, origin: bytes, value: str) -> bool:
    """Whether ``value`` occurs in ``mutated`` with the same ``WINDOW`` characters around it as in ``origin``.

    A value the scrubber misses only because a mutation glued it to other text or cut its cue off ("Dr.Smith",
    "SMITH, JOHN BMRN: ...") is a recall limit of the free-text detector under garbling, counted apart from
    leaks; a value whose neighbourhood is intact must never come out. Values not found at all count as intact.
    """
    text, seed, needle = _normal_text(mutated), _normal_text(origin), value.lower()
    positions = [m.start() for m in re.finditer(re.escape(needle), text)]
    if not positions:
        return True
    return any(text[max(0, p - WINDOW) : p + len(needle) + WINDOW] in seed for p in positions)


def make_fuzzer(root: Path) -> Fuzzer:
    """Build the contexts (as ``aiminer deid`` does) and the seeds, under ``root``."""
    from aiminer.adapters.sqlite_crosswalk import SqliteCrosswalk
    from aiminer.crosswalk import Coder
    from aiminer.dicom import burnedin
    from aiminer.dicom.engine import EngineConfig, configure_pydicom
    from aiminer.dicom.policy import compile_policy
    from aiminer.objects import ObjectContext
    from aiminer.text.dicom_cleaner import cleaner_factory
    from aiminer.text.table import TableSchema

    configure_pydicom()
    root.mkdir(parents=True, exist_ok=True)
    coder = Coder(SqliteCrosswalk(root / "crosswalk.sqlite"), "PRJ-FUZZ")
    engine = EngineConfig(
        compile_policy(), coder, coder.site("Fuzz General"), burnedin.load_mask_rules(), cleaner_factory
    )
    seeds, schema_path = _corpus_seeds(root)
    schema = TableSchema.load(schema_path)
    loose = TableSchema.from_mapping(
        {"issuer": schema.issuer, "columns": dict(schema.columns), "allow_unknown_columns": True}
    )
    fuzzer = Fuzzer(
        root,
        ObjectContext(engine=engine, table_schema=schema),
        ObjectContext(engine=engine, table_schema=loose),
    )
    for seed in seeds:
        fuzzer.seeds.setdefault(seed.path, []).append(seed)
    _add_synthetic_reports(fuzzer)
    fuzzer.seeds["dicom"] = [
        Seed("dicom", f"IMG{i:04d}.dcm", data, frozenset(phi)) for i, (data, phi) in enumerate(DICOM_SEEDS)
    ]
    return fuzzer


def _corpus_seeds(root: Path) -> tuple[list[Seed], Path]:
    from aiminer.samples import make_corpus

    seeds: list[Seed] = []
    schema_path = None
    for n, corpus_seed in enumerate((20261125, 7)):
        corpus = make_corpus(root / f"corpus-{n}", seed=corpus_seed, templates=("ct",))
        schema_path = schema_path or corpus.table_schema
        phi = corpus.phi
        for f in corpus.files:
            data = f.read_bytes()
            present = frozenset(scan_bytes(data, phi))
            if f.name == "report.txt":
                seeds.append(Seed("report", "report.txt", data, present))
            elif f.parent.name == "ris-export":
                seeds.append(Seed("hl7", f.name, data, present))
            elif f.suffix == ".csv":
                seeds.extend(_table_seeds(data.decode("utf-8"), present))
    assert schema_path is not None
    return seeds, schema_path


def _table_seeds(text: str, phi: frozenset[str]) -> list[Seed]:
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    tsv = "\n".join("\t".join(r) for r in rows) + "\n"
    records = [dict(zip(header, r, strict=True)) for r in body]
    return [
        Seed("table", "outcomes.csv", text.encode("utf-8"), phi, "csv"),
        Seed("table", "outcomes.tsv", tsv.encode("utf-8"), phi, "tsv"),
        Seed("table", "outcomes.json", json.dumps(records, indent=1).encode("utf-8"), phi, "json"),
    ]


def _add_synthetic_reports(fuzzer: Fuzzer, n: int = 36) -> None:
    """Synthetic reports of every modality whose unmutated scrub leaves none of their PHI (a leak is a mutation's)."""
    from aiminer.text.synthetic import generate_reports

    for i, rep in enumerate(generate_reports(n, seed=515)):
        phi = frozenset(v for s in rep.phi if len((v := rep.text[s.start : s.end]).strip()) >= 6)
        seed = Seed("report", f"report-{i:03d}.txt", rep.text.encode("utf-8"), phi)
        result = fuzzer.run(Case("report", "baseline", seed.name, seed.data, seed.phi))
        if result.problems or result.status != "deidentified":
            fuzzer.discarded_reports += 1
            continue
        fuzzer.seeds["report"].append(seed)


# ---------------------------------------------------------------------------------------------------------------
# text mutations (reports, HL7, tables): each is ``op(data, a, b) -> bytes`` with two free integers

_BAD_UTF8 = (
    b"\xff",
    b"\xfe\xff",
    b"\xc3",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
    b"\xe2\x82",
    b"\xf0\x9f\x98",
    b"\x80\x80\x80",
)
_CONTROLS = ("\x00", "\x0b", "\x1c", "\x1d", "\x1e", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff", "\u200b", "\x0c")
_ENCODINGS = ("utf-16-le", "utf-16-be", "utf-16", "utf-32", "utf-8-sig", "latin-1", "cp1252", "utf-16-le", "utf-32-be")
_ACCENTED = "Quintéro Ñúñez Müller Øster Çelik straße ½ € ™ “quoted” — ¿qué? "
_FILLERS = (
    b"A",
    b" ",
    b"1",
    b"\t",
    b"word ",
    b"Dr. ",
    b"1/",
    b"(",
    b"[NAME] 555-123-4567 ",
    b"MRN: ",
    b"Smith, ",
    b"a@b.",
    b"http://",
    "é".encode(),
)
_NEWLINES = ("\r", "\n", "\r\n", "\n\r", "", "\r\r", "\x1c\r", "\x85", "\u2028", "\x0b")


def _pos(data: bytes, a: int) -> int:
    return a % (len(data) + 1)


def _text_of(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def op_truncate(data: bytes, a: int, b: int) -> bytes:
    return data[: _pos(data, a)]


def op_nul(data: bytes, a: int, b: int) -> bytes:
    p = _pos(data, a)
    return data[:p] + b"\x00" * (1 + b % 16) + data[p:]


def op_flip(data: bytes, a: int, b: int) -> bytes:
    if not data:
        return data
    buf = bytearray(data)
    for k in range(1 + b % 4):
        p = (a + k * 7919) % len(buf)
        buf[p] ^= (b >> (3 * k)) % 255 + 1
    return bytes(buf)


def op_bad_utf8(data: bytes, a: int, b: int) -> bytes:
    p = _pos(data, a)
    return data[:p] + _BAD_UTF8[b % len(_BAD_UTF8)] + data[p:]


def op_control(data: bytes, a: int, b: int) -> bytes:
    p = _pos(data, a)
    return data[:p] + _CONTROLS[b % len(_CONTROLS)].encode("utf-8") * (1 + b % 3) + data[p:]


def op_reencode(data: bytes, a: int, b: int) -> bytes:
    text = _text_of(data)
    enc = _ENCODINGS[b % len(_ENCODINGS)]
    out = text.encode(enc, "replace")
    if a % 5 == 0 and out:  # a UTF-16/32 stream cut at an odd byte, or misaligned
        out = out[:-1] if a % 2 else out[1:]
    return out


def op_mixed(data: bytes, a: int, b: int) -> bytes:
    """Insert accented text in another encoding than the rest (Latin-1 in UTF-8, UTF-16 in Latin-1...)."""
    p = _pos(data, a)
    enc = ("latin-1", "cp1252", "utf-16-le", "utf-8", "mac-roman")[b % 5]
    return data[:p] + _ACCENTED.encode(enc, "replace") + data[p:]


def op_huge(data: bytes, a: int, b: int) -> bytes:
    """Insert a long single-line value (up to 64 KB here; the gigantic ones are separate cases)."""
    p = _pos(data, a)
    unit = _FILLERS[b % len(_FILLERS)]
    size = 1024 + (b >> 4) % (63 * 1024)
    return data[:p] + (unit * (size // len(unit) + 1))[:size] + data[p:]


def op_dup(data: bytes, a: int, b: int) -> bytes:
    p = _pos(data, a)
    piece = data[p : p + 1 + b % 2000]
    return data[:p] + piece * (1 + (b >> 11) % 40) + data[p:]


def op_delete(data: bytes, a: int, b: int) -> bytes:
    p = _pos(data, a)
    return data[:p] + data[p + 1 + b % 64 :]


def op_newlines(data: bytes, a: int, b: int) -> bytes:
    text = _text_of(data)
    return re.sub(r"\r\n|\r|\n", _NEWLINES[b % len(_NEWLINES)], text).encode("utf-8")


# HL7 v2 specific

_SEP_SUBST = ("^", "~", "#", "\t", " ", "\\", "&", "", "||", "|\r", "\x00", "¦")
_MSH_VARIANTS = (
    "MSH|||||",
    "MSH|^^^^|",
    "MSH#^~\\&#",
    "MSH|",
    "MSH^~\\&|",
    "MSH||",
    "MSH|\\|",
    "MSH\x00^~\\&\x00",
    "MSH|^~\\&\\|",
    "MSH\r",
    "MSH|ÿ~\\&|",
    "MSH|~^&\\|",
    "MSH",
    "MSH |^~\\&|",
    "msh|^~\\&|",
    "MSH|^~\\&|^~\\&|",
    "MSH|^~|",
    "MSH^^~\\&^",
)
_ESCAPES = ("\\", "\\X", "\\XZZ\\", "\\F", "\\.br", "\\E\\E\\", "\\X00\\", "\\Xffff\\", "\\H\\", "\\\\", "\\S\\T\\R\\")
_SEG_NAMES = ("PlD", "pid", "P\x00D", " PID", "PID ", "", "PI", "PIDX", "Z01", "OBX", "MSH", "NK1", "\ufeffPID")


def _segments(data: bytes) -> list[str]:
    return re.split(r"\r\n|\r|\n", _text_of(data))


def op_hl7_sep(data: bytes, a: int, b: int) -> bytes:
    """Replace the field separators of one segment (or only one of them) with something else."""
    segs = _segments(data)
    i = a % len(segs)
    new = _SEP_SUBST[b % len(_SEP_SUBST)]
    if (b >> 4) % 2:
        segs[i] = segs[i].replace("|", new)
    else:
        k = (b >> 5) % max(segs[i].count("|"), 1)
        parts = segs[i].split("|")
        if len(parts) > k + 1:
            segs[i] = "|".join(parts[: k + 1]) + new + "|".join(parts[k + 1 :])
    return "\r".join(segs).encode("utf-8")


def op_hl7_msh(data: bytes, a: int, b: int) -> bytes:
    text = _text_of(data)
    at = text.find("MSH")
    if at < 0:
        return data
    return (text[:at] + _MSH_VARIANTS[b % len(_MSH_VARIANTS)] + text[at + 8 :]).encode("utf-8")


def op_hl7_escape(data: bytes, a: int, b: int) -> bytes:
    p = _pos(data, a)
    return data[:p] + _ESCAPES[b % len(_ESCAPES)].encode() + data[p:]


def op_hl7_segname(data: bytes, a: int, b: int) -> bytes:
    segs = _segments(data)
    i = a % len(segs)
    segs[i] = _SEG_NAMES[b % len(_SEG_NAMES)] + segs[i][3:]
    return "\r".join(segs).encode("utf-8")


def op_hl7_repeat(data: bytes, a: int, b: int) -> bytes:
    """Repeat one field of one segment many times with the repetition separator."""
    segs = _segments(data)
    i = a % len(segs)
    fields = segs[i].split("|")
    if len(fields) < 2:
        return data
    k = 1 + (a >> 8) % (len(fields) - 1)
    fields[k] = "~".join([fields[k]] * (2 + b % 500))
    segs[i] = "|".join(fields)
    return "\r".join(segs).encode("utf-8")


# tables

_QUOTES = (b'"', b'""', b'"\n', b'\n"', b'"""', b'",', b',"', b"'", b'"\r\n"')
_DELIMS = (",", ";", "\t", "|", "", ",,", '","')
_WEIRD_JSON = (
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "1" * 5000,
    '"\\ud800"',
    '"\\udfff x"',
    '"\\u0000"',
    '{"a": 1}',
    "[1, 2]",
    "true",
    "null",
    '"\\\\"',
    '"' + "x" * 70000 + '"',
    '"=HYPERLINK(\\"http://x\\")"',
    "-0.0",
    '"\\ud83d\\ude00"',
)


def op_quote(data: bytes, a: int, b: int) -> bytes:
    p = _pos(data, a)
    return data[:p] + _QUOTES[b % len(_QUOTES)] + data[p:]


def op_delim(data: bytes, a: int, b: int) -> bytes:
    text = _text_of(data)
    new = _DELIMS[b % len(_DELIMS)]
    lines = text.split("\n")
    if (b >> 4) % 2:
        return text.replace(",", new).replace("\t", new).encode("utf-8")
    i = a % len(lines)
    lines[i] = lines[i].replace(",", new).replace("\t", new)
    return "\n".join(lines).encode("utf-8")


def op_wide(data: bytes, a: int, b: int) -> bytes:
    """Add up to 5,000 columns to every line (CSV/TSV) or every record (JSON), up to ``WIDE_MAX_BYTES`` added."""
    n = 1 + b % 5000
    text = _text_of(data)
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
            # Bounded: stacked on `rows`, 5,000 columns on every one of 12,000 rows made a 1.3 GB input and took
            # the fuzzer itself to 4 GB (the product quarantined it at once, `too_large`).
            n = min(n, max(1, WIDE_MAX_BYTES // (20 * max(1, len(records) if isinstance(records, list) else 1))))
            for rec in records:
                rec.update({f"extra_{i}": "v" for i in range(n)})
            return json.dumps(records).encode("utf-8")
        except (ValueError, TypeError, AttributeError, RecursionError):
            return data
    sep = "\t" if "\t" in text.split("\n", 1)[0] else ","
    lines = text.rstrip("\n").split("\n")
    n = min(n, max(1, WIDE_MAX_BYTES // (2 * len(lines))))
    head = lines[0] + "".join(f"{sep}extra_{i}" for i in range(n))
    rest = [line + f"{sep}v" * n for line in lines[1:]]
    return ("\n".join([head, *rest]) + "\n").encode("utf-8")


#: Largest table ``op_rows`` makes (under the 32 MiB text limit, so repeated rows reach the table path).
ROWS_MAX_BYTES = 24 * MB
#: Most bytes ``op_wide`` adds (over the text limit, so ``too_large`` is still reached from a stacked table).
WIDE_MAX_BYTES = 40 * MB


def op_rows(data: bytes, a: int, b: int) -> bytes:
    """Repeat the data rows (CSV/TSV) up to 2,000 times."""
    text = _text_of(data)
    if text.lstrip().startswith("["):
        return data
    lines = text.rstrip("\n").split("\n")
    # Bounded: stacked on `wide` or `huge`, 2,000 copies of a 12 MB table took the fuzzer itself to 24 GB.
    times = min(1 + b % 2000, max(1, ROWS_MAX_BYTES // max(1, len(text))))
    return ("\n".join(lines[:1] + lines[1:] * times) + "\n").encode("utf-8")


def op_json_deep(data: bytes, a: int, b: int) -> bytes:
    """Nest arrays/objects hundreds to tens of thousands deep, in a cell or around the whole document."""
    depth = (100, 500, 1000, 3000, 20000, 100000)[b % 6]
    open_, close = ("[", "]") if (b >> 3) % 2 else ('{"k":', "}")
    nested = open_ * depth + "1" + close * depth
    text = _text_of(data)
    if (b >> 4) % 2:
        return (open_ * depth + text + close * depth).encode("utf-8")
    cells = list(re.finditer(r'":\s*("[^"]*"|[-0-9.]+)', text))
    if not cells:
        return (nested + text).encode("utf-8")
    m = cells[a % len(cells)]
    return (text[: m.start(1)] + nested + text[m.end(1) :]).encode("utf-8")


def op_json_weird(data: bytes, a: int, b: int) -> bytes:
    text = _text_of(data)
    cells = list(re.finditer(r'":\s*("[^"]*"|[-0-9.]+)', text))
    weird = _WEIRD_JSON[b % len(_WEIRD_JSON)]
    if not cells:
        return data
    m = cells[a % len(cells)]
    return (text[: m.start(1)] + weird + text[m.end(1) :]).encode("utf-8")


Op = tuple[str, int, int]
_COMMON_OPS: dict[str, Callable[[bytes, int, int], bytes]] = {
    "truncate": op_truncate,
    "nul": op_nul,
    "flip": op_flip,
    "bad_utf8": op_bad_utf8,
    "control": op_control,
    "reencode": op_reencode,
    "mixed": op_mixed,
    "huge": op_huge,
    "dup": op_dup,
    "delete": op_delete,
    "newlines": op_newlines,
}
OPS: dict[str, dict[str, Callable[[bytes, int, int], bytes]]] = {
    "report": dict(_COMMON_OPS),
    "hl7": {
        **_COMMON_OPS,
        "hl7_sep": op_hl7_sep,
        "hl7_msh": op_hl7_msh,
        "hl7_escape": op_hl7_escape,
        "hl7_segname": op_hl7_segname,
        "hl7_repeat": op_hl7_repeat,
    },
    "table": {
        **_COMMON_OPS,
        "quote": op_quote,
        "delim": op_delim,
        "wide": op_wide,
        "rows": op_rows,
        "json_deep": op_json_deep,
        "json_weird": op_json_weird,
    },
}


def text_case(fuzzer: Fuzzer, path: str, seed_index: int, ops: list[Op], name_variant: int = 0) -> Case:
    """The seed of ``path`` number ``seed_index``, with ``ops`` applied in turn."""
    seeds = fuzzer.seeds[path]
    seed = seeds[seed_index % len(seeds)]
    data = seed.data
    for op, a, b in ops:
        data = OPS[path][op](data, a, b)
    names = (seed.name, "upload.bin", "export.txt", "notes.dcm", "data.csv")
    name = names[name_variant % len(names)] if path != "table" else seed.name
    return Case(path, "+".join(sorted({op for op, _, _ in ops})), name, data, seed.phi, origin=seed.data)


def random_text_case(fuzzer: Fuzzer, rng: random.Random, path: str) -> Case:
    ops = [(rng.choice(sorted(OPS[path])), rng.getrandbits(31), rng.getrandbits(31)) for _ in range(rng.randint(1, 3))]
    return text_case(fuzzer, path, rng.randrange(1 << 16), ops, 0 if rng.random() < 0.85 else rng.randrange(5))


def context_for(fuzzer: Fuzzer, case: Case, choice: int) -> ObjectContext:
    return fuzzer.permissive if case.path == "table" and choice % 2 else fuzzer.strict


# ---------------------------------------------------------------------------------------------------------------
# DICOM structural attacks the byte-mutation fuzz does not build

_LONG_VRS = frozenset({b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UN", b"UC", b"UR", b"UT", b"SV", b"UV"})
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQ_END = (0xFFFE, 0xE000), (0xFFFE, 0xE00D), (0xFFFE, 0xE0DD)
PATIENT_NAME, PATIENT_ID, INSTITUTION, IMAGE_COMMENTS = 0x00100010, 0x00100020, 0x00080080, 0x00204000
STUDY_DESCRIPTION, SERIES_DESCRIPTION, CHARSET, PIXEL_DATA = 0x00081030, 0x0008103E, 0x00080005, 0x7FE00010
_WRONG_VR_TARGETS = (
    PATIENT_NAME,
    PATIENT_ID,
    INSTITUTION,
    0x00080020,  # StudyDate
    0x00080050,  # AccessionNumber
    0x00080090,  # ReferringPhysicianName
    STUDY_DESCRIPTION,
    SERIES_DESCRIPTION,
    IMAGE_COMMENTS,
    0x00101002,  # OtherPatientIDsSequence
    0x00100030,  # PatientBirthDate
    0x00091012,  # private LT with the patient's name
    0x00080060,  # Modality (kept)
    0x00080070,  # Manufacturer (kept)
)
_NEW_VRS = (b"CS", b"UN", b"OB", b"OW", b"SQ", b"UT", b"US", b"UL", b"FD", b"UI", b"DA", b"AE", b"LO", b"PN", b"XX")
_NEW_VRS += (b"\x00\x00", b"lo", b"AT", b"ST", b"LT")
_CHARSETS = (
    b"ISO_IR 999",
    b"ISO 2022 IR 87\\ISO_IR 192",
    b"ISO 2022 IR 13\\ISO 2022 IR 87",
    b"\x1b$B",
    b"GB18030",
    b"ISO_IR 192",
    b"ISO_IR 100\\ISO_IR 144",
    b"",
    b"\\\\\\",
    b"ISO 2022 IR 149",
    b"ISO_IR 6\\ISO 2022 IR 58",
    b"\x00\x00",
    b"iso_ir 100",
)
_NAME_BYTES = (
    b"{last}^{first}=\x1b$B;3ED\x1b(B^\x1b$B",
    b"{last}^{first}\x1b",
    b"\x1b(J{last}\x1b$)C^{first}",
    b"{last}\xff\xfe^{first}",
    b"Qu\xe9{last}^{first}\xc3",
    b"{last}^{first}=\xe5\xb1\xb1\xe7\x94\xb0",
    b"\x1b%G{last}^{first}\x1b%@",
    b"{last}\x1b$B\x1b$B\x1b$B^{first}",
)
_NUL_FORMS = (
    b"{last}\x00^{first}",
    b"{last}^{first}\x00\x00\x00\x00",
    b"\x00{last}^{first}",
    b"{last}^\x00{first}",
    b"{last}\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00^{first}",
)
_TS = (
    b"1.2.840.10008.1.2.1.99",
    b"1.2.840.10008.1.2.2",
    b"1.2.840.10008.1.2",
    b"1.2.840.10008.1.2.4.50",
    b"9.9.9",
    b"",
    b"\x00" * 8,
    b"1.2.840.10008.1.2.5",
    b"1.2.840.10008.1.2.1\x00garbage",
)
STRUCTURAL_KINDS = ("deep_sq", "huge_length", "wrong_vr", "charset", "nul", "meta")


@dataclass(frozen=True)
class _Dicom:
    data: bytes
    implicit: bool
    phi: frozenset[str]
    last: str
    first: str

    @property
    def body_start(self) -> int:
        meta_len = struct.unpack_from("<L", self.data, 132 + 8)[0]
        return 132 + 12 + meta_len


def _base(index: int) -> _Dicom:
    """Seeds 0 (CT, explicit VR LE) and 1 (MR, implicit VR LE) of the DICOM byte fuzz, with their patient's name."""
    import pydicom

    data, phi = DICOM_SEEDS[index % 2]
    ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    last, first = str(ds.PatientName).split("^")[:2]
    return _Dicom(data, bool(ds.file_meta.TransferSyntaxUID.is_implicit_VR), frozenset(phi), last, first)


def _header(tag: int, vr: bytes, length: int, implicit: bool) -> bytes:
    group, elem = tag >> 16, tag & 0xFFFF
    if implicit or group == 0xFFFE:
        return struct.pack("<HHL", group, elem, length)
    if vr in _LONG_VRS:
        return struct.pack("<HH2sHL", group, elem, vr, 0, length)
    return struct.pack("<HH2sH", group, elem, vr, length & 0xFFFF)


def _element(tag: int, vr: bytes, value: bytes, implicit: bool, length: int | None = None) -> bytes:
    if len(value) % 2:
        value += b" " if vr not in (b"UI", b"OB", b"UN") else b"\x00"
    return _header(tag, vr, len(value) if length is None else length, implicit) + value


def _skip_items(data: bytes, pos: int, implicit: bool) -> int:
    """Position after the sequence delimiter of an undefined-length sequence whose first item starts at ``pos``."""
    while pos + 8 <= len(data):
        group, elem, length = struct.unpack_from("<HHL", data, pos)
        pos += 8
        if (group, elem) == _SEQ_END:
            return pos
        if (group, elem) != _ITEM:
            raise ValueError("not an item")
        pos = _skip_dataset(data, pos, implicit, True) if length == _UNDEFINED else pos + length
    raise ValueError("no sequence delimiter")


def _skip_dataset(data: bytes, pos: int, implicit: bool, until_item_end: bool) -> int:
    while pos + 8 <= len(data):
        tag, _, length, hdr = _read_header(data, pos, implicit)
        if until_item_end and (tag >> 16, tag & 0xFFFF) == _ITEM_END:
            return pos + 8
        pos = _skip_items(data, pos + hdr, implicit) if length == _UNDEFINED else pos + hdr + length
    return pos


def _read_header(data: bytes, pos: int, implicit: bool) -> tuple[int, bytes, int, int]:
    group, elem = struct.unpack_from("<HH", data, pos)
    tag = (group << 16) | elem
    if implicit or group == 0xFFFE:
        return tag, b"", struct.unpack_from("<L", data, pos + 4)[0], 8
    vr = data[pos + 4 : pos + 6]
    if vr in _LONG_VRS:
        return tag, vr, struct.unpack_from("<L", data, pos + 8)[0], 12
    return tag, vr, struct.unpack_from("<H", data, pos + 6)[0], 8


def top_level(dcm: _Dicom) -> list[tuple[int, int, int, bytes]]:
    """``(tag, start, end, vr)`` of each top-level element of the dataset (after the file meta)."""
    out = []
    pos = dcm.body_start
    data = dcm.data
    while pos + 8 <= len(data):
        tag, vr, length, hdr = _read_header(data, pos, dcm.implicit)
        end = _skip_items(data, pos + hdr, dcm.implicit) if length == _UNDEFINED else pos + hdr + length
        out.append((tag, pos, end, vr))
        pos = end
    return out


def _put(dcm: _Dicom, tag: int, element: bytes) -> bytes:
    """Replace the element ``tag`` with ``element`` bytes, or insert them in ascending tag order."""
    for t, start, end, _ in top_level(dcm):
        if t == tag:
            return dcm.data[:start] + element + dcm.data[end:]
        if t > tag:
            return dcm.data[:start] + element + dcm.data[start:]
    return dcm.data + element


def _value(dcm: _Dicom, form: bytes) -> bytes:
    return form.replace(b"{last}", dcm.last.encode()).replace(b"{first}", dcm.first.encode())


def deep_sequence(depth: int, tag: int, inner: bytes, implicit: bool, defined: bool) -> bytes:
    """``tag`` nested ``depth`` times in itself, the innermost item holding ``inner``."""
    body = inner
    for _ in range(depth):
        if defined:
            item = struct.pack("<HHL", *_ITEM, len(body)) + body
            body = _header(tag, b"SQ", len(item), implicit) + item
        else:
            item = struct.pack("<HHL", *_ITEM, _UNDEFINED) + body + struct.pack("<HHL", *_ITEM_END, 0)
            body = _header(tag, b"SQ", _UNDEFINED, implicit) + item + struct.pack("<HHL", *_SEQ_END, 0)
    return body


def dicom_structural(kind: str, a: int, b: int) -> Case:
    """One structural attack on a real DICOM seed; ``a`` and ``b`` pick its variant."""
    dcm = _base(a)
    imp = dcm.implicit
    name = f"{dcm.last}^{dcm.first}".encode()
    label = kind
    if kind == "deep_sq":
        depth = (65, 100, 300, 1000, 3000, 600)[b % 6]
        tag = (0x00081140, 0x0040A730, 0x00091020, 0x00081250)[(b >> 3) % 4]
        inner = (
            _element(PATIENT_NAME, b"PN", name, imp) if tag >> 16 != 0x0009 else _element(0x00091010, b"LO", name, imp)
        )
        defined = bool((b >> 5) % 3 == 0)
        data = _put(dcm, tag, deep_sequence(depth, tag, inner, imp, defined))
        label = f"deep_sq_{depth}{'_defined' if defined else ''}"
    elif kind == "huge_length":
        length = (0xFFFFFFF0, 0xFFFFFFFE, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0 - 8)[b % 5]
        where = (b >> 3) % 6
        elements = {t: (s, e, vr) for t, s, e, vr in top_level(dcm)}
        if where == 0:  # a text element (UT in explicit VR, any element in implicit VR)
            data = _put(dcm, IMAGE_COMMENTS, _header(IMAGE_COMMENTS, b"UT", length, imp) + b"MRN " + name)
        elif where == 1 and PIXEL_DATA in elements:  # the pixel data
            s, _, vr = elements[PIXEL_DATA]
            data = dcm.data[:s] + _header(PIXEL_DATA, vr or b"OW", length, imp) + dcm.data[s + (8 if imp else 12) :]
        elif where == 2:  # a private UN element
            data = _put(dcm, 0x00091030, _header(0x00091030, b"UN", length, imp) + name)
        elif where == 3:  # the file meta group length
            data = dcm.data[:140] + struct.pack("<L", length) + dcm.data[144:]
        elif where == 4:  # an item inside a sequence
            seq = _header(0x00081140, b"SQ", _UNDEFINED, imp) + struct.pack("<HHL", *_ITEM, length)
            data = _put(dcm, 0x00081140, seq + _element(PATIENT_NAME, b"PN", name, imp))
        else:  # the patient's name itself (implicit VR: 4-byte length; explicit: the 2-byte maximum)
            s, e, vr = elements[PATIENT_NAME]
            data = (
                dcm.data[:s]
                + _header(PATIENT_NAME, b"PN", length if imp else 0xFFFF, imp)
                + dcm.data[s + 8 : e]
                + dcm.data[e:]
            )
        label = f"huge_length_{where}"
    elif kind == "wrong_vr":
        tag = _WRONG_VR_TARGETS[b % len(_WRONG_VR_TARGETS)]
        new_vr = _NEW_VRS[(b >> 4) % len(_NEW_VRS)]
        elements = {t: (s, e, vr) for t, s, e, vr in top_level(dcm)}
        if tag not in elements or imp:
            # implicit VR has no VR bytes: write the element in explicit form where the parser expects implicit
            value = _value(dcm, b"{last}^{first}")
            data = _put(dcm, tag, _header(tag, new_vr, len(value), False) + value)
        else:
            s, e, vr = elements[tag]
            if (b >> 9) % 2:  # relayout: a consistent element with the new VR and the same value
                hdr = 12 if vr in _LONG_VRS else 8
                data = dcm.data[:s] + _element(tag, new_vr, dcm.data[s + hdr : e], False) + dcm.data[e:]
            else:  # only the VR bytes change: the length field is read in the wrong layout
                data = dcm.data[: s + 4] + new_vr + dcm.data[s + 6 :]
        label = "wrong_vr"
    elif kind == "charset":
        data = _put(dcm, CHARSET, _element(CHARSET, b"CS", _CHARSETS[b % len(_CHARSETS)], imp))
        dcm = _Dicom(data, imp, dcm.phi, dcm.last, dcm.first)
        value = _value(dcm, _NAME_BYTES[(b >> 4) % len(_NAME_BYTES)])
        data = _put(dcm, PATIENT_NAME, _element(PATIENT_NAME, b"PN", value, imp))
        dcm = _Dicom(data, imp, dcm.phi, dcm.last, dcm.first)
        text = b"CT CHEST " + value + b" \x1b$B\x1b(B " + dcm.first.encode()
        data = _put(dcm, STUDY_DESCRIPTION, _element(STUDY_DESCRIPTION, b"LO", text[:64], imp))
    elif kind == "nul":
        value = _value(dcm, _NUL_FORMS[b % len(_NUL_FORMS)])
        tag = (PATIENT_NAME, PATIENT_ID, INSTITUTION, STUDY_DESCRIPTION, SERIES_DESCRIPTION, IMAGE_COMMENTS)[
            (b >> 4) % 6
        ]
        vr = {PATIENT_NAME: b"PN", PATIENT_ID: b"LO", INSTITUTION: b"LO", IMAGE_COMMENTS: b"LT"}.get(tag, b"LO")
        data = _put(dcm, tag, _element(tag, vr, b"for " + value, imp))
    elif kind == "meta":
        meta_end = dcm.body_start
        variant = b % 4
        if variant == 0:  # truncated inside (or just after) the file meta
            data = dcm.data[: 132 + (b >> 2) % (meta_end - 132 + 24)]
        elif variant == 1:  # wrong group length
            length = (0, 1, meta_end - 146, meta_end - 140, 0x7FFFFFFF)[(b >> 2) % 5]
            data = dcm.data[:140] + struct.pack("<L", length) + dcm.data[144:]
        elif variant == 2:  # a transfer syntax that does not describe the data
            ts = _TS[(b >> 2) % len(_TS)]
            meta = dcm.data[144:meta_end]
            at = meta.find(b"\x02\x00\x10\x00UI")
            old_len = struct.unpack_from("<H", meta, at + 6)[0]
            new_ts = ts + (b"\x00" if len(ts) % 2 else b"")
            meta = meta[:at] + struct.pack("<HH2sH", 2, 0x10, b"UI", len(new_ts)) + new_ts + meta[at + 8 + old_len :]
            data = dcm.data[:140] + struct.pack("<L", len(meta)) + meta + dcm.data[meta_end:]
        else:  # no DICM marker, or no preamble
            data = dcm.data[:128] + b"DICX" + dcm.data[132:] if (b >> 2) % 2 else dcm.data[132:]
        label = f"meta_{variant}"
    else:
        raise ValueError(kind)
    names = ("IMG0001.dcm", "IMG0001", "scan.bin")
    return Case("dicom_struct", label, names[(b >> 12) % 3], data, dcm.phi)


def gigantic_dicom(where: str, size: int, implicit: bool) -> Case:
    """A text value of ``size`` bytes with the patient's name at both ends, in ImageComments or a private tag."""
    dcm = _base(1 if implicit else 0)
    name = f"{dcm.first} {dcm.last}".encode()
    value = b"Seen by " + name + b". " + b"No change since the prior exam. " * (size // 31) + name
    tag = IMAGE_COMMENTS if where == "comments" else 0x00091012
    vr = b"LT" if implicit else b"UT"
    data = _put(dcm, tag, _element(tag, vr, value, implicit))
    return Case("dicom_struct", f"gigantic_{where}", "IMG0001.dcm", data, dcm.phi, measure_memory=True)


def gigantic_text(fuzzer: Fuzzer, path: str, size: int, filler: bytes) -> Case:
    """A single value of ``size`` bytes inside a report line, an OBX-5 or a table's free-text cell."""
    seed = fuzzer.seeds[path][0]
    blob = (filler * (size // len(filler) + 1))[:size]
    text = seed.data
    if path == "report":
        data = text.replace(b"FINDINGS:\n", b"FINDINGS:\n" + blob + b" ", 1)
    elif path == "hl7":
        data = text.replace(b"|TX|IMP^Impression||", b"|TX|IMP^Impression||" + blob + b" ", 1)
    else:
        data = text.replace(b',"Followed by', b',"' + blob.replace(b'"', b"") + b" Followed by", 1)
    assert len(data) > size, "the seed lost the place the value goes"
    return Case(path, "gigantic", seed.name, data, seed.phi, measure_memory=True)


def random_dicom_bytes_case(fuzzer: Fuzzer, rng: random.Random) -> Case:
    """A case like the DICOM byte fuzz's (same helper, same operations), drawn with ``rng``."""
    seed = fuzzer.seeds["dicom"][rng.randrange(len(fuzzer.seeds["dicom"]))]
    ops = []
    for _ in range(rng.randint(1, 4)):
        op = rng.choice(("truncate", "flip", "insert", "length"))
        pos = rng.randrange(max(len(seed.data), 1))
        if op == "truncate":
            payload = b""
        elif op == "length":
            payload = rng.choice((b"\xff\xff\xff\xff", b"\xff\xff\xff\x7f", b"\x00\x00\x00\x00", b"\xff\xff"))
        else:
            payload = rng.randbytes(rng.randint(1, 8 if op == "flip" else 64))
        ops.append((op, pos, payload))
    return Case("dicom_bytes", "bytes", seed.name, dicom_byte_mutate(seed.data, ops), seed.phi)


def random_case(fuzzer: Fuzzer, rng: random.Random) -> tuple[Case, ObjectContext]:
    """One case of any path, drawn with ``rng`` (the mix of the long run)."""
    r = rng.random()
    if r < 0.25:
        case = random_dicom_bytes_case(fuzzer, rng)
    elif r < 0.40:
        case = dicom_structural(rng.choice(STRUCTURAL_KINDS), rng.getrandbits(31), rng.getrandbits(31))
    else:
        case = random_text_case(fuzzer, rng, ("report", "hl7", "table")[int((r - 0.40) / 0.2)])
    return case, context_for(fuzzer, case, rng.getrandbits(1))


def describe(results: Iterable[CaseResult]) -> list[str]:
    """One line per problematic result (the test failure message)."""
    return [
        f"{r.path}/{r.label} ({r.size} B): {r.status} {r.reason}: {'; '.join(r.problems)}"
        for r in results
        if r.problems
    ]


# ---------------------------------------------------------------------------------------------------------------
# the tests

_op = st.tuples(st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1))


def _ops(path: str) -> st.SearchStrategy[list[Op]]:
    return st.lists(
        st.tuples(st.sampled_from(sorted(OPS[path])), st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1)),
        min_size=1,
        max_size=3,
    )


def _check(fuzzer: Fuzzer, tally: Tally, case: Case, ctx_choice: int = 0) -> CaseResult:
    result = fuzzer.run(case, context_for(fuzzer, case, ctx_choice))
    tally.add(result)
    assert not result.problems, describe([result])
    return result


def test_seeds_are_clean_and_cover_every_path(fuzzer: Fuzzer, fuzz_tally: Tally) -> None:
    # GIVEN the unmutated seeds WHEN processed THEN each is de-identified without leaking its PHI
    for path in ("report", "hl7", "table", "dicom"):
        assert fuzzer.seeds[path], path
        for seed in fuzzer.seeds[path]:
            assert seed.phi, seed.name
            result = _check(fuzzer, fuzz_tally, Case(path, "seed", seed.name, seed.data, seed.phi), 0)
            assert result.status == "deidentified", (seed.name, result.reason)
    assert len(fuzzer.seeds["report"]) >= 20  # corpus reports plus synthetic ones the scrubber fully cleans


def test_the_judge_sees_leaks(fuzzer: Fuzzer) -> None:
    # The checks of every fuzz case can fail: an output holding a seed value is a leak.
    probe = fuzzer.run(Case("report", "probe", "r.txt", b"Seen today in clinic.\n", frozenset({"Seen today"})))
    assert probe.status == "deidentified" and probe.leaks == {"Seen today"}
    assert any("PHI" in p for p in probe.problems)
    assert time_bound(0) == BASE_SECONDS and time_bound(10 * MB) == BASE_SECONDS + 10 * SECONDS_PER_MB


@pytest.mark.parametrize("name", ["outcomes.csv", "outcomes.json"])
def test_stacked_table_mutations_stay_bounded(fuzzer: Fuzzer, name: str) -> None:
    # The harness's own blow-up (a 1.3 GB table from `wide` on `rows`) must not come back; the result still goes
    # over the text limit, so `too_large` is reached.
    seed = next(s for s in fuzzer.seeds["table"] if s.name == name)
    rows = op_rows(seed.data, 0, 1999)
    assert len(rows) <= ROWS_MAX_BYTES + len(seed.data)
    wide = op_wide(rows, 0, 4999)
    assert len(rows) < len(wide) <= len(rows) + 2 * WIDE_MAX_BYTES


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 1000), ops=_ops("report"), name=st.integers(0, 20))
def test_mutated_reports(fuzzer: Fuzzer, fuzz_tally: Tally, seed: int, ops: list[Op], name: int) -> None:
    _check(fuzzer, fuzz_tally, text_case(fuzzer, "report", seed, ops, name % 5 if name > 15 else 0))


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 1000), ops=_ops("hl7"), name=st.integers(0, 20))
def test_mutated_hl7_messages(fuzzer: Fuzzer, fuzz_tally: Tally, seed: int, ops: list[Op], name: int) -> None:
    _check(fuzzer, fuzz_tally, text_case(fuzzer, "hl7", seed, ops, name % 5 if name > 15 else 0))


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 1000), ops=_ops("table"), loose=st.integers(0, 1))
def test_mutated_tables(fuzzer: Fuzzer, fuzz_tally: Tally, seed: int, ops: list[Op], loose: int) -> None:
    _check(fuzzer, fuzz_tally, text_case(fuzzer, "table", seed, ops), loose)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(kind=st.sampled_from(STRUCTURAL_KINDS), ab=_op)
def test_structural_dicom_attacks(fuzzer: Fuzzer, fuzz_tally: Tally, kind: str, ab: tuple[int, int]) -> None:
    _check(fuzzer, fuzz_tally, dicom_structural(kind, *ab))


@pytest.mark.parametrize("depth", [65, 300, 1000, 3000])
@pytest.mark.parametrize("defined", [False, True])
@pytest.mark.parametrize("implicit", [False, True])
def test_sequences_nested_hundreds_deep_are_quarantined(
    fuzzer: Fuzzer, fuzz_tally: Tally, depth: int, defined: bool, implicit: bool
) -> None:
    # GIVEN a public sequence nested `depth` levels deep with the patient's name at the bottom
    dcm = _base(int(implicit))
    name = f"{dcm.last}^{dcm.first}".encode()
    inner = _element(PATIENT_NAME, b"PN", name, implicit)
    data = _put(dcm, 0x0040A730, deep_sequence(depth, 0x0040A730, inner, implicit, defined))
    # WHEN processed THEN it is quarantined as too deep (never a crash, never a partial output)
    result = _check(fuzzer, fuzz_tally, Case("dicom_struct", f"deep_sq_{depth}", "IMG.dcm", data, dcm.phi))
    assert (result.status, result.reason) == ("quarantined", "nesting_too_deep")


def test_huge_declared_lengths_never_allocate_them(fuzzer: Fuzzer, fuzz_tally: Tally) -> None:
    for where in range(6):
        for b in (0, 1, 2):
            case = dicom_structural("huge_length", where % 2, b + 8 * where)
            case = Case(case.path, case.label, case.name, case.data, case.phi, measure_memory=True)
            result = _check(fuzzer, fuzz_tally, case)
            assert result.peak_mb < 200, result  # 0xFFFFFFF0 bytes is 4 GB


@pytest.mark.parametrize("implicit", [False, True])
@pytest.mark.parametrize("where", ["comments", "private"])
def test_gigantic_dicom_text_values(fuzzer: Fuzzer, fuzz_tally: Tally, where: str, implicit: bool) -> None:
    # GIVEN a 10 MB text value with the patient's name in it WHEN processed THEN no leak, bounded time and memory
    result = _check(fuzzer, fuzz_tally, gigantic_dicom(where, 10 * MB, implicit))
    assert result.status in ("deidentified", "quarantined")


@pytest.mark.parametrize(("path", "filler"), [("report", b"Dr. Quintero "), ("hl7", b"A"), ("table", b"word ")])
def test_large_text_values(fuzzer: Fuzzer, fuzz_tally: Tally, path: str, filler: bytes) -> None:
    _check(fuzzer, fuzz_tally, gigantic_text(fuzzer, path, 2 * MB, filler))


@pytest.mark.parametrize(
    ("path", "op", "b"),
    [
        ("table", "json_deep", 4),  # 20,000 nested arrays in a cell
        ("table", "json_deep", 5 + 16),  # 100,000 nested objects around the document
        ("table", "json_weird", 5),  # an unpaired surrogate escape
        ("table", "wide", 4999),
        ("hl7", "hl7_msh", 2),
        ("report", "reencode", 2),
    ],
)
def test_known_hard_inputs(fuzzer: Fuzzer, fuzz_tally: Tally, path: str, op: str, b: int) -> None:
    seeds = range(len(fuzzer.seeds[path])) if path != "table" else (2,) if op.startswith("json") else (0,)
    for i in seeds:
        _check(fuzzer, fuzz_tally, text_case(fuzzer, path, i, [(op, 7, b)]))


def test_a_seeded_mix_of_every_path(fuzzer: Fuzzer, fuzz_tally: Tally) -> None:
    rng = random.Random(20261125)
    results = [fuzzer.run(*random_case(fuzzer, rng)) for _ in range(400)]
    for r in results:
        fuzz_tally.add(r)
    assert not describe(results), "\n".join(describe(results)[:20])
    assert {r.path for r in results} == {"report", "hl7", "table", "dicom_bytes", "dicom_struct"}


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(2))
def test_many_mixed_inputs(fuzzer: Fuzzer, fuzz_tally: Tally, chunk: int) -> None:
    # 2,000 inputs of the long run's mix in CI (about 2 minutes a chunk on one core); bench/fuzz_long.py runs 100,000
    rng = random.Random(1000 + chunk)
    results = [fuzzer.run(*random_case(fuzzer, rng)) for _ in range(1000)]
    for r in results:
        fuzz_tally.add(r)
    assert not describe(results), "\n".join(describe(results)[:20])


@pytest.mark.slow
@pytest.mark.parametrize(("path", "filler"), [("report", b" "), ("hl7", b"Smith, "), ("table", b"1/")])
def test_gigantic_text_values(fuzzer: Fuzzer, fuzz_tally: Tally, path: str, filler: bytes) -> None:
    _check(fuzzer, fuzz_tally, gigantic_text(fuzzer, path, 6 * MB, filler))

"""Mutated real files never crash the engine, and whatever it does write carries no injected PHI."""

from __future__ import annotations

import io
import os
import random

import pydicom
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydicom.data import get_testdata_file

from aiminer.errors import QuarantineError, RejectedError
from aiminer.leakcheck import scan_bytes
from aiminer.samples import inject_phi, make_patient


def _seed_files() -> list[tuple[bytes, set[str]]]:
    seeds = []
    for i, name in enumerate(("CT_small.dcm", "MR_small_implicit.dcm", "MR_small_RLE.dcm", "rtplan.dcm")):
        rng = random.Random(i)
        ds = pydicom.dcmread(get_testdata_file(name))
        phi = inject_phi(ds, make_patient(rng), "A1234567", "20190314", "Saint Brendan Regional Medical Center", rng)
        buf = io.BytesIO()
        ds.save_as(buf)
        seeds.append((buf.getvalue(), {v for v in phi if len(v) >= 6 and not v.isdigit()}))
    return seeds


SEEDS = _seed_files()

mutation = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 20000), st.just(b"")),
    st.tuples(st.just("flip"), st.integers(0, 20000), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), st.integers(0, 20000), st.binary(min_size=1, max_size=64)),
    st.tuples(
        st.just("length"),
        st.integers(0, 20000),
        st.sampled_from([b"\xff\xff\xff\xff", b"\xff\xff\xff\x7f", b"\x00\x00\x00\x00", b"\xff\xff"]),
    ),
)


def _mutate(data: bytes, ops: list[tuple[str, int, bytes]]) -> bytes:
    buf = bytearray(data)
    for op, pos, payload in ops:
        pos = pos % max(len(buf), 1)
        if op == "truncate":
            del buf[pos:]
        elif op == "insert":
            buf[pos:pos] = payload
        else:
            buf[pos : pos + len(payload)] = payload
    return bytes(buf)


@settings(
    max_examples=int(os.environ.get("AIMINER_FUZZ_EXAMPLES", "400")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, len(SEEDS) - 1), ops=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_files_are_quarantined_or_clean(engine, seed: int, ops) -> None:
    data, phi = SEEDS[seed]
    mutated = _mutate(data, ops)
    try:
        _, _, out = engine(mutated)
    except (QuarantineError, RejectedError) as exc:
        assert exc.reason and " " not in exc.reason  # machine-readable
        assert not scan_bytes(str(exc).encode(), phi)  # the message never quotes the file
        return
    with io.BytesIO(out) as fp:
        try:
            pydicom.dcmread(fp, stop_before_pixels=True)
            header = out[: fp.tell()]
        except Exception:
            header = out
    assert scan_bytes(header, phi) == set()


@pytest.mark.slow
@settings(
    max_examples=3000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, len(SEEDS) - 1), ops=st.lists(mutation, min_size=1, max_size=4))
def test_many_mutated_files_are_quarantined_or_clean(engine, seed: int, ops) -> None:
    test_mutated_files_are_quarantined_or_clean.hypothesis.inner_test(engine, seed, ops)  # type: ignore[attr-defined]

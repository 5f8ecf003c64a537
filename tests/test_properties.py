"""Property tests (hypothesis) of the rules every load rests on, where generated cases find what
hand-picked examples miss: whole numbers are read exactly or refused (never wrapped), the merge is
idempotent and order-independent, and validation never half-loads."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphmodel.errors import ValidationFailed
from graphmodel.merge import upsert
from graphmodel.schema import load_schema
from graphmodel.validate import INT_MAX, INT_MIN, _coerce_int, conform
from graphmodel.workspace import Workspace
from loaders import ingest

SCHEMA = load_schema()
TRUSTS = SCHEMA.table("trusts")
FAST = settings(max_examples=60, deadline=None)  # a shared 2-core machine: no per-example deadline


@FAST
@given(st.integers())
def test_a_whole_number_is_read_exactly_or_refused(n: int):
    text = pd.Series([str(n)], dtype="string")
    values, bad, out_of_range = _coerce_int(text)
    if INT_MIN <= n <= INT_MAX:
        assert values.iloc[0] == n and not bad.iloc[0] and not out_of_range.iloc[0]
    else:
        assert values.isna().iloc[0] and out_of_range.iloc[0]


@FAST
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_number_in_float_form_never_becomes_a_different_whole_number(x: float):
    values, bad, out_of_range = _coerce_int(pd.Series([repr(x)], dtype="string"))
    if pd.isna(values.iloc[0]):
        assert bad.iloc[0] or out_of_range.iloc[0]
    else:
        assert float(values.iloc[0]) == x and abs(values.iloc[0]) <= INT_MAX


rows = st.lists(
    st.tuples(st.sampled_from(["T1", "T2", "T3", "T4"]), st.text(min_size=1, max_size=5)),
    max_size=6,
    unique_by=lambda r: r[0],
)


def trusts(pairs) -> pd.DataFrame:
    return conform(TRUSTS, pd.DataFrame({"trust_id": [p[0] for p in pairs], "name": [p[1] for p in pairs]}))


@FAST
@given(rows, rows)
def test_merging_twice_changes_nothing(a, b):
    merged, _added, _changed = upsert(TRUSTS, trusts(a), trusts(b))
    again, added, changed = upsert(TRUSTS, merged, trusts(b))
    assert (added, changed) == (0, 0)
    pd.testing.assert_frame_equal(again.reset_index(drop=True), merged.reset_index(drop=True))


@FAST
@given(rows, rows, rows)
def test_loads_with_disjoint_keys_give_the_same_table_in_any_order(base, a, b):
    b = [r for r in b if r[0] not in {k for k, _ in a}]
    one = upsert(TRUSTS, upsert(TRUSTS, trusts(base), trusts(a))[0], trusts(b))[0]
    two = upsert(TRUSTS, upsert(TRUSTS, trusts(base), trusts(b))[0], trusts(a))[0]
    key = list(TRUSTS.key)
    pd.testing.assert_frame_equal(
        one.sort_values(key, ignore_index=True), two.sort_values(key, ignore_index=True), check_dtype=True
    )


cells = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(cells, cells, cells), min_size=1, max_size=4))
def test_validation_never_half_loads(rows_):
    """Whatever a schools file holds, a load either takes every row or changes nothing at all."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        seed, bundle = root / "seed", root / "bundle"
        seed.mkdir()
        bundle.mkdir()
        (seed / "schools.csv").write_text("urn,name,la_code\n8000001,Seed,E06000001\n")
        ws = Workspace(root / "ws")
        ingest.load(ws, [(seed, "auto")])
        before = {p.name: p.read_bytes() for p in (root / "ws" / "v000001").iterdir()}
        frame = pd.DataFrame(rows_, columns=["urn", "name", "la_code"])
        frame.to_csv(bundle / "schools.csv", index=False)
        try:
            ingest.load(Workspace(root / "ws"), [(bundle, "auto")])
        except ValidationFailed:
            assert (root / "ws" / "CURRENT").read_text() == "v000001"
            assert {p.name: p.read_bytes() for p in (root / "ws" / "v000001").iterdir()} == before
            return
        schools = Workspace(root / "ws").table("schools")
        assert len(schools) >= 1 + len({r[0].strip() for r in rows_}) - 1  # every distinct urn is in


@pytest.mark.parametrize("text", ["9223372036854775807", "-9223372036854775807", "9007199254740993"])
def test_edge_whole_numbers_exactly(text):
    assert _coerce_int(pd.Series([text], dtype="string"))[0].iloc[0] == int(text)

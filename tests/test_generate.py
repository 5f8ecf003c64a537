"""The synthetic generator: determinism, a valid bundle, real geography, and dated careers."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graphmodel.errors import SendgraphError
from loaders import ingest
from loaders.synthetic import generate
from loaders.synthetic.dates import exact_labels, largest_remainder
from loaders.synthetic.geography import resolve_scope
from loaders.synthetic.params import NATIONAL_SCHOOLS
from loaders.synthetic.schools import KINDS, allocate
from queries.context import school_kind


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="module")
def la_bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("la") / "bundle"
    generate("la", 7, out, la="Darlington")
    return out


def test_same_seed_gives_byte_identical_files(la_bundle, tmp_path):
    again = generate("la", 7, tmp_path / "again", la="Darlington")
    assert _digest(la_bundle) == _digest(again.out)
    other = generate("la", 8, tmp_path / "other", la="Darlington")
    assert _digest(other.out)["posts.csv"] != _digest(la_bundle)["posts.csv"]


def test_bundle_loads_with_zero_problems(la_bundle, workspace):
    prepared = ingest.prepare(workspace, [(la_bundle, "auto")], today=dt.date(2025, 9, 1))
    assert prepared.problems == []
    ingest.load(workspace, [(la_bundle, "auto")], today=dt.date(2025, 9, 1))
    assert workspace.counts()["schools"] == len(pd.read_csv(la_bundle / "schools.csv"))


def test_no_date_after_the_reference_date(tmp_path, workspace):
    as_of = dt.date(2019, 3, 1)
    report = generate("la", 1, tmp_path / "b", la="Hartlepool", as_of=as_of)
    # validating with "today" = as_of rejects any start or award date after it
    assert ingest.prepare(workspace, [(report.out, "auto")], today=as_of).problems == []
    posts = pd.read_csv(report.out / "posts.csv", parse_dates=["start_date"])
    assert posts["start_date"].max() <= pd.Timestamp(as_of)


def test_schools_are_synthetic_and_classified_like_gias(la_bundle):
    schools = pd.read_csv(la_bundle / "schools.csv", dtype={"la_code": str})
    assert (schools["urn"] >= 9_000_000).all()
    assert schools["synthetic"].all()
    assert schools["name"].str.endswith("(synthetic)").all()
    kinds = school_kind(schools["type"].astype("string"), schools["type_group"].astype("string"))
    assert set(kinds) <= {"mainstream", "special", "ap", "independent"}
    assert set(schools["phase"]) <= {"Primary", "Secondary", "All-through", "Not applicable"}
    # Darlington's share of England's schools, by kind (allocated by EHC plans)
    scope = resolve_scope("la", la="Darlington")
    expected = dict(zip(KINDS, allocate(scope)[0], strict=True))
    mainstream = kinds == "mainstream"
    assert int(mainstream.sum()) == expected["primary"] + expected["secondary"]
    assert int((kinds == "independent").sum()) == expected["independent"]


def test_la_needs_are_the_real_dfe_counts(la_bundle):
    needs = pd.read_csv(la_bundle / "la_needs.csv").set_index("need")["pupils"]
    # Darlington (E06000005) in graphmodel/data/la_needs_202425.csv
    real = pd.read_csv(Path(__file__).resolve().parents[1] / "graphmodel" / "data" / "la_needs_202425.csv")
    row = real[real["la_code"] == "E06000005"].iloc[0]
    for need in ("VI", "HI", "MSI", "PD", "ASD", "SEMH"):
        assert needs[need] == row[need]


def test_national_allocation_matches_englands_mix():
    counts = allocate(resolve_scope("national")).sum(axis=0)
    totals = dict(zip(KINDS, counts, strict=True))
    for kind in ("secondary", "special", "ap", "independent"):
        assert totals[kind] == NATIONAL_SCHOOLS[kind]
    # every LA gets at least one primary, so the total may exceed 16,800 by a few
    assert NATIONAL_SCHOOLS["primary"] <= totals["primary"] <= NATIONAL_SCHOOLS["primary"] + 5


def test_region_scope_is_its_las():
    scope = resolve_scope("region", region="north east")
    assert len(scope.las) == 12 and set(scope.las["region_code"]) == {"E12000001"}
    with pytest.raises(SendgraphError, match="unknown region"):
        resolve_scope("region", region="Atlantis")


def test_careers_are_dated_in_order(la_bundle):
    posts = pd.read_csv(la_bundle / "posts.csv", parse_dates=["start_date", "end_date"])
    quals = pd.read_csv(la_bundle / "person_qualifications.csv", parse_dates=["awarded_date"])
    qts = quals[quals["qualification"] == "QTS"].set_index("person_id")["awarded_date"]
    ect = posts[posts["role"] == "ECT"]
    # an ECT's induction starts the day QTS is awarded
    assert (ect["start_date"].to_numpy() == qts.reindex(ect["person_id"]).to_numpy()).all()
    # SENCOs with QTS either went straight from ITT (the post starts within the two ECT years) or
    # finished induction and taught at least a year (TEACHING_YEARS_MIN; dates floored to the month)
    first_senco = posts[posts["role"] == "SENCO"].groupby("person_id")["start_date"].min()
    gap = (first_senco - qts.reindex(first_senco.index)).dropna().dt.days / 365.25
    assert len(gap) and gap.min() >= 0
    assert (gap < 2.0).any() and (gap >= 2.8).any()
    assert not ((gap >= 2.0) & (gap < 2.8)).any()
    # a direct entrant's induction runs alongside the SENCO post (ECT still held when it starts)
    direct = gap[gap < 2.0].index
    ect_end = ect.set_index("person_id")["end_date"]
    assert (ect_end.reindex(direct).fillna(pd.Timestamp.max) >= first_senco.reindex(direct)).all()
    # many people have several posts over time, and some hold two at once (SENCO and teacher)
    assert posts.groupby("person_id").size().max() >= 4
    current = posts[posts["end_date"].isna()]
    both = current.groupby("person_id")["role"].agg(set)
    assert both.map(lambda r: {"SENCO", "CLASS_TEACHER"} <= r).any()


def test_largest_remainder_and_exact_labels_by_hand():
    assert largest_remainder(np.array([1.0, 1.0, 1.0]), 10).tolist() == [4, 3, 3]
    assert largest_remainder(np.array([0.53, 0.136, 0.334]), 685).tolist() == [363, 93, 229]
    labels = exact_labels(np.random.default_rng(0), 685, {"A": 0.53, "B": 0.136, "C": 0.334})
    assert (labels == "A").sum() == 363 and (labels == "B").sum() == 93


def test_consecutive_posts_do_not_overlap(la_bundle):
    """A post ends the day before the next one starts (1 Sep start, 31 Aug end): no shared day."""
    posts = pd.read_csv(la_bundle / "posts.csv", parse_dates=["start_date", "end_date"])
    assert (posts["end_date"].dropna() >= posts.loc[posts["end_date"].notna(), "start_date"]).all()
    pairs = posts.merge(posts, on="person_id", suffixes=("", "_next"))
    assert not (pairs["end_date"] == pairs["start_date_next"]).any()
    # ... and the changeovers are there: ITT ends the day before the ECT post starts
    changeover = pairs[pairs["start_date_next"] == pairs["end_date"] + pd.Timedelta(days=1)]
    itt_ect = changeover[(changeover["role"] == "ITT_TRAINEE") & (changeover["role_next"] == "ECT")]
    ended_itt = posts[(posts["role"] == "ITT_TRAINEE") & posts["end_date"].notna()]
    assert len(itt_ect) == len(ended_itt) > 0


def test_a_post_that_would_end_before_it_starts_is_refused():
    from loaders.synthetic.records import posts_rows

    rows = posts_rows()
    start = np.array(["2020-09-01", "2021-09-01"], dtype="datetime64[D]")
    changeover = np.array(["2021-09-01", "NaT"], dtype="datetime64[D]")
    rows.add(person=np.array([0, 1]), start_date=start, end_date=changeover)
    end = rows.frame()["end_date"]
    assert end.iloc[0] == pd.Timestamp("2021-08-31") and pd.isna(end.iloc[1])
    with pytest.raises(ValueError, match="end on or before their start"):
        rows.add(person=np.array([2]), start_date=start[:1], end_date=start[:1])


def test_schools_are_placed_inside_their_real_la(la_bundle):
    """Darlington (E06000005): catalogue position (429039, 517142), 197 km2, so every school lies
    within 0.8 x sqrt(197 / pi) km = 6.3 km of it; a map then draws the LA where it is."""
    from graphmodel.catalogue import catalogue_frame

    schools = pd.read_csv(Path(la_bundle) / "schools.csv")
    la = catalogue_frame("local_authorities").set_index("code").loc["E06000005"]
    east, north, area = float(la["easting"]), float(la["northing"]), float(la["area_km2"])
    dist = np.hypot(schools["easting"] - east, schools["northing"] - north)
    assert schools["easting"].notna().all() and schools["northing"].notna().all()
    assert dist.max() <= 800 * np.sqrt(area / np.pi) + 1
    assert dist.std() > 500  # scattered, not stacked on one point

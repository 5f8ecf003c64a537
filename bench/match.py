"""Benchmark: matching hand-typed school names to GIAS URNs (``sendgraph match schools``).

    python bench/match.py                  # precision / recall on 2,000 typed names, then 10k x 25k timing
    python bench/match.py --sample 5000 --seed 7

Reference: the real school register (49,514 GIAS schools, open and closed, with town and postcode;
``tests/fixtures/public/dfe_register_trainee_teachers_schools_20220706.csv.gz``) and the real GIAS
links extract (predecessor / successor URNs). Test rows: open schools drawn at random and typed the
way people type them by ``loaders.synthetic.typed_names.perturb`` (seeded; not hand-picked).

Prints, for the accuracy run: the share auto-accepted (exact or confident), the precision of those
(accepted with the true URN / accepted) and the share found (accepted with the true URN / all rows).
Targets (issue 18): precision >= 99 %, found >= 90 %. Then times 10,000 typed rows against 25,000
schools: target <= 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import time
from pathlib import Path

import pandas as pd

from loaders.match import Reference, match_schools
from loaders.synthetic.typed_names import perturb

PUBLIC = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "public"


def register() -> pd.DataFrame:
    raw = gzip.decompress((PUBLIC / "dfe_register_trainee_teachers_schools_20220706.csv.gz").read_bytes())
    return pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)


def links() -> pd.DataFrame:
    raw = gzip.decompress((PUBLIC / "gias_links_edubasealldata20250422.csv.gz").read_bytes())
    frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="cp1252")
    return pd.DataFrame(
        {
            "urn": pd.to_numeric(frame["URN"]),
            "linked_urn": pd.to_numeric(frame["LinkURN"]),
            "kind": frame["LinkType"].str.lower(),
        }
    )


def accuracy(
    schools: pd.DataFrame, ref: Reference, sample: int, seed: int, typo_rate: float = 0.25
) -> dict[str, float]:
    """Precision and recall of the auto-accepted matches on ``sample`` typed names."""
    open_schools = schools[schools["close_date"] == ""]
    rows = perturb(open_schools, sample, seed=seed, typo_rate=typo_rate)
    got = match_schools(rows, ref)
    accepted = got["match_status"].isin(["exact", "confident"])
    right = accepted & (got["urn"] == rows["true_urn"]).fillna(False)
    n_acc = int(accepted.sum())
    return {
        "rows": len(rows),
        "accepted": n_acc,
        "precision": right.sum() / n_acc if n_acc else 0.0,
        "found": right.sum() / len(rows),
        "review": int((got["match_status"] == "review").sum()),
        "unmatched": int((got["match_status"] == "unmatched").sum()),
        "true_in_review": int(((got["match_status"] == "review") & (got["urn"] == rows["true_urn"])).sum()),
        "wrong": got[accepted & ~right].join(rows),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--typo-rate", type=float, default=0.25, help="share of names with a keyboard slip")
    ap.add_argument("--show-wrong", action="store_true", help="print the wrongly accepted rows")
    args = ap.parse_args()

    schools = register()
    t = time.perf_counter()
    ref = Reference(schools, links())
    print(f"reference: {len(schools):,} schools, prepared in {time.perf_counter() - t:.1f}s")

    t = time.perf_counter()
    acc = accuracy(schools, ref, args.sample, args.seed, args.typo_rate)
    secs = time.perf_counter() - t
    print(
        f"accuracy on {acc['rows']:,} typed names "
        f"(seed {args.seed}, typo rate {args.typo_rate}, {secs:.1f}s): "
        f"accepted {acc['accepted']:,} ({acc['accepted'] / acc['rows']:.1%}), "
        f"precision {acc['precision']:.2%} (target >= 99%), found {acc['found']:.2%} (target >= 90%); "
        f"review {acc['review']:,} (true URN proposed in {acc['true_in_review']:,}), "
        f"unmatched {acc['unmatched']:,}"
    )
    if args.show_wrong and len(acc["wrong"]):
        print(acc["wrong"][["school", "town", "postcode", "true_urn", "urn", "matched_name"]].to_string())

    # speed: 10,000 typed rows against 25,000 schools (reference preparation included)
    sub = schools.sample(n=25_000, random_state=args.seed)
    rows = perturb(sub[sub["close_date"] == ""], 10_000, seed=args.seed + 1)
    rows = pd.concat([rows, perturb(sub, 10_000 - len(rows), seed=args.seed + 2)], ignore_index=True)
    t, cpu = time.perf_counter(), time.process_time()
    got = match_schools(rows, Reference(sub, links()))
    secs, cpu = time.perf_counter() - t, time.process_time() - cpu
    counts = got["match_status"].value_counts().to_dict()
    load = os.getloadavg()[0]
    print(
        f"speed: {len(rows):,} rows against {len(sub):,} schools in {secs:.1f}s wall (target <= 10 s), "
        f"{cpu:.1f}s CPU over all threads, reference preparation included; "
        f"load average {load:.1f} on {os.cpu_count()} cores; {counts}"
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Cross-check swapsim against the independent reference model (model.py).

For each scenario, runs

    swapsim run SCENARIO --assumptions 0 --trials N --seed S --no-charts --quiet --out DIR

reads its summary.json and daily.csv, runs the reference on the same
scenario with its own, independent random numbers (numpy PCG64), and
compares every statistic. The test of each comparison is

    |swapsim - reference| <= 4 * sqrt(se_swapsim^2 + se_reference^2)

that is, the two estimates agree within 4 standard errors of their
difference (two-sided, about 6 in 100,000 comparisons fail by chance when
both implement the same model). Standard errors:

- a mean of a per-trial outcome: each side's own (swapsim's `se` in
  summary.json, the reference's sample standard deviation / sqrt(trials));
- a probability or a share of trials: the binomial standard error at the
  two runs' pooled proportion, for each side with its own number of trials
  (so two estimates of 0 and 0.0001 are not judged against a zero error);
- a daily mean (people returned, E_t, M_t), for which daily.csv gives no
  standard error: the reference's sample standard deviation of that day,
  divided by the square root of each side's number of trials.

Every comparison is listed with both values, the difference in standard
errors (z) and PASS or FAIL. The script exits 0 when every comparison
passes, 1 otherwise. It is not part of swapsim's build or tests: Python is
not needed to build or test swapsim.

Usage:
    python3 crosscheck.py [--binary PATH] [--trials N] [--seed S]
                          [--ref-trials N] [--ref-seed S] [SCENARIO ...]

Without scenarios it checks every shipped scenario the reference supports
and every case under scripts/reference/cases/.
"""

import argparse
import csv
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import model  # noqa: E402

# Agreement threshold, in standard errors of the difference.
Z_MAX = 4.0


def default_scenarios():
    shipped = sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.toml")))
    cases = sorted(glob.glob(os.path.join(HERE, "cases", "*.toml")))
    return shipped + cases


def run_swapsim(binary, scenario, trials, seed, out):
    cmd = [binary, "run", scenario, "--assumptions", "0", "--trials", str(trials), "--seed", str(seed),
           "--no-charts", "--quiet", "--out", out]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(out, "daily.csv"), newline="") as f:
        daily = list(csv.DictReader(f))
    return summary, daily


def binomial_ses(p1, n1, p2, n2):
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    v = pooled * (1.0 - pooled)
    return math.sqrt(v / n1), math.sqrt(v / n2)


class Comparisons:
    def __init__(self, case):
        self.case = case
        self.rows = []

    def add(self, statistic, sw, se_sw, ref, se_ref):
        diff = sw - ref
        # swapsim writes 12 significant digits, and a statistic that does not
        # vary across trials has a standard error of zero up to rounding; such
        # a value must then agree to rounding (a part in 10^9).
        se = max(math.sqrt(se_sw**2 + se_ref**2), 1e-9 * max(1.0, abs(sw)))
        z = diff / se
        ok = abs(z) <= Z_MAX
        self.rows.append((self.case, statistic, sw, ref, z, "PASS" if ok else "FAIL"))


def check_days(sc, H):
    """Days whose daily rows are compared: day 0, every sixth of the horizon,
    the deadline, each event's first day and the day after its `until`, the
    path's junction, each milestone's day and the last day."""
    days = {0, H - 1, sc["deadline_day"]}
    days.update(round(k * (H - 1) / 6) for k in range(1, 6))
    for e in sc["events"]:
        for t in (e["t_e"], e["t_u"] + 1 if math.isfinite(e["t_u"]) else None):
            if t is not None and 0 <= t < H:
                days.add(int(t))
    if sc["path"]:
        L = max(sc["path"])
        if 0 <= L + 1 < H:
            days.add(L + 1)
        if 0 <= L < H:
            days.add(L)
    for m in sc["milestones"]:
        days.add(m["by"])
    return sorted(d for d in days if 0 <= d < H)


def compare_case(scenario, args, index):
    name = os.path.relpath(scenario, ROOT)
    try:
        sc = model.read_scenario(scenario)
    except model.Unsupported as e:
        print(f"skip {name}: the reference does not support {e}")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        summary, daily = run_swapsim(args.binary, scenario, args.trials, args.seed, os.path.join(tmp, "out"))
    n_sw = int(summary["trials"])
    n_ref = args.ref_trials or args.trials
    n_days = sc["H"]
    out = model.simulate(sc, n_ref, args.ref_seed + index)
    ref = model.summarise(sc, out, n_ref)
    cmp = Comparisons(name)

    for key, r in ref["outcomes"].items():
        s = summary["outcomes"][key]
        cmp.add(f"mean {key}", s["mean"], s["se"], r["mean"], r["se"])
    for key, r in ref["probabilities"].items():
        s = summary["probabilities"].get(key)
        if s is None or s["estimate"] is None:
            cmp.rows.append((name, f"P({key})", math.nan, r["estimate"], math.inf, "FAIL"))
            continue
        se_sw, se_ref = binomial_ses(s["estimate"], n_sw, r["estimate"], n_ref)
        cmp.add(f"P({key})", s["estimate"], se_sw, r["estimate"], se_ref)
    for m in summary.get("milestones", []):
        r = ref["milestones"][m["name"]]
        est = m["reached_by"]["estimate"]
        se_sw, se_ref = binomial_ses(est, n_sw, r["estimate"], n_ref)
        cmp.add(f"milestone '{m['name']}' reached_by", est, se_sw, r["estimate"], se_ref)
        # swapsim's median day d says that at least half the trials reached
        # the level by the end of day d and fewer than half by day d - 1 (or,
        # when null, fewer than half by the last day). Each is checked on the
        # reference's share of trials by that day: it may miss 0.5 on the
        # wrong side by at most 4 binomial standard errors of the difference.
        shares = r["reached_share_by_day"]
        day = m["day_reached"]["median"]
        checks = [(day, ">=")] if day is not None else []
        checks.append((day - 1 if day is not None else n_days - 1, "<"))
        for t, side in checks:
            if t < 0:
                continue
            se_sw, se_ref = binomial_ses(0.5, n_sw, shares[t], n_ref)
            z = (shares[t] - 0.5) / math.sqrt(se_sw**2 + se_ref**2)
            ok = z >= -Z_MAX if side == ">=" else z <= Z_MAX
            what = f"milestone '{m['name']}' median day {day}: reference share by day {t} {side} 0.5"
            cmp.rows.append((name, what, 0.5, shares[t], z, "PASS" if ok else "FAIL"))

    rd = ref["daily"]
    shares = ["share_pending", "share_active", "share_suspended", "share_completed", "share_collapsed",
              "not_yet_suspended"] + [k for k in daily[0] if k.startswith("open_share_")]
    means = [("returned_mean", "returned_sd"), ("mean_escalation", "sd_escalation"),
             ("mean_mediation", "sd_mediation")]
    for t in check_days(sc, sc["H"]):
        row = daily[t]
        assert int(row["day"]) == t
        for col, sd_col in means:
            sd = rd[sd_col][t]
            cmp.add(f"day {t} {col}", float(row[col]), sd / math.sqrt(n_sw), rd[col][t], sd / math.sqrt(n_ref))
        for col in shares:
            if col not in rd:
                cmp.rows.append((name, f"day {t} {col}", float(row[col]), math.nan, math.inf, "FAIL"))
                continue
            se_sw, se_ref = binomial_ses(float(row[col]), n_sw, rd[col][t], n_ref)
            cmp.add(f"day {t} {col}", float(row[col]), se_sw, rd[col][t], se_ref)
    return cmp.rows


def main(argv=None):
    ap = argparse.ArgumentParser(description="Cross-check swapsim against the reference model.")
    ap.add_argument("scenarios", nargs="*")
    ap.add_argument("--binary", default=os.path.join(ROOT, "swapsim-release"))
    ap.add_argument("--trials", type=int, default=20000, help="swapsim's trials per scenario")
    ap.add_argument("--seed", type=int, default=20261207, help="swapsim's seed")
    ap.add_argument("--ref-trials", type=int, help="the reference's trials (default: --trials)")
    ap.add_argument("--ref-seed", type=int, default=9001, help="the reference's seed (plus the case's index)")
    ap.add_argument("--csv", help="also write every comparison to this CSV file")
    args = ap.parse_args(argv)

    scenarios = args.scenarios or default_scenarios()
    all_rows = []
    print(f"Test: |swapsim - reference| <= {Z_MAX:g} * sqrt(se_swapsim^2 + se_reference^2)")
    shown = os.path.relpath(args.binary, ROOT) if args.binary.startswith(ROOT + os.sep) else args.binary
    print(f"swapsim: {shown}, {args.trials} trials, seed {args.seed}; "
          f"reference: {args.ref_trials or args.trials} trials, seed {args.ref_seed} + case index")
    summary = []
    for i, scenario in enumerate(scenarios):
        rows = compare_case(os.path.abspath(scenario), args, i)
        if rows is None:
            summary.append((os.path.relpath(os.path.abspath(scenario), ROOT), 0, 0, "skipped"))
            continue
        print(f"\n== {rows[0][0]}")
        print(f"{'statistic':52s} {'swapsim':>14s} {'reference':>14s} {'z':>7s}  result")
        for _, stat, sw, ref, z, res in rows:
            print(f"{stat:52s} {sw:14.6g} {ref:14.6g} {z:7.2f}  {res}")
        n_pass = sum(r[5] == "PASS" for r in rows)
        summary.append((rows[0][0], n_pass, len(rows) - n_pass, ""))
        all_rows += rows

    print("\n== Summary")
    print(f"{'case':60s} {'PASS':>5s} {'FAIL':>5s}")
    for case, p, f, note in summary:
        print(f"{case:60s} {p:5d} {f:5d} {note}")
    total_pass = sum(s[1] for s in summary)
    total_fail = sum(s[2] for s in summary)
    print(f"{'total':60s} {total_pass:5d} {total_fail:5d}")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["case", "statistic", "swapsim", "reference", "z", "result"])
            w.writerows(all_rows)
    return 0 if total_fail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

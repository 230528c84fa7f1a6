#!/usr/bin/env python3
"""An independent reference implementation of the exchange-durability model.

Written from the model's specification (MODEL.md, v2: "Order within a day",
the dated events and the given escalation path with edge cases 1-9) and the
parameter reference of docs/model.md, without reading swapsim's model code,
so that the two implementations can be compared in distribution
(scripts/reference/crosscheck.py).

It is deliberately plain: every trial advances one day at a time, every
daily event is a yes/no draw with probability p = 1 - exp(-h), and all
trials move together as numpy arrays. Its random numbers (numpy's PCG64)
have nothing in common with swapsim's streams, so agreement between the two
is agreement in distribution only.

Supported: everything a run at the central values uses (regimes, shocks,
seasonal offsets, mediators, `noisy_or` and `max`, common outages, the three
initial phases, pools, deadlines, milestones, a given path inline or from a
CSV file with `fill = "previous"` and `path_continues_in`, and events with
`set`, `remove_mediators`, `add_mediators`, `regime` and `phase`). Hazards
must be written with `base`: a waiting time (`mean_days`, `at`) is refused,
since its conversion is swapsim's convenience rather than the model.
[[variants]] and [uncertainties] are ignored (they do not change a run at
the central values). The scenario is assumed valid: swapsim validates it.

Usage:
    python3 model.py SCENARIO.toml [--trials N] [--seed S] [--json OUT]

Requires Python 3.11+ (tomllib) and numpy.
"""

import argparse
import copy
import csv
import datetime as dt
import json
import math
import os
import sys
import tomllib

import numpy as np

PENDING, ACTIVE, SUSPENDED, COMPLETED, COLLAPSED = range(5)
PHASE_NAMES = {"pending": PENDING, "active": ACTIVE, "suspended": SUSPENDED, "collapsed": COLLAPSED}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# A round never returns more than this many people (docs/model.md, 5a).
ROUND_CAP = 1_000_000_000
# "Never yet": a day count far beyond any horizon (at most 3650 days).
LONG_AGO = 10**6


class Unsupported(Exception):
    """The scenario uses something this reference does not implement."""


def to_date(value):
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


# ----------------------------------------------------------------------------
# Reading a scenario into a nested dict of plain values
# ----------------------------------------------------------------------------


def read_hazard(table, name):
    if table is None:
        return {"base": 0.0, "escalation_coef": 0.0, "mediation_coef": 0.0}
    if "mean_days" in table:
        raise Unsupported(f"exchange.{name}: mean_days (write the hazard with base)")
    return {
        "base": float(table.get("base", 0.0)),
        "escalation_coef": float(table.get("escalation_coef", 0.0)),
        "mediation_coef": float(table.get("mediation_coef", 0.0)),
    }


def read_mediator(m):
    return {
        "availability": float(m["availability"]),
        "mean_outage_days": float(m["mean_outage_days"]),
        "escalation_sensitivity": float(m.get("escalation_sensitivity", 0.0)),
        "effectiveness": float(m["effectiveness"]),
        "initially_open": bool(m.get("initially_open", True)),
    }


def read_path(esc, folder):
    """Return {date: level} of the given path (with fill), or {}."""
    path = esc.get("path")
    if path is None:
        return {}
    if isinstance(path, str):
        rows = []
        with open(os.path.join(folder, path), newline="") as f:
            for row in csv.DictReader(f):
                rows.append((to_date(row["date"].strip()), float(row["level"])))
    else:
        rows = [(to_date(r["date"]), float(r["level"])) for r in path]
    fill = esc.get("fill") == "previous"
    levels = {}
    for (d0, l0), (d1, _) in zip(rows, rows[1:] + [(None, None)]):
        levels[d0] = l0
        if d1 is not None and (d1 - d0).days > 1:
            if not fill:
                raise Unsupported("a path with a gap and no fill")
            for k in range(1, (d1 - d0).days):
                levels[d0 + dt.timedelta(days=k)] = l0
    return levels


def read_scenario(file):
    with open(file, "rb") as f:
        raw = tomllib.load(f)
    folder = os.path.dirname(os.path.abspath(file))
    sim, esc, med, ex = raw["simulation"], raw["escalation"], raw["mediation"], raw["exchange"]
    target = raw.get("target", {})
    start = to_date(sim["start_date"])
    H = int(sim["horizon_days"])
    base = {
        "escalation": {
            "shock_daily_probability": float(esc["shock_daily_probability"]),
            "shock_mean_size": float(esc["shock_mean_size"]),
            "shock_half_life_days": float(esc["shock_half_life_days"]),
            "seasonal": {m: float(esc.get("seasonal", {}).get(m, 0.0)) for m in MONTHS},
            "regimes": {
                r["name"]: {
                    "intensity": float(r["intensity"]),
                    "mean_duration_days": float(r.get("mean_duration_days", 1.0)),
                    "next": {k: float(v) for k, v in r.get("next", {}).items()},
                }
                for r in esc["regimes"]
            },
        },
        "mediation": {
            "combine": med.get("combine", "noisy_or"),
            "common_outage_probability": float(med.get("common_outage_probability", 0.0)),
            "common_outage_mean_days": float(med.get("common_outage_mean_days", 1.0)),
            "mediators": {m["name"]: read_mediator(m) for m in med.get("mediators", [])},
        },
        "exchange": {
            "preparation_days": float(ex["preparation_days"]),
            "min_days_between_rounds": float(ex["min_days_between_rounds"]),
            "round_rate": float(ex["round_rate"]),
            "requires_mediator": bool(ex.get("requires_mediator", True)),
            "size_mean": float(ex["size_mean"]),
            "size_dispersion": float(ex["size_dispersion"]),
            "size_escalation_coef": float(ex.get("size_escalation_coef", 0.0)),
            "confirmation": read_hazard(ex["confirmation"], "confirmation"),
            "suspension": read_hazard(ex["suspension"], "suspension"),
            "resumption": read_hazard(ex["resumption"], "resumption"),
            "collapse": read_hazard(ex.get("collapse"), "collapse"),
        },
        "target": {"pool": float(target["pool"]) if "pool" in target else math.inf},
    }
    deadline = to_date(target["deadline"]) if "deadline" in target else start + dt.timedelta(days=H - 1)
    events = []
    for i, e in enumerate(raw.get("events", [])):
        t_e = (to_date(e["date"]) - start).days
        t_u = (to_date(e["until"]) - start).days if "until" in e else math.inf
        events.append({"index": i, "name": e["name"], "t_e": t_e, "t_u": t_u, "raw": e})
    path = {(d - start).days: lvl for d, lvl in read_path(esc, folder).items()}
    return {
        "name": raw.get("name", ""),
        "start": start,
        "H": H,
        "trials": int(sim["trials"]),
        "seed": int(sim["seed"]),
        "deadline_day": (deadline - start).days,
        "initial_regime": esc["initial_regime"],
        "initial_phase": PHASE_NAMES[ex["initial_phase"]],
        "path": path,
        "path_continues_in": esc.get("path_continues_in", esc["initial_regime"]),
        "milestones": [
            {"name": m["name"], "people": int(m["people"]), "by": (to_date(m["by"]) - start).days}
            for m in target.get("milestones", [])
        ],
        "base": base,
        "events": events,
    }


# ----------------------------------------------------------------------------
# Values in force on each day
# ----------------------------------------------------------------------------


def set_dotted(values, dotted, number):
    parts = dotted.split(".")
    node = values
    for p in parts[:-1]:
        node = node[p]
    if parts[-1] not in node:
        raise Unsupported(f"set {dotted}")
    node[parts[-1]] = float(number)


def in_force(ev, t):
    return ev["t_e"] <= t <= ev["t_u"]


def values_for(sc, t, cache):
    """Values in force on day t: the scenario with the events in force applied
    in precedence order (latest date last; ties: later in the file last)."""
    active = tuple(e["index"] for e in sorted(sc["events"], key=lambda e: (e["t_e"], e["index"])) if in_force(e, t))
    if active in cache:
        return cache[active]
    v = copy.deepcopy(sc["base"])
    removed = set()
    for idx in active:
        raw = sc["events"][idx]["raw"]
        for m in raw.get("add_mediators", []):
            v["mediation"]["mediators"][m["name"]] = read_mediator(m)
        for dotted, number in raw.get("set", {}).items():
            set_dotted(v, dotted, number)
        removed.update(raw.get("remove_mediators", []))
    v["removed"] = removed
    cache[active] = v
    return v


# ----------------------------------------------------------------------------
# Simulation
# ----------------------------------------------------------------------------


def hazard_p(h):
    return -np.expm1(-h)


def simulate(sc, trials, seed):
    rng = np.random.default_rng(seed)
    H, N = sc["H"], trials
    start = sc["start"]
    months = [MONTHS[(start + dt.timedelta(days=t)).month - 1] for t in range(H + 1)]
    cache = {}
    vals = [values_for(sc, t, cache) for t in range(H)]
    regime_names = list(sc["base"]["escalation"]["regimes"].keys())
    rid = {n: i for i, n in enumerate(regime_names)}

    # Given path: covered days and the junction day L + 1.
    path = sc["path"]
    covered = {t: lvl for t, lvl in path.items()}
    junction = None
    if path:
        L = max(path)
        if L >= -1 and L + 1 <= H - 1:
            junction = (L + 1, path[L])

    # Regime events: forced on t_e..t_u, and on t_u + 1 the chain starts there.
    regime_events = [e for e in sc["events"] if "regime" in e["raw"]]

    def forced_regime(t):
        best = None
        for e in sorted(regime_events, key=lambda e: (e["t_e"], e["index"])):
            if in_force(e, t):
                best = e["raw"]["regime"]
        if best is None:
            for e in regime_events:
                if e["t_u"] == t - 1 and e["t_u"] >= 0:
                    best = e["raw"]["regime"]
        return best

    phase_events = {}
    for e in sorted(sc["events"], key=lambda e: e["index"]):
        if "phase" in e["raw"] and 0 <= e["t_e"] < H:
            phase_events[e["t_e"]] = PHASE_NAMES[e["raw"]["phase"]]

    all_mediators = list(sc["base"]["mediation"]["mediators"].keys())
    for e in sc["events"]:
        for m in e["raw"].get("add_mediators", []):
            if m["name"] not in all_mediators:
                all_mediators.append(m["name"])

    # State.
    R = np.full(N, rid[sc["initial_regime"]], dtype=np.int64)
    S = np.zeros(N)
    K = np.zeros(N, dtype=bool)
    U = {name: np.zeros(N, dtype=bool) for name in all_mediators}
    existed = {name: False for name in all_mediators}
    phase = np.full(N, sc["initial_phase"], dtype=np.int64)
    C = np.zeros(N, dtype=np.int64)
    started_active = sc["initial_phase"] == ACTIVE
    a = np.full(N, LONG_AGO if started_active else 0, dtype=np.int64)
    g = np.full(N, LONG_AGO, dtype=np.int64)

    rounds = np.zeros(N, dtype=np.int64)
    rounds_by_deadline = np.zeros(N, dtype=np.int64)
    suspensions = np.zeros(N, dtype=np.int64)
    first_susp = np.full(N, -1, dtype=np.int64)
    collapse_day = np.full(N, -1, dtype=np.int64)
    days_in = {p: np.zeros(N, dtype=np.int64) for p in (PENDING, ACTIVE, SUSPENDED)}
    returned_by_deadline = None
    target_by_deadline = None
    milestone_hits = {m["name"]: None for m in sc["milestones"]}
    # First day C reaches each milestone's level (-1: not within the horizon).
    milestone_first = {m["name"]: np.full(N, -1, dtype=np.int64) for m in sc["milestones"]}

    daily = {k: [] for k in ("returned_mean", "returned_sd", "share_pending", "share_active",
                             "share_suspended", "share_completed", "share_collapsed",
                             "not_yet_suspended", "mean_escalation", "sd_escalation",
                             "mean_mediation", "sd_mediation")}
    for name in all_mediators:
        daily["open_share_" + name] = []

    prev_pool = vals[0]["target"]["pool"]
    for t in range(H):
        v = vals[t]
        esc, med, ex = v["escalation"], v["mediation"], v["exchange"]
        meds = med["mediators"]

        # Start of day, edge case 2: mediators added, pool changes, forced
        # regime or path junction, forced phase.
        for name in all_mediators:
            exists = name in meds
            if exists and not existed[name]:
                U[name][:] = meds[name]["initially_open"]
            existed[name] = exists

        pool = v["target"]["pool"]
        if t > 0 and pool != prev_pool:
            reopen = (phase == COMPLETED) & (C < pool)
            phase[reopen] = ACTIVE
            a[reopen] = 0
            done = np.isin(phase, (PENDING, ACTIVE, SUSPENDED)) & (C >= pool)
            phase[done] = COMPLETED
        prev_pool = pool

        fr = forced_regime(t)
        if junction is not None and t == junction[0]:
            reg = fr if fr is not None else sc["path_continues_in"]
            R[:] = rid[reg]
            S[:] = max(0.0, junction[1] - esc["regimes"][reg]["intensity"] - esc["seasonal"][months[t]])
        elif fr is not None:
            R[:] = rid[fr]

        if t in phase_events:
            target_phase = phase_events[t]
            movable = (phase != COMPLETED) & (phase != COLLAPSED) & (phase != target_phase)
            if target_phase == SUSPENDED:
                counted = movable & (phase == ACTIVE)
                suspensions[counted] += 1
                first_susp[counted & (first_susp < 0)] = t
            elif target_phase == ACTIVE:
                a[movable] = 0
            elif target_phase == COLLAPSED:
                collapse_day[movable] = t
            phase[movable] = target_phase

        # Step 1: E_t and M_t.
        if t in covered:
            E = np.full(N, covered[t])
        else:
            inten = np.array([esc["regimes"][n]["intensity"] for n in regime_names])
            E = np.maximum(0.0, inten[R] + S + esc["seasonal"][months[t]])
        counts = {}
        for name in all_mediators:
            # Edge case 9: a channel counts as open only where it counts in M_t.
            if name in meds and name not in v["removed"]:
                counts[name] = U[name] & ~K
            else:
                counts[name] = np.zeros(N, dtype=bool)
        if med["combine"] == "max":
            M = np.zeros(N)
            for name, open_ in counts.items():
                if name not in meds:
                    continue
                M = np.maximum(M, np.where(open_, meds[name]["effectiveness"], 0.0))
        else:
            closed_prod = np.ones(N)
            for name, open_ in counts.items():
                if name not in meds:
                    continue
                closed_prod *= np.where(open_, 1.0 - meds[name]["effectiveness"], 1.0)
            M = 1.0 - closed_prod

        # Step 2: the phase held at the start of the day, once.
        start_phase = phase.copy()
        u = rng.random((5, N))
        # Pending: confirmation.
        hz = ex["confirmation"]
        p = hazard_p(hz["base"] * np.exp(hz["mediation_coef"] * M - hz["escalation_coef"] * E))
        conf = (start_phase == PENDING) & (u[0] < p)
        phase[conf] = ACTIVE
        a[conf] = 0
        # Active: suspension, else a round if eligible.
        hz = ex["suspension"]
        p = hazard_p(hz["base"] * np.exp(hz["escalation_coef"] * E - hz["mediation_coef"] * M))
        is_active = start_phase == ACTIVE
        susp = is_active & (u[1] < p)
        phase[susp] = SUSPENDED
        suspensions[susp] += 1
        first_susp[susp & (first_susp < 0)] = t
        eligible = is_active & ~susp & (a >= ex["preparation_days"]) & (g >= ex["min_days_between_rounds"])
        hx = ex["round_rate"] * (M if ex["requires_mediator"] else 1.0)
        rnd = eligible & (u[2] < hazard_p(hx))
        if rnd.any():
            idx = np.nonzero(rnd)[0]
            m = (ex["size_mean"] - 1.0) * np.exp(-ex["size_escalation_coef"] * E[idx])
            k = ex["size_dispersion"]
            lam = rng.gamma(k, m / k)
            y = 1 + rng.poisson(np.minimum(lam, 1e15)).astype(np.int64)
            y = np.minimum(y, ROUND_CAP)
            if math.isfinite(pool):
                y = np.minimum(y, int(pool) - C[idx])
            C[idx] += y
            g[idx] = 0
            rounds[idx] += 1
            if t <= sc["deadline_day"]:
                rounds_by_deadline[idx] += 1
            if math.isfinite(pool):
                phase[idx[C[idx] >= pool]] = COMPLETED
        # Suspended: collapse, else resumption.
        is_susp = start_phase == SUSPENDED
        coll = is_susp & (u[3] < hazard_p(np.full(N, ex["collapse"]["base"])))
        phase[coll] = COLLAPSED
        collapse_day[coll] = t
        hz = ex["resumption"]
        p = hazard_p(hz["base"] * np.exp(hz["mediation_coef"] * M - hz["escalation_coef"] * E))
        res = is_susp & ~coll & (u[4] < p)
        phase[res] = ACTIVE
        a[res] = 0

        # Step 3: record the day (phase and C at the end of the day).
        for ph in (PENDING, ACTIVE, SUSPENDED):
            days_in[ph] += phase == ph
        if t == sc["deadline_day"]:
            returned_by_deadline = C.copy()
            target_by_deadline = C >= pool if math.isfinite(pool) else None
        for ms in sc["milestones"]:
            first = milestone_first[ms["name"]]
            first[(first < 0) & (C >= ms["people"])] = t
            if t == ms["by"]:
                milestone_hits[ms["name"]] = C >= ms["people"]
        daily["returned_mean"].append(C.mean())
        daily["returned_sd"].append(C.std(ddof=1))
        daily["share_pending"].append(np.mean(phase == PENDING))
        daily["share_active"].append(np.mean(phase == ACTIVE))
        daily["share_suspended"].append(np.mean(phase == SUSPENDED))
        daily["share_completed"].append(np.mean(phase == COMPLETED))
        daily["share_collapsed"].append(np.mean(phase == COLLAPSED))
        daily["not_yet_suspended"].append(np.mean(first_susp < 0))
        daily["mean_escalation"].append(E.mean())
        daily["sd_escalation"].append(E.std(ddof=1))
        daily["mean_mediation"].append(M.mean())
        daily["sd_mediation"].append(M.std(ddof=1))
        for name in all_mediators:
            daily["open_share_" + name].append(counts[name].mean() if name in meds else 0.0)

        # Step 4: tomorrow's regime, shock, outage and channels, from E_t and
        # the values in force today (edge case 1).
        if t + 1 < H:
            if t + 1 not in covered:
                uu = rng.random((3, N))
                newR = R.copy()
                for r_name, reg in esc["regimes"].items():
                    nxt = {k: w for k, w in reg["next"].items() if w > 0}
                    if not nxt:
                        continue
                    here = (R == rid[r_name]) & (uu[0] < 1.0 / reg["mean_duration_days"])
                    if not here.any():
                        continue
                    names = list(nxt.keys())
                    cum = np.cumsum([nxt[n] for n in names])
                    pick = np.searchsorted(cum / cum[-1], uu[1][here], side="right")
                    pick = np.minimum(pick, len(names) - 1)
                    newR[here] = np.array([rid[n] for n in names])[pick]
                R = newR
                jump = uu[2] < esc["shock_daily_probability"]
                sizes = rng.exponential(esc["shock_mean_size"], N) if esc["shock_mean_size"] > 0 else np.zeros(N)
                S = S * 2.0 ** (-1.0 / esc["shock_half_life_days"]) + np.where(jump, sizes, 0.0)
            uk = rng.random(N)
            K = np.where(K, ~(uk < 1.0 / med["common_outage_mean_days"]), uk < med["common_outage_probability"])
            for name in all_mediators:
                if name not in meds:
                    continue
                mp = meds[name]
                q = 1.0 / mp["mean_outage_days"]
                p0 = q * (1.0 - mp["availability"]) / mp["availability"]
                lam = -math.log1p(-p0)
                p_close = hazard_p(lam * np.exp(mp["escalation_sensitivity"] * E))
                um = rng.random(N)
                U[name] = np.where(U[name], ~(um < p_close), um < q)
        a += 1
        g += 1

    return {
        "returned_by_deadline": returned_by_deadline,
        "returned_by_horizon": C.copy(),
        "rounds": rounds,
        "rounds_by_deadline": rounds_by_deadline,
        "suspensions": suspensions,
        "first_suspension_day": first_susp,
        "collapse_day": collapse_day,
        "days_active": days_in[ACTIVE],
        "days_suspended": days_in[SUSPENDED],
        "days_pending": days_in[PENDING],
        "target_by_deadline": target_by_deadline,
        "milestones": milestone_hits,
        "milestone_first_day": milestone_first,
        "daily": {k: np.array(x) for k, x in daily.items()},
    }


def mean_se(x):
    x = np.asarray(x, dtype=float)
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))


def prop_se(flags):
    f = np.asarray(flags, dtype=float)
    p = float(f.mean())
    return p, math.sqrt(p * (1 - p) / len(f))


def summarise(sc, out, trials):
    res = {"scenario": sc["name"], "trials": trials, "horizon_days": sc["H"], "outcomes": {}, "probabilities": {}}
    for key in ("returned_by_deadline", "returned_by_horizon", "rounds", "suspensions",
                "days_active", "days_suspended", "days_pending"):
        m, se = mean_se(out[key])
        res["outcomes"][key] = {"mean": m, "se": se}
    probs = {
        "no_round_by_deadline": out["rounds_by_deadline"] == 0,
        "suspended_within_horizon": out["first_suspension_day"] >= 0,
        "collapse": out["collapse_day"] >= 0,
    }
    if out["target_by_deadline"] is not None:
        probs["target_by_deadline"] = out["target_by_deadline"]
    for key, flags in probs.items():
        p, se = prop_se(flags)
        res["probabilities"][key] = {"estimate": p, "se": se, "count": int(np.sum(flags))}
    res["milestones"] = {}
    for name, hits in out["milestones"].items():
        p, se = prop_se(hits)
        first = out["milestone_first_day"][name]
        # Share of trials that reached the level by the end of each day.
        by_day = [float(np.mean((first >= 0) & (first <= t))) for t in range(sc["H"])]
        # Edge case 8: the first day by which at least half the trials reached it.
        median = next((t for t, share in enumerate(by_day) if share >= 0.5), None)
        res["milestones"][name] = {"estimate": p, "se": se, "reached_share_by_day": by_day, "median_day": median}
    res["daily"] = {k: [float(x) for x in arr] for k, arr in out["daily"].items()}
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--trials", type=int)
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--json", help="write the estimates to this file")
    args = ap.parse_args(argv)
    try:
        sc = read_scenario(args.scenario)
    except Unsupported as e:
        print(f"unsupported: {e}", file=sys.stderr)
        return 3
    trials = args.trials or sc["trials"]
    res = summarise(sc, simulate(sc, trials, args.seed), trials)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f)
    else:
        print(f"{res['scenario']}: {trials} trials, {sc['H']} days")
        for k, v in res["outcomes"].items():
            print(f"  mean {k:24s} {v['mean']:12.4f}  (se {v['se']:.4f})")
        for k, v in res["probabilities"].items():
            print(f"  P({k}){v['estimate']:{33 - len(k)}.4f}  (se {v['se']:.4f})")
        for k, v in res["milestones"].items():
            print(f"  milestone {k}: reached_by {v['estimate']:.4f} (se {v['se']:.4f}), "
                  f"median day {v['median_day']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

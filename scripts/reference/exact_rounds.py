#!/usr/bin/env python3
"""Exact expected numbers of rounds for cases/events-gap-change.toml and
cases/events-preparation-change.toml, without simulation.

Both cases hold escalation at 0 and mediation at 1 and never suspend, so
the only randomness of the round count is a daily Bernoulli draw on
eligible days (and, for the second, a confirmation draw while Pending).
A recursion over the distribution of g (days since the last round) or of
a (days since activation) then gives the expected number of rounds
exactly. Two readings of an event that changes min_days_between_rounds or
preparation_days are computed:

- "in force that day": eligibility on day t compares g_t and a_t with the
  values in force on day t (MODEL.md: "Each day uses the values in force
  that day"; eligibility is g_t >= min_days_between_rounds and
  a_t >= preparation_days);
- "fixed when set": the gap is the one in force on the day of the last
  round, the preparation the one in force on the day of activation.

Usage: python3 exact_rounds.py
"""

import math

H = 100
EVENT_DAY = 31  # 2026-02-01, with start 2026-01-01
P_ROUND = 1.0 - math.exp(-0.3)
P_CONFIRM = 1.0 - math.exp(-0.03)
CAP = 400  # a day count at which every rule is already met


def gap_in_force(t):
    return 2 if t < EVENT_DAY else 8


def prep_in_force(t):
    return 3 if t < EVENT_DAY else 20


def rounds_gap(fixed_when_set):
    # State: (g, gap that applies); g capped at CAP. Starts Active, no round yet.
    dist = {(CAP, gap_in_force(0)): 1.0}
    expected = 0.0
    for t in range(H):
        new = {}
        for (g, gap_then), pr in dist.items():
            need = gap_then if fixed_when_set else gap_in_force(t)
            if g >= need:
                expected += pr * P_ROUND
                key = (1, gap_in_force(t))
                new[key] = new.get(key, 0.0) + pr * P_ROUND
                pr *= 1.0 - P_ROUND
            key = (min(g + 1, CAP), gap_then)
            new[key] = new.get(key, 0.0) + pr
        dist = new
    return expected


def rounds_preparation(fixed_when_set):
    # Pending mass, and Active states (a, preparation that applies); no
    # minimum gap (0 and 1 have the same effect).
    pending = 1.0
    active = {}
    expected = 0.0
    for t in range(H):
        new = {}
        for (a, prep_then), pr in active.items():
            need = prep_then if fixed_when_set else prep_in_force(t)
            if a >= need:
                expected += pr * P_ROUND
            key = (min(a + 1, CAP), prep_then)
            new[key] = new.get(key, 0.0) + pr
        confirmed = pending * P_CONFIRM
        pending -= confirmed
        key = (1, prep_in_force(t))
        new[key] = new.get(key, 0.0) + confirmed
        active = new
    return expected


if __name__ == "__main__":
    print("expected rounds over 100 days, exact")
    print(f"{'case':34s} {'in force that day':>18s} {'fixed when set':>15s}")
    print(f"{'events-gap-change.toml':34s} {rounds_gap(False):18.4f} {rounds_gap(True):15.4f}")
    print(f"{'events-preparation-change.toml':34s} {rounds_preparation(False):18.4f} {rounds_preparation(True):15.4f}")

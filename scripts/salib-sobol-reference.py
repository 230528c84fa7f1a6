#!/usr/bin/env python3
"""Reference Sobol indices from SALib on a fixed design, for swapsim's tests.

Run once, offline (needs `pip install SALib`); CI never runs it. It writes
tests/fixtures/sobol/salib-ishigami.csv: the outputs of the Ishigami
function plus 100 (an offset far from 0, where an estimator that does not
centre the outputs goes wrong) at SALib's own Sobol design of 64 base
samples in 3 dimensions, one value per line in design order (A, AB_1,
AB_2, AB_3, B for each base sample), and prints SALib's first- and
total-order point estimates, which the Rust test holds as constants.
"""
import numpy as np
from SALib.analyze import sobol
from SALib.sample import sobol as sobol_sample

problem = {
    "num_vars": 3,
    "names": ["x1", "x2", "x3"],
    "bounds": [[-np.pi, np.pi]] * 3,
}
X = sobol_sample.sample(problem, 64, calc_second_order=False, scramble=True, seed=2025)
Y = np.sin(X[:, 0]) + 7 * np.sin(X[:, 1]) ** 2 + 0.1 * X[:, 2] ** 4 * np.sin(X[:, 0]) + 100.0
np.savetxt("tests/fixtures/sobol/salib-ishigami.csv", Y, fmt="%.17g")
Si = sobol.analyze(problem, Y, calc_second_order=False, num_resamples=100, seed=1)
print("S1 =", [repr(float(v)) for v in Si["S1"]])
print("ST =", [repr(float(v)) for v in Si["ST"]])

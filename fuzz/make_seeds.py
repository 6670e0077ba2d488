#!/usr/bin/env python3
"""Writes the binary seed inputs of the solver and derivatives fuzz targets.

Layout (fuzz/fuzz_problem.hpp): n, m, p, flags, iter byte, scaling byte, backend byte, then
one value byte per entry of P (n x n), q, G, h, A, b. A value byte c < 128 is (c - 64) / 8.
Run from the repository root: python3 fuzz/make_seeds.py
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
NAN, INF, NINF, BIG, NBIG, TINY = 161, 162, 163, 164, 165, 166
PSD, SYM, DUP_G, ZERO_G, DUP_A, ZERO_A, WARM, UPDATE_Q = 1, 2, 4, 8, 16, 32, 64, 128
DENSE, SPARSE, SPARSE_CALL = 1, 2, 128


def v(x):
    c = int(round(64 + 8 * x))
    assert 0 <= c < 128, x
    return c


def prob(n, m, p, flags, iters, scaling, backend, vals):
    return bytes([n, m, p, flags, iters, scaling, backend] + vals)


def main():
    seeds = {
        # min 1/2|z|^2 - 1'z s.t. z <= 0.5, z1 + z2 = 0.5 (P = B'B with B = I)
        "box_eq": prob(2, 2, 1, PSD, 40, 10, 0, [v(1), v(0), v(0), v(1), v(-1), v(-1), v(1), v(0), v(0), v(1),
                                                  v(.5), v(.5), v(1), v(1), v(.5)]),
        "box_eq_sparse": prob(2, 2, 1, PSD, 40, 10, SPARSE | SPARSE_CALL,
                              [v(1), v(0), v(0), v(1), v(-1), v(-1), v(1), v(0), v(0), v(1), v(.5), v(.5), v(1),
                               v(1), v(.5)]),
        # z <= -1 and -z <= -1: primal infeasible
        "infeasible": prob(1, 2, 0, 0, 40, 10, 0, [v(1), v(0), v(1), v(-1), v(-1), v(-1)]),
        # LP unbounded below along (1, 1)
        "unbounded_lp": prob(2, 3, 0, 0, 40, 10, DENSE, [v(0)] * 4 + [v(-1), v(-1), v(1), v(-1), v(-1), v(0),
                                                                     v(0), v(-1), v(1), v(0), v(0)]),
        # NaN in P, Inf in h
        "nan_inf": prob(2, 1, 0, 0, 40, 10, 0, [v(1), NAN, NAN, v(1), v(0), v(0), v(1), v(1), INF]),
        # indefinite P
        "indefinite": prob(2, 0, 0, SYM, 40, 10, 0, [v(1), v(0), v(0), v(-1), v(0), v(0)]),
        # huge and tiny entries, full KKT method, no scaling
        "extreme": prob(3, 2, 1, PSD, 41 * 2 + 30, 0, 0,
                        [BIG, v(0), TINY, v(0), v(1), v(0), TINY, v(0), v(2), v(1), NBIG, v(3), v(1), v(1), v(1),
                         v(-1), v(0), v(0), v(5), v(5), v(1), v(2), v(3), v(1)]),
        # duplicated and zero rows, warm start, update_q
        "dup_zero_rows_warm": prob(3, 4, 3, PSD | DUP_G | ZERO_G | DUP_A | ZERO_A | WARM | UPDATE_Q, 40, 10, 0,
                                   [v(1), v(0), v(0), v(0), v(1), v(0), v(0), v(0), v(1), v(1), v(-2), v(0.5)]
                                   + [v(1), v(1), v(0), v(0), v(1), v(1), v(-1), v(0), v(1), v(1), v(1), v(1)]
                                   + [v(1), v(2), v(3), v(3)] + [v(0), v(0), v(1), v(1), v(1), v(0), v(1), v(1), v(0)]
                                   + [v(1), v(1), v(1)] + [v(.5), v(-.5), v(.25)]),
        # n = 0
        "empty": prob(0, 0, 0, 0, 40, 10, 0, []),
    }
    rng = random.Random(9)
    seeds["random_8_8_4"] = prob(8, 8, 4, PSD, 40, 10, 0,
                                 [rng.randrange(0, 128) for _ in range(64 + 8 + 64 + 8 + 32 + 4 + 40)])
    seeds["random_raw"] = bytes(rng.randrange(0, 256) for _ in range(300))
    for target in ("solver", "derivatives"):
        folder = os.path.join(HERE, "corpus", target)
        os.makedirs(folder, exist_ok=True)
        for name, data in seeds.items():
            # The derivative target reads cotangents and a perturbation after the problem.
            extra = bytes([v(1), v(-1), v(0.5)] * 10 + [127]) if target == "derivatives" else b""
            with open(os.path.join(folder, name + ".bin"), "wb") as f:
                f.write(data + extra)


if __name__ == "__main__":
    main()

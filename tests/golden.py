#!/usr/bin/env python3
"""golden.py - compare a --batch run with its golden copy, field by field.

    golden.py canon RUN.jsonl > GOLDEN.jsonl     # write a golden copy
    golden.py compare GOLDEN.jsonl RUN.jsonl [--exact]

A canonical line is the run's JSON object without the fields that may
change from run to run or that were added after the golden copy was made:
every "seconds" and "*_seconds" (compute times) and "hyper_layout".  Arrays
longer than SUMMARY_LEN are replaced by a fingerprint (length, sum, sum of
squares, min, max, the first and last five entries) so the golden files
stay small.

compare prints one PASS/FAIL line per run line.  Numbers agree when they
are equal up to the round-off of the BLAS in use: |a - b| <= 1e-8 max(|a|,
|b|) + 1e-12.  The golden files are kept per BLAS (tests/golden/BLAS/),
but one BLAS may still sum in another order on another CPU (its kernels
are chosen at run time), which moves the last digits; two kinds of number
carry more than that:
  - the error curves of the comparison (rel_err, cos, rel_err_unrolled,
    predicted): near convergence they are round-off themselves (a CG error
    of 2e-12 on an ill-conditioned H), so they agree within 1e-9 absolute;
  - finite differences (the "fd" entries): their rounding error is
    eps |L_V| / h = 2.2e-11 |L_V| for h = 1e-5, so they agree within
    relative 1e-5 or absolute 2.2e-9 max(1, |L_V|), 100 times that;
  - quantities that cancel to round-off: grad_norm where the inner loop
    converged (1e-11 or 5e-12 depending on the order of a sum), and the
    sum of an array's entries in a fingerprint: within 1e-9 absolute.
Anything a change of behaviour produces is far above these.  --exact
demands identical numbers (the same build on the same machine as the
golden copy).
"""
import json
import math
import sys

SUMMARY_LEN = 64
RTOL = 1e-8
ATOL = 1e-12


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def fingerprint(a):
    nums = [x for x in a if is_number(x) and math.isfinite(x)]
    return {
        "len": len(a),
        "nonfinite": len(a) - len(nums),
        "sum": math.fsum(nums),
        "sumsq": math.fsum(x * x for x in nums),
        "min": min(nums) if nums else None,
        "max": max(nums) if nums else None,
        "head": a[:5],
        "tail": a[-5:],
    }


def canon(x):
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k == "seconds" or k.endswith("_seconds") or k == "hyper_layout":
                continue
            out[k] = canon(v)
        return out
    if isinstance(x, list):
        if len(x) > SUMMARY_LEN and all(is_number(e) or e is None for e in x):
            return {"fingerprint": canon(fingerprint(x))}
        return [canon(e) for e in x]
    return x


CURVES = ("rel_err", "cos", "rel_err_unrolled", "predicted")


def tolerance(path, scale):
    """(rtol, atol) for the number at path; scale = max(1, |val_loss|)."""
    parts = path.replace("[", ".").split(".")
    if "fd" in parts:
        return 1e-5, 2.2e-9 * scale
    if any(p in CURVES for p in parts):
        return RTOL, 1e-9
    if parts[-1] == "grad_norm" or (parts[-1] == "sum" and "fingerprint" in parts):
        return RTOL, 1e-9
    return RTOL, ATOL


def close(a, b, exact, path="", scale=1.0):
    if exact:
        return a == b
    if a == b:
        return True
    if not (is_number(a) and is_number(b)):
        return False
    if isinstance(a, int) and isinstance(b, int):
        return False
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    rtol, atol = tolerance(path, scale)
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + atol


def diff(a, b, path, exact, out, scale=1.0):
    """Append to out the paths where a (golden) and b (run) differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if k not in b:
                out.append("%s.%s: missing" % (path, k))
            else:
                diff(a[k], b[k], path + "." + k, exact, out, scale)
        for k in b:
            if k not in a:
                out.append("%s.%s: not in the golden copy" % (path, k))
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: %d entries, golden %d" % (path, len(b), len(a)))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, "%s[%d]" % (path, i), exact, out, scale)
        return
    if not close(a, b, exact, path, scale):
        out.append("%s: %r, golden %r" % (path, b, a))


def main(argv):
    if len(argv) >= 3 and argv[1] == "canon":
        with open(argv[2]) as f:
            for line in f:
                print(json.dumps(canon(json.loads(line)), sort_keys=True))
        return 0
    if len(argv) >= 4 and argv[1] == "compare":
        exact = "--exact" in argv[4:]
        label = argv[argv.index("--label") + 1] if "--label" in argv else argv[3]
        with open(argv[2]) as f:
            gold = [json.loads(l) for l in f if l.strip()]
        with open(argv[3]) as f:
            run = [canon(json.loads(l)) for l in f if l.strip()]
        fails = 0
        if len(gold) != len(run):
            print("FAIL: %s: %d lines, golden %d" % (label, len(run), len(gold)))
            return 1
        for i, (g, r) in enumerate(zip(gold, run)):
            d = []
            vl = g.get("val_loss") if isinstance(g, dict) else None
            scale = max(1.0, abs(vl)) if is_number(vl) else 1.0
            diff(g, r, "line %d" % (i + 1), exact, d, scale)
            if d:
                fails += 1
                print("FAIL: %s line %d: %d fields differ, e.g. %s" %
                      (label, i + 1, len(d), "; ".join(d[:4])))
            else:
                print("PASS: %s line %d equals the golden copy field for field"
                      % (label, i + 1))
        return 1 if fails else 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

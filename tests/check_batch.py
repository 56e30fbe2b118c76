#!/usr/bin/env python3
"""check_batch.py MODEL TRAIN.csv VAL.csv OUTPUT.jsonl

An independent, pure-Python implementation of the ridge, logistic and
softmax hypergradients (the losses of ihgtui-experiment(5)), used to check `ihgtui --batch --compare
--vectors` output line by line:
  - train_loss, val_loss at the written theta, lambda;
  - the reference (exact) hypergradient  g = dL_V/dlambda - J^T H^-1 v;
  - the Neumann K-term and CG K-iteration relative errors for every K;
  - the outer SGD update lambda_next = lambda - lr g.
Prints one PASS/FAIL line per check.  No numpy: plain lists, Gaussian
elimination with partial pivoting.

Tolerances: both sides work in IEEE double.  The fixtures' Hessians have
condition numbers below 1e3, so solves agree to ~1e-13 relative; the
checks use 1e-8 (hypergradients, losses) and 1e-6 relative with a 1e-10
absolute floor for error curves whose values reach rounding level.
"""
import csv
import json
import math
import sys

passed = failed = 0


def check(ok, what):
    global passed, failed
    print(("PASS: " if ok else "FAIL: ") + what)
    if ok:
        passed += 1
    else:
        failed += 1


def read_csv(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    data = [[float(x) for x in r] for r in rows[1:] if r]
    return [r[:-1] for r in data], [r[-1] for r in data]


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def matvec(M, x):
    return [dot(r, x) for r in M]


def solve(A, b):
    n = len(b)
    M = [row[:] + [b[i]] for i, row in enumerate(A)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(M[r][c]))
        M[c], M[p] = M[p], M[c]
        for r in range(c + 1, n):
            f = M[r][c] / M[c][c]
            for k in range(c, n + 1):
                M[r][k] -= f * M[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (M[r][n] - sum(M[r][k] * x[k] for k in range(r + 1, n))) / M[r][r]
    return x


def softplus(z):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class Model:
    """theta layout: ridge/logistic [w (d), b]; softmax [W (k x d), b (k)]."""

    def __init__(self, kind, X, y, Xv, yv):
        self.kind, self.X, self.y, self.Xv, self.yv = kind, X, y, Xv, yv
        self.d = len(X[0])
        self.k = int(max(max(y), max(yv))) + 1 if kind == "softmax" else 1
        self.P = self.k * (self.d + 1)
        self.nw = self.k * self.d  # decayed weights come first

    def logits(self, th, x):
        d, k = self.d, self.k
        return [dot(th[c * d:(c + 1) * d], x) + th[k * d + c] for c in range(k)]

    def data_loss_grad_hess(self, th, X, y, want_hess):
        n, d, k, P = len(X), self.d, self.k, self.P
        loss = 0.0
        g = [0.0] * P
        H = [[0.0] * P for _ in range(P)] if want_hess else None
        for x, t in zip(X, y):
            xa = x + [1.0]
            if self.kind == "ridge":
                r = self.logits(th, x)[0] - t
                loss += 0.5 * r * r
                dz, hz = [r], [[1.0]]
            elif self.kind == "logistic":
                z = self.logits(th, x)[0]
                loss += softplus(z) - t * z
                s = sigmoid(z)
                dz, hz = [s - t], [[s * (1 - s)]]
            else:
                z = self.logits(th, x)
                m = max(z)
                lse = m + math.log(sum(math.exp(v - m) for v in z))
                loss += lse - z[int(t)]
                p = [math.exp(v - lse) for v in z]
                dz = [p[c] - (1.0 if c == int(t) else 0.0) for c in range(k)]
                hz = [[(p[a] if a == b else 0.0) - p[a] * p[b] for b in range(k)]
                      for a in range(k)]
            # index of theta entry for (class c, feature j), j == d is the bias
            idx = [[c * d + j if j < d else k * d + c for j in range(d + 1)]
                   for c in range(k)]
            for c in range(k):
                for j in range(d + 1):
                    g[idx[c][j]] += dz[c] * xa[j]
            if want_hess:
                for a in range(k):
                    for b in range(k):
                        if hz[a][b] == 0.0:
                            continue
                        for i in range(d + 1):
                            for j in range(d + 1):
                                H[idx[a][i]][idx[b][j]] += hz[a][b] * xa[i] * xa[j]
        loss /= n
        g = [v / n for v in g]
        if want_hess:
            H = [[v / n for v in row] for row in H]
        return loss, g, H

    def decay_index(self, j, Hn):
        return j if Hn == self.nw else 0

    def train(self, th, lam):
        loss, g, H = self.data_loss_grad_hess(th, self.X, self.y, True)
        Hn = len(lam)
        for j in range(self.nw):
            e = math.exp(lam[self.decay_index(j, Hn)])
            loss += 0.5 * e * th[j] ** 2
            g[j] += e * th[j]
            H[j][j] += e
        return loss, g, H

    def val(self, th):
        loss, g, _ = self.data_loss_grad_hess(th, self.Xv, self.yv, False)
        return loss, g

    def jt(self, th, lam, q):
        out = [0.0] * len(lam)
        for j in range(self.nw):
            i = self.decay_index(j, len(lam))
            out[i] += math.exp(lam[i]) * th[j] * q[j]
        return out


def rel(a, b):
    nb = math.sqrt(dot(b, b))
    return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b))) / nb


def close(a, b, rtol, floor=0.0):
    return abs(a - b) <= rtol * abs(b) + floor


def main():
    kind, trainp, valp, outp = sys.argv[1:5]
    X, y = read_csv(trainp)
    Xv, yv = read_csv(valp)
    m = Model(kind, X, y, Xv, yv)
    lines = [json.loads(l) for l in open(outp)]
    check(len(lines) > 0, f"{kind}: output has lines ({len(lines)})")
    for n, rec in enumerate(lines, 1):
        tag = f"{kind} outer {rec['outer']}"
        check(rec["outer"] == n, f"{tag}: outer steps numbered 1..N")
        th, lam = rec["theta"], rec["lambda"]
        check(len(th) == m.P, f"{tag}: theta has P = {m.P} entries")
        lt, gt, H = m.train(th, lam)
        lv, v = m.val(th)
        check(close(rec["train_loss"], lt, 1e-10), f"{tag}: train_loss {rec['train_loss']} vs {lt}")
        check(close(rec["val_loss"], lv, 1e-10), f"{tag}: val_loss {rec['val_loss']} vs {lv}")
        check(close(rec["grad_norm"], math.sqrt(dot(gt, gt)), 1e-8, 1e-14),
              f"{tag}: grad_norm")
        # exact q = H^-1 v (softmax: H is singular along the bias shift u;
        # v is orthogonal to u, so (H + u u^T) q = v gives the pseudo-inverse
        # solution)
        if kind == "softmax":
            u = [0.0] * m.nw + [1.0 / math.sqrt(m.k)] * m.k
            Hs = [[H[i][j] + u[i] * u[j] for j in range(m.P)] for i in range(m.P)]
            q = solve(Hs, v)
        else:
            q = solve(H, v)
        g_ref = [-x for x in m.jt(th, lam, q)]
        c = rec["compare"]
        check(rel(rec["hypergrad"], g_ref) < 1e-8,
              f"{tag}: exact hypergradient matches (rel {rel(rec['hypergrad'], g_ref):.2g})")
        check(rel(c["hypergrads"]["reference"], g_ref) < 1e-8,
              f"{tag}: comparison reference matches")
        alpha = c["alpha"]
        # Neumann: q_K = alpha sum_{j<=K} (I - alpha H)^j v
        term, p = v[:], v[:]
        worst = 0.0
        for K in range(0, c["kmax"] + 1):
            if K > 0:
                Ht = matvec(H, term)
                term = [a - alpha * b for a, b in zip(term, Ht)]
                p = [a + b for a, b in zip(p, term)]
            gK = [-x for x in m.jt(th, lam, [alpha * a for a in p])]
            e = rel(gK, g_ref)
            got = c["neumann"]["rel_err"][K]
            if not close(got, e, 1e-6, 1e-10):
                worst = max(worst, abs(got - e))
        check(worst == 0.0, f"{tag}: Neumann K=0..{c['kmax']} errors match (worst diff {worst:.2g})")
        # CG from 0
        x = [0.0] * m.P
        r, d = v[:], v[:]
        rr = dot(r, r)
        worst = 0.0
        for K in range(1, c["kmax"] + 1):
            if rr > 0 and math.sqrt(rr) > 0:
                Hd = matvec(H, d)
                dHd = dot(d, Hd)
                if dHd > 0:
                    a = rr / dHd
                    x = [xi + a * di for xi, di in zip(x, d)]
                    r = [ri - a * hi for ri, hi in zip(r, Hd)]
                    rr2 = dot(r, r)
                    d = [ri + (rr2 / rr) * di for ri, di in zip(r, d)]
                    rr = rr2
            gK = [-xx for xx in m.jt(th, lam, x)]
            e = rel(gK, g_ref)
            got = c["cg"]["rel_err"][K - 1]
            # once CG has converged both curves sit at rounding level
            if not close(got, e, 1e-6, 1e-9):
                worst = max(worst, abs(got - e))
        check(worst == 0.0, f"{tag}: CG K=1..{c['kmax']} errors match (worst diff {worst:.2g})")
        # SGD outer step
        lr = 0.5
        nxt = [a - lr * b for a, b in zip(lam, rec["hypergrad"])]
        check(rel(rec["lambda_next"], nxt) < 1e-14 or nxt == rec["lambda_next"],
              f"{tag}: lambda_next = lambda - lr * hypergrad")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""torch_bench.py [--threads N] [--rounds N] [--check-only] [--no-mlp] [--images DIR]
                [PATH_TO_ihgtui-bench]

The computations of bench/bench.c written as a PyTorch user would write
them, timed the same way, and (given the path to ihgtui-bench) printed side
by side with the C figures.

For ridge and logistic regression at P = 10, 100, 1000 parameters (d = P-1
weights with per-weight decay exp(lambda_j), one undecayed bias), synthetic
data with n = 1000 training and 1000 validation rows, float64 on the CPU:

  grad       one gradient of L_T:  torch.autograd.grad(L_T, theta)
  hvp        one Hessian-vector product by double backward,
             torch.autograd.grad(g, theta, u) with g = dL_T/dtheta built once
             with create_graph=True (the marginal cost of an HVP inside the
             Neumann/CG loops, which reuse g exactly this way)
  exact      form H with torch.autograd.functional.hessian (vectorized, the
             fast path) + torch.linalg.cholesky + torch.cholesky_solve
  neumann20  a whole hypergradient: v = dL_V/dtheta, g = dL_T/dtheta (with
             graph), 20 Neumann terms q = a sum_{j=0..20} (I - aH)^j v
             (20 HVPs, a = 0.01 as in bench.c), J^T q = autograd of <g, q>
             w.r.t. lambda, hypergradient = dL_V/dlambda - J^T q
  cg20       the same with 20 conjugate-gradient iterations on H q = v

The losses are those of ihgtui-experiment(5):
  ridge     L_T = 1/(2n) sum (x.w + b - y)^2 + 1/2 sum_j exp(lambda_j) w_j^2
  logistic  L_T = mean log(1 + exp(-(2y-1) z)) + the same decay, z = x.w + b
            (F.binary_cross_entropy_with_logits, as people write it)
  L_V is the same data loss on the validation rows, without decay.

Repeat policy as bench.c: one warm-up call, then repeats until at least 7
and at least 0.2 s in total (at most 200); the median is reported.

Before timing, a numerical cross-check on small problems: autograd H and
J^T u against their closed forms, the 20-term Neumann result against its
closed form from the eigendecomposition of H, CG against the exact solve,
and finite hypergradients.  The script stops (status 1) if a check fails.

Threads: torch.set_num_threads(1) by default, which is how the C side uses
the machine.  ihgtui-bench does its own arithmetic in one thread and hands
matrix work to OpenBLAS, which runs its default thread pool (one thread per
CPU, OPENBLAS_NUM_THREADS unset).  PyTorch's matrix products go to a BLAS
too (on Debian the same OpenBLAS, with the same default pool, which
torch.set_num_threads does not change); set_num_threads only sets ATen's own
OpenMP pool for element-wise work, the C side's single thread.  --threads N
gives ATen N threads instead (an extra OpenMP pool competing with
OpenBLAS's; it did not help on a 2-CPU machine).

MLP (issue 4), when Fashion-MNIST is installed: the hypergradient of
ihgtui-bench's "mlp" rows (v = dL_V/dtheta, 5 Neumann terms at alpha 0.02,
J^T q) written in PyTorch by bench/torch_mlp.py (float64, as the C side;
double-backward HVPs; the same widths, tanh, per-weight decay, the first
50 + 50 images of the Fashion-MNIST training file), at 1,794,000
hyperparameters (784-1000-1000-10; goal: C >= 1.5x faster) and at 7,940
(784-10-10; goal >= 20x).  Its numbers are checked against the C side by
tests/test_mlp_torch.sh (bench/torch_mlp.py --check).

Exits 0 with "PyTorch not available: comparison skipped" when torch cannot
be imported.  Standard library + torch only.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except Exception:  # ImportError, or a broken installation
    print("PyTorch not available: comparison skipped")
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_mlp  # noqa: E402  (bench/torch_mlp.py)

DTYPE = torch.float64
N_TRAIN = 1000
N_VAL = 1000
SIZES = (10, 100, 1000)
MODELS = ("ridge", "logistic")
ALPHA = 0.01        # Neumann step, as bench.c passes to ihg_solve
K = 20              # Neumann terms / CG iterations
INIT_LOG_DECAY = -2.0
INNER_LR = 0.05
INNER_STEPS = 20
GOAL = 20.0
COLUMNS = ("grad", "hvp", "exact", "neumann20", "cg20")


# ---------------------------------------------------------------- problem

class Problem:
    """Data, theta = [w (d), b] flat, lambda (d), and the two losses."""

    def __init__(self, kind, P, n=N_TRAIN, m=N_VAL, seed=1):
        self.kind = kind
        d = P - 1
        self.d = d
        gen = torch.Generator().manual_seed(seed * 1000 + P)

        def randn(*shape):
            return torch.randn(*shape, generator=gen, dtype=DTYPE)

        # teacher as in src/synthetic.c (noise 0.5, as bench.c configures)
        if kind == "ridge":
            wt, bt = randn(d), randn(())
        else:
            wt, bt = randn(d) * (2.0 / math.sqrt(d)), randn(())

        def rows(count):
            X = randn(count, d)
            z = X @ wt + bt + 0.5 * randn(count)
            if kind == "ridge":
                return X, z
            u = torch.rand(count, generator=gen, dtype=DTYPE)
            return X, (u < torch.sigmoid(z)).to(DTYPE)

        self.X, self.y = rows(n)
        self.Xv, self.yv = rows(m)
        theta = torch.zeros(P, dtype=DTYPE)
        theta[:d] = 0.01 * randn(d)
        self.lam = torch.full((d,), INIT_LOG_DECAY, dtype=DTYPE,
                              requires_grad=True)
        # train a little (full-batch SGD) so theta is a realistic point
        theta.requires_grad_(True)
        for _ in range(INNER_STEPS):
            (g,) = torch.autograd.grad(self.train_loss(theta, self.lam), theta)
            with torch.no_grad():
                theta -= INNER_LR * g
        self.theta = theta.detach().requires_grad_(True)

    def data_loss(self, theta, X, y):
        z = X @ theta[:-1] + theta[-1]
        if self.kind == "ridge":
            return 0.5 * torch.mean((z - y) ** 2)
        return F.binary_cross_entropy_with_logits(z, y)

    def train_loss(self, theta, lam):
        w = theta[:-1]
        return self.data_loss(theta, self.X, self.y) \
            + 0.5 * torch.sum(torch.exp(lam) * w * w)

    def val_loss(self, theta, lam):
        return self.data_loss(theta, self.Xv, self.yv)


# ---------------------------------------------------------- computations

def gradient(pb):
    (g,) = torch.autograd.grad(pb.train_loss(pb.theta, pb.lam), pb.theta)
    return g


def train_grad_graph(pb):
    """dL_T/dtheta with its graph, for HVPs and J^T u."""
    (g,) = torch.autograd.grad(pb.train_loss(pb.theta, pb.lam), pb.theta,
                               create_graph=True)
    return g


def hvp(g, theta, u):
    (Hu,) = torch.autograd.grad(g, theta, u, retain_graph=True)
    return Hu


def val_grads(pb):
    """v = dL_V/dtheta and direct = dL_V/dlambda (zero: L_V has no decay)."""
    v, direct = torch.autograd.grad(pb.val_loss(pb.theta, pb.lam),
                                    [pb.theta, pb.lam], allow_unused=True)
    if direct is None:
        direct = torch.zeros_like(pb.lam)
    return v, direct


def neumann(g, theta, v, alpha, terms):
    """q = alpha sum_{j=0..terms} (I - alpha H)^j v, `terms` HVPs."""
    p = v.clone()
    cur = v
    for _ in range(terms):
        cur = cur - alpha * hvp(g, theta, cur)
        p = p + cur
    return alpha * p


def cg(g, theta, v, iters, tol=0.0):
    """Conjugate gradient on H q = v from q = 0, `iters` HVPs."""
    q = torch.zeros_like(v)
    r = v.clone()
    d = v.clone()
    rr = torch.dot(r, r)
    stop = (tol * torch.linalg.norm(v)) ** 2
    for _ in range(iters):
        Hd = hvp(g, theta, d)
        dHd = torch.dot(d, Hd)
        if not dHd > 0:  # H not positive definite (or converged to 0)
            break
        a = rr / dHd
        q = q + a * d
        r = r - a * Hd
        rr_new = torch.dot(r, r)
        if rr_new <= stop:
            break
        d = r + (rr_new / rr) * d
        rr = rr_new
    return q


def hessian(pb):
    return torch.autograd.functional.hessian(
        lambda th: pb.train_loss(th, pb.lam.detach()), pb.theta.detach(),
        vectorize=True)


def exact(pb, v):
    H = hessian(pb)
    L = torch.linalg.cholesky(H)
    return torch.cholesky_solve(v.unsqueeze(1), L).squeeze(1)


def hypergradient(pb, method):
    v, direct = val_grads(pb)
    g = train_grad_graph(pb)
    if method == "neumann":
        q = neumann(g, pb.theta, v, ALPHA, K)
    else:
        q = cg(g, pb.theta, v, K)
    (jtq,) = torch.autograd.grad(g, pb.lam, q)
    return direct - jtq


# ------------------------------------------------------------ cross-check

def closed_form_hessian(pb):
    X, n, d = pb.X, pb.X.shape[0], pb.d
    th = pb.theta.detach()
    if pb.kind == "ridge":
        s = torch.ones(n, dtype=DTYPE)
    else:
        z = X @ th[:-1] + th[-1]
        s = torch.sigmoid(z) * (1 - torch.sigmoid(z))
    Xa = torch.cat([X, torch.ones(n, 1, dtype=DTYPE)], 1)
    H = Xa.T @ (s.unsqueeze(1) * Xa) / n
    H[:d, :d] += torch.diag(torch.exp(pb.lam.detach()))
    return H


def rel(a, b):
    return (torch.linalg.norm(a - b) / max(torch.linalg.norm(b), 1e-300)).item()


def cross_check():
    """Stop with status 1 unless every check passes."""
    ok = True

    def check(name, value, limit):
        nonlocal ok
        good = math.isfinite(value) and value <= limit
        ok &= good
        print(f"  {'ok  ' if good else 'FAIL'} {name:62s} {value:9.2e}"
              f" (limit {limit:.0e})")

    print("Cross-check (PyTorch side, before timing):")
    for kind in MODELS:
        for P, n in ((10, 200), (40, 300)):
            pb = Problem(kind, P, n=n, m=n, seed=7)
            tag = f"{kind} P={P} n={n}:"
            H = hessian(pb)
            Hc = closed_form_hessian(pb)
            check(f"{tag} autograd H vs closed form", rel(H, Hc), 1e-12)
            g = train_grad_graph(pb)
            u = torch.sin(1.0 + torch.arange(P, dtype=DTYPE))
            check(f"{tag} double-backward HVP vs H u",
                  rel(hvp(g, pb.theta, u), Hc @ u), 1e-12)
            (jtu,) = torch.autograd.grad(g, pb.lam, u, retain_graph=True)
            jt_closed = torch.exp(pb.lam.detach()) * pb.theta.detach()[:-1] \
                * u[:-1]
            check(f"{tag} autograd J^T u vs e*w*u", rel(jtu, jt_closed), 1e-12)

            v, direct = val_grads(pb)
            q_exact = exact(pb, v)
            check(f"{tag} Cholesky solve residual |Hq - v|/|v|",
                  rel(Hc @ q_exact, v), 1e-10)
            # Neumann at the timed settings (alpha, 20 terms) against
            # V diag((1 - (1 - alpha e)^(K+1)) / e) V^T v
            e, V = torch.linalg.eigh(Hc)
            f = (1 - (1 - ALPHA * e) ** (K + 1)) / e
            q_closed = V @ (f * (V.T @ v))
            q_neu = neumann(g, pb.theta, v, ALPHA, K)
            check(f"{tag} Neumann K=20 vs closed form", rel(q_neu, q_closed),
                  1e-10)
            # Neumann with alpha = 1/e_max and enough terms converges to exact
            a = 1.0 / e.max().item()
            rho = max(abs(1 - a * e.min().item()), abs(1 - a * e.max().item()))
            Kc = min(int(math.ceil(math.log(1e-9) / math.log(rho))), 20000)
            q_long = neumann(g, pb.theta, v, a, Kc)
            bound = rho ** (Kc + 1) * torch.linalg.cond(Hc).item()
            check(f"{tag} Neumann K={Kc} (rho={rho:.3f}) vs exact",
                  rel(q_long, q_exact), max(10 * bound, 1e-9))
            # CG: P iterations reach the exact solution (up to conditioning)
            q_cg = cg(g, pb.theta, v, 2 * P)
            check(f"{tag} CG {2 * P} iterations vs exact", rel(q_cg, q_exact),
                  1e-7)
            hg = {m: hypergradient(pb, m) for m in ("neumann", "cg")}
            (jtq,) = torch.autograd.grad(g, pb.lam, q_exact, retain_graph=True)
            hg_exact = direct - jtq
            finite = all(bool(torch.isfinite(x).all())
                         for x in (hg["neumann"], hg["cg"], hg_exact))
            check(f"{tag} hypergradients finite (0 = yes)", 0.0 if finite
                  else math.inf, 0)
            if P <= 20:  # CG with K = 20 >= P iterations is exact
                check(f"{tag} CG-20 hypergradient vs exact",
                      rel(hg["cg"], hg_exact), 1e-7)
            # Neumann-20 (alpha 0.01) is a truncated series: only its
            # agreement with the closed form is exact; report how far it is
            (jtq,) = torch.autograd.grad(g, pb.lam, q_closed)
            check(f"{tag} Neumann-20 hypergradient vs its closed form",
                  rel(hg["neumann"], direct - jtq), 1e-10)
            print(f"       (Neumann-20, alpha {ALPHA}: relative distance to"
                  f" exact {rel(hg['neumann'], hg_exact):.3f}, bound on q"
                  f" max|1-alpha e|^21 = {(1 - ALPHA * e.min().item()) ** 21:.3f})")
    return ok


# ---------------------------------------------------------------- timing

def median_time(fn):
    fn()  # warm up
    times = []
    total = 0.0
    while len(times) < 200 and (len(times) < 7 or total < 0.2):
        t0 = time.perf_counter()
        fn()
        t = time.perf_counter() - t0
        times.append(t)
        total += t
    times.sort()
    return times[len(times) // 2]  # as bench.c: t[n/2]


def bench_torch():
    rows = {}
    for kind in MODELS:
        for P in SIZES:
            pb = Problem(kind, P)
            v, _ = val_grads(pb)
            u = torch.sin(1.0 + torch.arange(P, dtype=DTYPE))
            g = train_grad_graph(pb)
            r = {
                "grad": median_time(lambda: gradient(pb)),
                "hvp": median_time(lambda: hvp(g, pb.theta, u)),
                "exact": median_time(lambda: exact(pb, v)),
                "neumann20": median_time(lambda: hypergradient(pb, "neumann")),
                "cg20": median_time(lambda: hypergradient(pb, "cg")),
            }
            rows[(kind, P)] = r
            print(f"  torch {kind:8s} P={P:5d} " + " ".join(
                f"{c}={r[c] * 1e6:.1f}us" for c in COLUMNS), flush=True)
    return rows


MLP_ROWS = {}  # tag -> the latest C "mlp" row (shapes, settings, times)


def bench_c(path):
    out = subprocess.run([path, "--json", "--no-outer", "--no-families"], check=True,
                         stdout=subprocess.PIPE,
                         universal_newlines=True).stdout
    rows = {}
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        o = json.loads(line)
        if o.get("bench") == "mlp":
            MLP_ROWS.setdefault(o["tag"], []).append(o)
            continue
        if o.get("bench") != "hypergrad":
            continue
        rows[(o["model"], int(o["P"]))] = {
            "grad": o["grad_s"], "hvp": o["hvp_s"], "exact": o["exact_s"],
            "neumann20": o["neumann20_s"], "cg20": o["cg20_s"]}
    return rows


def median_rows(rounds):
    keys = set.intersection(*(set(r) for r in rounds))
    return {k: {c: statistics.median(r[k][c] for r in rounds) for c in COLUMNS}
            for k in keys}


def fmt_us(s):
    us = s * 1e6
    return f"{us:.1f}" if us < 1e4 else f"{us:.0f}"


def report(trows, crows):
    print()
    print("Median wall time per call in microseconds; ratio = PyTorch / C "
          "(> 1: C faster)")
    print(f"Goal (issue 2): a full hypergradient (neumann20, cg20) >= "
          f"{GOAL:g}x faster than PyTorch for P <= 1000")
    head = f"{'model':8s} {'P':>5s} "
    for c in COLUMNS:
        head += f"| {c:>9s}: {'C':>7s} {'torch':>8s} {'ratio':>6s} "
    print(head + "| goal")
    ratios = []
    missed = []
    for kind in MODELS:
        for P in SIZES:
            t = trows.get((kind, P))
            c = crows.get((kind, P)) if crows else None
            line = f"{kind:8s} {P:5d} "
            for col in COLUMNS:
                if c:
                    ratio = t[col] / c[col]
                    line += (f"| {'':>9s}  {fmt_us(c[col]):>7s} "
                             f"{fmt_us(t[col]):>8s} {ratio:5.1f}x ")
                else:
                    line += f"| {'':>9s}  {'-':>7s} {fmt_us(t[col]):>8s} {'-':>6s} "
            if c:
                rn = t["neumann20"] / c["neumann20"]
                rc = t["cg20"] / c["cg20"]
                ratios += [rn, rc]
                meets = rn >= GOAL and rc >= GOAL
                if not meets:
                    missed.append((kind, P, rn, rc))
                line += "| meets" if meets else "| MISSES"
            print(line)
    if ratios:
        gm = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"\nGeometric mean ratio of the full hypergradients "
              f"(neumann20, cg20, {len(ratios)} figures): {gm:.1f}x")
        if missed:
            print(f"Rows missing the {GOAL:g}x goal: " + "; ".join(
                f"{k} P={P} (neumann20 {rn:.1f}x, cg20 {rc:.1f}x)"
                for k, P, rn, rc in missed))
        else:
            print(f"Every row meets the {GOAL:g}x goal.")


# ------------------------------------------------------------------- MLP

MLP_GOALS = {"large": 1.5, "small": 20.0}
MLP_DEFAULT = {  # as ihgtui-bench's rows, when it is not run
    "large": {"widths": [784, 1000, 1000, 10], "n_train": 50, "n_val": 50,
              "terms": 5, "alpha": 0.02, "activation": "tanh"},
    "small": {"widths": [784, 10, 10], "n_train": 50, "n_val": 50,
              "terms": 5, "alpha": 0.02, "activation": "tanh"},
}


def bench_mlp_torch(tag, spec, images):
    m = torch_mlp.MLP(spec["widths"], spec.get("activation", "tanh"),
                      "per-weight")
    Xt, yt = torch_mlp.load_images(images, 0, spec["n_train"])
    Xv, yv = torch_mlp.load_images(images, spec["n_train"], spec["n_val"])
    gen = torch.Generator().manual_seed(1)
    theta = m.init_theta(gen)
    lam = torch.full((m.Hn,), -4.0, dtype=DTYPE)
    t = median_time(lambda: torch_mlp.hypergradient(
        m, theta, lam, Xt, yt, Xv, yv, "neumann", spec["terms"],
        spec["alpha"]))
    print(f"  torch mlp {tag:5s} widths={spec['widths']} Hn={m.Hn} "
          f"hypergradient={t * 1e3:.3f} ms", flush=True)
    return t


def mlp_compare(rounds_t, c_rows):
    print("\nMLP hypergradient (dL_V/dtheta + 5 Neumann terms + J^T q, "
          "float64 both sides), median ms; ratio = PyTorch / C")
    print(f"{'mlp':6s} {'widths':22s} {'hypers':>9s} {'C':>10s} {'torch':>10s}"
          f" {'ratio':>7s}  goal")
    for tag in ("large", "small"):
        ts = [r[tag] for r in rounds_t if tag in r]
        if not ts:
            continue
        t = statistics.median(ts)
        cs = [o["neumann_s"] for o in c_rows.get(tag, [])]
        spec = c_rows[tag][-1] if c_rows.get(tag) else MLP_DEFAULT[tag]
        hn = spec.get("Hn", "")
        if cs:
            c = statistics.median(cs)
            ratio = t / c
            goal = MLP_GOALS[tag]
            print(f"{tag:6s} {str(spec['widths']):22s} {hn:>9} {c * 1e3:10.3f}"
                  f" {t * 1e3:10.3f} {ratio:6.1f}x  >= {goal:g}x: "
                  f"{'meets' if ratio >= goal else 'MISSES'}")
        else:
            print(f"{tag:6s} {str(spec['widths']):22s} {hn:>9} {'-':>10s}"
                  f" {t * 1e3:10.3f} {'-':>7s}")



def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench", nargs="?", help="path to ihgtui-bench")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch.set_num_threads (default 1: see above)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="alternate C and PyTorch runs this many times and "
                    "report per-cell medians (the machine may be shared)")
    ap.add_argument("--no-mlp", action="store_true",
                    help="skip the MLP comparison")
    ap.add_argument("--images", default=torch_mlp.DEFAULT_IMAGES,
                    help="Fashion-MNIST IDX directory (MLP comparison)")
    ap.add_argument("--check-only", action="store_true",
                    help="run the numerical cross-check only")
    args = ap.parse_args()

    try:
        ncpu = len(os.sched_getaffinity(0))
    except AttributeError:
        ncpu = os.cpu_count() or 1
    threads = max(1, args.threads)
    torch.set_num_threads(threads)
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "unset: one per CPU")
    print(f"PyTorch {torch.__version__}, float64, CPU, "
          f"torch.set_num_threads({threads}); OPENBLAS_NUM_THREADS {blas} "
          f"(both sides); {ncpu} CPUs available")

    if not cross_check():
        print("cross-check FAILED: no timing")
        return 1
    if args.check_only:
        return 0

    crounds, trounds, mlp_rounds = [], [], []
    for rnd in range(args.rounds):
        if args.rounds > 1:
            print(f"\nRound {rnd + 1} of {args.rounds}")
        if args.bench:
            print(f"Running {args.bench} --json ...", flush=True)
            crows = bench_c(args.bench)
            for (kind, P), r in sorted(crows.items()):
                print(f"  C     {kind:8s} P={P:5d} " + " ".join(
                    f"{c}={r[c] * 1e6:.1f}us" for c in COLUMNS))
            crounds.append(crows)
        print("Timing PyTorch ...", flush=True)
        trounds.append(bench_torch())
        if not args.no_mlp and torch_mlp.have_images(args.images):
            specs = {tag: (MLP_ROWS[tag][-1] if MLP_ROWS.get(tag)
                           else MLP_DEFAULT[tag]) for tag in MLP_GOALS}
            mlp_rounds.append({tag: bench_mlp_torch(tag, spec, args.images)
                               for tag, spec in specs.items()})
    trows = median_rows(trounds)
    crows = median_rows(crounds) if crounds else None
    if args.rounds > 1:
        print(f"\n(each figure below: the median over {args.rounds} rounds of"
              " per-round medians)")
    report(trows, crows)
    if mlp_rounds:
        mlp_compare(mlp_rounds, MLP_ROWS)
    elif args.no_mlp:
        print("MLP comparison skipped (--no-mlp)")
    else:
        print(f"MLP comparison skipped: Fashion-MNIST not found in "
              f"{args.images} (Debian package dataset-fashion-mnist)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

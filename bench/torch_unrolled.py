#!/usr/bin/env python3
"""torch_unrolled.py IHGTUI-BENCH [--images DIR] [--threads N] [--rounds R]

The unrolled hypergradient of `make bench` (bench/bench.c, bench_unrolled)
written with PyTorch autograd: a 784-100-10 tanh MLP with one weight decay
per weight (float64), T = 20 steps of gradient descent (lr 0.1) on 50
Fashion-MNIST training images with create_graph=True, then
dL_V/dlambda of the cross-entropy on 50 validation images by
torch.autograd.grad through the 20 steps -- the same loop ihgtui
differentiates in reverse mode.  The C figures come from
`IHGTUI-BENCH --unrolled-only --json`.  The two sides are timed in turn,
--rounds times (default 3), each a median of at least 7 runs, and the
ratio PyTorch / C is taken within each round, so that a shared machine's
load, which changes from minute to minute, weighs on both sides of a
ratio alike; the median ratio and the range over rounds are printed
(goal: at least 3x).  Exit 0, or 77 without torch or the data set.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_mlp  # noqa: E402

torch = torch_mlp.torch
T, LR, N = 20, 0.1, 50
GOAL = 3.0


def unrolled(m, theta0, lam0, Xt, yt, Xv, yv):
    lam = lam0.clone().requires_grad_(True)
    theta = theta0.clone().requires_grad_(True)
    for _ in range(T):
        (g,) = torch.autograd.grad(m.train_loss(theta, lam, Xt, yt), theta,
                                   create_graph=True)
        theta = theta - LR * g
    (dlam,) = torch.autograd.grad(m.data_loss(theta, Xv, yv), lam)
    return dlam


def median_time(fn, rounds):
    fn()  # warm-up
    ts = []
    total = 0.0
    while len(ts) < 7 * rounds or total < 1.0:
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        ts.append(dt)
        total += dt
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench", help="path to ihgtui-bench")
    ap.add_argument("--images", default=torch_mlp.DEFAULT_IMAGES)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch and OpenBLAS threads (default 1: the machine is shared)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--experiment", default=None)
    args = ap.parse_args()
    if torch is None:
        print("PyTorch not available: unrolled comparison skipped")
        return 77
    if not os.path.exists(torch_mlp.idx_path(args.images, "train-images-idx3-ubyte")):
        print("Fashion-MNIST not installed: unrolled comparison skipped")
        return 77
    torch.set_num_threads(args.threads)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(args.threads))
    cmd = [args.bench, "--unrolled-only", "--json"]
    if args.experiment:
        cmd += ["--experiment", args.experiment]
    m = torch_mlp.MLP([784, 100, 10], "tanh", "per-weight")
    Xt, yt = torch_mlp.load_images(args.images, 0, N)
    Xv, yv = torch_mlp.load_images(args.images, N, N)
    gen = torch.Generator().manual_seed(1)
    theta0 = m.init_theta(gen)
    lam0 = torch.full((m.Hn,), -4.0, dtype=torch_mlp.DTYPE)
    rows, ts, ratios = [], [], []
    for _ in range(args.rounds):
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        rr = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
        rows += rr
        c = [r["whole_s"] for r in rr if not r["checkpoint"]][0]
        t = median_time(lambda: unrolled(m, theta0, lam0, Xt, yt, Xv, yv), 1)
        ts.append(t)
        ratios.append(t / c)
    c_whole = statistics.median(r["whole_s"] for r in rows if not r["checkpoint"])
    c_rev = statistics.median(r["reverse_s"] for r in rows if not r["checkpoint"])
    c_ck = statistics.median(r["whole_s"] for r in rows if r["checkpoint"])
    mem = {r["checkpoint"]: r["bytes"] for r in rows}
    tp = rows[0]["tp_bytes"]
    t = statistics.median(ts)
    ratio = statistics.median(ratios)
    print(f"\nUnrolled hypergradient, MLP 784-100-10, {m.Hn} per-weight decays, "
          f"T = {T} SGD steps on {N} images, float64, {args.threads} thread(s), "
          f"medians over {args.rounds} rounds, ms:")
    print(f"  ihgtui  (20 recorded steps + reverse pass) {c_whole * 1e3:9.2f}"
          f"   (reverse pass alone {c_rev * 1e3:.2f}; with checkpointing "
          f"{c_ck * 1e3:.2f})")
    print(f"  PyTorch (20 steps, create_graph, grad)     {t * 1e3:9.2f}")
    print(f"  ratio PyTorch / ihgtui {ratio:.1f}x (rounds {min(ratios):.1f}x .. "
          f"{max(ratios):.1f}x; goal >= {GOAL:g}x: {'meets' if ratio >= GOAL else 'MISSES'})")
    print(f"  memory held: {mem.get(False, 0) / 2**20:.1f} MB (T P doubles: "
          f"{tp / 2**20:.1f} MB, + O(P)); checkpointing "
          f"{mem.get(True, 0) / 2**20:.1f} MB (O(sqrt(T) P))")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""torch_families.py [--rounds N] [--images DIR] [PATH_TO_ihgtui-bench]

One outer step of issue 11's two shipped experiments written as a PyTorch
user would write them (float64, CPU, torch.set_num_threads(1) as
bench/torch_bench.py explains), timed as bench/bench.c times them (one
warm-up, then the median of --rounds, default 5), and printed beside the C
figures of `ihgtui-bench --families-only --json`:

augment  experiments/fashion_augment.yaml (the first 1,000 / 1,000 /
         10,000 Fashion-MNIST training, validation and test images; the C
         side draws its own, which does not change the work):
         20 SGD steps (lr 0.1) of softmax regression on minibatches of 100
         images augmented by x + 0.5 tanh(g([x; eps])), g = 800-64-784 tanh
         (16 noise inputs, fresh per step), decay exp(-6) on W;
         the record's metrics (accuracy on the 1,000 training and 1,000
         validation images, loss and accuracy on the 10,000 test images);
         v = dL_V/dtheta; 20 CG iterations on H q = v, H by double backward
         on the 1,000 augmented training images (one noise draw);
         J^T q = d/dlambda <dL_T/dtheta, q> through the augmenter;
         one Adam step (lr 0.003) on the 102,224 weights of g.
imaml    experiments/sinusoid_imaml.yaml, one meta-batch without the
         held-out test: 10 sinusoid tasks (10 support, 10 query points),
         a 1-40-40-1 tanh network; for each task 40 gradient steps (0.005)
         from lambda on its support loss + 1/2 ||w - lambda||^2, then
         v_t = grad of its query loss / 10, 10 CG iterations on
         (grad^2 L_S + I) q_t = v_t (iMAML's per-task CG, double-backward
         HVPs), and the meta-gradient -sum_t q_t (J = -I); one Adam step
         (lr 0.003) on the 1,761 entries of lambda.

Exit 0; "PyTorch not available: comparison skipped" without torch.
"""
import argparse
import gzip
import json
import math
import os
import statistics
import subprocess
import sys
import time

DEFAULT_IMAGES = "/usr/share/datasets/fashion-mnist"


def median_time(fn, rounds):
    fn()  # warm-up
    ts = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def read_idx(path, n):
    opener = gzip.open if os.path.exists(path + ".gz") else open
    path = path + ".gz" if os.path.exists(path + ".gz") else path
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic == 0x801:
        return list(data[8:8 + n])
    rows, cols = int.from_bytes(data[8:12], "big"), int.from_bytes(data[12:16], "big")
    return data[16:16 + n * rows * cols], rows * cols


def augment_step(torch, images):
    F = torch.nn.functional
    pix, d = read_idx(os.path.join(images, "train-images-idx3-ubyte"), 2000)
    lab = read_idx(os.path.join(images, "train-labels-idx1-ubyte"), 2000)
    tpix, _ = read_idx(os.path.join(images, "t10k-images-idx3-ubyte"), 10000)
    tlab = read_idx(os.path.join(images, "t10k-labels-idx1-ubyte"), 10000)
    X = torch.tensor(list(pix), dtype=torch.float64).view(2000, d) / 255
    Y = torch.tensor(lab)
    Xtr, Ytr, Xva, Yva = X[:1000], Y[:1000], X[1000:], Y[1000:]
    Xte = torch.tensor(list(tpix), dtype=torch.float64).view(10000, d) / 255
    Yte = torch.tensor(tlab)
    k, n_eps, h, s, decay = 10, 16, 64, 0.5, math.exp(-6)
    g = torch.Generator().manual_seed(0)
    W = (torch.randn(k, d, generator=g) / math.sqrt(d)).requires_grad_()
    b = torch.zeros(k, requires_grad=True)
    sizes = [h * (d + n_eps), h, d * h, d]
    lam = torch.cat([torch.randn(sizes[0], generator=g) / math.sqrt(d + n_eps),
                     torch.zeros(h), 0.1 * torch.randn(sizes[2], generator=g) / math.sqrt(h),
                     torch.zeros(d)]).requires_grad_()
    opt = torch.optim.Adam([lam], lr=0.003)
    theta = [W, b]

    def aug(x, eps, lam):
        W1, b1, W2, b2 = torch.split(lam, sizes)
        hid = torch.tanh(torch.cat([x, eps], 1) @ W1.view(h, d + n_eps).T + b1)
        return x + s * torch.tanh(hid @ W2.view(d, h).T + b2)

    def LT(x, y):
        return F.cross_entropy(x @ W.T + b, y) + 0.5 * decay * (W ** 2).sum()

    def step():
        perm = torch.randperm(1000, generator=g)
        for t in range(20):
            idx = perm[(t % 10) * 100:(t % 10) * 100 + 100]
            with torch.no_grad():
                xa = aug(Xtr[idx], torch.randn(100, n_eps, generator=g), lam)
            gr = torch.autograd.grad(LT(xa, Ytr[idx]), theta)
            with torch.no_grad():
                for p, q in zip(theta, gr):
                    p -= 0.1 * q
        with torch.no_grad():  # the record's metrics
            for Xs, Ys in ((Xtr, Ytr), (Xva, Yva), (Xte, Yte)):
                z = Xs @ W.T + b
                (z.argmax(1) == Ys).double().mean().item()
            F.cross_entropy(Xte @ W.T + b, Yte).item()
        v = torch.autograd.grad(F.cross_entropy(Xva @ W.T + b, Yva), theta)
        eps = torch.randn(1000, n_eps, generator=g)
        with torch.no_grad():
            xa = aug(Xtr, eps, lam)
        gt = torch.autograd.grad(LT(xa, Ytr), theta, create_graph=True)

        def hvp(u):
            return torch.autograd.grad(gt, theta, u, retain_graph=True)
        q = [torch.zeros_like(p) for p in theta]
        r = [vi.clone() for vi in v]
        dvec = [ri.clone() for ri in r]
        rr = sum((ri * ri).sum() for ri in r)
        for _ in range(20):
            Hd = hvp(dvec)
            a = rr / sum((di * hi).sum() for di, hi in zip(dvec, Hd))
            q = [qi + a * di for qi, di in zip(q, dvec)]
            r = [ri - a * hi for ri, hi in zip(r, Hd)]
            rr_new = sum((ri * ri).sum() for ri in r)
            dvec = [ri + (rr_new / rr) * di for ri, di in zip(r, dvec)]
            rr = rr_new
        g2 = torch.autograd.grad(LT(aug(Xtr, eps, lam), Ytr), theta, create_graph=True)
        jtq = torch.autograd.grad(sum((gi * qi.detach()).sum() for gi, qi in zip(g2, q)), lam)[0]
        opt.zero_grad()
        lam.grad = -jtq
        opt.step()
    return step


def imaml_step(torch):
    B, K, Q, gamma, lr, steps = 10, 10, 10, 1.0, 0.005, 40
    widths = [1, 40, 40, 1]
    g = torch.Generator().manual_seed(0)
    parts = []
    for a, c in zip(widths[:-1], widths[1:]):
        parts += [torch.randn(c * a, generator=g) / math.sqrt(a), torch.zeros(c)]
    lam = torch.cat(parts).requires_grad_()
    opt = torch.optim.Adam([lam], lr=0.003)
    shapes = []
    for a, c in zip(widths[:-1], widths[1:]):
        shapes += [(c, a), (c,)]
    sizes = [math.prod(sh) for sh in shapes]

    def f(w, x):
        ps = torch.split(w, sizes)
        h = x
        for i in range(0, len(ps), 2):
            h = h @ ps[i].view(shapes[i]).T + ps[i + 1]
            if i + 2 < len(ps):
                h = torch.tanh(h)
        return h

    def mse2(w, x, y):
        return 0.5 * ((f(w, x) - y) ** 2).mean()

    def step():
        A = 0.1 + 4.9 * torch.rand(B, 1, 1, generator=g)
        phi = math.pi * torch.rand(B, 1, 1, generator=g)
        xs = -5 + 10 * torch.rand(B, K, 1, generator=g)
        xq = -5 + 10 * torch.rand(B, Q, 1, generator=g)
        ys, yq = A * torch.sin(xs - phi), A * torch.sin(xq - phi)
        lam0 = lam.detach()
        meta = torch.zeros_like(lam0)
        for t in range(B):
            w = lam0.clone().requires_grad_()
            for _ in range(steps):
                loss = mse2(w, xs[t], ys[t]) + 0.5 * gamma * ((w - lam0) ** 2).sum()
                gw, = torch.autograd.grad(loss, w)
                w = (w - lr * gw).detach().requires_grad_()
            v, = torch.autograd.grad(mse2(w, xq[t], yq[t]) / B, w)
            loss = mse2(w, xs[t], ys[t]) + 0.5 * gamma * ((w - lam0) ** 2).sum()
            gw, = torch.autograd.grad(loss, w, create_graph=True)
            q, r = torch.zeros_like(v), v.clone()
            d, rr = r.clone(), (r * r).sum()
            for _ in range(10):
                Hd, = torch.autograd.grad(gw, w, d, retain_graph=True)
                a = rr / (d * Hd).sum()
                q, r = q + a * d, r - a * Hd
                rr_new = (r * r).sum()
                d, rr = r + (rr_new / rr) * d, rr_new
            meta += gamma * q  # -J^T q with J = -gamma I
        opt.zero_grad()
        lam.grad = meta
        opt.step()
    return step


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench", nargs="?", help="ihgtui-bench, for the C figures")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--images", default=DEFAULT_IMAGES)
    a = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("PyTorch not available: comparison skipped")
        return 0
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    c = {}
    if a.bench:
        out = subprocess.run([a.bench, "--families-only", "--json"], check=True,
                             stdout=subprocess.PIPE, universal_newlines=True).stdout
        for line in out.splitlines():
            if line.startswith("{"):
                r = json.loads(line)
                c[r["bench"]] = r["outer_s"]
    rows = []
    if os.path.exists(os.path.join(a.images, "train-images-idx3-ubyte.gz")) or \
            os.path.exists(os.path.join(a.images, "train-images-idx3-ubyte")):
        rows.append(("augment", "fashion_augment outer step", augment_step(torch, a.images)))
    else:
        print("augment: skipped (Fashion-MNIST not installed)")
    rows.append(("imaml", "sinusoid_imaml meta-batch", imaml_step(torch)))
    print("Issue 11's experiments, one outer step: C (ihgtui-bench) against PyTorch "
          f"(median of {a.rounds})")
    for tag, what, fn in rows:
        t = median_time(fn, a.rounds)
        cs = c.get(f"{tag}_outer")
        if cs:
            print(f"  {what:28s} C {1e3 * cs:8.1f} ms   PyTorch {1e3 * t:8.1f} ms   "
                  f"ratio {t / cs:5.1f}x")
        else:
            print(f"  {what:28s} PyTorch {1e3 * t:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""torch_mlp.py --check IHGTUI [--images DIR] [--keep DIR]

The MLP of models/mlp.c with per-weight (or global) decay, written in
PyTorch (autograd, float64) as an independent implementation, and its IFT
hypergradient with the Neumann series (Lorraine et al. 2020, Algorithm 3)
or conjugate gradients, by double-backward Hessian-vector products.
Imported by bench/torch_bench.py (timing); run with --check by
tests/test_mlp_torch.sh (correctness):

  --check writes small Fashion-MNIST subsets as CSV files, runs
  `IHGTUI --batch --vectors` on small MLP experiments (two hidden layers,
  tanh and softplus, per-weight and global decay, Neumann and CG), and
  recomputes, from theta and lambda on every JSON line, the training and
  validation losses and the hypergradient; relative differences must stay
  below 1e-8 (losses 1e-10).  Exit 0 pass, 1 fail, 77 skipped (no torch, no
  data set).

Layout (as models/mlp.c): theta = W_1 (n_1 x n_0, row-major), b_1, W_2, b_2,
..., W_L, b_L; lambda = the log decays of every weight in theta order
(per-weight) or one (global).
  L_T = mean cross-entropy + 1/2 sum_j exp(lambda_j) w_j^2,  L_V = mean
  cross-entropy on the validation rows; dL_V/dlambda = 0, so the
  hypergradient is -J^T q with q = alpha sum_{j=0..K} (I - alpha H)^j v
  (Neumann) or CG's K-th iterate on H q = v (stopping when ||r|| <= tol
  ||v||), v = dL_V/dtheta, H and J the second derivatives of L_T.
"""
import argparse
import gzip
import json
import math
import os
import subprocess
import sys
import tempfile

try:
    import torch
    import torch.nn.functional as F
except Exception:  # ImportError, or a broken installation
    torch = None

DTYPE = None if torch is None else torch.float64
DEFAULT_IMAGES = "/usr/share/datasets/fashion-mnist"


# ------------------------------------------------------------------ data

def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    n = int.from_bytes(data[4:8], "big")
    if magic == 0x801:
        return n, 0, data[8:8 + n]
    if magic != 0x803:
        raise ValueError(f"{path}: not an IDX file (magic {magic:#x})")
    d = int.from_bytes(data[8:12], "big") * int.from_bytes(data[12:16], "big")
    return n, d, data[16:16 + n * d]


def idx_path(images_dir, stem):
    p = os.path.join(images_dir, stem)
    if os.path.exists(p + ".gz"):
        return p + ".gz"
    return p if os.path.exists(p) else None


def have_images(images_dir):
    return idx_path(images_dir, "train-images-idx3-ubyte") is not None


def load_images(images_dir, start, count, split="train"):
    """Rows start..start+count of a split: (X as float64 / 255, y as long)."""
    n, d, pix = read_idx(idx_path(images_dir, f"{split}-images-idx3-ubyte"))
    _, _, lab = read_idx(idx_path(images_dir, f"{split}-labels-idx1-ubyte"))
    raw = pix[start * d:(start + count) * d]
    X = torch.frombuffer(bytearray(raw), dtype=torch.uint8).to(DTYPE)
    X = X.reshape(count, d) / 255.0
    y = torch.tensor(list(lab[start:start + count]), dtype=torch.long)
    return X, y


# ----------------------------------------------------------------- model

def softplus(z):
    # log(1 + e^z) without overflow; smooth, so double backward is exact
    return torch.clamp(z, min=0) + torch.log1p(torch.exp(-torch.abs(z)))


class MLP:
    def __init__(self, widths, activation="tanh", hyper="per-weight"):
        self.widths = list(widths)
        self.act = torch.tanh if activation == "tanh" else softplus
        self.hyper = hyper
        self.layers = []  # (woff, boff, n_out, n_in, loff)
        off = loff = 0
        for l in range(1, len(widths)):
            n_out, n_in = widths[l], widths[l - 1]
            self.layers.append((off, off + n_out * n_in, n_out, n_in, loff))
            loff += n_out * n_in
            off += n_out * n_in + n_out
        self.P = off
        self.Hn = loff if hyper == "per-weight" else 1

    def init_theta(self, gen):
        theta = torch.zeros(self.P, dtype=DTYPE)
        for woff, boff, n_out, n_in, _ in self.layers:
            theta[woff:boff] = torch.randn(n_out * n_in, generator=gen,
                                           dtype=DTYPE) / math.sqrt(n_in)
        return theta

    def logits(self, theta, X):
        A = X
        last = len(self.layers) - 1
        for i, (woff, boff, n_out, n_in, _) in enumerate(self.layers):
            W = theta[woff:boff].view(n_out, n_in)
            Z = torch.addmm(theta[boff:boff + n_out], A, W.t())
            A = Z if i == last else self.act(Z)
        return A

    def data_loss(self, theta, X, y):
        return F.cross_entropy(self.logits(theta, X), y)

    def decay(self, theta, lam):
        total = 0.0
        for woff, boff, n_out, n_in, loff in self.layers:
            w = theta[woff:boff]
            e = torch.exp(lam[loff:loff + n_out * n_in]
                          if self.hyper == "per-weight" else lam[0])
            total = total + 0.5 * torch.sum(e * w * w)
        return total

    def train_loss(self, theta, lam, X, y):
        return self.data_loss(theta, X, y) + self.decay(theta, lam)


def hypergradient(m, theta, lam, Xt, yt, Xv, yv, method="neumann", K=5,
                  alpha=0.02, tol=1e-10):
    """dL_V/dlambda at (theta, lambda): -J^T q (dL_V/dlambda = 0)."""
    theta = theta.detach().requires_grad_(True)
    lam = lam.detach().requires_grad_(True)
    (v,) = torch.autograd.grad(m.data_loss(theta, Xv, yv), theta)
    (g,) = torch.autograd.grad(m.train_loss(theta, lam, Xt, yt), theta,
                               create_graph=True)

    def hvp(u):
        (Hu,) = torch.autograd.grad(g, theta, u, retain_graph=True)
        return Hu

    if method == "neumann":
        p = v.clone()
        cur = v
        for _ in range(K):
            cur = cur - alpha * hvp(cur)
            p = p + cur
        q = alpha * p
    else:  # cg, as src/hypergrad.c: from q = 0, stop at ||r|| <= tol ||v||
        q = torch.zeros_like(v)
        r = v.clone()
        d = v.clone()
        rr = torch.dot(r, r)
        stop = (tol * torch.linalg.norm(v)) ** 2
        for _ in range(K):
            if rr <= stop:
                break
            Hd = hvp(d)
            dHd = torch.dot(d, Hd)
            if not dHd > 0:
                break
            a = rr / dHd
            q = q + a * d
            r = r - a * Hd
            rr_new = torch.dot(r, r)
            d = r + (rr_new / rr) * d
            rr = rr_new
    (jtq,) = torch.autograd.grad(g, lam, q)
    return -jtq


# ----------------------------------------------------------------- check

CASES = [
    # name, hidden, activation, hyper, init_log_decay, method, K, alpha
    ("tanh-2layer-perweight-neumann", [16, 12], "tanh", "per-weight", -3.0,
     "neumann", 5, 0.02),
    ("softplus-global-neumann", [10], "softplus", "global", -2.0,
     "neumann", 10, 0.05),
    ("tanh-perweight-cg", [8], "tanh", "per-weight", -3.0, "cg", 8, 0.0),
]


def write_csv(path, X, y):
    with open(path, "w") as f:
        f.write(",".join(f"p{j}" for j in range(X.shape[1])) + ",label\n")
        for row, lab in zip(X.tolist(), y.tolist()):
            f.write(",".join(repr(v) for v in row) + f",{lab}\n")


def rel(a, b):
    return (torch.linalg.norm(a - b) / max(torch.linalg.norm(b).item(),
                                           1e-300)).item()


def check(ihgtui, images, keep=None):
    tmp = None
    if keep:
        os.makedirs(keep, exist_ok=True)
        work = keep
    else:
        tmp = tempfile.TemporaryDirectory(prefix="mlp_torch.")
        work = tmp.name
    Xt, yt = load_images(images, 0, 40)
    Xv, yv = load_images(images, 40, 30)
    train_csv = os.path.join(work, "train.csv")
    val_csv = os.path.join(work, "val.csv")
    write_csv(train_csv, Xt, yt)
    write_csv(val_csv, Xv, yv)
    passed = failed = 0

    def report(ok, what):
        nonlocal passed, failed
        print(("PASS: " if ok else "FAIL: ") + what, flush=True)
        if ok:
            passed += 1
        else:
            failed += 1

    for name, hidden, act, hyper, ild, method, K, alpha in CASES:
        exp = os.path.join(work, name + ".yaml")
        solver = (f"  method: neumann\n  terms: {K}\n  alpha: {alpha}\n"
                  if method == "neumann" else
                  f"  method: cg\n  iters: {K}\n")
        with open(exp, "w") as f:
            f.write(f"name: {name}\nseed: 3\n"
                    f"data:\n  train: {train_csv}\n  val: {val_csv}\n"
                    f"model:\n  kind: mlp\n  hidden: {hidden}\n"
                    f"  activation: {act}\n  hyper: {hyper}\n"
                    f"  init_log_decay: {ild}\n  init_scale: 0.01\n"
                    f"inner:\n  optimizer: sgd\n  lr: 0.1\n  steps: 10\n"
                    f"outer:\n  optimizer: adam\n  lr: 0.2\n  steps: 3\n"
                    f"hypergrad:\n{solver}")
        p = subprocess.run([ihgtui, "--batch", "--vectors", exp],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        if p.returncode != 0:
            report(False, f"{name}: ihgtui exit {p.returncode}: "
                   f"{p.stderr.strip()}")
            continue
        lines = [json.loads(s) for s in p.stdout.splitlines()
                 if s.startswith("{")]
        m = MLP([Xt.shape[1]] + hidden + [10], act, hyper)
        report(len(lines) == 3, f"{name}: 3 JSON lines ({len(lines)})")
        for o in lines:
            theta = torch.tensor(o["theta"], dtype=DTYPE)
            lam = torch.tensor(o["lambda"], dtype=DTYPE)
            hg_c = torch.tensor(o["hypergrad"], dtype=DTYPE)
            tag = f"{name} outer {o['outer']}"
            if theta.numel() != m.P or lam.numel() != m.Hn:
                report(False, f"{tag}: sizes P {theta.numel()} (expected "
                       f"{m.P}), Hn {lam.numel()} (expected {m.Hn})")
                continue
            with torch.no_grad():
                lt = m.train_loss(theta, lam, Xt, yt).item()
                lv = m.data_loss(theta, Xv, yv).item()
            e = abs(lt - o["train_loss"]) / abs(lt)
            report(e <= 1e-10, f"{tag}: train loss {o['train_loss']:.12g} vs "
                   f"torch {lt:.12g} (rel {e:.1e})")
            e = abs(lv - o["val_loss"]) / abs(lv)
            report(e <= 1e-10, f"{tag}: val loss {o['val_loss']:.12g} vs "
                   f"torch {lv:.12g} (rel {e:.1e})")
            hg_t = hypergradient(m, theta, lam, Xt, yt, Xv, yv, method, K,
                                 alpha)
            e = rel(hg_c, hg_t)
            spread = float(lam.max() - lam.min())
            report(e <= 1e-8, f"{tag}: hypergradient ({method}, K={K}, "
                   f"{m.Hn} hyperparameters, lambda spread {spread:.2g}) "
                   f"rel. difference {e:.1e} (|g| = "
                   f"{torch.linalg.norm(hg_t).item():.3g})")
    print(f"{passed} passed, {failed} failed")
    if tmp:
        tmp.cleanup()
    return 0 if failed == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", metavar="IHGTUI", required=True)
    ap.add_argument("--images", default=DEFAULT_IMAGES)
    ap.add_argument("--keep", metavar="DIR",
                    help="keep the CSV and YAML files here")
    args = ap.parse_args()
    if torch is None:
        print("PyTorch not available: skipped")
        return 77
    if not have_images(args.images):
        print(f"Fashion-MNIST not found in {args.images} (Debian package "
              "dataset-fashion-mnist): skipped")
        return 77
    torch.set_num_threads(1)
    return check(args.check, args.images, args.keep)


if __name__ == "__main__":
    sys.exit(main())

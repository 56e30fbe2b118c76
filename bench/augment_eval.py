#!/usr/bin/env python3
"""augment_eval.py [--ihgtui PATH] [--experiment FILE] [--seeds 0,1,2,3,4]
                   [--outer N] [--jobs J] [--images DIR] [--no-show]

Learned data augmentation on Fashion-MNIST (experiments/fashion_augment.yaml):
the test accuracy (all 10,000 test images) of the classifier trained with
the learned augmenter, without augmentation, and with a hand-written
augmentation (random shifts and pixel noise), over several seeds; mean +-
sample standard deviation.

For every seed S the experiment runs three times, `ihgtui --batch --seed S`:
  learned  as shipped: the augmenter's weights are the hyperparameters,
           tuned on the validation images by the IFT hypergradient;
  none     --set model.augment=none: the same training on the clean images
           (the hyperparameters are not in L_T: nothing is learned);
  fixed    --set model.augment=fixed: shifts of up to fixed_shift pixels
           and N(0, fixed_noise^2) pixel noise, drawn per image and step.
The three see the same data (the seed draws the 1,000 training and 1,000
validation images), the same initial weights and the same minibatches;
each trains for outer.steps x inner.steps SGD steps.  The number reported
is the test accuracy (and loss) of the last outer step's record: no
choice is made on the test set.

Then, unless --no-show, what the augmenter learned (seed 0): the learned run
once more with --vectors, and its final lambda applied, in numpy, to the
first training images of the Fashion-MNIST file with fresh noise (numpy's,
not the program's: the augmenter is the same function of [x; eps]):
  mean |x~ - x|          how much it changes a pixel, at the start (the
                         initial lambda) and at the end;
  noise share            the part of the change's variance that comes from
                         eps (over 64 noise draws of one image): 0 means a
                         fixed transformation of each image, 1 pure noise;
  pictures               an image, its augmentations under two draws, and
                         the change, as text (darker = larger value).
Needs numpy for the last part; the rest is standard library only.
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_IMAGES = "/usr/share/datasets/fashion-mnist"
MODES = ("learned", "none", "fixed")


def find_ihgtui():
    for p in (os.path.join(os.getcwd(), "ihgtui"),
              os.path.join(HERE, "..", "ihgtui")):
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return "ihgtui"


def run(cmd, env=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=env)
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p.stdout


def one_run(ihgtui, experiment, seed, mode, outer, env):
    cmd = [ihgtui, "--batch", "--seed", str(seed),
           "--set", f"model.augment={mode}", experiment]
    if outer:
        cmd[2:2] = ["--outer", str(outer)]
    last = json.loads(run(cmd, env).strip().splitlines()[-1])
    return last["test_acc"], last["test_loss"], last["val_acc"], last["train_acc"]


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[4:8], "big")
    rows = int.from_bytes(data[8:12], "big")
    cols = int.from_bytes(data[12:16], "big")
    return n, rows, cols, data[16:16 + n * rows * cols]


def array(value, workdir, np):
    """An array of a --vectors record: inline, or a .npy file beside it."""
    if isinstance(value, dict) and "npy" in value:
        return np.load(os.path.join(workdir, value["npy"]))
    return np.asarray(value, dtype=float)


def augmenter(lam, widths, np):
    """The augmenter g as a function of its input rows (models/net_core.h:
    W_l row-major n_l x n_(l-1), then b_l; tanh between layers)."""
    layers, off = [], 0
    for a, b in zip(widths[:-1], widths[1:]):
        W = lam[off:off + a * b].reshape(b, a)
        off += a * b
        layers.append((W, lam[off:off + b]))
        off += b
    if off != lam.size:
        raise SystemExit(f"lambda has {lam.size} entries, the augmenter {off}")

    def g(X):
        for i, (W, b) in enumerate(layers):
            X = X @ W.T + b
            if i + 1 < len(layers):
                X = np.tanh(X)
        return X
    return g


def picture(rows, cols, images, lo, hi):
    """Images side by side as text, two pixel rows per line."""
    ramp = " .:-=+*#%@"
    lines = []
    for r in range(0, rows, 2):
        parts = []
        for img in images:
            s = ""
            for c in range(cols):
                v = (img[r * cols + c] + img[min(r + 1, rows - 1) * cols + c]) / 2
                t = min(max((v - lo) / (hi - lo), 0.0), 1.0)
                s += ramp[int(t * (len(ramp) - 1) + 0.5)]
            parts.append(s)
        lines.append("  ".join(parts))
    return "\n".join(lines)


def show(ihgtui, experiment, images_dir, outer, workdir):
    try:
        import numpy as np
    except ImportError:
        print("\n(numpy not available: what the augmenter learned is not shown)")
        return
    out = os.path.join(workdir, "learned-vectors.jsonl")
    cmd = [ihgtui, "--batch", "--vectors", "-o", out, "--seed", "0", experiment]
    if outer:
        cmd[2:2] = ["--outer", str(outer)]
    run(cmd)
    first = last = None
    with open(out) as f:
        for line in f:
            if first is None:
                first = line
            last = line
    first, last = json.loads(first), json.loads(last)
    lam0, lam1 = array(first["lambda"], workdir, np), array(last["lambda_next"], workdir, np)
    with open(experiment) as f:
        text = f.read()

    def key(name, default):
        for line in text.splitlines():
            s = line.strip()
            if s.startswith(name + ":"):
                return s.split(":", 1)[1].split("#")[0].strip()
        return default
    hidden = [int(x) for x in key("aug_hidden", "[64]").strip("[]").split(",")]
    n_eps, scale = int(key("aug_noise", "16")), float(key("aug_scale", "0.5"))
    path = os.path.join(images_dir, "train-images-idx3-ubyte")
    path = path + ".gz" if os.path.exists(path + ".gz") else path
    n, rows, cols, pix = read_idx(path)
    d = rows * cols
    X = np.frombuffer(pix[:16 * d], dtype=np.uint8).reshape(16, d) / 255.0
    rng = np.random.default_rng(0)
    print(f"\nWhat the augmenter learned (seed 0, x~ = x + {scale} tanh(g([x; eps])), "
          f"{lam1.size} weights):")
    for tag, lam in (("start", lam0), ("end", lam1)):
        g = augmenter(lam, [d + n_eps] + hidden + [d], np)
        E = rng.standard_normal((16, n_eps))
        change = scale * np.tanh(g(np.hstack([X, E])))
        # the noise share: 64 draws of eps for image 0
        Xr = np.repeat(X[:1], 64, axis=0)
        C = scale * np.tanh(g(np.hstack([Xr, rng.standard_normal((64, n_eps))])))
        total = float(np.mean(C ** 2))
        noise = float(np.mean(np.var(C, axis=0)))
        print(f"  {tag:5s}  mean |x~ - x| = {np.mean(np.abs(change)):.4f}   "
              f"noise share = {noise / total if total > 0 else 0:.3f}")
    g = augmenter(lam1, [d + n_eps] + hidden + [d], np)
    for i in range(2):
        x = X[i:i + 1]
        a1 = x + scale * np.tanh(g(np.hstack([x, rng.standard_normal((1, n_eps))])))
        a2 = x + scale * np.tanh(g(np.hstack([x, rng.standard_normal((1, n_eps))])))
        print(f"\n  image {i}: original, two augmentations (grey 0..1), the first "
              "change (grey -0.5..0.5)")
        left = picture(rows, cols, [x[0], a1[0], a2[0]], 0.0, 1.0).splitlines()
        right = picture(rows, cols, [a1[0] - x[0]], -0.5, 0.5).splitlines()
        for a, b in zip(left, right):
            print("  " + a + "  " + b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ihgtui", default=None, help="the program (default: "
                    "./ihgtui, else ../ihgtui beside bench/, else PATH)")
    ap.add_argument("--experiment",
                    default=os.path.join(HERE, "..", "experiments", "fashion_augment.yaml"))
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--outer", type=int, default=0,
                    help="outer steps (default: the experiment's)")
    ap.add_argument("--jobs", type=int, default=2,
                    help="runs at a time (each with one BLAS thread)")
    ap.add_argument("--images", default=DEFAULT_IMAGES,
                    help="the Fashion-MNIST directory (for the pictures)")
    ap.add_argument("--no-show", action="store_true",
                    help="skip what the augmenter learned")
    a = ap.parse_args()
    ihgtui = a.ihgtui or find_ihgtui()
    seeds = [int(s) for s in a.seeds.split(",")]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    jobs = [(s, m) for s in seeds for m in MODES]
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futs = {j: ex.submit(one_run, ihgtui, a.experiment, j[0], j[1], a.outer, env)
                for j in jobs}
        res = {j: f.result() for j, f in futs.items()}

    def ms(xs):
        m = statistics.mean(xs)
        sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
        return f"{m:.4f} +- {sd:.4f}"
    print(f"{'seed':>4}  " + "  ".join(f"{m:>16s}" for m in MODES) +
          "   (test accuracy / test loss)")
    for s in seeds:
        print(f"{s:>4}  " + "  ".join(f"{res[(s, m)][0]:.4f} / {res[(s, m)][1]:.4f}"
                                       for m in MODES))
    print()
    for m in MODES:
        acc = [res[(s, m)][0] for s in seeds]
        loss = [res[(s, m)][1] for s in seeds]
        va = [res[(s, m)][2] for s in seeds]
        tr = [res[(s, m)][3] for s in seeds]
        print(f"{m:>8s}: test acc {ms(acc)}   test loss {ms(loss)}   "
              f"val acc {ms(va)}   train acc {ms(tr)}")
    wins = sum(res[(s, 'learned')][0] > res[(s, 'none')][0] for s in seeds)
    print(f"\nlearned beats none on {wins} of {len(seeds)} seeds")
    if not a.no_show:
        with tempfile.TemporaryDirectory() as wd:
            show(ihgtui, a.experiment, a.images, a.outer, wd)
    return 0


if __name__ == "__main__":
    sys.exit(main())

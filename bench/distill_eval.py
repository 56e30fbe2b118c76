#!/usr/bin/env python3
"""distill_eval.py [--ihgtui PATH] [--experiment FILE] [--seeds 0,1,2,3,4]
                   [--outer N] [--images DIR] [--workdir DIR]

Dataset distillation on Fashion-MNIST (experiments/fashion_distill.yaml):
the test accuracy of softmax regression trained only on the 10 distilled
images, against the same model trained on 10 random real images (one per
class), over several seeds; mean +- sample standard deviation.

For every seed S:
  distilled  `ihgtui --batch --vectors --seed S EXPERIMENT` learns the 10
             images (lambda).  The final images (lambda_next of the last
             outer step) are written as a 10-row CSV, and a fresh model is
             trained on them alone (see "evaluation").
  real       one image per class drawn at random (Python's random.Random(S))
             from the Fashion-MNIST training file, the same evaluation.
  means      the class-mean images the distillation starts from (the
             experiment's first record: theta*(lambda_0) on the same test
             images), for reference.

Evaluation of a set of 10 images: the experiment itself (same model, same
fixed decay, same inner solver, same seed for theta's initialisation) with
its data section replaced by CSV files: data.train = the 10 images (the
distill model starts lambda at the per-class mean of data.train, i.e. at
exactly these images), data.test = all 10,000 Fashion-MNIST test images
(the experiment's n_test: 10000 is the same set), data.val = 100 training
images (unused: the hyperparameters do not move), and
`--outer 1 --set outer.lr=0`: one outer step, whose record holds the
test accuracy of theta*(images), the inner problem solved to the
experiment's tolerance (Newton, ||grad L_T|| <= 1e-8; L_T is strongly
convex, so theta* does not depend on where training starts).

Pixels are written to the CSV files as repr(k / 255), which reads back as
the very double the IDX reader computes.  Standard library only.
"""
import argparse
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_IMAGES = "/usr/share/datasets/fashion-mnist"


def find_ihgtui():
    for p in (os.path.join(os.getcwd(), "ihgtui"),
              os.path.join(HERE, "..", "ihgtui")):
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return "ihgtui"


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    n = int.from_bytes(data[4:8], "big")
    if magic == 0x801:
        return n, 0, data[8:8 + n]
    if magic != 0x803:
        raise SystemExit(f"{path}: not an IDX file (magic {magic:#x})")
    rows = int.from_bytes(data[8:12], "big")
    cols = int.from_bytes(data[12:16], "big")
    return n, rows * cols, data[16:16 + n * rows * cols]


def load_split(images_dir, split):
    def path(stem):
        p = os.path.join(images_dir, stem)
        return p + ".gz" if os.path.exists(p + ".gz") else p
    n, d, pix = read_idx(path(f"{split}-images-idx3-ubyte"))
    _, _, lab = read_idx(path(f"{split}-labels-idx1-ubyte"))
    return n, d, pix, lab


SCALED = [repr(k / 255) for k in range(256)]


def write_csv(path, rows):
    """rows: (pixels as a sequence of floats or a bytes slice, label)."""
    with open(path, "w") as f:
        d = len(rows[0][0])
        f.write(",".join(f"p{j}" for j in range(d)) + ",label\n")
        for px, y in rows:
            if isinstance(px, (bytes, bytearray)):
                cells = [SCALED[b] for b in px]
            else:
                cells = [repr(float(v)) for v in px]
            f.write(",".join(cells) + f",{int(y)}\n")


def experiment_without_data(text):
    """The experiment's YAML with its top-level data: block removed."""
    out, skip = [], False
    for line in text.splitlines():
        top = line and not line[0].isspace() and not line.startswith("#")
        if top:
            skip = line.split(":")[0].strip() == "data"
        if not skip:
            out.append(line)
    return "\n".join(out) + "\n"


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p.stdout


def evaluate(ihgtui, base_yaml, workdir, tag, images, val_csv, test_csv, seed):
    """Test accuracy of theta*(images): one outer step, lambda fixed."""
    train_csv = os.path.join(workdir, f"{tag}.csv")
    write_csv(train_csv, [(img, c) for c, img in enumerate(images)])
    exp = os.path.join(workdir, f"{tag}.yaml")
    with open(exp, "w") as f:
        f.write(base_yaml)
        f.write(f"data:\n  train: {train_csv}\n  val: {val_csv}\n"
                f"  test: {test_csv}\n")
    out = run([ihgtui, "--batch", "--seed", str(seed), "--outer", "1",
               "--set", "outer.lr=0", exp])
    rec = json.loads(out.strip().splitlines()[-1])
    return rec["test_acc"], rec["test_loss"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ihgtui", default=None, help="the program (default: "
                    "./ihgtui, else ../ihgtui beside bench/, else PATH)")
    ap.add_argument("--experiment",
                    default=os.path.join(HERE, "..", "experiments",
                                         "fashion_distill.yaml"))
    ap.add_argument("--seeds", default="0,1,2,3,4")
    ap.add_argument("--outer", type=int, default=0,
                    help="outer steps (default: the experiment's)")
    ap.add_argument("--images", default=DEFAULT_IMAGES,
                    help="Fashion-MNIST IDX directory (the experiment must "
                    "use the same: data.images.dir)")
    ap.add_argument("--workdir", default=None,
                    help="keep the CSV files and logs here (default: a "
                    "temporary directory, removed)")
    args = ap.parse_args()
    ihgtui = args.ihgtui or find_ihgtui()
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    if not os.path.exists(os.path.join(args.images,
                                       "train-images-idx3-ubyte.gz")) and \
            not os.path.exists(os.path.join(args.images,
                                            "train-images-idx3-ubyte")):
        print(f"Fashion-MNIST not found in {args.images} (Debian package "
              "dataset-fashion-mnist): skipped")
        return 77
    with open(args.experiment) as f:
        base_yaml = experiment_without_data(f.read())

    tmp = None
    if args.workdir:
        os.makedirs(args.workdir, exist_ok=True)
        workdir = args.workdir
    else:
        tmp = tempfile.TemporaryDirectory(prefix="distill_eval.")
        workdir = tmp.name

    ntr, d, trpix, trlab = load_split(args.images, "train")
    nte, _, tepix, telab = load_split(args.images, "t10k")
    test_csv = os.path.join(workdir, "test.csv")
    write_csv(test_csv, [(tepix[i * d:(i + 1) * d], telab[i])
                         for i in range(nte)])
    val_csv = os.path.join(workdir, "val.csv")
    write_csv(val_csv, [(trpix[i * d:(i + 1) * d], trlab[i])
                        for i in range(100)])
    by_class = {}
    for i in range(ntr):
        by_class.setdefault(trlab[i], []).append(i)
    k = len(by_class)

    res = {"distilled": [], "real": [], "means": [], "last_record": []}
    print(f"{'seed':>4s} {'distilled':>10s} {'real 1/class':>13s} "
          f"{'class means':>12s}  (test accuracy on {nte} images)", flush=True)
    for seed in seeds:
        cmd = [ihgtui, "--batch", "--vectors", "--seed", str(seed)]
        if args.outer > 0:
            cmd += ["--outer", str(args.outer)]
        cmd.append(args.experiment)
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL,
                             universal_newlines=True)
        first = last = None
        log = open(os.path.join(workdir, f"distill_seed{seed}.jsonl"), "w")
        for line in p.stdout:
            if not line.startswith("{"):
                continue
            last = line
            o = json.loads(line)
            if first is None:
                first = dict(o)
            for key in ("theta", "lambda", "hypergrad", "lambda_next"):
                o.pop(key, None)
            log.write(json.dumps(o) + "\n")
        log.close()
        if p.wait() != 0 or last is None:
            raise SystemExit(f"failed: {' '.join(cmd)}")
        last = json.loads(last)
        lam = last["lambda_next"]
        images = [lam[c * d:(c + 1) * d] for c in range(k)]
        acc_d, _ = evaluate(ihgtui, base_yaml, workdir, f"distilled_seed{seed}",
                            images, val_csv, test_csv, seed)
        rng = random.Random(seed)
        picks = [rng.choice(by_class[c]) for c in range(k)]
        real = [trpix[i * d:(i + 1) * d] for i in picks]
        acc_r, _ = evaluate(ihgtui, base_yaml, workdir, f"real_seed{seed}",
                            real, val_csv, test_csv, seed)
        if seed == seeds[0]:
            # the evaluation route itself: lambda_0 (the class means) through
            # the CSV files must give the experiment's first record
            lam0 = first["lambda"]
            acc0, _ = evaluate(ihgtui, base_yaml, workdir, f"means_seed{seed}",
                               [lam0[c * d:(c + 1) * d] for c in range(k)],
                               val_csv, test_csv, seed)
            ok = abs(acc0 - first["test_acc"]) <= 1.5 / nte
            print(f"     check: the class means evaluated through CSV give "
                  f"{acc0:.4f}, the experiment's first record "
                  f"{first['test_acc']:.4f}: {'ok' if ok else 'MISMATCH'}",
                  flush=True)
            if not ok:
                return 1
        res["distilled"].append(acc_d)
        res["real"].append(acc_r)
        res["means"].append(first["test_acc"])
        res["last_record"].append(last["test_acc"])
        print(f"{seed:4d} {acc_d:10.4f} {acc_r:13.4f} {first['test_acc']:12.4f}"
              f"   (training images {picks}; last record's test acc "
              f"{last['test_acc']:.4f} after {last['outer']} outer steps)",
              flush=True)

    def ms(xs):
        sd = statistics.stdev(xs) if len(xs) > 1 else float("nan")
        return f"{statistics.mean(xs):.4f} +- {sd:.4f}"
    print(f"\nTest accuracy over {len(seeds)} seeds (mean +- sd):")
    print(f"  10 distilled images      {ms(res['distilled'])}")
    print(f"  10 real images (1/class) {ms(res['real'])}")
    print(f"  10 class-mean images     {ms(res['means'])} (the initialisation)")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

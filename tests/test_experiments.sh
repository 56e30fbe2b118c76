#!/bin/sh
# test_experiments.sh - the Fashion-MNIST experiments as shipped: both
# files validate (--check loads their data), the distillation's first
# outer step runs and reports train/val/test accuracy, and the overfitting
# experiment's model has the promised size (1,794,000 hyperparameters).  Skipped (77) without the data
# set (Debian package dataset-fashion-mnist).
top_srcdir=${top_srcdir:-.}
IHGTUI=${IHGTUI:-./ihgtui}
PYTHON3=${PYTHON3:-python3}
IMAGES=/usr/share/datasets/fashion-mnist
[ -x "$IHGTUI" ] || { echo "no binary $IHGTUI"; exit 77; }
if [ ! -r "$IMAGES/train-images-idx3-ubyte.gz" ] &&
   [ ! -r "$IMAGES/train-images-idx3-ubyte" ]; then
    echo "Fashion-MNIST not installed (dataset-fashion-mnist): skipped"; exit 77
fi
command -v "$PYTHON3" >/dev/null 2>&1 || { echo "no python3: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ihgtui-exp.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

for e in fashion_overfit fashion_distill; do
    check "$e.yaml validates with its data" \
        "$IHGTUI" --check "$top_srcdir/experiments/$e.yaml"
done

"$IHGTUI" --batch --outer 1 "$top_srcdir/experiments/fashion_distill.yaml" \
    > "$tmp/distill.jsonl" 2> "$tmp/err"
check "fashion_distill: one outer step runs" test $? -eq 0
check "fashion_distill: the record has test accuracy above chance" \
    "$PYTHON3" -c "
import json, sys
o = json.loads(open('$tmp/distill.jsonl').readline())
sys.exit(0 if o['test_acc'] > 0.5 and o['val_acc'] > 0.5 and o['hvps'] > 0 else 1)"

"$IHGTUI" --check "$top_srcdir/experiments/fashion_overfit.yaml" > "$tmp/check" 2>&1
check "fashion_overfit: 1,796,010 parameters, 1,794,000 per-weight decays" \
    grep -q 'P = 1796010 parameters, 1794000 hyperparameters, 50 train / 50 val / 1000 test rows' "$tmp/check"

echo "$fails failed"
[ "$fails" -eq 0 ]

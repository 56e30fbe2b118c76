#!/bin/sh
# test_figures.sh - `--batch --figures DIR` on every shipped experiment
# (short runs): the right files, SVG that is valid XML and carries each
# plotted series, PDF, PNG of the asked size; and the rules of outputs: made
# only once the inputs load, never onto an input, write errors loud.
top_srcdir=${top_srcdir:-.}
IHGTUI=${IHGTUI:-./ihgtui}
PYTHON3=${PYTHON3:-python3}
[ -x "$IHGTUI" ] || { echo "no binary $IHGTUI"; exit 77; }
command -v "$PYTHON3" >/dev/null 2>&1 || { echo "no python3: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ihgtui-fig.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
ex="$top_srcdir/experiments"
chk="$top_srcdir/tests/check_figures.py"
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

# --- every shipped experiment, two outer steps, compared at each
for f in "$ex"/*.yaml; do
    name=$(basename "$f" .yaml)
    case $name in lesson_*) continue ;; esac # lessons: test_lessons.sh
    vec=--vectors
    case $name in fashion_*) vec= ;; esac # 1.8M numbers a line: not needed
    "$IHGTUI" --batch --compare $vec --outer 2 --figures "$tmp/$name" "$f" \
        > "$tmp/$name.jsonl" 2> "$tmp/$name.err"
    rc=$?
    check "$name: --figures run exits 0 (got $rc)" [ "$rc" -eq 0 ]
    check "$name: figures hold the run's series" \
        "$PYTHON3" "$chk" run "$tmp/$name" "$tmp/$name.jsonl" 1280 800
done
check "fashion_distill: the distilled images as a PNG" [ -s "$tmp/fashion_distill/images.png" ]
check "softmax_digits: no images for a model whose lambda is not images" \
    [ ! -e "$tmp/softmax_digits/images.png" ]

# --- without --compare the run compares at its last outer step itself
"$IHGTUI" --batch --outer 3 --figures "$tmp/plain" "$ex/quadratic.yaml" > "$tmp/plain.jsonl" 2>/dev/null
check "without --compare: hypergrad_error and spectrum of the last step" \
    [ -s "$tmp/plain/hypergrad_error.svg" -a -s "$tmp/plain/spectrum.png" ]
check "without --compare: the JSON lines are those of a plain run" \
    "$PYTHON3" -c "
import json
ls = [json.loads(l) for l in open('$tmp/plain.jsonl')]
assert len(ls) == 3 and all('compare' not in l for l in ls)"
"$IHGTUI" --batch --outer 3 "$ex/quadratic.yaml" > "$tmp/nofig.jsonl" 2>/dev/null
check "--figures leaves the run's numbers as they are" "$PYTHON3" -c "
import json
a = [json.loads(l) for l in open('$tmp/plain.jsonl')]
b = [json.loads(l) for l in open('$tmp/nofig.jsonl')]
for x, y in zip(a, b):
    x.pop('seconds'); y.pop('seconds')
assert a == b"

# --- the size asked for
"$IHGTUI" --batch --outer 2 --figures "$tmp/small" --figure-size 640x400 \
    "$ex/softmax_digits.yaml" > /dev/null 2>&1
for f in losses accuracy hypergrad_error spectrum lambda; do
    check "--figure-size 640x400: $f.png is 640 x 400" \
        "$PYTHON3" "$chk" png "$tmp/small/$f.png" 640 400
done
"$IHGTUI" --batch --outer 1 --figures "$tmp/tall" --figure-size 500x900 \
    "$ex/fashion_distill.yaml" > /dev/null 2>&1
check "--figure-size 500x900: images.png is 500 x 900" \
    "$PYTHON3" "$chk" png "$tmp/tall/images.png" 500 900

# --- bad command lines
for bad in 10x10 1280 x800 1280x 1280x800x2 abc 99999x800 -1280x800; do
    "$IHGTUI" --batch --figures "$tmp/bad" --figure-size "$bad" "$ex/quadratic.yaml" \
        > /dev/null 2> "$tmp/err"
    rc=$?
    check "--figure-size $bad refused with status 2 (got $rc)" [ "$rc" -eq 2 ]
done
check "--figure-size says what it needs" grep -q 'WIDTHxHEIGHT' "$tmp/err"
"$IHGTUI" --figures "$tmp/x" "$ex/quadratic.yaml" > /dev/null 2>&1 < /dev/null
check "--figures without --batch refused (status 2)" [ $? -eq 2 ]
"$IHGTUI" --batch --figure-size 800x600 "$ex/quadratic.yaml" > /dev/null 2>&1
check "--figure-size without --figures refused (status 2)" [ $? -eq 2 ]

# --- outputs: after the inputs load, never onto an input, errors loud
printf 'model:\n  kind: quadratic\nouter:\n  steps: nope\n' > "$tmp/bad.yaml"
"$IHGTUI" --batch --figures "$tmp/notmade" "$tmp/bad.yaml" > /dev/null 2>&1
rc=$?
check "bad experiment: status 2 and no figures directory made" \
    [ "$rc" -eq 2 -a ! -e "$tmp/notmade" ]
: > "$tmp/afile"
"$IHGTUI" --batch --outer 1 --figures "$tmp/afile" "$ex/quadratic.yaml" > /dev/null 2> "$tmp/err"
rc=$?
check "--figures onto a file: status 1 with a message" \
    [ "$rc" -eq 1 -a -s "$tmp/err" -a ! -s "$tmp/afile" ]
cp "$ex/quadratic.yaml" "$tmp/exp.yaml"
cp "$tmp/exp.yaml" "$tmp/exp.orig"
mkdir "$tmp/trap"
ln -s "$tmp/exp.yaml" "$tmp/trap/losses.svg"
"$IHGTUI" --batch --outer 1 --figures "$tmp/trap" "$tmp/exp.yaml" > /dev/null 2> "$tmp/err"
rc=$?
check "a figure that is the experiment file: refused (status $rc)" [ "$rc" -ne 0 ]
check "... the experiment file is untouched" cmp -s "$tmp/exp.yaml" "$tmp/exp.orig"
check "... and the message names it" grep -q 'refusing to overwrite' "$tmp/err"
if [ -w /dev/full ]; then
    mkdir "$tmp/full"
    ln -s /dev/full "$tmp/full/losses.png"
    "$IHGTUI" --batch --outer 1 --figures "$tmp/full" "$ex/quadratic.yaml" \
        > /dev/null 2> "$tmp/err"
    rc=$?
    check "a figure onto /dev/full: status 1 (got $rc)" [ "$rc" -eq 1 ]
    check "... with 'write error' and the file's name" grep -q 'losses.png.*write error' "$tmp/err"
fi

[ "$fails" -eq 0 ]

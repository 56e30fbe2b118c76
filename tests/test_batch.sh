#!/bin/sh
# test_batch.sh - headless runs end to end: the command line, JSON Lines
# output, and every hypergradient in `--compare --vectors` output checked by
# an independent implementation (tests/check_batch.py).
top_srcdir=${top_srcdir:-.}
IHGTUI=${IHGTUI:-./ihgtui}
PYTHON3=${PYTHON3:-python3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ihgtui-batch.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
    what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

[ -x "$IHGTUI" ] || { echo "no binary $IHGTUI"; exit 77; }
if ! command -v "$PYTHON3" >/dev/null 2>&1; then
    echo "python3 not found: skipping"; exit 77
fi

# --- the command line ---------------------------------------------------
"$IHGTUI" --help > "$tmp/help" 2>&1; st=$?
check "--help exits 0" test $st -eq 0
check "--help shows usage" grep -q '^Usage: ihgtui' "$tmp/help"
"$IHGTUI" --version > "$tmp/version"; st=$?
check "--version exits 0 and names the program" sh -c "[ $st -eq 0 ] && grep -q '^ihgtui [0-9]' '$tmp/version'"
"$IHGTUI" --no-such-option > /dev/null 2>&1; st=$?
check "an unknown option exits 2" test $st -eq 2
"$IHGTUI" --batch a.yaml b.yaml > /dev/null 2>&1; st=$?
check "two files exit 2" test $st -eq 2
"$IHGTUI" --batch "$tmp/missing.yaml" > /dev/null 2> "$tmp/err"; st=$?
check "a missing file exits 2" test $st -eq 2
check "a missing file is named in the message" grep -q 'missing.yaml' "$tmp/err"
"$IHGTUI" --dump-default > "$tmp/default.yaml"; st=$?
check "--dump-default prints the built-in lesson" sh -c "[ $st -eq 0 ] && grep -q 'kind: quadratic' '$tmp/default.yaml'"
"$IHGTUI" --check "$tmp/default.yaml" > "$tmp/out" 2>&1; st=$?
check "--check accepts the built-in lesson" test $st -eq 0

# --- every shipped experiment runs headless (lessons: test_lessons.sh) -------
for f in "$top_srcdir"/experiments/*.yaml; do
    name=$(basename "$f")
    case $name in lesson_*) continue ;; esac
    "$IHGTUI" --check "$f" > /dev/null 2> "$tmp/err"; st=$?
    check "--check $name" test $st -eq 0
    "$IHGTUI" --batch --outer 2 "$f" > "$tmp/run.jsonl" 2> "$tmp/err"; st=$?
    check "--batch --outer 2 $name exits 0 ($(head -c 200 "$tmp/err"))" test $st -eq 0
    n=$(wc -l < "$tmp/run.jsonl")
    check "--batch --outer 2 $name writes 2 lines (got $n)" test "$n" -eq 2
done

# --- the built-in lesson's experiment: output options, determinism -----------
"$IHGTUI" --batch --slide 1 --outer 3 > "$tmp/a.jsonl" 2>/dev/null
"$IHGTUI" --batch --slide 1 --outer 3 --output "$tmp/b.jsonl" 2>/dev/null
strip() { sed 's/"seconds":[^,}]*//g' "$1"; }
strip "$tmp/a.jsonl" > "$tmp/a.s"; strip "$tmp/b.jsonl" > "$tmp/b.s"
check "--output writes what stdout gets" cmp -s "$tmp/a.s" "$tmp/b.s"
check "--outer 3 gives 3 lines" test "$(wc -l < "$tmp/a.jsonl")" -eq 3
"$IHGTUI" --batch --slide 1 --set outer.steps=5 --set inner.steps=7 > "$tmp/c.jsonl" 2>/dev/null
check "--set outer.steps=5 gives 5 lines" test "$(wc -l < "$tmp/c.jsonl")" -eq 5
check "--set inner.steps=7 is used" grep -q '"inner_steps":7,' "$tmp/c.jsonl"
"$IHGTUI" --batch --slide 1 --set inner.nope=1 > /dev/null 2> "$tmp/err"; st=$?
check "--set with an unknown key exits 2" test $st -eq 2
d="$top_srcdir/tests/batch"
"$IHGTUI" --batch --seed 5 "$d/softmax.yaml" > "$tmp/s1" 2>/dev/null
"$IHGTUI" --batch --seed 5 "$d/softmax.yaml" > "$tmp/s2" 2>/dev/null
"$IHGTUI" --batch --seed 6 "$d/softmax.yaml" > "$tmp/s3" 2>/dev/null
strip "$tmp/s1" > "$tmp/s1.s"; strip "$tmp/s2" > "$tmp/s2.s"; strip "$tmp/s3" > "$tmp/s3.s"
check "same seed: identical numbers" cmp -s "$tmp/s1.s" "$tmp/s2.s"
check "another seed: other numbers" sh -c "! cmp -s '$tmp/s1.s' '$tmp/s3.s'"
"$PYTHON3" -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    for k in ("outer", "inner_steps", "train_loss", "val_loss", "train_acc", "val_acc",
              "grad_norm", "hypergrad_norm", "method", "hvps", "seconds"):
        assert k in r, k
' "$tmp/s1" 2> "$tmp/err"
check "records carry the documented fields ($(head -c 200 "$tmp/err"))" test $? -eq 0

# --- a diverging run stops with status 3 and leaves complete lines -----------
"$IHGTUI" --batch --slide 1 --set hypergrad.alpha=1.0 --set hypergrad.terms=30 > "$tmp/div.jsonl" 2> "$tmp/err"; st=$?
check "a diverging Neumann series exits 3" test $st -eq 3
check "the divergence is explained" grep -q 'Neumann series diverges' "$tmp/err"
"$PYTHON3" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/div.jsonl"
check "the lines before the stop are valid JSON" test $? -eq 0

# --- a killed run leaves whole lines -----------------------------------------
: > "$tmp/killed.jsonl"   # exists before the background job opens it
"$IHGTUI" --batch --compare --vectors --outer 1000 "$top_srcdir/experiments/softmax_digits.yaml" \
    > "$tmp/killed.jsonl" 2>/dev/null &
pid=$!
n=0
while [ "$n" -lt 300 ] && [ "$(wc -l < "$tmp/killed.jsonl")" -lt 2 ]; do
    sleep 0.1; n=$((n + 1))
done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
"$PYTHON3" -c '
import json, sys
data = open(sys.argv[1]).read()
assert data and data.endswith("\n"), "no complete line"
for l in data.splitlines():
    json.loads(l)
' "$tmp/killed.jsonl" 2> "$tmp/err"
check "SIGKILL mid-run leaves only whole JSON lines ($(wc -l < "$tmp/killed.jsonl") lines; $(head -c 120 "$tmp/err"))" test $? -eq 0

# --- independent check of every hypergradient --------------------------------
for m in ridge logistic softmax; do
    "$IHGTUI" --batch --compare --vectors "$d/$m.yaml" > "$tmp/$m.jsonl" 2> "$tmp/err"; st=$?
    check "$m: --compare --vectors exits 0" test $st -eq 0
    "$PYTHON3" "$top_srcdir/tests/check_batch.py" "$m" "$d/${m}_train.csv" \
        "$d/${m}_val.csv" "$tmp/$m.jsonl" > "$tmp/check.out" 2>&1
    grep -E '^(PASS|FAIL): ' "$tmp/check.out"
    n=$(grep -c '^FAIL: ' "$tmp/check.out")
    if [ "$n" -ne 0 ] || ! grep -q ' 0 failed$' "$tmp/check.out"; then
        fails=$((fails + 1)); echo "FAIL: $m: independent check did not pass"; cat "$tmp/check.out" | tail -5
    fi
done

[ $fails -eq 0 ]

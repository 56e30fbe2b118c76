#!/bin/sh
# test_lessons.sh - every shipped lesson (experiments/lesson_*.yaml) checks,
# plays headless to its end (every slide's actions succeed, every question's
# reveal computes its answer and the answer picks one of the choices), and
# shows what its notes promise; the built-in lesson is the one shipped.
top_srcdir=${top_srcdir:-.}
IHGTUI=${IHGTUI:-./ihgtui}
PYTHON3=${PYTHON3:-python3}
IMAGES=/usr/share/datasets/fashion-mnist
[ -x "$IHGTUI" ] || { echo "no binary $IHGTUI"; exit 77; }
command -v "$PYTHON3" >/dev/null 2>&1 || { echo "no python3: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ihgtui-lessons.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
ex="$top_srcdir/experiments"
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
have_images=0
[ -r "$IMAGES/train-images-idx3-ubyte.gz" ] || [ -r "$IMAGES/train-images-idx3-ubyte" ] &&
    have_images=1

for f in "$ex"/lesson_*.yaml; do
    name=$(basename "$f" .yaml)
    if [ "$name" = lesson_millions ] && [ $have_images -eq 0 ]; then
        echo "skip $name: Fashion-MNIST not installed"
        continue
    fi
    "$IHGTUI" --check "$f" > "$tmp/check" 2>&1
    check "$name: --check ($(head -c 160 "$tmp/check"))" grep -q ': ok: lesson' "$tmp/check"
    "$IHGTUI" --batch "$f" > "$tmp/$name.jsonl" 2> "$tmp/$name.err"
    st=$?
    check "$name: plays to its end (status $st; $(head -c 200 "$tmp/$name.err"))" [ $st -eq 0 ]
    check "$name: every slide, every answer" "$PYTHON3" -c "
import json, math, sys
ls = [json.loads(l) for l in open('$tmp/$name.jsonl')]
assert 1 <= len(ls) <= 12, 'a dozen slides at most, got %d' % len(ls)
assert [l['slide'] for l in ls] == list(range(1, len(ls) + 1))
asked = 0
for l in ls:
    assert l['title'], l
    q = l.get('question')
    if not q:
        continue
    asked += 1
    assert 'value' in q and q['value'] is not None, (l['slide'], q)
    if 'choices' in q:
        assert q['correct'] in q['choices'], (l['slide'], q)
assert asked >= 3, 'questions: %d' % asked
"
done

# --- what each lesson shows -------------------------------------------------
py() { "$PYTHON3" -c "import json; ls = [json.loads(l) for l in open('$tmp/$1.jsonl')]; $2"; }
check "lesson_ift: 14 Neumann terms for 1 %, 2 CG iterations (P = 2)" py lesson_ift "
assert ls[2]['question']['value'] == 14 and ls[3]['question']['value'] == 2"
check "lesson_ift: alpha = 0.5 leaves the band and the next step stops" py lesson_ift "
assert ls[4]['question']['shown'] == 'no' and 'Neumann series diverges' in ls[5]['stopped']"
check "lesson_ift: alpha* = 2/(l_min + l_max) is what the comparison says" py lesson_ift "
c = ls[6]['compare']; q = ls[6]['question']
assert abs(q['value'] - 2 / (c['eig_min'] + c['eig_max'])) < 1e-12 * q['value']
assert abs(ls[6]['alpha'] - q['value']) < 0.1 and ls[6]['compare']['rho'] < 0.5"
check "lesson_ift: the run reaches its 30 outer steps and L_V falls below 1e-4" py lesson_ift "
assert ls[8]['outer'] == 30 and ls[8]['question']['value'] < 1e-4"
check "lesson_neumann_cg: CG exact within P = 11 iterations; Neumann at rho < 1" py lesson_neumann_cg "
assert ls[1]['question']['value'] <= 11 and ls[2]['question']['value'] < 1"
check "lesson_neumann_cg: divergence at alpha = 0.5, alpha* improves Neumann 100-fold" py lesson_neumann_cg "
assert 'stopped' in ls[5]
assert ls[7]['question']['value'] < ls[3]['question']['value'] / 100"
check "lesson_explicit: the IFT gives the learning rate exactly 0, unrolled does not" py lesson_explicit "
assert ls[0]['question']['value'] == 0 and ls[1]['question']['value'] > 0.05"
check "lesson_explicit: the unrolled lr hypergradient is ~0 at T = 160" py lesson_explicit "
assert abs(ls[2]['question']['value']) < 1e-8"
check "lesson_explicit: learning the lr lowers it (log lr below -4)" py lesson_explicit "
assert ls[3]['question']['value'] < -4"
if [ $have_images -eq 1 ]; then
    check "lesson_millions: validation accuracy 1.0 while test accuracy stays below 0.8" \
        py lesson_millions "
assert ls[1]['question']['value'] == 1.0 and ls[2]['question']['value'] < 0.8"
    check "lesson_millions: ten distilled images beat ten real ones" py lesson_millions "
assert ls[4]['question']['value'] > ls[5]['question']['value'] + 0.1"
fi

# --- the built-in lesson ----------------------------------------------------
"$IHGTUI" --dump-default > "$tmp/default.yaml"
check "the built-in lesson is experiments/lesson_ift.yaml" cmp -s "$tmp/default.yaml" "$ex/lesson_ift.yaml"
"$IHGTUI" --batch > "$tmp/builtin.jsonl" 2>/dev/null
check "ihgtui --batch without a file plays it" "$PYTHON3" -c "
import json
a = [json.loads(l) for l in open('$tmp/builtin.jsonl')]
b = [json.loads(l) for l in open('$tmp/lesson_ift.jsonl')]
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k != 'seconds'}
    return x
assert [strip(x) for x in a] == [strip(x) for x in b]"

# --- command lines -------------------------------------------------------
"$IHGTUI" --batch --compare "$ex/lesson_ift.yaml" > /dev/null 2> "$tmp/err"
check "--compare with a lesson asks for --slide (status 2)" sh -c "[ $? -eq 2 ] && grep -q -- '--slide' '$tmp/err'"
"$IHGTUI" --batch --compare --slide 3 --outer 2 "$ex/lesson_neumann_cg.yaml" > "$tmp/s3.jsonl" 2>/dev/null
check "--slide 3 runs the experiment of slide 3 (ridge, 2 lines)" sh -c "[ \$(wc -l < '$tmp/s3.jsonl') -eq 2 ]"
"$IHGTUI" --batch --slide 13 "$ex/lesson_ift.yaml" > /dev/null 2> "$tmp/err"
check "--slide past the last slide: status 2" sh -c "[ $? -eq 2 ] && grep -q 'has 9 slides' '$tmp/err'"
"$IHGTUI" --batch --slide 1 "$ex/quadratic.yaml" > /dev/null 2> "$tmp/err"
check "--slide with an experiment: status 2" sh -c "[ $? -eq 2 ] && grep -q 'needs a lesson' '$tmp/err'"
"$IHGTUI" --batch --set outer.steps=3 "$ex/lesson_explicit.yaml" > "$tmp/ov.jsonl" 2>/dev/null
check "--set goes on every slide's experiment" py ov "assert ls[3]['outer'] == 3"

[ "$fails" -eq 0 ]

#!/bin/sh
# test_explicit_batch.sh - explicit hypergradients end to end: the lessons
# of experiments/ (lr_quadratic, truncation, nonunique) run headless and
# show what their header comments promise; --seeds; the JSON of learned
# optimizer settings (hyper_layout, hypergrad_note).
top_srcdir=${top_srcdir:-.}
IHGTUI=${IHGTUI:-./ihgtui}
PYTHON3=${PYTHON3:-python3}
[ -x "$IHGTUI" ] || { echo "no binary $IHGTUI"; exit 77; }
command -v "$PYTHON3" >/dev/null 2>&1 || { echo "no python3: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ihgtui-expl.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
ex="$top_srcdir/experiments"
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
py() { "$PYTHON3" -c "$@"; }

# --- lr_quadratic: the learning rate's hypergradient goes to 0 as T grows
for T in 10 40 160; do
    "$IHGTUI" --batch --vectors --outer 1 --set inner.steps=$T "$ex/lr_quadratic.yaml" \
        > "$tmp/lr$T.jsonl" 2>/dev/null
done
check "lr_quadratic: the lr hypergradient shrinks with T and is ~0 at T = 160" py "
import json
g = [json.loads(open('$tmp/lr%d.jsonl' % T).readline())['hypergrad'][2] for T in (10, 40, 160)]
assert abs(g[0]) > 0.05 and abs(g[1]) < abs(g[0]) / 10 and abs(g[2]) < 1e-8, g"
check "lr_quadratic: hyper_layout names log lr after the decays, not in L_T" py "
import json
lo = json.loads(open('$tmp/lr10.jsonl').readline())['hyper_layout']
assert [s['name'] for s in lo] == ['log decay', 'log lr'], lo
assert lo[1]['offset'] == 2 and lo[1]['count'] == 1 and lo[1]['in_loss'] is False
assert lo[1]['owner'] == 'inner' and lo[1]['transform'] == 'log' and lo[0]['in_loss'] is True"
"$IHGTUI" --batch --outer 30 --vectors "$ex/lr_quadratic.yaml" > "$tmp/lrrun.jsonl" 2>/dev/null
check "lr_quadratic: the outer loop lowers the learning rate and the val loss" py "
import json, math
ls = [json.loads(l) for l in open('$tmp/lrrun.jsonl')]
lr = math.exp(ls[-1]['lambda_next'][2])
assert 0.005 < lr < 0.03 and ls[-1]['val_loss'] < 0.2 * ls[0]['val_loss'], (lr, ls[-1]['val_loss'])"
"$IHGTUI" --batch --outer 1 --vectors --set hypergrad.method=exact "$ex/lr_quadratic.yaml" \
    > "$tmp/lrift.jsonl" 2>/dev/null
check "lr_quadratic, exact: the lr hypergradient is 0 and the line says why" py "
import json
o = json.loads(open('$tmp/lrift.jsonl').readline())
assert o['hypergrad'][2] == 0.0 and 'not in L_T' in o['hypergrad_note'] and 'unrolled' in o['hypergrad_note']"

# --- truncation: the bias curve, forward and fd against the whole unroll
"$IHGTUI" --batch --compare --outer 1 "$ex/truncation.yaml" > "$tmp/tr.jsonl" 2>/dev/null
check "truncation: unrolled curve K = 1..60 with its bias falling to 0" py "
import json
u = json.loads(open('$tmp/tr.jsonl').readline())['compare']['unrolled']
b = u['rel_err_unrolled']
assert u['K'] == list(range(1, 61)) and b[-1] == 0 and b[0] > 0.5 and b[4] > 0.3 and b[50] < 0.05, b[:5]"
check "truncation: forward = unrolled to round-off, fd to 1e-7" py "
import json
c = json.loads(open('$tmp/tr.jsonl').readline())['compare']
assert c['forward']['rel_err_unrolled'] < 1e-12 and c['fd']['rel_err_unrolled'] < 1e-7, c['fd']"
"$IHGTUI" --batch --compare --outer 1 --set inner.optimizer=newton --set inner.tol=1e-10 \
    --set hypergrad.method=exact "$ex/truncation.yaml" > "$tmp/tr2.jsonl" 2>/dev/null
check "truncation, solved to tol: fd of L_V at theta* = the IFT (1e-6); unrolled skipped with the reason" py "
import json
c = json.loads(open('$tmp/tr2.jsonl').readline())['compare']
assert c['fd']['rel_err'] < 1e-6, c['fd']
assert 'newton' in c['unrolled']['skipped'], c['unrolled']"

# --- nonunique: --seeds
"$IHGTUI" --batch --seeds 3 --outer 2 "$ex/nonunique.yaml" > "$tmp/nu.jsonl" 2>"$tmp/nu.err"
check "nonunique --seeds 3: exits 0" test $? -eq 0
check "nonunique --seeds 3: far-apart solutions, uncorrelated hypergradients, cold retrain line" py "
import json
ls = [json.loads(l) for l in open('$tmp/nu.jsonl')]
assert len(ls) == 3 and ls[0]['seeds'] == 3 and ls[0]['init_seeds'] == [1, 2, 3]
o = ls[1]
assert o['theta_distance']['relative'] > 1 and o['train_loss']['max'] < 0.5
assert abs(o['ift']['cos_mean']) < 0.5 and o['ift']['method'] == 'cg' and o['unrolled']['method'] == 'unrolled'
assert 'val_loss_cold' in ls[2]['cold_retrain'] and 'val_loss_warm' in ls[2]['cold_retrain']"
"$IHGTUI" --batch --seeds 3 --outer 1 "$ex/logistic_breast_cancer.yaml" > "$tmp/lg.jsonl" 2>/dev/null
check "convex logistic solved to tol --seeds 3: one optimum (distance ~0, cosine 1)" py "
import json
o = json.loads(open('$tmp/lg.jsonl').readline())
assert o['theta_distance']['relative'] < 1e-6 and o['ift']['cos_min'] > 1 - 1e-9, o"
"$IHGTUI" --seeds 3 "$ex/nonunique.yaml" > /dev/null 2>&1
check "--seeds without --batch exits 2" test $? -eq 2
"$IHGTUI" --batch --seeds 1 "$ex/nonunique.yaml" > /dev/null 2>&1
check "--seeds 1 exits 2" test $? -eq 2

echo "$fails failed"
[ "$fails" -eq 0 ]

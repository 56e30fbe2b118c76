#!/bin/sh
# test_safety.sh - nothing lost, nothing injected: outputs never destroy an
# input and are opened only once the inputs are loaded, write errors end
# every mode with a non-zero status, strings from inputs reach stderr
# escaped, a killed --vectors run leaves whole lines and loadable .npy
# files, oversized IDX headers and address-space limits end with a message.
# Limits are checked with ulimit inside the test (never the wall clock).
top_srcdir=${top_srcdir:-.}
IHGTUI=${IHGTUI:-./ihgtui}
PYTHON3=${PYTHON3:-python3}
IMAGES=/usr/share/datasets/fashion-mnist
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ihgtui-safety.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
# printf, not echo: the messages quoted hold backslashes (\e, \x9b)
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
    what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
[ -x "$IHGTUI" ] || { echo "no binary $IHGTUI"; exit 77; }
case $IHGTUI in /*) ;; *) IHGTUI=$(pwd)/$IHGTUI ;; esac
command -v "$PYTHON3" >/dev/null 2>&1 || PYTHON3=python3
# a Python that has NumPy, for the .npy files (none: a plain reader below)
NUMPY_PY=
for p in "$PYTHON3" python3 /usr/bin/python3; do
    if "$p" -c 'import numpy' >/dev/null 2>&1; then NUMPY_PY=$p; break; fi
done
# AddressSanitizer reserves terabytes of address space: no ulimit -v there
sanitized=0
case "${SAN_FLAGS:-}" in *address*) sanitized=1 ;; esac
have_images=0
{ [ -r "$IMAGES/train-images-idx3-ubyte.gz" ] || [ -r "$IMAGES/train-images-idx3-ubyte" ]; } &&
    have_images=1
no_raw_controls() { # no byte of C0 (but newline), DEL, or the C1 CSI in the file
    ! LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177\233]')" "$1"
}

# --- outputs never destroy an input ---------------------------------------
d="$tmp/exp"
mkdir -p "$d/data"
cp "$top_srcdir/experiments/ridge_diabetes.yaml" "$d/"
cp "$top_srcdir/experiments/data/diabetes.csv" "$d/data/"
cp "$d/data/diabetes.csv" "$tmp/diabetes.orig"
cp "$d/ridge_diabetes.yaml" "$tmp/yaml.orig"
ln -s data/diabetes.csv "$d/link.csv"
ln "$d/data/diabetes.csv" "$d/hard.csv"
for out in data/diabetes.csv link.csv hard.csv ./data/../data/diabetes.csv ridge_diabetes.yaml; do
    (cd "$d" && "$IHGTUI" --batch --outer 2 -o "$out" ridge_diabetes.yaml) \
        > /dev/null 2> "$tmp/err"; st=$?
    check "-o $out (an input) refused with status 2 (got $st)" test $st -eq 2
    check "-o $out: the message says why ($(head -c 160 "$tmp/err"))" \
        grep -q 'refusing to overwrite it' "$tmp/err"
    check "-o $out: the data file is untouched" cmp -s "$d/data/diabetes.csv" "$tmp/diabetes.orig"
    check "-o $out: the experiment file is untouched" cmp -s "$d/ridge_diabetes.yaml" "$tmp/yaml.orig"
done
(cd "$d" && "$IHGTUI" --batch --seeds 2 --outer 1 -o data/diabetes.csv ridge_diabetes.yaml) \
    > /dev/null 2> "$tmp/err"; st=$?
check "--seeds -o onto the data file refused (status 2, got $st): $(head -c 120 "$tmp/err")" \
    sh -c "[ $st -eq 2 ] && grep -q 'refusing to overwrite it' '$tmp/err' &&
           cmp -s '$d/data/diabetes.csv' '$tmp/diabetes.orig'"
# an output opened only once the inputs are loaded: a run refused for bad
# input leaves the old output as it was
printf 'precious\n' > "$tmp/old.jsonl"
"$IHGTUI" --batch -o "$tmp/old.jsonl" --set data.file=missing.csv "$d/ridge_diabetes.yaml" \
    > /dev/null 2>&1; st=$?
check "-o with a missing data file exits 2 (got $st)" test $st -eq 2
check "-o with a missing data file leaves the old output intact" \
    sh -c "[ \"\$(cat '$tmp/old.jsonl')\" = precious ]"
"$IHGTUI" --batch -o "$tmp/old.jsonl" --set model.kind=nope "$d/ridge_diabetes.yaml" \
    > /dev/null 2>&1
check "-o with a bad experiment leaves the old output intact" \
    sh -c "[ \"\$(cat '$tmp/old.jsonl')\" = precious ]"
# an ordinary output is replaced by the run's lines, whole
"$IHGTUI" --batch --outer 3 -o "$tmp/old.jsonl" "$d/ridge_diabetes.yaml" 2>/dev/null; st=$?
check "-o onto an old output: exit 0 (got $st)" test $st -eq 0
check "-o onto an old output: replaced by 3 whole lines" \
    sh -c "[ \$(wc -l < '$tmp/old.jsonl') -eq 3 ] && ! grep -q precious '$tmp/old.jsonl' &&
           [ \"\$(tail -c 1 '$tmp/old.jsonl' | od -An -c | tr -d ' ')\" = '\\n' ]"
"$IHGTUI" -o "$tmp/x.jsonl" "$d/ridge_diabetes.yaml" > /dev/null 2>&1; st=$?
check "-o without --batch is refused (status 2, got $st)" test $st -eq 2
"$IHGTUI" --batch --record "$tmp/x.jsonl" "$d/ridge_diabetes.yaml" > /dev/null 2>&1; st=$?
check "--record with --batch is refused (status 2, got $st)" test $st -eq 2

# --- write errors end every mode with a non-zero status -------------------
if [ -w /dev/full ]; then
    for mode in "--help" "--version" "--dump-default" \
                "--check $d/ridge_diabetes.yaml" \
                "--batch --outer 2 $d/ridge_diabetes.yaml" \
                "--batch --compare --vectors --outer 2 $d/ridge_diabetes.yaml" \
                "--batch --seeds 2 --outer 1 $d/ridge_diabetes.yaml"; do
        # shellcheck disable=SC2086
        "$IHGTUI" $mode > /dev/full 2> "$tmp/err"; st=$?
        check "$mode >/dev/full exits 1 (got $st)" test $st -eq 1
        check "$mode >/dev/full says so ($(head -c 120 "$tmp/err"))" grep -q 'write' "$tmp/err"
    done
    "$IHGTUI" --batch --outer 2 -o /dev/full "$d/ridge_diabetes.yaml" > /dev/null 2> "$tmp/err"; st=$?
    check "--batch -o /dev/full exits 1 (got $st)" test $st -eq 1
    check "--batch -o /dev/full names the file ($(head -c 120 "$tmp/err"))" \
        grep -q '/dev/full: write error' "$tmp/err"
else
    echo "skip: no writable /dev/full"
fi

# --- strings from inputs reach stderr escaped ----------------------------
# the name in the end-of-run summary: OSC title, clear screen, OSC 52, CSI
printf 'name: "\\e]0;pwned\\a\\e[2J\\e]52;c;aGk=\\a\\u009b31m"\nmodel: {kind: quadratic}\nouter: {steps: 1}\n' \
    > "$tmp/hostile.yaml"
"$IHGTUI" --batch "$tmp/hostile.yaml" > /dev/null 2> "$tmp/err"; st=$?
check "a hostile name runs (exit 0, got $st)" test $st -eq 0
check "a hostile name: no raw control byte on stderr" no_raw_controls "$tmp/err"
check "a hostile name: shown escaped ($(head -c 120 "$tmp/err"))" \
    grep -qF '\e]0;pwned\a\e[2J\e]52;c;aGk=\a\x9b31m' "$tmp/err"
# CSV column names, the target and a data path with controls in it
printf 'a,b\033[2J,y\n1,,3\n4,5,6\n' > "$tmp/cols.csv"
printf 'model: {kind: ridge}\ndata: {file: cols.csv}\n' > "$tmp/cols.yaml"
"$IHGTUI" --check "$tmp/cols.yaml" > /dev/null 2> "$tmp/err"
check "a column name in 'empty cell in column': escaped" \
    sh -c "no_raw() { ! LC_ALL=C grep -q \"\$(printf '[\\001-\\011\\013-\\037\\177\\233]')\" \"\$1\"; }; no_raw '$tmp/err' && grep -qF \"column 'b\\\\e[2J'\" '$tmp/err'"
printf 'model: {kind: ridge}\ndata: {file: cols.csv, target: "z\\e]0;x\\a"}\n' > "$tmp/target.yaml"
"$IHGTUI" --check "$tmp/target.yaml" > /dev/null 2> "$tmp/err"
check "the target and the column list: escaped ($(head -c 160 "$tmp/err"))" \
    sh -c "! LC_ALL=C grep -q \"\$(printf '\\033')\" '$tmp/err' && grep -qF \"named 'z\\\\e]0;x\\\\a' (columns: a, b\\\\e[2J, y)\" '$tmp/err'"
evil=$(printf 'evil\033[2J\302\233.csv')
printf 'model: {kind: ridge}\ndata: {file: "evil\\e[2J\\u009b.csv"}\n' > "$tmp/path.yaml"
"$IHGTUI" --check "$tmp/path.yaml" > /dev/null 2> "$tmp/err"
check "a missing data path: escaped ($(head -c 160 "$tmp/err"))" \
    sh -c "! LC_ALL=C grep -q \"\$(printf '[\\033\\233]')\" '$tmp/err' && grep -qF 'evil\\e[2J\\x9b.csv' '$tmp/err'"
printf 'a,y\n1,2\n3,4\n5,6\n7,8\n' > "$tmp/$evil"
"$IHGTUI" --batch --outer 1 -o "$tmp/$evil" "$tmp/path.yaml" > /dev/null 2> "$tmp/err"
check "an output named like an input, refused: escaped ($(head -c 160 "$tmp/err"))" \
    sh -c "! LC_ALL=C grep -q \"\$(printf '[\\033\\233]')\" '$tmp/err' && grep -q 'refusing' '$tmp/err'"
# invalid UTF-8 and a bidi override in a CSV column name
printf 'a,b\377\342\200\256c,y\n1,,3\n' > "$tmp/bytes.csv"
printf 'model: {kind: ridge}\ndata: {file: bytes.csv}\n' > "$tmp/bytes.yaml"
"$IHGTUI" --check "$tmp/bytes.yaml" > /dev/null 2> "$tmp/err"
check "invalid UTF-8 and U+202E in a column name: escaped ($(head -c 160 "$tmp/err"))" \
    sh -c "! LC_ALL=C grep -q \"\$(printf '[\\377\\342]')\" '$tmp/err' && grep -qF \"column 'b\\xff\\u{202e}c'\" '$tmp/err'"

# --- a test set too large for the model: a warning, not silent nulls ------
printf 'a,y\n1,1\n2,2\n3,3\n4,4\n' > "$tmp/tr.csv"
printf 'a,y\n1.5,1.5\n2.5,2.5\n' > "$tmp/va.csv"
printf 'a,y\n1e300,1e300\n2,2\n' > "$tmp/te.csv"
printf 'model: {kind: ridge}\ndata: {train: tr.csv, val: va.csv, test: te.csv}\nouter: {steps: 2}\n' \
    > "$tmp/huge_test.yaml"
"$IHGTUI" --batch "$tmp/huge_test.yaml" > "$tmp/out" 2> "$tmp/err"; st=$?
check "a test set with huge values: the run goes on (got $st)" test $st -eq 0
check "a test set with huge values: test_loss null" grep -q '"test_loss":null' "$tmp/out"
check "a test set with huge values: one warning ($(head -c 160 "$tmp/err"))" \
    sh -c "[ \$(grep -c 'warning: the test loss is not finite' '$tmp/err') -eq 1 ]"

# --- the explorer needs a terminal: said before anything is opened --------
"$IHGTUI" --record "$tmp/keep.jsonl" "$d/ridge_diabetes.yaml" < /dev/null > "$tmp/out" 2> "$tmp/err"; st=$?
check "the explorer without a terminal: exit 1 with a message (got $st)" \
    sh -c "[ $st -eq 1 ] && grep -q 'needs a terminal' '$tmp/err'"
check "the explorer without a terminal: --record FILE not created" test ! -e "$tmp/keep.jsonl"
if command -v script >/dev/null 2>&1; then
    TERM=dumb script -qec "$IHGTUI $d/ridge_diabetes.yaml" /dev/null > "$tmp/out" 2>&1 < /dev/null
    check "TERM=dumb: a clear refusal ($(tr -d '\r' < "$tmp/out" | head -c 160))" \
        grep -q 'TERM=dumb cannot show the explorer' "$tmp/out"
else
    echo "skip: no script(1) for a pseudo-terminal"
fi

# --- .npy files for large arrays -----------------------------------------
# small arrays stay inline (the golden runs rely on it)
"$IHGTUI" --batch --vectors --outer 1 -o "$tmp/small.jsonl" "$d/ridge_diabetes.yaml" 2>/dev/null
check "small arrays stay inline (no .npy files)" \
    sh -c "grep -q '\"theta\":\\[' '$tmp/small.jsonl' && ! ls '$tmp'/small-*.npy >/dev/null 2>&1"
# a reader of the .npy files: NumPy, or the format read by hand
npy_check() { # npy_check JSONL: every line JSON, every named .npy loads with its size
    "${NUMPY_PY:-$PYTHON3}" - "$1" <<'EOF'
import json, os, struct, sys
path = sys.argv[1]
base = os.path.dirname(path)
try:
    import numpy
except ImportError:
    numpy = None
def load(p):
    if numpy is not None:
        a = numpy.load(p)
        assert a.dtype == numpy.float64 and a.ndim == 1, (a.dtype, a.shape)
        return a.shape[0]
    b = open(p, 'rb').read()
    assert b[:8] == b'\x93NUMPY\x01\x00', b[:8]
    hl = struct.unpack('<H', b[8:10])[0]
    head = b[10:10 + hl].decode('latin1')
    n = int(head.split("'shape': (")[1].split(',')[0])
    assert len(b) == 10 + hl + 8 * n and (10 + hl) % 64 == 0
    return n
data = open(path).read()
assert data == '' or data.endswith('\n'), 'last line not whole'
files = 0
def walk(o):
    global files
    if isinstance(o, dict):
        if 'npy' in o:
            n = load(os.path.join(base, o['npy']))
            assert n == o['size'], (o, n)
            files += 1
        else:
            for v in o.values():
                walk(v)
for line in data.splitlines():
    walk(json.loads(line))
print(len(data.splitlines()), files)
EOF
}
if [ $have_images -eq 1 ]; then
    fashion="$top_srcdir/experiments/fashion_overfit.yaml"
    "$IHGTUI" --batch --vectors --outer 1 "$fashion" > /dev/null 2> "$tmp/err"; st=$?
    check "1.8M arrays to standard output refused (status 2, got $st): $(head -c 100 "$tmp/err")" \
        sh -c "[ $st -eq 2 ] && grep -q 'give --output FILE' '$tmp/err'"
    "$IHGTUI" --batch --vectors --outer 2 -o "$tmp/big.jsonl" "$fashion" 2> "$tmp/err"; st=$?
    check "--vectors of the 1.8M experiment: exit 0 (got $st)" test $st -eq 0
    r=$(npy_check "$tmp/big.jsonl" 2> "$tmp/err")
    check "--vectors of the 1.8M experiment: 2 short lines naming 8 loadable .npy files ($r; $(tail -c 160 "$tmp/err"))" \
        test "$r" = "2 8"
    check "--vectors of the 1.8M experiment: lines stay small" \
        test "$(wc -c < "$tmp/big.jsonl")" -lt 10000
    # SIGKILL while lines and .npy files are being written: whole lines,
    # every file they name complete (kills after 1, 2 and 3 lines, and a
    # little later each time)
    for k in 1 2 3; do
        rm -f "$tmp"/kill*
        "$IHGTUI" --batch --vectors --outer 50 -o "$tmp/kill.jsonl" "$fashion" \
            > /dev/null 2>&1 &
        pid=$!
        n=0
        while [ $n -lt 3000 ] && kill -0 "$pid" 2>/dev/null &&
              [ "$(cat "$tmp/kill.jsonl" 2>/dev/null | wc -l)" -lt $k ]; do
            sleep 0.05; n=$((n + 1))
        done
        [ $k -gt 1 ] && sleep "0.$((k * 7))"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        r=$(npy_check "$tmp/kill.jsonl" 2> "$tmp/err"); st=$?
        lines=${r%% *}
        check "SIGKILL of a --vectors run after $k line(s): whole lines, every .npy file complete ($r lines/files; $(tail -c 160 "$tmp/err"))" \
            sh -c "[ $st -eq 0 ] && [ ${lines:-0} -ge $k ]"
    done
else
    echo "skip: Fashion-MNIST not installed (the 1.8M experiment)"
fi

# --- sizes announced by an IDX header, checked before allocating ----------
mkdir -p "$tmp/bomb"
"$PYTHON3" - "$tmp/bomb" <<'EOF'
# 256 images of 4096 x 4096 that really are in the file: 4 GiB of zeros in
# 4 MB of gzip (concatenated members), and a label file to go with them
import os, struct, sys, zlib
d = sys.argv[1]
def member(data):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()
chunk = 1 << 24
with open(os.path.join(d, 'train-images-idx3-ubyte.gz'), 'wb') as f:
    f.write(member(struct.pack('>IIII', 0x803, 256, 4096, 4096)))
    z = member(bytes(chunk))
    for _ in range(256 * 4096 * 4096 // chunk):
        f.write(z)
with open(os.path.join(d, 'train-labels-idx1-ubyte'), 'wb') as f:
    f.write(struct.pack('>II', 0x801, 256) + bytes(256))
EOF
printf 'data:\n  images: {dir: ., n_train: 10, n_val: 10}\nmodel: {kind: softmax}\n' > "$tmp/bomb/bomb.yaml"
for keys in "" "--set data.images.n_train=1 --set data.images.n_val=1"; do
    if [ $sanitized -eq 1 ]; then
        # shellcheck disable=SC2086
        (ulimit -t 20; "$IHGTUI" --check $keys "$tmp/bomb/bomb.yaml") > /dev/null 2> "$tmp/err"
    else
        # 100 MB of address space and 5 s of CPU: a reader that believes the
        # header (4 GiB) dies of them instead of refusing
        # shellcheck disable=SC2086
        (ulimit -v 102400; ulimit -t 5; "$IHGTUI" --check $keys "$tmp/bomb/bomb.yaml") \
            > /dev/null 2> "$tmp/err"
    fi
    st=$?
    check "IDX header bomb ${keys:+($keys) }refused within 100 MB and 5 s of CPU (status 2, got $st): $(head -c 200 "$tmp/err")" \
        sh -c "[ $st -eq 2 ] && grep -q 'train-images-idx3-ubyte.gz: the header announces' '$tmp/err'"
done

# --- an address-space limit ends with a message, never a hang ------------
if [ $sanitized -eq 0 ] && [ $have_images -eq 1 ]; then
    for lim in 700000 300000; do
        (ulimit -v $lim; ulimit -t 120
         "$IHGTUI" --batch --outer 2 "$top_srcdir/experiments/fashion_overfit.yaml") \
            > "$tmp/out" 2> "$tmp/err"
        st=$?
        check "ulimit -v $lim, fashion_overfit --outer 2: finishes or ends with a message (status $st: $(tail -c 200 "$tmp/err"))" \
            sh -c "{ [ $st -eq 0 ] && [ \$(wc -l < '$tmp/out') -eq 2 ]; } ||
                   { [ $st -eq 1 ] && grep -q 'out of memory' '$tmp/err'; }"
    done
    (ulimit -v 100000; ulimit -t 20; "$IHGTUI" --batch --outer 1) > /dev/null 2> "$tmp/err"; st=$?
    check "ulimit -v 100000: refused with a message, status 1 (got $st: $(head -c 160 "$tmp/err"))" \
        sh -c "[ $st -eq 1 ] && grep -q 'out of memory' '$tmp/err'"
else
    echo "skip: address-space limits (sanitizer build or no Fashion-MNIST)"
fi

[ $fails -eq 0 ]

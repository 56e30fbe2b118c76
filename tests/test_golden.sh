#!/bin/sh
# test_golden.sh - behaviour kept: short --batch --compare --vectors runs of
# every shipped experiment (and of every method, inner and outer optimizer)
# compared field for field with golden copies made before the code was
# reshaped (tests/golden/cases; tests/golden.py says what "equal" means).
# GOLDEN_UPDATE=1 writes the golden copies anew instead of comparing.
top_srcdir=${top_srcdir:-.}
IHGTUI=${IHGTUI:-./ihgtui}
PYTHON3=${PYTHON3:-python3}
IMAGES=/usr/share/datasets/fashion-mnist
[ -x "$IHGTUI" ] || { echo "no binary $IHGTUI"; exit 77; }
command -v "$PYTHON3" >/dev/null 2>&1 || { echo "no python3: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ihgtui-golden.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
blas=${IHG_BLAS:-openblas}
gold="$top_srcdir/tests/golden/$blas"
# OpenBLAS chooses its kernels at run time from the CPU, or from
# OPENBLAS_CORETYPE when the environment sets it, and kernels sum in
# different orders: a trained network's weights (fashion-distill) move by
# 1.4e-8 relative between the Haswell and the SkylakeX kernels, above the
# tolerance of golden.py.  The OpenBLAS copies were made with the SkylakeX
# kernels (those of a CPU with AVX-512), so where the CPU has AVX-512 the
# runs use them whatever the environment asks; elsewhere the CPU's own
# kernels run and such a last-digit difference shows as a FAIL.
if [ "$blas" = openblas ] && [ -r /proc/cpuinfo ] &&
    grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo &&
    grep -qw avx512vl /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo; then
    OPENBLAS_CORETYPE=SkylakeX
    export OPENBLAS_CORETYPE
fi
[ -z "${GOLDEN_UPDATE:-}" ] || mkdir -p "$gold"
fails=0
have_images=0
[ -r "$IMAGES/train-images-idx3-ubyte.gz" ] || [ -r "$IMAGES/train-images-idx3-ubyte" ] &&
    have_images=1

grep -v '^#' "$top_srcdir/tests/golden/cases" | while read -r name args; do
    [ -n "$name" ] || continue
    case "$name" in
    fashion-*) if [ $have_images -eq 0 ]; then
                   echo "skip $name: Fashion-MNIST not installed"; continue
               fi ;;
    esac
    # the experiment path is relative to the source tree
    set -- $args
    compare=--compare
    if [ "${1:-}" = no-compare ]; then
        compare=
        shift
    fi
    argv=
    for a in "$@"; do
        case "$a" in
        experiments/*) argv="$argv $top_srcdir/$a" ;;
        *) argv="$argv $a" ;;
        esac
    done
    # shellcheck disable=SC2086
    "$IHGTUI" --batch $compare --vectors $argv > "$tmp/$name.jsonl" 2> "$tmp/$name.err"
    st=$?
    if [ $st -ne 0 ]; then
        echo "FAIL: $name: exit status $st: $(head -c 300 "$tmp/$name.err")"
        continue
    fi
    if [ -n "${GOLDEN_UPDATE:-}" ]; then
        "$PYTHON3" "$top_srcdir/tests/golden.py" canon "$tmp/$name.jsonl" > "$gold/$name.jsonl" &&
            echo "wrote $gold/$name.jsonl"
        continue
    fi
    if [ ! -f "$gold/$name.jsonl" ]; then
        echo "FAIL: $name: no golden copy $gold/$name.jsonl"
        continue
    fi
    "$PYTHON3" "$top_srcdir/tests/golden.py" compare "$gold/$name.jsonl" \
        "$tmp/$name.jsonl" --label "$name ($blas)" ${GOLDEN_EXACT:+--exact}
done > "$tmp/out"
cat "$tmp/out"
! grep -q '^FAIL: ' "$tmp/out"

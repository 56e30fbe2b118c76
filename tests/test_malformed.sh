#!/bin/sh
# test_malformed.sh - every tests/malformed/NAME.yaml must make
# `ihgtui --check NAME.yaml` exit with status 2 and print, as the first line
# on stderr, the message in NAME.expect (the whole line or a prefix of it),
# with no sanitizer report.  Run from inside the directory so that messages
# name the bare file: "NAME.yaml:LINE:COLUMN: message".
#
# Environment (set by `make check`): top_srcdir, IHGTUI.

top_srcdir=${top_srcdir:-.}
IHGTUI=${IHGTUI:-${top_builddir:-.}/ihgtui}

if [ ! -x "$IHGTUI" ]; then
    echo "SKIP: $IHGTUI not built"
    exit 77
fi
case $IHGTUI in
    /*) ;;
    *) IHGTUI=$(pwd)/$IHGTUI ;;
esac

dir=$top_srcdir/tests/${1:-malformed}
if ! cd "$dir"; then
    echo "FAIL: cannot enter $dir"
    exit 1
fi

err=${TMPDIR:-/tmp}/ihg-malformed.$$
trap 'rm -f "$err"' EXIT HUP INT TERM

failed=0
count=0
for f in *.yaml; do
    [ -f "$f" ] || continue
    name=${f%.yaml}
    count=$((count + 1))
    if [ ! -f "$name.expect" ]; then
        echo "FAIL: $name (no $name.expect)"
        failed=$((failed + 1))
        continue
    fi
    expect=$(sed -n '1{s/\r$//;p;}' "$name.expect")
    "$IHGTUI" --check "$f" >/dev/null 2>"$err" </dev/null
    status=$?
    first=$(sed -n '1p' "$err")
    if [ "$status" -ne 2 ]; then
        echo "FAIL: $name (exit status $status, want 2; stderr: $first)"
        failed=$((failed + 1))
    elif grep -q 'Sanitizer' "$err"; then
        echo "FAIL: $name (sanitizer report)"
        sed 's/^/    /' "$err" | head -n 20
        failed=$((failed + 1))
    else
        case $first in
            "$expect"*)
                echo "PASS: $name" ;;
            *)
                echo "FAIL: $name (got '$first', want '$expect')"
                failed=$((failed + 1)) ;;
        esac
    fi
done

if [ "$count" -eq 0 ]; then
    echo "FAIL: no malformed files in $dir"
    exit 1
fi
[ "$failed" -eq 0 ]

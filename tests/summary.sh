#!/bin/sh
# summary.sh TEST... - total the checks of a `make check` run.
# Each test prints "PASS: ..." / "FAIL: ..." lines into its .log; a test
# that failed or crashed without printing a FAIL line counts as one failure.
passed=0
failed=0
skipped=0
for t in "$@"; do
    # automake names a script's log test.log or test.sh.log depending on
    # TEST_EXTENSIONS
    log="${t%.sh}.log"
    trs="${t%.sh}.trs"
    if [ ! -f "$log" ] && [ -f "$t.log" ]; then
        log="$t.log"
        trs="$t.trs"
    fi
    if [ ! -f "$log" ]; then
        echo "missing log: $t" >&2
        failed=$((failed + 1))
        continue
    fi
    p=$(grep -c '^PASS: ' "$log")
    f=$(grep -c '^FAIL: ' "$log")
    res=$(sed -n 's/^:test-result: //p' "$trs" 2>/dev/null | head -n 1)
    case "$res" in
        SKIP) skipped=$((skipped + 1))
              echo "skipped: $t ($(grep -m 1 -i 'skip' "$log" | head -c 120))" >&2 ;;
        PASS|XFAIL) ;;
        *) if [ "$f" -eq 0 ]; then f=1; fi
           echo "test failed: $t ($res)" >&2 ;;
    esac
    if [ "$f" -gt 0 ]; then
        grep '^FAIL: ' "$log" | head -n 20 | sed "s|^|$t: |" >&2
    fi
    passed=$((passed + p))
    failed=$((failed + f))
done
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi

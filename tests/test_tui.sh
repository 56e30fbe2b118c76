#!/bin/sh
# test_tui.sh - drive the explorer in a real terminal (tmux) and read the
# screen back: start on the built-in lesson and on every shipped experiment,
# press every key in the help, resize 200x60 -> 80x24 -> 60x20 (too small)
# -> 120x40, NO_COLOR, and check that q, SIGTERM and Ctrl-C all leave a
# usable terminal.  Keys pressed while the engine computes (a long
# comparison, the 1.8M-hyperparameter run) must be answered while it still
# computes; how fast is measured by `make bench`, not here (no wall-clock
# limits: the machine may be shared).  One "PASS: ..." / "FAIL: ..." line
# per check; exit 77 (skip) when tmux is missing.
#
# Environment: IHGTUI (the binary), top_srcdir (the source tree),
# TMUX_BIN (tmux; default `tmux`), FASHION_DIR (the Fashion-MNIST files;
# default the Debian package's directory): experiments that read images
# are skipped (a SKIP line, no PASS) when it is absent.

TMUX_BIN=${TMUX_BIN:-tmux}
if ! command -v "$TMUX_BIN" >/dev/null 2>&1; then
    echo "SKIP: tmux not found (set TMUX_BIN)"
    exit 77
fi
top_srcdir=${top_srcdir:-.}
IHGTUI=${IHGTUI:-./ihgtui}
case $IHGTUI in /*) ;; *) IHGTUI=$(pwd)/$IHGTUI ;; esac
case $top_srcdir in /*) ;; *) top_srcdir=$(pwd)/$top_srcdir ;; esac
if [ ! -x "$IHGTUI" ]; then
    echo "FAIL: no ihgtui binary at $IHGTUI"
    exit 1
fi

sock=ihgtui-test-$$
tmp=${TMPDIR:-/tmp}/ihgtui-test-$$
mkdir -p "$tmp" || exit 1
T() { "$TMUX_BIN" -L "$sock" -f /dev/null "$@"; }
cleanup() {
    T kill-server >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

passed=0
failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
    echo "---- screen ----"
    T capture-pane -p -t main 2>/dev/null | sed 's/^/| /'
    echo "----------------"
}
check() { # check WHAT COMMAND...
    what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

screen() { T capture-pane -p -t main; }
# wait_for ERE [tenths of a second]: until the screen matches
wait_for() {
    n=${2:-50}
    while [ "$n" -gt 0 ]; do
        if screen | grep -Eq -- "$1"; then
            return 0
        fi
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}
on_screen() { screen | grep -Eq -- "$1"; }
# answered_during ERE BUSY: ERE appears on a screen that still shows BUSY
# (the key was answered while the engine was busy, not after it finished)
answered_during() {
    n=100
    while [ "$n" -gt 0 ]; do
        s=$(screen)
        if printf '%s\n' "$s" | grep -Eq -- "$1"; then
            printf '%s\n' "$s" | grep -Eq -- "$2"
            return
        fi
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}
# changes_from FILE: the screen differs from the one saved in FILE (waits)
changes_from() {
    n=30
    while [ "$n" -gt 0 ]; do
        screen > "$tmp/now"
        cmp -s "$1" "$tmp/now" || return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}
# back_to FILE: the screen is again the one saved in FILE (waits)
back_to() {
    n=30
    while [ "$n" -gt 0 ]; do
        screen > "$tmp/now"
        cmp -s "$1" "$tmp/now" && return 0
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}
keys() { T send-keys -t main "$@"; }
size() { T resize-window -t main -x "$1" -y "$2"; sleep 0.4; }

# The terminal: a plain sh with a known prompt, UTF-8 locale, 120x40.
T new-session -d -s main -x 120 -y 40 \
    "env -u NO_COLOR LANG=C.UTF-8 LC_ALL=C.UTF-8 PS1='PROMPT> ' TERM=screen-256color sh" ||
    {
        echo "FAIL: cannot start tmux"
        exit 1
    }
T set-option -t main -g status off >/dev/null
wait_for 'PROMPT>' 50 || { fail "shell prompt"; exit 1; }

# run ARGS...: start the explorer from the shell through a small script
# that then prints EXIT=status and whether the terminal modes are as
# before.  The script catches SIGINT (a handler, reset for the child by
# exec) so that it lives on to report after a Ctrl-C.
cat > "$tmp/run.sh" <<EOS
stty -g > "$tmp/before"
trap : INT
sh -c 'echo \$\$ > "$tmp/pid"; exec "\$0" "\$@"' "$IHGTUI" "\$@"
echo EXIT=\$? RUN=\$RUNID
stty -g > "$tmp/after"
cmp -s "$tmp/before" "$tmp/after" && echo STTY=same || echo STTY=changed
EOS
# each run is numbered, so that the end of an earlier one, still on the
# screen before `clear` has run, is not taken for this one's
runid=0
run() {
    rm -f "$tmp/pid"
    runid=$((runid + 1))
    keys "clear; RUNID=$runid sh $tmp/run.sh $*" Enter
}
# finished NAME STATUS: the program ended with STATUS and the terminal is sane
finished() {
    if wait_for "^EXIT=[0-9]+ RUN=$runid\$" 50; then
        st=$(screen | sed -n "s/^EXIT=\\([0-9]*\\) RUN=$runid\$/\\1/p" | tail -n 1)
        check "$1: exit status $st (want $2)" test "$st" = "$2"
        check "$1: terminal modes restored" wait_for '^STTY=same' 20
        keys "echo alive-\$((40 + 2))" Enter
        check "$1: the shell echoes and runs commands" wait_for '^alive-42' 20
    else
        fail "$1: the program did not end"
        keys q
    fi
}

status_re='seed [0-9]+ . outer [0-9]+/[0-9]+'
FASHION_DIR=${FASHION_DIR:-/usr/share/datasets/fashion-mnist}
have_fashion() { [ -f "$FASHION_DIR/train-images-idx3-ubyte.gz" ]; }
needs_images() { grep -Eq '^[[:space:]]*images:' "$1"; }

# ---- every shipped experiment starts and quits ----------------------------
for f in "$top_srcdir"/experiments/*.yaml; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    if needs_images "$f" && ! have_fashion; then
        echo "SKIP: $name: no Fashion-MNIST at $FASHION_DIR (Debian package dataset-fashion-mnist)"
        continue
    fi
    run "$f"
    check "$name: explorer starts (status bar shown)" wait_for "$status_re" 100
    check "$name: all panes drawn" on_screen '5 Theory'
    keys o
    check "$name: o completes an outer step" wait_for 'outer 1/' 150
    keys q
    finished "$name" 0
done

# ---- pane 2 scrolls its list (ridge: 10 lambdas at 80x24) -------------------
rd="$top_srcdir/experiments/ridge_diabetes.yaml"
if [ -f "$rd" ]; then
    size 80 24
    run "$rd"
    check "ridge 80x24: starts" wait_for 'outer [0-9]+/' 100
    keys 2
    check "ridge pane 2: the list starts at lambda 1" wait_for '│ λ1 ' 20
    keys j
    check "ridge pane 2: j scrolls to lambda 2" sh -c "sleep 0.3; $TMUX_BIN -L $sock capture-pane -p -t main | grep -q '│ λ2 ' && ! $TMUX_BIN -L $sock capture-pane -p -t main | grep -q '│ λ1 '"
    keys k
    check "ridge pane 2: k scrolls back to lambda 1" wait_for '│ λ1 ' 20
    check "ridge pane 2: the title says which rows are shown" on_screen '2 Hyperparameters \(10\) rows 1-'
    keys q
    finished "ridge 80x24" 0
    size 120 40
fi

# ---- explicit methods and the seeds (truncation: unrolled, 80x24, 100x32) --
# The explorer records the inner loop (P = 10 <= 2000): pane 3 has unrolled's
# curve and forward/fd against the whole unroll; c at a step's start says
# why they are absent; S runs 5 seeds and the theory pane shows them.
tr="$top_srcdir/experiments/truncation.yaml"
if [ -f "$tr" ]; then
    for sz in 80x24 100x32; do
        size "${sz%x*}" "${sz#*x}"
        run "$tr"
        check "truncation $sz: starts" wait_for 'outer [0-9]+/' 100
        check "truncation $sz: status gives K in inner steps and the trajectory's memory" \
            wait_for 'unrolled K=5/60 steps.traj [0-9.]+ kB' 30
        keys o
        check "truncation $sz: o completes an outer step" wait_for 'outer 1/' 150
        check "truncation $sz: pane 3's legend has unrolled" wait_for '■ unrolled' 100
        keys 3 3
        check "truncation $sz: pane 3 zoomed: unrolled at K=5 against the IFT" \
            wait_for 'unrolled K=5 of T=60: +[0-9.e-]+ vs IFT' 50
        check "truncation $sz: pane 3 zoomed: forward and FD against the whole unroll" \
            on_screen 'vs whole unroll: +forward [0-9.e-]+ +FD [0-9.e-]+'
        keys c
        check "truncation $sz: c at a step's start: why the explicit methods are absent" \
            wait_for "inner loop has not run yet" 100
        keys z S
        check "truncation $sz: S: the seeds run and end" wait_for 'seeds: 5 runs compared' 600
        keys 5 5
        check "truncation $sz: S: the theory pane has the seeds' spread" \
            wait_for 'Seeds: 5 runs from the start, init_seed 0..4' 50
        check "truncation $sz: S: and the warm/cold retraining" on_screen 'retrained at the final'
        keys q
        finished "truncation $sz" 0
    done
    size 120 40
fi

# ---- a long comparison does not block (softmax_digits, P = 650) ----------
# The comparison (here up to K = 2000: about 4000 HVPs) runs in slices
# between key reads: a key pressed while it runs is answered while it still
# runs, a resize redraws, q quits.
sm="$top_srcdir/experiments/softmax_digits.yaml"
if [ -f "$sm" ]; then
    run "$sm" --set hypergrad.compare_max=2000
    check "softmax: explorer starts" wait_for "$status_re" 100
    # the automatic comparison at the start ends (and may switch itself off)
    check "softmax: the start-up comparison ends" sh -c "sleep 0.3; n=600; while [ \$n -gt 0 ]; do $TMUX_BIN -L $sock capture-pane -p -t main | grep -q 'comparing:' || exit 0; sleep 0.1; n=\$((n - 1)); done; exit 1"
    keys c
    check "softmax c: progress shown while comparing" wait_for 'comparing: ' 30
    keys l
    check "softmax c: key l answered while the comparison runs" answered_during '\[lin\]' 'comparing: '
    check "softmax c: the comparison completes" wait_for 'compared at the current point|runs only when you press c' 600
    check "softmax c: pane 3 shows the result" on_screen '3 Neumann & CG vs exact'
    # SIGWINCH during a comparison
    keys c
    wait_for 'comparing: ' 30
    T resize-window -t main -x 200 -y 60
    T resize-window -t main -x 90 -y 30
    T resize-window -t main -x 200 -y 60
    check "softmax resize while comparing: redrawn at 200x60" wait_for '1 Losses.*2 Hyperparameters.*3 Neumann' 30
    check "softmax resize while comparing: the comparison still completes" wait_for 'compared at the current point|runs only when you press c' 600
    size 120 40
    check "softmax resize while comparing: back at 120x40" wait_for "$status_re" 30
    # q during a comparison quits
    keys c
    wait_for 'comparing: ' 30
    keys q
    finished "softmax q while comparing" 0
    # the seeds (S) are a job of the engine: keys answered while it runs
    # (4000 inner steps: 5 seeds take about half a minute here, so the job
    # is still running when the checks look, on a much faster machine too;
    # the test cancels it)
    run "$sm" --set inner.steps=4000
    check "softmax S: explorer starts" wait_for "$status_re" 100
    check "softmax S: the start-up comparison ends" sh -c "sleep 0.3; n=600; while [ \$n -gt 0 ]; do $TMUX_BIN -L $sock capture-pane -p -t main | grep -q 'comparing:' || exit 0; sleep 0.1; n=\$((n - 1)); done; exit 1"
    keys S
    check "softmax S: progress shown while the seeds run" wait_for 'seeds: (run|warm|cold)' 50
    keys l
    check "softmax S: key l answered while the seeds run" answered_during '\[lin\]' 'seeds: (run|warm|cold)'
    keys S
    check "softmax S: S again cancels" wait_for 'seeds: cancelled' 50
    keys q
    finished "softmax S" 0
fi

# ---- Fashion-MNIST: distilled images, accuracy, 1.8M lambdas ---------------
# While the engine computes (each unit of fashion_overfit is an HVP on 1.8M
# parameters), keys are answered, resizes redraw and q quits at once.
fd="$top_srcdir/experiments/fashion_distill.yaml"
fo="$top_srcdir/experiments/fashion_overfit.yaml"
if [ -f "$fd" ] && have_fashion; then
    size 200 60
    run "$fd"
    check "distill: explorer starts" wait_for "$status_re" 150
    check "distill: pane 6 is the distilled images" on_screen '6 Distilled images'
    keys o
    check "distill o: one outer step" wait_for 'outer 1/' 150
    check "distill o: the images pane shows outer 1" wait_for '6 Distilled images .*outer 1,' 30
    n=0
    for c in '0 T-shirt/top' '1 Trouser' '2 Pullover' '3 Dress' '4 Coat' '5 Sandal' \
        '6 Shirt' '7 Sneaker' '8 Bag' '9 Ankle boot'; do
        on_screen "$c" && n=$((n + 1))
    done
    check "distill o: 10 images labelled with their classes ($n of 10)" test "$n" = 10
    check "distill: images drawn with half blocks" on_screen '▀▀▀▀▀▀▀▀'
    check "distill: half blocks on the 256-colour grey ramp" sh -c "$TMUX_BIN -L $sock capture-pane -e -p -t main | grep -Eq '48;5;2(3[2-9]|4[0-9]|5[0-5])m'"
    keys s
    check "distill key s: grey from each image's min to max" wait_for 'grey: min..max per image' 20
    keys s
    check "distill key s again: grey 0..1" wait_for 'grey: 0..1' 20
    keys 6 6
    check "distill 6 6: images zoomed" wait_for '6 Distilled images.*\[zoom\]' 20
    keys z
    keys v
    check "distill key v: accuracy curves" wait_for '1 Losses \[acc\] train [0-9.]+ val [0-9.]+ test [0-9.]+' 20
    keys v
    keys ' '
    check "distill space: runs" wait_for 'RUNNING' 30
    keys v
    check "distill running: key v answered while it runs" answered_during '\[acc\]' 'RUNNING'
    T resize-window -t main -x 90 -y 30
    T resize-window -t main -x 200 -y 60
    size 120 40
    check "distill running: redrawn at 120x40" wait_for '6 Distilled images' 30
    size 80 24
    check "distill running: 80x24 asks for room in pane 6" wait_for 'enlarge the terminal or zoom' 30
    size 200 60
    keys q
    finished "distill q while running" 0

    keys "export NO_COLOR=1" Enter
    run "$fd"
    check "distill NO_COLOR: starts" wait_for "$status_re" 150
    keys o
    check "distill NO_COLOR: one outer step" wait_for 'outer 1/' 150
    check "distill NO_COLOR: images on the ASCII ramp, no half blocks" sh -c "$TMUX_BIN -L $sock capture-pane -p -t main | grep -q '9 Ankle boot' && ! $TMUX_BIN -L $sock capture-pane -p -t main | grep -q '▀' && $TMUX_BIN -L $sock capture-pane -p -t main | grep -Eq '[@%#][@%#*]'"
    keys q
    finished "distill NO_COLOR" 0
    keys "unset NO_COLOR" Enter
    size 120 40
elif [ -f "$fd" ]; then
    echo "SKIP: fashion_distill.yaml: no Fashion-MNIST at $FASHION_DIR"
fi
if [ -f "$fo" ] && have_fashion; then
    run "$fo"
    check "overfit: explorer starts" wait_for "$status_re" 150
    check "overfit: histogram of 1794000 lambdas" on_screen '1794000 λ: min .* median .* max'
    keys ' '
    check "overfit space: runs" wait_for 'RUNNING' 30
    check "overfit: outer steps arrive" wait_for 'outer [1-9][0-9]*/' 300
    keys v
    check "overfit running: key v answered while it runs" answered_during '\[acc\] train' 'RUNNING'
    check "overfit: train/val/test accuracy in the losses pane" wait_for 'train acc.*val acc.*test acc' 20
    keys 2 z
    check "overfit running: keys 2 z answered while it runs" answered_during '2 Hyperparameters.*\[zoom\]' 'RUNNING'
    keys z
    T resize-window -t main -x 200 -y 60
    T resize-window -t main -x 80 -y 24
    size 120 40
    check "overfit running: resize redraws" wait_for '1 Losses.*2 Hyperparameters' 30
    check "overfit running: norms under the histogram" on_screen '‖λ‖ = '
    # a comparison on 1.8M parameters (a long CG reference): keys stay live
    keys ' ' c
    check "overfit c: comparing" wait_for 'comparing: ' 50
    keys v
    check "overfit c: key v answered while the comparison runs" answered_during '1 Losses \[(log|lin)\]' 'comparing: '
    keys q
    finished "overfit q while comparing" 0
elif [ -f "$fo" ]; then
    echo "SKIP: fashion_overfit.yaml: no Fashion-MNIST at $FASHION_DIR"
fi

# ---- the built-in lesson: every key in the help ------------------------------
run
check "default: built-in lesson starts" wait_for "quadratic-lesson . $status_re" 100
check "default: 2-D view shown for the quadratic" on_screen '6 2-D view'
check "default: comparison shown at start" on_screen 'Neumann & CG vs exact'
keys ' '
check "key space: runs" wait_for 'RUNNING|outer [1-9]' 30
keys ' '
check "key space again: pauses" wait_for 'PAUSED' 30
keys r
check "key r: reset to the start" wait_for 'reset to the start' 30
check "key r: outer counter back to 0" wait_for 'outer 0/' 30
keys i
check "key i: one inner step" wait_for 'inner step 1/' 30
keys o
check "key o: one outer step" wait_for 'outer 1/' 100
check "key o: pauses after the step" wait_for 'PAUSED' 50
keys n
check "key n: fewer terms (K=9)" wait_for 'K=9 ' 20
keys N
check "key N: more terms (K=10)" wait_for 'K=10 ' 20
keys a
check "key a: smaller alpha" wait_for 'smaller alpha' 20
keys A
check "key A: larger alpha" wait_for 'larger alpha' 20
keys b
check "key b: alpha = 2/(lambda_min + lambda_max) from the spectrum" wait_for 'alpha = 2/\(lambda_min \+ lambda_max\) changed: neumann, K = 10, alpha = 0\.2' 50
keys m
check "key m: next method (cg)" wait_for ' cg K=' 20
keys m
check "key m: next method (identity)" wait_for 'identity K=' 20
keys m
check "key m: next method (unrolled)" wait_for 'unrolled K=' 20
keys m
check "key m: next method (forward)" wait_for 'forward T=' 20
keys m
check "key m: next method (fd)" wait_for 'fd T=' 20
keys m
check "key m: wraps to exact" wait_for 'exact K=' 20
keys m
check "key m: back to neumann" wait_for 'neumann K=' 20
keys c
check "key c: comparison recomputed" wait_for 'compared at the current point' 50
keys l
check "key l: linear axis" wait_for '\[lin\]' 20
keys l
check "key l again: log axis" wait_for '\[log\]' 20
keys 1 Tab z
check "key Tab: focus moves to pane 2 (z zooms it)" wait_for '2 Hyperparameters.*\[zoom\]' 20
keys z
check "key z: unzooms pane 2" wait_for '1 Losses' 20
keys 3 3
check "key 3 3: Neumann pane zoomed" wait_for '3 Neumann & CG.*\[zoom\]' 20
check "zoom: other panes hidden" sh -c "! $TMUX_BIN -L $sock capture-pane -p -t main | grep -q '1 Losses'"
keys Tab
check "key Tab while zoomed: next pane zoomed" wait_for '4 Spectrum of H.*\[zoom\]' 20
keys z
check "key z: unzoom" wait_for '1 Losses' 20
for k in 1 2 3 4 5 6; do
    case $k in
    1) pane='1 Losses' ;; 2) pane='2 Hyperparameters' ;; 3) pane='3 Neumann & CG' ;;
    4) pane='4 Spectrum of H' ;; 5) pane='5 Theory' ;; 6) pane='6 2-D view' ;;
    esac
    keys "$k" z
    check "key $k: focus pane $k (z zooms it)" wait_for "$pane.*\[zoom\]" 20
    keys z
    wait_for '1 Losses' 20
done
keys 1 6 6
check "key 6 6: 2-D view zoomed" wait_for '6 2-D view.*\[zoom\]' 20
keys Escape
check "Esc: unzoom" wait_for '1 Losses' 20
# scrolling: each key moves what the focused pane shows, its opposite
# brings back the same screen (pane 6 pans, pane 1 looks back, pane 5
# scrolls its text); in a lesson Left and Right change slides (below), h
# and L pan
sleep 0.3
for pair in 'Up Down' 'Down Up' 'h L' 'L h'; do
    set -- $pair
    screen > "$tmp/shot"
    keys "$1"
    check "2-D view: $1 pans" changes_from "$tmp/shot"
    keys "$2"
    check "2-D view: $2 pans back" back_to "$tmp/shot"
done
keys o
wait_for 'outer 2/' 100
wait_for 'PAUSED' 50
no_look_back() { sh -c "sleep 0.3; ! $TMUX_BIN -L $sock capture-pane -p -t main | grep -q '1 Losses.*(-'"; }
keys 1 h
check "losses: h looks back one step" wait_for '1 Losses.*\(-1\)' 20
keys L
check "losses: L back to the newest step" no_look_back
keys 5
sleep 0.3
screen > "$tmp/shot"
check "theory: starts with the implicit function theorem" on_screen 'Implicit function theorem'
keys j
check "theory: j scrolls its text" changes_from "$tmp/shot"
keys k
check "theory: k scrolls back" back_to "$tmp/shot"
keys t
check "key t: next theme" wait_for 'theme: ' 20
keys t t
sleep 0.3
screen > "$tmp/shot"
keys C-l
sleep 0.3
check "Ctrl-L: redraws the same screen" back_to "$tmp/shot"
keys '?'
check "key ?: help overlay" wait_for 'press any key to close' 20
check "help lists every key" sh -c "$TMUX_BIN -L $sock capture-pane -p -t main | grep -q 'one outer step' && $TMUX_BIN -L $sock capture-pane -p -t main | grep -q 'log / linear'"
keys x
check "any key closes the help" sh -c "sleep 0.3; ! $TMUX_BIN -L $sock capture-pane -p -t main | grep -q 'press any key to close'"

# divergence: alpha far too large stops the run with the reason
keys r A A A A A
sleep 0.3
keys o
check "divergence: the run stops" wait_for 'STOPPED' 100
check "divergence: the reason is shown" wait_for 'diverge' 20
keys a a a a a r
check "divergence: a and r recover" wait_for 'reset to the start' 30

# ---- resizing ----------------------------------------------------------------
size 200 60
check "resize 200x60: redrawn" wait_for "$status_re" 20
check "resize 200x60: uses the width (3 columns)" sh -c "$TMUX_BIN -L $sock capture-pane -p -t main | grep -q '1 Losses.*2 Hyperparameters.*3 Neumann'"
size 80 24
check "resize 80x24: redrawn" wait_for "outer [0-9]+/" 20
check "resize 80x24: panes shown" on_screen '1 Losses'
size 60 20
check "resize 60x20: terminal too small" wait_for 'terminal too small: need 80.24, have 60.20' 20
size 120 40
check "resize 120x40: recovers" wait_for "$status_re" 20
check "resize 120x40: panes back" on_screen '5 Theory'
i=0
while [ $i -lt 12 ]; do
    T resize-window -t main -x $((70 + i * 9)) -y $((20 + i * 3))
    i=$((i + 1))
done
size 120 40
check "resize storm: redrawn correctly" wait_for "$status_re" 30
check "resize storm: no stale 'too small'" sh -c "! $TMUX_BIN -L $sock capture-pane -p -t main | grep -q 'terminal too small'"
keys q
finished "q" 0

# ---- a lesson: slides, captions, predict-then-reveal, history, export --------
# same_numbers FILE: the screen is the one in FILE, timings aside (waits)
same_numbers() {
    n=30
    while [ "$n" -gt 0 ]; do
        screen | sed 's/[0-9.]* ms/_ ms/g' > "$tmp/now"
        sed 's/[0-9.]* ms/_ ms/g' "$1" | cmp -s - "$tmp/now" && return 0
        sleep 0.1
        n=$((n - 1))
    done
    diff "$1" "$tmp/now" | head -20
    return 1
}
# outside a lesson Left and Right pan the focused pane
run "$top_srcdir/experiments/quadratic.yaml"
wait_for "$status_re" 100
keys 6
sleep 0.3
screen > "$tmp/shot"
keys Left
check "experiment: Left pans the 2-D view" changes_from "$tmp/shot"
keys Right
check "experiment: Right pans back" back_to "$tmp/shot"
keys q
finished "experiment" 0
mkdir -p "$tmp/out"
keys "cd $tmp/out" Enter
run "$top_srcdir/experiments/lesson_ift.yaml"
check "lesson: slide 1 with its title" wait_for 'Slide 1/9  Two parameters, two decays' 100
check "lesson: the caption under it" on_screen 'The inner problem trains theta'
check "lesson: the panes below the caption" on_screen '1 Losses'
keys NPage
check "lesson PgDn: slide 2" wait_for 'Slide 2/9  The inner loop finds' 50
check "lesson PgDn: its actions made (outer 1)" wait_for 'outer 1/30.*PAUSED' 100
check "lesson: the question with its choices" wait_for '\? How small is the gradient.*1\)[^0-9]*1e-1' 20
sleep 0.5
screen > "$tmp/slide2"
keys Right
check "lesson Right: slide 3" wait_for 'Slide 3/9' 50
check "lesson: the pane of the answer hidden until the reveal" wait_for '3 Neumann & CG hidden until the reveal' 50
keys p 3
check "lesson p 3: the class's choice marked" wait_for '▸3\)[^0-9]*15' 20
keys R
check "lesson R: the answer and the right choice" wait_for '= 14 .*the right choice: 3\) 15' 100
check "lesson R: the pane shown again" wait_for '3 Neumann & CG vs exact' 50
keys PPage
check "lesson PgUp: slide 2 again" wait_for 'Slide 2/9' 50
check "lesson PgUp: slide 2's numbers exactly as before" same_numbers "$tmp/slide2"
keys Left
check "lesson Left: slide 1" wait_for 'Slide 1/9' 50
keys g 8 Enter
check "lesson g 8 Enter: slide 8" wait_for 'Slide 8/9  The outer loop' 100
check "lesson g 8: the outer steps of slides 1 to 8 made" wait_for 'outer 12/30.*PAUSED' 300
keys '!'
check "lesson !: the lecturer's notes" wait_for 'Notes for the lecturer' 20
keys '!'
check "lesson ! again: the notes hidden" sh -c "sleep 0.3; ! $TMUX_BIN -L $sock capture-pane -p -t main | grep -q 'Notes for the lecturer'"
keys R
check "lesson R: the validation loss revealed" wait_for 'the right choice: 2\) 0.05' 100
keys 1 '['
check "history [: outer step 11, the past" wait_for 'outer 11/30.*the past|outer step 11 of 12 \(the past\)' 50
check "history [: the losses of step 11" wait_for '1 Losses.*train .* val ' 20
keys ']'
check "history ]: the live run again" wait_for 'the live run again \(outer step 12\)' 50
keys '[' B
check "history B: back at outer step 11" wait_for 'back at outer step 11' 50
keys a o
check "branch: a step with a smaller alpha" wait_for 'outer 12/30.*PAUSED' 100
check "branch: the other branch on the losses chart, its own mark" wait_for '▲ val b0' 50
check "branch: the live branch named in the title" on_screen '1 Losses .*\[(log|lin)\] b1 '
keys e
check "key e: the pane and the screen written" wait_for 'wrote .*-losses.svg, .pdf, .png; the screen as -screen.txt and .html' 100
for x in losses.svg losses.pdf losses.png screen.txt screen.html; do
    check "key e: *-$x written" sh -c "test -s $tmp/out/*-$x"
done
keys w
check "key w: experiment and lesson written" wait_for 'wrote .*\.yaml \(the settings now\) and .*-lesson\.yaml' 50
check "key w: the saved lesson checks" sh -c "'$IHGTUI' --check $tmp/out/*-lesson.yaml | grep -q 'ok: lesson'"
keys 5
check "branch: the branches listed in the theory pane, how far lambda went" wait_for 'b1 \(live\) from b0 at 11 to 12: ‖Δλ‖ = [0-9.e-]+' 50
keys .
check "lesson .: slide 8 played again" wait_for 'Slide 8/9' 100
check "lesson .: from slide 8's start, on the first branch" wait_for 'outer 12/30.*PAUSED' 200
keys q
finished "lesson" 0
keys "cd '$(pwd)'" Enter

# ---- NO_COLOR and the record file --------------------------------------------
run --record "$tmp/rec.jsonl"
wait_for "$status_re" 100
keys o
wait_for 'outer 1/' 100
keys o
wait_for 'outer 2/' 100
check "colours used by default" sh -c "$TMUX_BIN -L $sock capture-pane -e -p -t main | grep -Eq '\[([0-9;]*;)?3[0-7](;[0-9;]*)?m'"
keys q
finished "--record" 0
check "--record: one JSON line per outer step" test "$(grep -c '^{"outer"' "$tmp/rec.jsonl" 2>/dev/null)" = 2
check "--record: comparisons as event lines" grep -q '^{"event":"compare","outer":1,' "$tmp/rec.jsonl"

# a record that cannot be written ends the explorer with a message and
# status 1 (at the latest when it quits)
if [ -w /dev/full ]; then
    run --record /dev/full
    wait_for "$status_re" 100
    keys o
    check "--record /dev/full: the write error is shown" wait_for 'cannot write the --record file' 100
    keys q
    finished "--record /dev/full" 1
    check "--record /dev/full: said on stderr too" on_screen 'ihgtui: /dev/full: write error'
fi
# never onto an input: the experiment's own data file is refused, untouched
mkdir -p "$tmp/exp/data"
cp "$top_srcdir/experiments/ridge_diabetes.yaml" "$tmp/exp/"
cp "$top_srcdir/experiments/data/diabetes.csv" "$tmp/exp/data/"
run --record "$tmp/exp/data/diabetes.csv" "$tmp/exp/ridge_diabetes.yaml"
finished "--record onto the data file" 2
check "--record onto the data file: refused with a message" on_screen 'is an input of this run'
check "--record onto the data file: the data are untouched" \
    cmp -s "$tmp/exp/data/diabetes.csv" "$top_srcdir/experiments/data/diabetes.csv"
run --record "$tmp/exp/ridge_diabetes.yaml" "$tmp/exp/ridge_diabetes.yaml"
finished "--record onto the experiment" 2
check "--record onto the experiment: untouched" \
    cmp -s "$tmp/exp/ridge_diabetes.yaml" "$top_srcdir/experiments/ridge_diabetes.yaml"
# without a terminal the explorer cannot start: an old record is kept
printf 'keep me\n' > "$tmp/keep.jsonl"
"$IHGTUI" --record "$tmp/keep.jsonl" < /dev/null > /dev/null 2> "$tmp/err"; st=$?
check "no terminal: exits 1 (got $st)" test "$st" = 1
check "no terminal: the old --record file is kept" grep -q 'keep me' "$tmp/keep.jsonl"

keys "export NO_COLOR=1" Enter
run
check "NO_COLOR: starts" wait_for "$status_re" 100
check "NO_COLOR: no colour escapes on screen" sh -c "! $TMUX_BIN -L $sock capture-pane -e -p -t main | grep -Eq '\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5;[0-9]+)(;[0-9;]*)?m'"
check "NO_COLOR: attributes still mark the status bar" sh -c "$TMUX_BIN -L $sock capture-pane -e -p -t main | grep -Eq '\[([0-9;]*;)?7(;[0-9;]*)?m'"
keys q
finished "NO_COLOR" 0
keys "unset NO_COLOR" Enter

# ---- ASCII fallback -----------------------------------------------------------
keys "export LC_ALL=C LANG=C" Enter
run
check "C locale: starts" wait_for "$status_re" 100
check "C locale: ASCII only on screen" sh -c "! $TMUX_BIN -L $sock capture-pane -p -t main | LC_ALL=C grep -q '[^ -~]'"
keys q
finished "C locale" 0
keys "export LC_ALL=C.UTF-8 LANG=C.UTF-8" Enter

# ---- signals ------------------------------------------------------------------
run
wait_for "$status_re" 100
keys ' '
sleep 0.3
kill -TERM "$(cat "$tmp/pid")" 2>/dev/null
finished "SIGTERM" 143

run
wait_for "$status_re" 100
keys ' '
sleep 0.3
keys C-c
finished "Ctrl-C" 130

run
wait_for "$status_re" 100
kill -HUP "$(cat "$tmp/pid")" 2>/dev/null
finished "SIGHUP" 129

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

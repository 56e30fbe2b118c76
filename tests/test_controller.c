/* test_controller.c - the explorer driven through its controller, without
 * a terminal: actions as keys and scripts give them, the work in slices,
 * the view the panes draw, the --record file.
 *
 * The built-in lesson (the 2-D quadratic) and ridge_diabetes are small
 * enough to run outer steps and comparisons to the end here.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../models/model.h"
#include "../src/compare.h"
#include "../src/config.h"
#include "../src/error.h"
#include "../src/plane.h"
#include "../src/seeds.h"
#include "../src/timer.h"
#include "action.h"
#include "canvas.h"
#include "check.h"
#include "controller.h"
#include "keys.h"
#include "runner.h"
#include "view.h"

#define ALL (1L << 40) /* settle: no cap on units */

static ihg_config lesson_cfg, ridge_cfg;

static ihg_ctl *lesson(ihg_config *cfg, const char *set)
{
    char buf[64];
    char *ov[2] = {NULL, NULL};
    if (set) {
        snprintf(buf, sizeof buf, "%s", set);
        ov[0] = buf;
    }
    if (ihg_config_load_string(cfg, "<built-in>", ihg_default_experiment,
                               strlen(ihg_default_experiment), ov) != IHG_OK) {
        printf("FAIL: the built-in lesson loads: %s\n", ihg_error_message());
        exit(1);
    }
    return ihg_ctl_alloc(cfg);
}

/* A shipped experiment with one --set override (NULL: none) and its
 * controller (NULL when that fails); a file that does not load ends the
 * test. */
static ihg_ctl *experiment_set(ihg_config *cfg, const char *file, const char *set)
{
    char path[4096], override[256];
    char *ov[2] = {NULL, NULL};
    const char *top = getenv("top_srcdir");
    snprintf(path, sizeof path, "%s/experiments/%s", top && *top ? top : ".", file);
    if (set) {
        snprintf(override, sizeof override, "%s", set);
        ov[0] = override;
    }
    if (ihg_config_load(cfg, path, ov) != IHG_OK) {
        printf("FAIL: %s %s loads: %s\n", file, set ? set : "", ihg_error_message());
        exit(1);
    }
    return ihg_ctl_alloc(cfg);
}

static ihg_ctl *experiment(ihg_config *cfg, const char *file)
{
    return experiment_set(cfg, file, NULL);
}

/* run a script: actions separated by ';', each followed by settling */
static int play(ihg_ctl *c, const char *script)
{
    char buf[512], err[128], *tok, *save = NULL;
    snprintf(buf, sizeof buf, "%s", script);
    for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
        if (ihg_ctl_do(c, tok, err, sizeof err) != 0) {
            printf("  (script '%s': %s)\n", tok, err);
            return -1;
        }
        ihg_ctl_settle(c, ALL);
    }
    return 0;
}

static int contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

static int screen_contains(const ihg_canvas *cv, const char *s)
{
    int y, found = 0;
    for (y = 0; y < cv->h && !found; y++) {
        char *row = ihg_canvas_row_utf8(cv, y);
        found = row && strstr(row, s) != NULL;
        free(row);
    }
    return found;
}

/* ---- the text form of actions ------------------------------------------- */

static void test_actions(void)
{
    static const char *const texts[] = {
        "quit", "toggle", "play", "pause", "inner 1", "outer 3", "fewer-terms",
        "more-terms", "K 20", "smaller-alpha", "larger-alpha", "alpha 0.25", "best-alpha",
        "next-method", "method cg", "compare", "log", "accuracy", "grey", "reset",
        "next-pane", "prev-pane", "focus 3", "zoom", "zoom 6", "unzoom", "left", "right",
        "up", "down", "help", "theme", "redraw", "resize", "seeds", "seeds 3"};
    static const char *const bad[] = {"", "jump", "K", "K x", "K -2", "outer 0", "focus 7",
                                      "alpha nan", "method", "log 2", "outer 1 2"};
    size_t i;
    int round_trip = 1;
    char buf[64], err[128];
    ihg_act a, b;
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (ihg_act_parse(texts[i], &a, err, sizeof err) != 0) {
            printf("  (%s: %s)\n", texts[i], err);
            round_trip = 0;
            continue;
        }
        ihg_act_format(&a, buf, sizeof buf);
        if (ihg_act_parse(buf, &b, err, sizeof err) != 0 || a.action != b.action ||
            a.arg != b.arg || a.value != b.value || strcmp(a.name, b.name) != 0 ||
            strcmp(buf, texts[i]) != 0) {
            printf("  (%s -> %s)\n", texts[i], buf);
            round_trip = 0;
        }
    }
    CHECK(round_trip, "actions: every word parses and formats back to itself");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CHECK(ihg_act_parse(bad[i], &a, err, sizeof err) == -1 && err[0],
              "actions: '%s' refused (%s)", bad[i], err);
    }
    ihg_act_parse("outer 3", &a, err, sizeof err);
    CHECK(a.action == IHG_ACT_OUTER && a.arg == 3, "actions: 'outer 3' is 3 outer steps");
    ihg_act_parse("focus 6", &a, err, sizeof err);
    CHECK(a.action == IHG_ACT_PANE && a.arg == IHG_PANE_2D, "actions: 'focus 6' is pane 6");
    ihg_act_parse("alpha 0.25", &a, err, sizeof err);
    CHECK(a.action == IHG_ACT_SET_ALPHA && a.value == 0.25, "actions: 'alpha 0.25'");
}

/* ---- keys ------------------------------------------------------------------- */

static void test_keys(void)
{
    static const struct {
        long key;
        ihg_action action;
        long arg;
    } k[] = {{'o', IHG_ACT_OUTER, 1},        {'i', IHG_ACT_INNER, 1},
             {' ', IHG_ACT_PLAY, -1},        {'n', IHG_ACT_TERMS_DOWN, 0},
             {'N', IHG_ACT_TERMS_UP, 0},     {'a', IHG_ACT_ALPHA_DOWN, 0},
             {'A', IHG_ACT_ALPHA_UP, 0},     {'m', IHG_ACT_METHOD, 0},
             {'c', IHG_ACT_COMPARE, 0},      {'l', IHG_ACT_LOG, 0},
             {'L', IHG_ACT_RIGHT, 0},        {'h', IHG_ACT_LEFT, 0},
             {'j', IHG_ACT_DOWN, 0},         {'k', IHG_ACT_UP, 0},
             {'3', IHG_ACT_PANE, 2},         {'6', IHG_ACT_PANE, 5},
             {'z', IHG_ACT_ZOOM, -1},        {'\t', IHG_ACT_NEXT_PANE, 0},
             {IHG_KEY_BTAB, IHG_ACT_PREV_PANE, 0}, {IHG_KEY_LEFT, IHG_ACT_LEFT, 1},
             {IHG_KEY_PGDN, IHG_ACT_SLIDE_NEXT, 0}, {IHG_KEY_PGUP, IHG_ACT_SLIDE_PREV, 0},
             {'.', IHG_ACT_REPLAY, 0},       {'R', IHG_ACT_REVEAL, 0},
             {'!', IHG_ACT_NOTES, 0},        {'[', IHG_ACT_SCRUB, -1},
             {']', IHG_ACT_SCRUB, 1},        {'}', IHG_ACT_SCRUB, 0},
             {'B', IHG_ACT_BRANCH, 0},       {'e', IHG_ACT_EXPORT, -1},
             {'w', IHG_ACT_SAVE, 0},
             {IHG_KEY_F1, IHG_ACT_HELP, 0},  {'?', IHG_ACT_HELP, 0},
             {'q', IHG_ACT_QUIT, 0},         {27, IHG_ACT_ESCAPE, 0},
             {'x', IHG_ACT_NONE, 0},         {'7', IHG_ACT_NONE, 0}};
    size_t i;
    for (i = 0; i < sizeof k / sizeof k[0]; i++) {
        ihg_act a = ihg_key_lookup(k[i].key);
        CHECK(a.action == k[i].action && a.arg == k[i].arg,
              "keys: key %ld -> action %d arg %ld (got %d, %ld)", k[i].key, (int)k[i].action,
              k[i].arg, (int)a.action, a.arg);
    }
}

/* ---- the lesson, step by step --------------------------------------------- */

static void test_lesson(void)
{
    ihg_ctl *c = lesson(&lesson_cfg, NULL);
    ihg_session *s;
    ihg_view v;
    const ihg_record *h;
    char err[128];
    FILE *rec = tmpfile();
    long units;
    if (!c) {
        CHECK(0, "lesson: controller built (%s)", ihg_error_message());
        return;
    }
    s = ihg_ctl_session(c);
    ihg_ctl_set_record(c, rec);

    /* start: the automatic comparison is queued, nothing has run */
    CHECK(ihg_ctl_busy(c), "start: the comparison at the start is waiting");
    ihg_ctl_view(c, &v);
    CHECK(v.cmp == NULL && v.cmp_progress != NULL,
          "start: no comparison yet, its progress is shown (%s)", v.cmp_progress);
    CHECK(contains(v.message, "P = 2 parameters, 2 hyperparameters"),
          "start: the message names P and the hyperparameters (%s)", v.message);
    CHECK(v.plane.on && v.plane.n_path == 1 && v.disp.focus == IHG_PANE_LOSS &&
              v.disp.zoom == -1 && v.disp.log_y,
          "start: 2-D view on with the starting point, losses focused, log axis");
    units = ihg_ctl_settle(c, ALL);
    ihg_ctl_view(c, &v);
    CHECK(!ihg_ctl_busy(c) && v.cmp && v.cmp_outer == -1 && units > 10,
          "start: the comparison completes at the current point (%ld units)", units);

    /* one outer step */
    CHECK(play(c, "outer 1") == 0, "outer 1: runs");
    ihg_ctl_view(c, &v);
    CHECK(v.outer_done == 1 && v.nhist == 1 && v.phase == IHG_PHASE_INNER && !v.running,
          "outer 1: one record, paused in the next inner loop");
    CHECK(v.cmp && v.cmp_outer == 1 && !v.cmp_stale,
          "outer 1: compared automatically where --batch --compare does (outer %ld)",
          v.cmp_outer);
    CHECK(v.plane.n_path == 2 && isfinite(v.plane.opt_path[2]) && isfinite(v.plane.opt[0]),
          "outer 1: the 2-D path grew by theta, lambda and theta*(lambda)");
    {
        /* theta*(lambda) comes from the model's closed form */
        double o[2];
        CHECK(ihg_plane_optimum(s, v.plane.lambda_path + 2, o) == 0 &&
                  o[0] == v.plane.opt_path[2] && o[1] == v.plane.opt_path[3],
              "outer 1: path point theta*(lambda_1) = the model's solve_inner");
    }
    h = v.hist;
    CHECK(h[0].outer == 1 && h[0].terms == 10 && isfinite(h[0].val_loss),
          "outer 1: the record (K = %ld, L_V = %g)", h[0].terms, h[0].val_loss);

    /* settings: relative (keys) and absolute (scripts) */
    play(c, "more-terms");
    CHECK(ihg_session_terms(s) == 15, "more-terms: K 10 -> 15, steps of 5 from 10 (%ld)", ihg_session_terms(s));
    play(c, "fewer-terms; fewer-terms");
    CHECK(ihg_session_terms(s) == 9, "fewer-terms twice: K 15 -> 10 -> 9");
    play(c, "K 20");
    ihg_ctl_view(c, &v);
    CHECK(v.terms == 20 && contains(v.message, "K changed: neumann, K = 20"),
          "K 20: set (%s)", v.message);
    play(c, "K 200000");
    ihg_ctl_view(c, &v);
    CHECK(v.terms == 20 && contains(v.message, "K stays 20"), "K 200000: refused (%s)",
          v.message);
    play(c, "larger-alpha");
    CHECK(fabs(ihg_session_alpha(s) - 0.1 * sqrt(2.0)) < 1e-15,
          "larger-alpha: alpha times sqrt 2 (%.17g)", ihg_session_alpha(s));
    play(c, "alpha 0.05");
    CHECK(ihg_session_alpha(s) == 0.05, "alpha 0.05: set");
    play(c, "next-method");
    ihg_ctl_view(c, &v);
    CHECK(strcmp(v.method_name, "cg") == 0 && v.method == &ihg_method_cg,
          "next-method: neumann -> cg (%s)", v.method_name);
    play(c, "method identity");
    ihg_ctl_view(c, &v);
    CHECK(v.method == &ihg_method_identity && !(v.method->flags & IHG_METHOD_USES_K),
          "method identity: set, no terms");
    CHECK(ihg_ctl_do(c, "method bogus", err, sizeof err) == 0, "method bogus: an action");
    ihg_ctl_view(c, &v);
    CHECK(strcmp(v.method_name, "identity") == 0 && contains(v.message, "method stays identity"),
          "method bogus: refused with a message (%s)", v.message);
    play(c, "method neumann; alpha 0.1; K 10");

    /* a comparison on request, and one asked for twice */
    ihg_ctl_do(c, "compare", err, sizeof err);
    ihg_ctl_view(c, &v);
    CHECK(ihg_ctl_busy(c) && v.cmp_progress && contains(v.message, "comparing every method"),
          "compare: started (%s)", v.message);
    ihg_ctl_work(c, 1e9, NULL, NULL); /* one slice: a stage */
    ihg_ctl_do(c, "compare", err, sizeof err);
    ihg_ctl_view(c, &v);
    CHECK(contains(v.message, "already comparing"), "compare twice: says so (%s)", v.message);
    ihg_ctl_settle(c, ALL);
    ihg_ctl_view(c, &v);
    CHECK(v.cmp && v.cmp_outer == -1 && contains(v.message, "compared at the current point"),
          "compare: done at the current point (%s)", v.message);

    /* one more outer step: the record file gets its second line */
    play(c, "outer 1");

    /* a comparison at the current point goes stale when theta moves */
    {
        ihg_canvas *cv = ihg_canvas_alloc(120, 40, 0);
        play(c, "compare");
        ihg_ctl_view(c, &v);
        CHECK(v.cmp && v.cmp_outer == -1 && !v.cmp_moved, "stale: fresh after compare");
        play(c, "inner 1");
        ihg_ctl_view(c, &v);
        ihg_render(cv, &v, ihg_ctl_display_ctx(c)->available);
        CHECK(v.cmp_moved && v.cmp_stale &&
                  screen_contains(cv, "3 Neumann & CG stale: \xce\xb8 moved since"),
              "stale: after an inner step pane 3 says its numbers are of an earlier theta");
        v.disp.zoom = IHG_PANE_THEORY;
        ihg_render(cv, &v, ihg_ctl_display_ctx(c)->available);
        CHECK(screen_contains(cv, "the comparison below is of an earlier theta"),
              "stale: ... and pane 5 too");
        ihg_canvas_free(cv);
    }

    /* inner steps one at a time */
    {
        long done, total;
        play(c, "inner 1");
        ihg_session_progress(s, &done, &total);
        CHECK(done == 2 && ihg_session_phase(s) == IHG_PHASE_INNER, "inner 1: one inner step");
        play(c, "inner 3");
        ihg_session_progress(s, &done, &total);
        CHECK(done == 5, "inner 3: three more (%ld)", done);
    }

    /* reset: back to the start, settings kept */
    play(c, "K 12; reset");
    ihg_ctl_view(c, &v);
    CHECK(v.outer_done == 0 && v.nhist == 0 && v.terms == 12 && v.plane.n_path == 1 &&
              contains(v.message, "reset to the start (seed"),
          "reset: outer 0, K kept, the path restarts (%s)", v.message);

    /* the record file: one line per outer step, and event lines for the
     * reset, the settings and every comparison */
    {
        static char line[1 << 16];
        int steps = 0, outer_1 = 0, resets = 0, methods = 0, terms = 0, alphas = 0, cmps = 0,
            at = 0, other = 0;
        rewind(rec);
        while (fgets(line, sizeof line, rec)) {
            if (strncmp(line, "{\"event\":", 9) != 0) {
                steps++;
                if (strncmp(line, "{\"outer\":1,", 11) == 0)
                    outer_1++;
            } else if (strstr(line, "\"event\":\"reset\",\"outer\":0,"))
                resets++;
            else if (strstr(line, "\"event\":\"method\""))
                methods++;
            else if (strstr(line, "\"event\":\"terms\""))
                terms++;
            else if (strstr(line, "\"event\":\"alpha\""))
                alphas++;
            else if (strstr(line, "\"event\":\"compare\"")) {
                cmps++;
                if (strstr(line, "\"at_outer\":1,") && strstr(line, "\"compare\":{"))
                    at++;
            } else
                other++;
        }
        CHECK(steps == 2 && outer_1 == 1, "record: one line per outer step (%d)", steps);
        CHECK(resets == 1 && other == 0, "record: the reset is an event line (%d)", resets);
        CHECK(methods == 3 && terms == 6 && alphas == 3,
              "record: each change of method (%d), K (%d) and alpha (%d) is an event line",
              methods, terms, alphas);
        CHECK(cmps >= 3 && at == 1,
              "record: comparisons are event lines with --batch --compare's numbers (%d, "
              "%d at outer 1)", cmps, at);
    }
    CHECK(ihg_ctl_close_record(c, "rec") == IHG_OK, "record: closed without error");
    ihg_ctl_free(c);
}

/* ---- slices, pacing and stopping ------------------------------------------ */

static int always(void *arg)
{
    (void)arg;
    return 1;
}

static void test_slices(void)
{
    ihg_config cfg;
    ihg_ctl *c = lesson(&cfg, NULL);
    ihg_session *s = ihg_ctl_session(c);
    char err[128];
    long d0, d1, tot;
    unsigned r;
    ihg_ctl_settle(c, ALL);
    ihg_ctl_do(c, "outer 1", err, sizeof err);
    ihg_session_progress(s, &d0, &tot);
    r = ihg_ctl_work(c, 1e9, always, NULL);
    ihg_session_progress(s, &d1, &tot);
    CHECK(d1 == d0 + 1 && r == 0, "slice: stop() ends it after one unit (inner %ld -> %ld)", d0,
          d1);
    /* run the inner loop out: the first Neumann term asks to be shown */
    do
        r = ihg_ctl_work(c, 1e9, NULL, NULL);
    while (r == 0 && ihg_session_phase(s) != IHG_PHASE_SOLVE);
    r = ihg_ctl_work(c, 1e9, NULL, NULL);
    {
        ihg_view v;
        ihg_ctl_view(c, &v);
        CHECK(r == IHG_CTL_PACE && v.n_qnorm >= 1 && v.phase == IHG_PHASE_SOLVE,
              "slice: a Neumann term ends the slice with the pacing hint (%ld ||q_j||)",
              v.n_qnorm);
    }
    ihg_ctl_settle(c, ALL);
    CHECK(!ihg_ctl_busy(c) && ihg_session_outer(s) == 1, "slice: the outer step completes");

    /* play: keeps going; pause stops */
    ihg_ctl_do(c, "play", err, sizeof err);
    CHECK(ihg_ctl_busy(c), "play: busy");
    ihg_ctl_work(c, 0.001, NULL, NULL);
    ihg_ctl_do(c, "pause", err, sizeof err);
    CHECK(!ihg_ctl_busy(c) || ihg_ctl_comparison(c) != NULL, "pause: nothing but a comparison waits");
    ihg_ctl_do(c, "toggle", err, sizeof err);
    {
        ihg_view v;
        ihg_ctl_view(c, &v);
        CHECK(v.running, "toggle: plays again");
    }
    ihg_ctl_do(c, "quit", err, sizeof err);
    CHECK(ihg_ctl_quit(c), "quit: asked for");
    ihg_ctl_free(c);
    ihg_config_free(&cfg);
}

/* ---- recorded time: the engine's work only ---------------------------------- */

/* The explorer pauses after each solve term (pacing) and between frames;
 * a record's seconds is the sum of the outer step's units, so it can never
 * exceed the elapsed time less the pauses (a bound, not a speed). */
static void test_record_seconds(void)
{
    ihg_config cfg;
    ihg_ctl *c = lesson(&cfg, NULL);
    struct timespec pause = {0, 20 * 1000 * 1000};
    double t0, elapsed, paused = 0;
    long pauses = 0;
    char err[128];
    ihg_view v;
    ihg_ctl_settle(c, ALL);
    ihg_ctl_do(c, "outer 1", err, sizeof err);
    t0 = ihg_now();
    while (ihg_ctl_busy(c)) {
        if (ihg_ctl_work(c, 0.030, NULL, NULL) & IHG_CTL_PACE) {
            double p0 = ihg_now();
            nanosleep(&pause, NULL);
            paused += ihg_now() - p0;
            pauses++;
        }
    }
    elapsed = ihg_now() - t0;
    ihg_ctl_view(c, &v);
    CHECK(v.nhist == 1 && pauses == 10 && v.hist[0].seconds > 0 &&
              v.hist[0].seconds <= elapsed - paused,
          "record: seconds %.6f <= elapsed %.6f less %ld pauses of %.6f s in all",
          v.nhist ? v.hist[0].seconds : NAN, elapsed, pauses, paused);
    ihg_ctl_free(c);
    ihg_config_free(&cfg);
}

/* ---- divergence and carrying on --------------------------------------------- */

static void test_divergence(void)
{
    ihg_config cfg;
    ihg_ctl *c = lesson(&cfg, NULL);
    ihg_view v;
    play(c, "alpha 2; outer 1");
    ihg_ctl_view(c, &v);
    CHECK(v.phase == IHG_PHASE_STOPPED && contains(v.message, "stopped:") &&
              ihg_ctl_message(c)->sticky && !v.running,
          "alpha 2: the Neumann series diverges, the run stops (%s)", v.message);
    play(c, "log");
    ihg_ctl_view(c, &v);
    CHECK(contains(v.message, "stopped:"), "stopped: the reason stays through a display key");
    play(c, "alpha 0.1; outer 1");
    ihg_ctl_view(c, &v);
    CHECK(v.phase != IHG_PHASE_STOPPED && v.outer_done == 1,
          "alpha 0.1, outer 1: the stopped step starts again and completes (outer %ld)",
          v.outer_done);
    ihg_ctl_free(c);
    ihg_config_free(&cfg);
}

/* ---- the display state ------------------------------------------------------- */

static void test_display(void)
{
    ihg_ctl *c = experiment(&ridge_cfg, "ridge_diabetes.yaml");
    ihg_view v;
    if (!c) {
        CHECK(0, "ridge: controller built (%s)", ihg_error_message());
        return;
    }
    ihg_ctl_settle(c, ALL);
    play(c, "focus 3");
    CHECK(ihg_ctl_display(c)->focus == IHG_PANE_NEUMANN && ihg_ctl_display(c)->zoom == -1,
          "focus 3: pane 3 focused");
    play(c, "focus 3");
    CHECK(ihg_ctl_display(c)->zoom == IHG_PANE_NEUMANN, "focus 3 again: zoomed");
    play(c, "next-pane");
    CHECK(ihg_ctl_display(c)->focus == IHG_PANE_SPECTRUM &&
              ihg_ctl_display(c)->zoom == IHG_PANE_SPECTRUM,
          "next-pane while zoomed: the zoom follows");
    play(c, "next-pane; next-pane");
    CHECK(ihg_ctl_display(c)->focus == IHG_PANE_LOSS,
          "next-pane: pane 6 skipped where it does not exist (ridge)");
    play(c, "unzoom; focus 6");
    ihg_ctl_view(c, &v);
    CHECK(!ihg_ctl_display_ctx(c)->available[IHG_PANE_2D] && !v.plane.on && v.img_k == 0 &&
              contains(v.message, "pane 6 (2-D view) is for the quadratic model"),
          "focus 6 on ridge: refused with a message (%s)", v.message);
    play(c, "accuracy");
    ihg_ctl_view(c, &v);
    CHECK(!v.disp.show_acc && contains(v.message, "not a classifier"),
          "accuracy on ridge: not a classifier");
    play(c, "focus 2; down; down; down; down; down; down; down; down; down; down; down; down");
    CHECK(ihg_ctl_display(c)->scroll_y[IHG_PANE_HYPER] == 10,
          "down in pane 2: scrolls, at most to the number of lambdas (%d)",
          ihg_ctl_display(c)->scroll_y[IHG_PANE_HYPER]);
    play(c, "focus 1; left; left; right; right; right");
    CHECK(ihg_ctl_display(c)->scroll_x[IHG_PANE_LOSS] == 0,
          "left/right in pane 1: looks back, never past the newest step");
    play(c, "help");
    CHECK(ihg_ctl_display(c)->help, "help: shown");
    play(c, "outer 1");
    ihg_ctl_view(c, &v);
    CHECK(!v.disp.help && v.outer_done == 0, "any action closes the help (and does nothing else)");
    play(c, "log");
    CHECK(!ihg_ctl_display(c)->log_y, "log: linear axis");
    play(c, "zoom 4");
    CHECK(ihg_ctl_display(c)->zoom == IHG_PANE_SPECTRUM && ihg_ctl_display(c)->focus == 3,
          "zoom 4 (a script): pane 4 zoomed and focused");

    /* the record file: a write error is reported */
    {
        FILE *full = fopen("/dev/full", "w");
        if (full) {
            ihg_ctl_set_record(c, full);
            play(c, "outer 1");
            ihg_ctl_view(c, &v);
            CHECK(contains(v.message, "cannot write the --record file") &&
                      ihg_ctl_message(c)->sticky,
                  "record on /dev/full: the write error is shown (%s)", v.message);
            CHECK(ihg_ctl_close_record(c, "/dev/full") == IHG_EWRITE &&
                      contains(ihg_error_message(), "/dev/full: write error"),
                  "record on /dev/full: close reports it (%s)", ihg_error_message());
        }
    }
    ihg_ctl_free(c);
}

/* ---- the 2-D view through the renderer ------------------------------------- */

static void test_plane(void)
{
    ihg_config cfg;
    ihg_ctl *c = lesson(&cfg, NULL);
    ihg_session *s = ihg_ctl_session(c);
    ihg_canvas *cv = ihg_canvas_alloc(100, 32, 0);
    ihg_plane_frame want;
    ihg_view v;
    int before, after, i, j, ok = 1;
    ihg_model *m = ihg_session_model_scratch(s);
    play(c, "outer 2; zoom 6");
    ihg_ctl_view(c, &v);
    memset(&want, 0, sizeof want);
    v.plane_want = &want;
    ihg_render(cv, &v, ihg_ctl_display_ctx(c)->available);
    CHECK(want.nx > 0 && want.ny > 0 && v.plane.grid == NULL,
          "2-D: the pane asks for a %dx%d loss grid", want.nx, want.ny);
    before = 0;
    for (j = 0; j < cv->h; j++)
        for (i = 0; i < cv->w; i++)
            before += ihg_canvas_get(cv, i, j).role == IHG_ROLE_DIM &&
                      ihg_canvas_get(cv, i, j).ch >= 0x2800 && ihg_canvas_get(cv, i, j).ch <= 0x28FF;
    CHECK(ihg_ctl_plane_grid(c, &want) == 1, "2-D: the controller computes it");
    CHECK(ihg_ctl_plane_grid(c, &want) == 0, "2-D: and not again for the same frame");
    ihg_ctl_view(c, &v);
    CHECK(v.plane.grid && v.plane.grid_frame.nx == want.nx &&
              v.plane.grid_frame.lambda_version == v.lambda_version,
          "2-D: the view carries the grid for the current lambda");
    /* every grid value is the model's L_T at that point */
    for (j = 0; j < want.ny && ok; j += 7)
        for (i = 0; i < want.nx && ok; i += 5) {
            double p[2] = {want.x0 + i * want.step, want.y0 + (want.ny - 1 - j) * want.step};
            gsl_vector_view pv = gsl_vector_view_array(p, 2);
            gsl_vector_const_view ml = gsl_vector_const_subvector(v.lambda, 0, 2);
            double L = m->type->train_loss(m, &pv.vector, &ml.vector, NULL, NULL);
            if (L != v.plane.grid[(size_t)j * want.nx + i])
                ok = 0;
        }
    CHECK(ok, "2-D: grid values are L_T(theta, lambda) of the model, bit for bit");
    memset(&want, 0, sizeof want);
    v.plane_want = &want;
    ihg_render(cv, &v, ihg_ctl_display_ctx(c)->available);
    after = 0;
    for (j = 0; j < cv->h; j++)
        for (i = 0; i < cv->w; i++)
            after += ihg_canvas_get(cv, i, j).role == IHG_ROLE_DIM &&
                     ihg_canvas_get(cv, i, j).ch >= 0x2800 && ihg_canvas_get(cv, i, j).ch <= 0x28FF;
    CHECK(want.nx == 0 && after > before + 50,
          "2-D: with the grid the contours are drawn (%d dim braille cells, %d before)", after,
          before);
    CHECK(screen_contains(cv, "6 2-D view") && screen_contains(cv, "outer 2/30"),
          "2-D: the frame shows pane 6 zoomed and the status bar");
    /* a new lambda makes the grid stale: the pane asks again */
    play(c, "outer 1");
    ihg_ctl_view(c, &v);
    memset(&want, 0, sizeof want);
    v.plane_want = &want;
    ihg_render(cv, &v, ihg_ctl_display_ctx(c)->available);
    CHECK(want.nx > 0 && want.lambda_version == v.lambda_version,
          "2-D: after an outer step the pane asks for the grid at the new lambda");
    ihg_canvas_free(cv);
    ihg_ctl_free(c);
    ihg_config_free(&cfg);
}

/* ---- the engine on its own thread ------------------------------------------ */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* wait (at most ~20 s) until the rendered screen shows text */
static int runner_shows(ihg_runner *r, ihg_canvas *cv, const char *text)
{
    int i;
    for (i = 0; i < 4000; i++) {
        if (ihg_runner_render(r, cv) && screen_contains(cv, text))
            return 1;
        sleep_ms(5);
    }
    return 0;
}

static void test_runner(void)
{
    ihg_config cfg;
    ihg_ctl *c = lesson(&cfg, NULL);
    ihg_canvas *cv = ihg_canvas_alloc(120, 40, 0);
    ihg_runner *r;
    ihg_act a;
    char err[128];
    unsigned long sent, taken, published;
    r = ihg_runner_start(c, -1);
    CHECK(r != NULL, "runner: the engine thread starts");
    if (!r)
        return;
    CHECK(ihg_runner_render(r, cv) && screen_contains(cv, "quadratic-lesson"),
          "runner: a snapshot is there to draw at once");
    ihg_act_parse("outer 2", &a, err, sizeof err);
    CHECK(ihg_runner_send(r, &a) == 0, "runner: outer 2 goes to the engine");
    CHECK(runner_shows(r, cv, "outer 2/30") && runner_shows(r, cv, "PAUSED"),
          "runner: the engine runs two outer steps and pauses");
    ihg_act_parse("play", &a, err, sizeof err);
    ihg_runner_send(r, &a);
    CHECK(runner_shows(r, cv, "RUNNING"), "runner: play");
    /* a display key changes the screen at once, whatever the engine does */
    ihg_act_parse("log", &a, err, sizeof err);
    CHECK(ihg_runner_send(r, &a) == 1 && !ihg_runner_display(r)->log_y,
          "runner: a display key is applied by the UI thread at once");
    CHECK(ihg_runner_render(r, cv) && screen_contains(cv, "[lin]"),
          "runner: the next frame shows it (linear axis)");
    ihg_act_parse("focus 3", &a, err, sizeof err);
    ihg_runner_send(r, &a);
    ihg_runner_send(r, &a);
    CHECK(ihg_runner_render(r, cv) && screen_contains(cv, "3 Neumann & CG") &&
              screen_contains(cv, "[zoom]"),
          "runner: focus 3 twice zooms pane 3 at once");
    ihg_act_parse("pause", &a, err, sizeof err);
    ihg_runner_send(r, &a);
    CHECK(runner_shows(r, cv, "PAUSED"), "runner: pause");
    ihg_act_parse("K 7", &a, err, sizeof err);
    ihg_runner_send(r, &a);
    CHECK(runner_shows(r, cv, "K=7 "), "runner: K 7 reaches the engine and comes back");
    ihg_runner_counts(r, &sent, &taken, &published);
    CHECK(sent == 4 && taken == 4 && published > 2,
          "runner: 4 actions sent and taken, %lu snapshots", published);
    ihg_act_parse("help", &a, err, sizeof err);
    ihg_runner_send(r, &a);
    ihg_act_parse("outer 1", &a, err, sizeof err);
    CHECK(ihg_runner_send(r, &a) == 1 && !ihg_runner_display(r)->help,
          "runner: with the help shown, a key only closes it");
    ihg_runner_counts(r, &sent, NULL, NULL);
    CHECK(sent == 4, "runner: ... and does not reach the engine");
    ihg_act_parse("quit", &a, err, sizeof err);
    ihg_runner_send(r, &a);
    CHECK(ihg_runner_quit(r), "runner: quit is the UI's, at once");
    ihg_runner_free(r);
    CHECK(ihg_session_terms(ihg_ctl_session(c)) == 7 && ihg_session_outer(ihg_ctl_session(c)) >= 2,
          "runner: stopped; the controller is the caller's again (K = 7, outer %ld)",
          ihg_session_outer(ihg_ctl_session(c)));
    ihg_canvas_free(cv);
    ihg_ctl_free(c);
    ihg_config_free(&cfg);
}

/* ---- determinism: the same script gives the same numbers ------------------- */

static void test_replay(void)
{
    ihg_config a_cfg, b_cfg;
    ihg_ctl *a = lesson(&a_cfg, NULL), *b = lesson(&b_cfg, NULL);
    const char *script = "outer 2; K 5; method cg; outer 1; reset; alpha 0.2; outer 2";
    ihg_view va, vb;
    size_t i;
    int same;
    play(a, script);
    play(b, "outer 1; compare; log; focus 3");
    play(b, "reset");
    play(b, "K 5; method cg; alpha 0.2; outer 2");
    ihg_ctl_view(a, &va);
    ihg_ctl_view(b, &vb);
    same = va.nhist == vb.nhist && va.nhist == 2;
    for (i = 0; same && i < va.nhist; i++)
        same = va.hist[i].val_loss == vb.hist[i].val_loss &&
               va.hist[i].hypergrad_norm == vb.hist[i].hypergrad_norm &&
               va.hist[i].lambda_norm == vb.hist[i].lambda_norm;
    CHECK(same, "replay: after reset, the same actions give the same records bit for bit");
    CHECK(gsl_vector_equal(va.lambda, vb.lambda), "replay: the same lambda");
    ihg_ctl_free(a);
    ihg_ctl_free(b);
    ihg_config_free(&a_cfg);
    ihg_config_free(&b_cfg);
}

/* ---- damping and preconditioning on screen ------------------------------ */

/* ridge with hypergrad.damping and precondition: jacobi at a step alpha
 * the plain series cannot take: pane 3 draws the conditioned curves beside
 * the plain ones, pane 4 names the spectrum the conditioned series sees,
 * which converges (rho_seen < 1) while the plain one diverges. */
static void test_conditioned(void)
{
    ihg_config cfg;
    char path[4096];
    const char *top = getenv("top_srcdir");
    char *ov[] = {"hypergrad.damping=0.5", "hypergrad.precondition=jacobi",
                  "hypergrad.alpha=0.5", NULL};
    snprintf(path, sizeof path, "%s/experiments/ridge_diabetes.yaml", top && *top ? top : ".");
    if (ihg_config_load(&cfg, path, ov) != IHG_OK) {
        CHECK(0, "conditioned ridge loads: %s", ihg_error_message());
        return;
    }
    ihg_ctl *c = ihg_ctl_alloc(&cfg);
    ihg_canvas *cv = ihg_canvas_alloc(120, 40, 0);
    ihg_view v;
    play(c, "inner 30; compare; zoom 3");
    ihg_ctl_view(c, &v);
    CHECK(v.cmp && v.cmp->conditioned && v.cmp->eig_seen && v.cmp->rho_seen < 1 &&
              v.cmp->rho >= 1,
          "conditioned: the comparison has the conditioned spectrum (rho_seen %.3g < 1 <= "
          "rho %.3g)", v.cmp ? v.cmp->rho_seen : NAN, v.cmp ? v.cmp->rho : NAN);
    ihg_render(cv, &v, ihg_ctl_display_ctx(c)->available);
    CHECK(screen_contains(cv, "Neumann conditioned") && screen_contains(cv, "CG conditioned"),
          "conditioned: pane 3 draws the conditioned curves");
    play(c, "zoom 4");
    ihg_ctl_view(c, &v);
    ihg_render(cv, &v, ihg_ctl_display_ctx(c)->available);
    CHECK(screen_contains(cv, "conditioned (") && screen_contains(cv, "the series sees ["),
          "conditioned: pane 4 names the spectrum the conditioned series sees");
    ihg_canvas_free(cv);
    ihg_ctl_free(c);
    ihg_config_free(&cfg);
}

/* Render v into cv with the canvas audit on: 1 when nothing was cut or
 * written over. */
static int render_audited(ihg_canvas *cv, ihg_view *v, const ihg_ctl *c)
{
    ihg_audit *a = calloc(1, sizeof *a);
    int ok;
    if (!a)
        return 0;
    ihg_audit_start(a, cv);
    ihg_render(cv, v, ihg_ctl_display_ctx(c)->available);
    ok = !a->clipped && !a->overlaps;
    if (!ok)
        printf("  (%d cut, first %s; %d over, first %s)\n", a->clipped, a->first_clip,
               a->overlaps, a->first_overlap);
    ihg_audit_stop(a, cv);
    free(a);
    return ok;
}

/* The explicit methods in the comparison (the controller records the inner
 * loop up to IHG_CTL_RECORD_MAX_P parameters): pane 3 draws unrolled's
 * curve over its truncation K and names what each error is against; when
 * they cannot run it says why. */
static void test_explicit_compare(void)
{
    ihg_config cfg;
    ihg_ctl *c = experiment(&cfg, "lr_quadratic.yaml");
    ihg_canvas *cv = ihg_canvas_alloc(100, 32, 0);
    ihg_view v;
    const ihg_compare_method *un;
    CHECK(c && cv, "explicit: lr_quadratic controller");
    if (!c || !cv)
        return;
    play(c, "outer 1; zoom 3");
    ihg_ctl_view(c, &v);
    un = v.cmp ? ihg_comparison_find(v.cmp, "unrolled") : NULL;
    CHECK(v.recording && un && un->ran && un->curve && un->kmax == 10,
          "explicit: P = %zu <= %d: the inner loop is recorded and the comparison has "
          "unrolled's curve over K = 1..T (kmax %ld)", v.P, IHG_CTL_RECORD_MAX_P,
          un ? un->kmax : -1L);
    CHECK(render_audited(cv, &v, c), "explicit: pane 3 zoomed at 100x32: nothing cut");
    CHECK(screen_contains(cv, "unrolled K=") && screen_contains(cv, "vs IFT") &&
              screen_contains(cv, "vs whole unroll") && screen_contains(cv, "forward ") &&
              screen_contains(cv, "\xe2\x96\xa0 unrolled") &&
              screen_contains(cv, "\xe2\x96\xb3 trunc. bias"),
          "explicit: pane 3 shows unrolled's series (its own mark), the truncation bias, "
          "forward and fd against the whole unroll and the IFT");
    play(c, "unzoom");
    ihg_canvas_free(cv);
    cv = ihg_canvas_alloc(80, 24, 0);
    ihg_ctl_view(c, &v);
    CHECK(cv && render_audited(cv, &v, c) && screen_contains(cv, "unrolled"),
          "explicit: 80x24: unrolled in pane 3's legend, nothing cut");
    /* above the explorer's cap nothing is recorded: the pane says why */
    play(c, "zoom 3");
    ihg_ctl_view(c, &v);
    if (v.cmp) {
        ihg_comparison *fake = calloc(1, sizeof *fake);
        if (fake && ihg_comparison_copy_shown(fake, v.cmp) == IHG_OK) {
            for (size_t i = 0; i < fake->n_methods; i++)
                if (fake->method[i].type->flags & IHG_METHOD_EXPLICIT) {
                    fake->method[i].ran = 0;
                    snprintf(fake->method[i].skipped, sizeof fake->method[i].skipped,
                             "nothing recorded");
                }
            v.cmp = fake;
            v.recording = 0;
            v.P = 5000;
            ihg_canvas_free(cv);
            cv = ihg_canvas_alloc(120, 40, 0);
            CHECK(cv && render_audited(cv, &v, c) && screen_contains(cv, "P = 5000 > 2000") &&
                      screen_contains(cv, "records no inner loop"),
                  "explicit: above IHG_CTL_RECORD_MAX_P pane 3 says why unrolled, forward and "
                  "fd are absent");
        }
        ihg_comparison_free(fake);
    }
    ihg_canvas_free(cv);
    ihg_ctl_free(c);
    ihg_config_free(&cfg);
}

/* The theory pane states the recurrence an explicit method differentiates
 * and the trajectory's memory; under an IFT method, that the inner
 * optimizer's hyperparameters get 0 and why. */
static void test_explicit_theory(void)
{
    static const struct {
        const char *file, *set, *want[4];
    } cases[] = {
        {"truncation.yaml", NULL,
         {"reverse pass of SGD", "d\xce\xb8 \xe2\x86\x90 d\xce\xb8 \xe2\x88\x92 \xce\xb7 H_t d\xce\xb8",
          "memory: ", "T = 60, K = 5 (truncate)"}},
        {"lr_quadratic.yaml", "inner.optimizer=momentum",
         {"d\xce\xbc_t = dm\xc2\xb7m_t", "\xce\xbc = ", "memory: ", "unrolled"}},
        {"lr_quadratic.yaml", "hypergrad.method=forward",
         {"Z_{t+1} = Z_t \xe2\x88\x92 \xce\xb7(H_t Z_t + J_t)", "bridge (Lorraine", "memory: ",
          "forward"}},
        {"lr_quadratic.yaml", "hypergrad.method=exact",
         {"log lr: not in L_T", "use unrolled or forward", "Implicit function theorem",
          "exact"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ihg_config cfg;
        ihg_ctl *c = experiment_set(&cfg, cases[i].file, cases[i].set);
        ihg_canvas *cv = ihg_canvas_alloc(100, 32, 0);
        ihg_view v;
        int ok = c && cv;
        if (ok) {
            play(c, "outer 1; zoom 5");
            ihg_ctl_view(c, &v);
            ok = render_audited(cv, &v, c);
            for (int k = 0; k < 4 && ok; k++)
                if (!screen_contains(cv, cases[i].want[k])) {
                    printf("  (no '%s')\n", cases[i].want[k]);
                    ok = 0;
                }
        }
        CHECK(ok, "theory: %s %s: the pane states what the method computes, nothing cut",
              cases[i].file, cases[i].set ? cases[i].set : "");
        ihg_canvas_free(cv);
        ihg_ctl_free(c);
        ihg_config_free(&cfg);
    }
}

/* The status bar with an explicit method: K in inner steps of the
 * reverse pass and the trajectory's memory, whole at 80 columns. */
static void test_explicit_status(void)
{
    ihg_config cfg;
    ihg_ctl *c = experiment(&cfg, "truncation.yaml");
    ihg_canvas *cv = ihg_canvas_alloc(80, 24, 0);
    ihg_view v;
    char *row = NULL;
    int ok = c && cv;
    if (ok) {
        play(c, "outer 1");
        ihg_ctl_view(c, &v);
        ok = render_audited(cv, &v, c);
        row = ihg_canvas_row_utf8(cv, 0);
    }
    CHECK(ok && row && contains(row, "unrolled K=5/60 steps") && contains(row, "traj ") &&
              contains(row, " kB") && v.hg_bytes > 0 && row[0] == ' ',
          "status: unrolled K=5/60 steps and the trajectory's memory at 80 columns (%s)",
          row ? row : "");
    free(row);
    ihg_canvas_free(cv);
    ihg_ctl_free(c);
    ihg_config_free(&cfg);
}

/* Pane 2 with more than one segment of lambda: rows labelled by their
 * segment, the title and the histogram naming the segments. */
static void test_segments(void)
{
    static const struct {
        const char *file, *set, *want[3];
    } cases[] = {
        {"lr_quadratic.yaml", NULL, {"dec1 ", "lr ", "log decay 2, log lr"}},
        {"nonunique.yaml", "inner.learn=[lr]", {"all of: ", "log lr", "520"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ihg_config cfg;
        ihg_ctl *c = experiment_set(&cfg, cases[i].file, cases[i].set);
        ihg_canvas *cv = ihg_canvas_alloc(120, 40, 0);
        ihg_view v;
        int ok = c && cv;
        if (ok) {
            play(c, "zoom 2");
            ihg_ctl_view(c, &v);
            ok = render_audited(cv, &v, c);
            for (int k = 0; k < 3 && ok; k++)
                if (!screen_contains(cv, cases[i].want[k])) {
                    printf("  (no '%s')\n", cases[i].want[k]);
                    ok = 0;
                }
        }
        CHECK(ok, "segments: %s %s: pane 2 names the segments of lambda, nothing cut",
              cases[i].file, cases[i].set ? cases[i].set : "");
        ihg_canvas_free(cv);
        ihg_ctl_free(c);
        ihg_config_free(&cfg);
    }
}

/* Key S: the seeds comparison as a job of the engine's units (the view
 * shows its progress between slices, S again cancels it), with the same
 * numbers as --batch --seeds, and its result in the theory pane. */
static void test_seeds(void)
{
    ihg_config cfg, bcfg;
    char err[128], line[8192] = "";
    ihg_ctl *c = experiment(&cfg, "truncation.yaml");
    ihg_canvas *cv = ihg_canvas_alloc(100, 32, 0);
    ihg_view v;
    ihg_act a = ihg_key_lookup('S');
    int slices = 0;
    CHECK(a.action == IHG_ACT_SEEDS && a.arg == 0, "seeds: key S asks for the seeds comparison");
    if (!c || !cv)
        return;
    play(c, "outer 1");
    ihg_ctl_do(c, "seeds 4", err, sizeof err);
    ihg_ctl_work(c, 0, NULL, NULL); /* one unit */
    ihg_ctl_view(c, &v);
    CHECK(v.seeds_state == 1 && v.seeds_progress && ihg_ctl_busy(c),
          "seeds: after one unit it is under way (%s)", v.seeds_progress ? v.seeds_progress : "");
    ihg_ctl_do(c, "seeds", err, sizeof err);
    ihg_ctl_view(c, &v);
    CHECK(v.seeds_state == 0 && !v.seeds_progress && !ihg_ctl_busy(c),
          "seeds: S again cancels it");
    ihg_ctl_do(c, "seeds 4", err, sizeof err);
    while (ihg_ctl_busy(c) && slices < 100000) {
        ihg_ctl_work(c, 0, NULL, NULL);
        slices++;
    }
    ihg_ctl_view(c, &v);
    CHECK(v.seeds_state == 2 && v.seeds_S == 4 && v.seeds_outer == 1 && v.seeds_have_spread &&
              slices > 4 * 60,
          "seeds: done in %d units (at least the 4 x 60 inner steps, one a unit)", slices);
    CHECK(v.seeds.dist_rel < 1e-3 && v.seeds.mine_cos_mean > 0.999 && v.seeds.other_ok &&
              v.seeds.ift_vs_unrolled.mean > 0 && v.seeds.ift_vs_unrolled.mean <= 1 + 1e-12,
          "seeds: ridge by SGD from 4 initial weights: nearby solutions (relative distance "
          "%.3g), the same hypergradient (cosine %.9f)", v.seeds.dist_rel, v.seeds.mine_cos_mean);
    /* the same job as --batch --seeds at outer step 1: the same code, so
     * the same numbers to the last bit */
    {
        char path[4096];
        char *ov[] = {"outer.steps=1", NULL};
        const char *top = getenv("top_srcdir");
        double mean = NAN, cosm = NAN;
        FILE *f = tmpfile();
        snprintf(path, sizeof path, "%s/experiments/truncation.yaml", top && *top ? top : ".");
        if (f && ihg_config_load(&bcfg, path, ov) == IHG_OK) {
            ihg_seeds_run(&bcfg, 4, f);
            rewind(f);
            if (fgets(line, sizeof line, f)) {
                const char *p = strstr(line, "\"val_loss\":{\"mean\":");
                const char *q = strstr(line, "\"cos_mean\":");
                if (p)
                    mean = strtod(p + strlen("\"val_loss\":{\"mean\":"), NULL);
                if (q)
                    cosm = strtod(q + strlen("\"cos_mean\":"), NULL);
            }
            ihg_config_free(&bcfg);
        }
        if (f)
            fclose(f);
        CHECK(mean == v.seeds.val_loss.mean && cosm == v.seeds.mine_cos_mean,
              "seeds: the explorer's numbers are --batch --seeds's (L_V mean %.17g and %.17g)",
              mean, v.seeds.val_loss.mean);
    }
    play(c, "zoom 5");
    ihg_ctl_view(c, &v);
    CHECK(render_audited(cv, &v, c) && screen_contains(cv, "Seeds: 4 runs from the start") &&
              screen_contains(cv, "between solutions") &&
              screen_contains(cv, "IFT vs unrolled in each run") &&
              screen_contains(cv, "retrained at the final"),
          "seeds: the theory pane shows the spread and the warm/cold retraining, nothing cut");
    ihg_canvas_free(cv);
    ihg_ctl_free(c);
    ihg_config_free(&cfg);
}

/* The first key of an entry: "n / N" -> "n", "z, Enter" -> "z". */
static void first_key(const char *s, char *buf, size_t size)
{
    size_t n = 0;
    while (*s == ' ' || *s == '"')
        s++;
    while (s[n] && s[n] != ' ' && s[n] != ',' && s[n] != '"')
        n++;
    snprintf(buf, size, "%.*s", (int)n, s);
}

/* Every key of the help (keys.c) has an entry in ihgtui(1)'s KEYS section
 * and every entry there is a key of the help (keys.c: "keep the three in
 * step"; --help's line is checked by hand). */
static void test_man_keys(void)
{
    char path[4096], line[512], man[64][32];
    const char *top = getenv("top_srcdir");
    int n = 0, in_keys = 0, next_is_entry = 0, ok = 1;
    FILE *f;
    snprintf(path, sizeof path, "%s/man/ihgtui.1", top && *top ? top : ".");
    f = fopen(path, "r");
    CHECK(f != NULL, "man keys: %s opens", path);
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, ".SH", 3) == 0)
            in_keys = strcmp(line, ".SH KEYS") == 0;
        if (!in_keys)
            continue;
        if (strcmp(line, ".TP") == 0) {
            next_is_entry = 1;
            continue;
        }
        if (next_is_entry && n < 64 && line[0] == '.') {
            /* ".BR n \" / \" N" -> n; the roff escapes of - as in keys.c */
            char clean[512], *p = strchr(line, ' ');
            size_t k = 0;
            for (const char *q = p ? p + 1 : ""; *q && k + 1 < sizeof clean; q++) {
                if (q[0] == '\\' && q[1] == '-') {
                    clean[k++] = '-';
                    q++;
                } else if (q[0] == '\\' && q[1] == '(' && q[2] == 'e' && q[3] == 'n') {
                    clean[k++] = '-';
                    q += 3;
                } else {
                    clean[k++] = *q;
                }
            }
            clean[k] = '\0';
            first_key(clean, man[n], sizeof man[n]);
            n++;
        }
        next_is_entry = 0;
    }
    fclose(f);
    CHECK(n > 20, "man keys: %d entries in the KEYS section", n);
    for (int i = 0; ihg_key_help_rows[i].keys; i++) {
        char k[32];
        int found = 0;
        first_key(ihg_key_help_rows[i].keys, k, sizeof k);
        for (int j = 0; j < n && !found; j++)
            found = strcmp(man[j], k) == 0;
        if (!found) {
            printf("  (help key '%s' not in ihgtui(1))\n", k);
            ok = 0;
        }
    }
    for (int j = 0; j < n; j++) {
        int found = 0;
        for (int i = 0; ihg_key_help_rows[i].keys && !found; i++) {
            char k[32];
            first_key(ihg_key_help_rows[i].keys, k, sizeof k);
            found = strcmp(man[j], k) == 0;
        }
        if (!found) {
            printf("  (ihgtui(1) key '%s' not in the help)\n", man[j]);
            ok = 0;
        }
    }
    CHECK(ok, "man keys: the help's keys and ihgtui(1)'s KEYS section are the same");
}

int main(void)
{
    ihg_error_install_gsl_handler();
    test_actions();
    test_keys();
    test_lesson();
    test_slices();
    test_record_seconds();
    test_divergence();
    test_display();
    test_plane();
    test_conditioned();
    test_explicit_compare();
    test_explicit_theory();
    test_explicit_status();
    test_segments();
    test_seeds();
    test_man_keys();
    test_replay();
    test_runner();
    ihg_config_free(&lesson_cfg);
    ihg_config_free(&ridge_cfg);
    return check_summary();
}

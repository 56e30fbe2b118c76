/* tui.c - the explorer's main loop.
 *
 * One thread, no blocking: keys are read with a short timeout, and between
 * reads either the session or a comparison job is advanced one unit of
 * work at a time (one inner step, one Hessian-vector product, ...) for at
 * most a slice of ~30 ms, so a key reaches the screen within one slice
 * (plus the one unit under way).  The screen is rendered into a canvas and
 * copied out only when something changed.
 *
 * A comparison (key c, and automatically after each hypergradient) is an
 * ihg_compare_job.  It reads the session's current point, so the session
 * is not stepped while one runs; it fills a second ihg_comparison, and the
 * panes keep showing the previous one until the new one is complete.
 *
 * Time: the session's record.seconds is the sum of the outer step's units
 * of work, so the explorer's pauses between units (pacing each Neumann
 * term, drawing, a paused run) are not in it; it is shown and recorded
 * as it is.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#define _POSIX_C_SOURCE 200809L
#include "tui.h"

#include <curses.h>
#include <gsl/gsl_blas.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../models/model.h"
#include "../src/compare.h"
#include "../src/error.h"
#include "../src/jsonl.h"
#include "../src/session.h"
#include "canvas.h"
#include "crt.h"
#include "keys.h"
#include "layout.h"
#include "view.h"

#define SLICE_SECONDS 0.030     /* work between key reads while running  */
#define TERM_PACE_MS 30         /* pause after each Neumann/CG term shown */
/* The automatic comparison after each hypergradient: only where the
 * reference is the exact solve (P <= exact_max, at most 2000) and as long
 * as no single unit of it (the exact solve, the eigenvalues) holds the
 * screen longer than the key-to-screen budget; the total time does not
 * matter any more, it no longer blocks. */
#define AUTO_COMPARE_MAX_P 2000
#define AUTO_COMPARE_UNIT_MS 100.0
#define ALPHA_FACTOR 1.4142135623730951

typedef struct {
    ihg_config *cfg;
    ihg_session *s;
    const ihg_model *model;
    ihg_canvas *cv;
    ihg_view v;
    int avail[IHG_PANE_COUNT];

    int running;        /* space: play                                  */
    int outer_pending;  /* o: run until the next record                 */
    int quit;
    int dirty;

    char msg[600];
    int msg_role, msg_sticky;

    ihg_comparison *cmp;     /* shown (when cmp_valid)                  */
    int cmp_auto, cmp_valid;

    /* the comparison under way (job NULL: none) */
    ihg_compare_job *job;
    ihg_comparison *job_cmp; /* being filled; swapped with cmp when done */
    int job_from_key;
    long job_outer;          /* where: outer step, or -1 current point  */
    long job_units, job_ref_units;
    double job_compute;      /* seconds inside ihg_compare_job_step     */
    double job_longest;      /* the longest single unit, seconds        */
    int job_longest_stage;
    char job_text[64];

    /* compute time of the outer step under way (seconds in the engine) */

    /* ||q_j|| of the solve under way */
    double *qnorm;
    long n_qnorm, cap_qnorm;
    double vnorm;

    double *lambda_path, *theta_path;
    size_t n_path, cap_path;

    FILE *rec;
    ihg_json json;
    int classifier, has_test;
    ihg_theme theme;
} tui;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A key (or a resize's input) is waiting: end the slice early so it is
 * answered after the unit under way, not after the whole slice. */
static int key_waiting(void)
{
    struct pollfd p;
    p.fd = STDIN_FILENO;
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, 0) > 0;
}

/* Whether another unit fits in the slice begun at t0, given that the last
 * one took `last` seconds (units of one phase take about the same time):
 * a slice of 30 ms stays near 30 ms even when units take 20-50 ms. */
static int slice_has_room(double t0, double last)
{
    double el = now() - t0;
    return el < SLICE_SECONDS && el + last <= SLICE_SECONDS && !key_waiting();
}

static void say(tui *t, int role, int sticky, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void say(tui *t, int role, int sticky, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    va_end(ap);
    t->msg_role = role;
    t->msg_sticky = sticky;
    t->dirty = 1;
}

/* ---- paths for the 2-D view (copies of engine vectors) ---------------- */

static void path_clear(tui *t) { t->n_path = 0; }

static void path_push(tui *t)
{
    size_t hn = t->model->Hn, p = t->model->P;
    const gsl_vector *l = ihg_session_lambda(t->s), *th = ihg_session_theta(t->s);
    size_t i;
    if (p != 2 || hn > 2)
        return;
    if (t->n_path == t->cap_path) {
        size_t cap = t->cap_path ? 2 * t->cap_path : 64;
        double *a = realloc(t->lambda_path, cap * hn * sizeof *a);
        double *b;
        if (!a)
            return;
        t->lambda_path = a;
        b = realloc(t->theta_path, cap * 2 * sizeof *b);
        if (!b)
            return;
        t->theta_path = b;
        t->cap_path = cap;
    }
    for (i = 0; i < hn; i++)
        t->lambda_path[t->n_path * hn + i] = gsl_vector_get(l, i);
    t->theta_path[2 * t->n_path] = gsl_vector_get(th, 0);
    t->theta_path[2 * t->n_path + 1] = gsl_vector_get(th, 1);
    t->n_path++;
}

/* ---- the comparison, one unit at a time ------------------------------ */

static const char *stage_text(tui *t, char *buf, size_t size)
{
    long k = 0;
    long kmax = t->job_cmp ? t->job_cmp->kmax : 0;
    const ihg_method_type *mt = NULL;
    int exact = t->cfg->hypergrad.exact_max >= 0 &&
                t->model->P <= (size_t)t->cfg->hypergrad.exact_max;
    switch (ihg_compare_job_stage(t->job, &mt, &k)) {
    case IHG_COMPARE_SETUP: snprintf(buf, size, "v and the direct term"); break;
    case IHG_COMPARE_REFERENCE:
        if (exact)
            snprintf(buf, size, "exact solve (P = %zu)", t->model->P);
        else
            snprintf(buf, size, "CG reference, %ld HVPs", t->job_ref_units);
        break;
    case IHG_COMPARE_SPECTRUM: snprintf(buf, size, "eigenvalues of H"); break;
    case IHG_COMPARE_METHOD:
        if (mt && (mt->flags & IHG_METHOD_USES_K))
            snprintf(buf, size, "%s K %ld/%ld", mt->title, k, kmax);
        else
            snprintf(buf, size, "%s", mt ? mt->title : "?");
        break;
    default: snprintf(buf, size, "done"); break;
    }
    return buf;
}

static void compare_cancel(tui *t)
{
    ihg_compare_job_free(t->job);
    t->job = NULL;
    t->dirty = 1;
}

/* Start a comparison at the session's current point (cancelling one under
 * way).  It runs in compare_work's slices. */
static void compare_start(tui *t, int from_key)
{
    long kmax = t->cfg->hypergrad.compare_max;
    if (ihg_session_terms(t->s) > kmax)
        kmax = ihg_session_terms(t->s);
    if (kmax < 1)
        kmax = 1;
    compare_cancel(t);
    if (!t->job_cmp || t->job_cmp->kmax != kmax) {
        ihg_comparison_free(t->job_cmp);
        t->job_cmp = ihg_comparison_alloc(t->model->Hn, kmax);
        if (!t->job_cmp) {
            say(t, IHG_ROLE_BAD, 0, "comparison: %s", ihg_error_message());
            return;
        }
    }
    t->job = ihg_compare_job_alloc(t->s, t->job_cmp);
    if (!t->job) {
        say(t, IHG_ROLE_BAD, 0, "comparison: %s", ihg_error_message());
        return;
    }
    t->job_from_key = from_key;
    t->job_units = t->job_ref_units = 0;
    t->job_compute = t->job_longest = 0;
    t->job_longest_stage = 0;
    /* -1: "the current point" (not where --batch --compare looks) */
    t->job_outer = ihg_session_phase(t->s) == IHG_PHASE_UPDATE
                       ? ihg_session_outer(t->s) + 1
                       : -1;
    t->dirty = 1;
}

static void compare_finish(tui *t)
{
    ihg_comparison *shown = t->cmp;
    double ms = t->job_compute * 1e3, longest = t->job_longest * 1e3;
    int stage = t->job_longest_stage;
    t->cmp = t->job_cmp;
    t->job_cmp = shown; /* the next job reuses the old one */
    t->cmp_valid = 1;
    t->v.cmp_stale = 0;
    t->v.cmp_ms = ms;
    t->v.cmp_outer = t->job_outer;
    compare_cancel(t);
    if (t->cmp_auto && longest > AUTO_COMPARE_UNIT_MS) {
        t->cmp_auto = 0;
        say(t, IHG_ROLE_WARN, 0,
            "the comparison's %s took %.0f ms in one piece: it now runs only when you "
            "press c", ihg_compare_stage_name((ihg_compare_stage)stage), longest);
    } else if (t->job_from_key) {
        say(t, IHG_ROLE_GOOD, 0,
            "compared at the current point in %.1f ms (%ld units, longest %.1f ms)", ms,
            t->job_units, longest);
    }
}

/* One slice of the comparison.  A slice also ends where the stage changes,
 * so that the screen names a long unit (the exact solve) before it runs. */
static void compare_work(tui *t)
{
    double t0 = now();
    t->dirty = 1;
    while (t->job) {
        long k;
        int done = 0, st, stage = ihg_compare_job_stage(t->job, NULL, &k), next;
        double u0 = now(), dt;
        st = ihg_compare_job_step(t->job, &done);
        dt = now() - u0;
        t->job_compute += dt;
        t->job_units++;
        if (stage == IHG_COMPARE_REFERENCE)
            t->job_ref_units++;
        if (dt > t->job_longest) {
            t->job_longest = dt;
            t->job_longest_stage = stage;
        }
        if (st != IHG_OK) {
            compare_cancel(t);
            say(t, IHG_ROLE_BAD, 0, "comparison failed: %s", ihg_error_message());
            return;
        }
        if (done) {
            compare_finish(t);
            return;
        }
        next = ihg_compare_job_stage(t->job, NULL, &k);
        if (next != stage || !slice_has_room(t0, dt))
            return;
    }
}

/* ---- the record file --------------------------------------------------- */

static void record_last(tui *t)
{
    size_t n = ihg_session_history_len(t->s);
    ihg_record r;
    if (!t->rec || n == 0)
        return;
    r = ihg_session_history(t->s)[n - 1];
    ihg_json_begin_object(&t->json);
    ihg_json_record(&t->json, &r, t->classifier, t->has_test);
    ihg_json_end_object(&t->json);
    if (ihg_json_write_line(&t->json, t->rec) != 0) {
        say(t, IHG_ROLE_BAD, 1, "cannot write the --record file: recording stopped");
        fclose(t->rec);
        t->rec = NULL;
    }
}

/* ---- stepping ----------------------------------------------------------- */

static void stopped(tui *t)
{
    t->running = 0;
    t->outer_pending = 0;
    say(t, IHG_ROLE_BAD, 1, "stopped: %s  (r resets; a/n/m change the method)",
        ihg_session_message(t->s));
}

static void qnorm_push(tui *t)
{
    const gsl_vector *q = ihg_session_partial_q(t->s), *v = ihg_session_v(t->s);
    if (!q)
        return;
    if (t->n_qnorm == t->cap_qnorm) {
        long cap = t->cap_qnorm ? 2 * t->cap_qnorm : 64;
        double *a = realloc(t->qnorm, (size_t)cap * sizeof *a);
        if (!a)
            return;
        t->qnorm = a;
        t->cap_qnorm = cap;
    }
    if (t->n_qnorm == 0)
        t->vnorm = v ? gsl_blas_dnrm2(v) : NAN;
    t->qnorm[t->n_qnorm++] = gsl_blas_dnrm2(q);
}

/* Book-keeping after any call into the session: the record file, the 2-D
 * path, the live ||q_j|| (compute time is in the engine's records). */
static void after_step(tui *t, unsigned ev)
{
    if (ev & (IHG_EV_HYPERGRAD | IHG_EV_OUTER_DONE | IHG_EV_STOPPED))
        t->v.point_version++; /* lambda or the hypergradient changed */
    if (ev & (IHG_EV_OUTER_DONE | IHG_EV_STOPPED))
        t->v.lambda_version++;
    if (ev & (IHG_EV_HYPERGRAD | IHG_EV_STOPPED))
        t->v.hypergrad_version++;
    if (ev & IHG_EV_INNER_DONE)
        t->n_qnorm = 0;
    if (ev & IHG_EV_SOLVE_TERM)
        qnorm_push(t);
    if (ev & IHG_EV_OUTER_DONE) {
        t->n_qnorm = 0;
        record_last(t);
        path_push(t);
    }
}

/* One unit of work; returns the events.  Handles records, comparison
 * points, divergence and the end of the run. */
static unsigned step_one(tui *t)
{
    unsigned ev = 0;
    int st;
    if (ihg_session_finished(t->s))
        return IHG_EV_FINISHED;
    st = ihg_session_step(t->s, 1, &ev);
    after_step(t, ev);
    t->dirty = 1;
    if (st != IHG_OK || ihg_session_phase(t->s) == IHG_PHASE_STOPPED) {
        stopped(t);
        return ev | IHG_EV_STOPPED;
    }
    /* compare where --batch --compare does: hypergradient known, lambda
     * not yet updated; the session waits until the job is done */
    if ((ev & IHG_EV_HYPERGRAD) && ihg_session_phase(t->s) == IHG_PHASE_UPDATE &&
        t->cmp_auto)
        compare_start(t, 0);
    if (ihg_session_phase(t->s) == IHG_PHASE_DONE) {
        t->running = 0;
        t->outer_pending = 0;
        say(t, IHG_ROLE_WARN, 0, "all %ld outer steps done: r resets, q quits",
            ihg_session_outer(t->s));
    }
    return ev;
}

/* Work for one slice; returns 1 when the next key read should wait a
 * little (pacing the solve so each term can be seen). */
static int work(tui *t)
{
    double t0 = now(), last = 0;
    int first = 1; /* at least one unit per slice, whatever is waiting */
    while ((t->running || t->outer_pending) && !t->job && (first || slice_has_room(t0, last))) {
        double u0 = now();
        first = 0;
        unsigned ev = step_one(t);
        last = now() - u0;
        if (ev & (IHG_EV_STOPPED | IHG_EV_FINISHED))
            return 0;
        if ((ev & IHG_EV_OUTER_DONE) && t->outer_pending) {
            t->outer_pending = 0;
            return 0;
        }
        if (ev & IHG_EV_SOLVE_TERM)
            return 1; /* show this term before the next */
    }
    return 0;
}

/* ---- the view ----------------------------------------------------------- */

static void fill_view(tui *t)
{
    ihg_view *v = &t->v;
    ihg_view_from_session(v, t->s);
    v->running = t->running || t->outer_pending;
    v->message = t->msg;
    v->message_role = t->msg_role;
    v->cmp = t->cmp_valid ? t->cmp : NULL;
    v->cmp_auto = t->cmp_auto;
    v->cmp_progress = t->job ? stage_text(t, t->job_text, sizeof t->job_text) : NULL;
    v->qnorm = t->qnorm;
    v->n_qnorm = v->phase == IHG_PHASE_SOLVE || v->phase == IHG_PHASE_HYPERGRAD
                     ? t->n_qnorm
                     : 0;
    v->vnorm = t->vnorm;
    if (t->avail[IHG_PANE_2D] && v->img_k == 0) {
        v->model = (ihg_model *)t->model; /* its workspace is scratch */
        v->ds = ihg_session_dataset(t->s);
        v->lambda_path = t->lambda_path;
        v->n_lambda_path = t->n_path;
        v->theta_path = t->theta_path;
        v->n_theta_path = t->n_path;
        v->target = t->model->type->plane_points
                        ? t->model->type->plane_points(t->model).target
                        : NULL;
    } else {
        v->model = NULL;
    }
}

static void draw(tui *t)
{
    int w, h;
    ihg_crt_size(&w, &h);
    if (w != t->cv->w || h != t->cv->h)
        if (ihg_canvas_resize(t->cv, w, h) != 0)
            ihg_crt_fatal("out of memory for a %dx%d screen", w, h);
    fill_view(t);
    t->cv->grey = ihg_crt_grey();
    ihg_render(t->cv, &t->v, t->avail);
    ihg_crt_blit(t->cv);
    t->dirty = 0;
}

/* ---- keys --------------------------------------------------------------- */

static void reset(tui *t)
{
    compare_cancel(t);
    t->n_qnorm = 0;
    t->v.point_version++;
    t->v.lambda_version++;
    t->v.hypergrad_version++;
    if (ihg_session_reset(t->s) != IHG_OK) {
        say(t, IHG_ROLE_BAD, 1, "reset failed: %s", ihg_error_message());
        return;
    }
    t->running = t->outer_pending = 0;
    t->cmp_valid = 0;
    path_clear(t);
    path_push(t);
    say(t, IHG_ROLE_GOOD, 0, "reset to the start (seed %lu)", t->cfg->seed);
    if (t->cmp_auto)
        compare_start(t, 0);
}

static long terms_step(long K, int up)
{
    long d = K < 10 ? 1 : K < 50 ? 5 : 10;
    if (!up && K <= 10)
        d = 1;
    return up ? K + d : K - d;
}

static void settings_changed(tui *t, const char *what, int was_comparing_for_key)
{
    if (t->msg_sticky && ihg_session_phase(t->s) != IHG_PHASE_STOPPED)
        t->msg_sticky = 0;
    say(t, IHG_ROLE_GOOD, 0, "%s changed: %s, K = %ld, alpha = %.4g", what,
        ihg_session_method(t->s)->name, ihg_session_terms(t->s),
        ihg_session_alpha(t->s));
    /* a comparison under way was cancelled (it read the old settings):
     * start again with the new ones when it is wanted */
    if (t->cmp_auto || was_comparing_for_key)
        compare_start(t, was_comparing_for_key);
    else if (t->cmp_valid)
        t->v.cmp_stale = 1;
}

static void focus_pane(tui *t, int id)
{
    if (id < 0 || id >= IHG_PANE_COUNT)
        return;
    if (!t->avail[id]) {
        say(t, IHG_ROLE_WARN, 0,
            "pane %d (%s) is for the quadratic model and for distilled images only", id + 1,
            ihg_pane_name((ihg_pane_id)id));
        return;
    }
    if (t->v.focus == id)
        t->v.zoom = t->v.zoom == id ? -1 : id;
    else {
        t->v.focus = id;
        if (t->v.zoom >= 0)
            t->v.zoom = id;
    }
}

static void cycle_focus(tui *t, int dir)
{
    int i, id = t->v.focus;
    for (i = 0; i < IHG_PANE_COUNT; i++) {
        id = (id + dir + IHG_PANE_COUNT) % IHG_PANE_COUNT;
        if (t->avail[id])
            break;
    }
    t->v.focus = id;
    if (t->v.zoom >= 0)
        t->v.zoom = id;
}


/* Before stepping: a finished run needs r; a stopped one (divergence)
 * starts its outer step again with the current settings, so lowering alpha
 * (a) or changing method (m) and pressing o, i or space carries on. */
static int carry_on(tui *t)
{
    ihg_session *s = t->s;
    if (ihg_session_phase(s) == IHG_PHASE_DONE) {
        say(t, IHG_ROLE_WARN, t->msg_sticky, "the run is over: r resets");
        return 0;
    }
    if (ihg_session_phase(s) == IHG_PHASE_STOPPED) {
        ihg_session_resume(s);
        t->msg_sticky = 0;
        say(t, IHG_ROLE_GOOD, 0, "outer step %ld starts again with %s, K = %ld, alpha = %.3g",
            ihg_session_outer(s) + 1, ihg_session_method(s)->name,
            ihg_session_terms(s), ihg_session_alpha(s));
    }
    return 1;
}

static void handle(tui *t, ihg_key k)
{
    ihg_session *s = t->s;
    int for_key = t->job && t->job_from_key;
    t->dirty = 1;
    if (k.action == IHG_ACT_RESIZE || k.action == IHG_ACT_REDRAW) {
        clearok(curscr, TRUE);
        return;
    }
    if (t->v.help) { /* any key closes the help */
        t->v.help = 0;
        if (k.action == IHG_ACT_QUIT)
            t->quit = 1;
        return;
    }
    if (!t->msg_sticky)
        t->msg[0] = '\0';
    switch (k.action) {
    case IHG_ACT_QUIT: t->quit = 1; break;
    case IHG_ACT_HELP: t->v.help = 1; break;
    case IHG_ACT_PLAY:
        if (!carry_on(t))
            break;
        t->running = !t->running;
        t->outer_pending = 0;
        break;
    case IHG_ACT_INNER:
        if (!carry_on(t))
            break;
        t->running = 0;
        if (t->job) { /* the point moves: the comparison would be stale */
            compare_cancel(t);
            say(t, IHG_ROLE_WARN, 0, "comparison cancelled: the inner step moved theta");
        }
        {
            unsigned ev = 0;
            int st = ihg_session_inner_step(s, &ev);
            after_step(t, ev);
            t->v.cmp_stale = t->cmp_valid;
            if (st != IHG_OK || ihg_session_phase(s) == IHG_PHASE_STOPPED)
                stopped(t);
        }
        break;
    case IHG_ACT_OUTER:
        if (!carry_on(t))
            break;
        t->running = 0;
        t->outer_pending = 1;
        break;
    case IHG_ACT_TERMS_DOWN:
    case IHG_ACT_TERMS_UP: {
        long K = terms_step(ihg_session_terms(s), k.action == IHG_ACT_TERMS_UP);
        compare_cancel(t);
        if (K < 0 || ihg_session_set_terms(s, K) != IHG_OK)
            say(t, IHG_ROLE_WARN, 0, "K stays %ld: %s", ihg_session_terms(s),
                K < 0 ? "it cannot be negative" : ihg_error_message());
        else
            settings_changed(t, k.action == IHG_ACT_TERMS_UP ? "more terms" : "fewer terms",
                             for_key);
        break;
    }
    case IHG_ACT_ALPHA_DOWN:
    case IHG_ACT_ALPHA_UP: {
        double a = ihg_session_alpha(s);
        compare_cancel(t);
        a = k.action == IHG_ACT_ALPHA_UP ? a * ALPHA_FACTOR : a / ALPHA_FACTOR;
        if (ihg_session_set_alpha(s, a) != IHG_OK)
            say(t, IHG_ROLE_WARN, 0, "alpha stays %.4g: %s", ihg_session_alpha(s),
                ihg_error_message());
        else
            settings_changed(t, k.action == IHG_ACT_ALPHA_UP ? "larger alpha" : "smaller alpha",
                             for_key);
        break;
    }
    case IHG_ACT_METHOD: {
        /* the next method of the table that accepts this problem */
        size_t i, n = 0, cur = 0;
        compare_cancel(t);
        while (ihg_method_types[n]) {
            if (ihg_method_types[n] == ihg_session_method(s))
                cur = n;
            n++;
        }
        for (i = 1; i <= n; i++)
            if (ihg_session_set_method(s, ihg_method_types[(cur + i) % n]) == IHG_OK)
                break;
        settings_changed(t, "method", for_key);
        break;
    }
    case IHG_ACT_COMPARE:
        if (t->job && t->job_from_key) {
            say(t, IHG_ROLE_WARN, 0, "already comparing (%s): keys stay live, q quits",
                stage_text(t, t->job_text, sizeof t->job_text));
            break;
        }
        compare_start(t, 1); /* also takes over an automatic one */
        if (t->job)
            say(t, IHG_ROLE_WARN, 0,
                "comparing every method at the current point ... (keys stay live)");
        break;
    case IHG_ACT_LOG:
        t->v.log_y = !t->v.log_y;
        if (t->v.show_acc)
            say(t, IHG_ROLE_DIM, 0, "loss axis now %s (accuracy is always linear; v shows "
                "the losses)", t->v.log_y ? "log" : "linear");
        break;
    case IHG_ACT_ACCURACY:
        if (!t->classifier) {
            say(t, IHG_ROLE_WARN, 0, "accuracy: this model is not a classifier");
            break;
        }
        t->v.show_acc = !t->v.show_acc;
        say(t, IHG_ROLE_GOOD, 0, "losses pane: %s", t->v.show_acc
                ? "train/val/test accuracy against outer step (v: losses)"
                : "losses (v: accuracy)");
        break;
    case IHG_ACT_GREY:
        if (!t->v.img_k) {
            say(t, IHG_ROLE_WARN, 0, "s: grey scaling is for the distilled images only");
            break;
        }
        t->v.img_minmax = !t->v.img_minmax;
        say(t, IHG_ROLE_GOOD, 0, "distilled images: grey %s", t->v.img_minmax
                ? "from each image's min to its max"
                : "0..1 (the data's scale), clipped");
        break;
    case IHG_ACT_RESET: reset(t); break;
    case IHG_ACT_NEXT_PANE: cycle_focus(t, 1); break;
    case IHG_ACT_PREV_PANE: cycle_focus(t, -1); break;
    case IHG_ACT_PANE: focus_pane(t, k.arg); break;
    case IHG_ACT_ZOOM: t->v.zoom = t->v.zoom >= 0 ? -1 : t->v.focus; break;
    case IHG_ACT_ESCAPE: t->v.zoom = -1; break;
    /* the losses pane scrolls back in time to the left (older steps are
     * on the left of its axis); other panes pan */
    case IHG_ACT_LEFT:
        t->v.scroll_x[t->v.focus] += t->v.focus == IHG_PANE_LOSS ? 1 : -1;
        break;
    case IHG_ACT_RIGHT:
        t->v.scroll_x[t->v.focus] -= t->v.focus == IHG_PANE_LOSS ? 1 : -1;
        break;
    case IHG_ACT_UP: t->v.scroll_y[t->v.focus]--; break;
    case IHG_ACT_DOWN: t->v.scroll_y[t->v.focus]++; break;
    case IHG_ACT_THEME:
        t->theme = (ihg_theme)((t->theme + 1) % IHG_THEME_COUNT);
        ihg_crt_set_theme(t->theme);
        say(t, IHG_ROLE_GOOD, 0, "theme: %s", ihg_theme_name(ihg_crt_theme()));
        clearok(curscr, TRUE);
        break;
    default: t->dirty = 0; break;
    }
    /* scroll offsets: losses look back, lists and text start at 0 */
    if (t->v.scroll_x[IHG_PANE_LOSS] < 0) t->v.scroll_x[IHG_PANE_LOSS] = 0;
    if (t->v.scroll_y[IHG_PANE_HYPER] < 0) t->v.scroll_y[IHG_PANE_HYPER] = 0;
    if (t->v.scroll_y[IHG_PANE_HYPER] > (int)t->model->Hn) t->v.scroll_y[IHG_PANE_HYPER] = (int)t->model->Hn;
    if (t->v.scroll_y[IHG_PANE_THEORY] < 0) t->v.scroll_y[IHG_PANE_THEORY] = 0;
    if (t->v.scroll_y[IHG_PANE_THEORY] > 20) t->v.scroll_y[IHG_PANE_THEORY] = 20;
}

/* ---- entry --------------------------------------------------------------- */

int ihg_tui_run(ihg_config *cfg, const ihg_tui_options *opt)
{
    tui t;
    int ascii = opt && opt->ascii, theme, paced = 0;

    memset(&t, 0, sizeof t);
    t.cfg = cfg;
    theme = ihg_theme_from_name(opt ? opt->theme : NULL);
    if (theme < 0) {
        fprintf(stderr, "ihgtui: unknown theme '%s' (default, contrast or mono)\n", opt->theme);
        return 2;
    }
    t.theme = (ihg_theme)theme;

    /* Everything that can fail on bad input fails before the screen is
     * taken, so its message is printed on a normal terminal. */
    t.s = ihg_session_alloc(cfg);
    if (!t.s) {
        int st = ihg_error_status();
        fprintf(stderr, "%s\n", ihg_error_message());
        return st == IHG_EINVAL || st == IHG_EIO ? 2 : 1;
    }
    t.model = ihg_session_model(t.s);
    t.classifier = t.model->type->accuracy != NULL;
    t.has_test = ihg_session_dataset(t.s)->test != NULL;
    if (opt && opt->record) {
        t.rec = fopen(opt->record, "w");
        if (!t.rec) {
            perror(opt->record);
            ihg_session_free(t.s);
            return 1;
        }
    }
    ihg_json_init(&t.json);
    ihg_view_available(t.model, ihg_session_dataset(t.s), t.avail);
    t.v.zoom = -1;
    t.v.focus = IHG_PANE_LOSS;
    t.v.log_y = 1;
    t.v.point_version = t.v.lambda_version = t.v.hypergrad_version = 1;
    t.cmp_auto = t.model->P <= AUTO_COMPARE_MAX_P && cfg->hypergrad.exact_max >= 0 &&
                 t.model->P <= (size_t)cfg->hypergrad.exact_max;
    path_push(&t);

    if (ihg_crt_init(t.theme, opt && opt->no_color, &ascii) != 0) {
        ihg_session_free(t.s);
        if (t.rec)
            fclose(t.rec);
        return 1;
    }
    {
        int w, h;
        ihg_crt_size(&w, &h);
        t.cv = ihg_canvas_alloc(w, h, ascii);
        if (!t.cv)
            ihg_crt_fatal("out of memory for a %dx%d screen", w, h);
    }
    if (t.cmp_auto)
        compare_start(&t, 0);
    say(&t, IHG_ROLE_DIM, 0,
        "%s: P = %zu parameters, %zu hyperparameters.  space plays, o steps, ? helps",
        t.model->type->name, t.model->P, t.model->Hn);

    while (!t.quit) {
        wint_t wch;
        int r;
        if (t.dirty || paced)
            draw(&t);
        /* wait for a key: briefly when busy (or pacing a solve) */
        wtimeout(stdscr, paced ? TERM_PACE_MS
                               : (t.running || t.outer_pending || t.job) ? 0 : 100);
        r = wget_wch(stdscr, &wch);
        paced = 0;
        while (r != ERR && !t.quit) {
            handle(&t, ihg_key_lookup(r == KEY_CODE_YES, (int)wch));
            wtimeout(stdscr, 0);
            r = wget_wch(stdscr, &wch);
        }
        if (t.quit)
            break;
        if (t.job)
            compare_work(&t);
        else if (t.running || t.outer_pending)
            paced = work(&t);
    }

    ihg_crt_done();
    if (t.rec && fclose(t.rec) != 0)
        perror(opt->record);
    ihg_json_free(&t.json);
    ihg_compare_job_free(t.job);
    ihg_comparison_free(t.job_cmp);
    ihg_comparison_free(t.cmp);
    free(t.qnorm);
    ihg_canvas_free(t.cv);
    free(t.lambda_path);
    free(t.theta_path);
    ihg_session_free(t.s);
    return 0;
}

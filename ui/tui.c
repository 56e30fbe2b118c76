/* tui.c - the explorer's main loop.
 *
 * One thread, no blocking: keys are read with a short timeout, and between
 * reads the session is advanced one unit of work at a time (one inner
 * step, one Hessian-vector product, ...) for at most a few milliseconds, so
 * a key reaches the screen within one slice.  The screen is rendered into
 * a canvas and copied out only when something changed.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#define _POSIX_C_SOURCE 200809L
#include "tui.h"

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
#define AUTO_COMPARE_MAX_MS 50.0 /* slower comparisons run on `c` only   */
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

    ihg_comparison *cmp;
    long cmp_kmax;
    int cmp_auto, cmp_valid;

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

/* ---- the comparison --------------------------------------------------- */

static void compare_now(tui *t, int from_key)
{
    long kmax = t->cfg->hypergrad.compare_max;
    double t0, ms;
    if (ihg_session_terms(t->s) > kmax)
        kmax = ihg_session_terms(t->s);
    if (kmax < 1)
        kmax = 1;
    if (!t->cmp || t->cmp_kmax != kmax) {
        ihg_comparison_free(t->cmp);
        t->cmp = ihg_comparison_alloc(t->model->Hn, kmax);
        t->cmp_kmax = kmax;
        t->cmp_valid = 0;
        if (!t->cmp) {
            say(t, IHG_ROLE_BAD, 0, "comparison: %s", ihg_error_message());
            return;
        }
    }
    t0 = now();
    if (ihg_compare_run(t->s, t->cmp) != IHG_OK) {
        t->cmp_valid = 0;
        say(t, IHG_ROLE_BAD, 0, "comparison failed: %s", ihg_error_message());
        return;
    }
    ms = (now() - t0) * 1e3;
    t->cmp_valid = 1;
    t->v.cmp_stale = 0;
    t->v.cmp_ms = ms;
    /* -1: "the current point" (not where --batch --compare looks) */
    t->v.cmp_outer = ihg_session_phase(t->s) == IHG_PHASE_UPDATE
                         ? ihg_session_outer(t->s) + 1
                         : -1;
    if (ms > AUTO_COMPARE_MAX_MS && t->cmp_auto) {
        t->cmp_auto = 0;
        say(t, IHG_ROLE_WARN, 0,
            "the comparison took %.0f ms: it now runs only when you press c", ms);
    } else if (from_key) {
        say(t, IHG_ROLE_GOOD, 0, "compared at the current point in %.1f ms", ms);
    }
    t->dirty = 1;
}

/* ---- the record file --------------------------------------------------- */

static void record_last(tui *t)
{
    size_t n = ihg_session_history_len(t->s);
    if (!t->rec || n == 0)
        return;
    ihg_json_begin_object(&t->json);
    ihg_json_record(&t->json, &ihg_session_history(t->s)[n - 1], t->classifier,
                    t->has_test);
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

/* One unit of work; returns the events.  Handles records, comparison
 * points, divergence and the end of the run. */
static unsigned step_one(tui *t)
{
    unsigned ev = 0;
    int st;
    if (ihg_session_finished(t->s))
        return IHG_EV_FINISHED;
    st = ihg_session_step(t->s, 1, &ev);
    t->dirty = 1;
    if (ev & IHG_EV_OUTER_DONE) {
        record_last(t);
        path_push(t);
    }
    if (st != IHG_OK || ihg_session_phase(t->s) == IHG_PHASE_STOPPED) {
        stopped(t);
        return ev | IHG_EV_STOPPED;
    }
    /* compare where --batch --compare does: hypergradient known, lambda
     * not yet updated */
    if (ihg_session_phase(t->s) == IHG_PHASE_UPDATE && t->cmp_auto)
        compare_now(t, 0);
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
    double t0 = now();
    while ((t->running || t->outer_pending) && now() - t0 < SLICE_SECONDS) {
        unsigned ev = step_one(t);
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
    const ihg_config *cfg = t->cfg;
    v->name = cfg->name ? cfg->name : "experiment";
    v->seed = cfg->seed;
    v->model_kind = t->model->type->name;
    v->P = t->model->P;
    v->Hn = t->model->Hn;
    v->exact_max = cfg->hypergrad.exact_max;
    v->outer_done = ihg_session_outer(t->s);
    v->outer_total = cfg->outer.steps;
    v->inner_all = ihg_session_inner_total(t->s);
    v->phase = ihg_session_phase(t->s);
    v->phase_name = ihg_phase_name(v->phase);
    ihg_session_progress(t->s, &v->prog_done, &v->prog_total);
    v->method = ihg_session_method(t->s);
    v->method_name = ihg_method_name(v->method);
    v->terms = ihg_session_terms(t->s);
    v->alpha = ihg_session_alpha(t->s);
    v->running = t->running || t->outer_pending;
    v->message = t->msg;
    v->message_role = t->msg_role;
    v->stop_reason = ihg_session_message(t->s);
    v->hist = ihg_session_history(t->s);
    v->nhist = ihg_session_history_len(t->s);
    v->lambda = ihg_session_lambda(t->s);
    v->hypergrad = ihg_session_hypergrad(t->s);
    v->theta = ihg_session_theta(t->s);
    v->cmp = t->cmp_valid ? t->cmp : NULL;
    v->cmp_auto = t->cmp_auto;
    if (t->avail[IHG_PANE_2D]) {
        v->model = (ihg_model *)t->model; /* its workspace is scratch */
        v->ds = ihg_session_dataset(t->s);
        v->lambda_path = t->lambda_path;
        v->n_lambda_path = t->n_path;
        v->theta_path = t->theta_path;
        v->n_theta_path = t->n_path;
        v->target = cfg->model.t;
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
    ihg_render(t->cv, &t->v, t->avail);
    ihg_crt_blit(t->cv);
    t->dirty = 0;
}

/* ---- keys --------------------------------------------------------------- */

static void reset(tui *t)
{
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
        compare_now(t, 0);
}

static long terms_step(long K, int up)
{
    long d = K < 10 ? 1 : K < 50 ? 5 : 10;
    if (!up && K <= 10)
        d = 1;
    return up ? K + d : K - d;
}

static void settings_changed(tui *t, const char *what)
{
    if (t->msg_sticky && ihg_session_phase(t->s) != IHG_PHASE_STOPPED)
        t->msg_sticky = 0;
    say(t, IHG_ROLE_GOOD, 0, "%s: method %s, K = %ld, alpha = %.4g", what,
        ihg_method_name(ihg_session_method(t->s)), ihg_session_terms(t->s),
        ihg_session_alpha(t->s));
    if (t->cmp_valid || t->cmp_auto) {
        if (t->cmp_auto)
            compare_now(t, 0);
        else
            t->v.cmp_stale = 1;
    }
}

static void focus_pane(tui *t, int id)
{
    if (id < 0 || id >= IHG_PANE_COUNT)
        return;
    if (!t->avail[id]) {
        say(t, IHG_ROLE_WARN, 0, "pane %d (%s) is for the quadratic model only", id + 1,
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

static void handle(tui *t, ihg_key k)
{
    ihg_session *s = t->s;
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
        if (ihg_session_finished(s)) {
            say(t, IHG_ROLE_WARN, t->msg_sticky, "%s", ihg_session_phase(s) == IHG_PHASE_DONE
                    ? "the run is over: r resets"
                    : "the run stopped: r resets (change a, n or m first)");
            break;
        }
        t->running = !t->running;
        t->outer_pending = 0;
        break;
    case IHG_ACT_INNER:
        if (ihg_session_finished(s)) {
            say(t, IHG_ROLE_WARN, t->msg_sticky, "the run is over: r resets");
            break;
        }
        t->running = 0;
        {
            unsigned ev = 0;
            int st = ihg_session_inner_step(s, &ev);
            t->v.cmp_stale = t->cmp_valid;
            if (ev & IHG_EV_OUTER_DONE) {
                record_last(t);
                path_push(t);
            }
            if (st != IHG_OK || ihg_session_phase(s) == IHG_PHASE_STOPPED)
                stopped(t);
        }
        break;
    case IHG_ACT_OUTER:
        if (ihg_session_finished(s)) {
            say(t, IHG_ROLE_WARN, t->msg_sticky, "the run is over: r resets");
            break;
        }
        t->running = 0;
        t->outer_pending = 1;
        break;
    case IHG_ACT_TERMS_DOWN:
    case IHG_ACT_TERMS_UP: {
        long K = terms_step(ihg_session_terms(s), k.action == IHG_ACT_TERMS_UP);
        if (K < 0 || ihg_session_set_terms(s, K) != IHG_OK)
            say(t, IHG_ROLE_WARN, 0, "K stays %ld: %s", ihg_session_terms(s),
                K < 0 ? "it cannot be negative" : ihg_error_message());
        else
            settings_changed(t, k.action == IHG_ACT_TERMS_UP ? "more terms" : "fewer terms");
        break;
    }
    case IHG_ACT_ALPHA_DOWN:
    case IHG_ACT_ALPHA_UP: {
        double a = ihg_session_alpha(s);
        a = k.action == IHG_ACT_ALPHA_UP ? a * ALPHA_FACTOR : a / ALPHA_FACTOR;
        if (ihg_session_set_alpha(s, a) != IHG_OK)
            say(t, IHG_ROLE_WARN, 0, "alpha stays %.4g: %s", ihg_session_alpha(s),
                ihg_error_message());
        else
            settings_changed(t, k.action == IHG_ACT_ALPHA_UP ? "larger alpha" : "smaller alpha");
        break;
    }
    case IHG_ACT_METHOD: {
        int i;
        ihg_method m = ihg_session_method(s);
        for (i = 0; i < IHG_METHOD_COUNT; i++) {
            m = (ihg_method)((m + 1) % IHG_METHOD_COUNT);
            if (ihg_session_set_method(s, m) == IHG_OK)
                break;
        }
        settings_changed(t, "method");
        break;
    }
    case IHG_ACT_COMPARE:
        say(t, IHG_ROLE_WARN, 0, "comparing every method at the current point ...");
        draw(t);
        compare_now(t, 1);
        break;
    case IHG_ACT_LOG: t->v.log_y = !t->v.log_y; break;
    case IHG_ACT_RESET: reset(t); break;
    case IHG_ACT_NEXT_PANE: cycle_focus(t, 1); break;
    case IHG_ACT_PREV_PANE: cycle_focus(t, -1); break;
    case IHG_ACT_PANE: focus_pane(t, k.arg); break;
    case IHG_ACT_ZOOM: t->v.zoom = t->v.zoom >= 0 ? -1 : t->v.focus; break;
    case IHG_ACT_ESCAPE: t->v.zoom = -1; break;
    case IHG_ACT_LEFT: t->v.scroll_x[t->v.focus]--; break;
    case IHG_ACT_RIGHT: t->v.scroll_x[t->v.focus]++; break;
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
    int ascii = opt && opt->ascii, theme, i, paced = 0;

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
    for (i = 0; i < IHG_PANE_COUNT; i++)
        t.avail[i] = 1;
    t.avail[IHG_PANE_2D] = t.model->P == 2 && t.model->Hn <= 2 &&
                           t.model->type->solve_inner != NULL;
    t.v.zoom = -1;
    t.v.focus = IHG_PANE_LOSS;
    t.v.log_y = 1;
    t.cmp_auto = t.model->P <= 200;
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
        compare_now(&t, 0);
    say(&t, IHG_ROLE_DIM, 0,
        "%s: P = %zu parameters, %zu hyperparameters.  space plays, o steps, ? helps",
        t.model->type->name, t.model->P, t.model->Hn);

    while (!t.quit) {
        wint_t wch;
        int r;
        if (t.dirty || paced)
            draw(&t);
        /* wait for a key: briefly when busy (or pacing a solve) */
        wtimeout(stdscr, paced ? TERM_PACE_MS : (t.running || t.outer_pending) ? 0 : 100);
        r = wget_wch(stdscr, &wch);
        paced = 0;
        while (r != ERR && !t.quit) {
            handle(&t, ihg_key_lookup(r == KEY_CODE_YES, (int)wch));
            wtimeout(stdscr, 0);
            r = wget_wch(stdscr, &wch);
        }
        if (t.quit)
            break;
        if (t.running || t.outer_pending)
            paced = work(&t);
    }

    ihg_crt_done();
    if (t.rec && fclose(t.rec) != 0)
        perror(opt->record);
    ihg_json_free(&t.json);
    ihg_comparison_free(t.cmp);
    ihg_canvas_free(t.cv);
    free(t.lambda_path);
    free(t.theta_path);
    ihg_session_free(t.s);
    return 0;
}

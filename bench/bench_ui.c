/* bench_ui.c - `make bench` figures for the explorer (a program that prints
 * figures, not a test: the machine may be shared).
 *
 * (a) Frames: the time to render a whole 200x60 frame into the in-memory
 *     canvas, and separately to paint that canvas through ncurses into a
 *     newterm() screen writing to /dev/null (a full repaint, and an
 *     incremental one between two frames that differ), median over at least
 *     50 frames.  Goal: render <= 5 ms median.  The views are real: each
 *     experiment after a few outer steps and a comparison.  Image cells use
 *     the grey ramp (as on a 256-colour terminal); for distillation the
 *     images pane is also timed zoomed, on the grey and the ASCII ramp.
 * (b) Units: each experiment (the experiments directory, or the FILEs given) and
 *     the built-in lesson is run to the end through ihg_session_step(s, 1)
 *     one unit at a time, and after every hypergradient (where the explorer
 *     starts its automatic comparison) the comparison job one unit at a
 *     time (where P > exact_max the explorer compares only on `c`: one
 *     comparison, at the first hypergradient).  Printed: the number of units, the median and the longest single
 *     unit, with the phase or stage it was in, for the session and the
 *     comparison separately.  Goal: no unit over 50 ms.
 *
 * (c) Keys: the time from a key to the end of painting a frame that shows
 *     its effect, while the engine works on its own thread (the lesson
 *     playing, softmax_digits comparing up to K = 2000, fashion_overfit
 *     playing: 1.8M hyperparameters).  A key arrives every 100-180 ms,
 *     alternately a display key (`l`, log/linear: answered by the UI
 *     thread) and an engine key (`N`/`n`: K, answered after the engine's
 *     unit under way); frames are rendered and painted into ncurses on
 *     /dev/null as in the terminal.  Median and max of each kind.  Goal:
 *     display keys <= 50 ms.
 *
 * Usage: ihgtui-bench-ui [--frames-only] [--keys-only] [--outer N] [FILE.yaml]...
 * Without FILEs: every .yaml file in $top_srcdir/experiments (default ".").
 */
#define _XOPEN_SOURCE_EXTENDED 1
#define _POSIX_C_SOURCE 200809L
#include "ihg_autoconf.h"

#include <curses.h>
#include <glob.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare.h"
#include "config.h"
#include "error.h"
#include "session.h"
#include "timer.h"

#include "canvas.h"
#include "controller.h"
#include "crt.h"
#include "keys.h"
#include "layout.h"
#include "runner.h"
#include "view.h"

#define FRAMES 60
#define FRAME_W 200
#define FRAME_H 60
#define FRAME_GOAL_MS 5.0
#define UNIT_GOAL_MS 50.0
#define KEY_GOAL_MS 50.0
#define KEYS 15

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(t, n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* ---- loading ------------------------------------------------------------ */

static int load(ihg_config *cfg, const char *path, long outer)
{
    char set[64];
    char *overrides[2] = {NULL, NULL};
    int st;
    if (outer > 0) {
        snprintf(set, sizeof set, "outer.steps=%ld", outer);
        overrides[0] = set;
    }
    st = path ? ihg_config_load(cfg, path, overrides)
              : ihg_config_load_string(cfg, "<built-in>", ihg_default_experiment,
                                       strlen(ihg_default_experiment), overrides);
    if (st != IHG_OK) {
        fprintf(stderr, "bench_ui: %s\n", ihg_error_message());
        ihg_config_free(cfg);
    }
    return st;
}

static const char *short_name(const char *path)
{
    const char *b;
    if (!path)
        return "(built-in lesson)";
    b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static long compare_kmax(ihg_session *s, const ihg_config *cfg)
{
    long kmax = cfg->hypergrad.compare_max;
    if (ihg_session_terms(s) > kmax)
        kmax = ihg_session_terms(s);
    return kmax < 1 ? 1 : kmax;
}

/* ---- (a) frames ---------------------------------------------------------- */

typedef struct {
    ihg_view v;
    int avail[IHG_PANE_COUNT];
    ihg_ctl *ctl;
    ihg_config cfg;
    ihg_summary lsum, gsum; /* many lambdas: as the engine thread makes them */
    double summary_ms;      /* the time it takes there                    */
} frame_src;

static void frame_src_free(frame_src *f)
{
    ihg_ctl_free(f->ctl);
    ihg_config_free(&f->cfg);
}

/* A view as the explorer would show it after a few outer steps, with a
 * comparison at the current point (when P allows the exact reference)
 * and, for the quadratic, the 2-D view's paths and loss grid. */
static int frame_src_init(frame_src *f, const char *path)
{
    const ihg_model *m;
    ihg_plane_frame want;
    char err[128];
    memset(f, 0, sizeof *f);
    if (load(&f->cfg, path, 0) != IHG_OK)
        return -1;
    f->ctl = ihg_ctl_alloc(&f->cfg);
    if (!f->ctl) {
        fprintf(stderr, "bench_ui: %s\n", ihg_error_message());
        ihg_config_free(&f->cfg);
        return -1;
    }
    m = ihg_session_model(ihg_ctl_session(f->ctl));
    ihg_ctl_settle(f->ctl, 1L << 40); /* the comparison at the start */
    ihg_ctl_do(f->ctl, "outer 5", err, sizeof err);
    ihg_ctl_settle(f->ctl, 1L << 40);
    if (f->cfg.hypergrad.exact_max >= 0 && m->P <= (size_t)f->cfg.hypergrad.exact_max) {
        ihg_ctl_do(f->ctl, "compare", err, sizeof err);
        ihg_ctl_settle(f->ctl, 1L << 40);
    }
    memcpy(f->avail, ihg_ctl_display_ctx(f->ctl)->available, sizeof f->avail);
    ihg_ctl_view(f->ctl, &f->v);
    memset(&want, 0, sizeof want);
    f->v.plane_want = &want;
    ihg_canvas *cv = ihg_canvas_alloc(FRAME_W, FRAME_H, 0);
    if (cv) {
        ihg_render(cv, &f->v, f->avail);
        ihg_canvas_free(cv);
    }
    if (want.nx > 0)
        ihg_ctl_plane_grid(f->ctl, &want);
    ihg_ctl_view(f->ctl, &f->v);
    f->v.message = "";
    f->summary_ms = NAN;
    if (f->v.n_lambda > IHG_SUMMARY_MIN) {
        /* as in the explorer: the summaries of many lambdas come with the
         * snapshot, derived on the engine thread (timed apart) */
        double t0 = ihg_now();
        ihg_summary_of(f->v.lambda, &f->lsum);
        ihg_summary_of(f->v.hypergrad, &f->gsum);
        f->summary_ms = (ihg_now() - t0) * 1e3;
        f->v.lambda_summary = &f->lsum;
        f->v.hypergrad_summary = &f->gsum;
    }
    return 0;
}

/* median render time (ms) over FRAMES frames; *first: the first frame
 * at a new point (what panes derive from lambda is not cached yet) */
static double time_render(ihg_canvas *cv, frame_src *f, double *first)
{
    double t[FRAMES], t0 = ihg_now();
    int i;
    f->v.point_version++; /* a new point: what panes derive is derived again */
    f->v.lambda_version++;
    f->v.hypergrad_version++;
    ihg_render(cv, &f->v, f->avail);
    *first = (ihg_now() - t0) * 1e3;
    for (i = 0; i < FRAMES; i++) {
        double u0 = ihg_now();
        f->v.disp.focus = i % 2 ? IHG_PANE_HYPER : IHG_PANE_LOSS;
        ihg_render(cv, &f->v, f->avail);
        t[i] = (ihg_now() - u0) * 1e3;
    }
    return median(t, FRAMES);
}

/* ncurses on /dev/null: SCREEN or NULL */
static SCREEN *paint_screen(FILE **out, FILE **in)
{
    SCREEN *sc;
    char cols[16], lines[16];
    *out = fopen("/dev/null", "w");
    *in = fopen("/dev/null", "r");
    if (!*out || !*in)
        return NULL;
    snprintf(cols, sizeof cols, "%d", FRAME_W);
    snprintf(lines, sizeof lines, "%d", FRAME_H);
    setenv("COLUMNS", cols, 1);
    setenv("LINES", lines, 1);
    sc = newterm("xterm-256color", *out, *in);
    if (!sc)
        sc = newterm("xterm", *out, *in);
    if (!sc)
        return NULL;
    set_term(sc);
    ihg_crt_styles(IHG_THEME_DEFAULT, 0);
    return sc;
}

/* median ms of painting: full repaints (clearok), then incremental ones
 * alternating between two different frames */
static void time_paint(ihg_canvas *a, ihg_canvas *b, double *full, double *incr)
{
    double t[FRAMES];
    int i;
    for (i = 0; i < FRAMES; i++) {
        double t0 = ihg_now();
        clearok(curscr, TRUE);
        ihg_crt_blit(i % 2 ? b : a);
        t[i] = (ihg_now() - t0) * 1e3;
    }
    *full = median(t, FRAMES);
    for (i = 0; i < FRAMES; i++) {
        double t0 = ihg_now();
        ihg_crt_blit(i % 2 ? b : a);
        t[i] = (ihg_now() - t0) * 1e3;
    }
    *incr = median(t, FRAMES);
}

static int bench_frames(char **files, int nfiles)
{
    ihg_canvas *cv = ihg_canvas_alloc(FRAME_W, FRAME_H, 0);
    ihg_canvas *cv2 = ihg_canvas_alloc(FRAME_W, FRAME_H, 0);
    FILE *out = NULL, *in = NULL;
    SCREEN *sc;
    int i, worst_ok = 1;
    if (!cv || !cv2)
        return 1;
    sc = paint_screen(&out, &in);
    /* as on a 256-colour terminal: image cells on the grey ramp */
    cv->grey = cv2->grey = 1;
    printf("Frames at %dx%d, median of %d (goal: render <= %.0f ms)\n", FRAME_W, FRAME_H,
           FRAMES, FRAME_GOAL_MS);
    printf("  %-28s %7s %10s %10s %12s %12s %11s\n", "experiment", "lambdas", "first ms",
           "render ms", "paint full", "paint diff", "summary ms");
    for (i = -1; i < nfiles; i++) {
        frame_src f;
        double r, first, full = NAN, incr = NAN;
        const char *path = i < 0 ? NULL : files[i];
        if (frame_src_init(&f, path) != 0)
            continue;
        r = time_render(cv, &f, &first);
        if (sc) {
            ihg_render(cv, &f.v, f.avail);
            f.v.disp.focus = IHG_PANE_THEORY;
            f.v.outer_done++; /* a frame that differs a little */
            ihg_render(cv2, &f.v, f.avail);
            time_paint(cv, cv2, &full, &incr);
        }
        printf("  %-28s %7zu %10.3f %10.3f %12.3f %12.3f %11.3f%s\n", short_name(path),
               f.v.n_lambda, first, r, full, incr, f.summary_ms,
               r <= FRAME_GOAL_MS ? "" : "  over the goal");
        if (!(r <= FRAME_GOAL_MS))
            worst_ok = 0;
        if (f.v.img_k > 0) {
            /* the distilled images zoomed (the largest image area), on the
             * grey ramp and on the ASCII ramp */
            int ramp;
            f.v.disp.zoom = IHG_PANE_2D;
            for (ramp = 0; ramp < 2; ramp++) {
                char label[64];
                cv->grey = cv2->grey = !ramp;
                r = time_render(cv, &f, &first);
                full = incr = NAN;
                if (sc) {
                    ihg_render(cv, &f.v, f.avail);
                    f.v.disp.img_minmax = 1; /* every image cell differs */
                    ihg_render(cv2, &f.v, f.avail);
                    f.v.disp.img_minmax = 0;
                    time_paint(cv, cv2, &full, &incr);
                }
                snprintf(label, sizeof label, "  pane 6 zoomed, %s", ramp ? "ASCII" : "grey");
                printf("  %-28s %7s %10.3f %10.3f %12.3f %12.3f%s\n", label, "", first, r,
                       full, incr, r <= FRAME_GOAL_MS ? "" : "  over the goal");
                if (!(r <= FRAME_GOAL_MS))
                    worst_ok = 0;
            }
            cv->grey = cv2->grey = 1;
        }
        frame_src_free(&f);
    }
    if (sc) {
        endwin();
        delscreen(sc);
    } else {
        printf("  (ncurses paint skipped: no terminfo for xterm)\n");
    }
    if (out)
        fclose(out);
    if (in)
        fclose(in);
    printf("  first = the first frame at a new point; render = median of the rest;\n"
           "  summary = min/median/max and counts of lambda and the hypergradient\n"
           "  above 30 hyperparameters, derived on the engine thread when they change\n"
           "  (nan: not needed), so no frame of the UI thread pays for it\n");
    printf("  paint: ncurses into newterm() on /dev/null (terminal time not included);\n"
           "  full = clearok repaint of every cell, diff = two frames that differ\n");
    printf("  render goal %s\n\n", worst_ok ? "met" : "NOT met");
    ihg_canvas_free(cv);
    ihg_canvas_free(cv2);
    return 0;
}

/* ---- (b) units ----------------------------------------------------------- */

typedef struct {
    double *t;
    size_t n, cap;
    double longest;
    char where[48];
} unit_times;

static void ut_add(unit_times *u, double dt, const char *where)
{
    if (u->n == u->cap) {
        size_t cap = u->cap ? 2 * u->cap : 1024;
        double *a = realloc(u->t, cap * sizeof *a);
        if (!a)
            return;
        u->t = a;
        u->cap = cap;
    }
    u->t[u->n++] = dt;
    if (dt > u->longest) {
        u->longest = dt;
        snprintf(u->where, sizeof u->where, "%s", where);
    }
}

static const char *stage_name(ihg_compare_stage stage, const ihg_method_type *m, int exact)
{
    if (stage == IHG_COMPARE_REFERENCE)
        return exact ? "exact solve" : "CG reference";
    if (stage == IHG_COMPARE_METHOD && m)
        return m->title;
    return ihg_compare_stage_name(stage);
}

static void phase_where(char *buf, size_t size, ihg_session *s, long outer)
{
    ihg_phase p = ihg_session_phase(s);
    if (p == IHG_PHASE_SOLVE)
        snprintf(buf, size, "solve (%s), outer %ld", ihg_session_method(s)->name,
                 outer);
    else
        snprintf(buf, size, "%s, outer %ld", ihg_phase_name(p), outer);
}

static int bench_units(const char *path, long outer_cap, int *all_ok)
{
    ihg_config cfg;
    ihg_session *s;
    ihg_comparison *cmp = NULL;
    unit_times su, cu;
    double total_s = 0, total_c = 0, ms_s, ms_c, med_s, med_c;
    long comparisons = 0;
    int exact, stopped = 0;
    char where[48];

    if (load(&cfg, path, outer_cap) != IHG_OK)
        return 1;
    s = ihg_session_alloc(&cfg);
    if (!s) {
        fprintf(stderr, "bench_ui: %s\n", ihg_error_message());
        ihg_config_free(&cfg);
        return 1;
    }
    memset(&su, 0, sizeof su);
    memset(&cu, 0, sizeof cu);
    exact = cfg.hypergrad.exact_max >= 0 &&
            ihg_session_model(s)->P <= (size_t)cfg.hypergrad.exact_max;
    cmp = ihg_comparison_alloc(ihg_session_lambda(s)->size, compare_kmax(s, &cfg));
    while (!ihg_session_finished(s)) {
        unsigned ev = 0;
        int st;
        double t0, dt;
        phase_where(where, sizeof where, s, ihg_session_outer(s) + 1);
        t0 = ihg_now();
        st = ihg_session_step(s, 1, &ev);
        dt = ihg_now() - t0;
        total_s += dt;
        ut_add(&su, dt, where);
        if (st != IHG_OK || ihg_session_phase(s) == IHG_PHASE_STOPPED) {
            stopped = 1; /* marked session* in the table */
            break;
        }
        if ((ev & IHG_EV_HYPERGRAD) && cmp && (exact || comparisons == 0)) {
            /* the explorer's automatic comparison point; above exact_max the
             * explorer compares on `c` only: measured once, at the first */
            ihg_compare_job *j = ihg_compare_job_alloc(s, cmp);
            int done = 0;
            comparisons++;
            while (j && !done) {
                long k;
                const ihg_method_type *mt;
                ihg_compare_stage stage = ihg_compare_job_stage(j, &mt, &k);
                snprintf(where, sizeof where, "%s, outer %ld", stage_name(stage, mt, exact),
                         ihg_session_outer(s) + 1);
                t0 = ihg_now();
                st = ihg_compare_job_step(j, &done);
                dt = ihg_now() - t0;
                total_c += dt;
                ut_add(&cu, dt, where);
                if (st != IHG_OK)
                    break;
            }
            ihg_compare_job_free(j);
        }
    }
    ms_s = su.longest * 1e3;
    ms_c = cu.longest * 1e3;
    med_s = median(su.t, su.n) * 1e3;
    med_c = median(cu.t, cu.n) * 1e3;
    printf("  %-28s %7zu %-11s %6zu %7.3f %8.2f %8.3f  %-26s %s\n", short_name(path),
           ihg_session_model(s)->P, stopped ? "session*" : "session", su.n, med_s, ms_s,
           total_s, su.where, ms_s <= UNIT_GOAL_MS ? "ok" : "OVER");
    if (cu.n)
        printf("  %-28s %7s %-11s %6zu %7.3f %8.2f %8.3f  %-26s %s\n", "", "", "comparison",
               cu.n, med_c, ms_c, total_c, cu.where, ms_c <= UNIT_GOAL_MS ? "ok" : "OVER");
    if (comparisons)
        printf("  %-28s %7s %-11s %ld comparisons, %.1f ms each on average\n", "", "", "",
               comparisons, total_c * 1e3 / comparisons);
    if (!(ms_s <= UNIT_GOAL_MS && ms_c <= UNIT_GOAL_MS))
        *all_ok = 0;
    free(su.t);
    free(cu.t);
    ihg_comparison_free(cmp);
    ihg_session_free(s);
    ihg_config_free(&cfg);
    return 0;
}

/* ---- (c) keys while the engine works -------------------------------------- */

static void sleep_for(double d)
{
    if (d > 0) {
        struct timespec ts;
        ts.tv_sec = (time_t)d;
        ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
        nanosleep(&ts, NULL);
    }
}

/* render the latest snapshot and paint it */
static void paint(ihg_runner *r, ihg_canvas *cv, int have_screen)
{
    if (ihg_runner_render(r, cv) && have_screen)
        ihg_crt_blit(cv);
}

/* One scenario: load, run `start` (an action), put the engine on its
 * thread, then press KEYS keys while it works, as the terminal's loop
 * does (tui.c): engine news painted at most every 30 ms, a key at once.
 * Display keys (`l`) are answered by the UI thread; engine keys (`N`,
 * `n`: K up and down) when the engine has taken them and published.
 * Prints median and max of each, ms. */
static int bench_keys_one(const char *label, const char *path, const char *set,
                          const char *start, int have_screen, int *all_ok)
{
    ihg_config cfg;
    ihg_ctl *c;
    ihg_runner *r;
    ihg_canvas *cv = ihg_canvas_alloc(FRAME_W, FRAME_H, 0);
    char *ov[2] = {NULL, NULL}, setbuf[64], err[128];
    double lat_d[KEYS], lat_e[KEYS], max_d = 0, max_e = 0, med_d, med_e;
    double key_at, next_frame = 0;
    int nd = 0, ne = 0, st, ok;
    if (!cv)
        return 1;
    cv->grey = 1;
    if (set) {
        snprintf(setbuf, sizeof setbuf, "%s", set);
        ov[0] = setbuf;
    }
    st = path ? ihg_config_load(&cfg, path, ov)
              : ihg_config_load_string(&cfg, "<built-in>", ihg_default_experiment,
                                       strlen(ihg_default_experiment), ov);
    if (st != IHG_OK) {
        fprintf(stderr, "bench_ui: %s\n", ihg_error_message());
        ihg_canvas_free(cv);
        return 1;
    }
    c = ihg_ctl_alloc(&cfg);
    if (!c) {
        fprintf(stderr, "bench_ui: %s\n", ihg_error_message());
        ihg_config_free(&cfg);
        ihg_canvas_free(cv);
        return 1;
    }
    ihg_ctl_settle(c, 1L << 40);
    ihg_ctl_do(c, start, err, sizeof err);
    r = ihg_runner_start(c, -1);
    if (!r) {
        fprintf(stderr, "bench_ui: %s\n", ihg_error_message());
        ihg_ctl_free(c);
        ihg_config_free(&cfg);
        ihg_canvas_free(cv);
        return 1;
    }
    key_at = ihg_now() + 0.5;
    while (nd < KEYS || ne < KEYS) {
        double now = ihg_now();
        if (now >= key_at) {
            /* alternately a display key and an engine key */
            int engine = nd > ne;
            ihg_act a = ihg_key_lookup(engine ? (ne % 2 ? 'n' : 'N') : 'l');
            unsigned long sent, taken;
            double t0 = key_at, lat;
            ihg_runner_send(r, &a);
            if (engine) {
                /* answered: the engine took it and the snapshot shows it */
                for (;;) {
                    ihg_runner_counts(r, &sent, &taken, NULL);
                    if (taken >= sent && ihg_runner_fresh(r))
                        break;
                    paint(r, cv, have_screen); /* the UI keeps painting */
                    sleep_for(0.0005);
                }
            }
            paint(r, cv, have_screen);
            lat = (ihg_now() - t0) * 1e3;
            if (engine) {
                lat_e[ne++] = lat;
                if (lat > max_e)
                    max_e = lat;
            } else {
                lat_d[nd++] = lat;
                if (lat > max_d)
                    max_d = lat;
            }
            next_frame = ihg_now() + 0.030;
            key_at = ihg_now() + 0.100 + 0.040 * ((nd + ne) % 3);
        } else if (ihg_runner_fresh(r) && now >= next_frame) {
            paint(r, cv, have_screen);
            next_frame = ihg_now() + 0.030;
        } else {
            double until = key_at < next_frame ? key_at : next_frame;
            sleep_for(fmin(until - now, 0.002));
        }
    }
    ihg_runner_free(r);
    med_d = median(lat_d, (size_t)nd);
    med_e = median(lat_e, (size_t)ne);
    ok = med_d <= KEY_GOAL_MS && max_d <= KEY_GOAL_MS;
    printf("  %-36s %-7s %5d %8.1f %8.1f  %s\n", label, "display", nd, med_d, max_d,
           ok ? "ok" : "OVER");
    printf("  %-36s %-7s %5d %8.1f %8.1f  %s\n", "", "engine", ne, med_e, max_e,
           "(after the unit under way)");
    if (!ok)
        *all_ok = 0;
    ihg_ctl_free(c);
    ihg_config_free(&cfg);
    ihg_canvas_free(cv);
    return 0;
}

static void bench_keys(void)
{
    const char *top = getenv("top_srcdir");
    char sm[4096], fo[4096];
    FILE *out = NULL, *in = NULL;
    SCREEN *sc = paint_screen(&out, &in);
    int ok = 1;
    snprintf(sm, sizeof sm, "%s/experiments/softmax_digits.yaml", top && *top ? top : ".");
    snprintf(fo, sizeof fo, "%s/experiments/fashion_overfit.yaml", top && *top ? top : ".");
    printf("Key to paint while the engine works (its own thread), %dx%d, %d keys of each "
           "kind\n(goal: display keys median and max <= %.0f ms; engine keys wait for the "
           "unit under way)\n",
           FRAME_W, FRAME_H, KEYS, KEY_GOAL_MS);
    printf("  %-36s %-7s %5s %8s %8s  %s\n", "scenario", "keys", "n", "med ms", "max ms",
           "goal");
    bench_keys_one("lesson, playing", NULL, NULL, "play", sc != NULL, &ok);
    bench_keys_one("softmax_digits, comparing to K=2000", sm, "hypergrad.compare_max=2000",
                   "compare", sc != NULL, &ok);
    bench_keys_one("fashion_overfit (1.8M), playing", fo, NULL, "play", sc != NULL, &ok);
    printf("  key goal %s\n\n", ok ? "met" : "NOT met");
    if (sc) {
        endwin();
        delscreen(sc);
    }
    if (out)
        fclose(out);
    if (in)
        fclose(in);
}

int main(int argc, char **argv)
{
    glob_t g;
    char **files;
    int nfiles, i, frames_only = 0, keys_only = 0, have_glob = 0, all_ok = 1;
    long outer_cap = 0;
    char pattern[4096];

    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    ihg_error_install_gsl_handler();
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--frames-only") == 0)
            frames_only = 1;
        else if (strcmp(argv[i], "--keys-only") == 0)
            keys_only = 1;
        else if (strcmp(argv[i], "--outer") == 0 && i + 1 < argc)
            outer_cap = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: %s [--frames-only] [--keys-only] [--outer N] [FILE.yaml]...\n",
                    argv[0]);
            return 2;
        }
    }
    if (i < argc) {
        files = argv + i;
        nfiles = argc - i;
    } else {
        const char *top = getenv("top_srcdir");
        snprintf(pattern, sizeof pattern, "%s/experiments/*.yaml", top && *top ? top : ".");
        memset(&g, 0, sizeof g);
        if (glob(pattern, 0, NULL, &g) == 0) {
            have_glob = 1;
            files = g.gl_pathv;
            nfiles = (int)g.gl_pathc;
        } else {
            fprintf(stderr, "bench_ui: no experiments at %s (set top_srcdir)\n", pattern);
            files = NULL;
            nfiles = 0;
        }
    }

    if (!keys_only)
        bench_frames(files, nfiles);
    bench_keys();
    if (!frames_only && !keys_only) {
        printf("Longest single unit of work, each experiment run to the end one unit at a "
               "time\n(goal: <= %.0f ms; comparison = the explorer's automatic one after "
               "every hypergradient)\n", UNIT_GOAL_MS);
        printf("  %-28s %7s %-11s %6s %7s %8s %8s  %-26s %s\n", "experiment", "P", "part",
               "units", "med ms", "max ms", "total s", "longest unit", "goal");
        bench_units(NULL, outer_cap, &all_ok);
        for (i = 0; i < nfiles; i++)
            bench_units(files[i], outer_cap, &all_ok);
        printf("  unit goal %s\n", all_ok ? "met" : "NOT met");
    }
    if (have_glob)
        globfree(&g);
    return 0;
}

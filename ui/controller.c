/* controller.c - the explorer's state, actions and work (see controller.h).
 *
 * Work comes in units (one inner step, one Hessian-vector product, ...):
 * ihg_ctl_work runs units of the session, or of a comparison job, for at
 * most a slice, so that the caller can read keys and draw in between.
 *
 * A comparison (c, and automatically after each hypergradient) is an
 * ihg_compare_job.  It reads the session's current point, so the session
 * is not stepped while one runs; it fills a second ihg_comparison, and the
 * panes keep showing the previous one until the new one is complete.
 *
 * Time: the session's record.seconds is the sum of the outer step's units
 * of work, so the explorer's pauses between units (pacing each Neumann
 * term, drawing, a paused run) are not in it; it is shown and recorded
 * as it is.
 */
#include "controller.h"

#include <errno.h>
#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../models/model.h"
#include "../src/batch.h"
#include "../src/compare.h"
#include "../src/error.h"
#include "../src/history.h"
#include "../src/jsonl.h"
#include "../src/lesson.h"
#include "../src/output.h"
#include "../src/plane.h"
#include "../src/seeds.h"
#include "../src/timer.h"
#include "export.h"
#include "lesson_ctl.h"

/* The automatic comparison after each hypergradient: only where the
 * reference is the exact solve (P <= exact_max, at most 2000) and as long
 * as no single unit of it (the exact solve, the eigenvalues) holds the
 * screen longer than the key-to-screen budget; the total time does not
 * matter, it does not block. */
#define AUTO_COMPARE_MAX_P 2000
#define AUTO_COMPARE_UNIT_MS 100.0
#define ALPHA_FACTOR 1.4142135623730951
/* the largest loss grid of the 2-D view (dots of a very large pane) */
#define PLANE_GRID_MAX (4L << 20)
/* training images shown beside their augmentations */
#define AUG_PREVIEW 8

struct ihg_ctl {
    const ihg_config *cfg;
    ihg_session *s;
    const ihg_model *model;
    int quit;
    unsigned long serial;   /* changes with what the screen shows */
    long units;             /* units of work done (ihg_ctl_settle) */

    int running;            /* space: play                          */
    long outer_pending;     /* o: outer steps still to run          */

    ihg_message msg;
    ihg_display disp;
    ihg_display_ctx dctx;
    int classifier, has_test, plane_on;
    /* learned augmentation: AUG_PREVIEW training images and what the model
     * trains on in their place (pane 6); NULL when not shown */
    double *aug_orig, *aug_img;

    /* versions of what panes may cache (view.h) */
    unsigned long point_version, lambda_version, hypergrad_version;

    ihg_comparison *cmp;     /* shown (when cmp_valid)                  */
    unsigned long cmp_version, hist_version;
    /* the point (theta, lambda) moves: point_serial counts the moves;
     * the comparison shown was made at cmp_point, after cmp_done outer
     * steps */
    unsigned long point_serial, cmp_point, job_point;
    long cmp_done, job_done;
    int cmp_auto, cmp_valid, cmp_stale;
    double cmp_ms;
    long cmp_outer;

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

    /* the seeds comparison (S): a job on sessions of its own */
    ihg_seeds_job *seeds_job;
    int seeds_state;             /* 0 none, 1 running, 2 done        */
    long seeds_S, seeds_outer;
    int seeds_have_spread;
    ihg_seeds_spread seeds_spread;
    ihg_seeds_retrain seeds_retrain;
    double seeds_compute;        /* seconds inside its steps         */
    char seeds_text[96];

    /* ||q_j|| of the solve under way */
    double *qnorm;
    long n_qnorm, cap_qnorm;
    double vnorm;

    /* the 2-D view: per outer step lambda, theta, theta*(lambda) */
    double *lambda_path, *theta_path, *opt_path;
    size_t n_path, cap_path;
    double opt[2];               /* theta*(lambda) now              */
    unsigned long opt_version;   /* lambda_version of opt (0: none)  */
    double *grid;                /* L_T over grid_frame             */
    size_t grid_cap;
    ihg_plane_frame grid_frame;
    int grid_valid;

    FILE *rec;
    int rec_errno;               /* first write error (0: none)     */
    ihg_json json;

    int owns_session;            /* 0: the lesson's player owns it  */
    int to_hypergrad;            /* run up to the hypergradient      */
    long path_first;             /* the outer step of path entry 0   */
    const char *inputs[IHG_MAX_INPUTS + 2]; /* never written over  */

    /* a script: actions run one after another when nothing else waits
     * (a lesson's slide, its reveal) */
    ihg_act *script;
    size_t script_n, script_pos, script_cap;

    ihg_lesson_ctl *lesson;      /* NULL: an experiment              */
    unsigned long disp_serial;   /* the controller set the display   */

    /* every outer step kept (history.h): scrub < 0 shows the live run,
     * else that step */
    ihg_history *history;
    long scrub;
    ihg_step_view sview;
    gsl_vector scrub_lambda, scrub_hg; /* over sview's arrays */
    unsigned long history_serial, branches_serial;
    double *branch_val[IHG_VIEW_BRANCHES_MAX];
    size_t branch_n[IHG_VIEW_BRANCHES_MAX], branch_cap[IHG_VIEW_BRANCHES_MAX];
    char branch_label[IHG_VIEW_BRANCHES_MAX][112];
    int n_branch_drawn;
    ihg_view_history listed; /* its listed[] and n_listed */
};

/* ---- messages ----------------------------------------------------------- */

static void say(ihg_ctl *c, int role, int sticky, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void vsay(ihg_ctl *c, int role, int sticky, const char *fmt, va_list ap)
{
    vsnprintf(c->msg.text, sizeof c->msg.text, fmt, ap);
    c->msg.role = role;
    c->msg.sticky = sticky;
    c->msg.when = ihg_now();
    c->serial++;
}
static void say(ihg_ctl *c, int role, int sticky, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(c, role, sticky, fmt, ap);
    va_end(ap);
}
void ihg_ctl_say(ihg_ctl *c, int role, int sticky, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(c, role, sticky, fmt, ap);
    va_end(ap);
}
const ihg_message *ihg_ctl_message(const ihg_ctl *c) { return &c->msg; }

/* ---- methods and comparison stages ---------------------------------------- */

static size_t n_lambda(const ihg_ctl *c) { return ihg_session_n_hyper(c->s); }

static const char *method_label(const ihg_method_type *m) { return m ? m->name : "?"; }

/* m: the next method of the table that accepts this problem (exact is
 * refused above hypergrad.exact_max, ...) */
static void method_next(ihg_ctl *c)
{
    size_t i, n = 0, cur = 0;
    while (ihg_method_types[n]) {
        if (ihg_method_types[n] == ihg_session_method(c->s))
            cur = n;
        n++;
    }
    for (i = 1; i <= n; i++)
        if (ihg_session_set_method(c->s, ihg_method_types[(cur + i) % n]) == IHG_OK)
            break;
}

/* the method called `name`: IHG_OK, or an error with its message */
static int method_set_by_name(ihg_ctl *c, const char *name)
{
    const ihg_method_type *m = ihg_method_lookup(name);
    if (!m)
        return ihg_error_set(IHG_EINVAL, "no method named '%s' (%s)", name,
                             ihg_method_names());
    return ihg_session_set_method(c->s, m);
}

static int reference_exact(const ihg_ctl *c)
{
    return c->cfg->hypergrad.exact_max >= 0 &&
           c->model->P <= (size_t)c->cfg->hypergrad.exact_max;
}

/* the comparison under way, for the status bar and pane 3 */
static const char *stage_text(ihg_ctl *c, char *buf, size_t size)
{
    long k = 0;
    long kmax = c->job_cmp ? c->job_cmp->kmax : 0;
    const ihg_method_type *mt = NULL;
    switch (ihg_compare_job_stage(c->job, &mt, &k)) {
    case IHG_COMPARE_SETUP: snprintf(buf, size, "v and the direct term"); break;
    case IHG_COMPARE_REFERENCE:
        if (reference_exact(c))
            snprintf(buf, size, "exact solve (P = %zu)", c->model->P);
        else
            snprintf(buf, size, "CG reference, %ld HVPs", c->job_ref_units);
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

/* ---- paths for the 2-D view (copies of engine numbers) ------------------- */

static void path_clear(ihg_ctl *c)
{
    c->n_path = 0;
    c->path_first = ihg_session_outer(c->s);
}

static void path_push(ihg_ctl *c)
{
    size_t off, hn = ihg_plane_model_lambda(c->s, &off), i;
    const gsl_vector *l = ihg_session_lambda(c->s), *th = ihg_session_theta(c->s);
    if (!c->plane_on)
        return;
    if (c->n_path == c->cap_path) {
        size_t cap = c->cap_path ? 2 * c->cap_path : 64;
        double *a = realloc(c->lambda_path, cap * hn * sizeof *a), *b, *o;
        if (!a)
            return;
        c->lambda_path = a;
        b = realloc(c->theta_path, cap * 2 * sizeof *b);
        if (!b)
            return;
        c->theta_path = b;
        o = realloc(c->opt_path, cap * 2 * sizeof *o);
        if (!o)
            return;
        c->opt_path = o;
        c->cap_path = cap;
    }
    for (i = 0; i < hn; i++)
        c->lambda_path[c->n_path * hn + i] = gsl_vector_get(l, off + i);
    c->theta_path[2 * c->n_path] = gsl_vector_get(th, 0);
    c->theta_path[2 * c->n_path + 1] = gsl_vector_get(th, 1);
    if (ihg_plane_optimum(c->s, c->lambda_path + c->n_path * hn, c->opt_path + 2 * c->n_path) !=
        0)
        c->opt_path[2 * c->n_path] = c->opt_path[2 * c->n_path + 1] = NAN;
    c->n_path++;
}

int ihg_ctl_plane_grid(ihg_ctl *c, const ihg_plane_frame *f)
{
    size_t n;
    if (!c->plane_on || f->nx < 1 || f->ny < 1 || (long)f->nx * f->ny > PLANE_GRID_MAX)
        return 0;
    if (c->grid_valid && c->grid_frame.x0 == f->x0 && c->grid_frame.y0 == f->y0 &&
        c->grid_frame.step == f->step && c->grid_frame.nx == f->nx &&
        c->grid_frame.ny == f->ny && c->grid_frame.lambda_version == c->lambda_version)
        return 0;
    n = (size_t)f->nx * (size_t)f->ny;
    if (n > c->grid_cap) {
        double *g = realloc(c->grid, n * sizeof *g);
        if (!g)
            return -1;
        c->grid = g;
        c->grid_cap = n;
    }
    ihg_plane_loss_grid(c->s, ihg_session_lambda(c->s), f->x0, f->y0, f->step, f->nx, f->ny,
                        c->grid);
    c->grid_frame = *f;
    c->grid_frame.lambda_version = c->lambda_version;
    c->grid_valid = 1;
    c->serial++;
    return 1;
}

/* ---- the comparison, one unit at a time ---------------------------------- */

static void record_event(ihg_ctl *c, const char *name);

static void compare_cancel(ihg_ctl *c)
{
    ihg_compare_job_free(c->job);
    c->job = NULL;
    c->serial++;
}

/* Start a comparison at the session's current point (cancelling one under
 * way).  It runs in compare_work's slices. */
static void compare_start(ihg_ctl *c, int from_key)
{
    long kmax = c->cfg->hypergrad.compare_max;
    if (ihg_session_terms(c->s) > kmax)
        kmax = ihg_session_terms(c->s);
    if (kmax < 1)
        kmax = 1;
    compare_cancel(c);
    if (!c->job_cmp || c->job_cmp->kmax != kmax) {
        ihg_comparison_free(c->job_cmp);
        c->job_cmp = ihg_comparison_alloc(n_lambda(c), kmax);
        if (!c->job_cmp) {
            say(c, IHG_ROLE_BAD, 0, "comparison: %s", ihg_error_message());
            return;
        }
    }
    c->job = ihg_compare_job_alloc(c->s, c->job_cmp);
    if (!c->job) {
        say(c, IHG_ROLE_BAD, 0, "comparison: %s", ihg_error_message());
        return;
    }
    c->job_from_key = from_key;
    c->job_units = c->job_ref_units = 0;
    c->job_compute = c->job_longest = 0;
    c->job_longest_stage = 0;
    /* -1: "the current point" (not where --batch --compare looks) */
    c->job_outer = ihg_session_phase(c->s) == IHG_PHASE_UPDATE ? ihg_session_outer(c->s) + 1
                                                               : -1;
    c->job_point = c->point_serial;
    c->job_done = ihg_session_outer(c->s);
    c->serial++;
}

static void compare_finish(ihg_ctl *c)
{
    ihg_comparison *shown = c->cmp;
    double ms = c->job_compute * 1e3, longest = c->job_longest * 1e3;
    int stage = c->job_longest_stage;
    c->cmp = c->job_cmp;
    c->job_cmp = shown; /* the next job reuses the old one */
    c->cmp_valid = 1;
    c->cmp_version++;
    c->cmp_stale = 0;
    c->cmp_ms = ms;
    c->cmp_outer = c->job_outer;
    c->cmp_point = c->job_point;
    c->cmp_done = c->job_done;
    compare_cancel(c);
    record_event(c, "compare");
    /* one at the current point between steps belongs to that step */
    if (c->history && c->cmp_outer < 0 && c->scrub < 0 && ihg_session_at_boundary(c->s) &&
        ihg_history_attach_comparison(c->history, c->cmp) == IHG_OK)
        c->history_serial++;
    if (c->cmp_auto && longest > AUTO_COMPARE_UNIT_MS) {
        c->cmp_auto = 0;
        say(c, IHG_ROLE_WARN, 0,
            "the comparison's %s took %.0f ms in one piece: it now runs only when you "
            "press c",
            ihg_compare_stage_name((ihg_compare_stage)stage), longest);
    } else if (c->job_from_key) {
        say(c, IHG_ROLE_GOOD, 0,
            "compared at the current point in %.1f ms (%ld units, longest %.1f ms)", ms,
            c->job_units, longest);
    }
}

/* One slice of the comparison.  A slice also ends where the stage changes,
 * so that the screen names a long unit (the exact solve) before it runs. */
static void compare_work(ihg_ctl *c, double slice, int (*stop)(void *), void *arg)
{
    double t0 = ihg_now();
    c->serial++;
    while (c->job) {
        long k;
        int done = 0, st, stage = ihg_compare_job_stage(c->job, NULL, &k), next;
        double u0 = ihg_now(), dt, el;
        st = ihg_compare_job_step(c->job, &done);
        dt = ihg_now() - u0;
        c->units++;
        c->job_compute += dt;
        c->job_units++;
        if (stage == IHG_COMPARE_REFERENCE)
            c->job_ref_units++;
        if (dt > c->job_longest) {
            c->job_longest = dt;
            c->job_longest_stage = stage;
        }
        if (st != IHG_OK) {
            compare_cancel(c);
            say(c, IHG_ROLE_BAD, 0, "comparison failed: %s", ihg_error_message());
            return;
        }
        if (done) {
            compare_finish(c);
            return;
        }
        next = ihg_compare_job_stage(c->job, NULL, &k);
        el = ihg_now() - t0;
        if (next != stage || !(el < slice && el + dt <= slice) || (stop && stop(arg)))
            return;
    }
}

/* ---- the seeds comparison (S), one unit at a time ------------------------- */

static void seeds_cancel(ihg_ctl *c)
{
    ihg_seeds_job_free(c->seeds_job);
    c->seeds_job = NULL;
    if (c->seeds_state == 1)
        c->seeds_state = 0;
    c->serial++;
}

/* S runs of the experiment from the start, for the outer steps the live
 * run has taken (at least one), with its settings. */
static void seeds_start(ihg_ctl *c, long S)
{
    long outer = ihg_session_outer(c->s);
    if (S <= 0)
        S = IHG_CTL_SEEDS;
    if (S < 2 || S > IHG_SEEDS_MAX) {
        say(c, IHG_ROLE_BAD, 0, "seeds: from 2 to %d runs, not %ld", IHG_SEEDS_MAX, S);
        return;
    }
    if (c->model->P > IHG_CTL_SEEDS_MAX_P) {
        say(c, IHG_ROLE_WARN, 0,
            "seeds: P = %zu > %d: %ld copies of this run are for --batch --seeds %ld",
            c->model->P, IHG_CTL_SEEDS_MAX_P, S, S);
        return;
    }
    if (outer < 1)
        outer = 1;
    seeds_cancel(c);
    c->seeds_job = ihg_seeds_job_alloc(c->cfg, S, outer, ihg_session_method(c->s),
                                       ihg_session_terms(c->s), ihg_session_alpha(c->s));
    if (!c->seeds_job) {
        say(c, IHG_ROLE_BAD, 0, "seeds: %s", ihg_error_message());
        return;
    }
    c->seeds_state = 1;
    c->seeds_have_spread = 0;
    c->seeds_S = S;
    c->seeds_outer = outer < c->cfg->outer.steps ? outer : c->cfg->outer.steps;
    c->seeds_compute = 0;
    say(c, IHG_ROLE_WARN, 0,
        "seeds: %ld initial weights, %ld outer steps each from the start ... (keys stay "
        "live; S cancels)", S, c->seeds_outer);
}

static void seeds_work(ihg_ctl *c, double slice, int (*stop)(void *), void *arg)
{
    double t0 = ihg_now();
    c->serial++;
    while (c->seeds_job) {
        unsigned ev = 0;
        double u0 = ihg_now(), dt, el;
        int st = ihg_seeds_job_step(c->seeds_job, &ev);
        dt = ihg_now() - u0;
        c->seeds_compute += dt;
        c->units++;
        if (st != IHG_OK) {
            seeds_cancel(c);
            say(c, IHG_ROLE_BAD, 1, "seeds: %s", ihg_error_message());
            return;
        }
        if (ev & IHG_SEEDS_SPREAD) {
            c->seeds_spread = *ihg_seeds_job_spread(c->seeds_job);
            c->seeds_have_spread = 1;
        }
        if (ev & IHG_SEEDS_DONE) {
            c->seeds_retrain = *ihg_seeds_job_retrain(c->seeds_job);
            ihg_seeds_job_free(c->seeds_job);
            c->seeds_job = NULL;
            c->seeds_state = 2;
            say(c, IHG_ROLE_GOOD, 0,
                "seeds: %ld runs compared in %.0f ms: the theory pane (5) has the spread",
                c->seeds_S, c->seeds_compute * 1e3);
            return;
        }
        el = ihg_now() - t0;
        if (!(el < slice && el + dt <= slice) || (stop && stop(arg)))
            return;
    }
}

/* ---- the record file ----------------------------------------------------- */

void ihg_ctl_set_record(ihg_ctl *c, FILE *f)
{
    if (c->rec && c->rec != f)
        fclose(c->rec);
    c->rec = f;
    c->rec_errno = 0;
}

int ihg_ctl_close_record(ihg_ctl *c, const char *name)
{
    int st = IHG_OK;
    if (c->rec) {
        st = ihg_output_close(c->rec, name);
        c->rec = NULL;
    }
    if (c->rec_errno && st == IHG_OK) /* the file was closed at the error */
        st = ihg_error_set(IHG_EWRITE, "%s: write error: %s", name ? name : "--record",
                           strerror(c->rec_errno));
    return st;
}

static void record_write(ihg_ctl *c)
{
    if (ihg_json_write_line(&c->json, c->rec) != 0) {
        c->rec_errno = errno ? errno : EIO;
        say(c, IHG_ROLE_BAD, 1, "cannot write the --record file: recording stopped");
        fclose(c->rec);
        c->rec = NULL;
    }
}

/* An event line: {"event": NAME, "outer": done so far, the settings, and
 * for "compare" where it was made and what it found}. */
static void record_event(ihg_ctl *c, const char *name)
{
    if (!c->rec)
        return;
    ihg_json_begin_object(&c->json);
    ihg_json_key(&c->json, "event");
    ihg_json_string(&c->json, name);
    ihg_json_key(&c->json, "outer");
    ihg_json_integer(&c->json, ihg_session_outer(c->s));
    ihg_json_key(&c->json, "method");
    ihg_json_string(&c->json, method_label(ihg_session_method(c->s)));
    ihg_json_key(&c->json, "terms");
    ihg_json_integer(&c->json, ihg_session_terms(c->s));
    ihg_json_key(&c->json, "alpha");
    ihg_json_number(&c->json, ihg_session_alpha(c->s));
    if (strcmp(name, "compare") == 0 && c->cmp_valid) {
        ihg_json_key(&c->json, "at_outer");
        if (c->cmp_outer >= 0)
            ihg_json_integer(&c->json, c->cmp_outer);
        else
            ihg_json_null(&c->json); /* the current point */
        ihg_batch_json_compare(&c->json, c->cmp, 0);
    }
    ihg_json_end_object(&c->json);
    record_write(c);
}

static void record_last(ihg_ctl *c)
{
    size_t n = ihg_session_history_len(c->s);
    ihg_record r;
    if (!c->rec || n == 0)
        return;
    r = ihg_session_history(c->s)[n - 1];
    ihg_json_begin_object(&c->json);
    ihg_json_record(&c->json, &r, c->classifier, c->has_test);
    ihg_json_end_object(&c->json);
    record_write(c);
}

/* ---- stepping ------------------------------------------------------------ */

static void stopped(ihg_ctl *c)
{
    c->running = 0;
    c->outer_pending = 0;
    say(c, IHG_ROLE_BAD, 1,
        "stopped: %s  (keys: a smaller alpha, b the best alpha, m another method, then o; "
        "r resets)",
        ihg_session_message(c->s));
}

static void qnorm_push(ihg_ctl *c)
{
    const gsl_vector *q = ihg_session_partial_q(c->s), *v = ihg_session_v(c->s);
    if (!q)
        return;
    if (c->n_qnorm == c->cap_qnorm) {
        long cap = c->cap_qnorm ? 2 * c->cap_qnorm : 64;
        double *a = realloc(c->qnorm, (size_t)cap * sizeof *a);
        if (!a)
            return;
        c->qnorm = a;
        c->cap_qnorm = cap;
    }
    if (c->n_qnorm == 0)
        c->vnorm = v ? gsl_blas_dnrm2(v) : NAN;
    c->qnorm[c->n_qnorm++] = gsl_blas_dnrm2(q);
}

/* The outer step just done into the history, with the comparison made at
 * its hypergradient when there is one. */
static void history_capture(ihg_ctl *c)
{
    if (!c->history)
        return;
    long k = ihg_session_outer(c->s);
    const ihg_comparison *cmp = c->cmp_valid && c->cmp_outer == k ? c->cmp : NULL;
    if (ihg_history_capture(c->history, c->s, cmp) != IHG_OK) {
        say(c, IHG_ROLE_WARN, 0, "history off: %s", ihg_error_message());
        ihg_history_free(c->history);
        c->history = NULL;
    }
    c->history_serial++;
}

/* Book-keeping after any call into the session: the record file, the 2-D
 * path, the live ||q_j|| (compute time is in the engine's records). */
static void after_step(ihg_ctl *c, unsigned ev)
{
    if (ev & (IHG_EV_INNER_STEP | IHG_EV_OUTER_DONE | IHG_EV_STOPPED))
        c->point_serial++; /* theta or lambda moved */
    if (ev & (IHG_EV_HYPERGRAD | IHG_EV_OUTER_DONE | IHG_EV_STOPPED))
        c->point_version++; /* lambda or the hypergradient changed */
    if (ev & (IHG_EV_OUTER_DONE | IHG_EV_STOPPED))
        c->lambda_version++;
    if (ev & (IHG_EV_HYPERGRAD | IHG_EV_STOPPED))
        c->hypergrad_version++;
    if (ev & IHG_EV_INNER_DONE)
        c->n_qnorm = 0;
    if (ev & IHG_EV_SOLVE_TERM)
        qnorm_push(c);
    if (ev & IHG_EV_OUTER_DONE) {
        c->n_qnorm = 0;
        record_last(c);
        path_push(c);
        history_capture(c);
    }
}

/* One unit of work; returns the events.  Handles records, comparison
 * points, divergence and the end of the run. */
static unsigned step_one(ihg_ctl *c)
{
    unsigned ev = 0;
    int st;
    if (ihg_session_finished(c->s))
        return IHG_EV_FINISHED;
    st = ihg_session_step(c->s, 1, &ev);
    c->units++;
    after_step(c, ev);
    c->serial++;
    if (st != IHG_OK || ihg_session_phase(c->s) == IHG_PHASE_STOPPED) {
        stopped(c);
        return ev | IHG_EV_STOPPED;
    }
    /* compare where --batch --compare does: hypergradient known, lambda
     * not yet updated; the session waits until the job is done */
    if ((ev & IHG_EV_HYPERGRAD) && ihg_session_phase(c->s) == IHG_PHASE_UPDATE && c->cmp_auto)
        compare_start(c, 0);
    if (ihg_session_phase(c->s) == IHG_PHASE_DONE) {
        c->running = 0;
        c->outer_pending = 0;
        say(c, IHG_ROLE_WARN, 0, "all %ld outer steps done: r resets, q quits",
            ihg_session_outer(c->s));
    }
    return ev;
}

/* Work of the session for one slice. */
static unsigned session_work(ihg_ctl *c, double slice, int (*stop)(void *), void *arg)
{
    double t0 = ihg_now(), last = 0;
    int first = 1; /* at least one unit per slice, whatever is waiting */
    for (;;) {
        double u0, el;
        unsigned ev;
        if (!(c->running || c->outer_pending || c->to_hypergrad) || c->job)
            return 0;
        if (c->to_hypergrad && ihg_session_phase(c->s) == IHG_PHASE_UPDATE) {
            c->to_hypergrad = 0;
            return 0; /* the hypergradient is known: there */
        }
        if (!first) {
            el = ihg_now() - t0;
            if (!(el < slice && el + last <= slice) || (stop && stop(arg)))
                return 0;
        }
        first = 0;
        u0 = ihg_now();
        ev = step_one(c);
        last = ihg_now() - u0;
        if (ev & (IHG_EV_STOPPED | IHG_EV_FINISHED)) {
            c->to_hypergrad = 0;
            return 0;
        }
        if ((ev & IHG_EV_OUTER_DONE) && c->outer_pending) {
            c->outer_pending--;
            return 0; /* show each outer step asked for */
        }
        if (ev & IHG_EV_SOLVE_TERM)
            return IHG_CTL_PACE; /* show this term before the next */
    }
}

static void handle(ihg_ctl *c, const ihg_act *a);

unsigned ihg_ctl_work(ihg_ctl *c, double slice, int (*stop)(void *), void *arg)
{
    if (c->job) {
        compare_work(c, slice, stop, arg);
        return 0;
    }
    if (c->seeds_job) { /* the run waits for it, as for a comparison */
        seeds_work(c, slice, stop, arg);
        return 0;
    }
    if (c->running || c->outer_pending || c->to_hypergrad)
        return session_work(c, slice, stop, arg);
    if (c->script_pos < c->script_n) {
        /* the next action of the script: nothing else waits */
        ihg_act a = c->script[c->script_pos++];
        c->serial++;
        handle(c, &a);
        return 0;
    }
    if (c->lesson) {
        ihg_lesson_ctl_playing(c->lesson, 0);
        if (ihg_lesson_ctl_is_revealing(c->lesson)) {
            /* the reveal's actions done: the answer, live */
            ihg_lesson_ctl_answer(c->lesson, c->s, ihg_ctl_comparison(c));
            say(c, IHG_ROLE_GOOD, 0, "the answer is in the caption bar; PgDn: the next slide");
        }
    }
    return 0;
}

int ihg_ctl_busy(const ihg_ctl *c)
{
    return c->job || c->seeds_job || c->running || c->outer_pending || c->to_hypergrad ||
           c->script_pos < c->script_n ||
           (c->lesson && (ihg_lesson_ctl_is_revealing(c->lesson) ||
                          ihg_lesson_ctl_is_playing(c->lesson)));
}

long ihg_ctl_settle(ihg_ctl *c, long max_units)
{
    long u0 = c->units;
    c->running = 0;
    while (ihg_ctl_busy(c) && c->units - u0 < max_units)
        ihg_ctl_work(c, 1e9, NULL, NULL);
    return c->units - u0;
}

/* ---- actions ------------------------------------------------------------- */

/* Everything on show may have changed (a new session, a step of the past,
 * a branch): every pane's copy is taken again. */
static void views_changed(ihg_ctl *c)
{
    c->point_version++;
    c->lambda_version++;
    c->hypergrad_version++;
    c->cmp_version++;
    c->hist_version++;
}

static void reset(ihg_ctl *c)
{
    compare_cancel(c);
    c->n_qnorm = 0;
    c->point_version++;
    c->lambda_version++;
    c->hypergrad_version++;
    if (ihg_session_reset(c->s) != IHG_OK) {
        say(c, IHG_ROLE_BAD, 1, "reset failed: %s", ihg_error_message());
        return;
    }
    c->running = 0;
    c->outer_pending = 0;
    c->cmp_valid = 0;
    c->cmp_version++;
    c->hist_version++;
    c->point_serial++;
    path_clear(c);
    path_push(c);
    if (c->history && ihg_history_reset(c->history, c->s) != IHG_OK) {
        ihg_history_free(c->history);
        c->history = NULL;
    }
    c->scrub = -1;
    c->history_serial++;
    record_event(c, "reset");
    say(c, IHG_ROLE_GOOD, 0, "reset to the start (seed %lu)", c->cfg->seed);
    if (c->cmp_auto)
        compare_start(c, 0);
}

static long terms_step(long K, int up)
{
    long d = K < 10 ? 1 : K < 50 ? 5 : 10;
    if (!up && K <= 10)
        d = 1;
    return up ? K + d : K - d;
}

static void settings_changed(ihg_ctl *c, const char *event, const char *what,
                             int was_comparing_for_key)
{
    record_event(c, event);
    if (c->msg.sticky && ihg_session_phase(c->s) != IHG_PHASE_STOPPED)
        c->msg.sticky = 0;
    say(c, IHG_ROLE_GOOD, 0, "%s changed: %s, K = %ld, alpha = %.4g", what,
        method_label(ihg_session_method(c->s)), ihg_session_terms(c->s),
        ihg_session_alpha(c->s));
    /* a comparison under way was cancelled (it read the old settings):
     * start again with the new ones when it is wanted */
    if (c->cmp_auto || was_comparing_for_key)
        compare_start(c, was_comparing_for_key);
    else if (c->cmp_valid)
        c->cmp_stale = 1;
}

/* Before stepping: a finished run needs r; a stopped one (divergence)
 * starts its outer step again with the current settings, so lowering alpha
 * (a) or changing method (m) and pressing o, i or space carries on. */
static int carry_on(ihg_ctl *c)
{
    ihg_session *s = c->s;
    if (ihg_session_phase(s) == IHG_PHASE_DONE) {
        say(c, IHG_ROLE_WARN, c->msg.sticky, "the run is over: r resets");
        return 0;
    }
    if (ihg_session_phase(s) == IHG_PHASE_STOPPED) {
        ihg_session_resume(s);
        c->point_serial++;
        c->msg.sticky = 0;
        say(c, IHG_ROLE_GOOD, 0, "outer step %ld starts again with %s, K = %ld, alpha = %.3g",
            ihg_session_outer(s) + 1, method_label(ihg_session_method(s)),
            ihg_session_terms(s), ihg_session_alpha(s));
    }
    return 1;
}

static void set_terms(ihg_ctl *c, long K, const char *what, int for_key)
{
    compare_cancel(c);
    if (K < 0 || ihg_session_set_terms(c->s, K) != IHG_OK)
        say(c, IHG_ROLE_WARN, 0, "K stays %ld: %s", ihg_session_terms(c->s),
            K < 0 ? "it cannot be negative" : ihg_error_message());
    else
        settings_changed(c, "terms", what, for_key);
}

static void set_alpha(ihg_ctl *c, double a, const char *what, int for_key)
{
    compare_cancel(c);
    if (ihg_session_set_alpha(c->s, a) != IHG_OK)
        say(c, IHG_ROLE_WARN, 0, "alpha stays %.4g: %s", ihg_session_alpha(c->s),
            ihg_error_message());
    else
        settings_changed(c, "alpha", what, for_key);
}

static void inner_steps(ihg_ctl *c, long n)
{
    long i;
    c->running = 0;
    if (c->job) { /* the point moves: the comparison would be stale */
        compare_cancel(c);
        say(c, IHG_ROLE_WARN, 0, "comparison cancelled: the inner step moved theta");
    }
    for (i = 0; i < (n < 1 ? 1 : n); i++) {
        unsigned ev = 0;
        int st = ihg_session_inner_step(c->s, &ev);
        c->units++;
        after_step(c, ev);
        c->cmp_stale = c->cmp_valid;
        if (st != IHG_OK || ihg_session_phase(c->s) == IHG_PHASE_STOPPED) {
            stopped(c);
            break;
        }
    }
}

static void lesson_goto(ihg_ctl *c, size_t i);
static void reveal(ihg_ctl *c);
static void scrub(ihg_ctl *c, long dir);
static void branch(ihg_ctl *c);
static void save(ihg_ctl *c);
static void export_pane(ihg_ctl *c, int pane, int flags);

void ihg_ctl_handle(ihg_ctl *c, const ihg_act *a) { handle(c, a); }

static void handle(ihg_ctl *c, const ihg_act *a)
{
    ihg_session *s = c->s;
    int for_key = c->job && c->job_from_key;
    unsigned long before = c->serial;
    c->serial++;
    if (a->action == IHG_ACT_RESIZE || a->action == IHG_ACT_REDRAW)
        return;
    if (c->disp.help) { /* any key closes the help */
        c->disp.help = 0;
        if (a->action == IHG_ACT_QUIT)
            c->quit = 1;
        return;
    }
    if (!c->msg.sticky) {
        c->msg.text[0] = '\0';
        c->msg.when = ihg_now();
    }
    if (ihg_action_is_display(a->action)) {
        ihg_message m;
        ihg_display_handle(&c->disp, &c->dctx, a, &m);
        if (m.text[0])
            c->msg = m;
        return;
    }
    if (c->scrub >= 0 && a->action != IHG_ACT_SCRUB && a->action != IHG_ACT_BRANCH &&
        a->action != IHG_ACT_EXPORT && a->action != IHG_ACT_SAVE && a->action != IHG_ACT_QUIT &&
        a->action != IHG_ACT_CHOICE)
        scrub(c, 0); /* back to the live run first */
    switch (a->action) {
    case IHG_ACT_QUIT: c->quit = 1; break;
    case IHG_ACT_PLAY:
        if (a->arg == 0) {
            c->running = 0;
            c->outer_pending = 0;
            break;
        }
        if (!carry_on(c))
            break;
        c->running = a->arg < 0 ? !c->running : 1;
        c->outer_pending = 0;
        break;
    case IHG_ACT_INNER:
        if (!carry_on(c))
            break;
        inner_steps(c, a->arg);
        break;
    case IHG_ACT_OUTER:
        if (!carry_on(c))
            break;
        c->running = 0;
        c->outer_pending = a->arg < 1 ? 1 : a->arg;
        break;
    case IHG_ACT_TERMS_DOWN:
    case IHG_ACT_TERMS_UP:
        set_terms(c, terms_step(ihg_session_terms(s), a->action == IHG_ACT_TERMS_UP),
                  a->action == IHG_ACT_TERMS_UP ? "more terms" : "fewer terms", for_key);
        break;
    case IHG_ACT_SET_TERMS: set_terms(c, a->arg, "K", for_key); break;
    case IHG_ACT_ALPHA_DOWN:
    case IHG_ACT_ALPHA_UP: {
        double al = ihg_session_alpha(s);
        al = a->action == IHG_ACT_ALPHA_UP ? al * ALPHA_FACTOR : al / ALPHA_FACTOR;
        set_alpha(c, al, a->action == IHG_ACT_ALPHA_UP ? "larger alpha" : "smaller alpha",
                  for_key);
        break;
    }
    case IHG_ACT_SET_ALPHA: set_alpha(c, a->value, "alpha", for_key); break;
    case IHG_ACT_BEST_ALPHA: {
        const ihg_comparison *cmp = c->cmp_valid ? c->cmp : NULL;
        if (!cmp || !isfinite(cmp->alpha_best)) {
            say(c, IHG_ROLE_WARN, 0, "%s",
                !cmp ? "best alpha: compare first (c); it comes from the spectrum of H"
                : !isfinite(cmp->eig_max)
                    ? "best alpha: needs the spectrum of H (P <= hypergrad.exact_max)"
                    : "best alpha: H is not positive definite here, no step makes the "
                      "Neumann series converge");
            break;
        }
        set_alpha(c, cmp->alpha_best, "alpha = 2/(lambda_min + lambda_max)", for_key);
        break;
    }
    case IHG_ACT_METHOD:
        compare_cancel(c);
        method_next(c);
        settings_changed(c, "method", "method", for_key);
        break;
    case IHG_ACT_SET_METHOD:
        compare_cancel(c);
        if (method_set_by_name(c, a->name) != IHG_OK)
            say(c, IHG_ROLE_WARN, 0, "method stays %s: %s",
                method_label(ihg_session_method(s)), ihg_error_message());
        else
            settings_changed(c, "method", "method", for_key);
        break;
    case IHG_ACT_COMPARE:
        if (c->job && c->job_from_key) {
            say(c, IHG_ROLE_WARN, 0, "already comparing (%s): keys stay live, q quits",
                stage_text(c, c->job_text, sizeof c->job_text));
            break;
        }
        compare_start(c, 1); /* also takes over an automatic one */
        if (c->job)
            say(c, IHG_ROLE_WARN, 0,
                "comparing every method at the current point ... (keys stay live)");
        break;
    case IHG_ACT_RESET: reset(c); break;
    case IHG_ACT_SEEDS:
        if (c->seeds_job) {
            seeds_cancel(c);
            say(c, IHG_ROLE_WARN, 0, "seeds: cancelled");
        } else {
            seeds_start(c, a->arg);
        }
        break;
    case IHG_ACT_RUN:
        if (!carry_on(c))
            break;
        c->running = 0;
        c->outer_pending = c->cfg->outer.steps - ihg_session_outer(s);
        if (c->outer_pending < 1)
            c->outer_pending = 0;
        break;
    case IHG_ACT_TO_HYPERGRAD:
        if (!carry_on(c))
            break;
        c->running = 0;
        c->to_hypergrad = ihg_session_phase(s) != IHG_PHASE_UPDATE;
        break;
    case IHG_ACT_SET_INNER_LR:
    case IHG_ACT_SET_OUTER_LR: {
        int inner = a->action == IHG_ACT_SET_INNER_LR;
        compare_cancel(c);
        if ((inner ? ihg_session_set_inner_lr(s, a->value)
                   : ihg_session_set_outer_lr(s, a->value)) != IHG_OK)
            say(c, IHG_ROLE_WARN, 0, "%s learning rate unchanged: %s", inner ? "inner" : "outer",
                ihg_error_message());
        else
            settings_changed(c, inner ? "inner-lr" : "outer-lr",
                             inner ? "inner learning rate" : "outer learning rate", for_key);
        break;
    }
    case IHG_ACT_SLIDE_NEXT:
    case IHG_ACT_SLIDE_PREV:
    case IHG_ACT_SLIDE_GOTO:
    case IHG_ACT_REPLAY: {
        long i, n;
        if (!c->lesson) {
            say(c, IHG_ROLE_WARN, 0, "slides: only a lesson has slides (ihgtui-lesson(5))");
            break;
        }
        i = (long)ihg_lesson_ctl_slide(c->lesson);
        n = (long)ihg_lesson_ctl_count(c->lesson);
        if (a->action == IHG_ACT_SLIDE_NEXT)
            i++;
        else if (a->action == IHG_ACT_SLIDE_PREV)
            i--;
        else if (a->action == IHG_ACT_SLIDE_GOTO)
            i = a->arg;
        if (i < 0 || i >= n) {
            say(c, IHG_ROLE_WARN, 0, "%s", i < 0 ? "this is the first slide"
                                         : a->action == IHG_ACT_SLIDE_GOTO
                                             ? "no such slide"
                                             : "this is the last slide");
            break;
        }
        lesson_goto(c, (size_t)i);
        break;
    }
    case IHG_ACT_REVEAL: reveal(c); break;
    case IHG_ACT_CHOICE:
        if (!c->lesson || ihg_lesson_ctl_choose(c->lesson, a->arg) != IHG_OK)
            say(c, IHG_ROLE_WARN, 0, "choice: %s",
                c->lesson ? ihg_error_message() : "only a lesson asks questions");
        else
            say(c, IHG_ROLE_GOOD, 0, "the class chose %ld; R reveals the answer", a->arg + 1);
        break;
    case IHG_ACT_SCRUB: scrub(c, a->arg); break;
    case IHG_ACT_BRANCH: branch(c); break;
    case IHG_ACT_SAVE: save(c); break;
    case IHG_ACT_EXPORT:
        export_pane(c, a->arg >= 0 ? (int)a->arg : c->disp.focus, (int)a->value);
        break;
    case IHG_ACT_THEME: break; /* the terminal's (tui.c) */
    default: c->serial = before; break;
    }
}

int ihg_ctl_do(ihg_ctl *c, const char *text, char *err, size_t errsize)
{
    ihg_act a;
    if (ihg_act_parse(text, &a, err, errsize) != 0)
        return -1;
    ihg_ctl_handle(c, &a);
    return 0;
}


/* ---- a lesson, the history, files ------------------------------------------ */

static size_t lambda_images(const ihg_ctl *c);
static int augments_images(const ihg_model *m, const ihg_dataset *ds);

/* Make s (of experiment cfg) the controller's session: everything derived
 * from the last one starts over; versions only grow, so that what a
 * snapshot holds is copied again. */
static void attach(ihg_ctl *c, const ihg_config *cfg, ihg_session *s, int owned)
{
    const ihg_dataset *ds;
    int i;
    compare_cancel(c);
    seeds_cancel(c);
    c->seeds_state = 0;
    c->seeds_have_spread = 0;
    c->running = 0;
    c->outer_pending = 0;
    c->to_hypergrad = 0;
    if (c->s && c->s != s && c->owns_session)
        ihg_session_free(c->s);
    /* comparisons are made for a number of hyperparameters */
    ihg_comparison_free(c->cmp);
    ihg_comparison_free(c->job_cmp);
    c->cmp = c->job_cmp = NULL;
    c->cfg = cfg;
    c->s = s;
    c->owns_session = owned;
    c->model = ihg_session_model(s);
    ds = ihg_session_dataset(s);
    c->classifier = c->model->type->accuracy != NULL;
    c->has_test = ihg_session_has_test(s);
    c->plane_on = ihg_plane_available(s);
    for (i = 0; i < IHG_PANE_COUNT; i++)
        c->dctx.available[i] = 1;
    c->dctx.images = lambda_images(c) > 0;
    c->dctx.augmented = augments_images(c->model, ds);
    free(c->aug_orig);
    free(c->aug_img);
    c->aug_orig = c->aug_img = NULL;
    if (c->dctx.augmented) {
        c->aug_orig = malloc(AUG_PREVIEW * ds->d * sizeof *c->aug_orig);
        c->aug_img = malloc(AUG_PREVIEW * ds->d * sizeof *c->aug_img);
        if (!c->aug_orig || !c->aug_img) {
            free(c->aug_orig);
            free(c->aug_img);
            c->aug_orig = c->aug_img = NULL;
            c->dctx.augmented = 0;
            say(c, IHG_ROLE_WARN, 1, "out of memory: the augmented images are not shown");
        }
    }
    c->dctx.available[IHG_PANE_2D] = c->plane_on || c->dctx.images || c->dctx.augmented;
    c->dctx.classifier = c->classifier;
    c->dctx.n_lambda = n_lambda(c);
    c->dctx.lesson = c->lesson != NULL;
    views_changed(c);
    c->point_serial++;
    c->cmp_valid = 0;
    c->cmp_stale = 0;
    c->cmp_outer = -1;
    c->n_qnorm = 0;
    c->grid_valid = 0;
    c->opt_version = 0;
    c->cmp_auto = c->model->P <= AUTO_COMPARE_MAX_P && reference_exact(c);
    /* the explicit methods join the comparisons when the inner loop is
     * recorded (T P doubles): up to IHG_CTL_RECORD_MAX_P parameters (a
     * lesson's player records always); when it cannot be, the comparison
     * says why for each of them */
    if (owned && c->model->P <= IHG_CTL_RECORD_MAX_P) {
        ihg_session_record_trajectory(s, 1);
        ihg_error_clear();
    }
    path_clear(c);
    path_push(c);
    ihg_run_inputs(cfg, ds, c->inputs);
    if (c->lesson) { /* the lesson file too */
        const ihg_lesson *l = ihg_lesson_ctl_lesson(c->lesson);
        size_t n = 0;
        while (c->inputs[n])
            n++;
        if (l->path && strcmp(l->path, "<built-in>") != 0)
            c->inputs[n++] = l->path;
        c->inputs[n] = NULL;
    }
    ihg_history_free(c->history);
    c->history = ihg_history_alloc(s, IHG_HISTORY_BUDGET);
    if (!c->history)
        say(c, IHG_ROLE_WARN, 0, "history off: %s", ihg_error_message());
    c->scrub = -1;
    c->history_serial++;
    c->serial++;
    if (c->cmp_auto)
        compare_start(c, 0);
}

static void script_clear(ihg_ctl *c) { c->script_n = c->script_pos = 0; }

/* Room for n more actions of a script. */
static int script_room(ihg_ctl *c, size_t n)
{
    if (c->script_n + n <= c->script_cap)
        return 0;
    size_t cap = c->script_n + n + 16;
    ihg_act *a = realloc(c->script, cap * sizeof *a);
    if (!a)
        return -1;
    c->script = a;
    c->script_cap = cap;
    return 0;
}

/* Slide i as it starts, then its actions as a script. */
static void lesson_goto(ihg_ctl *c, size_t i)
{
    const ihg_lesson *l = ihg_lesson_ctl_lesson(c->lesson);
    const ihg_lesson_slide *sl = &l->slides[i];
    const ihg_config *cfg;
    ihg_session *s;
    script_clear(c);
    compare_cancel(c);
    if (ihg_lesson_ctl_enter(c->lesson, i, &cfg, &s) != IHG_OK) {
        say(c, IHG_ROLE_BAD, 1, "slide %zu: %s", i + 1, ihg_error_message());
        return;
    }
    attach(c, cfg, s, 0);
    /* the slide's display from the start's, then its actions' */
    int help = c->disp.help;
    ihg_display_init(&c->disp);
    c->disp.help = help;
    if (script_room(c, 2 * sl->n_actions) == 0)
        c->script_n = ihg_lesson_ctl_script(sl->actions, sl->n_actions, c->script,
                                            c->script_cap, &c->disp, &c->dctx);
    c->disp_serial++;
    ihg_lesson_ctl_playing(c->lesson, 1);
    say(c, IHG_ROLE_GOOD, 0, "slide %zu of %zu%s", i + 1, l->n_slides,
        sl->question ? ": predict, then R reveals" : "");
}

static void reveal(ihg_ctl *c)
{
    const ihg_lesson_question *q = c->lesson ? ihg_lesson_ctl_question(c->lesson) : NULL;
    size_t n;
    if (!q) {
        say(c, IHG_ROLE_WARN, 0, "reveal: %s",
            c->lesson ? "this slide asks no question" : "only a lesson asks questions");
        return;
    }
    if (ihg_lesson_ctl_revealed(c->lesson) || ihg_lesson_ctl_is_revealing(c->lesson)) {
        say(c, IHG_ROLE_WARN, 0, "the answer is on show already");
        return;
    }
    /* the reveal's actions after what still runs, then a comparison where
     * the answer needs one, then the answer (ihg_ctl_work) */
    if (script_room(c, 2 * q->n_reveal + 1) != 0)
        return;
    n = ihg_lesson_ctl_script(q->reveal, q->n_reveal, c->script + c->script_n,
                              c->script_cap - c->script_n, &c->disp, &c->dctx);
    c->script_n += n;
    if (ihg_lesson_needs_comparison(q))
        c->script[c->script_n++] = ihg_act_make(IHG_ACT_COMPARE);
    c->disp_serial++;
    ihg_lesson_ctl_revealing(c->lesson, 1);
    say(c, IHG_ROLE_WARN, 0, "revealing: computing the answer ...");
}

/* Every branch: how it was made, where it parts, how far its lambda went
 * from its parent's. */
static void branches_list(ihg_ctl *c, int live)
{
    ihg_view_history *l = &c->listed;
    l->n_listed = 0;
    for (int b = 0; b < (int)ihg_history_n_branches(c->history) &&
                    l->n_listed < IHG_VIEW_BRANCHES_MAX;
         b++) {
        ihg_branch_info bi;
        if (ihg_history_branch_info(c->history, b, &bi) != IHG_OK)
            continue;
        int k = l->n_listed++;
        l->listed[k].id = b;
        l->listed[k].parent = bi.parent;
        l->listed[k].live = b == live;
        l->listed[k].base = bi.parent < 0 ? ihg_history_first(c->history) : bi.base;
        l->listed[k].last = bi.last;
        l->listed[k].at = bi.compared_at;
        l->listed[k].dist = bi.lambda_distance;
        l->listed[k].rel = bi.lambda_distance_rel;
        snprintf(l->listed[k].label, sizeof l->listed[k].label, "%s", bi.label);
    }
}

/* The branches other than the live one, for the losses chart. */
static void branches_view(ihg_ctl *c)
{
    long at;
    int live;
    c->n_branch_drawn = 0;
    c->listed.n_listed = 0;
    if (!c->history || ihg_history_n_branches(c->history) < 2)
        return;
    live = ihg_history_position(c->history, &at);
    branches_list(c, live);
    for (int b = 0; b < (int)ihg_history_n_branches(c->history) &&
                    c->n_branch_drawn < IHG_VIEW_BRANCHES_MAX;
         b++) {
        ihg_branch_info bi;
        long last;
        int k = c->n_branch_drawn;
        if (b == live || ihg_history_branch_info(c->history, b, &bi) != IHG_OK)
            continue;
        last = bi.last;
        if (last < 1)
            continue;
        /* the steps both share (the same records) are the live run's: drawn
         * once; this branch from the last of them on */
        long fork = 0, top = last < at ? last : at;
        for (long j = 1; j <= top; j++) {
            if (ihg_history_record(c->history, b, j) != ihg_history_record(c->history, live, j))
                break;
            fork = j;
        }
        if (c->branch_cap[k] < (size_t)last) {
            double *v = realloc(c->branch_val[k], (size_t)last * sizeof *v);
            if (!v)
                return;
            c->branch_val[k] = v;
            c->branch_cap[k] = (size_t)last;
        }
        /* its own steps, from the one where it parts (NaN before) */
        for (long j = 1; j <= last; j++) {
            const ihg_record *r = j >= fork ? ihg_history_record(c->history, b, j) : NULL;
            c->branch_val[k][j - 1] = r ? r->val_loss : NAN;
        }
        c->branch_n[k] = (size_t)last;
        snprintf(c->branch_label[k], sizeof c->branch_label[k], "val b%d", b);
        c->n_branch_drawn++;
    }
}

/* [ and ]: one outer step back or forward in the history (0: back to the
 * live run).  The run pauses while the past is on show. */
static void scrub(ihg_ctl *c, long dir)
{
    long pos, first, to;
    int b;
    if (!c->history) {
        say(c, IHG_ROLE_WARN, 0, "no history of this run");
        return;
    }
    b = ihg_history_position(c->history, &pos);
    first = ihg_history_first(c->history);
    to = dir == 0 ? -1 : (c->scrub < 0 ? pos : c->scrub) + dir;
    if (dir != 0 && to < first) {
        say(c, IHG_ROLE_WARN, 0, "outer step %ld is the first kept", first);
        return;
    }
    if (dir != 0 && to >= pos)
        to = -1; /* the live run again */
    c->running = 0;
    c->outer_pending = 0;
    c->to_hypergrad = 0;
    if (to >= 0 && ihg_history_view(c->history, b, to, &c->sview) != IHG_OK) {
        say(c, IHG_ROLE_BAD, 0, "history: %s", ihg_error_message());
        return;
    }
    c->scrub = to;
    if (to >= 0) {
        gsl_vector over = {c->sview.n_hyper, 1, NULL, NULL, 0};
        c->scrub_lambda = c->scrub_hg = over;
        c->scrub_lambda.data = (double *)c->sview.lambda;
        c->scrub_hg.data = (double *)c->sview.hypergrad;
    }
    views_changed(c);
    c->serial++;
    if (to >= 0)
        say(c, IHG_ROLE_WARN, 1,
            "outer step %ld of %ld (the past): [ back, ] forward, B goes on from here", to,
            pos);
    else
        say(c, IHG_ROLE_GOOD, 0, "the live run again (outer step %ld)", pos);
}

/* B: the session back at the step on show; the steps that follow, made
 * with other settings, form a branch. */
static void branch(ihg_ctl *c)
{
    long k = c->scrub, pos;
    int b;
    if (!c->history || k < 0) {
        say(c, IHG_ROLE_WARN, 0, "B: go back first ([), then B goes on from that step");
        return;
    }
    b = ihg_history_position(c->history, &pos);
    compare_cancel(c);
    if (ihg_history_restore(c->history, c->s, b, k) != IHG_OK) {
        say(c, IHG_ROLE_BAD, 1, "B: %s", ihg_error_message());
        return;
    }
    c->scrub = -1;
    c->cmp_valid = 0;
    views_changed(c);
    c->point_serial++;
    c->history_serial++;
    /* the 2-D path up to that step */
    if (c->n_path > (size_t)(k - c->path_first + 1))
        c->n_path = (size_t)(k - c->path_first + 1);
    say(c, IHG_ROLE_GOOD, 0,
        "back at outer step %ld: change a setting (m, n/N, a/A) and step: a new branch", k);
}

/* w: the settings as an experiment, and the run as a lesson that replays
 * it, in the current directory. */
static void save(ihg_ctl *c)
{
    char stem[96], exp[128], les[128];
    FILE *f;
    int st;
    ihg_view v;
    ihg_ctl_view(c, &v);
    ihg_export_stem(&v, stem, sizeof stem);
    snprintf(exp, sizeof exp, "%s.yaml", stem);
    snprintf(les, sizeof les, "%s-lesson.yaml", stem);
    f = ihg_output_open(exp, c->inputs);
    st = f ? ihg_experiment_save(c->s, f) : ihg_error_status();
    if (f && ihg_output_close(f, exp) != IHG_OK && st == IHG_OK)
        st = ihg_error_status();
    if (st == IHG_OK) {
        f = ihg_output_open(les, c->inputs);
        st = f ? ihg_lesson_save(c->s, f) : ihg_error_status();
        if (f && ihg_output_close(f, les) != IHG_OK && st == IHG_OK)
            st = ihg_error_status();
    }
    if (st != IHG_OK)
        say(c, IHG_ROLE_BAD, 1, "w: %s", ihg_error_message());
    else
        say(c, IHG_ROLE_GOOD, 0, "wrote %s (the settings now) and %s (replays this run)", exp,
            les);
}

/* e: the focused pane as SVG, PDF and PNG (the UI writes the screen as
 * text and HTML: screen_done says so). */
static void export_pane(ihg_ctl *c, int pane, int flags)
{
    char stem[96], done[300];
    int screen_done = flags & IHG_EXPORT_SCREEN_DONE;
    ihg_view v;
    ihg_ctl_view(c, &v);
    v.disp.focus = pane;
    if (flags & IHG_EXPORT_ACCURACY)
        v.disp.show_acc = 1;
    ihg_export_stem(&v, stem, sizeof stem);
    if (ihg_export_pane(&v, pane, stem, c->inputs, done, sizeof done) != IHG_OK)
        say(c, IHG_ROLE_BAD, 1, "e: %s%s", ihg_error_message(),
            screen_done ? " (the screen: written as text and HTML)" : "");
    else
        say(c, IHG_ROLE_GOOD, 0, "%s%s", done,
            screen_done ? "; the screen as -screen.txt and .html" : "");
}

/* How many images lambda holds: a distilling model on image data whose
 * own hyperparameters (its segment of the layout) are whole images; 0
 * otherwise. */
static size_t lambda_images(const ihg_ctl *c)
{
    const ihg_dataset *ds = ihg_session_dataset(c->s);
    const ihg_hyper_segment *seg =
        ihg_hyper_layout_owner(ihg_session_layout(c->s), IHG_OWNER_MODEL);
    size_t d = ds->image_rows * ds->image_cols;
    if (!(c->model->type->flags & IHG_MODEL_LAMBDA_IMAGES) || d == 0 || !seg ||
        seg->offset != 0 || seg->count == 0 || seg->count % d != 0)
        return 0;
    return seg->count / d;
}

/* ---- the view ------------------------------------------------------------ */

void ihg_ctl_view(ihg_ctl *c, ihg_view *v)
{
    const ihg_config *cfg = c->cfg;
    const ihg_model *m = c->model;
    const ihg_dataset *ds = ihg_session_dataset(c->s);
    ihg_session *s = c->s;
    memset(v, 0, sizeof *v);
    v->name = cfg->name ? cfg->name : "experiment";
    v->seed = cfg->seed;
    v->model_kind = m->type->name;
    v->P = m->P;
    v->quit = c->quit;
    v->n_lambda = n_lambda(c);
    v->layout = ihg_session_layout(s);
    v->exact_max = cfg->hypergrad.exact_max;
    v->outer_done = ihg_session_outer(s);
    v->outer_total = cfg->outer.steps;
    v->inner_all = ihg_session_inner_total(s);
    v->phase = ihg_session_phase(s);
    v->phase_name = ihg_phase_name(v->phase);
    ihg_session_progress(s, &v->prog_done, &v->prog_total);
    v->terms = ihg_session_terms(s);
    v->alpha = ihg_session_alpha(s);
    v->running = c->running || c->outer_pending;
    v->message = c->msg.text;
    v->message_role = c->msg.role;
    v->message_sticky = c->msg.sticky;
    v->message_when = c->msg.when;
    v->stop_reason = ihg_session_message(s);
    v->hist = ihg_session_history(s);
    v->nhist = ihg_session_history_len(s);
    v->hist_version = c->hist_version;
    v->method = ihg_session_method(s);
    v->method_name = method_label(v->method);
    v->lambda = ihg_session_lambda(s);
    v->hypergrad = ihg_session_hypergrad(s);
    v->point_version = c->point_version;
    v->lambda_version = c->lambda_version;
    v->hypergrad_version = c->hypergrad_version;
    v->cmp = c->cmp_valid ? c->cmp : NULL;
    v->cmp_version = c->cmp_version;
    v->cmp_outer = c->cmp_outer;
    v->cmp_done = c->cmp_done;
    /* a comparison where an outer step's hypergradient was taken stands
     * for that step until a newer one completes; one at the current point
     * until theta or lambda moves */
    v->cmp_moved = c->cmp_valid && (c->cmp_outer >= 0 ? v->outer_done > c->cmp_outer
                                                      : c->cmp_point != c->point_serial);
    v->cmp_stale = c->cmp_stale || v->cmp_moved;
    v->cmp_ms = c->cmp_ms;
    v->cmp_auto = c->cmp_auto;
    v->cmp_progress = c->job ? stage_text(c, c->job_text, sizeof c->job_text) : NULL;
    v->seeds_state = c->seeds_state;
    v->seeds_progress = c->seeds_job ? (ihg_seeds_job_progress(c->seeds_job, c->seeds_text,
                                                               sizeof c->seeds_text),
                                        c->seeds_text)
                                     : NULL;
    v->seeds_S = c->seeds_S;
    v->seeds_outer = c->seeds_outer;
    v->seeds_have_spread = c->seeds_have_spread;
    v->seeds = c->seeds_spread;
    v->seeds_retrain = c->seeds_retrain;
    v->recording = ihg_session_trajectory(s) != NULL;
    v->record_max_p = c->owns_session ? IHG_CTL_RECORD_MAX_P : 0;
    v->hg_bytes = ihg_session_hypergrad_bytes(s);
    v->inner_type = cfg->inner.optimizer;
    v->inner_lr = ihg_session_inner_lr(s);
    v->inner_momentum = ihg_session_inner_momentum(s);
    v->inner_steps = cfg->inner.tol > 0 ? 0 : cfg->inner.steps;
    v->inner_batch = cfg->inner.batch;
    v->warm_start = cfg->inner.warm_start;
    v->checkpoint = cfg->hypergrad.checkpoint;
    v->qnorm = c->qnorm;
    v->n_qnorm = v->phase == IHG_PHASE_SOLVE || v->phase == IHG_PHASE_HYPERGRAD ? c->n_qnorm : 0;
    v->vnorm = c->vnorm;
    if (c->plane_on) {
        ihg_plane_view *p = &v->plane;
        size_t off, i;
        p->on = 1;
        p->n_lambda = ihg_plane_model_lambda(s, &off);
        for (i = 0; i < p->n_lambda; i++) {
            p->lambda[i] = gsl_vector_get(v->lambda, off + i);
            p->hypergrad[i] = gsl_vector_get(v->hypergrad, off + i);
        }
        p->theta[0] = gsl_vector_get(ihg_session_theta(s), 0);
        p->theta[1] = gsl_vector_get(ihg_session_theta(s), 1);
        if (c->opt_version != c->lambda_version) {
            if (ihg_plane_optimum(s, p->lambda, c->opt) != 0)
                c->opt[0] = c->opt[1] = NAN;
            c->opt_version = c->lambda_version;
        }
        p->opt[0] = c->opt[0];
        p->opt[1] = c->opt[1];
        ihg_plane_marks(s, p->target, p->data_opt);
        p->lambda_path = c->lambda_path;
        p->theta_path = c->theta_path;
        p->opt_path = c->opt_path;
        p->n_path = c->n_path;
        if (c->grid_valid) {
            p->grid = c->grid;
            p->grid_frame = c->grid_frame;
        }
    }
    if (c->dctx.images) {
        v->img_k = lambda_images(c);
        v->img_rows = ds->image_rows;
        v->img_cols = ds->image_cols;
        v->class_names = ds->class_names && ds->k == v->img_k ? ds->class_names : NULL;
    }
    if (c->dctx.augmented) {
        /* made now, at the current lambda and the family's last draw */
        v->img_rows = ds->image_rows;
        v->img_cols = ds->image_cols;
        v->aug_n = ihg_session_augmented(s, AUG_PREVIEW, c->aug_orig, c->aug_img);
        v->aug_orig = c->aug_orig;
        v->aug_img = c->aug_img;
        v->aug_draw = "now";
    }
    v->disp = c->disp;
    v->disp_serial = c->disp_serial;
    v->dctx = c->dctx;
    v->inputs = c->inputs;
    if (c->lesson)
        ihg_lesson_ctl_view(c->lesson, &v->lesson);
    /* the history: the step on show instead of the live run */
    v->history.step = c->scrub;
    v->history.last = -1;
    if (c->history) {
        long pos;
        v->history.branch = ihg_history_position(c->history, &pos);
        v->history.last = pos;
        v->history.n_branches = (int)ihg_history_n_branches(c->history);
        if (c->branches_serial != c->history_serial) {
            branches_view(c);
            c->branches_serial = c->history_serial;
        }
        for (int k = 0; k < c->n_branch_drawn; k++) {
            v->history.branch_val[k] = c->branch_val[k];
            v->history.branch_n[k] = c->branch_n[k];
            v->history.branch_label[k] = c->branch_label[k];
        }
        v->history.n_drawn = c->n_branch_drawn;
        memcpy(v->history.listed, c->listed.listed,
               (size_t)c->listed.n_listed * sizeof c->listed.listed[0]);
        v->history.n_listed = c->listed.n_listed;
    }
    if (c->scrub >= 0) {
        const ihg_step_view *sv = &c->sview;
        v->outer_done = sv->step;
        v->hist = sv->records;
        v->nhist = sv->n_records;
        v->lambda = &c->scrub_lambda;
        v->hypergrad = &c->scrub_hg;
        v->cmp = sv->cmp;
        v->cmp_outer = sv->cmp ? sv->step : -1;
        v->cmp_moved = 0;
        v->cmp_stale = 0;
        v->cmp_progress = NULL;
        v->method = sv->settings.method;
        v->method_name = method_label(v->method);
        v->terms = sv->settings.K;
        v->alpha = sv->settings.alpha;
        v->running = 0;
        v->phase = IHG_PHASE_INNER;
        v->phase_name = "past";
        v->prog_done = v->prog_total = 0;
        v->n_qnorm = 0;
        v->stop_reason = "";
        if (v->aug_n)
            v->aug_draw = "of the live run"; /* not kept in the history */
        if (v->plane.on) {
            ihg_plane_view *p = &v->plane;
            size_t off, i, np = (size_t)(sv->step - c->path_first + 1);
            p->n_lambda = ihg_plane_model_lambda(c->s, &off);
            for (i = 0; i < p->n_lambda; i++) {
                p->lambda[i] = sv->lambda[off + i];
                p->hypergrad[i] = sv->hypergrad[off + i];
            }
            if (sv->theta) {
                p->theta[0] = sv->theta[0];
                p->theta[1] = sv->theta[1];
            }
            if (np <= c->n_path) {
                p->n_path = np;
                p->opt[0] = c->opt_path[2 * (np - 1)];
                p->opt[1] = c->opt_path[2 * (np - 1) + 1];
            }
            p->grid = NULL; /* the contours of then: asked for again */
        }
    }
}

/* ---- set-up -------------------------------------------------------------- */

/* training images beside their augmentations: a family that augments its
 * rows, on image data */
static int augments_images(const ihg_model *m, const ihg_dataset *ds)
{
    return (m->type->flags & IHG_MODEL_AUGMENTS) && ds->image_rows > 0 &&
           ds->image_cols > 0 && ds->image_rows * ds->image_cols == ds->d;
}

ihg_ctl *ihg_ctl_alloc(const ihg_config *cfg)
{
    ihg_ctl *c = calloc(1, sizeof *c);
    ihg_session *s;
    if (!c) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    s = ihg_session_alloc(cfg);
    if (!s) {
        free(c);
        return NULL;
    }
    ihg_json_init(&c->json);
    ihg_display_init(&c->disp);
    c->scrub = -1;
    attach(c, cfg, s, 1);
    say(c, IHG_ROLE_DIM, 0,
        "%s: P = %zu parameters, %zu hyperparameters.  space plays, o steps, ? helps",
        c->model->type->name, c->model->P, n_lambda(c));
    return c;
}

ihg_ctl *ihg_ctl_alloc_lesson(const ihg_lesson *l, size_t slide)
{
    ihg_ctl *c;
    if (slide >= l->n_slides) {
        ihg_error_set(IHG_EINVAL, "no slide %zu (the lesson has %zu)", slide + 1, l->n_slides);
        return NULL;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    c->lesson = ihg_lesson_ctl_alloc(l);
    if (!c->lesson) {
        free(c);
        return NULL;
    }
    ihg_json_init(&c->json);
    ihg_display_init(&c->disp);
    c->scrub = -1;
    /* the first slide's session, then the slide as it starts */
    const ihg_config *cfg;
    ihg_session *s;
    if (ihg_lesson_ctl_enter(c->lesson, slide, &cfg, &s) != IHG_OK) {
        ihg_lesson_ctl_free(c->lesson);
        ihg_json_free(&c->json);
        free(c);
        return NULL;
    }
    attach(c, cfg, s, 0);
    lesson_goto(c, slide);
    return c;
}

void ihg_ctl_free(ihg_ctl *c)
{
    if (!c)
        return;
    if (c->rec)
        fclose(c->rec);
    ihg_json_free(&c->json);
    ihg_compare_job_free(c->job);
    ihg_seeds_job_free(c->seeds_job);
    ihg_comparison_free(c->job_cmp);
    ihg_comparison_free(c->cmp);
    free(c->qnorm);
    free(c->lambda_path);
    free(c->theta_path);
    free(c->opt_path);
    free(c->grid);
    free(c->aug_orig);
    free(c->aug_img);
    if (c->owns_session)
        ihg_session_free(c->s);
    ihg_history_free(c->history);
    ihg_lesson_ctl_free(c->lesson); /* the lesson's sessions with it */
    free(c->script);
    for (int k = 0; k < IHG_VIEW_BRANCHES_MAX; k++)
        free(c->branch_val[k]);
    free(c);
}

/* ---- accessors ----------------------------------------------------------- */

int ihg_ctl_quit(const ihg_ctl *c) { return c->quit; }
unsigned long ihg_ctl_serial(const ihg_ctl *c) { return c->serial; }
const ihg_display *ihg_ctl_display(const ihg_ctl *c) { return &c->disp; }
const ihg_display_ctx *ihg_ctl_display_ctx(const ihg_ctl *c) { return &c->dctx; }
ihg_session *ihg_ctl_session(ihg_ctl *c) { return c->s; }
const ihg_comparison *ihg_ctl_comparison(const ihg_ctl *c)
{
    return c->cmp_valid ? c->cmp : NULL;
}

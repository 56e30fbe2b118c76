/* session.c - the step machine behind the explorer and --batch.
 *
 * One outer step:
 *   INNER      inner optimizer steps on theta (fixed count, or until
 *              ||grad L_T|| <= inner.tol capped by inner.max_steps)
 *   (setup)    v = dL_V/dtheta, direct = dL_V/dlambda, losses for the record
 *   SOLVE      q ~ H^{-1} v, one Neumann term / CG iteration per unit
 *   HYPERGRAD  g = direct - J^T q
 *   UPDATE     outer optimizer step on lambda, record appended
 * Every unit is small so a caller can redraw between them.  Nothing is
 * allocated inside a step: all vectors are made in ihg_session_alloc (or
 * when the method is changed, for the exact solver's matrix).
 */
#include "session.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "number.h"
#include "optim.h"
#include "timer.h"

/* Newton-CG: at most this many CG iterations for one Newton direction. */
#define NEWTON_CG_MAX 250
/* Metrics of large sets are evaluated at most this many rows per unit of
 * work, fewer for big models: about 3e8 / P rows keeps a unit's forward
 * passes near 1 GFLOP (tens of milliseconds). */
#define EVAL_CHUNK 512
#define EVAL_MIN_CHUNK 16
/* Largest P and Hn a session accepts: its ~25 P-vectors and ~10 Hn-vectors
 * then stay below about 5 GiB. */
#define IHG_MAX_PARAMS 20000000
/* At most this many known null directions of H (model.h null_space). */
#define NULL_SPACE_MAX 8

struct ihg_session {
    const ihg_config *cfg;
    gsl_rng *rng, *rng_start;
    ihg_dataset ds;
    ihg_model *model;
    size_t P, Hn;

    gsl_vector *theta, *lambda, *theta_init, *lambda_init;
    gsl_vector *grad, *v, *direct, *jtq, *hg, *lambda_prev;
    /* Newton-CG work */
    gsl_vector *nd, *nr, *np, *nHp, *ntheta;

    ihg_optimizer *inner_opt, *outer_opt;
    gsl_multimin_fdfminimizer *bfgs;
    gsl_multimin_function_fdf bfgs_fdf;
    int bfgs_ready;

    ihg_solver *solver;
    ihg_method solver_method;
    ihg_linop Hop;
    gsl_matrix *null_full;    /* model's known null directions of H */
    gsl_matrix_view null_view;

    ihg_data *batch;
    size_t *order, order_pos;

    ihg_phase phase;
    long inner_k, outer, inner_total;
    ihg_method method;
    long K;
    double alpha; /* 0: inner lr */

    /* chunked evaluation of the record's accuracies and test metrics */
    int eval_stage;
    size_t eval_row;
    double eval_loss, eval_hits;
    ihg_data chunk;
    gsl_matrix_view chunk_X;
    gsl_vector_view chunk_y;

    ihg_record cur;
    ihg_record *hist;
    size_t hist_len, hist_cap;
    double unit_start; /* start of the unit under way */
    char msg[512];
};

static const char *phase_names[] = {"inner", "solve", "hypergrad", "update",
                                    "done", "stopped", "eval"};

const char *ihg_phase_name(ihg_phase p)
{
    return (unsigned)p < sizeof phase_names / sizeof phase_names[0]
               ? phase_names[p]
               : "?";
}

static void set_msg(ihg_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_msg(ihg_session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof s->msg, fmt, ap);
    va_end(ap);
}

/* ---- the model at the session's data -------------------------------- */

static double train_loss_full(ihg_session *s, gsl_vector *grad)
{
    return s->model->type->train_loss(s->model, s->theta, s->lambda,
                                      s->ds.train, grad);
}

static void hvp_apply(const gsl_vector *u, gsl_vector *Hu, void *params)
{
    ihg_session *s = params;
    s->model->type->train_hvp(s->model, s->theta, s->lambda, s->ds.train, u, Hu);
}

static void hessian_matrix(gsl_matrix *H, void *params)
{
    ihg_session *s = params;
    s->model->type->train_hessian(s->model, s->theta, s->lambda, s->ds.train, H);
}

void ihg_session_hessian_op(ihg_session *s, ihg_linop *H) { *H = s->Hop; }

double ihg_session_val_grads(ihg_session *s, gsl_vector *v, gsl_vector *direct)
{
    return s->model->type->val_loss(s->model, s->theta, s->lambda, s->ds.val,
                                    v, direct);
}

void ihg_session_jtvp(ihg_session *s, const gsl_vector *u, gsl_vector *out)
{
    s->model->type->train_jtvp(s->model, s->theta, s->lambda, s->ds.train, u, out);
}

/* ---- BFGS through GSL multimin --------------------------------------- */

static double bfgs_f(const gsl_vector *x, void *params)
{
    ihg_session *s = params;
    return s->model->type->train_loss(s->model, x, s->lambda, s->ds.train, NULL);
}

static void bfgs_df(const gsl_vector *x, void *params, gsl_vector *g)
{
    ihg_session *s = params;
    s->model->type->train_loss(s->model, x, s->lambda, s->ds.train, g);
}

static void bfgs_fdf(const gsl_vector *x, void *params, double *f, gsl_vector *g)
{
    ihg_session *s = params;
    *f = s->model->type->train_loss(s->model, x, s->lambda, s->ds.train, g);
}

/* ---- allocation ------------------------------------------------------ */

static ihg_opt_kind inner_kind(ihg_inner_optimizer o)
{
    switch (o) {
    case IHG_INNER_MOMENTUM: return IHG_OPT_MOMENTUM;
    case IHG_INNER_ADAM: return IHG_OPT_ADAM;
    default: return IHG_OPT_SGD;
    }
}

static ihg_opt_kind outer_kind(ihg_outer_optimizer o)
{
    switch (o) {
    case IHG_OUTER_ADAM: return IHG_OPT_ADAM;
    case IHG_OUTER_RMSPROP: return IHG_OPT_RMSPROP;
    default: return IHG_OPT_SGD;
    }
}

static int make_solver(ihg_session *s, ihg_method m)
{
    ihg_solver *n = ihg_solver_alloc(m, s->P, s->cfg->hypergrad.exact_max);
    if (!n)
        return ihg_error_status();
    ihg_solver_free(s->solver);
    s->solver = n;
    s->solver_method = m;
    return IHG_OK;
}

ihg_session *ihg_session_alloc(const ihg_config *cfg)
{
    ihg_session *s = calloc(1, sizeof *s);
    if (!s) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        return NULL;
    }
    s->cfg = cfg;
    const ihg_model_type *type = ihg_model_lookup(cfg->model.kind);
    if (!type) {
        ihg_error_at(IHG_EINVAL, cfg->path ? cfg->path : "<built-in>",
                     cfg->model.kind_mark.line, cfg->model.kind_mark.column,
                     "unknown model kind '%s'",
                     cfg->model.kind ? cfg->model.kind : "");
        goto fail;
    }
    s->rng = gsl_rng_alloc(gsl_rng_mt19937);
    s->rng_start = gsl_rng_alloc(gsl_rng_mt19937);
    if (!s->rng || !s->rng_start) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        goto fail;
    }
    gsl_rng_set(s->rng, cfg->seed);
    if (ihg_dataset_load(&s->ds, cfg, type->task, s->rng) != IHG_OK)
        goto fail;
    if (type->task != IHG_TASK_NONE && (!s->ds.train || !s->ds.val)) {
        ihg_error_set(IHG_EINVAL, "model '%s' needs training and validation data",
                      type->name);
        goto fail;
    }
    size_t max_rows = 1;
    if (s->ds.train && s->ds.train->n > max_rows)
        max_rows = s->ds.train->n;
    if (s->ds.val && s->ds.val->n > max_rows)
        max_rows = s->ds.val->n;
    /* the test set is only ever evaluated in chunks (eval_unit) */
    if (s->ds.test) {
        size_t tn = s->ds.test->n < EVAL_CHUNK ? s->ds.test->n : EVAL_CHUNK;
        if (tn > max_rows)
            max_rows = tn;
    }
    s->model = ihg_model_alloc(type, cfg, &s->ds, max_rows);
    if (!s->model) {
        /* point at the experiment's model.kind */
        char msg[700];
        snprintf(msg, sizeof msg, "%s", ihg_error_message());
        ihg_error_at(ihg_error_status(), cfg->path ? cfg->path : "<built-in>",
                     cfg->model.kind_mark.line, cfg->model.kind_mark.column, "%s", msg);
        goto fail;
    }
    s->P = s->model->P;
    s->Hn = s->model->Hn;
    if (s->P > IHG_MAX_PARAMS || s->Hn > IHG_MAX_PARAMS) {
        /* a session keeps about 25 vectors of P and 10 of Hn doubles */
        ihg_error_at(IHG_EINVAL, cfg->path ? cfg->path : "<built-in>",
                     cfg->model.kind_mark.line, cfg->model.kind_mark.column,
                     "model too large: P = %zu parameters and %zu hyperparameters "
                     "(at most %.0f each, about %.1f GiB)", s->P, s->Hn,
                     (double)IHG_MAX_PARAMS,
                     (25.0 * (double)s->P + 10.0 * (double)s->Hn) * 8 / 1073741824.0);
        goto fail;
    }
    if (s->P == 0 || s->Hn == 0) {
        ihg_error_set(IHG_EINVAL, "model has no parameters or no hyperparameters");
        goto fail;
    }
    gsl_vector **vecP[] = {&s->theta, &s->theta_init, &s->grad, &s->v,
                           &s->nd, &s->nr, &s->np, &s->nHp, &s->ntheta};
    for (size_t i = 0; i < sizeof vecP / sizeof vecP[0]; i++)
        if (!(*vecP[i] = gsl_vector_calloc(s->P))) {
            ihg_error_set(IHG_ENOMEM, "out of memory (P = %zu)", s->P);
            goto fail;
        }
    gsl_vector **vecH[] = {&s->lambda, &s->lambda_init, &s->direct, &s->jtq,
                           &s->hg, &s->lambda_prev};
    for (size_t i = 0; i < sizeof vecH / sizeof vecH[0]; i++)
        if (!(*vecH[i] = gsl_vector_calloc(s->Hn))) {
            ihg_error_set(IHG_ENOMEM, "out of memory (Hn = %zu)", s->Hn);
            goto fail;
        }
    s->inner_opt = ihg_optimizer_alloc(inner_kind(cfg->inner.optimizer), s->P);
    s->outer_opt = ihg_optimizer_alloc(outer_kind(cfg->outer.optimizer), s->Hn);
    if (!s->inner_opt || !s->outer_opt) {
        ihg_error_set(IHG_ENOMEM, "out of memory");
        goto fail;
    }
    s->inner_opt->lr = cfg->inner.lr;
    s->inner_opt->momentum = cfg->inner.momentum;
    s->inner_opt->beta1 = cfg->inner.beta1;
    s->inner_opt->beta2 = cfg->inner.beta2;
    s->inner_opt->eps = cfg->inner.eps;
    s->outer_opt->lr = cfg->outer.lr;
    s->outer_opt->beta1 = cfg->outer.beta1;
    s->outer_opt->beta2 = cfg->outer.beta2;
    s->outer_opt->eps = cfg->outer.eps;
    s->outer_opt->decay = cfg->outer.decay;
    s->outer_opt->clip_min = cfg->outer.clip_min;
    s->outer_opt->clip_max = cfg->outer.clip_max;

    if (cfg->inner.optimizer == IHG_INNER_BFGS) {
        s->bfgs = gsl_multimin_fdfminimizer_alloc(
            gsl_multimin_fdfminimizer_vector_bfgs2, s->P);
        if (!s->bfgs) {
            ihg_error_set(IHG_ENOMEM, "out of memory (BFGS)");
            goto fail;
        }
        s->bfgs_fdf.f = bfgs_f;
        s->bfgs_fdf.df = bfgs_df;
        s->bfgs_fdf.fdf = bfgs_fdf;
        s->bfgs_fdf.n = s->P;
        s->bfgs_fdf.params = s;
    }

    if (cfg->inner.batch > 0 && s->ds.train &&
        (size_t)cfg->inner.batch < s->ds.train->n) {
        s->batch = ihg_data_alloc((size_t)cfg->inner.batch, s->ds.train->d);
        s->order = malloc(s->ds.train->n * sizeof *s->order);
        if (!s->batch || !s->order) {
            ihg_error_set(IHG_ENOMEM, "out of memory (minibatch)");
            goto fail;
        }
    }

    s->Hop.apply = hvp_apply;
    s->Hop.matrix = type->train_hessian ? hessian_matrix : NULL;
    s->Hop.params = s;
    s->Hop.n = s->P;
    s->Hop.null_basis = NULL;
    if (type->null_space) {
        s->null_full = gsl_matrix_calloc(s->P, NULL_SPACE_MAX);
        if (!s->null_full) {
            ihg_error_set(IHG_ENOMEM, "out of memory (null space)");
            goto fail;
        }
        size_t r = type->null_space(s->model, s->null_full);
        if (r > 0) {
            s->null_view = gsl_matrix_submatrix(s->null_full, 0, 0, s->P,
                                                r < NULL_SPACE_MAX ? r : NULL_SPACE_MAX);
            s->Hop.null_basis = &s->null_view.matrix;
        }
    }

    s->method = cfg->hypergrad.method;
    s->K = s->method == IHG_METHOD_CG ? cfg->hypergrad.iters : cfg->hypergrad.terms;
    s->alpha = cfg->hypergrad.alpha > 0 ? cfg->hypergrad.alpha : 0.0;
    if (make_solver(s, s->method) != IHG_OK) {
        char msg[700];
        snprintf(msg, sizeof msg, "%s", ihg_error_message());
        ihg_error_at(ihg_error_status() == IHG_ELIMIT ? IHG_EINVAL : ihg_error_status(),
                     cfg->path ? cfg->path : "<built-in>", cfg->hypergrad.method_mark.line,
                     cfg->hypergrad.method_mark.column, "hypergrad.method: %s", msg);
        goto fail;
    }

    /* the start of the run: reset draws theta and lambda from here */
    gsl_rng_memcpy(s->rng_start, s->rng);
    if (ihg_session_reset(s) != IHG_OK)
        goto fail;
    return s;
fail:
    ihg_session_free(s);
    return NULL;
}

void ihg_session_free(ihg_session *s)
{
    if (!s)
        return;
    gsl_vector *vs[] = {s->theta, s->lambda, s->theta_init, s->lambda_init,
                        s->grad, s->v, s->direct, s->jtq, s->hg, s->lambda_prev,
                        s->nd, s->nr, s->np, s->nHp, s->ntheta};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        if (vs[i])
            gsl_vector_free(vs[i]);
    ihg_optimizer_free(s->inner_opt);
    ihg_optimizer_free(s->outer_opt);
    if (s->bfgs)
        gsl_multimin_fdfminimizer_free(s->bfgs);
    ihg_solver_free(s->solver);
    if (s->null_full)
        gsl_matrix_free(s->null_full);
    ihg_data_free(s->batch);
    free(s->order);
    ihg_model_free(s->model);
    ihg_dataset_free(&s->ds);
    if (s->rng)
        gsl_rng_free(s->rng);
    if (s->rng_start)
        gsl_rng_free(s->rng_start);
    free(s->hist);
    free(s);
}

static void shuffle_order(ihg_session *s)
{
    size_t n = s->ds.train->n;
    for (size_t i = 0; i < n; i++)
        s->order[i] = i;
    gsl_ran_shuffle(s->rng, s->order, n, sizeof *s->order);
    s->order_pos = 0;
}

static void begin_outer(ihg_session *s)
{
    s->phase = IHG_PHASE_INNER;
    s->inner_k = 0;
    memset(&s->cur, 0, sizeof s->cur);
    if (!s->cfg->inner.warm_start) {
        gsl_vector_memcpy(s->theta, s->theta_init);
        ihg_optimizer_reset(s->inner_opt);
    }
    s->bfgs_ready = 0;
}

int ihg_session_reset(ihg_session *s)
{
    gsl_rng_memcpy(s->rng, s->rng_start);
    /* draw exactly as in alloc so the initial point is the same */
    s->model->type->init_theta(s->model, s->theta, s->rng);
    s->model->type->init_lambda(s->model, s->lambda, s->rng);
    gsl_vector_memcpy(s->theta_init, s->theta);
    gsl_vector_memcpy(s->lambda_init, s->lambda);
    gsl_vector_set_zero(s->hg);
    ihg_optimizer_reset(s->inner_opt);
    ihg_optimizer_reset(s->outer_opt);
    if (s->order)
        shuffle_order(s);
    s->outer = 0;
    s->inner_total = 0;
    s->hist_len = 0;
    s->msg[0] = '\0';
    begin_outer(s);
    if (s->cfg->outer.steps == 0)
        s->phase = IHG_PHASE_DONE;
    return IHG_OK;
}

/* ---- units of work ----------------------------------------------------- */

static const ihg_data *next_batch(ihg_session *s)
{
    if (!s->batch)
        return s->ds.train;
    size_t b = s->batch->n, d = s->ds.train->d;
    for (size_t i = 0; i < b; i++) {
        if (s->order_pos >= s->ds.train->n)
            shuffle_order(s);
        size_t r = s->order[s->order_pos++];
        for (size_t j = 0; j < d; j++)
            gsl_matrix_set(s->batch->X, i, j, gsl_matrix_get(s->ds.train->X, r, j));
        gsl_vector_set(s->batch->y, i, gsl_vector_get(s->ds.train->y, r));
    }
    return s->batch;
}

static int stop(ihg_session *s, unsigned *ev)
{
    s->phase = IHG_PHASE_STOPPED;
    *ev |= IHG_EV_STOPPED;
    ihg_error_set(IHG_EDIVERGE, "%s", s->msg);
    return IHG_EDIVERGE;
}

/* Who to blame when the inner loop blows up: inner.lr, or, once outer
 * steps have moved lambda, the lambda they reached as much as inner.lr. */
static const char *inner_blame(const ihg_session *s, char *buf, size_t size)
{
    double moved = 0; /* max |lambda - lambda at the start| */
    for (size_t i = 0; i < s->lambda->size; i++) {
        double d = fabs(gsl_vector_get(s->lambda, i) - gsl_vector_get(s->lambda_init, i));
        if (d > moved || isnan(d))
            moved = d;
    }
    if (s->outer == 0 || moved < 1) {
        snprintf(buf, size, "inner.lr = %g is too large for this problem",
                 s->cfg->inner.lr);
        return buf;
    }
    snprintf(buf, size,
             "inner.lr = %g is too large for the lambda that %ld outer steps of "
             "outer.lr = %g reached (moved by up to %.3g, max lambda %.3g): lower "
             "outer.lr or inner.lr, or bound lambda with outer.clip",
             s->cfg->inner.lr, s->outer, s->cfg->outer.lr, moved, gsl_vector_max(s->lambda));
    return buf;
}

static int vector_finite(const gsl_vector *x)
{
    for (size_t i = 0; i < x->size; i++)
        if (!isfinite(gsl_vector_get(x, i)))
            return 0;
    return 1;
}

/* One Newton-CG step with backtracking (Armijo) on the full training loss.
 * The CG forcing term eta = min(0.5, sqrt(||g||)) gives superlinear
 * convergence (Nocedal & Wright, Numerical Optimization, Alg. 7.1). */
static int newton_step(ihg_session *s, int have_grad, double f_known)
{
    const ihg_model_type *t = s->model->type;
    /* in tolerance mode the convergence test has just computed L_T and its
     * gradient at theta (in s->grad): no need to do it again */
    double f0 = have_grad ? f_known : train_loss_full(s, s->grad);
    double gnorm = gsl_blas_dnrm2(s->grad);
    if (!isfinite(f0) || !isfinite(gnorm))
        return -1;
    if (gnorm == 0.0)
        return 0;
    double eta = fmin(0.5, sqrt(gnorm));
    /* CG on H d = -g */
    gsl_vector_set_zero(s->nd);
    gsl_vector_memcpy(s->nr, s->grad);
    gsl_vector_scale(s->nr, -1.0);
    gsl_vector_memcpy(s->np, s->nr);
    double rr = gnorm * gnorm;
    size_t maxit = s->P < NEWTON_CG_MAX ? s->P + 5 : NEWTON_CG_MAX;
    for (size_t it = 0; it < maxit; it++) {
        double pHp;
        t->train_hvp(s->model, s->theta, s->lambda, s->ds.train, s->np, s->nHp);
        gsl_blas_ddot(s->np, s->nHp, &pHp);
        if (pHp <= 0) {
            if (it == 0)
                gsl_vector_memcpy(s->nd, s->nr); /* steepest descent */
            break;
        }
        double a = rr / pHp;
        gsl_blas_daxpy(a, s->np, s->nd);
        gsl_blas_daxpy(-a, s->nHp, s->nr);
        double rr2;
        gsl_blas_ddot(s->nr, s->nr, &rr2);
        if (sqrt(rr2) <= eta * gnorm)
            break;
        gsl_vector_scale(s->np, rr2 / rr);
        gsl_vector_add(s->np, s->nr);
        rr = rr2;
    }
    double slope;
    gsl_blas_ddot(s->grad, s->nd, &slope);
    if (!(slope < 0)) {
        gsl_vector_memcpy(s->nd, s->grad);
        gsl_vector_scale(s->nd, -1.0);
        slope = -gnorm * gnorm;
    }
    double step = 1.0;
    /* Near the optimum the predicted decrease -slope/2 falls below the
     * rounding error of L_T itself; the loss can no longer judge a step,
     * and the full Newton step (quadratically convergent there) is taken. */
    int measurable = -slope > 1e3 * 2.2e-16 * (fabs(f0) + 1e-300);
    for (int ls = 0; measurable && ls < 60; ls++) {
        gsl_vector_memcpy(s->ntheta, s->theta);
        gsl_blas_daxpy(step, s->nd, s->ntheta);
        double f1 = t->train_loss(s->model, s->ntheta, s->lambda, s->ds.train, NULL);
        if (isfinite(f1) && f1 <= f0 + 1e-4 * step * slope)
            break;
        step *= 0.5;
    }
    if (!measurable) {
        gsl_vector_memcpy(s->ntheta, s->theta);
        gsl_blas_daxpy(1.0, s->nd, s->ntheta);
    }
    gsl_vector_memcpy(s->theta, s->ntheta);
    return 0;
}

static int setup_hypergrad(ihg_session *s, unsigned *ev);

/* One inner step, or, when the inner loop is done, the set-up of the
 * hypergradient.  Returns IHG_OK or the status of a stop. */
static int inner_unit(ihg_session *s, unsigned *ev)
{
    const ihg_config *cfg = s->cfg;
    int tol_mode = cfg->inner.tol > 0;
    const ihg_model_type *t = s->model->type;

    double f_tol = NAN;
    if (tol_mode) {
        /* check convergence first: the gradient at the current point */
        double f = f_tol = train_loss_full(s, s->grad);
        double gn = gsl_blas_dnrm2(s->grad);
        if (!isfinite(f) || !isfinite(gn)) {
            char why[320];
            set_msg(s, "training loss is not finite after %ld inner steps: %s", s->inner_k,
                    inner_blame(s, why, sizeof why));
            return stop(s, ev);
        }
        if (gn <= cfg->inner.tol || s->inner_k >= cfg->inner.max_steps) {
            if (gn > cfg->inner.tol)
                set_msg(s, "inner loop stopped at inner.max_steps = %ld with "
                           "||grad|| = %.3g > tol", cfg->inner.max_steps, gn);
            *ev |= IHG_EV_INNER_DONE;
            return setup_hypergrad(s, ev);
        }
    } else if (s->inner_k >= cfg->inner.steps) {
        *ev |= IHG_EV_INNER_DONE;
        return setup_hypergrad(s, ev);
    }

    switch (cfg->inner.optimizer) {
    case IHG_INNER_NEWTON: {
        if (newton_step(s, tol_mode, f_tol) != 0) {
            set_msg(s, "training loss is not finite at inner step %ld", s->inner_k);
            return stop(s, ev);
        }
        break;
    }
    case IHG_INNER_BFGS: {
        if (!s->bfgs_ready) {
            gsl_multimin_fdfminimizer_set(s->bfgs, &s->bfgs_fdf, s->theta, 0.01, 0.1);
            s->bfgs_ready = 1;
        }
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        int st = gsl_multimin_fdfminimizer_iterate(s->bfgs);
        gsl_set_error_handler(old);
        gsl_vector_memcpy(s->theta, gsl_multimin_fdfminimizer_x(s->bfgs));
        if (st == GSL_ENOPROG) {
            /* the line search can make no progress: restart from here */
            s->bfgs_ready = 0;
        }
        break;
    }
    default: {
        const ihg_data *b = next_batch(s);
        double f = t->train_loss(s->model, s->theta, s->lambda, b, s->grad);
        if (!isfinite(f) || !vector_finite(s->grad)) {
            char why[320];
            set_msg(s, "training loss became %s at inner step %ld: %s",
                    isnan(f) ? "NaN" : "infinite", s->inner_k + 1,
                    inner_blame(s, why, sizeof why));
            return stop(s, ev);
        }
        ihg_optimizer_step(s->inner_opt, s->theta, s->grad);
        break;
    }
    }
    if (!vector_finite(s->theta)) {
        char why[320];
        set_msg(s, "parameters became non-finite at inner step %ld: %s", s->inner_k + 1,
                inner_blame(s, why, sizeof why));
        return stop(s, ev);
    }
    s->inner_k++;
    s->inner_total++;
    *ev |= IHG_EV_INNER_STEP;
    return IHG_OK;
}

/* After the inner loop: the pieces of the hypergradient at (theta,
 * lambda) and the record's losses; then EVAL measures accuracies and the
 * test set in chunks, and the solver starts. */
static int start_solve(ihg_session *s, unsigned *ev);

static int setup_hypergrad(ihg_session *s, unsigned *ev)
{
    const ihg_model_type *t = s->model->type;
    ihg_record *r = &s->cur;
    r->inner_steps = s->inner_k;
    r->train_loss = train_loss_full(s, s->grad);
    r->grad_norm = gsl_blas_dnrm2(s->grad);
    r->val_loss = t->val_loss(s->model, s->theta, s->lambda, s->ds.val, s->v, s->direct);
    r->test_loss = r->train_acc = r->val_acc = r->test_acc = NAN;
    r->v_norm = gsl_blas_dnrm2(s->v);
    r->direct_norm = gsl_blas_dnrm2(s->direct);
    r->lambda_norm = gsl_blas_dnrm2(s->lambda);
    if (!isfinite(r->train_loss) || !isfinite(r->val_loss) || !vector_finite(s->v)) {
        set_msg(s, "loss is not finite at outer step %ld (training %g, validation %g)",
                s->outer + 1, r->train_loss, r->val_loss);
        return stop(s, ev);
    }
    s->eval_stage = 0;
    s->eval_row = 0;
    s->eval_loss = s->eval_hits = 0;
    s->phase = IHG_PHASE_EVAL;
    return IHG_OK;
}

/* One chunk of at most EVAL_CHUNK rows of the set being measured:
 * stage 0 training accuracy, 1 validation accuracy, 2 test loss and
 * accuracy.  Means are combined weighted by rows. */
static int eval_unit(ihg_session *s, unsigned *ev)
{
    const ihg_model_type *t = s->model->type;
    ihg_record *r = &s->cur;
    const ihg_data *sets[3] = {s->ds.train, s->ds.val, s->ds.test};
    while (s->eval_stage < 3) {
        const ihg_data *d = sets[s->eval_stage];
        int want = d && (t->accuracy || s->eval_stage == 2);
        if (!want || s->eval_row >= d->n) {
            if (want) {
                double acc = t->accuracy ? s->eval_hits / (double)d->n : NAN;
                if (s->eval_stage == 0)
                    r->train_acc = acc;
                else if (s->eval_stage == 1)
                    r->val_acc = acc;
                else {
                    r->test_acc = acc;
                    r->test_loss = s->eval_loss / (double)d->n;
                }
            }
            s->eval_stage++;
            s->eval_row = 0;
            s->eval_loss = s->eval_hits = 0;
            continue;
        }
        size_t chunk = (size_t)(3e8 / (double)s->P);
        if (chunk > EVAL_CHUNK)
            chunk = EVAL_CHUNK;
        if (chunk < EVAL_MIN_CHUNK)
            chunk = EVAL_MIN_CHUNK;
        size_t rows = d->n - s->eval_row;
        if (rows > chunk)
            rows = chunk;
        s->chunk_X = gsl_matrix_submatrix(d->X, s->eval_row, 0, rows, d->d);
        s->chunk_y = gsl_vector_subvector(d->y, s->eval_row, rows);
        s->chunk.n = rows;
        s->chunk.d = d->d;
        s->chunk.X = &s->chunk_X.matrix;
        s->chunk.y = &s->chunk_y.vector;
        if (s->eval_stage == 2 && t->val_metrics) {
            double acc;
            s->eval_loss += (double)rows * t->val_metrics(s->model, s->theta, s->lambda,
                                                          &s->chunk, &acc);
            s->eval_hits += (double)rows * acc;
        } else {
            if (t->accuracy)
                s->eval_hits += (double)rows * t->accuracy(s->model, s->theta, &s->chunk);
            if (s->eval_stage == 2)
                s->eval_loss += (double)rows * t->val_loss(s->model, s->theta, s->lambda,
                                                           &s->chunk, NULL, NULL);
        }
        s->eval_row += rows;
        return IHG_OK;
    }
    return start_solve(s, ev);
}

static int start_solve(ihg_session *s, unsigned *ev)
{
    ihg_record *r = &s->cur;
    if (s->solver_method != s->method) {
        if (make_solver(s, s->method) != IHG_OK) {
            set_msg(s, "%s", ihg_error_message());
            return stop(s, ev);
        }
    }
    double alpha = ihg_session_alpha(s);
    r->method = s->method;
    r->terms = s->method == IHG_METHOD_NEUMANN || s->method == IHG_METHOD_CG ? s->K : 0;
    r->alpha = alpha;
    int st = ihg_solver_start(s->solver, &s->Hop, s->v, s->K, alpha,
                              s->cfg->hypergrad.tol);
    if (st != IHG_OK) {
        set_msg(s, "%s", ihg_error_message());
        return stop(s, ev);
    }
    s->phase = IHG_PHASE_SOLVE;
    return IHG_OK;
}

static int solve_unit(ihg_session *s, unsigned *ev)
{
    ihg_solve_state state;
    long before = ihg_solver_done_terms(s->solver);
    int st = ihg_solver_iterate(s->solver, &state);
    if (st != IHG_OK) {
        set_msg(s, "%s", ihg_error_message());
        return stop(s, ev);
    }
    if (ihg_solver_done_terms(s->solver) != before)
        *ev |= IHG_EV_SOLVE_TERM;
    if (state == IHG_SOLVE_DIVERGED) {
        double g = ihg_solver_growth(s->solver);
        double alpha = ihg_session_alpha(s);
        char gs[32], g1s[48];
        if (s->method == IHG_METHOD_NEUMANN && g > 1)
            /* the ratio with the digits that show it above 1 (1.0000002,
             * never "1 > 1") */
            set_msg(s, "Neumann series diverges at term %ld: ||v_j||/||v_j-1|| = %s > 1, "
                       "so rho(I - alpha H) >= %s (alpha*lambda_max >= %s > 2, or H "
                       "is not positive definite); lower alpha = %.3g (key a, "
                       "hypergrad.alpha) or change method (key m, hypergrad.method)",
                    ihg_solver_done_terms(s->solver),
                    ihg_format_above(gs, sizeof gs, g, 1.0), gs,
                    ihg_format_above(g1s, sizeof g1s, 1 + g, 2.0), alpha);
        else if (s->method == IHG_METHOD_NEUMANN)
            set_msg(s, "Neumann series diverges at term %ld: its terms are no longer "
                       "finite; lower alpha = %.3g (key a, hypergrad.alpha) or change "
                       "method (key m, hypergrad.method)",
                    ihg_solver_done_terms(s->solver), alpha);
        else
            set_msg(s, "%s solve produced non-finite values", ihg_method_name(s->method));
        return stop(s, ev);
    }
    if (state == IHG_SOLVE_DONE) {
        if (ihg_solver_used_fallback(s->solver)) {
            /* 1 LU, 2 pseudo-inverse (exact); 3 CG negative curvature */
            s->cur.fallback = s->method == IHG_METHOD_CG ? 3
                                                         : ihg_solver_used_fallback(s->solver);
            if (s->method == IHG_METHOD_EXACT)
                set_msg(s, "H is not positive definite at outer step %ld: exact "
                           "solve used %s", s->outer + 1,
                        s->cur.fallback == 1 ? "LU" : "the eigen pseudo-inverse");
            else
                set_msg(s, "CG met non-positive curvature at outer step %ld: H is not "
                           "positive definite", s->outer + 1);
        }
        s->phase = IHG_PHASE_HYPERGRAD;
    }
    return IHG_OK;
}

static int hypergrad_unit(ihg_session *s, unsigned *ev)
{
    const gsl_vector *q = ihg_solver_q(s->solver);
    ihg_session_jtvp(s, q, s->jtq);
    /* g = direct - J^T q */
    gsl_vector_memcpy(s->hg, s->direct);
    gsl_vector_sub(s->hg, s->jtq);
    s->cur.q_norm = gsl_blas_dnrm2(q);
    s->cur.jtq_norm = gsl_blas_dnrm2(s->jtq);
    s->cur.hypergrad_norm = gsl_blas_dnrm2(s->hg);
    s->cur.hvps = ihg_solver_hvps(s->solver);
    if (!vector_finite(s->hg)) {
        set_msg(s, "hypergradient is not finite at outer step %ld", s->outer + 1);
        return stop(s, ev);
    }
    *ev |= IHG_EV_HYPERGRAD;
    s->phase = IHG_PHASE_UPDATE;
    return IHG_OK;
}

static int update_unit(ihg_session *s, unsigned *ev)
{
    gsl_vector_memcpy(s->lambda_prev, s->lambda);
    ihg_optimizer_step(s->outer_opt, s->lambda, s->hg);
    s->outer++;
    s->cur.outer = s->outer;
    s->cur.seconds += ihg_now() - s->unit_start;
    if (s->hist_len == s->hist_cap) {
        /* history grows by doubling: one allocation per doubling, outside
         * the numerical work */
        size_t cap = s->hist_cap ? 2 * s->hist_cap : 64;
        ihg_record *h = realloc(s->hist, cap * sizeof *h);
        if (!h) {
            set_msg(s, "out of memory for the history");
            return stop(s, ev);
        }
        s->hist = h;
        s->hist_cap = cap;
    }
    s->hist[s->hist_len++] = s->cur;
    *ev |= IHG_EV_OUTER_DONE;
    if (s->outer >= s->cfg->outer.steps) {
        s->phase = IHG_PHASE_DONE;
        *ev |= IHG_EV_FINISHED;
    } else {
        begin_outer(s);
    }
    return IHG_OK;
}

static int one_unit(ihg_session *s, unsigned *ev)
{
    switch (s->phase) {
    case IHG_PHASE_INNER:
        return inner_unit(s, ev);
    case IHG_PHASE_EVAL:
        return eval_unit(s, ev);
    case IHG_PHASE_SOLVE:
        return solve_unit(s, ev);
    case IHG_PHASE_HYPERGRAD:
        return hypergrad_unit(s, ev);
    case IHG_PHASE_UPDATE:
        return update_unit(s, ev);
    case IHG_PHASE_DONE:
        *ev |= IHG_EV_FINISHED;
        return IHG_OK;
    case IHG_PHASE_STOPPED:
    default:
        *ev |= IHG_EV_STOPPED;
        return IHG_EDIVERGE;
    }
}

int ihg_session_step(ihg_session *s, unsigned budget, unsigned *events)
{
    unsigned ev = 0;
    int st = IHG_OK;
    if (budget == 0)
        budget = 1;
    for (unsigned i = 0; i < budget && st == IHG_OK; i++) {
        if (s->phase == IHG_PHASE_DONE) {
            ev |= IHG_EV_FINISHED;
            break;
        }
        /* The outer step's cost is the sum of its units' times, so what a
         * caller does between units (drawing, pacing, a comparison) is not
         * counted.  An update unit closes the record: its time is added to
         * the record before it is appended. */
        unsigned e = 0;
        double t0 = ihg_now();
        s->unit_start = t0;
        st = one_unit(s, &e);
        ev |= e;
        if (!(e & IHG_EV_OUTER_DONE))
            s->cur.seconds += ihg_now() - t0;
    }
    if (events)
        *events = ev;
    return st;
}

int ihg_session_inner_step(ihg_session *s, unsigned *events)
{
    unsigned ev = 0, e;
    int st = IHG_OK;
    if (s->phase != IHG_PHASE_INNER) {
        if (events)
            *events = 0;
        return IHG_OK;
    }
    long k = s->inner_total;
    while (st == IHG_OK && s->phase == IHG_PHASE_INNER && s->inner_total == k) {
        st = ihg_session_step(s, 1, &e);
        ev |= e;
    }
    if (events)
        *events = ev;
    return st;
}

int ihg_session_outer_step(ihg_session *s, unsigned *events)
{
    unsigned ev = 0, e;
    int st = IHG_OK;
    long o = s->outer;
    while (st == IHG_OK && s->outer == o && !ihg_session_finished(s)) {
        st = ihg_session_step(s, 1, &e);
        ev |= e;
    }
    if (events)
        *events = ev;
    return st;
}

/* ---- accessors --------------------------------------------------------- */

int ihg_session_finished(const ihg_session *s)
{
    return s->phase == IHG_PHASE_DONE || s->phase == IHG_PHASE_STOPPED;
}
ihg_phase ihg_session_phase(const ihg_session *s) { return s->phase; }
const char *ihg_session_message(const ihg_session *s) { return s->msg; }

void ihg_session_progress(const ihg_session *s, long *done, long *total)
{
    if (s->phase == IHG_PHASE_INNER) {
        *done = s->inner_k;
        *total = s->cfg->inner.tol > 0 ? 0 : s->cfg->inner.steps;
    } else if (s->phase == IHG_PHASE_SOLVE) {
        *done = ihg_solver_done_terms(s->solver);
        *total = s->method == IHG_METHOD_EXACT ? 1
                 : s->method == IHG_METHOD_IDENTITY ? 0 : s->K;
    } else {
        *done = 0;
        *total = 0;
    }
}

int ihg_session_set_method(ihg_session *s, ihg_method m)
{
    if ((unsigned)m >= IHG_METHOD_COUNT)
        return ihg_error_set(IHG_EINVAL, "unknown method");
    if (m == IHG_METHOD_EXACT &&
        (s->cfg->hypergrad.exact_max < 0 || s->P > (size_t)s->cfg->hypergrad.exact_max))
        return ihg_error_set(IHG_ELIMIT,
                             "exact refused: P = %zu > hypergrad.exact_max = %ld",
                             s->P, s->cfg->hypergrad.exact_max);
    if (s->phase == IHG_PHASE_SOLVE) {
        /* restart the current solve with the new method */
        if (make_solver(s, m) != IHG_OK)
            return ihg_error_status();
        s->method = m;
        unsigned ev = 0;
        return start_solve(s, &ev);
    }
    s->method = m;
    return IHG_OK;
}

int ihg_session_set_terms(ihg_session *s, long K)
{
    if (K < 0 || K > 100000)
        return ihg_error_set(IHG_EINVAL, "terms must be in 0..100000");
    s->K = K;
    return IHG_OK;
}

int ihg_session_set_alpha(ihg_session *s, double alpha)
{
    if (!(alpha > 0) || !isfinite(alpha))
        return ihg_error_set(IHG_EINVAL, "alpha must be > 0");
    s->alpha = alpha;
    return IHG_OK;
}

/* Continue after a stop (for instance after lowering alpha): restart the
 * current outer step's hypergradient. */
int ihg_session_resume(ihg_session *s)
{
    if (s->phase != IHG_PHASE_STOPPED)
        return IHG_OK;
    s->msg[0] = '\0';
    if (!vector_finite(s->theta))
        return ihg_session_reset(s);
    begin_outer(s);
    return IHG_OK;
}

int ihg_session_set_lambda(ihg_session *s, const gsl_vector *lambda)
{
    if (lambda->size != s->Hn)
        return ihg_error_set(IHG_EINVAL, "lambda has %zu entries, model has %zu",
                             lambda->size, s->Hn);
    gsl_vector_memcpy(s->lambda, lambda);
    s->msg[0] = '\0';
    begin_outer(s);
    return IHG_OK;
}

ihg_method ihg_session_method(const ihg_session *s) { return s->method; }
long ihg_session_terms(const ihg_session *s) { return s->K; }
double ihg_session_alpha(const ihg_session *s)
{
    return s->alpha > 0 ? s->alpha : s->cfg->inner.lr;
}
const ihg_config *ihg_session_config(const ihg_session *s) { return s->cfg; }
const ihg_model *ihg_session_model(const ihg_session *s) { return s->model; }
const ihg_dataset *ihg_session_dataset(const ihg_session *s) { return &s->ds; }
const gsl_vector *ihg_session_theta(const ihg_session *s) { return s->theta; }
const gsl_vector *ihg_session_lambda(const ihg_session *s) { return s->lambda; }
const gsl_vector *ihg_session_hypergrad(const ihg_session *s) { return s->hg; }

const gsl_vector *ihg_session_partial_q(const ihg_session *s)
{
    if (s->phase != IHG_PHASE_SOLVE && s->phase != IHG_PHASE_HYPERGRAD)
        return NULL;
    return ihg_solver_q(s->solver);
}

const gsl_vector *ihg_session_v(const ihg_session *s)
{
    return s->phase == IHG_PHASE_SOLVE || s->phase == IHG_PHASE_HYPERGRAD ? s->v : NULL;
}
long ihg_session_outer(const ihg_session *s) { return s->outer; }
long ihg_session_inner_total(const ihg_session *s) { return s->inner_total; }
size_t ihg_session_history_len(const ihg_session *s) { return s->hist_len; }
const ihg_record *ihg_session_history(const ihg_session *s) { return s->hist; }

double ihg_session_train_loss(ihg_session *s) { return train_loss_full(s, NULL); }

double ihg_session_val_loss(ihg_session *s)
{
    return s->model->type->val_loss(s->model, s->theta, s->lambda, s->ds.val,
                                    NULL, NULL);
}

double ihg_session_grad_norm(ihg_session *s)
{
    train_loss_full(s, s->grad);
    return gsl_blas_dnrm2(s->grad);
}
